"""Run chunks of an analysis in-process or on a Dask cluster.

``scheduler`` values:

* ``"none"`` (or ``None``): a plain loop in this process;
* ``"local"``: a Dask ``LocalCluster`` of worker processes on this machine;
* ``"threads"``: a Dask ``LocalCluster`` inside this process (``processes=False``);
* anything else: the address of a running Dask scheduler (``tcp://host:8786``).

The chunks are planned before any scheduler sees them and every chunk computes
the same arrays wherever it runs, so the tables are identical either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from stufenlos.errors import StufenlosError

__all__ = ["Runner", "SchedulerError", "runner"]

logger = logging.getLogger(__name__)


class SchedulerError(StufenlosError, RuntimeError):
    """The Dask scheduler cannot be reached or started."""


class Runner:
    """Maps a function over tasks, returning results in task order."""

    name = "none"

    def __init__(self, *, progress: bool = False) -> None:
        self.progress = progress

    def map(self, fn: Callable[..., Any], shared: Sequence[Any], tasks: Sequence[Any],
            *, desc: str = "") -> list[Any]:
        """``[fn(*shared, task) for task in tasks]``."""
        it = tqdm(tasks, desc=desc, disable=not self.progress, leave=False, unit="chunk")
        return [fn(*shared, task) for task in it]


class _DaskRunner(Runner):
    def __init__(self, client: Any, name: str, *, progress: bool = False) -> None:
        super().__init__(progress=progress)
        self.client = client
        self.name = name

    def map(self, fn: Callable[..., Any], shared: Sequence[Any], tasks: Sequence[Any],
            *, desc: str = "") -> list[Any]:
        from distributed import as_completed

        if not tasks:
            return []
        # hash=False: a key of its own per call. With content-hashed keys, scattering the
        # same arrays again (one map per measure) races with the release of the earlier
        # call's futures and the scheduler cancels chunks for "lost dependencies"
        # (dask/distributed#4612).
        scattered = [self.client.scatter(x, broadcast=True, hash=False) for x in shared]
        futures = [self.client.submit(fn, *scattered, t, pure=False) for t in tasks]
        pos = {f.key: i for i, f in enumerate(futures)}
        out: list[Any] = [None] * len(futures)
        bar = tqdm(total=len(futures), desc=desc, disable=not self.progress, leave=False,
                   unit="chunk")
        for fut in as_completed(futures):
            out[pos[fut.key]] = fut.result()
            bar.update()
        bar.close()
        return out


@contextmanager
def runner(scheduler: str | None = "none", *, progress: bool = False,
           n_workers: int | None = None) -> Iterator[Runner]:
    """A :class:`Runner` for ``scheduler`` (see the module docstring)."""
    if scheduler in (None, "", "none"):
        yield Runner(progress=progress)
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - declared dependency
        msg = "Dask is not installed: pip install 'dask[distributed]'"
        raise SchedulerError(msg) from None
    # distributed logs every worker start and stop at INFO; keep ours at our level
    logging.getLogger("distributed").setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    cluster = None
    try:
        if scheduler in ("local", "threads"):
            cluster = LocalCluster(processes=scheduler == "local", n_workers=n_workers,
                                   threads_per_worker=1 if scheduler == "local" else 2,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        msg = f"cannot use Dask scheduler {scheduler!r}: {exc}"
        raise SchedulerError(msg) from None
    try:
        yield _DaskRunner(client, scheduler, progress=progress)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
