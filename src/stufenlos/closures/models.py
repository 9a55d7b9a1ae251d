"""The closure tables and the detached :class:`Closure` record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import BigInteger, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stufenlos.db import Base, UTCDateTime
from stufenlos.errors import StufenlosError

__all__ = ["KINDS", "SOURCES", "Closure", "ClosureError", "ClosureRow", "ClosureVersion"]

ClosureKind = Literal["segment", "way", "node", "elevator", "barrier"]
#: what a closure can name; ``arc`` is accepted as input and stored as its segment
KINDS: tuple[str, ...] = ("segment", "way", "node", "elevator", "barrier")
SOURCES: tuple[str, ...] = ("manual", "report", "equipment", "operator")


class ClosureError(StufenlosError, LookupError):
    """A closure names something the network does not have, or is malformed."""

    http_status = 404


def now() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


_utcnow = now


def aware(value: dt.datetime | str | None, name: str = "until") -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            msg = (f"`{name}` must be an ISO 8601 time such as 2026-11-27T18:00:00+01:00, "
                   f"got {value!r}")
            raise ClosureError(msg) from None
    if value.tzinfo is None:
        msg = f"`{name}` needs a time zone (e.g. +01:00 or Z), got {value.isoformat()}"
        raise ClosureError(msg)
    return value


class ClosureRow(Base):
    """One closure in the application database (see the module docstring)."""

    __tablename__ = "closures"
    __table_args__ = (UniqueConstraint("city", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(63), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: OSM way of a ``way`` or ``segment`` closure
    osm_way_id: Mapped[int | None] = mapped_column(BigInteger)
    #: OSM multipolygon relation of a ``segment`` closure on a square mapped as one
    #: (its outline and links across it come from no way)
    osm_relation_id: Mapped[int | None] = mapped_column(BigInteger)
    #: OSM node or elevator id, or barrier id
    ref: Mapped[str | None] = mapped_column(String(80))
    #: OSM ids of a segment's end nodes (``None`` where the input has none)
    node_u: Mapped[int | None] = mapped_column(BigInteger)
    node_v: Mapped[int | None] = mapped_column(BigInteger)
    #: a segment's end coordinates, to find it where node ids are missing or changed
    lon_u: Mapped[float | None] = mapped_column(Float)
    lat_u: Mapped[float | None] = mapped_column(Float)
    lon_v: Mapped[float | None] = mapped_column(Float)
    lat_v: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(400), default="")
    report_id: Mapped[int | None] = mapped_column(Integer, index=True)
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: id in the system it came from (an equipment id, an old overrides.json entry)
    external_id: Mapped[str | None] = mapped_column(String(80))


class ClosureVersion(Base):
    """A counter per city that moves with every change of its closures."""

    __tablename__ = "closure_versions"

    city: Mapped[str] = mapped_column(String(63), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


@dataclass(frozen=True)
class Closure:
    """A closure as read from the database (detached, immutable)."""

    id: int
    city: str
    kind: str
    ref: str
    source: str
    reason: str
    report_id: int | None
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    created_by: str
    created_at: dt.datetime
    osm_way_id: int | None = None
    node_u: int | None = None
    node_v: int | None = None
    ends: tuple[tuple[float, float], tuple[float, float]] | None = None
    external_id: str | None = None
    osm_relation_id: int | None = None

    @property
    def until(self) -> dt.datetime | None:
        """Alias of :attr:`valid_until`."""
        return self.valid_until

    def active(self, now: dt.datetime | None = None) -> bool:
        """Whether the closure is in force at ``now``."""
        now = now or _utcnow()
        if self.valid_from is not None and now < self.valid_from:
            return False
        return self.valid_until is None or now < self.valid_until

    def describe(self) -> str:
        """What it closes, in words an operator understands (English, for logs and CLI)."""
        if self.kind == "segment":
            ends = (f"nodes {self.node_u}–{self.node_v}" if self.node_u is not None
                    else "between two points")
            of = (f"way {self.osm_way_id}" if self.osm_relation_id is None
                  else f"relation {self.osm_relation_id}")
            return f"segment of {of} ({ends})"
        return f"{self.kind} {self.ref}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly fields."""
        return {
            "id": self.id, "city": self.city, "kind": self.kind, "ref": self.ref,
            "osm_way_id": self.osm_way_id, "osm_relation_id": self.osm_relation_id,
            "node_u": self.node_u, "node_v": self.node_v,
            "source": self.source, "reason": self.reason, "report_id": self.report_id,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "created_by": self.created_by, "created_at": self.created_at.isoformat(),
            "what": self.describe(),
        }

    @classmethod
    def of(cls, row: ClosureRow) -> Closure:
        ends = None
        if row.lon_u is not None and row.lat_u is not None and row.lon_v is not None \
                and row.lat_v is not None:
            ends = ((row.lon_u, row.lat_u), (row.lon_v, row.lat_v))
        ref = row.ref if row.ref is not None else (
            str(row.osm_way_id) if row.osm_way_id is not None else "")
        return cls(id=row.id, city=row.city, kind=row.kind, ref=ref, source=row.source,
                   reason=row.reason or "", report_id=row.report_id,
                   valid_from=row.valid_from, valid_until=row.valid_until,
                   created_by=row.created_by or "", created_at=row.created_at,
                   osm_way_id=row.osm_way_id, node_u=row.node_u, node_v=row.node_v,
                   ends=ends, external_id=row.external_id,
                   osm_relation_id=row.osm_relation_id)

