"""Hotspot maps: what the page holds, what it must never hold, and how it is written."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from conftest import CHILD_NAME, INJECTION_NAMES
from shapely.geometry import Point

from contextmap._errors import ConfigError, OutputExistsError
from contextmap.views import maps
from contextmap.views.html import json_for_script
from contextmap.views.places import decode_columns


def _html(m) -> str:
    return m.get_root().render()


def _payload(html: str) -> dict:
    raw = re.search(r'<script type="application/json" id="[^"]+_data">(.*?)</script>', html, re.S)
    assert raw, "payload element missing"
    return json.loads(raw.group(1))


def _tiny(n: int = 3) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"location_id": [f"L{i}" for i in range(n)], "name": [f"Place {i}" for i in range(n)],
         "category": ["park", "shop", "park"][:n], "rank": list(range(1, n + 1)),
         "score": [3.0, 2.0, 1.0][:n], "episodes": [4, 2, 1][:n], "children": [3, 2, 1][:n]},
        geometry=[Point(-1.5 + i * 0.01, 52.4) for i in range(n)], crs=4326)


def test_json_for_script_cannot_close_script_or_break_js():
    text = json_for_script({"a": "</script><!-- \u2028 & `${x}` \\"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- \u2028 & `${x}` \\"}


def test_map_from_real_analyses_has_layers_and_popup_fields(views_parts):
    m = maps.hotspot_map(views_parts, title="Area A", audience="police")
    data = _payload(_html(m))
    loc = decode_columns(data["loc"])
    assert loc["rank"] == [1, 2, 3]  # places come in rank order
    assert data["categories"] == ["park", "shop", "transport"]
    i = loc["name"].index(INJECTION_NAMES["place"])  # L1, Elm Park in the fixture
    assert loc["ep"][i] == 2 and loc["ch"][i] == 3
    # why it ranks: the counts behind the score (in words on the page), never the score itself
    assert loc["poc"][i] == 1 and loc["withPoc"][i] >= 1
    assert "score" not in data["loc"] and all(set(c) == {"color", "word"} for c in data["classes"])
    assert loc["first"][i] == "2024-06-02"
    assert "known directly or corroborated" in loc["grading"][i] and "1A P" not in loc["grading"][i]
    assert [data["persons"][k] for k in loc["persons"][i]] == [INJECTION_NAMES["person"]]
    assert [g["id"] for g in data["groups"]] == ["PG1", "PG2"]
    assert {g["size"] for g in data["groups"]} == {3}
    # PG1's children were seen at L1 (3 of them) and one of them found at L3
    pg1 = {loc["name"][j]: kids for j, kids in data["groups"][0]["locs"]}
    assert pg1[INJECTION_NAMES["place"]] == 3
    assert len(data["clusters"]) == 1 and data["clusters"][0]["n"] == 2 and "score" not in data["clusters"][0]
    assert len(data["density"]) >= 2  # nested contour bands, from the metre grid
    assert data["meta"]["audience"] == "police" and data["meta"]["period"].startswith("01 Jan 2024")


def test_map_never_writes_child_names_or_ids(views_parts):
    html = _html(maps.hotspot_map(views_parts))
    assert CHILD_NAME not in html
    data = _payload(html)
    blob = json.dumps(data)
    for cid in ("C1", "C2", "C4"):
        assert f'"{cid}"' not in blob


def test_hostile_names_are_escaped_in_the_page(views_parts):
    html = _html(maps.hotspot_map(views_parts))
    for name in INJECTION_NAMES.values():
        assert name not in html  # only its escaped form is written
    assert "<img src=x" not in html
    assert html.count("</script>") == html.count("<script")  # nothing closes a script early
    assert INJECTION_NAMES["place"] in decode_columns(_payload(html)["loc"])["name"]


def test_title_is_escaped_in_head():
    html = _html(maps.hotspot_map(hotspots=_tiny(), title="<b>Area</b>"))
    assert "<title>&lt;b&gt;Area&lt;/b&gt;</title>" in html


def test_page_declares_its_language_and_lets_people_zoom():
    html = _html(maps.hotspot_map(hotspots=_tiny()))
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    viewport = re.search(r'<meta name="viewport" content="([^"]+)"', html).group(1)
    assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport
    assert "width=device-width" in viewport


def test_no_cdn_and_no_url_fetch_with_tiles_off():
    html = _html(maps.hotspot_map(hotspots=_tiny()))
    assert not re.search(r'<(script|link|img)[^>]+(src|href)=', html)
    for host in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "unpkg"):
        assert host not in html
    assert "tile.openstreetmap" not in html and "L.tileLayer(" not in html
    assert "url(images/" not in html  # Leaflet's images are inlined as data URIs


def test_tiles_osm_and_url_template():
    assert "tile.openstreetmap.org" in _html(maps.hotspot_map(hotspots=_tiny(), tiles="osm"))
    url = "https://tiles.example.internal/{z}/{x}/{y}.png"
    assert "tiles.example.internal" in _html(maps.hotspot_map(hotspots=_tiny(), tiles=url))
    with pytest.raises(ConfigError, match="tiles"):
        maps.hotspot_map(hotspots=_tiny(), tiles="javascript:alert(1)")


def test_clustering_switches_on_for_many_locations():
    n = maps.CLUSTER_THRESHOLD + 1
    hs = gpd.GeoDataFrame({"location_id": [f"L{i}" for i in range(n)], "score": range(n)},
                          geometry=[Point(-1.5 + (i % 50) * 1e-3, 52.4 + (i // 50) * 1e-3) for i in range(n)],
                          crs=4326)
    html = _html(maps.hotspot_map(hotspots=hs))
    assert _payload(html)["meta"]["cluster"] is True
    assert "Data does not appear to be in a KDBush format" in html  # supercluster inlined only when needed
    assert "KDBush format" not in _html(maps.hotspot_map(hotspots=_tiny()))


def test_vendored_supercluster_is_verified_by_hash_for_the_privacy_scan():
    import hashlib

    from contextmap.privacy.scan import mask_vendored, vendored_digests
    from contextmap.views.html import asset_text

    js = asset_text("supercluster.min.js")
    assert hashlib.sha256(js.encode("utf-8")).hexdigest() in vendored_digests()
    n = maps.CLUSTER_THRESHOLD + 1
    hs = gpd.GeoDataFrame({"location_id": [f"L{i}" for i in range(n)], "score": range(n)},
                          geometry=[Point(-1.5 + (i % 50) * 1e-3, 52.4 + (i // 50) * 1e-3) for i in range(n)], crs=4326)
    masked, count = mask_vendored(_html(maps.hotspot_map(hotspots=hs)))
    assert count == 2 and "KDBush" not in masked  # Leaflet and supercluster: skipped, verified


def test_score_classes_and_missing_coordinates():
    hs = _tiny()
    hs.loc[2, "geometry"] = Point()  # no coordinates: not drawable, left out
    data = maps.map_payload(hotspots=hs)
    assert data["meta"]["n"] == 2 and data["meta"]["ranked"] == 3  # ranked, but not drawn
    assert data["loc"]["cls"][0] == len(maps.SCORE_COLOURS) - 1  # highest score, top class


def test_projected_hotspots_are_reprojected():
    hs = _tiny().to_crs(27700)
    data = maps.map_payload(hotspots=hs)
    assert decode_columns(data["loc"])["lat"][0] == pytest.approx(52.4, abs=1e-4)


def test_requires_hotspots():
    with pytest.raises(ConfigError, match="hotspots"):
        maps.hotspot_map({"graph": None})


def test_write_map_refuses_to_overwrite(tmp_path):
    m = maps.hotspot_map(hotspots=_tiny())
    out = maps.write_map(m, tmp_path / "m.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(OutputExistsError, match="m.html"):
        maps.write_map(m, out)
    maps.write_map(m, out, overwrite=True)


def test_notebook_repr_is_an_isolated_iframe():
    hs = _tiny()
    hs.loc[0, "name"] = INJECTION_NAMES["person"]
    rep = maps.hotspot_map(hotspots=hs)._repr_html_()
    assert rep.count("<iframe") == 1 and "srcdoc=" in rep
    assert "<script" not in rep  # everything is inside the attribute, escaped


def test_persons_given_as_a_count():
    hs = _tiny()
    hs["persons"] = [2, 0, pd.NA]
    data = maps.map_payload(hotspots=hs)
    assert data["loc"]["npersons"][:2] == [2, 0] and data["persons"] == []


def test_wms_and_tile_folder_and_refusals(tmp_path):
    html = _html(maps.hotspot_map(hotspots=_tiny(), tiles="wms:https://gis.example.internal/wms?LAYERS=base&format=image/png"))
    assert "gis.example.internal/wms" in html and '"layers": "base"' in html
    with pytest.raises(ConfigError, match="layers=NAME"):
        maps.hotspot_map(hotspots=_tiny(), tiles="wms:https://gis.example.internal/wms")
    empty = tmp_path / "tiles"
    empty.mkdir()
    with pytest.raises(ConfigError, match="Z/X/Y"):
        maps.hotspot_map(hotspots=_tiny(), tiles=empty)


def test_payload_marks_new_places_labels_and_areas():
    from shapely.geometry import box

    hs = _tiny()
    areas = gpd.GeoDataFrame({"area_id": ["W1"], "name": ["Ashby <i>Vale</i>"], "episodes": [7], "children": [3],
                              "hotspots": [2], "persons": [1]},
                             geometry=[box(-1.51, 52.39, -1.47, 52.41)], crs=4326)
    data = maps.map_payload(hotspots=hs, new_ids=["L1"], areas=areas, label_top=2)
    assert data["loc"]["new"] == [1]  # the places new since the last pack, by position
    assert data["meta"]["labelTop"] == 2 and "persons of concern" in data["meta"]["scoreText"]
    a = data["areas"][0]
    assert (a["name"], a["ep"], a["ch"], a["hot"], a["poc"]) == ("Ashby <i>Vale</i>", 7, 3, 2, 1)
    html = _html(maps.hotspot_map(hotspots=hs, areas=areas))
    assert "<i>Vale</i>" not in html  # only as escaped JSON data


def test_map_and_payload_take_the_same_keywords_with_the_same_defaults(views_parts):
    import inspect

    # one declaration: the keywords hotspot_map passes on are exactly those map_payload reads
    assert set(maps.MapOptions.__annotations__) == set(maps.MAP_DEFAULTS)
    for f in (maps.hotspot_map, maps.map_payload):
        assert set(maps.MAP_DEFAULTS) <= set(inspect.signature(f).parameters)  # listed one by one
        with pytest.raises(TypeError, match=rf"{f.__name__}\(\) got an unexpected keyword argument 'tile'"):
            f(views_parts, tile="osm")
    # the defaults reach the page (title, audience, marking, top N, labels)
    meta = _payload(_html(maps.hotspot_map(hotspots=_tiny())))["meta"]
    assert (meta["title"], meta["audience"], meta["marking"], meta["topN"], meta["labelTop"]) == (
        "Locations of concern", "internal", "OFFICIAL-SENSITIVE", 25, 10)
    # and every keyword given to the map reaches its payload as map_payload draws it
    kw = {"title": "Area B", "audience": "police", "marking": "OFFICIAL", "top_n": 2, "label_top": 1,
          "max_persons": 0, "density_levels": 3, "new_ids": ["L1"]}
    page = _payload(_html(maps.hotspot_map(views_parts, **kw)))
    direct = maps.map_payload(views_parts, **kw)
    assert direct.pop("basemap") is None  # the page leaves out a missing base map
    assert page == json.loads(json_for_script(direct))
    assert page["meta"]["title"] == "Area B" and page["meta"]["topN"] == 2 and page["meta"]["labelTop"] == 1
    persons = page["loc"]["persons"]
    assert any(persons) and all(p == [] or p == [p[0]] and p[0] < 0 for p in persons)  # counted, not listed
    names = decode_columns(page["loc"])["name"]
    assert [names[j] for j in page["loc"]["new"]] == [INJECTION_NAMES["place"]]  # L1


def test_map_functions_list_every_option_in_their_signature():
    import inspect

    from contextmap.views.maps import MAP_DEFAULTS, hotspot_map, map_payload

    for fn in (hotspot_map, map_payload):
        params = inspect.signature(fn).parameters
        assert "options" not in params
        assert {k: params[k].default for k in MAP_DEFAULTS} == MAP_DEFAULTS
        assert params["top_n"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(hotspot_map).parameters)[:3] == ["analysis", "tiles", "attribution"]
