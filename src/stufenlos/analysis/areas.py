"""Areas with population and groups, and the origins placed inside them.

Areas come from a city's ``areas`` or ``population`` inputs (see ``city.toml``):

* ``format = "geojson"``: polygons with population fields (Hamburg's Stadtteile),
  optionally completed by a ``format = "stadtteilprofile"`` input joined by name;
* ``format = "gpkg"``: a GeoPackage polygon layer such as HSY's population grid,
  read with :mod:`sqlite3` and the GeoPackage binary header decoded here (one
  ``struct`` call; no GDAL needed for a format this simple).

Without either, :func:`grid_areas` lays a square grid over the network, with no
population (every origin then weighs 1 and the output says so).

Group columns are counts of people: ``population``, ``age65`` (65 and older),
``under18`` and ``old_age_support`` (65+ receiving Grundsicherung im Alter).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from stufenlos.config import CityConfig, InputSpec
from stufenlos.errors import InputFileError
from stufenlos.geo import LocalProjection
from stufenlos.i18n import N_

__all__ = [
    "GROUPS",
    "AreaSet",
    "grid_areas",
    "read_areas",
    "sample_origins",
]

logger = logging.getLogger(__name__)

#: population groups, in output order, with their labels
GROUPS: dict[str, str] = {
    "population": N_("residents"),
    "age65": N_("residents aged 65 and over"),
    "under18": N_("residents under 18"),
    "old_age_support": N_("residents 65+ receiving Grundsicherung im Alter"),
}


@dataclass(frozen=True, eq=False)
class AreaSet:
    """Polygons (lon/lat) with a table of names and group counts.

    ``table`` has ``area_id`` (string), ``name`` and one column per entry of
    :data:`GROUPS` (NaN where the statistics do not say). ``weighted`` is False
    when there is no population at all (a plain grid).
    """

    kind: str
    table: pd.DataFrame
    geometry: NDArray[np.object_]
    source: str
    weighted: bool = True

    def __len__(self) -> int:
        return len(self.table)

    def groups(self) -> list[str]:
        """The groups the statistics give numbers for."""
        return [g for g in GROUPS if g in self.table and self.table[g].notna().any()]


# -- readers -----------------------------------------------------------------------------


def _num(value: Any) -> float:
    """A statistics cell as float (``"."``, ``"-"`` and blanks are unknown)."""
    if value is None or isinstance(value, bool):
        return np.nan
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return np.nan


def _fold(name: str) -> str:
    """A name folded for joining: ä→ae, ß→ss, lower case, no spaces or dashes."""
    text = name.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch.isalnum())


def _read_geojson_areas(path: Path, opts: dict[str, Any]) -> AreaSet:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"not readable GeoJSON: {exc}") from None
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list) or not feats:
        raise InputFileError(path, "no features (expected a FeatureCollection of polygons)")
    id_f, name_f = opts.get("id_field"), opts.get("name_field")
    rows, geoms = [], []
    for i, feat in enumerate(feats):
        props = feat.get("properties") or {}
        try:
            geom = shapely.geometry.shape(feat["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputFileError(path, f"bad geometry: {exc}", where=f"feature {i}") from None
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputFileError(path, f"expected polygons, got {geom.geom_type}",
                                 where=f"feature {i}")
        pop = _num(props.get(opts.get("population_field", ""), None))
        age65 = _num(props.get(opts.get("age65_count_field", ""), None))
        if np.isnan(age65) and opts.get("age65_share_field"):
            age65 = pop * _num(props.get(opts["age65_share_field"])) / 100.0
        u18 = _num(props.get(opts.get("under18_count_field", ""), None))
        if np.isnan(u18) and opts.get("under18_share_field"):
            u18 = pop * _num(props.get(opts["under18_share_field"])) / 100.0
        rows.append({
            "area_id": str(props.get(id_f, i)) if id_f else str(i),
            "name": str(props.get(name_f, "")) if name_f else "",
            "population": pop, "age65": age65, "under18": u18, "old_age_support": np.nan,
        })
        geoms.append(geom)
    table = pd.DataFrame(rows)
    return AreaSet(kind="areas", table=table, geometry=np.array(geoms, dtype=object),
                   source=path.name)


def _join_profile(areas: AreaSet, path: Path, opts: dict[str, Any]) -> AreaSet:
    """Complete ``areas`` with the newer Stadtteil-Profile figures, joined by name."""
    try:
        data = json.loads(path.read_text("utf-8"))["data"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputFileError(path, f"not a Stadtteil-Profile JSON file: {exc}") from None
    fold = _fold if opts.get("join_transliterate") else (lambda s: s)
    by_name = {fold(str(k)): v for k, v in data.items()}
    table = areas.table.copy()
    matched = 0
    for i, name in enumerate(table["name"]):
        rec = by_name.get(fold(name))
        if rec is None:
            continue
        matched += 1
        pop = _num(rec.get(opts.get("population_key", "bevoelkerung")))
        age65 = _num(rec.get(opts.get("age65_count_key", "ue65_anz")))
        support = _num(rec.get(opts.get("old_age_support_share_key", "")))
        if not np.isnan(pop):
            table.loc[i, "population"] = pop
        if not np.isnan(age65):
            table.loc[i, "age65"] = age65
        u18 = _num(rec.get("u18_anz"))
        if not np.isnan(u18):
            table.loc[i, "under18"] = u18
        if not np.isnan(support) and not np.isnan(table.loc[i, "age65"]):
            table.loc[i, "old_age_support"] = table.loc[i, "age65"] * support / 100.0
    logger.info("%s: joined %d of %d areas by name", path.name, matched, len(table))
    return AreaSet(kind=areas.kind, table=table, geometry=areas.geometry,
                   source=f"{areas.source} + {path.name}")


def _gpkg_geometry(blob: bytes, where: str, path: Path) -> shapely.Geometry:
    """Decode a GeoPackage geometry blob (``GP`` header + WKB)."""
    if len(blob) < 8 or blob[:2] != b"GP":
        raise InputFileError(path, "geometry is not a GeoPackage blob", where=where)
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0x07)
    if envelope is None:
        raise InputFileError(path, "bad GeoPackage envelope flag", where=where)
    return shapely.from_wkb(blob[8 + envelope:])


def _read_gpkg_areas(path: Path, opts: dict[str, Any]) -> AreaSet:
    layer = opts.get("layer")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputFileError(path, f"not a GeoPackage: {exc}") from None
    try:
        try:
            cols = con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"
                               ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise InputFileError(path, f"not a GeoPackage: {exc}") from None
        found = dict(cols)
        if not found:
            raise InputFileError(path, "the GeoPackage has no geometry layer")
        layer = layer or next(iter(found))
        if layer not in found:
            raise InputFileError(path, f"no layer {layer!r}; layers: {', '.join(found)}")
        geom_col = found[layer]
        names = [r[1] for r in con.execute(f'PRAGMA table_info("{layer}")')]
        id_f = opts.get("id_field", "fid")
        pop_f = opts.get("population_field")
        for field_name in (id_f, pop_f):
            if field_name and field_name not in names:
                raise InputFileError(path, f"layer {layer!r} has no field {field_name!r}",
                                     where=f"layer {layer}")
        pop_sql = f'"{pop_f}"' if pop_f else "NULL"
        rows = con.execute(f'SELECT "{id_f}", {pop_sql}, "{geom_col}" FROM "{layer}" '
                           f'ORDER BY "{id_f}"').fetchall()
    finally:
        con.close()
    geoms = [_gpkg_geometry(g, f"layer {layer}, {id_f}={i}", path) for i, _, g in rows]
    table = pd.DataFrame({
        "area_id": [str(i) for i, _, _ in rows],
        "name": [f"cell {i}" for i, _, _ in rows],
        "population": [_num(p) for _, p, _ in rows],
        "age65": np.nan, "under18": np.nan, "old_age_support": np.nan,
    })
    return AreaSet(kind="population", table=table, geometry=np.array(geoms, dtype=object),
                   source=path.name)


def _read_input(config: CityConfig, spec: InputSpec) -> AreaSet:
    path = config.resolve(spec.path)
    fmt = spec.options.get("format") or path.suffix.lstrip(".").lower()
    if fmt in ("geojson", "json"):
        return _read_geojson_areas(path, spec.options)
    if fmt == "gpkg":
        return _read_gpkg_areas(path, spec.options)
    raise InputFileError(path, f"unsupported areas format {fmt!r} (geojson or gpkg)")


def read_areas(config: CityConfig) -> AreaSet | None:
    """The city's areas with population and groups, or None if it has none.

    The first ``areas`` polygon input wins (then a ``population`` grid); inputs
    of ``format = "stadtteilprofile"`` are joined onto it by name.
    """
    base: AreaSet | None = None
    joins = []
    for spec in config.inputs_of("areas") + config.inputs_of("population"):
        if spec.options.get("format") == "stadtteilprofile":
            joins.append(spec)
        elif base is None:
            base = _read_input(config, spec)
    if base is None:
        return None
    for spec in joins:
        base = _join_profile(base, config.resolve(spec.path), spec.options)
    return base


def grid_areas(lonlat: NDArray[np.float64], *, cell_m: float = 250.0,
               near_m: float | None = None) -> AreaSet:
    """A square grid of ``cell_m`` cells over the points ``lonlat`` (no population).

    With ``near_m``, only cells within that distance of a point are kept.
    """
    lo, hi = np.nanmin(lonlat, axis=0), np.nanmax(lonlat, axis=0)
    proj = LocalProjection(float(lo[0]), float(lo[1]))
    top = proj.to_xy(hi[None, :])[0]
    nx, ny = int(np.ceil(top[0] / cell_m)) or 1, int(np.ceil(top[1] / cell_m)) or 1
    jj, ii = np.divmod(np.arange(nx * ny), nx)
    if near_m is not None:
        xy = proj.to_xy(lonlat)
        cells = np.zeros((ny, nx), bool)
        pad = int(np.ceil(near_m / cell_m))
        ci = np.clip((xy[:, 0] // cell_m).astype(int), 0, nx - 1)
        cj = np.clip((xy[:, 1] // cell_m).astype(int), 0, ny - 1)
        for dj in range(-pad, pad + 1):
            for di in range(-pad, pad + 1):
                cells[np.clip(cj + dj, 0, ny - 1), np.clip(ci + di, 0, nx - 1)] = True
        keep = cells.ravel()
        jj, ii = jj[keep], ii[keep]
    # an axis-aligned box in the local projection is one in lon/lat as well
    lo_ll = proj.to_lonlat(np.column_stack([ii, jj]) * cell_m)
    hi_ll = proj.to_lonlat(np.column_stack([ii + 1, jj + 1]) * cell_m)
    geoms = shapely.box(lo_ll[:, 0], lo_ll[:, 1], hi_ll[:, 0], hi_ll[:, 1])
    ids = [f"r{j}c{i}" for j, i in zip(jj, ii, strict=True)]
    table = pd.DataFrame({"area_id": ids, "name": [f"grid {x}" for x in ids],
                          "population": np.nan, "age65": np.nan, "under18": np.nan,
                          "old_age_support": np.nan})
    return AreaSet(kind="grid", table=table, geometry=np.asarray(geoms, dtype=object),
                   source=f"{cell_m:.0f} m grid", weighted=False)


def sample_origins(areas: AreaSet, proj: LocalProjection, *, spacing_m: float = 100.0,
                   keep_fn: Any = None,
                   within: tuple[float, float, float, float] | None = None) -> pd.DataFrame:
    """Regular sample points inside every area, each carrying an equal share of it.

    People are assumed evenly spread over each area (the statistics say no more).
    Points lie on one lattice of ``spacing_m``; an area too small to hold a
    lattice point gets one point (its representative point).
    ``keep_fn(xy) -> bool array`` drops points (for example those far from the
    network); the people at dropped points are *not covered* and are not spread
    over the rest. ``within`` (projected ``xmin, ymin, xmax, ymax``) skips areas
    outside that box.

    Returns a table with ``area``, ``lon``, ``lat``, ``x``, ``y``, ``weight``
    (the share of the area at this point) and one column per group (people at
    this point).
    """
    polys = shapely.transform(areas.geometry, proj.to_xy)
    bounds = shapely.bounds(polys)
    sel = np.arange(len(polys))
    if within is not None:
        inside = ~((bounds[:, 2] < within[0]) | (bounds[:, 0] > within[2])
                   | (bounds[:, 3] < within[1]) | (bounds[:, 1] > within[3]))
        sel = sel[inside]
    cols = ["area", "x", "y", "weight", "lon", "lat", *GROUPS]
    if sel.size == 0:
        return pd.DataFrame(columns=cols)
    x0, y0 = bounds[sel, 0].min(), bounds[sel, 1].min()
    x1, y1 = bounds[sel, 2].max(), bounds[sel, 3].max()
    # lattice anchored at multiples of the spacing, so results do not depend on `within`
    xs = np.arange(np.floor(x0 / spacing_m) + 0.5, np.ceil(x1 / spacing_m)) * spacing_m
    ys = np.arange(np.floor(y0 / spacing_m) + 0.5, np.ceil(y1 / spacing_m)) * spacing_m
    gx, gy = np.meshgrid(xs, ys)
    pts = shapely.points(gx.ravel(), gy.ravel())
    tree = shapely.STRtree(polys[sel])
    pi, ai = tree.query(pts, predicate="intersects")
    first = np.unique(pi, return_index=True)[1]  # a point on a border goes to one area
    pi, ai = pi[first], sel[ai[first]]
    empty = np.setdiff1d(sel, ai)
    if empty.size:
        rep = shapely.point_on_surface(polys[empty])
        pts = np.concatenate([pts, rep])
        pi = np.concatenate([pi, np.arange(len(pts) - len(rep), len(pts))])
        ai = np.concatenate([ai, empty])
    xy = shapely.get_coordinates(pts[pi])
    n_in = np.bincount(ai, minlength=len(polys))
    origins = pd.DataFrame({"area": ai, "x": xy[:, 0], "y": xy[:, 1],
                            "weight": 1.0 / n_in[ai]})
    if keep_fn is not None and len(origins):
        origins = origins[keep_fn(xy)]
    origins = origins.sort_values(["area", "y", "x"], kind="stable").reset_index(drop=True)
    ll = proj.to_lonlat(origins[["x", "y"]].to_numpy())
    origins["lon"], origins["lat"] = ll[:, 0], ll[:, 1]
    for g in GROUPS:
        counts = areas.table[g].to_numpy(np.float64)
        if g == "population" and not areas.weighted:
            counts = np.ones(len(areas))
        origins[g] = counts[origins["area"].to_numpy()] * origins["weight"].to_numpy()
    return origins
