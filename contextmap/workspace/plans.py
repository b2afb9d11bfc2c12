"""Context plans: the goals a case works towards, each with the measure agreed and its review date.

The Contextual Safeguarding toolkits plan for a context (a park, a school, a peer group),
not an individual: a context conference agrees goals, how each will be measured (the
Contextual Outcomes Framework) and when it is reviewed. A goal is stored with its case; its
status moves from ``open`` to ``met``, ``partly-met``, ``not-met`` or ``dropped``, its review
date may move and an outcome may be written. Every change is kept in ``goal_events`` (who,
when, what it became), as actions keep theirs.

Examples
--------
>>> goal_id_of("goal-4"), goal_id_of(" 4 ")
(4, 4)
>>> check_goal_status("Partly met")
'partly-met'
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from contextmap._errors import WorkspaceError
from contextmap.dates import parse_date_option
from contextmap.workspace import db
from contextmap.workspace.record import case_id_of, user_name
from contextmap.workspace.store import inserted_id, now_utc

__all__ = ["GOAL_STATUSES", "goal_id_of", "check_goal_status", "add_goal", "update_goal", "goals_frame",
           "goal_history"]

GOAL_STATUSES = ("open", "met", "partly-met", "not-met", "dropped")
"""The states of a goal: open until the review says it was met, partly met or not met (or dropped)."""

_GOAL_ID = re.compile(r"^(?:goal-)?(\d+)$", re.IGNORECASE)


def goal_id_of(text: str | int) -> int:
    """``'goal-4'`` (or ``'4'``) as the number 4; a clear error otherwise."""
    m = _GOAL_ID.match(str(text).strip())
    if not m:
        raise WorkspaceError(f"Expected a goal id such as 'goal-4', instead got: {text!r}")
    return int(m.group(1))


def check_goal_status(value: str) -> str:
    """A status as stored: ``'Partly met'`` and ``'partly_met'`` are ``'partly-met'``."""
    status = re.sub(r"[\s_]+", "-", str(value).strip().lower())
    if status not in GOAL_STATUSES:
        raise WorkspaceError(f"Expected --status to be one of {list(GOAL_STATUSES)}, instead got: {value!r}")
    return status


def _text(value: Any, argument: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WorkspaceError(f"Expected {argument} to be a non-empty text, instead got: {value!r}")
    return value.strip()


def _review(value: Any) -> date | None:
    ts = parse_date_option(value, name="--review", kind="date")
    return None if ts is None else ts.date()


def add_goal(engine: sa.Engine, case: str | int, *, text: str, measure: str, review: Any,
             user: str | None = None) -> int:
    """Add a goal to an open case; return its number (shown as ``goal-N``).

    Parameters
    ----------
    case
        The case (``'case-2'`` or 2).
    text
        The goal, in the team's words ("No child is found at Sallow Park after 9pm").
    measure
        How the team will know (the measure agreed: "episodes found there per month, from the
        return home interviews").
    review
        When it is reviewed: ISO or UK day-first (``01/03/2027`` is 1 March 2027).

    Raises
    ------
    WorkspaceError
        For an unknown or closed case, an empty text or measure, or a date that cannot be read.
    """
    case_id = case_id_of(case)
    text, measure = _text(text, "--text"), _text(measure, "--measure")
    when = _review(review)
    if when is None:
        raise WorkspaceError("Expected --review to be a date, instead got none")
    with engine.begin() as conn:
        row = conn.execute(sa.select(db.cases.c.status).where(db.cases.c.case_id == case_id)).first()
        if row is None:
            raise WorkspaceError(f"no case case-{case_id} in this workspace")
        if row.status != "open":
            raise WorkspaceError(f"case-{case_id} is closed: open a new case to plan for it")
        now = now_utc()
        goal_id = inserted_id(conn.execute(db.case_goals.insert().values(
            case_id=case_id, text=text, measure=measure, review=when, status="open", outcome=None,
            created_at=now, created_by=user_name(user), updated_at=now)))
        conn.execute(db.goal_events.insert().values(goal_id=goal_id, at=now, by_user=user_name(user),
                                                    status="open", review=when, outcome=None))
    return goal_id


def update_goal(engine: sa.Engine, goal: str | int, *, status: str | None = None, review: Any = None,
                outcome: str | None = None, user: str | None = None) -> dict[str, Any]:
    """Change a goal's status, review date and/or outcome; the change is kept in its history.

    Returns the goal as it now stands. Raises :class:`~contextmap.WorkspaceError` for an
    unknown goal, an unknown status, or no change asked for.
    """
    goal_id = goal_id_of(goal)
    if status is None and review is None and outcome is None:
        raise WorkspaceError("Expected --status, --review or --outcome, instead got none of them")
    values: dict[str, Any] = {}
    if status is not None:
        values["status"] = check_goal_status(status)
    if review is not None:
        values["review"] = _review(review)
    if outcome is not None:
        values["outcome"] = _text(outcome, "--outcome")
    G = db.case_goals
    with engine.begin() as conn:
        row = conn.execute(sa.select(G).where(G.c.goal_id == goal_id)).mappings().first()
        if row is None:
            raise WorkspaceError(f"no goal goal-{goal_id} in this workspace")
        values["updated_at"] = now_utc()
        conn.execute(G.update().where(G.c.goal_id == goal_id).values(**values))
        new = {**dict(row), **values}
        conn.execute(db.goal_events.insert().values(
            goal_id=goal_id, at=values["updated_at"], by_user=user_name(user), status=new["status"],
            review=new["review"], outcome=new["outcome"]))
    return new


def goals_frame(engine: sa.Engine, *, case: str | int | None = None, as_of: Any = None) -> pd.DataFrame:
    """One row per goal (of every case, or of ``case``): ``goal`` (``'goal-N'``), ``goal_id``,
    ``case``, ``case_id``, ``text``, ``measure``, ``review``, ``status``, ``outcome``,
    ``created_at``, ``created_by``, ``updated_at`` and ``review_due`` (open, and its review
    date before ``as_of``, default today). Texts are as written: withhold or redact them
    before showing them to an audience that may not see them."""
    G = db.case_goals
    stmt = sa.select(G).order_by(G.c.case_id, G.c.goal_id)
    if case is not None:
        stmt = stmt.where(G.c.case_id == case_id_of(case))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=[c.name for c in G.columns])
    today = pd.Timestamp(as_of if as_of is not None else date.today()).normalize()
    review = pd.to_datetime(frame["review"])
    frame["review_due"] = (frame["status"] == "open") & review.notna() & (review < today)
    frame.insert(0, "goal", [f"goal-{i}" for i in frame["goal_id"]])
    frame.insert(2, "case", [f"case-{i}" for i in frame["case_id"]])
    return frame


def goal_history(engine: sa.Engine, goal: str | int) -> pd.DataFrame:
    """Every state a goal has had, oldest first: ``at``, ``by_user``, ``status``, ``review``, ``outcome``."""
    E = db.goal_events
    goal_id = goal_id_of(goal)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(E).where(E.c.goal_id == goal_id).order_by(E.c.event_id)).mappings().all()
    if not rows:
        raise WorkspaceError(f"no goal goal-{goal_id} in this workspace")
    return pd.DataFrame(rows, columns=[c.name for c in E.columns])
