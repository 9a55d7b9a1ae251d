"""Reports: closures live in the ``closures`` table, not as arc numbers on the report.

Revision ID: reports_0002
Revises: reports_0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "reports_0002"
down_revision = "reports_0001"
branch_labels = None
depends_on = "closures_0001"


def upgrade() -> None:
    """Drop ``reports.edge_ids`` (arc numbers of one import; closures are keyed by OSM ids)."""
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("edge_ids")


def downgrade() -> None:
    """Bring the column back (empty)."""
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("edge_ids", sa.JSON))
