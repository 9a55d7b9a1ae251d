"""What a person needs from public transport: :class:`TransitProfile` and its presets."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from stufenlos.errors import StufenlosError
from stufenlos.profiles import PRESETS, Profile

__all__ = ["TRANSIT_PROFILES", "TransitProfile", "UnknownPolicy", "transit_profile"]

UnknownPolicy = Literal["strict", "cautious", "optimistic"]


@dataclass(frozen=True)
class TransitProfile:
    """What a person needs from public transport.

    Parameters
    ----------
    name
        Profile name (for reports).
    step_free
        Board only accessible stops and trips; no stairs or escalators.
    speed_mps
        Walking or rolling speed on the flat.
    unknown_policy
        ``strict``: unknown accessibility counts as not accessible and elevators
        of unknown status as out of service; ``cautious``: unknown is used, flagged,
        and elevators of unknown status cost ``elevator_wait_s`` extra;
        ``optimistic``: unknown is used and flagged.
    max_walk_m
        Longest walk to the first and from the last stop.
    max_transfer_m
        Longest walk between two stops when changing.
    min_change_s
        Extra time to change vehicles at the same stop.
    elevator_wait_s
        Expected wait for an elevator of unknown status (``cautious``).
    walk
        The walking profile (preset and the person's own limits) that walks to, between
        and from stops are routed with; ``None``: the preset called ``name``.
    """

    name: str = "standard"
    step_free: bool = False
    speed_mps: float = 1.3
    unknown_policy: UnknownPolicy = "optimistic"
    max_walk_m: float = 1000.0
    max_transfer_m: float = 400.0
    min_change_s: int = 0
    elevator_wait_s: float = 20.0
    walk: Profile | None = None

    def __post_init__(self) -> None:
        if self.unknown_policy not in ("strict", "cautious", "optimistic"):
            msg = ("`unknown_policy` must be strict, cautious or optimistic, "
                   f"got {self.unknown_policy!r}")
            raise StufenlosError(msg)
        if not 0.1 <= self.speed_mps <= 5:
            msg = f"`speed_mps` must be between 0.1 and 5, got {self.speed_mps}"
            raise StufenlosError(msg)

    def walking(self) -> Profile:
        """The walking profile walks are routed with: ``walk``, else the preset ``name``."""
        if self.walk is not None:
            return self.walk
        return PRESETS.get(self.name, PRESETS["standard"])


#: presets matching the walking profiles (speeds and unknown policy from PROFILES.md)
TRANSIT_PROFILES: dict[str, TransitProfile] = {
    "standard": TransitProfile(),
    "wheelchair": TransitProfile("wheelchair", True, 0.8, "cautious", 800.0, 300.0, 120),
    "electric_wheelchair": TransitProfile("electric_wheelchair", True, 1.4, "cautious",
                                          2000.0, 500.0, 120),
    "walker": TransitProfile("walker", True, 0.7, "cautious", 500.0, 250.0, 120),
    "older_pedestrian": TransitProfile("older_pedestrian", False, 0.9, "optimistic", 800.0,
                                       300.0, 60),
    "blind": TransitProfile("blind", False, 1.0, "optimistic", 1000.0, 400.0, 120),
    "pram": TransitProfile("pram", True, 1.2, "cautious", 1000.0, 400.0, 60),
}


def transit_profile(profile: str | TransitProfile | Any, **changes: Any) -> TransitProfile:
    """The transit needs of a profile name, :class:`TransitProfile` or walking profile.

    A walking profile (:class:`stufenlos.profiles.Profile`) is read by its
    ``name``, ``speed_mps``, ``max_steps``, ``wheels``, ``unknown_policy``,
    ``elevator_wait_s`` and ``max_distance_m``, and kept whole as ``walk`` so that
    walks are routed with all of its limits.
    """
    if isinstance(profile, TransitProfile):
        base = profile
    elif isinstance(profile, str):
        if profile in PRESETS:  # the walking preset is the one source of speeds and policy
            return transit_profile(PRESETS[profile], **changes)
        try:
            base = TRANSIT_PROFILES[profile]
        except KeyError:
            msg = f"unknown profile {profile!r}; choose one of {', '.join(TRANSIT_PROFILES)}"
            raise StufenlosError(msg) from None
    else:
        preset = TRANSIT_PROFILES.get(getattr(profile, "name", ""), TransitProfile())
        max_walk = getattr(profile, "max_distance_m", None)
        base = dataclasses.replace(
            preset,
            name=str(getattr(profile, "name", preset.name)),
            # Step-free: no steps at all, or on wheels where the preset avoids steps (pram).
            step_free=getattr(profile, "max_steps", None) == 0
            or (bool(getattr(profile, "wheels", False)) and preset.step_free),
            speed_mps=float(getattr(profile, "speed_mps", preset.speed_mps)),
            unknown_policy=getattr(profile, "unknown_policy", preset.unknown_policy),
            elevator_wait_s=float(getattr(profile, "elevator_wait_s", preset.elevator_wait_s)),
            max_walk_m=float(max_walk) if max_walk else preset.max_walk_m,
            walk=profile if isinstance(profile, Profile) else None,
        )
    return dataclasses.replace(base, **changes) if changes else base
