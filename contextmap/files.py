"""Files contextmap writes: the one overwrite check, formula-safe CSV, plain JSON values.

Every writer in the package goes through :func:`check_writable` (never replace a file unless
asked), every CSV through :func:`write_csv` (spreadsheet formulas neutralised), and every JSON
payload through :func:`to_jsonable` (pandas/numpy values as plain JSON). These are the lowest
layer: ingest, resolution, the analyses, the views and the pack all use them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from contextmap._errors import OutputExistsError

__all__ = ["check_writable", "check_new_files", "to_jsonable", "neutralise_cell", "neutralise_frame", "write_csv"]


def check_writable(path: str | Path, *, overwrite: bool, argument: str = "path") -> Path:
    """Return ``path`` as a Path, refusing to replace an existing file unless ``overwrite``."""
    p = Path(path)
    if p.exists() and not overwrite:
        raise OutputExistsError(
            f"Expected {argument} to be a new file (pass --overwrite, or overwrite=True in Python, to replace it), "
            f"instead got an existing "
            f"file: {str(p)!r}"
        )
    if p.is_dir():
        raise OutputExistsError(f"Expected {argument} to be a file, instead got a directory: {str(p)!r}")
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def check_new_files(paths: Iterable[str | Path], *, overwrite: bool, argument: str = "out_dir") -> list[Path]:
    """Return ``paths`` as Paths, refusing if any exists unless ``overwrite``; create parents.

    The check for writers of several files at once (a quarantine folder, analysis tables, a
    sample): nothing is written unless every file may be.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); (d / "a.csv").write_text("x")
    1
    >>> check_new_files([d / "a.csv", d / "b.csv"], overwrite=False)
    Traceback (most recent call last):
    ...
    contextmap._errors.OutputExistsError: Expected out_dir to hold none of the files it would write (pass overwrite=True or --overwrite to replace them), instead found: '.../a.csv'
    """
    ps = [Path(p) for p in paths]
    existing = [p for p in ps if p.exists()]
    if existing and not overwrite:
        raise OutputExistsError(
            f"Expected {argument} to hold none of the files it would write (pass overwrite=True or "
            f"--overwrite to replace them), instead found: {str(existing[0])!r}"
        )
    for p in ps:
        if p.is_dir():
            raise OutputExistsError(f"Expected {argument} to name files, instead got a directory: {str(p)!r}")
        p.parent.mkdir(parents=True, exist_ok=True)
    return ps


def to_jsonable(value: Any) -> Any:
    """Turn pandas/numpy scalars and containers into plain JSON values (NaN/NA -> None)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series, pd.Index)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        return [to_jsonable(v) for v in items]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, (pd.Timestamp,)):
        return None if pd.isna(value) else value.strftime("%Y-%m-%d")
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with ``'``.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed
    (OWASP's CSV-injection advice); numbers and every other value are returned unchanged.

    Examples
    --------
    >>> neutralise_cell("=1+1"), neutralise_cell("-3.2"), neutralise_cell(-3.2), neutralise_cell("Ava")
    ("'=1+1", "'-3.2", -3.2, 'Ava')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell, column name and index label neutralised.

    Numeric, boolean and date columns are left as they are.
    """
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype("object")
        out[c] = s.map(neutralise_cell) if len(s) else s
    out.columns = [neutralise_cell(c) if isinstance(c, str) else c for c in out.columns]
    if not pd.api.types.is_numeric_dtype(out.index):
        out.index = out.index.map(neutralise_cell)
    return out


def write_csv(
    df: pd.DataFrame,
    path: str | Path,
    *,
    index: bool = False,
    overwrite: bool = False,
    bom: bool = True,
) -> Path:
    """Write ``df`` as CSV with formula injection neutralised (see :func:`neutralise_cell`).

    Use this for every CSV contextmap writes. Geometry columns are written as WKT. Lines end
    in CRLF (RFC 4180, what Excel writes), so a cell holding a line break or carriage return
    is quoted and stays one cell.

    Parameters
    ----------
    df
        The table.
    path
        Where to write.
    index
        Write the index as the first column.
    overwrite
        Replace an existing file.
    bom
        Start with a UTF-8 byte-order mark so that Excel shows non-ASCII names correctly
        (pandas and most tools skip it on reading).

    Returns
    -------
    Path
        The file written.
    """
    p = check_writable(path, overwrite=overwrite)
    frame = pd.DataFrame(df)
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.to_wkt())
    neutralise_frame(frame).to_csv(p, index=index, encoding="utf-8-sig" if bom else "utf-8", lineterminator="\r\n")
    return p
