"""Maps people can read, in Chromium: the basemap with street names, the route map beside the
text, place suggestions that tell equal names apart, and the report map placed by keyboard.

Expected values come from outside the page: the nearest named street is computed from the
imported network with shapely, the distance to an earlier report with the haversine formula.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import shapely
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from stufenlos.geo import haversine_m
from stufenlos.reports import ReportService, ReportStore, Submission
from tests._need import need
from tests.browser._city_server import city_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: the accepted report that a new report near it should be warned about
KERB = (53.5530, 9.9936)


@pytest.fixture(scope="module")
def server(imported_city, city_base, tmp_path_factory) -> Iterator[str]:
    imported_city("hamburg")
    imported_city("helsinki")
    folder = tmp_path_factory.mktemp("maps")
    db_url = f"sqlite:///{folder / 'app.sqlite'}"
    svc = ReportService(ReportStore(db_url))
    accepted = svc.submit(Submission(service_code="high-kerb", lat=KERB[0], lon=KERB[1],
                                     jurisdiction="hamburg", address_string="Jungfernstieg",
                                     description="Bordstein an der Ampel ist 10 cm hoch"),
                          client="seed")
    svc.accept(accepted.id, actor="seed")
    # not moderated yet: must never show as a hint
    svc.submit(Submission(service_code="other", lat=KERB[0], lon=KERB[1],
                          jurisdiction="hamburg", description="noch nicht geprüft"),
               client="seed")
    svc.store.close()
    with city_server(city_base, folder, database_url=db_url) as base:
        yield base


def _map_ready(page: Any, element_id: str) -> None:
    canvas = page.locator(f"#{element_id} canvas")
    with contextlib.suppress(PlaywrightTimeout):
        canvas.first.wait_for(state="attached", timeout=20_000)
    need(canvas.count() > 0, "the map did not start: no WebGL, or MapLibre is missing (make web)")
    page.wait_for_function(
        """(id) => { const m = document.getElementById(id).maplibreMap;
                     return m && m.isStyleLoaded() && m.areTilesLoaded(); }""",
        arg=element_id, timeout=30_000)
    page.wait_for_timeout(300)  # labels are placed a frame after the tiles arrive


def _rendered(page: Any, element_id: str, layer: str) -> list[dict]:
    return page.evaluate(
        """([id, layer]) => document.getElementById(id).maplibreMap
             .queryRenderedFeatures({layers: [layer]}).map(f => f.properties)""",
        [element_id, layer])


def _drawn(page: Any, element_id: str, layer: str, test: str) -> None:
    """Wait until ``layer`` shows a feature whose properties pass ``test`` (a JS function)."""
    page.wait_for_function(
        f"""([id, layer]) => document.getElementById(id).maplibreMap
              .queryRenderedFeatures({{layers: [layer]}}).map(f => f.properties).some({test})""",
        arg=[element_id, layer], timeout=30_000)


def _box(page: Any, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def _overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_route_map_beside_the_text_with_a_readable_basemap(page, server, axe_check) -> None:
    page.goto(f"{server}/planner?city=helsinki&from=Mannerheimintie&to=Aleksanterinkatu"
              "&profile=wheelchair")
    page.wait_for_selector("#route-steps li")
    _map_ready(page, "map")
    # beside the route text on a wide screen, after it in reading order
    text, map_box = _box(page, "#result"), _box(page, "#map")
    assert map_box["x"] >= text["x"] + text["width"]
    assert page.evaluate("""() => !!(document.getElementById('result')
        .compareDocumentPosition(document.getElementById('map'))
        & Node.DOCUMENT_POSITION_FOLLOWING)""")
    # the start and destination markers are clear of the zoom buttons and the attribution
    controls = [_box(page, "#map .maplibregl-ctrl-top-right"),
                _box(page, "#map .maplibregl-ctrl-bottom-right")]
    for pin in (".pin-from", ".pin-to"):
        assert not any(_overlap(_box(page, pin), c) for c in controls), pin
    # the basemap: buildings and green from the OSM file, street names written on the map
    # (on a busy machine the software renderer draws them some frames after the tiles)
    for layer in ("buildings", "green"):
        _drawn(page, "map", layer, "() => true")
    _drawn(page, "map", "street-names", "(f) => f.name === 'Aleksanterinkatu'")
    axe_check(page)


def test_suggestions_tell_equal_names_apart(page, server, axe_check) -> None:
    page.goto(f"{server}/planner?city=hamburg")
    page.locator("#from").focus()
    page.keyboard.type("Jungfernstieg")
    page.wait_for_function(
        "() => document.querySelectorAll('#from-suggestions option').length >= 2")
    options = page.locator("#from-suggestions option").evaluate_all(
        "opts => opts.map(o => o.value)")
    street = "Jungfernstieg — Straße, Hamburg-Altstadt"
    assert street in options
    assert "Jungfernstieg — Bahnhof, Hamburg-Altstadt" in options
    # the chosen suggestion is what the planner routes from
    page.locator("#from").fill(street)
    page.locator("#to").fill("Rathausmarkt")
    page.locator("#plan-button").click()
    page.wait_for_selector("#route-steps li")
    assert page.locator("#from-found").inner_text() == f"Gefunden: {street}"
    axe_check(page)


def _tab_to_map(page: Any, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("""() => document.activeElement
                              && document.activeElement.classList.contains('maplibregl-canvas')
                              && !!document.activeElement.closest('#report-map-gl')"""):
            return
    pytest.fail("the report map cannot be reached with the Tab key")


def test_report_spot_placed_by_keyboard_with_reports_nearby(
        page, server, axe_check, imported_city) -> None:
    page.goto(f"{server}/reports/new?city=hamburg")
    _map_ready(page, "report-map-gl")
    # the published report is on the map already
    page.wait_for_function("""() => document.getElementById('report-map-gl').maplibreMap
        .queryRenderedFeatures({layers: ['reports']}).length === 1""")
    _tab_to_map(page)
    centre = page.evaluate("""() => document.getElementById('report-map-gl').maplibreMap
        .getCenter().toArray()""")
    page.keyboard.press("ArrowRight")  # the pin appears in the middle
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    lat = float(page.locator("#field-lat-input").input_value())
    lon = float(page.locator("#field-long").input_value())
    assert lon > centre[0] and lat > centre[1]  # moved right and up
    assert haversine_m(centre[0], centre[1], np.array([lon]), np.array([lat]))[0] < 100
    # the nearest named street, from the imported network
    net = imported_city("hamburg").network
    named = net.edges["name"].notna().to_numpy()
    lines = shapely.from_wkb(net.edges["geometry"].to_numpy()[named])
    scale = math.cos(math.radians(lat))
    lines = shapely.transform(lines, lambda c: c * np.array([scale, 1.0]))
    dist = shapely.distance(lines, shapely.Point(lon * scale, lat))
    expected = str(net.edges["name"].to_numpy()[named][int(np.argmin(dist))])
    status = page.locator("#map-choice-text").inner_text()
    assert status == (f"Gewählte Stelle: {lat:.7f}, {lon:.7f} – nächste Straße: {expected}.")
    assert page.locator("#field-address_string").input_value() == expected
    # the duplicate hint lists only the published report, with its distance
    metres = round(float(haversine_m(lon, lat, np.array([KERB[1]]), np.array([KERB[0]]))[0]))
    hint = page.locator("#nearby")
    assert hint.locator("p").inner_text().startswith("Schon gemeldet in der Nähe")
    items = hint.locator("li").all_inner_texts()
    assert items == [f"Bordstein fehlt abgesenkt oder ist zu hoch – Jungfernstieg, {metres} m"]
    axe_check(page)
    # and the report goes through with the spot chosen on the map
    page.get_by_label("Beschädigter Belag").check()
    page.get_by_role("button", name="Meldung absenden").click()
    page.wait_for_url("**/reports/mine/*?created=1")
    assert f"{lat:.7f}"[:7] in page.inner_text("main")


def test_english_report_map_says_the_spot_in_english(page, server) -> None:
    page.goto(f"{server}/reports/new?city=hamburg&lang=en")
    _map_ready(page, "report-map-gl")
    assert page.get_by_role("button", name="Zoom in").count() == 1
    canvas = page.locator("#report-map-gl canvas")
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    text = page.locator("#map-choice-text").inner_text()
    assert re.fullmatch(r"Chosen spot: 53\.5\d+, 9\.9\d+ – nearest street: .+\.", text), text
    assert page.locator("#nearby p").inner_text().startswith("Already reported nearby")


@pytest.mark.parametrize("path", [
    "/reports/new?city=hamburg",
    "/planner?city=hamburg&from=Jungfernstieg&to=Rathausmarkt",
])
def test_pages_reflow_at_320_px(browser, server, path) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="de-DE")
    try:
        pg = context.new_page()
        pg.goto(server + path)
        pg.wait_for_load_state("load")
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 320
    finally:
        context.close()
