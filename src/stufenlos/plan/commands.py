"""Editing the action plan: every edit checks the editor's role and is audited.

Functions take an open :class:`~sqlalchemy.orm.Session` and leave committing
to the caller (:meth:`~stufenlos.plan.store.PlanStore.session` commits on success
and rolls back on error, so a failed edit changes nothing).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import secrets
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from stufenlos.plan.models import (
    WEB_URL_PATTERN,
    Assessment,
    Body,
    CoCreationFigure,
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
from stufenlos.plan.store import (
    AuthenticationError,
    PermissionDeniedError,
    PlanConflictError,
    PlanNotFoundError,
    _get_commitment,
    _get_plan,
    record,
    to_dict,
)

__all__ = [
    "AssessmentCreate",
    "CoCreationChange",
    "DialogueEventCreate",
    "EditorCreate",
    "Link",
    "MeetingCreate",
    "MilestoneChange",
    "StakeholderChange",
    "StakeholderCreate",
    "StatusUpdateCreate",
    "WebUrl",
    "add_assessment",
    "add_dialogue_event",
    "add_meeting",
    "add_stakeholder",
    "add_status_update",
    "authenticate",
    "change_cocreation",
    "change_milestone",
    "change_stakeholder",
    "create_editor",
    "hash_secret",
    "require_role",
    "verify_secret",
]

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


@functools.cache
def _stand_in() -> str:
    """A scrypt hash of a random secret, for refusing unknown editors."""
    return hash_secret(secrets.token_urlsafe(32))


def authenticate(session: Session, username: str, secret: str) -> Editor:
    """The editor with these credentials, or :class:`AuthenticationError`.

    An unknown name is checked against a stand-in hash, so it takes as long to
    refuse as a wrong secret of a real editor.
    """
    editor = session.scalar(select(Editor).where(Editor.username == username[:64]))
    matches = verify_secret(secret, editor.secret_hash if editor else _stand_in())
    if editor is None or not matches:
        msg = "unknown editor or wrong secret"
        raise AuthenticationError(msg)
    return editor


def require_role(editor: Editor, role: str) -> None:
    """Raise :class:`PermissionDeniedError` unless ``editor`` has ``role`` (or ``admin``)."""
    if role not in editor.roles and "admin" not in editor.roles:
        msg = f"editor {editor.username!r} lacks the {role!r} role"
        raise PermissionDeniedError(msg)


# ---------------------------------------------------------------- edits

#: an ``http://`` or ``https://`` address: evidence, materials and minutes are shown as links
WebUrl = Annotated[str, Field(max_length=500, pattern=WEB_URL_PATTERN,
                              examples=["https://example.org/minutes.pdf"])]


class Link(BaseModel):
    """A labelled link to a document on the web."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=200)
    url: WebUrl


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
    evidence: list[Link] = Field(default=None)  # type: ignore[assignment]


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
    minutes_url: WebUrl | None = None


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
    materials: list[Link] = Field(default_factory=list)
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
