"""Live status of elevators and escalators: SensorThings and JSON/CSV feeds, and a poller.

* :class:`SensorThingsSource`: an OGC SensorThings API (Things, Datastreams,
  Observations -- the pattern of Hamburg's Urban Data Platform), reading the
  latest Observation of each Thing's Datastream;
* :class:`StatusFeedSource`: a simple JSON or CSV feed with the columns
  ``id, state, since, reason``.

:class:`StatusPoller` polls a source into an
:class:`~stufenlos.transit.equipment.EquipmentRegistry` and backs off after failures.
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
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from stufenlos.errors import InputFileError, StufenlosError
from stufenlos.transit.equipment import State, StatusUpdate

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from stufenlos.transit.equipment import EquipmentRegistry

__all__ = [
    "SensorThingsSource",
    "StatusFeedError",
    "StatusFeedSource",
    "StatusPoller",
    "StatusSource",
    "load_status_file",
    "parse_state",
    "parse_status_feed",
    "status_source",
]

log = logging.getLogger(__name__)

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
                            reason=str(reason), until=_time(params.get("until")),
                            checked=_time(o.get("resultTime") or o.get("phenomenonTime")))


@dataclass
class StatusFeedSource:
    """A simple status feed: JSON (a list, or ``{"equipment": [...]}``) or CSV.

    Records have ``id``, ``state`` (ACTIVE/INACTIVE/UNKNOWN or words
    :func:`parse_state` knows), ``since`` (ISO time), ``reason`` and optionally
    ``until`` and ``checked`` (when the operator observed the state; default the
    feed's own ``timestamp`` in a JSON object, else the time it is read).
    ``url`` may be an ``http(s)://`` URL or a file path.
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
        first_line, stamp = 2, None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StatusFeedError(where, f"not JSON: {exc}") from None
        stamp: dt.datetime | None = None
        records = data.get("equipment", data.get("value")) if isinstance(data, dict) else data
        if isinstance(data, dict) and data.get("timestamp"):
            stamp = _time(data["timestamp"])
            if stamp is None:
                raise StatusFeedError(where, f"`timestamp` is not an ISO time: "
                                             f"{data['timestamp']!r}")
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
        times: dict[str, dt.datetime | None] = {}
        for key in ("since", "checked"):
            times[key] = _time(rec.get(key))
            if rec.get(key) and times[key] is None:
                raise StatusFeedError(where, f"`{key}` is not an ISO time: {rec[key]!r}",
                                      where=f"{at}, field `{key}`")
        out.append(StatusUpdate(str(rec["id"]), parse_state(raw_state), since=times["since"],
                                reason=str(rec.get("reason") or ""),
                                until=_time(rec.get("until")),
                                checked=times["checked"] or stamp))
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
