"""Step-free public transport: timetable, journey planner, departures and live equipment.

One concept per module:

* :mod:`~stufenlos.transit.profile` -- what a person needs (:class:`TransitProfile`);
* :mod:`~stufenlos.transit.walk` -- walking legs (:class:`Walker` and its versions);
* :mod:`~stufenlos.transit.timetable` -- one service day of a GTFS feed (:class:`Timetable`);
* :mod:`~stufenlos.transit.footpaths` -- walks inside stations and between stops;
* :mod:`~stufenlos.transit.raptor` -- the RAPTOR rounds over flat arrays;
* :mod:`~stufenlos.transit.journey` -- :func:`plan_journey` and :class:`Itinerary`;
* :mod:`~stufenlos.transit.departures` -- next departures of a stop or station;
* :mod:`~stufenlos.transit.stops` -- step-free verdicts of stops from GTFS, OSM and DB data;
* :mod:`~stufenlos.transit.station_facts` -- the step-free facts of a city's stations;
* :mod:`~stufenlos.transit.equipment` -- elevators and escalators and their status;
* :mod:`~stufenlos.transit.status_feeds` -- live status from SensorThings and JSON/CSV feeds;
* :mod:`~stufenlos.transit.feed` and :mod:`~stufenlos.transit.city` -- a city's
  validated feed and its public transport (:class:`CityTransit`).

Sentences about itineraries and departures are written by :mod:`stufenlos.text.itinerary`.
"""

from __future__ import annotations

from stufenlos.transit.city import CityTransit, load_city_transit
from stufenlos.transit.departures import departures, departures_to_json
from stufenlos.transit.feed import imported_feed
from stufenlos.transit.journey import Itinerary, Leg, NoJourneyError, plan_journey
from stufenlos.transit.profile import TRANSIT_PROFILES, TransitProfile, transit_profile
from stufenlos.transit.timetable import Timetable
from stufenlos.transit.walk import CrowFlyWalker, RouterWalker, Walker

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
