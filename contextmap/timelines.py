"""Timelines: the episodes and links of one child, person or place, in date order."""

from __future__ import annotations

from typing import Any

import pandas as pd

from contextmap.dataset import Dataset
from contextmap.dates import period_bounds

__all__ = ["timeline", "TIMELINE_COLUMNS"]

TIMELINE_COLUMNS = ["date", "event", "entity_id", "other_id", "other_kind", "relation",
                    "episode_id", "link_id", "source_type", "grading", "detail"]
"""Columns of a timeline: ``event`` is ``'episode'`` (a missing or absent episode) or
``'link'`` (an association); ``date`` is when it was reported or observed."""


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


def timeline(ds: Dataset, entity_id: str, *, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Episodes and links of a child, a person or a place, oldest first.

    For a child: their episodes and every link naming them. For a person: every link naming
    them. For a place: the episodes whose child was found there and every link naming it.
    ``start``/``end`` restrict the dates (inclusive); default everything.

    Raises
    ------
    KeyError
        If ``entity_id`` is not a child, person or location id of the dataset.

    Examples
    --------
    >>> from contextmap.timelines import timeline
    >>> timeline(ds, "C0001")[["date", "event", "other_id"]]  # doctest: +SKIP
    """
    entity_id = str(entity_id)
    kind = _kind_of(ds, entity_id)
    if kind is None:
        raise KeyError(f"Expected a child, person or location id of the dataset for entity_id, instead got: {entity_id!r}")
    s, e = (None, None) if start is None and end is None else period_bounds(ds, start=start, end=end)
    rows: list[dict[str, Any]] = []
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
        found = f"found at {o}" if kind == "child" and isinstance(o, str) else (
            f"{o} found here" if isinstance(o, str) else "")
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
    out["date"] = pd.to_datetime(out["date"])
    if s is not None:
        out = out.loc[out["date"] >= s]
    if e is not None:
        out = out.loc[out["date"] < e + pd.Timedelta(days=1)]
    order = out.assign(_k=out["event"].map({"episode": 0, "link": 1}))
    order = order.sort_values(["date", "_k", "episode_id", "link_id"], kind="stable", na_position="last")
    return order.drop(columns="_k").reset_index(drop=True)
