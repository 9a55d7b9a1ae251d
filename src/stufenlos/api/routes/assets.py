"""Static files of the web pages (stylesheets, scripts, icons) under ``/static``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from stufenlos.api.templating import STATIC_DIR

router = APIRouter(tags=["web"], include_in_schema=False)


@router.get("/static/{path:path}")
def static_file(path: str) -> FileResponse:
    """A file below the static folder; anything outside it is a 404."""
    # a route instead of a StaticFiles mount, because the app includes routers only
    target = (STATIC_DIR / path).resolve()
    if not target.is_relative_to(STATIC_DIR) or not target.is_file():
        raise HTTPException(status_code=404, detail=f"no static file {path!r}")
    return FileResponse(target, headers={"Cache-Control": "public, max-age=3600"})
