"""Moderation API: queue, accept/reject/status, hide, merge duplicates, edit, audit log.

Moderators authenticate with ``Authorization: Bearer <token>`` (tokens come
from ``stufenlos reports add-moderator``; only Argon2 hashes are stored) or
with the session cookie set by ``POST /moderation/login``. Actions take
form-encoded fields (so plain HTML forms work) and answer JSON, or redirect
back to the moderator page when the browser asks for HTML.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from stufenlos.api.errors import ERROR_RESPONSES
from stufenlos.api.routes.open311 import client_of, read_form, report_service, request_record
from stufenlos.api.templating import LANGUAGES
from stufenlos.reports.errors import AuthenticationError, ReportInputError
from stufenlos.reports.models import AuditEntry, Moderator
from stufenlos.reports.service import ReportService

__all__ = ["SESSION_COOKIE", "current_moderator", "router"]

router = APIRouter(prefix="/moderation", tags=["moderation"], responses=ERROR_RESPONSES)

SESSION_COOKIE = "stufenlos_moderator"


def current_moderator(request: Request) -> Moderator:
    """The authenticated moderator, from a bearer token or the session cookie.

    Wrong tokens count per client (setting ``login_rate``); too many get 429.
    """
    svc = report_service()
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer":
            msg = "use `Authorization: Bearer <moderator token>`"
            raise AuthenticationError(msg)
        with svc.login_attempt(client_of(request)):
            return svc.authenticate_token(token.strip())
    return svc.authenticate_session(request.cookies.get(SESSION_COOKIE))


ModeratorDep = Annotated[Moderator, Depends(current_moderator)]


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _field(fields: dict[str, list[str]], name: str, *, required: bool = False) -> str | None:
    values = fields.get(name) or []
    value = values[0] if values else None
    if required and not (value or "").strip():
        msg = "is required"
        raise ReportInputError(msg, field=name)
    return value


def _done(request: Request, report: Any) -> Response:
    if _wants_html(request):  # the page then says what the action did
        lang = request.query_params.get("lang")
        suffix = f"&lang={lang}" if lang in ("de", "en") else ""
        return RedirectResponse(f"/moderation?done={report.id}{suffix}", status_code=303)
    return JSONResponse(_moderation_record(report, request))


def _moderation_record(report: Any, request: Request) -> dict[str, Any]:
    """Public fields plus what moderators need (never the contact e-mail).

    ``closures`` and ``closes`` say what the report does to routing now, from
    the stored closures (``closes``: in words, German and English, or why it
    closes nothing; ``null`` while it is not in force).
    """
    svc = report_service()
    rec = request_record(report, request)
    effect = svc.current_effect(report.id)
    rec.update({
        "hidden": report.hidden,
        "hidden_reason": report.hidden_reason,
        "attributes": report.attributes or {},
        "jurisdiction": report.jurisdiction,
        "closures": [c.to_dict() for c in svc.closures_of(report.id)],
        "closes": effect.to_dict() if effect is not None else None,
    })
    return rec


def _audit_record(a: AuditEntry) -> dict[str, Any]:
    return {"id": a.id, "datetime": a.at.isoformat().replace("+00:00", "Z"), "actor": a.actor,
            "action": a.action, "report_id": a.report_id, "detail": a.detail}


@router.post("/login", summary="Start a moderator session")
async def login(request: Request) -> Response:
    """Exchange a moderator token (form field ``token``) for a session cookie."""
    svc = report_service()
    fields, _ = await read_form(request)
    with svc.login_attempt(client_of(request)):  # slows down token guessing
        mod = await run_in_threadpool(svc.authenticate_token, _field(fields, "token") or "")
    cookie = await run_in_threadpool(svc.open_session, mod)
    lang = request.query_params.get("lang")
    page = f"/moderation?lang={lang}" if lang in LANGUAGES else "/moderation"
    resp: Response = (RedirectResponse(page, status_code=303) if _wants_html(request)
                      else JSONResponse({"moderator": mod.name}))
    resp.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict",
                    secure=request.url.scheme == "https", max_age=8 * 3600, path="/")
    return resp


@router.post("/logout", summary="End the moderator session", status_code=303,
             response_class=RedirectResponse,
             responses={303: {"description": "Back to the moderation page"}})
def logout(request: Request) -> Response:
    """Forget the session cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        report_service().close_session(cookie)
    resp = RedirectResponse("/moderation", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/api/queue", summary="Reports waiting for moderation")
def queue(request: Request, moderator: ModeratorDep) -> list[dict[str, Any]]:
    """Submitted, hidden and flagged reports, oldest first.

    ``would_close`` says what accepting a report would close for routing (the
    same answer as ``/api/reports/{id}/preview``).
    """
    out = []
    for entry in report_service().queue():
        rec = _moderation_record(entry["report"], request)
        rec["flags"] = entry["flags"]
        rec["fixed_votes"] = entry["fixed_votes"]
        rec["would_close"] = entry["would_close"].to_dict()
        out.append(rec)
    return out


@router.get("/api/reports/{report_id:id}", summary="One report, as moderators see it")
def get_report(report_id: int, request: Request, moderator: ModeratorDep) -> dict[str, Any]:
    """A report including hidden and rejected ones."""
    return _moderation_record(report_service().get(report_id, public=False), request)


@router.get("/api/reports/{report_id:id}/photo", summary="A report's photo, for moderators",
            response_class=Response,
            responses={200: {"content": {"image/jpeg": {}},
                             "description": "The photo, re-encoded without metadata"}})
def photo(report_id: int, moderator: ModeratorDep) -> Response:
    """The photo of any report, also one not yet public (the queue's thumbnail)."""
    found = report_service().photo(report_id, public=False)
    return Response(found.data, media_type=found.content_type,
                    headers={"Cache-Control": "private, no-store"})


@router.get("/api/reports/{report_id}/preview", summary="What accepting a report would close")
def preview(report_id: int, moderator: ModeratorDep) -> dict[str, Any]:
    """What Accept would close for routing, computed as accepting does (nothing is written).

    ``targets`` are the closures it would store; ``nothing`` says why there
    are none (``not_blocking``, ``no_way``, ``no_elevator``, ``address_not_located``,
    ``not_imported``, ...); ``de`` and ``en`` say it in words.
    """
    return {"report_id": report_id, **report_service().preview(report_id).to_dict()}


@router.get("/api/audit", summary="The audit log")
def audit(moderator: ModeratorDep, report_id: int | None = None,
          limit: int = 200) -> list[dict[str, Any]]:
    """Newest audit entries first."""
    limit = max(1, min(limit, 1000))
    return [_audit_record(a) for a in report_service().audit_log(report_id=report_id, limit=limit)]


async def _act(request: Request, moderator: Moderator, report_id: int, action: str) -> Response:
    svc: ReportService = report_service()
    fields, _ = await read_form(request)
    actor = moderator.name
    note = _field(fields, "note")
    if action == "accept":
        report = await run_in_threadpool(svc.accept, report_id, actor=actor, note=note)
    elif action == "reject":
        report = await run_in_threadpool(svc.reject, report_id, actor=actor, note=note)
    elif action == "status":
        status = _field(fields, "status", required=True) or ""
        agency = _field(fields, "agency_responsible")
        expected = _field(fields, "expected_datetime")
        expected_at = None
        if expected:
            from stufenlos.reports.service import parse_datetime

            expected_at = parse_datetime(expected, field="expected_datetime", day_end=True)
        report = await run_in_threadpool(svc.set_status, report_id, status, actor=actor,
                                         note=note, expected_at=expected_at, agency=agency)
    elif action == "hide":
        reason = _field(fields, "reason", required=True) or ""
        report = await run_in_threadpool(svc.hide, report_id, actor=actor, reason=reason)
    elif action == "unhide":
        report = await run_in_threadpool(svc.unhide, report_id, actor=actor)
    elif action == "merge":
        into = _field(fields, "into", required=True) or ""
        if not into.isdigit():
            msg = "must be a report id"
            raise ReportInputError(msg, field="into")
        report = await run_in_threadpool(svc.merge, report_id, into=int(into), actor=actor,
                                         note=note)
    elif action == "edit":
        text = _field(fields, "description", required=True) or ""
        report = await run_in_threadpool(svc.edit, report_id, actor=actor, description=text,
                                         note=note)
    else:  # pragma: no cover - routes below list the actions
        msg = f"unknown action {action!r}"
        raise ReportInputError(msg, field="action")
    return _done(request, report)


@router.post("/api/reports/{report_id:id}/accept", summary="Accept (publish) a report")
async def accept(report_id: int, request: Request, moderator: ModeratorDep) -> Response:
    """Status ``open``; blocking kinds now close their edges for routing."""
    return await _act(request, moderator, report_id, "accept")


@router.post("/api/reports/{report_id:id}/reject", summary="Reject a report")
async def reject(report_id: int, request: Request, moderator: ModeratorDep) -> Response:
    """Status ``rejected``; the report leaves the public lists."""
    return await _act(request, moderator, report_id, "reject")


@router.post("/api/reports/{report_id:id}/status", summary="Change a report's status")
async def set_status(report_id: int, request: Request, moderator: ModeratorDep) -> Response:
    """Fields ``status``, ``note``, optional ``agency_responsible`` and ``expected_datetime``."""
    return await _act(request, moderator, report_id, "status")


@router.post("/api/reports/{report_id:id}/hide", summary="Hide a report")
async def hide(report_id: int, request: Request, moderator: ModeratorDep) -> Response:
    """Field ``reason``; hidden reports are not public and do not affect routing."""
    return await _act(request, moderator, report_id, "hide")


@router.post("/api/reports/{report_id:id}/unhide", summary="Show a hidden report again")
async def unhide(report_id: int, request: Request, moderator: ModeratorDep) -> Response:
    """Undo :func:`hide` (or an automatic hide after abuse flags)."""
    return await _act(request, moderator, report_id, "unhide")


@router.post("/api/reports/{report_id:id}/merge", summary="Merge a duplicate")
async def merge(report_id: int, request: Request, moderator: ModeratorDep) -> Response:
    """Field ``into``: the report this one duplicates."""
    return await _act(request, moderator, report_id, "merge")


@router.post("/api/reports/{report_id:id}/edit", summary="Edit a report's text")
async def edit(report_id: int, request: Request, moderator: ModeratorDep) -> Response:
    """Field ``description`` (sanitised), optional public ``note``."""
    return await _act(request, moderator, report_id, "edit")
