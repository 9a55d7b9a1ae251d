"""Equity analysis for planners: who reaches what, by profile, area and group.

* :func:`analyze` -- per-origin reach to destination categories for several
  profiles, aggregated to areas by population and group, with the equity gap;
* :func:`run_scenario` / :func:`rank_candidates` -- what-if changes and the
  ranking of candidate fixes by people helped;
* :func:`station_access` -- residents 65+ near step-free stations (with a
  straight-line fallback where there is no network) and the stations to fix first;
* :func:`write_outputs` -- CSV, Parquet, GeoJSON and an accessible HTML report.
"""

from __future__ import annotations

from stufenlos.analysis.access import AccessResult, AnalysisError, analyze, compute, prepare
from stufenlos.analysis.ranking import rank_candidates
from stufenlos.analysis.report import write_outputs
from stufenlos.analysis.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    run_scenario,
)
from stufenlos.analysis.stations import station_access

__all__ = [
    "AccessResult",
    "AnalysisError",
    "Scenario",
    "ScenarioError",
    "analyze",
    "compute",
    "load_scenario",
    "prepare",
    "rank_candidates",
    "run_scenario",
    "station_access",
    "write_outputs",
]
