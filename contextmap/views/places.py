"""What a map page says about each place, in plain words, packed small.

:func:`place_columns` turns ranked places (``hotspots.rank_locations``) into the columns a
hotspot map page draws and builds popups from: one list per field (columnar), places in rank
order, strings that repeat written once (a dictionary and codes), coordinates as integer steps
of 1e-5 degree from an origin, dates as days from a base day. At 50,000 places this is about a
third of the plain row-per-place JSON a folium FastMarkerCluster carries for the same popups.
:func:`decode_columns` reads it back into plain lists (tests, notebooks).

A popup says why the place ranks in words, from the counts behind the score (persons of
concern seen there, children linked to them seen there, children found there after going
missing, children there on two or more days): never a raw score. The reliability of the
evidence is summarised in words too (:func:`grading_words`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from contextmap.schema import parse_grading
from contextmap.views.html import age_label, text_or_none

__all__ = ["place_columns", "decode_columns", "grading_words", "encode_strings", "REASON_COLUMNS"]

REASON_COLUMNS = {
    "poc": "persons_seen",
    "withPoc": "children_with_poc",
    "missing": "missing_found_away",
    "repeat": "repeat_children",
    "ep": "episodes",
    "ch": "children",
}
"""Payload key -> ranked-places column for the counts a popup puts in words."""

_GRADING_ITEM = re.compile(r"^\s*(.+?)\s+x(\d+)\s*$")


def grading_words(mix: Any) -> str | None:
    """A grading mix (``'1A P x2; 2C P x1; episode x4'``) said in words.

    Examples
    --------
    >>> grading_words("1A P x2; 2C P x1; 1B C x1; episode x4")
    '4 pieces of intelligence (3 known directly or corroborated, 1 not corroborated); 4 missing episodes'
    >>> grading_words("ungraded x1")
    '1 record not graded'
    >>> grading_words(None) is None
    True
    """
    text = text_or_none(mix)
    if not text:
        return None
    firm = soft = unknown = ungraded = episodes = 0
    other: list[str] = []
    for part in text.split(";"):
        m = _GRADING_ITEM.match(part)
        if not m:
            if part.strip():
                other.append(part.strip())
            continue
        label, k = m.group(1).strip(), int(m.group(2))
        if label.lower() == "episode":
            episodes += k
            continue
        if label.lower() == "ungraded":
            ungraded += k
            continue
        try:
            letter = parse_grading(label).intelligence_assessment
        except ValueError:
            ungraded += k
            continue
        if letter in ("A", "B"):
            firm += k
        elif letter == "C":
            soft += k
        else:
            unknown += k
    out = []
    graded = firm + soft + unknown
    if graded:
        bits = [f"{firm} known directly or corroborated" if firm else "",
                f"{soft} not corroborated" if soft else "", f"{unknown} not known to be true" if unknown else ""]
        out.append(f"{graded} piece{'s' if graded != 1 else ''} of intelligence ("
                   + ", ".join(b for b in bits if b) + ")")
    if ungraded:
        out.append(f"{ungraded} record{'s' if ungraded != 1 else ''} not graded")
    if episodes:
        out.append(f"{episodes} missing episode{'s' if episodes != 1 else ''}")
    out.extend(other)
    return "; ".join(out) or None


def encode_strings(values: Sequence[Any]) -> Any:
    """Strings that repeat written once: ``{"dict": [...], "idx": [...]}`` (-1 for none), or
    the plain list when that is as small. ``None`` when every value is missing.

    Examples
    --------
    >>> encode_strings(["takeaway or café"] * 4 + [None, "park"])
    {'dict': ['takeaway or café', 'park'], 'idx': [0, 0, 0, 0, -1, 1]}
    >>> encode_strings(["a", "b"])
    ['a', 'b']
    """
    ser = pd.Series(list(values), dtype="object")
    missing = ser.isna().to_numpy() | ser.map(lambda v: isinstance(v, str) and not v).to_numpy()
    if missing.all():
        return None
    text = [None if m else v if isinstance(v, str) else text_or_none(v)
            for v, m in zip(ser.tolist(), missing.tolist(), strict=True)]
    codes, uniques = pd.factorize(pd.Series(text, dtype="object"), use_na_sentinel=True)
    uniq = [str(u) for u in uniques]
    plain = sum(5 if v is None else len(v) + 3 for v in text)
    coded = sum(len(t) + 3 for t in uniq) + int(np.char.str_len(codes.astype(str)).sum()) + len(codes) + 20
    if coded >= plain:
        return text
    return {"dict": uniq, "idx": codes.tolist()}


def _ints(values: Sequence[Any]) -> list[int | None] | None:
    num = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce")
    if num.isna().all():
        return None
    return [None if pd.isna(v) else int(v) for v in num.tolist()]


def _days(values: Sequence[Any]) -> dict | None:
    ser = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="object")
    ts = pd.to_datetime(ser, errors="coerce", format="mixed") if ser.dtype == object else pd.to_datetime(ser, errors="coerce")
    if ts.isna().all():
        return None
    day = ts.dt.tz_localize(None).dt.normalize() if ts.dt.tz is not None else ts.dt.normalize()
    base = day.min()
    d = ((day - base) / pd.Timedelta(days=1)).round()
    return {"base": base.strftime("%Y-%m-%d"), "d": [None if pd.isna(x) else int(x) for x in d.tolist()]}


def _steps(values: np.ndarray) -> dict:
    """Coordinates as integer steps of 1e-5 degree (about 1 m) from their minimum."""
    q = np.round(values * 1e5).astype(np.int64)
    o = int(q.min()) if len(q) else 0
    return {"o": o, "q": (q - o).tolist()}


def _person_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [s.strip() for s in v.split(";") if s.strip()]
    if isinstance(v, (list, tuple, set, np.ndarray, pd.Series)):
        return [str(s) for s in v if s is not None and s == s and str(s)]
    return []


def _count(v: Any) -> int | None:
    if isinstance(v, (list, tuple, set, np.ndarray)):
        return len(v)
    try:
        return None if v is None or pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None


def place_columns(
    hs: pd.DataFrame,
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    cls: np.ndarray,
    categories: Sequence[str],
    person_labels: Mapping[str, str],
    person_dobs: Mapping[str, Any] | None = None,
    on: Any = None,
    max_persons: int = 12,
    new_ids: Sequence[str] | None = None,
    emerging: Mapping[str, str] | None = None,
    words: Any = None,
) -> tuple[dict, list[str]]:
    """The columns of a map page's places (already in drawing order) and the person labels.

    ``hs`` holds the ranked places with finite ``lat``/``lon``; ``cls`` their score class;
    ``categories`` the sorted category codes; ``person_labels`` person id -> label;
    ``person_dobs`` person id -> date of birth (then a label says the age on ``on``, or
    "adult"); ``emerging`` location id -> emerging class. Returns ``(loc, persons)``: ``loc``
    maps a payload key to a column (see :func:`decode_columns`), ``persons`` the labels the
    ``persons`` column points into.

    Examples
    --------
    >>> hs = pd.DataFrame({"location_id": ["L1", "L2"], "name": ["Park", "Park"], "rank": [1, 2],
    ...                    "category": ["park", "park"], "persons_seen": [2, 0]})
    >>> loc, persons = place_columns(hs, np.array([52.4, 52.5]), np.array([-1.5, -1.4]),
    ...     cls=np.array([4, 0]), categories=["park"], person_labels={})
    >>> decode_columns(loc)["name"], decode_columns(loc)["rank"], loc["poc"]
    (['Park', 'Park'], [1, 2], [2, 0])
    """
    n = len(hs)

    def col(name: str) -> list:
        return hs[name].tolist() if name in hs.columns else [None] * n

    ids = [str(x) for x in col("location_id")] if "location_id" in hs.columns else [str(i) for i in range(n)]
    names = [text_or_none(x) or ids[i] or "(unnamed place)" for i, x in enumerate(col("name"))]
    cat_idx = {c: i for i, c in enumerate(categories)}
    persons: list[str] = []
    p_index: dict[str, int] = {}
    loc_persons = []
    dobs = person_dobs or {}
    for v in col("persons"):
        items = _person_list(v)
        idx = []
        for pid in items[:max_persons]:
            label = person_labels.get(pid, pid)
            age = age_label(dobs.get(pid), on=on) if pid in dobs and on is not None else ""
            text = f"{label} ({age})" if age else label
            if text not in p_index:
                p_index[text] = len(persons)
                persons.append(text)
            idx.append(p_index[text])
        more = max(0, len(items) - max_persons)
        loc_persons.append(idx + ([-more] if more else []))
    ranks = _ints(col("rank"))
    trend_words = [None if text_or_none(t) is None else (words("trends", t) if words else str(t)) for t in col("trend")]
    em = emerging or {}
    said: dict[str, str | None] = {}  # each distinct grading mix is put in words once
    new = set(map(str, new_ids or ()))
    loc: dict[str, Any] = {
        "n": n,
        "lat": _steps(lat),
        "lon": _steps(lon),
        "name": encode_strings(names),
        "cat": [cat_idx[text_or_none(c) or "other"] for c in col("category")],
        "cls": [int(c) for c in cls],
        # places are in rank order: ranks 1..n need not be written
        "rank": None if ranks is not None and ranks == list(range(1, n + 1)) else ranks,
        "first": _days(hs["first_seen"] if "first_seen" in hs.columns else col("first_seen")),
        "last": _days(hs["last_seen"] if "last_seen" in hs.columns else col("last_seen")),
        "grading": encode_strings([(said[g] if g in said else said.setdefault(g, grading_words(g)))
                                   if isinstance(g, str) else _grading_mapping(g) for g in col("grading_mix")]),
        "persons": loc_persons if any(loc_persons) else None,
        "npersons": _ints([_count(v) if not isinstance(v, (str, list, tuple, set, np.ndarray)) else None
                           for v in col("persons")]),
        "trend": encode_strings(trend_words),
        "emerging": encode_strings([em.get(i) for i in ids]),
        "new": [j for j, i in enumerate(ids) if i in new],
    }
    for key, column in REASON_COLUMNS.items():
        loc[key] = _ints(col(column))
    return loc, persons


def _grading_mapping(v: Any) -> str | None:
    """A grading mix given as a mapping (code -> count), in words."""
    if isinstance(v, pd.Series):
        v = v.to_dict()
    if isinstance(v, Mapping):
        return grading_words("; ".join(f"{k} x{_count(c) or 0}" for k, c in v.items()))
    return None


def decode_columns(loc: Mapping[str, Any]) -> dict[str, list]:
    """The columns of :func:`place_columns` as plain lists (what the page decodes).

    Coordinates come back in degrees, dates as ``YYYY-MM-DD``, ranks 1..n when not written.

    Examples
    --------
    >>> decode_columns({"n": 2, "lat": {"o": 5240000, "q": [0, 10]}, "rank": None,
    ...                 "name": {"dict": ["Park"], "idx": [0, 0]}})["lat"]
    [52.4, 52.4001]
    """
    n = int(loc["n"])
    out: dict[str, list] = {}
    for key, value in loc.items():
        if key == "n":
            continue
        if value is None:
            out[key] = list(range(1, n + 1)) if key == "rank" else [None] * n
        elif isinstance(value, Mapping) and "dict" in value:
            out[key] = [value["dict"][k] if k >= 0 else None for k in value["idx"]]
        elif isinstance(value, Mapping) and "q" in value:
            out[key] = [round((value["o"] + q) / 1e5, 5) for q in value["q"]]
        elif isinstance(value, Mapping) and "base" in value:
            base = pd.Timestamp(value["base"])
            out[key] = [None if d is None else (base + pd.Timedelta(days=d)).strftime("%Y-%m-%d")
                        for d in value["d"]]
        else:
            out[key] = list(value)
    return out
