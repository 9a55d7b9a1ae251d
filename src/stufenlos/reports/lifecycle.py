"""The lifecycle of a report: moderation, status changes, expiry and its routing effect.

Every moderation action and every automatic change is written to the
append-only audit log in the same transaction as the change itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stufenlos.closures import Closure, add_closure, remove_report_closures, report_closures
from stufenlos.places import Place
from stufenlos.reports import routing_effect
from stufenlos.reports.catalogue import SERVICES
from stufenlos.reports.errors import (
    AuthenticationError,
    InvalidTransitionError,
    ReportInputError,
    ReportNotFoundError,
)
from stufenlos.reports.mail import Mailer, queue_mail, unsubscribe_token
from stufenlos.reports.models import (
    AuditEntry,
    Confirmation,
    Flag,
    MailOutbox,
    Report,
    ReportContact,
    ReportEvent,
    utcnow,
)
from stufenlos.reports.privacy import (
    MAX_DESCRIPTION_CHARS,
    clean_text,
)
from stufenlos.reports.routing_effect import Effect
from stufenlos.reports.store import (
    OPEN_STATUSES,
    ReportStore,
)
from stufenlos.reports.wording import LOCATED_NOTE, located_note

__all__ = [
    "ACTIVE_STATUSES",
    "DEFAULT_NOTES",
    "LOCATED_NOTE",
    "STATUSES",
    "TRANSITIONS",
    "ReportLifecycle",
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
MAX_NOTE_CHARS = 2000


class ReportLifecycle:
    """Moderation, expiry and routing effect (part of :class:`~stufenlos.reports.ReportService`)."""

    store: ReportStore
    mailer: Mailer
    _closure_finder: routing_effect.EffectFinder

    def _mail_secret(self) -> str:
        raise NotImplementedError  # pragma: no cover - ReportService provides it

    # -- mail to reporters ---------------------------------------------------------------

    def send_mail(self, *, due_only: bool = True) -> dict[str, int]:
        """Send the pending mails to reporters (see :class:`~stufenlos.reports.mail.Mailer`).

        Called after every change that queued one, outside its transaction; a
        failing mail server is logged and the mail kept for later, never raised.
        """
        try:
            return self.mailer.deliver(due_only=due_only)
        except Exception:  # a mail problem must never undo or fail the change itself
            logger.exception("report mail: delivery stopped")
            return {"sent": 0, "failed": 0, "dropped": 0}

    def unsubscribe(self, report_id: int, token: str) -> None:
        """Stop the mails of report ``report_id``: its contact is deleted, pending mails dropped.

        ``token`` is the signed token of the unsubscribe link; doing it twice is fine.

        Raises
        ------
        AuthenticationError
            ``token`` is not the token of this report's link.
        """
        import hmac

        if not hmac.compare_digest(unsubscribe_token(self._mail_secret(), report_id),
                                   token.encode().decode("ascii", "ignore")[:100]):
            msg = "this unsubscribe link is not valid"
            raise AuthenticationError(msg)
        with self.store.session() as s:
            contact = s.get(ReportContact, report_id)
            if contact is None:
                return
            s.delete(contact)
            s.execute(MailOutbox.__table__.update().where(
                MailOutbox.report_id == report_id, MailOutbox.state == "pending",
            ).values(state="dropped"))
            self._audit(s, actor="public", action="unsubscribe", report_id=report_id, detail={})

    # -- moderation ----------------------------------------------------------------------

    def queue(self) -> list[dict[str, Any]]:
        """Reports waiting for a moderator, oldest first.

        Submitted, hidden and flagged reports, and open ones that someone says
        are fixed (so a moderator can close them). Each entry has ``report``,
        ``flags``, ``fixed_votes``, ``would_close`` (the :class:`Effect` accepting
        it would have, see :meth:`preview`) and ``closes`` (what it closes now,
        see :meth:`current_effect`).
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
                            "fixed_votes": int(fixed_votes.get(r.id, 0)),
                            "would_close": self.effect_of(r),
                            "closes": self._current_effect(s, r)})
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
            event = ReportEvent(report_id=report.id, at=now, kind="status", status=status,
                                note=note_text)
            s.add(event)
            effect = self._sync_effect(s, report)
            self._audit(s, actor=actor, action="status", report_id=report.id,
                        detail={"from": old, "to": status, **effect})
            mail = queue_mail(s, report, event)
        if mail:
            self.send_mail()
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
            effect = self._sync_effect(s, report)
            self._audit(s, actor=actor, action="hide", report_id=report_id,
                        detail={"reason": reason_text, **effect})
        return self.get(report_id, public=False)

    def unhide(self, report_id: int, *, actor: str) -> Report:
        """Show a hidden report again."""
        with self.store.session() as s:
            report = self._load(s, report_id)
            report.hidden = False
            report.hidden_reason = None
            report.updated_at = utcnow()
            effect = self._sync_effect(s, report)
            self._audit(s, actor=actor, action="unhide", report_id=report_id, detail=effect)
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
            event = ReportEvent(report_id=report.id, at=now, kind="merge", status="duplicate",
                                note=note_text)
            s.add(event)
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
            effect = self._sync_effect(s, report)
            self._audit(s, actor=actor, action="merge", report_id=report_id,
                        detail={"into": into, "from": old, "confirmations_moved": moved,
                                **effect})
            mail = queue_mail(s, report, event)
        if mail:
            self.send_mail()
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
        mail = False
        with self.store.session() as s:
            due = s.scalars(select(Report).where(
                Report.expires_at.is_not(None), Report.expires_at <= now,
                Report.status.in_(OPEN_STATUSES)))
            for report in due:
                old = report.status
                report.status = "expired"
                report.status_notes = DEFAULT_NOTES["expired"]
                report.updated_at = now
                event = ReportEvent(report_id=report.id, at=now, kind="status",
                                    status="expired", note=report.status_notes)
                s.add(event)
                effect = self._sync_effect(s, report)
                self._audit(s, actor="system", action="expire", report_id=report.id,
                            detail={"from": old, **effect})
                mail = queue_mail(s, report, event) or mail
                done.append(report.id)
        if done:
            logger.info("expired %d temporary reports", len(done))
        if mail:
            self.send_mail()
        return done
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

    def effect_of(self, report: Report) -> Effect:
        """What ``report`` closes for routing while accepted: the one function that
        both the preview before Accept (:meth:`preview`) and accepting use.

        Nothing for a kind that does not block routes, a hidden report or one
        without a city; otherwise what the closure finder (default
        :func:`~stufenlos.reports.routing_effect.report_effect`) finds at the
        report's position or, without one, at its address.
        """
        if not self.is_blocking(report):
            return Effect(nothing="not_blocking")
        if report.hidden:
            return Effect(nothing="hidden")
        if report.jurisdiction is None:
            return Effect(nothing="no_city")
        equipment = None
        if report.service_code == "broken-elevator":
            equipment = (report.attributes or {}).get("equipment", "elevator")
        return self._closure_finder(report.jurisdiction, report.lat, report.lon, equipment,
                                    report.address)

    def preview(self, report_id: int) -> Effect:
        """What accepting report ``report_id`` would close now (nothing is written)."""
        with self.store.session() as s:
            return self.effect_of(self._load(s, report_id))

    def current_effect(self, report_id: int) -> Effect | None:
        """What the report closes now, from its stored closures.

        An accepted report that closes nothing says why (as recorded in the
        audit log when it was accepted); ``None`` for a report that is not in
        force (not accepted, hidden, fixed, ...).
        """
        with self.store.session() as s:
            return self._current_effect(s, self._load(s, report_id))

    def _current_effect(self, s: Session, report: Report) -> Effect | None:
        closures = report_closures(s, report.id)
        if closures:
            return routing_effect.effect_of_closures(closures[0].city, closures)
        if report.status not in ACTIVE_STATUSES or report.hidden:
            return None
        entries = s.scalars(select(AuditEntry).where(AuditEntry.report_id == report.id)
                            .order_by(AuditEntry.id.desc()))
        for entry in entries:
            if "closes_nothing" in (entry.detail or {}):
                return Effect(nothing=str(entry.detail["closes_nothing"]))
        return None

    def _sync_effect(self, s: Session, report: Report) -> dict[str, Any]:
        """Make the report's closures match its state, in the same transaction.

        An accepted (open, acknowledged, in progress), visible report closes
        what :meth:`effect_of` finds — stored by OSM ids (:mod:`stufenlos.closures`)
        — until it is fixed, rejected, hidden, merged or expires; then its
        closures go. A report placed from its address gets those coordinates.
        Returns what happened, for the audit entry: ``closed`` (how many
        closures were made) and ``closes_nothing`` (why none), or ``reopened``.
        """
        if report.status not in ACTIVE_STATUSES or report.hidden:
            gone = remove_report_closures(s, report.id)
            if gone:
                logger.info("report %d no longer closes anything", report.id)
            return {"reopened": gone} if gone else {}
        if report_closures(s, report.id):
            return {}
        effect = self.effect_of(report)
        if effect.located is not None and report.lat is None:
            self._place(s, report, effect.located)
        for fields in effect.targets:
            add_closure(s, report.jurisdiction or "", fields, until=report.expires_at,
                        reason=SERVICES[report.service_code].name, source="report",
                        actor=f"report {report.id}", report_id=report.id)
        if not effect.targets:
            logger.info("report %d %s", report.id, effect.text("en"))
            return {"closed": 0, "closes_nothing": effect.nothing}
        return {"closed": len(effect.targets)}

    @staticmethod
    def _place(s: Session, report: Report, place: Place) -> None:
        """Give ``report`` the coordinates of the place its address names; its history says so."""
        report.lat, report.lon = place.lat, place.lon
        s.add(ReportEvent(report_id=report.id, at=utcnow(), kind="located",
                          note=located_note(place.name)))

    def closures_of(self, report_id: int) -> list[Closure]:
        """The closures report ``report_id`` makes now (empty unless accepted and blocking)."""
        with self.store.session() as s:
            return report_closures(s, report_id)
