"""Text directions in German, English and easy-read German, written for screen readers.

Every step says the way's name (or what kind of way it is), the distance, the
turn, and the barriers and helps on it: lowered or raised kerbs, crossings with
sound signals, steps, elevators, ramps, benches. Nothing is left to a map: the
summary line gives distance, time, broken limits and assumed values.

The sentences are English msgids of the message catalogues (:mod:`stufenlos.i18n`);
German and easy-read German (``ls``) come from there. Raw OSM values never reach
the text: a surface or level without words is left out.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from stufenlos.i18n import N_, LanguageError, translator
from stufenlos.profiles import LIMITS
from stufenlos.segments import way_kind as _kind
from stufenlos.snap import SNAP_DETOUR_M
from stufenlos.text.vocabulary import words

if TYPE_CHECKING:
    from stufenlos.routing import Route

__all__ = [
    "LANGUAGES",
    "LanguageError",
    "closure_note",
    "instructions",
    "steps",
    "summary",
    "unknowns_that_matter",
    "warnings",
    "words",
]

#: the languages directions are written in (``ls``: easy-read German)
LANGUAGES = ("de", "en", "ls")

#: "Continue …" on a way without a name: one msgid per kind, so German gets its
#: article and case ("auf der Wohnstraße", "durch die Fußgängerzone")
_ON_WAY = {
    "footway": N_("on the footway"), "sidewalk": N_("on the pavement"),
    "path": N_("on the path"), "pedestrian": N_("through the pedestrian zone"),
    "living_street": N_("through the shared street"), "cycleway": N_("on the cycle path"),
    "track": N_("on the track"), "corridor": N_("along the corridor"),
    "service": N_("on the service road"), "residential": N_("on the residential street"),
    "pedestrian_area": N_("across the square"), "_": N_("on the way"),
}  # fmt: skip
#: broken conditions that are not a person's limits (those are named by LIMITS)
_CONDITION = {
    "wheelchair_no": N_("marked not wheelchair accessible"),
    "elevator": N_("elevator of unknown status"), "closed": N_("closed"),
}  # fmt: skip
_PROFILE_NAME = {
    "standard": N_("Standard"), "wheelchair": N_("Wheelchair"),
    "electric_wheelchair": N_("Electric wheelchair"), "walker": N_("Walker"),
    "older_pedestrian": N_("Older pedestrian"), "blind": N_("Blind"), "pram": N_("Pram"),
}  # fmt: skip
_TURN = {
    "left": N_("Turn left."), "right": N_("Turn right."),
    "sharp_left": N_("Turn sharp left."), "sharp_right": N_("Turn sharp right."),
    "slight_left": N_("Bear left."), "slight_right": N_("Bear right."),
    "back": N_("Turn around."),
}  # fmt: skip


class _Messages:
    """:class:`~stufenlos.i18n.Translator` of one language that looks each message up
    once: a route's directions write dozens of sentences from a few messages.

    Parameters
    ----------
    lang
        ``de``, ``en`` or ``ls``.
    """

    def __init__(self, lang: str) -> None:
        self._t = translator(lang)
        self._text: dict[str, str] = {}
        self.ngettext = self._t.ngettext
        self.number = self._t.number

    def gettext(self, message: str, **values: object) -> str:
        """``message`` in the language, formatted with ``values`` (``str.format``)."""
        text = self._text.get(message)
        if text is None:
            text = self._text[message] = self._t.gettext(message)
        return text.format(**values) if values else text


@functools.cache
def _messages(lang: str) -> _Messages:
    """The (cached) :class:`_Messages` of ``lang``."""
    return _Messages(lang)


def _dist(m: float, lang: str) -> str:
    if m >= 1000:
        t = _messages(lang)
        return t.gettext("{n} km", n=t.number(m / 1000, 1))
    return _metres(max(round(m / 5) * 5, 5) if m >= 5 else round(m), lang)


@functools.cache
def _metres(n: int, lang: str) -> str:
    """``n`` metres in words (whole metres under 1 km: a few hundred texts)."""
    t = _messages(lang)
    return t.gettext("{n} m", n=t.number(n))


def _cm(h: float, lang: str) -> str:
    t = _messages(lang)
    return t.gettext("{n} cm", n=t.number(h, 1))


def _minutes(s: float, lang: str) -> str:
    n = max(round(s / 60), 1)
    return _messages(lang).ngettext("{n} minute", "{n} minutes", n)


def _bearing(a: Sequence[float], b: Sequence[float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    dx = (b[0] - a[0]) * math.cos(lat)
    dy = b[1] - a[1]
    return math.degrees(math.atan2(dx, dy)) % 360


def _turn(delta: float, lang: str) -> str:
    """The turn as a sentence followed by a space, or ``""`` for straight on."""
    d = (delta + 180) % 360 - 180
    if abs(d) < 25:
        return ""
    if abs(d) > 160:
        key = "back"
    else:
        side = "right" if d > 0 else "left"
        key = f"slight_{side}" if abs(d) < 55 else f"sharp_{side}" if abs(d) > 120 else side
    return _messages(lang).gettext(_TURN[key]) + " "


def _group(segments: list[dict[str, Any]]) -> tuple[list[range], list[str]]:
    """The segments' steps (runs of one named way, or of one kind of unnamed way) as
    ranges of segments, and the segments' :func:`~stufenlos.segments.way_kind`."""
    special = ("crossing", "steps", "elevator")
    starts: list[int] = []
    kinds: list[str] = []
    prev_kind = prev_name = None
    for i, seg in enumerate(segments):
        kind = _kind(seg)
        kinds.append(kind)
        name = seg.get("name")
        if not (i and kind not in special and prev_kind not in special
                and ((prev_name is not None and prev_name == name)
                     or (prev_kind == kind and prev_name is None and name is None))):
            starts.append(i)
        prev_kind, prev_name = kind, name
    return [range(a, b) for a, b in itertools.pairwise([*starts, len(segments)])], kinds


def _check(lang: str) -> _Messages:
    if lang not in LANGUAGES:
        msg = f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}"
        raise LanguageError(msg)
    return _messages(lang)


def _coordinate(x: float, lang: str) -> str:
    txt = f"{x:.5f}"
    return txt if lang == "en" else txt.replace(".", ",")


def summary(route: Route, *, lang: str = "en") -> list[str]:
    """The route in a few sentences: profile, distance, time, limits kept or broken, and
    what is not known on it (only the first sentence when there is no route)."""
    t = _check(lang)
    if route.status == "no_route":
        none = t.gettext("There is no walkable connection between these two points.")
        near = route.connected_destination
        if near is None:
            return [none]
        return [none, t.gettext(
            "The start and the destination lie on parts of the network that no way "
            "connects. The nearest point connected to the start lies {dist} from the "
            "destination, at {lat}, {lon}.", dist=_dist(near.distance_m, lang),
            lat=_coordinate(near.lat, lang), lon=_coordinate(near.lon, lang))]
    name = route.profile.name
    lines = [t.gettext("{profile} route: {dist}, about {mins}.",
                       profile=t.gettext(_PROFILE_NAME[name]) if name in _PROFILE_NAME
                       else name,
                       dist=_dist(route.distance_m, lang),
                       mins=_minutes(route.duration_s, lang))]
    broken = route.violations()
    assumed = sum(v["assumed"] for v in broken)
    if route.status == "ok":
        lines.append(t.gettext("The route keeps all your limits."))
    elif route.status == "uncertain":
        lines.append(t.ngettext(
            "The route keeps every limit where the values are mapped, but {n} assumed "
            "value (not mapped) breaks one of your limits; it is announced below as a "
            "warning.",
            "The route keeps every limit where the values are mapped, but {n} assumed "
            "values (not mapped) break your limits; they are announced below as a "
            "warning.", assumed))
    elif all(v["limit"] == "max_distance_m" for v in broken):
        lines.append(t.gettext("The route does not keep all your limits: it is longer "
                               "than your range."))
    else:
        lines.append(t.gettext("No route keeps all your limits. This route breaks {n} of "
                               "them; they are announced below as a warning.",
                               n=len(broken)))
        if assumed:
            lines.append(t.gettext("{n} of them rest on assumed values that are not "
                                   "mapped.", n=assumed))
    met: dict[str, int] = {}
    for u in route.uncertain():
        if not u["breaks"]:
            what = f"{_limit_noun(u['limit'], lang)} {_value(u, lang)}"
            met[what] = met.get(what, 0) + 1
    if met:
        lines.append(t.gettext("Assumed right at your limit, not mapped: {items}.", items=", ".join(
            what if n == 1 else t.gettext("{what} ({n} places)", what=what, n=n)
            for what, n in met.items())))
    items = [_unknown(k, v, lang) for k, v in unknowns_that_matter(route).items()]
    if items:
        lines.append(t.gettext("Not known on this route: {items}.", items=", ".join(items)))
    return lines


#: the unknowns counted in metres, as words
_UNKNOWN_METRES = {
    "surface_unknown_m": N_("{n} m of unknown surface"),
    "width_unknown_m": N_("{n} m of unknown width"),
    "incline_unknown_m": N_("{n} m of unknown slope"),
    "smoothness_unknown_m": N_("{n} m of unknown smoothness"),
}


def _unknown(key: str, value: float, lang: str) -> str:
    t = _messages(lang)
    n = round(value)
    if key == "kerbs_unknown_height":
        return t.ngettext("{n} kerb of unknown height", "{n} kerbs of unknown height", n)
    if key == "steps_unknown_count":
        return t.ngettext("{n} flight of steps with unknown count",
                          "{n} flights of steps with unknown count", n)
    if key == "elevators_unknown_status":
        return t.ngettext("{n} elevator of unknown status", "{n} elevators of unknown status",
                          n)
    if key == "signals_unknown_sound":
        return t.ngettext("{n} traffic light without a mapped sound or vibration signal",
                          "{n} traffic lights without a mapped sound or vibration signal", n)
    return t.gettext(_UNKNOWN_METRES[key], n=n)


#: unknowns said only to people whose limits or preferences they touch
_MATTERS_IF = {
    "incline_unknown_m": ("max_incline_pct", "soft_incline_pct"),
    "smoothness_unknown_m": ("min_smoothness", "soft_smoothness"),
    "signals_unknown_sound": ("crossing_signal_no_sound_cost_s",),
}


def unknowns_that_matter(route: Route) -> dict[str, float]:
    """The route's :meth:`~stufenlos.routing.Route.unknowns` that its text names.

    Slope and smoothness count for people with a slope or smoothness limit (wheelchair,
    walker, pram), crossing signals for people who need sound or vibration (blind);
    lengths under 10 m are left out.

    Parameters
    ----------
    route
        The route.

    Returns
    -------
    dict
        The unknowns (name to count or metres) worth a sentence, in their order.
    """
    prof = route.profile
    out = {}
    for k, v in route.unknowns().items():
        needs = _MATTERS_IF.get(k)
        if not v or (k.endswith("_m") and v < 10):
            continue
        if needs is None or any(getattr(prof, f, None) for f in needs):
            out[k] = v
    return out


def steps(route: Route, segments: list[dict[str, Any]] | None = None, *,
          lang: str = "en") -> list[str]:
    """One line per step of ``route``, with the barriers, helps and broken limits on it,
    ending with the arrival (empty when there is no route)."""
    t = _check(lang)
    if route.status == "no_route":
        return []
    segs = route.segments() if segments is None else segments
    by_seg: dict[int, list[dict[str, Any]]] = {}
    for v in route.violations():
        by_seg.setdefault(v["segment"], []).append(v)
    net = route.router.network
    groups, kinds = _group(segs)
    # the end points of each step's first and last arc, read in one go
    ends = np.array([segs[g[k]]["arc"] for g in groups for k in (0, -1)], np.int64)
    ll_u, ll_v = net.node_lonlat[net.u[ends]].tolist(), net.node_lonlat[net.v[ends]].tolist()
    lengths = [seg["length_m"] for seg in segs]
    heading: float | None = None
    lines: list[str] = []
    for n, group in enumerate(groups):
        first = segs[group[0]]
        b = _bearing(ll_u[2 * n], ll_v[2 * n])
        turn = _turn(b - heading, lang) if heading is not None else ""
        # a step of one segment ends in the direction it starts
        heading = b if len(group) == 1 else _bearing(ll_u[2 * n + 1], ll_v[2 * n + 1])
        dist = _dist(sum(lengths[group.start:group.stop]), lang)
        kind = kinds[group[0]]
        attrs = first["attributes"]
        name = first.get("name")
        if kind == "crossing":
            how = _crossing_how(attrs, lang)
            line = (t.gettext("Cross {name}{how}, {dist}.", name=name, how=how, dist=dist)
                    if name else
                    t.gettext("Cross the street{how}, {dist}.", how=how, dist=dist))
            lines.append(turn + line)
            if (route.profile.crossing_signal_no_sound_cost_s > 0
                    and attrs.get("crossing") == "traffic_signals"
                    and attrs.get("signal_sound") is None
                    and attrs.get("signal_vibration") is None):
                lines.append(t.gettext("Sound or vibration signal of these traffic lights "
                                       "not mapped."))
        elif kind == "steps":
            parts = [t.gettext("Take the steps")]
            if count := attrs.get("step_count"):
                parts.append(t.ngettext("{n} step", "{n} steps", int(count)))
            rail = attrs.get("handrail")
            if rail in (0.0, 1.0):
                parts.append(t.gettext("with handrail") if rail else t.gettext("no handrail"))
            lines.append(turn + ", ".join(parts) + ".")
        elif kind == "elevator":
            parts = [t.gettext("Take the elevator")]
            if (levels := _levels(attrs.get("level"), lang)) is not None:
                parts.append(levels)
            lines.append(turn + ", ".join(parts) + ".")
        elif name:
            lines.append(turn + t.gettext("Continue along {name}, {dist}.", name=name,
                                          dist=dist))
        else:
            way = t.gettext(_ON_WAY.get(kind, _ON_WAY["_"]))
            lines.append(turn + t.gettext("Continue {way}, {dist}.", way=way, dist=dist))
        lines.extend(_details(segs, group, lang))
        if by_seg:
            for i in group:
                for v in by_seg.get(i, []):
                    lines.append(_warning(v, lang))
    lines.append(t.gettext("You have arrived."))
    return lines


def _levels(raw: Any, lang: str) -> str | None:
    """OSM ``level`` (``"1;2"``, ``"-1;0"``) as words; ``None`` when it is not numbers."""
    if raw is None:
        return None
    try:
        values = sorted({float(x) for x in str(raw).replace(",", ";").split(";") if x.strip()})
    except ValueError:
        return None
    if not values:
        return None
    t = _messages(lang)
    if len(values) == 1:
        return t.gettext("level {a}", a=t.number(values[0], 1))
    return t.gettext("levels {a} to {b}", a=t.number(values[0], 1), b=t.number(values[-1], 1))


def instructions(route: Route, segments: list[dict[str, Any]] | None = None, *,
                 lang: str = "en") -> list[str]:
    """Every sentence about ``route`` in ``lang`` (``de``, ``en`` or ``ls``), in reading
    order: :func:`summary`, :func:`warnings`, :func:`steps`."""
    return (summary(route, lang=lang) + warnings(route, lang=lang)
            + steps(route, segments, lang=lang))


def warnings(route: Route, *, lang: str = "en") -> list[str]:
    """What the person should know that is not a broken limit: a relaxed unknown policy,
    a route longer than their range, start or destination far from a usable way."""
    t = _check(lang)
    out = []
    if route.relaxed_from == "strict":
        out.append(t.gettext(
            "No route keeps your limits if every unknown value counts as a barrier "
            "(strict); this route assumes the usual building rules for unknown values "
            "(cautious)."))
    prof = route.profile
    if prof.max_distance_m is not None and route.distance_m > prof.max_distance_m:
        out.append(t.gettext("The route is longer than your range of {range}.",
                             range=_dist(prof.max_distance_m, lang)))
    detour = t.number(SNAP_DETOUR_M)
    for end, snap in (("start", route.origin), ("destination", route.destination)):
        if not snap.usable:
            out.append(
                t.gettext("The start is on a way that breaks a limit; no usable way is "
                          "within {m} m more.", m=detour) if end == "start" else
                t.gettext("The destination is on a way that breaks a limit; no usable way "
                          "is within {m} m more.", m=detour))
        elif snap.distance_m > 50:
            d = _dist(snap.distance_m, lang)
            out.append(t.gettext("The nearest usable way is {dist} from the start.", dist=d)
                       if end == "start" else
                       t.gettext("The nearest usable way is {dist} from the destination.",
                                 dist=d))
    return out


def closure_note(closure: Mapping[str, Any], *, lang: str = "en") -> str | None:
    """The sentence naming the report behind a closure the route went around (or through).

    Parameters
    ----------
    closure
        A closure of the route answer (see :func:`stufenlos.api.views.closures_avoided`):
        ``report_id``, ``reason`` (the report's kind), optional ``reason_de`` and
        ``on_route``.
    lang
        ``de``, ``en`` or ``ls``.

    Returns
    -------
    str or None
        ``Umweg wegen Meldung 3: Gehweg versperrt.`` / ``Detour because of report 3:
        blocked sidewalk.``; ``None`` for a closure no report made.
    """
    t = _check(lang)
    rid = closure.get("report_id")
    if rid is None:
        return None
    if lang == "en":
        why = str(closure.get("reason") or "")
        why = why[:1].lower() + why[1:]
    else:
        why = closure.get("reason_de") or closure.get("reason") or ""
    if closure.get("on_route"):
        return t.gettext("Closed because of report {id}: {why}. The route still goes "
                         "through, as there is no other way.", id=rid, why=why)
    return t.gettext("Detour because of report {id}: {why}.", id=rid, why=why)


def _crossing_how(a: dict[str, Any], lang: str) -> str:
    """How a crossing is made, as words after the street: `` at traffic lights …``."""
    t = _messages(lang)
    crossing = a.get("crossing")
    how = []
    if crossing == "traffic_signals":
        how.append(t.gettext("at traffic lights"))
        if a.get("signal_sound") == 1:
            how.append(t.gettext("with sound signal"))
        if a.get("signal_vibration") == 1:
            how.append(t.gettext("with vibration signal"))
    elif crossing == "zebra":
        how.append(t.gettext("at a zebra crossing"))
    elif crossing in ("marked", "uncontrolled"):
        how.append(t.gettext("at a marked crossing"))
    elif crossing in ("unmarked", "no", "informal"):
        how.append(t.gettext("without marking"))
    text = "".join(" " + h for h in how)
    if a.get("crossing_island") == 1:
        text += ", " + t.gettext("with a traffic island")
    return text


def _kerb(h: float, end: int, mapped: bool, lang: str) -> str:
    """The sentence on the kerb at the start (``end=0``) or end (``end=1``) of a step."""
    t = _messages(lang)
    if not mapped:
        height = t.gettext("kerb flush") if h == 0 else _cm(h, lang)
        return (t.gettext("Kerb height not mapped at the start, assumed {h}.", h=height)
                if end == 0 else
                t.gettext("Kerb height not mapped at the end, assumed {h}.", h=height))
    if h == 0:
        return (t.gettext("Kerb flush (the start).") if end == 0
                else t.gettext("Kerb flush (the end)."))
    return (t.gettext("Kerb {h} at the start.", h=_cm(h, lang)) if end == 0
            else t.gettext("Kerb {h} at the end.", h=_cm(h, lang)))


def _details(segs: list[dict[str, Any]], group: range, lang: str) -> list[str]:
    """Kerbs, slope, surface, width, ramps and tactile paving along one step."""
    t = _messages(lang)
    out = []
    steep: float | None = None  # the steepest slope, the first of equal ones
    surfaces: dict[Any, None] = {}
    narrowest: float | None = None
    tactile = ramp = False
    for i in group:
        seg = segs[i]
        a = seg["attributes"]
        if (used := seg.get("kerb_cm_used")) is not None:
            if used[0] is not None and i == group.start:
                out.append(_kerb(used[0], 0, a.get("kerb_u_m") is not None, lang))
            if used[1] is not None:
                out.append(_kerb(used[1], 1, a.get("kerb_v_m") is not None, lang))
        if (x := a.get("incline_pct")) is not None and (steep is None or abs(x) > abs(steep)):
            steep = x
        surfaces[a.get("surface")] = None
        if (w := a.get("width_m")) is not None and (narrowest is None or w < narrowest):
            narrowest = w
        tactile = tactile or a.get("tactile_paving") == "yes"
        ramp = ramp or a.get("ramp") == 1
    if steep is not None and abs(steep) >= 3:
        pct = t.number(abs(steep))
        out.append(t.gettext("Slope {pct} percent uphill.", pct=pct) if steep > 0
                   else t.gettext("Slope {pct} percent downhill.", pct=pct))
    for surface in surfaces:
        if surface and surface not in ("asphalt", "paving_stones", "concrete", "paved"):
            said = words(surface, lang) if isinstance(surface, str) else None
            if said:  # a value without words (a typo, "sett;asphalt") is left out
                out.append(t.gettext("Surface: {s}.", s=said))
    if narrowest is not None and narrowest < 1.5:
        out.append(t.gettext("Width {w}.", w=t.gettext("{n} m", n=t.number(narrowest, 2))))
    if tactile:
        out.append(t.gettext("Tactile paving."))
    if ramp:
        out.append(t.gettext("Ramp available."))
    return out


def _limit_noun(limit: str, lang: str) -> str:
    lim = LIMITS.get(limit)
    if lim is not None:
        return lim.text(lim.noun, lang)
    cond = _CONDITION.get(limit)
    return _messages(lang).gettext(cond) if cond else limit


def _value(v: dict[str, Any], lang: str) -> str:
    """The assumed value of a violation or uncertain entry as running text."""
    value = v["assumed_value"]
    lim = LIMITS.get(v["limit"])
    if value == "out_of_service":
        return _messages(lang).gettext("out of service")
    if isinstance(value, str):
        return words(value, lang) or ""
    return lim.format(value, lang) if lim is not None else _messages(lang).number(value, 2)


def _warning(v: dict[str, Any], lang: str) -> str:
    t = _messages(lang)
    lim = LIMITS.get(v["limit"])
    excess = ""
    if lim is not None and lim.numeric and v["excess"]:
        excess = t.gettext(", {amount} over your limit", amount=lim.format(v["excess"], lang))
    if v["assumed"]:
        value = _value(v, lang) if v["assumed_value"] is not None else ""
        excess += (t.gettext(" (assumed: {v}, not mapped)", v=value) if value
                   else t.gettext(" (assumed, not mapped)"))
    return t.gettext("Warning: {what}{excess}.", what=_limit_noun(v["limit"], lang),
                     excess=excess)
