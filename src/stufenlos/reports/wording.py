"""How reports are said to people: status labels and the wording of automatic notes.

The web pages, the reporter's mails and the feeds share these; the texts are in the
message catalogues (:mod:`stufenlos.i18n`), the Open311 API keeps the English notes as
stored.
"""

from __future__ import annotations

from stufenlos.i18n import N_, LazyText, translator

__all__ = ["AUTOMATIC_NOTES", "LOCATED_NOTE", "STATUS_LABELS", "located_note", "note_text",
           "status_label"]


#: internal status -> its label, read by language (``STATUS_LABELS["open"]["de"]``)
STATUS_LABELS: dict[str, LazyText] = {
    "submitted": LazyText("Received, being checked"),
    "open": LazyText("Published"),
    "acknowledged": LazyText("Seen by the agency"),
    "in_progress": LazyText("In progress"),
    "fixed": LazyText("Fixed"),
    "not_fixable": LazyText("Cannot be fixed"),
    "duplicate": LazyText("Duplicate"),
    "rejected": LazyText("Rejected"),
    "expired": LazyText("Expired"),
}

#: the automatic public notes (stored and served by the API in English)
AUTOMATIC_NOTES: frozenset[str] = frozenset({
    N_("Received; a moderator will check it soon."),
    N_("Checked by a moderator and published."),
    N_("The responsible agency has seen the report."),
    N_("Work to remove the barrier has started."),
    N_("The barrier has been removed."),
    N_("The barrier cannot be removed."),
    N_("Not a barrier report."),
    N_("The temporary barrier has reached its end date."),
    N_("Someone confirmed the barrier is still there."),
    N_("Someone says the barrier has been fixed."),
    N_("The description was edited by a moderator."),
})
#: the history note of a report placed by its address, ``{place}`` its name
_LOCATED = N_("Location taken from the address: {place}")
#: what a located note starts with
LOCATED_NOTE = _LOCATED.removesuffix("{place}")


def located_note(place: str) -> str:
    """The (English, stored) note of a report placed at the address ``place``."""
    return _LOCATED.format(place=place)


def note_text(text: str | None, lang: str) -> str:
    """A public note in ``lang`` (``de``, ``en``, ``ls``): automatic notes translated,
    a moderator's own words as written."""
    if not text:
        return ""
    t = translator(lang)
    if text.startswith(LOCATED_NOTE):
        return t.gettext(_LOCATED, place=text.removeprefix(LOCATED_NOTE))
    return t.gettext(text) if text in AUTOMATIC_NOTES else text


def status_label(status: str, lang: str) -> str:
    """The label of ``status`` in ``lang`` (the status code itself when unknown)."""
    label = STATUS_LABELS.get(status)
    return label[lang] if label is not None else status
