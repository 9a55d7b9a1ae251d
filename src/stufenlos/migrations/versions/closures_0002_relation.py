"""Closures: the OSM relation of a segment on a square mapped as a multipolygon.

Revision ID: closures_0002
Revises: closures_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "closures_0002"
down_revision = "closures_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``closures.osm_relation_id`` (null for every closure stored so far)."""
    with op.batch_alter_table("closures") as batch:
        batch.add_column(sa.Column("osm_relation_id", sa.BigInteger))


def downgrade() -> None:
    """Drop ``closures.osm_relation_id``."""
    with op.batch_alter_table("closures") as batch:
        batch.drop_column("osm_relation_id")
