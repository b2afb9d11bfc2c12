"""Erasure leaves a tombstone: keyed hashes of an erased child's id and of their name (with and
without their date of birth), never the identity in clear, so a later import of the same record
is held back instead of bringing the child back silently.

Revision ID: 0005_tombstones
Revises: 0004_places_and_homes
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

__all__: list[str] = []

revision = "0005_tombstones"
down_revision = "0004_places_and_homes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tombstones",
        sa.Column("hash", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("pseudonym", sa.Text, nullable=False),
        sa.Column("erased_at", sa.DateTime, nullable=False),
        sa.Column("erased_by", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tombstones")
