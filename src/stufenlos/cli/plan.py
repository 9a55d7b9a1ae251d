"""``stufenlos plan ...`` and ``stufenlos catalog``: seed, export, import, editors, catalogue."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from stufenlos.cli._common import DbOpt
from stufenlos.cli._common import fail as _fail
from stufenlos.errors import StufenlosError

__all__ = ["register"]

plan_app = typer.Typer(
    help="The open-government action plan: seed, export, import, editor accounts.",
    no_args_is_help=True,
)





def _store(url: str | None):  # type: ignore[no-untyped-def]
    from stufenlos.plan.service import PlanStore

    return PlanStore(url)


@plan_app.command("seed")
def seed_cmd(database_url: DbOpt = None) -> None:
    """Load the Hamburg OGP Local action plan 2022–2024 (skipped if already there)."""
    from stufenlos.plan.seed import PLAN_SLUG, seed_hamburg

    try:
        store = _store(database_url)
        with store.session() as session:
            inserted = seed_hamburg(session)
    except StufenlosError as exc:
        raise _fail(exc) from None
    typer.echo(f"{'seeded' if inserted else 'already there:'} {PLAN_SLUG}")


@plan_app.command("export")
def export_cmd(
    fmt: Annotated[
        str, typer.Option("--format", help="json, or csv (a ZIP of CSV tables).")
    ] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
    database_url: DbOpt = None,
) -> None:
    """Export every plan table as JSON or as CSV tables in a ZIP."""
    from stufenlos._util import atomic_write_bytes
    from stufenlos.plan.export import export_csv_zip, export_data

    if fmt not in ("json", "csv"):
        typer.echo(f"error: --format must be json or csv, got {fmt!r}", err=True)
        raise typer.Exit(code=2)
    if fmt == "csv" and output is None:
        typer.echo("error: --format csv writes a ZIP: give --output FILE.zip", err=True)
        raise typer.Exit(code=2)
    try:
        with _store(database_url).session() as session:
            if fmt == "json":
                blob = json.dumps(export_data(session), ensure_ascii=False, indent=2).encode()
            else:
                blob = export_csv_zip(session)
    except StufenlosError as exc:
        raise _fail(exc) from None
    if output is None:
        sys.stdout.write(blob.decode("utf-8") + "\n")
    else:
        atomic_write_bytes(output, blob)
        typer.echo(f"wrote {output}", err=True)


@plan_app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(help="A plan export: .json or .zip (CSV tables).")],
    database_url: DbOpt = None,
) -> None:
    """Replace the plan data with an export, in one transaction."""
    from stufenlos.plan.export import PlanImportError, import_csv_zip, import_data

    try:
        try:
            blob = path.read_bytes()
        except OSError as exc:
            msg = f"{path}: {exc.strerror}"
            raise PlanImportError(msg) from None
        with _store(database_url).session() as session:
            if path.suffix.lower() == ".zip":
                counts = import_csv_zip(session, blob, actor="cli", source=str(path))
            else:
                try:
                    data = json.loads(blob)
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    msg = f"{path}: not JSON ({exc})"
                    raise PlanImportError(msg) from None
                if not isinstance(data, dict):
                    msg = f"{path}: not a plan export"
                    raise PlanImportError(msg)
                counts = import_data(session, data, actor="cli", source=str(path))
    except StufenlosError as exc:
        raise _fail(exc) from None
    typer.echo(f"imported {sum(counts.values())} rows from {path}")


@plan_app.command("add-editor")
def add_editor_cmd(
    username: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: Annotated[list[str], typer.Option(help="edit, monitor or admin (repeatable).")],
    database_url: DbOpt = None,
) -> None:
    """Create an editor account; the secret comes from $STUFENLOS_EDITOR_SECRET or a prompt."""
    from pydantic import ValidationError

    from stufenlos.plan.service import EditorCreate, create_editor
    from stufenlos.settings import get_settings

    given = get_settings().editor_secret
    secret = given.get_secret_value() if given else typer.prompt(
        "secret (12+ characters)", hide_input=True, confirmation_prompt=True
    )
    try:
        data = EditorCreate(username=username, secret=secret, roles=role)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        typer.echo(f"error: {problems}", err=True)
        raise typer.Exit(code=2) from None
    try:
        with _store(database_url).session() as session:
            create_editor(session, data, actor="cli")
    except StufenlosError as exc:
        raise _fail(exc) from None
    typer.echo(f"created editor {username} ({', '.join(data.roles)})")


def catalog_cmd(
    fmt: Annotated[str, typer.Option("--format", help="turtle, json-ld or rdf-xml.")] = "turtle",
    base_url: Annotated[
        str, typer.Option(help="Public base URL the catalogue's links start with.")
    ] = "http://localhost:8000/",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
) -> None:
    """Print the DCAT-AP.de catalogue of everything stufenlos publishes."""
    from stufenlos._util import atomic_write_bytes
    from stufenlos.catalog import build_catalog, serialize

    try:
        text = serialize(build_catalog(base_url), fmt)
    except StufenlosError as exc:
        raise _fail(exc) from None
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write_bytes(output, text.encode("utf-8"))


def register(app: typer.Typer) -> None:
    """Add ``plan`` and ``catalog`` to the main command line."""
    app.add_typer(plan_app, name="plan")
    app.command("catalog")(catalog_cmd)
