"""Every word in the page's language on the analysis, scenario, action-plan, catalogue and
barrier pages: no English sentence on a German or easy-read page, no standard German one on
an easy-read page (real Hamburg data; the texts come from the catalogues)."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from stufenlos.analysis.ranking import Ranking
from stufenlos.i18n import LOCALE_DIR, Message, say
from stufenlos.profiles.labels import PROFILE_LABELS
from stufenlos.profiles.profile import PRESETS
from tests._api_client import make_client

PAGES = ["/analysis/hamburg?p=wheelchair", "/analysis", "/plan", "/plan/explainers",
         "/plan/glossary", "/plan/dialogues", "/catalog.html", "/barriers?city=hamburg",
         "/plan/commitments/DEHHB0002"]


#: English that is a name in the data: the seeded plan links the OGP's own "Inception
#: report (OGP)" document by its title
NAMES = {"Inception report"}


class _Text(HTMLParser):
    """The words a reader gets: text nodes and labelling attributes, no script."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in ("aria-label", "title", "alt") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return re.sub(r"\s+", " ", " ".join(p.parts))


def _catalogue(lang: str) -> dict:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return {m.id: m.string for m in read_po(fp) if m.id and isinstance(m.id, str)}


def _sentence_parts(msgid: str) -> list[str]:
    """The literal pieces of a msgid between its ``{fields}``, long enough to be words of
    one language only."""
    return [p.strip() for p in re.split(r"\{\w+\}|%\(\w+\)s", msgid)
            if len(p.strip()) >= 12 and " " in p.strip()]


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("i18n-pages"))


@pytest.fixture(scope="module")
def pages(client) -> dict[str, dict[str, str]]:
    out = {}
    for path in PAGES:
        sep = "&" if "?" in path else "?"
        out[path] = {}
        for lang in ("de", "en", "ls"):
            r = client.get(f"{path}{sep}lang={lang}")
            assert r.status_code == 200, (path, lang, r.text[:300])
            out[path][lang] = _text(r.text)
    # a scenario result: the Reeperbahn station made step-free
    out["scenario"] = {}
    for lang in ("de", "en", "ls"):
        r = client.post("/analysis/hamburg/scenario", params={"lang": lang},
                        data={"fix": "station:8006705"})
        assert r.status_code == 200, r.text[:300]
        out["scenario"][lang] = _text(r.text)
    return out


@pytest.fixture(scope="module")
def catalogues() -> dict[str, dict]:
    return {lang: _catalogue(lang) for lang in ("de", "ls")}


def test_no_english_on_german_and_easy_read_pages(pages, catalogues) -> None:
    de = catalogues["de"]
    shown = 0
    for path, texts in pages.items():
        # English pieces the English page shows, whose German differs
        english = {part for msgid, text in de.items() if text and text != msgid
                   for part in _sentence_parts(msgid) if part in texts["en"]
                   and part not in text}
        shown += len(english)
        for lang in ("de", "ls"):
            leaked = {part for part in english - NAMES if part in texts[lang]}
            assert not leaked, (path, lang, sorted(leaked)[:5])
    assert shown > 60  # the pages say a lot, and the check finds it on the English ones


def test_no_standard_german_sentence_on_easy_read_pages(pages, catalogues) -> None:
    de, ls = catalogues["de"], catalogues["ls"]
    for path, texts in pages.items():
        german = {text for msgid, text in de.items() if text and ls.get(msgid) != text
                  and "{" not in text and len(text) >= 25 and text in texts["de"]}
        leaked = {s for s in german if s in texts["ls"]}
        assert not leaked, (path, sorted(leaked)[:5])


def test_analysis_page_speaks_german(pages) -> None:
    page = pages["/analysis/hamburg?p=wheelchair"]
    # the map, the notes and the station ranking, written in the analysis code
    assert "Lücke beim Zugang zu" in page["de"] and "Gap in access to" in page["en"]
    assert "Gap in access" not in page["de"] and "Gap in access" not in page["ls"]
    for english in ("walking only", "evenly spread", "STRAIGHT-LINE", "candidate fix",
                    "residents", "Wheelchair", "wheelchair"):
        assert english not in page["de"], english
    assert "nur zu Fuß" in page["de"] and "Wir rechnen nur Wege zu Fuß." in page["ls"]
    assert "Rollstuhl" in page["de"]
    assert "Bahnhof Reeperbahn stufenlos gemacht" in pages["scenario"]["de"]
    assert "station Reeperbahn made step-free" in pages["scenario"]["en"]


def test_every_preset_has_a_label_in_every_language() -> None:
    assert set(PROFILE_LABELS) == set(PRESETS)
    for label in PROFILE_LABELS.values():
        assert label["de"] != label.message and label["ls"]
    assert PROFILE_LABELS["walker"]["de"] == "Rollator"


def test_a_message_is_english_text_said_later_in_another_language() -> None:
    empty = Ranking(table=__import__("pandas").DataFrame(), profile="walker",
                    category="pharmacy", budget_min=10.0, group="age65", candidates=3,
                    shortlisted=1, evaluated=1)
    summary = empty.summary
    assert isinstance(summary, Message) and isinstance(summary, str)
    assert summary.startswith("No candidate fix gives residents aged 65 and over access to "
                              "pharmacies within 10 min with the profile “Walker (rollator)”")
    assert say(summary, "de").startswith(
        "Keine mögliche Verbesserung bringt Einwohner ab 65 Jahren in 10 min mit dem Profil "
        "„Rollator“ zu Apotheken")
    assert "Apotheken" in say(summary, "ls") and "Keine Verbesserung hilft" in say(summary, "ls")
    assert say("plain", "de") == "plain"


def test_report_times_are_the_city_local_time() -> None:
    from stufenlos.api.templating import _local_time, templates

    macros = templates.env.get_template("reports/_macros.html")

    def when(lang: str, city: str) -> str:
        module = macros.make_module({"local_time": _local_time(lang), "city": city})
        return str(module.when(dt.datetime(2026, 12, 1, 2, 0)))  # stored as naive UTC

    # winter: UTC+1 in Hamburg, UTC+2 in Helsinki; no zone named when it is the city's own
    assert ">01.12.26, 03:00</time>" in when("de", "hamburg")
    assert ">01/12/2026, 04:00</time>" in when("en", "helsinki")
    assert 'datetime="2026-12-01T02:00:00"' in when("de", "hamburg")
