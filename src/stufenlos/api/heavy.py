"""One bounded pool for the API's heavy work: analyses, scenarios, station rankings.

At most ``STUFENLOS_ANALYSIS_WORKERS`` (default 1) heavy jobs run at a time in the
whole process. A request that would have to wait for a slot is not queued: it is
answered at once with 429, a ``Retry-After`` header and a JSON body saying the
server is busy. Routing and the other light requests never take a slot, so they
never wait behind an analysis (they still share the CPU with the one that runs).

A thread that holds a slot may enter :meth:`HeavyPool.slot` again (an analysis
page that also ranks stations) without taking a second one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from stufenlos.errors import StufenlosError
from stufenlos.settings import get_settings

__all__ = ["DEFAULT_RETRY_AFTER_S", "HeavyPool", "ServerBusyError", "heavy_pool",
           "workers_from_env"]

#: seconds a client is told to wait when every slot is taken
DEFAULT_RETRY_AFTER_S = 15


class ServerBusyError(StufenlosError):
    """Every heavy-work slot is taken; ``retry_after_s`` says when to try again."""

    http_status = 429

    def __init__(self, message: str, retry_after_s: int = DEFAULT_RETRY_AFTER_S) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class HeavyPool:
    """``workers`` slots, taken without waiting; :attr:`started` counts the jobs run."""

    def __init__(self, workers: int = 1, *,
                 retry_after_s: int = DEFAULT_RETRY_AFTER_S) -> None:
        if workers < 1:
            msg = f"heavy-work workers must be at least 1, got {workers}"
            raise ValueError(msg)
        self.workers = workers
        self.retry_after_s = retry_after_s
        self.started = 0
        self._slots = threading.BoundedSemaphore(workers)
        self._held = threading.local()
        self._count_lock = threading.Lock()

    @contextmanager
    def slot(self, what: str = "analysis") -> Iterator[None]:
        """Hold a slot for the ``with`` block, or raise :class:`ServerBusyError`."""
        depth = getattr(self._held, "depth", 0)
        if depth:  # this thread already holds a slot
            self._held.depth = depth + 1
            try:
                yield
            finally:
                self._held.depth = depth
            return
        if not self._slots.acquire(blocking=False):
            msg = (f"the server is busy: {self.workers} heavy request(s) (analysis, "
                   f"scenario, stations) already running; try the {what} again in "
                   f"{self.retry_after_s} s")
            raise ServerBusyError(msg, self.retry_after_s)
        self._held.depth = 1
        with self._count_lock:
            self.started += 1
        try:
            yield
        finally:
            self._held.depth = 0
            self._slots.release()


def workers_from_env() -> int:
    """The ``STUFENLOS_ANALYSIS_WORKERS`` setting (a positive integer, default 1)."""
    return get_settings().analysis_workers


_POOL: HeavyPool | None = None
_POOL_LOCK = threading.Lock()


def heavy_pool() -> HeavyPool:
    """The process's pool, sized by ``STUFENLOS_ANALYSIS_WORKERS`` on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = HeavyPool(workers_from_env())
        return _POOL
