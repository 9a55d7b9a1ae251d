"""Which fixes help most: candidate what-if changes shortlisted by their real effect,
evaluated exactly with the scenario engine (:mod:`stufenlos.analysis.scenario`), and
ranked by the people who gain access — never a list of zeros."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from stufenlos.analysis.access import Setup, compute
from stufenlos.analysis.areas import GROUPS
from stufenlos.analysis.destinations import DEFAULT_CATEGORIES, read_db_station_points
from stufenlos.analysis.engine import ProfileGraph, arc_times, profile_graph
from stufenlos.analysis.execution import Runner
from stufenlos.analysis.scenario import (
    MakeStepFree,
    Scenario,
    ScenarioError,
    apply_scenario,
    budget_index,
    parse_scenario,
    run_scenario,
)
from stufenlos.city import City
from stufenlos.i18n import N_, LazyText, Message
from stufenlos.network import Network
from stufenlos.profiles.labels import PROFILE_LABELS

__all__ = ["MIN_SAVING_S", "Ranking", "candidate_fixes", "format_people", "rank_candidates"]

logger = logging.getLogger(__name__)


def candidate_fixes(setup: Setup | City, kind: str, *,
                    profile: str = "wheelchair") -> list[Scenario]:
    """Every candidate fix of ``kind`` as a one-change scenario.

    Parameters
    ----------
    setup
        The analysis setup, or just the city (only its network and inputs are read).
    kind
        ``stations``: DB stations that are not step-free; ``kerbs``: OSM nodes at
        crossings whose mapped kerb is higher than ``profile`` may pass; ``steps``:
        OSM ways with steps (an elevator beside them).
    profile
        The profile the kerbs are judged for.

    Returns
    -------
    list of Scenario
        All candidates, in id order. Most of them change nothing for anybody:
        :func:`rank_candidates` shortlists the ones with a real effect.
    """
    from stufenlos.profiles import get_profile

    city = setup.city if isinstance(setup, Setup) else setup
    e = city.network.edges
    out: list[Scenario] = []
    if kind == "stations":
        st = read_db_station_points(city.config.input_paths("stations"))
        for _, r in st[st["step_free"] != "yes"].sort_values("station_id").iterrows():
            out.append(parse_scenario({"name": f"step-free {r['name']}", "changes": [
                {"action": "make_step_free", "station": r["station_id"]}]}))
    elif kind == "kerbs":
        max_m = (get_profile(profile).max_kerb_cm or 3.0) / 100.0
        ids: set[int] = set()
        for end in ("u", "v"):
            high = (e[f"kerb_{end}_m"] > max_m).fillna(False).to_numpy()
            osm = e[f"osm_node_{end}"].to_numpy()
            ids.update(int(osm[i]) for i in np.flatnonzero(high) if not pd.isna(osm[i]))
        for n in sorted(ids):
            out.append(parse_scenario({"name": f"lower kerb at node {n}", "changes": [
                {"action": "lower_kerb", "node": n}]}))
    elif kind == "steps":
        steps = e[e["steps"].to_numpy(bool) & e["osm_way_id"].notna().to_numpy()]
        for w in sorted(steps["osm_way_id"].unique()):
            out.append(parse_scenario({"name": f"elevator at way {int(w)}", "changes": [
                {"action": "add_elevator", "way": int(w)}]}))
    else:
        msg = f"unknown candidate kind {kind!r}; use stations, kerbs or steps"
        raise ScenarioError(msg)
    return out


#: a fix must shorten the profile's way between the ends of an arc by more than this (s).
#: 0: any saving can carry someone over the budget's edge, so the bound stays an upper bound
MIN_SAVING_S = 0.0
#: a ranking evaluates at most this many candidates per fix it is asked for
EVALUATIONS_PER_RANK = 4


@dataclass(eq=False)
class _Base:
    """What every candidate is judged against: the profile's graph and who has access."""

    setup: Setup
    graph: ProfileGraph
    ok: NDArray[np.bool_]
    time_s: NDArray[np.float64]
    without: NDArray[np.float64]  # per origin: people of the group who lack access
    limit_s: float
    to_dest_s: NDArray[np.float64]  # per node: time to the nearest destination (no offset)

    def reach_people(self, nodes: NDArray[np.int64], extra_s: NDArray[np.float64]) -> float:
        """People without access who reach one of ``nodes`` (plus ``extra_s``) in time."""
        o = self.setup.origins
        d = dijkstra(self.graph.reversed_matrix, directed=True, indices=nodes,
                     limit=self.limit_s)
        t = (d + extra_s[:, None]).min(axis=0)[o["node"].to_numpy(np.int64)]
        t += o["snap_m"].to_numpy(np.float64) / self.graph.speed_mps
        return float(self.without[t <= self.limit_s].sum())


def _upper_bound(base: _Base, cand: Scenario, min_saving_s: float) -> float:
    """People who could at most gain from ``cand`` (0: it connects nothing for them).

    A new destination helps only the people without access who reach it within the
    budget. A changed arc helps only if the profile may use it afterwards but not
    before (or much faster), and if it shortens the profile's way between its ends by
    more than ``min_saving_s`` (a local search around the arc). A way that gains
    anyone runs from the origin to the start of a helpful arc on the old network and
    from the end of a helpful arc to a destination on the old network, so at most
    the people without access who reach a start within the budget less the quickest
    helpful arc and the quickest way on from an end gain.
    """
    setup = base.setup
    applied = apply_scenario(setup, cand)
    speed = base.graph.speed_mps
    bound = 0.0
    new = applied.destinations.iloc[:0]
    if any(isinstance(ch, MakeStepFree) for ch in cand.changes):
        known = pd.MultiIndex.from_frame(setup.destinations[["category", "ref"]])
        new = applied.destinations[~pd.MultiIndex.from_frame(
            applied.destinations[["category", "ref"]]).isin(known)]
    if len(new):
        nodes, dist = setup.snapper.snap_lonlat(new[["lon", "lat"]].to_numpy(np.float64))
        on = dist <= setup.snapper.max_snap_m  # farther away, the analysis drops them
        if on.any():
            bound += base.reach_people(nodes[on], dist[on] / speed)
    arcs = applied.touched
    if arcs.size == 0:
        return bound
    sub = Network(nodes=applied.network.nodes,
                  edges=applied.network.edges.iloc[arcs].reset_index(drop=True),
                  meta=applied.network.meta)
    pos = {int(a): i for i, a in enumerate(arcs)}
    ok, time_s = arc_times(sub, base.graph.profile,
                           blocked=[pos[int(a)] for a in applied.blocked],
                           unblocked=[pos[int(a)] for a in applied.unblocked])
    n_base = len(base.ok)
    old = arcs < n_base
    was_ok = np.zeros(arcs.size, bool)
    was_ok[old] = base.ok[arcs[old]]
    was_t = np.full(arcs.size, np.inf)
    was_t[old] = np.where(was_ok[old], base.time_s[arcs[old]], np.inf)
    better = ok & (time_s < was_t - min_saving_s)
    if not better.any():
        return bound
    u, v = sub.u[better].astype(np.int64), sub.v[better].astype(np.int64)
    # the profile's way from u to v without the fix (a search bounded by the budget)
    uniq, row = np.unique(u, return_inverse=True)
    d = dijkstra(base.graph.matrix(), directed=True, indices=uniq, limit=base.limit_s)
    saving = d[row.ravel(), v] - time_s[better]
    helps = saving > min_saving_s
    if helps.any():
        on = time_s[better][helps].min() + base.to_dest_s[v[helps]].min()
        if on < base.limit_s:
            bound += base.reach_people(u[helps], np.full(int(helps.sum()), on))
    return bound


@dataclass(eq=False)
class Ranking:
    """Candidate fixes that give people access, best first, and how they were chosen.

    ``table`` holds only fixes with a positive exact gain (``rank, candidate, change,
    bound_<group>, gained_<g>..., lost_<g>...``); it is empty when no fix gains anyone
    and :attr:`summary` then says so.
    """

    table: pd.DataFrame
    profile: str
    category: str
    budget_min: float
    group: str
    candidates: int  # every candidate of the kind
    shortlisted: int  # with a real effect for the profile
    evaluated: int  # evaluated exactly with the scenario engine

    @property
    def empty(self) -> bool:
        """Whether no fix gives anyone access."""
        return self.table.empty

    @property
    def summary(self) -> str:
        """One plain sentence on what the ranking found (a :class:`~stufenlos.i18n.Message`:
        English, and ``.say(lang)`` in the reader's language)."""
        cat = DEFAULT_CATEGORIES.get(self.category)
        facts = {"category": LazyText(cat.label) if cat else self.category,
                 "budget": f"{self.budget_min:.4g}",
                 "profile": PROFILE_LABELS.get(self.profile, self.profile),
                 "candidates": self.candidates, "shortlisted": self.shortlisted,
                 "evaluated": self.evaluated,
                 "group": LazyText(GROUPS.get(self.group, self.group))}
        if self.empty:
            return Message(N_("No candidate fix gives {group} access to {category} within "
                              "{budget} min with the profile “{profile}” (of {candidates} "
                              "candidate fixes, {shortlisted} connect something for this "
                              "profile and {evaluated} were evaluated exactly)."), **facts)
        top = self.table.iloc[0]
        return Message(N_("Fixes that give access to {category} within {budget} min with the "
                          "profile “{profile}”: {n} (of {candidates} candidate fixes, "
                          "{shortlisted} connect something for this profile and {evaluated} "
                          "were evaluated exactly); the best, {best}, gives {gained} {group} "
                          "access."), n=len(self.table), best=str(top["candidate"]),
                       gained=format_people(top[f"gained_{self.group}"]), **facts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: the summary, the settings and the rows."""
        return {"summary": self.summary, "profile": self.profile, "category": self.category,
                "budget_min": self.budget_min, "group": self.group,
                "candidates": self.candidates, "shortlisted": self.shortlisted,
                "evaluated": self.evaluated, "ranking": self.table.to_dict("records")}


def format_people(x: float) -> str:
    """People as a planner reads them: whole numbers, and fractions of a person (people
    are spread evenly over an area) said as such rather than rounded to 0."""
    if 0 < x < 1:
        return f"{x:.2g}"
    return f"{x:,.0f}"


def rank_candidates(setup: Setup, candidates: Sequence[Scenario], *, profile: str,
                    category: str, budget_min: float | None = None,
                    limit: int | None = None, group: str = "population",
                    min_saving_s: float = MIN_SAVING_S,
                    runner: Runner | None = None) -> Ranking:
    """Shortlist the candidates with a real effect, evaluate the best exactly, rank them.

    Parameters
    ----------
    setup
        The analysis setup.
    candidates
        One-change scenarios, e.g. from :func:`candidate_fixes`.
    profile, category
        Whose access to what.
    budget_min
        The budget that defines access (one of the setup's; default the largest).
    limit
        List at most this many fixes: candidates are evaluated exactly in order of their
        upper bound until ``limit`` fixes with a gain are found that no later bound can
        beat, or after ``EVALUATIONS_PER_RANK * limit`` evaluations; default all.
    group
        The group of people to rank by (``population``, ``age65``, ...).
    min_saving_s
        A changed arc counts only if it shortens the profile's way between its ends
        by more than this (see :func:`_upper_bound`).
    runner
        Where the exact evaluations run.

    Returns
    -------
    Ranking
        The fixes with a positive gain by people of ``group`` who gain access (most
        first); the gain is that of :func:`run_scenario` for the same change.
    """
    if category not in setup.category_names:
        msg = (f"category {category!r} is not in this analysis "
               f"({', '.join(setup.category_names)})")
        raise ScenarioError(msg)
    groups = setup.areas.groups() or ["population"]
    if group not in groups:
        msg = f"group {group!r} is not in this analysis ({', '.join(groups)})"
        raise ScenarioError(msg)
    if limit is not None and limit < 1:
        msg = f"limit must be at least 1, got {limit}"
        raise ScenarioError(msg)
    bi, budget = budget_index(setup, budget_min)
    setup = dataclasses.replace(setup, categories={category: setup.categories[category]})
    base = compute(setup, [profile], runner=runner)
    graph = profile_graph(setup.city.network, profile)
    ok, time_s = arc_times(setup.city.network, profile)  # the arcs behind ``graph``
    weights = setup.origins[group].fillna(0).to_numpy(np.float64)
    limit_s = min(budget * 60.0, graph.range_s)
    dest_nodes = np.unique(setup.snapped().nodes)
    to_dest = (dijkstra(graph.reversed_matrix, directed=True, indices=dest_nodes,
                        limit=limit_s, min_only=True) if dest_nodes.size
               else np.full(graph.n_nodes, np.inf))
    judge = _Base(setup, graph, ok, time_s,
                  without=np.where(base[profile].count[:, 0, bi] > 0, 0.0, weights),
                  limit_s=limit_s, to_dest_s=to_dest)
    bounds = np.array([_upper_bound(judge, c, min_saving_s) for c in candidates])
    order = [int(i) for i in np.lexsort(([c.name for c in candidates], -bounds))
             if bounds[i] > 0]
    # Branch and bound: evaluate in order of the upper bound until ``limit`` fixes with a
    # gain are found that no later candidate's bound can beat (or after
    # ``EVALUATIONS_PER_RANK`` times ``limit`` evaluations, so a loose bound costs bounded time).
    rows: list[dict[str, Any]] = []
    found: list[float] = []
    budget_evals = None if limit is None else EVALUATIONS_PER_RANK * limit
    evaluated = 0
    for i in order:
        if limit is not None and (
                evaluated >= budget_evals  # type: ignore[operator]
                or (len(found) >= limit and bounds[i] <= sorted(found)[-limit])):
            break
        cand = candidates[i]
        res = run_scenario(setup, cand, profiles=[profile], runner=runner,
                           budget_min=budget, baseline=base)
        evaluated += 1
        tot = res.totals.iloc[0]
        if tot[f"gained_{group}"] > 0:
            found.append(float(tot[f"gained_{group}"]))
        rows.append({"candidate": cand.name,
                     "change": json.dumps(cand.changes[0].model_dump(exclude_none=True)),
                     f"bound_{group}": round(float(bounds[i]), 1),
                     **{f"gained_{g}": tot[f"gained_{g}"] for g in groups},
                     **{f"lost_{g}": tot[f"lost_{g}"] for g in groups}})
    columns = ["candidate", "change", f"bound_{group}", *[f"gained_{g}" for g in groups],
               *[f"lost_{g}" for g in groups]]
    df = pd.DataFrame(rows, columns=columns)
    df = df[df[f"gained_{group}"] > 0]
    df = df.sort_values([f"gained_{group}", "candidate"], ascending=[False, True],
                        kind="stable").reset_index(drop=True)
    if limit is not None:
        df = df.iloc[:limit]
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return Ranking(table=df, profile=profile, category=category, budget_min=budget,
                   group=group, candidates=len(candidates), shortlisted=len(order),
                   evaluated=evaluated)
