"""Interactive API documentation at ``/docs``, served from our own static files.

FastAPI's default page loads Swagger UI from a CDN; ``make web`` copies Swagger
UI from npm into ``static/vendor`` so the docs work offline like every other
page. Without that build the CDN copy is used.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from stufenlos.api.templating import STATIC_DIR

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    """Swagger UI for ``/openapi.json``."""
    local = (STATIC_DIR / "vendor" / "swagger-ui-bundle.js").exists()
    if not local:
        logger.warning("Swagger UI is not built (run `make web`); /docs uses its CDN")
        return get_swagger_ui_html(openapi_url="/openapi.json", title="stufenlos API")
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title="stufenlos API",
        swagger_js_url="/static/vendor/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui.css",
        swagger_favicon_url="data:,",
    )
