"""Step-free routing on a pedestrian network: routes, matrices and reachable areas.

A :class:`Router` wraps one network. For each profile (and ``optimize`` mode) it
evaluates the profile's cost vector once, customises a contraction hierarchy
with it (see :mod:`stufenlos._graph`) and keeps both cached; live closures from
the city's :class:`~stufenlos.closures.ClosureStore` are applied to the cached
metrics as partial re-customisations before each query
(:mod:`stufenlos.routing.router`). The answers are :class:`Route`, :class:`Matrix`
and :class:`Reach` (:mod:`stufenlos.routing.results`).
"""

from stufenlos.routing.results import Matrix, Reach, Route
from stufenlos.routing.router import CLOSED_PENALTY_S, Router, RoutingError, parse_latlon
from stufenlos.snap import Snap

__all__ = [
    "CLOSED_PENALTY_S",
    "Matrix",
    "Reach",
    "Route",
    "Router",
    "RoutingError",
    "Snap",
    "parse_latlon",
]
