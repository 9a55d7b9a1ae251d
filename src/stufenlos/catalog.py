"""A DCAT-AP.de 3.0 catalogue of everything stufenlos publishes.

:func:`dataset_specs` lists the datasets (per imported city: pedestrian
network and barriers; platform-wide: elevator status, reports, accessibility
analyses and the action plan) with licence, formats and where they are served.
:func:`build_catalog` turns them into an :mod:`rdflib` graph that
:func:`serialize` writes as JSON-LD or Turtle, the two forms CKAN's DCAT
harvester reads. The tests validate the graph with pySHACL against the
DCAT-AP.de 3.0 shapes.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Final

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from stufenlos.config import CityConfig
from stufenlos.errors import StufenlosError
from stufenlos.settings import get_settings

__all__ = [
    "FORMATS",
    "LICENCES",
    "CatalogError",
    "DatasetSpec",
    "DistributionSpec",
    "build_catalog",
    "dataset_specs",
    "imported_cities",
    "serialize",
]

logger = logging.getLogger(__name__)

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
DCATAP = Namespace("http://data.europa.eu/r5r/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
ADMS_PUBLISHER = Namespace("http://purl.org/adms/publishertype/")

#: licence names used in city configs -> DCAT-AP.de licence URIs
LICENCES: Final = {
    "ODbL-1.0": "http://dcat-ap.de/def/licenses/odbl",
    "dl-de/by-2-0": "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
    "dl-de/zero-2-0": "http://dcat-ap.de/def/licenses/dl-zero-de/2.0",
    "CC-BY-4.0": "http://dcat-ap.de/def/licenses/cc-by/4.0",
    "CC0-1.0": "http://dcat-ap.de/def/licenses/cc-zero",
}
#: our format keys -> (EU file-type code, IANA media type)
FORMATS: Final = {
    "geojson": ("GEOJSON", "application/geo+json"),
    "csv": ("CSV", "text/csv"),
    "json": ("JSON", "application/json"),
    "zip": ("ZIP", "application/zip"),
    "atom": ("ATOM", "application/atom+xml"),
    "html": ("HTML", "text/html"),
    "xml": ("XML", "application/xml"),
}
_THEMES = {
    "TRAN": "transport",
    "REGI": "regions and cities",
    "SOCI": "population and society",
    "GOVE": "government and public sector",
}
#: Hamburg's state key (Länderschlüssel 02) in DCAT-AP.de political geocoding
HAMBURG_STATE = "http://dcat-ap.de/def/politicalGeocoding/stateKey/02"
STATE_LEVEL = "http://dcat-ap.de/def/politicalGeocoding/Level/state"


class CatalogError(StufenlosError, ValueError):
    """The catalogue cannot be built or written (unknown format, bad base URL)."""


@dataclass(frozen=True)
class DistributionSpec:
    """One way to get a dataset: a path under the base URL and a format key."""

    path: str
    fmt: str
    title: dict[str, str]
    download: bool = True


@dataclass(frozen=True)
class DatasetSpec:
    """One published dataset; ``explainer`` names its plain-language explainer."""

    key: str
    explainer: str
    title: dict[str, str]
    description: dict[str, str]
    licence: str
    themes: tuple[str, ...]
    keywords: tuple[str, ...]
    distributions: tuple[DistributionSpec, ...]
    attribution: str | None = None
    centroid: tuple[float, float] | None = None  # lat, lon
    state_key: str | None = None
    temporal: tuple[dt.date, dt.date | None] | None = None
    modified: dt.datetime | None = None
    landing_page: str | None = None
    extra_licences: tuple[str, ...] = field(default=())


def _licence_uri(name: str) -> str:
    try:
        return LICENCES[name]
    except KeyError:
        msg = f"licence {name!r} has no DCAT-AP.de URI; known: {', '.join(LICENCES)}"
        raise CatalogError(msg) from None


def imported_cities() -> list[CityConfig]:
    """Configured cities that are imported under the data folder (and so are served)."""
    from stufenlos.city import city_folder
    from stufenlos.config import discover_cities

    return [
        cfg
        for name, cfg in sorted(discover_cities().items())
        if (city_folder(name) / "network" / "edges.parquet").exists()
    ]


def _city_specs(cities: list[CityConfig]) -> list[DatasetSpec]:
    specs = []
    for cfg in cities:
        name = cfg.name
        osm = [s for s in cfg.sources if s.licence == "ODbL-1.0"]
        licence = "ODbL-1.0" if osm else (cfg.sources[0].licence if cfg.sources else "ODbL-1.0")
        attribution = "; ".join(s.attribution for s in cfg.sources) or None
        state = HAMBURG_STATE if name == "hamburg" else None
        common = {
            "licence": _licence_uri(licence),
            "attribution": attribution,
            "centroid": cfg.center,
            "state_key": state,
        }
        ogc = f"ogc/collections/{name}"
        specs.append(
            DatasetSpec(
                key=f"network-{name}",
                explainer="network",
                title={"de": f"Fußwegenetz {cfg.title}", "en": f"Pedestrian network {cfg.title}"},
                description={
                    "de": f"Gehwege, Treppen, Übergänge und Aufzüge in {cfg.title} mit Breite, "
                    "Belag, Steigung und Bordsteinen, abgeleitet aus OpenStreetMap.",
                    "en": f"Footways, stairs, crossings and elevators in {cfg.title} with width, "
                    "surface, incline and kerbs, derived from OpenStreetMap.",
                },
                themes=("TRAN", "REGI"),
                keywords=("Barrierefreiheit", "Fußverkehr", "accessibility", "OpenStreetMap"),
                distributions=(
                    DistributionSpec(
                        f"api/cities/{name}",
                        "json",
                        {"de": "Stadt und Netz (JSON)", "en": "City and network (JSON)"},
                        download=False,
                    ),
                ),
                landing_page=f"planner?city={name}",
                **common,
            )
        )
        specs.append(
            DatasetSpec(
                key=f"barriers-{name}",
                explainer="barriers",
                title={"de": f"Barrieren {cfg.title}", "en": f"Barriers {cfg.title}"},
                description={
                    "de": f"Stufen, hohe Bordsteine, Steigungen, Engstellen, Aufzüge und Rampen "
                    f"in {cfg.title}, mit Quelle und Alter.",
                    "en": f"Steps, high kerbs, inclines, narrow passages, elevators and ramps in "
                    f"{cfg.title}, with source and age.",
                },
                themes=("TRAN", "REGI"),
                keywords=("Barrieren", "Barrierefreiheit", "barriers", "accessibility"),
                distributions=(
                    DistributionSpec(
                        f"{ogc}-barriers/items",
                        "geojson",
                        {"de": "OGC API Features (GeoJSON)", "en": "OGC API Features (GeoJSON)"},
                        download=False,
                    ),
                    DistributionSpec(
                        f"api/cities/{name}/barriers",
                        "json",
                        {"de": "JSON-API", "en": "JSON API"},
                        download=False,
                    ),
                ),
                landing_page=f"barriers?city={name}",
                **common,
            )
        )
        specs.append(
            DatasetSpec(
                key=f"elevators-{name}",
                explainer="elevators",
                title={"de": f"Aufzugsstatus {cfg.title}", "en": f"Elevator status {cfg.title}"},
                description={
                    "de": f"Aufzüge in {cfg.title} und ob sie in Betrieb sind, mit Zeitpunkt.",
                    "en": f"Elevators in {cfg.title} and whether they are in service, with "
                    "timestamps.",
                },
                themes=("TRAN",),
                keywords=("Aufzug", "elevator", "Barrierefreiheit"),
                distributions=(
                    DistributionSpec(
                        f"{ogc}-elevators/items",
                        "geojson",
                        {"de": "OGC API Features (GeoJSON)", "en": "OGC API Features (GeoJSON)"},
                        download=False,
                    ),
                    DistributionSpec(
                        f"api/cities/{name}/elevators",
                        "json",
                        {"de": "JSON-API", "en": "JSON API"},
                        download=False,
                    ),
                ),
                **common,
            )
        )
        specs += _ogc_layer_specs(cfg, state)
        if cfg.inputs_of("areas") or cfg.inputs_of("population"):
            specs.append(
                DatasetSpec(
                    key=f"analysis-{name}",
                    explainer="analysis",
                    title={
                        "de": f"Erreichbarkeits-Analysen {cfg.title}",
                        "en": f"Accessibility analyses {cfg.title}",
                    },
                    description={
                        "de": f"Wie viele Menschen je Gebiet in {cfg.title} wichtige Orte "
                        "stufenlos erreichen, nach Profil und Bevölkerungsgruppe.",
                        "en": f"How many people per area of {cfg.title} reach important places "
                        "without steps, by profile and population group.",
                    },
                    themes=("SOCI", "REGI"),
                    keywords=("Erreichbarkeit", "accessibility", "equity"),
                    distributions=(
                        DistributionSpec(
                            f"api/analysis/{name}",
                            "json",
                            {"de": "Tabelle je Gebiet (JSON)", "en": "Table per area (JSON)"},
                            download=False,
                        ),
                    ),
                    landing_page=f"analysis/{name}",
                    **common,
                )
            )
    return specs


def _ogc_layer_specs(cfg: CityConfig, state: str | None) -> list[DatasetSpec]:
    """One dataset per OGC API – Features input layer, under its source's licence.

    When the city is imported, the description says how many features were read
    and whether a saved response is a sample of a larger layer.
    """
    from stufenlos.city import city_folder
    from stufenlos.ingest.ogc_features import PLACE_KINDS, stored_layers

    stored = {x.layer: x for x in stored_layers(city_folder(cfg.name))}
    sources = {s.name: s for s in cfg.sources}
    specs = []
    for spec in cfg.inputs_of("ogc-features"):
        layer = str(spec.options.get("layer"))
        source = sources.get(str(spec.options.get("source")))
        if source is None:  # the import refuses such a config; nothing to publish
            continue
        kind = str(spec.options.get("place_kind", layer))
        de, en, _ = PLACE_KINDS.get(kind, (layer, layer, layer))
        slug = layer.replace("_", "-")
        got = stored.get(layer)
        count = {"de": "", "en": ""}
        if got is not None and got.sample:
            count = {"de": f" Stichprobe: {got.features:,} von {got.number_matched:,} "
                           "Objekten (gespeicherte Antwort).".replace(",", "."),
                     "en": f" A sample: {got.features:,} of {got.number_matched:,} features "
                           "(a saved response)."}
        elif got is not None:
            count = {"de": f" {got.features:,} Objekte.".replace(",", "."),
                     "en": f" {got.features:,} features."}
        specs.append(DatasetSpec(
            key=f"{slug}-{cfg.name}",
            explainer="ogc-places",
            title={"de": f"{de} {cfg.title}", "en": f"{en.capitalize()} {cfg.title}"},
            description={
                "de": f"{de} in {cfg.title} mit Stellplätzen und Angaben zur Barrierefreiheit, "
                      f"aus {source.name} (OGC API Features).{count['de']}",
                "en": f"{en.capitalize()} in {cfg.title} with parking spaces and accessibility "
                      f"facts, from {source.name} (OGC API Features).{count['en']}",
            },
            themes=("TRAN", "REGI"),
            keywords=("Barrierefreiheit", "Parken", "accessibility", "parking"),
            distributions=(
                DistributionSpec(
                    f"ogc/collections/{cfg.name}-{slug}/items",
                    "geojson",
                    {"de": "OGC API Features (GeoJSON)", "en": "OGC API Features (GeoJSON)"},
                    download=False,
                ),
            ),
            licence=_licence_uri(source.licence),
            attribution=source.attribution,
            centroid=cfg.center,
            state_key=state,
        ))
    return specs


def dataset_specs(
    *,
    cities: list[CityConfig] | None = None,
    modified: dict[str, dt.datetime] | None = None,
) -> list[DatasetSpec]:
    """Every dataset stufenlos publishes.

    Parameters
    ----------
    cities
        Cities whose network, barriers and elevators are served (default:
        :func:`imported_cities`).
    modified
        Last-change times by dataset key.
    """
    modified = modified or {}
    specs = _city_specs(imported_cities() if cities is None else cities)
    dl_by = _licence_uri("dl-de/by-2-0")
    specs += [
        DatasetSpec(
            key="reports",
            explainer="reports",
            title={"de": "Barriere-Meldungen", "en": "Barrier reports"},
            description={
                "de": "Gemeldete Barrieren und defekte Aufzüge mit Status und öffentlicher "
                "Antwort (Open311 GeoReport v2), ohne persönliche Daten.",
                "en": "Reported barriers and broken elevators with status and public answer "
                "(Open311 GeoReport v2), without personal data.",
            },
            licence=dl_by,
            themes=("TRAN", "SOCI"),
            keywords=("Open311", "Meldungen", "reports", "Barrierefreiheit"),
            distributions=(
                DistributionSpec(
                    "open311/v2/requests.geojson", "geojson", {"de": "GeoJSON", "en": "GeoJSON"}
                ),
                DistributionSpec("open311/v2/requests.csv", "csv", {"de": "CSV", "en": "CSV"}),
                DistributionSpec(
                    "open311/v2/requests.json", "json", {"de": "Open311 JSON", "en": "Open311 JSON"}
                ),
            ),
            modified=modified.get("reports"),
        ),
        DatasetSpec(
            key="action-plan",
            explainer="action-plan",
            title={
                "de": "Open-Government-Aktionsplan Hamburg 2022–2024",
                "en": "Open government action plan Hamburg 2022–2024",
            },
            description={
                "de": "Verpflichtungen, Meilensteine, Quartalsberichte, Gremien, Beschlüsse und "
                "Bewertungen des unabhängigen Monitorings.",
                "en": "Commitments, milestones, quarterly updates, bodies, decisions and the "
                "independent monitor's assessments.",
            },
            licence=dl_by,
            attribution="Freie und Hansestadt Hamburg; Open Government Partnership",
            themes=("GOVE",),
            keywords=("OGP", "Open Government", "Aktionsplan", "action plan"),
            distributions=(
                DistributionSpec("api/plan/export.json", "json", {"de": "JSON", "en": "JSON"}),
                DistributionSpec(
                    "api/plan/export.zip", "zip", {"de": "CSV-Tabellen (ZIP)", "en": "CSV (ZIP)"}
                ),
                DistributionSpec(
                    "plan/feed.atom", "atom", {"de": "Änderungen (Atom)", "en": "Changes (Atom)"}
                ),
            ),
            state_key=HAMBURG_STATE,
            temporal=(dt.date(2022, 11, 30), dt.date(2024, 12, 31)),
            modified=modified.get("action-plan"),
            landing_page="plan",
        ),
    ]
    return specs


def _lit(text: str, lang: str) -> Literal:
    return Literal(text, lang=lang)


def _datetime(value: dt.datetime) -> Literal:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return Literal(value.astimezone(dt.UTC).isoformat(), datatype=XSD.dateTime)


def build_catalog(
    base_url: str,
    *,
    specs: list[DatasetSpec] | None = None,
    publisher: str | None = None,
    contact_email: str | None = None,
    now: dt.datetime | None = None,
) -> Graph:
    """The catalogue as an RDF graph, with URIs under ``base_url``.

    ``publisher`` and ``contact_email`` default to ``$STUFENLOS_PUBLISHER`` and
    ``$STUFENLOS_CONTACT_EMAIL`` (or "stufenlos" and the base URL as contact).
    """
    if not base_url.startswith(("http://", "https://")):
        msg = f"base URL must start with http:// or https://, got {base_url!r}"
        raise CatalogError(msg)
    base = base_url.rstrip("/") + "/"
    specs = dataset_specs() if specs is None else specs
    settings = get_settings()
    publisher = publisher or settings.publisher
    contact_email = contact_email or settings.contact_email
    now = now or dt.datetime.now(dt.UTC)

    g = Graph()
    for prefix, ns in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("dcatde", DCATDE),
        ("dcatap", DCATAP),
        ("locn", LOCN),
        ("geo", GEO),
        ("skos", SKOS),
    ):
        g.bind(prefix, ns)

    agent = URIRef(base + "catalog#publisher")
    g.add((agent, RDF.type, FOAF.Agent))
    g.add((agent, FOAF.name, Literal(publisher)))
    g.add((agent, DCTERMS.type, ADMS_PUBLISHER.NonProfitOrganisation))

    def contact() -> BNode:
        node = BNode()
        g.add((node, RDF.type, VCARD.Kind))
        g.add((node, RDF.type, VCARD.Organization))
        g.add((node, VCARD.fn, Literal(publisher)))
        if contact_email:
            g.add((node, VCARD.hasEmail, URIRef(f"mailto:{contact_email}")))
        else:
            g.add((node, VCARD.hasURL, URIRef(base)))
        return node

    catalog = URIRef(base + "catalog")
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, _lit("stufenlos – offene Daten zur Barrierefreiheit", "de")))
    g.add((catalog, DCTERMS.title, _lit("stufenlos – open accessibility data", "en")))
    g.add(
        (
            catalog,
            DCTERMS.description,
            _lit(
                "Alles, was stufenlos veröffentlicht: Fußwegenetze, Barrieren, Aufzugsstatus, "
                "Meldungen, Analysen und den Aktionsplan.",
                "de",
            ),
        )
    )
    g.add(
        (
            catalog,
            DCTERMS.description,
            _lit(
                "Everything stufenlos publishes: pedestrian networks, barriers, elevator status, "
                "reports, analyses and the action plan.",
                "en",
            ),
        )
    )
    g.add((catalog, DCTERMS.publisher, agent))
    g.add((catalog, FOAF.homepage, URIRef(base)))
    g.add((catalog, DCTERMS.modified, _datetime(now)))
    g.add((catalog, DCAT.themeTaxonomy, URIRef(EU + "data-theme")))
    for lang in ("DEU", "ENG"):
        g.add((catalog, DCTERMS.language, URIRef(f"{EU}language/{lang}")))

    for spec in specs:
        ds = URIRef(f"{base}catalog/datasets/{spec.key}")
        g.add((catalog, DCAT.dataset, ds))
        g.add((ds, RDF.type, DCAT.Dataset))
        g.add((ds, DCTERMS.identifier, Literal(spec.key)))
        for lang, text in spec.title.items():
            g.add((ds, DCTERMS.title, _lit(text, lang)))
        for lang, text in spec.description.items():
            g.add((ds, DCTERMS.description, _lit(text, lang)))
        g.add((ds, DCTERMS.publisher, agent))
        g.add((ds, DCAT.contactPoint, contact()))
        g.add((ds, DCTERMS.license, URIRef(spec.licence)))
        g.add((ds, DCTERMS.accessRights, URIRef(EU + "access-right/PUBLIC")))
        g.add((ds, DCTERMS.modified, _datetime(spec.modified or now)))
        g.add((ds, DCATAP.availability, URIRef(EU + "planned-availability/AVAILABLE")))
        g.add((ds, FOAF.page, URIRef(f"{base}plan/explainers#{spec.explainer}")))
        if spec.landing_page:
            g.add((ds, DCAT.landingPage, URIRef(base + spec.landing_page)))
        for theme in spec.themes:
            g.add((ds, DCAT.theme, URIRef(f"{EU}data-theme/{theme}")))
        for kw in spec.keywords:
            g.add((ds, DCAT.keyword, Literal(kw)))
        if spec.attribution:
            g.add((ds, DCATDE.licenseAttributionByText, Literal(spec.attribution)))
        if spec.state_key:
            # DCAT-AP.de 3.0 puts the political geocoding URI into dct:spatial
            g.add((ds, DCTERMS.spatial, URIRef(spec.state_key)))
            g.add((URIRef(spec.state_key), RDF.type, DCTERMS.Location))
            g.add((ds, DCATDE.politicalGeocodingLevelURI, URIRef(STATE_LEVEL)))
        if spec.centroid:
            loc = BNode()
            lat, lon = spec.centroid
            g.add((loc, RDF.type, DCTERMS.Location))
            g.add((loc, DCAT.centroid, Literal(f"POINT({lon} {lat})", datatype=GEO.wktLiteral)))
            g.add((ds, DCTERMS.spatial, loc))
        if spec.temporal:
            period = BNode()
            g.add((period, RDF.type, DCTERMS.PeriodOfTime))
            g.add((period, DCAT.startDate, Literal(spec.temporal[0], datatype=XSD.date)))
            if spec.temporal[1]:
                g.add((period, DCAT.endDate, Literal(spec.temporal[1], datatype=XSD.date)))
            g.add((ds, DCTERMS.temporal, period))
        for dist_spec in spec.distributions:
            code, media = FORMATS[dist_spec.fmt]
            dist = URIRef(
                f"{ds}/distributions/{dist_spec.fmt}-{len(list(g.objects(ds, DCAT.distribution)))}"
            )
            url = URIRef(base + dist_spec.path)
            g.add((ds, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            for lang, text in dist_spec.title.items():
                g.add((dist, DCTERMS.title, _lit(text, lang)))
            g.add((dist, DCAT.accessURL, url))
            if dist_spec.download:
                g.add((dist, DCAT.downloadURL, url))
            g.add((dist, DCTERMS.license, URIRef(spec.licence)))
            g.add((dist, DCTERMS.format, URIRef(f"{EU}file-type/{code}")))
            g.add(
                (
                    dist,
                    DCAT.mediaType,
                    URIRef(f"https://www.iana.org/assignments/media-types/{media}"),
                )
            )
            g.add((dist, DCATAP.availability, URIRef(EU + "planned-availability/AVAILABLE")))
            g.add((dist, DCTERMS.modified, _datetime(spec.modified or now)))
    return g


#: serialisation formats -> (rdflib format name, media type)
SERIALIZATIONS: Final = {
    "turtle": ("turtle", "text/turtle"),
    "json-ld": ("json-ld", "application/ld+json"),
    "rdf-xml": ("xml", "application/rdf+xml"),
}


def serialize(graph: Graph, fmt: str = "turtle") -> str:
    """The graph as ``turtle``, ``json-ld`` or ``rdf-xml`` text."""
    try:
        rdflib_fmt, _ = SERIALIZATIONS[fmt]
    except KeyError:
        msg = f"format must be one of {', '.join(SERIALIZATIONS)}, got {fmt!r}"
        raise CatalogError(msg) from None
    return graph.serialize(format=rdflib_fmt)
