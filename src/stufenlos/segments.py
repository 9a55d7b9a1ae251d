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


def barriers_on(segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Barriers and helps along a route, in order, from its segments."""
    out: list[dict[str, Any]] = []
    for i, seg in enumerate(segments):
        a = seg["attributes"]
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
        used = seg.get("kerb_cm_used") or [None, None]
        mapped = [a.get("kerb_u_m"), a.get("kerb_v_m")]
        for end, (h, raw) in enumerate(zip(used, mapped, strict=True)):
            if h is not None and not (end == 0 and i > 0 and _same_kerb(segments[i - 1], h)):
                out.append({**base, "kind": "kerb", "height_cm": h, "assumed": raw is None,
                            "osm_node_id": seg["osm_node_ids"][end]})
    return out


def _same_kerb(prev: dict[str, Any], h: float) -> bool:
    used = prev.get("kerb_cm_used") or [None, None]
    return used[1] == h
