"""Public transport in words: itineraries as step-by-step directions, departures as lines.

The journey planner (:mod:`stufenlos.transit.journey`) returns data; the functions here
turn it into text for the API and the CLI, in German (``de``), English (``en``) or
easy-read German (``ls``) from the message catalogues (:mod:`stufenlos.i18n`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from stufenlos.errors import StufenlosError
from stufenlos.i18n import N_, Translator, say, translator
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


#: step-free verdicts of departures, in words
_VERDICT_WORDS = {"yes": N_("yes"), "no": N_("no"), "unknown": N_("unknown")}
#: elevator states of status feeds, in words
_STATE_WORDS = {"ACTIVE": N_("in service"), "INACTIVE": N_("out of service"),
                "UNKNOWN": N_("status unknown")}


def departures_text(df: pd.DataFrame, lang: Lang = "en") -> str:
    """Departures (:func:`stufenlos.transit.departures.departures`) as lines of text.

    Parameters
    ----------
    df
        Departures with their ``attrs["elevators"]``.
    lang
        ``de``, ``en`` or ``ls``.

    Returns
    -------
    str
        One line per departure with its step-free verdicts, then one per elevator.
    """
    t = _translator(lang)

    def verdict(value: str) -> str:
        return t.gettext(_VERDICT_WORDS.get(value, _VERDICT_WORDS["unknown"]))

    lines = [
        t.gettext("{time}  {line} → {headsign}  [{stop}]  vehicle step-free: {vehicle}, "
                  "stop step-free: {platform}", time=f"{r.departure:%H:%M}",
                  line=f"{r.route:<8}", headsign=r.headsign, stop=r.stop_name,
                  vehicle=verdict(r.trip_step_free), platform=verdict(r.stop_step_free))
        + (f" ({r.stop_step_free_source})" if r.stop_step_free_source else "")
        for r in df.itertuples()
    ] or [t.gettext("no departures in the next 3 hours")]
    for el in df.attrs.get("elevators", []):
        name = el.get("pathway_id") or f"OSM {el.get('osm_id')}"
        state = t.gettext(_STATE_WORDS.get(str(el["state"]), _STATE_WORDS["UNKNOWN"]))
        reason = f" ({el['reason']})" if el.get("reason") else ""
        lines.append(t.gettext("elevator {name}: {state}", name=name, state=state) + reason)
    return "\n".join(lines)
