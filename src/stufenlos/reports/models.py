"""Tables of the reporting channel (Alembic branch ``reports``).

Contact data lives in its own table (``report_contacts``) so that no query
for public fields can pick it up by accident; the audit log is append-only
(database triggers refuse UPDATE and DELETE, see the migration).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stufenlos.db import Base, UTCDateTime, utcnow

__all__ = [
    "AuditEntry",
    "Confirmation",
    "Flag",
    "MailOutbox",
    "Moderator",
    "ModeratorSession",
    "Report",
    "ReportContact",
    "ReportEvent",
    "ReportPhoto",
    "UTCDateTime",
    "utcnow",
]


class Report(Base):
    """A barrier report (an Open311 service request)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    jurisdiction: Mapped[str | None] = mapped_column(String(63), index=True)
    service_code: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(400))
    address_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True, default="submitted")
    status_notes: Mapped[str | None] = mapped_column(Text)
    agency_responsible: Mapped[str | None] = mapped_column(String(200))
    service_notice: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    hidden_reason: Mapped[str | None] = mapped_column(String(200))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    #: salted hash of the submitting client (rate limits, one confirmation per client)
    client_hash: Mapped[str | None] = mapped_column(String(64))

    #: loaded with the report: its public record's ``last_checked`` comes from it
    events: Mapped[list[ReportEvent]] = relationship(
        back_populates="report", order_by="ReportEvent.id", cascade="all, delete-orphan",
        lazy="selectin",
    )
    photo: Mapped[ReportPhoto | None] = relationship(
        back_populates="report", uselist=False, cascade="all, delete-orphan"
    )


class ReportContact(Base):
    """Optional contact e-mail, kept apart from the report and never published."""

    __tablename__ = "report_contacts"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254))
    #: language of the reporter's mails: ``de``, ``en`` or ``ls`` (easy-read German)
    lang: Mapped[str] = mapped_column(String(5), default="de")
    #: the site's address the report was sent to (links in mails without ``public_url``)
    base_url: Mapped[str | None] = mapped_column(String(300))


class MailOutbox(Base):
    """A mail to a report's contact, written in the transaction of the change it tells of.

    It holds no address: the recipient is looked up when the mail is sent, so an
    unsubscribed reporter (whose contact row is gone) gets nothing still pending.
    ``state`` is ``pending``, ``sent``, ``dropped`` (no contact any more) or
    ``failed`` (gave up after repeated errors); a worker claims a row by setting
    ``claimed_until`` before sending, so several workers never send it twice.
    """

    __tablename__ = "report_mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("report_events.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # confirmation, status
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: the kind of the last error (an exception class name; never an address)
    last_error: Mapped[str | None] = mapped_column(String(100))


class ReportPhoto(Base):
    """A report's photo, re-encoded without any metadata."""

    __tablename__ = "report_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), unique=True
    )
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    report: Mapped[Report] = relationship(back_populates="photo")


class ReportEvent(Base):
    """One public step in a report's history (status change, note, confirmation)."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))  # status, confirm, fixed, edit, merge
    status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)

    report: Mapped[Report] = relationship(back_populates="events")


class Confirmation(Base):
    """Someone says the barrier is still there, or that it is fixed."""

    __tablename__ = "report_confirmations"
    __table_args__ = (UniqueConstraint("report_id", "client_hash", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    client_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # still_there, fixed
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Flag(Base):
    """An abuse flag with its reason; enough of them hide a report."""

    __tablename__ = "report_flags"
    __table_args__ = (UniqueConstraint("report_id", "client_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    client_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """One line of the append-only audit log."""

    __tablename__ = "report_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    report_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Moderator(Base):
    """A moderator; ``secret_hash`` is an Argon2 hash of their access token's secret."""

    __tablename__ = "report_moderators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ModeratorSession(Base):
    """A browser session of a moderator; only the SHA-256 of the cookie is stored."""

    __tablename__ = "report_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    moderator_id: Mapped[int] = mapped_column(
        ForeignKey("report_moderators.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
