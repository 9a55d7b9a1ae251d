"""Every error answers as JSON with a clear message and the right status."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from stufenlos.errors import StufenlosError

__all__ = ["ERROR_RESPONSES", "install_error_handlers"]

#: the error statuses a router may answer with, for its OpenAPI description; the
#: bodies are JSON (``{"error", "detail"}``, or the Open311 spec's error list there)
ERROR_RESPONSES: dict[int | str, dict[str, str]] = {
    400: {"description": "Bad request: a parameter or field is malformed"},
    401: {"description": "Credentials missing or wrong"},
    403: {"description": "Not allowed for these credentials"},
    404: {"description": "No such city, report or record"},
    409: {"description": "Conflicts with the record's current state"},
    413: {"description": "Request body too large"},
    415: {"description": "Unsupported media type"},
    422: {"description": "Validation error naming the field"},
    429: {"description": "Too many requests from this client, or the server is busy with "
                          "heavy work; retry after the Retry-After header's seconds"},
}


def install_error_handlers(app: FastAPI) -> None:
    """Map our errors, validation errors and HTTP errors to JSON bodies."""

    @app.exception_handler(StufenlosError)
    async def _domain_error(_request: Request, exc: StufenlosError) -> JSONResponse:
        retry = getattr(exc, "retry_after_s", None)
        return JSONResponse(
            status_code=exc.http_status,
            content={"error": type(exc).__name__, "detail": str(exc)},
            headers={"Retry-After": str(retry)} if retry is not None else None,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(x) for x in err.get("loc", ())), "message": err.get("msg")}
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return JSONResponse(
            status_code=422,
            content={"error": "ValidationError", "detail": detail, "errors": errors},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status_code,
            content={"error": "HTTPError", "detail": exc.detail},
            headers=getattr(exc, "headers", None),
        )
