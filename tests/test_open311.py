"""The Open311 GeoReport v2 endpoints and the moderation API, over HTTP (TestClient)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from stufenlos.api.app import create_app
from stufenlos.api.routes.open311 import report_service

V2 = "/open311/v2"
EMAIL = "private.person@example.org"


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def client(request: pytest.FixtureRequest, tmp_path, monkeypatch) -> TestClient:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    else:
        url = request.getfixturevalue("postgis_url")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("STUFENLOS_REPORT_RATE", "1000/minute")
    monkeypatch.setenv("STUFENLOS_LOGIN_RATE", "1000/minute")  # the tests try many wrong tokens
    with TestClient(create_app()) as c:
        yield c
    from stufenlos.api.routes import open311

    svc = open311._services.pop(url, None)
    if svc is not None:
        svc.store.close()


@pytest.fixture
def mod_token(client: TestClient) -> str:
    return report_service().add_moderator("Moderatorin")


def _post(client: TestClient, *, publish: bool = True, **fields) -> dict:
    """POST a report; with ``publish`` a moderator accepts it (cities are pre-moderated)."""
    data = {"service_code": "blocked-sidewalk", "lat": "53.5528", "long": "9.9930",
            "description": "Bauzaun blockiert den Gehweg", "jurisdiction_id": "hamburg"}
    data.update(fields)
    r = client.post(f"{V2}/requests.json", data=data)
    assert r.status_code == 201, r.text
    created = r.json()[0]
    if publish:
        report_service().accept(int(created["service_request_id"]), actor="test")
    return created


def _count() -> int:
    return report_service().store.count()


def test_service_list_json_and_xml_follow_the_spec(client: TestClient) -> None:
    services = client.get(f"{V2}/services.json", params={"jurisdiction_id": "hamburg"}).json()
    codes = {s["service_code"] for s in services}
    assert {"blocked-sidewalk", "broken-elevator", "high-kerb", "damaged-surface",
            "missing-tactile-paving", "steps-no-alternative", "crossing-no-sound",
            "other"} == codes
    for s in services:
        assert set(s) == {"service_code", "service_name", "description", "metadata", "type",
                          "keywords", "group"}
        assert s["type"] == "realtime"
    r = client.get(f"{V2}/services.xml")
    assert r.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(r.content)
    assert root.tag == "services"
    assert len(root.findall("service")) == len(services)
    assert root.find("service/metadata").text in ("true", "false")


def test_service_definition_has_attributes(client: TestClient) -> None:
    d = client.get(f"{V2}/services/broken-elevator.json").json()
    assert d["service_code"] == "broken-elevator"
    equipment = next(a for a in d["attributes"] if a["code"] == "equipment")
    assert equipment["datatype"] == "singlevaluelist"
    assert equipment["required"] is True
    assert {v["key"] for v in equipment["values"]} == {"elevator", "escalator"}
    until = next(a for a in d["attributes"] if a["code"] == "until")
    assert until["datatype"] == "datetime"
    root = ET.fromstring(client.get(f"{V2}/services/broken-elevator.xml").content)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key").text == "elevator"
    r = client.get(f"{V2}/services/pothole.json")
    assert r.status_code == 404
    assert r.json()[0]["code"] == 404


def test_post_and_read_back_in_both_formats(client: TestClient) -> None:
    created = _post(client, **{"attribute[remaining_width_cm]": "40",
                               "attribute[until]": "2099-12-31"})
    rid = created["service_request_id"]
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    got = client.get(f"{V2}/requests/{rid}.json", params={"jurisdiction_id": "hamburg"}).json()
    assert len(got) == 1
    rec = got[0]
    for key in ("service_request_id", "status", "status_notes", "service_name", "service_code",
                "description", "agency_responsible", "service_notice", "requested_datetime",
                "updated_datetime", "expected_datetime", "address", "address_id", "lat", "long",
                "media_url"):
        assert key in rec
    assert rec["status"] == "open" and rec["detailed_status"] == "open"
    assert rec["requested_datetime"].endswith("Z")
    assert (rec["lat"], rec["long"]) == (53.5528, 9.993)
    xml = ET.fromstring(client.get(f"{V2}/requests/{rid}.xml").content)
    assert xml.tag == "service_requests"
    assert xml.find("request/service_request_id").text == rid
    # the spec's example POST, byte for byte in its form encoding
    body = ("api_key=xyz&jurisdiction_id=hamburg&service_code=other&lat=53.5528"
            "&long=9.993&address_string=1234+5th+street&email=smit333%40sfgov.edu"
            "&device_id=tt222111&account_id=123456&first_name=john&last_name=smith"
            "&phone=111111111&description=A+large+sinkhole+is+destroying+the+street"
            "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg")
    r = client.post(f"{V2}/requests.xml", content=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert r.status_code == 201
    new_id = ET.fromstring(r.content).find("request/service_request_id").text
    report_service().accept(int(new_id), actor="test")
    rec = client.get(f"{V2}/requests/{new_id}.json").json()[0]
    assert rec["address"] == "1234 5th street"
    assert "john" not in str(rec) and "111111111" not in str(rec)


def test_multivalue_attributes_and_tokens(client: TestClient) -> None:
    created = _post(client, service_code="broken-elevator",
                    **{"attribute[equipment]": "escalator", "attribute[station]": "Jungfernstieg"})
    report = report_service().get(int(created["service_request_id"]))
    assert report.attributes == {"equipment": "escalator", "station": "Jungfernstieg"}
    tok = client.get(f"{V2}/tokens/{report.token}.json").json()
    assert tok == [{"service_request_id": created["service_request_id"], "token": report.token}]
    assert client.get(f"{V2}/tokens/nonsense.json").status_code == 404


def test_list_filters(client: TestClient, mod_token: str) -> None:
    a = _post(client)["service_request_id"]
    b = _post(client, service_code="high-kerb", lat="53.5540", long="9.9950")["service_request_id"]
    far = _post(client, lat="48.1372", long="11.5756", jurisdiction_id="")["service_request_id"]
    ids = lambda **p: {r["service_request_id"] for r in client.get(f"{V2}/requests.json",  # noqa: E731
                                                                    params=p).json()}
    assert ids() == {a, b, far}
    assert ids(service_code="high-kerb") == {b}
    assert ids(service_code="high-kerb,blocked-sidewalk") == {a, b, far}
    assert ids(bbox="9.98,53.54,10.01,53.56") == {a, b}
    assert ids(service_request_id=f"{a},{far}") == {a, far}
    assert ids(jurisdiction_id="hamburg") == {a, b}
    auth = {"Authorization": f"Bearer {mod_token}"}
    client.post(f"/moderation/api/reports/{a}/accept", headers=auth)
    client.post(f"/moderation/api/reports/{a}/status", data={"status": "fixed"}, headers=auth)
    assert ids(status="closed") == {a}
    assert ids(status="open") == {b, far}
    assert ids(start_date="2001-01-01T00:00:00Z", end_date="2001-02-01T00:00:00Z") == set()
    # bare dates: from the start of the first day to the end of the last
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert ids(start_date=today, end_date=today) == {a, b, far}
    for bad in ({"status": "pending"}, {"bbox": "1,2,3"}, {"start_date": "yesterday"},
                {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-12-01T00:00:00Z"},
                {"service_code": "pothole"}, {"jurisdiction_id": "atlantis"}):
        r = client.get(f"{V2}/requests.json", params=bad)
        assert 400 <= r.status_code < 500, bad
        assert r.json()[0]["description"]


def test_exports_hold_public_fields_only(client: TestClient) -> None:
    _post(client, email=EMAIL)
    geo = client.get(f"{V2}/requests.geojson").json()
    assert geo["type"] == "FeatureCollection"
    assert geo["features"][0]["geometry"] == {"type": "Point", "coordinates": [9.993, 53.5528]}
    csv_text = client.get(f"{V2}/requests.csv").text
    assert csv_text.splitlines()[0].startswith("service_request_id,status,")
    for text in (str(geo), csv_text):
        assert EMAIL not in text and "client_hash" not in text


HOSTILE = [
    ({"service_code": ""}, 400),
    ({"service_code": "pothole"}, 404),
    ({"lat": "north"}, 400),
    ({"lat": "91"}, 400),
    ({"lat": "nan"}, 400),
    ({"long": ""}, 400),
    ({"lat": "", "long": ""}, 400),
    ({"description": "x" * 4001}, 413),
    ({"jurisdiction_id": "atlantis"}, 404),
    ({"email": "<script>@x"}, 400),
    ({"attribute[until]": "soon"}, 400),
    ({"attribute[until]": "2001-01-01"}, 400),
    ({"attribute[bogus]": "1"}, 400),
    ({"attribute[remaining_width_cm]": "1e400"}, 400),
    ({"attribute[remaining_width_cm": "3"}, 400),
    ({"service_code": ["other", "high-kerb"]}, 400),
]


@pytest.mark.parametrize(("fields", "status"), HOSTILE)
def test_bad_input_gets_4xx_json_and_no_row(client: TestClient, fields, status) -> None:
    data = {"service_code": "blocked-sidewalk", "lat": "53.55", "long": "9.99"}
    data.update(fields)
    r = client.post(f"{V2}/requests.json", data=data)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()[0]["code"] == status
    assert _count() == 0


def test_wrong_content_types_and_oversized_bodies(client: TestClient) -> None:
    r = client.post(f"{V2}/requests.json", json={"service_code": "other"})
    assert r.status_code == 400 and "content-type" in r.json()[0]["description"]
    r = client.post(f"{V2}/requests.json", content=b"service_code=other&lat=1&long=\xff\xfe",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    big = b"service_code=other&lat=1&long=1&description=" + b"a" * (6 * 1024 * 1024)
    r = client.post(f"{V2}/requests.json", content=big,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    many = "&".join(f"f{i}=1" for i in range(500))
    r = client.post(f"{V2}/requests.json", content=many,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    assert client.get(f"{V2}/requests/abc.json").status_code == 404
    assert client.get(f"{V2}/requests/1.yaml").status_code == 400
    assert _count() == 0


def test_html_and_script_do_not_survive(client: TestClient) -> None:
    rid = _post(client, description='<script>alert("x")</script><b>Stufe</b> &lt;img src=x '
                'onerror=alert(1)&gt; am Eingang', address_string="<i>Jungfernstieg</i> 1")[
        "service_request_id"]
    rec = client.get(f"{V2}/requests/{rid}.json").json()[0]
    assert "<" not in rec["description"] and "script" not in rec["description"]
    assert "alert" not in rec["description"]
    assert "Stufe" in rec["description"] and "am Eingang" in rec["description"]
    assert rec["address"] == "Jungfernstieg 1"


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (640, 480), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (53.0, 33.0, 10.0)
    gps[3], gps[4] = "E", (9.0, 59.0, 35.0)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def test_photo_upload_strips_exif_and_gps(client: TestClient) -> None:
    raw = _jpeg_with_gps()
    assert b"SecretCam" in raw and Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)
    r = client.post(f"{V2}/requests.json",
                    data={"service_code": "other", "lat": "53.55", "long": "9.99"},
                    files={"media": ("foto.jpg", raw, "image/jpeg")})
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    report_service().accept(int(rid), actor="test")
    rec = client.get(f"{V2}/requests/{rid}.json").json()[0]
    assert rec["media_url"].endswith(f"/open311/v2/media/{rid}.jpg")
    photo = client.get(f"{V2}/media/{rid}.jpg")
    assert photo.headers["content-type"] == "image/jpeg"
    assert b"SecretCam" not in photo.content
    img = Image.open(io.BytesIO(photo.content))
    assert img.size == (640, 480)
    assert len(img.getexif()) == 0 and "exif" not in img.info


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"GIF89a" + b"\x00" * 100, 415),
        (b"%PDF-1.4 not an image", 415),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 50, 415),
    ],
)
def test_bad_photos_are_refused(client: TestClient, payload: bytes, status: int) -> None:
    r = client.post(f"{V2}/requests.json",
                    data={"service_code": "other", "lat": "53.55", "long": "9.99"},
                    files={"media": ("x.jpg", payload, "image/jpeg")})
    assert r.status_code == status, r.text
    assert _count() == 0


def test_email_never_in_public_responses_or_logs(
    client: TestClient, mod_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rid = _post(client, email=EMAIL, publish=False)["service_request_id"]
    auth = {"Authorization": f"Bearer {mod_token}"}
    bodies = [
        client.get(f"{V2}/requests.json").text,
        client.get(f"{V2}/requests.xml").text,
        client.get(f"{V2}/requests/{rid}.json").text,
        client.get(f"{V2}/requests/{rid}.xml").text,
        client.get(f"{V2}/requests/{rid}/history.json").text,
        client.get(f"{V2}/requests.geojson").text,
        client.get(f"{V2}/requests.csv").text,
        client.get("/moderation/api/queue", headers=auth).text,
        client.post(f"/moderation/api/reports/{rid}/accept", headers=auth).text,
        client.get("/moderation/api/audit", headers=auth).text,
    ]
    assert report_service().contact_email(int(rid)) == EMAIL  # stored, apart
    for body in bodies:
        assert EMAIL not in body
        assert "private.person" not in body
    assert EMAIL not in caplog.text


def test_confirmations_history_and_flags(client: TestClient, mod_token: str, monkeypatch) -> None:
    rid = _post(client)["service_request_id"]
    r = client.post(f"{V2}/requests/{rid}/confirmations.json", data={"kind": "still_there"})
    assert r.json() == {"still_there": 1, "fixed": 0}
    r = client.post(f"{V2}/requests/{rid}/confirmations.json", data={"kind": "maybe"})
    assert r.status_code == 400
    hist = client.get(f"{V2}/requests/{rid}/history.json").json()
    assert [e["kind"] for e in hist["events"]] == ["status", "status", "still_there"]
    hist_xml = ET.fromstring(client.get(f"{V2}/requests/{rid}/history.xml").content)
    assert hist_xml.tag == "history"
    assert [e.findtext("kind") for e in hist_xml.findall("events/event")] == [
        "status", "status", "still_there"]
    # three different clients flag it: the report disappears
    svc = report_service()
    for i in range(3):
        svc.flag(int(rid), reason="spam", client=f"other-{i}")
    assert client.get(f"{V2}/requests/{rid}.json").status_code == 404
    r = client.post(f"{V2}/requests/{rid}/flags.json", data={"reason": "spam"})
    assert r.status_code == 404


def test_rate_limit_per_client(client: TestClient) -> None:
    from stufenlos.api.routes import open311

    svc = report_service()
    strict = type(svc)(svc.store, submit_rate="2/minute")
    open311._services[svc.store.url] = strict
    _post(client)
    _post(client)
    r = client.post(f"{V2}/requests.json", data={"service_code": "other", "lat": "1",
                                                 "long": "1"})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert _count() == 2


def test_moderator_endpoints_refuse_missing_and_forged_credentials(
    client: TestClient, mod_token: str
) -> None:
    rid = _post(client, publish=False)["service_request_id"]
    mod_id, secret = mod_token.split(".")
    forged = [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {mod_token}"},
        {"Authorization": "Bearer 1.guessed-secret"},
        {"Authorization": f"Bearer {int(mod_id) + 1}.{secret}"},
        {"Authorization": f"Bearer {mod_token}x"},
        {"Cookie": "stufenlos_moderator=forged-session"},
    ]
    for headers in forged:
        for method, path in (("get", "/moderation/api/queue"),
                             ("get", "/moderation/api/audit"),
                             ("post", f"/moderation/api/reports/{rid}/accept"),
                             ("post", f"/moderation/api/reports/{rid}/hide")):
            client.cookies.clear()
            r = getattr(client, method)(path, headers=headers)
            assert r.status_code == 401, (headers, path)
            assert r.json()["error"] == "AuthenticationError"
    assert report_service().get(int(rid), public=False).status == "submitted"


def test_moderation_actions_and_audit(client: TestClient, mod_token: str) -> None:
    auth = {"Authorization": f"Bearer {mod_token}"}
    a = _post(client, publish=False)["service_request_id"]
    b = _post(client, publish=False)["service_request_id"]
    queue = client.get("/moderation/api/queue", headers=auth).json()
    assert [q["service_request_id"] for q in queue] == [a, b]
    r = client.post(f"/moderation/api/reports/{a}/accept", data={"note": "Geprüft"},
                    headers=auth)
    assert r.json()["detailed_status"] == "open"
    r = client.post(f"/moderation/api/reports/{b}/merge", data={"into": a}, headers=auth)
    assert r.json()["detailed_status"] == "duplicate" and r.json()["duplicate_of"] == a
    r = client.post(f"/moderation/api/reports/{a}/edit",
                    data={"description": "<b>Bauzaun</b>"}, headers=auth)
    assert r.json()["description"] == "Bauzaun"
    r = client.post(f"/moderation/api/reports/{a}/status",
                    data={"status": "in_progress", "agency_responsible": "Bezirksamt",
                          "expected_datetime": "2030-01-01T00:00:00Z"}, headers=auth)
    rec = r.json()
    assert rec["agency_responsible"] == "Bezirksamt"
    assert rec["expected_datetime"] == "2030-01-01T00:00:00Z"
    r = client.post(f"/moderation/api/reports/{a}/status", data={"status": "submitted"},
                    headers=auth)
    assert r.status_code == 409
    r = client.post(f"/moderation/api/reports/{a}/hide", headers=auth)
    assert r.status_code == 400
    client.post(f"/moderation/api/reports/{a}/hide", data={"reason": "Test"}, headers=auth)
    assert client.get(f"{V2}/requests/{a}.json").status_code == 404
    audit = client.get("/moderation/api/audit", headers=auth).json()
    actions = [(e["actor"], e["action"]) for e in audit]
    assert ("Moderatorin", "hide") in actions and ("Moderatorin", "merge") in actions
    assert ("public", "submit") in actions


def test_session_login_with_cookie(client: TestClient, mod_token: str) -> None:
    r = client.post("/moderation/login", data={"token": "1.wrong"})
    assert r.status_code == 401
    r = client.post("/moderation/login", data={"token": mod_token})
    assert r.status_code == 200
    assert "httponly" in r.headers["set-cookie"].lower()
    assert "samesite=strict" in r.headers["set-cookie"].lower()
    assert client.get("/moderation/api/queue").status_code == 200
    client.post("/moderation/logout")
    client.cookies.clear()
    assert client.get("/moderation/api/queue").status_code == 401


def test_city_is_inferred_from_the_location(client: TestClient) -> None:
    svc = report_service()
    near = _post(client, jurisdiction_id="")["service_request_id"]
    far = _post(client, jurisdiction_id="", lat="48.1372", long="11.5756")["service_request_id"]
    assert svc.get(int(near)).jurisdiction == "hamburg"
    assert svc.get(int(far)).jurisdiction is None


PUBLIC_VIEWS = ("requests.json", "requests.xml", "requests.geojson", "requests.csv")


def _visible_everywhere(client: TestClient, rid: str) -> list[bool]:
    """Whether report ``rid`` shows in each public list, export, page and photo.

    The OGC API collection is checked in ``test_ogc_reports.py`` (it needs an imported city).
    """
    seen = []
    for view in PUBLIC_VIEWS:
        body = client.get(f"{V2}/{view}").text
        seen.append(f'"{rid}"' in body or f">{rid}<" in body or f"\n{rid}," in body)
    seen.append(client.get(f"{V2}/requests/{rid}.json").status_code == 200)
    seen.append(client.get(f"{V2}/requests/{rid}/history.json").status_code == 200)
    seen.append(client.get(f"{V2}/media/{rid}.jpg").status_code == 200)
    seen.append(client.get(f"/reports/{rid}").status_code == 200)
    seen.append(f'href="/reports/{rid}?' in client.get("/reports").text)
    return seen


def test_reports_are_private_until_a_moderator_accepts_them(
    client: TestClient, mod_token: str
) -> None:
    auth = {"Authorization": f"Bearer {mod_token}"}
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 10)).save(buf, format="JPEG")
    r = client.post(f"{V2}/requests.json",
                    data={"service_code": "blocked-sidewalk", "lat": "53.5528", "long": "9.993",
                          "jurisdiction_id": "hamburg", "description": "Gerüst vor Haus 7"},
                    files={"media": ("foto.jpg", buf.getvalue(), "image/jpeg")})
    assert r.status_code == 201
    rid, token = r.json()[0]["service_request_id"], r.json()[0]["token"]
    assert _visible_everywhere(client, rid) == [False] * 9
    # the reporter follows it through the token
    mine = client.get(f"/reports/mine/{token}")
    assert mine.status_code == 200 and "Gerüst vor Haus 7" in mine.text
    assert mine.headers["cache-control"] == "no-store"
    assert client.get(f"{V2}/tokens/{token}.json").json()[0]["service_request_id"] == rid
    assert client.get("/reports/mine/not-a-token").status_code == 404
    # a moderator accepts it: now it is everywhere
    assert client.post(f"/moderation/api/reports/{rid}/accept", headers=auth).status_code == 200
    assert _visible_everywhere(client, rid) == [True] * 9
    # a rejected one disappears again
    other = _post(client, publish=False)["service_request_id"]
    client.post(f"/moderation/api/reports/{other}/reject", headers=auth)
    assert not any(_visible_everywhere(client, other)[:4])


def test_post_moderated_cities_publish_at_once(client: TestClient) -> None:
    from stufenlos.api.routes import open311

    svc = report_service()
    open311._services[svc.store.url] = type(svc)(svc.store, post_moderated={"hamburg"})
    rid = _post(client, publish=False)["service_request_id"]
    assert client.get(f"{V2}/requests/{rid}.json").json()[0]["detailed_status"] == "submitted"
    far = _post(client, publish=False, jurisdiction_id="", lat="48.1372",
                long="11.5756")["service_request_id"]
    assert client.get(f"{V2}/requests/{far}.json").status_code == 404


def test_contact_details_in_the_text_are_redacted(client: TestClient) -> None:
    rid = _post(client, description="Bitte zurückrufen: 0151 2345 6789 oder "
                "anna.muster@example.org. Seit 01.05.2024, Haus 12-14.")["service_request_id"]
    text = client.get(f"{V2}/requests/{rid}.json").json()[0]["description"]
    assert "2345" not in text and "anna.muster" not in text
    assert text.count("[entfernt]") == 2
    assert "01.05.2024" in text and "12-14" in text
