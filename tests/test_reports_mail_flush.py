"""The server sends pending mails by itself: a real ``stufenlos serve --workers 2`` whose
workers each go over the outbox, and a real SMTP server (aiosmtpd) that is down at the
status change and up later."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from stufenlos.reports import ReportService, ReportStore
from tests._live import free_port, live_process, serve_command
from tests.test_reports_mail import EMAIL, Inbox

V2 = "/open311/v2"
WORKERS = 2


def _outbox(db: Path) -> list[tuple[str, int]]:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return [(r.state, r.attempts) for r in conn.execute(sa.text(
                "select state, attempts from report_mail_outbox order by id"))]
    finally:
        engine.dispose()


def _wait_for(condition, timeout_s: float = 60) -> None:
    """Poll ``condition`` until it holds (the workers' flushes run on their own clock)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.slow
def test_pending_mail_goes_out_once_when_the_mail_server_is_back(tmp_path) -> None:
    db = tmp_path / "app.sqlite"
    port, smtp_port = free_port(), free_port()
    env: dict[str, str | None] = {
        "DATABASE_URL": f"sqlite:///{db}", "STUFENLOS_DATA_DIR": str(tmp_path / "var"),
        "STUFENLOS_SMTP_HOST": "127.0.0.1", "STUFENLOS_SMTP_PORT": str(smtp_port),
        "STUFENLOS_MAIL_RETRY_S": "0.3", "STUFENLOS_WARM": "0",
        "STUFENLOS_CLIENT_SALT": None, "STUFENLOS_RATE_LIMIT_STORAGE": None,
        "WEB_CONCURRENCY": None}
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)  # not started: down
    log = tmp_path / "server.log"
    with live_process(serve_command(port, "--workers", str(WORKERS)), port, log,
                      env=env, ready_lines=WORKERS):
        base = f"http://127.0.0.1:{port}"
        r = httpx.post(f"{base}{V2}/requests.json", timeout=60, data={
            "jurisdiction_id": "hamburg", "service_code": "blocked-sidewalk",
            "lat": "53.5528", "long": "9.9930", "description": "Bauzaun blockiert den Gehweg",
            "email": EMAIL})
        assert r.status_code == 201, r.text
        rid = int(r.json()[0]["service_request_id"])
        store = ReportStore(f"sqlite:///{db}")
        try:
            token = ReportService(store).add_moderator("Moderatorin")
        finally:
            store.close()
        r = httpx.post(f"{base}/moderation/api/reports/{rid}/accept", timeout=60,
                       headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        # the mail server is down: both mails wait, each tried at least once
        rows = _outbox(db)
        assert [state for state, _ in rows] == ["pending", "pending"]
        assert all(attempts >= 1 for _, attempts in rows)
        assert inbox.messages == []

        smtp.start()  # up again; no further change to any report from here on
        try:
            _wait_for(lambda: [state for state, _ in _outbox(db)] == ["sent", "sent"])
        finally:
            smtp.stop()
        # a row is sent by the one worker that claimed it: each mail arrived exactly once
        assert sorted(m["Subject"] for m in inbox.messages) == sorted([
            f"Ihre Meldung Nr. {rid} ist eingegangen", f"Ihre Meldung Nr. {rid}: Veröffentlicht"])
        assert inbox.recipients == [[EMAIL], [EMAIL]]
    # both workers stopped cleanly (their outbox loops too)
    text = log.read_text()
    assert text.count("Application shutdown complete") == WORKERS, text[-2000:]
    assert "Traceback" not in text, text[-3000:]
