"""City scale by simulation: bigger cities built from real parts, and how every figure grows.

No Hamburg-wide extract or HVV feed is at hand, so the bigger cities are
**simulated scale from real parts**: ``K`` copies of the bundled Heidelberg
extract (``data/cities/heidelberg/heidelberg.test.osm.pbf``) laid out on a
grid (``ceil(sqrt(K))`` copies per row; each copy's coordinates shifted by
whole tile widths so copies do not overlap, its node, way and relation ids
offset by ``c * 10**11``), joined into one city by three footways across every
seam between neighbouring copies (``name=Verbindungsweg (simuliert)``, between
residential-street nodes near the facing edges). 16 copies hold about half a
million network nodes, the order of Hamburg's pedestrian network.

The timetable is the VRN cut (``vrn_gtfs_cut.zip``) placed on every copy the
same way (every id prefixed ``k<c>:``, stops shifted like the OSM) and its
trips repeated in time (copy ``j`` of a trip runs ``j * 150 s`` later) so that
16 copies run about 40,000 trips on the measured day, 2022-09-01 (HVV runs
about 10,000 stops and 40,000 trips a day; 16 copies of the cut have 6,272
stops). The copies' timetables are not linked: journeys are drawn within one
copy. The DB stations input is left out.

Each ``K`` is a city folder (``city.toml`` + the generated ``.osm.pbf`` and
GTFS zip) in ``<scratch>/k<K>/cities/scale-k<K>`` and is imported with the real
``stufenlos import`` in a subprocess. Per ``K``:

* **import**: wall time, CPU time (user + system) and peak memory (resident set of the process tree,
  sampled every 0.1 s with psutil, and the largest process's ``ru_maxrss``);
* **server**: ``stufenlos serve`` on the scratch data folder (it warms the city
  in the background): seconds until ``/health`` answers and until the first
  ``POST /api/cities/<city>/route`` answers, and the resident memory then;
* **in process** (a fresh interpreter per ``K``, ``standard`` profile, seed 42):
  route p50/p95 between 200 random point pairs 200 m - 2 km apart; a 1000 x 100
  matrix between random points; 15-minute reach from 100 random points;
  reading the public transport (``get_transit``) and the first
  ``timetable(2022-09-01)``; 50 random walk + transit journeys
  (``CityTransit.journey``) between points near two stops of one copy,
  departing 06:00-20:00; the all-node 15-minute analysis (destinations within
  15 minutes of every network node, every category as one, as
  ``bench/analysis.py``) and ``stufenlos.analysis.analyze`` for one profile and
  one 15-minute budget on its 100 m grid of origins.

Growth exponents are log-log slopes between consecutive ``K`` (1 means
linear). Usage::

    python bench/scale.py [--k 1,4,16] [--scratch /tmp/scale] [--rebuild] [--only import]

Run ``--k 1,4`` first: ``K = 16`` takes about 5 minutes (writing its inputs 2 more) and 4
GB of memory. Generated inputs are kept in the scratch folder and reused. Prints a
Markdown table and writes ``bench/out/scale.json`` (``--only import`` measures
only the imports and writes ``bench/out/scale-import.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import itertools
import json
import math
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "cities" / "heidelberg"
PBF = SOURCE / "heidelberg.test.osm.pbf"
GTFS = SOURCE / "vrn_gtfs_cut.zip"
OUT = ROOT / "bench" / "out"
DAY = dt.date(2022, 9, 1)
ID_STEP = 10**11  # node, way and relation ids of copy c are offset by c * ID_STEP
CONNECTOR_ID = 9 * 10**12  # ids of the joining footways and nothing else
#: trips a day of the whole simulated city at K = 16 (HVV's order)
TRIPS_AT_16 = 40_000
REPEAT_STEP_S = 150
SEED = 42
BUDGET_S = 15 * 60.0
#: targets at K = 16
TARGETS = {
    "import_s": 120.0, "import_peak_mb": 4096.0, "server_ready_s": 30.0,
    "route_p50_ms": 1.0, "journey_p50_ms": 50.0, "analysis_all_nodes_s": 60.0,
}


def log(msg: str) -> None:
    """A time-stamped progress line on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- layout


class Layout:
    """Where copy ``c`` of ``K`` goes: grid cell, coordinate shift and id offset.

    Parameters
    ----------
    k
        Number of copies.
    box
        ``(lon0, lat0, lon1, lat1)`` of the source's core (percentiles 1-99 of
        its nodes); one tile is that box plus a margin.
    """

    MARGIN_DEG = 0.01

    def __init__(self, k: int, box: tuple[float, float, float, float]) -> None:
        self.k = k
        self.cols = math.ceil(math.sqrt(k))
        self.box = box
        self.dlon = box[2] - box[0] + self.MARGIN_DEG
        self.dlat = box[3] - box[1] + self.MARGIN_DEG

    def cell(self, c: int) -> tuple[int, int]:
        """Row and column of copy ``c``."""
        return divmod(c, self.cols)

    def shift(self, c: int) -> tuple[float, float]:
        """Degrees added to longitude and latitude of copy ``c``."""
        row, col = self.cell(c)
        return col * self.dlon, row * self.dlat

    def neighbours(self) -> list[tuple[int, int, str]]:
        """``(a, b, side)``: copy ``b`` lies east (``"e"``) or north (``"n"``) of ``a``."""
        out = []
        for a in range(self.k):
            _row, col = self.cell(a)
            if col + 1 < self.cols and a + 1 < self.k:
                out.append((a, a + 1, "e"))
            if a + self.cols < self.k:
                out.append((a, a + self.cols, "n"))
        return out


def _source_geometry() -> tuple[tuple[float, float, float, float], dict[str, list[int]],
                                dict[int, tuple[float, float]]]:
    """The source's core box and, per side, residential-street nodes near its edges."""
    import osmium

    streets: set[int] = set()
    for way in osmium.FileProcessor(str(PBF), osmium.osm.WAY):
        if way.tags.get("highway") in ("residential", "living_street", "unclassified"):
            streets.update(n.ref for n in way.nodes)
    ids, lon, lat = [], [], []
    for node in osmium.FileProcessor(str(PBF), osmium.osm.NODE):
        ids.append(node.id)
        lon.append(node.location.lon)
        lat.append(node.location.lat)
    ids_a, lon_a, lat_a = np.array(ids), np.array(lon), np.array(lat)
    box = (float(np.percentile(lon_a, 1)), float(np.percentile(lat_a, 1)),
           float(np.percentile(lon_a, 99)), float(np.percentile(lat_a, 99)))
    on_street = np.isin(ids_a, np.fromiter(streets, np.int64))
    s_ids, s_lon, s_lat = ids_a[on_street], lon_a[on_street], lat_a[on_street]
    fractions = (0.3, 0.5, 0.7)
    targets = {
        "e": [(box[2], box[1] + f * (box[3] - box[1])) for f in fractions],
        "w": [(box[0], box[1] + f * (box[3] - box[1])) for f in fractions],
        "n": [(box[0] + f * (box[2] - box[0]), box[3]) for f in fractions],
        "s": [(box[0] + f * (box[2] - box[0]), box[1]) for f in fractions],
    }
    coslat = math.cos(math.radians((box[1] + box[3]) / 2))
    ends: dict[str, list[int]] = {}
    where: dict[int, tuple[float, float]] = {}
    for side, pts in targets.items():
        ends[side] = []
        for x, y in pts:
            i = int(np.argmin(((s_lon - x) * coslat) ** 2 + (s_lat - y) ** 2))
            ends[side].append(int(s_ids[i]))
            where[int(s_ids[i])] = (float(s_lon[i]), float(s_lat[i]))
    return box, ends, where


# --------------------------------------------------------------------------- inputs


def write_osm(layout: Layout, ends: dict[str, list[int]], target: Path) -> dict[str, int]:
    """Write ``layout.k`` shifted copies of the source extract and the joining footways."""
    import osmium

    tmp = target.with_name(f".{target.stem}.tmp.osm.pbf")
    counts = {"nodes": 0, "ways": 0, "relations": 0, "connectors": 0}
    writer = osmium.SimpleWriter(str(tmp), overwrite=True)
    try:
        for c in range(layout.k):
            dx, dy = layout.shift(c)
            off = c * ID_STEP
            for n in osmium.FileProcessor(str(PBF), osmium.osm.NODE):
                loc = osmium.osm.Location(n.location.lon + dx, n.location.lat + dy)
                writer.add_node(n.replace(id=n.id + off, location=loc))
                counts["nodes"] += 1
        for c in range(layout.k):
            off = c * ID_STEP
            for w in osmium.FileProcessor(str(PBF), osmium.osm.WAY):
                writer.add_way(w.replace(id=w.id + off, nodes=[r.ref + off for r in w.nodes]))
                counts["ways"] += 1
        tags = {"highway": "footway", "surface": "asphalt", "smoothness": "good",
                "width": "3", "incline": "0%", "wheelchair": "yes", "lit": "yes",
                "name": "Verbindungsweg (simuliert)"}
        way_id = CONNECTOR_ID
        for a, b, side in layout.neighbours():
            facing = "w" if side == "e" else "s"
            for u, v in zip(ends[side], ends[facing], strict=True):
                way_id += 1
                refs = [u + a * ID_STEP, v + b * ID_STEP]
                writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
                counts["connectors"] += 1
        for c in range(layout.k):
            off = c * ID_STEP
            for r in osmium.FileProcessor(str(PBF), osmium.osm.RELATION):
                members = [(m.type, m.ref + off, m.role) for m in r.members]
                writer.add_relation(r.replace(id=r.id + off, members=members))
                counts["relations"] += 1
    finally:
        writer.close()
    os.replace(tmp, target)
    return counts


def _seconds(col: pd.Series) -> pd.Series:
    parts = col.str.split(":", expand=True).astype("Int64")
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def _hms(sec: pd.Series) -> pd.Series:
    s = sec.astype("Int64")
    out = ((s // 3600).astype(str).str.zfill(2) + ":" + (s % 3600 // 60).astype(str).str.zfill(2)
           + ":" + (s % 60).astype(str).str.zfill(2))
    return out.where(s.notna(), "")


def trips_on(feed: dict[str, pd.DataFrame], day: dt.date) -> int:
    """Trips of ``feed`` that run on ``day`` (calendar and calendar_dates)."""
    d = day.strftime("%Y%m%d")
    cal = feed["calendar"]
    wd = day.strftime("%A").lower()
    active = set(cal[(cal[wd] == "1") & (cal["start_date"] <= d) & (cal["end_date"] >= d)]
                 ["service_id"])
    cd = feed["calendar_dates"]
    active |= set(cd[(cd["date"] == d) & (cd["exception_type"] == "1")]["service_id"])
    active -= set(cd[(cd["date"] == d) & (cd["exception_type"] == "2")]["service_id"])
    return int(feed["trips"]["service_id"].isin(active).sum())


ID_COLUMNS = ("agency_id", "route_id", "trip_id", "service_id", "stop_id", "parent_station",
              "block_id", "shape_id")


def write_gtfs(layout: Layout, target: Path) -> dict[str, Any]:
    """Write the VRN cut on every copy, trips repeated in time to HVV's order at K = 16."""
    with zipfile.ZipFile(GTFS) as zf:
        feed = {Path(n).stem: pd.read_csv(zf.open(n), dtype=str, keep_default_na=False)
                for n in zf.namelist() if n.endswith(".txt")}
    per_copy = trips_on(feed, DAY)
    repeat = TRIPS_AT_16 / (16 * per_copy)  # copies of each trip, on average
    trips = feed["trips"].sort_values("trip_id").reset_index(drop=True)
    extra = round((repeat - math.floor(repeat)) * len(trips))
    n_copies = np.full(len(trips), math.floor(repeat))
    n_copies[np.random.default_rng(SEED).choice(len(trips), extra, replace=False)] += 1
    # trips repeated in time: copy j of a trip departs j * REPEAT_STEP_S later
    rep = trips.loc[trips.index.repeat(n_copies)].copy()
    rep["_j"] = rep.groupby(level=0).cumcount()
    st = feed["stop_times"].merge(rep[["trip_id", "_j"]], on="trip_id")
    for col in ("arrival_time", "departure_time"):
        st[col] = _hms(_seconds(st[col].replace("", pd.NA)) + st["_j"] * REPEAT_STEP_S)
    st["trip_id"] = st["trip_id"] + "~" + st["_j"].astype(str)
    rep["trip_id"] = rep["trip_id"] + "~" + rep["_j"].astype(str)
    feed["trips"] = rep.drop(columns="_j").reset_index(drop=True)
    feed["stop_times"] = st.drop(columns="_j")
    out: dict[str, list[pd.DataFrame]] = {name: [] for name in feed}
    for c in range(layout.k):
        dx, dy = layout.shift(c)
        for name, df in feed.items():
            df = df.copy()
            for col in ID_COLUMNS:
                if col in df.columns:
                    df[col] = np.where(df[col] != "", f"k{c}:" + df[col], "")
            if name == "stops":
                df["stop_lon"] = (df["stop_lon"].astype(float) + dx).round(7).astype(str)
                df["stop_lat"] = (df["stop_lat"].astype(float) + dy).round(7).astype(str)
            out[name].append(df)
    tmp = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, parts in out.items():
            buf = io.StringIO()
            pd.concat(parts, ignore_index=True).to_csv(buf, index=False)
            zf.writestr(f"{name}.txt", buf.getvalue())
    os.replace(tmp, target)
    stops = feed["stops"]
    return {"stops": len(stops) * layout.k, "trips": len(feed["trips"]) * layout.k,
            "trips_on_day": round(per_copy * float(np.mean(n_copies))) * layout.k,
            "stop_times": len(feed["stop_times"]) * layout.k, "repeat": repeat}


def build_city(k: int, scratch: Path, *, rebuild: bool) -> tuple[str, Path, dict[str, Any]]:
    """Write city ``scale-k<K>`` (inputs and ``city.toml``); return name, data dir, sizes."""
    from stufenlos.config import (
        CityConfig,
        InputSpec,
        SourceSpec,
        load_city_config,
        write_city_config,
    )

    name = f"scale-k{k}"
    data = scratch / f"k{k}"
    folder = data / "cities" / name
    info_path = folder / "scale.json"
    if info_path.exists() and not rebuild:
        return name, data, json.loads(info_path.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    box, ends, _ = _source_geometry()
    layout = Layout(k, box)
    info = {"osm": write_osm(layout, ends, folder / "scale.osm.pbf"),
            "gtfs": write_gtfs(layout, folder / "scale_gtfs.zip"),
            "grid": [math.ceil(k / layout.cols), layout.cols],
            "tile_deg": [layout.dlon, layout.dlat]}
    src = load_city_config(SOURCE)
    rows = math.ceil(k / layout.cols)
    centre = ((box[1] + box[3] + (rows - 1) * layout.dlat) / 2,
              (box[0] + box[2] + (layout.cols - 1) * layout.dlon) / 2)
    cfg = CityConfig(
        name=name, title=f"Heidelberg x {k} (simulated scale from real parts)",
        country="DE", timezone=src.timezone, center=centre,
        inputs=[InputSpec(kind="osm", path="scale.osm.pbf"),
                InputSpec(kind="gtfs", path="scale_gtfs.zip")],
        sources=[SourceSpec.model_validate(s.model_dump()) for s in src.sources
                 if s.name != "DB Station&Service stations (StaDa)"])
    write_city_config(cfg, folder)
    info["build_s"] = time.perf_counter() - t0
    info_path.write_text(json.dumps(info, indent=1))
    return name, data, info


# --------------------------------------------------------------------------- subprocesses


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, STUFENLOS_DATA_DIR=str(data), **extra)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH"))
                                        if p)
    return env


class TreeMemory:
    """Peak resident memory of a process and its children, sampled in a thread."""

    def __init__(self, pid: int, every_s: float = 0.1) -> None:
        import psutil

        self.proc = psutil.Process(pid)
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._every = every_s
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def now_mb(self) -> float:
        """Resident memory of the tree now, MiB."""
        import psutil

        total = 0
        try:
            procs = [self.proc, *self.proc.children(recursive=True)]
        except psutil.Error:
            return 0.0
        for p in procs:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self.now_mb())
            self._stop.wait(self._every)

    def stop(self) -> float:
        """Stop sampling; the peak in MiB."""
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def run_measured(cmd: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run ``cmd``; wall and CPU seconds, peak resident memory of its process tree, stdout.

    The CPU time (user + system of the finished process tree) depends far less
    than the wall time on what else runs on a shared machine.
    """
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=ROOT, text=True)
    mem = TreeMemory(proc.pid)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        mem.stop()
        msg = f"{' '.join(cmd[:4])}… timed out after {timeout:.0f} s"
        raise RuntimeError(msg) from None
    wall = time.perf_counter() - t0
    peak = mem.stop()
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    if proc.returncode != 0:
        msg = f"{' '.join(cmd[:4])}… exit {proc.returncode}: {stderr.strip()[-2000:]}"
        raise RuntimeError(msg)
    return {"wall_s": wall, "cpu_s": cpu, "peak_mb": peak, "stdout": stdout}


def run_import(name: str, data: Path, timeout: float) -> dict[str, Any]:
    """``stufenlos import`` in a fresh process: wall seconds and peak memory."""
    import pyarrow.parquet as pq

    cmd = [sys.executable, "-m", "stufenlos.cli", "import", name, "--data-dir", str(data),
           "--no-progress"]
    res = run_measured(cmd, _env(data), timeout)
    net = data / name / "network"
    res["network_nodes"] = pq.read_metadata(net / "nodes.parquet").num_rows
    res["network_arcs"] = pq.read_metadata(net / "edges.parquet").num_rows
    res.pop("stdout")
    return res


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_server(name: str, data: Path, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Start ``stufenlos serve``; seconds until ``/health`` and the first route answer."""
    port = _free_port()
    cmd = [sys.executable, "-m", "stufenlos.cli", "serve", "--host", "127.0.0.1",
           "--port", str(port)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_env(data), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    mem = TreeMemory(proc.pid)
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {}
    try:
        while "health_s" not in out:
            if time.perf_counter() - t0 > timeout or proc.poll() is not None:
                msg = "the server did not answer /health"
                raise RuntimeError(msg)
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5):
                    out["health_s"] = time.perf_counter() - t0
            except OSError:
                time.sleep(0.05)
        req = urllib.request.Request(f"{base}/api/cities/{name}/route",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        while "ready_s" not in out:
            if time.perf_counter() - t0 > timeout:
                msg = "the server answered no route in time"
                raise RuntimeError(msg)
            try:
                with urllib.request.urlopen(req, timeout=timeout) as resp:
                    out["route_status"] = json.loads(resp.read())["properties"]["status"]
                    out["ready_s"] = time.perf_counter() - t0
            except OSError:
                time.sleep(0.05)
        out["rss_ready_mb"] = mem.now_mb()
        # the background warm-up may still be running: keep sampling a little
        time.sleep(3)
        out["rss_after_3s_mb"] = mem.now_mb()
    finally:
        out["peak_mb"] = mem.stop()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return out


# --------------------------------------------------------------------------- in process


def _ms(samples: list[float]) -> dict[str, float]:
    a = np.asarray(samples) * 1000.0
    return {"p50_ms": float(np.median(a)), "p95_ms": float(np.percentile(a, 95)),
            "n": len(a)}


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def route_pairs(lonlat: np.ndarray, n: int, rng: np.random.Generator) -> list[
        tuple[tuple[float, float], tuple[float, float]]]:
    """``n`` pairs of points at random nodes, 200 m - 2 km apart (the standard range)."""
    from stufenlos.geo import haversine_m

    pairs = []
    while len(pairs) < n:
        s = int(rng.integers(len(lonlat)))
        near = np.flatnonzero((np.abs(lonlat[:, 0] - lonlat[s, 0]) < 0.045)
                              & (np.abs(lonlat[:, 1] - lonlat[s, 1]) < 0.03))
        t = int(rng.choice(near))
        d = haversine_m(lonlat[s, 0], lonlat[s, 1], lonlat[t, 0], lonlat[t, 1])
        if 200 <= d <= 2000:
            pairs.append(((float(lonlat[s, 1]), float(lonlat[s, 0])),
                          (float(lonlat[t, 1]), float(lonlat[t, 0]))))
    return pairs


def journey_queries(stops: pd.DataFrame, lonlat: np.ndarray, n: int,
                    rng: np.random.Generator) -> list[Any]:
    """``n`` door-to-door queries near two stops of one random copy, 06:00-20:00.

    Only stops within 200 m of a network node count (the cut's stops reach
    beyond the OSM extract).
    """
    from scipy.spatial import cKDTree

    stops = stops[stops["location_type"].fillna(0).astype(int) == 0]
    scale = np.array([math.cos(math.radians(float(np.mean(lonlat[:, 1])))), 1.0]) * 111_000
    dist, _ = cKDTree(lonlat * scale).query(stops[["stop_lon", "stop_lat"]].to_numpy() * scale)
    stops = stops[dist <= 200]
    copy_of = stops["stop_id"].str.split(":", n=1).str[0]
    groups = dict(list(stops.groupby(copy_of)))
    names = sorted(groups)
    out = []
    for _ in range(n):
        g = groups[names[int(rng.integers(len(names)))]]
        a, b = rng.choice(len(g), 2, replace=False)
        jitter = rng.uniform(-0.0013, 0.0013, 4)  # about +-150 m
        minute = int(rng.integers(6 * 60, 20 * 60))
        out.append(((float(g["stop_lat"].iloc[a] + jitter[0]),
                     float(g["stop_lon"].iloc[a] + jitter[1])),
                    (float(g["stop_lat"].iloc[b] + jitter[2]),
                     float(g["stop_lon"].iloc[b] + jitter[3])),
                    dt.datetime.combine(DAY, dt.time()) + dt.timedelta(minutes=minute)))
    return out


def measure_in_process(name: str) -> dict[str, Any]:
    """Every in-process figure of one imported city (run in a fresh interpreter)."""
    import resource

    import psutil

    from stufenlos.analysis import analyze
    from stufenlos.analysis.destinations import read_destinations
    from stufenlos.analysis.engine import (
        Measures,
        Snapper,
        measure,
        profile_graph,
        snap_destinations,
    )
    from stufenlos.analysis.execution import Runner
    from stufenlos.registry import REGISTRY, get_transit
    from stufenlos.transit import NoJourneyError

    rng = np.random.default_rng(SEED)
    res: dict[str, Any] = {}
    t_load, city = _timed(lambda: REGISTRY.warm(name))
    res["warm_s"] = t_load
    net = city.network
    lonlat = net.node_lonlat
    res["nodes"] = int(net.n_nodes)

    pairs = route_pairs(lonlat, 200, rng)
    for o, d in pairs[:5]:
        city.route(o, d)
    times, statuses = [], {}
    for o, d in pairs:
        t, r = _timed(lambda o=o, d=d: city.route(o, d))
        times.append(t)
        statuses[r.status] = statuses.get(r.status, 0) + 1
    res["route"] = {**_ms(times), "statuses": statuses}

    def points(n: int) -> list[tuple[float, float]]:
        idx = rng.integers(len(lonlat), size=n)
        return [(float(lonlat[i, 1]), float(lonlat[i, 0])) for i in idx]

    origins, targets = points(1000), points(100)
    city.matrix(origins[:10], targets[:10])
    res["matrix_1000x100_s"], _ = _timed(lambda: city.matrix(origins, targets))
    reach_from = points(100)
    times = [_timed(lambda p=p: city.reach(p, max_time_s=BUDGET_S))[0] for p in reach_from]
    res["reach_100_s"] = float(sum(times))
    res["reach"] = _ms(times)

    res["transit_load_s"], ct = _timed(lambda: get_transit(city))
    res["timetable_s"], tt = _timed(lambda: ct.timetable(DAY))
    res["timetable_stops"] = len(tt.stops)
    qs = journey_queries(tt.stops, lonlat, 51, rng)
    ct.journey(*qs[0])  # the profile's footpaths once
    times, found = [], 0
    for o, d, at in qs[1:]:
        t = time.perf_counter()
        with contextlib.suppress(NoJourneyError):
            found += bool(ct.journey(o, d, at))
        times.append(time.perf_counter() - t)
    res["journey"] = {**_ms(times), "answered": found, "asked": len(times)}

    def all_nodes() -> int:
        graph = profile_graph(net, "standard")
        snapper = Snapper(net)
        df = read_destinations(city.config).drop_duplicates("ref").assign(category="all")
        dest = snap_destinations(snapper, df, ["all"])
        n = net.n_nodes
        _, count, _ = measure(graph, dest, np.arange(n, dtype=np.int64), np.zeros(n),
                              Measures(budgets_s=(BUDGET_S,)), Runner())
        res["destinations"] = len(dest.nodes)
        return int(count.sum())

    res["analysis_all_nodes_s"], _ = _timed(all_nodes)
    t_an, result = _timed(lambda: analyze(city, profiles=("standard",), budgets_min=(15,)))
    res["analyze_s"] = t_an
    res["analyze_origins"] = len(result.setup.origins)
    res["rss_mb"] = psutil.Process().memory_info().rss / 2**20
    res["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res["route_body"] = {"origin": {"lat": pairs[0][0][0], "lon": pairs[0][0][1]},
                         "destination": {"lat": pairs[0][1][0], "lon": pairs[0][1][1]},
                         "profile": "standard"}
    return res


def run_in_process(name: str, data: Path, timeout: float) -> dict[str, Any]:
    """:func:`measure_in_process` in a fresh interpreter on the scratch data folder."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name]
    res = run_measured(cmd, _env(data), timeout)
    return json.loads(res["stdout"].strip().splitlines()[-1])


# --------------------------------------------------------------------------- report

#: (label, key path, unit, format)
FIGURES = [
    ("OSM nodes (input)", ("build", "osm", "nodes"), "", ",.0f"),
    ("network nodes", ("import", "network_nodes"), "", ",.0f"),
    ("GTFS stops", ("build", "gtfs", "stops"), "", ",.0f"),
    ("trips on 2022-09-01", ("build", "gtfs", "trips_on_day"), "", ",.0f"),
    ("import", ("import", "wall_s"), "s", ".1f"),
    ("import CPU (user + system)", ("import", "cpu_s"), "s", ".1f"),
    ("import peak (process tree)", ("import", "peak_mb"), "MB", ",.0f"),
    ("server /health", ("server", "health_s"), "s", ".1f"),
    ("server ready (first route)", ("server", "ready_s"), "s", ".1f"),
    ("server RSS at ready", ("server", "rss_ready_mb"), "MB", ",.0f"),
    ("server peak", ("server", "peak_mb"), "MB", ",.0f"),
    ("warm in process", ("measure", "warm_s"), "s", ".2f"),
    ("route p50", ("measure", "route", "p50_ms"), "ms", ".3f"),
    ("route p95", ("measure", "route", "p95_ms"), "ms", ".3f"),
    ("matrix 1000x100", ("measure", "matrix_1000x100_s"), "s", ".3f"),
    ("reach 15 min, 100 origins", ("measure", "reach_100_s"), "s", ".3f"),
    ("first timetable(day)", ("measure", "timetable_s"), "s", ".2f"),
    ("journey p50", ("measure", "journey", "p50_ms"), "ms", ".1f"),
    ("journey p95", ("measure", "journey", "p95_ms"), "ms", ".1f"),
    ("analysis all nodes 15 min", ("measure", "analysis_all_nodes_s"), "s", ".1f"),
    ("analyze (grid, 1 profile)", ("measure", "analyze_s"), "s", ".1f"),
    ("in-process peak", ("measure", "maxrss_mb"), "MB", ",.0f"),
]


def _get(row: dict[str, Any], path: tuple[str, ...]) -> float | None:
    cur: Any = row
    for key in path:
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return float(cur) if cur is not None else None


def slope(k0: int, v0: float | None, k1: int, v1: float | None) -> float | None:
    """Log-log slope between two sizes (1 = linear growth)."""
    if v0 is None or v1 is None or v0 <= 0 or v1 <= 0 or k0 == k1:
        return None
    return math.log(v1 / v0) / math.log(k1 / k0)


def table(rows: dict[int, dict[str, Any]]) -> str:
    """The figures of every ``K`` as Markdown, with growth exponents."""
    ks = sorted(rows)
    head = ["figure", *[f"K={k}" for k in ks],
            *[f"slope {a}→{b}" for a, b in itertools.pairwise(ks)]]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for label, path, unit, spec in FIGURES:
        vals = [_get(rows[k], path) for k in ks]
        cells = ["–" if v is None else format(v, spec) for v in vals]
        slopes = [slope(a, va, b, vb) for (a, va), (b, vb)
                  in itertools.pairwise(zip(ks, vals, strict=True))]
        cells += ["–" if s is None else f"{s:.2f}" for s in slopes]
        name = f"{label} ({unit})" if unit else label
        lines.append("| " + " | ".join([name, *cells]) + " |")
    return "\n".join(lines)


def verdicts(rows: dict[int, dict[str, Any]]) -> list[str]:
    """Met / not met for every target at the largest ``K``."""
    k = max(rows)
    row = rows[k]
    checks = [
        ("import ≤ 2 min", _get(row, ("import", "wall_s")), TARGETS["import_s"], "s"),
        ("import peak ≤ 4 GB", _get(row, ("import", "peak_mb")), TARGETS["import_peak_mb"],
         "MB"),
        ("server ready ≤ 30 s", _get(row, ("server", "ready_s")), TARGETS["server_ready_s"],
         "s"),
        ("route p50 ≤ 1 ms", _get(row, ("measure", "route", "p50_ms")),
         TARGETS["route_p50_ms"], "ms"),
        ("journey p50 ≤ 50 ms", _get(row, ("measure", "journey", "p50_ms")),
         TARGETS["journey_p50_ms"], "ms"),
        ("all-node 15-min analysis ≤ 60 s", _get(row, ("measure", "analysis_all_nodes_s")),
         TARGETS["analysis_all_nodes_s"], "s"),
    ]
    out = []
    for label, value, limit, unit in checks:
        if value is None:
            out.append(f"* K={k}: {label}: not measured")
        else:
            out.append(f"* K={k}: {label}: {'met' if value <= limit else 'NOT met'} "
                       f"({value:,.3g} {unit})")
    ks = sorted(rows)
    if len(ks) >= 2:
        a, b = ks[-2], ks[-1]
        for label, path in (("import time", ("import", "wall_s")),
                            ("import peak", ("import", "peak_mb"))):
            s = slope(a, _get(rows[a], path), b, _get(rows[b], path))
            if s is not None:
                out.append(f"* {label} growth K={a}→{b}: exponent {s:.2f} "
                           f"({'no worse than linear' if s <= 1.05 else 'worse than linear'})")
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", default="1,4,16", help="copies, comma-separated (default 1,4,16)")
    ap.add_argument("--scratch", type=Path, default=Path("/tmp/scale"),
                    help="folder for generated cities and imports (outside the repository)")
    ap.add_argument("--rebuild", action="store_true", help="write the inputs again")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per subprocess")
    ap.add_argument("--only", choices=("all", "import"), default="all",
                    help="measure everything (default) or only the import")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure_in_process(args.child)))
        return 0
    try:
        ks = sorted({int(x) for x in args.k.split(",") if x.strip()})
    except ValueError:
        ap.error(f"--k: comma-separated whole numbers, got {args.k!r}")
    if not ks or ks[0] < 1:
        ap.error("--k: every K must be at least 1")
    scratch = args.scratch.resolve()
    if scratch.is_relative_to(ROOT):
        ap.error(f"--scratch: keep generated data outside the repository ({ROOT})")
    OUT.mkdir(parents=True, exist_ok=True)
    # an import-only run keeps its own file: its rows have no serving figures
    out_path = OUT / ("scale.json" if args.only == "all" else "scale-import.json")
    saved = json.loads(out_path.read_text()) if out_path.exists() else {}
    rows: dict[int, dict[str, Any]] = {int(k): v for k, v in saved.get("rows", {}).items()}
    for k in ks:
        log(f"K={k}: writing inputs")
        name, data, info = build_city(k, scratch, rebuild=args.rebuild)
        row: dict[str, Any] = {"build": info}
        log(f"K={k}: {info['osm']['nodes']:,} OSM nodes, {info['gtfs']['stops']:,} stops, "
            f"{info['gtfs']['trips_on_day']:,} trips on {DAY}; importing")
        row["import"] = run_import(name, data, args.timeout)
        log(f"K={k}: import {row['import']['wall_s']:.1f} s, "
            f"{row['import']['peak_mb']:,.0f} MB")
        if args.only == "all":
            row["measure"] = run_in_process(name, data, args.timeout)
            log(f"K={k}: starting the server")
            row["server"] = run_server(name, data, row["measure"]["route_body"],
                                       min(args.timeout, 600))
        rows[k] = row
        log(f"K={k}: done")
        out_path.write_text(json.dumps({
            "note": "simulated scale from real parts: K copies of the Heidelberg extract "
                    "and the VRN cut, trips repeated in time",
            "day": DAY.isoformat(), "targets": TARGETS,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "load_avg": os.getloadavg()},
            "rows": {str(k): v for k, v in sorted(rows.items())}}, indent=1))
    shown = {k: rows[k] for k in sorted(rows)}
    print(f"Simulated scale from real parts (Heidelberg x K, VRN cut x K), {DAY}\n")
    print(table(shown))
    print()
    print("\n".join(verdicts(shown)))
    print(f"\nmedian of the load average: {statistics.median(os.getloadavg()):.1f}; "
          f"written {out_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
