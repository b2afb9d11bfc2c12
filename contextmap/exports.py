"""Exports to the tools analysts already use: QGIS/ArcGIS, Gephi, i2 Analyst's Notebook, Excel.

Every writer takes data that is already redacted for its audience (see
:func:`contextmap.privacy.redact_dataset`): exports honour the audience because they are
drawn from the audience's dataset. Writers refuse to overwrite unless ``overwrite=True``.

* :func:`write_geopackage`: layers ``locations``, ``hotspots``, ``clusters``, ``areas``, ``emerging_cells``,
  ``density_contours`` in one ``.gpkg`` (GDAL/QGIS/ArcGIS read it natively).
* :func:`write_graphml`, :func:`write_gexf`: networks for Gephi, yEd, igraph, networkx.
* :func:`write_i2`: entity and link CSVs plus an import note for i2 Analyst's Notebook.
* :func:`write_anx`: the context graph as a native i2 Analyst's Notebook chart (``.anx``,
  Chart XML): entities with icons, links with their 3x5x2 grades, cards and source references.
* :func:`write_csv`: every CSV the project writes, with spreadsheet formula injection
  neutralised.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = write_csv(pd.DataFrame({"name": ["=HYPERLINK(1)", "Ava"], "x": [-3.2, 1.0]}), out, bom=False)
>>> print(out.read_text().strip())
name,x
'=HYPERLINK(1),-3.2
Ava,1.0
"""

from __future__ import annotations

import functools
import json
import math
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from contextmap.dataset import Dataset
from contextmap.files import (
    check_writable,
    neutralise_cell,
    neutralise_frame,
    to_jsonable,
    write_csv,
)
from contextmap.schema import parse_grading

__all__ = [
    "neutralise_cell",
    "neutralise_frame",
    "write_csv",
    "write_geopackage",
    "GEOPACKAGE_LAYERS",
    "graph_for_export",
    "write_graphml",
    "write_gexf",
    "write_i2",
    "I2_ENTITY_TYPES",
    "write_anx",
    "ANX_ENTITY_TYPES",
    "ANX_GRADES",
    "ANX_STRENGTHS",
]

# --- GeoPackage --------------------------------------------------------------------------

GEOPACKAGE_LAYERS = ("locations", "hotspots", "clusters", "density_contours")


def _plain_value(v: Any) -> Any:
    if isinstance(v, (list, tuple, set, frozenset)):
        return "; ".join(str(x) for x in v)
    if isinstance(v, Mapping):
        return json.dumps({str(k): to_jsonable(x) for k, x in v.items()}, ensure_ascii=False)
    return v


def _for_gdal(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"Expected {name} to be a GeoDataFrame, instead got: {type(gdf).__name__}")
    out = gdf.copy()
    if out.crs is None:
        raise ValueError(f"Expected {name} to have a CRS (WGS84, EPSG:4326, for contextmap data), instead got: None")
    for c in out.columns:
        if c == out.geometry.name:
            continue
        s = out[c]
        if s.dtype == object or isinstance(s.dtype, pd.CategoricalDtype):
            out[c] = s.map(_plain_value).astype("string") if len(s) else s.astype("string")
        elif pd.api.types.is_timedelta64_dtype(s):
            out[c] = s.dt.total_seconds() / 3600.0
            out = out.rename(columns={c: f"{c}_hours"})
    out.columns = [str(c) for c in out.columns]
    return out


def write_geopackage(
    path: str | Path,
    *,
    locations: gpd.GeoDataFrame,
    hotspots: gpd.GeoDataFrame | None = None,
    clusters: gpd.GeoDataFrame | None = None,
    density_contours: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    emerging_cells: gpd.GeoDataFrame | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the map layers to one GeoPackage that QGIS, ArcGIS and GDAL open directly.

    Parameters
    ----------
    path
        The ``.gpkg`` file.
    locations, hotspots, clusters, density_contours, areas, emerging_cells
        GeoDataFrames with a CRS; each becomes the layer of the same name (``None``: no
        layer). List and mapping cells are written as text, durations as hours. ``areas``:
        counts per area (:func:`contextmap.areas.count_by_area`); ``emerging_cells``: the
        grid cells of :func:`contextmap.emerging.emerging_hotspots` with their class.
    overwrite
        Replace an existing file (the whole file, not just the layers given).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib, pyogrio
    >>> from shapely.geometry import Point
    >>> locs = gpd.GeoDataFrame({"location_id": ["Place-1"]}, geometry=[Point(-1.1, 52.6)], crs=4326)
    >>> p = write_geopackage(pathlib.Path(tempfile.mkdtemp()) / "m.gpkg", locations=locs)
    >>> [name for name, _ in pyogrio.list_layers(p)]
    ['locations']
    """
    if Path(path).suffix.lower() != ".gpkg":
        raise ValueError(f"Expected path to end in .gpkg, instead got: {str(path)!r}")
    p = check_writable(path, overwrite=overwrite)
    layers = {"locations": locations, "hotspots": hotspots, "clusters": clusters, "density_contours": density_contours,
              "areas": areas, "emerging_cells": emerging_cells}
    prepared = {name: _for_gdal(g, name) for name, g in layers.items() if g is not None}
    tmp = p.with_name(p.stem + ".partial.gpkg")
    if tmp.exists():
        tmp.unlink()
    try:
        for name, gdf in prepared.items():
            kwargs: dict[str, Any] = {}
            if gdf.empty:
                kwargs["geometry_type"] = "Unknown"
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", **kwargs)
        tmp.replace(p)
    finally:
        if tmp.exists():
            tmp.unlink()
    return p


# --- networks ----------------------------------------------------------------------------


def _scalar(v: Any) -> Any:
    """A GraphML/GEXF-safe value, or ``None`` to leave the attribute out."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) else f
    if isinstance(v, (datetime, date, pd.Timestamp)):
        return v.isoformat()
    if isinstance(v, pd.Timedelta):
        return v.total_seconds() / 3600.0
    if isinstance(v, (list, tuple, set, frozenset, Mapping, np.ndarray)):
        items = v.tolist() if isinstance(v, np.ndarray) else v
        if isinstance(items, (set, frozenset)):
            items = sorted(items, key=str)
        return json.dumps(to_jsonable(items), ensure_ascii=False)
    return str(v)


def _harmonise(records: list[dict[str, Any]]) -> None:
    """Give each attribute key one type across all elements (text when they disagree)."""
    types: dict[str, set[type]] = {}
    for attrs in records:
        for k, v in attrs.items():
            types.setdefault(k, set()).add(type(v))
    for k, ts in types.items():
        if len(ts) == 1:
            continue
        if ts <= {int, float}:
            for attrs in records:
                if k in attrs:
                    attrs[k] = float(attrs[k])
        else:
            for attrs in records:
                if k in attrs:
                    attrs[k] = str(attrs[k]).lower() if isinstance(attrs[k], bool) else str(attrs[k])


def _evidence_ids(d: Mapping[str, Any], attrs: Mapping[str, Any]) -> dict[str, str]:
    """``link_ids`` and ``episode_ids`` of an edge's evidence list, for filtering in Gephi."""
    ev = d.get("evidence")
    if not isinstance(ev, list) or not all(isinstance(e, Mapping) for e in ev):
        return {}
    out = {}
    for key, col in (("link_id", "link_ids"), ("episode_id", "episode_ids")):
        if col not in attrs:
            out[col] = ";".join(str(e[key]) for e in ev if e.get(key) is not None and e.get(key) is not pd.NA)
    return out


def graph_for_export(G: nx.Graph) -> nx.Graph:
    """A copy of ``G`` whose node ids are text and whose attributes GraphML and GEXF can hold.

    Lists, sets and mappings become JSON text, dates ISO text, missing values are left out,
    numpy scalars become Python numbers, and an attribute whose type differs between
    elements becomes text everywhere (GraphML declares one type per attribute).
    """
    H = G.__class__()
    H.graph.update({str(k): v for k, v in ((k, _scalar(v)) for k, v in G.graph.items()) if v is not None})
    node_attrs = []
    for n, d in G.nodes(data=True):
        attrs = {str(k): s for k, v in d.items() if (s := _scalar(v)) is not None}
        node_attrs.append((str(n), attrs))
    edge_attrs = []
    if G.is_multigraph():
        for u, v, key, d in G.edges(keys=True, data=True):
            attrs = {str(k): s for k, x in d.items() if (s := _scalar(x)) is not None}
            attrs.update(_evidence_ids(d, attrs))
            edge_attrs.append((str(u), str(v), key, attrs))
    else:
        for u, v, d in G.edges(data=True):
            attrs = {str(k): s for k, x in d.items() if (s := _scalar(x)) is not None}
            attrs.update(_evidence_ids(d, attrs))
            edge_attrs.append((str(u), str(v), None, attrs))
    _harmonise([a for _, a in node_attrs])
    _harmonise([e[3] for e in edge_attrs])
    _harmonise([H.graph])
    H.add_nodes_from(node_attrs)
    for u, v, key, attrs in edge_attrs:
        if G.is_multigraph():
            H.add_edge(u, v, key=key, **attrs)
        else:
            H.add_edge(u, v, **attrs)
    return H


def write_graphml(G: nx.Graph, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``G`` as GraphML (Gephi, yEd, igraph, networkx), attributes made portable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> G = nx.Graph(); G.add_edge("Child-1", "Place-2", relations=["visited", "found_at"], weight=2)
    >>> p = write_graphml(G, pathlib.Path(tempfile.mkdtemp()) / "g.graphml")
    >>> nx.read_graphml(p).edges["Child-1", "Place-2"]["relations"]
    '["visited", "found_at"]'
    """
    p = check_writable(path, overwrite=overwrite)
    nx.write_graphml(graph_for_export(G), p, encoding="utf-8", prettyprint=True)
    return p


def write_gexf(G: nx.Graph, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``G`` as GEXF 1.2 (Gephi), attributes made portable."""
    p = check_writable(path, overwrite=overwrite)
    H = graph_for_export(G)
    if G.is_multigraph():
        # GEXF edge ids must be unique; networkx uses the key when it is text
        H = H.copy()
        for i, (_u, _v, _k, d) in enumerate(H.edges(keys=True, data=True)):
            d.setdefault("id", f"e{i}")
    nx.write_gexf(H, p, encoding="utf-8", prettyprint=True)
    return p


# --- i2 Analyst's Notebook ---------------------------------------------------------------

I2_ENTITY_TYPES = {"child": "Child", "person": "Person of Concern", "location": "Location"}
"""Entity type names used in the i2 files (map them to icons once in the import specification)."""

_STRENGTH = {"A": "Confirmed", "B": "Confirmed", "C": "Unconfirmed", "D": "Unconfirmed", "E": "Tentative"}


def _i2_entities(ds: Dataset) -> pd.DataFrame:
    frames = []
    ch = ds.children
    frames.append(pd.DataFrame({
        "entity_id": ch["child_id"],
        "entity_type": I2_ENTITY_TYPES["child"],
        "label": ch["name"].fillna(ch["child_id"]),
        "date_of_birth": ch["date_of_birth"].dt.strftime("%Y-%m-%d"),
        "age": ch["age"] if "age" in ch.columns else pd.NA,
        "gender": ch["gender"],
        "ce_risk": ch["ce_risk"],
        "category": pd.NA,
        "postcode": pd.NA,
        "latitude": np.nan,
        "longitude": np.nan,
    }))
    pe = ds.persons
    frames.append(pd.DataFrame({
        "entity_id": pe["person_id"],
        "entity_type": I2_ENTITY_TYPES["person"],
        "label": pe["name"].fillna(pe["person_id"]),
        "date_of_birth": pe["date_of_birth"].dt.strftime("%Y-%m-%d"),
        "age": pe["age"] if "age" in pe.columns else pd.NA,
        "gender": pe["gender"],
        "ce_risk": pd.NA,
        "category": pd.NA,
        "postcode": pd.NA,
        "latitude": np.nan,
        "longitude": np.nan,
    }))
    lo = ds.locations
    frames.append(pd.DataFrame({
        "entity_id": lo["location_id"],
        "entity_type": I2_ENTITY_TYPES["location"],
        "label": lo["name"].fillna(lo["location_id"]),
        "date_of_birth": pd.NA,
        "age": pd.NA,
        "gender": pd.NA,
        "ce_risk": pd.NA,
        "category": lo["category"],
        "postcode": lo["postcode"],
        "latitude": lo["latitude"].astype("float64"),
        "longitude": lo["longitude"].astype("float64"),
    }))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["entity_id", "entity_type", "label"])
    out = pd.concat(frames, ignore_index=True)
    out["age"] = out["age"].astype("Int64")
    return out


def _i2_links(ds: Dataset, entities: pd.DataFrame) -> pd.DataFrame:
    li = ds.links
    kind = entities.set_index("entity_id")["entity_type"]
    label = entities.set_index("entity_id")["label"]
    ia = li["intelligence_assessment"] if "intelligence_assessment" in li.columns else pd.Series(pd.NA, index=li.index)
    grading = li["grading"]
    if "source_evaluation" in li.columns:
        code = li["source_evaluation"].astype("string") + ia.astype("string") + " " + li["handling_code"].astype("string")
        grading = code.fillna(grading.astype("string"))
    return pd.DataFrame({
        "link_id": li["link_id"],
        "from_id": li["source_id"],
        "from_type": li["source_id"].map(kind),
        "from_label": li["source_id"].map(label),
        "to_id": li["target_id"],
        "to_type": li["target_id"].map(kind),
        "to_label": li["target_id"].map(label),
        "link_type": li["relation"],
        "date": li["observed_on"].dt.strftime("%Y-%m-%d"),
        "source_type": li["source_type"],
        "grading": grading,
        "strength": ia.astype("string").map(_STRENGTH, na_action="ignore").fillna("Unconfirmed"),
        "episode_id": li["episode_id"],
        "summary": li["summary"],
    })


_I2_NOTE = """\
i2 Analyst's Notebook import (contextmap {version}, audience: {audience})

Files
  chart.anx        in a pack: the network as a ready chart. Open it with File > Open (no import
                   needed); what it holds is described in the pack's docs (docs/exports.md).
  i2_entities.csv  one row per entity: entity_id, entity_type, label, attributes
  i2_links.csv     one row per association: both ends (id, type, label), link_type (relation),
                   date, source_type, grading (3x5x2), strength, episode_id, summary

Import (Analyst's Notebook 9 or later: Home > Import Data, or File > Import):
  1. Choose i2_links.csv. Delimiter: comma. First row holds column headings. Encoding UTF-8.
  2. Design: "Link" (entity - link - entity).
  3. Entity 1: Identity = from_id, Label = from_label, Type = from_type.
     Entity 2: Identity = to_id,   Label = to_label,   Type = to_type.
     Map the types Child, Person of Concern and Location to icons of your choice.
  4. Link: Type = link_type, Label = link_type, Date = date (format yyyy-MM-dd),
     Strength = strength (Confirmed / Unconfirmed / Tentative), attributes grading,
     source_type, episode_id, link_id; Description = summary.
     Link strength shows evidence quality: Tentative lines are intelligence graded E.
  5. Save the import specification so the next pack imports in one step.
  6. Optional: import i2_entities.csv with the "Entity" design (Identity = entity_id)
     to add attributes and entities without links; Merge on identity.

Text cells that a spreadsheet would treat as formulas start with an apostrophe.
{marking}: handle as the pack's handling notice says.
"""


def write_i2(
    ds: Dataset,
    directory: str | Path,
    *,
    audience: str = "",
    marking: str = "OFFICIAL-SENSITIVE",
    overwrite: bool = False,
) -> dict[str, Path]:
    """Write entity and link CSVs and an import note for i2 Analyst's Notebook.

    Parameters
    ----------
    ds
        The dataset, already redacted for the audience.
    directory
        Where ``i2_entities.csv``, ``i2_links.csv`` and ``i2_import.txt`` go.
    audience, marking
        Printed in the import note.
    overwrite
        Replace existing files.

    Returns
    -------
    dict
        ``{'entities': path, 'links': path, 'note': path}``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from contextmap.privacy.example import example_dataset
    >>> paths = write_i2(example_dataset(), pathlib.Path(tempfile.mkdtemp()))
    >>> pd.read_csv(paths["links"])[["from_id", "to_id", "strength"]].values.tolist()
    [['C1', 'P1', 'Confirmed'], ['C1', 'L2', 'Unconfirmed']]
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    targets = {"entities": d / "i2_entities.csv", "links": d / "i2_links.csv", "note": d / "i2_import.txt"}
    for p in targets.values():
        check_writable(p, overwrite=overwrite)
    entities = _i2_entities(ds)
    links = _i2_links(ds, entities)
    write_csv(entities, targets["entities"], overwrite=overwrite)
    write_csv(links, targets["links"], overwrite=overwrite)
    try:
        from contextmap import __version__ as version
    except ImportError:  # pragma: no cover
        version = "unknown"
    targets["note"].write_text(
        _I2_NOTE.format(version=version, audience=audience or "not stated", marking=marking), encoding="utf-8"
    )
    return targets


# --- i2 Analyst's Notebook chart (.anx) --------------------------------------------------

ANX_ENTITY_TYPES = {
    "child": ("Child", "Person"),
    "person": ("Person of Concern", "Adult"),
    "location": ("Location", "Place"),
    "provisional": ("Unconfirmed mention", "Person (Faceless)"),
    "unknown": ("Unknown entity", "Query"),
}
"""Node kind -> (entity type, icon of Analyst's Notebook's standard icon set)."""

ANX_GRADES = {
    "GradeOne": ("Ungraded", "1 Reliable", "2 Untested", "3 Not reliable"),
    "GradeTwo": ("Ungraded", "A Known directly", "B Known indirectly and corroborated", "C Known indirectly",
                 "D Not known", "E Suspected to be false"),
    "GradeThree": ("Ungraded", "P Lawful sharing permitted", "C Lawful sharing permitted with conditions"),
}
"""The three grading lists of every chart (3x5x2: source evaluation, intelligence assessment,
handling code). A grade index points into its list; 0 is "Ungraded" (a service record such
as a missing episode's found location, or a link recorded without grading)."""

ANX_STRENGTHS = {"Confirmed": "DotStyleSolid", "Unconfirmed": "DotStyleDashed", "Tentative": "DotStyleDotted"}
"""Link strength -> line style: corroborated, not corroborated, every record graded E."""

_ANX_ATTRIBUTES = {  # attribute class -> (type, shown on the chart)
    "Exploitation risk": ("AttText", True), "Peer group": ("AttText", True), "Place category": ("AttText", False),
    "Latitude": ("AttNumber", False), "Longitude": ("AttNumber", False), "Records": ("AttNumber", False),
    "Last seen": ("AttTime", False),
}
_ANX_UNIT = 200  # chart units (about screen pixels at 100%) between two linked entities
_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@functools.lru_cache(maxsize=1 << 16)  # values repeat: dates, grades, relations, source types
def _xml_text(value: str) -> str:
    """Text XML 1.0 can hold: forbidden characters (controls, lone surrogates, U+FFFE/U+FFFF)
    become U+FFFD, so the file stays well-formed; everything else is kept as it is."""
    return _XML_FORBIDDEN.sub("\ufffd", value)


def _sub(parent: ET.Element, tag: str, attrs: Mapping[str, Any] | None = None) -> ET.Element:
    """A child element; every value passes through :func:`_xml_text` (numbers need not),
    ``None`` is left out. ElementTree escapes the rest (``& < > "``, line breaks and tabs)."""
    return ET.SubElement(parent, tag, {k: _xml_text(v) if type(v) is str else str(v) if type(v) is int
                                       else _xml_text(str(v)) for k, v in (attrs or {}).items() if v is not None})


def _anx_date(value: Any) -> str | None:
    """``YYYY-MM-DDT00:00:00.000`` for a date (evidence carries dates, not times), else None."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return _iso_day(str(value)[:10])


@functools.lru_cache(maxsize=4096)
def _iso_day(text: str) -> str | None:
    try:
        return f"{date.fromisoformat(text).isoformat()}T00:00:00.000"
    except ValueError:
        return None


def _grade_indexes(grading: Any, handling: Any = None) -> tuple[int, int, int]:
    """Indexes into :data:`ANX_GRADES` of one record's 3x5x2 grading (0: not graded)."""
    se = ia = hc = 0
    if isinstance(grading, str) and grading.strip():
        try:
            g = parse_grading(grading)
        except ValueError:
            g = None
        if g is not None:
            se, ia, hc = "123".index(g.source_evaluation) + 1, "ABCDE".index(g.intelligence_assessment) + 1, \
                "PC".index(g.handling_code) + 1
    if not hc and isinstance(handling, str) and handling.strip().upper() in ("P", "C"):
        hc = "PC".index(handling.strip().upper()) + 1
    return se, ia, hc


def _source_reference(e: Mapping[str, Any]) -> str:
    """``'link K1, episode E1'``: the numbers of the provenance annex."""
    parts = [f"{word} {e[key]}" for key, word in (("link_id", "link"), ("episode_id", "episode"))
             if e.get(key) is not None and not (isinstance(e[key], float) and math.isnan(e[key]))]
    return ", ".join(parts)


def _relations(evidence: list[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(str(e.get("relation")).replace("_", " ") for e in evidence
                              if e.get("relation") is not None))


def _spacing(xy: np.ndarray) -> float:
    """The distance that becomes one unit: most entities keep a unit clear of their nearest
    neighbour (the 10th percentile of nearest-neighbour distances), so icons and labels do not
    pile up in a dense core."""
    from scipy.spatial import cKDTree

    d = cKDTree(xy).query(xy, k=2)[0][:, 1]
    d = d[np.isfinite(d) & (d > 0)]
    return float(np.quantile(d, 0.1)) if len(d) else 1.0


def _anx_layout(G: nx.Graph, nodes: list[Any]) -> dict[Any, tuple[int, int]]:
    """Deterministic positions: each connected part laid out by Fruchterman-Reingold from a
    circle (scaled by :func:`_spacing`), parts packed in rows, largest first, lone entities last."""
    import igraph as ig

    index = {n: i for i, n in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=sorted({(min(index[u], index[v]), max(index[u], index[v]))
                                             for u, v in G.edges() if u != v}))
    parts = sorted(g.connected_components(), key=lambda c: (-len(c), min(c)))
    boxes = []
    ig.set_random_number_generator(random.Random(0))  # igraph draws from it: private and seeded
    try:
        for members in parts:
            if len(members) == 1:
                xy = np.zeros((1, 2))
            else:
                sub = g.subgraph(members)
                angle = 2 * np.pi * np.arange(len(members)) / len(members)
                start = (np.sqrt(len(members)) * np.column_stack([np.cos(angle), np.sin(angle)])).tolist()
                niter = int(np.clip(300_000 / len(members), 80, 300))  # a region's core: fewer, same picture
                xy = np.asarray(sub.layout_fruchterman_reingold(seed=start, niter=niter, grid="auto").coords,
                                dtype=float)
                xy = (xy - xy.min(axis=0)) / _spacing(xy)
            boxes.append((members, xy, xy[:, 0].max(), xy[:, 1].max()))
    finally:
        ig.set_random_number_generator(random)
    row_width = max([b[2] for b in boxes] + [np.sqrt(sum((b[2] + 2) * (b[3] + 2) for b in boxes)) * 1.5])
    pos: dict[Any, tuple[int, int]] = {}
    x = y = row_height = 0.0
    for members, xy, w, h in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height + 2, 0.0
        for i, (px, py) in zip(members, xy.tolist(), strict=True):
            pos[nodes[i]] = (round((x + px) * _ANX_UNIT), round((y + py) * _ANX_UNIT))
        x += w + 2
        row_height = max(row_height, h)
    return pos


def _anx_collections(chart: ET.Element, G: nx.Graph, ids: Iterator[int]) -> dict[str, dict[str, str]]:
    """Declare strengths, grades, source types, attribute classes, entity and link types;
    return ``{'entity': {type: id}, 'link': {type: id}, 'attribute': {name: id}}``."""
    counter = iter(f"ID{i}" for i in ids)
    strengths = _sub(chart, "StrengthCollection")
    for name, dots in ANX_STRENGTHS.items():
        _sub(strengths, "Strength", {"Id": next(counter), "Name": name, "DotStyle": dots})
    for tag, names in ANX_GRADES.items():
        strings = _sub(_sub(chart, tag), "StringCollection")
        for name in names:
            _sub(strings, "String", {"Id": next(counter), "Text": name})
    sources = sorted({str(e["source_type"]) for _u, _v, d in G.edges(data=True) for e in d.get("evidence") or []
                      if e.get("source_type") is not None})
    if sources:
        strings = _sub(_sub(chart, "SourceHints"), "StringCollection")
        for name in sources:
            _sub(strings, "String", {"Id": next(counter), "Text": name})
    refs: dict[str, dict[str, str]] = {"entity": {}, "link": {}, "attribute": {}}
    classes = _sub(chart, "AttributeClassCollection")
    for name, (kind, shown) in _ANX_ATTRIBUTES.items():
        refs["attribute"][name] = next(counter)
        _sub(classes, "AttributeClass", {
            "Id": refs["attribute"][name], "Name": name, "Type": kind, "IsUser": "true", "UserCanAdd": "true",
            "UserCanRemove": "true", "ShowValue": "true", "Visible": str(shown).lower(),
            "DecimalPlaces": "6" if name in ("Latitude", "Longitude") else "0" if kind == "AttNumber" else None})
    types = _sub(chart, "EntityTypeCollection")
    for name, icon in ANX_ENTITY_TYPES.values():
        refs["entity"][name] = next(counter)
        _sub(types, "EntityType", {"Id": refs["entity"][name], "Name": name, "IconFile": icon,
                                   "PreferredRepresentation": "RepresentAsIcon", "Colour": "0"})
    links = _sub(chart, "LinkTypeCollection")
    for _u, _v, d in G.edges(data=True):
        name = _link_type(d.get("evidence") or [])
        if name not in refs["link"]:
            refs["link"][name] = next(counter)
            _sub(links, "LinkType", {"Id": refs["link"][name], "Name": name, "Colour": "0"})
    return refs


def _link_type(evidence: list[Mapping[str, Any]]) -> str:
    rel = _relations(evidence)
    return rel[0] if len(rel) == 1 else "Several relations" if rel else "Association"


def _attributes(item: ET.Element, refs: Mapping[str, str], values: Mapping[str, Any]) -> None:
    rows = []
    for name, v in values.items():
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v == "":
            continue
        kind = _ANX_ATTRIBUTES[name][0]
        text = _anx_date(v) if kind == "AttTime" else v
        if text is not None:
            rows.append({"AttributeClass": name, "AttributeClassReference": refs[name], "Value": text})
    if rows:
        collection = _sub(item, "AttributeCollection")
        for row in rows:
            _sub(collection, "Attribute", row)


def _date_attrs(date: str | None) -> dict[str, str | None]:
    return {"DateSet": "true" if date else "false", "TimeSet": "false", "DateTime": date}


def _anx_link(items: ET.Element, u_id: int, v_id: int, d: Mapping[str, Any], refs: Mapping[str, Any],
              item_id: str) -> None:
    evidence = list(d.get("evidence") or [])
    grades = [_grade_indexes(e.get("grading"), e.get("handling_code")) for e in evidence]
    graded = [g for g in grades if g[0] and g[1]]
    se, ia = max((g[:2] for g in graded), default=(0, 0))  # the weakest grading, as the graph's min_grade
    hc = max((g[2] for g in grades), default=0)  # conditions on any record hold for the link
    if graded and all(g[1] == 5 for g in graded) and len(graded) == len(grades):
        strength = "Tentative"
    else:
        strength = "Confirmed" if d.get("corroborated") else "Unconfirmed"
    dates = sorted(x for x in (_anx_date(e.get("date")) for e in evidence) if x)
    first = _anx_date(d.get("first_seen")) or (dates[0] if dates else None)
    last = _anx_date(d.get("last_seen")) or (dates[-1] if dates else None)
    rel = _relations(evidence)
    label = ", ".join(rel[:3]) + (f" and {len(rel) - 3} more" if len(rel) > 3 else "")
    n = len(evidence)
    described = (f"{n} record{'s' if n != 1 else ''}"
                 + (f", first {first[:10]}, last {last[:10]}" if first and last else "")
                 + ("; corroborated" if d.get("corroborated") else "; not corroborated: untested, not fact"))
    numbers = [r for r in (_source_reference(e) for e in evidence) if r]
    refs_text = "; ".join(numbers[:3]) + (f"; and {len(numbers) - 3} more (see the cards)" if len(numbers) > 3 else "")
    types = sorted({str(e["source_type"]) for e in evidence if e.get("source_type") is not None})
    item = _sub(items, "ChartItem", {
        "Id": item_id, "Label": label, "Description": described, **_date_attrs(first),
        "GradeOneIndex": se, "GradeTwoIndex": ia, "GradeThreeIndex": hc,
        "SourceReference": refs_text or None, "SourceType": "; ".join(types) or None})
    link = _sub(item, "Link", {"End1Id": u_id, "End2Id": v_id})
    if evidence:
        cards = _sub(link, "CardCollection")
        for e, (ce, ci, ch) in zip(evidence, grades, strict=True):
            when = _anx_date(e.get("date"))
            _sub(cards, "Card", {
                "Summary": " ".join(x for x in (str(e.get("relation") or "").replace("_", " "),
                                                f"({e['source_type']})" if e.get("source_type") else "") if x),
                **_date_attrs(when), "GradeOneIndex": ce, "GradeTwoIndex": ci, "GradeThreeIndex": ch,
                "SourceReference": _source_reference(e) or None,
                "SourceType": e.get("source_type")})
    name = _link_type(evidence)
    _sub(link, "LinkStyle", {"Strength": strength, "Type": name, "LinkTypeReference": refs["link"][name],
                             "ArrowStyle": "ArrowNone", "LineWidth": 1 if n <= 2 else 2 if n <= 5 else 3})
    _attributes(item, refs["attribute"], {"Records": n, "Last seen": last})


def write_anx(
    G: nx.Graph,
    path: str | Path,
    *,
    audience: str = "",
    marking: str = "OFFICIAL-SENSITIVE",
    groups: Mapping[Any, Any] | pd.Series | None = None,
    positions: Mapping[Any, tuple[float, float]] | None = None,
    title: str = "Context network",
    overwrite: bool = False,
) -> Path:
    """Write the context graph as a native i2 Analyst's Notebook chart (Chart XML, ``.anx``).

    One chart item per node (an entity with the icon of its type, see
    :data:`ANX_ENTITY_TYPES`) and one per edge (a link carrying a card per record of its
    evidence). Grades are indexes into the three lists every chart declares
    (:data:`ANX_GRADES`): each card has its record's 3x5x2 grading; a link has the weakest
    grading of its records and the most restrictive handling code. Link strength is the
    graph's corroboration: Confirmed (solid), Unconfirmed (dashed, never drawn as fact) or
    Tentative (dotted: every record graded E). Source references are the link and episode
    numbers of the pack's provenance annex.

    Parameters
    ----------
    G
        A context graph (:func:`contextmap.graph.graph_from_dataset`) built from a dataset
        already redacted for the audience: labels and ids are written as the graph holds them.
    path
        The ``.anx`` file (UTF-8 XML).
    audience, marking, title
        Written in the chart's summary (Analyst's Notebook: *File > Chart Properties*).
    groups
        Child id -> peer group (``Analysis.peer_groups.membership``), shown on each child.
    positions
        Node -> ``(x, y)`` in any unit (the pack's network view, ``NetworkView.nodes``), for
        every node; rescaled so most entities keep a clear space round them. ``None``: a
        deterministic Fruchterman-Reingold layout of each connected part, parts packed in rows.
    overwrite
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import xml.etree.ElementTree as ET
    >>> G = nx.Graph()
    >>> G.add_node("C1", kind="child", label="Child A"); G.add_node("L1", kind="location", label="Park")
    >>> G.add_edge("C1", "L1", corroborated=False, evidence=[{"link_id": "K1", "relation": "visited",
    ...     "date": "2024-02-01", "source_type": "rhi", "grading": "2C P"}])
    >>> root = ET.parse(write_anx(G, pathlib.Path(tempfile.mkdtemp()) / "c.anx")).getroot()
    >>> [ci.get("Label") for ci in root.iter("ChartItem")]
    ['Child A', 'Park', 'visited']
    >>> card = root.find(".//Card")
    >>> card.get("GradeOneIndex"), card.get("GradeTwoIndex"), card.get("SourceReference")
    ('2', '3', 'link K1')
    """
    if Path(path).suffix.lower() != ".anx":
        raise ValueError(f"Expected path to end in .anx, instead got: {str(path)!r}")
    p = check_writable(path, overwrite=overwrite)
    member = {str(k): v for k, v in (groups.items() if groups is not None else ())}
    try:
        from contextmap import __version__ as version
    except ImportError:  # pragma: no cover
        version = "unknown"
    chart = ET.Element("Chart", {"IdReferenceLinking": "false", "Rigorous": "true", "BackColour": "16777215",
                                 "LabelRule": "LabelRuleMerge", "TimeBarVisible": "false"})
    ids = iter(range(1, 10**12))
    refs = _anx_collections(chart, G, ids)
    summary = _sub(chart, "Summary")
    fields = _sub(summary, "FieldCollection")
    period = " to ".join(str(G.graph[k]) for k in ("start", "end") if G.graph.get(k))
    for kind, text in (("Title", f"{title} ({marking})"), ("Subject", f"audience: {audience or 'not stated'}"
                                                           + (f"; period {period}" if period else "")),
                       ("Author", f"contextmap {version}"),
                       ("Comments", "Drawn from the dataset redacted for the audience. Solid links are "
                                    "corroborated; dashed links are not (untested, not fact); dotted links rest "
                                    "on records graded E. Cards: one per record, with its 3x5x2 grading and its "
                                    "numbers in the provenance annex.")):
        _sub(fields, "Field", {"Type": f"SummaryField{kind}", "Field": text})
    props = _sub(summary, "CustomPropertyCollection")
    for name, value in (("Protective marking", marking), ("Audience", audience or "not stated")):
        _sub(props, "CustomProperty", {"Name": name, "Type": "String", "Value": value})
    items = _sub(chart, "ChartItemCollection")
    nodes = list(G.nodes)
    if positions is None:
        pos = _anx_layout(G, nodes)
    else:
        missing = [n for n in nodes if n not in positions]
        if missing:
            raise ValueError(f"Expected positions for every node of G, instead got none for {len(missing)} "
                             f"node(s), e.g. {missing[0]!r}")
        xy = np.array([positions[n] for n in nodes], dtype=float).reshape(-1, 2)
        xy = (xy - xy.min(axis=0)) / _spacing(xy) * _ANX_UNIT if len(xy) else xy
        pos = {n: (round(x), round(y)) for n, (x, y) in zip(nodes, xy.tolist(), strict=True)}
    entity_id: dict[Any, int] = {}
    identities: set[str] = set()
    for n, d in G.nodes(data=True):
        kind = "provisional" if d.get("provisional") else str(d.get("kind"))
        type_name = ANX_ENTITY_TYPES.get(kind, ANX_ENTITY_TYPES["unknown"])[0]
        identity = _xml_text(str(n))
        while identity in identities:  # two ids that differ only in characters XML cannot hold
            identity += "\u2032"
        identities.add(identity)
        label = _xml_text(str(d.get("label") or n))
        entity_id[n] = len(entity_id) + 1
        x, y = pos[n]
        item = _sub(items, "ChartItem", {"Id": f"ID{next(ids)}", "Label": label, **_date_attrs(None),
                                         "GradeOneIndex": 0, "GradeTwoIndex": 0, "GradeThreeIndex": 0, "XPosition": x})
        end = _sub(item, "End", {"X": x, "Y": y, "Z": 0})
        entity = _sub(end, "Entity", {"EntityId": entity_id[n], "Identity": identity,
                                      "LabelIsIdentity": str(label == identity).lower()})
        _sub(_sub(entity, "Icon"), "IconStyle", {"Type": type_name, "EntityTypeReference": refs["entity"][type_name]})
        lat, lon = d.get("latitude"), d.get("longitude")
        _attributes(item, refs["attribute"], {
            "Exploitation risk": d.get("ce_risk") if kind == "child" else None,
            "Peer group": member.get(str(n)) if kind == "child" else None,
            "Place category": d.get("category") if kind == "location" else None,
            "Latitude": lat if isinstance(lat, (int, float)) else None,
            "Longitude": lon if isinstance(lon, (int, float)) else None})
    for u, v, d in G.edges(data=True):
        _anx_link(items, entity_id[u], entity_id[v], d, refs, f"ID{next(ids)}")
    tree = ET.ElementTree(chart)  # not indented: a region's chart is tens of MB, read by ANB, not people
    tmp = p.with_name(p.name + ".partial")
    try:
        tree.write(tmp, encoding="UTF-8", xml_declaration=True)
        tmp.replace(p)
    finally:
        if tmp.exists():
            tmp.unlink()
    return p
