"""OSM values in words: surfaces, smoothness levels, unknown-value policies.

Raw tag values ("sett", "very_bad") never reach a sentence; :func:`words` says them
in the reader's language (English msgids, :mod:`stufenlos.i18n` catalogues) and
leaves out a value it has no words for.
"""

from __future__ import annotations

from typing import Any

from stufenlos.i18n import N_, translator

__all__ = ["words"]

#: OSM surface values in words; a value not listed here is left out of the text
_SURFACE = {
    "asphalt": N_("asphalt"), "paving_stones": N_("paving stones"),
    "sett": N_("sett (cobbles)"), "unhewn_cobblestone": N_("cobblestones"),
    "cobblestone": N_("cobblestones"), "concrete": N_("concrete"), "gravel": N_("gravel"),
    "fine_gravel": N_("fine gravel"), "compacted": N_("compacted gravel"),
    "grass": N_("grass"), "grass_paver": N_("grass pavers"), "unpaved": N_("unpaved"),
    "ground": N_("bare ground"), "dirt": N_("dirt"), "earth": N_("bare ground"),
    "mud": N_("mud"), "sand": N_("sand"), "wood": N_("wood"), "woodchips": N_("wood chips"),
    "metal": N_("metal"), "pebblestone": N_("pebbles"), "rock": N_("rock"),
    "stepping_stones": N_("stepping stones"), "artificial_turf": N_("artificial turf"),
    "tartan": N_("tartan"), "rubber": N_("rubber"), "clay": N_("clay"),
    "paved": N_("paved"),
}  # fmt: skip
#: OSM smoothness values in words
_SMOOTHNESS = {
    "excellent": N_("excellent"), "good": N_("good"), "intermediate": N_("intermediate"),
    "bad": N_("bad"), "very_bad": N_("very bad"), "horrible": N_("horrible"),
    "very_horrible": N_("very horrible"), "impassable": N_("impassable"),
}  # fmt: skip
#: choices of the unknown-value policy in words
_POLICY = {"strict": N_("strict"), "cautious": N_("cautious"), "optimistic": N_("optimistic")}
def words(value: Any, lang: str) -> str | None:
    """An OSM surface, smoothness or policy value (or a list of them) in words.

    Parameters
    ----------
    value
        ``"sett"``, ``"intermediate"``, ``"strict"`` or a collection of such values.
    lang
        ``de``, ``en`` or ``ls``.

    Returns
    -------
    str or None
        ``"Kopfsteinpflaster"``; values without words are left out, ``None`` if none
        is left.
    """
    t = translator(lang)
    if isinstance(value, str):
        msg = _SURFACE.get(value) or _SMOOTHNESS.get(value) or _POLICY.get(value)
        return t.gettext(msg) if msg else None
    said = [w for v in sorted(value) if (w := words(v, lang))]
    return ", ".join(said) or None
