"""Walks inside stations and between stops, for one profile and equipment state.

The station graph is made of GTFS ``pathways``; transfers add ``transfers.txt``
and street walks between stops that are reachable from the street. A
step-free profile never uses stairs or escalators, and an elevator only while
its status is not out of service.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from stufenlos.geo import LocalProjection
from stufenlos.transit.walk import pair_walk_seconds

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from stufenlos.transit.profile import TransitProfile
    from stufenlos.transit.timetable import Timetable

__all__ = ["Footpaths", "build_footpaths", "street_walks", "walk_key"]


@dataclass(frozen=True, eq=False)
class Footpaths:
    """Station and transfer graph results for one profile and equipment state."""

    s2b: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]  # street -> board
    b2s: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]  # board -> street
    fp: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]  # board -> board
    pred_station: NDArray[np.int32]  # predecessors from each street node (pathways only)
    pred_station_rev: NDArray[np.int32]  # predecessors from each boardable stop (pathways)
    pred_transfer: NDArray[np.int32]  # predecessors from each boardable stop (all edges)
    street_row: NDArray[np.int64]  # stop -> row in pred_station (-1)
    board_row: NDArray[np.int64]  # stop -> row in pred_station_rev / pred_transfer (-1)
    edge_pathway: dict[tuple[int, int], int]  # (u, v) -> pathway row
    board_ok: NDArray[np.bool_]  # per pattern position
    alight_ok: NDArray[np.bool_]


def build_footpaths(
    tt: Timetable, profile: TransitProfile, closed: frozenset[str] = frozenset(),
    working: frozenset[str] = frozenset(), closed_stops: frozenset[str] = frozenset(),
) -> Footpaths:
    """Station, access and transfer walks of a timetable for one profile.

    Parameters
    ----------
    tt
        The service day.
    profile
        Who walks: speed, step-free needs, unknown policy and transfer limit.
    closed, working
        Elevator pathway ids out of service and known to work; other elevators
        have an unknown status.
    closed_stops
        Stops whose step-free access is out of service now.

    Returns
    -------
    Footpaths
        Walks street -> boardable stop, boardable stop -> street and between
        boardable stops (seconds), the predecessor rows to rebuild them, and
        which pattern positions the profile may board or leave at.

    Notes
    -----
    :meth:`stufenlos.transit.timetable.Timetable.footpaths` caches the result.
    """
    n = len(tt.stops)
    usable = tt.stop_usable(profile, closed_stops)
    pw = tt.pathways
    u = pw["u"].to_numpy(np.int64)
    v = pw["v"].to_numpy(np.int64)
    mode = pw["mode"].to_numpy(np.int64)
    length = pw["length"].to_numpy(np.float64)
    t = pw["time"].to_numpy(np.float64)
    ids = pw["pathway_id"].to_numpy(str)
    # Walk at the person's speed where the length is known.
    walk_t = np.where(np.isfinite(length), length / profile.speed_mps,
                      np.where(np.isfinite(t), t * 1.3 / profile.speed_mps, 30.0))
    time = np.where(np.isin(mode, (4, 5)) & np.isfinite(t), t, walk_t)
    keep = np.ones(len(pw), bool)
    if len(pw):
        is_closed = np.isin(ids, list(closed)) & (mode == 5)
        keep &= ~is_closed
        if profile.step_free:
            keep &= ~np.isin(mode, (2, 4))
            keep &= ~(pw["stairs"].to_numpy(np.float64) > 0)
            keep &= usable[u] & usable[v]
        unknown_el = (mode == 5) & ~np.isin(ids, list(working)) & ~is_closed
        if profile.unknown_policy == "strict" and profile.step_free:
            keep &= ~unknown_el
        elif profile.unknown_policy == "cautious":
            time = time + np.where(unknown_el, profile.elevator_wait_s, 0.0)
    bidir = pw["bidirectional"].to_numpy(bool)
    eu = np.r_[u[keep], v[keep & bidir]]
    ev = np.r_[v[keep], u[keep & bidir]]
    ew = np.r_[time[keep], time[keep & bidir]]
    erow = np.r_[np.flatnonzero(keep), np.flatnonzero(keep & bidir)]
    edge_pathway = {(int(a), int(b)): int(r) for a, b, r in zip(eu, ev, erow, strict=True)}
    g_station = _graph(n, eu, ev, ew)
    street = tt.street_nodes[usable[tt.street_nodes]]
    board = tt.boardable[usable[tt.boardable]]
    limit = 1800.0
    d_s, pred_s = csgraph.dijkstra(g_station, indices=street, limit=limit,
                                   return_predecessors=True)
    s2b = _triplets(d_s, street, board)
    d_b, pred_b = csgraph.dijkstra(g_station, indices=board, limit=limit,
                                   return_predecessors=True)
    b2s = _triplets(d_b, board, street)
    # Transfers: pathways + transfers.txt + street walks between street nodes.
    tu, tv, tw = [eu], [ev], [ew]
    tr = tt.feed.transfers
    if len(tr) and "from_stop_id" in tr.columns:
        tr = tr[tr["transfer_type"].to_numpy() != 3]
        a = tt.stop_index.reindex(tr["from_stop_id"].to_numpy()).to_numpy()
        b = tt.stop_index.reindex(tr["to_stop_id"].to_numpy()).to_numpy()
        mt = pd.to_numeric(tr.get("min_transfer_time"), errors="coerce")
        w = np.nan_to_num(np.asarray(mt, np.float64), nan=60.0)
        ok = ~np.isnan(a) & ~np.isnan(b) & (a != b)
        a, b, w = a[ok].astype(np.int64), b[ok].astype(np.int64), w[ok]
        ok = usable[a] & usable[b]
        tu.append(a[ok])
        tv.append(b[ok])
        tw.append(w[ok])
    a, b, w = tt.street_walks(profile)
    ok = usable[a] & usable[b]
    tu += [a[ok], b[ok]]
    tv += [b[ok], a[ok]]
    tw += [w[ok], w[ok]]
    g_all = _graph(n, np.concatenate(tu), np.concatenate(tv), np.concatenate(tw))
    max_tr = max(profile.max_transfer_m / profile.speed_mps * 1.5, 600.0)
    d_t, pred_t = csgraph.dijkstra(g_all, indices=board, limit=max_tr,
                                   return_predecessors=True)
    fs, fd, fw = _triplets(d_t, board, board)
    keep_fp = fs != fd
    street_row = np.full(n, -1, np.int64)
    street_row[street] = np.arange(len(street))
    board_row = np.full(n, -1, np.int64)
    board_row[board] = np.arange(len(board))
    # Which pattern positions this person may board or leave at.
    pa = tt.patterns
    pos_ok = usable[pa.pos_stop]
    run_group = np.asarray([int(tt.trip_wheelchair[int(t)])
                            for t in tt.runs["trip"].to_numpy()], np.int64)
    if profile.step_free and len(run_group):
        grp = run_group[pa.pattern_trips[pa.pattern_tripoff]]
        trip_ok = grp != 2
        if profile.unknown_policy == "strict":
            trip_ok &= grp != 0
        pos_ok &= trip_ok[pa.pos_pattern]
    return Footpaths(
        s2b=s2b, b2s=b2s, fp=(fs[keep_fp], fd[keep_fp], fw[keep_fp]),
        pred_station=pred_s.astype(np.int32), pred_station_rev=pred_b.astype(np.int32),
        pred_transfer=pred_t.astype(np.int32), street_row=street_row, board_row=board_row,
        edge_pathway=edge_pathway, board_ok=pos_ok, alight_ok=pos_ok,
    )


def walk_key(profile: TransitProfile) -> str:
    """What the walks between stops of ``profile`` depend on, as a stable short text:
    its walking profile, speed and longest transfer walk."""
    ident = (profile.walking().key(), profile.speed_mps, profile.max_transfer_m)
    return hashlib.sha256(repr(ident).encode("utf-8")).hexdigest()[:16]


def street_walks(
    tt: Timetable, profile: TransitProfile,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Walks between the street stops of ``tt`` at most ``max_transfer_m`` apart.

    Parameters
    ----------
    tt
        The timetable (only its stops and walker are used).
    profile
        Who walks.

    Returns
    -------
    a, b, seconds
        Stop indices and walking seconds from ``a[i]`` to ``b[i]`` (taken for both
        ways), only pairs with a way. An import stores them
        (:mod:`stufenlos.transit.stored`); :meth:`Timetable.street_walks` reads them.
    """
    street = tt.street_nodes
    none = np.zeros(0, np.int64)
    if len(street) < 2:
        return none, none, np.zeros(0)
    ll = np.column_stack([tt.lon[street], tt.lat[street]])
    xy = LocalProjection.around(ll).to_xy(ll)
    pairs = cKDTree(xy).query_pairs(profile.max_transfer_m, output_type="ndarray")
    if not len(pairs):
        return none, none, np.zeros(0)
    a, b = street[pairs[:, 0]], street[pairs[:, 1]]
    w = pair_walk_seconds(tt.walker, tt.lon, tt.lat, a, b, profile)
    fin = np.isfinite(w)
    return a[fin], b[fin], w[fin]


def _graph(n: int, u: NDArray[np.int64], v: NDArray[np.int64],
           w: NDArray[np.float64]) -> sparse.csr_matrix:
    """Sparse graph keeping the smallest weight of parallel edges (0 -> tiny)."""
    if len(u) == 0:
        return sparse.csr_matrix((n, n))
    w = np.maximum(np.asarray(w, np.float64), 1e-3)
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]
    return sparse.csr_matrix((w[first], (u[first], v[first])), shape=(n, n))


def _triplets(
    dist: NDArray[np.float64], rows: NDArray[np.int64], cols: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """(row stop, col stop, seconds) for every finite entry of ``dist[:, cols]``."""
    sub = dist[:, cols] if len(rows) else np.zeros((0, len(cols)))
    i, j = np.nonzero(np.isfinite(sub))
    return rows[i], cols[j], np.ceil(sub[i, j]).astype(np.int64)

