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


# -- many points at once --------------------------------------------------------------


def _snap_one_by_one(sn, lat: float, lon: float, usable: np.ndarray) -> tuple:
    """The rules of :meth:`Snapper.snap`, point by point, written out independently."""
    from stufenlos.snap import MAX_SNAP_M, SNAP_DETOUR_M

    (pt,) = shapely.points(sn.projection.to_xy([(lon, lat)]))

    def pick(cand: np.ndarray, ok: bool) -> tuple:
        dist = shapely.distance(sn.geoms[cand], pt)
        best = int(cand[np.lexsort((cand, dist))[0]])  # ties: the lowest segment
        frac = float(shapely.line_locate_point(sn.geoms[best], pt, normalized=True))
        return int(sn.arcs[best]), frac, float(dist.min()), ok

    nearest, d = sn.tree.query_nearest(pt, return_distance=True)
    if not sn.main[nearest].any():
        near = sn.tree.query(pt, predicate="dwithin", distance=float(d[0]) + CONNECTED_DETOUR_M)
        near = near[sn.main[near]]
        if near.size:
            ok = near[usable[sn.arcs[near]]]
            return pick(ok, True) if ok.size else pick(near, False)
    if usable[sn.arcs[nearest]].any():
        return pick(nearest[usable[sn.arcs[nearest]]], True)
    cand = sn.tree.query(pt, predicate="dwithin",
                         distance=min(float(d[0]) + SNAP_DETOUR_M, MAX_SNAP_M))
    ok = cand[usable[sn.arcs[cand]]]
    return pick(ok, True) if ok.size else pick(nearest, False)


@pytest.mark.parametrize("profile", ["wheelchair", "standard"])
def test_snapping_many_points_equals_snapping_each(heidelberg, profile: str) -> None:
    net = heidelberg.network
    sn = net.snapper
    w = heidelberg.router.weights(profile)
    rng = np.random.default_rng(17)
    lonlat = net.node_lonlat
    # spread over the city, and a few metres off ways of small pieces and unusable ways
    spread = rng.uniform(lonlat.min(axis=0), lonlat.max(axis=0), (2000, 2))
    small = np.flatnonzero(~sn.main)
    unusable = np.flatnonzero(~w.usable[sn.arcs])
    assert small.size and (profile == "standard" or unusable.size)
    near = [lonlat[net.u[sn.arcs[rng.choice(segs, 500)]]] + rng.normal(0, 0.0003, (500, 2))
            for segs in (small, unusable) if segs.size]
    pts = np.concatenate([spread, *near])
    many = sn.snap_many(pts, w.usable)
    one = [_snap_one_by_one(sn, lat, lon, w.usable) for lon, lat in pts]
    arc, frac, dist, ok = (np.array(x) for x in zip(*one, strict=True))
    np.testing.assert_array_equal(many.arc, arc)
    np.testing.assert_array_equal(many.usable, ok)
    np.testing.assert_allclose(many.fraction, frac, rtol=0, atol=1e-12)
    np.testing.assert_allclose(many.distance_m, dist, rtol=0, atol=1e-9)
    # every rule is exercised: small pieces left for a main part, unusable ways kept
    on_main = sn.main[np.searchsorted(sn.arcs, many.arc)]
    nearest_main = sn.main[np.searchsorted(sn.arcs, sn.nearest(pts)[0])]
    assert (on_main & ~nearest_main).sum() > 20
    if profile == "wheelchair":
        assert (~many.usable).sum() > 20
        assert (many.arc != sn.nearest(pts)[0]).sum() > 100
    # the one-point answer is the many-point answer
    s = sn.snap(float(pts[5, 1]), float(pts[5, 0]), w.usable)
    assert (s.arc, s.fraction, s.usable) == (many.arc[5], many.fraction[5], many.usable[5])


def test_matrix_from_points_refuses_a_far_point_by_name(heidelberg) -> None:
    from stufenlos.snap import FarFromNetworkError

    lon, lat = heidelberg.network.node_lonlat[0]
    with pytest.raises(FarFromNetworkError, match=r"^point \(49\.8"):
        heidelberg.router.matrix([(lat, lon), (49.8, 8.69)], [(lat, lon)])
