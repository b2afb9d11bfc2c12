"""Benchmark the views: a 50,000-location hotspot map and a 5,000-node network view.

Measures, in headless Debian chromium (/usr/bin/chromium) through playwright: the time from
navigation to the view's ready flag (every layer drawn), file size, and Python build time.
Targets (issue 4): map opens within 3 s and stays under 20 MB; network opens within 3 s.

Issue 13 adds, in the same chromium run, the comparison that matters for a METCO's laptop:
our 50,000-place map *with a base map* (a street network, river, railway and parks derived
from the places by :mod:`contextmap.sample.geography`, read back from a GeoPackage) against
folium's FastMarkerCluster carrying the same popup and tooltip per place. Both pages inline
the same Leaflet and markercluster (folium's CDN links are replaced by the local copies, so
neither waits on a network) and both mark "ready" at the first frame painted after every
marker is clustered. Target: ours opens no slower than FastMarkerCluster, under 20 MB.

    .venv/bin/python benchmarks/bench_views.py [--locations 50000] [--nodes 5000] [--no-compare]
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


def _popup_html(hs: gpd.GeoDataFrame) -> list[str]:
    """The popup our map builds on click (name, category, rank, score, counts, dates, grading,
    trend, persons), as the HTML string FastMarkerCluster needs up front, escaped."""
    from html import escape

    out = []
    for r in hs.itertuples():
        rows = [("Category", r.category), ("Rank", r.rank), ("Score", f"{r.score:.3f}"), ("Episodes", r.episodes),
                ("Distinct children", r.children), ("First seen", r.first_seen.strftime("%Y-%m-%d")),
                ("Last seen", r.last_seen.strftime("%Y-%m-%d")), ("Grading mix", r.grading_mix), ("Trend", r.trend)]
        html = (f"<div class='cm-popup'><div class='cm-popup-title'>{escape(r.name)}</div><table>"
                + "".join(f"<tr><th>{k}</th><td>{escape(str(v))}</td></tr>" for k, v in rows) + "</table>")
        if r.persons:
            html += "<div>Persons of concern seen here</div><ul>" + "".join(
                f"<li>{escape(p)}</li>" for p in r.persons) + "</ul>"
        out.append(html + "</div>")
    return out


def fast_marker_cluster_page(hs: gpd.GeoDataFrame, path: Path) -> Path:
    """folium + FastMarkerCluster with the same popup and tooltip per place, assets inlined."""
    import folium
    from branca.element import Element, MacroElement
    from folium.plugins import FastMarkerCluster
    from jinja2 import Template

    from contextmap.views import html as _html

    # the zoom range our clustered map uses (markercluster needs a max zoom; folium sets none without tiles)
    m = folium.Map(location=[52.4, -1.5], zoom_start=11, tiles=None, prefer_canvas=True, max_zoom=18, min_zoom=7)
    m.default_js, m.default_css = [], []
    root = m.get_root()
    root.header.add_child(Element("\n".join([
        _html.inline_style(_html.leaflet_css()), _html.inline_style(_html.markercluster_css()),
        _html.inline_script(_html.leaflet_js()), _html.inline_script(_html.markercluster_js())])))
    data = [[float(y), float(x), p, n] for y, x, p, n in
            zip(hs.geometry.y, hs.geometry.x, _popup_html(hs), hs["name"], strict=True)]
    callback = """function (row) {
        var marker = L.marker(new L.LatLng(row[0], row[1]));
        marker.bindPopup(row[2], {maxWidth: 340});
        marker.bindTooltip(row[3]);
        return marker;
    }"""
    zoom = MacroElement()
    zoom._template = Template("{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.setMaxZoom(18);"
                              "{{ this._parent.get_name() }}.setMinZoom(7);{% endmacro %}")
    m.add_child(zoom)
    fmc = FastMarkerCluster(data, callback=callback)
    fmc.default_js, fmc.default_css = [], []  # markercluster is inlined above, as in ours
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--locations", type=int, default=50_000)
    ap.add_argument("--nodes", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-compare", action="store_true", help="skip the base map / FastMarkerCluster comparison")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(tempfile.mkdtemp(prefix="bench_views_"))
    hs = synthetic_hotspots(a.locations)
    t = time.perf_counter()
    map_path = maps.write_map(maps.hotspot_map(hotspots=hs), out / "map.html")
    build_map = time.perf_counter() - t
    G, groups = synthetic_graph(a.nodes)
    t = time.perf_counter()
    view = network_view(G, groups=groups)
    net_path = view.to_html(out / "network.html")
    build_net = time.perf_counter() - t
    t = time.perf_counter()
    view.to_png(out / "network.png")
    build_png = time.perf_counter() - t
    if not a.no_compare:
        t = time.perf_counter()
        bm = synthetic_basemap(hs, out)
        read_bm = time.perf_counter() - t
        t = time.perf_counter()
        bm_path = maps.write_map(maps.hotspot_map(hotspots=hs, basemap=bm), out / "map_basemap.html")
        build_bm = time.perf_counter() - t
        t = time.perf_counter()
        fmc_path = fast_marker_cluster_page(hs, out / "fast_marker_cluster.html")
        build_fmc = time.perf_counter() - t

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        map_times = [open_time(browser, map_path) for _ in range(a.repeat)]
        net_times = [open_time(browser, net_path) for _ in range(a.repeat)]
        if not a.no_compare:  # side by side, interleaved, in the same browser
            bm_times, fmc_times = [], []
            for _ in range(a.repeat):
                bm_times.append(open_time(browser, bm_path))
                fmc_times.append(open_time(browser, fmc_path))
        browser.close()

    def fmt(runs: list[tuple[float, float, dict | None]]) -> str:
        page_t = [r[0] for r in runs]
        wall_t = [r[1] for r in runs]
        return (f"median {np.median(page_t):.2f} s from navigation start to the first frame with every "
                f"layer painted (runs: {', '.join(f'{x:.2f}' for x in page_t)}; wall clock through "
                f"playwright median {np.median(wall_t):.2f} s)")

    mid = sorted(map_times, key=lambda r: r[0])[len(map_times) // 2][2]
    if mid:  # the median map run's phases: page parsed, markers made, clustered, painted
        print("hotspot map phases (ms from navigation start, median run): "
              + ", ".join(f"{k} {v:.0f}" for k, v in mid.items()))
    mb = map_path.stat().st_size / 1e6
    print(f"hotspot map, {a.locations:,} locations: build {build_map:.1f} s, file {mb:.1f} MB, "
          f"open in chromium {fmt(map_times)} [target < 3 s, < 20 MB]")
    if not a.no_compare:
        n_feat = len(bm)
        ours, theirs = float(np.median([r[0] for r in bm_times])), float(np.median([r[0] for r in fmc_times]))
        print(f"base map: {n_feat:,} features read in {read_bm:.1f} s")
        print(f"hotspot map + base map, {a.locations:,} locations: build {build_bm:.1f} s, "
              f"file {bm_path.stat().st_size / 1e6:.1f} MB, open {fmt(bm_times)}")
        print(f"folium FastMarkerCluster, same popup + tooltip: build {build_fmc:.1f} s, "
              f"file {fmc_path.stat().st_size / 1e6:.1f} MB, open {fmt(fmc_times)}")
        print(f"ratio ours / FastMarkerCluster: {ours / theirs:.2f} [target <= 1.0, ours < 20 MB]")
    print(f"network view, {a.nodes:,} nodes / {len(view.edges):,} edges: layout+build {build_net:.1f} s, "
          f"file {net_path.stat().st_size / 1e6:.1f} MB, open in chromium {fmt(net_times)} "
          f"[target < 3 s]; PNG {build_png:.1f} s")


if __name__ == "__main__":
    main()
