"""The closures of one city in the application database, resolved to arcs on demand."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from stufenlos.closures.keys import index_of, segment_keys
from stufenlos.closures.models import (
    KINDS,
    SOURCES,
    Closure,
    ClosureError,
    ClosureRow,
    ClosureVersion,
    aware,
)
from stufenlos.closures.models import now as utc_now
from stufenlos.db import (
    Base,
    database_url,
    dialect_insert,
    ensure_schema,
    make_engine,
    make_sessionmaker,
)
from stufenlos.errors import StufenlosError

if TYPE_CHECKING:
    from stufenlos.network import Network

__all__ = ["ClosureState", "ClosureStore", "add_closure", "bump", "remove_report_closures",
           "report_closures"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClosureState:
    """What one network's arcs look like for one version of a city's closures.

    Taken once per request (:meth:`ClosureStore.in_force`), it answers every later
    question about that request's closures without asking the database again.
    """

    version: int
    next_change: dt.datetime | None
    #: sorted ids of the closed arcs
    closed: NDArray[np.int64]
    by_arc: dict[int, list[Closure]]

    def closing(self, arcs: Iterable[int]) -> list[Closure]:
        """The closures that cover any of ``arcs`` (each once, by id).

        Parameters
        ----------
        arcs
            Arc ids of the network this state was resolved on.

        Returns
        -------
        list of Closure
            Ordered by closure id.
        """
        found: dict[int, Closure] = {}
        for a in arcs:
            for c in self.by_arc.get(int(a), ()):
                found.setdefault(c.id, c)
        return [found[k] for k in sorted(found)]


class ClosureStore:
    """The closures of one city in the application database.

    Parameters
    ----------
    city
        The city's name.
    url
        SQLAlchemy URL of the application database (default :func:`database_url`).
    barrier_resolver
        Maps a barrier id to the arcs it lies on in the current network.
    legacy_file
        An ``overrides.json`` of earlier versions: its closures are moved into
        the database on first use and the file is renamed ``*.migrated``.
    """

    def __init__(self, city: str, url: str | None = None, *,
                 barrier_resolver: Callable[[str], Sequence[int]] | None = None,
                 legacy_file: str | os.PathLike[str] | None = None,
                 network_for_legacy: Callable[[], Network] | None = None) -> None:
        self.city = city
        self.url = url or database_url()
        self.barrier_resolver = barrier_resolver
        self._engine = _engine(self.url)
        self._sessionmaker = make_sessionmaker(self._engine)
        self._lock = threading.Lock()
        #: built once: every request asks it (see :meth:`version`)
        self._version_query = (select(ClosureVersion.version)
                               .where(ClosureVersion.city == self.city))
        self._resolved: weakref.WeakKeyDictionary[Network, ClosureState] = (
            weakref.WeakKeyDictionary())
        if legacy_file is not None and Path(legacy_file).exists():
            self._migrate_legacy(Path(legacy_file), network_for_legacy)

    # -- transactions ------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessionmaker() as s, s.begin():
            yield s

    def _bump(self, s: Session) -> None:
        """Move the city's version counter (in the caller's transaction)."""
        bump(s, self.city)

    # -- writing -------------------------------------------------------------------

    def close(self, kind: str, ref: int | str, *, until: dt.datetime | str | None = None,
              since: dt.datetime | str | None = None, reason: str = "",
              source: str = "manual", actor: str = "", report_id: int | None = None,
              network: Network | None = None, session: Session | None = None,
              external_id: str | None = None) -> Closure:
        """Close a way, segment (``arc`` as input), node, elevator or barrier.

        ``kind="arc"`` needs ``network``: the arc is stored as the key of its
        segment. Pass ``session`` to write in the caller's transaction (a
        report and its closure change together).
        """
        if source not in SOURCES:
            msg = f"`source` must be one of {', '.join(SOURCES)}, got {source!r}"
            raise ClosureError(msg)
        fields: dict[str, Any]
        if kind == "arc":
            if network is None:
                msg = "closing an arc needs the network it belongs to"
                raise ClosureError(msg)
            fields = _arc_fields(network, int(ref))
        elif kind in ("way", "node", "elevator"):
            try:
                osm = int(ref)
            except (TypeError, ValueError):
                msg = f"`{kind}` closures need an integer OSM id, got {ref!r}"
                raise ClosureError(msg) from None
            fields = {"kind": kind, "ref": str(osm),
                      "osm_way_id": osm if kind == "way" else None}
        elif kind == "barrier":
            fields = {"kind": kind, "ref": str(ref)}
        else:
            msg = f"`kind` must be one of arc, {', '.join(KINDS)}, got {kind!r}"
            raise ClosureError(msg)
        return self._add(fields, until=until, since=since, reason=reason, source=source,
                         actor=actor, report_id=report_id, session=session,
                         external_id=external_id)

    def close_segments(self, keys: Sequence[dict[str, Any]], **options: Any) -> list[Closure]:
        """Close segments given by :func:`segment_keys` (see :meth:`close` for options)."""
        return [self._add({"kind": "segment", **k}, **options) for k in keys]

    def _add(self, fields: dict[str, Any], *, until: Any = None, since: Any = None,
             reason: str = "", source: str = "manual", actor: str = "",
             report_id: int | None = None, session: Session | None = None,
             external_id: str | None = None) -> Closure:
        with self._in(session) as s:
            return add_closure(s, self.city, fields, until=until, since=since, reason=reason,
                               source=source, actor=actor, report_id=report_id,
                               external_id=external_id)

    def reopen(self, closure_id: int | str | None = None, *, kind: str | None = None,
               ref: int | str | None = None, report_id: int | None = None,
               source: str | None = None, session: Session | None = None,
               missing_ok: bool = False) -> list[Closure]:
        """Remove closures by id, by ``kind``/``ref``, or all of a report; returns them."""
        stmt = select(ClosureRow).where(ClosureRow.city == self.city)
        if closure_id is not None:
            try:
                stmt = stmt.where(ClosureRow.id == int(closure_id))
            except ValueError:
                msg = f"closure ids are numbers, got {closure_id!r}"
                raise ClosureError(msg) from None
        elif report_id is not None:
            stmt = stmt.where(ClosureRow.report_id == report_id)
        elif kind is not None:
            stmt = stmt.where(ClosureRow.kind == kind, ClosureRow.ref == str(ref))
        else:
            msg = "name a closure id, a kind and reference, or a report"
            raise ClosureError(msg)
        if source is not None:
            stmt = stmt.where(ClosureRow.source == source)
        with self._in(session) as s:
            rows = list(s.scalars(stmt))
            if not rows:
                if missing_ok:
                    return []
                what = closure_id if closure_id is not None else (
                    f"of report {report_id}" if report_id is not None else f"{kind} {ref}")
                msg = f"no closure {what} to reopen in {self.city}"
                raise ClosureError(msg)
            gone = [Closure.of(r) for r in rows]
            s.execute(delete(ClosureRow).where(ClosureRow.id.in_([r.id for r in rows])))
            self._bump(s)
        return gone

    @contextmanager
    def _in(self, session: Session | None) -> Iterator[Session]:
        if session is not None:
            yield session
        else:
            with self.session() as s:
                yield s

    # -- reading -------------------------------------------------------------------

    def version(self) -> int:
        """The city's change counter (one small query)."""
        with self._engine.connect() as conn:
            v = conn.execute(self._version_query).scalar()
        return int(v or 0)

    def all(self) -> list[Closure]:
        """Every stored closure of the city, in force or not, oldest first."""
        with self.session() as s:
            rows = s.scalars(select(ClosureRow).where(ClosureRow.city == self.city)
                             .order_by(ClosureRow.id))
            return [Closure.of(r) for r in rows]

    def active(self, now: dt.datetime | None = None) -> list[Closure]:
        """Closures in force at ``now``."""
        return [c for c in self.all() if c.active(now)]

    def of_report(self, report_id: int) -> list[Closure]:
        """The closures a report made."""
        return [c for c in self.all() if c.report_id == report_id]

    def __len__(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count(ClosureRow.id))
                                .where(ClosureRow.city == self.city)) or 0)

    # -- resolving to arcs of a network ---------------------------------------------

    def resolve(self, network: Network, closure: Closure) -> NDArray[np.int64]:
        """Arcs of ``network`` that ``closure`` closes; raises if there are none."""
        return index_of(network).resolve(closure, self.barrier_resolver)

    def _current(self, network: Network, now: dt.datetime) -> ClosureState:
        version = self.version()
        with self._lock:
            res = self._resolved.get(network)
            if res is not None and res.version == version and (
                    res.next_change is None or now < res.next_change):
                return res
        closures = self.all()
        changes = [t for c in closures for t in (c.valid_from, c.valid_until)
                   if t is not None and t > now]
        by_arc: dict[int, list[Closure]] = {}
        parts = []
        for c in closures:
            if not c.active(now):
                continue
            try:
                arcs = self.resolve(network, c)
            except StufenlosError as exc:
                # one closure that no longer matches the network (its way is gone,
                # or the barrier lies on no walkable edge) must not stop all routing
                logger.warning("%s: closure %d (%s) closes nothing: %s", self.city, c.id,
                               c.describe(), exc)
                continue
            parts.append(arcs)
            for a in arcs.tolist():
                by_arc.setdefault(a, []).append(c)
        closed = np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)
        res = ClosureState(version, min(changes) if changes else None, closed, by_arc)
        with self._lock:
            self._resolved[network] = res
        return res

    def in_force(self, network: Network, now: dt.datetime | None = None) -> ClosureState:
        """The closures in force at ``now`` (default: now) on the arcs of ``network``.

        Parameters
        ----------
        network
            The network to resolve the closures' keys on.
        now
            The time; aware or UTC.

        Returns
        -------
        ClosureState
            Resolved again only when the city's closure version has moved (one small
            query) or a closure has started or ended since.
        """
        return self._current(network, now or utc_now())

    def closed_arcs(self, network: Network, now: dt.datetime | None = None
                    ) -> NDArray[np.int64]:
        """Sorted ids of the arcs of ``network`` closed at ``now``."""
        return self.in_force(network, now).closed

    def closing(self, network: Network, arcs: Iterable[int],
                now: dt.datetime | None = None) -> list[Closure]:
        """The closures in force that cover any of ``arcs`` (each once, by id)."""
        return self.in_force(network, now).closing(arcs)

    # -- earlier versions' overrides.json --------------------------------------------

    def _migrate_legacy(self, path: Path, network: Callable[[], Network] | None) -> None:
        """Move the closures of an ``overrides.json`` into the database, once."""
        try:
            items = json.loads(path.read_text("utf-8")).get("overrides", [])
        except (OSError, json.JSONDecodeError, AttributeError) as exc:
            logger.warning("%s: not migrated, not an overrides file: %s", path, exc)
            return
        net = network() if network is not None and any(
            o.get("kind") == "arc" for o in items) else None
        moved = 0
        with self.session() as s:
            for o in items:
                head, _, rest = str(o.get("reason", "")).partition(" ")
                report_id = None
                if head.startswith("report:") and head.removeprefix("report:").isdigit():
                    report_id, reason = int(head.removeprefix("report:")), rest
                else:
                    reason = str(o.get("reason", ""))
                ext = f"overrides.json:{o.get('id')}"
                if s.scalar(select(ClosureRow.id).where(ClosureRow.city == self.city,
                                                        ClosureRow.external_id == ext)):
                    continue
                try:
                    self.close(o["kind"], o["ref"], until=o.get("until"), reason=reason,
                               source="report" if report_id is not None else "manual",
                               actor="migration", report_id=report_id, network=net,
                               session=s, external_id=ext)
                    moved += 1
                except (StufenlosError, KeyError) as exc:
                    logger.warning("%s: closure %s not migrated: %s", path, o.get("id"), exc)
        os.replace(path, path.with_name(path.name + ".migrated"))
        logger.info("%s: moved %d closures into the database", path, moved)


def _arc_fields(network: Network, arc: int) -> dict[str, Any]:
    """The stable key of one arc: its segment, or the elevator an unnamed link belongs to.

    An elevator mapped as a node becomes links between per-way copies of the
    node; those links belong to no way, so they are named by the node.
    """
    e = network.edges
    if 0 <= arc < network.n_edges and bool(e["elevator"].fillna(False).iat[arc]) \
            and e["osm_way_id"].isna().iat[arc] and not e["osm_node_u"].isna().iat[arc]:
        return {"kind": "elevator", "ref": str(int(e["osm_node_u"].iat[arc]))}
    return {"kind": "segment", **segment_keys(network, [arc])[0]}


def add_closure(s: Session, city: str, fields: dict[str, Any], *, until: Any = None,
                since: Any = None, reason: str = "", source: str = "manual", actor: str = "",
                report_id: int | None = None, external_id: str | None = None) -> Closure:
    """Store one closure of ``city`` in the session's transaction and move the version.

    ``fields`` are the key columns (``kind`` and ``ref``, ``osm_way_id``, or a
    segment's ``node_u``/``node_v``/``lon_u``/…; see :func:`segment_keys`).
    """
    if source not in SOURCES:
        msg = f"`source` must be one of {', '.join(SOURCES)}, got {source!r}"
        raise ClosureError(msg)
    row = ClosureRow(
        city=city, source=source, reason=reason[:400], report_id=report_id,
        valid_from=aware(since, "since"), valid_until=aware(until),
        created_by=actor[:100], created_at=utc_now().replace(microsecond=0),
        external_id=external_id, **fields)
    s.add(row)
    s.flush()
    bump(s, city)
    closure = Closure.of(row)
    logger.info("%s: closed %s (%s) until %s", city, closure.describe(), source,
                closure.valid_until)
    return closure


def report_closures(s: Session, report_id: int) -> list[Closure]:
    """The closures report ``report_id`` made, in the session's view."""
    rows = s.scalars(select(ClosureRow).where(ClosureRow.report_id == report_id)
                     .order_by(ClosureRow.id))
    return [Closure.of(r) for r in rows]


def remove_report_closures(s: Session, report_id: int) -> int:
    """Delete the closures of a report in the session's transaction; returns how many."""
    cities = list(s.scalars(select(ClosureRow.city).where(ClosureRow.report_id == report_id)
                            .distinct()))
    if not cities:
        return 0
    gone = s.execute(delete(ClosureRow).where(ClosureRow.report_id == report_id)).rowcount
    for city in cities:
        bump(s, city)
    return int(gone or 0)


def bump(s: Session, city: str) -> None:
    """Move ``city``'s closure version counter within the session's transaction."""
    table = ClosureVersion.__table__
    ins = dialect_insert(s, table).values(city=city, version=1)
    s.execute(ins.on_conflict_do_update(index_elements=["city"],
                                        set_={"version": table.c.version + 1}))


_ENGINES: dict[str, Any] = {}
_ENGINES_LOCK = threading.Lock()


def _engine(url: str) -> Any:
    """One engine per database URL and process, its schema brought up to date first."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            if url == "sqlite://":  # in memory: no migrations, the tables directly
                engine = make_engine(url)
                Base.metadata.create_all(engine, tables=[ClosureRow.__table__,
                                                         ClosureVersion.__table__])
            else:
                ensure_schema(url)
                engine = make_engine(url)
            _ENGINES[url] = engine
        return engine
