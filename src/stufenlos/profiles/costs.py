"""How a :class:`~stufenlos.profiles.Profile` becomes per-arc costs, in one vectorised pass.

Hard limits are not infinite costs: a violating arc gets a large penalty
(:data:`VIOLATION_PENALTY_S` plus a severity term), so one search yields the route
that breaks the fewest, then the least severe, limits when no compliant route
exists. Unknown values: ``strict`` treats them as barriers, ``cautious`` assumes the
German design rules (3 cm at a mapped crossing, a raised kerb where a footway meets a
road elsewhere) and charges for the doubt, ``optimistic`` assumes the usable case.
Every assumed value is counted on the route, and for every limit an arc breaks (or meets
exactly) it is kept whether the deciding value was mapped or assumed, and which value was
assumed (:attr:`EdgeCosts.assumed_bits`, :attr:`EdgeCosts.at_limit_bits`,
:attr:`EdgeCosts.assumed_value`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from stufenlos.profiles.columns import (  # noqa: F401 - the vocabulary, also read from here
    _CROSSING_MARKED,
    _CROSSING_SIGNALS,
    _CROSSING_UNMARKED,
    _SMOOTH_RANK,
    _UNPAVED_HIGHWAYS,
    SMOOTHNESS_LEVELS,
    UNKNOWN_KINDS,
    Columns,
)

if TYPE_CHECKING:
    from stufenlos.profiles.profile import Profile

__all__ = [
    "LIMIT_BITS",
    "SMOOTHNESS_LEVELS",
    "UNKNOWN_KINDS",
    "VIOLATION_PENALTY_S",
    "EdgeCosts",
    "FlipIndex",
    "union",
]

#: cost added per arc that breaks a hard limit, so that fewer violations always win
VIOLATION_PENALTY_S = 100_000.0
#: cost per unit of severity on top of the penalty (capped at ``_MAX_SEVERITY_S``)
_SEVERITY_S = 600.0
_MAX_SEVERITY_S = 20_000.0

# Smoothness assumed from the surface when smoothness is not tagged.
_SMOOTH_FROM_SURFACE = {
    "asphalt": "good", "concrete": "good", "concrete:plates": "good", "paving_stones": "good",
    "sett": "bad", "cobblestone": "very_bad", "unhewn_cobblestone": "very_bad",
    "compacted": "intermediate", "fine_gravel": "intermediate", "gravel": "bad",
    "pebblestone": "bad", "unpaved": "bad", "ground": "bad", "dirt": "bad", "earth": "bad",
    "grass": "very_bad", "sand": "very_bad", "mud": "horrible", "grass_paver": "bad",
    "woodchips": "bad", "metal": "good", "wood": "intermediate", "rubber": "good",
    "tartan": "good", "artificial_turf": "intermediate",
}  # fmt: skip


#: hard limits, as bits of :attr:`EdgeCosts.violation_bits`: the hard limits of
#: :data:`~stufenlos.profiles.LIMITS` (each names its bit here) and the conditions a
#: person does not set (``wheelchair=no``, elevator, closure)
LIMIT_BITS: dict[str, int] = {
    "max_steps": 1 << 0,
    "max_incline_pct": 1 << 1,
    "max_kerb_cm": 1 << 2,
    "min_width_m": 1 << 3,
    "avoid_surfaces": 1 << 4,
    "min_smoothness": 1 << 5,
    "wheelchair_no": 1 << 6,
    "elevator": 1 << 7,
    "closed": 1 << 8,
}

@dataclass(frozen=True, eq=False)
class EdgeCosts:
    """Per-arc results of :meth:`Profile.evaluate` (arrays of length ``n_edges``).

    Attributes
    ----------
    cost_s
        Search cost: travel time, preference costs (comfort) and violation penalties.
    time_s
        Estimated travel time of this person.
    violation_bits
        Which hard limits the arc breaks (see :data:`LIMIT_BITS`).
    severity
        Per limit name, by how much each arc breaks it (0 where it does not), in the
        limit's unit (percent, cm, m, steps, smoothness levels).
    unknown_bits
        Which values were assumed (see :data:`UNKNOWN_KINDS`).
    kerb_cm
        Kerb heights used at the arc's start and end (NaN = no kerb), shape ``(n, 2)``.
    assumed_bits
        Which of the broken limits (:attr:`violation_bits`) the arc breaks only through an
        assumed value: with the mapped values alone it would keep them.
    at_limit_bits
        Which limits an assumed value meets exactly without breaking them (a kerb assumed
        3 cm under a 3 cm limit): a real value a little worse would break them.
    assumed_value
        Per limit name, the assumed value that breaks or meets the limit, in the limit's
        unit (smoothness as the index into :data:`SMOOTHNESS_LEVELS`, surfaces as names,
        ``elevator`` as ``"out_of_service"``); NaN (or ``None``) where nothing was assumed
        or the policy assumes a barrier without a number. Only limits with assumed values.
    critical
        Per numeric hard limit (``max_kerb_cm``, ``max_incline_pct``, ``min_width_m``,
        ``max_steps``): the one number per arc that the person's limit is compared with
        (the kerb height, the slope, the width, the step count; ``inf`` or ``-inf`` where
        the arc breaks any or no value of the limit). An arc breaks a ``max_`` limit
        where it is greater, a ``min_`` limit where it is smaller. It does not depend on
        the limits' values, so two profiles that differ only in them differ only on the
        arcs whose critical value lies between theirs (see :class:`FlipIndex`).
    details
        For costs derived from another profile's (see
        :class:`stufenlos.routing.Router`): how to evaluate some arcs exactly. Such costs
        hold exact search values (``cost_s``, ``time_s``, ``violation_bits``) for every arc;
        read everything else through :meth:`at`.
    """

    profile: Profile
    optimize: str
    cost_s: NDArray[np.float64]
    time_s: NDArray[np.float64]
    violation_bits: NDArray[np.uint16]
    severity: dict[str, NDArray[np.float32]]
    unknown_bits: NDArray[np.uint16]
    kerb_cm: NDArray[np.float32]
    assumed_bits: NDArray[np.uint16]
    at_limit_bits: NDArray[np.uint16]
    assumed_value: dict[str, NDArray[Any]]
    critical: dict[str, NDArray[np.float64]]
    details: Callable[[NDArray[np.int64]], EdgeCosts] | None = None

    def at(self, arcs: NDArray[np.int64]) -> EdgeCosts:
        """The costs of ``arcs`` only (one row per given arc, in their order), exact in
        every field."""
        if self.details is not None:
            return self.details(arcs)
        return EdgeCosts(
            profile=self.profile, optimize=self.optimize, cost_s=self.cost_s[arcs],
            time_s=self.time_s[arcs], violation_bits=self.violation_bits[arcs],
            severity={k: v[arcs] for k, v in self.severity.items()},
            unknown_bits=self.unknown_bits[arcs], kerb_cm=self.kerb_cm[arcs],
            assumed_bits=self.assumed_bits[arcs], at_limit_bits=self.at_limit_bits[arcs],
            assumed_value={k: v[arcs] for k, v in self.assumed_value.items()},
            critical={k: v[arcs] for k, v in self.critical.items()})

    @property
    def violates(self) -> NDArray[np.bool_]:
        """Arcs that break at least one hard limit."""
        return self.violation_bits != 0

    def violations_of(self, arc: int) -> list[tuple[str, float]]:
        """``(limit, excess)`` for every limit arc ``arc`` breaks."""
        bits = int(self.violation_bits[arc])
        return [(name, float(self.severity[name][arc]))
                for name, bit in LIMIT_BITS.items() if bits & bit]

    def assumed_of(self, arc: int, limit: str) -> tuple[bool, Any]:
        """Whether ``limit`` is broken or met at ``arc`` only through an assumed value,
        and that value (``None`` when mapped or when no number was assumed)."""
        bit = LIMIT_BITS.get(limit, 0)
        if not (int(self.assumed_bits[arc]) | int(self.at_limit_bits[arc])) & bit:
            return False, None
        value = self.assumed_value.get(limit)
        raw = None if value is None else value[arc]
        if raw is None or (isinstance(raw, float | np.floating) and np.isnan(raw)):
            return True, None
        if limit == "min_smoothness":
            return True, SMOOTHNESS_LEVELS[int(raw)]
        return True, raw if isinstance(raw, str) else round(float(raw), 2)


class FlipIndex:
    """The arcs a numeric hard limit's value can decide, sorted by their critical value
    (:attr:`EdgeCosts.critical`), to find the arcs whose verdict two profiles of one
    family disagree on without a pass over every arc.

    Parameters
    ----------
    critical
        :attr:`EdgeCosts.critical` of any profile of the family.
    strictest
        The strictest value of each limit: arcs at or below it (``max_`` limits; at or
        above it for ``min_`` limits) break no value of the limit and are left out.
    """

    def __init__(self, critical: dict[str, NDArray[np.float64]],
                 strictest: dict[str, float]) -> None:
        self._critical = critical
        self._strictest = strictest
        self._sorted: dict[str, tuple[NDArray[np.float64], NDArray[np.int64]]] = {}

    def _by_value(self, name: str) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        got = self._sorted.get(name)
        if got is None:
            crit = self._critical[name]
            cut = self._strictest[name]
            arcs = np.flatnonzero(crit < cut if name.startswith("min_") else crit > cut)
            order = np.argsort(crit[arcs], kind="stable")
            got = self._sorted[name] = (crit[arcs][order], arcs[order])
        return got

    def flips(self, a: Profile, b: Profile) -> NDArray[np.int64]:
        """The arcs (sorted) that break a numeric hard limit under one of ``a`` and ``b``
        but not the other; no limit (``None``) breaks nothing."""
        parts = []
        for name in self._critical:
            la, lb = getattr(a, name), getattr(b, name)
            if la == lb:
                continue
            values, arcs = self._by_value(name)
            if name.startswith("min_"):  # broken below the limit: values in [lo, hi)
                lo, hi = sorted(-np.inf if x is None else x for x in (la, lb))
                parts.append(arcs[np.searchsorted(values, lo):np.searchsorted(values, hi)])
            else:  # broken above the limit: values in (lo, hi]
                lo, hi = sorted(np.inf if x is None else x for x in (la, lb))
                parts.append(arcs[np.searchsorted(values, lo, "right"):
                                  np.searchsorted(values, hi, "right")])
        if not parts:
            return np.empty(0, np.int64)
        return np.sort(parts[0]) if len(parts) == 1 else union(parts)


def union(parts: list[NDArray[np.int64]]) -> NDArray[np.int64]:
    """The sorted distinct values of ``parts`` (faster than :func:`numpy.unique` on a
    few ten thousand arcs, which hashes them)."""
    x = np.sort(np.concatenate(parts))
    return x[np.concatenate([[True], x[1:] != x[:-1]])] if x.size else x


# -- vectorised evaluation -----------------------------------------------------------


def _part(value: Any, sel: NDArray[Any]) -> Any:
    """``value[sel]`` for an array, ``value`` itself for a scalar."""
    return value[sel] if isinstance(value, np.ndarray) and value.ndim else value


def _evaluate(p: Profile, c: Columns, optimize: str, strictest: dict[str, float]) -> EdgeCosts:
    """The costs of profile ``p`` on the arcs of ``c``, in numpy over the decoded columns.

    Masks are turned into the (few) arcs they hold early, so that most work is done on
    the arcs it concerns: steps, kerbs, violations, unknown values.

    Each numeric hard limit is decided by comparing one critical value per arc with it
    (:attr:`EdgeCosts.critical`), and the penalty of a broken limit grows with how far
    that value lies beyond ``strictest``, the strictest value each limit can take,
    not beyond the person's own: the same barrier weighs the same for everyone whose
    limit it breaks, so a changed limit changes the costs of the arcs it flips only.
    """
    n = c.n
    policy = p.unknown_policy
    comfort = optimize == "comfort"
    wc_yes = c.wc_yes if p.wheels else np.zeros(n, bool)
    unknown = c.unknown.copy()
    if policy == "strict":
        unknown[c.width_unknown] |= UNKNOWN_KINDS["width"]
    bits = np.zeros(n, np.uint16)
    severity: dict[str, NDArray[np.float32]] = {k: np.zeros(n, np.float32) for k in LIMIT_BITS}
    extra = np.zeros(n)  # extra seconds of travel time
    pref = np.zeros(n)  # comfort-only cost in seconds

    mapped_bits = np.zeros(n, np.uint16)  # limits broken by a mapped value
    assumed_bits = np.zeros(n, np.uint16)
    at_limit_bits = np.zeros(n, np.uint16)
    assumed_value: dict[str, NDArray[Any]] = {}
    critical: dict[str, NDArray[np.float64]] = {}
    #: per limit, what its penalty grows with (see the docstring)
    badness: dict[str, NDArray[np.float32]] = {k: np.zeros(n, np.float32) for k in LIMIT_BITS}

    def violate(name: str, idx: NDArray[np.intp], amount: NDArray[Any] | float,
                assumed: NDArray[np.bool_] | bool = False, value: Any = None) -> None:
        """Arcs ``idx`` break ``name`` by ``amount``; where ``assumed``, only through
        ``value`` (arrays aligned with ``idx``)."""
        bit = np.uint16(LIMIT_BITS[name])
        bits[idx] |= bit
        sev = severity[name]
        sev[idx] = np.maximum(sev[idx], np.asarray(amount, np.float32))
        bad = np.broadcast_to(np.asarray(amount, np.float32), idx.shape)
        if name in critical:  # beyond the strictest value, where the arc has a number
            crit = critical[name][idx]
            bad = np.where(np.isfinite(crit), np.abs(crit - strictest[name]), bad)
        badness[name][idx] = np.maximum(badness[name][idx], bad)
        by_value = np.broadcast_to(assumed, idx.shape)
        mapped_bits[idx[~by_value]] |= bit
        assume(name, idx[by_value], _part(value, by_value), assumed_bits)

    def assume(name: str, idx: NDArray[np.intp], value: Any,
               target: NDArray[np.uint16]) -> None:
        """Mark arcs ``idx`` in ``target`` and keep the assumed ``value`` there."""
        if not idx.size:
            return
        target[idx] |= np.uint16(LIMIT_BITS[name])
        if value is None:
            return
        val = np.asarray(value)
        if name not in assumed_value:
            assumed_value[name] = (np.full(n, np.nan, np.float32) if val.dtype.kind in "fiub"
                                   else np.full(n, None, object))
        assumed_value[name][idx] = val

    # Slope: signed percent in travel direction; `incline=up/down` has no number.
    dir_only = c.dir_only
    incline = np.where(dir_only, c.dir_sign * {"strict": 10.0, "cautious": 6.0,
                                               "optimistic": 3.0}[policy], c.incline)
    if policy == "cautious":
        pref[dir_only] += 30.0
    steepness = np.abs(incline)
    if p.soft_incline_pct is not None:
        # each percent over the soft limit slows by 15 %
        slow = 1.0 + 0.15 * np.maximum(steepness - p.soft_incline_pct, 0.0)
    else:
        slow = np.ones(n)  # slowing down (slope, surface): counts as time
    long = ~((c.length <= p.short_ramp_m) & (steepness <= 12.0))
    up, down = np.maximum(incline, 0.0), np.maximum(-incline, 0.0)
    if p.max_decline_pct is None:  # the limit holds uphill and downhill
        critical["max_incline_pct"] = np.where(long, steepness, -np.inf)
    else:  # a set downhill limit: downhill arcs break it (any incline limit) or not
        critical["max_incline_pct"] = np.where(
            long, np.where(down > p.max_decline_pct, np.inf, up), -np.inf)
    if p.max_incline_pct is not None:
        max_down = p.max_decline_pct if p.max_decline_pct is not None else p.max_incline_pct
        over = np.maximum(up - p.max_incline_pct, down - max_down)
        idx = np.flatnonzero(critical["max_incline_pct"] > p.max_incline_pct)
        violate("max_incline_pct", idx, over[idx], dir_only[idx], steepness[idx])
        idx = np.flatnonzero(dir_only & long)
        idx = idx[np.isclose(over[idx], 0.0)]
        assume("max_incline_pct", idx, steepness[idx], at_limit_bits)

    # Steps and escalators, on the arcs with steps.
    idx = np.flatnonzero(c.steps)
    count = c.step_count[idx]
    count_unknown = c.count_unknown[idx]
    count[count_unknown] = 5.0 if policy == "optimistic" else 10.0
    step_cost = (p.step_cost_s + p.step_cost_per_step_s * count) * np.where(
        c.handrail[idx], 1.0, p.no_handrail_factor)
    as_steps = ~(p.wheels & c.ramp_wheels[idx])
    extra[idx[as_steps]] += step_cost[as_steps]
    critical["max_steps"] = crit_steps = np.full(n, -np.inf)
    crit_steps[idx[as_steps]] = count[as_steps]
    if p.wheels:  # an escalator breaks any steps limit of people on wheels
        crit_steps[c.escalator_only] = np.inf
    if p.max_steps is not None:
        # With no step allowed, steps break the limit whatever their assumed count.
        by_count = count_unknown if p.max_steps >= 1 else np.zeros(idx.size, bool)
        sel = as_steps & (crit_steps[idx] > p.max_steps)
        violate("max_steps", idx[sel], count[sel] - p.max_steps, by_count[sel], count[sel])
        sel = as_steps & by_count & (count == p.max_steps)
        assume("max_steps", idx[sel], count[sel], at_limit_bits)
        if p.wheels:
            violate("max_steps", np.flatnonzero(c.escalator_only), 1.0)

    # Kerbs at the arc's start and end, on the arcs with one (see the decoding: a kerb
    # mapped on a node counts on the arc that enters it, and at an arc's start only
    # where the context says it lies between this arc and the previous one).
    k = np.flatnonzero(c.has_kerb)
    h = c.kerb_cm[k]
    missing, at_crossing = c.kerb_missing[k], c.kerb_crossing[k]
    if policy == "strict":
        h[missing] = 12.0
    elif policy == "cautious":
        h[at_crossing] = 3.0
        h[missing & ~at_crossing] = 12.0
        for end in (0, 1):
            pref[k[at_crossing[:, end]]] += 60.0
    else:
        h[missing] = 3.0
    h[missing & wc_yes[k, None]] = 3.0
    kerb_cm = np.full((n, 2), np.nan, np.float32)
    kerb_cm[k] = h
    k_cm = kerb_cm[k]

    def highest(cm: NDArray[Any]) -> NDArray[Any]:
        return np.max(np.where(np.isnan(cm), 0.0, cm), axis=1)

    kerb_max = np.zeros(n, np.float32)
    kerb_max[k] = k_max = highest(k_cm)
    critical["max_kerb_cm"] = np.full(n, -np.inf)
    critical["max_kerb_cm"][k] = k_max
    pref[k] += p.kerb_cost_s_per_cm * np.nansum(k_cm, axis=1)
    if p.soft_kerb_cm is not None:
        pref += 20.0 * np.maximum(kerb_max - p.soft_kerb_cm, 0.0)
    if p.max_kerb_cm is not None:
        kerb_assumed = np.where(missing, h, np.nan)
        assumed_max = highest(kerb_assumed)
        mapped_max = highest(np.where(np.isnan(kerb_assumed), k_cm, np.nan))
        sel = critical["max_kerb_cm"][k] > p.max_kerb_cm
        violate("max_kerb_cm", k[sel], k_max[sel] - p.max_kerb_cm,
                mapped_max[sel] <= p.max_kerb_cm, assumed_max[sel])
        sel = (missing.any(axis=1) & np.isclose(assumed_max, p.max_kerb_cm)
               & (k_max <= p.max_kerb_cm))
        assume("max_kerb_cm", k[sel], assumed_max[sel], at_limit_bits)

    # Width: unknown is wide enough, but under `strict` on paths, tracks and bridleways.
    critical["min_width_m"] = crit_width = np.where(c.width_unknown, np.inf, c.width)
    strict_unknown = np.zeros(n, bool)
    if policy == "strict":
        strict_unknown = c.width_unknown & c.unpaved_way & ~wc_yes
        crit_width[strict_unknown] = -np.inf
    if p.min_width_m is not None:
        idx = np.flatnonzero((crit_width < p.min_width_m) & ~strict_unknown)
        violate("min_width_m", idx, p.min_width_m - c.width[idx])
        violate("min_width_m", np.flatnonzero(strict_unknown), 0.1, True)

    # Surface: unknown means paving stones in town, compacted (or unpaved) on paths.
    names = c.surfaces
    surface = c.surface.copy()
    surface[c.surface_unknown_path] = names.index(
        "unpaved" if policy == "strict" else "compacted")
    surface[c.surface_unknown_town] = names.index(
        "asphalt" if policy == "optimistic" else "paving_stones")
    surface_unknown = c.surface < 0
    if p.avoid_surfaces:
        avoid = np.array([s in p.avoid_surfaces for s in names])[surface]
        idx = np.flatnonzero(avoid & ~(surface_unknown & wc_yes))
        violate("avoid_surfaces", idx, 1.0, surface_unknown[idx],
                np.array(names, object)[surface[idx]])
    if p.slow_surfaces:
        rough = np.array([p.slow_surfaces.get(s, 1.0) for s in names], np.float64)[surface]
        if policy == "cautious":
            idx = np.flatnonzero(c.surface_unknown_path)
            rough[idx] = np.maximum(rough[idx], 1.2)
        slow *= rough

    # Smoothness: unknown is guessed from the surface (one level better if optimistic).
    rank = c.smooth_rank.copy()
    guess = np.array([_SMOOTH_RANK[_SMOOTH_FROM_SURFACE.get(s, "good")] for s in names],
                     np.float64)
    if policy == "optimistic":
        guess = np.maximum(guess - 1, 0)
    unknown_idx = np.flatnonzero(rank < 0)
    rank[unknown_idx] = guess[surface[unknown_idx]]
    if p.min_smoothness is not None:
        worst = _SMOOTH_RANK[p.min_smoothness]
        smooth_unknown = c.smooth_rank < 0
        guessed = smooth_unknown & ~wc_yes
        idx = np.flatnonzero((rank > worst) & ~(smooth_unknown & wc_yes))
        violate("min_smoothness", idx, rank[idx] - worst, guessed[idx], rank[idx])
        idx = np.flatnonzero(guessed & (rank == worst))
        assume("min_smoothness", idx, rank[idx], at_limit_bits)
    if p.soft_smoothness is not None:
        slow *= 1.0 + 0.2 * np.maximum(rank - _SMOOTH_RANK[p.soft_smoothness], 0.0)

    # wheelchair=no / limited for people on wheels.
    if p.wheels:
        violate("wheelchair_no", np.flatnonzero(c.wc_no), 1.0)
        pref[c.wc_limited] += 30.0

    # Elevators: wait time; unknown status is out of service under `strict`.
    idx = np.flatnonzero(c.elevator)
    extra[idx] += p.elevator_wait_s
    if policy == "strict":
        violate("elevator", idx, 1.0, True, "out_of_service")

    # Crossings: preferences of blind and older people.
    for mask, cost_s in ((c.unmarked, p.crossing_unmarked_cost_s),
                         (c.marked, p.crossing_marked_cost_s),
                         (c.signal_no_sound, p.crossing_signal_no_sound_cost_s)):
        if cost_s:
            pref[mask] += cost_s
    if p.crossing_no_tactile_cost_s:
        pref[c.crossing & (kerb_max < 3.0) & ~c.tactile] += p.crossing_no_tactile_cost_s
    factor = np.ones(n)  # preferences as a factor on time: comfort cost only
    if p.shared_space_factor != 1.0:
        factor *= np.where(c.shared, p.shared_space_factor, 1.0)

    # Rest: arcs far from any bench cost more for people who need rests.
    if p.rest_every_m is not None:
        factor *= np.where(~(c.rest <= p.rest_every_m / 2.0), 1.25, 1.0)

    base_time = c.length / p.speed_mps
    time_s = base_time * slow + extra
    cost = time_s * factor + pref if comfort else base_time.copy()
    idx = np.flatnonzero(bits)
    if idx.size:
        sev_total = np.zeros(idx.size)
        arc_bits = bits[idx]
        for name, arr in badness.items():
            if name != "closed":
                sev_total += np.where(arc_bits & LIMIT_BITS[name], np.maximum(arr[idx], 0.1),
                                      0.0)
        cost[idx] += VIOLATION_PENALTY_S + np.minimum(_SEVERITY_S * sev_total,
                                                      _MAX_SEVERITY_S)
    return EdgeCosts(
        profile=p, optimize=optimize, cost_s=cost, time_s=time_s, violation_bits=bits,
        severity=severity, unknown_bits=unknown, kerb_cm=kerb_cm,
        assumed_bits=assumed_bits & ~mapped_bits, at_limit_bits=at_limit_bits & ~bits,
        assumed_value=assumed_value, critical=critical,
    )
