"""The columns of a network's arcs that profile evaluation reads, decoded once.

:func:`columns` decodes the edge table (see :mod:`stufenlos.network`) into numpy
arrays — numbers as float64 with NaN for unknown, tags as masks or codes — and keeps
them on the network, so that evaluating a profile (:mod:`stufenlos.profiles.costs`)
never touches pandas. The vocabulary both share (smoothness levels, what may be
assumed) is defined here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

if TYPE_CHECKING:
    from stufenlos.network import Network

__all__ = ["SMOOTHNESS_LEVELS", "UNKNOWN_KINDS", "Columns", "columns"]

SMOOTHNESS_LEVELS = (
    "excellent", "good", "intermediate", "bad", "very_bad", "horrible", "very_horrible",
    "impassable",
)  # fmt: skip
_SMOOTH_RANK = {name: i for i, name in enumerate(SMOOTHNESS_LEVELS)}
#: what an arc may have had to assume, as bits of :attr:`~stufenlos.profiles.EdgeCosts.unknown_bits`
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

_UNPAVED_HIGHWAYS = frozenset({"path", "track", "bridleway"})
_CROSSING_SIGNALS = frozenset({"traffic_signals"})
_CROSSING_MARKED = frozenset({"marked", "zebra", "uncontrolled"})
_CROSSING_UNMARKED = frozenset({"unmarked", "informal", "no"})


def _codes(col: pd.Series) -> tuple[NDArray[np.int32], list[str]]:
    """Category codes (-1 = null) and categories of a string-like column."""
    cat = col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category")
    return cat.cat.codes.to_numpy(np.int32), [str(c) for c in cat.cat.categories]


def _str(col: pd.Series) -> NDArray[np.object_]:
    """A string-like column as an object array, ``""`` for missing."""
    codes, cats = _codes(col)
    lut = np.array([*cats, ""], dtype=object)
    return lut[np.where(codes < 0, len(cats), codes)]


def _float(col: pd.Series) -> NDArray[np.float64]:
    return pd.to_numeric(col, errors="coerce").to_numpy(np.float64, na_value=np.nan)


def _bool(col: pd.Series) -> NDArray[np.bool_]:
    return col.fillna(False).to_numpy(bool)


#: surfaces assumed where none is mapped (see :func:`~stufenlos.profiles.costs._evaluate`)
_DEFAULT_SURFACES = ("asphalt", "paving_stones", "unpaved", "compacted")


@dataclass(frozen=True, eq=False)
class Columns:
    """What profile evaluation reads of a network's arcs, whatever the profile.

    Decoded once per network (see :func:`columns`): numbers as float64 with NaN for
    unknown, tags as boolean masks or codes. Every array has one row per arc; only
    ``surfaces`` (the names behind the codes of ``surface``) does not.
    """

    surfaces: tuple[str, ...]
    length: NDArray[np.float64]
    unpaved_way: NDArray[np.bool_]  # path, track, bridleway
    shared: NDArray[np.bool_]  # living street, pedestrian street or area
    wc_yes: NDArray[np.bool_]  # wheelchair=yes/designated
    wc_no: NDArray[np.bool_]
    wc_limited: NDArray[np.bool_]
    incline: NDArray[np.float64]  # signed percent, 0 where no number
    dir_only: NDArray[np.bool_]  # `incline=up/down` without a number
    dir_sign: NDArray[np.float64]
    steps: NDArray[np.bool_]
    escalator_only: NDArray[np.bool_]  # an escalator that is not also steps
    ramp_wheels: NDArray[np.bool_]
    step_count: NDArray[np.float64]  # where mapped on steps, else 0
    count_unknown: NDArray[np.bool_]  # steps without a count
    handrail: NDArray[np.bool_]
    kerb_cm: NDArray[np.float64]  # (n, 2) mapped heights at start and end, NaN: none
    kerb_missing: NDArray[np.bool_]  # (n, 2) a kerb expected but its height unmapped
    kerb_crossing: NDArray[np.bool_]  # (n, 2) of those, at a crossing
    has_kerb: NDArray[np.bool_]  # a mapped or expected kerb at either end
    width: NDArray[np.float64]
    width_unknown: NDArray[np.bool_]
    surface: NDArray[np.int32]  # index into ``surfaces``, -1: unknown
    surface_unknown_path: NDArray[np.bool_]  # unknown on a path, track or bridleway
    surface_unknown_town: NDArray[np.bool_]  # unknown elsewhere
    smooth_rank: NDArray[np.float64]  # index into SMOOTHNESS_LEVELS, -1: unknown
    elevator: NDArray[np.bool_]
    crossing: NDArray[np.bool_]
    unmarked: NDArray[np.bool_]
    marked: NDArray[np.bool_]
    signal_no_sound: NDArray[np.bool_]
    tactile: NDArray[np.bool_]
    rest: NDArray[np.float64]
    #: what had to be assumed whatever the policy (width on paths only; strict: everywhere)
    unknown: NDArray[np.uint16]

    @classmethod
    def decode(cls, e: pd.DataFrame) -> Columns:
        """Decode the edge table ``e`` (see :mod:`stufenlos.network` for its columns)."""
        n = len(e)
        highway = _str(e["highway"])
        unpaved_way = np.isin(highway, list(_UNPAVED_HIGHWAYS))
        wheelchair = _str(e["wheelchair"])
        unknown = np.zeros(n, np.uint16)

        incline = _float(e["incline_pct"])
        direction = np.nan_to_num(_float(e["incline_dir"]))
        no_number = np.isnan(incline)
        unknown[no_number] |= UNKNOWN_KINDS["incline"]

        steps = _bool(e["steps"])
        count = _float(e["step_count"])
        count_unknown = steps & np.isnan(count)
        unknown[count_unknown] |= UNKNOWN_KINDS["step_count"]

        heights, missing, at_crossing = [], [], []
        for end in ("u", "v"):
            h = _float(e[f"kerb_{end}_m"]) * 100.0
            ctx = _str(e[f"kerb_{end}_context"])
            if end == "u":
                h[ctx == ""] = np.nan
            gap = np.isnan(h) & (ctx != "")
            unknown[gap] |= UNKNOWN_KINDS["kerb_height"]
            heights.append(h)
            missing.append(gap)
            at_crossing.append(gap & (ctx == "crossing"))
        kerb_cm = np.stack(heights, axis=1)
        kerb_missing = np.stack(missing, axis=1)

        width = _float(e["width_m"])
        width_unknown = np.isnan(width)
        unknown[width_unknown & unpaved_way] |= UNKNOWN_KINDS["width"]

        codes, cats = _codes(e["surface"])
        codes = np.where(np.array([s == "" for s in cats] + [True])[codes], -1, codes)
        surfaces = tuple(cats) + tuple(s for s in _DEFAULT_SURFACES if s not in cats)
        surface_unknown = codes < 0
        unknown[surface_unknown] |= UNKNOWN_KINDS["surface"]

        smooth_codes, smooth_cats = _codes(e["smoothness"])
        lut = np.array([_SMOOTH_RANK.get(c, -1) for c in smooth_cats] + [-1], np.float64)
        smooth_rank = lut[np.where(smooth_codes < 0, len(smooth_cats), smooth_codes)]
        unknown[smooth_rank < 0] |= UNKNOWN_KINDS["smoothness"]

        elevator = _bool(e["elevator"])
        unknown[elevator] |= UNKNOWN_KINDS["elevator_status"]

        crossing_tag = _str(e["crossing"])
        is_crossing = (crossing_tag != "") | (_str(e["footway"]) == "crossing")
        signals = is_crossing & np.isin(crossing_tag, list(_CROSSING_SIGNALS))
        sound_tag, vibration_tag = _float(e["signal_sound"]), _float(e["signal_vibration"])
        sound = (sound_tag == 1) | (vibration_tag == 1)
        unknown[signals & np.isnan(sound_tag) & np.isnan(vibration_tag)] |= (
            UNKNOWN_KINDS["signal_sound"])
        marked = is_crossing & np.isin(crossing_tag, list(_CROSSING_MARKED))

        return cls(
            surfaces=surfaces,
            length=_float(e["length_m"]),
            unpaved_way=unpaved_way,
            shared=np.isin(highway, ["living_street", "pedestrian"]) | _bool(e["area"]),
            wc_yes=np.isin(wheelchair, ["yes", "designated"]),
            wc_no=wheelchair == "no",
            wc_limited=wheelchair == "limited",
            incline=np.nan_to_num(incline),
            dir_only=no_number & (direction != 0),
            dir_sign=np.sign(direction),
            steps=steps,
            escalator_only=_bool(e["escalator"]) & ~steps,
            ramp_wheels=(_float(e["ramp_wheelchair"]) == 1) | (_float(e["ramp_stroller"]) == 1),
            step_count=np.where(steps & ~count_unknown, np.nan_to_num(count), 0.0),
            count_unknown=count_unknown,
            handrail=_float(e["handrail"]) == 1,
            kerb_cm=kerb_cm,
            kerb_missing=kerb_missing,
            kerb_crossing=np.stack(at_crossing, axis=1),
            has_kerb=~np.isnan(kerb_cm).all(axis=1) | kerb_missing.any(axis=1),
            width=width,
            width_unknown=width_unknown,
            surface=codes,
            surface_unknown_path=surface_unknown & unpaved_way,
            surface_unknown_town=surface_unknown & ~unpaved_way,
            smooth_rank=smooth_rank,
            elevator=elevator,
            crossing=is_crossing,
            unmarked=is_crossing & ~signals & ~marked,
            marked=marked,
            signal_no_sound=signals & ~sound,
            tactile=np.isin(_str(e["tactile_paving"]), ["yes"]),
            rest=_float(e["rest_dist_m"]),
            unknown=unknown,
        )

    @property
    def n(self) -> int:
        """Number of arcs."""
        return len(self.length)

    def take(self, rows: NDArray[np.integer]) -> Columns:
        """The columns of the arcs ``rows`` only."""
        return dataclasses.replace(self, **{
            f.name: getattr(self, f.name)[rows]
            for f in dataclasses.fields(self) if f.name != "surfaces"})


def columns(net: Network) -> Columns:
    """The decoded columns of ``net``, kept on the network (its tables do not change)."""
    cols = net.memo.get(__name__)
    if cols is None:
        cols = net.memo.setdefault(__name__, Columns.decode(net.edges))
    return cols
