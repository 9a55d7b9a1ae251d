"""A live server whose data folder holds imported bundled cities (for the planner and kiosk)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from stufenlos.api.templating import STATIC_DIR


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def maplibre_built() -> bool:
    """Whether ``make web`` has copied MapLibre into the static folder."""
    return (STATIC_DIR / "vendor" / "maplibre-gl.js").exists()


@contextmanager
def city_server(data_dir: Path, work: Path, *, database_url: str | None = None,
                env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve ``create_app()`` in a uvicorn process on a free port; yield its base URL.

    ``data_dir`` is the data folder (imported cities); the app database is
    ``database_url`` or ``work/app.sqlite``; the server log goes to ``work/server.log``.
    """
    port = _free_port()
    env = os.environ | {
        "STUFENLOS_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url or f"sqlite:///{work / 'app.sqlite'}",
    } | (env or {})
    log_path = work / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "stufenlos.api.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("the live server did not start:\n"
                                + log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
