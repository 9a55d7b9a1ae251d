"""Public transport for the API and the kiosk: journeys, departures and feed stations.

Each city's :class:`~stufenlos.transit.city.CityTransit` comes from the city registry.
Cities without a GTFS input have no timetable; their kiosk pages say so.
A feed only has departures within its validity period, so the kiosk and the
departures endpoint take an explicit ``at`` time as well as "now".
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from stufenlos.geo import haversine_m
from stufenlos.registry import get_transit
from stufenlos.transit.station_facts import Station, slugify

if TYPE_CHECKING:
    from stufenlos.city import City
    from stufenlos.transit.city import CityTransit

__all__ = ["SOURCE_LABELS", "city_transit", "departure_rows", "feed_stations", "local_time",
           "station_access", "stop_ids_near"]

logger = logging.getLogger(__name__)

#: how far a GTFS stop may be from a station to count as one of its stops
NEAR_M = 250.0

#: where a step-free verdict comes from, as a person reads it (``status``, a live
#: status report, is worded in the page's language by the templates)
SOURCE_LABELS = {"osm": "OpenStreetMap", "db-stations": "DB Station&Service AG (StaDa)",
                 "gtfs": "GTFS", "status": "status", "": ""}


def city_transit(city: City) -> CityTransit | None:
    """The city's public transport, or ``None`` without a GTFS input (from the registry)."""
    return get_transit(city)


def local_time(city: City, at: dt.datetime | None) -> dt.datetime:
    """``at`` (or now) in the city's time zone; naive times are taken as local."""
    try:
        tz = ZoneInfo(city.config.timezone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    if at is None:
        return dt.datetime.now(tz)
    return at.replace(tzinfo=tz) if at.tzinfo is None else at.astimezone(tz)


def _stops_frame(ct: CityTransit) -> Any:
    import pandas as pd

    from stufenlos.ingest.gtfs import read_feed

    feed = read_feed(ct.feed_path)
    stops = feed.stops
    if "location_type" not in stops:
        stops = stops.assign(location_type=0)
    return stops.assign(location_type=pd.to_numeric(stops["location_type"], errors="coerce")
                        .fillna(0).astype(int))


def feed_stations(city: City) -> list[Station]:
    """Stations of the city's GTFS feed (parent stations, else stops grouped by name)."""
    ct = city_transit(city)
    if ct is None:
        return []
    stops = _stops_frame(ct)
    verdict = dict(zip(ct.stop_access["stop_id"], ct.stop_access["step_free"], strict=False))
    out: list[Station] = []
    parents = stops[stops["location_type"] == 1]
    groups = ([(r.stop_name, [r]) for r in parents.itertuples()] if len(parents)
              else list(stops[stops["location_type"] == 0].groupby("stop_name")))
    for name, grp in groups:
        rows = list(grp.itertuples()) if hasattr(grp, "itertuples") else grp
        first = rows[0]
        lat = sum(float(r.stop_lat) for r in rows) / len(rows)
        lon = sum(float(r.stop_lon) for r in rows) / len(rows)
        verdicts = {verdict.get(r.stop_id, "unknown") for r in rows}
        step_free = verdicts.pop() if len(verdicts) == 1 else "partial"
        out.append(Station(
            id=str(first.stop_id), slug=slugify(str(name)), name=str(name), lat=lat, lon=lon,
            step_free=None if step_free == "unknown" else step_free, mobility_service=None,
            operator=None, address=None, source="GTFS"))
    return out


def stop_ids_near(city: City, station: Station) -> list[str]:
    """GTFS stop ids of ``station``: its own stops, or the feed's stops near it."""
    ct = city_transit(city)
    if ct is None:
        return []
    stops = _stops_frame(ct)
    if station.source == "GTFS":
        same = stops[(stops["stop_name"] == station.name) | (stops["stop_id"] == station.id)]
        return [str(s) for s in same["stop_id"]]
    out: list[str] = []
    has_parent = "parent_station" in stops
    dist = haversine_m(station.lon, station.lat, stops["stop_lon"].astype(float),
                       stops["stop_lat"].astype(float))
    near = stops[(dist <= NEAR_M) & stops["location_type"].isin((0, 1)).to_numpy()]
    for r in near.itertuples():
        parent = getattr(r, "parent_station", None) if has_parent else None
        # a station's departures include its platforms: ask once per station
        sid = str(parent) if isinstance(parent, str) and parent else str(r.stop_id)
        if sid not in out:
            out.append(sid)
    return out


def departure_rows(city: City, station: Station, at: dt.datetime | None, *,
                   limit: int = 8) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Next departures at ``station`` as rows for the kiosk, and a note when there are none."""
    import pandas as pd

    from stufenlos.errors import StufenlosError

    ct = city_transit(city)
    if ct is None:
        return None, "no_timetable"
    ids = stop_ids_near(city, station)
    if not ids:
        return None, "no_stops"
    when = local_time(city, at)
    frames = []
    for sid in ids:
        try:
            frames.append(ct.departures(sid, when, limit=limit))
        except StufenlosError as exc:  # a stop the day's timetable does not know
            logger.info("departures of %s: %s", sid, exc)
    rows = []
    if frames:
        df = pd.concat(frames, ignore_index=True).drop_duplicates(["trip_id", "departure"])
        df = df.sort_values("departure", kind="stable").head(limit)
        for r in df.itertuples():
            trip = r.trip_step_free
            stop = ct.stop_verdict(str(r.stop_id))  # the fact the station's header sums up
            step_free = ("no" if "no" in (trip, stop["step_free"]) else
                         "yes" if trip == stop["step_free"] == "yes" else "unknown")
            rows.append({"time": f"{r.departure:%H:%M}", "route": r.route,
                         "headsign": r.headsign, "stop_name": r.stop_name,
                         "step_free": step_free, "trip_step_free": trip,
                         "stop_step_free": stop["step_free"],
                         "elevator_out": stop["elevator_state"] == "INACTIVE"})
    return rows, None if rows else "none_soon"


def _member_stops(city: City, ct: CityTransit, station: Station,
                  at: dt.datetime | None) -> list[str]:
    """The GTFS stops (platforms) of ``station`` that departures leave from."""
    from stufenlos.errors import StufenlosError

    tt = ct.timetable(local_time(city, at).date())
    ids = tt.stops["stop_id"].to_numpy()
    out: list[str] = []
    for sid in stop_ids_near(city, station):
        try:
            _, idx = tt.station_stops(sid)
        except StufenlosError:
            continue
        out += [str(x) for x in ids[idx] if str(x) not in out]
    return out


def station_access(city: City, station: Station,
                   at: dt.datetime | None = None) -> dict[str, Any]:
    """Whether ``station`` is step-free now, from the same stop verdicts as its departures.

    The station's own verdict (DB StaDa) stands while none of its platforms says
    otherwise; a platform that is not step-free now (its elevator is out of
    service, say) makes a "yes" a "partial", and all of them a "no". A station
    of the timetable without its own verdict sums up its platforms' verdicts.

    Returns
    -------
    dict
        ``step_free`` (``yes``, ``no``, ``partial`` or ``None`` for unknown),
        ``sources`` (labels, see :data:`SOURCE_LABELS`) and ``elevators_out``
        (names of the platforms whose elevator is out of service).
    """
    ct = city_transit(city)
    own = station.step_free if station.source != "GTFS" else None
    members = _member_stops(city, ct, station, at) if ct is not None else []
    verdicts = [ct.stop_verdict(s) for s in members] if ct is not None else []
    stop_names = (_stops_frame(ct).set_index("stop_id")["stop_name"]
                  if ct is not None and members else {})
    said = [v["step_free"] for v in verdicts]
    out_of_service = sorted({str(stop_names.get(s, s)) for s, v in zip(members, verdicts,
                                                                       strict=True)
                             if v["elevator_state"] == "INACTIVE"})
    if said and all(v == "no" for v in said):
        step_free: str | None = "no" if own in (None, "no") else "partial"
    elif "no" in said:
        step_free = "partial" if own != "no" else "no"
    elif own is not None:
        step_free = own
    elif said and all(v == "yes" for v in said):
        step_free = "yes"
    else:
        step_free = None
    sources = [station.source] if own is not None else []
    sources += sorted({SOURCE_LABELS.get(v["source"], v["source"]) for v in verdicts
                       if v["step_free"] != "unknown" and v["source"]} - set(sources))
    return {"step_free": step_free, "sources": sources or [station.source],
            "elevators_out": out_of_service}
