"""What changed since the previous pack: the "since we last met" section of a MACE pack.

Every pack writes ``pack_state.json``: the machine-readable state the next pack compares
against (hotspots with their counts, persons of concern, peer groups by membership, the
links between groups and the children meeting panel criteria). Ids in the state are the ids
*as the pack shows them*: a pseudonymised (partner) pack stores pseudonyms, which are stable
across packs, so two partner packs compare without ever holding a real id. A pack without a
state file (for example one written by ``contextmap analyze``) is compared through its
``summary.json``, with fewer details.

The comparison rules (documented in ``docs/pack.md``). Places, persons and children take the
pack's one word for their state (:mod:`contextmap.pack.states`), so the lists here and every
other view agree:

* **new location of concern**: in this pack's top list (``top_hotspots``) and *new*: never
  in the previous pack (nor, when the pack knows its records' dates, dated before it);
* **escalating location**: in this pack's top list and *escalating*: linked to more children
  than in the previous pack, or up 3 or more ranks;
* **new person of concern**: linked to a child now and *new*;
* **new link between groups**: a person of concern or a direct link now joins two peer
  groups, where no earlier link joined any of the same children on both sides;
* **newly meeting panel criteria**: a child who meets them now and did not before (new
  children included);
* **merged / split groups**: groups are matched by shared children (two groups
  correspond when they share at least 2 children and at least half of the smaller); a group
  now corresponding to two or more earlier groups merged them, an earlier group
  corresponding to two or more groups now has split.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from contextmap._errors import ConfigError, InputNotFoundError, InputReadError
from contextmap.pack import states as st

__all__ = ["Changes", "PackState", "read_state", "compare", "from_states", "STATE_FILE", "STATE_FORMAT"]

STATE_FILE = "pack_state.json"
STATE_FORMAT = "contextmap-pack-state/1"


@dataclass
class PackState:
    """The part of a pack the next pack compares against (see the module docstring)."""

    ids: str  # "raw" or "pseudonym"
    audience: str
    period: dict[str, Any]
    hotspots: list[dict[str, Any]] = field(default_factory=list)
    persons_of_concern: list[dict[str, Any]] = field(default_factory=list)
    peer_groups: list[dict[str, Any]] = field(default_factory=list)
    group_links: list[dict[str, Any]] | None = None
    panel_children: list[str] = field(default_factory=list)
    has_counts: bool = True
    places: list[dict[str, Any]] | None = None
    """Every place with evidence in the period (``location_id``, ``rank``, ``episodes``,
    ``children``); ``hotspots`` holds the top of it. ``None`` in packs from before it was kept."""
    children: list[dict[str, Any]] | None = None
    """Every child the pack saw (``child_id``, ``risk``): risk changes are judged against it."""

    def to_dict(self) -> dict[str, Any]:
        return {"format": STATE_FORMAT, **asdict(self)}

    def write(self, path: str | Path) -> Path:
        p = Path(path)
        p.write_text(json.dumps(self.to_dict(), indent=1, default=str), encoding="utf-8")
        return p


@dataclass
class Changes:
    """The differences between two packs, each a list of small records for the template."""

    previous_period: dict[str, Any]
    new_hotspots: list[dict[str, Any]] = field(default_factory=list)
    escalating_hotspots: list[dict[str, Any]] = field(default_factory=list)
    new_persons: list[dict[str, Any]] = field(default_factory=list)
    new_group_links: list[dict[str, Any]] = field(default_factory=list)
    new_panel_children: list[str] = field(default_factory=list)
    merged_groups: list[dict[str, Any]] = field(default_factory=list)
    split_groups: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            (self.new_hotspots, self.escalating_hotspots, self.new_persons, self.new_group_links,
             self.new_panel_children, self.merged_groups, self.split_groups)
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def new_marks(self) -> dict[str, str]:
        """Entity id -> why it is marked since the previous pack, for the map and the
        network view (``network_view(..., new=...)``): new and escalating locations of
        concern, new persons of concern, children newly meeting panel criteria, and the
        persons joining two groups for the first time. The words are the states' words.

        Examples
        --------
        >>> Changes({}, new_hotspots=[{"location_id": "L2", "rank": 1}], new_panel_children=["C1"]).new_marks()
        {'L2': 'new: location of concern ranked 1', 'C1': 'escalating: newly meets the panel criteria'}
        """
        out: dict[str, str] = {}
        for h in self.new_hotspots:
            out[str(h["location_id"])] = f"new: location of concern ranked {h.get('rank')}"
        for h in self.escalating_hotspots:
            out[str(h["location_id"])] = f"escalating: {h.get('detail', '')}"
        for p in self.new_persons:
            out[str(p["person_id"])] = "new: person of concern"
        for lk in self.new_group_links:
            for v in lk.get("via", []):
                if "\u2013" not in str(v):  # a person joining the groups, not a direct link
                    out.setdefault(str(v), "newly links groups " + " and ".join(map(str, lk["groups"])))
        for c in self.new_panel_children:
            out.setdefault(str(c), "escalating: newly meets the panel criteria")
        return out


def read_state(pack_dir: str | Path, *, panel_flags: tuple[str, ...] = ()) -> PackState:
    """Read the comparison state of the pack in ``pack_dir``.

    Uses ``pack_state.json`` when present, otherwise ``summary.json`` (counts and links
    between groups are then unknown; children meeting panel criteria are those with a flag
    named in ``panel_flags``).

    Raises
    ------
    InputNotFoundError
        If the folder holds neither file.
    InputReadError
        If the file is not a contextmap pack state or summary.
    """
    d = Path(pack_dir)
    state_path, summary_path = d / STATE_FILE, d / "summary.json"
    if state_path.is_file():
        data = _read_json(state_path)
        if data.pop("format", None) != STATE_FORMAT:
            raise InputReadError(f"{str(state_path)!r} is not a contextmap pack state ({STATE_FORMAT})")
        return PackState(**data)
    if summary_path.is_file():
        s = _read_json(summary_path)
        try:
            return PackState(
                ids=str(s.get("ids", "raw")),
                audience=str(s.get("audience", "unknown")),
                period=dict(s["period"]),
                hotspots=[dict(h) for h in s["hotspots"]],
                persons_of_concern=[dict(p) for p in s["persons_of_concern"]],
                peer_groups=[dict(g) for g in s["peer_groups"]],
                group_links=None,
                panel_children=sorted({f["child_id"] for f in s["flags"] if f["flag"] in panel_flags}),
                has_counts=False,
            )
        except (KeyError, TypeError) as exc:
            raise InputReadError(f"{str(summary_path)!r} lacks the summary key {exc}") from None
    raise InputNotFoundError(
        f"previous pack not found: no {STATE_FILE} or summary.json in previous={str(d)!r}"
    )


def _read_json(p: Path) -> dict[str, Any]:
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputReadError(f"{str(p)!r} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputReadError(f"{str(p)!r} must hold a JSON object")
    return data


def _correspond(a: set[str], b: set[str]) -> bool:
    shared = len(a & b)
    return shared >= 2 and shared * 2 >= min(len(a), len(b))


def compare(previous: PackState, current: PackState) -> Changes:
    """Compare two pack states (see the module docstring for the rules).

    Raises
    ------
    ConfigError
        If one pack shows raw ids and the other pseudonyms (they cannot be compared).

    Examples
    --------
    >>> prev = PackState("raw", "police", {}, hotspots=[{"location_id": "L1", "rank": 1,
    ...     "episodes": 2, "children": 1}], persons_of_concern=[], peer_groups=[])
    >>> cur = PackState("raw", "police", {}, hotspots=[{"location_id": "L2", "rank": 1,
    ...     "episodes": 5, "children": 3}, {"location_id": "L1", "rank": 2, "episodes": 4,
    ...     "children": 2}], persons_of_concern=[], peer_groups=[])
    >>> ch = compare(prev, cur)
    >>> [h["location_id"] for h in ch.new_hotspots], [h["location_id"] for h in ch.escalating_hotspots]
    (['L2'], ['L1'])
    >>> ch.escalating_hotspots[0]["detail"]
    '2 children seen there (1 at the last meeting)'
    """
    if previous.ids != current.ids:
        raise ConfigError(
            f"cannot compare with the previous pack: it shows {previous.ids} ids and this pack "
            f"shows {current.ids} ids (build both packs for the same kind of audience); "
            f"previous audience={previous.audience!r}, this audience={current.audience!r}"
        )
    ch = Changes(previous_period=dict(previous.period))

    ch.new_panel_children = sorted(set(current.panel_children) - set(previous.panel_children))
    then, now = st.picture_from_state(previous), st.picture_from_state(current)
    meeting = st.LastMeeting(pd.Timestamp(previous.period.get("end") or "1970-01-01"), "previous pack",
                             "the previous pack")
    states = st.entity_states(now, then, meeting=meeting, first={}, risk_scale=(),
                              seen_before=lambda kind, i: i in then.known)
    from_states(ch, states, top=[str(h["location_id"]) for h in current.hotspots], ranks={
        str(h["location_id"]): h.get("rank") for h in current.hotspots},
        linked={str(p["person_id"]) for p in current.persons_of_concern if int(p.get("children_reached", 0)) > 0})

    pg = {str(g["id"]): set(g["children"]) for g in previous.peer_groups}
    cg = {str(g["id"]): set(g["children"]) for g in current.peer_groups}
    for cid, members in cg.items():
        sources = sorted(pid for pid, before in pg.items() if _correspond(before, members))
        if len(sources) >= 2:
            ch.merged_groups.append({"group": cid, "previous_groups": sources, "size": len(members)})
    for pid, before in pg.items():
        targets = sorted(cid for cid, members in cg.items() if _correspond(before, members))
        if len(targets) >= 2:
            ch.split_groups.append({"previous_group": pid, "groups": targets, "previous_size": len(before)})

    if current.group_links is None:
        pass
    elif previous.group_links is None:
        ch.notes.append(
            "The previous pack did not record links between groups, so new links between groups "
            "are not listed."
        )
    else:
        old_links = [
            (set(_group_children(previous, a)), set(_group_children(previous, b)))
            for a, b in (lk["groups"] for lk in previous.group_links)
        ]
        for lk in current.group_links:
            a, b = (set(_group_children(current, g)) for g in lk["groups"])
            seen = any(
                (a & oa and b & ob) or (a & ob and b & oa) for oa, ob in old_links
            )
            if not seen:
                ch.new_group_links.append(dict(lk))
    if not previous.has_counts:
        ch.notes.append(
            "The previous pack holds no counts per place, so escalation is judged by rank "
            f"(up {st.RANK_STEP} or more places)."
        )
    return ch


def from_states(ch: Changes, states: st.States, *, top: list[str], ranks: dict[str, Any],
                linked: set[str] | None = None) -> Changes:
    """Fill the places and persons of ``ch`` from the pack's states (one word everywhere):
    ``new_hotspots`` and ``escalating_hotspots`` among the ``top`` places (in rank order),
    ``new_persons`` among the persons ``linked`` to a child now (default: every person with a
    state). Returns ``ch``."""
    ch.new_hotspots, ch.escalating_hotspots, ch.new_persons = [], [], []
    for loc in top:
        s = states.of("location", loc)
        if s["state"] == "new":
            ch.new_hotspots.append({"location_id": loc, "rank": ranks.get(loc)})
        elif s["state"] == "escalating":
            ch.escalating_hotspots.append({"location_id": loc, "rank": ranks.get(loc), "detail": s["reason"]})
    for pid, s in states.persons.items():
        if s["state"] == "new" and (linked is None or pid in linked):
            ch.new_persons.append({"person_id": pid, "reason": s["reason"]})
    return ch


def _group_children(state: PackState, group_id: Any) -> list[str]:
    """The children of peer group ``group_id`` in ``state`` (empty when unknown)."""
    for g in state.peer_groups:
        if str(g["id"]) == str(group_id):
            return list(g["children"])
    return []
