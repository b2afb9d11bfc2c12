"""Ingest from one .xlsx workbook (built here with openpyxl; no workbook is committed)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import Workbook

import contextmap
from contextmap import InputReadError


def build(path, sheets: dict[str, list[list[object]]]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


SHEETS = {
    "Children": [
        ["child_id", "name", "date_of_birth", "ce_risk"],
        [101, "Ada Brindle", dt.datetime(2011, 3, 12), "medium"],  # numeric id, real date cell
        ["C2", "Bo Carrow", "12/03/11", "low"],  # two-digit year: an error, not a guess
    ],
    "episodes": [
        ["episode_id", "child_id", "reported_at", "returned_at"],
        ["E1", 101, dt.datetime(2025, 11, 23, 14, 5), "24/11/2025 09:00"],
        ["E2", "C2", dt.datetime(2025, 11, 24, 10, 0), None],
        [None, None, None, None],
    ],
    "locations": [
        ["location_id", "category", "easting", "northing"],
        ["L1", "park", 340000, 555000.0],
    ],
}


def test_workbook_loads_with_real_datetime_cells(tmp_path):
    p = tmp_path / "export.xlsx"
    build(p, SHEETS)
    ds = contextmap.load(p, as_of="2026-01-01")
    assert ds.children["child_id"].tolist() == ["101", "C2"]  # not '101.0'
    assert ds.children["date_of_birth"].iloc[0] == pd.Timestamp("2011-03-12")
    assert pd.isna(ds.children["date_of_birth"].iloc[1])  # two-digit year: blanked, child kept
    e = ds.episodes.set_index("episode_id")
    assert e.loc["E1", "reported_at"] == pd.Timestamp("2025-11-23 14:05")
    assert e.loc["E1", "returned_at"] == pd.Timestamp("2025-11-24 09:00")
    assert "E2" in e.index  # its child was kept
    assert 54.8 < ds.locations["latitude"].iloc[0] < 55.0
    warnings = ds.report.warnings
    two = warnings[warnings["column"] == "date_of_birth"].iloc[0]
    assert two["file"] == "export.xlsx[Children]" and two["row"] == 3 and "two-digit year" in two["reason"]
    assert two["value"] == "12/03/11"
    assert ds.report.counts.loc["episodes", "read"] == 2  # trailing empty row is not a record


def test_missing_sheet_names_the_sheets_found(tmp_path):
    p = tmp_path / "export.xlsx"
    build(p, {"Kids": SHEETS["Children"], "episodes": SHEETS["episodes"]})
    with pytest.raises(InputReadError, match=r"no sheet 'children'.*Kids"):
        contextmap.load(p)


def test_mapping_names_sheets(tmp_path):
    p = tmp_path / "export.xlsx"
    build(p, {"Kids": SHEETS["Children"], "Missing": SHEETS["episodes"]})
    m = contextmap.ingest.columns.Mapping.from_dict(
        {"tables": {"children": {"sheet": "Kids"}, "episodes": {"sheet": "Missing"}}}
    )
    ds = contextmap.load(p, mapping=m, as_of="2026-01-01")
    assert ds.children["child_id"].tolist() == ["101", "C2"]
    assert ds.report.counts.loc["episodes", "accepted"] == 2


def _with_cell_at(src, dst, ref: str) -> None:
    """Copy workbook ``src`` to ``dst`` with the first sheet's last cell moved to ``ref``
    (a stray cell far from the data, as a slip of the keyboard or a hostile file leaves)."""
    import re
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                last = re.findall(rb'<c r="([A-Z]+\d+)"', data)[-1]
                data = data.replace(b'<c r="' + last + b'"', b'<c r="' + ref.encode() + b'"')
            zout.writestr(info, data)


def test_a_stray_cell_far_from_the_data_is_streamed_not_held_as_a_grid(tmp_path, monkeypatch):
    # a cell at XFD1048576 makes a sheet of three rows span 17 billion cells: calamine, which
    # returns a grid, would try to hold every one (it aborts the process); such a sheet is
    # streamed row by row instead, and the stray value kept in a column of its own
    from contextmap.ingest import workbook
    from contextmap.ingest.workbook import open_workbook, read_sheet

    build(tmp_path / "ok.xlsx", SHEETS)
    _with_cell_at(tmp_path / "ok.xlsx", tmp_path / "book.xlsx", "XFD1048576")
    gridded = []
    real_grid = workbook._grid_rows
    monkeypatch.setattr(workbook, "_grid_rows", lambda wb, title: gridded.append(title) or real_grid(wb, title))
    wb = open_workbook(tmp_path / "book.xlsx", "book.xlsx")
    try:
        header, body, notes = read_sheet(wb, "Children")
        assert read_sheet(wb, "episodes")[1].shape == (2, 4)  # a sheet of ordinary size: calamine
    finally:
        wb.close()
    assert gridded == ["episodes"]
    assert header == ["child_id", "name", "date_of_birth", "ce_risk", ""]
    assert body.index.tolist() == [2, 3] and body.loc[3].tolist() == ["C2", "Bo Carrow", "12/03/11", "", "low"]
    ds = contextmap.load(tmp_path / "book.xlsx")
    assert ds.report.counts.loc["children", "read"] == 2


def test_workbook_cells_read_as_a_person_reads_them(tmp_path):
    from contextmap.ingest.workbook import open_workbook, read_sheet

    build(tmp_path / "b.xlsx", {"s": [["a", "b", "c", "d", "e"],
                                      [dt.datetime(2011, 3, 12), dt.date(2011, 3, 13), 5, 5.5, True],
                                      [dt.time(13, 30), "=1+1", None, "Zo\u00eb", False]]})
    wb = open_workbook(tmp_path / "b.xlsx", "b.xlsx")
    try:
        header, body, notes = read_sheet(wb, "s")
    finally:
        wb.close()
    assert header == ["a", "b", "c", "d", "e"]
    assert body.loc[2].tolist() == ["2011-03-12 00:00:00", "2011-03-13 00:00:00", "5", "5.5", "TRUE"]
    assert body.loc[3].tolist() == ["13:30:00", "", "", "Zo\u00eb", "FALSE"]
    assert [(r, c, v) for r, c, v, _ in notes] == [(3, "b", "=1+1")]  # a formula saved without its value
