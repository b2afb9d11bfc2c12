"""The workspace database: where it lives, its tables, and its migrations.

A workspace is an embedded SQLite file (the default: a path such as ``team.cmw``) or a
PostgreSQL database given by URL (``postgresql://user@host/db``, for a team's shared server).
Tables are SQLAlchemy Core objects built from the data contract (:mod:`contextmap.schema`);
the database is created and upgraded only by the Alembic migrations shipped in
``contextmap/workspace/migrations`` (run here, programmatically: no ``alembic.ini`` needed).

Every contract table (``children``, ``persons``, ``locations``, ``episodes``, ``links``) is
stored *versioned*: one row per version of a record, with

``row_id``
    The stored row's own key.
``record_key``
    The record's identity across exports: its id (``child_id``, ``episode_id``...); for a
    link sent by an agency ``id@agency``; for a link without an id the content key ingest
    made (``k-...``: a hash of its agency and defining fields), never a file name or row.
``version``
    1 for the first version, one more for each change.
``row_hash``
    A hash of the record's contract values, to tell an unchanged row from a changed one.
``first_import``, ``last_seen_import``
    The import that brought this version, and the latest import whose export held it (a
    current row whose ``last_seen_import`` is not the latest import is *not in the latest
    export*: kept and marked, never deleted).
``superseded_import``, ``is_current``
    The import that replaced this version (``NULL`` while current) and whether it is the
    current version.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from contextmap._errors import WorkspaceError
from contextmap.schema import TABLE_NAMES, TABLES

__all__ = [
    "metadata",
    "DATA_TABLES",
    "BOOKKEEPING_COLUMNS",
    "DERIVED_TYPES",
    "WorkspaceLocation",
    "parse_location",
    "create_engine_for",
    "upgrade",
    "head_revision",
    "current_revision",
    "CHUNK",
]

CHUNK = 5000
"""Ids per ``IN (...)`` list (well under SQLite's and PostgreSQL's parameter limits)."""

BOOKKEEPING_COLUMNS = (
    "row_id", "record_key", "version", "row_hash", "first_import", "last_seen_import",
    "superseded_import", "is_current",
)
"""Columns every versioned contract table carries besides the contract's own."""

_KIND_TYPES = {"date": sa.DateTime, "datetime": sa.DateTime, "float": sa.Float}
DERIVED_TYPES: dict[str, type[sa.types.TypeEngine]] = {"provisional": sa.Boolean, "found_at_home": sa.Boolean}
"""Columns ingest derives that are not text (``provisional``: a record ingest made from a name;
``found_at_home``: the child was found at their own home)."""

metadata = sa.MetaData()
"""Every table of a workspace (the migrations create exactly these; a test compares them)."""


def _data_table(name: str) -> sa.Table:
    t = TABLES[name]
    cols: list[sa.Column] = [
        sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_key", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("row_hash", sa.Text, nullable=False),
        sa.Column("first_import", sa.Integer, nullable=False),
        sa.Column("last_seen_import", sa.Integer, nullable=False),
        sa.Column("superseded_import", sa.Integer, nullable=True),
        sa.Column("is_current", sa.Boolean, nullable=False),
    ]
    cols += [sa.Column(c.name, _KIND_TYPES.get(c.kind, sa.Text)(), nullable=True) for c in t.columns]
    cols += [sa.Column(d, DERIVED_TYPES.get(d, sa.Text)(), nullable=True) for d in t.derived]
    return sa.Table(
        name, metadata, *cols,
        sa.Index(f"ix_{name}_current_key", "record_key", unique=True,
                 sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current")),
        sa.Index(f"ix_{name}_key", "record_key"),
    )


DATA_TABLES: dict[str, sa.Table] = {name: _data_table(name) for name in TABLE_NAMES}
"""The versioned contract tables, by contract table name."""

workspace_info = sa.Table(
    "workspace_info", metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
imports = sa.Table(
    "imports", metadata,
    sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.Column("imported_by", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=True),
    sa.Column("files", sa.Text, nullable=False),
    sa.Column("counts", sa.Text, nullable=False),
    sa.Column("quarantined", sa.Integer, nullable=False),
)
import_problems = sa.Table(
    "import_problems", metadata,
    sa.Column("problem_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.import_id"), nullable=False, index=True),
    sa.Column("table_name", sa.Text), sa.Column("file", sa.Text), sa.Column("row", sa.Integer),
    sa.Column("column_name", sa.Text), sa.Column("value", sa.Text), sa.Column("reason", sa.Text),
    sa.Column("severity", sa.Text),
)
import_quarantine = sa.Table(
    "import_quarantine", metadata,
    sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.import_id"), nullable=False, index=True),
    sa.Column("table_name", sa.Text, nullable=False),
    sa.Column("row", sa.Integer),
    sa.Column("data", sa.Text, nullable=False),
)
decisions = sa.Table(
    "decisions", metadata,
    sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("a", sa.Text, nullable=False),
    sa.Column("b", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("decided_by", sa.Text, nullable=False),
    sa.Column("decided_at", sa.DateTime, nullable=False),
    # a withdrawn decision is kept (history) and no longer applied (migration 0003)
    sa.Column("withdrawn_at", sa.DateTime, nullable=True),
    sa.Column("withdrawn_by", sa.Text, nullable=True),
    sa.Column("withdrawn_reason", sa.Text, nullable=True),
)
cases = sa.Table(
    "cases", metadata,
    sa.Column("case_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("subject_id", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("opened_at", sa.DateTime, nullable=False),
    sa.Column("opened_by", sa.Text, nullable=False),
    sa.Column("closed_at", sa.DateTime, nullable=True),
    # migration 0003: when the case was entered (``opened_at`` may be backdated), and what its
    # children were linked by (for a group: the peer group and the analysis that named it)
    sa.Column("recorded_at", sa.DateTime, nullable=True),
    sa.Column("basis", sa.Text, nullable=True),
)
case_children = sa.Table(
    "case_children", metadata,
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.case_id"), primary_key=True),
    sa.Column("child_id", sa.Text, primary_key=True),
    sa.Column("linked_at", sa.DateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),  # migration 0003: why the child is linked
)
case_subjects = sa.Table(  # migration 0003: the subject's records (itself and those merged with it)
    "case_subjects", metadata,
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.case_id"), primary_key=True),
    sa.Column("record_id", sa.Text, primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
)
actions = sa.Table(
    "actions", metadata,
    sa.Column("action_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.case_id"), nullable=False, index=True),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column("due", sa.Date, nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
action_events = sa.Table(
    "action_events", metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.action_id"), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("by_user", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=True),
)
meetings = sa.Table(
    "meetings", metadata,
    sa.Column("meeting_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("held_at", sa.DateTime, nullable=False),
    sa.Column("period_start", sa.Date, nullable=True),
    sa.Column("period_end", sa.Date, nullable=True),
    sa.Column("audience", sa.Text, nullable=False),
    sa.Column("audit_entry", sa.Text, nullable=True),
)
meeting_actions = sa.Table(
    "meeting_actions", metadata,
    sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.meeting_id"), primary_key=True),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.action_id"), primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
)
tombstones = sa.Table(  # migration 0004: what an erasure leaves (keyed hashes, never the identity)
    "tombstones", metadata,
    sa.Column("hash", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),  # 'id', 'name', 'name_dob' or 'word'
    sa.Column("pseudonym", sa.Text, nullable=False),  # the erasure's keyed pseudonym (as in the audit log)
    sa.Column("erased_at", sa.DateTime, nullable=False),
    sa.Column("erased_by", sa.Text, nullable=False),
)


# --- where a workspace lives ---------------------------------------------------------------


@dataclass(frozen=True)
class WorkspaceLocation:
    """A parsed workspace argument: a SQLite file or a database URL.

    Attributes
    ----------
    url
        The SQLAlchemy URL (``postgresql://`` is read with the psycopg 3 driver).
    path
        The SQLite file, or ``None`` for a server database.
    """

    url: URL
    path: Path | None

    @property
    def label(self) -> str:
        """How to name the workspace in messages and logs (never with its password)."""
        return str(self.path) if self.path is not None else self.url.render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()


def parse_location(workspace: str | Path) -> WorkspaceLocation:
    """Read a workspace argument: a file path (SQLite) or a ``postgresql://`` / ``sqlite:///`` URL.

    Examples
    --------
    >>> parse_location("team.cmw").backend
    'sqlite'
    >>> loc = parse_location("postgresql://analyst:secret@db.example/cs")
    >>> loc.backend, loc.label
    ('postgresql', 'postgresql://analyst:***@db.example/cs')
    """
    text = str(workspace)
    if "://" not in text:
        p = Path(text).expanduser()
        return WorkspaceLocation(URL.create("sqlite", database=str(p)), p)
    try:
        url = make_url(text)
    except sa.exc.ArgumentError:
        raise WorkspaceError(f"Expected workspace to be a file path or a database URL, instead got: {text!r}") from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        if url.get_driver_name() not in ("psycopg",):
            url = url.set(drivername="postgresql+psycopg")
        return WorkspaceLocation(url, None)
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise WorkspaceError(f"Expected a SQLite workspace to be a file, instead got: {url.render_as_string()!r}")
        return WorkspaceLocation(url, Path(url.database))
    raise WorkspaceError(
        f"Expected workspace to be a SQLite file or a postgresql:// URL, instead got a {backend!r} URL: "
        f"{url.render_as_string(hide_password=True)!r}"
    )


def _restrict_file(path: Path, *, create: bool) -> None:
    """Create the SQLite file with mode 0600 (SQLite gives its journals the same mode)."""
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    if os.name == "posix" and path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, 0o600)


def create_engine_for(loc: WorkspaceLocation, *, create: bool = False) -> Engine:
    """An engine for the workspace (for SQLite: foreign keys on, file restricted to its owner)."""
    if loc.path is not None:
        if not create and not loc.path.is_file():
            raise WorkspaceError(
                f"workspace {str(loc.path)!r} does not exist; create it with: contextmap workspace init {loc.path}"
            )
        _restrict_file(loc.path, create=create)
        engine = sa.create_engine(loc.url)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return sa.create_engine(loc.url, pool_pre_ping=True)


# --- migrations ----------------------------------------------------------------------------


def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this version of contextmap."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(Path(__file__).with_name("migrations")))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (``None``: not a workspace yet)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Run every migration the database has not had yet (creates a new workspace)."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
