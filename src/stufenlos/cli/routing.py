"""CLI commands ``route``, ``reach``, ``matrix`` and ``close``/``reopen``/``closures``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from stufenlos._util import csv_table
from stufenlos.cli._common import fail as _fail
from stufenlos.cli._common import limit_options
from stufenlos.errors import StufenlosError

__all__ = ["limits_markdown", "register"]

_FROM = Annotated[str, typer.Option("--from", help="Start as LAT,LON.")]
_PROFILE = Annotated[str, typer.Option(
    help="standard, wheelchair, electric_wheelchair, walker, older_pedestrian, blind, pram.")]
_DATA = Annotated[Path | None, typer.Option(
    "--data-dir", help="Where imported cities live (default $STUFENLOS_DATA_DIR or ./var).")]


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        from stufenlos._util import atomic_write_bytes

        atomic_write_bytes(output, text.encode("utf-8"))


def _read_points(path: Path) -> tuple[list[str], list[tuple[float, float]]]:
    """Read ``lat,lon[,id]`` rows from a CSV file, naming the line of any bad value."""
    import csv

    from stufenlos.errors import InputFileError

    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise InputFileError(path, exc.strerror or str(exc)) from None
    if not rows or not {"lat", "lon"} <= set(rows[0]):
        raise InputFileError(path, "needs a header with columns lat and lon")
    ids, pts = [], []
    for line, row in enumerate(rows, start=2):
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (TypeError, ValueError):
            raise InputFileError(path, f"lat/lon must be numbers, got {row['lat']!r}, "
                                       f"{row['lon']!r}", where=f"line {line}") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputFileError(path, f"({lat}, {lon}) is not a lat/lon position",
                                 where=f"line {line}")
        ids.append(str(row.get("id") or line - 1))
        pts.append((lat, lon))
    return ids, pts




def limits_markdown() -> str:
    """The limits of :data:`stufenlos.profiles.LIMITS` and every preset's values, as a
    Markdown table (``–``: no limit).

    Returns
    -------
    str
        One row per limit; the README holds a copy.
    """
    from stufenlos.profiles import LIMITS, PRESETS

    def cell(value: object) -> str:
        if value is None:
            return "–"
        if isinstance(value, list):
            return ", ".join(value) or "–"
        return f"{value:g}" if isinstance(value, (int, float)) else str(value)

    head = ["limit", "API field / CLI option", "range", *PRESETS]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for lim in LIMITS.values():
        if lim.numeric:
            rng = f"{lim.min:g}–{lim.max:g} {lim.unit_in('en')}".rstrip()
        elif lim.choices:
            rng = "one of " + ", ".join(lim.choices)
        else:
            rng = "list of OSM values"
        option = f"`{lim.name}` / `--{lim.name.replace('_', '-')}`"
        values = [cell(lim.default(name)) for name in PRESETS]
        rows.append("| " + " | ".join([lim.label["en"], option, rng, *values]) + " |")
    return "\n".join(rows) + "\n"


def register(app: typer.Typer) -> None:
    """Add the routing commands to ``app``."""

    @app.command()
    def profiles() -> None:
        """The limits a person can change, their ranges and every preset's values
        (Markdown; `–` means no limit)."""
        typer.echo(limits_markdown(), nl=False)

    @app.command()
    @limit_options
    def route(
        city: Annotated[str, typer.Argument(help="City name.")],
        origin: _FROM,
        destination: Annotated[str, typer.Option("--to", help="Destination as LAT,LON.")],
        profile: _PROFILE = "standard",
        optimize: Annotated[str, typer.Option(help="comfort or distance.")] = "comfort",
        fmt: Annotated[str, typer.Option("--format", help="geojson or text.")] = "geojson",
        lang: Annotated[str, typer.Option(
            help="Language of the sentences: de, en or ls (easy-read German).")] = "en",
        output: Annotated[Path | None, typer.Option("--output", "-o", help="File.")] = None,
        data_dir: _DATA = None,
        limits: dict[str, Any] | None = None,
    ) -> None:
        """Best route between two points for a profile; never a silent "no route".

        Exit code 0 with status ok, uncertain or limits_broken, 1 if the points are not
        connected.
        """
        from stufenlos.profiles import get_profile
        from stufenlos.registry import get_city
        from stufenlos.routing import RoutingError, parse_latlon
        from stufenlos.text.route import LANGUAGES, route_text

        if lang not in LANGUAGES:
            typer.echo(f"error: --lang must be one of {', '.join(LANGUAGES)}, got {lang!r}",
                       err=True)
            raise typer.Exit(code=2)
        if fmt not in ("geojson", "text"):
            typer.echo(f"error: --format must be geojson or text, got {fmt!r}", err=True)
            raise typer.Exit(code=2)
        try:
            if optimize not in ("comfort", "distance"):
                msg = f"--optimize must be comfort or distance, got {optimize!r}"
                raise RoutingError(msg)
            a, b = parse_latlon(origin), parse_latlon(destination)
            person = get_profile(profile, **(limits or {}))
            c = get_city(city, base=data_dir)
            r = c.route(a, b, profile=person, optimize=optimize)
            if fmt == "text":
                text = route_text(r, lang=lang)
            else:
                from stufenlos.api.views import route_answer  # the API's answer, the same

                text = json.dumps(route_answer(c, r, lang, origin=a, destination=b),
                                  ensure_ascii=False, indent=1)
        except StufenlosError as exc:
            raise _fail(exc) from None
        _write(text, output)
        if r.status == "no_route":
            raise typer.Exit(code=1)

    @app.command()
    @limit_options
    def reach(
        city: Annotated[str, typer.Argument(help="City name.")],
        origin: _FROM,
        profile: _PROFILE = "standard",
        minutes: Annotated[float | None, typer.Option(help="Time budget in minutes.")] = None,
        metres: Annotated[float | None, typer.Option(help="Distance budget in metres.")] = None,
        output: Annotated[Path | None, typer.Option("--output", "-o", help="File.")] = None,
        data_dir: _DATA = None,
        limits: dict[str, Any] | None = None,
    ) -> None:
        """Area reachable within a time or distance budget, as GeoJSON."""
        from stufenlos.profiles import get_profile
        from stufenlos.registry import get_city
        from stufenlos.routing import parse_latlon

        if (minutes is None) == (metres is None):
            typer.echo("error: give exactly one of --minutes and --metres", err=True)
            raise typer.Exit(code=2)
        try:
            a = parse_latlon(origin)
            person = get_profile(profile, **(limits or {}))
            c = get_city(city, base=data_dir)
            res = c.reach(a, profile=person,
                          max_time_s=None if minutes is None else minutes * 60.0,
                          max_distance_m=metres)
            text = json.dumps(res.to_geojson(), ensure_ascii=False)
        except StufenlosError as exc:
            raise _fail(exc) from None
        _write(text, output)

    @app.command()
    @limit_options
    def matrix(
        city: Annotated[str, typer.Argument(help="City name.")],
        origins: Annotated[Path, typer.Option(help="CSV with columns lat,lon (and id).")],
        destinations: Annotated[Path, typer.Option(help="CSV with columns lat,lon (and id).")],
        profile: _PROFILE = "standard",
        optimize: Annotated[str, typer.Option(help="comfort or distance.")] = "comfort",
        output: Annotated[Path | None, typer.Option("--output", "-o", help="CSV file.")] = None,
        data_dir: _DATA = None,
        limits: dict[str, Any] | None = None,
    ) -> None:
        """Cost matrix (seconds) between two point lists, as CSV (origin, destination, cost_s,
        limits_broken); empty cost where not connected."""
        from stufenlos.profiles import get_profile
        from stufenlos.registry import get_city

        try:
            a_ids, a_pts = _read_points(origins)
            b_ids, b_pts = _read_points(destinations)
            person = get_profile(profile, **(limits or {}))
            c = get_city(city, base=data_dir)
            m = c.matrix(a_pts, b_pts, profile=person, optimize=optimize)
        except StufenlosError as exc:
            raise _fail(exc) from None
        cost, broken = m.cost_s, m.limits_broken
        rows = (
            (a, b, "" if cost[i, j] != cost[i, j] else f"{cost[i, j]:.1f}",
             str(bool(broken[i, j])).lower())
            for i, a in enumerate(a_ids) for j, b in enumerate(b_ids)
        )
        _write(csv_table(("origin", "destination", "cost_s", "limits_broken"), rows), output)

    @app.command()
    def close(
        city: Annotated[str, typer.Argument(help="City name.")],
        kind: Annotated[str, typer.Argument(
            help="way, node, elevator, barrier, or arc (stored as the segment it lies on).")],
        ref: Annotated[str, typer.Argument(help="OSM id, barrier id or arc index.")],
        until: Annotated[str | None, typer.Option(
            help="Expiry, ISO 8601 with time zone (default: until reopened).")] = None,
        reason: Annotated[str, typer.Option(help="Why (shown to operators).")] = "",
        source: Annotated[str, typer.Option(
            help="manual or operator (reports and equipment feeds close by themselves).")
        ] = "manual",
        by: Annotated[str, typer.Option(help="Who closes it (kept with the closure).")] = "cli",
        data_dir: _DATA = None,
    ) -> None:
        """Close a way, node, elevator or barrier for routing, at once and without rebuild.

        The closure is stored in the application database by OSM ids, so every
        server process applies it at its next request and it survives re-imports.
        """
        from stufenlos.registry import get_city

        try:
            c = get_city(city, base=data_dir)
            if source not in ("manual", "operator"):
                typer.echo(f"error: --source must be manual or operator, got {source!r}",
                           err=True)
                raise typer.Exit(code=2)
            item = c.closures.close(kind, ref, until=until, reason=reason, source=source,
                                    actor=by, network=c.network)
            try:
                arcs = c.closures.resolve(c.network, item)
            except StufenlosError:
                c.closures.reopen(item.id)
                raise
        except StufenlosError as exc:
            raise _fail(exc) from None
        typer.echo(f"closed {item.describe()} ({arcs.size} arcs), id {item.id}"
                   + (f", until {item.valid_until.isoformat()}" if item.valid_until else ""))

    @app.command()
    def reopen(
        city: Annotated[str, typer.Argument(help="City name.")],
        closure_id: Annotated[str, typer.Argument(help="Closure id (see `closures`).")],
        data_dir: _DATA = None,
    ) -> None:
        """Remove a closure."""
        from stufenlos.registry import get_city

        try:
            gone = get_city(city, base=data_dir).closures.reopen(closure_id)
        except StufenlosError as exc:
            raise _fail(exc) from None
        for o in gone:
            typer.echo(f"reopened {o.describe()}")

    @app.command()
    def closures(
        city: Annotated[str, typer.Argument(help="City name.")],
        fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
        everything: Annotated[bool, typer.Option(
            "--all", help="Also closures not (yet, or no longer) in force.")] = False,
        data_dir: _DATA = None,
    ) -> None:
        """List closures in force: id, source, report, what is closed, until when, why."""
        from stufenlos.registry import get_city

        try:
            store = get_city(city, base=data_dir).closures
            items = store.all() if everything else store.active()
        except StufenlosError as exc:
            raise _fail(exc) from None
        if fmt == "json":
            typer.echo(json.dumps([o.to_dict() for o in items], ensure_ascii=False, indent=1))
            return
        if fmt != "text":
            typer.echo(f"error: --format must be text or json, got {fmt!r}", err=True)
            raise typer.Exit(code=2)
        typer.echo("id\tsource\treport\twhat\tuntil\treason")
        for o in items:
            until = o.valid_until.isoformat() if o.valid_until else "-"
            report = str(o.report_id) if o.report_id is not None else "-"
            typer.echo(f"{o.id}\t{o.source}\t{report}\t{o.describe()}\t{until}\t{o.reason}")
