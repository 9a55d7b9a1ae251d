"""Next departures from a stop or station, with step-free verdicts and elevators."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Mapping

    from stufenlos.transit.timetable import Timetable

__all__ = ["departures", "departures_to_json"]


def departures(
    timetable: Timetable,
    stop_id: str,
    at: dt.datetime,
    *,
    limit: int = 10,
    elevator_state: Mapping[str, str] | None = None,
    within_s: int = 3 * 3600,
) -> pd.DataFrame:
    """Next departures from a stop or from every stop of a station.

    Parameters
    ----------
    timetable
        The service day.
    stop_id
        GTFS ``stop_id`` of a stop or station (a stop's station counts as well).
    at
        Earliest departure (naive datetimes are in the feed's time zone).
    limit
        Most departures to return.
    elevator_state
        ``pathway_id -> ACTIVE | INACTIVE | UNKNOWN`` of the station's elevators.
    within_s
        Only departures up to this many seconds after ``at``.

    Returns
    -------
    pandas.DataFrame
        One row per departure: time, route, headsign, stop, whether the trip and
        the stop are step-free (yes/no/unknown, with the stop verdict's source),
        and the elevators serving the station with their status.
    """
    tt = timetable
    station, members = tt.station_stops(stop_id)
    t0 = tt.seconds(at)
    rows = []
    verdict = {0: "unknown", 1: "yes", 2: "no"}
    for r, stops in enumerate(tt.run_stops):
        hit = np.flatnonzero(np.isin(stops, members))
        for h in hit:
            if h == len(stops) - 1:
                continue
            d = int(tt.run_dep[r][h])
            if t0 <= d <= t0 + within_s:
                trip = int(tt.runs["trip"].iloc[r])
                s = int(stops[h])
                rows.append({
                    "departure": tt.datetime(d), "route": str(tt.trip_route[trip]),
                    "route_type": str(tt.trip_route_type[trip]),
                    "headsign": str(tt.trip_headsign[trip]), "stop_id": str(tt.stops[
                        "stop_id"].iloc[s]), "stop_name": str(tt.names[s]),
                    "trip_id": str(tt.run_trip_id[r]),
                    "trip_step_free": verdict[int(tt.trip_wheelchair[trip])],
                    "stop_step_free": verdict[int(tt.access[s])],
                    "stop_step_free_source": str(tt.access_source[s] or ""),
                })
    df = pd.DataFrame(rows, columns=["departure", "route", "route_type", "headsign", "stop_id",
                                     "stop_name", "trip_id", "trip_step_free", "stop_step_free",
                                     "stop_step_free_source"])
    df = df.sort_values("departure", kind="stable").head(limit).reset_index(drop=True)
    el = tt.elevators
    if station >= 0 and len(el):
        sid = tt.stops["stop_id"].iloc[station]
        state = elevator_state or {}
        mine = el[el["station_id"] == sid]
        df.attrs["elevators"] = [
            {"pathway_id": p, "state": state.get(p, "UNKNOWN")} for p in mine["pathway_id"]]
    else:
        df.attrs["elevators"] = []
    return df


def departures_to_json(df: pd.DataFrame) -> str:
    """Departures (:func:`departures`) as JSON with the keys ``departures`` and ``elevators``.

    Parameters
    ----------
    df
        Departures with their ``attrs["elevators"]``.

    Returns
    -------
    str
        Indented JSON; times in ISO 8601.
    """
    recs = [{k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in r.items()}
            for r in df.to_dict("records")]
    return json.dumps({"departures": recs, "elevators": df.attrs.get("elevators", [])},
                      ensure_ascii=False, indent=2)
