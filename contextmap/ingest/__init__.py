"""Ingest: find a dataset's sources, read them, map their columns, check every row, report.

:func:`load` reads a folder of CSV files, one workbook, or a sources manifest into a
validated :class:`~contextmap.dataset.Dataset`. The steps: :mod:`.sources` (files and sheets
read as text), :mod:`.manifest` (several sources per table), :mod:`.columns` (column
mappings), :mod:`.checks` (row checks), :mod:`.names` (link ends and found locations by
name), :mod:`.mentions` (RHI free text), :mod:`.coordinates`, :mod:`.quarantine` (problems
and quarantined rows); :mod:`.quality` summarises what was read.
"""

from contextmap.ingest.columns import Mapping, TableMapping, load_mapping
from contextmap.ingest.coordinates import GB_NI_BOUNDS, parse_grid_references
from contextmap.ingest.manifest import Manifest, is_manifest, load_manifest
from contextmap.ingest.mentions import split_people
from contextmap.ingest.quality import QualitySummary, summarise
from contextmap.ingest.quarantine import write_quarantine
from contextmap.ingest.read import load
from contextmap.ingest.sources import REQUIRED_TABLES

__all__ = [
    "load", "write_quarantine", "REQUIRED_TABLES", "GB_NI_BOUNDS", "Mapping", "TableMapping",
    "load_mapping", "QualitySummary", "summarise", "Manifest", "load_manifest", "is_manifest",
    "split_people", "parse_grid_references",
]
