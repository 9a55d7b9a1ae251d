"""Live closures of ways, segments, nodes, elevators and barriers, in the database.

A closure names the ground it closes by ids that survive a re-import — an OSM
way, a segment of a way (the way id and the OSM ids of its two end nodes, or
the end coordinates where the input has no node ids), an OSM node, an elevator
(its OSM way or node id) or a barrier id — never by arc numbers, which every
import renumbers. Each closure says where it comes from (``manual``,
``report``, ``equipment``, ``operator``), why, for which report (a field, not
a prefix in a text), since and until when, and who made it.

Closures live in the application database (SQLite by default, PostgreSQL by
``DATABASE_URL``), so every server process and the CLI see the same ones. A
counter per city (``closure_versions``) moves in the same transaction as any
change; :meth:`ClosureStore.closed_arcs` costs one small query while it has
not moved and re-resolves the keys against the current network when it has.
A re-import therefore needs no migration step: the keys still name the same
ground.
"""

from stufenlos.closures.keys import segment_keys
from stufenlos.closures.models import (
    KINDS,
    SOURCES,
    Closure,
    ClosureError,
    ClosureRow,
    ClosureVersion,
)
from stufenlos.closures.store import (
    ClosureState,
    ClosureStore,
    add_closure,
    bump,
    remove_report_closures,
    report_closures,
)

__all__ = [
    "KINDS",
    "SOURCES",
    "Closure",
    "ClosureError",
    "ClosureRow",
    "ClosureState",
    "ClosureStore",
    "ClosureVersion",
    "add_closure",
    "bump",
    "remove_report_closures",
    "report_closures",
    "segment_keys",
]
