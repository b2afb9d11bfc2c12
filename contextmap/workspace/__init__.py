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
from contextmap.workspace import (
    db,
    decisions,
    disruption,
    lookup,
    meetings,
    plans,
    profiles,
    record,
    retention,
    store,
)
from contextmap.workspace.db import WorkspaceLocation, parse_location
from contextmap.workspace.lookup import Match, RecordLookupError
from contextmap.workspace.record import DecisionsImported, StoredDecision
from contextmap.workspace.store import ImportResult

__all__ = ["Workspace", "init_workspace", "open_workspace", "ImportResult", "WorkspaceLocation",
           "parse_location", "WorkspaceError", "Match", "RecordLookupError", "StoredDecision",
           "DecisionsImported"]


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
        """Counts of current records (``from_names``: of them, the records ingest made from a name
        in a link or an episode, per table that has such), the import log, and the state of
        decisions, cases and actions;
        ``meetings`` counts meetings (the packs for one period are one meeting), ``packs`` the
        packs built for them, and ``last_meeting`` is the latest (its ``period``, ``held_at``:
        when its first pack was built, ``packs`` and ``audiences``), or ``None``."""
        counts: dict[str, int] = {}
        from_names: dict[str, int] = {}  # of the current records, those ingest made from a name
        history: dict[str, int] = {}
        not_in_latest: dict[str, int] = {}
        with self.engine.connect() as conn:
            latest = conn.execute(sa.select(sa.func.max(db.imports.c.import_id))).scalar_one()
            for name in TABLE_NAMES:
                T = db.DATA_TABLES[name]
                counts[name] = int(conn.execute(sa.select(sa.func.count()).select_from(T).where(T.c.is_current)).scalar_one())
                if "provisional" in T.c:
                    from_names[name] = int(conn.execute(sa.select(sa.func.count()).select_from(T)
                                                        .where(T.c.is_current, T.c.provisional.is_(True))).scalar_one())
                history[name] = int(conn.execute(sa.select(sa.func.count()).select_from(T).where(~T.c.is_current)).scalar_one())
                not_in_latest[name] = 0 if latest is None else int(conn.execute(
                    sa.select(sa.func.count()).select_from(T).where(T.c.is_current, T.c.last_seen_import != latest)).scalar_one())
            n_decisions = int(conn.execute(sa.select(sa.func.count()).select_from(db.decisions)
                                           .where(db.decisions.c.withdrawn_at.is_(None))).scalar_one())
            n_withdrawn = int(conn.execute(sa.select(sa.func.count()).select_from(db.decisions)
                                           .where(db.decisions.c.withdrawn_at.is_not(None))).scalar_one())
            n_packs = int(conn.execute(sa.select(sa.func.count()).select_from(db.meetings)).scalar_one())
        cases = record.cases_frame(self.engine)
        actions = record.actions_frame(self.engine)
        goals = plans.goals_frame(self.engine)
        tactics = disruption.tactics_frame(self.engine)
        adopted = profiles.profiles_frame(self.engine)
        held = meetings.meetings_frame(self.engine)
        latest = meetings.last_meeting(self.engine)
        return {
            "workspace": self.label,
            "backend": self.location.backend,
            "schema": db.current_revision(self.engine),
            "counts": counts,
            "from_names": from_names,
            "not_in_latest": not_in_latest,
            "history_versions": history,
            "imports": self.imports(),
            "decisions": n_decisions,
            "decisions_withdrawn": n_withdrawn,
            # decisions in force this data no longer reads: every resolution and pack stops on them
            "decisions_unread": decisions.unread_decisions(self.engine),
            "cases": {"open": int((cases["status"] == "open").sum()), "closed": int((cases["status"] == "closed").sum())},
            "actions": {s: int((actions["status"] == s).sum()) for s in record.ACTION_STATUSES}
            | {"overdue": int(actions["overdue"].sum())},
            "meetings": len(held),
            "packs": n_packs,
            "last_meeting": None if latest is None else {
                "period": [None if latest["period_start"] is None else str(latest["period_start"]),
                           None if latest["period_end"] is None else str(latest["period_end"])],
                "held_at": str(latest["held_at"]), "packs": latest["packs"], "audiences": latest["audiences"]},
            "goals": {st: int((goals["status"] == st).sum()) for st in plans.GOAL_STATUSES}
            | {"review_due": int(goals["review_due"].sum())},
            "tactics": {st: int((tactics["state"] == st).sum()) for st in disruption.TACTIC_STATES}
            | {"breaches": int(tactics["breaches"].sum())},
            "profiles": {"adopted": int(adopted["dropped_at"].isna().sum()), "due": int(adopted["due"].sum())},
        }

    # --- finding records --------------------------------------------------------------

    def find(self, text: str, *, kinds: tuple[str, ...] = ("child", "person", "location")) -> Match:
        """The one record ``text`` names, by id or by a name only it has
        (:func:`contextmap.workspace.lookup.find_record`); a
        :class:`~contextmap.workspace.lookup.RecordLookupError` listing the candidates otherwise."""
        return lookup.find_record(self.engine, text, kinds=kinds, argument="text")

    def search(self, text: str, *, kinds: tuple[str, ...] = ("child", "person", "location"),
               limit: int = 50) -> list[Match]:
        """The records whose names hold the words of ``text`` (:func:`contextmap.workspace.lookup.search_records`)."""
        return lookup.search_records(self.engine, text, kinds=kinds, limit=limit)

    # --- decisions ---------------------------------------------------------------------

    def decide(self, action: str, a: str, b: str, *, reason: str, user: str | None = None) -> StoredDecision:
        """Store a ``'merge'`` or ``'keep_apart'`` decision about records ``a`` and ``b`` (ids, or
        names only one record has), with its reason (:func:`contextmap.workspace.record.add_decision`)."""
        return record.add_decision(self.engine, action, a, b, reason=reason, user=user)

    def withdraw(self, decision: str | int, *, reason: str, user: str | None = None,
                 audit_log: str | Path | None = None) -> dict[str, Any]:
        """Withdraw decision ``decision`` (its number): kept in the history with who, when and
        why, no longer applied, and the withdrawal appended to the audit log."""
        row = record.withdraw_decision(self.engine, decision, reason=reason, user=user)
        self._audit("withdraw decision", {
            "decision": int(row["decision_id"]), "action": row["action"], "a": row["a"], "b": row["b"],
            "reason": row["withdrawn_reason"], "withdrawn_by": row["withdrawn_by"], "with": row.get("also", [])},
            audit_log)
        return row

    def decision_history(self) -> Any:
        """Every decision made, withdrawn ones included (:func:`contextmap.workspace.record.decisions_frame`)."""
        return record.decisions_frame(self.engine)

    # --- cases and actions ---------------------------------------------------------------

    def open_case(self, *, kind: str, subject: str, title: str, children: list[str] | tuple[str, ...] = (),
                  opened: Any = None, resolve: bool = True, user: str | None = None) -> str:
        """Open a context case; return its id (``'case-N'``).

        ``subject`` is a location or person id, or a name only one such record has; a location
        or person case brings the records merged with its subject and links every child tied
        to any of them. ``opened`` backdates the case. See
        :func:`contextmap.workspace.record.open_case`; for a peer group use :meth:`open_group_case`.
        """
        return f"case-{record.open_case(self.engine, kind=kind, subject=subject, title=title, children=children, opened=opened, resolve=resolve, user=user)}"

    def open_group_case(self, analysis: Any, group: str, *, title: str, children: list[str] | tuple[str, ...] = (),
                        opened: Any = None, user: str | None = None) -> str:
        """Open a case on a peer group of ``analysis`` (a :class:`contextmap.analysis.Analysis`
        of this workspace's records) and link its children as that analysis found them.

        ``group`` is the group's id in that analysis (``'PG3'``) or a child of the group (id or
        unique name). The case keeps the group's id and the analysis period as its basis, and
        each child's reason. Raises :class:`~contextmap.WorkspaceError` listing the analysis's
        groups when ``group`` is none of them, or when the child is in no group.
        """
        groups = analysis.peer_groups.groups
        start, end = analysis.period
        seed = getattr(analysis, "seed", 0)
        of = f"the analysis of {start:%Y-%m-%d} to {end:%Y-%m-%d} (seed {seed})"
        text = str(group).strip()
        gid = next((g for g in groups.index if str(g).lower() == text.lower()), None)
        if gid is None:
            try:
                child = lookup.find_record(self.engine, text, kinds=("child",), argument="group")
            except RecordLookupError as exc:
                more = f"\n{exc}" if exc.ambiguous else ""
                raise WorkspaceError(f"Expected group to be a peer group of {of} or one of its children, instead got "
                                     f"{text!r}; the groups:\n{self._group_listing(groups)}{more}") from None
            hits = [g for g in groups.index if child.record_id in set(map(str, groups.loc[g, "children"]))]
            if len(hits) != 1:
                which = ("who is in no peer group of that analysis" if not hits else
                         f"who is in {len(hits)} peer groups of that analysis ({', '.join(map(str, hits))}): give the group's id")
                raise WorkspaceError(f"Expected group to be a peer group of {of} or one of its children, instead got "
                                     f"{child.describe()}, {which}; the groups:\n{self._group_listing(groups)}")
            gid = hits[0]
        extras = [lookup.find_record(self.engine, c, kinds=("child",), argument="--child").record_id for c in children]
        kids = [str(c) for c in groups.loc[gid, "children"]]
        held = {m.record_id for m in lookup.describe_records(self.engine, kids)}
        missing = [c for c in kids if c not in held]
        if missing:
            raise WorkspaceError(f"Expected the children of {gid} to be held in this workspace, instead got unknown "
                                 f"ids {missing!r}: was the analysis made from this workspace's records?")
        basis = f"peer group {gid} of {of}"
        number = record.open_case(self.engine, kind="group", subject=str(gid), title=title, children=kids,
                                  opened=opened, basis=basis, child_reason=f"in peer group {gid}", user=user)
        if extras:
            record.link_children(self.engine, number, extras, reason="named when the case was opened")
        return f"case-{number}"

    def _group_listing(self, groups: Any, limit: int = 12) -> str:
        names = {m.record_id: m.name for m in lookup.describe_records(
            self.engine, [str(c) for g in groups.index[:limit] for c in groups.loc[g, "children"]])}
        lines = []
        for g in groups.index[:limit]:
            kids = [str(c) for c in groups.loc[g, "children"]]
            shown = ", ".join(f"{names.get(c) or c}" for c in kids[:4]) + (", ..." if len(kids) > 4 else "")
            lines.append(f"  {g}: {len(kids)} children ({shown})")
        if len(groups) > limit:
            lines.append(f"  ... and {len(groups) - limit} more")
        return "\n".join(lines) if lines else "  (the analysis found no peer group)"

    def cases(self) -> Any:
        """Every case with its subject's records, children and their names (:func:`contextmap.workspace.record.cases_frame`)."""
        return record.cases_frame(self.engine)

    def case_children(self, case: str | int | None = None) -> Any:
        """The children linked to each case, with names and reasons (:func:`contextmap.workspace.record.case_children_frame`)."""
        return record.case_children_frame(self.engine, case)

    def add_action(self, case: str | int, *, owner: str, due: Any, text: str, p: str | None = None,
                   user: str | None = None) -> str:
        """Add an action to a case (``p``: its 4P tag, pursue, prepare, protect or prevent); return
        its id (``'action-N'``)."""
        return f"action-{record.add_action(self.engine, case, owner=owner, due=due, text=text, p=p, user=user)}"

    def update_action(self, action: str | int, *, status: str | None = None, outcome: str | None = None,
                      p: str | None = None, user: str | None = None) -> None:
        """Change an action's status, outcome and/or 4P tag."""
        record.update_action(self.engine, action, status=status, outcome=outcome, p=p, user=user)

    # --- context plans, tactics, problem profiles ------------------------------------------

    def add_goal(self, case: str | int, *, text: str, measure: str, review: Any, user: str | None = None) -> str:
        """Add a goal to a case's context plan, with its measure and review date; return ``'goal-N'``
        (:func:`contextmap.workspace.plans.add_goal`)."""
        return f"goal-{plans.add_goal(self.engine, case, text=text, measure=measure, review=review, user=user)}"

    def update_goal(self, goal: str | int, *, status: str | None = None, review: Any = None,
                    outcome: str | None = None, user: str | None = None) -> dict[str, Any]:
        """Change a goal's status, review date and/or outcome (history kept)."""
        return plans.update_goal(self.engine, goal, status=status, review=review, outcome=outcome, user=user)

    def goals(self, case: str | int | None = None) -> Any:
        """The goals of every case, or of ``case`` (:func:`contextmap.workspace.plans.goals_frame`)."""
        return plans.goals_frame(self.engine, case=case)

    def add_tactic(self, case: str | int, *, kind: str, issued: Any, owner: str, text: str, settings: Any = None,
                   **options: Any) -> disruption.TacticAdded:
        """Record a disruption tactic on a case (:func:`contextmap.workspace.disruption.add_tactic`:
        ``expires``, ``review``, ``subject``, ``child``, ``handling``, ``eligibility_note``)."""
        return disruption.add_tactic(self.engine, case, kind=kind, issued=issued, owner=owner, text=text,
                                     settings=settings, **options)

    def add_breach(self, tactic: str | int, *, on: Any, text: str, user: str | None = None) -> str:
        """Record a breach of a tactic; return ``'breach-N'``."""
        return f"breach-{disruption.add_breach(self.engine, tactic, on=on, text=text, user=user)}"

    def end_tactic(self, tactic: str | int, *, reason: str | None = None, user: str | None = None) -> None:
        """End a tactic (lapsed, renewed, revoked...), with the reason."""
        disruption.end_tactic(self.engine, tactic, reason=reason, user=user)

    def tactics(self, *, settings: Any = None, as_of: Any = None) -> Any:
        """Every tactic with its state and breaches (:func:`contextmap.workspace.disruption.tactics_frame`)."""
        return disruption.tactics_frame(self.engine, settings=settings, as_of=as_of)

    def adopt_profile(self, subject: str, *, cadence: str | None = None, settings: Any = None,
                      user: str | None = None) -> str:
        """Adopt a place, person, peer group or case as a problem profile; return ``'profile-N'``
        (:func:`contextmap.workspace.profiles.adopt_profile`)."""
        number, _subject, _new = profiles.adopt_profile(self.engine, subject, cadence=cadence, settings=settings,
                                                        user=user)
        return f"profile-{number}"

    def profiles(self, *, as_of: Any = None) -> Any:
        """The adopted problem profiles, their last run and whether they are due
        (:func:`contextmap.workspace.profiles.profiles_frame`)."""
        return profiles.profiles_frame(self.engine, as_of=as_of)

    # --- retention -----------------------------------------------------------------------

    def purge(self, *, older_than: str, as_of: Any = None, audit_log: str | Path | None = None) -> dict[str, int]:
        """Remove records older than ``older_than`` (``'6y'``) and log it in the audit log."""
        return retention.purge(self.engine, older_than=older_than, as_of=as_of, record=lambda removed: self._audit(
            "purge", {"older_than": older_than, "removed": removed}, audit_log))

    def erase(self, *, child: str, aliases: list[str] | tuple[str, ...] = (), audit_log: str | Path | None = None,
              user: str | None = None) -> retention.Erasure:
        """Remove one child and everything recorded about them, leave a tombstone, and log it in
        the audit log, which names the child by the erasure's keyed pseudonym, never by id
        (see :func:`contextmap.workspace.retention.erase`; ``aliases``: other names the child
        is known by, to erase from every text too)."""
        import sys

        def log(done: retention.Erasure) -> None:  # written before the erasure commits
            secret = {str(child).strip(): done.pseudonym,
                      **{a.strip(): "[alias]" for a in aliases if isinstance(a, str)}}

            def masked(arg: str) -> str:  # the command line names the child: never in the log
                head, eq, tail = arg.partition("=")
                if arg.strip() in secret:
                    return secret[arg.strip()]
                return f"{head}={secret[tail.strip()]}" if eq and tail.strip() in secret else arg

            self._audit("erase", {"child": done.pseudonym, "removed": done.removed, "redacted": done.redacted,
                                  "aliases": len(aliases), "names_kept_as_shared": done.shared_names}, audit_log,
                        command=[masked(a) for a in sys.argv])

        return retention.erase(self.engine, child=child, aliases=aliases, user=user, record=log)

    def erased(self, child: str | None = None) -> list[dict[str, Any]]:
        """The erasures recorded (pseudonym, when, by whom), newest first; with ``child`` (an id)
        only that child's, if they were erased: how the chair checks an audit entry's pseudonym
        against the child an erasure request named."""
        from contextmap.workspace import tombstones as ts

        T = db.tombstones
        with self.engine.connect() as conn:
            key = ts.erasure_key(conn, create=False)
            q = sa.select(T.c.pseudonym, sa.func.min(T.c.erased_at), sa.func.min(T.c.erased_by)).group_by(T.c.pseudonym)
            if child is not None:
                if key is None:
                    return []
                q = q.where(T.c.hash == ts.keyed(key, kind="id", value=child.strip()))
            rows = conn.execute(q).all()
        return sorted(({"pseudonym": p, "erased_at": at.isoformat(), "erased_by": by} for p, at, by in rows),
                      key=lambda r: r["erased_at"], reverse=True)

    def _audit(self, event: str, details: dict[str, Any], audit_log: str | Path | None, *,
               command: list[str] | None = None) -> dict[str, Any]:
        from contextmap.privacy.audit import append_audit

        return append_audit(audit_log, audience="workspace", input_path=None, input_hash=None, outputs=[],
                            event=event, extra={"workspace": self.label, **details}, command=command)


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
