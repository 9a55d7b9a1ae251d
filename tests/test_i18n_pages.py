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
NAMES = frozenset({"Inception report"})


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


def assert_no_english(pages: dict[str, dict[str, str]], catalogues: dict[str, dict], *,
                      names: frozenset[str] = frozenset()) -> int:
    """No English piece the English page shows (whose German differs) is on the German or
    easy-read page, ``names`` (English that is a name in the data) aside; returns how
    many such pieces the English pages showed."""
    de = catalogues["de"]
    shown = 0
    for path, texts in pages.items():
        english = {part for msgid, text in de.items() if text and text != msgid
                   for part in _sentence_parts(msgid) if part in texts["en"]
                   and part not in text}
        shown += len(english)
        for lang in ("de", "ls"):
            leaked = {part for part in english - names if part in texts[lang]}
            assert not leaked, (path, lang, sorted(leaked)[:5])
    return shown


def assert_no_standard_german(pages: dict[str, dict[str, str]], catalogues: dict[str, dict],
                              *, content: frozenset[str] = frozenset()) -> None:
    """No standard-German sentence of the German page (whose easy-read text differs) is on
    the easy-read page, ``content`` (stored text written in German) aside."""
    de, ls = catalogues["de"], catalogues["ls"]
    for path, texts in pages.items():
        german = {text for msgid, text in de.items() if text and ls.get(msgid) != text
                  and "{" not in text and len(text) >= 25 and text in texts["de"]}
        leaked = {s for s in german - content if s in texts["ls"]}
        assert not leaked, (path, sorted(leaked)[:5])


def test_no_english_on_german_and_easy_read_pages(pages, catalogues) -> None:
    # the pages say a lot, and the check finds it on the English ones
    assert assert_no_english(pages, catalogues, names=NAMES) > 60


def test_no_standard_german_sentence_on_easy_read_pages(pages, catalogues) -> None:
    assert_no_standard_german(pages, catalogues)


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


# --- the planner (walking and by public transport), the kiosk and error pages -------------

#: Heidelberg's real VRN feed is valid from 2022-06-12 to 2022-12-10
JOURNEY = {"city": "heidelberg", "from": "Heidelberg Hbf", "to": "Neuenheim, Technologiepark",
           "mode": "transit", "date": "2022-09-14", "time": "08:00", "profile": "wheelchair"}
WALK = JOURNEY | {"mode": "walk"}
KIOSK = "/kiosk/heidelberg/hd-weststadt-sudstadt"


@pytest.fixture(scope="module")
def hd_client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("i18n-hd"),
                           cities=("heidelberg",))


@pytest.fixture(scope="module")
def hd_pages(hd_client) -> dict[str, dict[str, str]]:
    requests = {"walk": ("/planner", WALK), "transit": ("/planner", JOURNEY),
                "print": ("/planner/print", JOURNEY), "fragment": ("/planner/result", JOURNEY),
                "kiosk": (KIOSK, {"at": "2022-09-14T08:00"}),
                "kiosk index": ("/kiosk/heidelberg", {}),
                "bad time": ("/planner", JOURNEY | {"time": "8 Uhr"})}
    out: dict[str, dict[str, str]] = {}
    for name, (path, params) in requests.items():
        out[name] = {}
        for lang in ("de", "en", "ls"):
            r = hd_client.get(path, params=params | {"lang": lang})
            assert r.status_code == 200, (name, lang, r.text[:300])
            out[name][lang] = _text(r.text)
    return out


def test_planner_and_kiosk_speak_the_page_language(hd_pages, catalogues) -> None:
    de, ls = catalogues["de"], catalogues["ls"]
    shown = 0
    for name, texts in hd_pages.items():
        english = {part for msgid, text in de.items() if text and text != msgid
                   for part in _sentence_parts(msgid) if part in texts["en"]
                   and part not in text}
        shown += len(english)
        for lang in ("de", "ls"):
            leaked = {part for part in english if part in texts[lang]}
            assert not leaked, (name, lang, sorted(leaked)[:5])
        german = {text for msgid, text in de.items() if text and ls.get(msgid) != text
                  and "{" not in text and "%(" not in text and len(text) >= 25
                  and text in texts["de"]}
        assert not {s for s in german if s in texts["ls"]}, name
    assert shown > 40


def test_journeys_are_said_in_every_language(hd_pages) -> None:
    transit = hd_pages["transit"]
    # the same journey, leg by leg, with the names the person chose
    assert re.search(r"08:\d\d Straßenbahn RNV \d+ Richtung [^:]+: einsteigen in ",
                     transit["de"])
    assert re.search(r"08:\d\d Straßenbahn RNV \d+ nach [^.]+\. Einsteigen in ", transit["ls"])
    assert re.search(r"\d+ Verbindungen mit Bus und Bahn, die erste ab 08:\d\d\.",
                     hd_pages["fragment"]["de"])
    assert re.search(r"\d+ Fahrten mit Bus und Bahn\. Die erste fährt um 08:\d\d los\.",
                     hd_pages["fragment"]["ls"])
    for page in transit.values():
        assert "Heidelberg Hbf" in page and "Neuenheim, Technologiepark" in page
    assert "Mal umsteigen" in transit["ls"] and "Umstieg" not in transit["ls"]
    walk = hd_pages["walk"]
    assert "Step" not in walk["de"] and "Schritte" in walk["de"]
    assert "Schritt für Schritt" in walk["ls"]
    # a wrong time is an error by public transport only, in the reader's words
    assert "Uhrzeit: Bitte so schreiben: 08:00. Nicht: 8 Uhr" in hd_pages["bad time"]["ls"]
    assert "8 Uhr" not in _text_of(hd_pages, "walk")


def _text_of(pages: dict[str, dict[str, str]], name: str) -> str:
    return " ".join(pages[name].values())


def test_the_journey_api_names_the_places_it_is_given(hd_client) -> None:
    body = {"origin": {"lat": 49.403567, "lon": 8.675442},
            "destination": {"lat": 49.419232, "lon": 8.676279},
            "at": "2022-09-14T08:00:00", "profile": "wheelchair"}
    named = hd_client.post("/api/cities/heidelberg/journey", json=body | {
        "lang": "de", "origin_name": "Heidelberg Hbf",
        "destination_name": "Technologiepark"}).json()["itineraries"]
    first = named[0]["directions"]
    assert "von Heidelberg Hbf nach" in first[0] and "Technologiepark" in first[-1]
    plain = {lang: hd_client.post("/api/cities/heidelberg/journey",
                                  json=body | {"lang": lang}).json()["itineraries"]
             for lang in ("de", "ls", "en")}
    assert "von Start nach" in plain["de"][0]["directions"][0]
    assert "from Start to" in plain["en"][0]["directions"][0]
    ls = "\n".join(plain["ls"][0]["directions"])
    assert "Minuten gehen oder fahren von Start nach" in ls
    assert "origin" not in ls and "destination" not in ls
    # the JSON is the same, the text added to it
    assert [it["departure"] for it in plain["de"]] == [it["departure"] for it in named]


def test_kiosk_links_stay_in_kiosk_mode(hd_client) -> None:
    page = hd_client.get("/kiosk/heidelberg", params={"mode": "kiosk", "lang": "ls"}).text
    links = re.findall(r'href="(/kiosk/heidelberg/[^"]+)"', page)
    assert links and all(link.endswith("?lang=ls&amp;mode=kiosk") for link in links)
    plain = hd_client.get("/kiosk/heidelberg", params={"lang": "de"}).text
    assert "mode=kiosk" not in plain


@pytest.mark.parametrize(("lang", "words"), [("de", "Seite nicht gefunden"),
                                             ("en", "Page not found"),
                                             ("ls", "Diese Seite gibt es nicht")])
def test_an_unknown_page_is_a_page_in_the_reader_language(hd_client, lang, words) -> None:
    r = hd_client.get("/xyz", params={"lang": lang}, headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert words in r.text and 'id="main-nav-list"' in r.text
    api = hd_client.get("/xyz", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.json()["error"] == "HTTPError"
    # an HTML form's invalid field is said in words, not as pydantic's English
    bad = hd_client.get(KIOSK, params={"lang": lang, "at": "soon"},
                        headers={"Accept": "text/html"})
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    long = hd_client.get(f"/kiosk/heidelberg/{'x' * 120}", params={"lang": lang},
                         headers={"Accept": "text/html"})
    said = {"de": "stop: dieser Text ist zu lang", "en": "stop: this text is too long",
            "ls": "stop: Der Text ist zu lang."}[lang]
    assert long.status_code == 422 and said in _text(long.text)
    assert "String should have at most" not in long.text
