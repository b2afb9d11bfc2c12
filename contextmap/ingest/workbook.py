"""Reading an ``.xlsx`` sheet as text, trusting only the cells it really holds.

Values come from `calamine <https://github.com/tafia/calamine>`_ (a Rust reader, through the
``python-calamine`` wheel): a council workbook of four sheets and 70,000 rows is read in about
half a second of CPU, where openpyxl took about fifteen. Calamine returns a grid from ``A1`` to
the sheet's last cell, so before it is asked the sheet's XML is surveyed by streaming it in
chunks (never the whole part in memory):

* a sheet whose cells span more than :data:`MAX_CELLS` (a styled cell at ``XFD1048576`` in a
  sheet of ten rows, or a sheet made to exhaust memory) is read instead by streaming it row by
  row with openpyxl, which stores only the cells that hold something;
* a sheet's claimed size (``<dimension ref="A1:XFD1048576"/>``) is never believed.

Either way what comes back follows the data, never the claimed size:

* each row is cut after its last non-blank cell, and columns that hold nothing (no header,
  no value) are dropped;
* a run of more than :data:`MAX_EMPTY_ROWS` empty rows is skipped without being stored, and
  said in one warning; rows after it keep their numbers;
* a workbook that unpacks to more than 256 MiB and more than 200 times its own size is
  refused (a zip bomb; exports unpack to 5-20 times);
* a **merged range** gives its first cell's value to every cell of the range that holds data,
  with a warning;
* a **formula saved without its value** reads as blank, with a warning quoting it; a formula
  that reads **another workbook** (``[1]Sheet1!A1``) is a warning naming the cell and that
  workbook: its value is used only as saved in this one (it may be out of date), and said so;
* a date cell reads as ``YYYY-MM-DD HH:MM:SS`` (a date-only cell at midnight), a whole number
  as ``5`` (not ``5.0``), a boolean as ``TRUE`` / ``FALSE``.

contextmap never calculates a formula or opens a linked workbook.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError, XMLPullParser
from xml.sax.saxutils import unescape

import pandas as pd

from contextmap._errors import InputReadError

__all__ = ["Workbook", "open_workbook", "read_sheet", "cell_text", "column_letters", "MAX_CELLS",
           "MAX_EMPTY_ROWS", "MAX_UNPACKED", "MAX_RATIO"]

MAX_CELLS = 20_000_000
"""The most cells a sheet's used range may span (rows x columns, from ``A1`` to its last cell)
to be read by calamine, which holds the whole grid; a larger span is streamed row by row."""

MAX_EMPTY_ROWS = 1000
"""Empty rows in a row stored as blank rows; a longer run is skipped (and said)."""

MAX_UNPACKED = 256 << 20
"""A workbook unpacking to more than this (256 MiB) and ..."""
MAX_RATIO = 200
"""... more than this many times its own size is refused (a zip bomb)."""

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_REF = re.compile(r"^([A-Z]+)(\d+)$")
_EXTERNAL = re.compile(r"\[([^\[\]]+)\][^!\[\]]*!")  # [1]Sheet1!A1, '[other.xlsx]Sheet1'!A1
_CHUNK = 1 << 20
_TARGET = re.compile(rb'Target="([^"]*)"')
_WANTED = re.compile(rb"<(?:\w+:)?(?:f|mergeCell)\b")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_XML_ENTITIES = {"&quot;": '"', "&apos;": "'"}

Note = tuple[int | None, str, str, str]


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


def _col(letters: str | bytes) -> int:
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def column_letters(c: int) -> str:
    """The spreadsheet letters of 0-based column ``c``.

    Examples
    --------
    >>> column_letters(0), column_letters(27), column_letters(16383)
    ('A', 'AB', 'XFD')
    """
    out = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass
class Workbook:
    """An open ``.xlsx`` workbook: its sheet names, each sheet's XML part, and the other
    workbooks its formulas may read."""

    path: Path
    label: str
    book: Any
    archive: zipfile.ZipFile
    parts: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)

    @property
    def sheetnames(self) -> list[str]:
        return list(self.book.sheet_names)

    def open_part(self, title: str) -> IO[bytes] | None:
        """The sheet's XML part, opened for streaming (``None`` when the workbook does not say
        where it is)."""
        part = self.parts.get(title)
        if part is None or part not in self.archive.namelist():
            return None
        return self.archive.open(part)

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


def _external_links(archive: zipfile.ZipFile) -> dict[str, str]:
    """``{'1': 'other.xlsx'}``: the other workbooks this one's formulas may read (the file name
    only, never the folder, which may hold a user name)."""
    out: dict[str, str] = {}
    for name in archive.namelist():
        m = re.fullmatch(r"xl/externalLinks/_rels/externalLink(\d+)\.xml\.rels", name)
        if not m:
            continue
        with archive.open(name) as fh:
            t = _TARGET.search(fh.read(1 << 16))
        target = t.group(1).decode("utf-8", "replace") if t else ""
        out[m.group(1)] = posixpath.basename(target.replace("\\", "/")) or "another workbook"
    return out


def _check_unzipped(archive: zipfile.ZipFile, size: int, label: str) -> None:
    """Refuse a workbook whose parts unpack to far more than any export does (a zip bomb)."""
    unpacked = sum(i.file_size for i in archive.infolist())
    size = max(size, 1)
    if unpacked > MAX_UNPACKED and unpacked > MAX_RATIO * size:
        raise InputReadError(
            f"{label!r} unpacks to {unpacked:,} bytes from {size:,} ({unpacked // size:,} times its size; an "
            f"export of rows and columns unpacks to 5-20 times): refused as a possible zip bomb. Save it again "
            "from Excel, or export the sheets as CSV")


def open_workbook(path: Path, label: str) -> Workbook:
    """Open an ``.xlsx`` workbook, naming what it is when it is not one.

    Raises
    ------
    InputReadError
        If the file is password-protected, an old ``.xls``, not a workbook, or a zip bomb.
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
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputReadError(f"{label!r} cannot be read as an .xlsx workbook: {exc}") from None
    try:
        _check_unzipped(archive, path.stat().st_size, label)
        parts = _sheet_parts(archive)
        links = _external_links(archive)
    except InputReadError:
        archive.close()
        raise
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        archive.close()
        raise InputReadError(f"{label!r} cannot be read as an .xlsx workbook: {exc}") from None
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors (ZipError, XmlError, CalamineError)
        archive.close()
        raise InputReadError(f"{label!r} cannot be read as an .xlsx workbook: {exc}") from None
    return Workbook(path, label, book, archive, parts, links)


@dataclass
class _Survey:
    last_row: int = 0
    last_col: int = 0
    rich: bool = False  # holds formulas or merged ranges


def _survey(fh: IO[bytes]) -> _Survey:
    """The last row and column the sheet's cells reach, and whether it holds formulas or merged
    ranges, read by streaming its XML."""
    s = _Survey()
    tail = b""
    rows = cells = 0
    refs = False
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            break
        window = tail + chunk
        cut = max(window.rfind(b"<"), 0)  # a tag cut by the chunk's end is read with the next one
        body, tail = window[:cut], window[cut:]
        for c, r in _CELL_REF.findall(body):
            refs = True
            s.last_row = max(s.last_row, int(r))
            s.last_col = max(s.last_col, _col(c) + 1)
        for r in _ROW_REF.findall(body):
            s.last_row = max(s.last_row, int(r))
        rows += len(_ROW_TAG.findall(body))
        cells += len(_CELL_TAG.findall(body))
        s.rich = s.rich or bool(_WANTED.search(body))
    if tail:
        s.rich = s.rich or bool(_WANTED.search(tail))
        cells += len(_CELL_TAG.findall(tail))
    if not refs:  # cells without references are consecutive: a row holds at most every cell
        s.last_row, s.last_col = max(s.last_row, rows), max(s.last_col, cells)
    return s


def _scan(fh: IO[bytes]) -> tuple[list[str], list[tuple[str, str, bool]]]:
    """The sheet's merged ranges and formula cells ``(ref, formula, has saved value)``, read by
    streaming its XML."""
    merges: list[str] = []
    formulas: list[tuple[str, str, bool]] = []
    shared: dict[str, str] = {}
    parser: XMLPullParser[Any] = XMLPullParser(events=("end",))
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            break
        try:
            parser.feed(chunk)
        except ParseError:
            return merges, formulas  # the reader reports a broken part when it reads the rows
        events: Any = parser.read_events()
        for _event, el in events:
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "c":
                f = next((k for k in el if k.tag.rsplit("}", 1)[-1] == "f"), None)
                if f is not None:
                    v = next((k for k in el if k.tag.rsplit("}", 1)[-1] == "v"), None)
                    text = f.text or ""
                    si = f.get("si")
                    if si is not None and text:
                        shared[si] = text
                    elif si is not None:
                        text = shared.get(si, "")
                    formulas.append((el.get("r", ""), text, v is not None and bool((v.text or "").strip())))
                el.clear()
            elif tag == "row":
                el.clear()
            elif tag == "mergeCell":
                merges.append(el.get("ref", ""))
    return merges, formulas


def _streamed_rows(wb: Workbook, title: str) -> Iterable[Sequence[Any]]:
    """The sheet's rows from row 1, streamed by openpyxl (only the cells held are stored)."""
    import openpyxl

    book = openpyxl.load_workbook(wb.path, read_only=True, data_only=True)
    try:
        ws = book[title]
        ws.reset_dimensions()  # never trust the sheet's claimed size
        yield from ws.iter_rows(min_row=1, min_col=1, values_only=True)
    finally:
        book.close()


def _grid_rows(wb: Workbook, title: str) -> Iterable[Sequence[Any]]:
    try:
        return wb.book.get_sheet_by_name(title).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's errors: XmlError, ZipError, CalamineError
        raise InputReadError(f"{wb.label}[{title}] cannot be read: the workbook is damaged ({exc}); "
                             "nothing was read from it") from None


def read_sheet(wb: Workbook, title: str) -> tuple[list[str], pd.DataFrame, list[Note]]:
    """Read a worksheet as text: header, records (index: sheet row) and warnings."""
    survey = _Survey()
    fh = wb.open_part(title)
    if fh is not None:
        with fh:
            survey = _survey(fh)
    values = (_grid_rows(wb, title) if survey.last_row * survey.last_col <= MAX_CELLS
              else _streamed_rows(wb, title))
    numbers: list[int] = []
    rows: list[list[str]] = []
    notes: list[Note] = []
    pending = skipped = 0
    first_skip = 0
    for r, row in enumerate(values, start=1):
        n = len(row)
        while n and (row[n - 1] is None or row[n - 1] == ""):
            n -= 1
        if not n:
            pending += 1
            continue
        if pending:
            if pending <= MAX_EMPTY_ROWS:
                numbers += range(r - pending, r)
                rows += [[] for _ in range(pending)]
            else:
                skipped += pending
                first_skip = first_skip or r - pending
            pending = 0
        numbers.append(r)
        rows.append([cell_text(v) for v in row[:n]])
    if skipped:
        notes.append((None, "", str(skipped), f"runs of more than {MAX_EMPTY_ROWS:,} empty rows skipped ({skipped:,} "
                      f"empty rows, the first at row {first_skip:,}); the rows after them keep their numbers"))
    if not rows or numbers[0] != 1:
        return [], pd.DataFrame(), notes
    width = max(len(x) for x in rows)
    at = {num: i for i, num in enumerate(numbers)}
    header = rows[0] + [""] * (width - len(rows[0]))

    def head(c: int) -> str:
        return header[c] if c < len(header) else ""

    def cell(ref: str) -> tuple[int, int] | None:
        m = _REF.match(ref)
        return (int(m.group(2)), _col(m.group(1))) if m else None

    merges: list[str] = []
    formulas: list[tuple[str, str, bool]] = []
    if survey.rich:
        fh = wb.open_part(title)
        if fh is not None:
            with fh:
                merges, formulas = _scan(fh)
    for ref in merges:
        corners = [cell(x) for x in ref.split(":")]
        a, b = (corners + [None, None])[:2] if len(corners) == 2 else (None, None)
        if a is None or b is None:
            continue
        (r0, c0), (r1, c1) = a, b
        if r0 not in at or c0 >= width:
            continue
        first = rows[at[r0]]
        value = first[c0] if c0 < len(first) else ""
        if r0 == 1:
            notes.append((1, head(c0), ref, f"merged header cells {ref}: only the first cell names a column"))
            continue
        for k in range(bisect_left(numbers, r0), bisect_right(numbers, r1)):
            row_k = rows[k]
            hi = min(c1, width - 1)
            if len(row_k) <= hi:
                row_k += [""] * (hi + 1 - len(row_k))
            row_k[c0:hi + 1] = [value] * (hi + 1 - c0)
        notes.append((r0, head(c0), value,
                      f"merged cells {ref}: the value of the first cell is used for every cell of the range"))
    for ref, text, has_value in formulas:
        where = cell(ref)
        if where is None:
            continue
        r, c = where
        row_r = rows[at[r]] if r in at else []
        blank = c >= len(row_r) or row_r[c] == ""
        ext = _EXTERNAL.search(text)
        shown = "=" + text if text else "(shared formula)"
        if ext:
            key = ext.group(1)
            book = wb.links.get(key, "another workbook") if key.isdigit() else posixpath.basename(key.replace("\\", "/"))
            notes.append((r, head(c), shown,
                          f"formula cell {ref} reads another workbook ({book}): "
                          + ("it has no saved value, so it reads as blank" if blank and not has_value else
                             "the value saved with this workbook is used, as it was when this one was last "
                             "saved (contextmap never opens the other workbook); paste values to make it final")))
        elif blank and not has_value:
            notes.append((r, head(c), shown,
                          f"formula cell {ref} has no saved value, so it reads as blank: "
                          "open the workbook in Excel and save it (or paste values) to keep the result"))
    rows = [x + [""] * (width - len(x)) for x in rows]
    used = [c for c in range(width) if header[c].strip() or any(x[c].strip() for x in rows[1:])]
    if len(used) < width:  # columns with nothing in them: neither a header nor a value
        header = [header[c] for c in used]
        rows = [[x[c] for c in used] for x in rows]
    body = pd.DataFrame(rows[1:], columns=range(len(header)), dtype=str)
    body.index = pd.Index(numbers[1:], dtype="int64") if numbers[1:] else pd.RangeIndex(2, 2)
    return header, body, notes
