"""How an accepted report changes routing: the one seam between reports and routing.

:func:`affected_edges` finds the network arcs a report is about (the nearest
way to its location, both directions); :func:`apply_effect` and
:func:`lift_effect` register and remove the matching routing override. The
closures live in each city's :class:`~stufenlos.overrides.Overrides` file, which
the router reads before every query.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from stufenlos.overrides import Overrides

__all__ = [
    "EdgeFinder",
    "affected_edges",
    "apply_effect",
    "lift_effect",
    "nearest_arcs",
    "override_key",
    "overrides_for",
    "overrides_path",
    "reports_closing",
]

logger = logging.getLogger(__name__)

#: callable(city, lat, lon, equipment) -> edge indices; replaceable (e.g. in tests)
EdgeFinder = Callable[[str | None, float | None, float | None, str | None], list[int]]
#: reports farther than this from any way affect no edge
MAX_SNAP_M = 50.0


def override_key(report_id: int) -> str:
    """The id of the routing override that a report creates."""
    return f"report:{report_id}"


def affected_edges(
    city: str | None, lat: float | None, lon: float | None, equipment: str | None = None
) -> list[int]:
    """Arcs of ``city``'s network nearest to (lat, lon): the arc and its reverse.

    With ``equipment`` (``elevator`` or ``escalator``) only arcs of that kind
    are candidates. Empty when the city is unknown or not imported, the report
    has no coordinates, or nothing lies within :data:`MAX_SNAP_M`.
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
    return nearest_arcs(network, lat, lon, equipment=equipment)


def nearest_arcs(network: Any, lat: float, lon: float, *,
                 equipment: str | None = None) -> list[int]:
    """Indices of the arc nearest to (lat, lon) and of its reverse arc."""
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
    if equipment in ("elevator", "escalator"):
        # Close every arc of that elevator or escalator (all levels): those of its way,
        # or for an elevator mapped as a node, the links between that node's copies.
        column, ref = ("osm_way_id", way) if not _isna(way) else (
            "osm_node_u", edges["osm_node_u"].iloc[best])
        if not _isna(ref):
            same = (edges[column] == ref).fillna(False).to_numpy(bool)
            out.update(int(a) for a in np.intersect1d(np.flatnonzero(same), candidates))
    pairs = edges["pair"].to_numpy()
    out.update(int(pairs[a]) for a in list(out) if pairs[a] >= 0)
    return sorted(out)


def _isna(value: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


#: each call opens the city's overrides file afresh; this serialises the
#: read-modify-write cycles of concurrent moderation requests in one process
_FILE_LOCK = threading.Lock()


def overrides_path(city: str) -> Path:
    """The file holding ``city``'s live routing closures (shared by API, CLI and router)."""
    from stufenlos.city import overrides_path as city_overrides_path

    return city_overrides_path(city)


def overrides_for(city: str) -> Overrides:
    """The :class:`~stufenlos.overrides.Overrides` store of ``city``."""
    return Overrides(overrides_path(city))


def _reason_prefix(report_id: int) -> str:
    return f"{override_key(report_id)} "


def apply_effect(
    *,
    report_id: int,
    city: str | None,
    edge_ids: list[int],
    expires_at: dt.datetime | None,
    reason: str,
) -> bool:
    """Close ``edge_ids`` of ``city`` for routing until lifted or ``expires_at``.

    Each arc becomes one ``arc`` closure whose reason starts with
    ``report:<id>`` so that a route crossing it can name the report.
    Idempotent: closures of the report that are already there are replaced.
    Returns whether closures were registered.
    """
    if city is None or not edge_ids:
        return False
    with _FILE_LOCK:
        store = overrides_for(city)
        _remove(store, report_id)
        for arc in edge_ids:
            store.close("arc", int(arc), until=expires_at,
                        reason=f"{_reason_prefix(report_id)}{reason}")
    logger.info("report %d closes %d arcs in %s", report_id, len(edge_ids), city)
    return True


def lift_effect(*, report_id: int, city: str | None) -> bool:
    """Remove the routing closures of a report; returns whether any were removed."""
    if city is None:
        return False
    path = overrides_path(city)
    if not path.exists():
        return False
    with _FILE_LOCK:
        removed = _remove(Overrides(path), report_id)
    if removed:
        logger.info("report %d no longer closes arcs in %s", report_id, city)
    return removed > 0


def _remove(store: Overrides, report_id: int) -> int:
    prefix = _reason_prefix(report_id)
    mine = [o.id for o in store.active() if o.reason.startswith(prefix)]
    for oid in mine:
        store.reopen(oid)
    return len(mine)


def reports_closing(city: str, arcs: Any) -> list[dict[str, Any]]:
    """The reports whose closures cover any of ``arcs`` in ``city``.

    For route responses: pass the arcs a route would have used without
    closures to name the reports that made it change. Each entry has
    ``report_id``, ``reason`` and ``url`` (the report's public page).
    """
    path = overrides_path(city)
    if not path.exists():
        return []
    wanted = {str(int(a)) for a in arcs}
    found: dict[int, dict[str, Any]] = {}
    for o in Overrides(path).active():
        if o.kind != "arc" or o.ref not in wanted or not o.reason.startswith("report:"):
            continue
        head, _, reason = o.reason.partition(" ")
        rid = head.removeprefix("report:")
        if rid.isdigit():
            found.setdefault(int(rid), {"report_id": int(rid), "reason": reason,
                                        "url": f"/reports/{rid}"})
    return [found[k] for k in sorted(found)]
