"""Interactive API documentation at ``/docs``, served from our own static files.

FastAPI's default page loads Swagger UI from a CDN; ``make web`` copies Swagger
UI from npm into ``static/vendor`` so the docs work offline like every other
page. Without that build the CDN copy is used.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from stufenlos.api.templating import STATIC_DIR

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI for ``/openapi.json``.

    Its page starts Swagger UI with an inline script; that script, and the CDN
    copy's tags, carry the request's Content-Security-Policy nonce. Deep links are
    off, ``static/docs.css`` corrects Swagger UI's contrast and widths and
    ``static/docs.js`` names its request body field:
    the page passes axe-core's WCAG 2.2 AA checks at any width down to 320 px.
    """
    local = (STATIC_DIR / "vendor" / "swagger-ui-bundle.js").exists()
    # deep links put links inside each operation's toggle button (nested controls);
    # the highlighter colours examples below 4.5:1 contrast in inline styles
    params = {"deepLinking": False, "syntaxHighlight": False}
    if not local:
        logger.warning("Swagger UI is not built (run `make web`); /docs uses its CDN")
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="stufenlos API",
                                   swagger_ui_parameters=params)
    else:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json", title="stufenlos API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="data:,", swagger_ui_parameters=params,
        )
    nonce = request.state.csp_nonce
    html = bytes(page.body).decode("utf-8")
    html = html.replace("<script", f'<script nonce="{nonce}"').replace(
        '<link type="text/css" rel="stylesheet"', f'<link nonce="{nonce}" type="text/css" '
        'rel="stylesheet"')
    # the page language, our corrections to Swagger UI's colours and widths after its
    # own style sheet (docs.css) and names for its unlabelled fields (docs.js), so the
    # page passes WCAG 2.2 AA like every other
    html = html.replace("<html>", '<html lang="en">', 1).replace(
        "</head>", '<link rel="stylesheet" href="/static/docs.css">\n'
        '<script src="/static/docs.js" defer></script>\n</head>', 1)
    return HTMLResponse(html)
