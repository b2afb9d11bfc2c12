"""Hotspot maps: self-contained, offline, safe folium maps of locations of concern.

:func:`hotspot_map` draws what the analyses found (see :mod:`contextmap.hotspots`): the
kernel density surface (computed in metres) as filled contour bands, every place on one canvas
sized and coloured by its hotspot score class (clustered by supercluster when there are many),
the top-ranked places above them, the top ten named "rank. name" where no two labels overlap,
the emerging hotspots (:mod:`contextmap.emerging`) in words and drawn above the places, spatial
clusters outlined, one layer per kind of place and one per peer group (the places its children
were seen), a collapsible legend, a title bar with the period and audience, a
protective-marking banner and a search box over place names. Clicking a place opens a popup
saying why it ranks, in words (:mod:`contextmap.views.places`): never a raw score.

How the page stays safe and offline
-----------------------------------
* Every script and stylesheet is inlined from the installed package (Leaflet from the
  ``xstatic`` package, supercluster from ``assets/``, our own ``templates/map_view.js``).
  folium's CDN links (Leaflet, jQuery, Bootstrap, Font Awesome...) are removed.
* Base-map tiles are a setting: ``tiles='none'`` (default: the page makes no request at
  all), ``'osm'`` (OpenStreetMap) or a URL template for an internal tile server.
* All data reaches the page as one JSON payload with ``<``, ``>``, ``&``, U+2028 and U+2029
  escaped, and is put into the page with ``textContent`` only (never ``innerHTML``, never a
  JavaScript template literal). The one exception is Leaflet's layer control, which takes
  HTML: layer names are HTML-escaped first.
* Map pages are about places: children's names and ids are never written into them. Only
  counts of children, and person-of-concern labels (already pseudonymised by the pack for
  audiences that must not see names).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, Unpack, cast

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from contextmap._errors import ConfigError
from contextmap.files import check_writable
from contextmap.views import html as _html
from contextmap.views.basemap import basemap_for, basemap_payload
from contextmap.views.html import field_of, period_text, text_or_none
from contextmap.views.netgroups import GROUP_PALETTE
from contextmap.views.places import place_columns

__all__ = ["hotspot_map", "write_map", "map_payload", "MapOptions", "MAP_DEFAULTS", "SCORE_COLOURS",
           "SCORE_WORDS", "GROUP_COLOURS", "EMERGING_CLASSES", "EMERGING_COLOURS"]

SCORE_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
"""Five score classes, lowest first (ColorBrewer YlOrRd)."""

GROUP_COLOURS = GROUP_PALETTE
"""Peer-group colours: the colour-blind-safe qualitative palette of
:mod:`contextmap.views.netgroups` (none grey, brown or red: those mark ungrouped children,
places and persons of concern), reused in turn after nine groups on the map's peer-group
layers (each named in the layer control)."""

SCORE_WORDS = ("lowest", "low", "middle", "high", "highest")
"""The five score classes in words, lowest first."""

EMERGING_CLASSES = ("new", "intensifying", "persistent", "diminishing", "sporadic")
"""Emerging-hotspot classes drawn on the map (:data:`contextmap.emerging.CATEGORIES` but "no
pattern"), in legend order; their words come from the vocabulary's ``emerging`` group."""
EMERGING_COLOURS = {"new": "#7b3294", "intensifying": "#d7191c", "persistent": "#e66101",
                    "diminishing": "#2c7bb6", "sporadic": "#4d9221"}
"""Outline colour of each emerging class's grid cells (each also has its own dash pattern)."""

_DENSITY_COLOURS = ("#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15")

OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTR = "&copy; OpenStreetMap contributors"
SCORE_TEXT = ("The score adds up signals of concern at a place, not how busy it is: persons of concern "
              "seen there (weighted by grading and age), children linked to them seen there, children "
              "there on 2 or more days, missing episodes that ended there, and a little for how many "
              "children were there.")
"""What the hotspot score is made of, in words, for the legends."""
CLUSTER_THRESHOLD = 2000
"""Above this many locations, category layers cluster their markers."""


# --- inputs -------------------------------------------------------------------------------


@dataclass
class _Parts:
    hotspots: pd.DataFrame | None = None
    clusters: pd.DataFrame | None = None
    density: Any = None
    peer_groups: Any = None
    graph: nx.Graph | None = None
    period: Any = None
    dataset: Any = None
    extras: dict[str, Any] = field(default_factory=dict)


def _parts(analysis: Any, **given: Any) -> _Parts:
    """Collect the parts from an Analysis-like object or mapping, overridden by keywords."""
    out = _Parts()
    for name in ("hotspots", "clusters", "density", "peer_groups", "graph", "period", "dataset"):
        value = given.get(name)
        if value is None:
            value = field_of(analysis, name)
        setattr(out, name, value)
    if out.hotspots is None and isinstance(analysis, pd.DataFrame):
        out.hotspots = analysis
    if out.hotspots is None:
        raise ConfigError(
            "Expected an Analysis (with .hotspots), a mapping with 'hotspots', or hotspots=..., "
            f"instead got: {type(analysis).__name__}"
        )
    return out


class MapOptions(TypedDict, total=False):
    """The keywords :func:`hotspot_map` and :func:`map_payload` share (documented in
    :func:`hotspot_map`); every one is optional, with the defaults in ``MAP_DEFAULTS``."""

    hotspots: pd.DataFrame | None
    clusters: gpd.GeoDataFrame | None
    density: Any
    peer_groups: Any
    graph: nx.Graph | None
    period: Any
    title: str
    audience: str
    marking: str
    top_n: int
    density_levels: int
    max_persons: int
    basemap: Any
    areas: Any
    new_ids: Sequence[str] | None
    emerging: Any
    label_top: int
    words: Any


MAP_DEFAULTS: MapOptions = {
    "hotspots": None, "clusters": None, "density": None, "peer_groups": None, "graph": None,
    "period": None, "title": "Locations of concern", "audience": "internal",
    "marking": "OFFICIAL-SENSITIVE", "top_n": 25, "density_levels": 6, "max_persons": 12,
    "basemap": None, "areas": None, "new_ids": None, "emerging": None, "label_top": 10,
    "words": None,
}
"""The default of every :class:`MapOptions` keyword."""


def _map_options(function: str, options: Mapping[str, Any]) -> MapOptions:
    """``options`` over :data:`MAP_DEFAULTS`; a keyword neither function takes is refused by name."""
    unknown = sorted(set(options) - set(MAP_DEFAULTS))
    if unknown:
        raise TypeError(f"{function}() got an unexpected keyword argument {unknown[0]!r}")
    return cast(MapOptions, {**MAP_DEFAULTS, **options})


def _count(v: Any) -> int | None:
    if isinstance(v, (list, tuple, set, np.ndarray)):
        return len(v)
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _node_labels(G: nx.Graph | None, kind: str) -> dict[str, str]:
    if G is None:
        return {}
    return {str(n): str(d.get("label") or n) for n, d in G.nodes(data=True) if d.get("kind") == kind}


def _lat_lon(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame:
        g = frame.geometry
        if g.crs is not None and not g.crs.equals("EPSG:4326"):
            g = g.to_crs(4326)
        ok = ~(g.is_empty | g.isna())
        lat = np.full(len(frame), np.nan)
        lon = np.full(len(frame), np.nan)
        pts = g[ok].representative_point() if not (g[ok].geom_type == "Point").all() else g[ok]
        lat[ok.to_numpy()] = pts.y.to_numpy()
        lon[ok.to_numpy()] = pts.x.to_numpy()
        return lat, lon
    if {"latitude", "longitude"} <= set(frame.columns):
        return (pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(dtype=float),
                pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(dtype=float))
    raise ConfigError(
        "Expected hotspots to have a geometry column or latitude/longitude columns, instead got "
        f"columns: {list(frame.columns)!r}"
    )


def _rings_wgs84(geom: Any) -> list[list[list[float]]]:
    """Polygon rings of a shapely geometry as [[lat, lon], ...] lists (outer and holes)."""
    rings: list[list[list[float]]] = []
    if geom is None or geom.is_empty:
        return rings
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        if poly.geom_type == "Polygon":
            for ring in (poly.exterior, *poly.interiors):
                rings.append([[round(y, 6), round(x, 6)] for x, y in ring.coords])
        elif poly.geom_type in ("MultiPolygon", "GeometryCollection"):
            rings.extend(_rings_wgs84(poly))
    return rings


def _to_wgs84(frame: Any) -> gpd.GeoDataFrame | None:
    if frame is None or not isinstance(frame, gpd.GeoDataFrame) or not len(frame):
        return None
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs(4326)
    return frame


def _density_bands(density: Any, *, levels: int) -> list[dict]:
    """Filled contour bands of a density surface, as WGS84 rings (see ``hotspots``)."""
    if density is None:
        return []
    frame = None
    contours = getattr(density, "contours", None)
    if callable(contours):
        values = getattr(density, "values", None)
        vmax = float(np.nanmax(values)) if isinstance(values, np.ndarray) and values.size else 0.0
        if vmax > 0:
            frame = contours(levels=[vmax * (i + 1) / (levels + 1) for i in range(levels)])
        else:
            frame = contours()
    elif isinstance(density, gpd.GeoDataFrame):
        frame = density
    frame = _to_wgs84(frame)
    if frame is None:
        return []
    level_col = next((c for c in ("level", "value", "density", "threshold") if c in frame.columns), None)
    if level_col is not None:
        frame = frame.sort_values(level_col, kind="stable")
    n = len(frame)
    out = []
    for i, (_, row) in enumerate(frame.iterrows()):
        rings = _rings_wgs84(row.geometry)
        if not rings:
            continue
        colour = _DENSITY_COLOURS[min(len(_DENSITY_COLOURS) - 1, int(i * len(_DENSITY_COLOURS) / max(n, 1)))]
        level = text_or_none(row[level_col]) if level_col else None
        out.append({"level": level, "color": colour, "rings": rings})
    return out


# --- payload ------------------------------------------------------------------------------


def _score_classes(scores: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """Five classes of equal width from 0 (or the lowest score) to the highest score; the page
    gets their colours and words only (a raw score says nothing to a meeting)."""
    finite = scores[np.isfinite(scores)]
    hi = float(finite.max()) if len(finite) else 0.0
    lo = float(min(0.0, finite.min())) if len(finite) else 0.0
    span = hi - lo or 1.0
    k = len(SCORE_COLOURS)
    cls = np.clip(((np.nan_to_num(scores, nan=lo) - lo) / span * k).astype(int), 0, k - 1)
    return cls, [{"color": c, "word": w} for c, w in zip(SCORE_COLOURS, SCORE_WORDS, strict=True)]


def _group_layers(parts: _Parts, loc_index: Mapping[str, int]) -> list[dict]:
    pg, G = parts.peer_groups, parts.graph
    if pg is None:
        return []
    membership = field_of(pg, "membership")
    groups = field_of(pg, "groups")
    if G is None:
        G = field_of(pg, "graph")
    if membership is None or G is None:
        return []
    members: dict[str, list[str]] = {}
    for child, gid in membership.items():
        if text_or_none(gid) is not None:
            members.setdefault(str(gid), []).append(str(child))
    order = list(groups["group_id"].astype(str)) if groups is not None and "group_id" in groups else sorted(members)
    out = []
    for i, gid in enumerate(o for o in order if o in members):
        seen: dict[int, set[str]] = {}
        for child in members[gid]:
            if child not in G:
                continue
            for nb in G.neighbors(child):
                j = loc_index.get(str(nb))
                if j is not None:
                    seen.setdefault(j, set()).add(child)
        out.append({
            "id": gid,
            "color": GROUP_COLOURS[i % len(GROUP_COLOURS)],
            "size": len(members[gid]),
            "locs": sorted([j, len(kids)] for j, kids in seen.items()),
        })
    return out


def _person_dobs(parts: _Parts) -> dict[str, Any]:
    """Person id -> date of birth, from the analysed dataset (for "15" or "adult" beside a name)."""
    ds = parts.dataset
    persons = field_of(ds, "persons") if ds is not None else None
    if not isinstance(persons, pd.DataFrame) or "date_of_birth" not in persons or "person_id" not in persons:
        return {}
    return dict(zip(persons["person_id"].astype(str), persons["date_of_birth"], strict=True))


def _period_end(period: Any) -> Any:
    end = field_of(period, "end")
    if end is None and isinstance(period, Sequence) and not isinstance(period, str) and len(period) == 2:
        end = period[1]
    return end


def map_payload(analysis: Any = None, *, tiles: bool = False, **options: Unpack[MapOptions]) -> dict:
    """The JSON-ready data a hotspot map page draws (no child names or ids, ever).

    Exposed so the pack and tests can inspect exactly what a map page will hold. Takes the
    keywords of :func:`hotspot_map` (:class:`MapOptions`); ``tiles`` says only whether the
    page has a tile layer. Places are in rank order, their columns packed small
    (:func:`contextmap.views.places.place_columns`; read them back with
    :func:`~contextmap.views.places.decode_columns`).
    """
    from contextmap.vocabulary import vocabulary

    opts = _map_options("map_payload", options)
    parts = _parts(analysis, **opts)
    words = opts["words"] or vocabulary()
    hs = parts.hotspots
    assert hs is not None
    lat, lon = _lat_lon(hs)
    keep = np.isfinite(lat) & np.isfinite(lon)
    ranked = len(hs)  # a place without coordinates is ranked too, just not drawn
    hs = hs.loc[keep]
    lat, lon = lat[keep], lon[keep]
    if "rank" in hs.columns:  # rank order: the page draws and labels the top places first
        order = np.argsort(pd.to_numeric(hs["rank"], errors="coerce").fillna(np.inf).to_numpy(), kind="stable")
        hs, lat, lon = hs.iloc[order], lat[order], lon[order]
    n = len(hs)
    scores = (pd.to_numeric(hs["score"], errors="coerce").to_numpy(dtype=float) if "score" in hs.columns
              else np.full(n, np.nan))
    cls, classes = _score_classes(scores)
    cats_raw = [text_or_none(c) or "other" for c in (hs["category"] if "category" in hs.columns else [None] * n)]
    categories = sorted(set(cats_raw))
    emerging = _emerging_of(opts["emerging"])
    loc, persons = place_columns(
        hs.assign(category=cats_raw), lat, lon, cls=cls, categories=categories,
        person_labels=_node_labels(parts.graph or field_of(parts.peer_groups, "graph"), "person"),
        person_dobs=_person_dobs(parts), on=_period_end(parts.period), max_persons=opts["max_persons"],
        new_ids=opts["new_ids"], emerging=emerging, words=words)
    ids = [str(x) for x in hs["location_id"]] if "location_id" in hs.columns else [str(i) for i in range(n)]
    loc_index = {i: j for j, i in enumerate(ids)}

    clusters_out = []
    cl = _to_wgs84(parts.clusters)
    if cl is not None:
        for _, row in cl.iterrows():
            rings = _rings_wgs84(row.geometry)
            if rings:
                clusters_out.append({"id": text_or_none(row.get("cluster_id")) or "",
                                     "n": _count(row.get("n_locations")), "rings": rings})

    bounds = None
    if n:
        bounds = [[float(np.min(lat)), float(np.min(lon))], [float(np.max(lat)), float(np.max(lon))]]
    present = [c for c in EMERGING_CLASSES if c in set(emerging.values()) or any(
        cell["cls"] == c for cell in _emerging_cells(opts["emerging"]))]
    return {
        "meta": {
            "title": str(opts["title"]), "period": period_text(parts.period), "audience": str(opts["audience"]),
            "marking": str(opts["marking"]), "tiles": bool(tiles), "n": n, "ranked": ranked,
            "topN": int(opts["top_n"]), "cluster": n > CLUSTER_THRESHOLD, "labelTop": int(opts["label_top"]),
            "scoreText": SCORE_TEXT,
            "emerging": {c: {"word": words("patterns", c), "color": EMERGING_COLOURS[c]} for c in present},
        },
        "basemap": basemap_payload(basemap_for(opts["basemap"], hs)) if opts["basemap"] is not None else None,
        "areas": _areas_payload(opts["areas"]),
        "emergingCells": _emerging_cells(opts["emerging"]),
        "bounds": bounds,
        "categories": [words("categories", c) for c in categories],
        "classes": classes,
        "loc": loc,
        "persons": persons,
        "clusters": clusters_out,
        "density": _density_bands(parts.density, levels=opts["density_levels"]),
        "groups": _group_layers(parts, loc_index),
    }


def _emerging_of(emerging: Any) -> dict[str, str]:
    """Location id -> emerging class, for places with a pattern."""
    places = field_of(emerging, "places")
    if places is None or not len(places):
        return {}
    return {str(i): str(c) for i, c in zip(places["location_id"], places["category"], strict=True)
            if text_or_none(c) not in (None, "no pattern")}


def _emerging_cells(emerging: Any) -> list[dict]:
    cells = _to_wgs84(field_of(emerging, "cells"))
    if cells is None:
        return []
    out = []
    for r in cells.itertuples():
        if r.category in (None, "no pattern"):
            continue
        rings = _rings_wgs84(r.geometry)
        if rings:
            out.append({"cls": str(r.category), "rings": rings, "events": _count(getattr(r, "events", None))})
    return out


def _areas_payload(areas: Any) -> list[dict]:
    fr = _to_wgs84(areas)
    if fr is None:
        return []
    out = []
    for r in fr.itertuples():
        rings = _rings_wgs84(r.geometry)
        if not rings:
            continue
        pt = r.geometry.representative_point()
        out.append({"id": str(r.area_id), "name": str(r.name), "ep": _count(getattr(r, "episodes", None)),
                    "ch": _count(getattr(r, "children", None)), "hot": _count(getattr(r, "hotspots", None)),
                    "poc": _count(getattr(r, "persons", None)), "rings": rings,
                    "at": [round(pt.y, 5), round(pt.x, 5)]})
    return out


# --- folium elements ----------------------------------------------------------------------


class _InlineAssets(Element):
    """Leaflet (+ supercluster) and our stylesheet, inlined into the page header."""

    def __init__(self, *, cluster: bool) -> None:
        super().__init__()
        self._name = "ContextmapAssets"
        self.cluster = cluster

    def render(self, **kwargs: Any) -> str:
        parts = [_html.inline_style(_html.leaflet_css()), _html.inline_style(_html.asset_text("map_view.css")),
                 _html.inline_script(_html.leaflet_js())]
        if self.cluster:
            parts.append(_html.inline_script(_html.asset_text("supercluster.min.js")))
        parts.append(_html.inline_script(_html.asset_text("map_view.js")))
        return "\n".join(parts)


_PAGE = Template(
    "<!DOCTYPE html>\n"
    '<html lang="en">\n'
    "<head>\n"
    "{% if this.title %}<title>{{this.title}}</title>{% endif %}"
    # folium's viewport meta stops people zooming the page (WCAG 1.4.4): written without that
    "    {{ this.header.render(**kwargs) | replace(', maximum-scale=1.0, user-scalable=no', '') }}\n"
    "</head>\n"
    "<body>\n"
    "    {{this.html.render(**kwargs)}}\n"
    "</body>\n"
    "<script>\n"
    "    {{this.script.render(**kwargs)}}\n"
    "</script>\n"
    "</html>\n"
)
"""The page around the map: branca's, with the language declared and page zoom allowed."""


class _ContextLayers(MacroElement):
    """Draws the payload onto the folium map with ``templates/map_view.js``."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <script type="application/json" id="{{ this.get_name() }}_data">{{ this.payload_json }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        contextmapHotspotMap({{ this._parent.get_name() }},
            JSON.parse(document.getElementById("{{ this.get_name() }}_data").textContent));
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict) -> None:
        super().__init__()
        self._name = "ContextLayers"
        self.payload = payload
        # escaped for a <script> element: no '<', '>', '&' survive
        # the base map and the places' columns are plain lists of numbers and strings
        # (basemap_payload, places.place_columns): serialised as they are, not walked value by
        # value (a county's roads are millions of numbers; 50,000 places, a million values)
        text = _html.json_for_script({k: v for k, v in payload.items() if k not in ("basemap", "loc")})
        for key in ("loc", "basemap"):
            if payload.get(key) is not None:
                part = _html.json_text_for_script(json.dumps(payload[key], ensure_ascii=False, allow_nan=False,
                                                             separators=(",", ":")))
                text = text[:-1] + f', "{key}": ' + part + "}"
        self.payload_json = text


_TILES_DIR = "contextmap-tiles-dir"
"""Stands for a local tile folder in the page until :func:`write_map` knows where it goes."""


def _tiles_dir(tiles: Any) -> Path | None:
    """The local XYZ tile folder ``tiles`` names, or None when it is a keyword or a URL."""
    if isinstance(tiles, Path):
        return tiles if tiles.is_dir() else None
    if not isinstance(tiles, str) or "{" in tiles or ":" in tiles.split("/")[0] and len(tiles.split(":")[0]) > 1:
        return None
    if tiles.lower() in ("none", "off", "", "osm", "openstreetmap"):
        return None
    p = Path(tiles)
    return p if p.is_dir() else None


def _tile_ext(folder: Path) -> str:
    for z in sorted(folder.iterdir(), key=lambda q: q.name):
        if z.is_dir() and z.name.isdigit():
            for x in z.iterdir():
                if x.is_dir() and x.name.isdigit():
                    for f in x.iterdir():
                        if f.stem.isdigit() and f.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp"):
                            return f.suffix.lower()
    raise ConfigError(f"Expected tiles folder {str(folder)!r} to hold XYZ tiles as Z/X/Y.png (or .jpg, "
                      ".webp), instead found none")


def _tile_layer(tiles: str | Path | None, attribution: str | None) -> folium.TileLayer | folium.WmsTileLayer | None:
    if tiles is None or str(tiles).lower() in ("none", "off", ""):
        return None
    if str(tiles).lower() in ("osm", "openstreetmap"):
        return folium.TileLayer(tiles=OSM_URL, attr=OSM_ATTR, name="OpenStreetMap", max_zoom=19,
                                overlay=False, control=False)
    folder = _tiles_dir(tiles)
    if folder is not None:
        url = f"{_TILES_DIR}/{{z}}/{{x}}/{{y}}{_tile_ext(folder)}"
        return folium.TileLayer(tiles=url, attr=str(_html.escape(attribution or "Tiles: local folder")),
                                name="Base map", overlay=False, control=False, max_zoom=19)
    url = str(tiles)
    if url.lower().startswith("wms:"):
        from urllib.parse import parse_qs, urlsplit, urlunsplit

        base = url[4:]
        parts = urlsplit(base)
        q = {k.lower(): v[0] for k, v in parse_qs(parts.query).items()}
        if parts.scheme not in ("http", "https") or not q.get("layers"):
            raise ConfigError("Expected a WMS base map as 'wms:https://host/path?layers=NAME', instead got: "
                              f"{tiles!r}")
        return folium.WmsTileLayer(url=urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
                                   layers=q["layers"], fmt=q.get("format", "image/png"),
                                   attr=str(_html.escape(attribution or "Base map: internal WMS")),
                                   name="Base map", overlay=False, control=False)
    if not (url.startswith(("http://", "https://", "file://", "/")) and "{z}" in url
            and "{x}" in url and "{y}" in url):
        raise ConfigError(
            "Expected tiles to be 'none', 'osm', a URL template with {z}, {x} and {y}, 'wms:URL' or a "
            f"folder of XYZ tiles, instead got: {tiles!r}"
        )
    return folium.TileLayer(tiles=url, attr=str(_html.escape(attribution or "Tiles: local server")),
                            name="Base map", overlay=False, control=False)


def hotspot_map(
    analysis: Any = None,
    *,
    tiles: str | Path | None = "none",
    attribution: str | None = None,
    **options: Unpack[MapOptions],
) -> folium.Map:
    """Draw the hotspot map of an analysis as a self-contained folium map.

    Every keyword but ``tiles`` and ``attribution`` is one of :class:`MapOptions`, which
    :func:`map_payload` takes too (defaults in :data:`MAP_DEFAULTS`).

    Parameters
    ----------
    analysis
        An ``Analysis`` (from :func:`contextmap.analysis.analyze`) or a mapping with any of
        the keys below; keywords override its parts. Only ``hotspots`` is required.
    hotspots
        Ranked locations (``hotspots.rank_locations``): ``location_id``, ``name``,
        ``category``, ``rank``, ``score``, ``episodes``, ``children`` (a count), ``first_seen``,
        ``last_seen``, ``grading_mix``, ``persons`` (ids or labels), ``trend``, point geometry.
    clusters
        Spatial clusters (``hotspots.spatial_clusters``), drawn as outlines.
    density
        The density surface (``hotspots.density_surface``); drawn as filled contour bands
        from its ``contours()`` (computed in metres, transformed to WGS84).
    peer_groups, graph
        Peer groups and the context graph: one layer per group with the places its
        children were seen (counts only; never child names or ids).
    period
        ``{"start", "end"}`` (or an object with those attributes) for the title bar.
    tiles
        ``'none'`` (default; the page then makes no network request at all), ``'osm'``, a
        tile URL template such as ``'https://tiles.example.internal/{z}/{x}/{y}.png'`` (an
        internal XYZ server; a WMS server as ``'wms:https://host/wms?layers=NAME'``), or a
        local folder of XYZ tiles (``DIR/{z}/{x}/{y}.png``), read by the page as files
        relative to it (:func:`write_map` writes the relative path).
    basemap
        The user's own vector base map: a file path (any format GDAL reads; read clipped to
        the data plus 1.5 km) or a :class:`contextmap.basemap.BaseMap`. Inlined into the page
        and drawn on a canvas under everything else: no server, no request.
    areas
        Counts per area (:func:`contextmap.areas.count_by_area`): boundaries with names, and a
        choropleth of episodes.
    new_ids
        Location ids new since the last pack: marked with a blue ring.
    emerging
        Emerging hotspot classes (:func:`contextmap.emerging.emerging_hotspots`; by default an
        Analysis's ``emerging()``): in words in the popups and the top places' labels, and the
        grid cells as a layer drawn above the places (on by default).
    label_top
        The top places by rank labelled on the map with their rank and name, placed so that no
        two labels overlap (a thin line leads to a label set away from its place).
    words
        The vocabulary (:func:`contextmap.vocabulary.vocabulary`) for kinds of place, trends
        and emerging classes; the defaults when ``None``.
    attribution
        Attribution text for a custom tile URL.
    title, audience, marking
        Shown in the title bar and the protective-marking banners. For an audience that does
        not see everything, an ``analysis`` must have been run on
        ``privacy.redact_dataset(ds, audience)`` (else ``PrivacyError``); parts passed by hand
        are drawn as given, so redact them first.
    top_n
        Locations ranked this high or better also go on the "Top hotspots" layer.
    density_levels
        Number of contour bands requested from the density surface.
    max_persons
        Persons of concern listed per popup (the rest are counted).

    Returns
    -------
    folium.Map
        Save it with :func:`write_map`; in a notebook it displays inline (iframe).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> hs = gpd.GeoDataFrame({"location_id": ["L1"], "name": ["Bus station"],
    ...     "category": ["transport"], "rank": [1], "score": [3.5], "episodes": [4],
    ...     "children": [3]}, geometry=[Point(-1.5, 52.4)], crs=4326)
    >>> m = hotspot_map(hotspots=hs, period={"start": "2024-01-01", "end": "2024-03-31"})
    >>> "cdn." in m.get_root().render()
    False
    """
    from contextmap.privacy import check_redacted_for

    opts = _map_options("hotspot_map", options)
    check_redacted_for(analysis, opts["audience"])  # an analysis must be redacted for a restricted audience
    tile = _tile_layer(tiles, attribution)
    if opts["emerging"] is None:  # an Analysis computes its emerging hotspots once, when asked
        em = field_of(analysis, "emerging")
        opts["emerging"] = em() if callable(em) else em
    payload = map_payload(analysis, tiles=tile is not None, **opts)
    bounds = payload["bounds"]
    centre = ([(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
              if bounds else [52.5, -1.5])
    m = folium.Map(location=centre, zoom_start=12, tiles=None, control_scale=True)
    # drop folium's CDN links (Leaflet, jQuery, Bootstrap, Font Awesome...): we inline Leaflet
    m.default_js = []
    m.default_css = []
    root = cast(Any, m.get_root())  # a branca Figure: it has header and title
    root.header.add_child(_InlineAssets(cluster=payload["meta"]["cluster"]), name="contextmap_assets")
    root.title = str(_html.escape(opts["title"]))  # branca writes it unescaped
    root._template = _PAGE
    if tile is not None:
        tile.add_to(m)
    m.add_child(_ContextLayers(payload), name="contextmap_layers")
    m._contextmap_payload = payload  # type: ignore[attr-defined]
    m._contextmap_tiles_dir = _tiles_dir(tiles)  # type: ignore[attr-defined]
    return m


def _spell_out_options(fn: Any) -> None:
    """Give ``fn`` (which takes ``**options: Unpack[MapOptions]``) a signature naming every
    option with its default, so ``help()``, ``inspect.signature`` and a notebook's completion
    list the keywords one by one, from the one declaration in :class:`MapOptions`."""
    sig = inspect.signature(fn)
    params = [q for q in sig.parameters.values() if q.kind is not inspect.Parameter.VAR_KEYWORD]
    hints = {k: getattr(v, "__forward_arg__", v) for k, v in MapOptions.__annotations__.items()}
    params += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                 annotation=hints.get(name, inspect.Parameter.empty))
               for name, default in MAP_DEFAULTS.items()]
    fn.__signature__ = sig.replace(parameters=params)


_spell_out_options(hotspot_map)
_spell_out_options(map_payload)


def write_map(m: folium.Map, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a map to a self-contained HTML file; refuse to replace a file unless ``overwrite``.

    Examples
    --------
    >>> import tempfile, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> hs = gpd.GeoDataFrame({"location_id": ["L1"], "name": ["Park"], "score": [1.0]},
    ...                       geometry=[Point(-1.5, 52.4)], crs=4326)
    >>> out = write_map(hotspot_map(hotspots=hs), Path(tempfile.mkdtemp()) / "map.html")
    >>> out.name
    'map.html'
    """
    import os
    from urllib.parse import quote

    p = check_writable(path, overwrite=overwrite)
    html = m.get_root().render()
    folder = getattr(m, "_contextmap_tiles_dir", None)
    if folder is not None:  # a local tile folder: read as files relative to the page
        rel = Path(os.path.relpath(Path(folder).resolve(), p.resolve().parent)).as_posix()
        html = html.replace(_TILES_DIR + "/", quote(rel, safe="/._-~") + "/")
    p.write_text(html, encoding="utf-8")
    return p
