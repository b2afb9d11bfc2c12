"""The workspace becomes the team's disruption record: context plans (goals with their measure
and review date, history kept), a 4P tag on actions, the tactics register (kind, issue,
expiry and review dates, breaches, end), and problem profiles adopted with a cadence and
every run recorded.

Revision ID: 0006_disruption
Revises: 0005_tombstones
Create Date: 2026-12-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

__all__: list[str] = []

revision = "0006_disruption"
down_revision = "0005_tombstones"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("p", sa.Text(), nullable=True))
    op.create_table(
        "case_goals",
        sa.Column("goal_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.case_id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("measure", sa.Text, nullable=False),
        sa.Column("review", sa.Date, nullable=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_case_goals_case_id", "case_goals", ["case_id"])
    op.create_table(
        "goal_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("goal_id", sa.Integer, sa.ForeignKey("case_goals.goal_id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("by_user", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("review", sa.Date, nullable=True),
        sa.Column("outcome", sa.Text, nullable=True),
    )
    op.create_index("ix_goal_events_goal_id", "goal_events", ["goal_id"])
    op.create_table(
        "tactics",
        sa.Column("tactic_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.case_id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("subject_id", sa.Text, nullable=True),
        sa.Column("child_id", sa.Text, nullable=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("handling", sa.Text, nullable=False),
        sa.Column("issued", sa.Date, nullable=False),
        sa.Column("expires", sa.Date, nullable=True),
        sa.Column("review", sa.Date, nullable=True),
        sa.Column("checks", sa.Text, nullable=True),
        sa.Column("ended_at", sa.DateTime, nullable=True),
        sa.Column("ended_by", sa.Text, nullable=True),
        sa.Column("end_reason", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
    )
    op.create_index("ix_tactics_case_id", "tactics", ["case_id"])
    op.create_table(
        "tactic_breaches",
        sa.Column("breach_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tactic_id", sa.Integer, sa.ForeignKey("tactics.tactic_id"), nullable=False),
        sa.Column("breached_on", sa.Date, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.Text, nullable=False),
    )
    op.create_index("ix_tactic_breaches_tactic_id", "tactic_breaches", ["tactic_id"])
    op.create_table(
        "profiles",
        sa.Column("profile_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("subject_id", sa.Text, nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.case_id"), nullable=True),
        sa.Column("cadence", sa.Text, nullable=False),
        sa.Column("adopted_at", sa.DateTime, nullable=False),
        sa.Column("adopted_by", sa.Text, nullable=False),
        sa.Column("dropped_at", sa.DateTime, nullable=True),
        sa.Column("dropped_reason", sa.Text, nullable=True),
    )
    op.create_table(
        "profile_runs",
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profiles.profile_id"), nullable=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("subject_id", sa.Text, nullable=False),
        sa.Column("run_at", sa.DateTime, nullable=False),
        sa.Column("run_by", sa.Text, nullable=False),
        sa.Column("audience", sa.Text, nullable=False),
        sa.Column("audit_entry", sa.Text, nullable=True),
    )
    op.create_index("ix_profile_runs_profile_id", "profile_runs", ["profile_id"])


def downgrade() -> None:
    for name in ("profile_runs", "profiles", "tactic_breaches", "tactics", "goal_events", "case_goals"):
        op.drop_table(name)
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("p")
