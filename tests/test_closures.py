"""Live closures: storage in the database, expiry, resolution to arcs, effect on routes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from stufenlos.closures import ClosureError, ClosureStore, segment_keys
from stufenlos.routing import Router
from tests._graph_testing import synthetic_grid


def latlon(net, i: int) -> tuple[float, float]:
    lon, lat = net.node_lonlat[i]
    return float(lat), float(lon)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.sqlite'}"


def test_close_reopen_and_expiry(db: str) -> None:
    store = ClosureStore("grid", db)
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    a = store.close("way", 1001, until=now + timedelta(hours=1), reason="Baustelle",
                    actor="Anna")
    b = store.close("elevator", 4711, source="operator")
    assert {o.id for o in store.active(now)} == {a.id, b.id}
    assert [o.id for o in store.active(now + timedelta(hours=2))] == [b.id]
    # another process (a new store on the same database) sees the same closures
    other = ClosureStore("grid", db)
    assert {(o.id, o.reason, o.created_by) for o in other.active(now)} == {
        (a.id, "Baustelle", "Anna"), (b.id, "", "")}
    assert other.version() == store.version() == 2
    # other cities are apart
    assert ClosureStore("elsewhere", db).active(now) == []
    store.reopen(b.id)
    assert [o.id for o in other.active(now)] == [a.id]
    assert other.version() == 3
    with pytest.raises(ClosureError, match="no closure"):
        store.reopen(999)


def test_bad_input_is_named(db: str) -> None:
    store = ClosureStore("grid", db)
    with pytest.raises(ClosureError, match="time zone"):
        store.close("way", 1, until="2026-11-27T12:00:00")
    with pytest.raises(ClosureError, match="ISO 8601"):
        store.close("way", 1, until="tomorrow")
    with pytest.raises(ClosureError, match="kind"):
        store.close("bridge", 1)
    with pytest.raises(ClosureError, match="integer OSM id"):
        store.close("way", "abc")
    with pytest.raises(ClosureError, match="needs the network"):
        store.close("arc", 3)
    with pytest.raises(ClosureError, match="source"):
        store.close("way", 1, source="rumour")
    assert store.active() == [] and store.version() == 0  # nothing half-written


def test_resolve_to_arcs(db: str) -> None:
    net = synthetic_grid(3, 1, segments={(1, 2): {"elevator": True, "highway": "elevator"}})
    store = ClosureStore("grid", db, barrier_resolver=lambda _ref: [2])

    def arcs(kind, ref):
        return set(store.resolve(net, store.close(kind, ref, network=net)).tolist())

    assert arcs("way", "1000") == {0, 2}
    assert arcs("node", "10001") == {0, 1, 2, 3}
    assert arcs("elevator", "1001") == {1, 3}
    assert arcs("barrier", "b1") == {2}
    # an arc is stored as its segment: both directions, named by way and end nodes
    seg = store.close("arc", 2, network=net)
    assert seg.kind == "segment" and seg.osm_way_id == 1000
    assert set(store.resolve(net, seg).tolist()) == {0, 2}
    with pytest.raises(ClosureError, match="not part of the walkable network"):
        store.resolve(net, store.close("elevator", "1000"))
    without = ClosureStore("grid", db)
    with pytest.raises(ClosureError, match="no barrier store"):
        without.resolve(net, without.close("barrier", "node/1/kerb"))


def test_segment_keys_find_the_same_ground_when_arcs_are_renumbered(db: str) -> None:
    net = synthetic_grid(3, 2)
    store = ClosureStore("grid", db)
    arc = int(np.flatnonzero((net.edges.u == 1) & (net.edges.v == 2))[0])
    closure = store.close("arc", arc, network=net)
    # the same ground with its arcs in reverse order (as another import may number them)
    flipped = net.edges.iloc[::-1].reset_index(drop=True)
    order = np.arange(len(flipped))[::-1]
    flipped["pair"] = np.where(net.edges["pair"].to_numpy()[::-1] >= 0,
                               order[np.maximum(net.edges["pair"].to_numpy()[::-1], 0)], -1)
    renumbered = type(net)(nodes=net.nodes, edges=flipped, meta=dict(net.meta))
    got = store.resolve(renumbered, closure)
    ends = {(int(renumbered.u[a]), int(renumbered.v[a])) for a in got}
    assert ends == {(1, 2), (2, 1)}
    assert segment_keys(renumbered, got) == segment_keys(net, [arc])


def test_closing_an_elevator_reroutes_then_breaks_limits(db: str) -> None:
    # Two ways up in a 3x2 grid: an elevator on the left (segment 0-3) and one on
    # the right (2-5); the middle link (1-4) is missing.
    lift = {"elevator": True, "highway": "elevator"}
    net = synthetic_grid(3, 2, segments={(0, 3): lift, (2, 5): {**lift}}, drop={(1, 4)})
    store = ClosureStore("grid", db)
    r = Router(net, closures=store)
    a, b = latlon(net, 0), latlon(net, 3)
    first = r.route(a, b, profile="wheelchair")
    assert first.status == "ok"
    assert first.distance_m == pytest.approx(50)
    # closed through another store on the same database, as another process would
    ClosureStore("grid", db).close("elevator", net.edges["osm_way_id"].iat[int(first.arcs[0])])
    second = r.route(a, b, profile="wheelchair")
    assert second.status == "ok"
    assert second.distance_m == pytest.approx(250)
    # Close the other one too: the best remaining route is marked, not missing.
    right = int(np.flatnonzero((net.edges.u == 2) & (net.edges.v == 5))[0])
    store.close("elevator", net.edges["osm_way_id"].iat[right])
    third = r.route(a, b, profile="wheelchair")
    assert third.status == "limits_broken"
    assert [v["limit"] for v in third.violations()] == ["closed"]
    # Expired closures stop counting without anyone reopening them.
    later = datetime.now(UTC) + timedelta(days=1)
    store.close("way", 1000, until=datetime.now(UTC) + timedelta(hours=1))
    assert r.route(a, b, profile="wheelchair", now=later).status == "limits_broken"
    for o in store.active():
        store.reopen(o.id)
    assert r.route(a, b, profile="wheelchair").distance_m == pytest.approx(50)


def test_a_closure_starting_later_applies_when_its_time_comes(db: str) -> None:
    net = synthetic_grid(3, 1)
    store = ClosureStore("grid", db)
    r = Router(net, closures=store)
    soon = datetime.now(UTC) + timedelta(hours=1)
    store.close("way", 1000, since=soon)
    a, b = latlon(net, 0), latlon(net, 2)
    assert r.route(a, b).status == "ok"
    assert r.route(a, b, now=soon + timedelta(minutes=1)).status == "limits_broken"


def test_an_old_overrides_file_moves_into_the_database(tmp_path: Path, db: str) -> None:
    net = synthetic_grid(3, 1)
    legacy = tmp_path / "overrides.json"
    legacy.write_text(json.dumps({"overrides": [
        {"id": "a1", "kind": "arc", "ref": "2", "until": None,
         "reason": "report:7 Blocked sidewalk", "created": "2026-11-01T10:00:00+00:00"},
        {"id": "b2", "kind": "way", "ref": "1000", "until": "2099-01-01T00:00:00+00:00",
         "reason": "Baustelle", "created": "2026-11-01T10:00:00+00:00"},
    ]}))
    store = ClosureStore("grid", db, legacy_file=legacy, network_for_legacy=lambda: net)
    got = {c.kind: c for c in store.active()}
    assert got["segment"].report_id == 7 and got["segment"].reason == "Blocked sidewalk"
    assert got["segment"].source == "report"
    assert set(store.resolve(net, got["segment"]).tolist()) == {0, 2}
    assert got["way"].valid_until == datetime(2099, 1, 1, tzinfo=UTC)
    assert not legacy.exists() and legacy.with_name("overrides.json.migrated").exists()
    # a second start finds nothing to move and changes nothing
    legacy.write_text(legacy.with_name("overrides.json.migrated").read_text())
    again = ClosureStore("grid", db, legacy_file=legacy, network_for_legacy=lambda: net)
    assert len(again.active()) == 2
