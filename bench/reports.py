"""Benchmark the report store: submissions per second and bbox queries, SQLite vs PostGIS.

* **submit**: ``ReportService.submit`` called from 16 threads (validation,
  sanitising, one transaction with the report, its history event and the audit
  entry), reports per second over ``--n`` submissions.
* **bbox**: ``GET requests`` as the store runs it, a 0.01° × 0.01° box at a random
  place among ``--n`` reports spread over 0.2° × 0.2° around Hamburg; median of
  200 queries. On PostgreSQL the query uses the PostGIS point and its GiST index,
  on SQLite two coordinate ranges.

Run ``.venv/bin/python bench/reports.py`` (SQLite in a temporary folder) and add
``--database-url postgresql://user@host/empty_db`` for PostGIS. Prints Markdown.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from stufenlos.reports import ReportQuery, ReportService, ReportStore, Submission


def run(url: str, n: int) -> dict[str, float]:
    """Submit ``n`` reports, then time bbox queries."""
    store = ReportStore(url)
    svc = ReportService(store, submit_rate="1000000/minute")
    rng = random.Random(42)
    points = [(53.45 + rng.random() * 0.2, 9.9 + rng.random() * 0.2) for _ in range(n)]

    def one(i: int) -> None:
        lat, lon = points[i]
        svc.submit(Submission(service_code="blocked-sidewalk", lat=lat, lon=lon,
                              description=f"Hindernis {i} <b>auf dem Gehweg</b>"),
                   client=f"c{i % 97}")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(n)))
    submit_s = time.perf_counter() - t0
    assert store.count() >= n
    times = []
    for _ in range(200):
        lat, lon = 53.45 + rng.random() * 0.19, 9.9 + rng.random() * 0.19
        q = ReportQuery(bbox=(lon, lat, lon + 0.01, lat + 0.01), limit=1000)
        t = time.perf_counter()
        with store.session() as s:
            list(s.scalars(store.select_reports(q)))
        times.append(time.perf_counter() - t)
    store.close()
    return {"submit_per_s": n / submit_s, "bbox_median_ms": statistics.median(times) * 1000}


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="reports to submit")
    ap.add_argument("--database-url", action="append", default=[],
                    help="also run against this (empty) database; repeatable")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite:///{Path(tmp) / 'bench.sqlite'}", *args.database_url]
        rows = []
        for url in urls:
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            r = run(url, args.n)
            backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL/PostGIS"
            rows.append(f"| {backend} | {args.n} | {r['submit_per_s']:.0f} | "
                        f"{r['bbox_median_ms']:.2f} |")
    print(f"Machine: {platform.machine()}, {platform.python_version()}, "
          f"{platform.platform()}\n")
    print("| backend | reports | submissions/s (16 threads) | bbox query median (ms) |")
    print("|---|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
