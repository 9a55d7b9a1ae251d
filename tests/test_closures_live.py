"""Two ``stufenlos serve`` processes on one data folder: every accepted report closes
its ground in both processes' next answer (closures live in the database)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import numpy as np
import pytest
import shapely

from stufenlos.closures import ClosureStore
from stufenlos.reports import ReportService, ReportStore, Submission
from tests._live import free_port, live_process, serve_command

N_REPORTS = 40


@pytest.fixture
def two_servers(imported_city, city_base: Path, tmp_path: Path
                ) -> Iterator[tuple[list[str], str]]:
    """Two separate server processes sharing the data folder and a SQLite database."""
    imported_city("hamburg")
    db_url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    ReportStore(db_url).close()  # migrate before the servers start
    env = {"DATABASE_URL": db_url, "STUFENLOS_DATA_DIR": str(city_base),
           "STUFENLOS_PUBLIC_RATE": "100000/minute", "STUFENLOS_PLAN_SEED": "0"}
    ports = [free_port(), free_port()]
    with ExitStack() as stack:
        for i, port in enumerate(ports):
            stack.enter_context(live_process(serve_command(port), port,
                                             tmp_path / f"server{i}.log", env=env))
        yield [f"http://127.0.0.1:{p}" for p in ports], db_url


def _spots(city, n: int) -> list[tuple[float, float]]:
    """Midpoints of ``n`` long footway segments on distinct ways of the main component."""
    net = city.network
    e = net.edges
    main = np.bincount(net.nodes["component"].to_numpy()).argmax()
    comp = net.nodes["component"].to_numpy()
    ok = (e["osm_way_id"].notna() & (e["length_m"] > 25) & ~e["elevator"].fillna(False)
          & (comp[net.u] == main)).to_numpy()
    arcs = [a for a in net.forward_arcs() if ok[a]]
    picked, ways = [], set()
    for a in arcs:
        way = int(e["osm_way_id"].iat[a])
        if way in ways:
            continue
        ways.add(way)
        mid = shapely.from_wkb(e["geometry"].iat[a]).interpolate(0.5, normalized=True)
        picked.append((mid.y, mid.x))
        if len(picked) == n:
            break
    assert len(picked) == n
    return picked


def test_forty_reports_accepted_through_two_processes_close_in_both(
        two_servers, imported_city) -> None:
    bases, db_url = two_servers
    city = imported_city("hamburg")
    store = ReportStore(db_url)
    svc = ReportService(store, post_moderated=())
    token = svc.add_moderator("Zwei Prozesse")
    ids = [svc.submit(Submission(service_code="blocked-sidewalk", lat=lat, lon=lon,
                                 jurisdiction="hamburg", description=f"Bauzaun {i}"),
                      client=f"c{i}").id
           for i, (lat, lon) in enumerate(_spots(city, N_REPORTS))]
    store.close()
    # warm both processes' routers, so they hold a closure state to go stale
    for base in bases:
        assert httpx.get(f"{base}/api/cities/hamburg/closures").json()["items"] == []
    auth = {"Authorization": f"Bearer {token}"}

    def accept(i: int) -> int:
        base = bases[i % 2]
        return httpx.post(f"{base}/moderation/api/reports/{ids[i]}/accept", headers=auth,
                          timeout=60).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(accept, range(N_REPORTS)))
    assert codes == [200] * N_REPORTS
    # every report is exactly one closure in the database ...
    stored = ClosureStore("hamburg", db_url).active()
    assert sorted(c.report_id for c in stored) == sorted(ids)
    # ... and in force in each process's next answer, resolved on its network
    for base in bases:
        got = httpx.get(f"{base}/api/cities/hamburg/closures").json()
        assert sorted(c["report_id"] for c in got["items"]) == sorted(ids)
        assert all(c["arcs"] >= 1 for c in got["items"])
    # the next route of each process goes around a closed segment (or says it is closed)
    closed = {int(a) for a in ClosureStore("hamburg", db_url).closed_arcs(city.network)}
    net = city.network
    for k, base in enumerate(bases):
        for c in stored[k::13][:3]:
            arc = int(ClosureStore("hamburg", db_url).resolve(net, c)[0])
            line = shapely.from_wkb(net.edges["geometry"].iat[arc])
            a, b = line.interpolate(0.2, normalized=True), line.interpolate(0.8, normalized=True)
            r = httpx.post(f"{base}/api/cities/hamburg/route", json={
                "origin": {"lat": a.y, "lon": a.x}, "destination": {"lat": b.y, "lon": b.x},
                "profile": "standard"}).json()["properties"]
            used = {s["arc"] for s in r["segments"]}
            if r["status"] in ("ok", "uncertain"):
                assert not used & closed
            else:
                assert r["status"] == "limits_broken"
                assert "closed" in {v["limit"] for v in r["violations"]}
            assert c.report_id in {x.get("report_id") for x in r["closures"]}
