"""Walk + public transport reach on imported Heidelberg with the VRN timetable cut."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from stufenlos.analysis.access import ProfileMeasures, Setup, compute, prepare
from stufenlos.analysis.execution import runner
from stufenlos.analysis.transit_access import (
    TransitOptions,
    TransitSetupError,
    compute_transit,
    first_weekday,
    parse_options,
)
from stufenlos.api.app import create_app
from stufenlos.city import City
from stufenlos.cli import app
from stufenlos.transit import CityTransit, load_city_transit

PROFILES = ["standard", "wheelchair"]
LIFT = "w197028693"  # the elevator of the Weststadt/Südstadt platforms (de:08221:1457:2:*)
# coarse origins keep the module fast; the measures do not depend on the spacing
SPACING_M = 250.0


@pytest.fixture(scope="module")
def city(imported_city: Callable[[str], City]) -> City:
    return imported_city("heidelberg")


@pytest.fixture(scope="module")
def setup(city: City) -> Setup:
    return prepare(city, spacing_m=SPACING_M)


@pytest.fixture(scope="module")
def transit(city: City) -> CityTransit:
    return load_city_transit("heidelberg", base=city.folder.parent)


@pytest.fixture(scope="module")
def walking(setup: Setup) -> dict[str, ProfileMeasures]:
    return compute(setup, PROFILES)


@pytest.fixture(scope="module")
def with_transit(setup: Setup, transit: CityTransit
                 ) -> tuple[dict[str, ProfileMeasures], dict[str, object]]:
    return compute_transit(setup, PROFILES, transit)


def _le(a: np.ndarray, b: np.ndarray) -> bool:
    """a <= b elementwise for times, NaN meaning 'not within reach' (= infinite)."""
    return bool(np.all(np.nan_to_num(a, nan=np.inf) <= np.nan_to_num(b, nan=np.inf) + 1e-9))


def test_default_day_is_the_first_tuesday_of_the_service_period(with_transit) -> None:
    _, info = with_transit
    assert first_weekday(dt.date(2022, 6, 12)) == dt.date(2022, 6, 14)
    assert info["date"] == "2022-06-14"
    assert info["depart"] == "08:00"
    assert info["mode"] == "walk+transit"
    assert "2022-06-14 (Tuesday), leaving at 08:00" in str(info["note"])


def test_transit_is_never_slower_than_walking_and_adds_reach(walking, with_transit) -> None:
    measures, _ = with_transit
    for p in PROFILES:
        w, t = walking[p], measures[p]
        assert _le(t.nearest_s, w.nearest_s)
        assert np.all(t.count >= w.count)
        assert np.all(t.gravity >= w.gravity - 1e-9)
    # public transport brings more people's destinations within 15 minutes
    assert measures["standard"].count[:, :, -1].sum() > walking["standard"].count[:, :, -1].sum()


def test_wheelchair_never_reaches_more_than_standard(with_transit) -> None:
    measures, _ = with_transit
    std, wc = measures["standard"], measures["wheelchair"]
    assert _le(std.nearest_s, wc.nearest_s)
    assert np.all(wc.count <= std.count)


def test_closing_the_weststadt_elevator_never_increases_reach(setup, transit,
                                                              with_transit) -> None:
    net = setup.city.network
    way = (net.edges["osm_way_id"] == int(LIFT[1:])).fillna(False).to_numpy()
    lift_arcs = np.flatnonzero(way & net.edges["elevator"].to_numpy(bool))
    assert lift_arcs.size
    closed, info = compute_transit(setup, PROFILES, transit, blocked=lift_arcs,
                                   options=TransitOptions(closed_elevators=(LIFT,)))
    assert LIFT in str(info["note"])
    before, _ = with_transit
    for p in PROFILES:
        assert _le(before[p].nearest_s, closed[p].nearest_s)
        assert np.all(closed[p].count <= before[p].count)
    # wheelchair users near the Weststadt/Südstadt platforms do lose destinations
    assert closed["wheelchair"].count.sum() < before["wheelchair"].count.sum()


@pytest.fixture(scope="module")
def sparse_setup(city: City) -> Setup:
    return prepare(city, spacing_m=600.0, categories=["doctors", "supermarket", "pharmacy"])


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minute=st.integers(6 * 60, 21 * 60), transfers=st.integers(0, 3))
def test_any_departure_keeps_the_invariants(sparse_setup, transit, minute, transfers) -> None:
    opts = TransitOptions(depart=dt.time(minute // 60, minute % 60), max_transfers=transfers)
    measures, _ = compute_transit(sparse_setup, PROFILES, transit, options=opts)
    walk = compute(sparse_setup, PROFILES)
    for p in PROFILES:
        assert _le(measures[p].nearest_s, walk[p].nearest_s)
    assert _le(measures["standard"].nearest_s, measures["wheelchair"].nearest_s)
    assert np.all(measures["wheelchair"].count <= measures["standard"].count)


def test_same_result_in_process_and_on_dask_threads(setup, transit, with_transit) -> None:
    before, _ = with_transit
    with runner("threads") as run:
        dask, _ = compute_transit(setup, ["wheelchair"], transit, runner=run)
    for name in ("nearest_s", "count", "gravity"):
        np.testing.assert_array_equal(getattr(dask["wheelchair"], name),
                                      getattr(before["wheelchair"], name))


def test_options_are_checked() -> None:
    assert parse_options("2022-09-06", "07:30", 2).depart == dt.time(7, 30)
    with pytest.raises(TransitSetupError, match="date must be YYYY-MM-DD"):
        parse_options("6.9.2022")
    with pytest.raises(TransitSetupError, match="HH:MM"):
        parse_options(None, "8 Uhr")


def test_cli_mode_walk_transit(city: City) -> None:
    base = str(city.folder.parent)
    cli = CliRunner()
    common = ["analyze", "heidelberg", "--profiles", "standard", "--categories", "doctors",
              "--spacing-m", "500", "--scheduler", "none", "--no-progress",
              "--data-dir", base]
    res = cli.invoke(app, [*common, "--mode", "walk+transit", "--depart", "09:00"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows and all(r["mode"] == "walk+transit" for r in rows)
    res = cli.invoke(app, [*common, "--mode", "bus"])
    assert res.exit_code == 2
    assert "--mode must be walk or walk+transit" in res.output
    res = cli.invoke(app, [*common, "--mode", "walk+transit", "--date", "2030-01-01"])
    assert res.exit_code != 0
    assert "no service on 2030-01-01 (service period 2022-06-12 to 2022-12-10)" in res.output


def test_api_mode_walk_transit(city: City, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUFENLOS_DATA_DIR", str(city.folder.parent))
        mp.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")
        with TestClient(create_app()) as client:
            params = {"profiles": "standard", "categories": "doctors", "budgets": "15",
                      "mode": "walk+transit", "date": "2022-09-06", "depart": "08:30"}
            r = client.get("/api/analysis/heidelberg", params=params)
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["mode"] == "walk+transit"
            assert body["transit"]["date"] == "2022-09-06"
            assert body["transit"]["depart"] == "08:30"
            r = client.get("/api/analysis/heidelberg", params={**params, "depart": "25:00"})
            assert r.status_code == 400
            assert "HH:MM" in r.json()["detail"]
