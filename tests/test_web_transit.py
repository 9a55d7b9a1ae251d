"""The planner page by public transport, never-silent forms and the kiosk's one verdict.

Heidelberg's real VRN tram and bus feed (valid from 2022-06-12 to 2022-12-10) on
its OSM extract; pages are read as HTML without a browser.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from stufenlos.api import deps
from stufenlos.registry import get_transit
from stufenlos.transit.equipment import StatusUpdate
from tests._api_client import make_client

JOURNEY = {"city": "heidelberg", "from": "Heidelberg Hbf", "to": "Neuenheim, Technologiepark",
           "mode": "transit", "date": "2022-09-14", "time": "08:00", "profile": "wheelchair"}
#: the platforms of Heidelberg Weststadt/Südstadt are step-free through this OSM elevator
ELEVATOR = "w197028693"


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("web-transit"),
                           cities=("heidelberg",))


def text(page: str) -> str:
    """The words of a page as a person reads them (no tags, no scripts, one space)."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_a_journey_by_tram_in_words(client: TestClient) -> None:
    r = client.get("/planner", params=JOURNEY | {"lang": "en"})
    assert r.status_code == 200
    words = text(r.text)
    # the same journeys as the API, with the names the person chose
    api = client.post("/api/cities/heidelberg/journey", json={
        "origin": {"lat": 49.403567, "lon": 8.675442},
        "destination": {"lat": 49.419232, "lon": 8.676279},
        "at": "2022-09-14T08:00:00", "profile": "wheelchair", "lang": "en"}).json()
    its = api["itineraries"]
    assert words.count("Journey ") >= len(its) >= 2
    for it in its:
        dep = it["departure"][11:16]
        assert f"Leave {dep}, arrive {it['arrival'][11:16]}" in words
        for leg in it["legs"]:
            if leg["mode"] == "transit":
                assert (f"{leg['start'][11:16]} Tram {leg['route']} towards {leg['headsign']}: "
                        f"board at {leg['from_name']}") in words
    assert "fewest changes" in words and "earliest arrival" in words
    assert "from Heidelberg Hbf to Heidelberg, Hauptbahnhof" in words
    assert "to Neuenheim, Technologiepark." in words
    journeys = words[words.index("Journey 1"):words.index("Your limits:")]
    assert "origin" not in journeys and "destination" not in journeys
    assert not re.search(r"vrn-\d", r.text)  # no raw trip ids, not even in the markup
    assert "step-free (source: OpenStreetMap)" in words
    assert "step-free unknown (assumed)" in words
    assert "Your limits: Highest kerb: 3 cm; Steepest slope: 6 %" in words


def test_the_print_page_and_the_fragment_say_the_same(client: TestClient) -> None:
    page = text(client.get("/planner", params=JOURNEY).text)
    printed = text(client.get("/planner/print", params=JOURNEY).text)
    part = text(client.get("/planner/result", params=JOURNEY).text)
    leg = re.search(r"08:\d\d Straßenbahn RNV \d+ Richtung [^:]+: einsteigen in [^,]+, [^,]+",
                    page)
    assert leg
    assert leg.group(0) in printed and leg.group(0) in part
    assert "Ihre Grenzen Höchster Bordstein: 3 cm" in printed
    assert "mit Bus und Bahn, 2022-09-14 08:00" in printed


def test_a_date_outside_the_timetable_names_its_period(client: TestClient) -> None:
    r = client.get("/planner", params=JOURNEY | {"date": "2023-09-14"})
    words = text(r.text)
    assert ("Am 14.09.2023 fährt laut Fahrplan nichts. Der Fahrplan gilt vom 12.06.2022 bis "
            "10.12.2022") in words
    assert "Verbindung 1" not in words
    en = text(client.get("/planner", params=JOURNEY | {"date": "2023-09-14",
                                                       "lang": "en"}).text)
    assert "It runs from 12 Jun 2022 to 10 Dec 2022" in en


def test_a_half_filled_form_says_what_is_missing(client: TestClient) -> None:
    r = client.get("/planner/result", params=JOURNEY | {"to": ""})
    words = text(r.text)
    assert "Bitte Eingaben prüfen." in words and "Ziel: bitte einen Ort eingeben" in words
    empty = text(client.get("/planner", params={"city": "heidelberg", "from": "", "to": "",
                                                "lang": "en"}).text)
    assert "Start: please enter a place" in empty
    assert "Destination: please enter a place" in empty
    bad = text(client.get("/planner", params=JOURNEY | {"time": "8 Uhr"}).text)
    assert "Uhrzeit: bitte als HH:MM eingeben, nicht „8 Uhr“" in bad
    # a page without a sent form is no error
    assert "bitte einen Ort" not in text(client.get("/planner?city=heidelberg").text)


def test_the_walking_answer_echoes_the_limits_and_lists_its_warnings(
        client: TestClient) -> None:
    params = {"city": "heidelberg", "from": "Heidelberg Hbf", "to": "Bismarckplatz",
              "profile": "wheelchair", "limits_for": "wheelchair", "max_kerb_cm": "0",
              "max_incline_pct": "6", "min_width_m": "0.9", "max_steps": "0",
              "max_distance_m": "2000", "speed_mps": "0.8", "rest_every_m": ""}
    r = client.get("/planner", params=params)
    words = text(r.text)
    assert "Ihre Grenzen: Höchster Bordstein: 0 cm" in words
    alert = re.search(r'<div id="route-errors" role="alert">(.*?)</div>', r.text, re.S)
    assert alert
    status = re.search(r'data-status="(\w+)"', r.text)
    assert status
    if status.group(1) in ("limits_broken", "uncertain"):  # the verdict points to warnings
        said = text(alert.group(1))
        assert said.startswith(" Warnungen") and "Achtung:" in said
    else:
        assert text(alert.group(1)).strip() == ""


def _kiosk(client: TestClient, mode: str = "") -> tuple[str, list[list[str]]]:
    r = client.get("/kiosk/heidelberg/hd-weststadt-sudstadt",
                   params={"at": "2022-09-14T08:00", "lang": "en", "mode": mode})
    assert r.status_code == 200
    verdict = re.search(r'class="kiosk-big verdict-(\w+)"', r.text)
    assert verdict
    rows = [[text(td).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(<td.*?)</tr>", r.text, re.S)]
    return verdict.group(1), rows


def test_the_kiosk_header_and_its_departures_are_one_fact(client: TestClient) -> None:
    before, rows = _kiosk(client)
    assert before == "yes"  # DB StaDa says step-free, and so do the platforms
    weststadt = [row for row in rows if row[3].startswith("Heidelberg, Weststadt")]
    assert weststadt and not any(row[4].startswith("✖") for row in weststadt)
    equipment = get_transit(deps.get_city("heidelberg")).equipment
    equipment.apply([StatusUpdate(ELEVATOR, "INACTIVE", reason="repair")], source="test")
    try:
        after, rows = _kiosk(client)
        assert after == "partial"  # not "yes" while its platforms are not step-free
        weststadt = [row for row in rows if row[3].startswith("Heidelberg, Weststadt")]
        assert weststadt
        assert all(row[4] == "✖ no (elevator out of service)" for row in weststadt)
        page = client.get("/kiosk/heidelberg/hd-weststadt-sudstadt",
                          params={"at": "2022-09-14T08:00", "lang": "en"}).text
        assert "Elevator out of service at: Heidelberg, Weststadt/Südstadt" in text(page)
        assert "Source: DB Station&Service AG (StaDa), status report" in text(page)
    finally:
        equipment.apply([StatusUpdate(ELEVATOR, "ACTIVE")], source="test")


def test_kiosk_mode_has_no_site_navigation_and_links_to_the_planner(
        client: TestClient) -> None:
    page = client.get("/kiosk/heidelberg/hd-weststadt-sudstadt",
                      params={"at": "2022-09-14T08:00", "mode": "kiosk"}).text
    assert "main-nav" not in page and "site-footer" not in page
    assert 'href="/catalog.html?lang=de"' in page  # the sources stay one link away
    link = re.search(r'<p class="kiosk-plan"><a href="([^"]+)"', page)
    assert link
    planner = client.get(html.unescape(link.group(1)))
    words = text(planner.text)
    assert "Gefunden: HD-Weststadt/Südstadt" in words
    assert re.search(r'id="mode-transit" name="mode" value="transit" checked', planner.text)
    assert 'value="2022-09-14"' in planner.text and 'value="08:00"' in planner.text
    normal = client.get("/kiosk/heidelberg/hd-weststadt-sudstadt").text
    assert "main-nav" in normal and "site-footer" in normal


def test_journey_directions_name_the_places_and_no_trip_ids(client: TestClient) -> None:
    import datetime as dt

    from stufenlos.text.itinerary import itinerary_directions

    ct = get_transit(deps.get_city("heidelberg"))
    its = ct.journey((49.403567, 8.675442), (49.419232, 8.676279),
                     dt.datetime(2022, 9, 14, 8, 0), profile="wheelchair",
                     origin_name=JOURNEY["from"], destination_name=JOURNEY["to"])
    trip_ids = {leg.trip_id for it in its for leg in it.legs if leg.trip_id}
    assert trip_ids
    for it in its:
        lines = itinerary_directions(it, "en")
        assert f"from {JOURNEY['from']} to" in lines[0]
        assert lines[-1].endswith(f"to {JOURNEY['to']}.")
        assert not any(t in line for t in trip_ids for line in lines)
        rides = [leg for leg in it.legs if leg.mode == "transit"]
        assert all(leg.step_free in ("yes", "no", "unknown") for leg in rides)
        walks = [leg for leg in it.legs if leg.mode == "walk" and leg.walk_status]
        assert all(leg.distance_m and leg.distance_m > 0 for leg in walks)


@pytest.mark.parametrize(("lang", "written"), [
    ("de", "Abfahrten ab 14.09.22, 08:00"), ("en", "Departures from 14/09/2022, 08:00"),
    ("ls", "Abfahrten ab 14.09.22, 08:00")])
def test_the_kiosk_writes_its_departure_time_in_the_page_language(
        client: TestClient, lang: str, written: str) -> None:
    page = client.get("/kiosk/heidelberg/hd-weststadt-sudstadt",
                      params={"at": "2022-09-14T08:00", "lang": lang}).text
    assert written in text(page)
    assert '<time datetime="2022-09-14T08:00:00">' in page  # the machine-readable time
