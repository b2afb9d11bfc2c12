"""The data-quality summary of a loaded dataset: what is there, what is missing, what was rejected.

:func:`summarise` returns a :class:`QualitySummary` with completeness per column, Return Home
Interview timeliness, coordinate coverage, the grading mix and quarantine counts by reason.
It prints as a rich terminal table and writes JSON and HTML (jinja2, autoescaped, no external
resources, marked OFFICIAL-SENSITIVE).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from contextmap.dataset import Dataset
from contextmap.files import check_writable
from contextmap.schema import TABLE_NAMES, TABLES
from contextmap.settings import Settings

__all__ = ["QualitySummary", "summarise", "print_problems", "MARKING"]

MARKING = "OFFICIAL-SENSITIVE"


@dataclass
class QualitySummary:
    """Data-quality figures for one dataset (see :func:`summarise`).

    Attributes
    ----------
    counts
        Per table: ``read``, ``accepted``, ``quarantined``, ``duplicates`` (exact copies kept
        once), ``provisional`` (records made from unmatched names); ``read == accepted +
        quarantined + duplicates``.
    completeness
        One row per (table, column) of accepted rows: ``filled``, ``rows``, ``share``.
    rhi
        ``returned`` (episodes with a return), ``within`` (RHI within ``within_hours`` of the
        return), ``share`` (``None`` when nothing returned), ``within_hours``.
    coordinates
        ``locations``, ``with_coordinates``, ``share``.
    grading_mix
        One row per 3x5x2 code (``'ungraded'`` for links without one): ``links``, ``share``.
    quarantine_reasons
        One row per (table, column, reason) among errors: ``rows`` quarantined for it.
    warning_reasons
        The same for warnings (rows kept).
    source
        The dataset's source path as text.
    """

    counts: pd.DataFrame
    completeness: pd.DataFrame
    rhi: dict[str, Any]
    coordinates: dict[str, Any]
    grading_mix: pd.DataFrame
    quarantine_reasons: pd.DataFrame
    warning_reasons: pd.DataFrame
    source: str = ""

    @property
    def is_clean(self) -> bool:
        return int(self.counts["quarantined"].sum()) == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""

        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(df.to_json(orient="records"))

        return {
            "source": self.source,
            "marking": MARKING,
            "counts": json.loads(self.counts.to_json(orient="index")),
            "completeness": records(self.completeness),
            "rhi": self.rhi,
            "coordinates": self.coordinates,
            "grading_mix": records(self.grading_mix),
            "quarantine_reasons": records(self.quarantine_reasons),
            "warning_reasons": records(self.warning_reasons),
        }

    def to_json(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the summary as JSON; refuses to replace a file unless ``overwrite=True``."""
        p = check_writable(path, overwrite=overwrite)
        p.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        return p

    def to_html(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write a self-contained HTML page (autoescaped, no external resources)."""
        import jinja2

        env = jinja2.Environment(
            loader=jinja2.PackageLoader("contextmap.views", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        html = env.get_template("quality.html.j2").render(s=self.to_dict(), marking=MARKING)
        p = check_writable(path, overwrite=overwrite)
        p.write_text(html, encoding="utf-8")
        return p

    def print(self, console: Any = None, *, columns: bool = False, reasons: bool = True) -> None:
        """Print the summary as rich tables, each fitting an 80-column terminal
        (``columns=True`` adds completeness per column; ``reasons=False`` leaves out the
        quarantined rows by reason, when :func:`print_problems` shows them)."""
        from rich import box
        from rich.console import Console
        from rich.table import Table

        console = console or Console(emoji=False)
        console.print(f"Data quality: {self.source}", highlight=False, markup=False, soft_wrap=False)
        t = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1))
        extra = [c for c in ("duplicates", "provisional") if c in self.counts and self.counts[c].sum()]
        for c in ("table", "read", "accepted", "quarantined", *extra, "complete"):
            t.add_column(c, justify="left" if c == "table" else "right", no_wrap=True)
        mean = self.completeness.groupby("table")["share"].mean()
        for name, row in self.counts.iterrows():
            comp = mean.get(name)
            t.add_row(str(name), str(row["read"]), str(row["accepted"]),
                      f"[red]{row['quarantined']}[/]" if row["quarantined"] else "0",
                      *(str(row[c]) for c in extra),
                      "-" if comp is None or pd.isna(comp) else f"{comp:.0%}")
        console.print(t)
        r, cov = self.rhi, self.coordinates
        rhi = "no returned episodes" if r["share"] is None else f"{r['share']:.0%} ({r['within']} of {r['returned']} returned episodes)"
        loc = "no locations" if cov["share"] is None else f"{cov['share']:.0%} ({cov['with_coordinates']} of {cov['locations']})"
        placed = {k: v for k, v in cov.get("from", {}).items() if k in ("postcode", "street", "named_place")}
        if placed:  # positions the gazetteer gave
            loc += "; from the gazetteer: " + ", ".join(f"{v} by {k.replace('_', ' ')}" for k, v in placed.items())
        console.print(f"RHI within {r['within_hours']:g} hours of return: {rhi}", highlight=False)
        console.print(f"Locations with coordinates: {loc}", highlight=False)
        if len(self.grading_mix):
            top = self.grading_mix.head(8)
            mix = ", ".join(f"{g} {s:.0%}" for g, s in zip(top["grading"], top["share"], strict=True))
            if len(self.grading_mix) > len(top):
                mix += f", and {len(self.grading_mix) - len(top)} more codes"
            console.print(f"Grading mix: {mix}", highlight=False, markup=False)
        if columns:
            ct = Table(title="Completeness per column", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
            for h in ("table", "column", "filled", "share"):
                ct.add_column(h, justify="left" if h in ("table", "column") else "right", no_wrap=True)
            for row in self.completeness.itertuples():
                ct.add_row(row.table, row.column, str(row.filled), "-" if pd.isna(row.share) else f"{row.share:.0%}")
            console.print(ct)
        if reasons and len(self.quarantine_reasons):
            qt = Table(title="Quarantined rows by reason", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
            qt.add_column("rows", justify="right", no_wrap=True)
            qt.add_column("table.column", no_wrap=True)
            qt.add_column("reason", ratio=1)
            for row in self.quarantine_reasons.itertuples():
                qt.add_row(str(row.rows), f"{row.table}.{row.column}", row.reason)
            console.print(qt, markup=False)


def print_problems(problems: pd.DataFrame, console: Any = None, *, examples: int = 3, where: str = "") -> None:
    """Print problems grouped by kind, errors first: each kind's count, what it is, and its
    first ``examples`` rows (file, row, value), fitting an 80-column terminal.

    Parameters
    ----------
    problems
        ``Dataset.report.problems``.
    console
        A :class:`rich.console.Console` (default: standard output).
    examples
        Examples per kind.
    where
        Where every problem is listed (``problems.csv``), said once at the end.
    """
    from rich.console import Console, Group
    from rich.table import Table
    from rich.text import Text

    from contextmap.ingest.quarantine import problem_kinds

    console = console or Console(emoji=False)
    kinds = problem_kinds(problems, examples=examples)
    if not len(kinds):
        return
    for sev, title in (("error", "Errors: rows quarantined"), ("warning", "Warnings: rows kept")):
        mine = kinds[kinds["severity"] == sev]
        if not len(mine):
            continue
        n = int(mine["count"].sum())
        console.print()
        console.print(Text(f"{title} ({n} {'problem' if n == 1 else 'problems'}, {len(mine)} "
                           f"{'kind' if len(mine) == 1 else 'kinds'})", style="bold red" if sev == "error" else "bold"))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", no_wrap=True)
        grid.add_column()
        for k in mine.itertuples():
            what = _safe(k.table + (f".{k.column}" if k.column else ""))
            head = Text.assemble((what, "bold"), ": ", _safe(k.reason))
            lines = Table.grid(padding=(0, 0))
            lines.add_column(width=2, no_wrap=True)
            lines.add_column()
            for e in k.examples:
                at = _safe(e["file"]) + (f" row {e['row']}" if e["row"] is not None else "")
                value = e["value"]
                shown = "" if value is None or value == "" and e["row"] is None else ": " + _short(repr(value))
                lines.add_row("", Text(at + shown + (f" ({_safe(e['detail'])})" if e["detail"] else "")))
            more = k.count - len(k.examples)
            if more > 0:
                lines.add_row("", Text(f"... and {more} more", style="dim"))
            grid.add_row(str(k.count), Group(head, lines))
        console.print(grid)
    if where:
        console.print(Text(f"Every problem, row by row: {where}"))


def _safe(text: str) -> str:
    """Text from the data (a column header, a file name) with every unprintable character
    (terminal escapes, bidirectional overrides) written as its escape, never obeyed."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _by_reason(problems: pd.DataFrame, severity: str) -> pd.DataFrame:
    sub = problems[problems["severity"] == severity]
    cols = ["table", "column", "reason"]
    if not len(sub):
        return pd.DataFrame({c: pd.Series(dtype="string") for c in cols} | {"rows": pd.Series(dtype="int64")})
    sub = sub.assign(key=sub["row"].astype("string").fillna("file"))
    out = sub.groupby(cols, dropna=False)["key"].nunique().rename("rows").reset_index()
    return out.sort_values(["rows", "table"], ascending=[False, True], ignore_index=True)


def summarise(dataset: Dataset, *, settings: Settings | None = None) -> QualitySummary:
    """Summarise the quality of a loaded dataset.

    Parameters
    ----------
    dataset
        From :func:`contextmap.load`.
    settings
        ``settings.rhi.within_hours`` sets the RHI timeliness window (default 72 hours).

    Examples
    --------
    >>> import tempfile, pathlib, contextmap
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "children.csv").write_text("child_id\\nC1\\n")
    >>> _ = (d / "episodes.csv").write_text(
    ...     "episode_id,child_id,reported_at,returned_at,rhi_at\\n"
    ...     "E1,C1,2025-01-01 10:00,2025-01-01 20:00,2025-01-02 09:00\\n"
    ...     "E2,C1,2025-02-01 10:00,2025-02-01 20:00,2025-02-09 09:00\\n")
    >>> s = summarise(contextmap.load(d))
    >>> s.rhi["within"], s.rhi["returned"], s.rhi["share"]
    (1, 2, 0.5)
    """
    within = float((settings or Settings()).rhi.within_hours)
    comp = []
    for name in TABLE_NAMES:
        df = dataset.table(name)
        n = len(df)
        for col in TABLES[name].column_names:
            filled = int(df[col].notna().sum()) if col in df else 0
            comp.append({"table": name, "column": col, "filled": filled, "rows": n,
                         "share": filled / n if n else None})
    ep = dataset.episodes
    returned = ep["returned_at"].notna()
    delay = ep["rhi_at"] - ep["returned_at"]
    on_time = returned & ep["rhi_at"].notna() & (delay <= pd.Timedelta(hours=within))
    n_ret = int(returned.sum())
    locs = dataset.locations
    has = locs["latitude"].notna() & locs["longitude"].notna()
    links = dataset.links
    codes = links["grading"].fillna("ungraded") if len(links) else pd.Series(dtype="string")
    mix = codes.value_counts().rename_axis("grading").rename("links").reset_index()
    mix["share"] = mix["links"] / max(len(links), 1)
    mix["grading"] = mix["grading"].astype(str)
    return QualitySummary(
        counts=dataset.report.counts.copy(),
        completeness=pd.DataFrame(comp),
        rhi={"returned": n_ret, "within": int(on_time.sum()), "share": (int(on_time.sum()) / n_ret) if n_ret else None,
             "within_hours": within},
        coordinates={"locations": len(locs), "with_coordinates": int(has.sum()),
                     "share": (int(has.sum()) / len(locs)) if len(locs) else None,
                     # where the positions came from: given, grid_reference, postcode, street, named_place
                     "from": ({str(k): int(v) for k, v in locs["geocoded_from"].value_counts().sort_index().items()}
                              if "geocoded_from" in locs else {})},
        grading_mix=mix.sort_values(["links", "grading"], ascending=[False, True], ignore_index=True),
        quarantine_reasons=_by_reason(dataset.report.problems, "error"),
        warning_reasons=_by_reason(dataset.report.problems, "warning"),
        source=(str(dataset.source) if dataset.source else f"workspace {dataset.workspace}" if getattr(dataset, "workspace", None)
                else "") + (f" (period {dataset.period})" if dataset.period else ""),
    )
