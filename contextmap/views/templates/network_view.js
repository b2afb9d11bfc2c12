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
  function nodeColour(r, faded) {
    var bg = faded ? "rgba(200,200,200,0.35)" : r[6];
    return { background: bg, border: faded ? "rgba(120,120,120,0.35)" : "#222",
             highlight: { background: r[6], border: "#000" }, hover: { background: r[6], border: "#000" } };
  }
  // labels are not vis-network's: they are drawn after each frame at a fixed screen size,
  // most important first, and a label whose box would overlap one already drawn is left out
  // (zoom in and it finds room). See drawLabels below.
  var nodes = data.nodes.map(function (r, i) {
    return {
      id: i, shape: data.kinds[r[1]].shape, x: r[4], y: r[5], size: r[7],
      color: nodeColour(r, false), borderWidth: 1,
      shapeProperties: r[1] === "provisional" ? { borderDashes: [3, 2] } : {}
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
    nodes: { font: { size: 0 } }
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
  function haloText(ctx, scale) {  // bold centred text with a white halo, at this zoom
    ctx.font = "bold " + (14 / scale) + "px system-ui, Arial, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.lineJoin = "round";
    ctx.lineWidth = 4 / scale;
    ctx.strokeStyle = "#ffffff";
  }
  network.on("afterDrawing", function (ctx) {
    var scale = network.getScale();
    haloText(ctx, scale);
    drawNew(ctx, scale);
    drawLabels(ctx, scale);
    haloText(ctx, scale);  // the two above change the context
    var nameBoxes = [];
    data.groups.forEach(function (g) {
      if (!(g[4] > 0)) return;
      var on = !chosen || chosen === g[0];
      var text = "Peer group " + g[0] + " (" + g[5] + ")";
      var y = g[3] - g[4] * 1.1 - 3 / scale;
      // names never overlap: one that would cover a name already drawn waits for a closer zoom
      var tw = ctx.measureText(text).width, box = [g[2] - tw / 2, y - 16 / scale, g[2] + tw / 2, y];
      if (chosen !== g[0] && nameBoxes.some(function (q) {
        return box[0] < q[2] && q[0] < box[2] && box[1] < q[3] && q[1] < box[3];
      })) return;
      nameBoxes.push(box);
      ctx.globalAlpha = on ? 0.9 : 0.3;
      ctx.strokeText(text, g[2], y);
      ctx.globalAlpha = on ? 1 : 0.3;
      ctx.fillStyle = g[1];
      ctx.fillText(text, g[2], y);
    });
    ctx.globalAlpha = 1;
  });

  // --- new since the previous pack: an orange ring ---
  function drawNew(ctx, scale) {
    ctx.lineWidth = 3 / scale;
    ctx.strokeStyle = meta.newColour;
    data.nodes.forEach(function (r, i) {
      if (!r[9] || hiddenNode[i]) return;
      ctx.beginPath();
      ctx.arc(r[4], r[5], r[7] * 1.5 + 3 / scale, 0, 2 * Math.PI);
      ctx.globalAlpha = faded[i] ? 0.25 : 1;
      ctx.stroke();
    });
    ctx.globalAlpha = 1;
  }

  // --- labels: fixed screen size, most important first, none overlapping ---
  // order: search matches, the chosen group, new since the previous pack, prominent nodes
  // (top persons and places, children in groups), then persons and places by reach, then
  // children by connections; unconfirmed mentions last.
  var rankOf = data.nodes.map(function (r, i) { return i; }).sort(function (a, b) {
    var A = data.nodes[a], B = data.nodes[b];
    function base(r) { return (r[8] === 1 ? 0 : 2) + (r[1] === "child" ? 1 : 0) + (r[1] === "provisional" ? 4 : 0); }
    return base(A) - base(B) || B[3] - A[3] || (A[0] < B[0] ? -1 : A[0] > B[0] ? 1 : 0);
  });
  var widths = {};
  var drawn = [];
  var MAX_LABELS = 600;
  function drawLabels(ctx, scale) {
    var pr = window.devicePixelRatio || 1;
    var W = container.clientWidth, H = container.clientHeight;
    var searching = Object.keys(hitSet).length > 0;
    // while a search is on, the other names wait for a closer zoom, so the matches stand out
    var zoomedIn = scale > (searching ? 3 : 1.3) * fitScale;
    var hits = [], first = [], rest = [];
    rankOf.forEach(function (i) {
      var r = data.nodes[i];
      if (hiddenNode[i] || faded[i]) return;
      if (hitSet[i]) hits.push(i);
      else if ((chosen && r[2] === chosen) || !!r[9]) first.push(i);
      else if (r[8] === 1 || zoomedIn || (chosen && !faded[i])) rest.push(i);
    });
    var order = hits.concat(first, rest);
    drawn = [];
    var boxes = [];
    ctx.save();
    ctx.setTransform(pr, 0, 0, pr, 0, 0);
    // the group names (drawn after) are obstacles too
    ctx.font = "bold 14px system-ui, Arial, sans-serif";
    data.groups.forEach(function (g) {
      if (!(g[4] > 0)) return;
      var q = network.canvasToDOM({ x: g[2], y: g[3] - g[4] * 1.1 });
      var gw = ctx.measureText("Peer group " + g[0] + " (" + g[5] + ")").width;
      boxes.push([q.x - gw / 2, q.y - 20, q.x + gw / 2, q.y]);
    });
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.lineJoin = "round";
    for (var n = 0; n < order.length && drawn.length < MAX_LABELS; n++) {
      var i = order[n], r = data.nodes[i];
      var p = network.canvasToDOM({ x: r[4], y: r[5] });
      if (p.x < -50 || p.y < -20 || p.x > W + 50 || p.y > H + 20) continue;
      var mention = r[1] === "provisional";
      var strong = (r[1] !== "child" && !mention) || hitSet[i];
      var fontPx = strong ? 12 : 11;
      ctx.font = (mention ? "italic " : "") + (strong ? "bold " : "") + fontPx + "px system-ui, Arial, sans-serif";
      var key = (strong ? "b" : "n") + i;
      if (widths[key] === undefined) widths[key] = ctx.measureText(r[0]).width;
      var w = widths[key], h = fontPx + 3, rad = r[7] * scale + 2;
      var cands = [[p.x - w / 2, p.y + rad], [p.x + rad, p.y - h / 2], [p.x - w / 2, p.y - rad - h],
                   [p.x - rad - w, p.y - h / 2]];
      for (var c = 0; c < cands.length; c++) {
        var x0 = cands[c][0], y0 = cands[c][1], x1 = x0 + w, y1 = y0 + h, free = true;
        for (var b = 0; b < boxes.length; b++) {
          var q = boxes[b];
          if (x0 < q[2] && q[0] < x1 && y0 < q[3] && q[1] < y1) { free = false; break; }
        }
        if (!free) continue;
        boxes.push([x0, y0, x1, y1]);
        ctx.lineWidth = 3;
        ctx.strokeStyle = "rgba(255,255,255,0.9)";
        ctx.strokeText(r[0], x0, y0 + 1);
        ctx.fillStyle = hitSet[i] ? "#0d47a1" : (mention ? "#8d6e63" : "#111");
        ctx.fillText(r[0], x0, y0 + 1);
        drawn.push({ i: i, text: r[0], box: [x0, y0, x1, y1] });
        break;
      }
    }
    ctx.restore();
  }

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
    if (r[1] === "provisional") {
      tip.appendChild(el("div", null, "Named in return interviews of " + r[10] + (r[10] === 1 ? " child" : " children") +
        "; matched no record, so not a person of concern and not counted as a shared contact"));
    } else {
      tip.appendChild(el("div", null, (r[1] === "child" ? "Connections: " : "Children reached: ") + r[3]));
    }
    if (r[9]) tip.appendChild(el("div", "cm-new", "New since the previous pack: " + r[9]));
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
  var hiddenNode = data.nodes.map(function () { return false; });
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
      hiddenNode[i] = !shown;
      if (fade !== faded[i]) {
        faded[i] = fade;
        u.color = nodeColour(r, fade);
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
  var hitSet = {};
  function doSearch() {
    if (!lower) lower = data.nodes.map(function (r) { return String(r[0]).toLowerCase(); });
    var q = search.value.trim().toLowerCase();
    hitSet = {};
    if (!q) { count.textContent = ""; network.unselectAll(); network.redraw(); return; }
    var hits = [];
    lower.forEach(function (s, i) { if (s.indexOf(q) !== -1) hits.push(i); });
    hits.forEach(function (i) { hitSet[i] = true; });
    count.textContent = hits.length + (hits.length === 1 ? " match" : " matches");
    network.selectNodes(hits);
    // matches are labelled first whatever the zoom (they keep their labels after the fit)
    if (hits.length) network.fit({ nodes: hits, animation: false, maxZoomLevel: 2 * fitScale + 0.5 });
    network.redraw();
  }
  search.addEventListener("change", doSearch);
  search.addEventListener("keydown", function (e) { if (e.key === "Enter") doSearch(); });

  // --- legend ---
  var legendBox = document.getElementById("cm-legend");
  var toggle = el("button", "cm-legend-toggle", "Legend \u25be");
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "true");
  legendBox.appendChild(toggle);
  var legend = el("div", "cm-legend-body");
  legendBox.appendChild(legend);
  toggle.addEventListener("click", function () {
    var open = legendBox.classList.toggle("cm-collapsed") === false;
    toggle.textContent = open ? "Legend \u25be" : "Legend \u25b8";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  Object.keys(kindOn).forEach(function (k) {
    var r = el("div", "cm-legend-row");
    var s = el("span", "cm-sym cm-sym-" + data.kinds[k].shape);
    if (data.kinds[k].shape === "triangle") s.style.borderBottomColor = data.kinds[k].color;
    else if (data.kinds[k].shape === "triangleDown") s.style.borderTopColor = data.kinds[k].color;
    else s.style.background = data.kinds[k].color;
    r.appendChild(s);
    r.appendChild(el("span", null, data.kinds[k].label));
    legend.appendChild(r);
  });
  var nNew = data.nodes.filter(function (r) { return !!r[9]; }).length;
  if (nNew) {
    var rn = el("div", "cm-legend-row");
    var ring = el("span", "cm-sym cm-sym-dot cm-sym-new");
    ring.style.borderColor = meta.newColour;
    rn.appendChild(ring);
    rn.appendChild(el("span", null, "New since the previous pack (" + nNew + ")"));
    legend.appendChild(rn);
  }
  [["cm-line", "Corroborated link"], ["cm-line cm-line-dashed", "Untested / uncorroborated"]]
    .forEach(function (x) {
      var r = el("div", "cm-legend-row");
      r.appendChild(el("span", x[0]));
      r.appendChild(el("span", null, x[1]));
      legend.appendChild(r);
    });
  legend.appendChild(el("div", "cm-muted", "Size: reach (children connected)"));
  legend.appendChild(el("div", "cm-muted", "Darker, thicker line: stronger evidence"));
  legend.appendChild(el("div", "cm-muted", "Names are left out where they would overlap: zoom in or hover"));
  data.groups.forEach(function (g) {
    var r = el("div", "cm-legend-row");
    var s = el("span", "cm-sym cm-sym-dot");
    s.style.background = g[1];
    r.appendChild(s);
    r.appendChild(el("span", null, "Peer group " + g[0]));
    legend.appendChild(r);
  });

  if (legendBox.offsetHeight > 0.45 * container.clientHeight) {
    legendBox.classList.add("cm-collapsed");
    toggle.textContent = "Legend \u25b8";
    toggle.setAttribute("aria-expanded", "false");
  }
  stats();
  network.once("afterDrawing", function () {
    window.contextmapNetwork = {
      nodes: data.nodes.length, edges: data.edges.length, network: network,
      visibleCount: function () { return visible; },
      fadedCount: function () { return faded.filter(function (f) { return f; }).length; },
      fitScale: fitScale,
      labels: function () { return drawn.map(function (d) { return { text: d.text, box: d.box, node: d.i }; }); }
    };
    window.contextmapReadyAt = performance.now();
    document.documentElement.setAttribute("data-cm-ready", "1");
  });
  network.fit();
})();
