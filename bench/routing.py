"""Routing benchmark: stufenlos against networkx, OSMnx, pandana, RoutingKit, Valhalla, OSRM.

All engines run on the same extract. In-process peers (networkx, pandana,
pyroutingkit) get *our* graph with *our* arc weights for the wheelchair profile
with non-default limits, so every engine computes identical costs (checked).
OSMnx builds its own graph from the same OSM file; Valhalla and OSRM build their
own data with their wheelchair / foot-without-steps profiles at the same speed.

Workloads (seeded): point-to-point routes between 400 node pairs 200 m - 3 km
apart; a 1000 x 100 cost matrix; 15-minute reachable sets from 1,000 origins;
closing an elevator (override applied before the next query).

Usage::

    python bench/routing.py [--city heidelberg] [--valhalla-config vh/valhalla.json]
        [--valhalla-bin DIR] [--osrm-data heidelberg.osrm] [--osrm-bin DIR]

Valhalla and OSRM are the executables from their PyPI wheels (pyvalhalla,
osrm-bindings); pass the folders holding them and their built data. Peers that
are not installed are skipped. Prints a Markdown table of medians and ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import stufenlos
from stufenlos import _graph
from stufenlos.city import load_city
from stufenlos.closures import ClosureStore
from stufenlos.geo import haversine_m
from stufenlos.network import csr_arrays
from stufenlos.routing import Router

SPEED = 0.8  # m/s, wheelchair, for every engine
LIMITS = {"max_incline_pct": 8.0, "max_kerb_cm": 4.0, "min_width_m": 0.85}
REACH_S = 15 * 60
CENTRE_BOX_DEG = (0.035, 0.025)  # about 5 km x 5.5 km around the city centre


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def best_of(n: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Median time of ``n`` runs after one warm-up run (shared 2-core machines are noisy)."""
    out = fn()
    times = []
    for _ in range(n):
        dt, out = timed(fn)
        times.append(dt)
    return float(np.median(times)), out


class quiet_stdout:  # noqa: N801
    """Silence C-level prints to stdout (pandana's progress output)."""

    def __enter__(self) -> None:
        sys.stdout.flush()
        self.saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)

    def __exit__(self, *exc: object) -> None:
        os.dup2(self.saved, 1)
        os.close(self.saved)


def stats(samples: list[float]) -> tuple[float, float]:
    a = np.asarray(samples) * 1000.0
    return float(np.median(a)), float(np.percentile(a, 95))


# -- workload ---------------------------------------------------------------------------


def workload(net: stufenlos.Network, centre: tuple[float, float], component: np.ndarray,
             rng: np.random.Generator) -> dict[str, np.ndarray]:
    lonlat = net.node_lonlat
    lat0, lon0 = centre
    box = (np.abs(lonlat[:, 0] - lon0) < CENTRE_BOX_DEG[0] * 1.4) & (
        np.abs(lonlat[:, 1] - lat0) < CENTRE_BOX_DEG[1] * 1.4)
    pool = np.flatnonzero(box & component)
    pairs: list[tuple[int, int]] = []
    while len(pairs) < 400:
        s, t = rng.choice(pool, 2, replace=False)
        d = haversine_m(lonlat[s, 0], lonlat[s, 1], lonlat[t, 0], lonlat[t, 1])
        if 200 <= d <= 3000:
            pairs.append((int(s), int(t)))
    return {"pairs": np.array(pairs), "origins": rng.choice(pool, 1000, replace=False),
            "targets": rng.choice(pool, 100, replace=False)}


def largest_component(net: stufenlos.Network, weights: np.ndarray) -> np.ndarray:
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    ok = weights < _graph.VIOLATION_LIKE
    indptr, indices, data = csr_arrays(net.n_nodes, net.u[ok], net.v[ok], np.ones(ok.sum()))
    g = sp.csr_matrix((data, indices, indptr), shape=(net.n_nodes, net.n_nodes))
    _n, labels = connected_components(g, directed=True, connection="strong")
    return labels == np.bincount(labels).argmax()


_graph.VIOLATION_LIKE = int(1e5 * _graph.SCALE)  # type: ignore[attr-defined]


# -- in-process peers on our graph ------------------------------------------------------------


def min_arcs(net: stufenlos.Network, w: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame({"u": net.u, "v": net.v, "w": w.astype(np.int64)})
    return df.sort_values("w").drop_duplicates(["u", "v"]).sort_index()


def bench_networkx(net, w, reach_w, load, res, limit_s):
    import networkx as nx

    df = min_arcs(net, w)
    build, graph = timed(lambda: nx.from_pandas_edgelist(df, "u", "v", "w",
                                                     create_using=nx.DiGraph))
    graph.add_nodes_from(range(net.n_nodes))
    times, costs = [], []
    for s, t in load["pairs"]:
        dt, out = timed(lambda s=s, t=t: nx.bidirectional_dijkstra(graph, s, t, weight="w"))
        times.append(dt)
        costs.append(out[0])
    n_m = 20  # full one-to-all runs; the 1000-row matrix is extrapolated
    dt_m, rows = timed(lambda: [nx.single_source_dijkstra_path_length(graph, int(o), weight="w")
                                for o in load["origins"][:n_m]])
    mat = np.array([[r.get(int(t), np.inf) for t in load["targets"]] for r in rows])
    dfr = min_arcs(net, reach_w)
    graph_r = nx.from_pandas_edgelist(dfr, "u", "v", "w", create_using=nx.DiGraph)
    graph_r.add_nodes_from(range(net.n_nodes))
    limit = REACH_S * _graph.SCALE
    dt_r, reach = best_of(2, lambda: [nx.single_source_dijkstra_path_length(
        graph_r, int(o), cutoff=limit, weight="w") for o in load["origins"]])
    res["networkx (our graph)"] = {
        "build": build, "p2p": stats(times), "matrix": dt_m * 1000 / n_m, "matrix_est": True,
        "reach": dt_r, "p2p_costs": np.array(costs), "matrix_rows": mat,
        "reach_sizes": np.array([len(r) for r in reach]),
    }


def bench_pandana(net, w, reach_w, load, res):
    import pandana

    lonlat = net.node_lonlat
    # pandana's contraction does not finish in minutes with our penalty weights
    # on limit-breaking arcs, so it gets the graph without them (as peers do).
    ok = w < _graph.VIOLATION_LIKE

    def build():
        return pandana.Network(pd.Series(lonlat[:, 0]), pd.Series(lonlat[:, 1]),
                               pd.Series(net.u[ok].astype(np.int64)),
                               pd.Series(net.v[ok].astype(np.int64)),
                               pd.DataFrame({"w": w[ok].astype(np.float64),
                                             "r": reach_w[ok].astype(np.float64)}),
                               twoway=False)

    with quiet_stdout():
        dt_b, pn = timed(build)
    times, costs = [], []
    for s, t in load["pairs"]:
        dt, c = timed(lambda s=s, t=t: pn.shortest_path_length(int(s), int(t), imp_name="w"))
        times.append(dt)
        costs.append(c)
    o = np.repeat(load["origins"], len(load["targets"]))
    d = np.tile(load["targets"], len(load["origins"]))
    dt_m, m = best_of(3, lambda: pn.shortest_path_lengths(o, d, imp_name="w"))
    limit = REACH_S * _graph.SCALE
    dt_r, reach = best_of(3, lambda: pn.nodes_in_range(load["origins"], limit, imp_name="r"))
    res["pandana (CH, our graph)"] = {
        "build": dt_b, "p2p": stats(times), "matrix": dt_m, "reach": dt_r,
        "p2p_costs": np.array(costs),
        "matrix_rows": np.asarray(m, np.float64).reshape(len(load["origins"]), -1),
        "reach_sizes": reach.groupby("source").size().reindex(load["origins"]).to_numpy(),
        "note": "limit-breaking arcs removed",
    }


def bench_routingkit(net, w, load, res):
    import pyroutingkit

    lonlat = net.node_lonlat

    def build():
        topo = pyroutingkit.CCHTopology()
        topo.build(net.u.astype(np.uint32), net.v.astype(np.uint32),
                   lonlat[:, 1].astype(np.float32), lonlat[:, 0].astype(np.float32),
                   net.n_nodes)
        m = pyroutingkit.CCHMetric(topo)
        m.customize(w)
        return topo, m

    dt_b, (_topo, metric) = timed(build)
    times, costs = [], []
    for s, t in load["pairs"]:
        dt, out = timed(lambda s=s, t=t: metric.query(int(s), int(t)))
        times.append(dt)
        costs.append(out[0])
    dt_m, m = best_of(3, lambda: metric.distances_many_to_many(
        load["origins"].astype(np.uint32), load["targets"].astype(np.uint32)))
    res["pyroutingkit (CCH, raw)"] = {
        "build": dt_b, "p2p": stats(times), "matrix": dt_m, "reach": None,
        "p2p_costs": np.array(costs, np.float64), "matrix_rows": m.astype(np.float64),
    }


# -- OSMnx on its own graph -----------------------------------------------------------------


def bench_osmnx(pbf: Path, load_pts: dict[str, np.ndarray], res: dict) -> None:
    import networkx as nx
    import osmium
    import osmnx as ox
    from scipy.spatial import cKDTree

    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "hw.osm"

        def convert() -> None:
            # osmnx reads OSM XML only: keep highways and the nodes they use.
            ways = []
            used: set[int] = set()
            for wy in osmium.FileProcessor(str(pbf), osmium.osm.WAY):
                if "highway" in wy.tags and wy.tags.get("highway") != "steps":
                    refs = [n.ref for n in wy.nodes]
                    ways.append((wy.id, refs, dict(wy.tags)))
                    used.update(refs)
            writer = osmium.SimpleWriter(str(xml))
            have = set()
            for nd in osmium.FileProcessor(str(pbf), osmium.osm.NODE):
                if nd.id in used:
                    writer.add_node(osmium.osm.mutable.Node(id=nd.id, location=nd.location,
                                                            version=1, tags={}))
                    have.add(nd.id)
            for wid, refs, tags in ways:
                refs = [r for r in refs if r in have]
                if len(refs) >= 2:
                    writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags,
                                                          version=1))
            writer.close()

        def build():
            convert()
            graph = ox.graph_from_xml(str(xml), bidirectional=True, simplify=True,
                                  retain_all=False)
            for _u, _v, _k, d in graph.edges(keys=True, data=True):
                d["t"] = round(d["length"] / SPEED * _graph.SCALE)
            return nx.DiGraph(graph)

        dt_b, graph = timed(build)
    ids = np.array(list(graph.nodes))
    xy = np.array([[graph.nodes[i]["x"], graph.nodes[i]["y"]] for i in ids])
    tree = cKDTree(xy)

    def near(pts: np.ndarray) -> np.ndarray:
        return ids[tree.query(pts)[1]]

    src, dst = near(load_pts["pair_src"]), near(load_pts["pair_dst"])
    times = []
    for s, t in zip(src, dst, strict=True):
        dt, _ = timed(lambda s=s, t=t: _safe(lambda: nx.bidirectional_dijkstra(graph, s, t,
                                                                              weight="t")))
        times.append(dt)
    origins = near(load_pts["origins"])
    n_m = 20
    dt_m, _ = timed(lambda: [nx.single_source_dijkstra_path_length(graph, o, weight="t")
                             for o in origins[:n_m]])
    dt_r, _ = best_of(2, lambda: [nx.single_source_dijkstra_path_length(
        graph, o, cutoff=REACH_S * _graph.SCALE, weight="t") for o in origins])
    res["OSMnx + networkx (own graph)"] = {
        "build": dt_b, "p2p": stats(times), "matrix": dt_m * 1000 / n_m, "matrix_est": True,
        "reach": dt_r, "note": f"{graph.number_of_nodes()} nodes",
    }


def _safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception:  # no path between two snapped nodes
        return None


# -- Valhalla / OSRM over HTTP ------------------------------------------------------------


def _post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=600) as r:
        return json.loads(r.read())


def _wait(url: str, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            msg = f"server exited with {proc.returncode}"
            raise RuntimeError(msg)
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.2)
    msg = f"{url} did not come up"
    raise RuntimeError(msg)


def bench_valhalla(cfg: Path, bindir: Path, pts: dict[str, np.ndarray], res: dict) -> None:
    proc = subprocess.Popen([str(bindir / "valhalla_service"), str(cfg), "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = "http://127.0.0.1:8002"
        _wait(f"{base}/status", proc)
        costing = {"pedestrian": {"type": "wheelchair", "walking_speed": SPEED * 3.6,
                                  "step_penalty": 600}}

        def loc(p: np.ndarray) -> dict:
            return {"lat": float(p[1]), "lon": float(p[0])}

        times, failed = [], 0
        for a, b in zip(pts["pair_src"], pts["pair_dst"], strict=True):
            body = {"locations": [loc(a), loc(b)], "costing": "pedestrian",
                    "costing_options": costing, "directions_type": "none"}
            t = time.perf_counter()
            try:
                _post(f"{base}/route", body)
            except Exception:
                failed += 1
            times.append(time.perf_counter() - t)
        n_m = 100
        body = {"sources": [loc(p) for p in pts["origins"][:n_m]],
                "targets": [loc(p) for p in pts["targets"]], "costing": "pedestrian",
                "costing_options": costing}
        dt_m, _ = timed(lambda: _post(f"{base}/sources_to_targets", body))
        n_r = 100
        t = time.perf_counter()
        for p in pts["origins"][:n_r]:
            _safe(lambda p=p: _post(f"{base}/isochrone", {
                "locations": [loc(p)], "costing": "pedestrian", "costing_options": costing,
                "contours": [{"time": REACH_S / 60}], "polygons": True}))
        dt_r = (time.perf_counter() - t) * 1000 / n_r
        res["Valhalla wheelchair (HTTP)"] = {
            "build": None, "p2p": stats(times), "matrix": dt_m * 1000 / n_m, "matrix_est": True,
            "reach": dt_r, "reach_est": True, "note": f"{failed} of {len(times)} no route",
        }
    finally:
        proc.terminate()
        proc.wait()


def bench_osrm(data: Path, bindir: Path, pts: dict[str, np.ndarray], res: dict) -> None:
    proc = subprocess.Popen([str(bindir / "osrm-routed"), "--algorithm", "ch", "--port", "5055",
                             "--max-table-size", "100000", str(data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = "http://127.0.0.1:5055"
        _wait(f"{base}/nearest/v1/foot/8.69,49.41", proc)
        times = []
        for a, b in zip(pts["pair_src"], pts["pair_dst"], strict=True):
            url = f"{base}/route/v1/foot/{a[0]},{a[1]};{b[0]},{b[1]}?overview=false"
            dt, _ = timed(lambda url=url: _safe(lambda: _get(url)))
            times.append(dt)
        coords = ";".join(f"{p[0]},{p[1]}" for p in np.vstack([pts["origins"], pts["targets"]]))
        n_o = len(pts["origins"])
        src = ";".join(map(str, range(n_o)))
        dst = ";".join(map(str, range(n_o, n_o + len(pts["targets"]))))
        body = f"{base}/table/v1/foot/{coords}?sources={src}&destinations={dst}"
        dt_m, _ = timed(lambda: _get(body))
        res["OSRM foot without steps (HTTP, CH)"] = {
            "build": None, "p2p": stats(times), "matrix": dt_m, "reach": None,
            "note": "static profile: no per-request limits",
        }
    finally:
        proc.terminate()
        proc.wait()


# -- ours ---------------------------------------------------------------------------------


def bench_ours(city: stufenlos.City, load: dict, pts: dict, res: dict,
               dt_topo: float) -> dict[str, Any]:
    net = city.network
    store = ClosureStore(city.name, "sqlite://")  # an in-memory database: closures as served
    router = Router(net, closures=store)
    router.topology  # noqa: B018 (built and timed in main)
    dt_w, w = timed(lambda: router.weights("wheelchair", **LIMITS))
    weights = w.metric.weights.copy()
    reach_w, _budget, _kind = router._reach_weights(w, REACH_S, None)
    # Point-to-point, full API: snapping both points, 4 candidate queries, Route object.
    times_pts, times_nodes, costs = [], [], []
    for a, b in zip(pts["pair_src"], pts["pair_dst"], strict=True):
        dt, _ = timed(lambda a=a, b=b: router.route((a[1], a[0]), (b[1], b[0]),
                                                    profile="wheelchair", **LIMITS))
        times_pts.append(dt)
    for s, t in load["pairs"]:
        dt, r = timed(lambda s=s, t=t: router.route_nodes(int(s), int(t),
                                                          profile="wheelchair", **LIMITS))
        times_nodes.append(dt)
        costs.append(r.cost_s * _graph.SCALE)
    dt_gj, _ = timed(lambda: [router.route_nodes(int(s), int(t), profile="wheelchair",
                                                 **LIMITS).to_geojson()
                              for s, t in load["pairs"][:50]])
    dt_m, m = best_of(3, lambda: router.matrix(load["origins"], load["targets"],
                                                profile="wheelchair", **LIMITS))
    dt_r, reach = best_of(3, lambda: router.reach_many(load["origins"], profile="wheelchair",
                                                        max_time_s=REACH_S, **LIMITS))
    # Closing an elevator: override stored + partial re-customisation before next query.
    lifts = net.edges.loc[net.edges["elevator"], "osm_way_id"].dropna().astype(int).unique()
    close_times = []
    for _round in range(5):
        for way in lifts[:20]:
            t = time.perf_counter()
            item = store.close("elevator", int(way))
            router.weights("wheelchair", **LIMITS)
            close_times.append(time.perf_counter() - t)
            store.reopen(item.id)
            router.weights("wheelchair", **LIMITS)
    res["stufenlos (route from points)"] = {
        "build": dt_topo + dt_w, "p2p": stats(times_pts), "matrix": dt_m, "reach": dt_r,
        "note": "snapping + 4 CCH queries",
    }
    res["stufenlos (route between nodes)"] = {
        "build": None, "p2p": stats(times_nodes), "matrix": None, "reach": None,
        "p2p_costs": np.array(costs), "matrix_rows": m.raw.astype(np.float64),
        "reach_sizes": np.array([len(n) for n, _c in reach]),
    }
    return {"weights": weights, "reach_w": reach_w, "topo_s": dt_topo, "weights_s": dt_w,
            "close": stats(close_times), "geojson_ms": dt_gj * 1000 / 50,
            "n_lifts": len(lifts[:20]), "max_close_ms": max(close_times) * 1000}


def check_agreement(res: dict, load: dict) -> list[str]:
    ref = res["stufenlos (route between nodes)"]
    notes = []
    for name, r in res.items():
        if "p2p_costs" in r and r is not ref:
            mine = ref["p2p_costs"]
            sel = mine < _graph.VIOLATION_LIKE
            same = np.isclose(np.asarray(r["p2p_costs"], np.float64)[sel], mine[sel]).mean()
            notes.append(f"{name}: p2p costs equal ours in {same:.1%} of the {sel.sum()} "
                         f"pairs with a compliant route")
        if "matrix_rows" in r and r is not ref:
            rows = r["matrix_rows"]
            mine = ref["matrix_rows"][: len(rows)]
            sel = mine < _graph.VIOLATION_LIKE
            ok = np.isclose(mine[sel], rows[sel])
            notes.append(f"{name}: matrix entries equal ours in {ok.mean():.1%} of the "
                         f"{sel.sum()} compliant pairs")
        if "reach_sizes" in r and r is not ref:
            same = (np.asarray(r["reach_sizes"]) == ref["reach_sizes"]).mean()
            notes.append(f"{name}: reachable-set sizes equal ours for {same:.1%} of origins")
    return notes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--city", default="heidelberg")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--valhalla-config", type=Path)
    ap.add_argument("--valhalla-bin", type=Path)
    ap.add_argument("--osrm-data", type=Path)
    ap.add_argument("--osrm-bin", type=Path)
    ap.add_argument("--skip", nargs="*", default=[], help="networkx pandana osmnx routingkit")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")

    city = load_city(args.city, base=args.data_dir)
    net = city.network
    rng = np.random.default_rng(42)
    router = Router(net)
    dt_topo, _ = timed(lambda: router.topology)
    w = router.weights("wheelchair", **LIMITS)
    comp = largest_component(net, w.metric.weights)
    centre = city.config.center or tuple(np.median(net.node_lonlat, axis=0)[::-1])
    load = workload(net, centre, comp, rng)
    lonlat = net.node_lonlat
    pts = {"pair_src": lonlat[load["pairs"][:, 0]], "pair_dst": lonlat[load["pairs"][:, 1]],
           "origins": lonlat[load["origins"]], "targets": lonlat[load["targets"]]}
    res: dict[str, dict[str, Any]] = {}
    log("ours")
    ours = bench_ours(city, load, pts, res, dt_topo)
    if "routingkit" not in args.skip:
        log("routingkit")
        bench_routingkit(net, ours["weights"], load, res)
    if "pandana" not in args.skip:
        log("pandana")
        bench_pandana(net, ours["weights"], ours["reach_w"], load, res)
    if "networkx" not in args.skip:
        log("networkx")
        bench_networkx(net, ours["weights"], ours["reach_w"], load, res, REACH_S)
    if "osmnx" not in args.skip:
        pbf = next(Path(i.path) if Path(i.path).is_absolute() else city.config.folder / i.path
                   for i in city.config.inputs if i.kind == "osm")
        log("osmnx")
        bench_osmnx(pbf, pts, res)
    if args.valhalla_config and args.valhalla_bin:
        log("valhalla")
        bench_valhalla(args.valhalla_config, args.valhalla_bin, pts, res)
    if args.osrm_data and args.osrm_bin:
        log("osrm")
        bench_osrm(args.osrm_data, args.osrm_bin, pts, res)
    report(args.city, net, res, ours, check_agreement(res, load))


def _fmt_ms(x: float | None, est: bool = False) -> str:
    if x is None:
        return "—"
    s = f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"
    return s + (" *" if est else "")


def report(city: str, net, res: dict, ours: dict, notes: list[str]) -> None:
    me = res["stufenlos (route from points)"]
    me_nodes = res["stufenlos (route between nodes)"]
    print(f"## Routing benchmark: {city} ({net.n_nodes:,} nodes, {net.n_edges:,} arcs)\n")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, stufenlos {stufenlos.__version__}; "
          f"wheelchair profile with {LIMITS}, {SPEED} m/s for every engine.\n")
    print("| engine | build | p2p median / p95 | 1000×100 matrix | 15-min reach ×1000 |"
          " p2p ratio | matrix ratio | reach ratio | note |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in res.items():
        p50, p95 = r["p2p"]
        ratio_p = p50 / me_nodes["p2p"][0]
        m, rc = r.get("matrix"), r.get("reach")
        ratio_m = f"{m / me['matrix']:.1f}×" if m and me["matrix"] else "—"
        ratio_r = f"{rc / me['reach']:.1f}×" if rc and me["reach"] else "—"
        print(f"| {name} | {_fmt_ms(r.get('build'))} | {p50:.3f} / {p95:.3f} ms | "
              f"{_fmt_ms(m, r.get('matrix_est', False))} | "
              f"{_fmt_ms(rc, r.get('reach_est', False))} | {ratio_p:.1f}× | {ratio_m} | "
              f"{ratio_r} | {r.get('note', '')} |")
    print("\nRatios are the engine's time over ours (route between nodes for p2p; "
          "matrix and reach from our public API). * = extrapolated from 20 (networkx), "
          "100 (Valhalla) origins. Matrix and reach of ours, pyroutingkit and pandana: median "
          "of 3 runs after a warm-up; networkx reach: median of 2 after a warm-up; the "
          "others: one run.")
    print(f"\nOurs: CCH topology {ours['topo_s']:.2f} s once per city; wheelchair cost "
          f"vector + customisation {ours['weights_s'] * 1000:.0f} ms once per profile; "
          f"closing an elevator and applying it before the next query: median "
          f"{ours['close'][0]:.2f} ms, p95 {ours['close'][1]:.2f} ms ({ours['n_lifts']} "
          f"elevators × 5; the slowest, which also indexes OSM ids, "
          f"{ours['max_close_ms']:.1f} ms); full GeoJSON report with directions "
          f"{ours['geojson_ms']:.1f} ms per route.")
    print("\nAgreement checks:")
    for n in notes:
        print(f"- {n}")


if __name__ == "__main__":
    main()
