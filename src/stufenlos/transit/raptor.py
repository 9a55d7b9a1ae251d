"""RAPTOR rounds over flat numpy arrays (used by :mod:`stufenlos.transit.journey`).

Every round scans *all* route patterns at once instead of looping over marked
routes: for each pattern position the earliest catchable trip is one
``searchsorted`` on position-major departure keys, and "the earliest trip
boarded at or before this position" is a segmented running minimum over the
positions of each pattern. This relies on trips of a pattern never overtaking
each other, which :func:`build_patterns` guarantees by splitting patterns.
A round therefore costs a handful of vectorised passes over all pattern
positions, which on city feeds (a few thousand positions) is faster than
scanning marked routes in Python, and needs no compiled extension.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["INF", "PatternArrays", "RaptorResult", "build_patterns", "run_raptor"]

#: "not reached" time
INF = np.int64(1) << np.int64(40)
# Departure keys are position * _BIG + departure time; times stay far below 2**21 s.
_BIG = np.int64(1) << np.int64(22)


@dataclass(frozen=True, eq=False)
class PatternArrays:
    """Trips grouped into non-overtaking patterns, flattened.

    ``P`` = total pattern positions, ``K`` = total (position, trip) entries.
    """

    pos_stop: NDArray[np.int32]  # (P,) stop index of each position
    pos_pattern: NDArray[np.int32]  # (P,)
    pos_local: NDArray[np.int32]  # (P,) index of the position inside its pattern
    pattern_start: NDArray[np.int64]  # (n_patterns + 1,) first position of each pattern
    pos_tripoff: NDArray[np.int64]  # (P,) first entry of the position in dep_key/arr
    pattern_ntrips: NDArray[np.int64]  # (n_patterns,)
    pattern_tripoff: NDArray[np.int64]  # (n_patterns,) offset into pattern_trips
    pattern_trips: NDArray[np.int32]  # trip index per (pattern, rank)
    dep_key: NDArray[np.int64]  # (K,) position * _BIG + departure
    dep: NDArray[np.int64]  # (K,)
    arr: NDArray[np.int64]  # (K,)
    can_board: NDArray[np.bool_]  # (P,) pickup allowed
    can_alight: NDArray[np.bool_]  # (P,) drop-off allowed

    @property
    def n_patterns(self) -> int:
        """Number of patterns."""
        return len(self.pattern_ntrips)

    def trip_at(self, pattern: int, rank: int) -> int:
        """Trip index of the ``rank``-th trip of ``pattern``."""
        return int(self.pattern_trips[self.pattern_tripoff[pattern] + rank])


def build_patterns(
    trip_stops: list[NDArray[np.int32]],
    trip_arr: list[NDArray[np.int64]],
    trip_dep: list[NDArray[np.int64]],
    trip_board: list[NDArray[np.bool_]],
    trip_alight: list[NDArray[np.bool_]],
    trip_group: NDArray[np.int64],
) -> PatternArrays:
    """Group trips with equal stops, pickup/drop-off flags and ``trip_group``.

    Trips of a group are sorted by first departure and split into lanes where
    no trip overtakes another.
    """
    groups: dict[bytes, list[int]] = {}
    for t, stops in enumerate(trip_stops):
        key = (stops.tobytes() + b"|" + trip_board[t].tobytes() + trip_alight[t].tobytes()
               + b"|" + int(trip_group[t]).to_bytes(8, "little", signed=True))
        groups.setdefault(key, []).append(t)
    patterns: list[list[int]] = []
    for members in groups.values():
        members.sort(key=lambda t: (int(trip_dep[t][0]), int(trip_arr[t][-1])))
        lanes: list[list[int]] = []
        for t in members:
            for lane in lanes:
                last = lane[-1]
                if (np.all(trip_dep[t] >= trip_dep[last])
                        and np.all(trip_arr[t] >= trip_arr[last])):
                    lane.append(t)
                    break
            else:
                lanes.append([t])
        patterns.extend(lanes)
    pos_stop, pos_pattern, pos_local, pos_tripoff = [], [], [], []
    can_board, can_alight, pattern_trips = [], [], []
    dep_parts, arr_parts = [], []
    pattern_start = [0]
    pattern_ntrips, pattern_tripoff = [], []
    k = 0
    for p, members in enumerate(patterns):
        first = members[0]
        n = len(trip_stops[first])
        deps = np.stack([trip_dep[t] for t in members], axis=1)  # (n positions, trips)
        arrs = np.stack([trip_arr[t] for t in members], axis=1)
        pos_stop.append(trip_stops[first])
        pos_pattern.append(np.full(n, p, np.int32))
        pos_local.append(np.arange(n, dtype=np.int32))
        pos_tripoff.append(k + np.arange(n, dtype=np.int64) * len(members))
        k += n * len(members)
        can_board.append(trip_board[first])
        can_alight.append(trip_alight[first])
        dep_parts.append(deps.ravel())
        arr_parts.append(arrs.ravel())
        pattern_start.append(pattern_start[-1] + n)
        pattern_tripoff.append(sum(pattern_ntrips))
        pattern_ntrips.append(len(members))
        pattern_trips.extend(members)

    def cat(parts: list[NDArray], dtype: type) -> NDArray:  # type: ignore[type-arg]
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    pstop = cat(pos_stop, np.int32)
    ppat = cat(pos_pattern, np.int32)
    ptoff = cat(pos_tripoff, np.int64)
    dep = cat(dep_parts, np.int64)
    arr = cat(arr_parts, np.int64)
    entry_pos = np.repeat(np.arange(len(pstop), dtype=np.int64),
                          np.asarray(pattern_ntrips, np.int64)[ppat] if len(ppat) else 0)
    return PatternArrays(
        pos_stop=pstop,
        pos_pattern=ppat,
        pos_local=cat(pos_local, np.int32),
        pattern_start=np.asarray(pattern_start, np.int64),
        pos_tripoff=ptoff,
        pattern_ntrips=np.asarray(pattern_ntrips, np.int64),
        pattern_tripoff=np.asarray(pattern_tripoff, np.int64),
        pattern_trips=np.asarray(pattern_trips, np.int32),
        dep_key=entry_pos * _BIG + dep,
        dep=dep,
        arr=arr,
        can_board=cat(can_board, bool),
        can_alight=cat(can_alight, bool),
    )


@dataclass(eq=False)
class RaptorResult:
    """Per-round labels (row ``k`` = after ``k`` trips; row 0 = access walk).

    ``trip_arr[k, s]``: arrival at stop ``s`` by the ``k``-th trip; the trip is
    described by ``trip_pos`` (alighting position), ``trip_rank`` and
    ``trip_board_pos``; the boarding label is ``board_round``/``board_kind``
    (0 = trip label, 1 = walk label) at the boarding stop.
    ``walk_arr[k, s]``: arrival at ``s`` by walking after that round, from stop
    ``walk_src[k, s]`` (-1 = from the origin).
    """

    trip_arr: NDArray[np.int64]
    trip_pos: NDArray[np.int64]
    trip_rank: NDArray[np.int64]
    trip_board_pos: NDArray[np.int64]
    board_round: NDArray[np.int64]
    board_kind: NDArray[np.int8]
    walk_arr: NDArray[np.int64]
    walk_src: NDArray[np.int64]
    rounds: int


def _first_per_group(group: NDArray, value: NDArray) -> NDArray[np.intp]:  # type: ignore[type-arg]
    """Indices of the smallest ``value`` per distinct ``group``."""
    order = np.lexsort((value, group))
    g = group[order]
    first = np.r_[True, g[1:] != g[:-1]] if len(g) else np.zeros(0, bool)
    return order[first]


def run_raptor(
    pa: PatternArrays,
    n_stops: int,
    access: NDArray[np.int64],
    fp_src: NDArray[np.int64],
    fp_dst: NDArray[np.int64],
    fp_w: NDArray[np.int64],
    *,
    board_ok: NDArray[np.bool_],
    alight_ok: NDArray[np.bool_],
    change_s: int = 0,
    max_rounds: int = 5,
    egress: NDArray[np.int64] | None = None,
) -> RaptorResult:
    """Earliest arrival at every stop with at most ``k`` trips, for each ``k``.

    Parameters
    ----------
    access
        Arrival time at each stop by walking from the origin (``INF`` if not).
    fp_src, fp_dst, fp_w
        Footpaths (transfers) between stops with their walking time.
    board_ok, alight_ok
        Per pattern position: may this person board / alight here.
    change_s
        Extra time needed to change trips at the same stop.
    egress
        Walking time from each stop to the destination; enables target pruning.
    """
    n_rounds = max_rounds + 1
    trip_arr = np.full((n_rounds, n_stops), INF, np.int64)
    trip_pos = np.full((n_rounds, n_stops), -1, np.int64)
    trip_rank = np.full((n_rounds, n_stops), -1, np.int64)
    trip_board_pos = np.full((n_rounds, n_stops), -1, np.int64)
    board_round = np.full((n_rounds, n_stops), -1, np.int64)
    board_kind = np.full((n_rounds, n_stops), -1, np.int8)
    walk_arr = np.full((n_rounds, n_stops), INF, np.int64)
    walk_src = np.full((n_rounds, n_stops), -1, np.int64)
    walk_arr[0] = access

    best = access.copy()  # best arrival at each stop over all rounds
    ready = access.copy()  # earliest time one can board at each stop
    ready_round = np.zeros(n_stops, np.int64)
    ready_kind = np.ones(n_stops, np.int8)
    best_target = INF

    n_pos = len(pa.pos_stop)
    if n_pos == 0:
        return RaptorResult(trip_arr, trip_pos, trip_rank, trip_board_pos, board_round,
                            board_kind, walk_arr, walk_src, 0)
    ntrips_pos = pa.pattern_ntrips[pa.pos_pattern]
    pmax = np.int64(int(pa.pos_local.max()) + 2)
    seg = (np.int64(int(pa.pattern_ntrips.max())) + 1) * pmax
    base = (np.int64(pa.n_patterns) - pa.pos_pattern.astype(np.int64)) * seg
    none_val = base + seg - 1
    pos_index = np.arange(n_pos, dtype=np.int64)
    first_of_pattern = pa.pos_local == 0
    board_mask = board_ok & pa.can_board
    alight_mask = alight_ok & pa.can_alight

    rounds = 0
    for k in range(1, n_rounds):
        t_ready = ready[pa.pos_stop]
        usable = board_mask & (t_ready < INF)
        if not usable.any():
            break
        key = pos_index * _BIG + np.minimum(t_ready, _BIG - 1)
        idx = np.searchsorted(pa.dep_key, key, side="left")
        rank = idx - pa.pos_tripoff
        usable &= rank < ntrips_pos
        val = np.where(usable, base + rank * pmax + pa.pos_local, none_val)
        run = np.minimum.accumulate(val)
        # The trip available on arrival at position p was boarded strictly before p.
        prev = np.r_[none_val[0], run[:-1]]
        prev = np.where(first_of_pattern, none_val, prev)
        rem = prev - base
        have = (rem != seg - 1) & alight_mask
        if not have.any():
            break
        r_rank = rem // pmax
        r_bpos = rem % pmax
        pos_h = np.flatnonzero(have)
        arrivals = pa.arr[pa.pos_tripoff[pos_h] + r_rank[pos_h]]
        stops_h = pa.pos_stop[pos_h].astype(np.int64)
        pick = _first_per_group(stops_h, arrivals)
        s_new = stops_h[pick]
        a_new = arrivals[pick]
        improved = (a_new < best[s_new]) & (a_new < best_target)
        s_new, a_new, p_new = s_new[improved], a_new[improved], pos_h[pick][improved]
        if len(s_new) == 0:
            break
        rounds = k
        trip_arr[k, s_new] = a_new
        trip_pos[k, s_new] = p_new
        trip_rank[k, s_new] = r_rank[p_new]
        bpos = pa.pattern_start[pa.pos_pattern[p_new]] + r_bpos[p_new]
        trip_board_pos[k, s_new] = bpos
        bstop = pa.pos_stop[bpos]
        board_round[k, s_new] = ready_round[bstop]
        board_kind[k, s_new] = ready_kind[bstop]
        best[s_new] = a_new
        # Ready to board again at the same stop after the change time.
        t_change = a_new + change_s
        better = t_change < ready[s_new]
        ready[s_new[better]] = t_change[better]
        ready_round[s_new[better]] = k
        ready_kind[s_new[better]] = 0
        # Footpaths from the stops just reached.
        reached = np.zeros(n_stops, bool)
        reached[s_new] = True
        use = reached[fp_src]
        if use.any():
            src, dst = fp_src[use], fp_dst[use]
            cand = trip_arr[k, src] + fp_w[use]
            pick = _first_per_group(dst, cand)
            d, c, s = dst[pick], cand[pick], src[pick]
            ok = (c < best[d]) & (c < best_target)
            d, c, s = d[ok], c[ok], s[ok]
            walk_arr[k, d] = c
            walk_src[k, d] = s
            best[d] = c
            better = c < ready[d]
            ready[d[better]] = c[better]
            ready_round[d[better]] = k
            ready_kind[d[better]] = 1
        if egress is not None:
            reach = np.minimum(trip_arr[k], walk_arr[k]) + egress
            best_target = min(best_target, int(reach.min()))
    return RaptorResult(trip_arr, trip_pos, trip_rank, trip_board_pos, board_round,
                        board_kind, walk_arr, walk_src, rounds)
