"""Areas: counts per ward, police beat, neighbourhood or LSOA, from the user's own boundaries.

:func:`read_areas` reads polygons with a name from any vector file GDAL reads;
:func:`count_by_area` counts, per area and for the period, the episodes and distinct
children with evidence at a location there, the places of concern there (locations among
the top ``top_n`` of the hotspot ranking) and the distinct persons of concern seen there.
A location belongs to the area its point falls in (the first, by ``area_id``, if areas
overlap). The map draws the counts as a choropleth, the pack as a table, and ``summary.json``
carries them under ``areas``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from contextmap._errors import ConfigError, InputNotFoundError, InputReadError

__all__ = ["read_areas", "count_by_area", "areas_summary", "AREA_COLUMNS"]

AREA_COLUMNS = ("area_id", "name", "episodes", "children", "hotspots", "persons")
_BNG = "EPSG:27700"
_NAME_COLS = ("name", "area_name", "ward_name", "ward", "beat", "beat_name", "neighbourhood",
              "neighbourhood_name", "npa_name", "lsoa_name")
_ID_COLS = ("area_id", "id", "code", "area_code", "gss_code", "ward_code", "beat_id", "beat_code")


def _pick(cols: list[str], wanted: Sequence[str], pattern: str) -> str | None:
    low = {c.lower(): c for c in cols}
    for w in wanted:
        if w in low:
            return low[w]
    for c in cols:  # ONS boundaries: WD24NM / WD24CD, LSOA21NM / LSOA21CD ...
        if re.fullmatch(pattern, c, re.I):
            return c
    return None


def read_areas(path: str | Path, *, layer: str | None = None, name_column: str | None = None,
               id_column: str | None = None) -> gpd.GeoDataFrame:
    """Read area polygons (wards, beats, neighbourhoods, LSOAs) with a name.

    Parameters
    ----------
    path
        Any vector file GDAL reads (GeoPackage, Shapefile, GeoJSON).
    layer
        The layer (default: the first).
    name_column, id_column
        The columns holding each area's name and id (default: guessed: ``name``,
        ``ward_name``, ONS ``..NM``; ``area_id``, ``code``, ONS ``..CD``). Without an id
        column areas are numbered ``A01``, ``A02``...

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id``, ``name``, ``geometry`` in EPSG:27700.

    Raises
    ------
    InputReadError
        Not readable, no polygons, or an area without a name (row and value quoted).
    """
    import pyogrio

    p = Path(path)
    if not p.exists():
        raise InputNotFoundError(f"Expected areas to be a vector file of polygons, instead got a path that "
                                 f"does not exist: {str(p)!r}")
    try:
        layers = [str(r[0]) for r in pyogrio.list_layers(p)]
        if layer is not None and layer not in layers:
            raise ConfigError(f"Expected areas layer {layer!r} to be in {str(p)!r} (it has {layers}), "
                              f"instead it is not")
        frame = gpd.read_file(p, layer=layer or layers[0], engine="pyogrio")
    except ConfigError:
        raise
    except Exception as exc:
        raise InputReadError(f"Expected areas {str(p)!r} to be a vector file GDAL can read, instead GDAL "
                             f"said: {exc}") from None
    if frame.crs is None:
        raise InputReadError(f"Expected areas {str(p)!r} to have a coordinate reference system, instead it has none")
    cols = [str(c) for c in frame.columns if c != frame.geometry.name]
    ncol = name_column or _pick(cols, _NAME_COLS, r"[a-z]{2,5}\d{2}nm")
    icol = id_column or _pick(cols, _ID_COLS, r"[a-z]{2,5}\d{2}cd")
    for arg, c in (("name_column", name_column), ("id_column", id_column)):
        if c is not None and c not in cols:
            raise ConfigError(f"Expected {arg} to be a column of {str(p)!r} (it has {cols}), instead got: {c!r}")
    if ncol is None:
        raise InputReadError(f"Expected areas {str(p)!r} to have a name column (one of {list(_NAME_COLS)} or "
                             f"pass name_column=), instead it has: {cols}")
    poly = frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not poly.any():
        raise InputReadError(f"Expected areas {str(p)!r} to hold polygons, instead it holds "
                             f"{sorted(set(frame.geometry.geom_type.dropna()))}")
    problems = []
    for i in np.flatnonzero(~poly):
        problems.append(f"row {i + 1}: geometry is {frame.geometry.iloc[i].geom_type if frame.geometry.iloc[i] is not None else 'missing'}")
    names = frame[ncol]
    for i in np.flatnonzero((names.isna() | (names.astype(str).str.strip() == "")).to_numpy()):
        problems.append(f"row {i + 1}: column {ncol!r} is empty (value {names.iloc[i]!r})")
    if problems:
        raise InputReadError(f"Expected every area in {str(p)!r} to be a polygon with a name, instead: "
                             + "; ".join(problems[:20]) + (f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""))
    ids = (frame[icol].astype(str).str.strip() if icol is not None
           else pd.Series([f"A{i + 1:02d}" for i in range(len(frame))], index=frame.index))
    dup = ids[ids.duplicated()]
    if len(dup):
        raise InputReadError(f"Expected area ids in column {icol!r} of {str(p)!r} to be unique, instead "
                             f"{dup.iloc[0]!r} repeats (row {int(np.flatnonzero(ids.duplicated())[0]) + 1})")
    out = gpd.GeoDataFrame({"area_id": ids.to_numpy(), "name": names.astype(str).str.strip().to_numpy()},
                           geometry=frame.geometry.to_numpy(), crs=frame.crs).to_crs(_BNG)
    return out


def _as_areas(areas: Any) -> gpd.GeoDataFrame:
    if isinstance(areas, (str, Path)):
        return read_areas(areas)
    if not isinstance(areas, gpd.GeoDataFrame) or not {"area_id", "name"} <= set(areas.columns):
        raise ConfigError("Expected areas to be a path or a GeoDataFrame with area_id and name, instead got: "
                          f"{type(areas).__name__}")
    return areas.to_crs(_BNG) if areas.crs is not None else areas.set_crs(_BNG)


def count_by_area(analysis: Any, areas: Any, *, top_n: int = 25) -> gpd.GeoDataFrame:
    """Counts per area for an analysis' period.

    Parameters
    ----------
    analysis
        An ``Analysis`` (from :func:`contextmap.analysis.analyze`).
    areas
        A path (read with :func:`read_areas`) or a GeoDataFrame with ``area_id``, ``name``.
    top_n
        Locations ranked this high or better are places of concern.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area (in the areas' order): ``area_id``, ``name``, ``episodes``,
        ``children``, ``hotspots`` (places of concern), ``persons`` (persons of concern seen),
        ``geometry`` (EPSG:27700). Areas with nothing in them have zeros.
    """
    from contextmap.hotspots import location_evidence

    ar = _as_areas(areas).reset_index(drop=True)
    ds = analysis.dataset
    s, e = analysis.period
    lo = ds.locations
    pts = gpd.GeoDataFrame({"location_id": lo["location_id"].astype(str).to_numpy()},
                           geometry=gpd.points_from_xy(lo["easting"], lo["northing"]), crs=_BNG)
    pts = pts.loc[~(pts.geometry.is_empty | pts.geometry.isna() | ~np.isfinite(pts.geometry.x))]
    joined = gpd.sjoin(pts, ar[["area_id", "geometry"]], how="inner", predicate="within")
    order = {a: i for i, a in enumerate(ar["area_id"])}
    joined = joined.assign(_o=joined["area_id"].map(order)).sort_values("_o", kind="stable")
    area_of = joined.drop_duplicates("location_id").set_index("location_id")["area_id"]
    ctx = getattr(analysis, "context", None)  # the analysis' own evidence, not built again
    ev = location_evidence(ctx) if ctx is not None else location_evidence(ds, start=s, end=e)
    ev = ev.loc[ev["in_period"].to_numpy(dtype=bool)].copy()
    ev["area_id"] = ev["location_id"].astype(str).map(area_of)
    ev = ev.dropna(subset=["area_id"])
    episodes = ev.dropna(subset=["episode_id"]).groupby("area_id")["episode_id"].nunique()
    children = ev.loc[ev["other_kind"] == "child"].groupby("area_id")["other_id"].nunique()
    persons = ev.loc[ev["other_kind"] == "person"].groupby("area_id")["other_id"].nunique()
    hs = analysis.hotspots
    if "location_id" not in hs.columns:  # Analysis.hotspots is indexed by location_id
        hs = hs.reset_index()
    top = hs.loc[pd.to_numeric(hs["rank"]) <= top_n, "location_id"].astype(str)
    hot = top.map(area_of).dropna().value_counts()
    out = ar[["area_id", "name"]].copy()
    for col, ser in (("episodes", episodes), ("children", children), ("hotspots", hot), ("persons", persons)):
        out[col] = out["area_id"].map(ser).fillna(0).astype(int)
    return gpd.GeoDataFrame(out, geometry=ar.geometry.to_numpy(), crs=_BNG)


def areas_summary(counts: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The ``summary.json`` ``areas`` entries: ``area_id``, ``name``, ``episodes``, ``children``, ``hotspots``."""
    if counts is None:
        return []
    return [{"area_id": str(r.area_id), "name": str(r.name), "episodes": int(r.episodes),
             "children": int(r.children), "hotspots": int(r.hotspots)} for r in counts.itertuples()]
