"""Tables of participation proceedings (Alembic branch ``proceedings``).

A proceeding covers planned fixes (each a what-if scenario change with its computed
effect) and collects located contributions, comments and supports. As with reports,
contact e-mails and photos live in their own tables so that no query for public
fields can pick them up by accident. Edits and decisions are written to the plan's
audit log (:func:`stufenlos.plan.store.record`), so they appear in its Atom feed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from stufenlos.db import Base, UTCDateTime, utcnow

__all__ = [
    "CATEGORIES",
    "DECISIONS",
    "MODERATION",
    "PHASES",
    "Category",
    "Comment",
    "Contribution",
    "ContributionContact",
    "ContributionPhoto",
    "Decision",
    "Fix",
    "Phase",
    "Proceeding",
    "Support",
]

#: the phases of a proceeding, in order (as in Hamburg's DIPAS)
Phase = Literal["information", "participation", "evaluation", "result"]
PHASES: tuple[str, ...] = get_args(Phase)
#: what a contribution is
Category = Literal["problem", "idea", "support", "concern"]
CATEGORIES: tuple[str, ...] = get_args(Category)
#: the responsible body's answer to a fix or a contribution
Decision = Literal["adopted", "adopted_in_part", "not_adopted"]
DECISIONS: tuple[str, ...] = get_args(Decision)
#: moderation states of contributions and comments (only ``published`` ones are public)
MODERATION: tuple[str, ...] = ("submitted", "published", "rejected")

I18n = dict[str, str]


class Proceeding(Base):
    """A participation proceeding on planned fixes in one area of a city."""

    __tablename__ = "proceedings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    city: Mapped[str] = mapped_column(String(63))
    title: Mapped[I18n] = mapped_column(JSON)
    description: Mapped[I18n] = mapped_column(JSON, default=dict)
    body: Mapped[str] = mapped_column(String(200))
    #: GeoJSON Polygon (WGS84) of the area the proceeding covers
    area: Mapped[dict[str, Any]] = mapped_column(JSON)
    phase: Mapped[str] = mapped_column(String(16), default="information")
    #: ``{phase: {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}}``
    schedule: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    #: what the fixes' effects were computed for (category, budget in minutes)
    category: Mapped[str] = mapped_column(String(40))
    budget_min: Mapped[float] = mapped_column(Float)
    #: the result as the body published it (when it entered the result phase)
    result: Mapped[I18n] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Fix(Base):
    """A planned fix: one scenario change with its effect from the scenario engine."""

    __tablename__ = "proceeding_fixes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proceeding_id: Mapped[int] = mapped_column(
        ForeignKey("proceedings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[I18n] = mapped_column(JSON)
    #: one change of :mod:`stufenlos.analysis.scenario` (e.g. ``{"action": "add_elevator",
    #: "way": 37076926}``)
    change: Mapped[dict[str, Any]] = mapped_column(JSON)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    #: ``[{"profile", "category", "gained_<group>"..., "lost_<group>"...}]`` per profile
    effect: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: how the effect was computed (budget, applied changes), for the record
    effect_note: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_reason: Mapped[I18n] = mapped_column(JSON, default=dict)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Contribution(Base):
    """A located contribution of the public (anonymous, pre-moderated)."""

    __tablename__ = "proceeding_contributions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proceeding_id: Mapped[int] = mapped_column(
        ForeignKey("proceedings.id", ondelete="CASCADE"), index=True)
    fix_id: Mapped[int | None] = mapped_column(
        ForeignKey("proceeding_fixes.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_reason: Mapped[I18n] = mapped_column(JSON, default=dict)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: salted hash of the submitting client (rate limits), never shown
    client_hash: Mapped[str | None] = mapped_column(String(64))


class ContributionContact(Base):
    """Optional contact e-mail, kept apart from the contribution and never published."""

    __tablename__ = "proceeding_contacts"

    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("proceeding_contributions.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))


class ContributionPhoto(Base):
    """A contribution's photo, re-encoded without any metadata."""

    __tablename__ = "proceeding_photos"

    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("proceeding_contributions.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class Comment(Base):
    """A comment on a contribution (anonymous, pre-moderated like contributions)."""

    __tablename__ = "proceeding_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("proceeding_contributions.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_hash: Mapped[str | None] = mapped_column(String(64))


class Support(Base):
    """One person's support of a fix or a contribution (counted once per person)."""

    __tablename__ = "proceeding_supports"
    __table_args__ = (UniqueConstraint("target", "target_id", "supporter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proceeding_id: Mapped[int] = mapped_column(
        ForeignKey("proceedings.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(16))  # fix | contribution
    target_id: Mapped[int] = mapped_column(Integer)
    #: salted hash of the supporter's token (never the token itself)
    supporter: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
