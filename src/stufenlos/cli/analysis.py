"""CLI commands ``analyze`` and ``scenario run|rank|stations`` (equity analysis)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from stufenlos._util import csv_frame
from stufenlos.cli._common import fail as _fail
from stufenlos.errors import StufenlosError

__all__ = ["register"]

_DATA = Annotated[Path | None, typer.Option(
    "--data-dir", help="Where imported cities live (default $STUFENLOS_DATA_DIR or ./var).")]
_SCHED = Annotated[str, typer.Option(
    "--scheduler", help="Dask scheduler ADDRESS (tcp://host:8786), 'local' (a local cluster "
    "of processes), 'threads' (a cluster in this process) or 'none' (no Dask).")]
_BUDGETS = Annotated[str, typer.Option(help="Time budgets in minutes, comma-separated.")]
_CATS = Annotated[str | None, typer.Option(
    help="Destination categories, comma-separated (default: all that the city has).")]
_CATFILE = Annotated[Path | None, typer.Option(
    "--categories-file", help="TOML/JSON file with your own categories (see docs).")]
_OUT = Annotated[Path | None, typer.Option("--output", "-o", help="File (default stdout).")]
_PROGRESS = Annotated[bool, typer.Option(help="Show progress bars on stderr.")]


def _list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    items = [x.strip() for x in text.split(",") if x.strip()]
    return items or None


def _floats(text: str, name: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        typer.echo(f"error: {name} must be numbers separated by commas, got {text!r}", err=True)
        raise typer.Exit(code=2) from None


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        from stufenlos._util import atomic_write_bytes

        atomic_write_bytes(output, text.encode("utf-8"))




def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        typer.echo(f"error: --format must be one of {', '.join(allowed)}, got {fmt!r}", err=True)
        raise typer.Exit(code=2)


def _options(categories: str | None, categories_file: Path | None, budgets: str,
             spacing_m: float) -> dict[str, Any]:
    opts: dict[str, Any] = {"categories": _list(categories),
                            "budgets_min": _floats(budgets, "--budgets"), "spacing_m": spacing_m}
    if categories_file is not None:
        from stufenlos.analysis.destinations import DEFAULT_CATEGORIES, load_categories

        opts["category_defs"] = {**DEFAULT_CATEGORIES, **load_categories(categories_file)}
    return opts


def _rank(result: Any, kind: str, limit: int, run: Any) -> Any:
    """Ranking of candidate fixes for the report (None when not asked or not possible)."""
    from stufenlos.analysis.ranking import candidate_fixes, rank_candidates
    from stufenlos.analysis.report import headline

    if kind == "none":
        return None
    cat, prof, bl = headline(result)
    if prof == "standard":
        return None
    cands = candidate_fixes(result.setup, kind, profile=prof)
    if not cands:
        return None
    ranking = rank_candidates(result.setup, cands, profile=prof, category=cat,
                              budget_min=float(bl), limit=limit, runner=run)
    typer.echo(f"{result.setup.city.name}: {ranking.summary}", err=True)
    return ranking


def register(app: typer.Typer) -> None:
    """Add the analysis commands to ``app``."""
    scenario_app = typer.Typer(help="What-if scenarios and rankings of fixes.",
                               no_args_is_help=True)
    app.add_typer(scenario_app, name="scenario")

    @app.command()
    def analyze(
        city: Annotated[str | None, typer.Argument(help="City; omit with --all.")] = None,
        all_cities: Annotated[bool, typer.Option(
            "--all", help="Analyse every imported city and write results to --out-dir.")] = False,
        profiles: Annotated[str, typer.Option(help="Profiles, comma-separated.")] =
            "standard,wheelchair",
        categories: _CATS = None,
        categories_file: _CATFILE = None,
        budgets: _BUDGETS = "5,10,15",
        spacing_m: Annotated[float, typer.Option(help="Origin spacing inside areas, m.")] = 100.0,
        fmt: Annotated[str, typer.Option(
            "--format", help="json (one row per area), csv, geojson or table.")] = "json",
        covered_only: Annotated[bool, typer.Option(
            help="Only areas the network reaches.")] = False,
        out_dir: Annotated[Path | None, typer.Option(
            help="Write all outputs (CSV, Parquet, GeoJSON, report.html) into "
                 "OUT_DIR/<city> (default with --all: <data-dir>/analysis).")] = None,
        station_distance_m: Annotated[float, typer.Option(
            help="Distance for the step-free station analysis (cities with stations and "
                 "areas).")] = 600.0,
        rank: Annotated[str, typer.Option(
            help="With --out-dir/--all: also rank candidate fixes of this kind (steps, kerbs, "
                 "stations or none) for the first non-standard profile.")] = "steps",
        rank_limit: Annotated[int, typer.Option(
            min=1, help="Evaluate at most this many candidates exactly: those that connect "
                        "something for the profile, most people within reach first.")] = 20,
        live_closures: Annotated[bool, typer.Option(
            help="Leave out arcs closed right now (broken elevators, confirmed reports).")
        ] = False,
        mode: Annotated[str, typer.Option(
            help="walk, or walk+transit: the faster of walking and walk + public transport "
                 "(cities with a GTFS input).")] = "walk",
        date: Annotated[str | None, typer.Option(
            help="walk+transit: service day YYYY-MM-DD (default: the first Tuesday of the "
                 "feed's service period).")] = None,
        depart: Annotated[str, typer.Option(
            help="walk+transit: departure time HH:MM.")] = "08:00",
        max_transfers: Annotated[int, typer.Option(
            help="walk+transit: most changes between vehicles.")] = 3,
        scheduler: _SCHED = "local",
        progress: _PROGRESS = True,
        output: _OUT = None,
        data_dir: _DATA = None,
    ) -> None:
        """Who reaches what, per area and profile, and the equity gap to `standard`."""
        from stufenlos.analysis.access import analyze as run_analysis
        from stufenlos.analysis.execution import runner
        from stufenlos.analysis.report import _geojson, write_outputs
        from stufenlos.analysis.stations import station_access
        from stufenlos.config import data_dir as default_data_dir
        from stufenlos.config import discover_cities
        from stufenlos.errors import UnknownCityError
        from stufenlos.registry import get_city

        _check_format(fmt, ("json", "csv", "geojson", "table"))
        if rank not in ("steps", "kerbs", "stations", "none"):
            typer.echo(f"error: --rank must be steps, kerbs, stations or none, got {rank!r}",
                       err=True)
            raise typer.Exit(code=2)
        if not all_cities and not city:
            typer.echo("error: give a city name or --all", err=True)
            raise typer.Exit(code=2)
        profs = _list(profiles) or ["standard"]
        if mode not in ("walk", "walk+transit"):
            typer.echo(f"error: --mode must be walk or walk+transit, got {mode!r}", err=True)
            raise typer.Exit(code=2)
        try:
            opts = _options(categories, categories_file, budgets, spacing_m)
            if mode == "walk+transit":
                from stufenlos.analysis.transit_access import parse_options

                opts["travel"] = mode
                opts["transit_options"] = parse_options(date, depart, max_transfers)
            if all_cities:
                base = Path(data_dir) if data_dir else default_data_dir()
                out_root = out_dir or base / "analysis"
                names = []
                for name in sorted(discover_cities()):
                    try:
                        names.append(get_city(name, base=data_dir))
                    except UnknownCityError:
                        typer.echo(f"{name}: not imported, skipped", err=True)
            else:
                names = [get_city(city, base=data_dir)]  # type: ignore[arg-type]
                out_root = out_dir
            with runner(scheduler, progress=progress) as run:
                for c in names:
                    if mode == "walk+transit" and all_cities \
                            and not c.config.input_paths("gtfs"):
                        typer.echo(f"{c.name}: no GTFS input, skipped (--mode walk+transit)",
                                   err=True)
                        continue
                    result = run_analysis(c, profiles=profs, runner=run,
                                          live_closures=live_closures, **opts)
                    if out_root is not None:
                        st = None
                        if c.config.input_paths("stations") and result.setup.areas.weighted \
                                and result.setup.areas.kind == "areas":
                            st = station_access(c, distance_m=station_distance_m)
                        ranking = _rank(result, rank, rank_limit, run)
                        files = write_outputs(result, out_root / c.name, stations=st,
                                              ranking=ranking)
                        typer.echo(f"{c.name}: {len(result.setup.origins)} origins, "
                                   f"{len(result.setup.areas)} areas -> {files[0].parent}",
                                   err=True)
                        continue
                    if fmt == "json":
                        rows = result.area_rows(covered_only=covered_only)
                        text = json.dumps(rows, ensure_ascii=False, indent=1)
                    elif fmt == "geojson":
                        text = json.dumps(_geojson(result), ensure_ascii=False)
                    else:
                        tab = result.area_table()
                        if covered_only:
                            tab = tab[tab["covered_population"] > 0]
                        text = csv_frame(tab) if fmt == "csv" else tab.to_string()
                    _emit(text, output)
        except StufenlosError as exc:
            raise _fail(exc) from None

    @scenario_app.command("run")
    def scenario_run(
        city: Annotated[str, typer.Argument(help="City name.")],
        scenario_file: Annotated[Path, typer.Argument(help="Scenario file (TOML or JSON).")],
        profiles: Annotated[str, typer.Option(help="Profiles, comma-separated.")] =
            "standard,wheelchair",
        categories: _CATS = None,
        budgets: _BUDGETS = "5,10,15",
        budget: Annotated[float | None, typer.Option(
            help="Budget (min) that defines access (default: the largest).")] = None,
        fmt: Annotated[str, typer.Option("--format", help="json or csv.")] = "json",
        scheduler: _SCHED = "none",
        progress: _PROGRESS = False,
        output: _OUT = None,
        data_dir: _DATA = None,
    ) -> None:
        """People (by group) who gain or lose access under a scenario, per area and in total."""
        from stufenlos.analysis.access import prepare
        from stufenlos.analysis.execution import runner
        from stufenlos.analysis.scenario import load_scenario, run_scenario
        from stufenlos.registry import get_city

        _check_format(fmt, ("json", "csv"))
        try:
            sc = load_scenario(scenario_file)
            c = get_city(city, base=data_dir)
            setup = prepare(c, **_options(categories, None, budgets, 100.0))
            with runner(scheduler, progress=progress) as run:
                res = run_scenario(setup, sc, profiles=_list(profiles) or ["standard"],
                                   runner=run, budget_min=budget)
        except StufenlosError as exc:
            raise _fail(exc) from None
        if fmt == "json":
            _emit(json.dumps(res.to_dict(), ensure_ascii=False, indent=1, default=str), output)
        else:
            _emit(csv_frame(res.totals), output)

    @scenario_app.command("rank")
    def scenario_rank(
        city: Annotated[str, typer.Argument(help="City name.")],
        candidates: Annotated[str, typer.Option(
            help="stations (not step-free), kerbs (raised, mapped) or steps.")] = "steps",
        profile: Annotated[str, typer.Option(help="Profile the fixes are for.")] = "wheelchair",
        category: Annotated[str, typer.Option(help="Destination category.")] = "pharmacy",
        budget: Annotated[float, typer.Option(help="Budget in minutes.")] = 15.0,
        limit: Annotated[int, typer.Option(
            min=1, help="Evaluate at most this many candidates exactly: those that connect "
                        "something for the profile, most people within reach first.")] = 50,
        fmt: Annotated[str, typer.Option("--format", help="json or csv.")] = "csv",
        scheduler: _SCHED = "none",
        progress: _PROGRESS = False,
        output: _OUT = None,
        data_dir: _DATA = None,
    ) -> None:
        """Rank candidate fixes of a kind by people who gain access.

        Only fixes that connect something for the profile are evaluated, and only
        fixes that give someone access are listed; if none does, this says so."""
        from stufenlos.analysis.access import prepare
        from stufenlos.analysis.execution import runner
        from stufenlos.analysis.ranking import candidate_fixes, rank_candidates
        from stufenlos.registry import get_city

        _check_format(fmt, ("json", "csv"))
        try:
            c = get_city(city, base=data_dir)
            setup = prepare(c, categories=[category], budgets_min=[budget])
            cands = candidate_fixes(setup, candidates, profile=profile)
            with runner(scheduler, progress=progress) as run:
                ranking = rank_candidates(setup, cands, profile=profile, category=category,
                                          budget_min=budget, limit=limit, runner=run)
        except StufenlosError as exc:
            raise _fail(exc) from None
        typer.echo(("note: " if ranking.empty else "") + ranking.summary, err=True)
        if fmt == "csv":
            _emit(csv_frame(ranking.table), output)
        else:
            _emit(json.dumps(ranking.to_dict(), ensure_ascii=False, indent=1, default=str),
                  output)

    @scenario_app.command("stations")
    def scenario_stations(
        city: Annotated[str, typer.Argument(help="City name (with areas and stations).")],
        distance_m: Annotated[float, typer.Option(help="Distance to a station, m.")] = 600.0,
        profile: Annotated[str, typer.Option(
            help="Profile for network distances.")] = "older_pedestrian",
        table: Annotated[str, typer.Option(help="ranking or areas.")] = "ranking",
        fmt: Annotated[str, typer.Option("--format", help="json or csv.")] = "csv",
        output: _OUT = None,
        data_dir: _DATA = None,
    ) -> None:
        """Stations that are not step-free ranked by residents 65+ who would gain one
        within reach, or per area the share of residents 65+ near a step-free station."""
        from stufenlos.analysis.stations import station_access
        from stufenlos.registry import get_city

        _check_format(fmt, ("json", "csv"))
        if table not in ("ranking", "areas"):
            typer.echo(f"error: --table must be ranking or areas, got {table!r}", err=True)
            raise typer.Exit(code=2)
        try:
            res = station_access(get_city(city, base=data_dir), distance_m=distance_m,
                                 profile=profile)
        except StufenlosError as exc:
            raise _fail(exc) from None
        for note in res.notes:
            typer.echo(f"note: {note}", err=True)
        df = res.ranking if table == "ranking" else res.areas
        if table == "ranking":
            typer.echo(res.ranking_summary, err=True)
        if fmt == "csv":
            _emit(csv_frame(df), output)
        else:
            extra = {"ranking_summary": res.ranking_summary} if table == "ranking" else {}
            _emit(json.dumps({"notes": res.notes, **extra, table: df.to_dict("records")},
                             ensure_ascii=False, indent=1, default=str), output)
