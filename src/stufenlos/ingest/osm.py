"""Read OSM files (``.osm.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz``) with pyosmium."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import osmium
import osmium.filter

from stufenlos.errors import InputFileError
from stufenlos.ingest.areas import AREA_HIGHWAYS
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


#: way keys :func:`~stufenlos.ingest.raw.is_candidate_way` and
#: :func:`~stufenlos.ingest.raw.is_rest_point` look at: libosmium drops other ways
_WAY_KEYS = ("highway", "railway", "public_transport", "amenity", "leisure", "bench")
#: way nodes gathered in Python lists before they become one numpy chunk
_CHUNK = 1 << 16
_WAY_NODE = np.dtype([("id", np.int64), ("lon", np.float64), ("lat", np.float64)])


def read_osm(path: str | Path) -> RawOsm:
    """Read candidate pedestrian ways, tagged nodes and rest points from an OSM file.

    Raises :class:`~stufenlos.errors.InputFileError` naming the file when it is
    missing, empty, truncated or not OSM data.
    """
    p = Path(path)
    _check_readable(p)
    raw = RawOsm(source=str(p))
    ways = _WayNodes()
    # pyosmium's FileProcessor stores every node location (needed for way geometry)
    # and hands Python only the nodes and ways that carry a key read here (libosmium's
    # key filters run in C++). Of the relations only walkable multipolygons are read:
    # libosmium's area assembler joins their member ways (tagged or not) into rings.
    processor = (
        osmium.FileProcessor(str(p), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.AREA)
        .with_locations()
        .with_areas(osmium.filter.TagFilter(("type", "multipolygon")),
                    osmium.filter.TagFilter(*(("highway", v) for v in sorted(AREA_HIGHWAYS))))
        .with_filter(osmium.filter.KeyFilter(*NODE_KEYS).enable_for(osmium.osm.NODE))
        .with_filter(osmium.filter.KeyFilter(*_WAY_KEYS).enable_for(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway").enable_for(osmium.osm.AREA))
    )
    try:
        for obj in processor:
            if obj.is_area():
                if not obj.from_way():  # closed ways come as ways
                    ways.add_polygon(obj)
            elif obj.is_node():
                loc = obj.location
                if not loc.valid():
                    continue
                tags = {t.k: t.v for t in obj.tags if t.k in NODE_KEYS}
                lonlat = (loc.lon, loc.lat)
                raw.node_tags[obj.id] = tags
                raw.node_coords[obj.id] = lonlat
                if is_rest_point(tags):
                    raw.rest_points.append(lonlat)
            else:
                tags = dict(obj.tags)
                if is_rest_point(tags) and len(obj.nodes):
                    first = obj.nodes[0]
                    if first.location.valid():
                        raw.rest_points.append((first.lon, first.lat))
                if is_candidate_way(tags):
                    raw.clipped_nodes += ways.add(obj, tags)
    except osmium.InvalidLocationError as exc:  # pragma: no cover - guarded by valid()
        raise InputFileError(p, f"invalid node location: {exc}") from None
    except RuntimeError as exc:
        raise InputFileError(p, f"cannot read OSM data: {exc}") from None
    raw.ways = ways.finish()
    if not (raw.ways or raw.node_tags or raw.rest_points) and not _has_objects(p):
        raise InputFileError(p, "no OSM nodes or ways in file (empty or not OSM data)")
    logger.info("%s: %d candidate ways, %d tagged nodes", p.name, len(raw.ways),
                len(raw.node_tags))
    return raw


def _has_objects(path: Path) -> bool:
    """Whether an OSM file holds any node or way (asked only when nothing was kept)."""
    try:
        return any(True for _ in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY))
    except RuntimeError as exc:
        raise InputFileError(path, f"cannot read OSM data: {exc}") from None


class _WayNodes:
    """The candidate ways read so far: their nodes in numpy chunks, one entry per part.

    pyosmium hands over a way's nodes one Python object at a time; they are
    gathered in one flat list and turned into arrays a chunk at a time, so the
    ways' node and coordinate arrays end up as views into a few big arrays
    instead of two small arrays built per way.
    """

    def __init__(self) -> None:
        self._flat: list[tuple[int, float, float]] = []
        self._chunks: list[np.ndarray] = []
        self._n = 0  # way nodes in the chunks
        #: (way id, first node, end, tags, area, inner ring) per part
        self._parts: list[tuple[int, int, int, dict[str, str], bool, bool]] = []

    def add(self, way: osmium.osm.Way, tags: dict[str, str]) -> int:
        """Add a way; nodes outside the extract split it into the parts inside.

        Returns the number of its nodes outside the extract.
        """
        try:
            pts = [(nr.ref, nr.lon, nr.lat) for nr in way.nodes]
            clipped = 0
            runs = [pts] if len(pts) >= 2 else []
        except osmium.InvalidLocationError:
            runs, run, clipped = [], [], 0
            for nr in way.nodes:
                loc = nr.location
                if loc.valid():
                    run.append((nr.ref, loc.lon, loc.lat))
                else:
                    clipped += 1
                    if len(run) >= 2:
                        runs.append(run)
                    run = []
            if len(run) >= 2:
                runs.append(run)
        area = (len(runs) == 1 and len(runs[0]) > 2 and runs[0][0][0] == runs[0][-1][0]
                and tags.get("area") == "yes")
        for run in runs:
            at = self._n + len(self._flat)
            self._parts.append((way.id, at, at + len(run), tags, area, False))
            self._flat.extend(run)
        if len(self._flat) >= _CHUNK:
            self._flush()
        return clipped

    def add_polygon(self, area: osmium.osm.Area) -> None:
        """Add the rings of a multipolygon relation's area as closed ways.

        Each ring becomes a way with the relation's tags and minus the relation's id
        (relation and way ids are separate in OSM); inner rings are marked ``inner``.
        """
        tags = dict(area.tags)
        if tags.get("highway") not in AREA_HIGHWAYS:
            return
        rid = -area.orig_id()
        for outer in area.outer_rings():
            for ring, inner in [(outer, False), *((r, True) for r in area.inner_rings(outer))]:
                run = [(nr.ref, nr.lon, nr.lat) for nr in ring]
                at = self._n + len(self._flat)
                self._parts.append((rid, at, at + len(run), tags, True, inner))
                self._flat.extend(run)

    def _flush(self) -> None:
        if self._flat:
            self._chunks.append(np.array(self._flat, dtype=_WAY_NODE))
            self._n += len(self._flat)
            self._flat = []

    def finish(self) -> list[RawWay]:
        """The ways, in the order read."""
        self._flush()
        table = np.concatenate(self._chunks) if self._chunks else np.zeros(0, _WAY_NODE)
        self._chunks = []
        ids = table["id"].copy()
        xy = np.column_stack([table["lon"], table["lat"]])
        del table
        return [RawWay(id=wid, nodes=ids[a:b], coords=xy[a:b], tags=tags, area=area, inner=inner)
                for wid, a, b, tags, area, inner in self._parts]
