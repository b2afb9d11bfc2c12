"""Ingest now derives five columns: ``geocoded_from`` and ``position_quality`` on locations
(where a position came from and how precise it is: given, grid reference, postcode unit
centroid, street), and ``found_description``, ``found_at_home`` and ``places_described`` on
episodes (place text that names no place, kept as text; the child found at their own home).

Revision ID: 0004_places_and_homes
Revises: 0003_decisions_cases
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

__all__: list[str] = []

revision = "0004_places_and_homes"
down_revision = "0003_decisions_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.add_column(sa.Column("geocoded_from", sa.Text(), nullable=True))
        batch.add_column(sa.Column("position_quality", sa.Text(), nullable=True))
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("found_description", sa.Text(), nullable=True))
        batch.add_column(sa.Column("found_at_home", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("places_described", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        batch.drop_column("places_described")
        batch.drop_column("found_at_home")
        batch.drop_column("found_description")
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("position_quality")
        batch.drop_column("geocoded_from")
