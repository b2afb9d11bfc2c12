"""The faults real exports have: each named, none hidden, nothing lost.

Workbooks are built here with openpyxl (and encrypted with msoffcrypto-tool); no real
extract is ever committed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

import contextmap
from contextmap import ConfigError, InputReadError
from contextmap.cli import app
from contextmap.dates import parse_date_option, period_bounds
from contextmap.ingest.coordinates import parse_grid_references
from contextmap.ingest.mentions import split_people

AS_OF = "2026-01-01"
EPISODES = "episode_id,child_id,reported_at\nE1,C1,2025-11-23\n"


def folder(tmp_path: Path, **files: str | bytes) -> Path:
    d = tmp_path / "data"
    d.mkdir(exist_ok=True)
    files = {"episodes.csv": EPISODES, **files}
    for name, text in files.items():
        (d / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return d


def book(path: Path, sheets: dict[str, list[list[object]]], *, merge: dict[str, list[str]] | None = None) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for ref in (merge or {}).get(name, []):
            ws.merge_cells(ref)
    wb.save(path)
    return path


EPISODE_SHEET = [["episode_id", "child_id", "reported_at"], ["E1", "C1", "2025-11-23"]]


# --- rows -------------------------------------------------------------------------------


def test_row_with_data_only_in_unknown_columns_is_counted_and_reported(tmp_path):
    d = folder(tmp_path, **{"children.csv": "child_id,name,Case Notes\nC1,Ada,\n,,called twice\n , ,\n"})
    ds = contextmap.load(d, as_of=AS_OF)
    c = ds.report.counts.loc["children"]
    assert (c["read"], c["accepted"], c["quarantined"]) == (2, 1, 1)  # the truly blank row is skipped
    q = ds.quarantine["children"]
    assert q["_row"].tolist() == [3] and "only in columns outside the data contract" in q["_reasons"].iloc[0]
    err = ds.report.errors
    assert err["value"].tolist() == ["Case Notes: called twice"]  # one reason, not also "missing"


def test_row_numbers_after_a_quoted_multiline_cell(tmp_path):
    text = 'child_id,name,date_of_birth\nC1,"Ada\nBrindle (two lines)",2011-01-01\nC2,Bo,31/02/2011\n'
    ds = contextmap.load(folder(tmp_path, **{"children.csv": text}), as_of=AS_OF)
    w = ds.report.warnings
    assert w.loc[w["column"] == "date_of_birth", "row"].tolist() == [3]  # Excel's row 3, file line 4
    assert ds.children.set_index("child_id").loc["C1", "name"] == "Ada\nBrindle (two lines)"


def test_a_stray_quote_costs_its_own_row_only(tmp_path):
    text = 'child_id,name\nC1,"Ada"\nC2,"Bo\nline two"\nC3,"Cy\nC4,Di\nC5,"Ed, Fay"\n'
    ds = contextmap.load(folder(tmp_path, **{"children.csv": text}), as_of=AS_OF)
    assert ds.children["child_id"].tolist() == ["C1", "C2", "C4", "C5"]  # the quoted line break is kept
    assert ds.children.set_index("child_id").loc["C5", "name"] == "Ed, Fay"
    q = ds.quarantine["children"]
    assert q[["_row", "child_id", "name"]].values.tolist() == [[4, "C3", '"Cy']]
    err = ds.report.errors
    assert err[["row", "column", "value"]].values.tolist() == [[4, "name", '"Cy']]
    assert "stray quote" in err["reason"].iloc[0]
    prov = ds.report.provenance["children"]
    assert prov["row"].tolist() == [2, 3, 5, 6]  # the rows after it keep their numbers


def test_a_piece_of_a_cell_a_stray_quote_ran_over_is_not_taken_for_a_row(tmp_path):
    # a quoted line break in a row one cell short: the record does not read whole, so each of
    # its lines is set aside; the piece "line two" must not become a child called 'line two"'
    text = 'child_id,name,date_of_birth\nC1,"Ada\nline two"\nC2,Bo,2011-01-01\n'
    ds = contextmap.load(folder(tmp_path, **{"children.csv": text}), as_of=AS_OF)
    assert ds.children["child_id"].tolist() == ["C2"]
    q = ds.quarantine["children"]
    assert q["_row"].tolist() == [2, 3]
    assert "follows the stray quote of row 2 and has 1 cell, not the 3" in q["_reasons"].iloc[1]


def test_a_file_cut_short_inside_a_quote_is_refused_naming_the_row(tmp_path):
    text = 'child_id,name\nC1,"Ada"\nC2,"Bo\nline two"\nC3,"Cy'
    with pytest.raises(InputReadError, match=r"children\.csv.*cut short.*row 4, from line 5 of the file"):
        contextmap.load(folder(tmp_path, **{"children.csv": text}), as_of=AS_OF)


def test_a_row_with_more_cells_than_the_header_is_set_aside_alone(tmp_path):
    text = "child_id,name\nC1,Ada,\nC2,Smith, Bo\nC3,Cy\n"
    ds = contextmap.load(folder(tmp_path, **{"children.csv": text}), as_of=AS_OF)
    assert ds.children["child_id"].tolist() == ["C1", "C3"]  # a trailing blank cell is ignored
    q = ds.quarantine["children"]
    assert q[["_row", "name"]].values.tolist() == [[3, "Smith, Bo"]]
    assert "has 3 cells but the header names 2" in ds.report.errors["reason"].iloc[0]


def test_exact_duplicate_kept_once_conflicting_rows_quarantined(tmp_path):
    text = "child_id,name\nC1,Ada\nC1,Ada\nC2,Bo\nC2,Bob\n C1 ,Ada \n"
    ds = contextmap.load(folder(tmp_path, **{"children.csv": text}), as_of=AS_OF)
    c = ds.report.counts.loc["children"]
    assert (c["read"], c["accepted"], c["quarantined"], c["duplicates"]) == (5, 1, 2, 2)
    assert ds.children["child_id"].tolist() == ["C1"]
    assert sorted(ds.quarantine["children"]["_row"]) == [4, 5]
    w = ds.report.warnings
    assert w.loc[w["reason"].str.contains("exact copy"), "row"].tolist() == [3, 6]  # spacing ignored


# --- workbooks --------------------------------------------------------------------------


def test_formula_cell_without_saved_value_is_warned(tmp_path):
    p = book(tmp_path / "b.xlsx", {"children": [["child_id", "name"], ["C1", "Ada"], ["C2", "=A3&\" x\""]],
                                   "episodes": EPISODE_SHEET})
    ds = contextmap.load(p, as_of=AS_OF)
    w = ds.report.warnings
    hit = w[w["reason"].str.contains("formula cell B3 has no saved value")]
    assert hit[["file", "row", "column", "value"]].values.tolist() == [["b.xlsx[children]", 3, "name", '=A3&" x"']]


def test_merged_cells_are_filled_and_warned(tmp_path):
    rows = [["episode_id", "child_id", "reported_at"], ["E1", "C1", "2025-11-23"], ["E2", None, "2025-11-24"],
            ["E3", None, "2025-11-25"]]
    p = book(tmp_path / "b.xlsx", {"children": [["child_id"], ["C1"]], "episodes": rows}, merge={"episodes": ["B2:B4"]})
    ds = contextmap.load(p, as_of=AS_OF)
    assert ds.episodes["child_id"].tolist() == ["C1", "C1", "C1"]
    w = ds.report.warnings
    hit = w[w["reason"].str.contains("merged cells B2:B4")]
    assert hit[["row", "column", "value"]].values.tolist() == [[2, "child_id", "C1"]]


def test_password_protected_workbook_is_named_as_such(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = book(tmp_path / "plain.xlsx", {"children": [["child_id"], ["C1"]], "episodes": EPISODE_SHEET})
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as f, locked.open("wb") as out:
        OOXMLFile(f).encrypt("s3cret", out)
    with pytest.raises(InputReadError, match="password-protected") as info:
        contextmap.load(locked)
    assert "zip" not in str(info.value)


def test_old_xls_renamed_xlsx_is_named(tmp_path):
    p = tmp_path / "old.xlsx"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(InputReadError, match=r"Excel 97-2003 workbook \(\.xls\)"):
        contextmap.load(p)


def test_sheet_names_colliding_after_trimming_are_refused(tmp_path):
    forty = [["child_id"]] + [[f"C{i}"] for i in range(40)]
    p = book(tmp_path / "b.xlsx", {"children": forty, "children ": [["child_id"], ["X"]], "episodes": EPISODE_SHEET})
    with pytest.raises(InputReadError, match=r"several sheets named 'children'.*\['children', 'children '\]"):
        contextmap.load(p)


def test_csv_names_colliding_by_case_are_refused(tmp_path):
    d = folder(tmp_path, **{"children.csv": "child_id\nC1\n", "Children.csv": "child_id\nC2\n"})
    with pytest.raises(InputReadError, match="several files named 'children.csv'"):
        contextmap.load(d)


def test_mapping_file_names_outside_the_folder_and_dangling_links(tmp_path):
    d = folder(tmp_path, **{"children.csv": "child_id\nC1\n"})
    (tmp_path / "secret.csv").write_text("child_id\nX\n")
    m = contextmap.ingest.columns.Mapping.from_dict({"tables": {"children": {"file": "../secret.csv"}}})
    with pytest.raises(InputReadError, match="outside the folder"):
        contextmap.load(d, mapping=m)
    (d / "persons.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(InputReadError, match=r"persons\.csv.*symbolic link.*does not exist"):
        contextmap.load(d)


# --- coordinates ------------------------------------------------------------------------


def test_grid_references_match_published_conversions():
    # Ordnance Survey's own examples: Ben Nevis summit NN 16667 71285; a 6- and 8-digit form
    e, n, why = parse_grid_references(pd.Series(["NN 16667 71285", "nn1666771285", "NN 1666 7128", "NY401567",
                                                 "TQ 30 80", "IZ 12345 67890", "NN 166 7128", "12345 67890"]))
    assert e.tolist()[:4] == [216667, 216667, 216660, 340100]
    assert n.tolist()[:4] == [771285, 771285, 771280, 556700]
    assert why.notna().tolist() == [False, False, False, False, True, True, True, True]


def test_grid_reference_column_fills_coordinates(tmp_path):
    locs = "location_id,name,grid_reference\nL1,Station,NY 40123 56789\nL2,Typo,NY 4012 5678 9\n"
    ds = contextmap.load(folder(tmp_path, **{"children.csv": "child_id\nC1\n", "locations.csv": locs}), as_of=AS_OF)
    lo = ds.locations.set_index("location_id")
    assert (lo.loc["L1", "easting"], lo.loc["L1", "northing"]) == (340123, 556789)
    assert 54.8 < lo.loc["L1", "latitude"] < 55.0
    assert pd.isna(lo.loc["L2", "latitude"])  # kept, without a point
    w = ds.report.warnings
    assert w.loc[w["column"] == "grid_reference", "row"].tolist() == [3]


LOCS = ("location_id,name,easting,northing\n" + "".join(f"L{i},Place {i},{340000 + 300 * i},{555000 + 200 * i}\n"
                                                       for i in range(6)) + "L9,Lay-by,39123,556000\n")


def test_mistyped_easting_is_caught_without_and_with_area_settings(tmp_path):
    d = folder(tmp_path, **{"children.csv": "child_id\nC1\n", "locations.csv": LOCS})
    ds = contextmap.load(d, as_of=AS_OF)
    w = ds.report.warnings
    far = w[w["reason"].str.contains("km from the middle")]
    assert far[["file", "row", "column", "value"]].values.tolist() == [["locations.csv", 8, "easting", "39123, 556000"]]
    assert "L9" in ds.locations["location_id"].tolist()
    cfg = contextmap.Settings.from_dict({"ingest": {"area_bounds": [-3.2, 54.7, -2.6, 55.1], "area_buffer_km": 5}})
    ds = contextmap.load(d, as_of=AS_OF, settings=cfg)
    w = ds.report.warnings
    assert w.loc[w["reason"].str.contains("outside the area in settings"), "row"].tolist() == [8]
    with pytest.raises(ConfigError, match="area_bounds"):
        contextmap.Settings.from_dict({"ingest": {"area_bounds": [1, 2, 0, 3]}})


# --- names and free text ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "names", "described", "unsplit"),
    [
        ("Paige & Jayden S & Dwayne", "Paige; Jayden S; Dwayne", "", False),
        ("no one", "", "no one", False),
        ("Nobody", "", "Nobody", False),
        ("didn't say", "", "didn't say", False),
        ("a friend", "", "a friend", False),
        ("mum", "", "mum", False),
        ("my boyfriend", "", "my boyfriend", False),
        ("unknown", "", "unknown", False),
        ("an older lad called Jordan", "Jordan", "an older lad called Jordan", False),
        ("Big T, Tyler's cousin and Kacey", "Big T; Tyler's cousin; Kacey", "", False),
        ("Leah; with Corey", "Leah; Corey", "", False),
        ("I went to town then we went to the park because it was late", "", "I went to town then we went to the park because it was late", True),
    ],
)
def test_rhi_free_text(cell, names, described, unsplit):
    n, d, bad = split_people(pd.Series([cell]))
    assert (n.iloc[0], d.iloc[0], bool(bad.iloc[0])) == (names, described, unsplit)


def test_unsplittable_rhi_text_is_a_warning_never_a_person(tmp_path):
    eps = EPISODES.replace("reported_at\n", "reported_at,people_mentioned\n").replace("2025-11-23\n", '2025-11-23,"we was all out then i went home with the older ones from the estate"\n')
    ds = contextmap.load(folder(tmp_path, **{"children.csv": "child_id\nC1\n", "episodes.csv": eps}), as_of=AS_OF)
    assert pd.isna(ds.episodes["people_mentioned"].iloc[0])
    w = ds.report.warnings
    assert "cannot be split into names" in w.loc[w["column"] == "people_mentioned", "reason"].iloc[0]
    out = contextmap.resolve_dataset(ds)
    assert len(out.persons) == 0


def test_link_names_with_date_of_birth_choose_between_namesakes(tmp_path):
    kids = "child_id,name,date_of_birth\nC1,Sam Lowther,01/02/2010\nC2,Sam Lowther,05/06/2011\n"
    links = ("source_name,source_dob,target_name,relation,observed_on\n"
             "Sam Lowther,05/06/2011,SAM  LOWTHER,seen_with,2025-01-01\n")
    ds = contextmap.load(folder(tmp_path, **{"children.csv": kids, "links.csv": links}), as_of=AS_OF)
    li = ds.links.iloc[0]
    assert li["source_id"] == "C2"  # the date of birth decides
    assert li["target_id"].startswith("prov-p-")  # two namesakes, no date of birth: provisional, not a guess
    w = ds.report.warnings
    assert "matches 2 records" in w.loc[w["column"] == "target_name", "reason"].iloc[0]


def test_link_without_id_or_name_is_still_quarantined(tmp_path):
    links = "source_id,target_name,relation,observed_on\nC1,,seen_with,2025-01-01\n"
    ds = contextmap.load(folder(tmp_path, **{"children.csv": "child_id\nC1\n", "links.csv": links}), as_of=AS_OF)
    assert "target_id: missing required value" in ds.quarantine["links"]["_reasons"].iloc[0]


# --- command-line dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01/11/2026", "2026-11-01"), ("13/11/2026", "2026-11-13"), ("2026-11-01", "2026-11-01"),
     ("1.11.2026", "2026-11-01"), ("01/11/2026 09:30", "2026-11-01 09:30")],
)
def test_date_options_read_day_first(text, expected):
    assert parse_date_option(text, name="--from") == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["11/23/2026", "01/11/26", "31/02/2026", "November 2026", "", "2026-13-01"])
def test_bad_date_options_are_clear_errors(text):
    with pytest.raises(ConfigError, match=r"--from.*day first"):
        parse_date_option(text, name="--from")


def test_period_bounds_use_the_contract_reading():
    assert period_bounds(None, start="01/11/2026", end="30/11/2026") == (pd.Timestamp("2026-11-01"), pd.Timestamp("2026-11-30"))


def test_cli_from_is_day_first_and_bad_dates_exit_2(tmp_path):
    from contextmap.sample.generate import write_sample

    d = tmp_path / "sample"
    write_sample(d, children=20, seed=3, end="2026-10-31")
    runner = CliRunner(env={"COLUMNS": "200"})
    r = runner.invoke(app, ["analyze", str(d), "--out", str(tmp_path / "a"), "--from", "01/10/2026",
                            "--to", "31/10/2026", "--no-resolve"])
    assert r.exit_code == 0, r.output
    assert "Period 2026-10-01 to 2026-10-31" in r.output
    r = runner.invoke(app, ["analyze", str(d), "--out", str(tmp_path / "b"), "--from", "10/31/2026"])
    assert r.exit_code == 2 and "--from" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["validate", str(d), "--as-of", "01/11/26"])
    assert r.exit_code == 2 and "two-digit year" in r.output



def test_a_month_first_column_is_named_and_its_doubtful_dates_flagged(tmp_path):
    """A US-style export: 03/14/1996 reads only month-first (blanked, named as such); 02/04/2001
    reads both ways, so in that file it is kept as read (2 April) with a warning; another
    agency's file whose dates read day-first is not doubted."""
    (tmp_path / "children.csv").write_text("child_id\nC1\n")
    (tmp_path / "episodes.csv").write_text("episode_id,child_id,reported_at\n")
    (tmp_path / "us.csv").write_text("person_id,date_of_birth\nN1,03/14/1996\nN2,02/04/2001\nN3,05/05/2001\n")
    (tmp_path / "uk.csv").write_text("person_id,date_of_birth\nN4,02/04/2001\nN5,25/12/1990\n")
    m = tmp_path / "sources.yaml"
    m.write_text("sources:\n  - {file: children.csv, table: children}\n  - {file: episodes.csv, table: episodes}\n"
                 "  - {file: us.csv, table: persons}\n  - {file: uk.csv, table: persons}\n")
    ds = contextmap.load(m, as_of="2026-12-01")
    w = ds.report.warnings.set_index(["file", "row"])
    assert w.loc[("us.csv", 2), "reason"].startswith("reads as month-first (US): 14 March 1996?")
    assert w.loc[("us.csv", 3), "reason"].startswith("read day-first as 2 April 2001, but other dates")
    assert ("us.csv", 4) not in w.index  # 05/05 reads the same both ways
    assert not any(f == "uk.csv" for f, _ in w.index)
    dob = ds.persons.set_index("person_id")["date_of_birth"]
    assert pd.isna(dob["N1"]) and dob["N2"] == pd.Timestamp("2001-04-02") and dob["N4"] == pd.Timestamp("2001-04-02")
