"""Pieces shared by the command modules: error exit and common options."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal

import typer

from stufenlos.errors import StufenlosError
from stufenlos.profiles import LIMITS, Limit

__all__ = ["DbOpt", "fail", "limit_options"]

DbOpt = Annotated[
    str | None,
    typer.Option("--database-url", help="Application database (default $DATABASE_URL or SQLite)."),
]


def fail(exc: StufenlosError) -> typer.Exit:
    """Print a domain error to stderr and return the exit (code 2 for bad input) to raise."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=exc.exit_code)


def _option(lim: Limit) -> Any:
    """The typed ``--option`` of one limit, with the range and help of its spec."""
    label, text = lim.label["en"], lim.help["en"]
    if lim.numeric:
        unit = f" {lim.unit}" if lim.unit else ""
        return Annotated[int | None if lim.integer else float | None, typer.Option(
            min=lim.min, max=lim.max,
            help=f"{label}, {lim.min:g} to {lim.max:g}{unit}. {text}")]
    if lim.many:
        return Annotated[str | None, typer.Option(help=f"{label}, comma-separated. {text}")]
    return Annotated[Literal[lim.choices] | None,  # type: ignore[valid-type]
                     typer.Option(help=f"{label}. {text}")]


def limit_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command one option per limit of :data:`stufenlos.profiles.LIMITS`.

    The options follow the command's ``profile`` option. ``command`` receives the
    limits that were given as one ``limits`` keyword: changes for
    :func:`stufenlos.profiles.get_profile` (a set option becomes a frozenset).

    Parameters
    ----------
    command
        A typer command function with a ``limits`` parameter.

    Returns
    -------
    callable
        The command with the generated options in its signature, ready for
        ``app.command()``.
    """
    sig = inspect.signature(command, eval_str=True)
    params = [p for p in sig.parameters.values() if p.name != "limits"]
    at = [p.name for p in params].index("profile") + 1
    extra = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                               annotation=_option(lim)) for name, lim in LIMITS.items()]

    @functools.wraps(command)
    def run(**kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in LIMITS}
        limits = {name: frozenset(s.strip() for s in value.split(",") if s.strip())
                  if LIMITS[name].many else value
                  for name, value in given.items() if value is not None}
        return command(**kwargs, limits=limits)

    params[at:at] = extra
    run.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params}
    return run
