"""Every word in the reader's language: complete catalogues, and real route texts with no
English on German pages and no standard German on easy-read ones (Hamburg, Heidelberg)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from markupsafe import escape

from stufenlos.config import load_city_config
from stufenlos.i18n import LOCALE_DIR, LazyText, format_datetime, format_number, translator
from stufenlos.profiles import LIMITS, PRESETS
from stufenlos.text.easy_read import easy_read_lines
from stufenlos.text.route import route_lines
from tests._api_client import make_client

SRC = Path(__file__).resolve().parents[1] / "src" / "stufenlos"
CITIES = Path(__file__).resolve().parents[1] / "data" / "cities"

#: English that must not be in a German or easy-read sentence (markers of the msgids)
ENGLISH = re.compile(r"\b(?:the|route is|longer than|over your|Warning|Continue|Turn|Cross|"
                     r"Take|not mapped|assumed|limit|range|kerb|steps)\b")
#: raw OSM values and field names: "surface=sett", "(-1;0)", "1;2", "|| ", "max_distance_m"
RAW = re.compile(r"=|\d;-?\d|;\S|\|\||\b[a-z]+_[a-z_]+\b")
#: the one sentence standard and easy-read German share
SHARED = {"Sie haben Ihr Ziel erreicht."}


def _catalogue(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp)


@pytest.fixture(scope="module")
def used_msgids() -> set:
    """Every msgid the code and the templates mark (as ``pybabel extract -F babel.cfg -k N_
    -k LazyText``)."""
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "LazyText": None}
    found = extract_from_dir(str(SRC), method_map=[("**.py", "python"),
                                                   ("**/templates/**.html", "jinja2")],
                             keywords=keywords,
                             options_map={"**/templates/**.html":
                                          {"extensions": "jinja2.ext.i18n"}})
    return {(ctx, msg if isinstance(msg, str) else msg[0]) for _, _, msg, _, ctx in found}


@pytest.mark.parametrize("lang", ["de", "en", "ls"])
def test_catalogues_compile_cleanly(lang: str) -> None:
    """What ``pybabel compile`` (``make translations``) checks: no duplicate entry, and
    placeholders that agree between msgid and msgstr (a ``%`` before a letter in a
    brace-format text makes Babel read a printf placeholder)."""
    text = (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").read_text("utf-8")
    ids = re.findall(r'^(?:msgctxt "(.*)"\n)?msgid ((?:".*"\n)+)', text, re.M)
    keys = [(ctx, "".join(re.findall(r'"(.*)"', mid))) for ctx, mid in ids]
    assert len(keys) == len(set(keys)), "duplicate entries"
    problems = [(m.id, [str(e) for e in errs]) for m, errs in _catalogue(lang).check()]
    assert not problems, problems[:3]


@pytest.mark.parametrize("lang", ["de", "ls"])
def test_every_msgid_has_a_text(lang: str, used_msgids: set) -> None:
    cat = _catalogue(lang)
    empty = [m.id for m in cat if m.id and (not m.string if isinstance(m.string, str)
                                            else not all(m.string))]
    assert not empty, f"{lang}: no text for {empty[:5]}"
    have = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in cat if m.id}
    missing = used_msgids - have
    assert not missing, f"{lang}: not in the catalogue (run pybabel update): {missing}"
    assert len(used_msgids) > 150  # the extraction found the text layer


def test_easy_read_is_not_standard_german() -> None:
    de, ls = _catalogue("de"), _catalogue("ls")
    same = {m.id for m in ls if m.id and m.string == de.get(m.id, m.context).string
            and ENGLISH.sub("", str(m.id)) != str(m.id)}
    # the warnings and notes of a route differ; words (a surface, "Achtung!") may not
    for msgid in ("Warning: {what}{excess}.", "The route is longer than your range of {range}.",
                  " (assumed: {v}, not mapped)", "Turn left.", "Kerb {h} at the end."):
        assert ls[msgid].string != de[msgid].string, msgid
    assert len(same) < 40, same


def test_limit_labels_in_every_language() -> None:
    kerb = LIMITS["max_kerb_cm"]
    assert isinstance(kerb.label, LazyText)
    assert (kerb.label["de"], kerb.label["en"], kerb.label["ls"]) == (
        "Höchster Bordstein", "Highest kerb", "So hoch darf ein Bordstein sein")
    assert kerb.format(3, "ls") == "3 Zentimeter" and kerb.format(2.5, "de") == "2,5 cm"
    assert LIMITS["min_smoothness"].format("very_bad", "de") == "sehr holprig"
    assert LIMITS["avoid_surfaces"].format({"sett", "gravel"}, "en") == "gravel, sett (cobbles)"


@pytest.mark.parametrize(("city", "tz", "utc", "local"), [
    ("heidelberg", "Europe/Berlin", dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC), "03:00"),
    ("hamburg", "Europe/Berlin", dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC), "12:30"),
    ("helsinki", "Europe/Helsinki", dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC), "04:00"),
])
def test_times_are_local(city: str, tz: str, utc: dt.datetime, local: str) -> None:
    timezone = load_city_config(CITIES / city / "city.toml").timezone
    assert timezone == tz
    # winter: UTC+1 in Berlin, UTC+2 in Helsinki; summer: UTC+2 in Berlin
    assert format_datetime(utc, "de", timezone, "HH:mm") == local
    assert format_datetime(utc.replace(tzinfo=None), "en", timezone, "HH:mm") == local
    day = format_datetime(utc, "de", timezone, "short")
    assert day.startswith(f"{utc.day:02d}.{utc.month:02d}.") and day.endswith(local)


def test_numbers_in_the_readers_format() -> None:
    assert (format_number(1.5, "de", 1), format_number(1.5, "en", 1)) == ("1,5", "1.5")
    assert format_number(2000, "de") == "2000"
    assert translator("ls").ngettext("{n} step", "{n} steps", 1) == "1 Stufe"


# real routes: street pairs in Hamburg's and Heidelberg's extracts, and one over the range
HAMBURG = [((53.5528, 9.9930), (53.5505, 9.9925)),
           ((53.55250435, 9.99074585), (53.55002260, 9.99789540)),
           ((53.5496193, 9.9997350), (53.5528, 9.9930))]
HEIDELBERG = [((49.4094, 8.6942), (49.4125, 8.7100)),
              # the old town route whose only broken limit is a kerb nobody mapped
              ((49.411234897555374, 8.698547921460134), (49.41276683114342, 8.695570247226666))]


def _all(route, lang: str) -> list[str]:
    summary, warnings, steps = route_lines(route, lang=lang)
    return [*summary, *warnings, *steps]


def _sentences(lines: list[str]) -> set[str]:
    return set(easy_read_lines(lines))


def _routes(imported_city):
    for name, pairs in (("hamburg", HAMBURG), ("heidelberg", HEIDELBERG)):
        city = imported_city(name)
        for o, d in pairs:
            for preset in ("wheelchair", "walker", "blind"):
                yield city.route(o, d, profile=preset)
        o, d = pairs[0]
        yield city.route(o, d, profile=PRESETS["walker"].replace(max_distance_m=100.0))


@pytest.fixture(scope="module")
def texts(imported_city) -> list[tuple]:
    out = []
    for route in _routes(imported_city):
        lines = {lang: _all(route, lang) for lang in ("de", "en", "ls")}
        names = {s["name"] for s in route.segments() if s.get("name")}
        out.append((route, lines, names))
    return out


def _without_names(text: str, names: set[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "")
    return text


def test_german_route_text_has_no_english(texts) -> None:
    statuses = {r.status for r, _, _ in texts}
    assert {"ok", "limits_broken"} <= statuses, statuses  # the sample has both kinds
    assert any(r.uncertain() or any(v["assumed"] for v in r.violations())
               for r, _, _ in texts), "no route with assumed values"
    for route, lines, names in texts:
        for lang in ("de", "ls"):
            assert not set(lines[lang]) & set(lines["en"]), route.profile.name
            for line in lines[lang]:
                bare = _without_names(line, names)
                assert not ENGLISH.search(bare), (lang, line)
                assert not RAW.search(bare), (lang, line)


def test_easy_read_has_no_standard_german_sentence(texts) -> None:
    for _, lines, names in texts:
        common = _sentences(lines["ls"]) & _sentences(lines["de"])
        assert common <= SHARED | names, common - SHARED


def test_the_range_warning_is_a_sentence_in_the_language(texts) -> None:
    route, lines, _ = next(t for t in texts if t[0].profile.max_distance_m == 100.0)
    assert route.distance_m > 100
    assert "Die Route ist länger als Ihre Reichweite von 100 m." in lines["de"]
    assert "So weit können Sie nicht gehen oder fahren." in lines["ls"]
    assert "The route is longer than your range of 100 m." in lines["en"]


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("i18n"))


def _page(client, lang: str, **extra: str) -> str:
    r = client.get("/planner", params={"city": "hamburg", "from": "Jungfernstieg",
                                       "to": "Rathausmarkt", "profile": "walker",
                                       "lang": lang, **extra})
    assert r.status_code == 200
    return r.text


def test_german_and_easy_read_route_pages(client, imported_city) -> None:
    pages = {lang: _page(client, lang) for lang in ("de", "en", "ls")}
    city = imported_city("hamburg")
    route = city.route((53.5528, 9.9930), (53.5505, 9.9925), profile="walker")
    en = _all(route, "en")
    de = _all(route, "de")
    ls = _all(route, "ls")
    shown = [s for s in en if str(escape(s)) in pages["en"]]
    assert len(shown) >= 2, "the English page shows the route's sentences"
    for sentence in en:
        assert str(escape(sentence)) not in pages["de"], sentence
        assert str(escape(sentence)) not in pages["ls"], sentence
    for sentence in _sentences(de) - SHARED:
        assert str(escape(sentence)) not in pages["ls"], sentence
    assert any(str(escape(s)) in pages["ls"] for s in ls)
    # the limit fields and the navigation in easy-read German
    assert "So hoch darf ein Bordstein sein" in pages["ls"]
    assert ">Weg suchen</a>" in pages["ls"] and ">Route planen</a>" in pages["de"]


def test_form_errors_in_the_page_language(client) -> None:
    bad = {"limits_for": "walker", "max_kerb_cm": "99"}
    assert "bitte eine Zahl von 0 bis 30 eingeben" in _page(client, "de", **bad)
    assert "please enter a number from 0 to 30" in _page(client, "en", **bad)
    assert "Bitte schreiben Sie eine Zahl von 0 bis 30." in _page(client, "ls", **bad)
