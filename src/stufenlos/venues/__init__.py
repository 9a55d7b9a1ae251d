"""Places you can enter: venues (shops, doctors, toilets, cafés …) with their access and
entrances, read from the city's OSM input at import.

See :mod:`stufenlos.venues.kinds` (kinds in words, who can enter),
:mod:`stufenlos.venues.read` (reading and matching entrances) and
:mod:`stufenlos.venues.store` (the stored tables and their queries).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stufenlos.venues.kinds import enter_verdict, entrance_verdict, kind_text
from stufenlos.venues.read import read_extras
from stufenlos.venues.store import Venues, venues_of, write_venues

__all__ = ["Venues", "enter_verdict", "entrance_verdict", "import_venues", "kind_text",
           "read_extras", "venues_of", "write_venues"]


def import_venues(osm_paths: Sequence[Path], barriers: list[dict[str, Any]],
                  folder: Path) -> int:
    """At import: write the venues of ``osm_paths`` into ``folder`` and add
    ``last_checked``/``checked_by`` to the attributes of ``barriers`` (in place).

    Returns the number of venues.
    """
    wanted = {(b["osm_type"], int(b["osm_id"])) for b in barriers
              if b.get("osm_type") in ("node", "way") and b.get("osm_id")}
    extras = read_extras(osm_paths, wanted=wanted)
    for b in barriers:
        fresh = extras.fresh.get((b.get("osm_type"), b.get("osm_id")))  # type: ignore[arg-type]
        if fresh is not None:
            b["attributes"] = {**b["attributes"], "last_checked": fresh[0],
                               "checked_by": fresh[1]}
    venues = extras.venue_table()
    write_venues(folder, venues, extras.entrance_table(venues))
    return len(venues)
