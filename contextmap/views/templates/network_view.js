/* contextmap peer-network view: draws one JSON payload with vis-network, layout frozen.
 * Safety rule: data strings reach the page ONLY through textContent or canvas text; vis-network
 * "title" tooltips (HTML) are not used, our own tooltip is built with textContent.
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cm-data").textContent);
  var meta = data.meta;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // --- banners ---
  var top = document.getElementById("cm-top");
  top.appendChild(el("span", "cm-marking", meta.marking));
  top.appendChild(el("span", "cm-title", meta.title));
  if (meta.period) top.appendChild(el("span", null, "Period: " + meta.period));
  top.appendChild(el("span", null, "Audience: " + meta.audience));
  top.appendChild(el("span", "cm-marking", meta.marking));
  var bottom = document.getElementById("cm-bottom");
  bottom.appendChild(el("span", "cm-marking", meta.marking));
  bottom.appendChild(el("span", null,
    "Links are intelligence graded at source: dashed links are untested or uncorroborated, not fact. " +
    "E-graded intelligence is not shown."));

  // --- data sets ---
  var STYLE = ["solid", "dashed", "e_graded"];
  var container = document.getElementById("cm-network");
  // the zoom at which the whole layout fits: labels are sized against it, so the prominent
  // nodes (top persons and places, children in groups) are labelled at first sight and every
  // other label appears only when zoomed in (vis-network's label drawThreshold)
  var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  data.nodes.forEach(function (r) {
    x0 = Math.min(x0, r[4] - r[7]); x1 = Math.max(x1, r[4] + r[7]);
    y0 = Math.min(y0, r[5] - r[7]); y1 = Math.max(y1, r[5] + r[7]);
  });
  var fitScale = data.nodes.length ?
    Math.min(1.5, 0.95 * Math.min((container.clientWidth || 1000) / Math.max(x1 - x0, 1),
                                  (container.clientHeight || 700) / Math.max(y1 - y0, 1))) : 1;
  var LABEL_PX = 13, SMALL_PX = 10, THRESHOLD = 12;
  function font(prominent, faded) {
    return { size: (prominent ? LABEL_PX : SMALL_PX) / fitScale, strokeWidth: faded ? 0 : 3, strokeColor: "#fff",
             color: faded ? "rgba(0,0,0,0)" : "#111" };
  }
  function nodeColour(r, faded) {
    var bg = faded ? "rgba(200,200,200,0.35)" : r[6];
    return { background: bg, border: faded ? "rgba(120,120,120,0.35)" : "#222",
             highlight: { background: r[6], border: "#000" }, hover: { background: r[6], border: "#000" } };
  }
  var nodes = data.nodes.map(function (r, i) {
    return {
      id: i, label: r[0], shape: data.kinds[r[1]].shape, x: r[4], y: r[5], size: r[7],
      color: nodeColour(r, false), borderWidth: 1, font: font(r[8] === 1, false)
    };
  });
  // weaker evidence, lighter and thinner line (weight relative to the 90th percentile)
  var ws = data.edges.map(function (r) { return r[4] || 0; }).sort(function (a, b) { return a - b; });
  var w90 = ws.length ? (ws[Math.floor(0.9 * (ws.length - 1))] || 1) : 1;
  function edgeLook(r, faded) {
    var s = STYLE[r[2]];
    var k = Math.max(0.15, Math.min(1, (r[4] || 0) / w90));
    var a = faded ? 0.06 : (s === "solid" ? 0.35 + 0.5 * k : 0.25 + 0.4 * k);
    var rgb = s === "solid" ? "68,68,68" : (s === "dashed" ? "120,120,120" : "187,187,187");
    return { color: { color: "rgba(" + rgb + "," + a.toFixed(2) + ")", highlight: "#000", hover: "#000" },
             width: (s === "solid" ? 0.8 : 0.5) + 1.4 * k };
  }
  var edges = data.edges.map(function (r, k) {
    var s = STYLE[r[2]];
    var look = edgeLook(r, false);
    return {
      id: k, from: r[0], to: r[1],
      dashes: s === "solid" ? false : (s === "dashed" ? [6, 4] : [2, 4]),
      color: look.color, width: look.width
    };
  });
  var nodeSet = new vis.DataSet(nodes);
  var edgeSet = new vis.DataSet(edges);
  var big = nodes.length > 1500;
  var network = new vis.Network(container, { nodes: nodeSet, edges: edgeSet }, {
    physics: false,
    layout: { improvedLayout: false, randomSeed: 0 },
    interaction: { hover: true, tooltipDelay: 100, hideEdgesOnDrag: big, hideEdgesOnZoom: big,
                   multiselect: true },
    edges: { smooth: false, selectionWidth: 2 },
    nodes: { scaling: { label: { enabled: false, drawThreshold: THRESHOLD, maxVisible: 15 } } }
  });

  // --- peer-group regions: a tinted disc and the group's name, drawn on the canvas ---
  var chosen = "";
  network.on("beforeDrawing", function (ctx) {
    var scale = network.getScale();
    data.groups.forEach(function (g) {
      if (!(g[4] > 0)) return;
      var on = !chosen || chosen === g[0];
      ctx.beginPath();
      ctx.arc(g[2], g[3], g[4] * 1.1, 0, 2 * Math.PI);
      ctx.globalAlpha = on ? 0.09 : 0.03;
      ctx.fillStyle = g[1];
      ctx.fill();
      ctx.globalAlpha = on ? 0.5 : 0.15;
      ctx.lineWidth = 1.5 / scale;
      ctx.strokeStyle = g[1];
      ctx.stroke();
      ctx.globalAlpha = 1;
    });
  });
  // group names above their discs, drawn after the nodes and links with a white halo, so
  // shared persons and places never hide them (the layout keeps the arc above a disc clear)
  network.on("afterDrawing", function (ctx) {
    var scale = network.getScale();
    ctx.font = "bold " + (14 / scale) + "px system-ui, Arial, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.lineJoin = "round";
    ctx.lineWidth = 4 / scale;
    ctx.strokeStyle = "#ffffff";
    data.groups.forEach(function (g) {
      if (!(g[4] > 0)) return;
      var on = !chosen || chosen === g[0];
      var text = "Peer group " + g[0] + " (" + g[5] + ")";
      var y = g[3] - g[4] * 1.1 - 3 / scale;
      ctx.globalAlpha = on ? 0.9 : 0.3;
      ctx.strokeText(text, g[2], y);
      ctx.globalAlpha = on ? 1 : 0.3;
      ctx.fillStyle = g[1];
      ctx.fillText(text, g[2], y);
    });
    ctx.globalAlpha = 1;
  });

  // --- tooltip built with textContent ---
  var tip = document.getElementById("cm-tip");
  var mouse = { x: 0, y: 0 };
  container.addEventListener("mousemove", function (e) {
    mouse.x = e.clientX; mouse.y = e.clientY;
    if (!tip.hidden) place();
  });
  function place() {
    var x = mouse.x + 14, y = mouse.y + 14;
    if (x + tip.offsetWidth > window.innerWidth) x = mouse.x - tip.offsetWidth - 10;
    if (y + tip.offsetHeight > window.innerHeight) y = mouse.y - tip.offsetHeight - 10;
    tip.style.left = Math.max(0, x) + "px"; tip.style.top = Math.max(0, y) + "px";
  }
  function clearTip() { while (tip.firstChild) tip.removeChild(tip.firstChild); }
  function showNode(i) {
    var r = data.nodes[i];
    clearTip();
    tip.appendChild(el("div", "cm-tip-title", r[0]));
    var kind = data.kinds[r[1]].label;
    tip.appendChild(el("div", null, kind + (r[2] ? " \u00b7 peer group " + r[2] : "")));
    tip.appendChild(el("div", null, (r[1] === "child" ? "Connections: " : "Children reached: ") + r[3]));
    tip.hidden = false; place();
  }
  function showEdge(k) {
    var r = data.edges[k];
    clearTip();
    tip.appendChild(el("div", "cm-tip-title",
      data.nodes[r[0]][0] + " \u2014 " + data.nodes[r[1]][0]));
    var s = STYLE[r[2]];
    tip.appendChild(el("div", null, s === "solid" ? "Corroborated" :
      (s === "dashed" ? "Untested or uncorroborated: not fact" : "E-graded: suspected false")));
    var t = el("table");
    var head = el("tr");
    ["Date", "Relation", "Source", "Grading", "Ref"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    t.appendChild(head);
    r[3].forEach(function (ev) {
      var tr = el("tr");
      ev.forEach(function (v) { tr.appendChild(el("td", null, v === null ? "" : v)); });
      t.appendChild(tr);
    });
    tip.appendChild(t);
    tip.hidden = false; place();
  }
  network.on("hoverNode", function (p) { showNode(p.node); });
  network.on("hoverEdge", function (p) { showEdge(p.edge); });
  network.on("blurNode", function () { tip.hidden = true; });
  network.on("blurEdge", function () { tip.hidden = true; });
  network.on("dragStart", function () { tip.hidden = true; });

  // --- filters: group and kind ---
  var groupSel = document.getElementById("cm-group");
  data.groups.forEach(function (g) {
    var o = el("option", null, "Peer group " + g[0]);
    o.value = g[0];
    groupSel.appendChild(o);
  });
  var kindBox = document.getElementById("cm-kinds");
  var kindOn = {};
  Object.keys(data.kinds).forEach(function (k) {
    var present = data.nodes.some(function (r) { return r[1] === k; });
    if (!present) return;
    kindOn[k] = true;
    var lab = el("label");
    var cb = el("input");
    cb.type = "checkbox"; cb.checked = true; cb.value = k;
    cb.addEventListener("change", function () { kindOn[k] = cb.checked; applyFilter(); });
    lab.appendChild(cb);
    lab.appendChild(el("span", null, data.kinds[k].label));
    kindBox.appendChild(lab);
  });
  var adj = data.nodes.map(function () { return []; });
  data.edges.forEach(function (r) { adj[r[0]].push(r[1]); adj[r[1]].push(r[0]); });
  var visible = data.nodes.length;
  var faded = data.nodes.map(function () { return false; });
  function applyFilter() {
    var g = groupSel.value;
    chosen = g;
    var inGroup = null;
    if (g) {
      // the group's children and the persons and places directly linked to them stay in
      // colour; everything else fades (kept in place, for context)
      inGroup = {};
      data.nodes.forEach(function (r, i) {
        if (r[2] === g) { inGroup[i] = true; adj[i].forEach(function (j) { inGroup[j] = true; }); }
      });
    }
    var updates = [];
    visible = 0;
    data.nodes.forEach(function (r, i) {
      var shown = kindOn[r[1]] !== false;
      var fade = !!inGroup && inGroup[i] !== true;
      if (shown && !fade) visible++;
      var u = { id: i, hidden: !shown };
      if (fade !== faded[i]) {
        faded[i] = fade;
        u.color = nodeColour(r, fade);
        // in the chosen group every label shows; faded nodes show none
        u.font = font(r[8] === 1 || (!!inGroup && !fade), fade);
      } else if (!inGroup && r[8] !== 1) {
        u.font = font(false, false);
      }
      updates.push(u);
    });
    nodeSet.update(updates);
    edgeSet.update(data.edges.map(function (r, k) {
      var look = edgeLook(r, !!inGroup && !(inGroup[r[0]] && inGroup[r[1]]));
      return { id: k, color: look.color, width: look.width };
    }));
    stats();
  }
  groupSel.addEventListener("change", function () {
    applyFilter();
    var g = groupSel.value;
    if (!g) { network.fit(); return; }
    var ids = [];
    data.nodes.forEach(function (r, i) { if (r[2] === g) ids.push(i); });
    network.fit({ nodes: ids, animation: false, maxZoomLevel: 1.8 * fitScale });
  });
  function stats() {
    document.getElementById("cm-stats").textContent =
      visible + " of " + data.nodes.length + (chosen ? " highlighted, " : " shown, ") + data.edges.length + " links" +
      (meta.hiddenE ? " (" + meta.hiddenE + " E-graded not shown)" : "");
  }

  // --- search by label ---
  var search = document.getElementById("cm-search");
  var count = document.getElementById("cm-search-count");
  var lower = null;
  function doSearch() {
    if (!lower) lower = data.nodes.map(function (r) { return String(r[0]).toLowerCase(); });
    var q = search.value.trim().toLowerCase();
    if (!q) { count.textContent = ""; network.unselectAll(); return; }
    var hits = [];
    lower.forEach(function (s, i) { if (s.indexOf(q) !== -1) hits.push(i); });
    count.textContent = hits.length + (hits.length === 1 ? " match" : " matches");
    network.selectNodes(hits);
    if (hits.length) network.fit({ nodes: hits, animation: false, maxZoomLevel: 2 });
  }
  search.addEventListener("change", doSearch);
  search.addEventListener("keydown", function (e) { if (e.key === "Enter") doSearch(); });

  // --- legend ---
  var legend = document.getElementById("cm-legend");
  legend.appendChild(el("b", null, "Legend"));
  Object.keys(kindOn).forEach(function (k) {
    var r = el("div", "cm-legend-row");
    var s = el("span", "cm-sym cm-sym-" + data.kinds[k].shape);
    if (data.kinds[k].shape === "triangle") s.style.borderBottomColor = data.kinds[k].color;
    else s.style.background = data.kinds[k].color;
    r.appendChild(s);
    r.appendChild(el("span", null, data.kinds[k].label));
    legend.appendChild(r);
  });
  [["cm-line", "Corroborated link"], ["cm-line cm-line-dashed", "Untested / uncorroborated"]]
    .forEach(function (x) {
      var r = el("div", "cm-legend-row");
      r.appendChild(el("span", x[0]));
      r.appendChild(el("span", null, x[1]));
      legend.appendChild(r);
    });
  legend.appendChild(el("div", "cm-muted", "Size: reach (children connected)"));
  legend.appendChild(el("div", "cm-muted", "Darker, thicker line: stronger evidence"));
  legend.appendChild(el("div", "cm-muted", "Zoom in or hover to read every name"));
  data.groups.forEach(function (g) {
    var r = el("div", "cm-legend-row");
    var s = el("span", "cm-sym cm-sym-dot");
    s.style.background = g[1];
    r.appendChild(s);
    r.appendChild(el("span", null, "Peer group " + g[0]));
    legend.appendChild(r);
  });

  stats();
  network.once("afterDrawing", function () {
    window.contextmapNetwork = {
      nodes: data.nodes.length, edges: data.edges.length, network: network,
      visibleCount: function () { return visible; },
      fadedCount: function () { return faded.filter(function (f) { return f; }).length; },
      fitScale: fitScale
    };
    window.contextmapReadyAt = performance.now();
    document.documentElement.setAttribute("data-cm-ready", "1");
  });
  network.fit();
})();
