"""Build the columnar pedestrian network from the reader tables.

Ways are split at every node shared with another way, at their ends and at
nodes that carry something a pedestrian meets (kerb, barrier, crossing,
elevator); each piece becomes one segment, stored as two directed arcs.
Elevators mapped as a node become edges between one copy of the node per
connected way, so that closing the elevator cuts exactly those links.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from stufenlos.errors import NetworkBuildError
from stufenlos.geo import LocalProjection, haversine_m
from stufenlos.ingest.areas import area_links, area_split_nodes, duplicate_rings
from stufenlos.ingest.raw import RawOsm, node_is_significant
from stufenlos.ingest.tags import kerb_from_tags, parse_length_m, parse_yes_no
from stufenlos.ingest.walkability import (
    _SIDEWALK_PRESENT,
    ROAD_HIGHWAYS,
    WAY_COLUMNS,
    _sidewalk_state,
    walkable,
    way_attributes,
)
from stufenlos.network import Network

__all__ = ["BuildReport", "build_network"]

logger = logging.getLogger(__name__)

#: rest points farther than this from an edge count as "none nearby"
REST_SEARCH_M = 1000.0
#: an unnamed sidewalk takes the name of a street at most this far away
STREET_NAME_M = 25.0
_NAMED_STREETS = ROAD_HIGHWAYS | {"pedestrian", "living_street"}
_CATEGORIES = ("highway", "footway", "surface", "smoothness", "wheelchair", "tactile_paving",
               "crossing", "sidewalk", "kerb_u_context", "kerb_v_context")  # fmt: skip


@dataclass
class BuildReport:
    """What the builder did besides the network: exclusions and warnings."""

    excluded: Counter[str] = field(default_factory=Counter)
    clipped_nodes: int = 0
    elevators_split: int = 0
    #: elevators mapped as outlines that no walkable way touches: (way id, lon, lat, tags)
    unlinked_elevators: list[tuple[int, float, float, dict[str, str]]] = field(default_factory=list)


def _tag_column(ids: np.ndarray, node_tags: dict[int, dict[str, str]], key: str) -> list:
    return [node_tags.get(int(i), {}).get(key) for i in ids]


def build_network(
    raws: Sequence[RawOsm],
    *,
    step: Callable[[str], None] | None = None,
) -> tuple[Network, BuildReport]:
    """Turn reader output into a :class:`~stufenlos.network.Network`.

    ``step`` is called with a short label as each stage starts (for progress bars).
    Raises :class:`~stufenlos.errors.NetworkBuildError` if nothing is walkable.
    """
    tick = step or (lambda _label: None)
    report = BuildReport()
    node_tags: dict[int, dict[str, str]] = {}
    rest: list[tuple[float, float]] = []
    ways = []
    rows: list[tuple[object, ...]] = []
    road_nodes: list[np.ndarray] = []
    bare_road_nodes: list[np.ndarray] = []
    streets: list[tuple[str, np.ndarray, np.ndarray]] = []
    elevator_areas: list = []
    seen: set[tuple[int, int, int]] = set()
    tick("select walkable ways")
    for raw in raws:
        node_tags.update(raw.node_tags)
        rest.extend(raw.rest_points)
        report.clipped_nodes += raw.clipped_nodes
        for w in raw.ways:
            key = (w.id, int(w.nodes[0]), int(w.nodes[-1]))
            if key in seen:  # the same way from two overlapping inputs
                continue
            seen.add(key)
            if w.tags.get("highway") in _NAMED_STREETS and w.tags.get("name"):
                streets.append((w.tags["name"], w.coords, w.nodes))
            if w.tags.get("highway") in ROAD_HIGHWAYS:
                road_nodes.append(w.nodes)
                if _sidewalk_state(w.tags) not in _SIDEWALK_PRESENT:
                    bare_road_nodes.append(w.nodes)
            ok, reason = walkable(w.tags)
            if not ok:
                report.excluded[reason] += 1
                continue
            if (
                w.tags.get("highway") == "elevator"
                and len(w.nodes) > 2
                and (w.area or w.nodes[0] == w.nodes[-1])
            ):
                # an elevator mapped as its outline (a room) is a link between the ways
                # that touch it, not a path around its walls
                elevator_areas.append(w)
                continue
            ways.append(w)
            rows.append(way_attributes(w.tags))
    if not ways:
        sources = ", ".join(r.source for r in raws)
        msg = f"{sources}: no walkable ways found"
        raise NetworkBuildError(msg)

    tick("split ways into segments")
    lens = np.fromiter((len(w.nodes) for w in ways), dtype=np.int64, count=len(ways))
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    ends = starts + lens - 1
    way_of = np.repeat(np.arange(len(ways)), lens)
    all_nodes = np.concatenate([w.nodes for w in ways])
    all_xy = np.concatenate([w.coords for w in ways])
    uniq, counts = np.unique(all_nodes, return_counts=True)
    is_split = np.zeros(len(all_nodes), dtype=bool)
    is_split[starts] = True
    is_split[ends] = True
    is_split |= np.isin(all_nodes, uniq[counts >= 2])
    significant = np.fromiter((nid for nid, t in node_tags.items() if node_is_significant(t)),
                              dtype=np.int64)  # fmt: skip
    is_split |= np.isin(all_nodes, significant)
    is_split |= np.isin(all_nodes, area_split_nodes(ways))
    # per elevator area a lookup in the sorted node ids, not a pass over all of them
    elevator_doors = [np.unique(w.nodes[_sorted_has(uniq, w.nodes)]) for w in elevator_areas]
    if elevator_doors:
        is_split |= np.isin(all_nodes, np.concatenate(elevator_doors))
    closed = (all_nodes[starts] == all_nodes[ends]) & (lens > 2)
    is_split[starts[closed] + lens[closed] // 2] = True  # a ring needs two graph nodes
    sp = np.flatnonzero(is_split)
    a, b = sp[:-1], sp[1:]
    # a multipolygon ring repeating a way read on its own gives no outline of its own
    same_way = (way_of[a] == way_of[b]) & ~duplicate_rings(ways)[way_of[a]]
    a, b = a[same_way], b[same_way]
    not_loop = all_nodes[a] != all_nodes[b]
    a, b = a[not_loop], b[not_loop]
    seg_row = way_of[a]

    d = haversine_m(all_xy[:-1, 0], all_xy[:-1, 1], all_xy[1:, 0], all_xy[1:, 1])
    cum = np.concatenate([[0.0], np.cumsum(d)])
    seg_len = cum[b] - cum[a]
    nverts = b - a + 1
    seg_of_vert = np.repeat(np.arange(len(a)), nverts)
    first = np.repeat(np.cumsum(nverts) - nverts, nverts)
    vert_idx = a[seg_of_vert] + (np.arange(len(seg_of_vert)) - first)
    geoms = shapely.linestrings(all_xy[vert_idx], indices=seg_of_vert)

    # graph nodes
    u_id, v_id = all_nodes[a], all_nodes[b]
    graph_ids = np.unique(np.concatenate([u_id, v_id]))
    seg_u = np.searchsorted(graph_ids, u_id)
    seg_v = np.searchsorted(graph_ids, v_id)
    node_xy = np.empty((len(graph_ids), 2))
    node_xy[seg_u] = all_xy[a]
    node_xy[seg_v] = all_xy[b]
    node_osm = graph_ids.copy()
    seg_way_id = np.fromiter((w.id for w in ways), dtype=np.int64, count=len(ways))[seg_row]

    tick("link elevators")
    seg_u, seg_v, node_osm, node_xy, extra = _split_elevators(
        seg_u, seg_v, node_osm, node_xy, node_tags, report
    )
    for w, doors in zip(elevator_areas, elevator_doors, strict=True):
        row = _elevator_row(w.tags)
        # graph_ids: node_osm before elevator copies were appended, still sorted
        at = np.searchsorted(graph_ids, doors)[_sorted_has(graph_ids, doors)]
        if len(at) < 2:
            lon, lat = np.mean(w.coords[:-1], axis=0)
            report.unlinked_elevators.append((w.id, float(lon), float(lat), w.tags))
            continue
        extra.extend(
            (row, int(at[i]), int(at[j]), w.id)
            for i in range(len(at))
            for j in range(i + 1, len(at))
        )
    across = area_links(ways, raws, graph_ids)  # last: see "area_link"
    extra.extend((rows[k], u_, v_, ways[k].id) for k, u_, v_ in across)
    if extra:
        n_extra = len(extra)
        base_row = len(rows)
        rows.extend(x[0] for x in extra)
        seg_row = np.concatenate([seg_row, base_row + np.arange(n_extra)])
        seg_u = np.concatenate([seg_u, [x[1] for x in extra]])
        seg_v = np.concatenate([seg_v, [x[2] for x in extra]])
        au, av = (node_xy[s[len(s) - len(across):]] for s in (seg_u, seg_v))
        across_m = haversine_m(au[:, 0], au[:, 1], av[:, 0], av[:, 1])  # elevators: 0 m
        seg_len = np.concatenate([seg_len, np.zeros(n_extra - len(across)), across_m])
        seg_way_id = np.concatenate([seg_way_id, np.array([x[3] for x in extra], np.int64)])
        ends = np.empty((2 * n_extra, 2))
        ends[0::2] = node_xy[seg_u[-n_extra:]]
        ends[1::2] = node_xy[seg_v[-n_extra:]]
        geoms = np.concatenate(
            [geoms, shapely.linestrings(ends, indices=np.repeat(np.arange(n_extra), 2))]
        )

    tick("attach attributes")
    way_cols = {
        name: np.asarray([r[i] for r in rows], dtype=object)[seg_row]
        for i, name in enumerate(WAY_COLUMNS)
    }
    area_rows = np.fromiter((w.area for w in ways), bool, count=len(ways))
    link_rows = np.zeros(len(rows), bool)
    link_rows[len(rows) - len(across):] = True  # the links across areas come last
    way_cols["area"] = (np.concatenate([area_rows, np.zeros(len(rows) - len(ways), bool)])
                        | link_rows)[seg_row]
    way_cols["area_link"] = link_rows[seg_row]
    nodes = _node_table(node_osm, node_xy, node_tags, road_nodes, rest)
    node_kerb = nodes["kerb_m"].to_numpy(np.float64)
    on_road = nodes["on_road"].to_numpy(bool)
    bare = (
        np.isin(node_osm, np.concatenate(bare_road_nodes))
        if bare_road_nodes
        else np.zeros(len(node_osm), bool)
    )

    is_crossing = way_cols["is_crossing"].astype(bool)
    is_footpath = way_cols["is_footpath"].astype(bool)
    way_kerb = way_cols["kerb_m"].astype(np.float64)
    kerb_u = node_kerb[seg_u].copy()
    kerb_v = node_kerb[seg_v].copy()
    for k, ends_ in ((kerb_u, seg_u), (kerb_v, seg_v)):
        fill = is_crossing & np.isnan(k) & ~on_road[ends_]
        k[fill] = way_kerb[fill]
    ctx_u = _kerb_context(seg_u, is_crossing, is_footpath, on_road, bare)
    ctx_v = _kerb_context(seg_v, is_crossing, is_footpath, on_road, bare)
    _crossing_from_nodes(way_cols, is_crossing, seg_u, seg_v, nodes)

    tick("measure rest points")
    mids = shapely.get_coordinates(shapely.line_interpolate_point(geoms, 0.5, normalized=True))
    _name_from_streets(way_cols, is_crossing, seg_u, seg_v, node_osm, mids, streets)
    rest_dist = _rest_distance(mids, np.asarray(rest, dtype=np.float64).reshape(-1, 2))

    tick("make directed arcs")
    oneway = way_cols["oneway"]
    fwd = np.flatnonzero(oneway != "-1")
    rev = np.flatnonzero(oneway != "yes")
    seg_arc = np.concatenate([fwd, rev])
    sign = np.concatenate([np.ones(len(fwd), np.int8), -np.ones(len(rev), np.int8)])
    n_arc = len(seg_arc)
    fwd_pos = np.full(len(seg_u), -1, np.int64)
    rev_pos = np.full(len(seg_u), -1, np.int64)
    fwd_pos[fwd] = np.arange(len(fwd))
    rev_pos[rev] = len(fwd) + np.arange(len(rev))
    pair = np.where(sign > 0, rev_pos[seg_arc], fwd_pos[seg_arc]).astype(np.int32)
    forward = sign > 0
    u = np.where(forward, seg_u[seg_arc], seg_v[seg_arc]).astype(np.int32)
    v = np.where(forward, seg_v[seg_arc], seg_u[seg_arc]).astype(np.int32)
    arc_geoms = geoms[seg_arc]
    arc_geoms[~forward] = shapely.reverse(arc_geoms[~forward])
    osm_u = node_osm[u]
    osm_v = node_osm[v]

    def pick(col: np.ndarray) -> np.ndarray:
        return col[seg_arc]

    def directional(col_u: np.ndarray, col_v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cu, cv = col_u[seg_arc], col_v[seg_arc]
        return np.where(forward, cu, cv), np.where(forward, cv, cu)

    ku, kv = directional(kerb_u, kerb_v)
    cu, cv = directional(ctx_u, ctx_v)
    edges = pd.DataFrame(
        {
            "u": u,
            "v": v,
            "pair": pair,
            "osm_way_id": _osm_ids(pick(seg_way_id)),
            # a relation's rings and links carry minus its id (ingest.raw.RawWay)
            "osm_relation_id": _osm_ids(-pick(seg_way_id)),
            "osm_node_u": _osm_ids(osm_u),
            "osm_node_v": _osm_ids(osm_v),
            "highway": pick(way_cols["highway"]),
            "footway": pick(way_cols["footway"]),
            "name": pd.array(pick(way_cols["name"]), dtype="string"),
            "length_m": pick(seg_len).astype(np.float64),
            "incline_pct": (pick(way_cols["incline_pct"].astype(np.float64)) * sign).astype(
                np.float32
            ),
            "incline_dir": (pick(way_cols["incline_dir"].astype(np.int8)) * sign).astype(np.int8),
            "surface": pick(way_cols["surface"]),
            "smoothness": pick(way_cols["smoothness"]),
            "width_m": pick(way_cols["width_m"].astype(np.float64)).astype(np.float32),
            "steps": pick(way_cols["steps"].astype(bool)),
            "step_count": pick(way_cols["step_count"].astype(np.float64)).astype(np.float32),
            "handrail": pick(way_cols["handrail"].astype(np.float64)).astype(np.float32),
            "ramp": pick(way_cols["ramp"].astype(np.float64)).astype(np.float32),
            "ramp_wheelchair": pick(way_cols["ramp_wheelchair"].astype(np.float64)).astype(
                np.float32
            ),
            "ramp_stroller": pick(way_cols["ramp_stroller"].astype(np.float64)).astype(np.float32),
            "wheelchair": pick(way_cols["wheelchair"]),
            "tactile_paving": pick(way_cols["tactile_paving"]),
            "kerb_u_m": ku.astype(np.float32),
            "kerb_v_m": kv.astype(np.float32),
            "kerb_u_context": cu,
            "kerb_v_context": cv,
            "crossing": pick(way_cols["crossing"]),
            "crossing_island": pick(way_cols["crossing_island"].astype(np.float64)).astype(
                np.float32
            ),
            "signal_sound": pick(way_cols["signal_sound"].astype(np.float64)).astype(np.float32),
            "signal_vibration": pick(way_cols["signal_vibration"].astype(np.float64)).astype(
                np.float32
            ),
            "lit": pick(way_cols["lit"].astype(np.float64)).astype(np.float32),
            "level": pd.array(pick(way_cols["level"]), dtype="string"),
            "indoor": pick(way_cols["indoor"].astype(bool)),
            "elevator": pick(way_cols["elevator"].astype(bool)),
            "escalator": pick(way_cols["escalator"].astype(bool)),
            "sidewalk": pick(way_cols["sidewalk"]),
            "area": pick(way_cols["area"].astype(bool)),
            "area_link": pick(way_cols["area_link"]),
            "rest_dist_m": pick(rest_dist).astype(np.float32),
            "geometry": shapely.to_wkb(arc_geoms),
        }
    )
    for c in _CATEGORIES:
        edges[c] = edges[c].astype("category")
    nodes["component"] = _components(u, v, len(nodes))
    meta = {"n_nodes": len(nodes), "n_edges": n_arc}
    logger.info("network: %d nodes, %d arcs, %d segments", len(nodes), n_arc, len(seg_u))
    return Network(nodes=nodes, edges=edges, meta=meta), report


def _osm_ids(ids: np.ndarray) -> pd.arrays.IntegerArray:
    """OSM ids as a nullable column: synthetic (<= 0) ids become null."""
    return pd.arrays.IntegerArray(ids.astype(np.int64), mask=ids <= 0)


def _split_elevators(seg_u, seg_v, node_osm, node_xy, node_tags, report):  # type: ignore[no-untyped-def]
    """Give each way at an elevator node its own copy of the node and link copies
    pairwise with elevator segments. Returns the new arrays and the extra segments
    as ``(attribute_row, u, v)``."""
    extra = []
    elev_ids = [nid for nid, t in node_tags.items() if t.get("highway") == "elevator"]
    if not elev_ids:
        return seg_u, seg_v, node_osm, node_xy, extra
    pos = np.searchsorted(node_osm, elev_ids)
    pos = pos[(pos < len(node_osm))]
    pos = pos[np.isin(node_osm[pos], elev_ids)]
    seg_u, seg_v = seg_u.copy(), seg_v.copy()
    new_osm, new_xy = [node_osm], [node_xy]
    n_total = len(node_osm)
    for e in pos:
        at_u = np.flatnonzero(seg_u == e)
        at_v = np.flatnonzero(seg_v == e)
        incident = [("u", s) for s in at_u] + [("v", s) for s in at_v]
        if len(incident) < 2:
            continue
        copies = [int(e)]
        for side, s in incident[1:]:
            c = n_total
            n_total += 1
            new_osm.append(np.array([node_osm[e]]))
            new_xy.append(node_xy[e][None, :])
            if side == "u":
                seg_u[s] = c
            else:
                seg_v[s] = c
            copies.append(c)
        tags = node_tags[int(node_osm[e])]
        row = _elevator_row(tags)
        for i in range(len(copies)):
            for j in range(i + 1, len(copies)):
                extra.append((row, copies[i], copies[j], 0))
        report.elevators_split += 1
    return seg_u, seg_v, np.concatenate(new_osm), np.concatenate(new_xy), extra


def _elevator_row(tags: dict[str, str]) -> tuple[object, ...]:
    kept = ("level", "wheelchair", "name", "indoor", "ref")
    elevator_tags = {"highway": "elevator", **{k: v for k, v in tags.items() if k in kept}}
    if "repeat_on" in tags:
        elevator_tags["level"] = ";".join(filter(None, (tags.get("level"), tags["repeat_on"])))
    attrs = dict(zip(WAY_COLUMNS, way_attributes(elevator_tags), strict=True))
    attrs["elevator"] = True
    attrs["is_footpath"] = False
    return tuple(attrs[c] for c in WAY_COLUMNS)


def _sorted_has(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Which of ``ids`` are in ``sorted_ids`` (ascending): ``np.isin`` without a sort."""
    if not len(sorted_ids):
        return np.zeros(len(ids), bool)
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return sorted_ids[at] == ids


def _node_table(node_osm, node_xy, node_tags, road_nodes, rest):  # type: ignore[no-untyped-def]
    n = len(node_osm)
    tags = [node_tags.get(int(i), {}) for i in node_osm]
    kerb_m = np.fromiter((kerb_from_tags(t) if t else math.nan for t in tags), np.float64, n)
    width = np.fromiter((parse_length_m(t.get("maxwidth:physical") or t.get("width"))
                         if t else math.nan for t in tags), np.float64, n)  # fmt: skip
    on_road = np.isin(node_osm, np.concatenate(road_nodes)) if road_nodes else np.zeros(n, bool)
    nodes = pd.DataFrame(
        {
            "osm_id": _osm_ids(node_osm),
            "lon": node_xy[:, 0],
            "lat": node_xy[:, 1],
            "barrier": [t.get("barrier") for t in tags],
            "kerb": [t.get("kerb") or t.get("kerb:height") or t.get("sloped_curb") for t in tags],
            "kerb_m": kerb_m.astype(np.float32),
            "highway": [t.get("highway") for t in tags],
            "crossing": [t.get("crossing") for t in tags],
            "tactile_paving": [t.get("tactile_paving") for t in tags],
            "wheelchair": [t.get("wheelchair") for t in tags],
            "width_m": width.astype(np.float32),
            "signal_sound": np.fromiter(
                (parse_yes_no(t.get("traffic_signals:sound")) for t in tags), np.float64, n
            ).astype(np.float32),
            "signal_vibration": np.fromiter(
                (parse_yes_no(t.get("traffic_signals:vibration")) for t in tags), np.float64, n
            ).astype(np.float32),
            "elevator": np.fromiter((t.get("highway") == "elevator" for t in tags), bool, n),
            "level": pd.array([t.get("level") for t in tags], dtype="string"),
            "on_road": on_road,
            "rest": np.fromiter(
                (t.get("amenity") == "bench" or t.get("bench") == "yes" for t in tags), bool, n
            ),
        }
    )
    for c in ("barrier", "kerb", "highway", "crossing", "tactile_paving", "wheelchair"):
        nodes[c] = nodes[c].astype("category")
    return nodes


def _kerb_context(ends, is_crossing, is_footpath, on_road, bare_road):  # type: ignore[no-untyped-def]
    ctx = np.full(len(ends), None, dtype=object)
    ctx[is_crossing & ~on_road[ends]] = "crossing"
    ctx[is_footpath & ~is_crossing & bare_road[ends]] = "junction"
    return ctx


def _crossing_from_nodes(way_cols, is_crossing, seg_u, seg_v, nodes) -> None:  # type: ignore[no-untyped-def]
    """Crossing segments take crossing type, signals and tactile paving from their
    end nodes where the way itself does not say."""
    idx = np.flatnonzero(is_crossing)
    if not len(idx):
        return
    n_cross = nodes["crossing"].astype(object).to_numpy()
    n_tact = nodes["tactile_paving"].astype(object).to_numpy()
    n_sound = nodes["signal_sound"].to_numpy(np.float64)
    n_vib = nodes["signal_vibration"].to_numpy(np.float64)
    crossing = way_cols["crossing"]
    tactile = way_cols["tactile_paving"]
    sound = way_cols["signal_sound"].astype(np.float64)
    vib = way_cols["signal_vibration"].astype(np.float64)
    for i in idx:
        eu, ev = seg_u[i], seg_v[i]
        if crossing[i] is None:
            crossing[i] = n_cross[ev] if n_cross[ev] is not None else n_cross[eu]
        if tactile[i] is None:
            vals = {x for x in (n_tact[eu], n_tact[ev]) if x is not None}
            tactile[i] = vals.pop() if len(vals) == 1 else ("partial" if vals else None)
        if math.isnan(sound[i]):
            sound[i] = np.fmax(n_sound[eu], n_sound[ev])
        if math.isnan(vib[i]):
            vib[i] = np.fmax(n_vib[eu], n_vib[ev])
    way_cols["signal_sound"] = sound
    way_cols["signal_vibration"] = vib


def _name_from_streets(way_cols, is_crossing, seg_u, seg_v, node_osm, mids, streets) -> None:  # type: ignore[no-untyped-def]
    """Give unnamed sidewalks the name of the street they run along and unnamed
    crossings the name of the street they cross, so directions can name them.

    A crossing takes the name of a street sharing one of its nodes; a sidewalk
    takes the nearest named street within :data:`STREET_NAME_M`.
    """
    names = way_cols["name"]
    footway = way_cols["footway"]
    if not streets:
        return
    on_street: dict[int, str] = {}
    for name, _coords, nodes in streets:
        for nid in nodes:
            on_street.setdefault(int(nid), name)
    for i in np.flatnonzero(is_crossing & (names == None)):  # noqa: E711 - object array
        names[i] = on_street.get(int(node_osm[seg_u[i]])) or on_street.get(int(node_osm[seg_v[i]]))
    todo = np.flatnonzero((footway == "sidewalk") & (names == None))  # noqa: E711
    if not len(todo):
        return
    proj = LocalProjection.around(mids)
    lines = shapely.linestrings(
        proj.to_xy(np.concatenate([c for _, c, _ in streets])),
        indices=np.repeat(np.arange(len(streets)), [len(c) for _, c, _ in streets]),
    )
    tree = shapely.STRtree(lines)
    pts = shapely.points(proj.to_xy(mids[todo]))
    (which, hit), _dist = tree.query_nearest(
        pts, max_distance=STREET_NAME_M, return_distance=True, all_matches=False
    )
    for j, k in zip(which, hit, strict=True):
        names[todo[j]] = streets[k][0]


def _rest_distance(mids: np.ndarray, rest: np.ndarray) -> np.ndarray:
    if not len(rest) or not len(mids):
        return np.full(len(mids), np.nan)
    proj = LocalProjection.around(mids)
    tree = cKDTree(proj.to_xy(rest))
    dist, _ = tree.query(proj.to_xy(mids), distance_upper_bound=REST_SEARCH_M)
    return np.where(np.isfinite(dist), dist, np.nan)


def _components(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    graph = coo_matrix((np.ones(len(u), np.int8), (u, v)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int32)
