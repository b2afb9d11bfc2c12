"""Coordinates: British National Grid and WGS84 both ways, OS grid references, plausibility.

* :func:`transform` converts BNG (EPSG:27700) and WGS84 (EPSG:4326) with pyproj (PROJ's
  built-in transformation, no network).
* :func:`parse_grid_references` reads Ordnance Survey grid references (``NY 40123 56789``,
  ``NY4012356789``, 6 to 10 digits) into easting and northing: the south-west corner of the
  square the reference names, as the Ordnance Survey defines it.
* :func:`far_from_area` finds points outside the area in settings (plus a buffer) or, when
  no area is set, far from the middle of the data: a mistyped easting (39123 for 339123)
  lands in Ireland, still inside Great Britain and Northern Ireland's box.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["GB_NI_BOUNDS", "transform", "parse_grid_references", "far_from_area"]

GB_NI_BOUNDS = (-8.7, 49.8, 1.8, 61.0)
"""WGS84 box (min longitude, min latitude, max longitude, max latitude) that holds Great
Britain, Northern Ireland and their islands (Scilly to Shetland, Lough Erne to Lowestoft).
Coordinates outside it cannot be right."""

_TRANSFORMERS: dict[str, object] = {}
_GRID = r"^([A-HJ-Za-hj-z]{2})\s*(\d+)(?:\s+(\d+))?$"


def transform(direction: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``'bng_to_wgs84'`` (easting, northing -> longitude, latitude) or ``'wgs84_to_bng'``."""
    from pyproj import Transformer

    if direction not in _TRANSFORMERS:
        src, dst = (27700, 4326) if direction == "bng_to_wgs84" else (4326, 27700)
        _TRANSFORMERS[direction] = Transformer.from_crs(src, dst, always_xy=True)
    return _TRANSFORMERS[direction].transform(x, y)  # type: ignore[attr-defined]


def _square(letters: str) -> tuple[int, int] | None:
    """The 100 km square's (easting, northing) index for two grid letters, or None."""
    a, b = (ord(c) - 65 for c in letters.upper())
    a -= a > 7  # the grid letters skip I
    b -= b > 7
    e = ((a - 2) % 5) * 5 + (b % 5)
    n = (19 - (a // 5) * 5) - (b // 5)
    return (e, n) if 0 <= e <= 6 and 0 <= n <= 12 else None


def parse_grid_references(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Read OS grid references into easting and northing (metres, BNG).

    Parameters
    ----------
    text
        Cells such as ``'NY 40123 56789'``, ``'ny4012356789'``, ``'NY 401 567'``; blank cells
        are missing, not errors.

    Returns
    -------
    easting, northing, reasons
        ``float64`` on the input index (NaN where blank or invalid), and the reason where a
        non-blank cell is not a grid reference.

    Examples
    --------
    >>> e, n, why = parse_grid_references(pd.Series(["NY 40123 56789", "NN166712", "SV 1", ""]))
    >>> e.tolist()[:2], n.tolist()[:2]
    ([340123.0, 216600.0], [556789.0, 771200.0])
    >>> why.notna().tolist()
    [False, False, True, False]
    """
    s = text.astype("string").str.strip().fillna("")
    given = s[s != ""]
    parts = given.str.extract(_GRID)  # one pass for every cell; each cell is then read below
    n = len(s)
    east, north = np.full(n, np.nan), np.full(n, np.nan)
    reasons: list[object] = [pd.NA] * n
    pos = s.index.get_indexer(given.index)
    for k, letters, a, b in zip(pos.tolist(), parts[0].tolist(), parts[1].tolist(), parts[2].tolist(), strict=True):
        why = "not an OS grid reference (expected two letters and 6 to 10 digits, e.g. 'NY 40123 56789')"
        if isinstance(letters, str):
            digits = a + (b if isinstance(b, str) else "")
            split_ok = not isinstance(b, str) or len(a) == len(b)
            sq = _square(letters)
            if sq is None:
                why = f"grid letters {letters.upper()!r} name no 100 km square of Great Britain"
            elif len(digits) % 2 or not 6 <= len(digits) <= 10 or not split_ok:
                why = f"grid reference needs an even number of digits, 6 to 10, instead got {len(digits)}"
            else:
                half = len(digits) // 2
                scale = 10 ** (5 - half)
                east[k] = sq[0] * 100_000 + int(digits[:half]) * scale
                north[k] = sq[1] * 100_000 + int(digits[half:]) * scale
                continue
        reasons[k] = why
    return (pd.Series(east, index=s.index, dtype="float64"), pd.Series(north, index=s.index, dtype="float64"),
            pd.Series(reasons, index=s.index, dtype="string"))


def far_from_area(
    lon: pd.Series,
    lat: pd.Series,
    easting: pd.Series,
    northing: pd.Series,
    *,
    bounds: tuple[float, float, float, float] | None,
    buffer_km: float,
    outlier_km: float,
) -> tuple[pd.Series, str]:
    """Points outside ``bounds`` widened by ``buffer_km`` or, with no bounds, farther than
    ``outlier_km`` from the median point of the data (needs five points or more).

    Returns
    -------
    mask, reason
        True for the points that look wrong, and the reason text for them.

    Examples
    --------
    >>> e = pd.Series([340000.0, 341000, 339500, 340500, 342000, 39123])
    >>> n = pd.Series([555000.0, 556000, 554000, 555500, 556500, 556000])
    >>> far, why = far_from_area(e * 0, e * 0, e, n, bounds=None, buffer_km=10, outlier_km=80)
    >>> far.tolist()
    [False, False, False, False, False, True]
    """
    has = lat.notna() & lon.notna()
    if bounds is not None:
        x0, y0, x1, y1 = bounds
        dlat = buffer_km / 111.0
        mid = np.radians((y0 + y1) / 2)
        dlon = buffer_km / (111.0 * max(np.cos(mid), 0.1))
        inside = lat.between(y0 - dlat, y1 + dlat) & lon.between(x0 - dlon, x1 + dlon)
        return has & ~inside, (f"outside the area in settings (longitude {x0} to {x1}, latitude {y0} to {y1}, "
                               f"plus {buffer_km:g} km): check the coordinates (kept)")
    en = has & easting.notna() & northing.notna()
    if en.sum() < 5:
        return pd.Series(False, index=lat.index), ""
    me, mn = float(easting[en].median()), float(northing[en].median())
    dist = np.hypot(easting - me, northing - mn) / 1000.0
    return en & (dist > outlier_km), (
        f"more than {outlier_km:g} km from the middle of the other locations (no area bounds in "
        "settings): check the coordinates, e.g. a digit missing from an easting (kept)")
