"""A real Open311 client against a live uvicorn server on loopback (SQLite and PostGIS)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa
from georeport import GeoReport

from stufenlos.reports import ReportService, ReportStore
from tests._live import free_port, live_process, uvicorn_command


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def live_server(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[str, str]]:
    """A uvicorn server with its own database; yields (base URL, database URL)."""
    if request.param == "sqlite":
        db_url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    else:
        db_url = request.getfixturevalue("postgis_url")
    ReportStore(db_url).close()  # migrate before the server starts
    port = free_port()
    env = {"DATABASE_URL": db_url, "STUFENLOS_DATA_DIR": str(tmp_path / "var"),
           "STUFENLOS_REPORT_RATE": "100000/minute"}
    with live_process(uvicorn_command(port, "--backlog", "2048"), port,
                      tmp_path / "server.log", env=env):
        yield f"http://127.0.0.1:{port}", db_url
    server_log = (tmp_path / "server.log").read_text()
    assert "@example.org" not in server_log  # e-mail never reaches a log line


@pytest.mark.slow
def test_georeport_client_lists_posts_and_reads_back(live_server) -> None:
    base, db_url = live_server
    for fmt in ("json", "xml"):
        client = GeoReport(f"{base}/open311/v2", jurisdiction="hamburg", output_format=fmt)
        services = client.get_service_list()
        codes = [s["service_code"] for s in services]
        assert "broken-elevator" in codes and "blocked-sidewalk" in codes
        definition = client.get_service_definition("broken-elevator")
        attributes = definition["attributes"]
        if fmt == "xml":
            attributes = attributes["attribute"]
        assert "equipment" in [a["code"] for a in attributes]

    # POST exactly as the spec documents it: form-encoded fields, attribute[code]=value
    r = httpx.post(f"{base}/open311/v2/requests.json", data={
        "api_key": "none-needed", "jurisdiction_id": "hamburg",
        "service_code": "broken-elevator", "lat": "53.5530", "long": "9.9936",
        "address_string": "Jungfernstieg, Hamburg", "email": "reporter@example.org",
        "description": "Aufzug zur U-Bahn außer Betrieb",
        "attribute[equipment]": "elevator", "attribute[station]": "Jungfernstieg",
    })
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    client = GeoReport(f"{base}/open311/v2", jurisdiction="hamburg")
    # pre-moderated: invisible until a moderator accepts it (through the server's API)
    assert client.get_service_requests(service_code="broken-elevator") == []
    store = ReportStore(db_url)
    try:
        token = ReportService(store, post_moderated=()).add_moderator("Live")
    finally:
        store.close()
    accepted = httpx.post(f"{base}/moderation/api/reports/{rid}/accept",
                          headers={"Authorization": f"Bearer {token}"})
    assert accepted.status_code == 200, accepted.text
    got = client.get_service_request(rid)
    assert got["service_request_id"] == rid
    assert got["status"] == "open"
    assert got["description"] == "Aufzug zur U-Bahn außer Betrieb"
    assert "reporter@example.org" not in str(got)
    listed = client.get_service_requests(service_code="broken-elevator", status="open")
    assert [x["service_request_id"] for x in listed] == [rid]
    assert client.get_service_requests(service_request_id=rid)[0]["lat"] == 53.553
    xml = GeoReport(f"{base}/open311/v2", jurisdiction="hamburg", output_format="xml")
    assert xml.get_service_request(rid)["service_request_id"] == rid


async def _submit_many(base: str, n: int) -> list[int]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

        async def one(i: int) -> int:
            r = await client.post("/open311/v2/requests.json", data={
                "service_code": "blocked-sidewalk", "lat": f"{53.55 + i * 1e-5:.6f}",
                "long": "9.99", "description": f"Hindernis {i}",
            })
            return r.status_code

        return await asyncio.gather(*(one(i) for i in range(n)))


@pytest.mark.slow
def test_500_concurrent_submissions_lose_none(live_server) -> None:
    base, db_url = live_server
    t0 = time.perf_counter()
    # In its own thread: a session-wide event loop (e.g. Playwright's) may be running here.
    with ThreadPoolExecutor(1) as pool:
        statuses = pool.submit(asyncio.run, _submit_many(base, 500)).result()
    elapsed = time.perf_counter() - t0
    accepted = statuses.count(201)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        in_db = conn.scalar(sa.text("select count(*) from reports"))
        events = conn.scalar(sa.text("select count(*) from report_events"))
        audit = conn.scalar(sa.text("select count(*) from report_audit"))
    engine.dispose()
    assert in_db == accepted == events == audit
    assert accepted == 500, f"statuses: {sorted(set(statuses))}"
    print(f"500 concurrent submissions: {elapsed:.1f} s, {500 / elapsed:.0f}/s")
