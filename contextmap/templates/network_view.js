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
  var nodes = data.nodes.map(function (r, i) {
    return {
      id: i, label: r[0], shape: data.kinds[r[1]].shape, x: r[4], y: r[5], size: r[7],
      color: { background: r[6], border: "#222", highlight: { background: r[6], border: "#000" } },
      borderWidth: 1, font: { size: 12, strokeWidth: 3, strokeColor: "#fff" }
    };
  });
  var edges = data.edges.map(function (r, k) {
    var s = STYLE[r[2]];
    return {
      id: k, from: r[0], to: r[1],
      dashes: s === "solid" ? false : (s === "dashed" ? [6, 4] : [2, 4]),
      color: { color: s === "solid" ? "#555" : (s === "dashed" ? "#888" : "#bbb"), highlight: "#000" },
      width: s === "solid" ? 1.5 : 1
    };
  });
  var nodeSet = new vis.DataSet(nodes);
  var edgeSet = new vis.DataSet(edges);
  var container = document.getElementById("cm-network");
  var big = nodes.length > 1500;
  var network = new vis.Network(container, { nodes: nodeSet, edges: edgeSet }, {
    physics: false,
    layout: { improvedLayout: false, randomSeed: 0 },
    interaction: { hover: true, tooltipDelay: 100, hideEdgesOnDrag: big, hideEdgesOnZoom: big,
                   multiselect: true },
    edges: { smooth: false, selectionWidth: 2 },
    nodes: { scaling: { label: { enabled: false } } }
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
  function applyFilter() {
    var g = groupSel.value;
    var inGroup = null;
    if (g) {
      // the group's children and the persons and places directly linked to them
      inGroup = {};
      data.nodes.forEach(function (r, i) {
        if (r[2] === g) { inGroup[i] = true; adj[i].forEach(function (j) { inGroup[j] = true; }); }
      });
    }
    var updates = [];
    visible = 0;
    data.nodes.forEach(function (r, i) {
      var show = kindOn[r[1]] !== false && (!inGroup || inGroup[i] === true);
      if (show) visible++;
      updates.push({ id: i, hidden: !show });
    });
    nodeSet.update(updates);
    stats();
  }
  groupSel.addEventListener("change", function () { applyFilter(); network.fit(); });
  function stats() {
    document.getElementById("cm-stats").textContent =
      visible + " of " + data.nodes.length + " shown, " + data.edges.length + " links" +
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
      visibleCount: function () { return visible; }
    };
    window.contextmapReadyAt = performance.now();
    document.documentElement.setAttribute("data-cm-ready", "1");
  });
  network.fit();
})();
