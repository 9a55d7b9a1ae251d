"""City configuration files and where stufenlos keeps its data.

A city is one folder holding a ``city.toml`` and, usually, its input files::

    name = "heidelberg"
    title = "Heidelberg"
    timezone = "Europe/Berlin"
    center = [49.4093, 8.6937]          # lat, lon the map opens on

    [[inputs]]
    kind = "osm"                        # osm | gtfs | stations | areas | population | status
    path = "heidelberg.test.osm.pbf"    # relative to this file, or absolute

An ``ogc-features`` input reads an OGC API – Features collection, either from
``url = "https://…/collections/<id>"`` (paged) or from a saved response in ``path``
(see :mod:`stufenlos.ingest.ogc_features`); every other kind needs ``path``.

    [[sources]]
    name = "OpenStreetMap"
    licence = "ODbL-1.0"
    attribution = "© OpenStreetMap contributors"
    url = "https://www.openstreetmap.org/copyright"

Nothing here does I/O at import time.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from stufenlos._util import atomic_write_bytes
from stufenlos.errors import CityConfigError, UnknownCityError
from stufenlos.settings import get_settings

__all__ = [
    "CityConfig",
    "InputSpec",
    "SourceSpec",
    "cities_dirs",
    "data_dir",
    "discover_cities",
    "find_city",
    "load_city_config",
    "write_city_config",
]

CONFIG_NAME = "city.toml"
InputKind = Literal["osm", "gtfs", "stations", "areas", "population", "status", "ogc-features"]
#: input kinds that may name a web address (``url``) instead of a file (``path``)
URL_KINDS = frozenset({"ogc-features"})
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class SourceSpec(BaseModel):
    """One data source of a city, with the attribution its licence asks for."""

    model_config = ConfigDict(extra="forbid")

    name: str
    licence: str
    attribution: str
    url: str | None = None


class InputSpec(BaseModel):
    """One input file of a city. Kind-specific options are extra keys."""

    model_config = ConfigDict(extra="allow")

    kind: InputKind
    #: the input file, relative to the config's folder (or absolute)
    path: str | None = None
    #: instead of ``path``, a web address (``ogc-features`` only)
    url: str | None = None

    @model_validator(mode="after")
    def _path_or_url(self) -> InputSpec:
        if self.url is not None and self.kind not in URL_KINDS:
            msg = f"`url` is only for inputs of kind {', '.join(sorted(URL_KINDS))}"
            raise ValueError(msg)
        if (self.path is None) == (self.url is None):
            msg = ("give either `path` or `url`" if self.kind in URL_KINDS
                   else "`path` is required")
            raise ValueError(msg)
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            msg = f"`url` must start with http:// or https://, got {self.url!r}"
            raise ValueError(msg)
        return self

    @property
    def options(self) -> dict[str, Any]:
        """Kind-specific options (every key other than ``kind``, ``path`` and ``url``)."""
        return dict(self.model_extra or {})


class CityConfig(BaseModel):
    """A city: its name, where the map opens, its inputs and their sources."""

    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    country: str | None = None
    timezone: str = "UTC"
    center: tuple[float, float] | None = Field(default=None, description="lat, lon")
    #: ``pre``: a report is public only after a moderator accepted it (the default);
    #: ``post``: reports are public at once and moderators remove what breaks the rules
    moderation: Literal["pre", "post"] = "pre"
    inputs: list[InputSpec] = Field(default_factory=list)
    sources: list[SourceSpec] = Field(default_factory=list)
    #: folder the config was read from; input paths are relative to it
    folder: Path | None = Field(default=None, exclude=True)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _SLUG.match(value):
            msg = (
                f"`name` must be lower-case letters, digits, '-' or '_' "
                f"(1-63 characters), got {value!r}"
            )
            raise ValueError(msg)
        return value

    @field_validator("center")
    @classmethod
    def _check_center(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None:
            lat, lon = value
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                msg = f"`center` must be [lat, lon] inside -90..90 / -180..180, got {value}"
                raise ValueError(msg)
        return value

    def input_paths(self, kind: str) -> list[Path]:
        """Absolute paths of the inputs of one kind, in config order."""
        return [self.resolve(spec.path) for spec in self.inputs
                if spec.kind == kind and spec.path is not None]

    def inputs_of(self, kind: str) -> list[InputSpec]:
        """The input specs of one kind, in config order."""
        return [spec for spec in self.inputs if spec.kind == kind]

    def resolve(self, path: str) -> Path:
        """Resolve an input path relative to the config's folder."""
        p = Path(path).expanduser()
        if not p.is_absolute() and self.folder is not None:
            p = self.folder / p
        return p

    def check_inputs(self) -> None:
        """Raise :class:`CityConfigError` naming the first input file that is missing."""
        for i, spec in enumerate(self.inputs):
            if spec.path is None:  # a web address: read (and checked) at import
                continue
            p = self.resolve(spec.path)
            if not p.exists():
                where = self.folder / CONFIG_NAME if self.folder else self.name
                msg = f"{where}: inputs[{i}] ({spec.kind}) points at a missing file: {p}"
                raise CityConfigError(msg)


def data_dir() -> Path:
    """Folder where imported cities are written (``$STUFENLOS_DATA_DIR`` or ``./var``)."""
    return get_settings().data_dir.expanduser().resolve()


def _bundled_cities_dir() -> Path:
    # src/stufenlos/config.py -> repository root / data / cities
    return Path(__file__).resolve().parents[2] / "data" / "cities"


def cities_dirs() -> list[Path]:
    """Folders searched for city folders, first match wins.

    ``$STUFENLOS_CITIES_DIR`` (several joined by ``os.pathsep``), then the
    ``cities`` folder under :func:`data_dir` (where ``stufenlos city add``
    writes), then the cities bundled with the source tree.
    """
    dirs = [p.expanduser().resolve() for p in get_settings().cities_dir]
    dirs.append(data_dir() / "cities")
    bundled = _bundled_cities_dir()
    if bundled not in dirs:
        dirs.append(bundled)
    return dirs


def load_city_config(path: str | os.PathLike[str]) -> CityConfig:
    """Read and validate a ``city.toml`` (or the folder holding one)."""
    p = Path(path)
    if p.is_dir():
        p = p / CONFIG_NAME
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        msg = f"{p}: city configuration file not found"
        raise CityConfigError(msg) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        msg = f"{p}: not UTF-8 text ({exc})"
        raise CityConfigError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"{p}: invalid TOML: {exc}"
        raise CityConfigError(msg) from None
    try:
        cfg = CityConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        msg = f"{p}: {problems}"
        raise CityConfigError(msg) from None
    cfg.folder = p.parent.resolve()
    return cfg


def discover_cities() -> dict[str, CityConfig]:
    """All configured cities by name; earlier folders in :func:`cities_dirs` win."""
    found: dict[str, CityConfig] = {}
    for base in cities_dirs():
        if not base.is_dir():
            continue
        for cfg_path in sorted(base.glob(f"*/{CONFIG_NAME}")):
            cfg = load_city_config(cfg_path)
            found.setdefault(cfg.name, cfg)
    return found


def find_city(name: str) -> CityConfig:
    """The configuration of the city called ``name``."""
    cities = discover_cities()
    try:
        return cities[name]
    except KeyError:
        known = ", ".join(sorted(cities)) or "none"
        msg = f"unknown city {name!r} (configured: {known})"
        raise UnknownCityError(msg) from None


def write_city_config(cfg: CityConfig, folder: str | os.PathLike[str]) -> Path:
    """Write ``cfg`` as ``folder/city.toml`` atomically and return the path."""
    target = Path(folder) / CONFIG_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    data = cfg.model_dump(mode="json", exclude_none=True)
    atomic_write_bytes(target, tomli_w.dumps(data).encode("utf-8"))
    return target
