"""Every public page at phone width (320 CSS px) in Chromium: no sideways scrolling
(WCAG 1.4.10 Reflow) and no axe-core violations; the navigation collapses behind a
button there, and stays open without JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from stufenlos.i18n import translator

pytestmark = pytest.mark.browser

WIDTH = 320
SECRET = "correct horse battery"
ROUTE = {"city": "hamburg", "from": "Adolphsbrücke", "to": "Große Johannisstraße",
         "profile": "wheelchair"}

#: elements reaching past the viewport's right edge, unless inside a box that scrolls
#: on its own (a table in its ``overflow-x: auto`` wrapper) or hidden from view
TOO_WIDE = """(width) => {
  const scrolls = (e) => {
    for (let p = e.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  return [...document.body.querySelectorAll('*')].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > width + 0.5 && !scrolls(e);
  }).slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '')
    + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
}"""


@pytest.fixture(scope="module")
def server(imported_city: Callable[[str], Any], city_base: Any,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A live server with Hamburg imported, one accepted report (and its reporter's
    token) and one proceeding open for information."""
    from stufenlos.plan import service as plan_service
    from stufenlos.proceedings import service
    from stufenlos.reports import ReportService, ReportStore, Submission
    from tests.browser._city_server import city_server

    imported_city("hamburg")
    folder = tmp_path_factory.mktemp("reflow")
    url = f"sqlite:///{folder / 'app.sqlite'}"
    svc = ReportService(ReportStore(url))
    report = svc.submit(Submission(
        service_code="high-kerb", lat=53.5530, lon=9.9936, jurisdiction="hamburg",
        address_string="Jungfernstieg",
        description="Bordstein an der Ampel ist 10 cm hoch; siehe "
                    "https://example.org/ein/sehr/langer/verweis/ohne/leerzeichen/darin"),
        client="seed")
    svc.accept(report.id, actor="Browser")
    token = report.token
    svc.store.close()
    store = plan_service.PlanStore(url)
    with store.session() as session:
        eva = plan_service.create_editor(session, plan_service.EditorCreate(
            username="eva", secret=SECRET, roles=["edit"]), actor="test")
        service.create_proceeding(session, eva, service.ProceedingCreate(
            slug="jungfernstieg", city="hamburg",
            title={"de": "Jungfernstieg stufenlos", "en": "Step-free Jungfernstieg"},
            body="Bezirksamt Hamburg-Mitte",
            area={"type": "Polygon", "coordinates": [[[9.990, 53.551], [9.996, 53.551],
                                                      [9.996, 53.555], [9.990, 53.555],
                                                      [9.990, 53.551]]]}))
    store.close()
    with city_server(city_base, folder, database_url=url) as base:
        yield {"base": base, "report": str(report.id), "token": token}


#: Swagger UI's route operation, opened and switched to "Try it out"
OPERATION = "#operations-api-route_api_cities__city__route_post"

#: (name, path) of every public page and its main states; ``{report}`` and ``{token}``
#: are the seeded report's
PAGES = [
    ("planner", "/?lang=de"),
    ("planner-empty", "/planner?city=hamburg&lang=en"),
    ("planner-route", f"/planner?{urlencode({**ROUTE, 'lang': 'de'})}"),
    ("planner-route-easy", f"/planner?{urlencode({**ROUTE, 'lang': 'ls'})}"),
    ("planner-error", "/planner?city=hamburg&from=Nirgendwo-Xyz&to=Rathausmarkt&lang=de"),
    ("planner-print", f"/planner/print?{urlencode({**ROUTE, 'lang': 'en'})}"),
    ("barriers", "/barriers?city=hamburg&lang=de"),
    ("reports", "/reports?lang=de"),
    ("report-new", "/reports/new?city=hamburg&lang=de"),
    ("report", "/reports/{report}?lang=en"),
    ("report-mine", "/reports/mine/{token}?lang=de"),
    ("moderation-login", "/moderation?lang=de"),
    ("plan", "/plan?lang=de"),
    ("plan-commitment", "/plan/commitments/DEHHB0001?lang=en"),
    ("plan-glossary", "/plan/glossary?lang=ls"),
    ("catalog", "/catalog.html?lang=de"),
    ("analysis", "/analysis?lang=de"),
    ("analysis-city", "/analysis/hamburg?lang=en"),
    ("kiosk-index", "/kiosk/hamburg?lang=de"),
    ("kiosk-station", "/kiosk/hamburg/jungfernstieg?lang=de"),
    ("places", "/places/hamburg?lang=de"),
    ("proceedings", "/proceedings?lang=de"),
    ("proceeding", "/proceedings/jungfernstieg?lang=en"),
    ("docs", "/docs"),
    ("docs-try-out", "/docs"),
    ("not-found-report", "/reports/999999?lang=de"),
    ("not-found-city", "/places/atlantis?lang=en"),
]


@pytest.fixture(scope="module")
def phone_page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """One page at 320×640 for all the pages of this module, and the list its
    Content-Security-Policy violations are written to."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 640}, locale="de-DE")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    refused: list[str] = []
    pg.expose_function("__cspRefused", lambda text: refused.append(text))
    pg.add_init_script("""document.addEventListener('securitypolicyviolation', e => {
        if (e.sourceFile) window.__cspRefused(
            `${e.violatedDirective} refused ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
    });""")
    yield pg, refused
    context.close()


@pytest.fixture
def phone(phone_page: tuple[Any, list[str]]) -> Iterator[Any]:
    """The 320 px page; the test fails if the page broke its Content-Security-Policy."""
    pg, refused = phone_page
    refused.clear()
    yield pg
    assert not refused, f"{pg.url} broke its Content-Security-Policy: {refused}"


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[n for n, _ in PAGES])
def test_page_reflows_at_320_px_and_passes_axe(
    phone: Any, server: dict[str, str], axe_check: Callable[[Any], None], name: str,
    path: str,
) -> None:
    response = phone.goto(server["base"] + path.format(**server))
    assert response is not None
    assert response.status == (404 if name.startswith("not-found") else 200), name
    if name.startswith("docs"):  # Swagger UI builds its page in the browser
        phone.wait_for_selector(".opblock-tag", state="attached")
    if name == "docs-try-out":
        phone.click(f"{OPERATION} .opblock-summary-control")
        phone.click(f"{OPERATION} .try-out__btn")
        phone.wait_for_selector(f"{OPERATION} textarea[aria-label]")
    overflow = phone.evaluate("() => document.documentElement.scrollWidth")
    wide = phone.evaluate(TOO_WIDE, WIDTH)
    assert overflow <= WIDTH, f"{path} is {overflow}px wide at {WIDTH}px: {wide}"
    assert not wide, f"{path}: elements wider than the screen: {wide}"
    axe_check(phone)


def test_navigation_collapses_behind_a_button_by_keyboard(
    phone: Any, server: dict[str, str], axe_check: Callable[[Any], None],
) -> None:
    phone.goto(f"{server['base']}/plan?lang=en")
    button = phone.get_by_role("button", name="Menu", exact=True)
    links = phone.locator("#main-nav-list")
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert not links.is_visible()
    button.focus()
    assert phone.evaluate("() => document.activeElement.matches(':focus-visible')")
    phone.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    assert links.is_visible()
    phone.keyboard.press("Tab")  # the first entry of the opened list
    assert phone.evaluate("() => document.activeElement.closest('#main-nav-list') !== null")
    axe_check(phone)
    phone.keyboard.press("Escape")  # closes and returns to the button
    assert button.get_attribute("aria-expanded") == "false"
    assert not links.is_visible()
    assert phone.evaluate("() => document.activeElement.classList.contains('nav-toggle')")
    phone.keyboard.press("Space")
    assert links.is_visible()


def test_navigation_is_open_without_javascript_and_on_wide_screens(
    browser: Any, server: dict[str, str],
) -> None:
    for options in ({"viewport": {"width": WIDTH, "height": 640}, "java_script_enabled": False},
                    {"viewport": {"width": 1280, "height": 800}}):
        context = browser.new_context(locale="de-DE", **options)
        pg = context.new_page()
        try:
            pg.goto(f"{server['base']}/plan?lang=ls")
            assert pg.locator("#main-nav-list").is_visible(), options
            assert not pg.locator(".nav-toggle").is_visible(), options
            label = translator("ls").gettext("Participation")  # the easy-read label
            assert pg.get_by_role("link", name=label, exact=True).is_visible()
        finally:
            context.close()
