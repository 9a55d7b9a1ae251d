"""The analysis API's bounds: allowed parameters, a canonical cache, one analysis at a time.

On the session's imported Helsinki (analysis) and Hamburg (routing), no mocks: the
heavy-work pool is held by a thread of the test, as a running analysis would hold it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stufenlos.api.app import create_app
from stufenlos.api.heavy import HeavyPool, ServerBusyError, heavy_pool, workers_from_env
from stufenlos.api.routes.analysis import AREAS_MAX_LIMIT, cache_info, clear_cache
from stufenlos.city import City
from stufenlos.errors import StufenlosError

ROUTE = {"origin": {"lat": 53.5528, "lon": 9.9930},
         "destination": {"lat": 53.5505, "lon": 9.9925}, "profile": "wheelchair", "lang": "en"}


@pytest.fixture(scope="module")
def client(imported_city: Callable[[str], City], city_base: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    for name in ("hamburg", "helsinki"):
        imported_city(name)
    tmp = tmp_path_factory.mktemp("analysis-limits")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUFENLOS_DATA_DIR", str(city_base))
        mp.setenv("DATABASE_URL", f"sqlite:///{tmp / 'app.sqlite'}")
        with TestClient(create_app()) as c:
            yield c


def _field_error(r, field: str, *words: str) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "ValidationError"
    assert [e["field"] for e in body["errors"]] == [field]
    assert field in body["detail"]
    for w in words:
        assert w in body["detail"]


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"budgets": "7"}, "query.budgets", ("7", "5, 10, 15, 20, 30, 45, 60")),
    ({"budgets": "90"}, "query.budgets", ("90",)),
    ({"budgets": "5,10,15,20"}, "query.budgets", ("3",)),
    ({"budgets": ""}, "query.budgets", ()),
    ({"profiles": "standard,wheelchair,walker,blind"}, "query.profiles", ("at most 3",)),
    ({"profiles": "standard,hovercraft"}, "query.profiles", ("hovercraft",)),
    ({"categories": "pharmacy,casino"}, "query.categories", ("casino",)),
    ({"limit": AREAS_MAX_LIMIT + 1}, "query.limit", ()),
    ({"offset": -1}, "query.offset", ()),
])
def test_parameters_outside_the_limits_are_422_naming_them(
        client: TestClient, params: dict, field: str, words: tuple[str, ...]) -> None:
    before = cache_info()["computed"]
    _field_error(client.get("/api/analysis/helsinki", params=params), field, *words)
    assert cache_info()["computed"] == before  # refused before any work


def test_scenario_body_limits_name_the_field(client: TestClient) -> None:
    sc = {"changes": [{"action": "make_step_free", "station": "Reeperbahn"}]}
    r = client.post("/api/analysis/hamburg/scenario", json={
        "scenario": sc, "profiles": ["standard", "wheelchair", "walker", "blind"]})
    _field_error(r, "body.profiles", "at most 3")
    r = client.post("/api/analysis/hamburg/scenario", json={"scenario": sc, "budget_min": 17})
    _field_error(r, "body.budget_min", "17")


def test_repeated_and_duplicate_profiles_count_once(client: TestClient) -> None:
    r = client.get("/api/analysis/helsinki", params={
        "profiles": "wheelchair,standard,wheelchair,walker", "budgets": "15,5,15",
        "categories": "pharmacy", "limit": 1})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["profiles"] == ["standard", "wheelchair", "walker"]
    assert body["budgets_min"] == [5.0, 15.0]


def test_permuted_parameters_hit_one_cache_entry(client: TestClient) -> None:
    clear_cache()
    first = {"profiles": "wheelchair,standard", "budgets": "15,5",
             "categories": "supermarket,pharmacy"}
    permuted = {"profiles": "standard,wheelchair,standard", "budgets": "5,15.0",
                "categories": "pharmacy,supermarket,pharmacy"}
    r1 = client.get("/api/analysis/helsinki", params=first)
    assert r1.status_code == 200, r1.text
    info = cache_info()
    started = heavy_pool().started
    r2 = client.get("/api/analysis/helsinki", params=permuted)
    assert r2.status_code == 200, r2.text
    after = cache_info()
    assert after["computed"] == info["computed"]  # no second analysis
    assert after["hits"] == info["hits"] + 1
    assert after["entries"] == info["entries"] == 1
    assert heavy_pool().started == started
    assert r2.json() == r1.json()
    assert r1.json()["profiles"] == ["standard", "wheelchair"]
    assert r1.json()["categories"] == ["pharmacy", "supermarket"]


def test_areas_come_in_pages(client: TestClient) -> None:
    params = {"profiles": "standard", "budgets": "10", "categories": "pharmacy"}
    whole = client.get("/api/analysis/helsinki", params={**params, "limit": AREAS_MAX_LIMIT})
    assert whole.status_code == 200, whole.text
    body = whole.json()
    total = body["total_areas"]
    assert total == len(body["areas"]) > 10
    computed = cache_info()["computed"]
    page = client.get("/api/analysis/helsinki",
                      params={**params, "offset": 5, "limit": 3}).json()
    assert (page["offset"], page["limit"], page["total_areas"]) == (5, 3, total)
    assert page["areas"] == body["areas"][5:8]
    assert page["totals"] == body["totals"]  # totals cover the whole city
    assert cache_info()["computed"] == computed
    default = client.get("/api/analysis/helsinki", params=params).json()
    assert default["limit"] == 100 and len(default["areas"]) == min(total, 100)


@pytest.fixture
def held_pool() -> Iterator[None]:
    """Hold every slot of the pool from other threads, as running analyses would."""
    pool = heavy_pool()
    taken = threading.Barrier(pool.workers + 1)
    done = threading.Event()

    def hold() -> None:
        with pool.slot("test"):
            taken.wait(timeout=10)
            done.wait(timeout=60)

    threads = [threading.Thread(target=hold) for _ in range(pool.workers)]
    for t in threads:
        t.start()
    taken.wait(timeout=10)
    try:
        yield
    finally:
        done.set()
        for t in threads:
            t.join()


def test_busy_server_answers_429_and_routes_at_once(client: TestClient,
                                                     held_pool: None) -> None:
    clear_cache()
    computed = cache_info()["computed"]
    r = client.get("/api/analysis/helsinki",
                   params={"profiles": "standard,walker", "budgets": "20"})
    assert r.status_code == 429, r.text
    assert int(r.headers["Retry-After"]) > 0
    body = r.json()
    assert body["error"] == "ServerBusyError" and "busy" in body["detail"]
    for r in (client.post("/api/analysis/hamburg/scenario", json={"scenario": {
                  "changes": [{"action": "make_step_free", "station": "Reeperbahn"}]}}),
              client.get("/api/analysis/hamburg/stations", params={"distance_m": 450})):
        assert r.status_code == 429, r.text
        assert "Retry-After" in r.headers
    page = client.get("/analysis/helsinki", params={"lang": "en", "budgets": "20"})
    assert page.status_code == 429 and "Retry-After" in page.headers
    assert 'role="alert"' in page.text and "busy" in page.text
    started = time.perf_counter()
    r = client.post("/api/cities/hamburg/route", json=ROUTE)
    elapsed = time.perf_counter() - started
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["status"] == "ok"
    assert elapsed < 5.0  # answered, not queued behind the held analysis
    assert cache_info()["computed"] == computed


def test_cached_results_are_served_while_busy(client: TestClient) -> None:
    params = {"profiles": "standard", "budgets": "30", "categories": "pharmacy"}
    assert client.get("/api/analysis/helsinki", params=params).status_code == 200
    pool = heavy_pool()
    release = threading.Event()
    ready = threading.Event()

    def hold() -> None:
        with pool.slot("test"):
            ready.set()
            release.wait(timeout=60)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert ready.wait(timeout=10)
        if pool.workers == 1:
            r = client.get("/api/analysis/helsinki", params=params)
            assert r.status_code == 200, r.text
    finally:
        release.set()
        t.join()


def test_the_pool_takes_workers_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STUFENLOS_ANALYSIS_WORKERS", raising=False)
    assert workers_from_env() == 1
    monkeypatch.setenv("STUFENLOS_ANALYSIS_WORKERS", "2")
    assert workers_from_env() == 2
    for bad in ("0", "-1", "many"):
        monkeypatch.setenv("STUFENLOS_ANALYSIS_WORKERS", bad)
        with pytest.raises(StufenlosError, match="STUFENLOS_ANALYSIS_WORKERS"):
            workers_from_env()
    one = HeavyPool(1)
    with one.slot(), one.slot():  # a thread holding the slot may nest (page + stations)
        pass
    assert one.started == 1
    pool = HeavyPool(2)
    ready, release = threading.Barrier(3), threading.Event()

    def hold() -> None:
        with pool.slot():
            ready.wait(timeout=10)
            release.wait(timeout=10)

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for t in threads:
        t.start()
    ready.wait(timeout=10)
    try:
        with pytest.raises(ServerBusyError) as exc, pool.slot():
            pass
        assert exc.value.retry_after_s > 0
    finally:
        release.set()
        for t in threads:
            t.join()
    with pool.slot():  # free again
        pass
    assert pool.started == 3
