"""Which OSM ways a pedestrian may use, and the way-level attributes of each.

The rules follow the OSM wiki's access conventions for pedestrians in Germany
and the tag mapping in the project's profile reference: roads are walked along
unless their sidewalks are mapped as separate ways (``sidewalk=separate``),
motorways never, cycleways only where foot traffic is allowed.
"""

from __future__ import annotations

import math

from stufenlos.ingest.tags import (
    normalise_smoothness,
    parse_count,
    parse_incline,
    parse_length_m,
    parse_yes_no,
)

__all__ = ["ROAD_HIGHWAYS", "WAY_COLUMNS", "walkable", "way_attributes"]

#: carriageways: pedestrians walk along them on a sidewalk or at the edge
ROAD_HIGHWAYS = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "service", "road", "busway",
})  # fmt: skip
_FOOT_HIGHWAYS = frozenset({
    "footway", "path", "pedestrian", "steps", "corridor", "elevator", "platform",
    "living_street", "track", "crossing", "bridleway", "access_ramp",
})  # fmt: skip
_NEVER = frozenset({"motorway", "motorway_link", "busway", "bus_guideway", "raceway",
                    "construction", "proposed", "abandoned", "disused", "razed", "escape",
                    "via_ferrata", "emergency_bay", "rest_area", "services"})  # fmt: skip
_FOOT_OK = frozenset({"yes", "designated", "permissive", "official"})
_FOOT_NO = frozenset({"no", "private", "use_sidepath", "discouraged_no"})
_ACCESS_NO = frozenset({"no", "private"})
_SIDEWALK_PRESENT = frozenset({"both", "left", "right", "yes"})
_INDOOR = frozenset({"yes", "room", "corridor", "area", "level"})

#: way-level attributes, in the order :func:`way_attributes` returns them
WAY_COLUMNS = (
    "highway", "footway", "name", "incline_pct", "incline_dir", "surface", "smoothness",
    "width_m", "steps", "step_count", "handrail", "ramp", "ramp_wheelchair", "ramp_stroller",
    "wheelchair", "tactile_paving", "crossing", "crossing_island", "signal_sound",
    "signal_vibration", "lit", "level", "indoor", "elevator", "escalator", "sidewalk",
    "oneway", "kerb_m", "is_crossing", "on_carriageway", "is_footpath",
)  # fmt: skip


def _sidewalk_state(tags: dict[str, str]) -> str | None:
    """``separate`` if the road's sidewalks are mapped as their own ways, else the
    sidewalk tag (both/left/right/no/yes) or ``None``."""
    sw = tags.get("sidewalk")
    both = tags.get("sidewalk:both")
    left, right = tags.get("sidewalk:left"), tags.get("sidewalk:right")
    if sw == "separate" or both == "separate":
        return "separate"
    if left or right:
        sides = {left or "no", right or "no"}
        if sides <= {"separate", "no", "none"} and "separate" in sides:
            return "separate"
        present = [s for s, v in (("left", left), ("right", right)) if v in ("yes", "separate")]
        if len(present) == 2:
            return "both"
        if present:
            return present[0]
        return "no"
    if both in ("yes", "no"):
        return "both" if both == "yes" else "no"
    if sw == "none":
        return "no"
    return sw


def walkable(tags: dict[str, str]) -> tuple[bool, str]:
    """Whether a pedestrian may use a way, with the reason when not."""
    hw = tags.get("highway")
    foot = tags.get("foot")
    if hw is None:
        if tags.get("railway") == "platform" or tags.get("public_transport") == "platform":
            return (foot not in _FOOT_NO), "foot=no"
        return False, "not a highway"
    if hw in _NEVER:
        return False, f"highway={hw}"
    if foot in _FOOT_NO:
        return False, f"foot={foot}"
    if tags.get("access") in _ACCESS_NO and foot not in _FOOT_OK:
        return False, f"access={tags['access']}"
    if hw in ROAD_HIGHWAYS:
        if _sidewalk_state(tags) == "separate":
            return False, "sidewalk mapped separately"
        if hw in ("trunk", "trunk_link"):
            ok = foot in _FOOT_OK or _sidewalk_state(tags) in _SIDEWALK_PRESENT
            return ok, "trunk road without sidewalk"
        return True, ""
    if hw == "cycleway":
        ok = foot in _FOOT_OK or "segregated" in tags
        return ok, "cycleway without foot access"
    if hw in _FOOT_HIGHWAYS:
        return True, ""
    return False, f"highway={hw} not walkable"


def _first(tags: dict[str, str], *keys: str) -> str | None:
    for k in keys:
        v = tags.get(k)
        if v is not None and v != "":
            return v
    return None


def _sidewalk_value(tags: dict[str, str], what: str) -> str | None:
    """A sidewalk sub-tag (``surface``, ``width``, ...), both sides before one side."""
    return _first(
        tags,
        f"sidewalk:both:{what}",
        f"sidewalk:{what}",
        f"sidewalk:left:{what}",
        f"sidewalk:right:{what}",
    )


def way_attributes(tags: dict[str, str]) -> tuple[object, ...]:
    """Way-level attributes in :data:`WAY_COLUMNS` order; unknown values are nulls."""
    from stufenlos.ingest.tags import kerb_from_tags  # local: keeps import graph flat

    hw = tags.get("highway") or "platform"
    is_road = hw in ROAD_HIGHWAYS
    sidewalk = _sidewalk_state(tags) if is_road else None
    on_sidewalk = is_road and sidewalk in _SIDEWALK_PRESENT
    footway = tags.get("footway")
    is_crossing = (hw == "crossing" or footway == "crossing" or tags.get("path") == "crossing"
                   or tags.get("cycleway") == "crossing")  # fmt: skip
    if on_sidewalk:
        # walking on the sidewalk: the carriageway's surface and width do not apply
        surface = _sidewalk_value(tags, "surface")
        width = parse_length_m(_sidewalk_value(tags, "width"))
        smooth = normalise_smoothness(_sidewalk_value(tags, "smoothness"))
    else:
        surface = tags.get("surface")
        width = parse_length_m(_first(tags, "width", "est_width"))
        smooth = normalise_smoothness(tags.get("smoothness"))
    if surface:
        surface = surface.strip().lower().split(";")[0]
    elif hw == "track" and tags.get("tracktype") in ("grade3", "grade4", "grade5"):
        surface = "unpaved"  # wiki: grade3+ tracks are unpaved mixes of soil and gravel
    elif "sac_scale" in tags:
        surface = "unpaved"
    incline_pct, incline_dir = parse_incline(tags.get("incline"))
    steps = hw == "steps"
    conveying = tags.get("conveying")
    escalator = steps and conveying not in (None, "no")
    if steps:
        incline_pct = math.nan  # on steps `incline` only gives the direction
    handrails = [
        parse_yes_no(tags.get(k))
        for k in ("handrail", "handrail:left", "handrail:right", "handrail:center")
    ]
    known = [h for h in handrails if not math.isnan(h)]
    handrail = max(known) if known else math.nan
    oneway = tags.get("oneway:foot")
    if escalator:
        oneway = {"forward": "yes", "backward": "-1"}.get(conveying or "")
    elif oneway not in ("yes", "-1"):
        oneway = None
    wheelchair = tags.get("wheelchair")
    if wheelchair not in ("yes", "limited", "no", "designated"):
        wheelchair = None
    tactile = tags.get("tactile_paving")
    if tactile not in ("yes", "no", "partial", "incorrect"):
        tactile = None
    crossing = tags.get("crossing")
    if not is_crossing and crossing is None:
        crossing = None
    name = _first(tags, "name", "ref")
    level = tags.get("level")
    return (
        hw,
        footway if footway else ("crossing" if is_crossing else None),
        name,
        incline_pct,
        incline_dir,
        surface,
        smooth,
        width,
        steps,
        parse_count(tags.get("step_count")) if steps else math.nan,
        handrail,
        parse_yes_no(tags.get("ramp")),
        parse_yes_no(tags.get("ramp:wheelchair")),
        parse_yes_no(_first(tags, "ramp:stroller", "ramp:pram")),
        wheelchair,
        tactile,
        crossing,
        parse_yes_no(tags.get("crossing:island")),
        parse_yes_no(tags.get("traffic_signals:sound")),
        parse_yes_no(tags.get("traffic_signals:vibration")),
        parse_yes_no(tags.get("lit")),
        level,
        tags.get("indoor") in _INDOOR or hw == "corridor",
        hw == "elevator",
        escalator,
        sidewalk,
        oneway,
        kerb_from_tags(tags) if is_crossing else math.nan,
        is_crossing,
        is_road and not on_sidewalk,
        hw in ("footway", "path", "pedestrian", "steps", "corridor", "bridleway", "cycleway")
        and not is_crossing,
    )
