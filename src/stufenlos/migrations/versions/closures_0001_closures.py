"""Closures: live closures keyed by OSM ids, and a change counter per city.

Revision ID: closures_0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stufenlos.db import UTCDateTime

revision = "closures_0001"
down_revision = None
branch_labels = ("closures",)
depends_on = None


def upgrade() -> None:
    """Create ``closures`` and ``closure_versions``."""
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("city", sa.String(63), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("osm_way_id", sa.BigInteger),
        sa.Column("ref", sa.String(80)),
        sa.Column("node_u", sa.BigInteger),
        sa.Column("node_v", sa.BigInteger),
        sa.Column("lon_u", sa.Float),
        sa.Column("lat_u", sa.Float),
        sa.Column("lon_v", sa.Float),
        sa.Column("lat_v", sa.Float),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(400), nullable=False),
        sa.Column("report_id", sa.Integer, index=True),
        sa.Column("valid_from", UTCDateTime),
        sa.Column("valid_until", UTCDateTime),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("external_id", sa.String(80)),
        sa.UniqueConstraint("city", "external_id"),
    )
    op.create_table(
        "closure_versions",
        sa.Column("city", sa.String(63), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("closure_versions")
    op.drop_table("closures")
