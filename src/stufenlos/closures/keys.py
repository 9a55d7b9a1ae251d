"""Stable keys of network segments and their arcs in the current network."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stufenlos.closures.models import Closure, ClosureError
from stufenlos.geo import LocalProjection

if TYPE_CHECKING:
    from stufenlos.network import Network

__all__ = ["SEGMENT_MOVED_M", "index_of", "segment_keys"]

#: a segment whose end points moved is looked for this far from where it was
SEGMENT_MOVED_M = 15.0



def _osm_id(value: Any) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)


def segment_keys(network: Network, arcs: Iterable[int]) -> list[dict[str, Any]]:
    """Stable keys of the segments that ``arcs`` lie on (one per segment, both directions).

    Each key holds the OSM way id, the OSM ids of the segment's end nodes and
    their coordinates, as stored in a ``segment`` closure; the ends are in a
    fixed order (by node id, then position), so both arcs give the same key.
    A segment of a square mapped as a multipolygon relation (its outline or a
    link across it) comes from no way: its key holds ``osm_relation_id`` instead.
    """
    e = network.edges
    pair = e["pair"].to_numpy(np.int64)
    lonlat = network.node_lonlat
    seen: set[int] = set()
    out = []
    for arc in arcs:
        a = int(arc)
        if not 0 <= a < network.n_edges:
            msg = f"arc {a} is not in the network (0..{network.n_edges - 1})"
            raise ClosureError(msg)
        first = min(a, int(pair[a])) if pair[a] >= 0 else a
        if first in seen:
            continue
        seen.add(first)
        way = _osm_id(e["osm_way_id"].iloc[first])
        relation = _osm_id(e["osm_relation_id"].iloc[first]) if way is None else None
        if way is None and relation is None:
            msg = (f"arc {a} belongs to no OSM way or relation and cannot be named "
                   "across imports")
            raise ClosureError(msg)
        u, v = int(network.u[first]), int(network.v[first])
        ends = sorted([
            (_osm_id(e["osm_node_u"].iloc[first]), round(float(lonlat[u, 0]), 7),
             round(float(lonlat[u, 1]), 7)),
            (_osm_id(e["osm_node_v"].iloc[first]), round(float(lonlat[v, 0]), 7),
             round(float(lonlat[v, 1]), 7)),
        ], key=lambda t: (t[0] is None, t[0] or 0, t[1], t[2]))  # one order for both ways
        (nu, xu, yu), (nv, xv, yv) = ends
        key = {"osm_way_id": way, "node_u": nu, "node_v": nv,
               "lon_u": xu, "lat_u": yu, "lon_v": xv, "lat_v": yv}
        if relation is not None:
            key["osm_relation_id"] = relation
        out.append(key)
    return out


class _Index:
    """OSM way, relation and node id -> arcs of one network (sorted keys, built fast)."""

    def __init__(self, network: Network) -> None:
        e = network.edges
        arcs = np.arange(network.n_edges, dtype=np.int64)
        self.network = network
        self.elevator = e["elevator"].fillna(False).to_numpy(bool)
        self.pair = e["pair"].to_numpy(np.int64)
        self.way = self._sorted(e["osm_way_id"], arcs)
        self.relation = self._sorted(e["osm_relation_id"], arcs)
        ids = pd.concat([e["osm_node_u"], e["osm_node_v"]], ignore_index=True)
        self.node = self._sorted(ids, np.concatenate([arcs, arcs]))
        self.node_u = e["osm_node_u"].to_numpy(np.float64)
        self.node_v = e["osm_node_v"].to_numpy(np.float64)
        self.lonlat = np.round(network.node_lonlat, 7)
        self.cache: dict[tuple[Any, ...], NDArray[np.int64]] = {}

    @staticmethod
    def _sorted(ids: pd.Series, arcs: NDArray[np.int64]
                ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        ok = ids.notna().to_numpy()
        keys = ids[ok].astype(np.int64).to_numpy()
        order = np.argsort(keys, kind="stable")
        return keys[order], arcs[ok][order]

    @staticmethod
    def lookup(index: tuple[NDArray[np.int64], NDArray[np.int64]], key: int
               ) -> NDArray[np.int64]:
        keys, arcs = index
        lo, hi = np.searchsorted(keys, [key, key + 1])
        return np.unique(arcs[lo:hi])

    def segment(self, c: Closure) -> NDArray[np.int64]:
        """Arcs of a segment closure: by end node ids, else end coordinates, else nearby."""
        if c.osm_way_id is not None:
            cand = self.lookup(self.way, c.osm_way_id)
        elif c.osm_relation_id is not None:
            cand = self.lookup(self.relation, c.osm_relation_id)
        else:
            return np.empty(0, np.int64)
        if cand.size == 0:
            return cand
        if c.node_u is not None and c.node_v is not None:
            nu, nv = self.node_u[cand], self.node_v[cand]
            hit = cand[((nu == c.node_u) & (nv == c.node_v))
                       | ((nu == c.node_v) & (nv == c.node_u))]
            if hit.size:
                return hit
        if c.ends is None:
            return np.empty(0, np.int64)
        net = self.network
        pu, pv = self.lonlat[net.u[cand]], self.lonlat[net.v[cand]]
        a, b = np.asarray(c.ends[0]), np.asarray(c.ends[1])
        same = (np.all(pu == a, axis=1) & np.all(pv == b, axis=1)) | (
            np.all(pu == b, axis=1) & np.all(pv == a, axis=1))
        if same.any():
            return cand[same]
        # The way (relation) was edited (a node moved or was added): the part of the
        # same way whose midpoint lies nearest to the old segment's midpoint, if close.
        proj = LocalProjection(*((a + b) / 2))
        mid = proj.to_xy((pu + pv) / 2)
        dist = np.hypot(mid[:, 0], mid[:, 1])
        best = int(np.argmin(dist))
        if dist[best] > SEGMENT_MOVED_M:
            return np.empty(0, np.int64)
        arc = int(cand[best])
        return np.unique([arc, int(self.pair[arc])] if self.pair[arc] >= 0 else [arc])

    def resolve(self, c: Closure, barrier_resolver: Callable[[str], Sequence[int]] | None
                ) -> NDArray[np.int64]:
        key = (c.kind, c.ref, c.osm_way_id, c.osm_relation_id, c.node_u, c.node_v, c.ends)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        if c.kind == "segment":
            arcs = self.segment(c)
            if arcs.size == 0:
                msg = f"{c.describe()} is not part of the walkable network"
                raise ClosureError(msg)
        elif c.kind == "barrier":
            if barrier_resolver is None:
                msg = f"cannot resolve barrier {c.ref!r}: no barrier store attached"
                raise ClosureError(msg)
            arcs = np.asarray(barrier_resolver(c.ref), np.int64)
            if arcs.size == 0:
                msg = f"barrier {c.ref!r} lies on no arc of the walkable network"
                raise ClosureError(msg)
        else:
            osm = int(c.ref)
            way, node = self.lookup(self.way, osm), self.lookup(self.node, osm)
            if c.kind == "way":
                arcs = way
            elif c.kind == "node":
                arcs = node
            else:  # elevator: a way or node mapped as an elevator
                both = np.union1d(way, node)
                arcs = both[self.elevator[both]]
            if arcs.size == 0:
                what = "elevator" if c.kind == "elevator" else f"OSM {c.kind}"
                msg = f"{what} {osm} is not part of the walkable network"
                raise ClosureError(msg)
        self.cache[key] = arcs
        return arcs


_INDEX: weakref.WeakKeyDictionary[Network, _Index] = weakref.WeakKeyDictionary()
_INDEX_LOCK = threading.Lock()


def index_of(network: Network) -> _Index:
    with _INDEX_LOCK:
        index = _INDEX.get(network)
        if index is None:
            index = _INDEX[network] = _Index(network)
        return index

