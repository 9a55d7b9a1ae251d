"""Parse OSM tag values into numbers and categories.

Every parser accepts any string (or ``None``) and never raises: a value it
cannot read becomes unknown (``nan`` / ``None``), because a wrong guess about a
kerb or an incline is worse than an honest unknown. The OSM wiki pages for each
key define the accepted forms (Key:incline, Key:width, Key:kerb, Key:kerb:height,
Key:step_count, Key:smoothness); ``stufenlos`` follows them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

__all__ = [
    "KERB_HEIGHTS_M",
    "SMOOTHNESS_LEVELS",
    "kerb_from_tags",
    "parse_count",
    "parse_incline",
    "parse_kerb_height_m",
    "parse_length_m",
    "parse_yes_no",
]

#: smoothness from best to worst (wiki Key:smoothness)
SMOOTHNESS_LEVELS = (
    "excellent", "good", "intermediate", "bad", "very_bad", "horrible", "very_horrible",
    "impassable",
)  # fmt: skip

#: ``kerb=*`` values read as heights in metres (see PROFILES.md §5)
KERB_HEIGHTS_M: dict[str, float] = {
    "flush": 0.0,
    "no": 0.0,
    "at_grade": 0.0,
    "none": 0.0,
    "lowered": 0.03,
    "low": 0.03,
    "dropped": 0.03,
    "sloped": 0.03,
    "rolled": 0.06,
    "raised": 0.12,
    "regular": 0.12,
    "normal": 0.12,
    "high": 0.12,
}

_NUMBER = r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)"
_INCLINE_RE = re.compile(rf"^\s*({_NUMBER})\s*(%|°|deg|degrees?)?\s*$", re.IGNORECASE)
_LENGTH_RE = re.compile(rf"^\s*({_NUMBER})\s*(m|cm|mm|km|ft|'|in|\")?\s*$", re.IGNORECASE)
_FEET_INCH_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*'\s*(\d+(?:\.\d+)?)\s*\"\s*$")
_COUNT_RE = re.compile(r"^\s*(\d{1,4})\s*$")
_UNIT_M = {"m": 1.0, "cm": 0.01, "mm": 0.001, "km": 1000.0, "ft": 0.3048, "'": 0.3048,
           "in": 0.0254, '"': 0.0254}  # fmt: skip
#: inclines steeper than this are mapping errors, not paths (a 100 % incline is 45°)
MAX_INCLINE_PCT = 100.0

_YES = frozenset({"yes", "true", "1", "designated", "permissive", "both"})
_NO = frozenset({"no", "false", "0", "none"})


def _to_float(text: str) -> float:
    return float(text.replace(",", "."))


def parse_incline(value: str | None) -> tuple[float, int]:
    """Read ``incline=*`` as ``(percent, direction)``.

    ``percent`` is signed relative to the way's direction and ``nan`` when no
    number is given; ``direction`` is +1 (up), -1 (down) or 0 (unknown).
    ``up``/``down`` keep their direction with an unknown magnitude; degrees
    are converted with ``tan``; a bare number is a percentage.

    Examples
    --------
    >>> parse_incline("5%")
    (5.0, 1)
    >>> parse_incline("-3 %")
    (-3.0, -1)
    >>> parse_incline("down")
    (nan, -1)
    """
    if value is None:
        return math.nan, 0
    text = value.strip().lower()
    if text in ("up", "upward", "upwards"):
        return math.nan, 1
    if text in ("down", "downward", "downwards"):
        return math.nan, -1
    m = _INCLINE_RE.match(text)
    if not m:
        return math.nan, 0
    number = _to_float(m.group(1))
    unit = (m.group(2) or "%").lower()
    if unit != "%":
        if abs(number) >= 90:
            return math.nan, 0
        number = math.tan(math.radians(number)) * 100.0
    if not math.isfinite(number) or abs(number) > MAX_INCLINE_PCT:
        return math.nan, 0
    number = round(number, 3) + 0.0  # normalise -0.0
    direction = 1 if number > 0 else -1 if number < 0 else 0
    return number, direction


def parse_length_m(value: str | None) -> float:
    """Read a length such as ``width=*`` in metres (default unit m).

    Accepts ``1.5``, ``1,5``, ``1.5 m``, ``150 cm``, ``3'6"`` and ``3 ft``.
    Negative, zero-width-nonsense (> 100 m) and unreadable values give ``nan``.

    Examples
    --------
    >>> parse_length_m("150 cm")
    1.5
    >>> parse_length_m("wide")
    nan
    """
    if value is None:
        return math.nan
    text = value.strip()
    fi = _FEET_INCH_RE.match(text)
    if fi:
        metres = float(fi.group(1)) * 0.3048 + float(fi.group(2)) * 0.0254
    else:
        m = _LENGTH_RE.match(text)
        if not m:
            return math.nan
        metres = _to_float(m.group(1)) * _UNIT_M[(m.group(2) or "m").lower()]
    if not math.isfinite(metres) or metres < 0 or metres > 100:
        return math.nan
    return round(metres, 4)


def parse_kerb_height_m(value: str | None) -> float:
    """Read ``kerb:height=*`` in metres.

    A unit-less number is metres (``0.03``); one of 0.2 or more is almost
    surely centimetres (``3``) and is read as such, following the wiki's
    advice on this common mistake. Heights above 0.5 m are not kerbs.

    Examples
    --------
    >>> parse_kerb_height_m("0.03")
    0.03
    >>> parse_kerb_height_m("3 cm")
    0.03
    >>> parse_kerb_height_m("3")
    0.03
    """
    if value is None:
        return math.nan
    text = value.strip().lower()
    m = _LENGTH_RE.match(text)
    if not m:
        return math.nan
    number = _to_float(m.group(1))
    unit = m.group(2)
    if unit is None:
        metres = number / 100.0 if number >= 0.2 else number
    else:
        metres = number * _UNIT_M[unit.lower()]
    if not math.isfinite(metres) or metres < 0 or metres > 0.5:
        return math.nan
    return round(metres, 4)


def kerb_from_tags(tags: Mapping[str, str]) -> float:
    """Kerb height in metres from a node's (or crossing way's) tags, ``nan`` if unknown.

    ``kerb:height`` wins over ``kerb``; the deprecated ``sloped_curb`` and
    ``curb`` keys are read as the wiki's conversion table says. Where left and
    right differ (``kerb:left``/``kerb:right``) the higher one counts, since a
    route must pass both.
    """
    height = parse_kerb_height_m(tags.get("kerb:height"))
    if not math.isnan(height):
        return height
    values = [tags.get(k) for k in ("kerb", "curb", "kerb:left", "kerb:right", "kerb:both")]
    heights = [KERB_HEIGHTS_M[v.strip().lower()] for v in values
               if v and v.strip().lower() in KERB_HEIGHTS_M]  # fmt: skip
    if heights:
        return max(heights)
    sloped = tags.get("sloped_curb")
    if sloped is not None:
        s = sloped.strip().lower()
        if s in ("yes", "both", "one_side"):
            return 0.03
        if s in ("at_grade", "flush"):
            return 0.0
        if s == "no":
            return 0.12
        return parse_kerb_height_m(s)
    return math.nan


def parse_count(value: str | None) -> float:
    """Read a small non-negative integer such as ``step_count=*``; ``nan`` otherwise."""
    if value is None:
        return math.nan
    m = _COUNT_RE.match(value)
    return float(m.group(1)) if m else math.nan


def parse_yes_no(value: str | None) -> float:
    """``1.0`` for yes-like values, ``0.0`` for no-like values, ``nan`` otherwise."""
    if value is None:
        return math.nan
    text = value.strip().lower()
    if text in _YES:
        return 1.0
    if text in _NO:
        return 0.0
    return math.nan


def normalise_smoothness(value: str | None) -> str | None:
    """A smoothness value on the wiki's ladder, or ``None``."""
    if value is None:
        return None
    text = value.strip().lower()
    return text if text in SMOOTHNESS_LEVELS else None
