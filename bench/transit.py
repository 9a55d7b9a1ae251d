"""Benchmark earliest-arrival public transport queries against cafein on the VRN cut.

Both planners answer the same door-to-door queries on the same inputs:
``data/cities/heidelberg/vrn_gtfs_cut.zip`` (service day 2022-09-01, a
Thursday) and, for walking legs, ``heidelberg.test.osm.pbf``.

* **stufenlos (crow-fly walks)**: :func:`stufenlos.transit.plan_journey` with
  straight-line walking estimates (the timetable search alone).
* **stufenlos (router walks)**: the same with walking times from the imported
  city's router (contraction hierarchy matrices), as ``stufenlos journey`` uses.
* **cafein**: ``TransportNetwork.route_between_coordinates`` (Rust RAPTOR with
  OSM street access), ``geometries=False``.
* **Valhalla** 3.9.1 ``costing=multimodal`` through ``valhalla_service`` over HTTP
  on localhost (one worker thread), tools unpacked from the ``pyvalhalla`` wheel;
  its time includes the HTTP round trip. Skip it with ``--no-valhalla``.

Queries: ``--queries`` random origin/destination pairs (seed 42), each a point
within 150 m of a random stop of the cut inside Heidelberg, departing at a random
minute between 06:00 and 20:00. Every planner answers the Pareto set by arrival
and number of rides; we time the whole call and compare the earliest arrival.
Set-up (reading the feed, building networks, the first query per profile) is
timed separately and excluded from the per-query figures.

Run ``.venv/bin/python bench/transit.py [--queries 300]`` (needs the ``bench``
extra for cafein). Writes ``bench/out/transit.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import tempfile
import time
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CITY = ROOT / "data" / "cities" / "heidelberg"
GTFS = CITY / "vrn_gtfs_cut.zip"
PBF = CITY / "heidelberg.test.osm.pbf"
OUT = ROOT / "bench" / "out"
DAY = dt.date(2022, 9, 1)
TARGET_MS = 20.0


def queries(n: int, seed: int = 42) -> list[tuple[tuple[float, float], tuple[float, float],
                                                  dt.datetime]]:
    """Random door-to-door queries near stops of the cut inside Heidelberg."""
    from stufenlos.ingest.gtfs import read_feed

    stops = read_feed(GTFS).stops
    inside = stops[(stops["stop_lat"].between(49.36, 49.45))
                   & (stops["stop_lon"].between(8.62, 8.74)) & (stops["location_type"] == 0)]
    lat, lon = inside["stop_lat"].to_numpy(), inside["stop_lon"].to_numpy()
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        a, b = rng.choice(len(lat), 2, replace=False)
        jitter = rng.uniform(-0.0013, 0.0013, 4)  # about +-150 m
        minute = int(rng.integers(6 * 60, 20 * 60))
        out.append(((float(lat[a] + jitter[0]), float(lon[a] + jitter[1])),
                    (float(lat[b] + jitter[2]), float(lon[b] + jitter[3])),
                    dt.datetime.combine(DAY, dt.time()) + dt.timedelta(minutes=minute)))
    return out


def seconds_of(t: dt.datetime) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def summary(times_ms: list[float]) -> dict[str, float]:
    arr = np.asarray(times_ms)
    return {"median_ms": float(np.median(arr)), "p90_ms": float(np.percentile(arr, 90)),
            "mean_ms": float(arr.mean()), "n": len(arr)}


def run_stufenlos(qs: list[Any], *, router: bool, tmp: Path) -> dict[str, Any]:
    from stufenlos.transit import NoJourneyError, Timetable, plan_journey

    t0 = time.perf_counter()
    walker = None
    if router:
        from stufenlos.build import import_city
        from stufenlos.city import load_city
        from stufenlos.config import find_city
        from stufenlos.transit import RouterWalker

        import_city(find_city("heidelberg"), base=tmp, progress=False)
        walker = RouterWalker(load_city("heidelberg", base=tmp).router)
    tt = Timetable.from_feed(GTFS, DAY, walker=walker)
    plan_journey(tt, qs[0][0], qs[0][1], qs[0][2])  # builds the footpaths once
    setup = time.perf_counter() - t0
    times, arrivals = [], []
    for o, d, at in qs:
        t = time.perf_counter()
        try:
            its = plan_journey(tt, o, d, at)
            best = min(seconds_of(it.arrival) for it in its)
        except NoJourneyError:
            best = None
        times.append((time.perf_counter() - t) * 1000)
        arrivals.append(best)
    return {"setup_s": setup, **summary(times), "arrivals": arrivals}


def run_cafein(qs: list[Any]) -> dict[str, Any]:
    import cafein

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = cafein.TransportNetwork.from_gtfs(str(GTFS), osm_pbf=str(PBF),
                                                trip_distances=False, leg_geometries=False)
    setup = time.perf_counter() - t0
    times, arrivals = [], []
    for o, d, at in qs:
        t = time.perf_counter()
        try:
            res = net.route_between_coordinates(o, d, at, geometries=False)
            best = min(j["arrival_s"] for j in res) if res else None
        except ValueError:  # a point too far from the walking network
            best = None
        times.append((time.perf_counter() - t) * 1000)
        arrivals.append(best)
    return {"setup_s": setup, **summary(times), "arrivals": arrivals}


VALHALLA_VERSION = "3.9.1"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare_valhalla(folder: Path, port: int) -> tuple[Path, Path]:
    """Unpack the pyvalhalla wheel's tools and build street + transit tiles.

    The wheel's Python module needs Python >= 3.12, but its executables run
    anywhere. Valhalla keeps about two months of schedule from the day its
    tiles are built, so the feed's calendar is moved forward by whole weeks
    (weekdays stay the same) onto a day after today; queries move with it.
    """
    import csv
    import subprocess
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    tools = folder / "pv" / "valhalla"
    if not (tools / "bin" / "valhalla_service").exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        f"pyvalhalla=={VALHALLA_VERSION}", "--only-binary=:all:",
                        "--python-version", "3.12", "-d", str(folder / "dl")], check=True)
        wheel = next((folder / "dl").glob("pyvalhalla-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(folder / "pv")
        for exe in (tools / "bin").iterdir():
            exe.chmod(0o755)
    gtfs = folder / "gtfs" / "vrn"
    gtfs.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(GTFS) as zf:
        zf.extractall(gtfs)
    shift = valhalla_shift()
    for name, cols in (("calendar", ("start_date", "end_date")), ("calendar_dates", ("date",))):
        path = gtfs / f"{name}.txt"
        rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
        for r in rows:
            for c in cols:
                day = dt.datetime.strptime(r[c], "%Y%m%d").date() + shift
                r[c] = day.strftime("%Y%m%d")
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    vh = folder / "vh"
    vh.mkdir(exist_ok=True)
    cfg = subprocess.run(
        [sys.executable, str(tools / "valhalla_build_config.py"),
         "--mjolnir-tile-dir", str(vh / "tiles"), "--mjolnir-tile-extract", str(vh / "tiles.tar"),
         "--mjolnir-timezone", str(vh / "tz.sqlite"), "--mjolnir-admin", str(vh / "admin.sqlite"),
         "--mjolnir-transit-dir", str(vh / "transit_tiles"),
         "--mjolnir-transit-feeds-dir", str(folder / "gtfs")],
        check=True, capture_output=True, text=True).stdout
    config = json.loads(cfg)
    config["httpd"]["service"]["listen"] = f"tcp://127.0.0.1:{port}"
    config["httpd"]["service"]["loopback"] = f"ipc://{vh}/loopback"
    config["httpd"]["service"]["interrupt"] = f"ipc://{vh}/interrupt"
    config["httpd"]["service"]["drain_seconds"] = 0
    config["httpd"]["service"]["shutdown_seconds"] = 0
    cfg_path = vh / "valhalla.json"
    cfg_path.write_text(json.dumps(config, indent=1))
    log = (vh / "build.log").open("w")
    for tool, extra in (("valhalla_ingest_transit", []), ("valhalla_convert_transit", []),
                        ("valhalla_build_tiles", [str(PBF)])):
        subprocess.run([str(tools / "bin" / tool), "-c", str(cfg_path), *extra], check=True,
                       stdout=log, stderr=log)
    return tools, cfg_path


def valhalla_shift() -> dt.timedelta:
    """Whole weeks that move :data:`DAY` onto a day within the coming week."""
    weeks = (dt.date.today() - DAY).days // 7 + 1
    return dt.timedelta(weeks=weeks)


def run_valhalla(qs: list[Any], folder: Path) -> dict[str, Any]:
    import subprocess

    import httpx

    t0 = time.perf_counter()
    port = _free_port()
    tools, cfg_path = _prepare_valhalla(folder, port)
    server = subprocess.Popen([str(tools / "bin" / "valhalla_service"), str(cfg_path), "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shift = valhalla_shift()
    times, arrivals = [], []
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        for _ in range(100):
            try:
                client.get("/status")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        setup = time.perf_counter() - t0
        for o, d, at in qs:
            when = at + shift
            body = {"locations": [{"lat": o[0], "lon": o[1]}, {"lat": d[0], "lon": d[1]}],
                    "costing": "multimodal",
                    "date_time": {"type": 1, "value": when.strftime("%Y-%m-%dT%H:%M")}}
            t = time.perf_counter()
            resp = client.post("/route", json=body)
            times.append((time.perf_counter() - t) * 1000)
            trip = resp.json().get("trip") if resp.status_code == 200 else None
            arrivals.append(seconds_of(at) + round(trip["summary"]["time"]) if trip else None)
        client.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return {"setup_s": setup, **summary(times), "arrivals": arrivals}


def agreement(a: list[int | None], b: list[int | None]) -> dict[str, float]:
    both = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    diff = np.abs(np.array([x - y for x, y in both])) if both else np.zeros(0)
    return {"both_answered": len(both),
            "within_5_min": float((diff <= 300).mean()) if len(diff) else float("nan"),
            "median_diff_s": float(np.median(diff)) if len(diff) else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--no-valhalla", action="store_true",
                        help="skip Valhalla (its tools come from the pyvalhalla wheel on PyPI)")
    args = parser.parse_args()
    qs = queries(args.queries)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["stufenlos (crow-fly walks)"] = run_stufenlos(qs, router=False, tmp=Path(tmp))
        results["stufenlos (router walks)"] = run_stufenlos(qs, router=True, tmp=Path(tmp))
    try:
        results["cafein"] = run_cafein(qs)
    except ImportError:
        print("cafein is not installed: pip install -e '.[bench]'", file=sys.stderr)
    if not args.no_valhalla:
        results["Valhalla multimodal (HTTP)"] = run_valhalla(qs, OUT / "valhalla")
    versions = {}
    for pkg in ("stufenlos", "numpy", "scipy", "pandas", "pyarrow", "cafein"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "-"
    lines = [
        f"# Earliest-arrival queries, VRN cut, {DAY} ({args.queries} door-to-door queries)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, {platform.system()}. Packages: "
        + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "",
        "| planner | set-up s | median ms | p90 ms | mean ms | answered |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        answered = sum(a is not None for a in r["arrivals"])
        lines.append(f"| {name} | {r['setup_s']:.1f} | {r['median_ms']:.2f} | "
                     f"{r['p90_ms']:.2f} | {r['mean_ms']:.2f} | {answered}/{r['n']} |")
    if "cafein" in results:
        lines += ["", "Earliest arrival compared with cafein:", ""]
        others = [n for n in results if n != "cafein"]
        for name in others:
            ag = agreement(results[name]["arrivals"], results["cafein"]["arrivals"])
            lines.append(f"* {name}: {ag['both_answered']} answered by both, "
                         f"{ag['within_5_min']:.0%} within 5 min, median difference "
                         f"{ag['median_diff_s']:.0f} s (walking models differ)")
    median = results["stufenlos (router walks)"]["median_ms"]
    lines += ["", f"Target: median <= {TARGET_MS:.0f} ms and no slower than cafein: "
              + ("met" if median <= TARGET_MS and ("cafein" not in results or median
                                                   <= results["cafein"]["median_ms"])
                 else "NOT met")]
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "transit.md").write_text(text)
    slim = {k: {kk: vv for kk, vv in v.items() if kk != "arrivals"} for k, v in results.items()}
    (OUT / "transit.json").write_text(json.dumps({"versions": versions, "results": slim},
                                                 indent=2))


if __name__ == "__main__":
    main()
