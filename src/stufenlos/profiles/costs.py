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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

if TYPE_CHECKING:
    from stufenlos.network import Network
    from stufenlos.profiles.profile import Profile

__all__ = [
    "LIMIT_BITS",
    "SMOOTHNESS_LEVELS",
    "UNKNOWN_KINDS",
    "VIOLATION_PENALTY_S",
    "EdgeCosts",
]

#: cost added per arc that breaks a hard limit, so that fewer violations always win
VIOLATION_PENALTY_S = 100_000.0
#: cost per unit of severity on top of the penalty (capped at ``_MAX_SEVERITY_S``)
_SEVERITY_S = 600.0
_MAX_SEVERITY_S = 20_000.0

SMOOTHNESS_LEVELS = (
    "excellent", "good", "intermediate", "bad", "very_bad", "horrible", "very_horrible",
    "impassable",
)  # fmt: skip
_SMOOTH_RANK = {name: i for i, name in enumerate(SMOOTHNESS_LEVELS)}
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

#: what an arc may have had to assume, as bits of :attr:`EdgeCosts.unknown_bits`
UNKNOWN_KINDS: dict[str, int] = {
    "kerb_height": 1 << 0,
    "surface": 1 << 1,
    "width": 1 << 2,
    "smoothness": 1 << 3,
    "incline": 1 << 4,
    "step_count": 1 << 5,
    "elevator_status": 1 << 6,
    "signal_sound": 1 << 7,
}


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

_UNPAVED_HIGHWAYS = frozenset({"path", "track", "bridleway"})
_CROSSING_SIGNALS = frozenset({"traffic_signals"})
_CROSSING_MARKED = frozenset({"marked", "zebra", "uncontrolled"})
_CROSSING_UNMARKED = frozenset({"unmarked", "informal", "no"})


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



# -- vectorised evaluation -----------------------------------------------------------


def _codes(col: pd.Series) -> tuple[NDArray[np.int32], list[str]]:
    """Category codes (-1 = null) and categories of a string-like column."""
    cat = col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category")
    return cat.cat.codes.to_numpy(np.int32), [str(c) for c in cat.cat.categories]


def _lookup(col: pd.Series, mapping: Mapping[str, Any], default: Any, null: Any,
            dtype: Any = np.float64) -> NDArray[Any]:
    """Map a categorical column through ``mapping`` in one take (``null`` for missing)."""
    codes, cats = _codes(col)
    lut = np.array([mapping.get(c, default) for c in cats] + [null], dtype=dtype)
    return lut[np.where(codes < 0, len(cats), codes)]


def _str(col: pd.Series) -> NDArray[np.object_]:
    """A string-like column as an object array, ``""`` for missing."""
    codes, cats = _codes(col)
    lut = np.array([*cats, ""], dtype=object)
    return lut[np.where(codes < 0, len(cats), codes)]


def _float(col: pd.Series) -> NDArray[np.float64]:
    return pd.to_numeric(col, errors="coerce").to_numpy(np.float64, na_value=np.nan)


def _bool(col: pd.Series) -> NDArray[np.bool_]:
    return col.fillna(False).to_numpy(bool)


def _evaluate(p: Profile, net: Network, optimize: str) -> EdgeCosts:
    e = net.edges
    n = len(e)
    policy = p.unknown_policy
    comfort = optimize == "comfort"
    length = _float(e["length_m"])
    highway = _str(e["highway"])
    unpaved_way = np.isin(highway, list(_UNPAVED_HIGHWAYS))
    wheelchair_tag = _str(e["wheelchair"])
    wc_yes = np.isin(wheelchair_tag, ["yes", "designated"]) if p.wheels else np.zeros(n, bool)
    unknown = np.zeros(n, np.uint16)
    bits = np.zeros(n, np.uint16)
    severity: dict[str, NDArray[np.float32]] = {k: np.zeros(n, np.float32) for k in LIMIT_BITS}
    slow = np.ones(n)  # slowing down (slope, surface): counts as time
    factor = np.ones(n)  # preferences as a factor on time: comfort cost only
    extra = np.zeros(n)  # extra seconds of travel time
    pref = np.zeros(n)  # comfort-only cost in seconds

    mapped_bits = np.zeros(n, np.uint16)  # limits broken by a mapped value
    assumed_bits = np.zeros(n, np.uint16)
    at_limit_bits = np.zeros(n, np.uint16)
    assumed_value: dict[str, NDArray[Any]] = {}

    def violate(name: str, mask: NDArray[np.bool_], amount: NDArray[Any] | float,
                assumed: NDArray[np.bool_] | bool = False, value: Any = None) -> None:
        """Arcs in ``mask`` break ``name``; where ``assumed``, only through ``value``."""
        amount_arr = np.broadcast_to(np.asarray(amount, np.float32), (n,))
        bits[mask] |= np.uint16(LIMIT_BITS[name])
        severity[name][mask] = np.maximum(severity[name][mask], amount_arr[mask])
        by_value = mask & np.broadcast_to(assumed, (n,))
        mapped_bits[mask & ~by_value] |= np.uint16(LIMIT_BITS[name])
        assume(name, by_value, value, assumed_bits)

    def assume(name: str, mask: NDArray[np.bool_], value: Any,
               target: NDArray[np.uint16]) -> None:
        """Mark ``mask`` arcs in ``target`` and keep the assumed ``value`` there."""
        if not mask.any():
            return
        target[mask] |= np.uint16(LIMIT_BITS[name])
        if value is None:
            return
        val = np.broadcast_to(np.asarray(value), (n,))
        if name not in assumed_value:
            assumed_value[name] = (np.full(n, np.nan, np.float32) if val.dtype.kind in "fiub"
                                   else np.full(n, None, object))
        assumed_value[name][mask] = val[mask]

    # Slope: signed percent in travel direction; `incline=up/down` has no number.
    incline = _float(e["incline_pct"])
    direction = _float(e["incline_dir"])
    no_number = np.isnan(incline)
    dir_only = no_number & (np.nan_to_num(direction) != 0)
    assumed = {"strict": 10.0, "cautious": 6.0, "optimistic": 3.0}[policy]
    incline = np.where(dir_only, np.sign(np.nan_to_num(direction)) * assumed,
                       np.nan_to_num(incline))
    unknown[no_number] |= UNKNOWN_KINDS["incline"]
    if policy == "cautious":
        pref[dir_only] += 30.0
    up, down = np.maximum(incline, 0.0), np.maximum(-incline, 0.0)
    if p.soft_incline_pct is not None:
        steep = np.maximum(np.abs(incline) - p.soft_incline_pct, 0.0)
        slow *= 1.0 + 0.15 * steep  # each percent over the soft limit slows by 15 %
    short = (length <= p.short_ramp_m) & (np.abs(incline) <= 12.0)
    if p.max_incline_pct is not None:
        max_down = p.max_decline_pct if p.max_decline_pct is not None else p.max_incline_pct
        over = np.maximum(up - p.max_incline_pct, down - max_down)
        violate("max_incline_pct", (over > 0) & ~short, over, dir_only, np.abs(incline))
        assume("max_incline_pct", dir_only & np.isclose(over, 0.0) & ~short, np.abs(incline),
               at_limit_bits)

    # Steps and escalators.
    steps = _bool(e["steps"])
    escalator = _bool(e["escalator"])
    ramp_wheels = (_float(e["ramp_wheelchair"]) == 1) | (_float(e["ramp_stroller"]) == 1)
    count = _float(e["step_count"])
    count_unknown = steps & np.isnan(count)
    unknown[count_unknown] |= UNKNOWN_KINDS["step_count"]
    count = np.where(count_unknown, 5.0 if policy == "optimistic" else 10.0, count)
    count = np.where(steps, np.nan_to_num(count), 0.0)
    handrail = _float(e["handrail"])
    step_cost = (p.step_cost_s + p.step_cost_per_step_s * count) * np.where(
        handrail == 1, 1.0, p.no_handrail_factor)
    as_steps = steps & ~(p.wheels & ramp_wheels)
    extra[as_steps] += step_cost[as_steps]
    if p.max_steps is not None:
        # With no step allowed, steps break the limit whatever their assumed count.
        by_count = count_unknown if p.max_steps >= 1 else False
        violate("max_steps", as_steps & (count > p.max_steps), count - p.max_steps,
                by_count, count)
        assume("max_steps", as_steps & by_count & (count == p.max_steps), count,
               at_limit_bits)
        if p.wheels:
            violate("max_steps", escalator & ~steps, 1.0)

    # Kerbs at the arc's start and end (values in m; context says a kerb is expected).
    # A kerb mapped on a node is stored on every arc that touches the node, so a
    # route passing through it would meet it twice: it counts on the arc that
    # enters the node, and at an arc's start only where the context says that the
    # kerb lies between this arc and the previous one (crossing end, junction).
    kerb_cols, assumed_cols = [], []
    for end in ("u", "v"):
        h = _float(e[f"kerb_{end}_m"]) * 100.0
        ctx = _str(e[f"kerb_{end}_context"])
        if end == "u":
            h[ctx == ""] = np.nan
        missing = np.isnan(h) & (ctx != "")
        at_crossing = missing & (ctx == "crossing")
        at_junction = missing & ~at_crossing
        unknown[missing] |= UNKNOWN_KINDS["kerb_height"]
        if policy == "strict":
            h[missing] = 12.0
        elif policy == "cautious":
            h[at_crossing] = 3.0
            h[at_junction] = 12.0
            pref[at_crossing] += 60.0
        else:
            h[missing] = 3.0
        h[missing & wc_yes] = 3.0
        kerb_cols.append(h)
        assumed_cols.append(np.where(missing, h, np.nan))
    kerb_cm = np.stack(kerb_cols, axis=1).astype(np.float32)

    def highest(cm: NDArray[Any]) -> NDArray[np.float64]:
        return np.max(np.where(np.isnan(cm), 0.0, cm), axis=1)

    kerb_max = highest(kerb_cm)
    kerb_assumed = np.stack(assumed_cols, axis=1)
    kerb_sum = np.nansum(kerb_cm, axis=1)
    pref += p.kerb_cost_s_per_cm * kerb_sum
    if p.soft_kerb_cm is not None:
        pref += 20.0 * np.maximum(kerb_max - p.soft_kerb_cm, 0.0)
    if p.max_kerb_cm is not None:
        assumed_max = highest(kerb_assumed)
        mapped_max = highest(np.where(np.isnan(kerb_assumed), kerb_cm, np.nan))
        violate("max_kerb_cm", kerb_max > p.max_kerb_cm, kerb_max - p.max_kerb_cm,
                mapped_max <= p.max_kerb_cm, assumed_max)
        met = ~np.isnan(kerb_assumed).all(axis=1) & np.isclose(assumed_max, p.max_kerb_cm)
        assume("max_kerb_cm", met & (kerb_max <= p.max_kerb_cm), assumed_max, at_limit_bits)

    # Width.
    width = _float(e["width_m"])
    width_unknown = np.isnan(width)
    unknown[width_unknown & (unpaved_way | (p.unknown_policy == "strict"))] |= (
        UNKNOWN_KINDS["width"])
    if p.min_width_m is not None:
        narrow = ~width_unknown & (width < p.min_width_m)
        violate("min_width_m", narrow, p.min_width_m - np.nan_to_num(width))
        if policy == "strict":
            violate("min_width_m", width_unknown & unpaved_way & ~wc_yes, 0.1, True)

    # Surface: unknown means paving stones in town, compacted (or unpaved) on paths.
    surface = _str(e["surface"])
    surface_unknown = surface == ""
    unknown[surface_unknown] |= UNKNOWN_KINDS["surface"]
    town_default = "asphalt" if policy == "optimistic" else "paving_stones"
    path_default = "unpaved" if policy == "strict" else "compacted"
    surface = np.where(surface_unknown, np.where(unpaved_way, path_default, town_default),
                       surface)
    if p.avoid_surfaces:
        avoid = np.isin(surface, list(p.avoid_surfaces)) & ~(surface_unknown & wc_yes)
        violate("avoid_surfaces", avoid, 1.0, surface_unknown, surface)
    if p.slow_surfaces:
        rough = pd.Series(surface).map(p.slow_surfaces).to_numpy(np.float64, na_value=1.0)
        slow *= np.where(surface_unknown & (policy == "cautious") & unpaved_way,
                         np.maximum(rough, 1.2), rough)

    # Smoothness: unknown is guessed from the surface (one level better if optimistic).
    rank = _lookup(e["smoothness"], _SMOOTH_RANK, -1, -1)
    smooth_unknown = rank < 0
    unknown[smooth_unknown] |= UNKNOWN_KINDS["smoothness"]
    guess = pd.Series(surface).map(_SMOOTH_FROM_SURFACE).map(_SMOOTH_RANK)
    guess = guess.to_numpy(np.float64, na_value=_SMOOTH_RANK["good"])
    if policy == "optimistic":
        guess = np.maximum(guess - 1, 0)
    rank = np.where(smooth_unknown, guess, rank)
    if p.min_smoothness is not None:
        worst = _SMOOTH_RANK[p.min_smoothness]
        guessed = smooth_unknown & ~wc_yes
        violate("min_smoothness", (rank > worst) & ~(smooth_unknown & wc_yes), rank - worst,
                guessed, rank)
        assume("min_smoothness", guessed & (rank == worst), rank, at_limit_bits)
    if p.soft_smoothness is not None:
        slow *= 1.0 + 0.2 * np.maximum(rank - _SMOOTH_RANK[p.soft_smoothness], 0.0)

    # wheelchair=no / limited for people on wheels.
    if p.wheels:
        violate("wheelchair_no", wheelchair_tag == "no", 1.0)
        pref[wheelchair_tag == "limited"] += 30.0

    # Elevators: wait time; unknown status is out of service under `strict`.
    elevator = _bool(e["elevator"])
    extra[elevator] += p.elevator_wait_s
    unknown[elevator] |= UNKNOWN_KINDS["elevator_status"]
    if policy == "strict":
        violate("elevator", elevator, 1.0, True, "out_of_service")

    # Crossings: preferences of blind and older people.
    crossing = _str(e["crossing"])
    footway = _str(e["footway"])
    is_crossing = (crossing != "") | (footway == "crossing")
    signals = is_crossing & np.isin(crossing, list(_CROSSING_SIGNALS))
    sound_tag, vibration_tag = _float(e["signal_sound"]), _float(e["signal_vibration"])
    sound = (sound_tag == 1) | (vibration_tag == 1)
    unknown[signals & np.isnan(sound_tag) & np.isnan(vibration_tag)] |= (
        UNKNOWN_KINDS["signal_sound"])
    marked = is_crossing & np.isin(crossing, list(_CROSSING_MARKED))
    unmarked = is_crossing & ~signals & ~marked
    pref[unmarked] += p.crossing_unmarked_cost_s
    pref[marked] += p.crossing_marked_cost_s
    pref[signals & ~sound] += p.crossing_signal_no_sound_cost_s
    if p.crossing_no_tactile_cost_s:
        tactile = _lookup(e["tactile_paving"], {"yes": True}, False, False, bool)
        low = is_crossing & (kerb_max < 3.0) & ~tactile
        pref[low] += p.crossing_no_tactile_cost_s
    if p.shared_space_factor != 1.0:
        shared = np.isin(highway, ["living_street", "pedestrian"]) | _bool(e["area"])
        factor *= np.where(shared, p.shared_space_factor, 1.0)

    # Rest: arcs far from any bench cost more for people who need rests.
    if p.rest_every_m is not None:
        rest = _float(e["rest_dist_m"])
        far = ~(rest <= p.rest_every_m / 2.0)
        factor *= np.where(far, 1.25, 1.0)

    base_time = length / p.speed_mps
    time_s = base_time * slow + extra
    cost = time_s * factor + pref if comfort else base_time.copy()
    sev_total = np.zeros(n)
    for name, arr in severity.items():
        if name != "closed":
            sev_total += np.where(bits & LIMIT_BITS[name], np.maximum(arr, 0.1), 0.0)
    violating = bits != 0
    cost[violating] += VIOLATION_PENALTY_S + np.minimum(
        _SEVERITY_S * sev_total[violating], _MAX_SEVERITY_S)
    return EdgeCosts(
        profile=p, optimize=optimize, cost_s=cost, time_s=time_s, violation_bits=bits,
        severity=severity, unknown_bits=unknown, kerb_cm=kerb_cm,
        assumed_bits=assumed_bits & ~mapped_bits, at_limit_bits=at_limit_bits & ~bits,
        assumed_value=assumed_value,
    )

