"""Open311 GeoReport v2 wire format: JSON/XML answers, form and query parsing.

The route functions in :mod:`stufenlos.api.routes.open311` (and the report pages)
use these helpers to read what a client sends -- form bodies with a hard size
limit, GET arguments, ``jurisdiction_id`` -- and to answer in the spec's JSON or
XML shape, errors included.
"""

from __future__ import annotations

import datetime as dt
import math
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from stufenlos._util import xml_text
from stufenlos.errors import StufenlosError
from stufenlos.reports.catalogue import get_service
from stufenlos.reports.errors import (
    JurisdictionNotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ReportInputError,
)
from stufenlos.reports.export import public_record
from stufenlos.reports.models import Report
from stufenlos.reports.privacy import MAX_PHOTO_BYTES, clean_photo
from stufenlos.reports.service import Submission, parse_datetime
from stufenlos.reports.store import ReportQuery

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_FORM_FIELDS",
    "MAX_QUERY_DAYS",
    "MAX_RESULTS",
    "PREFIX",
    "city_near",
    "error_response",
    "jurisdiction_of",
    "media_base",
    "query_from_params",
    "read_form",
    "render",
    "request_record",
    "submission_from_form",
]

PREFIX = "/open311/v2"

#: largest accepted request body (a photo plus the text fields)
MAX_BODY_BYTES = MAX_PHOTO_BYTES + 64 * 1024
MAX_FORM_FIELDS = 100
MAX_QUERY_DAYS = 90
MAX_RESULTS = 1000
def jurisdiction_of(jurisdiction_id: str | None) -> str | None:
    """The city a ``jurisdiction_id`` names; the only configured city when omitted."""
    from stufenlos.config import discover_cities

    try:
        cities = discover_cities()
    except StufenlosError:
        cities = {}
    if jurisdiction_id is None or jurisdiction_id == "":
        return next(iter(cities)) if len(cities) == 1 else None
    if jurisdiction_id not in cities:
        known = ", ".join(sorted(cities)) or "none"
        msg = f"unknown `jurisdiction_id` {jurisdiction_id!r} (known: {known})"
        raise JurisdictionNotFoundError(msg)
    return jurisdiction_id


def city_near(lat: float, lon: float, *, max_km: float = 25.0) -> str | None:
    """The configured city whose centre is nearest to (lat, lon), within ``max_km``."""
    from stufenlos.config import discover_cities

    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    try:
        cities = discover_cities()
    except StufenlosError:
        return None
    best: tuple[float, str] | None = None
    for name, cfg in cities.items():
        if cfg.center is None:
            continue
        clat, clon = cfg.center
        # equirectangular distance: plenty for "which city is this in"
        dx = math.radians(lon - clon) * math.cos(math.radians((lat + clat) / 2))
        km = 6371.0 * math.hypot(dx, math.radians(lat - clat))
        if km <= max_km and (best is None or km < best[0]):
            best = (km, name)
    return best[1] if best else None


# -- rendering ---------------------------------------------------------------------------


def _xml_value(parent: ET.Element, key: str, value: Any) -> None:
    el = ET.SubElement(parent, key)
    if value is None:
        return
    if isinstance(value, bool):
        el.text = "true" if value else "false"
    elif isinstance(value, list):
        child_tag = {"attributes": "attribute", "values": "value", "events": "event",
                     "endpoints": "endpoint", "formats": "format"}.get(key, "item")
        for item in value:
            if isinstance(item, Mapping):
                _xml_dict(ET.SubElement(el, child_tag), item)
            else:
                _xml_value(el, child_tag, item)
    elif isinstance(value, dict):
        _xml_dict(el, value)
    else:
        el.text = xml_text(str(value))  # texts are cleaned on input; older rows may not be


def _xml_dict(el: ET.Element, data: Mapping[str, Any]) -> None:
    for k, v in data.items():
        _xml_value(el, k, v)


def render(fmt: str, root: str, item: str | None, data: Any, status: int = 200) -> Response:
    """``data`` as JSON, or as GeoReport XML with ``root`` (and ``item`` per list element)."""
    if fmt == "xml":
        top = ET.Element(root)
        if item is None:
            _xml_dict(top, data)
        else:
            for entry in data:
                _xml_dict(ET.SubElement(top, item), entry)
        body = ET.tostring(top, encoding="unicode")
        return Response(
            content='<?xml version="1.0" encoding="utf-8"?>\n' + body,
            status_code=status,
            media_type="text/xml; charset=utf-8",
        )
    return JSONResponse(content=data, status_code=status)


def error_response(fmt: str, exc: StufenlosError) -> Response:
    """The spec's error list for ``exc``, with its HTTP status."""
    entry: dict[str, Any] = {"code": exc.http_status, "description": str(exc)}
    field = getattr(exc, "field", None)
    if field:
        entry["field"] = field
    resp = render(fmt if fmt == "xml" else "json", "errors", "error", [entry], exc.http_status)
    if isinstance(exc, RateLimitedError):
        resp.headers["Retry-After"] = str(exc.retry_after_s)
    return resp


def _fmt(fmt: str, allowed: tuple[str, ...] = ("json", "xml")) -> str:
    if fmt not in allowed:
        msg = f"format must be one of {', '.join(allowed)}, got {fmt!r}"
        raise ReportInputError(msg, field="format")
    return fmt


def media_base(request: Request) -> str:
    """Absolute URL prefix of report photos."""
    return str(request.base_url).rstrip("/") + PREFIX + "/media"


def request_record(report: Report, request: Request) -> dict[str, Any]:
    """A report as a GeoReport v2 request (public fields only)."""
    return public_record(report, media_base=media_base(request))


# -- form parsing ------------------------------------------------------------------------


async def read_form(request: Request) -> tuple[dict[str, list[str]], bytes | None]:
    """Fields of a form-encoded or multipart body, and an uploaded ``media`` file.

    The body is read with a hard size limit before anything is parsed.
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        msg = f"request body is {declared} bytes; the limit is {MAX_BODY_BYTES}"
        raise PayloadTooLargeError(msg, field="body")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            msg = f"request body exceeds {MAX_BODY_BYTES} bytes"
            raise PayloadTooLargeError(msg, field="body")
        chunks.append(chunk)
    body = b"".join(chunks)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fields: dict[str, list[str]] = {}
    media: bytes | None = None
    if not body and not ctype:
        return fields, None
    if ctype == "application/x-www-form-urlencoded":
        try:
            text = body.decode("utf-8")
            pairs = urllib.parse.parse_qsl(
                text,
                keep_blank_values=True,
                strict_parsing=False,
                max_num_fields=MAX_FORM_FIELDS,
                errors="strict",
            )
        except (UnicodeDecodeError, ValueError) as exc:
            msg = f"cannot parse the form body: {type(exc).__name__}"
            raise ReportInputError(msg, field="body") from None
        for k, v in pairs:
            fields.setdefault(k, []).append(v)
    elif ctype == "multipart/form-data":
        request._body = body  # let Starlette parse the already size-checked body
        try:
            form = await request.form(
                max_files=1, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_PHOTO_BYTES + 1
            )
        except Exception as exc:  # Starlette raises its own HTTPException/MultiPartException
            msg = f"cannot parse the multipart body: {getattr(exc, 'detail', exc)}"
            raise ReportInputError(msg, field="body") from None
        try:
            for k, v in form.multi_items():
                if isinstance(v, str):
                    fields.setdefault(k, []).append(v)
                elif k == "media":
                    media = await v.read()
                else:
                    msg = "only the `media` field may carry a file"
                    raise ReportInputError(msg, field=k)
        finally:
            await form.close()
    else:
        msg = (
            "send the form as application/x-www-form-urlencoded "
            f"(or multipart/form-data with a photo), got {ctype or 'no content type'!r}"
        )
        raise ReportInputError(msg, field="content-type")
    return fields, media


def _one(fields: Mapping[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    if not values:
        return None
    if len(values) > 1:
        msg = "given more than once"
        raise ReportInputError(msg, field=name)
    return values[0]


def _float(fields: Mapping[str, list[str]], name: str) -> float | None:
    raw = _one(fields, name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return float(raw)
    except ValueError:
        msg = f"{raw[:40]!r} is not a number"
        raise ReportInputError(msg, field=name) from None


def _attributes(fields: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """``attribute[code]=v`` and ``attribute[code][]=v`` fields, by code."""
    out: dict[str, list[str]] = {}
    for key, values in fields.items():
        if not key.startswith("attribute["):
            continue
        inner = key[len("attribute[") :]
        code, sep, rest = inner.partition("]")
        if not sep or not code or rest not in ("", "[]"):
            msg = "attributes are sent as attribute[code]=value"
            raise ReportInputError(msg, field=key[:60])
        out.setdefault(code, []).extend(values)
    return out


def submission_from_form(fields: Mapping[str, list[str]], media: bytes | None) -> Submission:
    """A :class:`Submission` from GeoReport v2 POST fields.

    Names, phone, device and account ids are not stored (anonymity by default);
    ``media_url`` pointing elsewhere is ignored (we never fetch remote content).
    """
    service_code = _one(fields, "service_code")
    if not service_code:
        msg = "is required"
        raise ReportInputError(msg, field="service_code")
    get_service(service_code)
    lat, lon = _float(fields, "lat"), _float(fields, "long")
    jurisdiction = jurisdiction_of(_one(fields, "jurisdiction_id"))
    if jurisdiction is None and lat is not None and lon is not None:
        jurisdiction = city_near(lat, lon)
    return Submission(
        service_code=service_code,
        lat=lat,
        lon=lon,
        address_string=_one(fields, "address_string"),
        address_id=_one(fields, "address_id"),
        description=_one(fields, "description"),
        attributes=_attributes(fields),
        email=_one(fields, "email"),
        jurisdiction=jurisdiction,
        photo=clean_photo(media) if media else None,
    )


def query_from_params(params: Mapping[str, str]) -> ReportQuery:
    """A :class:`ReportQuery` from GeoReport v2 GET requests arguments (plus ``bbox``)."""
    ids_raw = params.get("service_request_id")
    if ids_raw:
        try:
            ids = [int(x) for x in ids_raw.split(",") if x.strip()]
        except ValueError:
            msg = "must be comma-separated numbers"
            raise ReportInputError(msg, field="service_request_id") from None
        return ReportQuery(ids=ids[:MAX_RESULTS], limit=MAX_RESULTS)
    codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
    for code in codes:
        get_service(code)
    statuses = [s.strip() for s in params.get("status", "").split(",") if s.strip()]
    for status in statuses:
        if status not in ("open", "closed"):
            msg = f"must be open or closed, got {status[:20]!r}"
            raise ReportInputError(msg, field="status")
    now = dt.datetime.now(dt.UTC)
    span = dt.timedelta(days=MAX_QUERY_DAYS)
    start = (parse_datetime(params["start_date"], field="start_date")
             if params.get("start_date") else None)
    end = (parse_datetime(params["end_date"], field="end_date", day_end=True)
           if params.get("end_date") else None)
    if start is None and end is None:
        start = now - span
    elif start is None:
        start = end - span  # type: ignore[operator]
    elif end is None:
        end = min(now, start + span)
    if end is not None and end < start:
        msg = "lies before start_date"
        raise ReportInputError(msg, field="end_date")
    if end is not None and end - start > span:
        msg = f"start_date and end_date may not span more than {MAX_QUERY_DAYS} days"
        raise ReportInputError(msg, field="end_date")
    bbox = None
    if params.get("bbox"):
        try:
            parts = [float(x) for x in params["bbox"].split(",")]
        except ValueError:
            parts = []
        if len(parts) != 4 or not (
            -180 <= parts[0] <= parts[2] <= 180 and -90 <= parts[1] <= parts[3] <= 90
        ):
            msg = "must be min_long,min_lat,max_long,max_lat in WGS84"
            raise ReportInputError(msg, field="bbox")
        bbox = (parts[0], parts[1], parts[2], parts[3])
    limit = MAX_RESULTS
    if params.get("limit"):
        if not params["limit"].isdigit() or not 1 <= int(params["limit"]) <= MAX_RESULTS:
            msg = f"must be a number from 1 to {MAX_RESULTS}"
            raise ReportInputError(msg, field="limit")
        limit = int(params["limit"])
    return ReportQuery(
        service_codes=codes or None,
        open311_statuses=statuses or None,
        start=start,
        end=end,
        bbox=bbox,
        jurisdiction=jurisdiction_of(params.get("jurisdiction_id"))
        if params.get("jurisdiction_id")
        else None,
        limit=limit,
    )
