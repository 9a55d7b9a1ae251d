"""Property tests: the vectorised RAPTOR agrees with a connection scan on random timetables."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stufenlos.transit.raptor import INF, build_patterns, run_raptor


@st.composite
def timetables(draw):
    n_stops = draw(st.integers(2, 7))
    n_trips = draw(st.integers(1, 12))
    trips = []
    for _ in range(n_trips):
        length = draw(st.integers(2, min(5, n_stops)))
        stops = draw(st.permutations(range(n_stops)))[:length]
        t = draw(st.integers(0, 60))
        arr, dep = [], []
        for _ in stops:
            a = t
            d = a + draw(st.integers(0, 3))
            arr.append(a)
            dep.append(d)
            t = d + draw(st.integers(1, 15))
        trips.append((np.array(stops, np.int32), np.array(arr, np.int64),
                      np.array(dep, np.int64)))
    n_fp = draw(st.integers(0, 4))
    fps = []
    for _ in range(n_fp):
        a, b = draw(st.integers(0, n_stops - 1)), draw(st.integers(0, n_stops - 1))
        if a != b:
            fps.append((a, b, draw(st.integers(1, 20))))
    # RAPTOR needs transitively closed footpaths (as Timetable builds them).
    dist = np.full((n_stops, n_stops), INF, np.int64)
    for a, b, w in fps:
        dist[a, b] = min(dist[a, b], w)
    for k in range(n_stops):
        dist = np.minimum(dist, dist[:, [k]] + dist[[k], :])
    fps = [(a, b, int(dist[a, b])) for a in range(n_stops) for b in range(n_stops)
           if a != b and dist[a, b] < INF]
    origin = draw(st.integers(0, n_stops - 1))
    start = draw(st.integers(0, 40))
    return n_stops, trips, fps, origin, start


def connection_scan(n_stops, trips, fps, origin, start):
    """Earliest arrival with any number of trips (one footpath after each trip)."""
    best = np.full(n_stops, INF, np.int64)
    best[origin] = start
    for a, b, w in fps:  # footpaths from the origin (the access walk)
        if a == origin:
            best[b] = min(best[b], start + w)
    conns = sorted(
        (int(dep[i]), int(arr[i + 1]), int(stops[i]), int(stops[i + 1]), t)
        for t, (stops, arr, dep) in enumerate(trips) for i in range(len(stops) - 1))
    # Footpaths follow arrivals by trip (not other walks), so those are kept apart.
    by_trip = np.full(n_stops, INF, np.int64)
    on_trip = set()
    for dep, arr, u, v, t in conns:
        if t in on_trip or best[u] <= dep:
            on_trip.add(t)
            best[v] = min(best[v], arr)
            if arr < by_trip[v]:
                by_trip[v] = arr
                for a, b, w in fps:
                    if a == v and arr + w < best[b]:
                        best[b] = arr + w
    return best


@settings(max_examples=300, deadline=None)
@given(timetables())
def test_raptor_matches_connection_scan(tt):
    n_stops, trips, fps, origin, start = tt
    pats = build_patterns(
        [s for s, _, _ in trips], [a for _, a, _ in trips], [d for _, _, d in trips],
        [np.r_[np.ones(len(s) - 1, bool), False] for s, _, _ in trips],
        [np.r_[False, np.ones(len(s) - 1, bool)] for s, _, _ in trips],
        np.zeros(len(trips), np.int64))
    access = np.full(n_stops, INF, np.int64)
    access[origin] = start
    for a, b, w in fps:
        if a == origin:
            access[b] = min(access[b], start + w)
    fp = np.array(fps, np.int64).reshape(-1, 3)
    res = run_raptor(pats, n_stops, access, fp[:, 0], fp[:, 1], fp[:, 2],
                     board_ok=np.ones(len(pats.pos_stop), bool),
                     alight_ok=np.ones(len(pats.pos_stop), bool), max_rounds=len(trips) + 1)
    got = np.minimum(res.trip_arr.min(axis=0), res.walk_arr.min(axis=0))
    want = connection_scan(n_stops, trips, fps, origin, start)
    np.testing.assert_array_equal(got, want)
    # Pareto labels: more trips never arrive later at a stop they improve.
    for k in range(1, res.rounds + 1):
        reached = res.trip_arr[k] < INF
        assert (res.trip_arr[k][reached] < np.minimum(
            res.trip_arr[:k].min(axis=0), res.walk_arr[:k].min(axis=0))[reached]).all()
