"""Moderators see what Accept will close, and are told what it closed; route texts name the
report behind a detour; an address-only report is placed by the city's street names."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient

from stufenlos.api.app import create_app
from stufenlos.api.routes.open311 import report_service
from stufenlos.reports import Submission
from stufenlos.routing import Router
from tests.test_reports_routing import (
    DESTINATION,
    ORIGIN,
    V2,
    _city_with_reports,
    closures_of,
)


@pytest.fixture
def heidelberg(imported_city, monkeypatch, tmp_path):
    yield from _city_with_reports(imported_city("heidelberg"), monkeypatch, tmp_path)


@pytest.fixture
def hamburg(imported_city, monkeypatch, tmp_path):
    yield from _city_with_reports(imported_city("hamburg"), monkeypatch, tmp_path)


def _moderator(client: TestClient) -> dict[str, str]:
    """Bearer headers of a new moderator, who is also logged in on ``client`` (the page)."""
    token = report_service().add_moderator("Moderator")
    assert client.post("/moderation/login", data={"token": token}).status_code == 200
    return {"Authorization": f"Bearer {token}"}


def _blocked(client: TestClient, city: str, lat: float, lon: float, description: str) -> int:
    """Report a blocked sidewalk at (lat, lon) in ``city``; its id."""
    r = client.post(f"{V2}/requests.json", data={
        "jurisdiction_id": city, "service_code": "blocked-sidewalk",
        "lat": f"{lat:.7f}", "long": f"{lon:.7f}", "description": description})
    assert r.status_code == 201, r.text
    return int(r.json()[0]["service_request_id"])


def _middle_of_route(city) -> tuple[int, float, float]:
    """An arc in the middle of the wheelchair route around the Binnenalster, and its midpoint."""
    route = Router(city.network).route(ORIGIN, DESTINATION, profile="wheelchair")
    arc = int(route.arcs[len(route.arcs) // 2])
    spot = shapely.from_wkb(city.network.edges["geometry"].iloc[arc]).interpolate(
        0.5, normalized=True)
    return arc, spot.y, spot.x


def test_preview_names_the_way_and_accept_closes_exactly_that(hamburg) -> None:
    edges = hamburg.network.edges
    arc, lat, lon = _middle_of_route(hamburg)
    way = int(edges["osm_way_id"].iat[arc])
    name = edges["name"].iat[arc]
    with TestClient(create_app()) as client:
        auth = _moderator(client)
        rid = _blocked(client, "hamburg", lat, lon, "Gerüst")
        preview = client.get(f"/moderation/api/reports/{rid}/preview", headers=auth).json()
        assert preview["nothing"] is None
        (target,) = preview["targets"]
        assert (target["kind"], target["osm_way_id"]) == ("segment", way)
        where = f" ({name})" if isinstance(name, str) else ""
        assert preview["en"] == f"closes 1 segment of way {way}{where}"
        assert preview["de"] == f"schließt 1 Abschnitt von Weg {way}{where}"
        (queued,) = client.get("/moderation/api/queue", headers=auth).json()
        assert queued["would_close"] == {k: v for k, v in preview.items() if k != "report_id"}
        page = client.get("/moderation?lang=en").text
        assert f"<dd class=\"mod-effect\">{preview['en']}</dd>" in page
        assert closures_of(hamburg).active() == []  # a preview writes nothing

        done = client.post(f"/moderation/api/reports/{rid}/accept", headers=auth).json()
        stored = [{k: c[k] for k in ("kind", "osm_way_id", "node_u", "node_v")}
                  for c in done["closures"]]
        assert stored == [{k: target[k] for k in ("kind", "osm_way_id", "node_u", "node_v")}]
        assert (done["closes"]["en"], done["closes"]["de"]) == (preview["en"], preview["de"])
        # the moderator page says what accepting did, in the page's language
        page = client.get(f"/moderation?done={rid}&lang=de").text
    assert f"Meldung {rid}: " in page and f"– {preview['de']}." in page
    assert closures_of(hamburg).closing(hamburg.network, [arc]) != []


def test_broken_elevator_in_hamburg_closes_nothing_and_says_why(hamburg) -> None:
    assert not hamburg.network.edges["elevator"].fillna(False).any()
    svc = report_service()
    lift = svc.submit(Submission(service_code="broken-elevator", lat=53.5530, lon=9.9930,
                                 jurisdiction="hamburg", attributes={"equipment": "elevator"}),
                      client="a")
    with TestClient(create_app()) as client:
        auth = _moderator(client)
        preview = client.get(f"/moderation/api/reports/{lift.id}/preview", headers=auth).json()
        assert (preview["targets"], preview["nothing"]) == ([], "no_elevator")
        assert preview["en"] == "closes nothing: no elevator is mapped within 50 m"
        assert preview["de"] == "schließt nichts: im Umkreis von 50 m ist kein Aufzug erfasst"
        done = client.post(f"/moderation/api/reports/{lift.id}/accept", headers=auth).json()
        assert done["status"] == "open" and done["closures"] == []
        assert done["closes"]["en"] == preview["en"]
        # a report of a kind that blocks nothing says so before and after
        tactile = svc.submit(Submission(service_code="missing-tactile-paving", lat=53.5530,
                                        lon=9.9930, jurisdiction="hamburg"), client="b")
        assert svc.preview(tactile.id).text("en") == (
            "closes nothing: this kind of report does not block routes")
        # accepted with the page's form, the page then says what it did
        page = client.post(f"/moderation/api/reports/{tactile.id}/accept?lang=en",
                           headers={"Accept": "text/html"})
        assert page.url.path == "/moderation" and page.url.params["done"] == str(tactile.id)
        assert (f"Report {tactile.id}: " in page.text and "– closes nothing: this kind of report "
                "does not block routes." in page.text)
    assert closures_of(hamburg).active() == []


def test_broken_elevator_in_heidelberg_previews_that_elevator(heidelberg) -> None:
    edges = heidelberg.network.edges
    elevator = int(edges.index[edges["elevator"].fillna(False)][0])
    centre = shapely.from_wkb(edges["geometry"].iloc[elevator]).centroid
    svc = report_service()
    lift = svc.submit(Submission(service_code="broken-elevator", lat=centre.y + 0.0002,
                                 lon=centre.x, jurisdiction="heidelberg",
                                 attributes={"equipment": "elevator"}), client="a")
    preview = svc.preview(lift.id)
    (target,) = preview.targets
    assert target["kind"] == "elevator"
    assert preview.text("en") == f"closes elevator {target['ref']} (all levels)"
    assert preview.text("de") == f"schließt Aufzug {target['ref']} (alle Ebenen)"
    svc.accept(lift.id, actor="m")
    (closure,) = svc.closures_of(lift.id)
    assert (closure.kind, closure.ref) == ("elevator", target["ref"])
    assert svc.current_effect(lift.id).text("en") == preview.text("en")


def test_address_only_report_is_placed_on_its_street(hamburg) -> None:
    svc = report_service()
    fence = svc.submit(Submission(service_code="blocked-sidewalk",
                                  address_string="Jungfernstieg 7, Hamburg",
                                  jurisdiction="hamburg"), client="a")
    got = svc.get(fence.id, public=False)
    assert got.lat is not None and got.lon is not None
    assert got.events[-1].note == "Location taken from the address: Jungfernstieg"
    preview = svc.preview(fence.id)
    assert preview.located is None  # already placed when it was submitted
    svc.accept(fence.id, actor="m")
    (closure,) = svc.closures_of(fence.id)
    edges = hamburg.network.edges
    names = set(edges.loc[edges["osm_way_id"] == closure.osm_way_id, "name"])
    assert (closure.kind, names) == ("segment", {"Jungfernstieg"})
    assert "(Jungfernstieg)" in svc.current_effect(fence.id).text("de")
    # the history says so on the German page
    with TestClient(create_app()) as client:
        page = client.get(f"/reports/{fence.id}?lang=de").text
    assert "Ort aus der Adresse bestimmt: Jungfernstieg" in page

    # an ambiguous or unknown address stays without coordinates and closes nothing
    for text, candidates in (("Alster", ["Alsterarkaden", "Alstertor"]),
                             ("Gibtesnichtweg 3", [])):
        lost = svc.submit(Submission(service_code="blocked-sidewalk", address_string=text,
                                     jurisdiction="hamburg"), client="b")
        assert svc.get(lost.id, public=False).lat is None
        preview = svc.preview(lost.id)
        assert (preview.text("en"), list(preview.candidates)) == (
            "closes nothing: the address could not be located", candidates)
        svc.accept(lost.id, actor="m")
        assert svc.closures_of(lost.id) == []
        assert svc.current_effect(lost.id).nothing == "address_not_located"


def test_route_text_names_the_report_behind_the_detour(hamburg) -> None:
    _arc, lat, lon = _middle_of_route(hamburg)
    svc = report_service()
    fence = svc.submit(Submission(service_code="blocked-sidewalk", lat=lat, lon=lon,
                                  jurisdiction="hamburg"), client="a")
    body = {"origin": {"lat": ORIGIN[0], "lon": ORIGIN[1]},
            "destination": {"lat": DESTINATION[0], "lon": DESTINATION[1]},
            "profile": "wheelchair"}
    with TestClient(create_app()) as client:
        before = client.post("/api/cities/hamburg/route", json=body | {"lang": "de"}).json()
        assert not any("Meldung" in w for w in before["properties"]["warnings"])
        svc.accept(fence.id, actor="m")
        de = client.post("/api/cities/hamburg/route", json=body | {"lang": "de"}).json()
        en = client.post("/api/cities/hamburg/route", json=body | {"lang": "en"}).json()
        assert f"Umweg wegen Meldung {fence.id}: Gehweg versperrt." in de["properties"][
            "warnings"]
        assert f"Detour because of report {fence.id}: blocked sidewalk." in en["properties"][
            "warnings"]
        assert not de["properties"]["closures"][0]["on_route"]
        # the planner links the sentence to the report's public page
        page = client.get("/planner", params={
            "city": "hamburg", "from": f"{ORIGIN[0]},{ORIGIN[1]}",
            "to": f"{DESTINATION[0]},{DESTINATION[1]}", "profile": "wheelchair",
            "lang": "en"}).text
    assert (f'<a href="/reports/{fence.id}">Detour because of report {fence.id}: '
            "blocked sidewalk.</a>") in page


def test_route_through_a_reported_closure_says_so(hamburg) -> None:
    net = hamburg.network
    degree = np.bincount(np.r_[net.u, net.v], minlength=len(net.node_lonlat))
    length = net.edges["length_m"].to_numpy()
    # the longest dead end: a route from its tip must go through it
    ends = np.flatnonzero((degree[net.u] == 2) & net.edges["osm_way_id"].notna().to_numpy())
    arc = int(ends[np.argmax(length[ends])])
    line = shapely.from_wkb(net.edges["geometry"].iloc[arc])
    tip = net.node_lonlat[net.u[arc]]
    mid = line.interpolate(0.5, normalized=True)
    svc = report_service()
    fence = svc.submit(Submission(service_code="blocked-sidewalk", lat=mid.y, lon=mid.x,
                                  jurisdiction="hamburg"), client="a")
    svc.accept(fence.id, actor="m")
    body = {"origin": {"lat": float(tip[1]), "lon": float(tip[0])},
            "destination": {"lat": ORIGIN[0], "lon": ORIGIN[1]}, "profile": "wheelchair"}
    with TestClient(create_app()) as client:
        en, de = (client.post("/api/cities/hamburg/route", json=body | {"lang": lang}).json()[
            "properties"] for lang in ("en", "de"))
    assert en["status"] == "limits_broken"
    assert [c["on_route"] for c in en["closures"]] == [True]
    assert (f"Closed because of report {fence.id}: blocked sidewalk. The route still goes "
            "through, as there is no other way.") in en["warnings"]
    assert (f"Gesperrt wegen Meldung {fence.id}: Gehweg versperrt. Die Route führt trotzdem "
            "hindurch, weil es keinen anderen Weg gibt.") in de["warnings"]


@pytest.fixture
def helsinki(imported_city, monkeypatch, tmp_path):
    yield from _city_with_reports(imported_city("helsinki"), monkeypatch, tmp_path)


def test_a_report_on_a_square_mapped_as_a_relation_names_and_closes_it(helsinki) -> None:
    """Squares mapped as multipolygons have no way id: the preview and the closure name the
    relation (read from the raw network table), and the route goes round it."""
    edges = helsinki.network.edges
    on_relation = np.flatnonzero(edges["osm_relation_id"].notna().to_numpy(bool)
                                 & edges["osm_way_id"].isna().to_numpy(bool))
    arc = int(on_relation[len(on_relation) // 2])
    relation = int(edges["osm_relation_id"].iat[arc])
    lonlat = helsinki.network.node_lonlat
    lon, lat = (lonlat[helsinki.network.u[arc]] + lonlat[helsinki.network.v[arc]]) / 2
    with TestClient(create_app()) as client:
        auth = _moderator(client)
        rid = _blocked(client, "helsinki", lat, lon, "Bühne aufgebaut")
        preview = client.get(f"/moderation/api/reports/{rid}/preview", headers=auth)
        assert preview.status_code == 200, preview.text
        (target,) = preview.json()["targets"]
        assert (target["kind"], target["osm_way_id"], target["osm_relation_id"]) == (
            "segment", None, relation)
        assert preview.json()["en"].startswith(f"closes 1 segment of relation {relation}")
        assert preview.json()["de"].startswith(f"schließt 1 Abschnitt von Relation {relation}")
        done = client.post(f"/moderation/api/reports/{rid}/accept", headers=auth)
        assert done.status_code == 200, done.text
        assert done.json()["closes"]["en"] == preview.json()["en"]
        (closure,) = done.json()["closures"]
        assert closure["osm_relation_id"] == relation
    assert closures_of(helsinki).closing(helsinki.network, [arc]) != []
