"""Place search (geocoding) from the names in an imported city.

Streets come from the ``name`` column of the network's arcs (each street is
placed at the arc midpoint nearest to the mean of all its arcs, so the point
lies on the street); named barriers (elevators, ramps, gates), the city's
stations, its districts (the polygons of its ``areas`` input) and the named
points of interest and addresses (``addr:*``) that the import stored in the
city's basemap (:mod:`stufenlos.ingest.basemap`) are added. Named places one can go
into (shops, doctors, pharmacies, the disabled parking of the city's open data …)
come from the venues table (:func:`stufenlos.venues.venues_of`), the one source of
their kind and access: they carry their ``place_id`` (what a route's ``to_place``
takes) and ``access``, and replace the basemap's point of the same object. Matching ignores
case, accents and ``ß``/``ss``; results rank exact, then prefix, then
word-prefix, then substring matches, and results outside the city's area (the
hull of its network) come after all inside it.

Each place has a label that tells equally named places apart by their kind in
words and their district: "Jungfernstieg — Straße, Neustadt"; a venue's label
also says whether a wheelchair user gets in: "Apotheke am Jungfernstieg — Apotheke,
rollstuhlgerecht, Neustadt". Searching for a
label finds exactly that place, so a label picked from the suggestions can be
sent back as the query.

A full geocoder (Nominatim, Photon) would need a database and an index build;
a city extract has a few thousand names, which a linear scan answers in well
under a millisecond, so we keep this small.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from stufenlos.districts import District, city_districts
from stufenlos.geo import haversine_m
from stufenlos.i18n import LANGUAGES, translator
from stufenlos.ingest.basemap import POI_KEYS

if TYPE_CHECKING:
    from stufenlos.city import City

__all__ = [
    "POI_KEYS",
    "AddressMatch",
    "Place",
    "PlaceIndex",
    "fold",
    "kind_word",
    "place_label",
    "read_named_points",
    "street_index",
    "street_places",
]

logger = logging.getLogger(__name__)

_COORDS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)\s*$")
#: a house number (``7``, ``7a``, ``7-9``) at the end, or a postcode at the start
_HOUSE_NUMBER = re.compile(r"\s+\d+\s*[a-z]?(?:\s*[-/]\s*\d+\s*[a-z]?)?$")
_POSTCODE = re.compile(r"^\d{4,5}\s+")
#: equally named places farther apart than this are different places
SAME_PLACE_M = 500.0
#: a basemap point of the same name this near a venue is that venue
SAME_OBJECT_M = 150.0
#: an address shorter than this must name a place exactly
MIN_PREFIX = 4


def fold(text: str) -> str:
    """Case-, accent- and ``ß``-insensitive form of ``text`` for matching."""
    text = text.casefold().replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).strip()


@dataclass(frozen=True)
class Place:
    """A named place.

    ``kind`` is ``street``, ``station``, ``address``, ``district``,
    ``coordinates``, a barrier kind or an OSM value (``pharmacy``,
    ``bus_stop`` ...); ``district`` is the district it lies in (if the city has
    districts), ``outside`` whether it lies outside the city's area and
    ``postcode`` an address's postcode.
    """

    name: str
    kind: str
    lat: float
    lon: float
    district: str | None = None
    outside: bool = False
    postcode: str | None = None
    #: a venue's id (``node/1``, ``ogc/disabled_parking/7460``), the OSM key of its kind
    #: and its wheelchair access (``yes``, ``limited``, ``no``, ``unknown``)
    place_id: str | None = None
    key: str | None = None
    access: str | None = None


#: a place this far outside the hull of the city's network (degrees, about 100 m) is outside
_OUTSIDE_MARGIN = 0.001


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "de"


def _access_word(access: str, lang: str) -> str:
    """A venue's wheelchair access (``yes``, ``limited``, ``no``, ``unknown``) in its label."""
    t = translator(lang)
    words = {"yes": t.pgettext("venue access", "wheelchair accessible"),
             "limited": t.pgettext("venue access", "partly wheelchair accessible"),
             "no": t.pgettext("venue access", "not wheelchair accessible")}
    return words.get(access) or t.pgettext("venue access", "access unknown")


def kind_word(kind: str, lang: str = "de", key: str | None = None) -> str:
    """``kind`` in words (``pharmacy`` is "Apotheke"; a barrier kind its label).

    The words are :func:`stufenlos.venues.kinds.kind_words`; ``key`` is the OSM key of
    a venue's kind: a kind without words of its own then reads as the venues name it
    (:func:`stufenlos.venues.kinds.kind_text`).
    """
    from stufenlos.barriers import BARRIER_KINDS
    from stufenlos.venues.kinds import kind_text, kind_words

    lang = _lang(lang)
    words = kind_words(lang)
    if kind in words:
        return words[kind]
    if key is not None:
        text = kind_text(key, kind, lang)
        return text[0].lower() + text[1:] if lang == "en" else text
    if kind in BARRIER_KINDS:
        en, de = BARRIER_KINDS[kind]
        return en[0].lower() + en[1:] if lang == "en" else de
    return translator(lang).pgettext("place kind", "place")


def place_label(place: Place, lang: str = "de") -> str:
    """``"Jungfernstieg — Straße, Neustadt"``: name, kind in words, a venue's access,
    postcode, district."""
    if place.kind == "coordinates":
        return place.name
    t = translator(_lang(lang))
    parts = [kind_word(place.kind, lang, place.key)]
    if place.access:
        parts.append(_access_word(place.access, t.lang))
    if place.postcode:
        parts.append(place.postcode)
    if place.district and place.kind != "district":
        parts.append(place.district)
    text = f"{place.name} — {', '.join(parts)}"
    if place.outside:
        text += f" ({t.gettext('outside the area')})"
    return text


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
        # a label picked from the suggestions names exactly one place, in any language
        self._labels: dict[str, int] = {}
        for i, p in enumerate(places):
            for lang in LANGUAGES:
                self._labels.setdefault(fold(place_label(p, lang)), i)
        # equally good matches: a barrier (a way's bad surface, steps) after the places
        # people go to, then the one nearest the city's centre first
        from stufenlos.barriers import BARRIER_KINDS

        self._barrier = [p.kind in BARRIER_KINDS for p in places]
        if center is not None and places:
            lat = np.array([p.lat for p in places])
            lon = np.array([p.lon for p in places])
            self._dist = haversine_m(center[1], center[0], lon, lat)
        else:
            self._dist = np.zeros(len(places))

    @classmethod
    def for_city(cls, city: City, *, stations: list[Place] | None = None) -> PlaceIndex:
        """Build the index of ``city``.

        Its ``stations``, network street names, districts, named venues (with
        their access), the other points of interest and the addresses of its
        basemap and its named barriers, each with its district and whether it
        lies outside the city's area.
        """
        from stufenlos.barriers import BarrierStore
        from stufenlos.ingest.basemap import city_basemap
        from stufenlos.venues import venues_of

        districts = city_districts(city)
        places: list[Place] = [*(stations or []), *street_places(city)]
        polygons = np.array([d.polygon for d in districts], dtype=object)
        places += [Place(d.name, "district", float(pt.y), float(pt.x))
                   for d, pt in zip(districts, shapely.point_on_surface(polygons), strict=True)]
        venues = venues_of(city).table
        venues = venues[venues["name"].notna()]
        places += [Place(str(name), str(kind), float(lat), float(lon), place_id=str(vid),
                         key=str(key), access=str(access))
                   for vid, name, key, kind, access, lon, lat in zip(
                       venues["id"], venues["name"], venues["key"], venues["kind"],
                       venues["wheelchair"], venues["lon"], venues["lat"], strict=True)]
        base = city_basemap(city)
        named = base[base["layer"].isin(["poi", "address"]) & base["name"].notna()]
        pts = shapely.from_wkb(named["geometry"].to_numpy())
        x, y = shapely.get_x(pts), shapely.get_y(pts)
        same = _near_same_name(named["name"].to_numpy(), x, y, venues)
        places += [Place(str(name), str(kind), float(lat), float(lon),
                         postcode=str(pc) if isinstance(pc, str) else None)
                   for name, kind, lon, lat, pc, dup in zip(
                       named["name"], named["layer"].where(named["layer"] == "address",
                                                           named["kind"]),
                       x, y, named["postcode"], same, strict=True)
                   if not dup]
        for rec in BarrierStore(city.database_path).query():
            if rec.get("name"):
                places.append(Place(str(rec["name"]), str(rec["kind"]), float(rec["lat"]),
                                    float(rec["lon"])))
        return cls(_placed(places, districts, _city_area(city)), center=city.config.center)

    def search(self, query: str, *, limit: int = 10) -> list[Place]:
        """Places matching ``query`` best first; ``"lat,lon"`` answers that point.

        Places outside the city's area come after all inside it; a query equal
        to a place's label (:func:`place_label`) puts that place first.
        """
        m = _COORDS.match(query)
        if m:
            lat, lon = float(m.group(1)), float(m.group(2))
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return [Place(f"{lat:.6f}, {lon:.6f}", "coordinates", lat, lon)]
        q = fold(query)
        if not q:
            return []
        labelled = self._labels.get(q)
        scored: list[tuple[bool, int, bool, float, int, str, int]] = []
        for i, name in enumerate(self._folded):
            if i == labelled:
                rank = -1
            elif name == q:
                rank = 0
            elif name.startswith(q):
                rank = 1
            elif any(w.startswith(q) for w in re.split(r"[\s\-/()]+", name)):
                rank = 2
            elif q in name:
                rank = 3
            else:
                continue
            outside = self.places[i].outside and rank >= 0
            scored.append((outside, rank, self._barrier[i], round(float(self._dist[i]), 2),
                           len(name), name, i))
        scored.sort()
        out: list[Place] = []
        seen: set[tuple[str, str, str | None]] = set()
        for *_, i in scored:
            p = self.places[i]
            key = (p.name, kind_word(p.kind, key=p.key), p.district)
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


def _near_same_name(names: Any, lon: Any, lat: Any, venues: pd.DataFrame) -> Any:
    """Which basemap points name a venue: the same name within :data:`SAME_OBJECT_M`
    (the basemap puts an area's point inside it, the venues at its centroid)."""
    dup = np.zeros(len(names), dtype=bool)
    if venues.empty or not len(names):
        return dup
    at: dict[str, list[int]] = {}
    for j, n in enumerate(venues["name"]):
        at.setdefault(fold(str(n)), []).append(j)
    vlon, vlat = venues["lon"].to_numpy(float), venues["lat"].to_numpy(float)
    for i, n in enumerate(names):
        js = at.get(fold(str(n)))
        if js:
            far = haversine_m(float(lon[i]), float(lat[i]), vlon[js], vlat[js])
            dup[i] = bool(np.min(far) <= SAME_OBJECT_M)
    return dup


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


def _city_area(city: City) -> Any:
    """The hull of the city's network, widened by :data:`_OUTSIDE_MARGIN`."""
    hull = shapely.convex_hull(shapely.multipoints(city.network.node_lonlat))
    return shapely.buffer(hull, _OUTSIDE_MARGIN)


def _placed(places: list[Place], districts: list[District], area: Any) -> list[Place]:
    """``places`` with their district and whether they lie outside ``area``."""
    if not places:
        return places
    lon = np.array([p.lon for p in places])
    lat = np.array([p.lat for p in places])
    outside = ~shapely.contains_xy(area, lon, lat)
    district: list[str | None] = [p.district for p in places]
    names = [d.name for d in districts]
    if names:
        tree = shapely.STRtree([d.polygon for d in districts])
        pt_idx, poly_idx = tree.query(shapely.points(lon, lat), predicate="within")
        for i, j in zip(pt_idx.tolist(), poly_idx.tolist(), strict=True):
            district[i] = names[j]
    return [replace(p, district=district[i], outside=bool(outside[i]))
            for i, p in enumerate(places)]
