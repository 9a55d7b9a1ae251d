"""Every word in the page's language on the report, proceeding, places and moderation
pages: no English sentence on a German or easy-read page, no standard German one on an
easy-read page (real Hamburg data; a report posted through Open311, the demo proceeding
seeded from the real ranking)."""

from __future__ import annotations

import pytest

from stufenlos.proceedings.seed import DEMO_SLUG, seed_demo
from tests._api_client import make_client
from tests.test_i18n_pages import (
    _catalogue,
    _text,
    assert_no_english,
    assert_no_standard_german,
)

#: the demo proceeding's own description (content its body wrote, in German) names these
CONTENT = frozenset({"einen stufenlosen Bahnhof"})
CATALOGUES = {lang: _catalogue(lang) for lang in ("de", "ls")}

PAGES = ["/reports?city=hamburg", "/reports/new?city=hamburg", "/moderation",
         "/places/hamburg", "/proceedings", f"/proceedings/{DEMO_SLUG}"]


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("i18n-reports"))


@pytest.fixture(scope="module")
def pages(client, imported_city) -> dict[str, dict[str, str]]:
    from stufenlos.api.plan_deps import get_store
    from stufenlos.api.routes.open311 import report_service

    with get_store().session() as session:
        seed_demo(session, imported_city("hamburg"))
    r = client.post("/open311/v2/requests.json", data={
        "jurisdiction_id": "hamburg", "service_code": "broken-elevator", "lat": 53.5527,
        "long": 9.9937, "description": "Aufzug steht still", "attribute[equipment]": "elevator"})
    assert r.status_code == 201, r.text
    rid = int(r.json()[0]["service_request_id"])
    report_service().accept(rid, actor="test")
    out = {}
    for path in [*PAGES, f"/reports/{rid}"]:
        sep = "&" if "?" in path else "?"
        out[path] = {}
        for lang in ("de", "en", "ls"):
            r = client.get(f"{path}{sep}lang={lang}")
            assert r.status_code == 200, (path, lang, r.text[:300])
            out[path][lang] = _text(r.text)
    return out


def test_no_english_on_german_and_easy_read_pages(pages) -> None:
    assert assert_no_english(pages, CATALOGUES) > 40


def test_no_standard_german_sentence_on_easy_read_pages(pages) -> None:
    assert_no_standard_german(pages, CATALOGUES, content=CONTENT)


def test_report_words_come_from_the_catalogue(pages) -> None:
    report = next(p for p in pages if p.startswith("/reports/") and p[9:].isdigit())
    texts = pages[report]
    assert "Aufzug oder Fahrtreppe kaputt" in texts["de"]
    assert "Broken elevator or escalator" in texts["en"]
    assert "Aufzug oder Roll-Treppe ist kaputt" in texts["ls"]
    assert "Ist jetzt für alle zu sehen" in texts["ls"] and "Veröffentlicht" in texts["de"]
    assert "Gemeldete Barrieren" in pages["/reports?city=hamburg"]["de"]
