"""Shared fixtures: the bundled real cities, imported once per test session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from stufenlos.build import import_city
from stufenlos.city import City, load_city
from stufenlos.config import find_city

REPO = Path(__file__).resolve().parents[1]
CITIES = REPO / "data" / "cities"
SHARED = REPO.parent / "shared" / "data"


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
