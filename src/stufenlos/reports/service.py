"""The reporting channel's rules: submission, reading, confirmations and flags.

:class:`ReportService` is the one object callers use; its moderation, expiry and
routing effect live in :mod:`stufenlos.reports.lifecycle`, its moderator accounts
in :mod:`stufenlos.reports.moderators`. Every moderation action and every automatic
change is written to the append-only audit log in the same transaction as the
change itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import secrets
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from limits import RateLimitItem
from limits import parse as parse_rate
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select

from stufenlos.reports import routing_effect
from stufenlos.reports.catalogue import ServiceType, get_service
from stufenlos.reports.errors import (
    AuthenticationError,
    RateLimitedError,
    ReportInputError,
    ReportNotFoundError,
)
from stufenlos.reports.lifecycle import (
    DEFAULT_NOTES,
    STATUSES,
    TRANSITIONS,
    ReportLifecycle,
)
from stufenlos.reports.mail import MAIL_LANGUAGES, Mailer, queue_mail
from stufenlos.reports.models import (
    Confirmation,
    Flag,
    Report,
    ReportContact,
    ReportEvent,
    ReportPhoto,
    utcnow,
)
from stufenlos.reports.moderators import ModeratorAccounts
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
    "parse_datetime",
]

logger = logging.getLogger(__name__)

FLAG_REASONS = ("spam", "offensive", "personal_data", "not_a_barrier", "duplicate", "other")
MAX_ADDRESS_CHARS = 400
MAX_ATTRIBUTE_CHARS = 200


def open311_status(status: str) -> str:
    """The GeoReport v2 status (``open``/``closed``) of an internal status."""
    return "open" if status in OPEN_STATUSES else "closed"


def parse_datetime(value: str, *, field: str, day_end: bool = False) -> dt.datetime:
    """An ISO 8601 date-time from a form or query field, in UTC (UTC when it names no
    offset); a bare date is the start of that day, or with ``day_end`` its end.

    Raises
    ------
    ReportInputError
        Naming ``field`` when ``value`` is neither.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text) + dt.timedelta(days=1 if day_end else 0)
            return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        msg = (f"{value[:40]!r} is not an ISO 8601 date or date-time such as "
               "2010-01-01T00:00:00Z")
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
    #: language of the reporter's mails (``de``, ``en``, ``ls``)
    lang: str = "de"
    #: the site's address the report was sent to (links in mails)
    base_url: str | None = None


class ReportService(ReportLifecycle, ModeratorAccounts):
    """Operations on reports, on top of a :class:`ReportStore`.

    Parameters
    ----------
    store
        Where reports live.
    auto_hide_flags
        Hide a report once this many different clients flagged it (default:
        setting ``auto_hide_flags``).
    submit_rate, public_rate, login_rate
        Rate limits per client (``limits`` notation, e.g. ``"10/minute"``) for
        submissions, for confirmations/flags and for failed authentications
        (default: settings ``report_rate``, ``public_rate`` and ``login_rate``).
        They are counted where the setting ``rate_limit_storage`` says, by
        default in the store's database, so every process sharing it shares
        the count.
    closure_finder
        ``(city, lat, lon, equipment, address) -> Effect``: what a report closes
        (default :func:`~stufenlos.reports.routing_effect.report_effect`).
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
        login_rate: str | None = None,
        closure_finder: routing_effect.EffectFinder | None = None,
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
        self._login_rate = parse_rate(login_rate or settings.login_rate)
        given_salt = settings.client_salt
        self._salt = given_salt.get_secret_value() if given_salt else None
        self._closure_finder = closure_finder or routing_effect.report_effect
        self._hasher = PasswordHasher()
        self.mailer = Mailer(store.engine, secret=self._mail_secret, is_public=self.is_public)

    def _mail_secret(self) -> str:
        """The secret that signs unsubscribe links: generated once, kept in the database."""
        return shared_secret(self.store.engine, "mail_secret")

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
            raise self._limited(item, kind, client, "too many requests from this client")

    @contextlib.contextmanager
    def login_attempt(
        self, client: str, *, failure: type[Exception] = AuthenticationError
    ) -> Iterator[None]:
        """Guard one authentication of ``client`` (moderator token, editor password).

        Parameters
        ----------
        client
            The client's hash (:meth:`client_id`).
        failure
            The error the ``with`` block raises for wrong credentials; each one
            counts against the setting ``login_rate``.

        Raises
        ------
        RateLimitedError
            ``client`` failed ``login_rate`` times; no credentials are checked
            until the window has moved on (``retry_after_s``).
        """
        if not self._limiter.test(self._login_rate, "login", client):
            raise self._limited(self._login_rate, "login", client,
                                "too many failed logins from this client")
        try:
            yield
        except failure:
            self._limiter.hit(self._login_rate, "login", client)
            raise

    def _limited(self, item: RateLimitItem, kind: str, client: str,
                 what: str) -> RateLimitedError:
        reset, _remaining = self._limiter.get_window_stats(item, kind, client)
        retry = max(1, math.ceil(reset - dt.datetime.now(dt.UTC).timestamp()))
        return RateLimitedError(f"{what}; try again in {retry} s", retry_after_s=retry)

    # -- submission ----------------------------------------------------------------------

    def submit(self, sub: Submission, *, client: str) -> Report:
        """Validate, sanitise and store a new report (status ``submitted``).

        A report with an address but no coordinates is placed where the
        address names exactly one street of its city; its history says so.
        An ambiguous or unknown address leaves it without coordinates.
        """
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
        located = None
        if lat is None and address and sub.jurisdiction:
            located = routing_effect.locate_address(sub.jurisdiction, address).place
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
        mail = False
        with self.store.session() as s:
            s.add(report)
            s.flush()
            event = ReportEvent(report_id=report.id, at=now, kind="status", status="submitted",
                                note=report.status_notes)
            s.add(event)
            if located is not None:
                self._place(s, report, located)
            if email:
                s.add(ReportContact(report_id=report.id, email=email,
                                    lang=sub.lang if sub.lang in MAIL_LANGUAGES else "de",
                                    base_url=(sub.base_url or "").rstrip("/")[:300] or None))
                s.flush()
                mail = queue_mail(s, report, event, kind="confirmation")
            if sub.photo is not None:
                s.add(ReportPhoto(report_id=report.id, content_type=sub.photo.content_type,
                                  width=sub.photo.width, height=sub.photo.height,
                                  data=sub.photo.data))
            self._audit(s, actor="public", action="submit", report_id=report.id,
                        detail={"service_code": service.code, "photo": sub.photo is not None})
        logger.info("report %d submitted (%s)", report.id, service.code)
        if mail:
            self.send_mail()
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
                # a bare date ("until 2026-05-01") means until the end of that day
                when = parse_datetime(str(values[0]), field=field_name, day_end=True)
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

    def list_with_history(self, query: ReportQuery) -> list[Report]:
        """Like :meth:`list`, with each report's public history loaded (area feeds)."""
        from sqlalchemy.orm import selectinload

        self.expire_due()
        with self.store.session() as s:
            stmt = self.store.select_reports(query, post_moderated=self.post_moderated)
            return list(s.scalars(stmt.options(selectinload(Report.events))))

    def photo(self, report_id: int, *, public: bool = True) -> ReportPhoto:
        """The photo of a public report (``public=False``: of any report, for moderators)."""
        with self.store.session() as s:
            report = s.get(Report, report_id)
            if report is None or (public and not self.is_public(report)) or report.photo is None:
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
                effect = self._sync_effect(s, report)
                self._audit(s, actor="system", action="auto_hide", report_id=report_id,
                            detail={"flags": int(n), **effect})
                logger.info("report %d auto-hidden after %d flags", report_id, n)
            return report.hidden
