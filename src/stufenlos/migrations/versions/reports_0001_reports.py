"""Reports: barrier reports, contacts, photos, history, flags, audit log, moderators.

Revision ID: reports_0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stufenlos.db import UTCDateTime

revision = "reports_0001"
down_revision = None
branch_labels = ("reports",)
depends_on = None


def upgrade() -> None:
    """Create the report tables; on PostgreSQL add a PostGIS point with a GiST index."""
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token", sa.String(40), nullable=False, unique=True),
        sa.Column("jurisdiction", sa.String(63), index=True),
        sa.Column("service_code", sa.String(40), nullable=False, index=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("address", sa.String(400)),
        sa.Column("address_id", sa.String(100)),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("status_notes", sa.Text),
        sa.Column("agency_responsible", sa.String(200)),
        sa.Column("service_notice", sa.Text),
        sa.Column("hidden", sa.Boolean, nullable=False, index=True),
        sa.Column("hidden_reason", sa.String(200)),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("reports.id")),
        sa.Column("requested_at", UTCDateTime, nullable=False, index=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("expected_at", UTCDateTime),
        sa.Column("expires_at", UTCDateTime, index=True),
        sa.Column("client_hash", sa.String(64)),
        sa.Column("edge_ids", sa.JSON),
    )
    op.create_table(
        "report_contacts",
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("email", sa.String(254), nullable=False),
    )
    op.create_table(
        "report_photos",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "report_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20)),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "report_confirmations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("client_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("report_id", "client_hash", "kind"),
    )
    op.create_table(
        "report_flags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("client_hash", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("report_id", "client_hash"),
    )
    op.create_table(
        "report_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False, index=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("report_id", sa.Integer, index=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_table(
        "report_moderators",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "report_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column(
            "moderator_id",
            sa.Integer,
            sa.ForeignKey("report_moderators.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER report_audit_no_{verb.lower()} BEFORE {verb} ON report_audit "
                "BEGIN SELECT RAISE(ABORT, 'report_audit is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION report_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'report_audit is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER report_audit_append_only BEFORE UPDATE OR DELETE ON report_audit "
            "FOR EACH ROW EXECUTE FUNCTION report_audit_append_only()"
        )
        # PostGIS: a point kept in step with lat/lon by the database, indexed for bbox queries.
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.execute(
            "ALTER TABLE reports ADD COLUMN geom geometry(Point, 4326) GENERATED ALWAYS AS "
            "(CASE WHEN lat IS NULL OR lon IS NULL THEN NULL "
            "ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED"
        )
        op.execute("CREATE INDEX ix_reports_geom ON reports USING gist (geom)")


def downgrade() -> None:
    """Drop the report tables."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS report_audit_append_only ON report_audit")
        op.execute("DROP FUNCTION IF EXISTS report_audit_append_only()")
    for table in (
        "report_sessions",
        "report_moderators",
        "report_audit",
        "report_flags",
        "report_confirmations",
        "report_events",
        "report_photos",
        "report_contacts",
        "reports",
    ):
        op.drop_table(table)
