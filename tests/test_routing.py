"""Router behaviour on synthetic grids, plus property tests of its invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stufenlos._graph import SCALE
from stufenlos.network import Network
from stufenlos.profiles import get_profile
from stufenlos.routing import Router, RoutingError, parse_latlon
from tests._graph_testing import synthetic_grid

NX = 5


def node_latlon(net: Network, i: int) -> tuple[float, float]:
    lon, lat = net.node_lonlat[i]
    return float(lat), float(lon)


def arcs_between(net: Network, a: int, b: int) -> set[int]:
    e = net.edges
    mask = ((e.u == a) & (e.v == b)) | ((e.u == b) & (e.v == a))
    return set(np.flatnonzero(mask.to_numpy()).tolist())


def test_wheelchair_avoids_steps_that_standard_route_uses() -> None:
    # A 5x2 grid: the direct segment 1-2 on the bottom row has steps, the detour
    # over the top row is step-free.
    net = synthetic_grid(NX, 2, segments={(1, 2): {"steps": True, "step_count": 4,
                                                    "highway": "steps"}})
    r = Router(net)
    a, b = node_latlon(net, 0), node_latlon(net, 4)
    standard = r.route(a, b, profile="standard")
    wheel = r.route(a, b, profile="wheelchair")
    steps = arcs_between(net, 1, 2)
    assert steps & set(standard.arcs.tolist())
    assert not steps & set(wheel.arcs.tolist())
    assert wheel.status == "ok"
    assert wheel.distance_m > standard.distance_m
    assert standard.distance_m == pytest.approx(200.0)


def test_limits_broken_instead_of_no_route() -> None:
    # A single line of 3 nodes: the only way has a 10 cm kerb.
    net = synthetic_grid(3, 1, segments={(1, 2): {"kerb_v_m": 0.10}})
    r = Router(net)
    route = r.route(node_latlon(net, 0), node_latlon(net, 2), profile="wheelchair")
    assert route.status == "limits_broken"
    (v,) = route.violations()
    assert v["limit"] == "max_kerb_cm"
    assert v["excess"] == pytest.approx(7.0)
    assert v["unit"] == "cm"
    assert v["osm_way_id"] == 1001
    feature = route.to_geojson()
    assert feature["properties"]["status"] == "limits_broken"
    assert feature["geometry"]["type"] == "LineString"
    # Raising the limit to the mapped height makes the same route compliant.
    ok = r.route(node_latlon(net, 0), node_latlon(net, 2), profile="wheelchair",
                 max_kerb_cm=10)
    assert ok.status == "ok"


def test_fewest_violations_win() -> None:
    # Two ways from 0 to 2 (a 3x2 grid): the bottom one has two steep arcs, the top
    # one a single narrow spot; the router must take the single violation.
    steep = {"incline_pct": 9.0}
    net = synthetic_grid(3, 2, segments={(0, 1): steep, (1, 2): steep,
                                         (4, 5): {"width_m": 0.7}})
    route = Router(net).route(node_latlon(net, 0), node_latlon(net, 2), profile="wheelchair")
    assert route.status == "limits_broken"
    assert [v["limit"] for v in route.violations()] == ["min_width_m"]


def test_raising_a_limit_changes_the_route() -> None:
    net = synthetic_grid(NX, 2, segments={(1, 2): {"incline_pct": 8.0}})
    r = Router(net)
    a, b = node_latlon(net, 0), node_latlon(net, 4)
    strict = r.route(a, b, profile="wheelchair")
    loose = r.route(a, b, profile="wheelchair", max_incline_pct=10)
    assert not arcs_between(net, 1, 2) & set(strict.arcs.tolist())
    assert arcs_between(net, 1, 2) & set(loose.arcs.tolist())
    assert loose.distance_m < strict.distance_m


def test_downhill_uses_its_own_limit() -> None:
    # Arc 0->1 climbs 7 %: uphill breaks the walker's 6 %, downhill fits its 8 %.
    net = synthetic_grid(2, 1, segments={(0, 1): {"incline_pct": 7.0}})
    r = Router(net)
    up = r.route(node_latlon(net, 0), node_latlon(net, 1), profile="walker")
    down = r.route(node_latlon(net, 1), node_latlon(net, 0), profile="walker")
    assert up.status == "limits_broken"
    assert down.status == "ok"


def test_no_route_only_when_disconnected() -> None:
    net = synthetic_grid(4, 1, drop={(1, 2)})
    route = Router(net).route(node_latlon(net, 0), node_latlon(net, 3), profile="wheelchair")
    assert route.status == "no_route"
    assert route.to_geojson()["geometry"] is None


def test_snapping_prefers_a_usable_way() -> None:
    # The point lies right on the steps segment (1-2) but a wheelchair user is
    # snapped to the nearest step-free way, 12.5 m away.
    net = synthetic_grid(4, 2, segments={(1, 2): {"steps": True, "highway": "steps"}},
                         spacing_m=25.0)
    r = Router(net)
    lat1, lon1 = node_latlon(net, 1)
    lat2, lon2 = node_latlon(net, 2)
    mid = ((lat1 + lat2) / 2, (lon1 + lon2) / 2)
    w_std = r.weights("standard")
    w_wc = r.weights("wheelchair")
    assert r.snap(mid, w_std).arc in arcs_between(net, 1, 2)
    snap = r.snap(mid, w_wc)
    assert snap.arc not in arcs_between(net, 1, 2)
    assert snap.usable
    assert snap.distance_m == pytest.approx(12.5, abs=0.5)


def test_partial_arcs_at_both_ends() -> None:
    net = synthetic_grid(3, 1)
    r = Router(net)
    lat0, lon0 = node_latlon(net, 0)
    _lat2, lon2 = node_latlon(net, 2)
    a = (lat0, lon0 + (lon2 - lon0) * 0.1)  # 10 m along
    b = (lat0, lon0 + (lon2 - lon0) * 0.9)  # 90 m along
    route = r.route(a, b)
    assert route.distance_m == pytest.approx(80.0, abs=0.1)
    back = r.route(b, a)
    assert back.distance_m == pytest.approx(80.0, abs=0.1)
    same = r.route(a, a)
    assert same.status == "ok"
    assert same.distance_m == pytest.approx(0.0, abs=0.01)
    c = (lat0, lon0 + (lon2 - lon0) * 0.2)  # 20 m along, on the same segment as ``a``
    short = r.route(c, a)
    assert short.distance_m == pytest.approx(10.0, abs=0.1)
    xs = [x for x, _y in short.geometry()["coordinates"]]
    assert max(xs) == pytest.approx(c[1], abs=1e-7)
    assert min(xs) == pytest.approx(a[1], abs=1e-7)


def test_strict_policy_falls_back_to_cautious_and_says_so() -> None:
    # The only way has a crossing kerb of unknown height: 12 cm under strict.
    net = synthetic_grid(3, 1, segments={(1, 2): {"kerb_v_context": "crossing"}})
    r = Router(net)
    route = r.route(node_latlon(net, 0), node_latlon(net, 2), profile="wheelchair",
                    unknown_policy="strict")
    assert route.status == "ok"
    assert route.profile.unknown_policy == "cautious"
    assert route.relaxed_from == "strict"
    assert route.unknowns()["kerbs_unknown_height"] == 1


def test_bad_coordinates_raise() -> None:
    with pytest.raises(RoutingError, match="LAT,LON"):
        parse_latlon("49.4")
    with pytest.raises(RoutingError, match="lat, lon"):
        parse_latlon("149.4,8.7")
    net = synthetic_grid(2, 1)
    with pytest.raises(RoutingError):
        Router(net).route((91.0, 0.0), (0.0, 0.0))


def test_reach_respects_budget_and_limits() -> None:
    net = synthetic_grid(NX, 1, segments={(2, 3): {"steps": True, "highway": "steps"}})
    r = Router(net)
    start = node_latlon(net, 0)
    std = r.reach(start, profile="standard", max_distance_m=120)
    assert set(std.nodes.tolist()) == {0, 1, 2}
    _arcs, frac = std.arcs()
    assert frac.max() <= 1.0
    assert std.to_geojson()["features"][0]["geometry"]["type"] == "Polygon"
    wc = r.reach(start, profile="wheelchair", max_distance_m=1000)
    assert set(wc.nodes.tolist()) == {0, 1, 2}
    timed = r.reach(start, profile="standard", max_time_s=101 / 1.3)
    assert set(timed.nodes.tolist()) == {0, 1, 2}
    with pytest.raises(RoutingError, match="exactly one"):
        r.reach(start, max_time_s=10, max_distance_m=10)


def test_matrix_snaps_points_and_marks_broken_pairs() -> None:
    net = synthetic_grid(3, 1, segments={(1, 2): {"steps": True, "highway": "steps"}})
    r = Router(net)
    pts = [node_latlon(net, i) for i in range(3)]
    m = r.matrix(pts, pts, profile="wheelchair", optimize="distance")
    cost = m.cost_s
    assert cost[0, 1] == pytest.approx(50 / 0.8, abs=0.1)
    assert m.limits_broken[0, 2]
    assert not m.limits_broken[0, 1]
    assert m.to_frame().shape == (3, 3)


# -- properties ---------------------------------------------------------------------------

_ATTRS = st.fixed_dictionaries({}, optional={
    "incline_pct": st.sampled_from([-10.0, -5.0, 0.0, 4.0, 7.0, 11.0]),
    "kerb_v_m": st.sampled_from([0.0, 0.03, 0.06, 0.12]),
    "steps": st.just(True),
    "width_m": st.sampled_from([0.6, 0.85, 1.2, 2.0]),
    "surface": st.sampled_from(["asphalt", "sett", "gravel", "grass", "paving_stones"]),
    "length_m": st.floats(5.0, 200.0),
})


@st.composite
def grids(draw: st.DrawFn, compliant_spine: bool = False) -> Network:
    nx = draw(st.integers(2, 5))
    ny = draw(st.integers(2, 4))
    segs = []
    for j in range(ny):
        for i in range(nx):
            a = j * nx + i
            if i + 1 < nx:
                segs.append((a, a + 1))
            if j + 1 < ny:
                segs.append((a, a + nx))
    chosen = draw(st.lists(st.sampled_from(segs), unique=True, max_size=len(segs)))
    attrs = {}
    for s in chosen:
        a = draw(_ATTRS)
        bottom_row = s[1] < nx
        right_column = s[1] % nx == nx - 1 and s[1] - s[0] == nx
        if compliant_spine and (bottom_row or right_column):
            a = {k: v for k, v in a.items() if k == "length_m"}
        attrs[s] = a
    return synthetic_grid(nx, ny, segments=attrs)


_PROFILES = st.sampled_from(["standard", "wheelchair", "walker", "older_pedestrian", "blind",
                             "pram", "electric_wheelchair"])
_SETTINGS = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(net=grids(), profile=_PROFILES, optimize=st.sampled_from(["comfort", "distance"]),
       data=st.data())
def test_route_cost_is_the_sum_of_its_edge_costs(net: Network, profile: str, optimize: str,
                                                 data: st.DataObject) -> None:
    r = Router(net)
    s = data.draw(st.integers(0, net.n_nodes - 1))
    t = data.draw(st.integers(0, net.n_nodes - 1))
    route = r.route_nodes(s, t, profile=profile, optimize=optimize)
    w = r.weights(profile, optimize=optimize)
    assert route.cost_s == pytest.approx(w.metric.weights[route.arcs].sum() / SCALE)
    assert route.cost_s == pytest.approx(w.costs.cost_s[route.arcs].sum(),
                                         abs=0.05 * len(route.arcs) + 1e-6)
    # The arcs form a path from s to t.
    if route.arcs.size:
        assert net.u[route.arcs[0]] == s
        assert net.v[route.arcs[-1]] == t
        assert (net.v[route.arcs[:-1]] == net.u[route.arcs[1:]]).all()


@_SETTINGS
@given(net=grids(), data=st.data())
def test_stricter_profile_never_yields_a_cheaper_distance_optimal_route(
        net: Network, data: st.DataObject) -> None:
    r = Router(net)
    s = data.draw(st.integers(0, net.n_nodes - 1))
    t = data.draw(st.integers(0, net.n_nodes - 1))
    loose = get_profile("wheelchair", max_incline_pct=12.0, max_kerb_cm=6.0, min_width_m=0.8)
    strict = loose.replace(max_incline_pct=data.draw(st.sampled_from([3.0, 6.0, 12.0])),
                           max_kerb_cm=data.draw(st.sampled_from([0.0, 3.0, 6.0])),
                           min_width_m=data.draw(st.sampled_from([0.8, 0.9, 1.5])))
    a = r.route_nodes(s, t, profile=loose, optimize="distance")
    b = r.route_nodes(s, t, profile=strict, optimize="distance")
    assert b.cost_s >= a.cost_s - 1e-9
    if a.status == "ok" and b.status == "ok":
        assert b.distance_m >= a.distance_m - 0.1 * len(b.arcs) - 1e-6


@_SETTINGS
@given(net=grids(compliant_spine=True), profile=_PROFILES)
def test_distance_optimal_route_breaks_no_hard_limit(net: Network, profile: str) -> None:
    # Bottom row and right column are free of barriers, so a compliant route from
    # the bottom-left to the top-right corner always exists.
    route = Router(net).route_nodes(0, net.n_nodes - 1, profile=profile, optimize="distance")
    assert route.status == "ok"
    assert route.violations() == []


@_SETTINGS
@given(net=grids(), profile=_PROFILES, data=st.data())
def test_matrix_entries_equal_single_route_costs(net: Network, profile: str,
                                                 data: st.DataObject) -> None:
    r = Router(net)
    nodes = st.lists(st.integers(0, net.n_nodes - 1), min_size=1, max_size=4)
    src = np.array(data.draw(nodes))
    dst = np.array(data.draw(nodes))
    m = r.matrix(src, dst, profile=profile)
    for i, s in enumerate(src):
        for j, t in enumerate(dst):
            assert m.cost_s[i, j] == pytest.approx(
                r.route_nodes(int(s), int(t), profile=profile).cost_s)
