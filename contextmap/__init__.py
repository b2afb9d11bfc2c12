"""contextmap: contextual safeguarding from missing-episode and intelligence records.

Turn Return Home Interview intelligence and association records into a graph of children,
persons of concern and locations; find peer groups, key persons and hotspots; produce the
maps, network views and packs that MACE and mapping meetings work from.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from contextmap._errors import (
    ConfigError,
    ContextMapError,
    InputNotFoundError,
    InputReadError,
    MappingError,
    OutputExistsError,
    PrivacyError,
)
from contextmap.dataset import Dataset, ValidationReport
from contextmap.ingest import load
from contextmap.settings import Settings, load_settings

try:
    __version__ = version("contextmap")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "load",
    "Dataset",
    "ValidationReport",
    "Settings",
    "load_settings",
    "ContextMapError",
    "InputReadError",
    "InputNotFoundError",
    "ConfigError",
    "MappingError",
    "PrivacyError",
    "OutputExistsError",
]
