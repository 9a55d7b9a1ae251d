"""Render the web pages: one Jinja2 environment, the page language, shared layout data.

Every page extends ``base.html`` (skip link, header with navigation, ``<main>``,
footer with the data attribution of every configured city, language switch).
The page language comes from ``?lang=`` (``de``, ``en`` or ``ls`` for
easy-read German), else the ``Accept-Language`` header, else German.

Interface texts are short and few, so templates pick them inline with
``tr(de, en, ls=None)`` instead of a gettext catalogue and its compile step.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

__all__ = [
    "HOME_PATH",
    "LANGUAGES",
    "NAV",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "attributions",
    "page_language",
    "render",
    "templates",
]

logger = logging.getLogger(__name__)

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"
STATIC_DIR: Final = Path(__file__).resolve().parent / "static"

#: page languages: code -> (html lang attribute, name shown in the switch)
LANGUAGES: Final = {
    "de": ("de", "Deutsch"),
    "en": ("en", "English"),
    "ls": ("de", "Leichte Sprache"),
}

#: main navigation: (path, German label, English label); features add their pages here
NAV: list[tuple[str, str, str]] = [
    ("/plan", "Aktionsplan", "Action plan"),
    ("/plan/dialogues", "Datendialoge", "Data dialogues"),
    ("/plan/explainers", "Daten erklärt", "Data explained"),
    ("/plan/glossary", "Glossar", "Glossary"),
    ("/catalog.html", "Datenkatalog", "Data catalogue"),
    ("/reports", "Barrieren melden", "Report barriers"),
    ("/analysis", "Erreichbarkeit", "Equity analysis"),
    ("/proceedings", "Beteiligung", "Participation"),
]

#: where the brand link in the header leads
HOME_PATH = "/"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def page_language(request: Request) -> str:
    """The page language: ``?lang=``, then ``Accept-Language``, then ``de``."""
    lang = request.query_params.get("lang")
    if lang in LANGUAGES:
        return lang
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in ("de", "en"):
            return code
    return "de"


def attributions() -> list[dict[str, str | None]]:
    """The data sources of every configured city, each once, for the footer."""
    from stufenlos.config import discover_cities
    from stufenlos.errors import StufenlosError

    try:
        cities = discover_cities()
    except StufenlosError as exc:  # a broken city.toml must not take every page down
        logger.warning("cannot read city configurations: %s", exc)
        return []
    seen: dict[tuple[str, str], dict[str, str | None]] = {}
    for _, cfg in sorted(cities.items()):
        for src in cfg.sources:
            key = (src.attribution, src.licence)
            seen.setdefault(
                key, {"attribution": src.attribution, "licence": src.licence, "url": src.url}
            )
    return list(seen.values())


def _translator(lang: str):  # type: ignore[no-untyped-def]
    def tr(de: str, en: str, ls: str | None = None) -> str:
        if lang == "en":
            return en
        if lang == "ls":
            return ls or de
        return de

    def t(text: dict[str, str] | None, fallback: str = "") -> str:
        """Pick the page language from a ``{"de": ..., "en": ...}`` text."""
        if not text:
            return fallback
        if lang in text:
            return text[lang]
        if lang == "ls" and "de" in text:
            return text["de"]
        return text.get("en") or text.get("de") or next(iter(text.values()), fallback)

    return tr, t


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render template ``name`` in the request's language with the shared layout data."""
    lang = page_language(request)
    tr, t = _translator(lang)

    def lang_url(code: str) -> str:
        params = dict(request.query_params)
        params["lang"] = code
        return f"{request.url.path}?{urlencode(params)}"

    ctx = {
        "request": request,
        "lang": lang,
        "html_lang": LANGUAGES[lang][0],
        "languages": LANGUAGES,
        "lang_url": lang_url,
        "nav": NAV,
        "home_path": HOME_PATH,
        "current_path": request.url.path,
        "tr": tr,
        "t": t,
        "attributions": attributions(),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
