"""Door-to-door journeys: :func:`plan_journey` and the :class:`Itinerary` it returns.

:func:`plan_journey` returns the Pareto set of itineraries by arrival time and
number of trips from a coordinate to a coordinate. A step-free profile boards
only trips and stops that are accessible (or unknown, unless
``unknown_policy="strict"``), never uses stairs or escalators, and uses an
elevator only while its status is not out of service. An itinerary is data
(legs, times, stops and what was not known); :mod:`stufenlos.text.itinerary`
writes it as sentences.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from stufenlos.errors import StufenlosError
from stufenlos.geo import haversine_m
from stufenlos.i18n import N_, LazyText, Message
from stufenlos.transit.profile import transit_profile
from stufenlos.transit.raptor import INF, run_raptor
from stufenlos.transit.timetable import PATHWAY_MODES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from numpy.typing import NDArray

    from stufenlos.transit.footpaths import Footpaths
    from stufenlos.transit.profile import TransitProfile
    from stufenlos.transit.timetable import Timetable
    from stufenlos.transit.walk import Walker

__all__ = ["Itinerary", "Leg", "NoJourneyError", "plan_journey", "vehicle_name"]

#: the GTFS route types (:data:`~stufenlos.transit.timetable.ROUTE_TYPES`) in words
_VEHICLES = {name: LazyText(name) for name in (
    N_("tram"), N_("subway"), N_("rail"), N_("bus"), N_("ferry"), N_("cable tram"),
    N_("aerial lift"), N_("funicular"), N_("trolleybus"), N_("monorail"), N_("vehicle"))}


def vehicle_name(route_type: str | None) -> LazyText:
    """The kind of vehicle (``tram``) as a text said in the reader's language."""
    return _VEHICLES.get(route_type or "vehicle", _VEHICLES["vehicle"])


#: GTFS ``wheelchair_accessible`` codes as verdicts
_VERDICTS = {0: "unknown", 1: "yes", 2: "no"}


class NoJourneyError(StufenlosError, LookupError):
    """No itinerary connects the two places for this profile and time."""

    http_status = 404


@dataclass
class Leg:
    """One part of an itinerary: ``walk`` (to, between or from stops) or ``transit``."""

    mode: Literal["walk", "transit"]
    start: dt.datetime
    end: dt.datetime
    from_name: str
    to_name: str
    from_stop_id: str | None = None
    to_stop_id: str | None = None
    route: str | None = None
    route_type: str | None = None
    headsign: str | None = None
    trip_id: str | None = None
    stop_ids: list[str] = field(default_factory=list)
    coordinates: list[tuple[float, float]] = field(default_factory=list)
    pathways: list[dict[str, Any]] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)
    #: a ride: whether the trip is wheelchair accessible (``yes``, ``no``, ``unknown``)
    step_free: str | None = None
    #: a walk on the street: the walking route's status (``ok``, ``uncertain``,
    #: ``limits_broken``) and length, when the city's router drew it
    walk_status: str | None = None
    distance_m: float | None = None

    @property
    def duration_s(self) -> int:
        """Duration in seconds."""
        return int((self.end - self.start).total_seconds())


@dataclass
class Itinerary:
    """A door-to-door journey: legs, times, and what the planner did not know."""

    legs: list[Leg]
    profile: str

    @property
    def departure(self) -> dt.datetime:
        """When to leave the origin."""
        return self.legs[0].start

    @property
    def arrival(self) -> dt.datetime:
        """When the destination is reached."""
        return self.legs[-1].end

    @property
    def transfers(self) -> int:
        """Number of changes between vehicles."""
        return max(0, sum(leg.mode == "transit" for leg in self.legs) - 1)

    @property
    def unknowns(self) -> list[str]:
        """Facts the planner had to assume, in travel order."""
        return [u for leg in self.legs for u in leg.unknowns]

    @property
    def stop_ids(self) -> list[str]:
        """Every stop boarded or left, in order."""
        out: list[str] = []
        for leg in self.legs:
            if leg.mode == "transit":
                out += [leg.from_stop_id or "", leg.to_stop_id or ""]
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary."""
        return {
            "profile": self.profile,
            "departure": self.departure.isoformat(),
            "arrival": self.arrival.isoformat(),
            "duration_s": int((self.arrival - self.departure).total_seconds()),
            "transfers": self.transfers,
            "unknowns": self.unknowns,
            "legs": [
                {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                 for k, v in dataclasses.asdict(leg).items() if k != "coordinates"}
                | {"duration_s": leg.duration_s}
                for leg in self.legs
            ],
        }

    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection with one LineString per leg."""
        feats = []
        for i, leg in enumerate(self.legs):
            props = {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                     for k, v in dataclasses.asdict(leg).items() if k != "coordinates"}
            props["index"] = i
            props["duration_s"] = leg.duration_s
            feats.append({
                "type": "Feature",
                "geometry": {"type": "LineString",
                             "coordinates": [list(c) for c in leg.coordinates]},
                "properties": props,
            })
        return {
            "type": "FeatureCollection",
            "features": feats,
            "properties": {k: v for k, v in self.to_dict().items() if k != "legs"},
        }


def plan_journey(
    timetable: Timetable,
    origin: tuple[float, float],
    destination: tuple[float, float],
    at: dt.datetime,
    *,
    profile: str | TransitProfile | Any = "standard",
    elevator_state: Mapping[str, str] | None = None,
    closed_stops: Iterable[str] = (),
    max_transfers: int = 4,
    origin_name: str = "origin",
    destination_name: str = "destination",
) -> list[Itinerary]:
    """Itineraries from ``origin`` to ``destination`` leaving at or after ``at``.

    Parameters
    ----------
    timetable
        The service day to plan on.
    origin, destination
        ``(lat, lon)`` in WGS84.
    at
        Earliest departure (naive datetimes are in the feed's time zone).
    profile
        Profile name, :class:`TransitProfile` or walking profile.
    elevator_state
        ``pathway_id -> ACTIVE | INACTIVE | UNKNOWN``; missing means unknown.
    closed_stops
        Stops whose step-free access is out of service now (for example the
        OSM elevator their verdict relies on is broken); see
        :func:`stufenlos.transit.equipment.closed_stops`.
    max_transfers
        Most changes between vehicles.
    origin_name, destination_name
        What the first and the last leg call the two places ("Heidelberg Hbf").

    Returns
    -------
    list of Itinerary
        The Pareto set by arrival time and number of trips, fewest trips first
        (a walk-only itinerary has none).

    Raises
    ------
    NoJourneyError
        If nothing connects the two places.
    """
    prof = transit_profile(profile)
    tt = timetable
    if len(tt.runs) == 0:
        period = tt.feed.service_period()
        span = f" (service period {period[0]} to {period[1]})" if period else ""
        msg = f"{tt.feed.path.name} has no service on {tt.date}{span}"
        raise NoJourneyError(msg)
    state = dict(elevator_state or {})
    fp = tt.footpaths(prof, state, frozenset(closed_stops))
    t0 = tt.seconds(at)
    (olat, olon), (dlat, dlon) = origin, destination
    n = len(tt.stops)
    walker = tt.walker
    street = tt.street_nodes
    max_walk_s = prof.max_walk_m * 1.3 / prof.speed_mps
    # Only stops within the walking range as the crow flies can be within it on foot.
    w_o = _walk_near(walker, olon, olat, tt.lon[street], tt.lat[street], prof, False)
    w_d = _walk_near(walker, dlon, dlat, tt.lon[street], tt.lat[street], prof, True)
    w_o = np.where(w_o <= max_walk_s, w_o, np.inf)
    w_d = np.where(w_d <= max_walk_s, w_d, np.inf)
    walk_o = np.full(n, np.inf)
    walk_o[street] = w_o
    walk_d = np.full(n, np.inf)
    walk_d[street] = w_d
    access, access_via = _combine(walk_o, *fp.s2b, n)
    egress_f, egress_via = _combine(walk_d, fp.b2s[1], fp.b2s[0], fp.b2s[2], n)
    access_i = np.where(np.isfinite(access), t0 + np.ceil(access), INF).astype(np.int64)
    egress_i = np.where(np.isfinite(egress_f), np.ceil(egress_f), INF).astype(np.int64)
    res = run_raptor(tt.patterns, n, access_i, *fp.fp, board_ok=fp.board_ok,
                     alight_ok=fp.alight_ok, change_s=prof.min_change_s,
                     max_rounds=max_transfers + 1, egress=egress_i)
    direct = _walk_near(walker, olon, olat, np.array([dlon]), np.array([dlat]), prof, False)[0]
    out: list[Itinerary] = []
    best = INF
    if np.isfinite(direct) and direct <= max_walk_s:  # walking all the way, within range
        best = t0 + math.ceil(direct)
        out.append(_walk_only(tt, prof, origin, destination, t0, best,
                              (origin_name, destination_name)))
    for k in range(1, res.rounds + 1):
        reach_t = res.trip_arr[k] + egress_i
        reach_w = res.walk_arr[k] + egress_i
        s_t, s_w = int(np.argmin(reach_t)), int(np.argmin(reach_w))
        arr_k = min(int(reach_t[s_t]), int(reach_w[s_w]))
        if arr_k >= best or arr_k >= INF:
            continue
        best = arr_k
        kind, stop = (0, s_t) if reach_t[s_t] <= reach_w[s_w] else (1, s_w)
        out.append(_reconstruct(tt, prof, res, fp, k, kind, stop, origin, destination,
                                access_via, egress_via, walk_o, walk_d, egress_i, state,
                                (origin_name, destination_name)))
    if not out:
        msg = (f"no journey for profile {prof.name!r} from {origin} to {destination} "
               f"leaving {at:%Y-%m-%d %H:%M}; stops within {prof.max_walk_m:.0f} m: "
               f"{int(np.isfinite(access).sum())} (origin), "
               f"{int(np.isfinite(egress_f).sum())} (destination)")
        raise NoJourneyError(msg)
    return out


def _walk_near(
    walker: Walker, lon: float, lat: float, lons: NDArray[np.float64],
    lats: NDArray[np.float64], prof: TransitProfile, to_point: bool, *, factor: float = 1.0,
) -> NDArray[np.float64]:
    """Walking seconds to the points within ``factor`` x the walking range (inf beyond)."""
    out = np.full(len(lons), np.inf)
    near = haversine_m(lon, lat, lons, lats) <= prof.max_walk_m * 1.3 * factor
    if near.any():
        out[near] = walker.walk_seconds(lon, lat, lons[near], lats[near], prof,
                                        to_point=to_point)
    return out


def _combine(
    walk: NDArray[np.float64], src: NDArray[np.int64], dst: NDArray[np.int64],
    w: NDArray[np.int64], n: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """min over ``src`` of walk[src] + w, per ``dst``, and the ``src`` that gives it."""
    out = np.full(n, np.inf)
    via = np.full(n, -1, np.int64)
    cand = walk[src] + w
    ok = np.isfinite(cand)
    if ok.any():
        s, d, c = src[ok], dst[ok], cand[ok]
        order = np.lexsort((c, d))
        d_sorted = d[order]
        first = order[np.r_[True, d_sorted[1:] != d_sorted[:-1]]]
        out[d[first]] = c[first]
        via[d[first]] = s[first]
    return out, via


def _walk_only(tt: Timetable, prof: TransitProfile, origin: tuple[float, float],
               destination: tuple[float, float], t0: int, t1: int,
               names: tuple[str, str]) -> Itinerary:
    leg = Leg("walk", tt.datetime(t0), tt.datetime(t1), *names,
              coordinates=[(origin[1], origin[0]), (destination[1], destination[0])])
    return Itinerary([leg], prof.name)


def _path(pred_row: NDArray[np.int32], start: int, end: int) -> list[int]:
    """Nodes from ``start`` to ``end`` following a scipy predecessor row."""
    nodes = [end]
    while nodes[-1] != start:
        p = int(pred_row[nodes[-1]])
        if p < 0:
            return [start, end]
        nodes.append(p)
    return nodes[::-1]


def _pathway_steps(tt: Timetable, fp: Footpaths, nodes: list[int],
                   state: Mapping[str, str], prof: TransitProfile) -> tuple[
                       list[dict[str, Any]], list[str]]:
    pw = tt.pathways
    steps: list[dict[str, Any]] = []
    unknowns: list[str] = []
    for a, b in itertools.pairwise(nodes):
        r = fp.edge_pathway.get((a, b))
        if r is None:
            continue
        row = pw.iloc[r]
        mode = PATHWAY_MODES.get(int(row["mode"]), "walkway")
        steps.append({"pathway_id": row["pathway_id"], "mode": mode,
                      "from_stop_id": tt.stops["stop_id"].iloc[a],
                      "to_stop_id": tt.stops["stop_id"].iloc[b],
                      "to_level": tt.level_name(b)})
        if mode == "elevator" and state.get(row["pathway_id"], "UNKNOWN") == "UNKNOWN" and (
                prof.step_free or prof.unknown_policy != "optimistic"):
            unknowns.append(Message(N_("elevator {elevator} at {stop}: status unknown"),
                                    elevator=row["pathway_id"], stop=tt.names[a]))
    return steps, unknowns


def _stop_unknown(tt: Timetable, prof: TransitProfile, s: int) -> list[str]:
    if prof.step_free and tt.access[s] == 0:
        return [Message(N_("stop {stop}: step-free access unknown"), stop=tt.names[s])]
    return []


def _reconstruct(
    tt: Timetable, prof: TransitProfile, res: Any, fp: Footpaths, k: int, kind: int,
    stop: int, origin: tuple[float, float], destination: tuple[float, float],
    access_via: NDArray[np.int64], egress_via: NDArray[np.int64],
    walk_o: NDArray[np.float64], walk_d: NDArray[np.float64], egress_i: NDArray[np.int64],
    state: Mapping[str, str], names: tuple[str, str],
) -> Itinerary:
    pa = tt.patterns
    ids = tt.stops["stop_id"].to_numpy()
    legs: list[Leg] = []

    def coord(s: int) -> tuple[float, float]:
        return (float(tt.lon[s]), float(tt.lat[s]))

    # Egress: from `stop` through the station to a street node, then to the destination.
    end_label = int(res.trip_arr[k, stop] if kind == 0 else res.walk_arr[k, stop])
    s_exit = int(egress_via[stop])
    nodes = _path(fp.pred_station_rev[fp.board_row[stop]], stop, s_exit) if (
        s_exit != stop and fp.board_row[stop] >= 0) else [stop]
    steps, unk = _pathway_steps(tt, fp, nodes, state, prof)
    arrive = end_label + int(egress_i[stop])
    legs.append(Leg("walk", tt.datetime(end_label), tt.datetime(arrive), tt.names[stop],
                    names[1], from_stop_id=ids[stop],
                    coordinates=[coord(x) for x in nodes] + [(destination[1], destination[0])],
                    pathways=steps, unknowns=unk))
    round_, label_kind, s = k, kind, stop
    while True:
        if label_kind == 1:  # walked here from another stop (or from the origin)
            src = int(res.walk_src[round_, s])
            if round_ == 0 or src < 0:
                break
            nodes = _path(fp.pred_transfer[fp.board_row[src]], src, s)
            steps, unk = _pathway_steps(tt, fp, nodes, state, prof)
            legs.append(Leg("walk", tt.datetime(int(res.trip_arr[round_, src])),
                            tt.datetime(int(res.walk_arr[round_, s])), tt.names[src],
                            tt.names[s], ids[src], ids[s],
                            coordinates=[coord(x) for x in nodes], pathways=steps,
                            unknowns=unk))
            s, label_kind = src, 0
            continue
        pos = int(res.trip_pos[round_, s])
        rank = int(res.trip_rank[round_, s])
        bpos = int(res.trip_board_pos[round_, s])
        pat = int(pa.pos_pattern[pos])
        run = pa.trip_at(pat, rank)
        trip = int(tt.runs["trip"].iloc[run])
        b = int(pa.pos_stop[bpos])
        dep = int(pa.dep[pa.pos_tripoff[bpos] + rank])
        arr = int(pa.arr[pa.pos_tripoff[pos] + rank])
        passed = [int(x) for x in pa.pos_stop[bpos:pos + 1]]
        unk = _stop_unknown(tt, prof, b) + _stop_unknown(tt, prof, s)
        if prof.step_free and tt.trip_wheelchair[trip] == 0:
            # the trip by its line and direction: a raw trip id means nothing to a person
            unk.insert(0, Message(N_("{vehicle} {line} towards {headsign}: wheelchair "
                                     "accessibility unknown"),
                                  vehicle=vehicle_name(tt.trip_route_type[trip]),
                                  line=tt.trip_route[trip], headsign=tt.trip_headsign[trip]))
        legs.append(Leg("transit", tt.datetime(dep), tt.datetime(arr), tt.names[b],
                        tt.names[s], ids[b], ids[s], route=str(tt.trip_route[trip]),
                        route_type=str(tt.trip_route_type[trip]),
                        headsign=str(tt.trip_headsign[trip]), trip_id=str(tt.run_trip_id[run]),
                        stop_ids=[str(ids[x]) for x in passed],
                        coordinates=[coord(x) for x in passed], unknowns=unk,
                        step_free=_VERDICTS[int(tt.trip_wheelchair[trip])]))
        round_, label_kind = int(res.board_round[round_, s]), int(res.board_kind[round_, s])
        s = b
        if round_ == 0:
            break
    # Access: origin -> street node -> through the station -> first stop.
    first = legs[-1]
    b = s
    s_in = int(access_via[b])
    nodes = _path(fp.pred_station[fp.street_row[s_in]], s_in, b) if (
        s_in >= 0 and s_in != b and fp.street_row[s_in] >= 0) else [b]
    steps, unk = _pathway_steps(tt, fp, nodes, state, prof)
    leave = first.start - dt.timedelta(seconds=_access_total(tt, fp, b, s_in, walk_o))
    legs.append(Leg("walk", leave, first.start, names[0], tt.names[b], to_stop_id=ids[b],
                    coordinates=[(origin[1], origin[0])] + [coord(x) for x in nodes],
                    pathways=steps, unknowns=unk))
    legs.reverse()
    return Itinerary(legs, prof.name)


def _access_total(tt: Timetable, fp: Footpaths, b: int, s_in: int,
                  walk_o: NDArray[np.float64]) -> int:
    """Seconds from the origin to boarding stop ``b`` via street node ``s_in``."""
    if s_in < 0:
        return 0
    src, dst, w = fp.s2b
    hit = np.flatnonzero((src == s_in) & (dst == b))
    inside = int(w[hit[0]]) if len(hit) else 0
    return math.ceil(walk_o[s_in]) + inside
