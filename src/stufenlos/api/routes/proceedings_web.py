"""Web pages of participation proceedings: list, detail with the contribution form,
the editors' page and the moderators' page.

Every page works by keyboard and without JavaScript: a contribution is placed by
choosing a fix, a street from the list or typing an address; clicking the map (the
report channel's footpath drawing and ``/static/reports.js``) is an extra for pointer
users. Forms post with the same rules as the JSON API.
"""

from __future__ import annotations

import hmac
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPBasicCredentials
from pydantic import ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from stufenlos.analysis.ranking import format_people as people
from stufenlos.api.plan_deps import basic_auth, editor_from, get_store
from stufenlos.api.routes.moderation import SESSION_COOKIE
from stufenlos.api.routes.open311 import client_of, read_form, report_service
from stufenlos.api.routes.plan_edit import form_token
from stufenlos.api.routes.proceedings import (
    FixIn,
    add_fix_computed,
    do_support,
    set_supporter_cookie,
)
from stufenlos.api.street_map import map_base, street_points
from stufenlos.api.templating import page_language, render
from stufenlos.errors import StufenlosError
from stufenlos.i18n import LazyText, translator
from stufenlos.plan.commands import require_role
from stufenlos.plan.service import PermissionDeniedError, PlanStore
from stufenlos.proceedings import service
from stufenlos.proceedings.models import CATEGORIES, DECISIONS, PHASES, Proceeding
from stufenlos.reports.errors import AuthenticationError
from stufenlos.reports.privacy import clean_photo

__all__ = ["people_helped", "router"]

router = APIRouter(tags=["proceedings-web"], include_in_schema=False)
Store = Annotated[PlanStore, Depends(get_store)]
Credentials = Annotated[HTTPBasicCredentials | None, Depends(basic_auth)]

#: phase, category of a contribution, decision -> its label, read by language
PHASE_LABELS: dict[str, LazyText] = {
    "information": LazyText("Information"),
    "participation": LazyText("Participation"),
    "evaluation": LazyText("Evaluation"),
    "result": LazyText("Result"),
}
CATEGORY_LABELS: dict[str, LazyText] = {
    "problem": LazyText("Problem"),
    "idea": LazyText("Idea"),
    "support": LazyText("Support"),
    "concern": LazyText("Concern"),
}
DECISION_LABELS: dict[str, LazyText] = {
    "adopted": LazyText("Adopted"),
    "adopted_in_part": LazyText("Adopted in part"),
    "not_adopted": LazyText("Not adopted"),
}
#: the people a profile stands for, and the destinations of a ranking's category
PROFILE_WORDS = {"wheelchair": LazyText("using a wheelchair"),
                 "walker": LazyText("with a walker")}
CATEGORY_WORDS = {
    "step_free_station": LazyText("a step-free railway station"),
    "station": LazyText("a railway station"),
    "pharmacy": LazyText("a pharmacy"),
    "doctors": LazyText("a doctor"),
    "supermarket": LazyText("a supermarket"),
}


def _category_words(category: str, lang: str) -> str:
    """The destination category as the object of "reach …", in the page's language."""
    words = CATEGORY_WORDS.get(category)
    if words is not None:
        return words[lang]
    from stufenlos.analysis.destinations import DEFAULT_CATEGORIES

    found = DEFAULT_CATEGORIES.get(category)
    return translator(lang).gettext(found.label) if found else category


def people_helped(fix: dict[str, Any], category: str, budget_min: float,
                  lang: str) -> list[str]:
    """One sentence per profile: how many people, and of them how many of each
    population group the statistics give, newly reach the category through the fix."""
    t = translator(lang)
    what = _category_words(category, lang)
    out = []
    for profile, groups in service.people_by_group(fix["effect"]).items():
        words = PROFILE_WORDS.get(profile)
        values = {"n": people(groups.get("population", 0.0)),
                  "who": words[lang] if words is not None else profile,
                  "what": what, "minutes": f"{budget_min:g}"}
        if groups.get("population", 0.0) > 0 and {"age65", "under18"} <= set(groups):
            out.append(t.gettext("{n} people {who} would newly reach {what} within {minutes} "
                                 "minutes, of them {old} aged 65 or older and {young} under "
                                 "18.", old=people(groups["age65"]),
                                 young=people(groups["under18"]), **values))
        elif groups.get("population", 0.0) > 0 and "age65" in groups:
            out.append(t.gettext("{n} people {who} would newly reach {what} within {minutes} "
                                 "minutes, {old} of them aged 65 or older.",
                                 old=people(groups["age65"]), **values))
        else:
            out.append(t.gettext("{n} people {who} would newly reach {what} within {minutes} "
                                 "minutes.", **values))
    return out


def _markers(detail: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    items = [("fix", f) for f in detail["fixes"]] + [("contribution", c)
                                                     for c in detail["contributions"]]
    for kind, item in items:
        if item["lat"] is None:
            continue
        x = (item["lon"] - base["minx"]) * base["kx"] * base["scale"]
        y = (base["maxy"] - item["lat"]) * base["scale"]
        if 0 <= x <= base["width"] and 0 <= y <= base["height"]:
            out.append({"x": round(x, 1), "y": round(y, 1), "kind": kind, "id": item["id"]})
    return out


def _ctx() -> dict[str, Any]:
    return {"phase_labels": PHASE_LABELS, "category_labels": CATEGORY_LABELS,
            "decision_labels": DECISION_LABELS, "phases": PHASES, "categories": CATEGORIES,
            "people": people}


@router.get("/proceedings", response_class=HTMLResponse)
def list_page(request: Request, store: Store) -> HTMLResponse:
    """Every proceeding with its phase and fixes."""
    with store.session() as session:
        items = service.proceeding_list(session)
    lang = page_language(request)
    for p in items:
        for f in p["fixes"]:
            f["helped"] = people_helped(f, p["category"], p["budget_min"], lang)
    return render(request, "proceedings/list.html", {**_ctx(), "items": items})


def _detail_page(request: Request, store: PlanStore, key: str, *,
                 errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                 status_code: int = 200) -> HTMLResponse:
    order = "helped" if request.query_params.get("order") == "helped" else "position"
    with store.session() as session:
        d = service.proceeding_detail(session, key, order=order)
    lang = page_language(request)
    for f in d["fixes"]:
        f["helped"] = people_helped(f, d["category"], d["budget_min"], lang)
    base = map_base(d["city"])
    figure = {**base, "markers": _markers(d, base)} if base else None
    return render(request, "proceedings/detail.html", {
        **_ctx(), "p": d, "map": figure, "streets": street_points(d["city"]),
        "errors": errors or {}, "values": values or {}, "order": order,
        "notice": request.query_params.get("notice")}, status_code=status_code)


@router.get("/proceedings/{key}", response_class=HTMLResponse)
def detail_page(key: str, request: Request, store: Store) -> HTMLResponse:
    """A proceeding: phases, map and text, the fixes with the people they help, the
    published contributions and, in the participation phase, the contribution form."""
    return _detail_page(request, store, key)


def _first(fields: dict[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0].strip()


def _lang_suffix(request: Request, sep: str = "&") -> str:
    lang = request.query_params.get("lang")
    return f"{sep}lang={lang}" if lang in ("de", "en", "ls") else ""


@router.post("/proceedings/{key}/contribute", response_model=None)
async def contribute_form(key: str, request: Request, store: Store) -> Response:
    """The contribution form; errors come back on the page with the values entered."""
    fields, media = await read_form(request)
    values = {k: _first(fields, k) for k in ("category", "text", "fix_id", "street",
                                               "address", "lat", "long", "email")}
    try:
        address = values["address"] or values["street"] or None
        data = service.ContributionIn(
            category=values["category"] or "none", text=values["text"] or "",
            fix_id=int(values["fix_id"]) if values["fix_id"].isdigit() else None,
            lat=float(values["lat"]) if values["lat"] else None,
            lon=float(values["long"]) if values["long"] else None,
            address=address, email=values["email"] or None)
        photo = clean_photo(media, field="media") if media else None
    except ValidationError as exc:
        errors = {str(e["loc"][0]) if e["loc"] else "form": e["msg"] for e in exc.errors()}
        return _detail_page(request, store, key, errors=errors, values=values,
                            status_code=422)
    except (ValueError, StufenlosError) as exc:
        field = getattr(exc, "field", "form")
        return _detail_page(request, store, key, errors={field: str(exc)}, values=values,
                            status_code=422)
    client = client_of(request)
    report_service().check_rate(client, kind="submit")

    def save() -> int:
        with store.session() as session:
            return service.contribute(session, key, data, client=client, photo=photo).id

    await run_in_threadpool(save)
    return RedirectResponse(f"/proceedings/{key}?notice=received{_lang_suffix(request)}"
                            "#contribute", status_code=303)


@router.post("/proceedings/{key}/support", response_model=None)
def support_form(key: str, request: Request, store: Store,
                 target: Annotated[str, Form()], item_id: Annotated[int, Form()]) -> Response:
    """Support a fix or contribution from its button."""
    if target not in ("fix", "contribution"):
        raise HTTPException(422, "target must be fix or contribution")
    body, fresh = do_support(request, store, target, item_id)
    notice = "supported" if body["counted"] else "supported-before"
    response = RedirectResponse(f"/proceedings/{key}?notice={notice}{_lang_suffix(request)}"
                                f"#{target}-{item_id}", status_code=303)
    set_supporter_cookie(response, fresh, request)
    return response


@router.post("/proceedings/{key}/comment", response_model=None)
def comment_form(key: str, request: Request, store: Store,
                 contribution_id: Annotated[int, Form()],
                 text: Annotated[str, Form()] = "") -> Response:
    """Comment on a published contribution (pre-moderated)."""
    client = client_of(request)
    report_service().check_rate(client, kind="submit")
    try:
        data = service.CommentIn(text=text)
    except ValidationError:
        return RedirectResponse(f"/proceedings/{key}?notice=empty{_lang_suffix(request)}"
                                f"#contribution-{contribution_id}", status_code=303)
    with store.session() as session:
        service.add_comment(session, contribution_id, data, client=client)
    return RedirectResponse(f"/proceedings/{key}?notice=comment{_lang_suffix(request)}"
                            f"#contribution-{contribution_id}", status_code=303)


# ---------------------------------------------------------------- editors

#: the create form's fields, in page order (the error summary links to them)
CREATE_FIELDS = ("slug", "title_de", "title_en", "description_de", "description_en", "body",
                 *(f"start_{ph}" for ph in PHASES), "districts", "area", "category")
#: where the model's fields are on the form
_FORM_FIELD = {"title": "title_de", "description": "description_de",
               "schedule": "start_information"}


def _cities() -> list[str]:
    from stufenlos.config import discover_cities

    try:
        return sorted(discover_cities())
    except StufenlosError:
        return []


def _city_or_none(name: str) -> Any:
    from stufenlos.registry import get_city

    try:
        return get_city(name)
    except (StufenlosError, OSError):
        return None


def _fix_offer(p: dict[str, Any]) -> tuple[dict[str, list[dict[str, Any]]], bool]:
    """The candidate fixes offered for proceeding ``p`` (not yet in it), by kind, with
    names in words; and whether they lie in its area (else they are the whole city's)."""
    from stufenlos.proceedings.editor import choice_title, fixes_in

    c = _city_or_none(p["city"])
    if c is None:
        return {}, True
    have = {json.dumps(f["change"], sort_keys=True) for f in p["fixes"]}
    found, inside = fixes_in(c, p["area"])
    offer = {kind: [{"value": ch.value, "title": choice_title(ch)} for ch in choices
                    if json.dumps(ch.change, sort_keys=True) not in have]
             for kind, choices in found.items()}
    return {k: v for k, v in offer.items() if v}, inside


def _edit_page(request: Request, store: PlanStore, editor: Any, *,
               errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               message: str | None = None, status_code: int = 200) -> HTMLResponse:
    from stufenlos.proceedings.editor import WHOLE, category_choices, district_names

    with store.session() as session:
        items = service.proceeding_list(session)
        for p in items:
            d = service.proceeding_detail(session, p["id"])
            p["published"] = d["contributions"]
    for p in items:
        if p["phase"] in ("information", "participation"):
            p["offer"], p["offer_inside"] = _fix_offer(p)
    cities = _cities()
    values = values or {}
    city = values.get("city") or request.query_params.get("city") or (
        "hamburg" if "hamburg" in cities else (cities[0] if cities else ""))
    c = _city_or_none(city) if city in cities else None
    return render(request, "proceedings/edit.html", {
        **_ctx(), "items": items, "token": form_token(editor), "errors": errors or {},
        "values": values, "message": message, "editor": editor.username,
        "can_edit": "edit" in editor.roles or "admin" in editor.roles,
        "decisions": DECISIONS, "cities": cities, "city": city, "whole": WHOLE,
        "districts": district_names(c) if c is not None else [],
        "category_choices": category_choices(c, page_language(request)),
        "fields": CREATE_FIELDS}, status_code=status_code)


@router.get("/proceedings-edit", response_class=HTMLResponse)
def edit_page(request: Request, store: Store, credentials: Credentials) -> HTMLResponse:
    """The editors' page: create proceedings, add fixes chosen in words, move phases with a
    confirmation, decide."""
    with store.session() as session:
        editor = editor_from(session, credentials, request)
    done = request.query_params.get("done")
    return _edit_page(request, store, editor, message=done)


def _editor_post(request: Request, store: PlanStore, credentials: HTTPBasicCredentials | None,
                 token: str) -> Any:
    with store.session() as session:
        editor = editor_from(session, credentials, request)
    if not hmac.compare_digest(token, form_token(editor)):
        raise HTTPException(status_code=403, detail="form token does not match; reload the page")
    require_role(editor, "edit")  # every editors' form changes something
    return editor


def _field_errors(exc: Exception) -> dict[str, str]:
    """Form field -> problem, from a validation error or an error naming its field."""
    if isinstance(exc, ValidationError):
        out: dict[str, str] = {}
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else "form"
            out.setdefault(_FORM_FIELD.get(name, name), e["msg"].removeprefix("Value error, "))
        return out
    field = getattr(exc, "field", "form")
    return {field: str(exc).removeprefix(f"{field}: ")}


def _run(request: Request, store: PlanStore, editor: Any, done: str, action: Any,
         values: dict[str, Any] | None = None) -> Response:
    try:
        action()
    except PermissionDeniedError:
        raise
    except (ValidationError, StufenlosError, ValueError) as exc:
        return _edit_page(request, store, editor, errors=_field_errors(exc), values=values,
                          status_code=422)
    return RedirectResponse(f"/proceedings-edit?done={done}{_lang_suffix(request)}",
                            status_code=303)


@router.post("/proceedings-edit/create", response_model=None)
async def edit_create(request: Request, store: Store, credentials: Credentials) -> Response:
    """Create a proceeding: titles, description, responsible body, the start date of each
    phase, and the area as districts, the whole imported area or (advanced) GeoJSON."""
    fields, _ = await read_form(request)
    editor = await run_in_threadpool(_editor_post, request, store, credentials,
                                     _first(fields, "token"))
    values: dict[str, Any] = {k: _first(fields, k) for k in (*CREATE_FIELDS, "city")}
    values["districts"] = fields.get("districts", [])

    def action() -> None:
        from stufenlos.proceedings.editor import area_of

        city = values["city"]
        if city not in _cities():
            msg = f"no city {city!r}"
            raise service.ProceedingInputError(msg, field="city")
        schedule = service.schedule_from_starts(
            {ph: values[f"start_{ph}"] for ph in PHASES})
        if values["area"]:
            try:
                shape = json.loads(values["area"])
            except json.JSONDecodeError as exc:
                msg = f"not JSON ({exc.msg}, line {exc.lineno})"
                raise service.ProceedingInputError(msg, field="area") from None
        else:
            c = _city_or_none(city)
            if c is None:
                msg = f"{city} is not imported yet; give the area as GeoJSON"
                raise service.ProceedingInputError(msg, field="districts")
            shape = area_of(c, values["districts"])

        def texts(name: str) -> dict[str, str]:
            return {k: values[f"{name}_{k}"] for k in ("de", "en") if values[f"{name}_{k}"]}

        data = service.ProceedingCreate(
            slug=values["slug"], city=city, body=values["body"], area=shape,
            title=texts("title"), description=texts("description"),
            schedule=schedule, category=values["category"] or "step_free_station")
        with store.session() as session:
            service.create_proceeding(session, editor, data)

    return await run_in_threadpool(_run, request, store, editor, "created", action, values)


@router.post("/proceedings-edit/fix", response_model=None)
def edit_fix(request: Request, store: Store, credentials: Credentials,
             token: Annotated[str, Form()], proceeding: Annotated[str, Form()],
             fix: Annotated[str, Form()] = "", change: Annotated[str, Form()] = "") -> Response:
    """Add a fix chosen from the city's candidates (or, advanced, a scenario change as
    JSON); its effect is computed."""
    editor = _editor_post(request, store, credentials, token)

    def action() -> None:
        from stufenlos.analysis.fixes import fix_choices
        from stufenlos.proceedings.editor import choice_title

        if change.strip():
            try:
                parsed = json.loads(change)
            except json.JSONDecodeError as exc:
                msg = f"not JSON ({exc.msg}, line {exc.lineno})"
                raise service.ProceedingInputError(msg, field="change") from None
            add_fix_computed(store, editor, proceeding, FixIn(change=parsed))
            return
        with store.session() as session:
            city = service.get_proceeding(session, proceeding).city
        c = _city_or_none(city)
        choice = fix_choices(c).get(fix) if c is not None and fix else None
        if choice is None:
            msg = "choose a fix from the list"
            raise service.ProceedingInputError(msg, field="fix")
        add_fix_computed(store, editor, proceeding,
                         FixIn(change=choice.change, title=choice_title(choice)))

    return _run(request, store, editor, "fix", action)


@router.post("/proceedings-edit/phase", response_model=None)
def edit_phase(request: Request, store: Store, credentials: Credentials,
               token: Annotated[str, Form()], proceeding: Annotated[str, Form()],
               phase: Annotated[str, Form()], confirm: Annotated[str, Form()] = "",
               result_de: Annotated[str, Form()] = "",
               result_en: Annotated[str, Form()] = "") -> Response:
    """Move a proceeding to its next phase, once the editor has ticked the confirmation
    (a phase never moves back)."""
    editor = _editor_post(request, store, credentials, token)

    def action() -> None:
        if confirm != "yes":
            msg = "tick the box to confirm: a phase cannot be moved back"
            raise service.ProceedingInputError(msg, field="confirm")
        data = service.PhaseIn(phase=phase, result={
            k: v.strip() for k, v in (("de", result_de), ("en", result_en)) if v.strip()})
        with store.session() as session:
            service.move_phase(session, editor, proceeding, data)

    return _run(request, store, editor, "phase", action)


@router.post("/proceedings-edit/decide", response_model=None)
def edit_decide(request: Request, store: Store, credentials: Credentials,
                token: Annotated[str, Form()], target: Annotated[str, Form()],
                item_id: Annotated[int, Form()], decision: Annotated[str, Form()] = "",
                reason_de: Annotated[str, Form()] = "",
                reason_en: Annotated[str, Form()] = "") -> Response:
    """Answer a fix or contribution with a decision and reason."""
    editor = _editor_post(request, store, credentials, token)

    def action() -> None:
        if target not in ("fix", "contribution"):
            msg = "must be fix or contribution"
            raise service.ProceedingInputError(msg, field="target")
        data = service.DecisionIn(decision=decision, reason={
            k: v.strip() for k, v in (("de", reason_de), ("en", reason_en)) if v.strip()})
        with store.session() as session:
            service.decide(session, editor, target, item_id, data)  # type: ignore[arg-type]

    return _run(request, store, editor, "decision", action)


# ---------------------------------------------------------------- moderators


@router.get("/moderation/proceedings", response_class=HTMLResponse)
def moderation_page(request: Request, store: Store) -> Response:
    """Contributions and comments waiting for a moderator (report moderators' login)."""
    try:
        moderator = report_service().authenticate_session(request.cookies.get(SESSION_COOKIE))
    except AuthenticationError:
        return RedirectResponse(f"/moderation?{_lang_suffix(request, '')}", status_code=303)
    with store.session() as session:
        queue = service.moderation_queue(session)
        slugs = dict(session.execute(select(Proceeding.id, Proceeding.slug)).all())
    return render(request, "proceedings/moderation.html", {
        **_ctx(), "queue": queue, "slugs": slugs, "moderator": moderator,
        "done": request.query_params.get("done")})


@router.post("/moderation/proceedings", response_model=None)
async def moderation_post(request: Request, store: Store) -> Response:
    """Publish or reject one contribution or comment from the moderators' page."""
    from stufenlos.api.routes.moderation import current_moderator

    moderator = await run_in_threadpool(current_moderator, request)
    fields, _ = await read_form(request)
    target, raw = _first(fields, "target"), _first(fields, "item_id")
    if target not in ("contribution", "comment") or not raw.isdigit():
        raise HTTPException(422, "target must be contribution or comment, item_id a number")
    publish = _first(fields, "action") == "publish"

    def save() -> None:
        with store.session() as session:
            service.moderate(session, target, int(raw), publish=publish,  # type: ignore[arg-type]
                             actor=moderator.name)

    await run_in_threadpool(save)
    return RedirectResponse(f"/moderation/proceedings?done={target}-{raw}"
                            f"{_lang_suffix(request)}", status_code=303)
