"""Tag parsers: known forms, and properties over arbitrary (malformed) input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stufenlos.ingest.tags import (
    kerb_from_tags,
    parse_count,
    parse_incline,
    parse_kerb_height_m,
    parse_length_m,
    parse_yes_no,
)
from stufenlos.ingest.walkability import walkable

texts = st.one_of(st.none(), st.text(max_size=30))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5%", (5.0, 1)),
        ("-3 %", (-3.0, -1)),
        ("12", (12.0, 1)),
        ("0%", (0.0, 0)),
        ("up", (math.nan, 1)),
        ("down", (math.nan, -1)),
        ("yes", (math.nan, 0)),
        ("4,5%", (4.5, 1)),
        ("45°", (100.0, 1)),
        ("steep", (math.nan, 0)),
        ("500%", (math.nan, 0)),
    ],
)
def test_incline_forms(value, expected):
    pct, direction = parse_incline(value)
    assert direction == expected[1]
    assert (math.isnan(pct) and math.isnan(expected[0])) or pct == pytest.approx(expected[0])


@given(texts)
def test_parsers_never_raise_and_stay_in_range(value):
    pct, direction = parse_incline(value)
    assert direction in (-1, 0, 1)
    assert math.isnan(pct) or abs(pct) <= 100
    assert math.isnan(pct) or math.copysign(1, pct) == direction or pct == 0
    width = parse_length_m(value)
    assert math.isnan(width) or 0 <= width <= 100
    kerb = parse_kerb_height_m(value)
    assert math.isnan(kerb) or 0 <= kerb <= 0.5
    count = parse_count(value)
    assert math.isnan(count) or (count >= 0 and count == int(count))
    assert parse_yes_no(value) in (0.0, 1.0) or math.isnan(parse_yes_no(value))


@given(st.floats(min_value=-99, max_value=99, allow_nan=False).map(lambda x: round(x, 2)))
def test_incline_percent_round_trips(x):
    pct, direction = parse_incline(f"{x}%")
    assert pct == pytest.approx(x)
    assert direction == (1 if x > 0 else -1 if x < 0 else 0)


@given(st.integers(min_value=0, max_value=9999))
def test_width_in_cm_equals_metres(cm):
    assert parse_length_m(f"{cm} cm") == pytest.approx(cm / 100)
    assert parse_length_m(f"{cm / 100}") == pytest.approx(cm / 100)


@pytest.mark.parametrize(
    ("tags", "height"),
    [
        ({"kerb": "lowered"}, 0.03),
        ({"kerb": "flush"}, 0.0),
        ({"kerb": "raised"}, 0.12),
        ({"kerb": "rolled"}, 0.06),
        ({"kerb:height": "0.02"}, 0.02),
        ({"kerb:height": "4 cm"}, 0.04),
        ({"kerb:height": "3"}, 0.03),
        ({"kerb": "raised", "kerb:height": "0.05"}, 0.05),
        ({"sloped_curb": "yes"}, 0.03),
        ({"kerb:left": "lowered", "kerb:right": "raised"}, 0.12),
        ({"kerb": "yes"}, math.nan),
        ({}, math.nan),
    ],
)
def test_kerb_tags(tags, height):
    got = kerb_from_tags(tags)
    assert (math.isnan(got) and math.isnan(height)) or got == pytest.approx(height)


@pytest.mark.parametrize(
    ("tags", "ok"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "motorway"}, False),
        ({"highway": "primary", "sidewalk": "separate"}, False),
        ({"highway": "residential", "sidewalk:both": "separate"}, False),
        ({"highway": "residential", "sidewalk:left": "separate", "sidewalk:right": "no"}, False),
        ({"highway": "residential", "sidewalk:left": "separate", "sidewalk:right": "yes"}, True),
        ({"highway": "primary", "sidewalk": "both"}, True),
        ({"highway": "footway", "access": "private"}, False),
        ({"highway": "service", "access": "private", "foot": "yes"}, True),
        ({"highway": "path", "foot": "no"}, False),
        ({"highway": "cycleway"}, False),
        ({"highway": "cycleway", "foot": "designated"}, True),
        ({"highway": "trunk"}, False),
        ({"highway": "trunk", "sidewalk": "right"}, True),
        ({"railway": "platform"}, True),
        ({"highway": "construction"}, False),
    ],
)
def test_walkable(tags, ok):
    assert walkable(tags)[0] is ok


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "highway",
                "foot",
                "access",
                "sidewalk",
                "sidewalk:left",
                "sidewalk:right",
                "sidewalk:both",
                "railway",
            ]
        ),
        st.text(max_size=12),
    )
)
def test_walkable_never_raises(tags):
    ok, reason = walkable(tags)
    assert isinstance(ok, bool)
    assert ok or reason
