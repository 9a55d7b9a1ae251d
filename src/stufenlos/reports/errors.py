"""Errors of the reporting channel, each with its HTTP status."""

from __future__ import annotations

from stufenlos.errors import StufenlosError

__all__ = [
    "AuthenticationError",
    "InvalidTransitionError",
    "JurisdictionNotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "ReportError",
    "ReportInputError",
    "ReportNotFoundError",
    "UnknownServiceError",
    "UnsupportedMediaError",
]


class ReportError(StufenlosError):
    """Base class of reporting errors."""


class ReportInputError(ReportError, ValueError):
    """A submitted field is missing or invalid; the message names the field."""

    def __init__(self, problem: str, *, field: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"`{field}`: {problem}")


class PayloadTooLargeError(ReportInputError):
    """A field or upload exceeds its size limit."""

    http_status = 413


class UnsupportedMediaError(ReportInputError):
    """An upload is not an accepted image type."""

    http_status = 415


class UnknownServiceError(ReportError, LookupError):
    """No service type has that ``service_code``."""

    http_status = 404


class JurisdictionNotFoundError(ReportError, LookupError):
    """The ``jurisdiction_id`` is not a configured city."""

    http_status = 404


class ReportNotFoundError(ReportError, LookupError):
    """No public report with that id (or token)."""

    http_status = 404


class InvalidTransitionError(ReportError, ValueError):
    """The requested status change is not allowed from the report's current status."""

    http_status = 409


class AuthenticationError(ReportError, PermissionError):
    """Missing, unknown or forged moderator credentials."""

    http_status = 401


class RateLimitedError(ReportError):
    """The client sent too many requests; ``retry_after_s`` says when to try again."""

    http_status = 429

    def __init__(self, message: str, retry_after_s: int = 60) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)
