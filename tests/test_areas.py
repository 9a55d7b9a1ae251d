"""Walking across pedestrian areas (squares): links across them, obstacles, keys, words."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod

from stufenlos.build import read_osm_input
from stufenlos.builder import build_network
from stufenlos.closures import ClosureStore
from stufenlos.geo import LocalProjection
from stufenlos.ingest.raw import RawOsm, RawWay
from stufenlos.routing import Router
from stufenlos.text.directions import steps as direction_steps

CITIES = Path(__file__).resolve().parents[1] / "data" / "cities"
HAMBURG_OSM = CITIES / "hamburg" / "jungfernstieg_osm_passable.geojson"
HERRENBERG_OSM = CITIES / "herrenberg" / "herrenberg-minimal.osm.pbf"
GEOD = Geod(ellps="WGS84")


def geodesic_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Ellipsoidal distance (pyproj), independent of the project's own haversine."""
    a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    shape = a.shape[:-1]
    a, b = a.reshape(-1, 2), b.reshape(-1, 2)
    return np.asarray(GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2]).reshape(shape)


def links(net) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Forward arcs of the links across areas."""
    fwd = net.forward_arcs()
    return fwd[net.edges["area_link"].to_numpy(bool)[fwd]]


def arc_line(net, arc: int) -> shapely.LineString:  # type: ignore[no-untyped-def]
    return shapely.from_wkb(net.edges["geometry"].iat[int(arc)])


# -- synthetic squares (named as such: made-up geometry around a made-up origin) --------

_PROJ = LocalProjection(10.0, 53.55)


def _way(wid: int, ids: list[int], xy: list[tuple[float, float]], **tags: str) -> RawWay:
    return RawWay(id=wid, nodes=np.asarray(ids, np.int64),
                  coords=_PROJ.to_lonlat(np.asarray(xy, np.float64)), tags=tags,
                  area=tags.get("area") == "yes")


def _synthetic_squares() -> RawOsm:
    """An L-shaped square (reflex corner at 20/20 m) and a 40 m square with a flight of
    steps and a bollard inside; footways lead to their corners."""
    raw = RawOsm(source="synthetic")
    ell = [(0, 0), (60, 0), (60, 20), (20, 20), (20, 60), (0, 60), (0, 0)]
    raw.ways.append(_way(1, [1, 2, 3, 4, 5, 6, 1], ell, highway="pedestrian", area="yes",
                         surface="sett"))
    raw.ways.append(_way(10, [2, 20], [(60, 0), (80, 0)], highway="footway"))
    raw.ways.append(_way(11, [6, 21], [(0, 60), (0, 80)], highway="footway"))
    off = 200.0
    box = [(off, 0), (off + 40, 0), (off + 40, 40), (off + 20, 40), (off, 40), (off, 0)]
    raw.ways.append(_way(2, [101, 102, 103, 104, 105, 101], box, highway="pedestrian",
                         area="yes"))
    for k, (nid, xy) in enumerate(zip((101, 102, 103, 104, 105), box, strict=False)):
        raw.ways.append(_way(30 + k, [nid, 300 + k], [xy, (xy[0], xy[1] - 30 if xy[1] == 0
                                                         else xy[1] + 30)], highway="footway"))
    raw.ways.append(_way(40, [401, 402], [(off + 15, 5), (off + 5, 15)], highway="steps"))
    bollard = _PROJ.to_lonlat(np.array([[off + 25, 15]]))[0]
    raw.node_tags[500] = {"barrier": "bollard"}
    raw.node_coords[500] = (float(bollard[0]), float(bollard[1]))
    # a 30 m square with a bollard in its middle, footways at two opposite corners
    off = 400.0
    box = [(off, 0), (off + 30, 0), (off + 30, 30), (off, 30), (off, 0)]
    raw.ways.append(_way(3, [601, 602, 603, 604, 601], box, highway="pedestrian", area="yes"))
    raw.ways.append(_way(50, [601, 610], [(off, 0), (off - 20, 0)], highway="footway"))
    raw.ways.append(_way(51, [603, 611], [(off + 30, 30), (off + 50, 30)], highway="footway"))
    bollard = _PROJ.to_lonlat(np.array([[off + 15, 15]]))[0]
    raw.node_tags[620] = {"barrier": "bollard"}
    raw.node_coords[620] = (float(bollard[0]), float(bollard[1]))
    return raw


@pytest.fixture(scope="module")
def synthetic():  # type: ignore[no-untyped-def]
    net, _ = build_network([_synthetic_squares()])
    return net


def _node_at(net, x: float, y: float) -> int:  # type: ignore[no-untyped-def]
    xy = _PROJ.to_xy(net.node_lonlat)
    return int(np.argmin(np.hypot(xy[:, 0] - x, xy[:, 1] - y)))


def test_an_l_shaped_square_is_crossed_round_its_inner_corner(synthetic) -> None:  # type: ignore[no-untyped-def]
    r = Router(synthetic)
    a, b = _node_at(synthetic, 60, 0), _node_at(synthetic, 0, 60)
    route = r.route_nodes(a, b, optimize="distance")
    # the shortest walk inside the L bends at its reflex corner (20, 20): 2 * sqrt(40² + 20²)
    assert route.distance_m == pytest.approx(2 * np.hypot(40, 20), rel=1e-3)
    assert route.distance_m < 120 - 25  # round the outline it is 120 m
    segs = route.segments()
    assert all(s["attributes"].get("surface") == "sett" for s in segs)  # the area's tags
    assert all(s["attributes"].get("area") for s in segs)
    assert "Continue across the square" in " ".join(direction_steps(route, segs, lang="en"))
    assert "Weiter über den Platz" in " ".join(direction_steps(route, segs, lang="de"))
    # every link lies inside the L
    ell = shapely.Polygon(_PROJ.to_lonlat(np.array(
        [(0, 0), (60, 0), (60, 20), (20, 20), (20, 60), (0, 60)], np.float64)))
    for arc in links(synthetic):
        line = arc_line(synthetic, arc)
        if shapely.intersects(line, ell):
            assert shapely.covers(shapely.buffer(ell, 1e-9), line)


def test_links_keep_off_steps_and_barriers_inside_a_square(synthetic) -> None:  # type: ignore[no-untyped-def]
    off = 200.0
    steps = shapely.LineString(_PROJ.to_lonlat(np.array([(off + 15, 5), (off + 5, 15)])))
    bollard = shapely.Point(_PROJ.to_lonlat(np.array([[off + 25, 15]]))[0])
    box = shapely.box(*_PROJ.to_lonlat(np.array([(off, 0), (off + 40, 40)])).ravel())
    inside = [a for a in links(synthetic) if shapely.covers(box, arc_line(synthetic, a))]
    assert inside, "the square gets links where nothing is in the way"
    ends = {frozenset((int(synthetic.u[a]), int(synthetic.v[a]))) for a in inside}
    # the diagonals cross the steps and pass the bollard: left out
    assert frozenset((_node_at(synthetic, off, 0), _node_at(synthetic, off + 40, 40))) not in ends
    assert frozenset((_node_at(synthetic, off + 40, 0), _node_at(synthetic, off, 40))) not in ends
    # from the corner at 40/0 to the middle of the far side: clear of both
    assert frozenset((_node_at(synthetic, off + 40, 0), _node_at(synthetic, off + 20, 40))) in ends
    for a in inside:
        line = arc_line(synthetic, a)
        assert not shapely.relate_pattern(line, steps, "T********")
        xy = _PROJ.to_xy(np.asarray(line.coords))
        assert shapely.distance(shapely.LineString(xy),
                                shapely.Point(_PROJ.to_xy(np.asarray(bollard.coords))[0])) >= 0.5


def _hamburg_squares() -> list[tuple[str, shapely.Polygon]]:
    doc = json.loads(HAMBURG_OSM.read_text(encoding="utf-8"))
    return [(f["properties"]["@id"], shapely.Polygon(*f["geometry"]["coordinates"][:1],
                                                     f["geometry"]["coordinates"][1:]))
            for f in doc["features"]
            if f["properties"].get("highway") == "pedestrian"
            and f["geometry"]["type"] == "Polygon"]


@pytest.fixture(scope="module")
def hamburg(imported_city):  # type: ignore[no-untyped-def]
    return imported_city("hamburg")


# Farthest-apart outline nodes of each square of at least 60 m across, walked on the
# shortest route, as a multiple of the geodesic between them. Around the outline only
# (before the links existed) the worst was 1.57 (way/656674613) and 1.55 (way/59450727).
MAX_DETOUR = 1.12


def test_jungfernstieg_squares_are_crossed_nearly_straight(hamburg) -> None:  # type: ignore[no-untyped-def]
    net = hamburg.network
    router = Router(net)
    pts = shapely.points(net.node_lonlat)
    checked = {}
    for osm, poly in _hamburg_squares():
        ring = np.asarray(poly.exterior.coords)[:-1]
        if geodesic_m(ring[:, None], ring[None, :]).max() < 60:
            continue
        on = np.flatnonzero(shapely.dwithin(poly.exterior, pts, 1e-7))
        d = geodesic_m(net.node_lonlat[on][:, None], net.node_lonlat[on][None, :])
        i, j = np.unravel_index(np.argmax(d), d.shape)
        route = router.route_nodes(int(on[i]), int(on[j]), optimize="distance")
        checked[osm] = route.distance_m / d[i, j]
    assert len(checked) >= 8, checked
    assert max(checked.values()) <= MAX_DETOUR, checked


def test_links_stay_inside_their_square_and_off_its_steps(hamburg) -> None:  # type: ignore[no-untyped-def]
    net = hamburg.network
    doc = json.loads(HAMBURG_OSM.read_text(encoding="utf-8"))
    outline = {int(f["properties"]["@id"].split("/")[1]): shapely.Polygon(
        f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][1:])
        for f in doc["features"] if f["geometry"]["type"] == "Polygon"}
    steps = [shapely.LineString(f["geometry"]["coordinates"]) if f["geometry"]["type"]
             == "LineString" else shapely.Polygon(f["geometry"]["coordinates"][0]).exterior
             for f in doc["features"] if f["properties"].get("highway") == "steps"]
    arcs = links(net)
    assert len(arcs) > 100
    proj = LocalProjection.around(net.node_lonlat)
    for a in arcs:
        line = arc_line(net, a)
        poly = outline[int(net.edges["osm_way_id"].iat[a])]
        # inside the square's outline, never through a hole (to a millimetre)
        local = shapely.transform(line, proj.to_xy)
        assert shapely.covers(shapely.buffer(shapely.transform(poly, proj.to_xy), 1e-3), local)
        for hole in poly.interiors:
            assert not shapely.relate_pattern(line, shapely.Polygon(hole), "T********")
        assert not any(shapely.relate_pattern(line, s, "T********") for s in steps)
    assert net.edges["length_m"].to_numpy()[arcs] == pytest.approx(
        geodesic_m(net.node_lonlat[net.u[arcs]], net.node_lonlat[net.v[arcs]]), rel=1e-2)
    # links are no ways: the walkable length stays what is mapped
    seg = net.segments()
    mapped = seg["length_m"][~seg["area_link"].to_numpy(bool)].sum() / 1000
    assert net.total_length_km() == pytest.approx(mapped)


@pytest.mark.parametrize("path", [HAMBURG_OSM, HERRENBERG_OSM], ids=["geojson", "pbf"])
def test_a_closed_link_is_found_again_after_a_reimport(path: Path, tmp_path: Path) -> None:
    first, _ = build_network([read_osm_input(path)])
    again, _ = build_network([read_osm_input(path)])
    arcs = links(first)
    assert len(arcs) > 0
    store = ClosureStore("areas", f"sqlite:///{tmp_path / 'app.sqlite'}")
    for arc in arcs[:: max(len(arcs) // 25, 1)]:
        closure = store.close("arc", int(arc), network=first)
        assert closure.osm_way_id == int(first.edges["osm_way_id"].iat[arc])
        got = store.resolve(again, closure)
        want = {tuple(first.node_lonlat[first.u[arc]]), tuple(first.node_lonlat[first.v[arc]])}
        assert len(got) == 2  # the link both ways, not the outline between the same nodes
        for g in got:
            assert {tuple(again.node_lonlat[again.u[g]]),
                    tuple(again.node_lonlat[again.v[g]])} == want
            assert bool(again.edges["area_link"].iat[int(g)])


# -- squares mapped as multipolygon relations (with holes) ----------------------------

HELSINKI_OSM = CITIES / "helsinki" / "Helsinki.osm.pbf"


def _relation_squares(path: Path) -> dict[int, shapely.Geometry]:
    """Walkable multipolygon relations, assembled by pyosmium on its own (the reference)."""
    import osmium

    wkb = osmium.geom.WKBFactory()
    out = {}
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY
                                    | osmium.osm.AREA).with_locations().with_areas():
        if (obj.is_area() and not obj.from_way()
                and obj.tags.get("highway") in ("pedestrian", "footway", "path")):
            out[obj.orig_id()] = shapely.from_wkb(wkb.create_multipolygon(obj))
    return out


@pytest.fixture(scope="module")
def helsinki():  # type: ignore[no-untyped-def]
    net, _ = build_network([read_osm_input(HELSINKI_OSM)])
    return net, _relation_squares(HELSINKI_OSM)


def test_links_across_a_square_with_holes_never_enter_a_hole(helsinki) -> None:  # type: ignore[no-untyped-def]
    net, squares = helsinki
    holed = {rid: sq for rid, sq in squares.items()
             if any(len(p.interiors) for p in getattr(sq, "geoms", [sq]))}
    assert len(holed) >= 12, sorted(holed)
    arcs = links(net)
    # a relation's rings and links have no OSM way id: find each link's square by place
    arcs = arcs[net.edges["osm_way_id"].isna().to_numpy()[arcs]]
    lines = shapely.from_wkb(net.edges["geometry"].to_numpy()[arcs])
    proj = LocalProjection.around(net.node_lonlat)
    crossed = set()
    for rid, sq in holed.items():
        mine = lines[shapely.covers(shapely.buffer(sq, 1e-7), lines)]
        if len(mine):
            crossed.add(rid)
        local = shapely.buffer(shapely.transform(sq, proj.to_xy), 1e-3)
        holes = [shapely.Polygon(h) for p in getattr(sq, "geoms", [sq]) for h in p.interiors]
        for line in mine:
            assert shapely.covers(local, shapely.transform(line, proj.to_xy)), (rid, line)
            assert not any(shapely.relate_pattern(line, h, "T********") for h in holes), rid
    assert len(crossed) >= 10, sorted(set(holed) - crossed)


def test_a_square_with_holes_is_crossed_nearly_straight(helsinki) -> None:  # type: ignore[no-untyped-def]
    net, squares = helsinki
    router = Router(net)
    pts = shapely.points(net.node_lonlat)
    proj = LocalProjection.around(net.node_lonlat)
    pairs = np.unique(np.sort(np.column_stack([net.u, net.v]), axis=1), axis=0)
    neighbours = np.bincount(pairs.ravel(), minlength=len(pts))
    checked = {}
    for rid, sq in squares.items():
        if not any(len(p.interiors) for p in getattr(sq, "geoms", [sq])):
            continue
        local = shapely.buffer(shapely.transform(sq, proj.to_xy), 1e-3)
        # network nodes where other ways enter the square: more than two neighbours
        # (every node of the outline has two; counting arcs, it has four)
        on = np.flatnonzero(shapely.dwithin(sq.boundary, pts, 1e-7))
        on = on[neighbours[on] > 2]
        if len(on) < 2:
            continue
        d = geodesic_m(net.node_lonlat[on][:, None], net.node_lonlat[on][None, :])
        i, j = np.triu_indices(len(on), k=1)
        xy = proj.to_xy(net.node_lonlat[on])
        seg = shapely.linestrings(np.stack([xy[i], xy[j]], axis=1))
        straight = shapely.covers(local, seg) & (d[i, j] > 30)  # the straight line misses the holes
        if not straight.any():
            continue
        best = np.flatnonzero(straight)[np.argmax(d[i, j][straight])]
        route = router.route_nodes(int(on[i[best]]), int(on[j[best]]), optimize="distance")
        checked[rid] = route.distance_m / d[i[best], j[best]]
    # Footway areas 8273812, 8273813, 8275344 and 8275346 are left out: no way enters
    # them (fewer than two entries), and a route between two of their convex corners
    # walks the outline, as no link starts at a corner nothing leads to. Counting arcs
    # instead of neighbours had taken every outline node for an entry.
    ratios = np.array(list(checked.values()))
    assert len(checked) >= 10 and np.isfinite(ratios).all(), checked
    assert (ratios <= MAX_DETOUR).all(), {k: round(float(v), 3) for k, v in checked.items()}


def test_a_relation_ring_that_is_also_a_way_gives_its_outline_once(helsinki) -> None:  # type: ignore[no-untyped-def]
    net, squares = helsinki
    # relation 8064315's outer ring is way 488289620 (highway=pedestrian) itself
    assert 8064315 in squares
    e = net.edges
    way = np.flatnonzero((e["osm_way_id"] == 488289620).fillna(False).to_numpy())
    assert len(way) >= 4
    on_way = np.unique(np.concatenate([net.u[way], net.v[way]]))
    outline = ~e["area_link"].to_numpy(bool) & e["osm_way_id"].isna().to_numpy()
    twice = outline & np.isin(net.u, on_way) & np.isin(net.v, on_way)
    assert not twice.any(), np.flatnonzero(twice)
    # the square is still walked across
    across = e["area_link"].to_numpy(bool) & np.isin(net.u, on_way) & np.isin(net.v, on_way)
    assert across.any()


def test_a_closed_link_of_a_relation_square_is_found_again_after_a_reimport(  # type: ignore[no-untyped-def]
        helsinki, tmp_path: Path) -> None:
    net, squares = helsinki
    # another extract read first: every Helsinki node and arc gets another number
    again, _ = build_network([read_osm_input(HERRENBERG_OSM), read_osm_input(HELSINKI_OSM)])
    e = net.edges
    arcs = links(net)
    arcs = arcs[e["osm_relation_id"].notna().to_numpy()[arcs]]
    assert len(arcs) > 100
    assert e["osm_way_id"].isna().to_numpy()[arcs].all()
    assert not np.array_equal(again.node_lonlat[again.u[arcs]], net.node_lonlat[net.u[arcs]])
    store = ClosureStore("helsinki", f"sqlite:///{tmp_path / 'app.sqlite'}")
    proj = LocalProjection.around(net.node_lonlat)
    relations = set()
    for arc in arcs[:: max(len(arcs) // 40, 1)]:
        closure = store.close("arc", int(arc), network=net)
        assert closure.kind == "segment" and closure.osm_way_id is None
        rid = closure.osm_relation_id
        relations.add(rid)
        # the relation as pyosmium assembles it holds the link (to a millimetre)
        square = shapely.buffer(shapely.transform(squares[rid], proj.to_xy), 1e-3)
        assert shapely.covers(square, shapely.transform(arc_line(net, arc), proj.to_xy))
        assert f"relation {rid}" in closure.describe()
        got = store.resolve(again, closure)
        want = {tuple(net.node_lonlat[net.u[arc]]), tuple(net.node_lonlat[net.v[arc]])}
        assert len(got) == 2, (rid, got)  # the link both ways
        for g in got:
            assert {tuple(again.node_lonlat[again.u[g]]),
                    tuple(again.node_lonlat[again.v[g]])} == want
            assert int(again.edges["osm_relation_id"].iat[int(g)]) == rid
    assert len(relations) >= 5, relations


def test_a_network_saved_before_relation_ids_loads_with_none(synthetic, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    from stufenlos.closures import segment_keys
    from stufenlos.network import Network

    synthetic.save(tmp_path)
    old = pq.read_table(tmp_path / "edges.parquet").drop_columns(["osm_relation_id"])
    pq.write_table(old, tmp_path / "edges.parquet")
    net = Network.load(tmp_path)
    assert str(net.edges["osm_relation_id"].dtype) == "Int64"
    assert net.edges["osm_relation_id"].isna().all()
    arc = int(links(net)[0])
    assert segment_keys(net, [arc])[0]["osm_way_id"] == int(net.edges["osm_way_id"].iat[arc])
