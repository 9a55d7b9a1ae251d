"""How an accepted report changes routing: the one seam between reports and closures.

:func:`report_effect` finds what a report is about on a city's network — the
segment of the nearest way, or the whole elevator nearest to a broken-elevator
report — and names it by ids that survive a re-import (see
:mod:`stufenlos.closures`); a report with only an address is placed first by
the city's street names (:func:`stufenlos.places.street_index`). The answer,
an :class:`Effect`, also says why a report closes nothing, and words it for
moderators. The report service previews it before Accept and writes exactly
its targets as closures, in the same transaction as the report's status change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from stufenlos.closures import Closure, segment_keys
from stufenlos.places import AddressMatch, Place

__all__ = [
    "MAX_SNAP_M",
    "NOTHING",
    "Effect",
    "EffectFinder",
    "effect_in",
    "effect_of_closures",
    "locate_address",
    "nearest_arcs",
    "report_effect",
]

logger = logging.getLogger(__name__)

#: reports farther than this from any way affect no edge
MAX_SNAP_M = 50.0

#: why a report closes nothing -> (German, English) words after "closes nothing: "
NOTHING: dict[str, tuple[str, str]] = {
    "not_blocking": ("diese Art Meldung sperrt keine Wege",
                     "this kind of report does not block routes"),
    "hidden": ("die Meldung ist ausgeblendet", "the report is hidden"),
    "no_city": ("die Meldung nennt keine Stadt", "the report names no city"),
    "not_imported": ("die Stadt ist nicht importiert", "the city is not imported"),
    "address_not_located": ("die Adresse ließ sich keinem Ort zuordnen",
                            "the address could not be located"),
    "no_elevator": (f"im Umkreis von {MAX_SNAP_M:.0f} m ist kein Aufzug erfasst",
                    f"no elevator is mapped within {MAX_SNAP_M:.0f} m"),
    "no_escalator": (f"im Umkreis von {MAX_SNAP_M:.0f} m ist keine Rolltreppe erfasst",
                     f"no escalator is mapped within {MAX_SNAP_M:.0f} m"),
    "no_way": (f"kein Weg im Umkreis von {MAX_SNAP_M:.0f} m",
               f"no way within {MAX_SNAP_M:.0f} m"),
}


@dataclass(frozen=True)
class Effect:
    """What a report closes for routing, or why it closes nothing.

    Attributes
    ----------
    targets
        Closure key fields (``kind`` and ``ref``, ``osm_way_id`` or, for a square
        mapped as a multipolygon, ``osm_relation_id``, a segment's end nodes and
        coordinates), as :func:`stufenlos.closures.add_closure` stores them.
    nothing
        Empty ``targets``: the reason, a key of :data:`NOTHING`.
    names
        ``("way", id)`` or ``("relation", id)`` -> its name, for the words.
    located
        Where a report without coordinates was placed from its address.
    candidates
        The names an ambiguous address could mean.
    """

    targets: tuple[dict[str, Any], ...] = ()
    nothing: str | None = None
    names: Mapping[tuple[str, int], str] = field(default_factory=dict)
    located: Place | None = None
    candidates: tuple[str, ...] = ()

    def text(self, lang: str = "en") -> str:
        """What it closes in words: ``closes 1 segment of way 123 (Jungfernstieg)``.

        Parameters
        ----------
        lang
            ``de`` or ``en``.

        Returns
        -------
        str
            ``schließt …``/``closes …``, or ``schließt nichts: …``/``closes nothing: …``.
        """
        de = lang == "de"
        if not self.targets:
            why = NOTHING.get(self.nothing or "", (self.nothing or "", self.nothing or ""))
            return ("schließt nichts: " if de else "closes nothing: ") + why[0 if de else 1]
        parts = []
        segments: dict[tuple[str, int], int] = {}
        for t in self.targets:
            if t["kind"] == "segment":
                element = _element(t)
                segments[element] = segments.get(element, 0) + 1
        for (kind, ref), n in segments.items():
            whole = {"way": ("Weg", "way"), "relation": ("Relation", "relation")}[kind]
            what = (f"{n} Abschnitt{'e' if n != 1 else ''} von {whole[0]} {ref}" if de
                    else f"{n} segment{'s' if n != 1 else ''} of {whole[1]} {ref}")
            parts.append(what + self._name((kind, ref)))
        for t in self.targets:
            kind, ref = t["kind"], t.get("ref")
            if kind == "elevator":
                parts.append(f"Aufzug {ref} (alle Ebenen)" if de
                             else f"elevator {ref} (all levels)")
            elif kind == "way":
                parts.append((f"Weg {ref}" if de else f"way {ref}")
                             + self._name(("way", int(ref))))
            elif kind != "segment":
                label = {"node": ("Knoten", "node"), "barrier": ("Barriere", "barrier")}.get(
                    kind, (kind, kind))
                parts.append(f"{label[0 if de else 1]} {ref}")
        return ("schließt " if de else "closes ") + ", ".join(parts)

    def _name(self, element: tuple[str, int]) -> str:
        name = self.names.get(element)
        return f" ({name})" if name else ""

    def to_dict(self) -> dict[str, Any]:
        """JSON fields: ``targets``, ``nothing``, ``located``, ``candidates``, ``de``, ``en``."""
        located = None
        if self.located is not None:
            located = {"name": self.located.name, "lat": round(self.located.lat, 7),
                       "lon": round(self.located.lon, 7)}
        return {"targets": [dict(t) for t in self.targets], "nothing": self.nothing,
                "located": located, "candidates": list(self.candidates),
                "de": self.text("de"), "en": self.text("en")}


def _element(target: Mapping[str, Any]) -> tuple[str, int]:
    """The OSM way or (a square mapped as a multipolygon) relation a segment lies on."""
    way = target.get("osm_way_id")
    return ("way", int(way)) if way is not None else (
        "relation", int(target["osm_relation_id"]))


#: ``(city, lat, lon, equipment, address) -> Effect``; replaceable (e.g. in tests)
EffectFinder = Callable[[str, float | None, float | None, str | None, str | None], Effect]


def report_effect(city: str, lat: float | None, lon: float | None,
                  equipment: str | None = None, address: str | None = None) -> Effect:
    """What a report at (lat, lon) — or, without coordinates, at ``address`` — closes.

    Parameters
    ----------
    city
        The report's city (its jurisdiction).
    lat, lon
        The report's position, or ``None``.
    equipment
        ``elevator`` or ``escalator`` for a broken-equipment report.
    address
        The report's address, used when it has no coordinates.

    Returns
    -------
    Effect
        Its targets, or why there are none: the city is not imported, the
        address names no single street, nothing lies within :data:`MAX_SNAP_M`.
    """
    from stufenlos.errors import StufenlosError
    from stufenlos.registry import get_city

    try:
        network = get_city(city).network
    except (StufenlosError, OSError) as exc:
        logger.info("no network for %s, report closes nothing: %s", city, exc)
        return Effect(nothing="not_imported")
    located = None
    if lat is None or lon is None:
        match = locate_address(city, address or "")
        if match.place is None:
            return Effect(nothing="address_not_located", candidates=match.candidates)
        located = match.place
        lat, lon = located.lat, located.lon
    return replace(effect_in(network, lat, lon, equipment=equipment), located=located)


def locate_address(city: str, address: str) -> AddressMatch:
    """Where ``address`` lies in ``city`` by its street names (not located if not imported)."""
    from stufenlos.errors import StufenlosError
    from stufenlos.places import street_index
    from stufenlos.registry import get_city

    try:
        return street_index(get_city(city)).locate(address)
    except (StufenlosError, OSError) as exc:
        logger.info("cannot locate an address in %s: %s", city, exc)
        return AddressMatch(None)


def effect_in(network: Any, lat: float, lon: float, *,
              equipment: str | None = None) -> Effect:
    """What a report at (lat, lon) on ``network`` closes.

    A broken elevator or escalator closes that piece of equipment on every
    level, by its OSM way id (or node id, for an elevator mapped as a node);
    anything else closes the segment of the nearest way.
    """
    arcs = nearest_arcs(network, lat, lon, equipment=equipment)
    if not arcs:
        return Effect(nothing=f"no_{equipment}" if equipment in ("elevator", "escalator")
                      else "no_way")
    edges = network.edges
    names = _names(network, arcs)
    if equipment in ("elevator", "escalator"):
        first = arcs[0]
        way = edges["osm_way_id"].iloc[first]
        if equipment == "elevator":
            ref = way if not pd.isna(way) else edges["osm_node_u"].iloc[first]
            if not pd.isna(ref):
                return Effect(({"kind": "elevator", "ref": str(int(ref))},), names=names)
        elif not pd.isna(way):
            return Effect(({"kind": "way", "ref": str(int(way)), "osm_way_id": int(way)},),
                          names=names)
    keys = segment_keys(network, arcs)
    return Effect(tuple({"kind": "segment", **k} for k in keys), names=names)


def effect_of_closures(city: str, closures: Sequence[Closure]) -> Effect:
    """The :class:`Effect` of stored closures (what a report closes now), with way names."""
    targets = tuple({"kind": c.kind, "ref": c.ref, "osm_way_id": c.osm_way_id,
                     "osm_relation_id": c.osm_relation_id, "node_u": c.node_u,
                     "node_v": c.node_v} for c in closures)
    ways = {c.osm_way_id for c in closures if c.osm_way_id is not None}
    relations = {c.osm_relation_id for c in closures if c.osm_relation_id is not None}
    names: dict[tuple[str, int], str] = {}
    if ways or relations:
        from stufenlos.errors import StufenlosError
        from stufenlos.registry import get_city

        try:
            network = get_city(city).network
        except (StufenlosError, OSError):
            network = None
        if network is not None:
            e = network.edges
            on = (e["osm_way_id"].isin(list(ways)) | e["osm_relation_id"].isin(list(relations)))
            names = _names(network, np.flatnonzero(on.fillna(False).to_numpy(bool)))
    return Effect(targets, names=names)


def _names(network: Any, arcs: Iterable[int]) -> dict[tuple[str, int], str]:
    """``("way", id)`` or ``("relation", id)`` -> name, of the ways and squares (mapped as
    multipolygons) the arcs ``arcs`` lie on; unnamed ones left out."""
    e = network.edges
    out: dict[tuple[str, int], str] = {}
    for a in arcs:
        way, relation = e["osm_way_id"].iat[int(a)], e["osm_relation_id"].iat[int(a)]
        name = e["name"].iat[int(a)]
        if not isinstance(name, str) or not name:
            continue
        if not pd.isna(way):
            out.setdefault(("way", int(way)), name)
        elif not pd.isna(relation):
            out.setdefault(("relation", int(relation)), name)
    return out


def nearest_arcs(network: Any, lat: float, lon: float, *,
                 equipment: str | None = None) -> list[int]:
    """Indices of the arc nearest to (lat, lon) and of its reverse arc.

    With ``equipment`` (``elevator`` or ``escalator``) only arcs of that kind
    are candidates, and every arc of the same elevator or escalator is included.
    """
    edges = network.edges
    if len(edges) == 0:
        return []
    candidates = None
    if equipment in ("elevator", "escalator"):
        candidates = np.flatnonzero(edges[equipment].fillna(False).to_numpy(bool))
        if candidates.size == 0:
            return []
    (best,), _ = network.snapper.nearest([(lon, lat)], max_distance_m=MAX_SNAP_M,
                                         among=candidates)
    if best < 0:
        return []
    out = {int(best)}
    way = edges["osm_way_id"].iloc[best]
    if candidates is not None:
        # every arc of that elevator or escalator (all levels): those of its way,
        # or for an elevator mapped as a node, the links between that node's copies
        column, ref = ("osm_way_id", way) if not pd.isna(way) else (
            "osm_node_u", edges["osm_node_u"].iloc[best])
        if not pd.isna(ref):
            same = (edges[column] == ref).fillna(False).to_numpy(bool)
            out.update(int(a) for a in np.intersect1d(np.flatnonzero(same), candidates))
    pairs = edges["pair"].to_numpy()
    out.update(int(pairs[a]) for a in list(out) if pairs[a] >= 0)
    return sorted(out)
