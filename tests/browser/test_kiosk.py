"""The information pillar page in Chromium: large type, readable structure, axe-core."""

from __future__ import annotations

import pytest

from tests.browser._city_server import city_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(imported_city, city_base, tmp_path_factory):
    imported_city("hamburg")
    imported_city("heidelberg")
    with city_server(city_base, tmp_path_factory.mktemp("kiosk")) as base:
        yield base


def test_kiosk_page_is_large_readable_and_pausable(page, server, axe_check) -> None:
    page.goto(f"{server}/kiosk/hamburg/jungfernstieg?lang=de")
    assert page.locator("h1").inner_text() == "Jungfernstieg"
    headings = page.locator(".kiosk h2").all_inner_texts()
    assert headings[:3] == ["Stufenloser Zugang", "Nächste Abfahrten", "Aufzüge"]
    size = page.evaluate("() => parseFloat(getComputedStyle("
                         "document.querySelector('.kiosk-big')).fontSize)")
    assert size >= 28  # readable from 2 m
    assert page.locator(".kiosk-list li").count() == 6
    pause = page.locator("#kiosk-pause")
    assert pause.is_visible()
    assert pause.get_attribute("aria-pressed") == "false"
    pause.focus()
    page.keyboard.press("Enter")
    assert pause.get_attribute("aria-pressed") == "true"
    axe_check(page)


def test_kiosk_refreshes_its_content(page, server) -> None:
    page.add_init_script("window.__realSetInterval = window.setInterval;"
                         "window.setInterval = (fn, ms) => window.__realSetInterval(fn, 300);")
    page.goto(f"{server}/kiosk/hamburg/jungfernstieg?lang=en")
    page.evaluate("() => document.querySelector('#kiosk-body section').dataset.old = '1'")
    with page.expect_response(lambda r: "fragment=1" in r.url and r.status == 200):
        page.wait_for_function("() => !document.querySelector('#kiosk-body section[data-old]')")
    assert "Step-free access" in page.locator("#kiosk-body").inner_text()


def test_kiosk_with_departures_from_the_timetable(page, server, axe_check) -> None:
    page.goto(f"{server}/kiosk/heidelberg/heidelberg-bismarckplatz?lang=en&at=2022-09-01T08:00")
    rows = page.locator(".kiosk-table tbody tr")
    assert rows.count() >= 3
    first = rows.first.locator("td").all_inner_texts()
    assert first[0] >= "08:00" and first[1] == "RNV 5"
    assert first[3].startswith("Heidelberg, Bismarckplatz")
    assert first[4].strip() in ("✔ yes", "✖ no", "? unknown")
    axe_check(page)


def test_kiosk_on_a_phone(browser, server, axe_check) -> None:
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="de-DE")
    page = ctx.new_page()
    try:
        page.goto(f"{server}/kiosk/heidelberg/heidelberg-bismarckplatz?lang=de"
                  "&at=2022-09-01T08:00")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 1, f"the page scrolls sideways by {overflow}px"
        axe_check(page)
        from tests.browser.conftest import ARTIFACTS

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "kiosk_360px.png"), full_page=True)
    finally:
        ctx.close()
