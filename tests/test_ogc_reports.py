"""Barrier reports as an OGC API – Features collection: public fields only."""

from __future__ import annotations

import json

import pytest

from tests._api_client import make_client

EMAIL = "private.person@example.org"


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUFENLOS_REPORT_RATE", "1000/minute")
        yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("ogc"))


def post(client, lat, lon, text, *, publish=True):
    r = client.post("/open311/v2/requests.json", data={
        "jurisdiction_id": "hamburg", "service_code": "blocked-sidewalk", "lat": lat,
        "long": lon, "description": text, "email": EMAIL})
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    if publish:
        from stufenlos.api.routes.open311 import report_service

        report_service().accept(int(rid), actor="test")
    return rid


def _in_collection(client, rid) -> tuple[bool, bool]:
    items = client.get("/ogc/collections/hamburg-reports/items", params={"limit": 1000}).json()
    listed = rid in {f["id"] for f in items["features"]}
    one = client.get(f"/ogc/collections/hamburg-reports/items/{rid}").status_code == 200
    return listed, one


def test_submitted_reports_stay_out_of_the_collection_until_accepted(client) -> None:
    from stufenlos.api.routes.open311 import report_service

    rid = post(client, 53.5528, 9.9930, "Gerüst", publish=False)
    assert _in_collection(client, rid) == (False, False)
    report_service().accept(int(rid), actor="test")
    assert _in_collection(client, rid) == (True, True)


def test_reports_collection_lists_public_reports_with_paging_and_bbox(client) -> None:
    cols = {c["id"] for c in client.get("/ogc/collections").json()["collections"]}
    assert "hamburg-reports" in cols
    a = post(client, 53.5528, 9.9930, "Bauzaun auf dem Gehweg")
    b = post(client, 53.5505, 9.9925, "Baustelle am Rathaus")
    items = client.get("/ogc/collections/hamburg-reports/items", params={"limit": 1})
    assert items.status_code == 200
    assert items.headers["content-type"].startswith("application/geo+json")
    page = items.json()
    assert page["numberMatched"] >= 2 and page["numberReturned"] == 1
    assert any(link["rel"] == "next" for link in page["links"])
    assert EMAIL not in items.text
    everything = client.get("/ogc/collections/hamburg-reports/items",
                            params={"limit": 100}).json()
    ids = {f["id"] for f in everything["features"]}
    assert {a, b} <= ids
    assert EMAIL not in json.dumps(everything)
    north = client.get("/ogc/collections/hamburg-reports/items",
                       params={"bbox": "9.99,53.552,9.995,53.554", "limit": 100}).json()
    assert a in {f["id"] for f in north["features"]}
    assert b not in {f["id"] for f in north["features"]}
    one = client.get(f"/ogc/collections/hamburg-reports/items/{a}").json()
    assert one["geometry"]["coordinates"] == [9.993, 53.5528]
    assert one["properties"]["service_code"] == "blocked-sidewalk"
    assert client.get("/ogc/collections/hamburg-reports/items/999999").status_code == 404
    assert client.get("/ogc/collections/hamburg-reports/items/x").status_code == 404
