"""Exceptions and warnings raised by stufenlos."""

from __future__ import annotations

__all__ = [
    "CityConfigError",
    "InputFileError",
    "NetworkBuildError",
    "StufenlosError",
    "StufenlosWarning",
    "UnknownCityError",
]


class StufenlosError(Exception):
    """Base class of every error stufenlos raises on purpose.

    ``http_status`` is the HTTP status an API answers with when the error
    reaches a request handler; ``exit_code`` is what the CLI exits with.
    """

    http_status = 400
    exit_code = 2


class StufenlosWarning(RuntimeWarning):
    """Base class of stufenlos warnings (recoverable problems in input data)."""


class CityConfigError(StufenlosError, ValueError):
    """A city configuration file is missing, malformed or points at missing inputs."""


class UnknownCityError(StufenlosError, LookupError):
    """No city of that name is configured or imported."""

    http_status = 404


class InputFileError(StufenlosError, ValueError):
    """An input file (OSM, GeoJSON, GTFS, ...) cannot be read.

    The message names the file and, where known, the line, feature or field.
    """

    def __init__(self, path: object, problem: str, *, where: str | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        self.where = where
        location = f" ({where})" if where else ""
        super().__init__(f"{self.path}{location}: {problem}")


class NetworkBuildError(StufenlosError, RuntimeError):
    """The inputs were readable but yield no usable pedestrian network."""
