"""The views in a real browser (Debian chromium through playwright).

Each test opens a written page from ``file://``, waits for the view to say it is ready and
asserts: no console errors, the expected layers/markers, no request leaving ``file://`` (with
tiles off), and hostile names inert (no dialog, no injected element, text shown literally).
Screenshots go to ``reports/`` for a human to look at.
"""

from __future__ import annotations

import pytest
from conftest import INJECTION_NAMES, axe_violations

from contextmap.views import maps
from contextmap.views.network import network_view

pytestmark = pytest.mark.browser


def _only_local(requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(("file://", "data:"))]


def _assert_inert(rec) -> None:
    page = rec.page
    assert rec.dialogs == []
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], img[onerror]').length") == 0
    # exactly the scripts we wrote: none injected by data
    assert page.evaluate("window.__injected === undefined")


@pytest.fixture(scope="module")
def map_file(views_parts, tmp_path_factory):
    m = maps.hotspot_map(views_parts, title="Sample area: locations of concern", audience="police")
    return maps.write_map(m, tmp_path_factory.mktemp("views") / "map.html")


def test_map_loads_offline_with_layers(recorded_page, map_file, reports_dir):
    rec = recorded_page
    rec.open(map_file)
    assert rec.console_errors == []
    assert _only_local(rec.requests) == []
    view = rec.page.evaluate("({n: window.contextmapView.n, top: window.contextmapView.top,"
                             " overlays: window.contextmapView.overlays, drawn: window.contextmapView.places.drawn})")
    assert view["n"] == 3 and view["top"] == 3 and view["drawn"] == 3  # every place on the canvas
    overlays = view["overlays"]
    assert overlays["Places: park"] == 1 and overlays["Places: shop"] == 1
    assert overlays["Spatial clusters"] == 1 and overlays["Density surface"] >= 2
    assert "Peer group PG1 (3 children)" in overlays
    labels = rec.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert len(labels) == len(overlays)
    # 3 top-place markers + 1 cluster outline (the places are on a canvas); peer groups start off
    paths = rec.page.locator("path.leaflet-interactive")
    assert paths.count() == 3 + 1
    pg1 = overlays["Peer group PG1 (3 children)"]  # places PG1's children were seen
    rec.page.locator(".leaflet-control-layers-overlays label", has_text="Peer group PG1").click()
    assert paths.count() == 4 + pg1 and pg1 == 2  # L1 and L3
    # a category switched off leaves the canvas
    rec.page.locator(".leaflet-control-layers-overlays label", has_text="Places: park").click()
    assert rec.page.evaluate("window.contextmapView.places.drawn") == 2
    banner = rec.page.locator(".cm-banner-top").inner_text()
    assert "OFFICIAL-SENSITIVE" in banner and "police" in banner and "01 Jan 2024" in banner
    rec.page.screenshot(path=str(reports_dir / "browser_map.png"))
    _assert_inert(rec)


def test_map_popup_and_search_show_hostile_names_as_text(recorded_page, map_file, reports_dir):
    rec = recorded_page
    rec.open(map_file)
    page = rec.page
    search = page.locator(".cm-search input")
    search.fill("script")
    hit = page.locator(".cm-search-results li").first
    assert hit.inner_text() == INJECTION_NAMES["place"]
    hit.click()
    popup = page.locator(".cm-popup")
    popup.wait_for(timeout=5000)
    assert popup.locator(".cm-popup-title").inner_text() == INJECTION_NAMES["place"]
    text = popup.inner_text()
    assert INJECTION_NAMES["person"] in text  # the person seen there, as text
    assert "Why it ranks here" in text and "person of concern seen here" in text and "Evidence" in text
    assert "Score" not in text and "1A P" not in text  # no raw score, no grading codes
    search.fill("tick")
    page.locator(".cm-search-results li").first.click()
    page.wait_for_function(
        "document.querySelector('.cm-popup-title') && "
        "document.querySelector('.cm-popup-title').textContent.includes('tick')")
    assert page.locator(".cm-popup-title").inner_text() == INJECTION_NAMES["tick"]
    page.screenshot(path=str(reports_dir / "browser_map_popup.png"))
    # hovering shows the name in a tooltip, as text
    assert rec.console_errors == []
    _assert_inert(rec)
    assert _only_local(rec.requests) == []


def test_map_with_many_locations_clusters(recorded_page, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    n = 3000
    hs = gpd.GeoDataFrame(
        {"location_id": [f"L{i}" for i in range(n)], "name": [f"Place {i}" for i in range(n)],
         "category": ["park", "shop", "address"] * (n // 3), "rank": range(1, n + 1),
         "score": [float(n - i) for i in range(n)]},
        geometry=[Point(-1.6 + (i % 60) * 2e-3, 52.35 + (i // 60) * 2e-3) for i in range(n)], crs=4326)
    out = maps.write_map(maps.hotspot_map(hotspots=hs, top_n=10), tmp_path / "big.html")
    rec = recorded_page
    rec.open(out)
    assert rec.console_errors == []
    view = rec.page.evaluate("({c: window.contextmapView.clustered, o: window.contextmapView.overlays,"
                             " clusters: window.contextmapView.places.clusters, drawn: window.contextmapView.places.drawn})")
    assert view["c"] is True and view["o"]["Places: park"] == 1000
    assert 0 < view["clusters"] and view["drawn"] < 300  # clustered, not 3000 circles
    # clicking a cluster zooms in to it
    z0 = rec.page.evaluate("window.contextmapView.places._map.getZoom()")
    it = rec.page.evaluate(  # a cluster nothing else covers (no label, no top place over it)
        "(() => { const c = document.querySelector('.cm-map').getBoundingClientRect();"
        " return window.contextmapView.places._items.filter(i => i[4] < 0 && document.elementFromPoint("
        "c.left + i[0], c.top + i[1]).classList.contains('leaflet-container')).pop(); })()")
    box = rec.page.locator(".cm-map").bounding_box()
    rec.page.mouse.click(box["x"] + it[0], box["y"] + it[1])
    assert rec.page.evaluate("window.contextmapView.places._map.getZoom()") > z0
    assert _only_local(rec.requests) == []


def test_places_new_since_the_last_meeting_are_ringed_once_a_group(recorded_page, tmp_path):
    # 3,000 places, every other one new: a ring round each group holding new places (not 1,500
    # rings over each other), the top places' own rings above them, and the layer's switch
    # turns every ring off
    import geopandas as gpd
    from shapely.geometry import Point

    n = 3000
    hs = gpd.GeoDataFrame(
        {"location_id": [f"L{i}" for i in range(n)], "name": [f"Place {i}" for i in range(n)],
         "category": ["park"] * n, "rank": range(1, n + 1), "score": [float(n - i) for i in range(n)]},
        geometry=[Point(-1.6 + (i % 60) * 2e-3, 52.35 + (i // 60) * 2e-3) for i in range(n)], crs=4326)
    new = [f"L{i}" for i in range(0, n, 2)]
    out = maps.write_map(maps.hotspot_map(hotspots=hs, top_n=10, new_ids=new), tmp_path / "new.html")
    rec = recorded_page
    rec.open(out)
    assert rec.console_errors == []
    view = rec.page.evaluate("({rings: window.contextmapView.places.rings, drawn: window.contextmapView.places.drawn,"
                             " o: window.contextmapView.overlays,"
                             " ringed: window.contextmapView.places._items.filter(i => i[7] > 0).length,"
                             " held: window.contextmapView.places._items.reduce((a, i) => a + (i[7] || 0), 0)})")
    assert view["o"]["New since the last meeting"] == n // 2
    assert 0 < view["rings"] == view["ringed"] <= view["drawn"] < 300
    assert view["held"] == n // 2 - 5  # every new place but the 5 new top places is in a ringed item
    top_rings = rec.page.locator(".leaflet-cmTop-pane path[stroke-dasharray]").count()
    assert top_rings == 5  # the top places L0, L2, L4, L6, L8
    rec.page.locator(".leaflet-control-layers").hover()
    rec.page.get_by_label("New since the last meeting", exact=False).uncheck()
    assert rec.page.evaluate("window.contextmapView.places.rings") == 0
    assert rec.page.locator(".leaflet-cmTop-pane path[stroke-dasharray]").count() == 0
    assert _only_local(rec.requests) == []


def test_network_view_in_browser(recorded_page, views_parts, tmp_path, reports_dir):
    G = views_parts["graph"].copy()
    v = network_view(G, groups=views_parts["peer_groups"], period=views_parts["period"],
                     audience="police")
    out = v.to_html(tmp_path / "net.html")
    rec = recorded_page
    rec.open(out)
    page = rec.page
    assert rec.console_errors == []
    assert _only_local(rec.requests) == []
    info = page.evaluate("({n: window.contextmapNetwork.nodes, e: window.contextmapNetwork.edges})")
    assert info == {"n": len(v.nodes), "e": len(v.edges)}
    # filter by type: hide places
    page.locator("#cm-kinds input[value='location']").uncheck()
    n_places = int((v.nodes["kind"] == "location").sum())
    assert page.evaluate("window.contextmapNetwork.visibleCount()") == len(v.nodes) - n_places
    page.locator("#cm-kinds input[value='location']").check()
    # filter by group: PG2's children and the adults/places linked to them
    page.select_option("#cm-group", "PG2")
    visible = page.evaluate("window.contextmapNetwork.visibleCount()")
    assert 3 < visible < len(v.nodes)
    # the rest fades, kept in place for context (not hidden)
    assert page.evaluate("window.contextmapNetwork.fadedCount()") == len(v.nodes) - visible
    page.select_option("#cm-group", "")
    # search by label finds the hostile name as text
    page.fill("#cm-search", "onerror")
    page.press("#cm-search", "Enter")
    assert page.locator("#cm-search-count").inner_text() == "1 match"
    selected = page.evaluate("window.contextmapNetwork.network.getSelectedNodes()")
    assert len(selected) == 1
    # hover tooltip: built with textContent
    pos = page.evaluate(
        "(() => { const nw = window.contextmapNetwork.network; const id = nw.getSelectedNodes()[0];"
        " const p = nw.canvasToDOM(nw.getPositions([id])[id]);"
        " const r = document.getElementById('cm-network').getBoundingClientRect();"
        " return {x: p.x + r.left, y: p.y + r.top}; })()")
    page.mouse.move(pos["x"], pos["y"])
    page.wait_for_selector("#cm-tip:not([hidden])", timeout=3000)
    assert page.locator("#cm-tip .cm-tip-title").inner_text() == INJECTION_NAMES["person"]
    page.screenshot(path=str(reports_dir / "browser_network.png"))
    _assert_inert(rec)
    legend = page.locator("#cm-legend").inner_text()
    assert "Person of concern" in legend and "Peer group PG1" in legend


def _overlaps(labels: list[dict]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(labels):
        for b in labels[:i]:
            p, q = a["box"], b["box"]
            if p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]:
                out.append((a["text"], b["text"]))
    return out


@pytest.fixture(scope="module")
def sample_network(tmp_path_factory):
    """The sample's network as the pack draws it: resolved (so RHI mentions are provisional)."""
    from pathlib import Path

    import contextmap
    from contextmap.analysis import analyze

    an = analyze(contextmap.load(Path(__file__).resolve().parents[1] / "data" / "sample"), n_runs=3)
    new = {an.persons.index[0]: "new person of concern", an.hotspots.index[0]: "new location of concern (rank 1)"}
    v = network_view(an, new=new, period=an.period)
    return v, v.to_html(tmp_path_factory.mktemp("net") / "sample_network.html")


def test_network_labels_never_overlap_and_survive_search(recorded_page, sample_network, reports_dir):
    v, path = sample_network
    rec = recorded_page
    rec.open(path)
    page = rec.page
    assert rec.console_errors == [] and _only_local(rec.requests) == []
    labels = page.evaluate("window.contextmapNetwork.labels()")
    assert len(labels) >= 15 and _overlaps(labels) == []
    page.screenshot(path=str(reports_dir / "browser_network_sample.png"))
    # search: the view zooms to the matches and every match keeps its label
    surname = v.nodes.loc[v.nodes["kind"] == "child", "label"].str.split().str[-1].value_counts().index[0]
    page.fill("#cm-search", surname)
    page.press("#cm-search", "Enter")
    hits = v.nodes.index[v.nodes["label"].str.lower().str.contains(surname.lower())]
    assert page.locator("#cm-search-count").inner_text().startswith(str(len(hits)))
    labels = page.evaluate("window.contextmapNetwork.labels()")
    assert _overlaps(labels) == []
    labelled = {d["node"] for d in labels}
    assert len(set(hits) & labelled) >= len(hits) - 1, (len(hits), len(set(hits) & labelled))
    page.screenshot(path=str(reports_dir / "browser_network_search.png"))
    # zooming in shows more names, still without overlap
    page.fill("#cm-search", "")
    page.press("#cm-search", "Enter")
    page.evaluate("(() => { const n = window.contextmapNetwork.network; n.moveTo({scale: n.getScale() * 3}); })()")
    page.wait_for_timeout(200)
    zoomed = page.evaluate("window.contextmapNetwork.labels()")
    assert _overlaps(zoomed) == []


def test_network_mentions_new_marks_and_collapsible_legend(recorded_page, sample_network, reports_dir):
    v, path = sample_network
    rec = recorded_page
    rec.open(path)
    page = rec.page
    legend = page.locator("#cm-legend")
    toggle = page.locator(".cm-legend-toggle")
    if toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    text = legend.inner_text()
    assert "Unconfirmed mention" in text and "New since the last meeting (2)" in text
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".cm-legend-body").is_visible()
    toggle.click()
    assert page.locator(".cm-legend-body").is_visible()
    # hovering an unconfirmed mention: not a person of concern, reach not counted
    import numpy as np

    xy = v.nodes[["x", "y"]].to_numpy(float)
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) + np.eye(len(xy)) * 9
    cand = v.nodes.index[v.nodes["kind"] == "provisional"]
    i = int(max(cand, key=lambda k: d[k].min()))  # the most isolated mention: nothing else under the mouse
    page.evaluate(f"window.contextmapNetwork.network.focus({i}, {{scale: 2}})")
    pos = page.evaluate(
        f"(() => {{ const nw = window.contextmapNetwork.network; const p = nw.canvasToDOM(nw.getPositions([{i}])[{i}]);"
        " const r = document.getElementById('cm-network').getBoundingClientRect();"
        " return {x: p.x + r.left, y: p.y + r.top}; })()")
    page.mouse.move(pos["x"], pos["y"])
    page.wait_for_selector("#cm-tip:not([hidden])", timeout=3000)
    tip = page.locator("#cm-tip").inner_text()
    assert "Unconfirmed mention" in tip and "not a person of concern" in tip and "Children reached" not in tip
    page.screenshot(path=str(reports_dir / "browser_network_mention.png"))


# --- base maps from the user's own data: drawn offline, street names at street zoom ----------------


def _route_everything(page) -> list[str]:
    """Route every request: record it, let file:// and data: through, abort anything else."""
    seen: list[str] = []

    def handle(route):
        url = route.request.url
        seen.append(url)
        if url.startswith(("file://", "data:")):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", handle)
    return seen


@pytest.fixture(scope="module")
def sample_map(tmp_path_factory):
    """The committed sample, analysed, mapped over its own base map and wards."""
    from pathlib import Path

    from contextmap.analysis import analyze
    from contextmap.areas import count_by_area
    from contextmap.emerging import emerging_hotspots
    from contextmap.ingest import load

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    an = analyze(load(sample), seed=0)
    em = emerging_hotspots(an.dataset, start=an.period[0], end=an.period[1])
    m = maps.hotspot_map(an, basemap=sample / "basemap.gpkg", areas=count_by_area(an, sample / "areas.gpkg"),
                         emerging=em, new_ids=[str(an.hotspots.index[1])],
                         title="Sample town: locations of concern")
    return maps.write_map(m, tmp_path_factory.mktemp("basemap") / "map.html"), an


def test_basemap_draws_offline_with_street_names(recorded_page, sample_map, reports_dir):
    path, an = sample_map
    rec = recorded_page
    routed = _route_everything(rec.page)
    rec.open(path)
    assert rec.console_errors == []
    assert [u for u in routed if not u.startswith(("file://", "data:"))] == []
    assert _only_local(rec.requests) == []
    view = rec.page.evaluate("({f: window.contextmapView.basemap.features, labels: window.contextmapView.labels,"
                             " o: window.contextmapView.overlays, n: window.contextmapView['new']})")
    top10 = an.hotspots[an.hotspots["rank"] <= 10]
    with_xy = sum(g is not None and not g.is_empty for g in top10.geometry)
    assert view["f"] > 50 and view["labels"] == with_xy and view["n"] == 1  # rank 1-10 with coordinates
    from pathlib import Path

    import geopandas as gpd

    wards = gpd.read_file(Path(__file__).resolve().parents[1] / "data" / "sample" / "areas.gpkg")
    assert view["o"]["Areas: boundaries and names"] == len(wards)
    labels = rec.page.locator(".cm-rank-label").all_inner_texts()
    top1 = an.hotspots.sort_values("rank").iloc[0]
    assert any(t.startswith(f"1. {top1['name']}") for t in labels)
    rec.page.locator(".cm-legend-more summary").click()
    assert rec.page.locator(".cm-legend-more .cm-legend-note").inner_text().startswith("The score adds up")
    rec.page.screenshot(path=str(reports_dir / "browser_map_basemap.png"))
    # street zoom at the top place: road names drawn along the roads, on the canvas
    rec.page.evaluate(
        "(ll) => { const m = window.contextmapView.basemap._map; m.setView(ll, 16, {animate: false}); }",
        [float(top1.geometry.y), float(top1.geometry.x)])
    rec.page.wait_for_function("window.contextmapView.basemap.roadLabels > 0", timeout=5000)
    rec.page.screenshot(path=str(reports_dir / "browser_map_street.png"))
    assert [u for u in routed if not u.startswith(("file://", "data:"))] == []
    _assert_inert(rec)


def test_local_tile_folder_is_read_as_relative_files(recorded_page, views_parts, tmp_path):
    import io

    import numpy as np
    from matplotlib.image import imsave

    buf = io.BytesIO()
    imsave(buf, np.full((256, 256, 3), 0.8), format="png")
    tiles = tmp_path / "tiles"
    for z in range(10, 19):  # a few tiles per zoom round the fixture's places, enough to be asked for
        n = 2 ** z
        x0 = int((-2.9310 + 180) / 360 * n)
        lat = np.radians(54.891)
        y0 = int((1 - np.log(np.tan(lat) + 1 / np.cos(lat)) / np.pi) / 2 * n)
        for x in range(x0 - 3, x0 + 4):
            for y in range(y0 - 3, y0 + 4):
                (tiles / str(z) / str(x)).mkdir(parents=True, exist_ok=True)
                (tiles / str(z) / str(x) / f"{y}.png").write_bytes(buf.getvalue())
    out = tmp_path / "pages" / "map.html"
    out.parent.mkdir()
    m = maps.hotspot_map(views_parts, tiles=tiles)
    maps.write_map(m, out)
    html = out.read_text(encoding="utf-8")
    assert "../tiles/{z}/{x}/{y}.png" in html and str(tmp_path) not in html  # relative, portable
    rec = recorded_page
    routed = _route_everything(rec.page)
    rec.open(out)
    rec.page.wait_for_function("document.querySelectorAll('img.leaflet-tile-loaded').length > 0", timeout=5000)
    # a tile folder covers part of the world: a tile it lacks is a missing file, nothing else
    assert [e for e in rec.console_errors if "ERR_FILE_NOT_FOUND" not in e] == []
    tiles_asked = [u for u in routed if "/tiles/" in u]
    assert tiles_asked and all(u.startswith("file://") for u in routed if not u.startswith("data:"))


# --- the METCO's map at the default view: labels, legend, emerging hotspots, accessibility -------


@pytest.fixture(scope="module")
def region_sample(tmp_path_factory):
    """A 2,000-child sample (``contextmap sample --children 2000 --seed 1``), analysed."""
    from contextmap.analysis import analyze
    from contextmap.ingest import load
    from contextmap.sample import write_sample

    folder = write_sample(tmp_path_factory.mktemp("region") / "data", children=2000, seed=1)
    return folder, analyze(load(folder), seed=0, n_runs=3)


@pytest.fixture(scope="module")
def region_map(region_sample, tmp_path_factory):
    from contextmap.areas import count_by_area

    folder, an = region_sample
    m = maps.hotspot_map(an, areas=count_by_area(an, folder / "areas.gpkg"), title="Region: places of concern")
    return maps.write_map(m, tmp_path_factory.mktemp("region_map") / "map.html"), an


def _screen_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    return context, context.new_page()


def _label_boxes(page) -> list[dict]:
    """Every label on the map as the browser lays it out (text and bounding rectangle)."""
    return page.evaluate(
        "[...document.querySelectorAll('.cm-label')].filter(e => e.offsetParent !== null).map(e => {"
        " const r = e.getBoundingClientRect(); return {text: e.textContent, box: [r.left, r.top, r.right, r.bottom]}; })")


@pytest.mark.parametrize("which", ["sample", "region"])
def test_map_labels_never_overlap_at_the_default_view(browser, sample_map, region_map, which, reports_dir):
    path, an = sample_map if which == "sample" else region_map
    context, page = _screen_page(browser)
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("html[data-cm-ready='1']", state="attached", timeout=30_000)
    labels = _label_boxes(page)
    assert _overlaps(labels) == []
    ranked = [d for d in labels if d["text"].split(".")[0].isdigit()]
    top = an.hotspots[(an.hotspots["rank"] <= 10) & ~(an.hotspots.geometry.is_empty | an.hotspots.geometry.isna())]
    # every top-10 place with coordinates is named, the first-ranked one included, and readable:
    # inside the window, not under a control
    assert sorted(int(d["text"].split(".")[0]) for d in ranked) == sorted(top["rank"].astype(int))
    first = next(d for d in ranked if d["text"].startswith("1. "))
    cx, cy = (first["box"][0] + first["box"][2]) / 2, (first["box"][1] + first["box"][3]) / 2
    assert page.evaluate(f"document.elementFromPoint({cx}, {cy}).classList.contains('cm-rank-label')")
    assert all(0 <= d["box"][0] and d["box"][2] <= 1366 and 28 <= d["box"][1] and d["box"][3] <= 744 for d in labels)
    page.screenshot(path=str(reports_dir / f"browser_map_labels_{which}.png"))
    # zoomed in and out, still none overlapping
    for dz in (1, -1):
        page.evaluate(f"(() => {{ const m = window.contextmapView.places._map; m.setZoom(m.getZoom() + {dz}, {{animate: false}}); }})()")
        page.wait_for_timeout(100)
        assert _overlaps(_label_boxes(page)) == []
    context.close()


def test_map_legend_is_small_and_collapsible_and_emerging_hotspots_show(browser, sample_map, reports_dir):
    path, an = sample_map
    context, page = _screen_page(browser)
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("html[data-cm-ready='1']", state="attached", timeout=30_000)
    legend = page.locator(".cm-legend")
    box = legend.bounding_box()
    assert box["width"] * box["height"] <= 0.15 * 1366 * 768
    text = legend.inner_text()
    # the emerging classes in words, as the vocabulary says them; no statistics jargon
    assert "Hotspots over the period" in text and "Gi*" not in text and "FDR" not in text
    em = page.evaluate("window.contextmapView.emerging")
    assert em > 0
    from contextmap.vocabulary import VOCABULARY

    shown = [w for w in VOCABULARY["patterns"].values() if w in text]
    assert shown and "no pattern" not in shown
    # drawn above the places and the top places (a pane over theirs), and on at first
    z = page.evaluate("['cmPlaces', 'cmTop', 'cmEmerging'].map(p => +window.contextmapView.places._map.getPane(p).style.zIndex)")
    assert z[2] > z[1] > z[0]
    assert page.locator(".leaflet-pane.leaflet-cmEmerging-pane path").count() == em
    toggle = page.locator(".cm-legend-toggle")
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false" and not page.locator(".cm-legend-body").is_visible()
    small = legend.bounding_box()
    assert small["width"] * small["height"] < 0.01 * 1366 * 768
    toggle.click()
    assert page.locator(".cm-legend-body").is_visible()
    page.screenshot(path=str(reports_dir / "browser_map_legend.png"))
    context.close()


@pytest.mark.parametrize("which", ["sample", "region"])
def test_map_passes_axe(browser, sample_map, region_map, which):
    path, _ = sample_map if which == "sample" else region_map
    context, page = _screen_page(browser)
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("html[data-cm-ready='1']", state="attached", timeout=30_000)
    assert axe_violations(page) == []
    page.locator(".cm-rank-label").first.click()  # with a popup open too
    page.wait_for_selector(".cm-popup")
    # Leaflet fades a popup in: axe measures contrast on a half-transparent popup if it runs
    # during the fade (it did, on a loaded machine); wait until the popup is fully drawn
    page.wait_for_function("() => { const p = document.querySelector('.leaflet-popup');"
                           " return p && getComputedStyle(p).opacity === '1'; }", timeout=10_000)
    assert axe_violations(page) == []
    context.close()


# --- the network at region scale: collapsed by peer group, drill-down, search, axe --------------


@pytest.fixture(scope="module")
def region_network(region_sample, tmp_path_factory):
    _, an = region_sample
    v = network_view(an, period=an.period)
    return v, v.to_html(tmp_path_factory.mktemp("region_net") / "network.html")


def test_region_network_opens_collapsed_readable_and_drills_down(browser, region_network, reports_dir):
    v, path = region_network
    assert v.collapsed and len(v.nodes) > 5000
    n_groups = len(v.groups)
    context, page = _screen_page(browser)
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("html[data-cm-ready='1']", state="attached", timeout=30_000)
    api = "window.contextmapNetwork"
    assert page.evaluate(f"{api}.groupsCollapsed()") == n_groups
    assert page.evaluate(f"{api}.inView()") < n_groups + 200  # not 6,000 nodes
    labels = page.evaluate(f"{api}.labels()")
    assert _overlaps(labels) == []
    named = {d["group"] for d in labels if d["group"]}
    assert len(named) >= 0.6 * n_groups  # most groups named at first sight (the rest on zoom)
    assert axe_violations(page) == []
    page.screenshot(path=str(reports_dir / "browser_network_region_collapsed.png"))
    # drill down: a click on the largest group shows its members in place
    big = max(v.groups, key=lambda g: int((v.nodes["group"] == g).sum()))
    pt = page.evaluate(f"{api}.groupNodeAt({big!r})")
    box = page.locator("#cm-network").bounding_box()
    page.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])
    page.wait_for_function(f"{api}.groupsCollapsed() === {n_groups - 1}", timeout=5000)
    kids = set(v.nodes.index[(v.nodes["group"] == big)])
    labelled = {d["node"] for d in page.evaluate(f"{api}.labels()") if d["node"] is not None and d["node"] >= 0}
    assert len(kids & labelled) >= len(kids) // 2
    assert _overlaps(page.evaluate(f"{api}.labels()")) == []
    assert axe_violations(page) == []
    page.screenshot(path=str(reports_dir / "browser_network_region_expanded.png"))
    # search a child of another, collapsed group: the group opens and the match keeps its label
    other = next(g for g in v.groups if g != big)
    child = v.nodes[(v.nodes["group"] == other) & (v.nodes["kind"] == "child")].iloc[0]
    hits = v.nodes.index[v.nodes["label"].str.lower().str.contains(child["label"].lower(), regex=False)]
    page.fill("#cm-search", child["label"])
    page.press("#cm-search", "Enter")
    assert page.locator("#cm-search-count").inner_text().startswith(str(len(hits)))
    assert page.evaluate(f"{api}.groupsCollapsed()") <= n_groups - 2
    assert int(child.name) in {d["node"] for d in page.evaluate(f"{api}.labels()")}
    # and back: every group collapsed again
    page.fill("#cm-search", "")
    page.press("#cm-search", "Enter")
    page.click("#cm-fold")
    assert page.evaluate(f"{api}.groupsCollapsed()") == n_groups
    context.close()


def test_collapsed_network_keeps_hostile_names_inert(recorded_page, views_parts, tmp_path):
    v = network_view(views_parts["graph"].copy(), groups=views_parts["peer_groups"], collapsed=True)
    rec = recorded_page
    rec.open(v.to_html(tmp_path / "net.html"))
    page = rec.page
    assert rec.console_errors == [] and _only_local(rec.requests) == []
    assert page.evaluate("window.contextmapNetwork.groupsCollapsed()") == len(v.groups)
    page.fill("#cm-search", "onerror")
    page.press("#cm-search", "Enter")
    assert page.locator("#cm-search-count").inner_text() == "1 match"
    assert INJECTION_NAMES["person"] in [d["text"] for d in page.evaluate("window.contextmapNetwork.labels()")]
    _assert_inert(rec)


def test_sample_network_passes_axe(recorded_page, sample_network):
    _, path = sample_network
    rec = recorded_page
    rec.open(path)
    assert axe_violations(rec.page) == []
    rec.page.click("#cm-fold")
    assert axe_violations(rec.page) == []
