"""Text directions: names, distances, turns, barriers and helps, in German and English."""

from __future__ import annotations

import pytest

from stufenlos.routing import Router
from stufenlos.segments import barriers_on
from stufenlos.text.directions import LanguageError, instructions, warnings
from stufenlos.text.route import route_feature, route_text
from tests._graph_testing import synthetic_grid


def latlon(net, i: int) -> tuple[float, float]:
    lon, lat = net.node_lonlat[i]
    return float(lat), float(lon)


@pytest.fixture(scope="module")
def route():
    # 0 -1- 1 -2- 2 -3- 3 along a street, then up (3-7) over a signalised crossing.
    street = {"name": "Hauptstraße", "highway": "footway", "footway": "sidewalk"}
    net = synthetic_grid(4, 2, segments={
        (0, 1): street, (1, 2): street,
        (2, 3): {**street, "surface": "sett", "smoothness": "intermediate"},
        (3, 7): {"name": "Bismarckplatz", "footway": "crossing", "crossing": "traffic_signals",
                 "signal_sound": 1.0, "tactile_paving": "yes", "kerb_u_m": 0.0,
                 "kerb_v_m": 0.03, "kerb_u_context": "crossing",
                 "kerb_v_context": "crossing"},
    }, drop={(0, 4), (1, 5), (2, 6)})
    return Router(net).route(latlon(net, 0), latlon(net, 7), profile="wheelchair")


def test_english_directions_name_everything(route) -> None:
    lines = instructions(route, lang="en")
    text = "\n".join(lines)
    assert lines[0] == "Wheelchair route: 200 m, about 4 minutes."
    assert "The route keeps all your limits." in lines
    assert "Continue along Hauptstraße, 150 m." in lines
    assert "Surface: sett (cobbles)." in lines
    assert "Turn left. Cross Bismarckplatz at traffic lights with sound signal, 50 m." in lines
    assert "Kerb flush (the start)." in text
    assert "Kerb 3 cm at the end." in text
    assert "Tactile paving." in lines
    assert lines[-1] == "You have arrived."


def test_german_directions(route) -> None:
    lines = instructions(route, lang="de")
    assert lines[0] == "Route für Profil Rollstuhl: 200 m, etwa 4 Minuten."
    assert "Weiter Hauptstraße entlang, 150 m." in lines
    assert "Links abbiegen. Bismarckplatz überqueren an der Ampel mit Tonsignal, 50 m." in lines
    assert "Bordstein 3 cm am Ende." in lines
    assert route.to_text(lang="de").startswith("1. Route für Profil Rollstuhl")
    with pytest.raises(ValueError, match="language"):
        instructions(route, lang="fr")
    with pytest.raises(LanguageError, match="language"):
        route_text(route, lang="fr")


def test_barriers_and_violations_are_announced() -> None:
    net = synthetic_grid(3, 1, segments={(1, 2): {"steps": True, "step_count": 5,
                                                  "highway": "steps", "handrail": 1.0}})
    route = Router(net).route(latlon(net, 0), latlon(net, 2), profile="wheelchair")
    en = instructions(route, lang="en")
    assert "No route keeps all your limits." in en[1]
    assert "Take the steps, 5 steps, with handrail." in en
    assert "Warning: steps, 5 steps over your limit." in en
    de = instructions(route, lang="de")
    assert "Achtung: Stufen, 5 Stufen über Ihrem Grenzwert." in de
    kinds = [b["kind"] for b in barriers_on(route.segments())]
    assert kinds == ["steps"]


def test_warnings_are_translated() -> None:
    net = synthetic_grid(3, 1, spacing_m=300.0)
    route = Router(net).route(latlon(net, 0), latlon(net, 2), profile="walker")
    assert "Die Route ist länger als Ihre Reichweite von 500 m." in instructions(route,
                                                                                lang="de")
    assert "The route is longer than your range of 500 m." in instructions(route, lang="en")


def test_one_unknown_kerb_is_singular() -> None:
    net = synthetic_grid(3, 1, segments={(1, 2): {"kerb_v_context": "crossing"}})
    route = Router(net).route(latlon(net, 0), latlon(net, 2), profile="wheelchair")
    # the crossing's kerb is assumed 3 cm (cautious), exactly the wheelchair limit
    assert instructions(route)[2] == "Assumed right at your limit, not mapped: kerb 3 cm."
    assert instructions(route)[3].startswith("Not known on this route: 1 kerb of unknown "
                                             "height,")
    assert instructions(route, lang="de")[3].startswith(
        "Auf dieser Route unbekannt: 1 Bordstein mit unbekannter Höhe,")
    (met,) = route.uncertain()
    assert (met["limit"], met["breaks"], met["assumed_value"]) == ("max_kerb_cm", False, 3.0)


def test_the_text_and_the_feature_say_the_same(route) -> None:
    for lang in ("de", "en"):
        props = route_feature(route, lang=lang)["properties"]
        lines = [*props["summary"], *props["warnings"], *props["steps"]]
        assert lines == instructions(route, lang=lang)
        assert route_text(route, lang=lang) == "".join(
            f"{i}. {line}\n" for i, line in enumerate(lines, 1))
    easy = route_feature(route, lang="ls")["properties"]
    assert easy["summary"][0] == "Der Weg ist 200 Meter lang."
    assert easy["steps"][-1] == "Sie haben Ihr Ziel erreicht."


def test_relaxed_policy_and_far_points_are_warnings_not_summary() -> None:
    net = synthetic_grid(3, 1, segments={(1, 2): {"kerb_v_context": "crossing"}})
    route = Router(net).route(latlon(net, 0), (latlon(net, 2)[0], latlon(net, 2)[1] + 0.001),
                              profile="wheelchair", unknown_policy="strict")
    assert route.relaxed_from == "strict"
    en = warnings(route, lang="en")
    assert en[0].startswith("No route keeps your limits if every unknown value counts")
    assert en[1] == "The nearest usable way is 70 m from the destination."
    props = route_feature(route, lang="de")["properties"]
    assert props["warnings"] == warnings(route, lang="de")
    assert not set(props["warnings"]) & set(props["summary"])
