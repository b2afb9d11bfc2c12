"""The evidence around a place, a person of concern or a peer group, over time.

A problem profile and a tactic's before-and-after both ask the same question: what do the
records say happened around this subject, and when? :func:`evidence_around` answers it with
one row per record that ties something to the subject:

* a **place**: the episodes in which a child was found there, and every link with the place
  at one end (a child or a person of concern at the other);
* a **person**: every link with the person at one end (children, other persons of concern,
  places at the other);
* a **peer group** (its children): the children's episodes and every link with one of them
  at one end.

Each row says when (the episode's report, the link's observation), which child and which
person of concern it involves (if any; a provisional person made from a Return Home
Interview's words is not a person of concern) and which episode and link it comes from.
:func:`monthly_evidence` counts them per calendar month: episodes, children, persons of
concern and links.

Examples
--------
>>> from contextmap.privacy.example import example_dataset
>>> ds = example_dataset()
>>> ev = evidence_around(ds, ["L1"], kind="location")
>>> sorted(ev.columns)
['child', 'episode', 'link', 'person', 'what', 'when']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["SUBJECT_KINDS", "evidence_around", "monthly_evidence", "count_evidence"]

SUBJECT_KINDS = ("location", "person", "group")
"""What evidence can be gathered around: a place, a person of concern, a peer group's children."""

_COLUMNS = ["when", "what", "child", "person", "episode", "link"]


def _str(series: pd.Series) -> pd.Series:
    return series.astype("string").astype(object).where(series.notna(), None)


def evidence_around(ds: Any, records: Iterable[str], *, kind: str) -> pd.DataFrame:
    """Every record tying something to a subject, oldest first.

    Parameters
    ----------
    ds
        A :class:`~contextmap.Dataset` (the full one, or redacted for an audience: the ids
        are then the audience's).
    records
        The subject's record ids as ``ds`` holds them: a place's or person's id (and the ids of
        records merged with it), or a peer group's children.
    kind
        ``'location'``, ``'person'`` or ``'group'``.

    Returns
    -------
    pandas.DataFrame
        ``when`` (a datetime), ``what`` (``'episode'`` or ``'link'``), ``child``, ``person``
        (a person of concern, never a provisional one), ``episode`` and ``link`` (ids, or
        ``None``). Rows without a date are left out.
    """
    if kind not in SUBJECT_KINDS:
        raise ValueError(f"Expected kind to be one of {list(SUBJECT_KINDS)}, instead got: {kind!r}")
    recs = {str(r) for r in records}
    L, E = ds.links, ds.episodes
    persons = ds.persons
    provisional = set()
    if "provisional" in persons.columns:
        provisional = set(persons.loc[persons["provisional"].fillna(False).astype(bool), "person_id"].astype(str))
    real = set(persons["person_id"].astype(str)) - provisional
    children = set(ds.children["child_id"].astype(str))
    parts: list[pd.DataFrame] = []
    src, tgt = L["source_id"].astype(str), L["target_id"].astype(str)
    for end, other in ((src, tgt), (tgt, src)):
        hit = end.isin(recs)
        if kind == "person":
            hit &= ~other.isin(recs)  # a link between two records of the subject is not around it
        if not hit.any():
            continue
        o = other[hit]
        sub = L.loc[hit]
        child = o.where(o.isin(children), None)
        if kind == "group":  # a link of a group's child: the child is the group's, the other end is what it met
            child = end[hit].where(end[hit].isin(children), None)
        person = o.where(o.isin(real) & ~o.isin(recs), None)
        parts.append(pd.DataFrame({
            "when": pd.to_datetime(sub["observed_on"]), "what": "link", "child": child.to_numpy(),
            "person": person.to_numpy(), "episode": _str(sub["episode_id"]).to_numpy(),
            "link": _str(sub["link_id"]).to_numpy()}))
    if kind in ("location", "group"):
        col = "found_location_id" if kind == "location" else "child_id"
        hit = E[col].astype(str).isin(recs)
        sub = E.loc[hit]
        parts.append(pd.DataFrame({
            "when": pd.to_datetime(sub["reported_at"]), "what": "episode", "child": _str(sub["child_id"]).to_numpy(),
            "person": None, "episode": _str(sub["episode_id"]).to_numpy(), "link": None}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "when" else object) for c in _COLUMNS})
    out = pd.concat(parts, ignore_index=True)[_COLUMNS]
    return out[out["when"].notna()].sort_values(["when", "what"], kind="stable").reset_index(drop=True)


def count_evidence(events: pd.DataFrame) -> dict[str, int]:
    """Distinct ``episodes``, ``children``, ``persons`` (of concern) and ``links`` in ``events``.

    Examples
    --------
    >>> ev = pd.DataFrame({"when": pd.to_datetime(["2026-01-01"] * 2), "what": ["episode", "link"],
    ...                    "child": ["C1", "C1"], "person": [None, "P1"], "episode": ["E1", "E1"],
    ...                    "link": [None, "K1"]})
    >>> count_evidence(ev)
    {'episodes': 1, 'children': 1, 'persons': 1, 'links': 1}
    """
    return {"episodes": int(events["episode"].dropna().nunique()), "children": int(events["child"].dropna().nunique()),
            "persons": int(events["person"].dropna().nunique()), "links": int(events["link"].dropna().nunique())}


def monthly_evidence(events: pd.DataFrame, *, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Per calendar month (a ``PeriodIndex``, every month from ``start`` to ``end`` or from the
    first record to the last, none skipped): distinct ``episodes``, ``children``, ``persons``
    of concern and ``links``; and ``new_persons`` (persons of concern first seen around the
    subject that month) and ``known_persons`` (seen in an earlier month)."""
    cols = ["episodes", "children", "persons", "links", "new_persons", "known_persons"]
    if not len(events) and (start is None or end is None):
        return pd.DataFrame(columns=cols, dtype=int)
    first = pd.Timestamp(start) if start is not None else events["when"].min()
    last = pd.Timestamp(end) if end is not None else events["when"].max()
    months = pd.period_range(first.to_period("M"), last.to_period("M"), freq="M")
    ev = events.assign(month=events["when"].dt.to_period("M"))
    counts = ev.groupby("month").agg(episodes=("episode", "nunique"), children=("child", "nunique"),
                                     persons=("person", "nunique"), links=("link", "nunique"))
    seen = ev.dropna(subset=["person"]).groupby("person")["month"].min()
    new = seen.value_counts()
    out = counts.reindex(months, fill_value=0)
    out["new_persons"] = new.reindex(months, fill_value=0).to_numpy()
    out["known_persons"] = (out["persons"] - out["new_persons"]).clip(lower=0)
    return out[cols].astype(int)
