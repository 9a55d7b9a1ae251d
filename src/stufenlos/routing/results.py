"""The answers of :class:`~stufenlos.routing.Router`: a route, a matrix, a reachable area."""

from __future__ import annotations

import functools
import itertools
import math
import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import shapely
import shapely.geometry
import shapely.ops
from numpy.typing import NDArray

from stufenlos import _graph
from stufenlos.profiles import LIMIT_BITS, LIMITS, UNKNOWN_KINDS, VIOLATION_PENALTY_S
from stufenlos.routing.edge_values import _SEGMENT_COLUMNS, EdgeValues, _val
from stufenlos.segments import barriers_on

if TYPE_CHECKING:

    from stufenlos.closures import ClosureState
    from stufenlos.network import Network
    from stufenlos.profiles import EdgeCosts, Profile
    from stufenlos.routing.router import Router, _Weights
    from stufenlos.snap import Snap

__all__ = ["EdgeValues", "Matrix", "Reach", "Route", "Status"]

#: ``ok``: keeps every limit; ``uncertain``: keeps every mapped limit, but assumed values
#: (not mapped) break one; ``limits_broken``: a mapped value breaks a limit (under the
#: ``strict`` unknown policy an assumed one too); ``no_route``: not connected
Status = Literal["ok", "uncertain", "limits_broken", "no_route"]



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
    _violations: list[dict[str, Any]] | None = field(default=None, repr=False)
    _uncertain: list[dict[str, Any]] | None = field(default=None, repr=False)
    #: the unknown policy asked for, when no route kept the limits under it and this
    #: route was searched with a more lenient one (``cautious``)
    relaxed_from: str | None = None
    #: with ``no_route``: the point nearest to the destination that the start connects to
    connected_destination: Snap | None = None
    #: the live closures in force when the route was searched (``None`` without a store)
    closures: ClosureState | None = field(default=None, repr=False)
    #: the engine weights of ``arcs`` the route was searched with (the metric may have
    #: been updated since)
    arc_weights: NDArray[np.uint32] | None = field(default=None, repr=False)

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
        """``ok``, ``uncertain``, ``limits_broken`` or ``no_route`` (see :data:`Status`).

        ``limits_broken`` when a mapped value breaks a limit (a way, a kerb, a closure, the
        range), or when any value breaks one under the ``strict`` unknown policy, which
        counts every unknown as a barrier; ``uncertain`` when every broken limit rests on
        an assumed value (``violations()[i]["assumed"]``); ``ok`` when nothing breaks.
        """
        if self.arcs.size == 0 and not self.connected:
            same_point = self.connected is None and self.origin.arc == self.destination.arc
            if not same_point:
                return "no_route"
        broken = self.violations()
        if not broken:
            return "ok"
        if self.profile.unknown_policy == "strict" or not all(v["assumed"] for v in broken):
            return "limits_broken"
        return "uncertain"

    def violation_arcs(self) -> NDArray[np.int64]:
        """Positions (in :attr:`arcs`) of arcs that break a hard limit or are closed."""
        return np.array(self._violation_positions(), np.int64)

    def _violation_positions(self) -> list[int]:
        closed = set(self.weights.closed.tolist())
        bits = self.weights.costs.violation_bits[self.arcs].tolist()
        if not closed:
            return [pos for pos, b in enumerate(bits) if b]
        return [pos for pos, (b, arc) in enumerate(zip(bits, self.arcs.tolist(), strict=True))
                if b or arc in closed]

    @functools.cached_property
    def distance_m(self) -> float:
        """Walked distance."""
        return float(self._walked_m.sum())

    @functools.cached_property
    def costs_here(self) -> EdgeCosts:
        """The costs of the route's arcs (row ``i``: ``arcs[i]``), exact in every detail."""
        return self.weights.costs.at(self.arcs)

    @functools.cached_property
    def _walked_m(self) -> NDArray[np.float64]:
        """Walked length on each arc."""
        return self.router.length[self.arcs] * self.fractions

    @functools.cached_property
    def _walked_s(self) -> NDArray[np.float64]:
        """This person's travel time on each arc."""
        return self.weights.costs.time_s[self.arcs] * self.fractions

    @functools.cached_property
    def duration_s(self) -> float:
        """Estimated travel time of this person."""
        return float(self._walked_s.sum())

    @property
    def cost_s(self) -> float:
        """Search cost (seconds): the sum of the arcs' engine weights, parts for partial arcs."""
        # whole numbers (rounded half to even, as numpy.rint): their sum is exact in any order
        w = (self.weights.metric.weights[self.arcs] if self.arc_weights is None
             else self.arc_weights).tolist()
        parts = (x if f >= 1.0 else round(x * f)
                 for x, f in zip(w, self.fractions.tolist(), strict=True))
        return float(sum(parts) / _graph.SCALE)

    def violations(self) -> list[dict[str, Any]]:
        """Each broken limit: which, by how much, where, and whether it rests on an
        assumed value.

        Returns
        -------
        list of dict
            ``limit``, ``excess`` (in ``unit``), ``limit_value``, ``segment`` (position in
            :meth:`segments`), ``osm_way_id``, ``osm_node_ids``, ``lon``, ``lat``,
            ``assumed`` (the limit is broken only through a value that is not mapped) and
            ``assumed_value`` (that value, e.g. a kerb of 12 cm assumed where a footway
            meets a road; ``None`` when mapped). A route longer than the profile's range
            (``max_distance_m``) adds one entry without a place (``segment`` is ``None``).
        """
        if self._violations is not None:
            return self._violations
        costs = self.costs_here
        out = []
        closed = set(self.weights.closed.tolist())
        for pos in self._violation_positions():
            arc = int(self.arcs[pos])
            items = costs.violations_of(int(pos))
            if arc in closed:
                items.append(("closed", 1.0))
            for limit, excess in items:
                assumed, value = costs.assumed_of(int(pos), limit)
                out.append({"limit": limit, "excess": round(excess, 2),
                            **self._place(int(pos), limit, assumed, value)})
        reach = self.profile.max_distance_m
        if reach is not None and self.distance_m > reach:
            out.append({"limit": "max_distance_m", "excess": round(self.distance_m - reach, 2),
                        **self._place(None, "max_distance_m", False, None)})
        self._violations = out
        return out

    def uncertain(self) -> list[dict[str, Any]]:
        """The assumed values (not mapped) the route rests on that break a limit or meet
        it exactly (a kerb assumed 3 cm at a crossing under a 3 cm limit).

        Returns
        -------
        list of dict
            Like :meth:`violations` without ``excess``, with ``breaks``: ``True`` where
            the assumed value breaks the limit (the same place is in :meth:`violations`),
            ``False`` where it meets it. Consecutive segments of one OSM way with the same
            assumption are one entry (at the first of them).
        """
        if self._uncertain is not None:
            return self._uncertain
        costs = self.costs_here
        assumed = costs.assumed_bits.tolist()
        bits = [a | b for a, b in zip(assumed, costs.at_limit_bits.tolist(), strict=True)]
        out: list[dict[str, Any]] = []
        if any(bits):
            ways = self.router.edge_values.values("osm_way_id", self.arcs)
            last: dict[str, tuple[int, Any]] = {}  # limit -> (segment, key) of its last entry
            for pos, b in enumerate(bits):
                if not b:
                    continue
                for limit, bit in LIMIT_BITS.items():
                    if not b & bit:
                        continue
                    _, value = costs.assumed_of(pos, limit)
                    breaks = bool(assumed[pos] & bit)
                    key = (ways[pos], value, breaks)
                    prev = last.get(limit)
                    last[limit] = (pos, key)
                    if prev is not None and prev == (pos - 1, key):
                        continue
                    out.append({"limit": limit, "breaks": breaks,
                                **self._place(pos, limit, True, value)})
        self._uncertain = out
        return out

    def _place(self, pos: int | None, limit: str, assumed: bool,
               value: Any) -> dict[str, Any]:
        """The common fields of a broken or uncertain limit at segment ``pos``."""
        out: dict[str, Any] = {
            "unit": LIMITS[limit].unit_in("en") if limit in LIMITS else "",
            "limit_value": _val(getattr(self.profile, limit, None)),
            "assumed": assumed, "assumed_value": value, "segment": pos,
            "osm_way_id": None, "osm_node_ids": None, "lon": None, "lat": None,
        }
        if pos is not None:
            edges, at = self.router.edge_values, self.arcs[pos:pos + 1]
            lon, lat = self._arc_midpoint(int(at[0]))
            out.update(osm_way_id=edges.values("osm_way_id", at)[0],
                       osm_node_ids=[edges.values("osm_node_u", at)[0],
                                     edges.values("osm_node_v", at)[0]],
                       lon=_round7(lon), lat=_round7(lat))
        return out

    def unknowns(self) -> dict[str, float]:
        """What was assumed on this route: counts and metres."""
        return dict(self._unknowns)

    @functools.cached_property
    def _unknowns(self) -> dict[str, float]:
        listed = self.weights.costs.unknown_bits[self.arcs].tolist()
        some = functools.reduce(operator.or_, listed, 0)  # the kinds on any arc
        kerb_unknown = int(self.router.edge_values.kerb_unknown_count[self.arcs].sum())

        def metres(kind: str) -> float:
            bit = UNKNOWN_KINDS[kind]
            if not some & bit:
                return 0.0
            return round(float(self._walked_m[[i for i, b in enumerate(listed) if b & bit]]
                               .sum()), 1)

        def count(kind: str) -> int:
            bit = UNKNOWN_KINDS[kind]
            return sum(1 for b in listed if b & bit)

        return {
            "kerbs_unknown_height": kerb_unknown,
            "surface_unknown_m": metres("surface"),
            "smoothness_unknown_m": metres("smoothness"),
            "width_unknown_m": metres("width"),
            "incline_unknown_m": metres("incline"),
            "steps_unknown_count": count("step_count"),
            "elevators_unknown_status": count("elevator_status"),
            "signals_unknown_sound": count("signal_sound"),
        }

    def _arc_midpoint(self, arc: int) -> tuple[float, float]:
        net = self.router.network
        (x0, y0), (x1, y1) = net.node_lonlat[[net.u[arc], net.v[arc]]].tolist()
        return (x0 + x1) / 2.0, (y0 + y1) / 2.0

    def segments(self) -> list[dict[str, Any]]:
        """Per traversed arc: OSM ids, length and the attributes that mattered."""
        if self._segments is not None:
            return self._segments
        edges, arcs, frac = self.router.edge_values, self.arcs, self.fractions
        # each arc's attribute set, copied: a caller may change its answer
        sets = edges.attribute_sets
        attrs = [sets[k].copy() for k in edges.attribute_set[arcs].tolist()]
        way, node_u, node_v, name = (edges.values(c, arcs) for c in _SEGMENT_COLUMNS[:4])
        length, duration = self._walked_m.tolist(), self._walked_s.tolist()
        kerb = self.weights.costs.kerb_cm[arcs].tolist()
        out = []
        for i, (arc, f) in enumerate(zip(arcs.tolist(), frac.tolist(), strict=True)):
            seg = {
                "arc": arc,
                "osm_way_id": way[i],
                "osm_node_ids": [node_u[i], node_v[i]],
                "name": name[i],
                "length_m": round(length[i], 1),
                "duration_s": round(duration[i], 1),
                "attributes": attrs[i],
            }
            if f < 1.0:
                seg["fraction"] = round(f, 4)
            ku, kv = kerb[i]
            if ku == ku or kv == kv:  # not both NaN
                seg["kerb_cm_used"] = [None if ku != ku else round(ku, 1),
                                       None if kv != kv else round(kv, 1)]
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
        arcs, fractions, edges = self.arcs, self.fractions, self.router.edge_values
        # every arc's points; arc k's are raw[bounds[k]:bounds[k + 1]]
        if edges.all_stored or edges.stored[arcs].all():
            first, last = edges.offsets[arcs].tolist(), edges.offsets[arcs + 1].tolist()
            pts = edges.points[[i for a, b in zip(first, last, strict=True) for i in range(a, b)]]
            bounds = list(itertools.accumulate((b - a for a, b in zip(first, last, strict=True)),
                                               initial=0))
        else:
            geoms = _arc_geometries(self.router.network, edges.geometry, arcs)
            pts, index = shapely.get_coordinates(geoms, return_index=True)
            bounds = np.searchsorted(index, np.arange(arcs.size + 1)).tolist()
        raw, rounded = pts.tolist(), np.round(pts, 7).tolist()
        cuts: dict[int, tuple[float, float]] = {}
        if arcs.size == 1 and self.origin.arc == self.destination.arc >= 0:
            # both points on one segment: cut between them
            f0, f1 = self.origin.fraction, self.destination.fraction
            if arcs[0] != self.origin.arc:
                f0, f1 = 1.0 - f0, 1.0 - f1
            cuts[0] = (f0, f1)
        else:
            for i, f in enumerate(fractions.tolist()):
                if f < 1.0:
                    cuts[i] = (1.0 - f, 1.0) if i == 0 else (0.0, f)  # the start: its end part
        coords: list[list[float]] = []
        for k, (a, b) in enumerate(itertools.pairwise(bounds)):
            line, line_rounded = raw, rounded
            if k in cuts:
                line = _substring(raw[a:b], *cuts[k])
                line_rounded = [[_round7(x), _round7(y)] for x, y in line]
                a, b = 0, len(line)
            if a == b:
                continue
            if coords:  # the arc's first point is dropped when it is the one before it
                (x0, y0), (x1, y1) = coords[-1], line[a]  # numpy.allclose, without its cost
                if abs(x0 - x1) <= 1e-8 + 1e-5 * abs(x1) and abs(y0 - y1) <= 1e-8 + 1e-5 * abs(y1):
                    a += 1
            coords.extend(line_rounded[a:b])
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


def _arc_geometries(net: Network, wkb: NDArray[Any], arcs: NDArray[np.int64]
                    ) -> list[shapely.LineString]:
    """The lines of ``arcs``: their stored geometry, else straight between their nodes."""
    raw = wkb[arcs]
    stored = np.array([x is not None and not (isinstance(x, float) and x != x) for x in raw],
                      bool)
    lines = np.empty(arcs.size, object)
    if stored.any():
        lines[stored] = shapely.from_wkb(raw[stored])
    if not stored.all():
        lonlat = net.node_lonlat
        rest = arcs[~stored]
        lines[~stored] = shapely.linestrings(
            np.stack([lonlat[net.u[rest]], lonlat[net.v[rest]]], axis=1))
    return lines.tolist()


def _round7(x: float) -> float:
    """``numpy.round(x, 7)`` of one number (numpy scales, rounds half to even and scales
    back; Python's ``round(x, 7)`` rounds the decimal, which differs at some halves)."""
    return round(x * 1e7) / 1e7


def _substring(pts: list[list[float]], start: float, end: float) -> list[list[float]]:
    """The points of the part of line ``pts`` between fractions ``start`` and ``end``.

    What ``shapely.ops.substring(line, start, end, normalized=True)`` gives (reversed
    when ``end < start``, one point when they are equal; GEOS's arithmetic, so the same
    numbers), on the coordinates. Hand-written: the shapely function builds points and a
    line in Python (about 45 µs a cut), and numpy calls on an arc's few points cost about
    as much; plain Python on them takes 3 µs.
    """
    seg: list[float] = []
    cum = [0.0]
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        dx, dy = x1 - x0, y1 - y0
        seg.append(math.sqrt(dx * dx + dy * dy))
        cum.append(cum[-1] + seg[-1])
    length = cum[-1]

    def at(d: float) -> list[float]:  # GEOS LengthIndexedLine.extractPoint
        if d <= 0.0:
            return pts[0]
        for i, s in enumerate(seg):
            if cum[i] + s > d:
                frac = (d - cum[i]) / s
                if frac <= 0.0 or frac >= 1.0:
                    return pts[i] if frac <= 0.0 else pts[i + 1]
                (x0, y0), (x1, y1) = pts[i], pts[i + 1]
                return [(x1 - x0) * frac + x0, (y1 - y0) * frac + y0]
        return pts[-1]

    if start == end or (start >= 1 and end >= 1):
        return [at(min(start, 1.0) * length)]
    lo, hi = sorted((start * length, end * length))
    out = [at(lo), *(p for p, c in zip(pts[1:-1], cum[1:-1], strict=True)
                     if max(lo, 0.0) < c < hi), at(hi)]
    return out[::-1] if start > end else out


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
        keep = (net.forward_of(arcs) == arcs) | (frac < 1.0)  # else its forward arc draws it
        arcs, frac = arcs[keep], frac[keep]
        lines = [g if f >= 1.0 else shapely.ops.substring(g, 0.0, float(f), normalized=True)
                 for g, f in zip(_arc_geometries(net, self.router.edge_values.geometry, arcs),
                                 frac, strict=True)]
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
