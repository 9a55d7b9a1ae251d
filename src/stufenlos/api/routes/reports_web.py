"""Web pages of the reporting channel: report a barrier, list and map, detail, moderation.

Every page works with keyboard and screen reader and without JavaScript: a
location is given by choosing a street from a list or typing an address; the
map (an SVG drawing of the city's footpaths) is an extra for pointer users,
whose click fills the coordinate fields through ``/static/reports.js``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from stufenlos.api.routes.moderation import SESSION_COOKIE
from stufenlos.api.routes.open311 import (
    client_of,
    mail_context,
    read_form,
    report_service,
    request_record,
    submission_from_form,
)
from stufenlos.api.street_map import map_base, street_points
from stufenlos.api.templating import render
from stufenlos.districts import city_districts
from stufenlos.errors import StufenlosError
from stufenlos.feeds import ATOM_MEDIA_TYPE, atom_feed
from stufenlos.i18n import LANGUAGES, LazyText, translator
from stufenlos.registry import get_city
from stufenlos.reports.catalogue import SERVICES
from stufenlos.reports.errors import AuthenticationError, ReportInputError
from stufenlos.reports.feed import (
    area_entries,
    find_district,
    in_district,
    parse_bbox,
    report_entries,
)
from stufenlos.reports.service import FLAG_REASONS, TRANSITIONS
from stufenlos.reports.store import ReportQuery
from stufenlos.reports.wording import STATUS_LABELS, note_text

__all__ = ["STATUS_LABELS", "router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["reports-web"], include_in_schema=False)

#: abuse flag reason -> its label, read by language (``FLAG_LABELS["spam"]["de"]``)
FLAG_LABELS: dict[str, LazyText] = {
    "spam": LazyText("Spam"),
    "offensive": LazyText("Offensive"),
    "personal_data": LazyText("Contains personal data"),
    "not_a_barrier": LazyText("Not a barrier"),
    "duplicate": LazyText("Duplicate"),
    "other": LazyText("Other reason"),
}


def _cities() -> dict[str, str]:
    from stufenlos.config import discover_cities

    try:
        return {name: cfg.title for name, cfg in sorted(discover_cities().items())}
    except StufenlosError:
        return {}


def _map(city: str | None, reports: list[Any]) -> dict[str, Any] | None:
    if not city:
        return None
    base = map_base(city)
    if base is None:
        return None
    markers = []
    for r in reports:
        if r.lat is None or r.lon is None:
            continue
        x = (r.lon - base["minx"]) * base["kx"] * base["scale"]
        y = (base["maxy"] - r.lat) * base["scale"]
        if 0 <= x <= base["width"] and 0 <= y <= base["height"]:
            markers.append({"id": r.id, "x": round(x, 1), "y": round(y, 1),
                            "closed": r.status not in ("submitted", "open", "acknowledged",
                                                       "in_progress")})
    return {**base, "markers": markers}


def _ctx(request: Request) -> dict[str, Any]:
    from stufenlos.api.templating import page_language

    lang = page_language(request)
    return {"services": SERVICES, "status_labels": STATUS_LABELS, "flag_labels": FLAG_LABELS,
            "cities": _cities(), "note_text": lambda text: note_text(text, lang)}


@router.get("/reports")
def reports_page(request: Request) -> Response:
    """Reports and their status: a list (and a map for one city), with filters."""
    params = request.query_params
    status = params.get("status") if params.get("status") in ("open", "closed") else None
    code = params.get("service_code") if params.get("service_code") in SERVICES else None
    cities = _cities()
    city = params.get("city") if params.get("city") in cities else None
    reports = report_service().list(ReportQuery(
        open311_statuses=[status] if status else None,
        service_codes=[code] if code else None, jurisdiction=city, limit=500))
    return render(request, "reports/list.html", {
        **_ctx(request), "reports": reports, "status": status, "service_code": code,
        "city": city, "map": _map(city, reports), "districts": _covered_districts(city)})


def _covered_districts(city: str | None) -> list[Any]:
    """The districts of ``city`` its map covers (their feeds are listed on the reports page)."""
    districts = _districts(city)
    if not districts:
        return []
    import shapely

    from stufenlos.api.views import city_bbox

    assert city is not None
    box = shapely.box(*city_bbox(get_city(city)))
    return [d for d in districts if shapely.intersects(box, d.polygon)]


#: form field -> its label in error messages, read by language
FIELD_LABELS: dict[str, Mapping[str, str]] = {
    "jurisdiction_id": LazyText("City"),
    "service_code": LazyText("What is the problem?"),
    "lat": LazyText("Where?"),
    "street": LazyText("Street from the list"),
    "address_string": LazyText("Address"),
    "description": LazyText("Description"),
    "attribute[until]": LazyText("Temporary until"),
    "media": LazyText("Photo"),
    "email": LazyText("E-mail"),
    **{f"attribute[{a.code}]": LazyText(a.description)
       for s in SERVICES.values() for a in s.attributes if a.code != "until"},
}


def _map_gl(request: Request, city: str | None) -> dict[str, Any] | None:
    """The report form's MapLibre map (our own tiles), if MapLibre is vendored."""
    from stufenlos.api.templating import STATIC_DIR
    from stufenlos.api.views import city_bbox
    from stufenlos.settings import get_settings

    if not city or not (STATIC_DIR / "vendor" / "maplibre-gl.js").exists():
        return None
    try:
        c = get_city(city)
    except (StufenlosError, OSError):
        return None
    center = c.config.center
    base = str(request.base_url).rstrip("/")
    return {"city": city, "style": get_settings().map_style_url
            or f"{base}/tiles/{city}/style.json",
            "center": [center[1], center[0]] if center else None, "bbox": list(city_bbox(c))}


def _form_page(request: Request, *, values: dict[str, str], errors: dict[str, str],
               status_code: int = 200) -> Response:
    cities = _cities()
    city = values.get("jurisdiction_id") if values.get("jurisdiction_id") in cities else None
    streets = street_points(city) if city else {}
    map_gl = _map_gl(request, city)
    from stufenlos.api.templating import page_language

    lang = page_language(request)
    named = {code: s.name_in(lang) for code, s in SERVICES.items()}
    return render(request, "reports/new.html", {
        **_ctx(request), "values": values, "errors": errors, "field_labels": FIELD_LABELS,
        "city": city, "streets": streets, "map_gl": map_gl, "services_named": named,
        "map": None if map_gl else _map(city, [])}, status_code=status_code)


@router.get("/reports/new")
def new_report_page(request: Request) -> Response:
    """The report form; ``?city=`` preselects a city (and offers its streets and map)."""
    values = {"jurisdiction_id": request.query_params.get("city", "")}
    return _form_page(request, values=values, errors={})


@router.post("/reports/new")
async def new_report_submit(request: Request) -> Response:
    """Handle the report form; on errors show it again with every problem named."""
    values: dict[str, str] = {}
    try:
        svc = report_service()
        client = client_of(request)
        fields, media = await read_form(request)
        values = {k: v[0] for k, v in fields.items() if v}
        street = (values.get("street") or "").strip()
        if street and not values.get("lat") and not values.get("long"):
            city = values.get("jurisdiction_id") or ""
            point = street_points(city).get(street) if city in _cities() else None
            if point is None:
                msg = "choose a street from the list"
                raise ReportInputError(msg, field="street")
            fields["lat"], fields["long"] = [str(point[0])], [str(point[1])]
            if not values.get("address_string"):
                fields["address_string"] = [street]
        until = (values.get("until") or "").strip()
        if until:
            fields["attribute[until]"] = [until]
        fields.pop("until", None)
        fields.pop("street", None)
        # The form shows the details of every kind; keep those of the chosen one.
        chosen = SERVICES.get(values.get("service_code") or "")
        wanted = {f"attribute[{a.code}]" for a in chosen.attributes} if chosen else set()
        for key in [k for k in fields if k.startswith("attribute[") and k not in wanted]:
            del fields[key]
        svc.check_rate(client, kind="submit")
        submission = await run_in_threadpool(submission_from_form, fields, media)
        mail_context(submission, request)
        report = await run_in_threadpool(svc.submit, submission, client=client)
    except StufenlosError as exc:
        field = getattr(exc, "field", None) or "form"
        problem = getattr(exc, "problem", None) or str(exc)
        if field == "long":
            field = "lat"
        return _form_page(request, values=values, errors={field: problem},
                          status_code=exc.http_status)
    lang = request.query_params.get("lang", "")
    suffix = f"&lang={lang}" if lang else ""
    return RedirectResponse(f"/reports/mine/{report.token}?created=1{suffix}", status_code=303)


def _detail_page(request: Request, report: Any) -> Response:
    svc = report_service()
    return render(request, "reports/detail.html", {
        **_ctx(request), "report": report, "record": request_record(report, request),
        "public": svc.is_public(report),
        "counts": svc.confirmations(report.id), "flag_reasons": FLAG_REASONS,
        "created": request.query_params.get("created") == "1",
        "notice": request.query_params.get("notice")})


@router.get("/reports/mine/{token}")
def own_report_page(request: Request, token: str) -> Response:
    """A report seen by its reporter through the token: also before moderation."""
    try:
        report = report_service().by_token(token[:100])
    except StufenlosError as exc:
        return render(request, "reports/missing.html", {**_ctx(request), "detail": str(exc)},
                      status_code=exc.http_status)
    response = _detail_page(request, report)
    # the token is the reporter's key: keep it out of caches and other sites' referrers
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/reports/{report_id:id}")
def report_page(request: Request, report_id: int) -> Response:
    """One public report: status, public notes, history, confirmations, photo."""
    try:
        report = report_service().get(report_id)
    except StufenlosError as exc:
        return render(request, "reports/missing.html", {**_ctx(request), "detail": str(exc)},
                      status_code=exc.http_status)
    return _detail_page(request, report)


@router.post("/reports/{report_id:id}/confirm")
async def report_confirm(request: Request, report_id: int) -> Response:
    """'Still there' / 'fixed' button of the detail page."""
    svc = report_service()
    client = client_of(request)
    fields, _ = await read_form(request)
    svc.check_rate(client, kind="public")
    await run_in_threadpool(svc.confirm, report_id, kind=(fields.get("kind") or [""])[0],
                            client=client)
    return RedirectResponse(f"/reports/{report_id}?notice=confirmed", status_code=303)


@router.post("/reports/{report_id:id}/flag")
async def report_flag(request: Request, report_id: int) -> Response:
    """Abuse report form of the detail page."""
    svc = report_service()
    client = client_of(request)
    fields, _ = await read_form(request)
    svc.check_rate(client, kind="public")
    hidden = await run_in_threadpool(svc.flag, report_id,
                                     reason=(fields.get("reason") or [""])[0], client=client)
    if hidden:
        return RedirectResponse("/reports?notice=hidden", status_code=303)
    return RedirectResponse(f"/reports/{report_id}?notice=flagged", status_code=303)


# -- following a report: feeds and unsubscribing from mails ----------------------------------



def _feed_lang(request: Request) -> str:
    lang = request.query_params.get("lang", "de")
    return lang if lang in LANGUAGES else "de"


@router.get("/reports/{report_id:id}/feed.atom")
def report_feed(request: Request, report_id: int) -> Response:
    """Atom feed of one public report: each step of its public history."""
    lang = _feed_lang(request)
    base = str(request.base_url).rstrip("/")
    report = report_service().get(report_id)
    url = f"{base}/reports/{report_id}/feed.atom"
    return Response(atom_feed(
        feed_id=url, title="stufenlos – " + translator(lang).gettext("Report {n}", n=report_id),
        self_url=f"{url}?lang={lang}", page_url=f"{base}/reports/{report_id}?lang={lang}",
        entries=report_entries(report, base=base, lang=lang),
        language="en" if lang == "en" else "de"), media_type=ATOM_MEDIA_TYPE)


def _districts(city: str | None) -> list[Any]:
    """The districts of an imported ``city`` (none for another or no city)."""
    if not city:
        return []
    try:
        return city_districts(get_city(city))
    except (StufenlosError, OSError):
        return []


@router.get("/reports/feed.atom")
def area_feed(request: Request) -> Response:
    """Atom feed of an area (``?city=``, optional ``?bbox=minlon,minlat,maxlon,maxlat`` or
    ``?district=`` name or id): the status changes of its public reports, newly accepted
    ones included."""
    lang = _feed_lang(request)
    base = str(request.base_url).rstrip("/")
    params = request.query_params
    city = params.get("city") or None
    if city is not None and city not in _cities():
        msg = f"unknown city {city[:60]!r} (known: {', '.join(_cities()) or 'none'})"
        raise ReportInputError(msg, field="city")
    bbox = parse_bbox(params.get("bbox"))
    district = None
    if params.get("district"):
        if city is None:
            msg = "is required with district"
            raise ReportInputError(msg, field="city")
        district = find_district(_districts(city), params["district"])
        if bbox is None:  # the database narrows by the district's bounds first
            bbox = tuple(float(v) for v in district.polygon.bounds)  # type: ignore[assignment]
    reports = report_service().list_with_history(ReportQuery(jurisdiction=city, bbox=bbox,
                                                             limit=500))
    if district is not None:
        reports = in_district(reports, district)
    query = urlencode({k: v for k, v in (("city", city), ("district", district and district.name),
                                         ("bbox", params.get("bbox")), ("lang", lang)) if v})
    where = " ".join(x for x in (_cities().get(city or "", city),
                                 district and district.name, params.get("bbox")) if x)
    title = "stufenlos – " + translator(lang).gettext("Barrier reports") + (
        f": {where}" if where else "")
    return Response(atom_feed(
        feed_id=f"{base}/reports/feed.atom?{query}", title=title,
        self_url=f"{base}/reports/feed.atom?{query}",
        page_url=f"{base}/reports?{urlencode({'city': city or '', 'lang': lang})}",
        entries=area_entries(reports, base=base, lang=lang),
        language="en" if lang == "en" else "de"), media_type=ATOM_MEDIA_TYPE)


def _unsubscribe_page(request: Request, report_id: int, token: str, *, state: str,
                      status_code: int = 200) -> Response:
    try:  # link the report only where anyone may see it
        public = report_service().get(report_id) is not None
    except StufenlosError:
        public = False
    response = render(request, "reports/unsubscribe.html", {
        **_ctx(request), "report_id": report_id, "token": token, "state": state,
        "public": public}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/reports/{report_id:id}/unsubscribe")
def unsubscribe_page(request: Request, report_id: int) -> Response:
    """The unsubscribe link of a mail: a button that stops the mails (a GET changes nothing,
    so link scanners cannot unsubscribe anyone)."""
    token = request.query_params.get("t", "")[:100]
    return _unsubscribe_page(request, report_id, token, state="ask")


@router.post("/reports/{report_id:id}/unsubscribe")
async def unsubscribe(request: Request, report_id: int) -> Response:
    """Stop the mails about a report: the page's button, or a mail program's one-click
    POST (RFC 8058) to the same address. The signed token ``t`` is in the address."""
    token = request.query_params.get("t", "")[:100]
    try:
        await run_in_threadpool(report_service().unsubscribe, report_id, token)
    except AuthenticationError:
        return _unsubscribe_page(request, report_id, token, state="invalid", status_code=403)
    return _unsubscribe_page(request, report_id, token, state="done")


def _map_styles(request: Request, cities: set[str | None]) -> dict[str, str]:
    """The MapLibre style of each imported city among ``cities`` (the queue's small maps)."""
    from stufenlos.api import deps
    from stufenlos.settings import get_settings

    remote = get_settings().map_style_url
    base = str(request.base_url).rstrip("/")
    return {c: remote or f"{base}/tiles/{c}/style.json"
            for c in cities if c and deps.imported(c)}


@router.get("/moderation")
def moderation_page(request: Request) -> Response:
    """The moderator page: login, or the queue with actions and the recent audit log."""
    svc = report_service()
    try:
        moderator = svc.authenticate_session(request.cookies.get(SESSION_COOKIE))
    except AuthenticationError:
        return render(request, "reports/login.html", _ctx(request))
    queue = svc.queue()
    done = None
    raw_done = request.query_params.get("done", "")
    if raw_done.isdigit():
        try:
            report = svc.get(int(raw_done), public=False)
        except StufenlosError:
            report = None
        if report is not None:
            done = {"report": report, "effect": svc.current_effect(report.id)}
    return render(request, "reports/moderation.html", {
        **_ctx(request), "moderator": moderator, "queue": queue, "done": done,
        "map_styles": _map_styles(request, {e["report"].jurisdiction for e in queue}),
        "transitions": TRANSITIONS,
        "audit": svc.audit_log(limit=50)})


@router.post("/moderation/status")
async def moderation_status(request: Request) -> Response:
    """The status form of the moderator page (report number in the form)."""
    from stufenlos.api.routes.moderation import current_moderator

    moderator = await run_in_threadpool(current_moderator, request)
    fields, _ = await read_form(request)
    raw_id = (fields.get("report_id") or [""])[0].strip()
    if not raw_id.isdigit():
        msg = "must be a report number"
        raise ReportInputError(msg, field="report_id")
    await run_in_threadpool(
        report_service().set_status, int(raw_id), (fields.get("status") or [""])[0],
        actor=moderator.name, note=(fields.get("note") or [None])[0],
        agency=(fields.get("agency_responsible") or [None])[0])
    return RedirectResponse(f"/moderation?done={int(raw_id)}", status_code=303)
