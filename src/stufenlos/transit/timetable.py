"""One service day of a GTFS feed, ready for journey planning and departures.

A :class:`Timetable` holds the trips of one service day (plus those of the day
before that run past midnight) as route patterns for the RAPTOR rounds
(:mod:`stufenlos.transit.raptor`), the station graph of GTFS ``pathways`` and
the accessibility of each stop and trip.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from stufenlos.errors import StufenlosError
from stufenlos.ingest.gtfs import Feed, read_feed
from stufenlos.transit.footpaths import Footpaths, build_footpaths, street_walks, walk_key
from stufenlos.transit.raptor import PatternArrays, build_patterns
from stufenlos.transit.walk import CrowFlyWalker, Walker

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from numpy.typing import NDArray

    from stufenlos.transit.profile import TransitProfile

__all__ = ["PATHWAY_MODES", "ROUTE_TYPES", "Timetable"]

log = logging.getLogger(__name__)

#: pathway modes (GTFS): walkway, stairs, moving sidewalk, escalator, elevator, gates
PATHWAY_MODES = {1: "walkway", 2: "stairs", 3: "moving sidewalk", 4: "escalator",
                 5: "elevator", 6: "fare gate", 7: "exit gate"}
#: GTFS route types by name
ROUTE_TYPES = {0: "tram", 1: "subway", 2: "rail", 3: "bus", 4: "ferry", 5: "cable tram",
                6: "aerial lift", 7: "funicular", 11: "trolleybus", 12: "monorail"}


class Timetable:
    """One service day of a feed, ready for journey planning and departures.

    Build one with :meth:`from_feed`.

    Parameters
    ----------
    feed
        The feed, already restricted to ``date`` and the day before.
    date
        The service day; times are seconds after its midnight (local time).
    timezone
        IANA time zone of the feed (the first agency's if not given).
    stop_access
        Step-free verdict per ``stop_id``: 1 accessible, 2 not, 0 unknown. Stops
        missing here use GTFS ``wheelchair_boarding`` (inherited from the parent
        station when 0).
    access_source
        Where each verdict comes from (shown in unknowns and departures).
    walker
        Gives walking times (straight lines if not given).
    stored_walks
        Walks between street stops an import stored (``key``, ``from_stop_id``,
        ``to_stop_id``, ``seconds``, see :mod:`stufenlos.transit.stored`); profiles
        they lack are walked with ``walker``.
    """

    def __init__(
        self,
        feed: Feed,
        date: dt.date,
        *,
        timezone: str | None = None,
        stop_access: Mapping[str, int] | pd.Series | None = None,
        access_source: Mapping[str, str] | pd.Series | None = None,
        walker: Walker | None = None,
        stored_walks: pd.DataFrame | None = None,
    ) -> None:
        self.feed = feed
        self.date = date
        tz = timezone or str(feed.agency["agency_timezone"].iloc[0])
        self.timezone = ZoneInfo(tz)
        self.walker: Walker = walker or CrowFlyWalker()
        self._footpaths: dict[tuple[Any, ...], Footpaths] = {}
        self._stored_walks = stored_walks
        self._walks: dict[str, tuple[NDArray[np.int64], NDArray[np.int64],
                                     NDArray[np.float64]]] = {}
        self._build_stops(stop_access, access_source)
        self._build_trips()

    @classmethod
    def from_feed(
        cls, path: str | os.PathLike[str] | Feed, date: dt.date, **kwargs: Any
    ) -> Timetable:
        """Read the feed at ``path`` for ``date`` (and the evening before)."""
        if isinstance(path, Feed):
            path = path.path
        feed = read_feed(path, dates=[date - dt.timedelta(days=1), date])
        return cls(feed, date, **kwargs)

    # stops -------------------------------------------------------------------------

    def _build_stops(
        self, stop_access: Mapping[str, int] | pd.Series | None,
        access_source: Mapping[str, str] | pd.Series | None,
    ) -> None:
        s = self.feed.stops.copy()
        self.stops = s
        self.stop_index = pd.Series(np.arange(len(s)), index=s["stop_id"].to_numpy())
        parent = s["parent_station"].fillna("").to_numpy(str)
        self.parent_idx = np.array(
            [self.stop_index.get(p, -1) if p else -1 for p in parent], dtype=np.int64)
        # Nodes without coordinates (location_type 3/4) take their parent's.
        lon = s["stop_lon"].to_numpy(np.float64).copy()
        lat = s["stop_lat"].to_numpy(np.float64).copy()
        for _ in range(2):
            miss = np.isnan(lon) & (self.parent_idx >= 0)
            lon[miss] = lon[self.parent_idx[miss]]
            lat[miss] = lat[self.parent_idx[miss]]
        self.lon, self.lat = lon, lat
        wb = s["wheelchair_boarding"].to_numpy(np.int8).copy()
        src = np.where(wb > 0, "gtfs", "").astype(object)
        inherit = (wb == 0) & (self.parent_idx >= 0)
        wb[inherit] = wb[self.parent_idx[inherit]]
        src[inherit & (wb > 0)] = "gtfs (parent station)"
        if stop_access is not None:
            acc = pd.Series(stop_access)
            idx = self.stop_index.reindex(acc.index).to_numpy()
            ok = ~np.isnan(idx)
            rows = idx[ok].astype(np.int64)
            vals = acc.to_numpy()[ok].astype(np.int8)
            # Conflated verdicts fill what GTFS leaves unknown; GTFS 1/2 stays.
            fill = (wb[rows] == 0) & (vals > 0)
            wb[rows[fill]] = vals[fill]
            srcs = (pd.Series(access_source).reindex(acc.index[ok]).fillna("conflated")
                    .to_numpy(object) if access_source is not None
                    else np.full(ok.sum(), "conflated", object))
            src[rows[fill]] = srcs[fill]
        self.access = wb
        self.access_source = src
        names = s["stop_name"].fillna("").to_numpy(object)
        for i in np.flatnonzero(names == ""):
            p = self.parent_idx[i]
            names[i] = names[p] if p >= 0 and names[p] else s["stop_id"].iloc[i]
        self.names = names
        self.location_type = s["location_type"].to_numpy(np.int8)

    @cached_property
    def _level_names(self) -> NDArray[np.object_]:
        levels = self.feed.levels
        names = np.full(len(self.stops), None, object)
        if len(levels) and "level_id" in self.stops:
            by_id = dict(zip(levels["level_id"], levels.get(
                "level_name", levels["level_id"]).fillna(levels["level_id"]), strict=True))
            ids = self.stops["level_id"].fillna("").to_numpy(object)
            names[:] = [by_id.get(x) or None for x in ids]
        return names

    def level_name(self, stop: int) -> str | None:
        """Name of the level a stop or pathway node is on (GTFS levels), if known."""
        return self._level_names[stop]

    def stop_access_table(self) -> pd.DataFrame:
        """Per stop: id, name, step-free verdict (yes/no/unknown) and its source."""
        verdict = np.array(["unknown", "yes", "no"], dtype=object)[self.access]
        return pd.DataFrame({
            "stop_id": self.stops["stop_id"].to_numpy(), "name": self.names,
            "location_type": self.location_type, "step_free": verdict,
            "source": np.where(self.access > 0, self.access_source, ""),
        })

    # trips -------------------------------------------------------------------------

    def _build_trips(self) -> None:
        feed = self.feed
        trips = feed.trips
        routes = feed.read("routes").set_index("route_id")
        prev = feed.service_ids(self.date - dt.timedelta(days=1))
        today = feed.service_ids(self.date)
        st = feed.stop_times
        st = st.merge(feed.frequencies[["trip_id"]].drop_duplicates().assign(_freq=True),
                      on="trip_id", how="left") if len(feed.frequencies) else st
        trip_ix = pd.Series(np.arange(len(trips)), index=trips["trip_id"].to_numpy())
        t_of = trip_ix.reindex(st["trip_id"].to_numpy()).to_numpy(np.int64)
        stop_of = self.stop_index.reindex(st["stop_id"].to_numpy()).to_numpy(np.int64)
        arr = st["arrival_s"].to_numpy(np.int64)
        dep = st["departure_s"].to_numpy(np.int64)
        pick = st["pickup_type"].to_numpy(np.int8) != 1
        drop = st["drop_off_type"].to_numpy(np.int8) != 1
        bounds = (np.flatnonzero(np.r_[True, t_of[1:] != t_of[:-1], True]) if len(t_of)
                  else np.zeros(1, np.int64))
        service = trips["service_id"].to_numpy(str)
        route_ids = trips["route_id"].to_numpy(str)
        wa = trips["wheelchair_accessible"].to_numpy(np.int8)
        trip_ids = trips["trip_id"].to_numpy(str)
        freq = feed.frequencies
        freq_by_trip: dict[str, list[tuple[int, int, int]]] = {}
        for r in freq.itertuples():
            freq_by_trip.setdefault(str(r.trip_id), []).append(
                (int(r.start_s), int(r.end_s), int(r.headway_secs)))
        rows: list[dict[str, Any]] = []
        t_stops, t_arr, t_dep, t_board, t_alight, t_group = [], [], [], [], [], []
        for a, b in itertools.pairwise(bounds):
            t = int(t_of[a])
            if b - a < 2:
                continue
            offsets = []
            if service[t] in today:
                offsets.append(0)
            if service[t] in prev and dep[b - 2] >= 86400:
                offsets.append(-86400)  # yesterday's trip running past midnight
            starts = [0]
            tid = trip_ids[t]
            if tid in freq_by_trip:
                first = int(dep[a])
                starts = [s0 - first for s0, e0, h in freq_by_trip[tid]
                          for s0 in range(s0, e0, max(h, 1))]
            for off in offsets:
                for shift in starts:
                    rows.append({"trip": t, "offset": off + shift})
                    t_stops.append(stop_of[a:b].astype(np.int32))
                    t_arr.append(arr[a:b] + off + shift)
                    t_dep.append(dep[a:b] + off + shift)
                    bo = pick[a:b].copy()
                    bo[-1] = False
                    al = drop[a:b].copy()
                    al[0] = False
                    t_board.append(bo)
                    t_alight.append(al)
                    t_group.append(int(wa[t]))
        runs = pd.DataFrame(rows, columns=["trip", "offset"])
        self.runs = runs
        run_trip = runs["trip"].to_numpy(np.int64)
        self.run_trip_id = trip_ids[run_trip]
        rt = routes.reindex(route_ids)
        short = rt["route_short_name"].fillna("") if "route_short_name" in rt else None
        long_ = rt["route_long_name"].fillna("") if "route_long_name" in rt else None
        label = np.where((short.to_numpy(str) if short is not None else "") != "",
                         short.to_numpy(str) if short is not None else "",
                         long_.to_numpy(str) if long_ is not None else route_ids)
        self.trip_route = label
        self.trip_route_type = np.array(
            [ROUTE_TYPES.get(int(x), "vehicle") for x in rt["route_type"].fillna(3)], object)
        heads = trips["trip_headsign"].fillna("").to_numpy(object)
        self.trip_headsign = heads
        self.trip_wheelchair = wa
        self.run_stops = t_stops
        self.run_arr = t_arr
        self.run_dep = t_dep
        self.patterns: PatternArrays = build_patterns(
            t_stops, t_arr, t_dep, t_board, t_alight, np.asarray(t_group, np.int64))
        self.boardable = np.unique(self.patterns.pos_stop).astype(np.int64)
        # Fill empty headsigns with the last stop's name.
        for t, stops in zip(run_trip.tolist(), t_stops, strict=True):
            if not heads[t]:
                heads[t] = self.names[stops[-1]]
        log.info("timetable %s: %d runs in %d patterns over %d stops", self.date,
                 len(runs), self.patterns.n_patterns, len(self.boardable))

    # station graph -----------------------------------------------------------------

    @cached_property
    def pathways(self) -> pd.DataFrame:
        """GTFS pathways as stop indices: pathway_id, u, v, mode, bidirectional, length,
        time (traversal_time), stairs (stair_count)."""
        pw = self.feed.pathways
        if pw.empty:
            return pd.DataFrame({"pathway_id": pd.Series(dtype=str), "u": pd.Series(dtype=int),
                                 "v": pd.Series(dtype=int), "mode": pd.Series(dtype=int),
                                 "bidirectional": pd.Series(dtype=bool),
                                 "length": pd.Series(dtype=float),
                                 "time": pd.Series(dtype=float),
                                 "stairs": pd.Series(dtype=float)})
        return pd.DataFrame({
            "pathway_id": pw["pathway_id"].to_numpy(str),
            "u": self.stop_index.reindex(pw["from_stop_id"].to_numpy()).to_numpy(np.int64),
            "v": self.stop_index.reindex(pw["to_stop_id"].to_numpy()).to_numpy(np.int64),
            "mode": pw["pathway_mode"].to_numpy(np.int64),
            "bidirectional": pw["is_bidirectional"].to_numpy(np.int64) == 1,
            "length": pd.to_numeric(pw["length"], errors="coerce").to_numpy(np.float64),
            "time": pd.to_numeric(pw["traversal_time"], errors="coerce").to_numpy(np.float64),
            "stairs": pd.to_numeric(pw["stair_count"], errors="coerce").to_numpy(np.float64),
        })

    @cached_property
    def street_nodes(self) -> NDArray[np.int64]:
        """Stops reachable from the street: entrances and stops without pathways."""
        pw = self.pathways
        touched = np.zeros(len(self.stops), bool)
        touched[pw["u"].to_numpy(np.int64)] = True
        touched[pw["v"].to_numpy(np.int64)] = True
        lt = self.location_type
        street = ((lt == 0) & ~touched) | (lt == 2)
        return np.flatnonzero(street).astype(np.int64)

    def station_stops(self, stop_id: str) -> tuple[int, NDArray[np.int64]]:
        """The station of a stop and the stops that belong together with it.

        Parameters
        ----------
        stop_id
            GTFS ``stop_id`` of a stop or station.

        Returns
        -------
        station : int
            Index of the station (the stop itself if it is one), -1 if none.
        members : numpy.ndarray
            Indices of the stop, its station and every stop of that station.

        Raises
        ------
        StufenlosError
            If the feed has no such stop.
        """
        if stop_id not in self.stop_index.index:
            msg = f"unknown stop {stop_id!r} in {self.feed.path.name}"
            raise StufenlosError(msg)
        i = int(self.stop_index[stop_id])
        station = i if self.location_type[i] == 1 else int(self.parent_idx[i])
        members = {i}
        if station >= 0:
            members |= set(np.flatnonzero(self.parent_idx == station).tolist()) | {station}
        return station, np.array(sorted(members), np.int64)

    @cached_property
    def lifts(self) -> pd.DataFrame:
        """Elevator and escalator pathways: pathway_id, kind (elevator/escalator),
        from_stop_id, to_stop_id, station_id, and name, lon, lat of the stop they start at."""
        pw = self.pathways
        sel = pw[pw["mode"].isin([4, 5])]
        u = sel["u"].to_numpy(np.int64)
        stop_ids = self.stops["stop_id"].to_numpy()
        station = self.parent_idx[u]
        return pd.DataFrame({
            "pathway_id": sel["pathway_id"].to_numpy(str),
            "kind": np.where(sel["mode"].to_numpy() == 5, "elevator", "escalator"),
            "from_stop_id": stop_ids[u],
            "to_stop_id": stop_ids[sel["v"].to_numpy(np.int64)],
            "station_id": [stop_ids[p] if p >= 0 else None for p in station],
            "name": self.names[u], "lon": self.lon[u], "lat": self.lat[u],
        })

    @property
    def elevators(self) -> pd.DataFrame:
        """Elevator pathways: id, from/to stop, station."""
        lifts = self.lifts
        return lifts.loc[lifts["kind"] == "elevator",
                         ["pathway_id", "from_stop_id", "to_stop_id", "station_id"]
                         ].reset_index(drop=True)

    def stop_usable(
        self, profile: TransitProfile, closed_stops: frozenset[str] = frozenset()
    ) -> NDArray[np.bool_]:
        """Stops this profile may use (board, alight, pass).

        ``closed_stops`` are stops whose step-free access is out of service now
        (their elevator is broken); step-free profiles do not use them.
        """
        if not profile.step_free:
            return np.ones(len(self.stops), bool)
        ok = self.access != 2
        if profile.unknown_policy == "strict":
            ok &= self.access != 0
        if closed_stops:
            ok &= ~self.stops["stop_id"].isin(closed_stops).to_numpy()
        return ok

    def footpaths(
        self, profile: TransitProfile, elevator_state: Mapping[str, str] | None = None,
        closed_stops: frozenset[str] = frozenset(),
    ) -> Footpaths:
        """Station, access and transfer walks for a profile and equipment state (cached).

        Parameters
        ----------
        profile
            Who walks: speed, step-free needs, unknown policy and walking limits.
        elevator_state
            ``pathway_id -> ACTIVE | INACTIVE | UNKNOWN``; missing means unknown.
        closed_stops
            Stops whose step-free access is out of service now.

        Returns
        -------
        Footpaths
            See :func:`stufenlos.transit.footpaths.build_footpaths`.
        """
        state = elevator_state or {}
        closed = frozenset(k for k, v in state.items() if v == "INACTIVE")
        working = frozenset(k for k, v in state.items() if v == "ACTIVE")
        key = (profile, closed, working, closed_stops)
        hit = self._footpaths.get(key)
        if hit is None:
            hit = build_footpaths(self, profile, closed, working, closed_stops)
            if len(self._footpaths) > 16:
                self._footpaths.clear()
            self._footpaths[key] = hit
        return hit

    def street_walks(
        self, profile: TransitProfile,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        """Walks between nearby street stops for ``profile`` (stored by the import if it
        has them, else walked now); see :func:`stufenlos.transit.footpaths.street_walks`."""
        key = walk_key(profile)
        hit = self._walks.get(key)
        if hit is None:
            st = self._stored_walks
            rows = st[st["key"] == key] if st is not None else None
            if rows is not None and len(rows):
                a = self.stop_index.reindex(rows["from_stop_id"].to_numpy()).to_numpy()
                b = self.stop_index.reindex(rows["to_stop_id"].to_numpy()).to_numpy()
                ok = ~np.isnan(a) & ~np.isnan(b)
                hit = (a[ok].astype(np.int64), b[ok].astype(np.int64),
                       rows["seconds"].to_numpy(np.float64)[ok])
            else:
                log.info("walking between the stops of %s for %s (not stored by the import)",
                         self.date, profile.name)
                hit = street_walks(self, profile)
            self._walks[key] = hit
        return hit

    # times -------------------------------------------------------------------------

    def seconds(self, when: dt.datetime) -> int:
        """Seconds after the service day's midnight (local time)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.timezone)
        local = when.astimezone(self.timezone)
        midnight = dt.datetime.combine(self.date, dt.time(12), tzinfo=self.timezone)
        midnight -= dt.timedelta(hours=12)  # GTFS: "noon minus 12 h"
        return int((local - midnight).total_seconds())

    def datetime(self, seconds: int) -> dt.datetime:
        """Local date and time of ``seconds`` after the service day's midnight."""
        noon = dt.datetime.combine(self.date, dt.time(12), tzinfo=self.timezone)
        return (noon + dt.timedelta(seconds=int(seconds) - 43200)).astimezone(self.timezone)
