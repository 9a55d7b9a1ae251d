"""Step-free public transport: timetable model, journey planner and departures.

A :class:`Timetable` holds one service day of a GTFS feed (plus the trips of
the day before that run past midnight) as route patterns for a RAPTOR-family
search (:mod:`stufenlos._raptor`), the station graph of GTFS ``pathways`` and
the accessibility of each stop and trip. :func:`plan_journey` returns the
Pareto set of itineraries by arrival time and number of trips from a
coordinate to a coordinate. A step-free profile boards only trips and stops
that are accessible (or unknown, unless ``unknown_policy="strict"``), never
uses stairs or escalators, and uses an elevator only while its status is not
out of service.

Walking legs come from a :class:`Walker`; :class:`CrowFlyWalker` estimates
them from the straight-line distance until a street network is attached.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import logging
import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from stufenlos._raptor import INF, PatternArrays, build_patterns, run_raptor
from stufenlos._util import atomic_write_bytes
from stufenlos.errors import StufenlosError
from stufenlos.ingest.gtfs import Feed, GtfsError, GtfsWarning, import_feed, read_feed
from stufenlos.profiles import PRESETS, Profile

if TYPE_CHECKING:
    import os

    from numpy.typing import NDArray

    from stufenlos.city import City
    from stufenlos.equipment import EquipmentRegistry
    from stufenlos.routing import Router

__all__ = [
    "TRANSIT_PROFILES",
    "CityTransit",
    "CrowFlyWalker",
    "Itinerary",
    "Leg",
    "NoJourneyError",
    "RouterWalker",
    "Timetable",
    "TransitProfile",
    "Walker",
    "departures",
    "departures_to_json",
    "imported_feed",
    "load_city_transit",
    "plan_journey",
    "transit_profile",
]

log = logging.getLogger(__name__)

UnknownPolicy = Literal["strict", "cautious", "optimistic"]
ElevatorState = Literal["ACTIVE", "INACTIVE", "UNKNOWN"]

#: pathway modes (GTFS): walkway, stairs, moving sidewalk, escalator, elevator, gates
PATHWAY_MODES = {1: "walkway", 2: "stairs", 3: "moving sidewalk", 4: "escalator",
                 5: "elevator", 6: "fare gate", 7: "exit gate"}
_ROUTE_TYPES = {0: "tram", 1: "subway", 2: "rail", 3: "bus", 4: "ferry", 5: "cable tram",
                6: "aerial lift", 7: "funicular", 11: "trolleybus", 12: "monorail"}
_EARTH_M = 6_371_008.8


class NoJourneyError(StufenlosError, LookupError):
    """No itinerary connects the two places for this profile and time."""

    http_status = 404


# -- profiles ----------------------------------------------------------------------


@dataclass(frozen=True)
class TransitProfile:
    """What a person needs from public transport.

    Parameters
    ----------
    name
        Profile name (for reports).
    step_free
        Board only accessible stops and trips; no stairs or escalators.
    speed_mps
        Walking or rolling speed on the flat.
    unknown_policy
        ``strict``: unknown accessibility counts as not accessible and elevators
        of unknown status as out of service; ``cautious``: unknown is used, flagged,
        and elevators of unknown status cost ``elevator_wait_s`` extra;
        ``optimistic``: unknown is used and flagged.
    max_walk_m
        Longest walk to the first and from the last stop.
    max_transfer_m
        Longest walk between two stops when changing.
    min_change_s
        Extra time to change vehicles at the same stop.
    elevator_wait_s
        Expected wait for an elevator of unknown status (``cautious``).
    walk
        The walking profile (preset and the person's own limits) that walks to, between
        and from stops are routed with; ``None``: the preset called ``name``.
    """

    name: str = "standard"
    step_free: bool = False
    speed_mps: float = 1.3
    unknown_policy: UnknownPolicy = "optimistic"
    max_walk_m: float = 1000.0
    max_transfer_m: float = 400.0
    min_change_s: int = 0
    elevator_wait_s: float = 20.0
    walk: Profile | None = None

    def __post_init__(self) -> None:
        if self.unknown_policy not in ("strict", "cautious", "optimistic"):
            msg = ("`unknown_policy` must be strict, cautious or optimistic, "
                   f"got {self.unknown_policy!r}")
            raise StufenlosError(msg)
        if not 0.1 <= self.speed_mps <= 5:
            msg = f"`speed_mps` must be between 0.1 and 5, got {self.speed_mps}"
            raise StufenlosError(msg)

    def walking(self) -> Profile:
        """The walking profile walks are routed with: ``walk``, else the preset ``name``."""
        if self.walk is not None:
            return self.walk
        return PRESETS.get(self.name, PRESETS["standard"])


#: presets matching the walking profiles (speeds and unknown policy from PROFILES.md)
TRANSIT_PROFILES: dict[str, TransitProfile] = {
    "standard": TransitProfile(),
    "wheelchair": TransitProfile("wheelchair", True, 0.8, "cautious", 800.0, 300.0, 120),
    "electric_wheelchair": TransitProfile("electric_wheelchair", True, 1.4, "cautious",
                                          2000.0, 500.0, 120),
    "walker": TransitProfile("walker", True, 0.7, "cautious", 500.0, 250.0, 120),
    "older_pedestrian": TransitProfile("older_pedestrian", False, 0.9, "optimistic", 800.0,
                                       300.0, 60),
    "blind": TransitProfile("blind", False, 1.0, "optimistic", 1000.0, 400.0, 120),
    "pram": TransitProfile("pram", True, 1.2, "cautious", 1000.0, 400.0, 60),
}


def transit_profile(profile: str | TransitProfile | Any, **changes: Any) -> TransitProfile:
    """The transit needs of a profile name, :class:`TransitProfile` or walking profile.

    A walking profile (:class:`stufenlos.profiles.Profile`) is read by its
    ``name``, ``speed_mps``, ``max_steps``, ``wheels``, ``unknown_policy``,
    ``elevator_wait_s`` and ``max_distance_m``, and kept whole as ``walk`` so that
    walks are routed with all of its limits.
    """
    if isinstance(profile, TransitProfile):
        base = profile
    elif isinstance(profile, str):
        if profile in PRESETS:  # the walking preset is the one source of speeds and policy
            return transit_profile(PRESETS[profile], **changes)
        try:
            base = TRANSIT_PROFILES[profile]
        except KeyError:
            msg = f"unknown profile {profile!r}; choose one of {', '.join(TRANSIT_PROFILES)}"
            raise StufenlosError(msg) from None
    else:
        preset = TRANSIT_PROFILES.get(getattr(profile, "name", ""), TransitProfile())
        max_walk = getattr(profile, "max_distance_m", None)
        base = dataclasses.replace(
            preset,
            name=str(getattr(profile, "name", preset.name)),
            # Step-free: no steps at all, or on wheels where the preset avoids steps (pram).
            step_free=getattr(profile, "max_steps", None) == 0
            or (bool(getattr(profile, "wheels", False)) and preset.step_free),
            speed_mps=float(getattr(profile, "speed_mps", preset.speed_mps)),
            unknown_policy=getattr(profile, "unknown_policy", preset.unknown_policy),
            elevator_wait_s=float(getattr(profile, "elevator_wait_s", preset.elevator_wait_s)),
            max_walk_m=float(max_walk) if max_walk else preset.max_walk_m,
            walk=profile if isinstance(profile, Profile) else None,
        )
    return dataclasses.replace(base, **changes) if changes else base


# -- walking -----------------------------------------------------------------------


class Walker(Protocol):
    """Walking times between a point and many points for a profile."""

    def walk_seconds(
        self, lon: float, lat: float, lons: NDArray[np.float64], lats: NDArray[np.float64],
        profile: TransitProfile, *, to_point: bool = False,
    ) -> NDArray[np.float64]:
        """Seconds from (lon, lat) to each point (or back if ``to_point``); inf = no way."""
        ...


@dataclass(frozen=True)
class CrowFlyWalker:
    """Walking time from the straight-line distance times a detour factor."""

    detour_factor: float = 1.3

    def walk_seconds(
        self, lon: float, lat: float, lons: NDArray[np.float64], lats: NDArray[np.float64],
        profile: TransitProfile, *, to_point: bool = False,
    ) -> NDArray[np.float64]:
        """Seconds from (lon, lat) to each point; the same both ways."""
        d = haversine_m(lon, lat, lons, lats) * self.detour_factor
        return d / profile.speed_mps


class RouterWalker:
    """Walking times from the routing engine, with the person's walking profile.

    Costs come from :meth:`stufenlos.routing.Router.matrix` (contraction
    hierarchy, so one origin to hundreds of stops takes well under a
    millisecond); pairs whose best route breaks a hard limit of the profile
    count as not walkable. The gap between a point and its snapped node is
    added at the profile's speed.
    """

    def __init__(self, router: Router) -> None:
        self.router = router
        self._nodes: dict[tuple[Any, float, float], int] = {}

    def _snap(self, walk: Profile, lons: NDArray[np.float64],
              lats: NDArray[np.float64]) -> NDArray[np.int64]:
        """Nearest usable node of each point, remembered per point (stops repeat)."""
        pk = walk.key()
        keys = [(pk, float(x), float(y)) for x, y in zip(lons, lats, strict=True)]
        todo = [i for i, k in enumerate(keys) if k not in self._nodes]
        if todo:
            w = self.router.weights(walk)
            found = self.router.nearest_nodes([(float(lats[i]), float(lons[i])) for i in todo],
                                              w)
            if len(self._nodes) > 100_000:
                self._nodes.clear()
            self._nodes.update({keys[i]: int(n) for i, n in zip(todo, found, strict=True)})
        return np.array([self._nodes[k] for k in keys], np.int64)

    def _seconds(self, m: Any) -> NDArray[np.float64]:
        cost = np.asarray(m.cost_s, np.float64)
        return np.where(np.isnan(cost) | m.limits_broken, np.inf, cost)

    def walk_seconds(
        self, lon: float, lat: float, lons: NDArray[np.float64], lats: NDArray[np.float64],
        profile: TransitProfile, *, to_point: bool = False,
    ) -> NDArray[np.float64]:
        """Seconds from (lon, lat) to each point, or from each point to it (``to_point``)."""
        walk = profile.walking()
        if len(lons) == 0:
            return np.zeros(0)
        nodes = self._snap(walk, np.asarray(lons), np.asarray(lats))
        if to_point:
            m = self.router.matrix(nodes, [(lat, lon)], profile=walk)
            t = self._seconds(m)[:, 0]
        else:
            m = self.router.matrix([(lat, lon)], nodes, profile=walk)
            t = self._seconds(m)[0]
        ll = self.router.network.node_lonlat[nodes]
        gap = haversine_m(ll[:, 0], ll[:, 1], np.asarray(lons), np.asarray(lats))
        return t + gap / profile.speed_mps

    def pair_seconds(
        self, lons: NDArray[np.float64], lats: NDArray[np.float64], a: NDArray[np.int64],
        b: NDArray[np.int64], profile: TransitProfile,
    ) -> NDArray[np.float64]:
        """Seconds from point ``a[i]`` to point ``b[i]`` (one many-to-many query)."""
        walk = profile.walking()
        nodes = self._snap(walk, lons, lats)
        used = np.unique(np.r_[a, b])
        m = self.router.matrix(nodes[used], nodes[used], profile=walk)
        pos = np.searchsorted(used, a), np.searchsorted(used, b)
        t = self._seconds(m)[pos]
        ll = self.router.network.node_lonlat[nodes]
        gap = (haversine_m(ll[a, 0], ll[a, 1], lons[a], lats[a])
               + haversine_m(ll[b, 0], ll[b, 1], lons[b], lats[b]))
        return t + gap / profile.speed_mps


def haversine_m(
    lon: float | NDArray[np.float64], lat: float | NDArray[np.float64],
    lons: NDArray[np.float64] | float, lats: NDArray[np.float64] | float,
) -> NDArray[np.float64]:
    """Great-circle distance in metres."""
    p1, p2 = np.radians(lat), np.radians(lats)
    dp = p2 - p1
    dl = np.radians(np.asarray(lons) - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * _EARTH_M * np.arcsin(np.sqrt(a)), dtype=np.float64)


# -- itineraries -------------------------------------------------------------------


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

    def directions(self, lang: Literal["de", "en"] = "en") -> list[str]:
        """Step-by-step text directions in German or English."""
        if lang not in ("de", "en"):
            msg = f"`lang` must be de or en, got {lang!r}"
            raise StufenlosError(msg)
        out: list[str] = []
        for leg in self.legs:
            t = leg.start.strftime("%H:%M")
            mins = max(1, round(leg.duration_s / 60))
            if leg.mode == "transit":
                vehicle = leg.route_type or "vehicle"
                if lang == "de":
                    vehicle = {"tram": "Straßenbahn", "bus": "Bus", "rail": "Zug",
                               "subway": "U-Bahn"}.get(vehicle, "Linie")
                    out.append(f"{t} {vehicle} {leg.route} Richtung {leg.headsign} ab "
                               f"{leg.from_name}; aussteigen {leg.end:%H:%M} an {leg.to_name}.")
                else:
                    out.append(f"{t} take {vehicle} {leg.route} towards {leg.headsign} from "
                               f"{leg.from_name}; get off at {leg.to_name} at {leg.end:%H:%M}.")
            else:
                via = [p for p in leg.pathways if p["mode"] == "elevator"]
                if lang == "de":
                    text = f"{t} {mins} min gehen/rollen von {leg.from_name} nach {leg.to_name}"
                    if via:
                        text += " (" + ", ".join(
                            "Aufzug" + (f" zur Ebene {p['to_level']}" if p.get("to_level")
                                        else "") for p in via) + ")"
                else:
                    text = f"{t} walk/roll {mins} min from {leg.from_name} to {leg.to_name}"
                    if via:
                        text += " (" + ", ".join(
                            "elevator" + (f" to level {p['to_level']}" if p.get("to_level")
                                          else "") for p in via) + ")"
                out.append(text + ".")
            for u in leg.unknowns:
                out.append(("  Unbekannt: " if lang == "de" else "  Unknown: ") + u)
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


# -- the timetable -----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Footpaths:
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
    ) -> None:
        self.feed = feed
        self.date = date
        tz = timezone or str(feed.agency["agency_timezone"].iloc[0])
        self.timezone = ZoneInfo(tz)
        self.walker: Walker = walker or CrowFlyWalker()
        self._cache: dict[tuple[Any, ...], _Footpaths] = {}
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
            tid = str(trips["trip_id"].iloc[t])
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
        self.run_trip_id = trips["trip_id"].to_numpy(str)[runs["trip"].to_numpy(np.int64)]
        rt = routes.reindex(route_ids)
        short = rt["route_short_name"].fillna("") if "route_short_name" in rt else None
        long_ = rt["route_long_name"].fillna("") if "route_long_name" in rt else None
        label = np.where((short.to_numpy(str) if short is not None else "") != "",
                         short.to_numpy(str) if short is not None else "",
                         long_.to_numpy(str) if long_ is not None else route_ids)
        self.trip_route = label
        self.trip_route_type = np.array(
            [_ROUTE_TYPES.get(int(x), "vehicle") for x in rt["route_type"].fillna(3)], object)
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
        for r, stops in enumerate(t_stops):
            t = int(runs["trip"].iloc[r])
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

    @property
    def elevators(self) -> pd.DataFrame:
        """Elevator pathways: id, from/to stop, station."""
        pw = self.pathways
        el = pw[pw["mode"] == 5]
        station = self.parent_idx[el["u"].to_numpy(np.int64)]
        return pd.DataFrame({
            "pathway_id": el["pathway_id"].to_numpy(),
            "from_stop_id": self.stops["stop_id"].to_numpy()[el["u"].to_numpy(np.int64)],
            "to_stop_id": self.stops["stop_id"].to_numpy()[el["v"].to_numpy(np.int64)],
            "station_id": [self.stops["stop_id"].iloc[p] if p >= 0 else None for p in station],
        })

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

    def _footpaths(
        self, profile: TransitProfile, elevator_state: Mapping[str, str],
        closed_stops: frozenset[str] = frozenset(),
    ) -> _Footpaths:
        closed = frozenset(k for k, v in elevator_state.items() if v == "INACTIVE")
        working = frozenset(k for k, v in elevator_state.items() if v == "ACTIVE")
        key = (profile, closed, working, closed_stops)
        if key in self._cache:
            return self._cache[key]
        n = len(self.stops)
        usable = self.stop_usable(profile, closed_stops)
        pw = self.pathways
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
        street = self.street_nodes[usable[self.street_nodes]]
        board = self.boardable[usable[self.boardable]]
        limit = 1800.0
        d_s, pred_s = csgraph.dijkstra(g_station, indices=street, limit=limit,
                                       return_predecessors=True)
        s2b = _triplets(d_s, street, board)
        d_b, pred_b = csgraph.dijkstra(g_station, indices=board, limit=limit,
                                       return_predecessors=True)
        b2s = _triplets(d_b, board, street)
        # Transfers: pathways + transfers.txt + street walks between street nodes.
        tu, tv, tw = [eu], [ev], [ew]
        tr = self.feed.transfers
        if len(tr) and "from_stop_id" in tr.columns:
            tr = tr[tr["transfer_type"].to_numpy() != 3]
            a = self.stop_index.reindex(tr["from_stop_id"].to_numpy()).to_numpy()
            b = self.stop_index.reindex(tr["to_stop_id"].to_numpy()).to_numpy()
            mt = pd.to_numeric(tr.get("min_transfer_time"), errors="coerce")
            w = np.nan_to_num(np.asarray(mt, np.float64), nan=60.0)
            ok = ~np.isnan(a) & ~np.isnan(b) & (a != b)
            a, b, w = a[ok].astype(np.int64), b[ok].astype(np.int64), w[ok]
            ok = usable[a] & usable[b]
            tu.append(a[ok])
            tv.append(b[ok])
            tw.append(w[ok])
        if len(street) > 1:
            xy = _local_xy(self.lon[street], self.lat[street])
            pairs = cKDTree(xy).query_pairs(profile.max_transfer_m, output_type="ndarray")
            if len(pairs):
                a, b = street[pairs[:, 0]], street[pairs[:, 1]]
                w = _pair_walk(self.walker, self.lon, self.lat, a, b, profile)
                fin = np.isfinite(w)
                tu += [a[fin], b[fin]]
                tv += [b[fin], a[fin]]
                tw += [w[fin], w[fin]]
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
        pa = self.patterns
        pos_ok = usable[pa.pos_stop]
        run_group = np.asarray([int(self.trip_wheelchair[int(t)])
                                for t in self.runs["trip"].to_numpy()], np.int64)
        if profile.step_free and len(run_group):
            grp = run_group[pa.pattern_trips[pa.pattern_tripoff]]
            trip_ok = grp != 2
            if profile.unknown_policy == "strict":
                trip_ok &= grp != 0
            pos_ok &= trip_ok[pa.pos_pattern]
        fpaths = _Footpaths(
            s2b=s2b, b2s=b2s, fp=(fs[keep_fp], fd[keep_fp], fw[keep_fp]),
            pred_station=pred_s.astype(np.int32), pred_station_rev=pred_b.astype(np.int32),
            pred_transfer=pred_t.astype(np.int32), street_row=street_row, board_row=board_row,
            edge_pathway=edge_pathway, board_ok=pos_ok, alight_ok=pos_ok,
        )
        if len(self._cache) > 16:
            self._cache.clear()
        self._cache[key] = fpaths
        return fpaths

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


def _pair_walk(
    walker: Walker, lon: NDArray[np.float64], lat: NDArray[np.float64],
    a: NDArray[np.int64], b: NDArray[np.int64], profile: TransitProfile,
) -> NDArray[np.float64]:
    """Walking seconds from each ``a[i]`` to ``b[i]``, one walker call per distinct ``a``."""
    if isinstance(walker, CrowFlyWalker):
        return haversine_m(lon[a], lat[a], lon[b], lat[b]) * walker.detour_factor / (
            profile.speed_mps)
    if isinstance(walker, RouterWalker):
        return walker.pair_seconds(lon, lat, a, b, profile)
    out = np.full(len(a), np.inf)
    for src in np.unique(a):
        sel = np.flatnonzero(a == src)
        out[sel] = walker.walk_seconds(lon[src], lat[src], lon[b[sel]], lat[b[sel]], profile)
    return out


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


def _local_xy(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    lat0 = math.radians(float(np.mean(lat)))
    return np.column_stack([np.radians(lon) * math.cos(lat0) * _EARTH_M,
                            np.radians(lat) * _EARTH_M])


# -- planning ----------------------------------------------------------------------


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
        :meth:`stufenlos.equipment.EquipmentRegistry.closed_stops`.
    max_transfers
        Most changes between vehicles.

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
    fp = tt._footpaths(prof, state, frozenset(closed_stops))
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
        out.append(_walk_only(tt, prof, origin, destination, t0, best))
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
                                access_via, egress_via, walk_o, walk_d, egress_i, state))
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
               destination: tuple[float, float], t0: int, t1: int) -> Itinerary:
    leg = Leg("walk", tt.datetime(t0), tt.datetime(t1), "origin", "destination",
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


def _pathway_steps(tt: Timetable, fp: _Footpaths, nodes: list[int],
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
            unknowns.append(f"elevator {row['pathway_id']} at {tt.names[a]}: status unknown")
    return steps, unknowns


def _stop_unknown(tt: Timetable, prof: TransitProfile, s: int) -> list[str]:
    if prof.step_free and tt.access[s] == 0:
        return [f"stop {tt.names[s]} ({tt.stops['stop_id'].iloc[s]}): step-free access unknown"]
    return []


def _reconstruct(
    tt: Timetable, prof: TransitProfile, res: Any, fp: _Footpaths, k: int, kind: int,
    stop: int, origin: tuple[float, float], destination: tuple[float, float],
    access_via: NDArray[np.int64], egress_via: NDArray[np.int64],
    walk_o: NDArray[np.float64], walk_d: NDArray[np.float64], egress_i: NDArray[np.int64],
    state: Mapping[str, str],
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
                    "destination", from_stop_id=ids[stop],
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
            unk.insert(0, f"{tt.trip_route_type[trip]} {tt.trip_route[trip]} "
                          f"{tt.run_trip_id[run]}: wheelchair accessibility unknown")
        legs.append(Leg("transit", tt.datetime(dep), tt.datetime(arr), tt.names[b],
                        tt.names[s], ids[b], ids[s], route=str(tt.trip_route[trip]),
                        route_type=str(tt.trip_route_type[trip]),
                        headsign=str(tt.trip_headsign[trip]), trip_id=str(tt.run_trip_id[run]),
                        stop_ids=[str(ids[x]) for x in passed],
                        coordinates=[coord(x) for x in passed], unknowns=unk))
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
    legs.append(Leg("walk", leave, first.start, "origin", tt.names[b], to_stop_id=ids[b],
                    coordinates=[(origin[1], origin[0])] + [coord(x) for x in nodes],
                    pathways=steps, unknowns=unk))
    legs.reverse()
    return Itinerary(legs, prof.name)


def _access_total(tt: Timetable, fp: _Footpaths, b: int, s_in: int,
                  walk_o: NDArray[np.float64]) -> int:
    """Seconds from the origin to boarding stop ``b`` via street node ``s_in``."""
    if s_in < 0:
        return 0
    src, dst, w = fp.s2b
    hit = np.flatnonzero((src == s_in) & (dst == b))
    inside = int(w[hit[0]]) if len(hit) else 0
    return math.ceil(walk_o[s_in]) + inside


# -- departures --------------------------------------------------------------------


def departures(
    timetable: Timetable,
    stop_id: str,
    at: dt.datetime,
    *,
    limit: int = 10,
    elevator_state: Mapping[str, str] | None = None,
    within_s: int = 3 * 3600,
) -> pd.DataFrame:
    """Next departures from a stop or from every stop of a station.

    Returns
    -------
    pandas.DataFrame
        One row per departure: time, route, headsign, stop, whether the trip and
        the stop are step-free (yes/no/unknown, with the stop verdict's source),
        and the elevators serving the station with their status.
    """
    tt = timetable
    if stop_id not in tt.stop_index.index:
        msg = f"unknown stop {stop_id!r} in {tt.feed.path.name}"
        raise StufenlosError(msg)
    i = int(tt.stop_index[stop_id])
    station = i if tt.location_type[i] == 1 else int(tt.parent_idx[i])
    members = {i}
    if station >= 0:
        members |= set(np.flatnonzero(tt.parent_idx == station).tolist()) | {station}
    t0 = tt.seconds(at)
    rows = []
    verdict = {0: "unknown", 1: "yes", 2: "no"}
    for r, stops in enumerate(tt.run_stops):
        hit = np.flatnonzero(np.isin(stops, list(members)))
        for h in hit:
            if h == len(stops) - 1:
                continue
            d = int(tt.run_dep[r][h])
            if t0 <= d <= t0 + within_s:
                trip = int(tt.runs["trip"].iloc[r])
                s = int(stops[h])
                rows.append({
                    "departure": tt.datetime(d), "route": str(tt.trip_route[trip]),
                    "route_type": str(tt.trip_route_type[trip]),
                    "headsign": str(tt.trip_headsign[trip]), "stop_id": str(tt.stops[
                        "stop_id"].iloc[s]), "stop_name": str(tt.names[s]),
                    "trip_id": str(tt.run_trip_id[r]),
                    "trip_step_free": verdict[int(tt.trip_wheelchair[trip])],
                    "stop_step_free": verdict[int(tt.access[s])],
                    "stop_step_free_source": str(tt.access_source[s] or ""),
                })
    df = pd.DataFrame(rows, columns=["departure", "route", "route_type", "headsign", "stop_id",
                                     "stop_name", "trip_id", "trip_step_free", "stop_step_free",
                                     "stop_step_free_source"])
    df = df.sort_values("departure", kind="stable").head(limit).reset_index(drop=True)
    el = tt.elevators
    if station >= 0 and len(el):
        sid = tt.stops["stop_id"].iloc[station]
        state = elevator_state or {}
        mine = el[el["station_id"] == sid]
        df.attrs["elevators"] = [
            {"pathway_id": p, "state": state.get(p, "UNKNOWN")} for p in mine["pathway_id"]]
    else:
        df.attrs["elevators"] = []
    return df


def departures_to_json(df: pd.DataFrame) -> str:
    """Departures as JSON (``departures`` and ``elevators``)."""
    recs = [{k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in r.items()}
            for r in df.to_dict("records")]
    return json.dumps({"departures": recs, "elevators": df.attrs.get("elevators", [])},
                      ensure_ascii=False, indent=2)


# -- a city's public transport ---------------------------------------------------------


@dataclass(eq=False)
class CityTransit:
    """A city's public transport: timetables per day, stop verdicts and equipment.

    Build one with :func:`load_city_transit`. Queries use the equipment status
    at the moment they run, so an outage reported by a feed changes the next
    journey.
    """

    feed_path: os.PathLike[str] | str
    timezone: str
    stop_access: pd.DataFrame
    equipment: EquipmentRegistry
    city: City | None = None
    _timetables: dict[dt.date, Timetable] = field(default_factory=dict)

    @cached_property
    def walker(self) -> Walker:
        """Walking times: the city's router if it is imported, else straight lines."""
        if self.city is not None:
            return RouterWalker(self.city.router)
        return CrowFlyWalker()

    def timetable(self, date: dt.date) -> Timetable:
        """The timetable of one service day (built on first use)."""
        tt = self._timetables.get(date)
        if tt is None:
            verdict = self.stop_access.set_index("stop_id")
            tt = Timetable.from_feed(
                self.feed_path, date, timezone=self.timezone, walker=self.walker,
                stop_access=verdict["code"],
                access_source=verdict["source"] + ": " + verdict["detail"])
            if len(self._timetables) > 3:
                self._timetables.clear()
            self._timetables[date] = tt
            self.equipment_from(tt)
        return tt

    def equipment_from(self, tt: Timetable) -> None:
        """Add the GTFS elevators and escalators of ``tt`` the registry lacks."""
        from stufenlos.equipment import EquipmentRegistry

        extra = EquipmentRegistry.from_sources(timetable=tt).equipment
        extra = extra[~extra["id"].isin(self.equipment.equipment["id"])]
        if len(extra):
            merged = pd.concat([self.equipment.equipment, extra], ignore_index=True)
            reg = EquipmentRegistry(merged)
            reg._status = self.equipment._status
            reg.version = self.equipment.version
            self.equipment = reg

    def start_polling(
        self, feeds: Iterable[str], *, interval_s: float = 60.0, max_backoff_s: float = 900.0
    ) -> list[Any]:
        """Poll status feeds in background threads (see :class:`StatusPoller`).

        ``feeds`` are JSON/CSV URLs or files, or ``sensorthings+https://...``.
        A change reaches the walking router's overrides at once (OSM
        elevators) and the next journey through :attr:`equipment`. Stop the
        returned pollers with their ``stop()``.
        """
        from stufenlos.equipment import StatusPoller, apply_to_overrides, status_source

        def on_change(registry: EquipmentRegistry) -> None:
            if self.city is not None:
                apply_to_overrides(registry, self.city.overrides, network=self.city.network)

        pollers = [StatusPoller(status_source(url), self.equipment, interval_s=interval_s,
                                max_backoff_s=max_backoff_s, on_change=on_change)
                   for url in feeds]
        for p in pollers:
            p.start()
        return pollers

    def _local(self, at: dt.datetime) -> dt.datetime:
        tz = ZoneInfo(self.timezone)
        return at.replace(tzinfo=tz) if at.tzinfo is None else at.astimezone(tz)

    def journey(
        self, origin: tuple[float, float], destination: tuple[float, float],
        at: dt.datetime, *, profile: str | TransitProfile | Any = "standard",
        max_transfers: int = 4,
    ) -> list[Itinerary]:
        """Itineraries (see :func:`plan_journey`) with the current equipment status."""
        from stufenlos.equipment import apply_to_overrides, closed_stops

        at = self._local(at)
        tt = self.timetable(at.date())
        if self.city is not None:
            apply_to_overrides(self.equipment, self.city.overrides, network=self.city.network)
        its = plan_journey(tt, origin, destination, at, profile=profile,
                           elevator_state=self.equipment.elevator_state(),
                           closed_stops=closed_stops(self.equipment, self.stop_access),
                           max_transfers=max_transfers)
        if self.city is not None:
            for it in its:
                _walk_geometry(it, self.city.router, transit_profile(profile))
        return its

    def departures(
        self, stop_id: str, at: dt.datetime, *, limit: int = 10
    ) -> pd.DataFrame:
        """Next departures (see :func:`departures`) with elevator status.

        Besides GTFS pathway elevators, ``attrs["elevators"]`` lists the OSM
        elevators the stops' step-free verdicts rely on; while one is out of
        service its stops are shown as not step-free.
        """
        at = self._local(at)
        tt = self.timetable(at.date())
        df = departures(tt, stop_id, at, limit=limit,
                        elevator_state=self.equipment.elevator_state())
        i = int(tt.stop_index[stop_id])
        station = i if tt.location_type[i] == 1 else int(tt.parent_idx[i])
        members = {stop_id}
        if station >= 0:
            members |= set(tt.stops["stop_id"].to_numpy()[
                (tt.parent_idx == station) | (np.arange(len(tt.stops)) == station)])
        acc = self.stop_access
        rows = acc[acc["stop_id"].isin(members) & acc["elevator"].notna()]
        extra = []
        for ref, stops in rows.groupby("elevator")["stop_id"]:
            st = self.equipment.status(str(ref))
            extra.append({"osm_id": str(ref), "state": st.state, "reason": st.reason,
                          "since": st.since.isoformat() if st.since else None,
                          "stop_ids": sorted(stops)})
            if st.state == "INACTIVE":
                hit = df["stop_id"].isin(set(stops))
                df.loc[hit, "stop_step_free"] = "no"
                df.loc[hit, "stop_step_free_source"] = (
                    f"elevator {ref} out of service" + (f": {st.reason}" if st.reason else ""))
        df.attrs["elevators"] = [*df.attrs.get("elevators", []), *extra]
        return df


def _walk_geometry(it: Itinerary, router: Router, profile: TransitProfile) -> None:
    """Replace straight walking legs on the street by the router's route geometry."""
    walk = profile.walking()
    for leg in it.legs:
        if leg.mode != "walk" or leg.pathways or len(leg.coordinates) < 2:
            continue
        (lon0, lat0), (lon1, lat1) = leg.coordinates[0], leg.coordinates[-1]
        try:
            route = router.route((lat0, lon0), (lat1, lon1), profile=walk)
        except StufenlosError:
            continue
        geom = route.geometry()
        if route.status != "no_route" and geom:
            leg.coordinates = [(float(x), float(y)) for x, y in geom["coordinates"]]
            if route.status == "limits_broken":
                leg.unknowns.append("the walk breaks a limit of the profile; see the route")


def imported_feed(src: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Path:
    """A validated copy of the feed ``src`` in ``folder``, refreshed when ``src`` changes.

    A new or changed feed is validated first (:func:`stufenlos.ingest.gtfs.import_feed`);
    if it fails, an earlier copy is kept and used (with a :class:`GtfsWarning`),
    and without one the :class:`GtfsError` is raised.
    """
    source = Path(src)
    out = Path(folder)
    dest, stamp = out / "gtfs.zip", out / "source.json"
    try:
        st = source.stat()
    except FileNotFoundError:
        raise GtfsError(source, "no such GTFS zip file or folder") from None
    sig = {"path": str(source.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if dest.exists() and stamp.exists():
        try:
            if json.loads(stamp.read_text("utf-8")) == sig:
                return dest
        except json.JSONDecodeError:
            pass
    try:
        problems = import_feed(source, dest)
    except GtfsError as exc:
        if not dest.exists():
            raise
        msg = f"{exc}; keeping the feed imported earlier ({dest})"
        warnings.warn(msg, GtfsWarning, stacklevel=2)
        return dest
    for p in problems:
        log.warning("%s", p)
    atomic_write_bytes(stamp, json.dumps(sig).encode("utf-8"))
    return dest


def load_city_transit(
    name: str, *, base: str | os.PathLike[str] | None = None,
    status: Iterable[str] = (),
) -> CityTransit:
    """Open a configured city's public transport.

    Parameters
    ----------
    name
        City name. Its first ``gtfs`` input is the timetable (used through a
        validated copy in the city's data folder, see :func:`imported_feed`);
        its ``osm`` and ``stations`` inputs give stop verdicts and elevators.
    base
        Data folder of imported cities; walking legs use the router of the
        imported city, or straight-line estimates if it is not imported.
    status
        Status feeds (JSON/CSV files or URLs, ``sensorthings+https://...``)
        to read once now, in addition to the city's ``status`` inputs.
    """
    from stufenlos.city import city_folder, load_city
    from stufenlos.config import find_city
    from stufenlos.equipment import EquipmentRegistry, status_source
    from stufenlos.errors import UnknownCityError
    from stufenlos.stops import read_osm_stop_features, stop_access_for_city

    config = find_city(name)
    gtfs = config.input_paths("gtfs")
    if not gtfs:
        msg = f"city {name!r} has no GTFS input in its city.toml"
        raise StufenlosError(msg)
    feed_path = imported_feed(gtfs[0], city_folder(name, base) / "transit")
    feed = read_feed(feed_path)
    tz = str(feed.agency["agency_timezone"].iloc[0]) if len(feed.agency) else config.timezone
    osm_paths = [p for p in config.input_paths("osm") if p.suffix in (".pbf", ".osm", ".bz2")]
    osm = read_osm_stop_features(osm_paths[0]) if osm_paths else None
    access = stop_access_for_city(config, osm=osm, feed=feed)
    registry = EquipmentRegistry.from_sources(osm=osm)
    try:
        city: City | None = load_city(name, base=base)
    except UnknownCityError:
        log.info("%s is not imported; walking legs are straight-line estimates", name)
        city = None
    ct = CityTransit(feed_path=feed_path, timezone=tz, stop_access=access, equipment=registry,
                     city=city)
    feeds = [str(config.resolve(spec.path)) for spec in config.inputs_of("status")]
    for url in [*feeds, *status]:
        ct.equipment.apply(status_source(url).fetch(), source=url)
    return ct
