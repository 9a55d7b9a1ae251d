"""Participation proceedings: proceedings, fixes, contributions, contacts, photos,
comments and supports.

Revision ID: proceedings_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stufenlos.db import UTCDateTime

revision = "proceedings_0001"
down_revision = None
branch_labels = ("proceedings",)
depends_on = None


def upgrade() -> None:
    """Create the proceeding tables."""
    op.create_table(
        "proceedings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(64), nullable=False, unique=True),
        sa.Column("city", sa.String(63), nullable=False),
        sa.Column("title", sa.JSON, nullable=False),
        sa.Column("description", sa.JSON, nullable=False),
        sa.Column("body", sa.String(200), nullable=False),
        sa.Column("area", sa.JSON, nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("schedule", sa.JSON, nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("budget_min", sa.Float, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "proceeding_fixes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("proceeding_id", sa.Integer,
                  sa.ForeignKey("proceedings.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.JSON, nullable=False),
        sa.Column("change", sa.JSON, nullable=False),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("effect", sa.JSON, nullable=False),
        sa.Column("effect_note", sa.Text, nullable=False),
        sa.Column("decision", sa.String(20)),
        sa.Column("decision_reason", sa.JSON, nullable=False),
        sa.Column("decided_at", UTCDateTime),
    )
    op.create_table(
        "proceeding_contributions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("proceeding_id", sa.Integer,
                  sa.ForeignKey("proceedings.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("fix_id", sa.Integer,
                  sa.ForeignKey("proceeding_fixes.id", ondelete="SET NULL")),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("address", sa.String(400)),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("moderated_at", UTCDateTime),
        sa.Column("decision", sa.String(20)),
        sa.Column("decision_reason", sa.JSON, nullable=False),
        sa.Column("decided_at", UTCDateTime),
        sa.Column("client_hash", sa.String(64)),
    )
    op.create_table(
        "proceeding_contacts",
        sa.Column("contribution_id", sa.Integer,
                  sa.ForeignKey("proceeding_contributions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
    )
    op.create_table(
        "proceeding_photos",
        sa.Column("contribution_id", sa.Integer,
                  sa.ForeignKey("proceeding_contributions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "proceeding_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("contribution_id", sa.Integer,
                  sa.ForeignKey("proceeding_contributions.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("client_hash", sa.String(64)),
    )
    op.create_table(
        "proceeding_supports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("proceeding_id", sa.Integer,
                  sa.ForeignKey("proceedings.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("target_id", sa.Integer, nullable=False),
        sa.Column("supporter", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("target", "target_id", "supporter"),
    )


def downgrade() -> None:
    """Drop the proceeding tables."""
    for table in ("proceeding_supports", "proceeding_comments", "proceeding_photos",
                  "proceeding_contacts", "proceeding_contributions", "proceeding_fixes",
                  "proceedings"):
        op.drop_table(table)
