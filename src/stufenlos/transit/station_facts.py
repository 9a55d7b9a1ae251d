"""Step-free facts about the stations of a city, from its ``stations`` inputs.

The DB Station&Service station list (StaDa, ``db-stations`` NDJSON) says per
station whether it has step-free access. This module reads the stations that
lie on or near a city's imported network, so the kiosk page and the API can
show them without a timetable.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stufenlos.config import CityConfig
from stufenlos.errors import InputFileError

__all__ = ["Station", "read_stations", "slugify"]

logger = logging.getLogger(__name__)


def slugify(text: str) -> str:
    """A URL-safe lower-case name: ``"Hamburg Hbf (S)"`` -> ``"hamburg-hbf-s"``."""
    text = text.replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Station:
    """One station with the step-free facts its source gives."""

    id: str
    slug: str
    name: str
    lat: float
    lon: float
    step_free: str | None  # "yes", "no", "partial" or None (not stated)
    mobility_service: str | None
    operator: str | None
    address: str | None
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return dict(self.__dict__)


def _db_station(raw: dict[str, Any]) -> Station | None:
    loc = raw.get("location") or {}
    lat, lon = loc.get("latitude"), loc.get("longitude")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    name = str(raw.get("name") or raw.get("id"))
    addr = raw.get("address") or {}
    address = ", ".join(str(x) for x in (addr.get("street"), addr.get("zipcode"),
                                         addr.get("city")) if x) or None
    return Station(
        id=str(raw.get("id")), slug=slugify(name), name=name, lat=float(lat), lon=float(lon),
        step_free=raw.get("hasSteplessAccess"), mobility_service=raw.get("hasMobilityService"),
        operator=(raw.get("operator") or {}).get("name"), address=address,
        source="DB Station&Service AG (StaDa)",
    )


def _read_ndjson(path: Path) -> list[Station]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except ValueError as exc:
                raise InputFileError(path, f"not JSON: {exc}", where=f"line {lineno}") from None
            station = _db_station(raw) if isinstance(raw, dict) else None
            if station is not None:
                out.append(station)
    return out


def read_stations(
    config: CityConfig, *, bbox: tuple[float, float, float, float] | None = None
) -> list[Station]:
    """The stations of ``config``'s ``stations`` inputs, optionally inside a lon/lat ``bbox``.

    Stations are sorted by name; a slug shared by two stations gets the id appended.
    """
    found: list[Station] = []
    for path in config.input_paths("stations"):
        if not path.exists():
            logger.warning("%s: station input missing", path)
            continue
        found.extend(_read_ndjson(path))
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        found = [s for s in found if x0 <= s.lon <= x1 and y0 <= s.lat <= y1]
    found.sort(key=lambda s: (s.name, s.id))
    seen: dict[str, int] = {}
    for s in found:
        seen[s.slug] = seen.get(s.slug, 0) + 1
    return [s if seen[s.slug] == 1 else Station(**{**s.__dict__, "slug": f"{s.slug}-{s.id}"})
            for s in found]
