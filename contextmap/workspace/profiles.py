"""Problem profiles adopted by the meeting, their cadence, and every time one was produced.

A MACE meeting adopts a place, a person of concern or a peer group as a **problem profile**
for closer work, and the profile is re-run at a set cadence (IICSA asked for a minimum update
frequency). The workspace keeps which subjects are adopted (by whom, when, with which case and
cadence; the settings' ``profiles.cadence`` by default), and each run of ``contextmap profile``
(when, for which audience, its audit-log entry). A profile is **due** when it has never been
produced, or its last run is older than its cadence: the pack lists those.

The document itself is :mod:`contextmap.pack.profile`.

Examples
--------
>>> profile_id_of("profile-2"), cadence_of("4w")
(2, '4w')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from contextmap._errors import ConfigError, WorkspaceError
from contextmap.settings import Settings, parse_duration
from contextmap.workspace import db
from contextmap.workspace.lookup import find_record, names_of
from contextmap.workspace.record import case_id_of, user_name
from contextmap.workspace.store import inserted_id, now_utc

__all__ = ["ProfileSubject", "profile_id_of", "cadence_of", "profile_subject", "adopt_profile", "drop_profile",
           "record_profile_run", "profiles_frame"]

_PROFILE_ID = re.compile(r"^(?:profile-)?(\d+)$", re.IGNORECASE)
_CASE_ID = re.compile(r"^case-\d+$", re.IGNORECASE)
_GROUP_ID = re.compile(r"^PG\d+$", re.IGNORECASE)
_KIND_OF_CASE = {"location": "location", "school": "location", "person": "person", "group": "group"}


def profile_id_of(text: str | int) -> int:
    """``'profile-2'`` (or ``'2'``) as the number 2; a clear error otherwise."""
    m = _PROFILE_ID.match(str(text).strip())
    if not m:
        raise WorkspaceError(f"Expected a profile id such as 'profile-2', instead got: {text!r}")
    return int(m.group(1))


def cadence_of(text: Any) -> str:
    """A cadence as stored (``'4w'``), checked: days, weeks, months or years."""
    try:
        unit = parse_duration(text, name="--cadence")
    except ConfigError as exc:
        raise WorkspaceError(str(exc)) from None
    if "hours" in unit:
        raise WorkspaceError(f"Expected --cadence in days, weeks, months or years ('4w'), instead got: {text!r}")
    return str(text).strip().lower()


@dataclass(frozen=True)
class ProfileSubject:
    """What a profile is about: ``kind`` (``location``, ``person`` or ``group``), ``subject_id``
    (a record id, or a peer group's id or label), the adopted ``profile_id`` and the ``case_id``
    it belongs to (``None`` when there is none), and ``children`` (a group's, from its case)."""

    kind: str
    subject_id: str
    profile_id: int | None = None
    case_id: int | None = None
    children: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.kind} {self.subject_id}"


def profile_subject(conn_or_engine: sa.Engine | sa.Connection, text: str) -> ProfileSubject:
    """The subject ``text`` names: an adopted profile (``profile-2``), a case (``case-3``), a
    peer group (``PG3``: its group case's children) or a place or person (an id or a name only
    one record has). Finds the adopted profile and the open case on it, if any."""
    if isinstance(conn_or_engine, sa.Engine):
        with conn_or_engine.connect() as conn:
            return profile_subject(conn, text)
    conn = conn_or_engine
    t = str(text).strip()
    P, C, CC = db.profiles, db.cases, db.case_children
    if t.lower().startswith("profile-"):
        row = conn.execute(sa.select(P).where(P.c.profile_id == profile_id_of(t))).first()
        if row is None:
            raise WorkspaceError(f"no profile {t} in this workspace (see: contextmap profile list)")
        kind, subject, case_id = row.kind, str(row.subject_id), row.case_id
    elif _CASE_ID.match(t):
        row = conn.execute(sa.select(C).where(C.c.case_id == case_id_of(t))).first()
        if row is None:
            raise WorkspaceError(f"no case {t} in this workspace")
        kind, subject, case_id = _KIND_OF_CASE[row.kind], str(row.subject_id), int(row.case_id)
    elif _GROUP_ID.match(t):
        kind, subject, case_id = "group", t.upper(), None
    else:
        m = find_record(conn, t, kinds=("location", "person"), argument="SUBJECT")
        kind, subject, case_id = m.kind, m.record_id, None
    if case_id is None:
        kinds = ("location", "school") if kind == "location" else (kind,)
        case_id = conn.execute(sa.select(sa.func.max(C.c.case_id)).where(
            C.c.subject_id == subject, C.c.kind.in_(kinds), C.c.status == "open")).scalar_one_or_none()
    adopted = conn.execute(sa.select(sa.func.max(P.c.profile_id)).where(
        P.c.kind == kind, P.c.subject_id == subject, P.c.dropped_at.is_(None))).scalar_one_or_none()
    children: tuple[str, ...] = ()
    if kind == "group" and case_id is not None:
        children = tuple(sorted(str(c) for c in conn.execute(sa.select(CC.c.child_id).where(CC.c.case_id == case_id)).scalars()))
    return ProfileSubject(kind, subject, None if adopted is None else int(adopted),
                          None if case_id is None else int(case_id), children)


def adopt_profile(engine: sa.Engine, subject: str, *, cadence: str | None = None, settings: Settings | None = None,
                  user: str | None = None) -> tuple[int, ProfileSubject, bool]:
    """Adopt ``subject`` (see :func:`profile_subject`) as a problem profile, re-run every
    ``cadence`` (default the settings' ``profiles.cadence``). Returns ``(number, subject, new)``:
    a subject already adopted keeps its number (its cadence is changed when one is given)."""
    every = cadence_of(cadence if cadence is not None else (settings or Settings()).profiles.cadence)
    P = db.profiles
    with engine.begin() as conn:
        found = profile_subject(conn, subject)
        if found.kind == "group" and found.case_id is None:
            raise WorkspaceError(f"Expected a peer group adopted as a profile to have a case naming its children, "
                                 f"instead got none for {found.subject_id}: open one first (contextmap case open "
                                 f"--kind group --subject {found.subject_id} ...), or adopt the case (profile adopt case-N)")
        if found.profile_id is not None:
            if cadence is not None:
                conn.execute(P.update().where(P.c.profile_id == found.profile_id).values(cadence=every))
            return found.profile_id, found, False
        number = inserted_id(conn.execute(P.insert().values(
            kind=found.kind, subject_id=found.subject_id, case_id=found.case_id, cadence=every,
            adopted_at=now_utc(), adopted_by=user_name(user))))
    return number, ProfileSubject(found.kind, found.subject_id, number, found.case_id, found.children), True


def drop_profile(engine: sa.Engine, profile: str | int, *, reason: str) -> None:
    """Stop a problem profile (kept, with when and why; no longer listed as due)."""
    number = profile_id_of(profile)
    if not isinstance(reason, str) or not reason.strip():
        raise WorkspaceError(f"Expected --reason to be a non-empty text, instead got: {reason!r}")
    P = db.profiles
    with engine.begin() as conn:
        row = conn.execute(sa.select(P).where(P.c.profile_id == number)).first()
        if row is None:
            raise WorkspaceError(f"no profile profile-{number} in this workspace")
        if row.dropped_at is not None:
            raise WorkspaceError(f"profile-{number} was already dropped on {row.dropped_at:%Y-%m-%d}")
        conn.execute(P.update().where(P.c.profile_id == number).values(dropped_at=now_utc(), dropped_reason=reason.strip()))


def record_profile_run(engine: sa.Engine, subject: ProfileSubject, *, audience: str, audit_entry: str | None,
                       user: str | None = None) -> int:
    """Record that a profile of ``subject`` was produced (after it was published and logged)."""
    with engine.begin() as conn:
        return inserted_id(conn.execute(db.profile_runs.insert().values(
            profile_id=subject.profile_id, kind=subject.kind, subject_id=subject.subject_id, run_at=now_utc(),
            run_by=user_name(user), audience=audience, audit_entry=audit_entry)))


def profiles_frame(engine: sa.Engine, *, as_of: Any = None) -> pd.DataFrame:
    """One row per adopted profile: ``profile`` (``'profile-N'``), ``profile_id``, ``kind``,
    ``subject_id``, ``subject_name`` (a place's or person's current name), ``case_id``,
    ``cadence``, ``adopted_at``, ``adopted_by``, ``dropped_at``, ``dropped_reason``, ``runs``,
    ``last_run`` (when it was last produced, for any audience), ``next_due`` (the last run plus
    the cadence; the adoption day if never run) and ``due`` (not dropped, and ``next_due`` on or
    before ``as_of``, default today)."""
    P, R = db.profiles, db.profile_runs
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(sa.select(P).order_by(P.c.profile_id)).mappings().all(),
                             columns=[c.name for c in P.columns])
        runs = conn.execute(sa.select(R.c.kind, R.c.subject_id, R.c.run_at)).all()
        names = names_of(conn, {str(s) for k, s in zip(frame["kind"], frame["subject_id"], strict=True) if k != "group"})
    today = pd.Timestamp(as_of if as_of is not None else date.today()).normalize()
    by: dict[tuple[str, str], list[Any]] = {}
    for k, s, at in runs:
        by.setdefault((str(k), str(s)), []).append(pd.Timestamp(at))
    frame.insert(0, "profile", [f"profile-{i}" for i in frame["profile_id"]])
    frame["subject_name"] = [None if k == "group" else names.get(str(s)) for k, s in zip(frame["kind"], frame["subject_id"], strict=True)]
    keys = list(zip(frame["kind"].astype(str), frame["subject_id"].astype(str), strict=True))
    frame["runs"] = [len(by.get(key, [])) for key in keys]
    frame["last_run"] = [max(by[key]) if key in by else None for key in keys]
    nxt = []
    for last, adopted, every in zip(frame["last_run"], frame["adopted_at"], frame["cadence"], strict=True):
        base = None if last is None or pd.isna(last) else pd.Timestamp(last)
        nxt.append((base + pd.DateOffset(**parse_duration(every))).normalize() if base is not None
                   else pd.Timestamp(adopted).normalize())
    frame["next_due"] = pd.Series(nxt, index=frame.index, dtype="datetime64[ns]")
    frame["due"] = frame["dropped_at"].isna() & (frame["next_due"] <= today)
    return frame
