"""Serving route answers fast: the server's HTTP parser and event loop, the order routes
are matched in, and the presenter's geometry and segments against a plain per-arc
reference, and `include` asking for fewer parts (real Hamburg data)."""

from __future__ import annotations

import dataclasses
import importlib
import random
import re

import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.ops
from starlette.routing import Match

from stufenlos.api.routes import ROUTER_MODULES
from stufenlos.api.views import place_index
from stufenlos.city import City
from stufenlos.profiles import PRESETS
from stufenlos.routing.edge_values import _SEGMENT_ATTRS, _val
from stufenlos.routing.results import Route, _substring
from stufenlos.text.route import ROUTE_PARTS, route_feature
from tests._api_client import make_client


def test_serve_parses_http_with_httptools_on_uvloop() -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from stufenlos.cli.uvicorn_config import TcpConfig, fast_protocols

    assert fast_protocols() == {"http": "httptools", "loop": "uvloop"}  # both dependencies
    config = TcpConfig(app="stufenlos.api.app:create_app", factory=True)
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    assert config.loop == "uvloop"
    assert TcpConfig(app="stufenlos.api.app:create_app", factory=True, http="h11").http == "h11"


def _sample(path: str) -> str:
    path = re.sub(r"\{[^}:]+:path\}", "a/b.json", path)
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_the_route_api_matched_first_shadows_no_other_route() -> None:
    """``cities`` is matched before every other router: none of its routes may take a
    request meant for a route of another module."""
    assert ROUTER_MODULES[0] == "cities"
    cities = importlib.import_module("stufenlos.api.routes.cities").router.routes
    checked = 0
    for name in ROUTER_MODULES[1:]:
        for route in importlib.import_module(f"stufenlos.api.routes.{name}").router.routes:
            path = getattr(route, "path", None)
            if path is None:
                continue
            for method in getattr(route, "methods", None) or {"GET"}:
                scope = {"type": "http", "path": _sample(path), "method": method,
                         "root_path": ""}
                taken = [c.path for c in cities if c.matches(scope)[0] == Match.FULL]
                assert not taken, (method, path, taken)
                checked += 1
    assert checked > 50


def _routes(city: City) -> list[Route]:
    """Routes between street pairs, every preset, plus points a few metres apart."""
    streets = [p for p in place_index(city).places if p.kind == "street"]
    rng = random.Random(5)
    pairs = [((a.lat, a.lon), (b.lat, b.lon)) for a, b in
             (rng.sample(streets, 2) for _ in range(24))]
    pairs += [(o, (o[0] + rng.uniform(-2e-4, 2e-4), o[1] + rng.uniform(-2e-4, 2e-4)))
              for o, _ in pairs[:12]]
    presets = list(PRESETS)
    return [city.route(o, d, profile=presets[i % len(presets)]) for i, (o, d) in enumerate(pairs)]


def _geometry_per_arc(route: Route) -> list[list[float]]:
    """The route's line arc by arc, each arc's line read from the edge table."""
    net = route.router.network
    wkb = net.edges["geometry"]
    coords: list[list[float]] = []
    single = route.arcs.size == 1 and route.origin.arc == route.destination.arc >= 0
    for i, (arc, frac) in enumerate(zip(route.arcs.tolist(), route.fractions.tolist(),
                                        strict=True)):
        raw = wkb.iloc[arc]
        if raw is None or (isinstance(raw, float) and np.isnan(raw)):
            ll = net.node_lonlat
            geom = shapely.LineString([ll[net.u[arc]], ll[net.v[arc]]])
        else:
            geom = shapely.from_wkb(raw)
        if single:
            f0, f1 = route.origin.fraction, route.destination.fraction
            if arc != route.origin.arc:
                f0, f1 = 1.0 - f0, 1.0 - f1
            geom = shapely.ops.substring(geom, f0, f1, normalized=True)
        elif frac < 1.0:
            part = (1.0 - frac, 1.0) if i == 0 else (0.0, frac)
            geom = shapely.ops.substring(geom, *part, normalized=True)
        pts = shapely.get_coordinates(geom)
        if coords and len(pts) and np.allclose(coords[-1], pts[0]):
            pts = pts[1:]
        coords += np.round(pts, 7).tolist()
    return coords * 2 if len(coords) == 1 else coords


def _segments_per_arc(route: Route) -> list[dict]:
    """The segment records arc by arc, each value read from the edge table by pandas."""
    edges = route.router.network.edges
    out = []
    for arc, frac, kerbs in zip(route.arcs.tolist(), route.fractions.tolist(),
                                route.weights.costs.kerb_cm[route.arcs].tolist(), strict=True):
        row = edges.iloc[arc]
        attrs = {k: _val(row[k]) for k in _SEGMENT_ATTRS}
        seg = {"arc": arc, "osm_way_id": _val(row["osm_way_id"]),
               "osm_node_ids": [_val(row["osm_node_u"]), _val(row["osm_node_v"])],
               "name": None if pd.isna(row["name"]) else row["name"],
               "length_m": round(float(route.router.length[arc]) * frac, 1),
               "duration_s": round(float(route.weights.costs.time_s[arc]) * frac, 1),
               "attributes": {k: v for k, v in attrs.items()  # a 0 is kept, False is not
                              if v is not None and v is not False and v != ""}}
        if frac < 1.0:
            seg["fraction"] = round(frac, 4)
        if not all(np.isnan(kerbs)):
            seg["kerb_cm_used"] = [None if np.isnan(k) else round(k, 1) for k in kerbs]
        out.append(seg)
    return out


@pytest.fixture(scope="module")
def routes(imported_city) -> list[Route]:
    return _routes(imported_city("hamburg"))


def test_the_route_line_is_its_arcs_lines_cut_at_the_points(routes: list[Route]) -> None:
    cut = 0
    for route in routes:
        geometry = route.geometry()
        if route.arcs.size == 0:
            assert geometry is None
            continue
        assert geometry["coordinates"] == _geometry_per_arc(route)
        cut += int((route.fractions < 1).any())
    assert cut > 10  # start or end within an arc: the cut lines are exercised


def test_the_segments_are_the_edge_tables_rows(routes: list[Route]) -> None:
    kerbs = 0
    for route in routes:
        route._segments = None
        segments = route.segments()
        expect = _segments_per_arc(route)
        assert len(segments) == len(expect)
        for got, want in zip(segments, expect, strict=True):
            assert got.keys() == want.keys()
            assert got["attributes"] == want["attributes"]
            assert list(got["attributes"]) == [k for k in _SEGMENT_ATTRS
                                               if k in got["attributes"]]
            assert {k: got[k] for k in got if k not in ("length_m", "duration_s")} == {
                k: want[k] for k in want if k not in ("length_m", "duration_s")}
            assert got["length_m"] == pytest.approx(want["length_m"], abs=0.051)
            assert got["duration_s"] == pytest.approx(want["duration_s"], abs=0.051)
        kerbs += sum("kerb_cm_used" in s for s in segments)
    assert kerbs > 0


def test_the_cut_of_a_line_is_shapelys_substring(routes: list[Route]) -> None:
    """The hand-written cut gives exactly shapely's ``substring`` (the reference) on real arcs:
    forwards, backwards, to one point, and from the ends."""
    net = routes[0].router.network
    lines = shapely.from_wkb(net.edges["geometry"].dropna().to_numpy())
    bent = shapely.get_num_coordinates(lines) > 2
    lines = [*lines[bent][:150], *lines[~bent][:30]]
    rng = random.Random(3)
    cuts = [(0.0, 1.0), (1.0, 0.0), (0.5, 0.5), (0.0, 0.0), (1.0, 1.0), (0.0, 0.3), (0.7, 1.0)]
    checked = 0
    for line in lines:
        xy = shapely.get_coordinates(line).tolist()
        for f0, f1 in [*cuts, (rng.random(), rng.random()), (rng.random(), 1.0)]:
            want = shapely.get_coordinates(shapely.ops.substring(line, f0, f1, normalized=True))
            got = _substring(xy, f0, f1)
            assert got == want.tolist(), (line.wkt, f0, f1)
            checked += 1
    assert checked > 1000


PARTS = ("summary", "geometry", "violations", "steps", "segments", "barriers")


@pytest.fixture(scope="module")
def client(imported_city, city_base, tmp_path_factory):
    yield from make_client(imported_city, city_base, tmp_path_factory.mktemp("serving"))


@pytest.fixture(scope="module")
def bodies(imported_city) -> list[dict]:
    """Route requests between Hamburg streets: every preset, every language."""
    streets = [p for p in place_index(imported_city("hamburg")).places if p.kind == "street"]
    rng = random.Random(9)
    presets = list(PRESETS)
    return [{"origin": {"lat": a.lat, "lon": a.lon}, "destination": {"lat": b.lat, "lon": b.lon},
             "profile": presets[i % len(presets)], "lang": ("de", "en", "ls")[i % 3]}
            for i, (a, b) in enumerate(rng.sample(streets, 2) for _ in range(14))]


def test_include_gives_exactly_the_parts_asked_for(client, bodies: list[dict]) -> None:
    full = [client.post("/api/cities/hamburg/route", json=b) for b in bodies]
    assert all(r.status_code == 200 for r in full)
    every = [client.post("/api/cities/hamburg/route", json={**b, "include": list(PARTS)})
             for b in bodies]
    # asking for every part is the answer without `include`, byte for byte
    assert [r.content for r in every] == [r.content for r in full]
    always = {"status", "profile", "optimize", "lang", "distance_m", "duration_s", "cost_s",
              "origin", "destination", "connected_destination", "place"}
    assert set(full[0].json()["properties"]) == always | {
        k for keys in ROUTE_PARTS.values() for k in keys}
    subsets = [[], ["geometry", "summary"], ["steps"], ["violations", "segments"],
               ["barriers"], ["geometry"]]
    for i, (body, want) in enumerate(zip(bodies, full, strict=True)):
        parts = subsets[i % len(subsets)]
        got = client.post("/api/cities/hamburg/route", json={**body, "include": parts})
        assert got.status_code == 200
        answer, reference = got.json(), want.json()
        keys = always | {k for p in parts for k in ROUTE_PARTS[p]}
        assert set(answer["properties"]) == keys, parts
        # each part given is the full answer's, the line only when asked for
        assert answer["properties"] == {k: reference["properties"][k] for k in keys}
        assert answer["geometry"] == (reference["geometry"] if "geometry" in parts else None)


def test_the_steps_alone_word_no_summary(routes: list[Route]) -> None:
    """A part left out is not worked out: the steps alone read neither the assumed values
    nor the unknowns that only the summary words."""
    broken = 0
    for route in routes:
        fresh = dataclasses.replace(route, _segments=None, _violations=None, _uncertain=None)
        steps = route_feature(fresh, lang="en", include=["steps"])["properties"]["steps"]
        assert steps == route_feature(route, lang="en")["properties"]["steps"]
        assert fresh._uncertain is None and "_unknowns" not in vars(fresh)
        broken += bool(route.violations())
    assert broken > 0  # the steps' warnings are exercised


def test_include_names_only_known_parts(client, bodies: list[dict]) -> None:
    got = client.post("/api/cities/hamburg/route", json={**bodies[0], "include": ["maps"]})
    assert got.status_code == 422
    assert "include" in got.text
    assert set(ROUTE_PARTS) == set(PARTS)
