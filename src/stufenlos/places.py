"""Place search (geocoding) from the names in an imported city.

Streets come from the ``name`` column of the network's arcs (each street is
placed at the arc midpoint nearest to the mean of all its arcs, so the point
lies on the street); named barriers (elevators, ramps, gates), the city's
stations and the named points of interest of its OSM file (``.osm.pbf``,
``.osm``, read with pyosmium: amenities, shops, stops, tourism, health care ...)
are added. Matching ignores case, accents and ``ß``/``ss``; results
rank exact, then prefix, then word-prefix, then substring matches.

A full geocoder (Nominatim, Photon) would need a database and an index build;
a city extract has a few thousand names, which a linear scan answers in well
under a millisecond, so we keep this small.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stufenlos.geo import haversine_m

if TYPE_CHECKING:
    from stufenlos.city import City

__all__ = [
    "POI_KEYS",
    "AddressMatch",
    "Place",
    "PlaceIndex",
    "fold",
    "read_named_points",
    "street_index",
    "street_places",
]

#: OSM keys whose named nodes become search results, with the key's value as kind
POI_KEYS = ("amenity", "shop", "tourism", "public_transport", "railway", "leisure",
            "office", "healthcare", "historic")

logger = logging.getLogger(__name__)

_COORDS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)\s*$")
#: a house number (``7``, ``7a``, ``7-9``) at the end, or a postcode at the start
_HOUSE_NUMBER = re.compile(r"\s+\d+\s*[a-z]?(?:\s*[-/]\s*\d+\s*[a-z]?)?$")
_POSTCODE = re.compile(r"^\d{4,5}\s+")
#: equally named places farther apart than this are different places
SAME_PLACE_M = 500.0
#: an address shorter than this must name a place exactly
MIN_PREFIX = 4


def fold(text: str) -> str:
    """Case-, accent- and ``ß``-insensitive form of ``text`` for matching."""
    text = text.casefold().replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).strip()


@dataclass(frozen=True)
class Place:
    """A named place: ``kind`` is ``street``, ``station``, ``coordinates`` or a barrier kind."""

    name: str
    kind: str
    lat: float
    lon: float


@dataclass(frozen=True)
class AddressMatch:
    """Where an address lies: ``place``, or ``None`` with the names it could mean.

    ``candidates`` is empty when nothing matched and lists two or more names
    when the address is ambiguous.
    """

    place: Place | None
    candidates: tuple[str, ...] = ()


def read_named_points(path: str | os.PathLike[str]) -> list[Place]:
    """Named OSM nodes with one of :data:`POI_KEYS` from an OSM file."""
    import osmium

    found: list[Place] = []

    class _Handler(osmium.SimpleHandler):  # type: ignore[misc]
        def node(self, n: Any) -> None:
            tags = n.tags
            if "name" not in tags:
                return
            for key in POI_KEYS:
                if key in tags:
                    loc = n.location
                    if loc.valid():
                        found.append(Place(str(tags["name"]), str(tags[key]), float(loc.lat),
                                           float(loc.lon)))
                    return

    _Handler().apply_file(str(path))
    return found


class PlaceIndex:
    """Search the named places of one city."""

    def __init__(self, places: list[Place], *,
                 center: tuple[float, float] | None = None) -> None:
        self.places = places
        self._folded = [fold(p.name) for p in places]
        # equally good matches: the one nearest the city's centre first
        if center is not None and places:
            lat = np.array([p.lat for p in places])
            lon = np.array([p.lon for p in places])
            self._dist = haversine_m(center[1], center[0], lon, lat)
        else:
            self._dist = np.zeros(len(places))

    @classmethod
    def for_city(cls, city: City, *, stations: list[Place] | None = None) -> PlaceIndex:
        """Build the index from ``city``'s network names, named barriers and ``stations``."""
        places: list[Place] = [*(stations or []), *street_places(city)]
        for path in city.config.input_paths("osm"):
            if path.suffix in (".pbf", ".osm", ".bz2") and path.exists():
                try:
                    places.extend(read_named_points(path))
                except RuntimeError as exc:  # pyosmium's error for unreadable files
                    logger.warning("%s: cannot read named places: %s", path, exc)
        from stufenlos.barriers import BarrierStore

        for rec in BarrierStore(city.database_path).query():
            if rec.get("name"):
                places.append(Place(str(rec["name"]), str(rec["kind"]), float(rec["lat"]),
                                    float(rec["lon"])))
        return cls(places, center=city.config.center)

    def search(self, query: str, *, limit: int = 10) -> list[Place]:
        """Places matching ``query`` best first; ``"lat,lon"`` answers that point."""
        m = _COORDS.match(query)
        if m:
            lat, lon = float(m.group(1)), float(m.group(2))
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return [Place(f"{lat:.6f}, {lon:.6f}", "coordinates", lat, lon)]
        q = fold(query)
        if not q:
            return []
        scored: list[tuple[int, float, int, str, int]] = []
        for i, name in enumerate(self._folded):
            if name == q:
                rank = 0
            elif name.startswith(q):
                rank = 1
            elif any(w.startswith(q) for w in re.split(r"[\s\-/()]+", name)):
                rank = 2
            elif q in name:
                rank = 3
            else:
                continue
            scored.append((rank, round(float(self._dist[i]), 2), len(name), name, i))
        scored.sort()
        out: list[Place] = []
        seen: set[tuple[str, str]] = set()
        for *_, i in scored:
            p = self.places[i]
            key = (p.name, p.kind)
            if key in seen:
                continue
            seen.add(key)
            out.append(p)
            if len(out) >= limit:
                break
        return out

    def locate(self, address: str) -> AddressMatch:
        """The one place an address names, for placing a report without coordinates.

        The address is tried as written, then its part before the first comma,
        then without a leading postcode and a trailing house number
        (``"20354 Jungfernstieg 7, Hamburg"`` names ``Jungfernstieg``). A name
        that equals the address wins (the same name at several places farther
        than :data:`SAME_PLACE_M` apart is ambiguous); otherwise a single name
        beginning with the address (of at least :data:`MIN_PREFIX` characters).
        Anything else is not located; matching ignores case, accents and ``ß``.
        """
        first = address.split(",")[0]
        bare = _HOUSE_NUMBER.sub("", _POSTCODE.sub("", first.strip()))
        tried = [q for q in dict.fromkeys(fold(t) for t in (address, first, bare)) if q]
        for q in tried:
            exact = [i for i, name in enumerate(self._folded) if name == q]
            if exact:
                return self._one([self.places[i] for i in exact])
        for q in (q for q in tried if len(q) >= MIN_PREFIX):
            names = sorted({self.places[i].name for i, name in enumerate(self._folded)
                            if name.startswith(q)})
            if len(names) == 1:
                return self._one([p for p in self.places if p.name == names[0]])
            if names:
                return AddressMatch(None, tuple(names))
        return AddressMatch(None)

    @staticmethod
    def _one(found: list[Place]) -> AddressMatch:
        """The place of equally named ``found`` (streets first), unless they lie apart."""
        found = sorted(found, key=lambda p: p.kind != "street")
        best = found[0]
        far = haversine_m(best.lon, best.lat, np.array([p.lon for p in found]),
                          np.array([p.lat for p in found]))
        if float(np.max(far)) > SAME_PLACE_M:
            return AddressMatch(None, tuple(f"{p.name} ({p.kind})" for p in found))
        return AddressMatch(best)


def street_places(city: City) -> list[Place]:
    """One place per street name of ``city``'s network, built once per loaded city.

    Each street is placed at the midpoint of its arc nearest to the mean of all
    its arcs, so the point lies on the street.
    """
    return city.memo("street_places", lambda: _street_places(city.network))


def street_index(city: City) -> PlaceIndex:
    """Search over :func:`street_places` only: what a report's address is matched against."""
    return city.memo("street_index",
                     lambda: PlaceIndex(street_places(city), center=city.config.center))


def _street_places(net: Any) -> list[Place]:
    names = net.edges["name"]
    mask = names.notna().to_numpy()
    if not mask.any():
        return []
    lonlat = net.node_lonlat
    mid = (lonlat[net.u[mask]] + lonlat[net.v[mask]]) / 2.0
    codes, uniques = pd.factorize(names[mask].astype(str).to_numpy())
    n = len(uniques)
    count = np.bincount(codes, minlength=n)
    cx = np.bincount(codes, mid[:, 0], minlength=n) / count
    cy = np.bincount(codes, mid[:, 1], minlength=n) / count
    d2 = (mid[:, 0] - cx[codes]) ** 2 + (mid[:, 1] - cy[codes]) ** 2
    order = np.lexsort((d2, codes))  # per name, the arc nearest its centre first
    first = order[np.r_[0, np.flatnonzero(np.diff(codes[order])) + 1]]
    return [Place(str(uniques[codes[i]]), "street", float(mid[i, 1]), float(mid[i, 0]))
            for i in first if str(uniques[codes[i]]).strip()]
