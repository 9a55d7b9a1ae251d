"""Benchmark the Heidelberg import against osmnx and pyrosm on the same extract.

Every measurement runs in a fresh subprocess and is timed from process start to
exit (interpreter start-up and imports included, as a user would see them).
Peak memory is the child's maximum resident set size as the kernel reports it
when the child is reaped (``os.wait4``: the ``ru_maxrss`` that
``getrusage(RUSAGE_CHILDREN)`` accumulates, but for this one child and its own
children only).

* **stufenlos**: ``stufenlos import heidelberg --data-dir <tmp> --no-progress``,
  reading ``data/cities/heidelberg/heidelberg.test.osm.pbf`` and writing the
  network, barriers and database into a fresh temporary folder.
* **osmnx**: ``osmnx.graph_from_xml`` (``bidirectional=True``, ``simplify=True``,
  ``retain_all=True``) on OSM XML of the same extract's highway ways. osmnx reads
  only XML with complete ways, so the XML is made once with pyosmium (highway ways,
  the nodes they use, references to missing nodes dropped, no relations) and kept
  in ``bench/out/``; making it is not part of the timing.
* **pyrosm**: ``OSM(pbf).get_network(network_type="walking", nodes=True)`` on the
  same ``.osm.pbf``.

Run ``make bench`` or ``.venv/bin/python bench/import.py [--runs 3]``. The table
is printed as Markdown and written to ``bench/out/import.md`` (and ``.json``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CITY = "heidelberg"
PBF = ROOT / "data" / "cities" / CITY / "heidelberg.test.osm.pbf"
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
#: targets of the Heidelberg import on the project's reference machine
TARGET_SECONDS = 15.0
TARGET_MB = 1.5 * 1024
TOOLS = ("stufenlos", "osmnx", "pyrosm")
PACKAGES = (
    "stufenlos", "osmium", "numpy", "pandas", "pyarrow", "shapely",
    "osmnx", "networkx", "geopandas", "pyrosm", "psutil",
)  # fmt: skip


@dataclass
class Run:
    """One measured subprocess."""

    seconds: float
    peak_mb: float
    nodes: int | None = None
    edges: int | None = None
    inner_seconds: float | None = None


@dataclass
class Result:
    """All runs of one tool."""

    tool: str
    what: str
    runs: list[Run] = field(default_factory=list)
    error: str | None = None

    @property
    def seconds(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.runs else None

    @property
    def peak_mb(self) -> float | None:
        return max(r.peak_mb for r in self.runs) if self.runs else None


# --------------------------------------------------------------------------- children
# These run inside the measured subprocess (``bench/import.py --child TOOL PATH``)
# and print one JSON line: graph size and the time the library call itself took.


def _child_osmnx(path: str) -> dict[str, Any]:
    import osmnx as ox

    t0 = time.perf_counter()
    graph = ox.graph_from_xml(path, bidirectional=True, simplify=True, retain_all=True)
    inner = time.perf_counter() - t0
    return {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(), "inner": inner}


def _child_pyrosm(path: str) -> dict[str, Any]:
    from pyrosm import OSM

    t0 = time.perf_counter()
    nodes, edges = OSM(path).get_network(network_type="walking", nodes=True)
    inner = time.perf_counter() - t0
    return {"nodes": len(nodes), "edges": len(edges), "inner": inner}


CHILDREN = {"osmnx": _child_osmnx, "pyrosm": _child_pyrosm}


# --------------------------------------------------------------------------- input


def _sha12(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def highway_xml(pbf: Path, cache: Path) -> Path:
    """OSM XML of the highway ways of ``pbf`` with complete node lists (cached).

    The extract is clipped, so some ways refer to nodes it does not hold; osmnx
    cannot handle those. Keep the highway ways, the nodes they use, drop the
    references to missing nodes and ways left with fewer than two nodes, and
    leave out relations.
    """
    import osmium

    target = cache / f"{pbf.name.split('.')[0]}_highways_{_sha12(pbf)}.osm"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)

    def highway_ways() -> Any:
        return osmium.FileProcessor(str(pbf), osmium.osm.WAY).with_filter(
            osmium.filter.KeyFilter("highway")
        )

    needed: set[int] = set()
    for way in highway_ways():
        needed.update(n.ref for n in way.nodes)
    present: set[int] = set()
    # the writer picks the format from the extension, so the temp name ends in .osm
    tmp = target.with_name(f".{target.stem}.tmp.osm")
    writer = osmium.SimpleWriter(str(tmp), overwrite=True)
    try:
        for node in osmium.FileProcessor(str(pbf), osmium.osm.NODE):
            if node.id in needed:
                writer.add_node(node)
                present.add(node.id)
        for way in highway_ways():
            refs = [n.ref for n in way.nodes if n.ref in present]
            if len(refs) >= 2:
                writer.add_way(way.replace(nodes=refs))
    finally:
        writer.close()
    os.replace(tmp, target)
    return target


# --------------------------------------------------------------------------- measuring


def measure(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[Run, str, str]:
    """Run ``cmd`` in a fresh process; return its wall time, peak RSS and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            # wait4 gives this child's own rusage; Popen.wait would reap it without
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    # Linux reports ru_maxrss in KiB
    run = Run(seconds=seconds, peak_mb=usage.ru_maxrss / 1024)
    if proc.returncode != 0:
        tail = (stderr.strip().splitlines() or ["(no output)"])[-1]
        msg = f"exit {proc.returncode}: {tail}"
        raise RuntimeError(msg)
    return run, stdout, stderr


def bench_stufenlos(runs: int, timeout: float) -> Result:
    """Import Heidelberg with the ``stufenlos`` command into fresh temp folders."""
    import pyarrow.parquet as pq

    result = Result("stufenlos", f"`stufenlos import {CITY} --no-progress` (.osm.pbf)")
    exe = BIN / "stufenlos"
    if not exe.exists():
        result.error = f"{exe} not found (run `make install`)"
        return result
    OUT.mkdir(parents=True, exist_ok=True)
    for _ in range(runs):
        tmp = Path(tempfile.mkdtemp(prefix="import-", dir=OUT))
        try:
            env = {
                **os.environ,
                "STUFENLOS_DATA_DIR": str(tmp),
                "STUFENLOS_CITIES_DIR": str(ROOT / "data" / "cities"),
            }
            cmd = [str(exe), "import", CITY, "--data-dir", str(tmp), "--no-progress"]
            try:
                run, _, _ = measure(cmd, env, timeout)
            except RuntimeError as exc:
                result.error = str(exc)
                return result
            net = tmp / CITY / "network"
            run.nodes = pq.read_metadata(net / "nodes.parquet").num_rows
            run.edges = pq.read_metadata(net / "edges.parquet").num_rows
            result.runs.append(run)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return result


def bench_peer(tool: str, path: Path, what: str, runs: int, timeout: float) -> Result:
    """Run one peer library ``runs`` times, each in a fresh interpreter."""
    result = Result(tool, what)
    try:
        metadata.version(tool)
    except metadata.PackageNotFoundError:
        result.error = f"{tool} is not installed (pip install -e '.[bench]')"
        return result
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", tool, str(path)]
    for _ in range(runs):
        try:
            run, stdout, _ = measure(cmd, dict(os.environ), timeout)
        except RuntimeError as exc:
            result.error = str(exc)
            return result
        info = json.loads(stdout.strip().splitlines()[-1])
        run.nodes, run.edges, run.inner_seconds = info["nodes"], info["edges"], info["inner"]
        result.runs.append(run)
    return result


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        ram_gb = psutil.virtual_memory().total / 1024**3
    except ImportError:
        ram_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(ram_gb, 1),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }


def _fmt(value: float | int | None, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def markdown(results: list[Result], info: dict[str, Any], runs: int, xml: Path | None) -> str:
    """The results as a Markdown report."""
    ours = next((r for r in results if r.tool == "stufenlos" and r.runs), None)
    lines = [
        f"## Import benchmark: `{PBF.relative_to(ROOT)}`",
        "",
        f"Each tool ran {runs}× in a fresh process. Seconds = median wall time from process "
        "start to exit; peak MB = largest maximum resident set size (MiB) of the runs.",
        "",
        "| tool | input | seconds | peak MB | nodes | edges | time ÷ ours | peak ÷ ours |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.error:
            lines.append(f"| {r.tool} | {r.what} | failed: {r.error} | | | | | |")
            continue
        last = r.runs[-1]
        t_ratio = p_ratio = None
        if ours and r.seconds is not None and r.peak_mb is not None:
            t_ratio = r.seconds / ours.seconds  # type: ignore[operator]
            p_ratio = r.peak_mb / ours.peak_mb  # type: ignore[operator]
        lines.append(
            f"| {r.tool} | {r.what} | {_fmt(r.seconds, '.1f')} | {_fmt(r.peak_mb, ',.0f')} "
            f"| {_fmt(last.nodes, ',')} | {_fmt(last.edges, ',')} "
            f"| {_fmt(t_ratio, '.2f')} | {_fmt(p_ratio, '.2f')} |"
        )
    lines.append("")
    for r in results:
        inner = [x.inner_seconds for x in r.runs if x.inner_seconds is not None]
        if inner:
            lines.append(
                f"* {r.tool}: the library call alone took {statistics.median(inner):.1f} s "
                "(median), the rest is interpreter start-up and imports."
            )
    lines += [
        "* stufenlos edges are directed arcs (each walkable segment once per direction, "
        "split where ways share nodes); osmnx edges are directed (bidirectional=True) after "
        "simplification to intersections; pyrosm edges are undirected segments between "
        "consecutive way nodes of the walking network.",
        "* osmnx reads all highway ways (no pedestrian filter); stufenlos and pyrosm keep "
        "walkable ways only.",
        "* stufenlos times the whole `import` command: all inputs of its `city.toml`, the "
        "network, the barriers layer, and writing Parquet files and the SQLite database. "
        "The peers only build their graph in memory.",
    ]
    if xml is not None:
        lines.append(f"* osmnx input: `{xml.relative_to(ROOT)}` ({xml.stat().st_size:,} bytes).")
    if ours:
        ok_t = ours.seconds is not None and ours.seconds <= TARGET_SECONDS
        ok_m = ours.peak_mb is not None and ours.peak_mb <= TARGET_MB
        lines.append(
            f"* Target ≤ {TARGET_SECONDS:.0f} s: {'met' if ok_t else 'NOT met'} "
            f"({ours.seconds:.1f} s); ≤ 1.5 GB peak: {'met' if ok_m else 'NOT met'} "
            f"({ours.peak_mb:,.0f} MB)."
        )
    lines += [
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM, "
        f"{info['platform']}, Python {info['python']}; load average at start "
        f"{', '.join(str(x) for x in info['load_avg'])}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + ".",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (default 3)")
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help=f"comma-separated subset of {','.join(TOOLS)}"
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run")
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        tool, path = args.child
        print(json.dumps(CHILDREN[tool](path)))
        return 0

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown or args.runs < 1:
        parser.error(f"unknown tools {unknown}" if unknown else "--runs must be at least 1")
    info = machine()
    results: list[Result] = []
    xml: Path | None = None
    for tool in tools:
        print(f"… {tool}", file=sys.stderr, flush=True)
        if tool == "stufenlos":
            results.append(bench_stufenlos(args.runs, args.timeout))
        elif tool == "osmnx":
            xml = highway_xml(PBF, OUT)
            what = "`graph_from_xml` (highway XML)"
            results.append(bench_peer(tool, xml, what, args.runs, args.timeout))
        else:
            what = '`get_network("walking", nodes=True)` (.osm.pbf)'
            results.append(bench_peer(tool, PBF, what, args.runs, args.timeout))
    report = markdown(results, info, args.runs, xml)
    print(report)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "import.md").write_text(report, encoding="utf-8")
    payload = {
        "machine": info,
        "runs": args.runs,
        "results": [
            {**asdict(r), "median_seconds": r.seconds, "peak_mb": r.peak_mb} for r in results
        ],
    }
    (OUT / "import.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
