"""Itineraries and departures in words, on real feeds (VRN cut, WMATA)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from stufenlos.errors import StufenlosError
from stufenlos.i18n import say
from stufenlos.text.itinerary import departures_text, itinerary_directions, journeys_text
from stufenlos.transit import Timetable, departures, plan_journey
from tests._feeds import VRN, WMATA, needs_shared

DAY = dt.date(2022, 9, 1)
AT = dt.datetime(2022, 9, 1, 8, 0)
HD_HBF = (49.4036, 8.6755)
HANDSCHUHSHEIM = (49.4264, 8.6870)
HHMM = r"\d\d:\d\d"


@pytest.fixture(scope="module")
def vrn() -> Timetable:
    return Timetable.from_feed(VRN, DAY)


@pytest.fixture(scope="module")
def wheelchair_trip(vrn):
    return plan_journey(vrn, HD_HBF, HANDSCHUHSHEIM, AT, profile="wheelchair")[-1]


def test_directions_name_every_leg_and_every_unknown(wheelchair_trip):
    it = wheelchair_trip
    assert it.unknowns  # the VRN cut leaves most stops unknown
    for lang, unknown in (("en", "  Unknown: "), ("de", "  Unbekannt: "),
                          ("ls", "  Das wissen wir nicht: ")):
        lines = itinerary_directions(it, lang)
        legs = [line for line in lines if not line.startswith(unknown)]
        assert len(legs) == len(it.legs)
        assert [line.removeprefix(unknown) for line in lines
                if line.startswith(unknown)] == [say(u, lang) for u in it.unknowns]
        for leg, line in zip(it.legs, legs, strict=True):
            assert line.startswith(f"{leg.start:%H:%M} ")
            assert leg.to_name in line


def test_a_tram_ride_in_english_and_german(wheelchair_trip):
    it = wheelchair_trip
    ride = next(leg for leg in it.legs if leg.mode == "transit")
    assert ride.route_type == "tram"
    en = [x for x in itinerary_directions(it, "en") if " towards " in x]
    de = [x for x in itinerary_directions(it, "de") if " Richtung " in x]
    assert re.fullmatch(
        rf"{HHMM} take tram {re.escape(ride.route)} towards {re.escape(ride.headsign)} from "
        rf"{re.escape(ride.from_name)}; get off at {re.escape(ride.to_name)} at {HHMM}\.", en[0])
    assert re.fullmatch(
        rf"{HHMM} Straßenbahn {re.escape(ride.route)} Richtung {re.escape(ride.headsign)} ab "
        rf"{re.escape(ride.from_name)}; aussteigen {HHMM} an {re.escape(ride.to_name)}\.", de[0])


def test_journeys_text_numbers_the_options(vrn):
    its = [*plan_journey(vrn, HD_HBF, HANDSCHUHSHEIM, AT),
           *plan_journey(vrn, HANDSCHUHSHEIM, HD_HBF, AT, profile="wheelchair")]
    assert len(its) >= 2
    for lang, word in (("en", "Option"), ("de", "Möglichkeit")):
        blocks = journeys_text(its, lang).split("\n\n")
        assert len(blocks) == len(its)
        for n, (block, it) in enumerate(zip(blocks, its, strict=True), 1):
            head, *rest = block.strip("\n").split("\n")
            assert head.startswith(f"{word} {n}: {it.departure:%H:%M} → {it.arrival:%H:%M}, "
                                   f"{it.transfers} ")
            assert rest == itinerary_directions(it, lang)


def test_an_unknown_language_is_refused(wheelchair_trip):
    with pytest.raises(StufenlosError, match="`lang` must be de, en or ls, got 'fr'"):
        itinerary_directions(wheelchair_trip, "fr")  # type: ignore[arg-type]
    with pytest.raises(StufenlosError, match="`lang`"):
        journeys_text([wheelchair_trip], "fr")  # type: ignore[arg-type]


def test_departures_text_has_one_line_per_departure(vrn):
    df = departures(vrn, "de:08221:1160_Parent", AT, limit=5)
    assert len(df) == 5
    lines = departures_text(df).split("\n")
    assert len(lines) == 5
    for line, r in zip(lines, df.itertuples(), strict=True):
        assert line.startswith(f"{r.departure:%H:%M}  {r.route}")
        assert f"[{r.stop_name}]" in line
        assert line.endswith(f"stop step-free: {r.stop_step_free}")
    assert departures_text(df.iloc[:0]) == "no departures in the next 3 hours"
    assert departures_text(df.iloc[:0], "de") == "keine Abfahrten in den nächsten 3 Stunden"
    words = {"yes": "ja", "no": "nein", "unknown": "unbekannt"}
    for line, r in zip(departures_text(df, "de").split("\n"), df.itertuples(), strict=True):
        assert f"Haltestelle stufenlos: {words[r.stop_step_free]}" in line
    with pytest.raises(StufenlosError):
        departures_text(df, "fr")  # type: ignore[arg-type]


@needs_shared
def test_elevators_are_named_with_their_level():
    tt = Timetable.from_feed(WMATA, dt.date(2026, 5, 5))
    at = dt.datetime(2026, 5, 5, 9, 0)
    it = plan_journey(tt, (38.8823, -77.1140), (38.8905, -77.0870), at,
                      profile="wheelchair")[-1]
    used = [p for leg in it.legs for p in leg.pathways if p["mode"] == "elevator"]
    assert used and all(p["to_level"] for p in used)
    en, de = "\n".join(itinerary_directions(it, "en")), "\n".join(itinerary_directions(it, "de"))
    for p in used:
        assert f"elevator to level {p['to_level']}" in en
        assert f"Aufzug zur Ebene {p['to_level']}" in de
    df = departures(tt, "STN_K04", at, elevator_state={}, limit=3)
    text = departures_text(df).split("\n")
    assert text[3:] == [f"elevator {e['pathway_id']}: status unknown"
                        for e in df.attrs["elevators"]]
    de = departures_text(df, "de").split("\n")
    assert de[3:] == [f"Aufzug {e['pathway_id']}: Zustand unbekannt"
                      for e in df.attrs["elevators"]]
