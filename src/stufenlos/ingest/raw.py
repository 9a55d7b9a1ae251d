"""The plain tables every OSM-like reader produces, whatever the file format."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["NODE_KEYS", "RawOsm", "RawWay", "is_candidate_way", "is_rest_point"]

#: node keys worth keeping (barriers, kerbs, crossings, elevators, rest points, stops)
NODE_KEYS = frozenset({
    "barrier", "kerb", "kerb:height", "kerb:left", "kerb:right", "kerb:both", "sloped_curb",
    "curb", "highway", "crossing", "crossing:island", "crossing:markings", "crossing_ref",
    "tactile_paving", "traffic_signals:sound", "traffic_signals:vibration",
    "traffic_signals:arrow", "button_operated", "wheelchair", "width", "maxwidth:physical",
    "level", "amenity", "leisure", "bench", "entrance", "door", "automatic_door", "ramp",
    "ramp:wheelchair", "name", "public_transport", "railway", "indoor", "conveying",
    "access", "foot", "opening_hours", "step_count", "shelter", "ref",
})  # fmt: skip
#: node keys whose presence makes a node a graph node (an edge ends there)
SPLIT_KEYS = frozenset({
    "barrier", "kerb", "kerb:height", "sloped_curb", "curb", "crossing", "tactile_paving",
    "traffic_signals:sound", "traffic_signals:vibration", "entrance",
})  # fmt: skip
SPLIT_HIGHWAY = frozenset({"crossing", "traffic_signals", "elevator", "steps", "give_way", "stop"})


@dataclass(slots=True)
class RawWay:
    """One way: its node ids, their lon/lat, its tags, and whether it is a closed area.

    A multipolygon relation (a square with holes) comes as one closed way per ring,
    all with the relation's tags and minus the relation's id; ``inner`` marks holes.
    """

    id: int
    nodes: np.ndarray  # int64 node ids (synthetic negative ids where the source has none)
    coords: np.ndarray  # (k, 2) float64 lon, lat
    tags: dict[str, str]
    area: bool = False
    inner: bool = False


@dataclass
class RawOsm:
    """What a reader found: candidate ways, tagged nodes and rest points."""

    source: str
    ways: list[RawWay] = field(default_factory=list)
    node_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    node_coords: dict[int, tuple[float, float]] = field(default_factory=dict)
    #: rest points (benches, picnic tables, stops with a bench): lon, lat
    rest_points: list[tuple[float, float]] = field(default_factory=list)
    #: ways dropped because part of their geometry lay outside the extract
    clipped_nodes: int = 0


def is_candidate_way(tags: dict[str, str]) -> bool:
    """Whether a way may be walkable at all (the full rules live in the network builder)."""
    return (
        "highway" in tags
        or tags.get("railway") == "platform"
        or tags.get("public_transport") == "platform"
    )


def is_rest_point(tags: dict[str, str]) -> bool:
    """Benches, picnic tables and stops or shelters with a bench."""
    return (
        tags.get("amenity") == "bench"
        or tags.get("leisure") in ("picnic_table", "bench")
        or tags.get("bench") == "yes"
    )


def node_is_significant(tags: dict[str, str]) -> bool:
    """Whether a node's tags make it a graph node (barrier, kerb, crossing, elevator ...)."""
    if any(k in tags for k in SPLIT_KEYS):
        return True
    return tags.get("highway") in SPLIT_HIGHWAY
