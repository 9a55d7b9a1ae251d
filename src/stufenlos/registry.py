"""CityRegistry: the one place a process gets a city.

A :class:`~stufenlos.city.City` holds the network, the router (with its
contraction hierarchy and customised metrics) and the closure store; what is
built from a city on demand — its public transport, place search, tiles,
street list — hangs off that same object (:meth:`City.memo`). The registry keeps
one ``City`` per name, data folder and application database, and swaps it for
a fresh one when an import has replaced the city's folder, so everything
derived from the old network goes with it. No other module keeps a city.

Examples
--------
>>> from stufenlos.registry import get_city
>>> city = get_city("heidelberg")          # doctest: +SKIP
>>> city is get_city("heidelberg")         # doctest: +SKIP
True
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from stufenlos.city import City, city_folder, load_city
from stufenlos.config import discover_cities, find_city
from stufenlos.errors import UnknownCityError
from stufenlos.settings import get_settings

if TYPE_CHECKING:
    from stufenlos.transit.city import CityTransit

__all__ = ["REGISTRY", "CityRegistry", "get_city", "get_transit"]

log = logging.getLogger(__name__)


def _stamp(folder: str) -> tuple[int, int, int]:
    """What changes when an import swaps a city in: its summary file (device, inode and
    time), read through the city folder's link in one ``stat`` (each import writes a new
    folder and swaps the link to it)."""
    try:
        st = os.stat(os.path.join(folder, "summary.json"))
    except OSError:
        return 0, 0, 0
    return st.st_dev, st.st_ino, st.st_mtime_ns


@functools.lru_cache(maxsize=64)
def _resolved(folder: str, cwd: str) -> Path:
    """The data folder ``folder`` (relative to ``cwd``) as an absolute path without links,
    resolved once: a re-import swaps the link of a city folder inside it (see
    :func:`_stamp`), not the data folder."""
    return (Path(cwd) / Path(folder).expanduser()).resolve()


class CityRegistry:
    """Imported cities of this process, loaded once and swapped when re-imported."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cities: dict[tuple[str, str, str | None], tuple[tuple[int, int, int], City]] = {}

    def city(self, name: str, *, base: str | os.PathLike[str] | None = None) -> City:
        """The imported city ``name`` (raises :class:`UnknownCityError` otherwise).

        ``base`` is the data folder (default ``$STUFENLOS_DATA_DIR``). One
        stat of the city folder per call tells whether an import replaced it; the
        city configurations are read only when the city is not loaded yet.
        """
        key, stamp = self._key(name, base)
        with self._lock:
            hit = self._cities.get(key)
            if hit is not None and hit[0] == stamp:
                return hit[1]
        city = load_city(name, base=base)  # an unknown name fails naming the configured ones
        with self._lock:
            hit = self._cities.get(key)
            if hit is not None and hit[0] == stamp:
                return hit[1]  # another thread loaded it meanwhile
            self._cities[key] = (stamp, city)
        return city

    def loaded(self, name: str, *, base: str | os.PathLike[str] | None = None) -> City | None:
        """The city ``name`` if this process holds its current import, else ``None``.

        Costs one stat of the city folder and never loads: an event loop may ask it.
        """
        key, stamp = self._key(name, base)
        with self._lock:
            hit = self._cities.get(key)
        return hit[1] if hit is not None and hit[0] == stamp else None

    def _key(self, name: str, base: str | os.PathLike[str] | None
             ) -> tuple[tuple[str, str, str | None], tuple[int, int, int]]:
        # every route request asks this: one settings read, the data folder resolved once
        settings = get_settings()
        folder = os.fspath(base) if base is not None else str(settings.data_dir)
        root = _resolved(folder, "" if os.path.isabs(folder) else os.getcwd())
        return (name, str(root), settings.database_url), _stamp(os.path.join(root, name))

    def transit(self, city: City) -> CityTransit | None:
        """The public transport of ``city`` (``None`` without a GTFS input), built once."""
        if not city.config.input_paths("gtfs"):
            return None
        from stufenlos.transit.city import load_city_transit

        return city.memo("transit", lambda: load_city_transit(
            city.name, base=city.folder.parent, city=city))

    def warm(self, name: str, *, base: str | os.PathLike[str] | None = None) -> City:
        """Load city ``name`` and everything a first request would otherwise build.

        That is the network and its snapping index, the router's contraction
        hierarchy (stored by the import), the ``standard`` profile's metric, the
        compiled searches, the edge values route answers read and,
        with a GTFS input, the public transport and today's timetable. Repeated
        calls cost one folder stat.
        """
        from stufenlos import _graph

        city = self.city(name, base=base)
        _graph.warm_kernels()
        _ = city.network.snapper  # the arcs' geometry and search tree
        city.router.topology.out_csr()  # the one-to-all searches' adjacency
        city.router.weights("standard")
        _ = city.router.edge_values  # what route answers read of every arc
        transit = self.transit(city)
        if transit is not None:
            transit.timetable(dt.datetime.now(ZoneInfo(transit.timezone)).date())
        return city

    def warm_all(self, *, base: str | os.PathLike[str] | None = None) -> list[str]:
        """:meth:`warm` every imported city; a city that fails is logged and skipped."""
        done = []
        for name in sorted(discover_cities()):
            if not self.imported(name, base=base):
                continue
            t0 = time.perf_counter()
            try:
                self.warm(name, base=base)
            except Exception:  # one broken city must not keep the others cold
                log.exception("warming %s failed; its first request builds what it needs", name)
                continue
            log.info("warmed %s in %.1f s", name, time.perf_counter() - t0)
            done.append(name)
        return done

    def imported(self, name: str, *, base: str | os.PathLike[str] | None = None) -> bool:
        """Whether city ``name`` has been imported into the data folder."""
        return (city_folder(name, base) / "network" / "edges.parquet").exists()

    def clear(self) -> None:
        """Forget every loaded city (the next call loads afresh)."""
        with self._lock:
            self._cities.clear()


#: the process's registry
REGISTRY = CityRegistry()


def get_city(name: str, *, base: str | os.PathLike[str] | None = None) -> City:
    """The imported city ``name`` from the process's :data:`REGISTRY`."""
    return REGISTRY.city(name, base=base)


def get_transit(city: City) -> CityTransit | None:
    """The public transport of ``city`` from the process's :data:`REGISTRY`."""
    return REGISTRY.transit(city)


def require_imported(name: str) -> City:
    """Like :func:`get_city`, with a message that says how to import a configured city."""
    if not REGISTRY.imported(name):
        find_city(name)
        msg = f"city {name!r} is configured but not imported yet: run `stufenlos import {name}`"
        raise UnknownCityError(msg)
    return get_city(name)
