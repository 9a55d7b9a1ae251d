"""The plan, dialogue, explainer, glossary and catalogue pages in a real Chromium."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    "/plan",
    "/plan?lang=en",
    "/plan/commitments/DEHHB0002",
    "/plan/commitments/DEHHB0001?lang=en",
    "/plan/dialogues",
    "/plan/explainers",
    "/plan/explainers?lang=ls",
    "/plan/glossary?lang=en",
    "/catalog.html",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_wcag_violations(
    page: Any, live_server: str, axe_check: Callable[[Any], None], path: str
) -> None:
    response = page.goto(live_server + path)
    assert response is not None and response.status == 200
    assert page.locator("main h1").count() == 1
    axe_check(page)


def test_plan_shows_both_commitments_with_status_and_live_figures(
    page: Any, live_server: str
) -> None:
    page.goto(f"{live_server}/plan?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    cards = page.locator(".cards .card")
    assert cards.count() == 2
    assert "DEHHB0002" in cards.nth(1).inner_text()
    assert "Overdue quarterly updates" in page.inner_text("main")
    page.click("text=Improving accessibility and visibility of mobility services")
    page.wait_for_url("**/plan/commitments/mobility**")
    body = page.inner_text("main")
    assert "Live figures from stufenlos" in body
    assert "datasets in the catalogue" in body
    barriers = page.locator("#ms-mob-barrier-information ~ ul li").first.inner_text()
    assert "barriers in Herrenberg" in barriers
    assert int(barriers.split()[0].replace(",", "")) > 0
    assert "Independent monitoring" in body


def test_keyboard_skip_link_and_language_switch(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/plan")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Zum Inhalt springen"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # visible focus
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.goto(f"{live_server}/plan")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**lang=en**")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Skip to content" in page.locator(".skip-link").inner_text()


@pytest.mark.parametrize(("width", "zoom"), [(360, 1), (1280, 2)])
def test_no_horizontal_scrolling_at_small_width_and_200_percent_zoom(
    browser: Any, live_server: str, axe_check: Callable[[Any], None], width: int, zoom: int
) -> None:
    # 200 % zoom of a 1280 px window lays out like a 640 px viewport at scale 2
    context = browser.new_context(
        viewport={"width": width // zoom, "height": 800}, device_scale_factor=zoom
    )
    pg = context.new_page()
    try:
        for path in ("/plan", "/plan/commitments/DEHHB0002", "/catalog.html"):
            pg.goto(live_server + path)
            overflow = pg.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px/{zoom}x"
            axe_check(pg)  # e.g. tables that scroll inside their box must be keyboard-reachable
    finally:
        context.close()


def test_axe_check_catches_violations(page: Any, axe_check: Callable[[Any], None]) -> None:
    """The harness itself: a page with an unlabelled input and poor contrast fails."""
    page.set_content(
        "<html><head><title>t</title></head><body><main><h1>t</h1>"
        '<input type="text"><p style="color:#bbb;background:#fff">faint</p></main></body></html>'
    )
    with pytest.raises(AssertionError) as err:
        axe_check(page)
    for rule in ("html-has-lang", "label", "color-contrast"):
        assert rule in str(err.value)


def test_every_local_link_on_the_pages_works(page: Any, live_server: str) -> None:
    seen: set[str] = set()
    for path in ("/plan", "/plan/commitments/DEHHB0002", "/plan/dialogues", "/catalog.html"):
        page.goto(live_server + path)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        seen |= {h.split("#")[0] for h in hrefs if h.startswith(live_server)}
    assert len(seen) > 15
    broken = []
    for url in sorted(seen):
        status = page.request.get(url).status
        if status != (401 if "/plan/edit" in url else 200):  # the editor pages ask to sign in
            broken.append((url, status))
    assert not broken, broken


def test_editor_publishes_an_update_with_the_form(
    browser: Any, live_server: str, live_database_url: str, axe_check: Callable[[Any], None]
) -> None:
    from stufenlos.plan import service

    store = service.PlanStore(live_database_url)
    with store.session() as session:
        service.create_editor(
            session,
            service.EditorCreate(username="erika", secret="correct horse battery"),
            actor="test",
        )
    store.close()
    context = browser.new_context(
        http_credentials={"username": "erika", "password": "correct horse battery"}
    )
    pg = context.new_page()
    try:
        pg.goto(f"{live_server}/plan/edit?lang=en")
        axe_check(pg)
        pg.select_option("#commitment", "data-dialogues")
        pg.fill("#quarter", "Q2 2024")  # wrong format: the server explains
        pg.fill("#progress_pct", "40")
        pg.fill("#text_en", "Second data dialogue held.")
        pg.evaluate("() => document.querySelector('#quarter').removeAttribute('pattern')")
        pg.get_by_role("button", name="Publish", exact=True).click()
        assert pg.get_by_role("alert").is_visible()
        assert "quarter" in pg.get_by_role("alert").inner_text()
        assert pg.input_value("#text_en") == "Second data dialogue held."
        axe_check(pg)
        pg.fill("#quarter", "2024-Q2")
        pg.get_by_role("button", name="Publish", exact=True).click()
        pg.wait_for_url("**done=update**")
        assert "Quarterly update published." in pg.get_by_role("status").inner_text()
        pg.goto(f"{live_server}/plan/commitments/data-dialogues?lang=en")
        assert "Second data dialogue held." in pg.inner_text("main")
        assert "40 %" in pg.inner_text("main")
    finally:
        context.close()
