"""Accessible routes, matrices and reachable areas over a Network and a Profile.

A :class:`Router` wraps one network. For each profile (and ``optimize`` mode) it
evaluates the profile's cost vector once, customises a contraction hierarchy
with it (see :mod:`stufenlos._graph`) and keeps both cached; live closures from
the city's :class:`~stufenlos.closures.ClosureStore` are applied to the cached
metrics as partial re-customisations before each query.

Hard limits are big penalties, not exclusions, so a query answers with the
route that breaks the fewest (then the least severe) limits when nothing
compliant exists (``status="limits_broken"``), and ``status="no_route"`` only
when the two points are not connected at all.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from stufenlos import _graph
from stufenlos.errors import StufenlosError
from stufenlos.network import Network
from stufenlos.profiles import (
    NUMERIC_HARD,
    PRESETS,
    STRICTEST,
    VIOLATION_PENALTY_S,
    EdgeCosts,
    Optimize,
    Profile,
    get_profile,
)
from stufenlos.profiles.costs import FlipIndex, union
from stufenlos.routing.results import EdgeValues, Matrix, Reach, Route
from stufenlos.snap import Snap

if TYPE_CHECKING:
    from stufenlos.closures import ClosureState, ClosureStore

__all__ = ["CLOSED_PENALTY_S", "Router", "RoutingError", "parse_latlon"]

logger = logging.getLogger(__name__)

#: penalty of an arc closed by a live closure (one violation of the "closed" limit)
CLOSED_PENALTY_S = VIOLATION_PENALTY_S + 20_000.0
_NONE_CLOSED: NDArray[np.int64] = np.empty(0, np.int64)
#: above this share of arcs to re-evaluate, a full evaluation is cheaper than a derivation
_DERIVE_MAX_SHARE = 0.5
#: above this share of arcs whose weight changes, a full customisation of a metric is
#: cheaper than a partial one (measured: 1 % of the arcs take a fifth of a full one)
_PARTIAL_MAX_SHARE = 0.05

LatLon = tuple[float, float]


class RoutingError(StufenlosError, ValueError):
    """A routing request is malformed (bad coordinates, empty input, ...)."""


def parse_latlon(text: str) -> LatLon:
    """Parse ``"LAT,LON"`` into floats, with a clear error."""
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        msg = f"expected LAT,LON such as 49.41,8.69, got {text!r}"
        raise RoutingError(msg) from None
    _check_latlon((lat, lon))
    return lat, lon


def _check_latlon(p: Sequence[float]) -> None:
    if len(p) != 2 or not (-90 <= p[0] <= 90 and -180 <= p[1] <= 180):
        msg = f"not a (lat, lon) pair in degrees: {tuple(p)!r}"
        raise RoutingError(msg)


@dataclass(eq=False)
class _Weights:
    """A profile's costs and customised metric, with the closures applied to it."""

    costs: EdgeCosts
    base: NDArray[np.uint32]
    metric: _graph.CCHMetric
    #: the profiles these weights can be derived for (see :func:`_family`)
    family: tuple[Any, ...] = ()
    #: whether the profile is a person's own (not a preset): its metric may be handed on
    personal: bool = False
    closed: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    #: the closures applied last (``None`` without a closure store)
    closures: ClosureState | None = None
    usable: NDArray[np.bool_] | None = None
    #: the same weights on the reverse graph, made on the first matrix with more
    #: origins than destinations
    reverse: _graph.CCHMetric | None = None
    #: searches running on the metric now (a metric in use is never handed on)
    users: int = 0

    def parts(self) -> list[Any]:
        """The arrays and metrics these weights hold (shared ones included)."""
        c = self.costs
        return [c.cost_s, c.time_s, c.violation_bits, c.unknown_bits, c.kerb_cm,
                *c.severity.values(), *c.critical.values(), self.base, self.closed,
                self.metric, self.usable, self.reverse]

    @property
    def nbytes(self) -> int:
        """Memory held by these weights and their metrics, in bytes."""
        return sum(x.nbytes for x in self.parts() if x is not None)


def _family(profile: Profile, optimize: str) -> tuple[Any, ...]:
    """What two profiles share when they differ only in numeric hard limits."""
    return (profile.replace(**dict.fromkeys(NUMERIC_HARD)).key(), optimize)


@dataclass(frozen=True, eq=False)
class _Leg:
    """One way to start or end a route on a snapped arc."""

    node: int
    arc: int  # the (partial) arc walked before the first / after the last node
    fraction: float  # the part of ``arc`` walked
    offset: int  # its cost in engine units


class Router:
    """Routes, matrices and reachable areas on one network.

    Parameters
    ----------
    network
        The pedestrian network.
    closures
        Live closures to honour (none by default).
    cache_size
        How many profile cost vectors (and their metrics) to keep.
    cache_bytes
        How much memory they may hold together (the most recent one is always kept).

    Examples
    --------
    >>> router = Router(city.network)  # doctest: +SKIP
    >>> route = router.route((49.41, 8.69), (49.412, 8.70), profile="wheelchair",
    ...                      max_kerb_cm=6)  # doctest: +SKIP
    >>> route.status, round(route.distance_m)  # doctest: +SKIP
    ('ok', 812)
    """

    def __init__(self, network: Network, *, closures: ClosureStore | None = None,
                 cache_size: int = 16, cache_bytes: int = 256 * 2**20) -> None:
        self.network = network
        self.closures = closures
        self.cache_size = cache_size
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[tuple[Any, ...], _Weights] = OrderedDict()
        #: per profile family in the cache: its arcs by critical value
        self._flips: dict[tuple[Any, ...], FlipIndex] = {}
        self._lock = threading.RLock()
        self.pair = network.edges["pair"].to_numpy(np.int64)
        self.length = network.edges["length_m"].to_numpy(np.float64)

    @cached_property
    def edge_values(self) -> EdgeValues:
        """The edge values route answers read (built on first use)."""
        return EdgeValues(self.network.edges)

    @cached_property
    def topology(self) -> _graph.CCHTopology:
        """The network's contraction hierarchy topology (built on first use)."""
        return _graph.topology_for(self.network)

    # -- weights -----------------------------------------------------------------

    def weights(self, profile: Profile | str = "standard", *, optimize: Optimize = "comfort",
                now: datetime | None = None, **limits: Any) -> _Weights:
        """Costs and metric for ``profile`` with current closures applied.

        A profile that differs from a cached one only in numeric hard limits (a
        person's own ``max_kerb_cm``, say) is derived from it: only the arcs whose
        verdict differs are evaluated again, and a person's metric is made by a partial
        customisation of the metric of another person's limits of the same family that
        no search is using (see :meth:`_derive`).
        """
        prof = get_profile(profile, **limits)
        key = (prof.key(), optimize)
        with self._lock:
            w = self._cache.get(key)
            if w is None:
                w = self._cache[key] = self._make(prof, optimize)
                self._evict()
            self._cache.move_to_end(key)
            self._apply_closures(w, now)
        return w

    @contextmanager
    def _searching(self, profile: Profile | str, optimize: Optimize, now: datetime | None,
                   **limits: Any) -> Iterator[_Weights]:
        """:meth:`weights`, kept from being handed on while the search runs."""
        with self._lock:
            w = self.weights(profile, optimize=optimize, now=now, **limits)
            w.users += 1
        try:
            yield w
        finally:
            with self._lock:
                w.users -= 1

    @property
    def cache_nbytes(self) -> int:
        """Memory held by the cached weights and metrics, in bytes (shared parts once)."""
        with self._lock:
            parts = {id(x): x for w in self._cache.values() for x in w.parts() if x is not None}
            return sum(x.nbytes for x in parts.values())

    def _evict(self) -> None:
        """Drop the least recently used weights beyond ``cache_size`` or ``cache_bytes``."""
        while len(self._cache) > 1 and (len(self._cache) > self.cache_size
                                        or self.cache_nbytes > self.cache_bytes):
            self._cache.popitem(last=False)
        families = {w.family for w in self._cache.values()}
        for family in self._flips.keys() - families:
            del self._flips[family]

    def _make(self, prof: Profile, optimize: Optimize) -> _Weights:
        """New weights for ``prof``: derived from a cached profile of its family, else
        evaluated and customised in full."""
        family = _family(prof, optimize)
        personal = prof.name not in PRESETS or prof.key() != PRESETS[prof.name].key()
        kin = [w for w in self._cache.values() if w.family == family]
        if kin:
            derived = self._derive(prof, kin)
            if derived is not None:
                derived.personal = personal
                return derived
        costs = prof.evaluate(self.network, optimize=optimize)
        base = _graph.to_weights(costs.cost_s)
        return _Weights(costs=costs, base=base, metric=self.topology.metric(base),
                        family=family, personal=personal)

    def _derive(self, prof: Profile, kin: list[_Weights]) -> _Weights | None:
        """Weights for ``prof`` from those of a profile that differs only in numeric hard
        limits (``kin``; ``None`` when too many arcs differ).

        Costs: a limit's value changes only the verdicts of the arcs whose critical value
        lies between the two values (:class:`~stufenlos.profiles.costs.FlipIndex`;
        penalties do not depend on the person's value), so only they are evaluated again;
        the details of the arcs of a route are evaluated for the route
        (:meth:`EdgeCosts.at`).
        """
        family = kin[0].family
        index = self._flips.get(family)
        if index is None:
            index = self._flips[family] = FlipIndex(kin[0].costs.critical, STRICTEST)
        src, rows = min(((w, index.flips(w.costs.profile, prof)) for w in kin),
                        key=lambda pair: pair[1].size)
        if rows.size > _DERIVE_MAX_SHARE * self.network.n_edges:
            return None
        optimize, network = src.costs.optimize, self.network
        sub = prof.evaluate(network, optimize=optimize, arcs=rows)
        cost_s, bits = src.costs.cost_s.copy(), src.costs.violation_bits.copy()
        cost_s[rows], bits[rows] = sub.cost_s, sub.violation_bits

        def details(arcs: NDArray[np.int64]) -> EdgeCosts:
            return prof.evaluate(network, optimize=optimize, arcs=np.asarray(arcs, np.int64))

        costs = dataclasses.replace(src.costs, profile=prof, cost_s=cost_s,
                                    violation_bits=bits, details=details)
        base = src.base.copy()
        base[rows] = _graph.to_weights(sub.cost_s)
        w = self._handed_on(costs, base, family)
        if src.usable is not None and np.array_equal(src.closed, w.closed):
            w.usable = self._usable(w, src.usable, rows)
        return w

    def _handed_on(self, costs: EdgeCosts, base: NDArray[np.uint32],
                   family: tuple[Any, ...]) -> _Weights:
        """Weights with a metric for ``base``: the metric of a person's weights of the same
        family that no search is using, updated, else a new one.

        pyroutingkit cannot copy a customised metric, and a full customisation costs about
        a fifth of a second at the size of Hamburg. The metric nearest to ``base`` is
        updated on the arcs whose weight differs (customised again in full when many do),
        and its old owner leaves the cache. Presets keep theirs.
        """
        donors = [(key, d, np.flatnonzero(d.base != base)) for key, d in self._cache.items()
                  if d.family == family and d.personal and d.users == 0]
        if not donors:
            return _Weights(costs=costs, base=base, metric=self.topology.metric(base),
                            family=family)
        key, donor, changed = min(donors, key=lambda d: d[2].size)
        del self._cache[key]
        w = _Weights(costs=costs, base=base, metric=donor.metric, family=family)
        if changed.size > _PARTIAL_MAX_SHARE * self.network.n_edges:
            w.metric.customize(base)
            return w
        # the donor's closures stay applied: its closed arcs keep their closed weight
        new_w = base[changed]
        closed = np.isin(changed, donor.closed)
        new_w[closed] = _graph.to_weights(costs.cost_s[changed[closed]] + CLOSED_PENALTY_S)
        w.metric.update(changed, new_w)
        w.closed, w.closures = donor.closed, donor.closures
        return w

    def _apply_closures(self, w: _Weights, now: datetime | None) -> None:
        state = self.closures.in_force(self.network, now) if self.closures is not None else None
        w.closures = state
        closed = state.closed if state is not None else _NONE_CLOSED
        if np.array_equal(closed, w.closed):
            if w.usable is None:
                w.usable = self._usable(w)
            return
        opened = np.setdiff1d(w.closed, closed)
        newly = np.setdiff1d(closed, w.closed)
        arcs = np.concatenate([opened, newly])
        new_w = np.concatenate([
            w.base[opened],
            _graph.to_weights(w.costs.cost_s[newly] + CLOSED_PENALTY_S),
        ])
        w.metric.update(arcs, new_w)
        if w.reverse is not None:
            w.reverse.update(arcs, new_w)
        w.closed = closed
        w.usable = self._usable(w)
        logger.info("applied closures: %d arcs closed, %d reopened", newly.size, opened.size)

    def _usable(self, w: _Weights, like: NDArray[np.bool_] | None = None,
                rows: NDArray[np.int64] | None = None) -> NDArray[np.bool_]:
        """Arcs a point may snap to: usable in one direction at least. Given the usable
        arcs of other weights (``like``) with the same closures that differ from ``w``
        only on ``rows``, only those arcs and their twins are looked at again."""
        if like is not None and rows is not None:
            twins = self.pair[rows]
            touch = union([rows, twins[twins >= 0]])
            usable = like.copy()
            usable[touch] = self._usable_at(w, touch) | self._usable_at(w, self.pair[touch])
            return usable
        ok = ~w.costs.violates
        ok[w.closed] = False
        pair_ok = np.where(self.pair >= 0, ok[np.maximum(self.pair, 0)], False)
        return ok | pair_ok

    def _usable_at(self, w: _Weights, arcs: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Whether ``arcs`` (``-1``: none) are usable in their own direction."""
        safe = np.maximum(arcs, 0)
        return (arcs >= 0) & (w.costs.violation_bits[safe] == 0) & ~np.isin(safe, w.closed)

    # -- point to point ------------------------------------------------------------

    def _check_latlons(self, points: Sequence[LatLon] | NDArray[Any]) -> NDArray[np.float64]:
        """``(n, 2)`` latitudes and longitudes in degrees, or :class:`RoutingError`."""
        latlon = np.asarray(points, np.float64)
        if latlon.ndim != 2 or latlon.shape[1] != 2:
            msg = f"expected (lat, lon) pairs in degrees, got an array of shape {latlon.shape}"
            raise RoutingError(msg)
        bad = ~((np.abs(latlon[:, 0]) <= 90) & (np.abs(latlon[:, 1]) <= 180))
        if bad.any():
            _check_latlon(tuple(float(x) for x in latlon[int(np.argmax(bad))]))
        return latlon

    def _check_near(self, points: Sequence[LatLon], what: str) -> None:
        """Refuse points farther than :data:`~stufenlos.snap.MAX_POINT_M` from every way."""
        latlon = self._check_latlons(points)
        self.network.snapper.check_near(latlon[:, ::-1], what=what)

    def snap(self, point: LatLon, w: _Weights) -> Snap:
        """Snap ``(lat, lon)`` to the nearest arc usable with weights ``w``."""
        _check_latlon(point)
        assert w.usable is not None
        return self.network.snapper.snap(point[0], point[1], w.usable)

    def _starts(self, s: Snap, weights: NDArray[np.uint32]) -> list[_Leg]:
        a, t = s.arc, s.fraction
        legs = [_Leg(int(self.network.v[a]), a, 1.0 - t, round((1.0 - t) * weights[a]))]
        if self.pair[a] >= 0:
            b = int(self.pair[a])
            legs.append(_Leg(int(self.network.u[a]), b, t, round(t * weights[b])))
        return legs

    def _ends(self, s: Snap, weights: NDArray[np.uint32]) -> list[_Leg]:
        a, t = s.arc, s.fraction
        legs = [_Leg(int(self.network.u[a]), a, t, round(t * weights[a]))]
        if self.pair[a] >= 0:
            b = int(self.pair[a])
            legs.append(_Leg(int(self.network.v[a]), b, 1.0 - t,
                             round((1.0 - t) * weights[b])))
        return legs

    def route(self, origin: LatLon, destination: LatLon, *, profile: Profile | str = "standard",
              optimize: Optimize = "comfort", now: datetime | None = None,
              **limits: Any) -> Route:
        """The best route from ``origin`` to ``destination`` (``(lat, lon)`` pairs).

        ``limits`` change the preset's limits (e.g. ``max_kerb_cm=6``). Under
        ``unknown_policy="strict"``, when no route keeps every limit, the route is
        searched again with ``cautious`` assumptions and marked in its warnings.
        """
        route = self._route(origin, destination, get_profile(profile, **limits), optimize, now)
        prof = route.profile
        if prof.unknown_policy == "strict" and route.status == "limits_broken":
            alt = self._route(origin, destination, prof.replace(unknown_policy="cautious"),
                              optimize, now)
            if alt.status == "ok":
                alt.relaxed_from = prof.unknown_policy
                return alt
        return route

    def _route(self, origin: LatLon, destination: LatLon, profile: Profile, optimize: Optimize,
               now: datetime | None) -> Route:
        self._check_near([origin], "start")
        self._check_near([destination], "destination")
        with self._searching(profile, optimize, now) as w:
            return self._search(origin, destination, w)

    def _search(self, origin: LatLon, destination: LatLon, w: _Weights) -> Route:
        closures = w.closures  # what this route was searched with
        s_snap, t_snap = self.snap(origin, w), self.snap(destination, w)
        weights = w.metric.weights
        best: tuple[int, list[tuple[int, float]]] | None = None
        # Both points on the same way segment: walk along it directly.
        same = [(s_snap.arc, s_snap.fraction, t_snap.fraction)]
        if self.pair[s_snap.arc] >= 0:
            same.append((int(self.pair[s_snap.arc]), 1 - s_snap.fraction, 1 - t_snap.fraction))
        if s_snap.arc == t_snap.arc:
            for arc, f0, f1 in same:
                if f1 >= f0:
                    c = round((f1 - f0) * weights[arc])
                    if best is None or c < best[0]:
                        best = (c, [(arc, f1 - f0)])
        for start in self._starts(s_snap, weights):
            for end in self._ends(t_snap, weights):
                dist, arcs = w.metric.query(start.node, end.node)
                if dist >= _graph.INF:
                    continue
                total = dist + start.offset + end.offset
                if best is None or total < best[0]:
                    steps = [(start.arc, start.fraction)] + [(int(x), 1.0) for x in arcs]
                    steps.append((end.arc, end.fraction))
                    best = (total, steps)
        if best is None:
            # not connected: say where the nearest point connected to the start lies
            near = self.network.snapper.nearest_in_part(
                t_snap.lat, t_snap.lon, int(self.network.u[s_snap.arc]))
            return Route(router=self, weights=w, origin=s_snap, destination=t_snap,
                         arcs=np.empty(0, np.int64), fractions=np.empty(0),
                         connected_destination=near, closures=closures)
        steps = [(a, f) for a, f in best[1] if f > 1e-9]
        arcs = np.array([a for a, _ in steps], np.int64)
        fractions = np.array([f for _, f in steps], np.float64)
        return Route(router=self, weights=w, origin=s_snap, destination=t_snap, arcs=arcs,
                     fractions=fractions, closures=closures, arc_weights=weights[arcs])

    # -- matrices ------------------------------------------------------------------

    def nearest_nodes(self, points: Sequence[LatLon] | NDArray[np.floating], w: _Weights, *,
                      what: str | None = None) -> NDArray[np.int64]:
        """Node nearest to each ``(lat, lon)`` point among the ends of its snapped arc.

        Parameters
        ----------
        points
            ``(n, 2)`` latitudes and longitudes.
        w
            The weights whose usable arcs the points snap to (see :meth:`snap`).
        what
            What the points are, to refuse points far from every way (see
            :meth:`stufenlos.snap.Snapper.snap_many`); not checked by default.

        Returns
        -------
        numpy.ndarray
            One node index per point.
        """
        assert w.usable is not None
        latlon = np.asarray(points, np.float64).reshape(-1, 2)
        s = self.network.snapper.snap_many(latlon[:, ::-1], w.usable, what=what)
        u, v = self.network.u[s.arc], self.network.v[s.arc]
        lonlat = self.network.node_lonlat
        on = np.column_stack([s.lon, s.lat])
        du = np.hypot(*(lonlat[u] - on).T)
        dv = np.hypot(*(lonlat[v] - on).T)
        return np.where(du <= dv, u, v).astype(np.int64)

    def matrix(self, origins: Sequence[LatLon] | NDArray[np.integer],
               destinations: Sequence[LatLon] | NDArray[np.integer], *,
               profile: Profile | str = "standard", optimize: Optimize = "comfort",
               now: datetime | None = None, **limits: Any) -> Matrix:
        """Costs between every origin and destination.

        Points are ``(lat, lon)`` pairs snapped to the nearest node of their
        nearest usable arc; an integer array is taken as node indices.
        """
        with self._searching(profile, optimize, now, **limits) as w:
            src = self._as_nodes(origins, w)
            dst = self._as_nodes(destinations, w)
            if len(src) > len(dst):
                # search from the fewer points: on the reverse graph, from the destinations
                with self._lock:
                    if w.reverse is None:
                        topo = _graph.topology_for(self.network, reverse=True)
                        w.reverse = topo.metric(w.metric.weights)
                        self._evict()
                raw = np.ascontiguousarray(w.reverse.many_to_many(dst, src).T)
            else:
                raw = w.metric.many_to_many(src, dst)
        return Matrix(sources=src, targets=dst, raw=raw, profile=w.costs.profile,
                      optimize=optimize)

    def _as_nodes(self, pts: Sequence[LatLon] | NDArray[np.integer],
                  w: _Weights) -> NDArray[np.int64]:
        arr = np.asarray(pts)
        if arr.size == 0:
            msg = "give at least one point"
            raise RoutingError(msg)
        if arr.ndim == 1 and np.issubdtype(arr.dtype, np.integer):
            if arr.min() < 0 or arr.max() >= self.network.n_nodes:
                msg = f"node indices must be in 0..{self.network.n_nodes - 1}"
                raise RoutingError(msg)
            return arr.astype(np.int64)
        return self.nearest_nodes(self._check_latlons(arr), w, what="point")

    def route_nodes(self, source: int, target: int, *, profile: Profile | str = "standard",
                    optimize: Optimize = "comfort", **limits: Any) -> Route:
        """The best route between two node indices."""
        with self._searching(profile, optimize, None, **limits) as w:
            dist, arcs = w.metric.query(source, target)
            if dist >= _graph.INF:
                arcs = np.empty(0, np.int64)
            arc_weights = w.metric.weights[arcs]
        lonlat = self.network.node_lonlat
        snaps = [Snap(arc=-1, fraction=0.0, lon=float(lonlat[n, 0]), lat=float(lonlat[n, 1]),
                      distance_m=0.0, usable=True) for n in (source, target)]
        return Route(router=self, weights=w, origin=snaps[0], destination=snaps[1],
                     arcs=arcs, fractions=np.ones(len(arcs)), connected=dist < _graph.INF,
                     arc_weights=arc_weights)

    # -- reachable area ----------------------------------------------------------

    def reach(self, origin: LatLon, *, profile: Profile | str = "standard",
              max_time_s: float | None = None, max_distance_m: float | None = None,
              now: datetime | None = None, **limits: Any) -> Reach:
        """Everything reachable from ``origin`` within a time or distance budget.

        Arcs breaking a hard limit or closed are not used. The budget is travel
        time (``max_time_s``) or walked distance (``max_distance_m``); the
        profile's ``max_distance_m`` caps both.
        """
        w = self.weights(profile, now=now, **limits)
        snap = self.snap(origin, w)
        weights, budget, kind = self._reach_weights(w, max_time_s, max_distance_m)
        legs = self._starts(snap, weights)
        ((nodes, costs),) = _graph.bounded_dijkstra(
            self.topology, weights, np.array([g.node for g in legs]), budget,
            np.array([g.offset for g in legs], np.float64), groups=np.zeros(len(legs), int))
        dist = np.full(self.network.n_nodes, np.inf)
        dist[nodes] = costs
        return Reach(router=self, origin=snap, dist=dist, weights=weights, budget=budget,
                     kind=kind, profile=w.costs.profile)

    def reach_many(self, sources: NDArray[np.integer], *, profile: Profile | str = "standard",
                   max_time_s: float | None = None, max_distance_m: float | None = None,
                   **limits: Any) -> list[tuple[NDArray[np.int64], NDArray[np.float64]]]:
        """Reachable nodes and their costs (seconds or metres) from many node indices."""
        w = self.weights(profile, **limits)
        weights, budget, _kind = self._reach_weights(w, max_time_s, max_distance_m)
        res = _graph.bounded_dijkstra(self.topology, weights, np.asarray(sources), budget)
        return [(nodes, costs / _graph.SCALE) for nodes, costs in res]

    def _reach_weights(self, w: _Weights, max_time_s: float | None,
                       max_distance_m: float | None) -> tuple[NDArray[np.uint32], float, str]:
        if (max_time_s is None) == (max_distance_m is None):
            msg = "give exactly one of `max_time_s` and `max_distance_m`"
            raise RoutingError(msg)
        blocked = w.costs.violates.copy()
        blocked[w.closed] = True
        prof = w.costs.profile
        if max_time_s is not None:
            budget, kind, base = float(max_time_s), "time", w.costs.time_s
            if prof.max_distance_m is not None:
                budget = min(budget, prof.max_distance_m / prof.speed_mps)
        else:
            budget, kind, base = float(max_distance_m), "distance", self.length  # type: ignore[arg-type]
            if prof.max_distance_m is not None:
                budget = min(budget, prof.max_distance_m)
        if budget <= 0:
            msg = "the budget must be positive"
            raise RoutingError(msg)
        weights = _graph.to_weights(np.where(blocked, VIOLATION_PENALTY_S * 10, base))
        return weights, budget * _graph.SCALE, kind
