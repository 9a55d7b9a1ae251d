"""Reports as open data: GeoJSON and CSV with public fields only."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from stufenlos._util import csv_table
from stufenlos.reports.catalogue import SERVICES
from stufenlos.reports.models import Report

__all__ = ["PUBLIC_FIELDS", "last_checked", "public_record", "to_csv", "to_geojson"]

#: the fields anyone may see, in GeoReport v2 naming
PUBLIC_FIELDS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "lat", "long",
    "media_url", "detailed_status", "duplicate_of", "expires_datetime", "last_checked",
    "checked_by",
)  # fmt: skip
#: events that say the barrier was looked at, and the ``checked_by`` they give
#: (:mod:`stufenlos.freshness`); on the same day a confirmation wins
_CHECKS = {"status": ("report_status", 0), "still_there": ("report_confirmed", 1)}


def _w3(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def last_checked(report: Report) -> tuple[str | None, str | None]:
    """``(last_checked, checked_by)`` of a reported barrier: the day of the report's
    last "still there" confirmation (``report_confirmed``) or status change, its
    submission included (``report_status``). Expiry at the end date a reporter gave is
    no check: nobody looked. Needs the report's events loaded."""
    best: tuple[Any, int, str] | None = None
    for e in report.events:
        check = None if e.status == "expired" else _CHECKS.get(e.kind)
        if check is not None and (best is None or (e.at.date(), check[1]) >= best[:2]):
            best = (e.at.date(), check[1], check[0])
    if best is None:
        return None, None
    return best[0].isoformat(), best[2]


def public_record(report: Report, *, media_base: str = "") -> dict[str, Any]:
    """A report's public fields (never contact data, client hashes or hidden reasons);
    the report's events must be loaded (for ``last_checked``)."""
    from stufenlos.reports.service import open311_status

    service = SERVICES.get(report.service_code)
    checked, by = last_checked(report)
    return {
        "service_request_id": str(report.id),
        "status": open311_status(report.status),
        "status_notes": report.status_notes,
        "service_name": service.name if service else report.service_code,
        "service_code": report.service_code,
        "description": report.description,
        "agency_responsible": report.agency_responsible,
        "service_notice": report.service_notice,
        "requested_datetime": _w3(report.requested_at),
        "updated_datetime": _w3(report.updated_at),
        "expected_datetime": _w3(report.expected_at),
        "address": report.address,
        "address_id": report.address_id,
        "lat": report.lat,
        "long": report.lon,
        "media_url": (f"{media_base}/{report.id}.jpg" if report.photo is not None else None),
        "detailed_status": report.status,
        "duplicate_of": str(report.duplicate_of) if report.duplicate_of else None,
        "expires_datetime": _w3(report.expires_at),
        "last_checked": checked,
        "checked_by": by,
    }


def to_geojson(reports: Iterable[Report], *, media_base: str = "") -> str:
    """A GeoJSON FeatureCollection (reports without coordinates have null geometry)."""
    features = []
    for r in reports:
        props = public_record(r, media_base=media_base)
        props["attributes"] = r.attributes or {}
        geometry = (
            {"type": "Point", "coordinates": [r.lon, r.lat]}
            if r.lat is not None and r.lon is not None else None
        )
        features.append({"type": "Feature", "id": str(r.id), "geometry": geometry,
                         "properties": props})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def to_csv(reports: Iterable[Report], *, media_base: str = "") -> str:
    """CSV, one row per report, columns :data:`PUBLIC_FIELDS` (no cell starts a formula)."""
    return csv_table(PUBLIC_FIELDS, (public_record(r, media_base=media_base) for r in reports))
