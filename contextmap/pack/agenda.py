"""The chair's agenda: page 1 of the pack, ranked and capped, each line with its reason in words.

A MACE chair runs the meeting from the first page. It lists, each ranked by what matters and
capped (``pack:`` settings; the full lists are in the annex):

* **children to decide on today**: still missing; risk raised since the last meeting; new to
  the panel (meeting the panel criteria now and not at the last meeting); missing again since
  the last meeting. Ranked by a priority that adds 8 for still missing, 4 for a raised risk,
  2 for new to the panel, 1 for missing again and the risk level's place on the scale (0 for
  the lowest); then episodes and hours missing since the last meeting;
* **persons of concern new or escalating**: fullest name, age or "adult", the state and why;
  ranked by children linked, then groups linked, then rank;
* **places new or escalating**: ranked by the place ranking, with why the place ranks;
* **actions due or overdue** (from a workspace): overdue first, longest overdue first, then
  by due date (due before the next meeting: ``flags.new_within_days`` days after the period);
* **disruption** (from a workspace's tactics register and problem profiles,
  :mod:`contextmap.pack.disruption_agenda`): tactics past their expiry with no decision and
  those expiring within ``tactics.expiring_within_days`` (28 days); breaches recorded since the
  last meeting; problem profiles due for a refresh. A block with nothing in it prints nothing;
* **intelligence gaps** (the police agenda): links of the listed persons of concern and places
  that are ungraded or uncorroborated, to grade or corroborate.

What a page leads with follows the audience (:attr:`contextmap.privacy.Audience.agenda`):
``children`` (children, persons, places, actions, tactics, breaches, profiles) or
``disruption`` (the police: persons of concern, places for disruption, intelligence gaps,
tactics, breaches, then children, actions, profiles).
States and their words come from :mod:`contextmap.pack.states`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from contextmap.dates import age_label
from contextmap.pack.states import RISK_UP_WORDS, LastMeeting, Picture, States
from contextmap.vocabulary import count_words, grading_words

__all__ = ["Agenda", "build_agenda", "fullest_name", "person_age", "place_why", "panel_reasons",
           "intelligence_gaps", "ORDER", "CHILD_PRIORITY"]

ORDER = {"children": ("children", "persons", "places", "actions", "tactics", "breaches", "profiles"),
         "disruption": ("persons", "places", "gaps", "tactics", "breaches", "children", "actions", "profiles")}
"""The blocks of page 1, in order, for each kind of agenda."""

CHILD_PRIORITY = {"still_missing": 8, "risk_raised": 4, "new_to_panel": 2, "missing_again": 1}
"""Points a reason adds to a child's place on the agenda (plus the risk level's index)."""

_TITLES = {
    "children": "Children to decide on today",
    "persons": "Persons of concern: new or escalating",
    "places": "Places: new or escalating",
    "actions": "Actions due or overdue",
    "tactics": "Disruption tactics past expiry or expiring",
    "breaches": "Breaches since the last meeting",
    "profiles": "Problem profiles due for a refresh",
    "gaps": "Intelligence gaps: links to grade or corroborate",
}
_EMPTY = {
    "children": "No child is still missing, has a raised risk, is new to the panel or has gone missing again since the last meeting.",
    "persons": "No person of concern is new or escalating since the last meeting.",
    "places": "No place is new or escalating since the last meeting.",
    "actions": "No action is due before the next meeting or overdue.",
    "gaps": "Every link of the persons and places listed is graded and corroborated.",
}
_CAPS = {"children": "agenda_children", "persons": "agenda_persons", "places": "agenda_places",
         "actions": "agenda_actions", "gaps": "agenda_gaps", "tactics": "agenda_actions",
         "breaches": "agenda_actions", "profiles": "agenda_actions"}
_OPTIONAL = ("tactics", "breaches", "profiles")
"""Blocks printed only when they hold something (a workspace with no tactics prints none)."""


@dataclass
class Agenda:
    """Page 1: full ranked lists (each item a dict with ``id``, ``why`` and what the line shows)."""

    lead: str
    meeting: LastMeeting
    children: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] | None = None
    gaps: list[dict[str, Any]] = field(default_factory=list)
    tactics: list[dict[str, Any]] = field(default_factory=list)
    breaches: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)
    caps: dict[str, int] = field(default_factory=dict)

    def blocks(self) -> list[dict[str, Any]]:
        """The blocks of page 1 in order: ``key``, ``title``, ``rows`` (capped), ``total``,
        ``empty`` (what to say when there is none). Blocks with nothing to show and no
        sentence for it (no workspace: no actions; no tactic, breach or profile due) are left out."""
        out = []
        for key in ORDER[self.lead]:
            items = getattr(self, key)
            if items is None or (key in _OPTIONAL and not items):
                continue
            cap = self.caps.get(_CAPS[key], 10)
            out.append({"key": key, "title": _TITLES[key], "rows": items[:cap], "total": len(items),
                        "empty": _EMPTY.get(key, "")})
        return out


def fullest_name(name: Any, aliases: Any = None) -> str:
    """The fullest form of a person's name among the name and the aliases (merged records'
    names become aliases): the one with most words among those that contain every word of the
    name (an initial matching a word), so "Declan" with alias "Declan Hardcastle" reads
    "Declan Hardcastle" and a nickname ("Big T") never replaces a name.

    Examples
    --------
    >>> fullest_name("Declan", "Dex; Declan Hardcastle")
    'Declan Hardcastle'
    >>> fullest_name("D Hardcastle", "Declan Hardcastle"), fullest_name("Tyler", "Big T")
    ('Declan Hardcastle', 'Tyler')
    >>> fullest_name("RAINE, Rhys")
    'Rhys Raine'

    """
    base = "" if name is None or (not isinstance(name, str) and pd.isna(name)) else str(name).strip()
    if not base:
        return ""
    base = _forename_first(base)
    alts = [] if aliases is None or (not isinstance(aliases, str) and pd.isna(aliases)) else [
        a.strip() for a in re.split(r"[;|]", str(aliases)) if a.strip()]
    words = [w.lower().strip(".") for w in base.split()]

    def covers(candidate: str) -> bool:
        cw = [w.lower().strip(".") for w in candidate.split()]
        return all(any(c == w or (len(w) == 1 and c.startswith(w)) for c in cw) for w in words)

    best = base
    for a in map(_forename_first, alts):
        if covers(a) and (len(a.split()), len(a)) > (len(best.split()), len(best)):
            best = a
    return best


def _forename_first(name: str) -> str:
    """``'RAINE, Rhys'`` -> ``'Rhys Raine'``: a name written surname first (with a comma) read
    as it is said, a surname in capitals in ordinary case, and a forename a register wrote in
    small letters beside a capitalised surname given its capital (``'IRWELL, aaron'`` ->
    ``'Aaron Irwell'``; particles such as "de" or "van" after the forename stay as written).

    >>> _forename_first("IRWELL, aaron"), _forename_first("Ludwig van Beethoven"), _forename_first("kai")
    ('Aaron Irwell', 'Ludwig van Beethoven', 'kai')
    """
    if name.count(",") == 1:
        sur, fore = (p.strip() for p in name.split(","))
        if sur and fore:
            name = f"{fore} {sur}"
    words = [w.capitalize() if len(w) > 1 and w.isupper() else w for w in name.split()]
    if len(words) > 1 and words[0].isalpha() and words[0].islower() and any(c.isupper() for w in words[1:] for c in w):
        words[0] = words[0].capitalize()
    return " ".join(words)


def person_age(row: Any, *, on: pd.Timestamp) -> str:
    """A person's or child's age on ``on`` as ``'15'``, ``'adult'`` or ``''``: from the date of
    birth (:func:`contextmap.dates.age_label`), or from the ``age`` column when the audience
    sees ages in place of dates of birth."""
    dob = row.get("date_of_birth") if hasattr(row, "get") else None
    label = age_label(dob, on=on) if dob is not None and not (not isinstance(dob, str) and pd.isna(dob)) else ""
    if label:
        return label
    age = row.get("age") if hasattr(row, "get") else None
    if age is None or pd.isna(age):
        return ""
    return "adult" if int(age) >= 18 else str(int(age))


def place_why(row: Any, *, count: Callable[[int], Any] = lambda n: n, parts: int = 3) -> str:
    """Why a place ranks, in words, from a ranked hotspot row (largest signals first).

    Examples
    --------
    >>> place_why({"persons_seen": 2, "children_with_poc": 3, "repeat_children": 0, "missing_found_away": 1,
    ...            "children_away": 4})
    '2 persons of concern seen there; 3 children seen there with them; 4 children from elsewhere there'
    """
    def g(k: str) -> int:
        v = row.get(k) if hasattr(row, "get") else getattr(row, k, 0)
        return 0 if v is None or pd.isna(v) else int(v)

    items = [
        (3.0 * g("persons_seen"), count_words(count(g("persons_seen")), "person of concern", "persons of concern") + " seen there"),
        (1.0 * g("children_with_poc"), count_words(count(g("children_with_poc")), "child", "children") + " seen there with them"),
        (1.0 * g("missing_found_away"), count_words(count(g("missing_found_away")), "missing episode") + " ended there"),
        (1.0 * g("repeat_children"), count_words(count(g("repeat_children")), "child", "children") + " there on 2 or more days"),
        (0.5 * g("children_away"), count_words(count(g("children_away")), "child", "children") + " from elsewhere there"),
    ]
    return "; ".join([t for w, t in sorted(items, key=lambda x: -x[0]) if w > 0][:parts]) or "evidence in the period"


def panel_reasons(ep: pd.DataFrame, risk: Any, *, settings: Any, words: Any, end: pd.Timestamp) -> list[str]:
    """Which panel rules one child meets, in words (``ep``: the child's episodes in the period)."""
    ps = settings.panel
    out = []
    if isinstance(risk, str) and risk in ps.risk_levels:
        out.append(f"{words('risk', risk)} risk")
    if len(ep):
        ret = ep["returned_at"].fillna(end + pd.Timedelta(days=1))
        hours = ((ret - ep["reported_at"]).dt.total_seconds() / 3600).to_numpy(float)
        if len(hours) and np.nanmax(hours) > ps.hours_missing:
            out.append(f"missing {np.nanmax(hours):.0f} hours in one episode")
        if len(ep) >= ps.episodes_in_period:
            out.append(f"{len(ep)} episodes in the period")
        t = np.sort(ep["reported_at"].dropna().to_numpy("datetime64[s]").astype(np.int64))
        k = ps.episodes_in_window
        if len(t) >= k and np.any(t[k - 1:] - t[: len(t) - k + 1] <= ps.window_days * 86400):
            out.append(f"{k} episodes within {ps.window_days} days")
    return out


INTELLIGENCE_SOURCES = ("police", "community", "other", "")
"""Sources whose records are intelligence, to be graded (3x5x2). Return home interviews,
education, health and social care records are service records: not graded by nature."""


def intelligence_gaps(G: Any, *, persons: Iterable[str], places: Iterable[str], ranks: dict[str, int],
                      words: Any) -> list[dict[str, Any]]:
    """Links of the listed persons of concern, and between the listed places and any person of
    concern, that are not graded (an intelligence record without a 3x5x2 grading) or not
    corroborated (one untested source).

    One item per link (the two ends): the persons' links before the places', taken in turn
    (the first gap of each listed person by rank, then the second of each...), latest first: ``a`` (the listed person or
    place), ``b``, ``why`` in words (what was recorded, when, by whom, and what is missing),
    ``records`` (the record numbers behind it). Where children were found, and other service
    records, are not intelligence to grade: they never make a gap on their own.
    """
    persons, places = [str(x) for x in persons], [str(x) for x in places]
    focus = [(p, 0) for p in persons if p in G] + [(loc, 1) for loc in places if loc in G]
    seen: set[tuple[str, ...]] = set()
    out = []
    for n, tier in focus:
        for m in G[n]:
            other = G.nodes[m]
            if other.get("provisional"):
                continue
            if tier == 1 and other.get("kind") != "person":
                continue  # a place's links to children are where they were seen or found
            key = tuple(sorted((str(n), str(m))))
            if key in seen:
                continue
            seen.add(key)
            d = G[n][m]
            ev = [e for e in d.get("evidence", []) if e.get("relation") != "found_at"]
            if not ev:
                continue
            ungraded = [e for e in ev if e.get("link_id") and str(e.get("source_type") or "") in INTELLIGENCE_SOURCES
                        and not (isinstance(e.get("grading"), str) and e.get("grading"))]
            uncorroborated = not bool(d.get("corroborated"))
            if not ungraded and not uncorroborated:
                continue
            latest = max(ev, key=lambda e: str(e.get("date") or ""))
            missing = []
            if ungraded:
                by_source: dict[str, int] = {}
                for e in ungraded:
                    src = words("sources", e.get("source_type") or "")
                    by_source[src] = by_source.get(src, 0) + 1
                missing += [f"{count_words(n, src + ' record')} not graded" for src, n in sorted(by_source.items())]
            if uncorroborated:
                srcs = sorted({words("sources", e.get("source_type") or "") for e in ev})
                missing.append(f"not corroborated (only {', '.join(srcs)})")
            when = str(latest.get("date") or "")[:10]
            out.append({"a": str(n), "b": str(m), "relation": words("relations", latest.get("relation") or ""),
                        "date": when, "source": words("sources", latest.get("source_type") or ""),
                        "grading": grading_words(latest.get("grading")), "missing": "; ".join(missing),
                        "records": [str(e.get("link_id") or e.get("episode_id") or "") for e in ev],
                        "_key": (tier, ranks.get(str(n), 10**6), _neg_date(when))})
    out.sort(key=lambda x: x["_key"])
    # round robin: each listed person's (then place's) first gap, then each one's second...
    nth: dict[str, int] = {}
    for g in out:
        nth[g["a"]] = nth.get(g["a"], 0) + 1
        g["_key"] = (g["_key"][0], nth[g["a"]], *g["_key"][1:])
    out.sort(key=lambda x: x["_key"])
    return out


def _neg_date(d: str) -> str:
    return "".join(chr(255 - ord(c)) for c in d)


def build_agenda(*, lead: str, an: Any, red: Any, states: States, now: Picture, then: Picture | None,
                 settings: Any, opts: dict[str, int], period: tuple[Any, pd.Timestamp], words: Any,
                 count: Callable[[int], Any], actions: list[dict[str, Any]] | None = None,
                 disruption: dict[str, list[dict[str, Any]]] | None = None, top_persons: Iterable[str] = (),
                 top_places: Iterable[str] = ()) -> Agenda:
    """Every list of page 1, ranked and uncapped (see the module docstring for the rules).

    ``now``/``then``: this pack's and the last meeting's pictures (panel and risk);
    ``actions``: the workspace's agenda actions (``None``: no workspace, no actions block);
    ``disruption``: its ``tactics``, ``breaches`` and ``profiles``
    (:func:`contextmap.pack.disruption_agenda.disruption_agenda`);
    ``top_persons``/``top_places``: the ids the pack lists (for the intelligence gaps).
    """
    start, end = period
    meeting = states.meeting
    dis = disruption or {}
    ag = Agenda(lead=lead, meeting=meeting, actions=actions, tactics=list(dis.get("tactics", [])),
                breaches=list(dis.get("breaches", [])), profiles=list(dis.get("profiles", [])),
                caps={k: v for k, v in opts.items() if k.startswith("agenda_")})
    ag.children = _children(an, red, states, now, then, settings, period, words)
    ag.persons = _persons(an, red, states, end, count)
    ag.places = _places(an, states, count)
    G = an.graph
    ranks = {str(i): int(r) for i, r in zip(an.persons.index, an.persons["rank"], strict=True)}
    ranks.update({str(i): int(r) for i, r in zip(an.hotspots.index, an.hotspots["rank"], strict=True)})
    ag.gaps = intelligence_gaps(G, persons=top_persons, places=top_places, ranks=ranks, words=words)
    return ag


def _children(an: Any, red: Any, states: States, now: Picture, then: Picture | None, settings: Any,
              period: tuple[Any, pd.Timestamp], words: Any) -> list[dict[str, Any]]:
    start, end = period
    meeting = states.meeting
    after = meeting.since + pd.Timedelta(days=1)
    stop = end + pd.Timedelta(days=1)
    E = red.episodes
    cid = E["child_id"].astype(str)
    rep = E["reported_at"]
    since_mask = ((rep >= after) & (rep < stop)).fillna(False).to_numpy(dtype=bool)
    before_mask = (rep < after).fillna(False).to_numpy(dtype=bool)
    period_mask = ((rep >= start) if start is not None else rep.notna()) & (rep < stop)
    period_mask = period_mask.fillna(False).to_numpy(dtype=bool)
    before_ids = set(cid[before_mask])
    ch = red.children.set_index(red.children["child_id"].astype(str))
    risk_of = {str(k): (None if v is None or pd.isna(v) else str(v)) for k, v in ch["ce_risk"].items()}
    order = {lvl: i for i, lvl in enumerate(settings.risk.scale)}
    ep_period = E.loc[period_mask].assign(_c=cid[period_mask].to_numpy())
    period_rows = ep_period.groupby("_c").indices if len(ep_period) else {}
    # per child since the last meeting: episodes, hours missing (the longest and in all), in one pass
    ep_since = E.loc[since_mask]
    hours = ((ep_since["returned_at"].fillna(stop) - ep_since["reported_at"]).dt.total_seconds() / 3600)
    per_since = pd.DataFrame({"c": cid[since_mask].to_numpy(), "h": hours.to_numpy(dtype=float)}).groupby("c")["h"]
    n_since_of = per_since.size().to_dict()
    longest_of, total_of = per_since.max().to_dict(), per_since.sum().to_dict()
    still = E.loc[period_mask & E["returned_at"].isna().to_numpy(dtype=bool)]
    still_since = {str(c): pd.Timestamp(d) for c, d in zip(still["child_id"].astype(str), still["reported_at"], strict=True)}
    judged = then is not None
    candidates = set(n_since_of) | set(still_since)
    candidates |= {c for c, v in states.children.items() if v["state"] == "escalating"}
    candidates |= {c for c, v in now.children.items() if v.get("panel")}
    items = []
    for c in candidates:
        reasons, points = [], 0
        risk = risk_of.get(c)
        if c in still_since:
            reasons.append(f"still missing since {still_since[c].date()}")
            points += CHILD_PRIORITY["still_missing"]
        st = states.children.get(c, {})
        if st.get("state") == "escalating" and str(st.get("reason", "")).startswith(RISK_UP_WORDS):
            reasons.append(st["reason"])
            points += CHILD_PRIORITY["risk_raised"]
        panel_now = bool(now.children.get(c, {}).get("panel"))
        if judged and panel_now and not (then.children.get(c) or {}).get("panel"):  # type: ignore[union-attr]
            mine = ep_period.iloc[period_rows[c]] if c in period_rows else E.iloc[:0]
            why = panel_reasons(mine, risk, settings=settings, words=words, end=end)
            reasons.append("new to the panel" + (f": {', '.join(why)}" if why else ""))
            points += CHILD_PRIORITY["new_to_panel"]
        n_since = int(n_since_of.get(c, 0))
        if n_since and c in before_ids:
            hrs = float(longest_of[c])
            reasons.append(f"missing again: {count_words(n_since, 'episode')} since {meeting.since.date()}"
                           + (f", the longest {hrs:.0f} hours" if hrs >= 1 else ""))
            points += CHILD_PRIORITY["missing_again"]
        if not reasons:
            continue
        points += order.get(risk, 0) if risk else 0
        hours_since = float(total_of.get(c, 0.0))
        items.append({"id": c, "why": "; ".join(reasons), "risk": words("risk", risk or ""), "_risk": risk,
                      "age": person_age(ch.loc[c], on=end) if c in ch.index else "", "state": st.get("state", ""),
                      "_key": (-points, -n_since, -hours_since, c)})
    items.sort(key=lambda x: x["_key"])
    return items


def _persons(an: Any, red: Any, states: States, end: pd.Timestamp, count: Callable[[int], Any]) -> list[dict[str, Any]]:
    P = red.persons.set_index(red.persons["person_id"].astype(str))
    items = []
    for r in an.persons.itertuples():
        p = str(r.Index)
        st = states.persons.get(p, {})
        if st.get("state") not in ("new", "escalating") or int(r.children_reached) <= 0:
            continue
        groups = int(r.groups_reached)
        bits = [st["reason"]] if st.get("reason") else []
        if st["state"] == "new":
            bits.append(count_words(count(int(r.children_reached)), "child", "children") + " linked")
        if groups >= 2:
            bits.append(f"links {groups} groups of children")
        row = P.loc[p] if p in P.index else {}
        items.append({"id": p, "why": "; ".join(bits), "state": st["state"], "age": person_age(row, on=end) if len(row) else "",
                      "fullest": fullest_name(row.get("name"), row.get("aliases")) if len(row) else "",
                      "_key": (-int(r.children_reached), -groups, int(r.rank))})
    items.sort(key=lambda x: x["_key"])
    return items


def _places(an: Any, states: States, count: Callable[[int], Any]) -> list[dict[str, Any]]:
    items = []
    for r in an.hotspots.sort_values("rank").itertuples():
        loc = str(r.Index)
        st = states.places.get(loc, {})
        if st.get("state") not in ("new", "escalating"):
            continue
        bits = [st["reason"]] if st.get("reason") else []
        items.append({"id": loc, "rank": int(r.rank), "state": st["state"],
                      "why": "; ".join(bits + [place_why(r._asdict(), count=count, parts=1)])})
    return items
