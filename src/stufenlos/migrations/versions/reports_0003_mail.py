"""Reports: mail to reporters (language and site of the contact, an outbox).

Revision ID: reports_0003
Revises: reports_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stufenlos.db import UTCDateTime

revision = "reports_0003"
down_revision = "reports_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``lang`` and ``base_url`` to contacts and the ``report_mail_outbox`` table."""
    with op.batch_alter_table("report_contacts") as batch:
        batch.add_column(sa.Column("lang", sa.String(5), nullable=False, server_default="de"))
        batch.add_column(sa.Column("base_url", sa.String(300)))
    op.create_table(
        "report_mail_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Integer,
                  sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", sa.Integer,
                  sa.ForeignKey("report_events.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("claimed_until", UTCDateTime),
        sa.Column("sent_at", UTCDateTime),
        sa.Column("last_error", sa.String(100)),
    )
    op.create_index("ix_report_mail_outbox_report_id", "report_mail_outbox", ["report_id"])
    op.create_index("ix_report_mail_outbox_state", "report_mail_outbox", ["state"])


def downgrade() -> None:
    """Drop the outbox and the contact columns."""
    op.drop_index("ix_report_mail_outbox_state", "report_mail_outbox")
    op.drop_index("ix_report_mail_outbox_report_id", "report_mail_outbox")
    op.drop_table("report_mail_outbox")
    with op.batch_alter_table("report_contacts") as batch:
        batch.drop_column("base_url")
        batch.drop_column("lang")
