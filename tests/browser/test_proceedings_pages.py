"""Participation pages in a real Chromium: axe-core, keyboard-only contribution, reflow."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SECRET = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A live server with Hamburg imported and the demo proceeding open for participation,
    with one published contribution; yields (base URL, database URL)."""
    from stufenlos.build import import_city
    from stufenlos.config import find_city
    from stufenlos.plan import service as plan_service
    from stufenlos.proceedings import service
    from stufenlos.proceedings.seed import DEMO_SLUG, seed_demo
    from stufenlos.registry import get_city
    from tests.browser._city_server import city_server

    folder = tmp_path_factory.mktemp("proceedings-server")
    import_city(find_city("hamburg"), base=folder / "data", progress=False)
    url = f"sqlite:///{folder / 'app.sqlite'}"
    store = plan_service.PlanStore(url)
    with store.session() as session:
        seed_demo(session, get_city("hamburg", base=folder / "data"))
        eva = plan_service.create_editor(session, plan_service.EditorCreate(
            username="eva", secret=SECRET, roles=["edit"]), actor="test")
        service.move_phase(session, eva, DEMO_SLUG, service.PhaseIn(phase="participation"))
        c = service.contribute(session, DEMO_SLUG, service.ContributionIn(
            category="concern", text="Der Aufzug muss auch nachts gehen.",
            lat=53.5526, lon=9.9955), client="x")
        service.moderate(session, "contribution", c.id, publish=True, actor="test")
        # a second proceeding in its result phase, with the demo's fix and figures
        demo = service.proceeding_detail(session, DEMO_SLUG)
        done = service.create_proceeding(session, eva, service.ProceedingCreate(
            slug="ergebnis", city="hamburg", title={"de": "Ergebnis", "en": "Result"},
            body="Test body", area=demo["area"]))
        fixes = [service.add_fix(session, eva, done.id, change=f["change"], effect=f["effect"],
                                 note=f["effect_note"], location=(f["lat"], f["lon"]))
                 for f in demo["fixes"]]
        for phase in ("participation", "evaluation"):
            service.move_phase(session, eva, done.id, service.PhaseIn(phase=phase))
        for fix in fixes:
            service.decide(session, eva, "fix", fix.id, service.DecisionIn(
                decision="adopted", reason={"en": "Funded"}))
        service.move_phase(session, eva, done.id, service.PhaseIn(phase="result"))
    store.close()
    with city_server(folder / "data", folder, database_url=url) as base:
        yield base, url


#: elements sticking out at the right (those inside a scrolling table box do not count)
WIDEST = ("() => [...document.querySelectorAll('main *')].filter(e => !e.closest('.table-wrap')"
          " && e.getBoundingClientRect().right > 330).slice(0, 5).map(e => e.tagName + '#' + e.id)")

PAGES = ["/proceedings", "/proceedings?lang=en", "/proceedings/1", "/proceedings/1?lang=en",
         "/proceedings/1?lang=ls", "/proceedings/2?lang=en", "/proceedings/2?lang=ls"]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_wcag_violations(page: Any, server: tuple[str, str],
                                     axe_check: Callable[[Any], None], path: str) -> None:
    response = page.goto(server[0] + path)
    assert response is not None and response.status == 200
    assert page.locator("main h1").count() == 1
    if path.startswith("/proceedings/2"):  # the result: adopted fixes with people helped
        assert page.locator("main li strong").count() >= 1
    axe_check(page)


def test_contribution_by_keyboard_with_an_address(page: Any, server: tuple[str, str],
                                                  axe_check: Callable[[Any], None]) -> None:
    page.goto(f"{server[0]}/proceedings/1?lang=en")
    body = page.inner_text("main")
    assert re.search(r"\d+ people using a wheelchair would newly reach", body)
    assert "Der Aufzug muss auch nachts gehen." in body
    page.focus("#cat-problem")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # into the text
    page.keyboard.type("Die Bordsteine am Jungfernstieg sind zu hoch.")
    page.focus("#field-address")
    page.keyboard.type("Jungfernstieg")
    page.focus("#contribution-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**notice=received**")
    assert "Thank you! Your contribution has arrived" in page.inner_text("main")
    assert "Die Bordsteine" not in page.inner_text("main")  # waits for moderation
    axe_check(page)
    from sqlalchemy import create_engine, text

    engine = create_engine(server[1])
    with engine.connect() as conn:
        row = conn.execute(text("SELECT category, address, lat FROM proceeding_contributions "
                                "WHERE text LIKE 'Die Bordsteine%'")).one()
    engine.dispose()
    assert row[0] == "problem" and row[1] == "Jungfernstieg" and row[2] is not None


def test_support_button_counts_once(page: Any, server: tuple[str, str]) -> None:
    page.goto(f"{server[0]}/proceedings/1?lang=en")
    fix = page.locator("section[id^=fix-]").first
    fix.get_by_role("button", name=re.compile("Support")).click()
    page.wait_for_url("**notice=supported**")
    assert "Your support counts." in page.inner_text("main")
    fix = page.locator("section[id^=fix-]").first
    assert "Supports: 1" in fix.inner_text()
    fix.get_by_role("button", name=re.compile("Support")).click()
    page.wait_for_url("**supported-before**")
    assert "Supports: 1" in page.locator("section[id^=fix-]").first.inner_text()


def test_no_sideways_scrolling_at_320_px(browser: Any, server: tuple[str, str],
                                         axe_check: Callable[[Any], None]) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 800})
    pg = context.new_page()
    try:
        for path in ("/proceedings", "/proceedings/1?lang=en"):
            pg.goto(server[0] + path)
            overflow = pg.evaluate("() => document.documentElement.scrollWidth - "
                                   "document.documentElement.clientWidth")
            wide = pg.evaluate(WIDEST)
            assert overflow <= 0, f"{path} ({wide}) scrolls sideways by {overflow}px at 320 px"
            axe_check(pg)
    finally:
        context.close()


def test_editor_page_has_no_wcag_violations(browser: Any, server: tuple[str, str],
                                            axe_check: Callable[[Any], None]) -> None:
    context = browser.new_context(http_credentials={"username": "eva", "password": SECRET})
    pg = context.new_page()
    try:
        for lang, words in (("en", "Move on to the phase"), ("ls", "Weiter zum Schritt")):
            assert pg.goto(f"{server[0]}/proceedings-edit?lang={lang}").status == 200
            assert words in pg.inner_text("main")
            axe_check(pg)
    finally:
        context.close()


def test_moderator_page_has_no_wcag_violations(browser: Any, server: tuple[str, str],
                                               axe_check: Callable[[Any], None]) -> None:
    from stufenlos.reports.service import ReportService
    from stufenlos.reports.store import ReportStore

    svc = ReportService(ReportStore(server[1]), post_moderated=())
    token = svc.add_moderator("Browser")
    context = browser.new_context()
    pg = context.new_page()
    try:
        pg.goto(f"{server[0]}/moderation?lang=en")
        pg.fill("input[name=token]", token)
        pg.locator("form button[type=submit]").first.click()
        for lang, words in (("en", "Moderation: contributions and comments"),
                            ("ls", "Beiträge und Kommentare prüfen")):
            pg.goto(f"{server[0]}/moderation/proceedings?lang={lang}")
            assert words in pg.inner_text("main")
            axe_check(pg)
    finally:
        context.close()
        svc.store.close()


def test_editor_creates_moves_and_adds_a_fix_by_keyboard(browser: Any, server: tuple[str, str],
                                                          axe_check: Callable[[Any], None]
                                                          ) -> None:
    """Keyboard only: create a proceeding with phase dates and a district, add a fix from
    the list, move it on to participation; every state passes axe, and reflows at 320 px."""
    context = browser.new_context(http_credentials={"username": "eva", "password": SECRET},
                                  locale="en-US", viewport={"width": 320, "height": 900})
    pg = context.new_page()
    try:
        assert pg.goto(f"{server[0]}/proceedings-edit?lang=en").status == 200
        pg.focus("#slug")
        pg.keyboard.type("altstadt-2029")
        pg.keyboard.press("Tab")
        pg.keyboard.type("Stufenlos in der Altstadt")
        pg.keyboard.press("Tab")
        pg.keyboard.type("Step-free Altstadt")
        pg.focus("#body")
        pg.keyboard.type("Bezirksamt Hamburg-Mitte")
        for field, (month, day) in zip(("information", "participation", "evaluation",
                                        "result"), (("01", "10"), ("02", "01"), ("04", "01"),
                                                    ("06", "01")), strict=True):
            pg.focus(f"#start_{field}")
            pg.keyboard.type(f"{month}{day}2029")
        district = pg.get_by_label("District Hamburg-Altstadt")
        district.focus()
        pg.keyboard.press("Space")
        assert district.is_checked()
        pg.focus("form[aria-labelledby=h-create] button[type=submit]")
        pg.keyboard.press("Enter")
        pg.wait_for_url("**done=created**")
        section = pg.locator("section.edit-proceeding", has=pg.get_by_role(
            "heading", name=re.compile("Step-free Altstadt")))
        assert section.count() == 1
        axe_check(pg)
        # a fix from the list, in words
        choose = section.locator("select[name=fix]")
        choose.focus()
        pg.keyboard.press("ArrowDown")
        label = choose.locator("option:checked").inner_text().strip()
        assert label and not re.search(r"\d{4}", label)  # a name, not an OSM id
        section.get_by_role("button", name=re.compile("Compute and add the fix")).focus()
        pg.keyboard.press("Enter")
        pg.wait_for_url("**done=fix**")
        # move on to participation, confirmed
        section = pg.locator("section.edit-proceeding", has=pg.get_by_role(
            "heading", name=re.compile("Step-free Altstadt")))
        section.get_by_role("checkbox", name=re.compile("Yes, move on")).focus()
        pg.keyboard.press("Space")
        section.get_by_role("button", name=re.compile("Move on to the phase")).focus()
        pg.keyboard.press("Enter")
        pg.wait_for_url("**done=phase**")
        assert "Saved: phase moved on" in pg.inner_text("main")
        overflow = pg.evaluate("() => document.documentElement.scrollWidth - "
                               "document.documentElement.clientWidth")
        assert overflow <= 0, f"the editor page scrolls sideways by {overflow}px at 320 px"
        axe_check(pg)
    finally:
        context.close()
    from sqlalchemy import create_engine, text

    engine = create_engine(server[1])
    with engine.connect() as conn:
        pid, phase, schedule = conn.execute(text(
            "SELECT id, phase, schedule FROM proceedings WHERE slug = 'altstadt-2029'")).one()
        titles = conn.execute(text("SELECT title FROM proceeding_fixes WHERE proceeding_id = "
                                   ":p"), {"p": pid}).scalars().all()
    engine.dispose()
    import json

    assert phase == "participation"
    sched = json.loads(schedule) if isinstance(schedule, str) else schedule
    assert sched["participation"] == {"start": "2029-02-01", "end": "2029-03-31"}
    assert [json.loads(t)["en"] if isinstance(t, str) else t["en"] for t in titles] == [label]
