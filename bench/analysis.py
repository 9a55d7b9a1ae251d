"""Accessibility benchmark: stufenlos against pandana's aggregation and networkx.

Workload: for every origin, how many destinations lie within 15 minutes on foot
(``standard`` profile), on the same real network and with the same arc weights
for every engine: the profile's ``time_s`` per arc, arcs that break a limit left
out, parallel arcs reduced to the fastest. Destinations are the city's
destination points (all categories) snapped to the network.

1. **All origins = all network nodes.** stufenlos (bounded SciPy Dijkstra from
   every destination node on the reversed graph, or from every origin node --
   whichever side has fewer distinct nodes; both are timed) against pandana
   (``precompute`` + ``aggregate`` with ``type="sum", decay="flat"``, its
   contraction hierarchy) and networkx
   (``single_source_dijkstra_path_length`` with ``cutoff``; run on a random sample
   of nodes and extrapolated to all nodes, stated as such). Counts are compared.
2. **Scaling with synthetic origins**: 1k, 10k and 100k random points near random
   network nodes, snapped to the network, end to end (snapping included)
   for stufenlos in-process and on a local Dask cluster, and pandana
   (``get_node_ids`` + its all-node aggregate).

Usage::

    python bench/analysis.py [--city heidelberg] [--nx-sample 300] [--dask]

Writes ``bench/out/analysis.json`` and ``bench/out/analysis.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import stufenlos
from stufenlos.analysis.destinations import read_destinations
from stufenlos.analysis.engine import (
    Measures,
    Snapper,
    measure,
    profile_graph,
    snap_destinations,
)
from stufenlos.analysis.execution import Runner, runner
from stufenlos.city import load_city

BUDGET_S = 15 * 60.0
OUT = Path(__file__).resolve().parent / "out"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def ours(graph: Any, dest: Any, nodes: np.ndarray, offsets: np.ndarray,
         run: Any = None, mode: str = "auto") -> np.ndarray:
    measures = Measures(budgets_s=(BUDGET_S,))
    _, count, _ = measure(graph, dest, nodes, offsets, measures, run or Runner(), mode=mode)
    return count[:, :, 0].sum(axis=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--city", default="heidelberg")
    ap.add_argument("--nx-sample", type=int, default=300)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--dask", action="store_true", help="also time a local Dask cluster")
    args = ap.parse_args()

    city = load_city(args.city)
    net = city.network
    graph = profile_graph(net, "standard")
    snapper = Snapper(net)
    dest_df = read_destinations(city.config)
    cats = sorted(dest_df["category"].unique())
    # one category holding every destination point once, for a single count per origin
    dest_df = dest_df.drop_duplicates("ref").assign(category="all")
    dest = snap_destinations(snapper, dest_df, ["all"])
    n = net.n_nodes
    print(f"{args.city}: {n} nodes, {len(graph.data)} usable arcs, {len(dest.nodes)} "
          f"destinations ({', '.join(cats)})")
    results: dict[str, Any] = {
        "city": args.city, "nodes": n, "arcs": len(graph.data),
        "destinations": len(dest.nodes), "budget_min": BUDGET_S / 60,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "stufenlos": stufenlos.__version__},
    }

    # Destinations sit on nodes with a walk to them; the peers count at nodes, so
    # the head-to-head uses destinations exactly at their nodes (no offsets).
    dest0 = type(dest)(dest.categories, dest.nodes, np.zeros(len(dest.nodes)), dest.starts)
    all_nodes = np.arange(n, dtype=np.int64)
    t_ours, c_ours = timed(lambda: ours(graph, dest0, all_nodes, np.zeros(n)))
    t_fwd, c_fwd = timed(lambda: ours(graph, dest0, all_nodes, np.zeros(n), mode="origins"))
    assert np.array_equal(c_ours, c_fwd)
    print(f"stufenlos, all {n} nodes: {t_ours:.2f} s (searching from every origin: "
          f"{t_fwd:.2f} s)")
    results["all_nodes"] = {"stufenlos_s": t_ours, "stufenlos_from_origins_s": t_fwd}

    import pandana

    u = np.repeat(np.arange(n), np.diff(graph.indptr))
    t_build, pnet = timed(lambda: pandana.Network(
        pd.Series(net.node_lonlat[:, 0]), pd.Series(net.node_lonlat[:, 1]),
        pd.Series(u), pd.Series(graph.indices.astype(np.int64)),
        pd.DataFrame({"time_s": graph.data}), twoway=False))
    t_pre, _ = timed(lambda: pnet.precompute(BUDGET_S))

    def pandana_agg() -> np.ndarray:
        pnet.set(pd.Series(dest.nodes), variable=pd.Series(np.ones(len(dest.nodes))),
                 name="dest")
        return pnet.aggregate(BUDGET_S, type="sum", decay="flat", name="dest").to_numpy()

    t_agg, c_pan = timed(pandana_agg)
    agree = float(np.mean(np.rint(c_pan).astype(np.int64) == c_ours))
    print(f"pandana: build {t_build:.2f} s, precompute {t_pre:.2f} s, aggregate {t_agg:.2f} s;"
          f" counts agree at {100 * agree:.2f} % of nodes")
    results["all_nodes"].update({"pandana_build_s": t_build, "pandana_precompute_s": t_pre,
                                 "pandana_aggregate_s": t_agg,
                                 "pandana_total_s": t_build + t_pre + t_agg,
                                 "pandana_agreement": agree})

    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(u.tolist(), graph.indices.tolist(), graph.data.tolist(),
                                  strict=True), weight="w")
    dest_count = np.bincount(dest.nodes, minlength=n)
    rng = np.random.default_rng(42)
    sample = rng.choice(n, size=min(args.nx_sample, n), replace=False)

    def nx_run() -> np.ndarray:
        out = np.zeros(len(sample), np.int64)
        for i, s in enumerate(sample):
            reach = nx.single_source_dijkstra_path_length(g, int(s), cutoff=BUDGET_S,
                                                          weight="w")
            out[i] = dest_count[list(reach)].sum()
        return out

    t_nx, c_nx = timed(nx_run)
    nx_all = t_nx / len(sample) * n
    agree_nx = float(np.mean(c_nx == c_ours[sample]))
    print(f"networkx: {t_nx:.2f} s for {len(sample)} nodes -> {nx_all:.1f} s for all "
          f"(extrapolated); counts agree at {100 * agree_nx:.2f} %")
    results["all_nodes"].update({"networkx_sample": len(sample), "networkx_sample_s": t_nx,
                                 "networkx_all_extrapolated_s": nx_all,
                                 "networkx_agreement": agree_nx,
                                 "ratio_networkx_over_stufenlos": nx_all / t_ours,
                                 "ratio_pandana_over_stufenlos":
                                     (t_build + t_pre + t_agg) / t_ours})

    # Scaling with synthetic origins on the real network.
    scaling = []
    cluster = runner("local") if args.dask else None
    dask_run = cluster.__enter__() if cluster is not None else None
    for size in (int(x) for x in args.sizes.split(",")):
        # on the network: a random node, moved up to about 40 m in each direction
        pts = net.node_lonlat[rng.integers(0, n, size)] + rng.uniform(-4e-4, 4e-4, (size, 2))

        def run_ours(run: Any = None, pts: np.ndarray = pts) -> np.ndarray:
            nodes, off = snapper.snap_lonlat(pts)
            return ours(graph, dest, nodes, off, run)

        t1, c1 = timed(run_ours)
        row: dict[str, Any] = {"origins": size, "stufenlos_s": t1}
        if dask_run is not None:
            # a running local cluster of processes (start-up not counted)
            row["stufenlos_dask_local_s"], c2 = timed(lambda run_ours=run_ours:
                                                      run_ours(dask_run))
            row["dask_identical"] = bool(np.array_equal(c1, c2))

        def run_pandana(pts: np.ndarray = pts) -> np.ndarray:
            ids = pnet.get_node_ids(pd.Series(pts[:, 0]), pd.Series(pts[:, 1]))
            agg = pandana_agg()
            return agg[ids.to_numpy()]

        row["pandana_s"], _ = timed(run_pandana)
        row["pandana_with_precompute_s"] = row["pandana_s"] + t_pre + t_build
        print(json.dumps(row))
        scaling.append(row)
    if cluster is not None:
        cluster.__exit__(None, None, None)
    results["scaling"] = scaling

    OUT.mkdir(exist_ok=True)
    (OUT / "analysis.json").write_text(json.dumps(results, indent=2))
    a = results["all_nodes"]
    lines = [
        f"# Accessibility benchmark ({args.city}, {n} nodes, {len(dest.nodes)} destinations, "
        f"15 min, standard profile)", "",
        "| engine | all-node 15-min counts (s) | vs stufenlos | counts agree |",
        "|---|---:|---:|---:|",
        f"| stufenlos (bounded Dijkstra from the destinations) | {a['stufenlos_s']:.2f} "
        f"| 1.0 | – |",
        f"| stufenlos (bounded Dijkstra from every origin) | "
        f"{a['stufenlos_from_origins_s']:.2f} | "
        f"{a['stufenlos_from_origins_s'] / a['stufenlos_s']:.2f} | 100 % |",
        f"| pandana (build + precompute + aggregate) | {a['pandana_total_s']:.2f} | "
        f"{a['ratio_pandana_over_stufenlos']:.2f} | {100 * a['pandana_agreement']:.2f} % |",
        f"| networkx (extrapolated from {a['networkx_sample']} nodes) | "
        f"{a['networkx_all_extrapolated_s']:.1f} | {a['ratio_networkx_over_stufenlos']:.1f} | "
        f"{100 * a['networkx_agreement']:.2f} % |", "",
        "| synthetic origins | stufenlos (s) | " + ("Dask local (s) | " if args.dask else "")
        + "pandana, precomputed (s) | pandana incl. precompute (s) |",
        "|---:|---:|" + ("---:|" if args.dask else "") + "---:|---:|",
    ]
    for r in scaling:
        lines.append(f"| {r['origins']:,} | {r['stufenlos_s']:.2f} | "
                     + (f"{r['stufenlos_dask_local_s']:.2f} | " if args.dask else "")
                     + f"{r['pandana_s']:.2f} | {r['pandana_with_precompute_s']:.2f} |")
    (OUT / "analysis.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
