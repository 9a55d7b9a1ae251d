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
    #: German texts for the web pages (Open311 answers use the English ones)
    description_de: str = ""
    values_de: tuple[str, ...] = ()

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
    name_de: str = ""
    description_de: str = ""

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
    description_de="Wenn die Barriere vorübergehend ist (z. B. eine Baustelle): bis wann?",
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
            name_de="Gehweg versperrt",
            description_de=(
                "Ein Zaun, eine Baustelle, ein parkendes Fahrzeug oder ein Gegenstand "
                "versperrt den Weg."
            ),
            attributes=(
                Attribute(
                    code="remaining_width_cm",
                    datatype="number",
                    description="Width still passable, in centimetres (0 if none).",
                    description_de="Noch passierbare Breite in Zentimetern (0, wenn gar nicht).",
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
            name_de="Aufzug oder Fahrtreppe kaputt",
            description_de="Ein Aufzug oder eine Fahrtreppe ist außer Betrieb.",
            attributes=(
                Attribute(
                    code="equipment",
                    datatype="singlevaluelist",
                    description="Which kind of equipment?",
                    description_de="Welche Anlage?",
                    required=True,
                    order=1,
                    values=(("elevator", "Elevator"), ("escalator", "Escalator")),
                    values_de=("Aufzug", "Fahrtreppe"),
                ),
                Attribute(
                    code="station",
                    datatype="string",
                    description="Station or building, if any.",
                    description_de="Haltestelle oder Gebäude, falls vorhanden.",
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
            name_de="Bordstein fehlt abgesenkt oder ist zu hoch",
            description_de=(
                "Kein abgesenkter Bordstein an einer Querung, oder ein Bordstein, "
                "der zu hoch zum Überrollen ist."
            ),
            attributes=(
                Attribute(
                    code="kerb_height_cm",
                    datatype="number",
                    description="Estimated kerb height in centimetres.",
                    description_de="Geschätzte Bordsteinhöhe in Zentimetern.",
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
            name_de="Beschädigter Belag",
            description_de="Löcher, lose Platten, Wurzeln oder andere Schäden am Gehweg.",
            attributes=(
                Attribute(
                    code="severity",
                    datatype="singlevaluelist",
                    description="How bad is it?",
                    description_de="Wie schlimm ist es?",
                    order=1,
                    values=(
                        ("minor", "Uncomfortable"),
                        ("major", "Dangerous"),
                        ("impassable", "Impassable with a wheelchair"),
                    ),
                    values_de=("Unangenehm", "Gefährlich", "Mit Rollstuhl nicht passierbar"),
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
            name_de="Fehlendes Blindenleitsystem",
            description_de=(
                "Keine taktilen Leitelemente an einer Querung, Bahnsteigkante oder Treppe."
            ),
        ),
        ServiceType(
            code="steps-no-alternative",
            name="Steps without alternative",
            description="Steps with no ramp or elevator nearby.",
            group="way",
            keywords="steps, stairs, ramp, Stufen, Treppe",
            blocking=True,
            name_de="Stufen ohne Alternative",
            description_de="Stufen ohne Rampe oder Aufzug in der Nähe.",
            attributes=(
                Attribute(
                    code="step_count",
                    datatype="number",
                    description="Number of steps.",
                    description_de="Anzahl der Stufen.",
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
            name_de="Ampel ohne Signal für Blinde",
            description_de="Ampel ohne akustisches oder vibrierendes Signal.",
        ),
        ServiceType(
            code="other",
            name="Other barrier",
            description="Any other barrier for people with reduced mobility.",
            group="other",
            keywords="other, barrier",
            blocking=False,
            name_de="Andere Barriere",
            description_de="Jede andere Barriere für Menschen mit eingeschränkter Mobilität.",
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
