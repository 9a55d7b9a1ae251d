"""Search that tells places apart: kinds in words, districts, addresses, outside the area.

Checked on the bundled real cities against independent references: Hamburg's
Stadtteile polygons read straight from the GeoJSON file, and the ``addr:*``
objects of Helsinki's OSM file counted with a plain pyosmium handler.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import osmium
import pytest
import shapely
from fastapi.testclient import TestClient

from stufenlos.api import views
from stufenlos.ingest.basemap import read_basemap
from stufenlos.places import Place, PlaceIndex, kind_word, place_label
from tests._api_client import make_client

REPO = Path(__file__).resolve().parents[1]
STADTTEILE = REPO / "data/cities/hamburg/hamburg_stadtteile_statistik_4326.geojson"
HELSINKI_PBF = REPO / "data/cities/helsinki/Helsinki.osm.pbf"


@pytest.fixture(scope="module")
def hamburg(imported_city):
    return views.place_index(imported_city("hamburg"))


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("places"),
                           cities=("hamburg", "helsinki"))


def _district_of(lon: float, lat: float) -> str | None:
    """The Stadtteil containing the point, read from the source file itself."""
    data = json.loads(STADTTEILE.read_text(encoding="utf-8"))
    for feat in data["features"]:
        if shapely.geometry.shape(feat["geometry"]).contains(shapely.Point(lon, lat)):
            return str(feat["properties"]["Name"])
    return None


def test_equal_names_get_distinct_labels_with_kind_and_district(hamburg: PlaceIndex) -> None:
    found = [p for p in hamburg.search("Jungfernstieg") if p.name == "Jungfernstieg"]
    assert {p.kind for p in found} == {"street", "station"}
    labels = {place_label(p) for p in found}
    assert len(labels) == 2
    for p in found:
        assert p.district == _district_of(p.lon, p.lat) is not None
        assert place_label(p) == f"Jungfernstieg — {kind_word(p.kind)}, {p.district}"
    assert {place_label(p, "en").split(" — ")[1].split(",")[0] for p in found} == {
        "street", "station"}
    # the label, sent back as a query (as the planner's suggestions do), finds that one place
    for p in found:
        assert hamburg.search(place_label(p), limit=1) == [p]
        assert hamburg.search(place_label(p, "en"), limit=1) == [p]


def test_districts_are_searchable_and_outside_ones_come_last(
        hamburg: PlaceIndex, imported_city) -> None:
    neustadt = hamburg.search("Neustadt", limit=1)[0]
    assert (neustadt.name, neustadt.kind) == ("Neustadt", "district")
    found = hamburg.search("neu", limit=20)
    flags = [p.outside for p in found]
    assert flags == sorted(flags) and True in flags and False in flags
    # an outside place lies away from every node of the network (the hull's margin is ~100 m)
    ll = imported_city("hamburg").network.node_lonlat
    for p in found:
        near = float(np.min(np.hypot((ll[:, 0] - p.lon) * np.cos(np.radians(p.lat)),
                                     ll[:, 1] - p.lat))) * 111_320
        if p.outside:
            assert near > 60, p
            assert place_label(p).endswith(" (außerhalb des Gebiets)")
            assert place_label(p, "en").endswith(" (outside the area)")
        elif p.kind == "street":
            assert near < 60, p


def test_addresses_are_the_addr_objects_of_the_osm_file() -> None:
    counts = {"node": 0, "closed_way": 0, "relation": 0}

    class Count(osmium.SimpleHandler):  # type: ignore[misc]
        def node(self, n) -> None:
            if "addr:street" in n.tags and "addr:housenumber" in n.tags:
                counts["node"] += 1

        def way(self, w) -> None:
            if ("addr:street" in w.tags and "addr:housenumber" in w.tags and w.is_closed()
                    and all(n.location.valid() for n in w.nodes)):
                counts["closed_way"] += 1

        def relation(self, r) -> None:
            if "addr:street" in r.tags and "addr:housenumber" in r.tags \
                    and r.tags.get("type") == "multipolygon":
                counts["relation"] += 1

    Count().apply_file(str(HELSINKI_PBF), locations=True)
    base = read_basemap([HELSINKI_PBF])
    addresses = base[base["layer"] == "address"]
    from_points = int((shapely.get_type_id(shapely.from_wkb(addresses["geometry"])) == 0).sum())
    assert from_points == len(addresses)  # areas give a point inside them
    lower = counts["node"] + counts["closed_way"]
    assert lower > 1000
    assert lower <= len(addresses) <= lower + counts["relation"]


def test_address_search_through_the_api(client: TestClient) -> None:
    found = client.get("/api/cities/helsinki/places",
                       params={"q": "Mannerheimintie 5", "lang": "en"}).json()
    assert found[0]["name"] == "Mannerheimintie 5"
    assert found[0]["kind"] == "address"
    assert found[0]["label"] == "Mannerheimintie 5 — address, 00100"
    # the street itself before its barriers (a bad surface named after it)
    first = client.get("/api/cities/helsinki/places", params={"q": "Mannerheimintie"}).json()[0]
    assert (first["kind"], first["label"]) == ("street", "Mannerheimintie — Straße")
    assert client.get("/api/cities/helsinki/places",
                      params={"q": "x", "lang": "fr"}).status_code == 422


def _raw_pharmacies() -> dict[str, tuple[str, str | None]]:
    """``id -> (name, wheelchair tag)`` of Helsinki's named pharmacies, read from the file."""
    found: dict[str, tuple[str, str | None]] = {}

    class Read(osmium.SimpleHandler):  # type: ignore[misc]
        def node(self, n) -> None:
            self.take(f"node/{n.id}", n.tags)

        def way(self, w) -> None:
            self.take(f"way/{w.id}", w.tags)

        def take(self, ref: str, tags) -> None:
            if "name" in tags and "pharmacy" in (tags.get("amenity"), tags.get("healthcare")):
                found[ref] = (tags["name"], tags.get("wheelchair"))

    Read().apply_file(str(HELSINKI_PBF))
    return found


def test_places_one_can_enter_are_found_with_their_access(client: TestClient) -> None:
    raw = _raw_pharmacies()
    words = {"yes": "rollstuhlgerecht", "designated": "rollstuhlgerecht",
             "limited": "teilweise rollstuhlgerecht", "no": "nicht rollstuhlgerecht"}
    found = client.get("/api/cities/helsinki/places", params={"q": "apteekki", "limit": 50}).json()
    pharmacies = [p for p in found if p["kind"] == "pharmacy"]
    assert len(pharmacies) >= 3
    for p in pharmacies:
        name, tag = raw[p["place_id"]]  # the venue's OSM object
        assert p["name"] == name and p["kind_label"] == "Apotheke"
        assert p["label"].startswith(f"{name} — Apotheke, {words.get(tag, 'Zugang unbekannt')}")
        assert p["access"] == {"designated": "yes"}.get(tag, tag or "unknown")
    assert {p["access"] for p in pharmacies} >= {"yes", "unknown"}
    # one result per pharmacy: the basemap's point of the same object is not listed again
    names = [p["name"] for p in found]
    assert all(names.count(p["name"]) == 1 for p in pharmacies if
               sum(n == p["name"] for n, _ in raw.values()) == 1)
    # the English label, sent back as a query, finds that one place
    one = pharmacies[0]
    en = client.get("/api/cities/helsinki/places",
                    params={"q": one["label"], "lang": "en", "limit": 1}).json()[0]
    assert en["place_id"] == one["place_id"] and ", pharmacy, " not in en["label"]
    assert en["label"].startswith(f"{one['name']} — pharmacy, ")
    # the id is what a route's to_place takes
    assert client.get(f"/api/cities/helsinki/venues/{one['place_id']}").json()["name"] == \
        one["name"]


def test_open_data_places_are_found_by_name_and_kind(client: TestClient) -> None:
    udp = json.loads((REPO / "data/cities/hamburg/udp/park_and_ride.geojson").read_text())
    accessible = [f for f in udp["features"] if f["properties"]["barrierefrei"] == "ja"]
    f = accessible[0]
    found = client.get("/api/cities/hamburg/places",
                       params={"q": f["properties"]["name"], "limit": 5}).json()
    hit = next(p for p in found if p["place_id"] == f"ogc/park_and_ride/{f['id']}")
    assert hit["label"].startswith(
        f"{f['properties']['name']} — Park-and-Ride-Anlage, rollstuhlgerecht")
    assert not any(p["place_id"] is None and p["kind"] == "park_and_ride" for p in found)


def test_labels_without_district_or_postcode() -> None:
    assert place_label(Place("Markt", "bus_stop", 0.0, 0.0), "ls") == "Markt — Bus-Haltestelle"
    assert place_label(Place("Markt", "steps", 0.0, 0.0), "en") == "Markt — steps"
    assert place_label(Place("Markt", "fish_market", 0.0, 0.0)) == "Markt — Ort"
    assert place_label(Place("1.000000, 2.000000", "coordinates", 1.0, 2.0)) == \
        "1.000000, 2.000000"
