"""Route directions in easy-read German (Leichte Sprache).

Leichte Sprache asks for short sentences, one statement per line, common words,
numbers as digits and no abbreviations. The summary is written from the route's
facts; the steps and warnings are the directions in the ``ls`` catalogue (its
texts are written in Leichte Sprache, units spelled out), cut into one sentence per
line. The sentences are English msgids of :mod:`stufenlos.i18n`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from stufenlos.i18n import translator
from stufenlos.text.directions import unknowns_that_matter

if TYPE_CHECKING:
    from stufenlos.routing import Route

__all__ = ["easy_read_lines", "easy_read_steps", "easy_read_summary"]

#: the end of a sentence: ".", "!" or ":" followed by a space and a capital letter
_SENTENCE_END = re.compile(r"(?<=[.!])\s+(?=[A-ZÄÖÜ0-9])")


def _metres(m: float) -> str:
    t = translator("ls")
    if m < 1000:
        return t.gettext("{n} metres", n=round(m / 10) * 10)
    return t.gettext("{n} kilometres", n=t.number(m / 1000, 1))


def easy_read_summary(route: Route) -> list[str]:
    """The route's summary as short easy-read sentences."""
    t = translator("ls")
    if route.status == "no_route":
        lines = [t.gettext("We found no way."),
                 t.gettext("There is no way on foot between the 2 points.")]
        near = route.connected_destination
        if near is not None:
            lines.append(t.gettext("There is a way to a point {dist} from the destination.",
                                   dist=_metres(near.distance_m)))
        return lines
    mins = max(1, round(route.duration_s / 60))
    lines = [t.gettext("The way is {dist} long.", dist=_metres(route.distance_m)),
             t.ngettext("You need about {n} minute.", "You need about {n} minutes.", mins)]
    broken = route.violations()
    places = [v for v in broken if v["segment"] is not None]
    n = len(places)
    if route.status == "ok":
        lines.append(t.gettext("The way fits what you told us."))
    elif route.status == "uncertain":
        lines += [t.gettext("Attention!"),
                  t.gettext("We do not know some places on the way exactly."),
                  t.gettext("There we assume values."),
                  t.ngettext("With these values the way has {n} place that does not fit.",
                             "With these values the way has {n} places that do not fit.", n),
                  t.gettext("The places are listed below with the steps.")]
    else:
        lines.append(t.gettext("Attention!"))
        if len(places) < len(broken):
            lines.append(t.gettext("The way is longer than you can walk or ride."))
        if places:
            lines += [t.gettext("No way fits everything you told us."),
                      t.ngettext("This way has {n} place that does not fit.",
                                 "This way has {n} places that do not fit.", n),
                      t.gettext("The places are listed below with the steps.")]
    if any(not u["breaks"] for u in route.uncertain()):
        lines += [t.gettext("We do not know some places exactly."),
                  t.gettext("There the way may just fit.")]
    unk = unknowns_that_matter(route)
    facts = []
    if unk.get("kerbs_unknown_height"):
        facts.append(t.ngettext("For {n} kerb we do not know how high it is.",
                                "For {n} kerbs we do not know how high they are.",
                                round(unk["kerbs_unknown_height"])))
    if unk.get("steps_unknown_count"):
        facts.append(t.ngettext("For {n} flight of steps we do not know how many steps it "
                                "has.",
                                "For {n} flights of steps we do not know how many steps "
                                "they have.", round(unk["steps_unknown_count"])))
    if unk.get("elevators_unknown_status"):
        facts.append(t.ngettext("For {n} elevator we do not know if it works right now.",
                                "For {n} elevators we do not know if they work right now.",
                                round(unk["elevators_unknown_status"])))
    if (unk.get("surface_unknown_m") or 0) >= 10:
        facts.append(t.gettext("For {n} metres we do not know what the ground is like.",
                               n=round(unk["surface_unknown_m"])))
    if unk.get("smoothness_unknown_m"):
        facts.append(t.gettext("For {n} metres we do not know how smooth the ground is.",
                               n=round(unk["smoothness_unknown_m"])))
    if unk.get("incline_unknown_m"):
        facts.append(t.gettext("For {n} metres we do not know how steep the way is.",
                               n=round(unk["incline_unknown_m"])))
    if unk.get("signals_unknown_sound"):
        facts.append(t.ngettext("For {n} traffic light we do not know if it beeps or "
                                "vibrates.",
                                "For {n} traffic lights we do not know if they beep or "
                                "vibrate.", round(unk["signals_unknown_sound"])))
    if facts:
        lines.append(t.gettext("Some things we do not know:"))
        lines += facts
    return lines


def easy_read_lines(lines: list[str]) -> list[str]:
    """Easy-read sentences cut into one sentence per line."""
    out: list[str] = []
    for line in lines:
        out += [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
    return out


def easy_read_steps(steps_ls: list[str]) -> list[str]:
    """The easy-read direction steps (:func:`stufenlos.text.directions.steps` with
    ``lang="ls"``), one short sentence per line."""
    return easy_read_lines(steps_ls)
