"""Rate limits and the client salt, shared by every process through the database or Redis."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from stufenlos.reports import ReportService, ReportStore
from stufenlos.reports.errors import RateLimitedError
from stufenlos.reports.privacy import client_hash
from stufenlos.shared_state import DatabaseRateLimitStorage, shared_secret
from tests._need import need


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def db_url(request: pytest.FixtureRequest, tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path / "var"))
    for name in ("STUFENLOS_CLIENT_SALT", "STUFENLOS_RATE_LIMIT_STORAGE"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.sqlite'}"
    return request.getfixturevalue("postgis_url")


def _services(url: str, n: int, **kwargs) -> list[ReportService]:
    """``n`` services with their own engines, as ``n`` server processes would have."""
    return [ReportService(ReportStore(url), post_moderated=(), **kwargs) for _ in range(n)]


def _allowed(services: list[ReportService], client: str, hits: int) -> tuple[int, list[int]]:
    """Hit the submission limit ``hits`` times at once, spread over ``services``."""

    def one(i: int) -> int | None:
        try:
            services[i % len(services)].check_rate(client, kind="submit")
        except RateLimitedError as exc:
            return exc.retry_after_s
        return None

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(hits)))
    return results.count(None), [r for r in results if r is not None]


def test_processes_share_one_count(db_url: str) -> None:
    services = _services(db_url, 2, submit_rate="10/minute")
    try:
        allowed, retries = _allowed(services, "client-a", 40)
        assert allowed == 10
        assert len(retries) == 30 and all(1 <= r <= 60 for r in retries)
        # another client has its own count; a third process sees the shared one
        assert _allowed(services, "client-b", 3)[0] == 3
        late = _services(db_url, 1, submit_rate="10/minute")[0]
        with pytest.raises(RateLimitedError):
            late.check_rate("client-a", kind="submit")
        late.store.close()
    finally:
        for svc in services:
            svc.store.close()


def test_expired_counters_are_purged(db_url: str, monkeypatch) -> None:
    monkeypatch.setattr("stufenlos.shared_state.PURGE_EVERY_S", 0.0)
    store = ReportStore(db_url)
    storage = DatabaseRateLimitStorage(store.engine)
    item = parse("2/second")
    from limits.strategies import MovingWindowRateLimiter

    limiter = MovingWindowRateLimiter(storage)
    for client in ("a", "b", "c"):
        assert limiter.hit(item, "t", client) and limiter.hit(item, "t", client)
        assert not limiter.hit(item, "t", client)

    def rows() -> tuple[int, int]:
        with store.engine.connect() as conn:
            return (conn.scalar(sa.text("select count(*) from rate_limit_keys")),
                    conn.scalar(sa.text("select count(*) from rate_limit_hits")))

    assert rows() == (3, 6)
    time.sleep(1.1)
    assert limiter.hit(item, "t", "d")  # counting purges what has expired
    assert rows() == (1, 1)
    assert limiter.get_window_stats(item, "t", "d").remaining == 1
    store.close()


def test_fixed_window_counters(db_url: str) -> None:
    store = ReportStore(db_url)
    try:
        limiter = FixedWindowRateLimiter(DatabaseRateLimitStorage(store.engine))
        item = parse("3/minute")
        assert [limiter.hit(item, "k") for _ in range(5)] == [True] * 3 + [False] * 2
        assert limiter.get_window_stats(item, "k").remaining == 0
        limiter.clear(item, "k")
        assert limiter.hit(item, "k")
        assert limiter.storage.check()
    finally:
        store.close()


def test_processes_agree_on_one_salt(db_url: str, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    stores = [ReportStore(db_url) for _ in range(6)]
    try:
        with ThreadPoolExecutor(6) as pool:  # first use, all at once
            salts = list(pool.map(lambda s: shared_secret(s.engine, "client_salt"), stores))
        assert len(set(salts)) == 1 and len(salts[0]) == 64
        services = [ReportService(s, post_moderated=()) for s in stores[:2]]
        ids = {svc.client_id("192.0.2.7") for svc in services}
        assert ids == {client_hash("192.0.2.7", salt=salts[0])}
        assert services[0].client_id("192.0.2.8") not in ids
        assert salts[0] not in caplog.text
    finally:
        for s in stores:
            s.close()


def test_a_configured_salt_wins(db_url: str, monkeypatch) -> None:
    monkeypatch.setenv("STUFENLOS_CLIENT_SALT", "configured-secret")
    svc = _services(db_url, 1)[0]
    try:
        assert svc.client_id("192.0.2.7") == client_hash("192.0.2.7", salt="configured-secret")
        with svc.store.engine.connect() as conn:
            assert conn.scalar(sa.text("select count(*) from shared_secrets")) == 0
    finally:
        svc.store.close()


def test_flags_count_clients_not_processes(db_url: str) -> None:
    from stufenlos.reports import Submission

    services = _services(db_url, 3, auto_hide_flags=3)
    try:
        report = services[0].submit(
            Submission(service_code="other", lat=53.55, lon=9.99, description="Poller",
                       jurisdiction="hamburg"), client=services[0].client_id("192.0.2.1"))
        services[0].accept(report.id, actor="test")
        flagger = [svc.client_id("192.0.2.9") for svc in services]
        assert len(set(flagger)) == 1
        for i in range(9):  # one client, through every process
            assert not services[i % 3].flag(report.id, reason="spam", client=flagger[i % 3])
        hidden = [services[i].flag(report.id, reason="spam",
                                   client=services[i].client_id(f"198.51.100.{i}"))
                  for i in range(2)]
        assert hidden == [False, True]
    finally:
        for svc in services:
            svc.store.close()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A throwaway redis-server on a loopback port."""
    server = shutil.which("redis-server")
    need(server is not None, "redis-server is not installed (run scripts/install-system-deps.sh)")
    assert server is not None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_redis_storage_is_shared(redis_url: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STUFENLOS_RATE_LIMIT_STORAGE", redis_url)
    url = f"sqlite:///{tmp_path / 'redis.sqlite'}"
    services = _services(url, 2, submit_rate="10/minute")
    try:
        assert type(services[0]._limiter.storage).__name__ == "RedisStorage"
        assert _allowed(services, "client-a", 40)[0] == 10
        with services[0].store.engine.connect() as conn:  # nothing counted in the database
            assert conn.scalar(sa.text("select count(*) from rate_limit_hits")) == 0
    finally:
        for svc in services:
            svc.store.close()
