"""Cold start: the first 15-minute reach and the first journey of a fresh process.

Every figure comes from a new Python process, so numba's on-disk cache and the
files an import stores count, but nothing kept in memory does. Two data folders
hold the same import of ``data/cities/heidelberg`` (VRN cut, 1,480 trips):

* **stored**: as ``stufenlos import`` writes it now (contraction orders beside
  the network, stop verdicts and walks between stops beside the feed);
* **bare**: the same with those artefacts removed, i.e. what a process had to
  build at its first request before.

Per variant and process:

* ``reach``: ``get_city`` and the network read, then the first
  ``city.reach(..., max_time_s=900)`` (no warm-up);
* ``warm + reach``: ``REGISTRY.warm`` (what ``stufenlos serve`` does at start),
  then the first reach;
* ``warm + journey``: ``REGISTRY.warm``, then the first door-to-door journey on
  2022-09-01 08:00 (the day's timetable is built in it: warm-up builds today's);
* ``CLI journey``: the whole ``stufenlos journey`` process (wall clock).

Run ``PYTHONPATH=src .venv/bin/python bench/coldstart.py [--runs 5]``; medians
are printed (the machine is shared: compare the variants of one run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITY = "heidelberg"
ORIGIN, DEST = (49.4036, 8.6760), (49.4120, 8.7100)

CHILD = r"""
import datetime as dt, json, sys, time
mode = sys.argv[1]
ORIGIN, DEST = %s
t0 = time.perf_counter()
from stufenlos.registry import REGISTRY, get_city, get_transit
city = get_city("heidelberg")
city.network
if mode != "reach":
    REGISTRY.warm("heidelberg")
t1 = time.perf_counter()
if mode == "journey":
    ct = get_transit(city)
    ct.journey(ORIGIN, DEST, dt.datetime(2022, 9, 1, 8, 0))
else:
    city.reach(ORIGIN, max_time_s=900)
t2 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "first": t2 - t1}))
"""


def _env(data: Path) -> dict[str, str]:
    env = dict(os.environ, STUFENLOS_DATA_DIR=str(data), STUFENLOS_WARM="0")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def child(mode: str, data: Path) -> dict[str, float]:
    """One fresh process: seconds to load (and warm) and for the first answer."""
    code = CHILD.replace("%s", repr((ORIGIN, DEST)))
    out = subprocess.run([sys.executable, "-c", code, mode], env=_env(data), check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def cli_journey(data: Path) -> float:
    """Wall-clock seconds of one ``stufenlos journey`` process."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "stufenlos.cli", "journey", CITY,
                    "--from", ",".join(map(str, ORIGIN)), "--to", ",".join(map(str, DEST)),
                    "--at", "2022-09-01T08:00", "--format", "json"],
                   env=_env(data), check=True, capture_output=True)
    return time.perf_counter() - t


def prepare(base: Path) -> tuple[Path, Path]:
    """Import the city once into ``base/stored``; ``base/bare`` without the artefacts."""
    from stufenlos.build import import_city
    from stufenlos.config import find_city

    stored, bare = base / "stored", base / "bare"
    import_city(find_city(CITY), base=stored)
    shutil.copytree((stored / CITY).resolve(), bare / CITY)
    for sub in ("network/cch", "network/cch-reverse"):
        shutil.rmtree(bare / CITY / sub)
    for name in ("transit.json", "stop_access.parquet", "equipment.parquet",
                 "street_walks.parquet"):
        (bare / CITY / "transit" / name).unlink()
    return stored, bare


def main() -> None:
    """Print median cold-start figures for both variants."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stored, bare = prepare(Path(tmp))
        child("reach", stored)  # a first process fills numba's cache if it is empty
        rows = []
        for label, data in (("bare", bare), ("stored", stored)):
            res: dict[str, list[float]] = {}
            for _ in range(args.runs):
                for mode, name in (("reach", "reach"), ("warm", "warm + reach"),
                                   ("journey", "warm + journey")):
                    r = child(mode, data)
                    res.setdefault(f"{name}: load", []).append(r["load"])
                    res.setdefault(f"{name}: first", []).append(r["first"])
                res.setdefault("CLI journey", []).append(cli_journey(data))
            rows.append((label, {k: statistics.median(v) for k, v in res.items()}))
        keys = list(rows[0][1])
        print(f"median of {args.runs} fresh processes, seconds")
        print(f"{'':28s} {'bare':>8s} {'stored':>8s} {'ratio':>6s}")
        for k in keys:
            a, b = rows[0][1][k], rows[1][1][k]
            print(f"{k:28s} {a:8.3f} {b:8.3f} {a / b:6.1f}")


if __name__ == "__main__":
    main()
