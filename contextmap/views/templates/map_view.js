/* contextmap hotspot map: draws one JSON payload onto a Leaflet map.
 * Safety rule: data strings reach the page ONLY through textContent (or canvas/SVG drawing
 * of numbers). The one place Leaflet requires HTML (layer-control names) goes through esc().
 */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"'`]/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }
  function row(table, label, value) {
    if (value === null || value === undefined || value === "") return;
    var tr = el("tr");
    tr.appendChild(el("th", null, label));
    tr.appendChild(el("td", null, value));
    table.appendChild(tr);
  }

  function popupFor(data, i) {
    var L_ = data.loc;
    var box = el("div", "cm-popup");
    box.appendChild(el("div", "cm-popup-title", L_.name[i]));
    var t = el("table");
    row(t, "Category", data.categories[L_.cat[i]]);
    row(t, "Rank", L_.rank[i]);
    row(t, "Score", L_.score[i]);
    row(t, "Episodes", L_.ep[i]);
    row(t, "Distinct children", L_.ch[i]);
    row(t, "First seen", L_.first[i]);
    row(t, "Last seen", L_.last[i]);
    row(t, "Grading mix", L_.grading[i]);
    row(t, "Trend", L_.trend[i]);
    if (L_.emerging && L_.emerging[i]) row(t, "Emerging hotspot analysis", L_.emerging[i]);
    if (L_["new"] && L_["new"][i]) row(t, "Since the last pack", "new location of concern");
    box.appendChild(t);
    var ps = L_.persons[i] || [];
    if (ps.length) {
      box.appendChild(el("div", "cm-popup-sub", "Persons of concern seen here"));
      var ul = el("ul");
      ps.forEach(function (k) {
        if (k < 0) ul.appendChild(el("li", "cm-more", "and " + (-k) + " more"));
        else ul.appendChild(el("li", null, data.persons[k]));
      });
      box.appendChild(ul);
    } else if (L_.npersons[i]) {
      row(t, "Persons of concern", L_.npersons[i]);
    }
    return box;
  }

 // --- the base map: the user's own vector data, inlined, drawn on one canvas ---
  // features arrive as delta-encoded 1e-5 degree integers; they are projected once to
  // Web Mercator units (0..1) and drawn per view, culled by bounding box
  function decodeBasemap(bm) {
    var ox = bm.origin[0], oy = bm.origin[1];
    function proj(p) {
      var n = p.length / 2, xy = new Float64Array(p.length), x = 0, y = 0;
      var b = [Infinity, Infinity, -Infinity, -Infinity];
      for (var i = 0; i < n; i++) {
        x += p[2 * i]; y += p[2 * i + 1];
        var lon = ox + x / 1e5, lat = oy + y / 1e5;
        var X = (lon + 180) / 360;
        var s = Math.sin(lat * Math.PI / 180);
        var Y = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
        xy[2 * i] = X; xy[2 * i + 1] = Y;
        if (X < b[0]) b[0] = X; if (Y < b[1]) b[1] = Y; if (X > b[2]) b[2] = X; if (Y > b[3]) b[3] = Y;
      }
      return { xy: xy, b: b };
    }
    bm.decode = function (lv) {  // a level is decoded the first time its zoom is drawn
      if (lv.decoded) return lv;
      ["green", "water", "buildings", "railways", "roads"].forEach(function (k) {
        (lv[k] || []).forEach(function (f) { f.q = f.p.map(proj); f.p = null; });
      });
      lv.decoded = true;
      return lv;
    };
    return bm;
  }

  var BaseMapLayer = L.Layer.extend({
    initialize: function (bm) { this._bm = decodeBasemap(bm); this.features = 0; },
    onAdd: function (map) {
      var pane = map.getPane("cmBasemap") || map.createPane("cmBasemap");
      pane.style.zIndex = 250;
      pane.style.pointerEvents = "none";
      this._canvas = L.DomUtil.create("canvas", "cm-basemap leaflet-zoom-animated", pane);
      map.on("moveend zoomend resize viewreset", this._draw, this);
      map.on("zoomanim", this._anim, this);
      this._draw();
    },
    onRemove: function (map) {
      map.off("moveend zoomend resize viewreset", this._draw, this);
      map.off("zoomanim", this._anim, this);
      L.DomUtil.remove(this._canvas);
    },
    _anim: function (e) {
      var map = this._map, scale = map.getZoomScale(e.zoom, map.getZoom());
      var offset = map._latLngToNewLayerPoint(this._topLeft, e.zoom, e.center);
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },
    _draw: function () {
      var map = this._map, bm = this._bm, st = bm.style;
      if (!map) return;
      var size = map.getSize(), dpr = window.devicePixelRatio || 1, z = map.getZoom();
      var cv = this._canvas;
      cv.width = size.x * dpr; cv.height = size.y * dpr;
      cv.style.width = size.x + "px"; cv.style.height = size.y + "px";
      this._topLeft = map.containerPointToLatLng([0, 0]);
      L.DomUtil.setPosition(cv, map.containerPointToLayerPoint([0, 0]));
      var ctx = cv.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      var scale = 256 * Math.pow(2, z);
      var org = map.containerPointToLayerPoint([0, 0]).add(map.getPixelOrigin());
      var vx0 = org.x / scale, vy0 = org.y / scale, vx1 = (org.x + size.x) / scale, vy1 = (org.y + size.y) / scale;
      var lv = bm.levels[0];
      bm.levels.forEach(function (l) { if (z >= l.z) lv = l; });
      bm.decode(lv);
      var drawn = 0;
      function visible(q) { return !(q.b[2] < vx0 || q.b[0] > vx1 || q.b[3] < vy0 || q.b[1] > vy1); }
      function trace(q) {
        var xy = q.xy;
        ctx.moveTo(xy[0] * scale - org.x, xy[1] * scale - org.y);
        for (var i = 2; i < xy.length; i += 2) ctx.lineTo(xy[i] * scale - org.x, xy[i + 1] * scale - org.y);
      }
      function fillKind(k, fill, edge) {
        var fs = lv[k];
        if (!fs) return;
        ctx.beginPath();
        fs.forEach(function (f) {
          if (f.l) return;  // lines are stroked, not filled
          var any = false;
          f.q.forEach(function (q) { if (visible(q)) any = true; });
          if (!any) return;
          f.q.forEach(function (q) { trace(q); ctx.closePath(); });
          drawn++;
        });
        ctx.fillStyle = fill; ctx.fill("evenodd");
        if (edge) { ctx.strokeStyle = edge; ctx.lineWidth = 0.6; ctx.stroke(); }
      }
      function strokeKind(fs, test) {
        ctx.beginPath();
        fs.forEach(function (f) {
          if (test && !test(f)) return;
          f.q.forEach(function (q) { if (visible(q)) { trace(q); drawn++; } });
        });
      }
      ctx.fillStyle = st.background.fill;
      ctx.fillRect(0, 0, size.x, size.y);
      fillKind("green", st.green.fill, st.green.edge);
      fillKind("water", st.water.fill, null);
      if (lv.water) {  // rivers as centre lines, stroked
        strokeKind(lv.water, function (f) { return f.l === 1; });
        ctx.strokeStyle = st.water.fill; ctx.lineWidth = Math.max(1.5, z - 11); ctx.stroke();
      }
      if (z >= 15) fillKind("buildings", st.buildings.fill, st.buildings.edge);
      if (lv.railways) {
        strokeKind(lv.railways);
        ctx.strokeStyle = st.railways.line; ctx.lineWidth = z >= 14 ? 3 : 2; ctx.setLineDash([]); ctx.stroke();
        ctx.strokeStyle = st.railways.dash; ctx.lineWidth = z >= 14 ? 1.5 : 1; ctx.setLineDash([6, 6]); ctx.stroke();
        ctx.setLineDash([]);
      }
      if (lv.roads) {
        ctx.lineCap = "round"; ctx.lineJoin = "round";
        var w = [Math.max(0.6, (z - 10) * 0.9), Math.max(1, (z - 10) * 1.3), Math.max(1.6, (z - 9) * 1.6)];
        var colour = [st.roads.minor, st.roads.street, st.roads.major];
        for (var r = 0; r < 3; r++) {
          if (r === 0 && z < 13) continue;
          strokeKind(lv.roads, function (f) { return f.r === r; });
          ctx.strokeStyle = st.roads.casing; ctx.lineWidth = w[r] + 1.5; ctx.stroke();
          ctx.strokeStyle = colour[r]; ctx.lineWidth = w[r]; ctx.stroke();
        }
        if (z >= 15) this._labels(ctx, lv, scale, org, size);
      }
      if (z >= 14) this._areaLabels(ctx, lv, z);
      this.features = drawn;
    },
    _labels: function (ctx, lv, scale, org, size) {
      // road names along the longest on-screen stretch of each road, upright, no overlaps
      var bm = this._bm, boxes = [], seen = {};
      ctx.font = "11px system-ui, Arial, sans-serif";
      ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.lineWidth = 3; ctx.strokeStyle = "rgba(255,255,255,0.9)"; ctx.fillStyle = bm.style.roads.label;
      var placed = 0;
      lv.roads.forEach(function (f) {
        if (f.n === undefined) return;
        var name = bm.names[f.n], need = ctx.measureText(name).width + 12, best = null;
        f.q.forEach(function (q) {
          var xy = q.xy;
          for (var i = 2; i < xy.length; i += 2) {
            var ax = xy[i - 2] * scale - org.x, ay = xy[i - 1] * scale - org.y;
            var bx = xy[i] * scale - org.x, by = xy[i + 1] * scale - org.y;
            var mx = (ax + bx) / 2, my = (ay + by) / 2;
            if (mx < 0 || my < 0 || mx > size.x || my > size.y) continue;
            var len = Math.sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
            if (len >= need && (!best || len > best[0])) best = [len, ax, ay, bx, by, mx, my];
          }
        });
        if (!best) return;
        var mx = best[5], my = best[6];
        var prev = seen[f.n] || [];
        for (var j = 0; j < prev.length; j++) {
          if (Math.abs(prev[j][0] - mx) + Math.abs(prev[j][1] - my) < 250) return;
        }
        var h = need / 2, box = [mx - h, my - h, mx + h, my + h];
        for (var k = 0; k < boxes.length; k++) {
          var o = boxes[k];
          if (!(box[2] < o[0] || box[0] > o[2] || box[3] < o[1] || box[1] > o[3])) return;
        }
        var ang = Math.atan2(best[4] - best[2], best[3] - best[1]);
        if (ang > Math.PI / 2) ang -= Math.PI; else if (ang < -Math.PI / 2) ang += Math.PI;
        ctx.save(); ctx.translate(mx, my); ctx.rotate(ang);
        ctx.strokeText(name, 0, 0); ctx.fillText(name, 0, 0);
        ctx.restore();
        boxes.push(box); prev.push([mx, my]); seen[f.n] = prev; placed++;
      });
      this.roadLabels = placed;
    },
    _areaLabels: function (ctx, lv, z) {
      var bm = this._bm, map = this._map;
      ctx.font = "italic 11px system-ui, Arial, sans-serif";
      ctx.textAlign = "center"; ctx.lineWidth = 3; ctx.strokeStyle = "rgba(255,255,255,0.8)";
      [["green", "#4d7a3a"], ["water", "#3d6f96"]].forEach(function (kc) {
        ctx.fillStyle = kc[1];
        (lv[kc[0]] || []).forEach(function (f) {
          if (f.n === undefined || !f.lp) return;
          var p = map.latLngToContainerPoint([f.lp[1], f.lp[0]]);
          ctx.strokeText(bm.names[f.n], p.x, p.y); ctx.fillText(bm.names[f.n], p.x, p.y);
        });
      });
    }
  });

  var EMERGING = {
    "new": ["#7b3294", "New: a hotspot only lately (every step to the last)"],
    "intensifying": ["#d7191c", "Intensifying: a hotspot in most steps, getting hotter"],
    "persistent": ["#fdae61", "Persistent: a hotspot in most steps, no clear trend"],
    "diminishing": ["#2c7bb6", "Diminishing: a hotspot in most steps, cooling"],
    "sporadic": ["#abd9e9", "Sporadic: on and off a hotspot"]
  };

  function radius(data, i, base) {
    return base + 2 * data.loc.cls[i];
  }

  window.contextmapHotspotMap = function (map, data) {
    var meta = data.meta, L_ = data.loc, n = meta.n;
    // phase timings (ms since navigation start), read by benchmarks/bench_views.py
    var marks = window.contextmapMarks = { start: performance.now() };
    // ready once the first frame with every layer (clusters included) has been painted
    var pending = 1;
    function ready() {
      if (pending > 0) return;
      requestAnimationFrame(function () {
        setTimeout(function () {
          window.contextmapReadyAt = marks.ready = performance.now();
          document.documentElement.setAttribute("data-cm-ready", "1");
        }, 0);
      });
    }
    var doc = document;
    var container = map.getContainer();
    container.classList.add("cm-map");

    // --- banners and title bar (all textContent) ---
    var top = el("div", "cm-banner cm-banner-top");
    top.appendChild(el("span", "cm-marking", meta.marking));
    top.appendChild(el("span", "cm-title", meta.title));
    if (meta.period) top.appendChild(el("span", "cm-period", "Period: " + meta.period));
    top.appendChild(el("span", "cm-audience", "Audience: " + meta.audience));
    top.appendChild(el("span", "cm-marking", meta.marking));
    var bottom = el("div", "cm-banner cm-banner-bottom");
    bottom.appendChild(el("span", "cm-marking", meta.marking));
    bottom.appendChild(el("span", null,
      "Handle under your organisation's information-sharing agreement. Associations shown are " +
      "intelligence, graded at source; untested links are not fact."));
    doc.body.insertBefore(top, doc.body.firstChild);
    doc.body.appendChild(bottom);
    map.invalidateSize();

    // markercluster needs a max zoom, and builds one grid per zoom level: keep the range to
    // what a local map needs (county to street), which also keeps 50k locations fast
    if (map.options.maxZoom === undefined) map.setMaxZoom(meta.cluster ? 18 : 19);
    if (map.options.minZoom === undefined) map.setMinZoom(meta.cluster ? 7 : 3);
    // the final view first: layers are then drawn once, at the zoom the user sees
    if (data.bounds) {
      var b = data.bounds;
      if (b[0][0] === b[1][0] && b[0][1] === b[1][1]) map.setView(b[0], 15, { animate: false });
      else map.fitBounds(b, { padding: [20, 20], animate: false });
    }
    var renderer = meta.cluster ? L.canvas({ padding: 0.5 }) : L.svg();
    var overlays = [];  // [name, layer, count]
    var basemapLayer = null;
    if (data.basemap) {
      basemapLayer = new BaseMapLayer(data.basemap);
      basemapLayer.addTo(map);
      container.classList.add("cm-has-basemap");
      overlays.push(["Base map (your own map data)", basemapLayer, 1]);
    }
    marks.basemap = performance.now();

    // --- areas: boundaries with names, and a choropleth of episodes (off at first) ---
    if (data.areas && data.areas.length) {
      var maxEp = 0;
      data.areas.forEach(function (a) { if (a.ep > maxEp) maxEp = a.ep; });
      var blues = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
      var bounds_ = L.featureGroup(), chor = L.featureGroup();
      data.areas.forEach(function (a) {
        var tip = el("div", "cm-area-tip");
        tip.appendChild(el("b", null, a.name));
        [["Episodes", a.ep], ["Children", a.ch], ["Places of concern", a.hot], ["Persons of concern seen", a.poc]]
          .forEach(function (kv) { if (kv[1] !== null && kv[1] !== undefined) tip.appendChild(el("div", null, kv[0] + ": " + kv[1])); });
        L.polygon(a.rings, { renderer: renderer, color: "#6a51a3", weight: 1.5, dashArray: "4 3", fill: false,
                             interactive: false }).addTo(bounds_);
        L.tooltip({ permanent: true, direction: "center", className: "cm-area-label", interactive: false })
          .setLatLng(a.at).setContent(el("span", null, a.name)).addTo(bounds_);
        var k = maxEp ? Math.min(4, Math.floor(5 * (a.ep || 0) / (maxEp + 1e-9))) : 0;
        var poly = L.polygon(a.rings, { renderer: renderer, color: "#555", weight: 0.8, fillColor: blues[k],
                                        fillOpacity: 0.55, fillRule: "evenodd" });
        poly.bindTooltip(tip, { sticky: true });
        poly.addTo(chor);
      });
      bounds_.addTo(map);
      overlays.push(["Areas: boundaries and names", bounds_, data.areas.length]);
      overlays.push(["Areas: episodes (choropleth)", chor, data.areas.length]);
      data.areasMax = maxEp;
    }

    // --- emerging hotspot grid cells (off at first) ---
    if (data.emergingCells && data.emergingCells.length) {
      var em = L.featureGroup();
      data.emergingCells.forEach(function (c) {
        var st = EMERGING[c.cls] || ["#999", c.cls];
        var p = L.polygon(c.rings, { renderer: renderer, color: st[0], weight: 1, fillColor: st[0],
                                     fillOpacity: 0.35 });
        p.bindTooltip(el("span", null, st[1]), { sticky: true });
        p.addTo(em);
      });
      overlays.push(["Emerging hotspots (grid cells)", em, data.emergingCells.length]);
    }
    var markers = new Array(n);
    var openAt = function (i, latlng) {
      L.popup({ maxWidth: 340 }).setLatLng(latlng || [L_.lat[i], L_.lon[i]])
        .setContent(popupFor(data, i)).openOn(map);
    };
    function bindGroup(group) {
      group.on("click", function (e) {
        if (e.layer && e.layer.options && e.layer.options.cmIndex !== undefined) {
          openAt(e.layer.options.cmIndex, e.layer.getLatLng());
        }
      });
      group.on("mouseover", function (e) {
        var lyr = e.layer;
        if (lyr && lyr.options && lyr.options.cmIndex !== undefined && !lyr.getTooltip()) {
          lyr.bindTooltip(el("span", null, L_.name[lyr.options.cmIndex])).openTooltip();
        }
      });
    }

    // --- density bands (computed in metres by the analyses) ---
    if (data.density.length) {
      var dens = L.layerGroup();
      data.density.forEach(function (b) {
        L.polygon(b.rings, {
          renderer: renderer, stroke: false, fillColor: b.color, fillOpacity: data.basemap ? 0.13 : 0.22,
          interactive: false, fillRule: "evenodd"
        }).addTo(dens);
      });
      dens.addTo(map);
      overlays.push(["Density surface", dens, data.density.length]);
    }

    // --- spatial clusters ---
    if (data.clusters.length) {
      var cl = L.featureGroup();
      data.clusters.forEach(function (c) {
        var p = L.polygon(c.rings, {
          renderer: renderer, color: "#333", weight: 2, dashArray: "6 4", fill: true,
          fillOpacity: 0.03, fillRule: "evenodd"
        });
        var tip = "Spatial cluster " + c.id + (c.n !== null ? ": " + c.n + " locations" : "") +
          (c.score !== null ? ", score " + c.score : "");
        p.bindTooltip(el("span", null, tip), { sticky: true });
        p.addTo(cl);
      });
      cl.addTo(map);
      overlays.push(["Spatial clusters", cl, data.clusters.length]);
    }

    // --- one layer per location category ---
    // markers are plain circle markers (canvas when clustered); popups and tooltips are built
    // only when asked for (bindGroup, openAt)
    var byCat = data.categories.map(function () { return []; });
    var base = meta.cluster ? 4 : 5;
    var styles = data.classes.map(function (c, k) {
      return { renderer: renderer, radius: base + 2 * k, color: "#444", weight: 1,
               fillColor: c.color, fillOpacity: 0.9 };
    });
    var lat = L_.lat, lon = L_.lon, cls = L_.cls, cat = L_.cat;
    for (var i = 0; i < n; i++) {
      var m = new L.CircleMarker([lat[i], lon[i]], styles[cls[i]]);
      m.options.cmIndex = i;
      markers[i] = m;
      byCat[cat[i]].push(m);
    }
    marks.markers = performance.now();
    var catGroups = [];
    var clusterGroup = null;
    if (meta.cluster) {
      // one cluster group for all locations, on the map first (markercluster's addLayers off
      // the map checks each marker against its pending list: quadratic), then filled with ONE
      // addLayers call: every marker clustered once, in chunks that let the page paint, with no
      // 'layeradd' event per marker; category layers add/remove their markers
      clusterGroup = L.markerClusterGroup({
        chunkedLoading: true, chunkInterval: 250, chunkDelay: 1,
        chunkProgress: function (done, total) {
          if (done === total) { marks.clustered = performance.now(); pending--; ready(); }
        },
        showCoverageOnHover: false, disableClusteringAtZoom: 16,
        maxClusterRadius: 80, spiderfyOnMaxZoom: false, removeOutsideVisibleBounds: true
      });
      bindGroup(clusterGroup);
      clusterGroup.addTo(map);
      pending++;
      clusterGroup.addLayers(markers, true);
    }
    data.categories.forEach(function (name, k) {
      var g;
      if (meta.cluster) {
        g = L.layerGroup();
        g.addTo(map);  // its markers are already in the cluster group
        g.on("add", function () { clusterGroup.addLayers(byCat[k]); });
        g.on("remove", function () { clusterGroup.removeLayers(byCat[k]); });
      } else {
        g = L.featureGroup(byCat[k]);
        bindGroup(g);
        g.addTo(map);
      }
      catGroups.push(g);
      overlays.push(["Locations: " + name, g, byCat[k].length]);
    });

    // --- top-ranked hotspots, always unclustered, on top ---
    var topLayer = L.featureGroup();
    var nTop = 0;
    for (var j = 0; j < n; j++) {
      if (L_.rank[j] !== null && L_.rank[j] <= meta.topN) {
        L.circleMarker([L_.lat[j], L_.lon[j]], {
          renderer: renderer, radius: radius(data, j, 7), color: "#000", weight: 2,
          fillColor: data.classes[L_.cls[j]].color, fillOpacity: 1, cmIndex: j
        }).addTo(topLayer);
        nTop++;
      }
    }
    if (nTop) {
      bindGroup(topLayer);
      topLayer.addTo(map);
      overlays.push(["Top " + meta.topN + " hotspots", topLayer, nTop]);
    }

    // --- the top places labelled with their rank and name ---
    var labelLayer = L.layerGroup(), nLabels = 0;
    for (var q = 0; q < n; q++) {
      if (L_.rank[q] !== null && L_.rank[q] <= meta.labelTop) {
        L.tooltip({ permanent: true, direction: "right", offset: [10, 0], className: "cm-rank-label",
                    interactive: false })
          .setLatLng([L_.lat[q], L_.lon[q]]).setContent(el("span", null, L_.rank[q] + ". " + L_.name[q]))
          .addTo(labelLayer);
        nLabels++;
      }
    }
    if (nLabels) {
      labelLayer.addTo(map);
      overlays.push(["Labels: top " + meta.labelTop + " by rank", labelLayer, nLabels]);
    }

    // --- new since the last pack ---
    var newLayer = L.featureGroup(), nNew = 0;
    for (var u = 0; u < n; u++) {
      if (L_["new"] && L_["new"][u]) {
        L.circleMarker([L_.lat[u], L_.lon[u]], { renderer: renderer, radius: radius(data, u, 12), color: "#1565c0",
                       weight: 3, dashArray: "3 3", fill: false, cmIndex: u }).addTo(newLayer);
        nNew++;
      }
    }
    if (nNew) {
      bindGroup(newLayer);
      newLayer.addTo(map);
      overlays.push(["New since the last pack", newLayer, nNew]);
    }

    // --- one layer per peer group: places its children were seen ---
    data.groups.forEach(function (g) {
      var lg = L.featureGroup();
      g.locs.forEach(function (pair) {
        var k = pair[0], kids = pair[1];
        var ring = L.circleMarker([L_.lat[k], L_.lon[k]], {
          renderer: renderer, radius: 10 + Math.min(8, kids * 2), color: g.color, weight: 3,
          fill: false, cmIndex: k
        });
        ring.bindTooltip(el("span", null, "Peer group " + g.id + ": " + kids +
          (kids === 1 ? " child" : " children") + " seen at " + L_.name[k]));
        ring.addTo(lg);
      });
      lg.on("click", function (e) { openAt(e.layer.options.cmIndex, e.layer.getLatLng()); });
      overlays.push(["Peer group " + g.id + " (" + g.size + " children)", lg, g.locs.length,
                     g.color]);
    });

    // --- layer control (Leaflet inserts names as HTML: escape them) ---
    var ctl = {};
    var counts = {};
    overlays.forEach(function (o) {
      var label = esc(o[0]);
      if (o[3]) label = '<span class="cm-swatch" style="border-color:' + esc(o[3]) + '"></span>' + label;
      ctl[label] = o[1];
      counts[o[0]] = o[2];
    });
    L.control.layers(null, ctl, { collapsed: n > 0 && overlays.length > 12, position: "topright" })
      .addTo(map);

    // --- legend ---
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = el("div", "cm-legend leaflet-bar");
      box.appendChild(el("div", "cm-legend-title", "Places by hotspot score"));
      box.appendChild(el("div", "cm-legend-note cm-legend-what", meta.scoreText));
      var words = ["Lowest", "Low", "Middle", "High", "Highest"];
      data.classes.forEach(function (c, k) {
        var r = el("div", "cm-legend-row");
        var sw = el("span", "cm-dot");
        sw.style.background = c.color;
        r.appendChild(sw);
        r.appendChild(el("span", null, (words[k] || "") + " (score " + c.min + " to " + c.max + ")"));
        box.appendChild(r);
      });
      box.appendChild(el("div", "cm-legend-note", "Larger and darker: more concern. Numbers beside places are ranks."));
      if (nNew) {
        var rn = el("div", "cm-legend-row");
        rn.appendChild(el("span", "cm-ring cm-ring-new"));
        rn.appendChild(el("span", null, "New since the last pack"));
        box.appendChild(rn);
      }
      if (data.areas && data.areas.length) {
        var ra = el("div", "cm-legend-row");
        ra.appendChild(el("span", "cm-box-area"));
        ra.appendChild(el("span", null, "Area boundary (choropleth: episodes, up to " + data.areasMax + ")"));
        box.appendChild(ra);
      }
      if (data.emergingCells && data.emergingCells.length) {
        var det = el("details", "cm-legend-more");
        det.appendChild(el("summary", "cm-legend-title", "Emerging hotspots (Gi*, FDR 5%)"));
        Object.keys(EMERGING).forEach(function (k) {
          var re_ = el("div", "cm-legend-row");
          var sq = el("span", "cm-sq");
          sq.style.background = EMERGING[k][0];
          re_.appendChild(sq);
          re_.appendChild(el("span", null, EMERGING[k][1]));
          det.appendChild(re_);
        });
        box.appendChild(det);
      }
      var r2 = el("div", "cm-legend-row");
      r2.appendChild(el("span", "cm-dot cm-dot-top"));
      r2.appendChild(el("span", null, "Top " + meta.topN + " by rank"));
      box.appendChild(r2);
      if (data.clusters.length) {
        var r3 = el("div", "cm-legend-row");
        r3.appendChild(el("span", "cm-box-dashed"));
        r3.appendChild(el("span", null, "Spatial cluster"));
        box.appendChild(r3);
      }
      if (data.density.length) {
        var r4 = el("div", "cm-legend-row");
        r4.appendChild(el("span", "cm-box-density"));
        r4.appendChild(el("span", null, "Kernel density (metres)"));
        box.appendChild(r4);
      }
      data.groups.forEach(function (g) {
        var r5 = el("div", "cm-legend-row");
        var ring = el("span", "cm-ring");
        ring.style.borderColor = g.color;
        r5.appendChild(ring);
        r5.appendChild(el("span", null, "Peer group " + g.id));
        box.appendChild(r5);
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    legend.addTo(map);

    // --- search over location names ---
    var search = L.control({ position: "topleft" });
    search.onAdd = function () {
      var box = el("div", "cm-search leaflet-bar");
      var input = el("input");
      input.type = "search";
      input.placeholder = "Search places\u2026";
      input.setAttribute("aria-label", "Search location names");
      var list = el("ul", "cm-search-results");
      box.appendChild(input);
      box.appendChild(list);
      var lower = null;
      function go(i) {
        var ll = L.latLng(L_.lat[i], L_.lon[i]);
        var done = function () { openAt(i, ll); };
        var g = catGroups[L_.cat[i]];
        if (!map.hasLayer(g)) g.addTo(map);
        if (meta.cluster) {
          clusterGroup.zoomToShowLayer(markers[i], done);
        } else {
          map.setView(ll, Math.max(map.getZoom(), 15));
          done();
        }
      }
      input.addEventListener("input", function () {
        if (!lower) lower = L_.name.map(function (s) { return String(s).toLowerCase(); });
        while (list.firstChild) list.removeChild(list.firstChild);
        var q = input.value.trim().toLowerCase();
        if (!q) return;
        var hits = 0;
        for (var i = 0; i < n && hits < 10; i++) {
          if (lower[i].indexOf(q) !== -1) {
            var li = el("li", null, L_.name[i]);
            li.dataset.index = String(i);
            li.addEventListener("click", (function (k) { return function () { go(k); }; })(i));
            list.appendChild(li);
            hits++;
          }
        }
        if (!hits) list.appendChild(el("li", "cm-none", "No match"));
      });
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && list.firstChild && list.firstChild.dataset.index) {
          go(Number(list.firstChild.dataset.index));
        }
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    search.addTo(map);

    window.contextmapView = { overlays: counts, n: n, top: nTop, clustered: meta.cluster, labels: nLabels,
                              "new": nNew, basemap: basemapLayer };
    pending--;
    ready();
  };
})();
