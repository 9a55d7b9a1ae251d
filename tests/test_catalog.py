"""The DCAT-AP.de catalogue parses as RDF, lists every dataset with a licence, passes SHACL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH

from stufenlos.api.app import create_app
from stufenlos.catalog import CatalogError, DatasetSpec, build_catalog, dataset_specs, serialize
from stufenlos.city import City
from stufenlos.config import discover_cities
from stufenlos.plan.explainers import EXPLAINERS

SHAPES = Path(__file__).parent / "data" / "dcat-ap-de"
#: the six DCAT-AP.de 3.0 shape files GovData combines for its "Spezifikation" profile
SHAPE_FILES = (
    "semic_dcat-ap-3.0.0-SHACL.ttl",
    "dcat-ap-SHACL-DE.ttl",
    "dcat-ap-de-deprecated.ttl",
    "dcat-ap-spec-german-additions.ttl",
    "dcat-ap-de-controlledvocabularies.ttl",
)
#: dcat-ap-de-imports.ttl only owl:imports remote vocabularies; those are unavailable
#: offline, so vocabulary-excerpt.ttl supplies the concepts we use
UNAVAILABLE = "dcat-ap-de-imports.ttl (remote EU/dcat-ap.de vocabularies)"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    g = Graph()
    for name in SHAPE_FILES:
        g.parse(SHAPES / name)
    return g


@pytest.fixture(scope="module")
def vocabulary() -> Graph:
    return Graph().parse(SHAPES / "vocabulary-excerpt.ttl")


def _violations(report: Graph) -> list[str]:
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) == SH.Violation:
            out.append(
                f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}: "
                f"{report.value(result, SH.resultMessage)}"
            )
    return out


def _all_cities() -> list[DatasetSpec]:
    return dataset_specs(cities=list(discover_cities().values()))


def test_catalogue_passes_dcat_ap_de_shacl(shapes: Graph, vocabulary: Graph) -> None:
    g = build_catalog("https://stufenlos.example.org/", specs=_all_cities())
    conforms, report, _ = validate(g + vocabulary, shacl_graph=shapes, allow_warnings=True)
    assert conforms, f"violations (shapes not loaded: {UNAVAILABLE}): {_violations(report)}"


def test_without_vocabularies_only_vocabulary_checks_fail(shapes: Graph) -> None:
    """Without the vocabulary excerpt, every violation is a controlled-vocabulary check."""
    g = build_catalog("https://stufenlos.example.org/", specs=_all_cities())
    _, report, _ = validate(g, shacl_graph=shapes, allow_warnings=True)
    problems = _violations(report)
    assert problems
    assert all("Vokabular" in p for p in problems), problems


def test_catalogue_lists_every_dataset_with_a_licence() -> None:
    catalogue = build_catalog("http://x.test/", specs=_all_cities())
    g = Graph().parse(data=serialize(catalogue, "turtle"), format="turtle")
    catalog = URIRef("http://x.test/catalog")
    datasets = set(g.objects(catalog, DCAT.dataset))
    keys = {str(g.value(d, DCTERMS.identifier)) for d in datasets}
    cities = discover_cities()
    expected = {f"{kind}-{c}" for c in cities for kind in ("network", "barriers", "elevators")}
    with_statistics = {
        n for n, c in cities.items() if c.inputs_of("areas") or c.inputs_of("population")
    }
    assert {"hamburg", "helsinki"} <= with_statistics
    expected |= {f"analysis-{c}" for c in with_statistics}
    expected |= {"reports", "action-plan"}
    # one dataset per OGC API Features input layer (Hamburg's Urban Data Platform)
    expected |= {f"{spec.options['layer'].replace('_', '-')}-{n}" for n, c in cities.items()
                 for spec in c.inputs_of("ogc-features")}
    assert {"disabled-parking-hamburg", "park-and-ride-hamburg"} <= expected
    assert keys == expected
    for d in datasets:
        assert g.value(d, DCTERMS.license) is not None, d
        dists = list(g.objects(d, DCAT.distribution))
        assert dists, d
        for dist in dists:
            assert g.value(dist, DCTERMS.license) is not None
            assert g.value(dist, DCAT.accessURL) is not None
    osm = g.value(URIRef("http://x.test/catalog/datasets/barriers-heidelberg"), DCTERMS.license)
    assert str(osm) == "http://dcat-ap.de/def/licenses/odbl"


def test_only_imported_cities_are_listed(
    imported_city: Callable[[str], City], city_base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported_city("herrenberg")
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(city_base))
    keys = {s.key for s in dataset_specs()}
    assert {"network-herrenberg", "barriers-herrenberg", "elevators-herrenberg"} <= keys
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(city_base / "nothing-here"))
    keys = {s.key for s in dataset_specs()}
    assert keys == {"reports", "action-plan"}


def test_every_dataset_has_an_explainer() -> None:
    for spec in _all_cities():
        assert spec.explainer in EXPLAINERS, spec.key


# rdflib's own JSON-LD parser still builds a ConjunctiveGraph internally
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_json_ld_and_turtle_describe_the_same_graph() -> None:
    g = build_catalog("http://x.test/")
    ttl = Graph().parse(data=serialize(g, "turtle"), format="turtle")
    jsonld = Graph().parse(data=serialize(g, "json-ld"), format="json-ld")
    assert len(ttl) == len(jsonld) == len(g)
    with pytest.raises(CatalogError, match="format"):
        serialize(g, "n3-ish")
    with pytest.raises(CatalogError, match="base URL"):
        build_catalog("ftp://x")


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path / "data"))
    with TestClient(create_app()) as c:
        yield c


def test_catalog_endpoints(client: TestClient) -> None:
    ttl = client.get("/catalog.ttl")
    assert ttl.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=ttl.text, format="turtle")
    base = str(client.base_url).rstrip("/")
    assert (URIRef(f"{base}/catalog"), RDF.type, DCAT.Catalog) in g
    plan = URIRef(f"{base}/catalog/datasets/action-plan")
    assert g.value(plan, DCTERMS.modified) is not None
    negotiated = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert negotiated.headers["content-type"].startswith("text/turtle")
    default = client.get("/catalog")
    assert default.headers["content-type"].startswith("application/ld+json")
    json.loads(default.text)
    assert client.get("/catalog.rdf").status_code == 200
    page = client.get("/catalog.html?lang=en")
    assert page.status_code == 200 and "Data catalogue" in page.text
