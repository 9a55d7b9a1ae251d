"""The action-plan tables: the store, its errors, lookups by slug and the audit record.

Functions take an open :class:`~sqlalchemy.orm.Session` and leave committing
to the caller (:meth:`PlanStore.session` commits on success and rolls back on
error, so a failed edit changes nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from stufenlos.db import make_engine, make_sessionmaker, upgrade
from stufenlos.errors import StufenlosError
from stufenlos.plan.models import (
    ActionPlan,
    AuditEntry,
    Commitment,
)

__all__ = [
    "AuthenticationError",
    "PermissionDeniedError",
    "PlanConflictError",
    "PlanError",
    "PlanNotFoundError",
    "PlanStore",
    "record",
    "to_dict",
]


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



# ---------------------------------------------------------------- lookups


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
