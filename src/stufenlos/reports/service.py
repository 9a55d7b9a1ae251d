"""The reporting channel's rules: submission, lifecycle, moderation, confirmations, expiry.

Every moderation action and every automatic change is written to the
append-only audit log in the same transaction as the change itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import parse as parse_rate
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stufenlos.closures import Closure, add_closure, remove_report_closures, report_closures
from stufenlos.reports import routing_effect
from stufenlos.reports.catalogue import SERVICES, ServiceType, get_service
from stufenlos.reports.errors import (
    AuthenticationError,
    InvalidTransitionError,
    RateLimitedError,
    ReportInputError,
    ReportNotFoundError,
)
from stufenlos.reports.models import (
    AuditEntry,
    Confirmation,
    Flag,
    Moderator,
    ModeratorSession,
    Report,
    ReportContact,
    ReportEvent,
    ReportPhoto,
    utcnow,
)
from stufenlos.reports.privacy import (
    MAX_DESCRIPTION_CHARS,
    CleanPhoto,
    clean_email,
    clean_text,
    client_hash,
    redact_contacts,
)
from stufenlos.reports.store import (
    OPEN_STATUSES,
    PUBLISHED_STATUSES,
    ReportQuery,
    ReportStore,
)
from stufenlos.settings import get_settings
from stufenlos.shared_state import rate_limit_storage, shared_secret

__all__ = [
    "FLAG_REASONS",
    "STATUSES",
    "TRANSITIONS",
    "ReportService",
    "Submission",
    "open311_status",
]

logger = logging.getLogger(__name__)

STATUSES = (
    "submitted", "open", "acknowledged", "in_progress",
    "fixed", "not_fixable", "duplicate", "rejected", "expired",
)  # fmt: skip
#: allowed status changes by a moderator (``duplicate`` goes through :meth:`merge`)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submitted": ("open", "rejected"),
    "open": ("acknowledged", "in_progress", "fixed", "not_fixable"),
    "acknowledged": ("in_progress", "fixed", "not_fixable"),
    "in_progress": ("fixed", "not_fixable", "acknowledged"),
    "fixed": ("open",),
    "not_fixable": ("open",),
    "expired": ("open",),
    "rejected": ("open",),
    "duplicate": ("open",),
}
#: statuses in which an accepted blocking report closes its edges for routing
ACTIVE_STATUSES = ("open", "acknowledged", "in_progress")
FLAG_REASONS = ("spam", "offensive", "personal_data", "not_a_barrier", "duplicate", "other")
DEFAULT_NOTES = {
    "submitted": "Received; a moderator will check it soon.",
    "open": "Checked by a moderator and published.",
    "acknowledged": "The responsible agency has seen the report.",
    "in_progress": "Work to remove the barrier has started.",
    "fixed": "The barrier has been removed.",
    "not_fixable": "The barrier cannot be removed.",
    "rejected": "Not a barrier report.",
    "expired": "The temporary barrier has reached its end date.",
}
MAX_ADDRESS_CHARS = 400
MAX_NOTE_CHARS = 2000
MAX_ATTRIBUTE_CHARS = 200


def open311_status(status: str) -> str:
    """The GeoReport v2 status (``open``/``closed``) of an internal status."""
    return "open" if status in OPEN_STATUSES else "closed"


def _parse_datetime(value: str, *, field: str) -> dt.datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            # A bare date means "until the end of that day".
            return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        msg = f"{value!r} is not an ISO 8601 date or date-time"
        raise ReportInputError(msg, field=field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


@dataclass
class Submission:
    """What a person submits (Open311 POST fields, already split from the form)."""

    service_code: str
    lat: float | None = None
    lon: float | None = None
    address_string: str | None = None
    address_id: str | None = None
    description: str | None = None
    attributes: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    email: str | None = None
    jurisdiction: str | None = None
    photo: CleanPhoto | None = None


class ReportService:
    """Operations on reports, on top of a :class:`ReportStore`.

    Parameters
    ----------
    store
        Where reports live.
    auto_hide_flags
        Hide a report once this many different clients flagged it (default:
        setting ``auto_hide_flags``).
    submit_rate, public_rate
        Rate limits per client (``limits`` notation, e.g. ``"10/minute"``) for
        submissions and for confirmations/flags (default: settings
        ``report_rate`` and ``public_rate``). They are counted where the
        setting ``rate_limit_storage`` says, by default in the store's
        database, so every process sharing it shares the count.
    closure_finder
        ``(city, lat, lon, equipment) -> closure targets`` used for the routing
        effect (default :func:`~stufenlos.reports.routing_effect.closure_targets`).
    post_moderated
        Cities whose new reports are public before a moderator has looked at
        them (``moderation = "post"`` in their ``city.toml``); default: read
        from the configured cities. Every other city is pre-moderated: a report
        is public only once accepted, and until then only its reporter sees it,
        through its token.
    """

    def __init__(
        self,
        store: ReportStore,
        *,
        auto_hide_flags: int | None = None,
        submit_rate: str | None = None,
        public_rate: str | None = None,
        closure_finder: routing_effect.TargetFinder | None = None,
        post_moderated: Collection[str] | None = None,
    ) -> None:
        self.store = store
        if post_moderated is None:
            from stufenlos.config import discover_cities

            post_moderated = [name for name, cfg in discover_cities().items()
                              if cfg.moderation == "post"]
        self.post_moderated = frozenset(post_moderated)
        settings = get_settings()
        self.auto_hide_flags = (settings.auto_hide_flags if auto_hide_flags is None
                                else auto_hide_flags)
        self._limiter = MovingWindowRateLimiter(
            rate_limit_storage(store.engine, settings.rate_limit_storage))
        self._submit_rate = parse_rate(submit_rate or settings.report_rate)
        self._public_rate = parse_rate(public_rate or settings.public_rate)
        given_salt = settings.client_salt
        self._salt = given_salt.get_secret_value() if given_salt else None
        self._closure_finder = closure_finder or routing_effect.closure_targets
        self._hasher = PasswordHasher()

    # -- clients and rate limits ---------------------------------------------------------

    def client_id(self, address: str | None) -> str:
        """The salted hash that stands for a client address (votes, flags, rate limits).

        The salt is the setting ``client_salt`` or, unset, a secret generated
        once and kept in the database, so every process hashes alike.
        """
        if self._salt is None:
            self._salt = shared_secret(self.store.engine, "client_salt")
        return client_hash(address, salt=self._salt)

    def check_rate(self, client: str, *, kind: str = "submit") -> None:
        """Count one request of ``client``; raise :class:`RateLimitedError` over the limit."""
        item = self._submit_rate if kind == "submit" else self._public_rate
        if not self._limiter.hit(item, kind, client):
            reset, _remaining = self._limiter.get_window_stats(item, kind, client)
            retry = max(1, math.ceil(reset - dt.datetime.now(dt.UTC).timestamp()))
            msg = f"too many requests from this client; try again in {retry} s"
            raise RateLimitedError(msg, retry_after_s=retry)

    # -- submission ----------------------------------------------------------------------

    def submit(self, sub: Submission, *, client: str) -> Report:
        """Validate, sanitise and store a new report (status ``submitted``)."""
        service = get_service(sub.service_code)
        lat, lon = self._check_location(sub)
        description = redact_contacts(clean_text(
            sub.description, field="description", max_chars=MAX_DESCRIPTION_CHARS
        ))
        address = clean_text(
            sub.address_string, field="address_string", max_chars=MAX_ADDRESS_CHARS,
            multiline=False,
        ) or None
        address_id = clean_text(
            sub.address_id, field="address_id", max_chars=100, multiline=False
        ) or None
        attributes, expires_at = self._check_attributes(service, sub.attributes)
        email = clean_email(sub.email)
        now = utcnow()
        if expires_at is not None and expires_at <= now:
            msg = "lies in the past"
            raise ReportInputError(msg, field="attribute[until]")
        report = Report(
            token=secrets.token_urlsafe(16),
            jurisdiction=sub.jurisdiction,
            service_code=service.code,
            description=description,
            attributes=attributes,
            lat=lat,
            lon=lon,
            address=address,
            address_id=address_id,
            status="submitted",
            status_notes=DEFAULT_NOTES["submitted"],
            hidden=False,
            requested_at=now,
            updated_at=now,
            expires_at=expires_at,
            client_hash=client,
        )
        with self.store.session() as s:
            s.add(report)
            s.flush()
            s.add(ReportEvent(report_id=report.id, at=now, kind="status", status="submitted",
                              note=report.status_notes))
            if email:
                s.add(ReportContact(report_id=report.id, email=email))
            if sub.photo is not None:
                s.add(ReportPhoto(report_id=report.id, content_type=sub.photo.content_type,
                                  width=sub.photo.width, height=sub.photo.height,
                                  data=sub.photo.data))
            self._audit(s, actor="public", action="submit", report_id=report.id,
                        detail={"service_code": service.code, "photo": sub.photo is not None})
        logger.info("report %d submitted (%s)", report.id, service.code)
        return report

    @staticmethod
    def _check_location(sub: Submission) -> tuple[float | None, float | None]:
        if (sub.lat is None) != (sub.lon is None):
            field_name = "long" if sub.lon is None else "lat"
            msg = "`lat` and `long` must be given together"
            raise ReportInputError(msg, field=field_name)
        if sub.lat is not None and sub.lon is not None:
            if not (math.isfinite(sub.lat) and -90 <= sub.lat <= 90):
                msg = f"{sub.lat} is not a WGS84 latitude"
                raise ReportInputError(msg, field="lat")
            if not (math.isfinite(sub.lon) and -180 <= sub.lon <= 180):
                msg = f"{sub.lon} is not a WGS84 longitude"
                raise ReportInputError(msg, field="long")
            return float(sub.lat), float(sub.lon)
        if not (sub.address_string or "").strip() and not (sub.address_id or "").strip():
            msg = "a location is required: `lat` and `long`, `address_string` or `address_id`"
            raise ReportInputError(msg, field="lat")
        return None, None

    @staticmethod
    def _check_attributes(
        service: ServiceType, given: Mapping[str, str | Sequence[str]]
    ) -> tuple[dict[str, Any], dt.datetime | None]:
        known = {a.code: a for a in service.attributes}
        out: dict[str, Any] = {}
        expires_at = None
        for code in given:
            if code not in known:
                msg = f"service {service.code!r} has no attribute {code!r}"
                raise ReportInputError(msg, field=f"attribute[{code}]")
        for attr in service.attributes:
            field_name = f"attribute[{attr.code}]"
            raw = given.get(attr.code)
            values = [raw] if isinstance(raw, str) else list(raw or [])
            values = [v for v in values if v is not None and str(v).strip() != ""]
            if not values:
                if attr.required:
                    msg = "is required"
                    raise ReportInputError(msg, field=field_name)
                continue
            if attr.datatype != "multivaluelist" and len(values) > 1:
                msg = "takes one value"
                raise ReportInputError(msg, field=field_name)
            keys = {k for k, _ in attr.values}
            if attr.datatype == "number":
                try:
                    number = float(values[0])
                except ValueError:
                    msg = f"{values[0]!r} is not a number"
                    raise ReportInputError(msg, field=field_name) from None
                if not math.isfinite(number) or number < 0 or number > 1e6:
                    msg = f"{values[0]!r} is out of range"
                    raise ReportInputError(msg, field=field_name)
                out[attr.code] = number
            elif attr.datatype == "datetime":
                when = _parse_datetime(str(values[0]), field=field_name)
                out[attr.code] = when.isoformat().replace("+00:00", "Z")
                if attr.code == "until":
                    expires_at = when
            elif attr.datatype in ("singlevaluelist", "multivaluelist"):
                bad = [v for v in values if v not in keys]
                if bad:
                    msg = f"{bad[0]!r} is not one of {', '.join(sorted(keys))}"
                    raise ReportInputError(msg, field=field_name)
                out[attr.code] = values if attr.datatype == "multivaluelist" else values[0]
            else:
                out[attr.code] = redact_contacts(clean_text(
                    str(values[0]), field=field_name, max_chars=MAX_ATTRIBUTE_CHARS,
                    multiline=attr.datatype == "text",
                ))
        return out, expires_at

    # -- reading -------------------------------------------------------------------------

    def get(self, report_id: int, *, public: bool = True) -> Report:
        """A report with its history; public callers see no hidden or rejected ones."""
        with self.store.session() as s:
            report = s.get(Report, report_id)
            if report is None or (public and not self.is_public(report)):
                msg = f"no report with `service_request_id` {report_id}"
                raise ReportNotFoundError(msg)
            _ = report.events, report.photo  # load while the session is open
            return report

    def is_public(self, report: Report) -> bool:
        """Whether anyone may see ``report``: published and not hidden.

        A ``submitted`` report is public only in a post-moderated city.
        """
        if report.hidden:
            return False
        return report.status in PUBLISHED_STATUSES or (
            report.status == "submitted" and report.jurisdiction in self.post_moderated)

    def by_token(self, token: str) -> Report:
        """The report created with ``token``, whatever its status (its reporter's view)."""
        with self.store.session() as s:
            report = s.scalar(select(Report).where(Report.token == token))
            if report is None:
                msg = "no report for this token"
                raise ReportNotFoundError(msg)
            _ = report.events, report.photo  # load while the session is open
            return report

    def list(self, query: ReportQuery) -> list[Report]:
        """Reports matching ``query``, newest first."""
        self.expire_due()
        with self.store.session() as s:
            reports = list(s.scalars(self.store.select_reports(
                query, post_moderated=self.post_moderated)))
            for r in reports:
                _ = r.photo
            return reports

    def photo(self, report_id: int) -> ReportPhoto:
        """The photo of a public report."""
        with self.store.session() as s:
            report = s.get(Report, report_id)
            if report is None or not self.is_public(report) or report.photo is None:
                msg = f"no photo for report {report_id}"
                raise ReportNotFoundError(msg)
            _ = report.photo.data  # deferred column: load it while the session is open
            return report.photo

    def confirmations(self, report_id: int) -> dict[str, int]:
        """How many clients said ``still_there`` and ``fixed``."""
        with self.store.session() as s:
            rows = s.execute(
                select(Confirmation.kind, func.count(Confirmation.id))
                .where(Confirmation.report_id == report_id)
                .group_by(Confirmation.kind)
            ).all()
        counts = {"still_there": 0, "fixed": 0}
        counts.update({k: int(n) for k, n in rows})
        return counts

    def contact_email(self, report_id: int) -> str | None:
        """The stored contact of a report (for notifying the reporter; never published)."""
        with self.store.session() as s:
            contact = s.get(ReportContact, report_id)
            return contact.email if contact else None

    # -- public participation ------------------------------------------------------------

    def confirm(self, report_id: int, *, kind: str, client: str) -> dict[str, int]:
        """Record that the barrier is still there (``still_there``) or ``fixed``.

        One vote per client, report and kind; repeating it changes nothing.
        """
        if kind not in ("still_there", "fixed"):
            msg = f"must be still_there or fixed, got {kind!r}"
            raise ReportInputError(msg, field="kind")
        self.get(report_id)
        now = utcnow()
        with self.store.session() as s:
            exists = s.scalar(select(Confirmation.id).where(
                Confirmation.report_id == report_id, Confirmation.client_hash == client,
                Confirmation.kind == kind))
            if exists is None:
                s.add(Confirmation(report_id=report_id, client_hash=client, kind=kind, at=now))
                note = ("Someone confirmed the barrier is still there." if kind == "still_there"
                        else "Someone says the barrier has been fixed.")
                s.add(ReportEvent(report_id=report_id, at=now, kind=kind, note=note))
        return self.confirmations(report_id)

    def flag(self, report_id: int, *, reason: str, client: str) -> bool:
        """Flag a report as abusive; returns whether it is now hidden.

        After :attr:`auto_hide_flags` flags from different clients the report
        is hidden until a moderator looks at it.
        """
        if reason not in FLAG_REASONS:
            msg = f"must be one of {', '.join(FLAG_REASONS)}, got {reason!r}"
            raise ReportInputError(msg, field="reason")
        self.get(report_id)
        now = utcnow()
        with self.store.session() as s:
            exists = s.scalar(select(Flag.id).where(
                Flag.report_id == report_id, Flag.client_hash == client))
            if exists is None:
                s.add(Flag(report_id=report_id, client_hash=client, reason=reason, at=now))
                self._audit(s, actor="public", action="flag", report_id=report_id,
                            detail={"reason": reason})
                s.flush()
            n = s.scalar(select(func.count(Flag.id)).where(Flag.report_id == report_id)) or 0
            report = s.get(Report, report_id)
            assert report is not None
            if n >= self.auto_hide_flags and not report.hidden:
                report.hidden = True
                report.hidden_reason = f"auto-hidden after {n} abuse flags"
                report.updated_at = now
                self._audit(s, actor="system", action="auto_hide", report_id=report_id,
                            detail={"flags": int(n)})
                self._sync_effect(s, report)
                logger.info("report %d auto-hidden after %d flags", report_id, n)
            return report.hidden

    # -- moderation ----------------------------------------------------------------------

    def queue(self) -> list[dict[str, Any]]:
        """Reports waiting for a moderator, oldest first.

        Submitted, hidden and flagged reports, and open ones that someone says
        are fixed (so a moderator can close them). Each entry has ``report``,
        ``flags`` and ``fixed_votes``.
        """
        with self.store.session() as s:
            flag_counts = dict(s.execute(
                select(Flag.report_id, func.count(Flag.id)).group_by(Flag.report_id)).all())
            fixed_votes = dict(s.execute(
                select(Confirmation.report_id, func.count(Confirmation.id))
                .where(Confirmation.kind == "fixed").group_by(Confirmation.report_id)).all())
            stmt = select(Report).where(
                (Report.status == "submitted") | Report.hidden.is_(True)
                | Report.id.in_(list(flag_counts))
                | (Report.id.in_(list(fixed_votes)) & Report.status.in_(ACTIVE_STATUSES))
            ).order_by(Report.requested_at)
            out = []
            for r in s.scalars(stmt):
                _ = r.photo
                out.append({"report": r, "flags": int(flag_counts.get(r.id, 0)),
                            "fixed_votes": int(fixed_votes.get(r.id, 0))})
            return out

    def set_status(
        self,
        report_id: int,
        status: str,
        *,
        actor: str,
        note: str | None = None,
        expected_at: dt.datetime | None = None,
        agency: str | None = None,
    ) -> Report:
        """Move a report to ``status`` with a public note (see :data:`TRANSITIONS`)."""
        if status not in STATUSES:
            msg = f"must be one of {', '.join(STATUSES)}, got {status!r}"
            raise ReportInputError(msg, field="status")
        note_text = clean_text(note, field="note", max_chars=MAX_NOTE_CHARS) or DEFAULT_NOTES.get(
            status, "")
        agency_text = clean_text(agency, field="agency_responsible", max_chars=200,
                                 multiline=False) or None
        now = utcnow()
        with self.store.session() as s:
            report = self._load(s, report_id)
            if status not in TRANSITIONS.get(report.status, ()):
                msg = f"report {report_id} is {report.status!r}; it cannot become {status!r}"
                raise InvalidTransitionError(msg)
            old = report.status
            report.status = status
            report.status_notes = note_text
            report.updated_at = now
            if expected_at is not None:
                report.expected_at = expected_at
            if agency_text:
                report.agency_responsible = agency_text
            s.add(ReportEvent(report_id=report.id, at=now, kind="status", status=status,
                              note=note_text))
            self._audit(s, actor=actor, action="status", report_id=report.id,
                        detail={"from": old, "to": status})
            self._sync_effect(s, report)
        return self.get(report_id, public=False)

    def accept(self, report_id: int, *, actor: str, note: str | None = None) -> Report:
        """Publish a submitted report (status ``open``); blocking kinds now affect routing."""
        return self.set_status(report_id, "open", actor=actor, note=note)

    def reject(self, report_id: int, *, actor: str, note: str | None = None) -> Report:
        """Reject a report (it disappears from public lists)."""
        return self.set_status(report_id, "rejected", actor=actor, note=note)

    def hide(self, report_id: int, *, actor: str, reason: str) -> Report:
        """Hide a report from the public (its routing effect is lifted)."""
        reason_text = clean_text(reason, field="reason", max_chars=200, multiline=False)
        if not reason_text:
            msg = "is required"
            raise ReportInputError(msg, field="reason")
        with self.store.session() as s:
            report = self._load(s, report_id)
            report.hidden = True
            report.hidden_reason = reason_text
            report.updated_at = utcnow()
            self._audit(s, actor=actor, action="hide", report_id=report_id,
                        detail={"reason": reason_text})
            self._sync_effect(s, report)
        return self.get(report_id, public=False)

    def unhide(self, report_id: int, *, actor: str) -> Report:
        """Show a hidden report again."""
        with self.store.session() as s:
            report = self._load(s, report_id)
            report.hidden = False
            report.hidden_reason = None
            report.updated_at = utcnow()
            self._audit(s, actor=actor, action="unhide", report_id=report_id, detail={})
            self._sync_effect(s, report)
        return self.get(report_id, public=False)

    def merge(self, report_id: int, *, into: int, actor: str, note: str | None = None) -> Report:
        """Close ``report_id`` as a duplicate of ``into``; its confirmations move along."""
        if report_id == into:
            msg = "a report cannot duplicate itself"
            raise ReportInputError(msg, field="into")
        now = utcnow()
        with self.store.session() as s:
            report = self._load(s, report_id)
            target = self._load(s, into)
            if target.status == "duplicate":
                msg = f"report {into} is itself a duplicate of {target.duplicate_of}"
                raise InvalidTransitionError(msg)
            if report.status in ("duplicate", "rejected"):
                msg = f"report {report_id} is {report.status!r} and cannot be merged"
                raise InvalidTransitionError(msg)
            note_text = clean_text(note, field="note", max_chars=MAX_NOTE_CHARS) or (
                f"Duplicate of report {into}.")
            old = report.status
            report.status = "duplicate"
            report.duplicate_of = into
            report.status_notes = note_text
            report.updated_at = now
            s.add(ReportEvent(report_id=report.id, at=now, kind="merge", status="duplicate",
                              note=note_text))
            moved = 0
            for c in s.scalars(select(Confirmation).where(Confirmation.report_id == report_id)):
                dup = s.scalar(select(Confirmation.id).where(
                    Confirmation.report_id == into, Confirmation.client_hash == c.client_hash,
                    Confirmation.kind == c.kind))
                if dup is None:
                    s.add(Confirmation(report_id=into, client_hash=c.client_hash, kind=c.kind,
                                       at=c.at))
                    moved += 1
            s.add(ReportEvent(report_id=into, at=now, kind="merge",
                              note=f"Report {report_id} was merged into this one."))
            self._audit(s, actor=actor, action="merge", report_id=report_id,
                        detail={"into": into, "from": old, "confirmations_moved": moved})
            self._sync_effect(s, report)
        return self.get(report_id, public=False)

    def edit(self, report_id: int, *, actor: str, description: str,
             note: str | None = None) -> Report:
        """Replace a report's text (e.g. to remove personal data); the history says so."""
        text = clean_text(description, field="description", max_chars=MAX_DESCRIPTION_CHARS)
        now = utcnow()
        with self.store.session() as s:
            report = self._load(s, report_id)
            old_len = len(report.description)
            report.description = text
            report.updated_at = now
            note_text = clean_text(note, field="note", max_chars=MAX_NOTE_CHARS) or (
                "The description was edited by a moderator.")
            s.add(ReportEvent(report_id=report_id, at=now, kind="edit", note=note_text))
            self._audit(s, actor=actor, action="edit", report_id=report_id,
                        detail={"old_length": old_len, "new_length": len(text)})
        return self.get(report_id, public=False)

    def audit_log(self, *, report_id: int | None = None, limit: int = 500) -> list[AuditEntry]:
        """The newest audit entries, optionally of one report."""
        with self.store.session() as s:
            stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            if report_id is not None:
                stmt = stmt.where(AuditEntry.report_id == report_id)
            return list(s.scalars(stmt))

    # -- expiry --------------------------------------------------------------------------

    def expire_due(self, now: dt.datetime | None = None) -> list[int]:
        """Close temporary barriers whose end date has passed; returns their ids."""
        now = now or utcnow()
        done = []
        with self.store.session() as s:
            due = s.scalars(select(Report).where(
                Report.expires_at.is_not(None), Report.expires_at <= now,
                Report.status.in_(OPEN_STATUSES)))
            for report in due:
                old = report.status
                report.status = "expired"
                report.status_notes = DEFAULT_NOTES["expired"]
                report.updated_at = now
                s.add(ReportEvent(report_id=report.id, at=now, kind="status", status="expired",
                                  note=report.status_notes))
                self._audit(s, actor="system", action="expire", report_id=report.id,
                            detail={"from": old})
                self._sync_effect(s, report)
                done.append(report.id)
        if done:
            logger.info("expired %d temporary reports", len(done))
        return done

    # -- moderators ----------------------------------------------------------------------

    def add_moderator(self, name: str) -> str:
        """Create a moderator and return their access token (shown once, stored hashed)."""
        clean = clean_text(name, field="name", max_chars=100, multiline=False)
        if not clean:
            msg = "is required"
            raise ReportInputError(msg, field="name")
        secret = secrets.token_urlsafe(32)
        with self.store.session() as s:
            if s.scalar(select(Moderator.id).where(Moderator.name == clean)) is not None:
                msg = f"a moderator called {clean!r} exists"
                raise ReportInputError(msg, field="name")
            mod = Moderator(name=clean, secret_hash=self._hasher.hash(secret), active=True,
                            created_at=utcnow())
            s.add(mod)
            s.flush()
            self._audit(s, actor="admin", action="add_moderator", report_id=None,
                        detail={"moderator": clean})
            return f"{mod.id}.{secret}"

    def authenticate_token(self, token: str | None) -> Moderator:
        """The moderator owning ``token``; :class:`AuthenticationError` otherwise."""
        if not token or "." not in token:
            msg = "moderator credentials required"
            raise AuthenticationError(msg)
        mod_id, _, secret = token.partition(".")
        if not mod_id.isdigit() or len(token) > 200:
            msg = "invalid moderator token"
            raise AuthenticationError(msg)
        with self.store.session() as s:
            mod = s.get(Moderator, int(mod_id))
            if mod is None or not mod.active:
                msg = "invalid moderator token"
                raise AuthenticationError(msg)
            try:
                self._hasher.verify(mod.secret_hash, secret)
            except (VerificationError, InvalidHashError):
                msg = "invalid moderator token"
                raise AuthenticationError(msg) from None
            return mod

    def open_session(self, moderator: Moderator, *, hours: float = 8) -> str:
        """Start a browser session; returns the cookie value (only its hash is stored)."""
        cookie = secrets.token_urlsafe(32)
        now = utcnow()
        with self.store.session() as s:
            s.add(ModeratorSession(
                id_hash=hashlib.sha256(cookie.encode()).hexdigest(),
                moderator_id=moderator.id, created_at=now,
                expires_at=now + dt.timedelta(hours=hours)))
            self._audit(s, actor=moderator.name, action="login", report_id=None, detail={})
        return cookie

    def authenticate_session(self, cookie: str | None) -> Moderator:
        """The moderator of a live session cookie; :class:`AuthenticationError` otherwise."""
        if not cookie or len(cookie) > 200:
            msg = "moderator credentials required"
            raise AuthenticationError(msg)
        with self.store.session() as s:
            sess = s.get(ModeratorSession, hashlib.sha256(cookie.encode()).hexdigest())
            if sess is None or sess.expires_at <= utcnow():
                msg = "session expired or invalid; log in again"
                raise AuthenticationError(msg)
            mod = s.get(Moderator, sess.moderator_id)
            if mod is None or not mod.active:
                msg = "session expired or invalid; log in again"
                raise AuthenticationError(msg)
            return mod

    def close_session(self, cookie: str) -> None:
        """End a browser session."""
        with self.store.session() as s:
            sess = s.get(ModeratorSession, hashlib.sha256(cookie.encode()).hexdigest())
            if sess is not None:
                s.delete(sess)

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _load(s: Session, report_id: int) -> Report:
        report = s.get(Report, report_id)
        if report is None:
            msg = f"no report with id {report_id}"
            raise ReportNotFoundError(msg)
        return report

    @staticmethod
    def _audit(s: Session, *, actor: str, action: str, report_id: int | None,
               detail: dict[str, Any]) -> None:
        s.add(AuditEntry(at=utcnow(), actor=actor, action=action, report_id=report_id,
                         detail=detail))

    def is_blocking(self, report: Report) -> bool:
        """Whether ``report``'s kind closes ways for step-free routing."""
        service = SERVICES.get(report.service_code)
        if service is None:
            return False
        if report.service_code == "damaged-surface":
            return (report.attributes or {}).get("severity") == "impassable"
        return service.blocking

    def _sync_effect(self, s: Session, report: Report) -> None:
        """Make the report's closures match its state, in the same transaction.

        An accepted (open, acknowledged, in progress), visible report of a
        blocking kind closes what it is about — found on the city's current
        network and stored by OSM ids (:mod:`stufenlos.closures`) — until it is
        fixed, rejected, hidden, merged or expires; then its closures go.
        """
        active = (report.status in ACTIVE_STATUSES and not report.hidden
                  and self.is_blocking(report))
        if not active:
            if remove_report_closures(s, report.id):
                logger.info("report %d no longer closes anything", report.id)
            return
        if report.jurisdiction is None or report_closures(s, report.id):
            return
        equipment = None
        if report.service_code == "broken-elevator":
            equipment = (report.attributes or {}).get("equipment", "elevator")
        targets = self._closure_finder(report.jurisdiction, report.lat, report.lon, equipment)
        for fields in targets:
            add_closure(s, report.jurisdiction, fields, until=report.expires_at,
                        reason=SERVICES[report.service_code].name, source="report",
                        actor=f"report {report.id}", report_id=report.id)
        if not targets:
            logger.info("report %d closes nothing: no way or elevator near it", report.id)

    def closures_of(self, report_id: int) -> list[Closure]:
        """The closures report ``report_id`` makes now (empty unless accepted and blocking)."""
        with self.store.session() as s:
            return report_closures(s, report_id)
