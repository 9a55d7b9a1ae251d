"""Live closures: storage, expiry, resolution to arcs, and their effect on routes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from stufenlos.errors import InputFileError
from stufenlos.overrides import OverrideError, Overrides, resolve
from stufenlos.routing import Router
from tests._graph_testing import synthetic_grid


def latlon(net, i: int) -> tuple[float, float]:
    lon, lat = net.node_lonlat[i]
    return float(lat), float(lon)


def test_close_reopen_and_expiry(tmp_path: Path) -> None:
    path = tmp_path / "overrides.json"
    store = Overrides(path)
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    a = store.close("way", 1001, until=now + timedelta(hours=1), reason="Baustelle")
    b = store.close("elevator", 4711)
    assert {o.id for o in store.active(now)} == {a.id, b.id}
    assert [o.id for o in store.active(now + timedelta(hours=2))] == [b.id]
    # Another process sees the same file.
    other = Overrides(path)
    assert {o.id for o in other.active(now)} == {a.id, b.id}
    assert json.loads(path.read_text())["overrides"][0]["reason"] == "Baustelle"
    store.reopen(b.id)
    assert [o.id for o in Overrides(path).active(now)] == [a.id]
    with pytest.raises(OverrideError, match="no closure"):
        store.reopen("nope")


def test_bad_input_is_named(tmp_path: Path) -> None:
    store = Overrides()
    with pytest.raises(OverrideError, match="time zone"):
        store.close("way", 1, until="2026-11-27T12:00:00")
    with pytest.raises(OverrideError, match="ISO 8601"):
        store.close("way", 1, until="tomorrow")
    with pytest.raises(OverrideError, match="kind"):
        store.close("bridge", 1)  # type: ignore[arg-type]
    bad = tmp_path / "overrides.json"
    bad.write_text("{not json")
    with pytest.raises(InputFileError, match=r"overrides\.json"):
        Overrides(bad)


def test_resolve_to_arcs() -> None:
    net = synthetic_grid(3, 1, segments={(1, 2): {"elevator": True, "highway": "elevator"}})
    assert set(resolve(net, "way", "1000").tolist()) == {0, 2}
    assert set(resolve(net, "node", "10001").tolist()) == {0, 1, 2, 3}
    assert set(resolve(net, "elevator", "1001").tolist()) == {1, 3}
    with pytest.raises(OverrideError, match="not part of the walkable network"):
        resolve(net, "elevator", "1000")
    with pytest.raises(OverrideError, match="integer OSM id"):
        resolve(net, "way", "abc")
    with pytest.raises(OverrideError, match="no barrier store"):
        resolve(net, "barrier", "node/1/kerb")
    assert resolve(net, "barrier", "b1", lambda _ref: [2]).tolist() == [2]


def test_closing_an_elevator_reroutes_then_breaks_limits() -> None:
    # Two ways up in a 3x2 grid: an elevator on the left (segment 0-3) and one on
    # the right (2-5); the middle link (1-4) is missing.
    lift = {"elevator": True, "highway": "elevator"}
    net = synthetic_grid(3, 2, segments={(0, 3): lift, (2, 5): {**lift}}, drop={(1, 4)})
    store = Overrides()
    r = Router(net, overrides=store)
    a, b = latlon(net, 0), latlon(net, 3)
    first = r.route(a, b, profile="wheelchair")
    assert first.status == "ok"
    assert first.distance_m == pytest.approx(50)
    store.close("elevator", net.edges["osm_way_id"].iat[int(first.arcs[0])])
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
