"""What route answers read of a network's arcs, as plain Python values, built once.

:class:`EdgeValues` (kept by :attr:`stufenlos.routing.Router.edge_values`) holds each
arc's attributes, OSM ids, names, line points and kerb facts in the form a route answer
writes them: reading a route's rows through pandas (``iloc`` and ``astype`` per column)
costs more than the search itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

__all__ = ["EdgeValues"]


def _val(x: Any) -> Any:
    """A JSON-friendly value (None for missing, a set as a sorted list)."""
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, frozenset | set):
        return sorted(x)
    if isinstance(x, float | np.floating):
        return None if np.isnan(x) else round(float(x), 3)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


_SEGMENT_ATTRS = (
    "highway", "footway", "incline_pct", "incline_dir", "surface", "smoothness", "width_m",
    "steps", "step_count", "handrail", "ramp", "ramp_wheelchair", "wheelchair",
    "tactile_paving", "kerb_u_m", "kerb_v_m", "crossing", "crossing_island", "signal_sound",
    "signal_vibration", "lit", "level", "elevator", "escalator", "sidewalk", "area",
)  # fmt: skip


_SEGMENT_COLUMNS = ("osm_way_id", "osm_node_u", "osm_node_v", "name", *_SEGMENT_ATTRS)


def _column(col: pd.Series) -> tuple[Callable[[NDArray[np.int64]], list[Any]],
                                     NDArray[np.int64]]:
    """A function giving the values of ``col`` at some rows as :func:`_val` makes them,
    and a number per row that is equal for rows whose values it gives alike."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        labels = [_val(x) for x in col.cat.categories.astype(object)] + [None]  # -1: missing
        return (lambda rows: [labels[k] for k in codes[rows].tolist()]), codes.astype(np.int64)
    if col.dtype.kind == "f":
        # rounded once per distinct value (Python's round: numpy's differs at some halves);
        # told apart by their bits (0.0 == -0.0, but "-0.0" is another text)
        raw = col.to_numpy()
        bits, distinct = pd.factorize(raw.view(f"u{raw.dtype.itemsize}"))
        rounded = [round(x, 3) for x in distinct.view(raw.dtype).tolist()]
        floats = np.array(rounded, np.float64)[bits]
        return (lambda rows: [None if x != x else x for x in floats[rows].tolist()]), bits
    if col.dtype.kind in "biu" and not col.hasnans:
        plain = col.to_numpy()
        return (lambda rows: plain[rows].tolist()), pd.factorize(plain)[0]
    objects = col.to_numpy(dtype=object, na_value=None)
    if set(map(type, objects)) <= {type(None), str, int}:
        # what _val leaves as it is (names, OSM node ids with gaps)
        return (lambda rows: objects[rows].tolist()), pd.factorize(objects)[0]
    return (lambda rows: [_val(x) for x in objects[rows].tolist()]), np.arange(len(objects))


def _given(v: Any) -> bool:
    """Whether a segment attribute's value is given (a 0 is, ``False`` and ``""`` are not)."""
    return v is not None and v is not False and v != ""


class EdgeValues:
    """What a route answer reads of its network's edges, as plain Python values.

    Built once per network (:attr:`stufenlos.routing.Router.edge_values`): reading a
    route's rows through pandas (``iloc`` and ``astype`` per column) costs more than
    the search itself.

    Parameters
    ----------
    edges
        The network's edge table.
    """

    def __init__(self, edges: pd.DataFrame) -> None:
        columns = {c: _column(edges[c]) for c in _SEGMENT_COLUMNS}
        self._read = {c: read for c, (read, _) in columns.items()}
        # arcs alike in every attribute share one attribute set (a city has a few hundred)
        same, size = np.zeros(len(edges), np.int64), 1  # values of `same` are below `size`
        for c in _SEGMENT_ATTRS:
            codes = columns[c][1]
            k = int(codes.max(initial=-1)) + 2
            if size * k >= 2**62:  # numbered anew before the key overflows
                same, distinct = pd.factorize(same)
                size = len(distinct)
            same, size = same * k + codes + 1, size * k
        same = pd.factorize(same)[0]
        #: per arc, its attribute set in :attr:`attribute_sets`
        self.attribute_set = same
        first = np.unique(same, return_index=True)[1]
        #: the given attributes (see :meth:`Route.segments`) of each attribute set
        self.attribute_sets = [
            {k: v for k, v in zip(_SEGMENT_ATTRS, values, strict=True) if _given(v)}
            for values in zip(*(self.values(c, first) for c in _SEGMENT_ATTRS), strict=True)]
        #: WKB geometry per arc (``None`` or NaN: straight between the end nodes)
        self.geometry = edges["geometry"].to_numpy()
        #: whether an arc has a stored geometry; the points of those arcs, arc ``a``'s
        #: at ``points[offsets[a]:offsets[a + 1]]`` (a route's line reads them, not WKB)
        self.stored = ~pd.isna(self.geometry)
        self.points, index = shapely.get_coordinates(shapely.from_wkb(self.geometry[self.stored]),
                                                     return_index=True)
        self.all_stored = bool(self.stored.all())
        counts = np.zeros(len(edges), np.int64)
        counts[self.stored] = np.bincount(index, minlength=int(self.stored.sum()))
        self.offsets = np.concatenate([[0], np.cumsum(counts)])
        #: per arc end (u, v): a kerb is expected there but its height is not mapped
        self.kerb_unknown = np.stack([
            (edges[f"kerb_{end}_context"].notna() & edges[f"kerb_{end}_m"].isna()).to_numpy()
            for end in "uv"])
        #: per arc, how many of its ends have such a kerb
        self.kerb_unknown_count = self.kerb_unknown.sum(axis=0, dtype=np.uint8)

    def values(self, column: str, arcs: NDArray[np.int64]) -> list[Any]:
        """JSON-ready values of ``column`` at ``arcs`` (``None`` for missing)."""
        return self._read[column](arcs)
