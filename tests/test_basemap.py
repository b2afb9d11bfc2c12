"""Base maps from the user's own GIS data: other systems' layer and column names, clipping, hostile names."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from contextmap._errors import ConfigError, InputNotFoundError, InputReadError
from contextmap.views import maps
from contextmap.views.basemap import basemap_payload, data_bounds, draw_basemap, read_basemap

E0, N0 = 340_000, 556_000  # British National Grid, a fictional town


def _line(dx0, dy0, dx1, dy1):
    return LineString([(E0 + dx0, N0 + dy0), (E0 + dx1, N0 + dy1)])


@pytest.fixture()
def zoomstack(tmp_path):
    """Layers named and shaped as OS Open Zoomstack's GeoPackage (names invented)."""
    f = tmp_path / "zoomstack.gpkg"
    gpd.GeoDataFrame({"name": ["Tanners Lane", None], "type": ["Local", "Minor"]},
                     geometry=[_line(0, 0, 800, 0), _line(0, 300, 800, 300)], crs=27700).to_file(f, layer="roads_local")
    gpd.GeoDataFrame({"name": ["Kestrel Way"], "type": ["A Road"]},
                     geometry=[_line(0, -400, 800, -400)], crs=27700).to_file(f, layer="roads_regional")
    gpd.GeoDataFrame({"type": ["Single Track"]}, geometry=[_line(-200, 100, 900, 600)], crs=27700).to_file(f, layer="rail")
    gpd.GeoDataFrame({"name": ["River Lenning"]}, geometry=[_line(-500, 200, 1000, 250).buffer(20)],
                     crs=27700).to_file(f, layer="surfacewater")
    gpd.GeoDataFrame({"type": ["Public Park"]}, geometry=[box(E0 + 100, N0 + 50, E0 + 300, N0 + 250)],
                     crs=27700).to_file(f, layer="greenspace")
    gpd.GeoDataFrame({"type": ["Building"]}, geometry=[box(E0 + 10, N0 + 10, E0 + 30, N0 + 25)],
                     crs=27700).to_file(f, layer="local_buildings")
    gpd.GeoDataFrame({"name": ["Far Road"]}, geometry=[_line(20_000, 0, 21_000, 0)], crs=27700).to_file(f, layer="roads_national")
    gpd.GeoDataFrame({"name": ["Somewhere"]}, geometry=[Point(E0, N0)], crs=27700).to_file(f, layer="names")
    gpd.GeoDataFrame({"name": ["Fell Park"]}, geometry=[box(E0 - 9000, N0 - 9000, E0 + 9000, N0 + 9000)],
                     crs=27700).to_file(f, layer="national_parks")  # a boundary, not green space to paint
    return f


def test_zoomstack_layers_are_sorted_by_name_and_rank(zoomstack):
    bm = read_basemap(zoomstack)
    assert bm.read["roads_local"] == ("roads", 2) and bm.read["rail"] == ("railways", 1)
    assert bm.read["surfacewater"] == ("water", 1) and bm.read["greenspace"] == ("green", 1)
    assert bm.read["local_buildings"] == ("buildings", 1)
    assert "names" in bm.skipped and "national_parks" in bm.skipped  # labels, and a park boundary
    roads = bm.layers["roads"].set_index("name", drop=False)
    assert roads.loc["Kestrel Way", "rank"] == "major" and roads.loc["Tanners Lane", "rank"] == "street"
    assert (bm.layers["roads"]["name"].isna() & (bm.layers["roads"]["rank"] == "minor")).sum() == 1


def test_clipped_to_the_data_plus_margin_and_chosen_layers(zoomstack):
    hs = gpd.GeoDataFrame({"location_id": ["L1"]}, geometry=[Point(E0 + 400, N0)], crs=27700).to_crs(4326)
    bounds = data_bounds(hs, margin_m=500)
    bm = read_basemap(zoomstack, bounds=bounds)
    assert "Far Road" not in set(bm.layers["roads"]["name"].dropna())  # 20 km away
    x0, y0, x1, y1 = bm.total_bounds()
    assert x0 >= bounds[0] - 1 and x1 <= bounds[2] + 1
    only = read_basemap(zoomstack, layers=["rail"])
    assert list(only.read) == ["rail"] and len(only.layers["roads"]) == 0
    with pytest.raises(ConfigError, match="roads_locl"):
        read_basemap(zoomstack, layers=["roads_locl"])


def test_other_crs_and_osm_style_attributes(tmp_path):
    """A WGS84 GeoJSON of OpenStreetMap-tagged lines and polygons, as GDAL reads an extract."""
    f = tmp_path / "osm.geojson"
    wgs = gpd.GeoDataFrame(
        {"highway": ["residential", "footway", None, None, None],
         "name": ["Ferngate Road", "Path", None, None, None],
         "railway": [None, None, "rail", None, None], "leisure": [None, None, None, "park", None],
         "building": [None, None, None, None, "yes"]},
        geometry=[_line(0, 0, 500, 0), _line(0, 50, 500, 50), _line(0, 100, 500, 100),
                  box(E0, N0 + 200, E0 + 100, N0 + 300), box(E0 + 200, N0 + 200, E0 + 220, N0 + 220)],
        crs=27700).to_crs(4326)
    wgs.to_file(f, driver="GeoJSON")
    bm = read_basemap(f)
    assert list(bm.layers["roads"]["name"]) == ["Ferngate Road"]  # footways are not roads
    assert len(bm.layers["railways"]) == 1 and len(bm.layers["green"]) == 1 and len(bm.layers["buildings"]) == 1
    assert bm.layers["roads"].crs.to_epsg() == 27700
    assert bm.layers["roads"].geometry.iloc[0].length == pytest.approx(500, abs=1)


def test_kinds_override_and_unknown_layers(tmp_path):
    f = tmp_path / "council.gpkg"
    gpd.GeoDataFrame({"STREET_NM": ["Wrenfield Row"]}, geometry=[_line(0, 0, 100, 0)], crs=27700).to_file(f, layer="LLPG_USRN")
    bm = read_basemap(f)
    assert "LLPG_USRN" in bm.skipped and "kinds=" in bm.skipped["LLPG_USRN"]
    bm = read_basemap(f, kinds={"LLPG_USRN": "roads"})
    assert len(bm.layers["roads"]) == 1
    with pytest.raises(ConfigError, match="'motorways'"):
        read_basemap(f, kinds={"LLPG_USRN": "motorways"})


def test_bad_files_say_what_is_wrong(tmp_path):
    with pytest.raises(InputNotFoundError, match="does not exist"):
        read_basemap(tmp_path / "nope.gpkg")
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"not a geopackage at all")
    with pytest.raises(InputReadError, match="junk.gpkg"):
        read_basemap(junk)
    nocrs = tmp_path / "roads.shp"  # a Shapefile without its .prj: metres or degrees, nobody knows
    with pytest.warns(UserWarning):  # pyogrio warns when writing it; we refuse reading it
        gpd.GeoDataFrame({"name": ["X Road"]}, geometry=[_line(0, 0, 100, 0)]).to_file(nocrs)
    with pytest.raises(InputReadError, match="coordinate reference system"):
        read_basemap(nocrs)


HOSTILE = "</script><img src=x onerror=alert(1)> $\\frac{1}{2}$ `${alert(1)}`"


def test_hostile_street_names_are_data_in_the_page_and_text_in_print(tmp_path):
    f = tmp_path / "hostile.gpkg"
    gpd.GeoDataFrame({"name": [HOSTILE]}, geometry=[_line(0, 0, 1500, 0)], crs=27700).to_file(f, layer="roads")
    bm = read_basemap(f)
    payload = basemap_payload(bm)
    assert payload["names"] == [HOSTILE]
    hs = gpd.GeoDataFrame({"location_id": ["L1"], "name": ["Park"], "score": [1.0], "rank": [1]},
                          geometry=[Point(E0 + 100, N0)], crs=27700).to_crs(4326)
    html = maps.hotspot_map(hotspots=hs, basemap=bm).get_root().render()
    assert HOSTILE not in html and "<img src=x" not in html
    assert html.count("</script>") == html.count("<script")
    raw = re.search(r'<script type="application/json" id="[^"]+_data">(.*?)</script>', html, re.S).group(1)
    assert json.loads(raw)["basemap"]["names"] == [HOSTILE]
    # printed: the name is drawn as plain text, never as mathtext
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.set_xlim(E0 - 100, E0 + 1600)
    ax.set_ylim(N0 - 500, N0 + 500)
    assert draw_basemap(ax, bm, extent=(E0 - 100, N0 - 500, E0 + 1600, N0 + 500), label_size=3) == 1
    texts = [t for t in ax.texts if t.get_text() == HOSTILE]
    assert texts and all(not t._parse_math for t in texts)
    fig.savefig(tmp_path / "x.svg")  # mathtext would fail on \\frac inside $...$ with `${`


def test_payload_levels_and_vertex_budget(zoomstack):
    bm = read_basemap(zoomstack)
    p = basemap_payload(bm)
    assert [lv["z"] for lv in p["levels"]] == [0, 13]
    assert "buildings" not in p["levels"][0] and "buildings" in p["levels"][1]
    assert {f["r"] for f in p["levels"][0]["roads"]} == {1, 2}  # minor roads only from zoom 13
    assert {f["r"] for f in p["levels"][1]["roads"]} == {0, 1, 2}
    with pytest.raises(ConfigError, match="vertices"):
        basemap_payload(bm, max_vertices=3)


def test_payload_round_trips_coordinates_and_marks_lines(zoomstack):
    """Delta-decoding the page's integers gives back the vertices (to 1e-5 degrees)."""
    import numpy as np
    from pyproj import Transformer

    p = basemap_payload(read_basemap(zoomstack))
    hi = p["levels"][1]
    road = next(f for f in hi["roads"] if p["names"][f.get("n", -1)] == "Tanners Lane")
    xy = np.cumsum(np.asarray(road["p"][0]).reshape(-1, 2), axis=0) / 1e5 + np.asarray(p["origin"])
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform([E0, E0 + 800], [N0, N0])
    assert np.allclose(xy[[0, -1]], np.column_stack([lon, lat]), atol=2e-5)
    assert all("l" not in f for f in hi["water"])  # a river polygon is filled
    assert {f["r"] for f in hi["roads"]} == {0, 1, 2}
