"""The equity analysis page in a real Chromium: axe-core clean, usable by keyboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stufenlos.profiles.labels import PROFILE_LABELS
from tests.browser.conftest import LIVE_CITY

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("query", ["", "?lang=en", "?lang=ls"])
def test_analysis_page_has_no_wcag_violations(
    page: Any, live_server: str, axe_check: Callable[[Any], None], query: str
) -> None:
    response = page.goto(f"{live_server}/analysis/{LIVE_CITY}{query}")
    assert response is not None and response.status == 200
    assert page.locator("main h1").count() == 1
    # every chart has an accessible name and a caption; the data is in a table too
    charts = page.locator("main svg[role=img]")
    assert charts.count() >= 1
    for i in range(charts.count()):
        assert charts.nth(i).get_attribute("aria-labelledby")
    assert page.locator("main figcaption").count() == charts.count()
    assert page.locator("main table").count() >= 2
    axe_check(page)


def test_profiles_can_be_changed_by_keyboard(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/analysis/{LIVE_CITY}?lang=en")
    walker = page.get_by_label(PROFILE_LABELS["walker"]["en"], exact=True)
    walker.focus()
    page.keyboard.press("Space")
    assert walker.is_checked()
    page.get_by_role("button", name="Recalculate").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**p=walker**")
    header = page.locator("main table").first.inner_text()
    assert PROFILE_LABELS["walker"]["en"] in header
    assert PROFILE_LABELS["standard"]["en"] in header


def test_index_lists_the_city(page: Any, live_server: str,
                              axe_check: Callable[[Any], None]) -> None:
    page.goto(f"{live_server}/analysis?lang=en")
    page.get_by_role("link", name="Herrenberg").click()
    page.wait_for_url(f"**/analysis/{LIVE_CITY}**")
    assert page.locator("main h1").count() == 1
    axe_check(page)


def test_scenario_form_by_keyboard(page: Any, live_server: str,
                                   axe_check: Callable[[Any], None]) -> None:
    page.goto(f"{live_server}/analysis/{LIVE_CITY}?lang=en")
    page.get_by_text("Advanced: write a scenario").focus()
    page.keyboard.press("Enter")
    box = page.get_by_label("Or a scenario as TOML or JSON", exact=False)
    box.focus()
    page.keyboard.type('{"name": "Resurfaced", "changes": '
                       '[{"action": "fix_surface", "way": 10880041}]}')
    page.get_by_role("button", name="Run scenario").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/scenario**")
    assert "way 10880041 resurfaced" in page.inner_text("main")
    assert page.locator("main table").count() == 1
    axe_check(page)
    page.goto(f"{live_server}/analysis/{LIVE_CITY}?lang=en")
    page.get_by_role("button", name="Run scenario").click()
    assert page.get_by_role("alert").inner_text() == "Choose a fix or write a scenario."
    axe_check(page)


def test_fix_chosen_from_the_list_by_keyboard_at_320_px(
        page: Any, live_server: str, axe_check: Callable[[Any], None]) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server}/analysis/{LIVE_CITY}?lang=en")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    fix = page.get_by_label("Fix", exact=True)
    options = fix.locator("option").all_inner_texts()
    assert len(options) > 10 and all("Steps" in o for o in options[1:])
    assert not any(o.strip()[-1:].isdigit() and "(" not in o for o in options[1:])
    axe_check(page)
    fix.focus()
    page.keyboard.press("ArrowDown")
    chosen = fix.evaluate("s => s.options[s.selectedIndex].textContent").strip()
    page.get_by_role("button", name="Run scenario").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/scenario**")
    text = page.inner_text("main")
    assert "elevator beside the steps" in text and chosen.split(" ", 1)[1] in text
    assert "Who gains access" in text and page.locator("main table").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe_check(page)
