"""Load benchmark of the HTTP API: route requests per second and latency on loopback.

Starts ``uvicorn`` serving ``create_app()`` on the imported cities in the data
folder (``./var`` or ``$STUFENLOS_DATA_DIR``; run ``stufenlos import hamburg``
first), or uses ``--url`` of a running server. An asyncio ``httpx`` client keeps
``--concurrency`` requests in flight for ``--seconds``, each a POST
``/api/cities/<city>/route`` between two named places of the city picked with a
fixed seed, with the profiles cycling through the presets. Reports requests/s,
median, p95 and p99 latency and the status mix, as text and as JSON in bench/out/.
``--tiles`` instead times the offline basemap: building the city's tile layers
and cutting the 3 x 3 tiles around its centre at zoom 13 to 17 (cold cache).

Usage::

    python bench/load.py [--city hamburg] [--concurrency 8] [--seconds 20] [--url URL]
    python bench/load.py --tiles [--city heidelberg]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

from stufenlos.api.views import place_index
from stufenlos.city import load_city
from stufenlos.profiles import PRESETS

OUT = Path(__file__).resolve().parent / "out"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "stufenlos.api.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--workers", str(workers)],
        env=os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2):
                return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    msg = "the server did not start"
    raise SystemExit(msg)


def _bodies(city: str, n: int, seed: int) -> list[dict]:
    places = [p for p in place_index(load_city(city)).places if p.kind == "street"]
    rng = random.Random(seed)
    profiles = list(PRESETS)
    out = []
    for i in range(n):
        a, b = rng.sample(places, 2)
        out.append({"origin": {"lat": a.lat, "lon": a.lon},
                    "destination": {"lat": b.lat, "lon": b.lon},
                    "profile": profiles[i % len(profiles)], "lang": "de"})
    return out


async def _run(base: str, city: str, bodies: list[dict], concurrency: int,
               seconds: float) -> tuple[list[float], Counter[str], float]:
    url = f"{base}/api/cities/{city}/route"
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    stop = 0.0
    counter = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal counter, stop
        while time.perf_counter() < stop:
            body = bodies[counter % len(bodies)]
            counter += 1
            t0 = time.perf_counter()
            r = await client.post(url, json=body)
            latencies.append(time.perf_counter() - t0)
            answer = r.json()["properties"]["status"] if r.status_code == 200 else ""
            statuses[f"{r.status_code} {answer}".strip()] += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        for body in bodies[:20]:  # warm up: profiles' cost vectors and metrics
            await client.post(url, json=body)
        t0 = time.perf_counter()
        stop = t0 + seconds
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return latencies, statuses, elapsed


def bench_tiles(city_name: str) -> None:
    """Time the vector tiles of ``city_name`` around its centre."""
    import math

    from stufenlos.tiles import CityTiles

    city = load_city(city_name)
    city.network  # noqa: B018 - read the network before timing the tile layers
    t0 = time.perf_counter()
    tiles = CityTiles(city)
    print(f"{city_name}: tile layers built in {time.perf_counter() - t0:.2f} s")
    lat, lon = city.config.center or (0.0, 0.0)
    for z in range(13, 18):
        n = 1 << z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        times, sizes = [], []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                t = time.perf_counter()
                sizes.append(len(tiles.tile(z, x + dx, y + dy)))
                times.append(time.perf_counter() - t)
        print(f"  z{z}: median {np.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
              f" per tile, median {np.median(sizes) / 1024:.1f} KiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--city", default="hamburg")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--url", help="use a running server instead of starting one")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tiles", action="store_true", help="time the vector tiles instead")
    args = ap.parse_args()
    if args.tiles:
        bench_tiles(args.city)
        return

    bodies = _bodies(args.city, 500, args.seed)
    proc = None
    base = args.url
    if base is None:
        proc, base = _start_server(args.workers)
    try:
        lat, statuses, elapsed = asyncio.run(
            _run(base.rstrip("/"), args.city, bodies, args.concurrency, args.seconds))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
    ms = np.array(lat) * 1000
    result = {
        "city": args.city, "concurrency": args.concurrency, "workers": args.workers,
        "seconds": round(elapsed, 2), "requests": len(lat),
        "requests_per_s": round(len(lat) / elapsed, 1),
        "median_ms": round(float(np.median(ms)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "p99_ms": round(float(np.percentile(ms, 99)), 1),
        "statuses": dict(statuses), "cpus": os.cpu_count(), "python": platform.python_version(),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / f"load_{args.city}.json").write_text(json.dumps(result, indent=2))
    print(f"{args.city}: {result['requests']} route requests in {result['seconds']} s, "
          f"concurrency {args.concurrency}, {args.workers} worker(s)")
    print(f"  {result['requests_per_s']} requests/s; latency median {result['median_ms']} ms, "
          f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms")
    print(f"  answers: {dict(statuses)}")


if __name__ == "__main__":
    main()
