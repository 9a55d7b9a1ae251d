"""Who reaches what: per-origin measures, per-area tables and the equity gap.

:func:`analyze` places origins in the city's areas (population cells, Stadtteile,
or a grid), snaps them and the destinations to the network, computes per profile
the time to the nearest destination of each category, the number reachable
within each budget and a gravity score, and aggregates them to areas weighted by
population and by group. The *equity gap* of a profile is what ``standard``
reaches minus what that profile reaches, and the people (by group) who have
access as a standard walker but not with that profile.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stufenlos.analysis.areas import AreaSet, grid_areas, read_areas, sample_origins
from stufenlos.analysis.destinations import (
    DEFAULT_CATEGORIES,
    Category,
    CategoryError,
    read_destinations,
)
from stufenlos.analysis.engine import (
    DEFAULT_BUDGETS_MIN,
    DEFAULT_DECAY_MIN,
    Measures,
    Snapper,
    measure,
    profile_graph,
    snap_destinations,
)
from stufenlos.analysis.execution import Runner
from stufenlos.analysis.model import ProfileMeasures, Setup
from stufenlos.city import City
from stufenlos.errors import StufenlosError
from stufenlos.i18n import N_, Message
from stufenlos.ingest.ogc_features import places_from_ogc
from stufenlos.network import Network
from stufenlos.profiles import get_profile
from stufenlos.registry import get_transit

__all__ = [
    "AccessResult", "AnalysisError", "ProfileMeasures", "Setup", "analyze", "compute", "prepare",
]

logger = logging.getLogger(__name__)

#: the note of a walking-only analysis (replaced by the transit note for walk + transit)
WALK_ONLY = N_("walking only; the walk between a point and the network is a straight line "
               "at the profile's speed")


class AnalysisError(StufenlosError, ValueError):
    """An analysis request is malformed (unknown profile, empty budgets, ...)."""


def _blabel(b: float) -> str:
    return f"{b:g}"


def prepare(city: City, *, categories: Sequence[str] | None = None,
            category_defs: Mapping[str, Category] | None = None,
            budgets_min: Sequence[float] = DEFAULT_BUDGETS_MIN,
            decay_min: float = DEFAULT_DECAY_MIN, spacing_m: float = 100.0,
            areas: AreaSet | None = None) -> Setup:
    """Read areas and destinations, place and snap origins."""
    budgets = sorted({float(b) for b in budgets_min})
    if not budgets or budgets[0] <= 0:
        msg = f"budgets must be positive minutes, got {list(budgets_min)}"
        raise AnalysisError(msg)
    defs = dict(category_defs or DEFAULT_CATEGORIES)
    network = city.network
    snapper = Snapper(network)
    notes: list[str] = []
    dest = read_destinations(city.config, defs, names=categories,
                             ogc_places=places_from_ogc(city))
    present = list(categories) if categories is not None else [
        c for c in defs if (dest["category"] == c).any()]
    if not present:
        msg = f"{city.name}: none of the destination categories has any destination"
        raise CategoryError(msg)
    if areas is None:
        areas = read_areas(city.config)
    if areas is None:
        areas = grid_areas(network.node_lonlat, near_m=snapper.max_snap_m)
        notes.append(Message(N_("{city} has no population statistics: origins are a grid "
                                "over the network, every point weighs the same (shares are "
                                "shares of area, not of people)"), city=city.config.title))
    proj = snapper.projection
    xy = proj.to_xy(network.node_lonlat)
    pad = snapper.max_snap_m
    box = (xy[:, 0].min() - pad, xy[:, 1].min() - pad, xy[:, 0].max() + pad,
           xy[:, 1].max() + pad)
    origins = sample_origins(areas, proj, spacing_m=spacing_m, keep_fn=snapper.covered,
                             within=box)
    if origins.empty:
        msg = (f"{city.name}: no part of the areas ({areas.source}) lies within "
               f"{snapper.max_snap_m:g} m of the pedestrian network")
        raise AnalysisError(msg)
    if areas.kind == "grid":  # keep only the cells the network reaches
        used = np.unique(origins["area"].to_numpy())
        areas = AreaSet(kind=areas.kind, table=areas.table.iloc[used].reset_index(drop=True),
                        geometry=areas.geometry[used], source=areas.source,
                        weighted=areas.weighted)
        origins["area"] = np.searchsorted(used, origins["area"].to_numpy())
    nodes, dist = snapper.snap_xy(origins[["x", "y"]].to_numpy(np.float64))
    origins["node"], origins["snap_m"] = nodes, dist
    notes.append(Message(N_("people are assumed evenly spread inside each area ({source}); "
                            "origins every {spacing} m within {snap} m of the network; "
                            "people farther away are not covered"), source=areas.source,
                         spacing=f"{spacing_m:g}", snap=f"{snapper.max_snap_m:g}"))
    notes.append(Message(WALK_ONLY))
    measures = Measures(budgets_s=tuple(b * 60.0 for b in budgets), decay_s=decay_min * 60.0)
    return Setup(city=city, areas=areas, origins=origins, destinations=dest,
                 categories={c: defs[c] for c in present}, snapper=snapper,
                 measures=measures, notes=notes)


def compute(setup: Setup, profiles: Sequence[str], *, runner: Runner | None = None,
            network: Network | None = None, destinations: pd.DataFrame | None = None,
            blocked: NDArray[np.integer] | None = None,
            unblocked: NDArray[np.integer] | None = None,
            mode: str = "auto") -> dict[str, ProfileMeasures]:
    """Per-origin measures for each profile (``network``/``destinations`` override
    the city's, for scenarios; ``mode``: see :func:`~stufenlos.analysis.engine.measure`)."""
    run = runner or Runner()
    net = network if network is not None else setup.city.network
    table = setup.destinations if destinations is None else destinations
    names = setup.category_names
    enter = tuple(c for c in names if setup.categories[c].enter) if "access" in table else ()
    k, e = len(names), len(enter)
    o = setup.origins
    nodes, offsets = o["node"].to_numpy(np.int64), o["snap_m"].to_numpy(np.float64)
    out = {}
    for name in profiles:
        prof = get_profile(name)  # clear error for unknown names
        graph = profile_graph(net, name, blocked=blocked, unblocked=unblocked)
        # one search answers all three counts: the places this person can enter and those
        # of unknown access ride along as extra categories
        dest = snap_destinations(setup.snapper, *_with_enter(table, names, enter, prof))
        nearest, count, gravity = measure(graph, dest, nodes, offsets, setup.measures, run,
                                          mode=mode, desc=f"{setup.city.name} {name}")
        out[name] = ProfileMeasures(name, nearest[:, :k], count[:, :k], gravity[:, :k],
                                    enter_categories=enter,
                                    enter_count=count[:, k:k + e] if e else None,
                                    unknown_count=count[:, k + e:] if e else None)
    return out


def _with_enter(dest: pd.DataFrame, names: Sequence[str], enter: Sequence[str],
                profile: Any) -> tuple[pd.DataFrame, list[str]]:
    """``dest`` with, per category in ``enter``, its places ``profile`` can enter as
    ``<c>#enter`` and those of unknown access as ``<c>#unknown``; and all category names."""
    if not enter:
        return dest, list(names)
    from stufenlos.venues.kinds import enter_verdict

    sub = dest[dest["category"].isin(enter)]
    verdict = np.array([enter_verdict(a or "unknown", profile) for a in sub["access"]],
                       dtype=object)
    parts = [dest]
    for tag, wanted in (("enter", "yes"), ("unknown", "unknown")):
        extra = sub[verdict == wanted].copy()
        extra["category"] = extra["category"] + f"#{tag}"
        parts.append(extra)
    return (pd.concat(parts, ignore_index=True),
            [*names, *(f"{c}#enter" for c in enter), *(f"{c}#unknown" for c in enter)])


@dataclass(eq=False)
class AccessResult:
    """Result of :func:`analyze`: per-origin measures and their area aggregates."""

    setup: Setup
    profiles: list[str]
    measures: dict[str, ProfileMeasures]
    scheduler: str = "none"
    travel: str = "walk"  # "walk" or "walk+transit"
    transit: dict[str, Any] | None = None  # walk+transit: feed, date, departure

    @property
    def budgets_min(self) -> list[float]:
        return [b / 60.0 for b in self.setup.measures.budgets_s]

    @property
    def notes(self) -> list[str]:
        return self.setup.notes

    # -- per origin --------------------------------------------------------------------

    def origin_table(self) -> pd.DataFrame:
        """One row per origin: position, area, people by group, and per profile and
        category ``nearest_min``, ``count_<b>`` and ``gravity``."""
        o = self.setup.origins
        area_ids = self.setup.areas.table["area_id"].to_numpy()
        cols: dict[str, Any] = {
            "origin": np.arange(len(o)), "area_id": area_ids[o["area"].to_numpy()],
            "lon": o["lon"].round(6), "lat": o["lat"].round(6), "node": o["node"],
            "snap_m": o["snap_m"].round(1),
        }
        for g in self.setup.areas.groups() or ["population"]:
            cols[g] = o[g].to_numpy()
        for p in self.profiles:
            m = self.measures[p]
            for ci, c in enumerate(self.setup.category_names):
                cols[f"{p}.{c}.nearest_min"] = np.round(m.nearest_s[:, ci] / 60.0, 3)
                for bi, b in enumerate(self.budgets_min):
                    cols[f"{p}.{c}.count_{_blabel(b)}"] = m.count[:, ci, bi]
                    if c in m.enter_categories:
                        ei = m.enter_categories.index(c)
                        cols[f"{p}.{c}.enter_{_blabel(b)}"] = m.enter_count[:, ei, bi]
                        cols[f"{p}.{c}.unknown_access_{_blabel(b)}"] = m.unknown_count[:, ei, bi]
                cols[f"{p}.{c}.gravity"] = np.round(m.gravity[:, ci], 4)
        return pd.DataFrame(cols)

    # -- per area -------------------------------------------------------------------------

    def groups(self) -> list[str]:
        return self.setup.areas.groups() or ["population"]

    def area_table(self) -> pd.DataFrame:
        """One row per area; see :meth:`_area_table` (computed once, then copied)."""
        return self._table_view().copy()

    def _table_view(self) -> pd.DataFrame:
        """The computed area table itself (not a copy): read it, never change it."""
        cached = self.__dict__.get("_table")
        if cached is None:
            cached = self.__dict__["_table"] = self._area_table()
        return cached

    def _rows_table(self, covered_only: bool) -> pd.DataFrame:
        tab = self._table_view()
        return tab[tab["covered_population"] > 0] if covered_only else tab

    def area_count(self, *, covered_only: bool = False) -> int:
        """How many rows :meth:`area_rows` has without ``offset`` and ``limit``."""
        return len(self._rows_table(covered_only))

    def _area_table(self) -> pd.DataFrame:
        """One row per area (flat columns ``profile.category.measure``).

        * ``covered_<group>``: people within reach of the network;
        * ``<p>.<c>.nearest_min``: population-weighted mean minutes to the nearest
          (over people who reach one within the largest budget);
        * ``<p>.<c>.share_<b>``: share of covered people with one within ``b`` min;
        * ``<p>.<c>.<group>_<b>``: people of the group with one within ``b`` min;
        * ``<p>.<c>.count_<b>``, ``<p>.<c>.gravity``: population-weighted means;
        * ``gap.<p>.<c>.share_<b>`` / ``gap.<p>.<c>.<group>_<b>``: standard minus ``p``.
        """
        areas = self.setup.areas
        o = self.setup.origins
        n_areas = len(areas)
        a = o["area"].to_numpy()
        groups = self.groups()
        cols: dict[str, Any] = {"area_id": areas.table["area_id"].to_numpy(),
                                "name": areas.table["name"].to_numpy()}
        for g in groups:
            cols[g] = areas.table[g].round(1).to_numpy() if areas.weighted else np.nan
        pop = o["population"].to_numpy(np.float64)
        wsum = np.bincount(a, weights=pop, minlength=n_areas)
        people = {g: o[g].to_numpy(np.float64) for g in groups}
        for g in groups:
            cols[f"covered_{g}"] = np.round(np.bincount(a, weights=people[g],
                                                        minlength=n_areas), 1)

        def mean(values: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.bincount(a, weights=pop * values, minlength=n_areas) / wsum

        with np.errstate(invalid="ignore", divide="ignore"):
            for p in self.profiles:
                m = self.measures[p]
                for ci, c in enumerate(self.setup.category_names):
                    near = m.nearest_s[:, ci] / 60.0
                    ok = np.isfinite(near)
                    wn = np.bincount(a[ok], weights=pop[ok], minlength=n_areas)
                    sn = np.bincount(a[ok], weights=(pop * np.nan_to_num(near))[ok],
                                     minlength=n_areas)
                    cols[f"{p}.{c}.nearest_min"] = np.round(sn / wn, 2)
                    for bi, b in enumerate(self.budgets_min):
                        bl = _blabel(b)
                        has = (m.count[:, ci, bi] > 0).astype(np.float64)
                        cols[f"{p}.{c}.share_{bl}"] = np.round(mean(has), 4)
                        for g in groups:
                            cols[f"{p}.{c}.{g}_{bl}"] = np.round(np.bincount(
                                a, weights=people[g] * has, minlength=n_areas), 1)
                        cols[f"{p}.{c}.count_{bl}"] = np.round(
                            mean(m.count[:, ci, bi].astype(np.float64)), 2)
                    cols[f"{p}.{c}.gravity"] = np.round(mean(m.gravity[:, ci]), 3)
                    if c in m.enter_categories:  # mean places one can enter / of unknown access
                        ei = m.enter_categories.index(c)
                        for bi, b in enumerate(self.budgets_min):
                            bl = _blabel(b)
                            cols[f"{p}.{c}.enter_{bl}"] = np.round(
                                mean(m.enter_count[:, ei, bi].astype(np.float64)), 2)
                            cols[f"{p}.{c}.unknown_access_{bl}"] = np.round(
                                mean(m.unknown_count[:, ei, bi].astype(np.float64)), 2)
        if "standard" in self.profiles:
            for p in self.profiles:
                if p == "standard":
                    continue
                for c in self.setup.category_names:
                    for b in self.budgets_min:
                        bl = _blabel(b)
                        cols[f"gap.{p}.{c}.share_{bl}"] = np.round(
                            cols[f"standard.{c}.share_{bl}"] - cols[f"{p}.{c}.share_{bl}"], 4)
                        for g in groups:
                            cols[f"gap.{p}.{c}.{g}_{bl}"] = np.round(
                                cols[f"standard.{c}.{g}_{bl}"] - cols[f"{p}.{c}.{g}_{bl}"], 1)
        tab = pd.DataFrame(cols)
        return tab

    def area_rows(self, *, covered_only: bool = False, offset: int = 0,
                  limit: int | None = None) -> list[dict[str, Any]]:
        """The area table as nested JSON-friendly rows: one per area, with per
        profile the measures by category and the people by group; ``offset`` and
        ``limit`` pick a page of the rows (in area order)."""
        tab = self._rows_table(covered_only)
        tab = tab.iloc[offset:None if limit is None else offset + limit]
        groups = self.groups()
        rows = []
        for rec in tab.to_dict("records"):
            row: dict[str, Any] = {"area_id": rec["area_id"], "name": rec["name"],
                                   "mode": self.travel}
            row["population"] = {g: _num(rec[g]) for g in groups}
            row["covered"] = {g: _num(rec[f"covered_{g}"]) for g in groups}
            prof: dict[str, Any] = {}
            gap: dict[str, Any] = {}
            for key, value in rec.items():
                parts = key.split(".")
                if len(parts) == 3:
                    prof.setdefault(parts[0], {}).setdefault(parts[1], {})[parts[2]] = \
                        _num(value)
                elif len(parts) == 4 and parts[0] == "gap":
                    gap.setdefault(parts[1], {}).setdefault(parts[2], {})[parts[3]] = \
                        _num(value)
            row["profiles"] = prof
            if gap:
                row["gap"] = gap
            rows.append(row)
        return rows

    def totals(self) -> dict[str, Any]:
        """City-wide people with access by profile, category, budget and group."""
        tab = self._table_view()
        groups = self.groups()
        out: dict[str, Any] = {"covered": {g: _num(tab[f"covered_{g}"].sum()) for g in groups}}
        for p in self.profiles:
            for c in self.setup.category_names:
                for b in self.budgets_min:
                    bl = _blabel(b)
                    out.setdefault(p, {}).setdefault(c, {})[f"within_{bl}"] = {
                        g: _num(tab[f"{p}.{c}.{g}_{bl}"].sum()) for g in groups}
        return out


def _num(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, float | np.floating):
        return None if np.isnan(x) else round(float(x), 4)
    if isinstance(x, np.integer):
        return int(x)
    return x


def analyze(city: City, *, profiles: Sequence[str] = ("standard", "wheelchair"),
            runner: Runner | None = None, live_closures: bool = False,
            travel: str = "walk", transit_options: Any = None, transit: Any = None,
            **options: Any) -> AccessResult:
    """Reachability of ``city`` for ``profiles``; see :func:`prepare` for options.

    The network is taken as mapped; with ``live_closures`` the city's current
    closures (broken elevators, confirmed reports) are left out as well.
    ``travel="walk+transit"`` uses the faster of walking and walk + public
    transport (cities with a GTFS input; ``transit_options`` is a
    :class:`~stufenlos.analysis.transit_access.TransitOptions`, ``transit`` a
    loaded :class:`~stufenlos.transit.city.CityTransit`), see
    :mod:`stufenlos.analysis.transit_access`.
    """
    if not profiles:
        msg = "give at least one profile"
        raise AnalysisError(msg)
    if travel not in ("walk", "walk+transit"):
        msg = f"travel mode must be walk or walk+transit, got {travel!r}"
        raise AnalysisError(msg)
    for name in profiles:
        get_profile(name)  # clear error for unknown names before any work
    if travel == "walk+transit" and transit is None:
        transit = get_transit(city)
        if transit is None:
            msg = f"{city.name} has no GTFS input: walk+transit needs a timetable"
            raise AnalysisError(msg)
    setup = prepare(city, **options)
    run = runner or Runner()
    blocked = None
    if live_closures:
        blocked = city.closures.closed_arcs(city.network)
        setup.notes.append(Message(N_("{n} ways closed by live closures are not used"),
                                   n=len(blocked)))
    else:
        setup.notes.append(Message(N_("the network as mapped: live closures (broken "
                                      "elevators, confirmed reports) are not applied")))
    if travel == "walk+transit":
        from stufenlos.analysis.transit_access import compute_transit

        measures, info = compute_transit(setup, list(profiles), transit,
                                         options=transit_options, runner=run,
                                         blocked=blocked)
        setup.notes[:] = [info["note"] if n == WALK_ONLY else n for n in setup.notes]
        setup.notes.append(Message(N_("the walk between a point and the network is a "
                                      "straight line at the profile's speed")))
        return AccessResult(setup=setup, profiles=list(profiles), measures=measures,
                            scheduler=run.name, travel=travel, transit=info)
    measures = compute(setup, list(profiles), runner=run, blocked=blocked)
    return AccessResult(setup=setup, profiles=list(profiles), measures=measures,
                        scheduler=run.name)
