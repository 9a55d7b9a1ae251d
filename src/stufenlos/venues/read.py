"""Read venues, their entrances and the freshness of barriers from an OSM input.

``.osm.pbf``/``.osm`` files are read with pyosmium in one pass over the file
(plus the area assembler's own pass): venue nodes; venue ways and
multipolygons as areas (centroid and outline); every building outline, so a
shop mapped as a node inside a building gets that building's entrances;
``entrance=*`` nodes; and the check dates and timestamps of the OSM objects the
barrier layer was built from. Overpass GeoJSON exports are read as JSON, with the
same rules.

Entrances are matched to venues by geometry: an ``entrance=*`` node that lies on
a venue's outline or inside it (or on/in the building that contains a venue
node) belongs to that venue; an entrance of a building with several shops
belongs to each of them.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from stufenlos import freshness
from stufenlos.errors import InputFileError
from stufenlos.ingest.tags import kerb_from_tags, parse_count, parse_length_m
from stufenlos.venues.kinds import access_of, kind_of

__all__ = ["ENTRANCE_COLUMNS", "VENUE_COLUMNS", "OsmExtras", "read_extras"]

logger = logging.getLogger(__name__)

VENUE_COLUMNS = ["id", "name", "key", "kind", "wheelchair", "toilets_wheelchair",
                 "wheelchair_description", "street", "housenumber", "lon", "lat",
                 "last_checked", "checked_by", "geometry"]
ENTRANCE_COLUMNS = ["venue_id", "entrance_id", "lon", "lat", "entrance", "name", "wheelchair",
                    "door", "automatic_door", "width_m", "step_count", "kerb_cm", "street",
                    "housenumber", "last_checked", "checked_by"]
Key = tuple[str, int]


class OsmExtras:
    """What :func:`read_extras` found: ``venues`` and ``entrances`` tables and
    ``fresh``, ``(osm_type, id) -> (last_checked, checked_by)`` of the objects asked for."""

    def __init__(self) -> None:
        self.venues: list[dict[str, Any]] = []
        self.entrances: list[dict[str, Any]] = []
        self.buildings: list[tuple[str, bytes]] = []
        self.fresh: dict[Key, tuple[str, str]] = {}

    def venue_table(self) -> pd.DataFrame:
        """Venues (one row each, first reading of an id wins) as a DataFrame."""
        df = pd.DataFrame(self.venues, columns=VENUE_COLUMNS)
        return df.drop_duplicates("id").sort_values("id").reset_index(drop=True)

    def entrance_table(self, venues: pd.DataFrame) -> pd.DataFrame:
        """Entrances matched to ``venues`` (one row per entrance and venue)."""
        return _match_entrances(venues, self.entrances, self.buildings)


def _venue(ref: str, tags: Mapping[str, str], lon: float, lat: float, geometry: bytes | None,
           timestamp: Any) -> dict[str, Any] | None:
    kind = kind_of(tags)
    if kind is None:
        return None
    checked, by = freshness.from_tags(tags, timestamp)
    return {
        "id": ref, "name": tags.get("name"), "key": kind[0], "kind": kind[1],
        "wheelchair": access_of(tags.get("wheelchair")),
        "toilets_wheelchair": tags.get("toilets:wheelchair"),
        "wheelchair_description": tags.get("wheelchair:description:de")
        or tags.get("wheelchair:description"),
        "street": tags.get("addr:street"), "housenumber": tags.get("addr:housenumber"),
        "lon": round(float(lon), 7), "lat": round(float(lat), 7),
        "last_checked": checked, "checked_by": by, "geometry": geometry,
    }


def _entrance(ref: str, tags: Mapping[str, str], lon: float, lat: float,
              timestamp: Any) -> dict[str, Any]:
    width = math.nan
    for key in ("door:width", "width", "entrance:width"):
        width = parse_length_m(tags.get(key))
        if not math.isnan(width):
            break
    kerb = kerb_from_tags(tags)
    checked, by = freshness.from_tags(tags, timestamp)
    return {
        "entrance_id": ref, "lon": round(float(lon), 7), "lat": round(float(lat), 7),
        "entrance": tags.get("entrance"), "name": tags.get("name") or tags.get("ref"),
        "wheelchair": access_of(tags.get("wheelchair")), "door": tags.get("door"),
        "automatic_door": tags.get("automatic_door"), "width_m": width,
        "step_count": parse_count(tags.get("step_count")),
        "kerb_cm": kerb * 100.0 if not math.isnan(kerb) else math.nan,
        "street": tags.get("addr:street"), "housenumber": tags.get("addr:housenumber"),
        "last_checked": checked, "checked_by": by,
    }


def _read_pbf(path: Path, wanted: set[Key], out: OsmExtras) -> None:
    import osmium
    import osmium.geom

    wkb = osmium.geom.WKBFactory()

    class Handler(osmium.SimpleHandler):  # type: ignore[misc]
        def node(self, n: Any) -> None:
            key = ("node", n.id)
            tags = n.tags
            if key in wanted:
                fresh = freshness.from_tags(dict(tags), n.timestamp)
                if fresh[0]:
                    out.fresh[key] = fresh  # type: ignore[assignment]
            if not len(tags) or not n.location.valid():
                return
            plain = None
            if "entrance" in tags:
                plain = dict(tags)
                out.entrances.append(_entrance(f"node/{n.id}", plain, n.location.lon,
                                               n.location.lat, n.timestamp))
            if any(k in tags for k in ("healthcare", "amenity", "shop", "office", "tourism",
                                       "leisure")):
                plain = plain or dict(tags)
                v = _venue(f"node/{n.id}", plain, n.location.lon, n.location.lat, None,
                           n.timestamp)
                if v is not None:
                    out.venues.append(v)

        def way(self, w: Any) -> None:
            key = ("way", w.id)
            if key in wanted:
                fresh = freshness.from_tags(dict(w.tags), w.timestamp)
                if fresh[0]:
                    out.fresh[key] = fresh  # type: ignore[assignment]

        def area(self, a: Any) -> None:
            tags = a.tags
            building = "building" in tags and tags.get("building") != "no"
            venue = any(k in tags for k in ("healthcare", "amenity", "shop", "office",
                                            "tourism", "leisure"))
            if not (building or venue):
                return
            try:
                geom = bytes.fromhex(wkb.create_multipolygon(a))
            except RuntimeError:  # a broken outline: pyosmium cannot build it
                return
            ref = f"{'way' if a.from_way() else 'relation'}/{a.orig_id()}"
            if building:
                out.buildings.append((ref, geom))
            if venue:
                plain = dict(tags)
                if kind_of(plain) is None:
                    return
                c = shapely.centroid(shapely.from_wkb(geom))
                v = _venue(ref, plain, c.x, c.y, geom, a.timestamp)
                if v is not None:
                    out.venues.append(v)

    try:
        Handler().apply_file(str(path), locations=True)
    except RuntimeError as exc:
        raise InputFileError(path, f"cannot read OSM data: {exc}") from None


def _read_overpass(path: Path, wanted: set[Key], out: OsmExtras) -> None:
    try:
        feats = json.loads(path.read_text("utf-8")).get("features", [])
    except (OSError, ValueError, AttributeError) as exc:
        raise InputFileError(path, f"not readable GeoJSON: {exc}") from None
    for i, f in enumerate(feats):
        props = f.get("properties") or {}
        ref = str(props.get("@id") or f.get("id") or "")
        meta = props.get("@meta") if isinstance(props.get("@meta"), dict) else {}
        stamp = props.get("@timestamp") or meta.get("timestamp")
        tags = {k: str(v) for k, v in props.items() if not k.startswith("@")}
        osm_type, _, num = ref.partition("/")
        if num.lstrip("-").isdigit() and (osm_type, int(num)) in wanted:
            fresh = freshness.from_tags(tags, stamp)
            if fresh[0]:
                out.fresh[(osm_type, int(num))] = fresh  # type: ignore[assignment]
        try:
            geom = shapely.geometry.shape(f["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.warning("%s: feature %d has no usable geometry; skipped", path, i)
            continue
        polygonal = geom.geom_type in ("Polygon", "MultiPolygon")
        if geom.geom_type == "Point" and ("entrance" in tags):
            out.entrances.append(_entrance(ref, tags, geom.x, geom.y, stamp))
        if polygonal and "building" in tags:
            out.buildings.append((ref, shapely.to_wkb(geom)))
        c = geom if geom.geom_type == "Point" else geom.centroid
        v = _venue(ref or f"feature/{i}", tags, c.x, c.y,
                   shapely.to_wkb(geom) if polygonal else None, stamp)
        if v is not None:
            out.venues.append(v)


def read_extras(paths: Iterable[str | Path], *, wanted: Iterable[Key] = ()) -> OsmExtras:
    """Venues, entrances and freshness from the city's OSM inputs.

    ``wanted`` are the ``(osm_type, id)`` of the objects whose freshness is asked
    for (the barrier layer's).
    """
    want = set(wanted)
    out = OsmExtras()
    for p in map(Path, paths):
        if p.name.lower().endswith((".geojson", ".json")):
            import shapely.geometry  # noqa: F401  (shape())

            _read_overpass(p, want, out)
        else:
            _read_pbf(p, want, out)
    return out


def _match_entrances(venues: pd.DataFrame, entrances: list[dict[str, Any]],
                     buildings: list[tuple[str, bytes]]) -> pd.DataFrame:
    """One row per (entrance, venue): entrances on or inside the venue's outline, or
    on or inside the building that holds a venue node."""
    cols = ENTRANCE_COLUMNS
    if not entrances or venues.empty:
        return pd.DataFrame(columns=cols)
    ent = pd.DataFrame(entrances).drop_duplicates("entrance_id").reset_index(drop=True)
    pts = shapely.points(ent["lon"].to_numpy(), ent["lat"].to_numpy())
    # a venue's outline: its own, or the building around its node
    outline = np.array([None if g is None else shapely.from_wkb(g)
                        for g in venues["geometry"]], dtype=object)
    if buildings:
        bgeom = shapely.from_wkb([g for _, g in buildings])
        btree = shapely.STRtree(bgeom)
        lone = np.flatnonzero([g is None for g in outline])
        vpts = shapely.points(venues["lon"].to_numpy()[lone], venues["lat"].to_numpy()[lone])
        vi, bi = btree.query(vpts, predicate="within")
        for v, b in zip(vi, bi, strict=True):
            if outline[lone[v]] is None:
                outline[lone[v]] = bgeom[b]
    has = np.flatnonzero([g is not None for g in outline])
    if not has.size:
        return pd.DataFrame(columns=cols)
    # on the outline counts: an entrance is a vertex of the building's ring
    tree = shapely.STRtree(list(outline[has]))
    ei, vj = tree.query(pts, predicate="dwithin", distance=1e-7)
    rows = ent.iloc[ei].copy()
    rows.insert(0, "venue_id", venues["id"].to_numpy()[has[vj]])
    rows = rows[cols].sort_values(["venue_id", "entrance_id"]).reset_index(drop=True)
    return rows
