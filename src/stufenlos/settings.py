"""Every setting stufenlos reads from the environment, typed and documented in one place.

Each field of :class:`Settings` is one environment variable: ``STUFENLOS_`` and
the field name in upper case (``data_dir`` is ``STUFENLOS_DATA_DIR``), except
``database_url``, which is the conventional ``DATABASE_URL``. Code asks
:func:`get_settings` instead of reading ``os.environ``; the answer follows the
current environment (it is cached per distinct set of values, so asking is
cheap), and a bad value raises :class:`SettingsError` naming the variable.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import urllib.parse
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    Field,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from stufenlos.errors import StufenlosError

__all__ = ["ENV_PREFIX", "Settings", "SettingsError", "env_name", "get_settings"]

ENV_PREFIX = "STUFENLOS_"


class SettingsError(StufenlosError, ValueError):
    """An environment variable holds a value stufenlos cannot use.

    A misconfigured server is the operator's problem, not the client's: an API
    answers 500, the command line exits with 2.
    """

    http_status = 500


def _split(value: Any, sep: str) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(sep) if part.strip()]
    return value


class Settings(BaseSettings):
    """The settings of one process, read from environment variables.

    See the "Settings" section of the README for the table of variables; a
    test keeps that table and these fields in step.
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    data_dir: Path = Field(
        Path("var"),
        description="Folder for imported cities, added city folders and the default SQLite "
                    "database (relative to the working directory).")
    cities_dir: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Extra folders searched for city folders first, joined by the path "
                    "separator (`:` on Linux).")
    database_url: str | None = Field(
        None, validation_alias=AliasChoices("DATABASE_URL"),
        description="Application database (reports, plan, shared counters): "
                    "`postgresql://…` or `sqlite:///…`; unset, "
                    "`stufenlos.sqlite` in the data folder.")
    default_city: str = Field(
        "hamburg", description="City the planner opens with when it is imported.")
    map_style_url: str | None = Field(
        None, description="MapLibre style URL for the planner's base map; unset, the "
                          "server's own vector tiles.")
    max_json_bytes: PositiveInt = Field(
        256 << 10, description="Largest JSON request body in bytes (larger ones get 413).")
    max_body_bytes: PositiveInt = Field(
        8 << 20, description="Largest other request body in bytes, e.g. a report with a "
                             "photo (larger ones get 413).")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins allowed to call the API from a browser "
                    "(`*` for any); unset, none.")
    report_rate: str = Field(
        "10/minute", description="Report submissions per client (`limits` notation, e.g. "
                                 "`10/minute`).")
    public_rate: str = Field(
        "60/minute", description="Confirmations and flags per client.")
    login_rate: str = Field(
        "10/minute", description="Failed moderator or editor authentications per client "
                                 "(token, login form, HTTP Basic); then 429 with `Retry-After`.")
    kiosk_frame_ancestors: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins (e.g. `https://info.example`) whose pages may "
                    "show the information pillars (`/kiosk/…`) in a frame; unset, no page "
                    "may frame any page.")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated IP addresses or networks (CIDR) of reverse proxies whose "
                    "`X-Forwarded-For` and `X-Forwarded-Proto` are believed; unset, none: "
                    "the connecting address is the client.")
    rate_limit_storage: str | None = Field(
        None, description="Where rate limits are counted: unset, the application database "
                          "(shared by all workers); or a `limits` storage URI such as "
                          "`redis://host:6379` (needs `pip install 'stufenlos[redis]'`).")
    analysis_workers: PositiveInt = Field(
        1, description="Equity analyses, scenarios and station rankings one server process "
                       "runs at once; more get 429 with `Retry-After`.")
    warm: bool = Field(
        True, description="At start, each server process loads every imported city (network, "
                          "routing, timetable) in the background, so no request waits for it "
                          "(`0`: on first use).")
    auto_hide_flags: PositiveInt = Field(
        3, description="Hide a report once this many different clients flagged it.")
    client_salt: SecretStr | None = Field(
        None, description="Secret mixed into the hash that identifies clients; unset, one "
                          "is generated once and kept in the application database.")
    plan_seed: bool = Field(
        True, description="Seed an empty plan database with the Hamburg 2022–2024 plan "
                          "(`0` starts empty).")
    editor_secret: SecretStr | None = Field(
        None, description="Secret for `stufenlos plan add-editor` (instead of a prompt).")
    publisher: str = Field(
        "stufenlos", description="Publisher named in the DCAT-AP catalogue.")
    contact_email: str | None = Field(
        None, description="Contact e-mail in the DCAT-AP catalogue; unset, the base URL.")
    public_url: str | None = Field(
        None, description="The site's public address (`https://…`), for links in e-mails; "
                          "unset, the address the report was sent to.")
    smtp_host: str | None = Field(
        None, description="Mail server for reporters' e-mails (confirmation, status changes); "
                          "unset, no mail is sent.")
    smtp_port: PositiveInt = Field(25, description="Port of the mail server.")
    smtp_user: str | None = Field(None, description="User name at the mail server, if any.")
    smtp_password: SecretStr | None = Field(None, description="Password at the mail server.")
    smtp_from: str = Field(
        "stufenlos <noreply@localhost>", description="Sender of reporters' e-mails.")
    smtp_starttls: bool = Field(
        False, description="Switch the mail connection to TLS with STARTTLS before logging in.")
    mail_retry_s: PositiveFloat = Field(
        60, description="Seconds between the server's runs over the mail outbox (pending and "
                          "failed mails), and the first pause before a failed mail is tried "
                          "again (it doubles with each further failure, up to 6 hours).")
    stale_after_days: PositiveInt = Field(
        730, description="A barrier, elevator or place last checked longer ago than this many "
                         "days is flagged as possibly out of date (routes, lists, exports).")

    @field_validator("cities_dir", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        return _split(value, os.pathsep)

    @field_validator("cors_origins", "kiosk_frame_ancestors", "trusted_proxies", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        return _split(value, ",")

    @field_validator("kiosk_frame_ancestors")
    @classmethod
    def _check_frame_ancestors(cls, value: list[str]) -> list[str]:
        for entry in value:
            parts = urllib.parse.urlsplit(entry)
            if (parts.scheme not in ("http", "https") or not parts.netloc
                    or entry != f"{parts.scheme}://{parts.netloc}"):
                msg = (f"{entry!r} is not an origin such as https://info.example "
                       "(scheme and host, no path)")
                raise ValueError(msg)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                msg = f"{entry!r} is not an IP address or network such as 10.0.0.0/8"
                raise ValueError(msg) from None
        return value

    @field_validator("report_rate", "public_rate", "login_rate")
    @classmethod
    def _check_rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            msg = f"{value!r} is not a rate such as 10/minute"
            raise ValueError(msg) from None
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _check_storage(cls, value: str | None) -> str | None:
        if not value:
            return None
        from limits.storage import SCHEMES, MovingWindowSupport

        scheme = urllib.parse.urlparse(value).scheme
        storage = SCHEMES.get(scheme)
        if storage is None or not issubclass(storage, MovingWindowSupport):
            usable = sorted(s for s, cls_ in SCHEMES.items()
                            if issubclass(cls_, MovingWindowSupport) and "async" not in s)
            msg = f"scheme {scheme!r} is not one of {', '.join(usable)}"
            raise ValueError(msg)
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if urllib.parse.urlparse(value).scheme not in ("http", "https"):
            msg = f"{value!r} is not an http:// or https:// address"
            raise ValueError(msg)
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value.removeprefix(prefix)
        return value


def env_name(field: str) -> str:
    """The environment variable of the :class:`Settings` field ``field``."""
    return "DATABASE_URL" if field == "database_url" else ENV_PREFIX + field.upper()


_NAMES = frozenset(env_name(f) for f in Settings.model_fields)
_SECRET = frozenset(f for f, info in Settings.model_fields.items()
                    if info.annotation is not None and SecretStr in getattr(
                        info.annotation, "__args__", (info.annotation,)))


def get_settings() -> Settings:
    """The settings as the environment holds them now.

    Returns
    -------
    Settings
        One object per distinct set of values (built once, then reused).

    Raises
    ------
    SettingsError
        A variable holds an unusable value; the message names it.
    """
    # names first, values only of ours: every route request asks this
    env = os.environ
    snapshot = tuple(sorted((k.upper(), env[k]) for k in env if k.upper() in _NAMES))
    return _build(snapshot)


@functools.lru_cache(maxsize=16)
def _build(snapshot: tuple[tuple[str, str], ...]) -> Settings:
    try:
        return Settings()  # reads os.environ, whose relevant part is ``snapshot``
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            name = env_name(field) if field in Settings.model_fields else field
            shown = "" if field in _SECRET else f"={err.get('input')!r}"
            problems.append(f"{name}{shown}: {err['msg'].removeprefix('Value error, ')}")
        msg = "invalid setting: " + "; ".join(problems)
        raise SettingsError(msg) from None
