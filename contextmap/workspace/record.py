"""What the team decides and does, kept in the workspace: decisions, cases, actions, meetings.

* **Decisions**: the analyst's ``merge A B`` / ``keep apart A B``, kept in
  :mod:`contextmap.workspace.decisions` (named here too, for the callers that know them from here).
* **Context cases** on a location, a person or a peer group, linked to the children they
  affect. A location or person case brings the records resolution merges with its subject
  (and the analyst's merge decisions), and links every child the workspace ties to any of
  them (links either way, episodes found there, children living there, RHI mentions
  resolved to it), each with the reason; a group case links the children of a peer group
  (:meth:`contextmap.workspace.Workspace.open_group_case`) or those named. A case may be
  backdated (``opened``); when it was entered is kept too.
* **Actions** on a case: an owning agency, a due date, a text, a status (``open``, ``done``,
  ``dropped``) and an outcome; every change is kept in ``action_events``.
* **Meetings**: each pack built from the workspace is recorded against its meeting (the packs
  for one period are one meeting), with every action's status when the meeting's first pack
  was built, so the next pack can open with what the last meeting asked for. They live in
  :mod:`contextmap.workspace.meetings`; :func:`record_meeting` and :func:`last_meeting` are
  its, named here too for the callers that know them from here.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from contextmap._errors import WorkspaceError
from contextmap.dates import parse_date_option
from contextmap.workspace import db
from contextmap.workspace.decisions import (
    DecisionsImported,
    StoredDecision,
    add_decision,
    decision_id_of,
    decisions_frame,
    decisions_text,
    import_decisions,
    read_workspace_decisions,
    withdraw_decision,
)
from contextmap.workspace.lookup import (
    Match,
    RecordLookupError,
    find_record,
    names_of,
)
from contextmap.workspace.meetings import last_meeting, record_meeting
from contextmap.workspace.store import check_text as _check_text
from contextmap.workspace.store import inserted_id, now_utc, read_dataset, user_name

_user = user_name

__all__ = [
    "CASE_KINDS",
    "ACTION_STATUSES",
    "P_TAGS",
    "check_p",
    "user_name",
    "StoredDecision",
    "DecisionsImported",
    "add_decision",
    "withdraw_decision",
    "decision_id_of",
    "decisions_frame",
    "read_workspace_decisions",
    "decisions_text",
    "import_decisions",
    "open_case",
    "case_subject",
    "link_children",
    "close_case",
    "add_action",
    "update_action",
    "case_id_of",
    "action_id_of",
    "cases_frame",
    "case_children_frame",
    "actions_frame",
    "record_meeting",
    "last_meeting",
]

CASE_KINDS = ("location", "person", "group", "school")
"""What a context case can be about (a school case is on a location record, as a location case is)."""
P_TAGS = ("pursue", "prepare", "protect", "prevent")
"""The 4P tags of an action: pursue offenders, prepare, protect children, prevent harm."""
ACTION_STATUSES = ("open", "done", "dropped")
"""The states of an action."""

_CASE_ID = re.compile(r"^(?:case-)?(\d+)$", re.IGNORECASE)
_ACTION_ID = re.compile(r"^(?:action-)?(\d+)$", re.IGNORECASE)


def case_id_of(text: str | int) -> int:
    """``'case-3'`` (or ``'3'``) as the number 3; a clear error otherwise."""
    m = _CASE_ID.match(str(text).strip())
    if not m:
        raise WorkspaceError(f"Expected a case id such as 'case-3', instead got: {text!r}")
    return int(m.group(1))


def action_id_of(text: str | int) -> int:
    """``'action-7'`` (or ``'7'``) as the number 7; a clear error otherwise."""
    m = _ACTION_ID.match(str(text).strip())
    if not m:
        raise WorkspaceError(f"Expected an action id such as 'action-7', instead got: {text!r}")
    return int(m.group(1))


# --- cases -----------------------------------------------------------------------------


def _opened(value: Any) -> datetime | None:
    """``opened`` read as every date option is (ISO or UK day-first), never in the future."""
    ts = parse_date_option(value, name="opened", kind="date")
    if ts is None:
        return None
    if ts.date() > date.today():
        raise WorkspaceError(f"Expected opened to be today or earlier, instead got a future date: {value!r}")
    return ts.to_pydatetime()


def _merged_by_decisions(conn: sa.Connection, record: str) -> dict[str, str]:
    """Records joined to ``record`` by chains of merge decisions in force: {id: reason}."""
    out: dict[str, str] = {}
    frontier = [record]
    merges = read_workspace_decisions(conn).merges
    while frontier:
        x = frontier.pop()
        for d in merges:
            if x in (d.a, d.b):
                other = d.b if x == d.a else d.a
                if other != record and other not in out:
                    out[other] = f"merged with the subject by the analyst's decision {d.line}"
                    frontier.append(other)
    return out


def case_subject(engine: sa.Engine, subject: Match, *, resolve: bool = True) -> tuple[dict[str, str], dict[str, str]]:
    """The records of a location or person case's subject and the children tied to them.

    Returns ``(records, children)``: ``{record id: why it belongs to the subject}`` (the
    subject itself, and the records entity resolution, with the analyst's decisions in force,
    merges with it; with ``resolve=False`` only those the decisions merge) and ``{child id:
    why the child is linked}`` (links either way to any of the records, episodes found there,
    children living there, and RHI mentions resolution ties to the subject).
    """
    kind = subject.kind
    ds = read_dataset(engine)
    records = {subject.record_id: "the subject"}
    mentions = pd.DataFrame(columns=["entity_id", "child_id", "mention", "provisional", "kind"])
    if resolve:
        from contextmap.resolve import Resolution, resolve_dataset

        with engine.connect() as conn:
            dec = read_workspace_decisions(conn)
        out = resolve_dataset(ds, decisions=dec, persons=kind == "person", locations=kind == "location")
        res = out.resolution
        assert isinstance(res, Resolution)
        ents = res.entities
        entity = dict(zip(ents["record_id"].astype(str), ents["entity_id"].astype(str), strict=True)).get(
            subject.record_id, subject.record_id)
        same = ents[ents["entity_id"].astype(str) == entity]
        decided = set(dec.ids)
        for r in same.itertuples():
            rid = str(r.record_id)
            if rid != subject.record_id:
                records[rid] = ("merged with the subject by the analyst's decision" if rid in decided and bool(getattr(r, "decided", False))
                                else f"merged with the subject by entity resolution (confidence {float(r.confidence):.2f})")
        mentions = res.mentions
        mentions = mentions[(mentions["entity_id"].astype(str) == entity) & ~mentions["provisional"].astype(bool)]
    else:
        with engine.connect() as conn:
            records |= _merged_by_decisions(conn, subject.record_id)
    kids = set(ds.children["child_id"].astype(str))
    recs = set(records)
    why: dict[str, Counter] = {}

    def note(child: str, what: str, via: str = "") -> None:
        why.setdefault(child, Counter())[(what, "" if via == subject.record_id else via)] += 1

    L = ds.links
    for end, other in (("source_id", "target_id"), ("target_id", "source_id")):
        hit = L[L[end].astype(str).isin(recs) & L[other].astype(str).isin(kids)]
        for child, rel, rec in zip(hit[other].astype(str), hit["relation"].astype(str), hit[end].astype(str), strict=True):
            note(child, f"{rel.replace('_', ' ')} link", rec)
    if kind == "location":
        E = ds.episodes
        found_at = E[E["found_location_id"].astype(str).isin(recs)]
        for child, rec in zip(found_at["child_id"].astype(str), found_at["found_location_id"].astype(str), strict=True):
            note(child, "episode found there", rec)
        C = ds.children
        for child, rec in zip(C["child_id"].astype(str), C["home_location_id"].astype(str), strict=True):
            if rec in recs:
                note(child, "lives there", rec)
    for child, mention in zip(mentions["child_id"].astype(str), mentions["mention"].astype(str), strict=True):
        if child in kids:
            note(child, f"named in a return home interview as {mention!r}")
    for rec in recs & kids:  # a child record merged with the subject (a child-person merge)
        note(rec, "the same person as the subject (merged record)")

    def words(cnt: Counter) -> str:
        by_what: dict[str, tuple[int, list[str]]] = {}
        for (what, via), n in sorted(cnt.items()):
            total, vias = by_what.get(what, (0, []))
            by_what[what] = (total + n, vias + [via or "the subject"])
        parts = []
        for what, (n, vias) in by_what.items():
            plural = what.endswith(("link", "episode found there"))
            text = (f"{n} {what.replace('link', 'links').replace('episode ', 'episodes ')}" if plural and n > 1
                    else f"{what}{f' ({n} times)' if n > 1 and not plural else ''}")
            if vias != ["the subject"] * len(vias):
                text += f" (via {', '.join(dict.fromkeys(vias))})"
            parts.append(text)
        return "; ".join(parts)

    children = {c: words(cnt) for c, cnt in sorted(why.items())}
    return records, children


def open_case(engine: sa.Engine, *, kind: str, subject: str, title: str, children: list[str] | tuple[str, ...] = (),
              opened: Any = None, resolve: bool = True, basis: str | None = None, child_reason: str | None = None,
              user: str | None = None) -> int:
    """Open a context case and return its number (shown as ``case-N``).

    Parameters
    ----------
    kind
        ``'location'``, ``'person'``, ``'group'`` or ``'school'`` (a school's location record).
    subject
        For a location, school or person: its id, or a name only one such record has (see
        :func:`~contextmap.workspace.lookup.find_record`). For a group: a label (the
        children are given in ``children``; :meth:`contextmap.workspace.Workspace.open_group_case`
        takes a peer group from an analysis).
    title
        What the case is, in the team's words.
    children
        Children to link (ids or unique names) besides those the workspace ties to the subject.
    opened
        When the case was opened, if earlier than today (ISO or UK day-first date).
    resolve
        Bring the records entity resolution merges with the subject (see :func:`case_subject`).
    basis, child_reason
        What linked the children (kept with the case) and the reason stored for each child
        named in ``children`` (default: named when the case was opened).

    Raises
    ------
    WorkspaceError
        For an unknown kind, a subject or child that names no record or several (listing the
        candidates), a future ``opened`` date, or a group case with no children.
    """
    if kind not in CASE_KINDS:
        raise WorkspaceError(f"Expected kind to be one of {list(CASE_KINDS)}, instead got: {kind!r}")
    subject, title = _check_text(subject, "subject"), _check_text(title, "title")
    when = _opened(opened)
    named = _checked_children(engine, children)
    records: dict[str, str] = {}
    linked: dict[str, str] = {}
    subject_id = subject
    if kind in ("location", "person", "school"):
        found = find_record(engine, subject, kinds=("location",) if kind == "school" else (kind,), argument="subject")
        subject_id = found.record_id
        records, linked = case_subject(engine, found, resolve=resolve)
        basis = basis or ("records tying a child to the subject or to a record merged with it" if resolve
                          else "records tying a child to the subject (or records merged with it by decision)")
    elif not named:
        raise WorkspaceError(f"Expected a group case to link children, instead got none for {subject!r}: name "
                             "them (children=...; --child), or take a peer group from an analysis "
                             "(Workspace.open_group_case; contextmap case open --kind group --subject PG3)")
    reason = child_reason or "named when the case was opened"
    for m in named:
        linked[m.record_id] = f"{linked[m.record_id]}; {reason}" if m.record_id in linked else reason
    now = now_utc()
    with engine.begin() as conn:
        case_id = inserted_id(conn.execute(db.cases.insert().values(
            kind=kind, subject_id=subject_id, title=title, status="open", opened_at=when or now,
            opened_by=_user(user), recorded_at=now, basis=basis or "children named when the case was opened",
        )))
        if records:
            conn.execute(db.case_subjects.insert(), [{"case_id": case_id, "record_id": r, "reason": why}
                                                     for r, why in records.items()])
        _link(conn, case_id, linked, now)
    return case_id


def _checked_children(engine_or_conn: sa.Engine | sa.Connection, children: list[str] | tuple[str, ...]) -> list[Match]:
    """Each child (id or unique name) as its record; every problem reported at once."""
    if isinstance(children, str):
        children = [children]
    found: list[Match] = []
    problems: list[str] = []
    for c in children:
        try:
            found.append(find_record(engine_or_conn, c, kinds=("child",), argument="--child"))
        except RecordLookupError as exc:
            problems.append(str(exc))
    if problems:
        raise WorkspaceError("\n".join(problems))
    return list({m.record_id: m for m in found}.values())


def _link(conn: sa.Connection, case_id: int, children: dict[str, str], when: datetime) -> list[str]:
    CC = db.case_children
    have = {str(x) for x in conn.execute(sa.select(CC.c.child_id).where(CC.c.case_id == case_id)).scalars()}
    new = [c for c in children if c not in have]
    if new:
        conn.execute(CC.insert(), [{"case_id": case_id, "child_id": c, "linked_at": when, "reason": children[c]}
                                   for c in new])
    return new


def _case_row(conn: sa.Connection, case_id: int) -> Any:
    row = conn.execute(sa.select(db.cases).where(db.cases.c.case_id == case_id)).first()
    if row is None:
        raise WorkspaceError(f"no case case-{case_id} in this workspace")
    return row


def link_children(engine: sa.Engine, case: str | int, children: list[str], *,
                  reason: str = "linked to the case by hand") -> list[Match]:
    """Link more children (ids or unique names) to a case; return those new to it."""
    case_id = case_id_of(case)
    named = _checked_children(engine, children)
    with engine.begin() as conn:
        _case_row(conn, case_id)
        new = set(_link(conn, case_id, {m.record_id: reason for m in named}, now_utc()))
    return [m for m in named if m.record_id in new]


def close_case(engine: sa.Engine, case: str | int) -> None:
    """Close a case (its actions and history are kept)."""
    case_id = case_id_of(case)
    with engine.begin() as conn:
        _case_row(conn, case_id)
        conn.execute(db.cases.update().where(db.cases.c.case_id == case_id)
                     .values(status="closed", closed_at=now_utc()))


# --- actions ---------------------------------------------------------------------------


def _due(value: Any) -> date | None:
    """A due date read as every date option is: ISO or UK day-first (``01/12/2026`` is 1 December)."""
    if value is None or value == "":
        return None
    ts = parse_date_option(value, name="due", kind="date")
    return None if ts is None else ts.date()


def check_p(value: str | None) -> str | None:
    """A 4P tag as stored (``'Protect'`` is ``'protect'``); ``None`` stays ``None``.

    Examples
    --------
    >>> check_p(" Pursue "), check_p(None)
    ('pursue', None)
    """
    if value is None:
        return None
    tag = str(value).strip().lower()
    if tag not in P_TAGS:
        raise WorkspaceError(f"Expected --p to be one of {list(P_TAGS)}, instead got: {value!r}")
    return tag


def add_action(engine: sa.Engine, case: str | int, *, owner: str, due: Any, text: str,
               p: str | None = None, user: str | None = None) -> int:
    """Add an open action to a case; return its number (shown as ``action-N``).

    ``p`` is the action's 4P tag (:data:`P_TAGS`), or ``None``."""
    case_id = case_id_of(case)
    owner, text = _check_text(owner, "owner"), _check_text(text, "text")
    tag = check_p(p)
    when = _due(due)
    with engine.begin() as conn:
        row = _case_row(conn, case_id)
        if row.status != "open":
            raise WorkspaceError(f"case-{case_id} is closed: open a new case to add actions")
        now = now_utc()
        action_id = inserted_id(conn.execute(db.actions.insert().values(
            case_id=case_id, owner=owner, due=when, text=text, status="open", outcome=None,
            created_at=now, created_by=_user(user), updated_at=now, p=tag,
        )))
        conn.execute(db.action_events.insert().values(action_id=action_id, at=now, by_user=_user(user),
                                                      status="open", outcome=None))
    return action_id


def update_action(engine: sa.Engine, action: str | int, *, status: str | None = None,
                  outcome: str | None = None, p: str | None = None, user: str | None = None) -> None:
    """Change an action's status, outcome and/or 4P tag (a change of status or outcome is kept
    in its history)."""
    action_id = action_id_of(action)
    if status is not None and status not in ACTION_STATUSES:
        raise WorkspaceError(f"Expected status to be one of {list(ACTION_STATUSES)}, instead got: {status!r}")
    if status is None and outcome is None and p is None:
        raise WorkspaceError("Expected --status, --outcome or --p, instead got none of them")
    tag = check_p(p)
    A = db.actions
    with engine.begin() as conn:
        row = conn.execute(sa.select(A).where(A.c.action_id == action_id)).first()
        if row is None:
            raise WorkspaceError(f"no action action-{action_id} in this workspace")
        values: dict[str, Any] = {"updated_at": now_utc()}
        if status is not None:
            values["status"] = status
        if outcome is not None:
            values["outcome"] = outcome.strip()
        if tag is not None:
            values["p"] = tag
        conn.execute(A.update().where(A.c.action_id == action_id).values(**values))
        conn.execute(db.action_events.insert().values(
            action_id=action_id, at=values["updated_at"], by_user=_user(user),
            status=values.get("status", row.status), outcome=values.get("outcome", row.outcome)))


# --- reading ---------------------------------------------------------------------------


def cases_frame(engine: sa.Engine) -> pd.DataFrame:
    """One row per case, for the CLI and the pack.

    Columns: the stored ``case_id``, ``kind``, ``subject_id``, ``title``, ``status``,
    ``opened_at`` (possibly backdated), ``opened_by``, ``closed_at``, ``recorded_at``
    (when it was entered; missing for cases older than migration 0003) and ``basis`` (what
    linked its children); and ``case`` (``'case-N'``), ``subject_name`` (the subject's
    current name; ``None`` for a group), ``subject_records`` (the subject's records: the
    subject and those merged with it when the case was opened), ``children`` (child ids, a
    list), ``child_names`` (their current names, aligned with ``children``; ``None`` where a
    child has no name) and ``open_actions``. Names are as recorded: redact them before
    showing them to an audience that may not see them.
    """
    C, CC, CS, A = db.cases, db.case_children, db.case_subjects, db.actions
    with engine.connect() as conn:
        cases = pd.DataFrame(conn.execute(sa.select(C).order_by(C.c.case_id)).mappings().all(),
                             columns=[c.name for c in C.columns])
        links = conn.execute(sa.select(CC.c.case_id, CC.c.child_id).order_by(CC.c.child_id)).all()
        subjects = conn.execute(sa.select(CS.c.case_id, CS.c.record_id).order_by(CS.c.case_id, CS.c.record_id)).all()
        acts = conn.execute(sa.select(A.c.case_id, A.c.status)).all()
        names = names_of(conn, {str(c) for _, c in links}
                               | set(cases.loc[cases["kind"] != "group", "subject_id"].astype(str)))
    kids: dict[int, list[str]] = {}
    for cid, child in links:
        kids.setdefault(int(cid), []).append(str(child))
    recs: dict[int, list[str]] = {}
    for cid, rec in subjects:
        recs.setdefault(int(cid), []).append(str(rec))
    open_n: dict[int, int] = {}
    for cid, st in acts:
        if st == "open":
            open_n[int(cid)] = open_n.get(int(cid), 0) + 1
    cases["case"] = [f"case-{i}" for i in cases["case_id"]]
    cases["subject_name"] = [None if k == "group" else names.get(str(s)) for k, s in zip(cases["kind"], cases["subject_id"], strict=True)]
    cases["subject_records"] = [
        [str(s)] + [r for r in recs.get(int(i), []) if r != str(s)] if k != "group" else []
        for i, k, s in zip(cases["case_id"], cases["kind"], cases["subject_id"], strict=True)]
    cases["children"] = [kids.get(int(i), []) for i in cases["case_id"]]
    cases["child_names"] = [[names.get(c) for c in kids.get(int(i), [])] for i in cases["case_id"]]
    cases["open_actions"] = [open_n.get(int(i), 0) for i in cases["case_id"]]
    return cases


def case_children_frame(engine: sa.Engine, case: str | int | None = None) -> pd.DataFrame:
    """One row per child linked to a case (all cases, or ``case``): ``case``, ``case_id``,
    ``child_id``, ``name`` (current), ``linked_at`` and ``reason`` (why the child is linked:
    the records tying them to the subject, the peer group, or named by hand)."""
    CC = db.case_children
    stmt = sa.select(CC).order_by(CC.c.case_id, CC.c.child_id)
    if case is not None:
        stmt = stmt.where(CC.c.case_id == case_id_of(case))
    with engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
        frame = pd.DataFrame(rows, columns=[c.name for c in CC.columns])
        names = names_of(conn, set(frame["child_id"].astype(str)))
    frame.insert(0, "case", [f"case-{i}" for i in frame["case_id"]])
    frame.insert(3, "name", [names.get(str(c)) for c in frame["child_id"]])
    return frame


def actions_frame(engine: sa.Engine, *, as_of: Any = None) -> pd.DataFrame:
    """One row per action with its case, and ``overdue`` (open and due before ``as_of``, default today)."""
    A, C = db.actions, db.cases
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(A, C.c.kind, C.c.subject_id, C.c.title).join(C, C.c.case_id == A.c.case_id)
            .order_by(A.c.action_id)).mappings().all()
    cols = [c.name for c in A.columns] + ["kind", "subject_id", "title"]
    frame = pd.DataFrame(rows, columns=cols)
    today = pd.Timestamp(as_of if as_of is not None else date.today()).normalize()
    due = pd.to_datetime(frame["due"])
    frame["overdue"] = (frame["status"] == "open") & due.notna() & (due < today)
    frame["action"] = [f"action-{i}" for i in frame["action_id"]]
    frame["case"] = [f"case-{i}" for i in frame["case_id"]]
    return frame
