"""Barriers, elevators and reports as OGC API – Features (Part 1: Core, GeoJSON, OAS 3.0).

Implemented to the standard rather than through pygeoapi: four collections per
imported city (``<city>-barriers``, ``<city>-elevators``, ``<city>-reports``,
``<city>-places``) over the
same barrier and report stores the rest of the API reads, with live elevator status,
so a separate server and its configuration file would add more than the few handlers
below. A city with OGC API – Features inputs (:mod:`stufenlos.ingest.ogc_features`)
also offers each of their layers as ``<city>-<layer>`` (``_`` spelt ``-``, as in
``hamburg-disabled-parking``), with the source's licence among the links.
Invalid or unknown query parameters answer 400, as the standard asks.

``datetime`` (OGC 17-069r4 §7.15.4) selects reports whose temporal extent, from
``requested_datetime`` to ``updated_datetime``, intersects the instant or interval
given. Barriers, elevators and places carry no time: a valid ``datetime`` is accepted and
selects all of them. Barriers and places carry ``last_checked`` (ISO date or null),
``checked_by`` and ``stale`` (see :mod:`stufenlos.freshness`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse

from stufenlos.api import deps, views
from stufenlos.api.schemas import ErrorPublic
from stufenlos.barriers import BarrierStore
from stufenlos.ingest.ogc_features import PLACE_KINDS, OgcLayer, ogc_layers_of, places_from_ogc

__all__ = ["CONFORMANCE", "router"]

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_KINDS = {"barriers": None, "elevators": ["elevator"], "reports": None, "places": None}
_ITEM_PARAMS = {"bbox", "datetime", "limit", "offset", "f"}
_LAYER = "layer:"  # collection part of an OGC API – Features input layer
MAX_LIMIT = 10_000
#: published contributions of every participation proceeding (:mod:`stufenlos.proceedings`)
PROCEEDINGS = "proceedings-contributions"

router = APIRouter(prefix="/ogc", tags=["ogc-api-features"],
                   responses={400: {"model": ErrorPublic}, 404: {"model": ErrorPublic},
                              422: {"model": ErrorPublic}})


class GeoJSONResponse(JSONResponse):
    """JSON with the GeoJSON media type."""

    media_type = "application/geo+json"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _check_params(request: Request, allowed: set[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise HTTPException(400, f"unknown query parameter(s): {', '.join(unknown)}; "
                                 f"allowed: {', '.join(sorted(allowed)) or 'none'}")
    f = request.query_params.get("f")
    if f is not None and f not in ("json", "geojson"):
        raise HTTPException(400, f"f: only json is offered, got {f!r}")


def _collection_ids() -> list[tuple[str, str, str]]:
    out = []
    for name, cfg in sorted(deps.city_configs().items()):
        if deps.imported(name):
            out.extend((f"{name}-{part}", name, part) for part in _KINDS)
            if cfg.inputs_of("ogc-features"):
                out.extend((f"{name}-{x.layer.replace('_', '-')}", name, _LAYER + x.layer)
                           for x in ogc_layers_of(deps.get_city(name)))
    if _proceedings(_any_proceeding):
        out.append((PROCEEDINGS, "", PROCEEDINGS))
    return out


def _any_proceeding(session: Any) -> bool:
    from sqlalchemy import select

    from stufenlos.proceedings.models import Proceeding

    return session.scalar(select(Proceeding.id).limit(1)) is not None


def _layer(city: Any, part: str) -> OgcLayer:
    return next(x for x in ogc_layers_of(city) if _LAYER + x.layer == part)


def _split(cid: str) -> tuple[str, str]:
    for full, city, part in _collection_ids():
        if full == cid:
            return city, part
    raise HTTPException(404, f"no collection {cid!r}; see /ogc/collections")


_TITLES = {"barriers": "barriers", "elevators": "elevators with status",
           "reports": "barrier reports", "places": "places you can enter"}
_DESCRIPTIONS = {
    "barriers": "Steps, kerbs, slopes, narrow passages, bad surfaces, gates, ramps, elevators "
                "and crossings from OpenStreetMap",
    "elevators": "Elevators and their live status (closed or unknown)",
    "reports": "Barrier reports from the public (Open311), with their status; public fields "
               "only, no contact data",
    "places": "Shops, doctors, pharmacies, toilets, cafés and public buildings from "
              "OpenStreetMap, and the places of the city's open-data layers (disabled "
              "parking, park-and-ride, car parks), with their wheelchair access (yes, "
              "limited, no, unknown), entrances, source and when they were last checked",
}


Interval = tuple[datetime | None, datetime | None]


def _reports(city: str, bbox: tuple[float, float, float, float] | None,
             when: Interval | None) -> list[Any]:
    """Public reports of ``city`` (newest first), as :class:`~stufenlos.reports.Report`.

    With ``when``, only those whose extent (requested … last updated) intersects it.
    """
    from stufenlos.api.routes.open311 import report_service
    from stufenlos.reports.store import ReportQuery

    start, end = when or (None, None)
    # requested after the end cannot intersect: the store drops those
    found = report_service().list(ReportQuery(jurisdiction=city, bbox=bbox, end=end,
                                              limit=MAX_LIMIT))
    if start is None:
        return found
    return [r for r in found if r.updated_at >= start]


def _report_feature(report: Any) -> dict[str, Any]:
    from stufenlos.reports.export import public_record

    props = public_record(report, media_base="/open311/v2/media")
    props["attributes"] = report.attributes or {}
    lat, lon = props.pop("lat"), props.pop("long")
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None
    return {"type": "Feature", "id": props["service_request_id"], "geometry": geometry,
            "properties": props}


def _proceedings(fn: Any, *args: Any) -> Any:
    """``fn(session, *args)`` of :mod:`stufenlos.proceedings.export` on the app database."""
    from stufenlos.api.plan_deps import get_store

    with get_store().session() as session:
        return fn(session, *args)


def _proceedings_collection(request: Request) -> dict[str, Any]:
    from stufenlos.proceedings.export import ogc_collection

    meta = _proceedings(ogc_collection)
    base = _base(request)
    return {"id": PROCEEDINGS, "title": meta["title"], "description": meta["description"],
            "extent": {"spatial": {"bbox": [meta["bbox"]], "crs": _CRS84}},
            "crs": [_CRS84], "itemType": "feature",
            "links": [
                {"href": f"{base}/collections/{PROCEEDINGS}", "rel": "self",
                 "type": "application/json"},
                {"href": f"{base}/collections/{PROCEEDINGS}/items", "rel": "items",
                 "type": "application/geo+json", "title": "Features"},
                {"href": "https://www.govdata.de/dl-de/by-2-0", "rel": "license",
                 "title": "Datenlizenz Deutschland – Namensnennung – 2.0"}]}


def _layer_collection(c: Any, x: OgcLayer) -> tuple[str, str, str, list[float]]:
    """(id, title, description, bbox) of an OGC API – Features input layer."""
    places = places_from_ogc(c)
    rows = places[places["layer"] == x.layer]
    title = PLACE_KINDS.get(x.kind, ("", x.layer.replace("_", " ")))[1]
    sample = (f" The saved response is a sample: {x.features:,} of {x.number_matched:,} "
              "features." if x.sample else "")
    desc = (f"{x.features:,} places from {x.source} ({x.licence}; {x.attribution}), "
            f"as of {x.time_stamp or 'an unknown date'}.{sample}")
    bbox = [float(rows["lon"].min()), float(rows["lat"].min()), float(rows["lon"].max()),
            float(rows["lat"].max())] if len(rows) else list(views.city_bbox(c))
    return f"{c.name}-{x.layer.replace('_', '-')}", title, desc, bbox


def _collection(request: Request, city: str, part: str) -> dict[str, Any]:
    if part == PROCEEDINGS:
        return _proceedings_collection(request)
    c = deps.get_city(city)
    if part.startswith(_LAYER):
        x = _layer(c, part)
        cid, what, desc, bbox = _layer_collection(c, x)
        licences = [{"href": x.source_url, "rel": "license",
                     "title": f"{x.attribution} ({x.licence})"}] if x.source_url else []
    else:
        cid, what, desc = f"{city}-{part}", _TITLES[part], _DESCRIPTIONS[part]
        bbox = list(views.city_bbox(c))
        licences = [{"href": s.url, "rel": "license", "title": f"{s.attribution} ({s.licence})"}
                    for s in c.config.sources if s.url]
    title = c.config.title
    base = _base(request)
    return {
        "id": cid,
        "title": f"{title}: {what}",
        "description": desc,
        "extent": {"spatial": {"bbox": [bbox], "crs": _CRS84}},
        "crs": [_CRS84],
        "itemType": "feature",
        "links": [
            {"href": f"{base}/collections/{cid}", "rel": "self", "type": "application/json"},
            {"href": f"{base}/collections/{cid}/items", "rel": "items",
             "type": "application/geo+json", "title": "Features"},
            *licences,
        ],
    }


@router.get("")
def landing(request: Request) -> dict[str, Any]:
    """Landing page."""
    _check_params(request, {"f"})
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return {
        "title": "stufenlos barrier information",
        "description": "Barriers and elevators of every imported city as OGC API – Features.",
        "links": [
            {"href": base, "rel": "self", "type": "application/json", "title": "This document"},
            {"href": f"{root}/openapi.json", "rel": "service-desc",
             "type": "application/vnd.oai.openapi+json;version=3.0", "title": "API definition"},
            {"href": f"{root}/docs", "rel": "service-doc", "type": "text/html",
             "title": "API documentation"},
            {"href": f"{base}/conformance", "rel": "conformance", "type": "application/json"},
            {"href": f"{base}/collections", "rel": "data", "type": "application/json"},
        ],
    }


@router.get("/conformance")
def conformance(request: Request) -> dict[str, list[str]]:
    """Conformance classes this API implements."""
    _check_params(request, {"f"})
    return {"conformsTo": CONFORMANCE}


@router.get("/collections")
def collections(request: Request) -> dict[str, Any]:
    """All collections."""
    _check_params(request, {"f"})
    base = _base(request)
    return {
        "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
        "collections": [_collection(request, city, part) for _, city, part in _collection_ids()],
    }


CollectionId = Annotated[str, Path(description="e.g. hamburg-barriers")]


@router.get("/collections/{collection_id}")
def collection(request: Request, collection_id: CollectionId) -> dict[str, Any]:
    """One collection."""
    _check_params(request, {"f"})
    city, part = _split(collection_id)
    return _collection(request, city, part)


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name}: expected an integer, got {raw!r}") from None
    if not lo <= value <= hi:
        raise HTTPException(400, f"{name}: must be between {lo} and {hi}, got {value}")
    return value


def _ogc_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if raw is None:
        return None
    try:
        parts = [float(p) for p in raw.split(",")]
    except ValueError:
        parts = []
    if len(parts) == 6:  # 3D bbox: drop the heights
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4:
        raise HTTPException(400, f"bbox: expected 4 or 6 numbers, got {raw!r}")
    x0, y0, x1, y1 = parts
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
        raise HTTPException(400, f"bbox: coordinates out of range in {raw!r}")
    if y0 > y1:
        raise HTTPException(400, f"bbox: minimum latitude above maximum in {raw!r}")
    if x0 > x1:
        raise HTTPException(400, f"bbox: boxes across the antimeridian are not supported: {raw!r}")
    return (x0, y0, x1, y1)


def _instant(text: str, *, end: bool) -> datetime:
    """One end of a ``datetime`` value: an RFC 3339 date-time with offset, or a date
    (its first instant as a start, its last as an end), in UTC."""
    try:
        if len(text) == 10:  # full-date
            day = datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
            return day + timedelta(days=1, microseconds=-1) if end else day
        t = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"datetime: {text!r} is not an RFC 3339 date-time "
                                 "(e.g. 2022-09-01T08:00:00Z)") from None
    if t.tzinfo is None:
        raise HTTPException(400, f"datetime: {text!r} needs a UTC offset (Z or +02:00)")
    return t.astimezone(UTC)


def _ogc_datetime(raw: str | None) -> Interval | None:
    """The ``datetime`` parameter as ``(start, end)`` in UTC; ``None`` ends are open.

    An instant ``t`` is ``(t, t)``; intervals are ``start/end`` with ``..`` or nothing
    for an open end.
    """
    if raw is None:
        return None
    if "/" not in raw:
        return _instant(raw, end=False), _instant(raw, end=True)
    parts = raw.split("/")
    if len(parts) != 2:
        raise HTTPException(400, f"datetime: expected an instant or start/end, got {raw!r}")
    start, end = (None if p in ("", "..") else _instant(p, end=i == 1)
                  for i, p in enumerate(parts))
    if start is None and end is None:
        raise HTTPException(400, f"datetime: an interval needs at least one end, got {raw!r}")
    if start is not None and end is not None and start > end:
        raise HTTPException(400, f"datetime: the start is after the end in {raw!r}")
    return start, end


def _feature(b: dict[str, Any]) -> dict[str, Any]:
    # last_checked, checked_by, stale: views.barrier_public (OSM or an operator's feed)
    props = {k: v for k, v in b.items() if k not in ("lat", "lon", "id")}
    return {"type": "Feature", "id": b["id"],
            "geometry": {"type": "Point", "coordinates": [b["lon"], b["lat"]]},
            "properties": props}


_GEOJSON_200: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/geo+json": {}}, "description": "GeoJSON"}}


@router.get("/collections/{collection_id}/items", responses=_GEOJSON_200)
def items(request: Request, collection_id: CollectionId) -> GeoJSONResponse:
    """Features of a collection; ``bbox`` (CRS84) and ``datetime`` filter, ``limit``
    (1–10000) and ``offset`` page them.

    Query parameters: ``bbox=minlon,minlat,maxlon,maxlat``, ``datetime`` (an RFC 3339
    instant or ``start/end`` interval with ``..`` for an open end; reports only, barriers
    carry no time), ``limit`` (default 10), ``offset`` (default 0).
    """
    _check_params(request, _ITEM_PARAMS)
    city, part = _split(collection_id)
    limit = _int(request, "limit", 10, 1, MAX_LIMIT)
    offset = _int(request, "offset", 0, 0, 10_000_000)
    bbox = _ogc_bbox(request.query_params.get("bbox"))
    when = _ogc_datetime(request.query_params.get("datetime"))
    if part == PROCEEDINGS:
        from stufenlos.proceedings.export import ogc_features

        found = [f for f in _proceedings(ogc_features, bbox) if _during(f, when)]
        total, features = len(found), found[offset:offset + limit]
    elif part == "reports":
        found = _reports(city, bbox, when)
        total, features = len(found), [_report_feature(r) for r in found[offset:offset + limit]]
    elif part == "places":
        from stufenlos.venues import venues_of

        venues = venues_of(deps.get_city(city))
        rows = venues.select(bbox=bbox)
        total = len(rows)
        features = venues.to_geojson(rows.iloc[offset:offset + limit], "en")["features"]
    elif part.startswith(_LAYER):
        rows = _layer_places(deps.get_city(city), part, bbox)
        total = len(rows)
        features = [_place_feature(r) for r in rows.iloc[offset:offset + limit].to_dict("records")]
    else:
        c = deps.get_city(city)
        total, page = views.barriers_with_status(c, kinds=_KINDS[part], bbox=bbox, limit=limit,
                                                 offset=offset)
        features = [_feature(b) for b in page]
    base = f"{_base(request)}/collections/{collection_id}/items"
    keep = {k: v for k, v in request.query_params.items() if k in ("bbox", "datetime", "f")}

    def href(off: int) -> str:
        from urllib.parse import urlencode

        return f"{base}?{urlencode({**keep, 'limit': limit, 'offset': off})}"

    links = [{"href": href(offset), "rel": "self", "type": "application/geo+json"},
             {"href": f"{_base(request)}/collections/{collection_id}", "rel": "collection",
              "type": "application/json"}]
    if offset + limit < total:
        links.append({"href": href(offset + limit), "rel": "next", "type": "application/geo+json"})
    if offset > 0:
        links.append({"href": href(max(0, offset - limit)), "rel": "prev",
                      "type": "application/geo+json"})
    return GeoJSONResponse({
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": total,
        "numberReturned": len(features),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    })


def _during(feature: dict[str, Any], when: Interval | None) -> bool:
    """Whether a contribution was made within ``when`` (``None``: any time)."""
    if when is None:
        return True
    made = datetime.fromisoformat(feature["properties"]["created_at"])
    start, end = when
    return (start is None or made >= start) and (end is None or made <= end)


def _layer_places(c: Any, part: str,
                  bbox: tuple[float, float, float, float] | None) -> Any:
    """The stored places of one layer (in import order), within ``bbox``."""
    places = places_from_ogc(c)
    rows = places[places["layer"] == part.removeprefix(_LAYER)]
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        rows = rows[rows["lon"].between(x0, x1) & rows["lat"].between(y0, y1)]
    return rows


def _place_feature(rec: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    props = {k: (None if v is pd.NA or v is None else v) for k, v in rec.items()
             if k not in ("id", "lon", "lat")}
    for k in ("spaces", "disabled_spaces"):
        props[k] = None if props[k] is None else int(props[k])
    return {"type": "Feature", "id": rec["id"],
            "geometry": {"type": "Point", "coordinates": [rec["lon"], rec["lat"]]},
            "properties": props}


def _report_item(city: str, feature_id: str, collection_id: str) -> dict[str, Any]:
    from stufenlos.api.paths import record_id
    from stufenlos.api.routes.open311 import report_service
    from stufenlos.reports.errors import ReportNotFoundError

    rid = record_id(feature_id)
    if rid is None:
        raise HTTPException(404, f"no feature {feature_id!r} in {collection_id}")
    try:
        report = report_service().get(rid)
    except ReportNotFoundError:
        raise HTTPException(404, f"no feature {feature_id!r} in {collection_id}") from None
    if report.jurisdiction != city:
        raise HTTPException(404, f"no feature {feature_id!r} in {collection_id}")
    return _report_feature(report)


@router.get("/collections/{collection_id}/items/{feature_id:path}", responses=_GEOJSON_200)
def item(request: Request, collection_id: CollectionId,
         feature_id: Annotated[str, Path(description="e.g. node/123/kerb")]) -> GeoJSONResponse:
    """One feature by id (ids look like ``node/123/kerb``)."""
    _check_params(request, {"f"})
    city, part = _split(collection_id)
    if part == PROCEEDINGS:
        from stufenlos.proceedings.export import ogc_feature

        found = _proceedings(ogc_feature, feature_id)
        if found is None:
            raise HTTPException(404, f"no feature {feature_id!r} in {collection_id}")
        feat = found
    elif part == "reports":
        feat = _report_item(city, feature_id, collection_id)
    elif part == "places":
        from stufenlos.venues import venues_of

        venues = venues_of(deps.get_city(city))
        row = venues.get(feature_id)
        if row is None:
            raise HTTPException(404, f"no feature {feature_id!r} in {collection_id}")
        feat = venues.to_geojson(venues.table[venues.table["id"] == feature_id], "en")[
            "features"][0]
    elif part.startswith(_LAYER):
        rows = _layer_places(deps.get_city(city), part, None)
        rows = rows[rows["id"] == feature_id]
        if rows.empty:
            raise HTTPException(404, f"no feature {feature_id!r} in {collection_id}")
        feat = _place_feature(rows.iloc[0].to_dict())
    else:
        c = deps.get_city(city)
        rec = BarrierStore(c.database_path).get(feature_id)
        kinds = _KINDS[part]
        if rec is None or (kinds is not None and rec["kind"] not in kinds):
            raise HTTPException(404, f"no feature {feature_id!r} in {collection_id}")
        feat = _feature(views.barrier_public(rec, views._closed_arcs(c)))
    base = f"{_base(request)}/collections/{collection_id}"
    feat["links"] = [
        {"href": f"{base}/items/{feature_id}", "rel": "self", "type": "application/geo+json"},
        {"href": base, "rel": "collection", "type": "application/json"},
    ]
    return GeoJSONResponse(feat)
