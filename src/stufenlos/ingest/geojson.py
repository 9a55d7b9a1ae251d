"""Read Overpass-turbo GeoJSON exports of OSM data.

Such exports keep each feature's OSM id (``@id`` = ``way/123`` / ``node/456``)
and all its tags, but ways carry coordinates instead of node ids. Topology is
rebuilt from identical coordinates (to 1e-7 degrees, OSM's own precision);
where a ``node/*`` Point lies on a way vertex, that vertex gets the node's real
id and tags, otherwise a synthetic negative id.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from stufenlos.errors import InputFileError
from stufenlos.ingest.areas import AREA_HIGHWAYS
from stufenlos.ingest.raw import NODE_KEYS, RawOsm, RawWay, is_candidate_way, is_rest_point

__all__ = ["GEOJSON_SUFFIXES", "read_overpass_geojson"]

logger = logging.getLogger(__name__)

GEOJSON_SUFFIXES = (".geojson", ".json")
_SCALE = 1e7


def _osm_ref(props: dict[str, Any]) -> tuple[str | None, int | None]:
    ref = props.get("@id") or props.get("id")
    if isinstance(ref, str) and "/" in ref:
        kind, _, num = ref.partition("/")
        if num.lstrip("-").isdigit():
            return kind, int(num)
    return None, None


def _check_coords(path: Path, coords: np.ndarray, where: str) -> None:
    if coords.ndim != 2 or coords.shape[1] < 2 or not np.isfinite(coords[:, :2]).all():
        raise InputFileError(path, "malformed coordinates", where=where)
    lon, lat = coords[:, 0], coords[:, 1]
    if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
        bad = coords[(np.abs(lon) > 180) | (np.abs(lat) > 90)][0]
        msg = f"coordinate {bad[0]}, {bad[1]} outside -180..180 / -90..90"
        raise InputFileError(path, msg, where=where)


def read_overpass_geojson(path: str | Path) -> RawOsm:
    """Read an Overpass-turbo GeoJSON export into the reader tables.

    Raises :class:`~stufenlos.errors.InputFileError` naming the file (and the
    feature) for invalid JSON, a non-FeatureCollection, bad coordinates, or a
    file without any way.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(p, "file not found")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(p, f"not UTF-8 text ({exc.reason})") from None
    if not text.strip():
        raise InputFileError(p, "file is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise InputFileError(p, f"invalid JSON: {exc.msg}", where=where) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputFileError(p, "not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InputFileError(p, "`features` is missing or not a list")

    raw = RawOsm(source=str(p))
    point_nodes: dict[tuple[int, int], tuple[int, dict[str, str]]] = {}
    #: (way id, tags, coordinates, polygon?, inner ring?) per way or ring
    lines: list[tuple[int, dict[str, str], np.ndarray, bool, bool]] = []
    for i, feat in enumerate(features):
        if not isinstance(feat, dict) or not isinstance(feat.get("geometry"), dict):
            continue
        props = {str(k): str(v) for k, v in (feat.get("properties") or {}).items()
                 if v is not None}  # fmt: skip
        kind, osm_id = _osm_ref(props)
        tags = {k: v for k, v in props.items() if not k.startswith("@") and k != "id"}
        geom = feat["geometry"]
        gtype = geom.get("type")
        where = f"feature {i}" + (f" ({kind}/{osm_id})" if osm_id is not None else "")
        # a walkable multipolygon relation (a square with holes) keeps all its rings;
        # of anything else the outer ring of the first polygon is the way
        square = (kind == "relation" and osm_id is not None
                  and tags.get("highway") in AREA_HIGHWAYS)
        try:
            if gtype == "Point":
                rings = [([geom["coordinates"]], False)]
            elif gtype == "LineString":
                rings = [(geom["coordinates"], False)]
            elif gtype in ("Polygon", "MultiPolygon") and square:
                polys = geom["coordinates"] if gtype == "MultiPolygon" else [geom["coordinates"]]
                rings = [(r, k > 0) for poly in polys for k, r in enumerate(poly)]
            elif gtype == "Polygon":
                rings = [(geom["coordinates"][0], False)]
            elif gtype == "MultiPolygon":
                rings = [(geom["coordinates"][0][0], False)]
            else:
                continue
            rings = [(np.asarray(r, dtype=np.float64), inner) for r, inner in rings]
        except (KeyError, IndexError, TypeError, ValueError):
            raise InputFileError(p, "malformed geometry", where=where) from None
        for coords, _ in rings:
            _check_coords(p, coords, where)
        coords = rings[0][0]
        if gtype == "Point":
            key = (round(coords[0, 0] * _SCALE), round(coords[0, 1] * _SCALE))
            node_tags = {k: v for k, v in tags.items() if k in NODE_KEYS}
            if kind == "node" and osm_id is not None:
                point_nodes[key] = (osm_id, node_tags)
            if is_rest_point(tags):
                raw.rest_points.append((float(coords[0, 0]), float(coords[0, 1])))
            continue
        if is_rest_point(tags):
            raw.rest_points.append((float(coords[0, 0]), float(coords[0, 1])))
        if square:
            lines.extend((-osm_id, tags, c[:, :2], True, inner)  # type: ignore[operator]
                         for c, inner in rings if len(c) >= 4)
            continue
        if kind not in (None, "way") or not is_candidate_way(tags) or len(coords) < 2:
            continue
        lines.append((osm_id if osm_id is not None else -(i + 1), tags, coords[:, :2],
                      gtype != "LineString", False))
    if not lines:
        raise InputFileError(p, "no ways (LineString or Polygon features with highway=*) found")

    # one id per distinct coordinate: the real node id where a Point sits there
    vertex_ids: dict[tuple[int, int], int] = {}
    next_synthetic = -1
    for way_id, tags, coords, is_area, inner in lines:
        keys = [(round(x * _SCALE), round(y * _SCALE)) for x, y in coords]
        ids = []
        for key in keys:
            nid = vertex_ids.get(key)
            if nid is None:
                if key in point_nodes:
                    nid = point_nodes[key][0]
                else:
                    nid = next_synthetic
                    next_synthetic -= 1
                vertex_ids[key] = nid
            ids.append(nid)
        closed = len(ids) > 2 and ids[0] == ids[-1]
        area = is_area or (closed and tags.get("area") == "yes")
        raw.ways.append(
            RawWay(
                id=way_id,
                nodes=np.asarray(ids, dtype=np.int64),
                coords=np.ascontiguousarray(coords),
                tags=tags,
                area=area,
                inner=inner,
            )
        )
    for key, (nid, node_tags) in point_nodes.items():
        if node_tags:
            raw.node_tags[nid] = node_tags
            raw.node_coords[nid] = (key[0] / _SCALE, key[1] / _SCALE)
    unattached = sum(1 for k in point_nodes if k not in vertex_ids)
    if unattached:
        logger.info("%s: %d tagged points do not lie on a way vertex", p.name, unattached)
    return raw
