"""The name of each profile preset as people read it, per page language."""

from __future__ import annotations

from typing import Final

from stufenlos.i18n import LazyText

__all__ = ["PROFILE_LABELS", "profile_label"]

#: preset name -> label, read as ``PROFILE_LABELS["walker"]["de"]`` (``de``, ``en``, ``ls``)
PROFILE_LABELS: Final[dict[str, LazyText]] = {
    "standard": LazyText("Walking"),
    "wheelchair": LazyText("Wheelchair"),
    "electric_wheelchair": LazyText("Electric wheelchair"),
    "walker": LazyText("Walker (rollator)"),
    "older_pedestrian": LazyText("Older pedestrian"),
    "blind": LazyText("Blind or low vision"),
    "pram": LazyText("Pram"),
}


def profile_label(name: str, lang: str) -> str:
    """The label of preset ``name`` in ``lang``; another name (a saved profile) as it is.

    Parameters
    ----------
    name
        The profile's name.
    lang
        ``de``, ``en`` or ``ls``.

    Returns
    -------
    str
        ``"Rollator"`` for ``walker`` in German.
    """
    label = PROFILE_LABELS.get(name)
    return label[lang] if label is not None else name
