"""What a venue is (its kind, in words) and who can enter it.

A venue is an OSM object one goes *into*: a shop, a doctor's practice, a
pharmacy, public toilets, a café, a town hall. Its kind is the value of the
first of :data:`KIND_KEYS` it has; :func:`kind_words` names the common kinds in
German, English and easy-read German (the catalogue's ``place kind`` entries), anything
else falls back to the words for its key ("Geschäft" for any ``shop=*``).

Entering (:func:`enter_verdict`), from ``wheelchair=yes|limited|no`` and the
person's limits:

* people who need a step-free way (``max_steps`` 0: wheelchair, electric
  wheelchair, walker) enter ``yes``; ``limited`` (OSM: one step of at most 7 cm,
  or not every room) only when their kerb limit allows 7 cm; ``no`` never;
* people on wheels who can take steps (pram) enter ``yes`` and ``limited``, not ``no``;
* everyone else enters every venue (the tag says nothing about them);
* an untagged venue is ``unknown`` for the first two groups, reported apart.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from stufenlos.i18n import LANGUAGES, translator

if TYPE_CHECKING:
    from stufenlos.profiles import Profile

__all__ = [
    "ACCESS_VALUES",
    "KIND_KEYS",
    "access_of",
    "enter_verdict",
    "entrance_verdict",
    "kind_of",
    "kind_text",
    "kind_words",
]

#: OSM keys that make a venue, in the order they name its kind
KIND_KEYS = ("healthcare", "amenity", "shop", "office", "tourism", "leisure")
ACCESS_VALUES = ("yes", "limited", "no", "unknown")
#: a ``wheelchair=limited`` step is at most this high (OSM wiki Key:wheelchair)
LIMITED_STEP_CM = 7.0

_AMENITY = frozenset({
    "pharmacy", "doctors", "dentist", "clinic", "hospital", "toilets", "cafe", "restaurant",
    "fast_food", "bar", "pub", "biergarten", "ice_cream", "bank", "post_office", "townhall",
    "library", "school", "kindergarten", "college", "university", "place_of_worship",
    "police", "theatre", "cinema", "arts_centre", "community_centre", "social_facility",
    "social_centre", "courthouse", "veterinary", "childcare", "marketplace", "nightclub",
    "public_building", "fire_station", "bureau_de_change", "food_court", "events_venue",
    "music_school", "language_school", "driving_school", "coworking_space", "embassy",
})  # fmt: skip
_TOURISM = frozenset({"hotel", "hostel", "guest_house", "museum", "gallery", "information",
                      "apartment", "motel", "attraction"})
_LEISURE = frozenset({"sports_centre", "fitness_centre", "swimming_pool", "sports_hall",
                      "bowling_alley", "dance", "escape_game", "amusement_arcade"})
_NOT_SHOPS = frozenset({"vacant", "no", "yes"})

@functools.cache
def kind_words(lang: str) -> dict[str, str]:
    """The place kinds in words in ``lang``: OSM values (``pharmacy``), transit and
    search kinds (``street``, ``bus_stop``) and, for a kind without words of its own,
    the venue keys (``shop``, ``healthcare``).

    The one vocabulary of place kinds, for search results and venues alike; the texts
    are the catalogue's (``pgettext("place kind", …)``), lower case in English.

    Parameters
    ----------
    lang
        ``de``, ``en`` or ``ls``.

    Returns
    -------
    dict
        kind -> its word (``{"pharmacy": "Apotheke", …}`` in German).
    """
    t = translator(lang)
    return {
        "street": t.pgettext("place kind", "street"),
        "address": t.pgettext("place kind", "address"),
        "district": t.pgettext("place kind", "district"),
        "coordinates": t.pgettext("place kind", "coordinates"),
        "station": t.pgettext("place kind", "station"),
        "halt": t.pgettext("place kind", "station"),
        "platform": t.pgettext("place kind", "stop"),
        "stop_position": t.pgettext("place kind", "stop"),
        "stop_area": t.pgettext("place kind", "stop"),
        "bus_stop": t.pgettext("place kind", "bus stop"),
        "tram_stop": t.pgettext("place kind", "tram stop"),
        "bus_station": t.pgettext("place kind", "bus station"),
        "subway_entrance": t.pgettext("place kind", "underground entrance"),
        "pharmacy": t.pgettext("place kind", "pharmacy"),
        "doctors": t.pgettext("place kind", "doctor"),
        "doctor": t.pgettext("place kind", "doctor"),
        "dentist": t.pgettext("place kind", "dentist"),
        "clinic": t.pgettext("place kind", "clinic"),
        "hospital": t.pgettext("place kind", "hospital"),
        "physiotherapist": t.pgettext("place kind", "physiotherapist"),
        "toilets": t.pgettext("place kind", "toilets"),
        "cafe": t.pgettext("place kind", "café"),
        "restaurant": t.pgettext("place kind", "restaurant"),
        "fast_food": t.pgettext("place kind", "fast food"),
        "bar": t.pgettext("place kind", "bar"),
        "pub": t.pgettext("place kind", "pub"),
        "ice_cream": t.pgettext("place kind", "ice cream"),
        "bank": t.pgettext("place kind", "bank"),
        "atm": t.pgettext("place kind", "cash machine"),
        "post_office": t.pgettext("place kind", "post office"),
        "townhall": t.pgettext("place kind", "town hall"),
        "library": t.pgettext("place kind", "library"),
        "school": t.pgettext("place kind", "school"),
        "kindergarten": t.pgettext("place kind", "kindergarten"),
        "university": t.pgettext("place kind", "university"),
        "place_of_worship": t.pgettext("place kind", "place of worship"),
        "police": t.pgettext("place kind", "police"),
        "theatre": t.pgettext("place kind", "theatre"),
        "cinema": t.pgettext("place kind", "cinema"),
        "community_centre": t.pgettext("place kind", "community centre"),
        "social_facility": t.pgettext("place kind", "social facility"),
        "museum": t.pgettext("place kind", "museum"),
        "hotel": t.pgettext("place kind", "hotel"),
        "information": t.pgettext("place kind", "information"),
        "parking": t.pgettext("place kind", "car park"),
        "car_park": t.pgettext("place kind", "multi-storey car park"),
        # the kinds of the Urban Data Platform's layers (stufenlos.venues.ogc)
        "disabled_parking": t.pgettext("place kind", "disabled parking"),
        "park_and_ride": t.pgettext("place kind", "park and ride"),
        "supermarket": t.pgettext("place kind", "supermarket"),
        "bakery": t.pgettext("place kind", "bakery"),
        "convenience": t.pgettext("place kind", "convenience shop"),
        "kiosk": t.pgettext("place kind", "kiosk"),
        "department_store": t.pgettext("place kind", "department store"),
        "clothes": t.pgettext("place kind", "clothes shop"),
        "shoes": t.pgettext("place kind", "shoe shop"),
        "books": t.pgettext("place kind", "bookshop"),
        "optician": t.pgettext("place kind", "optician"),
        "hairdresser": t.pgettext("place kind", "hairdresser"),
        "chemist": t.pgettext("place kind", "chemist"),
        "park": t.pgettext("place kind", "park"),
        "playground": t.pgettext("place kind", "playground"),
        "fountain": t.pgettext("place kind", "fountain"),
        "attraction": t.pgettext("place kind", "sight"),
        "monument": t.pgettext("place kind", "monument"),
        "memorial": t.pgettext("place kind", "memorial"),
        # a venue kind without words of its own reads as its key
        "healthcare": t.pgettext("place kind", "health care"),
        "amenity": t.pgettext("place kind", "amenity"),
        "shop": t.pgettext("place kind", "shop"),
        "office": t.pgettext("place kind", "office"),
        "tourism": t.pgettext("place kind", "tourism"),
        "leisure": t.pgettext("place kind", "leisure"),
    }


def kind_of(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """``(key, kind)`` of a venue (``("amenity", "pharmacy")``), or ``None``."""
    for key in KIND_KEYS:
        value = tags.get(key)
        if not value:
            continue
        value = str(value).strip().split(";")[0]
        if key == "amenity" and value not in _AMENITY:
            continue
        if key == "tourism" and value not in _TOURISM:
            continue
        if key == "tourism" and value == "information" and tags.get("information") != "office":
            continue
        if key == "leisure" and value not in _LEISURE:
            continue
        if key == "shop" and value in _NOT_SHOPS:
            value = "shop"
        return key, value
    return None


def kind_text(key: str, kind: str, lang: str = "de") -> str:
    """A venue kind in words (``de``, ``en``, ``ls``), as a label: "Pharmacy".

    A kind without words of its own reads as its key ("Geschäft" for any ``shop=*``).
    """
    words = kind_words(lang if lang in LANGUAGES else "en")
    text = words.get(kind) or words.get(key) or words["amenity"]
    return text[0].upper() + text[1:]


def access_of(value: Any) -> str:
    """``wheelchair=*`` as ``yes``, ``limited``, ``no`` or ``unknown``."""
    text = str(value or "").strip().lower()
    if text in ("yes", "designated"):
        return "yes"
    if text in ("limited", "no"):
        return text
    return "unknown"


Verdict = Literal["yes", "no", "unknown"]


def enter_verdict(access: str, profile: Profile) -> Verdict:
    """Whether a person with ``profile`` can enter a venue with ``wheelchair=access``."""
    step_free = profile.max_steps == 0
    if not step_free and not profile.wheels:
        return "yes"
    if access == "yes":
        return "yes"
    if access == "no":
        return "no"
    if access == "limited":
        if not step_free:
            return "yes"
        kerb = profile.max_kerb_cm
        return "yes" if kerb is None or kerb >= LIMITED_STEP_CM else "no"
    return "unknown"


def entrance_verdict(entrance: Mapping[str, Any], profile: Profile) -> Verdict:
    """Whether ``profile`` can use an entrance (its ``wheelchair``, ``door``,
    ``width_m``, ``step_count`` and ``kerb_cm``): ``no`` when a mapped value breaks
    a limit, ``yes`` when it is tagged usable, ``unknown`` otherwise."""

    def num(key: str) -> float | None:
        v = entrance.get(key)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    width, steps, kerb = num("width_m"), num("step_count"), num("kerb_cm")
    if profile.min_width_m is not None and width is not None and width < profile.min_width_m:
        return "no"
    if profile.max_steps is not None and steps is not None and steps > profile.max_steps:
        return "no"
    if profile.max_kerb_cm is not None and kerb is not None and kerb > profile.max_kerb_cm:
        return "no"
    if profile.wheels and entrance.get("door") == "revolving":
        return "no"
    return enter_verdict(access_of(entrance.get("wheelchair")), profile)
