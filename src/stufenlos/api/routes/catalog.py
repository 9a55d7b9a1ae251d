"""The DCAT-AP.de catalogue at ``/catalog`` and ``/catalog.ttl``, ``.jsonld``, ``.rdf``.

CKAN's DCAT harvester reads any of them; ``/catalog.html`` lists the datasets
for people.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from stufenlos.api.routes.plan import get_store
from stufenlos.api.templating import render
from stufenlos.catalog import SERIALIZATIONS, build_catalog, dataset_specs, serialize
from stufenlos.plan.service import PlanStore, last_change

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["catalog"])


def _rdf(*media: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {m: {} for m in media}, "description": "The DCAT-AP.de catalogue"}}


def _modified(store: PlanStore) -> dict[str, dt.datetime]:
    out: dict[str, dt.datetime] = {}
    with store.session() as session:
        changed = last_change(session)
        if changed:
            out["action-plan"] = changed
        try:
            models = importlib.import_module("stufenlos.reports.models")
            latest = session.scalar(select(func.max(models.Report.updated_at)))
            if latest is not None:
                out["reports"] = latest
        except (ImportError, AttributeError, SQLAlchemyError) as exc:
            logger.debug("no report times for the catalogue: %s", exc)
            session.rollback()
    return out


def _specs(store: PlanStore) -> list[Any]:
    """Every dataset, with one per participation proceeding."""
    from stufenlos.proceedings.export import catalog_specs

    with store.session() as session:
        proceedings = catalog_specs(session)
    return dataset_specs(modified=_modified(store)) + proceedings


def _answer(request: Request, store: PlanStore, fmt: str) -> Response:
    specs = _specs(store)
    graph = build_catalog(str(request.base_url), specs=specs)
    _, media = SERIALIZATIONS[fmt]
    return Response(serialize(graph, fmt), media_type=f"{media}; charset=utf-8")


@router.get(
    "/catalog",
    summary="DCAT-AP.de catalogue (content negotiation)",
    response_class=Response,
    responses=_rdf("application/ld+json", "text/turtle", "application/rdf+xml"),
)
def catalog(
    request: Request,
    store: Annotated[PlanStore, Depends(get_store)],
    accept: Annotated[str, Header()] = "",
) -> Response:
    """Turtle for ``Accept: text/turtle``, RDF/XML for ``application/rdf+xml``, else JSON-LD."""
    if "text/turtle" in accept:
        return _answer(request, store, "turtle")
    if "application/rdf+xml" in accept:
        return _answer(request, store, "rdf-xml")
    return _answer(request, store, "json-ld")


@router.get(
    "/catalog.ttl",
    summary="DCAT-AP.de catalogue (Turtle)",
    response_class=Response,
    responses=_rdf("text/turtle"),
)
def catalog_turtle(request: Request, store: Annotated[PlanStore, Depends(get_store)]) -> Response:
    """The catalogue as Turtle."""
    return _answer(request, store, "turtle")


@router.get(
    "/catalog.jsonld",
    summary="DCAT-AP.de catalogue (JSON-LD)",
    response_class=Response,
    responses=_rdf("application/ld+json"),
)
def catalog_jsonld(request: Request, store: Annotated[PlanStore, Depends(get_store)]) -> Response:
    """The catalogue as JSON-LD."""
    return _answer(request, store, "json-ld")


@router.get(
    "/catalog.rdf",
    summary="DCAT-AP.de catalogue (RDF/XML)",
    response_class=Response,
    responses=_rdf("application/rdf+xml"),
)
def catalog_rdfxml(request: Request, store: Annotated[PlanStore, Depends(get_store)]) -> Response:
    """The catalogue as RDF/XML."""
    return _answer(request, store, "rdf-xml")


@router.get("/catalog.html", response_class=HTMLResponse, summary="Data catalogue (page)")
def catalog_page(request: Request, store: Annotated[PlanStore, Depends(get_store)]) -> HTMLResponse:
    """Every published dataset with licence, formats and its explainer."""
    specs = _specs(store)
    return render(request, "catalog.html", {"datasets": specs})
