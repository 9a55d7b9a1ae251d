"""The equity analysis on a real Dask cluster: a ``dask scheduler`` and two ``dask worker``
processes over TCP on loopback give the same tables as the in-process loop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pandas as pd
import pytest

from stufenlos.analysis import analyze
from stufenlos.analysis.access import compute
from stufenlos.analysis.execution import runner

PROFILES = ["standard", "wheelchair"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``tcp://127.0.0.1:PORT`` of a scheduler with two single-threaded worker processes."""
    folder = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    logs = [(folder / f"{name}.log").open("w") for name in ("scheduler", "w1", "w2")]
    procs = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--dashboard-address", ":0", "--no-show"],
        stdout=logs[0], stderr=subprocess.STDOUT, env=env, cwd=folder)]
    for log, name in zip(logs[1:], ("w1", "w2"), strict=True):
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1",
             "--nthreads", "1", "--name", name, "--no-dashboard",
             "--local-directory", str(folder / name)],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder))
    try:
        from distributed import Client

        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout=5) as client:
                    if len(client.scheduler_info()["workers"]) == 2:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                pytest.fail("the Dask cluster did not start:\n" + "\n".join(
                    (folder / f"{n}.log").read_text() for n in ("scheduler", "w1", "w2")))
            time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in logs:
            log.close()


def test_two_worker_processes_over_tcp_give_identical_tables(imported_city, cluster) -> None:
    helsinki = imported_city("helsinki")
    local = analyze(helsinki, profiles=PROFILES)
    from distributed import get_task_stream

    with runner(cluster) as run:
        assert run.name.startswith("tcp://")
        with get_task_stream(run.client) as stream:
            measures = compute(local.setup, PROFILES, runner=run)
        # both worker processes took part
        assert len({t["worker"] for t in stream.data}) == 2
    again = type(local)(setup=local.setup, profiles=PROFILES, measures=measures)
    pd.testing.assert_frame_equal(local.area_table(), again.area_table())
    pd.testing.assert_frame_equal(local.origin_table(), again.origin_table())
