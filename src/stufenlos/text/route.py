"""The route answer: one GeoJSON Feature with a route's data and its sentences.

The HTTP API (JSON), the web planner, the information pillars and the command
line all answer with :func:`route_feature` (or its numbered plain text,
:func:`route_text`), so they say the same about the same route.

Languages are ``de``, ``en`` and ``ls`` (Leichte Sprache, easy-read German).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from stufenlos.text import directions, easy_read
from stufenlos.text.directions import LanguageError

if TYPE_CHECKING:
    from stufenlos.profiles import Profile
    from stufenlos.routing import Route

__all__ = ["LANGUAGES", "ROUTE_PARTS", "route_feature", "route_lines", "route_text"]

#: languages of the route answer
LANGUAGES = ("de", "en", "ls")

#: the parts of a route answer a client may ask for (``include``) and the properties each
#: brings; ``geometry`` is the Feature's line (``null`` when left out). The status,
#: profile, distance, duration, cost, end points and place are always given.
ROUTE_PARTS: dict[str, tuple[str, ...]] = {
    "summary": ("limits", "unknowns", "warnings", "summary", "closures"),
    "geometry": (),
    "violations": ("violations", "uncertain"),
    "steps": ("steps",),
    "segments": ("segments",),
    "barriers": ("barriers", "stale"),
}

#: the properties given only with their part
_OPTIONAL = frozenset(key for keys in ROUTE_PARTS.values() for key in keys)


def route_lines(route: Route, *, lang: str = "de",
                segments: list[dict[str, Any]] | None = None,
                closures: Sequence[Mapping[str, Any]] = ()
                ) -> tuple[list[str], list[str], list[str]]:
    """The sentences about ``route`` in ``lang``.

    Parameters
    ----------
    route
        The route.
    lang
        ``de``, ``en`` or ``ls`` (easy-read German).
    segments
        ``route.segments()``, if already at hand.
    closures
        Live closures that changed the route; those made by a report are named
        in the warnings ("Umweg wegen Meldung 3: …").

    Returns
    -------
    summary, warnings, steps
        Summary sentences; warnings that are not broken limits, then the reports
        behind closures; one line per step ending with the arrival
        (empty when there is no route).

    Raises
    ------
    LanguageError
        For any other language.
    """
    return _lines(route, lang, segments, closures, steps=True)


def _lines(route: Route, lang: str, segments: list[dict[str, Any]] | None,
           closures: Sequence[Mapping[str, Any]], *, steps: bool, summary: bool = True
           ) -> tuple[list[str], list[str], list[str]]:
    """:func:`route_lines`; without ``steps`` the steps are not written (empty), without
    ``summary`` neither the summary nor the warnings."""
    if lang not in LANGUAGES:
        msg = f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}"
        raise LanguageError(msg)
    if not summary:
        lines = directions.steps(route, segments, lang=lang) if steps else []
        return [], [], easy_read.easy_read_steps(lines) if lang == "ls" else lines
    warnings = directions.warnings(route, lang=lang)
    warnings += [n for c in closures if (n := directions.closure_note(c, lang=lang)) is not None]
    lines = directions.steps(route, segments, lang=lang) if steps else []
    if lang == "ls":
        return (easy_read.easy_read_summary(route), easy_read.easy_read_lines(warnings),
                easy_read.easy_read_steps(lines) if steps else [])
    return directions.summary(route, lang=lang), warnings, lines


def route_feature(route: Route, *, lang: str = "de",
                  closures: Sequence[Mapping[str, Any]] = (),
                  include: Collection[str] | None = None) -> dict[str, Any]:
    """The route answer as a GeoJSON Feature.

    Parameters
    ----------
    route
        The route.
    lang
        Language of ``summary``, ``warnings`` and ``steps``: ``de``, ``en`` or ``ls``.
    closures
        Live closures that changed the route (see
        :func:`stufenlos.api.views.closures_avoided`); each made by a report gets
        its sentence as ``text`` (also in ``warnings``).
    include
        The parts (keys of :data:`ROUTE_PARTS`) to give; ``None``: all. What is left
        out is not computed.

    Returns
    -------
    dict
        ``{"type": "Feature", "geometry": LineString or None, "properties": {...}}`` with
        the fields of :class:`stufenlos.api.schemas.RouteProperties`.
    """
    parts = ROUTE_PARTS.keys() if include is None else include
    wanted = {key for part in parts for key in ROUTE_PARTS[part]}
    text = "summary" in parts or "steps" in parts
    segs = (route.segments() if not {"segments", "barriers", "steps"}.isdisjoint(parts)
            else None)
    summary = warnings = steps = None
    if text:
        summary, warnings, steps = _lines(route, lang, segs, closures, steps="steps" in parts,
                                          summary="summary" in parts)

    def point(s: Any) -> dict[str, float]:
        return {"lat": round(s.lat, 7), "lon": round(s.lon, 7),
                "snap_distance_m": round(s.distance_m, 1)}

    # in the documented order; each value computed only when its part is asked for
    fields: dict[str, Any] = {
        "status": lambda: route.status,
        "profile": lambda: route.profile.name,
        "optimize": lambda: route.optimize,
        "lang": lambda: lang,
        "distance_m": lambda: round(route.distance_m, 1),
        "duration_s": lambda: round(route.duration_s, 1),
        "cost_s": lambda: round(route.cost_s, 1),
        "limits": lambda: _limits(route.profile),
        "violations": route.violations,
        "uncertain": route.uncertain,
        "unknowns": lambda: {k: float(v) for k, v in route.unknowns().items()},  # numbers
        "barriers": route.barriers,
        "warnings": lambda: warnings,
        "summary": lambda: summary,
        "steps": lambda: steps,
        "origin": lambda: point(route.origin),
        "destination": lambda: point(route.destination),
        "segments": lambda: segs,
        "closures": lambda: [{**c, "text": note} if (note := directions.closure_note(c, lang=lang))
                             else dict(c) for c in closures],
        "connected_destination": lambda: (None if route.connected_destination is None
                                          else point(route.connected_destination)),
    }
    props = {k: get() for k, get in fields.items() if k in wanted or k not in _OPTIONAL}
    geometry = route.geometry() if "geometry" in parts else None
    return {"type": "Feature", "geometry": geometry, "properties": props}


#: ``Profile.limits()`` of the profiles answered lately, by identity (a preset is the
#: same object in every answer): a copy costs a fifth of writing them out
_LIMITS: dict[int, tuple[Profile, dict[str, Any]]] = {}


def _limits(profile: Profile) -> dict[str, Any]:
    """``profile.limits()``, a fresh copy of the one worked out last for this profile."""
    hit = _LIMITS.get(id(profile))
    if hit is None or hit[0] is not profile:
        if len(_LIMITS) >= 64:  # custom profiles: a new object per request
            _LIMITS.clear()
        hit = _LIMITS[id(profile)] = (profile, profile.limits())
    return {k: v.copy() if isinstance(v, (list, dict)) else v for k, v in hit[1].items()}


def route_text(route: Route, *, lang: str = "en") -> str:
    """Every sentence of the route answer as numbered plain-text lines (for screen readers)."""
    summary, warnings, steps = route_lines(route, lang=lang)
    lines = [*summary, *warnings, *steps]
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1)) + "\n"
