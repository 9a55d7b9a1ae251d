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

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import shapely
import shapely.geometry
import shapely.ops
from numpy.typing import NDArray

from stufenlos import _graph
from stufenlos.errors import StufenlosError
from stufenlos.network import Network
from stufenlos.profiles import (
    LIMITS,
    UNKNOWN_KINDS,
    VIOLATION_PENALTY_S,
    EdgeCosts,
    Optimize,
    Profile,
    get_profile,
)
from stufenlos.segments import barriers_on
from stufenlos.snap import Snap

if TYPE_CHECKING:
    from stufenlos.closures import ClosureStore

__all__ = [
    "CLOSED_PENALTY_S",
    "Matrix",
    "Reach",
    "Route",
    "Router",
    "RoutingError",
    "Snap",
    "parse_latlon",
]

logger = logging.getLogger(__name__)

#: penalty of an arc closed by a live closure (one violation of the "closed" limit)
CLOSED_PENALTY_S = VIOLATION_PENALTY_S + 20_000.0
_NONE_CLOSED: NDArray[np.int64] = np.empty(0, np.int64)

Status = Literal["ok", "limits_broken", "no_route"]
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


@dataclass
class _Weights:
    """A profile's costs and customised metric, with the closures applied to it."""

    costs: EdgeCosts
    base: NDArray[np.uint32]
    metric: _graph.CCHMetric
    closed: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    usable: NDArray[np.bool_] | None = None
    #: the same weights on the reverse graph, made on the first matrix with more
    #: origins than destinations
    reverse: _graph.CCHMetric | None = None


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

    Examples
    --------
    >>> router = Router(city.network)  # doctest: +SKIP
    >>> route = router.route((49.41, 8.69), (49.412, 8.70), profile="wheelchair",
    ...                      max_kerb_cm=6)  # doctest: +SKIP
    >>> route.status, round(route.distance_m)  # doctest: +SKIP
    ('ok', 812)
    """

    def __init__(self, network: Network, *, closures: ClosureStore | None = None,
                 cache_size: int = 16) -> None:
        self.network = network
        self.closures = closures
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[Any, ...], _Weights] = OrderedDict()
        self._lock = threading.RLock()
        self.pair = network.edges["pair"].to_numpy(np.int64)
        self.length = network.edges["length_m"].to_numpy(np.float64)

    @cached_property
    def topology(self) -> _graph.CCHTopology:
        """The network's contraction hierarchy topology (built on first use)."""
        return _graph.topology_for(self.network)

    # -- weights -----------------------------------------------------------------

    def weights(self, profile: Profile | str = "standard", *, optimize: Optimize = "comfort",
                now: datetime | None = None, **limits: Any) -> _Weights:
        """Costs and metric for ``profile`` with current closures applied."""
        prof = get_profile(profile, **limits)
        key = (prof.key(), optimize)
        with self._lock:
            w = self._cache.get(key)
            if w is None:
                costs = prof.evaluate(self.network, optimize=optimize)
                base = _graph.to_weights(costs.cost_s)
                w = _Weights(costs=costs, base=base, metric=self.topology.metric(base))
                self._cache[key] = w
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
            self._cache.move_to_end(key)
            self._apply_closures(w, now)
        return w

    def _apply_closures(self, w: _Weights, now: datetime | None) -> None:
        closed = (self.closures.closed_arcs(self.network, now) if self.closures is not None
                  else _NONE_CLOSED)
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

    def _usable(self, w: _Weights) -> NDArray[np.bool_]:
        ok = ~w.costs.violates
        ok[w.closed] = False
        pair_ok = np.where(self.pair >= 0, ok[np.maximum(self.pair, 0)], False)
        return ok | pair_ok

    # -- point to point ------------------------------------------------------------

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
        w = self.weights(profile, optimize=optimize, now=now)
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
            return Route(router=self, weights=w, origin=s_snap, destination=t_snap,
                         arcs=np.empty(0, np.int64), fractions=np.empty(0))
        steps = [(a, f) for a, f in best[1] if f > 1e-9]
        arcs = np.array([a for a, _ in steps], np.int64)
        fractions = np.array([f for _, f in steps], np.float64)
        return Route(router=self, weights=w, origin=s_snap, destination=t_snap, arcs=arcs,
                     fractions=fractions)

    # -- matrices ------------------------------------------------------------------

    def nearest_nodes(self, points: Sequence[LatLon], w: _Weights) -> NDArray[np.int64]:
        """Node nearest to each point among the ends of its nearest usable arc."""
        out = np.empty(len(points), np.int64)
        lonlat = self.network.node_lonlat
        for i, p in enumerate(points):
            s = self.snap(p, w)
            u, v = int(self.network.u[s.arc]), int(self.network.v[s.arc])
            du = np.hypot(*(lonlat[u] - (s.lon, s.lat)))
            dv = np.hypot(*(lonlat[v] - (s.lon, s.lat)))
            out[i] = u if du <= dv else v
        return out

    def matrix(self, origins: Sequence[LatLon] | NDArray[np.integer],
               destinations: Sequence[LatLon] | NDArray[np.integer], *,
               profile: Profile | str = "standard", optimize: Optimize = "comfort",
               now: datetime | None = None, **limits: Any) -> Matrix:
        """Costs between every origin and destination.

        Points are ``(lat, lon)`` pairs snapped to the nearest node of their
        nearest usable arc; an integer array is taken as node indices.
        """
        w = self.weights(profile, optimize=optimize, now=now, **limits)
        src = self._as_nodes(origins, w)
        dst = self._as_nodes(destinations, w)
        if len(src) > len(dst):
            # search from the fewer points: on the reverse graph, from the destinations
            with self._lock:
                if w.reverse is None:
                    topo = _graph.topology_for(self.network, reverse=True)
                    w.reverse = topo.metric(w.metric.weights)
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
        return self.nearest_nodes([tuple(p) for p in arr], w)

    def route_nodes(self, source: int, target: int, *, profile: Profile | str = "standard",
                    optimize: Optimize = "comfort", **limits: Any) -> Route:
        """The best route between two node indices."""
        w = self.weights(profile, optimize=optimize, **limits)
        dist, arcs = w.metric.query(source, target)
        lonlat = self.network.node_lonlat
        snaps = [Snap(arc=-1, fraction=0.0, lon=float(lonlat[n, 0]), lat=float(lonlat[n, 1]),
                      distance_m=0.0, usable=True) for n in (source, target)]
        if dist >= _graph.INF:
            arcs = np.empty(0, np.int64)
        return Route(router=self, weights=w, origin=snaps[0], destination=snaps[1],
                     arcs=arcs, fractions=np.ones(len(arcs)), connected=dist < _graph.INF)

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


# -- results ---------------------------------------------------------------------------


def _val(x: Any) -> Any:
    """A JSON-friendly scalar (None for missing)."""
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, float | np.floating):
        return None if np.isnan(x) else round(float(x), 3)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


_SEGMENT_ATTRS = (
    "highway", "footway", "incline_pct", "incline_dir", "surface", "smoothness", "width_m",
    "steps", "step_count", "handrail", "ramp", "ramp_wheelchair", "wheelchair",
    "tactile_paving", "kerb_u_m", "kerb_v_m", "crossing", "crossing_island", "signal_sound",
    "signal_vibration", "lit", "level", "elevator", "escalator", "sidewalk",
)  # fmt: skip


@dataclass(eq=False)
class Route:
    """A route: arcs, costs, broken limits and unknowns; :mod:`stufenlos.text.route` words it."""

    router: Router
    weights: _Weights
    origin: Snap
    destination: Snap
    arcs: NDArray[np.int64]
    fractions: NDArray[np.float64]
    connected: bool | None = None
    _segments: list[dict[str, Any]] | None = field(default=None, repr=False)
    #: the unknown policy asked for, when no route kept the limits under it and this
    #: route was searched with a more lenient one (``cautious``)
    relaxed_from: str | None = None

    @property
    def profile(self) -> Profile:
        """The profile (with limits) this route was computed for."""
        return self.weights.costs.profile

    @property
    def optimize(self) -> str:
        """What the search minimised: ``comfort`` or ``distance``."""
        return self.weights.costs.optimize

    @property
    def status(self) -> Status:
        """``ok``, ``limits_broken`` or ``no_route``."""
        if self.arcs.size == 0 and not self.connected:
            same_point = self.connected is None and self.origin.arc == self.destination.arc
            if not same_point:
                return "no_route"
        return "limits_broken" if self.violation_arcs().size else "ok"

    def violation_arcs(self) -> NDArray[np.int64]:
        """Positions (in :attr:`arcs`) of arcs that break a hard limit or are closed."""
        bad = self.weights.costs.violates[self.arcs] | np.isin(self.arcs, self.weights.closed)
        return np.flatnonzero(bad)

    @property
    def distance_m(self) -> float:
        """Walked distance."""
        return float(np.sum(self.router.length[self.arcs] * self.fractions))

    @property
    def duration_s(self) -> float:
        """Estimated travel time of this person."""
        return float(np.sum(self.weights.costs.time_s[self.arcs] * self.fractions))

    @property
    def cost_s(self) -> float:
        """Search cost (seconds): the sum of the arcs' engine weights, parts for partial arcs."""
        w = self.weights.metric.weights[self.arcs].astype(np.float64)
        full = self.fractions >= 1.0
        parts = np.where(full, w, np.rint(w * self.fractions))
        return float(parts.sum() / _graph.SCALE)

    def violations(self) -> list[dict[str, Any]]:
        """Each broken limit: which, by how much, where."""
        e = self.router.network.edges
        out = []
        closed = set(self.weights.closed.tolist())
        for pos in self.violation_arcs():
            arc = int(self.arcs[pos])
            items = self.weights.costs.violations_of(arc)
            if arc in closed:
                items.append(("closed", 1.0))
            lon, lat = self._arc_midpoint(arc)
            for limit, excess in items:
                out.append({
                    "limit": limit,
                    "excess": round(excess, 2),
                    "unit": LIMITS[limit].unit_in("en") if limit in LIMITS else "",
                    "limit_value": _val(getattr(self.profile, limit, None)),
                    "segment": int(pos),
                    "osm_way_id": _val(e["osm_way_id"].iat[arc]),
                    "osm_node_ids": [_val(e["osm_node_u"].iat[arc]),
                                     _val(e["osm_node_v"].iat[arc])],
                    "lon": round(lon, 7), "lat": round(lat, 7),
                })
        return out

    def unknowns(self) -> dict[str, float]:
        """What was assumed on this route: counts and metres."""
        bits = self.weights.costs.unknown_bits[self.arcs]
        length = self.router.length[self.arcs] * self.fractions
        kerb_unknown = 0
        e = self.router.network.edges
        for end, col in enumerate(("kerb_u_m", "kerb_v_m")):
            ctx = e[f"kerb_{'uv'[end]}_context"].iloc[self.arcs]
            raw = e[col].iloc[self.arcs]
            kerb_unknown += int((ctx.notna().to_numpy() & raw.isna().to_numpy()).sum())

        def metres(kind: str) -> float:
            return round(float(length[(bits & UNKNOWN_KINDS[kind]) != 0].sum()), 1)

        def count(kind: str) -> int:
            return int(((bits & UNKNOWN_KINDS[kind]) != 0).sum())

        return {
            "kerbs_unknown_height": kerb_unknown,
            "surface_unknown_m": metres("surface"),
            "smoothness_unknown_m": metres("smoothness"),
            "width_unknown_m": metres("width"),
            "incline_unknown_m": metres("incline"),
            "steps_unknown_count": count("step_count"),
            "elevators_unknown_status": count("elevator_status"),
        }

    def _arc_midpoint(self, arc: int) -> tuple[float, float]:
        lonlat = self.router.network.node_lonlat
        u, v = self.router.network.u[arc], self.router.network.v[arc]
        return tuple((lonlat[u] + lonlat[v]) / 2.0)  # type: ignore[return-value]

    def segments(self) -> list[dict[str, Any]]:
        """Per traversed arc: OSM ids, length and the attributes that mattered."""
        if self._segments is not None:
            return self._segments
        e = self.router.network.edges
        cols = ("osm_way_id", "osm_node_u", "osm_node_v", "name", *_SEGMENT_ATTRS)
        sub = e.iloc[self.arcs]
        # Column by column: far faster than one pandas row per arc.
        values = {c: [_val(x) for x in sub[c].astype(object).tolist()] for c in cols}
        kerb = self.weights.costs.kerb_cm[self.arcs]
        out = []
        for i, (arc, frac) in enumerate(zip(self.arcs, self.fractions, strict=True)):
            attrs = {k: values[k][i] for k in _SEGMENT_ATTRS}
            attrs = {k: v for k, v in attrs.items()
                     if v is not None and v is not False and v != ""}
            seg = {
                "arc": int(arc),
                "osm_way_id": values["osm_way_id"][i],
                "osm_node_ids": [values["osm_node_u"][i], values["osm_node_v"][i]],
                "name": values["name"][i],
                "length_m": round(float(self.router.length[arc] * frac), 1),
                "duration_s": round(float(self.weights.costs.time_s[arc] * frac), 1),
                "attributes": attrs,
            }
            if frac < 1.0:
                seg["fraction"] = round(float(frac), 4)
            kerbs = [None if np.isnan(k) else round(float(k), 1) for k in kerb[i]]
            if any(k is not None for k in kerbs):
                seg["kerb_cm_used"] = kerbs
            out.append(seg)
        self._segments = out
        return out

    def barriers(self) -> list[dict[str, Any]]:
        """Barriers and helps passed: steps, kerbs, elevators, ramps, crossings."""
        return barriers_on(self.segments())

    def geometry(self) -> dict[str, Any] | None:
        """GeoJSON LineString of the route (partial first/last arcs cut)."""
        if self.arcs.size == 0:
            return None
        net = self.router.network
        coords: list[list[float]] = []
        single = self.arcs.size == 1 and self.origin.arc == self.destination.arc >= 0
        for arc, frac in zip(self.arcs, self.fractions, strict=True):
            geom = _arc_geometry(net, int(arc), self.router.pair)
            if single:  # both points on one segment: cut between them
                f0, f1 = self.origin.fraction, self.destination.fraction
                if arc != self.origin.arc:
                    f0, f1 = 1.0 - f0, 1.0 - f1
                geom = shapely.ops.substring(geom, f0, f1, normalized=True)
            elif frac < 1.0:
                if arc == self.arcs[0] and coords == []:
                    geom = shapely.ops.substring(geom, 1.0 - frac, 1.0, normalized=True)
                else:
                    geom = shapely.ops.substring(geom, 0.0, frac, normalized=True)
            pts = np.asarray(shapely.get_coordinates(geom))
            if pts.size == 0:
                continue
            start = 1 if coords and np.allclose(coords[-1], pts[0]) else 0
            coords.extend([[round(x, 7), round(y, 7)] for x, y in pts[start:]])
        if len(coords) == 1:
            coords.append(coords[0])
        return {"type": "LineString", "coordinates": coords}

    def to_geojson(self, *, lang: str = "en") -> dict[str, Any]:
        """The route answer as a GeoJSON Feature (:func:`~stufenlos.text.route.route_feature`)."""
        from stufenlos.text.route import route_feature

        return route_feature(self, lang=lang)

    def to_text(self, *, lang: str = "en") -> str:
        """Screen-reader friendly directions as numbered plain text."""
        from stufenlos.text.route import route_text

        return route_text(self, lang=lang)


def _arc_geometry(net: Network, arc: int, pair: NDArray[np.int64]) -> shapely.LineString:
    raw = net.edges["geometry"].iat[arc]
    if raw is not None and not (isinstance(raw, float) and np.isnan(raw)):
        return shapely.from_wkb(raw)
    lonlat = net.node_lonlat
    return shapely.LineString([lonlat[net.u[arc]], lonlat[net.v[arc]]])


@dataclass(frozen=True, eq=False)
class Matrix:
    """Costs between node sets; ``cost_s`` has NaN where unreachable."""

    sources: NDArray[np.int64]
    targets: NDArray[np.int64]
    raw: NDArray[np.uint32]
    profile: Profile
    optimize: str

    @property
    def cost_s(self) -> NDArray[np.float64]:
        """Cost in seconds (NaN = not connected)."""
        out = self.raw.astype(np.float64) / _graph.SCALE
        out[self.raw >= _graph.INF] = np.nan
        return out

    @property
    def limits_broken(self) -> NDArray[np.bool_]:
        """Pairs whose best route breaks a hard limit."""
        return (self.raw < _graph.INF) & (self.raw >= VIOLATION_PENALTY_S * _graph.SCALE)

    def to_frame(self) -> pd.DataFrame:
        """Costs as a DataFrame (rows: sources, columns: targets)."""
        return pd.DataFrame(self.cost_s, index=pd.Index(self.sources, name="source"),
                            columns=pd.Index(self.targets, name="target"))


@dataclass(eq=False)
class Reach:
    """Nodes and arcs reachable within a budget, with a polygon around them."""

    router: Router
    origin: Snap
    dist: NDArray[np.float64]  # engine units per node, inf = not reached
    weights: NDArray[np.uint32]
    budget: float
    kind: str
    profile: Profile

    @property
    def nodes(self) -> NDArray[np.int64]:
        """Reached node indices."""
        return np.flatnonzero(np.isfinite(self.dist))

    def node_costs(self) -> NDArray[np.float64]:
        """Seconds (time budget) or metres (distance budget) to each reached node."""
        return self.dist[self.nodes] / _graph.SCALE

    def arcs(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Arcs entered within the budget and the fraction of each that is reached."""
        net = self.router.network
        du = self.dist[net.u]
        ok = np.isfinite(du)
        arcs = np.flatnonzero(ok)
        left = self.budget - du[arcs]
        frac = np.clip(left / np.maximum(self.weights[arcs], 1), 0.0, 1.0)
        keep = frac > 0
        return arcs[keep], frac[keep]

    def polygon(self, *, ratio: float = 0.3) -> shapely.Geometry:
        """A concave hull (lon/lat) around the reached network."""
        net = self.router.network
        proj = net.snapper.projection
        arcs, frac = self.arcs()
        lonlat = net.node_lonlat
        a, b = lonlat[net.u[arcs]], lonlat[net.v[arcs]]
        ends = a + (b - a) * frac[:, None]
        pts = np.vstack([lonlat[self.nodes], ends, [[self.origin.lon, self.origin.lat]]])
        hull = shapely.concave_hull(shapely.multipoints(proj.to_xy(pts)), ratio=ratio)
        hull = shapely.buffer(hull, 15.0)
        return shapely.transform(hull, proj.to_lonlat)

    def to_geojson(self) -> dict[str, Any]:
        """FeatureCollection: the area polygon and the reached ways."""
        arcs, frac = self.arcs()
        net = self.router.network
        lines = []
        forward = net.forward_of(arcs)
        for arc, f, fwd in zip(arcs, frac, forward, strict=True):
            if fwd != arc and f >= 1.0:
                continue  # the forward arc already draws this way segment
            g = _arc_geometry(net, int(arc), self.router.pair)
            if f < 1.0:
                g = shapely.ops.substring(g, 0.0, float(f), normalized=True)
            lines.append(g)
        props = {"profile": self.profile.name, "budget": self.budget / _graph.SCALE,
                 "budget_kind": self.kind, "nodes_reached": int(self.nodes.size)}
        return {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": shapely.geometry.mapping(self.polygon()),
                 "properties": {**props, "part": "area"}},
                {"type": "Feature",
                 "geometry": shapely.geometry.mapping(shapely.multilinestrings(lines)),
                 "properties": {**props, "part": "ways"}},
            ],
        }

