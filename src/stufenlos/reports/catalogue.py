"""The barrier service types people can report, as Open311 service definitions."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SERVICES", "Attribute", "ServiceType", "get_service"]


@dataclass(frozen=True)
class Attribute:
    """One Open311 service attribute (a form field of a service type)."""

    code: str
    datatype: str  # string, number, datetime, text, singlevaluelist, multivaluelist
    description: str
    required: bool = False
    order: int = 1
    variable: bool = True
    datatype_description: str | None = None
    values: tuple[tuple[str, str], ...] = ()

    def to_open311(self) -> dict[str, object]:
        """The attribute as GeoReport v2 fields."""
        return {
            "variable": self.variable,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": self.order,
            "description": self.description,
            "values": [{"key": k, "name": n} for k, n in self.values],
        }


@dataclass(frozen=True)
class ServiceType:
    """A kind of barrier report.

    ``blocking`` kinds close the affected way for step-free routing once a
    moderator accepts the report; ``equipment`` kinds concern an elevator or
    escalator rather than a way.
    """

    code: str
    name: str
    description: str
    group: str
    keywords: str
    blocking: bool
    attributes: tuple[Attribute, ...] = field(default_factory=tuple)

    def to_open311(self) -> dict[str, object]:
        """The GeoReport v2 service list entry."""
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": self.description,
            "metadata": bool(self.attributes),
            "type": "realtime",
            "keywords": self.keywords,
            "group": self.group,
        }

    def definition(self) -> dict[str, object]:
        """The GeoReport v2 service definition."""
        return {
            "service_code": self.code,
            "attributes": [a.to_open311() for a in self.attributes],
        }


_UNTIL = Attribute(
    code="until",
    datatype="datetime",
    description="If the barrier is temporary (e.g. a construction site): until when?",
    datatype_description="ISO 8601 date or date and time, e.g. 2026-12-31",
    order=9,
)

SERVICES: dict[str, ServiceType] = {
    s.code: s
    for s in (
        ServiceType(
            code="blocked-sidewalk",
            name="Blocked sidewalk",
            description="A fence, construction site, parked vehicle or object blocks the way.",
            group="way",
            keywords="construction, fence, obstacle, blocked, Baustelle",
            blocking=True,
            attributes=(
                Attribute(
                    code="remaining_width_cm",
                    datatype="number",
                    description="Width still passable, in centimetres (0 if none).",
                    order=1,
                ),
                _UNTIL,
            ),
        ),
        ServiceType(
            code="broken-elevator",
            name="Broken elevator or escalator",
            description="An elevator or escalator is out of service.",
            group="equipment",
            keywords="elevator, lift, escalator, Aufzug, Fahrtreppe",
            blocking=True,
            attributes=(
                Attribute(
                    code="equipment",
                    datatype="singlevaluelist",
                    description="Which kind of equipment?",
                    required=True,
                    order=1,
                    values=(("elevator", "Elevator"), ("escalator", "Escalator")),
                ),
                Attribute(
                    code="station",
                    datatype="string",
                    description="Station or building, if any.",
                    order=2,
                ),
                _UNTIL,
            ),
        ),
        ServiceType(
            code="high-kerb",
            name="Missing or high kerb",
            description="No lowered kerb at a crossing, or a kerb too high to roll over.",
            group="way",
            keywords="kerb, curb, Bordstein, crossing",
            blocking=True,
            attributes=(
                Attribute(
                    code="kerb_height_cm",
                    datatype="number",
                    description="Estimated kerb height in centimetres.",
                    order=1,
                ),
            ),
        ),
        ServiceType(
            code="damaged-surface",
            name="Damaged surface",
            description="Holes, loose paving, roots or other damage to the walking surface.",
            group="way",
            keywords="pothole, paving, surface, roots, Schlagloch",
            blocking=False,
            attributes=(
                Attribute(
                    code="severity",
                    datatype="singlevaluelist",
                    description="How bad is it?",
                    order=1,
                    values=(
                        ("minor", "Uncomfortable"),
                        ("major", "Dangerous"),
                        ("impassable", "Impassable with a wheelchair"),
                    ),
                ),
            ),
        ),
        ServiceType(
            code="missing-tactile-paving",
            name="Missing tactile paving",
            description="No tactile guidance at a crossing, platform edge or stairs.",
            group="orientation",
            keywords="tactile, guidance, blind, Leitsystem",
            blocking=False,
        ),
        ServiceType(
            code="steps-no-alternative",
            name="Steps without alternative",
            description="Steps with no ramp or elevator nearby.",
            group="way",
            keywords="steps, stairs, ramp, Stufen, Treppe",
            blocking=True,
            attributes=(
                Attribute(
                    code="step_count",
                    datatype="number",
                    description="Number of steps.",
                    order=1,
                ),
            ),
        ),
        ServiceType(
            code="crossing-no-sound",
            name="Crossing without sound signal",
            description="Traffic lights without an acoustic or vibrating signal.",
            group="orientation",
            keywords="traffic lights, acoustic signal, Ampel, blind",
            blocking=False,
        ),
        ServiceType(
            code="other",
            name="Other barrier",
            description="Any other barrier for people with reduced mobility.",
            group="other",
            keywords="other, barrier",
            blocking=False,
        ),
    )
}


def get_service(code: str) -> ServiceType:
    """The service type with ``code``; raises :class:`UnknownServiceError`."""
    from stufenlos.reports.errors import UnknownServiceError

    try:
        return SERVICES[code]
    except KeyError:
        known = ", ".join(SERVICES)
        msg = f"unknown `service_code` {code!r} (known: {known})"
        raise UnknownServiceError(msg) from None
