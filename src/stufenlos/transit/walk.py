"""Walking legs: the :class:`Walker` protocol and its straight-line and router versions.

:class:`CrowFlyWalker` estimates walks from the straight-line distance until a
street network is attached; :class:`RouterWalker` asks the routing engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from stufenlos.geo import haversine_m

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from stufenlos.profiles import Profile
    from stufenlos.routing import Router
    from stufenlos.transit.profile import TransitProfile

__all__ = ["CrowFlyWalker", "RouterWalker", "Walker", "pair_walk_seconds"]

#: starts per many-to-many query of :meth:`RouterWalker.pair_seconds`
PAIR_BLOCK = 256


class Walker(Protocol):
    """Walking times between a point and many points for a profile."""

    def walk_seconds(
        self, lon: float, lat: float, lons: NDArray[np.float64], lats: NDArray[np.float64],
        profile: TransitProfile, *, to_point: bool = False,
    ) -> NDArray[np.float64]:
        """Seconds from (lon, lat) to each point (or back if ``to_point``); inf = no way."""
        ...


@dataclass(frozen=True)
class CrowFlyWalker:
    """Walking time from the straight-line distance times a detour factor."""

    detour_factor: float = 1.3

    def walk_seconds(
        self, lon: float, lat: float, lons: NDArray[np.float64], lats: NDArray[np.float64],
        profile: TransitProfile, *, to_point: bool = False,
    ) -> NDArray[np.float64]:
        """Seconds from (lon, lat) to each point; the same both ways."""
        d = haversine_m(lon, lat, lons, lats) * self.detour_factor
        return d / profile.speed_mps


class RouterWalker:
    """Walking times from the routing engine, with the person's walking profile.

    Costs come from :meth:`stufenlos.routing.Router.matrix` (contraction
    hierarchy, so one origin to hundreds of stops takes well under a
    millisecond); pairs whose best route breaks a hard limit of the profile
    count as not walkable. The gap between a point and its snapped node is
    added at the profile's speed.
    """

    def __init__(self, router: Router) -> None:
        self.router = router
        self._nodes: dict[tuple[Any, float, float], int] = {}

    def _snap(self, walk: Profile, lons: NDArray[np.float64],
              lats: NDArray[np.float64]) -> NDArray[np.int64]:
        """Nearest usable node of each point, remembered per point (stops repeat)."""
        pk = walk.key()
        keys = [(pk, float(x), float(y)) for x, y in zip(lons, lats, strict=True)]
        todo = [i for i, k in enumerate(keys) if k not in self._nodes]
        if todo:
            w = self.router.weights(walk)
            found = self.router.nearest_nodes([(float(lats[i]), float(lons[i])) for i in todo],
                                              w)
            if len(self._nodes) > 100_000:
                self._nodes.clear()
            self._nodes.update({keys[i]: int(n) for i, n in zip(todo, found, strict=True)})
        return np.array([self._nodes[k] for k in keys], np.int64)

    def _seconds(self, m: Any) -> NDArray[np.float64]:
        cost = np.asarray(m.cost_s, np.float64)
        return np.where(np.isnan(cost) | m.limits_broken, np.inf, cost)

    def walk_seconds(
        self, lon: float, lat: float, lons: NDArray[np.float64], lats: NDArray[np.float64],
        profile: TransitProfile, *, to_point: bool = False,
    ) -> NDArray[np.float64]:
        """Seconds from (lon, lat) to each point, or from each point to it (``to_point``)."""
        walk = profile.walking()
        if len(lons) == 0:
            return np.zeros(0)
        nodes = self._snap(walk, np.asarray(lons), np.asarray(lats))
        if to_point:
            m = self.router.matrix(nodes, [(lat, lon)], profile=walk)
            t = self._seconds(m)[:, 0]
        else:
            m = self.router.matrix([(lat, lon)], nodes, profile=walk)
            t = self._seconds(m)[0]
        ll = self.router.network.node_lonlat[nodes]
        gap = haversine_m(ll[:, 0], ll[:, 1], np.asarray(lons), np.asarray(lats))
        return t + gap / profile.speed_mps

    def pair_seconds(
        self, lons: NDArray[np.float64], lats: NDArray[np.float64], a: NDArray[np.int64],
        b: NDArray[np.int64], profile: TransitProfile,
    ) -> NDArray[np.float64]:
        """Seconds from point ``a[i]`` to point ``b[i]``.

        Many-to-many queries from blocks of :data:`PAIR_BLOCK` starts close to each
        other to only their own ends: one square matrix of every point used grew
        with the square of a city's stops.
        """
        walk = profile.walking()
        nodes = self._snap(walk, lons, lats)
        a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
        starts = np.unique(a)
        # starts in ~1 km cells, row by row, so that a block's ends lie close together
        cell_lat, cell_lon = np.floor(lats[starts] / 0.01), np.floor(lons[starts] / 0.01)
        starts = starts[np.lexsort((lons[starts], cell_lon, cell_lat))]
        block = np.empty(len(lons), np.int64)
        block[starts] = np.arange(len(starts)) // PAIR_BLOCK
        pair_block = block[a]
        t = np.empty(len(a))
        for k in range(int(pair_block.max()) + 1 if len(a) else 0):
            sel = np.flatnonzero(pair_block == k)
            src, dst = np.unique(a[sel]), np.unique(b[sel])
            m = self.router.matrix(nodes[src], nodes[dst], profile=walk)
            t[sel] = self._seconds(m)[np.searchsorted(src, a[sel]), np.searchsorted(dst, b[sel])]
        ll = self.router.network.node_lonlat[nodes]
        gap = (haversine_m(ll[a, 0], ll[a, 1], lons[a], lats[a])
               + haversine_m(ll[b, 0], ll[b, 1], lons[b], lats[b]))
        return t + gap / profile.speed_mps


def pair_walk_seconds(
    walker: Walker, lon: NDArray[np.float64], lat: NDArray[np.float64],
    a: NDArray[np.int64], b: NDArray[np.int64], profile: TransitProfile,
) -> NDArray[np.float64]:
    """Walking seconds from point ``a[i]`` to point ``b[i]`` for every ``i``.

    Parameters
    ----------
    walker
        Gives the walking times; a :class:`RouterWalker` answers all pairs in one
        many-to-many query, other walkers get one call per distinct ``a``.
    lon, lat
        Coordinates of all points.
    a, b
        Indices into ``lon``/``lat`` of the pairs' start and end.
    profile
        Who walks.

    Returns
    -------
    numpy.ndarray
        Seconds per pair; ``inf`` where there is no way.
    """
    if isinstance(walker, CrowFlyWalker):
        return haversine_m(lon[a], lat[a], lon[b], lat[b]) * walker.detour_factor / (
            profile.speed_mps)
    if isinstance(walker, RouterWalker):
        return walker.pair_seconds(lon, lat, a, b, profile)
    out = np.full(len(a), np.inf)
    for src in np.unique(a):
        sel = np.flatnonzero(a == src)
        out[sel] = walker.walk_seconds(lon[src], lat[src], lon[b[sel]], lat[b[sel]], profile)
    return out

