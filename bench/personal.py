"""Benchmark: snapping many points, matrices from points, and routes with a person's own limits.

Workloads on Heidelberg (seeded): snapping 1,000 points near the network, point by point
and all at once; a 1000 x 100 wheelchair matrix from points and from nodes; a route with
never-seen limits (50 random limit sets of the wheelchair preset, one after the other), on a
router whose preset is warm (costs derived from the nearest cached profile of the family,
the metric of the previous person's limits updated where weights differ) and on a fresh
router (a full evaluation and customisation, as every unseen limit set cost before). Prints
medians of wall and CPU time: the machines are shared, so compare the ratios within one run.

Usage::

    python bench/personal.py [--data-dir DIR [--city NAME]]

``STUFENLOS_CITIES_DIR=<scratch>/k16/cities python bench/personal.py --city scale-k16
--data-dir <scratch>/k16`` measures the 16-copy city that ``bench/scale.py`` builds and
imports.

Without ``--data-dir`` the bundled Heidelberg extract is imported into a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from stufenlos.build import import_city
from stufenlos.city import load_city
from stufenlos.config import find_city
from stufenlos.routing import Router


def measure(fn: Callable[[], Any], n: int = 7) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``n`` runs after one warm-up run."""
    fn()
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return float(np.median(wall)) * 1000, float(np.median(cpu)) * 1000


def limit_sets(n: int, rng: np.random.Generator) -> list[dict[str, float]]:
    """Random limit sets of the wheelchair preset: one to three limits changed."""
    out = []
    for _ in range(n):
        lim = {"max_kerb_cm": round(float(rng.uniform(0, 12)), 1),
               "min_width_m": round(float(rng.uniform(0.6, 1.4)), 2),
               "max_incline_pct": round(float(rng.uniform(2, 12)), 1)}
        keep = rng.choice(list(lim), size=int(rng.integers(1, 4)), replace=False)
        out.append({k: lim[k] for k in keep})
    return out


def run(base: Path, city: str = "heidelberg") -> None:
    net = load_city(city, base=base).network
    rng = np.random.default_rng(42)
    router = Router(net)
    w = router.weights("wheelchair")
    comp = net.nodes["component"].to_numpy()
    main = np.flatnonzero(comp == np.bincount(comp).argmax())
    lonlat = net.node_lonlat
    nodes = rng.choice(main, 1100)
    pts = lonlat[nodes] + rng.normal(0, 0.0003, (1100, 2))  # ~30 m off the nodes
    latlon = pts[:, ::-1]
    rows: list[tuple[str, float, float]] = []

    def row(name: str, fn: Callable[[], Any], n: int = 7) -> tuple[float, float]:
        wall, cpu = measure(fn, n)
        rows.append((name, wall, cpu))
        print(f"  {name}: {wall:.1f} ms wall, {cpu:.1f} ms CPU", file=sys.stderr, flush=True)
        return wall, cpu

    row("snap 1,000 points one by one", lambda: [router.snap(p, w) for p in latlon[:1000]], 3)
    row("snap 1,000 points at once", lambda: router.nearest_nodes(latlon[:1000], w))
    m_pts = row("matrix 1000 x 100 from points", lambda: router.matrix(
        latlon[:1000], latlon[1000:], profile="wheelchair"), 5)
    m_nodes = row("matrix 1000 x 100 from nodes", lambda: router.matrix(
        nodes[:1000], nodes[1000:], profile="wheelchair"), 5)
    sets = limit_sets(50, rng)
    ends = [(tuple(latlon[i]), tuple(latlon[i + 1])) for i in range(0, 100, 2)]
    router.route(*ends[0], profile="wheelchair", max_kerb_cm=0.0)  # the family's strictest
    fresh, derived = [], []
    for lim, (a, b) in zip(sets, ends, strict=True):
        other = Router(net)  # an empty cache: a full evaluation and customisation
        t, c = time.perf_counter(), time.process_time()
        want = other.route(a, b, profile="wheelchair", **lim)
        fresh.append((time.perf_counter() - t, time.process_time() - c))
        t, c = time.perf_counter(), time.process_time()
        got = router.route(a, b, profile="wheelchair", **lim)
        derived.append((time.perf_counter() - t, time.process_time() - c))
        assert got.cost_s == want.cost_s, lim
    for name, times in (("route, never-seen limits, full customisation", fresh),
                        ("route, never-seen limits, derived", derived)):
        wall, cpu = np.median(np.array(times), axis=0) * 1000
        rows.append((name, float(wall), float(cpu)))
    print(f"\n{city}: {net.n_nodes:,} nodes, {net.n_edges:,} arcs; medians\n")
    print("| workload | wall ms | CPU ms |\n|---|---:|---:|")
    for name, wall, cpu in rows:
        print(f"| {name} | {wall:.1f} | {cpu:.1f} |")
    print(f"\nmatrix from points / from nodes: {m_pts[0] / m_nodes[0]:.1f}x wall, "
          f"{m_pts[1] / m_nodes[1]:.1f}x CPU")
    print(f"never-seen limits, full / derived: {rows[-2][1] / rows[-1][1]:.1f}x wall, "
          f"{rows[-2][2] / rows[-1][2]:.1f}x CPU")
    p90 = np.percentile(np.array(derived), 90, axis=0) * 1000
    print(f"never-seen limits, derived, 90th percentile: {p90[0]:.1f} ms wall, "
          f"{p90[1]:.1f} ms CPU")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="a folder where the city is already imported")
    ap.add_argument("--city", default="heidelberg",
                    help="the imported city to measure (e.g. scale-k16 from bench/scale.py)")
    args = ap.parse_args()
    if args.data_dir is not None:
        run(args.data_dir, args.city)
        return
    with tempfile.TemporaryDirectory() as tmp:
        import_city(find_city("heidelberg"), base=tmp, progress=False)
        run(Path(tmp))


if __name__ == "__main__":
    main()
