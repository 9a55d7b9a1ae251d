"""Place search (geocoding) from the names in an imported city.

Streets come from the ``name`` column of the network's arcs (each street is
placed at the arc midpoint nearest to the mean of all its arcs, so the point
lies on the street); named barriers (elevators, ramps, gates) and the city's
stations are added. Matching ignores case, accents and ``ß``/``ss``; results
rank exact, then prefix, then word-prefix, then substring matches.

A full geocoder (Nominatim, Photon) would need a database and an index build;
a city extract has a few thousand names, which a linear scan answers in well
under a millisecond, so we keep this small.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from stufenlos.city import City

__all__ = ["Place", "PlaceIndex", "fold"]

_COORDS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)\s*$")


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


class PlaceIndex:
    """Search the named places of one city."""

    def __init__(self, places: list[Place]) -> None:
        self.places = places
        self._folded = [fold(p.name) for p in places]

    @classmethod
    def for_city(cls, city: City, *, stations: list[Place] | None = None) -> PlaceIndex:
        """Build the index from ``city``'s network names, named barriers and ``stations``."""
        net = city.network
        e = net.edges
        names = e["name"]
        mask = names.notna().to_numpy()
        places: list[Place] = list(stations or [])
        if mask.any():
            lonlat = net.node_lonlat
            mid = (lonlat[net.u[mask]] + lonlat[net.v[mask]]) / 2.0
            frame = pd.DataFrame({"name": names[mask].astype(str).to_numpy(),
                                  "lon": mid[:, 0], "lat": mid[:, 1]})
            for name, grp in frame.groupby("name", sort=True):
                pts = grp[["lon", "lat"]].to_numpy()
                centre = pts.mean(axis=0)
                best = pts[int(np.argmin(((pts - centre) ** 2).sum(axis=1)))]
                places.append(Place(str(name), "street", float(best[1]), float(best[0])))
        from stufenlos.barriers import BarrierStore

        for rec in BarrierStore(city.database_path).query():
            if rec.get("name"):
                places.append(Place(str(rec["name"]), str(rec["kind"]), float(rec["lat"]),
                                    float(rec["lon"])))
        return cls(places)

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
        scored: list[tuple[int, int, str, int]] = []
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
            scored.append((rank, len(name), name, i))
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
