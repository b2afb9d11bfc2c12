"""Ingest: read an export, map its columns, check every row, quarantine, report data quality.

:func:`load` reads a folder of CSV files or one workbook into a validated
:class:`~contextmap.dataset.Dataset`; :mod:`.columns` reads a column-mapping file for exports in
other column names; :mod:`.quality` summarises what was read.
"""

from contextmap.ingest.columns import Mapping, TableMapping, load_mapping
from contextmap.ingest.quality import QualitySummary, summarise
from contextmap.ingest.read import GB_NI_BOUNDS, REQUIRED_TABLES, load, write_quarantine

__all__ = [
    "load", "write_quarantine", "REQUIRED_TABLES", "GB_NI_BOUNDS", "Mapping", "TableMapping",
    "load_mapping", "QualitySummary", "summarise",
]
