"""When an elevator was last checked by its operator's status feed, and when a barrier a
report closed was last confirmed: in the elevator list, the OGC collection, the /barriers
page, the kiosk and the route answer (Heidelberg and Hamburg, real imports)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import shapely
from fastapi.testclient import TestClient

from stufenlos import freshness
from stufenlos.api.routes.open311 import report_service
from stufenlos.registry import get_city, get_transit
from stufenlos.reports.models import ReportEvent
from stufenlos.reports.routing_effect import nearest_arcs
from stufenlos.transit.equipment import EquipmentRegistry
from stufenlos.transit.status_feeds import (
    SensorThingsSource,
    StatusFeedError,
    StatusFeedSource,
    parse_status_feed,
)
from tests._api_client import make_client
from tests.test_equipment import LIFT, FeedServer, frost_thing

V2 = "/open311/v2"
OSM_KEY = ("way", int(LIFT[1:]))  # the Weststadt/Südstadt elevator
TODAY = dt.datetime.now(dt.UTC).date().isoformat()


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUFENLOS_REPORT_RATE", "1000/minute")
        yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("fresh"),
                               cities=("hamburg", "heidelberg"))


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()


def test_a_feed_says_when_it_observed_each_state(server) -> None:
    # the feed's own timestamp; a record's `checked` wins over it
    updates = parse_status_feed(json.dumps({
        "timestamp": "2026-11-27T08:00:00Z",
        "equipment": [{"id": LIFT, "state": "INACTIVE", "since": "2026-11-01T00:00:00Z"},
                      {"id": "n1", "state": "ACTIVE", "checked": "2023-02-03T10:00:00+01:00"}],
    }), where="feed.json")
    assert [u.checked for u in updates] == [dt.datetime(2026, 11, 27, 8, tzinfo=dt.UTC),
                                           dt.datetime(2023, 2, 3, 9, tzinfo=dt.UTC)]
    with pytest.raises(StatusFeedError, match=r"record 0, field `checked`"):
        parse_status_feed('[{"id": "x", "state": "ACTIVE", "checked": "soon"}]', where="f")
    with pytest.raises(StatusFeedError, match=r"`timestamp` is not an ISO time"):
        parse_status_feed('{"timestamp": "today", "equipment": []}', where="f")
    # SensorThings: the Observation's resultTime
    thing, _, _ = frost_thing(server.url, 1, LIFT, "außer Betrieb", "2024-05-06T07:12:00Z")
    server.json("/v1.1/Things", {"value": [thing]})
    [u] = SensorThingsSource(f"{server.url}/v1.1").fetch()
    assert u.checked == dt.datetime(2024, 5, 6, 7, 12, tzinfo=dt.UTC)


def test_the_registry_keeps_the_feed_date_or_the_fetch_time(imported_city) -> None:
    reg = EquipmentRegistry(get_transit(imported_city("heidelberg")).equipment.equipment)
    assert reg.last_checked(LIFT) == (None, None)
    reg.set_status(LIFT, "INACTIVE", reason="manual")  # a person, not the operator
    assert reg.last_checked(LIFT) == (None, None) and reg.feed_dates() == {}
    reg.apply(parse_status_feed(f'[{{"id": "{LIFT}", "state": "ACTIVE"}}]', where="f"),
              source="f")  # no date in the feed: when it was read
    assert reg.last_checked(LIFT) == (TODAY, "operator_feed")
    reg.apply(parse_status_feed(json.dumps([{"id": LIFT, "state": "ACTIVE",
                                             "checked": "2019-04-01T12:00:00Z"}]),
                                where="f"), source="f")
    assert reg.feed_dates() == {OSM_KEY: ("2019-04-01", "operator_feed")}


def test_feed_dates_reach_the_lists_the_ogc_collection_the_kiosk_and_routes(
        client: TestClient, server) -> None:
    city = get_city("heidelberg")
    transit = get_transit(city)
    osm = freshness.barrier_dates(city).get(OSM_KEY)
    before = next(e for e in client.get("/api/cities/heidelberg/elevators",
                                        params={"limit": 1000}).json()["items"]
                  if (e["osm_type"], e["osm_id"]) == OSM_KEY)
    assert (before["last_checked"], before["checked_by"]) == (osm or (None, None))
    server.json("/status.json", {"timestamp": "2019-04-01T06:00:00Z", "equipment": [
        {"id": LIFT, "state": "ACTIVE"}]})
    source = StatusFeedSource(f"{server.url}/status.json")
    transit.equipment.apply(source.fetch(), source=source.name)
    try:
        if osm is None or osm[0] <= "2019-04-01":
            items = client.get("/api/cities/heidelberg/elevators",
                               params={"limit": 1000}).json()["items"]
            el = next(e for e in items if (e["osm_type"], e["osm_id"]) == OSM_KEY)
            assert (el["last_checked"], el["checked_by"], el["stale"]) == (
                "2019-04-01", "operator_feed", True)
            # a route up the elevator flags it and says so in its warnings
            props = client.post("/api/cities/heidelberg/route", json=_through_lift(
                city)).json()["properties"]
            [up] = [b for b in props["barriers"] if b["kind"] == "elevator"]
            assert up["osm_way_id"] == OSM_KEY[1]
            assert (up["last_checked"], up["checked_by"], up["stale"]) == (
                "2019-04-01", "operator_feed", True)
            note = "Aufzug zuletzt geprüft 2019 – kann sich geändert haben."
            assert note in props["stale"] and note in props["warnings"]
        # a newer feed: checked today, not stale, everywhere
        server.json("/status.json", [{"id": LIFT, "state": "ACTIVE"}])
        transit.equipment.apply(source.fetch(), source=source.name)
        items = client.get("/api/cities/heidelberg/elevators",
                           params={"limit": 1000}).json()["items"]
        el = next(e for e in items if (e["osm_type"], e["osm_id"]) == OSM_KEY)
        assert (el["last_checked"], el["checked_by"], el["stale"]) == (
            TODAY, "operator_feed", False)
        feats = client.get("/ogc/collections/heidelberg-elevators/items",
                           params={"limit": 1000}).json()["features"]
        feat = next(f for f in feats if f["id"] == el["id"])
        assert (feat["properties"]["last_checked"], feat["properties"]["checked_by"]) == (
            TODAY, "operator_feed")
        page = client.get("/barriers", params={"city": "heidelberg", "kind": "elevator",
                                               "lang": "de"}).text
        assert f"Zuletzt geprüft am {TODAY} (Meldung des Betreibers)" in page
        stops = client.get("/api/cities/heidelberg/stops").json()
        near = min(stops, key=lambda s: (s["lat"] - el["lat"]) ** 2 + (s["lon"] - el["lon"]) ** 2)
        info = client.get(f"/api/cities/heidelberg/stops/{near['slug']}",
                          params={"at": "2022-09-01T08:00"}).json()
        [shown] = [e for e in info["elevators"] if e["id"] == el["id"]]
        assert (shown["last_checked"], shown["checked_by"]) == (TODAY, "operator_feed")
        kiosk = client.get(f"/kiosk/heidelberg/{near['slug']}",
                           params={"at": "2022-09-01T08:00", "lang": "en"}).text
        assert f"Last checked {TODAY} (operator feed)" in kiosk
    finally:
        transit.equipment.apply(
            parse_status_feed(f'[{{"id": "{LIFT}", "state": "UNKNOWN"}}]', where="f"),
            source="reset")


def _through_lift(city) -> dict:
    """A wheelchair route up the Weststadt/Südstadt elevator: from the OSM node beside its
    top (30384 in the import) to the one beside its foot (24462)."""
    return {"origin": {"lat": 49.3984761, "lon": 8.6892455},
            "destination": {"lat": 49.3984405, "lon": 8.6888808}, "profile": "wheelchair",
            "lang": "de"}


def test_a_route_says_when_the_report_behind_its_detour_was_confirmed(
        client: TestClient) -> None:
    """A report closes a way on the route; the route answer gives the report's last check,
    flags and says it when that is old, and a "still there" confirmation refreshes it."""
    city = get_city("hamburg")
    origin, destination = (53.5515, 9.9905), (53.5545, 9.9965)  # around the Binnenalster
    body = {"origin": {"lat": origin[0], "lon": origin[1]},
            "destination": {"lat": destination[0], "lon": destination[1]},
            "profile": "wheelchair", "lang": "de"}
    route = city.route(origin, destination, profile="wheelchair")
    assert route.status == "ok"
    blocked = int(route.arcs[len(route.arcs) // 2])
    spot = shapely.from_wkb(city.network.edges["geometry"].iloc[blocked]).interpolate(
        0.5, normalized=True)
    assert blocked in nearest_arcs(city.network, spot.y, spot.x)
    r = client.post(f"{V2}/requests.json", data={
        "jurisdiction_id": "hamburg", "service_code": "blocked-sidewalk",
        "lat": f"{spot.y:.7f}", "long": f"{spot.x:.7f}", "description": "Bauzaun"})
    assert r.status_code == 201, r.text
    rid = int(r.json()[0]["service_request_id"])
    svc = report_service()
    svc.accept(rid, actor="test")
    try:
        with svc.store.session() as s:  # as if filed and accepted years ago
            for e in s.query(ReportEvent).filter(ReportEvent.report_id == rid):
                e.at = dt.datetime(2021, 3, 4, 10, 0, tzinfo=dt.UTC)
        props = client.post("/api/cities/hamburg/route", json=body).json()["properties"]
        [c] = [c for c in props["closures"] if c.get("report_id") == rid]
        assert (c["last_checked"], c["checked_by"], c["stale"]) == (
            "2021-03-04", "report_status", True)
        note = "Meldung zuletzt bestätigt 2021 – das Hindernis ist vielleicht weg."
        assert note in props["stale"] and note in props["warnings"]
        en = client.post("/api/cities/hamburg/route", json=body | {"lang": "en"}).json()
        assert ("Report last confirmed 2021 – the barrier may be gone."
                in en["properties"]["warnings"])
        # someone says it is still there: checked today, by a confirmation, no note
        client.post(f"{V2}/requests/{rid}/confirmations.json", data={"kind": "still_there"})
        props = client.post("/api/cities/hamburg/route", json=body).json()["properties"]
        [c] = [c for c in props["closures"] if c.get("report_id") == rid]
        assert (c["last_checked"], c["checked_by"], c["stale"]) == (
            TODAY, "report_confirmed", False)
        assert note not in props["warnings"]
    finally:  # the way opens again for the other tests of the module
        svc.set_status(rid, "fixed", actor="test")
