"""What the plan API answers: one public model per record, as the OpenAPI schema shows it.

Secrets never appear: editors are answered as :class:`EditorPublic` (name and
roles only).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

__all__ = [
    "ActionPlanPublic",
    "AssessmentPublic",
    "AuditEntryPublic",
    "BodyPublic",
    "CoCreationPublic",
    "CommitmentPublic",
    "DialogueEventPublic",
    "EditorPublic",
    "LiveFigurePublic",
    "MeetingPublic",
    "MilestoneDetail",
    "MilestonePublic",
    "QuarterPublic",
    "StakeholderPublic",
    "StatusUpdatePublic",
]

Text = dict[str, str]


class LiveFigurePublic(BaseModel):
    """A live figure from the platform; ``value`` is null while not available."""

    key: str
    label: Text
    value: int | float | None
    unit: str
    available: bool
    note: Text
    as_of: dt.datetime | None


class MilestonePublic(BaseModel):
    """A milestone; ``feature`` names the stufenlos feature that delivers it."""

    id: int
    commitment_id: int
    slug: str
    position: int
    title: Text
    description: Text
    due_date: dt.date | None
    status: str
    evidence: list[dict[str, str]]
    feature: str | None
    updated_at: dt.datetime


class MilestoneDetail(MilestonePublic):
    """A milestone with its overdue flag and, in the plan overview, live figures."""

    overdue: bool
    live_figures: list[LiveFigurePublic] = []


class StatusUpdatePublic(BaseModel):
    """A quarterly status update."""

    id: int
    commitment_id: int
    quarter: str
    progress_pct: int
    text: Text
    author: str
    published_at: dt.datetime


class QuarterPublic(BaseModel):
    """One quarter of a commitment's schedule of updates."""

    quarter: str
    due: dt.date
    update_id: int | None
    overdue: bool


class AssessmentPublic(BaseModel):
    """An independent monitor's assessment (null: not assessed or not recorded)."""

    id: int
    commitment_id: int
    kind: str
    verifiable: bool | None
    relevant: bool | None
    completion: str | None
    text: Text
    published: dt.date | None
    author: str


class CommitmentPublic(BaseModel):
    """A commitment with milestones, updates, schedule, flags and assessments."""

    id: int
    plan_id: int
    slug: str
    code: str | None
    position: int
    title: Text
    problem: Text
    action: Text
    expected_results: Text
    institutions: list[dict[str, Any]]
    ogp_values: list[str]
    start_date: dt.date | None
    end_date: dt.date | None
    progress_pct: int | None
    updated_at: dt.datetime
    milestones: list[MilestoneDetail]
    status_updates: list[StatusUpdatePublic]
    schedule: list[QuarterPublic]
    overdue_updates: list[str]
    overdue_milestones: list[str]
    assessments: list[AssessmentPublic]


class MeetingPublic(BaseModel):
    """A meeting of a body with its decisions."""

    id: int
    body_id: int
    date: dt.date
    title: Text
    decisions: Text
    minutes_url: str | None


class BodyPublic(BaseModel):
    """A governance body and its meetings, newest first."""

    id: int
    plan_id: int
    slug: str
    kind: str
    name: Text
    description: Text
    members: list[str]
    meeting_rhythm: Text
    meetings: list[MeetingPublic]


class StakeholderPublic(BaseModel):
    """An organisation taking part; ``endorsed`` null means not recorded."""

    id: int
    plan_id: int
    name: str
    sector: str
    role: Text
    endorsed: bool | None


class CoCreationPublic(BaseModel):
    """Co-creation participation of one sector; null counts mean not recorded."""

    id: int
    plan_id: int
    sector: str
    participants: int | None
    meetings: int | None
    note: Text


class ActionPlanPublic(BaseModel):
    """A plan with everything its page shows."""

    id: int
    slug: str
    title: Text
    summary: Text
    government: str
    submitted_on: dt.date | None
    start_date: dt.date | None
    end_date: dt.date | None
    url: str | None
    updated_at: dt.datetime
    commitments: list[CommitmentPublic]
    bodies: list[BodyPublic]
    stakeholders: list[StakeholderPublic]
    cocreation: list[CoCreationPublic]


class DialogueEventPublic(BaseModel):
    """A data-dialogue event."""

    id: int
    slug: str
    topic: Text
    audience: Text
    date: dt.date | None
    place: str | None
    online: bool
    materials: list[dict[str, str]]
    outcomes: Text


class EditorPublic(BaseModel):
    """An editor account as the API shows it: name and roles, never the secret."""

    username: str
    roles: list[str]


class AuditEntryPublic(BaseModel):
    """One edit: who, when, what, and the values before and after."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    public: bool
