"""User profiles (wheelchair, walker, blind person, pram, ...) turned into edge costs.

:mod:`stufenlos.profiles.profile` holds the limits a person may change
(:data:`LIMITS`), :class:`Profile` and the presets; :mod:`stufenlos.profiles.costs`
turns a profile and a network into per-arc costs (:class:`EdgeCosts`).
"""

from stufenlos.profiles.costs import (
    LIMIT_BITS,
    SMOOTHNESS_LEVELS,
    UNKNOWN_KINDS,
    VIOLATION_PENALTY_S,
    EdgeCosts,
)
from stufenlos.profiles.profile import (
    LIMITS,
    NUMERIC_HARD,
    PRESETS,
    STRICTEST,
    Limit,
    Optimize,
    Profile,
    ProfileError,
    UnknownPolicy,
    get_profile,
)

__all__ = [
    "LIMITS",
    "LIMIT_BITS",
    "NUMERIC_HARD",
    "PRESETS",
    "SMOOTHNESS_LEVELS",
    "STRICTEST",
    "UNKNOWN_KINDS",
    "VIOLATION_PENALTY_S",
    "EdgeCosts",
    "Limit",
    "Optimize",
    "Profile",
    "ProfileError",
    "UnknownPolicy",
    "get_profile",
]
