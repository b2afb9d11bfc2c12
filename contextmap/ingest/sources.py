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
* formula cells saved without a value (read as blank, with a warning naming the cell), and
  formulas reading another workbook (the value saved in this one, with a warning);
* merged cells (the first cell's value is used for the whole range, with a warning);
* a sheet's claimed size is never trusted (:mod:`.workbook`: memory follows the cells it holds).

Row numbers are spreadsheet row numbers: the header is row 1, the first record row 2, and a
quoted cell spanning several lines is one row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from contextmap._errors import InputReadError
from contextmap.ingest.columns import Mapping, TableMapping
from contextmap.ingest.csvfile import read_csv
from contextmap.ingest.workbook import open_workbook, read_sheet
from contextmap.schema import TABLE_NAMES

__all__ = [
    "Source", "RawTable", "Note", "REQUIRED_TABLES", "dataset_sources", "read_sources",
    "find_file", "find_sheet", "check_inside",
]

REQUIRED_TABLES = ("children", "episodes")
"""Tables a dataset must have; the others are read as empty (with a warning) when absent."""



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
                text, data = read_csv(s.path, label=s.label)
                digest.update(s.table.encode() + b"\0" + data)
                notes: list[tuple[int | None, str, str, str]] = [(None, *n) for n in text.notes]
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
            try:
                header, body, notes = read_sheet(wb, title)
            except (InputReadError, MemoryError):
                raise
            except Exception as exc:  # a part broken half-way: zlib, XML, CRC errors
                raise InputReadError(f"{s.label} cannot be read: the workbook is damaged ({type(exc).__name__}: "
                                     f"{exc}); nothing was read from it") from None
            if not header:
                raise InputReadError(f"{s.label} is empty: expected a header row naming the columns")
            out.append(RawTable(s, s.label, header, body, notes, sheet=title))
    finally:
        for wb in books.values():
            wb.close()
    return out, digest.hexdigest()
