"""Reading and editing the action plan: every edit checks the editor's role and is audited.

Functions take an open :class:`~sqlalchemy.orm.Session` and leave committing
to the caller (:meth:`PlanStore.session` commits on success and rolls back on
error, so a failed edit changes nothing).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from stufenlos.db import make_engine, make_sessionmaker, upgrade
from stufenlos.errors import StufenlosError
from stufenlos.plan.models import (
    ActionPlan,
    Assessment,
    AuditEntry,
    Body,
    CoCreationFigure,
    Commitment,
    CompletionLevel,
    DialogueEvent,
    Editor,
    Meeting,
    Milestone,
    MilestoneStatus,
    Role,
    Stakeholder,
    StatusUpdate,
)

__all__ = [
    "UPDATE_GRACE_DAYS",
    "AssessmentCreate",
    "AuthenticationError",
    "CoCreationChange",
    "DialogueEventCreate",
    "EditorCreate",
    "MeetingCreate",
    "MilestoneChange",
    "PermissionDeniedError",
    "PlanConflictError",
    "PlanError",
    "PlanNotFoundError",
    "PlanStore",
    "StakeholderChange",
    "StakeholderCreate",
    "StatusUpdateCreate",
    "add_assessment",
    "add_dialogue_event",
    "add_meeting",
    "add_stakeholder",
    "add_status_update",
    "authenticate",
    "change_cocreation",
    "change_milestone",
    "change_stakeholder",
    "commitment_detail",
    "create_editor",
    "feed_entries",
    "hash_secret",
    "plan_overview",
    "quarter_of",
    "quarterly_status",
    "record",
    "require_role",
    "to_dict",
    "verify_secret",
]

logger = logging.getLogger(__name__)

#: days after a quarter ends before its missing status update counts as overdue
UPDATE_GRACE_DAYS = 30
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class PlanError(StufenlosError):
    """A plan edit or query that cannot be carried out."""


class PlanNotFoundError(PlanError, LookupError):
    """No plan, commitment, milestone or body with that id."""

    http_status = 404


class PlanConflictError(PlanError):
    """The edit clashes with existing data (e.g. a second update for one quarter)."""

    http_status = 409


class AuthenticationError(PlanError):
    """Unknown editor or wrong secret."""

    http_status = 401


class PermissionDeniedError(PlanError):
    """The editor lacks the role an edit needs."""

    http_status = 403


# ---------------------------------------------------------------- store


class PlanStore:
    """The plan tables in the application database at ``url`` (migrated on open)."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        if migrate:
            upgrade(url)
        self.engine: Engine = make_engine(url)
        self._sessions: sessionmaker = make_sessionmaker(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back otherwise."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


# ---------------------------------------------------------------- values


def to_dict(obj: Any) -> dict[str, Any]:
    """The column values of a row as JSON-ready Python values (dates as ISO text)."""
    out: dict[str, Any] = {}
    for col in obj.__table__.columns:
        value = getattr(obj, col.key)
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:  # SQLite hands back naive datetimes; we store UTC
                value = value.replace(tzinfo=dt.UTC)
            value = value.isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out[col.key] = value
    return out


def quarter_of(day: dt.date) -> str:
    """The quarter a day falls in, e.g. ``2024-Q2``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    m = _QUARTER.match(quarter)
    if not m:
        msg = f"quarter must look like 2024-Q1, got {quarter!r}"
        raise PlanError(msg)
    year, q = int(m.group(1)), int(m.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return start, end - dt.timedelta(days=1)


def quarterly_status(
    commitment: Commitment, updates: list[StatusUpdate], today: dt.date
) -> list[dict[str, Any]]:
    """One row per quarter of the commitment's period that has ended.

    Each row: ``quarter``, ``due`` (quarter end + :data:`UPDATE_GRACE_DAYS`),
    ``update_id`` (or ``None``) and ``overdue`` (no update and ``due`` passed).
    A commitment without start and end dates has no schedule: ``[]``.
    """
    if commitment.start_date is None or commitment.end_date is None:
        return []
    by_quarter = {u.quarter: u for u in updates}
    rows = []
    start, _ = _quarter_bounds(quarter_of(commitment.start_date))
    while start <= commitment.end_date:
        quarter = quarter_of(start)
        _, end = _quarter_bounds(quarter)
        if end >= today:
            break
        due = end + dt.timedelta(days=UPDATE_GRACE_DAYS)
        update = by_quarter.get(quarter)
        rows.append(
            {
                "quarter": quarter,
                "due": due.isoformat(),
                "update_id": update.id if update else None,
                "overdue": update is None and today > due,
            }
        )
        start = end + dt.timedelta(days=1)
    return rows


def _milestone_overdue(milestone: Milestone, today: dt.date) -> bool:
    return (
        milestone.due_date is not None
        and milestone.due_date < today
        and milestone.status not in ("done", "cancelled")
    )


# ---------------------------------------------------------------- secrets and roles

# scrypt from the standard library (no extra dependency); parameters as OWASP suggests
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_secret(secret: str) -> str:
    """An ``scrypt$n$r$p$salt$hash`` string for ``secret``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return "scrypt${n}${r}${p}$".format(**_SCRYPT) + f"{b64(salt).decode()}${b64(digest).decode()}"


def verify_secret(secret: str, stored: str) -> bool:
    """Whether ``secret`` matches a :func:`hash_secret` string (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    got = hashlib.scrypt(
        secret.encode("utf-8"),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(expected),
    )
    return hmac.compare_digest(got, expected)


class EditorCreate(BaseModel):
    """A new editor account."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")
    secret: str = Field(min_length=12, description="At least 12 characters.")
    roles: list[Role] = Field(default_factory=lambda: ["edit"])

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


def create_editor(session: Session, data: EditorCreate, *, actor: str) -> Editor:
    """Create an editor account (the secret is stored only as a hash)."""
    if session.scalar(select(Editor).where(Editor.username == data.username)):
        msg = f"editor {data.username!r} exists already"
        raise PlanConflictError(msg)
    editor = Editor(username=data.username, secret_hash=hash_secret(data.secret), roles=data.roles)
    session.add(editor)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        obj=editor,
        summary=f"editor {editor.username} with roles {', '.join(editor.roles)}",
        public=False,
        after={"username": editor.username, "roles": editor.roles},
    )
    return editor


def authenticate(session: Session, username: str, secret: str) -> Editor:
    """The editor with these credentials, or :class:`AuthenticationError`."""
    editor = session.scalar(select(Editor).where(Editor.username == username))
    if editor is None or not verify_secret(secret, editor.secret_hash):
        msg = "unknown editor or wrong secret"
        raise AuthenticationError(msg)
    return editor


def require_role(editor: Editor, role: str) -> None:
    """Raise :class:`PermissionDeniedError` unless ``editor`` has ``role`` (or ``admin``)."""
    if role not in editor.roles and "admin" not in editor.roles:
        msg = f"editor {editor.username!r} lacks the {role!r} role"
        raise PermissionDeniedError(msg)


# ---------------------------------------------------------------- audit


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    obj: Any,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    public: bool = True,
) -> AuditEntry:
    """Append an audit entry for an edit of ``obj`` (a mapped row)."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=obj.__tablename__.removeprefix("plan_"),
        entity_id=getattr(obj, "id", None),
        summary=summary,
        before=before,
        after=after if after is not None else to_dict(obj),
        public=public,
    )
    session.add(entry)
    return entry


# ---------------------------------------------------------------- queries


def _get_commitment(session: Session, slug: str) -> Commitment:
    c = session.scalar(
        select(Commitment).where((Commitment.slug == slug) | (Commitment.code == slug))
    )
    if c is None:
        msg = f"no commitment {slug!r}"
        raise PlanNotFoundError(msg)
    return c


def _get_plan(session: Session, slug: str | None) -> ActionPlan:
    stmt = select(ActionPlan).order_by(ActionPlan.id)
    if slug:
        stmt = stmt.where(ActionPlan.slug == slug)
    plan = session.scalars(stmt).first()
    if plan is None:
        msg = (
            f"no action plan {slug!r}" if slug else "no action plan yet (run `stufenlos plan seed`)"
        )
        raise PlanNotFoundError(msg)
    return plan


def commitment_detail(session: Session, slug: str, *, today: dt.date) -> dict[str, Any]:
    """A commitment with milestones, status updates, schedule, assessments and flags."""
    c = _get_commitment(session, slug)
    milestones = session.scalars(
        select(Milestone).where(Milestone.commitment_id == c.id).order_by(Milestone.position)
    ).all()
    updates = session.scalars(
        select(StatusUpdate)
        .where(StatusUpdate.commitment_id == c.id)
        .order_by(StatusUpdate.quarter.desc())
    ).all()
    assessments = session.scalars(
        select(Assessment).where(Assessment.commitment_id == c.id).order_by(Assessment.id)
    ).all()
    schedule = quarterly_status(c, list(updates), today)
    out = to_dict(c)
    out["milestones"] = [to_dict(m) | {"overdue": _milestone_overdue(m, today)} for m in milestones]
    out["status_updates"] = [to_dict(u) for u in updates]
    out["schedule"] = schedule
    out["overdue_updates"] = [row["quarter"] for row in schedule if row["overdue"]]
    out["overdue_milestones"] = [m.slug for m in milestones if _milestone_overdue(m, today)]
    out["assessments"] = [to_dict(a) for a in assessments]
    return out


def plan_overview(session: Session, slug: str | None = None, *, today: dt.date) -> dict[str, Any]:
    """A plan with its commitments (in detail), bodies and meetings, stakeholders, figures."""
    plan = _get_plan(session, slug)
    out = to_dict(plan)
    commitments = session.scalars(
        select(Commitment).where(Commitment.plan_id == plan.id).order_by(Commitment.position)
    ).all()
    out["commitments"] = [commitment_detail(session, c.slug, today=today) for c in commitments]
    bodies = session.scalars(select(Body).where(Body.plan_id == plan.id).order_by(Body.id)).all()
    out["bodies"] = []
    for b in bodies:
        meetings = session.scalars(
            select(Meeting).where(Meeting.body_id == b.id).order_by(Meeting.date.desc())
        ).all()
        out["bodies"].append(to_dict(b) | {"meetings": [to_dict(m) for m in meetings]})
    out["stakeholders"] = [
        to_dict(s)
        for s in session.scalars(
            select(Stakeholder).where(Stakeholder.plan_id == plan.id).order_by(Stakeholder.id)
        )
    ]
    out["cocreation"] = [
        to_dict(f)
        for f in session.scalars(
            select(CoCreationFigure)
            .where(CoCreationFigure.plan_id == plan.id)
            .order_by(CoCreationFigure.id)
        )
    ]
    return out


def feed_entries(session: Session, *, limit: int = 100) -> list[AuditEntry]:
    """The latest public changes, newest first (the Atom feed's entries)."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.public.is_(True))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )


def last_change(session: Session) -> dt.datetime | None:
    """When the plan data last changed (latest public audit entry)."""
    value = session.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.public.is_(True)))
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


# ---------------------------------------------------------------- edits

#: a text in German, English and/or easy-read German (``ls``)
I18nText = dict[Literal["de", "en", "ls"], str]


def _no_number(value: Any) -> Any:
    if isinstance(value, int | float):  # pydantic would read numbers as Unix times
        msg = "dates are written YYYY-MM-DD"
        raise ValueError(msg)
    return value


#: a calendar date given as ``YYYY-MM-DD`` (or a :class:`datetime.date`)
IsoDate = Annotated[dt.date, BeforeValidator(_no_number)]


class StatusUpdateCreate(BaseModel):
    """A quarterly status update."""

    model_config = ConfigDict(extra="forbid")

    quarter: str = Field(pattern=r"^\d{4}-Q[1-4]$", examples=["2024-Q1"])
    progress_pct: int = Field(ge=0, le=100)
    text: I18nText = Field(min_length=1)


def add_status_update(
    session: Session, editor: Editor, commitment: str, data: StatusUpdateCreate
) -> StatusUpdate:
    """Publish a quarterly update; the latest quarter's progress becomes the commitment's."""
    require_role(editor, "edit")
    c = _get_commitment(session, commitment)
    exists = session.scalar(
        select(StatusUpdate).where(
            StatusUpdate.commitment_id == c.id, StatusUpdate.quarter == data.quarter
        )
    )
    if exists is not None:
        msg = f"{c.code or c.slug} has an update for {data.quarter} already"
        raise PlanConflictError(msg)
    update = StatusUpdate(
        commitment_id=c.id,
        quarter=data.quarter,
        progress_pct=data.progress_pct,
        text=data.text,
        author=editor.username,
    )
    session.add(update)
    session.flush()
    latest = session.scalar(
        select(StatusUpdate)
        .where(StatusUpdate.commitment_id == c.id)
        .order_by(StatusUpdate.quarter.desc())
    )
    before = to_dict(c)
    if latest is not None and latest.id == update.id:
        c.progress_pct = data.progress_pct
        c.updated_at = dt.datetime.now(dt.UTC)
    label = c.code or c.slug
    record(
        session,
        actor=editor.username,
        action="create",
        obj=update,
        summary=f"{label}: status update {data.quarter}, {data.progress_pct} % complete",
    )
    if before != to_dict(c):
        record(
            session,
            actor=editor.username,
            action="update",
            obj=c,
            before=before,
            summary=f"{label}: progress now {c.progress_pct} %",
            public=False,  # the update entry above already announces it
        )
    return update


class MilestoneChange(BaseModel):
    """Fields of a milestone an editor may change; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    # None only as "left out": null is not a valid value, so the schema does not offer it
    status: MilestoneStatus = Field(default=None)  # type: ignore[assignment]
    due_date: IsoDate | None = Field(default=None, description="null clears the due date")
    evidence: list[dict[str, str]] = Field(default=None)  # type: ignore[assignment]


def change_milestone(
    session: Session, editor: Editor, slug: str, data: MilestoneChange
) -> Milestone:
    """Change a milestone's status, due date or evidence."""
    require_role(editor, "edit")
    m = session.scalar(select(Milestone).where(Milestone.slug == slug))
    if m is None:
        msg = f"no milestone {slug!r}"
        raise PlanNotFoundError(msg)
    before = to_dict(m)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(m, key, value)
    m.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    changed = sorted(k for k in data.model_fields_set if before[k] != to_dict(m)[k])
    record(
        session,
        actor=editor.username,
        action="update",
        obj=m,
        before=before,
        summary=f"milestone {m.slug}: {', '.join(changed) or 'no'} changed"
        + (f" (status {m.status})" if "status" in changed else ""),
    )
    return m


class AssessmentCreate(BaseModel):
    """An independent monitor's assessment."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["inception", "end_of_commitment"]
    verifiable: StrictBool | None = None
    relevant: StrictBool | None = None
    completion: CompletionLevel | None = None
    text: I18nText = Field(default_factory=dict)
    published: IsoDate | None = None


def add_assessment(
    session: Session, editor: Editor, commitment: str, data: AssessmentCreate
) -> Assessment:
    """Record an assessment of the independent monitor (role ``monitor``)."""
    require_role(editor, "monitor")
    c = _get_commitment(session, commitment)
    a = Assessment(commitment_id=c.id, author=editor.username, **data.model_dump())
    session.add(a)
    session.flush()
    record(
        session,
        actor=editor.username,
        action="create",
        obj=a,
        summary=f"{c.code or c.slug}: {data.kind.replace('_', '-')} assessment"
        + (f", completion {data.completion}" if data.completion else ""),
    )
    return a


class MeetingCreate(BaseModel):
    """A meeting of a governance body with its decisions."""

    model_config = ConfigDict(extra="forbid")

    date: IsoDate
    title: I18nText = Field(min_length=1)
    decisions: I18nText = Field(default_factory=dict)
    minutes_url: str | None = Field(default=None, pattern=r"^https?://")


def add_meeting(session: Session, editor: Editor, body: str, data: MeetingCreate) -> Meeting:
    """Publish a meeting of a body (steering group, forum, working group)."""
    require_role(editor, "edit")
    b = session.scalar(select(Body).where(Body.slug == body))
    if b is None:
        msg = f"no body {body!r}"
        raise PlanNotFoundError(msg)
    m = Meeting(body_id=b.id, **data.model_dump())
    session.add(m)
    session.flush()
    name = b.name.get("en") or next(iter(b.name.values()), b.slug)
    record(
        session,
        actor=editor.username,
        action="create",
        obj=m,
        summary=f"{name}: meeting on {data.date.isoformat()}",
    )
    return m


class DialogueEventCreate(BaseModel):
    """A data-dialogue event."""

    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    topic: I18nText = Field(min_length=1)
    audience: I18nText = Field(default_factory=dict)
    date: IsoDate | None = None
    place: str | None = None
    online: StrictBool = False
    materials: list[dict[str, str]] = Field(default_factory=list)
    outcomes: I18nText = Field(default_factory=dict)


def add_dialogue_event(
    session: Session, editor: Editor, data: DialogueEventCreate
) -> DialogueEvent:
    """Announce or document a data-dialogue event."""
    require_role(editor, "edit")
    if session.scalar(select(DialogueEvent).where(DialogueEvent.slug == data.slug)):
        msg = f"a dialogue event {data.slug!r} exists already"
        raise PlanConflictError(msg)
    e = DialogueEvent(**data.model_dump())
    session.add(e)
    session.flush()
    topic = data.topic.get("en") or next(iter(data.topic.values()))
    record(
        session, actor=editor.username, action="create", obj=e, summary=f"data dialogue: {topic}"
    )
    return e


class StakeholderCreate(BaseModel):
    """An organisation taking part in the plan."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    sector: Literal["government", "civil_society", "private_sector", "academia", "other"]
    role: I18nText = Field(default_factory=dict)
    endorsed: StrictBool | None = None


def add_stakeholder(
    session: Session, editor: Editor, plan: str | None, data: StakeholderCreate
) -> Stakeholder:
    """Add a stakeholder (and whether it endorsed the plan) to a plan."""
    require_role(editor, "edit")
    p = _get_plan(session, plan)
    s = Stakeholder(plan_id=p.id, **data.model_dump())
    session.add(s)
    session.flush()
    endorsed = {True: "endorsed", False: "did not endorse", None: "endorsement not recorded"}
    record(
        session,
        actor=editor.username,
        action="create",
        obj=s,
        summary=f"stakeholder {s.name} ({s.sector}, {endorsed[s.endorsed]})",
    )
    return s


class StakeholderChange(BaseModel):
    """Record whether a stakeholder endorsed the plan."""

    model_config = ConfigDict(extra="forbid")

    endorsed: StrictBool | None


def change_stakeholder(
    session: Session, editor: Editor, stakeholder_id: int, data: StakeholderChange
) -> Stakeholder:
    """Set or clear a stakeholder's endorsement."""
    require_role(editor, "edit")
    s = session.get(Stakeholder, stakeholder_id)
    if s is None:
        msg = f"no stakeholder {stakeholder_id}"
        raise PlanNotFoundError(msg)
    before = to_dict(s)
    s.endorsed = data.endorsed
    session.flush()
    record(
        session,
        actor=editor.username,
        action="update",
        obj=s,
        before=before,
        summary=f"stakeholder {s.name}: endorsed = {s.endorsed}",
    )
    return s


class CoCreationChange(BaseModel):
    """Participants and meetings of one sector; ``None`` means not recorded."""

    model_config = ConfigDict(extra="forbid")

    participants: int | None = Field(default=None, ge=0)
    meetings: int | None = Field(default=None, ge=0)
    note: I18nText | None = None


def change_cocreation(
    session: Session, editor: Editor, figure_id: int, data: CoCreationChange
) -> CoCreationFigure:
    """Correct a co-creation figure (only the fields sent change)."""
    require_role(editor, "edit")
    f = session.get(CoCreationFigure, figure_id)
    if f is None:
        msg = f"no co-creation figure {figure_id}"
        raise PlanNotFoundError(msg)
    before = to_dict(f)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(f, key, value if value is not None or key != "note" else {})
    session.flush()
    record(
        session,
        actor=editor.username,
        action="update",
        obj=f,
        before=before,
        summary=f"co-creation figures of {f.sector} changed",
    )
    return f
