"""The workspace: a record that lasts across meetings.

A Contextual Safeguarding team meets every few weeks. The workspace keeps, in one database,
every export imported (versioned, history kept, nothing deleted by an import), the analyst's
decisions, the context cases opened on places, persons and peer groups, their actions, and
the meetings held. Every analysis reads it as a :class:`~contextmap.Dataset`.

Examples
--------
>>> import tempfile, pathlib
>>> from contextmap.sample import generate_sample
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = generate_sample(children=20, seed=1).write(d / "export")
>>> ws = init_workspace(d / "team.cmw")
>>> r = ws.import_source(d / "export")
>>> r.totals()["new"] > 0, ws.import_source(d / "export").totals()["new"]
(True, 0)
>>> len(ws.dataset().children)
20
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from contextmap._errors import WorkspaceError
from contextmap.dataset import Dataset
from contextmap.resolve.decisions import Decisions
from contextmap.schema import TABLE_NAMES
from contextmap.workspace import db, record, retention, store
from contextmap.workspace.db import WorkspaceLocation, parse_location
from contextmap.workspace.store import ImportResult

__all__ = ["Workspace", "init_workspace", "open_workspace", "ImportResult", "WorkspaceLocation",
           "parse_location", "WorkspaceError"]


@dataclass
class Workspace:
    """An open workspace. Make one with :func:`init_workspace` or :func:`open_workspace`.

    Attributes
    ----------
    location
        Where it lives (a SQLite file or a database URL).
    engine
        The SQLAlchemy engine.
    """

    location: WorkspaceLocation
    engine: sa.Engine

    @property
    def label(self) -> str:
        """The workspace's name for messages and logs (no password)."""
        return self.location.label

    @property
    def workspace_id(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.execute(sa.select(db.workspace_info.c.value)
                                    .where(db.workspace_info.c.name == "workspace_id")).scalar_one())

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- records ---------------------------------------------------------------------

    def import_source(self, source: str | Path, *, mapping: str | Path | None = None, as_of: Any = None,
                      grading_scheme: str | None = None, settings: Any = None,
                      user: str | None = None, period: str | None = None) -> ImportResult:
        """Import an export (see :func:`contextmap.workspace.store.import_dataset`)."""
        return store.import_dataset(self.engine, source, mapping=mapping, as_of=as_of,
                                    grading_scheme=grading_scheme, settings=settings, user=user, period=period)

    def dataset(self) -> Dataset:
        """The current records as a :class:`~contextmap.Dataset`."""
        return store.read_dataset(self.engine, workspace_id=self.workspace_id, label=self.label)

    def decisions(self) -> Decisions:
        """The stored decisions, for resolution."""
        return record.read_workspace_decisions(self.engine)

    def imports(self) -> list[dict[str, Any]]:
        """The import log, oldest first."""
        import json

        Imp = db.imports
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(Imp).order_by(Imp.c.import_id)).mappings().all()
        return [{"import_id": int(r["import_id"]), "imported_at": r["imported_at"].isoformat(),
                 "imported_by": r["imported_by"], "source": r["source"], "content_hash": r["content_hash"],
                 "files": json.loads(r["files"]), "counts": json.loads(r["counts"]),
                 "quarantined": int(r["quarantined"])} for r in rows]

    def status(self) -> dict[str, Any]:
        """Counts of current records, the import log, and the state of decisions, cases and actions."""
        counts: dict[str, int] = {}
        history: dict[str, int] = {}
        not_in_latest: dict[str, int] = {}
        with self.engine.connect() as conn:
            latest = conn.execute(sa.select(sa.func.max(db.imports.c.import_id))).scalar_one()
            for name in TABLE_NAMES:
                T = db.DATA_TABLES[name]
                counts[name] = int(conn.execute(sa.select(sa.func.count()).select_from(T).where(T.c.is_current)).scalar_one())
                history[name] = int(conn.execute(sa.select(sa.func.count()).select_from(T).where(~T.c.is_current)).scalar_one())
                not_in_latest[name] = 0 if latest is None else int(conn.execute(
                    sa.select(sa.func.count()).select_from(T).where(T.c.is_current, T.c.last_seen_import != latest)).scalar_one())
            n_decisions = int(conn.execute(sa.select(sa.func.count()).select_from(db.decisions)).scalar_one())
            n_meetings = int(conn.execute(sa.select(sa.func.count()).select_from(db.meetings)).scalar_one())
        cases = record.cases_frame(self.engine)
        actions = record.actions_frame(self.engine)
        return {
            "workspace": self.label,
            "backend": self.location.backend,
            "schema": db.current_revision(self.engine),
            "counts": counts,
            "not_in_latest": not_in_latest,
            "history_versions": history,
            "imports": self.imports(),
            "decisions": n_decisions,
            "cases": {"open": int((cases["status"] == "open").sum()), "closed": int((cases["status"] == "closed").sum())},
            "actions": {s: int((actions["status"] == s).sum()) for s in record.ACTION_STATUSES}
            | {"overdue": int(actions["overdue"].sum())},
            "meetings": n_meetings,
        }

    # --- decisions, cases, actions ------------------------------------------------------

    def decide(self, action: str, a: str, b: str, *, reason: str, user: str | None = None) -> int:
        """Store a ``'merge'`` or ``'keep_apart'`` decision with its reason."""
        return record.add_decision(self.engine, action, a, b, reason=reason, user=user)

    def open_case(self, *, kind: str, subject: str, title: str, children: list[str] | tuple[str, ...] = (),
                  user: str | None = None) -> str:
        """Open a context case; return its id (``'case-N'``)."""
        return f"case-{record.open_case(self.engine, kind=kind, subject=subject, title=title, children=children, user=user)}"

    def add_action(self, case: str | int, *, owner: str, due: Any, text: str, user: str | None = None) -> str:
        """Add an action to a case; return its id (``'action-N'``)."""
        return f"action-{record.add_action(self.engine, case, owner=owner, due=due, text=text, user=user)}"

    def update_action(self, action: str | int, *, status: str | None = None, outcome: str | None = None,
                      user: str | None = None) -> None:
        """Change an action's status and/or outcome."""
        record.update_action(self.engine, action, status=status, outcome=outcome, user=user)

    # --- retention -----------------------------------------------------------------------

    def purge(self, *, older_than: str, as_of: Any = None, audit_log: str | Path | None = None) -> dict[str, int]:
        """Remove records older than ``older_than`` (``'6y'``) and log it in the audit log."""
        removed = retention.purge(self.engine, older_than=older_than, as_of=as_of)
        self._audit("purge", {"older_than": older_than, "removed": removed}, audit_log)
        return removed

    def erase(self, *, child: str, audit_log: str | Path | None = None) -> dict[str, int]:
        """Remove one child and everything recorded about them, and log it in the audit log."""
        removed = retention.erase(self.engine, child=child)
        self._audit("erase", {"child_id": child, "removed": removed}, audit_log)
        return removed

    def _audit(self, event: str, details: dict[str, Any], audit_log: str | Path | None) -> dict[str, Any]:
        from contextmap.privacy.audit import append_audit

        return append_audit(audit_log, audience="workspace", input_path=None, input_hash=None, outputs=[],
                            event=event, extra={"workspace": self.label, **details})


def init_workspace(workspace: str | Path) -> Workspace:
    """Create a workspace (or bring an existing one up to the current schema) and open it.

    ``workspace`` is a file path (SQLite, created with permissions for its owner only) or a
    ``postgresql://`` URL of an existing, empty database.
    """
    loc = parse_location(workspace)
    engine = db.create_engine_for(loc, create=True)
    try:
        db.upgrade(engine)
        with engine.begin() as conn:
            info = db.workspace_info
            have = conn.execute(sa.select(info.c.value).where(info.c.name == "workspace_id")).scalar_one_or_none()
            if have is None:
                conn.execute(info.insert(), [{"name": "workspace_id", "value": uuid.uuid4().hex},
                                             {"name": "revision", "value": "0"}])
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise WorkspaceError(f"cannot create workspace {loc.label!r}: {exc.orig}") from None
    return Workspace(loc, engine)


def open_workspace(workspace: str | Path | Workspace) -> Workspace:
    """Open an existing workspace, running any migration it has not had yet.

    Raises
    ------
    WorkspaceError
        If there is no workspace there (create one with ``contextmap workspace init``).
    """
    if isinstance(workspace, Workspace):
        return workspace
    loc = parse_location(workspace)
    engine = db.create_engine_for(loc)
    try:
        rev = db.current_revision(engine)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise WorkspaceError(f"cannot open workspace {loc.label!r}: {exc.orig}") from None
    if rev is None:
        engine.dispose()
        raise WorkspaceError(f"{loc.label!r} is not a contextmap workspace; create one with: "
                             f"contextmap workspace init {loc.label}")
    if rev != db.head_revision():
        db.upgrade(engine)
    return Workspace(loc, engine)
