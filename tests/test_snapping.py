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
