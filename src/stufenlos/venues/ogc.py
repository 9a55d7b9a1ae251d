"""Places from the city's OGC API – Features inputs, as rows of the venues table.

The Urban Data Platform's layers (disabled parking, park-and-ride, car parks, see
:mod:`stufenlos.ingest.ogc_features`) join the places one can go to in the one
places API: each stored place becomes a venue row with the id
``ogc/<layer>/<feature id>`` (distinct from every OSM id), its kind, ``wheelchair``
from the layer's barrier-free field, its counts of spaces, its source and licence,
and ``last_checked`` the day the source answered (``checked_by`` ``source_data``).
They have no mapped entrances: a route to one ends at its point.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from stufenlos import freshness
from stufenlos.venues.read import VENUE_COLUMNS

__all__ = ["EXTRA_COLUMNS", "OSM_SOURCE", "PREFIX", "venue_rows"]

#: columns a place from another source adds to :data:`~stufenlos.venues.read.VENUE_COLUMNS`
EXTRA_COLUMNS: Final = ("address", "spaces", "disabled_spaces", "source", "licence")
#: source and licence of the venues read from OSM
OSM_SOURCE: Final = ("OpenStreetMap", "ODbL-1.0")
#: ids of places from an OGC API – Features input start with this
PREFIX: Final = "ogc/"
#: the OSM key whose value such kinds are (parking is ``amenity=parking`` in OSM)
KEY: Final = "amenity"


def venue_rows(places: pd.DataFrame) -> pd.DataFrame:
    """The places of :func:`~stufenlos.ingest.ogc_features.places_from_ogc` as venue rows.

    Returns a table with :data:`VENUE_COLUMNS` and :data:`EXTRA_COLUMNS`.
    """
    cols = [*VENUE_COLUMNS, *EXTRA_COLUMNS]
    if places.empty:
        return pd.DataFrame(columns=cols)
    day = [freshness.parse_check_date(t) for t in places["last_checked"]]
    out = pd.DataFrame({
        "id": PREFIX + places["id"].astype(str),
        "name": places["name"], "key": KEY, "kind": places["kind"],
        "wheelchair": places["wheelchair"].fillna("unknown"),
        "toilets_wheelchair": None, "wheelchair_description": None,
        "street": None, "housenumber": None,
        "lon": places["lon"].astype(float).round(7), "lat": places["lat"].astype(float).round(7),
        "last_checked": [d.isoformat() if d else None for d in day],
        "checked_by": ["source_data" if d else None for d in day],
        "geometry": None,
        "address": places["address"],
        "spaces": places["spaces"].astype("Int64"),
        "disabled_spaces": places["disabled_spaces"].astype("Int64"),
        "source": places["source"], "licence": places["licence"],
    })
    return out[cols]
