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
from contextmap.ingest.read import load
from contextmap.settings import Settings, load_settings

_LAZY = {
    "analyze": "contextmap.analysis",
    "Analysis": "contextmap.analysis",
    "resolve_dataset": "contextmap.resolve",
    "redact_dataset": "contextmap.privacy",
    "build_pack": "contextmap.pack",
}


def __getattr__(name: str) -> object:
    """The notebook API, imported when first used (``import contextmap`` stays light)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'contextmap' has no attribute {name!r}")


try:
    __version__ = version("contextmap")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "load",
    "analyze",
    "Analysis",
    "resolve_dataset",
    "redact_dataset",
    "build_pack",
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
