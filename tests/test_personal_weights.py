"""A person's own limits: costs derived from a cached profile equal a fresh evaluation,
routes and matrices on the derived metric equal those of a fresh router (closures in force,
both directions), and the cache of weights is bounded by memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stufenlos import _graph
from stufenlos.closures import ClosureStore
from stufenlos.profiles import LIMIT_BITS, STRICTEST, get_profile
from stufenlos.profiles.costs import FlipIndex
from stufenlos.routing import Router


@pytest.fixture(scope="module")
def net(imported_city):
    return imported_city("heidelberg").network


def _limit_sets(n: int, seed: int) -> list[dict[str, float | None]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        lim = {"max_kerb_cm": round(float(rng.uniform(0, 14)), 1),
               "min_width_m": round(float(rng.uniform(0.5, 1.6)), 2),
               "max_incline_pct": round(float(rng.uniform(0, 15)), 1),
               "max_steps": int(rng.integers(0, 6))}
        # change one to three limits of the preset, tighter or looser
        keep = rng.choice(list(lim), size=int(rng.integers(1, 4)), replace=False)
        out.append({k: v for k, v in lim.items() if k in keep})
    return out


def _assert_same_details(got, want) -> None:
    np.testing.assert_array_equal(got.kerb_cm, want.kerb_cm)
    for name, arr in want.severity.items():
        np.testing.assert_array_equal(got.severity[name], arr, err_msg=name)
    # whether a verdict rests on a mapped or an assumed value, and which value
    np.testing.assert_array_equal(got.assumed_bits, want.assumed_bits)
    np.testing.assert_array_equal(got.at_limit_bits, want.at_limit_bits)
    flagged = want.assumed_bits | want.at_limit_bits
    for name, value in want.assumed_value.items():
        at = (flagged & LIMIT_BITS[name]) != 0
        np.testing.assert_array_equal(got.assumed_value[name][at], value[at], err_msg=name)


def _assert_same_costs(got, want) -> None:
    # what searches read, on every arc
    np.testing.assert_array_equal(got.cost_s, want.cost_s)
    np.testing.assert_array_equal(got.time_s, want.time_s)
    np.testing.assert_array_equal(got.violation_bits, want.violation_bits)
    np.testing.assert_array_equal(got.unknown_bits, want.unknown_bits)
    for name, arr in want.critical.items():
        np.testing.assert_array_equal(got.critical[name], arr, err_msg=name)
    # what route answers read, on the arcs that break or meet a limit and a few others
    rows = np.flatnonzero(want.violation_bits | want.at_limit_bits)
    rows = np.unique(np.concatenate([rows, np.arange(0, len(want.cost_s), 97)]))
    _assert_same_details(got.at(rows), want.at(rows))
    assert got.at(rows).cost_s.size == rows.size


@pytest.mark.parametrize(("preset", "optimize"), [("wheelchair", "comfort"),
                                                  ("walker", "distance")])
def test_derived_costs_equal_a_full_evaluation(net, preset: str, optimize: str) -> None:
    router = Router(net)
    full = router.weights(preset, optimize=optimize)
    n_derived = 0
    for lim in _limit_sets(12, seed=len(preset)):
        w = router.weights(preset, optimize=optimize, **lim)
        want = get_profile(preset, **lim).evaluate(net, optimize=optimize)
        _assert_same_costs(w.costs, want)
        np.testing.assert_array_equal(w.base, _graph.to_weights(want.cost_s))
        # shared arrays are the preset's own, never written through
        n_derived += w.costs.time_s is full.costs.time_s
    assert n_derived >= 10  # derived, not evaluated afresh


def _pairs(net, n: int, seed: int) -> np.ndarray:
    comp = net.nodes["component"].to_numpy()
    main = np.flatnonzero(comp == np.bincount(comp).argmax())
    return np.random.default_rng(seed).choice(main, size=(n, 2))


def test_derived_metric_routes_like_a_fresh_one_with_closures_both_ways(
        net, tmp_path: Path) -> None:
    store = ClosureStore("heidelberg", f"sqlite:///{tmp_path / 'c.sqlite'}")
    derived = Router(net, closures=store)
    derived.weights("wheelchair")
    # an arc on many wheelchair routes: the first arc of a few routes between pairs
    pairs = _pairs(net, 300, seed=7)
    lims = _limit_sets(4, seed=11)
    lim = lims[0]
    used = [derived.route_nodes(int(s), int(t), profile="wheelchair", **lim).arcs
            for s, t in pairs[:20]]
    ways = {int(net.edges["osm_way_id"].iloc[a[len(a) // 2]]) for a in used if len(a)}
    for way in sorted(ways)[:5]:
        store.close("way", way)
    assert derived.weights("wheelchair").closed.size  # closures in force on the preset
    fresh_weights = {}
    for lim in lims:
        w = derived.weights("wheelchair", **lim)
        fresh = Router(net, closures=store)
        fw = fresh.weights("wheelchair", **lim)
        np.testing.assert_array_equal(w.closed, fw.closed)
        np.testing.assert_array_equal(w.metric.weights, fw.metric.weights)
        np.testing.assert_array_equal(w.usable, fw.usable)  # where points snap to
        got = derived.matrix(pairs[:40, 0], pairs[:60, 1], profile="wheelchair", **lim)
        want = fresh.matrix(pairs[:40, 0], pairs[:60, 1], profile="wheelchair", **lim)
        np.testing.assert_array_equal(got.raw, want.raw)
        # more origins than destinations: the reverse metric
        got = derived.matrix(pairs[:, 0], pairs[:30, 1], profile="wheelchair", **lim)
        want = fresh.matrix(pairs[:, 0], pairs[:30, 1], profile="wheelchair", **lim)
        np.testing.assert_array_equal(got.raw, want.raw)
        assert w.reverse is not None
        fresh_weights[tuple(lim.items())] = fw
    # reopening reaches the derived metrics and their reverse metrics alike
    for item in store.active():
        store.reopen(item.id)
    for i, lim in enumerate(reversed(lims)):
        w = derived.weights("wheelchair", **lim)
        assert w.closed.size == 0
        np.testing.assert_array_equal(w.metric.weights, w.base)
        # the last person's weights are still cached with their reverse metric; the
        # others were handed on and are derived again
        assert (w.reverse is not None) == (i == 0)
        if w.reverse is not None:
            np.testing.assert_array_equal(w.reverse.weights, w.base)
        got = derived.matrix(pairs[:, 0], pairs[:30, 1], profile="wheelchair", **lim)
        want = Router(net).matrix(pairs[:, 0], pairs[:30, 1], profile="wheelchair", **lim)
        np.testing.assert_array_equal(got.raw, want.raw)


def test_cache_is_bounded_by_memory(net) -> None:
    probe = Router(net)
    one = probe.weights("wheelchair").nbytes
    assert one > 8 * net.n_edges  # costs, weights and a metric
    router = Router(net, cache_bytes=int(2.5 * one) + 4 * net.n_edges, cache_size=100)
    presets = ["wheelchair", "walker", "pram", "blind", "older_pedestrian"]
    for name in presets:  # each its own family: evaluated in full
        router.weights(name)
        assert router.cache_nbytes <= router.cache_bytes
    assert len(router._cache) == 2
    # the most recent ones stay, the oldest went first
    assert [k[0] for k in router._cache] == [get_profile(n).key() for n in presets[-2:]]
    # a matrix's reverse metric counts too
    pts = _pairs(net, 50, seed=1)
    router.matrix(pts[:, 0], pts[:5, 1], profile=presets[-1])
    assert router.cache_nbytes <= router.cache_bytes
    # derived weights count only what they do not share
    sets = _limit_sets(3, seed=5)
    shared = Router(net)
    shared.weights("wheelchair")
    alone = shared.cache_nbytes
    shared.weights("wheelchair", **sets[0])
    assert shared.cache_nbytes < 1.6 * alone
    # a budget below one entry keeps only the one in use
    tiny = Router(net, cache_bytes=1)
    for lim in sets[:3]:
        assert tiny.weights("wheelchair", **lim).costs.profile == get_profile("wheelchair", **lim)
    assert len(tiny._cache) == 1


def test_a_metric_is_handed_on_only_between_people_and_never_while_searched(net) -> None:
    router = Router(net)
    preset = router.weights("wheelchair")
    sets = _limit_sets(3, seed=3)
    first = router.weights("wheelchair", **sets[0])
    assert first.metric is not preset.metric  # the preset keeps its own
    s, t = _pairs(net, 1, seed=2)[0]
    before = router.route_nodes(int(s), int(t), profile="wheelchair", **sets[0])
    cost = before.cost_s
    with router._searching("wheelchair", "comfort", None, **sets[0]) as w:
        assert w is first
        busy = router.weights("wheelchair", **sets[1])
        assert busy.metric is not first.metric  # in use: not handed on
    second = router.weights("wheelchair", **sets[2])
    assert second.metric in (first.metric, busy.metric)  # handed on once free
    assert preset.metric is router.weights("wheelchair").metric
    # a route keeps the cost it was searched with, and routes like a fresh router
    assert before.cost_s == cost
    for lim in sets:
        got = router.route_nodes(int(s), int(t), profile="wheelchair", **lim)
        want = Router(net).route_nodes(int(s), int(t), profile="wheelchair", **lim)
        assert got.cost_s == want.cost_s
        np.testing.assert_array_equal(got.arcs, want.arcs)


@pytest.mark.parametrize("family", [
    {},  # the wheelchair preset
    {"unknown_policy": "strict"},  # unknown widths on paths break any width limit
    {"max_decline_pct": 8.0},  # a set downhill limit: downhill arcs break it or not
])
def test_limits_change_costs_only_where_the_verdict_flips(net, family: dict) -> None:
    """Checked against full evaluations: the flip index names exactly the arcs whose
    verdict differs, and every other arc costs the same under both limit sets (the same
    barrier weighs the same for everyone whose limit it breaks)."""
    sets = [*_limit_sets(6, seed=21),
            {"max_kerb_cm": None, "max_steps": None, "min_width_m": None},  # no limits
            {"max_incline_pct": 0.0, "min_width_m": 3.0, "max_kerb_cm": 0.0}]  # strictest
    profiles = [get_profile("wheelchair", **family, **lim) for lim in sets]
    costs = [p.evaluate(net) for p in profiles]
    index = FlipIndex(costs[0].critical, STRICTEST)
    for i, j in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (0, 6), (7, 6)]:
        a, b = costs[i], costs[j]
        want = np.flatnonzero(a.violation_bits != b.violation_bits)
        got = index.flips(profiles[i], profiles[j])
        np.testing.assert_array_equal(got, want, err_msg=f"{sets[i]} -> {sets[j]}")
        same = np.ones(len(a.cost_s), bool)
        same[want] = False
        np.testing.assert_array_equal(a.cost_s[same], b.cost_s[same])
        assert want.size  # the pairs differ somewhere
