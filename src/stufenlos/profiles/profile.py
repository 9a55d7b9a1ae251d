"""User profiles (wheelchair, walker, blind person, pram, ...): limits, presets, validation.

A :class:`Profile` is a small frozen object of limits and preferences with units in
their names. :meth:`Profile.evaluate` turns the columns of a
:class:`~stufenlos.network.Network` into, per directed arc, in one vectorised pass:

* ``time_s``: the estimated travel time for this person,
* ``cost_s``: the search cost (time plus preference penalties),
* which hard limits the arc breaks (a bit mask) and by how much,
* which values were unknown and had to be assumed under ``unknown_policy``.

How hard limits and unknown values become costs is described in
:mod:`stufenlos.profiles.costs`.

Sources of the presets: DIN 18040-3 (slope 3 %/6 %, passage 0.90 m, kerbs at
crossings 3 cm), RiLSA and published walking speeds (older pedestrians 0.9 m/s,
manual wheelchairs 0.64-0.8 m/s), and the peers' code (OpenRouteService kerb and
surface tables, AccessMap slope limits, Valhalla's 600 s step penalty). Unknown
values: ``strict`` treats them as barriers, ``cautious`` (default for people on
wheels) assumes the German design rules (3 cm at a mapped crossing, a raised kerb
where a footway meets a road elsewhere) and charges for the doubt, ``optimistic``
assumes the usable case. Every assumed value is counted on the route.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from stufenlos.errors import StufenlosError
from stufenlos.i18n import N_, LazyText, translator
from stufenlos.profiles.columns import _SMOOTH_RANK, SMOOTHNESS_LEVELS, columns
from stufenlos.profiles.costs import LIMIT_BITS, _evaluate
from stufenlos.text.vocabulary import words

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from stufenlos.network import Network
    from stufenlos.profiles.costs import EdgeCosts

__all__ = [
    "LIMITS",
    "NUMERIC_HARD",
    "PRESETS",
    "STRICTEST",
    "Limit",
    "Profile",
    "ProfileError",
    "get_profile",
]

logger = logging.getLogger(__name__)

UnknownPolicy = Literal["strict", "cautious", "optimistic"]
Optimize = Literal["comfort", "distance"]
_WHEEL_EXCLUDED = frozenset({
    "sand", "grass", "mud", "dirt", "earth", "ground", "gravel", "pebblestone", "woodchips",
    "snow", "ice",
})  # fmt: skip
_WHEEL_SLOW = {
    "sett": 1.3, "cobblestone": 1.5, "unhewn_cobblestone": 1.8, "unpaved": 1.4,
    "compacted": 1.2, "fine_gravel": 1.3, "grass_paver": 1.5,
}  # fmt: skip


class ProfileError(StufenlosError, ValueError):
    """A profile name, limit or value is invalid."""


# -- the user-editable limits ----------------------------------------------------------

Text = Mapping[str, str]  # language ("de", "en", "ls" = easy-read German) -> text


@dataclass(frozen=True)
class Limit:
    """One user-editable field of :class:`Profile`: its range, unit, texts and bit.

    The request schema of the HTTP API, the CLI options, the planner's form fields
    and the words of directions are all generated from these specs (:data:`LIMITS`),
    so a range or a label is changed here and nowhere else.

    Attributes
    ----------
    name
        The :class:`Profile` field.
    unit
        Unit of the value and of a violation's excess (``""`` for a count).
    label
        Form label per language (``de``, ``en``, ``ls`` = easy-read German).
    noun
        What breaks the limit, as directions name it (``"kerb"``).
    help
        One or two sentences for the form and ``--help``.
    min, max, step
        The accepted range and the form's step (numbers only).
    integer
        Whole numbers only.
    choices
        The accepted values of a choice (or of each item of a set).
    many
        A set of values (given as a list, or comma-separated on the command line).
    bit
        Bit of :attr:`EdgeCosts.violation_bits` if the limit is hard, else ``None``.
    nullable
        ``None`` (no limit) is a valid value.
    words
        The unit in running text per language where it is a word (``"steps"``).
    """

    name: str
    unit: str
    label: Text
    noun: Text
    help: Text
    min: float | None = None
    max: float | None = None
    step: float | None = None
    integer: bool = False
    choices: tuple[str, ...] = ()
    many: bool = False
    bit: int | None = None
    nullable: bool = True
    words: Text = field(default_factory=dict)

    @property
    def numeric(self) -> bool:
        """Whether the value is a number (else a choice or a set)."""
        return self.min is not None

    def text(self, texts: Text, lang: str) -> str:
        """``texts`` in ``lang`` (``de``, ``en``, ``ls``); a plain dict falls back to English."""
        return texts.get(lang) or texts["en"]

    def default(self, preset: str) -> Any:
        """The value of preset ``preset`` (read from :data:`PRESETS`), JSON-friendly."""
        return PRESETS[preset].limits()[self.name]

    def defaults(self) -> dict[str, Any]:
        """The value of every preset, by preset name."""
        return {name: self.default(name) for name in PRESETS}

    def check(self, value: Any) -> None:
        """Raise :class:`ProfileError` naming the field if ``value`` is not accepted."""
        if value is None:
            if not self.nullable:
                msg = f"`{self.name}` must be given"
                raise ProfileError(msg)
            return
        if self.numeric:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                msg = f"`{self.name}` must be a number, got {value!r}"
                raise ProfileError(msg)
            if self.integer and value != int(value):
                msg = f"`{self.name}` must be a whole number, got {value}"
                raise ProfileError(msg)
            if not self.min <= value <= self.max:  # type: ignore[operator]
                msg = (f"`{self.name}` must be between {self.min:g} and {self.max:g}"
                       f"{' ' + self.unit if self.unit else ''}, got {value:g}")
                raise ProfileError(msg)
            return
        items = sorted(value) if self.many else [value]
        bad = [v for v in items if self.choices and v not in self.choices]
        if bad:
            msg = f"`{self.name}` must be one of {', '.join(self.choices)}, got {bad[0]!r}"
            raise ProfileError(msg)

    def format(self, value: Any, lang: str = "en") -> str:
        """``value`` with its unit as running text: ``"3 cm"``, ``"0,9 m"`` in German,
        ``"3 Zentimeter"`` in easy-read German; OSM values in words."""
        t = translator(lang)
        if value is None:
            return t.gettext("no limit")
        if self.many or not self.numeric:
            said = words(value, lang)
            return said if said is not None else ", ".join(sorted(value)) if self.many \
                else str(value)
        return f"{t.number(value, 3)} {self.unit_in(lang)}".rstrip()

    def unit_in(self, lang: str) -> str:
        """The unit as written in running text: ``words`` in ``lang``, else the unit
        (spelled out in easy-read German)."""
        if self.words:
            return self.text(self.words, lang)
        unit = _UNITS.get(self.unit)
        return translator(lang).gettext(unit) if unit else self.unit


#: units in running text (easy-read German spells them out: "Zentimeter")
_UNITS = {"cm": N_("cm"), "m": N_("m"), "%": N_("%"), "m/s": N_("m/s")}


#: the limits a person may change, by :class:`Profile` field name; the order is the
#: order of the planner's form
LIMITS: dict[str, Limit] = {lim.name: lim for lim in (
    Limit("max_kerb_cm", "cm", bit=LIMIT_BITS["max_kerb_cm"], min=0, max=30, step=1,
          label=LazyText("Highest kerb"),
          noun=LazyText("kerb"),
          help=LazyText("The highest kerb you can manage. Lowered kerbs at crossings are "
                        "usually 3 cm high.")),
    Limit("max_incline_pct", "%", bit=LIMIT_BITS["max_incline_pct"], min=0, max=25,
          step=0.5,
          label=LazyText("Steepest slope"),
          noun=LazyText("slope"),
          help=LazyText("Uphill and downhill, in percent. The German standard DIN 18040-3 "
                        "calls 3 percent comfortable and 6 percent the limit.")),
    Limit("min_width_m", "m", bit=LIMIT_BITS["min_width_m"], min=0.5, max=3, step=0.05,
          label=LazyText("Narrowest way"),
          noun=LazyText("narrow passage"),
          help=LazyText("Narrower places are avoided. A wheelchair usually needs 0.90 m.")),
    Limit("max_steps", "", bit=LIMIT_BITS["max_steps"], min=0, max=50, step=1,
          integer=True,
          words=LazyText("steps"),
          label=LazyText("Most steps"),
          noun=LazyText("steps"),
          help=LazyText("Steps in one flight. 0 means step-free.")),
    Limit("max_distance_m", "m", min=100, max=20_000, step=50,
          label=LazyText("Range"),
          noun=LazyText("range"),
          help=LazyText("The longest distance in one go. A longer route is still shown, "
                        "marked as longer than your range; walks to and from stops stay "
                        "within it.")),
    Limit("speed_mps", "m/s", min=0.3, max=2.5, step=0.1, nullable=False,
          label=LazyText("Speed"),
          noun=LazyText("speed"),
          help=LazyText("On the flat. Walking about 1.3 m/s, in a wheelchair about 0.8 m/s.")),
    Limit("rest_every_m", "m", min=25, max=2000, step=25,
          label=LazyText("Bench every"),
          noun=LazyText("bench"),
          help=LazyText("Ways with benches at this spacing are preferred.")),
    Limit("min_smoothness", "levels", bit=LIMIT_BITS["min_smoothness"],
          choices=SMOOTHNESS_LEVELS,
          words=LazyText("levels"),
          label=LazyText("Roughest surface"),
          noun=LazyText("rough surface"),
          help=LazyText("The worst OSM smoothness you can use; intermediate is usable by "
                        "wheelchairs.")),
    Limit("avoid_surfaces", "", bit=LIMIT_BITS["avoid_surfaces"], many=True,
          label=LazyText("Surfaces to avoid"),
          noun=LazyText("unsuitable surface"),
          help=LazyText("OSM surfaces that cannot be used, e.g. gravel, sand; replaces the "
                        "profile's list.")),
    Limit("unknown_policy", "", choices=("strict", "cautious", "optimistic"), nullable=False,
          label=LazyText("Unknown values"),
          noun=LazyText("unknown values"),
          help=LazyText("strict: unknown counts as a barrier; cautious: the German design "
                        "rules are assumed, at a cost; optimistic: the usable case is "
                        "assumed.")),
)}

#: the hard limits given as one number (``max_kerb_cm``, ``min_width_m``, ...)
NUMERIC_HARD = tuple(name for name, lim in LIMITS.items() if lim.bit is not None and lim.numeric)
#: the strictest value each of them can take (the penalties of broken limits grow from it)
STRICTEST: dict[str, float] = {
    name: float(LIMITS[name].max if name.startswith("min_") else LIMITS[name].min)
    for name in NUMERIC_HARD}


@dataclass(frozen=True)
class Profile:
    """Limits and preferences of one person (see the module docstring for sources).

    ``max_*``/``min_*``/``avoid_*`` are hard limits (``None`` = no limit): an arc that
    breaks one is only used if no route without such arcs exists, and is then
    reported as a violation. ``soft_*``, ``*_cost_s`` and ``slow_surfaces`` are
    preferences that add cost when ``optimize="comfort"``. The fields a person may
    change are described, with their accepted ranges, in :data:`LIMITS`; values outside
    raise :class:`ProfileError` naming the field.

    Parameters
    ----------
    name
        Preset name this profile was made from (for reports).
    speed_mps
        Walking or rolling speed on the flat.
    max_incline_pct, max_decline_pct
        Steepest uphill / downhill slope in percent (``max_decline_pct=None`` uses
        ``max_incline_pct`` for both directions).
    soft_incline_pct
        Slope above which travel slows down and costs more.
    short_ramp_m
        Arcs up to this length may reach 12 % without breaking ``max_incline_pct``.
    max_kerb_cm
        Highest kerb that can be passed; ``kerb_cost_s_per_cm`` adds cost per cm below it.
    min_width_m
        Narrowest passable width.
    avoid_surfaces
        Surfaces that cannot be used; ``slow_surfaces`` maps surfaces to a time factor.
    min_smoothness
        Worst acceptable OSM smoothness (``"intermediate"``: usable by wheelchairs).
    max_steps
        Most steps in one flight (0 = step-free, ``None`` = any).
    step_cost_s, step_cost_per_step_s, no_handrail_factor
        Cost of a flight and of each step, and the factor without a handrail.
    wheels
        Person on wheels: ``wheelchair=no`` ways break a limit, escalators count as steps.
    max_distance_m
        Range of one walk: longer routes get a warning, reach is capped by it.
    rest_every_m
        Wanted spacing of benches; arcs farther than half of it from a rest cost more.
    unknown_policy
        ``strict``, ``cautious`` or ``optimistic`` treatment of missing values.
    """

    name: str = "standard"
    speed_mps: float = 1.3
    max_incline_pct: float | None = None
    max_decline_pct: float | None = None
    soft_incline_pct: float | None = 10.0
    short_ramp_m: float = 0.0
    max_kerb_cm: float | None = None
    soft_kerb_cm: float | None = None
    kerb_cost_s_per_cm: float = 0.0
    min_width_m: float | None = None
    avoid_surfaces: frozenset[str] = frozenset()
    slow_surfaces: Mapping[str, float] = field(default_factory=dict)
    min_smoothness: str | None = "very_horrible"
    soft_smoothness: str | None = None
    max_steps: int | None = None
    step_cost_s: float = 30.0
    step_cost_per_step_s: float = 0.0
    no_handrail_factor: float = 1.0
    wheels: bool = False
    elevator_wait_s: float = 20.0
    crossing_unmarked_cost_s: float = 0.0
    crossing_marked_cost_s: float = 0.0
    crossing_signal_no_sound_cost_s: float = 0.0
    crossing_no_tactile_cost_s: float = 0.0
    shared_space_factor: float = 1.0
    max_distance_m: float | None = None
    rest_every_m: float | None = None
    unknown_policy: UnknownPolicy = "optimistic"

    def __post_init__(self) -> None:
        for lim in LIMITS.values():
            lim.check(getattr(self, lim.name))
        if self.soft_smoothness is not None and self.soft_smoothness not in _SMOOTH_RANK:
            msg = (f"`soft_smoothness` must be one of {', '.join(SMOOTHNESS_LEVELS)}, "
                   f"got {self.soft_smoothness!r}")
            raise ProfileError(msg)
        if self.max_decline_pct is not None and self.max_decline_pct < 0:
            msg = f"`max_decline_pct` must not be negative, got {self.max_decline_pct}"
            raise ProfileError(msg)
        object.__setattr__(self, "avoid_surfaces", frozenset(self.avoid_surfaces))
        object.__setattr__(self, "slow_surfaces", dict(self.slow_surfaces))

    # -- construction ------------------------------------------------------------

    @classmethod
    def preset(cls, name: str, **limits: Any) -> Profile:
        """A preset (``wheelchair``, ``walker``, ...) with some limits changed."""
        return get_profile(name, **limits)

    def replace(self, **limits: Any) -> Profile:
        """A copy with some limits changed; unknown names raise :class:`ProfileError`."""
        names = {f.name for f in dataclasses.fields(self)}
        bad = sorted(set(limits) - names)
        if bad:
            msg = f"unknown profile limit(s): {', '.join(bad)}; known: {', '.join(sorted(names))}"
            raise ProfileError(msg)
        return dataclasses.replace(self, **limits)

    def limits(self) -> dict[str, Any]:
        """All limits and preferences as JSON-friendly values."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, Mapping):
                value = dict(sorted(value.items()))
            out[f.name] = value
        return out

    def key(self) -> tuple[Any, ...]:
        """Hashable identity of every value that changes costs.

        Sets are given sorted, so ``repr(key())`` is the same text in every process
        (stored street walks are found by a hash of it, whatever ``PYTHONHASHSEED``).
        """
        return tuple(
            tuple(sorted(v.items())) if isinstance(v, dict)
            else tuple(sorted(v)) if isinstance(v, (set, frozenset)) else v
            for v in (getattr(self, f.name) for f in dataclasses.fields(self))
        )

    def __hash__(self) -> int:
        return hash(self.key())

    # -- costs -------------------------------------------------------------------

    def evaluate(self, network: Network, *, optimize: Optimize = "comfort",
                 arcs: NDArray[np.integer] | None = None) -> EdgeCosts:
        """Costs, violations and unknowns of every arc of ``network`` for this person.

        Parameters
        ----------
        network
            The network; its columns are decoded on the first evaluation and kept.
        optimize
            ``"comfort"`` (time and preferences) or ``"distance"`` (time only).
        arcs
            Evaluate these arcs only: every array of the result then has one row per
            given arc, in their order.

        Returns
        -------
        EdgeCosts
            Per-arc costs, travel times, broken limits and assumed values.
        """
        if optimize not in ("comfort", "distance"):
            msg = f"`optimize` must be comfort or distance, got {optimize!r}"
            raise ProfileError(msg)
        cols = columns(network)
        return _evaluate(self, cols if arcs is None else cols.take(arcs), optimize, STRICTEST)


# -- presets -------------------------------------------------------------------------

_WHEELCHAIR: dict[str, Any] = {
    "speed_mps": 0.8, "max_incline_pct": 6.0, "soft_incline_pct": 3.0, "short_ramp_m": 1.0,
    "max_kerb_cm": 3.0, "kerb_cost_s_per_cm": 10.0, "min_width_m": 0.9,
    "avoid_surfaces": _WHEEL_EXCLUDED, "slow_surfaces": _WHEEL_SLOW,
    "min_smoothness": "intermediate", "max_steps": 0, "step_cost_s": 600.0, "wheels": True,
    "max_distance_m": 2000.0, "unknown_policy": "cautious",
}  # fmt: skip

PRESETS: dict[str, Profile] = {
    "standard": Profile(name="standard", max_distance_m=2000.0),
    "wheelchair": Profile(name="wheelchair", **_WHEELCHAIR),
    "electric_wheelchair": Profile(**{
        **_WHEELCHAIR, "name": "electric_wheelchair", "speed_mps": 1.4,
        "max_incline_pct": 12.0, "soft_incline_pct": 6.0,
        "avoid_surfaces": _WHEEL_EXCLUDED - {"gravel"},
        "slow_surfaces": {"sett": 1.2, "cobblestone": 1.3, "gravel": 1.5},
        "max_distance_m": 10_000.0,
    }),
    "walker": Profile(**{
        **_WHEELCHAIR, "name": "walker", "speed_mps": 0.7, "max_decline_pct": 8.0,
        "kerb_cost_s_per_cm": 20.0, "min_width_m": 0.8, "step_cost_s": 300.0,
        "slow_surfaces": {**_WHEEL_SLOW, "sett": 2.0, "cobblestone": 2.0},
        "max_distance_m": 500.0, "rest_every_m": 100.0,
    }),
    "older_pedestrian": Profile(
        name="older_pedestrian", speed_mps=0.9, max_incline_pct=12.0, soft_incline_pct=5.0,
        soft_kerb_cm=3.0, kerb_cost_s_per_cm=5.0, min_smoothness="very_bad",
        soft_smoothness="intermediate", slow_surfaces={"cobblestone": 1.3, "sett": 1.2,
                                                       "gravel": 1.3},
        max_steps=30, step_cost_s=0.0, step_cost_per_step_s=3.0, no_handrail_factor=2.0,
        crossing_unmarked_cost_s=30.0, crossing_marked_cost_s=10.0, max_distance_m=800.0,
        rest_every_m=300.0, unknown_policy="cautious",
    ),
    "blind": Profile(
        name="blind", speed_mps=1.0, soft_incline_pct=None, step_cost_s=10.0,
        no_handrail_factor=1.5, crossing_unmarked_cost_s=120.0, crossing_marked_cost_s=30.0,
        crossing_signal_no_sound_cost_s=20.0, crossing_no_tactile_cost_s=60.0,
        shared_space_factor=2.0, max_distance_m=2000.0, unknown_policy="cautious",
    ),
    "pram": Profile(
        name="pram", speed_mps=1.2, max_incline_pct=12.0, soft_incline_pct=6.0,
        soft_kerb_cm=3.0, kerb_cost_s_per_cm=5.0, min_width_m=0.8,
        avoid_surfaces=frozenset({"sand", "mud"}),
        slow_surfaces={"gravel": 1.3, "grass": 1.5, "cobblestone": 1.3},
        min_smoothness="very_bad", soft_smoothness="bad", step_cost_s=120.0, wheels=True,
        max_distance_m=2000.0, unknown_policy="cautious",
    ),
}


def get_profile(name: str | Profile, **limits: Any) -> Profile:
    """The preset called ``name`` with ``limits`` changed (``None`` values are ignored)."""
    if isinstance(name, Profile):
        base = name
    else:
        try:
            base = PRESETS[name]
        except KeyError:
            msg = f"unknown profile {name!r}; choose one of {', '.join(PRESETS)}"
            raise ProfileError(msg) from None
    changes = {k: v for k, v in limits.items() if v is not None}
    return base.replace(**changes) if changes else base

