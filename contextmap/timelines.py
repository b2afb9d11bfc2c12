"""Timelines: the episodes and links of one child, person or place, in date order."""

from __future__ import annotations

from typing import Any

import pandas as pd

from contextmap.dataset import Dataset
from contextmap.dates import period_bounds
from contextmap.graph import AnalysisContext

__all__ = ["timeline", "TIMELINE_COLUMNS"]

TIMELINE_COLUMNS = ["date", "event", "entity_id", "entity_name", "other_id", "other_name", "other_kind",
                    "relation", "episode_id", "link_id", "source_type", "grading", "detail"]
"""Columns of a timeline: ``event`` is ``'episode'`` (a missing or absent episode) or
``'link'`` (an association); ``date`` (a datetime) is when it was reported or observed;
``entity_name`` and ``other_name`` are the names beside the ids (as the dataset holds them:
pseudonyms in a redacted dataset)."""


def _names(ds: Dataset) -> dict[str, str]:
    out: dict[str, str] = {}
    for frame, col in ((ds.children, "child_id"), (ds.persons, "person_id"), (ds.locations, "location_id")):
        for i, n in zip(frame[col].astype(str), frame["name"], strict=True):
            if isinstance(n, str) and n:
                out[i] = n
    return out


def _kind_of(ds: Dataset, entity_id: str) -> str | None:
    for frame, col, kind in ((ds.children, "child_id", "child"), (ds.persons, "person_id", "person"),
                             (ds.locations, "location_id", "location")):
        if (frame[col] == entity_id).any():
            return kind
    return None


def _hours(a: Any, b: Any) -> str:
    if pd.isna(a) or pd.isna(b):
        return "still missing" if pd.isna(b) else ""
    return f"{(b - a).total_seconds() / 3600:.1f} hours"


def timeline(ds: Dataset | AnalysisContext, entity_id: str, *, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Episodes and links of a child, a person or a place, oldest first.

    For a child: their episodes and every link naming them. For a person: every link naming
    them. For a place: the episodes whose child was found there and every link naming it.
    ``start``/``end`` restrict the dates (inclusive); each defaults to no bound for a dataset,
    and to the context's own for an analysis context (:class:`contextmap.graph.AnalysisContext`).

    Raises
    ------
    KeyError
        If ``entity_id`` is not a child, person or location id of the dataset.

    Examples
    --------
    >>> from contextmap.sample import generate_sample
    >>> ds = generate_sample(children=20, seed=1).to_dataset()
    >>> t = timeline(ds, "C0001")
    >>> sorted(set(t["event"]))
    ['episode', 'link']
    >>> t["date"].is_monotonic_increasing
    True
    """
    if isinstance(ds, AnalysisContext):
        if ds.dataset is None:
            raise TypeError("Expected an analysis context with a dataset for a timeline, instead got one made from a graph")
        start = ds.start if start is None else start
        end = ds.end if end is None else end
        ds = ds.dataset
    if not isinstance(ds, Dataset):
        raise TypeError(f"Expected a Dataset or an AnalysisContext, instead got: {type(ds).__name__!r}")
    entity_id = str(entity_id)
    kind = _kind_of(ds, entity_id)
    if kind is None:
        raise KeyError(f"Expected a child, person or location id of the dataset for entity_id, instead got: {entity_id!r}")
    s, e = (None, None) if start is None and end is None else period_bounds(ds, start=start, end=end)
    rows: list[dict[str, Any]] = []
    names = _names(ds)
    ep = ds.episodes
    if kind == "child":
        sub = ep.loc[(ep["child_id"] == entity_id).fillna(False).to_numpy(dtype=bool)]
        other, okind = sub["found_location_id"], "location"
    elif kind == "location":
        sub = ep.loc[(ep["found_location_id"] == entity_id).fillna(False).to_numpy(dtype=bool)]
        other, okind = sub["child_id"], "child"
    else:
        sub, other, okind = ep.iloc[0:0], ep["child_id"].iloc[0:0], "child"
    for (_, r), o in zip(sub.iterrows(), other, strict=True):
        cls = r["classification"] if isinstance(r["classification"], str) else "missing/absent"
        rhi = r["rhi_outcome"] if isinstance(r["rhi_outcome"], str) else "no RHI recorded"
        if pd.notna(r["rhi_at"]) and pd.notna(r["returned_at"]):
            rhi += f" {((r['rhi_at'] - r['returned_at']).total_seconds() / 3600):.0f} h after return"
        shown = names.get(str(o), o) if isinstance(o, str) else o
        found = f"found at {shown}" if kind == "child" and isinstance(o, str) else (
            f"{shown} found here" if isinstance(o, str) else "")
        rows.append({"date": r["reported_at"], "event": "episode", "entity_id": entity_id,
                     "other_id": o if isinstance(o, str) else None,
                     "other_kind": okind if isinstance(o, str) else None, "relation": None,
                     "episode_id": r["episode_id"], "link_id": None, "source_type": None,
                     "grading": None,
                     "detail": "; ".join(x for x in (f"{cls} {_hours(r['reported_at'], r['returned_at'])}".strip(),
                                                     found, f"RHI: {rhi}") if x)})
    li = ds.links
    for side, oth, okind_col in (("source_id", "target_id", "target_kind"), ("target_id", "source_id", "source_kind")):
        m = (li[side] == entity_id).fillna(False).to_numpy(dtype=bool)
        for _, r in li.loc[m].iterrows():
            rows.append({"date": r["observed_on"], "event": "link", "entity_id": entity_id,
                         "other_id": r[oth], "other_kind": r[okind_col], "relation": r["relation"],
                         "episode_id": r["episode_id"] if isinstance(r["episode_id"], str) else None,
                         "link_id": r["link_id"],
                         "source_type": r["source_type"] if isinstance(r["source_type"], str) else None,
                         "grading": r["grading"] if isinstance(r["grading"], str) else None,
                         "detail": r["summary"] if isinstance(r["summary"], str) else ""})
    out = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
    out["entity_name"] = names.get(entity_id)
    out["other_name"] = out["other_id"].map(lambda v: names.get(str(v)) if isinstance(v, str) else None)
    out["date"] = pd.to_datetime(out["date"])
    if s is not None:
        out = out.loc[out["date"] >= s]
    if e is not None:
        out = out.loc[out["date"] < e + pd.Timedelta(days=1)]
    order = out.assign(_k=out["event"].map({"episode": 0, "link": 1}))
    order = order.sort_values(["date", "_k", "episode_id", "link_id"], kind="stable", na_position="last")
    return order.drop(columns="_k").reset_index(drop=True)
