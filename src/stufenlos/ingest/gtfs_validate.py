"""The GTFS tables stufenlos reads, and their conversion with file, line and field errors.

:data:`GTFS_FILES` says which files and columns are read and how each column is
typed. A problem that makes a table unusable raises :class:`GtfsError` naming
file, line and field; one that can be recovered from warns with a
:class:`GtfsWarning` that names the fallback used.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stufenlos.errors import InputFileError, StufenlosWarning

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from stufenlos.ingest.gtfs import _Source

__all__ = [
    "GTFS_FILES",
    "NO_TIME",
    "GtfsError",
    "GtfsWarning",
    "format_gtfs_time",
    "parse_gtfs_time",
]

log = logging.getLogger(__name__)

#: missing time (``stop_times`` rows without a time) in the integer time columns
NO_TIME = -1


class GtfsError(InputFileError):
    """A GTFS feed cannot be used: the message names file, line and field."""


class GtfsWarning(StufenlosWarning):
    """A recoverable problem in a GTFS feed; the fallback used is in the message."""


@dataclass(frozen=True)
class _Field:
    kind: str  # str | int | float | time | date | lat | lon | enum
    required: bool = False
    values: tuple[int, ...] = ()  # allowed enum values
    default: int | None = None  # enum value for empty cells


_WHEELCHAIR = _Field("enum", values=(0, 1, 2), default=0)

#: GTFS files stufenlos reads: name -> (file required?, {column: field})
GTFS_FILES: dict[str, tuple[bool, dict[str, _Field]]] = {
    "agency": (True, {
        "agency_id": _Field("str"), "agency_name": _Field("str", True),
        "agency_url": _Field("str"), "agency_timezone": _Field("str", True),
        "agency_lang": _Field("str"),
    }),
    "stops": (True, {
        "stop_id": _Field("str", True), "stop_code": _Field("str"), "stop_name": _Field("str"),
        "stop_lat": _Field("lat"), "stop_lon": _Field("lon"),
        "location_type": _Field("enum", values=(0, 1, 2, 3, 4), default=0),
        "parent_station": _Field("str"), "wheelchair_boarding": _WHEELCHAIR,
        "level_id": _Field("str"), "platform_code": _Field("str"),
    }),
    "routes": (True, {
        "route_id": _Field("str", True), "agency_id": _Field("str"),
        "route_short_name": _Field("str"), "route_long_name": _Field("str"),
        "route_type": _Field("int", True), "route_color": _Field("str"),
    }),
    "trips": (True, {
        "route_id": _Field("str", True), "service_id": _Field("str", True),
        "trip_id": _Field("str", True), "trip_headsign": _Field("str"),
        "trip_short_name": _Field("str"), "direction_id": _Field("int"),
        "block_id": _Field("str"), "wheelchair_accessible": _WHEELCHAIR,
    }),
    "stop_times": (True, {
        "trip_id": _Field("str", True), "arrival_time": _Field("time"),
        "departure_time": _Field("time"), "stop_id": _Field("str", True),
        "stop_sequence": _Field("int", True), "stop_headsign": _Field("str"),
        "pickup_type": _Field("enum", values=(0, 1, 2, 3), default=0),
        "drop_off_type": _Field("enum", values=(0, 1, 2, 3), default=0),
        "timepoint": _Field("enum", values=(0, 1), default=1),
    }),
    "calendar": (False, {
        "service_id": _Field("str", True),
        **{d: _Field("enum", True, values=(0, 1))
           for d in ("monday", "tuesday", "wednesday", "thursday", "friday",
                     "saturday", "sunday")},
        "start_date": _Field("date", True), "end_date": _Field("date", True),
    }),
    "calendar_dates": (False, {
        "service_id": _Field("str", True), "date": _Field("date", True),
        "exception_type": _Field("enum", True, values=(1, 2)),
    }),
    "frequencies": (False, {
        "trip_id": _Field("str", True), "start_time": _Field("time", True),
        "end_time": _Field("time", True), "headway_secs": _Field("int", True),
        "exact_times": _Field("enum", values=(0, 1), default=0),
    }),
    "transfers": (False, {
        "from_stop_id": _Field("str"), "to_stop_id": _Field("str"),
        "transfer_type": _Field("enum", values=(0, 1, 2, 3, 4, 5), default=0),
        "min_transfer_time": _Field("int"),
    }),
    "pathways": (False, {
        "pathway_id": _Field("str", True), "from_stop_id": _Field("str", True),
        "to_stop_id": _Field("str", True),
        "pathway_mode": _Field("enum", True, values=(1, 2, 3, 4, 5, 6, 7)),
        "is_bidirectional": _Field("enum", True, values=(0, 1)),
        "length": _Field("float"), "traversal_time": _Field("int"),
        "stair_count": _Field("int"), "max_slope": _Field("float"),
        "min_width": _Field("float"), "signposted_as": _Field("str"),
        "reversed_signposted_as": _Field("str"),
    }),
    "levels": (False, {
        "level_id": _Field("str", True), "level_index": _Field("float", True),
        "level_name": _Field("str"),
    }),
    "feed_info": (False, {
        "feed_publisher_name": _Field("str"), "feed_lang": _Field("str"),
        "feed_start_date": _Field("date"), "feed_end_date": _Field("date"),
        "feed_version": _Field("str"),
    }),
}  # fmt: skip

_TIME_RE = r"^\s*(?P<h>\d{1,3}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)\s*$"


# -- times ---------------------------------------------------------------------


def parse_gtfs_time(values: ArrayLike) -> NDArray[np.int32]:
    """Parse GTFS times (``H:MM:SS``, hours may exceed 23) to seconds.

    Parameters
    ----------
    values
        Strings; empty strings and ``None`` give :data:`NO_TIME` (-1).

    Returns
    -------
    numpy.ndarray
        int32 seconds after the service day's "noon minus 12 h".

    Raises
    ------
    ValueError
        If a non-empty value is not a GTFS time; the message gives its position.

    Examples
    --------
    >>> parse_gtfs_time(["08:00:00", "25:30:00", ""]).tolist()
    [28800, 91800, -1]
    """
    arr = pa.array(values, type=pa.string()) if not isinstance(values, pa.Array) else values
    seconds, bad = _parse_times(arr)
    if bad.size:
        msg = f"not a GTFS time (H:MM:SS) at position {int(bad[0])}: {arr[int(bad[0])]}"
        raise ValueError(msg)
    return seconds


def _parse_times(arr: pa.Array) -> tuple[NDArray[np.int32], NDArray[np.intp]]:
    """Seconds (-1 where empty) and the positions of values that do not parse."""
    arr = pc.cast(arr, pa.string())
    parts = pc.extract_regex(arr, _TIME_RE)
    ok = pc.fill_null(pc.is_valid(parts), False).to_numpy(zero_copy_only=False)
    blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(arr), ""), True)
    blank = blank.to_numpy(zero_copy_only=False)
    out = np.full(len(arr), NO_TIME, dtype=np.int32)
    if ok.any():
        h, m, s = (
            pc.cast(pc.struct_field(parts, k), pa.int32()).to_numpy(zero_copy_only=False)
            for k in ("h", "m", "s")
        )
        secs = np.nan_to_num(h * 3600 + m * 60 + s, nan=NO_TIME)
        out[ok] = secs[ok].astype(np.int32)
    bad = np.flatnonzero(~ok & ~blank)
    return out, bad


def format_gtfs_time(seconds: ArrayLike) -> list[str]:
    """Format seconds as GTFS times ``HH:MM:SS`` (hours may exceed 23; -1 gives '').

    Examples
    --------
    >>> format_gtfs_time([0, 86399, 90061, -1])
    ['00:00:00', '23:59:59', '25:01:01', '']
    """
    secs = np.asarray(seconds, dtype=np.int64)
    h, rest = np.divmod(secs, 3600)
    m, s = np.divmod(rest, 60)
    return [
        "" if t < 0 else f"{hh:02d}:{mm:02d}:{ss:02d}"
        for t, hh, mm, ss in zip(secs.tolist(), h.tolist(), m.tolist(), s.tolist(), strict=True)
    ]



def _where(name: str, row: int, column: str) -> str:
    # Line 1 is the header; row 0 is on line 2.
    return f"{name}.txt line {row + 2}, field `{column}`"


def _convert(source: _Source, name: str, table: pa.Table) -> pd.DataFrame:
    """Check required columns and convert a raw table to typed pandas columns."""
    _, spec = GTFS_FILES[name]
    columns = set(table.column_names)
    for col, f in spec.items():
        if f.required and col not in columns:
            msg = f"required column `{col}` is missing"
            raise GtfsError(source.path, msg, where=f"{name}.txt")
    out: dict[str, Any] = {}
    for col in table.column_names:
        f = spec.get(col)
        raw = table.column(col).combine_chunks() if table.num_rows else pa.array([], pa.string())
        if f is None or f.kind == "str":
            out[col] = pd.array(pc.utf8_trim_whitespace(raw).to_pylist(), dtype="string")
            continue
        out[col] = _convert_column(source, name, col, f, raw)
    df = pd.DataFrame(out, index=pd.RangeIndex(table.num_rows))
    # Required string columns must not be empty.
    for col, f in spec.items():
        if f.required and f.kind == "str" and len(df):
            empty = (df[col].fillna("") == "").to_numpy()
            if empty.any():
                row = int(np.flatnonzero(empty)[0])
                raise GtfsError(source.path, "value is empty", where=_where(name, row, col))
    return df


def _convert_column(source: _Source, name: str, col: str, f: _Field, raw: pa.Array) -> Any:
    trimmed = pc.utf8_trim_whitespace(raw)
    blank = pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
    if f.kind == "time":
        secs, bad = _parse_times(trimmed)
        if bad.size:
            row = int(bad[0])
            msg = f"not a GTFS time (H:MM:SS): {raw[row].as_py()!r}"
            raise GtfsError(source.path, msg, where=_where(name, row, col))
        if f.required and blank.any():
            row = int(np.flatnonzero(blank)[0])
            raise GtfsError(source.path, "time is empty", where=_where(name, row, col))
        return secs
    if f.kind == "date":
        parsed = pc.strptime(pc.if_else(pc.equal(trimmed, ""), None, trimmed),
                             format="%Y%m%d", unit="s", error_is_null=True)
        isnull = pc.is_null(parsed).to_numpy(zero_copy_only=False)
        badmask = isnull & ~blank if not f.required else isnull
        if badmask.any():
            row = int(np.flatnonzero(badmask)[0])
            msg = f"not a date (YYYYMMDD): {raw[row].as_py()!r}"
            raise GtfsError(source.path, msg, where=_where(name, row, col))
        return pd.array(
            [None if v is None else v.date() for v in parsed.to_pylist()], dtype="object"
        )
    # Numbers: int, float, lat, lon, enum.
    num = pd.to_numeric(pd.Series(trimmed.to_pylist(), dtype="string"), errors="coerce")
    numv = num.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(numv) & ~blank
    if f.kind == "enum" and bad.any():
        return _enum_fallback(source, name, col, f, numv, blank, raw)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = f"not a number: {raw[row].as_py()!r}"
        raise GtfsError(source.path, msg, where=_where(name, row, col))
    if f.required and blank.any():
        row = int(np.flatnonzero(blank)[0])
        raise GtfsError(source.path, "value is empty", where=_where(name, row, col))
    if f.kind in ("lat", "lon"):
        limit = 90 if f.kind == "lat" else 180
        out_of = np.abs(np.nan_to_num(numv)) > limit
        if out_of.any():
            row = int(np.flatnonzero(out_of)[0])
            msg = f"{'latitude' if f.kind == 'lat' else 'longitude'} {numv[row]} is out of range"
            raise GtfsError(source.path, msg, where=_where(name, row, col))
        return numv
    if f.kind == "float":
        return numv
    if f.kind == "enum":
        return _enum_fallback(source, name, col, f, numv, blank, raw)
    ints = np.where(np.isnan(numv), 0, numv).astype(np.int64)
    return pd.arrays.IntegerArray(ints, blank.copy()) if blank.any() else ints


def _enum_fallback(
    source: _Source, name: str, col: str, f: _Field, numv: NDArray[np.float64],
    blank: NDArray[np.bool_], raw: pa.Array,
) -> NDArray[np.int8]:
    """Map an enumeration column to int8; unknown values warn and use the default."""
    known = np.isin(numv, f.values)
    if f.required:
        missing = ~known & blank
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise GtfsError(source.path, "value is empty", where=_where(name, row, col))
    invalid = ~known & ~blank
    if invalid.any():
        row = int(np.flatnonzero(invalid)[0])
        if f.default is None:
            msg = f"{raw[row].as_py()!r} is not one of {list(f.values)}"
            raise GtfsError(source.path, msg, where=_where(name, row, col))
        msg = (
            f"{source.path} ({_where(name, row, col)}): {raw[row].as_py()!r} is not one of "
            f"{list(f.values)}; read as {f.default} ({int(invalid.sum())} rows)"
        )
        warnings.warn(msg, GtfsWarning, stacklevel=4)
    fill = f.default if f.default is not None else 0
    return np.where(known, numv, fill).astype(np.int8)


def _convert_rows(
    source: _Source, name: str, raw: pa.Table, lines: NDArray[np.intp]
) -> pd.DataFrame:
    """:func:`_convert` for a filtered table, reporting errors at original lines."""
    try:
        return _convert(source, name, raw)
    except GtfsError as exc:
        where = exc.where or ""
        prefix = f"{name}.txt line "
        if where.startswith(prefix):
            row = int(where[len(prefix):].split(",", 1)[0]) - 2
            rest = where.split(",", 1)[1] if "," in where else ""
            where = f"{prefix}{int(lines[row]) + 2},{rest}"
        raise GtfsError(exc.path, exc.problem, where=where) from None


def _check_unique(path: Path, name: str, df: pd.DataFrame, col: str) -> None:
    dup = df[col].duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        msg = f"{col} {df[col].iloc[row]!r} appears twice"
        raise GtfsError(path, msg, where=_where(name, row, col))


def _interpolate_times(
    path: Path, df: pd.DataFrame, arr: NDArray[np.int32], dep: NDArray[np.int32]
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Fill missing times linearly between the timepoints of each trip."""
    trip = df["trip_id"].to_numpy()
    if len(trip) == 0:
        return arr, dep
    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]])
    ends = np.r_[starts[1:], len(trip)]
    missing = arr < 0
    first_last = np.zeros(len(trip), bool)
    first_last[starts] = True
    first_last[ends - 1] = True
    bad_ends = missing & first_last
    if bad_ends.any():
        i = int(np.flatnonzero(bad_ends)[0])
        msg = "the first and last stop of a trip need a time"
        raise GtfsError(path, msg, where=f"stop_times.txt line {df['_line'].iloc[i]}, "
                                         "field `arrival_time`")
    if missing.any():
        pos = np.arange(len(trip), dtype=np.float64)
        known = np.flatnonzero(~missing)
        fill = np.interp(pos[missing], pos[known], dep[known].astype(np.float64))
        arr = arr.copy()
        dep = dep.copy()
        arr[missing] = np.round(fill).astype(np.int32)
        dep[missing] = arr[missing]
        log.info("%s: interpolated %d stop times between timepoints", path, int(missing.sum()))
    # Times must not run backwards within a trip.
    same_trip = np.r_[False, trip[1:] == trip[:-1]]
    back = same_trip & (arr < np.r_[0, dep[:-1]])
    back |= dep < arr
    if back.any():
        i = int(np.flatnonzero(back)[0])
        msg = f"time runs backwards in trip {trip[i]!r}"
        raise GtfsError(path, msg, where=f"stop_times.txt line {df['_line'].iloc[i]}, "
                                         "field `arrival_time`")
    return arr, dep
