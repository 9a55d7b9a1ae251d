"""Equity analysis over HTTP: area tables, scenarios, the station ranking, and a page.

* ``GET /api/analysis/{city}``: one row per area with, per profile, the measures
  by category and the people by group (as ``stufenlos analyze --format json``);
* ``POST /api/analysis/{city}/scenario``: a scenario body -> people who gain or
  lose access, per area and in total;
* ``GET /api/analysis/{city}/stations``: residents 65+ near step-free stations
  and the ranking of stations that are not step-free;
* ``GET /analysis`` and ``GET /analysis/{city}``: the report as a web page.

Results are cached per city and settings; a city's import changes its folder's
``network/network.json``, whose modification time is part of the cache key.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from stufenlos.analysis.access import AccessResult, AnalysisError, analyze, prepare
from stufenlos.analysis.report import report_context
from stufenlos.analysis.scenario import parse_scenario, run_scenario
from stufenlos.analysis.stations import StationAnalysis, station_access
from stufenlos.analysis.transit_access import parse_options
from stufenlos.api.errors import ERROR_RESPONSES
from stufenlos.api.templating import render
from stufenlos.city import City, load_city
from stufenlos.config import discover_cities
from stufenlos.errors import StufenlosError, UnknownCityError

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["analysis"], responses=ERROR_RESPONSES)

_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_LOCK = threading.Lock()
_CACHE_SIZE = 16
_MAX_PROFILES = 7


def _cached(key: tuple[Any, ...], make: Any) -> Any:
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    value = make()
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def _city(name: str) -> tuple[City, float]:
    city = load_city(name)
    stamp = (city.folder / "network" / "network.json").stat().st_mtime
    return city, stamp


def _split(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [x.strip() for x in text.split(",") if x.strip()] or None


def _budgets(text: str) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        msg = f"budgets must be minutes separated by commas, got {text!r}"
        raise AnalysisError(msg) from None
    if not values or len(values) > 6 or max(values) > 60:
        msg = "give one to six budgets of at most 60 minutes"
        raise AnalysisError(msg)
    return values


def _analysis(name: str, profiles: str, categories: str | None, budgets: str,
              mode: str = "walk", date: str | None = None,
              depart: str = "08:00") -> AccessResult:
    city, stamp = _city(name)
    topts = parse_options(date, depart) if mode == "walk+transit" else None
    profs = _split(profiles) or ["standard"]
    if len(profs) > _MAX_PROFILES:
        msg = f"at most {_MAX_PROFILES} profiles"
        raise AnalysisError(msg)
    cats = _split(categories)
    bud = _budgets(budgets)
    key = ("analysis", name, stamp, tuple(profs), tuple(cats or ()), tuple(bud), mode, topts)
    return _cached(key, lambda: analyze(city, profiles=profs, categories=cats,
                                        budgets_min=bud, travel=mode,
                                        transit_options=topts))


def _stations(name: str, distance_m: float) -> StationAnalysis:
    city, stamp = _city(name)
    return _cached(("stations", name, stamp, distance_m),
                   lambda: station_access(city, distance_m=distance_m))


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
    areas: list[dict[str, Any]]


class ScenarioRequest(BaseModel):
    """A scenario to run, with the analysis settings."""

    model_config = ConfigDict(extra="forbid")

    scenario: dict[str, Any] = Field(description="name, description and changes (see docs)")
    profiles: list[str] = Field(default_factory=lambda: ["standard", "wheelchair"],
                                min_length=1, max_length=_MAX_PROFILES)
    categories: list[str] | None = None
    budget_min: float = Field(15.0, gt=0, le=60)


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
    ranking: list[dict[str, Any]]


_PROFILES_Q = Annotated[str, Query(description="Profiles, comma-separated.")]
_CATS_Q = Annotated[str | None, Query(description="Categories, comma-separated.")]
_BUDGETS_Q = Annotated[str, Query(description="Budgets in minutes, comma-separated.")]
_MODE_Q = Annotated[str, Query(
    description="walk, or walk+transit: the faster of walking and walk + public transport "
                "(cities with a GTFS input; write + as %2B, a space is read as +).",
    pattern=r"^walk([+ ]transit)?$")]
_DATE_Q = Annotated[str | None, Query(
    description="walk+transit: service day YYYY-MM-DD (default: the first Tuesday of "
                "the feed's service period).", pattern=r"^\d{4}-\d{2}-\d{2}$")]
_DEPART_Q = Annotated[str, Query(description="walk+transit: departure time HH:MM.",
                                 pattern=r"^\d{2}:\d{2}$")]


@router.get("/api/analysis/{city}", response_model=AreaTable,
            summary="Reach per area, profile and group, with the equity gap")
def area_table(city: str, profiles: _PROFILES_Q = "standard,wheelchair",
               categories: _CATS_Q = None, budgets: _BUDGETS_Q = "5,10,15",
               covered_only: bool = False, mode: _MODE_Q = "walk",
               date: _DATE_Q = None, depart: _DEPART_Q = "08:00") -> AreaTable:
    mode = mode.replace(" ", "+")  # an unencoded + in a query string arrives as a space
    res = _analysis(city, profiles, categories, budgets, mode, date, depart)
    return AreaTable(city=city, profiles=res.profiles, budgets_min=res.budgets_min,
                     categories=res.setup.category_names, mode=res.travel,
                     transit=res.transit, notes=res.notes, totals=res.totals(),
                     areas=res.area_rows(covered_only=covered_only))


@router.post("/api/analysis/{city}/scenario", response_model=ScenarioAnswer,
             summary="Run a what-if scenario")
def scenario(city: str, body: ScenarioRequest) -> ScenarioAnswer:
    c, _ = _city(city)
    sc = parse_scenario(body.scenario, where="scenario")
    budgets = sorted({5.0, 10.0, 15.0, float(body.budget_min)})
    setup = prepare(c, categories=body.categories, budgets_min=budgets)
    res = run_scenario(setup, sc, profiles=body.profiles, budget_min=float(body.budget_min))
    return ScenarioAnswer(**res.to_dict())


@router.get("/api/analysis/{city}/stations", response_model=StationAnswer,
            summary="Residents 65+ near step-free stations; stations to fix first")
def stations(city: str, distance_m: Annotated[float, Query(gt=0, le=5000)] = 600.0
             ) -> StationAnswer:
    return StationAnswer(**_stations(city, distance_m).to_dict())


@router.get("/analysis", response_class=HTMLResponse, include_in_schema=False)
def analysis_index(request: Request) -> HTMLResponse:
    cities = []
    for name, cfg in sorted(discover_cities().items()):
        try:
            load_city(name)
        except StufenlosError:
            continue
        cities.append({"name": name, "title": cfg.title})
    return render(request, "analysis/index.html", {"cities": cities})


@router.get("/analysis/{city}", response_class=HTMLResponse, include_in_schema=False)
def analysis_page(request: Request, city: str, profiles: _PROFILES_Q = "standard,wheelchair",
                  budgets: _BUDGETS_Q = "5,10,15",
                  p: Annotated[list[str] | None, Query(description="Profiles (repeated).")] = None
                  ) -> HTMLResponse:
    if p:  # the page's form sends one `p` per ticked profile
        profiles = ",".join(["standard", *[x for x in p if x != "standard"]])
    try:
        res = _analysis(city, profiles, None, budgets)
    except UnknownCityError as exc:
        return render(request, "analysis/index.html", {"cities": [], "error": str(exc)},
                      status_code=404)
    st = None
    c = res.setup.city
    if c.config.input_paths("stations") and res.setup.areas.kind == "areas":
        st = _stations(city, 600.0)
    ctx = report_context(res, stations=st)
    from stufenlos.profiles import PRESETS

    return render(request, "analysis/page.html", {
        "r": ctx, "city_name": city, "all_profiles": list(PRESETS),
        "chosen": set(res.profiles), "budgets_text": budgets,
        "candidates": _station_choices(c)})


def _station_choices(city: City) -> list[dict[str, str]]:
    from stufenlos.analysis.destinations import read_db_station_points

    st = read_db_station_points(city.config.input_paths("stations"))
    st = st[st["step_free"] != "yes"].sort_values("name")
    return [{"id": r.station_id, "name": r.name, "step_free": r.step_free}
            for r in st.itertuples()]


@router.post("/analysis/{city}/scenario", response_class=HTMLResponse,
             include_in_schema=False)
async def scenario_page(request: Request, city: str) -> HTMLResponse:
    """Run a scenario from the page's form: a station to make step-free, or a
    scenario written as TOML or JSON."""
    import json
    import tomllib

    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    station = str(form.get("station") or "").strip()
    text = str(form.get("scenario") or "").strip()
    error = None
    data: Any = None
    if text:
        try:
            data = json.loads(text) if text.startswith("{") else tomllib.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            error = f"scenario: not valid JSON or TOML: {exc}"
    elif station:
        data = {"name": f"step-free station {station}", "changes": [
            {"action": "make_step_free", "station": station}]}
    else:
        error = "missing"  # the template says it in the page's language
    result = None
    if error is None:
        try:
            result = await run_in_threadpool(_page_scenario, city, data)
        except StufenlosError as exc:
            error = str(exc)
    return render(request, "analysis/scenario.html", {
        "city_name": city, "error": error, "result": result},
        status_code=400 if error else 200)


def _page_scenario(city: str, data: Any) -> dict[str, Any]:
    c, _ = _city(city)
    sc = parse_scenario(data, where="scenario")
    setup = prepare(c)
    res = run_scenario(setup, sc, profiles=["standard", "wheelchair", "walker"])
    groups = setup.areas.groups() or ["population"]
    labels = dict(setup.categories)
    totals = [{"profile": r["profile"], "category": labels[r["category"]].label,
               "gained": {g: r[f"gained_{g}"] for g in groups},
               "lost": {g: r[f"lost_{g}"] for g in groups}}
              for r in res.totals.to_dict("records")]
    return {"name": sc.name, "applied": res.log, "budget": f"{res.budget_min:g}",
            "groups": groups, "totals": totals,
            "changed_areas": int(res.areas["area_id"].nunique()) if len(res.areas) else 0}
