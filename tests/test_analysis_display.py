"""Areas merged for display and fixes chosen by name, on the bundled real cities."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from stufenlos.analysis.access import AccessResult, analyze
from stufenlos.analysis.display import MAX_DISPLAY_AREAS, display_result, square_label
from stufenlos.analysis.fixes import fix_choices, fix_scenario
from stufenlos.analysis.scenario import ScenarioError
from stufenlos.api.app import create_app
from stufenlos.city import City
from stufenlos.config import find_city


@pytest.fixture(scope="module")
def helsinki(imported_city: Callable[[str], City]) -> AccessResult:
    return analyze(imported_city("helsinki"), profiles=["standard", "wheelchair"],
                   budgets_min=[5, 10, 15])


def test_square_labels_read_like_a_map_index() -> None:
    assert [square_label(0, 0), square_label(25, 3), square_label(26, 9)] == \
        ["A1", "Z4", "AA10"]


def test_merged_population_equals_the_grid_file(helsinki: AccessResult) -> None:
    shown = display_result(helsinki, max_areas=20)
    assert shown.merged and shown.source_areas == len(helsinki.setup.areas) == 92
    assert 1 < shown.shown_areas <= 20
    tab = shown.result.area_table()
    # independent reference: the population column of the GeoPackage itself
    gpkg = find_city("helsinki").resolve("helsinki_population_grid_2020.gpkg")
    with sqlite3.connect(gpkg) as db:
        raw = db.execute("SELECT SUM(population) FROM population_grid_2020").fetchone()[0]
    assert tab["population"].sum() == pytest.approx(raw)
    full = helsinki.area_table()
    for col in ("covered_population", "standard.supermarket.population_15",
                "gap.wheelchair.supermarket.population_15"):
        assert tab[col].sum() == pytest.approx(full[col].sum(), abs=0.1 * len(full))
    assert tab["name"].is_unique and all(n[0].isalpha() for n in tab["name"])


def test_merged_shares_are_population_weighted_means(helsinki: AccessResult) -> None:
    shown = display_result(helsinki, max_areas=20)
    merged = shown.result.area_table().set_index("name")
    full = helsinki.area_table()
    members = shown.result.setup.origins.groupby("area")["area"].size()
    assert members.sum() == len(helsinki.setup.origins)
    col = "wheelchair.supermarket.share_15"
    # which full-resolution areas went into each square, from the origins' remapping
    groups = np.full(len(full), -1)
    groups[helsinki.setup.origins["area"].to_numpy()] = \
        shown.result.setup.origins["area"].to_numpy()
    checked = 0
    for g, name in enumerate(merged.index):
        part = full[groups == g]
        w = part["covered_population"].to_numpy()
        if w.sum() < 100:
            continue
        expect = float((part[col] * w).sum() / w.sum())
        assert merged.loc[name, col] == pytest.approx(expect, abs=0.01)
        checked += 1
    assert checked >= 2


def test_few_areas_are_shown_as_they_are(helsinki: AccessResult) -> None:
    shown = display_result(helsinki)
    assert not shown.merged and shown.result is helsinki
    assert display_result(helsinki) is shown  # kept with the result


def test_heidelberg_grid_is_merged_to_a_readable_map(
        imported_city: Callable[[str], City]) -> None:
    res = analyze(imported_city("heidelberg"), profiles=["standard", "wheelchair"],
                  categories=["pharmacy"], budgets_min=[15])
    shown = display_result(res)
    assert shown.source_areas > 1000
    assert MAX_DISPLAY_AREAS // 2 < shown.shown_areas <= MAX_DISPLAY_AREAS
    merged, full = shown.result.area_table(), res.area_table()
    assert merged["covered_population"].sum() == pytest.approx(
        full["covered_population"].sum(), abs=0.05 * len(merged))


def test_fixes_are_named_in_words(imported_city: Callable[[str], City]) -> None:
    city = imported_city("hamburg")
    choices = fix_choices(city)
    assert set(choices.by_kind) == {"station", "steps"}
    stations = {c.name: c for c in choices.by_kind["station"]}
    assert "Reeperbahn" in stations and not stations["Reeperbahn"].near
    for c in choices.by_kind["steps"]:
        assert c.name and not c.name.isdigit()  # every steps way here has a named way nearby
        assert c.value == f"steps:{c.change['way']}"
    data = fix_scenario(city, stations["Reeperbahn"].value)
    assert data["changes"] == [{"action": "make_step_free", "station": "8006705"}]
    with pytest.raises(ScenarioError, match="not one of the fixes"):
        fix_scenario(city, "steps:1")


@pytest.fixture(scope="module")
def client(imported_city: Callable[[str], City], city_base: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    imported_city("hamburg")
    imported_city("helsinki")
    tmp = tmp_path_factory.mktemp("analysis-display")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUFENLOS_DATA_DIR", str(city_base))
        mp.setenv("DATABASE_URL", f"sqlite:///{tmp / 'app.sqlite'}")
        with TestClient(create_app()) as c:
            yield c


def test_page_offers_fixes_and_the_full_table(client: TestClient) -> None:
    r = client.get("/analysis/hamburg", params={"lang": "en"})
    assert r.status_code == 200
    assert '<select id="fix" name="fix"' in r.text
    assert "Station Reeperbahn</option>" in r.text
    assert "Steps near " in r.text
    csv = client.get("/api/analysis/helsinki/areas.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.strip().splitlines()) == 92 + 1
    r = client.post("/analysis/hamburg/scenario", params={"lang": "en"},
                    data={"fix": "station:8006705"})
    assert r.status_code == 200, r.text
    assert "step-free station: Reeperbahn" in r.text and "Who gains access" in r.text
    r = client.post("/analysis/hamburg/scenario", params={"lang": "en"},
                    data={"fix": "steps:1"})
    assert r.status_code == 400 and "not one of the fixes" in r.text
