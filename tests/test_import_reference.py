"""The import of real Heidelberg, checked against independent reads of the same inputs.

The reference is libosmium itself through a plain :class:`osmium.SimpleHandler`
that keeps every node location, every node's tags and every way's node ids
and tags, with none of the reader's filters, chunks or shortcuts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pytest
import shapely

from stufenlos import _graph
from stufenlos.barriers import BarrierStore
from stufenlos.city import City
from stufenlos.ingest.osm import read_osm
from stufenlos.ingest.raw import NODE_KEYS, is_candidate_way, is_rest_point

PBF = Path(__file__).resolve().parents[1] / "data" / "cities" / "heidelberg" / (
    "heidelberg.test.osm.pbf")


class _Everything(osmium.SimpleHandler):
    """Every node location and tag list and every way, as plain Python values."""

    def __init__(self) -> None:
        super().__init__()
        self.loc: dict[int, tuple[float, float]] = {}
        self.node_tags: dict[int, dict[str, str]] = {}
        self.ways: dict[int, tuple[list[int], dict[str, str]]] = {}

    def node(self, n: Any) -> None:
        self.loc[n.id] = (n.location.lon, n.location.lat)
        if len(n.tags):
            self.node_tags[n.id] = dict(n.tags)

    def way(self, w: Any) -> None:
        self.ways[w.id] = ([n.ref for n in w.nodes], dict(w.tags))


@pytest.fixture(scope="module")
def reference() -> _Everything:
    ref = _Everything()
    ref.apply_file(str(PBF))
    return ref


@pytest.fixture(scope="module")
def heidelberg(imported_city: Callable[[str], City]) -> City:
    return imported_city("heidelberg")


def test_reader_keeps_exactly_the_candidate_ways_and_tagged_nodes(reference: _Everything) -> None:
    raw = read_osm(PBF)
    assert raw.clipped_nodes == 0  # the extract holds every node of its ways
    want = {wid for wid, (_refs, tags) in reference.ways.items() if is_candidate_way(tags)}
    assert [w.id for w in raw.ways] == sorted(want)  # one whole part per way, in file order
    for w in raw.ways:
        refs, tags = reference.ways[w.id]
        assert w.tags == tags
        assert w.nodes.dtype == np.int64 and w.nodes.tolist() == refs
        assert w.coords.shape == (len(refs), 2)
        assert w.coords.tolist() == [list(reference.loc[r]) for r in refs]
        closed = len(refs) > 2 and refs[0] == refs[-1]
        assert w.area == (closed and tags.get("area") == "yes")
    node_tags = {nid: {k: v for k, v in tags.items() if k in NODE_KEYS}
                 for nid, tags in reference.node_tags.items()}
    node_tags = {nid: tags for nid, tags in node_tags.items() if tags}
    assert raw.node_tags == node_tags
    assert raw.node_coords == {nid: reference.loc[nid] for nid in node_tags}
    benches = [reference.loc[nid] for nid, tags in node_tags.items() if is_rest_point(tags)]
    benches += [reference.loc[refs[0]] for refs, tags in reference.ways.values()
                if is_rest_point(tags) and refs]
    assert raw.rest_points == benches
    assert len(benches) > 10


def test_barrier_records_are_where_osm_maps_them(heidelberg: City,
                                                reference: _Everything) -> None:
    records = BarrierStore(heidelberg.database_path).query()
    edges = heidelberg.network.edges
    way_of_arc = edges["osm_way_id"].to_numpy(dtype=np.float64, na_value=np.nan)
    kinds = {r["kind"] for r in records}
    assert {"steps", "escalator", "bollard", "gate", "bad_surface"} <= kinds
    n_ways = n_nodes = 0
    for r in records:
        if r["osm_type"] == "way" and r["edge_ids"]:
            n_ways += 1
            refs, tags = reference.ways[r["osm_id"]]
            assert (way_of_arc[r["edge_ids"]] == r["osm_id"]).all(), r["id"]
            if r["kind"] in ("steps", "escalator"):
                assert tags["highway"] == "steps", r["id"]
            if r["kind"] == "escalator":
                assert tags.get("conveying") not in (None, "no"), r["id"]
            # the record sits on its own way (not on another way of the same kind)
            line = shapely.LineString([reference.loc[x] for x in refs])
            assert line.distance(shapely.Point(r["lon"], r["lat"])) < 1e-9, r["id"]
        elif r["osm_type"] == "node":
            n_nodes += 1
            tags = reference.node_tags[r["osm_id"]]
            assert (r["lon"], r["lat"]) == reference.loc[r["osm_id"]], r["id"]
            if r["kind"] == "bollard":
                assert tags.get("barrier") == "bollard", r["id"]
            for arc in r["edge_ids"]:
                ends = edges[["osm_node_u", "osm_node_v"]].iloc[arc].tolist()
                assert r["osm_id"] in ends, r["id"]
    assert n_ways > 1000 and n_nodes > 1000
    # every bollard on the network is recorded, and none twice
    on_network = set(heidelberg.network.nodes["osm_id"].dropna().astype(np.int64).tolist())
    bollards = {nid for nid, tags in reference.node_tags.items()
                if tags.get("barrier") == "bollard" and nid in on_network}
    recorded = [r["osm_id"] for r in records if r["kind"] == "bollard"]
    assert sorted(recorded) == sorted(bollards)


def test_reverse_topology_takes_the_forward_order(heidelberg: City) -> None:
    net = dataclasses.replace(heidelberg.network, folder=None)  # nothing stored to load
    forward = _graph.topology_for(net)
    reverse = _graph.topology_for(net, reverse=True)  # the forward order, reversed arcs
    built = _graph.CCHTopology(net, reverse=True)  # its own nested dissection
    rng = np.random.default_rng(7)
    w = rng.integers(1, 5000, net.n_edges).astype(np.uint32)
    src = rng.integers(0, net.n_nodes, 40)
    dst = rng.integers(0, net.n_nodes, 30)
    got = reverse.metric(w).many_to_many(src, dst)
    assert np.array_equal(got, built.metric(w).many_to_many(src, dst))
    assert np.array_equal(got, forward.metric(w).many_to_many(dst, src).T)
    assert (got < _graph.INF).mean() > 0.8
