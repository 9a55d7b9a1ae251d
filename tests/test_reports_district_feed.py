"""Area feeds by district: Hamburg's Stadtteile (its ``areas`` input) as report feeds, checked
against an independent point-in-polygon test on the raw GeoJSON."""

from __future__ import annotations

import json
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
import shapely.geometry
from fastapi.testclient import TestClient

from stufenlos.api.app import create_app
from stufenlos.api.routes.open311 import report_service
from tests.test_reports_routing import V2, _city_with_reports

ATOM = "{http://www.w3.org/2005/Atom}"
STADTTEILE = "hamburg_stadtteile_statistik_4326.geojson"


@pytest.fixture
def hamburg(imported_city, monkeypatch, tmp_path):
    yield from _city_with_reports(imported_city("hamburg"), monkeypatch, tmp_path)


def _stadtteile(city) -> dict[str, tuple[str, object]]:
    """Name -> (OBJECTID, polygon), read straight from the bundled GeoJSON."""
    raw = json.loads((city.config.folder / STADTTEILE).read_text("utf-8"))
    return {f["properties"]["Name"]: (str(f["properties"]["OBJECTID"]),
                                      shapely.geometry.shape(f["geometry"]))
            for f in raw["features"]}


def _node_in(city, polygon) -> tuple[float, float]:
    """A network node (lat, lon) inside ``polygon``."""
    for lon, lat in city.network.node_lonlat:
        if polygon.contains(shapely.geometry.Point(lon, lat)):
            return float(lat), float(lon)
    msg = "no node there"
    raise AssertionError(msg)


def _submit(client: TestClient, lat: float, lon: float) -> int:
    r = client.post(f"{V2}/requests.json", data={
        "jurisdiction_id": "hamburg", "service_code": "blocked-sidewalk",
        "lat": f"{lat:.7f}", "long": f"{lon:.7f}", "description": "Bauzaun"})
    assert r.status_code == 201, r.text
    return int(r.json()[0]["service_request_id"])


def _report_links(client: TestClient, url: str) -> set[str]:
    r = client.get(url)
    assert r.status_code == 200, r.text
    root = ElementTree.fromstring(r.content)
    return {e.find(f"{ATOM}link").get("href").split("?")[0].rsplit("/", 1)[1]
            for e in root.findall(f"{ATOM}entry")}


def test_district_feed_has_the_reports_inside_the_district(hamburg) -> None:
    stadtteile = _stadtteile(hamburg)
    neustadt_id, neustadt = stadtteile["Neustadt"]
    # the other district: the one holding most nodes of the extract besides Neustadt
    counts = {name: sum(poly.contains(shapely.geometry.Point(*ll))
                        for ll in hamburg.network.node_lonlat[::25])
              for name, (_, poly) in stadtteile.items() if name != "Neustadt"}
    other = max(counts, key=counts.get)
    other_poly = stadtteile[other][1]
    with TestClient(create_app(), base_url="https://stufenlos.example") as client:
        svc = report_service()
        inside = _submit(client, *_node_in(hamburg, neustadt))
        elsewhere = _submit(client, *_node_in(hamburg, other_poly))
        unpublished = _submit(client, *_node_in(hamburg, neustadt))
        svc.accept(inside, actor="m")
        svc.accept(elsewhere, actor="m")

        feed = "/reports/feed.atom?city=hamburg&district="
        assert _report_links(client, feed + "Neustadt") == {str(inside)}
        assert _report_links(client, feed + neustadt_id) == {str(inside)}  # by id
        assert _report_links(client, feed + "neustadt&lang=en") == {str(inside)}
        assert _report_links(client, feed + quote(other)) == {str(elsewhere)}
        assert str(unpublished) not in _report_links(client, "/reports/feed.atom?city=hamburg")
        title = ElementTree.fromstring(client.get(feed + "Neustadt").content).findtext(
            f"{ATOM}title")
        assert title.endswith("Neustadt")

        for url, field in ((feed + "Atlantis", "district"),
                           ("/reports/feed.atom?district=Neustadt", "city")):
            bad = client.get(url)
            assert bad.status_code == 400, url
            assert field in bad.text

        # the reports page lists the feeds of the districts its map covers, in each language
        for lang, heading in (("de", "Meldungen in Ihrem Stadtteil abonnieren"),
                              ("en", "Subscribe to the reports in your district"),
                              ("ls", "Meldungen aus Ihrem Stadtteil bekommen")):
            page = client.get(f"/reports?city=hamburg&lang={lang}").text
            assert heading in page
            assert (f'href="/reports/feed.atom?city=hamburg&amp;district=Neustadt&amp;'
                    f'lang={lang}"') in page
            assert f"district={quote(other)}&amp;" in page
        far = next(n for n, (_, p) in stadtteile.items()
                   if p.distance(neustadt) > 0.1)  # far outside the extract: not listed
        assert f"district={quote(far)}&amp;" not in client.get("/reports?city=hamburg").text
        assert "Stadtteil" not in client.get("/reports").text  # no city chosen
