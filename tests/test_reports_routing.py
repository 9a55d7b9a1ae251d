"""A report changes step-free routes: accepted → the blocked edge is avoided → fixed → back."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient

from stufenlos.api.app import create_app
from stufenlos.api.routes.open311 import report_service
from stufenlos.closures import ClosureStore
from stufenlos.reports.routing_effect import nearest_arcs
from stufenlos.routing import Router

V2 = "/open311/v2"
ORIGIN, DESTINATION = (53.5515, 9.9905), (53.5545, 9.9965)  # around the Binnenalster


@pytest.fixture
def heidelberg(imported_city, monkeypatch, tmp_path):
    yield from _city_with_reports(imported_city("heidelberg"), monkeypatch, tmp_path)


@pytest.fixture
def hamburg(imported_city, monkeypatch, tmp_path):
    yield from _city_with_reports(imported_city("hamburg"), monkeypatch, tmp_path)


def _city_with_reports(city, monkeypatch, tmp_path):
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(city.folder.parent))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")
    monkeypatch.setenv("STUFENLOS_REPORT_RATE", "1000/minute")
    yield city
    from stufenlos.api.routes import open311

    svc = open311._services.pop(f"sqlite:///{tmp_path / 'app.sqlite'}", None)
    if svc is not None:
        svc.store.close()


def closures_of(city) -> ClosureStore:
    """The city's closures as a separate process would read them (the test's database)."""
    return ClosureStore(city.name)


def test_report_moderation_route_fixed_route_returns(hamburg) -> None:
    router = Router(hamburg.network, closures=closures_of(hamburg))
    before = router.route(ORIGIN, DESTINATION, profile="wheelchair")
    assert before.status == "ok"
    arcs = [int(a) for a in before.arcs]
    blocked = arcs[len(arcs) // 2]
    line = shapely.from_wkb(hamburg.network.edges["geometry"].iloc[blocked])
    spot = line.interpolate(0.5, normalized=True)
    closed = nearest_arcs(hamburg.network, spot.y, spot.x)
    assert blocked in closed

    with TestClient(create_app()) as client:
        token = report_service().add_moderator("Moderator")
        auth = {"Authorization": f"Bearer {token}"}
        # an anonymous report: a construction fence on the way
        r = client.post(f"{V2}/requests.json", data={
            "jurisdiction_id": "hamburg", "service_code": "blocked-sidewalk",
            "lat": f"{spot.y:.7f}", "long": f"{spot.x:.7f}",
            "description": "Bauzaun über die ganze Breite des Gehwegs",
        })
        assert r.status_code == 201
        rid = r.json()[0]["service_request_id"]
        # not yet moderated: routing is unchanged
        assert router.route(ORIGIN, DESTINATION, profile="wheelchair").arcs.tolist() == arcs

        r = client.post(f"/moderation/api/reports/{rid}/accept", headers=auth)
        assert r.status_code == 200
        (said,) = r.json()["closures"]  # the moderator is told what accepting closed
        assert said["kind"] == "segment" and said["report_id"] == int(rid)
        assert said["osm_way_id"] == int(hamburg.network.edges["osm_way_id"].iat[blocked])
        detour = router.route(ORIGIN, DESTINATION, profile="wheelchair")
        assert detour.status == "ok"
        assert not set(closed) & set(detour.arcs.tolist())
        assert detour.distance_m > before.distance_m
        # the closure names the report that caused it, in a field of its own
        (closure,) = closures_of(hamburg).active()
        assert (closure.report_id, closure.source, closure.reason) == (
            int(rid), "report", "Blocked sidewalk")
        assert [c.report_id for c in closures_of(hamburg).closing(hamburg.network, arcs)] == [
            int(rid)]
        # and the HTTP route answer lists it with a link to the report
        answer = client.post("/api/cities/hamburg/route", json={
            "origin": {"lat": ORIGIN[0], "lon": ORIGIN[1]},
            "destination": {"lat": DESTINATION[0], "lon": DESTINATION[1]},
            "profile": "wheelchair"}).json()["properties"]
        assert [(c["report_id"], c["url"]) for c in answer["closures"]] == [
            (int(rid), f"/reports/{rid}")]

        r = client.post(f"/moderation/api/reports/{rid}/status",
                        data={"status": "fixed", "note": "Zaun entfernt"}, headers=auth)
        assert r.status_code == 200
        after = router.route(ORIGIN, DESTINATION, profile="wheelchair")
        assert after.arcs.tolist() == arcs
        assert closures_of(hamburg).active() == []
        assert closures_of(hamburg).closing(hamburg.network, arcs) == []


def test_rejected_and_non_blocking_reports_leave_routes_alone(hamburg) -> None:
    svc = report_service()
    from stufenlos.reports import Submission

    lat, lon = 53.5530, 9.9930
    tactile = svc.submit(Submission(service_code="missing-tactile-paving", lat=lat, lon=lon,
                                    jurisdiction="hamburg"), client="a")
    svc.accept(tactile.id, actor="m")
    fence = svc.submit(Submission(service_code="blocked-sidewalk", lat=lat, lon=lon,
                                  jurisdiction="hamburg"), client="b")
    svc.reject(fence.id, actor="m")
    assert closures_of(hamburg).active() == []
    # a report far from any way closes nothing
    lost = svc.submit(Submission(service_code="blocked-sidewalk", lat=53.60, lon=10.10,
                                 jurisdiction="hamburg"), client="c")
    svc.accept(lost.id, actor="m")
    assert svc.closures_of(lost.id) == []
    assert closures_of(hamburg).active() == []


def test_broken_elevator_closes_the_nearest_elevator(heidelberg) -> None:
    edges = heidelberg.network.edges
    elevator = int(edges.index[edges["elevator"].fillna(False)][0])
    centre = shapely.from_wkb(edges["geometry"].iloc[elevator]).centroid
    lat, lon = centre.y + 0.0002, centre.x  # about 22 m north of the lift
    nearest_way = nearest_arcs(heidelberg.network, lat, lon)
    assert elevator not in nearest_way
    svc = report_service()
    from stufenlos.reports import Submission

    lift = svc.submit(Submission(service_code="broken-elevator", lat=lat, lon=lon,
                                 jurisdiction="heidelberg", attributes={"equipment": "elevator"}),
                      client="a")
    svc.accept(lift.id, actor="m")
    (closure,) = svc.closures_of(lift.id)
    assert closure.kind == "elevator"
    closed_arcs = closures_of(heidelberg).closed_arcs(heidelberg.network).tolist()
    assert closed_arcs and all(bool(edges["elevator"].iloc[a]) for a in closed_arcs)
    # every arc of that elevator (all levels) is closed, and the elevator is the one nearby
    first = closed_arcs[0]
    way = edges["osm_way_id"].iloc[first]
    column, ref = ("osm_node_u", edges["osm_node_u"].iloc[first]) if pd.isna(way) else (
        "osm_way_id", way)
    is_lift = (edges[column] == ref).fillna(False) & edges["elevator"]
    lift_arcs = set(edges.index[is_lift].tolist())
    assert len(lift_arcs) >= 2
    assert lift_arcs == set(closed_arcs)
    here = shapely.Point(lon, lat)
    gap = min(shapely.from_wkb(edges["geometry"].iloc[a]).distance(here) for a in closed_arcs)
    assert gap * 111_000 < 30
    svc.set_status(lift.id, "fixed", actor="m")
    assert closures_of(heidelberg).active() == []
