"""Every error answers with a clear message and the right status.

API clients get JSON (``{"error", "detail"}``). A browser asking for a page (``Accept:
text/html``, not under ``/api``) gets a small HTML page in the page's language with the
site navigation: what went wrong, and for a form with invalid fields, one line per field.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from stufenlos.api.templating import page_language, render
from stufenlos.errors import StufenlosError
from stufenlos.i18n import N_, translator

__all__ = ["ERROR_RESPONSES", "error_page", "install_error_handlers", "wants_html"]

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


#: what an error page says per status: (heading, sentence), English msgids
_PAGES: dict[int, tuple[str, str]] = {
    401: (N_("Not signed in"), N_("The key or password was not accepted. Please try again.")),
    403: (N_("Not allowed"), N_("This account may not do this.")),
    404: (N_("Page not found"), N_("There is no page at this address.")),
    422: (N_("Please check your input"), N_("Some of what was sent is not valid.")),
    429: (N_("Too many requests"), N_("Please wait a moment and try again.")),
}
_OTHER = (N_("Something went wrong"), N_("The page cannot be shown right now."))

#: pydantic error types said in words (``{field}`` is the field's name)
_PROBLEMS: dict[str, str] = {
    "missing": N_("{field}: please fill in this field"),
    "string_too_long": N_("{field}: this text is too long"),
    "string_too_short": N_("{field}: this text is too short"),
    "int_parsing": N_("{field}: please enter a whole number"),
    "float_parsing": N_("{field}: please enter a number"),
    "greater_than_equal": N_("{field}: this number is too small"),
    "greater_than": N_("{field}: this number is too small"),
    "less_than_equal": N_("{field}: this number is too large"),
    "less_than": N_("{field}: this number is too large"),
}
_PROBLEM = N_("{field}: this value is not valid")


def wants_html(request: Request) -> bool:
    """Whether the request is a browser asking for a page, not an API call."""
    return (not request.url.path.startswith("/api")
            and "text/html" in request.headers.get("accept", ""))


def error_page(request: Request, status: int, problems: list[str] | None = None,
               headers: dict[str, str] | None = None) -> HTMLResponse:
    """A small HTML error page in the request's language, with the site navigation.

    Parameters
    ----------
    request
        The request that failed.
    status
        The HTTP status to answer with.
    problems
        Lines to list (the invalid fields of a form), already in the page's language.
    headers
        Extra response headers (``Retry-After``).

    Returns
    -------
    HTMLResponse
        ``error.html`` rendered by :func:`stufenlos.api.templating.render`.
    """
    t = translator(page_language(request))
    heading, message = _PAGES.get(status, _OTHER)
    response = render(request, "error.html", {
        "heading": t.gettext(heading), "message": t.gettext(message),
        "problems": problems or []}, status_code=status)
    response.headers.update(headers or {})
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Map our errors, validation errors and HTTP errors to JSON bodies (API) or error
    pages (a browser asking for HTML)."""

    @app.exception_handler(StufenlosError)
    async def _domain_error(request: Request, exc: StufenlosError
                            ) -> JSONResponse | HTMLResponse:
        retry = getattr(exc, "retry_after_s", None)
        if wants_html(request):
            return error_page(request, exc.http_status,
                              headers={"Retry-After": str(retry)} if retry is not None
                              else None)
        return JSONResponse(
            status_code=exc.http_status,
            content={"error": type(exc).__name__, "detail": str(exc)},
            headers={"Retry-After": str(retry)} if retry is not None else None,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError
                                ) -> JSONResponse | HTMLResponse:
        if wants_html(request):
            t = translator(page_language(request))
            return error_page(request, 422, [
                t.gettext(_PROBLEMS.get(err.get("type", ""), _PROBLEM),
                          field=str(err.get("loc", ("",))[-1]))
                for err in exc.errors()])
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
    async def _http_error(request: Request, exc: StarletteHTTPException
                          ) -> JSONResponse | HTMLResponse:
        if wants_html(request):
            return error_page(request, exc.status_code,
                              headers=getattr(exc, "headers", None))
        return JSONResponse(
            status_code=exc.status_code,
            content={"error": "HTTPError", "detail": exc.detail},
            headers=getattr(exc, "headers", None),
        )
