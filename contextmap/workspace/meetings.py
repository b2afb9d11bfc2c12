"""Meetings: the packs built for one meeting are one meeting, known by the pack's period.

A team builds several packs for one meeting (an internal pack for the chair, a partner pack,
a police pack) and may rebuild one after a fix. Every pack built from a workspace adds a row
to the ``meetings`` table (when it was built, its period, its audience, its audit entry), and
the rows are read back as meetings by these rules:

* **A meeting is its period.** Every pack whose period (first and last day) is the same
  belongs to the same meeting, whatever its audience and however often it is rebuilt. The
  meeting was **held** when its first pack was built (``held_at``): that is the moment "what
  the meeting had seen" is taken at.
* **Action statuses are taken once**, when the meeting's first pack is built. A later pack of
  the same meeting does not update them: the packs of one meeting all show the same "at the
  last meeting" column, and what changed after the first pack (an action closed at the
  meeting itself) is reported at the next meeting, never lost between two packs.
* **The last meeting before a pack** is the recorded meeting whose period ends latest while
  still ending *before* the pack's period ends (``period_end`` strictly earlier; of two ending
  on the same day, the one held last). The pack's own meeting is never its last meeting, so
  the partner pack and a rebuild compare with the same meeting as the internal pack did; a
  pack for the next period compares with this meeting. A pack for an earlier period (built
  later, say for a review) compares with the meeting before that period, not with today's.
* **The latest meeting** (the workspace's status, a group case's default period) is the
  meeting whose period ends latest (ties: held last).

A meeting whose period has no last day (a row written by hand) ends on the day it was held.
The schema needs no change: the rules read the columns every workspace has. A new meeting
needs a new period: the pack's default period ends on the data's latest date, which moves on
when a new month is imported; give ``--to`` when it does not.

Examples
--------
>>> import tempfile, pathlib
>>> from contextmap.workspace import init_workspace
>>> ws = init_workspace(pathlib.Path(tempfile.mkdtemp()) / "team.cmw")
>>> september = ("2026-09-01", "2026-09-30")
>>> first = record_meeting(ws.engine, period=september, audience="internal", audit_entry="a1")
>>> record_meeting(ws.engine, period=september, audience="partner", audit_entry="a2") == first
True
>>> last_meeting(ws.engine, before=september) is None  # no meeting before September's
True
>>> _ = record_meeting(ws.engine, period=("2026-10-01", "2026-10-31"), audience="internal", audit_entry="a3")
>>> m = last_meeting(ws.engine, before=("2026-10-01", "2026-10-31"))
>>> str(m["period_end"]), m["audiences"]
('2026-09-30', ['internal', 'partner'])
>>> len(meetings_frame(ws.engine)), int(meetings_frame(ws.engine)["packs"].sum())
(2, 3)
>>> meeting_of(ws.engine, september)["packs"], meeting_of(ws.engine, ("2026-11-01", "2026-11-30"))
(2, None)
>>> ws.close()
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from contextmap.workspace import db
from contextmap.workspace.store import inserted_id, now_utc

__all__ = ["MEETING_COLUMNS", "meeting_period", "meetings_frame", "meeting_of", "record_meeting", "last_meeting"]

MEETING_COLUMNS = ("meeting_id", "held_at", "period_start", "period_end", "ends", "packs", "audiences",
                   "audit_entries", "pack_ids", "last_built_at")
"""The columns of :func:`meetings_frame`."""


def _day(v: Any) -> date | None:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else pd.Timestamp(v).date()


def meeting_period(period: tuple[Any, Any]) -> tuple[date | None, date | None]:
    """A pack's period as the days a meeting is known by (dates, either ``None``).

    Examples
    --------
    >>> meeting_period(("2026-09-01", pd.Timestamp("2026-09-30 00:00")))
    (datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))
    """
    return _day(period[0]), _day(period[1])


def _packs(conn: sa.Connection) -> list[dict[str, Any]]:
    M = db.meetings
    return [dict(r) for r in conn.execute(sa.select(M).order_by(M.c.meeting_id)).mappings().all()]


def _group(packs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pack rows as meetings, oldest end first (see the module docstring)."""
    meetings: dict[tuple[date | None, date | None], dict[str, Any]] = {}
    for p in packs:
        key = (_day(p["period_start"]), _day(p["period_end"]))
        m = meetings.get(key)
        if m is None:
            held = pd.Timestamp(p["held_at"]).to_pydatetime()
            meetings[key] = m = {
                "meeting_id": int(p["meeting_id"]), "held_at": held, "period_start": key[0], "period_end": key[1],
                "ends": key[1] if key[1] is not None else held.date(), "audience": p["audience"],
                "audit_entry": p["audit_entry"], "packs": 0, "audiences": [], "audit_entries": [], "pack_ids": [],
                "last_built_at": held}
        m["packs"] += 1
        m["pack_ids"].append(int(p["meeting_id"]))
        if p["audience"] not in m["audiences"]:
            m["audiences"].append(p["audience"])
        if p["audit_entry"]:
            m["audit_entries"].append(p["audit_entry"])
        m["last_built_at"] = max(m["last_built_at"], pd.Timestamp(p["held_at"]).to_pydatetime())
    return sorted(meetings.values(), key=lambda m: (m["ends"], m["held_at"], m["meeting_id"]))


def meetings_frame(engine: sa.Engine) -> pd.DataFrame:
    """One row per meeting, oldest end first: ``meeting_id`` (its first pack's row),
    ``held_at`` (when its first pack was built), ``period_start``, ``period_end``, ``ends``
    (the last day, or the day held when the period has none), ``packs`` (how many were built
    for it), ``audiences`` and ``audit_entries`` (lists, in the order built), ``pack_ids``
    and ``last_built_at``."""
    with engine.connect() as conn:
        rows = _group(_packs(conn))
    return pd.DataFrame(rows, columns=list(MEETING_COLUMNS))


def meeting_of(engine: sa.Engine, period: tuple[Any, Any]) -> dict[str, Any] | None:
    """The recorded meeting a pack for ``period`` belongs to (the columns of
    :func:`meetings_frame`), or ``None`` when no pack for that period was recorded."""
    key = meeting_period(period)
    with engine.connect() as conn:
        return next((m for m in _group(_packs(conn)) if (m["period_start"], m["period_end"]) == key), None)


def record_meeting(engine: sa.Engine, *, period: tuple[Any, Any], audience: str, audit_entry: str | None) -> int:
    """Record a pack built from the workspace against its meeting; return the meeting's id.

    A pack whose period is a recorded meeting's belongs to that meeting: its row records the
    audience and the audit entry, and the action statuses stay those taken when the meeting's
    first pack was built. A pack for a new period starts a meeting and takes every action's
    status now.
    """
    key = meeting_period(period)
    with engine.begin() as conn:
        same = [p for p in _packs(conn) if (_day(p["period_start"]), _day(p["period_end"])) == key]
        row_id = inserted_id(conn.execute(db.meetings.insert().values(
            held_at=now_utc(), period_start=key[0], period_end=key[1], audience=audience, audit_entry=audit_entry)))
        if same:
            return int(same[0]["meeting_id"])
        rows = conn.execute(sa.select(db.actions.c.action_id, db.actions.c.status)).all()
        if rows:
            conn.execute(db.meeting_actions.insert(),
                         [{"meeting_id": row_id, "action_id": a, "status": s} for a, s in rows])
    return row_id


def last_meeting(engine: sa.Engine, *, before: tuple[Any, Any] | None = None) -> dict[str, Any] | None:
    """The last meeting before a pack for period ``before`` (see the module docstring), or with
    no ``before`` the latest meeting; ``None`` when there is none.

    The meeting is a dict: the columns of :func:`meetings_frame` and ``audience`` and
    ``audit_entry`` (its first pack's), and ``statuses`` ({action_id: status when its first
    pack was built}).
    """
    with engine.connect() as conn:
        meetings = _group(_packs(conn))
        if before is not None:
            own = meeting_period(before)
            meetings = [m for m in meetings if (m["period_start"], m["period_end"]) != own]
            if own[1] is not None:
                meetings = [m for m in meetings if m["ends"] < own[1]]
        if not meetings:
            return None
        m = meetings[-1]
        MA = db.meeting_actions
        statuses = dict(conn.execute(sa.select(MA.c.action_id, MA.c.status)
                                     .where(MA.c.meeting_id == m["meeting_id"])).all())
    return {**m, "statuses": {int(k): str(v) for k, v in statuses.items()}}
