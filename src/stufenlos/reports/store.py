"""ReportStore: the reports database on SQLite or PostgreSQL/PostGIS, via SQLAlchemy.

One class serves both backends; the only difference is spatial filtering,
which uses the PostGIS ``geom`` column and its GiST index on PostgreSQL and
plain coordinate ranges on SQLite.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Engine, Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

from stufenlos.db import database_url, ensure_schema, make_engine, make_sessionmaker
from stufenlos.reports.models import Report

__all__ = [
    "OPEN_STATUSES",
    "PUBLIC_STATUSES",
    "PUBLISHED_STATUSES",
    "ReportQuery",
    "ReportStore",
]

logger = logging.getLogger(__name__)

#: internal statuses that Open311 calls ``open``; every other one is ``closed``
OPEN_STATUSES = ("submitted", "open", "acknowledged", "in_progress")
#: statuses a report can have once a moderator has published it
PUBLISHED_STATUSES = ("open", "acknowledged", "in_progress",
                      "fixed", "not_fixable", "duplicate", "expired")  # fmt: skip
#: statuses anyone may see in a post-moderated city (``submitted`` reports are public
#: only there; ``rejected`` reports and hidden ones never are)
PUBLIC_STATUSES = ("submitted", *PUBLISHED_STATUSES)

class ReportQuery:
    """Filters for listing reports (all optional, combined with AND)."""

    def __init__(
        self,
        *,
        ids: Sequence[int] | None = None,
        service_codes: Sequence[str] | None = None,
        open311_statuses: Sequence[str] | None = None,
        statuses: Sequence[str] | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        jurisdiction: str | None = None,
        include_hidden: bool = False,
        limit: int = 1000,
    ) -> None:
        self.ids = list(ids) if ids else None
        self.service_codes = list(service_codes) if service_codes else None
        self.open311_statuses = list(open311_statuses) if open311_statuses else None
        self.statuses = list(statuses) if statuses else None
        self.start = start
        self.end = end
        self.bbox = bbox
        self.jurisdiction = jurisdiction
        self.include_hidden = include_hidden
        self.limit = limit


class ReportStore:
    """The report tables in the application database.

    Parameters
    ----------
    url
        SQLAlchemy URL; default :func:`stufenlos.db.database_url`.
    migrate
        Bring the schema up to date first (once per URL and process).
    """

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = url or database_url()
        if migrate:
            ensure_schema(self.url)
        self.engine: Engine = make_engine(self.url)
        self._sessionmaker = make_sessionmaker(self.engine)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessionmaker() as session, session.begin():
            yield session

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def select_reports(
        self, q: ReportQuery, *, post_moderated: Collection[str] = ()
    ) -> Select[tuple[Report]]:
        """The SELECT for ``q``, newest first.

        Unless ``q.include_hidden``, only published reports are selected, and the
        ``submitted`` ones of the cities in ``post_moderated``.
        """
        stmt = select(Report)
        conds = []
        if not q.include_hidden:
            conds.append(Report.hidden.is_(False))
            visible = Report.status.in_(PUBLISHED_STATUSES)
            if post_moderated:
                visible = or_(visible, and_(Report.status == "submitted",
                                            Report.jurisdiction.in_(sorted(post_moderated))))
            conds.append(visible)
        if q.ids is not None:
            conds.append(Report.id.in_(q.ids))
        else:
            if q.service_codes:
                conds.append(Report.service_code.in_(q.service_codes))
            if q.statuses:
                conds.append(Report.status.in_(q.statuses))
            if q.open311_statuses:
                wanted: list[str] = []
                if "open" in q.open311_statuses:
                    wanted += OPEN_STATUSES
                if "closed" in q.open311_statuses:
                    wanted += [s for s in PUBLISHED_STATUSES if s not in OPEN_STATUSES]
                    wanted.append("rejected")
                conds.append(Report.status.in_(wanted))
            if q.start is not None:
                conds.append(Report.requested_at >= q.start)
            if q.end is not None:
                conds.append(Report.requested_at <= q.end)
            if q.jurisdiction is not None:
                conds.append(Report.jurisdiction == q.jurisdiction)
            if q.bbox is not None:
                conds.append(self._bbox_condition(q.bbox))
        if conds:
            stmt = stmt.where(and_(*conds))
        return stmt.order_by(Report.requested_at.desc(), Report.id.desc()).limit(q.limit)

    def _bbox_condition(self, bbox: tuple[float, float, float, float]):  # type: ignore[no-untyped-def]
        minx, miny, maxx, maxy = bbox
        if self.dialect == "postgresql":
            # The generated PostGIS point and its GiST index (see the migration).
            return text(
                "reports.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)"
            ).bindparams(minx=minx, miny=miny, maxx=maxx, maxy=maxy)
        return and_(
            Report.lon >= minx, Report.lon <= maxx, Report.lat >= miny, Report.lat <= maxy
        )

    def count(self, *, include_hidden: bool = True) -> int:
        """Number of stored reports."""
        with self.session() as s:
            stmt = select(func.count(Report.id))
            if not include_hidden:
                stmt = stmt.where(Report.hidden.is_(False))
            return int(s.scalar(stmt) or 0)
