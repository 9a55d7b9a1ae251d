"""Basemap features of a city's OSM input: water, buildings, green, named places, addresses.

The pedestrian network holds only ways people walk on. A map people can read
also needs water, buildings and parks, and a search that tells places apart
needs the named points of interest and the addresses (``addr:*``). This pass
reads them once at import into ``basemap.parquet`` beside the network, so a
serving process never re-reads the OSM file:

* ``.osm.pbf`` / ``.osm`` inputs through pyosmium, which assembles closed ways
  and multipolygon relations into areas;
* Overpass GeoJSON inputs from each feature's properties (the tags) and its
  geometry.

One row per feature: ``layer`` (``water``, ``waterway``, ``building``,
``green``, ``poi``, ``address``), ``kind`` (the tag value: ``pharmacy``,
``park``, ``river`` ...), ``name``, ``street``/``housenumber``/``postcode``
(addresses) and ``geometry`` (WKB, longitude/latitude).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely

from stufenlos.errors import InputFileError

if TYPE_CHECKING:
    from stufenlos.city import City

__all__ = [
    "BASEMAP_FILE",
    "COLUMNS",
    "POI_KEYS",
    "city_basemap",
    "classify",
    "load_basemap",
    "read_basemap",
    "write_basemap",
]

logger = logging.getLogger(__name__)

#: the file in an imported city's folder
BASEMAP_FILE = "basemap.parquet"
COLUMNS = ("layer", "kind", "name", "street", "housenumber", "postcode", "geometry")
#: OSM keys whose named objects become points of interest, with the key's value as kind
POI_KEYS = ("amenity", "shop", "tourism", "public_transport", "railway", "leisure",
            "office", "healthcare", "historic")
_WATER_AREAS = {"water", "bay"}
_WATER_LANDUSE = {"reservoir", "basin"}
_WATERWAY_LINES = {"river", "stream", "canal", "drain", "ditch"}
_GREEN = {("leisure", "park"), ("leisure", "garden"), ("leisure", "playground"),
          ("landuse", "grass"), ("landuse", "meadow"), ("landuse", "forest"),
          ("landuse", "recreation_ground"), ("landuse", "village_green"),
          ("landuse", "cemetery"), ("natural", "wood"), ("natural", "scrub")}
_AREA_KEYS = ("building", "natural", "water", "waterway", "landuse", "leisure", "amenity",
              "shop", "tourism", "office", "healthcare", "historic", "addr:housenumber")


def classify(tags: Any, geom_type: str) -> list[tuple[str, str]]:
    """The ``(layer, kind)`` rows an OSM object with ``tags`` and geometry type makes.

    ``geom_type`` is ``point``, ``line`` or ``area``. Named objects with one of
    :data:`POI_KEYS` are points of interest (an area's at a point inside it);
    ``addr:street`` with ``addr:housenumber`` makes an address.
    """
    out: list[tuple[str, str]] = []
    get = tags.get
    if geom_type == "area":
        if get("natural") in _WATER_AREAS or "water" in tags \
                or get("waterway") == "riverbank" or get("landuse") in _WATER_LANDUSE:
            out.append(("water", str(get("water") or get("natural") or get("waterway")
                                     or get("landuse"))))
        elif "building" in tags and get("building") != "no":
            out.append(("building", str(get("building"))))
        else:
            for key, value in _GREEN:
                if get(key) == value:
                    out.append(("green", value))
                    break
    elif geom_type == "line" and get("waterway") in _WATERWAY_LINES:
        out.append(("waterway", str(get("waterway"))))
    elif geom_type == "line" and get("natural") == "coastline":
        out.append(("waterway", "coastline"))  # the sea's edge: its area is not in OSM
    if geom_type != "line":
        if get("name"):
            for key in POI_KEYS:
                if key in tags:
                    out.append(("poi", str(get(key))))
                    break
        if get("addr:street") and get("addr:housenumber"):
            out.append(("address", "address"))
    return out


def _row(layer: str, kind: str, tags: Any, geom: Any) -> dict[str, Any]:
    if layer in ("poi", "address") and shapely.get_type_id(geom) != 0:
        geom = shapely.point_on_surface(geom)  # a point inside the building or park
    get = tags.get
    address = layer == "address"
    return {"layer": layer, "kind": kind,
            "name": (f"{get('addr:street')} {get('addr:housenumber')}" if address
                     else (str(get("name")) if get("name") else None)),
            "street": str(get("addr:street")) if address else None,
            "housenumber": str(get("addr:housenumber")) if address else None,
            "postcode": (str(get("addr:postcode") or get("postal_code") or "") or None)
            if address else None,
            "geometry": shapely.to_wkb(geom)}


def _read_osm(path: Path) -> list[dict[str, Any]]:
    import osmium

    wkb = osmium.geom.WKBFactory()
    rows: list[dict[str, Any]] = []
    # the filters run in libosmium: Python sees only the few thousand tagged objects
    keys = tuple(dict.fromkeys((*_AREA_KEYS, *POI_KEYS, "addr:street")))
    proc = (osmium.FileProcessor(str(path))
            .with_areas(osmium.filter.KeyFilter(*_AREA_KEYS))
            .with_filter(osmium.filter.KeyFilter(*keys)))
    for obj in proc:
        tags = obj.tags
        if obj.is_node():
            kinds = classify(tags, "point")
            if kinds and obj.location.valid():
                geom = shapely.points(obj.location.lon, obj.location.lat)
                rows.extend(_row(layer, kind, tags, geom) for layer, kind in kinds)
            continue
        if obj.is_way():
            if obj.is_closed():
                continue  # assembled as an area as well (below)
            kinds = classify(tags, "line")
            make = wkb.create_linestring
        elif obj.is_area():
            kinds = classify(tags, "area")
            make = wkb.create_multipolygon
        else:
            continue
        if not kinds:
            continue
        try:
            geom = shapely.from_wkb(make(obj))
        except (RuntimeError, osmium.InvalidLocationError):
            continue  # a way cut off at the extract's edge has nodes without location
        rows.extend(_row(layer, kind, tags, geom) for layer, kind in kinds)
    return rows


def _read_geojson(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"not readable as GeoJSON: {exc}") from exc
    rows: list[dict[str, Any]] = []
    for i, feat in enumerate(data.get("features") or []):
        geometry, tags = feat.get("geometry"), feat.get("properties") or {}
        if not geometry or not tags:
            continue
        try:
            geom = shapely.geometry.shape(geometry)
        except (TypeError, ValueError, AttributeError) as exc:
            raise InputFileError(path, f"bad geometry: {exc}", where=f"feature {i}") from exc
        kind_of = {"Point": "point", "LineString": "line", "MultiLineString": "line",
                   "Polygon": "area", "MultiPolygon": "area"}.get(geom.geom_type)
        if kind_of is None:
            continue
        rows.extend(_row(layer, kind, tags, geom) for layer, kind in classify(tags, kind_of))
    return rows


def read_basemap(paths: list[Path]) -> pd.DataFrame:
    """The basemap features of the OSM files ``paths`` (pbf/osm or Overpass GeoJSON)."""
    from stufenlos.ingest.geojson import GEOJSON_SUFFIXES

    rows: list[dict[str, Any]] = []
    for path in paths:
        if path.name.lower().endswith(GEOJSON_SUFFIXES):
            rows.extend(_read_geojson(path))
        else:
            rows.extend(_read_osm(path))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_basemap(paths: list[Path], folder: str | os.PathLike[str]) -> int:
    """Read the basemap of ``paths`` into ``folder/basemap.parquet``; the number of rows."""
    frame = read_basemap(paths)
    frame.to_parquet(Path(folder) / BASEMAP_FILE, index=False)
    return len(frame)


def load_basemap(folder: str | os.PathLike[str],
                 paths: list[Path] | None = None) -> pd.DataFrame:
    """The stored basemap of an imported city in ``folder``.

    A city imported before the basemap existed has no file; then the features
    are read from its OSM ``paths`` (and re-importing stores them).
    """
    path = Path(folder) / BASEMAP_FILE
    if path.exists():
        return pd.read_parquet(path)
    logger.info("%s missing: reading the basemap from the OSM input (re-import to store it)",
                path)
    return read_basemap([p for p in paths or [] if p.exists()])


def city_basemap(city: City) -> pd.DataFrame:
    """The basemap of a loaded ``city`` (read once per process)."""
    return city.memo(  # type: ignore[no-any-return]
        "basemap", lambda: load_basemap(city.folder, city.config.input_paths("osm")))
