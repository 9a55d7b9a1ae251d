"""JSON API: cities, profiles, routes, reachable areas, matrices, barriers, places, stops."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, HTTPException, Path, Query, Response

from stufenlos.api import deps, views
from stufenlos.api.schemas import (
    BarrierCollection,
    BarrierPublic,
    CityPublic,
    ClosureCollection,
    ClosurePublic,
    ErrorPublic,
    JourneyPublic,
    JourneyRequest,
    LimitInfo,
    MatrixPublic,
    MatrixRequest,
    PlacePublic,
    ProfileName,
    ProfilePublic,
    ReachRequest,
    RoutePublic,
    RouteRequest,
    SourcePublic,
    StationPublic,
    StopPublic,
)
from stufenlos.barriers import BARRIER_KINDS, BarrierStore
from stufenlos.errors import StufenlosError
from stufenlos.profiles import LIMITS, PRESETS

__all__ = ["router"]

logger = logging.getLogger(__name__)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "the request cannot be answered as asked"},
    404: {"model": ErrorPublic, "description": "no such city or object"},
    413: {"model": ErrorPublic, "description": "request body too large"},
    422: {"model": ErrorPublic, "description": "a field is missing or out of range"},
}

router = APIRouter(prefix="/api", tags=["api"], responses=_ERRORS)

CityName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$", description="city name")]
BarrierKind = Annotated[str, Query(pattern="|".join(f"^{k}$" for k in BARRIER_KINDS))]


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4:
        raise HTTPException(422, f"bbox: expected minlon,minlat,maxlon,maxlat, got {text!r}")
    x0, y0, x1, y1 = parts
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
        raise HTTPException(422, f"bbox: coordinates out of range in {text!r}")
    if x0 > x1 or y0 > y1:
        raise HTTPException(422, f"bbox: minimum above maximum in {text!r}")
    return (x0, y0, x1, y1)


BboxQuery = Annotated[
    str | None,
    Query(description="minlon,minlat,maxlon,maxlat in degrees", max_length=200,
          examples=["9.98,53.54,10.0,53.56"]),
]


def city_public(name: str) -> dict[str, Any]:
    """A configured city with its import state."""
    cfg = deps.city_configs()[name]
    imported = deps.imported(name)
    bbox = None
    counts: dict[str, int] = {}
    if imported:
        city = deps.get_city(name)
        bbox = views.city_bbox(city)
        counts = BarrierStore(city.database_path).counts_by_kind()
    return {
        "name": cfg.name, "title": cfg.title, "country": cfg.country, "center": cfg.center,
        "bbox": bbox, "imported": imported, "barrier_counts": counts,
        "sources": [SourcePublic(**s.model_dump()) for s in cfg.sources],
    }


@router.get("/cities", response_model=list[CityPublic])
def list_cities() -> list[dict[str, Any]]:
    """Every configured city; ``imported`` says whether it can be routed on."""
    return [city_public(n) for n in sorted(deps.city_configs())]


@router.get("/cities/{city}", response_model=CityPublic)
def get_city(city: CityName) -> dict[str, Any]:
    """One city."""
    if city not in deps.city_configs():
        deps.get_city(city)  # raises UnknownCityError (404) naming the configured cities
    return city_public(city)


def _profile_public(name: str) -> dict[str, Any]:
    label = views.PROFILE_LABELS[name]
    return {
        "name": name, "label_de": label["de"], "label_en": label["en"],
        "limits": PRESETS[name].limits(),
        "adjustable": [LimitInfo.of(lim) for lim in LIMITS.values() if lim.numeric],
    }


@router.get("/profiles", response_model=list[ProfilePublic])
def list_profiles() -> list[dict[str, Any]]:
    """Profile presets with their limits and the limits a person may adjust."""
    return [_profile_public(n) for n in PRESETS]


@router.get("/profiles/{profile}", response_model=ProfilePublic)
def get_profile(profile: ProfileName) -> dict[str, Any]:  # type: ignore[valid-type]
    """One profile preset."""
    return _profile_public(profile)


@router.post("/cities/{city}/route", response_model=RoutePublic)
async def route(city: CityName, body: RouteRequest) -> Response:
    """The best route for this person; if no route keeps every limit, the one breaking fewest.

    The answer is a GeoJSON Feature. ``properties.status`` is ``ok``, ``uncertain`` (only
    assumed values that are not mapped break a limit), ``limits_broken`` (a mapped value
    breaks one; the violations are listed and announced in the steps, each saying whether
    it was assumed) or ``no_route`` (the points are not connected). Text is in ``lang``:
    ``de``, ``en`` or ``ls`` (easy-read German).
    ``segments`` give the OSM way and node ids of every edge; ``closures`` name the live
    closures (e.g. accepted reports) the route had to avoid. ``include`` asks for fewer
    parts (e.g. ``["geometry", "summary"]`` for a map), which are then not computed.
    """
    # a route takes about a millisecond: answered on the event loop, without a hop to a
    # worker thread and back (which cost more than the route on a busy machine)
    c = await deps.city_now(city)
    person, place = body.person(), None
    if body.to_place is not None:  # ends at an entrance this person can use
        from stufenlos.venues.route import place_destination

        to, place = place_destination(c, body.to_place, person, body.origin.pair())
    else:
        to = body.destination.pair()  # type: ignore[union-attr]
    r = c.route(body.origin.pair(), to, profile=person, optimize=body.optimize)
    answer = views.route_answer(c, r, body.lang, origin=body.origin.pair(), destination=to,
                                place=place, include=body.include)
    # the presenter's answer is the schema's (tests pin it): encode it without a second
    # pass through the response model
    return Response(orjson.dumps(answer, option=orjson.OPT_SERIALIZE_NUMPY),
                    media_type="application/json")


@router.post("/cities/{city}/reach")
def reach(city: CityName, body: ReachRequest) -> dict[str, Any]:
    """Area reachable from a point (GeoJSON FeatureCollection: area polygon and ways)."""
    c = deps.get_city(city)
    r = c.reach(body.origin.pair(), profile=body.person(), **body.budget_kwargs())
    return r.to_geojson()


@router.post("/cities/{city}/matrix", response_model=MatrixPublic)
def matrix(city: CityName, body: MatrixRequest) -> dict[str, Any]:
    """Travel cost in seconds between every origin and destination."""
    c = deps.get_city(city)
    m = c.matrix([p.pair() for p in body.origins], [p.pair() for p in body.destinations],
                 profile=body.person())
    cost = m.cost_s
    return {
        "profile": m.profile.name,
        "cost_s": [[None if v != v else round(float(v), 1) for v in row] for row in cost],
        "limits_broken": m.limits_broken.tolist(),
    }


@router.get("/cities/{city}/barriers", response_model=BarrierCollection)
def barriers(
    city: CityName,
    kind: Annotated[list[BarrierKind] | None, Query(max_length=len(BARRIER_KINDS))] = None,
    bbox: BboxQuery = None,
    status: Annotated[str | None, Query(pattern="^(closed|unknown|mapped)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Barriers and helps, filtered by kind, bbox and live status, one page at a time."""
    c = deps.get_city(city)
    total, items = views.barriers_with_status(c, kinds=kind, bbox=_bbox(bbox), status=status,
                                              limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get("/cities/{city}/barriers/{barrier_id:path}", response_model=BarrierPublic)
def barrier(city: CityName, barrier_id: Annotated[str, Path(max_length=200)]) -> dict[str, Any]:
    """One barrier by id (e.g. ``node/123/kerb``)."""
    c = deps.get_city(city)
    rec = BarrierStore(c.database_path).get(barrier_id)
    if rec is None:
        raise HTTPException(404, f"no barrier {barrier_id!r} in {city}")
    return views.barrier_public(rec, views._closed_arcs(c))


@router.get("/cities/{city}/closures", response_model=ClosureCollection)
def closures(city: CityName) -> dict[str, Any]:
    """Live closures in force (accepted reports, elevator outages, operators), each with
    the report behind it and how many edges of the current network it closes."""
    c = deps.get_city(city)
    store = c.closures
    version = store.version()
    items = []
    for cl in store.active():
        try:
            arcs = int(store.resolve(c.network, cl).size)
        except StufenlosError:
            arcs = 0
        item = {k: v for k, v in cl.to_dict().items() if k in ClosurePublic.model_fields}
        item.update(arcs=arcs, url=f"/reports/{cl.report_id}" if cl.report_id else None)
        items.append(item)
    return {"version": version, "items": items}


@router.get("/cities/{city}/elevators", response_model=BarrierCollection)
def elevators(
    city: CityName,
    bbox: BboxQuery = None,
    status: Annotated[str | None, Query(pattern="^(closed|unknown)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Elevators with their status: ``closed`` (reported out of service) or ``unknown``."""
    c = deps.get_city(city)
    total, items = views.barriers_with_status(c, kinds=["elevator"], bbox=_bbox(bbox),
                                              status=status, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get("/cities/{city}/places", response_model=list[PlacePublic])
def places(
    city: CityName,
    q: Annotated[str, Query(min_length=1, max_length=100, description="name or 'lat,lon'")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    lang: Annotated[Literal["de", "en", "ls"], Query(description="labels in")] = "de",
) -> list[dict[str, Any]]:
    """Streets, stations, districts, addresses and named places whose name matches ``q``.

    Each result's ``label`` tells equally named places apart by kind and district;
    places outside the city's area come last (``outside``).
    """
    c = deps.get_city(city)
    return [views.place_dict(p, lang) for p in views.place_index(c).search(q, limit=limit)]


@router.get("/cities/{city}/stops", response_model=list[StationPublic])
def stops(city: CityName) -> list[dict[str, Any]]:
    """Stations on or near the city's network, with their step-free facts."""
    c = deps.get_city(city)
    return [s.to_dict() for s in views.stations_of(c)]


@router.get("/cities/{city}/stops/{stop}", response_model=StopPublic)
def stop(
    city: CityName, stop: Annotated[str, Path(max_length=100)],
    at: Annotated[datetime | None, Query(description="departures from; default now")] = None,
    lang: Annotated[Literal["de", "en", "ls"], Query()] = "de",
) -> dict[str, Any]:
    """What an information pillar shows for one station (by id or slug): step-free
    facts, elevators with status, the step-free way to them and the next departures."""
    from stufenlos.api.kiosk_data import stop_info

    return stop_info(deps.get_city(city), stop, lang=lang, at=_bounded(at))


def _bounded(at: datetime | None) -> datetime | None:
    if at is not None and not 1990 <= at.year <= 2100:
        raise HTTPException(422, f"at: year must be between 1990 and 2100, got {at.year}")
    return at


@router.post("/cities/{city}/journey", response_model=JourneyPublic)
def journey(city: CityName, body: JourneyRequest) -> dict[str, Any]:
    """Door-to-door public transport journeys for this person (the city needs a GTFS feed).

    Walking legs (to, between and from stops) use the same profile with the given
    ``limits``; stops and trips that are not step-free are avoided, and what is not
    known is listed per itinerary.
    """
    from stufenlos.api.transit_views import city_transit, local_time
    from stufenlos.i18n import translator
    from stufenlos.text.itinerary import itinerary_directions
    from stufenlos.transit import NoJourneyError

    c = deps.get_city(city)
    ct = city_transit(c)
    if ct is None:
        raise HTTPException(404, f"{city} has no timetable (no GTFS input in its city.toml)")
    when = local_time(c, _bounded(body.at))
    t = translator(body.lang)
    try:
        its = ct.journey(body.origin.pair(), body.destination.pair(), when,
                         profile=body.person(), max_transfers=body.max_transfers,
                         origin_name=body.origin_name or t.pgettext("route", "Start"),
                         destination_name=(body.destination_name
                                           or t.pgettext("route", "Destination")))
    except NoJourneyError as exc:
        raise HTTPException(404, str(exc)) from None
    return {"itineraries": [it.to_dict() | {"directions": itinerary_directions(it, body.lang)}
                            for it in its]}
