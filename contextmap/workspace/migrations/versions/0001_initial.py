"""The first workspace schema: versioned contract tables, imports, decisions, cases, actions, meetings.

Revision ID: 0001
Revises:
Create Date: 2026-12-01

The contract columns are written out here (not read from ``contextmap.schema``) so that this
migration stays what it was when a later version of the contract adds a column: that change
gets a migration of its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

__all__: list[str] = []

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_CONTRACT = {
    'children': (('child_id', 'text'), ('name', 'text'), ('date_of_birth', 'dt'), ('gender', 'text'), ('ce_risk', 'text'), ('risk_reviewed_on', 'dt'), ('placement', 'text'), ('home_location_id', 'text')),
    'persons': (('person_id', 'text'), ('name', 'text'), ('aliases', 'text'), ('date_of_birth', 'dt'), ('gender', 'text'), ('phone', 'text'), ('vehicle', 'text'), ('social_media', 'text')),
    'locations': (('location_id', 'text'), ('name', 'text'), ('category', 'text'), ('latitude', 'float'), ('longitude', 'float'), ('easting', 'float'), ('northing', 'float'), ('postcode', 'text')),
    'episodes': (('episode_id', 'text'), ('child_id', 'text'), ('reported_at', 'dt'), ('returned_at', 'dt'), ('classification', 'text'), ('found_location_id', 'text'), ('rhi_at', 'dt'), ('rhi_outcome', 'text'), ('people_mentioned', 'text'), ('places_mentioned', 'text')),
    'links': (('link_id', 'text'), ('source_id', 'text'), ('target_id', 'text'), ('relation', 'text'), ('observed_on', 'dt'), ('episode_id', 'text'), ('source_type', 'text'), ('grading', 'text'), ('summary', 'text'), ('source_kind', 'text'), ('target_kind', 'text'), ('source_evaluation', 'text'), ('intelligence_assessment', 'text'), ('handling_code', 'text'), ('grading_scheme', 'text'), ('grading_original', 'text')),
}
_TYPES = {"text": sa.Text, "dt": sa.DateTime, "float": sa.Float}


def upgrade() -> None:
    op.create_table(
        "workspace_info",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "imports",
        sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("imported_by", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=True),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
        sa.Column("quarantined", sa.Integer, nullable=False),
    )
    op.create_table(
        "import_problems",
        sa.Column("problem_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.import_id"), nullable=False),
        sa.Column("table_name", sa.Text), sa.Column("file", sa.Text), sa.Column("row", sa.Integer),
        sa.Column("column_name", sa.Text), sa.Column("value", sa.Text), sa.Column("reason", sa.Text),
        sa.Column("severity", sa.Text),
    )
    op.create_index("ix_import_problems_import_id", "import_problems", ["import_id"])
    op.create_table(
        "import_quarantine",
        sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.import_id"), nullable=False),
        sa.Column("table_name", sa.Text, nullable=False),
        sa.Column("row", sa.Integer),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_import_quarantine_import_id", "import_quarantine", ["import_id"])
    for name, columns in _CONTRACT.items():
        op.create_table(
            name,
            sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("record_key", sa.Text, nullable=False),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("row_hash", sa.Text, nullable=False),
            sa.Column("first_import", sa.Integer, nullable=False),
            sa.Column("last_seen_import", sa.Integer, nullable=False),
            sa.Column("superseded_import", sa.Integer, nullable=True),
            sa.Column("is_current", sa.Boolean, nullable=False),
            *[sa.Column(c, _TYPES[kind](), nullable=True) for c, kind in columns],
        )
        op.create_index(f"ix_{name}_current_key", name, ["record_key"], unique=True,
                        sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current"))
        op.create_index(f"ix_{name}_key", name, ["record_key"])
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("a", sa.Text, nullable=False),
        sa.Column("b", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Text, nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("subject_id", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.Column("opened_by", sa.Text, nullable=False),
        sa.Column("closed_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "case_children",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.case_id"), primary_key=True),
        sa.Column("child_id", sa.Text, primary_key=True),
        sa.Column("linked_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "actions",
        sa.Column("action_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.case_id"), nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_actions_case_id", "actions", ["case_id"])
    op.create_table(
        "action_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.action_id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("by_user", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=True),
    )
    op.create_index("ix_action_events_action_id", "action_events", ["action_id"])
    op.create_table(
        "meetings",
        sa.Column("meeting_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("held_at", sa.DateTime, nullable=False),
        sa.Column("period_start", sa.Date, nullable=True),
        sa.Column("period_end", sa.Date, nullable=True),
        sa.Column("audience", sa.Text, nullable=False),
        sa.Column("audit_entry", sa.Text, nullable=True),
    )
    op.create_table(
        "meeting_actions",
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.meeting_id"), primary_key=True),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.action_id"), primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in ("meeting_actions", "meetings", "action_events", "actions", "case_children", "cases",
                 "decisions", *reversed(list(_CONTRACT)), "import_quarantine", "import_problems",
                 "imports", "workspace_info"):
        op.drop_table(name)
