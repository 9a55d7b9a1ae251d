"""The analysis API and page on the session's imported Hamburg and Helsinki."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stufenlos.api.app import create_app
from stufenlos.city import City


@pytest.fixture(scope="module")
def client(imported_city: Callable[[str], City], city_base: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    for name in ("hamburg", "helsinki"):
        imported_city(name)
    tmp = tmp_path_factory.mktemp("analysis-api")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUFENLOS_DATA_DIR", str(city_base))
        mp.setenv("DATABASE_URL", f"sqlite:///{tmp / 'app.sqlite'}")
        with TestClient(create_app()) as c:
            yield c


def test_area_table(client: TestClient) -> None:
    r = client.get("/api/analysis/helsinki", params={"profiles": "standard,wheelchair",
                                                    "covered_only": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["profiles"] == ["standard", "wheelchair"]
    assert body["areas"] and all(a["covered"]["population"] > 0 for a in body["areas"])
    first = body["areas"][0]
    assert "pharmacy" in first["profiles"]["wheelchair"]
    assert "pharmacy" in first["gap"]["wheelchair"]
    assert any("evenly spread" in n for n in body["notes"])


def test_bad_requests_answer_4xx_json(client: TestClient) -> None:
    r = client.get("/api/analysis/atlantis")
    assert r.status_code == 404 and "atlantis" in r.json()["detail"]
    r = client.get("/api/analysis/helsinki", params={"profiles": "skateboard"})
    assert r.status_code == 422 and "skateboard" in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == "query.profiles"
    r = client.get("/api/analysis/helsinki", params={"budgets": "ten"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.budgets"
    r = client.post("/api/analysis/hamburg/scenario",
                    json={"scenario": {"changes": [{"action": "lower_kerb"}]}})
    assert r.status_code == 400 and "changes.0.lower_kerb.node" in r.json()["detail"]


def test_scenario_and_stations(client: TestClient) -> None:
    body = {"scenario": {"name": "Reeperbahn", "changes": [
        {"action": "make_step_free", "station": "Reeperbahn"}]},
        "profiles": ["standard", "wheelchair"], "categories": ["step_free_station"]}
    r = client.post("/api/analysis/hamburg/scenario", json=body)
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["applied"] == ["station Reeperbahn made step-free"]
    assert all(t["lost_population"] == 0 for t in res["totals"])
    r = client.get("/api/analysis/hamburg/stations", params={"distance_m": 600})
    assert r.status_code == 200
    st = r.json()
    # no station that is not step-free lies on the bundled network: nobody gains,
    # and the answer says so instead of ranking zeros
    assert st["ranking"] == []
    assert st["ranking_summary"].startswith(
        "No candidate fix gives residents aged 65 and over access")
    assert any("STRAIGHT-LINE" in n for n in st["notes"])


def test_page_has_charts_with_tables(client: TestClient) -> None:
    r = client.get("/analysis/hamburg", params={"lang": "en", "p": ["wheelchair"]})
    assert r.status_code == 200
    html = r.text
    assert "<h1>" in html and "Hamburg" in html
    assert html.count('role="img"') == html.count("<figcaption>") >= 1
    assert "No candidate fix gives residents aged 65 and over access" in html
    assert "<table>" in html
    assert client.get("/analysis").status_code == 200
    assert client.get("/analysis/atlantis").status_code == 404


def test_scenario_form_on_the_page(client: TestClient) -> None:
    r = client.post("/analysis/hamburg/scenario", params={"lang": "en"},
                    data={"fix": "station:8006705"})  # Reeperbahn
    assert r.status_code == 200, r.text
    assert "station Reeperbahn made step-free" in r.text
    assert "<table>" in r.text and "People who gain or lose access" in r.text
    r = client.post("/analysis/hamburg/scenario", params={"lang": "en"},
                    data={"scenario": '{"changes": [{"action": "lower_kerb"}]}'})
    assert r.status_code == 400 and 'role="alert"' in r.text
    assert "changes.0.lower_kerb.node" in r.text
    r = client.post("/analysis/hamburg/scenario", data={"scenario": "not = [valid"})
    assert r.status_code == 400 and "not valid JSON or TOML" in r.text
