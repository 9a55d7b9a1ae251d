"""HTTP API and kiosk with a timetable: Heidelberg's real VRN tram and bus feed (valid in 2022)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests._api_client import make_client

AT = "2022-09-01T08:00"  # a Thursday inside the feed's validity
STOP = "heidelberg-bismarckplatz"


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("transit"),
                           cities=("hamburg", "heidelberg"))


@pytest.fixture(scope="module")
def stops(client: TestClient) -> dict[str, dict]:
    return {s["slug"]: s for s in client.get("/api/cities/heidelberg/stops").json()}


def test_feed_stations_have_kiosk_pages_with_departures(client: TestClient, stops) -> None:
    assert stops[STOP]["source"] == "GTFS"
    info = client.get(f"/api/cities/heidelberg/stops/{STOP}", params={"at": AT}).json()
    deps = info["departures"]
    assert len(deps) >= 5 and deps[0]["time"] >= "08:00"
    assert [d["time"] for d in deps] == sorted(d["time"] for d in deps)
    assert {d["route"] for d in deps} >= {"RNV 5"}
    assert {d["step_free"] for d in deps} <= {"yes", "no", "unknown"}
    assert info["departures_note"] is None
    page = client.get(f"/kiosk/heidelberg/{STOP}", params={"at": AT, "lang": "en"})
    assert page.status_code == 200
    assert deps[0]["headsign"] in page.text and "Next departures" in page.text
    assert client.get(f"/kiosk/heidelberg/{STOP}", params={"at": "soon"}).status_code == 422


def test_no_departures_outside_the_feed_period_says_why(client: TestClient) -> None:
    info = client.get(f"/api/cities/heidelberg/stops/{STOP}",
                      params={"at": "2031-01-08T08:00", "lang": "en"}).json()
    assert info["departures"] == []
    assert "not valid on this day" in info["departures_note"]


def test_journey_by_tram(client: TestClient, stops) -> None:
    a, b = stops["heidelberg-hauptbahnhof"], stops["handschuhsheim-h-thoma-pl"]
    r = client.post("/api/cities/heidelberg/journey", json={
        "origin": {"lat": a["lat"], "lon": a["lon"]},
        "destination": {"lat": b["lat"], "lon": b["lon"]},
        "at": f"{AT}:00", "profile": "wheelchair", "lang": "en"})
    assert r.status_code == 200, r.text
    its = r.json()["itineraries"]
    assert its and its[0]["directions"]
    first = its[0]
    assert first["departure"] >= "2022-09-01T08:00"
    assert first["profile"] == "wheelchair"
    rides = [leg for leg in first["legs"] if leg["mode"] == "transit"]
    assert rides and rides[0]["route"] in {"RNV 5", "RNV 24"}
    assert rides[0]["from_name"].startswith("Heidelberg, Hauptbahnhof")
    assert rides[-1]["to_name"].startswith("Handschuhsheim, H.-Thoma-Pl.")
    assert first["legs"][0]["mode"] == "walk"
    # the VRN feed has no accessibility fields, so a wheelchair journey names what is unknown
    assert any("wheelchair accessibility unknown" in u for u in first["unknowns"])


def test_journey_errors(client: TestClient) -> None:
    body = {"origin": {"lat": 53.55, "lon": 9.99}, "destination": {"lat": 53.551, "lon": 9.99}}
    r = client.post("/api/cities/hamburg/journey", json=body)
    assert r.status_code == 404
    assert "no timetable" in r.json()["detail"]
    r = client.post("/api/cities/heidelberg/journey", json={**body, "max_transfers": 99})
    assert r.status_code == 422
    r = client.post("/api/cities/heidelberg/journey", json={**body, "at": "3021-01-01T00:00"})
    assert r.status_code == 422
