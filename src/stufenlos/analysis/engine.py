"""Batch reachability: from many origins to destination categories, per profile.

The routing engine (:mod:`stufenlos.routing`) answers one person's query; here we
need *all* origins at once. We use the same per-arc weights as
:meth:`Router.reach <stufenlos.routing.Router.reach>` -- the profile's travel time
``time_s``, arcs that break a hard limit (or are closed) left out, the search
capped by the profile's range ``max_distance_m / speed_mps`` -- and run SciPy's
bounded Dijkstra (``scipy.sparse.csgraph.dijkstra`` with ``limit``) from every
distinct origin node -- or, when there are fewer distinct destination nodes, from
each of them on the reversed graph (same distances, far fewer searches). The
router has no one-to-all search with a cut-off over many sources that returns
full rows, so this module builds that batch primitive on its weights.

Origins and destinations are snapped to the nearest node that has an arc the
``wheelchair`` preset may use (a step-free door onto the pavement), the same
node for every profile, and the straight walk to it is added at the profile's
speed. This keeps results comparable between profiles: with the presets'
weights a wheelchair user never reaches more than a standard walker from the
same point (tested).

Work is split into chunks of origin (or destination) nodes fixed before anything
runs; :mod:`stufenlos.analysis.execution` runs the chunks in-process or on a Dask
cluster and they are combined in order, so results do not depend on which.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from stufenlos._graph import bounded_csr
from stufenlos.geo import LocalProjection
from stufenlos.network import Network, csr_arrays
from stufenlos.profiles import Profile, get_profile

__all__ = [
    "DEFAULT_BUDGETS_MIN",
    "DEFAULT_DECAY_MIN",
    "ChunkTask",
    "ProfileGraph",
    "Snapper",
    "arc_times",
    "compute_chunk",
    "compute_dest_chunk",
    "measure",
    "plan_chunks",
    "profile_graph",
    "reduce_times",
]

logger = logging.getLogger(__name__)

#: default travel-time budgets in minutes
DEFAULT_BUDGETS_MIN: tuple[float, ...] = (5.0, 10.0, 15.0)
#: default decay (minutes) of the gravity score ``sum(exp(-t / decay))``
DEFAULT_DECAY_MIN = 10.0
#: points farther than this from any snap node are not covered by the network
MAX_SNAP_M = 150.0
_MIN_ARC_S = 1e-3  # SciPy drops explicit zeros from sparse graphs: keep arcs positive


@dataclass(frozen=True, eq=False)
class ProfileGraph:
    """A profile's walkable graph as CSR arrays (seconds), with its search cap.

    Small and picklable: this is what a Dask worker receives.
    """

    profile: str
    speed_mps: float
    n_nodes: int
    indptr: NDArray[np.int32]
    indices: NDArray[np.int32]
    data: NDArray[np.float64]
    range_s: float  # the profile's range as time; inf if none

    def matrix(self) -> scipy.sparse.csr_matrix:
        return scipy.sparse.csr_matrix((self.data, self.indices, self.indptr),
                                       shape=(self.n_nodes, self.n_nodes))

    @cached_property
    def reversed_matrix(self) -> scipy.sparse.csr_matrix:
        """The graph with every arc turned round: searches give distances *to* a node."""
        return self.matrix().T.tocsr()

    def times_to(self, nodes: NDArray[np.int64], limit_s: float
                 ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        """Every node within ``limit_s`` of each of ``nodes`` and its time *to* it.

        Returns ``(ptr, reached, time_s)``: node ``nodes[i]`` is reached from
        ``reached[ptr[i]:ptr[i + 1]]``. Sparse, so a search costs what it
        reaches, however large the city.
        """
        rev = self.reversed_matrix
        return bounded_csr(rev.indptr, rev.indices, rev.data, nodes, limit_s)


def arc_times(network: Network, profile: Profile | str, *,
              blocked: NDArray[np.integer] | None = None,
              unblocked: NDArray[np.integer] | None = None
              ) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Which arcs of ``network`` ``profile`` may use, and their travel times.

    Parameters
    ----------
    network
        The network (or any subset of its arcs: every arc is judged on its own).
    profile
        The profile or its name.
    blocked, unblocked
        Arcs left out (closures), and arcs used even if they break a limit.

    Returns
    -------
    ok : ndarray of bool
        Arcs the profile may use.
    time_s : ndarray of float
        Travel time of every arc in seconds (at least a millisecond).
    """
    costs = get_profile(profile).evaluate(network, optimize="comfort")
    ok = ~costs.violates
    if unblocked is not None and len(unblocked):
        ok[np.asarray(unblocked, np.int64)] = True
    if blocked is not None and len(blocked):
        ok[np.asarray(blocked, np.int64)] = False
    time_s = np.maximum(np.nan_to_num(costs.time_s, nan=np.inf), _MIN_ARC_S)
    ok &= np.isfinite(time_s)
    return ok, time_s


def profile_graph(network: Network, profile: Profile | str, *,
                  blocked: NDArray[np.integer] | None = None,
                  unblocked: NDArray[np.integer] | None = None) -> ProfileGraph:
    """The usable arcs of ``network`` for ``profile`` with their travel times.

    ``blocked`` arcs are left out (closures); ``unblocked`` arcs are used even if
    they break a limit (a barrier that a scenario removes).
    """
    prof = get_profile(profile)
    ok, time_s = arc_times(network, prof, blocked=blocked, unblocked=unblocked)
    indptr, indices, data = csr_arrays(network.n_nodes, network.u[ok], network.v[ok],
                                       time_s[ok])
    cap = prof.max_distance_m / prof.speed_mps if prof.max_distance_m else np.inf
    return ProfileGraph(profile=prof.name, speed_mps=prof.speed_mps, n_nodes=network.n_nodes,
                        indptr=indptr, indices=indices, data=data, range_s=float(cap))


@dataclass(eq=False)
class Snapper:
    """Snaps points to the network's step-free-usable nodes (see the module docstring)."""

    network: Network
    max_snap_m: float = MAX_SNAP_M

    @cached_property
    def projection(self) -> LocalProjection:
        """The local metric projection around the network's centre."""
        return LocalProjection.around(self.network.node_lonlat)

    @cached_property
    def candidates(self) -> NDArray[np.int64]:
        costs = get_profile("wheelchair").evaluate(self.network)
        ok = ~costs.violates
        nodes = np.unique(np.concatenate([self.network.u[ok], self.network.v[ok]]))
        if nodes.size == 0:
            nodes = np.arange(self.network.n_nodes)
        return nodes.astype(np.int64)

    @cached_property
    def _tree(self) -> cKDTree:
        xy = self.projection.to_xy(self.network.node_lonlat[self.candidates])
        return cKDTree(xy)

    def snap_xy(self, xy: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Nearest candidate node and its distance (m) for projected points."""
        if len(xy) == 0:
            return np.empty(0, np.int64), np.empty(0)
        dist, idx = self._tree.query(np.asarray(xy, np.float64))
        return self.candidates[idx], dist

    def snap_lonlat(self, lonlat: NDArray[np.float64]
                    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Nearest candidate node and its distance (m) for lon/lat points."""
        return self.snap_xy(self.projection.to_xy(np.asarray(lonlat, np.float64)))

    def covered(self, xy: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether projected points lie within :attr:`max_snap_m` of the network."""
        _, d = self.snap_xy(xy)
        return d <= self.max_snap_m


@dataclass(frozen=True, eq=False)
class Destinations:
    """Destination nodes sorted by category, with the walk to them (m)."""

    categories: tuple[str, ...]
    nodes: NDArray[np.int64]
    offset_m: NDArray[np.float64]
    starts: NDArray[np.int64]  # slice start per category, len = n_categories + 1


def snap_destinations(snapper: Snapper, dest: pd.DataFrame,
                      categories: Sequence[str]) -> Destinations:
    """Snap ``dest`` (``category, lon, lat``) and group it by ``categories`` order.

    Destinations farther than the snap limit from the network are left out.
    """
    nodes, dist = snapper.snap_lonlat(dest[["lon", "lat"]].to_numpy(np.float64))
    keep = dist <= snapper.max_snap_m
    cat = dest["category"].to_numpy()
    order_nodes, order_off, starts = [], [], [0]
    for c in categories:
        sel = keep & (cat == c)
        order_nodes.append(nodes[sel])
        order_off.append(dist[sel])
        starts.append(starts[-1] + int(sel.sum()))
    return Destinations(tuple(categories), np.concatenate(order_nodes).astype(np.int64),
                        np.concatenate(order_off), np.array(starts, np.int64))


@dataclass(frozen=True, eq=False)
class ChunkTask:
    """One chunk of origins: their nodes and walks to the network (m)."""

    index: int
    origin_ids: NDArray[np.int64]  # positions in the origins table
    nodes: NDArray[np.int64]
    offset_m: NDArray[np.float64]


def plan_chunks(nodes: NDArray[np.int64], offset_m: NDArray[np.float64], *,
                nodes_per_chunk: int = 128) -> list[ChunkTask]:
    """Split origins into chunks of at most ``nodes_per_chunk`` distinct nodes.

    The split depends only on the origins, never on the scheduler.
    """
    ids = np.arange(len(nodes))
    order = np.lexsort((ids, nodes))
    uniq = np.unique(nodes)
    tasks = []
    for i, start in enumerate(range(0, len(uniq), nodes_per_chunk)):
        chunk_nodes = uniq[start:start + nodes_per_chunk]
        sel = order[np.isin(nodes[order], chunk_nodes)]
        tasks.append(ChunkTask(i, sel, nodes[sel], offset_m[sel]))
    return tasks


@dataclass(frozen=True)
class Measures:
    """Settings of the measures: budgets (s) and gravity decay (s)."""

    budgets_s: tuple[float, ...] = tuple(b * 60.0 for b in DEFAULT_BUDGETS_MIN)
    decay_s: float = DEFAULT_DECAY_MIN * 60.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def limit_s(self) -> float:
        return max(self.budgets_s)


def compute_chunk(graph: ProfileGraph, dest: Destinations, measures: Measures,
                  task: ChunkTask) -> dict[str, NDArray[Any]]:
    """Measures for one chunk of origins and one profile.

    Returns arrays with one row per origin of the chunk: ``origin_id``,
    ``nearest_s`` (n, n_categories; NaN beyond the largest budget or the
    profile's range), ``count`` (n, n_categories, n_budgets) and ``gravity``
    (n, n_categories).
    """
    limit = min(measures.limit_s, graph.range_s)
    uniq, row = np.unique(task.nodes, return_inverse=True)
    dist = dijkstra(graph.matrix(), directed=True, indices=uniq, limit=limit)
    t = dist[:, dest.nodes][row]
    t += task.offset_m[:, None] / graph.speed_mps
    t += dest.offset_m[None, :] / graph.speed_mps
    t[t > limit] = np.inf
    out = reduce_times(t, dest, measures)
    out["origin_id"] = task.origin_ids
    return out


def reduce_times(t: NDArray[np.float64], dest: Destinations,
                 measures: Measures) -> dict[str, NDArray[Any]]:
    """``nearest_s``, ``count`` and ``gravity`` per category from travel times
    ``t`` (origins x destinations, inf = out of reach)."""
    n, k = t.shape[0], len(dest.categories)
    budgets = np.asarray(measures.budgets_s)
    nearest = np.full((n, k), np.nan)
    count = np.zeros((n, k, len(budgets)), np.int32)
    gravity = np.zeros((n, k))
    for c in range(k):
        a, b = dest.starts[c], dest.starts[c + 1]
        if a == b:
            continue
        tc = t[:, a:b]
        m = tc.min(axis=1)
        nearest[:, c] = np.where(np.isfinite(m), m, np.nan)
        count[:, c, :] = (tc[:, :, None] <= budgets[None, None, :]).sum(axis=1)
        gravity[:, c] = np.exp(-tc / measures.decay_s).sum(axis=1)
    return {"nearest_s": nearest, "count": count, "gravity": gravity}


@dataclass(frozen=True, eq=False)
class OriginSet:
    """All origins' nodes and walks to the network (m), with their distinct nodes."""

    nodes: NDArray[np.int64]
    offset_m: NDArray[np.float64]

    @cached_property
    def unique(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        uniq, row = np.unique(self.nodes, return_inverse=True)
        return uniq, row.ravel()

    @cached_property
    def by_node(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """``(uniq, ptr, order)``: the origins at ``uniq[j]`` are
        ``order[ptr[j]:ptr[j + 1]]``."""
        order = np.argsort(self.nodes, kind="stable")
        uniq, counts = np.unique(self.nodes[order], return_counts=True)
        ptr = np.zeros(len(uniq) + 1, np.int64)
        np.cumsum(counts, out=ptr[1:])
        return uniq, ptr, order

    def at(self, nodes: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """``(which, origin)``: every origin at ``nodes[which]``, one pair per origin."""
        uniq, ptr, order = self.by_node
        if not len(uniq):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        j = np.minimum(np.searchsorted(uniq, nodes), len(uniq) - 1)
        hit = np.flatnonzero(uniq[j] == nodes)
        which, pos = _expand(ptr[j[hit]], ptr[j[hit] + 1] - ptr[j[hit]])
        return hit[which], order[pos]


def _expand(starts: NDArray[np.int64], counts: NDArray[np.int64]
            ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``(owner, position)`` for the ranges ``starts[i] : starts[i] + counts[i]``."""
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    return owner, np.arange(int(counts.sum())) - first[owner] + starts[owner]


@dataclass(frozen=True, eq=False)
class DestTask:
    """One chunk of destinations (a range of positions in :class:`Destinations`)."""

    index: int
    start: int
    stop: int


def plan_dest_chunks(dest: Destinations, *, per_chunk: int = 64) -> list[DestTask]:
    """Split the destinations into ranges of at most ``per_chunk``."""
    n = len(dest.nodes)
    return [DestTask(i, a, min(a + per_chunk, n))
            for i, a in enumerate(range(0, n, per_chunk))]


def compute_dest_chunk(graph: ProfileGraph, dest: Destinations, origins: OriginSet,
                       measures: Measures, task: DestTask) -> dict[str, NDArray[Any]]:
    """Partial measures of the origins one chunk of destinations reaches.

    One bounded search per distinct destination node on the reversed graph gives
    the time *to* it from the nodes within the limit; only the origins at those
    nodes get a row, so a chunk costs what its searches reach, not the size of
    the city. Returns ``origin`` (the origins' positions, distinct),
    ``nearest_s`` (min), ``count`` and ``gravity`` (sums) over this chunk's
    destinations, per category.
    """
    limit = min(measures.limit_s, graph.range_s)
    k = len(dest.categories)
    budgets = np.asarray(measures.budgets_s)
    d_nodes = dest.nodes[task.start:task.stop]
    uniq_d, d_row = np.unique(d_nodes, return_inverse=True)
    d_row = d_row.ravel()
    ptr, reached, time_s = graph.times_to(uniq_d, limit)
    # one entry per (destination of the chunk, node it is reached from) ...
    d_i, pos = _expand(ptr[d_row], ptr[d_row + 1] - ptr[d_row])
    # ... and per origin at that node
    which, origin = origins.at(reached[pos])
    d_i = d_i[which]
    t = time_s[pos[which]]
    t += origins.offset_m[origin] / graph.speed_mps
    t += dest.offset_m[task.start + d_i] / graph.speed_mps
    keep = t <= limit
    t, origin, d_i = t[keep], origin[keep], d_i[keep]
    cat = np.searchsorted(dest.starts, task.start + d_i, side="right") - 1
    ids, row = np.unique(origin, return_inverse=True)
    m = len(ids)
    cell = row.ravel() * k + cat
    nearest = np.full(m * k, np.inf)
    np.minimum.at(nearest, cell, t)
    count = np.stack([np.bincount(cell[t <= b], minlength=m * k) for b in budgets],
                     axis=-1).astype(np.int32)
    gravity = np.bincount(cell, weights=np.exp(-t / measures.decay_s), minlength=m * k)
    return {"origin": ids, "nearest_s": nearest.reshape(m, k),
            "count": count.reshape(m, k, len(budgets)), "gravity": gravity.reshape(m, k)}


def measure(graph: ProfileGraph, dest: Destinations, nodes: NDArray[np.int64],
            offset_m: NDArray[np.float64], measures: Measures, runner: Any, *,
            mode: str = "auto", desc: str = ""
            ) -> tuple[NDArray[np.float64], NDArray[np.int32], NDArray[np.float64]]:
    """``nearest_s`` (NaN = none in reach), ``count`` and ``gravity`` for every origin.

    ``mode="origins"`` searches from every distinct origin node, ``"destinations"``
    from every distinct destination node on the reversed graph; ``"auto"`` picks
    the side with fewer distinct nodes. The chunks are fixed before they run and
    are combined in their order, so the scheduler never changes the result.
    """
    n, k, nb = len(nodes), len(dest.categories), len(measures.budgets_s)
    if mode == "auto":
        mode = ("destinations" if np.unique(dest.nodes).size < np.unique(nodes).size
                else "origins")
    if mode == "origins":
        tasks = plan_chunks(nodes, offset_m)
        parts = runner.map(compute_chunk, (graph, dest, measures), tasks, desc=desc)
        nearest = np.full((n, k), np.nan)
        count = np.zeros((n, k, nb), np.int32)
        gravity = np.zeros((n, k))
        for part in parts:
            ids = part["origin_id"]
            nearest[ids], count[ids], gravity[ids] = (part["nearest_s"], part["count"],
                                                      part["gravity"])
        return nearest, count, gravity
    if mode != "destinations":
        msg = f"mode must be auto, origins or destinations, got {mode!r}"
        raise ValueError(msg)
    origins = OriginSet(np.asarray(nodes, np.int64), np.asarray(offset_m, np.float64))
    dtasks = plan_dest_chunks(dest)
    parts = runner.map(compute_dest_chunk, (graph, dest, origins, measures), dtasks, desc=desc)
    nearest = np.full((n, k), np.inf)
    count = np.zeros((n, k, nb), np.int32)
    gravity = np.zeros((n, k))
    for part in parts:
        ids = part["origin"]
        nearest[ids] = np.minimum(nearest[ids], part["nearest_s"])
        count[ids] += part["count"]
        gravity[ids] += part["gravity"]
    nearest[~np.isfinite(nearest)] = np.nan
    return nearest, count, gravity
