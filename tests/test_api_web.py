"""Web pages rendered by the server (they work without JavaScript), over HTTP."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests._api_client import make_client


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("web"))


def _steps(html: str) -> list[str]:
    m = re.search(r'<ol id="route-steps"[^>]*>(.*?)</ol>', html, re.S)
    assert m, "no steps list"
    return [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li[^>]*>(.*?)</li>",
                                                                    m.group(1), re.S)]


def test_home_is_the_planner_with_hamburg_selected(client: TestClient) -> None:
    r = client.get("/", headers={"accept-language": "de"})
    assert r.status_code == 200
    assert '<option value="hamburg" selected>' in r.text
    assert 'lang="de"' in r.text
    assert "Noch keine Route berechnet." in r.text
    # every bundled city is offered; the attribution of every source is on the page
    for name in ("heidelberg", "helsinki", "herrenberg"):
        assert f'<option value="{name}"' in r.text
    assert "© OpenStreetMap contributors" in r.text
    assert "DB Station&amp;Service AG" in r.text
    assert "<summary>6 Aufzüge: 0 außer Betrieb</summary>" in r.text
    for label in ("Höchster Bordstein (cm)", "Größte Steigung (%)", "Start", "Ziel"):
        assert f">{label}</label>" in r.text


def test_planner_answers_with_ordered_steps(client: TestClient) -> None:
    r = client.get("/planner", params={"city": "hamburg", "from": "Jungfernstieg",
                                       "to": "Rathausmarkt", "profile": "wheelchair",
                                       "lang": "en"})
    assert r.status_code == 200
    steps = _steps(r.text)
    assert steps[-1] == "You have arrived."
    assert 'role="status"' in r.text
    assert "The route keeps all your limits." in r.text
    assert "/planner/print?" in r.text
    assert 'id="route-data"' in r.text


def test_changing_a_limit_in_the_form_changes_the_route(client: TestClient) -> None:
    base = {"city": "hamburg", "from": "Adolphsbrücke", "to": "Große Johannisstraße",
            "profile": "wheelchair", "lang": "en"}
    strict = client.get("/planner", params=base).text
    relaxed = client.get("/planner", params={**base, "limits_for": "wheelchair",
                                             "max_kerb_cm": "30"}).text
    assert "The route keeps every mapped limit, but" in strict
    assert any(s.startswith("Warning") for s in _steps(strict))
    assert "The route keeps all your limits." in relaxed
    assert _steps(strict) != _steps(relaxed)
    assert 'id="max_kerb_cm" name="max_kerb_cm" type="number"' in relaxed
    assert 'value="30"' in relaxed


def test_form_errors_are_shown_next_to_the_field(client: TestClient) -> None:
    r = client.get("/planner", params={"city": "hamburg", "from": "Jungfernstieg",
                                       "to": "Nirgendwostraße", "limits_for": "wheelchair",
                                       "max_kerb_cm": "9999", "lang": "de"})
    assert r.status_code == 200
    assert 'aria-invalid="true"' in r.text
    assert "bitte eine Zahl von 0 bis 30 eingeben" in r.text
    assert "kein Ort „Nirgendwostraße“ gefunden" in r.text
    assert 'id="route-steps"' not in r.text


def test_easy_read_mode(client: TestClient) -> None:
    r = client.get("/planner", params={"city": "hamburg", "from": "Jungfernstieg",
                                       "to": "Rathausmarkt", "lang": "ls"})
    assert "Einen Weg ohne Stufen planen" in r.text
    assert "Der Weg passt zu Ihren Angaben." in r.text
    assert all(s.count(". ") == 0 for s in _steps(r.text))


def test_print_page_is_plain(client: TestClient) -> None:
    r = client.get("/planner/print", params={"city": "hamburg", "from": "Jungfernstieg",
                                             "to": "Rathausmarkt", "lang": "de"})
    assert r.status_code == 200
    assert "<script" in r.text  # only the inert route data block
    assert "planner.js" not in r.text and "maplibre" not in r.text
    assert "Sie haben Ihr Ziel erreicht." in _steps(r.text)
    assert "© OpenStreetMap contributors" in r.text


def test_result_fragment_for_the_script(client: TestClient) -> None:
    r = client.get("/planner/result", params={"city": "hamburg", "from": "Jungfernstieg",
                                              "to": "Rathausmarkt", "lang": "en"})
    assert 'id="f-status"' in r.text and 'id="f-body"' in r.text
    assert "Found: Jungfernstieg" in r.text


def test_barrier_page_lists_and_filters(client: TestClient) -> None:
    r = client.get("/barriers", params={"city": "hamburg", "kind": "elevator", "lang": "en"})
    assert r.status_code == 200
    assert "6 entries" in r.text
    assert r.text.count("unknown</td>") == 6
    r = client.get("/barriers", params={"city": "hamburg", "lang": "de"})
    assert "Seite 1 / " in r.text and "Nächste Seite" in r.text


def test_kiosk_pages(client: TestClient) -> None:
    r = client.get("/kiosk/hamburg/jungfernstieg", params={"lang": "de"})
    assert r.status_code == 200
    assert "<h1>Jungfernstieg</h1>" in r.text
    assert "Ja, der Bahnhof ist stufenlos erreichbar." in r.text
    assert "Abfahrten sind für diese Haltestelle noch nicht verfügbar" in r.text
    assert "Aufzug 6" in r.text
    assert "kiosk.js" in r.text and "http-equiv" not in r.text
    frag = client.get("/kiosk/hamburg/jungfernstieg", params={"fragment": "1"})
    assert "<html" not in frag.text and "Aufzüge" in frag.text
    index = client.get("/kiosk/hamburg")
    assert 'href="/kiosk/hamburg/jungfernstieg' in index.text
    assert client.get("/kiosk/hamburg/atlantis").status_code == 404


def test_unknown_city_pages(client: TestClient) -> None:
    r = client.get("/planner", params={"city": "atlantis"})
    assert r.status_code == 404
    assert "unknown city" in r.text and 'role="alert"' in r.text


def test_api_docs_are_served_without_a_cdn(client: TestClient) -> None:
    from stufenlos.api.templating import STATIC_DIR

    r = client.get("/docs")
    assert r.status_code == 200
    assert "/openapi.json" in r.text
    if (STATIC_DIR / "vendor" / "swagger-ui-bundle.js").exists():
        assert "/static/vendor/swagger-ui-bundle.js" in r.text
        assert "cdn.jsdelivr.net" not in r.text
    assert client.get("/openapi.json").json()["info"]["title"] == "stufenlos"
