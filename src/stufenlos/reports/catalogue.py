"""The barrier service types people can report, as Open311 service definitions."""

from __future__ import annotations

from dataclasses import dataclass, field

from stufenlos.i18n import N_, translator

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

    def said(self, lang: str) -> str:
        """The description in ``lang`` (web pages and mails; Open311 keeps the English)."""
        return translator(lang).gettext(self.description)

    def value_names(self, lang: str) -> tuple[str, ...]:
        """The names of :attr:`values` in ``lang``."""
        return tuple(translator(lang).gettext(name) for _, name in self.values)

    @property
    def description_de(self) -> str:
        """The German description (from the message catalogue)."""
        return self.said("de")

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

    def name_in(self, lang: str) -> str:
        """The name in ``lang`` (web pages, mails, feeds; Open311 keeps the English)."""
        return translator(lang).gettext(self.name)

    def description_in(self, lang: str) -> str:
        """The description in ``lang``."""
        return translator(lang).gettext(self.description)

    @property
    def name_de(self) -> str:
        """The German name (from the message catalogue)."""
        return self.name_in("de")

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
    description=N_("If the barrier is temporary (e.g. a construction site): until when?"),
    datatype_description="ISO 8601 date or date and time, e.g. 2026-12-31",
    order=9,
)

SERVICES: dict[str, ServiceType] = {
    s.code: s
    for s in (
        ServiceType(
            code="blocked-sidewalk",
            name=N_("Blocked sidewalk"),
            description=N_("A fence, construction site, parked vehicle or object blocks the way."),
            group="way",
            keywords="construction, fence, obstacle, blocked, Baustelle",
            blocking=True,
            attributes=(
                Attribute(
                    code="remaining_width_cm",
                    datatype="number",
                    description=N_("Width still passable, in centimetres (0 if none)."),
                    order=1,
                ),
                _UNTIL,
            ),
        ),
        ServiceType(
            code="broken-elevator",
            name=N_("Broken elevator or escalator"),
            description=N_("An elevator or escalator is out of service."),
            group="equipment",
            keywords="elevator, lift, escalator, Aufzug, Fahrtreppe",
            blocking=True,
            attributes=(
                Attribute(
                    code="equipment",
                    datatype="singlevaluelist",
                    description=N_("Which kind of equipment?"),
                    required=True,
                    order=1,
                    values=(("elevator", N_("Elevator")), ("escalator", N_("Escalator"))),
                ),
                Attribute(
                    code="station",
                    datatype="string",
                    description=N_("Station or building, if any."),
                    order=2,
                ),
                _UNTIL,
            ),
        ),
        ServiceType(
            code="high-kerb",
            name=N_("Missing or high kerb"),
            description=N_("No lowered kerb at a crossing, or a kerb too high to roll over."),
            group="way",
            keywords="kerb, curb, Bordstein, crossing",
            blocking=True,
            attributes=(
                Attribute(
                    code="kerb_height_cm",
                    datatype="number",
                    description=N_("Estimated kerb height in centimetres."),
                    order=1,
                ),
            ),
        ),
        ServiceType(
            code="damaged-surface",
            name=N_("Damaged surface"),
            description=N_("Holes, loose paving, roots or other damage to the walking surface."),
            group="way",
            keywords="pothole, paving, surface, roots, Schlagloch",
            blocking=False,
            attributes=(
                Attribute(
                    code="severity",
                    datatype="singlevaluelist",
                    description=N_("How bad is it?"),
                    order=1,
                    values=(
                        ("minor", N_("Uncomfortable")),
                        ("major", N_("Dangerous")),
                        ("impassable", N_("Impassable with a wheelchair")),
                    ),
                ),
            ),
        ),
        ServiceType(
            code="missing-tactile-paving",
            name=N_("Missing tactile paving"),
            description=N_("No tactile guidance at a crossing, platform edge or stairs."),
            group="orientation",
            keywords="tactile, guidance, blind, Leitsystem",
            blocking=False,
        ),
        ServiceType(
            code="steps-no-alternative",
            name=N_("Steps without alternative"),
            description=N_("Steps with no ramp or elevator nearby."),
            group="way",
            keywords="steps, stairs, ramp, Stufen, Treppe",
            blocking=True,
            attributes=(
                Attribute(
                    code="step_count",
                    datatype="number",
                    description=N_("Number of steps."),
                    order=1,
                ),
            ),
        ),
        ServiceType(
            code="crossing-no-sound",
            name=N_("Crossing without sound signal"),
            description=N_("Traffic lights without an acoustic or vibrating signal."),
            group="orientation",
            keywords="traffic lights, acoustic signal, Ampel, blind",
            blocking=False,
        ),
        ServiceType(
            code="other",
            name=N_("Other barrier"),
            description=N_("Any other barrier for people with reduced mobility."),
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
