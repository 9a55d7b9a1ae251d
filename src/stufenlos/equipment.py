"""Elevators and escalators: a registry with live status from SensorThings and JSON/CSV feeds.

The :class:`EquipmentRegistry` lists each elevator and escalator once, with
where it comes from (GTFS ``pathways``, OSM ``highway=elevator``, station
data) and its current status (``ACTIVE``, ``INACTIVE`` or ``UNKNOWN``, since
when, why, from which feed). Status comes from

* :class:`SensorThingsSource`: an OGC SensorThings API (Things, Datastreams,
  Observations -- the pattern of Hamburg's Urban Data Platform), reading the
  latest Observation of each Thing's Datastream;
* :class:`StatusFeedSource`: a simple JSON or CSV feed with the columns
  ``id, state, since, reason``;
* :meth:`EquipmentRegistry.set_status`: manual reports.

:class:`StatusPoller` polls a source and backs off after failures. Outages reach
the journey planner as :meth:`EquipmentRegistry.elevator_state` and the walking
router through :func:`apply_to_closures`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import httpx
import pandas as pd

from stufenlos.errors import InputFileError, StufenlosError

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping

    from stufenlos.closures import ClosureStore
    from stufenlos.network import Network
    from stufenlos.stops import OsmStopFeatures
    from stufenlos.transit import Timetable

__all__ = [
    "STATES",
    "EquipmentRegistry",
    "EquipmentStatus",
    "SensorThingsSource",
    "StatusFeedError",
    "StatusFeedSource",
    "StatusPoller",
    "StatusUpdate",
    "apply_to_closures",
    "closed_stops",
    "parse_state",
    "status_source",
]

log = logging.getLogger(__name__)

State = Literal["ACTIVE", "INACTIVE", "UNKNOWN"]
STATES: tuple[State, ...] = ("ACTIVE", "INACTIVE", "UNKNOWN")
#: prefix of the override reasons this module writes (so it only reopens its own)
OVERRIDE_REASON = "equipment status:"

# Words real feeds use for "in service" / "out of service" (DB FaSta, HOCHBAHN, SIRI-FM).
_ACTIVE = {"active", "1", "true", "yes", "in betrieb", "available", "operational", "ok",
           "in service", "working", "verfügbar", "notavailable_false"}
_INACTIVE = {"inactive", "0", "false", "no", "außer betrieb", "ausser betrieb", "defekt",
             "not available", "notavailable", "out of service", "outofservice", "broken",
             "gestört", "stoerung", "störung", "closed"}


class StatusFeedError(InputFileError):
    """A status feed answered with something that is not a status list."""


def parse_state(value: Any) -> State:
    """Map a feed's status value (bool, 0/1, words in de/en) to a state.

    Examples
    --------
    >>> parse_state(True), parse_state("außer Betrieb"), parse_state("maybe")
    ('ACTIVE', 'INACTIVE', 'UNKNOWN')
    """
    if isinstance(value, bool):
        return "ACTIVE" if value else "INACTIVE"
    text = str(value).strip().lower()
    if text in _ACTIVE:
        return "ACTIVE"
    if text in _INACTIVE:
        return "INACTIVE"
    return "UNKNOWN"


def _time(value: Any) -> dt.datetime | None:
    """Parse an ISO time or a SensorThings interval ("start/end": the end counts)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    text = str(value).split("/")[-1].replace("Z", "+00:00")
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class StatusUpdate:
    """One status report for one piece of equipment."""

    id: str
    state: State
    since: dt.datetime | None = None
    reason: str = ""
    until: dt.datetime | None = None


@dataclass
class EquipmentStatus:
    """The current status of one piece of equipment."""

    state: State = "UNKNOWN"
    since: dt.datetime | None = None
    reason: str = ""
    source: str = ""
    updated: dt.datetime | None = None
    until: dt.datetime | None = None


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
        # Feeds may name equipment by GTFS pathway id or OSM id as well as our id.
        self._alias: dict[str, str] = {}
        for row in self.equipment.itertuples():
            for alias in (row.pathway_id, row.osm_id):
                if isinstance(alias, str) and alias:
                    self._alias.setdefault(alias, row.id)

    # construction -------------------------------------------------------------------

    @classmethod
    def from_sources(
        cls, *, timetable: Timetable | None = None, osm: OsmStopFeatures | None = None,
        stations: pd.DataFrame | None = None,
    ) -> EquipmentRegistry:
        """Collect equipment from GTFS pathways, OSM elevators and station data.

        ``stations`` rows (id, name, lon, lat, kind) add station equipment such
        as DB FaSta elevators.
        """
        parts = []
        if timetable is not None:
            pw = timetable.pathways
            sel = pw[pw["mode"].isin([4, 5])]
            u = sel["u"].to_numpy()
            stop_ids = timetable.stops["stop_id"].to_numpy()
            station = timetable.parent_idx[u]
            parts.append(pd.DataFrame({
                "id": "gtfs:" + sel["pathway_id"].astype(str),
                "kind": ["elevator" if m == 5 else "escalator" for m in sel["mode"]],
                "source": "gtfs",
                "name": [timetable.names[i] for i in u],
                "lon": timetable.lon[u], "lat": timetable.lat[u],
                "station_id": [stop_ids[s] if s >= 0 else None for s in station],
                "pathway_id": sel["pathway_id"].astype(str).to_numpy(),
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

    # status ---------------------------------------------------------------------------

    def resolve(self, ref: str) -> str | None:
        """Our equipment id for an id, GTFS pathway id or OSM ref (``n123``)."""
        if (self.equipment["id"] == ref).any():
            return ref
        return self._alias.get(ref)

    def set_status(
        self, ref: str, state: State, *, since: dt.datetime | None = None, reason: str = "",
        source: str = "manual", until: dt.datetime | None = None,
    ) -> bool:
        """Record a status; returns whether the state changed. Unknown ids raise."""
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
                reason=reason, source=source, updated=now, until=until)
            if changed:
                self.version += 1
                log.info("%s is now %s (%s, %s)", eid, state, source, reason)
        return changed

    def apply(self, updates: Iterable[StatusUpdate], *, source: str) -> tuple[int, list[str]]:
        """Apply a feed's updates; returns (number changed, ids not in the registry)."""
        changed, unknown = 0, []
        for u in updates:
            if self.resolve(u.id) is None:
                unknown.append(u.id)
                continue
            changed += self.set_status(u.id, u.state, since=u.since, reason=u.reason,
                                       source=source, until=u.until)
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

    ``stop_access`` is :func:`stufenlos.stops.conflate_stop_access` output (its
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


# -- sources -------------------------------------------------------------------------


class StatusSource(Protocol):
    """Something that returns the current status list."""

    name: str

    def fetch(self) -> list[StatusUpdate]:
        """Fetch all status updates (raises on failure)."""
        ...


def _get_json(client: httpx.Client, url: str, params: Mapping[str, str] | None = None) -> Any:
    resp = client.get(url, params=params)
    resp.raise_for_status()
    try:
        return resp.json()
    except json.JSONDecodeError as exc:
        raise StatusFeedError(url, f"not JSON: {exc}") from None


@dataclass
class SensorThingsSource:
    """Status of elevators from an OGC SensorThings API (v1.0/v1.1).

    Each Thing is one elevator; its id is ``properties[id_property]`` (falling
    back to the Thing's ``name``). The latest Observation of its first
    Datastream (or of the one whose name contains ``datastream_name``) gives
    the state; ``parameters.reason`` (or ``resultQuality``) the reason.

    Parameters
    ----------
    base_url
        Service root, e.g. ``https://iot.hamburg.de/v1.1``.
    filter
        Optional OData ``$filter`` on Things.
    """

    base_url: str
    name: str = "sensorthings"
    id_property: str = "equipment_id"
    datastream_name: str | None = None
    filter: str | None = None
    timeout_s: float = 10.0
    max_pages: int = 50
    client: httpx.Client | None = field(default=None, repr=False)

    def fetch(self) -> list[StatusUpdate]:
        """Read all Things with their latest Observation, following ``@iot.nextLink``."""
        client = self.client or httpx.Client(timeout=self.timeout_s)
        params = {"$expand": "Datastreams($expand=Observations($orderby=phenomenonTime desc;"
                             "$top=1))"}
        if self.filter:
            params["$filter"] = self.filter
        url: str | None = self.base_url.rstrip("/") + "/Things"
        out: list[StatusUpdate] = []
        try:
            for _ in range(self.max_pages):
                if url is None:
                    break
                page = _get_json(client, url, params)
                params = None  # the next link carries its own query
                if not isinstance(page, dict) or not isinstance(page.get("value"), list):
                    raise StatusFeedError(url, "not a SensorThings collection (no `value` list)")
                for thing in page["value"]:
                    upd = self._update(client, thing)
                    if upd is not None:
                        out.append(upd)
                url = page.get("@iot.nextLink")
        finally:
            if self.client is None:
                client.close()
        return out

    def _update(self, client: httpx.Client, thing: dict[str, Any]) -> StatusUpdate | None:
        props = thing.get("properties") or {}
        eid = props.get(self.id_property) or thing.get("name")
        if not eid:
            return None
        streams = thing.get("Datastreams")
        if streams is None and thing.get("Datastreams@iot.navigationLink"):
            streams = _get_json(client, thing["Datastreams@iot.navigationLink"]).get("value", [])
        streams = streams or []
        if self.datastream_name:
            streams = [s for s in streams if self.datastream_name in str(s.get("name", ""))]
        if not streams:
            return StatusUpdate(str(eid), "UNKNOWN", reason="no datastream")
        ds = streams[0]
        obs = ds.get("Observations")
        if obs is None and ds.get("Observations@iot.navigationLink"):
            obs = _get_json(client, ds["Observations@iot.navigationLink"],
                            {"$orderby": "phenomenonTime desc", "$top": "1"}).get("value", [])
        if not obs:
            return StatusUpdate(str(eid), "UNKNOWN", reason="no observation")
        o = obs[0]
        params = o.get("parameters") or {}
        quality = o.get("resultQuality")
        reason = params.get("reason") or (quality if isinstance(quality, str) else "") or ""
        return StatusUpdate(str(eid), parse_state(o.get("result")),
                            since=_time(o.get("phenomenonTime") or o.get("resultTime")),
                            reason=str(reason), until=_time(params.get("until")))


@dataclass
class StatusFeedSource:
    """A simple status feed: JSON (a list, or ``{"equipment": [...]}``) or CSV.

    Records have ``id``, ``state`` (ACTIVE/INACTIVE/UNKNOWN or words
    :func:`parse_state` knows), ``since`` (ISO time), ``reason`` and optionally
    ``until``. ``url`` may be an ``http(s)://`` URL or a file path.
    """

    url: str
    name: str = "status-feed"
    timeout_s: float = 10.0
    client: httpx.Client | None = field(default=None, repr=False)

    def fetch(self) -> list[StatusUpdate]:
        """Read and parse the feed."""
        if self.url.startswith(("http://", "https://")):
            client = self.client or httpx.Client(timeout=self.timeout_s)
            try:
                resp = client.get(self.url)
                resp.raise_for_status()
                text = resp.text
                ctype = resp.headers.get("content-type", "")
            finally:
                if self.client is None:
                    client.close()
        else:
            try:
                text = Path(self.url).read_text(encoding="utf-8")
            except FileNotFoundError:
                raise StatusFeedError(self.url, "no such status file") from None
            ctype = "text/csv" if self.url.endswith(".csv") else "application/json"
        return parse_status_feed(text, where=self.url, csv_format="csv" in ctype)


def parse_status_feed(text: str, *, where: str, csv_format: bool = False) -> list[StatusUpdate]:
    """Parse a JSON or CSV status feed; errors name the record and field."""
    if csv_format or not text.lstrip().startswith(("[", "{")):
        records = list(csv.DictReader(io.StringIO(text)))
        first_line = 2
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StatusFeedError(where, f"not JSON: {exc}") from None
        records = data.get("equipment", data.get("value")) if isinstance(data, dict) else data
        if not isinstance(records, list):
            raise StatusFeedError(where, "expected a list of status records")
        first_line = 0
    out = []
    for i, rec in enumerate(records):
        at = f"line {i + first_line}" if first_line else f"record {i}"
        if not isinstance(rec, dict) or not rec.get("id"):
            raise StatusFeedError(where, "missing `id`", where=at)
        raw_state = rec.get("state")
        if raw_state in (None, ""):
            raise StatusFeedError(where, "missing `state`", where=f"{at}, field `state`")
        since = _time(rec.get("since"))
        if rec.get("since") and since is None:
            raise StatusFeedError(where, f"`since` is not an ISO time: {rec['since']!r}",
                                  where=f"{at}, field `since`")
        out.append(StatusUpdate(str(rec["id"]), parse_state(raw_state), since=since,
                                reason=str(rec.get("reason") or ""),
                                until=_time(rec.get("until"))))
    return out


def status_source(url: str) -> SensorThingsSource | StatusFeedSource:
    """The source for a feed address: ``sensorthings+https://...`` or a JSON/CSV URL or file."""
    if url.startswith("sensorthings+"):
        return SensorThingsSource(url.removeprefix("sensorthings+"), name=url)
    return StatusFeedSource(url, name=url)


class StatusPoller:
    """Poll a status source into a registry, backing off after failures.

    Parameters
    ----------
    interval_s
        Seconds between polls while the source answers.
    max_backoff_s
        Longest wait after repeated failures (the wait doubles per failure).
    on_change
        Called with the registry after a poll that changed a state (e.g. a
        function that calls :func:`apply_to_closures`).
    """

    def __init__(
        self, source: StatusSource, registry: EquipmentRegistry, *, interval_s: float = 60.0,
        max_backoff_s: float = 900.0, on_change: Any = None,
    ) -> None:
        self.source = source
        self.registry = registry
        self.interval_s = interval_s
        self.max_backoff_s = max_backoff_s
        self.on_change = on_change
        self.failures = 0
        self.last_error: str | None = None
        self.last_success: dt.datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> float:
        """Fetch and apply once; return the seconds to wait before the next poll."""
        try:
            updates = self.source.fetch()
        except (httpx.HTTPError, StufenlosError, OSError, ValueError) as exc:
            self.failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            delay = min(self.interval_s * 2 ** self.failures, self.max_backoff_s)
            log.warning("%s failed (%d in a row), next try in %.0f s: %s", self.source.name,
                        self.failures, delay, self.last_error)
            return delay
        self.failures = 0
        self.last_error = None
        self.last_success = dt.datetime.now(dt.UTC)
        changed, _ = self.registry.apply(updates, source=self.source.name)
        if changed and self.on_change is not None:
            self.on_change(self.registry)
        return self.interval_s

    def start(self) -> None:
        """Poll in a background thread until :meth:`stop`."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.is_set():
                self._stop.wait(self.poll_once())

        self._thread = threading.Thread(target=loop, name=f"poll-{self.source.name}",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def load_status_file(path: str | os.PathLike[str]) -> list[StatusUpdate]:
    """Read a JSON or CSV status file."""
    return StatusFeedSource(str(path)).fetch()
