"""Shared request dependencies: imported cities come from the process's registry.

Every route gets its city through :func:`get_city`, i.e. from
:data:`stufenlos.registry.REGISTRY`, the one place a process keeps cities.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool

from stufenlos.city import City, city_folder
from stufenlos.config import CityConfig, discover_cities
from stufenlos.registry import REGISTRY, get_city, require_imported

__all__ = ["city_configs", "city_now", "get_city", "imported", "require_imported", "summary_of"]


async def city_now(name: str) -> City:
    """Like :func:`get_city`, for ``async`` routes: a city not in memory yet is loaded
    in a worker thread, so the event loop never waits for a load."""
    city = REGISTRY.loaded(name)
    return city if city is not None else await run_in_threadpool(get_city, name)


def city_configs() -> dict[str, CityConfig]:
    """Every configured city by name."""
    return discover_cities()


def imported(name: str) -> bool:
    """Whether city ``name`` has been imported into the data folder."""
    return REGISTRY.imported(name)


def summary_of(name: str) -> dict[str, Any]:
    """The import summary of city ``name`` (empty if not imported)."""
    path = city_folder(name) / "summary.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}

