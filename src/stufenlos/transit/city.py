"""A city's public transport: timetables per day, stop verdicts and live equipment status.

:func:`load_city_transit` wires a configured city's feed (:mod:`stufenlos.transit.feed`),
stop verdicts (:mod:`stufenlos.transit.stops`) and equipment registry
(:mod:`stufenlos.transit.equipment`) into a :class:`CityTransit`, whose queries use
the equipment status at the moment they run.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pandas as pd

from stufenlos.city import city_folder, load_city
from stufenlos.config import find_city
from stufenlos.errors import StufenlosError, UnknownCityError
from stufenlos.ingest.gtfs import read_feed
from stufenlos.transit.departures import departures
from stufenlos.transit.equipment import EquipmentRegistry, apply_to_closures, closed_stops
from stufenlos.transit.feed import imported_feed
from stufenlos.transit.journey import Itinerary, plan_journey
from stufenlos.transit.profile import TransitProfile, transit_profile
from stufenlos.transit.status_feeds import StatusPoller, status_source
from stufenlos.transit.stops import read_osm_stop_features, stop_access_for_city
from stufenlos.transit.stored import read_stored_transit
from stufenlos.transit.timetable import Timetable
from stufenlos.transit.walk import CrowFlyWalker, RouterWalker, Walker

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

    from stufenlos.city import City
    from stufenlos.routing import Router

__all__ = ["CityTransit", "load_city_transit"]

log = logging.getLogger(__name__)


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
    #: walks between stops stored by the import (see :mod:`stufenlos.transit.stored`)
    street_walks: pd.DataFrame | None = None
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
                access_source=verdict["source"] + ": " + verdict["detail"],
                stored_walks=self.street_walks if not self._closures_now() else None)
            if len(self._timetables) > 3:
                self._timetables.clear()
            self._timetables[date] = tt
            # The day's GTFS elevators and escalators join the registry (status is kept).
            self.equipment.extend(EquipmentRegistry.from_sources(lifts=tt.lifts).equipment)
        return tt

    def _closures_now(self) -> bool:
        """Whether live closures change walks now (the stored walks know none)."""
        if self.city is None:
            return False
        return len(self.city.closures.closed_arcs(self.city.network)) > 0

    def start_polling(
        self, feeds: Iterable[str], *, interval_s: float = 60.0, max_backoff_s: float = 900.0
    ) -> list[Any]:
        """Poll status feeds in background threads (see
        :class:`~stufenlos.transit.status_feeds.StatusPoller`).

        ``feeds`` are JSON/CSV URLs or files, or ``sensorthings+https://...``.
        A change reaches the walking router's closures at once (OSM
        elevators) and the next journey through :attr:`equipment`. Stop the
        returned pollers with their ``stop()``.
        """
        def on_change(registry: EquipmentRegistry) -> None:
            if self.city is not None:
                apply_to_closures(registry, self.city.closures, network=self.city.network)

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
        max_transfers: int = 4, origin_name: str = "origin",
        destination_name: str = "destination",
    ) -> list[Itinerary]:
        """Itineraries (see :func:`plan_journey`) with the current equipment status."""
        at = self._local(at)
        tt = self.timetable(at.date())
        if self.city is not None:
            apply_to_closures(self.equipment, self.city.closures, network=self.city.network)
        its = plan_journey(tt, origin, destination, at, profile=profile,
                           elevator_state=self.equipment.elevator_state(),
                           closed_stops=closed_stops(self.equipment, self.stop_access),
                           max_transfers=max_transfers, origin_name=origin_name,
                           destination_name=destination_name)
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
        _, idx = tt.station_stops(stop_id)
        members = set(tt.stops["stop_id"].to_numpy()[idx])
        acc = self.stop_access
        rows = acc[acc["stop_id"].isin(members) & acc["elevator"].notna()]
        extra = []
        for ref, stops in rows.groupby("elevator")["stop_id"]:
            st = self.equipment.status(str(ref))
            extra.append({"osm_id": str(ref), "state": st.state, "reason": st.reason,
                          "since": st.since.isoformat() if st.since else None,
                          "stop_ids": sorted(stops)})
        for i, sid in df["stop_id"].items():
            verdict = self.stop_verdict(str(sid))
            if verdict["elevator_state"] == "INACTIVE":
                df.loc[i, "stop_step_free"] = verdict["step_free"]
                df.loc[i, "stop_step_free_source"] = verdict["detail"]
        df.attrs["elevators"] = [*df.attrs.get("elevators", []), *extra]
        return df

    @cached_property
    def _access_by_stop(self) -> dict[str, dict[str, Any]]:
        return {str(r["stop_id"]): r for r in self.stop_access.to_dict("records")}

    def stop_verdict(self, stop_id: str) -> dict[str, Any]:
        """Whether a stop is step-free now, the one fact departures, station pages and
        journeys show.

        Parameters
        ----------
        stop_id
            GTFS ``stop_id``.

        Returns
        -------
        dict
            ``step_free`` (``yes``, ``no`` or ``unknown``), ``source`` (``osm``,
            ``db-stations``, ``gtfs``, ``status`` or ``""``) and ``detail`` of the
            verdict, ``elevator`` (OSM ref of the elevator a "yes" relies on, or
            ``None``) with its ``elevator_state`` (``ACTIVE``, ``INACTIVE``,
            ``UNKNOWN``) and ``elevator_reason``. While that elevator is out of
            service the stop is not step-free and the source is ``status``.
        """
        row = self._access_by_stop.get(stop_id) or {}
        step_free = str(row.get("step_free") or "unknown")
        source, detail = str(row.get("source") or ""), str(row.get("detail") or "")
        ref = row.get("elevator")
        ref = str(ref) if isinstance(ref, str) and ref else None
        state, reason = None, ""
        if ref is not None:
            st = self.equipment.status(ref)
            state, reason = st.state, st.reason
            if st.state == "INACTIVE":
                step_free, source = "no", "status"
                detail = f"elevator {ref} out of service" + (f": {reason}" if reason else "")
        return {"step_free": step_free, "source": source, "detail": detail, "elevator": ref,
                "elevator_state": state, "elevator_reason": reason}


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
            leg.walk_status, leg.distance_m = route.status, round(route.distance_m, 1)
            if route.status == "limits_broken":
                leg.unknowns.append("the walk breaks a limit of the profile; see the route")
            elif route.status == "uncertain":
                leg.unknowns.append("assumed values that are not mapped break a limit of the "
                                    "profile on the walk; see the route")


def load_city_transit(
    name: str, *, base: str | os.PathLike[str] | None = None,
    status: Iterable[str] = (), city: City | None = None,
) -> CityTransit:
    """Open a configured city's public transport.

    Parameters
    ----------
    name
        City name. An imported city's feed copy, stop verdicts, elevators and
        walks between stops come from its import (:mod:`stufenlos.transit.stored`;
        a changed input takes effect with the next import). Without them the
        first ``gtfs`` input is the timetable (used through a validated copy in
        the city's data folder, see :func:`imported_feed`) and the ``osm`` and
        ``stations`` inputs give stop verdicts and elevators.
    base
        Data folder of imported cities; walking legs use the router of the
        imported city, or straight-line estimates if it is not imported.
    status
        Status feeds (JSON/CSV files or URLs, ``sensorthings+https://...``)
        to read once now, in addition to the city's ``status`` inputs.
    city
        The imported city whose router walks use (from the caller's registry);
        default: loaded here, or straight-line walks if it is not imported.
    """
    config = find_city(name)
    gtfs = config.input_paths("gtfs")
    if not gtfs:
        msg = f"city {name!r} has no GTFS input in its city.toml"
        raise StufenlosError(msg)
    folder = city_folder(name, base) / "transit"
    stored = read_stored_transit(folder)
    if stored is not None:
        feed_path, tz, access = stored.feed_path, stored.timezone, stored.stop_access
        registry = EquipmentRegistry(stored.equipment)
    else:
        feed_path = imported_feed(gtfs[0], folder)
        feed = read_feed(feed_path)
        tz = (str(feed.agency["agency_timezone"].iloc[0]) if len(feed.agency)
              else config.timezone)
        osm_paths = [p for p in config.input_paths("osm")
                     if p.suffix in (".pbf", ".osm", ".bz2")]
        osm = read_osm_stop_features(osm_paths[0]) if osm_paths else None
        access = stop_access_for_city(config, osm=osm, feed=feed)
        registry = EquipmentRegistry.from_sources(osm=osm)
    if city is None:
        try:
            city = load_city(name, base=base)
        except UnknownCityError:
            log.info("%s is not imported; walking legs are straight-line estimates", name)
    ct = CityTransit(feed_path=feed_path, timezone=tz, stop_access=access, equipment=registry,
                     city=city, street_walks=stored.street_walks if stored else None)
    feeds = [str(config.resolve(spec.path)) for spec in config.inputs_of("status")]
    for url in [*feeds, *status]:
        ct.equipment.apply(status_source(url).fetch(), source=url)
    return ct
