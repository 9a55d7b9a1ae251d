"""When a fact about a barrier, elevator or place was last checked, and by whom.

Every such fact carries ``last_checked`` (an ISO date) and ``checked_by``, a
general source, never a person:

* ``osm_check_date``: an OSM mapper confirmed it on site (``check_date``,
  ``check_date:*`` such as ``check_date:wheelchair``),
* ``osm_survey``: an OSM mapper surveyed it (``survey:date``),
* ``osm_edit``: the OSM object was last edited then (its timestamp, when the
  input file keeps it: ``.osm.pbf`` with metadata, Overpass ``@timestamp``),
* ``report_confirmed``: a person confirmed a barrier report ("still there"),
* ``report_status``: a report's status last changed then,
* ``operator_feed``: an operator's status feed said so,
* ``source_data``: the date of an open-data source's answer (an OGC API –
  Features layer's ``timeStamp``).

A fact last checked more than ``STUFENLOS_STALE_AFTER_DAYS`` days ago (default
730, two years) is *stale*: route answers, lists and exports flag it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from stufenlos.i18n import N_, LazyText, translator

__all__ = [
    "CHECKED_BY",
    "annotate_closures",
    "annotate_route",
    "barrier_dates",
    "checked_by_text",
    "from_tags",
    "is_stale",
    "newest",
    "parse_check_date",
    "stale_note",
]

#: ``checked_by`` code -> its words, looked up per language (``ls`` = easy-read German)
CHECKED_BY: dict[str, LazyText] = {
    "osm_check_date": LazyText("OSM mapper on site (check_date)"),
    "osm_survey": LazyText("OSM mapper survey (survey:date)"),
    "osm_edit": LazyText("OSM edit"),
    "report_confirmed": LazyText("report confirmed"),
    "report_status": LazyText("report status changed"),
    "operator_feed": LazyText("operator feed"),
    "source_data": LazyText("date of the data source"),
}

_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_CHECK_KEYS = ("check_date", "survey:date")


def parse_check_date(value: Any) -> dt.date | None:
    """A date from an OSM date value (``2023-05-01``, ``2023-05``, ``2023``), else ``None``.

    A month or year alone is read as its first day; a date in the future or
    before 2004 (before OpenStreetMap) is not believed.

    Examples
    --------
    >>> parse_check_date("2021-06")
    datetime.date(2021, 6, 1)
    >>> parse_check_date("soon") is None
    True
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        m = _DATE.match(str(value))
        if not m:
            return None
        try:
            day = dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
        except ValueError:
            return None
    if day.year < 2004 or day > dt.date.today():
        return None
    return day


def from_tags(tags: Mapping[str, Any], timestamp: Any = None) -> tuple[str | None, str | None]:
    """``(last_checked, checked_by)`` of an OSM object from its tags and timestamp.

    The most recent of ``check_date``, every ``check_date:*``, ``survey:date`` and
    the object's own timestamp wins (a check on site and an edit on the same day:
    the check). ``(None, None)`` when none is known.

    Examples
    --------
    >>> from_tags({"check_date:wheelchair": "2019-04-02"}, "2015-01-01T10:00:00Z")
    ('2019-04-02', 'osm_check_date')
    """
    best: tuple[dt.date, int, str] | None = None
    for key, value in tags.items():
        if key == "survey:date":
            code, rank = "osm_survey", 1
        elif key == "check_date" or key.startswith("check_date:"):
            code, rank = "osm_check_date", 2
        else:
            continue
        day = parse_check_date(value)
        if day is not None and (best is None or (day, rank) > best[:2]):
            best = (day, rank, code)
    edited = parse_check_date(timestamp)
    if edited is not None and (best is None or edited > best[0]):
        best = (edited, 0, "osm_edit")
    if best is None:
        return None, None
    return best[0].isoformat(), best[2]


def is_stale(last_checked: str | dt.date | None, *, today: dt.date | None = None,
             after_days: int | None = None) -> bool:
    """Whether ``last_checked`` lies more than ``after_days`` before ``today``.

    ``after_days`` defaults to ``STUFENLOS_STALE_AFTER_DAYS``; an unknown date
    is not stale (it is unknown, which the answers say separately).
    """
    day = parse_check_date(last_checked) if last_checked is not None else None
    if day is None:
        return False
    if after_days is None:
        from stufenlos.settings import get_settings

        after_days = get_settings().stale_after_days
    return ((today or dt.date.today()) - day).days > after_days


def checked_by_text(code: str | None, lang: str = "en") -> str | None:
    """``checked_by`` in words (``de``, ``en``, ``ls``)."""
    if code is None:
        return None
    words = CHECKED_BY.get(code)
    return None if words is None else words.get(lang, words["en"])


#: the stale sentence per barrier kind (msgids; ``{year}`` is the year of the last check)
_STALE = {
    "elevator": N_("Lift last checked {year} – it may have changed."),
    "steps": N_("Steps last checked {year} – they may have changed."),
    "ramp": N_("Ramp last checked {year} – it may have changed."),
    "kerb": N_("Kerb last checked {year} – it may have changed."),
    "entrance": N_("Entrance last checked {year} – it may have changed."),
    "report": N_("Report last confirmed {year} – the barrier may be gone."),
}
_STALE_OTHER = N_("Information last checked {year} – it may have changed.")


def stale_note(kind: str, last_checked: str, lang: str = "en") -> str:
    """The sentence flagging an old fact: ``"Aufzug zuletzt geprüft 2019 – …"``.

    Parameters
    ----------
    kind
        A barrier kind (``elevator``, ``steps``, ``ramp``, ``kerb``, ``entrance``) or
        ``report`` (a barrier closed by a report); others get a general sentence.
    last_checked
        ISO date of the last check.
    lang
        ``de``, ``en`` or ``ls`` (catalogues of :mod:`stufenlos.i18n`).

    Examples
    --------
    >>> stale_note("elevator", "2019-03-01", "en")
    'Lift last checked 2019 – it may have changed.'
    """
    return translator(lang).gettext(_STALE.get(kind, _STALE_OTHER), year=last_checked[:4])


def newest(*dates: Mapping[tuple[str, int], tuple[str, str]]
           ) -> dict[tuple[str, int], tuple[str, str]]:
    """Merge ``key -> (last_checked, checked_by)`` maps; the latest check of a key wins
    (on the same day, the later map's)."""
    out: dict[tuple[str, int], tuple[str, str]] = {}
    for d in dates:
        for key, hit in d.items():
            if key not in out or hit[0] >= out[key][0]:
                out[key] = hit
    return out


def barrier_dates(city: Any) -> dict[tuple[str, int], tuple[str, str]]:
    """``(osm_type, osm_id) -> (last_checked, checked_by)`` of ``city``'s barriers,
    read once per loaded city."""

    def make() -> dict[tuple[str, int], tuple[str, str]]:
        from stufenlos.barriers import BarrierStore

        out: dict[tuple[str, int], tuple[str, str]] = {}
        for rec in BarrierStore(city.database_path).query():
            a = rec["attributes"]
            if a.get("last_checked") and rec["osm_type"] and rec["osm_id"]:
                out[(rec["osm_type"], int(rec["osm_id"]))] = (a["last_checked"],
                                                              a.get("checked_by"))
        return out

    return city.memo("barrier_dates", make)  # type: ignore[no-any-return]


def annotate_route(city: Any, props: dict[str, Any], lang: str = "en", *,
                   live: Mapping[tuple[str, int], tuple[str, str]] | None = None) -> list[str]:
    """Add ``last_checked``, ``checked_by`` and ``stale`` to each barrier of a route
    answer's ``properties`` (in place); return the sentences about stale ones.

    A barrier's date is its OSM way's, or for a kerb or an elevator node that node's;
    ``live`` are newer dates of the same keys, such as an operator's status feed
    (:meth:`~stufenlos.transit.equipment.EquipmentRegistry.feed_dates`).
    """
    dates = newest(barrier_dates(city), live) if live else barrier_dates(city)
    if not dates:
        return []
    segs = props.get("segments") or []
    notes: list[str] = []
    said: set[tuple[str, str]] = set()
    for b in props.get("barriers") or []:
        keys: list[tuple[str, int]] = []
        if b.get("osm_node_id"):
            keys.append(("node", int(b["osm_node_id"])))
        if b.get("osm_way_id"):
            keys.append(("way", int(b["osm_way_id"])))
        seg = segs[b["segment"]] if 0 <= b.get("segment", -1) < len(segs) else {}
        keys += [("node", int(n)) for n in seg.get("osm_node_ids") or [] if n]
        hit = next((dates[k] for k in keys if k in dates), None)
        if hit is None:
            continue
        stale = is_stale(hit[0])
        b.update(last_checked=hit[0], checked_by=hit[1], stale=stale)
        if stale and b["kind"] in ("elevator", "steps", "ramp", "kerb"):
            note = stale_note(b["kind"], hit[0], lang)
            if (b["kind"], note) not in said:
                said.add((b["kind"], note))
                notes.append(note)
    return notes


def annotate_closures(closures: list[dict[str, Any]],
                      report_dates: Mapping[int, tuple[str | None, str | None]],
                      lang: str = "en") -> list[str]:
    """Give each closure made by a report its report's ``last_checked``, ``checked_by``
    and ``stale`` (in place); return the sentences about stale ones.

    Parameters
    ----------
    closures
        The closures of a route answer (:func:`stufenlos.api.views.closures_avoided`).
    report_dates
        ``report_id -> (last_checked, checked_by)``
        (:func:`stufenlos.reports.export.last_checked`): its last "still there"
        confirmation (``report_confirmed``) or status change (``report_status``).
    lang
        Language of the sentences.
    """
    notes: list[str] = []
    for c in closures:
        rid = c.get("report_id")
        if rid is None or rid not in report_dates:
            continue
        checked, by = report_dates[rid]
        stale = is_stale(checked)
        c.update(last_checked=checked, checked_by=by, stale=stale)
        if stale and checked:
            note = stale_note("report", checked, lang)
            if note not in notes:
                notes.append(note)
    return notes
