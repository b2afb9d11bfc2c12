"""Read-only questions to a workspace's history: when was a record first seen, what did it say then.

The workspace keeps every version of every record with the import that brought it
(:mod:`contextmap.workspace.db`), so it can answer what a meeting knew when it was held:

* :func:`first_imported`: when each record was first imported (whatever its dates say);
* :func:`known_keys`: the records imported at or before a moment;
* :func:`records_as_of`: each record as it stood at a moment (the version current then).

The pack uses them for "new" (never seen before the last meeting) and "escalating" (worse
than the last meeting knew): see :mod:`contextmap.pack.states`. Nothing here writes.

Examples
--------
>>> import tempfile, pathlib
>>> from contextmap.sample import generate_sample
>>> from contextmap.workspace import init_workspace
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = generate_sample(children=10, seed=1).write(d / "export")
>>> ws = init_workspace(d / "team.cmw")
>>> _ = ws.import_source(d / "export")
>>> first = first_imported(ws.engine, "children")
>>> len(first), first.index.name
(10, 'record_key')
>>> len(known_keys(ws.engine, "children", first.min())) == 10
True
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from contextmap._errors import ConfigError
from contextmap.schema import TABLE_NAMES
from contextmap.workspace import db

__all__ = ["first_imported", "known_keys", "records_as_of"]


def _table(name: str) -> sa.Table:
    if name not in TABLE_NAMES:
        raise ConfigError(f"Expected a workspace table in {list(TABLE_NAMES)}, instead got: {name!r}")
    return db.DATA_TABLES[name]


def _moment(when: Any) -> Any:
    ts = pd.Timestamp(when)
    if pd.isna(ts):
        raise ConfigError(f"Expected a date or time, instead got: {when!r}")
    if ts.tzinfo is not None:  # workspace times are naive UTC
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.to_pydatetime()


def first_imported(engine: sa.Engine, table: str) -> pd.Series:
    """When each record of ``table`` was first imported: a Series of timestamps indexed by
    ``record_key`` (the record's id; a content key for links without one)."""
    T, imp = _table(table), db.imports
    q = (sa.select(T.c.record_key, sa.func.min(imp.c.imported_at))
         .join(imp, imp.c.import_id == T.c.first_import).group_by(T.c.record_key))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    s = pd.Series([pd.Timestamp(t) for _, t in rows], index=pd.Index([str(k) for k, _ in rows], name="record_key"),
                  dtype="datetime64[ns]", name="first_imported")
    return s.sort_index()


def known_keys(engine: sa.Engine, table: str, when: Any) -> set[str]:
    """The ``record_key`` of every record of ``table`` imported at or before ``when``."""
    T, imp = _table(table), db.imports
    q = (sa.select(T.c.record_key).distinct().join(imp, imp.c.import_id == T.c.first_import)
         .where(imp.c.imported_at <= _moment(when)))
    with engine.connect() as conn:
        return {str(k) for (k,) in conn.execute(q).all()}


def records_as_of(engine: sa.Engine, table: str, when: Any, *, columns: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """Each record of ``table`` as it stood at ``when``: the version imported at or before it
    and not yet replaced by an import at or before it. Indexed by ``record_key``, with
    ``version`` and the contract ``columns`` asked for (values as stored: text, dates as the
    database returns them). Records first imported later are absent.
    """
    T, imp = _table(table), db.imports
    unknown = [c for c in columns if c not in T.c]
    if unknown:
        raise ConfigError(f"Expected columns of the workspace table {table!r}, instead got: {unknown!r}")
    brought, replaced = imp.alias("brought"), imp.alias("replaced")
    at = _moment(when)
    q = (sa.select(T.c.record_key, T.c.version, *[T.c[c] for c in columns])
         .join(brought, brought.c.import_id == T.c.first_import)
         .outerjoin(replaced, replaced.c.import_id == T.c.superseded_import)
         .where(brought.c.imported_at <= at)
         .where(sa.or_(T.c.superseded_import.is_(None), replaced.c.imported_at > at)))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["record_key", "version", *columns])
    frame["record_key"] = frame["record_key"].astype(str)
    # two versions could qualify only if imports share a time to the second: keep the later version
    frame = frame.sort_values(["record_key", "version"]).drop_duplicates("record_key", keep="last")
    return frame.set_index("record_key")
