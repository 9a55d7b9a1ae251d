"""Mail to reporters against a real SMTP server (aiosmtpd on loopback), and report feeds."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from xml.etree import ElementTree

import feedparser
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stufenlos.api.app import create_app
from stufenlos.api.routes.open311 import report_service

V2 = "/open311/v2"
EMAIL = "reporter.private@example.org"
ATOM = "{http://www.w3.org/2005/Atom}"


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def client(smtp, tmp_path, monkeypatch) -> Iterator[TestClient]:
    inbox, port = smtp
    inbox.messages.clear()
    inbox.recipients.clear()
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("STUFENLOS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("STUFENLOS_SMTP_PORT", str(port))
    monkeypatch.setenv("STUFENLOS_SMTP_FROM", "stufenlos <meldungen@stufenlos.example>")
    with TestClient(create_app(), base_url="https://stufenlos.example") as c:
        yield c
    from stufenlos.api.routes import open311

    svc = open311._services.pop(url, None)
    if svc is not None:
        svc.store.close()


def _submit(client: TestClient, *, lang: str = "de", email_: str | None = EMAIL) -> dict:
    data = {"service_code": "blocked-sidewalk", "lat": "53.5528", "long": "9.9930",
            "description": "Bauzaun blockiert den Gehweg", "jurisdiction_id": "hamburg"}
    if email_:
        data["email"] = email_
    r = client.post(f"{V2}/requests.json?lang={lang}", data=data)
    assert r.status_code == 201, r.text
    return r.json()[0]


def _links(msg: EmailMessage) -> list[str]:
    return re.findall(r"https?://\S+", msg.get_content())


def test_confirmation_then_one_mail_per_status_change(client, smtp) -> None:
    inbox, _ = smtp
    created = _submit(client, lang="de")
    rid = int(created["service_request_id"])
    # the confirmation, in German, to the reporter only
    assert len(inbox.messages) == 1
    confirm = inbox.messages[0]
    assert inbox.recipients[0] == [EMAIL]
    assert confirm["To"] == EMAIL
    assert confirm["Subject"] == f"Ihre Meldung Nr. {rid} ist eingegangen"
    assert confirm["Content-Language"] == "de"
    assert "Die Moderation prüft sie bald" in confirm.get_content()
    token = created["token"]
    follow = f"https://stufenlos.example/reports/mine/{token}?lang=de"
    assert follow in _links(confirm)
    # not public yet: no public link
    assert f"https://stufenlos.example/reports/{rid}?lang=de" not in _links(confirm)
    unsub = confirm["List-Unsubscribe"].strip("<>")
    assert unsub.startswith(f"https://stufenlos.example/reports/{rid}/unsubscribe?t=")
    assert confirm["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsub in _links(confirm)

    svc = report_service()
    mod = svc.add_moderator("Moderatorin")
    r = client.post(f"/moderation/api/reports/{rid}/accept",
                    headers={"Authorization": f"Bearer {mod}"})
    assert r.status_code == 200, r.text
    assert len(inbox.messages) == 2  # exactly one mail for the change
    published = inbox.messages[1]
    assert published["Subject"] == f"Ihre Meldung Nr. {rid}: Veröffentlicht"
    assert f"https://stufenlos.example/reports/{rid}?lang=de" in _links(published)
    assert "Von der Moderation geprüft und veröffentlicht." in published.get_content()

    r = client.post(f"/moderation/api/reports/{rid}/status",
                    data={"status": "in_progress", "note": "Die Baustelle wird verlegt."},
                    headers={"Authorization": f"Bearer {mod}"})
    assert r.status_code == 200, r.text
    assert len(inbox.messages) == 3
    assert inbox.messages[2]["Subject"] == f"Ihre Meldung Nr. {rid}: In Arbeit"
    assert "Die Baustelle wird verlegt." in inbox.messages[2].get_content()
    # hiding or editing is not a status change: no mail
    svc.edit(rid, actor="m", description="Bauzaun")
    assert len(inbox.messages) == 3

    # the address is in no public output: pages, API, exports, feeds, logs of the outbox
    for path in (f"/reports/{rid}", f"{V2}/requests/{rid}.json", f"{V2}/requests.csv",
                 f"{V2}/requests.geojson", f"/reports/{rid}/feed.atom",
                 "/reports/feed.atom?city=hamburg"):
        assert EMAIL not in client.get(path).text, path
    with svc.store.session() as s:
        cols = [c["name"] for c in sa.inspect(s.get_bind()).get_columns("report_mail_outbox")]
        assert not any("mail" in c or c == "to" for c in cols)

    # one-click unsubscribe (RFC 8058): a POST without cookies, as a mail program sends it
    r = client.post(unsub.removeprefix("https://stufenlos.example"),
                    data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    assert svc.contact_email(rid) is None  # the address is deleted
    svc.set_status(rid, "fixed", actor="m")
    assert len(inbox.messages) == 3  # nothing after unsubscribing
    # a forged token changes nothing and says so
    other = int(_submit(client)["service_request_id"])
    assert len(inbox.messages) == 4
    forged = client.post(f"/reports/{other}/unsubscribe?t=abc")
    assert forged.status_code == 403
    assert svc.contact_email(other) == EMAIL


@pytest.mark.parametrize(("lang", "subject", "phrase"), [
    ("en", "Your report no. {rid}: Published", "has a new status: Published"),
    ("ls", "Ihre Meldung Nummer {rid}: Ist jetzt für alle zu sehen",
     "Die Meldung hat die Nummer {rid}."),
])
def test_mail_in_the_reporters_language(client, smtp, lang, subject, phrase) -> None:
    inbox, _ = smtp
    rid = int(_submit(client, lang=lang)["service_request_id"])
    report_service().accept(rid, actor="m")
    assert len(inbox.messages) == 2
    msg = inbox.messages[1]
    assert msg["Subject"] == subject.format(rid=rid)
    assert phrase.format(rid=rid) in msg.get_content()
    assert msg["Content-Language"] == ("en" if lang == "en" else "de")
    assert f"https://stufenlos.example/reports/{rid}?lang={lang}" in _links(msg)


def test_no_email_no_mail(client, smtp) -> None:
    inbox, _ = smtp
    rid = int(_submit(client, email_=None)["service_request_id"])
    report_service().accept(rid, actor="m")
    assert inbox.messages == []


def test_smtp_down_keeps_the_change_and_sends_on_retry(client, smtp, monkeypatch) -> None:
    inbox, port = smtp
    svc = report_service()
    rid = int(_submit(client)["service_request_id"])
    assert len(inbox.messages) == 1
    monkeypatch.setenv("STUFENLOS_SMTP_PORT", str(_free_port()))  # nobody listens there
    report = svc.accept(rid, actor="m")
    assert report.status == "open"  # the change succeeded
    assert len(inbox.messages) == 1
    with svc.store.session() as s:
        row = s.execute(sa.text("select state, attempts, last_error from report_mail_outbox "
                                "order by id desc limit 1")).one()
    assert row.state == "pending" and row.attempts == 1
    assert row.last_error == "ConnectionRefusedError"
    # the server is back: the operator's command sends it (pausing mails included)
    monkeypatch.setenv("STUFENLOS_SMTP_PORT", str(port))
    result = CliRunner().invoke(_cli(), ["reports", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(inbox.messages) == 2
    assert inbox.messages[1]["Subject"] == f"Ihre Meldung Nr. {rid}: Veröffentlicht"
    assert CliRunner().invoke(_cli(), ["reports", "send-mail"]).output.startswith("sent 0")


def _cli():
    from stufenlos.cli import app

    return app


def test_unsubscribe_page_asks_before_stopping(client, smtp) -> None:
    inbox, _ = smtp
    rid = int(_submit(client)["service_request_id"])
    link = inbox.messages[0]["List-Unsubscribe"].strip("<>").removeprefix(
        "https://stufenlos.example")
    page = client.get(link + "&lang=en")
    assert page.status_code == 200
    assert "No more e-mails about this report" in page.text
    assert report_service().contact_email(rid) == EMAIL  # a GET changes nothing
    to_report = f'href="/reports/{rid}?lang=en"'
    assert to_report not in page.text  # not public yet: no link to a page nobody may see
    report_service().accept(rid, actor="m")
    assert to_report in client.get(link + "&lang=en").text
    done = client.post(link + "&lang=en")
    assert "You will get no more e-mails about report" in done.text
    assert to_report in done.text


@pytest.mark.parametrize("lang", ["en", "ls"])
def test_moderator_login_keeps_the_language(client, lang) -> None:
    token = report_service().add_moderator("Moderatorin")
    form = client.get(f"/moderation?lang={lang}").text
    action = re.search(r'<form method="post" action="([^"]+)"', form).group(1)
    assert action == f"/moderation/login?lang={lang}"
    r = client.post(action, data={"token": token}, headers={"Accept": "text/html"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/moderation?lang={lang}"


def test_report_and_area_feeds_are_valid_atom(client, smtp) -> None:
    svc = report_service()
    inside = int(_submit(client)["service_request_id"])
    svc.accept(inside, actor="m")
    svc.set_status(inside, "in_progress", actor="m", note="Baustelle\x0b wird verlegt")
    hidden = int(_submit(client)["service_request_id"])  # never accepted: in no feed
    far = client.post(f"{V2}/requests.json", data={
        "service_code": "other", "lat": "53.60", "long": "10.10",
        "description": "weit weg", "jurisdiction_id": "hamburg"}).json()[0]
    svc.accept(int(far["service_request_id"]), actor="m")

    r = client.get(f"/reports/{inside}/feed.atom?lang=en")
    assert r.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(r.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    titles = [e.title for e in parsed.entries]
    assert titles == [f"Report {inside}: In progress", f"Report {inside}: Published",
                      f"Report {inside}: Received, being checked"]
    assert parsed.entries[0].summary == "Baustelle wird verlegt"  # XML-illegal char gone
    assert client.get(f"/reports/{hidden}/feed.atom").status_code == 404

    bbox = "9.98,53.54,10.00,53.56"
    r = client.get(f"/reports/feed.atom?city=hamburg&bbox={bbox}")
    root = ElementTree.fromstring(r.content)
    for el in (root, *root.findall(f"{ATOM}entry")):  # RFC 4287 required elements
        for child in ("id", "title", "updated"):
            assert len(el.findall(f"{ATOM}{child}")) == 1, (el.tag, child)
    links = {e.find(f"{ATOM}link").get("href") for e in root.findall(f"{ATOM}entry")}
    assert links == {f"https://stufenlos.example/reports/{inside}?lang=de"}
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert titles[0] == f"Gehweg versperrt (Meldung {inside}): In Arbeit"
    everywhere = client.get("/reports/feed.atom?city=hamburg").text
    assert f"/reports/{far['service_request_id']}?lang=de" in everywhere
    assert f"/reports/{hidden}?" not in everywhere
    bad = client.get("/reports/feed.atom?bbox=1,2,3")
    assert bad.status_code == 400
    assert "bbox" in bad.text
