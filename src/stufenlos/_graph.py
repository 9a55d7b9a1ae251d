"""Shortest-path engines behind :mod:`stufenlos.routing` (private).

Two engines share one small interface, chosen by measurement (bench/routing.py):

* :class:`CCHMetric` — RoutingKit's customizable contraction hierarchy
  (pyroutingkit) for point-to-point routes and matrices: the topology is built
  once per network, every cost vector is a cheap customisation, and closures
  re-customise only the touched arcs.
* :func:`bounded_dijkstra` — scipy's Dijkstra with a cost limit, for reachable
  areas (CCH has no one-to-all query).

Weights are integer deciseconds (RoutingKit wants ``uint32``).
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import TYPE_CHECKING

import numpy as np
import pyroutingkit
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

if TYPE_CHECKING:
    from stufenlos.network import Network

__all__ = [
    "INF",
    "SCALE",
    "CCHMetric",
    "CCHTopology",
    "bounded_dijkstra",
    "to_weights",
    "topology_for",
]

logger = logging.getLogger(__name__)

#: weight units per second of cost
SCALE = 10.0
#: the engine's "unreachable"
INF = int(pyroutingkit.INF_WEIGHT)
_MAX_WEIGHT = INF // 4


def to_weights(cost_s: NDArray[np.float64]) -> NDArray[np.uint32]:
    """Round costs in seconds to engine weights (at least 1, far below infinity)."""
    w = np.rint(np.asarray(cost_s, np.float64) * SCALE)
    return np.clip(w, 1, _MAX_WEIGHT).astype(np.uint32)


class CCHTopology:
    """The contraction order of one network, shared by all its metrics."""

    def __init__(self, network: Network) -> None:
        self.n_nodes = network.n_nodes
        self.n_edges = network.n_edges
        self.tail = network.u.astype(np.uint32)
        self.head = network.v.astype(np.uint32)
        lonlat = network.node_lonlat
        self._topo = pyroutingkit.CCHTopology()
        self._topo.build(self.tail, self.head, lonlat[:, 1].astype(np.float32),
                         lonlat[:, 0].astype(np.float32), self.n_nodes)
        self._csr: tuple[NDArray[np.int64], NDArray[np.int32]] | None = None
        self._csr_order: NDArray[np.int64] | None = None

    def metric(self, weights: NDArray[np.uint32]) -> CCHMetric:
        """A customised metric for one weight vector."""
        return CCHMetric(self, weights)

    def csr_order(self) -> NDArray[np.int64]:
        """Arc order (by tail, then head) used for scipy's sparse matrices."""
        if self._csr_order is None:
            self._csr_order = np.lexsort((self.head, self.tail))
        return self._csr_order


_TOPOLOGIES: weakref.WeakKeyDictionary[Network, CCHTopology] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def topology_for(network: Network) -> CCHTopology:
    """The (cached) CCH topology of ``network``."""
    with _LOCK:
        topo = _TOPOLOGIES.get(network)
        if topo is None:
            logger.info("building CCH topology for %d nodes, %d arcs",
                        network.n_nodes, network.n_edges)
            topo = CCHTopology(network)
            _TOPOLOGIES[network] = topo
        return topo


class CCHMetric:
    """One customised weight vector over a :class:`CCHTopology`."""

    def __init__(self, topology: CCHTopology, weights: NDArray[np.uint32]) -> None:
        self.topology = topology
        self.weights = np.array(weights, dtype=np.uint32)
        self._metric = pyroutingkit.CCHMetric(topology._topo)
        self._metric.customize(self.weights)
        self._lock = threading.Lock()

    def update(self, arcs: NDArray[np.integer], weights: NDArray[np.uint32]) -> None:
        """Change some arc weights (partial re-customisation, milliseconds)."""
        arcs = np.asarray(arcs, np.uint32)
        if arcs.size == 0:
            return
        weights = np.asarray(weights, np.uint32)
        with self._lock:
            self.weights[arcs] = weights
            self._metric.update_weights(arcs, weights)

    def query(self, source: int, target: int) -> tuple[int, NDArray[np.int64]]:
        """``(cost, arc_ids)`` of a shortest path; cost ``INF`` if unreachable."""
        with self._lock:
            dist, _nodes, arcs = self._metric.query(int(source), int(target))
        return int(dist), np.asarray(arcs, np.int64)

    def many_to_many(self, sources: NDArray[np.integer],
                     targets: NDArray[np.integer]) -> NDArray[np.uint32]:
        """Cost matrix ``(len(sources), len(targets))``; ``INF`` where unreachable."""
        with self._lock:
            return np.asarray(self._metric.distances_many_to_many(
                np.asarray(sources, np.uint32), np.asarray(targets, np.uint32)))


def _csr_matrix(topology: CCHTopology, weights: NDArray[np.uint32]) -> sp.csr_matrix:
    """Sparse adjacency with the cheapest arc per node pair (scipy sums duplicates)."""
    order = topology.csr_order()
    tail, head, w = topology.tail[order], topology.head[order], weights[order]
    # Among parallel arcs keep the cheapest: sort each (tail, head) run by weight.
    sub = np.lexsort((w, head, tail))
    tail, head, w = tail[sub], head[sub], w[sub]
    first = np.ones(len(tail), bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    n = topology.n_nodes
    return sp.csr_matrix((w[first].astype(np.float64), (tail[first], head[first])),
                         shape=(n, n))


def bounded_dijkstra(topology: CCHTopology, weights: NDArray[np.uint32],
                     sources: NDArray[np.integer], limit: float,
                     offsets: NDArray[np.float64] | None = None,
                     *, batch: int = 32) -> list[tuple[NDArray[np.int64], NDArray[np.float64]]]:
    """Nodes within ``limit`` (engine units) of each source, with their costs.

    ``offsets`` gives a start cost per source. Returns one ``(nodes, costs)`` pair
    per source. scipy's C Dijkstra with ``limit`` stops early; rows are taken in
    batches to bound the dense ``(batch, n_nodes)`` result it allocates.
    """
    graph = _csr_matrix(topology, weights)
    sources = np.asarray(sources, np.int64)
    off = np.zeros(len(sources)) if offsets is None else np.asarray(offsets, np.float64)
    out: list[tuple[NDArray[np.int64], NDArray[np.float64]]] = []
    for start in range(0, len(sources), batch):
        idx = sources[start:start + batch]
        lim = limit - float(off[start:start + batch].min())
        dist = dijkstra(graph, directed=True, indices=idx, limit=max(lim, 0.0))
        dist = np.atleast_2d(dist)
        for row, o in zip(dist, off[start:start + batch], strict=True):
            total = row + o
            nodes = np.flatnonzero(total <= limit)
            out.append((nodes, total[nodes]))
    return out
