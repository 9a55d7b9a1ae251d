"""HTTP API and kiosk with a timetable: Herrenberg's real VVS bus feed (valid in 2020)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests._api_client import make_client

AT = "2020-06-15T08:00"  # a Monday inside the feed's validity


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("transit"),
                           cities=("hamburg", "herrenberg"))


def test_feed_stations_have_kiosk_pages_with_departures(client: TestClient) -> None:
    stops = {s["slug"]: s for s in client.get("/api/cities/herrenberg/stops").json()}
    assert "altdorfer-strasse" in stops
    assert stops["altdorfer-strasse"]["source"] == "GTFS"
    info = client.get("/api/cities/herrenberg/stops/altdorfer-strasse",
                      params={"at": AT}).json()
    deps = info["departures"]
    assert deps and deps[0]["time"] >= "08:00"
    assert [d["time"] for d in deps] == sorted(d["time"] for d in deps)
    assert {d["step_free"] for d in deps} <= {"yes", "no", "unknown"}
    assert info["departures_note"] is None
    page = client.get("/kiosk/herrenberg/altdorfer-strasse", params={"at": AT, "lang": "en"})
    assert page.status_code == 200
    assert deps[0]["headsign"] in page.text and "Next departures" in page.text
    assert client.get("/kiosk/herrenberg/altdorfer-strasse",
                      params={"at": "soon"}).status_code == 422


def test_no_departures_outside_the_feed_period_says_why(client: TestClient) -> None:
    info = client.get("/api/cities/herrenberg/stops/altdorfer-strasse",
                      params={"at": "2031-01-06T08:00", "lang": "en"}).json()
    assert info["departures"] == []
    assert "not valid on this day" in info["departures_note"]


def test_journey_by_bus(client: TestClient) -> None:
    stops = {s["slug"]: s for s in client.get("/api/cities/herrenberg/stops").json()}
    a, b = stops["altdorfer-strasse"], stops["bahnhof"]
    r = client.post("/api/cities/herrenberg/journey", json={
        "origin": {"lat": a["lat"], "lon": a["lon"]},
        "destination": {"lat": b["lat"], "lon": b["lon"]},
        "at": f"{AT}:00", "profile": "wheelchair", "lang": "en"})
    assert r.status_code in (200, 404), r.text
    if r.status_code == 200:
        its = r.json()["itineraries"]
        assert its and its[0]["directions"]
        assert its[0]["departure"] >= "2020-06-15T08:00"


def test_journey_errors(client: TestClient) -> None:
    body = {"origin": {"lat": 53.55, "lon": 9.99}, "destination": {"lat": 53.551, "lon": 9.99}}
    r = client.post("/api/cities/hamburg/journey", json=body)
    assert r.status_code == 404
    assert "no timetable" in r.json()["detail"]
    r = client.post("/api/cities/herrenberg/journey", json={**body, "max_transfers": 99})
    assert r.status_code == 422
    r = client.post("/api/cities/herrenberg/journey", json={**body, "at": "3021-01-01T00:00"})
    assert r.status_code == 422
