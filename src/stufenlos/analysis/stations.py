"""Older residents near step-free stations, per area, and the stations to fix first.

Built for what Hamburg publishes: Stadtteil statistics (residents and residents
65+) and the DB station list with ``hasSteplessAccess``. People are assumed
evenly spread inside each Stadtteil (sample points every ``spacing_m``). The
distance from a point to a station is the walking distance on the pedestrian
network where the network covers both (for ``profile``, only arcs it may use),
and the **straight-line distance otherwise**; every row says which it used and
what share of people it could measure on the network.

Stations with ``hasSteplessAccess = partial`` count as *not* step-free here.

The ranking of stations to fix first is a what-if, so it is computed by the
scenario engine (:func:`rank_stations`): the people who gain are exactly those
``scenario run`` reports for the station made step-free, measured on the network
only (a station or a resident away from the network gains nobody there).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from stufenlos.analysis.access import prepare
from stufenlos.analysis.areas import GROUPS, AreaSet, read_areas, sample_origins
from stufenlos.analysis.destinations import read_db_station_points
from stufenlos.analysis.engine import MAX_SNAP_M, Snapper
from stufenlos.analysis.ranking import Ranking, candidate_fixes, rank_candidates
from stufenlos.city import City
from stufenlos.errors import StufenlosError
from stufenlos.i18n import N_, Message
from stufenlos.network import csr_arrays
from stufenlos.profiles import get_profile
from stufenlos.profiles.labels import PROFILE_LABELS

__all__ = ["StationAnalysis", "StationAnalysisError", "rank_stations", "station_access"]

logger = logging.getLogger(__name__)


class StationAnalysisError(StufenlosError, ValueError):
    """The city lacks the areas or stations this analysis needs."""


@dataclass(eq=False)
class StationAnalysis:
    """Per-area shares and the ranking of stations that are not step-free."""

    distance_m: float
    profile: str
    areas: pd.DataFrame
    ranking: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    ranking_summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"distance_m": self.distance_m, "profile": self.profile, "notes": self.notes,
                "areas": self.areas.to_dict("records"),
                "ranking": self.ranking.to_dict("records"),
                "ranking_summary": self.ranking_summary}


def _network_distances(city: City, snapper: Snapper, profile: str, pts_xy: np.ndarray,
                       st_xy: np.ndarray, limit_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Network metres from covered points to covered stations (inf elsewhere)."""
    net = city.network
    costs = get_profile(profile).evaluate(net)
    ok = ~costs.violates
    length = np.maximum(net.edges["length_m"].to_numpy(np.float64), 1e-3)
    # reversed arcs: a search from a station gives every node's distance *to* it
    arrays = csr_arrays(net.n_nodes, net.v[ok], net.u[ok], length[ok])
    g = scipy.sparse.csr_matrix(arrays[::-1], shape=(net.n_nodes, net.n_nodes))
    st_node, st_d = snapper.snap_xy(st_xy)
    st_ok = st_d <= snapper.max_snap_m
    pt_node, pt_d = snapper.snap_xy(pts_xy)
    pt_ok = pt_d <= snapper.max_snap_m
    out = np.full((len(pts_xy), len(st_xy)), np.inf)
    for j in np.flatnonzero(st_ok):
        # reverse search from the station: distance from every node to it
        d = dijkstra(g, directed=True, indices=int(st_node[j]), limit=limit_m)
        out[pt_ok, j] = d[pt_node[pt_ok]] + pt_d[pt_ok] + st_d[j]
    return out, pt_ok


def station_access(city: City, *, distance_m: float = 600.0, profile: str = "older_pedestrian",
                   spacing_m: float = 200.0, areas: AreaSet | None = None,
                   rank_limit: int | None = 20) -> StationAnalysis:
    """Share of residents (by group) within ``distance_m`` of a step-free station.

    Returns per-area rows (network distance where the network covers both ends,
    else straight-line) and the ranking of :func:`rank_stations`: stations that
    are not step-free by the residents 65+ who would gain one within reach,
    computed exactly as the scenario that makes the station step-free.
    """
    if distance_m <= 0:
        msg = f"distance_m must be positive, got {distance_m}"
        raise StationAnalysisError(msg)
    areas = areas or read_areas(city.config)
    if areas is None:
        msg = f"{city.name} has no areas with population (kind areas or population)"
        raise StationAnalysisError(msg)
    stations = read_db_station_points(city.config.input_paths("stations"))
    if stations.empty:
        msg = f"{city.name} has no stations input"
        raise StationAnalysisError(msg)
    snapper = Snapper(city.network)
    proj = snapper.projection
    pts = sample_origins(areas, proj, spacing_m=spacing_m)
    pts_xy = pts[["x", "y"]].to_numpy(np.float64)
    st_xy = proj.to_xy(stations[["lon", "lat"]].to_numpy(np.float64))
    straight = np.full((len(pts), len(stations)), np.inf)
    tree = cKDTree(st_xy)
    near = tree.query_ball_point(pts_xy, r=distance_m * 1.5)
    for i, js in enumerate(near):
        if js:
            js = np.asarray(js)
            straight[i, js] = np.hypot(*(st_xy[js] - pts_xy[i]).T)
    net_d, pt_cov = _network_distances(city, snapper, profile, pts_xy, st_xy, distance_m * 1.5)
    st_cov = snapper.covered(st_xy)
    # network distance where point and station are both on the network, else straight line
    use_net = pt_cov[:, None] & st_cov[None, :]
    dist = np.where(use_net, net_d, straight)
    step_free = (stations["step_free"] == "yes").to_numpy()
    d_sf = np.where(step_free[None, :], dist, np.inf)
    nearest = d_sf.min(axis=1) if len(stations) else np.full(len(pts), np.inf)
    arg = d_sf.argmin(axis=1)
    method_net = use_net[np.arange(len(pts)), arg] & np.isfinite(nearest)
    within = nearest <= distance_m
    groups = [g for g in GROUPS if g in areas.groups()]
    a = pts["area"].to_numpy()
    n = len(areas)
    cols: dict[str, Any] = {"area_id": areas.table["area_id"], "name": areas.table["name"]}
    for g in groups:
        w = pts[g].to_numpy(np.float64)
        tot = np.bincount(a, weights=w, minlength=n)
        inn = np.bincount(a, weights=w * within, minlength=n)
        cols[g] = np.round(tot, 1)
        cols[f"{g}_within"] = np.round(inn, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cols[f"{g}_share_within"] = np.round(inn / tot, 4)
    pop = pts["population"].to_numpy(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_net = np.bincount(a, weights=pop * method_net, minlength=n) / np.bincount(
            a, weights=pop, minlength=n)
    cols["network_share"] = np.round(np.nan_to_num(share_net), 4)
    cols["method"] = np.where(cols["network_share"] >= 0.999, "network",
                              np.where(cols["network_share"] > 0, "network + straight-line",
                                       "straight-line"))
    area_tab = pd.DataFrame(cols)
    ranked = rank_stations(city, distance_m=distance_m, profile=profile, areas=areas,
                           limit=rank_limit)
    ranking = ranked.table.merge(stations[["station_id", "name", "city", "step_free", "lon",
                                 "lat"]], on="station_id", how="left")
    keep = ["rank", "station_id", "name", "city", "step_free", "lon", "lat",
            *[c for c in ranking if c.startswith("gained_")]]
    ranking = ranking[keep].rename(columns=lambda c: f"{c[7:]}_gaining"
                                   if c.startswith("gained_") else c)
    ranking["budget_min"] = ranked.budget_min
    measured = 100 * float(np.average(method_net, weights=pop) if pop.sum() else 0)
    notes = [
        Message(N_("residents are assumed evenly spread inside each area ({source}); sample "
                   "points every {spacing} m"), source=areas.source, spacing=f"{spacing_m:g}"),
        Message(N_("distance: walking distance on the pedestrian network ({profile}) where "
                   "the network covers both the point and the station, otherwise STRAIGHT-LINE "
                   "distance (an underestimate of the walk); {share} percent of residents measured "
                   "on the network"), profile=PROFILE_LABELS.get(profile, profile),
                share=f"{measured:.0f}"),
        Message(N_("stations with partly step-free access count as not step-free; stations "
                   "in neighbouring towns serve residents here, but their residents are not "
                   "counted")),
        Message(N_("ranking: residents who would gain a step-free station within {budget} "
                   "min ({distance} m at the speed of “{profile}”) on the pedestrian network, "
                   "from the scenario engine (`scenario run` with the station made step-free "
                   "gives the same); residents farther than {snap} m from the network, and "
                   "stations that far from it, are not counted"),
                budget=f"{ranked.budget_min:.4g}", distance=f"{distance_m:g}",
                profile=PROFILE_LABELS.get(profile, profile), snap=f"{MAX_SNAP_M:g}"),
    ]
    return StationAnalysis(distance_m=distance_m, profile=profile, areas=area_tab,
                           ranking=ranking, notes=notes, ranking_summary=ranked.summary)


def rank_stations(city: City, *, distance_m: float = 600.0,
                  profile: str = "older_pedestrian", areas: AreaSet | None = None,
                  limit: int | None = 20) -> Ranking:
    """Stations that are not step-free, by residents 65+ who would gain one in reach.

    The same computation as a ``make_step_free`` scenario: the budget is
    ``distance_m`` at ``profile``'s speed, stations whose catchment holds nobody
    without a step-free station (or that lie off the network) are left out, the
    others are evaluated with :func:`~stufenlos.analysis.scenario.run_scenario`.

    Parameters
    ----------
    city
        A city with stations and areas with population.
    distance_m
        Walking distance that counts as "in reach", turned into minutes at the
        profile's speed.
    profile
        Whose walk.
    areas
        The areas (default: the city's).
    limit
        Evaluate at most this many stations exactly.

    Returns
    -------
    Ranking
        Its table has a ``station_id`` column; empty (with a summary saying so)
        when no station would give anyone a step-free station within reach.
    """
    budget = distance_m / get_profile(profile).speed_mps / 60.0
    setup = prepare(city, categories=["step_free_station"], budgets_min=[budget], areas=areas)
    cands = candidate_fixes(setup, "stations")
    groups = setup.areas.groups()
    ranked = rank_candidates(setup, cands, profile=profile, category="step_free_station",
                             group="age65" if "age65" in groups else "population",
                             limit=limit)
    ids = {c.name: c.changes[0].station for c in cands}  # type: ignore[union-attr]
    ranked.table.insert(1, "station_id", ranked.table["candidate"].map(ids).astype(object))
    return ranked
