"""Ingest: reading, parsing, validation, quarantine and referential cascades."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer

import contextmap
from contextmap import InputNotFoundError, InputReadError, OutputExistsError
from contextmap.ingest.checks import CONTENT_KEY
from contextmap.ingest.read import write_quarantine

AS_OF = "2026-01-01"

BASE = {
    "children": (
        "child_id,name,date_of_birth,gender,ce_risk,placement,home_location_id\n"
        "C1,Ada Brindle,12/03/2011,female,High,Foster,L1\n"
        "C2,Bo Carrow,2010-07-01,male,low,out of area,\n"
    ),
    "persons": "person_id,name,aliases\nP1,Tam Quill,Big T; TJ\n",
    "locations": (
        "location_id,name,category,latitude,longitude,easting,northing,postcode\n"
        "L1,1 Elm Row,address,54.89,-2.93,,,ca11aa\n"
        "L2,Station,transport,,,340000,555000,\n"
    ),
    "episodes": (
        "episode_id,child_id,reported_at,returned_at,classification,found_location_id,rhi_at,rhi_outcome\n"
        "E1,C1,23/11/2025 14:05,2025-11-24T09:00,missing,L2,2025-11-25 10:00:00,completed\n"
        "E2,C2,2025-06-01,,absent,,,\n"
    ),
    "links": (
        "link_id,source_id,target_id,relation,observed_on,episode_id,source_type,grading,summary\n"
        "K1,C1,P1,seen_with,23/11/2025,E1,rhi,1A P,seen together\n"
        ",C1,L2,visited,2025-11-23,,police,2c c,\n"
    ),
}


def write(tmp_path: Path, **changes: str | None) -> Path:
    """Write BASE (with table texts replaced or, when None, removed) as CSV files."""
    d = tmp_path / "data"
    d.mkdir(exist_ok=True)
    for name, text in {**BASE, **changes}.items():
        if text is not None:
            (d / f"{name}.csv").write_text(text, encoding="utf-8")
    return d


def add_row(table: str, row: str) -> str:
    return BASE[table] + row + "\n"


def load(d: Path, **kw) -> contextmap.Dataset:
    return contextmap.load(d, as_of=AS_OF, **kw)


def assert_invariant(ds: contextmap.Dataset) -> None:
    c = ds.report.counts
    assert (c["read"] == c["accepted"] + c["quarantined"] + c["duplicates"]).all()
    for name in c.index:
        assert len(ds.table(name)) == c.loc[name, "accepted"] + c.loc[name, "provisional"]
        assert len(ds.report.provenance[name]) == len(ds.table(name))
        assert len(ds.quarantine[name]) == c.loc[name, "quarantined"]


def test_clean_dataset_loads_in_contract_form(tmp_path):
    ds = load(write(tmp_path))
    assert ds.report.is_clean, ds.report.errors
    assert_invariant(ds)
    assert ds.children["ce_risk"].tolist() == ["high", "low"]
    assert ds.children["placement"].tolist() == ["foster", "out_of_area"]
    assert ds.children["date_of_birth"].iloc[0] == pd.Timestamp("2011-03-12")
    assert ds.persons["aliases"].iloc[0] == "Big T; TJ"
    e1 = ds.episodes.iloc[0]
    assert e1["reported_at"] == pd.Timestamp("2025-11-23 14:05")
    assert pd.isna(ds.episodes["returned_at"].iloc[1])
    assert str(ds.episodes["child_id"].dtype) == "string"
    assert isinstance(ds.locations, gpd.GeoDataFrame) and ds.locations.crs.to_epsg() == 4326
    assert ds.locations["postcode"].iloc[0] == "CA1 1AA"
    links = ds.links
    assert links["link_id"].iloc[0] == "K1"
    assert CONTENT_KEY.match(links["link_id"].iloc[1])  # no id given: a key made of the link's content
    assert links["grading"].tolist() == ["1A P", "2C C"]
    assert links["source_kind"].tolist() == ["child", "child"]
    assert links["target_kind"].tolist() == ["person", "location"]
    assert links["grading_original"].tolist() == ["1A P", "2c c"]
    assert list(links.columns[-7:]) == list(contextmap.schema.LINKS.derived)


def test_bng_is_converted_with_pyproj_and_wgs84_gets_easting(tmp_path):
    ds = load(write(tmp_path))
    station = ds.locations.set_index("location_id").loc["L2"]
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(340000, 555000)
    assert station["latitude"] == pytest.approx(lat, abs=1e-9)
    assert station["longitude"] == pytest.approx(lon, abs=1e-9)
    assert 54.85 < station["latitude"] < 54.93 and -2.99 < station["longitude"] < -2.89  # Carlisle
    assert station.geometry.x == pytest.approx(lon) and station.geometry.y == pytest.approx(lat)
    home = ds.locations.set_index("location_id").loc["L1"]
    e, n = Transformer.from_crs(4326, 27700, always_xy=True).transform(-2.93, 54.89)
    assert home["easting"] == pytest.approx(e) and home["northing"] == pytest.approx(n)


def test_location_without_coordinates_has_empty_point(tmp_path):
    d = write(tmp_path, locations=add_row("locations", "L3,Somewhere,park,,,,,"))
    ds = load(d)
    row = ds.locations.set_index("location_id").loc["L3"]
    assert row.geometry.is_empty and pd.isna(row["latitude"])


def problem(ds, table, column):
    p = ds.report.problems
    return p[(p["table"] == table) & (p["column"] == column)]


# Every problem: (table, changes to BASE, problem column, reason fragment, row, severity). An error
# quarantines the row; a bad optional value is a warning: the field is blanked and the row kept.
CASES = {
    "missing required": ("children", {"children": add_row("children", ",No Id,,,,,")}, "child_id", "missing required value", 4, "error"),
    "unknown category": ("locations", {"locations": add_row("locations", "L3,X,nightclub,,,,,")}, "category", "unknown category value", 4, "warning"),
    "unknown enum": ("children", {"children": add_row("children", "C3,X,,female,severe,,")}, "ce_risk", "unknown ce_risk", 4, "warning"),
    "bad date format": ("children", {"children": add_row("children", "C3,X,March 2011,,,,")}, "date_of_birth", "not a recognised date", 4, "warning"),
    "impossible date": ("children", {"children": add_row("children", "C3,X,31/02/2011,,,,")}, "date_of_birth", "impossible date", 4, "warning"),
    "impossible month": ("children", {"children": add_row("children", "C3,X,13/13/2011,,,,")}, "date_of_birth", "impossible date", 4, "warning"),
    "two-digit year": ("children", {"children": add_row("children", "C3,X,12/03/11,,,,")}, "date_of_birth", "two-digit year", 4, "warning"),
    "future date": ("episodes", {"episodes": add_row("episodes", "E3,C1,2026-03-01,,,,,")}, "reported_at", "in the future", 4, "error"),
    "returned before reported": ("episodes", {"episodes": add_row("episodes", "E3,C1,2025-03-02,2025-03-01,,,,")}, "returned_at", "returned before", 4, "error"),
    "rhi before return": ("episodes", {"episodes": add_row("episodes", "E3,C1,2025-03-01,2025-03-02,,,2025-03-01 12:00,")}, "rhi_at", "before the return", 4, "warning"),
    "unknown child": ("episodes", {"episodes": add_row("episodes", "E3,C9,2025-03-01,,,,,")}, "child_id", "refers to an unknown child", 4, "error"),
    "unknown found location": ("episodes", {"episodes": add_row("episodes", "E3,C1,2025-03-01,,,L9,,")}, "found_location_id", "refers to an unknown location", 4, "warning"),
    "unknown home location": ("children", {"children": add_row("children", "C3,X,,,,,L9")}, "home_location_id", "refers to an unknown location", 4, "warning"),
    "duplicate id": ("persons", {"persons": add_row("persons", "P1,Other,")}, "person_id", "duplicate id", 2, "error"),
    "id across tables": ("persons", {"persons": add_row("persons", "C2,Other,")}, "person_id", "id also used in children", 3, "error"),
    "link unknown entity": ("links", {"links": add_row("links", "K3,C1,Z9,seen_with,2025-01-01,,,,")}, "target_id", "refers to an unknown entity", 4, "error"),
    "link unknown episode": ("links", {"links": add_row("links", "K3,C1,P1,seen_with,2025-01-01,E9,,,")}, "episode_id", "refers to an unknown episode", 4, "warning"),
    "link missing date": ("links", {"links": add_row("links", "K3,C1,P1,seen_with,,,,,")}, "observed_on", "missing required value", 4, "error"),
    "invalid grading": ("links", {"links": add_row("links", "K3,C1,P1,seen_with,2025-01-01,,,4F X,")}, "grading", "not a valid 3x5x2 grading", 4, "error"),
    "5x5x5 code undeclared": ("links", {"links": add_row("links", "K3,C1,P1,seen_with,2025-01-01,,,B24,")}, "grading", "a 5x5x5 code", 4, "error"),
    "outside GB and NI": ("locations", {"locations": add_row("locations", "L3,Paris,other,48.86,2.35,,,")}, "latitude", "outside Great Britain", 4, "warning"),
    "outside GB via BNG": ("locations", {"locations": add_row("locations", "L3,Sea,other,,,900000,100000,")}, "easting", "outside Great Britain", 4, "warning"),
    "half a pair": ("locations", {"locations": add_row("locations", "L3,X,other,54.9,,,,")}, "longitude", "latitude given without longitude", 4, "warning"),
    "not a number": ("locations", {"locations": add_row("locations", "L3,X,other,54.9,west,,,")}, "longitude", "not a number", 4, "warning"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_problem_reason(tmp_path, case):
    table, changes, column, fragment, row, severity = CASES[case]
    ds = load(write(tmp_path, **changes))
    assert_invariant(ds)
    found = problem(ds, table, column)
    found = found[found["reason"].str.contains(fragment, regex=False)]
    assert len(found) >= 1, ds.report.problems.to_string()
    assert row in found["row"].tolist()
    assert (found["severity"] == severity).all()
    q = ds.quarantine[table]
    if severity == "error":
        assert row in q["_row"].tolist()
        assert fragment in q.set_index("_row").loc[row, "_reasons"]
        assert not ds.report.is_clean
    else:  # kept, the bad field blanked, the value as written in the report
        assert row not in q["_row"].tolist()
        assert "row kept" in found["reason"].iloc[0]
        kept = ds.table(table).iloc[-1]
        if column in kept.index:
            assert pd.isna(kept[column]), kept
        assert found["value"].iloc[0] not in ("", None)


def test_swapped_coordinates_get_a_hint(tmp_path):
    ds = load(write(tmp_path, locations=add_row("locations", "L3,X,other,-2.93,54.89,,,")))
    assert "look swapped" in problem(ds, "locations", "latitude")["reason"].iloc[0]


def test_problem_names_file_row_column_and_original_value(tmp_path):
    ds = load(write(tmp_path, children=add_row("children", "C3,X, 31/02/2011 ,,severe,,")))
    p = problem(ds, "children", "date_of_birth").iloc[0]
    assert (p["file"], p["row"], p["value"], p["severity"]) == ("children.csv", 4, " 31/02/2011 ", "warning")
    ds = load(write(tmp_path, children=add_row("children", ",X, 31/02/2011 ,,,,")))
    q = ds.quarantine["children"].iloc[0]
    assert q["date_of_birth"] == " 31/02/2011 " and q["_file"] == "children.csv"  # original text kept


def test_duplicates_quarantine_every_copy(tmp_path):
    ds = load(write(tmp_path, persons=add_row("persons", "P1,Other,")))
    assert len(ds.persons) == 0
    assert ds.quarantine["persons"]["_row"].tolist() == [2, 3]


def test_ids_across_entity_tables_quarantine_both_sides(tmp_path):
    ds = load(write(tmp_path, persons=add_row("persons", "L1,Other,")))
    assert "L1" not in ds.locations["location_id"].tolist()
    assert ds.persons["person_id"].tolist() == ["P1"]
    # no cascade through an optional reference: C1 lives at L1, so C1 loses its home (with a
    # warning) but is kept, and so are its episode and links
    w = problem(ds, "children", "home_location_id")
    assert w["severity"].tolist() == ["warning"] and "refers to a location that was quarantined" in w["reason"].iloc[0]
    assert pd.isna(ds.children.set_index("child_id").loc["C1", "home_location_id"])
    assert "E1" in ds.episodes["episode_id"].tolist()
    assert len(ds.links) == 2
    # a required reference does cascade, saying why
    ds = load(write(tmp_path, persons=add_row("persons", "C1,Other,")))
    assert "E1" not in ds.episodes["episode_id"].tolist()
    assert "refers to a child that was quarantined" in problem(ds, "episodes", "child_id")["reason"].iloc[0]
    assert_invariant(ds)


def test_unknown_relation_is_kept_with_a_warning(tmp_path):
    ds = load(write(tmp_path, links=add_row("links", "K3,C1,P1,Drives For,2025-01-01,,,,")))
    assert ds.report.is_clean
    assert ds.links.set_index("link_id").loc["K3", "relation"] == "drives_for"
    w = problem(ds, "links", "relation")
    assert (w["severity"] == "warning").all() and 4 in w["row"].tolist()


def test_relation_with_wrong_endpoint_kinds_is_a_warning(tmp_path):
    ds = load(write(tmp_path, links=add_row("links", "K3,C1,C2,visited,2025-01-01,,,,")))
    assert ds.report.is_clean
    assert "without exactly one location" in problem(ds, "links", "relation")["reason"].iloc[0]


def test_blank_link_id_colliding_with_given_id_is_a_duplicate(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    key = load(write(tmp_path / "a")).links["link_id"].iloc[1]
    ds = load(write(tmp_path / "b", links=add_row("links", f"{key},C1,P1,seen_with,2025-01-01,,,,")))
    assert sorted(ds.quarantine["links"]["_row"]) == [3, 4]


def test_grading_from_three_columns_and_5x5x5(tmp_path):
    text = (
        "source_id,target_id,relation,observed_on,source_evaluation,intelligence_assessment,handling_code\n"
        "C1,P1,associate,2025-01-01,B,2,4\n"
        "C1,P1,associate,2025-01-01,E,5,1\n"
        "C1,P1,associate,2025-01-01,B,,\n"
    )
    ds = load(write(tmp_path, links=text), grading_scheme="5x5x5")
    assert ds.grading_scheme == "5x5x5"
    assert ds.links["grading"].tolist() == ["1A C", "2E P"]
    assert ds.links["grading_scheme"].tolist() == ["5x5x5", "5x5x5"]
    assert "incomplete grading" in ds.quarantine["links"]["_reasons"].iloc[0]


def test_blank_rows_are_skipped_and_row_numbers_kept(tmp_path):
    d = write(tmp_path, children=BASE["children"] + "\n , ,\n" + "C3,X,31/02/2011,,,,\n")
    ds = load(d)
    assert ds.report.counts.loc["children", "read"] == 3
    assert problem(ds, "children", "date_of_birth")["row"].tolist() == [6]
    assert "blank rows skipped" in " ".join(ds.report.warnings["reason"])


def test_optional_tables_absent_are_empty_with_warning(tmp_path):
    ds = load(write(tmp_path, persons=None, links=None))
    persons = contextmap.schema.PERSONS
    assert len(ds.persons) == 0 and list(ds.persons.columns) == [*persons.column_names, *persons.derived]
    assert len(ds.links) == 0 and "source_kind" in ds.links
    w = ds.report.warnings
    assert set(w.loc[w["reason"].str.contains("table not found"), "table"]) == {"persons", "links"}
    assert ds.report.is_clean


def test_unknown_columns_are_dropped_with_warning_and_headers_normalised(tmp_path):
    text = "Child ID,NHS Number\nC1,123\nC2,456\n"
    ds = load(write(tmp_path, children=text))
    assert "NHS Number" not in ds.children.columns and "nhs_number" not in ds.children.columns
    assert "NHS Number" in ds.report.warnings["column"].tolist()
    assert ds.children["child_id"].tolist() == ["C1", "C2"]


def test_utf8_bom_is_accepted(tmp_path):
    d = write(tmp_path)
    (d / "persons.csv").write_bytes(b"\xef\xbb\xbf" + BASE["persons"].replace("Tam", "Tám").encode())
    ds = load(d)
    assert ds.persons["name"].iloc[0] == "Tám Quill"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (BASE["persons"].replace("Tam", "T\xe1m").encode("latin-1"), "byte offset"),
        (b"\x00\x01\x02binary", "binary"),
        (b"", "empty"),
        (b'person_id,name\nP1,x\nP2,"unterminated at the end of the file', "cut short"),
        (b'person_id,name\nP1,x\nP2', "cut short"),
        (b'"person_id,name\nP1,x\n', "header row opens a quote"),
    ],
)
def test_unreadable_file_is_one_clear_error(tmp_path, content, fragment):
    d = write(tmp_path)
    (d / "persons.csv").write_bytes(content)
    with pytest.raises(InputReadError, match=fragment) as info:
        load(d)
    assert "persons.csv" in str(info.value)


def test_latin1_error_names_the_offset(tmp_path):
    d = write(tmp_path)
    raw = BASE["persons"].replace("Tam", "T\xe1m").encode("latin-1")
    (d / "persons.csv").write_bytes(raw)
    offset = raw.index(b"\xe1")
    with pytest.raises(InputReadError, match=f"offset {offset}"):
        load(d)


def test_missing_required_table_and_column(tmp_path):
    with pytest.raises(InputReadError, match="episodes.csv"):
        load(write(tmp_path, episodes=None))
    d = write(tmp_path, episodes=BASE["episodes"].replace("child_id", "kid"))
    with pytest.raises(InputReadError, match="'child_id'"):
        load(d)


def test_missing_path_and_wrong_file_type(tmp_path):
    with pytest.raises(InputNotFoundError):
        contextmap.load(tmp_path / "nope")
    f = tmp_path / "data.csv"
    f.write_text("a\n")
    with pytest.raises(InputReadError, match="folder of CSV files, an .xlsx workbook or a sources manifest"):
        contextmap.load(f)
    x = tmp_path / "fake.xlsx"
    x.write_text("not a zip")
    with pytest.raises(InputReadError, match="cannot be read as an .xlsx"):
        contextmap.load(x)


def test_write_quarantine_writes_every_table_and_refuses_overwrite(tmp_path):
    ds = load(write(tmp_path, persons=add_row("persons", "P1,Other,")))
    paths = write_quarantine(ds, tmp_path / "out")
    assert set(paths) == {"problems", *contextmap.schema.TABLE_NAMES}
    persons = pd.read_csv(paths["persons"], dtype=str, encoding="utf-8-sig")
    assert persons["_row"].tolist() == ["2", "3"] and "duplicate id" in persons["_reasons"].iloc[0]
    assert pd.read_csv(paths["children"]).empty
    problems = pd.read_csv(paths["problems"], encoding="utf-8-sig")
    assert list(problems.columns) == list(contextmap.dataset.PROBLEM_COLUMNS)
    with pytest.raises(OutputExistsError):
        write_quarantine(ds, tmp_path / "out")
    write_quarantine(ds.report, tmp_path / "out", overwrite=True)


def test_content_hash_changes_with_content(tmp_path):
    a = load(write(tmp_path))
    b = load(write(tmp_path, persons=add_row("persons", "P2,Other,")))
    assert a.content_hash != b.content_hash and len(a.content_hash) == 64


def test_write_quarantine_neutralises_spreadsheet_formulas(tmp_path):
    # quarantined rows quote raw input: a cell starting '=' must not run when opened in Excel
    ds = load(write(tmp_path, persons=add_row("persons", 'P1,=HYPERLINK("http://x.example"),')))
    paths = write_quarantine(ds, tmp_path / "out")
    persons = pd.read_csv(paths["persons"], dtype=str, encoding="utf-8-sig")
    assert "'=HYPERLINK(\"http://x.example\")" in persons["name"].tolist()
    assert not persons["name"].dropna().str.startswith("=").any()


def test_load_names_a_bad_as_of(tmp_path):
    d = write(tmp_path)
    with pytest.raises(ValueError, match=r"as_of.*'banana'"):
        contextmap.load(d, as_of="banana")
