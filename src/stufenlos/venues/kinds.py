"""What a venue is (its kind, in words) and who can enter it.

A venue is an OSM object one goes *into*: a shop, a doctor's practice, a
pharmacy, public toilets, a café, a town hall. Its kind is the value of the
first of :data:`KIND_KEYS` it has; :data:`KIND_WORDS` names the common kinds in
German, English and easy-read German, anything else falls back to the words for
its key ("Geschäft" for any ``shop=*``).

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

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from stufenlos.profiles import Profile

__all__ = [
    "ACCESS_VALUES",
    "KIND_KEYS",
    "KIND_WORDS",
    "access_of",
    "enter_verdict",
    "entrance_verdict",
    "kind_of",
    "kind_text",
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

#: kind -> (de, en, easy-read German)
KIND_WORDS: dict[str, tuple[str, str, str]] = {
    "pharmacy": ("Apotheke", "Pharmacy", "Apotheke"),
    "doctors": ("Arztpraxis", "Doctor", "Arzt"),
    "doctor": ("Arztpraxis", "Doctor", "Arzt"),
    "dentist": ("Zahnarztpraxis", "Dentist", "Zahnarzt"),
    "clinic": ("Klinik", "Clinic", "Klinik"),
    "hospital": ("Krankenhaus", "Hospital", "Krankenhaus"),
    "physiotherapist": ("Physiotherapie", "Physiotherapist", "Kranken-Gymnastik"),
    "toilets": ("Toilette", "Toilets", "Toilette"),
    "cafe": ("Café", "Café", "Café"),
    "restaurant": ("Restaurant", "Restaurant", "Restaurant"),
    "fast_food": ("Imbiss", "Fast food", "Imbiss"),
    "bar": ("Bar", "Bar", "Bar"),
    "pub": ("Kneipe", "Pub", "Kneipe"),
    "ice_cream": ("Eiscafé", "Ice cream", "Eis-Café"),
    "bank": ("Bank", "Bank", "Bank"),
    "post_office": ("Post", "Post office", "Post"),
    "townhall": ("Rathaus", "Town hall", "Rathaus"),
    "library": ("Bibliothek", "Library", "Bücherei"),
    "school": ("Schule", "School", "Schule"),
    "kindergarten": ("Kindergarten", "Kindergarten", "Kindergarten"),
    "university": ("Hochschule", "University", "Universität"),
    "place_of_worship": ("Gotteshaus", "Place of worship", "Kirche oder Gebets-Haus"),
    "police": ("Polizei", "Police", "Polizei"),
    "theatre": ("Theater", "Theatre", "Theater"),
    "cinema": ("Kino", "Cinema", "Kino"),
    "community_centre": ("Gemeindezentrum", "Community centre", "Treffpunkt"),
    "social_facility": ("Soziale Einrichtung", "Social facility", "Hilfe-Stelle"),
    "supermarket": ("Supermarkt", "Supermarket", "Supermarkt"),
    "bakery": ("Bäckerei", "Bakery", "Bäcker"),
    "hotel": ("Hotel", "Hotel", "Hotel"),
    "museum": ("Museum", "Museum", "Museum"),
    "information": ("Information", "Information", "Information"),
    # the kinds of the Urban Data Platform's layers (stufenlos.venues.ogc)
    "disabled_parking": ("Behindertenparkplatz", "Disabled parking",
                         "Park-Platz für Menschen mit Behinderung"),
    "park_and_ride": ("Park-and-Ride-Anlage", "Park and ride", "Park-Platz am Bahnhof"),
    "car_park": ("Parkhaus", "Car park", "Park-Haus"),
}
#: words for a kind not in :data:`KIND_WORDS`, by its key
_KEY_WORDS: dict[str, tuple[str, str, str]] = {
    "healthcare": ("Gesundheit", "Health care", "Gesundheit"),
    "amenity": ("Einrichtung", "Amenity", "Einrichtung"),
    "shop": ("Geschäft", "Shop", "Laden"),
    "office": ("Büro", "Office", "Büro"),
    "tourism": ("Tourismus", "Tourism", "Tourismus"),
    "leisure": ("Freizeit", "Leisure", "Freizeit"),
}
_LANG = {"de": 0, "en": 1, "ls": 2}


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
    """A venue kind in words (``de``, ``en``, ``ls``)."""
    i = _LANG.get(lang, 1)
    words = KIND_WORDS.get(kind) or _KEY_WORDS.get(key) or _KEY_WORDS["amenity"]
    return words[i]


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
