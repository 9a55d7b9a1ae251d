"""Property tests of the readers and the network's id maps."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stufenlos.builder import build_network
from stufenlos.errors import InputFileError, NetworkBuildError
from stufenlos.ingest.geojson import read_overpass_geojson

coords = st.tuples(st.floats(-200, 200, allow_nan=False), st.floats(-100, 100, allow_nan=False))
props = st.dictionaries(
    st.sampled_from(["@id", "highway", "surface", "width", "incline", "kerb", "barrier",
                     "sidewalk", "step_count", "foot", "name"]),
    st.one_of(st.text(max_size=10), st.sampled_from(["way/1", "node/2", "footway", "steps",
                                                       "5%", "separate", "lowered"])),
)
geometry = st.one_of(
    st.builds(lambda c: {"type": "Point", "coordinates": list(c)}, coords),
    st.builds(lambda cs: {"type": "LineString", "coordinates": [list(c) for c in cs]},
              st.lists(coords, min_size=0, max_size=6)),
    st.just({"type": "LineString"}),
    st.just({"type": "Polygon", "coordinates": []}),
    st.just(None),
)
features = st.lists(st.builds(lambda p, g: {"type": "Feature", "properties": p, "geometry": g},
                              props, geometry), max_size=8)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(features)
def test_geojson_reader_accepts_or_names_the_problem(tmp_path, feats):
    path = tmp_path / "x.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    try:
        raw = read_overpass_geojson(path)
    except InputFileError as exc:
        assert str(path) in str(exc)
        return
    for way in raw.ways:
        assert len(way.nodes) == len(way.coords) >= 2
        assert (np.abs(way.coords[:, 0]) <= 180).all() and (np.abs(way.coords[:, 1]) <= 90).all()
    try:
        net, _ = build_network([raw])
    except NetworkBuildError:
        return
    # every arc joins two existing nodes and has a non-negative length
    assert net.edges["u"].between(0, net.n_nodes - 1).all()
    assert net.edges["v"].between(0, net.n_nodes - 1).all()
    assert (net.edges["length_m"] >= 0).all()


def test_node_id_index_map_is_a_bijection(imported_city):
    net = imported_city("herrenberg").network
    idx = net.node_index
    ids = net.nodes["osm_id"]
    # every id maps back to itself ...
    for osm_id, i in idx.sample(500, random_state=1).items():
        assert ids.iat[i] == osm_id
    # ... and only elevator nodes, split into one copy per level, repeat an id
    repeated = idx.index[idx.index.duplicated()]
    assert net.nodes.loc[ids.isin(repeated), "elevator"].all()
    assert ids[~net.nodes["elevator"]].dropna().is_unique
