"""``stufenlos reports ...``: moderators, exports, expiry, audit log, routing sync."""

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

reports_app = typer.Typer(
    help="Barrier reports: moderators, exports, expiry, mail, audit log.", no_args_is_help=True
)





def _service(url: str | None):  # type: ignore[no-untyped-def]
    from stufenlos.reports import ReportService, ReportStore

    return ReportService(ReportStore(url))


@reports_app.command("add-moderator")
def add_moderator(
    name: Annotated[str, typer.Argument(help="The moderator's display name.")],
    database_url: DbOpt = None,
) -> None:
    """Create a moderator and print their access token (shown once; only a hash is kept)."""
    try:
        token = _service(database_url).add_moderator(name)
    except StufenlosError as exc:
        raise _fail(exc) from None
    typer.echo(token)


@reports_app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help="geojson or csv.")] = "geojson",
    status: Annotated[
        str | None, typer.Option(help="open or closed (Open311 status); default all.")
    ] = None,
    city: Annotated[str | None, typer.Option(help="Only reports of this city.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default stdout).")]
    = None,
    database_url: DbOpt = None,
) -> None:
    """Export public reports (public fields only) as GeoJSON or CSV."""
    from stufenlos.reports import ReportQuery
    from stufenlos.reports.export import to_csv, to_geojson

    if fmt not in ("geojson", "csv"):
        typer.echo(f"error: --format must be geojson or csv, got {fmt!r}", err=True)
        raise typer.Exit(code=2)
    if status not in (None, "open", "closed"):
        typer.echo(f"error: --status must be open or closed, got {status!r}", err=True)
        raise typer.Exit(code=2)
    try:
        reports = _service(database_url).list(ReportQuery(
            open311_statuses=[status] if status else None, jurisdiction=city, limit=1_000_000))
    except StufenlosError as exc:
        raise _fail(exc) from None
    text = to_geojson(reports) if fmt == "geojson" else to_csv(reports)
    if output is None:
        sys.stdout.write(text)
    else:
        from stufenlos._util import atomic_write_bytes

        atomic_write_bytes(output, text.encode("utf-8"))


@reports_app.command("expire")
def expire(database_url: DbOpt = None) -> None:
    """Close temporary barriers whose end date has passed (and lift their closures)."""
    try:
        done = _service(database_url).expire_due()
    except StufenlosError as exc:
        raise _fail(exc) from None
    typer.echo(f"expired {len(done)} reports" + (f": {', '.join(map(str, done))}" if done else ""))


@reports_app.command("send-mail")
def send_mail(database_url: DbOpt = None) -> None:
    """Send the pending mails to reporters now, also those pausing after a failed try."""
    from stufenlos.settings import get_settings

    if not get_settings().smtp_host:
        typer.echo("error: no mail server configured (STUFENLOS_SMTP_HOST)", err=True)
        raise typer.Exit(code=2)
    try:
        counts = _service(database_url).send_mail(due_only=False)
    except StufenlosError as exc:
        raise _fail(exc) from None
    typer.echo(f"sent {counts['sent']}, failed {counts['failed']}, dropped {counts['dropped']}")
    if counts["failed"]:
        raise typer.Exit(code=1)


@reports_app.command("audit")
def audit(
    report: Annotated[int | None, typer.Option(help="Only entries of this report.")] = None,
    limit: Annotated[int, typer.Option(help="Newest N entries.")] = 100,
    database_url: DbOpt = None,
) -> None:
    """Print the append-only audit log as JSON lines, newest first."""
    try:
        entries = _service(database_url).audit_log(report_id=report, limit=limit)
    except StufenlosError as exc:
        raise _fail(exc) from None
    for e in entries:
        typer.echo(json.dumps({"id": e.id, "datetime": e.at.isoformat(), "actor": e.actor,
                               "action": e.action, "report_id": e.report_id,
                               "detail": e.detail}, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add ``stufenlos reports`` to the main CLI."""
    app.add_typer(reports_app, name="reports")
