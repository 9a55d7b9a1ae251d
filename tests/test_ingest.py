"""Import of the bundled real extracts: concrete facts checked against the raw OSM data."""

from __future__ import annotations

import json
import math

import numpy as np
import osmium
import pytest
import shapely

from tests.conftest import CITIES

HEIDELBERG_PBF = CITIES / "heidelberg" / "heidelberg.test.osm.pbf"
HERRENBERG_PBF = CITIES / "herrenberg" / "herrenberg-minimal.osm.pbf"
JUNGFERNSTIEG = CITIES / "hamburg" / "jungfernstieg_osm_passable.geojson"


def raw_ways(path, predicate):
    """Ways whose tags satisfy ``predicate``, read with pyosmium directly (not our reader)."""
    out = {}
    for w in osmium.FileProcessor(str(path), osmium.osm.WAY):
        tags = dict(w.tags)
        if predicate(tags):
            out[w.id] = tags
    return out


def raw_nodes(path, predicate):
    out = {}
    for n in osmium.FileProcessor(str(path), osmium.osm.NODE):
        tags = dict(n.tags)
        if tags and predicate(tags):
            out[n.id] = tags
    return out


def test_heidelberg_steps_carry_step_count(imported_city):
    edges = imported_city("heidelberg").network.edges
    steps = raw_ways(
        HEIDELBERG_PBF,
        lambda t: (
            t.get("highway") == "steps"
            and t.get("step_count", "").isdigit()
            and "conveying" not in t
        ),
    )
    assert len(steps) > 100
    by_way = edges[edges["steps"]].groupby("osm_way_id")["step_count"].first()
    checked = 0
    for way_id, tags in steps.items():
        if way_id in by_way.index:
            assert by_way[way_id] == float(tags["step_count"])
            checked += 1
    assert checked > 100
    # every steps way of the data that is walkable is marked as steps in the network
    assert edges.loc[edges["osm_way_id"].isin(list(steps)), "steps"].all()


def test_heidelberg_incline_is_signed_by_direction(imported_city):
    net = imported_city("heidelberg").network
    e = net.edges
    ways = raw_ways(
        HEIDELBERG_PBF,
        lambda t: (
            t.get("incline", "").endswith("%") and t.get("highway") not in ("steps", "motorway")
        ),
    )
    way_id, tags = next((k, v) for k, v in ways.items() if k in set(e["osm_way_id"].dropna()))
    value = float(tags["incline"].rstrip("%"))
    arcs = e[e["osm_way_id"] == way_id]
    forward = arcs[arcs.index < arcs["pair"]]
    backward = arcs[arcs.index > arcs["pair"]]
    assert np.allclose(forward["incline_pct"], value)
    assert np.allclose(backward["incline_pct"], -value)


def test_lowered_kerb_node_sets_kerb_height(imported_city):
    net = imported_city("herrenberg").network
    lowered = raw_nodes(HERRENBERG_PBF, lambda t: t.get("kerb") == "lowered")
    assert lowered
    idx = net.node_index
    checked = 0
    for node_id in lowered:
        if node_id not in idx.index:
            continue
        i = idx[node_id]
        assert net.nodes["kerb_m"].iat[i] == pytest.approx(0.03)
        e = net.edges
        starting = e[e["u"] == i]
        ending = e[e["v"] == i]
        assert np.allclose(starting["kerb_u_m"], 0.03)
        assert np.allclose(ending["kerb_v_m"], 0.03)
        checked += 1
    assert checked >= 5


def test_sidewalk_separate_roads_are_not_walkable(imported_city):
    e = imported_city("herrenberg").network.edges
    separate = raw_ways(HERRENBERG_PBF, lambda t: t.get("sidewalk") == "separate")
    assert separate
    assert not e["osm_way_id"].isin(list(separate)).any()
    # ... while the separately mapped sidewalks themselves are walkable
    sidewalks = raw_ways(HERRENBERG_PBF, lambda t: t.get("footway") == "sidewalk")
    assert e["osm_way_id"].isin(list(sidewalks)).sum() > 0
    assert (e["footway"] == "sidewalk").sum() > 0


def test_motorways_and_private_ways_are_excluded(imported_city):
    e = imported_city("heidelberg").network.edges
    assert not e["highway"].isin(["motorway", "motorway_link"]).any()
    private = raw_ways(
        HEIDELBERG_PBF,
        lambda t: (
            t.get("access") == "private"
            and t.get("foot") not in ("yes", "designated", "permissive")
        ),
    )
    assert private
    assert not e["osm_way_id"].isin(list(private)).any()


def test_jungfernstieg_geojson_is_one_connected_network(imported_city):
    net = imported_city("hamburg").network
    comp = net.nodes["component"].to_numpy()
    main = np.bincount(comp).argmax()
    assert (comp == main).mean() > 0.9
    # the named streets around the Binnenalster all lie in the main component
    named = net.edges[net.edges["name"].isin(["Jungfernstieg", "Ballindamm"])]
    assert len(named) > 10
    assert (comp[named["u"].to_numpy()] == main).all()
    # steps mapped as areas (way/42350288, step_count=8) became step edges
    steps = net.edges[net.edges["osm_way_id"] == 42350288]
    assert len(steps) > 0 and steps["steps"].all() and (steps["step_count"] == 8).all()
    # real node ids where a tagged Point sits on a way vertex
    gj = json.loads(JUNGFERNSTIEG.read_text())
    bollards = {
        int(f["properties"]["@id"].split("/")[1])
        for f in gj["features"]
        if f["properties"].get("barrier") == "bollard"
    }
    on_graph = bollards & set(net.nodes["osm_id"].dropna().astype(int))
    assert on_graph
    assert (net.nodes.set_index("osm_id").loc[list(on_graph), "barrier"] == "bollard").all()


def test_elevators_are_edges_between_levels(imported_city):
    net = imported_city("heidelberg").network
    e = net.edges
    elev = e[e["elevator"]]
    assert len(elev) > 0
    # node elevators: each arc links two copies of the same OSM node
    node_elev = elev[elev["osm_way_id"].isna()]
    assert len(node_elev) > 0
    assert (node_elev["osm_node_u"] == node_elev["osm_node_v"]).all()
    assert (node_elev["length_m"] == 0).all()


def test_arcs_come_in_pairs_with_reversed_geometry(imported_city):
    net = imported_city("helsinki").network
    e = net.edges
    pair = e["pair"].to_numpy()
    both = np.flatnonzero(pair >= 0)
    assert (pair[pair[both]] == both).all()
    assert (e["u"].to_numpy()[both] == e["v"].to_numpy()[pair[both]]).all()
    g = shapely.from_wkb(e["geometry"].to_numpy()[both[:500]])
    gp = shapely.from_wkb(e["geometry"].to_numpy()[pair[both[:500]]])
    assert shapely.equals(g, shapely.reverse(gp)).all()
    # the geometry starts and ends at the arc's nodes
    start = shapely.get_coordinates(shapely.get_point(g, 0))
    assert np.allclose(start, net.node_lonlat[e["u"].to_numpy()[both[:500]]])


def test_lengths_match_geometry(imported_city):
    from stufenlos.geo import haversine_m

    e = imported_city("herrenberg").network.edges.head(2000)
    for wkb, length in zip(e["geometry"], e["length_m"], strict=True):
        xy = shapely.get_coordinates(shapely.from_wkb(wkb))
        expected = haversine_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]).sum()
        assert math.isclose(length, expected, rel_tol=1e-9, abs_tol=1e-6)


def test_unknown_stays_unknown(imported_city):
    e = imported_city("heidelberg").network.edges
    # most width values are not mapped: they must be null, not a default
    assert e["width_m"].isna().mean() > 0.5
    assert e["surface"].isna().any()
    assert not (e["width_m"] == 0).all()


def test_barrier_layer_links_back_to_edges(imported_city):
    from stufenlos.barriers import BarrierStore

    city = imported_city("heidelberg")
    store = BarrierStore(city.database_path)
    counts = store.counts_by_kind()
    assert counts["steps"] > 100
    steps = store.query(kinds=["steps"], limit=50)
    e = city.network.edges
    for b in steps:
        assert b["osm_type"] == "way"
        arcs = e.iloc[b["edge_ids"]]
        assert (arcs["osm_way_id"] == b["osm_id"]).all()
        assert arcs["steps"].all()
    bbox = (8.69, 49.40, 8.71, 49.42)
    inside = store.query(bbox=bbox)
    assert inside and all(bbox[0] <= b["lon"] <= bbox[2] for b in inside)
    assert store.count(bbox=bbox) == len(inside)


def test_sidewalks_and_crossings_take_their_street_name(imported_city):
    e = imported_city("herrenberg").network.edges
    separate = raw_ways(HERRENBERG_PBF, lambda t: t.get("sidewalk") == "separate" and "name" in t)
    street_names = {t["name"] for t in separate.values()}
    sidewalks = e[e["footway"] == "sidewalk"]
    # the road itself is not walkable, but its separately mapped sidewalks carry its name
    assert sidewalks["name"].isin(street_names).sum() > 0
    assert sidewalks["name"].notna().mean() > 0.8
    crossings = e[e["footway"] == "crossing"]
    assert crossings["name"].notna().mean() > 0.8


def test_elevator_outlines_link_the_ways_that_touch_them(imported_city):
    from stufenlos.barriers import BarrierStore

    city = imported_city("hamburg")
    e = city.network.edges
    gj = json.loads(JUNGFERNSTIEG.read_text())
    outlines = {
        int(f["properties"]["@id"].split("/")[1])
        for f in gj["features"]
        if f["properties"].get("highway") == "elevator" and f["geometry"]["type"] == "Polygon"
    }
    assert outlines
    # no path runs around an elevator's walls
    assert not e["osm_way_id"].isin(list(outlines)).any()
    # each outline is on record, marked as not connected where no footway touches it
    records = {b["osm_id"]: b for b in BarrierStore(city.database_path).query(kinds=["elevator"])}
    for way_id in outlines:
        rec = records[way_id]
        assert rec["attributes"].get("connected") is False or rec["edge_ids"]
    # synthetic node ids of the GeoJSON reader never leak into the OSM id columns
    assert (e["osm_node_u"].dropna() > 0).all() and (e["osm_way_id"].dropna() > 0).all()
