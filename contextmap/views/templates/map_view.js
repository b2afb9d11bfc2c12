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
          renderer: renderer, stroke: false, fillColor: b.color, fillOpacity: 0.22,
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
      box.appendChild(el("div", "cm-legend-title", "Hotspot score"));
      data.classes.forEach(function (c) {
        var r = el("div", "cm-legend-row");
        var sw = el("span", "cm-dot");
        sw.style.background = c.color;
        r.appendChild(sw);
        r.appendChild(el("span", null, c.min + " to " + c.max));
        box.appendChild(r);
      });
      box.appendChild(el("div", "cm-legend-note", "Larger and darker: higher score."));
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

    window.contextmapView = { overlays: counts, n: n, top: nTop, clustered: meta.cluster };
    pending--;
    ready();
  };
})();
