"""Emerging hotspots: how places and grid cells behaved as hotspots over the period.

In the spirit of emerging hot spot analysis (space-time Getis-Ord Gi* with a Mann-Kendall
trend test): the period is cut into equal time steps (6 by default: two-month steps for a
year; monthly counts at a place are too few and bursty for the test). In each step, the events
at each place (evidence rows: children and persons of concern seen there, episodes found
there) are tested with the local Getis-Ord Gi* statistic (esda, a binary distance band in
metres on the British National Grid, the place itself included), and a step's hotspots are
the places with a positive z-score whose p-value passes the Benjamini-Hochberg false
discovery rate at ``alpha`` (esda's ``fdr``) across all places in that step. The same is
done for a square grid of ``cell_m`` metre cells holding any event in the period. Each
place and cell is then put in one category:

``new``
    a hotspot only in an unbroken run of steps ending with the last one, shorter than half
    the period (a hotspot that appeared and stayed);
``intensifying``
    a hotspot in at least half of the steps, the last included, and its z-score rising
    over the steps (Kendall's tau > 0, p < 0.05);
``diminishing``
    a hotspot in at least half of the steps, and its z-score falling (tau < 0, p < 0.05);
``persistent``
    a hotspot in at least half of the steps, with no significant trend;
``sporadic``
    a hotspot in some steps, on and off (fewer than half, not only the last);
``no pattern``
    never a significant hotspot.

With few events per step the test has little power: a quiet area shows no pattern rather
than a false alarm. Read it with the ranking, which weighs the signals of concern.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from contextmap._errors import ConfigError
from contextmap.dataset import Dataset
from contextmap.hotspots import location_evidence
from contextmap.settings import Settings

if TYPE_CHECKING:
    from contextmap.graph import AnalysisContext

__all__ = ["emerging_hotspots", "EmergingHotspots", "classify_series", "CATEGORIES"]

CATEGORIES = ("new", "intensifying", "persistent", "diminishing", "sporadic", "no pattern")
_BNG = "EPSG:27700"


@dataclass
class EmergingHotspots:
    """Results of :func:`emerging_hotspots`.

    Attributes
    ----------
    places
        One row per place with events in the period: ``location_id``, ``category``,
        ``hot_steps`` (steps it was a significant hotspot), ``steps``, ``trend_tau``,
        ``trend_p``, ``events``.
    cells
        One row per grid cell holding any event (EPSG:27700): ``cell_id``, ``category``,
        ``hot_steps``, ``steps``, ``trend_tau``, ``trend_p``, ``events``, ``geometry``.
    steps
        ``(start, end)`` of each time step (inclusive days).
    """

    places: pd.DataFrame
    cells: gpd.GeoDataFrame
    steps: list[tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=list)
    alpha: float = 0.05
    threshold_m: float = 500.0
    cell_m: float = 500.0

    def counts(self) -> dict[str, int]:
        """Places per category (every category, zeros included)."""
        vc = self.places["category"].value_counts() if len(self.places) else pd.Series(dtype=int)
        return {c: int(vc.get(c, 0)) for c in CATEGORIES}


def classify_series(hot: np.ndarray, z: np.ndarray) -> tuple[str, float, float]:
    """The category of one place or cell from its per-step hotspot flags and z-scores.

    Examples
    --------
    >>> classify_series(np.array([0, 0, 0, 1], bool), np.array([0.1, 0.2, 0.1, 3.0]))[0]
    'new'
    >>> classify_series(np.array([1, 1, 1, 1, 1, 1], bool), np.arange(6.0) + 2)[0]
    'intensifying'
    >>> classify_series(np.array([0, 1, 0, 0, 1, 0], bool), np.zeros(6))[0]
    'sporadic'
    """
    from scipy.stats import kendalltau

    hot = np.asarray(hot, bool)
    z = np.nan_to_num(np.asarray(z, float))
    T = len(hot)
    tau, p = (np.nan, np.nan)
    if T >= 3 and np.ptp(z) > 0:
        res = kendalltau(np.arange(T), z)
        tau, p = float(res.statistic), float(res.pvalue)
    if not hot.any():
        return "no pattern", tau, p
    first = int(np.argmax(hot))
    if hot[-1] and hot[first:].all() and hot.sum() < T / 2:
        return "new", tau, p
    if hot.sum() >= T / 2:
        if np.isfinite(p) and p < 0.05 and tau > 0 and hot[-1]:
            return "intensifying", tau, p
        if np.isfinite(p) and p < 0.05 and tau < 0:
            return "diminishing", tau, p
        return "persistent", tau, p
    return "sporadic", tau, p


def _steps(start: pd.Timestamp, end: pd.Timestamp, n: int) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    days = int((end - start) / pd.Timedelta(days=1)) + 1
    n = max(1, min(n, days))
    edges = pd.date_range(start, end + pd.Timedelta(days=1), periods=n + 1)
    return [(edges[i].normalize(), (edges[i + 1] - pd.Timedelta(days=1)).normalize()) for i in range(n)]


def _gi_star(values: np.ndarray, w: Any, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Per step (columns of ``values``): z-scores and FDR-significant hot flags."""
    from esda import fdr
    from esda.getisord import G_Local

    T = values.shape[1]
    zs = np.zeros(values.shape)
    hot = np.zeros(values.shape, bool)
    for t in range(T):
        y = values[:, t].astype(float)
        if np.ptp(y) == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            g = G_Local(y, w, transform="B", star=True, permutations=0)
        z = np.nan_to_num(np.asarray(g.Zs, float))
        p = np.where(np.isfinite(g.p_norm), g.p_norm, 1.0)
        thr = fdr(p, alpha)
        zs[:, t] = z
        hot[:, t] = (z > 0) & (p <= thr)
    return zs, hot


def _weights(xy: np.ndarray, threshold: float) -> Any:
    from libpysal.weights import DistanceBand

    with warnings.catch_warnings():  # isolated places and cells have no neighbours: expected
        warnings.simplefilter("ignore")
        return DistanceBand(xy, threshold=threshold, binary=True, silence_warnings=True)


def _classify_all(values: np.ndarray, w: Any, alpha: float) -> pd.DataFrame:
    zs, hot = _gi_star(values, w, alpha)
    rows = [classify_series(hot[i], zs[i]) for i in range(values.shape[0])]
    return pd.DataFrame({"category": [r[0] for r in rows], "hot_steps": hot.sum(axis=1).astype(int),
                         "steps": values.shape[1], "trend_tau": [r[1] for r in rows],
                         "trend_p": [r[2] for r in rows], "events": values.sum(axis=1).astype(int)})


def emerging_hotspots(
    ds: Dataset | AnalysisContext,
    *,
    start: Any = None,
    end: Any = None,
    steps: int = 6,
    threshold_m: float = 500.0,
    cell_m: float = 500.0,
    alpha: float = 0.05,
    settings: Settings | None = None,
) -> EmergingHotspots:
    """Classify places and grid cells as new, intensifying, persistent, diminishing or sporadic hotspots.

    Parameters
    ----------
    ds
        A dataset (with eastings and northings), or the analysis context of one
        (:class:`contextmap.graph.AnalysisContext`: its period and settings, and the location
        evidence it has already built, are used).
    start, end
        The period (default: the 12 months to the latest date in the data); not with a context.
    steps
        Number of equal time steps.
    threshold_m
        Distance band of the Gi* neighbourhood for places, in metres.
    cell_m
        Grid cell size in metres (the cells' neighbourhood is 1.5 cells: the 8 around).
    alpha
        False discovery rate for a step's hotspots.

    Returns
    -------
    EmergingHotspots

    Examples
    --------
    >>> from contextmap.emerging import emerging_hotspots
    >>> em = emerging_hotspots(ds)  # doctest: +SKIP
    >>> em.counts()  # doctest: +SKIP
    """
    for name, v in (("threshold_m", threshold_m), ("cell_m", cell_m)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
            raise ConfigError(f"Expected {name} to be a positive number of metres, instead got: {v!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ConfigError(f"Expected alpha to be a number between 0 and 1, instead got: {alpha!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 3:
        raise ConfigError(f"Expected steps to be a whole number of at least 3, instead got: {steps!r}")
    from contextmap.graph import as_context

    ctx = as_context(ds, start=start, end=end, settings=settings)
    ev = location_evidence(ctx)
    s, e = ev.attrs["start"], ev.attrs["end"]
    ev = ev.loc[ev["in_period"].to_numpy(dtype=bool)]
    locations = ctx.require_dataset("emerging hotspots").locations
    lo = locations.set_index(locations["location_id"].astype(str))
    x = lo["easting"].reindex(ev["location_id"].astype(str)).to_numpy(float)
    y = lo["northing"].reindex(ev["location_id"].astype(str)).to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    ev, x, y = ev.loc[ok], x[ok], y[ok]
    step_list = _steps(pd.Timestamp(s), pd.Timestamp(e), steps)
    bounds = np.array([pd.Timestamp(a) for a, _ in step_list[1:]], dtype="datetime64[ns]")
    t = np.searchsorted(bounds, ev["date"].to_numpy(dtype="datetime64[ns]"), side="right")
    T = len(step_list)
    place_cols = ["location_id", "category", "hot_steps", "steps", "trend_tau", "trend_p", "events"]
    cell_cols = ["cell_id", "category", "hot_steps", "steps", "trend_tau", "trend_p", "events"]
    if len(ev) == 0:
        return EmergingHotspots(pd.DataFrame(columns=place_cols),
                                gpd.GeoDataFrame(pd.DataFrame(columns=cell_cols), geometry=[], crs=_BNG),
                                step_list, float(alpha), float(threshold_m), float(cell_m))
    # places: every place with coordinates takes part (a quiet neighbour counts as a zero)
    all_ids = lo.index[np.isfinite(lo["easting"].to_numpy(float)) & np.isfinite(lo["northing"].to_numpy(float))]
    ids = np.asarray(sorted(set(all_ids.astype(str))), dtype=object)
    inv = pd.Index(ids).get_indexer(ev["location_id"].astype(str))
    vals = np.zeros((len(ids), T))
    np.add.at(vals, (inv, t), 1.0)
    pxy = np.column_stack([lo["easting"].reindex(ids).to_numpy(float), lo["northing"].reindex(ids).to_numpy(float)])
    if len(ids) >= 3:
        places = _classify_all(vals, _weights(pxy, threshold_m), alpha)
    else:
        places = pd.DataFrame({"category": "no pattern", "hot_steps": 0, "steps": T, "trend_tau": np.nan,
                               "trend_p": np.nan, "events": vals.sum(axis=1).astype(int)})
    places.insert(0, "location_id", ids)
    places = places.loc[places["events"] > 0].reset_index(drop=True)  # reported: places with evidence
    # grid cells
    x0, y0 = np.floor(x.min() / cell_m) * cell_m, np.floor(y.min() / cell_m) * cell_m
    cx = ((x - x0) // cell_m).astype(int)
    cy = ((y - y0) // cell_m).astype(int)
    keys, cinv = np.unique(cx.astype(np.int64) * 1_000_003 + cy, return_inverse=True)
    gx, gy = keys // 1_000_003, keys % 1_000_003
    cvals = np.zeros((len(keys), T))
    np.add.at(cvals, (cinv, t), 1.0)
    cxy = np.column_stack([x0 + (gx + 0.5) * cell_m, y0 + (gy + 0.5) * cell_m])
    if len(keys) >= 3:
        cells = _classify_all(cvals, _weights(cxy, 1.5 * cell_m), alpha)
    else:
        cells = pd.DataFrame({"category": "no pattern", "hot_steps": 0, "steps": T, "trend_tau": np.nan,
                              "trend_p": np.nan, "events": cvals.sum(axis=1).astype(int)})
    cells.insert(0, "cell_id", [f"G{int(a)}_{int(b)}" for a, b in zip(gx, gy, strict=True)])
    geom = shapely.box(x0 + gx * cell_m, y0 + gy * cell_m, x0 + (gx + 1) * cell_m, y0 + (gy + 1) * cell_m)
    cells_gdf = gpd.GeoDataFrame(cells, geometry=geom, crs=_BNG)
    return EmergingHotspots(places, cells_gdf, step_list, float(alpha), float(threshold_m), float(cell_m))
