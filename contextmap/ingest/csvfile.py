"""Reading one CSV file as text, row by row, with a stray quote costing one row, not fifty.

A quote opens a quoted cell, which may run over several lines (an RHI note with line breaks).
A *stray* opening quote (``"Big T`` typed into a cell that the exporting system did not
quote) opens a cell that nothing closes, so a plain CSV reader reads every following line
into that one cell until the next quote anywhere in the file: fifty episodes swallowed into
one quarantined cell. :func:`read_csv` re-synchronises instead:

* a record that runs over several lines is kept only when it reads cleanly as CSV (its
  quotes close and are followed by a comma or the line end) and has as many cells as the
  header names. Otherwise its first line is one row, quarantined with the reason ("a stray
  quote in column X"), and reading starts again at the next line;
* a row with more cells than the header names is quarantined (a comma in a value that is not
  quoted), unless every extra cell is blank (a trailing comma), which is ignored;
* a file whose last line ends inside a quote or short of cells **and** without a line end
  was cut short (a transfer that stopped half-way): the file is refused, naming the row and
  line, since reading it would import half an export. A complete last row without a line
  end is read as usual.

Row numbers are spreadsheet row numbers: the header is row 1, the first record row 2, a
quoted cell spanning several lines is one row, and the rows after a stray quote keep the
numbers they would have had without it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from contextmap._errors import InputReadError

__all__ = ["CsvText", "read_csv", "parse_csv"]


@dataclass
class CsvText:
    """A CSV file read as text.

    Attributes
    ----------
    header
        The header row's cells.
    body
        The records, one column per header cell (index: spreadsheet row).
    row_errors
        Rows that must be quarantined however their cells read: ``(row, column header, value,
        reason)`` (a stray quote, more cells than the header names).
    notes
        File-level warnings: ``(column header, value, reason)``.
    """

    header: list[str]
    body: pd.DataFrame
    row_errors: list[tuple[int, str, str, str]] = field(default_factory=list)
    notes: list[tuple[str, str, str]] = field(default_factory=list)


class _Lines:
    """The file's lines, read by position: a reader can start again at any line."""

    def __init__(self, lines: list[str]) -> None:
        self.lines, self.pos = lines, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _strict(lines: list[str]) -> str:
    """How ``lines`` read as one record, strictly: ``'ok'`` (exactly one record, every quote
    closed and followed by a comma or the line end), ``'eof'`` (a quote still open at the end)
    or ``'bad'``."""
    reader = csv.reader(lines, strict=True)
    try:
        recs = list(reader)
    except csv.Error as exc:
        return "eof" if "end of data" in str(exc) else "bad"
    return "ok" if len(recs) == 1 else "bad"


def _literal(line: str) -> list[str]:
    """A line's cells with every quote taken literally (how a stray-quote row is kept)."""
    return next(csv.reader([line.rstrip("\r\n")], quoting=csv.QUOTE_NONE), [])


def _line_end(text: str) -> bool:
    return text.endswith(("\n", "\r"))


def parse_csv(text: str, *, name: str = "file") -> CsvText:
    """Parse CSV text (see the module docstring); ``name`` is how messages name the file.

    Raises
    ------
    InputReadError
        If the file is cut short (its last line, without a line end, stops inside a quote or
        short of cells).

    Examples
    --------
    A stray quote in row 3 costs row 3 only; row 4 is read as row 4:

    >>> t = parse_csv('id,who\\nE1,Ada\\nE2,"Big T\\nE3,Bo\\nE4,"Cy, Di"\\n')
    >>> t.body.values.tolist()
    [['E1', 'Ada'], ['E2', '"Big T'], ['E3', 'Bo'], ['E4', 'Cy, Di']]
    >>> [(row, column) for row, column, _, _ in t.row_errors]
    [(3, 'who')]
    """
    fast = _one_line_records(text, name)
    if fast is not None:
        return fast
    lines = io.StringIO(text, newline="").readlines()
    rows: list[list[str]] = []
    errors: list[tuple[int, str, str, str]] = []
    notes: list[tuple[str, str, str]] = []
    ended = _line_end(text)
    it = _Lines(lines)  # a reader starts again at the line after a stray quote
    reader = csv.reader(it)
    header: list[str] | None = None
    width = extra_blank = 0
    suspect, stray_row = 0, 0  # lines a stray quote swallowed (up to ``suspect``) are rows only if whole
    while True:
        start = it.pos
        try:
            rec: list[str] | None = next(reader)
        except StopIteration:
            break
        except csv.Error:  # a cell past the csv module's size limit: a quote swallowing the file
            rec = None
        end = it.pos
        span, last = end - start, end >= len(lines)
        if header is None:
            header = rec if rec is not None and (span == 1 or _strict(lines[start:end]) == "ok") else None
            if header is None:
                raise InputReadError(f"{name!r} cannot be read as CSV: the header row opens a quote that does not "
                                     "close on its line (line 1 of the file)")
            width = len(header)
            continue
        row = len(rows) + 2
        status = "ok" if span == 1 and not last else _strict(lines[start:end])
        if status == "ok" and span > 1 and len(rec or ()) != width:
            status = "bad"
        if status == "eof" and not ended:
            raise InputReadError(f"{name!r} is cut short: its last row (row {row}, from line {start + 1} of the "
                                 "file) stops inside a quote, with no line end; was the file copied whole?")
        if rec is None or status == "eof" or (status == "bad" and span > 1):
            cells = _literal(lines[start])
            col = next((k for k, c in enumerate(cells) if c.count('"') % 2), 0)
            errors.append((row, header[col] if col < width else "", cells[col] if cells else "", _STRAY))
            rows.append(_fit(cells, width))
            suspect, stray_row = max(suspect, end), row
            it.pos = start + 1
            reader = csv.reader(it)
            continue
        n = len(rec)
        if start < suspect and n != width and any(c.strip() for c in rec):
            # a line the stray quote's cell ran over that is no row of its own: a piece of a cell
            errors.append((row, header[0] if width else "", lines[start].rstrip("\r\n"),
                           f"follows the stray quote of row {stray_row} and has {n} cell{'' if n == 1 else 's'}, not the {width} the "
                           "header names: the row is set aside"))
            rows.append(_fit(rec, width))
            continue
        if n > width:
            if any(c.strip() for c in rec[width:]):
                errors.append((row, header[-1] if width else "", ",".join(rec[width - 1:]),
                               f"has {n} cells but the header names {width} (a comma in a value that is not "
                               "in quotes?): the row is set aside"))
                rec = _fit(rec, width)
            else:
                extra_blank += 1
                rec = rec[:width]
        elif n < width:
            if last and not ended and any(c.strip() for c in rec):
                raise InputReadError(f"{name!r} is cut short: its last line (row {row}, line {start + 1} of the file) "
                                     f"has {n} of the {width} cells the header names and no line end; was the "
                                     "file copied whole? (if the row is complete, end it with a line break)")
            rec = rec + [""] * (width - n)
        rows.append(rec)
    if extra_blank:
        notes.append(("", str(extra_blank), "rows with blank cells after the last column (a trailing comma): "
                      "the blank cells are ignored"))
    body = pd.DataFrame(rows, columns=range(width), dtype=object, index=pd.RangeIndex(2, len(rows) + 2))
    return CsvText(header or [], body, errors, notes)


def _one_line_records(text: str, name: str) -> CsvText | None:
    """The file read by pandas' C parser when every record is one line (no quoted line break,
    so no quote can have swallowed a line) and no row has more cells than the header; else None."""
    try:
        raw = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                          na_filter=False, skip_blank_lines=False)
    except (pd.errors.ParserError, ValueError):
        return None
    ended = _line_end(text)
    lines = text.count("\n") + text.count("\r") - text.count("\r\n") + (0 if ended else 1)
    if len(raw) != lines:
        return None
    header = [str(h) for h in raw.iloc[0].tolist()]
    if not ended and len(raw) > 1:
        tail = text[max(text.rfind("\n"), text.rfind("\r")) + 1:]
        cells = next(csv.reader([tail]), [])
        if len(cells) < len(header) and any(c.strip() for c in cells):
            return None  # the last line may be cut short: the careful reader says
    body = raw.iloc[1:]
    body.index = pd.RangeIndex(2, len(raw) + 1)
    body.columns = range(len(header))
    return CsvText(header, body)


_STRAY = ("a stray quote opens a cell that does not close on this line (a quote typed into a value that is not "
          "in quotes?): the row is set aside, and the next line is read as the next row")


def _fit(cells: list[str], width: int) -> list[str]:
    """``cells`` as ``width`` cells: padded with blanks, or the extra ones joined into the last."""
    if len(cells) <= width:
        return cells + [""] * (width - len(cells))
    return cells[:width - 1] + [",".join(cells[width - 1:])] if width else []


def read_csv(path: Path, *, label: str | None = None) -> tuple[CsvText, bytes]:
    """Read a CSV file as text (see :func:`parse_csv`) and return it with its bytes.

    Raises
    ------
    InputReadError
        If the file is not UTF-8, holds binary data, is empty, or was cut short.
    """
    name = label or str(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputReadError(
            f"{name!r} is not UTF-8 text: byte {data[exc.start]:#04x} at byte offset {exc.start} "
            "cannot be decoded. Save the file as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8)."
        ) from None
    if "\x00" in text:
        raise InputReadError(f"{name!r} is not a CSV file: it holds binary data (a NUL byte at character {text.index(chr(0))})")
    if not text.strip():
        raise InputReadError(f"{name!r} is empty: expected a header row naming the columns")
    return parse_csv(text, name=name), data
