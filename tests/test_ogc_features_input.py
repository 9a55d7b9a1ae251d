"""OGC API – Features inputs: Hamburg's Urban Data Platform layers, from the saved
responses and from a real pygeoapi server, and bad servers that must stop the import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stufenlos.build import ImportSummary, import_city
from stufenlos.catalog import dataset_specs
from stufenlos.city import City
from stufenlos.cli import app
from stufenlos.config import CityConfig, InputSpec, find_city, write_city_config
from stufenlos.errors import CityConfigError, InputFileError
from stufenlos.ingest.ogc_features import (
    PLACE_COLUMNS,
    fetch_collection,
    places_from_ogc,
    read_ogc_inputs,
)
from tests._api_client import make_client
from tests._live import free_port, live_process
from tests._need import need

UDP = Path(__file__).resolve().parents[1] / "data" / "cities" / "hamburg" / "udp"
#: layer -> (bundled file, collection name on the test server)
LAYERS = {"disabled_parking": "disabled_parking.geojson",
          "park_and_ride": "park_and_ride.geojson",
          "car_parks": "garages_live.geojson"}


def _file(layer: str) -> dict:
    return json.loads((UDP / LAYERS[layer]).read_text())


@pytest.fixture(scope="module")
def hamburg(imported_city: Callable[[str], City]) -> City:
    return imported_city("hamburg")


# -- the saved responses ------------------------------------------------------------------


def test_saved_responses_become_places_as_the_files_say(hamburg: City) -> None:
    places = places_from_ogc(hamburg)
    assert tuple(places.columns) == PLACE_COLUMNS
    for layer in LAYERS:
        data = _file(layer)
        rows = places[places["layer"] == layer].reset_index(drop=True)
        assert list(rows["id"]) == [f"{layer}/{f['id']}" for f in data["features"]]
        assert [[a, b] for a, b in zip(rows["lon"], rows["lat"], strict=True)] == [
            f["geometry"]["coordinates"] for f in data["features"]]
        assert set(rows["last_checked"]) == {data["timeStamp"]}
        assert set(rows["licence"]) == {"dl-de/by-2-0"}
    dp = places[places["layer"] == "disabled_parking"]
    want = _file("disabled_parking")["features"]
    assert list(dp["name"]) == [f["properties"]["nahe_adresse"].strip() for f in want]
    assert list(dp["disabled_spaces"]) == [int(f["properties"]["anzahl"]) for f in want]
    pr = places[places["layer"] == "park_and_ride"]
    want = _file("park_and_ride")["features"]
    assert list(pr["wheelchair"]) == [
        {"ja": "yes", "nein": "no"}[f["properties"]["barrierefrei"]] for f in want]
    assert list(pr["disabled_spaces"]) == [
        int(f["properties"]["stellplaetze_behinderte_gesamt"]) for f in want]
    assert (pr["wheelchair"] == "yes").sum() == 2  # README: barrierefrei ja 2 / nein 8
    cp = places[places["layer"] == "car_parks"]
    assert cp["disabled_spaces"].isna().sum() == 1  # README: one car park says nothing


def test_the_summary_says_a_saved_response_is_a_sample(hamburg: City) -> None:
    summary = ImportSummary.read(hamburg.folder)
    layers = {x["layer"]: x for x in summary.ogc_layers}
    # README: 10 of 901 disabled parking places, 10 of 33 P+R, 10 of 45 car parks
    assert [(layers[k]["features"], layers[k]["number_matched"]) for k in LAYERS] == [
        (10, 901), (10, 33), (10, 45)]
    assert all(x["sample"] for x in layers.values())
    assert "a saved sample: 10 of 901 matched" in summary.to_text()


def test_disabled_parking_is_a_destination_counted_in_spaces(hamburg: City) -> None:
    from stufenlos.analysis.access import prepare
    from stufenlos.analysis.engine import snap_destinations

    setup = prepare(hamburg, categories=["disabled_parking"])
    dest = setup.destinations
    places = places_from_ogc(hamburg)
    # one destination per disabled space, in every layer that counts them
    assert len(dest) == int(places["disabled_spaces"].fillna(0).sum())
    assert setup.categories["disabled_parking"].label == "disabled parking spaces"
    snapped = snap_destinations(setup.snapper, dest, ["disabled_parking"])
    assert 0 < snapped.starts[-1] < len(dest)  # Jungfernstieg's, not all of Hamburg's
    # a city without the input has no such category
    assert not (prepare_names(find_city("herrenberg")) & {"disabled_parking"})


def prepare_names(config: CityConfig) -> set[str]:
    from stufenlos.analysis.destinations import read_destinations

    return set(read_destinations(config)["category"])


# -- served: OGC API Features and the catalogue -------------------------------------------


@pytest.fixture(scope="module")
def client(imported_city: Callable[[str], City], city_base: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("ogc-udp"))


def test_ogc_api_offers_the_udp_layers_with_their_licence(client, hamburg: City) -> None:
    cols = {c["id"]: c for c in client.get("/ogc/collections").json()["collections"]}
    assert {"hamburg-disabled-parking", "hamburg-park-and-ride", "hamburg-car-parks"} <= set(cols)
    col = cols["hamburg-disabled-parking"]
    assert "10 of 901" in col["description"]
    assert any(link["rel"] == "license" and "dl-de/by-2-0" in link["title"]
               and "Urban Data Platform" in link["title"] for link in col["links"])
    page = client.get("/ogc/collections/hamburg-park-and-ride/items", params={"limit": 4}).json()
    assert page["numberMatched"] == 10 and page["numberReturned"] == 4
    assert any(link["rel"] == "next" for link in page["links"])
    want = _file("park_and_ride")["features"][0]
    got = page["features"][0]
    assert got["geometry"]["coordinates"] == want["geometry"]["coordinates"]
    assert got["properties"]["name"] == want["properties"]["name"]
    assert got["properties"]["wheelchair"] == "no"
    assert got["properties"]["disabled_spaces"] == 3
    one = client.get(f"/ogc/collections/hamburg-park-and-ride/items/{got['id']}")
    assert one.status_code == 200 and one.json()["id"] == got["id"]
    assert client.get("/ogc/collections/hamburg-park-and-ride/items/nope").status_code == 404
    lon, lat = want["geometry"]["coordinates"]
    near = client.get("/ogc/collections/hamburg-park-and-ride/items",
                      params={"bbox": f"{lon - 1e-4},{lat - 1e-4},{lon + 1e-4},{lat + 1e-4}"})
    assert [f["id"] for f in near.json()["features"]] == [f"park_and_ride/{want['id']}"]
    # a city without such inputs offers no such collection
    assert not any(c.startswith("herrenberg-") and c.endswith("parking") for c in cols)


def test_catalogue_lists_the_layers_under_the_sources_licence(
        hamburg: City, city_base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(city_base))
    specs = {s.key: s for s in dataset_specs(cities=[hamburg.config])}
    spec = specs["disabled-parking-hamburg"]
    assert spec.licence == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    assert spec.attribution == "Freie und Hansestadt Hamburg, Urban Data Platform"
    assert "A sample: 10 of 901 features" in spec.description["en"]
    assert spec.distributions[0].path == "ogc/collections/hamburg-disabled-parking/items"


# -- a real OGC API server: pygeoapi serving the bundled files ----------------------------


@pytest.fixture(scope="module")
def pygeoapi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """pygeoapi on a free port, three features a page, serving the bundled features."""
    try:
        import pygeoapi  # noqa: F401
        import yaml
    except ImportError:
        need(False, "pygeoapi is not installed (pip install -e .[test])")
    work = tmp_path_factory.mktemp("pygeoapi")
    port = free_port()
    resources = {}
    for layer, name in LAYERS.items():
        # the features only: the saved top level links to the live platform's next page
        (work / name).write_text(json.dumps({"type": "FeatureCollection",
                                             "features": _file(layer)["features"]}))
        resources[layer] = {
            "type": "collection", "title": layer, "description": layer, "keywords": [layer],
            "extents": {"spatial": {"bbox": [-180, -90, 180, 90],
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{"type": "feature", "name": "GeoJSON", "data": str(work / name),
                           "id_field": "id"}]}
    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": port},
                   "url": f"http://127.0.0.1:{port}", "mimetype": "application/json",
                   "encoding": "utf-8", "languages": ["en-US"],
                   "limits": {"default_items": 3, "max_items": 3},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                           "attribution": "OpenStreetMap"}},
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "UDP test", "description": "bundled UDP responses",
                               "keywords": ["udp"], "keywords_type": "theme",
                               "terms_of_service": "https://www.govdata.de/dl-de/by-2-0",
                               "url": "https://api.hamburg.de"},
            "license": {"name": "dl-de/by-2-0", "url": "https://www.govdata.de/dl-de/by-2-0"},
            "provider": {"name": "Freie und Hansestadt Hamburg", "url": "https://hamburg.de"},
            "contact": {"name": "none"}},
        "resources": resources,
    }
    cfg, oas = work / "pygeoapi.yml", work / "openapi.yml"
    cfg.write_text(yaml.safe_dump(config))
    env = {"PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(oas)}
    subprocess.run([str(Path(sys.executable).parent / "pygeoapi"), "openapi", "generate",
                    str(cfg), "--output-file", str(oas)], check=True,
                   env=os.environ | env, capture_output=True)
    with live_process([sys.executable, "-m", "uvicorn", "pygeoapi.starlette_app:APP",
                       "--host", "127.0.0.1", "--port", str(port)], port,
                      work / "server.log", env=env, health="/conformance"):
        yield f"http://127.0.0.1:{port}"


def _hamburg_with(tmp: Path, urls: dict[str, str] | None = None, *,
                  name: str = "udpcity") -> CityConfig:
    """Hamburg's config as a city of its own, the OGC layers read from ``urls``."""
    cfg = find_city("hamburg")
    inputs = []
    for spec in cfg.inputs:
        data = spec.model_dump(exclude_none=True)
        if spec.path is not None:
            data["path"] = str(cfg.resolve(spec.path))
        if spec.kind == "ogc-features" and urls and spec.options["layer"] in urls:
            data.pop("path")
            data["url"] = urls[spec.options["layer"]]
        inputs.append(InputSpec.model_validate(data))
    new = cfg.model_copy(update={"name": name, "inputs": inputs})
    folder = tmp / "cities" / name
    write_city_config(new, folder)
    new.folder = folder
    return new


def test_import_pages_through_pygeoapi_as_owslib_reads_it(
        pygeoapi_server: str, hamburg: City, tmp_path: Path) -> None:
    from owslib.ogcapi.features import Features

    api = Features(pygeoapi_server)
    urls = {layer: f"{pygeoapi_server}/collections/{layer}" for layer in LAYERS}
    cfg = _hamburg_with(tmp_path, urls)
    summary = import_city(cfg, base=tmp_path / "data")
    got = places_from_ogc(load_city_from(cfg, tmp_path / "data"))
    saved = places_from_ogc(hamburg)
    layers = {x["layer"]: x for x in summary.ogc_layers}
    for layer in LAYERS:
        items = api.collection_items(layer, limit=100)  # pygeoapi caps it at 3 a page
        assert items["numberMatched"] == len(_file(layer)["features"]) == 10
        assert layers[layer]["pages"] == 4 and layers[layer]["features"] == 10
        assert not layers[layer]["sample"]
    cols = [c for c in PLACE_COLUMNS if c != "last_checked"]
    assert got[cols].equals(saved[cols])  # the same features, over the wire or saved


def load_city_from(cfg: CityConfig, base: Path) -> City:
    return City(config=cfg, folder=base / cfg.name)


# -- bad servers ----------------------------------------------------------------------------


class _Bad(BaseHTTPRequestHandler):
    """Serves what real servers get wrong, one path each."""

    def do_GET(self) -> None:
        good = json.dumps({"type": "FeatureCollection", "features": _file(
            "disabled_parking")["features"][:2]})
        port = self.server.server_address[1]
        path = self.path.split("?")[0]
        body, status, media = good, 200, "application/geo+json"
        if path.startswith("/html/"):
            body, media = "<html><body>Wartungsarbeiten</body></html>", "text/html"
        elif path.startswith("/broken/"):
            body = good[:-40]
        elif path.startswith("/nogeom/"):
            data = json.loads(good)
            data["features"][1]["geometry"] = None
            body = json.dumps(data)
        elif path.startswith("/badgeom/"):
            data = json.loads(good)
            data["features"][1]["geometry"] = {"type": "Point", "coordinates": ["x"]}
            body = json.dumps(data)
        elif path.startswith("/notfc/"):
            body = json.dumps({"type": "Feature", "geometry": None, "properties": {}})
        elif path.startswith("/status/"):
            body, status, media = '{"detail": "down"}', 503, "application/json"
        elif path.startswith("/loop/"):
            data = json.loads(good)
            page = 2 if "page=1" in self.path else 1  # page 1 -> page 2 -> page 1
            data["links"] = [{"rel": "next", "type": "application/geo+json",
                              "href": f"http://127.0.0.1:{port}/loop/collections/x/items"
                                      f"?page={page}"}]
            body = json.dumps(data)
        raw = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def bad_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bad)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("kind", "message"), [
    ("html", "/html/collections/x/items?limit=500&f=json: expected GeoJSON, got text/html"),
    ("broken", "/broken/collections/x/items?limit=500&f=json: expected GeoJSON, not JSON"),
    ("nogeom", "(feature 1): geometry is missing"),
    ("badgeom", "(feature 1): invalid geometry"),
    ("notfc", "expected a GeoJSON FeatureCollection, got 'Feature'"),
    ("status", "/status/collections/x/items?limit=500&f=json: HTTP 503"),
    ("loop", "/loop/collections/x/items?page=1: paging loop"),
])
def test_bad_responses_name_the_url(bad_server: str, kind: str, message: str) -> None:
    with pytest.raises(InputFileError) as err:
        fetch_collection(f"{bad_server}/{kind}/collections/x")
    assert message in str(err.value)
    assert str(err.value).startswith(bad_server)


def test_page_cap_and_good_pages(bad_server: str) -> None:
    got = fetch_collection(f"{bad_server}/good/collections/x")
    assert len(got.features) == 2 and got.pages == 1
    with pytest.raises(InputFileError, match="more than 1 pages"):
        fetch_collection(f"{bad_server}/loop/collections/x", max_pages=1)


def test_a_bad_server_stops_the_import_and_the_previous_one_stays(
        bad_server: str, tmp_path: Path) -> None:
    base = tmp_path / "data"
    good = _hamburg_with(tmp_path)
    import_city(good, base=base)
    before = (base / good.name / "summary.json").read_bytes()
    target = (base / good.name).resolve()
    bad = _hamburg_with(tmp_path, {"park_and_ride": f"{bad_server}/html/collections/p_und_r"})
    env = {"STUFENLOS_CITIES_DIR": str(tmp_path / "cities"), "STUFENLOS_DATA_DIR": str(base)}
    result = CliRunner().invoke(app, ["import", bad.name], env=env)
    assert result.exit_code == 2, result.output
    assert f"{bad_server}/html/collections/p_und_r/items" in result.output
    assert "expected GeoJSON, got text/html" in result.output
    assert (base / good.name).resolve() == target
    assert (base / good.name / "summary.json").read_bytes() == before
    # nothing half-written is left beside the city: only the build it points at
    assert [p for p in base.iterdir() if p.name.startswith(f".{good.name}.")] == [target]
    assert len(places_from_ogc(load_city_from(good, base))) == 30


def test_config_errors_name_the_file_and_field(tmp_path: Path) -> None:
    cfg = _hamburg_with(tmp_path)
    spec = cfg.inputs_of("ogc-features")[0]
    for change, field in (({"source": "nobody"}, "source"), ({"layer": "Bad Name"}, "layer"),
                          ({"colour": "red"}, "colour"), ({"layer": "park_and_ride"}, "layer")):
        bad = InputSpec.model_validate({**spec.model_dump(exclude_none=True), **change})
        inputs = [bad if s is spec else s for s in cfg.inputs]
        with pytest.raises(CityConfigError, match=rf"city\.toml: inputs\[\d+\]\.{field}"):
            read_ogc_inputs(cfg.model_copy(update={"inputs": inputs}))
    with pytest.raises(ValueError, match="either `path` or `url`"):
        InputSpec.model_validate({"kind": "ogc-features", "path": "a", "url": "http://x"})
    with pytest.raises(ValueError, match="`url` is only for inputs of kind ogc-features"):
        InputSpec.model_validate({"kind": "osm", "url": "http://x"})
