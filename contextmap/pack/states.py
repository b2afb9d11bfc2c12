"""One word for how each child, person of concern and place stands since the last meeting.

A chair asks two questions of every name in the pack: *have we seen them before?* and *is it
getting worse?* Every view of a pack (the agenda, the tables, the map and network rings, the
headline figures, ``summary.json`` and the CSV exports) answers them with the same word, one
of :data:`STATES`, computed once here:

``new``
    never seen before the last meeting: not in what the last meeting saw (the previous pack's
    lists, or the workspace's imports before it) and no record dated before it;
``escalating``
    seen before, and worse than at the last meeting: a place or person linked to more
    children (at least one more, and at least a tenth more: :data:`SHARE_STEP`) or, when both
    packs ranked it, up 3 or more places (:data:`RANK_STEP`), or back after no evidence at
    the last meeting; a child whose risk level was raised or who newly meets the panel
    criteria;
``falling``
    linked to fewer children (by as much) or down 3 or more places; a child whose risk level
    was lowered;
``steady``
    seen before, and neither.

**The last meeting** (:class:`LastMeeting`) is, in order: the previous pack given with
``--previous`` (its period end; what it listed); the workspace's meeting before the pack's own
(the packs for one period are one meeting: :mod:`contextmap.workspace.meetings`; the records
imported before its first pack, in its period); or, with neither, the settings' meeting cadence:
``flags.new_within_days`` days (28) before the end of the period (never before its start),
with the picture at that date rebuilt from the records dated up to it, over a window as long
as the period. When the records begin after that date nothing can be called new, and the
pack says so instead of calling everything new.

All of it is computed on the dataset redacted for the pack's audience, so ids are the ones
the audience sees and withheld intelligence counts for nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["STATES", "LastMeeting", "Picture", "States", "last_meeting", "first_seen",
           "picture_from_context", "picture_from_state", "entity_states", "RANK_STEP", "RISK_UP_WORDS"]

STATES = ("new", "escalating", "steady", "falling")
"""The four states, in the order a meeting takes them (words: the vocabulary's ``states``)."""

RANK_STEP = 3
"""Places up (down) this many ranks or more between two packs are escalating (falling)."""

SHARE_STEP = 0.1
"""A change in children linked counts when it is at least one child and at least this share
of the number before (so 37 children after 36 is steady, 7 after 3 escalating)."""


def _moved(n: int, b: int) -> int:
    """+1 when ``n`` is up on ``b`` by enough to count, -1 when down by enough, else 0."""
    step = max(1, math.ceil(SHARE_STEP * max(n, b)))
    return 1 if n - b >= step else -1 if b - n >= step else 0

RISK_UP_WORDS = "risk raised"


def _day(v: Any) -> str:
    return "" if v is None or pd.isna(v) else str(pd.Timestamp(v).date())


@dataclass(frozen=True)
class LastMeeting:
    """What "since the last meeting" means for this pack.

    Attributes
    ----------
    since
        The last meeting's day: records dated after it are "since the last meeting".
    source
        ``'previous pack'``, ``'workspace'`` or ``'cadence'`` (no earlier meeting known).
    words
        The same, for the reader ("the pack for 2026-09-01 to 2026-09-30").
    new_judged
        Whether "new" can be said at all (false when the records begin after ``since``).
    note
        Why not, in words, when not.
    window
        The period the last meeting's picture covers (start, end).
    """

    since: pd.Timestamp
    source: str
    words: str
    new_judged: bool = True
    note: str = ""
    window: tuple[pd.Timestamp | None, pd.Timestamp] | None = None


def last_meeting(*, start: pd.Timestamp | None, end: pd.Timestamp, cadence_days: int,
                 previous_period: Mapping[str, Any] | None = None,
                 workspace_meeting: Mapping[str, Any] | None = None,
                 earliest: pd.Timestamp | None = None) -> LastMeeting:
    """Decide what the last meeting was (see the module docstring for the order).

    Examples
    --------
    >>> m = last_meeting(start=pd.Timestamp("2025-11-01"), end=pd.Timestamp("2026-10-31"), cadence_days=28,
    ...                  earliest=pd.Timestamp("2025-11-01"))
    >>> str(m.since.date()), m.source, m.new_judged
    ('2026-10-03', 'cadence', True)
    >>> last_meeting(start=None, end=pd.Timestamp("2026-10-31"), cadence_days=28,
    ...              previous_period={"start": "2026-09-01", "end": "2026-09-30"}).words
    'the pack for 2026-09-01 to 2026-09-30'
    """
    length = (end - start + pd.Timedelta(days=1)) if start is not None else pd.Timedelta(days=365)
    if previous_period is not None and previous_period.get("end"):
        since = pd.Timestamp(previous_period["end"]).normalize()
        ps = pd.Timestamp(previous_period["start"]).normalize() if previous_period.get("start") else None
        words = f"the pack for {_day(ps) or 'the start of the records'} to {_day(since)}"
        return LastMeeting(since, "previous pack", words, window=(ps, since))
    if workspace_meeting is not None:
        held = pd.Timestamp(workspace_meeting["held_at"])
        pe = workspace_meeting.get("period_end")
        since = pd.Timestamp(pe).normalize() if pe is not None and not pd.isna(pe) else held.normalize()
        ps_raw = workspace_meeting.get("period_start")
        ps = pd.Timestamp(ps_raw).normalize() if ps_raw is not None and not pd.isna(ps_raw) else since - length + pd.Timedelta(days=1)
        words = f"the meeting recorded on {_day(held)} (period {_day(ps)} to {_day(since)})"
        return LastMeeting(since, "workspace", words, window=(ps, since))
    since = end - pd.Timedelta(days=int(cadence_days))
    if start is not None:
        since = max(since, start - pd.Timedelta(days=1))
    words = (f"{_day(since)}, {cadence_days} days before the end of the period "
             "(no earlier pack or recorded meeting to compare with)")
    window = (since - length + pd.Timedelta(days=1), since)
    if earliest is None or earliest > since:
        when = f"begin on {_day(earliest)}" if earliest is not None else "hold no dates"
        return LastMeeting(since, "cadence", words, new_judged=False, window=window,
                           note=f"The records {when}, after {_day(since)}: nothing can be called new, "
                                "and nothing can be compared with an earlier meeting.")
    return LastMeeting(since, "cadence", words, window=window)


def first_seen(ds: Any) -> dict[str, pd.Series]:
    """The earliest dated record of every child, person and place in ``ds`` (all of its data).

    Returns ``{"child": Series, "person": Series, "location": Series}``, each indexed by id.
    Children: episodes reported and links; persons: links; places: links and episodes found there.
    """
    kinds = {"child": set(ds.children["child_id"].astype(str)), "person": set(ds.persons["person_id"].astype(str)),
             "location": set(ds.locations["location_id"].astype(str))}
    L, E = ds.links, ds.episodes
    frames = [pd.DataFrame({"id": L["source_id"].astype(str), "d": pd.to_datetime(L["observed_on"])}),
              pd.DataFrame({"id": L["target_id"].astype(str), "d": pd.to_datetime(L["observed_on"])}),
              pd.DataFrame({"id": E["child_id"].astype(str), "d": pd.to_datetime(E["reported_at"])}),
              pd.DataFrame({"id": E["found_location_id"].astype(str), "d": pd.to_datetime(E["reported_at"])})]
    allrec = pd.concat(frames, ignore_index=True).dropna()
    first = allrec.groupby("id")["d"].min() if len(allrec) else pd.Series(dtype="datetime64[ns]")
    return {k: first[first.index.isin(ids)] for k, ids in kinds.items()}


@dataclass
class Picture:
    """The pack's picture of one moment: per place and person the children linked (and, when
    known, episodes and rank); per child the risk level and whether they meet the panel
    criteria. ``known`` holds every id the picture saw (for "never seen before"); ``complete``
    is false when it lists only some of them (a pack from before states were recorded)."""

    places: dict[str, dict[str, Any]] = field(default_factory=dict)
    persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    children: dict[str, dict[str, Any]] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)
    ranks: bool = False
    risks: bool = True
    complete: bool = True


def picture_from_context(ctx: Any, *, panel: Iterable[str] = (), risks: bool = True) -> Picture:
    """Count, in an analysis context's period, the distinct children and episodes at each place
    and the children linked to each person of concern (as the hotspot and person rankings count
    them), with each child's risk level; ``panel`` the children meeting the panel criteria."""
    from contextmap.hotspots import location_evidence

    ds = ctx.dataset
    pic = Picture(risks=risks)
    ev = location_evidence(ctx)
    ev = ev.loc[ev["in_period"].to_numpy(dtype=bool)]
    if len(ev):
        kids = ev.loc[ev["other_kind"] == "child"].groupby("location_id")["other_id"].nunique()
        eps = ev.groupby("location_id")["episode_id"].nunique()
        for loc in eps.index.union(kids.index):
            pic.places[str(loc)] = {"children": int(kids.get(loc, 0)), "episodes": int(eps.get(loc, 0))}
    pe = ctx.evidence
    kinds = ctx.kinds
    persons = ds.persons
    prov = set()
    if "provisional" in persons.columns:
        prov = set(persons.loc[persons["provisional"].fillna(False).astype(bool), "person_id"].astype(str))
    if len(pe):
        ka = kinds.reindex(pe["a"]).to_numpy(dtype=object)
        kb = kinds.reindex(pe["b"]).to_numpy(dtype=object)
        a, b = pe["a"].astype(str).to_numpy(dtype=object), pe["b"].astype(str).to_numpy(dtype=object)
        pairs = pd.concat([pd.DataFrame({"p": a[(ka == "person") & (kb == "child")], "c": b[(ka == "person") & (kb == "child")]}),
                           pd.DataFrame({"p": b[(kb == "person") & (ka == "child")], "c": a[(kb == "person") & (ka == "child")]})])
        pairs = pairs.loc[~pairs["p"].isin(prov)]
        for p, n in pairs.groupby("p")["c"].nunique().items():
            pic.persons[str(p)] = {"children": int(n)}
    seen_children = set(ev.loc[ev["other_kind"] == "child", "other_id"].astype(str)) if len(ev) else set()
    if len(pe):
        ends = pd.concat([pe["a"], pe["b"]], ignore_index=True)
        is_child = (kinds.reindex(ends).to_numpy(dtype=object) == "child")
        seen_children |= set(ends.astype(str).to_numpy(dtype=object)[is_child])
    ep = ds.episodes
    in_p = ep["reported_at"].between(ctx.start if ctx.start is not None else ep["reported_at"].min(),
                                     ctx.end + pd.Timedelta(days=1), inclusive="left")
    seen_children |= set(ep.loc[in_p.fillna(False).to_numpy(dtype=bool), "child_id"].astype(str))
    risk = dict(zip(ds.children["child_id"].astype(str), ds.children["ce_risk"], strict=True))
    panel = set(map(str, panel))
    for c in seen_children | panel:
        r = risk.get(c)
        pic.children[c] = {"risk": None if r is None or pd.isna(r) else str(r), "panel": c in panel}
    pic.known = set(pic.places) | set(pic.persons) | set(pic.children)
    return pic


def picture_from_state(state: Any) -> Picture:
    """The picture a previous pack recorded in its ``pack_state.json`` (:class:`~contextmap.pack.changes.PackState`).

    Packs from before states were recorded list only their top places and no risk levels: the
    picture then knows less (places outside that list count as unseen by the pack; risk changes
    are not judged)."""
    places = getattr(state, "places", None)
    pic = Picture(ranks=True, complete=bool(places) and bool(getattr(state, "children", None)))
    places = places or state.hotspots
    counts = bool(getattr(state, "has_counts", True))  # a summary alone has ranks, not counts

    def n(v: Any) -> int | None:
        return int(v) if counts and v is not None else None

    for h in places:
        pic.places[str(h["location_id"])] = {"children": n(h.get("children", 0)), "episodes": n(h.get("episodes", 0)),
                                             "rank": int(h["rank"]) if h.get("rank") is not None else None}
    for p in state.persons_of_concern:
        pic.persons[str(p["person_id"])] = {"children": int(p.get("children_reached", 0)),
                                            "rank": int(p["rank"]) if p.get("rank") is not None else None}
    kids = getattr(state, "children", None)
    panel = set(map(str, state.panel_children))
    if kids:
        for c in kids:
            pic.children[str(c["child_id"])] = {"risk": c.get("risk"), "panel": str(c["child_id"]) in panel}
    else:
        pic.risks = False
        for c in panel:
            pic.children[c] = {"risk": None, "panel": True}
    for g in state.peer_groups:
        for c in g.get("children", []):
            pic.children.setdefault(str(c), {"risk": None, "panel": str(c) in panel})
    pic.known = set(pic.places) | set(pic.persons) | set(pic.children)
    return pic


@dataclass
class States:
    """Every entity's state (:data:`STATES`) and the reason in words, by kind.

    ``places``, ``persons`` and ``children`` map an id to ``{"state", "reason", "first_seen"}``
    (``state`` ``""`` when it cannot be judged). ``meeting`` is the :class:`LastMeeting`.
    """

    meeting: LastMeeting
    places: dict[str, dict[str, Any]] = field(default_factory=dict)
    persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    children: dict[str, dict[str, Any]] = field(default_factory=dict)

    def of(self, kind: str, id_: Any) -> dict[str, Any]:
        table = {"location": self.places, "person": self.persons, "child": self.children}[kind]
        return table.get(str(id_), {"state": "", "reason": "", "first_seen": None})

    def state(self, kind: str, id_: Any) -> str:
        return str(self.of(kind, id_)["state"])

    def count(self, kind: str, state: str) -> int:
        table = {"location": self.places, "person": self.persons, "child": self.children}[kind]
        return sum(1 for v in table.values() if v["state"] == state)

    def marks(self, words: Callable[[str, Any], str]) -> dict[str, str]:
        """id -> "new" / "escalating: ..." for entities new or escalating (the map's and the
        network's rings), in the vocabulary's words."""
        out: dict[str, str] = {}
        for table in (self.places, self.persons, self.children):
            for i, v in table.items():
                if v["state"] in ("new", "escalating"):
                    w = words("states", v["state"])
                    out[i] = f"{w}: {v['reason']}" if v["reason"] else w
        return out


def _counted_state(now: dict[str, Any], then: dict[str, Any] | None, *, ranks: bool, noun: str,
                   count: Callable[[int], Any] = lambda n: n) -> tuple[str, str]:
    """State and reason of a place or person seen before, from children linked (and ranks);
    ``count`` shows a count as the audience may see it (``'<5'``)."""
    from contextmap.vocabulary import count_words

    n = int(now.get("children", 0))
    if then is None:
        return "escalating", f"{count_words(count(n), 'child', 'children')} {noun}; none at the last meeting"
    before = then.get("children")
    b = n if before is None else int(before)  # not known (a pack that kept no counts): judged by rank
    r_now, r_then = now.get("rank"), then.get("rank")
    step = 0
    if ranks and r_now is not None and r_then is not None:
        step = int(r_then) - int(r_now)  # up the ranking: positive
    moved = _moved(n, b)
    if moved > 0:
        return "escalating", f"{count_words(count(n), 'child', 'children')} {noun} ({count(b)} at the last meeting)"
    if step >= RANK_STEP:
        return "escalating", f"ranked {r_now} (ranked {r_then} at the last meeting)"
    if moved < 0:
        return "falling", f"{count_words(count(n), 'child', 'children')} {noun} ({count(b)} at the last meeting)"
    if step <= -RANK_STEP:
        return "falling", f"ranked {r_now} (ranked {r_then} at the last meeting)"
    return "steady", ""


def entity_states(now: Picture, then: Picture | None, *, meeting: LastMeeting, first: Mapping[str, pd.Series],
                  risk_scale: Iterable[str], seen_before: Callable[[str, str], bool] | None = None,
                  count: Callable[[int], Any] = lambda n: n, risk_words: Callable[[Any], str] = str) -> States:
    """The state of every entity in ``now`` against ``then`` (the last meeting's picture).

    Parameters
    ----------
    now, then
        Pictures of this pack and of the last meeting (``then`` ``None``: nothing to compare).
    meeting
        The last meeting.
    first
        :func:`first_seen` of the pack's (redacted) dataset.
    risk_scale
        The area's risk levels, lowest first (``settings.risk.scale``).
    seen_before
        ``(kind, id) -> bool``: whether the last meeting had seen it; default: in ``then``'s
        ``known`` ids, or a record dated before the start of ``then``'s window (or, with no
        window, on or before ``since``).
    count
        How a count of children is shown to the audience (small counts suppressed: ``'<5'``).
    risk_words
        A risk level in words (the vocabulary's ``risk`` group).

    Examples
    --------
    >>> m = LastMeeting(pd.Timestamp("2026-10-03"), "cadence", "28 days ago")
    >>> then = Picture(places={"L1": {"children": 2}}, known={"L1"})
    >>> now = Picture(places={"L1": {"children": 3}, "L2": {"children": 1}})
    >>> first = {"location": pd.Series({"L1": pd.Timestamp("2026-01-05"), "L2": pd.Timestamp("2026-10-20")}),
    ...          "person": pd.Series(dtype="datetime64[ns]"), "child": pd.Series(dtype="datetime64[ns]")}
    >>> st = entity_states(now, then, meeting=m, first=first, risk_scale=["low", "high"])
    >>> st.state("location", "L1"), st.of("location", "L1")["reason"], st.state("location", "L2")
    ('escalating', '3 children seen there (2 at the last meeting)', 'new')
    """
    out = States(meeting=meeting)
    order = {lvl: i for i, lvl in enumerate(risk_scale)}
    # plain dicts once: a Series lookup per entity was most of the time at region scale
    firsts: dict[str, dict[str, Any]] = {k: {str(i): v for i, v in s.items()} for k, s in first.items()}
    win_start = meeting.window[0] if meeting.window else None

    def default_seen(kind: str, i: str) -> bool:
        if then is not None and i in then.known:
            return True
        f = firsts.get(kind, {}).get(i)
        if f is None or pd.isna(f):
            return False
        if then is not None and then.complete and meeting.source == "previous pack" and win_start is not None:
            return pd.Timestamp(f) < win_start  # older than the last pack's period: earlier meetings saw it
        return pd.Timestamp(f) < meeting.since + pd.Timedelta(days=1)

    seen = seen_before or default_seen

    def new_or(kind: str, i: str, judge: Callable[[], tuple[str, str]]) -> dict[str, Any]:
        f = firsts.get(kind, {}).get(i)
        fs = None if f is None or pd.isna(f) else pd.Timestamp(f)
        if not meeting.new_judged:
            return {"state": "", "reason": "", "first_seen": fs}
        if not seen(kind, i):
            return {"state": "new", "reason": f"first recorded {_day(fs)}" if fs is not None else "first recorded since the last meeting",
                    "first_seen": fs}
        state, reason = judge()
        return {"state": state, "reason": reason, "first_seen": fs}

    def counted(i: str, v: dict[str, Any], before: dict[str, dict[str, Any]] | None, noun: str) -> tuple[str, str]:
        if then is None or before is None:
            return "", ""
        return _counted_state(v, before.get(i), ranks=then.ranks, noun=noun, count=count)

    for i, v in now.places.items():
        out.places[i] = new_or("location", i, lambda i=i, v=v: counted(  # type: ignore[misc]
            i, v, then.places if then is not None else None, "seen there"))
    for i, v in now.persons.items():
        out.persons[i] = new_or("person", i, lambda i=i, v=v: counted(  # type: ignore[misc]
            i, v, then.persons if then is not None else None, "linked"))

    def child_state(i: str, v: dict[str, Any]) -> tuple[str, str]:
        if then is None:
            return "", ""
        b = then.children.get(i)
        r_now, r_then = v.get("risk"), (b or {}).get("risk")
        if then.risks and b is not None and r_now in order and r_then in order and r_now != r_then:
            if order[r_now] > order[r_then]:
                return "escalating", f"{RISK_UP_WORDS} from {risk_words(r_then)} to {risk_words(r_now)}"
            return "falling", f"risk lowered from {risk_words(r_then)} to {risk_words(r_now)}"
        if v.get("panel") and not (b or {}).get("panel"):
            return "escalating", "newly meets the panel criteria"
        return "steady", ""

    for i, v in now.children.items():
        out.children[i] = new_or("child", i, lambda i=i, v=v: child_state(i, v))  # type: ignore[misc]
    return out
