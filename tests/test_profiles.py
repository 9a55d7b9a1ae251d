"""Profiles: presets, validation, and how limits and unknown policies become costs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stufenlos.profiles import (
    LIMIT_BITS,
    PRESETS,
    UNKNOWN_KINDS,
    VIOLATION_PENALTY_S,
    Profile,
    ProfileError,
    get_profile,
)
from tests._graph_testing import synthetic_grid


def one_arc(**attrs: object):
    """A network of one segment 0-1 (arc 0 forward, arc 1 back) with ``attrs``."""
    return synthetic_grid(2, 1, segments={(0, 1): attrs})


def broken(profile: Profile, net, arc: int = 0) -> set[str]:
    costs = profile.evaluate(net)
    return {name for name, _ in costs.violations_of(arc)}


def test_all_presets_exist_with_units_in_names() -> None:
    assert set(PRESETS) == {"standard", "wheelchair", "electric_wheelchair", "walker",
                            "older_pedestrian", "blind", "pram"}
    wc = get_profile("wheelchair")
    assert wc.max_kerb_cm == 3.0
    assert wc.max_incline_pct == 6.0
    assert wc.max_steps == 0
    assert wc.min_width_m == 0.9
    assert wc.unknown_policy == "cautious"
    assert get_profile("standard").unknown_policy == "optimistic"
    assert "max_kerb_cm" in wc.limits()


def test_limits_are_editable_and_validated() -> None:
    p = get_profile("wheelchair", max_kerb_cm=6, max_incline_pct=None)
    assert p.max_kerb_cm == 6
    assert p.max_incline_pct == 6.0  # None leaves the preset's value
    assert Profile.preset("walker", speed_mps=0.5).speed_mps == 0.5
    with pytest.raises(ProfileError, match="unknown profile 'rocket'"):
        get_profile("rocket")
    with pytest.raises(ProfileError, match="unknown profile limit"):
        get_profile("wheelchair", max_kerbs=3)
    with pytest.raises(ProfileError, match="min_smoothness"):
        get_profile("wheelchair", min_smoothness="silky")
    with pytest.raises(ProfileError, match="speed_mps"):
        get_profile("standard", speed_mps=0)
    with pytest.raises(ProfileError, match="unknown_policy"):
        get_profile("standard", unknown_policy="hopeful")
    with pytest.raises(ProfileError, match="optimize"):
        get_profile("standard").evaluate(one_arc(), optimize="fast")  # type: ignore[arg-type]


def test_steps_break_step_free_profiles_only() -> None:
    net = one_arc(steps=True, step_count=3, highway="steps")
    assert broken(get_profile("wheelchair"), net) == {"max_steps"}
    assert broken(get_profile("standard"), net) == set()
    assert broken(get_profile("older_pedestrian"), net) == set()  # up to 30 steps
    assert broken(get_profile("older_pedestrian", max_steps=2), net) == {"max_steps"}
    ramp = one_arc(steps=True, step_count=3, highway="steps", ramp_wheelchair=1.0)
    assert broken(get_profile("wheelchair"), ramp) == set()


def test_slope_limits_by_direction_and_short_ramps() -> None:
    net = one_arc(incline_pct=7.0)
    wc = get_profile("wheelchair")
    c = wc.evaluate(net)
    assert c.violations_of(0) == [("max_incline_pct", pytest.approx(1.0))]
    assert c.violations_of(1) == [("max_incline_pct", pytest.approx(1.0))]
    walker = get_profile("walker")  # 6 % up, 8 % down
    assert broken(walker, net, 0) == {"max_incline_pct"}
    assert broken(walker, net, 1) == set()
    short = synthetic_grid(2, 1, spacing_m=0.8, segments={(0, 1): {"incline_pct": 11.0}})
    assert broken(wc, short) == set()
    # `incline=up` without a number: assumed per unknown policy.
    up = one_arc(incline_dir=1)
    assert broken(wc.replace(unknown_policy="strict"), up) == {"max_incline_pct"}
    assert broken(wc, up) == set()  # cautious: 6 %, at the limit
    assert wc.evaluate(up).unknown_bits[0] & UNKNOWN_KINDS["incline"]


@pytest.mark.parametrize(("policy", "context", "expect_cm", "breaks"), [
    ("strict", "crossing", 12.0, True),
    ("cautious", "crossing", 3.0, False),
    ("optimistic", "crossing", 3.0, False),
    ("strict", "junction", 12.0, True),
    ("cautious", "junction", 12.0, True),
    ("optimistic", "junction", 3.0, False),
])
def test_unknown_kerbs_follow_the_policy(policy: str, context: str, expect_cm: float,
                                         breaks: bool) -> None:
    net = one_arc(kerb_v_context=context)
    p = get_profile("wheelchair", unknown_policy=policy)
    c = p.evaluate(net)
    assert c.kerb_cm[0, 1] == pytest.approx(expect_cm)
    assert bool(c.violation_bits[0] & LIMIT_BITS["max_kerb_cm"]) is breaks
    assert c.unknown_bits[0] & UNKNOWN_KINDS["kerb_height"]
    # The reverse arc meets the same kerb at its start.
    assert c.kerb_cm[1, 0] == pytest.approx(expect_cm)


def test_mapped_kerb_overrides_policy_and_limit_is_editable() -> None:
    net = one_arc(kerb_v_m=0.06, kerb_v_context="crossing")
    assert broken(get_profile("wheelchair"), net) == {"max_kerb_cm"}
    assert broken(get_profile("wheelchair", max_kerb_cm=6), net) == set()
    assert not get_profile("wheelchair").evaluate(net).unknown_bits[0] & (
        UNKNOWN_KINDS["kerb_height"])


def test_surface_smoothness_width_and_wheelchair_tag() -> None:
    wc = get_profile("wheelchair")
    assert broken(wc, one_arc(surface="gravel")) >= {"avoid_surfaces"}
    assert broken(get_profile("electric_wheelchair"), one_arc(surface="gravel")) <= {
        "min_smoothness"}
    assert broken(wc, one_arc(surface="asphalt", smoothness="bad")) == {"min_smoothness"}
    assert broken(wc, one_arc(width_m=0.7)) == {"min_width_m"}
    assert broken(wc, one_arc(wheelchair="no")) == {"wheelchair_no"}
    assert broken(get_profile("standard"), one_arc(wheelchair="no")) == set()
    # Unknown surface on a path: strict reads it as unpaved; cautious as compacted.
    path = one_arc(highway="path")
    assert "min_smoothness" in broken(wc.replace(unknown_policy="strict"), path)
    assert broken(wc, path) == set()


def test_blind_profile_prefers_signals_with_sound() -> None:
    net = synthetic_grid(2, 2, segments={
        (0, 1): {"footway": "crossing", "crossing": "traffic_signals", "signal_sound": 1.0},
        (2, 3): {"footway": "crossing", "crossing": "unmarked"},
    })
    c = get_profile("blind").evaluate(net)
    e = net.edges
    with_sound = int(np.flatnonzero((e.u == 0) & (e.v == 1))[0])
    unmarked = int(np.flatnonzero((e.u == 2) & (e.v == 3))[0])
    assert c.cost_s[unmarked] > c.cost_s[with_sound] + 100
    std = get_profile("standard").evaluate(net)
    assert std.cost_s[unmarked] == pytest.approx(std.cost_s[with_sound])


def test_distance_mode_has_no_preference_costs() -> None:
    net = one_arc(surface="sett", smoothness="intermediate", kerb_v_m=0.02)
    wc = get_profile("wheelchair")
    comfort = wc.evaluate(net, optimize="comfort")
    dist = wc.evaluate(net, optimize="distance")
    assert dist.cost_s[0] == pytest.approx(50 / 0.8)
    assert comfort.cost_s[0] > dist.cost_s[0]
    assert comfort.time_s[0] == pytest.approx(dist.time_s[0])


def test_violations_cost_a_penalty_not_infinity() -> None:
    c = get_profile("wheelchair").evaluate(one_arc(steps=True, highway="steps"))
    assert np.isfinite(c.cost_s).all()
    assert c.cost_s[0] >= VIOLATION_PENALTY_S


_ATTRS = st.fixed_dictionaries({}, optional={
    "incline_pct": st.floats(-15, 15),
    "kerb_v_m": st.floats(0, 0.2),
    "width_m": st.floats(0.3, 3),
    "kerb_u_context": st.sampled_from(["crossing", "junction"]),
    "steps": st.booleans(),
    "surface": st.sampled_from(["asphalt", "sett", "gravel", "grass"]),
})


@settings(max_examples=60, deadline=None)
@given(attrs=_ATTRS, kerb=st.floats(0, 10), dk=st.floats(0, 10), incline=st.floats(0, 12.5),
       di=st.floats(0, 12.5), policy=st.sampled_from(["strict", "cautious", "optimistic"]))
def test_stricter_limits_never_lower_costs(attrs: dict, kerb: float, dk: float,
                                           incline: float, di: float, policy: str) -> None:
    net = one_arc(**attrs)
    loose = get_profile("wheelchair", max_kerb_cm=kerb + dk, max_incline_pct=incline + di,
                        unknown_policy=policy)
    strict = loose.replace(max_kerb_cm=kerb, max_incline_pct=incline)
    for optimize in ("comfort", "distance"):
        a = loose.evaluate(net, optimize=optimize)
        b = strict.evaluate(net, optimize=optimize)
        assert (b.cost_s >= a.cost_s - 1e-9).all()
        assert ((a.violation_bits & ~b.violation_bits) == 0).all()
