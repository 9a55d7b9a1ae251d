"""Atom feeds of public reports: one report's history, and the alerts of an area.

An area feed (FixMyStreet's "local alerts") has the status changes of the
public reports of a city, optionally inside a bounding box: a newly accepted
report shows up as its step to "published". Entries hold only what the public
report pages show (kind, status, public notes); contacts are never read here.
Where the city has district polygons (its ``areas`` input, such as Hamburg's
Stadtteile), an area can also be one district (:func:`stufenlos.districts.city_districts`).
The document is written by :func:`stufenlos.feeds.atom_feed`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely

from stufenlos.districts import District
from stufenlos.feeds import FeedEntry
from stufenlos.i18n import N_, translator
from stufenlos.reports.catalogue import SERVICES
from stufenlos.reports.errors import ReportInputError
from stufenlos.reports.models import Report, ReportEvent
from stufenlos.reports.wording import note_text, status_label

if TYPE_CHECKING:
    pass

__all__ = ["area_entries", "find_district", "in_district", "parse_bbox", "report_entries"]

#: event kinds without a status, and how an entry names them (msgids)
_EVENT_WORDS = {
    "still_there": N_("The barrier is still there"),
    "fixed": N_("Someone says: fixed"),
    "edit": N_("Text edited"),
    "located": N_("Location found"),
    "merge": N_("Another report merged"),
}


def _name(report: Report, lang: str) -> str:
    service = SERVICES.get(report.service_code)
    if service is None:
        return report.service_code
    return service.name if lang == "en" else (service.name_de or service.name)


def _entry(report: Report, event: ReportEvent, *, base: str, lang: str,
           with_name: bool) -> FeedEntry:
    t = translator(lang)
    if event.status:
        what = status_label(event.status, lang)
    else:
        what = t.gettext(_EVENT_WORDS[event.kind]) if event.kind in _EVENT_WORDS \
            else event.kind
    who = (t.gettext("{name} (report {nr})", name=_name(report, lang), nr=report.id)
           if with_name else t.gettext("Report {nr}", nr=report.id))
    place = f" – {report.address}" if with_name and report.address else ""
    return FeedEntry(id=f"{base}/reports/{report.id}/history/{event.id}",
                     title=f"{who}: {what}{place}", updated=event.at,
                     link=f"{base}/reports/{report.id}?lang={lang}",
                     summary=note_text(event.note, lang), category=event.status or event.kind)


def report_entries(report: Report, *, base: str, lang: str) -> list[FeedEntry]:
    """Every public step of ``report``'s history (its events), as feed entries."""
    return [_entry(report, e, base=base, lang=lang, with_name=False) for e in report.events]


def area_entries(reports: Iterable[Report], *, base: str, lang: str,
                 limit: int = 200) -> list[FeedEntry]:
    """The status changes of ``reports`` (public ones), newest first, at most ``limit``."""
    out = [_entry(r, e, base=base, lang=lang, with_name=True)
           for r in reports for e in r.events if e.status]
    out.sort(key=lambda e: (e.updated, e.id), reverse=True)
    return out[:limit]


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``minlon,minlat,maxlon,maxlat`` as numbers (``None`` for no value).

    Raises
    ------
    ReportInputError
        Not four numbers in WGS84 with min below max (field ``bbox``).
    """
    if value is None or not value.strip():
        return None
    parts = value.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4:
        msg = f"must be minlon,minlat,maxlon,maxlat, got {value[:80]!r}"
        raise ReportInputError(msg, field="bbox")
    minx, miny, maxx, maxy = numbers
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        msg = "must have min below max, longitudes within ±180 and latitudes within ±90"
        raise ReportInputError(msg, field="bbox")
    return minx, miny, maxx, maxy


def find_district(districts: Sequence[District], value: str) -> District:
    """The district named ``value`` (name, any case, or id).

    Raises
    ------
    ReportInputError
        No such district (field ``district``).
    """
    wanted = value.strip().casefold()
    for d in districts:
        if wanted in (d.name.casefold(), d.id.casefold()):
            return d
    if not districts:
        msg = "this city has no districts"
    else:
        msg = f"unknown district {value[:60]!r} (a name such as {districts[0].name!r}, or an id)"
    raise ReportInputError(msg, field="district")


def in_district(reports: Iterable[Report], district: District) -> list[Report]:
    """The ``reports`` whose position lies inside ``district`` (its boundary included)."""
    placed = [r for r in reports if r.lat is not None and r.lon is not None]
    if not placed:
        return []
    lon = np.array([r.lon for r in placed], dtype=float)
    lat = np.array([r.lat for r in placed], dtype=float)
    inside = shapely.intersects_xy(district.polygon, lon, lat)
    return [r for r, keep in zip(placed, inside, strict=True) if keep]
