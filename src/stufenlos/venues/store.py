"""A city's venues and entrances: written at import, read once per loaded city.

The import writes ``venues/venues.parquet`` and ``venues/entrances.parquet`` into
the city folder; :func:`venues_of` reads them once per loaded city
(:meth:`stufenlos.city.City.memo`), adds the places of the city's OGC API – Features
inputs (:mod:`stufenlos.venues.ogc`) and answers lists, filters and exports: one
places API whatever the source.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stufenlos import freshness
from stufenlos._util import csv_table
from stufenlos.geo import haversine_m
from stufenlos.places import fold
from stufenlos.venues.kinds import ACCESS_VALUES, entrance_verdict, kind_text
from stufenlos.venues.ogc import EXTRA_COLUMNS, OSM_SOURCE
from stufenlos.venues.read import ENTRANCE_COLUMNS, VENUE_COLUMNS

if TYPE_CHECKING:
    from stufenlos.city import City
    from stufenlos.profiles import Profile

__all__ = ["CSV_FIELDS", "Venues", "venues_of", "write_venues"]

FOLDER = "venues"
#: the columns of the CSV export, in order
CSV_FIELDS = ["id", "name", "kind", "kind_de", "kind_en", "wheelchair", "toilets_wheelchair",
              "street", "housenumber", "address", "lon", "lat", "entrances",
              "entrances_wheelchair_yes", "spaces", "disabled_spaces", "last_checked",
              "checked_by", "stale", "source", "licence"]
#: the fields of a venue in the API (besides the words and entrances :meth:`Venues.public` adds)
PUBLIC_COLUMNS = [c for c in VENUE_COLUMNS if c != "geometry"] + list(EXTRA_COLUMNS)


def write_venues(folder: str | Path, venues: pd.DataFrame, entrances: pd.DataFrame) -> None:
    """Write the venue and entrance tables into ``<folder>/venues``."""
    out = Path(folder) / FOLDER
    out.mkdir(parents=True, exist_ok=True)
    venues[VENUE_COLUMNS].to_parquet(out / "venues.parquet", index=False)
    entrances[ENTRANCE_COLUMNS].to_parquet(out / "entrances.parquet", index=False)


def _none(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return round(float(v), 7)
    return v


class Venues:
    """The venues of one city, with their entrances.

    ``venues`` has :data:`VENUE_COLUMNS`; rows without the
    :data:`~stufenlos.venues.ogc.EXTRA_COLUMNS` (the OSM ones) get OSM as their source.
    ``extra`` are rows from other sources (:func:`stufenlos.venues.ogc.venue_rows`).
    """

    def __init__(self, venues: pd.DataFrame, entrances: pd.DataFrame,
                 extra: pd.DataFrame | None = None) -> None:
        venues = venues.assign(**{c: None for c in EXTRA_COLUMNS if c not in venues})
        venues["source"] = venues["source"].fillna(OSM_SOURCE[0])
        venues["licence"] = venues["licence"].fillna(OSM_SOURCE[1])
        if extra is not None and not extra.empty:
            venues = pd.concat([venues.astype({"spaces": "Int64", "disabled_spaces": "Int64"}),
                                extra], ignore_index=True) if len(venues) else extra
            if venues["id"].duplicated().any():
                dup = venues["id"][venues["id"].duplicated()].iloc[0]
                msg = f"place id {dup!r} occurs twice"
                raise ValueError(msg)
        self.table = venues.reset_index(drop=True)
        self.entrances = entrances.reset_index(drop=True)
        self._pos = {v: i for i, v in enumerate(self.table["id"])}
        self._folded = np.array([fold(str(n or "")) for n in self.table["name"]], dtype=object)
        self._by_venue = dict(list(self.entrances.groupby("venue_id", sort=False)))

    @classmethod
    def load(cls, folder: str | Path, extra: pd.DataFrame | None = None) -> Venues:
        """The tables of an imported city folder (empty when the import predates them),
        with the ``extra`` rows of other sources."""
        base = Path(folder) / FOLDER
        if not (base / "venues.parquet").exists():
            return cls(pd.DataFrame(columns=VENUE_COLUMNS),
                       pd.DataFrame(columns=ENTRANCE_COLUMNS), extra)
        return cls(pd.read_parquet(base / "venues.parquet"),
                   pd.read_parquet(base / "entrances.parquet"), extra)

    def __len__(self) -> int:
        return len(self.table)

    def kinds(self) -> list[tuple[str, str, int]]:
        """``(key, kind, count)`` of every kind present, most frequent first."""
        counts = self.table.groupby(["key", "kind"]).size().sort_values(ascending=False)
        return [(k, v, int(n)) for (k, v), n in counts.items()]

    def sources(self) -> list[tuple[str, str]]:
        """``(source, licence)`` of the places, OpenStreetMap first."""
        pairs = set(zip(self.table["source"], self.table["licence"], strict=True))
        return sorted(pairs | {OSM_SOURCE}, key=lambda p: (p != OSM_SOURCE, p))

    def select(self, *, kind: str | None = None, access: str | None = None,
               q: str | None = None,
               bbox: tuple[float, float, float, float] | None = None) -> pd.DataFrame:
        """Venues matching every filter given (``q`` ignores case and accents)."""
        t = self.table
        mask = np.ones(len(t), dtype=bool)
        if kind:
            mask &= (t["kind"] == kind).to_numpy()
        if access:
            if access not in ACCESS_VALUES:
                msg = f"access must be one of {', '.join(ACCESS_VALUES)}, got {access!r}"
                raise ValueError(msg)
            mask &= (t["wheelchair"] == access).to_numpy()
        if q:
            needle = fold(q)
            mask &= np.array([needle in n for n in self._folded], dtype=bool)
        if bbox is not None:
            x0, y0, x1, y1 = bbox
            mask &= t["lon"].between(x0, x1).to_numpy() & t["lat"].between(y0, y1).to_numpy()
        sel = t[mask]
        # named places first, then by name
        order = np.lexsort((sel["id"].to_numpy(), sel["name"].fillna("").to_numpy(),
                            sel["name"].isna().to_numpy()))
        return sel.iloc[order]

    def get(self, venue_id: str) -> dict[str, Any] | None:
        """One venue's row by id, or ``None``."""
        i = self._pos.get(venue_id)
        return None if i is None else self.table.iloc[i].to_dict()

    def entrances_of(self, venue_id: str) -> list[dict[str, Any]]:
        """The mapped entrances of a venue (public fields)."""
        g = self._by_venue.get(venue_id)
        if g is None:
            return []
        return [{k: _none(v) for k, v in r.items() if k != "venue_id"}
                for r in g.to_dict("records")]

    def public(self, row: dict[str, Any], lang: str = "de", *,
               with_entrances: bool = True) -> dict[str, Any]:
        """A venue as the API shows it: kind in words, access, entrances, freshness."""
        ents = self.entrances_of(row["id"])
        out = {k: _none(row[k]) for k in PUBLIC_COLUMNS}
        out.update(
            kind_label=kind_text(row["key"], row["kind"], lang),
            kind_de=kind_text(row["key"], row["kind"], "de"),
            kind_en=kind_text(row["key"], row["kind"], "en"),
            stale=freshness.is_stale(out["last_checked"]),
            checked_by_text=freshness.checked_by_text(out["checked_by"], lang),
            entrance_count=len(ents),
        )
        if with_entrances:
            out["entrances"] = ents
        return out

    def best_entrance(self, venue_id: str, profile: Profile,
                      origin: tuple[float, float]) -> tuple[dict[str, Any] | None, str]:
        """The entrance a person with ``profile`` should head for, and why.

        Returns ``(entrance, verdict)``: the nearest entrance (to ``origin``,
        ``(lat, lon)``) tagged usable for the profile, else the nearest whose use is
        unknown (``"unknown"``); ``(None, "none")`` without a mapped entrance and
        ``(None, "no")`` when every mapped one breaks a limit.
        """
        ents = self.entrances_of(venue_id)
        if not ents:
            return None, "none"
        lat = np.array([e["lat"] for e in ents])
        lon = np.array([e["lon"] for e in ents])
        dist = haversine_m(origin[1], origin[0], lon, lat)
        verdicts = [entrance_verdict(e, profile) for e in ents]
        for wanted in ("yes", "unknown"):
            idx = [i for i, v in enumerate(verdicts) if v == wanted]
            if idx:
                best = min(idx, key=lambda i: (dist[i], ents[i]["entrance_id"]))
                return ents[best], wanted
        return None, "no"

    def to_geojson(self, rows: pd.DataFrame, lang: str = "de") -> dict[str, Any]:
        """``rows`` (from :meth:`select`) as a GeoJSON FeatureCollection of points."""
        feats = []
        for r in rows.to_dict("records"):
            props = self.public(r, lang)
            feats.append({"type": "Feature", "id": r["id"],
                          "geometry": {"type": "Point", "coordinates": [props.pop("lon"),
                                                                        props.pop("lat")]},
                          "properties": props})
        return {"type": "FeatureCollection", "features": feats}

    def to_csv(self, rows: pd.DataFrame) -> str:
        """``rows`` as CSV (no cell starts a formula, see :func:`stufenlos._util.csv_safe`)."""
        out = []
        for r in rows.to_dict("records"):
            p = self.public(r, "de")
            out.append({**p, "entrances_wheelchair_yes": sum(
                e["wheelchair"] == "yes" for e in p["entrances"]),
                "entrances": json.dumps([e["entrance_id"] for e in p["entrances"]])})
        return csv_table(CSV_FIELDS, out)


def venues_of(city: City) -> Venues:
    """The venues of ``city`` with the places of its OGC API – Features inputs, read once
    per loaded city."""
    from stufenlos.ingest.ogc_features import places_from_ogc
    from stufenlos.venues.ogc import venue_rows

    return city.memo("venues", lambda: Venues.load(  # type: ignore[no-any-return]
        city.folder, venue_rows(places_from_ogc(city))))
