"""Decisions can be withdrawn (kept, no longer applied); cases record when they were entered
(``opened_at`` may be backdated), what linked their children, and their subject's records
(the subject and the records merged with it).

Revision ID: 0003_decisions_cases
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

__all__: list[str] = []

revision = "0003_decisions_cases"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("withdrawn_by", sa.Text(), nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("recorded_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("basis", sa.Text(), nullable=True))
    with op.batch_alter_table("case_children") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
    op.create_table(
        "case_subjects",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.case_id"), primary_key=True),
        sa.Column("record_id", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
    )
    # every case opened before this migration has its subject as its only record
    op.execute("INSERT INTO case_subjects (case_id, record_id, reason) "
               "SELECT case_id, subject_id, 'the subject' FROM cases WHERE kind IN ('location', 'person')")


def downgrade() -> None:
    op.drop_table("case_subjects")
    with op.batch_alter_table("case_children") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("basis")
        batch.drop_column("recorded_at")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("withdrawn_reason")
        batch.drop_column("withdrawn_by")
        batch.drop_column("withdrawn_at")
