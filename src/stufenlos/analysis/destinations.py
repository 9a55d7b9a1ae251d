"""Destination categories: doctors, pharmacies, shops, stops, toilets, benches, ...

Points come from the city's inputs:

* OSM (``.osm.pbf`` read with pyosmium; Overpass GeoJSON read as JSON): tagged
  nodes, and closed or open ways at the mean of their node locations;
* GTFS ``stops.txt``: boarding points (``location_type`` 0); a stop is step-free
  when its verdict conflated from GTFS ``wheelchair_boarding``, OSM and DB station
  data (:func:`stufenlos.transit.stops.stop_access_for_city`) is yes, its own or its
  parent station's;
* DB station data (``db-stations`` NDJSON): ``hasSteplessAccess`` yes / no /
  partial;
* OGC API – Features inputs (Hamburg's Urban Data Platform), as stored at import
  (:func:`stufenlos.ingest.ogc_features.places_from_ogc`): every disabled parking
  space is one destination, so ``disabled_parking`` counts *spaces* (a car park with
  12 of them counts 12). Only cities with such an input have the category.

A category is a set of tag rules (any matches) plus optional required tags, so
cities can add their own in a TOML or JSON file (see :func:`load_categories`).
When a city has a GTFS feed, the stop categories come from it and OSM stops are
not used (both would count the same stops twice).
"""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stufenlos.config import CityConfig
from stufenlos.errors import InputFileError, StufenlosError
from stufenlos.i18n import N_
from stufenlos.venues.kinds import access_of

__all__ = [
    "DEFAULT_CATEGORIES",
    "Category",
    "CategoryError",
    "load_categories",
    "read_db_station_points",
    "read_destinations",
]

logger = logging.getLogger(__name__)


class CategoryError(StufenlosError, ValueError):
    """A destination category definition is malformed or unknown."""


@dataclass(frozen=True)
class Category:
    """Destinations matching any of ``tags`` (key -> values, ``"*"`` = any value)
    and all of ``require``; ``source`` is ``osm``, ``gtfs``, ``stations`` or
    ``ogc-features`` (the disabled parking spaces of the stored places)."""

    name: str
    label: str
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    require: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = "osm"
    step_free_only: bool = False
    #: places one goes into: the analysis also counts those a person can *enter*
    #: (:func:`stufenlos.venues.kinds.enter_verdict` on ``wheelchair=*``)
    enter: bool = False

    def matches(self, tags: Mapping[str, str]) -> bool:
        """Whether an OSM object with ``tags`` belongs to this category."""
        hit = any(k in tags and ("*" in vals or tags[k] in vals) for k, vals in self.tags.items())
        if not hit:
            return False
        return all(tags.get(k) in vals for k, vals in self.require.items())


_STOP_TAGS = {"highway": ("bus_stop",), "railway": ("tram_stop", "station", "halt"),
              "public_transport": ("platform",), "amenity": ("bus_station",)}
_STEP_FREE = {"wheelchair": ("yes", "designated")}

#: the built-in categories; their labels are msgids (shown with ``gettext``), a label
#: from a categories file is shown as written
DEFAULT_CATEGORIES: dict[str, Category] = {c.name: c for c in (
    Category("doctors", N_("doctors and clinics"),
             {"amenity": ("doctors", "clinic"), "healthcare": ("doctor", "clinic", "centre")},
             enter=True),
    Category("pharmacy", N_("pharmacies"), {"amenity": ("pharmacy",), "healthcare": ("pharmacy",)},
             enter=True),
    Category("supermarket", N_("supermarkets"), {"shop": ("supermarket",)}, enter=True),
    Category("hospital", N_("hospitals"), {"amenity": ("hospital",), "healthcare": ("hospital",)},
             enter=True),
    Category("toilets", N_("public toilets"), {"amenity": ("toilets",)}, enter=True),
    Category("accessible_toilets", N_("wheelchair-accessible toilets"), {"amenity": ("toilets",)},
             require=_STEP_FREE, enter=True),
    Category("bench", N_("benches"), {"amenity": ("bench",), "leisure": ("picnic_table",)}),
    Category("social", N_("social facilities and community centres"),
             {"amenity": ("social_facility", "community_centre", "social_centre")}, enter=True),
    Category("stop", N_("public transport stops"), _STOP_TAGS),
    Category("step_free_stop", N_("step-free public transport stops"), _STOP_TAGS,
             require=_STEP_FREE, step_free_only=True),
    Category("station", N_("railway stations (DB)"), source="stations"),
    Category("step_free_station", N_("step-free railway stations (DB)"), source="stations",
             step_free_only=True),
    Category("disabled_parking", N_("disabled parking spaces"), source="ogc-features"),
)}


def load_categories(path: str | Path) -> dict[str, Category]:
    """Read categories from TOML or JSON: ``{name: {label, tags, require, source}}``.

    Example (TOML)::

        [dentist]
        label = "dentists"
        tags = { amenity = ["dentist"], healthcare = ["dentist"] }
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
        data = json.loads(raw) if p.suffix == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"{p}: cannot read categories: {exc}"
        raise CategoryError(msg) from None
    if not isinstance(data, dict):
        msg = f"{p}: expected a table of categories"
        raise CategoryError(msg)
    out = {}
    for name, spec in data.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("tags", {}), dict):
            msg = f"{p}: category {name!r}: expected a table with `tags`"
            raise CategoryError(msg)
        unknown = set(spec) - {"label", "tags", "require", "source", "step_free_only",
                               "enter"}
        if unknown:
            msg = f"{p}: category {name!r}: unknown key(s) {sorted(unknown)}"
            raise CategoryError(msg)
        source = spec.get("source", "osm")
        if source not in ("osm", "gtfs", "stations"):
            msg = (
                f"{p}: category {name!r}: `source` must be osm, gtfs or "
                                f"stations, got {source!r}"
            )
            raise CategoryError(msg)

        def vals(d: Any, key: str, name: str = name) -> dict[str, tuple[str, ...]]:
            if not isinstance(d, dict):
                msg = f"{p}: category {name!r}: `{key}` must be a table"
                raise CategoryError(msg)
            return {str(k): tuple(str(x) for x in (v if isinstance(v, list) else [v]))
                    for k, v in d.items()}

        out[name] = Category(name, str(spec.get("label", name)), vals(spec.get("tags", {}), "tags"),
                             vals(spec.get("require", {}), "require"), source,
                             bool(spec.get("step_free_only", False)),
                             bool(spec.get("enter", False)))
    return out


# -- OSM ------------------------------------------------------------------------------------


def _osm_pbf_points(path: Path, cats: list[Category]) -> list[tuple[Any, ...]]:
    import osmium
    import osmium.filter

    keys = sorted({k for c in cats for k in c.tags})
    rows: list[tuple[Any, ...]] = []
    proc = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations().with_filter(osmium.filter.KeyFilter(*keys)))
    try:
        for obj in proc:
            tags = {t.k: t.v for t in obj.tags}
            hits = [c.name for c in cats if c.matches(tags)]
            if not hits:
                continue
            if obj.is_node():
                if not obj.location.valid():
                    continue
                lon, lat, ref = obj.location.lon, obj.location.lat, f"node/{obj.id}"
            else:
                locs = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                if not locs:
                    continue
                lon, lat = (float(x) for x in np.mean(np.array(locs), axis=0))
                ref = f"way/{obj.id}"
            access = access_of(tags.get("wheelchair"))
            rows.extend((name, ref, lon, lat, access) for name in hits)
    except RuntimeError as exc:
        raise InputFileError(path, f"cannot read OSM data: {exc}") from None
    return rows


def _overpass_points(path: Path, cats: list[Category]) -> list[tuple[Any, ...]]:
    import shapely.geometry

    try:
        feats = json.loads(path.read_text("utf-8")).get("features", [])
    except (OSError, ValueError, AttributeError) as exc:
        raise InputFileError(path, f"not readable GeoJSON: {exc}") from None
    rows = []
    for i, f in enumerate(feats):
        tags = {k: str(v) for k, v in (f.get("properties") or {}).items()
                if not k.startswith("@")}
        hits = [c.name for c in cats if c.matches(tags)]
        if not hits:
            continue
        try:
            c = shapely.geometry.shape(f["geometry"]).centroid
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.warning("%s: feature %d has no usable geometry; skipped", path, i)
            continue
        ref = str((f.get("properties") or {}).get("@id") or f.get("id") or f"feature/{i}")
        access = access_of(tags.get("wheelchair"))
        rows.extend((name, ref, c.x, c.y, access) for name in hits)
    return rows


# -- GTFS and stations ------------------------------------------------------------------


def _gtfs_points(config: CityConfig, path: Path,
                 cats: list[Category]) -> list[tuple[str, str, float, float]]:
    from stufenlos.ingest.gtfs import read_feed

    feed = read_feed(path)
    stops = feed.stops
    verdict = pd.Series(stops["wheelchair_boarding"].fillna(0).astype(int).to_numpy() == 1,
                        index=stops["stop_id"].to_numpy())
    if any(c.step_free_only for c in cats) and path == config.input_paths("gtfs")[0]:
        # GTFS rarely says; the conflated verdict also reads OSM and DB station data
        from stufenlos.transit.stops import stop_access_for_city

        conflated = stop_access_for_city(config, feed=feed)
        yes = conflated.set_index("stop_id")["step_free"].reindex(verdict.index) == "yes"
        verdict = verdict | yes.fillna(False).to_numpy(bool)
    parent = stops["parent_station"].fillna("").to_numpy()
    own = verdict.to_numpy(bool)
    from_parent = verdict.reindex(parent).fillna(False).to_numpy(bool)
    step_free = own | ((parent != "") & from_parent)
    board = (stops["location_type"].fillna(0).astype(int) == 0).to_numpy()
    rows = []
    for c in cats:
        sel = stops[board & step_free] if c.step_free_only else stops[board]
        rows.extend((c.name, f"gtfs/{sid}", float(lon), float(lat)) for sid, lon, lat in
                    zip(sel["stop_id"], sel["stop_lon"], sel["stop_lat"], strict=True))
    return rows


def read_db_station_points(paths: Iterable[Path]) -> pd.DataFrame:
    """DB stations: ``station_id``, ``name``, ``city``, ``lon``, ``lat``, ``step_free``
    (``yes``/``no``/``partial``/``unknown``)."""
    rows = []
    for path in paths:
        try:
            lines = Path(path).read_text("utf-8").splitlines()
        except OSError as exc:
            raise InputFileError(path, f"cannot read: {exc}") from None
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                loc = rec["location"]
                rows.append({
                    "station_id": str(rec["id"]), "name": str(rec["name"]),
                    "city": str((rec.get("address") or {}).get("city") or ""),
                    "lon": float(loc["longitude"]), "lat": float(loc["latitude"]),
                    "step_free": str(rec.get("hasSteplessAccess") or "unknown"),
                })
            except (ValueError, KeyError, TypeError) as exc:
                raise InputFileError(path, f"bad station record: {exc}",
                                     where=f"line {n}") from None
    return pd.DataFrame(rows, columns=["station_id", "name", "city", "lon", "lat", "step_free"])


def _parking_points(places: pd.DataFrame,
                    cats: list[Category]) -> list[tuple[str, str, float, float, None]]:
    """One row per disabled parking space (``ogc/<place id>#<n>``)."""
    spaces = places["disabled_spaces"].fillna(0).astype(int).to_numpy()
    return [(c.name, f"ogc/{pid}#{n}", float(lon), float(lat), None)
            for c in cats
            for pid, lon, lat, k in zip(places["id"], places["lon"], places["lat"], spaces,
                                        strict=True)
            for n in range(1, k + 1)]


def read_destinations(config: CityConfig, categories: Mapping[str, Category] | None = None,
                      *, names: Iterable[str] | None = None,
                      ogc_places: pd.DataFrame | None = None) -> pd.DataFrame:
    """All destinations of the chosen categories as ``category, ref, lon, lat, access``.

    ``access`` is ``wheelchair=*`` of OSM destinations (``yes``, ``limited``, ``no``,
    ``unknown``) and ``None`` for stops, stations and OGC API – Features places.

    ``ogc_places`` are the city's stored OGC API – Features places
    (:func:`~stufenlos.ingest.ogc_features.places_from_ogc`); without them the
    ``ogc-features`` categories have no destinations.
    Rows are sorted (category, ref) so that results never depend on file order.
    """
    cats_all = dict(categories or DEFAULT_CATEGORIES)
    if names is not None:
        names = list(names)
        bad = [n for n in names if n not in cats_all]
        if bad:
            msg = (
                f"unknown destination category {bad[0]!r}; "
                                f"known: {', '.join(cats_all)}"
            )
            raise CategoryError(msg)
        cats_all = {n: cats_all[n] for n in names}
    has_gtfs = bool(config.input_paths("gtfs"))
    stop_names = {"stop", "step_free_stop"}
    osm_cats = [c for c in cats_all.values() if c.source == "osm"
                and not (has_gtfs and c.name in stop_names)]
    gtfs_cats = [c for c in cats_all.values() if c.source == "gtfs"
                 or (has_gtfs and c.name in stop_names)]
    station_cats = [c for c in cats_all.values() if c.source == "stations"]
    ogc_cats = [c for c in cats_all.values() if c.source == "ogc-features"]
    rows: list[tuple[Any, ...]] = []
    for spec in config.inputs_of("osm"):
        path = config.resolve(spec.path)
        if not osm_cats:
            break
        if path.name.lower().endswith((".geojson", ".json")):
            rows += _overpass_points(path, osm_cats)
        else:
            rows += _osm_pbf_points(path, osm_cats)
    if gtfs_cats:
        for path in config.input_paths("gtfs"):
            rows += [(*r, None) for r in _gtfs_points(config, path, gtfs_cats)]
    if station_cats:
        st = read_db_station_points(config.input_paths("stations"))
        for c in station_cats:
            sel = st[st["step_free"] == "yes"] if c.step_free_only else st
            rows.extend((c.name, f"db/{sid}", lon, lat, None) for sid, lon, lat in
                        zip(sel["station_id"], sel["lon"], sel["lat"], strict=True))
    if ogc_cats and ogc_places is not None and not ogc_places.empty:
        rows += _parking_points(ogc_places, ogc_cats)
    df = pd.DataFrame(rows, columns=["category", "ref", "lon", "lat", "access"])
    df = df.drop_duplicates(["category", "ref"]).sort_values(["category", "ref"])
    return df.reset_index(drop=True)
