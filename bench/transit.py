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


def agreement(a: list[int | None], b: list[int | None]) -> dict[str, float]:
    both = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    diff = np.abs(np.array([x - y for x, y in both])) if both else np.zeros(0)
    return {"both_answered": len(both),
            "within_5_min": float((diff <= 300).mean()) if len(diff) else float("nan"),
            "median_diff_s": float(np.median(diff)) if len(diff) else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
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
        for name in ("stufenlos (crow-fly walks)", "stufenlos (router walks)"):
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
