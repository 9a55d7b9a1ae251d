"""Walking across pedestrian areas: squares, plazas and footway areas.

A square mapped as a closed way (``highway=pedestrian`` + ``area=yes``) is, to the
network builder, only its outline, so routes would walk round its edge. As
OpenTripPlanner's walkable-area builder does, this module adds straight links
*across* such an area (a visibility graph):

* every vertex of the area's outline becomes a graph node (up to
  :data:`MAX_AREA_NODES` per area), so the outline is a chain of straight pieces;
* links join the *visibility points*: the outline nodes where other ways meet
  the area (entries) and its reflex corners (interior angle above 180°, the only
  places where a shortest walk inside a polygon bends);
* a link is kept only where the straight line lies inside the area, does not
  cross a ``highway=steps`` way or a road mapped across the area, and keeps
  :data:`BARRIER_CLEARANCE_M` away from barrier nodes (bollards, blocks ...) mapped
  inside it.

Links carry the area's own tags (surface, smoothness, incline, wheelchair ...)
like its outline; kerbs and barriers at their end nodes apply as on any arc.
Links between two neighbouring outline nodes are left out (the outline itself is
that straight piece), so the OSM way id and the two end nodes name every arc pair
of an area uniquely, which is what :mod:`stufenlos.closures.keys` relies on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray

from stufenlos.geo import LocalProjection
from stufenlos.ingest.raw import RawOsm, RawWay
from stufenlos.ingest.walkability import ROAD_HIGHWAYS

__all__ = ["AREA_HIGHWAYS", "MAX_AREA_NODES", "area_links", "area_split_nodes", "is_walkable_area"]

#: highway values of closed ``area=yes`` ways that are walked across
AREA_HIGHWAYS = frozenset({"pedestrian", "footway", "path"})
#: at most this many outline vertices of one area become graph nodes (OpenTripPlanner's
#: ``maxAreaNodes`` default); larger outlines keep their entries, reflex corners first
MAX_AREA_NODES = 150
#: links keep this far from a barrier node mapped inside an area (metres)
BARRIER_CLEARANCE_M = 0.5
#: an outline vertex turning by less than this (sine of the angle) counts as straight
_STRAIGHT = 0.02


def is_walkable_area(way: RawWay) -> bool:
    """Whether ``way`` is a closed walkable area (square, plaza) to be walked across."""
    return bool(way.area) and way.tags.get("highway") in AREA_HIGHWAYS and len(way.nodes) >= 4


def _reflex_sine(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per vertex of an open ring (last != first): the sine of its turn, positive where
    the corner is reflex (points into the area), whatever the ring's orientation."""
    prev = xy - np.roll(xy, 1, axis=0)
    nxt = np.roll(xy, -1, axis=0) - xy
    cross = prev[:, 0] * nxt[:, 1] - prev[:, 1] * nxt[:, 0]
    norm = np.hypot(*prev.T) * np.hypot(*nxt.T)
    sine = np.divide(cross, norm, out=np.zeros_like(cross), where=norm > 0)
    x, y = xy[:, 0], xy[:, 1]
    orientation = np.sign(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))  # + = ccw
    return -sine * (orientation or 1.0)


def _outline_nodes(way: RawWay, entries: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Which vertices of an area's open ring become graph nodes: all of them, or for
    outlines above :data:`MAX_AREA_NODES` the entries and the sharpest reflex corners."""
    n = len(way.nodes) - 1
    if n <= MAX_AREA_NODES:
        return np.ones(n, bool)
    xy = LocalProjection.around(way.coords).to_xy(way.coords[:-1])
    sine = _reflex_sine(xy)
    keep = entries.copy()
    room = max(MAX_AREA_NODES - int(keep.sum()), 0)
    reflex = np.flatnonzero((sine > _STRAIGHT) & ~keep)
    keep[reflex[np.argsort(-sine[reflex])[:room]]] = True
    return keep


def _entries(ways: Sequence[RawWay]) -> dict[int, NDArray[np.bool_]]:
    """Per walkable area (by index in ``ways``): which ring vertices other ways share."""
    areas = [k for k, w in enumerate(ways) if is_walkable_area(w)]
    if not areas:
        return {}
    # each way's nodes once (a ring without its closing node), so that a count above
    # one means "shared with another way"
    ids, counts = np.unique(np.concatenate(
        [w.nodes[:-1] if w.nodes[0] == w.nodes[-1] else w.nodes for w in ways]),
        return_counts=True)
    return {k: counts[np.searchsorted(ids, ways[k].nodes[:-1])] > 1 for k in areas}


def area_split_nodes(ways: Sequence[RawWay]) -> NDArray[np.int64]:
    """OSM node ids on walkable area outlines that must become graph nodes.

    Parameters
    ----------
    ways
        The walkable ways the network is built from.

    Returns
    -------
    numpy.ndarray
        Sorted unique node ids (int64); empty when there is no walkable area.
    """
    parts = [ways[k].nodes[:-1][_outline_nodes(ways[k], entry)]
             for k, entry in _entries(ways).items()]  # fmt: skip
    return np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)


def area_links(
    ways: Sequence[RawWay],
    raws: Sequence[RawOsm],
    graph_ids: NDArray[np.int64],
    node_xy: NDArray[np.float64],
) -> list[tuple[int, int, int]]:
    """Straight links across the walkable areas among ``ways``.

    Parameters
    ----------
    ways
        The walkable ways the network is built from (split with
        :func:`area_split_nodes`).
    raws
        The reader tables (for barrier nodes mapped inside areas).
    graph_ids
        Sorted OSM ids of the graph nodes; node ``i`` has id ``graph_ids[i]``.
    node_xy
        lon, lat of the graph nodes (rows beyond ``len(graph_ids)`` are ignored).

    Returns
    -------
    list of tuple
        ``(index of the area in ways, u, v)`` per link, ``u < v`` graph node indices.
    """
    entries = _entries(ways)
    if not entries:
        return []
    proj = LocalProjection.around(np.concatenate([ways[k].coords for k in entries]))
    blockers = [w.coords for w in ways
                if w.tags.get("highway") == "steps" or w.tags.get("highway") in ROAD_HIGHWAYS]
    tree = shapely.STRtree(shapely.linestrings(
        proj.to_xy(np.concatenate(blockers)),
        indices=np.repeat(np.arange(len(blockers)), [len(c) for c in blockers]),
    ) if blockers else [])
    barrier_ll = [raw.node_coords[n] for raw in raws
                  for n, t in raw.node_tags.items() if "barrier" in t and n in raw.node_coords]
    barriers = shapely.points(proj.to_xy(np.asarray(barrier_ll, np.float64).reshape(-1, 2)))
    # the rings of one multipolygon share its id: one area with holes
    groups: dict[int, list[int]] = {}
    for k in entries:
        groups.setdefault(ways[k].id, []).append(k)
    out: list[tuple[int, int, int]] = []
    for ks in groups.values():
        out.extend(_links_of([ways[k] for k in ks], ks[0], [entries[k] for k in ks],
                             proj, tree, barriers, graph_ids))
    return out


def _polygon(rings: list[RawWay], xy: list[NDArray[np.float64]]) -> shapely.Geometry:
    """The area the rings bound: the outer rings less the inner ones (holes)."""
    def union(parts: list[NDArray[np.float64]]) -> shapely.Geometry:
        return shapely.union_all(shapely.make_valid([shapely.Polygon(c) for c in parts]))

    outer = [c for w, c in zip(rings, xy, strict=True) if not w.inner]
    inner = [c for w, c in zip(rings, xy, strict=True) if w.inner]
    if not outer:
        return shapely.Polygon()
    area = union(outer) if len(outer) > 1 or inner or not shapely.Polygon(outer[0]).is_valid \
        else shapely.Polygon(outer[0])
    return shapely.difference(area, union(inner)) if inner else area


def _links_of(rings, k, entries, proj, tree, barriers, graph_ids):  # type: ignore[no-untyped-def]
    ring = np.concatenate([w.nodes[:-1] for w in rings])
    xys = [proj.to_xy(w.coords[:-1]) for w in rings]
    xy = np.concatenate(xys)
    # a hole's corners that stick into the area are reflex seen from the area
    sine = np.concatenate([-_reflex_sine(c) if w.inner else _reflex_sine(c)
                           for w, c in zip(rings, xys, strict=True)])
    entry = np.concatenate(entries)
    which = np.repeat(np.arange(len(rings)), [len(c) for c in xys])
    at = np.minimum(np.searchsorted(graph_ids, ring), len(graph_ids) - 1)
    is_node = graph_ids[at] == ring
    visible = is_node & (entry | (sine > _STRAIGHT))
    pts = np.flatnonzero(visible)
    if len(pts) < 2:
        return []
    area = _polygon(rings, xys)
    inside = barriers[shapely.contains_properly(area, barriers)] if len(barriers) else barriers
    if len(inside):
        area = shapely.difference(area, shapely.union_all(
            shapely.buffer(inside, BARRIER_CLEARANCE_M)))
    shapely.prepare(area)
    i, j = np.triu_indices(len(pts), k=1)
    a, b = pts[i], pts[j]
    # neighbours along the graph-node chain of a ring are the outline itself
    order = np.zeros(len(ring), np.int64)
    n_nodes = np.zeros(len(rings), np.int64)
    for r in range(len(rings)):
        mine = which == r
        order[mine] = np.cumsum(is_node[mine]) - 1
        n_nodes[r] = is_node[mine].sum()
    gap = np.abs(order[a] - order[b])
    same = which[a] == which[b]
    keep = ~(same & ((gap == 1) | (gap == n_nodes[which[a]] - 1))) & (ring[a] != ring[b])
    a, b = a[keep], b[keep]
    if not len(a):
        return []
    coords = np.empty((2 * len(a), 2))
    coords[0::2], coords[1::2] = xy[a], xy[b]
    lines = shapely.linestrings(coords, indices=np.repeat(np.arange(len(a)), 2))
    # a cheap point-in-polygon test of the midpoints first (most links of a concave
    # or holed area fail it), the full test of the line only for those that pass
    ok = shapely.covers(area, shapely.points((xy[a] + xy[b]) / 2))
    ok[ok] = shapely.covers(area, lines[ok])
    if len(tree):
        # any touch of a blocker's inside, crossing or running along it, except at an end
        line_i, block_i = tree.query(lines, predicate="intersects")
        inner = shapely.relate_pattern(lines[line_i], tree.geometries[block_i], "T********")
        ok[line_i[inner]] = False
    u, v = at[a[ok]], at[b[ok]]
    return [(k, int(min(x, y)), int(max(x, y))) for x, y in zip(u, v, strict=True)]
