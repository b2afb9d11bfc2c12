"""Problems and quarantine: every problem found, the rows set aside, and writing both out.

:class:`Problems` collects every problem (error: the row is quarantined; warning: the row is
kept) with the file, spreadsheet row, column, value as written and reason; :func:`split_rows`
separates accepted from quarantined rows and checks that no row was lost; :func:`write_quarantine`
writes ``problems.csv`` and ``quarantine/<table>.csv``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from contextmap.dataset import PROBLEM_COLUMNS, Dataset, ValidationReport
from contextmap.files import check_new_files, write_csv
from contextmap.ingest.columns import input_columns
from contextmap.schema import TABLE_NAMES

__all__ = ["Problems", "split_rows", "write_quarantine", "problem_kinds", "QUARANTINE_MARKERS"]

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


_VARIABLE = re.compile(r"'[^']*'|\"[^\"]*\"|\d+(?:\.\d+)?|\b(?:January|February|March|April|May|June|July|August|"
                       r"September|October|November|December)\b")
_TRAIL = re.compile(r"[,;:?!.]+$")


def _trailing(text: str) -> str:
    m = _TRAIL.search(text)
    return m.group(0) if m else ""


def _frame(reasons: list[str]) -> tuple[str, list[str]]:
    """What a group's reasons share (``prefix … suffix``) and what each adds (the middle)."""
    if len(set(reasons)) == 1:
        return reasons[0], [""] * len(reasons)
    words = [r.split(" ") for r in reasons]
    n = min(len(w) for w in words)
    pre = 0
    while pre < n and len({w[pre] for w in words}) == 1:
        pre += 1
    suf = 0
    while suf < n - pre and len({w[len(w) - 1 - suf] for w in words}) == 1:
        suf += 1
    middles = [" ".join(w[pre:len(w) - suf]) for w in words]
    trail = {_trailing(m) for m in middles}
    tail = trail.pop() if len(trail) == 1 else ""
    head = " ".join(words[0][:pre])
    rest = " ".join(words[0][len(words[0]) - suf:]) if suf else ""
    label = " ".join(x for x in (head, "…" + tail, rest) if x)
    return label, [m[:len(m) - len(tail)] if tail else m for m in middles]


def problem_kinds(problems: pd.DataFrame, *, examples: int = 3) -> pd.DataFrame:
    """Problems grouped by kind, for reading: one row per kind of problem, most frequent first.

    A kind is a severity, table, column and reason; reasons that differ only in the values
    they quote (numbers, quoted text, month names) are one kind, labelled by what they share
    (``matches … records (give a date of birth ...)``), each example saying what it adds.

    Parameters
    ----------
    problems
        ``Dataset.report.problems`` (columns ``table``, ``file``, ``row``, ``column``,
        ``value``, ``reason``, ``severity``).
    examples
        How many examples to keep per kind (the first in table and file order).

    Returns
    -------
    pandas.DataFrame
        ``severity``, ``table``, ``column``, ``reason`` (the kind's label), ``count`` (problems
        of this kind) and ``examples`` (a list of ``{file, row, value, detail}`` dicts), errors
        first, then by count.

    Examples
    --------
    >>> p = pd.DataFrame({"table": "links", "file": "intel.csv", "row": [2, 3, 4], "column": "target_name",
    ...                   "value": ["Jay", "Ty", "Kyle"], "severity": "warning",
    ...                   "reason": ["matches 2 records (give a date of birth)", "matches 3 records (give a date of birth)",
    ...                              "matches no record"]})
    >>> k = problem_kinds(p)
    >>> k[["reason", "count"]].values.tolist()
    [['matches … records (give a date of birth)', 2], ['matches no record', 1]]
    >>> [e["detail"] for e in k["examples"].iloc[0]]
    ['2', '3']
    """
    cols = ["severity", "table", "column", "reason", "count", "examples"]
    if not len(problems):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    p = problems.reset_index(drop=True)
    reason = p["reason"].astype(object).where(p["reason"].notna(), "").astype(str)
    key = reason.map({r: _VARIABLE.sub("#", r) for r in reason.unique()})
    frame = pd.DataFrame({"severity": p["severity"].astype(str), "table": p["table"].astype(str),
                          "column": p["column"].astype(object).where(p["column"].notna(), "").astype(str),
                          "key": key})
    order = {t: i for i, t in enumerate(TABLE_NAMES)}
    rows = []
    for (sev, table, column, _), idx in frame.groupby(["severity", "table", "column", "key"], sort=False).groups.items():
        pos = list(idx)
        label, details = _frame([reason[i] for i in pos])
        shown = []
        for i, d in zip(pos[:max(examples, 0)], details, strict=False):
            row, value = p.at[i, "row"], p.at[i, "value"]
            shown.append({"file": str(p.at[i, "file"]), "row": None if pd.isna(row) else int(row),
                          "value": None if pd.isna(value) else str(value), "detail": d})
        rows.append({"severity": sev, "table": table, "column": column, "reason": label, "count": len(pos),
                     "examples": shown, "_s": 0 if sev == "error" else 1, "_t": order.get(table, 99)})
    out = pd.DataFrame(rows).sort_values(["_s", "count", "_t"], ascending=[True, False, True], kind="stable")
    return out[cols].reset_index(drop=True)
