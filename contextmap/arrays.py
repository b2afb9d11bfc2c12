"""Column operations that pandas makes slow on its Arrow-backed text columns.

pandas 3 stores text as ``str`` backed by pyarrow. Some of its methods on those columns go
value by value in Python: ``Series.isin`` builds one pyarrow scalar per candidate value, which
costs about four microseconds each, so testing 300,000 evidence rows against 100,000 ids took
half a second a call at region scale. The functions here hand the whole job to pyarrow's
compute kernels and give the same answers as the pandas methods they replace.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["isin", "lookup_series", "SPACE"]

SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
         "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
"""Every character Python's ``\\s`` matches, written out, for a character class: ``rf"[{SPACE}]"``.

pandas runs a ``str`` column's regular expressions in pyarrow (RE2) unless the pattern holds
something RE2 reads differently, ``\\s`` among them (RE2's misses vertical tab and every
non-ASCII space); the characters themselves mean the same to both engines."""


def _arrow_strings(s: pd.Series) -> pa.ChunkedArray | pa.Array | None:
    """The column's Arrow text array, or None when it is not Arrow-backed text."""
    if not isinstance(s.dtype, pd.StringDtype) or s.dtype.storage != "pyarrow":
        return None
    arr = s.array
    data = getattr(arr, "_pa_array", None)  # ArrowStringArray keeps it here (pandas >= 2)
    if data is None:
        return None
    if not (pa.types.is_string(data.type) or pa.types.is_large_string(data.type)):
        return None
    return data


def isin(values: pd.Series, candidates: Iterable[Any]) -> np.ndarray:
    """Which cells of ``values`` are among ``candidates``, as a boolean NumPy array.

    The same answer as ``values.isin(candidates).to_numpy(dtype=bool)`` with missing cells
    never matching, computed by pyarrow when ``values`` is Arrow-backed text (pandas 3's
    default for text). Non-text candidates never match a text cell, as in pandas.

    Examples
    --------
    >>> s = pd.Series(["C1", None, "C3"], dtype="string[pyarrow]")
    >>> isin(s, {"C3", "C9", 4}).tolist()
    [False, False, True]
    >>> isin(pd.Series([1, 2, 3]), [2]).tolist()
    [False, True, False]
    """
    data = _arrow_strings(values)
    if data is None:
        found = values.isin(list(candidates) if not isinstance(candidates, (pd.Series, pd.Index, list))
                            else candidates)
        return (found & values.notna()).to_numpy(dtype=bool)
    given = _arrow_strings(pd.Series(candidates)) if isinstance(candidates, (pd.Series, pd.Index)) else None
    if given is not None:
        given = given.combine_chunks() if isinstance(given, pa.ChunkedArray) else given
        value_set = given.cast(data.type).drop_null()
    else:
        items = [v for v in candidates if isinstance(v, str)]
        if not items:
            return np.zeros(len(values), dtype=bool)
        value_set = pa.array(items, type=data.type)
    found = pc.is_in(data, value_set=value_set)
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


def lookup_series(mapping: dict[str, str]) -> pd.Series:
    """``mapping`` as the Series that ``Series.map`` makes of a dict (the same values, index and
    dtypes), made once: pandas builds it, and hashes its index, on every call.

    Examples
    --------
    >>> lookup = lookup_series({"P2": "P1", "P3": "P1"})
    >>> pd.Series(["P2", "P4"]).map(lookup).tolist()
    ['P1', nan]
    """
    return pd.Series(mapping.values(), index=pd.Index(mapping.keys(), tupleize_cols=False))
