"""The barrier layer: every feature that matters for step-free travel, as records.

Each record has a kind (see :data:`BARRIER_KINDS`), a location, the attributes
that matter for it, its OSM id and the network arcs it affects. Helps such as
lowered kerbs, ramps and elevators are recorded too: a barrier information
system must show where the way *is* possible, not only where it is not.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import JSON, Float, Integer, String, create_engine, func, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from stufenlos._util import csv_table
from stufenlos.errors import UnknownCityError
from stufenlos.network import Network

__all__ = [
    "BAD_SMOOTHNESS",
    "BAD_SURFACES",
    "BARRIER_KINDS",
    "BarrierStore",
    "extract_barriers",
    "write_city_database",
]

#: kind -> (English label, German label)
BARRIER_KINDS: dict[str, tuple[str, str]] = {
    "steps": ("Steps", "Stufen"),
    "escalator": ("Escalator", "Rolltreppe"),
    "elevator": ("Elevator", "Aufzug"),
    "kerb": ("Kerb", "Bordstein"),
    "steep_incline": ("Steep incline", "Starke Steigung"),
    "narrow_passage": ("Narrow passage", "Engstelle"),
    "bad_surface": ("Bad surface", "Schlechter Belag"),
    "ramp": ("Ramp", "Rampe"),
    "bollard": ("Bollard", "Poller"),
    "gate": ("Gate", "Tor"),
    "barrier": ("Other barrier", "Sonstige Barriere"),
    "crossing_without_sound": ("Signalised crossing without sound", "Ampel ohne Tonsignal"),
    "crossing_unmarked": ("Unmarked crossing", "Ungesicherte Querung"),
    "missing_tactile_paving": ("Crossing without tactile paving", "Querung ohne Bodenindikatoren"),
    "not_wheelchair_accessible": (
        "Marked not wheelchair accessible",
        "Als nicht rollstuhlgerecht markiert",
    ),
}
BAD_SURFACES = frozenset({
    "sett", "cobblestone", "unhewn_cobblestone", "gravel", "pebblestone", "sand", "grass",
    "dirt", "earth", "ground", "mud", "woodchips", "unpaved", "rock", "stone", "snow", "ice",
})  # fmt: skip
BAD_SMOOTHNESS = frozenset({"bad", "very_bad", "horrible", "very_horrible", "impassable"})
STEEP_INCLINE_PCT = 6.0
NARROW_WIDTH_M = 0.9
_GATES = frozenset({"gate", "lift_gate", "swing_gate", "sliding_gate", "wicket_gate",
                    "hampshire_gate", "turnstile_gate"})  # fmt: skip
_NARROW_BARRIERS = frozenset({"cycle_barrier", "kissing_gate", "turnstile", "stile",
                              "full-height_turnstile", "motorcycle_barrier"})  # fmt: skip

_EDGE_ATTRS = {
    "steps": (
        "step_count",
        "handrail",
        "ramp",
        "ramp_wheelchair",
        "ramp_stroller",
        "incline_dir",
        "width_m",
        "level",
        "name",
    ),
    "escalator": ("incline_dir", "level", "name"),
    "elevator": ("level", "wheelchair", "name"),
    "steep_incline": ("incline_pct", "surface", "length_m", "name"),
    "narrow_passage": ("width_m", "surface", "name"),
    "bad_surface": ("surface", "smoothness", "name"),
    "ramp": ("ramp", "ramp_wheelchair", "ramp_stroller", "incline_pct", "name"),
    "crossing_without_sound": ("crossing", "signal_sound", "signal_vibration", "tactile_paving"),
    "crossing_unmarked": ("crossing", "crossing_island", "tactile_paving"),
    "missing_tactile_paving": ("crossing", "tactile_paving"),
    "not_wheelchair_accessible": ("wheelchair", "highway", "surface", "name"),
}


def _clean(value: Any) -> Any:
    """JSON-safe Python value, or ``None`` for nulls."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _edge_masks(e: pd.DataFrame) -> dict[str, np.ndarray]:
    surface = e["surface"].astype(object)
    smooth = e["smoothness"].astype(object)
    crossing = e["crossing"].astype(object)
    incline = e["incline_pct"].to_numpy()
    with np.errstate(invalid="ignore"):
        return {
            "steps": (e["steps"] & ~e["escalator"]).to_numpy(),
            "escalator": e["escalator"].to_numpy(),
            "elevator": e["elevator"].to_numpy(),
            "steep_incline": np.abs(incline) >= STEEP_INCLINE_PCT,
            "narrow_passage": (e["width_m"] < NARROW_WIDTH_M).to_numpy(),
            "bad_surface": (surface.isin(BAD_SURFACES) | smooth.isin(BAD_SMOOTHNESS)).to_numpy(),
            "ramp": ((e["ramp"] == 1) | (e["ramp_wheelchair"] == 1)).to_numpy(),
            "crossing_without_sound": (
                (crossing == "traffic_signals") & (e["signal_sound"] == 0)
            ).to_numpy(),
            "crossing_unmarked": (crossing == "unmarked").to_numpy(),
            "missing_tactile_paving": (
                e["footway"].astype(object).eq("crossing")
                & e["tactile_paving"].astype(object).eq("no")
            ).to_numpy(),
            "not_wheelchair_accessible": e["wheelchair"].astype(object).eq("no").to_numpy(),
        }


def _midpoints(wkb: np.ndarray) -> np.ndarray:
    geoms = shapely.from_wkb(wkb)
    return shapely.get_coordinates(shapely.line_interpolate_point(geoms, 0.5, normalized=True))


def extract_barriers(
    net: Network,
    *,
    unlinked_elevators: Sequence[tuple[int, float, float, dict[str, str]]] = (),
) -> list[dict[str, Any]]:
    """Barrier records (plain dicts) from a network's edge and node tables.

    ``unlinked_elevators`` are elevators mapped as outlines that no walkable way
    touches (see :class:`~stufenlos.builder.BuildReport`): they are recorded with
    ``connected: false`` and no edges, so they show on the map and as mapping tasks.
    """
    e = net.edges
    records: list[dict[str, Any]] = []
    way = e["osm_way_id"].fillna(0).to_numpy(np.int64)
    node_u = e["osm_node_u"].fillna(0).to_numpy(np.int64)
    # node elevators have no way: group their arcs by the elevator's node id
    key = np.where(way > 0, way, -node_u)
    geometry = e["geometry"].to_numpy()
    tail = e["u"].to_numpy()
    for kind, mask in _edge_masks(e).items():
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        # group the arcs by key with one stable sort: each group's arcs stay ascending
        idx = idx[np.argsort(key[idx], kind="stable")]
        keys = key[idx]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        firsts = idx[starts]
        arcs_of = np.split(idx, starts[1:])
        mids = (
            _midpoints(geometry[firsts])
            if kind != "elevator"
            else net.node_lonlat[tail[firsts]]
        ).tolist()
        cols = _EDGE_ATTRS.get(kind, ())
        attr_cols = {c: [_clean(v) for v in e[c].to_numpy(dtype=object)[firsts]] for c in cols}
        names = attr_cols.pop("name", [None] * len(firsts))
        for j, k in enumerate(keys[starts].tolist()):
            osm_type, osm_id = ("way", k) if k > 0 else ("node", -k)
            arcs = arcs_of[j].tolist()
            records.append(
                {
                    "id": f"{osm_type}/{osm_id}/{kind}" if osm_id else f"edge/{arcs[0]}/{kind}",
                    "kind": kind,
                    "lon": mids[j][0],
                    "lat": mids[j][1],
                    "osm_type": osm_type if osm_id else None,
                    "osm_id": osm_id or None,
                    "name": names[j],
                    "attributes": {c: v[j] for c, v in attr_cols.items() if v[j] is not None},
                    "edge_ids": arcs,
                }
            )
    records.extend(_node_barriers(net))
    for way_id, lon, lat, tags in unlinked_elevators:
        attrs = {k: tags[k] for k in ("level", "repeat_on", "wheelchair", "indoor") if k in tags}
        records.append(
            {
                "id": f"way/{way_id}/elevator",
                "kind": "elevator",
                "lon": lon,
                "lat": lat,
                "osm_type": "way",
                "osm_id": way_id,
                "name": tags.get("name"),
                "attributes": {**attrs, "connected": False},
                "edge_ids": [],
            }
        )
    return records


def _objects(col: pd.Series) -> np.ndarray:
    """A column as an object array with ``None`` for nulls."""
    return col.astype(object).where(col.notna(), None).to_numpy()


def _node_barriers(net: Network) -> list[dict[str, Any]]:
    nodes = net.nodes
    barrier = nodes["barrier"].astype(object)
    crossing = nodes["crossing"].astype(object)
    kerb_known = nodes["kerb"].notna() | nodes["kerb_m"].notna() | barrier.eq("kerb")
    width_narrow = (nodes["width_m"] < NARROW_WIDTH_M) & ~barrier.isin(_NARROW_BARRIERS)
    masks = {
        "kerb": kerb_known,
        "bollard": barrier.eq("bollard"),
        "gate": barrier.isin(_GATES),
        "narrow_passage": barrier.isin(_NARROW_BARRIERS) | width_narrow,
        "barrier": barrier.notna() & ~barrier.isin(_GATES | _NARROW_BARRIERS | {"bollard", "kerb"}),
        "crossing_without_sound": crossing.eq("traffic_signals") & nodes["signal_sound"].eq(0),
        "crossing_unmarked": crossing.eq("unmarked"),
        "missing_tactile_paving": nodes["tactile_paving"].astype(object).eq("no")
        & (crossing.notna() | kerb_known),
        "not_wheelchair_accessible": nodes["wheelchair"].astype(object).eq("no"),
    }
    hit = np.zeros(len(nodes), dtype=bool)
    for m in masks.values():
        hit |= m.to_numpy(dtype=bool)
    ids = np.flatnonzero(hit)
    if not len(ids):
        return []
    # the arcs at each hit node, ascending: one sort of (node, arc) pairs
    arc = np.tile(np.arange(net.n_edges), 2)
    end = np.concatenate([net.u, net.v])
    keep = hit[end]
    arc, end = arc[keep], end[keep]
    order = np.lexsort((arc, end))
    arc, end = arc[order], end[order]
    fresh = np.r_[True, (end[1:] != end[:-1]) | (arc[1:] != arc[:-1])]
    arc, end = arc[fresh], end[fresh]
    starts = np.flatnonzero(np.r_[True, end[1:] != end[:-1]])
    arcs_of = dict(zip(end[starts].tolist(), (a.tolist() for a in np.split(arc, starts[1:])),
                       strict=True))
    sub = nodes.iloc[ids]
    cols = {
        "height_m": sub["kerb_m"].to_numpy(),
        "kerb": _objects(sub["kerb"]),
        "barrier": _objects(sub["barrier"]),
        "width_m": sub["width_m"].to_numpy(),
        "crossing": _objects(sub["crossing"]),
        "signal_sound": sub["signal_sound"].to_numpy(),
        "tactile_paving": _objects(sub["tactile_paving"]),
        "wheelchair": _objects(sub["wheelchair"]),
    }
    osm = sub["osm_id"].to_numpy(dtype=object, na_value=None)
    lon, lat = sub["lon"].to_numpy(), sub["lat"].to_numpy()
    kinds_at = {kind: m.to_numpy(dtype=bool)[ids] for kind, m in masks.items()}
    out: list[dict[str, Any]] = []
    for j, i in enumerate(ids):
        attrs = {k: _clean(v[j]) for k, v in cols.items()}
        attrs = {k: v for k, v in attrs.items() if v is not None}
        osm_id = osm[j]
        for kind, at in kinds_at.items():
            if not at[j]:
                continue
            out.append(
                {
                    "id": f"node/{osm_id}/{kind}" if osm_id else f"node-index/{i}/{kind}",
                    "kind": kind,
                    "lon": float(lon[j]),
                    "lat": float(lat[j]),
                    "osm_type": "node" if osm_id else None,
                    "osm_id": int(osm_id) if osm_id else None,
                    "name": None,
                    "attributes": attrs,
                    "edge_ids": arcs_of.get(int(i), []),
                }
            )
    return out


# -- storage --------------------------------------------------------------------


class CityBase(DeclarativeBase):
    """Tables of one city's own SQLite database (rebuilt at every import)."""


class BarrierRow(CityBase):
    """One barrier record."""

    __tablename__ = "barriers"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    osm_type: Mapped[str | None] = mapped_column(String(10))
    osm_id: Mapped[int | None] = mapped_column(Integer, index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    edge_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(40), default="osm")


class MetaRow(CityBase):
    """Import metadata as key / JSON value."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


def write_city_database(
    path: str | os.PathLike[str], barriers: Sequence[dict[str, Any]], meta: dict[str, Any]
) -> None:
    """Create a fresh city database at ``path`` holding ``barriers`` and ``meta``.

    Written in one transaction, into a file only its owner may read
    (:func:`stufenlos.db.private_file`); the caller places the file atomically.
    """
    from stufenlos.db import private_file

    private_file(path)
    engine = create_engine(f"sqlite:///{Path(path)}")
    try:
        CityBase.metadata.create_all(engine)
        with Session(engine) as session, session.begin():
            # bulk inserts (one executemany each), not one ORM object per row
            if barriers:
                session.execute(insert(BarrierRow),
                                [{**b, "source": b.get("source", "osm")} for b in barriers])
            if meta:
                session.execute(insert(MetaRow), [{"key": k, "value": v} for k, v in meta.items()])
    finally:
        engine.dispose()


class BarrierStore:
    """Read access to a city's barrier records."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.exists():
            msg = f"{self.path}: no barrier database (import the city first)"
            raise UnknownCityError(msg)
        self._engine = create_engine(f"sqlite:///file:{self.path.resolve()}?mode=ro&uri=true")

    def query(
        self,
        *,
        kinds: Iterable[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Barrier records, optionally filtered by kinds and a lon/lat bbox."""
        stmt = select(BarrierRow).order_by(BarrierRow.kind, BarrierRow.id)
        stmt = self._filter(stmt, kinds, bbox)
        if offset:
            stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        with Session(self._engine) as session:
            return [self._as_dict(r) for r in session.scalars(stmt)]

    def count(
        self,
        *,
        kinds: Iterable[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> int:
        """Number of records matching the filters."""
        stmt = self._filter(select(func.count()).select_from(BarrierRow), kinds, bbox)
        with Session(self._engine) as session:
            return int(session.scalar(stmt) or 0)

    def counts_by_kind(self) -> dict[str, int]:
        """Number of records per kind."""
        stmt = select(BarrierRow.kind, func.count()).group_by(BarrierRow.kind)
        with Session(self._engine) as session:
            return {k: int(n) for k, n in session.execute(stmt)}

    def get(self, barrier_id: str) -> dict[str, Any] | None:
        """One record by id, or ``None``."""
        with Session(self._engine) as session:
            row = session.get(BarrierRow, barrier_id)
            return None if row is None else self._as_dict(row)

    def meta(self) -> dict[str, Any]:
        """Import metadata."""
        with Session(self._engine) as session:
            return {r.key: r.value for r in session.scalars(select(MetaRow))}

    def to_geojson(self, *, kinds: Iterable[str] | None = None) -> str:
        """All (matching) records as a GeoJSON FeatureCollection."""
        feats = [
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")},
            }
            for r in self.query(kinds=kinds)
        ]
        return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False)

    def to_csv(self, *, kinds: Iterable[str] | None = None) -> str:
        """All (matching) records as CSV; attributes and edge ids as JSON cells (no cell starts
        a formula, see :func:`stufenlos._util.csv_safe`)."""
        fields = [
            "id",
            "kind",
            "lon",
            "lat",
            "osm_type",
            "osm_id",
            "name",
            "attributes",
            "edge_ids",
            "source",
        ]
        rows = (
            {
                **r,
                "attributes": json.dumps(r["attributes"], ensure_ascii=False),
                "edge_ids": json.dumps(r["edge_ids"]),
            }
            for r in self.query(kinds=kinds)
        )
        return csv_table(fields, rows)

    @staticmethod
    def _filter(stmt, kinds, bbox):  # type: ignore[no-untyped-def]
        if kinds:
            stmt = stmt.where(BarrierRow.kind.in_(list(kinds)))
        if bbox is not None:
            minx, miny, maxx, maxy = bbox
            stmt = stmt.where(
                BarrierRow.lon.between(minx, maxx), BarrierRow.lat.between(miny, maxy)
            )
        return stmt

    @staticmethod
    def _as_dict(row: BarrierRow) -> dict[str, Any]:
        return {
            "id": row.id,
            "kind": row.kind,
            "lon": row.lon,
            "lat": row.lat,
            "osm_type": row.osm_type,
            "osm_id": row.osm_id,
            "name": row.name,
            "attributes": row.attributes or {},
            "edge_ids": row.edge_ids or [],
            "source": row.source,
        }
