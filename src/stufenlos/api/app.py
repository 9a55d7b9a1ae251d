"""The FastAPI application factory."""

from __future__ import annotations

import importlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from stufenlos._version import __version__
from stufenlos.api.errors import install_error_handlers
from stufenlos.api.heavy import heavy_pool
from stufenlos.api.middleware import install_middleware
from stufenlos.api.routes import ROUTER_MODULES
from stufenlos.registry import REGISTRY
from stufenlos.settings import get_settings

__all__ = ["create_app"]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Warm every imported city in a background thread (``STUFENLOS_WARM``), so the
    server answers at once and the first request of a city finds it built; with mail
    configured, send the reporters' pending mails every ``STUFENLOS_MAIL_RETRY_S``."""
    settings = get_settings()
    app.state.warmed = []
    if settings.warm:
        app.state.warming = threading.Thread(
            target=lambda: app.state.warmed.extend(REGISTRY.warm_all()),
            name="stufenlos-warm", daemon=True)
        app.state.warming.start()
    app.state.mail_flusher = None
    if settings.smtp_host:
        from stufenlos.api.routes.open311 import report_service
        from stufenlos.reports.mail import OutboxFlusher

        app.state.mail_flusher = OutboxFlusher(lambda: report_service().send_mail(),
                                               every=settings.mail_retry_s)
        app.state.mail_flusher.start()
    try:
        yield
    finally:
        if app.state.mail_flusher is not None:
            await app.state.mail_flusher.stop()


def create_app() -> FastAPI:
    """Build the app: every router listed in ``ROUTER_MODULES`` plus error handlers."""
    app = FastAPI(
        lifespan=_lifespan,
        title="stufenlos",
        version=__version__,
        description="Step-free routing, barrier information and reporting for cities.",
        docs_url=None,  # served offline by routes/docs.py
        redoc_url=None,
    )
    heavy_pool()  # a malformed STUFENLOS_ANALYSIS_WORKERS stops the start, not a request
    install_error_handlers(app)
    install_middleware(app)
    for name in ROUTER_MODULES:
        module = importlib.import_module(f"stufenlos.api.routes.{name}")
        app.include_router(module.router)
    return app
