"""Reading an ``.xlsx`` sheet as text, trusting only the cells it really holds.

A sheet says how large it is (``<dimension ref="A1:XFD1048576"/>``), and a reader that
believes it pads every row to 16,384 columns: a 41 KB workbook then takes gigabytes and dies.
:func:`read_sheet` ignores the claim and reads the rows and cells the sheet holds:

* each row is cut after its last non-blank cell, and columns that hold nothing (no header,
  no value) are dropped, so memory follows the data, never the claimed size;
* a run of more than :data:`MAX_EMPTY_ROWS` empty rows is skipped without being stored (a
  styled cell at row 1,048,576), and said in one warning; rows after it keep their numbers;
* a workbook that unpacks to more than 256 MiB and more than 200 times its own size is
  refused (a zip bomb; exports unpack to 5-20 times);
* merged ranges fill only the rows and columns that hold data;
* formulas are found by streaming the sheet's XML in chunks (never the whole part in memory):
  a formula saved without its value reads as blank, with a warning naming the cell; a formula
  that reads **another workbook** (``[1]Sheet1!A1``) is a warning naming the cell and that
  workbook: its value is used only as saved in this one (it may be out of date), and said so.

The workbook is opened read-only with cached values (``data_only``): contextmap never
calculates a formula or opens a linked workbook.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError, XMLPullParser

import pandas as pd

from contextmap._errors import InputReadError

__all__ = ["open_workbook", "read_sheet", "external_links", "MAX_EMPTY_ROWS", "MAX_UNPACKED", "MAX_RATIO", "column_letters"]

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


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
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


def open_workbook(path: Path, label: str) -> Any:
    """Open an ``.xlsx`` workbook read-only, naming what it is when it is not one.

    Raises
    ------
    InputReadError
        If the file is password-protected, an old ``.xls``, or not a workbook.
    """
    import openpyxl

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
    _check_unzipped(path, label)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException variants
        raise InputReadError(f"{label!r} cannot be read as an .xlsx workbook: {exc}") from None


def _check_unzipped(path: Path, label: str) -> None:
    """Refuse a workbook whose parts unpack to far more than any export does (a zip bomb)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl names the fault
    size = max(path.stat().st_size, 1)
    if unpacked > MAX_UNPACKED and unpacked > MAX_RATIO * size:
        raise InputReadError(
            f"{label!r} unpacks to {unpacked:,} bytes from {size:,} ({unpacked // size:,} times its size; an "
            f"export of rows and columns unpacks to 5-20 times): refused as a possible zip bomb. Save it again "
            "from Excel, or export the sheets as CSV")


def external_links(wb: Any) -> dict[str, str]:
    """``{'1': 'other.xlsx'}``: the other workbooks this one's formulas may read (the file name
    only, never the folder, which may hold a user name)."""
    archive = getattr(wb, "_archive", None)
    out: dict[str, str] = {}
    if archive is None:
        return out
    for name in archive.namelist():
        m = re.fullmatch(r"xl/externalLinks/_rels/externalLink(\d+)\.xml\.rels", name)
        if not m:
            continue
        with archive.open(name) as fh:
            t = _TARGET.search(fh.read(1 << 16))
        target = t.group(1).decode("utf-8", "replace") if t else ""
        out[m.group(1)] = posixpath.basename(target.replace("\\", "/")) or "another workbook"
    return out


def _scan(ws: Any) -> tuple[list[str], list[tuple[str, str, bool]]]:
    """The sheet's merged ranges and formula cells ``(ref, formula, has saved value)``, read by
    streaming its XML (only when the part holds any)."""
    try:
        src = ws._get_source()  # openpyxl's read-only worksheet: the sheet's XML part
    except Exception:  # pragma: no cover - other openpyxl internals
        return [], []
    merges: list[str] = []
    formulas: list[tuple[str, str, bool]] = []
    shared: dict[str, str] = {}
    parser: XMLPullParser | None = None
    tail = b""
    with src:
        while True:
            chunk = src.read(_CHUNK)
            if parser is None:
                window = tail + chunk
                if _WANTED.search(window):
                    parser = XMLPullParser(events=("end",))
                    src.seek(0)
                    continue
                tail = window[-16:]
                if not chunk:
                    break
                continue
            if not chunk:
                break
            try:
                parser.feed(chunk)
            except ParseError:
                return merges, formulas  # openpyxl reports a broken part when it reads the rows
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


def read_sheet(ws: Any, *, links: dict[str, str] | None = None) -> tuple[list[str], pd.DataFrame, list[tuple[int | None, str, str, str]]]:
    """Read a worksheet as text: header, records (index: sheet row) and warnings.

    ``links`` are the workbook's :func:`external_links`, to name the workbook a formula reads.
    """
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # never trust the sheet's claimed size
    numbers: list[int] = []
    rows: list[list[str]] = []
    notes: list[tuple[int | None, str, str, str]] = []
    pending = skipped = 0
    first_skip = 0
    for r, values in enumerate(ws.iter_rows(min_row=1, min_col=1, values_only=True), start=1):
        n = len(values)
        while n and (values[n - 1] is None or values[n - 1] == ""):
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
        rows.append([_cell_text(v) for v in values[:n]])
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

    merges, formulas = _scan(ws)
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
            row = rows[k]
            hi = min(c1, width - 1)
            if len(row) <= hi:
                row += [""] * (hi + 1 - len(row))
            row[c0:hi + 1] = [value] * (hi + 1 - c0)
        notes.append((r0, head(c0), value,
                      f"merged cells {ref}: the value of the first cell is used for every cell of the range"))
    links = links or {}
    for ref, text, has_value in formulas:
        where = cell(ref)
        if where is None:
            continue
        r, c = where
        row = rows[at[r]] if r in at else []
        blank = c >= len(row) or row[c] == ""
        ext = _EXTERNAL.search(text)
        shown = "=" + text if text else "(shared formula)"
        if ext:
            key = ext.group(1)
            book = links.get(key, "another workbook") if key.isdigit() else posixpath.basename(key.replace("\\", "/"))
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
