/* contextmap peer-network view: draws one JSON payload with vis-network, layout frozen.
 * Safety rule: data strings reach the page ONLY through textContent or canvas text; vis-network
 * "title" tooltips (HTML) are not used, our own tooltip is built with textContent.
 *
 * At region scale peer groups start collapsed: one node per group (sized by its children),
 * the persons and places linking groups as themselves, and the links between any two things
 * drawn shown as one line weighted by their number. A click on a group, the group filter or
 * a search expands a group in place (the layout is one, frozen: a group's members sit in its
 * disc); "Collapse groups" folds them back.
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cm-data").textContent);
  var meta = data.meta;
  var N = data.nodes.length, NG = data.groups.length;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function plural(k, one, many) { return k + " " + (k === 1 ? one : many); }

  // --- banners ---
  var top = document.getElementById("cm-top");
  top.appendChild(el("span", "cm-marking", meta.marking));
  top.appendChild(el("h1", "cm-title", meta.title));
  if (meta.period) top.appendChild(el("span", null, "Period: " + meta.period));
  top.appendChild(el("span", null, "Audience: " + meta.audience));
  top.appendChild(el("span", "cm-marking", meta.marking));
  var bottom = document.getElementById("cm-bottom");
  bottom.appendChild(el("span", "cm-marking", meta.marking));
  bottom.appendChild(el("span", null,
    "Links are intelligence graded at source: dashed links are untested or uncorroborated, not fact. " +
    "E-graded intelligence is not shown."));

  // --- what is in view ---
  var STYLE = ["solid", "dashed", "e_graded"];
  var container = document.getElementById("cm-network");
  var toolbar = document.getElementById("cm-toolbar");
  function underToolbar() { container.style.top = Math.ceil(toolbar.getBoundingClientRect().bottom + 1) + "px"; }
  var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  data.nodes.forEach(function (r) {
    x0 = Math.min(x0, r[4] - r[7]); x1 = Math.max(x1, r[4] + r[7]);
    y0 = Math.min(y0, r[5] - r[7]); y1 = Math.max(y1, r[5] + r[7]);
  });
  var fitScale = N ? Math.min(1.5, 0.95 * Math.min((container.clientWidth || 1000) / Math.max(x1 - x0, 1),
                                                    (container.clientHeight || 700) / Math.max(y1 - y0, 1))) : 1;
  var members = data.groups.map(function () { return []; });
  data.nodes.forEach(function (r, i) { if (r[11] >= 0) members[r[11]].push(i); });
  var groupIndex = {};
  data.groups.forEach(function (g, gi) { groupIndex[g[0]] = gi; });
  var expanded = data.groups.map(function () { return !meta.collapsed; });
  var looseOn = !meta.collapsed;  // entities in no group that do not link groups
  var nLoose = 0;
  data.nodes.forEach(function (r) { if (r[11] < 0 && !r[12] && r[1] === "child") nLoose++; });
  var forced = {};  // search matches: in view whatever is collapsed
  var kindOn = {};
  var chosen = "";
  var faded = data.nodes.map(function () { return false; });
  var groupFaded = data.groups.map(function () { return false; });
  var inView = new Uint8Array(N);

  function nodeColour(bg, faded_) {
    var b = faded_ ? "rgba(200,200,200,0.35)" : bg;
    return { background: b, border: faded_ ? "rgba(120,120,120,0.35)" : "#222",
             highlight: { background: bg, border: "#000" }, hover: { background: bg, border: "#000" } };
  }
  // where a node is: hubs and ungrouped persons and places still in sight sit on a ring just
  // round the groups while the children in no group are hidden, beyond their rings otherwise
  function X(i) { var r = data.nodes[i]; return looseOn ? r[4] : r[13]; }
  function Y(i) { var r = data.nodes[i]; return looseOn ? r[5] : r[14]; }
  function nodeItem(i) {
    var r = data.nodes[i];
    return { id: i, shape: data.kinds[r[1]].shape, x: X(i), y: Y(i), size: r[7], color: nodeColour(r[6], faded[i]),
             borderWidth: 1, shapeProperties: r[1] === "provisional" ? { borderDashes: [3, 2] } : {} };
  }
  function groupSize(gi) { return Math.max(12, data.groups[gi][4] * 0.75); }
  function groupItem(gi) {
    var g = data.groups[gi];
    return { id: N + gi, shape: "dot", x: g[2], y: g[3], size: groupSize(gi), borderWidth: 2,
             color: nodeColour(g[1], groupFaded[gi]) };
  }
  function visibleNode(i) {
    var r = data.nodes[i];
    if (kindOn[r[1]] === false) return false;
    if (forced[i]) return true;
    if (r[11] >= 0) return expanded[r[11]];
    return r[12] === 1 || looseOn;
  }
  // the node a thing is drawn as: itself, its collapsed group, or nothing (out of view)
  function rep(i) {
    if (inView[i]) return i;
    var r = data.nodes[i];
    if (kindOn[r[1]] === false) return null;
    if (r[11] >= 0 && !expanded[r[11]]) return N + r[11];
    return null;
  }

  // weaker evidence, lighter and thinner line (weight relative to the 90th percentile)
  var ws = data.edges.map(function (r) { return r[4] || 0; }).sort(function (a, b) { return a - b; });
  var w90 = ws.length ? (ws[Math.floor(0.9 * (ws.length - 1))] || 1) : 1;
  function edgeLook(style, k, faded_, count) {
    var a = faded_ ? 0.06 : (style === "solid" ? 0.35 + 0.5 * k : 0.25 + 0.4 * k);
    var rgb = style === "solid" ? "68,68,68" : (style === "dashed" ? "120,120,120" : "187,187,187");
    var w = (style === "solid" ? 0.8 : 0.5) + 1.4 * k + (count > 1 ? 1.6 * Math.log(count) / Math.LN2 : 0);
    return { color: { color: "rgba(" + rgb + "," + a.toFixed(2) + ")", highlight: "#000", hover: "#000" }, width: w };
  }
  var drawnEdges = {};  // vis edge id -> {from, to, ks: [data edge indexes], corr, e}
  function buildEdges() {
    var agg = {};
    for (var k = 0; k < data.edges.length; k++) {
      var r = data.edges[k], a = rep(r[0]), b = rep(r[1]);
      if (a === null || b === null || a === b) continue;
      var key = a < b ? a + ":" + b : b + ":" + a;
      var e = agg[key] || (agg[key] = { from: a, to: b, ks: [], corr: 0, eg: 0 });
      e.ks.push(k);
      if (STYLE[r[2]] === "solid") e.corr++;
      if (STYLE[r[2]] === "e_graded") e.eg++;
    }
    drawnEdges = agg;
    return Object.keys(agg).map(function (key) {
      var e = agg[key], one = e.ks.length === 1 ? data.edges[e.ks[0]] : null;
      // one line for many links: solid when at least one of them is corroborated
      var style = one ? STYLE[one[2]] : (e.corr ? "solid" : (e.eg === e.ks.length ? "e_graded" : "dashed"));
      var k = one ? Math.max(0.15, Math.min(1, (one[4] || 0) / w90)) : 0.5;
      var fade = !!chosen && (isFaded(e.from) || isFaded(e.to));
      var look = edgeLook(style, k, fade, e.ks.length);
      return { id: key, from: e.from, to: e.to, color: look.color, width: look.width,
               dashes: style === "solid" ? false : (style === "dashed" ? [6, 4] : [2, 4]) };
    });
  }
  function isFaded(id) { return id >= N ? groupFaded[id - N] : faded[id]; }

  var nodeSet = new vis.DataSet([]);
  var edgeSet = new vis.DataSet([]);
  var visible = 0;
  var placedLoose = looseOn;
  function rebuild() {
    var want = {}, add = [], remove = [];
    if (placedLoose !== looseOn) {  // the ring nodes move between their two places
      placedLoose = looseOn;
      var moved = [];
      data.nodes.forEach(function (r, i) {
        if ((r[4] !== r[13] || r[5] !== r[14]) && nodeSet.get(i)) moved.push({ id: i, x: X(i), y: Y(i) });
      });
      nodeSet.update(moved);
    }
    visible = 0;
    for (var i = 0; i < N; i++) {
      inView[i] = visibleNode(i) ? 1 : 0;
      if (inView[i]) { want[i] = true; if (!faded[i]) visible++; }
    }
    for (var gi = 0; gi < NG; gi++) if (!expanded[gi] && members[gi].length) want[N + gi] = true;
    nodeSet.getIds().forEach(function (id) { if (!want[id]) remove.push(id); });
    Object.keys(want).forEach(function (id) {
      id = +id;
      if (!nodeSet.get(id)) add.push(id >= N ? groupItem(id - N) : nodeItem(id));
    });
    if (remove.length) nodeSet.remove(remove);
    if (add.length) nodeSet.add(add);
    edgeSet.clear();
    edgeSet.add(buildEdges());
    stats();
  }

  var big = N > 1500;
  var network = new vis.Network(container, { nodes: nodeSet, edges: edgeSet }, {
    physics: false,
    layout: { improvedLayout: false, randomSeed: 0 },
    interaction: { hover: true, tooltipDelay: 100, hideEdgesOnDrag: big, hideEdgesOnZoom: big, multiselect: true },
    edges: { smooth: false, selectionWidth: 2 },
    nodes: { font: { size: 0 } }
  });

  // --- patterns: groups that share a colour are told apart by their fill ---
  function pattern(ctx, x, y, rad, p, ink, scale) {
    if (!p) return;
    ctx.save();
    ctx.beginPath();
    ctx.arc(x, y, rad, 0, 2 * Math.PI);
    ctx.clip();
    ctx.strokeStyle = ink; ctx.fillStyle = ink;
    ctx.lineWidth = 2 / scale;
    var step = 7 / scale, s;
    if (p === 1 || p === 3) {
      ctx.beginPath();
      for (s = -rad * 2; s <= rad * 2; s += step) { ctx.moveTo(x + s - rad, y - rad); ctx.lineTo(x + s + rad, y + rad); }
      if (p === 3) for (s = -rad * 2; s <= rad * 2; s += step) { ctx.moveTo(x + s + rad, y - rad); ctx.lineTo(x + s - rad, y + rad); }
      ctx.stroke();
    } else if (p === 2) {
      for (var dx = -rad; dx <= rad; dx += step) {
        for (var dy = -rad; dy <= rad; dy += step) {
          ctx.beginPath(); ctx.arc(x + dx, y + dy, 1.3 / scale, 0, 2 * Math.PI); ctx.fill();
        }
      }
    }
    ctx.restore();
  }

  // --- peer-group regions of expanded groups: a tinted disc (and its pattern), the name above ---
  network.on("beforeDrawing", function (ctx) {
    var scale = network.getScale();
    data.groups.forEach(function (g, gi) {
      if (!(g[4] > 0) || !expanded[gi]) return;
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
      ctx.globalAlpha = on ? 0.3 : 0.1;
      pattern(ctx, g[2], g[3], g[4] * 1.1, g[6], g[1], scale);
      ctx.globalAlpha = 1;
    });
  });
  function haloText(ctx, scale) {  // bold centred text with a white halo, at this zoom
    ctx.font = "bold " + (14 / scale) + "px system-ui, Arial, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.lineJoin = "round";
    ctx.lineWidth = 4 / scale;
    ctx.strokeStyle = "#ffffff";
  }
  function groupName(g) { return "Peer group " + g[0] + " (" + g[5] + ")"; }
  network.on("afterDrawing", function (ctx) {
    var scale = network.getScale();
    data.groups.forEach(function (g, gi) {  // collapsed groups: their pattern over the node
      if (expanded[gi] || !members[gi].length || !g[6]) return;
      ctx.globalAlpha = groupFaded[gi] ? 0.2 : 0.75;
      pattern(ctx, g[2], g[3], groupSize(gi), g[6], "#ffffff", scale);
      ctx.globalAlpha = 1;
    });
    drawNew(ctx, scale);
    drawLabels(ctx, scale);
    haloText(ctx, scale);  // the two above change the context
    data.groups.forEach(function (g, gi) {
      if (!(g[4] > 0) || !expanded[gi] || !nameShown[gi]) return;
      var on = !chosen || chosen === g[0];
      var y = g[3] - g[4] * 1.1 - 3 / scale;
      ctx.globalAlpha = on ? 0.9 : 0.3;
      ctx.strokeText(groupName(g), g[2], y);
      ctx.globalAlpha = on ? 1 : 0.3;
      ctx.fillStyle = g[1];
      ctx.fillText(groupName(g), g[2], y);
    });
    ctx.globalAlpha = 1;
  });

  // --- new since the last meeting: an orange ring ---
  function drawNew(ctx, scale) {
    ctx.lineWidth = 3 / scale;
    ctx.strokeStyle = meta.newColour;
    data.nodes.forEach(function (r, i) {
      if (!r[9] || !inView[i]) return;
      ctx.beginPath();
      ctx.arc(X(i), Y(i), r[7] * 1.5 + 3 / scale, 0, 2 * Math.PI);
      ctx.globalAlpha = faded[i] ? 0.25 : 1;
      ctx.stroke();
    });
    ctx.globalAlpha = 1;
  }

  // --- labels: fixed screen size, most important first, none overlapping ---
  // order: search matches, expanded groups' names, collapsed groups, the chosen group and new
  // items, prominent nodes (top persons and places, children in groups), persons and places
  // linking groups, then the rest by reach when zoomed in; unconfirmed mentions last.
  var rankOf = data.nodes.map(function (r, i) { return i; }).sort(function (a, b) {
    var A = data.nodes[a], B = data.nodes[b];
    function base(r) { return (r[8] === 1 ? 0 : 2) + (r[1] === "child" ? 1 : 0) + (r[1] === "provisional" ? 4 : 0); }
    return base(A) - base(B) || B[3] - A[3] || (A[0] < B[0] ? -1 : A[0] > B[0] ? 1 : 0);
  });
  var groupOrder = data.groups.map(function (g, gi) { return gi; }).sort(function (a, b) {
    return data.groups[b][5] - data.groups[a][5] || a - b;
  });
  var widths = {};
  var drawn = [];
  var nameShown = data.groups.map(function () { return false; });
  var MAX_LABELS = 600;
  function drawLabels(ctx, scale) {
    var pr = window.devicePixelRatio || 1;
    var W = container.clientWidth, H = container.clientHeight;
    var searching = Object.keys(hitSet).length > 0;
    var zoomedIn = scale > (searching ? 3 : 1.3) * fitScale;
    var hits = [], first = [], rest = [];
    rankOf.forEach(function (i) {
      var r = data.nodes[i];
      if (!inView[i] || faded[i]) return;
      if (hitSet[i]) hits.push(i);
      else if ((chosen && r[2] === chosen) || !!r[9]) first.push(i);
      else if (r[8] === 1 || r[12] === 1 || zoomedIn || (chosen && !faded[i])) rest.push(i);
    });
    drawn = [];
    var boxes = [];
    ctx.save();
    ctx.setTransform(pr, 0, 0, pr, 0, 0);
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.lineJoin = "round";
    function put(text, key, p, rad, fontPx, weight, colour, cands, item) {
      ctx.font = weight + fontPx + "px system-ui, Arial, sans-serif";
      if (widths[key] === undefined) widths[key] = ctx.measureText(text).width;
      var w = widths[key], h = fontPx + 3;
      var spots = cands(p, w, h, rad);
      for (var c = 0; c < spots.length; c++) {
        var bx0 = spots[c][0], by0 = spots[c][1], bx1 = bx0 + w, by1 = by0 + h, free = true;
        if (bx1 < 0 || by1 < 0 || bx0 > W || by0 > H) continue;
        for (var b = 0; b < boxes.length; b++) {
          var q = boxes[b];
          if (bx0 < q[2] && q[0] < bx1 && by0 < q[3] && q[1] < by1) { free = false; break; }
        }
        if (!free) continue;
        boxes.push([bx0, by0, bx1, by1]);
        if (colour) {
          ctx.lineWidth = 3;
          ctx.strokeStyle = "rgba(255,255,255,0.9)";
          ctx.strokeText(text, bx0, by0 + 1);
          ctx.fillStyle = colour;
          ctx.fillText(text, bx0, by0 + 1);
        }
        item.box = [bx0, by0, bx1, by1];
        item.text = text;
        drawn.push(item);
        return true;
      }
      return false;
    }
    function around(p, w, h, rad) {
      return [[p.x - w / 2, p.y + rad], [p.x + rad, p.y - h / 2], [p.x - w / 2, p.y - rad - h], [p.x - rad - w, p.y - h / 2]];
    }
    function centred(p, w, h, rad) { return [[p.x - w / 2, p.y - h / 2]].concat(around(p, w, h, rad)); }
    function above(p, w, h) { return [[p.x - w / 2, p.y - h]]; }
    var n;
    for (n = 0; n < hits.length; n++) {  // search matches first
      var hi = hits[n], hr = data.nodes[hi];
      put(hr[0], "b" + hi, network.canvasToDOM({ x: X(hi), y: Y(hi) }), hr[7] * scale + 2, 12, "bold ", "#0d47a1",
          around, { i: hi, node: hi });
    }
    // names of expanded groups (drawn after, in the group's colour): room kept above their discs
    ctx.font = "bold 14px system-ui, Arial, sans-serif";
    nameShown = data.groups.map(function () { return false; });
    groupOrder.forEach(function (gi) {
      var g = data.groups[gi];
      if (!expanded[gi] || !(g[4] > 0) || !members[gi].length) return;
      if (chosen && chosen !== g[0] && groupFaded[gi]) return;
      var q = network.canvasToDOM({ x: g[2], y: g[3] - g[4] * 1.1 - 3 / scale });
      nameShown[gi] = put(groupName(g), "G" + gi, q, 0, 14, "bold ", null, above, { i: -1, group: g[0] });
    });
    groupOrder.forEach(function (gi) {  // collapsed groups: their name on them
      var g = data.groups[gi];
      if (expanded[gi] || !members[gi].length || groupFaded[gi]) return;
      var p = network.canvasToDOM({ x: g[2], y: g[3] });
      put(g[0] + " (" + g[5] + ")", "g" + gi, p, groupSize(gi) * scale + 2, 12, "bold ", "#111", centred,
          { i: -1, group: g[0] });
    });
    var order = first.concat(rest);
    for (n = 0; n < order.length && drawn.length < MAX_LABELS; n++) {
      var i = order[n], r = data.nodes[i];
      var mention = r[1] === "provisional";
      var strong = r[1] !== "child" && !mention;
      put(r[0], (strong ? "b" : "n") + i, network.canvasToDOM({ x: X(i), y: Y(i) }), r[7] * scale + 2, strong ? 12 : 11,
          (mention ? "italic " : "") + (strong ? "bold " : ""), mention ? "#6d4c41" : "#111", around, { i: i, node: i });
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
  function labelOf(id) { return id >= N ? "Peer group " + data.groups[id - N][0] : data.nodes[id][0]; }
  function showNode(id) {
    clearTip();
    if (id >= N) {
      var gi = id - N, g = data.groups[gi], kinds = {};
      members[gi].forEach(function (i) { var k = data.nodes[i][1]; kinds[k] = (kinds[k] || 0) + 1; });
      tip.appendChild(el("div", "cm-tip-title", "Peer group " + g[0]));
      tip.appendChild(el("div", null, plural(g[5], "child", "children") +
        (kinds.person ? ", " + plural(kinds.person, "person of concern", "persons of concern") : "") +
        (kinds.location ? ", " + plural(kinds.location, "place", "places") : "") + " linked to them only"));
      var other = 0;
      Object.keys(drawnEdges).forEach(function (key) {
        var e = drawnEdges[key];
        if (e.from === id || e.to === id) other++;
      });
      tip.appendChild(el("div", null, "Links to " + plural(other, "other thing", "other things") + " in view"));
      tip.appendChild(el("div", "cm-muted", "Click to show its members"));
      tip.hidden = false; place();
      return;
    }
    var r = data.nodes[id];
    tip.appendChild(el("div", "cm-tip-title", r[0]));
    var kind = data.kinds[r[1]].label;
    tip.appendChild(el("div", null, kind + (r[15] ? " \u00b7 " + (r[15] === "adult" ? "adult" : "aged " + r[15]) : "") +
      (r[2] ? " \u00b7 peer group " + r[2] : "")));
    if (r[1] === "provisional") {
      tip.appendChild(el("div", null, "Named in return interviews of " + plural(r[10], "child", "children") +
        "; matched no record, so not a person of concern and not counted as a shared contact"));
    } else {
      tip.appendChild(el("div", null, (r[1] === "child" ? "Connections: " : "Children reached: ") + r[3]));
    }
    if (r[9]) tip.appendChild(el("div", "cm-new", "New since the last meeting: " + r[9]));
    tip.hidden = false; place();
  }
  function showEdge(key) {
    var e = drawnEdges[key];
    if (!e) return;
    clearTip();
    tip.appendChild(el("div", "cm-tip-title", labelOf(e.from) + " \u2014 " + labelOf(e.to)));
    if (e.ks.length > 1) {
      var unc = e.ks.length - e.corr - e.eg;
      tip.appendChild(el("div", null, plural(e.ks.length, "link", "links") + ": " + e.corr + " corroborated" +
        (unc ? ", " + unc + " untested or uncorroborated (not fact)" : "") + (e.eg ? ", " + e.eg + " E-graded" : "")));
      tip.appendChild(el("div", "cm-muted", "Show a group's members to see each link's evidence"));
      tip.hidden = false; place();
      return;
    }
    var r = data.edges[e.ks[0]];
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

  // --- drill-down: a click on a group shows its members; a click inside an open group's disc
  // (not on a node) folds it back ---
  function expand(gi, fit) {
    expanded[gi] = true;
    rebuild();
    if (fit) network.fit({ nodes: members[gi], animation: false, maxZoomLevel: 12 * fitScale + 0.3 });
  }
  function collapse(gi) { expanded[gi] = false; rebuild(); }
  network.on("click", function (p) {
    if (p.nodes.length === 1 && p.nodes[0] >= N) { tip.hidden = true; expand(p.nodes[0] - N, true); return; }
    if (p.nodes.length || p.edges.length) return;
    var c = p.pointer.canvas;
    for (var gi = 0; gi < NG; gi++) {
      var g = data.groups[gi];
      if (expanded[gi] && g[4] > 0 && Math.hypot(c.x - g[2], c.y - g[3]) < g[4] * 1.1) { collapse(gi); return; }
    }
  });

  // --- toolbar: groups collapsed or not, children in no group, kinds, group filter ---
  var foldBtn = document.getElementById("cm-fold");
  function foldText() {
    var anyOpen = expanded.some(function (x) { return x; });
    foldBtn.textContent = anyOpen ? "Collapse groups" : "Expand groups";
    foldBtn.setAttribute("aria-pressed", anyOpen ? "false" : "true");
  }
  foldBtn.addEventListener("click", function () {
    var anyOpen = expanded.some(function (x) { return x; });
    expanded = expanded.map(function () { return !anyOpen; });
    looseOn = !anyOpen;
    looseBox.checked = looseOn;
    rebuild();
    network.fit();
  });
  var looseBox = document.getElementById("cm-loose");
  looseBox.checked = looseOn;
  document.getElementById("cm-loose-label").textContent = "Children in no group (" + nLoose + ")";
  looseBox.addEventListener("change", function () { looseOn = looseBox.checked; rebuild(); });
  var groupSel = document.getElementById("cm-group");
  data.groups.forEach(function (g) {
    var o = el("option", null, "Peer group " + g[0] + " (" + g[5] + ")");
    o.value = g[0];
    groupSel.appendChild(o);
  });
  var kindBox = document.getElementById("cm-kinds");
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
  function applyFilter() {
    var g = groupSel.value;
    chosen = g;
    var inGroup = null;
    if (g) {
      // the group's children and the persons and places directly linked to them stay in
      // colour; everything else fades (kept in place, for context)
      if (groupIndex[g] !== undefined) expanded[groupIndex[g]] = true;
      inGroup = {};
      data.nodes.forEach(function (r, i) {
        if (r[2] === g) { inGroup[i] = true; adj[i].forEach(function (j) { inGroup[j] = true; }); }
      });
    }
    var updates = [];
    data.nodes.forEach(function (r, i) {
      var fade = !!inGroup && inGroup[i] !== true;
      if (fade !== faded[i]) { faded[i] = fade; if (nodeSet.get(i)) updates.push({ id: i, color: nodeColour(r[6], fade) }); }
    });
    data.groups.forEach(function (gr, gi) {
      var fade = !!g && gr[0] !== g;
      if (fade !== groupFaded[gi]) { groupFaded[gi] = fade; if (nodeSet.get(N + gi)) updates.push({ id: N + gi, color: nodeColour(gr[1], fade) }); }
    });
    nodeSet.update(updates);
    rebuild();
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
    var groupsShut = expanded.filter(function (x, gi) { return !x && members[gi].length; }).length;
    document.getElementById("cm-stats").textContent =
      visible + " of " + N + (chosen ? " highlighted" : " shown") +
      (groupsShut ? " \u00b7 " + groupsShut + " groups collapsed" : "") + " \u00b7 " + data.edges.length + " links" +
      (meta.hiddenE ? " (" + meta.hiddenE + " E-graded not shown)" : "");
    if (foldBtn) foldText();
  }

  // --- search by label: matches come into view (their groups open) and keep their labels ---
  var search = document.getElementById("cm-search");
  var count = document.getElementById("cm-search-count");
  var lower = null;
  var hitSet = {};
  function doSearch() {
    if (!lower) lower = data.nodes.map(function (r) { return String(r[0]).toLowerCase(); });
    var q = search.value.trim().toLowerCase();
    hitSet = {};
    forced = {};
    if (!q) { count.textContent = ""; network.unselectAll(); rebuild(); network.redraw(); return; }
    var hits = [];
    lower.forEach(function (s, i) { if (s.indexOf(q) !== -1) hits.push(i); });
    hits.forEach(function (i) {
      hitSet[i] = true;
      var h = data.nodes[i][11];
      if (h >= 0) expanded[h] = true; else forced[i] = true;
    });
    rebuild();
    count.textContent = hits.length + (hits.length === 1 ? " match" : " matches");
    network.selectNodes(hits.filter(function (i) { return inView[i]; }));
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
  toggle.setAttribute("aria-controls", "cm-legend-body");
  legendBox.appendChild(toggle);
  var legend = el("div", "cm-legend-body");
  legend.id = "cm-legend-body";
  legendBox.appendChild(legend);
  toggle.addEventListener("click", function () {
    var open = legendBox.classList.toggle("cm-collapsed") === false;
    toggle.textContent = open ? "Legend \u25be" : "Legend \u25b8";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  function legendRow(sym, text) {
    var r = el("div", "cm-legend-row");
    r.appendChild(sym);
    r.appendChild(el("span", null, text));
    legend.appendChild(r);
  }
  if (NG) {
    var gs = el("span", "cm-sym cm-sym-dot cm-sym-group");
    legendRow(gs, "Peer group, collapsed: name (children); click to show its members");
  }
  Object.keys(kindOn).forEach(function (k) {
    var s = el("span", "cm-sym cm-sym-" + data.kinds[k].shape);
    if (data.kinds[k].shape === "triangle") s.style.borderBottomColor = data.kinds[k].color;
    else if (data.kinds[k].shape === "triangleDown") s.style.borderTopColor = data.kinds[k].color;
    else s.style.background = data.kinds[k].color;
    legendRow(s, data.kinds[k].label);
  });
  var nNew = data.nodes.filter(function (r) { return !!r[9]; }).length;
  if (nNew) {
    var ring = el("span", "cm-sym cm-sym-dot cm-sym-new");
    ring.style.borderColor = meta.newColour;
    legendRow(ring, "New since the last meeting (" + nNew + ")");
  }
  legendRow(el("span", "cm-line"), "Corroborated link");
  legendRow(el("span", "cm-line cm-line-dashed"), "Untested / uncorroborated");
  legend.appendChild(el("div", "cm-muted", "One line for many links: thicker for more; solid if any is corroborated"));
  legend.appendChild(el("div", "cm-muted", "Size: reach (children connected)"));
  legend.appendChild(el("div", "cm-muted", "Names are left out where they would overlap: zoom in or hover"));
  if (NG > 12) {
    legend.appendChild(el("div", "cm-muted", NG + " peer groups: 9 colours, and a pattern where groups nearby " +
      "would share one; every group is named"));
  } else {
    data.groups.forEach(function (g) {
      var s = el("span", "cm-sym cm-sym-dot");
      s.style.background = g[1];
      if (g[6]) s.classList.add("cm-pat-" + meta.patterns[g[6]]);
      legendRow(s, "Peer group " + g[0]);
    });
  }

  // collapsed at first when it would hide much of the network (its button stays)
  if (legendBox.offsetHeight * legendBox.offsetWidth > 0.12 * container.clientHeight * container.clientWidth) {
    legendBox.classList.add("cm-collapsed");
    toggle.textContent = "Legend \u25b8";
    toggle.setAttribute("aria-expanded", "false");
  }
  rebuild();
  underToolbar();  // the toolbar may wrap on a narrow screen: the network starts below it
  window.addEventListener("resize", underToolbar);
  network.once("afterDrawing", function () {
    window.contextmapNetwork = {
      nodes: N, edges: data.edges.length, network: network,
      visibleCount: function () { return visible; },
      fadedCount: function () { return faded.filter(function (f) { return f; }).length; },
      fitScale: fitScale,
      labels: function () {
        return drawn.map(function (d) { return { text: d.text, box: d.box, node: d.i, group: d.group || null }; });
      },
      inView: function () { return nodeSet.length; },
      groupsCollapsed: function () { return expanded.filter(function (x, gi) { return !x && members[gi].length; }).length; },
      linesDrawn: function () { return edgeSet.length; },
      expand: function (g) { expand(groupIndex[g], true); },
      collapse: function (g) { collapse(groupIndex[g]); },
      groupNodeAt: function (g) { var gr = data.groups[groupIndex[g]]; return network.canvasToDOM({ x: gr[2], y: gr[3] }); }
    };
    window.contextmapReadyAt = performance.now();
    document.documentElement.setAttribute("data-cm-ready", "1");
  });
  network.fit();
  fitScale = network.getScale() || fitScale;  // labels are sized against the view as it opens
})();
