"""The places page in Chromium: list, filters by keyboard, map layer, axe-core, 320 px reflow."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests._need import need
from tests.browser._city_server import city_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(imported_city, city_base, tmp_path_factory):
    imported_city("heidelberg")
    with city_server(city_base, tmp_path_factory.mktemp("places")) as base:
        yield base


@pytest.mark.parametrize("lang", ["de", "en", "ls"])
def test_places_page_filters_by_keyboard_and_passes_axe(page, server, axe_check, lang) -> None:
    page.goto(f"{server}/places/heidelberg?lang={lang}")
    total = int(page.locator("#place-count").inner_text().split()[0])
    assert total > 200
    axe_check(page)
    page.locator("#access").focus()
    page.keyboard.press("ArrowDown")  # "yes"
    page.locator("#access").press("Tab")
    page.keyboard.press("Enter")  # the submit button follows the last field
    page.wait_for_url("**access=yes**")
    shown = int(page.locator("#place-count").inner_text().split()[0])
    assert 0 < shown < total
    assert page.locator("#place-table tbody td.access-yes").count() == min(shown, 50)
    if page.evaluate("() => !!window.maplibregl"):
        page.wait_for_function("() => document.querySelector('#map canvas') !== null")
    axe_check(page)


def test_places_page_reflows_at_320_px(browser, server, axe_check) -> None:
    ctx = browser.new_context(viewport={"width": 320, "height": 700}, locale="de-DE")
    pg = ctx.new_page()
    try:
        pg.goto(f"{server}/places/heidelberg?lang=de&kind=school")
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 320
        axe_check(pg)
    finally:
        ctx.close()


def test_planner_map_shows_places_on_request(page, server) -> None:
    try:
        with page.expect_response(lambda r: "/venues.geojson" in r.url, timeout=30_000) as got:
            page.goto(f"{server}/planner?city=heidelberg&lang=en")
    except PlaywrightTimeout:
        got = None
    need(got is not None and page.locator("#map canvas").count() > 0,
         "the map did not start: no WebGL, or MapLibre is missing (run make web)")
    assert got.value.status == 200
    toggle = page.locator("#show-places")
    assert toggle.is_visible() and not toggle.is_checked()
    toggle.focus()
    page.keyboard.press("Space")
    assert toggle.is_checked()
