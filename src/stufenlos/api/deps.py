"""Shared request dependencies: imported cities, cached per data folder.

Loading a city reads its network from Parquet and builds search structures on
first use, so each process keeps one :class:`~stufenlos.city.City` per name and
data folder. A re-import (which swaps the folder atomically) is picked up when
the folder's ``summary.json`` changes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from stufenlos.city import City, city_folder, load_city
from stufenlos.config import CityConfig, data_dir, discover_cities, find_city
from stufenlos.errors import UnknownCityError
from stufenlos.settings import get_settings

__all__ = ["city_configs", "get_city", "imported", "summary_of"]

_lock = threading.Lock()
_cities: dict[tuple[str, Path, str | None], tuple[float, City]] = {}


def _stamp(folder: Path) -> float:
    try:
        return (folder / "summary.json").stat().st_mtime
    except FileNotFoundError:
        return 0.0


def city_configs() -> dict[str, CityConfig]:
    """Every configured city by name."""
    return discover_cities()


def imported(name: str) -> bool:
    """Whether city ``name`` has been imported into the data folder."""
    return (city_folder(name) / "network" / "edges.parquet").exists()


def get_city(name: str) -> City:
    """The imported city ``name`` (404 through :class:`UnknownCityError` otherwise)."""
    find_city(name)  # unknown names fail with the list of configured cities
    folder = city_folder(name)
    key = (name, data_dir(), get_settings().database_url)
    stamp = _stamp(folder)
    with _lock:
        hit = _cities.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
    city = load_city(name)
    with _lock:
        _cities[key] = (stamp, city)
    return city


def summary_of(name: str) -> dict[str, Any]:
    """The import summary of city ``name`` (empty if not imported)."""
    import json

    path = city_folder(name) / "summary.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def require_imported(name: str) -> City:
    """Like :func:`get_city`, with a message that says how to import."""
    if name in city_configs() and not imported(name):
        msg = f"city {name!r} is configured but not imported yet: run `stufenlos import {name}`"
        raise UnknownCityError(msg)
    return get_city(name)
