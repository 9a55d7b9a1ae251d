"""Tables of the action-plan tracker, data dialogues, editor accounts and audit log.

Texts that exist in several languages are JSON objects keyed by language code
(``de``, ``en`` and, for explainers, ``ls`` for easy-read German / Leichte
Sprache), so adding a language needs no migration.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stufenlos.db import Base

__all__ = [
    "COMPLETION_LEVELS",
    "LINKS",
    "MILESTONE_STATUSES",
    "ONE",
    "ROLES",
    "WEB_URL_PATTERN",
    "ActionPlan",
    "Assessment",
    "AuditEntry",
    "Body",
    "CoCreationFigure",
    "Commitment",
    "CompletionLevel",
    "DialogueEvent",
    "Editor",
    "Meeting",
    "Milestone",
    "MilestoneStatus",
    "Role",
    "Stakeholder",
    "StatusUpdate",
    "check_links",
    "check_web_url",
]

#: the independent monitor's completion scale (OGP IRM wording)
CompletionLevel = Literal["not_started", "limited", "substantial", "complete"]
COMPLETION_LEVELS: tuple[str, ...] = get_args(CompletionLevel)
#: ``unknown``: the plan's sources do not record the status
MilestoneStatus = Literal["unknown", "planned", "in_progress", "done", "delayed", "cancelled"]
MILESTONE_STATUSES: tuple[str, ...] = get_args(MilestoneStatus)
#: ``edit`` changes the plan, ``monitor`` writes assessments, ``admin`` manages editors
Role = Literal["edit", "monitor", "admin"]
ROLES: tuple[str, ...] = get_args(Role)

I18n = dict[str, str]

#: a column holding one web address (``info={"url": ONE}``) or a list of
#: ``{"label", "url"}`` links (``info={"url": LINKS}``); checked on every import
ONE, LINKS = "one", "links"
#: an ``http://`` or ``https://`` address with a host name (the OpenAPI schema shows this
#: pattern; it only fixes the start, so JSON Schema and Python read it alike)
WEB_URL_PATTERN = r"^https?://[A-Za-z0-9]"


def check_web_url(value: str) -> str:
    """``value`` if it is an ``http://`` or ``https://`` address with a host
    (:data:`WEB_URL_PATTERN`).

    Anything else (``javascript:``, ``data:``, ``file:`` …) would run or open
    something in the reader's browser when shown as a link.

    Raises
    ------
    ValueError
        Not such an address.
    """
    if not isinstance(value, str) or re.match(WEB_URL_PATTERN, value) is None:
        msg = f"must be an http:// or https:// address, got {str(value)[:60]!r}"
        raise ValueError(msg)
    return value


def check_links(value: Any) -> Any:
    """``value`` if it is a list of ``{"label", "url"}`` links with web addresses."""
    if not isinstance(value, list):
        msg = "must be a list of {label, url} links"
        raise ValueError(msg)
    for link in value:
        if not isinstance(link, dict) or not isinstance(link.get("url"), str):
            msg = "each link needs a url"
            raise ValueError(msg)
        check_web_url(link["url"])
    return value


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ActionPlan(Base):
    """An OGP (Local) action plan of one government."""

    __tablename__ = "plan_action_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[I18n] = mapped_column(JSON)
    summary: Mapped[I18n] = mapped_column(JSON, default=dict)
    government: Mapped[str] = mapped_column(String(200))
    submitted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True, info={"url": ONE})
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Commitment(Base):
    """One commitment of a plan; ``code`` is the OGP id (e.g. ``DEHHB0002``) when known."""

    __tablename__ = "plan_commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan_action_plans.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[I18n] = mapped_column(JSON)
    problem: Mapped[I18n] = mapped_column(JSON, default=dict)
    action: Mapped[I18n] = mapped_column(JSON, default=dict)
    expected_results: Mapped[I18n] = mapped_column(JSON, default=dict)
    #: ``[{"name": ..., "role": "lead" | "supporting" | "civil_society"}]``
    institutions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: OGP values, e.g. ``access_to_information``, ``civic_participation``
    ogp_values: Mapped[list[str]] = mapped_column(JSON, default=list)
    start_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    #: percent complete from the latest status update (None before the first one)
    progress_pct: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Milestone(Base):
    """A milestone of a commitment; ``feature`` links it to the stufenlos feature delivering it."""

    __tablename__ = "plan_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("plan_commitments.id", ondelete="CASCADE")
    )
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[I18n] = mapped_column(JSON)
    description: Mapped[I18n] = mapped_column(JSON, default=dict)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    #: ``[{"label": ..., "url": ...}]``
    evidence: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list,
                                                         info={"url": LINKS})
    feature: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class StatusUpdate(Base):
    """A quarterly status update of a commitment (``quarter`` like ``2024-Q1``)."""

    __tablename__ = "plan_status_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("plan_commitments.id", ondelete="CASCADE")
    )
    quarter: Mapped[str] = mapped_column(String(7))
    progress_pct: Mapped[int] = mapped_column(Integer)
    text: Mapped[I18n] = mapped_column(JSON, default=dict)
    author: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Body(Base):
    """A governance body: steering group, forum or working group."""

    __tablename__ = "plan_bodies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan_action_plans.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[I18n] = mapped_column(JSON)
    description: Mapped[I18n] = mapped_column(JSON, default=dict)
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    meeting_rhythm: Mapped[I18n] = mapped_column(JSON, default=dict)


class Meeting(Base):
    """A meeting of a body with its published decisions and minutes."""

    __tablename__ = "plan_meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("plan_bodies.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[I18n] = mapped_column(JSON)
    decisions: Mapped[I18n] = mapped_column(JSON, default=dict)
    minutes_url: Mapped[str | None] = mapped_column(String(500), nullable=True,
                                                    info={"url": ONE})


class Stakeholder(Base):
    """An organisation taking part in the plan, and whether it endorsed it."""

    __tablename__ = "plan_stakeholders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan_action_plans.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(32))
    role: Mapped[I18n] = mapped_column(JSON, default=dict)
    #: ``None``: whether it endorsed the plan is not recorded
    endorsed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class CoCreationFigure(Base):
    """Co-creation participation by sector; ``None`` counts mean "not recorded"."""

    __tablename__ = "plan_cocreation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan_action_plans.id", ondelete="CASCADE"))
    sector: Mapped[str] = mapped_column(String(32))
    participants: Mapped[int | None] = mapped_column(Integer, nullable=True)
    meetings: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[I18n] = mapped_column(JSON, default=dict)


class Assessment(Base):
    """The independent monitor's assessment of a commitment.

    ``verifiable`` and ``relevant`` are ``None`` while not assessed;
    ``completion`` is one of :data:`COMPLETION_LEVELS` or ``None``.
    """

    __tablename__ = "plan_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("plan_commitments.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))  # inception | end_of_commitment
    verifiable: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    relevant: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    completion: Mapped[str | None] = mapped_column(String(16), nullable=True)
    text: Mapped[I18n] = mapped_column(JSON, default=dict)
    published: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    author: Mapped[str] = mapped_column(String(100))


class DialogueEvent(Base):
    """A data-dialogue event: topic, audience, when and where, materials, outcomes."""

    __tablename__ = "plan_dialogue_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    topic: Mapped[I18n] = mapped_column(JSON)
    audience: Mapped[I18n] = mapped_column(JSON, default=dict)
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    place: Mapped[str | None] = mapped_column(String(200), nullable=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``[{"label": ..., "url": ...}]``
    materials: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list,
                                                          info={"url": LINKS})
    outcomes: Mapped[I18n] = mapped_column(JSON, default=dict)


class Editor(Base):
    """A staff account; ``secret_hash`` is an scrypt hash, never the secret."""

    __tablename__ = "plan_editors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AuditEntry(Base):
    """One edit: who changed which record, when, and the values before and after."""

    __tablename__ = "plan_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # create | update | delete
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: whether the change is public (the Atom feed); editor-account changes are not
    public: Mapped[bool] = mapped_column(Boolean, default=True)
