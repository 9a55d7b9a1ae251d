"""Place search: names folded for matching, POIs read from the OSM file, ranking."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stufenlos.places import Place, PlaceIndex, fold, read_named_points

HERRENBERG_PBF = "data/cities/herrenberg/herrenberg-minimal.osm.pbf"


def test_named_points_come_from_the_osm_file() -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / HERRENBERG_PBF
    found = read_named_points(path)
    assert ("ZOB Herrenberg", "bus_station") in {(p.name, p.kind) for p in found}
    assert all(48.5 < p.lat < 48.7 and 8.8 < p.lon < 9.0 for p in found)


def test_ranking_exact_prefix_word_substring_then_nearest() -> None:
    places = [Place("Altstadt", "street", 0.0, 0.0), Place("Am Markt", "street", 0.0, 0.0),
              Place("Markt", "street", 1.0, 1.0), Place("Markt", "bus_stop", 0.0, 0.001),
              Place("Marktplatz", "street", 0.0, 0.0), Place("Supermarkt", "shop", 0.0, 0.0)]
    idx = PlaceIndex(places, center=(0.0, 0.0))
    got = [(p.name, p.kind) for p in idx.search("markt")]
    assert got == [("Markt", "bus_stop"), ("Markt", "street"), ("Marktplatz", "street"),
                   ("Am Markt", "street"), ("Supermarkt", "shop")]
    assert idx.search("markt", limit=2) == idx.search("markt")[:2]
    assert idx.search("   ") == []


@given(st.text(max_size=30))
def test_fold_leaves_no_accents_and_matches_itself(text: str) -> None:
    import unicodedata

    folded = fold(text)
    assert not any(unicodedata.combining(ch) for ch in folded)
    if folded:
        assert PlaceIndex([Place(text, "street", 0.0, 0.0)]).search(text) != []


def test_fold_treats_umlauts_and_sharp_s() -> None:
    assert fold("Große Johannisstraße") == "grosse johannisstrasse"
    assert fold("Mönckebergstraße") == "monckebergstrasse"
