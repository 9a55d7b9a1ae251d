"""The route answer: one GeoJSON Feature with a route's data and its sentences.

The HTTP API (JSON), the web planner, the information pillars and the command
line all answer with :func:`route_feature` (or its numbered plain text,
:func:`route_text`), so they say the same about the same route.

Languages are ``de``, ``en`` and ``ls`` (Leichte Sprache, easy-read German).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from stufenlos.text import directions, easy_read
from stufenlos.text.directions import LanguageError

if TYPE_CHECKING:
    from stufenlos.routing import Route

__all__ = ["LANGUAGES", "route_feature", "route_lines", "route_text"]

#: languages of the route answer
LANGUAGES = ("de", "en", "ls")


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
    if lang not in LANGUAGES:
        msg = f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}"
        raise LanguageError(msg)
    warnings = directions.warnings(route, lang=lang)
    warnings += [n for c in closures if (n := directions.closure_note(c, lang=lang)) is not None]
    steps = directions.steps(route, segments, lang=lang)
    if lang == "ls":
        return (easy_read.easy_read_summary(route), easy_read.easy_read_lines(warnings),
                easy_read.easy_read_steps(steps))
    return directions.summary(route, lang=lang), warnings, steps


def route_feature(route: Route, *, lang: str = "de",
                  closures: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
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

    Returns
    -------
    dict
        ``{"type": "Feature", "geometry": LineString or None, "properties": {...}}`` with
        the fields of :class:`stufenlos.api.schemas.RouteProperties`.
    """
    segs = route.segments()
    summary, warnings, steps = route_lines(route, lang=lang, segments=segs, closures=closures)
    listed = [{**c, "text": note} if (note := directions.closure_note(c, lang=lang))
              else dict(c) for c in closures]

    def point(s: Any) -> dict[str, float]:
        return {"lat": round(s.lat, 7), "lon": round(s.lon, 7),
                "snap_distance_m": round(s.distance_m, 1)}

    props: dict[str, Any] = {
        "status": route.status,
        "profile": route.profile.name,
        "optimize": route.optimize,
        "lang": lang,
        "distance_m": round(route.distance_m, 1),
        "duration_s": round(route.duration_s, 1),
        "cost_s": round(route.cost_s, 1),
        "limits": route.profile.limits(),
        "violations": route.violations(),
        "uncertain": route.uncertain(),
        "unknowns": {k: float(v) for k, v in route.unknowns().items()},  # all numbers
        "barriers": route.barriers(),
        "warnings": warnings,
        "summary": summary,
        "steps": steps,
        "origin": point(route.origin),
        "destination": point(route.destination),
        "segments": segs,
        "closures": listed,
        "connected_destination": (None if route.connected_destination is None
                                  else point(route.connected_destination)),
    }
    return {"type": "Feature", "geometry": route.geometry(), "properties": props}


def route_text(route: Route, *, lang: str = "en") -> str:
    """Every sentence of the route answer as numbered plain-text lines (for screen readers)."""
    summary, warnings, steps = route_lines(route, lang=lang)
    lines = [*summary, *warnings, *steps]
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1)) + "\n"
