"""Action plan, data dialogues, explainers and glossary: public pages, JSON API, Atom feed.

Reading is public. Editing (``/api/plan/...`` POST/PATCH) needs an editor
account over HTTP Basic authentication with the right role; every edit is
written to the audit log and, unless it concerns accounts, to the Atom feed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from stufenlos.api.errors import ERROR_RESPONSES
from stufenlos.api.plan_deps import CurrentEditor, get_store, today
from stufenlos.api.routes.plan_edit import router as edit_router
from stufenlos.api.templating import render
from stufenlos.feeds import ATOM_MEDIA_TYPE, atom_feed
from stufenlos.plan import export as plan_export
from stufenlos.plan import schemas, service
from stufenlos.plan.explainers import EXPLAINERS, GLOSSARY
from stufenlos.plan.feed import commitment_name, plan_feed_entries
from stufenlos.plan.live import default_providers, live_figures
from stufenlos.plan.models import AuditEntry, DialogueEvent

__all__ = ["get_store", "router"]

router = APIRouter(tags=["plan"], responses=ERROR_RESPONSES)


class ErrorBody(BaseModel):
    """Every error answers with its kind and a message naming the problem."""

    error: str
    detail: str
    errors: list[dict[str, Any]] | None = None


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    texts = {
        400: "The request cannot be carried out as asked (the message says why).",
        401: "No or wrong editor credentials (HTTP Basic).",
        403: "The editor lacks the role this needs.",
        404: "No such commitment, milestone, body or stakeholder.",
        409: "Clashes with existing data, e.g. a second update for a quarter.",
        422: "A field is missing, malformed or out of range (each one is named).",
    }
    return {code: {"model": ErrorBody, "description": texts[code]} for code in codes}


READ_ERRORS = _errors(400, 404, 422)
EDIT_ERRORS = _errors(400, 401, 403, 404, 409, 422)

Store = Annotated[service.PlanStore, Depends(get_store)]


def _overview(store: service.PlanStore) -> dict[str, Any]:
    with store.session() as session:
        plan = service.plan_overview(session, today=today())
    features = {m["feature"] for c in plan["commitments"] for m in c["milestones"] if m["feature"]}
    figures = live_figures(features, default_providers(store.engine))
    for c in plan["commitments"]:
        for m in c["milestones"]:
            m["live_figures"] = figures.get(m["feature"], []) if m["feature"] else []
    return plan


# ---------------------------------------------------------------- pages


@router.get("/plan", response_class=HTMLResponse, summary="Action plan (page)")
def plan_page(request: Request, store: Store) -> HTMLResponse:
    """The plan with its commitments, progress, flags, bodies and co-creation figures."""
    return render(request, "plan/index.html", {"plan": _overview(store)})


@router.get("/plan/commitments/{slug}", response_class=HTMLResponse, summary="Commitment (page)")
def commitment_page(slug: str, request: Request, store: Store) -> HTMLResponse:
    """One commitment: milestones with live figures, quarterly schedule, updates, assessments."""
    plan = _overview(store)
    for c in plan["commitments"]:
        if slug in (c["slug"], c["code"]):
            return render(request, "plan/commitment.html", {"plan": plan, "c": c})
    msg = f"no commitment {slug!r}"
    raise service.PlanNotFoundError(msg)


@router.get("/plan/dialogues", response_class=HTMLResponse, summary="Data dialogues (page)")
def dialogues_page(request: Request, store: Store) -> HTMLResponse:
    """Data-dialogue events and where to find the explainers."""
    return render(request, "plan/dialogues.html", {"events": _events(store)})


@router.get("/plan/explainers", response_class=HTMLResponse, summary="Data explained (page)")
def explainers_page(request: Request) -> HTMLResponse:
    """A plain-language explainer for every published dataset (de, en, easy-read)."""
    return render(request, "plan/explainers.html", {"explainers": EXPLAINERS})


@router.get("/plan/glossary", response_class=HTMLResponse, summary="Glossary (page)")
def glossary_page(request: Request) -> HTMLResponse:
    """The accessibility terms used across the app."""
    return render(request, "plan/glossary.html", {"glossary": GLOSSARY})


# ---------------------------------------------------------------- feed


_ATOM = {200: {"content": {"application/atom+xml": {}}, "description": "Atom 1.0 feed"}}
_FEED_TITLES = {"de": ("Aktionsplan: Änderungen", "Änderungen"),
                "en": ("Action plan: changes", "changes"),
                "ls": ("Aktionsplan: Was ist neu?", "Was ist neu?")}


def _feed_lang(lang: str | None) -> str:
    return lang if lang in _FEED_TITLES else "de"


@router.get("/plan/feed.atom", summary="Atom feed of every public change", responses=_ATOM)
def plan_feed(request: Request, store: Store,
              lang: Annotated[str | None, Query(description="de, en or ls")] = None) -> Response:
    """Every public change of the plan, newest first, as Atom 1.0, in words for people."""
    lang = _feed_lang(lang)
    base = str(request.base_url).rstrip("/")
    with store.session() as session:
        entries = plan_feed_entries(session, base=base, lang=lang)
        updated = service.last_change(session) or dt.datetime(2022, 11, 30, tzinfo=dt.UTC)
    url = f"{base}/plan/feed.atom"
    return Response(atom_feed(feed_id=url, title=f"stufenlos – {_FEED_TITLES[lang][0]}",
                              self_url=f"{url}?lang={lang}", page_url=f"{base}/plan?lang={lang}",
                              entries=entries, language="en" if lang == "en" else "de",
                              updated=updated), media_type=ATOM_MEDIA_TYPE)


@router.get("/plan/commitments/{slug}/feed.atom", summary="Atom feed of one commitment",
            responses={**_ATOM, **_errors(404)})
def commitment_feed(slug: str, request: Request, store: Store,
                    lang: Annotated[str | None, Query(description="de, en or ls")] = None,
                    ) -> Response:
    """The public changes of one commitment (its milestones, quarterly updates and
    assessments), newest first, as Atom 1.0."""
    lang = _feed_lang(lang)
    base = str(request.base_url).rstrip("/")
    with store.session() as session:
        entries = plan_feed_entries(session, base=base, lang=lang, commitment=slug)
        name = commitment_name(session, slug, lang)
    url = f"{base}/plan/commitments/{slug}/feed.atom"
    return Response(atom_feed(feed_id=url, title=f"stufenlos – {name}: {_FEED_TITLES[lang][1]}",
                              self_url=f"{url}?lang={lang}",
                              page_url=f"{base}/plan/commitments/{slug}?lang={lang}",
                              entries=entries, language="en" if lang == "en" else "de"),
                    media_type=ATOM_MEDIA_TYPE)


# ---------------------------------------------------------------- JSON API (read)


@router.get(
    "/api/plan",
    response_model=schemas.ActionPlanPublic,
    summary="The action plan",
    responses=READ_ERRORS,
)
def api_plan(store: Store) -> dict[str, Any]:
    """The plan with commitments (milestones, live figures, updates, flags), bodies, figures."""
    return _overview(store)


@router.get(
    "/api/plan/commitments/{slug}",
    response_model=schemas.CommitmentPublic,
    summary="One commitment",
    responses=READ_ERRORS,
)
def api_commitment(slug: str, store: Store) -> dict[str, Any]:
    """One commitment by slug or OGP id, with milestones, schedule and flags."""
    with store.session() as session:
        return service.commitment_detail(session, slug, today=today())


def _events(store: service.PlanStore) -> list[dict[str, Any]]:
    with store.session() as session:
        rows = session.scalars(select(DialogueEvent).order_by(DialogueEvent.date, DialogueEvent.id))
        return [service.to_dict(e) for e in rows]


@router.get(
    "/api/plan/dialogues",
    response_model=list[schemas.DialogueEventPublic],
    summary="Data-dialogue events",
)
def api_dialogues(store: Store) -> list[dict[str, Any]]:
    """Every data-dialogue event."""
    return _events(store)


@router.get("/api/plan/explainers", summary="Dataset explainers")
def api_explainers() -> dict[str, Any]:
    """Plain-language explainers per dataset: what, source, freshness, limits (de, en, ls)."""
    return EXPLAINERS


@router.get("/api/plan/glossary", summary="Glossary")
def api_glossary() -> dict[str, Any]:
    """Accessibility terms with definitions (de, en, ls) and their OSM tag."""
    return GLOSSARY


@router.get("/api/plan/export.json", summary="Export (JSON)")
def api_export_json(store: Store) -> JSONResponse:
    """Every plan table as JSON; import it again with ``stufenlos plan import``."""
    with store.session() as session:
        data = plan_export.export_data(session)
    return JSONResponse(data, headers={"Content-Disposition": 'attachment; filename="plan.json"'})


@router.get(
    "/api/plan/export.zip",
    summary="Export (CSV tables in a ZIP)",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "CSV tables, zipped"}},
)
def api_export_zip(store: Store) -> Response:
    """Every plan table as a CSV file, zipped."""
    with store.session() as session:
        blob = plan_export.export_csv_zip(session)
    return Response(
        blob,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="plan-csv.zip"'},
    )


# ---------------------------------------------------------------- JSON API (edit)


@router.post(
    "/api/plan/commitments/{slug}/updates",
    response_model=schemas.StatusUpdatePublic,
    status_code=201,
    summary="Add a status update",
    responses=EDIT_ERRORS,
)
def api_add_update(
    slug: str, body: service.StatusUpdateCreate, store: Store, editor: CurrentEditor
) -> dict[str, Any]:
    """Publish a quarterly status update (role ``edit``)."""
    with store.session() as session:
        update = service.add_status_update(session, editor, slug, body)
        return service.to_dict(update)


@router.patch(
    "/api/plan/milestones/{slug}",
    response_model=schemas.MilestonePublic,
    summary="Change a milestone",
    responses=EDIT_ERRORS,
)
def api_change_milestone(
    slug: str, body: service.MilestoneChange, store: Store, editor: CurrentEditor
) -> dict[str, Any]:
    """Change a milestone's status, due date or evidence (role ``edit``)."""
    with store.session() as session:
        return service.to_dict(service.change_milestone(session, editor, slug, body))


@router.post(
    "/api/plan/commitments/{slug}/assessments",
    response_model=schemas.AssessmentPublic,
    status_code=201,
    summary="Add an assessment",
    responses=EDIT_ERRORS,
)
def api_add_assessment(
    slug: str, body: service.AssessmentCreate, store: Store, editor: CurrentEditor
) -> dict[str, Any]:
    """Record an independent-monitor assessment (role ``monitor``)."""
    with store.session() as session:
        return service.to_dict(service.add_assessment(session, editor, slug, body))


@router.post(
    "/api/plan/bodies/{slug}/meetings",
    response_model=schemas.MeetingPublic,
    status_code=201,
    summary="Add a meeting",
    responses=EDIT_ERRORS,
)
def api_add_meeting(
    slug: str, body: service.MeetingCreate, store: Store, editor: CurrentEditor
) -> dict[str, Any]:
    """Publish a meeting with its decisions (role ``edit``)."""
    with store.session() as session:
        return service.to_dict(service.add_meeting(session, editor, slug, body))


@router.post(
    "/api/plan/dialogues",
    response_model=schemas.DialogueEventPublic,
    status_code=201,
    summary="Add a data-dialogue event",
    responses=EDIT_ERRORS,
)
def api_add_dialogue(
    body: service.DialogueEventCreate, store: Store, editor: CurrentEditor
) -> dict[str, Any]:
    """Announce or document a data-dialogue event (role ``edit``)."""
    with store.session() as session:
        return service.to_dict(service.add_dialogue_event(session, editor, body))


@router.post(
    "/api/plan/stakeholders",
    response_model=schemas.StakeholderPublic,
    status_code=201,
    summary="Add a stakeholder",
    responses=EDIT_ERRORS,
)
def api_add_stakeholder(
    body: service.StakeholderCreate, store: Store, editor: CurrentEditor
) -> dict[str, Any]:
    """Add an organisation taking part in the plan, with its endorsement (role ``edit``)."""
    with store.session() as session:
        return service.to_dict(service.add_stakeholder(session, editor, None, body))


@router.patch(
    "/api/plan/stakeholders/{stakeholder_id:id}",
    response_model=schemas.StakeholderPublic,
    summary="Record an endorsement",
    responses=EDIT_ERRORS,
)
def api_change_stakeholder(
    stakeholder_id: int, body: service.StakeholderChange, store: Store, editor: CurrentEditor
) -> dict[str, Any]:
    """Set whether a stakeholder endorsed the plan (``null``: not recorded; role ``edit``)."""
    with store.session() as session:
        return service.to_dict(service.change_stakeholder(session, editor, stakeholder_id, body))


@router.patch(
    "/api/plan/cocreation/{figure_id:id}",
    response_model=schemas.CoCreationPublic,
    summary="Correct co-creation figures",
    responses=EDIT_ERRORS,
)
def api_change_cocreation(
    figure_id: int, body: service.CoCreationChange, store: Store, editor: CurrentEditor
) -> dict[str, Any]:
    """Correct participants or meetings of one sector (role ``edit``)."""
    with store.session() as session:
        return service.to_dict(service.change_cocreation(session, editor, figure_id, body))


@router.post(
    "/api/plan/editors",
    response_model=schemas.EditorPublic,
    status_code=201,
    summary="Create an editor account",
    responses=EDIT_ERRORS,
)
def api_add_editor(
    body: service.EditorCreate, store: Store, admin: CurrentEditor
) -> dict[str, Any]:
    """Create an editor account (role ``admin``); the secret is stored hashed."""
    service.require_role(admin, "admin")
    with store.session() as session:
        editor = service.create_editor(session, body, actor=admin.username)
        return {"username": editor.username, "roles": editor.roles}


@router.get(
    "/api/plan/audit",
    response_model=list[schemas.AuditEntryPublic],
    summary="Audit log",
    responses=_errors(401, 422),
)
def api_audit(
    store: Store,
    _editor: CurrentEditor,
    limit: Annotated[int, Query(ge=1, le=5000, description="Newest entries first.")] = 200,
) -> list[dict[str, Any]]:
    """Every edit with who, when, before and after (any editor role)."""
    with store.session() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
        return [service.to_dict(r) for r in rows]


router.include_router(edit_router)  # the editor pages (/plan/edit)
