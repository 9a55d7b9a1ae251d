"""How reports are said to people: status labels and the wording of automatic notes.

The web pages and the reporter's mails share these (German, English and, where
written, easy-read German); the Open311 API keeps the English notes as stored.
"""

from __future__ import annotations

__all__ = ["LOCATED_NOTE", "NOTES_DE", "NOTE_PREFIXES_DE", "STATUS_LABELS", "note_text",
           "status_label"]

#: internal status -> (German, English, easy-read German) label
STATUS_LABELS: dict[str, tuple[str, str, str]] = {
    "submitted": ("Eingegangen, wird geprüft", "Received, being checked",
                  "Ist angekommen und wird geprüft"),
    "open": ("Veröffentlicht", "Published", "Ist jetzt für alle zu sehen"),
    "acknowledged": ("Von der Stelle gesehen", "Seen by the agency", "Das Amt weiß Bescheid"),
    "in_progress": ("In Arbeit", "In progress", "Wird gerade repariert"),
    "fixed": ("Behoben", "Fixed", "Ist repariert"),
    "not_fixable": ("Nicht behebbar", "Cannot be fixed", "Kann nicht repariert werden"),
    "duplicate": ("Doppelt gemeldet", "Duplicate", "Wurde schon einmal gemeldet"),
    "rejected": ("Abgelehnt", "Rejected", "Ist keine Meldung über eine Barriere"),
    "expired": ("Abgelaufen", "Expired", "Ist vorbei"),
}

#: German wording of the automatic public notes (the API keeps the English ones)
NOTES_DE: dict[str, str] = {
    "Received; a moderator will check it soon.": "Eingegangen; die Moderation prüft sie bald.",
    "Checked by a moderator and published.": "Von der Moderation geprüft und veröffentlicht.",
    "The responsible agency has seen the report.": "Die zuständige Stelle hat die Meldung gesehen.",
    "Work to remove the barrier has started.": "Die Arbeiten zur Beseitigung haben begonnen.",
    "The barrier has been removed.": "Die Barriere ist beseitigt.",
    "The barrier cannot be removed.": "Die Barriere kann nicht beseitigt werden.",
    "Not a barrier report.": "Keine Meldung einer Barriere.",
    "The temporary barrier has reached its end date.":
        "Die vorübergehende Barriere ist abgelaufen.",
    "Someone confirmed the barrier is still there.":
        "Jemand hat bestätigt: Die Barriere ist noch da.",
    "Someone says the barrier has been fixed.": "Jemand sagt: Die Barriere ist behoben.",
    "The description was edited by a moderator.": "Die Moderation hat die Beschreibung bearbeitet.",
}
#: the history note of a report placed by its address (followed by the place's name)
LOCATED_NOTE = "Location taken from the address: "
#: German wording of automatic notes that end with a name
NOTE_PREFIXES_DE: dict[str, str] = {LOCATED_NOTE: "Ort aus der Adresse bestimmt: "}


def note_text(text: str | None, lang: str) -> str:
    """A public note in ``lang`` (``de``, ``en``, ``ls``): automatic notes translated,
    a moderator's own words as written."""
    if not text:
        return ""
    if lang == "en":
        return text
    for prefix, german in NOTE_PREFIXES_DE.items():
        if text.startswith(prefix):
            return german + text.removeprefix(prefix)
    return NOTES_DE.get(text, text)


def status_label(status: str, lang: str) -> str:
    """The label of ``status`` in ``lang`` (the status code itself when unknown)."""
    de, en, ls = STATUS_LABELS.get(status, (status, status, status))
    return {"en": en, "ls": ls}.get(lang, de)
