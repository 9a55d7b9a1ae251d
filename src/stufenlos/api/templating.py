"""Render the web pages: one Jinja2 environment, the page language, shared layout data.

Every page extends ``base.html`` (skip link, header with navigation, ``<main>``,
footer with the data attribution of every configured city, language switch).
The page language comes from ``?lang=`` (``de``, ``en`` or ``ls`` for
easy-read German), else the ``Accept-Language`` header, else German.

Templates get gettext bound to the page language (:mod:`stufenlos.i18n` catalogues,
English msgids): ``{{ _("Plan a route") }}``, ``{{ ngettext(...) }}``,
``{% trans %}…{% endtrans %}`` (the Jinja2 ``i18n`` extension, new-style:
``{{ _("%(n)s steps", n=3) }}``); ``t(text)`` picks the page language from a
``{"de": …, "en": …}`` text made elsewhere (city titles). ``local_time(when,
city)`` writes a time in the city's time zone (:func:`stufenlos.i18n.format_datetime`),
``number(value, digits=0)`` a number the language's way, ``say(text, lang)`` a
:class:`~stufenlos.i18n.Message` (a note made in English) in the page language.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from stufenlos.i18n import (
    N_,
    format_datetime,
    format_number,
    say,
    template_callables,
)

__all__ = [
    "HOME_PATH",
    "LANGUAGES",
    "NAV",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "attributions",
    "city_timezone",
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

#: main navigation: (path, label); features add their pages here. The label is an
#: English msgid marked ``N_``; the page shows it from the catalogue of its language.
NAV: list[tuple[str, str]] = [
    ("/plan", N_("Action plan")),
    ("/plan/dialogues", N_("Data dialogues")),
    ("/plan/explainers", N_("Data explained")),
    ("/plan/glossary", N_("Glossary")),
    ("/catalog.html", N_("Data catalogue")),
    ("/reports", N_("Report barriers")),
    ("/analysis", N_("Equity analysis")),
    ("/proceedings", N_("Participation")),
]

#: where the brand link in the header leads
HOME_PATH = "/"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.add_extension("jinja2.ext.i18n")
# the callables are bound per request in render(); these serve templates rendered
# without a request language
templates.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


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


def _pick_text(lang: str):  # type: ignore[no-untyped-def]
    def t(text: dict[str, str] | None, fallback: str = "") -> str:
        """Pick the page language from a ``{"de": ..., "en": ...}`` text."""
        if not text:
            return fallback
        if lang in text:
            return text[lang]
        if lang == "ls" and "de" in text:
            return text["de"]
        return text.get("en") or text.get("de") or next(iter(text.values()), fallback)

    return t


def city_timezone(city: str | None = None) -> str:
    """The time zone of ``city`` (``timezone`` in its ``city.toml``); without a city,
    the one all configured cities share, else ``UTC``."""
    from stufenlos.config import discover_cities
    from stufenlos.errors import StufenlosError

    try:
        cities = discover_cities()
    except StufenlosError:
        return "UTC"
    if city in cities:
        return cities[city].timezone
    zones = {cfg.timezone for cfg in cities.values()}
    return zones.pop() if len(zones) == 1 else "UTC"


def _local_time(lang: str):  # type: ignore[no-untyped-def]
    def local_time(when: datetime.datetime, city: str | None = None,
                   fmt: str = "short") -> str:
        """``when`` in the city's local time, written the page language's way; the zone
        is named when it is not the city's own (``UTC``)."""
        tz = city_timezone(city)
        text = format_datetime(when, lang, tz, fmt)
        return f"{text} UTC" if tz == "UTC" else text

    return local_time


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render template ``name`` in the request's language with the shared layout data."""
    lang = page_language(request)
    t = _pick_text(lang)

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
        "t": t,
        **template_callables(lang),
        "local_time": _local_time(lang),
        "number": lambda value, digits=0: format_number(value, lang, digits),
        "say": say,
        "attributions": attributions(),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
