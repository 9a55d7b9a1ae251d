"""Shared fixtures: the bundled real cities, imported once per test session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stufenlos.build import import_city
from stufenlos.city import City, load_city
from stufenlos.config import find_city
from tests._feeds import need_shared_feeds
from tests._need import need

REPO = Path(__file__).resolve().parents[1]
# Test apps load their cities on demand; tests of the warm-up switch it on.
os.environ.setdefault("STUFENLOS_WARM", "0")
CITIES = REPO / "data" / "cities"


@pytest.fixture(scope="session")
def city_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder for the session's imported cities."""
    return tmp_path_factory.mktemp("cities")


@pytest.fixture(scope="session")
def imported_city(city_base: Path) -> Callable[[str], City]:
    """Import a bundled city on first use and return it as a :class:`City`."""
    done: dict[str, City] = {}

    def get(name: str) -> City:
        if name not in done:
            import_city(find_city(name), base=city_base)
            done[name] = load_city(name, base=city_base)
        return done[name]

    return get


def _pg_folder(option: str) -> Path | None:
    """The folder ``pg_config`` names for ``option`` (``--bindir``, ``--sharedir``)."""
    exe = shutil.which("pg_config")
    if exe is None:
        return None
    done = subprocess.run([exe, option], capture_output=True, text=True, check=False)
    return Path(done.stdout.strip()) if done.returncode == 0 else None


@pytest.fixture
def shared_feeds() -> None:
    """The Caltrain and WMATA feeds from the shared data folder (``needs_shared``)."""
    need_shared_feeds()


@pytest.fixture(scope="session")
def postgis_server() -> Iterator[str]:
    """A throwaway PostgreSQL+PostGIS cluster for the session; yields its admin URL.

    ``$STUFENLOS_TEST_POSTGIS_URL`` (a superuser URL) is used instead when set.
    Without a PostgreSQL/PostGIS installation (found through ``pg_config``) it skips,
    and fails under CI (see :func:`tests._need.need`).
    """
    given = os.environ.get("STUFENLOS_TEST_POSTGIS_URL")
    if given:
        yield given
        return
    bindir, sharedir = _pg_folder("--bindir"), _pg_folder("--sharedir")
    need(bindir is not None and sharedir is not None and (bindir / "initdb").exists()
         and (sharedir / "extension" / "postgis.control").exists(),
         "PostgreSQL with PostGIS is not installed (run scripts/install-system-deps.sh)")
    assert bindir is not None
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="stufenlos-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres", "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = folder / "data"
    subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                    "-A", "trust", "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
    opts = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts,
                    "-l", str(folder / "log"), "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgis_url(postgis_server: str) -> Iterator[str]:
    """A fresh database with the PostGIS extension on the session's server."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = postgis_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = postgis_server.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    yield url
