"""What-if scenarios: change the network or the stops, and count who gains access.

A scenario is a small declarative file (TOML or JSON) or an API body::

    name = "Elevator and kerb at Jungfernstieg"
    [[changes]]
    action = "make_step_free"       # a stop or station becomes step-free
    station = "Hamburg Jungfernstieg"
    [[changes]]
    action = "lower_kerb"           # kerbs at an OSM node lowered (default to 0 cm)
    node = 1234567
    [[changes]]
    action = "add_elevator"         # an elevator beside the steps of an OSM way
    way = 7654321                   # (or nodes = [a, b]: a new elevator between two nodes)
    [[changes]]
    action = "fix_surface"          # resurface an OSM way
    way = 1111
    surface = "asphalt"
    smoothness = "good"
    [[changes]]
    action = "close_elevator"       # an elevator out of service (way or node)
    way = 2222
    [[changes]]
    action = "remove_barrier"       # a reported barrier fixed (id from the barrier store)
    barrier = "b-123"               # (or way = / node = )

Changes only ever *add* (an elevator is added next to the stairs, not instead of
them) except ``close_elevator``, so adding access never takes access away from
anyone (tested). :func:`run_scenario` compares the scenario with the baseline
per origin and sums the people (by group) who gain or lose access within the
budget, per area and in total; :func:`rank_candidates` does that for every
candidate fix of a kind with a real effect and ranks them by people helped.
"""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stufenlos.analysis.access import Setup, compute
from stufenlos.analysis.destinations import read_db_station_points
from stufenlos.analysis.execution import Runner
from stufenlos.errors import StufenlosError
from stufenlos.geo import haversine_m
from stufenlos.i18n import N_, Message
from stufenlos.network import Network

__all__ = [
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "apply_scenario",
    "budget_index",
    "load_scenario",
    "parse_scenario",
    "run_scenario",
]

logger = logging.getLogger(__name__)


class ScenarioError(StufenlosError, ValueError):
    """A scenario is malformed or refers to something the city does not have."""


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MakeStepFree(_Change):
    action: Literal["make_step_free"]
    station: str | None = None
    stop: str | None = None

    @model_validator(mode="after")
    def _one(self) -> MakeStepFree:
        if (self.station is None) == (self.stop is None):
            msg = "give exactly one of `station` (DB id or name) and `stop` (GTFS stop_id)"
            raise ValueError(msg)
        return self


class LowerKerb(_Change):
    action: Literal["lower_kerb"]
    node: int
    height_cm: float = Field(0.0, ge=0, le=30)


class AddElevator(_Change):
    action: Literal["add_elevator"]
    way: int | None = None
    nodes: tuple[int, int] | None = None

    @model_validator(mode="after")
    def _one(self) -> AddElevator:
        if (self.way is None) == (self.nodes is None):
            msg = "give exactly one of `way` (steps to pair with an elevator) and `nodes`"
            raise ValueError(msg)
        return self


class FixSurface(_Change):
    action: Literal["fix_surface"]
    way: int
    surface: str = "asphalt"
    smoothness: str = "good"


class CloseElevator(_Change):
    action: Literal["close_elevator"]
    way: int | None = None
    node: int | None = None

    @model_validator(mode="after")
    def _one(self) -> CloseElevator:
        if (self.way is None) == (self.node is None):
            msg = "give exactly one of `way` and `node`"
            raise ValueError(msg)
        return self


class RemoveBarrier(_Change):
    action: Literal["remove_barrier"]
    barrier: str | None = None
    way: int | None = None
    node: int | None = None

    @model_validator(mode="after")
    def _one(self) -> RemoveBarrier:
        if sum(x is not None for x in (self.barrier, self.way, self.node)) != 1:
            msg = "give exactly one of `barrier`, `way` and `node`"
            raise ValueError(msg)
        return self


Change = Annotated[MakeStepFree | LowerKerb | AddElevator | FixSurface | CloseElevator
                   | RemoveBarrier, Field(discriminator="action")]


class Scenario(BaseModel):
    """A named list of changes."""

    model_config = ConfigDict(extra="forbid")

    name: str = "scenario"
    description: str = ""
    changes: list[Change] = Field(min_length=1)


def parse_scenario(data: Any, *, where: str = "scenario") -> Scenario:
    """Validate a scenario given as a mapping; errors name the change and field."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors())
        msg = f"{where}: {problems}"
        raise ScenarioError(msg) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario from a TOML or JSON file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        msg = f"{p}: cannot read scenario: {exc.strerror}"
        raise ScenarioError(msg) from None
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(raw)
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as exc:
        msg = f"{p}: invalid JSON at line {exc.lineno}: {exc.msg}"
        raise ScenarioError(msg) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{p}: invalid TOML: {exc}"
        raise ScenarioError(msg) from None
    return parse_scenario(data, where=str(p))


# -- applying changes -----------------------------------------------------------------------


@dataclass(eq=False)
class Applied:
    """A scenario applied: the network, destinations and arc masks to analyse with."""

    network: Network
    destinations: pd.DataFrame
    blocked: NDArray[np.int64]
    unblocked: NDArray[np.int64]
    log: list[str]
    touched: NDArray[np.int64]  # arcs changed, added, closed or unblocked


def _set(df: pd.DataFrame, rows: NDArray[np.int64], col: str, value: Any) -> None:
    if isinstance(df[col].dtype, pd.CategoricalDtype) and value is not None \
            and value not in df[col].cat.categories:
        df[col] = df[col].cat.add_categories([value])
    df.loc[df.index[rows], col] = value


def _arcs_of_way(e: pd.DataFrame, way: int, where: str) -> NDArray[np.int64]:
    arcs = np.flatnonzero((e["osm_way_id"] == way).fillna(False).to_numpy())
    if arcs.size == 0:
        msg = f"{where}: no OSM way {way} in the network"
        raise ScenarioError(msg)
    return arcs


def _arcs_at_node(e: pd.DataFrame, node: int, where: str) -> tuple[NDArray[np.int64], ...]:
    at_u = np.flatnonzero((e["osm_node_u"] == node).fillna(False).to_numpy())
    at_v = np.flatnonzero((e["osm_node_v"] == node).fillna(False).to_numpy())
    if at_u.size == 0 and at_v.size == 0:
        msg = f"{where}: no OSM node {node} in the network"
        raise ScenarioError(msg)
    return at_u, at_v


def _station_ref(setup: Setup, key: str, where: str) -> tuple[str, pd.Series]:
    st = read_db_station_points(setup.city.config.input_paths("stations"))
    hit = st[(st["station_id"] == key) | (st["name"].str.casefold() == key.casefold())]
    if hit.empty:
        msg = f"{where}: no DB station {key!r} in the city's stations input"
        raise ScenarioError(msg)
    row = hit.iloc[0]
    return f"db/{row['station_id']}", row


def apply_scenario(setup: Setup, scenario: Scenario) -> Applied:
    """The network and destinations with ``scenario``'s changes made."""
    base = setup.city.network
    edges = base.edges.copy()
    extra: list[pd.DataFrame] = []
    dest = setup.destinations
    blocked: list[NDArray[np.int64]] = []
    unblocked: list[NDArray[np.int64]] = []
    touched: list[NDArray[np.int64]] = []
    log: list[str] = []
    new_dest = []
    for i, ch in enumerate(scenario.changes):
        where = f"{scenario.name}: changes[{i}] ({ch.action})"
        if isinstance(ch, MakeStepFree):
            if ch.station is not None:
                ref, row = _station_ref(setup, ch.station, where)
                new_dest.append(("step_free_station", ref, float(row["lon"]), float(row["lat"])))
                log.append(Message(N_("station {name} made step-free"), name=row["name"]))
            else:
                ref = f"gtfs/{ch.stop}"
                hit = dest[dest["ref"] == ref]
                if hit.empty:
                    msg = f"{where}: no GTFS stop {ch.stop!r}"
                    raise ScenarioError(msg)
                r0 = hit.iloc[0]
                new_dest.append(("step_free_stop", ref, float(r0["lon"]), float(r0["lat"])))
                log.append(Message(N_("stop {stop} made step-free"), stop=ch.stop))
        elif isinstance(ch, LowerKerb):
            at_u, at_v = _arcs_at_node(edges, ch.node, where)
            h = ch.height_cm / 100.0
            edges.loc[edges.index[at_u], "kerb_u_m"] = np.float32(h)
            edges.loc[edges.index[at_v], "kerb_v_m"] = np.float32(h)
            touched += [at_u, at_v]
            log.append(Message(N_("kerb at node {node} lowered to {cm} cm ({ends} arc ends)"),
                               node=ch.node, cm=f"{ch.height_cm:g}",
                               ends=at_u.size + at_v.size))
        elif isinstance(ch, AddElevator):
            first = len(edges) + sum(len(x) for x in extra)
            extra.append(_elevator_arcs(base, edges, ch, where, first))
            touched.append(np.arange(first, first + len(extra[-1]), dtype=np.int64))
            log.append(Message(N_("elevator added at way {way}"), way=ch.way) if ch.way else
                       Message(N_("elevator added at nodes {nodes}"), nodes=ch.nodes))
        elif isinstance(ch, FixSurface):
            arcs = _arcs_of_way(edges, ch.way, where)
            _set(edges, arcs, "surface", ch.surface)
            _set(edges, arcs, "smoothness", ch.smoothness)
            touched.append(arcs)
            log.append(Message(N_("way {way} resurfaced ({surface}, {smoothness})"), way=ch.way,
                               surface=ch.surface, smoothness=ch.smoothness))
        elif isinstance(ch, CloseElevator):
            if ch.way is not None:
                arcs = _arcs_of_way(edges, ch.way, where)
            else:
                at_u, at_v = _arcs_at_node(edges, ch.node, where)  # type: ignore[arg-type]
                arcs = np.union1d(at_u, at_v)
            arcs = arcs[edges["elevator"].to_numpy(bool)[arcs]]
            if arcs.size == 0:
                msg = f"{where}: no elevator there"
                raise ScenarioError(msg)
            blocked.append(arcs)
            touched.append(arcs)
            log.append(Message(N_("elevator closed ({n} arcs)"), n=arcs.size))
        elif isinstance(ch, RemoveBarrier):
            if ch.barrier is not None:
                from stufenlos.barriers import BarrierStore

                rec = BarrierStore(setup.city.database_path).get(ch.barrier)
                if rec is None:
                    msg = (
                        f"{where}: no barrier {ch.barrier!r} in "
                                        f"{setup.city.name}"
                    )
                    raise ScenarioError(msg)
                arcs = np.asarray(rec.get("edge_ids") or [], np.int64)
            elif ch.way is not None:
                arcs = _arcs_of_way(edges, ch.way, where)
            else:
                at_u, at_v = _arcs_at_node(edges, ch.node, where)  # type: ignore[arg-type]
                arcs = np.union1d(at_u, at_v)
            unblocked.append(arcs)
            touched.append(arcs)
            log.append(Message(N_("barrier removed ({n} arcs usable by everyone)"), n=arcs.size))
    if extra:
        edges = pd.concat([edges, *extra], ignore_index=True)
    network = Network(nodes=base.nodes, edges=edges, meta=base.meta)
    if new_dest:
        add = pd.DataFrame(new_dest, columns=["category", "ref", "lon", "lat"])
        add = add[add["category"].isin(setup.category_names)]
        dest = pd.concat([dest, add], ignore_index=True).drop_duplicates(["category", "ref"])
        dest = dest.sort_values(["category", "ref"]).reset_index(drop=True)
    cat = np.concatenate(blocked) if blocked else np.empty(0, np.int64)
    unb = np.concatenate(unblocked) if unblocked else np.empty(0, np.int64)
    tch = np.unique(np.concatenate(touched)) if touched else np.empty(0, np.int64)
    return Applied(network, dest, cat, unb, log, tch.astype(np.int64))


def _elevator_arcs(base: Network, edges: pd.DataFrame, ch: AddElevator, where: str,
                   first_index: int) -> pd.DataFrame:
    """New elevator arcs: copies of a way's steps, or a new pair between two nodes."""
    if ch.way is not None:
        arcs = _arcs_of_way(edges, ch.way, where)
        rows = edges.iloc[arcs].copy()
        old_pair = rows["pair"].to_numpy()
        remap = {int(a): first_index + j for j, a in enumerate(arcs)}
        rows["pair"] = np.array([remap.get(int(p), -1) for p in old_pair], np.int32)
    else:
        idx = base.node_index
        try:
            a, b = (int(idx[n]) for n in ch.nodes)  # type: ignore[union-attr]
        except KeyError:
            msg = f"{where}: node {ch.nodes} not in the network"
            raise ScenarioError(msg) from None
        proto = edges.iloc[[0, 0]].copy()
        lonlat = base.node_lonlat
        proto["u"] = np.array([a, b], np.int32)
        proto["v"] = np.array([b, a], np.int32)
        proto["pair"] = np.array([first_index + 1, first_index], np.int32)
        proto["length_m"] = float(haversine_m(*lonlat[a], *lonlat[b]))
        proto["osm_way_id"] = pd.array([None, None], "Int64")
        proto["osm_node_u"] = pd.array(list(ch.nodes), "Int64")  # type: ignore[arg-type]
        proto["osm_node_v"] = pd.array(list(ch.nodes)[::-1], "Int64")  # type: ignore[arg-type]
        proto["geometry"] = None
        rows = proto
    rows = rows.reset_index(drop=True)
    n = len(rows)
    for col in ("highway",):
        if "elevator" not in rows[col].cat.categories:
            rows[col] = rows[col].cat.add_categories(["elevator"])
        rows[col] = pd.Categorical(["elevator"] * n, categories=rows[col].cat.categories)
    rows["steps"] = False
    rows["escalator"] = False
    rows["elevator"] = True
    rows["area"] = rows["area_link"] = False  # a lift, not a square (the prototype may be)
    for col in ("step_count", "incline_pct", "kerb_u_m", "kerb_v_m", "width_m"):
        rows[col] = np.float32(np.nan)
    rows["incline_pct"] = np.float32(0.0)
    rows["incline_dir"] = np.int8(0)
    for col in ("kerb_u_context", "kerb_v_context", "wheelchair"):
        rows[col] = pd.Categorical([None] * n, categories=edges[col].cat.categories)
    rows["surface"] = pd.Categorical(["metal"] * n, categories=sorted(
        set(edges["surface"].cat.categories) | {"metal"}))
    rows["smoothness"] = "good"
    return rows


# -- running ----------------------------------------------------------------------------------


@dataclass(eq=False)
class ScenarioResult:
    """People who gain or lose access, per area and in total."""

    scenario: Scenario
    log: list[str]
    budget_min: float
    areas: pd.DataFrame  # area_id, name, profile, category, gained_<g>, lost_<g>
    totals: pd.DataFrame  # profile, category, gained_<g>, lost_<g>

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.model_dump(mode="json"),
            "applied": self.log,
            "budget_min": self.budget_min,
            "totals": self.totals.to_dict("records"),
            "areas": self.areas.to_dict("records"),
        }


def budget_index(setup: Setup, budget_min: float | None) -> tuple[int, float]:
    budgets = [b / 60.0 for b in setup.measures.budgets_s]
    if budget_min is None:
        return len(budgets) - 1, budgets[-1]
    if budget_min not in budgets:
        msg = (
            f"budget {budget_min:g} min is not one of the analysis budgets "
                            f"{', '.join(f'{b:g}' for b in budgets)}"
        )
        raise ScenarioError(msg)
    return budgets.index(budget_min), budget_min


def run_scenario(setup: Setup, scenario: Scenario, *, profiles: Sequence[str],
                 runner: Runner | None = None, budget_min: float | None = None,
                 baseline: dict[str, Any] | None = None) -> ScenarioResult:
    """Compare ``scenario`` with the baseline for ``profiles``."""
    bi, budget = budget_index(setup, budget_min)
    applied = apply_scenario(setup, scenario)
    base = baseline or compute(setup, profiles, runner=runner)
    new = compute(setup, profiles, runner=runner, network=applied.network,
                  destinations=applied.destinations, blocked=applied.blocked,
                  unblocked=applied.unblocked)
    o = setup.origins
    groups = setup.areas.groups() or ["population"]
    area_ix = o["area"].to_numpy()
    n_areas = len(setup.areas)
    rows, totals = [], []
    for p in profiles:
        for ci, c in enumerate(setup.category_names):
            had = base[p].count[:, ci, bi] > 0
            has = new[p].count[:, ci, bi] > 0
            gained, lost = has & ~had, had & ~has
            per_area: dict[str, Any] = {}
            total: dict[str, Any] = {"profile": p, "category": c}
            for g in groups:
                w = o[g].to_numpy(np.float64)
                per_area[f"gained_{g}"] = np.bincount(area_ix, weights=w * gained,
                                                      minlength=n_areas)
                per_area[f"lost_{g}"] = np.bincount(area_ix, weights=w * lost,
                                                    minlength=n_areas)
                total[f"gained_{g}"] = round(float((w * gained).sum()), 1)
                total[f"lost_{g}"] = round(float((w * lost).sum()), 1)
            totals.append(total)
            frame = pd.DataFrame({"area_id": setup.areas.table["area_id"],
                                  "name": setup.areas.table["name"], "profile": p,
                                  "category": c, **{k: np.round(v, 1)
                                                    for k, v in per_area.items()}})
            changed = frame[list(per_area)].to_numpy().sum(axis=1) > 0
            rows.append(frame[changed])
    areas = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return ScenarioResult(scenario=scenario, log=applied.log, budget_min=budget,
                          areas=areas, totals=pd.DataFrame(totals))
