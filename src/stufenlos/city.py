"""An imported city: its configuration, pedestrian network and barrier store."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from stufenlos.config import CityConfig, data_dir, find_city
from stufenlos.errors import UnknownCityError
from stufenlos.network import Network

__all__ = ["City", "city_folder", "load_city"]


def city_folder(name: str, base: str | os.PathLike[str] | None = None) -> Path:
    """Folder an imported city lives in (``<data_dir>/<name>``)."""
    return Path(base) / name if base is not None else data_dir() / name


@dataclass(eq=False)
class City:
    """An imported city. Load one with :func:`load_city`."""

    config: CityConfig
    folder: Path

    @property
    def name(self) -> str:
        """The city's short name."""
        return self.config.name

    @cached_property
    def network(self) -> Network:
        """The pedestrian network (read on first use)."""
        return Network.load(self.folder / "network")

    @property
    def database_path(self) -> Path:
        """The city's SQLite database of barriers and import metadata."""
        return self.folder / "city.sqlite"


def load_city(name: str, *, base: str | os.PathLike[str] | None = None) -> City:
    """Open an imported city by name.

    Raises :class:`~stufenlos.errors.UnknownCityError` if it is not configured
    or not imported yet.
    """
    config = find_city(name)
    folder = city_folder(name, base)
    if not (folder / "network" / "edges.parquet").exists():
        msg = f"city {name!r} is configured but not imported yet: run `stufenlos import {name}`"
        raise UnknownCityError(msg)
    return City(config=config, folder=folder)
