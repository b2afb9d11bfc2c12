"""Exports to the tools analysts already use: QGIS/ArcGIS, Gephi, i2 Analyst's Notebook, Excel.

Every writer takes data that is already redacted for its audience (see
:func:`contextmap.privacy.redact_dataset`): exports honour the audience because they are
drawn from the audience's dataset. Writers refuse to overwrite unless ``overwrite=True``.

* :func:`write_geopackage`: layers ``locations``, ``hotspots``, ``clusters``, ``areas``, ``emerging_cells``,
  ``density_contours`` in one ``.gpkg`` (GDAL/QGIS/ArcGIS read it natively).
* :func:`write_graphml`, :func:`write_gexf`: networks for Gephi, yEd, igraph, networkx.
* :func:`write_i2`: entity and link CSVs plus an import note for i2 Analyst's Notebook.
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

import json
import math
from collections.abc import Mapping
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
