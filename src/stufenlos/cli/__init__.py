"""The ``stufenlos`` command line."""

from __future__ import annotations

import importlib
import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from stufenlos._version import __version__
from stufenlos.cli._common import fail
from stufenlos.errors import StufenlosError

app = typer.Typer(
    name="stufenlos",
    help="Step-free routing and barrier information for cities, from open data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
city_app = typer.Typer(help="List and add city configurations.", no_args_is_help=True)
app.add_typer(city_app, name="city")

#: modules that add their commands with a ``register(app)`` function
COMMAND_MODULES: tuple[str, ...] = (
    "stufenlos.cli.routing",
    "stufenlos.cli.plan",
    "stufenlos.cli.serve",
    "stufenlos.cli.reports",
    "stufenlos.cli.transit",
    "stufenlos.cli.analysis",
    "stufenlos.cli.proceedings",
)




def _version(value: bool) -> None:
    if value:
        typer.echo(f"stufenlos {__version__}")
        raise typer.Exit


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Step-free routing and barrier information for cities, from open data."""
    from stufenlos.settings import get_settings

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        get_settings()  # a bad environment variable stops every command up front
    except StufenlosError as exc:
        raise fail(exc) from None


CityArg = Annotated[str, typer.Argument(help="City name, as in its city.toml.")]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Where imported cities live (default $STUFENLOS_DATA_DIR or ./var)."
    ),
]


@app.command("import")
def import_cmd(
    city: Annotated[str | None, typer.Argument(help="City to import; omit with --all.")] = None,
    all_cities: Annotated[
        bool, typer.Option("--all", help="Import every configured city.")
    ] = False,
    data_dir: DataDirOpt = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Import a city's inputs into its pedestrian network and barrier store."""
    from stufenlos.build import import_city
    from stufenlos.config import discover_cities, find_city

    try:
        if all_cities:
            configs = list(discover_cities().values())
        elif city:
            configs = [find_city(city)]
        else:
            typer.echo("error: give a city name or --all", err=True)
            raise typer.Exit(code=2)
        for cfg in configs:
            summary = import_city(cfg, base=data_dir, progress=progress)
            typer.echo(summary.to_text())
    except StufenlosError as exc:
        raise fail(exc) from None


@app.command()
def summary(
    city: Annotated[str | None, typer.Argument(help="City to describe; omit with --all.")] = None,
    all_cities: Annotated[
        bool, typer.Option("--all", help="Describe every imported city.")
    ] = False,
    data_dir: DataDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Print what an import produced: nodes, edges, km, barriers, unknown shares."""
    from stufenlos.build import ImportSummary
    from stufenlos.city import city_folder
    from stufenlos.config import discover_cities

    try:
        names = sorted(discover_cities()) if all_cities else [city] if city else []
        if not names:
            typer.echo("error: give a city name or --all", err=True)
            raise typer.Exit(code=2)
        out = []
        for name in names:
            s = ImportSummary.read(city_folder(name, data_dir))
            out.append(s)
            if not as_json:
                typer.echo(s.to_text())
        if as_json:
            typer.echo(json.dumps([s.to_dict() for s in out], indent=2))
    except StufenlosError as exc:
        raise fail(exc) from None


@app.command()
def barriers(
    city: CityArg,
    fmt: Annotated[str, typer.Option("--format", help="geojson or csv.")] = "geojson",
    kind: Annotated[list[str] | None, typer.Option(help="Only these kinds (repeatable).")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Export a city's barriers as GeoJSON or CSV."""
    from stufenlos.barriers import BarrierStore
    from stufenlos.registry import get_city

    if fmt not in ("geojson", "csv"):
        typer.echo(f"error: --format must be geojson or csv, got {fmt!r}", err=True)
        raise typer.Exit(code=2)
    try:
        c = get_city(city, base=data_dir)
        store = BarrierStore(c.database_path)
        text = store.to_geojson(kinds=kind) if fmt == "geojson" else store.to_csv(kinds=kind)
    except StufenlosError as exc:
        raise fail(exc) from None
    if output is None:
        sys.stdout.write(text)
    else:
        from stufenlos._util import atomic_write_bytes

        atomic_write_bytes(output, text.encode("utf-8"))


@city_app.command("list")
def city_list() -> None:
    """List configured cities and where their config lives."""
    from stufenlos.config import discover_cities

    try:
        for name, cfg in sorted(discover_cities().items()):
            kinds = ", ".join(sorted({i.kind for i in cfg.inputs})) or "no inputs"
            typer.echo(f"{name}\t{cfg.title}\t{kinds}\t{cfg.folder}")
    except StufenlosError as exc:
        raise fail(exc) from None


@city_app.command("add")
def city_add(
    name: Annotated[str, typer.Argument(help="Short name: lower-case letters, digits, - or _.")],
    osm: Annotated[
        list[Path], typer.Option(help="OSM .osm.pbf/.osm/.osm.bz2 or Overpass GeoJSON.")
    ],
    gtfs: Annotated[
        list[Path] | None, typer.Option(help="GTFS zip or folder (repeatable).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Display name.")] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "Europe/Berlin",
    folder: Annotated[
        Path | None, typer.Option(help="Where to write city.toml (default <data-dir>/cities/NAME).")
    ] = None,
) -> None:
    """Write a city.toml for your own extract; then run `stufenlos import NAME`."""
    from stufenlos.config import (
        CityConfig,
        InputSpec,
        SourceSpec,
        data_dir,
        write_city_config,
    )
    from stufenlos.errors import CityConfigError

    inputs = [InputSpec(kind="osm", path=str(p.resolve())) for p in osm]
    inputs += [InputSpec(kind="gtfs", path=str(p.resolve())) for p in gtfs or []]
    sources = [
        SourceSpec(
            name="OpenStreetMap",
            licence="ODbL-1.0",
            attribution="© OpenStreetMap contributors",
            url="https://www.openstreetmap.org/copyright",
        )
    ]
    try:
        try:
            cfg = CityConfig(
                name=name,
                title=title or name.title(),
                timezone=timezone,
                inputs=inputs,
                sources=sources,
            )
        except ValueError as exc:
            raise CityConfigError(str(exc)) from None
        target_folder = folder or data_dir() / "cities" / name
        cfg.folder = target_folder.resolve()
        cfg.check_inputs()
        path = write_city_config(cfg, target_folder)
    except StufenlosError as exc:
        raise fail(exc) from None
    typer.echo(f"wrote {path}; now run: stufenlos import {name}")


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)
