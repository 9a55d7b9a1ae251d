"""Turn domain objects into API answers; shared by the JSON routes and the web pages."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numpy as np

from stufenlos import freshness
from stufenlos.barriers import BARRIER_KINDS, BarrierStore
from stufenlos.errors import StufenlosError
from stufenlos.places import Place, PlaceIndex, kind_word, place_label
from stufenlos.profiles.labels import PROFILE_LABELS
from stufenlos.text.route import ROUTE_PARTS, route_feature
from stufenlos.transit.station_facts import Station, read_stations

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
    "feed_dates",
    "place_dict",
    "place_index",
    "route_answer",
    "stations_of",
]

logger = logging.getLogger(__name__)



def route_answer(city: City, route: Route, lang: str, *,
                 origin: tuple[float, float] | None = None,
                 destination: tuple[float, float] | None = None,
                 place: dict[str, Any] | None = None,
                 include: Collection[str] | None = None) -> dict[str, Any]:
    """The route answer (:func:`~stufenlos.text.route.route_feature`) with the live
    closures that changed it, the barriers' check dates (``stale``) and, for a route to
    a place, where it ends (``place``, see :mod:`stufenlos.venues.route`).

    ``include`` names the parts to give (:data:`~stufenlos.text.route.ROUTE_PARTS`;
    ``None``: all): the closures come with ``summary``, the check dates with
    ``barriers``."""
    parts = ROUTE_PARTS.keys() if include is None else include
    closures = closures_avoided(city, route, origin, destination) if "summary" in parts else []
    answer = route_feature(route, lang=lang, closures=closures, include=include)
    props = answer["properties"]
    stale: list[str] = []
    if "barriers" in parts:
        stale += freshness.annotate_route(
            city, {"segments": route.segments(), "barriers": props["barriers"]}, lang,
            live=feed_dates(city))
    if closures:
        stale += freshness.annotate_closures(props["closures"],
                                             _report_dates(props["closures"]), lang)
    if "barriers" in parts:
        props["stale"] = stale
    if "warnings" in props:
        props["warnings"] += stale
    if place is not None:
        from stufenlos.venues.route import place_sentence

        place = {**place, "text": place_sentence(place, lang)}
        if "summary" in parts:
            props["summary"].append(place["text"])
    props["place"] = place
    return answer


def feed_dates(city: City) -> dict[tuple[str, int], tuple[str, str]]:
    """``(osm_type, osm_id) -> (last_checked, "operator_feed")`` of the elevators the
    operators' status feeds have named in this process (none before the city's public
    transport, which reads the feeds, is loaded: then no feed has spoken yet)."""
    transit = city.memoized("transit")
    return {} if transit is None else transit.equipment.feed_dates()


def _report_dates(closures: list[dict[str, Any]]) -> dict[int, tuple[str | None, str | None]]:
    """``report_id -> (last_checked, checked_by)`` of the reports behind ``closures``."""
    ids = {c["report_id"] for c in closures if c.get("report_id") is not None}
    if not ids:
        return {}
    from stufenlos.api.routes.open311 import report_service
    from stufenlos.reports.errors import ReportNotFoundError
    from stufenlos.reports.export import last_checked

    svc = report_service()
    out = {}
    for rid in ids:
        try:
            out[rid] = last_checked(svc.get(rid, public=False))
        except ReportNotFoundError:
            continue
    return out


#: how far around a route a closure still counts as one it went around
CORRIDOR_M = 50.0


def closures_avoided(city: City, route: Route, origin: tuple[float, float] | None,
                     destination: tuple[float, float] | None) -> list[dict[str, Any]]:
    """Live closures in the route's corridor: the ground it had to go around.

    A closed arc counts when both its ends lie within :data:`CORRIDOR_M` of the
    box around the route and its end points — no second route is computed.
    Read from the closures the route was searched with
    (:attr:`~stufenlos.routing.Route.closures`: no second query); a closure made by an
    accepted report names the report, its public page and its kind in German
    (``reason_de``). ``on_route`` is true for a closure the route goes through
    (a broken limit, when there is no other way).
    """
    state = route.closures
    if route.status == "no_route" or origin is None or destination is None or state is None:
        return []
    net = city.network
    closed = state.closed
    if closed.size == 0:
        return []
    from stufenlos.geo import metres_per_degree

    ll = net.node_lonlat
    nodes = np.r_[net.u[route.arcs], net.v[route.arcs]]
    lon = np.r_[ll[nodes, 0], origin[1], destination[1]]
    lat = np.r_[ll[nodes, 1], origin[0], destination[0]]
    kx, ky = metres_per_degree(float(lat.mean()))
    dx, dy = CORRIDOR_M / kx, CORRIDOR_M / ky

    def inside(n: Any) -> Any:
        return ((ll[n, 0] >= lon.min() - dx) & (ll[n, 0] <= lon.max() + dx)
                & (ll[n, 1] >= lat.min() - dy) & (ll[n, 1] <= lat.max() + dy))

    near = closed[inside(net.u[closed]) & inside(net.v[closed])]
    through = {c.id for c in state.closing(route.arcs.tolist())}
    from stufenlos.reports.catalogue import SERVICES

    german = {s.name: s.name_de for s in SERVICES.values() if s.name_de}
    out = []
    for c in state.closing(near.tolist()):
        item: dict[str, Any] = {"id": c.id, "kind": c.kind, "ref": c.ref, "source": c.source,
                                "reason": c.reason, "on_route": c.id in through,
                                "until": c.valid_until.isoformat() if c.valid_until else None}
        if c.report_id is not None:
            item.update(report_id=c.report_id, url=f"/reports/{c.report_id}",
                        reason_de=german.get(c.reason, c.reason))
        out.append(item)
    return out


def _closed_arcs(city: City) -> set[int]:
    return {int(a) for a in city.closures.closed_arcs(city.network)}


def barrier_public(rec: dict[str, Any], closed: set[int], *,
                   live: dict[tuple[str, int], tuple[str, str]] | None = None,
                   lang: str | None = None) -> dict[str, Any]:
    """A barrier record with labels, live status and when it was last checked.

    ``last_checked``/``checked_by`` are the record's (from OSM, see
    :mod:`stufenlos.freshness`) or, when newer, ``live``'s (:func:`feed_dates`);
    ``stale`` flags an old one; with ``lang`` (``de``, ``en``, ``ls``),
    ``checked_by_text`` says who checked in words.
    """
    attrs = rec.get("attributes") or {}
    checked, by = attrs.get("last_checked"), attrs.get("checked_by")
    hit = (live or {}).get((rec.get("osm_type") or "", int(rec.get("osm_id") or 0)))
    if hit is not None and (checked is None or hit[0] >= checked):
        checked, by = hit
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
        "attributes": attrs, "source": rec.get("source") or "osm",
        "last_checked": checked, "checked_by": by, "stale": freshness.is_stale(checked),
        **({} if lang is None else {"checked_by_text": freshness.checked_by_text(by, lang)}),
    }


def barriers_with_status(
    city: City, *, kinds: list[str] | None = None,
    bbox: tuple[float, float, float, float] | None = None, status: str | None = None,
    limit: int = 100, offset: int = 0, lang: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """``(total, page)`` of barriers matching the filters, with live status and
    freshness (:func:`barrier_public`)."""
    store = BarrierStore(city.database_path)
    closed = _closed_arcs(city)
    live = feed_dates(city)
    if status is None:
        total = store.count(kinds=kinds, bbox=bbox)
        recs = store.query(kinds=kinds, bbox=bbox, limit=limit, offset=offset)
        return total, [barrier_public(r, closed, live=live, lang=lang) for r in recs]
    matching = [b for b in (barrier_public(r, closed, live=live, lang=lang)
                            for r in store.query(kinds=kinds, bbox=bbox))
                if b["status"] == status]
    return len(matching), matching[offset:offset + limit]


def city_bbox(city: City) -> tuple[float, float, float, float]:
    """Bounds of the city's network (min lon, min lat, max lon, max lat)."""
    ll = city.network.node_lonlat
    lo, hi = np.nanmin(ll, axis=0), np.nanmax(ll, axis=0)
    return (round(float(lo[0]), 6), round(float(lo[1]), 6), round(float(hi[0]), 6),
            round(float(hi[1]), 6))


def stations_of(city: City) -> list[Station]:
    """Stations within 300 m of the city's network, then the stations of its GTFS feed."""
    return city.memo("stations", lambda: _stations(city))


def _stations(city: City) -> list[Station]:
    x0, y0, x1, y1 = city_bbox(city)
    m = 0.003
    found = read_stations(city.config, bbox=(x0 - 2 * m, y0 - m, x1 + 2 * m, y1 + m))
    from stufenlos.api.transit_views import feed_stations

    try:
        extra = feed_stations(city)
    except StufenlosError as exc:  # a broken feed must not hide the station facts
        logger.warning("%s: cannot read the timetable's stations: %s", city.name, exc)
        extra = []
    slugs = {s.slug for s in found}
    return found + [s for s in extra if s.slug not in slugs]


def place_index(city: City) -> PlaceIndex:
    """The place search of ``city`` (built once per loaded city)."""

    def make() -> PlaceIndex:
        stations = [Place(s.name, "station", s.lat, s.lon) for s in stations_of(city)]
        return PlaceIndex.for_city(city, stations=stations)

    return city.memo("places", make)


def place_dict(place: Place, lang: str = "de") -> dict[str, Any]:
    """A search result as the API gives it, with its label in ``lang``."""
    return {**place.__dict__, "label": place_label(place, lang),
            "kind_label": kind_word(place.kind, lang, place.key)}


def city_tiles(city: City) -> CityTiles:
    """The vector tiles of ``city`` (built once per loaded city)."""
    from stufenlos.tiles import CityTiles

    return city.memo("tiles", lambda: CityTiles(city))
