"""Walking + public transport travel times for the equity analysis.

For cities with a GTFS input, every origin's time to each destination is the
smaller of walking all the way and

    access walk -> stop, RAPTOR (one-to-all stops) at the departure time,
    stop -> egress walk -> destination.

The walks use the same per-profile graph as walking-only reach
(:func:`stufenlos.analysis.engine.profile_graph`, bounded SciPy Dijkstra);
stops are snapped to the network like origins and destinations. Which stops and
trips a profile may board, the station pathways and the transfers between stops
come from the journey planner (:mod:`stufenlos.transit`), so a step-free profile
boards only accessible stops and trips (unknown ones per its policy), and a stop
whose step-free verdict relies on a closed elevator is not used.

One RAPTOR search runs per distinct origin node, leaving that node at the
departure time; the straight walk between an origin and its node is added
afterwards at the profile's speed (as for walking). The chunks are planned from
the origins alone, so in-process and Dask runs give identical tables.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from stufenlos.analysis.engine import (
    MAX_SNAP_M,
    ChunkTask,
    Destinations,
    Measures,
    ProfileGraph,
    plan_chunks,
    profile_graph,
    reduce_times,
)
from stufenlos.analysis.execution import Runner
from stufenlos.analysis.model import ProfileMeasures, Setup
from stufenlos.errors import StufenlosError
from stufenlos.profiles import get_profile
from stufenlos.transit.raptor import INF, PatternArrays, run_raptor

if TYPE_CHECKING:
    from stufenlos.transit.city import CityTransit
    from stufenlos.transit.timetable import Timetable

__all__ = ["MODES", "TransitOptions", "TransitSetupError", "compute_transit",
           "first_weekday", "parse_options", "transit_chunk"]

logger = logging.getLogger(__name__)

#: travel modes of the analysis
MODES = ("walk", "walk+transit")


class TransitSetupError(StufenlosError, ValueError):
    """Walk + transit cannot be computed (no feed, no service on the day, bad time)."""


@dataclass(frozen=True)
class TransitOptions:
    """When and how the transit part runs."""

    date: dt.date | None = None  # None: the first Tuesday of the feed's service period
    depart: dt.time = dt.time(8, 0)
    max_transfers: int = 3
    closed_elevators: tuple[str, ...] = ()  # OSM refs (``w197028693``) out of service


def parse_options(date: str | None = None, depart: str = "08:00", max_transfers: int = 3,
                  closed_elevators: Iterable[str] = ()) -> TransitOptions:
    """:class:`TransitOptions` from text (``2022-06-14``, ``08:00``), with clear errors."""
    try:
        day = dt.date.fromisoformat(date) if date else None
    except ValueError:
        msg = f"date must be YYYY-MM-DD, got {date!r}"
        raise TransitSetupError(msg) from None
    try:
        at = dt.time.fromisoformat(depart)
    except ValueError:
        msg = f"departure time must be HH:MM, got {depart!r}"
        raise TransitSetupError(msg) from None
    if not 0 <= max_transfers <= 8:
        msg = f"max transfers must be between 0 and 8, got {max_transfers}"
        raise TransitSetupError(msg)
    return TransitOptions(date=day, depart=at, max_transfers=max_transfers,
                          closed_elevators=tuple(closed_elevators))


def first_weekday(start: dt.date, weekday: int = 1) -> dt.date:
    """The first ``weekday`` (0 = Monday; default Tuesday) on or after ``start``."""
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


@dataclass(frozen=True, eq=False)
class TransitData:
    """What a chunk needs for one profile: timetable arrays, footpaths, stop walks.

    Small and picklable, like :class:`~stufenlos.analysis.engine.ProfileGraph`.
    """

    patterns: PatternArrays
    n_stops: int
    s2b: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]
    b2s: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]
    fp: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]
    board_ok: NDArray[np.bool_]
    alight_ok: NDArray[np.bool_]
    change_s: int
    max_rounds: int
    t0: int
    access_limit_s: float
    street: NDArray[np.int64]  # usable street-side stops (timetable indices)
    street_node: NDArray[np.int64]  # their network nodes
    street_off_s: NDArray[np.float64]  # walk between stop and node (s)
    egress_s: NDArray[np.float64]  # (len(street), n destinations) walk stop -> destination


def _min_into(out: NDArray[np.float64], src: NDArray[np.int64], dst: NDArray[np.int64],
              w: NDArray[np.float64], values: NDArray[np.float64]) -> None:
    """``out[dst] = min(out[dst], values[src] + w)`` (unbuffered)."""
    np.minimum.at(out, dst, values[src] + w)


def transit_chunk(graph: ProfileGraph, dest: Destinations, measures: Measures,
                  data: TransitData, task: ChunkTask) -> dict[str, NDArray[Any]]:
    """Walk + transit measures for one chunk of origins (same arrays as
    :func:`~stufenlos.analysis.engine.compute_chunk`)."""
    limit = measures.limit_s
    walk_limit = min(limit, graph.range_s)
    uniq, row = np.unique(task.nodes, return_inverse=True)
    row = row.ravel()
    dist = dijkstra(graph.matrix(), directed=True, indices=uniq, limit=walk_limit)
    walk = dist[:, dest.nodes] + dest.offset_m[None, :] / graph.speed_mps  # (uniq, D)
    walk[walk > walk_limit] = np.inf
    via = np.full((len(uniq), len(dest.nodes)), np.inf)
    acc_all = dist[:, data.street_node] + data.street_off_s[None, :]
    n = data.n_stops
    s2b_src, s2b_dst, s2b_w = data.s2b
    b2s_src, b2s_dst, b2s_w = data.b2s
    for i in range(len(uniq)):
        acc = acc_all[i]
        ok = acc <= data.access_limit_s
        if not ok.any():
            continue
        walk_o = np.full(n, np.inf)
        walk_o[data.street[ok]] = acc[ok]
        access = np.full(n, np.inf)
        _min_into(access, s2b_src, s2b_dst, s2b_w.astype(np.float64), walk_o)
        access_i = np.where(np.isfinite(access), data.t0 + np.ceil(access), INF
                            ).astype(np.int64)
        res = run_raptor(data.patterns, n, access_i, *data.fp, board_ok=data.board_ok,
                         alight_ok=data.alight_ok, change_s=data.change_s,
                         max_rounds=data.max_rounds)
        if res.rounds == 0:
            continue
        best = np.minimum(res.trip_arr[1:res.rounds + 1], res.walk_arr[1:res.rounds + 1]
                          ).min(axis=0)
        arr = np.where(best < INF, best - data.t0, np.inf).astype(np.float64)
        # leave the station: platform -> street-side stop
        out = np.full(n, np.inf)
        _min_into(out, b2s_src, b2s_dst, b2s_w.astype(np.float64), arr)
        at_street = out[data.street]
        use = at_street < limit
        if not use.any():
            continue
        t = (at_street[use][:, None] + data.egress_s[use]).min(axis=0)
        via[i] = t
    t = np.minimum(walk, via)[row]
    t += task.offset_m[:, None] / graph.speed_mps
    t[t > limit] = np.inf
    out_arrays = reduce_times(t, dest, measures)
    out_arrays["origin_id"] = task.origin_ids
    return out_arrays


def _timetable(transit: CityTransit, options: TransitOptions) -> tuple[Timetable, dt.date]:
    from stufenlos.ingest.gtfs import read_feed

    day = options.date
    if day is None:
        period = read_feed(transit.feed_path).service_period()
        if not period:
            msg = f"{transit.feed_path}: the feed has no service period"
            raise TransitSetupError(msg)
        day = first_weekday(period[0])
    tt = transit.timetable(day)
    if len(tt.runs) == 0:
        period = tt.feed.service_period()
        span = f" (service period {period[0]} to {period[1]})" if period else ""
        msg = f"{Path(transit.feed_path).name}: no service on {day}{span}"
        raise TransitSetupError(msg)
    return tt, day


def transit_data(setup: Setup, graph: ProfileGraph, dest: Destinations, tt: Timetable,
                 day: dt.date, transit: CityTransit, options: TransitOptions) -> TransitData:
    """Arrays for :func:`transit_chunk` for one profile."""
    from stufenlos.transit.profile import transit_profile

    prof = transit_profile(get_profile(graph.profile))
    closed_stops: frozenset[str] = frozenset()
    sa = transit.stop_access
    if options.closed_elevators and "elevator" in sa.columns:
        hit = sa["elevator"].isin(set(options.closed_elevators)).to_numpy()
        closed_stops = frozenset(sa.loc[hit, "stop_id"])
    # the journey planner's per-profile footpaths and boarding rules (one source of truth)
    fp = tt.footpaths(prof, {}, closed_stops)
    usable = tt.stop_usable(prof, closed_stops)
    street = tt.street_nodes[usable[tt.street_nodes]]
    lonlat = np.column_stack([tt.lon[street], tt.lat[street]])
    nodes, snap_m = setup.snapper.snap_lonlat(lonlat)
    near = snap_m <= MAX_SNAP_M
    street, nodes, snap_m = street[near], nodes[near], snap_m[near]
    off_s = snap_m / graph.speed_mps
    limit = min(setup.measures.limit_s, graph.range_s)
    uniq, inv = np.unique(nodes, return_inverse=True)
    dist = dijkstra(graph.matrix(), directed=True, indices=uniq, limit=limit)
    egress = dist[:, dest.nodes][inv.ravel()] + off_s[:, None] \
        + dest.offset_m[None, :] / graph.speed_mps
    egress[egress > limit] = np.inf
    at = dt.datetime.combine(day, options.depart)
    return TransitData(
        patterns=tt.patterns, n_stops=len(tt.stops), s2b=fp.s2b, b2s=fp.b2s, fp=fp.fp,
        board_ok=fp.board_ok, alight_ok=fp.alight_ok, change_s=prof.min_change_s,
        max_rounds=options.max_transfers + 1, t0=tt.seconds(at),
        access_limit_s=min(limit, prof.max_walk_m * 1.3 / prof.speed_mps),
        street=street, street_node=nodes, street_off_s=off_s, egress_s=egress)


def compute_transit(setup: Setup, profiles: Sequence[str], transit: CityTransit, *,
                    options: TransitOptions | None = None, runner: Runner | None = None,
                    blocked: NDArray[np.integer] | None = None,
                    nodes_per_chunk: int = 64) -> tuple[dict[str, ProfileMeasures], dict[str, Any]]:
    """Per-origin walk + transit measures for each profile, and what was assumed
    (``mode``, ``feed``, ``date``, ``depart``, ``max_transfers``, a ``note``)."""
    opts = options or TransitOptions()
    run = runner or Runner()
    tt, day = _timetable(transit, opts)
    dest = setup.snapped()
    o = setup.origins
    tasks = plan_chunks(o["node"].to_numpy(np.int64), o["snap_m"].to_numpy(np.float64),
                        nodes_per_chunk=nodes_per_chunk)
    n, k, nb = len(o), len(dest.categories), len(setup.measures.budgets_s)
    out = {}
    for name in profiles:
        graph = profile_graph(setup.city.network, name, blocked=blocked)
        data = transit_data(setup, graph, dest, tt, day, transit, opts)
        parts = run.map(transit_chunk, [graph, dest, setup.measures, data], tasks,
                        desc=f"{setup.city.name} {name} walk+transit")
        nearest = np.full((n, k), np.nan)
        count = np.zeros((n, k, nb), np.int32)
        gravity = np.zeros((n, k))
        for p in parts:
            ids = p["origin_id"]
            nearest[ids], count[ids], gravity[ids] = p["nearest_s"], p["count"], p["gravity"]
        out[name] = ProfileMeasures(name, nearest, count, gravity)
    closed = (f"; elevators out of service: {', '.join(opts.closed_elevators)}"
              if opts.closed_elevators else "")
    feed = Path(transit.feed_path).name
    note = (f"walk + public transport: the faster of walking and walk + transit ({feed}, "
            f"service day {day:%Y-%m-%d} ({day:%A}), leaving at {opts.depart:%H:%M}, at most "
            f"{opts.max_transfers} transfers); step-free profiles board only stops and trips "
            f"that are accessible (or unknown, as their policy allows); the timetable is "
            f"as planned (no delays){closed}")
    info = {"mode": "walk+transit", "feed": feed, "date": day.isoformat(),
            "depart": opts.depart.strftime("%H:%M"), "max_transfers": opts.max_transfers,
            "closed_elevators": list(opts.closed_elevators), "note": note}
    return out, info


def iter_modes(text: str | Iterable[str]) -> list[str]:
    """Parse a mode list (``walk``, ``walk+transit``), raising on unknown names."""
    items = [m.strip() for m in (text.split(",") if isinstance(text, str) else text)]
    items = [m for m in items if m]
    bad = [m for m in items if m not in MODES]
    if bad or not items:
        msg = f"mode must be one of {', '.join(MODES)}, got {text!r}"
        raise TransitSetupError(msg)
    return items
