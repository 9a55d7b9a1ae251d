"""Public transport on the planner page and the kiosk mode, in Chromium, on Heidelberg's feed.

Each journey is driven as a person would: type the places, choose the mode, tab,
submit; the tests assert what the person reads. axe-core on every state; at 320 px
no page scrolls sideways.
"""

from __future__ import annotations

import contextlib
import re

import pytest

from tests.browser._city_server import city_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FROM, TO = "Heidelberg Hbf", "Neuenheim, Technologiepark"
KIOSK = "/kiosk/heidelberg/hd-weststadt-sudstadt"


@pytest.fixture(scope="module")
def server(imported_city, city_base, tmp_path_factory):
    imported_city("heidelberg")
    with city_server(city_base, tmp_path_factory.mktemp("planner-transit")) as base:
        yield base


def _tab_to(page, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == \
                element_id:
            return
    pytest.fail(f"#{element_id} cannot be reached with the Tab key")


def _fill_journey(page) -> None:
    """Type start and destination, choose public transport, 2022-09-14 at 08:00."""
    page.locator("#from").focus()
    page.keyboard.type(FROM)
    page.keyboard.press("Escape")
    _tab_to(page, "to")
    page.keyboard.type(TO)
    page.keyboard.press("Escape")
    _tab_to(page, "mode-walk")
    page.keyboard.press("ArrowDown")  # the radio group: arrow keys choose
    assert page.locator("#mode-transit").is_checked()
    _tab_to(page, "date")
    page.locator("#date").fill("2022-09-14")
    _tab_to(page, "time")
    page.locator("#time").fill("08:00")


def _overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - innerWidth")


def test_a_journey_by_tram_with_the_keyboard(page, server, axe_check) -> None:
    page.goto(f"{server}/planner?city=heidelberg&lang=de")
    assert page.locator("#mode-walk").is_checked()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", page.locator("#date").input_value())
    axe_check(page)
    _fill_journey(page)
    _tab_to(page, "plan-button")
    page.keyboard.press("Enter")
    page.wait_for_selector(".journey")
    first = page.locator(".journey").first.inner_text()
    assert re.search(r"Verbindung 1 – wenigste Umstiege", first)
    ride = re.search(r"(08:\d\d) Straßenbahn (RNV \d+) Richtung", first)
    assert ride, first
    assert f"von {FROM} nach Heidelberg, Hauptbahnhof" in first
    assert "Einstieg Heidelberg, Hauptbahnhof" in first
    assert "früheste Ankunft" in page.locator("#route-body").inner_text()
    status = page.locator("#route-status").inner_text()
    assert "Verbindungen mit Bus und Bahn, die erste ab 08:0" in status
    assert "Ihre Grenzen: Höchster Bordstein: 3 cm" in page.locator("#route-body").inner_text()
    assert "mode=transit" in page.url and "date=2022-09-14" in page.url
    axe_check(page)


def test_the_same_journey_without_javascript_and_on_the_print_page(
        browser, server, axe_check) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    # the page's own script does not load (as on a browser without JavaScript): the
    # form is sent to the server, which answers with the whole page
    page.route("**/static/planner.js", lambda route: route.abort())
    try:
        page.goto(f"{server}/planner?city=heidelberg&lang=de")
        _fill_journey(page)
        _tab_to(page, "plan-button")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"mode=transit"))
        body = page.locator("#route-body").inner_text()
        ride = re.search(r"08:\d\d Straßenbahn RNV \d+ Richtung [^:]+", body)
        assert ride, body
        axe_check(page)
        page.get_by_role("link", name="Verbindungen als einfache Seite drucken").click()
        printed = page.locator("main").inner_text()
        assert ride.group(0) in printed
        assert "Ihre Grenzen" in printed and "Höchster Bordstein: 3 cm" in printed
        assert "mit Bus und Bahn, 2022-09-14 08:00" in printed
        axe_check(page)
    finally:
        ctx.close()


def test_an_empty_form_says_what_is_missing(page, server, axe_check) -> None:
    page.goto(f"{server}/planner?city=heidelberg&lang=en")
    page.locator("#plan-button").click()
    alert = page.locator("#route-errors")
    alert.get_by_text("Start: please enter a place").wait_for()
    assert "Destination: please enter a place" in alert.inner_text()
    assert alert.get_attribute("role") == "alert"
    assert page.locator("#route-status").inner_text() == "Please check your input."
    assert "No mapped barriers" not in page.locator("#route-body").inner_text()
    axe_check(page)


def test_a_date_outside_the_timetable(page, server) -> None:
    page.goto(f"{server}/planner?city=heidelberg&lang=de")
    _fill_journey(page)
    page.locator("#date").fill("2024-03-01")
    page.locator("#plan-button").click()
    page.locator("#route-errors").get_by_text("Der Fahrplan gilt vom 12.06.2022").wait_for()
    assert page.locator(".journey").count() == 0


def test_journeys_at_320_px(browser, server, axe_check) -> None:
    ctx = browser.new_context(viewport={"width": 320, "height": 700}, locale="de-DE")
    page = ctx.new_page()
    try:
        page.goto(f"{server}/planner?city=heidelberg&lang=ls&from={FROM}&to={TO}"
                  "&mode=transit&date=2022-09-14&time=08:00")
        assert page.locator(".journey").count() >= 2
        assert "Straßenbahn RNV" in page.locator(".journey").first.inner_text()
        assert _overflow(page) <= 1, f"the planner scrolls sideways by {_overflow(page)}px"
        axe_check(page)
        page.goto(f"{server}/planner/print?city=heidelberg&lang=ls&from={FROM}&to={TO}"
                  "&mode=transit&date=2022-09-14&time=08:00")
        assert _overflow(page) <= 1
        axe_check(page)
        page.goto(f"{server}{KIOSK}?mode=kiosk&at=2022-09-14T08:00")
        assert _overflow(page) <= 1
        axe_check(page)
    finally:
        ctx.close()


def test_kiosk_mode_on_a_station_screen(browser, server, axe_check) -> None:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="de-DE")
    page = ctx.new_page()
    try:
        page.goto(f"{server}{KIOSK}?mode=kiosk&at=2022-09-14T08:00&lang=de")
        assert page.locator("nav.main-nav").count() == 0
        assert page.locator("footer.site-footer").count() == 0
        sizes = page.evaluate("() => [...document.querySelectorAll('.kiosk-table td')]"
                              ".map(td => parseFloat(getComputedStyle(td).fontSize))")
        assert sizes and min(sizes) >= 24  # readable from 2 m
        axe_check(page)
        page.get_by_role("link", name="Von hier aus mit Bus und Bahn planen").click()
        assert page.locator("#from").input_value() == "HD-Weststadt/Südstadt"
        assert page.locator("#mode-transit").is_checked()
    finally:
        ctx.close()


def test_kiosk_says_when_its_data_is_not_current(browser, imported_city, city_base,
                                                  tmp_path_factory, axe_check) -> None:
    imported_city("heidelberg")
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = ctx.new_page()
    # refresh every 300 ms instead of every minute
    page.add_init_script("window.__realSetInterval = window.setInterval;"
                         "window.setInterval = (fn, ms) => window.__realSetInterval(fn, 300);")
    with contextlib.ExitStack() as stack:
        base = stack.enter_context(city_server(city_base, tmp_path_factory.mktemp("stale")))
        try:
            page.goto(f"{base}{KIOSK}?mode=kiosk&at=2022-09-14T08:00&lang=de")
            stamp = page.locator("#kiosk-now").inner_text()
            notice = page.locator("#kiosk-stale")
            assert notice.is_hidden()
            stack.close()  # the server stops: every refresh fails from now on
            notice.wait_for(state="visible")
            assert notice.inner_text() == f"Daten nicht aktuell (Stand {stamp})"
            assert notice.get_attribute("role") == "alert"
            assert page.locator(".kiosk-table tbody tr").count() >= 1  # the last content stays
            axe_check(page)
        finally:
            ctx.close()
