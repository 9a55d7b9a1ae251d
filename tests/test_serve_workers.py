"""``stufenlos serve --workers 2``: limits, salt and abuse flags hold across worker processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from stufenlos.reports import ReportService, ReportStore
from tests._live import free_port, live_process, serve_command

V2 = "/open311/v2"
WORKERS = 2


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _holds_open(pid: int, path: Path) -> bool:
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            if Path(os.readlink(fd)) == path:
                return True
        except OSError:
            continue
    return False


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    """A real ``stufenlos serve --workers 2``; yields (base URL, SQLite file, process)."""
    db = tmp_path / "app.sqlite"
    port = free_port()
    env: dict[str, str | None] = {
        "DATABASE_URL": f"sqlite:///{db}", "STUFENLOS_DATA_DIR": str(tmp_path / "var"),
        "STUFENLOS_REPORT_RATE": "10/minute", "STUFENLOS_PUBLIC_RATE": "60/minute",
        "STUFENLOS_AUTO_HIDE_FLAGS": "3", "STUFENLOS_TRUSTED_PROXIES": "127.0.0.1",
        "STUFENLOS_CLIENT_SALT": None, "STUFENLOS_RATE_LIMIT_STORAGE": None,
        "WEB_CONCURRENCY": None}
    with live_process(serve_command(port, "--workers", str(WORKERS)), port,
                      tmp_path / "server.log", env=env, ready_lines=WORKERS) as proc:
        yield f"http://127.0.0.1:{port}", db, proc


def _submit(base: str, i: int) -> int:
    """One report over a new connection (so the kernel may hand it to either worker)."""
    r = httpx.post(f"{base}{V2}/requests.json", timeout=60, data={
        "jurisdiction_id": "hamburg", "service_code": "other", "lat": f"{53.55 + i * 1e-5:.6f}",
        "long": "9.99", "description": f"Hindernis {i}"})
    return r.status_code


def _flag(base: str, rid: int, client: str | None) -> int:
    headers = {"X-Forwarded-For": client} if client else {}
    r = httpx.post(f"{base}{V2}/requests/{rid}/flags.json", data={"reason": "spam"},
                   headers=headers, timeout=60)
    return r.status_code


@pytest.mark.slow
def test_two_workers_share_limits_salt_and_flags(served) -> None:
    base, db, proc = served
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: _submit(base, i), range(40)))
    assert sorted(statuses) == [201] * 10 + [429] * 30

    # both workers served submissions: each holds the database open (none does at start)
    workers = [pid for pid in _children(proc.pid) if _holds_open(pid, db)]
    assert len(workers) == WORKERS

    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.scalar(sa.text("select count(*) from reports")) == 10
        # one salt: the ten reports of one client carry one client hash
        assert conn.scalar(sa.text("select count(distinct client_hash) from reports")) == 1
        rid = conn.scalar(sa.text("select min(id) from reports"))
    engine.dispose()
    store = ReportStore(f"sqlite:///{db}")
    try:
        token = ReportService(store, post_moderated=()).add_moderator("Live")
    finally:
        store.close()
    accepted = httpx.post(f"{base}/moderation/api/reports/{rid}/accept",
                          headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert accepted.status_code == 200, accepted.text
    assert httpx.get(f"{base}{V2}/requests/{rid}.json").status_code == 200

    # two real clients flag it nine times each, over new connections: still public
    for _ in range(9):
        assert _flag(base, rid, None) == 200
        assert _flag(base, rid, "203.0.113.7") == 200
    assert httpx.get(f"{base}{V2}/requests/{rid}.json").status_code == 200
    # the third client hides it
    assert _flag(base, rid, "203.0.113.8") == 200
    assert httpx.get(f"{base}{V2}/requests/{rid}.json").status_code == 404


def _established(pid: int, port: int) -> int:
    """TCP connections to ``port`` that process ``pid`` holds (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if int(f[1].rsplit(":", 1)[1], 16) == port and f[3] == "01" and f[9] in inodes:
                count += 1
    return count


@pytest.mark.slow
def test_a_burst_of_keep_alive_connections_is_spread_over_the_workers(served) -> None:
    """A load balancer or app opening many keep-alive connections at once must not pin
    them all to one worker (each listens on a socket of its own; the kernel spreads the
    connections by their addresses, so a split worse than 6 of 32 is a 1-in-10,000 case)."""
    base, _db, proc = served
    port = int(base.rsplit(":", 1)[1])

    async def burst(n: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        conns = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port)
                                       for _ in range(n)))
        for _, writer in conns:
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        for reader, _ in conns:
            assert (await reader.readuntil(b"\r\n")).startswith(b"HTTP/1.1 200")
        return conns

    async def main() -> list[int]:
        conns = await burst(32)
        try:
            return [_established(pid, port) for pid in _children(proc.pid)]
        finally:
            for _, writer in conns:
                writer.close()

    held = sorted(asyncio.run(main()))
    workers = held[-WORKERS:]  # the supervisor's other child holds none
    assert sum(workers) == 32
    assert workers[0] >= 6, held
