"""Open311 GeoReport v2: services, service definitions, requests, tokens (JSON and XML).

Paths follow the spec's shape under ``/open311/v2`` (``services.json``,
``services/{code}.xml``, ``requests.json``, ``requests/{id}.json``,
``tokens/{token}.json``); ``jurisdiction_id`` is accepted everywhere and must
name a configured city when given. POST takes form fields exactly as the spec
documents them (``application/x-www-form-urlencoded``; ``multipart/form-data``
additionally accepts a ``media`` photo). Errors answer in the spec's error
format: a list of ``{code, description}`` (plus the offending ``field``).

Extensions: ``requests.geojson`` / ``requests.csv`` exports, a public history
per request, confirmations ("still there" / "fixed"), abuse flags, photos.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from stufenlos.api.errors import ERROR_RESPONSES
from stufenlos.api.open311_format import (
    PREFIX,
    _fmt,
    _one,
    city_near,
    error_response,
    jurisdiction_of,
    media_base,
    query_from_params,
    read_form,
    render,
    request_record,
    submission_from_form,
)
from stufenlos.api.paths import record_id
from stufenlos.db import database_url
from stufenlos.errors import StufenlosError
from stufenlos.reports.catalogue import SERVICES, get_service
from stufenlos.reports.errors import ReportNotFoundError
from stufenlos.reports.export import to_csv, to_geojson
from stufenlos.reports.service import ReportService, Submission
from stufenlos.reports.store import ReportStore

__all__ = ["city_near", "client_of", "jurisdiction_of", "mail_context", "read_form",
           "report_service", "router"]

logger = logging.getLogger(__name__)

_MEDIA = {"application/json": {}, "text/xml": {}, "application/geo+json": {}, "text/csv": {}}
router = APIRouter(
    prefix=PREFIX,
    tags=["open311"],
    responses={200: {"description": "JSON or GeoReport XML, by the path's format",
                     "content": _MEDIA},
               201: {"description": "Created", "content": _MEDIA}, **ERROR_RESPONSES},
)

#: the response format in the path (``.json`` or ``.xml``); documented as an enum, while
#: the handlers answer any other value with the spec's 400 error list
Fmt = Annotated[str, Path(description="response format",
                          json_schema_extra={"enum": ["json", "xml"]})]
#: the list of requests also exports as GeoJSON and CSV
ListFmt = Annotated[str, Path(description="response format",
                              json_schema_extra={"enum": ["json", "xml", "geojson", "csv"]})]

_services: dict[str, ReportService] = {}
_services_lock = threading.Lock()


def report_service() -> ReportService:
    """The :class:`ReportService` for the configured ``DATABASE_URL`` (one per process)."""
    url = database_url()
    svc = _services.get(url)
    if svc is None:
        with _services_lock:
            svc = _services.get(url)
            if svc is None:
                svc = ReportService(ReportStore(url))
                _services[url] = svc
    return svc


def client_of(request: Request) -> str:
    """The salted hash that identifies a client for rate limits and votes.

    The client is the connection's peer; behind a proxy listed in the setting
    ``trusted_proxies`` it is the address that proxy forwarded (see
    :mod:`stufenlos.api.middleware`), never an ``X-Forwarded-For`` anyone can send.
    """
    return report_service().client_id(request.client.host if request.client else None)


def mail_context(submission: Submission, request: Request) -> None:
    """Give ``submission`` the language (``?lang=``, ``Accept-Language``) and the site
    address for the reporter's mails."""
    from stufenlos.api.templating import page_language

    submission.lang = page_language(request)
    submission.base_url = str(request.base_url)


# -- endpoints ---------------------------------------------------------------------------


@router.get("/discovery.{fmt}", summary="Open311 service discovery")
def discovery(request: Request, fmt: Fmt) -> Response:
    """Where the GeoReport v2 endpoint is and which formats it speaks."""
    try:
        fmt = _fmt(fmt)
    except StufenlosError as exc:
        return error_response("json", exc)
    url = str(request.base_url).rstrip("/") + PREFIX + "/"
    data = {
        "changeset": "2026-11-27T00:00:00Z",
        "contact": "See the project README.",
        "key_service": "No API key needed; reports are anonymous.",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": url,
                "changeset": "2026-11-27T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(fmt, "discovery", None, data)


@router.get("/services.{fmt}", summary="GET Service List")
def services(fmt: Fmt, jurisdiction_id: str | None = None) -> Response:
    """The barrier types that can be reported."""
    try:
        fmt = _fmt(fmt)
        jurisdiction_of(jurisdiction_id)
    except StufenlosError as exc:
        return error_response(fmt, exc)
    return render(fmt, "services", "service", [s.to_open311() for s in SERVICES.values()])


@router.get("/services/{service_code}.{fmt}", summary="GET Service Definition")
def service_definition(service_code: str, fmt: Fmt, jurisdiction_id: str | None = None) -> Response:
    """The attributes of one barrier type."""
    try:
        fmt = _fmt(fmt)
        jurisdiction_of(jurisdiction_id)
        service = get_service(service_code)
    except StufenlosError as exc:
        return error_response(fmt, exc)
    return render(fmt, "service_definition", None, service.definition())


@router.post("/requests.{fmt}", summary="POST Service Request", status_code=201)
async def create_request(request: Request, fmt: Fmt) -> Response:
    """Submit a barrier report (anonymous; e-mail optional and never published)."""
    try:
        fmt = _fmt(fmt)
        svc = report_service()
        client = client_of(request)
        svc.check_rate(client, kind="submit")
        fields, media = await read_form(request)
        submission = await run_in_threadpool(submission_from_form, fields, media)
        mail_context(submission, request)
        report = await run_in_threadpool(svc.submit, submission, client=client)
    except StufenlosError as exc:
        return error_response(fmt, exc)
    # The token is the reporter's key to a report that is not public yet
    # (GeoReport v2: `tokens/{token}`; our page `/reports/mine/{token}`).
    data = [
        {
            "service_request_id": str(report.id),
            "token": report.token,
            "service_notice": report.status_notes,
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", "request", data, status=201)


@router.get("/requests.{fmt}", summary="GET Service Requests")
def list_requests(request: Request, fmt: ListFmt) -> Response:
    """Public reports, filtered by id, service_code, status, dates and ``bbox``."""
    try:
        fmt = _fmt(fmt, ("json", "xml", "geojson", "csv"))
        query = query_from_params(request.query_params)
        reports = report_service().list(query)
    except StufenlosError as exc:
        return error_response(fmt, exc)
    if fmt == "geojson":
        return Response(
            to_geojson(reports, media_base=media_base(request)), media_type="application/geo+json"
        )
    if fmt == "csv":
        return Response(
            to_csv(reports, media_base=media_base(request)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="reports.csv"'},
        )
    return render(fmt, "service_requests", "request", [request_record(r, request) for r in reports])


@router.get("/requests/{service_request_id}.{fmt}", summary="GET Service Request")
def get_request(
    request: Request, service_request_id: str, fmt: Fmt, jurisdiction_id: str | None = None
) -> Response:
    """One public report."""
    try:
        fmt = _fmt(fmt)
        jurisdiction_of(jurisdiction_id)
        report = report_service().get(_report_id(service_request_id))
    except StufenlosError as exc:
        return error_response(fmt, exc)
    return render(fmt, "service_requests", "request", [request_record(report, request)])


@router.get("/tokens/{token}.{fmt}", summary="GET service_request_id from a token")
def get_token(token: str, fmt: Fmt, jurisdiction_id: str | None = None) -> Response:
    """The request id for a token."""
    try:
        fmt = _fmt(fmt)
        jurisdiction_of(jurisdiction_id)
        report = report_service().by_token(token[:100])
    except StufenlosError as exc:
        return error_response(fmt, exc)
    return render(
        fmt,
        "service_requests",
        "request",
        [{"service_request_id": str(report.id), "token": report.token}],
    )


@router.get("/requests/{service_request_id}/history.{fmt}", summary="Public history (extension)")
def history(service_request_id: str, fmt: Fmt) -> Response:
    """Every public step of a report: status changes with notes, confirmations, merges."""
    try:
        fmt = _fmt(fmt)
        svc = report_service()
        report_id = _report_id(service_request_id)
        report = svc.get(report_id)
        counts = svc.confirmations(report_id)
    except StufenlosError as exc:
        return error_response(fmt, exc)
    events = [
        {
            "datetime": e.at.isoformat().replace("+00:00", "Z"),
            "kind": e.kind,
            "status": e.status,
            "note": e.note,
        }
        for e in report.events
    ]
    data = {"service_request_id": str(report_id), "confirmations": counts, "events": events}
    return render(fmt, "history", None, data)


def _form_body(field: str, values: list[str] | None = None) -> dict[str, Any]:
    """OpenAPI for a form-encoded body with one required field."""
    prop: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 200,
                            "pattern": r"\S"}
    if values:
        prop["enum"] = values
    schema = {"type": "object", "required": [field], "properties": {field: prop}}
    return {"requestBody": {"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": schema}}}}


@router.post(
    "/requests/{service_request_id}/confirmations.{fmt}", summary="Confirm a report (extension)",
    openapi_extra=_form_body("kind", ["still_there", "fixed"]),
)
async def confirm(request: Request, service_request_id: str, fmt: Fmt) -> Response:
    """Say the barrier is ``still_there`` or ``fixed`` (form field ``kind``)."""
    try:
        fmt = _fmt(fmt)
        svc = report_service()
        client = client_of(request)
        svc.check_rate(client, kind="public")
        fields, _ = await read_form(request)
        counts = await run_in_threadpool(
            svc.confirm,
            _report_id(service_request_id),
            kind=_one(fields, "kind") or "",
            client=client,
        )
    except StufenlosError as exc:
        return error_response(fmt, exc)
    return render(fmt, "confirmations", None, counts)


@router.post("/requests/{service_request_id}/flags.{fmt}", summary="Flag abuse (extension)",
             openapi_extra=_form_body("reason"))
async def flag(request: Request, service_request_id: str, fmt: Fmt) -> Response:
    """Flag a report as abusive (form field ``reason``); enough flags hide it."""
    try:
        fmt = _fmt(fmt)
        svc = report_service()
        client = client_of(request)
        svc.check_rate(client, kind="public")
        fields, _ = await read_form(request)
        await run_in_threadpool(
            svc.flag,
            _report_id(service_request_id),
            reason=_one(fields, "reason") or "",
            client=client,
        )
    except StufenlosError as exc:
        return error_response(fmt, exc)
    return render(fmt, "flag", None, {"received": True})


@router.get("/media/{service_request_id}.jpg", summary="Report photo (extension)")
def media(service_request_id: str) -> Response:
    """A report's photo, re-encoded without metadata."""
    try:
        photo = report_service().photo(_report_id(service_request_id))
    except StufenlosError as exc:
        return error_response("json", exc)
    return Response(
        photo.data,
        media_type=photo.content_type,
        headers={"Cache-Control": "public, max-age=86400"},
    )


def _report_id(raw: str) -> int:
    rid = record_id(raw)
    if rid is None:
        msg = f"no report with `service_request_id` {raw[:40]!r}"
        raise ReportNotFoundError(msg)
    return rid
