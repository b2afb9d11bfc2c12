"""Benchmark the views: a 50,000-place hotspot map against folium's FastMarkerCluster, and a
5,000-node network view.

Measured in headless Debian chromium (/usr/bin/chromium) through playwright: the time from
navigation start to the view's ready flag (the first frame painted with every layer), file
size, and Python build time.

The map comparison (issue 21) is fair: the same 50,000 points and the same popups, and nothing
more on either side. Our page is ``hotspot_map(hotspots=...)`` alone (no density, areas or base
map); folium's page is a FastMarkerCluster whose rows carry the same fields, rounded alike, and
whose callback builds the same popup (title, rank, why it ranks in words, dates, evidence,
trend, persons) when it is opened, plus the same hover tooltip. Both inline the same Leaflet
(folium's CDN links replaced: every request is routed and anything but file:/data: fails the
run); both mark "ready" at the first frame painted once every place is clustered. The pages
are opened in turn, interleaved, in one browser. Targets: ours opens in at most 1.0x the time
of FastMarkerCluster and is no larger.

The network view is timed to interactive (ready flag: the first frame drawn, events bound) at
5,000 nodes, collapsed by peer group as it opens at that size, and again with every group
expanded. Target: <= 3 s.

    .venv/bin/python benchmarks/bench_views.py [--locations 50000] [--nodes 5000] [--repeat 5] [--basemap]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from contextmap.views import maps
from contextmap.views.network import network_view

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
CATS = ["address", "park", "shop", "food_outlet", "transport", "hotel", "school", "care_home", "other"]


STREETS = [f"{a} {b}" for a in ("Quarry", "Wren", "Tolly", "Fenner", "Abbots", "Linnet", "Cobble", "Harrow",
                                  "Osier", "Marram", "Bracken", "Sorrel")
           for b in ("Road", "Street", "Lane", "Avenue", "Close", "Way")]
"""Invented street names for the synthetic places' addresses (72 of them)."""


def synthetic_hotspots(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lat = 52.40 + rng.normal(0, 0.08, n)
    lon = -1.50 + rng.normal(0, 0.12, n)
    score = rng.gamma(1.2, 1.0, n)
    order = np.argsort(-score)
    rank = np.empty(n, int)
    rank[order] = np.arange(1, n + 1)
    streets = rng.choice(STREETS, n)
    return gpd.GeoDataFrame({
        "location_id": [f"L{i}" for i in range(n)],
        "name": [f"{int(k)} {s}" for k, s in zip(rng.integers(1, 400, n), streets, strict=True)],
        "category": rng.choice(CATS, n), "rank": rank, "score": score,
        "episodes": rng.integers(1, 20, n), "children": rng.integers(1, 8, n),
        "persons_seen": rng.integers(0, 4, n), "children_with_poc": rng.integers(0, 5, n),
        "missing_found_away": rng.integers(0, 4, n), "repeat_children": rng.integers(0, 4, n),
        "first_seen": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, n), "D"),
        "last_seen": pd.Timestamp("2024-04-01") + pd.to_timedelta(rng.integers(0, 90, n), "D"),
        "grading_mix": ["episode x2; 1A P x1"] * n,
        "persons": [[f"P{j}" for j in rng.integers(0, 500, k)] for k in rng.integers(0, 3, n)],
        "trend": rng.choice(["new", "emerging", "persistent", "declining"], n),
    }, geometry=gpd.points_from_xy(lon, lat), crs=4326)


def synthetic_graph(n: int, seed: int = 0) -> tuple[nx.Graph, dict[str, str]]:
    rng = np.random.default_rng(seed)
    G = nx.Graph()
    kinds = rng.choice(["child", "person", "location"], n, p=[0.6, 0.15, 0.25])
    for i, k in enumerate(kinds):
        G.add_node(f"N{i}", kind=str(k), label=f"Invented {k} {i}")
    n_groups = max(1, n // 40)
    group = rng.integers(0, n_groups, n)
    for i in range(n):
        for _ in range(int(rng.integers(1, 3))):
            same = np.flatnonzero(group == group[i])
            j = int(rng.choice(same)) if rng.random() < 0.8 else int(rng.integers(0, n))
            if j != i:
                g = rng.choice(["1A P", "2C P", "2B P", "3E P"], p=[0.4, 0.35, 0.2, 0.05])
                G.add_edge(f"N{i}", f"N{j}", corroborated=bool(g in ("1A P", "2B P")), evidence=[
                    {"link_id": f"K{i}-{j}", "episode_id": None, "relation": "associate",
                     "date": "2024-03-01", "source_type": "rhi", "grading": str(g), "handling_code": "P"}])
    groups = {f"N{i}": f"PG{group[i] + 1}" for i in range(n) if kinds[i] == "child"}
    return G, groups


def synthetic_basemap(hs: gpd.GeoDataFrame, out: Path):
    """A street network (named as the places' addresses), river, railway and parks round the
    places, written to a GeoPackage and read back as a user's base map would be."""
    from contextmap.sample.geography import write_sample_geography
    from contextmap.views.basemap import data_bounds, read_basemap

    lo = pd.DataFrame({"location_id": hs["location_id"], "name": hs["name"],
                       "category": hs["category"].replace({"transport": "other"}),
                       "latitude": hs.geometry.y, "longitude": hs.geometry.x})
    lo.loc[0, ["name", "category"]] = ["Central Railway Station", "transport"]
    write_sample_geography(lo, out)
    return read_basemap(out / "basemap.gpkg", bounds=data_bounds(hs, margin_m=1500))


def _fmc_rows(hs: gpd.GeoDataFrame) -> list[list]:
    """FastMarkerCluster's rows: the fields our page's popups show, as folium users pass them
    (values, not HTML), rounded as ours are and in the same words."""
    from contextmap.views.places import grading_words
    from contextmap.vocabulary import vocabulary

    words = vocabulary()
    rows = []
    for r in hs.itertuples():
        rows.append([round(float(r.geometry.y), 5), round(float(r.geometry.x), 5), r.name,
                     words("categories", r.category), int(r.rank), int(r.persons_seen), int(r.children_with_poc),
                     int(r.missing_found_away), int(r.repeat_children), int(r.children), int(r.episodes),
                     r.first_seen.strftime("%d %b %Y"), r.last_seen.strftime("%d %b %Y"),
                     grading_words(r.grading_mix), words("trends", r.trend), list(r.persons)])
    return rows


FMC_CALLBACK = """function (row) {
    var marker = L.marker(new L.LatLng(row[0], row[1]));
    marker.bindPopup(function () {  // built when opened, as ours is
        function el(tag, text) { var e = document.createElement(tag); if (text != null) e.textContent = text; return e; }
        function n(k, one, many) { return k + " " + (k === 1 ? one : many); }
        var box = el("div"), t = el("table"), ul = el("ul"), why = [];
        box.appendChild(el("b", row[2]));
        box.appendChild(el("div", "Ranked " + row[4] + " of " + N + " places \u00b7 " + row[3]));
        if (row[5]) why.push(n(row[5], "person of concern", "persons of concern") + " seen here");
        if (row[6]) why.push(n(row[6], "child", "children") + " seen here who are linked to a person of concern also seen here");
        if (row[7]) why.push(n(row[7], "child", "children") + " found here after going missing");
        if (row[8]) why.push(n(row[8], "child", "children") + " here on 2 or more days");
        if (row[9]) why.push(n(row[9], "child", "children") + " seen here in all, in " + n(row[10], "episode", "episodes"));
        why.forEach(function (w) { ul.appendChild(el("li", w)); });
        box.appendChild(el("div", "Why it ranks here")); box.appendChild(ul);
        [["Against the previous period", row[14]], ["First seen", row[11]], ["Last seen", row[12]],
         ["Evidence", row[13]]].forEach(function (kv) {
            var tr = el("tr"); tr.appendChild(el("th", kv[0])); tr.appendChild(el("td", kv[1])); t.appendChild(tr); });
        box.appendChild(t);
        if (row[15].length) {
            var ps = el("ul"); row[15].forEach(function (p) { ps.appendChild(el("li", p)); });
            box.appendChild(el("div", "Persons of concern seen here")); box.appendChild(ps);
        }
        return box;
    }, {maxWidth: 340});
    marker.bindTooltip(row[2]);
    return marker;
}"""
"""The FastMarkerCluster callback: a marker per row, the same popup as ours built on opening."""


def fast_marker_cluster_page(hs: gpd.GeoDataFrame, path: Path) -> Path:
    """folium + FastMarkerCluster with the same points, popups and tooltips, assets inlined."""
    import folium
    from branca.element import Element, MacroElement
    from folium.plugins import FastMarkerCluster
    from jinja2 import Template

    from contextmap.views import html as _html

    # the zoom range a local map needs (markercluster needs a max zoom; folium sets none without tiles)
    m = folium.Map(location=[52.4, -1.5], zoom_start=11, tiles=None, prefer_canvas=True, max_zoom=18, min_zoom=7)
    m.default_js, m.default_css = [], []
    root = m.get_root()
    root.header.add_child(Element("\n".join([
        _html.inline_style(_html.leaflet_css()), _html.inline_style(_html.markercluster_css()),
        _html.inline_script(_html.leaflet_js()), _html.inline_script(_html.markercluster_js()),
        f"<script>var N = {len(hs)};</script>"])))
    lat, lon = hs.geometry.y, hs.geometry.x
    # the zoom range, then the same view as ours (fitted to every place) before any marker is added
    zoom = MacroElement()
    zoom._template = Template(
        "{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.setMaxZoom(18);"
        "{{ this._parent.get_name() }}.setMinZoom(7);"
        f"{{{{ this._parent.get_name() }}}}.fitBounds([[{lat.min()}, {lon.min()}], [{lat.max()}, {lon.max()}]], "
        "{padding: [20, 20], animate: false});{% endmacro %}")
    m.add_child(zoom)
    fmc = FastMarkerCluster(_fmc_rows(hs), callback=FMC_CALLBACK)
    fmc.default_js, fmc.default_css = [], []  # markercluster is inlined above
    fmc.add_to(m)
    # ready at the first frame painted after every marker is clustered (as our map's flag)
    m.get_root().script.add_child(Element(
        "requestAnimationFrame(function () { setTimeout(function () {"
        " window.contextmapReadyAt = performance.now();"
        " document.documentElement.setAttribute('data-cm-ready', '1'); }, 0); });"))
    m.save(str(path))
    return path


def open_time(browser, path: Path) -> tuple[float, float, dict | None]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    outside: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else (outside.append(route.request.url), route.abort()))
    t0 = time.perf_counter()
    page.goto(path.resolve().as_uri(), wait_until="commit")
    page.wait_for_selector("html[data-cm-ready='1']", state="attached", timeout=60_000)
    wall = time.perf_counter() - t0
    in_page = page.evaluate("window.contextmapReadyAt") / 1000.0
    marks = page.evaluate("window.contextmapMarks || null")  # map phases, ms from navigation
    page.close()
    if errors:
        raise RuntimeError(f"page errors: {errors[:3]}")
    if outside:
        raise RuntimeError(f"{path.name} asked for the network: {outside[:3]}")
    return in_page, wall, marks


def _fmt(runs: list[tuple[float, float, dict | None]]) -> str:
    page_t = [r[0] for r in runs]
    wall_t = [r[1] for r in runs]
    return (f"median {np.median(page_t):.2f} s from navigation start to the first frame with every "
            f"layer painted (runs: {', '.join(f'{x:.2f}' for x in page_t)}; wall clock through "
            f"playwright median {np.median(wall_t):.2f} s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--locations", type=int, default=50_000)
    ap.add_argument("--nodes", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--basemap", action="store_true", help="also time our map with a base map (street network...)")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(tempfile.mkdtemp(prefix="bench_views_"))
    hs = synthetic_hotspots(a.locations)
    t = time.perf_counter()
    map_path = maps.write_map(maps.hotspot_map(hotspots=hs), out / "map.html")
    build_map = time.perf_counter() - t
    t = time.perf_counter()
    fmc_path = fast_marker_cluster_page(hs, out / "fast_marker_cluster.html")
    build_fmc = time.perf_counter() - t
    G, groups = synthetic_graph(a.nodes)
    t = time.perf_counter()
    view = network_view(G, groups=groups)
    net_path = view.to_html(out / "network.html")
    build_net = time.perf_counter() - t
    open_all = out / "network_expanded.html"
    open_all.write_text(view.html().replace('"collapsed": true', '"collapsed": false'), encoding="utf-8")
    if a.basemap:
        t = time.perf_counter()
        bm = synthetic_basemap(hs, out)
        read_bm = time.perf_counter() - t
        t = time.perf_counter()
        bm_path = maps.write_map(maps.hotspot_map(hotspots=hs, basemap=bm), out / "map_basemap.html")
        build_bm = time.perf_counter() - t

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        map_times, fmc_times = [], []
        for _ in range(a.repeat):  # side by side, interleaved, in the same browser
            map_times.append(open_time(browser, map_path))
            fmc_times.append(open_time(browser, fmc_path))
        net_times = [open_time(browser, net_path) for _ in range(a.repeat)]
        all_times = [open_time(browser, open_all) for _ in range(a.repeat)]
        bm_times = [open_time(browser, bm_path) for _ in range(a.repeat)] if a.basemap else []
        browser.close()

    mid = sorted(map_times, key=lambda r: r[0])[len(map_times) // 2][2]
    if mid:  # the median map run's phases
        print("hotspot map phases (ms from navigation start, median run): "
              + ", ".join(f"{k} {v:.0f}" for k, v in mid.items()))
    ours, theirs = float(np.median([r[0] for r in map_times])), float(np.median([r[0] for r in fmc_times]))
    mb, fmb = map_path.stat().st_size / 1e6, fmc_path.stat().st_size / 1e6
    print(f"hotspot map, {a.locations:,} places: build {build_map:.1f} s, file {mb:.2f} MB, open {_fmt(map_times)}")
    print(f"folium FastMarkerCluster, same points, popups and tooltips: build {build_fmc:.1f} s, "
          f"file {fmb:.2f} MB, open {_fmt(fmc_times)}")
    print(f"ours / FastMarkerCluster: open time {ours / theirs:.2f}x, file size {mb / fmb:.2f}x "
          "[targets <= 1.0 both]")
    if a.basemap:
        print(f"base map: {len(bm):,} features read in {read_bm:.1f} s; hotspot map + base map: build "
              f"{build_bm:.1f} s, file {bm_path.stat().st_size / 1e6:.1f} MB, open {_fmt(bm_times)}")
    n_groups = len(view.groups)
    print(f"network view, {a.nodes:,} nodes / {len(view.edges):,} edges / {n_groups} peer groups: layout+build "
          f"{build_net:.1f} s, file {net_path.stat().st_size / 1e6:.1f} MB; to interactive, groups collapsed: "
          f"{_fmt(net_times)}; every group expanded: {_fmt(all_times)} [target <= 3 s]")


if __name__ == "__main__":
    main()
