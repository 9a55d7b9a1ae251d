"""Areas as a map can show them: many small cells merged into at most ~150 squares.

A 250 m grid (Helsinki's population grid, the generated grid of a city without
statistics) has hundreds or thousands of cells: drawn one by one they are specks
nobody can read or compare, and a table of them is too long to read. For display
the cells are merged into squares of a coarser grid in the city's local
projection, each area going to the square that holds its representative point;
the side of the squares is the smallest whole multiple of the typical cell side
that leaves at most :data:`MAX_DISPLAY_AREAS` squares. The merged shape is the
union of its cells, so the map still shows only where people live or the network
reaches.

The figures of a merged area are computed again from the origins of its cells
with the same code as the full table (:meth:`AccessResult.area_table`), so shares
and minutes are population-weighted means over the merged area and counts of
people are sums — the rule the page states. Squares are named like a map index:
a column letter from west to east and a row number from north to south ("C4").
Cities whose areas are few enough (districts such as Hamburg's Stadtteile) are
shown as they are.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from stufenlos.analysis.access import AccessResult
from stufenlos.analysis.areas import GROUPS, AreaSet

__all__ = ["MAX_DISPLAY_AREAS", "Display", "display_result", "square_label"]

#: most areas a map (and its table in text) shows
MAX_DISPLAY_AREAS = 150


@dataclass(frozen=True)
class Display:
    """An analysis result with its areas as shown, and how they were merged.

    ``result`` is the input itself when nothing was merged (``cell_m`` is then
    ``None``); else a result over the merged areas. ``source_areas`` and
    ``shown_areas`` count the areas before and after.
    """

    result: AccessResult
    source_areas: int
    shown_areas: int
    cell_m: float | None = None

    @property
    def merged(self) -> bool:
        """Whether small areas were merged for display."""
        return self.cell_m is not None


def square_label(col: int, row: int) -> str:
    """A map-index name: column letters (A…Z, AA, AB…) and a 1-based row number."""
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return f"{letters}{row + 1}"


def _squares(xy: np.ndarray, side: float) -> tuple[np.ndarray, np.ndarray]:
    """Column (west to east) and row (north to south) of each point's square."""
    col = np.floor((xy[:, 0] - xy[:, 0].min()) / side).astype(np.int64)
    row = np.floor((xy[:, 1].max() - xy[:, 1]) / side).astype(np.int64)
    return col, row


def display_result(result: AccessResult, *,
                   max_areas: int = MAX_DISPLAY_AREAS) -> Display:
    """The result with its areas merged into at most ``max_areas`` squares.

    Parameters
    ----------
    result
        A computed analysis.
    max_areas
        Most areas to show; a result with no more areas is returned unchanged.

    Returns
    -------
    Display
        The result to show and how its areas were merged. Memoised on ``result``
        for the default ``max_areas`` (the analysis cache keeps both together).
    """
    if max_areas < 1:
        msg = f"max_areas must be at least 1, got {max_areas}"
        raise ValueError(msg)
    memo = max_areas == MAX_DISPLAY_AREAS
    cached = result.__dict__.get("_display") if memo else None
    if cached is not None:
        return cached
    shown = _merge(result, max_areas)
    if memo:
        result.__dict__["_display"] = shown
    return shown


def _merge(result: AccessResult, max_areas: int) -> Display:
    setup = result.setup
    areas = setup.areas
    n = len(areas)
    if n <= max_areas:
        return Display(result=result, source_areas=n, shown_areas=n)
    proj = setup.snapper.projection
    polys = np.asarray(areas.geometry)
    xy = proj.to_xy(shapely.get_coordinates(shapely.point_on_surface(polys)))
    # the typical cell side: a square of the median area (areas in m² of the projection)
    cell = float(np.sqrt(np.median(shapely.area(shapely.transform(polys, proj.to_xy)))))
    cell = max(cell, 1.0)
    k = 2
    while True:
        col, row = _squares(xy, k * cell)
        keys = col * (int(row.max()) + 1) + row
        uniq, group = np.unique(keys, return_inverse=True)
        if len(uniq) <= max_areas:
            break
        k += 1
    group = group.ravel()
    first = np.array([np.flatnonzero(group == g)[0] for g in range(len(uniq))])
    # name the squares; order them north to south, then west to east (reading order)
    order = np.lexsort((col[first], row[first]))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    group = rank[group]
    first = first[order]
    names = [square_label(int(col[i]), int(row[i])) for i in first]
    sums = {}
    for g in GROUPS:
        values = pd.Series(areas.table[g].to_numpy(np.float64))
        sums[g] = values.groupby(group).sum(min_count=1).reindex(range(len(names))).to_numpy()
    table = pd.DataFrame({"area_id": names, "name": names, **sums})
    geoms = np.array([shapely.union_all(polys[group == g]) for g in range(len(names))],
                     dtype=object)
    side = k * cell
    merged = AreaSet(kind=areas.kind, table=table, geometry=geoms,
                     source=f"{areas.source} merged into {side:,.0f} m squares",
                     weighted=areas.weighted)
    origins = setup.origins.copy()
    origins["area"] = group[origins["area"].to_numpy()]
    new_setup = dataclasses.replace(setup, areas=merged, origins=origins)
    return Display(result=dataclasses.replace(result, setup=new_setup), source_areas=n,
                   shown_areas=len(names), cell_m=side)
