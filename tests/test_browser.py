"""The views in a real browser (Debian chromium through playwright).

Each test opens a written page from ``file://``, waits for the view to say it is ready and
asserts: no console errors, the expected layers/markers, no request leaving ``file://`` (with
tiles off), and hostile names inert (no dialog, no injected element, text shown literally).
Screenshots go to ``reports/`` for a human to look at.
"""

from __future__ import annotations

import pytest
from conftest import INJECTION_NAMES

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
    view = rec.page.evaluate("window.contextmapView")
    assert view["n"] == 3 and view["top"] == 3
    overlays = view["overlays"]
    assert overlays["Locations: park"] == 1 and overlays["Locations: shop"] == 1
    assert overlays["Spatial clusters"] == 1 and overlays["Density surface"] >= 2
    assert "Peer group PG1 (3 children)" in overlays
    labels = rec.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert len(labels) == len(overlays)
    # 3 location markers + 3 top-hotspot markers + 1 cluster outline; peer groups start off
    paths = rec.page.locator("path.leaflet-interactive")
    assert paths.count() == 3 + 3 + 1
    pg1 = overlays["Peer group PG1 (3 children)"]  # places PG1's children were seen
    rec.page.locator(".leaflet-control-layers-overlays label", has_text="Peer group PG1").click()
    assert paths.count() == 7 + pg1 and pg1 == 2  # L1 and L3
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
    assert "Distinct children" in text and "Grading mix" in text
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
    view = rec.page.evaluate("window.contextmapView")
    assert view["clustered"] is True and view["overlays"]["Locations: park"] == 1000
    assert rec.page.locator(".marker-cluster").count() > 0  # clustered, not 3000 markers
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
