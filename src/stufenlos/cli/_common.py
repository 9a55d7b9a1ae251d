"""Pieces shared by the command modules: error exit and common options."""

from __future__ import annotations

from typing import Annotated

import typer

from stufenlos.errors import StufenlosError

__all__ = ["DbOpt", "fail"]

DbOpt = Annotated[
    str | None,
    typer.Option("--database-url", help="Application database (default $DATABASE_URL or SQLite)."),
]


def fail(exc: StufenlosError) -> typer.Exit:
    """Print a domain error to stderr and return the exit (code 2 for bad input) to raise."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=exc.exit_code)
