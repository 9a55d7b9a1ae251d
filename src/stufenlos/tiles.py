"""Mapbox Vector Tiles of an imported city, drawn from its network, barriers and basemap.

The web map needs a basemap that works offline. The bundled extracts are small
(hundreds to tens of thousands of way segments), so tiles are cut on request
from in-memory layers and cached: ``ways`` (every walkable way segment with
its class and name, which the style also writes along the line),
``barriers`` (every barrier record with its kind) and, from the basemap the
import stored (:mod:`stufenlos.ingest.basemap`), ``water`` (areas),
``waterways`` (rivers and streams as lines), ``buildings``, ``green`` (parks,
grass, woods) and ``pois`` (named points of interest with their kind). The
encoding is done by the ``mapbox-vector-tile`` package.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import mapbox_vector_tile
import numpy as np
import shapely
from numpy.typing import NDArray

if TYPE_CHECKING:
    from stufenlos.city import City

__all__ = ["BASEMAP_LAYERS", "MAX_ZOOM", "MIN_ZOOM", "CityTiles", "tile_bounds"]

#: tiles are served from MIN_ZOOM (coarser requests get an empty tile) to MAX_ZOOM
MIN_ZOOM = 13
MAX_ZOOM = 18
EXTENT = 4096
_R = 6378137.0
#: tile layer -> the basemap layer it is drawn from, drawn below the ways in this order
BASEMAP_LAYERS = {"green": "green", "water": "water", "waterways": "waterway",
                  "buildings": "building", "pois": "poi"}


def _merc(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    lon, lat = xy[:, 0], np.clip(xy[:, 1], -85.05112878, 85.05112878)
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
    return np.column_stack([np.radians(lon) * _R, y * _R])


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Web-Mercator bounds (metres) of tile ``z/x/y``."""
    size = 2 * math.pi * _R / (1 << z)
    minx = -math.pi * _R + x * size
    maxy = math.pi * _R - y * size
    return minx, maxy - size, minx + size, maxy


def _way_class(highway: str | None, footway: str | None, steps: bool, elevator: bool,
               area: bool) -> str:
    if elevator:
        return "elevator"
    if steps:
        return "steps"
    if footway in ("crossing",):
        return "crossing"
    if footway in ("sidewalk",):
        return "sidewalk"
    if highway in ("pedestrian", "living_street") or area:
        return "pedestrian"
    if highway in ("footway", "path", "corridor", "cycleway", "bridleway", "track"):
        return "footway"
    return "road"


class CityTiles:
    """Vector tiles of one city (built lazily, cached per tile)."""

    def __init__(self, city: City, *, cache_size: int = 512) -> None:
        net = city.network
        e = net.edges
        keep = net.forward_arcs()  # one arc per way segment
        keep = keep[~e["area_link"].to_numpy(bool)[keep]]  # a square is drawn by its outline
        wkb = e["geometry"].to_numpy()[keep]
        geoms = shapely.from_wkb(wkb)
        missing = shapely.is_missing(geoms)
        if missing.any():
            lonlat = net.node_lonlat
            a, b = lonlat[net.u[keep[missing]]], lonlat[net.v[keep[missing]]]
            geoms[missing] = shapely.linestrings(np.stack([a, b], axis=1))
        self.ways = shapely.transform(geoms, _merc)
        col = e.iloc[keep]
        hw = col["highway"].astype(object).to_numpy()
        fw = col["footway"].astype(object).to_numpy()
        st = col["steps"].fillna(False).to_numpy(bool)
        el = col["elevator"].fillna(False).to_numpy(bool)
        ar = col["area"].fillna(False).to_numpy(bool)
        names = col["name"].astype(object).to_numpy()
        self.way_props: list[dict[str, Any]] = []
        for i in range(len(keep)):
            props: dict[str, Any] = {"class": _way_class(
                hw[i] if isinstance(hw[i], str) else None,
                fw[i] if isinstance(fw[i], str) else None, bool(st[i]), bool(el[i]),
                bool(ar[i]))}
            if isinstance(names[i], str):
                props["name"] = names[i]
            self.way_props.append(props)
        self.way_tree = shapely.STRtree(self.ways)

        from stufenlos.barriers import BarrierStore
        from stufenlos.ingest.basemap import city_basemap

        recs = BarrierStore(city.database_path).query()
        pts = np.array([[r["lon"], r["lat"]] for r in recs], np.float64).reshape(-1, 2)
        self.barriers = shapely.points(_merc(pts)) if len(recs) else np.empty(0, object)
        self.barrier_props = [{"id": r["id"], "kind": r["kind"]} for r in recs]
        self.barrier_tree = shapely.STRtree(self.barriers)
        #: name -> (geometries in Web Mercator, properties, index), basemap layers first
        self.layers: dict[str, tuple[Any, list[dict[str, Any]], shapely.STRtree]] = {}
        base = city_basemap(city)
        for name, layer in BASEMAP_LAYERS.items():
            rows = base[base["layer"] == layer]
            geoms = shapely.transform(shapely.from_wkb(rows["geometry"].to_numpy()), _merc)
            props = [{"kind": k, **({"name": n} if isinstance(n, str) else {})}
                     for k, n in zip(rows["kind"], rows["name"], strict=True)]
            self.layers[name] = (geoms, props, shapely.STRtree(geoms))
        self.layers["ways"] = (self.ways, self.way_props, self.way_tree)
        self.layers["barriers"] = (self.barriers, self.barrier_props, self.barrier_tree)
        self._cache: OrderedDict[tuple[int, int, int], bytes] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def tile(self, z: int, x: int, y: int) -> bytes:
        """The encoded tile ``z/x/y`` (empty below :data:`MIN_ZOOM`)."""
        key = (z, x, y)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        data = self._encode(z, x, y)
        with self._lock:
            self._cache[key] = data
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return data

    def _encode(self, z: int, x: int, y: int) -> bytes:
        bounds = tile_bounds(z, x, y)
        layers: list[dict[str, Any]] = []
        if z >= MIN_ZOOM:
            size = bounds[2] - bounds[0]
            pad = size * 64 / EXTENT
            box = (bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad)
            query = shapely.box(*box)
            scale = EXTENT / size

            def to_tile(g: Any) -> Any:
                # tile coordinates (0..EXTENT, y up) here rather than the encoder's
                # quantize_bounds, which goes through the deprecated shapely.ops.transform
                return shapely.transform(
                    g, lambda c: (c - np.array([bounds[0], bounds[1]])) * scale)

            for name, (geoms, props, tree) in self.layers.items():
                hits = tree.query(query, predicate="intersects")
                if not hits.size and name not in ("ways", "barriers"):
                    continue
                clipped = shapely.simplify(
                    to_tile(shapely.clip_by_rect(geoms[hits], *box)), 1.0)
                layers.append({"name": name, "features": [
                    {"geometry": g, "properties": props[i]}
                    for i, g in zip(hits, clipped, strict=True) if not g.is_empty]})
        return mapbox_vector_tile.encode(
            layers, default_options={"extents": EXTENT, "y_coord_down": False})
