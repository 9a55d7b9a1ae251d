"""Message catalogues (gettext, via Babel) and number and time formatting per language.

Source strings (msgids) are English; ``src/stufenlos/locale/<lang>/LC_MESSAGES/messages.po``
holds the German (``de``) and easy-read German (``ls``, Leichte Sprache) texts, and an
English catalogue for corrections. ``make translations`` compiles them to ``.mo`` files;
a missing or stale ``.mo`` is compiled from its ``.po`` in memory on first use, so a
fresh checkout works without that step. There is no fallback from easy-read to
standard German: every msgid has an easy-read text (a test checks that).

Python code marks strings with :func:`gettext`/:func:`ngettext`/:func:`pgettext` on a
:class:`Translator` (``t = translator(lang); t.gettext("…")``) so ``pybabel extract``
finds them; templates use ``{{ _("…") }}`` and ``{% trans %}`` (the Jinja2 ``i18n``
extension, bound per request in :mod:`stufenlos.api.templating`).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as _babel_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, parse_pattern
from babel.support import Translations
from markupsafe import Markup

from stufenlos.errors import StufenlosError

__all__ = [
    "LANGUAGES",
    "LOCALE_DIR",
    "LanguageError",
    "LazyText",
    "Message",
    "Translator",
    "babel_locale",
    "format_datetime",
    "format_number",
    "say",
    "template_callables",
    "translations",
    "translator",
]

#: the catalogue folder: ``<lang>/LC_MESSAGES/messages.po``
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
#: the languages with a catalogue: German, English, easy-read German (Leichte Sprache)
LANGUAGES: Final = ("de", "en", "ls")
#: the Babel locale of each language (number and date formats)
_LOCALES: Final = {"de": "de_DE", "en": "en_GB", "ls": "de_DE"}


class LanguageError(StufenlosError, ValueError):
    """Text was asked for in a language there is no catalogue for."""


def _check(lang: str) -> str:
    if lang not in LANGUAGES:
        msg = f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}"
        raise LanguageError(msg)
    return lang


@functools.cache
def translations(lang: str) -> Translations:
    """The compiled catalogue of ``lang`` (cached for the process).

    Parameters
    ----------
    lang
        ``de``, ``en`` or ``ls``.

    Returns
    -------
    babel.support.Translations
        Reads ``messages.mo`` when it is newer than ``messages.po``, else compiles the
        ``.po`` in memory (fuzzy entries are left out, as ``pybabel compile`` does).

    Raises
    ------
    LanguageError
        For any other language.
    """
    folder = LOCALE_DIR / _check(lang) / "LC_MESSAGES"
    po, mo = folder / "messages.po", folder / "messages.mo"
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fp:
            return Translations(fp, domain="messages")
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=_LOCALES[lang], domain="messages")
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain="messages")


class Translator:
    """gettext bound to one language: ``translator("de").gettext("Start")``.

    Parameters
    ----------
    lang
        ``de``, ``en`` or ``ls``.
    """

    def __init__(self, lang: str) -> None:
        self.lang = _check(lang)
        self._t = translations(lang)

    @property
    def translations(self) -> Translations:
        """The compiled catalogue."""
        return self._t

    def has(self, message: str) -> bool:
        """Whether the catalogue has a text for ``message`` (English needs none)."""
        return self.lang == "en" or message in self._t._catalog

    def gettext(self, message: str, **values: object) -> str:
        """``message`` in the language, formatted with ``values`` (``str.format``)."""
        text = self._t.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The singular or plural form for count ``n`` (``{n}`` is filled in)."""
        return self._t.ngettext(singular, plural, n).format(n=n, **values)

    def pgettext(self, context: str, message: str, **values: object) -> str:
        """``message`` in the language, told apart from the same words by ``context``."""
        text = self._t.pgettext(context, message)
        return text.format(**values) if values else text

    def number(self, value: float, digits: int = 0) -> str:
        """``value`` rounded to at most ``digits`` decimals: ``1,5`` in German."""
        return format_number(value, self.lang, digits)


@functools.cache
def translator(lang: str) -> Translator:
    """The (cached) :class:`Translator` of ``lang``."""
    return Translator(lang)


def babel_locale(lang: str) -> Locale:
    """The Babel locale of a page language (easy-read German formats as German)."""
    return Locale.parse(_LOCALES[_check(lang)])


def format_number(value: float, lang: str, digits: int = 0) -> str:
    """``value`` with at most ``digits`` decimals in the language's format.

    Parameters
    ----------
    value
        The number.
    lang
        ``de``, ``en`` or ``ls``.
    digits
        Most decimals shown (trailing zeros are dropped).

    Returns
    -------
    str
        ``"1,5"`` (German), ``"1.5"`` (English); no grouping below 10 000 in German.
    """
    return _format_number(value, lang, digits)


@functools.lru_cache(maxsize=4096, typed=True)
def _format_number(value: float, lang: str, digits: int) -> str:
    # a route answer writes a dozen numbers: Babel's format_decimal parses the locale
    # and the pattern every time (most of its cost), and the same rounded distances recur
    pattern, locale = _number_pattern(lang, digits)
    text = pattern.apply(value, locale)
    if lang != "en" and abs(value) < 10_000:  # German style: 1000 m, not 1.000 m
        text = text.replace(".", "")
    return text


@functools.cache
def _number_pattern(lang: str, digits: int) -> tuple[NumberPattern, Locale]:
    """The parsed Babel pattern and locale :func:`format_number` applies."""
    return parse_pattern("#,##0" + ("." + "#" * digits if digits else "")), babel_locale(lang)


def format_datetime(when: dt.datetime, lang: str, timezone: str,
                    fmt: str = "medium") -> str:
    """A point in time as local time of ``timezone``, written the language's way.

    Parameters
    ----------
    when
        The time; a naive value is taken as UTC (as the stores keep it).
    lang
        ``de``, ``en`` or ``ls``.
    timezone
        IANA name of the city's time zone (``Europe/Berlin``).
    fmt
        Babel format name (``short``, ``medium``, ``long``) or pattern.

    Returns
    -------
    str
        ``"01.12.2026, 03:00:00"`` for 02:00 UTC in Berlin, German.
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return _babel_datetime(when, fmt, tzinfo=ZoneInfo(timezone), locale=babel_locale(lang))


class LazyText(Mapping[str, str]):
    """A msgid read as ``{"de": …, "en": …, "ls": …}``, each looked up when asked.

    For texts defined at import time (form labels of limits) that callers pick by
    language: ``text["de"]``, ``text.get("ls")``.

    Parameters
    ----------
    message
        The English source string, as marked for extraction.
    context
        Optional ``pgettext`` context.
    """

    def __init__(self, message: str, context: str | None = None) -> None:
        self.message = message
        self.context = context

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        t = translator(lang)
        return (t.gettext(self.message) if self.context is None
                else t.pgettext(self.context, self.message))

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)

    def __repr__(self) -> str:
        return f"LazyText({self.message!r})"


class Message(str):
    """A sentence made now, said later in the reader's language.

    It *is* the English text (so lists of notes stay plain strings in JSON and logs)
    and remembers its msgid and values: ``note.say("de")``. Values that are
    :class:`LazyText` or :class:`Message` are said in the same language.

    Parameters
    ----------
    message
        The English msgid, marked ``N_("…")`` for extraction, with ``{name}`` fields.
    **values
        The fields' values.
    """

    msgid: str
    values: dict[str, object]

    def __new__(cls, message: str, **values: object) -> Message:
        self = super().__new__(cls, message.format(**{k: _say(v, "en")
                                                      for k, v in values.items()}))
        self.msgid, self.values = message, values
        return self

    def __reduce__(self):  # type: ignore[no-untyped-def]  # pickling (worker processes)
        return (_message, (self.msgid, self.values))

    def say(self, lang: str) -> str:
        """The sentence in ``lang`` (``de``, ``en``, ``ls``)."""
        return translator(lang).gettext(
            self.msgid, **{k: _say(v, lang) for k, v in self.values.items()})


def _message(message: str, values: dict[str, object]) -> Message:
    return Message(message, **values)


def _say(value: object, lang: str) -> object:
    if isinstance(value, Message):
        return value.say(lang)
    if isinstance(value, LazyText):
        return value[lang]
    return value


def say(text: str, lang: str) -> str:
    """``text`` in ``lang`` when it is a :class:`Message`, else as it is."""
    return text.say(lang) if isinstance(text, Message) else text


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    """Mark ``message`` for extraction without translating it (translated where shown)."""
    return message


def template_callables(lang: str) -> dict[str, Callable[..., str]]:
    """``_``/``gettext``/``ngettext``/``pgettext`` of ``lang`` for Jinja2 templates.

    New-style, as the Jinja2 ``i18n`` extension: ``{{ _("%(n)s steps", n=3) }}`` fills
    in ``%(name)s`` (HTML-escaped under autoescaping); without values the text is left
    as it is (a literal ``%`` needs no doubling). Pass them in the render context.

    Parameters
    ----------
    lang
        ``de``, ``en`` or ``ls``.

    Returns
    -------
    dict
        The four callables by name.
    """
    t = translator(lang).translations

    def _fill(text: str, values: dict[str, object]) -> str:
        return Markup.escape(text) % values if values else text

    def gettext(message: str, **values: object) -> str:
        return _fill(t.gettext(message), values)

    def ngettext(singular: str, plural: str, num: int, **values: object) -> str:
        return _fill(t.ngettext(singular, plural, num), {"num": num, **values})

    def pgettext(context: str, message: str, **values: object) -> str:
        return _fill(t.pgettext(context, message), values)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext, "pgettext": pgettext}
