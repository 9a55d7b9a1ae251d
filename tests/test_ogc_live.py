"""OGC API – Features read by a real client, OWSLib, from a live uvicorn server."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator

import httpx
import pytest
from owslib.ogcapi.features import Features

from stufenlos.build import import_city
from stufenlos.config import find_city
from stufenlos.reports import ReportService, ReportStore
from tests.browser._city_server import city_server

pytestmark = pytest.mark.slow

CITY = "herrenberg"
PROCEEDINGS = "proceedings-contributions"
COLLECTIONS = {f"{CITY}-barriers", f"{CITY}-elevators", f"{CITY}-reports", PROCEEDINGS}
# Herrenberg's extract has no place one goes into: Heidelberg's places are read instead
PLACES = "heidelberg-places"
READ = COLLECTIONS | {PLACES}
NOWHERE = [0.0, 0.0, 0.1, 0.1]  # a bbox in the Gulf of Guinea
LONG_AGO = "2000-01-01T00:00:00Z/2000-12-31T23:59:59Z"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, imported_city,
         city_base) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of a server with Herrenberg and Heidelberg imported."""
    work = tmp_path_factory.mktemp("ogc-live")
    import_city(find_city(CITY), base=work / "data", progress=False)
    imported_city("heidelberg")  # the session's import, copied
    shutil.copytree((city_base / "heidelberg").resolve(), work / "data" / "heidelberg")
    db_url = f"sqlite:///{work / 'app.sqlite'}"
    ReportStore(db_url).close()  # migrate before the server starts
    _proceeding(db_url)
    with city_server(work / "data", work, database_url=db_url,
                     env={"STUFENLOS_REPORT_RATE": "1000/minute"}) as base:
        yield base, db_url


def _proceeding(db_url: str) -> None:
    """A proceeding in Herrenberg with one published contribution (synthetic text)."""
    from stufenlos.plan.service import EditorCreate, PlanStore, create_editor
    from stufenlos.proceedings import service

    store = PlanStore(db_url)
    with store.session() as session:
        eva = create_editor(session, EditorCreate(username="eva", secret="x" * 12),
                            actor="test")
        ring = [[8.86, 48.58], [8.89, 48.58], [8.89, 48.61], [8.86, 48.61], [8.86, 48.58]]
        service.create_proceeding(session, eva, service.ProceedingCreate(
            slug="altstadt", city=CITY, title={"de": "Altstadt"}, body="Stadt",
            area={"type": "Polygon", "coordinates": [ring]}))
        service.move_phase(session, eva, "altstadt", service.PhaseIn(phase="participation"))
        c = service.contribute(session, "altstadt", service.ContributionIn(
            category="idea", text="Rampe am Marktplatz", lat=48.5959, lon=8.8708), client="x")
        service.moderate(session, "contribution", c.id, publish=True, actor="test")
    store.close()


def _report(base: str, lat: float, lon: float, text: str) -> str:
    r = httpx.post(f"{base}/open311/v2/requests.json", data={
        "jurisdiction_id": CITY, "service_code": "blocked-sidewalk", "lat": lat, "long": lon,
        "description": text}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()[0]["service_request_id"]


def _accept(db_url: str, rid: str) -> None:
    store = ReportStore(db_url)
    try:
        ReportService(store).accept(int(rid), actor="moderator")
    finally:
        store.close()


def _ids(page: dict) -> set[str]:
    return {str(f["id"]) for f in page["features"]}


def _around(feature: dict, d: float = 0.0005) -> list[float]:
    lon, lat = feature["geometry"]["coordinates"]
    return [lon - d, lat - d, lon + d, lat + d]


def test_owslib_reads_landing_page_conformance_and_collections(live) -> None:
    base, _ = live
    api = Features(f"{base}/ogc")
    rels = {link["rel"] for link in api.links}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conforms = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conforms
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conforms
    assert set(api.feature_collections()) == {
        f"{city}-{part}" for city in (CITY, "heidelberg")
        for part in ("barriers", "elevators", "reports", "places")} | {PROCEEDINGS}
    x0, y0, x1, y1 = api.collection(PLACES)["extent"]["spatial"]["bbox"][0]
    assert x0 < 8.67 < x1 and y0 < 49.41 < y1  # Heidelberg's centre
    for cid in COLLECTIONS:
        col = api.collection(cid)
        assert col["id"] == cid and col["itemType"] == "feature"
        x0, y0, x1, y1 = col["extent"]["spatial"]["bbox"][0]
        assert 8.8 < x0 < x1 < 8.95 and 48.55 < y0 < y1 < 48.65
        assert any(link["rel"] == "items" for link in col["links"])


def test_owslib_reads_every_collection_with_bbox_limit_datetime_and_one_item(live) -> None:
    base, db_url = live
    published = _report(base, 48.5963, 8.8743, "Bauzaun auf dem Gehweg")
    pending = _report(base, 48.5965, 8.8745, "Noch nicht geprüft")
    _accept(db_url, published)
    api = Features(f"{base}/ogc")
    for cid in sorted(READ):
        everything = api.collection_items(cid, limit=10000)
        assert everything["type"] == "FeatureCollection"
        total = everything["numberMatched"]
        assert total == everything["numberReturned"] == len(everything["features"]) > 0, cid
        page = api.collection_items(cid, limit=2)
        assert page["numberReturned"] == len(page["features"]) == min(2, total)
        assert page["numberMatched"] == total
        assert (total > 2) == any(link["rel"] == "next" for link in page["links"])

        first = everything["features"][0]
        one = api.collection_item(cid, str(first["id"]))
        assert one["type"] == "Feature" and one["id"] == first["id"]
        assert one["geometry"] == first["geometry"]
        near = api.collection_items(cid, bbox=_around(first), limit=10000)
        assert first["id"] in {f["id"] for f in near["features"]}
        assert near["numberMatched"] <= total
        assert api.collection_items(cid, bbox=NOWHERE)["numberMatched"] == 0

        if cid == PLACES:  # places say who can go in, and when that was last checked
            assert {f["properties"]["wheelchair"] for f in everything["features"]} == {
                "yes", "limited", "no", "unknown"}
            assert all("last_checked" in f["properties"] for f in everything["features"])
        if cid.endswith("-barriers"):  # the extract keeps each object's timestamp
            assert all(f["properties"]["last_checked"] for f in everything["features"])
        # barriers, elevators and places carry no time: a valid datetime selects them all
        since = api.collection_items(cid, datetime_="2000-01-01T00:00:00Z/..", limit=10000)
        assert since["numberMatched"] == total
        old = api.collection_items(cid, datetime_=LONG_AGO, limit=10000)
        timed = cid.endswith("-reports") or cid == PROCEEDINGS
        assert old["numberMatched"] == (0 if timed else total)

    reports = api.collection_items(f"{CITY}-reports", limit=10000)
    assert _ids(reports) == {published}  # the pending report is not public
    with pytest.raises(RuntimeError, match="no feature"):
        api.collection_item(f"{CITY}-reports", pending)
    report = api.collection_item(f"{CITY}-reports", published)
    assert report["properties"]["service_code"] == "blocked-sidewalk"
    assert report["geometry"]["coordinates"] == [8.8743, 48.5963]
    requested = dt.datetime.fromisoformat(report["properties"]["requested_datetime"])
    minute = dt.timedelta(minutes=1)

    def at(t: dt.datetime) -> str:
        return t.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")

    def matched(value: str) -> set[str]:
        return _ids(api.collection_items(f"{CITY}-reports", datetime_=value, limit=10000))

    assert matched(at(requested)) == {published}
    assert matched(f"{at(requested - minute)}/{at(requested + minute)}") == {published}
    assert matched(f"../{at(requested - minute)}") == set()
    assert matched(f"{at(requested + dt.timedelta(days=1))}/..") == set()
    assert matched(requested.astimezone(dt.UTC).date().isoformat()) == {published}
    # the datetime filter is kept in the paging links
    page = api.collection_items(f"{CITY}-reports", datetime_=f"{at(requested - minute)}/..",
                                limit=1)
    assert all("datetime=" in link["href"] for link in page["links"] if link["rel"] == "self")


@pytest.mark.parametrize("value", [
    "yesterday", "2022-09-01T08:00:00", "../..", "/", "2022-09-02T00:00:00Z/2022-09-01T00:00:00Z",
    "2022-09-01T00:00:00Z/2022-09-02T00:00:00Z/2022-09-03T00:00:00Z", "2022-13-01",
])
def test_invalid_datetime_is_400_naming_the_field(live, value: str) -> None:
    base, _ = live
    for cid in sorted(READ):
        r = httpx.get(f"{base}/ogc/collections/{cid}/items", params={"datetime": value})
        assert r.status_code == 400, (cid, value, r.text)
        assert r.json()["detail"].startswith("datetime:")

