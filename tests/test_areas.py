"""Counts per area from the user's own boundaries (ONS-style columns, hostile and broken files)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from _analysis_data import two_groups_dataset
from pyproj import Transformer
from shapely.geometry import Point, box

from contextmap._errors import ConfigError, InputReadError
from contextmap.analysis import analyze
from contextmap.areas import areas_summary, count_by_area, read_areas


@pytest.fixture(scope="module")
def analysed():
    return analyze(two_groups_dataset(), seed=0)


def _bng(lat: float, lon: float) -> tuple[float, float]:
    return Transformer.from_crs(4326, 27700, always_xy=True).transform(lon, lat)


@pytest.fixture()
def wards_file(tmp_path):
    """Three wards as ONS publishes them (WD24CD/WD24NM), in WGS84: A holds the park and the
    shop, B the far station, C nothing."""
    x1, y1 = _bng(54.8910, -2.9310)
    x3, y3 = _bng(54.9500, -2.8000)
    polys = [box(x1 - 600, y1 - 600, x1 + 600, y1 + 600), box(x3 - 300, y3 - 300, x3 + 300, y3 + 300),
             box(x1 + 5000, y1, x1 + 6000, y1 + 1000)]
    f = tmp_path / "wards.gpkg"
    gpd.GeoDataFrame({"WD24CD": ["E05000001", "E05000002", "E05000003"],
                      "WD24NM": ["Ashby Vale", "Kestrel <b>Moor</b>", "Empty Fields"], "BNG_E": [1, 2, 3]},
                     geometry=polys, crs=27700).to_crs(4326).to_file(f, layer="wards")
    return f


def test_ons_columns_are_found_and_counts_are_right(analysed, wards_file):
    ar = read_areas(wards_file)
    assert list(ar["area_id"]) == ["E05000001", "E05000002", "E05000003"]
    assert ar.crs.to_epsg() == 27700
    c = count_by_area(analysed, ar).set_index("area_id")
    # Ward A: episodes E1, E2 (found at the park), E4, E5 (the shop); children C1-C6 seen there
    assert c.loc["E05000001", ["episodes", "children", "hotspots"]].tolist() == [4, 6, 2]
    # Ward B: C1's absent episode ended at the far station
    assert c.loc["E05000002", ["episodes", "children", "hotspots"]].tolist() == [1, 1, 1]
    assert c.loc["E05000003", ["episodes", "children", "hotspots", "persons"]].tolist() == [0, 0, 0, 0]
    s = areas_summary(count_by_area(analysed, ar))
    assert s[0] == {"area_id": "E05000001", "name": "Ashby Vale", "episodes": 4, "children": 6, "hotspots": 2}
    assert [set(d) for d in s] == [{"area_id", "name", "episodes", "children", "hotspots"}] * 3


def test_persons_of_concern_seen_in_an_area(analysed, wards_file, tmp_path):
    from _analysis_data import make_dataset, two_groups

    t = two_groups()
    t["links"].append({"link_id": "K90", "source_id": "P1", "target_id": "L1", "relation": "frequents",
                       "observed_on": "2024-06-05", "source_type": "police", "grading": "1B P"})
    an = analyze(make_dataset(**t), seed=0)
    c = count_by_area(an, wards_file).set_index("area_id")
    assert c.loc["E05000001", "persons"] == 1 and c.loc["E05000002", "persons"] == 0


def test_names_and_ids_chosen_by_hand_and_numbered(tmp_path):
    f = tmp_path / "beats.geojson"
    gpd.GeoDataFrame({"BEAT": ["North beat", "South beat"]},
                     geometry=[box(0, 0, 10, 10), box(0, 10, 10, 20)], crs=27700).to_file(f, driver="GeoJSON")
    ar = read_areas(f)  # "beat" is a name column police use
    assert list(ar["area_id"]) == ["A01", "A02"] and list(ar["name"]) == ["North beat", "South beat"]
    with pytest.raises(ConfigError, match="'nope'"):
        read_areas(f, name_column="nope")


def test_broken_areas_files_name_row_column_and_value(tmp_path):
    f = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame({"name": ["Ward One", "", "Ward Three"], "code": ["W1", "W2", "W1"]},
                     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), Point(5, 5)], crs=27700).to_file(f)
    with pytest.raises(InputReadError) as info:
        read_areas(f)
    msg = str(info.value)
    assert "row 2: column 'name' is empty" in msg and "row 3: geometry is Point" in msg and "bad.gpkg" in msg
    g = tmp_path / "dup.gpkg"
    gpd.GeoDataFrame({"name": ["A", "B"], "code": ["W1", "W1"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
                     crs=27700).to_file(g)
    with pytest.raises(InputReadError, match="'W1' repeats"):
        read_areas(g)
    h = tmp_path / "nonames.gpkg"
    gpd.GeoDataFrame({"fid_2": [1]}, geometry=[box(0, 0, 1, 1)], crs=27700).to_file(h)
    with pytest.raises(InputReadError, match="name column"):
        read_areas(h)


def test_analysis_area_counts_and_write_put_areas_in_summary_json(analysed, wards_file, tmp_path):
    import json

    counts = analysed.area_counts(wards_file)
    assert counts.set_index("area_id").loc["E05000001", "episodes"] == 4
    paths = analysed.write(tmp_path / "out", areas=counts)
    summary = json.loads(paths["summary.json"].read_text(encoding="utf-8"))
    assert summary["areas"][1] == {"area_id": "E05000002", "name": "Kestrel <b>Moor</b>", "episodes": 1,
                                   "children": 1, "hotspots": 1}
    assert (tmp_path / "out" / "areas.csv").read_text(encoding="utf-8").splitlines()[0] == \
        "area_id,name,episodes,children,hotspots,persons"
    plain = json.loads(analysed.write(tmp_path / "plain")["summary.json"].read_text(encoding="utf-8"))
    assert "areas" not in plain and not (tmp_path / "plain" / "areas.csv").exists()


def test_analyze_command_counts_by_area(wards_file, tmp_path):
    import json

    from _analysis_data import two_groups
    from typer.testing import CliRunner

    from contextmap.cli import app

    data = tmp_path / "data"
    data.mkdir()
    for table, rows in two_groups().items():
        gpd.pd.DataFrame(rows).to_csv(data / f"{table}.csv", index=False)
    out = tmp_path / "out"
    runner = CliRunner()

    def flat(text: str) -> str:  # the terminal may wrap long lines anywhere
        return "".join(text.split())

    r = runner.invoke(app, ["analyze", str(data), "--out", str(out), "--areas", str(wards_file)])
    assert r.exit_code == 0, r.output
    assert flat("3 areas counted; most episodes: Ashby Vale (4)") in flat(r.output)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [a["episodes"] for a in summary["areas"]] == [4, 1, 0]
    bad = runner.invoke(app, ["analyze", str(data), "--out", str(tmp_path / "o2"), "--areas", str(tmp_path / "nope.gpkg")])
    assert bad.exit_code == 2 and "nope.gpkg" in flat(bad.output)
    assert not (tmp_path / "o2").exists()
