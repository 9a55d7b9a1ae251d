"""Shortest-path engines behind :mod:`stufenlos.routing` (private).

Two engines share one small interface, chosen by measurement (bench/routing.py):

* :class:`CCHMetric` — RoutingKit's customizable contraction hierarchy
  (pyroutingkit) for point-to-point routes and matrices: the topology is built
  once per network, every cost vector is a cheap customisation, and closures
  re-customise only the touched arcs.
* :func:`bounded_dijkstra` — a compiled (numba) Dijkstra with a cost limit for
  reachable areas (CCH has no one-to-all query), settling only what the budget
  reaches.

Weights are integer deciseconds (RoutingKit wants ``uint32``).

Nothing here need happen at a request: an import stores the contraction order
beside the network (:func:`save_topologies`, folders ``cch`` and ``cch-reverse``),
which :func:`topology_for` loads instead of building it, and the Dijkstra is
compiled once into numba's on-disk cache (``__pycache__`` beside this file, or
``$NUMBA_CACHE_DIR``) and loaded into a process by :func:`warm_kernels`.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numba
import numpy as np
import pyroutingkit
from numpy.typing import NDArray

from stufenlos.network import csr_indptr

if TYPE_CHECKING:
    from stufenlos.network import Network

__all__ = [
    "INF",
    "METRIC_BYTES_PER_ARC",
    "SCALE",
    "CCHMetric",
    "CCHTopology",
    "bounded_csr",
    "bounded_dijkstra",
    "save_topologies",
    "to_weights",
    "topology_for",
    "warm_kernels",
]

logger = logging.getLogger(__name__)

#: weight units per second of cost
SCALE = 10.0
#: the engine's "unreachable"
INF = int(pyroutingkit.INF_WEIGHT)
_MAX_WEIGHT = INF // 4
#: memory of one customised metric per input arc, in bytes (RoutingKit's up and down
#: weights of the hierarchy's arcs and our copy of the input weights; process memory
#: growth per metric measured on Heidelberg: 22 bytes)
METRIC_BYTES_PER_ARC = 24
#: threads for one-to-all searches from many origins
_THREADS = max(1, min(4, os.cpu_count() or 1))


def to_weights(cost_s: NDArray[np.float64]) -> NDArray[np.uint32]:
    """Round costs in seconds to engine weights (at least 1, far below infinity)."""
    w = np.rint(np.asarray(cost_s, np.float64) * SCALE)
    return np.clip(w, 1, _MAX_WEIGHT).astype(np.uint32)


class CCHTopology:
    """The contraction order of one network, shared by all its metrics."""

    def __init__(self, network: Network, *, reverse: bool = False,
                 twin: CCHTopology | None = None) -> None:
        self.n_nodes = network.n_nodes
        self.n_edges = network.n_edges
        self.reverse = reverse
        # a reverse topology keeps arc ids but turns every arc round, so a metric on it
        # gives costs *to* its sources: RoutingKit's many-to-many is several times
        # faster with few sources than with few targets (measured in bench/routing.py)
        tail, head = (network.v, network.u) if reverse else (network.u, network.v)
        self.tail = tail.astype(np.uint32)
        self.head = head.astype(np.uint32)
        self._topo = pyroutingkit.CCHTopology()
        stored = (network.folder / _stored_name(reverse)
                  if network.folder is not None else None)
        if (stored is None or not self._load(stored)) and (
                twin is None or not self._from_twin(twin)):
            logger.info("building CCH topology for %d nodes, %d arcs",
                        network.n_nodes, network.n_edges)
            lonlat = network.node_lonlat
            self._topo.build(self.tail, self.head, lonlat[:, 1].astype(np.float32),
                             lonlat[:, 0].astype(np.float32), self.n_nodes)
        self._csr_order: NDArray[np.int64] | None = None
        self._out: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int32]] | None = None

    def _load(self, folder: Path) -> bool:
        """Load the contraction order stored in ``folder`` if it is this graph's."""
        if not folder.is_dir():
            return False
        try:
            same = (np.array_equal(np.fromfile(folder / "tail", np.uint32), self.tail)
                    and np.array_equal(np.fromfile(folder / "head", np.uint32), self.head))
            if same:
                self._topo.load(str(folder))
                return True
            why = "it belongs to another graph"
        except (OSError, RuntimeError, ValueError) as exc:
            why = str(exc)
        logger.warning("not using the stored CCH topology in %s (%s); building it", folder, why)
        self._topo = pyroutingkit.CCHTopology()
        return False

    def _from_twin(self, twin: CCHTopology) -> bool:
        """Take the contraction order of the same network's other direction.

        The nested dissection order depends only on the undirected graph, which a
        network and its reverse share, so the expensive part of :meth:`build` is
        done once: the twin's stored order is loaded with this direction's arcs.
        """
        if (twin.n_nodes, twin.n_edges) != (self.n_nodes, self.n_edges):
            return False
        with tempfile.TemporaryDirectory(prefix="stufenlos-cch-") as tmp:
            twin.save(tmp)
            self.tail.tofile(Path(tmp) / "tail")
            self.head.tofile(Path(tmp) / "head")
            self._topo.load(tmp)
        return True

    def save(self, folder: str | os.PathLike[str]) -> None:
        """Store the contraction order in ``folder`` (loaded again by a network read
        from the folder above it, see :func:`topology_for`)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        self._topo.save(str(out))

    def metric(self, weights: NDArray[np.uint32]) -> CCHMetric:
        """A customised metric for one weight vector."""
        return CCHMetric(self, weights)

    def csr_order(self) -> NDArray[np.int64]:
        """Arc order by tail (then head): the outgoing adjacency's arc order."""
        if self._csr_order is None:
            self._csr_order = np.lexsort((self.head, self.tail))
        return self._csr_order

    def out_csr(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int32]]:
        """Cached ``(order, indptr, heads)`` outgoing adjacency for one-to-all searches."""
        if self._out is None:
            self._out = _out_csr(self)
        return self._out


_TOPOLOGIES: weakref.WeakKeyDictionary[Network, CCHTopology] = weakref.WeakKeyDictionary()
_REVERSE_TOPOLOGIES: weakref.WeakKeyDictionary[Network, CCHTopology] = (
    weakref.WeakKeyDictionary())
_LOCK = threading.Lock()


def topology_for(network: Network, *, reverse: bool = False) -> CCHTopology:
    """The (cached) CCH topology of ``network`` (or of its reverse graph).

    A network read from an import folder loads the order the import stored
    (:func:`save_topologies`); without one, or if it does not fit, it takes the order
    of the other direction when that is at hand, and is built otherwise.
    """
    cache = _REVERSE_TOPOLOGIES if reverse else _TOPOLOGIES
    with _LOCK:
        topo = cache.get(network)
        if topo is None:
            twin = (_TOPOLOGIES if reverse else _REVERSE_TOPOLOGIES).get(network)
            topo = CCHTopology(network, reverse=reverse, twin=twin)
            cache[network] = topo
        return topo


def _stored_name(reverse: bool) -> str:
    return "cch-reverse" if reverse else "cch"


def save_topologies(network: Network, folder: str | os.PathLike[str]) -> None:
    """Store the contraction orders of ``network`` and its reverse graph in ``folder``
    (the network's own folder), so that loading the network skips building them."""
    for reverse in (False, True):
        topology_for(network, reverse=reverse).save(Path(folder) / _stored_name(reverse))


def warm_kernels() -> None:
    """Load (or compile, the first time on this machine) the compiled searches.

    Loading numba's cached machine code takes about a second in a fresh process;
    a server calls this at start so that no request pays for it.
    """
    indptr = np.zeros(2, np.int64)
    _bounded(indptr, np.zeros(0, np.int32), np.zeros(0), np.zeros(1, np.int64), np.zeros(1),
             np.array([0, 1], np.int64), 1.0, 1)


class CCHMetric:
    """One customised weight vector over a :class:`CCHTopology`."""

    def __init__(self, topology: CCHTopology, weights: NDArray[np.uint32]) -> None:
        self.topology = topology
        self.weights = np.array(weights, dtype=np.uint32)
        self._metric = pyroutingkit.CCHMetric(topology._topo)
        self._metric.customize(self.weights)
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """Memory held by this metric, in bytes (estimated from the arc count)."""
        return METRIC_BYTES_PER_ARC * self.topology.n_edges

    def customize(self, weights: NDArray[np.uint32]) -> None:
        """Customise again in full with other weights (the memory is reused)."""
        with self._lock:
            self.weights = np.array(weights, dtype=np.uint32)
            self._metric.customize(self.weights)

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


def _out_csr(topology: CCHTopology) -> tuple[NDArray[np.int64], NDArray[np.int64],
                                            NDArray[np.int32]]:
    """``(order, indptr, heads)``: arcs sorted by tail, as an outgoing adjacency."""
    order = topology.csr_order()
    indptr = csr_indptr(topology.tail, topology.n_nodes)
    return order, indptr, topology.head[order].astype(np.int32)


@numba.njit(cache=True, nogil=True, inline="always")
def _heap_push(heap_d, heap_x, size, d, x):  # pragma: no cover
    """Push ``(d, x)`` on a binary min-heap, growing its arrays when full."""
    if size == len(heap_d):
        heap_d = np.concatenate((heap_d, np.empty(size, np.float64)))
        heap_x = np.concatenate((heap_x, np.empty(size, np.int64)))
    i = size
    while i > 0:
        p = (i - 1) // 2
        if heap_d[p] <= d:
            break
        heap_d[i] = heap_d[p]
        heap_x[i] = heap_x[p]
        i = p
    heap_d[i] = d
    heap_x[i] = x
    return heap_d, heap_x, size + 1


@numba.njit(cache=True, nogil=True)
def _bounded(indptr, heads, w, sources, offsets, group_ptr, limit, n):  # pragma: no cover
    # Hand-written because scipy's Dijkstra returns a dense n-wide row per
    # origin: for thousands of small 15-minute sets, allocating and scanning
    # those rows costs far more than the search (measured in bench/routing.py).
    dist = np.full(n, np.inf)
    touched = np.empty(n, np.int64)
    heap_d = np.empty(16, np.float64)
    heap_x = np.empty(16, np.int64)
    cap = 1024
    out_x = np.empty(cap, np.int64)
    out_d = np.empty(cap, np.float64)
    n_out = 0
    n_groups = len(group_ptr) - 1
    result_ptr = np.zeros(n_groups + 1, np.int64)
    for g in range(n_groups):
        n_touched = 0
        size = 0
        for k in range(group_ptr[g], group_ptr[g + 1]):
            x0 = sources[k]
            d0 = offsets[k]
            if d0 <= limit and d0 < dist[x0]:
                if dist[x0] == np.inf:
                    touched[n_touched] = x0
                    n_touched += 1
                dist[x0] = d0
                heap_d, heap_x, size = _heap_push(heap_d, heap_x, size, d0, x0)
        while size > 0:
            d = heap_d[0]
            x = heap_x[0]
            size -= 1
            last_d = heap_d[size]
            last_x = heap_x[size]
            i = 0
            while True:
                c = 2 * i + 1
                if c >= size:
                    break
                if c + 1 < size and heap_d[c + 1] < heap_d[c]:
                    c += 1
                if heap_d[c] >= last_d:
                    break
                heap_d[i] = heap_d[c]
                heap_x[i] = heap_x[c]
                i = c
            if size > 0:
                heap_d[i] = last_d
                heap_x[i] = last_x
            if d > dist[x]:
                continue
            if n_out == cap:
                cap *= 2
                out_x = np.concatenate((out_x, np.empty(cap - n_out, np.int64)))
                out_d = np.concatenate((out_d, np.empty(cap - n_out, np.float64)))
            out_x[n_out] = x
            out_d[n_out] = d
            n_out += 1
            for a in range(indptr[x], indptr[x + 1]):
                y = heads[a]
                nd = d + w[a]
                if nd <= limit and nd < dist[y]:
                    if dist[y] == np.inf:
                        touched[n_touched] = y
                        n_touched += 1
                    dist[y] = nd
                    heap_d, heap_x, size = _heap_push(heap_d, heap_x, size, nd, y)
        for k in range(n_touched):
            dist[touched[k]] = np.inf
        result_ptr[g + 1] = n_out
    return result_ptr, out_x[:n_out], out_d[:n_out]


def bounded_csr(indptr: NDArray[np.int64], heads: NDArray[np.int32],
                weights: NDArray[np.float64], sources: NDArray[np.integer], limit: float,
                ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Nodes within ``limit`` of each source on a CSR graph, as flat arrays.

    Parameters
    ----------
    indptr, heads, weights
        The graph's outgoing arcs (CSR), with a non-negative cost per arc.
    sources
        Start nodes; one search each.
    limit
        Largest cost kept (same units as ``weights``).

    Returns
    -------
    ptr : ndarray of int64
        Search ``i`` settled ``nodes[ptr[i]:ptr[i + 1]]``.
    nodes, costs : ndarray
        Settled nodes and their costs, in settling order per search. Memory
        and time follow the nodes reached, not the size of the graph.
    """
    sources = np.asarray(sources, np.int64)
    return _bounded(np.asarray(indptr, np.int64), np.asarray(heads, np.int32),
                    np.asarray(weights, np.float64), sources, np.zeros(len(sources)),
                    np.arange(len(sources) + 1, dtype=np.int64), float(limit),
                    len(indptr) - 1)


def bounded_dijkstra(topology: CCHTopology, weights: NDArray[np.uint32],
                     sources: NDArray[np.integer], limit: float,
                     offsets: NDArray[np.float64] | None = None, *,
                     groups: NDArray[np.integer] | None = None,
                     ) -> list[tuple[NDArray[np.int64], NDArray[np.float64]]]:
    """Nodes within ``limit`` (engine units) of each source, with their costs.

    ``offsets`` gives a start cost per source; ``groups`` (sorted group number per
    source) searches several sources together, as one origin on a snapped arc
    starts from both of its ends. Returns one ``(nodes, costs)`` pair per group
    (per source without ``groups``), nodes in the order they were settled.
    """
    order, indptr, heads = topology.out_csr()
    sources = np.asarray(sources, np.int64)
    off = np.zeros(len(sources)) if offsets is None else np.asarray(offsets, np.float64)
    if groups is None:
        group_ptr = np.arange(len(sources) + 1, dtype=np.int64)
    else:
        counts = np.bincount(np.asarray(groups, np.int64))
        group_ptr = np.zeros(len(counts) + 1, np.int64)
        np.cumsum(counts, out=group_ptr[1:])
    w = weights[order].astype(np.float64)
    n_groups = len(group_ptr) - 1
    # The compiled search releases the GIL: many origins are split over threads.
    n_threads = min(_THREADS, max(n_groups // 64, 1))
    cuts = np.linspace(0, n_groups, n_threads + 1).astype(np.int64)

    def run(i: int) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        gp = group_ptr[cuts[i]:cuts[i + 1] + 1]
        lo, hi = gp[0], gp[-1]
        return _bounded(indptr, heads, w, sources[lo:hi], off[lo:hi], gp - lo, float(limit),
                        topology.n_nodes)

    if n_threads == 1:
        parts = [run(0)]
    else:
        with ThreadPoolExecutor(n_threads) as pool:
            parts = list(pool.map(run, range(n_threads)))
    out: list[tuple[NDArray[np.int64], NDArray[np.float64]]] = []
    for ptr, xs, ds in parts:
        out.extend((xs[ptr[g]:ptr[g + 1]], ds[ptr[g]:ptr[g + 1]]) for g in range(len(ptr) - 1))
    return out
