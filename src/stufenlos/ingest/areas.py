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
  inside it. Routes are not led round such obstacles: no points are added round
  them, so a walk whose straight line is blocked falls back to other links or the
  outline (points round barrier nodes and steps, once added, changed who reaches
  what far beyond the squares themselves);
* links that no shortest walk needs are left out: one through another visibility
  point (the two links to and from it are the same ground), and one between two
  reflex corners that is a tangent at neither (a shortest walk bends round a corner
  only along a tangent, so it serves only the walk from one corner to the other);
  an area keeps at most :data:`MAX_VISIBILITY_POINTS`.

A multipolygon ring with the same nodes as a way read on its own (a closed
``highway=pedestrian`` way that is also the relation's outer ring) is the same
outline twice: :func:`duplicate_rings` names it, and the network keeps the way's
segments and uses the ring only for the area's shape.

Links carry the area's own tags (surface, smoothness, incline, wheelchair ...)
like its outline; kerbs and barriers at their end nodes apply as on any arc.
Links between two neighbouring outline nodes are left out (the outline itself is
that straight piece), so the OSM way id (a relation's id for a multipolygon,
edge column ``osm_relation_id``) and the two end nodes name every arc pair of an
area uniquely, which is what :mod:`stufenlos.closures.keys` relies on. Each area
is measured in a projection centred on itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from stufenlos.geo import LocalProjection
from stufenlos.ingest.raw import RawOsm, RawWay
from stufenlos.ingest.walkability import ROAD_HIGHWAYS

__all__ = [
    "AREA_HIGHWAYS", "MAX_AREA_NODES", "area_links", "area_split_nodes",
    "duplicate_rings", "is_walkable_area",
]

#: highway values of closed ``area=yes`` ways that are walked across
AREA_HIGHWAYS = frozenset({"pedestrian", "footway", "path"})
#: at most this many outline vertices of one area become graph nodes (OpenTripPlanner's
#: ``maxAreaNodes`` default); larger outlines keep their entries, reflex corners first
MAX_AREA_NODES = 150
#: links keep this far from a barrier node mapped inside an area (metres)
BARRIER_CLEARANCE_M = 0.5
#: at most this many visibility points per area (the links grow with their square)
MAX_VISIBILITY_POINTS = 300
#: a link that comes this close to a corner of the boundary or to another visibility
#: point touches it (metres)
_TOUCH_M = 1e-3
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
    return -sine * _orientation(xy)


def _orientation(xy: NDArray[np.float64]) -> float:
    """+1 for an open ring running counter-clockwise, -1 clockwise."""
    x, y = xy[:, 0], xy[:, 1]
    return float(np.sign(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)) or 1.0)


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


def _twins(ways: Sequence[RawWay]) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Per way: whether it is a multipolygon ring with the same nodes as a way read on
    its own, and whether it is such a way (the ring's twin)."""
    ring = np.zeros(len(ways), bool)
    twin = np.zeros(len(ways), bool)
    rings = {}
    for k, w in enumerate(ways):
        if w.id < 0:
            rings.setdefault(frozenset(w.nodes.tolist()), []).append(k)
    if not rings:
        return ring, twin
    for k, w in enumerate(ways):
        if w.id > 0 and len(w.nodes) >= 4 and w.nodes[0] == w.nodes[-1]:
            same = rings.get(frozenset(w.nodes.tolist()))
            if same:
                twin[k] = True
                ring[same] = True
    return ring, twin


def duplicate_rings(ways: Sequence[RawWay]) -> NDArray[np.bool_]:
    """Which of ``ways`` are multipolygon rings that repeat a way read on its own.

    Parameters
    ----------
    ways
        The walkable ways the network is built from.

    Returns
    -------
    numpy.ndarray
        One bool per way; the network takes the outline from the way (it has an
        OSM id) and the ring only shapes the area walked across.
    """
    return _twins(ways)[0]


def _entries(ways: Sequence[RawWay]) -> dict[int, NDArray[np.bool_]]:
    """Per walkable area (by index in ``ways``): which ring vertices other ways share."""
    _, twin = _twins(ways)
    areas = [k for k, w in enumerate(ways) if is_walkable_area(w) and not twin[k]]
    if not areas:
        return {}
    # each way's nodes once (a ring without its closing node), so that a count above
    # one means "shared with another way"; a ring's twin is the ring itself
    ids, counts = np.unique(np.concatenate(
        [w.nodes[:-1] if w.nodes[0] == w.nodes[-1] else w.nodes
         for w, t in zip(ways, twin, strict=True) if not t]),
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

    Returns
    -------
    list of tuple
        ``(index of the area in ways, u, v)`` per link, ``u < v`` indices of graph
        nodes on the areas' outlines.
    """
    entries = _entries(ways)
    if not entries:
        return []
    blockers = [w for w in ways
                if w.tags.get("highway") == "steps" or w.tags.get("highway") in ROAD_HIGHWAYS]
    # in lon/lat: each area is measured in a projection centred on itself
    lines = shapely.linestrings(
        np.concatenate([w.coords for w in blockers]),
        indices=np.repeat(np.arange(len(blockers)), [len(w.coords) for w in blockers]),
    ) if blockers else np.empty(0, object)
    obstacles = _Obstacles(shapely.STRtree(lines), np.asarray(
        [raw.node_coords[n] for raw in raws for n, t in raw.node_tags.items()
         if "barrier" in t and n in raw.node_coords], np.float64).reshape(-1, 2))
    # the rings of one multipolygon share its id: one area with holes
    groups: dict[int, list[int]] = {}
    for k in entries:
        groups.setdefault(ways[k].id, []).append(k)
    return [link for ks in groups.values()
            for link in _links_of([ways[k] for k in ks], ks[0], [entries[k] for k in ks],
                                  obstacles, graph_ids)]


@dataclass(frozen=True)
class _Obstacles:
    """What links across areas keep off, in lon/lat: steps and roads, barrier nodes."""

    tree: shapely.STRtree  #: of the steps and road lines
    barriers: NDArray[np.float64]  #: lon, lat of the barrier nodes

    def near(self, lonlat: NDArray[np.float64], proj: LocalProjection
             ) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
        """The lines and barrier points within the bounding box of ``lonlat``, in the
        metres of ``proj``."""
        lo, hi = lonlat.min(axis=0), lonlat.max(axis=0)
        hit = self.tree.query(shapely.box(*lo, *hi)) if len(self.tree) \
            else np.empty(0, np.int64)
        lines = shapely.transform(self.tree.geometries[hit], proj.to_xy)
        b = self.barriers
        inside = np.all((b >= lo) & (b <= hi), axis=1)
        return lines, shapely.points(proj.to_xy(b[inside]))


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


def _links_of(rings: list[RawWay], k: int, entries: list[NDArray[np.bool_]],
              obstacles: _Obstacles, graph_ids: NDArray[np.int64]
              ) -> list[tuple[int, int, int]]:
    """The links across one area (its rings), as in :func:`area_links`."""
    ring = np.concatenate([w.nodes[:-1] for w in rings])
    proj = LocalProjection.around(np.concatenate([w.coords for w in rings]))
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
    area = _polygon(rings, xys)
    lines, barriers = obstacles.near(np.concatenate([w.coords for w in rings]), proj)
    # links keep clear of the barrier points inside the area; no points are added
    # round them (nor round steps), so a blocked walk takes other links or the outline
    inside = barriers[shapely.contains_properly(area, barriers)] if len(barriers) else barriers
    if len(inside):
        area = shapely.difference(area, shapely.union_all(
            shapely.buffer(inside, BARRIER_CLEARANCE_M)))
    shapely.prepare(area)
    # the visibility points: the work grows with their square, so a huge area keeps
    # its entries, then its sharpest reflex corners
    pts = np.flatnonzero(visible)
    if len(pts) > MAX_VISIBILITY_POINTS:
        rank = np.where(entry[pts], 2.0, sine[pts])
        room = max(MAX_VISIBILITY_POINTS, int(entry[pts].sum()))
        pts = np.sort(pts[np.argsort(-rank, kind="stable")[:room]])
    if len(pts) < 2:
        return []
    i, j = np.triu_indices(len(pts), k=1)
    a, b = pts[i], pts[j]
    # neighbours along the graph-node chain of a ring are the outline itself
    order = np.zeros(len(xy), np.int64)
    n_nodes = np.ones(len(rings), np.int64)
    for r in range(len(rings)):
        mine = which == r
        order[mine] = np.cumsum(is_node[mine]) - 1
        n_nodes[r] = is_node[mine].sum()
    gap = np.abs(order[a] - order[b])
    same = which[a] == which[b]
    keep = ~(same & ((gap == 1) | (gap == n_nodes[which[a]] - 1))) & (ring[a] != ring[b])
    # a shortest walk bends round a corner only along a tangent (Lee's reduced
    # visibility graph): a link that is no tangent at a reflex corner serves only
    # walks that start or end there; one that is a tangent at neither end serves
    # only the walk between its two corners, which are no entries
    turn = np.concatenate([np.column_stack([np.roll(c, 1, axis=0), np.roll(c, -1, axis=0)])
                           for c in xys])
    off = np.ones(len(a), bool)
    for end, other in ((a, b), (b, a)):
        d = xy[other] - xy[end]
        side = [d[:, 0] * (turn[end, 2 * q + 1] - xy[end, 1])
                - d[:, 1] * (turn[end, 2 * q] - xy[end, 0]) for q in (0, 1)]
        off &= ~entry[end] & (side[0] * side[1] < 0)
    keep &= ~off
    # a link must leave each end into the area, between the outline's two pieces
    # there (cheap, before any geometry is made)
    into = np.concatenate([(-1.0 if w.inner else 1.0) * _orientation(c) * np.ones(len(c))
                           for w, c in zip(rings, xys, strict=True)])
    for end, other in ((a, b), (b, a)):
        ang = [np.arctan2(*(q - xy[end])[:, ::-1].T)
               for q in (turn[end, 2:], turn[end, :2], xy[other])]  # next, previous, link
        lo = np.where(into[end] > 0, ang[0], ang[1])
        hi = np.where(into[end] > 0, ang[1], ang[0])
        wedge, dir_ = (hi - lo) % (2 * np.pi), (ang[2] - lo) % (2 * np.pi)
        keep[(dir_ > wedge + 1e-9) & (dir_ < 2 * np.pi - 1e-9)] = False
    # midpoints first (a point-in-polygon test without making points): most links
    # of a concave or holed area fail it
    mid = (xy[a] + xy[b]) / 2
    keep &= shapely.intersects_xy(area, mid[:, 0], mid[:, 1])
    a, b = a[keep], b[keep]
    if not len(a):
        return []
    links = shapely.linestrings(np.stack([xy[a], xy[b]], axis=1))
    ok = ~_meets_boundary(area, xy[a], xy[b], links)
    # a link through another visibility point is the two links to and from it
    ok[ok] = ~_passes(links[ok], xy[pts], a[ok], b[ok], pts)
    if len(lines):
        # any touch of a blocker's inside, crossing or running along it, except at an end
        line_i, block_i = shapely.STRtree(lines).query(links[ok], predicate="intersects")
        line_i = np.flatnonzero(ok)[line_i]
        inner = shapely.relate_pattern(links[line_i], lines[block_i], "T********")
        ok[line_i[inner]] = False
    u, v = at[a[ok]], at[b[ok]]
    return [(k, int(min(x, y)), int(max(x, y))) for x, y in zip(u, v, strict=True)]


def _meets_boundary(area: shapely.Geometry, p: NDArray[np.float64], q: NDArray[np.float64],
                    links: NDArray[np.object_]) -> NDArray[np.bool_]:
    """Per segment ``p -> q`` whose midpoint lies in ``area``: whether it meets the
    area's boundary anywhere but at its two ends (crosses it, or touches a corner).

    Such a segment leaves the area or grazes its edge; one that does not lies inside
    (its midpoint does). Hand-written instead of ``shapely.covers`` per line: the
    boundary's straight pieces are found by an STRtree and tested in one vectorised
    pass, several times faster on squares with a thousand links.
    """
    rings = shapely.get_rings(shapely.get_parts(area))
    c, r = shapely.get_coordinates(rings, return_index=True)
    piece = np.flatnonzero(r[1:] == r[:-1])
    s0, s1 = c[piece], c[piece + 1]
    pieces = shapely.linestrings(np.stack([s0, s1], axis=1))
    li, si = shapely.STRtree(pieces).query(links, predicate="intersects")
    d, e, w = q[li] - p[li], s1[si] - s0[si], s0[si] - p[li]
    den = d[:, 0] * e[:, 1] - d[:, 1] * e[:, 0]
    dl, el = np.hypot(*d.T), np.hypot(*e.T)
    crossing = np.abs(den) > 1e-12 * dl * el  # parallel pieces: the midpoint decides
    den = np.where(crossing, den, 1.0)
    t = (w[:, 0] * e[:, 1] - w[:, 1] * e[:, 0]) / den  # along the link
    s = (w[:, 0] * d[:, 1] - w[:, 1] * d[:, 0]) / den  # along the boundary piece
    tol_t, tol_s = _TOUCH_M / dl, _TOUCH_M / np.maximum(el, _TOUCH_M)
    hit = crossing & (t > tol_t) & (t < 1 - tol_t) & (s >= -tol_s) & (s <= 1 + tol_s)
    out = np.zeros(len(links), bool)
    out[li[hit]] = True
    return out


def _passes(links: NDArray[np.object_], pts_xy: NDArray[np.float64], a: NDArray[np.int64],
            b: NDArray[np.int64], pts: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Per link ``a -> b``: whether a visibility point other than its ends lies on it."""
    li, pi = shapely.STRtree(shapely.points(pts_xy)).query(links)  # in its bounding box
    other = (pts[pi] != a[li]) & (pts[pi] != b[li])
    li, pi = li[other], pi[other]
    p = shapely.get_coordinates(links).reshape(-1, 2, 2)[li]
    d, w = p[:, 1] - p[:, 0], pts_xy[pi] - p[:, 0]
    dl = np.hypot(*d.T)
    t = np.clip((w * d).sum(axis=1) / dl**2, 0.0, 1.0)
    near = np.hypot(*(w - t[:, None] * d).T) <= _TOUCH_M
    out = np.zeros(len(links), bool)
    out[li[near]] = True
    return out
