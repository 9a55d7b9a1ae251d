"""What an information pillar (kiosk page) shows for one station.

Station facts come from the city's station list; elevators near the station and
their status from the barrier store and live closures; the step-free way to
each elevator is a wheelchair route from the station's entrance point; the next
departures come from the city's GTFS feed, with a note saying why when there are none.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from fastapi import HTTPException

from stufenlos.api import views
from stufenlos.barriers import BarrierStore
from stufenlos.geo import haversine_m
from stufenlos.i18n import N_, translator
from stufenlos.text.route import route_feature

if TYPE_CHECKING:
    from stufenlos.city import City
    from stufenlos.transit.station_facts import Station

__all__ = ["ELEVATOR_RADIUS_M", "find_station", "stop_info"]

#: elevators this close to a station are listed on its pillar
ELEVATOR_RADIUS_M = 300.0


def find_station(city: City, stop: str) -> Station:
    """The station called ``stop`` (slug or id) in ``city``; 404 otherwise."""
    stations = views.stations_of(city)
    for s in stations:
        if stop in (s.slug, s.id):
            return s
    known = ", ".join(s.slug for s in stations[:20]) or "none"
    raise HTTPException(404, f"no stop {stop!r} in {city.name} (stops: {known})")


def _way_to(city: City, start: tuple[float, float], el: dict[str, Any],
            lonlat: Any) -> tuple[Any, float]:
    """Wheelchair route to an elevator and the gap (m) left between its end and the elevator.

    Elevators are often mapped as an outline that no footway touches; then the route
    leads to the nearest network node from which the elevator can be reached on foot
    in the map data, and the gap says how far the elevator is from there.
    """
    route = city.route(start, (el["lat"], el["lon"]), profile="wheelchair")
    if route.status != "no_route":
        return route, round(route.destination.distance_m, 1)
    own = {int(n) for a in el.get("edge_ids") or []
           for n in (city.network.u[a], city.network.v[a])}
    d = haversine_m(el["lon"], el["lat"], lonlat[:, 0], lonlat[:, 1])
    for node in np.argsort(d)[:40]:
        if int(node) in own or d[node] > ELEVATOR_RADIUS_M:
            continue
        cand = city.route(start, (float(lonlat[node, 1]), float(lonlat[node, 0])),
                          profile="wheelchair")
        if cand.status != "no_route":
            return cand, round(float(d[node]), 1)
    return route, round(float(route.destination.distance_m), 1)


#: why a station shows no departures (English msgids, said in the page language)
_NOTES = {
    "no_timetable": N_("Departures are not available for this stop yet: no timetable is "
                       "loaded."),
    "no_stops": N_("The timetable has no stop at this station."),
    "none_soon": N_("No departures in the next 3 hours according to the timetable "
                    "(or the timetable is not valid on this day)."),
}


def stop_info(city: City, stop: str, *, lang: str = "de",
              at: datetime | None = None) -> dict[str, Any]:
    """Station facts, nearby elevators with status and the step-free way to each.

    ``access`` is the station's step-free verdict now
    (:func:`~stufenlos.api.transit_views.station_access`): the same stop verdicts
    as its departures, so the two never contradict each other.
    """
    st = find_station(city, stop)
    closed = views._closed_arcs(city)
    recs = BarrierStore(city.database_path).query(kinds=["elevator"])
    near = sorted(((float(haversine_m(st.lon, st.lat, r["lon"], r["lat"])), r) for r in recs),
                  key=lambda t: t[0])
    live = views.feed_dates(city)
    elevators = [views.barrier_public(r, closed, live=live, lang=lang)
                 for d, r in near if d <= ELEVATOR_RADIUS_M][:8]
    ways = []
    lonlat = city.network.node_lonlat
    for i, el in enumerate(elevators, 1):
        r, gap_m = _way_to(city, (st.lat, st.lon), el, lonlat)
        pub = route_feature(r, lang=lang)["properties"]
        ways.append({
            "number": i, "elevator_id": el["id"], "level": el["attributes"].get("level"),
            "status": pub["status"], "distance_m": pub["distance_m"], "gap_m": gap_m,
            "summary": pub["summary"], "steps": pub["steps"],
        })
    from stufenlos.api.transit_views import departure_rows, station_access

    rows, code = departure_rows(city, st, at)
    note = None if code is None else translator(lang).gettext(_NOTES[code])
    return {"station": st.to_dict(), "access": station_access(city, st, at),
            "elevators": elevators, "ways": ways, "departures": rows, "departures_note": note}
