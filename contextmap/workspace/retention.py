"""Retention and erasure: records leave the workspace only here, and each time the audit log says so.

* :func:`purge` removes records older than the retention period (every version): episodes
  reported before the cut-off, links observed before it, and then children, persons and
  locations that nothing kept refers to and that no import has held since the cut-off.
  Quarantined rows and problem lists of imports before the cut-off go too.
* :func:`erase` removes one child (a right-to-erasure request or a record made in error):
  every version of the child's record, of their episodes and of every link to them or to
  their episodes, their place in any case, the decisions that name them, the tactics'
  references to them (the tactic, a record about an adult or a place, is kept), and the
  quarantined rows that name them.

Both remove the decisions naming a record they remove (a decision about a record no longer
held would stop every later resolution, and so every pack).

On SQLite, ``secure_delete`` is on, so erased rows are overwritten in the file, and the
write-ahead log is checkpointed and truncated afterwards. On PostgreSQL, run ``VACUUM`` (the
server's autovacuum also does) to reclaim the space.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from contextmap._errors import WorkspaceError
from contextmap.workspace import db
from contextmap.workspace.store import CHUNK, bump_revision, now_utc

__all__ = ["parse_age", "purge", "erase"]

_AGE = re.compile(r"^\s*(\d+)\s*([ymwd])\s*$", re.IGNORECASE)


def parse_age(text: str) -> pd.DateOffset:
    """``'6y'``, ``'18m'``, ``'8w'`` or ``'30d'`` as an offset.

    Examples
    --------
    >>> parse_age("6y")
    <DateOffset: years=6>
    """
    m = _AGE.match(str(text))
    if not m or int(m.group(1)) == 0:
        raise WorkspaceError(f"Expected an age such as '6y', '18m', '8w' or '30d', instead got: {text!r}")
    n, unit = int(m.group(1)), m.group(2).lower()
    return pd.DateOffset(**{{"y": "years", "m": "months", "w": "weeks", "d": "days"}[unit]: n})


def _delete_keys(conn: sa.Connection, table: str, keys: list[str]) -> int:
    T = db.DATA_TABLES[table]
    n = 0
    for i in range(0, len(keys), CHUNK):
        n += conn.execute(T.delete().where(T.c.record_key.in_(keys[i:i + CHUNK]))).rowcount or 0
    return n


def _keys(conn: sa.Connection, stmt: sa.Select) -> list[str]:
    return sorted({str(k) for k in conn.execute(stmt).scalars() if k is not None})


def _finish(engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def purge(engine: sa.Engine, *, older_than: str, as_of: Any = None) -> dict[str, int]:
    """Remove every record older than ``older_than`` (``'6y'``) before ``as_of`` (default now).

    Returns the number of stored rows (all versions) removed per table.
    """
    cutoff = (pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(now_utc())) - parse_age(older_than)
    cut: datetime = cutoff.to_pydatetime()
    E, L, C, P, Loc = (db.DATA_TABLES[n] for n in ("episodes", "links", "children", "persons", "locations"))
    Imp = db.imports
    removed: dict[str, int] = {}
    with engine.begin() as conn:
        _secure(conn)
        # an episode goes when its current version was reported before the cut-off
        old_eps = _keys(conn, sa.select(E.c.record_key).where(E.c.is_current, E.c.reported_at < cut))
        old_links = _keys(conn, sa.select(L.c.record_key).where(L.c.is_current, L.c.observed_on < cut))
        removed["episodes"] = _delete_keys(conn, "episodes", old_eps)
        # a link to a removed episode is dated by that episode
        by_episode: set[str] = set()
        for i in range(0, len(old_eps), CHUNK):
            by_episode |= set(_keys(conn, sa.select(L.c.record_key).where(L.c.episode_id.in_(old_eps[i:i + CHUNK]))))
        old_links = sorted(set(old_links) | by_episode)
        removed["links"] = _delete_keys(conn, "links", old_links)
        recent_imports = sa.select(Imp.c.import_id).where(Imp.c.imported_at >= cut)
        referenced = (
            set(_keys(conn, sa.select(E.c.child_id).where(E.c.is_current)))
            | set(_keys(conn, sa.select(E.c.found_location_id).where(E.c.is_current)))
            | set(_keys(conn, sa.select(L.c.source_id).where(L.c.is_current)))
            | set(_keys(conn, sa.select(L.c.target_id).where(L.c.is_current)))
            | set(_keys(conn, sa.select(db.case_children.c.child_id)))
            | set(_keys(conn, sa.select(db.cases.c.subject_id)))
            | set(_keys(conn, sa.select(db.case_subjects.c.record_id)))
            | set(_keys(conn, sa.select(db.tactics.c.subject_id)))  # the team's record keeps what it names
            | set(_keys(conn, sa.select(db.tactics.c.child_id)))
            | set(_keys(conn, sa.select(db.profiles.c.subject_id)))
        )
        gone: list[str] = []
        for name, T in (("children", C), ("persons", P)):
            stale = _keys(conn, sa.select(T.c.record_key).where(
                T.c.is_current, T.c.last_seen_import.not_in(recent_imports)))
            gone += [k for k in stale if k not in referenced]
            removed[name] = _delete_keys(conn, name, [k for k in stale if k not in referenced])
        homes = set(_keys(conn, sa.select(C.c.home_location_id).where(C.c.is_current)))
        stale = _keys(conn, sa.select(Loc.c.record_key).where(
            Loc.c.is_current, Loc.c.last_seen_import.not_in(recent_imports)))
        gone += [k for k in stale if k not in referenced | homes]
        removed["locations"] = _delete_keys(conn, "locations", [k for k in stale if k not in referenced | homes])
        # a decision about a record no longer held would stop every later resolution
        removed["decisions"] = _delete_decisions(conn, gone)
        # history of records kept: versions superseded before the cut-off
        for name, T in db.DATA_TABLES.items():
            removed[name] += conn.execute(T.delete().where(
                ~T.c.is_current, T.c.superseded_import.in_(sa.select(Imp.c.import_id).where(Imp.c.imported_at < cut))
            )).rowcount or 0
        old_imports = sa.select(Imp.c.import_id).where(Imp.c.imported_at < cut)
        removed["quarantined_rows"] = conn.execute(
            db.import_quarantine.delete().where(db.import_quarantine.c.import_id.in_(old_imports))).rowcount or 0
        conn.execute(db.import_problems.delete().where(db.import_problems.c.import_id.in_(old_imports)))
        bump_revision(conn)
    _finish(engine)
    return removed


def _delete_decisions(conn: sa.Connection, keys: list[str]) -> int:
    """Delete every decision (in force or withdrawn) naming one of ``keys``."""
    D = db.decisions
    n = 0
    for i in range(0, len(keys), CHUNK):
        chunk = keys[i:i + CHUNK]
        n += conn.execute(D.delete().where(sa.or_(D.c.a.in_(chunk), D.c.b.in_(chunk)))).rowcount or 0
    return n


def _secure(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete=ON")


def erase(engine: sa.Engine, *, child: str) -> dict[str, int]:
    """Remove one child and everything recorded about them; return rows removed per table."""
    if not isinstance(child, str) or not child.strip():
        raise WorkspaceError(f"Expected child to be a child id, instead got: {child!r}")
    child = child.strip()
    C, E, L = db.DATA_TABLES["children"], db.DATA_TABLES["episodes"], db.DATA_TABLES["links"]
    removed: dict[str, int] = {}
    with engine.begin() as conn:
        _secure(conn)
        known = conn.execute(sa.select(C.c.row_id).where(C.c.record_key == child).limit(1)).first()
        if known is None:
            raise WorkspaceError(f"Expected child to be a child id held in the workspace, instead got: {child!r}")
        episodes = _keys(conn, sa.select(E.c.record_key).where(E.c.child_id == child))
        links = set(_keys(conn, sa.select(L.c.record_key).where(sa.or_(L.c.source_id == child, L.c.target_id == child))))
        for i in range(0, len(episodes), CHUNK):
            links |= set(_keys(conn, sa.select(L.c.record_key).where(L.c.episode_id.in_(episodes[i:i + CHUNK]))))
        removed["links"] = _delete_keys(conn, "links", sorted(links))
        removed["episodes"] = _delete_keys(conn, "episodes", episodes)
        removed["children"] = _delete_keys(conn, "children", [child])
        removed["case_links"] = conn.execute(
            db.case_children.delete().where(db.case_children.c.child_id == child)).rowcount or 0
        removed["case_links"] += conn.execute(
            db.case_subjects.delete().where(db.case_subjects.c.record_id == child)).rowcount or 0
        removed["decisions"] = _delete_decisions(conn, [child])
        # a tactic (a notice served on an adult, protecting this child) is the team's record about
        # the adult or the place: it is kept, and no longer names the child
        T = db.tactics
        removed["tactic_references"] = conn.execute(
            T.update().where(T.c.child_id == child).values(child_id=None)).rowcount or 0
        removed["tactic_references"] += conn.execute(
            T.update().where(T.c.subject_id == child).values(subject_id=None)).rowcount or 0
        Q = db.import_quarantine
        named = {child, *episodes}
        doomed = [qid for qid, data in conn.execute(sa.select(Q.c.quarantine_id, Q.c.data))
                  if named & {str(v).strip() for v in json.loads(data).values() if v is not None}]
        for i in range(0, len(doomed), CHUNK):
            conn.execute(Q.delete().where(Q.c.quarantine_id.in_(doomed[i:i + CHUNK])))
        removed["quarantined_rows"] = len(doomed)
        P = db.import_problems
        removed["problems"] = conn.execute(P.delete().where(P.c.value.in_(sorted(named)))).rowcount or 0
        bump_revision(conn)
    _finish(engine)
    return removed
