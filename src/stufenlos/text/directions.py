"""Text directions in German and English, written for screen readers.

Every step says the way's name (or what kind of way it is), the distance, the
turn, and the barriers and helps on it: lowered or raised kerbs, crossings with
sound signals, steps, elevators, ramps, benches. Nothing is left to a map: the
summary line gives distance, time, broken limits and assumed values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from stufenlos.errors import StufenlosError
from stufenlos.profiles import LIMITS
from stufenlos.segments import way_kind as _kind
from stufenlos.snap import SNAP_DETOUR_M

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
]

LANGUAGES = ("de", "en")


class LanguageError(StufenlosError, ValueError):
    """Directions were asked for in a language we do not write."""

_WAY_KIND = {
    "en": {"footway": "footway", "sidewalk": "pavement", "path": "path", "steps": "steps",
           "pedestrian": "pedestrian zone", "living_street": "shared street",
           "crossing": "crossing", "cycleway": "cycle path", "track": "track",
           "elevator": "elevator", "corridor": "corridor", "service": "service road",
           "residential": "residential street", "pedestrian_area": "square", "_": "way"},
    "de": {"footway": "Fußweg", "sidewalk": "Gehweg", "path": "Weg", "steps": "Treppe",
           "pedestrian": "Fußgängerzone", "living_street": "verkehrsberuhigter Bereich",
           "crossing": "Überweg", "cycleway": "Radweg", "track": "Wirtschaftsweg",
           "elevator": "Aufzug", "corridor": "Gang", "service": "Zufahrt",
           "residential": "Wohnstraße", "pedestrian_area": "Platz", "_": "Weg"},
}  # fmt: skip
_SURFACE = {
    "en": {"asphalt": "asphalt", "paving_stones": "paving stones", "sett": "sett (cobbles)",
           "cobblestone": "cobblestones", "concrete": "concrete", "gravel": "gravel",
           "fine_gravel": "fine gravel", "compacted": "compacted gravel", "grass": "grass",
           "unpaved": "unpaved", "ground": "bare ground", "dirt": "dirt", "wood": "wood"},
    "de": {"asphalt": "Asphalt", "paving_stones": "Pflastersteine", "sett": "Kopfsteinpflaster",
           "cobblestone": "Kopfsteinpflaster", "concrete": "Beton", "gravel": "Schotter",
           "fine_gravel": "Splitt", "compacted": "wassergebundene Decke", "grass": "Rasen",
           "unpaved": "unbefestigt", "ground": "Erdboden", "dirt": "Erdboden", "wood": "Holz"},
}  # fmt: skip
#: broken conditions that are not a person's limits (those are named by LIMITS)
_CONDITION = {
    "en": {"wheelchair_no": "marked not wheelchair accessible",
           "elevator": "elevator of unknown status", "closed": "closed"},
    "de": {"wheelchair_no": "als nicht rollstuhlgerecht markiert",
           "elevator": "Aufzug mit unbekanntem Zustand", "closed": "gesperrt"},
}  # fmt: skip
_T = {
    "en": {
        "start": "Start", "arrive": "You have arrived.",
        "summary": "{profile} route: {dist}, about {mins}.",
        "ok": "The route keeps all your limits.",
        "broken": "No route keeps all your limits. This route breaks {n} of them; they are "
                  "announced below as a warning.",
        "broken_assumed": "{n} of them rest on assumed values that are not mapped.",
        "range_broken": "The route does not keep all your limits: it is longer than your "
                        "range.",
        "uncertain": "The route keeps every limit where the values are mapped, but {n} "
                     "assumed values (not mapped) break your limits; they are announced "
                     "below as a warning.",
        "uncertain_one": "The route keeps every limit where the values are mapped, but 1 "
                         "assumed value (not mapped) breaks one of your limits; it is "
                         "announced below as a warning.",
        "at_limit": "Assumed right at your limit, not mapped: {items}.",
        "times": "{what} ({n} places)",
        "assumed": " (assumed: {v}, not mapped)", "assumed_plain": " (assumed, not mapped)",
        "out_of_service": "out of service",
        "sound_unknown": "Sound or vibration signal of these traffic lights not mapped.",
        "none": "There is no walkable connection between these two points.",
        "nearest": ("The start and the destination lie on parts of the network that no way "
                    "connects. The nearest point connected to the start lies {dist} from the "
                    "destination, at {lat}, {lon}."),
        "unknown": "Not known on this route: {items}.",
        "follow": "{turn}{kind} {name}{dist}.", "along": "along", "for": "for",
        "cross": "{turn}Cross {name}{how}{dist}.",
        "steps": "{turn}Take the steps{count}{rail}.",
        "elevator": "{turn}Take the elevator{level}.",
        "left": "Turn left. ", "right": "Turn right. ", "sharp_left": "Turn sharp left. ",
        "sharp_right": "Turn sharp right. ", "slight_left": "Bear left. ",
        "slight_right": "Bear right. ", "back": "Turn around. ",
        "signals": " at traffic lights", "sound": " with sound signal",
        "vibration": " with vibration signal", "zebra": " at a zebra crossing",
        "marked": " at a marked crossing", "unmarked": " without marking",
        "island": ", with a traffic island", "kerb": "Kerb {h} at {where}.",
        "kerb_assumed": "Kerb height not mapped at {where}, assumed {h}.",
        "kerb_flush": "kerb flush", "start_of": "the start", "end_of": "the end",
        "incline": "Slope {pct} percent {dir}.", "up": "uphill", "down": "downhill",
        "surface": "Surface: {s}.", "width": "Width {w}.", "tactile": "Tactile paving.",
        "ramp": "Ramp available.", "handrail": ", with handrail", "no_handrail": ", no handrail",
        "warning": "Warning: {what}{excess}.", "unnamed_street": "the street",
        "lit": "", "n_steps": ", {n} steps",
        "kerbs_unknown_height": "{v} kerbs of unknown height",
        "surface_unknown_m": "{v} m of unknown surface",
        "width_unknown_m": "{v} m of unknown width",
        "steps_unknown_count": "{v} flights of steps with unknown count",
        "elevators_unknown_status": "{v} elevators of unknown status",
        "incline_unknown_m": "{v} m of unknown slope",
        "smoothness_unknown_m": "{v} m of unknown smoothness",
        "signals_unknown_sound": "{v} traffic lights without a mapped sound or vibration "
                                 "signal",
        "minutes": "{n} minutes", "minute": "1 minute",
        "extra": "{msg}",
    },
    "de": {
        "start": "Start", "arrive": "Sie haben Ihr Ziel erreicht.",
        "summary": "Route für Profil {profile}: {dist}, etwa {mins}.",
        "ok": "Die Route hält alle Ihre Grenzwerte ein.",
        "broken": "Keine Route hält alle Ihre Grenzwerte ein. Diese Route überschreitet {n}; "
                  "die Stellen werden unten als Warnung angesagt.",
        "broken_assumed": "{n} davon beruhen auf angenommenen, nicht erfassten Werten.",
        "range_broken": "Die Route hält nicht alle Ihre Grenzwerte ein: Sie ist länger als "
                        "Ihre Reichweite.",
        "uncertain": "Die Route hält alle Grenzwerte ein, wo die Werte erfasst sind, aber {n} "
                     "angenommene, nicht erfasste Werte überschreiten Ihre Grenzwerte; die "
                     "Stellen werden unten als Warnung angesagt.",
        "uncertain_one": "Die Route hält alle Grenzwerte ein, wo die Werte erfasst sind, "
                         "aber 1 angenommener, nicht erfasster Wert überschreitet einen Ihrer "
                         "Grenzwerte; die Stelle wird unten als Warnung angesagt.",
        "at_limit": "Genau an Ihrem Grenzwert angenommen, nicht erfasst: {items}.",
        "times": "{what} ({n} Stellen)",
        "assumed": " (angenommen: {v}, nicht erfasst)",
        "assumed_plain": " (angenommen, nicht erfasst)",
        "out_of_service": "außer Betrieb",
        "sound_unknown": "Ton- oder Vibrationssignal dieser Ampel nicht erfasst.",
        "none": "Zwischen diesen beiden Punkten gibt es keine begehbare Verbindung.",
        "nearest": ("Start und Ziel liegen auf Teilen des Wegenetzes, die kein Weg verbindet. "
                    "Der nächste mit dem Start verbundene Punkt liegt {dist} vom Ziel entfernt, "
                    "bei {lat}, {lon}."),
        "unknown": "Auf dieser Route unbekannt: {items}.",
        "follow": "{turn}{kind} {name}{dist}.", "along": "entlang", "for": "",
        "cross": "{turn}{name} überqueren{how}{dist}.",
        "steps": "{turn}Treppe benutzen{count}{rail}.",
        "elevator": "{turn}Aufzug benutzen{level}.",
        "left": "Links abbiegen. ", "right": "Rechts abbiegen. ",
        "sharp_left": "Scharf links abbiegen. ", "sharp_right": "Scharf rechts abbiegen. ",
        "slight_left": "Halb links halten. ", "slight_right": "Halb rechts halten. ",
        "back": "Umkehren. ",
        "signals": " an der Ampel", "sound": " mit Tonsignal",
        "vibration": " mit Vibrationssignal", "zebra": " am Zebrastreifen",
        "marked": " an einem markierten Überweg", "unmarked": " ohne Markierung",
        "island": ", mit Mittelinsel", "kerb": "Bordstein {h} am {where}.",
        "kerb_assumed": "Bordsteinhöhe am {where} nicht erfasst, angenommen {h}.",
        "kerb_flush": "Bordstein bodengleich", "start_of": "Anfang", "end_of": "Ende",
        "incline": "Steigung {pct} Prozent {dir}.", "up": "bergauf", "down": "bergab",
        "surface": "Belag: {s}.", "width": "Breite {w}.", "tactile": "Blindenleitsystem.",
        "ramp": "Rampe vorhanden.", "handrail": ", mit Handlauf", "no_handrail": ", ohne Handlauf",
        "warning": "Achtung: {what}{excess}.", "unnamed_street": "Straße",
        "lit": "", "n_steps": ", {n} Stufen",
        "kerbs_unknown_height": "{v} Bordsteine mit unbekannter Höhe",
        "surface_unknown_m": "{v} m mit unbekanntem Belag",
        "width_unknown_m": "{v} m mit unbekannter Breite",
        "steps_unknown_count": "{v} Treppen mit unbekannter Stufenzahl",
        "elevators_unknown_status": "{v} Aufzüge mit unbekanntem Zustand",
        "incline_unknown_m": "{v} m mit unbekannter Steigung",
        "smoothness_unknown_m": "{v} m mit unbekannter Ebenheit",
        "signals_unknown_sound": "{v} Ampeln ohne erfasstes Ton- oder Vibrationssignal",
        "minutes": "{n} Minuten", "minute": "1 Minute",
        "extra": "{msg}",
    },
}


_PROFILE_NAME = {
    "en": {"standard": "Standard", "wheelchair": "Wheelchair",
           "electric_wheelchair": "Electric wheelchair", "walker": "Walker",
           "older_pedestrian": "Older pedestrian", "blind": "Blind", "pram": "Pram"},
    "de": {"standard": "Standard", "wheelchair": "Rollstuhl",
           "electric_wheelchair": "Elektrorollstuhl", "walker": "Rollator",
           "older_pedestrian": "Ältere Fußgänger", "blind": "Blind", "pram": "Kinderwagen"},
}  # fmt: skip


_ONE = {
    "en": {"kerbs_unknown_height": "1 kerb of unknown height",
           "steps_unknown_count": "1 flight of steps with unknown count",
           "elevators_unknown_status": "1 elevator of unknown status",
           "signals_unknown_sound": "1 traffic light without a mapped sound or vibration "
                                    "signal"},
    "de": {"kerbs_unknown_height": "1 Bordstein mit unbekannter Höhe",
           "steps_unknown_count": "1 Treppe mit unbekannter Stufenzahl",
           "elevators_unknown_status": "1 Aufzug mit unbekanntem Zustand",
           "signals_unknown_sound": "1 Ampel ohne erfasstes Ton- oder Vibrationssignal"},
}


def _dist(m: float, lang: str) -> str:
    if m >= 1000:
        km = f"{m / 1000:.1f}"
        return (km.replace(".", ",") if lang == "de" else km) + " km"
    return f"{max(round(m / 5) * 5, 5):.0f} m" if m >= 5 else f"{m:.0f} m"


def _cm(h: float, lang: str) -> str:
    txt = f"{h:.0f}" if abs(h - round(h)) < 0.05 else f"{h:.1f}"
    return (txt.replace(".", ",") if lang == "de" else txt) + " cm"


def _minutes(s: float, lang: str) -> str:
    n = max(round(s / 60), 1)
    return _T[lang]["minute"] if n == 1 else _T[lang]["minutes"].format(n=n)


def _bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    dx = (b[0] - a[0]) * math.cos(lat)
    dy = b[1] - a[1]
    return math.degrees(math.atan2(dx, dy)) % 360


def _turn(delta: float, lang: str) -> str:
    d = (delta + 180) % 360 - 180
    t = _T[lang]
    if abs(d) < 25:
        return ""
    if abs(d) > 160:
        return t["back"]
    side = "right" if d > 0 else "left"
    if abs(d) < 55:
        return t[f"slight_{side}"]
    if abs(d) > 120:
        return t[f"sharp_{side}"]
    return t[side]


def _group(segments: list[dict[str, Any]]) -> list[list[int]]:
    kinds = [_kind(seg) for seg in segments]
    special = ("crossing", "steps", "elevator")
    groups: list[list[int]] = []
    for i, seg in enumerate(segments):
        kind = kinds[i]
        if groups:
            p = groups[-1][-1]
            prev, prev_kind = segments[p], kinds[p]
            same_name = prev.get("name") is not None and prev.get("name") == seg.get("name")
            if (kind not in special and prev_kind not in special
                    and (same_name or (prev_kind == kind and prev.get("name") is None
                                       and seg.get("name") is None))):
                groups[-1].append(i)
                continue
        groups.append([i])
    return groups


def _check(lang: str) -> dict[str, str]:
    if lang not in _T:
        msg = f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}"
        raise LanguageError(msg)
    return _T[lang]


def summary(route: Route, *, lang: str = "en") -> list[str]:
    """The route in a few sentences: profile, distance, time, limits kept or broken, and
    what is not known on it (only the first sentence when there is no route)."""
    t = _check(lang)
    if route.status == "no_route":
        near = route.connected_destination
        if near is None:
            return [t["none"]]
        where = {"lat": f"{near.lat:.5f}", "lon": f"{near.lon:.5f}"}
        if lang != "en":
            where = {k: v.replace(".", ",") for k, v in where.items()}
        return [t["none"], t["nearest"].format(dist=_dist(near.distance_m, lang), **where)]
    lines = [t["summary"].format(profile=_PROFILE_NAME[lang].get(route.profile.name,
                                                             route.profile.name),
                                 dist=_dist(route.distance_m, lang),
                                 mins=_minutes(route.duration_s, lang))]
    broken = route.violations()
    assumed = sum(v["assumed"] for v in broken)
    if route.status == "ok":
        lines.append(t["ok"])
    elif route.status == "uncertain":
        lines.append(t["uncertain_one" if assumed == 1 else "uncertain"].format(n=assumed))
    elif all(v["limit"] == "max_distance_m" for v in broken):
        lines.append(t["range_broken"])
    else:
        lines.append(t["broken"].format(n=len(broken)))
        if assumed:
            lines.append(t["broken_assumed"].format(n=assumed))
    met: dict[str, int] = {}
    for u in route.uncertain():
        if not u["breaks"]:
            what = f"{_limit_noun(u['limit'], lang)} {_value(u, lang)}"
            met[what] = met.get(what, 0) + 1
    if met:
        lines.append(t["at_limit"].format(items=", ".join(
            what if n == 1 else t["times"].format(what=what, n=n) for what, n in met.items())))
    items = [(_ONE[lang].get(k, t[k]) if v == 1 else t[k]).format(v=round(v))
             for k, v in unknowns_that_matter(route).items()]
    if items:
        lines.append(t["unknown"].format(items=", ".join(items)))
    return lines


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
    lonlat = net.node_lonlat
    heading: float | None = None
    lines: list[str] = []
    for group in _group(segs):
        first, last = segs[group[0]], segs[group[-1]]
        a0 = first["arc"]
        b = _bearing(tuple(lonlat[net.u[a0]]), tuple(lonlat[net.v[a0]]))
        turn = _turn(b - heading, lang) if heading is not None else ""
        al = last["arc"]
        heading = _bearing(tuple(lonlat[net.u[al]]), tuple(lonlat[net.v[al]]))
        length = sum(segs[i]["length_m"] for i in group)
        kind = _kind(first)
        attrs = first["attributes"]
        dist = f", {_dist(length, lang)}"
        name = first.get("name")
        if kind == "crossing":
            how = _crossing_how(attrs, lang)
            label = name or (t["unnamed_street"] if lang == "en" else "Straße")
            if lang == "en" and not name:
                label = "the street"
            lines.append(t["cross"].format(turn=turn, name=label, how=how, dist=dist))
            if (route.profile.crossing_signal_no_sound_cost_s > 0
                    and attrs.get("crossing") == "traffic_signals"
                    and attrs.get("signal_sound") is None
                    and attrs.get("signal_vibration") is None):
                lines.append(t["sound_unknown"])
        elif kind == "steps":
            count = attrs.get("step_count")
            cnt = t["n_steps"].format(n=int(count)) if count else ""
            rail = {1.0: t["handrail"], 0.0: t["no_handrail"]}.get(attrs.get("handrail"), "")
            lines.append(t["steps"].format(turn=turn, count=cnt, rail=rail))
        elif kind == "elevator":
            level = attrs.get("level")
            lines.append(t["elevator"].format(turn=turn, level=f" ({level})" if level else ""))
        else:
            kind_txt = _WAY_KIND[lang].get(kind, _WAY_KIND[lang]["_"])
            if name:
                label = f"{t['along']} {name}" if lang == "en" else f"{name} {t['along']}"
                kind_label = "Continue" if lang == "en" else "Weiter"
                lines.append(f"{turn}{kind_label} {label}{dist}.".replace("  ", " "))
            else:
                kind_label = "Continue on the" if lang == "en" else "Weiter auf dem"
                if lang == "de" and kind in ("pedestrian", "crossing"):
                    kind_label = "Weiter durch die"
                elif kind == "pedestrian_area":
                    kind_label = "Continue across the" if lang == "en" else "Weiter über den"
                lines.append(f"{turn}{kind_label} {kind_txt}{dist}.")
        lines.extend(_details(segs, group, lang))
        for i in group:
            for v in by_seg.get(i, []):
                lines.append(_warning(v, lang))
    lines.append(t["arrive"])
    return lines


def instructions(route: Route, segments: list[dict[str, Any]] | None = None, *,
                 lang: str = "en") -> list[str]:
    """Every sentence about ``route`` in ``lang`` (``de`` or ``en``), in reading order:
    :func:`summary`, :func:`warnings`, :func:`steps`."""
    return (summary(route, lang=lang) + warnings(route, lang=lang)
            + steps(route, segments, lang=lang))


def warnings(route: Route, *, lang: str = "en") -> list[str]:
    """What the person should know that is not a broken limit: a relaxed unknown policy,
    a route longer than their range, start or destination far from a usable way."""
    _check(lang)
    de = lang == "de"
    out = []
    if route.relaxed_from == "strict":
        out.append("Keine Route hält Ihre Grenzwerte ein, wenn jeder unbekannte Wert als "
                   "Hindernis zählt (strict); diese Route nimmt für unbekannte Werte die "
                   "üblichen Baunormen an (cautious)." if de else
                   "No route keeps your limits if every unknown value counts as a barrier "
                   "(strict); this route assumes the usual building rules for unknown values "
                   "(cautious).")
    prof = route.profile
    if prof.max_distance_m is not None and route.distance_m > prof.max_distance_m:
        rng = _dist(prof.max_distance_m, lang)
        out.append(f"Die Route ist länger als Ihre Reichweite von {rng}." if de
                   else f"The route is longer than your range of {rng}.")
    for label_en, label_de, snap in (("start", "Start", route.origin),
                                     ("destination", "Ziel", route.destination)):
        if not snap.usable:
            out.append(f"{label_de}: kein nutzbarer Weg in {SNAP_DETOUR_M:.0f} m Umkreis; "
                       f"die Route beginnt auf einem Weg, der einen Grenzwert überschreitet."
                       if de else
                       f"The {label_en} is on a way that breaks a limit; no usable way is "
                       f"within {SNAP_DETOUR_M:.0f} m more.")
        elif snap.distance_m > 50:
            d = _dist(snap.distance_m, lang)
            out.append(f"{label_de}: der nächste nutzbare Weg ist {d} entfernt." if de
                       else f"The nearest usable way is {d} from the {label_en}.")
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
        ``de`` or ``en``.

    Returns
    -------
    str or None
        ``Umweg wegen Meldung 3: Gehweg versperrt.`` / ``Detour because of report 3:
        blocked sidewalk.``; ``None`` for a closure no report made.
    """
    _check(lang)
    rid = closure.get("report_id")
    if rid is None:
        return None
    if lang == "de":
        why = closure.get("reason_de") or closure.get("reason") or ""
        if closure.get("on_route"):
            return (f"Gesperrt wegen Meldung {rid}: {why}. Die Route führt trotzdem hindurch, "
                    "weil es keinen anderen Weg gibt.")
        return f"Umweg wegen Meldung {rid}: {why}."
    why = str(closure.get("reason") or "")
    why = why[:1].lower() + why[1:]
    if closure.get("on_route"):
        return (f"Closed because of report {rid}: {why}. The route still goes through, as "
                "there is no other way.")
    return f"Detour because of report {rid}: {why}."


def _crossing_how(a: dict[str, Any], lang: str) -> str:
    t = _T[lang]
    crossing = a.get("crossing")
    how = ""
    if crossing == "traffic_signals":
        how = t["signals"]
        if a.get("signal_sound") == 1:
            how += t["sound"]
        if a.get("signal_vibration") == 1:
            how += t["vibration"]
    elif crossing == "zebra":
        how = t["zebra"]
    elif crossing in ("marked", "uncontrolled"):
        how = t["marked"]
    elif crossing in ("unmarked", "no", "informal"):
        how = t["unmarked"]
    if a.get("crossing_island") == 1:
        how += t["island"]
    return how


def _details(segs: list[dict[str, Any]], group: list[int], lang: str) -> list[str]:
    """Kerbs, slope, surface, width, ramps and tactile paving along one step."""
    t = _T[lang]
    out = []
    for pos, i in enumerate(group):
        seg = segs[i]
        a = seg["attributes"]
        used = seg.get("kerb_cm_used") or [None, None]
        for end, h in enumerate(used):
            if h is None or (end == 0 and pos > 0):
                continue
            where = t["start_of"] if end == 0 else t["end_of"]
            raw = a.get("kerb_u_m" if end == 0 else "kerb_v_m")
            height = t["kerb_flush"] if h == 0 else _cm(h, lang)
            if raw is None:
                out.append(t["kerb_assumed"].format(where=where, h=height))
            else:
                txt = t["kerb"].format(h=_cm(h, lang), where=where)
                out.append(txt if h else f"{height[0].upper()}{height[1:]} ({where}).")
    inclines = [segs[i]["attributes"].get("incline_pct") for i in group]
    inclines = [x for x in inclines if x is not None]
    if inclines:
        steep = max(inclines, key=abs)
        if abs(steep) >= 3:
            pct = f"{abs(steep):.0f}"
            out.append(t["incline"].format(pct=pct, dir=t["up"] if steep > 0 else t["down"]))
    surfaces = dict.fromkeys(segs[i]["attributes"].get("surface") for i in group)
    for surface in surfaces:
        if surface and surface not in ("asphalt", "paving_stones", "concrete", "paved"):
            out.append(t["surface"].format(s=_SURFACE[lang].get(surface, surface)))
    widths = [segs[i]["attributes"].get("width_m") for i in group]
    widths = [w for w in widths if w is not None]
    if widths and min(widths) < 1.5:
        w = f"{min(widths):.2f} m"
        out.append(t["width"].format(w=w.replace(".", ",") if lang == "de" else w))
    if any(segs[i]["attributes"].get("tactile_paving") == "yes" for i in group):
        out.append(t["tactile"])
    if any(segs[i]["attributes"].get("ramp") == 1 for i in group):
        out.append(t["ramp"])
    return out


def _limit_noun(limit: str, lang: str) -> str:
    lim = LIMITS.get(limit)
    return _CONDITION[lang].get(limit, limit) if lim is None else lim.text(lim.noun, lang)


def _value(v: dict[str, Any], lang: str) -> str:
    """The assumed value of a violation or uncertain entry as running text."""
    value = v["assumed_value"]
    lim = LIMITS.get(v["limit"])
    if value == "out_of_service":
        return _T[lang]["out_of_service"]
    if isinstance(value, str):
        return _SURFACE[lang].get(value, value)
    return lim.format(value, lang) if lim is not None else f"{value:g}"


def _warning(v: dict[str, Any], lang: str) -> str:
    t = _T[lang]
    lim = LIMITS.get(v["limit"])
    excess = ""
    if lim is not None and lim.numeric and v["excess"]:
        amount = lim.format(v["excess"], lang)
        excess = (f", {amount} über Ihrem Grenzwert" if lang == "de"
                  else f", {amount} over your limit")
    if v["assumed"]:
        excess += (t["assumed_plain"] if v["assumed_value"] is None
                   else t["assumed"].format(v=_value(v, lang)))
    return t["warning"].format(what=_limit_noun(v["limit"], lang), excess=excess)
