"""Elevators and escalators: one registry of every item and its current status.

The :class:`EquipmentRegistry` lists each elevator and escalator once, with
where it comes from (GTFS ``pathways``, OSM ``highway=elevator``, station
data) and its current status (``ACTIVE``, ``INACTIVE`` or ``UNKNOWN``, since
when, why, from which feed). Status comes from the feeds of
:mod:`stufenlos.transit.status_feeds` or from manual reports
(:meth:`EquipmentRegistry.set_status`). Outages reach the journey planner as
:meth:`EquipmentRegistry.elevator_state` and :func:`closed_stops`, and the
walking router through :func:`apply_to_closures`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from stufenlos.errors import StufenlosError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from stufenlos.closures import ClosureStore
    from stufenlos.network import Network
    from stufenlos.transit.stops import OsmStopFeatures

__all__ = [
    "OVERRIDE_REASON",
    "STATES",
    "EquipmentRegistry",
    "EquipmentStatus",
    "State",
    "StatusUpdate",
    "apply_to_closures",
    "closed_stops",
]

log = logging.getLogger(__name__)

State = Literal["ACTIVE", "INACTIVE", "UNKNOWN"]
STATES: tuple[State, ...] = ("ACTIVE", "INACTIVE", "UNKNOWN")
#: prefix of the override reasons this module writes (so it only reopens its own)
OVERRIDE_REASON = "equipment status:"


@dataclass(frozen=True)
class StatusUpdate:
    """One status report for one piece of equipment."""

    id: str
    state: State
    since: dt.datetime | None = None
    reason: str = ""
    until: dt.datetime | None = None
    #: when the feed observed this state (its timestamp); ``None``: the time of the fetch
    checked: dt.datetime | None = None


@dataclass
class EquipmentStatus:
    """The current status of one piece of equipment."""

    state: State = "UNKNOWN"
    since: dt.datetime | None = None
    reason: str = ""
    source: str = ""
    updated: dt.datetime | None = None
    until: dt.datetime | None = None
    #: when an operator's feed last said so (``None`` for a manual status)
    checked: dt.datetime | None = None


# -- registry ------------------------------------------------------------------------


class EquipmentRegistry:
    """Every elevator and escalator of a city and its current status.

    Parameters
    ----------
    equipment
        One row per item: ``id`` (unique), ``kind`` (elevator/escalator),
        ``source``, ``name``, ``lon``, ``lat``, ``station_id``, ``pathway_id``,
        ``osm_id``.
    """

    COLUMNS = ("id", "kind", "source", "name", "lon", "lat", "station_id", "pathway_id",
               "osm_id")

    def __init__(self, equipment: pd.DataFrame) -> None:
        missing = [c for c in self.COLUMNS if c not in equipment.columns]
        if missing:
            msg = f"equipment table lacks columns: {', '.join(missing)}"
            raise StufenlosError(msg)
        dup = equipment["id"].duplicated()
        if dup.any():
            msg = f"equipment id {equipment['id'][dup].iloc[0]!r} appears twice"
            raise StufenlosError(msg)
        self.equipment = equipment.reset_index(drop=True)
        self._status: dict[str, EquipmentStatus] = {}
        self._lock = threading.Lock()
        self.version = 0
        self._ids: set[str] = set()
        self._alias: dict[str, str] = {}
        self._add_aliases(self.equipment)

    # construction -------------------------------------------------------------------

    @classmethod
    def from_sources(
        cls, *, lifts: pd.DataFrame | None = None, osm: OsmStopFeatures | None = None,
        stations: pd.DataFrame | None = None,
    ) -> EquipmentRegistry:
        """Collect equipment from GTFS pathways, OSM elevators and station data.

        Parameters
        ----------
        lifts
            GTFS elevator and escalator pathways: ``pathway_id``, ``kind``,
            ``name``, ``lon``, ``lat``, ``station_id`` (a timetable's
            :attr:`~stufenlos.transit.timetable.Timetable.lifts`).
        osm
            Elevators mapped in OpenStreetMap.
        stations
            Rows (id, name, lon, lat, kind) of station equipment such as DB
            FaSta elevators.
        """
        parts = []
        if lifts is not None and len(lifts):
            pathway = lifts["pathway_id"].astype(str)
            parts.append(pd.DataFrame({
                "id": ("gtfs:" + pathway).to_numpy(), "kind": lifts["kind"].to_numpy(),
                "source": "gtfs", "name": lifts["name"].to_numpy(),
                "lon": lifts["lon"].to_numpy(), "lat": lifts["lat"].to_numpy(),
                "station_id": lifts["station_id"].to_numpy(), "pathway_id": pathway.to_numpy(),
                "osm_id": None,
            }))
        if osm is not None and len(osm.elevators):
            el = osm.elevators
            ref = el["osm_type"].str[0] + el["osm_id"].astype(str)
            parts.append(pd.DataFrame({
                "id": "osm:" + ref, "kind": "elevator", "source": "osm", "name": None,
                "lon": el["lon"].to_numpy(), "lat": el["lat"].to_numpy(), "station_id": None,
                "pathway_id": None, "osm_id": ref.to_numpy(),
            }))
        if stations is not None and len(stations):
            parts.append(pd.DataFrame({
                "id": "station:" + stations["id"].astype(str),
                "kind": stations.get("kind", "elevator"), "source": "stations",
                "name": stations["name"], "lon": stations["lon"], "lat": stations["lat"],
                "station_id": stations.get("station_id"), "pathway_id": None, "osm_id": None,
            }))
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=list(cls.COLUMNS))
        return cls(table)

    def extend(self, equipment: pd.DataFrame) -> int:
        """Add the items of ``equipment`` whose ``id`` the registry lacks; statuses are kept.

        Parameters
        ----------
        equipment
            Rows with the columns of :attr:`COLUMNS`, e.g. the ``equipment`` of
            another registry built by :meth:`from_sources`.

        Returns
        -------
        int
            The number of items added.
        """
        with self._lock:
            new = equipment[~equipment["id"].isin(self.equipment["id"])]
            if len(new):
                rows = new[list(self.COLUMNS)]
                self.equipment = (pd.concat([self.equipment, rows], ignore_index=True)
                                  if len(self.equipment) else rows.reset_index(drop=True))
                self._add_aliases(new)
        return len(new)

    def _add_aliases(self, equipment: pd.DataFrame) -> None:
        # Feeds may name equipment by GTFS pathway id or OSM id as well as our id.
        self._ids.update(equipment["id"])
        for row in equipment.itertuples():
            for alias in (row.pathway_id, row.osm_id):
                if isinstance(alias, str) and alias:
                    self._alias.setdefault(alias, row.id)

    # status ---------------------------------------------------------------------------

    def resolve(self, ref: str) -> str | None:
        """Our equipment id for an id, GTFS pathway id or OSM ref (``n123``)."""
        if ref in self._ids:  # a set: every journey resolves every OSM elevator
            return ref
        return self._alias.get(ref)

    def set_status(
        self, ref: str, state: State, *, since: dt.datetime | None = None, reason: str = "",
        source: str = "manual", until: dt.datetime | None = None,
        checked: dt.datetime | None = None,
    ) -> bool:
        """Record a status; returns whether the state changed. Unknown ids raise.

        ``checked`` is when an operator's feed observed the state (see :meth:`apply`).
        """
        if state not in STATES:
            msg = f"`state` must be one of {', '.join(STATES)}, got {state!r}"
            raise StufenlosError(msg)
        eid = self.resolve(ref)
        if eid is None:
            msg = f"no elevator or escalator {ref!r} in the registry"
            raise StufenlosError(msg)
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            old = self._status.get(eid, EquipmentStatus())
            changed = old.state != state
            self._status[eid] = EquipmentStatus(
                state=state, since=since or (old.since if not changed else now),
                reason=reason, source=source, updated=now, until=until, checked=checked)
            if changed:
                self.version += 1
                log.info("%s is now %s (%s, %s)", eid, state, source, reason)
        return changed

    def apply(self, updates: Iterable[StatusUpdate], *, source: str) -> tuple[int, list[str]]:
        """Apply a feed's updates; returns (number changed, ids not in the registry).

        Each item counts as checked by the operator when the feed says it observed
        the state (:attr:`StatusUpdate.checked`), else now, when the feed was read.
        """
        changed, unknown = 0, []
        now = dt.datetime.now(dt.UTC)
        for u in updates:
            if self.resolve(u.id) is None:
                unknown.append(u.id)
                continue
            changed += self.set_status(u.id, u.state, since=u.since, reason=u.reason,
                                       source=source, until=u.until,
                                       checked=u.checked or now)
        if unknown:
            log.warning("%s: %d status ids not in the registry (first: %s)", source,
                        len(unknown), unknown[0])
        return changed, unknown

    def status(self, ref: str, *, now: dt.datetime | None = None) -> EquipmentStatus:
        """Current status (``UNKNOWN`` if never reported or expired)."""
        eid = self.resolve(ref) or ref
        st = self._status.get(eid)
        if st is None:
            return EquipmentStatus()
        now = now or dt.datetime.now(dt.UTC)
        if st.until is not None and st.until <= now:
            return EquipmentStatus(reason=f"status expired at {st.until.isoformat()}",
                                   source=st.source)
        return st

    def last_checked(self, ref: str) -> tuple[str | None, str | None]:
        """``(last_checked, checked_by)`` of an item from its operator's feed.

        ``last_checked`` is the ISO date the feed last observed the item's state,
        ``checked_by`` is ``"operator_feed"`` (see :mod:`stufenlos.freshness`);
        ``(None, None)`` when no feed has named the item.
        """
        st = self._status.get(self.resolve(ref) or ref)
        if st is None or st.checked is None:
            return None, None
        return st.checked.astimezone(dt.UTC).date().isoformat(), "operator_feed"

    def feed_dates(self) -> dict[tuple[str, int], tuple[str, str]]:
        """``(osm_type, osm_id) -> (last_checked, "operator_feed")`` of the OSM elevators
        an operator's feed has named (the keys of :func:`stufenlos.freshness.barrier_dates`)."""
        types = {"n": "node", "w": "way", "r": "relation"}
        out: dict[tuple[str, int], tuple[str, str]] = {}
        osm = self.equipment.dropna(subset=["osm_id"])
        for eid, ref in zip(osm["id"], osm["osm_id"], strict=True):
            checked, by = self.last_checked(eid)
            if checked is not None and by is not None and ref[:1] in types:
                out[(types[ref[0]], int(ref[1:]))] = (checked, by)
        return out

    def to_frame(self, *, now: dt.datetime | None = None) -> pd.DataFrame:
        """The registry with state, since, reason, source and updated columns."""
        rows = [self.status(i, now=now) for i in self.equipment["id"]]
        return self.equipment.assign(
            state=[s.state for s in rows], since=[s.since for s in rows],
            reason=[s.reason for s in rows], status_source=[s.source for s in rows],
            updated=[s.updated for s in rows])

    def elevator_state(self, *, now: dt.datetime | None = None) -> dict[str, str]:
        """``pathway_id -> state`` for GTFS elevators and escalators (for the planner)."""
        pw = self.equipment.dropna(subset=["pathway_id"])
        return {p: self.status(i, now=now).state
                for i, p in zip(pw["id"], pw["pathway_id"], strict=True)}

    def osm_elevators(self, state: State, *, now: dt.datetime | None = None) -> list[str]:
        """OSM refs (``n123``/``w45``) of the OSM elevators in ``state``."""
        osm = self.equipment.dropna(subset=["osm_id"])
        return [o for i, o in zip(osm["id"], osm["osm_id"], strict=True)
                if self.status(i, now=now).state == state]


def closed_stops(registry: EquipmentRegistry, stop_access: pd.DataFrame) -> set[str]:
    """Stops whose step-free verdict relies on an OSM elevator that is out of service.

    ``stop_access`` is :func:`stufenlos.transit.stops.conflate_stop_access` output (its
    ``elevator`` column).
    """
    if "elevator" not in stop_access.columns:
        return set()
    broken = set(registry.osm_elevators("INACTIVE"))
    hit = stop_access["elevator"].isin(broken).to_numpy()
    return set(stop_access.loc[hit, "stop_id"])


def apply_to_closures(
    registry: EquipmentRegistry, closures: ClosureStore, *, network: Network | None = None
) -> tuple[int, int]:
    """Close OSM elevators that are out of service in the walking router; reopen the rest.

    This is the one place where equipment status meets walking routes. The
    closures have ``source="equipment"`` and the elevator's reference as their
    ``external_id``, so several processes polling the same feed store each
    outage once; only closures of this source are reopened. With ``network``,
    elevators that are not part of the walkable network are skipped. Returns
    (closed, reopened).
    """
    from sqlalchemy.exc import IntegrityError

    from stufenlos.closures import ClosureError

    ours = {c.ref: c for c in closures.active()
            if c.kind == "elevator" and c.source == "equipment"}
    inactive = registry.osm_elevators("INACTIVE")
    closed = reopened = 0
    for ref in inactive:
        osm_id = ref[1:]
        if osm_id in ours:
            continue
        st = registry.status(ref)
        try:
            item = closures.close("elevator", osm_id, until=st.until, source="equipment",
                                  reason=f"{OVERRIDE_REASON} {st.reason or 'out of service'}",
                                  actor="status feed", external_id=f"equipment:{ref}")
        except IntegrityError:
            continue  # another process stored the same outage a moment ago
        if network is not None:
            try:
                closures.resolve(network, item)
            except ClosureError:
                log.info("elevator %s is not in the walkable network; not closed", ref)
                closures.reopen(item.id, missing_ok=True)
                continue
        closed += 1
    still = {r[1:] for r in inactive}
    for osm_id, c in ours.items():
        if osm_id not in still:
            closures.reopen(c.id, missing_ok=True)
            reopened += 1
    return closed, reopened
