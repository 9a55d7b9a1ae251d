"""A city's districts: the polygons of its ``areas`` input (Hamburg's Stadtteile).

One place for them: the place search labels results with their district, and the
report feeds offer one feed per district. Read once per process and kept with the
city (``City.memo``); a city without an ``areas`` input has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stufenlos.city import City

__all__ = ["District", "city_districts"]


@dataclass(frozen=True, eq=False)
class District:
    """A district of a city: its id and name in the areas input, and its polygon (lon/lat)."""

    id: str
    name: str
    polygon: Any


def city_districts(city: City) -> list[District]:
    """The named districts of ``city``, alphabetically (none without an ``areas`` input)."""

    def read() -> list[District]:
        from stufenlos.analysis.areas import read_areas

        if not city.config.inputs_of("areas"):
            return []
        areas = read_areas(city.config)
        if areas is None or areas.kind != "areas":
            return []
        out = [District(str(i), str(n), g) for i, n, g in
               zip(areas.table["area_id"], areas.table["name"], areas.geometry, strict=True)
               if str(n).strip()]
        return sorted(out, key=lambda d: d.name.casefold())

    return city.memo("districts", read)  # type: ignore[no-any-return]
