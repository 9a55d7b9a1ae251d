"""Participation proceedings: JSON API, open-data exports and the OGC/DCAT hooks.

Reading is public and shows only moderated content. Anyone may contribute, comment
and support during the participation phase (rate-limited like reports; a support
counts once per person, recognised by a signed cookie). Creating proceedings and
fixes, moving phases and deciding need a plan editor with the ``edit`` role (HTTP
Basic); publishing or rejecting contributions needs a report moderator.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from stufenlos.api.errors import ERROR_RESPONSES
from stufenlos.api.plan_deps import CurrentEditor, get_store
from stufenlos.api.routes.open311 import client_of, read_form, report_service
from stufenlos.plan.service import PlanStore
from stufenlos.proceedings import export, service
from stufenlos.proceedings.models import Fix
from stufenlos.reports.errors import PayloadTooLargeError, ReportInputError
from stufenlos.reports.privacy import MAX_PHOTO_BYTES, CleanPhoto, clean_photo
from stufenlos.shared_state import shared_secret

__all__ = ["SUPPORTER_COOKIE", "router", "supporter_of"]

router = APIRouter(prefix="/api/proceedings", tags=["proceedings"], responses=ERROR_RESPONSES)

Store = Annotated[PlanStore, Depends(get_store)]
#: a proceeding's id or slug
Key = Annotated[str, Path(description="Proceeding id or slug, e.g. 1 or jungfernstieg-2027",
                          max_length=64)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Target = Literal["fix", "contribution"]

#: the cookie that recognises a supporter (a random token and its signature, no account)
SUPPORTER_COOKIE = "stufenlos_supporter"


# ---------------------------------------------------------------- helpers


def _key(store: PlanStore) -> bytes:
    return shared_secret(store.engine, "proceedings_supporter_key").encode()


def supporter_of(request: Request, store: PlanStore) -> tuple[str, str | None]:
    """The stored stand-in of the person behind ``request``, and a new cookie value if
    they had none (or a forged one).

    The cookie holds a random token and its HMAC under a key kept in the database, so
    every server process recognises it and nobody can mint one that counts as someone
    else; only a salted hash of the token is stored with a support.
    """
    key = _key(store)
    raw = request.cookies.get(SUPPORTER_COOKIE, "")
    token, _, sig = raw.partition(".")
    good = hmac.new(key, token.encode(), hashlib.sha256).hexdigest()
    fresh = None
    if not token or not hmac.compare_digest(sig, good):
        token = secrets.token_urlsafe(18)
        fresh = f"{token}.{hmac.new(key, token.encode(), hashlib.sha256).hexdigest()}"
    return service.supporter_hash(token, salt=key.decode()), fresh


def set_supporter_cookie(response: Response, value: str | None, request: Request) -> None:
    """Give the browser its supporter cookie (one year, this site only, not for scripts)."""
    if value is not None:
        response.set_cookie(SUPPORTER_COOKIE, value, max_age=365 * 86400, httponly=True,
                            samesite="strict", secure=request.url.scheme == "https")


def do_support(request: Request, store: PlanStore, target: str,
               item_id: int) -> tuple[dict[str, Any], str | None]:
    """Count a support (rate-limited per client) and say whether it counted."""
    report_service().check_rate(client_of(request), kind="public")
    who, fresh = supporter_of(request, store)
    with store.session() as session:
        counted, total = service.support(session, target, item_id, supporter=who)  # type: ignore[arg-type]
    return {"target": target, "id": item_id, "counted": counted, "supports": total}, fresh


# ---------------------------------------------------------------- reading


class FixIn(BaseModel):
    """A planned fix: one scenario change; its effect is computed, never typed in."""

    model_config = ConfigDict(extra="forbid")

    change: dict[str, Any] = Field(
        description="One change of a what-if scenario, e.g. "
                    '{"action": "add_elevator", "way": 37076926}')
    title: dict[Literal["de", "en", "ls"], str] | None = None


class ModerateIn(BaseModel):
    """Publish or reject a contribution or comment."""

    model_config = ConfigDict(extra="forbid")

    publish: bool


@router.get("", summary="Participation proceedings")
def list_proceedings(store: Store) -> list[dict[str, Any]]:
    """Every proceeding with its phase and fixes; each fix with the people it gives
    access (``effect``: per profile, ``gained_<group>``) and its supports."""
    with store.session() as session:
        return service.proceeding_list(session)


Order = Annotated[service.FixOrder, Query(
    description="Order of the fixes: as planned (position) or most people helped first "
                "(helped, by their computed effects)")]


@router.get("/{key}", summary="One participation proceeding")
def get_proceeding(key: Key, store: Store, order: Order = "position") -> dict[str, Any]:
    """A proceeding with fixes, published contributions and comments, supports and
    decisions; in the result phase ``outcome`` says for each adopted fix the people it
    helps per profile and group."""
    with store.session() as session:
        return service.proceeding_detail(session, key, order=order)


def _geojson(data: dict[str, Any]) -> Response:
    import json

    return Response(json.dumps(data, ensure_ascii=False), media_type="application/geo+json")


_GEO = {200: {"content": {"application/geo+json": {}}, "description": "GeoJSON"}}
_CSV = {200: {"content": {"text/csv": {}}, "description": "CSV"}}


@router.get("/{key}/contributions.geojson", summary="Contributions (GeoJSON)",
            response_class=Response, responses=_GEO)
def contributions_geojson(key: Key, store: Store) -> Response:
    """Published contributions as GeoJSON points."""
    with store.session() as session:
        return _geojson(export.contributions_geojson(session, key))


@router.get("/{key}/contributions.csv", summary="Contributions (CSV)",
            response_class=Response, responses=_CSV)
def contributions_csv(key: Key, store: Store) -> Response:
    """Published contributions as CSV."""
    with store.session() as session:
        return Response(export.contributions_csv(session, key), media_type="text/csv")


@router.get("/{key}/results.geojson", summary="Result (GeoJSON)",
            response_class=Response, responses=_GEO)
def results_geojson(key: Key, store: Store) -> Response:
    """The area and the fixes with decisions, supports and people helped."""
    with store.session() as session:
        return _geojson(export.results_geojson(session, key))


@router.get("/{key}/results.csv", summary="Result (CSV)", response_class=Response,
            responses=_CSV)
def results_csv(key: Key, store: Store) -> Response:
    """One row per fix: decision, supports, people gaining access per profile and group."""
    with store.session() as session:
        return Response(export.results_csv(session, key), media_type="text/csv")


@router.get("/contributions/{contribution_id}/photo", summary="Photo of a contribution",
            response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}, "description": "JPEG"}})
def photo(contribution_id: ItemId, store: Store) -> Response:
    """The photo of a published contribution, without any metadata."""
    with store.session() as session:
        p = service.photo_of(session, contribution_id)
        return Response(p.data, media_type=p.content_type)


# ---------------------------------------------------------------- the public


def _contribution_body() -> dict[str, Any]:
    """OpenAPI of the contribution body: JSON, or multipart with an optional photo."""
    schema = service.ContributionIn.model_json_schema()
    form = {**schema, "properties": {**schema["properties"], "media": {
        "type": "string", "format": "binary",
        "description": "Optional photo (JPEG, PNG or WebP, at most "
                       f"{MAX_PHOTO_BYTES // (1024 * 1024)} MiB); re-encoded without EXIF, "
                       "GPS or comments, public only once a moderator publishes it."}}}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema},
        "multipart/form-data": {"schema": form}}}}


async def _contribution_in(request: Request) -> tuple[service.ContributionIn, CleanPhoto | None]:
    """The contribution of a JSON or multipart body (the photo, if any, cleaned)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        fields, media = await read_form(request)  # size-limited before parsing
        many = [k for k, v in fields.items() if len(v) > 1]
        if many:
            msg = "given more than once"
            raise ReportInputError(msg, field=many[0])
        raw = {k: v[0] for k, v in fields.items() if v[0].strip()}
        try:
            data = service.ContributionIn.model_validate(raw)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from None
        photo = await run_in_threadpool(clean_photo, media, field="media") \
            if media is not None else None
        return data, photo
    if ctype != "application/json":
        msg = f"send application/json or multipart/form-data, got {ctype or 'nothing'!r}"
        raise ReportInputError(msg, field="content-type")
    declared = request.headers.get("content-length", "")
    too_big = f"the JSON body exceeds {MAX_JSON_BYTES} bytes (send a photo as multipart)"
    if declared.isdigit() and int(declared) > MAX_JSON_BYTES:
        raise PayloadTooLargeError(too_big, field="body")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_JSON_BYTES:
            raise PayloadTooLargeError(too_big, field="body")
    try:
        return service.ContributionIn.model_validate_json(body), None
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


#: the largest JSON contribution body (text, address and e-mail with room to spare)
MAX_JSON_BYTES = 64 * 1024


@router.post("/{key}/contributions", status_code=201, summary="Contribute",
             openapi_extra=_contribution_body())
async def contribute(key: Key, request: Request, store: Store) -> dict[str, Any]:
    """Add a contribution during the participation phase, as JSON or as
    ``multipart/form-data`` with an optional photo (field ``media``).

    Nothing is public until a moderator publishes it (``status`` says ``submitted``
    until then); the photo is re-encoded without metadata, as for barrier reports.
    """
    client = client_of(request)
    report_service().check_rate(client, kind="submit")
    data, photo = await _contribution_in(request)

    def save() -> dict[str, Any]:
        with store.session() as session:
            c = service.contribute(session, key, data, client=client, photo=photo)
            return {"id": c.id, "status": c.status, "lat": c.lat, "lon": c.lon,
                    "photo": photo is not None}

    return await run_in_threadpool(save)


@router.post("/contributions/{contribution_id}/comments", status_code=201,
             summary="Comment on a contribution")
def comment(contribution_id: ItemId, data: service.CommentIn, request: Request,
            store: Store) -> dict[str, Any]:
    """Comment on a published contribution (pre-moderated)."""
    client = client_of(request)
    report_service().check_rate(client, kind="submit")
    with store.session() as session:
        m = service.add_comment(session, contribution_id, data, client=client)
        return {"id": m.id, "status": m.status}


@router.post("/support/{target}/{item_id}", summary="Support a fix or a contribution")
def support(target: Target, item_id: ItemId, request: Request, store: Store) -> JSONResponse:
    """Support once per person (a signed cookie recognises them; no account needed).

    ``counted`` is false when this person had supported it already.
    """
    body, fresh = do_support(request, store, target, item_id)
    response = JSONResponse(body)
    set_supporter_cookie(response, fresh, request)
    return response


# ---------------------------------------------------------------- editors


def _editing(editor: CurrentEditor) -> Any:
    """The signed-in editor if they hold the ``edit`` role (403 otherwise), checked
    before the body is read, so a monitor learns nothing from a body's errors."""
    from stufenlos.plan.commands import require_role

    require_role(editor, "edit")
    return editor


Editing = Annotated[Any, Depends(_editing)]


@router.post("", status_code=201, summary="Create a proceeding (editors)")
def create(data: service.ProceedingCreate, editor: Editing, store: Store,
           ) -> dict[str, Any]:
    """A new proceeding in the information phase."""
    with store.session() as session:
        p = service.create_proceeding(session, editor, data)
        return service.proceeding_detail(session, p.id)


def add_fix_computed(store: PlanStore, editor: Any, key: str, data: FixIn) -> Fix:
    """Compute a fix's effect and location with the scenario engine, then store it
    (callers have checked the editor's ``edit`` role, so nobody else starts a run)."""
    from stufenlos.proceedings.effects import compute_effect, fix_location
    from stufenlos.registry import get_city


    with store.session() as session:
        p = service.get_proceeding(session, key)
        city, category, budget = p.city, p.category, p.budget_min
    c = get_city(city)
    effect, note = compute_effect(c, data.change, category=category, budget_min=budget)
    where = fix_location(c, data.change)
    with store.session() as session:
        return service.add_fix(session, editor, key, change=data.change, effect=effect,
                               note=note, location=where, title=data.title)


@router.post("/{key}/fixes", status_code=201, summary="Add a planned fix (editors)")
async def add_fix(key: Key, data: FixIn, editor: Editing, store: Store,
                  ) -> dict[str, Any]:
    """Add a fix; its effect (people gaining access per profile and group) is computed
    with the scenario engine for the proceeding's category and budget."""
    fix = await run_in_threadpool(add_fix_computed, store, editor, key, data)
    return service._fix_dict(fix)


@router.post("/{key}/phase", summary="Move to the next phase (editors)")
def move_phase(key: Key, data: service.PhaseIn, editor: Editing,
               store: Store) -> dict[str, Any]:
    """Move on one phase: information → participation → evaluation → result."""
    with store.session() as session:
        p = service.move_phase(session, editor, key, data)
        return {"id": p.id, "slug": p.slug, "phase": p.phase}


@router.post("/decisions/{target}/{item_id}", summary="Decide on a fix or contribution (editors)")
def decide(target: Target, item_id: ItemId, data: service.DecisionIn, editor: Editing,
           store: Store) -> dict[str, Any]:
    """The body's answer with its reason (evaluation and result phases); it appears in
    the plan's Atom feed."""
    with store.session() as session:
        item = service.decide(session, editor, target, item_id, data)
        return {"target": target, "id": item.id, "decision": item.decision,
                "reason": item.decision_reason}


# ---------------------------------------------------------------- moderators


def _moderator(request: Request) -> Any:
    from stufenlos.api.routes.moderation import current_moderator

    return current_moderator(request)


Moderator = Annotated[Any, Depends(_moderator)]


@router.get("/moderation/queue", summary="Contributions and comments to moderate")
def queue(moderator: Moderator, store: Store) -> dict[str, list[dict[str, Any]]]:
    """What waits for a moderator (report moderators' token or session)."""
    with store.session() as session:
        return service.moderation_queue(session)


@router.post("/moderation/{target}/{item_id}", summary="Publish or reject (moderators)")
def moderate(target: Literal["contribution", "comment"], item_id: ItemId, data: ModerateIn,
             moderator: Moderator, store: Store) -> dict[str, Any]:
    """Publish (it becomes public) or reject a submitted contribution or comment."""
    with store.session() as session:
        item = service.moderate(session, target, item_id, publish=data.publish,
                                actor=moderator.name)
        return {"target": target, "id": item.id, "status": item.status}
