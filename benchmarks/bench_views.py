"""Benchmark the views: a 50,000-location hotspot map and a 5,000-node network view.

Measures, in headless Debian chromium (/usr/bin/chromium) through playwright: the time from
navigation to the view's ready flag (every layer drawn), file size, and Python build time.
Targets (issue 4): map opens within 3 s and stays under 20 MB; network opens within 3 s.

    .venv/bin/python benchmarks/bench_views.py [--locations 50000] [--nodes 5000]
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


def synthetic_hotspots(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lat = 52.40 + rng.normal(0, 0.08, n)
    lon = -1.50 + rng.normal(0, 0.12, n)
    score = rng.gamma(1.2, 1.0, n)
    order = np.argsort(-score)
    rank = np.empty(n, int)
    rank[order] = np.arange(1, n + 1)
    return gpd.GeoDataFrame({
        "location_id": [f"L{i}" for i in range(n)],
        "name": [f"Invented place {i}" for i in range(n)],
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


def open_time(browser, path: Path) -> tuple[float, float, dict | None]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    t0 = time.perf_counter()
    page.goto(path.resolve().as_uri(), wait_until="commit")
    page.wait_for_selector("html[data-cm-ready='1']", state="attached", timeout=60_000)
    wall = time.perf_counter() - t0
    in_page = page.evaluate("window.contextmapReadyAt") / 1000.0
    marks = page.evaluate("window.contextmapMarks || null")  # map phases, ms from navigation
    page.close()
    if errors:
        raise RuntimeError(f"page errors: {errors[:3]}")
    return in_page, wall, marks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--locations", type=int, default=50_000)
    ap.add_argument("--nodes", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=3)
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

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        map_times = [open_time(browser, map_path) for _ in range(a.repeat)]
        net_times = [open_time(browser, net_path) for _ in range(a.repeat)]
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
    print(f"network view, {a.nodes:,} nodes / {len(view.edges):,} edges: layout+build {build_net:.1f} s, "
          f"file {net_path.stat().st_size / 1e6:.1f} MB, open in chromium {fmt(net_times)} "
          f"[target < 3 s]; PNG {build_png:.1f} s")


if __name__ == "__main__":
    main()
