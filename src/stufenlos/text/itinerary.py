"""Public transport in words: itineraries as step-by-step directions, departures as lines.

The journey planner (:mod:`stufenlos.transit.journey`) returns data; the functions here
turn it into text for the API and the CLI, in German (``de``), English (``en``) or
easy-read German (``ls``) from the message catalogues (:mod:`stufenlos.i18n`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from stufenlos.errors import StufenlosError
from stufenlos.i18n import Translator, say, translator
from stufenlos.transit.journey import vehicle_name

if TYPE_CHECKING:
    import pandas as pd

    from stufenlos.transit.journey import Itinerary, Leg

__all__ = ["LANGUAGES", "departures_text", "itinerary_directions", "journeys_text"]

Lang = Literal["de", "en", "ls"]
#: languages of the itinerary text
LANGUAGES: tuple[Lang, ...] = ("de", "en", "ls")


def _translator(lang: str) -> Translator:
    if lang not in LANGUAGES:
        msg = f"`lang` must be de, en or ls, got {lang!r}"
        raise StufenlosError(msg)
    return translator(lang)


def _leg_line(leg: Leg, t: Translator) -> str:
    start = f"{leg.start:%H:%M}"
    if leg.mode == "transit":
        return t.gettext("{time} take {vehicle} {line} towards {headsign} from {origin}; get "
                         "off at {stop} at {end}.", time=start,
                         vehicle=vehicle_name(leg.route_type)[t.lang], line=leg.route,
                         headsign=leg.headsign, origin=leg.from_name, stop=leg.to_name,
                         end=f"{leg.end:%H:%M}")
    text = t.gettext("{time} walk/roll {minutes} min from {origin} to {stop}", time=start,
                     minutes=max(1, round(leg.duration_s / 60)), origin=leg.from_name,
                     stop=leg.to_name)
    via = [p for p in leg.pathways if p["mode"] == "elevator"]
    if via:
        text += " (" + ", ".join(
            t.gettext("elevator to level {level}", level=p["to_level"]) if p.get("to_level")
            else t.gettext("elevator") for p in via) + ")"
    return text + "."


def itinerary_directions(it: Itinerary, lang: Lang = "en") -> list[str]:
    """Step-by-step directions of an itinerary, one line per leg and per unknown.

    Parameters
    ----------
    it
        An itinerary from :func:`stufenlos.transit.journey.plan_journey`.
    lang
        ``de``, ``en`` or ``ls`` (easy-read German).

    Returns
    -------
    list of str
        Per leg: when, how long or which line, from where to where and the
        elevators used; then what the planner did not know about it.

    Raises
    ------
    StufenlosError
        If ``lang`` is not one of :data:`LANGUAGES`.
    """
    t = _translator(lang)
    out: list[str] = []
    for leg in it.legs:
        out.append(_leg_line(leg, t))
        out += ["  " + t.gettext("Unknown: {what}", what=say(u, lang)) for u in leg.unknowns]
    return out


def journeys_text(its: Sequence[Itinerary], lang: Lang = "en") -> str:
    """Numbered itineraries with a heading (times, changes) and their directions.

    Parameters
    ----------
    its
        Itineraries, in the order to show them.
    lang
        ``de``, ``en`` or ``ls``.

    Returns
    -------
    str
        One block per itinerary, separated by an empty line.
    """
    t = _translator(lang)
    lines: list[str] = []
    for n, it in enumerate(its, 1):
        head = t.ngettext("Option {number}: {dep} → {arr}, {n} change",
                          "Option {number}: {dep} → {arr}, {n} changes", it.transfers,
                          number=n, dep=f"{it.departure:%H:%M}", arr=f"{it.arrival:%H:%M}")
        lines += [head, *itinerary_directions(it, lang), ""]
    return "\n".join(lines)


def departures_text(df: pd.DataFrame) -> str:
    """Departures (:func:`stufenlos.transit.departures.departures`) as lines of text.

    Parameters
    ----------
    df
        Departures with their ``attrs["elevators"]``.

    Returns
    -------
    str
        One line per departure with its step-free verdicts, then one per elevator.
    """
    lines = [
        f"{r.departure:%H:%M}  {r.route:<8} → {r.headsign}  [{r.stop_name}]  "
        f"trip step-free: {r.trip_step_free}, stop step-free: {r.stop_step_free}"
        + (f" ({r.stop_step_free_source})" if r.stop_step_free_source else "")
        for r in df.itertuples()
    ] or ["no departures in the next 3 hours"]
    for el in df.attrs.get("elevators", []):
        name = el.get("pathway_id") or f"OSM {el.get('osm_id')}"
        reason = f" ({el['reason']})" if el.get("reason") else ""
        lines.append(f"elevator {name}: {el['state']}{reason}")
    return "\n".join(lines)
