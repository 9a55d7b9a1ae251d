"""Where points meet the network: the nearest way segment to each point.

One :class:`Snapper` per network (:attr:`stufenlos.network.Network.snapper`)
indexes the geometry of every walkable way segment (one arc per pair, see
:meth:`~stufenlos.network.Network.forward_arcs`) in a local metric projection
(:class:`stufenlos.geo.LocalProjection`). The router, report effects and the
kiosk pages all snap through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from stufenlos.errors import NetworkBuildError, StufenlosError
from stufenlos.geo import LocalProjection

if TYPE_CHECKING:
    from stufenlos.network import Network

__all__ = [
    "CONNECTED_DETOUR_M",
    "MAIN_PART_NODES",
    "MAX_POINT_M",
    "MAX_SNAP_M",
    "SNAP_DETOUR_M",
    "FarFromNetworkError",
    "Snap",
    "Snapper",
    "Snaps",
]

#: how far a point may lie from the nearest usable arc before we snap to any arc
MAX_SNAP_M = 500.0
#: how much farther than the nearest way a usable way may be to be preferred
SNAP_DETOUR_M = 30.0
#: how much farther a way in a main part of the network may be than the nearest way
#: on a small, disconnected piece, and still be chosen (as Valhalla's minimum reachability
#: and OSRM's preference for big components do)
CONNECTED_DETOUR_M = 120.0
#: a connected part with at least this many nodes (or half the largest part) is a main part
MAIN_PART_NODES = 500
#: a point farther than this from every way is not in the city: refused, not snapped
MAX_POINT_M = 1500.0


class FarFromNetworkError(StufenlosError, ValueError):
    """A point lies too far from every walkable way of the city to be routed from."""

    http_status = 422


@dataclass(frozen=True)
class Snap:
    """Where a point meets the network: ``fraction`` of the way along ``arc``."""

    arc: int
    fraction: float
    lon: float
    lat: float
    distance_m: float
    usable: bool


@dataclass(frozen=True)
class Snaps:
    """Many snapped points (see :meth:`Snapper.snap_many`): one array per field of :class:`Snap`."""

    arc: NDArray[np.int64]
    fraction: NDArray[np.float64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    distance_m: NDArray[np.float64]
    usable: NDArray[np.bool_]


class Snapper:
    """Nearest-arc search on the way segments of ``network``.

    Parameters
    ----------
    network
        The pedestrian network.

    Raises
    ------
    NetworkBuildError
        If the network has no arcs.
    """

    def __init__(self, network: Network) -> None:
        self.network = network
        #: the arc each indexed geometry belongs to (the forward arc of its segment)
        self.arcs = network.forward_arcs()
        if self.arcs.size == 0:
            msg = "the network has no arcs to snap to"
            raise NetworkBuildError(msg)
        self.projection = LocalProjection.around(network.node_lonlat)
        geoms = shapely.from_wkb(network.edges["geometry"].to_numpy()[self.arcs])
        self.geoms = shapely.transform(geoms, self.projection.to_xy)
        # small nodes: nearest-way queries twice as fast as the default of 10 (measured)
        self.tree = shapely.STRtree(self.geoms, node_capacity=4)
        comp = network.nodes["component"].to_numpy() if "component" in network.nodes else (
            np.zeros(network.n_nodes, np.int64))
        sizes = np.bincount(comp) if comp.size else np.zeros(1, np.int64)
        big = sizes >= min(MAIN_PART_NODES, max(1, int(sizes.max()) // 2))
        #: per indexed segment: does it lie in a main part of the network
        self.main = big[comp[network.u[self.arcs]]]
        #: per node: the connected part it belongs to
        self.component = comp

    def check_near(self, lonlat: ArrayLike, *, what: str = "point") -> NDArray[np.float64]:
        """Distances in metres from each point to the nearest way; refuse far points.

        Raises
        ------
        FarFromNetworkError
            Naming the first point farther than :data:`MAX_POINT_M` from every way.
        """
        ll = np.asarray(lonlat, np.float64).reshape(-1, 2)
        _, dist = self.nearest(ll)
        self._refuse_far(ll, dist, what)
        return dist

    def _refuse_far(self, ll: NDArray[np.float64], dist: NDArray[np.float64],
                    what: str) -> None:
        far = np.flatnonzero(~(dist <= MAX_POINT_M))
        if far.size:
            i = int(far[0])
            lon, lat = ll[i]
            gap = self.projection.to_xy([[lon, lat]])[0]
            km = float(np.hypot(*gap)) / 1000
            name = self.network.meta.get("city", "this city")
            msg = (f"{what} ({lat:.5f}, {lon:.5f}) is {km:,.1f} km from the centre of "
                   f"{name} and more than {MAX_POINT_M:,.0f} m from any walkable way; "
                   "choose a point in the city")
            raise FarFromNetworkError(msg)

    def _points(self, lonlat: ArrayLike) -> NDArray[np.object_]:
        return shapely.points(self.projection.to_xy(lonlat))

    def nearest(self, lonlat: ArrayLike, *, max_distance_m: float | None = None,
                among: ArrayLike | None = None) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The nearest arc to each point, vectorised.

        Parameters
        ----------
        lonlat
            ``(n, 2)`` longitudes and latitudes.
        max_distance_m
            Points farther than this from every arc get no arc.
        among
            Arc indices to choose from (either direction of a segment counts);
            all arcs by default.

        Returns
        -------
        arcs, distance_m
            The forward arc of the nearest way segment (-1 where none) and the distance
            to it in metres (inf where none).
        """
        pts = self._points(lonlat)
        arcs = np.full(len(pts), -1, np.int64)
        dist = np.full(len(pts), np.inf)
        if among is None:
            (i, j), d = self.tree.query_nearest(pts, max_distance=max_distance_m,
                                                return_distance=True, all_matches=False)
            arcs[i], dist[i] = self.arcs[j], d
        else:
            pos = np.unique(np.searchsorted(self.arcs, self.network.forward_of(among)))
            if pos.size == 0 or pts.size == 0:
                return arcs, dist
            d = shapely.distance(self.geoms[pos][None, :], pts[:, None])
            best = np.argmin(d, axis=1)
            arcs[:] = self.arcs[pos[best]]
            dist[:] = d[np.arange(len(pts)), best]
            if max_distance_m is not None:
                far = dist > max_distance_m
                arcs[far], dist[far] = -1, np.inf
        return arcs, dist

    def snap(self, lat: float, lon: float, usable: NDArray[np.bool_]) -> Snap:
        """Snap a point to the nearest arc that is ``usable``.

        The nearest usable arc wins unless it is more than :data:`SNAP_DETOUR_M`
        farther than the nearest arc of any kind (or farther than :data:`MAX_SNAP_M`):
        then the point is really on that arc, and the route reports the limits it
        breaks there. When the nearest way lies on a small piece of network that
        is not connected to a main part, a way of a main part within
        :data:`CONNECTED_DETOUR_M` more is taken instead.

        Parameters
        ----------
        lat, lon
            The point in degrees.
        usable
            Per arc of the network: may the person use it.

        Returns
        -------
        Snap
            The arc, the fraction along it, the snapped point and its distance.
        """
        s = self.snap_many([(lon, lat)], usable)
        return Snap(arc=int(s.arc[0]), fraction=float(s.fraction[0]), lon=float(s.lon[0]),
                    lat=float(s.lat[0]), distance_m=float(s.distance_m[0]),
                    usable=bool(s.usable[0]))

    def snap_many(self, lonlat: ArrayLike, usable: NDArray[np.bool_], *,
                  what: str | None = None) -> Snaps:
        """Snap many points at once, by the rules of :meth:`snap`.

        Parameters
        ----------
        lonlat
            ``(n, 2)`` longitudes and latitudes.
        usable
            Per arc of the network: may the person use it.
        what
            What the points are (``"point"``, ``"stop"``): when given, points farther
            than :data:`MAX_POINT_M` from every way are refused, as in :meth:`check_near`.

        Returns
        -------
        Snaps
            Per point: the arc, the fraction along it, the snapped point, its distance
            and whether the arc is usable.

        Raises
        ------
        FarFromNetworkError
            If ``what`` is given and a point is too far from every way.
        """
        ll = np.asarray(lonlat, np.float64).reshape(-1, 2)
        pts = self._points(ll)
        n = len(pts)

        def ok_seg(j: NDArray[np.int64]) -> NDArray[np.bool_]:
            # only the candidates' arcs: a gather over every segment per call grew
            # each snap with the size of the city
            return usable[self.arcs[j]]

        # the nearest segments of each point (all of them when several are equally near)
        (i_any, j_any), d_any = self.tree.query_nearest(pts, return_distance=True)
        dist_any = np.full(n, np.inf)
        dist_any[i_any] = d_any
        if what is not None:
            self._refuse_far(ll, dist_any, what)
        main_any = np.bincount(i_any, self.main[j_any], minlength=n) > 0
        ok_any = np.bincount(i_any, ok_seg(j_any), minlength=n) > 0
        # (point, segment) candidates; where a point has none, its nearest segments win
        cand_i: list[NDArray[np.int64]] = []
        cand_j: list[NDArray[np.int64]] = []
        flag = np.zeros(n, bool)
        todo = np.ones(n, bool)
        # a small piece nothing connects to the rest: prefer a way of a main part
        small = np.flatnonzero(~main_any)
        if small.size:
            i, j = self.tree.query(pts[small], predicate="dwithin",
                                   distance=dist_any[small] + CONNECTED_DETOUR_M)
            i, j = small[i[self.main[j]]], j[self.main[j]]
            ok = ok_seg(j)
            has_ok = np.bincount(i, ok, minlength=n) > 0
            keep = ~has_ok[i] | ok
            cand_i.append(i[keep])
            cand_j.append(j[keep])
            flag[i] = has_ok[i]
            todo[i] = False
        # the nearest way is usable
        near_ok = todo & ok_any
        sel = near_ok[i_any] & ok_seg(j_any)
        cand_i.append(i_any[sel])
        cand_j.append(j_any[sel])
        flag |= near_ok
        todo &= ~near_ok
        # a usable way not much farther than the nearest
        rest = np.flatnonzero(todo)
        if rest.size:
            reach = np.minimum(dist_any[rest] + SNAP_DETOUR_M, MAX_SNAP_M)
            i, j = self.tree.query(pts[rest], predicate="dwithin", distance=reach)
            ok = ok_seg(j)
            i, j = rest[i[ok]], j[ok]
            cand_i.append(i)
            cand_j.append(j)
            flag[i] = True
            todo[i] = False
        # nothing usable near: the nearest way, unusable
        sel = todo[i_any]
        cand_i.append(i_any[sel])
        cand_j.append(j_any[sel])
        return self._pick(pts, np.concatenate(cand_i), np.concatenate(cand_j), flag)

    def nearest_in_part(self, lat: float, lon: float, node: int) -> Snap | None:
        """The point nearest to (lat, lon) on a way of the part that ``node`` belongs to."""
        pts = self._points([(lon, lat)])
        same = np.flatnonzero(self.component[self.network.u[self.arcs]]
                              == self.component[node])
        if same.size == 0:
            return None
        s = self._pick(pts, np.zeros(same.size, np.int64), same, np.ones(1, bool))
        return Snap(arc=int(s.arc[0]), fraction=float(s.fraction[0]), lon=float(s.lon[0]),
                    lat=float(s.lat[0]), distance_m=float(s.distance_m[0]), usable=True)

    def _pick(self, pts: NDArray[np.object_], i: NDArray[np.int64], j: NDArray[np.int64],
              usable: NDArray[np.bool_]) -> Snaps:
        """Per point ``i``, the nearest of its candidate segments ``j`` (ties: lowest)."""
        d = shapely.distance(self.geoms[j], pts[i])
        order = np.lexsort((j, d, i))
        i, j, d = i[order], j[order], d[order]
        first = np.flatnonzero(np.r_[True, i[1:] != i[:-1]])
        best = np.empty(len(pts), np.int64)
        dist = np.empty(len(pts))
        best[i[first]], dist[i[first]] = j[first], d[first]
        geoms = self.geoms[best]
        frac = shapely.line_locate_point(geoms, pts, normalized=True)
        on = shapely.get_coordinates(shapely.line_interpolate_point(geoms, frac,
                                                                    normalized=True))
        ll = self.projection.to_lonlat(on)
        return Snaps(arc=self.arcs[best], fraction=frac, lon=ll[:, 0], lat=ll[:, 1],
                     distance_m=dist, usable=usable)
