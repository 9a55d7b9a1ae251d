"""Places you can enter: the JSON list, GeoJSON and CSV exports, and the page ``/places/<city>``.

The places are those of the city's OSM input and of its OGC API – Features inputs
(disabled parking, park-and-ride, car parks: :mod:`stufenlos.venues.ogc`), each with
its ``source`` and ``licence``. The list is filtered by kind, wheelchair access
(``yes``, ``limited``, ``no``, ``unknown``), name and bounding box and paged; every
place carries its entrances and when it was last checked (``last_checked``,
``checked_by``, ``stale``). The search of streets and named points stays at
``/api/cities/<city>/places``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from stufenlos.api import deps
from stufenlos.api.routes.cities import _ERRORS, BboxQuery, CityName, _bbox
from stufenlos.api.templating import page_language, render
from stufenlos.errors import StufenlosError
from stufenlos.venues import venues_of
from stufenlos.venues.kinds import ACCESS_VALUES, kind_text

__all__ = ["router"]

router = APIRouter(tags=["places"], responses=_ERRORS)

Access = Literal["yes", "limited", "no", "unknown"]
KindQuery = Annotated[str | None, Query(max_length=60, pattern=r"^[a-z0-9_;:-]+$",
                                        description="OSM value, e.g. pharmacy, doctors")]
QQuery = Annotated[str | None, Query(max_length=100, description="part of the name")]
LangQuery = Annotated[Literal["de", "en", "ls"], Query()]


def _rows(city: str, kind: str | None, access: str | None, q: str | None,
          bbox: str | None) -> tuple[Any, Any]:
    c = deps.get_city(city)
    venues = venues_of(c)
    return venues, venues.select(kind=kind, access=access, q=q, bbox=_bbox(bbox))


@router.get("/api/cities/{city}/venues")
def venue_list(city: CityName, kind: KindQuery = None, access: Access | None = None,
               q: QQuery = None, bbox: BboxQuery = None, lang: LangQuery = "de",
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict[str, Any]:
    """Places you can enter (shops, doctors, toilets, …) with wheelchair access, entrances
    and last check, filtered and paged; ``id`` is what a route's ``to_place`` takes."""
    venues, rows = _rows(city, kind, access, q, bbox)
    page = rows.iloc[offset:offset + limit]
    return {"total": len(rows), "limit": limit, "offset": offset,
            "items": [venues.public(r, lang) for r in page.to_dict("records")]}


@router.get("/api/cities/{city}/venues.geojson",
            responses={200: {"content": {"application/geo+json": {}}}})
def venue_geojson(city: CityName, kind: KindQuery = None, access: Access | None = None,
                  q: QQuery = None, bbox: BboxQuery = None, lang: LangQuery = "de") -> Response:
    """Every matching place as a GeoJSON FeatureCollection of points."""
    import orjson

    venues, rows = _rows(city, kind, access, q, bbox)
    return Response(orjson.dumps(venues.to_geojson(rows, lang)),
                    media_type="application/geo+json",
                    headers={"Content-Disposition":
                             f'attachment; filename="{city}-places.geojson"'})


@router.get("/api/cities/{city}/venues.csv", responses={200: {"content": {"text/csv": {}}}})
def venue_csv(city: CityName, kind: KindQuery = None, access: Access | None = None,
              q: QQuery = None, bbox: BboxQuery = None) -> Response:
    """Every matching place as CSV (no cell starts a spreadsheet formula)."""
    venues, rows = _rows(city, kind, access, q, bbox)
    return Response(venues.to_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{city}-places.csv"'})


@router.get("/api/cities/{city}/venues/{venue_id:path}")
def venue(city: CityName, venue_id: Annotated[str, Path(max_length=100)],
          lang: LangQuery = "de") -> dict[str, Any]:
    """One place by id (``node/123``, ``way/45``, ``ogc/disabled_parking/7460``)."""
    venues = venues_of(deps.get_city(city))
    row = venues.get(venue_id)
    if row is None:
        raise HTTPException(404, f"no place {venue_id!r} in {city}")
    return venues.public(row, lang)


PER_PAGE = 50


@router.get("/places/{city}", response_class=HTMLResponse, include_in_schema=False)
def places_page(request: Request, city: CityName) -> HTMLResponse:
    """The places of a city as a filterable list and on a map."""
    from stufenlos.api.routes.web import _map_config

    lang = page_language(request)
    qp = request.query_params
    try:
        c = deps.get_city(city)
    except StufenlosError as exc:
        return render(request, "places.html", {"city": None, "fatal": str(exc)},
                      status_code=404)
    venues = venues_of(c)
    kinds = [(k, v, n, kind_text(k, v, lang)) for k, v, n in venues.kinds()]
    kind = qp.get("kind") if qp.get("kind") in {v for _, v, _, _ in kinds} else None
    access = qp.get("access") if qp.get("access") in ACCESS_VALUES else None
    q = (qp.get("q") or "").strip()[:100] or None
    try:
        page = max(1, int(qp.get("page", "1")))
    except ValueError:
        page = 1
    rows = venues.select(kind=kind, access=access, q=q)
    total = len(rows)
    pages = max(1, -(-total // PER_PAGE))
    page = min(page, pages)
    items = [venues.public(r, lang) for r in
             rows.iloc[(page - 1) * PER_PAGE:page * PER_PAGE].to_dict("records")]
    base = {k: v for k, v in {"kind": kind, "access": access, "q": q, "lang": lang}.items() if v}
    ctx = {
        "city": c, "map": _map_config(request, c), "kinds": kinds, "kind": kind,
        "other_sources": venues.sources()[1:],
        "access": access, "q": q or "", "items": items, "total": total, "page": page,
        "points": [{"lon": p["lon"], "lat": p["lat"], "wheelchair": p["wheelchair"]}
                   for p in items],
        "pages": pages, "export": urlencode({k: v for k, v in base.items() if k != "lang"}),
        "prev_url": f"?{urlencode({**base, 'page': page - 1})}" if page > 1 else None,
        "next_url": f"?{urlencode({**base, 'page': page + 1})}" if page < pages else None,
    }
    return render(request, "places.html", ctx)
