"""Live closures of ways, nodes, elevators and barriers, applied without a rebuild.

An :class:`Overrides` store holds closures, each with an optional expiry. A
:class:`~stufenlos.routing.Router` asks it for the arcs closed *now* before every
query and re-customises only the arcs whose state changed, so an elevator outage
reaches routing in milliseconds. Stores can be kept in a JSON file (written
through a temporary file and a rename) so that the CLI, the API and status feeds
share them.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
import weakref
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stufenlos._util import atomic_write_bytes
from stufenlos.errors import InputFileError, StufenlosError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from stufenlos.network import Network

__all__ = ["Override", "OverrideError", "Overrides", "TargetKind"]

logger = logging.getLogger(__name__)

TargetKind = Literal["way", "node", "elevator", "barrier", "arc"]
_KINDS = ("way", "node", "elevator", "barrier", "arc")


class OverrideError(StufenlosError, LookupError):
    """An override names something the network does not have, or is malformed."""

    http_status = 404


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | str | None, name: str = "until") -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            msg = (f"`{name}` must be an ISO 8601 time such as 2026-11-27T18:00:00+01:00, "
                   f"got {value!r}")
            raise OverrideError(msg) from None
    if value.tzinfo is None:
        msg = f"`{name}` needs a time zone (e.g. +01:00 or Z), got {value.isoformat()}"
        raise OverrideError(msg)
    return value


@dataclass(frozen=True)
class Override:
    """One closure: ``kind`` and ``ref`` name what is closed (OSM id, barrier id, arc)."""

    kind: TargetKind
    ref: str
    until: datetime | None = None
    reason: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created: datetime = field(default_factory=_now)

    def active(self, now: datetime | None = None) -> bool:
        """Whether the closure still holds at ``now`` (default: the current time)."""
        return self.until is None or self.until > (now or _now())

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        d = asdict(self)
        d["until"] = self.until.isoformat() if self.until else None
        d["created"] = self.created.isoformat()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Override:
        """Inverse of :meth:`to_dict`."""
        if d.get("kind") not in _KINDS:
            msg = f"override kind must be one of {', '.join(_KINDS)}, got {d.get('kind')!r}"
            raise OverrideError(msg)
        return cls(kind=d["kind"], ref=str(d["ref"]), until=_aware(d.get("until")),
                   reason=str(d.get("reason", "")), id=str(d["id"]),
                   created=_aware(d.get("created"), "created") or _now())


class Overrides:
    """A set of closures, optionally kept in a JSON file.

    Parameters
    ----------
    path
        JSON file to load from and save to (``None``: in memory only).
    barrier_resolver
        Maps a barrier id to the arc ids it lies on; used for ``kind="barrier"``.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 barrier_resolver: Callable[[str], Sequence[int]] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.barrier_resolver = barrier_resolver
        self._items: dict[str, Override] = {}
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self.version = 0
        self._reload()

    # -- persistence -------------------------------------------------------------

    def _reload(self) -> None:
        if self.path is None or not self.path.exists():
            return
        mtime = self.path.stat().st_mtime
        if mtime == self._mtime:
            return
        try:
            data = json.loads(self.path.read_text("utf-8"))
            items = [Override.from_dict(d) for d in data.get("overrides", [])]
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise InputFileError(self.path, f"not an overrides file: {exc}") from None
        except OverrideError as exc:
            raise InputFileError(self.path, str(exc)) from None
        self._items = {o.id: o for o in items}
        self._mtime = mtime
        self.version += 1

    def _save(self) -> None:
        self.version += 1
        if self.path is None:
            return
        body = {"overrides": [o.to_dict() for o in self._items.values()]}
        atomic_write_bytes(self.path, json.dumps(body, indent=2).encode("utf-8"))
        self._mtime = self.path.stat().st_mtime

    # -- editing -----------------------------------------------------------------

    def close(self, kind: TargetKind, ref: int | str, *, until: datetime | str | None = None,
              reason: str = "") -> Override:
        """Close a way, node, elevator, barrier or arc until ``until`` (or for good)."""
        if kind not in _KINDS:
            msg = f"`kind` must be one of {', '.join(_KINDS)}, got {kind!r}"
            raise OverrideError(msg)
        item = Override(kind=kind, ref=str(ref), until=_aware(until), reason=reason)
        with self._lock:
            self._reload()
            self._items[item.id] = item
            self._save()
        logger.info("closed %s %s until %s", kind, ref, item.until)
        return item

    def reopen(self, override_id: str | None = None, *, kind: TargetKind | None = None,
               ref: int | str | None = None) -> list[Override]:
        """Remove closures by id, or all closures of ``kind``/``ref``; returns them."""
        with self._lock:
            self._reload()
            gone = [o for o in self._items.values()
                    if (override_id is not None and o.id == override_id)
                    or (override_id is None and o.kind == kind and o.ref == str(ref))]
            if not gone:
                what = override_id or f"{kind} {ref}"
                msg = f"no closure {what} to reopen"
                raise OverrideError(msg)
            for o in gone:
                del self._items[o.id]
            self._save()
        return gone

    def active(self, now: datetime | None = None) -> list[Override]:
        """Closures in force at ``now``."""
        with self._lock:
            self._reload()
            return [o for o in self._items.values() if o.active(now)]

    def __len__(self) -> int:
        return len(self._items)

    # -- resolving to arcs ----------------------------------------------------------

    def closed_arcs(self, network: Network, now: datetime | None = None) -> NDArray[np.int64]:
        """Sorted ids of the arcs of ``network`` closed at ``now``."""
        active = self.active(now)
        if not active:
            return np.empty(0, np.int64)
        parts = []
        for o in active:
            try:
                parts.append(resolve(network, o.kind, o.ref, self.barrier_resolver))
            except StufenlosError as exc:
                # one closure that no longer matches the network (its way is gone, or
                # the barrier lies on no walkable edge) must not stop all routing
                logger.warning("closure %s (%s %s) closes nothing: %s", o.id, o.kind, o.ref, exc)
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)


class _OsmIndex:
    """OSM way and node id -> arc ids of one network (sorted keys, built in ms)."""

    def __init__(self, network: Network) -> None:
        e = network.edges
        arcs = np.arange(network.n_edges, dtype=np.int64)
        self.elevator = e["elevator"].fillna(False).to_numpy(bool)
        self.way = self._sorted(e["osm_way_id"], arcs)
        ids = pd.concat([e["osm_node_u"], e["osm_node_v"]], ignore_index=True)
        self.node = self._sorted(ids, np.concatenate([arcs, arcs]))
        self.cache: dict[tuple[str, str], NDArray[np.int64]] = {}

    @staticmethod
    def _sorted(ids: pd.Series, arcs: NDArray[np.int64]) -> tuple[NDArray[np.int64],
                                                                    NDArray[np.int64]]:
        ok = ids.notna().to_numpy()
        keys = ids[ok].astype(np.int64).to_numpy()
        order = np.argsort(keys, kind="stable")
        return keys[order], arcs[ok][order]

    @staticmethod
    def lookup(index: tuple[NDArray[np.int64], NDArray[np.int64]], key: int
               ) -> NDArray[np.int64]:
        keys, arcs = index
        lo, hi = np.searchsorted(keys, [key, key + 1])
        return np.unique(arcs[lo:hi])


_INDEX: weakref.WeakKeyDictionary[Network, _OsmIndex] = weakref.WeakKeyDictionary()


def resolve(network: Network, kind: str, ref: str,
            barrier_resolver: Callable[[str], Sequence[int]] | None = None) -> NDArray[np.int64]:
    """Arc ids that closing ``kind`` ``ref`` closes; raises if there are none."""
    index = _INDEX.get(network)
    if index is None:
        index = _INDEX[network] = _OsmIndex(network)
    hit = index.cache.get((kind, ref))
    if hit is not None:
        return hit
    if kind == "barrier":
        if barrier_resolver is None:
            msg = f"cannot resolve barrier {ref!r}: no barrier store attached"
            raise OverrideError(msg)
        arcs = np.asarray(barrier_resolver(ref), np.int64)
        if arcs.size == 0:
            msg = f"barrier {ref!r} lies on no arc of the walkable network"
            raise OverrideError(msg)
    elif kind == "arc":
        arcs = np.array([int(ref)], np.int64)
        if not 0 <= arcs[0] < network.n_edges:
            msg = f"arc {ref} is not in the network (0..{network.n_edges - 1})"
            raise OverrideError(msg)
    else:
        try:
            osm = int(ref)
        except ValueError:
            msg = f"`{kind}` closures need an integer OSM id, got {ref!r}"
            raise OverrideError(msg) from None
        way, node = index.lookup(index.way, osm), index.lookup(index.node, osm)
        if kind == "way":
            arcs = way
        elif kind == "node":
            arcs = node
        else:  # elevator: a way or node mapped as an elevator
            both = np.union1d(way, node)
            arcs = both[index.elevator[both]]
        if arcs.size == 0:
            what = "elevator" if kind == "elevator" else f"OSM {kind}"
            msg = f"{what} {osm} is not part of the walkable network"
            raise OverrideError(msg)
    index.cache[(kind, ref)] = arcs
    return arcs
