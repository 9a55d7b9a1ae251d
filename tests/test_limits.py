"""One spec per limit (`stufenlos.profiles.LIMITS`): the API schema, the CLI options, the
planner's form, the words of directions and the README table all come from it; journeys
keep a person's limits on their walks (Heidelberg with its VRN timetable)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import get_args

import numpy as np
import pytest
import typer.main
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stufenlos.cli import app
from stufenlos.cli.routing import limits_markdown
from stufenlos.profiles import LIMIT_BITS, LIMITS, PRESETS, ProfileError, get_profile
from stufenlos.transit import transit_profile
from tests._api_client import make_client

NUMERIC = [lim for lim in LIMITS.values() if lim.numeric]
LIMITED_COMMANDS = ("route", "reach", "matrix", "journey")
README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()

# Heidelberg: from the Altstadt hillside to the main station at 8:00 on a weekday. The
# fastest journey walks to S-Bf. Altstadt; without a slope limit the walk takes a lane
# steeper than 6 %, with `max_incline_pct: 6` it takes a longer way round.
HILLSIDE, HBF = (49.409, 8.712), (49.4036, 8.6755)
AT = "2022-09-01T08:00"
GENTLE = {"max_incline_pct": 6}


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("limits"),
                           cities=("hamburg", "heidelberg"))


def test_every_preset_fits_the_ranges_and_profiles_refuse_values_outside() -> None:
    for lim in NUMERIC:
        for name, value in lim.defaults().items():
            assert value is None or lim.min <= value <= lim.max, (lim.name, name)
        with pytest.raises(ProfileError, match=f"`{lim.name}` must be between"):
            get_profile("standard", **{lim.name: lim.max + 1})
        with pytest.raises(ProfileError, match=lim.name):
            get_profile("standard", **{lim.name: lim.min - 1})
    with pytest.raises(ProfileError, match="must be a whole number"):
        get_profile("standard", max_steps=2.5)
    assert {n: b for n, b in LIMIT_BITS.items() if n in LIMITS} == {
        n: lim.bit for n, lim in LIMITS.items() if lim.bit is not None}
    assert LIMITS["max_kerb_cm"].default("wheelchair") == PRESETS["wheelchair"].max_kerb_cm
    assert LIMITS["min_width_m"].format(0.9, "de") == "0,9 m"
    assert LIMITS["max_steps"].format(5, "en") == "5 steps"


def test_openapi_limits_schema_is_generated_from_the_spec(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    limits = schemas["Limits"]
    assert limits["additionalProperties"] is False
    assert list(limits["properties"]) == list(LIMITS)
    for name, lim in LIMITS.items():
        prop = limits["properties"][name]
        (given,) = [t for t in prop["anyOf"] if t.get("type") != "null"]
        assert prop["description"] == lim.help["en"]
        if lim.numeric:
            assert given["type"] == ("integer" if lim.integer else "number")
            assert (given["minimum"], given["maximum"]) == (lim.min, lim.max), name
            assert prop["unit"] == lim.unit if lim.unit else "unit" not in prop
        elif lim.many:
            assert given["type"] == "array"
        else:
            assert given["enum"] == list(lim.choices)
    for request in ("RouteRequest", "ReachRequest", "MatrixRequest", "JourneyRequest"):
        assert schemas[request]["properties"]["limits"]["$ref"].endswith("/Limits")


@pytest.mark.parametrize("lim", NUMERIC, ids=lambda lim: lim.name)
def test_a_value_out_of_range_is_a_422_naming_the_field(client: TestClient, lim) -> None:
    body = {"origin": {"lat": 53.5528, "lon": 9.9930},
            "destination": {"lat": 53.5505, "lon": 9.9925}, "limits": {lim.name: lim.max + 1}}
    for path in ("route", "journey"):
        r = client.post(f"/api/cities/hamburg/{path}", json=body)
        assert r.status_code == 422, r.text
        assert f"body.limits.{lim.name}" in [e["field"] for e in r.json()["errors"]]


def test_cli_options_are_generated_from_the_spec() -> None:
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for command in LIMITED_COMMANDS:
        params = {p.name: p for p in commands[command].params}
        for name, lim in LIMITS.items():
            opt = params[name]
            assert opt.opts == [f"--{name.replace('_', '-')}"], (command, name)
            kind = opt.type_descriptor.annotation
            if lim.numeric:
                assert (opt.min, opt.max) == (lim.min, lim.max), (command, name)
                assert kind is (int if lim.integer else float), (command, name)
            elif lim.choices:
                assert get_args(kind) == lim.choices, (command, name)
    res = runner.invoke(app, ["route", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    for lim in NUMERIC:
        flag = f"--{lim.name.replace('_', '-')}"
        assert re.search(rf"{flag}\s.*\[{lim.min:g}<=x<={lim.max:g}\]", res.output), flag
    kerb = LIMITS["max_kerb_cm"]
    res = runner.invoke(app, ["route", "hamburg", "--from", "53.55,9.99", "--to", "53.56,9.99",
                              "--max-kerb-cm", str(kerb.max + 1)])
    assert res.exit_code == 2
    assert "--max-kerb-cm" in res.output


@pytest.mark.parametrize("lang", ["de", "en", "ls"])
def test_planner_form_fields_come_from_the_spec(client: TestClient, lang: str) -> None:
    page = client.get("/planner", params={"city": "hamburg", "lang": lang}).text
    inputs = dict(re.findall(r'<input id="([a-z_]+)" name="\1" type="number"([^>]*)>', page))
    assert list(inputs) == [lim.name for lim in NUMERIC]
    for lim in NUMERIC:
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', inputs[lim.name]))
        assert [float(attrs[k]) for k in ("min", "max", "step")] == [lim.min, lim.max, lim.step]
        unit = f" ({lim.unit})" if lim.unit else ""
        assert f">{html.escape(lim.text(lim.label, lang))}{unit}</label>" in page
        assert html.escape(lim.text(lim.help, lang)) in page
    config = json.loads(re.search(r'id="planner-config">(.*?)</script>', page, re.S).group(1))
    for prof in config["profiles"]:
        assert prof["limits"] == {lim.name: lim.default(prof["name"]) for lim in NUMERIC}
    script = client.get("/static/planner.js").text
    assert not [lim.name for lim in LIMITS.values() if lim.name in script]


def test_form_errors_use_the_spec_range(client: TestClient) -> None:
    width = LIMITS["min_width_m"]
    r = client.get("/planner", params={"city": "hamburg", "limits_for": "wheelchair",
                                       "min_width_m": "9", "max_steps": "1.5", "lang": "de"})
    assert f"{width.label['de']}: bitte eine Zahl von 0,5 bis 3 eingeben" in r.text
    assert "Höchstens Stufen: bitte eine ganze Zahl von 0 bis 50 eingeben" in r.text


def test_an_emptied_form_field_means_no_limit(client: TestClient) -> None:
    base = {"city": "hamburg", "from": "Adolphsbrücke", "to": "Große Johannisstraße",
            "profile": "wheelchair", "lang": "en"}
    kept = client.get("/planner", params=base).text
    emptied = client.get("/planner", params={**base, "limits_for": "wheelchair",
                                             "max_kerb_cm": ""}).text
    # the kerb in the way is not mapped: assumed 12 cm where the footway meets the road
    assert 'data-status="uncertain"' in kept
    assert "The route keeps every mapped limit, but" in kept
    assert "The route keeps all your limits." in emptied
    assert 'id="max_kerb_cm" name="max_kerb_cm" type="number"' in emptied


def test_profiles_api_lists_the_adjustable_limits(client: TestClient) -> None:
    wheel = client.get("/api/profiles/wheelchair").json()
    assert [a["name"] for a in wheel["adjustable"]] == [lim.name for lim in NUMERIC]
    for info, lim in zip(wheel["adjustable"], NUMERIC, strict=True):
        assert (info["min"], info["max"], info["step"]) == (lim.min, lim.max, lim.step)
        assert (info["label_de"], info["label_en"], info["label_ls"]) == (
            lim.label["de"], lim.label["en"], lim.label["ls"])


def test_directions_name_a_broken_limit_with_the_spec_words(client: TestClient) -> None:
    def place(name: str) -> dict:
        found = client.get("/api/cities/hamburg/places", params={"q": name}).json()
        return {"lat": found[0]["lat"], "lon": found[0]["lon"]}

    body = {"origin": place("Adolphsbrücke"), "destination": place("Große Johannisstraße"),
            "profile": "wheelchair"}
    kerb = LIMITS["max_kerb_cm"]
    for lang, over in (("en", "over your limit"), ("de", "über Ihrem Grenzwert")):
        props = client.post("/api/cities/hamburg/route",
                            json={**body, "lang": lang}).json()["properties"]
        (v,) = [v for v in props["violations"] if v["limit"] == "max_kerb_cm"][:1]
        assert v["unit"] == kerb.unit
        assert (v["assumed"], v["assumed_value"]) == (True, 12.0)
        note = {"en": " (assumed: 12 cm, not mapped)",
                "de": " (angenommen: 12 cm, nicht erfasst)"}[lang]
        warning = f"{kerb.noun[lang]}, {kerb.format(v['excess'], lang)} {over}{note}."
        assert any(s.endswith(warning) for s in props["steps"]), (warning, props["steps"])


def test_readme_and_profiles_command_show_the_spec() -> None:
    table = limits_markdown()
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- limits: generated by `stufenlos profiles` -->\n(.*?)"
                      r"<!-- end of limits -->", text, re.S)
    assert block and block.group(1) == table, "README limits table is stale: paste " \
                                              "`stufenlos profiles`"
    res = runner.invoke(app, ["profiles"])
    assert res.exit_code == 0 and res.output == table
    assert len(table.splitlines()) == 2 + len(LIMITS)


# -- journeys keep the person's limits on their walks ------------------------------------


def test_transit_profile_carries_the_whole_walking_profile() -> None:
    person = get_profile("wheelchair", max_kerb_cm=0, min_width_m=1.2)
    tp = transit_profile(person)
    assert tp.walk is person and tp.walking() is person
    assert tp.name == "wheelchair" and tp.step_free
    assert transit_profile("wheelchair").walking() == PRESETS["wheelchair"]
    assert hash(tp) != hash(transit_profile("wheelchair"))


def _body(**extra: object) -> dict:
    return {"origin": {"lat": HILLSIDE[0], "lon": HILLSIDE[1]},
            "destination": {"lat": HBF[0], "lon": HBF[1]}, "at": f"{AT}:00", "lang": "en",
            **extra}


def test_journey_api_walks_keep_the_limits(client: TestClient) -> None:
    free = client.post("/api/cities/heidelberg/journey", json=_body())
    gentle = client.post("/api/cities/heidelberg/journey", json=_body(limits=GENTLE))
    assert free.status_code == gentle.status_code == 200, (free.text, gentle.text)
    walk_free = free.json()["itineraries"][-1]["legs"][0]
    walk_gentle = gentle.json()["itineraries"][-1]["legs"][0]
    assert walk_free["mode"] == walk_gentle["mode"] == "walk"
    # the slope limit makes the walk to the stop a detour, or another stop
    assert (walk_gentle["duration_s"] > walk_free["duration_s"]
            or walk_gentle["to_stop_id"] != walk_free["to_stop_id"])
    assert not any("breaks a limit" in u for u in walk_gentle["unknowns"])
    # a limit the walk never meets changes nothing
    same = client.post("/api/cities/heidelberg/journey",
                       json=_body(limits={"max_kerb_cm": 30})).json()
    assert same["itineraries"][-1]["legs"][0]["duration_s"] == walk_free["duration_s"]


def _first_walk(output: str) -> list[tuple[float, float]]:
    gj = json.loads(output)
    last = len(gj["itineraries"]) - 1
    (walk, *_) = [f for f in gj["features"] if f["properties"]["itinerary"] == last
                  and f["properties"]["mode"] == "walk"]
    return [tuple(c) for c in walk["geometry"]["coordinates"]]


def _steep_arcs(city, coords: list[tuple[float, float]], limits: dict) -> int:
    """How many arcs of the walk along ``coords`` climb more than 6 %: the walk is routed
    again between its ends with the profile it was made with, and must match."""
    (lon0, lat0), (lon1, lat1) = coords[0], coords[-1]
    route = city.router.route((lat0, lon0), (lat1, lon1),
                              profile=get_profile("standard", **limits))
    assert np.allclose(route.geometry()["coordinates"], coords), "walk is not this route"
    gentle = get_profile("standard", **GENTLE)
    bits = gentle.evaluate(city.network).violation_bits[route.arcs]
    return int(((bits & LIMIT_BITS["max_incline_pct"]) != 0).sum())


def test_journey_cli_walks_keep_the_limits(imported_city) -> None:
    city = imported_city("heidelberg")
    args = ["journey", "heidelberg", "--from", ",".join(map(str, HILLSIDE)),
            "--to", ",".join(map(str, HBF)), "--at", AT, "--format", "geojson",
            "--data-dir", str(city.folder.parent)]
    free = runner.invoke(app, args)
    gentle = runner.invoke(app, [*args, "--max-incline-pct", "6"])
    assert free.exit_code == gentle.exit_code == 0, (free.output, gentle.output)
    walk_free, walk_gentle = _first_walk(free.output), _first_walk(gentle.output)
    assert walk_free != walk_gentle
    # checked against the network: only the walk without the limit climbs over 6 %
    assert _steep_arcs(city, walk_free, {}) > 0
    assert _steep_arcs(city, walk_gentle, GENTLE) == 0
