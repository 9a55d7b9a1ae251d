"""Route directions in easy-read German (Leichte Sprache).

Leichte Sprache asks for short sentences, one statement per line, common words,
numbers as digits and no abbreviations. The summary is written from the route's
facts; the steps are the German directions cut into one sentence per line with
technical words replaced.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from stufenlos.text.directions import unknowns_that_matter

if TYPE_CHECKING:
    from stufenlos.routing import Route

__all__ = ["easy_read_steps", "easy_read_summary"]

_WORDS = (
    ("Blindenleitsystem", "Hier gibt es Rillen im Boden für blinde Menschen"),
    ("Bordstein bodengleich", "Der Bordstein ist flach"),
    ("Halb links halten", "Gehen Sie leicht nach links"),
    ("Halb rechts halten", "Gehen Sie leicht nach rechts"),
    ("Scharf links abbiegen", "Gehen Sie scharf nach links"),
    ("Scharf rechts abbiegen", "Gehen Sie scharf nach rechts"),
    ("Links abbiegen", "Gehen Sie nach links"),
    ("Rechts abbiegen", "Gehen Sie nach rechts"),
    ("Umkehren", "Gehen Sie zurück"),
    ("Weiter auf dem", "Gehen Sie weiter auf dem"),
    ("Weiter durch die", "Gehen Sie weiter durch die"),
    ("Weiter über den", "Gehen Sie über den"),
    ("Weiter ", "Gehen Sie weiter: "),
    ("Treppe benutzen", "Hier ist eine Treppe"),
    ("Aufzug benutzen", "Fahren Sie mit dem Aufzug"),
    ("Steigung", "Der Weg ist steil:"),
    ("Achtung:", "Achtung! Hier ist ein Hindernis:"),
    ("Ton- oder Vibrationssignal dieser Ampel nicht erfasst.",
     "Wir wissen nicht, ob die Ampel piept oder vibriert."),
)


#: the German note on an assumed value, "(angenommen: 12 cm, nicht erfasst)"
_ASSUMED = re.compile(r" \(angenommen(?:: ([^()]+?))?, nicht erfasst\)\.")


def _assumed(m: re.Match[str]) -> str:
    value = (m.group(1) or "").replace(" cm", " Zentimeter").replace(" %", " Prozent")
    said = f" Wir nehmen an: {value}." if value else ""
    return f". Das wissen wir nicht genau.{said}"


def _metres(m: float) -> str:
    if m < 1000:
        return f"{round(m / 10) * 10:.0f} Meter"
    return f"{m / 1000:.1f} Kilometer".replace(".", ",")


def easy_read_summary(route: Route) -> list[str]:
    """The route's summary as short easy-read sentences."""
    if route.status == "no_route":
        lines = ["Wir haben keinen Weg gefunden.",
                 "Zwischen den 2 Punkten gibt es keinen Weg zu Fuß."]
        near = route.connected_destination
        if near is not None:
            lines.append(f"Es gibt einen Weg zu einem Punkt {_metres(near.distance_m)} "
                         "vom Ziel entfernt.")
        return lines
    mins = max(1, round(route.duration_s / 60))
    lines = [f"Der Weg ist {_metres(route.distance_m)} lang.",
             f"Sie brauchen etwa {mins} {'Minute' if mins == 1 else 'Minuten'}."]
    broken = route.violations()
    places = [v for v in broken if v["segment"] is not None]
    n = len(places)
    stellen = (f"{n} {'Stelle' if n == 1 else 'Stellen'}, "
               f"die nicht {'passt' if n == 1 else 'passen'}.")
    if route.status == "ok":
        lines.append("Der Weg passt zu Ihren Angaben.")
    elif route.status == "uncertain":
        lines += ["Achtung!", "Manche Stellen auf dem Weg kennen wir nicht genau.",
                  "Dort nehmen wir Werte an.",
                  f"Mit diesen Werten hat der Weg {stellen}",
                  "Die Stellen stehen unten bei den Schritten."]
    else:
        lines.append("Achtung!")
        if len(places) < len(broken):
            lines.append("Der Weg ist länger, als Sie gehen oder fahren können.")
        if places:
            lines += ["Kein Weg passt ganz zu Ihren Angaben.", f"Dieser Weg hat {stellen}",
                      "Die Stellen stehen unten bei den Schritten."]
    if any(not u["breaks"] for u in route.uncertain()):
        lines += ["Manche Stellen kennen wir nicht genau.",
                  "Dort passt der Weg vielleicht gerade noch."]
    unk = unknowns_that_matter(route)
    facts = []
    if unk.get("kerbs_unknown_height"):
        n_kerbs = round(unk["kerbs_unknown_height"])
        facts.append("Bei 1 Bordstein wissen wir nicht, wie hoch er ist." if n_kerbs == 1 else
                     f"Bei {n_kerbs} Bordsteinen wissen wir nicht, wie hoch sie sind.")
    if unk.get("steps_unknown_count"):
        facts.append(f"Bei {round(unk['steps_unknown_count'])} Treppen wissen wir nicht, "
                     "wie viele Stufen sie haben.")
    if unk.get("elevators_unknown_status"):
        facts.append(f"Bei {round(unk['elevators_unknown_status'])} Aufzügen wissen wir nicht, "
                     "ob sie gerade gehen.")
    if (unk.get("surface_unknown_m") or 0) >= 10:
        facts.append(f"Bei {round(unk['surface_unknown_m'])} Metern wissen wir nicht, "
                     "wie der Boden ist.")
    if unk.get("smoothness_unknown_m"):
        facts.append(f"Bei {round(unk['smoothness_unknown_m'])} Metern wissen wir nicht, "
                     "wie glatt der Boden ist.")
    if unk.get("incline_unknown_m"):
        facts.append(f"Bei {round(unk['incline_unknown_m'])} Metern wissen wir nicht, "
                     "wie steil der Weg ist.")
    if unk.get("signals_unknown_sound"):
        n_sig = round(unk["signals_unknown_sound"])
        facts.append("Bei 1 Ampel wissen wir nicht, ob sie piept oder vibriert." if n_sig == 1
                     else f"Bei {n_sig} Ampeln wissen wir nicht, ob sie piepen oder vibrieren.")
    if facts:
        lines.append("Manches wissen wir nicht:")
        lines += facts
    return lines


def easy_read_steps(steps_de: list[str]) -> list[str]:
    """German direction steps rewritten as one short sentence per line."""
    out: list[str] = []
    for step in steps_de:
        text = _ASSUMED.sub(_assumed, step)
        for old, new in _WORDS:
            text = text.replace(old, new)
        for sentence in re.split(r"(?<=[.!])\s+", text):
            sentence = sentence.strip()
            if sentence:
                out.append(sentence)
    return out
