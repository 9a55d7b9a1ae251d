"""``stufenlos proceedings ...``: seed the demo proceeding, list proceedings, move phases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from stufenlos.cli._common import DbOpt
from stufenlos.cli._common import fail as _fail
from stufenlos.errors import StufenlosError

__all__ = ["register"]

proceedings_app = typer.Typer(
    help="Participation proceedings on planned fixes: seed, list, phases.",
    no_args_is_help=True,
)


def _store(url: str | None):  # type: ignore[no-untyped-def]
    from stufenlos.plan.service import PlanStore

    return PlanStore(url)


@proceedings_app.command("seed")
def seed_cmd(
    city: Annotated[str, typer.Argument(help="City name.")] = "hamburg",
    limit: Annotated[int, typer.Option(min=1, help="At most this many fixes.")] = 5,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help="Where imported cities live.")] = None,
    database_url: DbOpt = None,
) -> None:
    """Create the demo proceeding with the best fixes the scenario ranking finds
    (skipped if it exists); says how many fixes gave anyone access."""
    from stufenlos.proceedings.seed import seed_demo
    from stufenlos.proceedings.service import proceeding_detail
    from stufenlos.registry import get_city

    try:
        c = get_city(city, base=data_dir)
        with _store(database_url).session() as session:
            d = proceeding_detail(session, seed_demo(session, c, limit=limit).id)
    except StufenlosError as exc:
        raise _fail(exc) from None
    typer.echo(f"{d['slug']}: {len(d['fixes'])} fixes, phase {d['phase']}")
    for f in d["fixes"]:
        gains = ", ".join(f"{r['profile']} {r['gained_population']:g} people" for r in f["effect"])
        typer.echo(f"  {f['title']['en']}: {gains}")


@proceedings_app.command("list")
def list_cmd(database_url: DbOpt = None) -> None:
    """Every proceeding with its phase, fixes and people helped, as JSON."""
    from stufenlos.proceedings.service import proceeding_list

    try:
        with _store(database_url).session() as session:
            items = proceeding_list(session)
    except StufenlosError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(items, ensure_ascii=False, indent=1))


@proceedings_app.command("phase")
def phase_cmd(
    proceeding: Annotated[str, typer.Argument(help="Proceeding id or slug.")],
    phase: Annotated[str, typer.Argument(
        help="The next phase: participation, evaluation or result.")],
    editor: Annotated[str, typer.Option(help="Editor account (needs the edit role).")],
    database_url: DbOpt = None,
) -> None:
    """Move a proceeding to its next phase, in the editor's name (audited)."""
    from pydantic import ValidationError
    from sqlalchemy import select

    from stufenlos.plan.models import Editor
    from stufenlos.proceedings.service import PhaseIn, move_phase

    try:
        data = PhaseIn(phase=phase)  # type: ignore[arg-type]
    except ValidationError:
        typer.echo("error: phase must be information, participation, evaluation or result",
                   err=True)
        raise typer.Exit(code=2) from None
    try:
        with _store(database_url).session() as session:
            account = session.scalar(select(Editor).where(Editor.username == editor))
            if account is None:
                typer.echo(f"error: no editor {editor!r}", err=True)
                raise typer.Exit(code=2)
            p = move_phase(session, account, proceeding, data)
    except StufenlosError as exc:
        raise _fail(exc) from None
    typer.echo(f"{p.slug}: {p.phase}")


def register(app: typer.Typer) -> None:
    """Add ``proceedings`` to the main command line."""
    app.add_typer(proceedings_app, name="proceedings")
