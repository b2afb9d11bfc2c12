"""The analyst's decisions kept in the workspace: ``merge A B`` / ``keep apart A B``, with a
reason, who and when.

``A`` and ``B`` are checked when the decision is made: each must be a record the workspace
holds (or an RHI mention's ``prov-`` id, or the end of a link where a name was written,
``link:<id@agency>:<side>``), given by id or by a name only one record has
(:mod:`contextmap.workspace.lookup`); a place is never merged with a person, and a child may be
merged with a person record. A decision can be **withdrawn**: it is kept, with who withdrew it,
when and why, and no longer applied. The decisions in force are read back as
:class:`~contextmap.resolve.decisions.Decisions` for every resolution step, and exported to (or
imported from) a decisions file. (:mod:`contextmap.workspace.record` names these too.)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from contextmap._errors import WorkspaceError
from contextmap.resolve.decisions import (
    LINK_END,
    Decision,
    Decisions,
    check_child_decisions,
    check_consistent,
    link_end,
    parse_decisions,
    same_name,
    written_name,
)
from contextmap.resolve.mentions import provisional_id
from contextmap.schema import split_list
from contextmap.workspace import db
from contextmap.workspace.lookup import Match, describe_records, find_record, names_of
from contextmap.workspace.store import check_text as _check_text
from contextmap.workspace.store import inserted_id, now_utc
from contextmap.workspace.store import user_name as _user

__all__ = ["StoredDecision", "DecisionsImported", "add_decision", "withdraw_decision", "decision_id_of",
           "decisions_frame", "read_workspace_decisions", "decisions_text", "import_decisions", "unread_decisions",
           "MAX_ENDS"]

_DECISION_ID = re.compile(r"^(?:decision[- ]?)?(\d+)$", re.IGNORECASE)


def decision_id_of(text: str | int) -> int:
    """``'3'`` (or ``'decision-3'``, as ``decide list`` numbers them) as the number 3.

    Examples
    --------
    >>> decision_id_of("decision-3"), decision_id_of(" 3 ")
    (3, 3)
    """
    m = _DECISION_ID.match(str(text).strip())
    if not m:
        raise WorkspaceError(f"Expected a decision number such as '3' (see: contextmap decide list), instead got: {text!r}")
    return int(m.group(1))


def _label(m: Match) -> str:
    return f"{m.kind} {m.record_id}" + (f" {m.name!r}" if m.name else "")


@dataclass(frozen=True)
class StoredDecision:
    """A decision as stored: its ``number``, ``action``, the two records, and whether it is
    ``new`` (False: the same decision was already in force, and nothing was added)."""

    number: int
    action: str
    a: Match
    b: Match
    new: bool = True
    more: tuple[StoredDecision, ...] = ()
    """The other decisions one ``decide`` stored (a provisional record written in several links)."""

    def __str__(self) -> str:
        verb = "merge" if self.action == "merge" else "keep apart"
        return f"{verb} {_label(self.a)} and {_label(self.b)}"


@dataclass(frozen=True)
class DecisionsImported:
    """What :func:`import_decisions` did: decisions ``added``, ``already`` in force, and
    ``withdrawn`` (matching a withdrawn decision: not brought back; make it again with
    ``decide merge`` / ``decide keep-apart``)."""

    added: int
    already: int = 0
    withdrawn: int = 0


def _mentions(conn: sa.Connection) -> dict[str, Match]:
    """The ``prov-`` id of every RHI mention the workspace holds, as resolution computes it."""
    E = db.DATA_TABLES["episodes"]
    out: dict[str, Match] = {}
    for pm, lm in conn.execute(sa.select(E.c.people_mentioned, E.c.places_mentioned).where(E.c.is_current)):
        for kind, cell, as_kind in (("person", pm, "person"), ("place", lm, "location")):
            for mention in split_list(cell):
                out.setdefault(provisional_id(kind, mention), Match(provisional_id(kind, mention), as_kind,
                                                                    mention, how="RHI mention"))
    return out


def _links_named(conn: sa.Connection, link: str) -> list[Any]:
    """The current links (``record_key``, ``source_id``, ``target_id``) a decision's link id
    names: the one whose identity it is, else every agency's link sent with that id
    (``1001`` -> ``1001@<agency>``, one or several)."""
    L = db.DATA_TABLES["links"]
    rows = conn.execute(sa.select(L.c.record_key, L.c.source_id, L.c.target_id).where(
        L.c.is_current, sa.or_(L.c.record_key == link, L.c.record_key.startswith(link + "@", autoescape=True)))).all()
    return [r for r in rows if r.record_key == link] or list(rows)


def _link_ends(conn: sa.Connection, ends: list[str]) -> dict[str, Match]:
    """Each link's end (``link:IR0377121:target``) the workspace's current links hold, as a
    :class:`Match` describing the record written there, its ``record_id`` the end as stored:
    the link named by its identity (``IR0377121@northfell-constabulary``), which is the same in
    every workspace and every month, where the id an agency sent may be shown bare in one
    workspace and qualified in another. A bare id two agencies' links have names neither."""
    out: dict[str, Match] = {}
    for x in ends:
        e = link_end(x)
        if e is None:
            continue
        rows = _links_named(conn, e[0])
        if len(rows) != 1:
            continue
        key, src, tgt = rows[0]
        rec = str(src if e[1] == "source" else tgt)
        m = next(iter(describe_records(conn, [rec])), None)
        if m is None:
            continue
        given = written_name(x)
        if given is not None and (not same_name(rec, given, m.name) or not rec.startswith("prov-")):
            continue  # the name given is not the one written there now
        # stored with the name written there: a later export that changes the link's name ends it
        # (on one line, single-spaced: a decisions file is read line by line, and the name is
        # compared as a name, so "QUARRY,<line break>Dane" is kept as "QUARRY, Dane")
        one_line = " ".join(str(m.name or "").split())
        named = f"={one_line}" if rec.startswith("prov-") and one_line else ""
        out[x] = Match(f"{LINK_END}{key}:{e[1]}{named}", m.kind, m.name, born=m.born, category=m.category,
                       postcode=m.postcode, agencies=m.agencies,
                       how=f"the name written at the {e[1]} of link {key}, now {m.record_id}")
    return out


def _why_not_an_end(conn: sa.Connection, x: str) -> str:
    """Why ``x`` (``link:<link>:<side>[=<name>]``) names no end :func:`_link_ends` finds: the one
    reason that holds, in words."""
    e = link_end(x)
    if e is None:
        return "not a link's end"
    rows = _links_named(conn, e[0])
    if not rows:
        return f"no current link has the id {e[0]!r}"
    if len(rows) > 1:
        return (f"several agencies' links have the id {e[0]!r}: name one as "
                + " or ".join(f"link:{r.record_key}:{e[1]}" for r in rows[:3]))
    rec = str(rows[0].source_id if e[1] == "source" else rows[0].target_id)
    if not rec.startswith("prov-"):
        return f"the {e[1]} of that link is the record {rec} itself: decide on {rec}"
    m = next(iter(describe_records(conn, [rec])), None)
    return f"the name written there is {m.name if m is not None else None!r}, not {written_name(x)!r}"


def _ends_of(conn: sa.Connection, record: str) -> list[str]:
    """The links' ends (``link:<id>:<side>``) where the current links name ``record``."""
    L = db.DATA_TABLES["links"]
    out = []
    for side, col in (("source", L.c.source_id), ("target", L.c.target_id)):
        out += [f"{LINK_END}{k}:{side}" for (k,) in conn.execute(
            sa.select(L.c.record_key).where(L.c.is_current, col == record).order_by(L.c.record_key))]
    return out


def _decision_records(conn: sa.Connection, text: str, argument: str, mentions: dict[str, Match] | None) -> list[Match]:
    """The records a decision names: a held record by id or unique name, an RHI mention's id,
    or the end of a link (``link:IR0377121:target``). A record ingest made from a name in a
    link (``prov-p-...``) is named by every link's end it stands for now, so the decision holds
    when a later month's data makes another record of the same writing."""
    t = _check_text(text, argument)
    if t.startswith(LINK_END):
        if link_end(t) is None:
            raise WorkspaceError(f"Expected {argument} to be a link's end as link:<link id>:source or "
                                 f"link:<link id>:target, instead got: {text!r}")
        found = _link_ends(conn, [t]).get(t)
        if found is None:
            raise WorkspaceError(f"Expected {argument} to be the end of one link the workspace holds, instead got: "
                                 f"{text!r} ({_why_not_an_end(conn, t)}; `contextmap review` shows where each name "
                                 "was written)")
        return [found]
    if t.startswith("prov-"):
        found = (mentions if mentions is not None else _mentions(conn)).get(t)
        if found is not None:
            return [found]
        ends = _ends_of(conn, t)
        if len(ends) > MAX_ENDS:
            raise WorkspaceError(f"Expected {argument} to be a record written in at most {MAX_ENDS} links, instead "
                                 f"{text!r} is written in {len(ends)}: decide on the ends that matter, as "
                                 f"link:<link id>:<side> ({', '.join(ends[:3])}, ...)")
        found_ends = _link_ends(conn, ends)
        if not found_ends:
            raise WorkspaceError(f"Expected {argument} to be an RHI mention's id or a record made from a name in a "
                                 f"link (prov-...) that the workspace's current data holds, instead got: {text!r}")
        return list(found_ends.values())
    return [find_record(conn, text, argument=argument)]


MAX_ENDS = 50
"""The most links' ends one ``decide`` on a provisional record stands for (one decision each)."""


def _pair_problem(a: Match, b: Match) -> str | None:
    if a.record_id == b.record_id:
        return f"Expected two different records, instead got {_label(a)} twice"
    if (a.kind == "location") != (b.kind == "location"):
        return (f"Expected two places, or two persons (a child and a person record may be merged), instead got "
                f"{_label(a)} and {_label(b)}")
    return None


def read_workspace_decisions(conn_or_engine: sa.Engine | sa.Connection) -> Decisions:
    """The decisions in force (not withdrawn), oldest first, as the object resolution takes."""
    D = db.decisions

    def run(conn: sa.Connection) -> Decisions:
        rows = conn.execute(sa.select(D.c.decision_id, D.c.action, D.c.a, D.c.b)
                            .where(D.c.withdrawn_at.is_(None)).order_by(D.c.decision_id)).all()
        return Decisions(tuple(Decision(r.action, r.a, r.b, int(r.decision_id), "workspace decision")
                               for r in rows), "workspace decisions")

    if isinstance(conn_or_engine, sa.Engine):
        with conn_or_engine.connect() as conn:
            return run(conn)
    return run(conn_or_engine)


def add_decision(engine: sa.Engine, action: str, a: str, b: str, *, reason: str,
                 user: str | None = None) -> StoredDecision:
    """Store one decision (``'merge'`` or ``'keep_apart'``) about records ``a`` and ``b``.

    ``a`` and ``b`` are ids or names (a name only one record has; see
    :func:`~contextmap.workspace.lookup.find_record`), RHI mention ids (``prov-...``), or the
    end of a link (``link:IR0377121:target``: the name written there, whatever record it is
    this month). A record ingest made from a name in a link (``prov-p-...``) is stored as one
    decision for each link's end it stands for (:attr:`StoredDecision.more` holds the rest),
    so the decision holds when a later month makes another record of the same writing.
    Raises :class:`~contextmap.workspace.lookup.RecordLookupError` (listing the candidates)
    when a name is not unique or names nothing, :class:`~contextmap.WorkspaceError` for a
    place and a person, and :class:`~contextmap.resolve.decisions.DecisionsError` when the
    decisions in force would contradict each other. The same decision already in force is
    not stored twice.
    """
    if action not in ("merge", "keep_apart"):
        raise WorkspaceError(f"Expected action to be 'merge' or 'keep_apart', instead got: {action!r}")
    reason = _check_text(reason, "reason")
    with engine.begin() as conn:
        mentions = _mentions(conn) if any(str(x).strip().startswith("prov-") for x in (a, b)) else None
        la, lb = _decision_records(conn, a, "A", mentions), _decision_records(conn, b, "B", mentions)
        # a merge joins every end to one record of the other side (and one end to each of
        # its): the two records become one; a keep-apart separates every pair
        if action == "merge":
            pairs = [(x, lb[0]) for x in la] + [(la[0], y) for y in lb[1:]]
        else:
            pairs = [(x, y) for x in la for y in lb]
        for ma, mb in pairs:
            problem = _pair_problem(ma, mb)
            if problem:
                raise WorkspaceError(problem)
        current = read_workspace_decisions(conn)
        done = {(d.action, *sorted((d.a, d.b))): d.line for d in current.items}
        fresh = [(ma, mb) for ma, mb in pairs if (action, *sorted((ma.record_id, mb.record_id))) not in done]
        new = tuple(Decision(action, ma.record_id, mb.record_id, 0, "new decision") for ma, mb in fresh)  # type: ignore[arg-type]
        _check_read(conn, Decisions(current.items + new, current.source))
        stored = []
        when = _group_time() if len(pairs) > 1 else now_utc()  # several: one time to the microsecond, a group
        for ma, mb in pairs:
            key = (action, *sorted((ma.record_id, mb.record_id)))
            if key in done:
                stored.append(StoredDecision(done[key], action, ma, mb, new=False))
                continue
            number = inserted_id(conn.execute(db.decisions.insert().values(
                action=action, a=ma.record_id, b=mb.record_id, reason=reason, decided_by=_user(user),
                decided_at=when,
            )))
            done[key] = number
            stored.append(StoredDecision(number, action, ma, mb))
    return replace(stored[0], more=tuple(stored[1:]))


def _check_read(conn: sa.Connection, decisions: Decisions) -> None:
    """Raise :class:`~contextmap.resolve.decisions.DecisionsError` when ``decisions``
    contradict each other, written as they are or with every link's end read as the record
    the workspace's current links hold there (as resolution will read them)."""
    check_consistent(decisions)
    ends = sorted({e[0] for e in map(link_end, decisions.ids) if e is not None})
    if not ends:
        _check_children(conn, decisions)
        return
    L = db.DATA_TABLES["links"]
    rows: list[Any] = []
    for i in range(0, len(ends), db.CHUNK):
        rows += conn.execute(sa.select(L.c.record_key, L.c.source_id, L.c.target_id)
                             .where(L.c.is_current, L.c.record_key.in_(ends[i:i + db.CHUNK]))).all()
    links = pd.DataFrame(rows, columns=["link_id", "source_id", "target_id"], dtype=object)  # link_id: the identity
    known = set(links["link_id"].astype(str))
    # a link gone from the workspace (erased) leaves its decision unread, not contradicting
    decisions = Decisions(tuple(d for d in decisions.items
                                if all((e := link_end(x)) is None or e[0] in known for x in (d.a, d.b))),
                          decisions.source)
    made = sorted({str(x) for x in (*links["source_id"], *links["target_id"]) if str(x).startswith("prov-")})
    read = decisions.at_link_ends(links, links["link_id"], {k: v for k, v in names_of(conn, made).items() if v is not None})
    _check_children(conn, read)


def _check_children(conn: sa.Connection, decisions: Decisions) -> None:
    """Raise :class:`~contextmap.resolve.decisions.DecisionsError` when merges join two
    children's records through a person record, as every resolution would (one record merged
    with two children: said when it is decided, not when the meeting's pack stops on it)."""
    if not decisions.merges:
        return
    C = db.DATA_TABLES["children"]
    ids = sorted(decisions.ids)
    kids: set[str] = set()
    for i in range(0, len(ids), db.CHUNK):
        kids |= {str(r) for (r,) in conn.execute(sa.select(C.c.record_key).where(
            C.c.is_current, C.c.record_key.in_(ids[i:i + db.CHUNK])))}
    pos = {x: i for i, x in enumerate(ids)}
    check_child_decisions(decisions, pos, np.array([x in kids for x in ids], dtype=bool))


def _comment_above(lines: list[str], line: int) -> int:
    """The line number of the comment a decision on ``line`` stands under (only decision lines
    between them), or 0."""
    k = line - 1  # the line above, 1-based
    while k >= 1:
        text = lines[k - 1].strip()
        if text.startswith("#"):
            return k
        if not text:
            return 0
        k -= 1
    return 0


def _group_time() -> datetime:
    """The time a group of decisions is stored with (one ``decide`` on a record written in several
    links, or the lines under one comment of an imported file): to the microsecond, where other
    times are to the second, so that the group is the decisions sharing it."""
    t = datetime.now(UTC).replace(tzinfo=None)
    return t if t.microsecond else t.replace(microsecond=1)


def _in_group(when: Any) -> bool:
    return isinstance(when, datetime) and when.microsecond != 0


def withdraw_decision(engine: sa.Engine, decision: str | int, *, reason: str, user: str | None = None) -> dict[str, Any]:
    """Withdraw a decision: it is kept (with who withdrew it, when and why) and no longer applied.

    The decisions one ``decide`` stored for a record made from a name in several links (one
    per link's end, :func:`add_decision`) are one decision to the analyst: withdrawing one
    withdraws them all (``also``: the other numbers). Returns the decision as stored
    (``decision_id``, ``action``, ``a``, ``b``, ``reason``, ``withdrawn_at``..., and ``also``).
    Raises :class:`~contextmap.WorkspaceError` for an unknown number or a decision already
    withdrawn.
    """
    number = decision_id_of(decision)
    why = _check_text(reason, "reason")
    D = db.decisions
    with engine.begin() as conn:
        row = conn.execute(sa.select(D).where(D.c.decision_id == number)).mappings().first()
        if row is None:
            raise WorkspaceError(f"Expected a decision number held in this workspace (see: contextmap decide list), "
                                 f"instead got: {decision!r}")
        if row["withdrawn_at"] is not None:
            raise WorkspaceError(f"decision {number} was already withdrawn on {row['withdrawn_at']:%Y-%m-%d} by "
                                 f"{row['withdrawn_by']} ({row['withdrawn_reason']})")
        also: list[int] = []
        if _in_group(row["decided_at"]):
            siblings = conn.execute(sa.select(D.c.decision_id, D.c.a, D.c.b).where(
                D.c.withdrawn_at.is_(None), D.c.decision_id != number, D.c.action == row["action"],
                D.c.decided_at == row["decided_at"], D.c.decided_by == row["decided_by"],
                D.c.reason == row["reason"])).all()
            also = sorted(int(r.decision_id) for r in siblings)
        values = {"withdrawn_at": now_utc(), "withdrawn_by": _user(user), "withdrawn_reason": why}
        conn.execute(D.update().where(D.c.decision_id.in_([number, *also])).values(**values))
    return {**dict(row), **values, "also": also}


def decisions_frame(engine: sa.Engine) -> pd.DataFrame:
    """Every decision ever made, oldest first, withdrawn ones included: ``decision_id``,
    ``action``, ``a``, ``b``, ``a_name``, ``b_name``, ``reason``, ``decided_by``,
    ``decided_at``, ``status`` (``'in force'`` or ``'withdrawn'``), ``withdrawn_at``,
    ``withdrawn_by``, ``withdrawn_reason``."""
    D = db.decisions
    with engine.connect() as conn:
        rows = conn.execute(sa.select(D).order_by(D.c.decision_id)).mappings().all()
        frame = pd.DataFrame(rows, columns=[c.name for c in D.columns])
        ids = sorted(set(frame["a"]) | set(frame["b"]))
        names = names_of(conn, ids)
        if any(str(i).startswith("prov-") for i in ids):
            names |= {k: m.name for k, m in _mentions(conn).items()}
        ends = [str(i) for i in ids if str(i).startswith(LINK_END)]
        names |= {k: f"{m.name} (written there)" for k, m in _link_ends(conn, ends).items() if m.name}
    frame["a_name"] = [names.get(x) for x in frame["a"]]
    frame["b_name"] = [names.get(x) for x in frame["b"]]
    frame["status"] = ["withdrawn" if pd.notna(w) else "in force" for w in frame["withdrawn_at"]]
    return frame


def decisions_text(engine: sa.Engine) -> str:
    """The decisions in force as a decisions file (each preceded by its reason, who and when);
    withdrawn decisions follow at the end as comments, for the record."""
    D = db.decisions
    with engine.connect() as conn:
        rows = conn.execute(sa.select(D).order_by(D.c.decision_id)).all()
    lines = ["# decisions exported from a contextmap workspace"]
    gone = []
    # one comment over a group (the decisions one `decide` stored for a record written in
    # several links, withdrawn together: one action, one time to the microsecond), whatever
    # their order: imported again, the lines under it are one group; the reason alone on the
    # line above them, so that it comes back as it was
    groups: dict[tuple, list[Any]] = {}
    for r in rows:
        if r.withdrawn_at is not None:
            verb = "merge" if r.action == "merge" else "keep apart"
            gone.append(f"# {verb} {_quote(r.a)} {_quote(r.b)}: withdrawn {r.withdrawn_at:%Y-%m-%d} by {r.withdrawn_by} "
                        f"({' '.join(str(r.withdrawn_reason).split())})")
            continue
        key = (r.action, r.decided_at, r.decided_by, r.reason) if _in_group(r.decided_at) else (r.decision_id,)
        groups.setdefault(key, []).append(r)
    for members in groups.values():
        first = members[0]
        lines += ["", f"# decided by {' '.join(str(first.decided_by).split())} on {first.decided_at:%Y-%m-%d}:",
                  f"# {' '.join(str(first.reason).split())}"]
        lines += [f"{'merge' if r.action == 'merge' else 'keep apart'} {_quote(r.a)} {_quote(r.b)}" for r in members]
    if gone:
        lines += ["", "# withdrawn decisions (no longer applied), for the record:", *gone]
    return "\n".join(lines) + "\n"


def _quote(x: str) -> str:
    import shlex

    return shlex.quote(x)


def import_decisions(engine: sa.Engine, text: str, *, source: str = "<decisions>",
                     user: str | None = None) -> DecisionsImported:
    """Store every decision of a decisions file not already in force.

    The comment line just above a decision becomes its reason. Every id is checked first,
    and every problem (an id the workspace does not hold, a place with a person) is reported
    at once, with its line; then nothing is stored. A decision matching a withdrawn one is
    not brought back (counted in ``withdrawn``).
    """
    parsed = parse_decisions(text, source=source)
    lines = text.splitlines()
    D = db.decisions
    with engine.begin() as conn:
        mentions = _mentions(conn) if any(x.startswith("prov-") for x in parsed.ids) else {}
        plain = sorted(x for x in parsed.ids if not x.startswith(("prov-", LINK_END)))
        known = ({m.record_id: m for m in describe_records(conn, plain)} | mentions
                 | _link_ends(conn, [x for x in parsed.ids if x.startswith(LINK_END)]))
        problems = []
        for d in parsed.items:
            missing = [x for x in (d.a, d.b) if x not in known]
            if missing:
                problems += [f"{source} line {d.line}: {x!r} is not " + (
                    "the end of a link the workspace holds" if x.startswith(LINK_END) else
                    "an RHI mention's id the workspace holds (a record made from a name in a link is decided on "
                    "where it is written: link:<link id>:<side>, see `contextmap decide merge --help`)"
                    if x.startswith("prov-") else "an id the workspace holds") for x in missing]
                continue
            why = _pair_problem(known[d.a], known[d.b])
            if why:
                problems.append(f"{source} line {d.line}: {why}")
        if problems:
            raise WorkspaceError("Expected every decision to name records the workspace holds, instead got "
                                 f"{len(problems)} problem(s); nothing was imported:\n  " + "\n  ".join(problems))
        # a link's end is stored by the link's identity (id@agency): "link:1001:target" typed
        # where one agency sent a 1001 is stored as that agency's link
        stored = Decisions(tuple(replace(d, a=known[d.a].record_id if d.a.startswith(LINK_END) else d.a,
                                         b=known[d.b].record_id if d.b.startswith(LINK_END) else d.b)
                                 for d in parsed.items), source)
        rows = conn.execute(sa.select(D.c.action, D.c.a, D.c.b, D.c.withdrawn_at)).all()
        in_force = {(r.action, *sorted((r.a, r.b))) for r in rows if r.withdrawn_at is None}
        withdrawn = {(r.action, *sorted((r.a, r.b))) for r in rows if r.withdrawn_at is not None} - in_force
        current = read_workspace_decisions(conn)
        fresh = [d for d in stored.items if (d.action, *sorted((d.a, d.b))) not in in_force | withdrawn]
        _check_read(conn, Decisions(current.items + tuple(fresh), source))
        added = already = skipped = 0
        # the lines under one comment are one decision: its reason, and (for links' ends, as the
        # review page writes a record written in several links) one group, withdrawn together
        block = {d.line: _comment_above(lines, d.line) for d in stored.items}
        ends_in = Counter(block[d.line] for d in stored.items
                          if block[d.line] and any(x.startswith(LINK_END) for x in (d.a, d.b)))
        times = {c: _group_time() for c, n in ends_in.items() if n > 1}
        for d in stored.items:
            key = (d.action, *sorted((d.a, d.b)))
            if key in in_force:
                already += 1
                continue
            if key in withdrawn:
                skipped += 1
                continue
            c = block[d.line]
            reason = lines[c - 1].strip().lstrip("#").strip() if c else f"imported from {source} line {d.line}"
            linked = any(x.startswith(LINK_END) for x in (d.a, d.b))
            conn.execute(D.insert().values(action=d.action, a=d.a, b=d.b, reason=reason or f"imported from {source}",
                                           decided_by=_user(user),
                                           decided_at=times.get(c, now_utc()) if linked else now_utc()))
            in_force.add(key)
            added += 1
    return DecisionsImported(added=added, already=already, withdrawn=skipped)


def unread_decisions(engine: sa.Engine) -> str | None:
    """Why decisions in force can no longer be read in the workspace's data (a link's end whose
    name is now another record, or another name), as every resolution would stop on them; None
    when all can. Said at import, so the team learns it then, not when the meeting's pack fails."""
    from contextmap.resolve.decisions import DecisionsError

    with engine.connect() as conn:
        current = read_workspace_decisions(conn)
        if not any(x.startswith(LINK_END) for x in current.ids):
            return None
        try:
            _check_read(conn, current)
        except DecisionsError as exc:
            return str(exc)
    return None

