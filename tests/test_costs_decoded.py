"""The evaluation over decoded columns equals the former pandas evaluation, arc for arc.

The former implementation is kept here, and only here, as the reference: every preset in
both optimize modes and under every unknown policy, with limits met exactly by assumed
values, on all four bundled cities; and the evaluation of some arcs equals those rows of
the whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray

from stufenlos.network import Network
from stufenlos.profiles import PRESETS, EdgeCosts, Profile, get_profile
from stufenlos.profiles.costs import (
    _CROSSING_MARKED,
    _CROSSING_SIGNALS,
    _MAX_SEVERITY_S,
    _SEVERITY_S,
    _SMOOTH_FROM_SURFACE,
    _SMOOTH_RANK,
    _UNPAVED_HIGHWAYS,
    LIMIT_BITS,
    UNKNOWN_KINDS,
    VIOLATION_PENALTY_S,
)

CITIES = ("heidelberg", "hamburg", "helsinki", "herrenberg")



# -- the reference: the former evaluation, unchanged -------------------------------


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


def _reference(p: Profile, net: Network, optimize: str) -> EdgeCosts:
    """The evaluation as it was, in pandas over the edge table."""
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

    # what the penalty of a broken limit grows with: for a numeric limit, how far the
    # deciding value lies beyond the strictest value of the limit, else the excess
    badness: dict[str, NDArray[np.float32]] = {k: np.zeros(n, np.float32) for k in LIMIT_BITS}
    critical: dict[str, NDArray[np.float64]] = {}

    def violate(name: str, mask: NDArray[np.bool_], amount: NDArray[Any] | float,
                assumed: NDArray[np.bool_] | bool = False, value: Any = None,
                weight: NDArray[Any] | float | None = None) -> None:
        """Arcs in ``mask`` break ``name``; where ``assumed``, only through ``value``."""
        amount_arr = np.broadcast_to(np.asarray(amount, np.float32), (n,))
        weight_arr = (amount_arr if weight is None
                      else np.broadcast_to(np.asarray(weight, np.float32), (n,)))
        bits[mask] |= np.uint16(LIMIT_BITS[name])
        severity[name][mask] = np.maximum(severity[name][mask], amount_arr[mask])
        badness[name][mask] = np.maximum(badness[name][mask], weight_arr[mask])
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
    set_down = p.max_decline_pct is not None  # a downhill limit of its own
    critical["max_incline_pct"] = np.where(short, -np.inf, np.where(
        set_down & (down > (p.max_decline_pct or 0.0)), np.inf, up if set_down else
        np.abs(incline)))
    if p.max_incline_pct is not None:
        max_down = p.max_decline_pct if p.max_decline_pct is not None else p.max_incline_pct
        over = np.maximum(up - p.max_incline_pct, down - max_down)
        violate("max_incline_pct", (over > 0) & ~short, over, dir_only, np.abs(incline),
                weight=np.where(set_down & (down > max_down), over, np.abs(incline)))
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
    critical["max_steps"] = np.where(as_steps, count, np.where(
        p.wheels & escalator & ~steps, np.inf, -np.inf))
    if p.max_steps is not None:
        # With no step allowed, steps break the limit whatever their assumed count.
        by_count = count_unknown if p.max_steps >= 1 else False
        violate("max_steps", as_steps & (count > p.max_steps), count - p.max_steps,
                by_count, count, weight=count)
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
    critical["max_kerb_cm"] = np.where(np.isnan(kerb_cm).all(axis=1), -np.inf, kerb_max)
    kerb_assumed = np.stack(assumed_cols, axis=1)
    kerb_sum = np.nansum(kerb_cm, axis=1)
    pref += p.kerb_cost_s_per_cm * kerb_sum
    if p.soft_kerb_cm is not None:
        pref += 20.0 * np.maximum(kerb_max - p.soft_kerb_cm, 0.0)
    if p.max_kerb_cm is not None:
        assumed_max = highest(kerb_assumed)
        mapped_max = highest(np.where(np.isnan(kerb_assumed), kerb_cm, np.nan))
        violate("max_kerb_cm", kerb_max > p.max_kerb_cm, kerb_max - p.max_kerb_cm,
                mapped_max <= p.max_kerb_cm, assumed_max, weight=kerb_max)
        met = ~np.isnan(kerb_assumed).all(axis=1) & np.isclose(assumed_max, p.max_kerb_cm)
        assume("max_kerb_cm", met & (kerb_max <= p.max_kerb_cm), assumed_max, at_limit_bits)

    # Width.
    width = _float(e["width_m"])
    width_unknown = np.isnan(width)
    unknown[width_unknown & (unpaved_way | (p.unknown_policy == "strict"))] |= (
        UNKNOWN_KINDS["width"])
    strict_unknown = (policy == "strict") & width_unknown & unpaved_way & ~wc_yes
    critical["min_width_m"] = np.where(strict_unknown, -np.inf,
                                       np.where(width_unknown, np.inf, width))
    if p.min_width_m is not None:
        narrow = ~width_unknown & (width < p.min_width_m)
        violate("min_width_m", narrow, p.min_width_m - np.nan_to_num(width),
                weight=3.0 - np.nan_to_num(width))  # the widest limit one can set: 3 m
        if policy == "strict":
            violate("min_width_m", strict_unknown, 0.1, True)

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
    for name, arr in badness.items():
        if name != "closed":
            sev_total += np.where(bits & LIMIT_BITS[name], np.maximum(arr, 0.1), 0.0)
    violating = bits != 0
    cost[violating] += VIOLATION_PENALTY_S + np.minimum(
        _SEVERITY_S * sev_total[violating], _MAX_SEVERITY_S)
    return EdgeCosts(
        profile=p, optimize=optimize, cost_s=cost, time_s=time_s, violation_bits=bits,
        severity=severity, unknown_bits=unknown, kerb_cm=kerb_cm,
        assumed_bits=assumed_bits & ~mapped_bits, at_limit_bits=at_limit_bits & ~bits,
        assumed_value=assumed_value, critical=critical,
    )


def _profiles() -> list[Profile]:
    """Every preset as it is, under the other two unknown policies, and with limits that
    assumed values meet exactly (3 cm kerbs at crossings, 6 % slopes, 10 steps)."""
    out = list(PRESETS.values())
    for p in PRESETS.values():
        out += [p.replace(unknown_policy=u) for u in ("strict", "cautious", "optimistic")
                if u != p.unknown_policy]
    out += [get_profile("wheelchair", max_kerb_cm=3, max_incline_pct=6),
            get_profile("older_pedestrian", max_steps=10, max_kerb_cm=12, min_width_m=1.2),
            get_profile("pram", unknown_policy="strict", max_kerb_cm=12, max_incline_pct=10),
            PRESETS["wheelchair"].replace(max_decline_pct=8.0)]  # a downhill limit of its own
    return out


def _assert_same(got: EdgeCosts, want: EdgeCosts) -> None:
    for field in ("cost_s", "time_s", "violation_bits", "unknown_bits", "kerb_cm",
                  "assumed_bits", "at_limit_bits"):
        a, b = getattr(got, field), getattr(want, field)
        assert a.dtype == b.dtype, field
        np.testing.assert_array_equal(a, b, err_msg=field)
    assert got.severity.keys() == want.severity.keys()
    for name, arr in want.severity.items():
        assert got.severity[name].dtype == arr.dtype
        np.testing.assert_array_equal(got.severity[name], arr, err_msg=name)
    assert got.critical.keys() == want.critical.keys()
    for name, arr in want.critical.items():
        np.testing.assert_array_equal(got.critical[name], arr, err_msg=name)
    assert got.assumed_value.keys() == want.assumed_value.keys()
    for name, arr in want.assumed_value.items():
        assert got.assumed_value[name].dtype == arr.dtype
        np.testing.assert_array_equal(got.assumed_value[name], arr, err_msg=name)


@pytest.mark.parametrize("city", CITIES)
def test_the_evaluation_equals_the_former_one(imported_city, city: str) -> None:
    net = imported_city(city).network
    seen = 0
    for p in _profiles():
        for optimize in ("comfort", "distance"):
            want = _reference(p, net, optimize)
            _assert_same(p.evaluate(net, optimize=optimize), want)
            seen += int(want.violation_bits.any()) + int(want.at_limit_bits.any())
    assert seen > 20  # the limits decide something on this city's arcs


@pytest.mark.parametrize("city", ["heidelberg", "herrenberg"])
def test_some_arcs_evaluate_as_in_the_whole(imported_city, city: str) -> None:
    net = imported_city(city).network
    rows = np.sort(np.random.default_rng(3).choice(net.n_edges, 5000, replace=False))
    for p in (PRESETS["wheelchair"], PRESETS["blind"].replace(unknown_policy="strict")):
        whole = p.evaluate(net)
        part = p.evaluate(net, arcs=rows)
        np.testing.assert_array_equal(part.cost_s, whole.cost_s[rows])
        np.testing.assert_array_equal(part.violation_bits, whole.violation_bits[rows])
        np.testing.assert_array_equal(part.unknown_bits, whole.unknown_bits[rows])
        np.testing.assert_array_equal(part.kerb_cm, whole.kerb_cm[rows])
        np.testing.assert_array_equal(part.at_limit_bits, whole.at_limit_bits[rows])
        assert part.violation_bits.any()
    # the decoded columns are made once and kept on the network
    assert len(net.memo) == 1
