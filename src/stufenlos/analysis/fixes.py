"""Candidate fixes a person can choose by name or on a map, turned into scenarios.

The candidates are those of :func:`~stufenlos.analysis.ranking.candidate_fixes`
(stations that are not step-free, steps, kerbs too high for a wheelchair), each
with a place to put it on a map and a name in words: the station's or way's name, else
the name of the nearest named way ("near …"), never a node id. The page sends back the
choice's ``value`` (``kind:id``); :func:`fix_scenario` builds the change from it,
so nobody types ids.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from stufenlos.analysis.destinations import read_db_station_points
from stufenlos.analysis.ranking import candidate_fixes
from stufenlos.analysis.scenario import AddElevator, LowerKerb, MakeStepFree, ScenarioError
from stufenlos.city import City
from stufenlos.geo import LocalProjection

__all__ = ["FIX_KINDS", "MAX_CHOICES", "FixChoice", "fix_choices", "fix_scenario"]

#: the kinds of fix, in the order a page lists them
FIX_KINDS = ("station", "steps", "kerb")
#: most choices of one kind a page lists (the steps with most steps first)
MAX_CHOICES = 150


@dataclass(frozen=True)
class FixChoice:
    """One fix to choose: ``value`` (``kind:id``), where, and its name in words.

    ``name`` is the station's or way's name (empty when there is none); ``near``
    says the name is that of a way meeting it; ``number`` tells apart fixes of the
    same kind and name (1, 2, …; 0 when the name is unique).
    """

    value: str
    kind: str
    name: str
    near: bool
    number: int
    lon: float
    lat: float
    change: dict[str, Any]


@dataclass(frozen=True)
class FixChoices:
    """The choices of a city, by kind, and how many there are of each in all."""

    by_kind: dict[str, list[FixChoice]]
    totals: dict[str, int]

    def get(self, value: str) -> FixChoice | None:
        """The choice with ``value``, if the city offers it."""
        kind = value.partition(":")[0]
        return next((c for c in self.by_kind.get(kind, ()) if c.value == value), None)


#: a fix without a name of its own is named after the nearest named way this close (m)
NEAR_M = 200.0


class _Namer:
    """The name of the nearest named way (not steps) to a point, within :data:`NEAR_M`.

    A k-d tree over the ends of named ways (scipy's, rather than a hand-made grid).
    """

    def __init__(self, city: City) -> None:
        from scipy.spatial import cKDTree

        e = city.network.edges
        named = e[e["name"].notna().to_numpy() & ~e["steps"].to_numpy(bool)]
        # a name people can read: with letters (not a platform or house number)
        named = named[named["name"].astype(str).str.contains(r"[^\W\d_]{2}", regex=True)]
        self.proj = LocalProjection(*map(float, city.network.node_lonlat.mean(axis=0)))
        ends = np.concatenate([named["u"].to_numpy(), named["v"].to_numpy()])
        self.names = np.concatenate([named["name"].astype(str).to_numpy()] * 2)
        self.tree = cKDTree(self.proj.to_xy(city.network.node_lonlat[ends])) \
            if len(ends) else None

    def __call__(self, lon: float, lat: float) -> str:
        if self.tree is None:
            return ""
        d, i = self.tree.query(self.proj.to_xy(np.array([[lon, lat]]))[0])
        return str(self.names[i]) if d <= NEAR_M else ""


def _build(city: City) -> FixChoices:
    e = city.network.edges
    lonlat = city.network.node_lonlat
    namer = _Namer(city)
    ways = e[e["steps"].to_numpy(bool) & e["osm_way_id"].notna().to_numpy()]
    by_way = ways.groupby(ways["osm_way_id"].astype("int64"))
    raw: dict[str, list[dict[str, Any]]] = {k: [] for k in FIX_KINDS}
    stations = None
    for kind, cands in (("station", "stations"), ("steps", "steps"), ("kerb", "kerbs")):
        if kind == "station" and not city.config.input_paths("stations"):
            continue
        for sc in candidate_fixes(city, cands):
            ch = sc.changes[0]
            item: dict[str, Any] = {"change": ch.model_dump(exclude_none=True), "size": 0,
                                    "near": False}
            if isinstance(ch, MakeStepFree):
                if stations is None:
                    stations = read_db_station_points(
                        city.config.input_paths("stations")).set_index("station_id")
                r = stations.loc[ch.station]
                item.update(id=ch.station, name=str(r["name"]), lon=float(r["lon"]),
                            lat=float(r["lat"]))
            elif isinstance(ch, AddElevator):
                rows = by_way.get_group(int(ch.way))
                ends = np.concatenate([rows["u"].to_numpy(), rows["v"].to_numpy()])
                lon, lat = lonlat[ends].mean(axis=0)
                own = rows["name"].dropna().astype(str)
                own = own[own != ""]
                item.update(id=str(ch.way), name=own.iloc[0] if len(own) else "",
                            lon=float(lon), lat=float(lat),
                            size=float(rows["step_count"].fillna(1).max()))
            elif isinstance(ch, LowerKerb):
                at = e[(e["osm_node_u"] == ch.node) | (e["osm_node_v"] == ch.node)].iloc[0]
                lon, lat = lonlat[int(at["u"] if at["osm_node_u"] == ch.node else at["v"])]
                item.update(id=str(ch.node), name="", lon=float(lon), lat=float(lat))
            if not item["name"]:
                item["name"] = namer(item["lon"], item["lat"])
                item["near"] = bool(item["name"])
            raw[kind].append(item)
    by_kind: dict[str, list[FixChoice]] = {}
    totals: dict[str, int] = {}
    for kind, items in raw.items():
        if not items:
            continue
        totals[kind] = len(items)
        # longest flights of steps first when there are too many to list
        items = sorted(items, key=lambda it: -it["size"])[:MAX_CHOICES]
        items.sort(key=lambda it: (it["name"] == "", it["name"].casefold(), it["id"]))
        seen = Counter((it["name"], it["near"]) for it in items)
        count: Counter[tuple[str, bool]] = Counter()
        out = []
        for it in items:
            key = (it["name"], it["near"])
            count[key] += 1
            out.append(FixChoice(value=f"{kind}:{it['id']}", kind=kind, name=it["name"],
                                 near=it["near"], number=count[key] if seen[key] > 1 else 0,
                                 lon=round(it["lon"], 6), lat=round(it["lat"], 6),
                                 change=it["change"]))
        by_kind[kind] = out
    return FixChoices(by_kind=by_kind, totals=totals)


def fix_choices(city: City) -> FixChoices:
    """The fixes a page offers for ``city`` (kept with the city once built).

    Parameters
    ----------
    city
        An imported city.

    Returns
    -------
    FixChoices
        Up to :data:`MAX_CHOICES` choices per kind of :data:`FIX_KINDS`, named.
    """
    return city.memo("analysis.fix_choices", lambda: _build(city))


def fix_scenario(city: City, value: str) -> dict[str, Any]:
    """The scenario (as data for :func:`~stufenlos.analysis.scenario.parse_scenario`)
    of the chosen fix ``value``.

    Raises
    ------
    ScenarioError
        When the city offers no fix with that value.
    """
    choice = fix_choices(city).get(value)
    if choice is None:
        msg = f"fix: {value!r} is not one of the fixes offered for {city.name}"
        raise ScenarioError(msg)
    where = f"{'near ' if choice.near else ''}{choice.name}" if choice.name else "unnamed"
    what = {"station": "step-free station", "steps": "elevator beside the steps",
            "kerb": "lowered kerb"}[choice.kind]
    num = f" {choice.number}" if choice.number else ""
    return {"name": f"{what}: {where}{num}", "changes": [choice.change]}
