"""The in-memory dataset: validated tables plus everything that was quarantined.

:func:`contextmap.load` returns a :class:`Dataset`. Its tables hold only accepted rows, in
contract form (see :mod:`contextmap.schema`):

* every contract column is present, in contract order, blank where the input had no value;
* ``id``, ``text``, ``enum`` and ``list`` columns are pandas string columns (missing: ``NA``),
  enum values in contract form (``'out_of_area'``), lists joined with ``'; '``;
* ``date`` columns are ``datetime64`` at midnight, ``datetime`` columns ``datetime64``
  (naive, UK local time as recorded);
* ``float`` columns are ``float64``.

``locations`` is a GeoDataFrame in WGS84 (EPSG:4326): latitude/longitude and
easting/northing are both filled where either pair was given, and ``geometry`` is a point
(empty where the location has no coordinates). ``links`` carries the derived columns listed
in ``schema.LINKS.derived`` (endpoint kinds and the grading in 3x5x2 terms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from contextmap.schema import TABLE_NAMES

__all__ = ["Dataset", "ValidationReport", "PROBLEM_COLUMNS"]

PROBLEM_COLUMNS = ("table", "file", "row", "column", "value", "reason", "severity")
"""Columns of :attr:`ValidationReport.problems`.

``row`` is the row number as a spreadsheet shows it (the header is row 1, the first record
row 2). ``severity`` is ``'error'`` (the row was quarantined) or ``'warning'`` (the row was
kept; the value is reported, for example an unknown relation).
"""


@dataclass
class ValidationReport:
    """Everything validation found, collected in one pass.

    Attributes
    ----------
    problems
        One row per problem, columns :data:`PROBLEM_COLUMNS`.
    counts
        One row per table, indexed by table name, columns ``read``, ``accepted``,
        ``quarantined``, ``duplicates`` (exact copies of another row, kept once) and
        ``provisional`` (records made from names that matched none).
        ``read == accepted + quarantined + duplicates`` always holds; a table holds
        ``accepted + provisional`` rows.
    quarantined
        Per table, the rejected rows as read (all values as text), with ``_row`` (the
        spreadsheet row number), ``_file`` (the file, or ``book.xlsx[sheet]``) and
        ``_reasons`` (every reason, ``'; '``-joined).
    provenance
        Per table, one row per row of the table, in the same order: ``file``, ``sheet``,
        ``row`` (spreadsheet row) and ``agency`` of the row it was read from (for a
        provisional record, the row whose name made it).
    """

    problems: pd.DataFrame
    counts: pd.DataFrame
    quarantined: dict[str, pd.DataFrame] = field(default_factory=dict)
    provenance: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def is_clean(self) -> bool:
        """True when no row was quarantined (warnings allowed)."""
        return int(self.counts["quarantined"].sum()) == 0

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "warning"]


@dataclass
class Dataset:
    """A validated contextmap dataset (see the module docstring for the column contract)."""

    children: pd.DataFrame
    persons: pd.DataFrame
    locations: gpd.GeoDataFrame
    episodes: pd.DataFrame
    links: pd.DataFrame
    report: ValidationReport
    source: Path | None = None
    content_hash: str | None = None
    grading_scheme: str = "3x5x2"
    period: str | None = None
    """The period (``YYYY-MM``) whose files a sources manifest's ``{period}`` sources were read
    for; ``None`` when no file names the period."""
    resolution: object | None = None
    """The entity-resolution record (``contextmap.resolve.Resolution``) when this dataset was
    produced by ``resolve_dataset``; ``None`` for a dataset as loaded."""
    redacted_for: object | None = None
    """The audience (``contextmap.privacy.Audience``) this dataset was redacted for by
    ``redact_dataset``; ``None`` for a dataset as loaded (it holds everything). Views refuse to
    draw an analysis for a restricted audience unless it names that audience."""
    workspace: str | None = None
    """The workspace this dataset was read from (its label: a file path, or a server URL without
    its password); ``None`` for a dataset loaded from files."""

    def table(self, name: str) -> pd.DataFrame:
        """Return the accepted rows of table ``name``."""
        if name not in TABLE_NAMES:
            raise KeyError(f"Expected a table name in {TABLE_NAMES}, instead got: {name!r}")
        return getattr(self, name)

    @property
    def quarantine(self) -> dict[str, pd.DataFrame]:
        """The rejected rows of each table, with their reasons."""
        return self.report.quarantined

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(self.table(n))}" for n in TABLE_NAMES)
        q = int(self.report.counts["quarantined"].sum()) if len(self.report.counts) else 0
        period = f", period={self.period!r}" if self.period else ""
        return f"<Dataset {sizes}, quarantined={q}, source={str(self.source)!r}{period}>"
