"""Where a dataset's tables come from, and reading them as text: CSV files and workbook sheets.

A dataset is read from a list of :class:`Source` objects, one per file or sheet, each naming
the contract table it holds and its own column mapping. :func:`dataset_sources` makes that
list for a folder of CSV files or one workbook (plus an optional mapping file); a sources
manifest (:mod:`contextmap.ingest.manifest`) lists any number per table. :func:`read_source`
reads one as text, with the faults a real export has named rather than hidden:

* a CSV that is not UTF-8, binary, empty, or cut short (:mod:`.csvfile`; a stray quote
  costs its own row only, quarantined);
* a password-protected workbook (an encrypted Office file, not a zip archive), an old
  ``.xls`` renamed ``.xlsx``;
* two sheets (or files) whose names are one once trimmed and case is ignored;
* formula cells saved without a value (read as blank, with a warning naming the cell);
* merged cells (the first cell's value is used for the whole range, with a warning).

Row numbers are spreadsheet row numbers: the header is row 1, the first record row 2, and a
quoted cell spanning several lines is one row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import unescape

import pandas as pd

from contextmap._errors import InputReadError
from contextmap.ingest.columns import Mapping, TableMapping
from contextmap.ingest.csvfile import read_csv
from contextmap.schema import TABLE_NAMES

__all__ = [
    "Source", "RawTable", "Note", "REQUIRED_TABLES", "dataset_sources", "read_sources",
    "find_file", "find_sheet", "check_inside",
]

REQUIRED_TABLES = ("children", "episodes")
"""Tables a dataset must have; the others are read as empty (with a warning) when absent."""

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_EMPTY_VALUE = re.compile(rb"<v\s*/>|<v>\s*</v>")


@dataclass(frozen=True)
class Source:
    """One file or sheet holding (part of) one contract table.

    Attributes
    ----------
    table
        The contract table.
    path
        The file.
    mapping
        Its column mapping (names, joins, patterns, codes, date formats, constants).
    sheet
        The sheet, for a workbook.
    label
        How problems name it: ``file.csv`` or ``book.xlsx[Sheet]`` (paths relative to the
        dataset folder or manifest).
    agency
        Who sent it (a manifest's ``agency``), for provenance.
    """

    table: str
    path: Path
    mapping: TableMapping = field(default_factory=TableMapping)
    sheet: str | None = None
    label: str = ""
    agency: str | None = None


Note = tuple[str, str, str, str, str]
"""A file-level warning: ``(table, file, column, value, reason)``."""


@dataclass
class RawTable:
    """One source read as text: the header row and the records (index: spreadsheet row)."""

    source: Source
    label: str
    header: list[str]
    body: pd.DataFrame
    cell_notes: list[tuple[int | None, str, str, str]] = field(default_factory=list)
    """Warnings found while reading: ``(row, column header, value, reason)`` (row None: the file's)."""
    row_errors: list[tuple[int, str, str, str]] = field(default_factory=list)
    """Rows to quarantine whatever their cells hold (a stray quote, more cells than the header
    names): ``(row, column header, value, reason)``."""
    sheet: str | None = None


# --- paths ------------------------------------------------------------------------------


def check_inside(folder: Path, name: str, *, what: str, allow_outside: bool = False) -> Path:
    """``folder / name``, refusing a name that leaves ``folder`` (``../``, an absolute path, a
    symbolic link pointing outside) unless ``allow_outside`` (the mapping or manifest says
    ``allow_outside: true``), and naming a dangling link.

    Raises
    ------
    InputReadError
        If the path leaves the folder (and that is not allowed) or is a link to nothing.
    """
    p = folder / name
    if p.is_symlink() and not p.exists():
        raise InputReadError(f"{what} {name!r} is a symbolic link to {str(p.readlink())!r}, which does not exist")
    if allow_outside:
        return p
    try:
        p.resolve().relative_to(folder.resolve())
    except ValueError:
        raise InputReadError(
            f"{what} {name!r} is outside the folder {str(folder)!r}; keep the files the dataset reads inside it "
            "(or say `allow_outside: true` in the mapping file)"
        ) from None
    return p


def find_file(folder: Path, wanted: str, *, allow_outside: bool = False) -> Path | None:
    """The file ``wanted`` in ``folder`` (ignoring case), or None.

    Raises
    ------
    InputReadError
        If the name leaves the folder, is a dangling link, or matches several files once
        case is ignored (``children.csv`` and ``Children.csv``).
    """
    p = check_inside(folder, wanted, what="file", allow_outside=allow_outside)
    same = [c for c in folder.iterdir() if c.name.strip().casefold() == wanted.strip().casefold()]
    if len(same) > 1:
        raise InputReadError(
            f"{str(folder)!r} has several files named {wanted!r} once case and spaces are ignored: "
            f"{sorted(c.name for c in same)}; keep one"
        )
    if p.is_file():
        return p
    if same and same[0].is_symlink() and not same[0].exists():
        raise InputReadError(f"file {same[0].name!r} is a symbolic link to {str(same[0].readlink())!r}, which does not exist")
    return same[0] if same and same[0].is_file() else None


def find_sheet(sheetnames: list[str], wanted: str, label: str) -> str | None:
    """The sheet called ``wanted`` ignoring case and surrounding spaces, or None.

    Raises
    ------
    InputReadError
        If several sheets have that name once trimmed (``children`` and ``children ``):
        reading either would silently lose the other.

    Examples
    --------
    >>> find_sheet(["Young People", "Links"], " young people", "book.xlsx")
    'Young People'
    """
    key = wanted.strip().casefold()
    same = [s for s in sheetnames if s.strip().casefold() == key]
    if len(same) > 1:
        raise InputReadError(
            f"{label} has several sheets named {wanted.strip()!r} once spaces and case are ignored: "
            f"{same}; rename or delete all but one (contextmap will not guess which holds the data)"
        )
    return same[0] if same else None


# --- workbooks --------------------------------------------------------------------------


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


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


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
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException variants
        raise InputReadError(f"{label!r} cannot be read as an .xlsx workbook: {exc}") from None


def _sheet_xml(ws: Any) -> bytes:
    try:
        src = ws._get_source()  # openpyxl's read-only worksheet: the sheet's XML part
    except Exception:  # pragma: no cover - other openpyxl internals
        return b""
    with src:
        return src.read()


def read_sheet(ws: Any) -> tuple[list[str], pd.DataFrame, list[tuple[int, str, str, str]]]:
    """Read a worksheet as text: header, records (index: sheet row) and cell warnings."""
    rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()  # trailing empty rows in a worksheet's used range are not records
    if not rows:
        return [], pd.DataFrame(), []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    notes: list[tuple[int, str, str, str]] = []
    xml = _sheet_xml(ws)
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
                text = "=" + unescape(formula.group(1).decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"}) if formula else "(shared formula)"
                notes.append((r, head(c), text,
                              f"formula cell {cell.group(1).decode()}{r} has no saved value, so it reads as blank: "
                              "open the workbook in Excel and save it (or paste values) to keep the result"))
    body = pd.DataFrame(rows[1:], columns=range(width), dtype=str)
    body.index = pd.RangeIndex(2, len(rows) + 1)
    return header, body, notes


# --- the list of sources ----------------------------------------------------------------


def dataset_sources(path: Path, mapping: Mapping) -> tuple[list[Source], list[Note]]:
    """The sources of a folder of CSV files or one workbook, one per table found.

    Raises
    ------
    InputReadError
        If a required table is missing (the message lists what was found), the path is
        neither a folder nor an ``.xlsx`` workbook, or names collide.
    """
    notes: list[Note] = []
    sources: list[Source] = []
    if path.is_dir():
        for name in TABLE_NAMES:
            wanted = mapping.table(name).file or f"{name}.csv"
            allow = bool(getattr(mapping, "allow_outside", False))
            f = find_file(path, wanted, allow_outside=allow)
            if f is not None and allow and not f.resolve().is_relative_to(path.resolve()):
                notes.append((name, wanted, "", "", "read from outside the dataset folder (allow_outside: true)"))
            if f is None:
                if name in REQUIRED_TABLES:
                    have = sorted(c.name for c in path.iterdir() if c.suffix.lower() == ".csv")
                    raise InputReadError(
                        f"{str(path)!r} has no {wanted!r} (the {name} table is required); CSV files found: {have}"
                    )
                notes.append((name, wanted, "", "", "table not found; read as empty"))
                continue
            sources.append(Source(name, f, mapping.table(name), label=f.name))
        return sources, notes
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputReadError(
            f"Expected path to be a folder of CSV files, an .xlsx workbook or a sources manifest (.yaml), "
            f"instead got: {str(path)!r}"
            + (" (save .xls workbooks as .xlsx)" if path.suffix.lower() == ".xls" else "")
        )
    wb = open_workbook(path, str(path))
    try:
        names = list(wb.sheetnames)
    finally:
        wb.close()
    for name in TABLE_NAMES:
        wanted = mapping.table(name).sheet or name
        title = find_sheet(names, wanted, str(path))
        if title is None:
            if name in REQUIRED_TABLES:
                raise InputReadError(
                    f"{str(path)!r} has no sheet {wanted!r} (the {name} table is required); sheets found: {names}"
                )
            notes.append((name, f"{path.name}[{wanted}]", "", "", "sheet not found; read as empty"))
            continue
        sources.append(Source(name, path, mapping.table(name), sheet=title, label=f"{path.name}[{title}]"))
    return sources, notes


def read_sources(sources: list[Source], *, step: Any = None) -> tuple[list[RawTable], str]:
    """Read every source as text (each workbook opened once); return them and a content hash.

    Raises
    ------
    InputReadError
        If a file cannot be read at all, or a sheet has no header row.
    """
    digest = hashlib.sha256()
    out: list[RawTable] = []
    books: dict[Path, Any] = {}
    hashed: set[Path] = set()
    try:
        for s in sources:
            if step is not None:
                step(f"reading {s.label}")
            if s.sheet is None:
                text, data = read_csv(s.path, s.label)
                digest.update(s.table.encode() + b"\0" + data)
                notes = [(None, *n) for n in text.notes]
                out.append(RawTable(s, s.label, text.header, text.body, notes, row_errors=text.row_errors))
                continue
            if s.path not in books:
                books[s.path] = open_workbook(s.path, s.label.split("[")[0])
            if s.path not in hashed:
                digest.update(s.path.read_bytes())
                hashed.add(s.path)
            wb = books[s.path]
            title = find_sheet(list(wb.sheetnames), s.sheet, s.label.split("[")[0])
            if title is None:
                raise InputReadError(f"{s.label.split('[')[0]!r} has no sheet {s.sheet!r}; sheets found: {wb.sheetnames}")
            header, body, notes = read_sheet(wb[title])
            if not header:
                raise InputReadError(f"{s.label} is empty: expected a header row naming the columns")
            out.append(RawTable(s, s.label, header, body, notes, sheet=title))
    finally:
        for wb in books.values():
            wb.close()
    return out, digest.hexdigest()
