"""The disruption items of the pack's agenda (page 1), from the workspace's tactics register and
its adopted problem profiles, as the pack's audience may see them.

* **tactics** past their expiry with no decision recorded (most overdue first), then those
  expiring within the settings' window (``tactics.expiring_within_days``, 28 days; soonest first);
* **breaches** recorded since the last meeting (the time a breach was entered counts: one
  recorded a minute before the pack is listed), latest first; with no meeting recorded yet,
  those recorded in the pack's period. The last meeting is the one before the pack's own
  (:func:`contextmap.workspace.meetings.last_meeting`): a partner pack or a rebuild for the
  same period lists the same breaches as the internal pack, and the next meeting lists every
  breach recorded since this meeting's first pack was built;
* **profiles** due for a refresh (never produced, or last produced longer ago than their cadence).

Each tactic listed also carries ``changed``: the evidence around its subject in equal windows
before and after its issue date (:func:`contextmap.tactics.tactic_effects`, 90 days each side,
counted on the audience's redacted data, small counts suppressed), which the annex prints with
the caveat that counts are not proof of effect.

Each item is a dict with ``id`` (``tactic-3``...), ``what`` (the kind of tactic, or
``'profile'``), ``subject`` (the subject's id as the audience sees it, ``''`` when it is not in
the pack's data), ``label`` (what it is, against whom or what, as the audience sees it: the pack
relabels it with the names it prints, :func:`relabel`) and ``why`` (in words, with dates).
Tactics and their breaches are shown as
the settings allow the audience (:func:`contextmap.workspace.disruption.tactics_for_audience`);
the team's text of a breach only to an audience that sees it, without names for an audience
that does not see names.

Examples
--------
>>> import pandas as pd
>>> days_words(-3), days_words(0), days_words(1)
('3 days ago', 'today', 'in 1 day')
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from contextmap.pack.profile import FreeText, shown_ids
from contextmap.pack.profile_sections import tactic_records
from contextmap.privacy.counts import suppress_count
from contextmap.tactics import effect_text, tactic_effects

__all__ = ["disruption_agenda", "days_words", "relabel", "BLOCKS"]

BLOCKS = ("tactics", "breaches", "profiles")
"""The agenda's disruption blocks, in order."""


def days_words(n: int) -> str:
    """A number of days from today in words."""
    if n == 0:
        return "today"
    unit = "day" if abs(n) == 1 else "days"
    return f"in {n} {unit}" if n > 0 else f"{-n} {unit} ago"


def _day(v: Any) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else f"{pd.Timestamp(v):%Y-%m-%d}"


def disruption_agenda(ws: Any, *, resolved: Any, red: Any, aud: Any, settings: Any, as_of: Any, period_start: Any = None,
                      period_end: Any = None, forbidden: Any = None) -> dict[str, list[dict[str, Any]]]:
    """Page 1's ``tactics``, ``breaches`` and ``profiles`` (see the module docstring), each list
    in full (the agenda caps what it prints). ``as_of`` is the day the states are taken on (the
    pack's date); ``period_start`` and ``period_end`` the pack's period (its meeting: without
    ``period_end``, breaches are listed since the latest meeting recorded); ``forbidden`` the identifiers the audience must not see (names taken out of
    the team's text)."""
    from contextmap.workspace import disruption, meetings, profiles, record

    today = pd.Timestamp(as_of).normalize()
    ids = shown_ids(resolved, red)
    labels = {}
    for frame, col in ((red.children, "child_id"), (red.persons, "person_id"), (red.locations, "location_id")):
        for i, nm in zip(frame[col].astype(str), frame["name"], strict=True):
            labels[i] = nm if isinstance(nm, str) and nm.strip() else i
    free_text = FreeText(shown=False, forbidden=forbidden if not aud.show_names else None)
    frame = disruption.tactics_frame(ws.engine, settings=settings, as_of=today)
    shown, _withheld, free = disruption.tactics_for_audience(frame, aud, settings=settings)
    free_text.shown = free

    tactics = []
    for t in shown.itertuples():
        if t.state == "past expiry":
            why = f"past its expiry on {_day(t.expires)} ({days_words(int(t.days_left))}) with no decision recorded"
        elif t.state == "expiring":
            why = f"expires {_day(t.expires)} ({days_words(int(t.days_left))})"
        else:
            continue
        tactics.append({"id": t.tactic, "case": t.case, "what": t.label, "subject": _shown(t.target, t.subject_id, ids),
                        "label": f"{t.label} against {_against(t.target, t.subject_id, ids, labels)}", "why": why,
                        "state": t.state, "_order": (t.state != "past expiry", int(t.days_left))})
    tactics.sort(key=lambda r: r.pop("_order"))
    _what_changed(tactics, shown, red=red, ids=ids, cases=record.cases_frame(ws.engine),
                  count=lambda n: suppress_count(n, aud))

    last = meetings.last_meeting(ws.engine, before=(period_start, period_end) if period_end is not None else None)
    since = pd.Timestamp(last["held_at"]) if last is not None else None
    bs = disruption.breaches_frame(ws.engine, since=since)
    if since is None and period_start is not None:
        bs = bs[pd.to_datetime(bs["breached_on"]) >= pd.Timestamp(period_start)]
    by_id = shown.set_index("tactic_id")
    breaches = []
    for b in bs.sort_values("recorded_at", ascending=False).itertuples():
        if b.tactic_id not in by_id.index:
            continue  # a breach of a tactic the audience does not see
        t = by_id.loc[b.tactic_id]
        text = free_text(b.text)
        breaches.append({
            "id": b.breach, "tactic": f"tactic-{b.tactic_id}", "case": t["case"], "what": t["label"],
            "subject": _shown(t["target"], t["subject_id"], ids),
            "label": f"{t['label']} against {_against(t['target'], t['subject_id'], ids, labels)}",
            "why": f"breached {_day(b.breached_on)}, recorded {pd.Timestamp(b.recorded_at):%Y-%m-%d %H:%M}"
                   + (f": {text}" if text else ""),
        })

    due = profiles.profiles_frame(ws.engine, as_of=today)
    due = due[due["due"]]
    out_profiles = []
    for p in due.sort_values("next_due").itertuples():
        target = "group" if p.kind == "group" else "person"
        label = _against(target, p.subject_id, ids, labels)
        if p.kind == "group" and label != "a peer group":
            label = f"peer group {label}"
        last_run = "never produced" if p.last_run is None or pd.isna(p.last_run) else f"last produced {_day(p.last_run)}"
        out_profiles.append({"id": p.profile, "what": "profile", "subject": _shown(target, p.subject_id, ids),
                             "label": label,
                             "why": f"{last_run}, re-run every {p.cadence}: due since {_day(p.next_due)}"})
    return {"tactics": tactics, "breaches": breaches, "profiles": out_profiles}


def _against(target: str, subject: Any, ids: dict[str, str], labels: dict[str, str]) -> str:
    """A tactic's subject as the audience sees it."""
    if target == "group":
        return str(subject) if str(subject).upper().startswith("PG") else "a peer group"
    if target == "online":
        return "online"
    sid = ids.get(str(subject)) if isinstance(subject, str) else None
    return labels.get(sid, sid) if sid else "a subject not in this pack's data"


def _shown(target: str, subject: Any, ids: dict[str, str]) -> str:
    """The id the audience sees for a tactic's or profile's subject record ('' for a group,
    online, or a record not in the pack's data)."""
    if target in ("group", "online") or not isinstance(subject, str):
        return ""
    return ids.get(subject, "")


def relabel(items: dict[str, list[dict[str, Any]]], labels: dict[str, str]) -> None:
    """Say each item's subject by the name the pack prints for it (``labels``: shown id ->
    printed name, a spoken pseudonym such as "Person B" for a partner)."""
    for key in BLOCKS:
        for item in items.get(key, []):
            sid = item.get("subject") or ""
            if sid not in labels:
                continue
            if item.get("what") == "profile":
                item["label"] = labels[sid]
            else:
                item["label"] = f"{item['what']} against {labels[sid]}"


def _what_changed(items: list[dict[str, Any]], shown: pd.DataFrame, *, red: Any, ids: dict[str, str],
                  cases: pd.DataFrame, count: Any) -> None:
    """Add ``changed`` (in words) to each tactic item: the counts before and after its issue."""
    if not items:
        return
    by_id = shown.set_index("tactic", drop=False)
    rows = by_id.loc[[i["id"] for i in items]]
    frame = pd.DataFrame({"tactic": rows["tactic"].to_numpy(), "target": rows["target"].to_numpy(),
                          "issued": rows["issued"].to_numpy(),
                          "records": [tactic_records(t, cases, ids) for t in rows.itertuples()]})
    fx = tactic_effects(red, frame)
    for item, e in zip(items, fx.to_dict("records"), strict=True):
        item["changed"] = effect_text(e, count=count)
