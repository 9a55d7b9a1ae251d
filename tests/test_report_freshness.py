"""When a reported barrier was last checked: its last "still there" confirmation or status
change, in the Open311 answer, the open-data exports and the OGC reports collection."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from stufenlos import freshness
from stufenlos.api.routes.open311 import report_service
from stufenlos.reports.models import ReportEvent
from tests._api_client import make_client

V2 = "/open311/v2"


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUFENLOS_REPORT_RATE", "1000/minute")
        yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("fresh"))


def test_a_confirmation_refreshes_when_the_barrier_was_last_checked(
        client: TestClient) -> None:
    r = client.post(f"{V2}/requests.json", data={
        "service_code": "blocked-sidewalk", "lat": "53.5528", "long": "9.9930",
        "description": "Bauzaun blockiert den Gehweg", "jurisdiction_id": "hamburg"})
    assert r.status_code == 201, r.text
    rid = int(r.json()[0]["service_request_id"])
    svc = report_service()
    svc.accept(rid, actor="test")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    one = client.get(f"{V2}/requests/{rid}.json").json()[0]
    assert (one["last_checked"], one["checked_by"]) == (today, "report_status")
    # the report's history as if it had been filed and accepted years ago
    long_ago = dt.datetime(2021, 3, 4, 10, 0, tzinfo=dt.UTC)
    with svc.store.session() as s:
        for e in s.query(ReportEvent).filter(ReportEvent.report_id == rid):
            e.at = long_ago
    one = client.get(f"{V2}/requests/{rid}.json").json()[0]
    assert (one["last_checked"], one["checked_by"]) == ("2021-03-04", "report_status")
    assert freshness.is_stale(one["last_checked"])
    listed = client.get(f"{V2}/requests.json", params={"jurisdiction_id": "hamburg"}).json()
    assert next(x for x in listed if x["service_request_id"] == str(rid))[
        "last_checked"] == "2021-03-04"
    # someone says it is still there: checked today, by a confirmation
    r = client.post(f"{V2}/requests/{rid}/confirmations.json", data={"kind": "still_there"})
    assert r.json()["still_there"] == 1
    one = client.get(f"{V2}/requests/{rid}.json").json()[0]
    assert (one["last_checked"], one["checked_by"]) == (today, "report_confirmed")
    assert not freshness.is_stale(one["last_checked"])
    # "fixed" is no check that the barrier is there
    client.post(f"{V2}/requests/{rid}/confirmations.json", data={"kind": "fixed"})
    assert client.get(f"{V2}/requests/{rid}.json").json()[0]["checked_by"] == "report_confirmed"
    feat = client.get(f"/ogc/collections/hamburg-reports/items/{rid}").json()
    assert (feat["properties"]["last_checked"], feat["properties"]["checked_by"]) == (
        today, "report_confirmed")
    xml = client.get(f"{V2}/requests/{rid}.xml").text
    assert f"<last_checked>{today}</last_checked>" in xml
