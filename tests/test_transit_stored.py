"""What an import stores so that no request builds it, and the fallback without it."""

from __future__ import annotations

import datetime as dt
import logging
import shutil

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from stufenlos._graph import topology_for
from stufenlos.build import import_city
from stufenlos.city import load_city
from stufenlos.config import find_city
from stufenlos.network import Network
from stufenlos.routing import Router
from stufenlos.transit import load_city_transit
from stufenlos.transit.footpaths import street_walks
from stufenlos.transit.profile import TRANSIT_PROFILES
from stufenlos.transit.stops import stop_access_for_city
from stufenlos.transit.stored import read_stored_transit
from stufenlos.transit.timetable import Timetable
from stufenlos.transit.walk import RouterWalker
from tests.conftest import CITIES

DAY = dt.date(2022, 9, 1)
AT = dt.datetime(2022, 9, 1, 8, 0)
BISMARCKPLATZ, HANDSCHUHSHEIM = (49.4093, 8.6937), (49.4264, 8.6870)
NOT_STORED = "not stored by the import"


def _trips(its):
    return [[(leg.mode, leg.from_stop_id, leg.to_stop_id, leg.trip_id, leg.start, leg.end)
             for leg in it.legs] for it in its]


def test_stored_walks_and_verdicts_equal_fresh_ones(imported_city):
    city = imported_city("heidelberg")
    stored = read_stored_transit(city.folder / "transit")
    assert stored is not None
    access = stop_access_for_city(find_city("heidelberg"))
    pd.testing.assert_frame_equal(stored.stop_access, access)
    assert (access["code"] > 0).sum() > 100  # conflation found verdicts for most stops
    fresh = Timetable.from_feed(stored.feed_path, DAY, walker=RouterWalker(Router(city.network)))
    kept = Timetable.from_feed(stored.feed_path, DAY, stored_walks=stored.street_walks)
    for profile in TRANSIT_PROFILES.values():
        a, b, w = street_walks(fresh, profile)
        sa, sb, sw = kept.street_walks(profile)
        assert len(a) > 100
        got = dict(zip(zip(sa.tolist(), sb.tolist(), strict=True), sw.tolist(), strict=True))
        want = dict(zip(zip(a.tolist(), b.tolist(), strict=True), w.tolist(), strict=True))
        assert got.keys() == want.keys()
        assert np.allclose([got[k] for k in want], list(want.values()))


def test_walks_between_stops_in_blocks_equal_one_matrix_of_all(imported_city, monkeypatch):
    # the blocks of nearby starts must give exactly the times of one square matrix
    from stufenlos.transit import walk

    city = imported_city("heidelberg")
    tt = Timetable.from_feed(read_stored_transit(city.folder / "transit").feed_path, DAY)
    walker = RouterWalker(Router(city.network))
    profile = TRANSIT_PROFILES["wheelchair"]
    rng = np.random.default_rng(3)
    a, b = rng.integers(len(tt.lon), size=(2, 3000))
    monkeypatch.setattr(walk, "PAIR_BLOCK", 7)
    got = walker.pair_seconds(tt.lon, tt.lat, a, b, profile)
    nodes = walker._snap(profile.walking(), tt.lon, tt.lat)
    m = walker.router.matrix(nodes, nodes, profile=profile.walking())
    ll = city.network.node_lonlat[nodes]
    gap = (walk.haversine_m(ll[a, 0], ll[a, 1], tt.lon[a], tt.lat[a])
           + walk.haversine_m(ll[b, 0], ll[b, 1], tt.lon[b], tt.lat[b]))
    want = walker._seconds(m)[a, b] + gap / profile.speed_mps
    assert np.isfinite(want).mean() > 0.3
    np.testing.assert_array_equal(got, want)


def test_the_stored_contraction_order_routes_like_a_built_one(imported_city, caplog):
    folder = imported_city("heidelberg").folder
    caplog.set_level(logging.INFO, logger="stufenlos._graph")
    loaded = load_city("heidelberg", base=folder.parent).network
    assert loaded.folder == folder / "network"
    topo = topology_for(loaded)
    assert "building CCH topology" not in caplog.text
    built = Network(nodes=loaded.nodes, edges=loaded.edges, meta=loaded.meta)
    w = np.random.default_rng(1).integers(1, 5000, loaded.n_edges).astype(np.uint32)
    src = np.arange(0, loaded.n_nodes, 997)
    a = topo.metric(w).many_to_many(src, src)
    b = topology_for(built).metric(w).many_to_many(src, src)
    assert "building CCH topology" in caplog.text  # a network without a folder builds it
    assert (a < 2**31).mean() > 0.5
    np.testing.assert_array_equal(a, b)


@pytest.fixture
def town(tmp_path, monkeypatch):
    """Heidelberg's inputs copied to a folder of their own, and a data folder."""
    cities = tmp_path / "cities"
    shutil.copytree(CITIES / "heidelberg", cities / "heidelberg")
    monkeypatch.setenv("STUFENLOS_CITIES_DIR", str(cities))
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path / "var"))
    return cities / "heidelberg", tmp_path / "var"


def test_journeys_come_from_the_import_and_fall_back_when_it_is_broken(town, caplog):
    inputs, base = town
    import_city(find_city("heidelberg"), base=base)
    caplog.set_level(logging.INFO)
    ct = load_city_transit("heidelberg", base=base)
    first = ct.journey(BISMARCKPLATZ, HANDSCHUHSHEIM, AT, profile="wheelchair")
    assert first and NOT_STORED not in caplog.text
    assert "building CCH topology" not in caplog.text

    # A broken artefact: logged, and built from the inputs as before, with the same answer.
    transit = base / "heidelberg" / "transit"
    (transit / "street_walks.parquet").write_bytes(b"not parquet")
    (base / "heidelberg" / "network" / "cch" / "head").write_bytes(b"\0\0\0\0")
    caplog.clear()
    again = load_city_transit("heidelberg", base=base)
    assert "stored transit artefacts are unusable" in caplog.text
    assert _trips(again.journey(BISMARCKPLATZ, HANDSCHUHSHEIM, AT, profile="wheelchair")
                  ) == _trips(first)
    assert NOT_STORED in caplog.text
    assert "not using the stored CCH topology" in caplog.text

    # A re-import replaces them; afterwards the inputs are not needed for journeys.
    old_folder = (base / "heidelberg").resolve()
    import_city(find_city("heidelberg"), base=base)
    assert not old_folder.exists()
    assert read_stored_transit(base / "heidelberg" / "transit") is not None
    for name in ("heidelberg.test.osm.pbf", "db_stations.ndjson", "vrn_gtfs_cut.zip"):
        (inputs / name).unlink()
    caplog.clear()
    later = load_city_transit("heidelberg", base=base)
    assert _trips(later.journey(BISMARCKPLATZ, HANDSCHUHSHEIM, AT, profile="wheelchair")
                  ) == _trips(first)
    assert NOT_STORED not in caplog.text
    assert len(later.equipment.equipment) == len(ct.equipment.equipment) > 0


def test_the_server_warms_imported_cities_in_the_background(imported_city, city_base,
                                                            tmp_path, monkeypatch):
    from stufenlos.api.app import create_app
    from stufenlos.registry import REGISTRY

    imported_city("heidelberg")
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(city_base))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")
    monkeypatch.setenv("STUFENLOS_WARM", "1")
    REGISTRY.clear()
    with TestClient(create_app()) as client:
        assert client.get("/health").status_code == 200
        client.app.state.warming.join(timeout=300)
        assert "heidelberg" in client.app.state.warmed
        city = REGISTRY.city("heidelberg")
        assert city.memo("transit", lambda: None) is not None  # built by the warm-up
        assert city.reach(BISMARCKPLATZ, max_time_s=900).nodes.size > 100


def test_walk_keys_are_the_same_in_every_process() -> None:
    """Stored street walks are found by ``walk_key``: it must not depend on the hash seed
    (profiles hold sets such as ``avoid_surfaces``)."""
    import os
    import subprocess
    import sys

    code = ("from stufenlos.transit.footpaths import walk_key\n"
            "from stufenlos.transit.profile import TRANSIT_PROFILES\n"
            "print(sorted((n, walk_key(p)) for n, p in TRANSIT_PROFILES.items()))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env=os.environ | {"PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3", "4")}
    assert len(outs) == 1, outs
    # the case this test is about is there: a walking profile holding a set
    assert any(isinstance(v, (set, frozenset))
               for p in TRANSIT_PROFILES.values() for v in vars(p.walking()).values())
