"""Ingest now derives three columns: ``provisional`` on persons and locations (a record made
from a name alone) and ``people_described`` on episodes (RHI free text about people).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

__all__: list[str] = []

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("persons", "locations"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("provisional", sa.Boolean(), nullable=True))
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("people_described", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        batch.drop_column("people_described")
    for table in ("persons", "locations"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("provisional")
