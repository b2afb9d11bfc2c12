"""Private: the ``exports/`` folder of a mapping pack, drawn from the redacted dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from contextmap import exports, privacy

__all__: list[str] = []


def _listy(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object and out[c].map(lambda v: isinstance(v, (list, tuple, set))).any():
            out[c] = out[c].map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple, set)) else v)
    return out


_NOT_COUNTS = ("rank", "group_id", "cluster_id")


def suppressed(df: pd.DataFrame, aud: Any) -> pd.DataFrame:
    """``df`` with the audience's small counts suppressed in its count columns.

    Count columns are the integer columns other than ranks and ids: an audience with
    ``suppress_below`` (partner: 5) sees ``'<5'`` in the exports as in the printed pack.
    """
    if getattr(aud, "suppress_below", None) is None:
        return df
    cols = [c for c in df.columns
            if c not in _NOT_COUNTS and not str(c).endswith("_id")
            and pd.api.types.is_integer_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
    return privacy.suppress_counts(df, aud, columns=cols)


def provenance_frame(G: Any) -> pd.DataFrame:
    """Every piece of evidence on every edge of the graph, one row each."""
    rows = []
    for a, b, d in G.edges(data=True):
        for ev in d.get("evidence", []):
            rows.append({"from_id": a, "from_label": G.nodes[a].get("label", a), "to_id": b,
                         "to_label": G.nodes[b].get("label", b), "relation": ev.get("relation"),
                         "date": ev.get("date"), "source_type": ev.get("source_type"),
                         "grading": ev.get("grading"), "link_id": ev.get("link_id"),
                         "episode_id": ev.get("episode_id"), "corroborated": bool(d.get("corroborated"))})
    return pd.DataFrame(rows, columns=["from_id", "from_label", "to_id", "to_label", "relation", "date",
                                       "source_type", "grading", "link_id", "episode_id", "corroborated"])


def _people_counts(df: pd.DataFrame | None, aud: Any, columns: tuple[str, ...]) -> pd.DataFrame | None:
    """``df`` with the audience's small counts suppressed in ``columns`` (counts of episodes,
    children or persons; not counts of places or time steps)."""
    if df is None or getattr(aud, "suppress_below", None) is None:
        return df
    return privacy.suppress_counts(df, aud, columns=[c for c in columns if c in df.columns])


def _with_states(df: pd.DataFrame, states: Any, kind: str, key: str) -> pd.DataFrame:
    """``df`` with the pack's ``state`` of each row (the word every view uses), after its id."""
    if states is None or key not in df.columns:
        return df
    out = df.drop(columns=["trend"], errors="ignore")
    out.insert(out.columns.get_loc(key) + 1, "state", [states.state(kind, i) for i in out[key].astype(str)])
    return out


def write_exports(directory: Path, *, red: Any, an: Any, aud: Any, settings: Any, emerging: Any = None,
                  area_counts: Any = None, positions: Any = None, states: Any = None,
                  words: Any = None) -> list[str]:
    """Write GeoPackage, GraphML, GEXF, i2 (CSV and ``chart.anx``) and CSV exports; return
    paths relative to the pack.

    With ``emerging`` (:func:`contextmap.emerging.emerging_hotspots`) the GeoPackage gets an
    ``emerging_cells`` layer and ``emerging_places.csv`` is written; with ``area_counts``
    (:func:`contextmap.areas.count_by_area`) an ``areas`` layer and ``areas.csv``; with
    ``positions`` (node -> (x, y), the network view's layout) the chart takes that layout. With
    the pack's ``states`` (:class:`contextmap.pack.states.States`) the places, persons of concern
    and flags carry each entity's ``state`` (replacing the analysis' ``trend``), and with
    ``words`` (the vocabulary) the emerging-hotspot classes are written in the pack's words
    (``new hotspot``, ``on and off``...), so no export says "new" for anything but a state."""
    directory.mkdir(parents=True, exist_ok=True)
    contours = None
    if getattr(an, "density", None) is not None and hasattr(an.density, "contours"):
        contours = an.density.contours()
    clusters = an.clusters if getattr(an, "clusters", None) is not None and len(an.clusters) else None
    areas = _people_counts(area_counts, aud, ("episodes", "children", "persons"))
    cells = getattr(emerging, "cells", None)
    cells = _people_counts(cells, aud, ("events",)) if cells is not None and len(cells) else None
    written = [exports.write_geopackage(
        directory / "locations.gpkg", locations=red.locations,
        hotspots=suppressed(an.hotspots.reset_index(), aud) if len(an.hotspots) else None, clusters=clusters,
        density_contours=contours if contours is not None and len(contours) else None,
        areas=areas, emerging_cells=cells,
    )]
    written.append(exports.write_graphml(an.graph, directory / "network.graphml"))
    written.append(exports.write_gexf(an.graph, directory / "network.gexf"))
    written += list(exports.write_i2(red, directory / "i2", audience=aud.name, marking=aud.marking).values())
    written.append(exports.write_anx(an.graph, directory / "i2" / "chart.anx", audience=aud.name, marking=aud.marking,
                                     groups=an.peer_groups.membership, positions=positions))
    hot = pd.DataFrame(an.hotspots.drop(columns="geometry", errors="ignore")).reset_index()
    tables = {
        # the analyses' frames are indexed by entity id: the id is the first column of each CSV
        "hotspots": suppressed(_with_states(hot, states, "location", "location_id"), aud),
        "persons_of_concern": suppressed(_with_states(an.persons.reset_index(), states, "person", "person_id"), aud),
        "peer_groups": suppressed(an.peer_groups.groups.reset_index(), aud),
        "peer_group_membership": an.peer_groups.membership.rename("peer_group").rename_axis("child_id").reset_index(),
        "flags": _with_states(an.flags, states, "child", "child_id"),
        "provenance": provenance_frame(an.graph),
    }
    if emerging is not None:
        places = emerging.places
        if words is not None and len(places):
            places = places.assign(category=[words("patterns", c) for c in places["category"]])
        tables["emerging_places"] = _people_counts(places, aud, ("events",))
    if areas is not None:
        tables["areas"] = pd.DataFrame(areas.drop(columns="geometry", errors="ignore"))
    for name, df in tables.items():
        written.append(exports.write_csv(_listy(pd.DataFrame(df)), directory / f"{name}.csv"))
    return [str(Path("exports") / Path(p).relative_to(directory)) for p in written]
