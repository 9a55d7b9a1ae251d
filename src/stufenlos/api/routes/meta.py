"""Service metadata: health check and version."""

from __future__ import annotations

from fastapi import APIRouter

from stufenlos._version import __version__

router = APIRouter(tags=["meta"])


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness check."""
    return {"status": "ok", "version": __version__}
