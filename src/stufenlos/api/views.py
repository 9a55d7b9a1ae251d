"""Turn domain objects into API answers; shared by the JSON routes and the web pages."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from stufenlos.barriers import BARRIER_KINDS, BarrierStore
from stufenlos.directions import barriers_on, instructions
from stufenlos.easy_read import easy_read_steps, easy_read_summary
from stufenlos.errors import StufenlosError
from stufenlos.places import Place, PlaceIndex
from stufenlos.profiles import PRESETS
from stufenlos.station_facts import Station, read_stations

if TYPE_CHECKING:
    from stufenlos.city import City
    from stufenlos.routing import Route
    from stufenlos.tiles import CityTiles

__all__ = [
    "PROFILE_LABELS",
    "barrier_public",
    "barriers_with_status",
    "city_bbox",
    "city_tiles",
    "closures_avoided",
    "place_index",
    "route_feature",
    "route_public",
    "stations_of",
]

logger = logging.getLogger(__name__)

#: profile name -> (German label, English label)
PROFILE_LABELS: dict[str, tuple[str, str]] = {
    "standard": ("Zu Fuß", "Walking"),
    "wheelchair": ("Rollstuhl", "Wheelchair"),
    "electric_wheelchair": ("Elektrorollstuhl", "Electric wheelchair"),
    "walker": ("Rollator", "Walker (rollator)"),
    "older_pedestrian": ("Ältere Menschen zu Fuß", "Older pedestrian"),
    "blind": ("Blind oder sehbehindert", "Blind or low vision"),
    "pram": ("Kinderwagen", "Pram"),
}
for _name in PRESETS:
    PROFILE_LABELS.setdefault(_name, (_name, _name))


def route_public(route: Route, lang: str) -> dict[str, Any]:
    """A route as the fields of :class:`~stufenlos.api.schemas.RoutePublic`."""
    segs = route.segments()
    text_lang = "en" if lang == "en" else "de"
    lines = instructions(route, segs, lang=text_lang)
    if route.status == "no_route":
        head, steps = lines, []
    else:
        n = 2 + len(route.warnings())
        if len(lines) > 2 and lines[2].startswith(("Not known", "Auf dieser Route unbekannt")):
            n += 1
        head, steps = lines[:n], lines[n:]
    if lang == "ls":
        head, steps = easy_read_summary(route), easy_read_steps(steps)
    def point(s: Any) -> dict[str, float]:
        return {"lat": round(s.lat, 7), "lon": round(s.lon, 7),
                "snap_distance_m": round(s.distance_m, 1)}

    return {
        "type": "Feature",
        "geometry": route.geometry(),
        "status": route.status,
        "profile": route.profile.name,
        "lang": lang,
        "distance_m": round(route.distance_m, 1),
        "duration_s": round(route.duration_s, 1),
        "limits": route.profile.limits(),
        "violations": route.violations(),
        "unknowns": route.unknowns(),
        "barriers": barriers_on(segs),
        "warnings": route.warnings(),
        "summary": head,
        "steps": steps,
        "origin": point(route.origin),
        "destination": point(route.destination),
    }


def route_feature(city: City, route: Route, lang: str, *,
                  origin: tuple[float, float] | None = None,
                  destination: tuple[float, float] | None = None) -> dict[str, Any]:
    """A route as a GeoJSON Feature (:class:`~stufenlos.api.schemas.RoutePublic`)."""
    flat = route_public(route, lang)
    geometry = flat.pop("geometry")
    flat.pop("type")
    flat["segments"] = route.segments() if route.status != "no_route" else []
    flat["closures"] = closures_avoided(city, route, origin, destination)
    return {"type": "Feature", "geometry": geometry, "properties": flat}


_BASELINE: dict[int, Any] = {}


def _baseline_router(city: City) -> Any:
    """A router on the same network without live closures (shares its hierarchy)."""
    from stufenlos.routing import Router

    key = id(city.network)
    if key not in _BASELINE:
        _BASELINE.clear()  # one city network at a time is plenty for this check
        _BASELINE[key] = Router(city.network)
    return _BASELINE[key]


def closures_avoided(city: City, route: Route, origin: tuple[float, float] | None,
                     destination: tuple[float, float] | None) -> list[dict[str, Any]]:
    """Live closures that changed this route: those the same request would have
    crossed without closures, and those on an edge meeting the route.

    A closure from an accepted report names the report and its public page.
    """
    active = city.overrides.active()
    if not active or route.status == "no_route" or origin is None or destination is None:
        return []
    from stufenlos.overrides import resolve

    net = city.network
    unclosed = _baseline_router(city).route(origin, destination, profile=route.profile)
    would_use = set(unclosed.arcs.tolist())
    on_route = set(net.u[route.arcs].tolist()) | set(net.v[route.arcs].tolist())
    out = []
    for o in active:
        try:
            arcs = resolve(net, o.kind, o.ref, city.overrides.barrier_resolver)
        except StufenlosError:
            continue
        touches = set(net.u[arcs].tolist()) | set(net.v[arcs].tolist())
        if not (would_use.intersection(arcs.tolist()) or touches & on_route):
            continue
        item: dict[str, Any] = {"kind": o.kind, "ref": o.ref, "reason": o.reason,
                                "until": o.until.isoformat() if o.until else None}
        head, _, rest = o.reason.partition(" ")
        if head.startswith("report:") and head.removeprefix("report:").isdigit():
            rid = int(head.removeprefix("report:"))
            item.update(report_id=rid, reason=rest, url=f"/reports/{rid}")
        out.append(item)
    return out


def _closed_arcs(city: City) -> set[int]:
    return {int(a) for a in city.overrides.closed_arcs(city.network)}


def barrier_public(rec: dict[str, Any], closed: set[int]) -> dict[str, Any]:
    """A barrier record with labels and live status."""
    en, de = BARRIER_KINDS.get(rec["kind"], (rec["kind"], rec["kind"]))
    if closed and any(int(a) in closed for a in rec.get("edge_ids") or []):
        status = "closed"
    elif rec["kind"] == "elevator":
        status = "unknown"  # no live elevator feed configured for this city
    else:
        status = "mapped"
    return {
        "id": rec["id"], "kind": rec["kind"], "label_de": de, "label_en": en,
        "lat": rec["lat"], "lon": rec["lon"], "name": rec.get("name"), "status": status,
        "osm_type": rec.get("osm_type"), "osm_id": rec.get("osm_id"),
        "attributes": rec.get("attributes") or {}, "source": rec.get("source") or "osm",
    }


def barriers_with_status(
    city: City, *, kinds: list[str] | None = None,
    bbox: tuple[float, float, float, float] | None = None, status: str | None = None,
    limit: int = 100, offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """``(total, page)`` of barriers matching the filters, with live status."""
    store = BarrierStore(city.database_path)
    closed = _closed_arcs(city)
    if status is None:
        total = store.count(kinds=kinds, bbox=bbox)
        recs = store.query(kinds=kinds, bbox=bbox, limit=limit, offset=offset)
        return total, [barrier_public(r, closed) for r in recs]
    matching = [b for b in (barrier_public(r, closed) for r in store.query(kinds=kinds, bbox=bbox))
                if b["status"] == status]
    return len(matching), matching[offset:offset + limit]


def city_bbox(city: City) -> tuple[float, float, float, float]:
    """Bounds of the city's network (min lon, min lat, max lon, max lat)."""
    ll = city.network.node_lonlat
    lo, hi = np.nanmin(ll, axis=0), np.nanmax(ll, axis=0)
    return (round(float(lo[0]), 6), round(float(lo[1]), 6), round(float(hi[0]), 6),
            round(float(hi[1]), 6))


@lru_cache(maxsize=16)
def stations_of(city: City) -> list[Station]:
    """Stations within 300 m of the city's network, then the stations of its GTFS feed."""
    x0, y0, x1, y1 = city_bbox(city)
    m = 0.003
    found = read_stations(city.config, bbox=(x0 - 2 * m, y0 - m, x1 + 2 * m, y1 + m))
    from stufenlos.api.transit_views import feed_stations
    from stufenlos.errors import StufenlosError

    try:
        extra = feed_stations(city)
    except StufenlosError as exc:  # a broken feed must not hide the station facts
        logger.warning("%s: cannot read the timetable's stations: %s", city.name, exc)
        extra = []
    slugs = {s.slug for s in found}
    return found + [s for s in extra if s.slug not in slugs]


@lru_cache(maxsize=16)
def place_index(city: City) -> PlaceIndex:
    """The place search of ``city``."""
    stations = [Place(s.name, "station", s.lat, s.lon) for s in stations_of(city)]
    return PlaceIndex.for_city(city, stations=stations)


@lru_cache(maxsize=8)
def city_tiles(city: City) -> CityTiles:
    """The vector tiles of ``city``."""
    from stufenlos.tiles import CityTiles

    return CityTiles(city)
