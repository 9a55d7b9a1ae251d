"""The one place for distances and local projections on the sphere.

City-scale work (snapping, footpaths, catchments) measures in a local
equirectangular projection around a reference latitude: at the size of a
city its error is far below the precision of the mapped data, and it keeps
every computation a vectorised multiply. Distances between points that may
lie far apart use the haversine formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["EARTH_RADIUS_M", "LocalProjection", "haversine_m", "metres_per_degree"]

#: mean Earth radius (IUGG), metres
EARTH_RADIUS_M = 6_371_008.8
_M_PER_DEG = math.pi / 180 * EARTH_RADIUS_M


def haversine_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike,
                lat2: ArrayLike) -> NDArray[np.float64]:
    """Great-circle distance in metres between (lon1, lat1) and (lon2, lat2), vectorised."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, np.float64) - np.asarray(lon1, np.float64))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))),
                      np.float64)


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at latitude ``lat``."""
    return _M_PER_DEG * math.cos(math.radians(lat)), _M_PER_DEG


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular metres around (``lon0``, ``lat0``), for city-scale geometry."""

    lon0: float
    lat0: float

    @classmethod
    def around(cls, lonlat: ArrayLike) -> LocalProjection:
        """The projection centred on the mean of an (n, 2) array of lon/lat."""
        ll = np.asarray(lonlat, np.float64).reshape(-1, 2)
        lon0, lat0 = (float(x) for x in np.nanmean(ll, axis=0))
        return cls(lon0, lat0)

    @property
    def kx(self) -> float:
        """Metres per degree of longitude."""
        return metres_per_degree(self.lat0)[0]

    @property
    def ky(self) -> float:
        """Metres per degree of latitude."""
        return _M_PER_DEG

    def to_xy(self, lonlat: ArrayLike) -> NDArray[np.float64]:
        """(n, 2) lon/lat → (n, 2) metres east and north of the centre."""
        ll = np.asarray(lonlat, np.float64).reshape(-1, 2)
        return np.column_stack([(ll[:, 0] - self.lon0) * self.kx,
                                (ll[:, 1] - self.lat0) * self.ky])

    def to_lonlat(self, xy: ArrayLike) -> NDArray[np.float64]:
        """(n, 2) metres → (n, 2) lon/lat."""
        p = np.asarray(xy, np.float64).reshape(-1, 2)
        return np.column_stack([p[:, 0] / self.kx + self.lon0, p[:, 1] / self.ky + self.lat0])
