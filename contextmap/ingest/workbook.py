"""Reading an ``.xlsx`` workbook's sheets as text, with the cells that would read wrong named.

Values come from `calamine <https://github.com/tafia/calamine>`_ (a Rust reader, through the
``python-calamine`` wheel): at 10,000 episodes a month a council workbook of four sheets and
70,000 rows is read in about half a second of CPU, where openpyxl took about fifteen. What the
contract promises about cells a program would read differently from a person
(``docs/data-contract.md``, *Workbook cells*) is read from the sheet's own XML, which contextmap
opens itself:

* a **formula saved without its value** (a workbook written by a program that does not
  calculate) reads as blank, with a warning quoting the formula;
* a **merged range** gives its first cell's value to every cell of the range, with a warning;
* a date cell reads as ``YYYY-MM-DD HH:MM:SS`` (a date-only cell at midnight), a whole number as
  ``5`` (not ``5.0``), a boolean as ``TRUE`` / ``FALSE``.

A sheet whose cells span more than :data:`MAX_CELLS` (a stray cell at ``XFD1048576`` in a
sheet of ten rows, or a sheet made to exhaust memory) is refused with the cell named before any
is read: calamine, like any reader that returns a grid, would allocate every cell of the span.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import unescape

import pandas as pd

from contextmap._errors import InputReadError

__all__ = ["Workbook", "open_workbook", "read_sheet", "cell_text", "MAX_CELLS", "MAX_SHEET_XML_BYTES"]

MAX_CELLS = 20_000_000
"""The most cells a sheet's used range may span (rows x columns, from its first to its last
cell): about 100 times a region's monthly export of 100,000 episodes and 20 columns."""

MAX_SHEET_XML_BYTES = 2 << 30
"""The largest a sheet's XML may be once unzipped (2 GiB): a larger one is refused, not read."""

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d+)"')
_ROW_REF = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_EMPTY_VALUE = re.compile(rb"<v\s*/>|<v>\s*</v>")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_XML_ENTITIES = {"&quot;": '"', "&apos;": "'"}


def cell_text(v: object) -> str:
    """A cell's value as text, as the person reading the sheet sees it (blank for no value).

    Examples
    --------
    >>> [cell_text(v) for v in (None, "", 5.0, 5.5, True, dt.date(2011, 2, 3), dt.time(13, 30))]
    ['', '', '5', '5.5', 'TRUE', '2011-02-03 00:00:00', '13:30:00']
    """
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):  # a date cell: read as its midnight, as spreadsheet programs hold it
        return dt.datetime.combine(v, dt.time()).isoformat(sep=" ")
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


@dataclass
class Workbook:
    """An open ``.xlsx`` workbook: its sheet names, and each sheet's cells and XML."""

    path: Path
    label: str
    book: Any
    archive: zipfile.ZipFile
    parts: dict[str, str] = field(default_factory=dict)

    @property
    def sheetnames(self) -> list[str]:
        return list(self.book.sheet_names)

    def xml(self, title: str) -> bytes:
        """The sheet's XML part (empty when the workbook does not say where it is)."""
        part = self.parts.get(title)
        if part is None or part not in self.archive.namelist():
            return b""
        size = self.archive.getinfo(part).file_size
        if size > MAX_SHEET_XML_BYTES:
            raise InputReadError(f"{self.label}[{title}] is {size:,} bytes of XML once unzipped, more than contextmap "
                                 f"reads ({MAX_SHEET_XML_BYTES:,}): save the sheet's data in a new workbook")
        return self.archive.read(part)

    def rows(self, title: str, xml: bytes) -> list[list[Any]]:
        """The sheet's cells from A1 to its last cell, refused when they span over :data:`MAX_CELLS`."""
        refs = _CELL_REF.findall(xml)
        if refs:
            last_row = max(int(r) for _, r in refs)
            last_col = max(_col(c) for c, _ in refs) + 1
        else:  # cells without references are consecutive: a row holds at most every cell of the sheet
            rows = [int(r) for r in _ROW_REF.findall(xml)]
            last_row = max(rows, default=xml.count(b"<row"))
            last_col = xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/>")
        if last_row * last_col > MAX_CELLS:
            raise InputReadError(
                f"{self.label}[{title}] has cells spanning {last_row:,} rows and {last_col:,} columns "
                f"({last_row * last_col:,} cells), more than contextmap reads ({MAX_CELLS:,}): delete the stray "
                "cells far below or to the right of the data (or copy the data to a new sheet) and save again")
        try:
            return self.book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine's errors: XmlError, ZipError, CalamineError
            raise InputReadError(f"{self.label}[{title}] cannot be read: {exc}") from None

    def close(self) -> None:
        self.archive.close()
        self.book.close()


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding its XML, from the workbook part and its relationships."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    rels = {}
    for blob in _REL.findall(archive.read("xl/_rels/workbook.xml.rels")):
        a = dict((k.decode(), unescape(v.decode("utf-8", "replace"), _XML_ENTITIES)) for k, v in _ATTR.findall(blob))
        if "Id" in a and "Target" in a:
            target = a["Target"]
            rels[a["Id"]] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    out = {}
    for blob in _SHEET.findall(archive.read("xl/workbook.xml")):
        a = dict((k.decode(), unescape(v.decode("utf-8", "replace"), _XML_ENTITIES)) for k, v in _ATTR.findall(blob))
        rid = next((v for k, v in a.items() if k.endswith(":id")), None)
        if "name" in a and rid in rels:
            out[a["name"]] = rels[rid]
    return out


def open_workbook(path: Path, label: str) -> Workbook:
    """Open an ``.xlsx`` workbook, naming what it is when it is not one.

    Raises
    ------
    InputReadError
        If the file is password-protected, an old ``.xls``, or not a workbook.
    """
    from python_calamine import CalamineWorkbook

    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _OLE2:
        data = path.read_bytes()
        if _ENCRYPTED in data:
            raise InputReadError(
                f"{label!r} is a password-protected (encrypted) workbook, which contextmap cannot read. "
                "Open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with "
                "Password, clear it) and save it again as .xlsx."
            )
        raise InputReadError(f"{label!r} is an old Excel 97-2003 workbook (.xls), not .xlsx: save it as .xlsx")
    if head[:2] != b"PK":
        raise InputReadError(f"{label!r} cannot be read as an .xlsx workbook: it is not a zip archive (an .xlsx file is one)")
    try:
        archive = zipfile.ZipFile(path)
        parts = _sheet_parts(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputReadError(f"{label!r} cannot be read as an .xlsx workbook: {exc}") from None
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors (ZipError, XmlError, CalamineError)
        archive.close()
        raise InputReadError(f"{label!r} cannot be read as an .xlsx workbook: {exc}") from None
    return Workbook(path, label, book, archive, parts)


def read_sheet(wb: Workbook, title: str) -> tuple[list[str], pd.DataFrame, list[tuple[int, str, str, str]]]:
    """Read a worksheet as text: header, records (index: sheet row) and cell warnings."""
    xml = wb.xml(title)
    rows = [[cell_text(v) for v in row] for row in wb.rows(title, xml)]
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()  # trailing empty rows in a worksheet's used range are not records
    if not rows:
        return [], pd.DataFrame(), []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    notes: list[tuple[int, str, str, str]] = []
    header = rows[0]

    def head(c: int) -> str:
        return header[c] if c < len(header) else ""

    if b"<mergeCell" in xml:
        for m in _MERGE.finditer(xml):
            c0, r0, c1, r1 = _col(m.group(1)), int(m.group(2)), _col(m.group(3)), int(m.group(4))
            ref = m.group(0).split(b'"')[1].decode()
            if r0 > len(rows) or c0 >= width:
                continue
            value = rows[r0 - 1][c0]
            if r0 == 1:
                notes.append((1, head(c0), ref, f"merged header cells {ref}: only the first cell names a column"))
                continue
            for r in range(r0, min(r1, len(rows)) + 1):
                for c in range(c0, min(c1, width - 1) + 1):
                    rows[r - 1][c] = value
            notes.append((r0, head(c0), value,
                          f"merged cells {ref}: the value of the first cell is used for every cell of the range"))
    if b"<f" in xml:
        for m in _CELL.finditer(xml):
            inner = m.group(2) or b""
            if b"<f" not in inner:
                continue
            if b"<v>" in inner.replace(b"<v />", b"").replace(b"<v/>", b"") and not _EMPTY_VALUE.search(inner):
                continue
            cell = _REF.search(m.group(1))
            if not cell:
                continue
            c, r = _col(cell.group(1)), int(cell.group(2))
            if r <= len(rows) and c < width and rows[r - 1][c] == "":
                formula = re.search(rb"<f[^>]*>(.*?)</f>", inner, re.DOTALL)
                text = "=" + unescape(formula.group(1).decode("utf-8", "replace"), _XML_ENTITIES) if formula else "(shared formula)"
                notes.append((r, head(c), text,
                              f"formula cell {cell.group(1).decode()}{r} has no saved value, so it reads as blank: "
                              "open the workbook in Excel and save it (or paste values) to keep the result"))
    body = pd.DataFrame(rows[1:], columns=range(width), dtype=str)
    body.index = pd.RangeIndex(2, len(rows) + 1)
    return header, body, notes
