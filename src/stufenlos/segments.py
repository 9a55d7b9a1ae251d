"""What a route passes: the kind of each way segment and the barriers and helps on it.

Works on the segment records of :meth:`stufenlos.routing.Route.segments`; the text
layer (:mod:`stufenlos.text`) words the same facts.
"""

from __future__ import annotations

from typing import Any

from stufenlos.ingest.areas import AREA_HIGHWAYS

__all__ = ["barriers_on", "way_kind"]


def way_kind(seg: dict[str, Any]) -> str:
    """``elevator``, ``steps``, ``crossing``, ``sidewalk``, ``pedestrian_area`` (along or
    across a square) or the segment's highway value (``_`` if it has none)."""
    a = seg["attributes"]
    if _KIND_KEYS.isdisjoint(a):  # most segments: their highway value
        highway = a.get("highway")
        return "steps" if highway == "steps" else str(highway or "_")
    if a.get("elevator"):
        return "elevator"
    if a.get("steps") or a.get("highway") == "steps":
        return "steps"
    if a.get("footway") == "crossing" or a.get("crossing"):
        return "crossing"
    if a.get("footway") == "sidewalk" or a.get("sidewalk"):
        return "sidewalk"
    if a.get("area") and a.get("highway") in AREA_HIGHWAYS:
        return "pedestrian_area"
    return str(a.get("highway") or "_")


#: the attributes that make :func:`way_kind` more than the highway value
_KIND_KEYS = frozenset({"elevator", "steps", "footway", "crossing", "sidewalk", "area"})


def barriers_on(segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Barriers and helps along a route, in order, from its segments."""
    out: list[dict[str, Any]] = []
    kerb_before = None  # the kerb at the end of the segment before
    for i, seg in enumerate(segments):
        a = seg["attributes"]
        used = seg.get("kerb_cm_used")
        if used is None and _BARRIER_KEYS.isdisjoint(a):  # most segments have none
            kerb_before = None
            continue
        base = {"segment": i, "osm_way_id": seg["osm_way_id"]}
        if a.get("steps"):
            out.append({**base, "kind": "steps", "step_count": a.get("step_count"),
                        "handrail": a.get("handrail"), "ramp_wheelchair": a.get("ramp_wheelchair")})
        if a.get("escalator"):
            out.append({**base, "kind": "escalator"})
        if a.get("elevator"):
            out.append({**base, "kind": "elevator"})
        if a.get("ramp") == 1 or a.get("ramp_wheelchair") == 1:
            out.append({**base, "kind": "ramp"})
        if way_kind(seg) == "crossing":
            out.append({**base, "kind": "crossing", "crossing": a.get("crossing"),
                        "signal_sound": a.get("signal_sound"),
                        "signal_vibration": a.get("signal_vibration"),
                        "tactile_paving": a.get("tactile_paving"),
                        "island": a.get("crossing_island")})
        if used is not None:
            mapped = (a.get("kerb_u_m"), a.get("kerb_v_m"))
            for end, (h, raw) in enumerate(zip(used, mapped, strict=True)):
                if h is not None and not (end == 0 and i > 0 and kerb_before == h):
                    out.append({**base, "kind": "kerb", "height_cm": h, "assumed": raw is None,
                                "osm_node_id": seg["osm_node_ids"][end]})
        kerb_before = None if used is None else used[1]
    return out


#: the attributes that make a segment a barrier or a help (:func:`barriers_on`)
_BARRIER_KEYS = frozenset({"steps", "escalator", "elevator", "ramp", "ramp_wheelchair",
                           "footway", "crossing"})
