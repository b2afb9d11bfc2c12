"""Hotspots: locations of concern, spatial clusters, a density surface in metres, trends.

Score
-----
Places of concern are told from busy places (stations, shopping centres, schools, homes) by
signals of concern, not raw counts. The score sums, with :data:`SCORE_WEIGHTS`: persons of
concern seen there (each distinct person adds ``1 - exp(-w)``, ``w`` the graded, decayed
evidence of :mod:`contextmap.graph`); children there who are linked to a person of concern
seen there (co-presence); children there on two or more days (repeat) and children whose
*missing* episodes ended there (both saturating at 4); and a small breadth term (distinct
children, at most 1). A child's own home never counts for that child, and a location named by a
description rather than a place ("Unknown", "Home", "a hotel") is never ranked. Each row carries its
parts and a ``why`` sentence; see ``docs/analyses.md``.

Trend
-----
Evidence in the period is compared with the previous period of equal length:
``'new'`` (nothing before the period at all), ``'emerging'`` (at least 1.5 times as much
as before, or back after a gap), ``'declining'`` (at most two thirds as much) and
``'persistent'`` otherwise.

Distances are in metres on the British National Grid (EPSG:27700): clusters use DBSCAN
with Euclidean distance on eastings and northings, and the density surface is a Gaussian
kernel density on a metre grid (binned, then smoothed), in events per square kilometre.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from contextmap._errors import ConfigError
from contextmap.dataset import Dataset
from contextmap.graph import AnalysisContext, as_context
from contextmap.ingest.placetext import text_kind
from contextmap.schema import grading_mix_by
from contextmap.settings import Settings

__all__ = ["rank_locations", "spatial_clusters", "density_surface", "DensitySurface",
           "getis_ord", "location_evidence", "TRENDS"]

TRENDS = ("new", "emerging", "persistent", "declining")
_BNG = "EPSG:27700"
_WGS84 = "EPSG:4326"
_COLUMNS = ["location_id", "name", "category", "rank", "score", "why", "persons_of_concern",
            "children_with_poc", "repeat_children", "missing_found_away", "children_away",
            "episodes", "children", "persons_seen", "first_seen", "last_seen", "grading_mix", "persons", "trend",
            "previous_events", "events", "easting", "northing", "latitude", "longitude"]


def location_evidence(ds: Any, *, start: Any = None, end: Any = None,
                      settings: Settings | None = None) -> pd.DataFrame:
    """Evidence rows touching a location (up to ``end``, all history): one row per record.

    ``ds`` is a dataset or an analysis context (:class:`contextmap.graph.AnalysisContext`).
    Columns ``location_id``, ``other_id``, ``other_kind`` (``child``, ``person``, ``mention`` for a
    provisional person, ``location``), ``date``, ``episode_id``,
    ``link_id``, ``grading``, ``relation``, ``source_type``, ``weight`` (decayed to ``end``)
    and ``in_period``.
    """
    return _location_evidence(as_context(ds, start=start, end=end, settings=settings))[0]


def _location_evidence(ctx: AnalysisContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`location_evidence` and the child-person pairs linked in the period (built once
    per context)."""
    return ctx.memo("location_evidence", lambda: _build_location_evidence(ctx))


def _build_location_evidence(ctx: AnalysisContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    ctx.require_dataset("hotspots")
    if ctx.start is None:
        raise ConfigError("Expected an analysis context with a period start for hotspots (trends compare it "
                          "with the period before), instead got start=None")
    s, e = ctx.start, ctx.end
    ev = ctx.history
    kind = ctx.kinds.copy()
    # a provisional person (an RHI mention that matched no record) is not a person of concern:
    # it neither raises a place's score nor is listed among the persons seen there
    persons = ctx.require_dataset("hotspots").persons
    if "provisional" in persons.columns:
        prov = persons.loc[persons["provisional"].fillna(False).astype(bool), "person_id"].astype(str)
        kind[kind.index.isin(prov)] = "mention"
    locs = kind.index[kind.to_numpy() == "location"]
    a_loc = ev["a"].isin(locs).to_numpy(dtype=bool) if len(ev) else np.zeros(0, bool)
    b_loc = ev["b"].isin(locs).to_numpy(dtype=bool) if len(ev) else np.zeros(0, bool)
    one = a_loc ^ b_loc
    ev_all = ev
    ev = ev.loc[one]
    a_loc = a_loc[one]
    a, b = ev["a"].to_numpy(dtype=object), ev["b"].to_numpy(dtype=object)
    out = pd.DataFrame({
        "location_id": pd.Series(np.where(a_loc, a, b), dtype=object),
        "other_id": pd.Series(np.where(a_loc, b, a), dtype=object),
        "date": pd.to_datetime(ev["date"]).to_numpy(),
        "episode_id": pd.Series(ev["episode_id"].to_numpy(dtype=object), dtype=object),
        "link_id": pd.Series(ev["link_id"].to_numpy(dtype=object), dtype=object),
        "grading": pd.Series(ev["grading"].to_numpy(dtype=object), dtype=object),
        "relation": pd.Series(ev["relation"].to_numpy(dtype=object), dtype=object),
        "source_type": pd.Series(ev["source_type"].to_numpy(dtype=object), dtype=object),
        "weight": ev["weight"].to_numpy(float),
    })
    out["other_kind"] = pd.Series(kind.reindex(out["other_id"]).to_numpy(dtype=object), dtype=object)
    d = out["date"]
    out["in_period"] = (d >= s) & (d < e + pd.Timedelta(days=1))
    out.attrs["start"], out.attrs["end"] = s, e
    # child-person evidence in the period (who is linked to whom), for co-presence
    full = ev_all.loc[(pd.to_datetime(ev_all["date"]) >= s).to_numpy(dtype=bool)] if len(ev_all) else ev_all
    if len(full):
        ka = kind.reindex(full["a"]).to_numpy(dtype=object)
        kb = kind.reindex(full["b"]).to_numpy(dtype=object)
        cp = ((ka == "child") & (kb == "person")) | ((ka == "person") & (kb == "child"))
        fa, fb = full["a"].to_numpy(dtype=object)[cp], full["b"].to_numpy(dtype=object)[cp]
        child_first = (ka[cp] == "child")
        people = pd.DataFrame({"child": pd.Series(np.where(child_first, fa, fb), dtype=object),
                               "person": pd.Series(np.where(child_first, fb, fa), dtype=object)}).drop_duplicates()
    else:
        people = pd.DataFrame(columns=["child", "person"])
    return out, people


SCORE_WEIGHTS: dict[str, float] = {
    "persons": 3.0,
    "copresence": 1.0,
    "repeat": 1.0,
    "missing_away": 1.0,
    "breadth": 0.5,
}
"""Weights of the parts of a location's score (see the module docstring)."""

_SATURATE = {"repeat": 4.0, "missing_away": 4.0, "breadth": 5.0}


def _weights(weights: dict[str, float] | None) -> dict[str, float]:
    if weights is None:
        return dict(SCORE_WEIGHTS)
    if not isinstance(weights, dict) or set(weights) - set(SCORE_WEIGHTS):
        raise ConfigError(f"Expected weights to be a dict with keys from {sorted(SCORE_WEIGHTS)}, "
                          f"instead got: {weights!r}")
    for k, v in weights.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
            raise ConfigError(f"Expected weights[{k!r}] to be a non-negative number, instead got: {v!r}")
    return {**SCORE_WEIGHTS, **{k: float(v) for k, v in weights.items()}}


def _homes(ds: Dataset) -> set[tuple[str, str]]:
    """(child, location) pairs where the location is the child's home."""
    ch = ds.children
    pairs = set()
    if "home_location_id" in ch.columns:
        h = ch.dropna(subset=["home_location_id"])
        pairs |= set(zip(h["child_id"].astype(str), h["home_location_id"].astype(str), strict=True))
    li = ds.links
    if len(li):
        lv = li.loc[(li["relation"] == "lives_at").fillna(False).to_numpy(dtype=bool)]
        pairs |= set(zip(lv["source_id"].astype(str), lv["target_id"].astype(str), strict=True))
        pairs |= set(zip(lv["target_id"].astype(str), lv["source_id"].astype(str), strict=True))
    return pairs


def _score_parts(ds: Dataset, cur: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Per location: the raw signals and their saturated parts of the score."""
    locs = pd.Index(sorted(set(cur["location_id"])), name="location_id")
    # persons of concern seen there: graded, decayed evidence, each person adds up to 1
    pe = cur.loc[cur["other_kind"] == "person"]
    pw = pe.groupby(["location_id", "other_id"])["weight"].sum()
    persons = (1.0 - np.exp(-pw)).groupby(level=0).sum().reindex(locs, fill_value=0.0)
    # children there, away from their own home
    ce = cur.loc[cur["other_kind"] == "child"]
    homes = _homes(ds)
    if homes and len(ce):
        away = [(c, loc) not in homes for c, loc in zip(ce["other_id"].tolist(), ce["location_id"].tolist(),
                                                         strict=True)]
        ce = ce.loc[np.asarray(away, dtype=bool)]
    n_away = ce.groupby("location_id")["other_id"].nunique().reindex(locs, fill_value=0)
    days = ce.assign(_d=ce["date"].dt.normalize()).groupby(["location_id", "other_id"])["_d"].nunique()
    repeat = (days >= 2).groupby(level=0).sum().reindex(locs, fill_value=0)
    # co-presence: children there who are linked to a person of concern also seen there
    if len(pe) and len(ce) and len(people):
        at = pe[["location_id", "other_id"]].drop_duplicates().rename(columns={"other_id": "person"})
        kids = ce[["location_id", "other_id"]].drop_duplicates().rename(columns={"other_id": "child"})
        both = kids.merge(people, on="child").merge(at, on=["location_id", "person"])
        copresence = both.groupby("location_id")["child"].nunique().reindex(locs, fill_value=0)
    else:
        copresence = pd.Series(0, index=locs)
    # missing (not absent) episodes that ended there, away from home
    ep = ds.episodes
    missing_ids = set(ep.loc[(ep["classification"] == "missing").fillna(False).to_numpy(dtype=bool),
                             "episode_id"].astype(str))
    fm = ce.loc[(ce["relation"] == "found_at").to_numpy(dtype=bool)]
    eids = fm["episode_id"].tolist()  # a set lookup per id (Series.isin hashed them all again: 0.3 s)
    fm = fm.loc[np.fromiter((str(e) in missing_ids for e in eids), dtype=bool, count=len(eids))]
    missing_away = fm.groupby("location_id")["other_id"].nunique().reindex(locs, fill_value=0)
    out = pd.DataFrame({"persons_raw": persons.astype(float), "copresence_n": copresence.astype(int),
                        "repeat_n": repeat.astype(int), "missing_n": missing_away.astype(int),
                        "n_away": n_away.astype(int)}, index=locs)
    out["persons"] = out["persons_raw"]
    out["copresence"] = out["copresence_n"].astype(float)
    for part, raw in (("repeat", "repeat_n"), ("missing_away", "missing_n"), ("breadth", "n_away")):
        scale = _SATURATE[part]
        top = 1.0 if part == "breadth" else scale
        out[part] = top * (1.0 - np.exp(-out[raw].to_numpy(float) / scale))
    return out


_WHY_NAMES = {"persons": "persons of concern seen there",
              "copresence": "children linked to a person of concern seen there",
              "repeat": "children there on 2+ days", "missing_away": "missing episodes ended there (children)",
              "breadth": "children there (breadth)"}


def _why_all(parts: pd.DataFrame, weights: dict[str, float]) -> list[str]:
    """For each row of ``parts``: a short sentence naming the parts of the score, largest first."""
    keys = list(SCORE_WEIGHTS)
    values = np.column_stack([weights[k] * parts[k].to_numpy(float) for k in keys]).tolist()
    raw = {"persons": [f"{x:.1f}" for x in parts["persons_raw"].to_numpy(float).tolist()],
           "copresence": parts["copresence_n"].astype(int).astype(str).tolist(),
           "repeat": parts["repeat_n"].astype(int).astype(str).tolist(),
           "missing_away": parts["missing_n"].astype(int).astype(str).tolist(),
           "breadth": parts["n_away"].astype(int).astype(str).tolist()}
    out = []
    for i, row in enumerate(values):
        ranked = sorted(zip(row, keys, strict=True), reverse=True)
        out.append("; ".join(
            (f"{_WHY_NAMES[k]}, weighted by grading and age: {raw[k][i]}" if k == "persons"  # a weighted sum
             else f"{raw[k][i]} {_WHY_NAMES[k]}") + f" (+{v:.2f})" for v, k in ranked if v > 0.005))
    return out


def _why(pr: pd.Series, weights: dict[str, float]) -> str:
    """A short sentence naming the parts of the score, largest first."""
    return _why_all(pr.to_frame().T, weights)[0]


def _sorted_sets_by(keys: np.ndarray, values: np.ndarray) -> dict[Any, list]:
    """key -> sorted list of the distinct values with that key."""
    if not len(keys):
        return {}
    frame = pd.DataFrame({"k": pd.Series(keys, dtype=object), "v": pd.Series(values, dtype=object)})
    frame = frame.drop_duplicates().sort_values(["k", "v"], kind="stable")
    k = frame["k"].to_numpy(dtype=object)
    v = frame["v"].tolist()
    cut = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]).tolist() + [len(k)]
    return {k[lo]: v[lo:hi] for lo, hi in zip(cut[:-1], cut[1:], strict=True)}


def _trend(cur: int, prev: int, before: bool) -> str:
    if not before:
        return "new"
    if prev == 0 or cur >= 1.5 * prev:
        return "emerging"
    if cur * 1.5 <= prev:
        return "declining"
    return "persistent"


def rank_locations(
    ds: Any,
    *,
    start: Any = None,
    end: Any = None,
    settings: Settings | None = None,
    weights: dict[str, float] | None = None,
) -> gpd.GeoDataFrame:
    """Rank the locations with evidence in the period (rank 1 is the highest score).

    Parameters
    ----------
    ds
        An analysis context (:class:`contextmap.graph.AnalysisContext`) or a dataset.
    start, end
        The period (inclusive) of the context built for a dataset; default the 12 months up
        to the latest date in the data.
    settings
        Graph weights (``settings.graph``).

    Returns
    -------
    geopandas.GeoDataFrame
        WGS84, one row per location: ``location_id``, ``name``, ``category``, ``rank``,
        ``score``, ``episodes``, ``children``, ``persons_seen``, ``first_seen``, ``last_seen``,
        ``grading_mix`` (e.g. ``'episode x4; 1A P x2'``), ``persons`` (list of person ids),
        ``trend``, ``previous_events``, ``events``, coordinates and ``geometry``.

    Examples
    --------
    >>> from contextmap.sample import generate_sample
    >>> ds = generate_sample(children=20, seed=1).to_dataset()
    >>> ranked = rank_locations(ds)
    >>> list(ranked["rank"].head(3)), ranked.crs.to_string()
    ([1, 2, 3], 'EPSG:4326')
    >>> ranked["score"].is_monotonic_decreasing
    True
    """
    weights = _weights(weights)
    ctx = as_context(ds, start=start, end=end, settings=settings, default_months=12)
    ds = ctx.dataset
    ev, people = _location_evidence(ctx)
    s, e = ev.attrs["start"], ev.attrs["end"]
    length = e + pd.Timedelta(days=1) - s
    prev_mask = (ev["date"] >= s - length) & (ev["date"] < s)
    cur = ev.loc[ev["in_period"]]
    cols = [c for c in _COLUMNS if c not in ("name", "category", "rank", "easting", "northing", "latitude",
                                              "longitude")]
    df = pd.DataFrame(columns=cols)
    if len(cur):
        before = set(ev.loc[ev["date"] < s, "location_id"])
        prev_n = ev.loc[prev_mask].groupby("location_id").size()
        parts = _score_parts(ds, cur, people)
        score = sum(weights[k] * parts[k] for k in SCORE_WEIGHTS)
        is_child = (cur["other_kind"] == "child").to_numpy(dtype=bool)
        is_person = (cur["other_kind"] == "person").to_numpy(dtype=bool)
        cur = cur.assign(
            _child=cur["other_id"].where(is_child),
            _person=cur["other_id"].where(is_person),
            _mix=cur["grading"].where(cur["grading"].notna(),
                                      np.where(cur["link_id"].isna(), "episode", "ungraded")),
        )
        g = cur.groupby("location_id", sort=False)
        agg = g.agg(episodes=("episode_id", "nunique"), children=("_child", "nunique"),
                    persons_seen=("_person", "nunique"), first=("date", "min"),
                    last=("date", "max"), events=("date", "size"))
        idx = agg.index
        pers = _sorted_sets_by(cur["location_id"].to_numpy(dtype=object)[is_person],
                               cur["other_id"].to_numpy(dtype=object)[is_person])
        mix = grading_mix_by(cur["location_id"].to_numpy(), cur["_mix"].to_numpy())
        pr = parts.reindex(idx)
        prev = prev_n.reindex(idx, fill_value=0).astype(int).to_numpy()
        events = agg["events"].astype(int).to_numpy()
        had_before = np.fromiter((loc in before for loc in idx), dtype=bool, count=len(idx))
        trend = np.where(~had_before, "new",
                         np.where((prev == 0) | (events >= 1.5 * prev), "emerging",
                                  np.where(events * 1.5 <= prev, "declining", "persistent")))
        df = pd.DataFrame({
            "location_id": pd.Series(idx.to_numpy(dtype=object), dtype=object),
            "score": [round(float(x), 6) for x in score.reindex(idx).tolist()],
            "persons_of_concern": [round(float(x), 3) for x in pr["persons_raw"].tolist()],
            "children_with_poc": pr["copresence_n"].astype(int).to_numpy(),
            "repeat_children": pr["repeat_n"].astype(int).to_numpy(),
            "missing_found_away": pr["missing_n"].astype(int).to_numpy(),
            "children_away": pr["n_away"].astype(int).to_numpy(),
            "why": _why_all(pr, weights),
            "episodes": agg["episodes"].astype(int).to_numpy(),
            "children": agg["children"].astype(int).to_numpy(),
            "persons_seen": agg["persons_seen"].astype(int).to_numpy(),
            "first_seen": agg["first"].dt.normalize().to_numpy(),
            "last_seen": agg["last"].dt.normalize().to_numpy(),
            "grading_mix": pd.Series(mix).reindex(idx).fillna("").to_numpy(dtype=object),
            "persons": [pers.get(loc, []) for loc in idx],
            "events": events,
            "previous_events": prev,
            "trend": trend.astype(object),
        })[cols]
    lo = ds.locations.set_index(ds.locations["location_id"].astype(str))
    # a location record named by a description ("Unknown", "Home", "a hotel"): never ranked
    df = df.loc[~df["location_id"].astype(str).isin(_named_no_place(lo["name"]))]
    df = df.sort_values(["score", "children", "location_id"], ascending=[False, False, True], kind="stable")
    df = df.reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    ids = df["location_id"]
    for col in ("name", "category", "easting", "northing", "latitude", "longitude"):
        df[col] = lo[col].reindex(ids).to_numpy() if len(df) else pd.Series(dtype=object)
    geom = lo.geometry.reindex(ids).to_numpy() if len(df) else []
    gdf = gpd.GeoDataFrame(df[_COLUMNS], geometry=gpd.GeoSeries(geom, crs=_WGS84), crs=_WGS84)
    gdf.attrs["start"], gdf.attrs["end"] = str(s.date()), str(e.date())
    return gdf


def _named_no_place(names: pd.Series) -> set[str]:
    """Ids of locations whose name names no place (:func:`contextmap.ingest.placetext.non_place_kind`)."""
    kinds = {n: text_kind(n) for n in names.dropna().astype(str).unique()}
    return {str(i) for i, n in names.items() if isinstance(n, str) and kinds.get(n) is not None}


def spatial_clusters(
    ds_or_ranked: Any,
    *,
    eps_m: float = 300.0,
    min_samples: int = 3,
    buffer_m: float | None = None,
    top: int | None = None,
    start: Any = None,
    end: Any = None,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Clusters of nearby locations of concern (DBSCAN on British National Grid metres).

    Parameters
    ----------
    ds_or_ranked
        A dataset or an analysis context (ranked first with :func:`rank_locations`), or a
        ranked GeoDataFrame.
    eps_m
        Neighbourhood radius in metres.
    min_samples
        Locations needed within ``eps_m`` to start a cluster.
    buffer_m
        Buffer round the convex hull of a cluster (default ``eps_m / 2``).
    top
        Cluster the ``top`` highest-ranked locations (default: the larger of 20 and 5% of
        the ranked locations). Clustering every place a child was ever seen joins a whole
        town into one cluster; clusters are of locations of concern.

    Returns
    -------
    geopandas.GeoDataFrame
        WGS84, one row per cluster (highest score first): ``cluster_id`` (``'SC1'``...),
        ``location_ids`` (list), ``n_locations``, ``score`` (sum of member scores),
        ``episodes``, ``geometry`` (buffered convex hull polygon).
    """
    from sklearn.cluster import DBSCAN

    if not eps_m > 0:
        raise ConfigError(f"Expected eps_m to be a positive number of metres, instead got: {eps_m!r}")
    if isinstance(min_samples, bool) or not isinstance(min_samples, int) or min_samples < 1:
        raise ConfigError(f"Expected min_samples to be a positive whole number, instead got: {min_samples!r}")
    ranked = (rank_locations(ds_or_ranked, start=start, end=end, settings=settings)
              if isinstance(ds_or_ranked, (Dataset, AnalysisContext)) else ds_or_ranked)
    cols = ["cluster_id", "location_ids", "n_locations", "score", "episodes"]
    if top is None:
        top = max(20, int(np.ceil(0.05 * len(ranked))))
    elif isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ConfigError(f"Expected top to be a positive whole number, instead got: {top!r}")
    ranked = ranked.sort_values("rank", kind="stable").head(top)
    pts = ranked.loc[ranked["easting"].notna() & ranked["northing"].notna() & (ranked["score"] > 0)]
    if len(pts) == 0:
        return gpd.GeoDataFrame(pd.DataFrame(columns=cols), geometry=[], crs=_WGS84)
    xy = pts[["easting", "northing"]].to_numpy(float)
    labels = DBSCAN(eps=eps_m, min_samples=min_samples, algorithm="kd_tree").fit(xy).labels_
    buf = eps_m / 2 if buffer_m is None else buffer_m
    rows, geoms = [], []
    for lab in sorted(set(labels) - {-1}):
        m = labels == lab
        members = pts.loc[m]
        hull = shapely.convex_hull(shapely.multipoints(xy[m])).buffer(buf)
        rows.append({"location_ids": sorted(members["location_id"]), "n_locations": int(m.sum()),
                     "score": round(float(members["score"].sum()), 6),
                     "episodes": int(members["episodes"].sum())})
        geoms.append(hull)
    df = pd.DataFrame(rows, columns=cols[1:])
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=_BNG), crs=_BNG).to_crs(_WGS84)
    gdf = gdf.sort_values(["score", "n_locations"], ascending=False, kind="stable").reset_index(drop=True)
    gdf.insert(0, "cluster_id", [f"SC{i}" for i in range(1, len(gdf) + 1)])
    return gdf


@dataclass
class DensitySurface:
    """A kernel density surface on a metre grid (British National Grid).

    Attributes
    ----------
    values
        Density in events per square kilometre, shape ``(len(y_edges) - 1, len(x_edges) - 1)``;
        row 0 is the southernmost row.
    x_edges, y_edges
        Cell edges in metres (eastings, northings).
    crs
        ``'EPSG:27700'``.
    cell_m, bandwidth_m
        Cell size and Gaussian kernel bandwidth (standard deviation) in metres.
    n_events
        How many events (episode found locations and child-location links) went in.
    """

    values: np.ndarray
    x_edges: np.ndarray
    y_edges: np.ndarray
    crs: str
    cell_m: float
    bandwidth_m: float
    n_events: int

    def bounds_wgs84(self) -> list[list[float]]:
        """``[[south, west], [north, east]]`` in degrees (folium's bounds order)."""
        tr = Transformer.from_crs(_BNG, _WGS84, always_xy=True)
        x0, x1, y0, y1 = self.x_edges[0], self.x_edges[-1], self.y_edges[0], self.y_edges[-1]
        lon, lat = tr.transform([x0, x0, x1, x1], [y0, y1, y0, y1])
        return [[float(min(lat)), float(min(lon))], [float(max(lat)), float(max(lon))]]

    def to_rgba(self, *, cmap: str = "YlOrRd", max_alpha: float = 0.7, width: int | None = None) -> np.ndarray:
        """An RGBA image (uint8, north up) resampled onto a regular WGS84 grid over
        :meth:`bounds_wgs84`, for ``folium.raster_layers.ImageOverlay``. Transparent where
        the density is zero; opacity grows with density up to ``max_alpha``."""
        import matplotlib as mpl

        ny, nx_ = self.values.shape
        width = width or nx_
        height = max(1, int(round(width * ny / max(nx_, 1))))
        (s, w), (n, e) = self.bounds_wgs84()
        lon = np.linspace(w, e, width)
        lat = np.linspace(n, s, height)
        LON, LAT = np.meshgrid(lon, lat)
        tr = Transformer.from_crs(_WGS84, _BNG, always_xy=True)
        X, Y = tr.transform(LON, LAT)
        ix = np.floor((X - self.x_edges[0]) / self.cell_m).astype(int)
        iy = np.floor((Y - self.y_edges[0]) / self.cell_m).astype(int)
        inside = (ix >= 0) & (ix < nx_) & (iy >= 0) & (iy < ny)
        v = np.zeros_like(X)
        v[inside] = self.values[iy[inside], ix[inside]]
        vmax = float(self.values.max()) or 1.0
        norm = np.clip(v / vmax, 0, 1)
        rgba = mpl.colormaps[cmap](norm)
        rgba[..., 3] = np.where(norm > 0.02, max_alpha * np.sqrt(norm), 0.0)
        return (rgba * 255).round().astype(np.uint8)

    def contours(self, *, levels: list[float] | None = None) -> gpd.GeoDataFrame:
        """Polygons where the density is at least each level (default 20%, 40%, 60% and 80%
        of the maximum), in WGS84, columns ``level`` and ``geometry``."""
        vmax = float(self.values.max())
        if levels is None:
            levels = [vmax * f for f in (0.2, 0.4, 0.6, 0.8)] if vmax > 0 else []
        rows, geoms = [], []
        for lev in levels:
            iy, ix = np.nonzero(self.values >= lev)
            if len(ix) == 0:
                continue
            boxes = shapely.box(self.x_edges[ix], self.y_edges[iy], self.x_edges[ix + 1], self.y_edges[iy + 1])
            rows.append({"level": float(lev)})
            geoms.append(shapely.coverage_union_all(boxes))
        gdf = gpd.GeoDataFrame(pd.DataFrame(rows, columns=["level"]),
                               geometry=gpd.GeoSeries(geoms, crs=_BNG), crs=_BNG)
        return gdf.to_crs(_WGS84)


def density_surface(
    ds: Any,
    *,
    start: Any = None,
    end: Any = None,
    cell_m: float = 100.0,
    bandwidth_m: float = 250.0,
    max_cells: int = 2_000_000,
    settings: Settings | None = None,
) -> DensitySurface:
    """Kernel density of events at locations, computed in metres on British National Grid.

    ``ds`` is an analysis context (:class:`contextmap.graph.AnalysisContext`) or a dataset.
    Events are episodes' found locations and child-location links in the period. Counts are
    binned on a ``cell_m`` grid padded by three bandwidths and smoothed with a Gaussian of
    standard deviation ``bandwidth_m`` (a binned KDE); the cell grows when the area would
    need more than ``max_cells`` cells.

    Examples
    --------
    >>> from contextmap.sample import generate_sample
    >>> ds = generate_sample(children=20, seed=1).to_dataset()
    >>> surf = density_surface(ds, cell_m=50, bandwidth_m=200)
    >>> surf.values.ndim, str(surf.crs)
    (2, 'EPSG:27700')
    """
    from scipy.ndimage import gaussian_filter

    for name, v in (("cell_m", cell_m), ("bandwidth_m", bandwidth_m)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
            raise ConfigError(f"Expected {name} to be a positive number of metres, instead got: {v!r}")
    ctx = as_context(ds, start=start, end=end, settings=settings, default_months=12)
    ds = ctx.dataset
    ev = _location_evidence(ctx)[0]
    ev = ev.loc[ev["in_period"] & (ev["other_kind"] == "child")]
    lo = ds.locations.set_index(ds.locations["location_id"].astype(str))
    x = lo["easting"].reindex(ev["location_id"]).to_numpy(float)
    y = lo["northing"].reindex(ev["location_id"]).to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    pad = 3 * bandwidth_m
    if len(x) == 0:
        xe = np.array([0.0, cell_m])
        return DensitySurface(np.zeros((1, 1)), xe, xe.copy(), _BNG, float(cell_m), float(bandwidth_m), 0)
    x0, x1 = x.min() - pad, x.max() + pad
    y0, y1 = y.min() - pad, y.max() + pad
    cell = float(cell_m)
    while ((x1 - x0) / cell) * ((y1 - y0) / cell) > max_cells:
        cell *= 1.5
    nx_ = int(np.ceil((x1 - x0) / cell))
    ny = int(np.ceil((y1 - y0) / cell))
    xe = x0 + cell * np.arange(nx_ + 1)
    ye = y0 + cell * np.arange(ny + 1)
    counts, _, _ = np.histogram2d(y, x, bins=[ye, xe])
    smooth = gaussian_filter(counts, sigma=bandwidth_m / cell, mode="constant", truncate=4.0)
    dens = smooth / (cell * cell) * 1e6
    return DensitySurface(dens, xe, ye, _BNG, cell, float(bandwidth_m), int(len(x)))


def getis_ord(ranked: gpd.GeoDataFrame, *, threshold_m: float = 500.0, column: str = "score",
              permutations: int = 99, seed: int = 0) -> pd.DataFrame:
    """Local Getis-Ord Gi* of ``column`` over locations (esda), distance band in metres.

    Returns ``location_id``, ``gi_z`` (z-score), ``p_sim`` (permutation p-value) and
    ``hot`` (z > 0 and p < 0.05).
    """
    from esda.getisord import G_Local
    from libpysal.weights import DistanceBand

    pts = ranked.loc[ranked["easting"].notna()]
    if len(pts) < 3:
        return pd.DataFrame(columns=["location_id", "gi_z", "p_sim", "hot"])
    coords = pts[["easting", "northing"]].to_numpy(float)
    with warnings.catch_warnings():  # islands are expected: isolated places get no neighbours
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # zero variance at islands
        warnings.simplefilter("ignore", DeprecationWarning)
        w = DistanceBand(coords, threshold=threshold_m, binary=True, silence_warnings=True)
        g = G_Local(pts[column].to_numpy(float), w, transform="B", star=1.0,
                    permutations=permutations, seed=seed, n_jobs=1)
    return pd.DataFrame({"location_id": pts["location_id"].to_numpy(), "gi_z": g.Zs, "p_sim": g.p_sim,
                         "hot": (g.Zs > 0) & (g.p_sim < 0.05)})
