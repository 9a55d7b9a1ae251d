"""How an accepted report changes routing: the one seam between reports and routing.

:func:`affected_edges` finds the network arcs a report is about (the nearest
way to its location, both directions); :func:`apply_effect` and
:func:`lift_effect` register and remove the matching routing override. The
override registry lives in :mod:`stufenlos.overrides`; where it is not
available the effect is recorded on the report only (its ``edge_ids``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "EdgeFinder",
    "affected_edges",
    "apply_effect",
    "lift_effect",
    "override_key",
]

logger = logging.getLogger(__name__)

#: callable(city, lat, lon) -> list of edge indices; replaceable for cities without a network
EdgeFinder = Callable[[str, float, float], list[int]]
#: reports farther than this from any way affect no edge
MAX_SNAP_M = 50.0


def override_key(report_id: int) -> str:
    """The id of the routing override that a report creates."""
    return f"report:{report_id}"


def affected_edges(city: str | None, lat: float | None, lon: float | None) -> list[int]:
    """Arcs of ``city``'s network nearest to (lat, lon): the arc and its reverse.

    Empty when the city is unknown or not imported, the report has no
    coordinates, or no way lies within :data:`MAX_SNAP_M`.
    """
    if city is None or lat is None or lon is None:
        return []
    from stufenlos.city import load_city
    from stufenlos.errors import StufenlosError

    try:
        network = load_city(city).network
    except (StufenlosError, OSError) as exc:
        logger.info("no network for %s, report affects no edge: %s", city, exc)
        return []
    return nearest_arcs(network, lat, lon)


def nearest_arcs(network: Any, lat: float, lon: float) -> list[int]:
    """Indices of the arc nearest to (lat, lon) and of its reverse arc."""
    import shapely

    edges = network.edges
    if len(edges) == 0:
        return []
    tree = _tree(network)
    # Metres per degree around the point: good enough for snapping within tens of metres.
    kx = 111_320.0 * np.cos(np.radians(lat))
    ky = 110_540.0
    point = shapely.Point(lon, lat)
    idx = tree.query_nearest(point, max_distance=MAX_SNAP_M / ky * 2, all_matches=False)
    if len(idx) == 0:
        return []
    best = int(idx[0])
    geom = tree.geometries[best]
    nearest = shapely.ops.nearest_points(geom, point)[0]
    dist_m = float(np.hypot((nearest.x - lon) * kx, (nearest.y - lat) * ky))
    if dist_m > MAX_SNAP_M:
        return []
    out = [best]
    pair = int(edges["pair"].iloc[best])
    if pair >= 0:
        out.append(pair)
    return sorted(out)


_TREES: dict[int, Any] = {}


def _tree(network: Any) -> Any:
    import shapely

    key = id(network)
    tree = _TREES.get(key)
    if tree is None:
        geoms = shapely.from_wkb(network.edges["geometry"].to_numpy())
        tree = shapely.STRtree(geoms)
        _TREES[key] = tree
    return tree


def _overrides() -> Any | None:
    try:
        return importlib.import_module("stufenlos.overrides")
    except ImportError:
        return None


def apply_effect(
    *,
    report_id: int,
    city: str | None,
    edge_ids: list[int],
    expires_at: dt.datetime | None,
    reason: str,
) -> bool:
    """Close ``edge_ids`` of ``city`` for step-free routing until lifted or ``expires_at``.

    Returns whether a routing override was registered.
    """
    mod = _overrides()
    if mod is None or city is None or not edge_ids:
        return False
    register = getattr(mod, "add_report_override", None)
    if register is None:
        return False
    register(
        key=override_key(report_id),
        city=city,
        edge_ids=edge_ids,
        expires_at=expires_at,
        reason=reason,
    )
    return True


def lift_effect(*, report_id: int, city: str | None) -> bool:
    """Remove the routing override of a report, if any; returns whether one was removed."""
    mod = _overrides()
    if mod is None or city is None:
        return False
    remove = getattr(mod, "remove_report_override", None)
    if remove is None:
        return False
    return bool(remove(key=override_key(report_id), city=city))
