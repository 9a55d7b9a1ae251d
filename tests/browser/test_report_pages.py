"""The report pages in a real Chromium: axe-core clean, usable by keyboard alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from stufenlos.build import import_city
from stufenlos.config import find_city
from stufenlos.reports import ReportService, ReportStore, Submission
from tests._need import need
from tests.browser._city_server import city_server, maplibre_built

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reports_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A live server with Hamburg imported, one accepted report and a moderator token."""
    folder = tmp_path_factory.mktemp("reports-server")
    data = folder / "data"
    import_city(find_city("hamburg"), base=data, progress=False)
    db_url = f"sqlite:///{folder / 'app.sqlite'}"
    svc = ReportService(ReportStore(db_url))
    token = svc.add_moderator("Browser")
    report = svc.submit(Submission(service_code="high-kerb", lat=53.5530, lon=9.9936,
                                   jurisdiction="hamburg", address_string="Jungfernstieg",
                                   description="Bordstein an der Ampel ist 10 cm hoch"),
                        client="seed")
    svc.accept(report.id, actor="Browser")
    svc.store.close()
    extra = {"STUFENLOS_REPORT_RATE": "1000/minute"}
    with city_server(data, folder, database_url=db_url, env=extra) as base:
        yield {"base": base, "token": token, "report": str(report.id), "db": db_url}


PAGES = [
    "/reports",
    "/reports?city=hamburg&lang=en",
    "/reports/new",
    "/reports/new?city=hamburg",
    "/reports/new?city=hamburg&lang=en",
    "/moderation",
]


@pytest.mark.parametrize("path", PAGES)
def test_report_pages_have_no_wcag_violations(
    page: Any, reports_server: dict[str, str], axe_check: Callable[[Any], None], path: str
) -> None:
    response = page.goto(reports_server["base"] + path)
    assert response is not None and response.status == 200
    assert page.locator("main h1").count() == 1
    axe_check(page)


def test_detail_page_has_no_wcag_violations(
    page: Any, reports_server: dict[str, str], axe_check: Callable[[Any], None]
) -> None:
    page.goto(f"{reports_server['base']}/reports/{reports_server['report']}")
    assert "Bordstein an der Ampel" in page.inner_text("main")
    axe_check(page)


def test_report_by_keyboard_from_the_street_list(
    page: Any, reports_server: dict[str, str], axe_check: Callable[[Any], None]
) -> None:
    page.goto(f"{reports_server['base']}/reports/new?city=hamburg")
    # submit empty first: the error summary names the problem and is announced
    page.get_by_role("button", name="Meldung absenden").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")
    assert page.get_by_role("alert").count() == 1
    axe_check(page)
    # now fill the form with the keyboard only
    page.get_by_label("Gehweg versperrt").focus()
    page.keyboard.press("Space")
    assert page.get_by_label("Gehweg versperrt").is_checked()
    page.get_by_label("Straße aus der Liste").focus()
    page.get_by_label("Straße aus der Liste").select_option("Jungfernstieg")
    page.get_by_label("Beschreibung", exact=True).focus()
    page.keyboard.type("Bauzaun über den ganzen Gehweg")
    page.get_by_role("button", name="Meldung absenden").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/reports/mine/*?created=1")
    main = page.inner_text("main")
    assert "Danke" in main and "Eingegangen, wird geprüft" in main
    assert "Speichern Sie den Link" in main
    assert "Bauzaun über den ganzen Gehweg" in main
    axe_check(page)


def test_report_from_the_map(page: Any, reports_server: dict[str, str]) -> None:
    need(maplibre_built(), "MapLibre is not in static/vendor (run make web)")
    page.goto(f"{reports_server['base']}/reports/new?city=hamburg")
    canvas = page.locator("#report-map-gl canvas")  # MapLibre on the city's own tiles
    canvas.scroll_into_view_if_needed()
    page.wait_for_function("() => document.getElementById('report-map-gl').maplibreMap"
                           ".isStyleLoaded()")
    box = canvas.bounding_box()
    assert box is not None
    canvas.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    lat = float(page.locator("#field-lat-input").input_value())
    lon = float(page.locator("#field-long").input_value())
    assert 53.54 < lat < 53.56 and 9.98 < lon < 10.01
    page.get_by_label("Beschädigter Belag").check()
    page.get_by_role("button", name="Meldung absenden").click()
    page.wait_for_url("**/reports/mine/*?created=1")
    assert f"{lat:.6f}"[:7] in page.inner_text("main")


def test_moderator_logs_in_and_accepts(page: Any, reports_server: dict[str, str]) -> None:
    svc = ReportService(ReportStore(reports_server["db"]))
    waiting = svc.submit(Submission(service_code="other", lat=53.553, lon=9.993,
                                    description="Moderation im Browser"), client="b")
    svc.store.close()
    # not public before a moderator accepts it
    assert page.goto(f"{reports_server['base']}/reports/{waiting.id}").status == 404
    page.goto(f"{reports_server['base']}/moderation")
    page.get_by_label("Zugangsschlüssel").fill("1.forged")
    page.get_by_role("button", name="Anmelden").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Nicht angemeldet"
    assert "1.forged" not in page.content()
    page.goto(f"{reports_server['base']}/moderation")
    page.get_by_label("Zugangsschlüssel").fill(reports_server["token"])
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/moderation?lang=de")
    effect = page.locator(f"#mod-{waiting.id} ~ dl .mod-effect")
    assert effect.inner_text() == "schließt nichts: diese Art Meldung sperrt keine Wege"
    page.get_by_role("button", name=f"Annehmen ({waiting.id})").click()
    page.wait_for_url(f"**/moderation?done={waiting.id}")
    assert page.get_by_role("status").inner_text() == (
        f"Meldung {waiting.id}: Veröffentlicht – schließt nichts: diese Art Meldung sperrt "
        "keine Wege.")
    page.goto(f"{reports_server['base']}/reports/{waiting.id}")
    assert "Veröffentlicht" in page.inner_text("main")


def test_moderation_queue_at_a_glance(
    page: Any, reports_server: dict[str, str], axe_check: Callable[[Any], None]
) -> None:
    import io

    from PIL import Image

    from stufenlos.reports.privacy import clean_photo

    out = io.BytesIO()  # a synthetic photo
    Image.new("RGB", (120, 90), (30, 90, 200)).save(out, format="JPEG")
    svc = ReportService(ReportStore(reports_server["db"]))
    waiting = svc.submit(Submission(service_code="other", lat=53.5531, lon=9.9929,
                                    jurisdiction="hamburg", description="Poller im Weg",
                                    photo=clean_photo(out.getvalue())), client="glance")
    svc.store.close()
    page.goto(f"{reports_server['base']}/moderation?lang=en")
    page.get_by_label("Access token").fill(reports_server["token"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/moderation?lang=en")
    page.goto(f"{reports_server['base']}/moderation?lang=en")
    item = page.locator(f"section:has(#mod-{waiting.id})")
    # the photo is served to the moderator and shown
    photo = item.get_by_role("img", name=f"Photo of report {waiting.id}")
    photo.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth", photo.element_handle()) == 120
    # the small map is drawn (MapLibre canvas), repeats the text and takes no focus
    item.locator(".mod-map canvas").wait_for()
    assert item.locator(".mod-map").get_attribute("aria-hidden") == "true"
    facts = item.locator("dl").inner_text()
    assert "53.55310, 9.99290" in facts and "City" in facts
    assert "What accepting will do" in facts
    focusable = item.locator(".mod-map [tabindex]:not([tabindex='-1']), .mod-map a, "
                             ".mod-map button")
    assert focusable.count() == 0
    axe_check(page)


@pytest.mark.parametrize("lang", ["de", "en", "ls"])
def test_unsubscribe_page_has_no_wcag_violations(
    page: Any, reports_server: dict[str, str], axe_check: Callable[[Any], None], lang: str
) -> None:
    rid = reports_server["report"]
    page.goto(f"{reports_server['base']}/reports/{rid}/unsubscribe?t=forged&lang={lang}")
    axe_check(page)
    page.get_by_role("button").last.focus()
    page.keyboard.press("Enter")  # a forged token: refused, and the page says so
    page.wait_for_selector("[role=alert]")
    axe_check(page)
    from stufenlos.reports.mail import unsubscribe_token

    svc = ReportService(ReportStore(reports_server["db"]))
    token = unsubscribe_token(svc._mail_secret(), int(rid))
    svc.store.close()
    page.goto(f"{reports_server['base']}/reports/{rid}/unsubscribe?t={token}&lang={lang}")
    page.get_by_role("button").last.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=status]")
    axe_check(page)
