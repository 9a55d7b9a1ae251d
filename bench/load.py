"""Route answers over HTTP next to the in-process router, and next to OSRM and Valhalla.

On the same ``--pairs`` origin/destination pairs of ``--city`` (two named streets each,
fixed seed; the city must be imported into ``$STUFENLOS_DATA_DIR``), measured in one run:

* **in process**: ``City.route`` alone and the whole answer (route, presenter, JSON
  bytes) in this process, median per pair;
* **stufenlos serve --workers 1 / 2** (or ``--url`` of a running server):
  ``POST /api/cities/<city>/route``, first one
  request at a time on one keep-alive connection (median; its ratio to the in-process
  route is printed), then ``--concurrency`` requests in flight for ``--seconds``
  (requests/s, median, p95, the client's CPU share and the server's CPU time per
  request);
* **OSRM** (``--osrm-data FILE.osrm`` started with ``osrm-routed --algorithm ch -t 1/2``,
  or ``--osrm-url`` of a running server) and **Valhalla** (``--valhalla-config FILE.json``
  started with ``valhalla_service FILE.json 1/2``, or ``--valhalla-url``): the same
  pairs, the same two measurements, the same client. OSRM answers ``/route/v1/foot``
  with full geometry and steps, Valhalla ``pedestrian`` with ``type: wheelchair``. The
  executables are looked up on ``PATH`` (or ``--osrm-routed``/``--valhalla-service``);
  OSRM cannot read GeoJSON, so compare peers on a city imported from a ``.osm.pbf``
  (e.g. heidelberg).

Every profile preset is used in turn for stufenlos; servers start with
``STUFENLOS_WARM=0`` and get a discarded 3-second concurrent pass first. The client runs
on the same machine and takes its share of the CPU; its CPU time is reported. It is a
minimal HTTP/1.1 keep-alive client on asyncio streams (on ``uvloop`` when installed):
``httpx`` spent about 2 ms of CPU per request, more than the server's route search, and
added that to every sequential latency. Text and JSON
(``bench/out/load_<city>.json``) are written. ``--tiles`` instead times the offline
basemap: building the city's tile layers and cutting the 3 x 3 tiles around its centre
at zoom 13 to 17 (cold cache).

Usage::

    python bench/load.py --city hamburg --pairs 120 --concurrency 16
    python bench/load.py --city hamburg --include geometry summary   # a lean answer
    python bench/load.py --city heidelberg --osrm-data hd.osrm --valhalla-config vh.json
    python bench/load.py --tiles [--city heidelberg]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from stufenlos.api.views import place_index, route_answer
from stufenlos.city import City
from stufenlos.profiles import PRESETS
from stufenlos.registry import get_city
from stufenlos.text.route import ROUTE_PARTS

OUT = Path(__file__).resolve().parent / "out"

LatLon = tuple[float, float]


@dataclass
class Answer:
    """An HTTP answer as the load client reads it."""

    status_code: int
    content: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return orjson.loads(self.content)


@dataclass
class Target:
    """One HTTP server answering routes: how to ask it for the route of a pair."""

    name: str
    base: str
    request: Callable[[int, LatLon, LatLon], tuple[str, str, bytes | None]]
    ok: Callable[[Answer], str]


class Connection:
    """One keep-alive HTTP/1.1 connection to ``base`` (``http://host:port``).

    Hand-written rather than a client library's: the load client shares the
    machine's cores with the server it measures, so it does no more than write the
    request and read the status line, the headers and the body (``Content-Length``
    or chunked).
    """

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._head = f"HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, url: str, body: bytes | None) -> Answer:
        """Send one request on the connection (opened on first use) and read its answer."""
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        path = url.split("/", 3)[3] if url.startswith("http") else url.lstrip("/")
        head = f"{method} /{path} {self._head}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"\r\n" + (body or b""))
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:] if line)}
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append((await reader.readexactly(size + 2))[:-2])
            await reader.readuntil(b"\r\n")  # the empty trailer
            content = b"".join(chunks)
        else:
            content = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Answer(status, content)

    async def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


def _run(coro: Any) -> Any:
    """Run ``coro`` on uvloop when installed, else on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(proc: subprocess.Popen[bytes], url: str, what: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"{what} stopped at start (exit {proc.returncode})"
            raise SystemExit(msg)
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    proc.kill()
    msg = f"{what} did not start within 120 s"
    raise SystemExit(msg)


def _executable(given: str | None, name: str) -> str:
    exe = given or shutil.which(name)
    if exe is None:
        msg = f"{name} not found: put it on PATH or pass its path"
        raise SystemExit(msg)
    return exe


def _pairs(city: City, n: int, seed: int) -> list[tuple[LatLon, LatLon]]:
    places = [p for p in place_index(city).places if p.kind == "street"]
    rng = random.Random(seed)
    return [((a.lat, a.lon), (b.lat, b.lon)) for a, b in (rng.sample(places, 2) for _ in range(n))]


def _profile(i: int) -> str:
    profiles = list(PRESETS)
    return profiles[i % len(profiles)]


def _ms(seconds: list[float], q: float = 50) -> float:
    return round(float(np.percentile(np.array(seconds) * 1000, q)), 3)


def in_process(city: City, pairs: list[tuple[LatLon, LatLon]], rounds: int,
               include: list[str] | None = None) -> dict[str, float]:
    """Median time per pair of ``City.route`` and of the whole answer as JSON bytes."""
    route_s: list[float] = []
    answer_s: list[float] = []
    for i, (o, d) in enumerate(pairs):  # warm up every profile's weights
        city.route(o, d, profile=_profile(i))
    for _ in range(rounds):
        for i, (o, d) in enumerate(pairs):
            t0 = time.perf_counter()
            r = city.route(o, d, profile=_profile(i))
            t1 = time.perf_counter()
            orjson.dumps(route_answer(city, r, "de", origin=o, destination=d, include=include),
                         option=orjson.OPT_SERIALIZE_NUMPY)
            t2 = time.perf_counter()
            route_s.append(t1 - t0)
            answer_s.append(t2 - t0)
    return {"route_p50_ms": _ms(route_s), "answer_p50_ms": _ms(answer_s)}


def stufenlos_target(city: str, base: str, include: list[str] | None = None) -> Target:
    """``POST /api/cities/<city>/route`` of a stufenlos server (only ``include``'s parts)."""

    def request(i: int, o: LatLon, d: LatLon) -> tuple[str, str, bytes | None]:
        body: dict[str, Any] = {
            "origin": {"lat": o[0], "lon": o[1]}, "destination": {"lat": d[0], "lon": d[1]},
            "profile": _profile(i), "lang": "de"}
        if include is not None:
            body["include"] = include
        return "POST", f"{base}/api/cities/{city}/route", orjson.dumps(body)

    return Target("stufenlos", base, request,
                  lambda r: r.json()["properties"]["status"] if r.status_code == 200 else "")


def osrm_target(base: str) -> Target:
    """``GET /route/v1/foot/...`` of ``osrm-routed``, with full geometry and steps."""

    def request(i: int, o: LatLon, d: LatLon) -> tuple[str, str, bytes | None]:
        return "GET", (f"{base}/route/v1/foot/{o[1]},{o[0]};{d[1]},{d[0]}"
                       "?overview=full&geometries=geojson&steps=true"), None

    return Target("OSRM", base, request,
                  lambda r: r.json().get("code", "") if r.status_code in (200, 400) else "")


def valhalla_target(base: str) -> Target:
    """``POST /route`` of ``valhalla_service``, pedestrian costing of type wheelchair."""

    def request(i: int, o: LatLon, d: LatLon) -> tuple[str, str, bytes | None]:
        body = {"locations": [{"lat": o[0], "lon": o[1]}, {"lat": d[0], "lon": d[1]}],
                "costing": "pedestrian",
                "costing_options": {"pedestrian": {"type": "wheelchair"}}}
        return "POST", f"{base}/route", orjson.dumps(body)

    return Target("Valhalla", base, request,
                  lambda r: "ok" if r.status_code == 200 else str(r.json().get("error_code", "")))


def _send(conn: Connection, t: Target, i: int, o: LatLon, d: LatLon) -> Any:
    return conn.request(*t.request(i, o, d))


async def _sequential(t: Target, pairs: list[tuple[LatLon, LatLon]], rounds: int
                      ) -> dict[str, Any]:
    lat: list[float] = []
    statuses: Counter[str] = Counter()
    conn = Connection(t.base)
    for i, (o, d) in enumerate(pairs):  # warm up
        await _send(conn, t, i, o, d)
    for _ in range(rounds):
        for i, (o, d) in enumerate(pairs):
            t0 = time.perf_counter()
            r = await _send(conn, t, i, o, d)
            lat.append(time.perf_counter() - t0)
            statuses[t.ok(r)] += 1
    await conn.close()
    return {"p50_ms": _ms(lat), "answers": dict(statuses)}


def sequential(t: Target, pairs: list[tuple[LatLon, LatLon]], rounds: int) -> dict[str, Any]:
    """One request at a time on one keep-alive connection: median latency."""
    return _run(_sequential(t, pairs, rounds))


async def _concurrent(t: Target, pairs: list[tuple[LatLon, LatLon]], concurrency: int,
                      seconds: float) -> dict[str, Any]:
    lat: list[float] = []
    statuses: Counter[str] = Counter()
    counter = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:  # one keep-alive connection each
        nonlocal counter
        conn = Connection(t.base)
        while time.perf_counter() < stop:
            i = counter
            counter += 1
            o, d = pairs[i % len(pairs)]
            t0 = time.perf_counter()
            r = await _send(conn, t, i, o, d)
            lat.append(time.perf_counter() - t0)
            statuses["" if r.status_code >= 500 else "answered"] += 1
        await conn.close()

    c0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed, client_cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"requests_per_s": round(len(lat) / elapsed, 1), "p50_ms": _ms(lat),
            "p95_ms": _ms(lat, 95), "requests": len(lat),
            "client_cpu_share": round(client_cpu / elapsed, 2), "answers": dict(statuses)}


def _cpu_seconds(pid: int | None) -> float:
    """CPU time so far of process ``pid`` and its children (0 without psutil or pid)."""
    try:
        import psutil
    except ImportError:
        return 0.0
    if pid is None:
        return 0.0
    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return sum(sum(p.cpu_times()[:2]) for p in procs)


def measure(t: Target, pairs: list[tuple[LatLon, LatLon]], args: argparse.Namespace,
            pid: int | None = None) -> dict[str, Any]:
    """Sequential median, then the concurrent run, against one running server.

    A discarded concurrent pass first reaches every worker process, so that each has
    loaded the city and the profiles' weights before anything is timed. Given the
    server's ``pid`` (and psutil), the server's CPU time per request of the concurrent
    run is reported too: unlike latencies, it hardly depends on what else the machine
    runs.
    """
    _run(_concurrent(t, pairs, args.concurrency, 3.0))
    seq = sequential(t, pairs, args.rounds)
    cpu0 = _cpu_seconds(pid)
    conc = _run(_concurrent(t, pairs, args.concurrency, args.seconds))
    if pid is not None and (cpu := _cpu_seconds(pid) - cpu0) > 0:
        conc["server_cpu_ms_per_request"] = round(cpu / conc["requests"] * 1000, 3)
    return {"sequential": seq, "concurrent": conc}


def _serve(cmd: list[str], probe: str, what: str, port: int
           ) -> tuple[subprocess.Popen[bytes], str]:
    # cities are loaded by the warm-up requests, not by every city warming in the background
    env = {**os.environ, "STUFENLOS_WARM": "0"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    _wait(proc, base + probe, what)
    return proc, base


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_stufenlos(city: str, workers: int, pairs: list[tuple[LatLon, LatLon]],
                  args: argparse.Namespace) -> dict[str, Any]:
    """``stufenlos serve --workers N`` started, measured and stopped."""
    port = _free_port()
    proc, base = _serve([sys.executable, "-m", "stufenlos.cli", "serve", "--port", str(port),
                         "--workers", str(workers)], "/health", "stufenlos serve", port)
    try:
        return measure(stufenlos_target(city, base, args.include), pairs, args, proc.pid)
    finally:
        _stop(proc)


def run_osrm(data: str, threads: int, pairs: list[tuple[LatLon, LatLon]],
             args: argparse.Namespace) -> dict[str, Any]:
    """``osrm-routed --algorithm ch -t N`` started, measured and stopped."""
    port = _free_port()
    exe = _executable(args.osrm_routed, "osrm-routed")
    proc, base = _serve([exe, "--algorithm", "ch", "-t", str(threads), "-i", "127.0.0.1",
                         "-p", str(port), data], "/", "osrm-routed", port)
    try:
        return measure(osrm_target(base), pairs, args, proc.pid)
    finally:
        _stop(proc)


def run_valhalla(config: str, threads: int, pairs: list[tuple[LatLon, LatLon]],
                 args: argparse.Namespace) -> dict[str, Any]:
    """``valhalla_service CONFIG N`` (on a free port) started, measured and stopped."""
    port = _free_port()
    exe = _executable(args.valhalla_service, "valhalla_service")
    cfg = json.loads(Path(config).read_text())
    cfg["httpd"]["service"]["listen"] = f"tcp://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        cfg["httpd"]["service"]["loopback"] = f"ipc://{tmp}/loopback"
        cfg["httpd"]["service"]["interrupt"] = f"ipc://{tmp}/interrupt"
        path = Path(tmp) / "valhalla.json"
        path.write_text(json.dumps(cfg))
        proc, base = _serve([exe, str(path), str(threads)], "/status", "valhalla_service", port)
        try:
            return measure(valhalla_target(base), pairs, args, proc.pid)
        finally:
            _stop(proc)


def bench_tiles(city_name: str) -> None:
    """Time the vector tiles of ``city_name`` around its centre."""
    import math

    from stufenlos.tiles import CityTiles

    city = get_city(city_name)
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
        print(f"  z{z}: median {statistics.median(times) * 1000:.1f} ms, "
              f"max {max(times) * 1000:.1f} ms per tile, "
              f"median {statistics.median(sizes) / 1024:.1f} KiB")


def _row(name: str, res: dict[str, Any], ref_ms: float) -> str:
    seq, conc = res["sequential"], res["concurrent"]
    return (f"  {name:<26} {seq['p50_ms']:>8.2f} {seq['p50_ms'] / ref_ms:>7.1f}x "
            f"{conc['requests_per_s']:>8.1f} {conc['p50_ms']:>8.1f} {conc['p95_ms']:>8.1f} "
            f"{conc['client_cpu_share']:>6.2f} {conc.get('server_cpu_ms_per_request', 0):>7.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--city", default="hamburg")
    ap.add_argument("--pairs", type=int, default=120)
    ap.add_argument("--rounds", type=int, default=3, help="sequential passes over the pairs")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=15.0, help="length of a concurrent run")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                    help="worker processes (threads for the peers) to compare")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--url", help="a running stufenlos server instead of starting one")
    ap.add_argument("--osrm-data", help="FILE.osrm (contracted, for --algorithm ch)")
    ap.add_argument("--osrm-url", help="a running OSRM server instead")
    ap.add_argument("--osrm-routed", help="the osrm-routed executable (default: on PATH)")
    ap.add_argument("--valhalla-config", help="valhalla.json of built tiles")
    ap.add_argument("--valhalla-url", help="a running Valhalla server instead")
    ap.add_argument("--valhalla-service", help="the valhalla_service executable")
    ap.add_argument("--include", nargs="*", choices=list(ROUTE_PARTS),
                    help="ask stufenlos for these parts of the answer only (a lean answer: "
                         "--include geometry summary); default: the whole answer")
    ap.add_argument("--tiles", action="store_true", help="time the vector tiles instead")
    args = ap.parse_args()
    if args.tiles:
        bench_tiles(args.city)
        return

    city = get_city(args.city)
    pairs = _pairs(city, args.pairs, args.seed)
    local = in_process(city, pairs, args.rounds, args.include)
    results: dict[str, dict[str, Any]] = {}
    if args.url is not None:
        results["stufenlos (running)"] = measure(
            stufenlos_target(args.city, args.url.rstrip("/"), args.include), pairs, args)
    else:
        for n in args.workers:
            results[f"stufenlos serve --workers {n}"] = run_stufenlos(args.city, n, pairs, args)
    peers: list[tuple[str, str | None, str | None, Callable[..., dict[str, Any]],
                      Callable[[str], Target]]] = [
        ("OSRM", args.osrm_data, args.osrm_url, run_osrm, osrm_target),
        ("Valhalla", args.valhalla_config, args.valhalla_url, run_valhalla, valhalla_target),
    ]
    for name, data, url, run, target in peers:
        if url is not None:
            results[f"{name} (running)"] = measure(target(url.rstrip("/")), pairs, args)
        elif data is not None:
            for n in args.workers:
                results[f"{name}, {n} thread(s)"] = run(data, n, pairs, args)

    ref = local["route_p50_ms"]
    answer = "whole answer" if args.include is None else "include " + ",".join(args.include)
    print(f"{args.city}: {len(pairs)} pairs, {answer}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"  in process: route p50 {ref:.3f} ms, answer as JSON p50 "
          f"{local['answer_p50_ms']:.3f} ms")
    print(f"  {'':<26} {'seq p50':>8} {'/ route':>8} {'req/s':>8} {'p50':>8} {'p95':>8} "
          f"{'client':>6} {'srv CPU':>7}   (ms; concurrency {args.concurrency}, "
          f"{args.seconds:g} s)")
    for name, res in results.items():
        print(_row(name, res, ref))
    out = {"city": args.city, "pairs": len(pairs), "concurrency": args.concurrency,
           "seconds": args.seconds, "include": args.include, "in_process": local,
           "http": results,
           "cpus": os.cpu_count(), "load_average": os.getloadavg()[0],
           "python": platform.python_version()}
    OUT.mkdir(exist_ok=True)
    lean = "" if args.include is None else "_" + "_".join(args.include)
    (OUT / f"load_{args.city}{lean}.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
