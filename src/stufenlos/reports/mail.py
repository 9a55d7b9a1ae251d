"""Mail to reporters who left an e-mail: a confirmation, then each status change.

A change that should be told is written to the outbox (``report_mail_outbox``)
in the same transaction as the change itself (:func:`queue_mail`); the mails
are sent only after that transaction committed (:meth:`Mailer.deliver`), over
the standard library's ``smtplib`` (settings ``smtp_*``). A failing mail server
never fails the change: the row stays pending and is tried again with a growing
pause (setting ``mail_retry_s``, doubling), on the next change, by ``stufenlos
reports send-mail``, or by the server itself, which goes over the outbox every
``mail_retry_s`` seconds (:class:`OutboxFlusher`). Every process shares the
outbox through the database and claims a row before sending it, so several
workers flushing at once send each mail once.

Each mail is in the reporter's language, links the report's public page (once
it is public) and the reporter's own page, and carries a one-click unsubscribe
(RFC 8058 ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers and the
same link in the text): a POST to that link with its signed token deletes the
contact, and nothing more is sent. Logs name report and outbox ids, never an
address.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from stufenlos.i18n import translator
from stufenlos.reports.catalogue import SERVICES
from stufenlos.reports.models import MailOutbox, Report, ReportContact, ReportEvent, utcnow
from stufenlos.reports.wording import note_text, status_label
from stufenlos.settings import Settings, get_settings

__all__ = [
    "MAX_ATTEMPTS",
    "Mailer",
    "OutboxFlusher",
    "compose",
    "queue_mail",
    "unsubscribe_token",
]

logger = logging.getLogger(__name__)

#: give up on a mail after this many failed attempts (state ``failed``)
MAX_ATTEMPTS = 12
#: the pause after a failure starts at the setting ``mail_retry_s`` and doubles with each
#: further one, up to this
MAX_PAUSE = dt.timedelta(hours=6)
#: how long a claimed row is reserved for the process sending it
CLAIM = dt.timedelta(minutes=5)
MAIL_LANGUAGES = ("de", "en", "ls")


def unsubscribe_token(secret: str, report_id: int) -> str:
    """The signed token of report ``report_id``'s unsubscribe link (HMAC-SHA256).

    Parameters
    ----------
    secret
        The server's mail secret (shared by all processes).
    report_id
        The report whose mails the link stops.
    """
    digest = hmac.new(secret.encode(), f"unsubscribe:{report_id}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def queue_mail(s: Session, report: Report, event: ReportEvent, *, kind: str = "status") -> bool:
    """Write a mail about ``event`` to the outbox, in the caller's transaction.

    Only when mail is configured (setting ``smtp_host``) and the report has a
    contact; returns whether a row was written.
    """
    if not get_settings().smtp_host:
        return False
    if s.get(ReportContact, report.id) is None:
        return False
    s.flush()  # the event needs its id
    now = utcnow()
    s.add(MailOutbox(report_id=report.id, event_id=event.id, kind=kind, state="pending",
                     created_at=now, attempts=0, next_attempt_at=now))
    return True


@dataclass(frozen=True)
class _Links:
    public: str | None
    follow: str
    unsubscribe: str


def compose(report: Report, event: ReportEvent, *, kind: str, to: str, lang: str,
            links: _Links, sender: str) -> EmailMessage:
    """The mail telling the reporter about ``event`` (plain text, in ``lang``)."""
    lang = lang if lang in MAIL_LANGUAGES else "de"
    t = translator(lang)
    service = SERVICES.get(report.service_code)
    name = (service.name_de or service.name if lang != "en" else service.name) if service \
        else report.service_code
    nr = report.id
    label = status_label(event.status or report.status, lang)
    if kind == "confirmation":
        subject = t.gettext("Your report no. {nr} has arrived", nr=nr)
        intro = t.gettext("thank you for your report '{name}' (no. {nr}). "
                          "A moderator will check it soon.", name=name, nr=nr)
    else:
        subject = t.gettext("Your report no. {nr}: {status}", nr=nr, status=label)
        intro = t.gettext("your report '{name}' (no. {nr}) has a new status: {status}.",
                          name=name, nr=nr, status=label)
    lines = [t.gettext("Hello,"), "", intro]
    note = note_text(event.note, lang)
    if note and kind != "confirmation":
        lines += ["", t.gettext("Note from the moderators:"), note]
    lines.append("")
    if links.public:
        lines += [t.gettext("The report on the web:"), links.public, ""]
    lines += [t.gettext("Follow your report:"), links.follow, "",
              t.gettext("No more e-mails about this report:"), links.unsubscribe, "",
              t.gettext("Your e-mail address is never published."),
              "", "stufenlos"]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain="stufenlos")
    msg["Auto-Submitted"] = "auto-generated"
    msg["List-Unsubscribe"] = f"<{links.unsubscribe}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content("\n".join(lines))
    msg["Content-Language"] = "en" if lang == "en" else "de"  # set_content resets Content-*
    return msg


class Mailer:
    """Sends what the outbox holds (see the module text).

    Parameters
    ----------
    engine
        The application database.
    secret
        Returns the secret that signs unsubscribe links.
    is_public
        Whether a report is public (its mails then link its public page).
    """

    def __init__(self, engine: Engine, *, secret: Callable[[], str],
                 is_public: Callable[[Report], bool]) -> None:
        from sqlalchemy.orm import sessionmaker

        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._secret = secret
        self._is_public = is_public

    def links(self, report: Report, contact: ReportContact, settings: Settings) -> _Links:
        """The public page (``None`` while not public), follow and unsubscribe links."""
        base = settings.public_url or (contact.base_url or "http://localhost").rstrip("/")
        token = unsubscribe_token(self._secret(), report.id)
        lang = f"?lang={contact.lang}"
        public = f"{base}/reports/{report.id}{lang}" if self._is_public(report) else None
        return _Links(public=public, follow=f"{base}/reports/mine/{report.token}{lang}",
                      unsubscribe=f"{base}/reports/{report.id}/unsubscribe?t={token}")

    def deliver(self, *, due_only: bool = True, limit: int = 100,
                now: dt.datetime | None = None) -> dict[str, int]:
        """Send pending mails; returns how many were ``sent``, ``failed`` or ``dropped``.

        Parameters
        ----------
        due_only
            Skip mails still pausing after a failure (``False``: try all now).
        limit
            At most this many mails in one call.
        now
            The current time (for tests of the pauses).
        """
        settings = get_settings()
        counts = {"sent": 0, "failed": 0, "dropped": 0}
        if not settings.smtp_host:
            return counts
        now = now or utcnow()
        with self._sessions() as s:
            stmt = select(MailOutbox.id).where(MailOutbox.state == "pending")
            if due_only:
                stmt = stmt.where(MailOutbox.next_attempt_at <= now)
            ids = list(s.scalars(stmt.order_by(MailOutbox.id).limit(limit)))
        smtp: smtplib.SMTP | None = None
        try:
            for row_id in ids:
                if not self._claim(row_id, now, due_only=due_only):
                    continue  # another process has it
                try:
                    msg = self._message(row_id, settings)
                    if msg is None:
                        self._finish(row_id, state="dropped")
                        counts["dropped"] += 1
                        continue
                    if smtp is None:
                        smtp = self._connect(settings)
                    smtp.send_message(msg)
                except (OSError, smtplib.SMTPException) as exc:
                    self._failed(row_id, now, type(exc).__name__)
                    counts["failed"] += 1
                    if smtp is not None:
                        with contextlib.suppress(OSError, smtplib.SMTPException):
                            smtp.quit()
                    smtp = None
                    if isinstance(exc, OSError | smtplib.SMTPServerDisconnected):
                        break  # the server is unreachable: leave the rest for later
                    continue
                self._finish(row_id, state="sent", at=now)
                counts["sent"] += 1
        finally:
            if smtp is not None:
                with contextlib.suppress(OSError, smtplib.SMTPException):
                    smtp.quit()
        if counts["sent"] or counts["failed"]:
            logger.info("report mail: %(sent)d sent, %(failed)d failed, %(dropped)d dropped",
                        counts)
        return counts

    @staticmethod
    def _connect(settings: Settings) -> smtplib.SMTP:
        assert settings.smtp_host is not None
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10)
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        return smtp

    def _claim(self, row_id: int, now: dt.datetime, *, due_only: bool) -> bool:
        # one UPDATE decides which process sends the row; a row another process has
        # just sent, or failed and put back to pause, is no longer claimable
        due = (MailOutbox.next_attempt_at <= now,) if due_only else ()
        with self._sessions() as s, s.begin():
            res = s.execute(update(MailOutbox).where(
                MailOutbox.id == row_id, MailOutbox.state == "pending", *due,
                or_(MailOutbox.claimed_until.is_(None), MailOutbox.claimed_until < now),
            ).values(claimed_until=now + CLAIM))
            return res.rowcount == 1  # type: ignore[attr-defined]

    def _message(self, row_id: int, settings: Settings) -> EmailMessage | None:
        with self._sessions() as s:
            row = s.get(MailOutbox, row_id)
            contact = s.get(ReportContact, row.report_id) if row else None
            if row is None or contact is None:
                return None
            report = s.get(Report, row.report_id)
            event = s.get(ReportEvent, row.event_id)
            assert report is not None and event is not None
            return compose(report, event, kind=row.kind, to=contact.email, lang=contact.lang,
                           links=self.links(report, contact, settings),
                           sender=settings.smtp_from)

    def _finish(self, row_id: int, *, state: str, at: dt.datetime | None = None) -> None:
        with self._sessions() as s, s.begin():
            s.execute(update(MailOutbox).where(MailOutbox.id == row_id).values(
                state=state, sent_at=at, claimed_until=None))

    def _failed(self, row_id: int, now: dt.datetime, error: str) -> None:
        with self._sessions() as s, s.begin():
            row = s.get(MailOutbox, row_id)
            if row is None:
                return
            row.attempts += 1
            row.last_error = error[:100]
            row.claimed_until = None
            first = dt.timedelta(seconds=get_settings().mail_retry_s)
            pause = min(first * 2 ** min(row.attempts - 1, 30), MAX_PAUSE)
            row.next_attempt_at = now + pause
            if row.attempts >= MAX_ATTEMPTS:
                row.state = "failed"
            logger.warning("report mail %d for report %d not sent (%s), attempt %d",
                           row.id, row.report_id, error, row.attempts)


class OutboxFlusher:
    """Goes over the outbox in the background of a server process, every ``every`` seconds.

    Mails whose server was down at the change then go out without another change.
    Started and stopped by the app's lifespan; safe in every worker at once, since
    :meth:`Mailer.deliver` claims each row before sending it.

    Parameters
    ----------
    send
        Sends the due mails (blocking; run in a worker thread), e.g.
        :meth:`~stufenlos.reports.ReportService.send_mail`.
    every
        Seconds between two runs; the first run is at once (mails left from before a
        restart).
    """

    def __init__(self, send: Callable[[], object], *, every: float) -> None:
        self._send = send
        self._every = every
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        #: completed runs (a test waits for these instead of sleeping)
        self.runs = 0

    def start(self) -> None:
        """Start the loop on the running event loop."""
        self._task = asyncio.get_running_loop().create_task(self._loop(),
                                                            name="stufenlos-mail-outbox")

    async def stop(self) -> None:
        """Stop the loop; a run under way (at most one SMTP timeout) is finished first."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.to_thread(self._send)
            except Exception:  # e.g. the database away for a moment: try again next run
                logger.exception("report mail: outbox run failed")
            self.runs += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self._every)
