"""Stop accessibility conflation on real Heidelberg data (OSM, VRN GTFS, DB stations)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from stufenlos.config import load_city_config
from stufenlos.errors import InputFileError
from stufenlos.ingest.gtfs import read_feed
from stufenlos.transit import Timetable, plan_journey
from stufenlos.transit.stops import (
    conflate_stop_access,
    read_db_stations,
    read_osm_stop_features,
    stop_access_for_city,
)

HD = Path(__file__).resolve().parents[1] / "data" / "cities" / "heidelberg"


@pytest.fixture(scope="module")
def access() -> pd.DataFrame:
    return stop_access_for_city(load_city_config(HD))


def test_verdicts_have_sources_and_unknown_stays_unknown(access):
    feed = read_feed(HD / "vrn_gtfs_cut.zip")
    assert len(access) == len(feed.stops)
    counts = access["step_free"].value_counts()
    assert counts["yes"] > 50
    assert counts["no"] > 20
    assert counts["unknown"] > 100  # most stops: nothing is known
    known = access[access["step_free"] != "unknown"]
    assert (known["source"] != "").all()
    assert (known["detail"] != "").all()
    assert set(access["source"]) <= {"", "gtfs", "osm", "db-stations"}
    by_id = access.set_index("stop_id")
    assert by_id.loc["de:08221:1267:1:TrRiN", "detail"] == "wheelchair=no on platform n375574612"
    assert by_id.loc["de:08221:1457:2:Ri N", "detail"].startswith("elevator w197028693")
    # Platforms reached only by steps are not step-free.
    steps = access[access["detail"].str.startswith("steps")]
    assert len(steps) >= 3
    assert (steps["step_free"] == "no").all()


def test_gtfs_verdicts_win_and_db_fills_stations(tmp_path):
    stops = pd.DataFrame({
        "stop_id": ["a", "b", "st"], "stop_lat": [49.4036, 49.4036, 49.4036],
        "stop_lon": [8.6755, 8.6755, 8.6755], "location_type": [0, 0, 1],
        "parent_station": ["st", "", ""], "wheelchair_boarding": [2, 0, 0],
    })
    db = read_db_stations(HD / "db_stations.ndjson")
    hbf = db[db["name"] == "Heidelberg Hbf"].iloc[0]
    stops["stop_lat"] = hbf["lat"]
    stops["stop_lon"] = hbf["lon"]
    out = conflate_stop_access(stops, db_stations=db, rail_stop_ids={"b"}).set_index("stop_id")
    assert out.loc["a", "source"] == "gtfs" and out.loc["a", "step_free"] == "no"
    assert out.loc["st", "source"] == "db-stations"
    assert out.loc["st", "step_free"] == {"yes": "yes", "no": "no"}.get(hbf["stepless"],
                                                                         "unknown")
    assert "Heidelberg Hbf" in out.loc["st", "detail"]
    assert out.loc["b", "source"] == "db-stations"
    # Without any source nothing is guessed.
    none = conflate_stop_access(stops.assign(wheelchair_boarding=0))
    assert set(none["step_free"]) == {"unknown"}


def test_bad_inputs_name_the_file(tmp_path):
    bad = tmp_path / "stations.ndjson"
    bad.write_text(json.dumps({"id": 1, "name": "x"}) + "\n")
    with pytest.raises(InputFileError, match=r"stations\.ndjson \(line 1\)"):
        read_db_stations(bad)
    with pytest.raises(InputFileError, match="no such OSM file"):
        read_osm_stop_features(tmp_path / "missing.osm.pbf")


def test_osm_features_of_heidelberg():
    f = read_osm_stop_features(HD / "heidelberg.test.osm.pbf")
    assert len(f.elevators) == 25  # 22 nodes and 3 ways
    assert (f.platforms["wheelchair"] == "yes").sum() > 100
    assert len(f.steps) > 1000


def test_wheelchair_journey_avoids_a_stop_without_step_free_access(access):
    """Done-when: the wheelchair journey avoids a platform OSM marks as not step-free
    and uses step-free ones, one of them with an elevator."""
    verdict = access.set_index("stop_id")
    tt = Timetable.from_feed(HD / "vrn_gtfs_cut.zip", dt.date(2022, 9, 1),
                             stop_access=verdict["code"],
                             access_source=verdict["source"] + ": " + verdict["detail"])
    bad, lift = "de:08221:1267:1:TrRiN", "de:08221:1457:2:Ri N"
    stops = tt.stops.set_index("stop_id")
    origin = (stops.loc[bad, "stop_lat"] + 0.0003, stops.loc[bad, "stop_lon"])
    dest = (stops.loc[lift, "stop_lat"] + 0.0003, stops.loc[lift, "stop_lon"])
    at = dt.datetime(2022, 9, 1, 8, 0)
    std = plan_journey(tt, origin, dest, at)[-1]
    assert bad in std.stop_ids
    wc = plan_journey(tt, origin, dest, at, profile="wheelchair")[-1]
    assert bad not in wc.stop_ids
    assert lift in wc.stop_ids
    assert all(verdict.loc[s, "step_free"] == "yes" for s in wc.stop_ids)
    assert wc.arrival >= std.arrival
