"""Routes to a venue: where they end (an entrance the person can use) and what they say.

A route to a venue ends at the entrance :meth:`Venues.best_entrance` picks for the
person's profile; without a mapped entrance, at the venue's centre, and the
answer says the entrance is unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stufenlos import freshness
from stufenlos.errors import StufenlosError
from stufenlos.venues.kinds import kind_text
from stufenlos.venues.store import venues_of

if TYPE_CHECKING:
    from stufenlos.city import City
    from stufenlos.profiles import Profile

__all__ = ["UnknownPlaceError", "place_destination", "place_sentence"]


class UnknownPlaceError(StufenlosError, LookupError):
    """No venue with this id in the city."""

    http_status = 404


def place_destination(city: City, place_id: str, profile: Profile,
                      origin: tuple[float, float]) -> tuple[tuple[float, float], dict[str, Any]]:
    """Where a route from ``origin`` to venue ``place_id`` ends, and the answer's ``place``.

    Returns ``((lat, lon), place)``; ``place`` has the venue's ``id``, ``name``,
    ``kind``, ``wheelchair``, ``ends_at`` (``entrance`` or ``centre``),
    ``entrance_status`` (``usable``: tagged usable for the profile, ``unknown``:
    mapped but not known to be usable, ``none``: no entrance mapped, ``unusable``:
    every mapped one breaks a limit) and ``entrance`` (the one chosen, or ``None``).
    """
    venues = venues_of(city)
    row = venues.get(place_id)
    if row is None:
        msg = f"no place {place_id!r} in {city.name} (see /api/cities/{city.name}/venues)"
        raise UnknownPlaceError(msg)
    entrance, verdict = venues.best_entrance(place_id, profile, origin)
    status = {"yes": "usable", "unknown": "unknown", "none": "none", "no": "unusable"}[verdict]
    place = {"id": place_id, "name": row["name"], "kind": row["kind"], "key": row["key"],
             "wheelchair": row["wheelchair"], "ends_at": "entrance" if entrance else "centre",
             "entrance_status": status, "entrance": entrance}
    if entrance is not None:
        entrance["stale"] = freshness.is_stale(entrance.get("last_checked"))
        return (entrance["lat"], entrance["lon"]), place
    return (float(row["lat"]), float(row["lon"])), place


def _entrance_name(e: dict[str, Any], lang: str) -> str:
    street = " ".join(str(x) for x in (e.get("street"), e.get("housenumber")) if x)
    return e.get("name") or street or {"en": "the entrance"}.get(lang, "")


def _details(e: dict[str, Any], lang: str) -> list[str]:
    de = lang != "en"
    out = []
    if e.get("wheelchair") == "yes":
        out.append("stufenlos" if de else "step-free")
    elif e.get("wheelchair") == "limited":
        out.append("eingeschränkt nutzbar" if de else "partly accessible")
    door = e.get("door")
    if door == "automatic" or e.get("automatic_door") in ("yes", "button", "motion"):
        out.append("Tür automatisch" if de else "automatic door")
    elif door in ("hinged", "sliding", "revolving"):
        words = {"hinged": ("Drehtür", "hinged door"), "sliding": ("Schiebetür", "sliding door"),
                 "revolving": ("Karusselltür", "revolving door")}[door]
        out.append(words[0] if de else words[1])
    if e.get("width_m"):
        w = f"{e['width_m']:g}"
        out.append(f"Tür {w.replace('.', ',')} m breit" if de else f"door {w} m wide")
    return out


def place_sentence(place: dict[str, Any], lang: str = "de") -> str:
    """What the answer says about where the route to a venue ends.

    Examples: "Sie enden am Eingang Hauptstraße 12 (stufenlos, Tür automatisch)."
    / "Eingang unbekannt: die Route endet an der Mitte von Apotheke am Markt."
    """
    name = place.get("name") or kind_text(place["key"], place["kind"], lang)
    e = place.get("entrance")
    status = place["entrance_status"]
    if e is not None:
        label = _entrance_name(e, lang)
        det = _details(e, lang)
        if lang == "en":
            text = f"You end at the entrance {label}".replace("entrance the entrance", "entrance")
            text += f" ({', '.join(det)})." if det else "."
            if status == "unknown":
                text += " Whether it is step-free is not mapped."
            if e.get("stale"):
                text += f" It was last checked {str(e['last_checked'])[:4]}."
            return text
        if lang == "ls":
            text = f"Sie kommen am Eingang {label} an.".replace("Eingang  an", "Eingang an")
            if status == "usable":
                text += " Der Eingang hat keine Stufen."
            else:
                text += " Wir wissen nicht, ob der Eingang Stufen hat."
            return text
        text = f"Sie enden am Eingang {label}".rstrip()
        text += f" ({', '.join(det)})." if det else "."
        if status == "unknown":
            text += " Ob er stufenlos ist, ist nicht erfasst."
        if e.get("stale"):
            text += f" Zuletzt geprüft {str(e['last_checked'])[:4]}."
        return text
    if status == "unusable":
        if lang == "en":
            return (f"No mapped entrance of {name} fits your limits; the route ends at its "
                    "centre.")
        if lang == "ls":
            return f"{name}: Kein Eingang passt für Sie. Die Route endet in der Mitte."
        return (f"Kein erfasster Eingang von {name} passt zu Ihren Grenzwerten; die Route "
                "endet an der Mitte.")
    if lang == "en":
        return f"Entrance unknown: the route ends at the centre of {name}."
    if lang == "ls":
        return f"Eingang unbekannt. Die Route endet in der Mitte von {name}."
    return f"Eingang unbekannt: die Route endet an der Mitte von {name}."
