"""Web pages: the route planner, the printable route and the barrier list.

The planner answers on foot (or wheelchair) or by public transport (``mode=transit``
with ``date`` and ``time``, see :mod:`stufenlos.api.journey_views`); every answer
echoes the limits it used.

Every page works without JavaScript: the planner is a GET form whose answer is
rendered on the server, so a route's URL is also its share link. The script
(``static/planner.js``) adds the map, place suggestions, map clicks, the current
position and answers without reloading the page.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from stufenlos.api import deps, views
from stufenlos.api.journey_views import MODES, journey_answer, when_fields
from stufenlos.api.templating import NAV, STATIC_DIR, page_language, render
from stufenlos.barriers import BARRIER_KINDS
from stufenlos.errors import StufenlosError
from stufenlos.i18n import N_, translator
from stufenlos.places import place_label
from stufenlos.profiles import LIMITS, PRESETS, Limit, Profile
from stufenlos.settings import get_settings

__all__ = ["DEFAULT_PROFILE", "FORM_LIMITS", "limits_used", "router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["web"], include_in_schema=False)

DEFAULT_PROFILE = "wheelchair"
_MAX_TEXT = 200

for _i, _entry in enumerate((("/planner", N_("Plan a route")),
                             ("/barriers", N_("Barriers")))):
    if _entry not in NAV:
        NAV.insert(_i, _entry)


def _cities() -> list[dict[str, Any]]:
    return [{"name": n, "title": cfg.title, "imported": deps.imported(n)}
            for n, cfg in sorted(deps.city_configs().items())]


def _pick_city(request: Request) -> str | None:
    cities = [c["name"] for c in _cities() if c["imported"]]
    asked = request.query_params.get("city")
    if asked:
        return asked
    default = get_settings().default_city
    if default in cities:
        return default
    return cities[0] if cities else None


def _map_config(request: Request, city: Any) -> dict[str, Any]:
    remote = get_settings().map_style_url
    base = str(request.base_url).rstrip("/")
    center = city.config.center
    return {
        "city": city.name,
        "style": remote or f"{base}/tiles/{city.name}/style.json",
        "center": [center[1], center[0]] if center else None,
        "bbox": list(views.city_bbox(city)),
        "maplibre": (STATIC_DIR / "vendor" / "maplibre-gl.js").exists(),
    }


#: the limits the planner's form offers: every numeric one, in the order of the spec
FORM_LIMITS: tuple[Limit, ...] = tuple(lim for lim in LIMITS.values() if lim.numeric)


def _number(raw: str | None, lim: Limit) -> float | None:
    """A typed form value (decimal comma allowed); ``None`` for an empty field."""
    if raw is None or raw.strip() == "":
        return None
    value = float(raw.replace(",", "."))
    if not lim.min <= value <= lim.max or (lim.integer and value != int(value)):  # type: ignore[operator]
        raise ValueError
    return int(value) if lim.integer else value


def _field_error(lim: Limit, lang: str) -> str:
    t = translator(lang)
    label, lo, hi = lim.text(lim.label, lang), t.number(lim.min, 3), t.number(lim.max, 3)
    if lim.integer:
        return t.gettext("{label}: please enter a whole number from {lo} to {hi}",
                         label=label, lo=lo, hi=hi)
    return t.gettext("{label}: please enter a number from {lo} to {hi}", label=label, lo=lo,
                     hi=hi)


def _limit_fields(request: Request, profile: str, lang: str
                  ) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    """Limit inputs (from :data:`FORM_LIMITS`) with their values, the changes to the
    preset (``None``: the field was emptied, no limit) and field errors."""
    q = request.query_params
    own = q.get("limits_for") == profile  # the values were typed for this profile
    preset = PRESETS[profile]
    fields, changes, errors = [], {}, []
    for lim in FORM_LIMITS:
        value = getattr(preset, lim.name)
        error = None
        if own:
            try:
                typed = _number(q.get(lim.name), lim)
            except ValueError:
                error = _field_error(lim, lang)
                errors.append(error)
            else:
                if typed is None and not lim.nullable:
                    typed = value  # an emptied speed keeps the preset's
                if typed != value:
                    changes[lim.name] = typed
                value = typed
        fields.append({"name": lim.name, "label": lim.text(lim.label, lang),
                       "help": lim.text(lim.help, lang), "unit": lim.unit, "min": lim.min,
                       "max": lim.max, "step": lim.step,
                       "value": "" if value is None else f"{value:g}", "error": error})
    return fields, changes, errors


def _resolve(city: Any, text: str, what: str, lang: str) -> tuple[dict[str, Any] | None,
                                                                   str | None]:
    text = text.strip()[:_MAX_TEXT]
    if not text:
        return None, None
    found = views.place_index(city).search(text, limit=1)
    if not found:
        t = translator(lang)
        return None, (t.gettext("Start: no place called “{text}” found", text=text)
                      if what == "start" else
                      t.gettext("Destination: no place called “{text}” found", text=text))
    p = found[0]
    return {"name": p.name, "kind": p.kind, "lat": p.lat, "lon": p.lon,
            "label": place_label(p, lang)}, None


def limits_used(profile: Profile, lang: str) -> list[str]:
    """The person's limits as "label value" texts, for every answer to echo."""
    values = profile.limits()
    return [f"{lim.text(lim.label, lang)}: {lim.format(values[lim.name], lang)}"
            for lim in FORM_LIMITS]


def _route_warnings(route: dict[str, Any] | None) -> list[str]:
    """The broken (or assumed broken) limits the route's verdict points to."""
    if route is None or route["properties"]["status"] not in ("limits_broken", "uncertain"):
        return []
    return [s for s in route["properties"]["steps"] if s.startswith(("Achtung", "Warning"))]


def _route_context(request: Request, city: Any, lang: str) -> dict[str, Any]:
    q = request.query_params
    profile = q.get("profile", DEFAULT_PROFILE)
    errors: list[str] = []
    if profile not in PRESETS:
        errors.append(translator(lang).gettext("Unknown profile “{profile}”.",
                                               profile=profile[:_MAX_TEXT]))
        profile = DEFAULT_PROFILE
    fields, changes, field_errors = _limit_fields(request, profile, lang)
    errors += field_errors
    optimize = q.get("optimize", "comfort")
    if optimize not in ("comfort", "distance"):
        optimize = "comfort"
    mode = q.get("mode") if q.get("mode") in MODES else "walk"
    date, time, when, when_errors = when_fields(city, q, lang)
    if mode == "transit":
        errors += when_errors
    from_text, to_text = q.get("from", "")[:_MAX_TEXT], q.get("to", "")[:_MAX_TEXT]
    start, err1 = _resolve(city, from_text, "start", lang)
    dest, err2 = _resolve(city, to_text, "destination", lang)
    errors += [e for e in (err1, err2) if e]
    # a sent form (it always has both fields) with an empty field says what is missing
    submitted = "from" in q and "to" in q
    t = translator(lang)
    if submitted and not from_text.strip():
        errors.append(t.gettext("Start: please enter a place"))
    if submitted and not to_text.strip():
        errors.append(t.gettext("Destination: please enter a place"))
    person = PRESETS[profile].replace(**changes)
    route, journeys = None, None
    if start and dest and not errors:
        if mode == "transit" and when is not None:
            journeys, journey_errors = journey_answer(city, start, dest, person, when, lang)
            errors += journey_errors
        else:
            try:
                r = city.route((start["lat"], start["lon"]), (dest["lat"], dest["lon"]),
                               profile=person, optimize=optimize)
                route = views.route_answer(city, r, lang,
                                           origin=(start["lat"], start["lon"]),
                                           destination=(dest["lat"], dest["lon"]))
            except StufenlosError as exc:
                errors.append(str(exc))
    share = None
    if route is not None or journeys:
        params = {k: v for k, v in q.items() if k != "lang"}
        params["lang"] = lang
        share = f"/planner?{urlencode(params)}"
    return {"profile": profile, "optimize": optimize, "limit_fields": fields,
            "from_text": from_text, "to_text": to_text, "start": start, "dest": dest,
            "route": route, "errors": errors, "query": urlencode(list(q.items())),
            "share_path": share, "searched": bool(from_text or to_text) or submitted,
            "mode": mode, "date": date, "time": time, "journeys": journeys,
            "warnings": _route_warnings(route),
            "limits_used": limits_used(person, lang)}


def _profiles(lang: str) -> list[dict[str, Any]]:
    return [{"name": n, "label": views.PROFILE_LABELS[n][lang],
             "limits": {lim.name: lim.default(n) for lim in FORM_LIMITS}}
            for n in PRESETS]


@router.get("/", response_class=HTMLResponse)
@router.get("/planner", response_class=HTMLResponse)
def planner(request: Request) -> HTMLResponse:
    """The route planner."""
    lang = page_language(request)
    name = _pick_city(request)
    ctx: dict[str, Any] = {"cities": _cities(), "city_name": name, "profiles": _profiles(lang)}
    try:
        city = deps.get_city(name) if name else None
    except StufenlosError as exc:
        ctx.update({"city": None, "fatal": str(exc)})
        return render(request, "planner.html", ctx, status_code=404)
    if city is None:
        ctx.update({"city": None, "fatal": translator(lang).gettext(
            "No city is imported yet: run `stufenlos import --all`.")})
        return render(request, "planner.html", ctx, status_code=404)
    _, elevators = views.barriers_with_status(city, kinds=["elevator"], limit=200)
    ctx.update({"city": city, "map": _map_config(request, city), "elevators": elevators,
                **_route_context(request, city, lang)})
    return render(request, "planner.html", ctx)


@router.get("/planner/print", response_class=HTMLResponse)
def planner_print(request: Request) -> HTMLResponse:
    """A route as a plain page to print or share: no map, no script."""
    lang = page_language(request)
    name = _pick_city(request)
    try:
        city = deps.get_city(name or "")
    except StufenlosError as exc:
        return render(request, "planner_print.html", {"city": None, "fatal": str(exc)},
                      status_code=404)
    ctx = {"city": city, "profiles": _profiles(lang), **_route_context(request, city, lang)}
    return render(request, "planner_print.html", ctx)


@router.get("/barriers", response_class=HTMLResponse)
def barriers_page(request: Request) -> HTMLResponse:
    """Barriers and elevators with status, as a filterable list and on a map."""
    lang = page_language(request)
    name = _pick_city(request)
    q = request.query_params
    ctx: dict[str, Any] = {"cities": _cities(), "city_name": name, "kinds": BARRIER_KINDS}
    try:
        city = deps.get_city(name or "")
    except StufenlosError as exc:
        ctx.update({"city": None, "fatal": str(exc)})
        return render(request, "barriers.html", ctx, status_code=404)
    kind = q.get("kind") or None
    if kind not in BARRIER_KINDS:
        kind = None
    status = q.get("status") if q.get("status") in ("closed", "unknown", "mapped") else None
    try:
        page = max(1, int(q.get("page", "1")))
    except ValueError:
        page = 1
    per_page = 50
    total, items = views.barriers_with_status(city, kinds=[kind] if kind else None,
                                              status=status, limit=per_page,
                                              offset=(page - 1) * per_page, lang=lang)
    from stufenlos.barriers import BarrierStore

    counts = BarrierStore(city.database_path).counts_by_kind()
    base = {k: v for k, v in {"city": city.name, "kind": kind, "status": status,
                              "lang": lang}.items() if v}
    pages = max(1, -(-total // per_page))
    ctx.update({
        "city": city, "map": _map_config(request, city), "kind": kind, "status": status,
        "items": items, "total": total, "page": page, "pages": pages, "counts": counts,
        "prev_url": f"/barriers?{urlencode({**base, 'page': page - 1})}" if page > 1 else None,
        "next_url": (f"/barriers?{urlencode({**base, 'page': page + 1})}" if page < pages
                     else None),
    })
    return render(request, "barriers.html", ctx)


@router.get("/planner/result", response_class=HTMLResponse)
def planner_result(request: Request) -> HTMLResponse:
    """The planner's answer alone (status, errors, steps) for the page's script."""
    lang = page_language(request)
    try:
        city = deps.get_city(_pick_city(request) or "")
    except StufenlosError as exc:
        ctx = {"errors": [str(exc)], "route": None, "start": None, "dest": None}
        return render(request, "_planner_fragment.html", ctx, status_code=404)
    ctx = {"city": city, **_route_context(request, city, lang)}
    return render(request, "_planner_fragment.html", ctx)
