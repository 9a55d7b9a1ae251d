"""Journey planning and departures on real feeds (VRN cut, Caltrain, WMATA)."""

from __future__ import annotations

import datetime as dt
import itertools
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stufenlos.ingest.gtfs import GtfsError, GtfsWarning
from stufenlos.text.itinerary import itinerary_directions
from stufenlos.transit import (
    TRANSIT_PROFILES,
    NoJourneyError,
    Timetable,
    TransitProfile,
    departures,
    load_city_transit,
    plan_journey,
    transit_profile,
)
from tests._feeds import CALTRAIN, VRN, WMATA, need_shared_feeds, needs_shared

DAY = dt.date(2022, 9, 1)  # a Thursday in the VRN cut's service period
HD_HBF = (49.4036, 8.6755)
HANDSCHUHSHEIM = (49.4264, 8.6870)


@pytest.fixture(scope="module")
def vrn() -> Timetable:
    return Timetable.from_feed(VRN, DAY)


def check_itinerary(it):
    times = [(leg.start, leg.end) for leg in it.legs]
    for start, end in times:
        assert start <= end
    for (_, end), (start, _) in itertools.pairwise(times):
        assert end <= start
    assert it.legs[0].mode == "walk"
    assert it.legs[-1].mode == "walk"


def test_vrn_journey_by_tram(vrn):
    its = plan_journey(vrn, HD_HBF, HANDSCHUHSHEIM, dt.datetime(2022, 9, 1, 8, 0))
    assert its
    it = its[-1]  # the fastest; its[0] may walk all the way
    check_itinerary(it)
    ride = [leg for leg in it.legs if leg.mode == "transit"]
    assert ride
    assert ride[0].route.startswith("RNV")
    assert ride[0].stop_ids[0] == ride[0].from_stop_id
    assert it.departure >= dt.datetime(2022, 9, 1, 8, 0, tzinfo=it.departure.tzinfo)
    assert it.arrival - it.departure < dt.timedelta(minutes=40)
    # The standard profile does not flag unknown accessibility.
    assert it.unknowns == []
    en, de = itinerary_directions(it, "en"), itinerary_directions(it, "de")
    assert any("take tram" in line for line in en)
    assert any("Straßenbahn" in line for line in de)
    gj = it.to_geojson()
    assert gj["type"] == "FeatureCollection"
    assert len(gj["features"]) == len(it.legs)
    assert all(len(f["geometry"]["coordinates"]) >= 2 for f in gj["features"])


def test_pareto_set_trades_arrival_for_transfers(vrn):
    its = plan_journey(vrn, (49.3950, 8.6860), (49.4400, 8.6650),
                       dt.datetime(2022, 9, 1, 7, 30))
    trips = [sum(leg.mode == "transit" for leg in it.legs) for it in its]
    arrivals = [it.arrival for it in its]
    assert trips == sorted(trips)
    assert len(set(trips)) == len(trips)
    # More trips only when they arrive strictly earlier.
    assert all(a > b for a, b in itertools.pairwise(arrivals))


def test_step_free_profile_flags_unknowns_and_avoids_inaccessible_stops(vrn):
    at = dt.datetime(2022, 9, 1, 8, 0)
    it = plan_journey(vrn, HD_HBF, HANDSCHUHSHEIM, at, profile="wheelchair")[-1]
    assert any("step-free access unknown" in u for u in it.unknowns)
    used = {s for leg in it.legs if leg.mode == "transit"
            for s in (leg.from_stop_id, leg.to_stop_id)}
    # Mark the stops that journey used as not step-free: the planner must avoid them.
    blocked = Timetable.from_feed(VRN, DAY, stop_access=dict.fromkeys(used, 2),
                                  access_source=dict.fromkeys(used, "osm: steps"))
    try:
        other = plan_journey(blocked, HD_HBF, HANDSCHUHSHEIM, at, profile="wheelchair")
    except NoJourneyError:
        return
    for alt in other:
        assert not used & set(alt.stop_ids)
    # The standard profile still uses them.
    std = plan_journey(blocked, HD_HBF, HANDSCHUHSHEIM, at)[-1]
    assert used & set(std.stop_ids)


def test_strict_policy_needs_known_accessibility(vrn):
    strict = transit_profile("wheelchair", unknown_policy="strict")
    with pytest.raises(NoJourneyError, match="no journey for profile 'wheelchair'"):
        plan_journey(vrn, HD_HBF, (49.4800, 8.6700), dt.datetime(2022, 9, 1, 8, 0),
                     profile=strict)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minute=st.integers(min_value=6 * 60, max_value=20 * 60), later=st.integers(1, 90))
def test_leaving_later_never_arrives_earlier(vrn, minute, later):
    base = dt.datetime(2022, 9, 1) + dt.timedelta(minutes=minute)
    first = plan_journey(vrn, HD_HBF, HANDSCHUHSHEIM, base)
    second = plan_journey(vrn, HD_HBF, HANDSCHUHSHEIM, base + dt.timedelta(minutes=later))
    assert min(i.arrival for i in first) <= min(i.arrival for i in second)


def test_departures_of_a_station(vrn):
    parent = vrn.stops.loc[vrn.stops["location_type"] == 1, "stop_id"]
    station = next(s for s in parent if "1160" in s)  # Heidelberg Hauptbahnhof
    df = departures(vrn, station, dt.datetime(2022, 9, 1, 8, 0), limit=8)
    assert len(df) == 8
    assert df["departure"].is_monotonic_increasing
    assert set(df["trip_step_free"]) == {"unknown"}
    assert df["stop_id"].str.startswith("de:08221:1160").all()
    assert (df["headsign"] != "").all()


def test_timetable_includes_yesterdays_trips_after_midnight():
    tt = Timetable.from_feed(VRN, dt.date(2022, 9, 3))
    late = [dep[0] for dep in tt.run_dep if dep[0] < 0]
    early = [dep[-1] for dep in tt.run_dep if dep[0] < 0 <= dep[-1]]
    assert len(late) == len(early)
    assert tt.seconds(tt.datetime(3600)) == 3600


def test_transit_profile_from_a_walking_profile():
    class Walk:
        name = "wheelchair"
        speed_mps = 0.9
        max_steps = 0
        unknown_policy = "strict"
        elevator_wait_s = 30.0
        max_distance_m = 600.0

    p = transit_profile(Walk())
    assert p.step_free and p.speed_mps == 0.9 and p.max_walk_m == 600.0
    assert p.unknown_policy == "strict"
    assert not transit_profile("standard").step_free
    with pytest.raises(Exception, match="unknown profile"):
        transit_profile("hovercraft")
    assert isinstance(transit_profile(TransitProfile()), TransitProfile)


def test_transit_profiles_follow_the_walking_presets():
    from stufenlos.profiles import PRESETS, get_profile

    for name in PRESETS:
        walk = get_profile(name)
        p = transit_profile(walk)
        assert p.name == name
        assert p.speed_mps == walk.speed_mps
        assert p.unknown_policy == walk.unknown_policy
        assert p.step_free == (name in ("wheelchair", "electric_wheelchair", "walker", "pram"))
        assert p.step_free == TRANSIT_PROFILES[name].step_free
        assert transit_profile(name) == p


# -- feeds with accessibility fields -----------------------------------------------

CALTRAIN_DAY = dt.date(2018, 6, 20)  # a Wednesday
SF = (37.7764, -122.3945)
PALO_ALTO = (37.4436, -122.1650)


@needs_shared
def test_caltrain_step_free_journey_avoids_wheelchair_accessible_2(tmp_path):
    at = dt.datetime(2018, 6, 20, 7, 0)
    tt = Timetable.from_feed(CALTRAIN, CALTRAIN_DAY)
    it = plan_journey(tt, SF, PALO_ALTO, at, profile="wheelchair")[-1]
    trip = next(leg.trip_id for leg in it.legs if leg.mode == "transit")
    # Set that trip to wheelchair_accessible=2 in a copy of the feed.
    folder = tmp_path / "caltrain"
    with zipfile.ZipFile(CALTRAIN) as zf:
        zf.extractall(folder)
    lines = (folder / "trips.txt").read_text().splitlines()
    header = lines[0].split(",")
    col, tcol = header.index("wheelchair_accessible"), header.index("trip_id")
    for i, line in enumerate(lines[1:], 1):
        cells = line.split(",")
        if cells[tcol] == trip:
            cells[col] = "2"
            lines[i] = ",".join(cells)
    (folder / "trips.txt").write_text("\n".join(lines) + "\n")
    tt2 = Timetable.from_feed(folder, CALTRAIN_DAY)
    for alt in plan_journey(tt2, SF, PALO_ALTO, at, profile="wheelchair"):
        assert trip not in {leg.trip_id for leg in alt.legs}
    # The standard profile may still take it.
    std = plan_journey(tt2, SF, PALO_ALTO, at)
    assert trip in {leg.trip_id for it in std for leg in it.legs}


@needs_shared
def test_caltrain_never_uses_stops_without_step_free_boarding():
    tt = Timetable.from_feed(CALTRAIN, CALTRAIN_DAY)
    no = set(tt.stops.loc[tt.stops["wheelchair_boarding"] == 2, "stop_id"])
    assert len(no) == 10
    rng = np.random.default_rng(1)
    lats = tt.stops["stop_lat"].to_numpy()
    lons = tt.stops["stop_lon"].to_numpy()
    for _ in range(6):
        a, b = rng.choice(len(lats), 2, replace=False)
        try:
            its = plan_journey(tt, (lats[a], lons[a]), (lats[b], lons[b]),
                               dt.datetime(2018, 6, 20, 8, 0), profile="wheelchair")
        except NoJourneyError:
            continue
        for it in its:
            assert not no & set(it.stop_ids)


@pytest.fixture(scope="module")
def wmata() -> Timetable:
    need_shared_feeds()
    return Timetable.from_feed(WMATA, dt.date(2026, 5, 5))


BALLSTON = (38.8823, -77.1140)
COURT_HOUSE = (38.8905, -77.0870)


def elevators_used(it):
    return [p["pathway_id"] for leg in it.legs for p in leg.pathways if p["mode"] == "elevator"]


@needs_shared
def test_wmata_wheelchair_journey_uses_elevators_not_escalators(wmata):
    at = dt.datetime(2026, 5, 5, 9, 0)
    it = plan_journey(wmata, BALLSTON, COURT_HOUSE, at, profile="wheelchair")[-1]
    modes = {p["mode"] for leg in it.legs for p in leg.pathways}
    assert "elevator" in modes
    assert not modes & {"stairs", "escalator"}
    assert any("elevator" in u and "status unknown" in u for u in it.unknowns)
    assert any("(elevator to level " in line for line in itinerary_directions(it, "en"))
    assert any("Aufzug zur Ebene " in line for line in itinerary_directions(it, "de"))
    std = plan_journey(wmata, BALLSTON, COURT_HOUSE, at)[-1]
    assert std.arrival <= it.arrival


@needs_shared
def test_wmata_closing_an_elevator_changes_the_journey(wmata):
    at = dt.datetime(2026, 5, 5, 9, 0)
    it = plan_journey(wmata, BALLSTON, COURT_HOUSE, at, profile="wheelchair")[-1]
    first = elevators_used(it)[0]
    state = {first: "INACTIVE"}
    alt = plan_journey(wmata, BALLSTON, COURT_HOUSE, at, profile="wheelchair",
                       elevator_state=state)[-1]
    assert first not in elevators_used(alt)
    # Closing every elevator of Ballston: no step-free way onto its platforms.
    el = wmata.elevators
    state = dict.fromkeys(el.loc[el["station_id"] == "STN_K04", "pathway_id"], "INACTIVE")
    try:
        alts = plan_journey(wmata, BALLSTON, COURT_HOUSE, at, profile="wheelchair",
                            elevator_state=state)
    except NoJourneyError:
        alts = []
    for a in alts:
        assert not any(s.startswith("PF_K04") for s in a.stop_ids)
    # A known working elevator is not reported as unknown and costs no extra wait.
    ok = dict.fromkeys(el["pathway_id"], "ACTIVE")
    known = plan_journey(wmata, BALLSTON, COURT_HOUSE, at, profile="wheelchair",
                         elevator_state=ok)[-1]
    assert not any("elevator" in u for u in known.unknowns)


# -- a city's validated feed copy ----------------------------------------------------


def test_a_broken_feed_update_keeps_the_imported_copy(tmp_path, monkeypatch):
    cities = tmp_path / "cities"
    (cities / "gtfstown").mkdir(parents=True)
    feed = cities / "gtfstown" / "feed.zip"
    feed.write_bytes(VRN.read_bytes())
    (cities / "gtfstown" / "city.toml").write_text(
        'name = "gtfstown"\ntitle = "GTFS town"\ntimezone = "Europe/Berlin"\n\n'
        '[[inputs]]\nkind = "gtfs"\npath = "feed.zip"\n')
    monkeypatch.setenv("STUFENLOS_CITIES_DIR", str(cities))
    base = tmp_path / "var"
    ct = load_city_transit("gtfstown", base=base)
    copy = base / "gtfstown" / "transit" / "gtfs.zip"
    assert copy.read_bytes() == VRN.read_bytes()
    assert ct.city is None  # not imported: straight-line walks
    assert plan_journey(ct.timetable(DAY), HD_HBF, HANDSCHUHSHEIM,
                        dt.datetime(2022, 9, 1, 8, 0))
    # A broken update: stop_times line 3 has a bad time.
    folder = tmp_path / "broken"
    with zipfile.ZipFile(VRN) as zf:
        zf.extractall(folder)
    st_txt = folder / "stop_times.txt"
    st_txt.write_text(st_txt.read_text().replace("08:52:00", "8h52", 1))
    with zipfile.ZipFile(feed, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, p.name)
    with pytest.warns(GtfsWarning, match=r"stop_times\.txt line 3.*keeping the feed imported"):
        again = load_city_transit("gtfstown", base=base)
    assert copy.read_bytes() == VRN.read_bytes()
    assert len(again.timetable(DAY).runs) > 0
    # Without an earlier copy the error is raised.
    with pytest.raises(GtfsError, match=r"stop_times\.txt line 3"):
        load_city_transit("gtfstown", base=tmp_path / "fresh")


def test_frequencies_expand_into_runs(tmp_path):
    folder = tmp_path / "vrn"
    with zipfile.ZipFile(VRN) as zf:
        zf.extractall(folder)
    feed = Timetable.from_feed(VRN, DAY).feed
    trip = feed.trips["trip_id"].iloc[0]
    first = int(feed.stop_times.loc[feed.stop_times["trip_id"] == trip, "departure_s"].min())
    (folder / "frequencies.txt").write_text(
        f"trip_id,start_time,end_time,headway_secs\n{trip},10:00:00,11:00:00,600\n")
    tt = Timetable.from_feed(folder, DAY)
    runs = [r for r, t in enumerate(tt.run_trip_id) if t == trip]
    starts = sorted(int(tt.run_dep[r][0]) for r in runs)
    assert starts == [36000 + 600 * i for i in range(6)]
    assert first not in starts or first == 36000
