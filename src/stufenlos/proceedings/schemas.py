"""What may be sent to a participation proceeding: the input models and their errors.

The models check every field (pydantic) before :mod:`stufenlos.proceedings.service`
acts on it, so a refused request names its field and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import shapely
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stufenlos.errors import StufenlosError
from stufenlos.plan.commands import I18nText, IsoDate
from stufenlos.proceedings.models import (
    PHASES,
    Category,
    Decision,
    Phase,
)
from stufenlos.reports.privacy import (
    MAX_DESCRIPTION_CHARS,
)

__all__ = [
    "MAX_COMMENT_CHARS",
    "CommentIn",
    "ContributionIn",
    "DecisionIn",
    "PhaseDates",
    "PhaseError",
    "PhaseIn",
    "ProceedingCreate",
    "ProceedingError",
    "ProceedingInputError",
    "ProceedingNotFoundError",
    "schedule_from_starts",
]

MAX_COMMENT_CHARS = 2000


class ProceedingError(StufenlosError):
    """A proceeding step that cannot be carried out."""


class ProceedingNotFoundError(ProceedingError, LookupError):
    """No proceeding, fix, contribution or comment with that id."""

    http_status = 404


class PhaseError(ProceedingError):
    """The step is not open in the proceeding's current phase."""

    http_status = 409


# ---------------------------------------------------------------- input


class ProceedingInputError(ProceedingError, ValueError):
    """A field of a proceeding is missing or invalid; ``field`` names it."""

    http_status = 422

    def __init__(self, problem: str, *, field: str) -> None:
        self.field = field
        super().__init__(f"{field}: {problem}")


class PhaseDates(BaseModel):
    """When a phase starts and ends (the last phase, the result, may stay open)."""

    model_config = ConfigDict(extra="forbid")

    start: IsoDate
    end: IsoDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> PhaseDates:
        if self.end is not None and self.end < self.start:
            msg = "end lies before start"
            raise ValueError(msg)
        return self


class ProceedingCreate(BaseModel):
    """A new proceeding (it starts in the information phase)."""

    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$", examples=["jungfernstieg-2027"])
    city: str = Field(min_length=1, max_length=63, examples=["hamburg"])
    title: I18nText = Field(min_length=1)
    description: I18nText = Field(default_factory=dict)
    body: str = Field(min_length=1, max_length=200,
                      description="The body responsible for the proceeding and its answers.")
    area: dict[str, Any] = Field(description="GeoJSON Polygon (WGS84) of the area.")
    schedule: dict[Phase, PhaseDates] = Field(default_factory=dict)
    category: str = Field("step_free_station", min_length=1, max_length=40,
                          description="Destination category the fixes' effects are for, "
                                      "one of the analysis' built-in categories.")
    budget_min: float = Field(15.0, gt=0, le=120)

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        from stufenlos.analysis.destinations import DEFAULT_CATEGORIES

        if value not in DEFAULT_CATEGORIES:
            msg = f"unknown category {value!r}; choose from {', '.join(DEFAULT_CATEGORIES)}"
            raise ValueError(msg)
        return value

    @field_validator("area")
    @classmethod
    def _polygon(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("type") != "Polygon":
            msg = "must be a GeoJSON Polygon"
            raise ValueError(msg)
        try:
            shape = shapely.geometry.shape(value)
        except (ValueError, TypeError, IndexError, AttributeError) as exc:
            msg = f"is not a readable polygon: {exc}"
            raise ValueError(msg) from None
        if shape.is_empty or not shape.is_valid:
            msg = "is not a valid polygon"
            raise ValueError(msg)
        x0, y0, x1, y1 = shape.bounds
        if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
            msg = "coordinates must be longitude, latitude in WGS84"
            raise ValueError(msg)
        return shapely.geometry.mapping(shape) | {"type": "Polygon"}

    @model_validator(mode="after")
    def _phases_in_order(self) -> ProceedingCreate:
        given = [(ph, self.schedule[ph]) for ph in PHASES if ph in self.schedule]
        for (a, da), (b, db) in itertools.pairwise(given):
            if db.start <= (da.end or da.start):
                msg = f"schedule: the {b} phase must start after the {a} phase"
                raise ValueError(msg)
        return self


def schedule_from_starts(starts: dict[str, str]) -> dict[str, dict[str, str | None]]:
    """Phase dates from the start date of every phase (``YYYY-MM-DD``), as the editors'
    form gives them: a phase ends the day before the next starts; the result stays open.

    Raises
    ------
    ProceedingInputError
        Naming the field ``start_<phase>`` that is missing, not a date, or not after the
        start of the phase before it.
    """
    days: list[dt.date] = []
    for i, phase in enumerate(PHASES):
        field, raw = f"start_{phase}", (starts.get(phase) or "").strip()
        if not raw:
            msg = "give the date the phase starts"
            raise ProceedingInputError(msg, field=field)
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            msg = f"{raw!r} is not a date (YYYY-MM-DD)"
            raise ProceedingInputError(msg, field=field) from None
        if days and day <= days[-1]:
            msg = f"must lie after the start of the {PHASES[i - 1]} phase ({days[-1]})"
            raise ProceedingInputError(msg, field=field)
        days.append(day)
    ends = [(d - dt.timedelta(days=1)).isoformat() for d in days[1:]] + [None]
    return {ph: {"start": d.isoformat(), "end": e} for ph, d, e in zip(PHASES, days, ends,
                                                                        strict=True)}


class PhaseIn(BaseModel):
    """Move a proceeding to its next phase; entering ``result`` publishes ``result``."""

    model_config = ConfigDict(extra="forbid")

    phase: Phase
    result: I18nText = Field(default_factory=dict)


class DecisionIn(BaseModel):
    """The body's answer to a fix or a contribution."""

    model_config = ConfigDict(extra="forbid")

    decision: Decision
    reason: I18nText = Field(default_factory=dict)

    @model_validator(mode="after")
    def _reason(self) -> DecisionIn:
        if self.decision != "adopted" and not any(v.strip() for v in self.reason.values()):
            msg = f"a decision {self.decision!r} needs a reason"
            raise ValueError(msg)
        return self


class ContributionIn(BaseModel):
    """What a person contributes: a point, a chosen fix or an address, a category and text."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    text: str = Field(min_length=1, max_length=MAX_DESCRIPTION_CHARS)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    fix_id: int | None = Field(None, ge=1, le=2**31 - 1)
    address: str | None = Field(None, max_length=400)
    email: str | None = Field(None, max_length=254,
                              description="Optional; stored apart and never published.")

    @model_validator(mode="after")
    def _where(self) -> ContributionIn:
        if (self.lat is None) != (self.lon is None):
            msg = "give both lat and lon, or neither"
            raise ValueError(msg)
        if self.lat is None and self.fix_id is None and not (self.address or "").strip():
            msg = "say where: a point (lat, lon), a fix (fix_id) or an address"
            raise ValueError(msg)
        return self


class CommentIn(BaseModel):
    """A comment on a published contribution."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_COMMENT_CHARS)


# ---------------------------------------------------------------- lookups and records


