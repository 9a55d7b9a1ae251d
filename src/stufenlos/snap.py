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
        self.tree = shapely.STRtree(self.geoms)
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
        return dist

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
        (pt,) = self._points([(lon, lat)])
        cand_any, dist_any = self.tree.query_nearest(pt, return_distance=True)
        if not self.main[cand_any].any():
            # the nearest way is on a small piece that nothing connects to the rest
            # (a platform mapped alone, a courtyard): prefer a way of a main part
            # when it is not much farther
            near = self.tree.query(pt, predicate="dwithin",
                                   distance=float(dist_any[0]) + CONNECTED_DETOUR_M)
            near = near[self.main[near]]
            if near.size:
                ok = near[usable[self.arcs[near]]]
                return self._make(pt, ok, True) if ok.size else self._make(pt, near, False)
        if usable[self.arcs[cand_any]].any():
            return self._make(pt, cand_any[usable[self.arcs[cand_any]]], True)
        reach = min(float(dist_any[0]) + SNAP_DETOUR_M, MAX_SNAP_M)
        cand = self.tree.query(pt, predicate="dwithin", distance=reach)
        ok = cand[usable[self.arcs[cand]]]
        if ok.size:
            return self._make(pt, ok, True)
        return self._make(pt, cand_any, False)

    def nearest_in_part(self, lat: float, lon: float, node: int) -> Snap | None:
        """The point nearest to (lat, lon) on a way of the part that ``node`` belongs to."""
        (pt,) = self._points([(lon, lat)])
        same = np.flatnonzero(self.component[self.network.u[self.arcs]]
                              == self.component[node])
        if same.size == 0:
            return None
        return self._make(pt, same, True)

    def _make(self, pt: shapely.Point, cand: NDArray[np.int64], usable: bool) -> Snap:
        dist = shapely.distance(self.geoms[cand], pt)
        best = int(cand[int(np.argmin(dist))])
        geom = self.geoms[best]
        frac = float(shapely.line_locate_point(geom, pt, normalized=True))
        on = shapely.line_interpolate_point(geom, frac, normalized=True)
        lon, lat = self.projection.to_lonlat([[on.x, on.y]])[0]
        return Snap(arc=int(self.arcs[best]), fraction=frac, lon=float(lon), lat=float(lat),
                    distance_m=float(np.min(dist)), usable=usable)
