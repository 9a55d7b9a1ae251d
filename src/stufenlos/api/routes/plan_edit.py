"""Editor pages for staff: publish a quarterly update, change a milestone's status.

The browser asks for the editor's name and secret (HTTP Basic). Each form
carries a token derived from the editor's stored secret hash, and a POST whose
``Origin`` is another site is refused (:class:`stufenlos.api.middleware.CrossSiteGuard`),
so other sites cannot post in an editor's name. The same checks and audit log as the JSON API apply.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPBasicCredentials
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from stufenlos.api.plan_deps import basic_auth, editor_from, get_store, today
from stufenlos.api.templating import page_language, render
from stufenlos.plan import service
from stufenlos.plan.models import MILESTONE_STATUSES, Body, Commitment, Editor, Milestone

__all__ = ["router"]

router = APIRouter(tags=["plan"], include_in_schema=False)
Credentials = Annotated[HTTPBasicCredentials | None, Depends(basic_auth)]
Store = Annotated[service.PlanStore, Depends(get_store)]


def form_token(editor: Editor) -> str:
    """The anti-forgery token of an editor's forms (changes when the secret changes)."""
    key = editor.secret_hash.encode("utf-8")
    return hmac.new(key, f"plan-edit:{editor.username}".encode(), hashlib.sha256).hexdigest()


def _check_post(editor: Editor, token: str) -> None:
    if not hmac.compare_digest(token, form_token(editor)):
        raise HTTPException(status_code=403, detail="form token does not match; reload the page")


def _page(
    request: Request,
    store: service.PlanStore,
    editor: Editor,
    *,
    message: str | None = None,
    errors: list[str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with store.session() as session:
        commitments = [
            service.commitment_detail(session, c.slug, today=today())
            for c in session.scalars(select(Commitment).order_by(Commitment.position))
        ]
        milestones = [
            service.to_dict(m)
            for m in session.scalars(
                select(Milestone).order_by(Milestone.commitment_id, Milestone.position)
            )
        ]
        bodies = [service.to_dict(b) for b in session.scalars(select(Body).order_by(Body.id))]
    ctx = {
        "editor": {"username": editor.username, "roles": editor.roles},
        "can_edit": "edit" in editor.roles or "admin" in editor.roles,
        "token": form_token(editor),
        "commitments": commitments,
        "milestones": milestones,
        "bodies": bodies,
        "statuses": MILESTONE_STATUSES,
        "message": message,
        "errors": errors or [],
        "values": values or {},
    }
    return render(request, "plan/edit.html", ctx, status_code=status_code)


@router.get("/plan/edit", response_class=HTMLResponse)
def edit_page(request: Request, store: Store, credentials: Credentials) -> HTMLResponse:
    """The editor's forms (asks for the editor's name and secret)."""
    with store.session() as session:
        editor = editor_from(session, credentials, request)
    done = request.query_params.get("done")
    messages = {
        "update": ("Quartalsbericht veröffentlicht.", "Quarterly update published."),
        "milestone": ("Meilenstein geändert.", "Milestone changed."),
        "meeting": ("Sitzung veröffentlicht.", "Meeting published."),
    }
    message = None
    if done in messages:
        de, en = messages[done]
        message = en if page_language(request) == "en" else de
    return _page(request, store, editor, message=message)


def _errors(exc: ValidationError | service.PlanError) -> list[str]:
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    return [str(exc)]


def _texts(de: str, en: str) -> dict[str, str]:
    """A German/English text from two form fields, leaving out empty ones."""
    return {k: v.strip() for k, v in (("de", de), ("en", en)) if v.strip()}


def _submit(
    request: Request,
    store: service.PlanStore,
    credentials: HTTPBasicCredentials | None,
    token: str,
    *,
    done: str,
    values: dict[str, str],
    action: Callable[[Session, Editor], object],
) -> Response:
    """Run one editor form's ``action(session, editor)``: on success redirect to the
    editor page with ``done``; on a validation or plan error roll back and show the
    form again with the errors and the values entered (422)."""
    lang = page_language(request)
    with store.session() as session:
        editor = editor_from(session, credentials, request)
        _check_post(editor, token)
        try:
            action(session, editor)
        except (ValidationError, service.PlanError) as exc:
            session.rollback()
            if isinstance(exc, service.PermissionDeniedError):
                raise
            return _page(
                request, store, editor, errors=_errors(exc), values=values, status_code=422
            )
    return RedirectResponse(f"/plan/edit?done={done}&lang={lang}", status_code=303)


@router.post("/plan/edit/update", response_model=None)
def post_update(
    request: Request,
    store: Store,
    credentials: Credentials,
    token: Annotated[str, Form()],
    commitment: Annotated[str, Form()],
    quarter: Annotated[str, Form()],
    progress_pct: Annotated[str, Form()],
    text_de: Annotated[str, Form()] = "",
    text_en: Annotated[str, Form()] = "",
) -> Response:
    """Publish a quarterly update from the form; errors come back on the same page."""
    values = {
        "commitment": commitment,
        "quarter": quarter,
        "progress_pct": progress_pct,
        "text_de": text_de,
        "text_en": text_en,
    }

    def action(session: Session, editor: Editor) -> None:
        data = service.StatusUpdateCreate(
            quarter=quarter.strip(),
            progress_pct=progress_pct.strip() or -1,
            text=_texts(text_de, text_en),
        )
        service.add_status_update(session, editor, commitment, data)

    return _submit(request, store, credentials, token, done="update", values=values,
                   action=action)


@router.post("/plan/edit/milestone", response_model=None)
def post_milestone(
    request: Request,
    store: Store,
    credentials: Credentials,
    token: Annotated[str, Form()],
    milestone: Annotated[str, Form()],
    status: Annotated[str, Form()],
) -> Response:
    """Change a milestone's status from the form."""

    def action(session: Session, editor: Editor) -> None:
        service.change_milestone(session, editor, milestone,
                                 service.MilestoneChange(status=status))

    return _submit(request, store, credentials, token, done="milestone",
                   values={"milestone": milestone, "status": status}, action=action)


@router.post("/plan/edit/meeting", response_model=None)
def post_meeting(
    request: Request,
    store: Store,
    credentials: Credentials,
    token: Annotated[str, Form()],
    body: Annotated[str, Form()],
    date: Annotated[str, Form()],
    title_de: Annotated[str, Form()] = "",
    title_en: Annotated[str, Form()] = "",
    decisions_de: Annotated[str, Form()] = "",
    decisions_en: Annotated[str, Form()] = "",
    minutes_url: Annotated[str, Form()] = "",
) -> Response:
    """Publish a meeting of a body with its decisions and minutes."""
    values = {
        "body": body,
        "date": date,
        "title_de": title_de,
        "title_en": title_en,
        "decisions_de": decisions_de,
        "decisions_en": decisions_en,
        "minutes_url": minutes_url,
    }

    def action(session: Session, editor: Editor) -> None:
        data = service.MeetingCreate(
            date=date.strip(),
            title=_texts(title_de, title_en),
            decisions=_texts(decisions_de, decisions_en),
            minutes_url=minutes_url.strip() or None,
        )
        service.add_meeting(session, editor, body, data)

    return _submit(request, store, credentials, token, done="meeting", values=values,
                   action=action)
