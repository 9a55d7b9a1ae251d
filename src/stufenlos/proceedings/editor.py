"""What the editors' page offers to choose instead of typing GeoJSON or ids: the
districts of a city and its candidate fixes in words.

The districts are the city's analysis areas (Hamburg: the Stadtteile) that meet the
imported network; an area is one or more of them joined, or the whole imported area.
The fixes are those :func:`stufenlos.analysis.fixes.fix_choices` names for the
analysis page.
"""

from __future__ import annotations

from typing import Any

import shapely

from stufenlos.analysis.fixes import FixChoice, fix_choices
from stufenlos.city import City
from stufenlos.districts import city_districts
from stufenlos.i18n import LANGUAGES, N_, translator
from stufenlos.proceedings.service import ProceedingInputError

__all__ = ["WHOLE", "area_of", "category_choices", "choice_title", "district_names", "fixes_in"]

#: the area choice meaning "the whole imported area"
WHOLE = "*"


def _imported(city: City) -> shapely.Geometry:
    """The convex hull of the city's network: the area it was imported for."""
    return city.memo("proceedings.imported_area", lambda: shapely.convex_hull(
        shapely.multipoints(city.network.node_lonlat)))


def district_names(city: City) -> list[str]:
    """Names of the city's districts that meet its imported network, alphabetically."""
    hull = _imported(city)
    return sorted({d.name for d in city_districts(city) if d.polygon.intersects(hull)},
                  key=str.casefold)


def area_of(city: City, chosen: list[str]) -> dict[str, Any]:
    """The GeoJSON polygon of the chosen districts joined, or of the whole imported area
    when ``chosen`` holds :data:`WHOLE`.

    Raises
    ------
    ProceedingInputError
        (field ``districts``) when nothing, an unknown district or districts that do not
        touch each other are chosen.
    """
    if WHOLE in chosen:
        return shapely.geometry.mapping(_imported(city))
    if not chosen:
        msg = "choose one or more districts or the whole imported area"
        raise ProceedingInputError(msg, field="districts")
    offered = set(district_names(city))
    unknown = [n for n in chosen if n not in offered]
    if unknown:
        msg = f"{', '.join(unknown)} is not a district of {city.name}'s imported area"
        raise ProceedingInputError(msg, field="districts")
    shape = shapely.union_all([d.polygon for d in city_districts(city) if d.name in chosen])
    if shape.geom_type != "Polygon":
        msg = "the chosen districts must touch each other (one area)"
        raise ProceedingInputError(msg, field="districts")
    return shapely.geometry.mapping(shape)


def category_choices(city: City | None, lang: str) -> list[tuple[str, str]]:
    """The destination categories a proceeding's effects can be computed for in ``city``,
    as ``(name, label in lang)``: the analysis' built-in categories, without the DB
    stations ones when the city has no stations input (all of them when ``city`` is
    not imported yet)."""
    from stufenlos.analysis.destinations import DEFAULT_CATEGORIES
    from stufenlos.i18n import translator

    has_stations = city is None or bool(city.config.inputs_of("stations"))
    say = translator(lang).gettext
    return [(name, say(c.label)) for name, c in DEFAULT_CATEGORIES.items()
            if has_stations or c.source != "stations"]


def fixes_in(city: City, area: dict[str, Any]) -> tuple[dict[str, list[FixChoice]], bool]:
    """The city's candidate fixes by kind that lie in ``area``, and True; or, when none
    does, all of the city's and False."""
    polygon = shapely.geometry.shape(area)
    by_kind = fix_choices(city).by_kind
    inside = {k: [c for c in v if polygon.covers(shapely.Point(c.lon, c.lat))]
              for k, v in by_kind.items()}
    inside = {k: v for k, v in inside.items() if v}
    return (inside, True) if inside else (by_kind, False)


#: candidate kind -> what its fix does (msgids)
_KIND_WORDS = {
    "station": N_("Make the station step-free"),
    "steps": N_("Elevator beside the steps"),
    "kerb": N_("Lower the kerb"),
}


def choice_title(choice: FixChoice) -> dict[str, str]:
    """The fix's name in German, English and easy-read German, e.g. "Aufzug neben der
    Treppe bei Jungfernstieg"."""
    out = {}
    for lang in LANGUAGES:
        t = translator(lang)
        what = t.gettext(_KIND_WORDS[choice.kind])
        if choice.name and choice.near and choice.kind != "station":
            title = t.gettext("{what} near {name}", what=what, name=choice.name)
        elif choice.name:
            title = t.gettext("{what}: {name}", what=what, name=choice.name)
        else:
            title = t.gettext("{what} (without a name)", what=what)
        out[lang] = f"{title} ({choice.number})" if choice.number else title
    return out
