"""Step-free verdicts for stops and stations, conflated from GTFS, OSM and DB station data.

Most feeds (the VRN feed among them) leave ``wheelchair_boarding`` empty. This
module fills that gap, in order of trust:

1. GTFS ``wheelchair_boarding`` 1/2 on the stop (or inherited from its station);
2. OSM ``wheelchair=*`` on the nearest platform or stop mapped within
   ``match_m`` (``yes``/``designated`` -> yes, ``no`` -> no, ``limited`` stays
   unknown but is recorded);
3. OSM structure: a platform that ``highway=steps`` reach, with no
   ``highway=elevator`` and no ramp near it -> no; an elevator at the
   platform -> yes;
4. DB station data ``hasSteplessAccess`` (yes/no; ``partial`` stays unknown)
   for stations and rail stops near a DB station.

Every verdict keeps its source and detail; a stop nothing is known about stays
``unknown``.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from stufenlos.errors import InputFileError
from stufenlos.geo import LocalProjection

if TYPE_CHECKING:
    from stufenlos.config import CityConfig
    from stufenlos.ingest.gtfs import Feed

__all__ = [
    "OsmStopFeatures",
    "conflate_stop_access",
    "read_db_stations",
    "read_osm_stop_features",
    "stop_access_for_city",
]

log = logging.getLogger(__name__)

VERDICT = {0: "unknown", 1: "yes", 2: "no"}
_OSM_WHEELCHAIR = {"yes": 1, "designated": 1, "no": 2, "limited": 0}


@dataclass(frozen=True, eq=False)
class OsmStopFeatures:
    """Platforms/stops, elevators and steps read from an OSM file.

    ``platforms``: osm_type, osm_id, lon, lat, kind, wheelchair, kerb, height,
    name, node_ids (for ways). ``elevators``: osm_type, osm_id, lon, lat.
    ``steps``: osm_id, node_ids, lons, lats, ramp.
    """

    platforms: pd.DataFrame
    elevators: pd.DataFrame
    steps: pd.DataFrame


def read_osm_stop_features(path: str | os.PathLike[str]) -> OsmStopFeatures:
    """Read public-transport platforms and stops, elevators and steps with pyosmium."""
    import osmium

    p = Path(path)
    if not p.exists():
        raise InputFileError(p, "no such OSM file")
    platforms: list[dict[str, Any]] = []
    elevators: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    try:
        fp = (osmium.FileProcessor(str(p)).with_locations()
              .with_filter(osmium.filter.KeyFilter("public_transport", "highway", "railway")))
        for obj in fp:
            tags = obj.tags
            pt, hw, rw = tags.get("public_transport"), tags.get("highway"), tags.get("railway")
            is_platform = (pt == "platform" or hw in ("bus_stop", "platform")
                           or rw in ("platform", "tram_stop"))
            is_stop = pt == "stop_position" or rw in ("halt", "stop", "station")
            if not (is_platform or is_stop or hw in ("elevator", "steps")):
                continue
            if obj.is_node():
                if not obj.location.valid():
                    continue
                lon, lat, nodes = obj.location.lon, obj.location.lat, [obj.id]
                lons, lats = [lon], [lat]
            elif obj.is_way():
                locs = [(n.ref, n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                if not locs:
                    continue
                nodes = [r for r, _, _ in locs]
                lons = [x for _, x, _ in locs]
                lats = [y for _, _, y in locs]
                lon, lat = float(np.mean(lons)), float(np.mean(lats))
            else:
                continue
            base = {"osm_type": obj.type_str(), "osm_id": obj.id, "lon": lon, "lat": lat}
            if hw == "elevator":
                elevators.append(base)
            elif hw == "steps":
                steps.append({"osm_id": obj.id, "node_ids": nodes, "lons": lons, "lats": lats,
                              "ramp": tags.get("ramp:wheelchair") == "yes"
                              or tags.get("ramp") == "yes"})
            if is_platform or is_stop:
                platforms.append(base | {
                    "kind": "platform" if is_platform else "stop_position",
                    "wheelchair": tags.get("wheelchair"), "kerb": tags.get("kerb"),
                    "height": tags.get("height"), "name": tags.get("name"),
                    "node_ids": nodes,
                })
    except RuntimeError as exc:
        raise InputFileError(p, f"cannot read OSM data: {exc}") from None
    return OsmStopFeatures(
        platforms=pd.DataFrame(platforms, columns=["osm_type", "osm_id", "lon", "lat", "kind",
                                                   "wheelchair", "kerb", "height", "name",
                                                   "node_ids"]),
        elevators=pd.DataFrame(elevators, columns=["osm_type", "osm_id", "lon", "lat"]),
        steps=pd.DataFrame(steps, columns=["osm_id", "node_ids", "lons", "lats", "ramp"]),
    )


def read_db_stations(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read DB station data (``db-stations`` ndjson, optionally gzipped).

    Returns
    -------
    pandas.DataFrame
        id, name, lon, lat, stepless (``yes``/``no``/``partial`` or None).
    """
    p = Path(path)
    opener = gzip.open if p.suffix == ".gz" else open
    rows = []
    try:
        with opener(p, "rt", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    loc = rec["location"]
                    rows.append({"id": str(rec["id"]), "name": rec.get("name"),
                                 "lon": float(loc["longitude"]), "lat": float(loc["latitude"]),
                                 "stepless": rec.get("hasSteplessAccess")})
                except (ValueError, KeyError, TypeError) as exc:
                    raise InputFileError(p, f"not a DB station record ({exc})",
                                         where=f"line {lineno}") from None
    except FileNotFoundError:
        raise InputFileError(p, "no such file") from None
    return pd.DataFrame(rows, columns=["id", "name", "lon", "lat", "stepless"])


def _xy(proj: LocalProjection, lon: Any, lat: Any) -> np.ndarray:
    return proj.to_xy(np.column_stack([np.asarray(lon, float), np.asarray(lat, float)]))


def conflate_stop_access(
    stops: pd.DataFrame,
    *,
    osm: OsmStopFeatures | None = None,
    db_stations: pd.DataFrame | None = None,
    rail_stop_ids: set[str] | None = None,
    match_m: float = 30.0,
    elevator_m: float = 40.0,
    steps_m: float = 12.0,
    db_m: float = 250.0,
) -> pd.DataFrame:
    """One step-free verdict per GTFS stop, with its source.

    Parameters
    ----------
    stops
        GTFS ``stops`` (stop_id, stop_lat, stop_lon, location_type,
        parent_station, wheelchair_boarding).
    osm
        Platforms, elevators and steps from :func:`read_osm_stop_features`.
    db_stations
        From :func:`read_db_stations`.
    rail_stop_ids
        Stops served by rail or metro: DB verdicts apply to them and to stations.
    match_m, elevator_m, steps_m, db_m
        Matching radii in metres.

    Returns
    -------
    pandas.DataFrame
        stop_id, code (0 unknown / 1 yes / 2 no), step_free (text), source, detail,
        elevator (OSM ref such as ``w123`` of the elevator a "yes" relies on).
    """
    n = len(stops)
    ids = stops["stop_id"].to_numpy()
    code = np.zeros(n, np.int8)
    source = np.full(n, "", object)
    detail = np.full(n, "", object)
    elevator = np.full(n, None, object)
    wb = stops["wheelchair_boarding"].to_numpy(np.int8) if "wheelchair_boarding" in stops \
        else np.zeros(n, np.int8)
    known = wb > 0
    code[known] = wb[known]
    source[known] = "gtfs"
    detail[known] = [f"wheelchair_boarding={v}" for v in wb[known]]
    parent = stops.get("parent_station", pd.Series([""] * n)).fillna("").to_numpy(str)
    pidx = pd.Series(np.arange(n), index=ids).reindex(parent).to_numpy()
    inherit = ~known & ~np.isnan(pidx)
    if inherit.any():
        pi = pidx[inherit].astype(np.int64)
        ok = wb[pi] > 0
        rows = np.flatnonzero(inherit)[ok]
        code[rows] = wb[pi[ok]]
        source[rows] = "gtfs"
        detail[rows] = "wheelchair_boarding of the parent station"
    lat = stops["stop_lat"].to_numpy(np.float64)
    lon = stops["stop_lon"].to_numpy(np.float64)
    has_xy = ~np.isnan(lat) & ~np.isnan(lon)
    proj = (LocalProjection(float(np.nanmean(lon[has_xy])), float(np.nanmean(lat[has_xy])))
            if has_xy.any() else LocalProjection(0.0, 0.0))
    xy = _xy(proj, np.where(has_xy, lon, 0), np.where(has_xy, lat, 0))
    loc = stops["location_type"].to_numpy(np.int8) if "location_type" in stops \
        else np.zeros(n, np.int8)
    todo = (code == 0) & has_xy & (loc <= 1)
    if osm is not None and len(osm.platforms) and todo.any():
        _apply_osm(osm, xy, proj, todo, code, source, detail, elevator, match_m, elevator_m,
                   steps_m)
    todo = (code == 0) & has_xy
    if db_stations is not None and len(db_stations) and todo.any():
        rail = np.isin(ids, list(rail_stop_ids or ())) | (loc == 1)
        _apply_db(db_stations, xy, proj, todo & rail, code, source, detail, db_m)
    out = pd.DataFrame({"stop_id": ids, "code": code,
                        "step_free": [VERDICT[int(c)] for c in code],
                        "source": source, "detail": detail, "elevator": elevator})
    log.info("stop access: %s", out.groupby(["step_free", "source"]).size().to_dict())
    return out


def _apply_osm(
    osm: OsmStopFeatures, xy: np.ndarray, proj: LocalProjection, todo: np.ndarray, code: np.ndarray,
    source: np.ndarray, detail: np.ndarray, elevator: np.ndarray, match_m: float,
    elevator_m: float, steps_m: float,
) -> None:
    pl = osm.platforms
    pxy = _xy(proj, pl["lon"], pl["lat"])
    tree = cKDTree(pxy)
    el_tree = cKDTree(_xy(proj, osm.elevators["lon"], osm.elevators["lat"])) \
        if len(osm.elevators) else None
    step_nodes: dict[int, int] = {}
    step_pts, step_way, ramp_way = [], [], set()
    for r in osm.steps.itertuples():
        for nid in r.node_ids:
            step_nodes[int(nid)] = int(r.osm_id)
        step_pts.append(_xy(proj, r.lons, r.lats))
        step_way += [int(r.osm_id)] * len(r.lons)
        if r.ramp:
            ramp_way.add(int(r.osm_id))
    st_tree = cKDTree(np.vstack(step_pts)) if step_pts else None
    step_way_arr = np.asarray(step_way)
    wheel = pl["wheelchair"].to_numpy(object)
    kind = pl["kind"].to_numpy(object)
    for i in np.flatnonzero(todo):
        near = tree.query_ball_point(xy[i], match_m)
        if not near:
            continue
        near = np.asarray(near)
        dist = np.hypot(*(pxy[near] - xy[i]).T)
        # Platforms first, then the nearest.
        order = near[np.lexsort((dist, kind[near] != "platform"))]
        tagged = [j for j in order if wheel[j] in _OSM_WHEELCHAIR]
        if tagged:
            j = tagged[0]
            code[i] = _OSM_WHEELCHAIR[wheel[j]]
            source[i] = "osm"
            detail[i] = (f"wheelchair={wheel[j]} on {pl['kind'].iloc[j]} "
                         f"{pl['osm_type'].iloc[j]}{pl['osm_id'].iloc[j]}")
            continue
        j = order[0]
        if el_tree is not None:
            el = el_tree.query_ball_point(pxy[j], elevator_m)
            if el:
                e = osm.elevators.iloc[el[0]]
                code[i] = 1
                source[i] = "osm"
                detail[i] = f"elevator {e['osm_type']}{e['osm_id']} at the platform"
                elevator[i] = f"{e['osm_type']}{e['osm_id']}"
                continue
        linked = {step_nodes[int(nd)] for nd in pl["node_ids"].iloc[j] if int(nd) in step_nodes}
        if st_tree is not None and not linked:
            hits = st_tree.query_ball_point(pxy[j], steps_m)
            linked = {int(step_way_arr[h]) for h in hits}
        linked -= ramp_way
        if linked:
            code[i] = 2
            source[i] = "osm"
            detail[i] = (f"steps (way {min(linked)}) at {pl['kind'].iloc[j]} "
                         f"{pl['osm_type'].iloc[j]}{pl['osm_id'].iloc[j]}, no elevator or ramp")


def _apply_db(
    db: pd.DataFrame, xy: np.ndarray, proj: LocalProjection, todo: np.ndarray, code: np.ndarray,
    source: np.ndarray, detail: np.ndarray, db_m: float,
) -> None:
    dxy = _xy(proj, db["lon"], db["lat"])
    tree = cKDTree(dxy)
    for i in np.flatnonzero(todo):
        dist, j = tree.query(xy[i], distance_upper_bound=db_m)
        if not np.isfinite(dist):
            continue
        rec = db.iloc[int(j)]
        value = rec["stepless"]
        verdict = {"yes": 1, "no": 2}.get(str(value), 0)
        code[i] = verdict
        source[i] = "db-stations"
        detail[i] = f"hasSteplessAccess={value} ({rec['name']}, {dist:.0f} m)"


def stop_access_for_city(
    config: CityConfig, *, osm: OsmStopFeatures | None = None, feed: Feed | None = None,
) -> pd.DataFrame:
    """Conflate the stop verdicts of a configured city's first GTFS feed.

    Reads the city's GTFS, OSM and ``stations`` (db-stations) inputs; pass
    ``osm`` or ``feed`` if they are already read.
    """
    from stufenlos.ingest.gtfs import read_feed

    gtfs = config.input_paths("gtfs")
    if not gtfs:
        return pd.DataFrame(columns=["stop_id", "code", "step_free", "source", "detail",
                                     "elevator"])
    feed = feed if feed is not None else read_feed(gtfs[0])
    routes = feed.read("routes")
    rail_routes = set(routes.loc[routes["route_type"].isin([1, 2, 12]), "route_id"])
    rail_stops: set[str] = set()
    if rail_routes:
        trips = feed.trips
        rail_trips = set(trips.loc[trips["route_id"].isin(rail_routes), "trip_id"])
        st = feed.stop_times
        rail_stops = set(st.loc[st["trip_id"].isin(rail_trips), "stop_id"])
    if osm is None:
        osm_paths = [p for p in config.input_paths("osm")
                     if p.suffix in (".pbf", ".osm", ".bz2")]
        osm = read_osm_stop_features(osm_paths[0]) if osm_paths else None
    db = None
    for spec in config.inputs_of("stations"):
        if spec.options.get("format", "db-stations") == "db-stations":
            db = read_db_stations(config.resolve(spec.path))
    return conflate_stop_access(feed.stops, osm=osm, db_stations=db, rail_stop_ids=rail_stops)
