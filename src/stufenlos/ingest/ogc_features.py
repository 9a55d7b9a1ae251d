"""OGC API – Features inputs: a collection read page by page, or a saved response.

An input of kind ``ogc-features`` in ``city.toml`` names a collection of an OGC API –
Features server (Hamburg's Urban Data Platform, say) and how its properties map onto
places::

    [[inputs]]
    kind = "ogc-features"
    url = "https://api.hamburg.de/datasets/v1/behindertenstellplaetze/collections/verkehr_behindertenparkpl"
    # or: path = "udp/disabled_parking.geojson"  (a saved response, read as it is)
    layer = "disabled_parking"            # name of the layer: a-z, 0-9, _
    source = "Urban Data Platform Hamburg" # a [[sources]] entry: licence and attribution
    name_field = "nahe_adresse"
    disabled_spaces_field = "anzahl"

Options: ``layer`` and ``source`` (required); ``place_kind`` (default: the layer);
``name_field``, ``address_field``, ``spaces_field``, ``disabled_spaces_field``,
``wheelchair_field`` (``ja``/``yes`` → yes, ``nein``/``no`` → no, ``teilweise``/
``limited`` → limited, anything else → unknown); ``page_size`` (default 500) and
``max_pages`` (default 1000) for a ``url``.

A ``url`` is read from ``<url>/items`` following the ``next`` links (OGC API – Features
Part 1, 7.15.7) up to ``max_pages``; a ``next`` link seen before is a paging loop and an
error. A saved response is one page: its ``next`` link is not followed, and when it
matched more features than it holds, the import summary and the catalogue say that it
is a sample of N of M. Every problem (an HTTP error, an HTML page instead of GeoJSON,
broken JSON, a feature without a usable geometry, a paging loop) raises
:class:`~stufenlos.errors.InputFileError` naming the URL or file and the feature, so the
import stops and the previous import of the city stays.

The features are stored with the imported city as one table (:data:`PLACE_COLUMNS`,
``ogc/places.parquet``) and a description of each layer (``ogc/layers.json``);
:func:`places_from_ogc` reads them back.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urljoin

import pandas as pd

from stufenlos.config import CONFIG_NAME, CityConfig, InputSpec, SourceSpec
from stufenlos.errors import CityConfigError, InputFileError

if TYPE_CHECKING:
    from stufenlos.city import City

__all__ = [
    "PLACE_COLUMNS",
    "PLACE_KINDS",
    "FeatureResponse",
    "OgcLayer",
    "fetch_collection",
    "ogc_layers_of",
    "places_from_ogc",
    "read_ogc_inputs",
    "read_saved_response",
    "stored_layers",
    "write_ogc_layers",
]

#: columns of the stored places table, in order
PLACE_COLUMNS: Final = ("id", "name", "kind", "lon", "lat", "address", "wheelchair", "spaces",
                        "disabled_spaces", "layer", "source", "licence", "last_checked")
#: labels of the place kinds the bundled inputs use: (de, en, easy-read German)
PLACE_KINDS: Final = {
    "disabled_parking": ("Behindertenparkplätze", "disabled parking spaces",
                         "Park-Plätze für Menschen mit Behinderung"),
    "park_and_ride": ("Park-and-Ride-Anlagen", "park-and-ride facilities",
                      "Park-Plätze am Bahnhof"),
    "car_park": ("Parkhäuser", "car parks", "Park-Häuser"),
}
FOLDER: Final = "ogc"
_TABLE, _LAYERS = "places.parquet", "layers.json"
_OPTIONS: Final = {"layer", "source", "place_kind", "name_field", "address_field",
                   "spaces_field", "disabled_spaces_field", "wheelchair_field", "page_size",
                   "max_pages"}
_LAYER = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_JSON_TYPES = ("application/geo+json", "application/json")
_WHEELCHAIR = {"ja": "yes", "yes": "yes", "true": "yes", "nein": "no", "no": "no",
               "false": "no", "teilweise": "limited", "limited": "limited",
               "eingeschränkt": "limited"}
_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class FeatureResponse:
    """The features of one collection as read: ``origin`` is the URL or file."""

    origin: str
    features: list[dict[str, Any]]
    #: ``numberMatched`` of the first page (``None`` when the server does not say)
    number_matched: int | None
    #: ``timeStamp`` of the first page (when the server answered), ISO 8601
    time_stamp: str | None
    pages: int
    #: whether this is a saved response holding fewer features than it matched
    sample: bool


@dataclass(frozen=True)
class OgcLayer:
    """What one ``ogc-features`` input gave: stored in ``ogc/layers.json``."""

    layer: str
    kind: str
    origin: str
    features: int
    number_matched: int | None
    sample: bool
    pages: int
    time_stamp: str | None
    source: str
    licence: str
    attribution: str
    source_url: str | None

    def describe(self) -> str:
        """One line for the import summary."""
        text = f"{self.layer}: {self.features:,} features from {self.origin}"
        if self.sample:
            text += (f" (a saved sample: {self.features:,} of {self.number_matched:,} "
                     "matched; the rest were not read)")
        return text


# -- reading ------------------------------------------------------------------------------


def _check_collection(data: Any, origin: str, offset: int) -> list[dict[str, Any]]:
    """The features of one page, each with a usable geometry, or an error naming one."""
    import shapely.geometry

    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        got = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise InputFileError(origin, f"expected a GeoJSON FeatureCollection, got {got!r}")
    feats = data.get("features")
    if not isinstance(feats, list):
        raise InputFileError(origin, "`features` is missing or not a list")
    for i, f in enumerate(feats):
        where = f"feature {offset + i}"
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise InputFileError(origin, "not a GeoJSON Feature", where=where)
        if f.get("geometry") is None:
            raise InputFileError(origin, "geometry is missing", where=where)
        try:
            geom = shapely.geometry.shape(f["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise InputFileError(origin, f"invalid geometry: {exc}", where=where) from None
        p = geom.representative_point() if not geom.is_empty else None
        if p is None or not (math.isfinite(p.x) and math.isfinite(p.y)
                             and -180 <= p.x <= 180 and -90 <= p.y <= 90):
            raise InputFileError(origin, "geometry is empty or outside lon/lat range",
                                 where=where)
        if not isinstance(f.get("properties") or {}, dict):
            raise InputFileError(origin, "`properties` is not an object", where=where)
    return feats


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def read_saved_response(path: str | Path) -> FeatureResponse:
    """A saved OGC API – Features response (one page; its ``next`` link is not followed)."""
    p = Path(path)
    try:
        data = json.loads(p.read_bytes())
    except OSError as exc:
        raise InputFileError(p, f"cannot read: {exc}") from None
    except ValueError as exc:
        raise InputFileError(p, f"expected GeoJSON, not JSON: {exc}") from None
    feats = _check_collection(data, str(p), 0)
    matched = _int_or_none(data.get("numberMatched"))
    return FeatureResponse(str(p), feats, matched, data.get("timeStamp"), 1,
                           sample=matched is not None and matched > len(feats))


def _next_link(data: dict[str, Any]) -> str | None:
    links = [x for x in data.get("links") or [] if isinstance(x, dict) and x.get("rel") == "next"]
    # a server may offer the next page in several formats: take the JSON one
    links.sort(key=lambda x: str(x.get("type") or "").split(";")[0] not in _JSON_TYPES)
    return str(links[0]["href"]) if links and links[0].get("href") else None


def fetch_collection(url: str, *, page_size: int = 500, max_pages: int = 1000,
                     client: Any = None) -> FeatureResponse:
    """All features of the collection at ``url`` (``…/collections/<id>``), page by page.

    Parameters
    ----------
    url
        The collection's URL; its items are read from ``<url>/items``.
    page_size
        ``limit`` asked for (the server may answer with fewer per page).
    max_pages
        More pages than this is an error (a runaway or looping server).
    client
        An :class:`httpx.Client` to use (default: a new one).

    Raises
    ------
    InputFileError
        Naming the page's URL: an HTTP error status, a response that is not
        GeoJSON, a broken feature, a paging loop or too many pages.
    """
    # httpx rather than OWSLib's Features client: that one neither follows `next`
    # links nor exposes the media type and status we check on every page
    import httpx

    own = client is None
    client = client or httpx.Client(timeout=_TIMEOUT_S, follow_redirects=True,
                                    headers={"Accept": "application/geo+json, application/json"})
    page_url: str | None = f"{url.rstrip('/')}/items?limit={int(page_size)}&f=json"
    seen: set[str] = set()
    feats: list[dict[str, Any]] = []
    first: dict[str, Any] | None = None
    try:
        while page_url is not None:
            if page_url in seen:
                raise InputFileError(page_url, "paging loop: this `next` page was read before")
            if len(seen) >= max_pages:
                raise InputFileError(url, f"more than {max_pages} pages; raise `max_pages` "
                                          "if the collection really is that large")
            seen.add(page_url)
            try:
                r = client.get(page_url)
            except httpx.HTTPError as exc:
                raise InputFileError(page_url, f"cannot read: {exc}") from None
            if r.status_code >= 400:
                raise InputFileError(page_url, f"HTTP {r.status_code} {r.reason_phrase}")
            media = r.headers.get("content-type", "").split(";")[0].strip().lower()
            if media not in _JSON_TYPES:
                raise InputFileError(page_url, f"expected GeoJSON, got {media or 'no type'}")
            try:
                data = r.json()
            except ValueError as exc:
                raise InputFileError(page_url, f"expected GeoJSON, not JSON: {exc}") from None
            feats += _check_collection(data, page_url, len(feats))
            first = first or data
            nxt = _next_link(data)
            page_url = urljoin(page_url, nxt) if nxt else None
    finally:
        if own:
            client.close()
    assert first is not None
    stamp = first.get("timeStamp") or datetime.now(UTC).isoformat(timespec="seconds")
    return FeatureResponse(url, feats, _int_or_none(first.get("numberMatched")), stamp,
                           len(seen), sample=False)


# -- mapping onto places ------------------------------------------------------------------


def _where(config: CityConfig, index: int, key: str) -> str:
    cfg = config.folder / CONFIG_NAME if config.folder else config.name
    return f"{cfg}: inputs[{index}].{key}"


def _options(config: CityConfig, index: int, spec: InputSpec) -> tuple[dict[str, Any],
                                                                         SourceSpec]:
    opts = spec.options
    unknown = sorted(set(opts) - _OPTIONS)
    if unknown:
        msg = (f"{_where(config, index, unknown[0])}: unknown option for kind "
               f"'ogc-features'; known: {', '.join(sorted(_OPTIONS))}")
        raise CityConfigError(msg)
    layer = opts.get("layer")
    if not isinstance(layer, str) or not _LAYER.match(layer):
        msg = (f"{_where(config, index, 'layer')}: required, lower-case letters, digits "
               f"and '_' starting with a letter, got {layer!r}")
        raise CityConfigError(msg)
    others = [s.options.get("layer") for i, s in enumerate(config.inputs)
              if s.kind == "ogc-features" and i != index]
    if layer in others:
        msg = f"{_where(config, index, 'layer')}: {layer!r} is used by another input"
        raise CityConfigError(msg)
    sources = {s.name: s for s in config.sources}
    name = opts.get("source")
    if name not in sources:
        msg = (f"{_where(config, index, 'source')}: must name one of the [[sources]] "
               f"({', '.join(sources) or 'none'}), got {name!r}")
        raise CityConfigError(msg)
    for key in ("page_size", "max_pages"):
        if key in opts and (not isinstance(opts[key], int) or opts[key] < 1):
            msg = f"{_where(config, index, key)}: must be a positive integer"
            raise CityConfigError(msg)
    return opts, sources[name]


def _text(props: dict[str, Any], field: str | None) -> str | None:
    if not field or props.get(field) is None:
        return None
    text = str(props[field]).strip()
    return text or None


def _count(props: dict[str, Any], field: str | None) -> int | None:
    text = _text(props, field)
    if text is None:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value >= 0 else None


def _places(resp: FeatureResponse, opts: dict[str, Any], source: SourceSpec) -> pd.DataFrame:
    import shapely.geometry

    layer = opts["layer"]
    rows = []
    for i, f in enumerate(resp.features):
        props = f.get("properties") or {}
        p = shapely.geometry.shape(f["geometry"])
        p = p if p.geom_type == "Point" else p.representative_point()
        fid = f.get("id", props.get("id", i))
        address = _text(props, opts.get("address_field"))
        wheel = (_text(props, opts.get("wheelchair_field")) or "").lower()
        rows.append({
            "id": f"{layer}/{fid}",
            "name": _text(props, opts.get("name_field")) or address,
            "kind": opts.get("place_kind", layer),
            "lon": float(p.x), "lat": float(p.y),
            "address": address,
            "wheelchair": _WHEELCHAIR.get(wheel, "unknown"),
            "spaces": _count(props, opts.get("spaces_field")),
            "disabled_spaces": _count(props, opts.get("disabled_spaces_field")),
            "layer": layer, "source": source.name, "licence": source.licence,
            "last_checked": resp.time_stamp,
        })
    df = pd.DataFrame(rows, columns=list(PLACE_COLUMNS))
    for col in ("spaces", "disabled_spaces"):
        df[col] = df[col].astype("Int64")
    return df


def read_ogc_inputs(config: CityConfig, *,
                    client: Any = None) -> tuple[pd.DataFrame, list[OgcLayer]]:
    """Read every ``ogc-features`` input of ``config``: the places table and the layers.

    Nothing is written; :func:`write_ogc_layers` stores the result with an import.
    """
    tables, layers = [], []
    for index, spec in enumerate(config.inputs):
        if spec.kind != "ogc-features":
            continue
        opts, source = _options(config, index, spec)
        if spec.url is not None:
            resp = fetch_collection(spec.url, page_size=opts.get("page_size", 500),
                                    max_pages=opts.get("max_pages", 1000), client=client)
        else:
            assert spec.path is not None
            resp = read_saved_response(config.resolve(spec.path))
        table = _places(resp, opts, source)
        dup = table["id"][table["id"].duplicated()]
        if not dup.empty:
            raise InputFileError(resp.origin, f"feature id {dup.iloc[0]!r} occurs twice")
        tables.append(table)
        layers.append(OgcLayer(
            layer=opts["layer"], kind=opts.get("place_kind", opts["layer"]),
            origin=spec.url or str(spec.path), features=len(table),
            number_matched=resp.number_matched, sample=resp.sample, pages=resp.pages,
            time_stamp=resp.time_stamp, source=source.name, licence=source.licence,
            attribution=source.attribution, source_url=source.url))
    places = (pd.concat(tables, ignore_index=True) if tables
              else pd.DataFrame(columns=list(PLACE_COLUMNS)))
    return places, layers


# -- storing with the imported city -------------------------------------------------------


def write_ogc_layers(folder: Path, places: pd.DataFrame, layers: list[OgcLayer]) -> None:
    """Store the places and layer descriptions in ``folder/ogc`` (a new build folder)."""
    if not layers:
        return
    out = folder / FOLDER
    out.mkdir(parents=True, exist_ok=True)
    places.to_parquet(out / _TABLE, index=False)
    (out / _LAYERS).write_text(json.dumps([asdict(x) for x in layers], indent=2,
                                          ensure_ascii=False))


def stored_layers(folder: Path) -> list[OgcLayer]:
    """The layers an import stored in the city folder ``folder`` (none: ``[]``)."""
    path = folder / FOLDER / _LAYERS
    if not path.exists():
        return []
    return [OgcLayer(**x) for x in json.loads(path.read_text())]


def places_from_ogc(city: City) -> pd.DataFrame:
    """The places the city's ``ogc-features`` inputs gave, as stored at import.

    Columns (:data:`PLACE_COLUMNS`): ``id`` (``<layer>/<feature id>``), ``name``,
    ``kind`` (``disabled_parking``, ``park_and_ride``, ``car_park``, ...), ``lon``,
    ``lat``, ``address``, ``wheelchair`` (``yes``/``no``/``limited``/``unknown``),
    ``spaces`` and ``disabled_spaces`` (nullable integers), ``layer``, ``source``
    and ``licence`` (of the city's ``[[sources]]`` entry), ``last_checked`` (the
    response's ``timeStamp``). Empty when the city has no such input.
    """

    def load() -> pd.DataFrame:
        path = city.folder / FOLDER / _TABLE
        if not path.exists():
            return pd.DataFrame(columns=list(PLACE_COLUMNS))
        return pd.read_parquet(path)

    return city.memo("ogc-places", load)


def ogc_layers_of(city: City) -> list[OgcLayer]:
    """:func:`stored_layers` of an imported city, read once per city object."""
    return city.memo("ogc-layers", lambda: stored_layers(city.folder))
