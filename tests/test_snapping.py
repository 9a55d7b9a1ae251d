"""Snapping that finds the network people can walk on: points the search offers and points
where people click route whenever the connected network is a few metres away."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from stufenlos.api import views
from stufenlos.snap import CONNECTED_DETOUR_M

HBF = (49.40357, 8.67544)  # "Heidelberg Hbf" as the place search offers it


@pytest.fixture(scope="module")
def heidelberg(imported_city):
    return imported_city("heidelberg")


def _offered(city, query: str, kinds: set[str]) -> list:
    return [p for p in views.place_index(city).search(query, limit=20) if p.kind in kinds]


@pytest.mark.parametrize("profile", ["standard", "walker", "wheelchair"])
def test_hbf_to_bismarckplatz_routes_for_every_place_the_search_offers(heidelberg,
                                                                        profile) -> None:
    offered = _offered(heidelberg, "Bismarckplatz", {"stop_position", "station"})
    assert len(offered) >= 2  # the stop position and the station
    for place in offered:
        r = heidelberg.route(HBF, (place.lat, place.lon), profile=profile)
        assert r.status != "no_route", (place.name, place.kind)
        assert 1000 < r.distance_m < 2500
        if profile == "standard":
            assert r.status == "ok"


def _main_part_geometry(net):
    comp = net.nodes["component"].to_numpy()
    main = np.bincount(comp).argmax()
    arcs = np.flatnonzero(comp[net.u] == main)
    return shapely.union_all(shapely.from_wkb(net.edges["geometry"].to_numpy()[arcs]))


def test_no_stop_or_platform_near_the_network_answers_no_connection(heidelberg) -> None:
    """Every stop the search offers routes from the Hbf when the main network is near it,
    checked against an independent distance to the main part's geometry."""
    net = heidelberg.network
    main = _main_part_geometry(net)
    kinds = {"stop_position", "station", "tram_stop", "bus_stop", "platform"}
    places = [p for p in views.place_index(heidelberg).places if p.kind in kinds]
    assert len(places) > 50
    checked = 0
    from stufenlos.geo import metres_per_degree

    kx, ky = metres_per_degree(HBF[0])
    for p in places:
        near = shapely.ops.nearest_points(main, shapely.Point(p.lon, p.lat))[0]
        gap = float(np.hypot((near.x - p.lon) * kx, (near.y - p.lat) * ky))
        if gap > CONNECTED_DETOUR_M * 0.8:
            continue  # far from the main network: not this rule's case
        r = heidelberg.route(HBF, (p.lat, p.lon), profile="standard")
        assert r.status != "no_route", (p.name, p.kind, p.lat, p.lon, round(gap))
        checked += 1
    assert checked > 50


ISLAND = (49.4393862, 8.9103421)  # a piece of 81 nodes that no way links to the rest


def test_unconnected_points_say_so_and_offer_the_nearest_connected_point(heidelberg) -> None:
    r = heidelberg.route(HBF, ISLAND, profile="standard")
    assert r.status == "no_route"
    near = r.connected_destination
    assert near is not None
    # independently: the main part's geometry is that far from the island point
    main = _main_part_geometry(heidelberg.network)
    from stufenlos.geo import haversine_m

    p = shapely.ops.nearest_points(main, shapely.Point(ISLAND[1], ISLAND[0]))[0]
    gap = float(haversine_m(p.x, p.y, ISLAND[1], ISLAND[0]))
    assert near.distance_m == pytest.approx(gap, rel=0.05, abs=20)
    # and the suggested point does route from the start
    assert heidelberg.route(HBF, (near.lat, near.lon)).status != "no_route"
    from stufenlos.text.route import route_feature, route_text

    assert "nächste mit dem Start verbundene Punkt" in route_text(r, lang="de")
    assert "nearest point connected to the start" in route_text(r, lang="en")
    props = route_feature(r, lang="en")["properties"]
    assert props["connected_destination"]["lat"] == pytest.approx(near.lat)


def test_a_point_far_outside_the_city_is_refused_not_snapped(imported_city, city_base,
                                                              tmp_path) -> None:
    from typer.testing import CliRunner

    from stufenlos.cli import app
    from stufenlos.snap import FarFromNetworkError
    from tests._api_client import make_client

    hamburg = imported_city("hamburg")
    with pytest.raises(FarFromNetworkError, match="start"):
        hamburg.route((0.0, 0.0), (53.5505, 9.9925))
    with pytest.raises(FarFromNetworkError, match="point"):
        hamburg.matrix([(53.5505, 9.9925)], [(0.0, 0.0)])
    res = CliRunner().invoke(app, ["route", "hamburg", "--from", "0,0", "--to",
                                   "53.5505,9.9925", "--data-dir", str(city_base)])
    assert res.exit_code == 2 and "km from the centre of" in res.output
    for client in make_client(imported_city, city_base, tmp_path):
        r = client.post("/api/cities/hamburg/route", json={
            "origin": {"lat": 0, "lon": 0}, "destination": {"lat": 53.5505, "lon": 9.9925}})
        assert r.status_code == 422 and "from any walkable way" in r.text
        r = client.post("/api/cities/hamburg/matrix", json={
            "origins": [{"lat": 53.5505, "lon": 9.9925}],
            "destinations": [{"lat": 0, "lon": 0}]})
        assert r.status_code == 422
