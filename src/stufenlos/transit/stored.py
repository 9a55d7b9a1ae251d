"""What an import stores of a city's public transport, so that no request builds it.

``stufenlos import`` writes, beside the validated feed copy in ``<city>/transit``:

* ``stop_access.parquet`` — the stop verdicts conflated from GTFS, OSM and DB
  station data (:func:`stufenlos.transit.stops.stop_access_for_city`);
* ``equipment.parquet`` — the elevators mapped in OSM (the equipment registry
  before any status);
* ``street_walks.parquet`` — router walking times between nearby street stops for
  every transit preset (:func:`stufenlos.transit.footpaths.street_walks`);
* ``transit.json`` — time zone and format, written last: without it nothing here
  is used.

They live in the import folder, which an import swaps whole, so they change
with the import and only then. :func:`read_stored_transit` gives ``None`` (and
logs why) when they are missing or unreadable; the caller then builds from the
city's inputs as before.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from stufenlos._util import atomic_write_bytes

if TYPE_CHECKING:
    import os

    from stufenlos.config import CityConfig
    from stufenlos.ingest.gtfs import Feed
    from stufenlos.routing import Router

__all__ = ["StoredTransit", "read_stored_transit", "write_stored_transit"]

log = logging.getLogger(__name__)

#: changes when the files change meaning; older imports are then built from inputs
FORMAT = 1
_MANIFEST = "transit.json"
_COLUMNS = {
    "stop_access": ("stop_id", "code", "step_free", "source", "detail", "elevator"),
    "equipment": ("id", "kind", "source", "name", "lon", "lat", "station_id", "pathway_id",
                  "osm_id"),
    "street_walks": ("key", "from_stop_id", "to_stop_id", "seconds"),
}


@dataclass(frozen=True, eq=False)
class StoredTransit:
    """A city's stored public transport artefacts (see the module docstring)."""

    feed_path: Path
    timezone: str
    stop_access: pd.DataFrame
    equipment: pd.DataFrame
    street_walks: pd.DataFrame


def write_stored_transit(
    config: CityConfig, folder: str | os.PathLike[str], feed_path: Path, router: Router,
    *, feed: Feed | None = None,
) -> dict[str, Any]:
    """Build and store the stop verdicts, OSM elevators and street walks of ``config``.

    Parameters
    ----------
    config
        The city being imported.
    folder
        Its new ``transit`` folder (holding the validated ``feed_path``).
    feed_path
        The validated feed copy.
    router
        A router on the new network (without live closures).
    feed
        The feed at ``feed_path`` if the caller has it open already (all dates, as
        :func:`~stufenlos.ingest.gtfs.import_feed` validated it): its tables are
        not read again.

    Returns
    -------
    dict
        What was stored: verdict counts and walk pairs per preset.
    """
    from stufenlos.ingest.gtfs import read_feed
    from stufenlos.transit.equipment import EquipmentRegistry
    from stufenlos.transit.footpaths import street_walks, walk_key
    from stufenlos.transit.profile import TRANSIT_PROFILES
    from stufenlos.transit.stops import read_osm_stop_features, stop_access_for_city
    from stufenlos.transit.timetable import Timetable
    from stufenlos.transit.walk import RouterWalker

    out = Path(folder)
    if feed is None:
        feed = read_feed(feed_path)
    timezone = (str(feed.agency["agency_timezone"].iloc[0]) if len(feed.agency)
                else config.timezone)
    osm_paths = [p for p in config.input_paths("osm") if p.suffix in (".pbf", ".osm", ".bz2")]
    osm = read_osm_stop_features(osm_paths[0]) if osm_paths else None
    access = stop_access_for_city(config, osm=osm, feed=feed)
    equipment = EquipmentRegistry.from_sources(osm=osm).equipment
    # Walks between stops depend on the stops, not on the day: one timetable serves all.
    period = feed.service_period()
    day = period[0] if period else dt.date.today()
    tt = Timetable(feed, day, timezone=timezone, walker=RouterWalker(router))
    walks, pairs = [], {}
    ids = tt.stops["stop_id"].to_numpy()
    for name, profile in TRANSIT_PROFILES.items():
        key = walk_key(profile)
        if key in pairs:
            continue
        a, b, w = street_walks(tt, profile)
        pairs[key] = len(a)
        walks.append(pd.DataFrame({"key": key, "from_stop_id": ids[a], "to_stop_id": ids[b],
                                   "seconds": w}))
        log.info("stored %d street walks between stops for %s", len(a), name)
    access.to_parquet(out / "stop_access.parquet", index=False)
    equipment.to_parquet(out / "equipment.parquet", index=False)
    pd.concat(walks, ignore_index=True).to_parquet(out / "street_walks.parquet", index=False)
    manifest = {"format": FORMAT, "timezone": timezone, "walk_pairs": pairs}
    atomic_write_bytes(out / _MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"))
    return {"stop_verdicts": int((access["code"] > 0).sum()), "walk_profiles": len(pairs)}


def read_stored_transit(folder: str | os.PathLike[str]) -> StoredTransit | None:
    """The artefacts an import stored in ``folder`` (``None`` if there are none usable)."""
    src = Path(folder)
    manifest = src / _MANIFEST
    if not manifest.exists():
        log.info("%s: no stored transit artefacts; building them from the inputs", src)
        return None
    try:
        meta = json.loads(manifest.read_text("utf-8"))
        if meta.get("format") != FORMAT:
            msg = f"format {meta.get('format')!r}, this version reads {FORMAT}"
            raise ValueError(msg)
        feed_path = src / "gtfs.zip"
        if not feed_path.is_file():
            msg = f"{feed_path.name} is missing"
            raise ValueError(msg)
        stored = StoredTransit(
            feed_path=feed_path, timezone=str(meta["timezone"]),
            stop_access=pd.read_parquet(src / "stop_access.parquet"),
            equipment=pd.read_parquet(src / "equipment.parquet"),
            street_walks=pd.read_parquet(src / "street_walks.parquet"))
        for what, table in (("stop_access", stored.stop_access),
                            ("equipment", stored.equipment),
                            ("street_walks", stored.street_walks)):
            missing = sorted(set(_COLUMNS[what]) - set(table.columns))
            if missing:
                msg = f"{what}.parquet lacks {', '.join(missing)}"
                raise ValueError(msg)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: stored transit artefacts are unusable (%s); building them from the "
                    "inputs", src, exc)
        return None
    return stored
