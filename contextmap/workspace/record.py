"""What the team decides and does, kept in the workspace: decisions, cases, actions, meetings.

* **Decisions**: the analyst's ``merge A B`` / ``keep apart A B`` with a reason, who and when;
  read back as :class:`~contextmap.resolve.decisions.Decisions` for every resolution step,
  and exported to (or imported from) a decisions file.
* **Context cases** on a location, a person or a peer group, linked to the children they
  affect (for a location or person: every child the workspace links to it when the case is
  opened, plus any named).
* **Actions** on a case: an owning agency, a due date, a text, a status (``open``, ``done``,
  ``dropped``) and an outcome; every change is kept in ``action_events``.
* **Meetings**: each pack built from the workspace records one, with every action's status
  at that moment, so the next pack can open with what the last meeting asked for.
"""

from __future__ import annotations

import getpass
import re
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from contextmap._errors import WorkspaceError
from contextmap.resolve.decisions import Decision, Decisions, check_consistent, parse_decisions
from contextmap.workspace import db
from contextmap.workspace.store import inserted_id, now_utc

__all__ = [
    "CASE_KINDS",
    "ACTION_STATUSES",
    "add_decision",
    "read_workspace_decisions",
    "decisions_text",
    "import_decisions",
    "open_case",
    "link_children",
    "close_case",
    "add_action",
    "update_action",
    "case_id_of",
    "action_id_of",
    "cases_frame",
    "actions_frame",
    "record_meeting",
    "last_meeting",
]

CASE_KINDS = ("location", "person", "group")
"""What a context case can be about."""
ACTION_STATUSES = ("open", "done", "dropped")
"""The states of an action."""

_CASE_ID = re.compile(r"^(?:case-)?(\d+)$", re.IGNORECASE)
_ACTION_ID = re.compile(r"^(?:action-)?(\d+)$", re.IGNORECASE)


def _user(user: str | None) -> str:
    return user or getpass.getuser()


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


def _check_text(value: str, argument: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WorkspaceError(f"Expected {argument} to be a non-empty text, instead got: {value!r}")
    return value.strip()


def _known_ids(conn: sa.Connection, table: str) -> set[str]:
    T = db.DATA_TABLES[table]
    return {str(k) for k in conn.execute(sa.select(T.c.record_key).where(T.c.is_current)).scalars()}


def _check_entity(conn: sa.Connection, entity_id: str, *, tables: tuple[str, ...], argument: str) -> None:
    for table in tables:
        T = db.DATA_TABLES[table]
        hit = conn.execute(sa.select(T.c.row_id).where(T.c.is_current, T.c.record_key == entity_id).limit(1)).first()
        if hit is not None:
            return
    raise WorkspaceError(f"Expected {argument} to be an id held in the workspace ({', '.join(tables)}), "
                         f"instead got: {entity_id!r}")


# --- decisions -----------------------------------------------------------------------------


def add_decision(engine: sa.Engine, action: str, a: str, b: str, *, reason: str, user: str | None = None) -> int:
    """Store one decision (``'merge'`` or ``'keep_apart'``) and return its number.

    The decisions already stored plus this one must stay consistent (no chain of merges
    joining two records kept apart); otherwise :class:`~contextmap.resolve.decisions.DecisionsError`.
    """
    if action not in ("merge", "keep_apart"):
        raise WorkspaceError(f"Expected action to be 'merge' or 'keep_apart', instead got: {action!r}")
    a, b = _check_text(a, "A"), _check_text(b, "B")
    if a == b:
        raise WorkspaceError(f"Expected two different ids, instead got {a!r} twice")
    reason = _check_text(reason, "reason")
    with engine.begin() as conn:
        current = read_workspace_decisions(conn)
        check_consistent(Decisions(current.items + (Decision(action, a, b, 0, "new decision"),),  # type: ignore[arg-type]
                                   current.source))
        return inserted_id(conn.execute(db.decisions.insert().values(
            action=action, a=a, b=b, reason=reason, decided_by=_user(user), decided_at=now_utc(),
        )))


def read_workspace_decisions(conn_or_engine: sa.Engine | sa.Connection) -> Decisions:
    """Every stored decision, oldest first, as the object resolution takes."""
    D = db.decisions

    def run(conn: sa.Connection) -> Decisions:
        rows = conn.execute(sa.select(D.c.decision_id, D.c.action, D.c.a, D.c.b).order_by(D.c.decision_id)).all()
        return Decisions(tuple(Decision(r.action, r.a, r.b, int(r.decision_id), "workspace decision")
                               for r in rows), "workspace decisions")

    if isinstance(conn_or_engine, sa.Engine):
        with conn_or_engine.connect() as conn:
            return run(conn)
    return run(conn_or_engine)


def decisions_text(engine: sa.Engine) -> str:
    """The stored decisions as a decisions file (each preceded by its reason, who and when)."""
    D = db.decisions
    with engine.connect() as conn:
        rows = conn.execute(sa.select(D).order_by(D.c.decision_id)).all()
    lines = ["# decisions exported from a contextmap workspace"]
    for r in rows:
        why = " ".join(str(r.reason).split())
        lines.append(f"# {why} ({r.decided_by}, {r.decided_at:%Y-%m-%d})")
        verb = "merge" if r.action == "merge" else "keep apart"
        lines.append(f"{verb} {_quote(r.a)} {_quote(r.b)}")
    return "\n".join(lines) + "\n"


def _quote(x: str) -> str:
    import shlex

    return shlex.quote(x)


def import_decisions(engine: sa.Engine, text: str, *, source: str = "<decisions>", user: str | None = None) -> int:
    """Store every decision of a decisions file not already stored; return how many were added.

    The comment line just above a decision becomes its reason.
    """
    parsed = parse_decisions(text, source=source)
    lines = text.splitlines()
    D = db.decisions
    added = 0
    with engine.begin() as conn:
        have = {(r.action, *sorted((r.a, r.b))) for r in conn.execute(sa.select(D.c.action, D.c.a, D.c.b))}
        combined = read_workspace_decisions(conn)
        check_consistent(Decisions(combined.items + parsed.items, source))
        for d in parsed.items:
            key = (d.action, *sorted((d.a, d.b)))
            if key in have:
                continue
            above = lines[d.line - 2].strip() if d.line >= 2 else ""
            reason = above.lstrip("#").strip() if above.startswith("#") else f"imported from {source} line {d.line}"
            conn.execute(D.insert().values(action=d.action, a=d.a, b=d.b, reason=reason or f"imported from {source}",
                                           decided_by=_user(user), decided_at=now_utc()))
            have.add(key)
            added += 1
    return added


# --- cases -----------------------------------------------------------------------------


def _children_linked_to(conn: sa.Connection, subject: str, kind: str) -> set[str]:
    L, E, C = db.DATA_TABLES["links"], db.DATA_TABLES["episodes"], db.DATA_TABLES["children"]
    kids = set(_known_ids(conn, "children")) if kind in ("location", "person") else set()
    out: set[str] = set()
    for end, other in ((L.c.source_id, L.c.target_id), (L.c.target_id, L.c.source_id)):
        out |= {str(x) for x in conn.execute(sa.select(other).where(L.c.is_current, end == subject)).scalars()}
    if kind == "location":
        out |= {str(x) for x in conn.execute(
            sa.select(E.c.child_id).where(E.c.is_current, E.c.found_location_id == subject)).scalars()}
        out |= {str(x) for x in conn.execute(
            sa.select(C.c.child_id).where(C.c.is_current, C.c.home_location_id == subject)).scalars()}
    return out & kids


def open_case(engine: sa.Engine, *, kind: str, subject: str, title: str, children: list[str] | tuple[str, ...] = (),
              user: str | None = None) -> int:
    """Open a context case and return its number (shown as ``case-N``).

    Parameters
    ----------
    kind
        ``'location'``, ``'person'`` or ``'group'``.
    subject
        A location or person id held in the workspace; for a group, a label of the team's
        choosing (the group's children are named with ``children``).
    title
        What the case is, in the team's words.
    children
        Children to link besides those the workspace already links to the subject.
    """
    if kind not in CASE_KINDS:
        raise WorkspaceError(f"Expected kind to be one of {list(CASE_KINDS)}, instead got: {kind!r}")
    subject, title = _check_text(subject, "subject"), _check_text(title, "title")
    with engine.begin() as conn:
        if kind == "location":
            _check_entity(conn, subject, tables=("locations",), argument="subject")
        elif kind == "person":
            _check_entity(conn, subject, tables=("persons",), argument="subject")
        now = now_utc()
        case_id = inserted_id(conn.execute(db.cases.insert().values(
            kind=kind, subject_id=subject, title=title, status="open", opened_at=now, opened_by=_user(user),
        )))
        linked = _children_linked_to(conn, subject, kind)
        _link(conn, case_id, sorted(linked | set(_checked_children(conn, children))), now)
    return case_id


def _checked_children(conn: sa.Connection, children: list[str] | tuple[str, ...]) -> list[str]:
    known = _known_ids(conn, "children")
    bad = [c for c in children if c not in known]
    if bad:
        raise WorkspaceError(f"Expected children held in the workspace, instead got unknown ids: {bad!r}")
    return list(children)


def _link(conn: sa.Connection, case_id: int, children: list[str], when: datetime) -> int:
    CC = db.case_children
    have = {str(x) for x in conn.execute(sa.select(CC.c.child_id).where(CC.c.case_id == case_id)).scalars()}
    new = [c for c in children if c not in have]
    if new:
        conn.execute(CC.insert(), [{"case_id": case_id, "child_id": c, "linked_at": when} for c in new])
    return len(new)


def _case_row(conn: sa.Connection, case_id: int) -> Any:
    row = conn.execute(sa.select(db.cases).where(db.cases.c.case_id == case_id)).first()
    if row is None:
        raise WorkspaceError(f"no case case-{case_id} in this workspace")
    return row


def link_children(engine: sa.Engine, case: str | int, children: list[str]) -> int:
    """Link more children to a case; return how many were new to it."""
    case_id = case_id_of(case)
    with engine.begin() as conn:
        _case_row(conn, case_id)
        return _link(conn, case_id, _checked_children(conn, children), now_utc())


def close_case(engine: sa.Engine, case: str | int) -> None:
    """Close a case (its actions and history are kept)."""
    case_id = case_id_of(case)
    with engine.begin() as conn:
        _case_row(conn, case_id)
        conn.execute(db.cases.update().where(db.cases.c.case_id == case_id)
                     .values(status="closed", closed_at=now_utc()))


# --- actions ---------------------------------------------------------------------------


def _due(value: Any) -> date | None:
    if value is None or value == "":
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if pd.isna(ts):
        raise WorkspaceError(f"Expected due to be a date such as '2026-12-31', instead got: {value!r}")
    return ts.date()


def add_action(engine: sa.Engine, case: str | int, *, owner: str, due: Any, text: str,
               user: str | None = None) -> int:
    """Add an open action to a case; return its number (shown as ``action-N``)."""
    case_id = case_id_of(case)
    owner, text = _check_text(owner, "owner"), _check_text(text, "text")
    when = _due(due)
    with engine.begin() as conn:
        row = _case_row(conn, case_id)
        if row.status != "open":
            raise WorkspaceError(f"case-{case_id} is closed: open a new case to add actions")
        now = now_utc()
        action_id = inserted_id(conn.execute(db.actions.insert().values(
            case_id=case_id, owner=owner, due=when, text=text, status="open", outcome=None,
            created_at=now, created_by=_user(user), updated_at=now,
        )))
        conn.execute(db.action_events.insert().values(action_id=action_id, at=now, by_user=_user(user),
                                                      status="open", outcome=None))
    return action_id


def update_action(engine: sa.Engine, action: str | int, *, status: str | None = None,
                  outcome: str | None = None, user: str | None = None) -> None:
    """Change an action's status and/or outcome (the change is kept in its history)."""
    action_id = action_id_of(action)
    if status is not None and status not in ACTION_STATUSES:
        raise WorkspaceError(f"Expected status to be one of {list(ACTION_STATUSES)}, instead got: {status!r}")
    if status is None and outcome is None:
        raise WorkspaceError("Expected --status or --outcome (or both), instead got neither")
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
        conn.execute(A.update().where(A.c.action_id == action_id).values(**values))
        conn.execute(db.action_events.insert().values(
            action_id=action_id, at=values["updated_at"], by_user=_user(user),
            status=values.get("status", row.status), outcome=values.get("outcome", row.outcome)))


# --- reading ---------------------------------------------------------------------------


def cases_frame(engine: sa.Engine) -> pd.DataFrame:
    """One row per case with its linked children (a list) and counts of open actions."""
    C, CC, A = db.cases, db.case_children, db.actions
    with engine.connect() as conn:
        cases = pd.DataFrame(conn.execute(sa.select(C).order_by(C.c.case_id)).mappings().all(),
                             columns=[c.name for c in C.columns])
        links = conn.execute(sa.select(CC.c.case_id, CC.c.child_id).order_by(CC.c.child_id)).all()
        acts = conn.execute(sa.select(A.c.case_id, A.c.status)).all()
    kids: dict[int, list[str]] = {}
    for cid, child in links:
        kids.setdefault(int(cid), []).append(str(child))
    open_n: dict[int, int] = {}
    for cid, st in acts:
        if st == "open":
            open_n[int(cid)] = open_n.get(int(cid), 0) + 1
    cases["case"] = [f"case-{i}" for i in cases["case_id"]]
    cases["children"] = [kids.get(int(i), []) for i in cases["case_id"]]
    cases["open_actions"] = [open_n.get(int(i), 0) for i in cases["case_id"]]
    return cases


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


def record_meeting(engine: sa.Engine, *, period: tuple[Any, Any], audience: str, audit_entry: str | None) -> int:
    """Record a meeting (a pack built from the workspace) with every action's status now."""
    def d(v: Any) -> date | None:
        return None if v is None or pd.isna(v) else pd.Timestamp(v).date()

    with engine.begin() as conn:
        meeting_id = inserted_id(conn.execute(db.meetings.insert().values(
            held_at=now_utc(), period_start=d(period[0]), period_end=d(period[1]), audience=audience,
            audit_entry=audit_entry)))
        rows = conn.execute(sa.select(db.actions.c.action_id, db.actions.c.status)).all()
        if rows:
            conn.execute(db.meeting_actions.insert(),
                         [{"meeting_id": meeting_id, "action_id": a, "status": s} for a, s in rows])
    return meeting_id


def last_meeting(engine: sa.Engine) -> dict[str, Any] | None:
    """The latest recorded meeting with ``statuses`` ({action_id: status then}), or ``None``."""
    M, MA = db.meetings, db.meeting_actions
    with engine.connect() as conn:
        row = conn.execute(sa.select(M).order_by(M.c.meeting_id.desc()).limit(1)).mappings().first()
        if row is None:
            return None
        statuses = dict(conn.execute(sa.select(MA.c.action_id, MA.c.status)
                                     .where(MA.c.meeting_id == row["meeting_id"])).all())
    return {**dict(row), "statuses": {int(k): str(v) for k, v in statuses.items()}}
