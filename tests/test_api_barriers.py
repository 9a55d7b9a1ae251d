"""HTTP API: barriers, elevators, OGC API – Features and vector tiles on real Hamburg data."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient

from stufenlos.api.routes.ogc import CONFORMANCE
from stufenlos.tiles import tile_bounds
from tests._api_client import make_client


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def city(imported_city):
    return imported_city("hamburg")


def _error(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["detail"]
    return r.json()


def test_barriers_page_filter_and_count(client: TestClient, city) -> None:
    from stufenlos.barriers import BarrierStore

    store = BarrierStore(city.database_path)
    counts = store.counts_by_kind()
    page = client.get("/api/cities/hamburg/barriers", params={"limit": 10}).json()
    assert page["total"] == sum(counts.values())
    assert len(page["items"]) == 10
    steps = client.get("/api/cities/hamburg/barriers",
                       params={"kind": "steps", "limit": 1000}).json()
    assert steps["total"] == counts["steps"]
    assert {b["kind"] for b in steps["items"]} == {"steps"}
    assert steps["items"][0]["label_de"] == "Stufen"
    second = client.get("/api/cities/hamburg/barriers",
                        params={"kind": "steps", "limit": 5, "offset": 5}).json()
    assert [b["id"] for b in second["items"]] == [b["id"] for b in steps["items"][5:10]]
    both = client.get("/api/cities/hamburg/barriers",
                      params=[("kind", "steps"), ("kind", "gate")]).json()
    assert both["total"] == counts["steps"] + counts["gate"]
    one = steps["items"][0]
    bbox = f"{one['lon'] - 1e-5},{one['lat'] - 1e-5},{one['lon'] + 1e-5},{one['lat'] + 1e-5}"
    near = client.get("/api/cities/hamburg/barriers", params={"bbox": bbox}).json()
    assert one["id"] in [b["id"] for b in near["items"]]
    got = client.get(f"/api/cities/hamburg/barriers/{one['id']}").json()
    assert got == one


@pytest.mark.parametrize("params", [
    {"kind": "dragon"}, {"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"bbox": "0,0,200,10"},
    {"bbox": "10,10,0,0"}, {"limit": 0}, {"limit": 100000}, {"offset": -1},
    {"status": "broken"},
])
def test_bad_barrier_queries_are_422(client: TestClient, params: dict) -> None:
    _error(client.get("/api/cities/hamburg/barriers", params=params), 422)


def test_unknown_barrier_is_404(client: TestClient) -> None:
    _error(client.get("/api/cities/hamburg/barriers/node/1/nothing"), 404)


def test_elevator_status_follows_live_closures(client: TestClient, imported_city) -> None:
    # Hamburg's elevators are mapped as rooms no footway touches: listed, not routable
    page = client.get("/api/cities/hamburg/elevators").json()
    assert page["total"] == 6
    assert {e["status"] for e in page["items"]} == {"unknown"}
    city = imported_city("herrenberg")
    page = client.get("/api/cities/herrenberg/elevators").json()
    assert page["total"] >= 1
    target = page["items"][0]
    ov = city.closures.close("barrier", target["id"], reason="out of service")
    try:
        closed = client.get("/api/cities/herrenberg/elevators",
                            params={"status": "closed"}).json()
        assert [e["id"] for e in closed["items"]] == [target["id"]]
        feat = client.get(f"/ogc/collections/herrenberg-elevators/items/{target['id']}").json()
        assert feat["properties"]["status"] == "closed"
    finally:
        city.closures.reopen(ov.id)
    assert client.get("/api/cities/herrenberg/elevators",
                      params={"status": "closed"}).json()["total"] == 0


def test_a_closure_that_closes_nothing_does_not_break_the_city(client: TestClient,
                                                               city) -> None:
    unlinked = client.get("/api/cities/hamburg/elevators").json()["items"][0]
    ov = city.closures.close("barrier", unlinked["id"], reason="out of service")
    try:
        page = client.get("/api/cities/hamburg/elevators")
        assert page.status_code == 200
        route = client.post("/api/cities/hamburg/route", json={
            "origin": {"lat": 53.5528, "lon": 9.9930}, "destination": {"lat": 53.5505,
                                                                        "lon": 9.9925}})
        assert route.status_code == 200
        assert route.json()["properties"]["status"] != "no_route"
    finally:
        city.closures.reopen(ov.id)


def test_ogc_landing_conformance_and_collections(client: TestClient) -> None:
    landing = client.get("/ogc").json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= rels
    assert client.get("/ogc/conformance").json()["conformsTo"] == CONFORMANCE
    cols = {c["id"]: c for c in client.get("/ogc/collections").json()["collections"]}
    assert {"hamburg-barriers", "hamburg-elevators"} <= set(cols)
    col = client.get("/ogc/collections/hamburg-elevators").json()
    assert col["extent"]["spatial"]["bbox"][0][0] < 9.99
    assert any(link["rel"] == "items" for link in col["links"])
    assert any(link["rel"] == "license" for link in col["links"])
    _error(client.get("/ogc/collections/atlantis-barriers"), 404)


def test_ogc_items_page_with_next_links(client: TestClient) -> None:
    r = client.get("/ogc/collections/hamburg-barriers/items", params={"limit": 7})
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    assert fc["numberReturned"] == 7 and fc["numberMatched"] > 7
    nxt = next(link["href"] for link in fc["links"] if link["rel"] == "next")
    assert "offset=7" in nxt and "limit=7" in nxt
    page2 = client.get(nxt.replace("http://testserver", "")).json()
    assert {f["id"] for f in page2["features"]}.isdisjoint({f["id"] for f in fc["features"]})
    assert any(link["rel"] == "prev" for link in page2["links"])
    f = fc["features"][0]
    assert f["geometry"]["type"] == "Point"
    assert f["properties"]["kind"]
    one = client.get(f"/ogc/collections/hamburg-barriers/items/{f['id']}").json()
    assert one["id"] == f["id"]
    elev = client.get("/ogc/collections/hamburg-elevators/items", params={"limit": 100}).json()
    assert elev["numberMatched"] == 6
    assert {x["properties"]["kind"] for x in elev["features"]} == {"elevator"}
    _error(client.get(f"/ogc/collections/hamburg-elevators/items/{f['id']}"), 404)


def test_ogc_bbox_filters(client: TestClient) -> None:
    everything = client.get("/ogc/collections/hamburg-barriers/items",
                            params={"limit": 10000}).json()
    bbox = "9.990,53.550,9.996,53.554"
    part = client.get("/ogc/collections/hamburg-barriers/items",
                      params={"bbox": bbox, "limit": 10000}).json()
    assert 0 < part["numberMatched"] < everything["numberMatched"]
    for feat in part["features"]:
        lon, lat = feat["geometry"]["coordinates"]
        assert 9.990 <= lon <= 9.996 and 53.550 <= lat <= 53.554
    six = client.get("/ogc/collections/hamburg-barriers/items",
                     params={"bbox": "9.990,53.550,0,9.996,53.554,100", "limit": 10000}).json()
    assert six["numberMatched"] == part["numberMatched"]


@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 10001}, {"limit": "ten"}, {"offset": -1}, {"bbox": "1,2,3"},
    {"bbox": "0,0,0,95"}, {"bbox": "10,0,0,1"}, {"colour": "red"}, {"f": "xml"},
])
def test_ogc_bad_parameters_are_400(client: TestClient, params: dict) -> None:
    _error(client.get("/ogc/collections/hamburg-barriers/items", params=params), 400)


def _tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    import math

    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_vector_tiles_hold_ways_and_barriers_where_they_are(client: TestClient) -> None:
    x, y = _tile_of(53.5528, 9.9930, 16)
    r = client.get(f"/tiles/hamburg/16/{x}/{y}.pbf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layers = mapbox_vector_tile.decode(r.content)
    ways = layers["ways"]["features"]
    assert ways and {"class"} <= set(ways[0]["properties"])
    names = {f["properties"].get("name") for f in ways}
    assert "Jungfernstieg" in names
    # a tile far away is empty; below the minimum zoom tiles are empty
    far = mapbox_vector_tile.decode(client.get("/tiles/hamburg/16/0/0.pbf").content)
    assert not far.get("ways", {}).get("features")
    assert mapbox_vector_tile.decode(client.get(f"/tiles/hamburg/5/{x >> 11}/{y >> 11}.pbf")
                                     .content) == {}
    assert client.get("/tiles/hamburg/3/9/0.pbf").status_code == 404
    assert client.get("/tiles/atlantis/16/0/0.pbf").status_code == 404


def test_tile_bounds_are_web_mercator() -> None:
    x0, _, _, y1 = tile_bounds(0, 0, 0)
    assert x0 == pytest.approx(-20037508.34, abs=1) and y1 == pytest.approx(20037508.34, abs=1)
    assert tile_bounds(1, 1, 1)[:2] == pytest.approx((0.0, -20037508.34), abs=1)


def test_style_points_at_our_own_tiles(client: TestClient) -> None:
    style = client.get("/tiles/hamburg/style.json").json()
    assert style["version"] == 8
    src = style["sources"]["city"]
    assert src["tiles"][0].startswith("http://testserver/tiles/hamburg/")
    assert "OpenStreetMap" in src["attribution"]
    assert all("http" not in str(layer) for layer in style["layers"])
