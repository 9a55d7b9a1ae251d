"""Request and response models of the HTTP API (pydantic).

Models are split by purpose: ``*Base`` holds the shared fields, ``*Request``
what a client sends, ``*Public`` what the API answers. Every number a client
sends has a range, so absurd values fail validation with a 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator

from stufenlos.profiles import LIMITS, PRESETS, Limit, Profile, get_profile
from stufenlos.text.route import ROUTE_PARTS

__all__ = [
    "BarrierCollection",
    "BarrierPublic",
    "CityPublic",
    "DistanceBudget",
    "ErrorPublic",
    "JourneyPublic",
    "JourneyRequest",
    "LatLon",
    "LimitInfo",
    "Limits",
    "MatrixPublic",
    "MatrixRequest",
    "PlacePublic",
    "ProfileName",
    "ProfilePublic",
    "ReachRequest",
    "RouteProperties",
    "RoutePublic",
    "RouteRequest",
    "SourcePublic",
    "StationPublic",
    "StopPublic",
    "TimeBudget",
]

ProfileName = Literal[tuple(PRESETS)]  # type: ignore[valid-type]
Language = Literal["de", "en", "ls"]
#: a part of a route answer (:data:`stufenlos.text.route.ROUTE_PARTS`)
RoutePart = Literal[tuple(ROUTE_PARTS)]  # type: ignore[valid-type]

_STRICT = ConfigDict(extra="forbid")


class ErrorPublic(BaseModel):
    """Every error answer: a short error name and a message saying what to change."""

    error: str
    detail: str
    errors: list[dict[str, Any]] | None = None


class LatLon(BaseModel):
    """A point in WGS84 degrees."""

    model_config = _STRICT

    lat: float = Field(ge=-90, le=90, description="latitude in degrees")
    lon: float = Field(ge=-180, le=180, description="longitude in degrees")

    def pair(self) -> tuple[float, float]:
        """``(lat, lon)``."""
        return (self.lat, self.lon)


class _LimitsBase(BaseModel):
    model_config = _STRICT

    def changes(self) -> dict[str, Any]:
        """The limits that were given, ready for :func:`stufenlos.profiles.get_profile`."""
        out = self.model_dump(exclude_none=True)
        for name, value in out.items():
            if LIMITS[name].many:
                out[name] = frozenset(value)
        return out


def _limit_field(lim: Limit) -> tuple[Any, Any]:
    """Type and :func:`pydantic.Field` of one limit, from its spec."""
    if lim.numeric:
        kind: Any = int if lim.integer else float
    elif lim.choices:
        kind = Literal[lim.choices]
    else:
        kind = Annotated[str, Field(min_length=1, max_length=40)]
    if lim.many:
        kind = list[kind]  # type: ignore[valid-type]
    unit = f" ({lim.unit})" if lim.unit and lim.numeric else ""
    field = Field(None, ge=lim.min, le=lim.max, max_length=40 if lim.many else None,
                  title=lim.label["en"] + unit, description=lim.help["en"],
                  json_schema_extra={"unit": lim.unit} if lim.unit else None)
    return kind | None, field


#: changes to a profile's limits, one optional field per entry of
#: :data:`stufenlos.profiles.LIMITS`; omitted (or null) values keep the preset's
Limits = create_model(  # type: ignore[call-overload]
    "Limits", __base__=_LimitsBase, __module__=__name__,
    __doc__="Changes to a profile's limits; omitted values keep the preset's.",
    **{name: _limit_field(lim) for name, lim in LIMITS.items()},
)


class _ProfileRequest(BaseModel):
    model_config = _STRICT

    profile: ProfileName = "standard"  # type: ignore[valid-type]
    limits: Limits = Field(default_factory=Limits)  # type: ignore[valid-type]

    def person(self) -> Profile:
        """The preset with the given limits changed: the profile every answer uses."""
        return get_profile(self.profile, **self.limits.changes())  # type: ignore[attr-defined]


class RouteRequest(_ProfileRequest):
    """A route between two points for one person."""

    origin: LatLon
    to_place: str | None = Field(
        None, min_length=3, max_length=40, pattern=r"^(node|way|relation)/\d+$",
        description="a place you can enter (`id` from /api/cities/{city}/venues): the route "
                    "ends at an entrance this person can use, when one is mapped")
    destination: LatLon | None = Field(
        None, validate_default=True,
        description="where to go; may be left out when `to_place` is given")
    optimize: Literal["comfort", "distance"] = "comfort"
    lang: Language = "de"
    include: list[RoutePart] | None = Field(
        None, max_length=len(ROUTE_PARTS),
        description="the parts of the answer to give (default: all). `summary`: `summary`, "
                    "`warnings`, `limits`, `unknowns`, `closures`; `geometry`: the line "
                    "(else `geometry` is null); `violations`: `violations`, `uncertain`; "
                    "`steps`; `segments`; `barriers`: `barriers`, `stale`. `status`, "
                    "`profile`, `optimize`, `lang`, `distance_m`, `duration_s`, `cost_s`, "
                    "`origin`, `destination`, `connected_destination` and `place` always "
                    "come; what is left out is not computed (a map needs only "
                    "`[\"geometry\", \"summary\"]`)")

    @field_validator("destination")
    @classmethod
    def _somewhere(cls, value: LatLon | None, info: ValidationInfo) -> LatLon | None:
        if value is None and info.data.get("to_place") is None:
            msg = "give `destination` or `to_place`"
            raise ValueError(msg)
        return value


class TimeBudget(BaseModel):
    """Reach budget in travel time."""

    model_config = _STRICT

    max_time_s: float = Field(gt=0, le=7200, description="seconds of travel")


class DistanceBudget(BaseModel):
    """Reach budget in walked distance."""

    model_config = _STRICT

    max_distance_m: float = Field(gt=0, le=10_000, description="metres walked")


class ReachRequest(_ProfileRequest):
    """Everything reachable from a point within a time or a distance budget."""

    origin: LatLon
    budget: TimeBudget | DistanceBudget = Field(
        default_factory=lambda: TimeBudget(max_time_s=600),
        description="either {max_time_s} or {max_distance_m}; 10 minutes by default")

    def budget_kwargs(self) -> dict[str, float | None]:
        """``max_time_s`` / ``max_distance_m`` for :meth:`stufenlos.routing.Router.reach`."""
        return {"max_time_s": getattr(self.budget, "max_time_s", None),
                "max_distance_m": getattr(self.budget, "max_distance_m", None)}


class JourneyRequest(_ProfileRequest):
    """A public transport journey leaving at ``at`` (default now; local time if naive)."""

    origin: LatLon
    destination: LatLon
    at: datetime | None = None
    max_transfers: int = Field(4, ge=0, le=8)
    lang: Language = "de"
    origin_name: str | None = Field(
        None, min_length=1, max_length=200,
        description="what the directions call the origin (\"ab Heidelberg Hbf\"); "
                    "default: the word for start in `lang`")
    destination_name: str | None = Field(
        None, min_length=1, max_length=200,
        description="what the directions call the destination; default: the word for "
                    "destination in `lang`")


class JourneyPublic(BaseModel):
    """Itineraries, fastest first, each with legs, unknowns and text directions."""

    itineraries: list[dict[str, Any]]


class MatrixRequest(_ProfileRequest):
    """Costs between up to 100 origins and 100 destinations."""

    origins: list[LatLon] = Field(min_length=1, max_length=100)
    destinations: list[LatLon] = Field(min_length=1, max_length=100)


class MatrixPublic(BaseModel):
    """Seconds from each origin (rows) to each destination (columns); null = not connected."""

    profile: str
    cost_s: list[list[float | None]]
    limits_broken: list[list[bool]]


class RouteProperties(BaseModel):
    """Everything a person needs to judge a route, in text and as data.

    The fields with a default are left out when the request's ``include`` does not ask
    for their part.
    """

    status: Literal["ok", "uncertain", "limits_broken", "no_route"] = Field(
        description="`ok`: keeps every limit. `uncertain`: keeps every limit where the "
                    "values are mapped, but at least one value that is not mapped and was "
                    "assumed under the unknown policy (e.g. a 12 cm kerb where a footway "
                    "meets a road) breaks a limit; those violations have `assumed: true`. "
                    "`limits_broken`: a mapped value breaks a limit (a way, a kerb, a "
                    "closure, the range `max_distance_m`), or under the `strict` unknown "
                    "policy, which counts every unknown as a barrier, any value does. "
                    "`no_route`: the points are not connected.")
    profile: str
    optimize: Literal["comfort", "distance"]
    lang: Language
    distance_m: float
    duration_s: float
    cost_s: float = Field(description="search cost in seconds: travel time plus preference and "
                                        "limit penalties")
    limits: dict[str, Any] = Field(default_factory=dict)
    violations: list[dict[str, Any]] = Field(
        default_factory=list,
        description="every broken limit: `limit`, `excess` and `unit`, `limit_value`, "
                    "`segment` (index into `segments`; null for the range), `osm_way_id`, "
                    "`osm_node_ids`, `lon`, `lat`, `assumed` (true when only a value that "
                    "is not mapped breaks it) and `assumed_value` (that value in `unit`, a "
                    "smoothness level or surface name, or `out_of_service`; null when mapped)")
    uncertain: list[dict[str, Any]] = Field(
        default_factory=list,
        description="the assumed values (not mapped) the route rests on that break a limit "
                    "(`breaks: true`, also in `violations`) or meet it exactly (`breaks: "
                    "false`, e.g. a kerb assumed 3 cm at a crossing under a 3 cm limit); "
                    "fields as in `violations` without `excess`, `assumed` is always true")
    unknowns: dict[str, float] = Field(
        default_factory=dict,
        description="what had to be assumed on the route, as counts (kerbs, steps, "
                    "elevators, traffic lights without a mapped sound or vibration signal) "
                    "and metres (surface, smoothness, width, slope)")
    barriers: list[dict[str, Any]] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list,
        description="what to know besides broken limits (range, far start or destination, "
                    "relaxed unknown policy), in the requested language (German for ls)")
    summary: list[str] = Field(default_factory=list,
                               description="summary sentences in the requested language")
    steps: list[str] = Field(default_factory=list,
                             description="ordered directions in the requested language")
    origin: dict[str, float]
    destination: dict[str, float]
    segments: list[dict[str, Any]] = Field(
        default_factory=list,
        description="per traversed edge: OSM way id, OSM node ids (from, to), length and "
                    "the attributes that mattered, to check the route against OSM")
    closures: list[dict[str, Any]] = Field(
        default_factory=list,
        description="live closures (reports, outages) touching the route: why it may differ "
                    "from yesterday's")
    connected_destination: dict[str, float] | None = Field(
        None, description="with status no_route: the point nearest to the destination that "
                          "the start connects to (lat, lon, snap_distance_m from the "
                          "destination), so the person can choose it")
    stale: list[str] = Field(
        default_factory=list,
        description="sentences about barriers on the route whose facts were last checked "
                    "longer ago than STUFENLOS_STALE_AFTER_DAYS (each barrier in `barriers` "
                    "carries `last_checked`, `checked_by` and `stale` when its date is known)")
    place: dict[str, Any] | None = Field(
        None, description="with `to_place`: the place, `ends_at` (entrance or centre), "
                          "`entrance_status` (usable, unknown, none, unusable), the chosen "
                          "`entrance` and `text`, the sentence saying where the route ends")


class RoutePublic(BaseModel):
    """A route as a GeoJSON Feature."""

    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any] | None
    properties: RouteProperties


class SourcePublic(BaseModel):
    """A data source and the attribution its licence asks for."""

    name: str
    licence: str
    attribution: str
    url: str | None = None


class CityPublic(BaseModel):
    """A configured city."""

    name: str
    title: str
    country: str | None
    center: tuple[float, float] | None = Field(description="lat, lon")
    bbox: tuple[float, float, float, float] | None = Field(
        description="min lon, min lat, max lon, max lat of the imported network")
    imported: bool
    barrier_counts: dict[str, int]
    sources: list[SourcePublic]


class LimitInfo(BaseModel):
    """One adjustable limit, for building a form (from :data:`stufenlos.profiles.LIMITS`)."""

    name: str
    label_de: str
    label_en: str
    label_ls: str
    help_de: str
    help_en: str
    help_ls: str
    unit: str
    min: float
    max: float
    step: float

    @classmethod
    def of(cls, lim: Limit) -> LimitInfo:
        """The form facts of a numeric limit."""
        return cls(name=lim.name, unit=lim.unit, min=lim.min, max=lim.max, step=lim.step,
                   **{f"{kind}_{lang}": getattr(lim, kind)[lang]
                      for kind in ("label", "help") for lang in ("de", "en", "ls")})


class ProfilePublic(BaseModel):
    """A profile preset."""

    name: str
    label_de: str
    label_en: str
    limits: dict[str, Any]
    adjustable: list[LimitInfo]


class PlacePublic(BaseModel):
    """A search result: ``label`` is its name, kind in words and district."""

    name: str
    kind: str
    lat: float
    lon: float
    label: str
    kind_label: str
    district: str | None = None
    postcode: str | None = None
    outside: bool = False
    #: a place one can go into: its id (a route's ``to_place``), wheelchair access
    place_id: str | None = None
    access: Literal["yes", "limited", "no", "unknown"] | None = None


class BarrierPublic(BaseModel):
    """One barrier or help (elevator, ramp) with its live status."""

    id: str
    kind: str
    label_de: str
    label_en: str
    lat: float
    lon: float
    name: str | None
    status: Literal["closed", "unknown", "mapped"]
    osm_type: str | None
    osm_id: int | None
    attributes: dict[str, Any]
    source: str
    last_checked: str | None = Field(None, description="ISO date of the last check")
    checked_by: str | None = Field(None, description="osm_check_date, osm_survey, osm_edit, "
                                   "operator_feed, … (see the README)")
    stale: bool = Field(False, description="last checked longer ago than "
                        "STUFENLOS_STALE_AFTER_DAYS")


class ClosurePublic(BaseModel):
    """A live closure in force, as this server applies it to routing."""

    id: int
    kind: str = Field(description="segment, way, node, elevator or barrier")
    ref: str = Field(description="OSM id, barrier id, or the way id of a segment")
    osm_way_id: int | None = None
    osm_relation_id: int | None = Field(
        None, description="OSM relation of a segment on a square mapped as a multipolygon")
    node_u: int | None = Field(None, description="OSM id of one end of a segment")
    node_v: int | None = Field(None, description="OSM id of the other end of a segment")
    source: str = Field(description="manual, report, equipment or operator")
    reason: str
    report_id: int | None = Field(None, description="the report that made it, if any")
    url: str | None = Field(None, description="the report's public page")
    valid_from: str | None = None
    valid_until: str | None = None
    arcs: int = Field(description="directed edges of the current network it closes "
                                  "(0: it names ground this network no longer has)")


class ClosureCollection(BaseModel):
    """Closures in force in a city."""

    version: int = Field(description="changes whenever a closure of the city changes")
    items: list[ClosurePublic]


class BarrierCollection(BaseModel):
    """A page of barriers."""

    total: int
    limit: int
    offset: int
    items: list[BarrierPublic]


class StationPublic(BaseModel):
    """A station with its step-free facts."""

    id: str
    slug: str
    name: str
    lat: float
    lon: float
    step_free: str | None
    mobility_service: str | None
    operator: str | None
    address: str | None
    source: str


class StopPublic(BaseModel):
    """What the information pillar shows for a station."""

    station: StationPublic
    elevators: list[BarrierPublic]
    ways: list[dict[str, Any]]
    departures: list[dict[str, Any]] | None
    departures_note: str | None
