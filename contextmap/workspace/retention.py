"""Retention and erasure: records leave the workspace only here, and each time the audit log says so.

* :func:`purge` removes records older than the retention period (every version): episodes
  reported before the cut-off, links observed before it, and then children, persons and
  locations that nothing kept refers to and that no import has held since the cut-off.
  Quarantined rows and problem lists of imports before the cut-off go too.
* :func:`erase` removes one child (a right-to-erasure request or a record made in error):
  every version of the child's record, of their episodes and of every link to them or to
  their episodes, their place in any case, the decisions that name them, the tactics'
  references to them (the tactic, a record about an adult or a place, is kept), and the
  quarantined rows that name them; then their names and ids are replaced by ``[erased]`` in
  every text column of every table (the team's case titles, actions, goals, tactics, breaches
  and profile reasons as much as the imported texts).

Both remove the decisions naming a record they remove (a decision about a record no longer
held would stop every later resolution, and so every pack).

On SQLite, ``secure_delete`` is on, so erased rows are overwritten in the file, and the
write-ahead log is checkpointed and truncated afterwards. On PostgreSQL, run ``VACUUM`` (the
server's autovacuum also does) to reclaim the space.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from contextmap._errors import WorkspaceError
from contextmap.resolve.decisions import LINK_END, link_end
from contextmap.schema import TABLES
from contextmap.workspace import db
from contextmap.workspace.lookup import skeleton
from contextmap.workspace.store import CHUNK, bump_revision, now_utc
from contextmap.workspace.tombstones import (
    NameRedactor,
    add_tombstones,
    erasure_key,
    erasure_pseudonym,
    keyed,
    name_forms,
    tombstone_hashes,
)

__all__ = ["parse_age", "purge", "erase", "Erasure"]

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


def purge(engine: sa.Engine, *, older_than: str, as_of: Any = None,
          record: Callable[[dict[str, int]], object] | None = None) -> dict[str, int]:
    """Remove every record older than ``older_than`` (``'6y'``) before ``as_of`` (default now).

    Returns the number of stored rows (all versions) removed per table. ``record`` (the audit
    log's entry) is called before the changes are committed: if it raises, nothing is removed.
    """
    age = parse_age(older_than)
    try:
        cutoff = (pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(now_utc())) - age
    except (OverflowError, pd.errors.OutOfBoundsDatetime, ValueError):
        raise WorkspaceError(f"Expected a retention period that ends after the year 1677 (pandas' earliest date), "
                             f"instead got: {older_than!r}") from None
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
        # a decision about a record (or a link's end) no longer held would stop every later resolution
        removed["decisions"] = _delete_decisions(conn, gone) + _delete_link_decisions(conn, old_links)
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
        if record is not None:
            record(removed)
    _reclaim(engine)
    return removed


def _delete_decisions(conn: sa.Connection, keys: list[str]) -> int:
    """Delete every decision (in force or withdrawn) naming one of ``keys``."""
    D = db.decisions
    n = 0
    for i in range(0, len(keys), CHUNK):
        chunk = keys[i:i + CHUNK]
        n += conn.execute(D.delete().where(sa.or_(D.c.a.in_(chunk), D.c.b.in_(chunk)))).rowcount or 0
    return n


def _delete_link_decisions(conn: sa.Connection, keys: list[str]) -> int:
    """Delete every decision naming an end of the links ``keys`` (their identities, as
    decisions store them: ``link:<id@agency>:<side>``, with the name written there)."""
    gone = set(keys)
    D = db.decisions
    rows = conn.execute(sa.select(D.c.decision_id, D.c.a, D.c.b).where(
        sa.or_(D.c.a.startswith(LINK_END), D.c.b.startswith(LINK_END)))).all()
    hit = [int(r.decision_id) for r in rows if any((e := link_end(str(x))) is not None and e[0] in gone
                                                   for x in (r.a, r.b))]
    n = 0
    for i in range(0, len(hit), CHUNK):
        n += conn.execute(D.delete().where(D.c.decision_id.in_(hit[i:i + CHUNK]))).rowcount or 0
    return n


def _secure(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete=ON")


@dataclass
class Erasure:
    """What :func:`erase` did.

    Attributes
    ----------
    pseudonym
        How the audit log and the tombstones name the child (``'Erased-...'``): a keyed hash
        of their id, which only this workspace can recompute.
    removed
        Stored rows removed per table (every version).
    redacted
        Texts in which the child's names or ids were replaced by ``[erased]``, per table.
    vacuum
        What was done to reclaim the bytes (SQLite: ``'vacuumed'``; PostgreSQL: ``'vacuum
        full'`` or why it could not run).
    """

    pseudonym: str
    removed: dict[str, int]
    redacted: dict[str, int]
    vacuum: str = ""
    shared_names: int = 0
    """The child's names another child or person in the workspace also bears: left in the
    text (a mention may be of the other), and said."""


# text columns that are keys or hashes, never free text
_NOT_TEXT = {"row_hash", "content_hash", "record_key", "hash"}
_SKIP_TABLES = {"workspace_info", "tombstones", "alembic_version"}
_DERIVED_TEXT = {"people_described"}
_OWN_NAMES = {"children": ("name",), "persons": ("name",)}


def _text_columns(table: sa.Table) -> list[sa.Column]:
    if table.name in db.DATA_TABLES:
        t = TABLES[table.name]
        kinds = {c.name: c.kind for c in t.columns}
        own = _OWN_NAMES.get(table.name, ())  # a record's own name is not a mention of the child
        return [table.c[c] for c in table.c.keys()
                if (kinds.get(c) in ("text", "list", "enum") or c in _DERIVED_TEXT) and c not in own]
    pk = {c.name for c in table.primary_key.columns}
    return [c for c in table.c if isinstance(c.type, sa.Text) and c.name not in _NOT_TEXT
            and not (c.name in pk and len(pk) == 1)]


def _redact_value(value: Any, redactor: NameRedactor) -> Any:
    """A text with the names and ids replaced; JSON (the import log's files, a quarantined row)
    redacted value by value, so it stays JSON."""
    if not isinstance(value, str) or not value:
        return value
    if value[:1] in "[{":
        try:
            data = json.loads(value)
        except ValueError:
            return redactor.redact(value)
        out = _redact_json(data, redactor)
        return value if out == data else json.dumps(out, ensure_ascii=False)
    return redactor.redact(value)


def _redact_json(data: Any, redactor: NameRedactor) -> Any:
    if isinstance(data, str):
        return redactor.redact(data)
    if isinstance(data, list):
        return [_redact_json(v, redactor) for v in data]
    if isinstance(data, dict):
        return {redactor.redact(k) if isinstance(k, str) else k: _redact_json(v, redactor) for k, v in data.items()}
    return data


def _redact_tables(conn: sa.Connection, redactor: NameRedactor) -> dict[str, int]:
    """Replace the names and ids in every text column of every table (every version)."""
    out: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        if table.name in _SKIP_TABLES:
            continue
        cols = _text_columns(table)
        pk = list(table.primary_key.columns)
        if not cols or not pk:
            continue
        n = 0
        updates: list[dict[str, Any]] = []
        stream = conn.execute(sa.select(*pk, *cols).where(sa.or_(*(c.is_not(None) for c in cols)))
                              .execution_options(stream_results=True, yield_per=20_000))
        for row in stream:  # read through first (memory: one batch), then write the few changed
            keys, values = row[:len(pk)], row[len(pk):]
            new = {f"v_{c.name}": v2 for c, v, v2 in zip(cols, values, (_redact_value(v, redactor) for v in values),
                                                         strict=True) if v2 != v}
            if new:
                updates.append({**{f"k_{c.name}": k for c, k in zip(pk, keys, strict=True)}, **new})
        where = sa.and_(*(c == sa.bindparam(f"k_{c.name}") for c in pk))
        for u in updates:  # each row its own set of columns
            conn.execute(table.update().where(where).values(
                {c.name: sa.bindparam(f"v_{c.name}") for c in cols if f"v_{c.name}" in u}), u)
            n += 1
        if n:
            out[table.name] = n
    return out


def erase(engine: sa.Engine, *, child: str, aliases: list[str] | tuple[str, ...] = (),
          user: str | None = None, record: Callable[[Erasure], None] | None = None) -> Erasure:
    """Remove one child and everything recorded about them, and leave a tombstone.

    Every version of the child's record, their episodes and every link to them or their
    episodes; person records with the child's name and date of birth (a police nominal of the
    same child) and their links; the child's place in any case; the decisions naming them; the
    quarantined rows and problems naming them. Then, in every text column of every table and
    every version, the child's names (every version's, and ``aliases``) as a reader recognises
    them and the ids removed are replaced by ``[erased]`` (a name another child or person in the
    workspace also bears is left: a mention may be theirs; ``shared_names`` counts them). The tombstone
    (:mod:`contextmap.workspace.tombstones`) holds back a later import of the same record.
    On SQLite the file is vacuumed so the bytes go too.

    Raises
    ------
    WorkspaceError
        If ``child`` is not a child id the workspace holds (or was erased already).
    """
    if not isinstance(child, str) or not child.strip():
        raise WorkspaceError(f"Expected child to be a child id, instead got: {child!r}")
    child = child.strip()
    bad = [a for a in aliases if not isinstance(a, str) or not a.strip()]
    if bad:
        raise WorkspaceError(f"Expected each alias to be a name, instead got: {bad[0]!r}")
    C, P, E, L = (db.DATA_TABLES[n] for n in ("children", "persons", "episodes", "links"))
    removed: dict[str, int] = {}
    when = now_utc()
    with engine.begin() as conn:
        _secure(conn)
        versions = conn.execute(sa.select(C.c.name, C.c.date_of_birth).where(C.c.record_key == child)).all()
        key = erasure_key(conn, create=True)
        assert key is not None
        pseudonym = erasure_pseudonym(key, child_id=child)
        if not versions:
            gone = conn.execute(sa.select(db.tombstones.c.erased_at).where(
                db.tombstones.c.hash == keyed(key, kind="id", value=child))).scalar_one_or_none()
            raise WorkspaceError(
                f"Expected child to be a child id held in the workspace, instead got: {child!r}"
                + (f" (erased on {gone:%Y-%m-%d} as {pseudonym})" if gone is not None else ""))
        names = [n for n, _ in versions if n] + [a.strip() for a in aliases]
        dobs = [d for _, d in versions if d is not None]
        # the same child held as a person (a police nominal): same name and date of birth
        forms = {f for n in names for f in name_forms(n)}
        days = {pd.Timestamp(d).date() for d in dobs}
        twins = sorted({k for k, n, d in conn.execute(sa.select(P.c.record_key, P.c.name, P.c.date_of_birth))
                        if d is not None and pd.Timestamp(d).date() in days and skeleton(n, kind="child") in forms})
        gone_ids = [child, *twins]
        episodes = _keys(conn, sa.select(E.c.record_key).where(E.c.child_id == child))
        links: set[str] = set()
        for i in range(0, len(gone_ids), CHUNK):
            chunk = gone_ids[i:i + CHUNK]
            links |= set(_keys(conn, sa.select(L.c.record_key).where(
                sa.or_(L.c.source_id.in_(chunk), L.c.target_id.in_(chunk)))))
        for i in range(0, len(episodes), CHUNK):
            links |= set(_keys(conn, sa.select(L.c.record_key).where(L.c.episode_id.in_(episodes[i:i + CHUNK]))))
        link_ids = _keys(conn, sa.select(L.c.link_id).where(L.c.record_key.in_(sorted(links)))) if links else []
        removed["links"] = _delete_keys(conn, "links", sorted(links))
        removed["episodes"] = _delete_keys(conn, "episodes", episodes)
        removed["children"] = _delete_keys(conn, "children", [child])
        removed["persons"] = _delete_keys(conn, "persons", twins)
        removed["case_links"] = 0
        for rid in gone_ids:
            removed["case_links"] += conn.execute(
                db.case_children.delete().where(db.case_children.c.child_id == rid)).rowcount or 0
            removed["case_links"] += conn.execute(
                db.case_subjects.delete().where(db.case_subjects.c.record_id == rid)).rowcount or 0
        removed["decisions"] = _delete_decisions(conn, gone_ids) + _delete_link_decisions(conn, sorted(links))
        named = {*gone_ids, *episodes, *links, *link_ids}
        # a tactic (a notice served on an adult, protecting this child) is the team's record about
        # the adult or the place: it is kept, and no longer names the child
        T = db.tactics
        removed["tactic_references"] = 0
        for rid in gone_ids:
            removed["tactic_references"] += conn.execute(
                T.update().where(T.c.child_id == rid).values(child_id=None)).rowcount or 0
            removed["tactic_references"] += conn.execute(
                T.update().where(T.c.subject_id == rid).values(subject_id=None)).rowcount or 0
        Q = db.import_quarantine
        doomed: list[int] = []
        rows_gone: set[tuple[int, str, int]] = set()
        for qid, imp, table, row, data in conn.execute(sa.select(Q.c.quarantine_id, Q.c.import_id, Q.c.table_name,
                                                                   Q.c.row, Q.c.data)):
            cells = {str(v).strip() for v in json.loads(data).values() if v is not None}
            if named & cells or any(skeleton(c, kind="child") in forms for c in cells if len(c) < 200):
                doomed.append(qid)
                rows_gone.add((imp, table, row))
        for i in range(0, len(doomed), CHUNK):
            conn.execute(Q.delete().where(Q.c.quarantine_id.in_(doomed[i:i + CHUNK])))
        removed["quarantined_rows"] = len(doomed)
        Pr = db.import_problems
        removed["problems"] = conn.execute(Pr.delete().where(Pr.c.value.in_(sorted(named)))).rowcount or 0
        for imp, table, row in rows_gone:  # the problems that put those rows in quarantine
            removed["problems"] += conn.execute(Pr.delete().where(
                Pr.c.import_id == imp, Pr.c.table_name == table, Pr.c.row == row)).rowcount or 0
        # a name another child or person still bears may be theirs in a text: kept, and said
        others = {skeleton(n, kind="child") for (n,) in conn.execute(
            sa.select(C.c.name).where(C.c.name.is_not(None)).union(sa.select(P.c.name).where(P.c.name.is_not(None))))}
        shared = sorted({n for n in names if name_forms(n) & others})
        redactor = NameRedactor.for_names([n for n in names if n not in shared], ids=sorted(named))
        redacted = _redact_tables(conn, redactor)
        add_tombstones(conn, tombstone_hashes(key, child_id=child, names=names, dobs=dobs),
                       pseudonym=pseudonym, when=when, user=user)
        bump_revision(conn)
        done = Erasure(pseudonym, removed, redacted, shared_names=len(shared))
        if record is not None:  # the audit entry, before the commit: an erasure that cannot be logged is undone
            record(done)
    done.vacuum = _reclaim(engine)
    return done


def _reclaim(engine: sa.Engine) -> str:
    """Make the removed bytes go: SQLite vacuumed and its write-ahead log emptied; PostgreSQL
    tables rewritten (``VACUUM FULL``) where the user may, else said why not."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("PRAGMA secure_delete=ON")
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return "vacuumed"
    if engine.dialect.name == "postgresql":
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in db.metadata.sorted_tables:
                    conn.exec_driver_sql(f'VACUUM FULL "{table.name}"')
        except sa.exc.SQLAlchemyError as exc:
            return f"VACUUM FULL could not run ({type(exc.orig).__name__ if hasattr(exc, 'orig') else exc}): ask the database administrator to run it"
        return "vacuum full"
    return ""
