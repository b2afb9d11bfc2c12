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
  function short(s) { s = String(s); return s.length > 48 ? s.slice(0, 46) + "\u2026" : s; }  // labels; popups say it whole
  function plural(k, one, many) { return k + " " + (k === 1 ? one : many); }
  function thousands(k) { return String(k).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function ordinal(k) {
    var s = ["th", "st", "nd", "rd"], v = k % 100;
    return thousands(k) + (s[(v - 20) % 10] || s[v] || s[0]);
  }
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // --- the places' columns (contextmap.views.places): decoded once into plain arrays ---
  function decodeColumn(c, n) {
    if (c === null || c === undefined) return null;
    if (c.dict) return c.idx.map(function (k) { return k < 0 ? null : c.dict[k]; });
    if (c.q) return c.q.map(function (q) { return (c.o + q) / 1e5; });
    if (c.base !== undefined) {
      var p = c.base.split("-"), t0 = Date.UTC(+p[0], +p[1] - 1, +p[2]);
      return c.d.map(function (d) {
        if (d === null) return null;
        var t = new Date(t0 + d * 864e5);
        return ("0" + t.getUTCDate()).slice(-2) + " " + MONTHS[t.getUTCMonth()] + " " + t.getUTCFullYear();
      });
    }
    return c;
  }
  function decodePlaces(data) {
    var loc = data.loc, n = loc.n, out = { n: n };
    Object.keys(loc).forEach(function (k) { if (k !== "n" && k !== "new") out[k] = decodeColumn(loc[k], n); });
    if (!out.rank) { out.rank = new Array(n); for (var i = 0; i < n; i++) out.rank[i] = i + 1; }
    out.isNew = new Uint8Array(n);
    (loc["new"] || []).forEach(function (j) { out.isNew[j] = 1; });
    return out;
  }

  // --- why a place ranks, in words, from the counts behind its score ---
  function reasons(P, i) {
    var out = [];
    function at(k) { return P[k] ? P[k][i] : null; }
    var poc = at("poc"), withPoc = at("withPoc"), missing = at("missing"), repeat = at("repeat"), ch = at("ch"), ep = at("ep");
    if (poc) out.push(plural(poc, "person of concern", "persons of concern") + " seen here");
    if (withPoc) out.push(plural(withPoc, "child", "children") + " seen here who " + (withPoc === 1 ? "is" : "are") +
                          " linked to a person of concern also seen here");
    if (missing) out.push(plural(missing, "child", "children") + " found here after going missing");
    if (repeat) out.push(plural(repeat, "child", "children") + " here on 2 or more days");
    if (ch) out.push(plural(ch, "child", "children") + " seen here in all" + (ep ? ", in " + plural(ep, "episode", "episodes") : ""));
    return out;
  }

  function popupFor(data, P, i) {
    var box = el("div", "cm-popup");
    box.appendChild(el("div", "cm-popup-title", P.name[i]));
    box.appendChild(el("div", "cm-popup-rank", (P.rank[i] === null || P.rank[i] === undefined ? "Not ranked" :
      "Ranked " + ordinal(P.rank[i]) + " of " + thousands(data.meta.ranked || data.meta.n) + " places") +
      " \u00b7 " + data.categories[P.cat[i]]));
    var why = reasons(P, i);
    if (why.length) {
      box.appendChild(el("div", "cm-popup-sub", "Why it ranks here"));
      var wl = el("ul", "cm-why");
      why.forEach(function (w) { wl.appendChild(el("li", null, w)); });
      box.appendChild(wl);
    }
    var t = el("table");
    var em = P.emerging && P.emerging[i] && data.meta.emerging[P.emerging[i]];
    if (em) row(t, "Hotspot over the period", em.word);
    if (P.trend) row(t, "Against the previous period", P.trend[i]);
    if (P.isNew[i]) row(t, "Since the last meeting", "new place of concern");
    if (P.first) row(t, "First seen", P.first[i]);
    if (P.last) row(t, "Last seen", P.last[i]);
    if (P.grading) row(t, "Evidence", P.grading[i]);
    box.appendChild(t);
    var ps = P.persons ? P.persons[i] || [] : [];
    if (ps.length) {
      box.appendChild(el("div", "cm-popup-sub", "Persons of concern seen here"));
      var ul = el("ul");
      ps.forEach(function (k) {
        if (k < 0) ul.appendChild(el("li", "cm-more", "and " + (-k) + " more"));
        else ul.appendChild(el("li", null, data.persons[k]));
      });
      box.appendChild(ul);
    } else if (P.npersons && P.npersons[i]) {
      row(t, "Persons of concern seen here", P.npersons[i]);
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


  // --- the places: one canvas, clustered by supercluster when there are many ---
  // (Leaflet.markercluster built every zoom level's clusters up front and one Leaflet object
  // per place: 50,000 places took longer than folium's FastMarkerCluster. supercluster's
  // index is a few typed arrays; a view draws only what is in it.)
  var PlacesLayer = L.Layer.extend({
    initialize: function (data, P, styles) {
      this._data = data; this._P = P; this._styles = styles;
      this._shownCat = data.categories.map(function () { return true; });
      this._items = []; this.clusters = 0; this.drawn = 0; this.showNew = true;
      this._index();
    },
    _index: function () {
      var P = this._P, on = this._shownCat, n = P.n;
      this._sc = null;
      if (!this._data.meta.cluster) return;
      var feats = [];
      for (var i = 0; i < n; i++) {
        if (!on[P.cat[i]]) continue;
        feats.push({ type: "Feature", properties: { i: i, c: P.cls[i], nw: this._ringed(i) },
                     geometry: { type: "Point", coordinates: [P.lon[i], P.lat[i]] } });
      }
      this._sc = new Supercluster({
        radius: 50, maxZoom: 15, minZoom: 0,
        map: function (p) { return { c: p.c, nw: p.nw }; },
        reduce: function (a, p) { if (p.c > a.c) a.c = p.c; a.nw += p.nw; }
      }).load(feats);
    },
    setCategory: function (k, on) {
      if (this._shownCat[k] === on) return;
      this._shownCat[k] = on;
      this._index();
      if (this._map) this._draw();
    },
    isShown: function (i) { return this._shownCat[this._P.cat[i]]; },
    // a new place is ringed here unless it is a top place (those have their own ring, above);
    // a group holding new places gets one ring, not one per place
    _ringed: function (i) {
      var P = this._P, top = P.rank[i] !== null && P.rank[i] <= this._data.meta.topN;
      return P.isNew[i] && !top ? 1 : 0;
    },
    setShowNew: function (on) {
      if (this.showNew === on) return;
      this.showNew = on;
      if (this._map) this._draw();
    },
    onAdd: function (map) {
      var pane = map.getPane("cmPlaces") || map.createPane("cmPlaces");
      pane.style.zIndex = 420;
      pane.style.pointerEvents = "none";
      this._canvas = L.DomUtil.create("canvas", "cm-places leaflet-zoom-animated", pane);
      map.on("moveend zoomend resize viewreset", this._draw, this);
      map.on("zoomanim", this._anim, this);
      this._draw();
    },
    onRemove: function (map) {
      map.off("moveend zoomend resize viewreset", this._draw, this);
      map.off("zoomanim", this._anim, this);
      L.DomUtil.remove(this._canvas);
      this._items = [];
    },
    _anim: function (e) {
      var map = this._map, scale = map.getZoomScale(e.zoom, map.getZoom());
      L.DomUtil.setTransform(this._canvas, map._latLngToNewLayerPoint(this._topLeft, e.zoom, e.center), scale);
    },
    _draw: function () {
      var map = this._map;
      if (!map) return;
      var P = this._P, size = map.getSize(), dpr = window.devicePixelRatio || 1, z = map.getZoom();
      var cv = this._canvas;
      cv.width = size.x * dpr; cv.height = size.y * dpr;
      cv.style.width = size.x + "px"; cv.style.height = size.y + "px";
      this._topLeft = map.containerPointToLatLng([0, 0]);
      L.DomUtil.setPosition(cv, map.containerPointToLayerPoint([0, 0]));
      var ctx = cv.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      var b = map.getBounds().pad(0.1), items = [];
      if (this._sc && z <= 15) {
        var fs = this._sc.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], Math.floor(z));
        for (var f = 0; f < fs.length; f++) {
          var g = fs[f], c = g.geometry.coordinates, p = map.latLngToContainerPoint([c[1], c[0]]);
          if (g.properties.cluster) {
            var k = g.properties.point_count;
            items.push([p.x, p.y, 11 + 4 * Math.log(k) / Math.LN10, g.properties.c, -1, g.properties.cluster_id, k,
                        g.properties.nw]);
          } else {
            var j = g.properties.i;
            items.push([p.x, p.y, this._styles[P.cls[j]].radius, P.cls[j], j, -1, 1, this._ringed(j)]);
          }
        }
      } else {
        var s = b.getSouth(), nn = b.getNorth(), w = b.getWest(), e = b.getEast();
        for (var i = 0; i < P.n; i++) {
          if (!this._shownCat[P.cat[i]]) continue;
          var la = P.lat[i], lo = P.lon[i];
          if (la < s || la > nn || lo < w || lo > e) continue;
          var q = map.latLngToContainerPoint([la, lo]);
          items.push([q.x, q.y, this._styles[P.cls[i]].radius, P.cls[i], i, -1, 1, this._ringed(i)]);
        }
      }
      // lower concern first: the highest is drawn last, on top
      items.sort(function (a, c) { return a[3] - c[3] || (c[4] < 0 ? 1 : 0) - (a[4] < 0 ? 1 : 0); });
      var classes = this._data.classes, nCl = 0;
      ctx.lineWidth = 1;
      for (var t = 0; t < items.length; t++) {
        var it = items[t];
        ctx.beginPath();
        ctx.arc(it[0], it[1], it[2], 0, 2 * Math.PI);
        ctx.fillStyle = classes[it[3]].color;
        if (it[4] < 0) {  // a cluster: its colour is the highest concern among its places
          nCl++;
          ctx.globalAlpha = 0.9; ctx.fill(); ctx.globalAlpha = 1;
          ctx.lineWidth = 2; ctx.strokeStyle = "#333"; ctx.stroke(); ctx.lineWidth = 1;
          ctx.font = "bold 11px system-ui, Arial, sans-serif";
          ctx.textAlign = "center"; ctx.textBaseline = "middle";
          ctx.fillStyle = it[3] >= 3 ? "#fff" : "#111";
          ctx.fillText(it[6] >= 1000 ? Math.round(it[6] / 100) / 10 + "k" : String(it[6]), it[0], it[1]);
        } else {
          ctx.fill(); ctx.strokeStyle = "#444"; ctx.stroke();
        }
      }
      // new since the last meeting: a dashed ring round each new place, or round the group
      // holding new places (drawn last, so that no place covers a ring)
      var nRing = 0;
      if (this.showNew) {
        ctx.save();
        ctx.setLineDash([3, 3]); ctx.lineWidth = 3; ctx.strokeStyle = "#1565c0";
        for (var v = 0; v < items.length; v++) {
          if (!items[v][7]) continue;
          ctx.beginPath(); ctx.arc(items[v][0], items[v][1], items[v][2] + 4, 0, 2 * Math.PI); ctx.stroke();
          nRing++;
        }
        ctx.restore();
      }
      this.rings = nRing;
      this._items = items;
      this.clusters = nCl;
      this.drawn = items.length;
      this.fire("drawn");
    },
    // what is under a container point: the item drawn last (on top) that covers it
    hit: function (pt) {
      for (var t = this._items.length - 1; t >= 0; t--) {
        var it = this._items[t], dx = it[0] - pt.x, dy = it[1] - pt.y, r = it[2] + 2;
        if (dx * dx + dy * dy <= r * r) return it;
      }
      return null;
    },
    expansionZoom: function (id) { return this._sc.getClusterExpansionZoom(id); },
    boxes: function () {  // what is drawn, as boxes (labels avoid covering places where they can)
      return this._items.map(function (it) { return [it[0] - it[2], it[1] - it[2], it[0] + it[2], it[1] + it[2]]; });
    }
  });

  // --- labels: the top places ("rank. name") and area names, never overlapping ---
  // Rank labels are placed in rank order, each at the free spot round its place (covering no
  // label placed so far and no map control) that covers least: other top places most, area
  // names' spots, then other places, nearer spots first; a thin line leads to a label set
  // away from its place. Area names keep their spot and wait for a closer zoom when a label
  // is there.
  function LabelLayer(map, items, obstacles, places) {
    var pane = map.getPane("cmLabels") || map.createPane("cmLabels");
    pane.style.zIndex = 640;
    pane.style.pointerEvents = "none";
    var svgNS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("class", "cm-leaders");
    svg.setAttribute("aria-hidden", "true");
    pane.appendChild(svg);
    items.forEach(function (it) {
      it.div = el("div", "cm-label " + it.cls, it.text);
      if (it.onclick) {  // a rank label opens its place's popup (and the click goes no further)
        L.DomEvent.disableClickPropagation(it.div);
        L.DomEvent.on(it.div, "click", function (e) { L.DomEvent.stop(e); it.onclick(); });
        it.div.style.pointerEvents = "auto";
      }
      it.div.style.display = "none";
      pane.appendChild(it.div);
    });
    var self = { items: items, placed: [], hidden: [], on: true };
    function overlaps(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }
    self.place = function () {
      var size = map.getSize(), origin = map.containerPointToLayerPoint([0, 0]);
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      L.DomUtil.setPosition(svg, origin);
      svg.setAttribute("width", size.x); svg.setAttribute("height", size.y);
      var boxes = obstacles(), marks = [], names = [], under = places ? places.boxes() : [];
      self.placed = []; self.hidden = [];
      items.forEach(function (it) {
        if (!self.on || !it.shown()) return;
        if (!it.w) { it.div.style.display = ""; it.w = it.div.offsetWidth; it.h = it.div.offsetHeight; it.div.style.display = "none"; }
        var p = map.latLngToContainerPoint(it.at);
        if (it.mark) marks.push([p.x - it.mark, p.y - it.mark, p.x + it.mark, p.y + it.mark, it]);
        else names.push([p.x - it.w / 2, p.y - it.h / 2, p.x + it.w / 2, p.y + it.h / 2, it]);
      });
      items.forEach(function (it) {
        it.div.style.display = "none";
        if (!self.on || !it.shown()) return;
        var p = map.latLngToContainerPoint(it.at), w = it.w, h = it.h, best = null;
        function hard(bx) {  // off the map, or over a label already placed or a control
          if (bx[0] < 2 || bx[1] < 2 || bx[2] > size.x - 2 || bx[3] > size.y - 2) return true;
          for (var q = 0; q < boxes.length; q++) if (overlaps(bx, boxes[q])) return true;
          return false;
        }
        function cost(bx) {  // what a spot covers: other top places, places, area names' spots
          var c = 0, m;
          for (m = 0; m < marks.length; m++) if (marks[m][4] !== it && overlaps(bx, marks[m])) c += 60;
          for (m = 0; m < under.length; m++) if (overlaps(bx, under[m])) c += 8;
          for (m = 0; m < names.length; m++) if (names[m][4] !== it && overlaps(bx, names[m])) c += 25;
          return c;
        }
        if (!it.mark) {  // an area name: its own spot, or none at this zoom
          var bx0 = [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2];
          if (!hard(bx0)) best = [bx0, false];
        } else {  // a rank label: the cheapest free spot round its place, nearest first
          var dirs = [[1, 0], [-1, 0], [0.7, -0.7], [0.7, 0.7], [-0.7, -0.7], [-0.7, 0.7], [0, -1], [0, 1]];
          var gaps = [0, 14, 30, 52, 80, 115, 160, 220], bestCost = Infinity;
          for (var d = 0; d < gaps.length; d++) {
            for (var a = 0; a < dirs.length; a++) {
              var dx = dirs[a][0], dy = dirs[a][1], R = it.mark + 3 + gaps[d];
              var cx = p.x + dx * R, cy = p.y + dy * R;
              var x0 = cx - (dx < -0.3 ? w : dx > 0.3 ? 0 : w / 2), y0 = cy - (dy < -0.3 ? h : dy > 0.3 ? 0 : h / 2);
              var bx = [x0, y0, x0 + w, y0 + h];
              if (hard(bx)) continue;
              var c = cost(bx) + gaps[d] * 0.6;
              if (c < bestCost) { bestCost = c; best = [bx, gaps[d] > 0]; }
            }
          }
        }
        if (!best) { self.hidden.push(it.text); return; }
        var box = best[0];
        boxes.push(box);
        L.DomUtil.setPosition(it.div, L.point(box[0], box[1]).add(origin));
        it.div.style.display = "";
        self.placed.push({ text: it.text, box: box });
        if (best[1]) {  // a leader line from the place to the nearest point of its label
          var lx = Math.max(box[0], Math.min(p.x, box[2])), ly = Math.max(box[1], Math.min(p.y, box[3]));
          var line = document.createElementNS(svgNS, "line");
          line.setAttribute("x1", p.x); line.setAttribute("y1", p.y);
          line.setAttribute("x2", lx); line.setAttribute("y2", ly);
          svg.appendChild(line);
        }
      });
    };
    map.on("zoomstart", function () { pane.style.visibility = "hidden"; });
    map.on("zoomend moveend resize", function () { self.place(); pane.style.visibility = ""; });
    return self;
  }

  // emerging classes: each its own dash pattern as well as its colour (colour-blind safe)
  var EMERGING_DASH = { "new": "8 4", "intensifying": null, "persistent": null, "diminishing": "2 4", "sporadic": "1 5" };
  var EMERGING_WEIGHT = { "new": 3, "intensifying": 3.5, "persistent": 2, "diminishing": 2, "sporadic": 1.5 };

  window.contextmapHotspotMap = function (map, data) {
    var meta = data.meta, n = meta.n;
    // phase timings (ms since navigation start), read by benchmarks/bench_views.py
    var marks = window.contextmapMarks = { start: performance.now() };
    var P = decodePlaces(data);
    marks.decoded = performance.now();
    var doc = document;
    var container = map.getContainer();
    container.classList.add("cm-map");

    // --- banners and title bar (all textContent) ---
    var top = el("div", "cm-banner cm-banner-top");
    top.setAttribute("role", "banner");
    top.appendChild(el("span", "cm-marking", meta.marking));
    top.appendChild(el("h1", "cm-title", meta.title));
    if (meta.period) top.appendChild(el("span", "cm-period", "Period: " + meta.period));
    top.appendChild(el("span", "cm-audience", "Audience: " + meta.audience));
    top.appendChild(el("span", "cm-marking", meta.marking));
    var bottom = el("div", "cm-banner cm-banner-bottom");
    bottom.setAttribute("role", "contentinfo");
    bottom.appendChild(el("span", "cm-marking", meta.marking));
    bottom.appendChild(el("span", null,
      "Handle under your organisation's information-sharing agreement. Associations shown are " +
      "intelligence, graded at source; untested links are not fact."));
    doc.body.insertBefore(top, doc.body.firstChild);
    doc.body.appendChild(bottom);
    container.setAttribute("role", "main");
    container.setAttribute("aria-label", "Map of places of concern");
    map.invalidateSize();

    if (map.options.maxZoom === undefined) map.setMaxZoom(19);
    if (map.options.minZoom === undefined) map.setMinZoom(3);
    // the final view first: layers are then drawn once, at the zoom the user sees
    if (data.bounds) {
      var b = data.bounds;
      if (b[0][0] === b[1][0] && b[0][1] === b[1][1]) map.setView(b[0], 15, { animate: false });
      else map.fitBounds(b, { padding: [20, 20], animate: false });
    }
    var renderer = L.svg();
    var overlays = [];  // [name, layer, count, colour]
    var basemapLayer = null;
    if (data.basemap) {
      basemapLayer = new BaseMapLayer(data.basemap);
      basemapLayer.addTo(map);
      container.classList.add("cm-has-basemap");
      overlays.push(["Base map (your own map data)", basemapLayer, 1]);
    }
    marks.basemap = performance.now();

    var labelItems = [];
    var openAt = function (i, latlng) {
      // kept clear of the map's controls (the legend, bottom right, when it is open)
      var lg = legendBox && !legendBox.classList.contains("cm-collapsed") ? legendBox.getBoundingClientRect() : null;
      L.popup({ maxWidth: 340, autoPanPaddingTopLeft: [70, 70],
                autoPanPaddingBottomRight: [lg ? lg.width + 20 : 70, 70] }).setLatLng(latlng || [P.lat[i], P.lon[i]]).setContent(popupFor(data, P, i)).openOn(map);
    };

    // --- areas: boundaries with names, and a choropleth of episodes (off at first) ---
    var areaBounds = null;
    if (data.areas && data.areas.length) {
      var maxEp = 0;
      data.areas.forEach(function (a) { if (a.ep > maxEp) maxEp = a.ep; });
      var blues = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
      areaBounds = L.featureGroup();
      var chor = L.featureGroup();
      data.areas.forEach(function (a) {
        var tip = el("div", "cm-area-tip");
        tip.appendChild(el("b", null, a.name));
        [["Episodes", a.ep], ["Children", a.ch], ["Places of concern", a.hot], ["Persons of concern seen", a.poc]]
          .forEach(function (kv) { if (kv[1] !== null && kv[1] !== undefined) tip.appendChild(el("div", null, kv[0] + ": " + kv[1])); });
        L.polygon(a.rings, { renderer: renderer, color: "#6a51a3", weight: 1.5, dashArray: "4 3", fill: false,
                             interactive: false }).addTo(areaBounds);
        labelItems.push({ text: a.name, cls: "cm-area-label", at: a.at, mark: 0,
                          shown: function () { return map.hasLayer(areaBounds); } });
        var k = maxEp ? Math.min(4, Math.floor(5 * (a.ep || 0) / (maxEp + 1e-9))) : 0;
        var poly = L.polygon(a.rings, { renderer: renderer, color: "#555", weight: 0.8, fillColor: blues[k],
                                        fillOpacity: 0.55, fillRule: "evenodd" });
        poly.bindTooltip(tip, { sticky: true });
        poly.addTo(chor);
      });
      areaBounds.addTo(map);
      overlays.push(["Areas: boundaries and names", areaBounds, data.areas.length]);
      overlays.push(["Areas: episodes (choropleth)", chor, data.areas.length]);
      data.areasMax = maxEp;
    }

    // --- density bands (computed in metres by the analyses) ---
    if (data.density.length) {
      var dens = L.layerGroup();
      data.density.forEach(function (band) {
        L.polygon(band.rings, {
          renderer: renderer, stroke: false, fillColor: band.color, fillOpacity: data.basemap ? 0.13 : 0.22,
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
        p.bindTooltip(el("span", null, "Spatial cluster " + c.id + (c.n !== null ? ": " + plural(c.n, "place", "places") + " close together" : "")),
                      { sticky: true });
        p.addTo(cl);
      });
      cl.addTo(map);
      overlays.push(["Spatial clusters", cl, data.clusters.length]);
    }

    // --- every place, on one canvas (clustered when many); popups built when clicked ---
    var base = meta.cluster ? 4 : 5;
    var styles = data.classes.map(function (c, k) { return { radius: base + 2 * k }; });
    var places = new PlacesLayer(data, P, styles);
    places.addTo(map);
    marks.places = performance.now();
    var catCount = data.categories.map(function () { return 0; });
    for (var ci = 0; ci < n; ci++) catCount[P.cat[ci]]++;
    data.categories.forEach(function (name, k) {
      var g = L.layerGroup();
      g.on("add", function () { places.setCategory(k, true); });
      g.on("remove", function () { places.setCategory(k, false); });
      g.addTo(map);
      overlays.push(["Places: " + name, g, catCount[k]]);
    });
    var hover = L.tooltip({ direction: "top", offset: [0, -8] });
    function onPlaces(e) {
      var t = e.originalEvent && e.originalEvent.target;
      if (t && t.classList && t.classList.contains("leaflet-interactive")) return null;  // a top place: its own handler
      return places.hit(e.containerPoint);
    }
    map.on("click", function (e) {
      var it = onPlaces(e);
      if (!it) return;
      if (it[4] >= 0) openAt(it[4]);
      else map.setView(map.containerPointToLatLng([it[0], it[1]]), Math.min(places.expansionZoom(it[5]), 17), { animate: false });
    });
    map.on("mousemove", function (e) {
      var it = onPlaces(e);
      container.style.cursor = it ? "pointer" : "";
      if (!it) { if (map.hasLayer(hover)) map.closeTooltip(hover); return; }
      hover.setLatLng(map.containerPointToLatLng([it[0], it[1]]))
        .setContent(el("span", null, it[4] >= 0 ? P.name[it[4]] : plural(it[6], "place", "places") + ": click to zoom in"));
      if (!map.hasLayer(hover)) hover.addTo(map);
    });

    // --- top-ranked places, always unclustered, above the others ---
    var topPane = map.createPane("cmTop");
    topPane.style.zIndex = 430;
    var topRenderer = L.svg({ pane: "cmTop" });
    var topLayer = L.featureGroup(), nTop = 0;
    for (var j = 0; j < n; j++) {
      if (P.rank[j] !== null && P.rank[j] <= meta.topN) {
        L.circleMarker([P.lat[j], P.lon[j]], {
          renderer: topRenderer, pane: "cmTop", radius: 7 + 2 * P.cls[j], color: "#000", weight: 2,
          fillColor: data.classes[P.cls[j]].color, fillOpacity: 1, cmIndex: j
        }).addTo(topLayer);
        nTop++;
      }
    }
    topLayer.on("click", function (e) { L.DomEvent.stop(e); openAt(e.layer.options.cmIndex, e.layer.getLatLng()); });
    topLayer.on("mouseover", function (e) {
      var lyr = e.layer;
      if (!lyr.getTooltip()) lyr.bindTooltip(el("span", null, P.name[lyr.options.cmIndex])).openTooltip();
    });
    if (nTop) {
      topLayer.addTo(map);
      overlays.push(["Top " + meta.topN + " places", topLayer, nTop]);
    }

    // --- new since the last meeting: the top places' rings here; the others' (one a group) are
    // drawn with the places, and this layer's switch turns both on and off ---
    var newLayer = L.featureGroup(), nNew = 0;
    for (var u = 0; u < n; u++) {
      if (!P.isNew[u]) continue;
      nNew++;
      if (P.rank[u] !== null && P.rank[u] <= meta.topN) {
        L.circleMarker([P.lat[u], P.lon[u]], { renderer: topRenderer, pane: "cmTop", radius: 12 + 2 * P.cls[u],
                       color: "#1565c0", weight: 3, dashArray: "3 3", fill: false, interactive: false }).addTo(newLayer);
      }
    }
    newLayer.on("add", function () { places.setShowNew(true); });
    newLayer.on("remove", function () { places.setShowNew(false); });
    if (!nNew) places.setShowNew(false);
    if (nNew) {
      newLayer.addTo(map);
      overlays.push(["New since the last meeting", newLayer, nNew]);
    }

    // --- emerging hotspots: 500 m squares, in words, drawn above the places (on at first) ---
    var nEm = 0;
    if (data.emergingCells && data.emergingCells.length) {
      var emPane = map.createPane("cmEmerging");
      emPane.style.zIndex = 620;
      emPane.style.pointerEvents = "none";
      var emRenderer = L.svg({ pane: "cmEmerging" });
      var em = L.layerGroup();
      data.emergingCells.forEach(function (c) {
        var st = meta.emerging[c.cls];
        if (!st) return;
        L.polygon(c.rings, { renderer: emRenderer, pane: "cmEmerging", color: st.color, weight: EMERGING_WEIGHT[c.cls] || 2,
                             dashArray: EMERGING_DASH[c.cls], fillColor: st.color, fillOpacity: 0.08,
                             interactive: false }).addTo(em);
        nEm++;
      });
      em.addTo(map);
      overlays.push(["Hotspots over the period (500 m squares)", em, nEm]);
    }

    // --- one layer per peer group: places its children were seen (off at first) ---
    data.groups.forEach(function (g) {
      var lg = L.featureGroup();
      g.locs.forEach(function (pair) {
        var k = pair[0], kids = pair[1];
        var ring = L.circleMarker([P.lat[k], P.lon[k]], {
          renderer: topRenderer, pane: "cmTop", radius: 10 + Math.min(8, kids * 2), color: g.color, weight: 3,
          fill: false, cmIndex: k
        });
        ring.bindTooltip(el("span", null, "Peer group " + g.id + ": " + plural(kids, "child", "children") + " seen at " + P.name[k]));
        ring.addTo(lg);
      });
      lg.on("click", function (e) { L.DomEvent.stop(e); openAt(e.layer.options.cmIndex, e.layer.getLatLng()); });
      overlays.push(["Peer group " + g.id + " (" + g.size + " children)", lg, g.locs.length, g.color]);
    });

    // --- layer control (Leaflet inserts names as HTML: escape them) ---
    var ctl = {}, counts = {};
    overlays.forEach(function (o) {
      var label = esc(o[0]);
      if (o[3]) label = '<span class="cm-swatch" style="border-color:' + esc(o[3]) + '"></span>' + label;
      ctl[label] = o[1];
      counts[o[0]] = o[2];
    });
    var layersControl = L.control.layers(null, ctl, { collapsed: n > 0 && overlays.length > 8, position: "topright" }).addTo(map);
    var toggleLink = layersControl.getContainer().querySelector(".leaflet-control-layers-toggle");
    if (toggleLink) { toggleLink.setAttribute("aria-label", "Layers"); toggleLink.setAttribute("role", "button"); }

    // --- legend: collapsible, at most 15% of the screen ---
    var legendCtl = L.control({ position: "bottomright" });
    var legendBox;
    legendCtl.onAdd = function () {
      legendBox = el("div", "cm-legend leaflet-bar");
      legendBox.setAttribute("role", "region");
      legendBox.setAttribute("aria-label", "Legend");
      var toggle = el("button", "cm-legend-toggle", "Legend");
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", "true");
      toggle.setAttribute("aria-controls", "cm-legend-body");
      legendBox.appendChild(toggle);
      var body = el("div", "cm-legend-body");
      body.id = "cm-legend-body";
      legendBox.appendChild(body);
      toggle.addEventListener("click", function () {
        var open = legendBox.classList.toggle("cm-collapsed") === false;
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        fitLegend();
        if (labels) labels.place();
      });
      function add(sym, text) {
        var r = el("div", "cm-legend-row");
        r.appendChild(sym);
        r.appendChild(el("span", null, text));
        body.appendChild(r);
        return r;
      }
      var scale = el("div", "cm-legend-row cm-legend-scale");
      scale.appendChild(el("span", null, "Concern: " + data.classes[0].word));
      data.classes.forEach(function (c, k) {
        var sw = el("span", "cm-dot");
        sw.style.background = c.color;
        sw.style.width = sw.style.height = (8 + 2 * k) + "px";
        scale.appendChild(sw);
      });
      scale.appendChild(el("span", null, data.classes[data.classes.length - 1].word));
      body.appendChild(scale);
      var det = el("details", "cm-legend-more");
      det.appendChild(el("summary", null, "What makes a place rank"));
      det.appendChild(el("div", "cm-legend-note", meta.scoreText));
      body.appendChild(det);
      if (nTop) add(el("span", "cm-dot cm-dot-top"), "Top " + meta.topN + "; the top " + meta.labelTop + " named with their rank");
      if (meta.cluster) add(el("span", "cm-dot cm-dot-cluster", "12"), "Places grouped at this zoom (colour: the highest concern among them)");
      if (nNew) add(el("span", "cm-ring cm-ring-new"), "New since the last meeting (round a group: new places in it)");
      if (nEm) {
        body.appendChild(el("div", "cm-legend-title", "Hotspots over the period"));
        Object.keys(meta.emerging).forEach(function (k) {
          var sq = el("span", "cm-sq");
          sq.style.borderColor = meta.emerging[k].color;
          sq.style.borderStyle = EMERGING_DASH[k] ? (k === "new" ? "dashed" : "dotted") : "solid";
          add(sq, meta.emerging[k].word);
        });
      }
      if (data.areas && data.areas.length) add(el("span", "cm-box-area"), "Area boundary");
      if (data.clusters.length) add(el("span", "cm-box-dashed"), "Spatial cluster");
      if (data.density.length) add(el("span", "cm-box-density"), "Density of events");
      L.DomEvent.disableClickPropagation(legendBox);
      L.DomEvent.disableScrollPropagation(legendBox);
      return legendBox;
    };
    legendCtl.addTo(map);
    function fitLegend() {  // never more than 15% of the window: scroll inside beyond that
      var body = legendBox.querySelector(".cm-legend-body");
      body.style.maxHeight = "";
      var maxArea = 0.15 * window.innerWidth * window.innerHeight;
      var room = Math.floor(maxArea / Math.max(legendBox.offsetWidth, 1)) - 40;
      if (legendBox.offsetHeight * legendBox.offsetWidth > maxArea) body.style.maxHeight = Math.max(room, 60) + "px";
    }
    if (window.innerWidth < 700) legendBox.querySelector(".cm-legend-toggle").click();
    fitLegend();
    window.addEventListener("resize", fitLegend);

    // --- search over place names ---
    var search = L.control({ position: "topleft" });
    search.onAdd = function () {
      var box = el("div", "cm-search leaflet-bar");
      box.setAttribute("role", "search");
      var input = el("input");
      input.type = "search";
      input.placeholder = "Search places\u2026";
      input.setAttribute("aria-label", "Search place names");
      var list = el("ul", "cm-search-results");
      list.setAttribute("aria-live", "polite");
      box.appendChild(input);
      box.appendChild(list);
      var lower = null;
      function go(i) {
        var k = P.cat[i];
        if (!places.isShown(i)) places.setCategory(k, true);
        map.setView([P.lat[i], P.lon[i]], Math.max(map.getZoom(), 16), { animate: false });
        openAt(i);
      }
      input.addEventListener("input", function () {
        if (!lower) lower = P.name.map(function (s) { return String(s).toLowerCase(); });
        while (list.firstChild) list.removeChild(list.firstChild);
        var q = input.value.trim().toLowerCase();
        if (!q) return;
        var hits = 0;
        for (var i = 0; i < n && hits < 10; i++) {
          if (lower[i].indexOf(q) !== -1) {
            var li = el("li");
            var bt = el("button", "cm-search-hit", P.name[i]);
            bt.type = "button";
            bt.dataset.index = String(i);
            bt.addEventListener("click", (function (k) { return function () { go(k); }; })(i));
            li.appendChild(bt);
            list.appendChild(li);
            hits++;
          }
        }
        if (!hits) list.appendChild(el("li", "cm-none", "No match"));
      });
      input.addEventListener("keydown", function (e) {
        var first = list.querySelector("button");
        if (e.key === "Enter" && first) go(Number(first.dataset.index));
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    search.addTo(map);

    // --- labels last: they avoid the controls, each other and the top places ---
    var nLabels = 0;
    for (var q = 0; q < n; q++) {
      if (P.rank[q] !== null && P.rank[q] <= meta.labelTop) {
        var emq = P.emerging && P.emerging[q] && meta.emerging[P.emerging[q]];
        labelItems.splice(nLabels, 0, {
          text: P.rank[q] + ". " + short(P.name[q]) + (emq ? " \u00b7 " + emq.word : ""), cls: "cm-rank-label",
          at: [P.lat[q], P.lon[q]], mark: 7 + 2 * P.cls[q] + 2, index: q,
          onclick: (function (k) { return function () { openAt(k); }; })(q),
          shown: function () { return map.hasLayer(labelToggle); }
        });
        nLabels++;
      }
    }
    var labelToggle = L.layerGroup();
    function controlBoxes() {
      var r0 = container.getBoundingClientRect(), out = [];
      container.querySelectorAll(".leaflet-control").forEach(function (c) {
        var r = c.getBoundingClientRect();
        if (r.width && r.height) out.push([r.left - r0.left - 4, r.top - r0.top - 4, r.right - r0.left + 4, r.bottom - r0.top + 4]);
      });
      return out;
    }
    var labels = LabelLayer(map, labelItems, controlBoxes, places);
    if (labelItems.length) {
      labelToggle.addTo(map);
      labelToggle.on("add remove", function () { labels.place(); });
      if (areaBounds) areaBounds.on("add remove", function () { labels.place(); });
      if (nLabels) overlays.push(["Labels: top " + meta.labelTop + " by rank", labelToggle, nLabels]);
      if (nLabels) layersControl.addOverlay(labelToggle, esc("Labels: top " + meta.labelTop + " by rank"));
      counts["Labels: top " + meta.labelTop + " by rank"] = nLabels;
    }
    labels.place();
    marks.labels = performance.now();

    window.contextmapView = {
      overlays: counts, n: n, top: nTop, clustered: meta.cluster, labels: nLabels, "new": nNew, emerging: nEm,
      basemap: basemapLayer, places: places,
      placedLabels: function () { return labels.placed; }, hiddenLabels: function () { return labels.hidden; }
    };
    // ready once the first frame with every layer has been painted
    requestAnimationFrame(function () {
      setTimeout(function () {
        window.contextmapReadyAt = marks.ready = performance.now();
        document.documentElement.setAttribute("data-cm-ready", "1");
      }, 0);
    });
  };
})();
