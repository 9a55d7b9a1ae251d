"""A TestClient on an app that serves the session's imported Hamburg (and Herrenberg)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stufenlos.api.app import create_app
from stufenlos.city import City


def make_client(imported_city: Callable[[str], City], city_base: Path, tmp: Path,
                cities: tuple[str, ...] = ("hamburg",)) -> Iterator[TestClient]:
    """Yield a client whose data folder holds ``cities``, imported from the bundle."""
    for name in cities:
        imported_city(name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUFENLOS_DATA_DIR", str(city_base))
        mp.setenv("DATABASE_URL", f"sqlite:///{tmp / 'app.sqlite'}")
        with TestClient(create_app()) as client:
            yield client
