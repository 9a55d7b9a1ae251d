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
    copy's tags, carry the request's Content-Security-Policy nonce.
    """
    local = (STATIC_DIR / "vendor" / "swagger-ui-bundle.js").exists()
    if not local:
        logger.warning("Swagger UI is not built (run `make web`); /docs uses its CDN")
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="stufenlos API")
    else:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json", title="stufenlos API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="data:,",
        )
    nonce = request.state.csp_nonce
    html = bytes(page.body).decode("utf-8")
    html = html.replace("<script", f'<script nonce="{nonce}"').replace(
        '<link type="text/css" rel="stylesheet"', f'<link nonce="{nonce}" type="text/css" '
        'rel="stylesheet"')
    return HTMLResponse(html)
