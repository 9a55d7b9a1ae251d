"""Live figures for milestones, pulled from the features that deliver them.

Each milestone of the mobility commitment names a stufenlos feature
(``barriers``, ``reports``, ``pillar``, ``catalog``, ``explainers``). A
:class:`FigureProvider` turns the feature's current data into
:class:`LiveFigure` values. When a feature's module is not installed or has no
data yet, the provider returns a figure whose ``value`` is ``None`` with the
note "not available yet" — the page shows that, never a made-up number.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

__all__ = [
    "NOT_AVAILABLE",
    "BarrierFigures",
    "ElevatorFigures",
    "FigureProvider",
    "LiveFigure",
    "ReportFigures",
    "StaticFigures",
    "default_providers",
    "live_figures",
    "set_elevator_registries",
]

logger = logging.getLogger(__name__)

NOT_AVAILABLE = {"de": "noch nicht verfügbar", "en": "not available yet"}


@dataclass(frozen=True)
class LiveFigure:
    """One figure: a label, a value (``None`` = not available) and where it comes from."""

    key: str
    label: dict[str, str]
    value: float | int | None
    unit: str = ""
    note: dict[str, str] = field(default_factory=dict)
    as_of: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "available": self.value is not None,
            "note": self.note or ({} if self.value is not None else NOT_AVAILABLE),
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }


class FigureProvider(Protocol):
    """Anything that returns the current figures of one feature."""

    def figures(self) -> list[LiveFigure]:
        """The current figures (never raises for missing data)."""
        ...


def _missing(key: str, label: dict[str, str], why: str) -> LiveFigure:
    logger.debug("live figure %s not available: %s", key, why)
    return LiveFigure(key=key, label=label, value=None, note=NOT_AVAILABLE)


def _optional(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


#: barrier counts by database path, valid while the file's mtime is unchanged
_barrier_counts: dict[Path, tuple[float, int]] = {}


def _barrier_count(barriers: Any, path: Path) -> int:
    """Barriers in a city database; counted again only after a new import."""
    mtime = path.stat().st_mtime
    cached = _barrier_counts.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    store = barriers.BarrierStore(path)
    try:
        count = store.count()
    finally:
        engine = getattr(store, "_engine", None)
        if engine is not None:
            engine.dispose()
    _barrier_counts[path] = (mtime, count)
    return count


class BarrierFigures:
    """Barrier counts of every imported city (``stufenlos.barriers.BarrierStore``)."""

    label: ClassVar[dict[str, str]] = {"de": "Barrieren in {city}", "en": "barriers in {city}"}

    def figures(self) -> list[LiveFigure]:
        """One figure per imported city; one "not available" figure if there is none."""
        barriers = _optional("stufenlos.barriers")
        city_mod = _optional("stufenlos.city")
        plain = {"de": "Barrieren", "en": "barriers"}
        if barriers is None or city_mod is None:
            return [_missing("barriers", plain, "stufenlos.barriers is not installed")]
        from stufenlos.config import discover_cities
        from stufenlos.errors import StufenlosError

        out = []
        try:
            cities = discover_cities()
        except StufenlosError as exc:
            return [_missing("barriers", plain, str(exc))]
        for name, cfg in sorted(cities.items()):
            path = city_mod.city_folder(name) / "city.sqlite"
            if not path.exists():
                continue
            try:
                count = _barrier_count(barriers, path)
            except (StufenlosError, SQLAlchemyError) as exc:
                logger.warning("cannot count barriers of %s: %s", name, exc)
                continue
            label = {k: v.format(city=cfg.title) for k, v in self.label.items()}
            out.append(LiveFigure(key=f"barriers:{name}", label=label, value=count))
        return out or [_missing("barriers", plain, "no city imported")]


class ReportFigures:
    """Open and fixed reports in the application database (``stufenlos.reports``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def figures(self) -> list[LiveFigure]:
        """Open reports and fixed reports."""
        open_label = {"de": "offene Meldungen", "en": "open reports"}
        fixed_label = {"de": "behobene Meldungen", "en": "fixed reports"}
        models = _optional("stufenlos.reports.models")
        store = _optional("stufenlos.reports.store")
        if models is None or store is None or not hasattr(store, "OPEN_STATUSES"):
            why = "stufenlos.reports is not installed"
            return [
                _missing("reports:open", open_label, why),
                _missing("reports:fixed", fixed_label, why),
            ]
        report = models.Report
        try:
            with self.engine.connect() as conn:
                rows = dict(
                    conn.execute(
                        select(report.status, func.count())
                        .where(report.hidden.is_(False))
                        .group_by(report.status)
                    ).all()
                )
        except SQLAlchemyError as exc:
            why = f"reports table unavailable: {exc}"
            return [
                _missing("reports:open", open_label, why),
                _missing("reports:fixed", fixed_label, why),
            ]
        n_open = sum(int(n) for s, n in rows.items() if s in store.OPEN_STATUSES)
        return [
            LiveFigure(key="reports:open", label=open_label, value=n_open),
            LiveFigure(key="reports:fixed", label=fixed_label, value=int(rows.get("fixed", 0))),
        ]


class ElevatorFigures:
    """Share of elevators in service, from :class:`stufenlos.transit.equipment.EquipmentRegistry`.

    ``registries`` returns the registries to count (one per city); without it,
    or while no elevator has a known state, the figure is "not available yet".
    Elevators whose state is ``UNKNOWN`` (never reported, or expired) are left
    out of the share and named in the note.
    """

    def __init__(self, registries: Callable[[], Iterable[Any]] | None = None) -> None:
        self.registries = registries

    def figures(self) -> list[LiveFigure]:
        """Share of elevators in service, in percent."""
        label = {"de": "Aufzüge in Betrieb", "en": "elevators in service"}
        if self.registries is None or _optional("stufenlos.transit.equipment") is None:
            return [_missing("elevators", label, "no equipment registry")]
        working = known = unknown = 0
        latest: dt.datetime | None = None
        try:
            for registry in self.registries():
                frame = registry.to_frame()
                states = frame.loc[frame["kind"] == "elevator"]
                working += int((states["state"] == "ACTIVE").sum())
                known += int(states["state"].isin(["ACTIVE", "INACTIVE"]).sum())
                unknown += int((states["state"] == "UNKNOWN").sum())
                stamps = [t for t in states["updated"] if t is not None and t == t]
                if stamps:
                    newest = max(stamps)
                    latest = newest if latest is None else max(latest, newest)
        except Exception as exc:  # a broken feed must not break the plan page
            logger.warning("elevator availability unavailable: %s", exc)
            return [_missing("elevators", label, str(exc))]
        if known == 0:
            return [_missing("elevators", label, "no elevator status known")]
        note = {
            "de": f"{working} von {known} mit bekanntem Status; {unknown} ohne Meldung",
            "en": f"{working} of {known} with a known status; {unknown} without a report",
        }
        return [
            LiveFigure(
                key="elevators",
                label=label,
                value=round(100 * working / known, 1),
                unit="%",
                note=note,
                as_of=latest,
            )
        ]


class StaticFigures:
    """Figures computed by a function (e.g. how many datasets the catalogue lists)."""

    def __init__(self, fn: Callable[[], list[LiveFigure]]) -> None:
        self.fn = fn

    def figures(self) -> list[LiveFigure]:
        """Whatever the function returns."""
        return self.fn()


def _catalog_figures() -> list[LiveFigure]:
    from stufenlos.catalog import dataset_specs

    return [
        LiveFigure(
            key="catalog:datasets",
            label={"de": "Datensätze im Katalog", "en": "datasets in the catalogue"},
            value=len(dataset_specs()),
        )
    ]


def _explainer_figures() -> list[LiveFigure]:
    from stufenlos.plan.explainers import EXPLAINERS, GLOSSARY

    return [
        LiveFigure(
            key="explainers",
            label={"de": "erklärte Datensätze", "en": "datasets explained"},
            value=len(EXPLAINERS),
        ),
        LiveFigure(
            key="glossary",
            label={"de": "Begriffe im Glossar", "en": "glossary terms"},
            value=len(GLOSSARY),
        ),
    ]


_elevator_registries: Callable[[], Iterable[Any]] | None = None


def set_elevator_registries(source: Callable[[], Iterable[Any]] | None) -> None:
    """Tell the plan pages where the live elevator registries are (one per city).

    The feature that polls elevator status calls this once it has built its
    :class:`stufenlos.transit.equipment.EquipmentRegistry` objects.
    """
    global _elevator_registries
    _elevator_registries = source


def default_providers(
    engine: Engine, *, elevator_registries: Callable[[], Iterable[Any]] | None = None
) -> dict[str, list[FigureProvider]]:
    """The providers of each milestone feature."""
    return {
        "barriers": [BarrierFigures()],
        "reports": [ReportFigures(engine)],
        "pillar": [ElevatorFigures(elevator_registries or _elevator_registries)],
        "catalog": [StaticFigures(_catalog_figures)],
        "explainers": [StaticFigures(_explainer_figures)],
    }


def live_figures(
    features: set[str] | list[str], providers: dict[str, list[FigureProvider]]
) -> dict[str, list[dict[str, Any]]]:
    """The figures of each named feature, JSON-ready; unknown features get ``[]``."""
    return {
        feature: [f.to_dict() for p in providers.get(feature, []) for f in p.figures()]
        for feature in features
    }
