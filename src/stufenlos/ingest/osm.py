"""Read OSM files (``.osm.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz``) with pyosmium."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import osmium
import osmium.filter

from stufenlos.errors import InputFileError
from stufenlos.ingest.raw import NODE_KEYS, RawOsm, RawWay, is_candidate_way, is_rest_point

__all__ = ["OSM_SUFFIXES", "read_osm"]

logger = logging.getLogger(__name__)

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml", ".osm.xml")


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputFileError(path, "file not found")
    if not path.is_file():
        raise InputFileError(path, "not a regular file")
    if path.stat().st_size == 0:
        raise InputFileError(path, "file is empty")
    name = path.name.lower()
    if not name.endswith(OSM_SUFFIXES):
        msg = f"unknown OSM file type (expected one of {', '.join(OSM_SUFFIXES)})"
        raise InputFileError(path, msg)
    if name.endswith((".osm", ".xml", ".osm.xml")):
        head = path.read_bytes()[:512].lstrip()
        if not head.startswith(b"<"):
            raise InputFileError(path, "not OSM XML (does not start with '<')", where="line 1")


def read_osm(path: str | Path) -> RawOsm:
    """Read candidate pedestrian ways, tagged nodes and rest points from an OSM file.

    Raises :class:`~stufenlos.errors.InputFileError` naming the file when it is
    missing, empty, truncated or not OSM data.
    """
    p = Path(path)
    _check_readable(p)
    raw = RawOsm(source=str(p))
    n_nodes = n_ways = 0
    # pyosmium's FileProcessor stores every node location (needed for way
    # geometry) and hands Python only the objects that pass the key filter.
    processor = (
        osmium.FileProcessor(str(p)).with_locations().with_filter(osmium.filter.EmptyTagFilter())
    )
    try:
        for obj in processor:
            if obj.is_node():
                n_nodes += 1
                tags = {t.k: t.v for t in obj.tags if t.k in NODE_KEYS}
                if not tags:
                    continue
                loc = obj.location
                if not loc.valid():
                    continue
                lonlat = (loc.lon, loc.lat)
                raw.node_tags[obj.id] = tags
                raw.node_coords[obj.id] = lonlat
                if is_rest_point(tags):
                    raw.rest_points.append(lonlat)
            elif obj.is_way():
                n_ways += 1
                tags = dict(obj.tags)
                if is_rest_point(tags) and len(obj.nodes):
                    first = obj.nodes[0]
                    if first.location.valid():
                        raw.rest_points.append((first.lon, first.lat))
                if not is_candidate_way(tags):
                    continue
                _add_way(raw, obj, tags)
    except osmium.InvalidLocationError as exc:  # pragma: no cover - guarded by valid()
        raise InputFileError(p, f"invalid node location: {exc}") from None
    except RuntimeError as exc:
        raise InputFileError(p, f"cannot read OSM data: {exc}") from None
    if n_nodes == 0 and n_ways == 0:
        raise InputFileError(p, "no OSM nodes or ways in file (empty or not OSM data)")
    logger.info(
        "%s: %d nodes, %d ways read, %d candidate ways", p.name, n_nodes, n_ways, len(raw.ways)
    )
    return raw


def _add_way(raw: RawOsm, way: osmium.osm.Way, tags: dict[str, str]) -> None:
    """Append a way; nodes outside the extract split it into the parts inside."""
    ids: list[int] = []
    coords: list[tuple[float, float]] = []
    parts: list[tuple[list[int], list[tuple[float, float]]]] = []
    for nr in way.nodes:
        loc = nr.location
        if loc.valid():
            ids.append(nr.ref)
            coords.append((loc.lon, loc.lat))
        else:
            raw.clipped_nodes += 1
            if len(ids) >= 2:
                parts.append((ids, coords))
            ids, coords = [], []
    if len(ids) >= 2:
        parts.append((ids, coords))
    closed = (
        bool(parts)
        and len(parts) == 1
        and len(parts[0][0]) > 2
        and (parts[0][0][0] == parts[0][0][-1])
    )
    area = closed and tags.get("area") == "yes"
    for pid, pc in parts:
        raw.ways.append(
            RawWay(
                id=way.id,
                nodes=np.asarray(pid, dtype=np.int64),
                coords=np.asarray(pc, dtype=np.float64),
                tags=tags,
                area=area,
            )
        )
