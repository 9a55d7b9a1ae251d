"""The offline basemap: water, buildings, green and places read at import, cut into tiles.

The tiles of real Helsinki are checked against the OSM file read independently
with a plain pyosmium handler (the ponds of Kaisaniemi, every complete building).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import mapbox_vector_tile
import osmium
import pytest
import shapely
from fastapi.testclient import TestClient

from stufenlos.ingest.basemap import BASEMAP_FILE, read_basemap
from stufenlos.tiles import EXTENT, tile_bounds
from tests._api_client import make_client

REPO = Path(__file__).resolve().parents[1]
HELSINKI_PBF = REPO / "data/cities/helsinki/Helsinki.osm.pbf"
#: a natural=water way of the Helsinki extract (a pond by the railway station)
POND = 58023636
Z = 17


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("basemap"),
                           cities=("hamburg", "helsinki"))


@pytest.fixture(scope="module")
def osm_areas() -> dict[str, list[tuple[int, shapely.Polygon]]]:
    """Closed ways of the Helsinki file with all their nodes: water and buildings."""
    found: dict[str, list[tuple[int, shapely.Polygon]]] = {"water": [], "building": []}

    class Ways(osmium.SimpleHandler):  # type: ignore[misc]
        def way(self, w) -> None:
            kind = ("water" if w.tags.get("natural") == "water" else
                    "building" if "building" in w.tags else None)
            if kind and w.is_closed() and all(n.location.valid() for n in w.nodes):
                found[kind].append((w.id, shapely.Polygon([(n.lon, n.lat) for n in w.nodes])))

    Ways().apply_file(str(HELSINKI_PBF), locations=True)
    return found


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    return (int((lon + 180) / 360 * n),
            int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))


def _to_tile(lon: float, lat: float, z: int, x: int, y: int) -> tuple[float, float]:
    """Tile coordinates (0..EXTENT, y up) of a point, as the tiles are encoded."""
    r = 6378137.0
    mx = math.radians(lon) * r
    my = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * r
    x0, y0, x1, _ = tile_bounds(z, x, y)
    return (mx - x0) / (x1 - x0) * EXTENT, (my - y0) / (x1 - x0) * EXTENT


def _shapes(layer: dict) -> list:
    return [shapely.geometry.shape(f["geometry"]) for f in layer["features"]]


def test_a_tile_holds_the_water_and_buildings_of_the_osm_file(client: TestClient,
                                                               osm_areas) -> None:
    pond = dict(osm_areas["water"])[POND]
    spot = pond.representative_point()
    x, y = _tile_of(spot.x, spot.y, Z)
    r = client.get(f"/tiles/helsinki/{Z}/{x}/{y}.pbf")
    assert r.status_code == 200
    layers = mapbox_vector_tile.decode(r.content)
    inside = shapely.Point(_to_tile(spot.x, spot.y, Z, x, y))
    assert any(g.buffer(2).contains(inside) for g in _shapes(layers["water"]))
    # every complete building way whose centre is in the tile is drawn there
    x0, y0, x1, y1 = (*_tile_lonlat(Z, x, y + 1), *_tile_lonlat(Z, x + 1, y))
    box = shapely.box(x0, y0, x1, y1)
    expected = [p for _, p in osm_areas["building"] if box.contains(p.centroid)]
    assert expected, "the tile holds buildings"
    drawn = _shapes(layers["buildings"])
    for p in expected:
        c = shapely.Point(_to_tile(p.centroid.x, p.centroid.y, Z, x, y))
        assert any(g.buffer(2).contains(c) for g in drawn)
    # the ways keep their names for the street labels
    assert any("name" in f["properties"] for f in layers["ways"]["features"])


def _tile_lonlat(z: int, x: int, y: int) -> tuple[float, float]:
    """Longitude and latitude of tile corner ``x, y`` (north-west corner of that tile)."""
    n = 1 << z
    return x / n * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def test_the_import_stores_the_basemap_and_serve_reads_that_file(imported_city) -> None:
    city = imported_city("helsinki")
    stored = (city.folder / BASEMAP_FILE)
    assert stored.exists()
    import pandas as pd

    frame = pd.read_parquet(stored)
    assert frame.equals(read_basemap([HELSINKI_PBF]))
    assert set(frame["layer"]) >= {"water", "waterway", "building", "green", "poi", "address"}
    # Hamburg's input is an Overpass export of walkable ways and barriers only: no basemap
    assert pd.read_parquet(imported_city("hamburg").folder / BASEMAP_FILE).empty


def test_overpass_geojson_properties_are_read(tmp_path: Path) -> None:
    """A synthetic Overpass-style export (made up here) with one feature per layer."""
    square = [[[9.99, 53.55], [9.991, 53.55], [9.991, 53.551], [9.99, 53.551], [9.99, 53.55]]]
    feats = [
        ({"@id": "way/1", "natural": "water", "name": "Teich"}, "Polygon", square),
        ({"@id": "way/2", "building": "yes", "addr:street": "Weg", "addr:housenumber": "3",
          "addr:postcode": "20354"}, "Polygon", square),
        ({"@id": "way/3", "leisure": "park"}, "Polygon", square),
        ({"@id": "way/4", "waterway": "river"}, "LineString", [[9.99, 53.55], [9.992, 53.55]]),
        ({"@id": "node/5", "amenity": "pharmacy", "name": "Apotheke am Weg"}, "Point",
         [9.99, 53.55]),
        ({"@id": "way/6", "highway": "footway"}, "LineString", [[9.99, 53.55], [9.992, 53.55]]),
    ]
    path = tmp_path / "export.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": {"type": t, "coordinates": c}}
        for p, t, c in feats]}))
    frame = read_basemap([path])
    got = sorted(zip(frame["layer"], frame["kind"], frame["name"].fillna(""), strict=True))
    assert got == [("address", "address", "Weg 3"), ("building", "yes", ""),
                   ("green", "park", ""), ("poi", "pharmacy", "Apotheke am Weg"),
                   ("water", "water", "Teich"), ("waterway", "river", "")]
    assert frame.loc[frame["layer"] == "address", "postcode"].tolist() == ["20354"]
    point = shapely.from_wkb(frame.loc[frame["layer"] == "address", "geometry"].iloc[0])
    assert shapely.Polygon(square[0]).contains(point)
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                   '"properties": {"building": "yes"}, "geometry": {"type": "Polygon", '
                   '"coordinates": 5}}]}')
    with pytest.raises(ValueError, match=r"bad.geojson \(feature 0\)"):
        read_basemap([bad])


def test_the_style_draws_the_basemap_and_street_names_offline(client: TestClient) -> None:
    style = client.get("/tiles/helsinki/style.json").json()
    ids = [layer["id"] for layer in style["layers"]]
    assert ids.index("water") < ids.index("ways-road") < ids.index("street-names")
    names = style["layers"][ids.index("street-names")]
    assert names["layout"]["text-field"] == ["get", "name"]
    assert names["layout"]["symbol-placement"] == "line"
    # no glyph server: MapLibre draws the letters with the browser's own font
    assert "glyphs" not in style
    assert all("http" not in json.dumps(layer) for layer in style["layers"])
