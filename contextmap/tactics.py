"""What changed after a tactic: the evidence around its subject, before and after its issue date.

Nobody can say at a meeting whether the closure order on a flat changed anything unless
someone counts. :func:`tactic_effects` counts, for each tactic, the evidence around its place,
person or group (:func:`contextmap.subjects.evidence_around`: episodes, children seen, persons
of concern, links) in two **equal windows**: the days before the issue date and as many days
from it. The window is ``days`` long, shortened to the days of records there are since the issue
(so both sides always cover the same length of time); under ``min_days`` the tactic is too
recent to compare, and says so.

These are counts, not an evaluation: :data:`CAVEAT` says so wherever they are shown.

Examples
--------
>>> import pandas as pd
>>> from contextmap.privacy.example import example_dataset
>>> t = pd.DataFrame({"tactic": ["tactic-1"], "target": ["location"], "records": [["L2"]],
...                   "issued": [pd.Timestamp("2024-05-01")]})
>>> e = tactic_effects(example_dataset(), t, days=30, as_of="2024-06-30")
>>> e.loc[0, ["before_from", "after_to"]].tolist(), int(e.loc[0, "links_before"]), int(e.loc[0, "links_after"])
(['2024-04-01', '2024-05-30'], 0, 1)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from contextmap.subjects import count_evidence, evidence_around

__all__ = ["CAVEAT", "MEASURES", "tactic_effects", "data_end", "effect_text"]

CAVEAT = ("These counts compare equal windows before and after the issue date. They are not proof that the "
          "tactic worked or failed: what is recorded changes, activity moves elsewhere (displacement), seasons "
          "and other work change the numbers, and small numbers change by chance.")
"""Printed wherever the before-and-after counts are shown."""

MEASURES = ("episodes", "children", "persons", "links")
"""What is counted in each window: episodes, children seen, persons of concern, links."""


def data_end(ds: Any) -> pd.Timestamp | None:
    """The latest date a record of ``ds`` holds (an episode's report, a link's observation)."""
    dates = pd.concat([pd.to_datetime(ds.episodes["reported_at"]), pd.to_datetime(ds.links["observed_on"])])
    dates = dates.dropna()
    return None if not len(dates) else pd.Timestamp(dates.max()).normalize()


def _day(ts: pd.Timestamp) -> str:
    return f"{ts:%Y-%m-%d}"


def tactic_effects(ds: Any, tactics: pd.DataFrame, *, days: int = 90, min_days: int = 14,
                   as_of: Any = None) -> pd.DataFrame:
    """Counts around each tactic's subject in equal windows before and after its issue date.

    Parameters
    ----------
    ds
        The dataset the counts come from (redacted for an audience, or not); ``records`` must
        be its ids.
    tactics
        One row per tactic: ``tactic`` (its id), ``target`` (``location``, ``person``,
        ``group`` or ``online``), ``records`` (the subject's ids in ``ds``: a place or person
        and the records merged with it, or a group's children) and ``issued``.
    days
        The longest window, in days, on each side.
    min_days
        A tactic with fewer days of records since its issue is too recent to compare.
    as_of
        The last day of records (default the latest record in ``ds``).

    Returns
    -------
    pandas.DataFrame
        Indexed as ``tactics``: ``tactic``, ``window_days`` (0 when not compared),
        ``before_from``, ``before_to``, ``after_from``, ``after_to`` (ISO dates, inclusive),
        ``<measure>_before`` and ``<measure>_after`` for each of :data:`MEASURES` (missing when
        not compared), ``note`` (why a tactic is not compared; else empty) and ``summary`` (the
        row in words: :func:`effect_text`). ``attrs["caveat"]`` holds :data:`CAVEAT`.
    """
    end = pd.Timestamp(as_of).normalize() if as_of is not None else data_end(ds)
    rows = []
    for t in tactics.itertuples():
        issued = pd.Timestamp(t.issued).normalize()
        row: dict[str, Any] = {"tactic": t.tactic, "window_days": 0, "before_from": "", "before_to": "",
                               "after_from": "", "after_to": "", "note": ""}
        row |= {f"{m}_{side}": pd.NA for m in MEASURES for side in ("before", "after")}
        records = [str(r) for r in (t.records or [])]
        span = None if end is None else int((end - issued).days) + 1
        if t.target == "online":
            row["note"] = "an online tactic: the records hold nothing online to count"
        elif not records:
            row["note"] = "its subject is not in these records"
        elif span is None or span < min_days:
            row["note"] = (f"too recent to compare: {max(span or 0, 0)} days of records since it was issued "
                           f"(at least {min_days} needed)")
        else:
            w = min(int(days), span)
            before = (issued - pd.Timedelta(days=w), issued - pd.Timedelta(days=1))
            after = (issued, issued + pd.Timedelta(days=w - 1))
            ev = evidence_around(ds, records, kind=t.target)
            day = ev["when"].dt.normalize()
            b = count_evidence(ev[(day >= before[0]) & (day <= before[1])])
            a = count_evidence(ev[(day >= after[0]) & (day <= after[1])])
            row |= {"window_days": w, "before_from": _day(before[0]), "before_to": _day(before[1]),
                    "after_from": _day(after[0]), "after_to": _day(after[1])}
            row |= {f"{m}_before": b[m] for m in MEASURES} | {f"{m}_after": a[m] for m in MEASURES}
        rows.append(row)
    cols = ["tactic", "window_days", "before_from", "before_to", "after_from", "after_to",
            *[f"{m}_{s}" for m in MEASURES for s in ("before", "after")], "note"]
    out = pd.DataFrame(rows, columns=cols, index=tactics.index)
    out["summary"] = [effect_text(r) for r in rows]
    out.attrs["caveat"] = CAVEAT
    return out


_WORDS = {"episodes": "episodes", "children": "children seen", "persons": "persons of concern", "links": "links"}


def effect_text(row: Any, *, count: Any = None) -> str:
    """One line for a row of :func:`tactic_effects` (``count`` suppresses small counts).

    Examples
    --------
    >>> r = {"window_days": 30, "before_from": "2024-01-31", "before_to": "2024-02-29",
    ...      "after_from": "2024-03-01", "after_to": "2024-03-30", "note": "",
    ...      "episodes_before": 4, "episodes_after": 1, "children_before": 3, "children_after": 1,
    ...      "persons_before": 1, "persons_after": 0, "links_before": 6, "links_after": 2}
    >>> effect_text(r)
    '30 days before (2024-01-31 to 2024-02-29) and after (2024-03-01 to 2024-03-30): episodes 4 then 1; children seen 3 then 1; persons of concern 1 then 0; links 6 then 2'
    """
    def get(key: str) -> Any:
        return row.get(key) if isinstance(row, dict) else getattr(row, key)

    if not get("window_days"):
        return f"not compared: {get('note')}"
    show = count or (lambda n: n)
    parts = "; ".join(f"{_WORDS[m]} {show(int(get(f'{m}_before')))} then {show(int(get(f'{m}_after')))}" for m in MEASURES)
    return (f"{get('window_days')} days before ({get('before_from')} to {get('before_to')}) and after "
            f"({get('after_from')} to {get('after_to')}): {parts}")
