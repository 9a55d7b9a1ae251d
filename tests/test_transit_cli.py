"""`stufenlos journey` and `stufenlos departures` on the imported Heidelberg city."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from stufenlos.cli import app
from stufenlos.transit import load_city_transit

runner = CliRunner()
AT = "2022-09-01T08:00"
HBF, HANDSCHUHSHEIM = "49.4036,8.6755", "49.4264,8.6870"
# Bismarckplatz, and a point 300 m east of the Weststadt/Südstadt platforms, whose
# step-free access is the elevator w197028693; Christuskirche is the next stop that is
# step-free without it.
EAST_OF_WESTSTADT = "49.398553,8.693395"
#: east of the old town: far enough that a wheelchair user rides (from Bismarckplatz it is a
#: walk to Weststadt, now that Bismarckplatz snaps onto the connected network)
ALTSTADT_EAST = "49.4117,8.7095"
WESTSTADT = {"de:08221:1457:2:Ri N", "de:08221:1457:2:Ri S"}


@pytest.fixture(scope="module")
def base(imported_city):
    return str(imported_city("heidelberg").folder.parent)


def run(*args: str):
    return runner.invoke(app, list(args))


def test_journey_text_in_german(base):
    res = run("journey", "heidelberg", "--from", HBF, "--to", HANDSCHUHSHEIM, "--at", AT,
              "--profile", "wheelchair", "--lang", "de", "--data-dir", base)
    assert res.exit_code == 0, res.output
    assert "Möglichkeit 1" in res.output
    assert "Straßenbahn RNV" in res.output
    assert "Unbekannt:" in res.output


def test_journey_geojson_walks_follow_the_street(base):
    res = run("journey", "heidelberg", "--from", HBF, "--to", HANDSCHUHSHEIM, "--at", AT,
              "--format", "geojson", "--data-dir", base)
    assert res.exit_code == 0, res.output
    gj = json.loads(res.output)
    assert gj["type"] == "FeatureCollection"
    modes = [f["properties"]["mode"] for f in gj["features"]]
    assert "transit" in modes
    walks = [f for f in gj["features"] if f["properties"]["mode"] == "walk"]
    # Street walks come from the router, not a straight line.
    assert max(len(f["geometry"]["coordinates"]) for f in walks) > 2
    assert gj["itineraries"][0]["profile"] == "standard"


def test_journey_errors(base):
    res = run("journey", "heidelberg", "--from", HBF, "--to", HANDSCHUHSHEIM,
              "--at", "2030-01-01T08:00", "--data-dir", base)
    assert res.exit_code == 1
    assert "no service on 2030-01-01 (service period 2022-06-12 to 2022-12-10)" in res.output
    res = run("journey", "heidelberg", "--from", "49.4", "--to", HANDSCHUHSHEIM,
              "--data-dir", base)
    assert res.exit_code == 2
    res = run("journey", "heidelberg", "--from", HBF, "--to", HANDSCHUHSHEIM, "--at", "soon",
              "--data-dir", base)
    assert res.exit_code == 2
    assert "--at must be an ISO 8601 time" in res.output


def test_departures_json_and_text(base):
    res = run("departures", "heidelberg", "--stop", "de:08221:1160_Parent", "--at", AT,
              "--limit", "5", "--format", "json", "--data-dir", base)
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert len(data["departures"]) == 5
    first = data["departures"][0]
    assert first["departure"].startswith("2022-09-01T08:0")
    assert {"route", "headsign", "trip_step_free", "stop_step_free"} <= set(first)
    assert data["elevators"] == []
    res = run("departures", "heidelberg", "--stop", "de:08221:1160_Parent", "--at", AT,
              "--data-dir", base)
    assert res.exit_code == 0
    assert "RNV" in res.output
    res = run("departures", "heidelberg", "--stop", "nowhere", "--at", AT, "--data-dir", base)
    assert res.exit_code == 2
    assert "unknown stop 'nowhere'" in res.output


def test_a_status_feed_closes_an_elevator_for_the_next_journey(base, tmp_path):
    args = ["journey", "heidelberg", "--from", ALTSTADT_EAST, "--to", EAST_OF_WESTSTADT,
            "--at", AT, "--profile", "wheelchair", "--format", "json", "--data-dir", base]

    def first_journey(*extra: str) -> tuple[list[str], str]:
        """Stops ridden on the earliest arriving itinerary."""
        res = run(*args, *extra)
        assert res.exit_code == 0, res.output
        first = min(json.loads(res.output), key=lambda it: it["arrival"])
        rides = [leg for leg in first["legs"] if leg["mode"] == "transit"]
        return [s for leg in rides for s in (leg["from_stop_id"], leg["to_stop_id"])], \
            first["arrival"]

    before, arrival_before = first_journey()
    assert before[-1] in WESTSTADT  # bus, then the tram to Weststadt/Südstadt, then the lift
    feed = tmp_path / "status.json"
    feed.write_text(json.dumps([{"id": "w197028693", "state": "INACTIVE",
                                 "since": "2022-09-01T06:00:00+02:00", "reason": "defekt"}]))
    after, arrival_after = first_journey("--status", str(feed))
    assert after and not set(after) & WESTSTADT  # another way, without that elevator
    assert arrival_after > arrival_before


def test_city_transit_api(base):
    ct = load_city_transit("heidelberg", base=base)
    assert ct.city is not None
    its = ct.journey((49.4036, 8.6755), (49.4264, 8.6870), dt.datetime(2022, 9, 1, 8, 0))
    assert its[0].arrival.tzinfo is not None
    assert len(ct.equipment.equipment) == 25


def test_departures_text_names_the_elevator(base, tmp_path):
    feed = tmp_path / "status.csv"
    feed.write_text("id,state,since,reason\nw197028693,INACTIVE,2022-09-01T06:00:00+02:00,"
                    "Wartung\n")
    res = run("departures", "heidelberg", "--stop", "de:08221:1457:2:Ri N", "--at", AT,
              "--limit", "3", "--status", str(feed), "--data-dir", base)
    assert res.exit_code == 0, res.output
    assert "elevator OSM w197028693: out of service (Wartung)" in res.output
    assert "stop step-free: no (elevator w197028693 out of service: Wartung)" in res.output
    res = run("departures", "heidelberg", "--stop", "de:08221:1457:2:Ri N", "--at", AT,
              "--limit", "3", "--status", str(feed), "--data-dir", base, "--lang", "ls")
    assert res.exit_code == 0, res.output
    assert "Aufzug OSM w197028693: kaputt (Wartung)" in res.output
