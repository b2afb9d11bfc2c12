"""Small-count suppression: counts from 1 up to an audience's threshold are shown as ``<N``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from contextmap.privacy.audiences import Audience, get_audience

__all__ = ["suppress_count", "suppress_counts"]

def suppress_count(n: Any, audience: str | Audience, *, settings: Any = None) -> Any:
    """Show a small count as ``'<N'`` for audiences that suppress small numbers.

    Zero is shown (it discloses nobody); counts from 1 to ``suppress_below - 1`` are hidden.

    Examples
    --------
    >>> suppress_count(3, "partner"), suppress_count(7, "partner"), suppress_count(3, "police")
    ('<5', 7, 3)
    """
    aud = get_audience(audience, settings=settings)
    k = aud.suppress_below
    if k is None or n is None or isinstance(n, bool):
        return n
    try:
        if pd.isna(n):
            return n
    except (TypeError, ValueError):
        return n
    if isinstance(n, (int, float, np.integer, np.floating)) and 0 < n < k:
        return f"<{k}"
    return n


def suppress_counts(
    df: pd.DataFrame, audience: str | Audience, *, columns: Iterable[str] | None = None, settings: Any = None
) -> pd.DataFrame:
    """Return a copy of ``df`` with small counts in ``columns`` (default: integer columns) suppressed.

    Suppressed columns become text columns so that ``'<5'`` can sit beside numbers.

    Examples
    --------
    >>> suppress_counts(pd.DataFrame({"area": ["N", "S"], "children": [2, 12]}), "partner")["children"].tolist()
    ['<5', '12']
    """
    aud = get_audience(audience, settings=settings)
    out = df.copy()
    if aud.suppress_below is None:
        return out
    cols = list(columns) if columns is not None else [
        c for c in out.columns if pd.api.types.is_integer_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])
    ]
    for c in cols:
        out[c] = out[c].map(lambda v: str(suppress_count(v, aud)) if not pd.isna(v) else pd.NA).astype("string")
    return out
