"""Public transport in words: itineraries as step-by-step directions, departures as lines.

The journey planner (:mod:`stufenlos.transit.journey`) returns data; the
functions here turn it into German or English text for the API and the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from stufenlos.errors import StufenlosError

if TYPE_CHECKING:
    import pandas as pd

    from stufenlos.transit.journey import Itinerary, Leg

__all__ = ["LANGUAGES", "departures_text", "itinerary_directions", "journeys_text"]

Lang = Literal["de", "en"]
#: languages of the itinerary text
LANGUAGES: tuple[Lang, ...] = ("de", "en")

_PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "ride": "{t} take {vehicle} {route} towards {headsign} from {origin}; "
                "get off at {stop} at {end}.",
        "walk": "{t} walk/roll {mins} min from {origin} to {stop}",
        "elevator": "elevator",
        "to_level": " to level {level}",
        "unknown": "  Unknown: ",
        "option": "Option {n}: {dep} → {arr}, {transfers} change(s)",
    },
    "de": {
        "ride": "{t} {vehicle} {route} Richtung {headsign} ab {origin}; "
                "aussteigen {end} an {stop}.",
        "walk": "{t} {mins} min gehen/rollen von {origin} nach {stop}",
        "elevator": "Aufzug",
        "to_level": " zur Ebene {level}",
        "unknown": "  Unbekannt: ",
        "option": "Möglichkeit {n}: {dep} → {arr}, {transfers} Umstieg(e)",
    },
}
_VEHICLES_DE = {"tram": "Straßenbahn", "bus": "Bus", "rail": "Zug", "subway": "U-Bahn"}


def _phrases(lang: str) -> dict[str, str]:
    if lang not in _PHRASES:
        msg = f"`lang` must be de or en, got {lang!r}"
        raise StufenlosError(msg)
    return _PHRASES[lang]


def _leg_line(leg: Leg, lang: str, say: dict[str, str]) -> str:
    t = f"{leg.start:%H:%M}"
    if leg.mode == "transit":
        vehicle = leg.route_type or "vehicle"
        if lang == "de":
            vehicle = _VEHICLES_DE.get(vehicle, "Linie")
        return say["ride"].format(t=t, vehicle=vehicle, route=leg.route, headsign=leg.headsign,
                                  origin=leg.from_name, stop=leg.to_name, end=f"{leg.end:%H:%M}")
    mins = max(1, round(leg.duration_s / 60))
    text = say["walk"].format(t=t, mins=mins, origin=leg.from_name, stop=leg.to_name)
    via = [p for p in leg.pathways if p["mode"] == "elevator"]
    if via:
        text += " (" + ", ".join(
            say["elevator"] + (say["to_level"].format(level=p["to_level"])
                               if p.get("to_level") else "")
            for p in via) + ")"
    return text + "."


def itinerary_directions(it: Itinerary, lang: Lang = "en") -> list[str]:
    """Step-by-step directions of an itinerary, one line per leg and per unknown.

    Parameters
    ----------
    it
        An itinerary from :func:`stufenlos.transit.journey.plan_journey`.
    lang
        ``de`` or ``en``.

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
    say = _phrases(lang)
    out: list[str] = []
    for leg in it.legs:
        out.append(_leg_line(leg, lang, say))
        out += [say["unknown"] + u for u in leg.unknowns]
    return out


def journeys_text(its: Sequence[Itinerary], lang: Lang = "en") -> str:
    """Numbered itineraries with a heading (times, changes) and their directions.

    Parameters
    ----------
    its
        Itineraries, in the order to show them.
    lang
        ``de`` or ``en``.

    Returns
    -------
    str
        One block per itinerary, separated by an empty line.
    """
    say = _phrases(lang)
    lines: list[str] = []
    for n, it in enumerate(its, 1):
        head = say["option"].format(n=n, dep=f"{it.departure:%H:%M}",
                                    arr=f"{it.arrival:%H:%M}", transfers=it.transfers)
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
