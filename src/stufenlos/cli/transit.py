"""CLI commands ``journey`` and ``departures`` (step-free public transport)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from stufenlos.cli._common import fail as _fail
from stufenlos.cli._common import limit_options
from stufenlos.errors import StufenlosError

__all__ = ["register"]

_DATA = Annotated[Path | None, typer.Option(
    "--data-dir", help="Where imported cities live (default $STUFENLOS_DATA_DIR or ./var).")]
_AT = Annotated[str | None, typer.Option(
    "--at", help="Departure time, ISO 8601 (local time of the feed if no offset); default now.")]
_STATUS = Annotated[list[str] | None, typer.Option(
    "--status", help="Elevator status feed to read first: JSON/CSV file or URL, or "
    "sensorthings+https://... (repeatable).")]


def _check_lang(lang: str) -> None:
    from stufenlos.text.itinerary import LANGUAGES

    if lang not in LANGUAGES:
        typer.echo(f"error: --lang must be one of {', '.join(LANGUAGES)}, got {lang!r}",
                   err=True)
        raise typer.Exit(code=2)


def _when(text: str | None) -> dt.datetime:
    if text is None:
        return dt.datetime.now().astimezone()
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        msg = f"--at must be an ISO 8601 time such as 2022-09-01T08:00, got {text!r}"
        raise StufenlosError(msg) from None


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        from stufenlos._util import atomic_write_bytes

        atomic_write_bytes(output, text.encode("utf-8"))


def register(app: typer.Typer) -> None:
    """Add the public transport commands to ``app``."""

    @app.command()
    @limit_options
    def journey(
        city: Annotated[str, typer.Argument(help="City name.")],
        origin: Annotated[str, typer.Option("--from", help="Start as LAT,LON.")],
        destination: Annotated[str, typer.Option("--to", help="Destination as LAT,LON.")],
        at: _AT = None,
        profile: Annotated[str, typer.Option(
            help="standard, wheelchair, electric_wheelchair, walker, older_pedestrian, "
            "blind, pram.")] = "standard",
        max_transfers: Annotated[int, typer.Option(help="Most changes.")] = 4,
        fmt: Annotated[str, typer.Option("--format", help="text, json or geojson.")] = "text",
        lang: Annotated[str, typer.Option(
            help="Language of text directions: de, en or ls (easy-read German).")] = "en",
        status: _STATUS = None,
        output: Annotated[Path | None, typer.Option("--output", "-o", help="File.")] = None,
        data_dir: _DATA = None,
        limits: dict[str, Any] | None = None,
    ) -> None:
        """Door-to-door public transport journeys for a profile: the fastest and the
        ones with fewer changes; walks to, between and from stops keep the profile's
        limits. Exit code 1 if there is none."""
        from stufenlos.profiles import get_profile
        from stufenlos.routing import parse_latlon
        from stufenlos.text.itinerary import journeys_text
        from stufenlos.transit import NoJourneyError, load_city_transit, transit_profile

        if fmt not in ("text", "json", "geojson"):
            typer.echo(f"error: --format must be text, json or geojson, got {fmt!r}", err=True)
            raise typer.Exit(code=2)
        _check_lang(lang)
        try:
            a, b = parse_latlon(origin), parse_latlon(destination)
            when = _when(at)
            prof = transit_profile(get_profile(profile, **(limits or {})))
            ct = load_city_transit(city, base=data_dir, status=status or ())
            its = ct.journey(a, b, when, profile=prof, max_transfers=max_transfers)
        except NoJourneyError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=1) from None
        except StufenlosError as exc:
            raise _fail(exc) from None
        if fmt == "geojson":
            text = json.dumps({"type": "FeatureCollection",
                               "features": [f | {"properties": f["properties"] | {
                                   "itinerary": i}}
                                            for i, it in enumerate(its)
                                            for f in it.to_geojson()["features"]],
                               "itineraries": [it.to_dict() | {"legs": None} for it in its]},
                              ensure_ascii=False, indent=1)
        elif fmt == "json":
            text = json.dumps([it.to_dict() for it in its], ensure_ascii=False, indent=1)
        else:
            text = journeys_text(its, lang)  # type: ignore[arg-type]
        _write(text, output)

    @app.command()
    def departures(
        city: Annotated[str, typer.Argument(help="City name.")],
        stop: Annotated[str, typer.Option("--stop", help="GTFS stop_id of a stop or station.")],
        at: _AT = None,
        limit: Annotated[int, typer.Option(help="How many departures.")] = 10,
        fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
        lang: Annotated[str, typer.Option(
            help="Language of the text: de, en or ls (easy-read German).")] = "en",
        status: _STATUS = None,
        output: Annotated[Path | None, typer.Option("--output", "-o", help="File.")] = None,
        data_dir: _DATA = None,
    ) -> None:
        """Next departures of a stop or station: step-free or not, and elevator status."""
        from stufenlos.text.itinerary import departures_text
        from stufenlos.transit import departures_to_json, load_city_transit

        if fmt not in ("text", "json"):
            typer.echo(f"error: --format must be text or json, got {fmt!r}", err=True)
            raise typer.Exit(code=2)
        _check_lang(lang)
        try:
            when = _when(at)
            ct = load_city_transit(city, base=data_dir, status=status or ())
            df = ct.departures(stop, when, limit=limit)
        except StufenlosError as exc:
            raise _fail(exc) from None
        text = (departures_to_json(df) if fmt == "json"
                else departures_text(df, lang))  # type: ignore[arg-type]
        _write(text, output)
