"""Dependencies shared by the plan routes: the plan store and the editor login."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy.exc import IntegrityError

from stufenlos.db import database_url
from stufenlos.plan import export as plan_export
from stufenlos.plan import service
from stufenlos.plan.models import Editor
from stufenlos.settings import get_settings

__all__ = ["CurrentEditor", "basic_auth", "current_editor", "editor_from", "get_store", "today"]

_stores: dict[str, service.PlanStore] = {}
_lock = threading.Lock()
basic_auth = HTTPBasic(auto_error=False, realm="stufenlos editors")


def get_store() -> service.PlanStore:
    """The plan store of the current ``DATABASE_URL`` (migrated, seeded once if empty).

    Set ``STUFENLOS_PLAN_SEED=0`` (setting ``plan_seed``) to start with an empty plan instead of the
    Hamburg 2022–2024 plan.
    """
    url = database_url()
    with _lock:
        store = _stores.get(url)
        if store is None:
            store = service.PlanStore(url)
            if get_settings().plan_seed:
                from stufenlos.plan.seed import seed_hamburg

                try:
                    with store.session() as session:
                        if plan_export.row_count(session) == 0:
                            seed_hamburg(session)
                except IntegrityError:  # another worker process seeded it first
                    pass
            _stores[url] = store
    return store


def today() -> dt.date:
    """Today in UTC (the reference day of overdue flags)."""
    return dt.datetime.now(dt.UTC).date()


def editor_from(session: Any, credentials: HTTPBasicCredentials | None,
                request: Request) -> Editor:
    """The logged-in editor, or a 401 that makes the browser ask for name and secret.

    Failed attempts count per client; too many get 429 with ``Retry-After``
    (setting ``login_rate``).
    """
    from stufenlos.api.routes.open311 import client_of, report_service

    challenge = {"WWW-Authenticate": 'Basic realm="stufenlos editors", charset="UTF-8"'}
    if credentials is None:
        msg = "editing needs an editor account (HTTP Basic authentication)"
        raise HTTPException(status_code=401, detail=msg, headers=challenge)
    try:
        with report_service().login_attempt(client_of(request),
                                            failure=service.AuthenticationError):
            return service.authenticate(session, credentials.username, credentials.password)
    except service.AuthenticationError as exc:
        raise HTTPException(status_code=401, detail=str(exc), headers=challenge) from None


def current_editor(
    request: Request,
    store: Annotated[service.PlanStore, Depends(get_store)],
    credentials: Annotated[HTTPBasicCredentials | None, Depends(basic_auth)],
) -> Editor:
    """The signed-in editor (checked before the request body, so no body reveals anything)."""
    with store.session() as session:
        return editor_from(session, credentials, request)


CurrentEditor = Annotated[Editor, Depends(current_editor)]
