"""Public transport on the planner page: the form's date and time, and the journeys.

The planner's ``mode=transit`` asks the city's journey planner (RAPTOR, see
:mod:`stufenlos.transit.journey`) for the Pareto set by arrival time and number of
changes, and turns each itinerary into what the page says per leg: names (never
ids), lines, directions, local times, the step-free verdict of every stop with
its source and the status of the elevator it relies on
(:meth:`~stufenlos.transit.city.CityTransit.stop_verdict`, the same fact the
station pages show), and for walks their length and whether they keep the
person's limits. The wording is in the templates (``_journey_result.html``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from babel.dates import format_date

from stufenlos.api.transit_views import SOURCE_LABELS, city_transit, local_time
from stufenlos.errors import StufenlosError
from stufenlos.i18n import babel_locale, translator

if TYPE_CHECKING:
    from collections.abc import Mapping

    from stufenlos.city import City
    from stufenlos.profiles import Profile
    from stufenlos.transit.city import CityTransit
    from stufenlos.transit.journey import Itinerary, Leg

__all__ = ["MODES", "journey_answer", "when_fields"]

#: the planner's modes: walking (or rolling) all the way, or with public transport
MODES = ("walk", "transit")


def when_fields(city: City, q: Mapping[str, str], lang: str
                ) -> tuple[str, str, dt.datetime | None, list[str]]:
    """The form's date and time (default: now in the city's time zone) and field errors.

    Returns
    -------
    date, time, when, errors
        The fields' values as shown, the local departure time they give (``None``
        if a field is wrong) and one message per wrong field.
    """
    now = local_time(city, None)
    date = (q.get("date") or "").strip()[:10] or f"{now:%Y-%m-%d}"
    time = (q.get("time") or "").strip()[:5] or f"{now:%H:%M}"
    errors = []
    t = translator(lang)
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        day = None
        errors.append(t.gettext("Date: please enter it as YYYY-MM-DD, not “{date}”",
                                date=date))
    try:
        clock = dt.time.fromisoformat(time)
    except ValueError:
        clock = None
        errors.append(t.gettext("Time: please enter it as HH:MM, not “{time}”", time=time))
    when = (local_time(city, dt.datetime.combine(day, clock))
            if day is not None and clock is not None else None)
    return date, time, when, errors


def _date(d: dt.date, lang: str) -> str:
    return format_date(d, "medium", locale=babel_locale(lang))


def _service_error(ct: CityTransit, day: dt.date, lang: str) -> str | None:
    """A message naming the timetable's period when it has no service on ``day``."""
    tt = ct.timetable(day)
    if len(tt.runs):
        return None
    period = tt.feed.service_period()
    if period is None:
        return translator(lang).gettext("The timetable has no trips.")
    return translator(lang).gettext(
        "The timetable has no service on {day}. It runs from {first} to {last}: please "
        "choose a date in that period.", day=_date(day, lang),
        first=_date(period[0], lang), last=_date(period[1], lang))


def _stop(ct: CityTransit, stop_id: str | None) -> dict[str, Any]:
    v = ct.stop_verdict(stop_id or "")
    return {"step_free": v["step_free"], "source": SOURCE_LABELS.get(v["source"], v["source"]),
            "elevator": v["elevator"], "elevator_state": v["elevator_state"]}


def _leg(ct: CityTransit, leg: Leg) -> dict[str, Any]:
    out: dict[str, Any] = {
        "mode": leg.mode, "start": f"{leg.start:%H:%M}", "end": f"{leg.end:%H:%M}",
        "from": leg.from_name, "to": leg.to_name,
        "minutes": max(1, round(leg.duration_s / 60)),
    }
    if leg.mode == "transit":
        return out | {
            "line": leg.route, "vehicle": leg.route_type, "headsign": leg.headsign,
            "stops": max(1, len(leg.stop_ids) - 1), "trip_step_free": leg.step_free,
            "board": _stop(ct, leg.from_stop_id), "alight": _stop(ct, leg.to_stop_id),
        }
    elevators = [{"to_level": p.get("to_level"), "state": ct.equipment.status(
        p["pathway_id"]).state} for p in leg.pathways if p["mode"] == "elevator"]
    return out | {"distance_m": leg.distance_m, "status": leg.walk_status,
                  "elevators": elevators}


def _journey(ct: CityTransit, it: Itinerary, label: str | None) -> dict[str, Any]:
    legs = [_leg(ct, leg) for leg in it.legs]
    return {
        "label": label, "departure": f"{it.departure:%H:%M}", "arrival": f"{it.arrival:%H:%M}",
        "minutes": round((it.arrival - it.departure).total_seconds() / 60),
        "transfers": it.transfers, "legs": legs,
        "walk_broken": any(leg.get("status") == "limits_broken" for leg in legs),
        "walk_uncertain": any(leg.get("status") == "uncertain" for leg in legs),
        "geometry": {"type": "LineString",
                     "coordinates": [list(c) for leg in it.legs for c in leg.coordinates]},
    }


def _labels(n: int) -> list[str | None]:
    """RAPTOR's Pareto set comes fewest changes first, earliest arrival last."""
    if n == 1:
        return ["both"]
    return ["fewest_changes", *[None] * (n - 2), "earliest_arrival"]


def journey_answer(city: City, start: Mapping[str, Any], dest: Mapping[str, Any],
                   profile: Profile, when: dt.datetime, lang: str
                   ) -> tuple[list[dict[str, Any]], list[str]]:
    """Journeys from ``start`` to ``dest`` (places picked in the form) leaving at ``when``.

    Parameters
    ----------
    city
        The imported city.
    start, dest
        Places with ``name``, ``lat`` and ``lon``.
    profile
        The person's walking profile with their limits.
    when
        Earliest departure, local time of the city.
    lang
        Page language: ``de``, ``en`` or ``ls``.

    Returns
    -------
    journeys, errors
        One dict per itinerary (see :func:`_journey`), and messages saying why there
        is none (no timetable, no service that day, no connection).
    """
    ct = city_transit(city)
    if ct is None:
        return [], [translator(lang).gettext(
            "This city has no timetable: only walking or wheelchair routes.")]
    missing = _service_error(ct, when.date(), lang)
    if missing:
        return [], [missing]
    try:
        its = ct.journey((start["lat"], start["lon"]), (dest["lat"], dest["lon"]), when,
                         profile=profile, origin_name=start["name"],
                         destination_name=dest["name"])
    except StufenlosError:
        return [], [translator(lang).gettext(
            "No public transport journey from {time} keeps your limits. Please try another "
            "time or other limits.", time=f"{when:%H:%M}")]
    return [_journey(ct, it, label) for it, label in zip(its, _labels(len(its)),
                                                         strict=True)], []
