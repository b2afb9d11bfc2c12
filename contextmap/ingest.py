"""Read a dataset, map its columns, validate every row, quarantine bad rows.

(Being written: see issue 2.)
"""

from __future__ import annotations

__all__ = ["load"]


def load(path, *, mapping=None):  # type: ignore[no-untyped-def]
    raise NotImplementedError("contextmap.load is being written (issue 2)")
