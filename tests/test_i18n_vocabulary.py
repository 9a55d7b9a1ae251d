"""One vocabulary of place kinds for search results and venues, and the page layout's
words, from the message catalogues (no inline German, English and easy-read tuples)."""

from __future__ import annotations

import pytest

from stufenlos.api.templating import NAV
from stufenlos.i18n import translator
from stufenlos.places import Place, kind_word, place_label
from stufenlos.venues.kinds import kind_text, kind_words

#: kinds both the place search and the venue lists name, with their German words
SHARED = {"pharmacy": "Apotheke", "doctors": "Arztpraxis", "toilets": "Toilette",
          "townhall": "Rathaus", "university": "Universität", "library": "Bibliothek"}


@pytest.mark.parametrize(("kind", "de"), SHARED.items())
def test_search_and_venues_say_a_kind_alike(kind: str, de: str) -> None:
    assert kind_word(kind, "de") == kind_text("amenity", kind, "de") == de
    # English: lower case inside a search label, a capital as a venue's label
    en = kind_word(kind, "en")
    assert en.islower() and kind_text("amenity", kind, "en") == en[0].upper() + en[1:]
    assert kind_word(kind, "ls") == kind_text("amenity", kind, "ls")


def test_every_kind_has_words_in_every_language() -> None:
    de, en, ls = kind_words("de"), kind_words("en"), kind_words("ls")
    assert de.keys() == en.keys() == ls.keys()
    # the catalogue answered: no German word is its English msgid, except shared words
    same = {k for k in de if de[k].lower() == en[k]}
    assert len(same) < len(de) / 3, same
    assert ls["library"] == "Bücherei" and de["library"] == "Bibliothek"


def test_a_kind_without_words_reads_as_its_key() -> None:
    assert kind_text("shop", "fishmonger", "de") == "Geschäft"
    assert kind_text("shop", "fishmonger", "ls") == "Laden"
    assert kind_word("fishmonger", "en", key="shop") == "shop"


def test_venue_label_in_each_language() -> None:
    p = Place("Apotheke am Markt", "pharmacy", 53.55, 9.99, district="Altstadt",
              key="amenity", access="limited", outside=True)
    assert place_label(p, "de") == ("Apotheke am Markt — Apotheke, teilweise rollstuhlgerecht, "
                                    "Altstadt (außerhalb des Gebiets)")
    assert place_label(p, "en") == ("Apotheke am Markt — pharmacy, partly wheelchair accessible, "
                                    "Altstadt (outside the area)")
    assert place_label(p, "ls") == ("Apotheke am Markt — Apotheke, mit Rollstuhl: zum Teil, "
                                    "Altstadt (nicht im Gebiet)")


@pytest.mark.parametrize("lang", ["de", "ls"])
def test_every_navigation_label_is_in_the_catalogue(lang: str) -> None:
    t = translator(lang)
    for _, label in NAV:
        assert t.has(label), label
        assert t.gettext(label) != label, label
