"""A live server whose data folder holds imported bundled cities (for the planner and kiosk)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stufenlos.api.templating import STATIC_DIR
from tests._live import free_port, live_process, uvicorn_command


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
    port = free_port()
    env = {"STUFENLOS_DATA_DIR": str(data_dir),
           "DATABASE_URL": database_url or f"sqlite:///{work / 'app.sqlite'}"} | (env or {})
    with live_process(uvicorn_command(port), port, work / "server.log", env=env):
        yield f"http://127.0.0.1:{port}"
