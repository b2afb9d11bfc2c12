"""Problems and quarantine: every problem found, the rows set aside, and writing both out.

:class:`Problems` collects every problem (error: the row is quarantined; warning: the row is
kept) with the file, spreadsheet row, column, value as written and reason; :func:`split_rows`
separates accepted from quarantined rows and checks that no row was lost; :func:`write_quarantine`
writes ``problems.csv`` and ``quarantine/<table>.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from contextmap.dataset import PROBLEM_COLUMNS, Dataset, ValidationReport
from contextmap.files import check_new_files, write_csv
from contextmap.ingest.columns import input_columns
from contextmap.schema import TABLE_NAMES

__all__ = ["Problems", "split_rows", "write_quarantine", "QUARANTINE_MARKERS"]

QUARANTINE_MARKERS = ("_row", "_file", "_reasons")
"""Columns a quarantined row carries before its own: its spreadsheet row, its file (or
``book.xlsx[sheet]``) and every reason (``column: reason``, ``'; '``-joined)."""


class Problems:
    """Collects problems as small frames; one concat at the end.

    Each table registers its rows' provenance (file and spreadsheet row per row position), so
    a problem found at a position is reported at the file and row a person can open.
    """

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []
        self.where: dict[str, tuple[pd.Series, pd.Series]] = {}

    def register(self, table: str, files: pd.Series, rows: pd.Series) -> None:
        """Say where each row position of ``table`` came from."""
        self.where[table] = (files, rows)

    def add(self, table: str, mask: pd.Series, column: str, values: pd.Series | str,
            reason: pd.Series | str, severity: str = "error") -> None:
        """A problem for every row where ``mask`` is True."""
        if not mask.any():
            return
        pos = mask.index[mask.to_numpy()]
        files, rows = self.where[table]
        self.parts.append(pd.DataFrame({
            "table": table,
            "file": files.loc[pos].to_numpy(),
            "row": pd.array(rows.loc[pos].to_numpy(), dtype="Int64"),
            "column": column,
            "value": values.loc[pos].to_numpy() if isinstance(values, pd.Series) else values,
            "reason": reason.loc[pos].to_numpy() if isinstance(reason, pd.Series) else reason,
            "severity": severity,
            "_pos": pd.array(pos.to_numpy(), dtype="Int64"),
        }))

    def cell(self, table: str, file: str, row: int | None, column: str, value: str, reason: str) -> None:
        """A warning about one cell (or, with ``row`` None, about a whole file)."""
        self.parts.append(pd.DataFrame({
            "table": [table], "file": [file], "row": pd.array([row], dtype="Int64"),
            "column": [column], "value": [value], "reason": [reason], "severity": ["warning"],
            "_pos": pd.array([None], dtype="Int64"),
        }))

    def note(self, table: str, file: str, column: str, value: str, reason: str) -> None:
        """A file-level warning (no row)."""
        self.cell(table, file, None, column, value, reason)

    def frame(self) -> pd.DataFrame:
        """Every problem, in table order then file order, with a private ``_pos`` column."""
        if not self.parts:
            empty = {c: pd.Series(dtype="string") for c in PROBLEM_COLUMNS}
            empty["row"] = pd.Series(dtype="Int64")
            empty["_pos"] = pd.Series(dtype="Int64")
            return pd.DataFrame(empty)
        out = pd.concat(self.parts, ignore_index=True)
        order = out["table"].map({t: i for i, t in enumerate(TABLE_NAMES)})
        out = out.assign(_t=order, _r=out["_pos"].fillna(-1)).sort_values(["_t", "_r"], kind="stable")
        out = out.drop(columns=["_t", "_r"]).reset_index(drop=True)
        for c in PROBLEM_COLUMNS:
            if c != "row":
                out[c] = out[c].astype("string")
        return out


def split_rows(
    table: str,
    frame: pd.DataFrame,
    raw: pd.DataFrame,
    bad: pd.Series,
    present: list[str],
    provenance: pd.DataFrame,
    problems: pd.DataFrame,
    columns: list[str],
    *,
    read: int,
    duplicates: int,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Accepted rows, quarantined rows (original text plus :data:`QUARANTINE_MARKERS`), the
    accepted rows' provenance, and the counts.

    Raises
    ------
    AssertionError
        If rows read differ from accepted + quarantined + duplicates merged: a row was lost.
    """
    accepted = frame.loc[~bad, columns].reset_index(drop=True)
    q = raw.loc[bad, present].copy()
    mine = problems[(problems["table"] == table) & (problems["severity"] == "error") & problems["_pos"].notna()]
    reasons = (mine["column"] + ": " + mine["reason"]).groupby(mine["_pos"].to_numpy()).agg(
        lambda s: "; ".join(dict.fromkeys(s)))
    q.insert(0, "_reasons", reasons.reindex(q.index).astype("string").to_numpy())
    q.insert(0, "_file", provenance.loc[q.index, "file"].to_numpy())
    q.insert(0, "_row", provenance.loc[q.index, "row"].to_numpy())
    q = q.reset_index(drop=True)
    prov = provenance.loc[~bad].reset_index(drop=True)
    acc, qn = len(accepted), len(q)
    assert read == acc + qn + duplicates, (
        f"{table}: {read} rows read != {acc} accepted + {qn} quarantined + {duplicates} duplicates merged")
    return accepted, q, prov, {"read": read, "accepted": acc, "quarantined": qn, "duplicates": duplicates}


def write_quarantine(source: Dataset | ValidationReport, out_dir: str | Path, *, overwrite: bool = False) -> dict[str, Path]:
    """Write the quarantined rows and the problem list as CSV files.

    Writes ``out_dir/quarantine/<table>.csv`` for every table (header only when nothing was
    quarantined, so a re-run never leaves a stale file) and ``out_dir/problems.csv``.
    Files are UTF-8 with a byte-order mark, so Excel shows accented names correctly.

    Parameters
    ----------
    source
        A loaded dataset or its validation report.
    out_dir
        Folder to write into (created if missing).
    overwrite
        Replace existing files; otherwise an existing file raises
        :class:`~contextmap.OutputExistsError`.

    Returns
    -------
    dict
        ``{'problems': path, '<table>': path, ...}``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from contextmap import load
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "children.csv").write_text("child_id,name\\nC1,Ada\\nC1,Bo\\n")
    >>> _ = (d / "episodes.csv").write_text("episode_id,child_id,reported_at\\n")
    >>> paths = write_quarantine(load(d), d / "out")
    >>> (d / "out" / "quarantine" / "children.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    '2,children.csv,child_id: duplicate id (every row with this id is quarantined; the rows differ),C1,Ada'
    """
    report = source.report if isinstance(source, Dataset) else source
    out = Path(out_dir)
    paths = {"problems": out / "problems.csv"}
    paths.update({name: out / "quarantine" / f"{name}.csv" for name in TABLE_NAMES})
    check_new_files(paths.values(), overwrite=overwrite)

    write_csv(report.problems, paths["problems"], overwrite=True)
    for name in TABLE_NAMES:
        q = report.quarantined.get(name)
        if q is None:
            q = pd.DataFrame(columns=[*QUARANTINE_MARKERS, *input_columns(name)])
        write_csv(q, paths[name], overwrite=True)
    return paths
