"""Equity analysis over HTTP: area tables, scenarios, the station ranking, and a page.

* ``GET /api/analysis/{city}``: one row per area with, per profile, the measures
  by category and the people by group (as ``stufenlos analyze --format json``),
  a page of ``limit`` areas at a time;
* ``POST /api/analysis/{city}/scenario``: a scenario body -> people who gain or
  lose access, per area and in total;
* ``GET /api/analysis/{city}/stations``: residents 65+ near step-free stations
  and the ranking of stations that are not step-free (computed as the scenario
  that makes each station step-free; ``ranking_summary`` says when none gains);
* ``GET /api/analysis/{city}/areas.csv``: the full-resolution area table;
* ``GET /analysis`` and ``GET /analysis/{city}``: the report as a web page, its
  areas merged for display when there are many
  (:mod:`stufenlos.analysis.display`), with a map and list of fixes to try
  (:mod:`stufenlos.analysis.fixes`); ``POST /analysis/{city}/scenario`` runs one.

Requests are bounded: at most three profiles (known presets) and three budgets
from :data:`BUDGET_CHOICES`, categories from the known ones; anything else is a
422 naming the parameter. Heavy work runs in the process's
:func:`~stufenlos.api.heavy.heavy_pool` (``STUFENLOS_ANALYSIS_WORKERS``, default
one at a time); a request that would have to wait for it gets 429 with
``Retry-After`` instead. Results are cached under a canonical key (profiles,
categories and budgets de-duplicated in a fixed order; the city's import stamp,
mode and transit options), at most :data:`CACHE_ENTRIES` entries and about
:data:`CACHE_BYTES` bytes. A city's import changes its folder's
``network/network.json``, whose modification time is part of the key.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from typing import Annotated, Any, NoReturn

import numpy as np
import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from stufenlos._util import csv_frame
from stufenlos.analysis.access import AccessResult, analyze, prepare
from stufenlos.analysis.areas import GROUPS
from stufenlos.analysis.destinations import DEFAULT_CATEGORIES
from stufenlos.analysis.display import display_result
from stufenlos.analysis.fixes import FIX_KINDS, MAX_CHOICES, fix_choices, fix_scenario
from stufenlos.analysis.report import report_context
from stufenlos.analysis.scenario import parse_scenario, run_scenario
from stufenlos.analysis.stations import StationAnalysis, station_access
from stufenlos.analysis.transit_access import parse_options
from stufenlos.api.errors import ERROR_RESPONSES
from stufenlos.api.heavy import ServerBusyError, heavy_pool
from stufenlos.api.routes.web import _map_config
from stufenlos.api.templating import page_language, render
from stufenlos.city import City
from stufenlos.config import discover_cities
from stufenlos.errors import StufenlosError, UnknownCityError
from stufenlos.network import Network
from stufenlos.profiles import PRESETS
from stufenlos.profiles.labels import PROFILE_LABELS
from stufenlos.registry import get_city

__all__ = ["BUDGET_CHOICES", "MAX_BUDGETS", "MAX_PROFILES", "cache_info", "clear_cache",
           "router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["analysis"], responses=ERROR_RESPONSES)

#: the budgets (minutes) a request may ask for
BUDGET_CHOICES: tuple[float, ...] = (5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0)
MAX_BUDGETS = 3
MAX_PROFILES = 3
#: areas per page of ``GET /api/analysis/{city}``: default and largest
AREAS_LIMIT = 100
AREAS_MAX_LIMIT = 500
CACHE_ENTRIES = 16
CACHE_BYTES = 512 << 20

_CACHE: OrderedDict[tuple[Any, ...], tuple[Any, int]] = OrderedDict()
_LOCK = threading.Lock()
_STATS = {"hits": 0, "misses": 0, "computed": 0, "evicted": 0}


def cache_info() -> dict[str, int]:
    """Entries, approximate bytes, hits, misses, computations and evictions so far."""
    with _LOCK:
        return {"entries": len(_CACHE), "bytes": sum(n for _, n in _CACHE.values()),
                **_STATS}


def clear_cache() -> None:
    """Forget every cached result (the counters stay)."""
    with _LOCK:
        _CACHE.clear()


def _cached(key: tuple[Any, ...], make: Callable[[], Any], what: str) -> Any:
    """The cached value of ``key``, or ``make()`` run in a heavy-work slot."""
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            _STATS["hits"] += 1
            return _CACHE[key][0]
        _STATS["misses"] += 1
    with heavy_pool().slot(what):
        with _LOCK:  # filled while this request took the slot
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key][0]
        value = make()
        size = _approx_bytes(value)
    with _LOCK:
        _STATS["computed"] += 1
        _CACHE[key] = (value, size)
        total = sum(n for _, n in _CACHE.values())
        while len(_CACHE) > 1 and (len(_CACHE) > CACHE_ENTRIES or total > CACHE_BYTES):
            _, (_, n) = _CACHE.popitem(last=False)
            total -= n
            _STATS["evicted"] += 1
    return value


def _approx_bytes(obj: Any, seen: set[int] | None = None) -> int:
    """About how much memory ``obj`` holds beyond the city it was computed from."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, City | Network | type):
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    if isinstance(obj, pd.DataFrame):
        return int(obj.memory_usage(index=True).sum())
    if isinstance(obj, pd.Series):
        return int(obj.memory_usage(index=True))
    if isinstance(obj, dict):
        return sys.getsizeof(obj) + sum(_approx_bytes(k, seen) + _approx_bytes(v, seen)
                                        for k, v in obj.items())
    if isinstance(obj, list | tuple | set | frozenset):
        return sys.getsizeof(obj) + sum(_approx_bytes(x, seen) for x in obj)
    if type(obj).__name__ == "cKDTree":  # the points and about twice that for the tree
        return 3 * int(getattr(getattr(obj, "data", None), "nbytes", 0))
    size = sys.getsizeof(obj)
    if is_dataclass(obj) or hasattr(obj, "__dict__"):
        names = {f.name for f in fields(obj)} if is_dataclass(obj) else set()
        names |= set(getattr(obj, "__dict__", {}))
        size += sum(_approx_bytes(getattr(obj, n, None), seen) for n in names)
    return size


def _city(name: str) -> tuple[City, float]:
    city = get_city(name)
    stamp = (city.folder / "network" / "network.json").stat().st_mtime
    return city, stamp


def _reject(param: str, message: str, where: str = "query") -> NoReturn:
    """Answer 422 naming ``where.param``, like FastAPI's own validation errors."""
    raise RequestValidationError([{"loc": (where, param), "msg": message,
                                   "type": "value_error"}])


def _names(text: str | Iterable[str] | None) -> list[str]:
    items = text.split(",") if isinstance(text, str) else list(text or ())
    return [x.strip() for x in items if x and x.strip()]


def _profiles(text: str | Iterable[str] | None, param: str = "profiles") -> list[str]:
    """Known profile names, de-duplicated, in the presets' order (standard first)."""
    names = set(_names(text)) or {"standard"}
    bad = sorted(names - set(PRESETS))
    if bad:
        _reject(param, f"unknown profile {bad[0]!r}; choose from {', '.join(PRESETS)}")
    if len(names) > MAX_PROFILES:
        _reject(param, f"at most {MAX_PROFILES} profiles per request, got {len(names)}")
    return [p for p in PRESETS if p in names]


def _categories(text: str | None) -> list[str] | None:
    """Known category names, de-duplicated, in their fixed order; None for all."""
    names = set(_names(text))
    if not names:
        return None
    bad = sorted(names - set(DEFAULT_CATEGORIES))
    if bad:
        _reject("categories", f"unknown category {bad[0]!r}; choose from "
                              f"{', '.join(DEFAULT_CATEGORIES)}")
    return [c for c in DEFAULT_CATEGORIES if c in names]


def _budget_text() -> str:
    return ", ".join(f"{b:g}" for b in BUDGET_CHOICES)


def _budgets(text: str) -> list[float]:
    """One to :data:`MAX_BUDGETS` budgets from :data:`BUDGET_CHOICES`, sorted."""
    try:
        values = {float(x) for x in _names(text)}
    except ValueError:
        values = None
    if values is None:
        _reject("budgets", f"budgets must be minutes separated by commas "
                           f"(from {_budget_text()}), got {text!r}")
    bad = sorted(values - set(BUDGET_CHOICES))
    if bad:
        _reject("budgets", f"budget {bad[0]:g} is not offered; choose up to "
                           f"{MAX_BUDGETS} of {_budget_text()} minutes")
    if not values or len(values) > MAX_BUDGETS:
        _reject("budgets", f"give one to {MAX_BUDGETS} budgets of "
                           f"{_budget_text()} minutes, got {len(values)}")
    return sorted(values)


def _with_table(res: AccessResult) -> AccessResult:
    res.area_table()  # computed (and kept) inside the heavy-work slot
    display_result(res).result.area_table()  # the page's merged areas, kept with it
    return res


def _analysis(name: str, profiles: str | Iterable[str] | None, categories: str | None,
              budgets: str, mode: str = "walk", date: str | None = None,
              depart: str = "08:00", *, profiles_param: str = "profiles") -> AccessResult:
    profs = _profiles(profiles, profiles_param)
    cats = _categories(categories)
    bud = _budgets(budgets)
    city, stamp = _city(name)
    topts = parse_options(date, depart) if mode == "walk+transit" else None
    # TransitOptions compare by identity: key on its values
    tkey = None if topts is None else (topts.date, topts.depart, topts.max_transfers,
                                       topts.closed_elevators)
    key = ("analysis", name, stamp, tuple(profs), tuple(cats or ()), tuple(bud), mode, tkey)
    return _cached(key, lambda: _with_table(analyze(
        city, profiles=profs, categories=cats, budgets_min=bud, travel=mode,
        transit_options=topts)), "analysis")


def _stations(name: str, distance_m: float) -> StationAnalysis:
    city, stamp = _city(name)
    return _cached(("stations", name, stamp, float(distance_m)),
                   lambda: station_access(city, distance_m=distance_m), "stations")


class AreaTable(BaseModel):
    """Per-area results of an analysis."""

    city: str
    profiles: list[str]
    budgets_min: list[float]
    categories: list[str]
    mode: str = Field("walk", description="walk or walk+transit")
    transit: dict[str, Any] | None = Field(
        None, description="walk+transit: feed, service date, departure, max transfers")
    notes: list[str]
    totals: dict[str, Any]
    total_areas: int = Field(description="areas in the whole table (after covered_only)")
    offset: int = Field(description="index of the first area in this page")
    limit: int = Field(description="most areas in this page; ask for the next page with "
                                   "offset + limit while that is below total_areas")
    areas: list[dict[str, Any]]


class ScenarioRequest(BaseModel):
    """A scenario to run, with the analysis settings."""

    model_config = ConfigDict(extra="forbid")

    scenario: dict[str, Any] = Field(description="name, description and changes (see docs)")
    profiles: list[str] = Field(default_factory=lambda: ["standard", "wheelchair"],
                                min_length=1, description=f"at most {MAX_PROFILES} profiles")
    categories: list[str] | None = None
    budget_min: float = Field(15.0, description="one of " + ", ".join(
        f"{b:g}" for b in BUDGET_CHOICES) + " minutes")

    @field_validator("profiles")
    @classmethod
    def _known_profiles(cls, value: list[str]) -> list[str]:
        bad = [p for p in value if p not in PRESETS]
        if bad:
            msg = f"unknown profile {bad[0]!r}; choose from {', '.join(PRESETS)}"
            raise ValueError(msg)
        if len(set(value)) > MAX_PROFILES:
            msg = f"at most {MAX_PROFILES} profiles per request, got {len(set(value))}"
            raise ValueError(msg)
        return [p for p in PRESETS if p in value]

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str] | None) -> list[str] | None:
        bad = [c for c in value or () if c not in DEFAULT_CATEGORIES]
        if bad:
            msg = f"unknown category {bad[0]!r}; choose from {', '.join(DEFAULT_CATEGORIES)}"
            raise ValueError(msg)
        return value

    @field_validator("budget_min")
    @classmethod
    def _offered_budget(cls, value: float) -> float:
        if value not in BUDGET_CHOICES:
            msg = f"budget {value:g} is not offered; choose one of {_budget_text()} minutes"
            raise ValueError(msg)
        return value


class ScenarioAnswer(BaseModel):
    """People who gain or lose access under a scenario."""

    scenario: dict[str, Any]
    applied: list[str]
    budget_min: float
    totals: list[dict[str, Any]]
    areas: list[dict[str, Any]]


class StationAnswer(BaseModel):
    """Residents near step-free stations and the stations to fix first."""

    distance_m: float
    profile: str
    notes: list[str]
    areas: list[dict[str, Any]]
    ranking: list[dict[str, Any]] = Field(
        description="Stations whose step-free access gives residents a step-free station "
                    "within reach (the same numbers as the scenario); only those that gain")
    ranking_summary: str = Field(
        description="One sentence on the ranking; says so plainly when no station gains")


_PROFILES_Q = Annotated[str, Query(
    description=f"Up to {MAX_PROFILES} profiles, comma-separated, from: "
                f"{', '.join(PRESETS)}. The answer lists them in that order.")]
_CATS_Q = Annotated[str | None, Query(
    description=f"Categories, comma-separated, from: {', '.join(DEFAULT_CATEGORIES)} "
                "(default: every category with a destination in the city).")]
_BUDGETS_Q = Annotated[str, Query(
    description=f"Up to {MAX_BUDGETS} budgets in minutes, comma-separated, each one of "
                f"{_budget_text()}.")]
_OFFSET_Q = Annotated[int, Query(ge=0, description="Skip this many areas (for paging).")]
_LIMIT_Q = Annotated[int, Query(ge=1, le=AREAS_MAX_LIMIT, description=(
    f"At most this many areas in the answer (default {AREAS_LIMIT}, "
    f"largest {AREAS_MAX_LIMIT}); see total_areas."))]
_MODE_Q = Annotated[str, Query(
    description="walk, or walk+transit: the faster of walking and walk + public transport "
                "(cities with a GTFS input; write + as %2B, a space is read as +).",
    pattern=r"^walk([+ ]transit)?$")]
_DATE_Q = Annotated[str | None, Query(
    description="walk+transit: service day YYYY-MM-DD (default: the first Tuesday of "
                "the feed's service period).", pattern=r"^\d{4}-\d{2}-\d{2}$")]
_DEPART_Q = Annotated[str, Query(description="walk+transit: departure time HH:MM.",
                                 pattern=r"^\d{2}:\d{2}$")]


_BUSY = {429: {"description": "The server is busy with another analysis: retry after the "
                              "Retry-After header's seconds"}}


@router.get("/api/analysis/{city}", response_model=AreaTable, responses=_BUSY,
            summary="Reach per area, profile and group, with the equity gap")
def area_table(city: str, profiles: _PROFILES_Q = "standard,wheelchair",
               categories: _CATS_Q = None, budgets: _BUDGETS_Q = "5,10,15",
               covered_only: bool = False, mode: _MODE_Q = "walk",
               date: _DATE_Q = None, depart: _DEPART_Q = "08:00",
               offset: _OFFSET_Q = 0, limit: _LIMIT_Q = AREAS_LIMIT) -> AreaTable:
    """Per area (a page of ``limit`` areas from ``offset``, of ``total_areas``) and per
    profile: minutes to the nearest destination of each category, the share and
    people (by group) with one within each budget, the mean count and a gravity
    score; ``gap`` is what ``standard`` reaches minus the profile. ``totals`` cover
    the whole city.

    At most three profiles and three budgets (5, 10, 15, 20, 30, 45 or 60 minutes)
    per request. Results are cached, so paging through the areas costs one
    analysis; an analysis not yet cached runs only when the server has a free
    slot for it (``STUFENLOS_ANALYSIS_WORKERS``), else the answer is 429 with
    ``Retry-After``.
    """
    mode = mode.replace(" ", "+")  # an unencoded + in a query string arrives as a space
    res = _analysis(city, profiles, categories, budgets, mode, date, depart)
    return AreaTable(city=city, profiles=res.profiles, budgets_min=res.budgets_min,
                     categories=res.setup.category_names, mode=res.travel,
                     transit=res.transit, notes=res.notes, totals=res.totals(),
                     total_areas=res.area_count(covered_only=covered_only),
                     offset=offset, limit=limit,
                     areas=res.area_rows(covered_only=covered_only, offset=offset,
                                         limit=limit))


@router.get("/api/analysis/{city}/areas.csv", response_class=Response, responses={
    **_BUSY, 200: {"content": {"text/csv": {}}, "description": "The full area table"}},
            summary="The full-resolution area table as CSV")
def area_csv(city: str, profiles: _PROFILES_Q = "standard,wheelchair",
             categories: _CATS_Q = None, budgets: _BUDGETS_Q = "5,10,15",
             mode: _MODE_Q = "walk", date: _DATE_Q = None,
             depart: _DEPART_Q = "08:00") -> Response:
    """Every area (every grid cell, not the merged squares the page's map shows) with
    the flat columns of ``stufenlos analyze`` (``profile.category.measure``); the same
    parameters and limits as ``GET /api/analysis/{city}``."""
    res = _analysis(city, profiles, categories, budgets, mode.replace(" ", "+"), date, depart)
    return Response(csv_frame(res.area_table()), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{city}-areas.csv"'})


@router.post("/api/analysis/{city}/scenario", response_model=ScenarioAnswer,
             responses=_BUSY, summary="Run a what-if scenario")
def scenario(city: str, body: ScenarioRequest) -> ScenarioAnswer:
    """People who gain or lose access under the scenario, per area and in total.

    At most three profiles; ``budget_min`` one of 5, 10, 15, 20, 30, 45, 60. Runs
    only when the server has a free heavy-work slot, else 429 with ``Retry-After``.
    """
    c, _ = _city(city)
    sc = parse_scenario(body.scenario, where="scenario")
    budgets = sorted({5.0, 10.0, 15.0, float(body.budget_min)})
    with heavy_pool().slot("scenario"):
        setup = prepare(c, categories=body.categories, budgets_min=budgets)
        res = run_scenario(setup, sc, profiles=body.profiles,
                           budget_min=float(body.budget_min))
    return ScenarioAnswer(**res.to_dict())


@router.get("/api/analysis/{city}/stations", response_model=StationAnswer,
            responses=_BUSY,
            summary="Residents 65+ near step-free stations; stations to fix first")
def stations(city: str, distance_m: Annotated[float, Query(gt=0, le=5000)] = 600.0
             ) -> StationAnswer:
    """Cached per distance; computed only when the server has a free heavy-work slot,
    else 429 with ``Retry-After``."""
    return StationAnswer(**_stations(city, distance_m).to_dict())


@router.get("/analysis", response_class=HTMLResponse, include_in_schema=False)
def analysis_index(request: Request) -> HTMLResponse:
    cities = []
    for name, cfg in sorted(discover_cities().items()):
        try:
            get_city(name)
        except StufenlosError:
            continue
        cities.append({"name": name, "title": cfg.title})
    return render(request, "analysis/index.html", {"cities": cities})


@router.get("/analysis/{city}", response_class=HTMLResponse, include_in_schema=False)
def analysis_page(request: Request, city: str, profiles: _PROFILES_Q = "standard,wheelchair",
                  budgets: _BUDGETS_Q = "5,10,15",
                  p: Annotated[list[str] | None, Query(description="Profiles (repeated).")] = None
                  ) -> HTMLResponse:
    param = "profiles"
    if p:  # the page's form sends one `p` per ticked profile
        profiles = ",".join(["standard", *[x for x in p if x != "standard"]])
        param = "p"
    try:
        res = _analysis(city, profiles, None, budgets, profiles_param=param)
        st = None
        c = res.setup.city
        if c.config.input_paths("stations") and res.setup.areas.kind == "areas":
            st = _stations(city, 600.0)
    except UnknownCityError as exc:
        return render(request, "analysis/index.html", {"cities": [], "error": str(exc)},
                      status_code=404)
    except RequestValidationError as exc:
        detail = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())
        return render(request, "analysis/index.html", {"cities": [], "error": detail},
                      status_code=422)
    except ServerBusyError as exc:
        resp = render(request, "analysis/index.html", {"cities": [], "error": str(exc)},
                      status_code=429)
        resp.headers["Retry-After"] = str(exc.retry_after_s)
        return resp
    shown = display_result(res)
    ctx = report_context(shown.result, stations=st, lang=page_language(request))
    choices = fix_choices(c)
    return render(request, "analysis/page.html", {
        "r": ctx, "city_name": city, "all_profiles": list(PRESETS),
        "profile_label": {n: label[page_language(request)] for n, label in PROFILE_LABELS.items()},
        "chosen": set(res.profiles), "budgets_text": budgets,
        "budget_choices": _budget_text(), "max_profiles": MAX_PROFILES,
        "shown": shown, "csv_url": f"/api/analysis/{city}/areas.csv?profiles="
                                   f"{','.join(res.profiles)}&budgets={budgets}",
        "fixes": choices.by_kind, "fix_totals": choices.totals, "fix_kinds": FIX_KINDS,
        "max_choices": MAX_CHOICES, "map": _map_config(request, c)})


@router.post("/analysis/{city}/scenario", response_class=HTMLResponse,
             include_in_schema=False)
async def scenario_page(request: Request, city: str) -> HTMLResponse:
    """Run a scenario from the page's form: a station to make step-free, or a
    scenario written as TOML or JSON."""
    import json
    import tomllib

    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    fix = str(form.get("fix") or "").strip()
    text = str(form.get("scenario") or "").strip()
    error = None
    data: Any = None
    if text:
        try:
            data = json.loads(text) if text.startswith("{") else tomllib.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            error = f"scenario: not valid JSON or TOML: {exc}"
    elif fix:
        try:
            data = fix_scenario(get_city(city), fix)
        except StufenlosError as exc:
            error = str(exc)
    else:
        error = "missing"  # the template says it in the page's language
    result = None
    if error is None:
        try:
            result = await run_in_threadpool(_page_scenario, city, data)
        except ServerBusyError as exc:
            resp = render(request, "analysis/scenario.html", {
                "city_name": city, "error": str(exc), "result": None}, status_code=429)
            resp.headers["Retry-After"] = str(exc.retry_after_s)
            return resp
        except StufenlosError as exc:
            error = str(exc)
    return render(request, "analysis/scenario.html", {
        "city_name": city, "error": error, "result": result,
        "profile_label": {n: label[page_language(request)] for n, label in PROFILE_LABELS.items()},
        "group_label": GROUPS},
        status_code=400 if error else 200)


def _page_scenario(city: str, data: Any) -> dict[str, Any]:
    c, _ = _city(city)
    sc = parse_scenario(data, where="scenario")
    with heavy_pool().slot("scenario"):
        setup = prepare(c)
        res = run_scenario(setup, sc, profiles=["standard", "wheelchair", "walker"])
    groups = setup.areas.groups() or ["population"]
    labels = dict(setup.categories)
    totals = [{"profile": r["profile"], "category": labels[r["category"]].label,
               "gained": {g: r[f"gained_{g}"] for g in groups},
               "lost": {g: r[f"lost_{g}"] for g in groups}}
              for r in res.totals.to_dict("records")]
    return {"name": sc.name, "applied": res.log, "budget": f"{res.budget_min:g}",
            "groups": groups, "weighted": setup.areas.weighted, "totals": totals,
            "changed_areas": int(res.areas["area_id"].nunique()) if len(res.areas) else 0}
