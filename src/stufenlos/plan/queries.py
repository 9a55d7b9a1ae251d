"""Reading the action plan: overviews, commitment details, quarterly status, the feed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stufenlos.plan.models import (
    Assessment,
    AuditEntry,
    Body,
    CoCreationFigure,
    Commitment,
    Meeting,
    Milestone,
    Stakeholder,
    StatusUpdate,
)
from stufenlos.plan.store import PlanError, _get_commitment, _get_plan, to_dict

__all__ = [
    "UPDATE_GRACE_DAYS",
    "commitment_detail",
    "feed_entries",
    "last_change",
    "plan_overview",
    "quarter_of",
    "quarterly_status",
]

#: days after a quarter ends before its missing status update counts as overdue
UPDATE_GRACE_DAYS = 30
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


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



# ---------------------------------------------------------------- queries


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
