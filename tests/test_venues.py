"""Places you can enter and freshness: read from real OSM extracts, routed to, listed,
exported, served as OGC API Features and counted by the equity analysis."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import numpy as np
import osmium
import pytest
import shapely
from fastapi.testclient import TestClient

from stufenlos import freshness
from stufenlos.config import find_city
from stufenlos.geo import haversine_m
from stufenlos.profiles import PRESETS
from stufenlos.registry import get_city
from stufenlos.venues import enter_verdict, entrance_verdict, venues_of
from tests._api_client import make_client

HEIDELBERG_PBF = find_city("heidelberg").input_paths("osm")[0]
CAMPUS = "way/26946230"  # Universität Heidelberg, Im Neuenheimer Feld: mapped entrances
ORIGIN = (49.4165, 8.6745)  # a footway on the campus


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("venues"),
                           cities=("heidelberg", "herrenberg", "hamburg"))


# -- rules (synthetic values, named as such) ---------------------------------------------


def test_check_dates_pick_the_latest_check_and_name_its_source() -> None:
    assert freshness.from_tags({"check_date": "2019-04", "survey:date": "2018-01-02"}) == (
        "2019-04-01", "osm_check_date")
    assert freshness.from_tags({"check_date:wheelchair": "2017-01-01"},
                               dt.datetime(2021, 3, 4, tzinfo=dt.UTC)) == ("2021-03-04",
                                                                            "osm_edit")
    # pyosmium's timestamp for a file without metadata is 1970: no date
    assert freshness.from_tags({}, dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) == (None, None)
    assert freshness.from_tags({"check_date": "next year"}) == (None, None)
    today = dt.date(2026, 6, 1)
    assert freshness.is_stale("2019-01-01", today=today, after_days=730)
    assert not freshness.is_stale("2025-01-01", today=today, after_days=730)
    assert not freshness.is_stale(None, today=today, after_days=730)
    assert freshness.stale_note("elevator", "2019-05-01", "de").startswith(
        "Aufzug zuletzt geprüft 2019")


def test_who_can_enter_follows_the_documented_rule() -> None:
    wheel, walker, pram, walking = (PRESETS[n] for n in ("wheelchair", "walker", "pram",
                                                          "standard"))
    assert [enter_verdict(a, wheel) for a in ("yes", "limited", "no", "unknown")] == [
        "yes", "no", "no", "unknown"]
    assert [enter_verdict(a, walker) for a in ("yes", "limited")] == ["yes", "no"]
    assert [enter_verdict(a, pram) for a in ("limited", "no", "unknown")] == [
        "yes", "no", "unknown"]
    assert {enter_verdict(a, walking) for a in ("yes", "limited", "no", "unknown")} == {"yes"}
    narrow = {"wheelchair": "yes", "width_m": 0.8}
    assert entrance_verdict(narrow, wheel) == "no"  # 0.8 m < the wheelchair's 0.9 m
    assert entrance_verdict({"step_count": 2.0}, wheel) == "no"
    assert entrance_verdict({"door": "revolving", "wheelchair": "yes"}, wheel) == "no"
    assert entrance_verdict({"wheelchair": "yes", "door": "automatic"}, wheel) == "yes"


# -- real data ---------------------------------------------------------------------------


def _raw_campus() -> tuple[shapely.Geometry, dict[int, dict[str, str]]]:
    """The campus outline and every entrance node, read straight from the file."""
    ring: list[tuple[float, float]] = []
    ents: dict[int, dict[str, str]] = {}
    for obj in osmium.FileProcessor(str(HEIDELBERG_PBF)).with_locations():
        if obj.is_node() and "entrance" in obj.tags:
            ents[obj.id] = {**dict(obj.tags), "lon": obj.location.lon, "lat": obj.location.lat}
        elif obj.is_way() and obj.id == int(CAMPUS.split("/")[1]):
            ring = [(n.lon, n.lat) for n in obj.nodes]
    return shapely.Polygon(ring), ents


def test_entrances_are_those_on_or_inside_the_outline(imported_city) -> None:
    city = imported_city("heidelberg")
    venues = venues_of(city)
    assert len(venues) > 200
    assert set(venues.table["wheelchair"]) == {"yes", "limited", "no", "unknown"}
    outline, raw = _raw_campus()
    expected = {f"node/{i}" for i, t in raw.items()
                if outline.buffer(1e-7).covers(shapely.Point(t["lon"], t["lat"]))}
    got = venues.entrances_of(CAMPUS)
    assert {e["entrance_id"] for e in got} == expected
    yes = {e["entrance_id"] for e in got if e["wheelchair"] == "yes"}
    assert yes == {f"node/{i}" for i, t in raw.items()
                   if f"node/{i}" in expected and t.get("wheelchair") == "yes"}
    assert len(yes) >= 5


def test_a_route_to_a_place_ends_at_an_entrance_the_person_can_use(client: TestClient) -> None:
    body = {"origin": {"lat": ORIGIN[0], "lon": ORIGIN[1]}, "to_place": CAMPUS,
            "profile": "wheelchair", "lang": "de"}
    r = client.post("/api/cities/heidelberg/route", json=body)
    assert r.status_code == 200, r.text
    feat = r.json()
    place = feat["properties"]["place"]
    assert place["ends_at"] == "entrance" and place["entrance_status"] == "usable"
    ent = place["entrance"]
    assert ent["wheelchair"] == "yes"
    # the nearest of the wheelchair=yes entrances, by a recount over the raw tags
    _, raw = _raw_campus()
    usable = [(i, t) for i, t in raw.items() if t.get("wheelchair") == "yes"
              and f"node/{i}" in {e["entrance_id"] for e in
                                  venues_of(get_city("heidelberg")).entrances_of(CAMPUS)}]
    dist = {i: float(haversine_m(ORIGIN[1], ORIGIN[0], t["lon"], t["lat"])) for i, t in usable}
    assert ent["entrance_id"] == f"node/{min(dist, key=dist.get)}"
    end = feat["geometry"]["coordinates"][-1]
    to_entrance = float(haversine_m(end[0], end[1], ent["lon"], ent["lat"]))
    row = venues_of(get_city("heidelberg")).get(CAMPUS)
    to_centre = float(haversine_m(end[0], end[1], row["lon"], row["lat"]))
    assert to_entrance < 5.0 < to_centre
    assert "Sie enden am Eingang Im Neuenheimer Feld 282 (stufenlos)." in (
        feat["properties"]["summary"])
    en = client.post("/api/cities/heidelberg/route", json={**body, "lang": "en"}).json()
    assert en["properties"]["place"]["text"].startswith("You end at the entrance")


def test_a_place_without_a_mapped_entrance_says_so(client: TestClient) -> None:
    venues = venues_of(get_city("heidelberg"))
    bare = next(v for v in venues.table["id"] if not venues.entrances_of(v))
    row = venues.get(bare)
    body = {"origin": {"lat": ORIGIN[0], "lon": ORIGIN[1]}, "to_place": bare,
            "profile": "wheelchair"}
    props = client.post("/api/cities/heidelberg/route", json=body).json()["properties"]
    assert props["place"]["entrance_status"] == "none" and props["place"]["entrance"] is None
    assert props["place"]["text"].startswith("Eingang unbekannt")
    assert props["status"] == "no_route" or abs(props["destination"]["lat"] - row["lat"]) < 0.01
    assert client.post("/api/cities/heidelberg/route",
                       json={**body, "to_place": "way/1"}).status_code == 404
    assert client.post("/api/cities/heidelberg/route",
                       json={"origin": body["origin"]}).status_code == 422


def test_list_filters_exports_and_ogc_collection(client: TestClient) -> None:
    venues = venues_of(get_city("heidelberg"))
    yes = int((venues.table["wheelchair"] == "yes").sum())
    page = client.get("/api/cities/heidelberg/venues?access=yes&limit=5&lang=en").json()
    assert page["total"] == yes and len(page["items"]) == 5
    assert {i["wheelchair"] for i in page["items"]} == {"yes"}
    schools = client.get("/api/cities/heidelberg/venues?kind=school").json()
    assert schools["total"] == int((venues.table["kind"] == "school").sum()) > 0
    assert {i["kind_label"] for i in schools["items"]} == {"Schule"}
    named = client.get("/api/cities/heidelberg/venues?q=aldi").json()
    assert named["total"] >= 1 and all("aldi" in i["name"].lower() for i in named["items"])

    gj = client.get("/api/cities/heidelberg/venues.geojson?access=no")
    assert gj.headers["content-type"].startswith("application/geo+json")
    assert len(gj.json()["features"]) == int((venues.table["wheelchair"] == "no").sum())
    rows = list(csv.DictReader(io.StringIO(
        client.get("/api/cities/heidelberg/venues.csv").text)))
    assert len(rows) == len(venues)
    assert all((r["name"] or "x")[0] not in "=+@" for r in rows)

    ids = {c["id"] for c in client.get("/ogc/collections").json()["collections"]}
    assert {"heidelberg-places", "herrenberg-places"} <= ids
    items = client.get("/ogc/collections/heidelberg-places/items?limit=1000").json()
    assert items["numberMatched"] == len(venues)
    assert {f["properties"]["wheelchair"] for f in items["features"]} == {
        "yes", "limited", "no", "unknown"}
    one = client.get(f"/ogc/collections/heidelberg-places/items/{CAMPUS}").json()
    assert one["properties"]["entrance_count"] == len(venues.entrances_of(CAMPUS))


def test_urban_data_platform_places_join_the_one_places_api(client: TestClient) -> None:
    """Hamburg's bundled UDP responses, read straight from the files, against the API."""
    udp = find_city("hamburg").folder / "udp"
    raw = {layer: json.loads((udp / f"{name}.geojson").read_text("utf-8")) for layer, name in
           (("disabled_parking", "disabled_parking"), ("park_and_ride", "park_and_ride"),
            ("car_parks", "garages_live"))}
    everything = client.get("/api/cities/hamburg/venues?limit=1000&lang=en").json()
    assert everything["total"] == sum(len(d["features"]) for d in raw.values())
    by_id = {i["id"]: i for i in everything["items"]}
    for layer, data in raw.items():
        for f in data["features"]:
            item = by_id[f"ogc/{layer}/{f['id']}"]  # ids kept apart from OSM ids
            assert (item["source"], item["licence"]) == ("Urban Data Platform Hamburg",
                                                         "dl-de/by-2-0")
            assert item["last_checked"] == data["timeStamp"][:10]
            assert item["checked_by"] == "source_data" and item["entrance_count"] == 0
    pr = raw["park_and_ride"]["features"]
    for f in pr:
        item = by_id[f"ogc/park_and_ride/{f['id']}"]
        assert item["wheelchair"] == {"ja": "yes", "nein": "no"}[f["properties"]["barrierefrei"]]
        assert item["spaces"] == int(f["properties"]["stellplaetze_gesamt"])
        assert item["kind_label"] == "Park and ride"
    # filterable by access and kind like any place
    yes = client.get("/api/cities/hamburg/venues?access=yes").json()
    assert sorted(i["name"] for i in yes["items"]) == sorted(
        f["properties"]["name"] for f in pr if f["properties"]["barrierefrei"] == "ja")
    dp = client.get("/api/cities/hamburg/venues?kind=disabled_parking&limit=100").json()
    assert sum(i["disabled_spaces"] for i in dp["items"]) == sum(
        int(f["properties"]["anzahl"]) for f in raw["disabled_parking"]["features"])
    first = pr[0]
    one = client.get(f"/api/cities/hamburg/venues/ogc/park_and_ride/{first['id']}").json()
    assert one["name"] == first["properties"]["name"]
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/api/cities/hamburg/venues.csv?kind=car_park").text)))
    assert len(rows) == len(raw["car_parks"]["features"])
    assert {r["source"] for r in rows} == {"Urban Data Platform Hamburg"}
    # the same places in the OGC places collection and on the page
    items = client.get("/ogc/collections/hamburg-places/items?limit=1000").json()
    assert items["numberMatched"] == everything["total"]
    page = client.get("/places/hamburg?kind=park_and_ride&access=yes&lang=de").text
    assert "Rahlstedt" in page and "Trabrennbahn" in page and "Volksdorf" not in page
    assert "Urban Data Platform Hamburg (dl-de/by-2-0)" in page


def test_barriers_carry_when_they_were_last_checked(client: TestClient, monkeypatch) -> None:
    # Herrenberg's extract keeps each object's timestamp: every barrier has a date
    feats = client.get("/ogc/collections/herrenberg-barriers/items?limit=10000").json()[
        "features"]
    dates = [f["properties"]["last_checked"] for f in feats]
    assert feats and all(d is not None for d in dates)
    assert {f["properties"]["checked_by"] for f in feats} <= {"osm_edit", "osm_check_date"}
    assert all(f["properties"]["stale"] == freshness.is_stale(f["properties"]["last_checked"])
               for f in feats)
    # Heidelberg's has no timestamps: no date is made up
    hd = client.get("/ogc/collections/heidelberg-barriers/items?limit=50").json()["features"]
    assert all(f["properties"]["last_checked"] is None for f in hd)


def test_a_route_flags_stale_barriers(client: TestClient, monkeypatch) -> None:
    city = get_city("herrenberg")
    steps = next(b for b in city.network.edges.itertuples() if b.steps and b.osm_way_id)
    lon, lat = city.network.node_lonlat[steps.u]
    lon2, lat2 = city.network.node_lonlat[steps.v]
    body = {"origin": {"lat": float(lat) + 1e-5, "lon": float(lon)},
            "destination": {"lat": float(lat2), "lon": float(lon2)}, "profile": "standard",
            "lang": "de"}
    props = client.post("/api/cities/herrenberg/route", json=body).json()["properties"]
    dated = [b for b in props["barriers"] if "last_checked" in b]
    assert dated, props["barriers"]
    old = [b for b in dated if b["stale"]]
    assert all(freshness.is_stale(b["last_checked"]) for b in old)
    if old:
        assert any("zuletzt geprüft" in s for s in props["stale"])
    monkeypatch.setenv("STUFENLOS_STALE_AFTER_DAYS", "100000")
    props = client.post("/api/cities/herrenberg/route", json=body).json()["properties"]
    assert props["stale"] == [] and not any(b.get("stale") for b in props["barriers"])


def test_places_page_lists_filters_and_shows_the_map(client: TestClient) -> None:
    r = client.get("/places/heidelberg?access=yes&lang=en")
    assert r.status_code == 200
    yes = int((venues_of(get_city("heidelberg")).table["wheelchair"] == "yes").sum())
    assert f"{yes} places" in r.text and "places-config" in r.text
    assert "<script>" not in r.text  # CSP: no inline script
    de = client.get("/places/heidelberg?kind=school&lang=de").text
    assert "Schule" in de and "Rollstuhl" in de


# -- analysis -----------------------------------------------------------------------------


def test_analysis_counts_places_one_can_enter_beside_those_one_reaches(imported_city) -> None:
    from stufenlos.analysis.access import analyze, compute

    city = imported_city("heidelberg")
    cats = ["doctors", "supermarket", "toilets"]
    res = analyze(city, profiles=("standard", "wheelchair", "pram"), categories=cats,
                  spacing_m=300)
    for p in res.profiles:
        m = res.measures[p]
        assert m.enter_categories == tuple(cats)
        assert (m.enter_count <= m.count).all() and (m.unknown_count <= m.count).all()
        assert (m.enter_count + m.unknown_count <= m.count).all()
    std = res.measures["standard"]
    assert (std.enter_count == std.count).all()  # walking: every place counts as enterable
    pram = res.measures["pram"]  # reaches toilets whose access is not mapped
    assert (pram.enter_count < pram.count).any() and pram.unknown_count.any()
    wheel = res.measures["wheelchair"]
    # recount: the destinations with wheelchair=yes from the raw file, counted as a plain
    # category, reach what the analysis says a wheelchair user can enter
    yes = set()
    for obj in osmium.FileProcessor(str(HEIDELBERG_PBF), osmium.osm.NODE | osmium.osm.WAY):
        if obj.tags.get("wheelchair") in ("yes", "designated"):
            yes.add(f"{'node' if obj.is_node() else 'way'}/{obj.id}")
    dest = res.setup.destinations
    only_yes = dest[dest["ref"].isin(yes)].drop(columns="access")
    again = compute(res.setup, ["wheelchair"], destinations=only_yes)["wheelchair"]
    np.testing.assert_array_equal(again.count, wheel.enter_count)
    tab = res.area_table()
    assert "wheelchair.toilets.enter_15" in tab and "wheelchair.toilets.unknown_access_15" in tab
    from stufenlos.analysis.report import report_context

    cell = report_context(res)["summary"][2]["profiles"][1]
    assert {"enter", "enter_share", "unknown"} <= set(cell)
