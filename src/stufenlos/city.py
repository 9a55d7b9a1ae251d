"""An imported city: its configuration, pedestrian network and barrier store."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stufenlos.config import CityConfig, data_dir, find_city
from stufenlos.errors import UnknownCityError
from stufenlos.network import Network

if TYPE_CHECKING:
    from stufenlos.closures import ClosureStore
    from stufenlos.routing import Matrix, Reach, Route, Router

__all__ = ["City", "city_folder", "load_city", "overrides_path", "state_folder"]


def city_folder(name: str, base: str | os.PathLike[str] | None = None) -> Path:
    """Folder an imported city lives in (``<data_dir>/<name>``)."""
    return Path(base) / name if base is not None else data_dir() / name


def state_folder(name: str, base: str | os.PathLike[str] | None = None) -> Path:
    """Folder of a city's live state (closures ...), kept across re-imports.

    An import replaces ``<data_dir>/<name>`` whole; live state that people
    created (closures from reports, operators' outages) lives beside it in
    ``<data_dir>/state/<name>`` and is carried over to each new network.
    """
    return (Path(base) if base is not None else data_dir()) / "state" / name


def overrides_path(name: str, base: str | os.PathLike[str] | None = None) -> Path:
    """The JSON file where earlier versions kept a city's closures (migrated on first use)."""
    return state_folder(name, base) / "overrides.json"


@dataclass(eq=False)
class City:
    """An imported city. Load one with :func:`load_city`."""

    config: CityConfig
    folder: Path
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """What ``make()`` builds from this city, built once (transit, place search, tiles).

        Kept on the city itself, so a re-imported city (a new object from the
        registry, :mod:`stufenlos.registry`) starts without the old one's.
        """
        with self._memo_lock:
            if key in self._memo:
                return self._memo[key]
        value = make()
        with self._memo_lock:
            return self._memo.setdefault(key, value)

    def memoized(self, key: str) -> Any:
        """What :meth:`memo` built under ``key``, or ``None`` if nothing asked for it yet."""
        with self._memo_lock:
            return self._memo.get(key)

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

    # -- routing (see stufenlos.routing) ---------------------------------------------

    @property
    def app_database_url(self) -> str:
        """The application database (reports, closures, plan): ``$DATABASE_URL``, or a
        SQLite file beside the imported cities."""
        from stufenlos.db import database_url

        return database_url(self.folder.parent)

    @cached_property
    def closures(self) -> ClosureStore:
        """Live closures of this city, in the application database.

        Closures an earlier version kept in ``state/<city>/overrides.json`` are
        moved into the database on first use.
        """
        from stufenlos.closures import ClosureStore

        return ClosureStore(self.name, self.app_database_url,
                            barrier_resolver=self._barrier_arcs,
                            legacy_file=overrides_path(self.name, self.folder.parent),
                            network_for_legacy=lambda: self.network)

    def _barrier_arcs(self, barrier_id: str) -> list[int]:
        from stufenlos.barriers import BarrierStore
        from stufenlos.closures import ClosureError

        record = BarrierStore(self.database_path).get(barrier_id)
        if record is None:
            msg = f"no barrier {barrier_id!r} in {self.name}"
            raise ClosureError(msg)
        return [int(i) for i in record.get("edge_ids") or []]

    @cached_property
    def router(self) -> Router:
        """A :class:`~stufenlos.routing.Router` on this city's network and closures."""
        from stufenlos.routing import Router

        return Router(self.network, closures=self.closures)

    def route(
        self, origin: tuple[float, float], destination: tuple[float, float], **options: Any
    ) -> Route:
        """Best route between two ``(lat, lon)`` points; see :meth:`Router.route`."""
        return self.router.route(origin, destination, **options)

    def matrix(self, origins: Any, destinations: Any, **options: Any) -> Matrix:
        """Cost matrix between points; see :meth:`Router.matrix`."""
        return self.router.matrix(origins, destinations, **options)

    def reach(self, origin: tuple[float, float], **options: Any) -> Reach:
        """Reachable area from a ``(lat, lon)`` point; see :meth:`Router.reach`."""
        return self.router.reach(origin, **options)


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
