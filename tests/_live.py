"""Start real server processes for tests: a free port, a log file, wait until healthy, stop.

One helper for every test that talks to a live ``uvicorn`` or ``stufenlos serve``
process (the browser tests, the two-process closure test, the Open311 client
test, the multi-worker test).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

__all__ = ["free_port", "live_process", "serve_command", "uvicorn_command"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def uvicorn_command(port: int, *extra: str) -> list[str]:
    """``uvicorn`` serving ``create_app()`` on ``port``."""
    return [sys.executable, "-m", "uvicorn", "stufenlos.api.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "info", *extra]


def serve_command(port: int, *extra: str) -> list[str]:
    """``stufenlos serve`` on ``port``."""
    return [sys.executable, "-m", "stufenlos.cli", "serve", "--host", "127.0.0.1",
            "--port", str(port), *extra]


@contextmanager
def live_process(command: Sequence[str], port: int, log_path: Path, *,
                 env: dict[str, str | None] | None = None, ready_lines: int = 0,
                 timeout_s: float = 90, health: str = "/health") -> Iterator[subprocess.Popen]:
    """Run ``command`` until the block ends; yield the process once it answers ``health``
    (a path, ``/health`` unless told) with 200.

    ``env`` is added to this process's environment (a ``None`` value removes the
    variable). With ``ready_lines`` > 0 the
    start also waits for that many "Application startup complete" lines in the log
    (one per worker of ``serve --workers N``). A process that exits or does not
    answer within ``timeout_s`` fails the test with the end of its log.
    """
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        full = {k: v for k, v in (os.environ | (env or {})).items() if v is not None}
        proc = subprocess.Popen(list(command), env=full, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                started = (log_path.read_text(errors="replace")
                           .count("Application startup complete") >= ready_lines)
                try:
                    if started and httpx.get(f"{base}{health}", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"the live server did not start ({' '.join(command[1:4])}):\n"
                                + log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
