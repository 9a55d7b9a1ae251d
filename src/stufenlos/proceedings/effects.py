"""What a planned fix does, from the what-if scenario engine, and where it is.

A fix of a proceeding is one change of :mod:`stufenlos.analysis.scenario`; its effect
is what :func:`~stufenlos.analysis.scenario.run_scenario` says for it: people who gain
(or lose) access per profile and population group. The candidates a proceeding starts
from come from :func:`~stufenlos.analysis.ranking.rank_candidates`, so no figure on a
proceeding's page is typed in by hand.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from stufenlos.analysis.scenario import parse_scenario
from stufenlos.errors import StufenlosError
from stufenlos.i18n import LANGUAGES, N_, translator

__all__ = [
    "DEFAULT_PROFILES",
    "Candidate",
    "change_title",
    "compute_effect",
    "fix_location",
    "ranked_candidates",
]

logger = logging.getLogger(__name__)

#: the profiles a fix's effect is computed for
DEFAULT_PROFILES: tuple[str, ...] = ("wheelchair", "walker")


def _setup(city: Any, category: str, budget_min: float) -> Any:
    """The analysis setup of ``city`` for one category and budget, built once per city."""
    from stufenlos.analysis.access import prepare

    return city.memo(f"proceedings-setup:{category}:{budget_min:g}",
                     lambda: prepare(city, categories=[category], budgets_min=[budget_min]))


#: scenario action -> the name of a change (msgids; ``{ref}`` is the OSM or station id)
_CHANGE_TITLES = {
    "add_elevator": N_("Elevator beside the steps (OSM way {ref})"),
    "lower_kerb": N_("Lower the kerb (OSM node {ref})"),
    "make_step_free": N_("Make station {ref} step-free"),
    "fix_surface": N_("Fix the surface (OSM way {ref})"),
    "remove_barrier": N_("Remove the barrier ({ref})"),
    "close_elevator": N_("Elevator out of service ({ref})"),
}


def change_title(change: dict[str, Any]) -> dict[str, str]:
    """The name of a scenario change in German, English and easy-read German, e.g.
    "Aufzug neben der Treppe (OSM-Weg 123)"."""
    ref = (change.get("way") or change.get("node") or change.get("station")
           or change.get("stop") or change.get("barrier") or change.get("nodes"))
    title = _CHANGE_TITLES.get(str(change.get("action")), N_("Change {ref}"))
    return {lang: translator(lang).gettext(title, ref=ref) for lang in LANGUAGES}


def fix_location(city: Any, change: dict[str, Any]) -> tuple[float, float] | None:
    """Where the change is, as ``(lat, lon)``; ``None`` when the network does not say.

    Steps and surfaces: the middle of the OSM way's first arc; kerbs: the OSM node;
    stations: the DB station's point.
    """
    import shapely

    e = city.network.edges
    if change.get("action") == "make_step_free" and change.get("station"):
        from stufenlos.analysis.destinations import read_db_station_points

        st = read_db_station_points(city.config.input_paths("stations"))
        key = str(change["station"])
        hit = st[(st["station_id"] == key) | (st["name"] == key)]
        return (float(hit.iloc[0]["lat"]), float(hit.iloc[0]["lon"])) if len(hit) else None
    if change.get("way") is not None:
        rows = np.flatnonzero((e["osm_way_id"] == int(change["way"])).to_numpy(bool))
        if rows.size:
            line = shapely.from_wkb(e["geometry"].iloc[int(rows[0])])
            p = line.interpolate(0.5, normalized=True)
            return (round(p.y, 7), round(p.x, 7))
    if change.get("node") is not None:
        for end, index in (("u", 0), ("v", -1)):
            rows = np.flatnonzero((e[f"osm_node_{end}"] == int(change["node"])).to_numpy(bool))
            if rows.size:
                xy = shapely.get_coordinates(shapely.from_wkb(e["geometry"].iloc[int(rows[0])]))
                return (round(float(xy[index, 1]), 7), round(float(xy[index, 0]), 7))
    return None


def compute_effect(city: Any, change: dict[str, Any], *, category: str, budget_min: float,
                   profiles: tuple[str, ...] = DEFAULT_PROFILES,
                   ) -> tuple[list[dict[str, Any]], str]:
    """People who gain or lose access through ``change``, per profile and group.

    Returns
    -------
    rows, note
        One row per profile (``profile, category, gained_<group>..., lost_<group>...``,
        as :attr:`ScenarioResult.totals` has them) and how it was computed.

    Raises
    ------
    stufenlos.analysis.scenario.ScenarioError
        The change is malformed or names something the city does not have.
    """
    from stufenlos.analysis.scenario import run_scenario

    scenario = parse_scenario({"name": "fix", "changes": [change]}, where="change")
    setup = _setup(city, category, budget_min)
    res = run_scenario(setup, scenario, profiles=list(profiles), budget_min=budget_min)
    rows = [{k: (float(v) if isinstance(v, int | float | np.floating) else v)
             for k, v in r.items()} for r in res.totals.to_dict("records")]
    note = (f"{city.name}: {category} within {budget_min:g} min; "
            + "; ".join(res.log))
    return rows, note


@dataclass(frozen=True)
class Candidate:
    """A fix the ranking found, with what the ranking said about it."""

    change: dict[str, Any]
    gained: float  # people (population) who gain access, for the ranking's profile
    summary: str  # the ranking's own sentence


def ranked_candidates(city: Any, *, category: str, budget_min: float, profile: str,
                      kinds: tuple[str, ...] = ("steps", "stations", "kerbs"),
                      limit: int = 5) -> list[Candidate]:
    """The best candidate fixes of ``kinds`` by people who gain access (most first).

    Only fixes with a positive gain are returned (the ranking lists no others); an
    empty list means no candidate of these kinds gives anyone access.
    """
    from stufenlos.analysis.ranking import candidate_fixes, rank_candidates

    setup = _setup(city, category, budget_min)
    found: list[Candidate] = []
    for kind in kinds:
        try:
            cands = candidate_fixes(setup, kind, profile=profile)
        except StufenlosError as exc:  # e.g. a city without DB stations
            logger.info("%s: no %s candidates: %s", city.name, kind, exc)
            continue
        if not cands:
            continue
        ranking = rank_candidates(setup, cands, profile=profile, category=category,
                                  budget_min=budget_min, limit=limit)
        logger.info("%s", ranking.summary)
        for row in ranking.table.to_dict("records"):
            found.append(Candidate(change=json.loads(row["change"]),
                                   gained=float(row["gained_population"]),
                                   summary=ranking.summary))
    found.sort(key=lambda c: -c.gained)
    return found[:limit]
