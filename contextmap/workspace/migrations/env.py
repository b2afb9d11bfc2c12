"""Alembic environment for the workspace migrations (run programmatically by ``db.upgrade``).

The caller passes an open connection in ``config.attributes['connection']``; nothing is read
from an ``alembic.ini`` and no URL is needed here.
"""

from __future__ import annotations

from alembic import context

from contextmap.workspace.db import metadata

__all__: list[str] = []

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only db.upgrade runs these migrations
    raise RuntimeError("the workspace migrations are run by contextmap.workspace.db.upgrade")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
