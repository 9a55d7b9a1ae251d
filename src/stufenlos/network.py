"""The columnar pedestrian network: node and edge tables, adjacency, id maps.

Every edge is a *directed arc*: a walkable way segment between two graph nodes
is stored twice, once per direction (``pair`` links the two), except where
walking is one-way (escalators, ``oneway:foot=yes``). Attributes that depend on
the direction of travel (incline, kerb at the start/end) are given for the
arc's own direction. Unknown values are nulls (NaN / missing category), never
guesses; profiles decide how to treat them.

Edge columns
------------
u, v : int32               start and end node index
pair : int32               index of the reverse arc, -1 if walking is one-way
osm_way_id : Int64         OSM way the arc comes from (null for node elevators)
osm_relation_id : Int64    OSM multipolygon relation (a square with holes) the arc runs
                           along or across, where it comes from no way; null otherwise
                           (networks imported before it existed load with nulls)
osm_node_u, osm_node_v     OSM node ids at the ends (null where the source has none)
highway, footway : category
name : string              street or way name (a sidewalk gets its street's name if known)
length_m : float64
incline_pct : float32      signed, + is uphill in travel direction; NaN = no number
incline_dir : int8         +1 up / -1 down / 0 unknown (for ``incline=up`` without number)
surface, smoothness : category
width_m : float32
steps : bool; step_count : float32; handrail : float32 (1/0/NaN)
ramp, ramp_wheelchair, ramp_stroller : float32 (1/0/NaN)
wheelchair : category      yes / limited / no / designated
tactile_paving : category
kerb_u_m, kerb_v_m : float32          kerb height at start / end node (m)
kerb_u_context, kerb_v_context : category   where a kerb is expected at the start / end
                           node even if unmapped: "crossing" (sidewalk end of a crossing),
                           "junction" (a footway meets a carriageway outside a crossing), null
crossing : category        traffic_signals / uncontrolled / marked / zebra / unmarked / no ...
crossing_island : float32
signal_sound, signal_vibration : float32 (1/0/NaN)
lit : float32; level : string; indoor : bool
elevator : bool; escalator : bool
sidewalk : category        on roads walked along: both / left / right / no / yes
area : bool                the arc runs along or across a pedestrian area (square)
area_link : bool           the arc is a straight link across such an area, not a mapped way
                           (see :mod:`stufenlos.ingest.areas`)
rest_dist_m : float32      distance from the arc's midpoint to the nearest rest point
geometry : binary          WKB LineString in travel direction (lon/lat)

Node columns
------------
osm_id : Int64; lon, lat : float64
barrier, kerb, highway, crossing, tactile_paving, wheelchair : category
kerb_m : float32; width_m : float32
signal_sound, signal_vibration : float32
elevator : bool; level : string; on_road : bool; rest : bool
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import ArrayLike, NDArray

from stufenlos.errors import NetworkBuildError

if TYPE_CHECKING:
    from stufenlos.snap import Snapper

__all__ = ["EDGE_COLUMNS", "NODE_COLUMNS", "Network", "csr_arrays", "csr_indptr"]

EDGE_COLUMNS = (
    "u", "v", "pair", "osm_way_id", "osm_relation_id", "osm_node_u", "osm_node_v",
    "highway", "footway", "name", "length_m", "incline_pct", "incline_dir", "surface",
    "smoothness", "width_m",
    "steps", "step_count", "handrail", "ramp", "ramp_wheelchair", "ramp_stroller",
    "wheelchair", "tactile_paving", "kerb_u_m", "kerb_v_m", "kerb_u_context",
    "kerb_v_context", "crossing", "crossing_island", "signal_sound", "signal_vibration",
    "lit", "level", "indoor", "elevator", "escalator", "sidewalk", "area", "area_link",
    "rest_dist_m", "geometry",
)  # fmt: skip
#: edge columns added after networks were first saved, with the (null) type an older
#: network gets on loading, so that a city need not be imported again for them
_ADDED_EDGE_COLUMNS = {"osm_relation_id": "Int64"}
NODE_COLUMNS = (
    "osm_id", "lon", "lat", "barrier", "kerb", "kerb_m", "highway", "crossing",
    "tactile_paving", "wheelchair", "width_m", "signal_sound", "signal_vibration",
    "elevator", "level", "on_road", "rest",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Network:
    """A pedestrian network as two tables; see the module docstring for columns."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    #: the folder :meth:`load` read it from (artefacts stored beside it, such as the
    #: contraction order, are found there); ``None`` for a network built in memory
    folder: Path | None = field(default=None, repr=False)
    #: what other layers derive from the tables, computed once per network (the tables
    #: do not change after construction), by the name of the deriving module
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        missing = [c for c in EDGE_COLUMNS if c not in self.edges.columns]
        missing += [c for c in NODE_COLUMNS if c not in self.nodes.columns]
        if missing:
            msg = f"network tables lack columns: {', '.join(missing)}"
            raise NetworkBuildError(msg)

    @property
    def n_nodes(self) -> int:
        """Number of graph nodes."""
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """Number of directed arcs."""
        return len(self.edges)

    @cached_property
    def u(self) -> np.ndarray:
        """Start node index of every arc (int32)."""
        return self.edges["u"].to_numpy(np.int32)

    @cached_property
    def v(self) -> np.ndarray:
        """End node index of every arc (int32)."""
        return self.edges["v"].to_numpy(np.int32)

    @cached_property
    def node_lonlat(self) -> np.ndarray:
        """``(n_nodes, 2)`` array of lon, lat."""
        return self.nodes[["lon", "lat"]].to_numpy(np.float64)

    @cached_property
    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        """Outgoing arcs per node: ``(indptr, arc_ids)`` so that the arcs leaving
        node ``i`` are ``arc_ids[indptr[i]:indptr[i + 1]]``."""
        order = np.argsort(self.u, kind="stable").astype(np.int32)
        return csr_indptr(self.u, self.n_nodes), order

    @cached_property
    def pair(self) -> NDArray[np.int64]:
        """Index of every arc's reverse arc, -1 where walking is one-way."""
        return self.edges["pair"].to_numpy(np.int64)

    @cached_property
    def _forward(self) -> NDArray[np.int64]:
        idx = np.arange(self.n_edges)
        return np.flatnonzero((self.pair < 0) | (idx < self.pair))

    def forward_arcs(self) -> NDArray[np.int64]:
        """One arc per walkable way segment (the lower index of each pair), ascending."""
        return self._forward

    def forward_of(self, arcs: ArrayLike) -> NDArray[np.int64]:
        """The forward arc (see :meth:`forward_arcs`) of each arc's way segment."""
        a = np.asarray(arcs, np.int64)
        p = self.pair[a]
        return np.where((p >= 0) & (p < a), p, a)

    @cached_property
    def snapper(self) -> Snapper:
        """Nearest-arc search on this network (built on first use)."""
        from stufenlos.snap import Snapper

        return Snapper(self)

    @cached_property
    def node_index(self) -> pd.Series:
        """Map OSM node id -> node index (nodes without an OSM id are left out)."""
        ids = self.nodes["osm_id"]
        ok = ids.notna().to_numpy()
        return pd.Series(np.flatnonzero(ok), index=ids[ok].astype(np.int64).to_numpy())

    def segments(self) -> pd.DataFrame:
        """One row per walkable segment (each arc pair once): the forward arcs."""
        return self.edges.iloc[self.forward_arcs()]

    def total_length_km(self) -> float:
        """Length of the walkable network in km (each mapped segment counted once; links
        across squares are not ways and do not count)."""
        seg = self.segments()
        return float(seg["length_m"][~seg["area_link"].to_numpy(bool)].sum() / 1000.0)

    # -- persistence -------------------------------------------------------------

    def save(self, folder: str | os.PathLike[str]) -> None:
        """Write ``nodes.parquet``, ``edges.parquet`` and ``network.json`` to ``folder``.

        The caller makes the folder appear atomically (see :mod:`stufenlos.build`).
        """
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            pa.Table.from_pandas(self.nodes, preserve_index=False),
            out / "nodes.parquet",
            compression="zstd",
        )
        pq.write_table(
            pa.Table.from_pandas(self.edges, preserve_index=False),
            out / "edges.parquet",
            compression="zstd",
        )
        (out / "network.json").write_text(json.dumps(self.meta, indent=2, default=str))

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> Network:
        """Read a network written by :meth:`save`."""
        src = Path(folder)
        try:
            nodes = pq.read_table(src / "nodes.parquet").to_pandas()
            edges = pq.read_table(src / "edges.parquet").to_pandas()
            meta = json.loads((src / "network.json").read_text())
        except FileNotFoundError as exc:
            msg = (
                f"{src}: no imported network here ({exc.filename} missing); run `stufenlos import`"
            )
            raise NetworkBuildError(msg) from None
        for name, dtype in _ADDED_EDGE_COLUMNS.items():
            if name not in edges.columns:  # imported before the column existed
                edges[name] = pd.Series(pd.NA, index=edges.index, dtype=dtype)
        return cls(nodes=nodes, edges=edges, meta=meta, folder=src)


def csr_indptr(tails: ArrayLike, n: int) -> NDArray[np.int64]:
    """Row pointers of a CSR adjacency over ``n`` nodes whose arcs, sorted by tail,
    leave the nodes ``tails``: the arcs of node ``i`` are ``indptr[i]:indptr[i + 1]``."""
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(np.asarray(tails, np.int64), minlength=n), out=indptr[1:])
    return indptr


def csr_arrays(n: int, u: NDArray[np.integer], v: NDArray[np.integer],
               w: NDArray[np.floating]) -> tuple[NDArray[np.int32], NDArray[np.int32],
                                                  NDArray[np.float64]]:
    """``(indptr, indices, data)`` of a weighted directed graph over ``n`` nodes.

    Parameters
    ----------
    n
        Number of nodes.
    u, v, w
        Tail, head and weight of every arc.

    Returns
    -------
    tuple
        CSR arrays as ``scipy.sparse.csr_matrix((data, indices, indptr))`` takes them;
        of parallel arcs the lightest is kept (``csr_matrix`` would add them up).
    """
    u, v, w = np.asarray(u, np.int64), np.asarray(v, np.int64), np.asarray(w, np.float64)
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, w = u[first], v[first], w[first]
    return csr_indptr(u, n).astype(np.int32), v.astype(np.int32), w
