"""How an accepted report changes routing: the one seam between reports and closures.

:func:`closure_targets` finds what a report is about on a city's network — the
segment of the nearest way, or the whole elevator nearest to a broken-elevator
report — and names it by ids that survive a re-import (see
:mod:`stufenlos.closures`). The report service writes those closures in the same
transaction as the report's status change and removes them with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from stufenlos.closures import segment_keys

__all__ = ["MAX_SNAP_M", "TargetFinder", "closure_targets", "nearest_arcs", "targets_in"]

logger = logging.getLogger(__name__)

#: callable(city, lat, lon, equipment) -> closure targets; replaceable (e.g. in tests)
TargetFinder = Callable[[str | None, float | None, float | None, str | None],
                        list[dict[str, Any]]]
#: reports farther than this from any way affect no edge
MAX_SNAP_M = 50.0


def closure_targets(city: str | None, lat: float | None, lon: float | None,
                    equipment: str | None = None) -> list[dict[str, Any]]:
    """What a report at (lat, lon) in ``city`` closes, as closure fields.

    Empty when the city is unknown or not imported, the report has no
    coordinates, or nothing lies within :data:`MAX_SNAP_M`.
    """
    if city is None or lat is None or lon is None:
        return []
    from stufenlos.errors import StufenlosError
    from stufenlos.registry import get_city

    try:
        network = get_city(city).network
    except (StufenlosError, OSError) as exc:
        logger.info("no network for %s, report closes nothing: %s", city, exc)
        return []
    return targets_in(network, lat, lon, equipment=equipment)


def targets_in(network: Any, lat: float, lon: float, *,
               equipment: str | None = None) -> list[dict[str, Any]]:
    """Closure fields for a report at (lat, lon) on ``network``.

    A broken elevator or escalator closes that piece of equipment on every
    level, by its OSM way id (or node id, for an elevator mapped as a node);
    anything else closes the segment of the nearest way.
    """
    arcs = nearest_arcs(network, lat, lon, equipment=equipment)
    if not arcs:
        return []
    if equipment in ("elevator", "escalator"):
        edges = network.edges
        first = arcs[0]
        way = edges["osm_way_id"].iloc[first]
        if equipment == "elevator":
            ref = way if not pd.isna(way) else edges["osm_node_u"].iloc[first]
            if not pd.isna(ref):
                return [{"kind": "elevator", "ref": str(int(ref))}]
        elif not pd.isna(way):
            return [{"kind": "way", "ref": str(int(way)), "osm_way_id": int(way)}]
    return [{"kind": "segment", **k} for k in segment_keys(network, arcs)]


def nearest_arcs(network: Any, lat: float, lon: float, *,
                 equipment: str | None = None) -> list[int]:
    """Indices of the arc nearest to (lat, lon) and of its reverse arc.

    With ``equipment`` (``elevator`` or ``escalator``) only arcs of that kind
    are candidates, and every arc of the same elevator or escalator is included.
    """
    edges = network.edges
    if len(edges) == 0:
        return []
    candidates = None
    if equipment in ("elevator", "escalator"):
        candidates = np.flatnonzero(edges[equipment].fillna(False).to_numpy(bool))
        if candidates.size == 0:
            return []
    (best,), _ = network.snapper.nearest([(lon, lat)], max_distance_m=MAX_SNAP_M,
                                         among=candidates)
    if best < 0:
        return []
    out = {int(best)}
    way = edges["osm_way_id"].iloc[best]
    if candidates is not None:
        # every arc of that elevator or escalator (all levels): those of its way,
        # or for an elevator mapped as a node, the links between that node's copies
        column, ref = ("osm_way_id", way) if not pd.isna(way) else (
            "osm_node_u", edges["osm_node_u"].iloc[best])
        if not pd.isna(ref):
            same = (edges[column] == ref).fillna(False).to_numpy(bool)
            out.update(int(a) for a in np.intersect1d(np.flatnonzero(same), candidates))
    pairs = edges["pair"].to_numpy()
    out.update(int(pairs[a]) for a in list(out) if pairs[a] >= 0)
    return sorted(out)
