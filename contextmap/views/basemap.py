"""Offline base maps from the user's own GIS data, for the HTML map and the printed pack.

Councils and forces hold vector map data (OS Open Zoomstack, OS Open Roads, OS OpenMap
Local, MasterMap extracts, OpenStreetMap extracts) as GeoPackages or Shapefiles. A
:class:`BaseMap` reads any vector format GDAL reads (through pyogrio), keeps only the area
of the data plus a margin, sorts the features into five kinds by layer name and attributes,
and is then drawn under the hotspots:

* in the HTML map, inlined into the page (no server, no request) and drawn on one canvas,
  quietly styled, with road names along the roads at street zoom
  (:func:`basemap_payload`, drawn by ``templates/map_view.js``);
* in the printed pack, the same layers drawn with matplotlib (:func:`draw_basemap`).

Kinds (:data:`KINDS`): ``green`` (parks, woods, grass: polygons), ``water`` (rivers, lakes:
polygons and lines), ``buildings`` (polygons), ``railways`` (lines) and ``roads`` (lines,
with a name and a rank: ``major``, ``street`` or ``minor``).

How a layer's features are sorted
---------------------------------
1. ``kinds={"MyLayer": "roads"}`` when given;
2. the layer's name: ``road``/``street``/``highway`` -> roads, ``rail`` -> railways,
   ``water``/``river``/``foreshore``/``lake`` -> water, ``building`` -> buildings,
   ``green``/``park``/``wood``/``forest`` -> green (OS Open Zoomstack's ``roads_local``,
   ``rail``, ``surfacewater``, ``local_buildings``, ``greenspace``, ``woodland``; OS Open
   Roads' ``road_link``; OS OpenMap Local's ``Road``, ``Building``, ``SurfaceWater_Area``,
   ``RailwayTrack``, ``Woodland``; Geofabrik's ``gis_osm_roads_free_1`` ...);
3. otherwise per feature from OpenStreetMap-style attributes (``highway``, ``railway``,
   ``waterway``, ``natural``, ``building``, ``leisure``, ``landuse``), as GDAL reads an
   ``.osm.pbf`` (layers ``lines`` and ``multipolygons``).
Layers that fit none are skipped and listed in :attr:`BaseMap.skipped`.

Road names come from the first of ``name``, ``name1``, ``road_name``, ``roadname``,
``street``, ``street_name``, ``distname``, ``name_en`` (any case); road rank from
``road_classification``, ``class``, ``fclass``, ``highway``, ``type``, ``road_function``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from contextmap._errors import ConfigError, InputNotFoundError, InputReadError

__all__ = ["BaseMap", "read_basemap", "basemap_payload", "draw_basemap", "basemap_for", "KINDS",
           "STYLE", "data_bounds"]

KINDS = ("green", "water", "buildings", "railways", "roads")
_BNG = "EPSG:27700"
_WGS84 = "EPSG:4326"

STYLE: dict[str, dict[str, Any]] = {
    "background": {"fill": "#f4f3ef"},
    "green": {"fill": "#dcebd0", "edge": "#c3dab2"},
    "water": {"fill": "#c6dcec", "edge": "#a9c7de"},
    "buildings": {"fill": "#e2ddd6", "edge": "#d0c9bf"},
    "railways": {"line": "#8a8a8a", "dash": "#ffffff"},
    "roads": {"casing": "#c9c4bb", "major": "#fbe6a6", "street": "#ffffff", "minor": "#ffffff",
              "label": "#555555"},
}
"""The quiet colours the base map is drawn in (HTML and print)."""

_NAME_COLS = ("name", "name1", "road_name", "roadname", "street", "street_name", "distname", "name_en",
              "rd_name")
_RANK_COLS = ("road_classification", "class", "fclass", "highway", "type", "road_function", "roadclass")
_MAJOR = ("motorway", "trunk", "primary", "secondary", "a road", "a_road", "b road", "b_road", "major",
          "national", "regional", "main", "dual")
_BY_NAME = (
    ("railways", ("rail",)),
    ("roads", ("road", "street", "highway", "carriageway", "motorway")),
    ("water", ("water", "river", "foreshore", "lake", "sea", "tidal", "canal")),
    ("buildings", ("building",)),
    ("green", ("green", "park", "wood", "forest", "grass", "recreation", "openspace", "open_space")),
)
_GREEN_TAGS = ("park", "garden", "recreation_ground", "playground", "pitch", "common", "nature_reserve",
               "forest", "wood", "grass", "meadow", "village_green", "cemetery", "allotments", "scrub",
               "heath")


@dataclass
class BaseMap:
    """Base-map features by kind, clipped and in British National Grid metres.

    Attributes
    ----------
    layers
        Kind -> GeoDataFrame (EPSG:27700) with ``name`` and, for roads, ``rank``
        (``major``, ``street``, ``minor``).
    source
        The file read.
    read
        Source layer -> (kind or ``'by attribute'``, features kept).
    skipped
        Source layer -> why it was not used.
    """

    layers: dict[str, gpd.GeoDataFrame]
    source: str = ""
    read: dict[str, tuple[str, int]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(len(g) for g in self.layers.values())

    def total_bounds(self) -> tuple[float, float, float, float] | None:
        bs = [g.total_bounds for g in self.layers.values() if len(g)]
        if not bs:
            return None
        a = np.array(bs)
        return float(a[:, 0].min()), float(a[:, 1].min()), float(a[:, 2].max()), float(a[:, 3].max())


def _col(frame: pd.DataFrame, names: Sequence[str]) -> str | None:
    low = {str(c).lower(): c for c in frame.columns if c != frame.geometry.name}
    for n in names:
        if n in low:
            return low[n]
    return None


_NOT_BY_NAME = ("national_park", "boundar", "label", "urban_area", "contour")
"""Layer names that look like a kind but are not drawn as one (Zoomstack's national_parks)."""


def _kind_by_name(layer: str) -> str | None:
    low = layer.lower()
    if any(w in low for w in _NOT_BY_NAME):
        return None
    for kind, words in _BY_NAME:
        if any(w in low for w in words):
            return kind
    return None


def _text_series(frame: pd.DataFrame, col: str | None) -> pd.Series:
    if col is None:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    def clean(v: Any) -> str | None:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        t = str(v).strip()
        return t or None

    return pd.Series([clean(v) for v in frame[col].to_numpy(dtype=object)], index=frame.index, dtype=object)


def _by_attribute(frame: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """OpenStreetMap-style tags: one kind per feature (features of no kind are dropped)."""
    out: dict[str, gpd.GeoDataFrame] = {}
    cols = {str(c).lower(): c for c in frame.columns}
    kind = pd.Series([None] * len(frame), index=frame.index, dtype=object)

    def has(tag: str, values: Sequence[str] | None = None) -> pd.Series:
        c = cols.get(tag)
        if c is None:
            return pd.Series(False, index=frame.index)
        v = frame[c]
        ok = v.notna() & (v.astype(str).str.strip() != "") & (v.astype(str).str.lower() != "no")
        if values is not None:
            ok &= v.astype(str).str.lower().isin(values)
        return ok

    lines = frame.geometry.geom_type.isin(["LineString", "MultiLineString"])
    polys = frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    kind[has("leisure", _GREEN_TAGS) | has("landuse", _GREEN_TAGS) | has("natural", _GREEN_TAGS)] = "green"
    kind[has("natural", ("water", "wetland")) | has("waterway") | has("water")] = "water"
    kind[polys & has("building")] = "buildings"
    kind[lines & has("railway", ("rail", "light_rail", "narrow_gauge", "tram", "subway"))] = "railways"
    kind[lines & has("highway") & ~has("highway", ("footway", "path", "steps", "bridleway", "cycleway"))] = "roads"
    kind[polys & (kind == "roads")] = None
    for k in KINDS:
        sub = frame.loc[(kind == k).to_numpy()]
        if len(sub):
            out[k] = sub
    return out


def _normalise(kind: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Keep name (and road rank) only; geometry types that fit the kind."""
    geom = frame.geometry
    if kind in ("green", "buildings"):
        frame = frame.loc[geom.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()]
    elif kind in ("roads", "railways"):
        frame = frame.loc[geom.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()]
    else:
        frame = frame.loc[~geom.geom_type.isin(["Point", "MultiPoint"]).to_numpy()]
    data: dict[str, Any] = {"name": _text_series(frame, _col(frame, _NAME_COLS)).to_numpy()}
    if kind == "roads":
        rc = _col(frame, _RANK_COLS)
        names = data["name"]
        if rc is None:
            rank = np.where(pd.notna(names), "street", "minor")
        else:
            v = frame[rc].astype(str).str.lower()
            major = v.map(lambda s: any(m in s for m in _MAJOR)).to_numpy(dtype=bool)
            rank = np.where(major, "major", np.where(pd.notna(names), "street", "minor"))
        data["rank"] = rank
    return gpd.GeoDataFrame(data, geometry=frame.geometry.to_numpy(), crs=frame.crs)


def data_bounds(frame: Any, *, margin_m: float = 1000.0) -> tuple[float, float, float, float] | None:
    """The extent of a GeoDataFrame (or lat/lon frame) in EPSG:27700 metres, plus a margin."""
    if frame is None or len(frame) == 0:
        return None
    if isinstance(frame, gpd.GeoDataFrame):
        g = frame.geometry
        g = g[~(g.isna() | g.is_empty)]
        if not len(g):
            return None
        g = g.to_crs(_BNG) if g.crs is not None else g
        x0, y0, x1, y1 = g.total_bounds
    else:
        lat = pd.to_numeric(frame["latitude"], errors="coerce")
        lon = pd.to_numeric(frame["longitude"], errors="coerce")
        ok = lat.notna() & lon.notna()
        if not ok.any():
            return None
        x, y = Transformer.from_crs(_WGS84, _BNG, always_xy=True).transform(lon[ok].to_numpy(), lat[ok].to_numpy())
        x0, y0, x1, y1 = float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        return None
    return (x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m)


def read_basemap(
    path: str | Path,
    *,
    layers: Sequence[str] | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> BaseMap:
    """Read a base map from any vector file GDAL reads (GeoPackage, Shapefile, GeoJSON...).

    Parameters
    ----------
    path
        The file (or a Shapefile folder).
    layers
        The layers to read (default: all).
    bounds
        ``(minx, miny, maxx, maxy)`` in EPSG:27700 metres: only features there are read, and
        they are clipped to it (see :func:`data_bounds`). Default: everything.
    kinds
        Layer name -> kind (one of :data:`KINDS`), overriding the guess from the layer's name.

    Returns
    -------
    BaseMap

    Raises
    ------
    InputNotFoundError
        The file does not exist.
    InputReadError
        GDAL cannot read it, or a layer has no coordinate reference system.
    ConfigError
        A named layer is not in the file, or a kind is unknown.

    Examples
    --------
    >>> import tempfile, geopandas as gpd
    >>> from shapely.geometry import LineString
    >>> f = Path(tempfile.mkdtemp()) / "town.gpkg"
    >>> gpd.GeoDataFrame({"name": ["Tanners Lane"]}, geometry=[LineString([(340000, 556000),
    ...     (340500, 556000)])], crs=27700).to_file(f, layer="roads_local")
    >>> bm = read_basemap(f)
    >>> bm.read, list(bm.layers["roads"]["name"])
    ({'roads_local': ('roads', 1)}, ['Tanners Lane'])
    """
    import pyogrio

    p = Path(path)
    if not p.exists():
        raise InputNotFoundError(f"Expected basemap to be a vector file GDAL can read, instead got a path "
                                 f"that does not exist: {str(p)!r}")
    try:
        listed = pyogrio.list_layers(p)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputReadError(f"Expected basemap {str(p)!r} to be a vector file GDAL can read "
                             f"(GeoPackage, Shapefile, GeoJSON...), instead GDAL said: {exc}") from None
    available = [str(r[0]) for r in listed]
    kinds = dict(kinds or {})
    for lay, k in kinds.items():
        if k not in KINDS:
            raise ConfigError(f"Expected the kind of basemap layer {lay!r} to be one of {list(KINDS)}, "
                              f"instead got: {k!r}")
    if layers is not None:
        missing = [lay for lay in layers if lay not in available]
        if missing:
            raise ConfigError(f"Expected basemap layers to be in {str(p)!r} (it has {available}), "
                              f"instead got: {missing!r}")
        wanted = list(layers)
    else:
        wanted = available
    parts: dict[str, list[gpd.GeoDataFrame]] = {k: [] for k in KINDS}
    bm = BaseMap(layers={}, source=str(p))
    for lay in wanted:
        kind = kinds.get(lay) or _kind_by_name(lay)
        try:
            info = pyogrio.read_info(p, layer=lay)
        except Exception as exc:
            bm.skipped[lay] = f"GDAL could not read it: {exc}"
            continue
        if info.get("geometry_type") in (None, "Unknown", "None") and not info.get("features"):
            bm.skipped[lay] = "no geometry"
            continue
        crs = info.get("crs")
        if not crs:
            raise InputReadError(f"Expected basemap layer {lay!r} of {str(p)!r} to have a coordinate "
                                 "reference system, instead it has none")
        bbox = None
        if bounds is not None:
            tr = Transformer.from_crs(_BNG, CRS.from_user_input(crs), always_xy=True)
            xs, ys = tr.transform([bounds[0], bounds[0], bounds[2], bounds[2]],
                                  [bounds[1], bounds[3], bounds[1], bounds[3]])
            bbox = (min(xs), min(ys), max(xs), max(ys))
        try:
            frame = gpd.read_file(p, layer=lay, bbox=bbox, engine="pyogrio")
        except Exception as exc:
            bm.skipped[lay] = f"GDAL could not read it: {exc}"
            continue
        if not len(frame):
            bm.read[lay] = (kind or "by attribute", 0)
            continue
        frame = frame.loc[~(frame.geometry.isna() | frame.geometry.is_empty)]
        frame = frame.to_crs(_BNG)
        if bounds is not None:
            frame = _clip(frame, bounds)
        if kind is not None:
            got = {kind: frame}
        else:
            got = _by_attribute(frame)
            if not got:
                bm.skipped[lay] = ("not recognised as roads, railways, water, buildings or green space by its "
                                   "name or attributes (pass kinds={layer: kind})")
                continue
        n = 0
        for k, sub in got.items():
            sub = _normalise(k, sub)
            if len(sub):
                parts[k].append(sub)
                n += len(sub)
        bm.read[lay] = (kind or "by attribute", n)
    for k in KINDS:
        bm.layers[k] = (gpd.GeoDataFrame(pd.concat(parts[k], ignore_index=True), crs=_BNG) if parts[k]
                        else gpd.GeoDataFrame({"name": []}, geometry=[], crs=_BNG))
    return bm


def _clip(frame: gpd.GeoDataFrame, bounds: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    g = shapely.clip_by_rect(frame.geometry.to_numpy(), *bounds)
    out = frame.set_geometry(gpd.GeoSeries(g, index=frame.index, crs=frame.crs))
    return out.loc[~out.geometry.is_empty]


def basemap_for(source: Any, hotspots: Any = None, *, margin_m: float = 1500.0,
                layers: Sequence[str] | None = None) -> BaseMap | None:
    """A :class:`BaseMap` as given, or read from a path clipped to the data plus a margin."""
    if source is None or isinstance(source, BaseMap):
        return source
    if isinstance(source, (str, Path)):
        return read_basemap(source, layers=layers, bounds=data_bounds(hotspots, margin_m=margin_m))
    raise ConfigError(f"Expected basemap to be a file path or a BaseMap, instead got: {type(source).__name__}")


# --- the HTML map's payload ---------------------------------------------------------------

_LEVELS = ((0, 12.0), (13, 1.5))
"""(from zoom, simplification tolerance in metres): one level of detail per zoom range. The
first (county to town) leaves out minor roads and buildings, which the page draws only from
zoom 13 and 15: they are most of a town's features and would only make the page slower."""


def _parts_of(geom: Any) -> list[Any]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type in ("Polygon",):
        return [geom.exterior, *geom.interiors]
    if geom.geom_type in ("LineString", "LinearRing"):
        return [geom]
    out = []
    for g in getattr(geom, "geoms", []):
        out.extend(_parts_of(g))
    return out


_RANK_CODE = {"minor": 0, "street": 1, "major": 2}


def _features(kind: str, geoms: np.ndarray, g: gpd.GeoDataFrame, tr: Transformer, origin: tuple[float, float],
              names: list[str], name_idx: dict[str, int], *, labels: bool) -> tuple[list[dict], int]:
    """One kind's features for the page, vectorised: every ring or line of every feature is
    transformed to WGS84 in one call, quantised to 1e-5 degrees and delta-encoded per part."""
    ok = np.asarray([x is not None and not x.is_empty for x in geoms], dtype=bool)
    idx_ok = np.flatnonzero(ok)
    if not len(idx_ok):
        return [], 0
    parts, owner = shapely.get_parts(geoms[idx_ok], return_index=True)
    is_poly = shapely.get_type_id(parts) == 3
    rings, ring_owner = [], []
    if is_poly.any():
        r, ro = shapely.get_rings(parts[is_poly], return_index=True)
        rings.append(r)
        ring_owner.append(owner[is_poly][ro])
    if (~is_poly).any():
        rings.append(parts[~is_poly])
        ring_owner.append(owner[~is_poly])
    all_rings = np.concatenate(rings)
    all_owner = idx_ok[np.concatenate(ring_owner)]
    order = np.argsort(all_owner, kind="stable")
    all_rings, all_owner = all_rings[order], all_owner[order]
    coords, which = shapely.get_coordinates(all_rings, return_index=True)
    if not len(coords):
        return [], 0
    lon, lat = tr.transform(coords[:, 0], coords[:, 1])
    q = np.column_stack([np.round((np.asarray(lon) - origin[0]) * 1e5), np.round((np.asarray(lat) - origin[1]) * 1e5)])
    q = q.astype(np.int64)
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), np.int64))
    start = np.r_[True, which[1:] != which[:-1]]
    d[start] = q[start]  # each part starts from the origin
    keep = start | np.any(d != 0, axis=1)
    d, which = d[keep], which[keep]
    bounds = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
    flat = d.ravel().tolist()
    part_lists = [flat[2 * a:2 * b] for a, b in zip(bounds, np.r_[bounds[1:], len(which)], strict=True)]
    part_owner = all_owner[which[bounds]]
    gname = g["name"].to_numpy() if "name" in g else np.full(len(g), None, dtype=object)
    granks = g["rank"].to_numpy() if "rank" in g else np.full(len(g), "minor", dtype=object)
    feats: list[dict] = []
    cur: dict[str, Any] | None = None
    cur_owner = -1
    for pl, o in zip(part_lists, part_owner, strict=True):
        if len(pl) < 4:
            continue
        if o != cur_owner:
            cur = {"p": []}
            nm = gname[o]
            if isinstance(nm, str) and nm and kind in ("roads", "green", "water"):
                if nm not in name_idx:
                    name_idx[nm] = len(names)
                    names.append(nm)
                cur["n"] = name_idx[nm]
                if labels and kind != "roads":
                    geom = geoms[o]
                    pt = geom.representative_point() if geom.geom_type.endswith("Polygon") else \
                        geom.interpolate(0.5, normalized=True)
                    plon, plat = tr.transform(pt.x, pt.y)
                    cur["lp"] = [round(float(plon), 5), round(float(plat), 5)]
            if kind == "roads":
                cur["r"] = _RANK_CODE.get(str(granks[o]), 0)
            elif kind == "water" and "Line" in geoms[o].geom_type:
                cur["l"] = 1  # a river's centre line: stroked, not filled
            feats.append(cur)
            cur_owner = int(o)
        assert cur is not None
        cur["p"].append(pl)
    return feats, int(len(coords))


def basemap_payload(bm: BaseMap | None, *, max_vertices: int = 1_500_000) -> dict | None:
    """What the HTML map draws: per level of detail and kind, features with delta-encoded parts.

    Roads carry a name index (into ``names``) and a rank; polygons are drawn even-odd
    filled. Buildings are only in the street-zoom level. Coordinates are WGS84 degrees
    times 1e5, relative to ``origin``.
    """
    if bm is None or len(bm) == 0:
        return None
    tb = bm.total_bounds()
    assert tb is not None
    tr = Transformer.from_crs(_BNG, _WGS84, always_xy=True)
    lon0, lat0 = tr.transform(tb[0], tb[1])
    origin = (round(float(lon0), 3) - 0.01, round(float(lat0), 3) - 0.01)
    names: list[str] = []
    name_idx: dict[str, int] = {}
    levels = []
    total = 0
    for from_zoom, tol in _LEVELS:
        level: dict[str, Any] = {"z": from_zoom}
        for kind in KINDS:
            g = bm.layers.get(kind)
            if g is None or not len(g) or (kind == "buildings" and from_zoom < 13):
                continue
            if kind == "roads" and from_zoom < 13:
                g = g.loc[(g["rank"] != "minor").to_numpy()]
                if not len(g):
                    continue
            geoms = shapely.simplify(g.geometry.to_numpy(), tol, preserve_topology=kind in ("green", "water"))
            if kind in ("green", "water", "buildings") and from_zoom < 13:
                area = shapely.area(geoms)
                geoms = np.where(area >= (tol * 4) ** 2, geoms, None) if kind != "water" else geoms
            feats, n_vertices = _features(kind, geoms, g, tr, origin, names, name_idx, labels=from_zoom >= 13)
            total += n_vertices
            if feats:
                level[kind] = feats
        levels.append(level)
        if total > max_vertices:
            raise ConfigError(f"Expected a base map of at most {max_vertices:,} vertices for the map page, "
                              f"instead got {total:,}: choose fewer layers or a smaller area")
    return {"origin": list(origin), "names": names, "levels": levels, "style": STYLE}


# --- the printed map -----------------------------------------------------------------------


def draw_basemap(ax: Any, bm: BaseMap | None, *, extent: tuple[float, float, float, float] | None = None,
                 labels: bool = True, label_size: float = 4.5) -> int:
    """Draw the base map on a matplotlib axes in EPSG:27700 metres; return road labels drawn.

    Text is drawn as plain text (``parse_math=False``): a street named ``$x$`` prints as such.
    """
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    if bm is None or len(bm) == 0:
        return 0
    if extent is not None:
        bm = BaseMap({k: _clip(g, extent) if len(g) else g for k, g in bm.layers.items()}, source=bm.source)
    span = max(extent[2] - extent[0], extent[3] - extent[1]) if extent else 10_000.0
    tol = span / 4000.0

    def polys(kind: str, z: float) -> None:
        g = bm.layers.get(kind)
        if g is None or not len(g):
            return
        patches = []
        for geom in shapely.simplify(g.geometry.to_numpy(), tol):
            for poly in getattr(geom, "geoms", [geom]):
                if poly.is_empty or not poly.geom_type == "Polygon":
                    continue
                verts, codes = [], []
                for ring in (poly.exterior, *poly.interiors):
                    c = np.asarray(ring.coords)
                    verts.append(c)
                    codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(c) - 2) + [MplPath.CLOSEPOLY]
                patches.append(PathPatch(MplPath(np.concatenate(verts), codes)))
        if patches:
            st = STYLE[kind]
            ax.add_collection(PatchCollection(patches, facecolor=st["fill"], edgecolor=st["edge"],
                                              linewidth=0.3, zorder=z))

    def lines(frame: gpd.GeoDataFrame) -> list[np.ndarray]:
        out = []
        for geom in shapely.simplify(frame.geometry.to_numpy(), tol):
            for part in _parts_of(geom):
                c = np.asarray(part.coords)
                if len(c) >= 2:
                    out.append(c)
        return out

    polys("green", 0)
    polys("water", 0)
    w = bm.layers.get("water")
    if w is not None and len(w):
        wl = w.loc[w.geometry.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()]
        if len(wl):
            ax.add_collection(LineCollection(lines(wl), colors=STYLE["water"]["fill"], linewidths=1.2, zorder=0))
    if span <= 12_000:
        polys("buildings", 0.5)
    rl = bm.layers.get("railways")
    if rl is not None and len(rl):
        segs = lines(rl)
        ax.add_collection(LineCollection(segs, colors=STYLE["railways"]["line"], linewidths=1.6, zorder=0.7))
        ax.add_collection(LineCollection(segs, colors=STYLE["railways"]["dash"], linewidths=0.8,
                                         linestyles=(0, (4, 4)), zorder=0.71))
    rd = bm.layers.get("roads")
    placed = 0
    if rd is not None and len(rd):
        widths = {"minor": 0.55, "street": 1.6, "major": 2.4}
        for rank in ("minor", "street", "major"):
            sub = rd.loc[(rd["rank"] == rank).to_numpy()]
            if not len(sub):
                continue
            segs = lines(sub)
            ax.add_collection(LineCollection(segs, colors=STYLE["roads"]["casing"], linewidths=widths[rank] + 0.7,
                                             zorder=0.8, capstyle="round"))
            ax.add_collection(LineCollection(segs, colors=STYLE["roads"][rank], linewidths=widths[rank],
                                             zorder=0.9, capstyle="round"))
        if labels:
            placed = _road_labels(ax, rd, extent, size=label_size)
    return placed


def _road_labels(ax: Any, rd: gpd.GeoDataFrame, extent: Any, *, size: float) -> int:
    """Road names along the longest stretch of each named road, skipping ones that would overlap."""
    named = rd.loc[rd["name"].notna().to_numpy()]
    if not len(named):
        return 0
    span = max(extent[2] - extent[0], extent[3] - extent[1]) if extent else 10_000.0
    # metres per character at this size, for a first overlap check without a renderer
    fig_w_in = ax.figure.get_size_inches()[0] * 0.85
    m_per_pt = span / (fig_w_in * 72)
    char_m = size * 0.55 * m_per_pt
    boxes: list[tuple[float, float, float, float]] = []
    done: dict[str, list[tuple[float, float]]] = {}
    n = 0
    order = sorted(range(len(named)), key=lambda i: -named.geometry.iloc[i].length)
    for i in order:
        geom, name = named.geometry.iloc[i], str(named["name"].iloc[i])
        need = char_m * (len(name) + 2)
        best = None
        for part in _parts_of(geom):  # the longest stretch of the road, labelled at its middle
            if part.length >= need and (best is None or part.length > best.length):
                best = part
        if best is None:
            continue
        mid = best.length / 2
        a = np.asarray(best.interpolate(mid - need / 2).coords[0])
        b = np.asarray(best.interpolate(mid + need / 2).coords[0])
        mx, my = np.asarray(best.interpolate(mid).coords[0])
        if float(np.hypot(*(b - a))) < need * 0.8:  # too bendy to carry the name
            continue
        if not (extent is None or (extent[0] < mx < extent[2] and extent[1] < my < extent[3])):
            continue
        if any(math.hypot(mx - x, my - y) < span / 6 for x, y in done.get(name, [])):
            continue
        half = need / 2
        box = (mx - half, my - half * 0.5, mx + half, my + half * 0.5)
        if any(not (box[2] < o[0] or box[0] > o[2] or box[3] < o[1] or box[1] > o[3]) for o in boxes):
            continue
        ang = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
        if ang > 90:
            ang -= 180
        elif ang < -90:
            ang += 180
        ax.text(mx, my, name, fontsize=size, rotation=ang, rotation_mode="anchor", ha="center", va="center",
                color=STYLE["roads"]["label"], zorder=1.0, parse_math=False, usetex=False, clip_on=True)
        boxes.append(box)
        done.setdefault(name, []).append((mx, my))
        n += 1
    return n
