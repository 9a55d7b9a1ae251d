"""Equipment registry and live status: SensorThings and JSON/CSV feeds on a local server."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from pathlib import Path

import pytest

from stufenlos.closures import ClosureStore
from stufenlos.config import load_city_config
from stufenlos.transit import Timetable, plan_journey
from stufenlos.transit.equipment import EquipmentRegistry, apply_to_closures, closed_stops
from stufenlos.transit.status_feeds import (
    SensorThingsSource,
    StatusFeedError,
    StatusFeedSource,
    StatusPoller,
    parse_state,
)
from stufenlos.transit.stops import read_osm_stop_features, stop_access_for_city
from tests._feeds import WMATA, needs_shared

HD = Path(__file__).resolve().parents[1] / "data" / "cities" / "heidelberg"
LIFT = "w197028693"  # the elevator at Weststadt/Südstadt (stops de:08221:1457:2:*)


class FeedServer:
    """A local HTTP server answering from a dict ``path+query -> (status, body, type)``."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, str]] = {}
        self.hits: list[str] = []
        routes, hits = self.routes, self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                key = self.path if self.path in routes else self.path.split("?")[0]
                status, body, ctype = routes.get(key, (404, '{"message": "not found"}',
                                                      "application/json"))
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def json(self, path: str, body: object, status: int = 200) -> None:
        self.routes[path] = (status, json.dumps(body), "application/json")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()


def frost_thing(base: str, iot_id: int, equipment_id: str, result: object, when: str,
                reason: str | None = None, expand: bool = True) -> dict:
    """A Thing as a FROST server (Hamburg UDP) returns it with ``$expand``."""
    thing = {
        "@iot.selfLink": f"{base}/v1.1/Things({iot_id})",
        "@iot.id": iot_id,
        "name": f"Aufzug {equipment_id}",
        "description": "Aufzug Bahnsteig",
        "properties": {"equipment_id": equipment_id, "type": "ELEVATOR",
                       "operator": "rnv"},
        "Datastreams@iot.navigationLink": f"{base}/v1.1/Things({iot_id})/Datastreams",
        "Locations@iot.navigationLink": f"{base}/v1.1/Things({iot_id})/Locations",
    }
    obs = {
        "@iot.selfLink": f"{base}/v1.1/Observations({iot_id * 10})",
        "@iot.id": iot_id * 10,
        "phenomenonTime": when,
        "resultTime": when,
        "result": result,
    }
    if reason:
        obs["parameters"] = {"reason": reason}
    stream = {
        "@iot.selfLink": f"{base}/v1.1/Datastreams({iot_id})",
        "@iot.id": iot_id,
        "name": f"Betriebszustand {equipment_id}",
        "unitOfMeasurement": {"name": "Status", "symbol": "", "definition": ""},
        "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Observation",
        "Observations@iot.navigationLink": f"{base}/v1.1/Datastreams({iot_id})/Observations",
    }
    if expand:
        thing["Datastreams"] = [stream | {"Observations": [obs]}]
    return thing, stream, obs


@pytest.fixture(scope="module")
def heidelberg():
    osm = read_osm_stop_features(HD / "heidelberg.test.osm.pbf")
    access = stop_access_for_city(load_city_config(HD))
    verdict = access.set_index("stop_id")
    tt = Timetable.from_feed(HD / "vrn_gtfs_cut.zip", dt.date(2022, 9, 1),
                             stop_access=verdict["code"], access_source=verdict["source"])
    return tt, access, EquipmentRegistry.from_sources(lifts=tt.lifts, osm=osm)


def test_parse_state():
    assert parse_state(True) == "ACTIVE"
    assert parse_state(0) == "INACTIVE"
    assert parse_state("INACTIVE") == "INACTIVE"
    assert parse_state("In Betrieb") == "ACTIVE"
    assert parse_state(None) == "UNKNOWN"


def test_registry_from_osm(heidelberg):
    _, _, reg = heidelberg
    df = reg.to_frame()
    assert len(df) == 25
    assert set(df["state"]) == {"UNKNOWN"}
    assert reg.resolve(LIFT) == f"osm:{LIFT}"
    with pytest.raises(Exception, match="no elevator or escalator"):
        reg.set_status("n1", "INACTIVE")


def test_sensorthings_updates_status_over_two_pages(server, heidelberg):
    _, _, reg = heidelberg
    reg = EquipmentRegistry(reg.equipment)  # fresh status
    base = server.url
    t1, _, _ = frost_thing(base, 1, LIFT, "außer Betrieb", "2026-11-27T07:12:00Z",
                           reason="Wartung")
    t2, _, _ = frost_thing(base, 2, "n3603965154", True, "2026-11-27T06:00:00Z")
    t3, s3, o3 = frost_thing(base, 3, "n999", 1, "2026-11-27T06:00:00Z", expand=False)
    server.json("/v1.1/Things", {
        "@iot.count": 3, "value": [t1, t2],
        "@iot.nextLink": f"{base}/v1.1/Things?$skip=2",
    })
    server.routes["/v1.1/Things?$skip=2"] = (200, json.dumps({"value": [t3]}),
                                             "application/json")
    server.json("/v1.1/Things(3)/Datastreams", {"value": [s3]})
    server.json("/v1.1/Datastreams(3)/Observations", {"value": [o3]})
    src = SensorThingsSource(f"{base}/v1.1")
    updates = src.fetch()
    assert [u.id for u in updates] == [LIFT, "n3603965154", "n999"]
    assert updates[0].state == "INACTIVE"
    assert updates[0].reason == "Wartung"
    assert updates[0].since == dt.datetime(2026, 11, 27, 7, 12, tzinfo=dt.UTC)
    assert any("%24expand=Datastreams" in h or "$expand=Datastreams" in h for h in server.hits)
    changed, unknown = reg.apply(updates, source=src.name)
    assert changed == 2 and unknown == ["n999"]
    assert reg.status(LIFT).state == "INACTIVE"
    assert reg.status("n3603965154").state == "ACTIVE"
    assert reg.osm_elevators("INACTIVE") == [LIFT]


def test_json_and_csv_feeds(server, tmp_path, heidelberg):
    _, _, reg = heidelberg
    reg = EquipmentRegistry(reg.equipment)
    server.json("/status.json", {"equipment": [
        {"id": LIFT, "state": "INACTIVE", "since": "2026-11-27T08:00:00+01:00",
         "reason": "defekt"},
        {"id": "n3603965154", "state": "ACTIVE", "since": "2026-11-01T00:00:00Z"},
    ]})
    n, _ = reg.apply(StatusFeedSource(f"{server.url}/status.json").fetch(), source="json")
    assert n == 2
    assert reg.status(LIFT).reason == "defekt"
    csv = tmp_path / "status.csv"
    csv.write_text(f"id,state,since,reason\n{LIFT},ACTIVE,2026-11-27T10:00:00Z,repaired\n")
    reg.apply(StatusFeedSource(str(csv)).fetch(), source="csv")
    assert reg.status(LIFT).state == "ACTIVE"
    bad = tmp_path / "bad.csv"
    bad.write_text(f"id,state,since\n{LIFT},ACTIVE,yesterday\n")
    with pytest.raises(StatusFeedError, match=r"line 2, field `since`"):
        StatusFeedSource(str(bad)).fetch()
    server.json("/broken.json", {"equipment": [{"state": "ACTIVE"}]})
    with pytest.raises(StatusFeedError, match=r"record 0"):
        StatusFeedSource(f"{server.url}/broken.json").fetch()


def test_status_expires_when_the_feed_says_so(heidelberg):
    _, _, reg = heidelberg
    reg = EquipmentRegistry(reg.equipment)
    until = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
    reg.set_status(LIFT, "INACTIVE", until=until, reason="Wartung bis 12 Uhr")
    assert reg.status(LIFT, now=until - dt.timedelta(minutes=1)).state == "INACTIVE"
    assert reg.status(LIFT, now=until).state == "UNKNOWN"


def test_poller_backs_off_and_recovers(server, heidelberg):
    _, _, reg = heidelberg
    reg = EquipmentRegistry(reg.equipment)
    server.json("/status.json", {"message": "maintenance"}, status=503)
    calls = []
    poller = StatusPoller(StatusFeedSource(f"{server.url}/status.json"), reg, interval_s=60,
                          max_backoff_s=300, on_change=calls.append)
    assert poller.poll_once() == 120
    assert poller.poll_once() == 240
    assert poller.poll_once() == 300
    assert "503" in poller.last_error
    server.json("/status.json", [{"id": LIFT, "state": "INACTIVE"}])
    assert poller.poll_once() == 60
    assert poller.failures == 0
    assert calls == [reg]
    assert reg.status(LIFT).state == "INACTIVE"


def test_closing_an_elevator_through_a_feed_changes_the_next_journey(server, heidelberg):
    """Done-when: a JSON status feed closes the Weststadt elevator; the next wheelchair
    query no longer uses the platforms it serves."""
    tt, access, reg = heidelberg
    reg = EquipmentRegistry(reg.equipment)
    stops = tt.stops.set_index("stop_id")
    lift_stop = "de:08221:1457:2:Ri N"
    origin = (stops.loc["de:08221:1274:1:TrRiN", "stop_lat"] + 0.0003,
              stops.loc["de:08221:1274:1:TrRiN", "stop_lon"])
    dest = (stops.loc[lift_stop, "stop_lat"] + 0.0003, stops.loc[lift_stop, "stop_lon"])
    at = dt.datetime(2022, 9, 1, 8, 0)

    def query():
        return plan_journey(tt, origin, dest, at, profile="wheelchair",
                            closed_stops=closed_stops(reg, access))[-1]

    before = query()
    assert lift_stop in before.stop_ids
    server.json("/status.json", [{"id": LIFT, "state": "INACTIVE", "reason": "defekt"}])
    StatusPoller(StatusFeedSource(f"{server.url}/status.json"), reg).poll_once()
    assert closed_stops(reg, access) == {"de:08221:1457:2:Ri N", "de:08221:1457:2:Ri S"}
    after = query()
    assert not {"de:08221:1457:2:Ri N", "de:08221:1457:2:Ri S"} & set(after.stop_ids)


def test_outage_reaches_the_walking_router_through_closures(heidelberg, tmp_path):
    _, _, reg = heidelberg
    reg = EquipmentRegistry(reg.equipment)
    db = f"sqlite:///{tmp_path / 'app.sqlite'}"
    ov = ClosureStore("heidelberg", db)
    reg.set_status(LIFT, "INACTIVE", reason="defekt")
    assert apply_to_closures(reg, ov) == (1, 0)
    assert apply_to_closures(reg, ov) == (0, 0)  # idempotent
    # a second process polling the same feed stores nothing twice
    assert apply_to_closures(reg, ClosureStore("heidelberg", db)) == (0, 0)
    [o] = ov.active()
    assert (o.kind, o.ref, o.source) == ("elevator", LIFT[1:], "equipment")
    assert o.reason.startswith("equipment status:")
    ov.close("way", "123", reason="construction")  # someone else's closure stays
    reg.set_status(LIFT, "ACTIVE")
    assert apply_to_closures(reg, ov) == (0, 1)
    assert [x.ref for x in ov.active()] == ["123"]


def test_ids_and_osm_refs_resolve_after_extend(heidelberg):
    # every journey resolves every OSM elevator; ids added later must resolve as well
    _, _, reg = heidelberg
    osm = reg.equipment.dropna(subset=["osm_id"])
    small = EquipmentRegistry(osm.iloc[:5])
    assert small.resolve(osm["id"].iloc[-1]) is None
    assert small.extend(reg.equipment) == len(reg.equipment) - 5
    assert [small.resolve(i) for i in reg.equipment["id"]] == list(reg.equipment["id"])
    assert [small.resolve(o) for o in osm["osm_id"]] == list(osm["id"])
    assert small.resolve("osm:n1") is None
    small.set_status(osm["id"].iloc[-1], "INACTIVE")
    assert small.osm_elevators("INACTIVE") == [osm["osm_id"].iloc[-1]]


@needs_shared
def test_gtfs_lifts_join_a_registry_and_keep_its_status():
    lifts = Timetable.from_feed(WMATA, dt.date(2026, 5, 5)).lifts
    first, later = lifts["pathway_id"].iloc[0], lifts["pathway_id"].iloc[-1]
    reg = EquipmentRegistry.from_sources(lifts=lifts.iloc[:10])
    reg.set_status(first, "INACTIVE", reason="defekt")
    assert reg.resolve(later) is None
    gtfs = EquipmentRegistry.from_sources(lifts=lifts).equipment
    assert reg.extend(gtfs) == len(lifts) - 10
    assert reg.extend(gtfs) == 0
    assert len(reg.equipment) == len(lifts)
    assert reg.status(first).state == "INACTIVE" and reg.status(first).reason == "defekt"
    assert reg.resolve(later) == f"gtfs:{later}"
    assert reg.set_status(later, "ACTIVE")
    assert reg.elevator_state()[first] == "INACTIVE"
    empty = EquipmentRegistry.from_sources()
    assert empty.extend(gtfs) == len(lifts)
    assert empty.resolve(later) == f"gtfs:{later}"


@needs_shared
def test_wmata_feed_closes_a_gtfs_elevator(server):
    tt = Timetable.from_feed(WMATA, dt.date(2026, 5, 5))
    reg = EquipmentRegistry.from_sources(lifts=tt.lifts)
    kinds = reg.equipment["kind"].value_counts().to_dict()
    assert kinds == {"escalator": 566, "elevator": 212}
    at = dt.datetime(2026, 5, 5, 9, 0)
    a, b = (38.8823, -77.1140), (38.8905, -77.0870)
    it = plan_journey(tt, a, b, at, profile="wheelchair", elevator_state=reg.elevator_state())
    used = [p["pathway_id"] for leg in it[-1].legs for p in leg.pathways
            if p["mode"] == "elevator"]
    server.json("/status.json", [{"id": used[0], "state": "INACTIVE"}])
    StatusPoller(StatusFeedSource(f"{server.url}/status.json"), reg).poll_once()
    assert reg.elevator_state()[used[0]] == "INACTIVE"
    alt = plan_journey(tt, a, b, at, profile="wheelchair", elevator_state=reg.elevator_state())
    assert used[0] not in [p["pathway_id"] for leg in alt[-1].legs for p in leg.pathways]


def test_departures_show_the_elevator_a_stop_relies_on(tmp_path, monkeypatch):
    from stufenlos.transit import load_city_transit

    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path))
    ct = load_city_transit("heidelberg", base=tmp_path)
    at = dt.datetime(2022, 9, 1, 8, 0)
    df = ct.departures("de:08221:1457:2:Ri N", at, limit=4)
    [el] = df.attrs["elevators"]
    assert el["osm_id"] == LIFT and el["state"] == "UNKNOWN"
    assert set(df["stop_step_free"]) == {"yes"}
    ct.equipment.set_status(LIFT, "INACTIVE", reason="defekt")
    df = ct.departures("de:08221:1457:2:Ri N", at, limit=4)
    assert df.attrs["elevators"][0]["state"] == "INACTIVE"
    assert set(df["stop_step_free"]) == {"no"}
    assert df["stop_step_free_source"].iloc[0] == f"elevator {LIFT} out of service: defekt"


def test_city_transit_polls_a_feed_in_the_background(server, tmp_path):
    from stufenlos.transit import load_city_transit

    ct = load_city_transit("heidelberg", base=tmp_path)
    server.json("/status.json", [{"id": LIFT, "state": "INACTIVE", "reason": "defekt"}])
    [poller] = ct.start_polling([f"{server.url}/status.json"], interval_s=0.05)
    try:
        for _ in range(100):
            if ct.equipment.status(LIFT).state == "INACTIVE":
                break
            threading.Event().wait(0.05)
        assert ct.equipment.status(LIFT).state == "INACTIVE"
        assert ct.equipment.status(LIFT).source == f"{server.url}/status.json"
    finally:
        poller.stop()
