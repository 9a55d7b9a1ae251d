"""What the report and participation forms draw and list for a city: an SVG drawing of
its footpaths and a point on each named street.

Both pages place things without a map library: the drawing is plain SVG paths (the
map is an extra for pointer users), the street list lets anyone choose a place by
keyboard.
"""

from __future__ import annotations

import math
from typing import Any

from stufenlos.errors import StufenlosError
from stufenlos.places import street_places
from stufenlos.registry import get_city

__all__ = ["MAP_WIDTH", "MAX_MAP_PATHS", "map_base", "street_points"]

#: width of the drawing in SVG units
MAP_WIDTH = 800
#: most footpaths drawn (the page stays small)
MAX_MAP_PATHS = 6000


def street_points(city: str) -> dict[str, tuple[float, float]]:
    """Street name -> a point on the street (lat, lon), alphabetically: a form's list.

    The same points place a report or contribution whose address names a street
    (:func:`stufenlos.places.street_places`). Empty when the city is not imported.
    """
    try:
        c = get_city(city)
    except (StufenlosError, OSError):
        return {}
    return {p.name: (round(p.lat, 7), round(p.lon, 7))
            for p in sorted(street_places(c), key=lambda p: p.name.casefold())}


def map_base(city: str) -> dict[str, Any] | None:
    """SVG paths of a city's footpaths and the projection that drew them.

    Returns
    -------
    dict or None
        ``paths`` (SVG path data), ``width``, ``height`` and the projection
        (``minx``, ``maxy``, ``kx``, ``scale``: ``x = (lon - minx) * kx * scale``,
        ``y = (maxy - lat) * scale``); None when the city is not imported or has no
        footpaths.
    """
    try:
        c = get_city(city)
    except (StufenlosError, OSError):
        return None
    return c.memo("map_base", lambda: _draw(c.network))


def _draw(network: Any) -> dict[str, Any] | None:
    import shapely

    edges = network.edges
    if edges.empty:
        return None
    keep = network.forward_arcs()[:MAX_MAP_PATHS]
    geoms = shapely.from_wkb(edges["geometry"].to_numpy()[keep])
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = MAP_WIDTH / max((maxx - minx) * kx, 1e-9)
    height = max(1, round((maxy - miny) * scale))
    paths = []
    for g in geoms:
        pts = [f"{(x - minx) * kx * scale:.1f},{(maxy - y) * scale:.1f}"
               for x, y in shapely.get_coordinates(g)]
        if len(pts) > 1:
            paths.append("M" + " L".join(pts))
    return {"minx": minx, "maxy": maxy, "kx": kx, "scale": scale, "width": MAP_WIDTH,
            "height": height, "paths": paths}
