"""The reporting channel: barrier reports over Open311, moderation, privacy, routing effect."""

from __future__ import annotations

from stufenlos.reports.catalogue import SERVICES, ServiceType
from stufenlos.reports.service import ReportService, Submission
from stufenlos.reports.store import ReportQuery, ReportStore

__all__ = ["SERVICES", "ReportQuery", "ReportService", "ReportStore", "ServiceType", "Submission"]
