"""HTTP API: cities, profiles, routes, reach, matrix, places and stops on real Hamburg data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stufenlos.closures import ClosureStore
from stufenlos.profiles import PRESETS
from tests._api_client import make_client

JUNGFERNSTIEG = {"lat": 53.5528, "lon": 9.9930}
RATHAUS = {"lat": 53.5505, "lon": 9.9925}


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("api"))


def _place(client: TestClient, name: str) -> dict:
    found = client.get("/api/cities/hamburg/places", params={"q": name}).json()
    assert found, name
    return {"lat": found[0]["lat"], "lon": found[0]["lon"]}


def _error(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["detail"]
    return body


def test_cities_list_the_bundle_with_import_state_and_sources(client: TestClient) -> None:
    cities = {c["name"]: c for c in client.get("/api/cities").json()}
    assert {"hamburg", "heidelberg", "helsinki", "herrenberg"} <= set(cities)
    hh = cities["hamburg"]
    assert hh["imported"] is True
    x0, y0, x1, y1 = hh["bbox"]
    assert x0 < 9.9930 < x1 and y0 < 53.5528 < y1
    assert hh["barrier_counts"]["elevator"] == 6
    assert any("OpenStreetMap" in s["attribution"] for s in hh["sources"])
    assert client.get("/api/cities/hamburg").json()["title"].startswith("Hamburg")
    _error(client.get("/api/cities/atlantis"), 404)
    _error(client.get("/api/cities/NOT A NAME"), 422)


def test_profiles_carry_their_limits_and_adjustable_fields(client: TestClient) -> None:
    profiles = client.get("/api/profiles").json()
    assert [p["name"] for p in profiles] == list(PRESETS)
    wheel = client.get("/api/profiles/wheelchair").json()
    assert wheel["limits"]["max_steps"] == 0
    assert wheel["label_de"] == "Rollstuhl"
    assert {a["name"] for a in wheel["adjustable"]} >= {"max_kerb_cm", "max_incline_pct"}
    _error(client.get("/api/profiles/hovercraft"), 422)


def flat(feature: dict) -> dict:
    """A route answer is a GeoJSON Feature: its properties plus its geometry."""
    assert feature["type"] == "Feature"
    assert set(feature) == {"type", "geometry", "properties"}
    return {**feature["properties"], "geometry": feature["geometry"]}


def test_route_answers_text_steps_and_geometry(client: TestClient) -> None:
    r = client.post("/api/cities/hamburg/route", json={
        "origin": JUNGFERNSTIEG, "destination": RATHAUS, "profile": "wheelchair", "lang": "en"})
    assert r.status_code == 200, r.text
    route = flat(r.json())
    assert route["status"] == "ok"
    assert 100 < route["distance_m"] < 2000
    assert route["summary"][0].startswith("Wheelchair route:")
    assert route["steps"][-1] == "You have arrived."
    coords = route["geometry"]["coordinates"]
    assert len(coords) >= 2
    assert abs(coords[0][1] - JUNGFERNSTIEG["lat"]) < 0.001
    assert route["limits"]["max_steps"] == 0


def test_route_in_german_and_easy_read(client: TestClient) -> None:
    body = {"origin": JUNGFERNSTIEG, "destination": RATHAUS, "profile": "wheelchair"}
    de = flat(client.post("/api/cities/hamburg/route", json={**body, "lang": "de"}).json())
    ls = flat(client.post("/api/cities/hamburg/route", json={**body, "lang": "ls"}).json())
    assert de["summary"][0].startswith("Route für Profil Rollstuhl")
    assert ls["summary"][0].startswith("Der Weg ist")
    assert "Der Weg passt zu Ihren Angaben." in ls["summary"]
    # easy-read: one short sentence per line
    assert len(ls["steps"]) >= len(de["steps"])
    assert all(s.count(". ") == 0 for s in ls["steps"])


def test_changing_a_limit_changes_the_route(client: TestClient) -> None:
    a, b = _place(client, "Adolphsbrücke"), _place(client, "Große Johannisstraße")
    strict = flat(client.post("/api/cities/hamburg/route", json={
        "origin": a, "destination": b, "profile": "wheelchair"}).json())
    relaxed = flat(client.post("/api/cities/hamburg/route", json={
        "origin": a, "destination": b, "profile": "wheelchair",
        "limits": {"max_kerb_cm": 30}}).json())
    # the kerb is not mapped: 12 cm assumed where the footway meets the road
    assert strict["status"] == "uncertain"
    assert {(v["limit"], v["assumed"]) for v in strict["violations"]} == {("max_kerb_cm", True)}
    assert any("Achtung" in s for s in strict["steps"])
    assert relaxed["status"] == "ok"
    assert relaxed["distance_m"] < strict["distance_m"]
    assert relaxed["limits"]["max_kerb_cm"] == 30


@pytest.mark.parametrize(("body", "field"), [
    ({"origin": {"lat": 95, "lon": 9.99}, "destination": RATHAUS}, "body.origin.lat"),
    ({"origin": JUNGFERNSTIEG, "destination": {"lat": 53.5, "lon": -181}},
     "body.destination.lon"),
    ({"origin": JUNGFERNSTIEG, "destination": RATHAUS, "profile": "hovercraft"}, "body.profile"),
    ({"origin": JUNGFERNSTIEG, "destination": RATHAUS, "limits": {"max_kerb_cm": 1e9}},
     "body.limits.max_kerb_cm"),
    ({"origin": JUNGFERNSTIEG, "destination": RATHAUS, "limits": {"max_steps": -1}},
     "body.limits.max_steps"),
    ({"origin": JUNGFERNSTIEG, "destination": RATHAUS, "limits": {"warp": 9}},
     "body.limits.warp"),
    ({"origin": JUNGFERNSTIEG}, "body.destination"),
    ({"origin": JUNGFERNSTIEG, "destination": RATHAUS, "lang": "fr"}, "body.lang"),
])
def test_bad_route_requests_name_the_field(client: TestClient, body: dict, field: str) -> None:
    err = _error(client.post("/api/cities/hamburg/route", json=body), 422)
    assert field in [e["field"] for e in err["errors"]], err


def test_malformed_and_huge_bodies_are_refused(client: TestClient) -> None:
    r = client.post("/api/cities/hamburg/route", content=b"{not json",
                    headers={"content-type": "application/json"})
    _error(r, 422)
    huge = b'{"origin": {"lat": 53.55, "lon": 9.99}, "pad": "' + b"x" * 400_000 + b'"}'
    err = _error(client.post("/api/cities/hamburg/route", content=huge,
                             headers={"content-type": "application/json"}), 413)
    assert "larger than" in err["detail"]

    def chunks():  # no content-length: the limit is enforced while reading
        for _ in range(100):
            yield b"x" * 10_000

    r = client.post("/api/cities/hamburg/route", content=chunks(),
                    headers={"content-type": "application/json"})
    _error(r, 413)


def test_route_for_an_unimported_or_unknown_city(client: TestClient) -> None:
    body = {"origin": JUNGFERNSTIEG, "destination": RATHAUS}
    err = _error(client.post("/api/cities/atlantis/route", json=body), 404)
    assert "hamburg" in err["detail"]


def test_points_far_from_the_network_are_reported(client: TestClient, imported_city) -> None:
    # a few hundred metres beyond the extract: routed, with a warning
    lat_max = float(imported_city("hamburg").network.node_lonlat[:, 1].max())
    near = {"lat": lat_max + 0.006, "lon": 9.9930}  # about 670 m north of the last way
    route = flat(client.post("/api/cities/hamburg/route", json={
        "origin": near, "destination": RATHAUS, "lang": "en"}).json())
    assert any(w.startswith("The nearest usable way is") and w.endswith("from the start.")
               for w in route["warnings"])
    # kilometres away: not in the city, refused with the point named
    far = {"lat": 53.60, "lon": 10.10}  # ~8 km away from the extract
    r = client.post("/api/cities/hamburg/route", json={
        "origin": far, "destination": RATHAUS, "lang": "en"})
    assert r.status_code == 422 and "start (53.60000, 10.10000)" in r.text


def test_reach_and_its_budget_rules(client: TestClient) -> None:
    fc = client.post("/api/cities/hamburg/reach", json={
        "origin": JUNGFERNSTIEG, "profile": "wheelchair", "budget": {"max_time_s": 300}}).json()
    assert fc["type"] == "FeatureCollection"
    area = fc["features"][0]
    assert area["properties"]["part"] == "area"
    assert area["geometry"]["type"] in ("Polygon", "MultiPolygon")
    area_m = client.post("/api/cities/hamburg/reach", json={
        "origin": JUNGFERNSTIEG, "budget": {"max_distance_m": 200}}).json()
    assert area_m["features"][0]["properties"]["budget_kind"] != \
        area["properties"]["budget_kind"]
    default = client.post("/api/cities/hamburg/reach", json={"origin": JUNGFERNSTIEG}).json()
    assert default["features"][0]["properties"]["budget"] == 600
    _error(client.post("/api/cities/hamburg/reach", json={
        "origin": JUNGFERNSTIEG, "budget": {"max_time_s": 60, "max_distance_m": 100}}), 422)
    _error(client.post("/api/cities/hamburg/reach", json={
        "origin": JUNGFERNSTIEG, "budget": {"max_time_s": 10**9}}), 422)


def test_matrix_is_square_and_bounded(client: TestClient) -> None:
    m = client.post("/api/cities/hamburg/matrix", json={
        "origins": [JUNGFERNSTIEG, RATHAUS], "destinations": [RATHAUS, JUNGFERNSTIEG],
        "profile": "standard"}).json()
    assert len(m["cost_s"]) == 2 and len(m["cost_s"][0]) == 2
    assert m["cost_s"][0][0] > 0
    assert m["cost_s"][0][0] == pytest.approx(m["cost_s"][1][1], rel=0.3)
    _error(client.post("/api/cities/hamburg/matrix", json={
        "origins": [JUNGFERNSTIEG] * 101, "destinations": [RATHAUS]}), 422)
    _error(client.post("/api/cities/hamburg/matrix", json={
        "origins": [], "destinations": [RATHAUS]}), 422)


def test_place_search_finds_streets_stations_and_coordinates(client: TestClient) -> None:
    found = client.get("/api/cities/hamburg/places", params={"q": "jungfern"}).json()
    kinds = {(p["name"], p["kind"]) for p in found}
    assert ("Jungfernstieg", "street") in kinds
    assert ("Jungfernstieg", "station") in kinds
    # accents and ß do not matter
    assert client.get("/api/cities/hamburg/places",
                      params={"q": "monckebergstrasse"}).json()[0]["name"] == "Mönckebergstraße"
    coords = client.get("/api/cities/hamburg/places", params={"q": "53.55, 9.99"}).json()
    assert coords == [{"name": "53.550000, 9.990000", "kind": "coordinates",
                       "lat": 53.55, "lon": 9.99, "label": "53.550000, 9.990000",
                       "kind_label": "Koordinaten", "district": None, "postcode": None,
                       "outside": False, "place_id": None, "access": None}]
    assert client.get("/api/cities/hamburg/places", params={"q": "zzzzqq"}).json() == []
    _error(client.get("/api/cities/hamburg/places", params={"q": ""}), 422)
    _error(client.get("/api/cities/hamburg/places", params={"q": "x" * 500}), 422)
    _error(client.get("/api/cities/hamburg/places", params={"q": "a", "limit": 10**6}), 422)


def test_stops_and_the_information_pillar_data(client: TestClient) -> None:
    stops = {s["slug"]: s for s in client.get("/api/cities/hamburg/stops").json()}
    assert stops["jungfernstieg"]["step_free"] == "yes"
    assert stops["jungfernstieg"]["id"] == "8003137"
    info = client.get("/api/cities/hamburg/stops/jungfernstieg").json()
    assert info["station"]["name"] == "Jungfernstieg"
    assert info["elevators"] and all(e["kind"] == "elevator" for e in info["elevators"])
    assert len(info["ways"]) == len(info["elevators"])
    assert all(w["steps"] for w in info["ways"])
    assert info["departures"] is None
    assert "Fahrplan" in info["departures_note"]
    assert client.get("/api/cities/hamburg/stops/8003137").json()["station"]["slug"] == \
        "jungfernstieg"
    _error(client.get("/api/cities/hamburg/stops/atlantis"), 404)


def test_cors_is_off_by_default(client: TestClient) -> None:
    r = client.get("/api/cities", headers={"Origin": "https://example.org"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_origins_are_configurable(imported_city, city_base, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STUFENLOS_CORS_ORIGINS", "https://example.org")
    gen = make_client(imported_city, city_base, tmp_path)
    c = next(gen)
    try:
        r = c.get("/api/cities", headers={"Origin": "https://example.org"})
        assert r.headers["access-control-allow-origin"] == "https://example.org"
        r = c.get("/api/cities", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
    finally:
        gen.close()


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat1=st.floats(53.5486, 53.5553), lon1=st.floats(9.9880, 10.0051),
       lat2=st.floats(53.5486, 53.5553), lon2=st.floats(9.9880, 10.0051),
       profile=st.sampled_from(list(PRESETS)), lang=st.sampled_from(["de", "en", "ls"]))
def test_any_route_inside_the_city_is_answered_honestly(client, lat1, lon1, lat2, lon2,
                                                       profile, lang) -> None:
    r = client.post("/api/cities/hamburg/route", json={
        "origin": {"lat": lat1, "lon": lon1}, "destination": {"lat": lat2, "lon": lon2},
        "profile": profile, "lang": lang})
    assert r.status_code == 200, r.text
    route = flat(r.json())
    assert route["summary"]
    if route["status"] == "no_route":
        assert route["steps"] == [] and route["geometry"] is None
    else:
        assert route["steps"] and route["distance_m"] >= 0
        assert (route["status"] == "ok") == (route["violations"] == [])
        if route["geometry"] is None:  # start and destination snap to the same spot
            assert route["distance_m"] < 1
            return
        coords = route["geometry"]["coordinates"]
        # the line starts and ends where the points were snapped (within ~30 m: a route
        # starting on the reverse arc of its snap can begin at the arc's other end)
        assert abs(coords[0][0] - route["origin"]["lon"]) < 5e-4
        assert abs(coords[0][1] - route["origin"]["lat"]) < 3e-4
        assert abs(coords[-1][0] - route["destination"]["lon"]) < 5e-4
        assert abs(coords[-1][1] - route["destination"]["lat"]) < 3e-4


def test_route_segments_check_against_osm_and_closures_are_named(client, imported_city) -> None:
    body = {"origin": JUNGFERNSTIEG, "destination": RATHAUS, "profile": "wheelchair"}
    before = flat(client.post("/api/cities/hamburg/route", json=body).json())
    segs = before["segments"]
    assert segs and before["closures"] == []
    edges = imported_city("hamburg").network.edges
    for seg in segs:
        row = edges.iloc[seg["arc"]]
        assert seg["osm_way_id"] == (None if row["osm_way_id"] is None or
                                     str(row["osm_way_id"]) == "<NA>" else int(row["osm_way_id"]))
    assert abs(sum(s["length_m"] for s in segs) - before["distance_m"]) < 1.0
    # an accepted report closes one edge of that route: the new answer names it
    city = imported_city("hamburg")
    middle = segs[len(segs) // 2]["arc"]
    store = ClosureStore("hamburg")  # the server's database (DATABASE_URL of the client)
    item = store.close("arc", middle, reason="blocked sidewalk", source="report",
                       report_id=42, network=city.network)
    try:
        after = flat(client.post("/api/cities/hamburg/route", json=body).json())
        assert middle not in {s["arc"] for s in after["segments"]}
        named = [c for c in after["closures"] if c.get("report_id") == 42]
        assert named and named[0]["url"] == "/reports/42"
        assert named[0]["reason"] == "blocked sidewalk"
    finally:
        store.reopen(item.id)


@pytest.mark.parametrize("lang", ["de", "en", "ls"])
def test_cli_and_api_give_the_same_route_answer(client, city_base, lang) -> None:
    import json

    from typer.testing import CliRunner

    from stufenlos.cli import app

    a, b = _place(client, "Adolphsbrücke"), _place(client, "Große Johannisstraße")
    api = client.post("/api/cities/hamburg/route", json={
        "origin": a, "destination": b, "profile": "wheelchair", "lang": lang}).json()
    points = ["--from", f"{a['lat']},{a['lon']}", "--to", f"{b['lat']},{b['lon']}"]
    common = ["route", "hamburg", *points, "--profile", "wheelchair", "--lang", lang,
              "--data-dir", str(city_base)]
    res = CliRunner().invoke(app, [*common, "--format", "geojson"])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.output)
    assert cli == api
    assert cli["properties"]["status"] == "uncertain"
    res = CliRunner().invoke(app, [*common, "--format", "text"])
    p = api["properties"]
    lines = [*p["summary"], *p["warnings"], *p["steps"]]
    assert res.output == "".join(f"{i}. {line}\n" for i, line in enumerate(lines, 1))
    res = CliRunner().invoke(app, [*common[:-2], "--lang", "fr", "--data-dir", str(city_base)])
    assert res.exit_code == 2 and "--lang" in res.output
