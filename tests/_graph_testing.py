"""Small synthetic networks for tests and benchmarks of the router (private).

:func:`synthetic_grid` lays out a rectangular grid of street segments near
Heidelberg with every column of the network schema present and null, then sets
the attributes a test asks for on chosen segments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely

from stufenlos.network import EDGE_COLUMNS, NODE_COLUMNS, Network

__all__ = ["DIRECTED", "synthetic_grid"]

_LON0, _LAT0 = 8.69, 49.41
_DLON = 1.0 / (111_320.0 * np.cos(np.radians(_LAT0)))  # degrees per metre
_DLAT = 1.0 / 110_574.0

#: columns that describe a direction of travel: reversed for the pair arc
DIRECTED = {"incline_pct": -1.0, "incline_dir": -1}

_FLOAT = ("incline_pct", "width_m", "step_count", "handrail", "ramp", "ramp_wheelchair",
          "ramp_stroller", "kerb_u_m", "kerb_v_m", "crossing_island", "signal_sound",
          "signal_vibration", "lit", "rest_dist_m")
_CATS = ("highway", "footway", "surface", "smoothness", "wheelchair", "tactile_paving",
         "kerb_u_context", "kerb_v_context", "crossing", "sidewalk")
_BOOL = ("steps", "indoor", "elevator", "escalator", "area", "area_link")


def synthetic_grid(nx: int, ny: int, *, spacing_m: float = 50.0,
                   segments: Mapping[tuple[int, int], Mapping[str, Any]] | None = None,
                   drop: set[tuple[int, int]] | None = None,
                   default: Mapping[str, Any] | None = None) -> Network:
    """A synthetic ``nx`` × ``ny`` grid network.

    Node ``i`` sits at column ``i % nx``, row ``i // nx``; segment ``(a, b)`` joins
    neighbouring nodes ``a < b``. ``segments`` sets attributes on the arc
    ``a -> b`` (the reverse arc gets the same values, with the kerb ends swapped
    and slopes negated); ``drop`` removes segments; ``default`` sets attributes on
    every segment.
    """
    segments = dict(segments or {})
    drop = drop or set()
    pairs = []
    for j in range(ny):
        for i in range(nx):
            a = j * nx + i
            if i + 1 < nx:
                pairs.append((a, a + 1))
            if j + 1 < ny:
                pairs.append((a, a + nx))
    pairs = [p for p in pairs if p not in drop]
    unknown = set(segments) - set(pairs)
    if unknown:
        msg = f"not grid segments: {sorted(unknown)}"
        raise ValueError(msg)
    n_nodes = nx * ny
    lon = _LON0 + (np.arange(n_nodes) % nx) * spacing_m * _DLON
    lat = _LAT0 + (np.arange(n_nodes) // nx) * spacing_m * _DLAT
    rows: list[dict[str, Any]] = []
    m = len(pairs)
    for k, (a, b) in enumerate(pairs):
        attrs = {**(default or {}), **segments.get((a, b), {})}
        for rev in (False, True):
            u, v = (b, a) if rev else (a, b)
            row = {"u": u, "v": v, "pair": k + m if not rev else k, "osm_way_id": 1000 + k,
                   "osm_node_u": 10_000 + u, "osm_node_v": 10_000 + v, "highway": "footway",
                   "length_m": spacing_m, "name": f"Weg {k}"}
            for key, value in attrs.items():
                if rev and key in DIRECTED and value is not None:
                    value = value * DIRECTED[key]
                if rev and key in ("kerb_u_m", "kerb_u_context"):
                    key = key.replace("_u_", "_v_")
                elif rev and key in ("kerb_v_m", "kerb_v_context"):
                    key = key.replace("_v_", "_u_")
                row[key] = value
            row["geometry"] = shapely.to_wkb(shapely.LineString([(lon[u], lat[u]),
                                                                 (lon[v], lat[v])]))
            rows.append(row)
    forward = rows[0::2]
    backward = rows[1::2]
    edges = pd.DataFrame(forward + backward)
    for col in EDGE_COLUMNS:
        if col not in edges:
            edges[col] = None
    edges["u"] = edges["u"].astype(np.int32)
    edges["v"] = edges["v"].astype(np.int32)
    edges["pair"] = edges["pair"].astype(np.int32)
    for col in ("osm_way_id", "osm_relation_id", "osm_node_u", "osm_node_v"):
        edges[col] = edges[col].astype("Int64")
    for col in _FLOAT:
        edges[col] = pd.to_numeric(edges[col], errors="coerce").astype(np.float32)
    edges["incline_dir"] = pd.to_numeric(edges["incline_dir"]).fillna(0).astype(np.int8)
    for col in _CATS:
        edges[col] = edges[col].astype("category")
    for col in _BOOL:
        edges[col] = edges[col].fillna(False).astype(bool)
    edges["name"] = edges["name"].astype("string")
    edges["level"] = edges["level"].astype("string")
    edges["length_m"] = edges["length_m"].astype(np.float64)
    nodes = pd.DataFrame({"osm_id": pd.array(10_000 + np.arange(n_nodes), dtype="Int64"),
                          "lon": lon, "lat": lat})
    for col in NODE_COLUMNS:
        if col not in nodes:
            nodes[col] = None
    return Network(nodes=nodes, edges=edges[list(EDGE_COLUMNS)], meta={"synthetic": True})
