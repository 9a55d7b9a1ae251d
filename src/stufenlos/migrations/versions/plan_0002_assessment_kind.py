"""Widen plan_assessments.kind to fit ``end_of_commitment``.

Revision ID: plan_0002
Revises: plan_0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "plan_0002"
down_revision = "plan_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_assessments") as batch:
        batch.alter_column("kind", existing_type=sa.String(length=16), type_=sa.String(length=32))


def downgrade() -> None:
    with op.batch_alter_table("plan_assessments") as batch:
        batch.alter_column("kind", existing_type=sa.String(length=32), type_=sa.String(length=16))
