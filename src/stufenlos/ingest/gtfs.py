"""Read GTFS feeds (zip or folder) lazily into tables, filtered by service date.

A :class:`Feed` reads each GTFS file on first access, converts its columns
(times to seconds since service-day noon minus 12 h, dates to
:class:`datetime.date`, enumerations to small integers) and, when service dates
are given, keeps only the trips running on those dates and prunes
``stop_times`` and ``frequencies`` along them -- the approach of *partridge*.

Problems that make a table unusable (a missing required file or column, a time
or coordinate that does not parse, a reference to an unknown id) raise a
:class:`GtfsError` naming the file, line and field; problems a reader can
recover from (an unknown enumeration value, an unsorted trip) give a
:class:`GtfsWarning` and a documented fallback (the column types and these checks are in
:mod:`stufenlos.ingest.gtfs_validate`). :func:`import_feed` validates a
whole feed before it replaces an imported copy, so a broken feed changes
nothing already imported.

Examples
--------
>>> format_gtfs_time(parse_gtfs_time(["25:01:02"]))[0]
'25:01:02'
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import shutil
import tempfile
import warnings
import zipfile
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from stufenlos.ingest.gtfs_validate import (
    GTFS_FILES,
    NO_TIME,
    GtfsError,
    GtfsWarning,
    _check_unique,
    _convert,
    _convert_rows,
    _interpolate_times,
    _where,
    format_gtfs_time,
    parse_gtfs_time,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "GTFS_FILES",
    "Feed",
    "GtfsError",
    "GtfsWarning",
    "format_gtfs_time",
    "import_feed",
    "parse_gtfs_time",
    "read_feed",
]

log = logging.getLogger(__name__)

# -- reading -------------------------------------------------------------------


class _Source:
    """Where the ``*.txt`` files of a feed come from: a zip file or a folder."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise GtfsError(self.path, "no such GTFS zip file or folder")
        self._names: dict[str, str] = {}
        if self.path.is_dir():
            self._names = {p.name: str(p) for p in self.path.glob("*.txt")}
        else:
            try:
                with zipfile.ZipFile(self.path) as zf:
                    # Some feeds put their files into one sub-folder of the zip.
                    self._names = {
                        Path(n).name: n for n in zf.namelist() if n.endswith(".txt")
                    }
            except zipfile.BadZipFile:
                raise GtfsError(self.path, "not a zip file or folder of GTFS .txt files") from None

    def has(self, name: str) -> bool:
        return f"{name}.txt" in self._names

    def read_bytes(self, name: str) -> bytes:
        member = self._names[f"{name}.txt"]
        if self.path.is_dir():
            return Path(member).read_bytes()
        with zipfile.ZipFile(self.path) as zf:
            return zf.read(member)


def _read_csv(source: _Source, name: str) -> pa.Table:
    """Read one GTFS file with every column as a string."""
    data = source.read_bytes(name)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        return pa.table({})
    header = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip("\r")
    names = [c.strip().strip('"').strip() for c in header.split(",")]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise GtfsError(source.path, f"cannot parse CSV: {exc}", where=f"{name}.txt") from None
    return table


# -- the feed ------------------------------------------------------------------


class Feed:
    """A GTFS feed whose tables are read on first access.

    Parameters
    ----------
    path
        A GTFS zip file or a folder of ``.txt`` files.
    dates
        Keep only trips running on these service dates (and the ``stop_times``
        and ``frequencies`` of those trips). ``None`` keeps everything.

    Notes
    -----
    Times are int32 seconds in the columns ``arrival_s``/``departure_s``
    (``start_s``/``end_s`` in frequencies), -1 where the feed gives none;
    ``stop_times`` rows without times between timepoints are interpolated
    linearly. Enumerations (``wheelchair_boarding``, ``pathway_mode``, ...) are
    int8 with the GTFS default for empty cells.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, dates: Iterable[dt.date] | None = None
    ) -> None:
        self._source = _Source(path)
        self.path = self._source.path
        self.dates: tuple[dt.date, ...] | None = tuple(sorted(set(dates))) if dates else None
        for name, (required, _) in GTFS_FILES.items():
            if required and not self._source.has(name):
                raise GtfsError(self.path, f"required file {name}.txt is missing")
        if not (self._source.has("calendar") or self._source.has("calendar_dates")):
            msg = "neither calendar.txt nor calendar_dates.txt is present"
            raise GtfsError(self.path, msg)

    def __repr__(self) -> str:
        dates = "all dates" if self.dates is None else f"{len(self.dates)} date(s)"
        return f"<Feed {self.path.name} ({dates})>"

    def has(self, name: str) -> bool:
        """Whether the feed contains ``<name>.txt``."""
        return self._source.has(name)

    def read(self, name: str) -> pd.DataFrame:
        """Read and convert one file, unfiltered (empty frame if the file is absent)."""
        if name not in GTFS_FILES:
            msg = f"`name` must be one of {sorted(GTFS_FILES)}, got {name!r}"
            raise ValueError(msg)
        if not self._source.has(name):
            spec = GTFS_FILES[name][1]
            return pd.DataFrame({c: pd.Series(dtype="object") for c in spec})
        log.debug("reading %s.txt from %s", name, self.path)
        return _convert(self._source, name, _read_csv(self._source, name))

    # Tables --------------------------------------------------------------------

    @cached_property
    def agency(self) -> pd.DataFrame:
        """``agency.txt``."""
        return self.read("agency")

    @cached_property
    def levels(self) -> pd.DataFrame:
        """``levels.txt`` (empty if absent)."""
        return self.read("levels")

    @cached_property
    def feed_info(self) -> pd.DataFrame:
        """``feed_info.txt`` (empty if absent)."""
        return self.read("feed_info")

    @cached_property
    def stops(self) -> pd.DataFrame:
        """``stops.txt``; every stop is kept (pathway nodes and entrances too)."""
        df = self.read("stops")
        _check_unique(self.path, "stops", df, "stop_id")
        for col, f in GTFS_FILES["stops"][1].items():
            if col not in df.columns:
                df[col] = f.default if f.kind == "enum" else pd.array([None] * len(df), "string")
        loc = df["location_type"].to_numpy()
        located = loc <= 2  # nodes (3) and boarding areas (4) may lack coordinates
        nocoord = located & (np.isnan(df["stop_lat"].to_numpy(np.float64))
                             | np.isnan(df["stop_lon"].to_numpy(np.float64)))
        if nocoord.any():
            row = int(np.flatnonzero(nocoord)[0])
            msg = "stop, station or entrance has no coordinates"
            raise GtfsError(self.path, msg, where=_where("stops", row, "stop_lat"))
        parent = df["parent_station"].fillna("")
        unknown = (parent != "") & ~parent.isin(df["stop_id"])
        if unknown.any():
            row = int(np.flatnonzero(unknown.to_numpy())[0])
            msg = f"unknown parent station {parent.iloc[row]!r}"
            raise GtfsError(self.path, msg, where=_where("stops", row, "parent_station"))
        return df

    @cached_property
    def routes(self) -> pd.DataFrame:
        """``routes.txt`` (only routes with trips on the feed's dates, if any)."""
        df = self.read("routes")
        _check_unique(self.path, "routes", df, "route_id")
        if self.dates is not None:
            df = df[df["route_id"].isin(self.trips["route_id"])].reset_index(drop=True)
        return df

    @cached_property
    def calendar(self) -> pd.DataFrame:
        """``calendar.txt`` (empty if absent)."""
        return self.read("calendar")

    @cached_property
    def calendar_dates(self) -> pd.DataFrame:
        """``calendar_dates.txt`` (empty if absent)."""
        return self.read("calendar_dates")

    def service_ids(self, date: dt.date) -> set[str]:
        """Service ids running on ``date`` (calendar plus/minus calendar_dates)."""
        active: set[str] = set()
        cal = self.calendar
        if len(cal):
            day = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                   "sunday")[date.weekday()]
            start = cal["start_date"].to_numpy()
            end = cal["end_date"].to_numpy()
            inside = np.array([s <= date <= e for s, e in zip(start, end, strict=True)])
            on = inside & (cal[day].to_numpy() == 1)
            active.update(cal.loc[on, "service_id"].tolist())
        cd = self.calendar_dates
        if len(cd):
            today = cd[cd["date"].to_numpy() == date]
            active.update(today.loc[today["exception_type"] == 1, "service_id"].tolist())
            active.difference_update(today.loc[today["exception_type"] == 2, "service_id"].tolist())
        return active

    def service_period(self) -> tuple[dt.date, dt.date] | None:
        """First and last date any service runs according to the calendars."""
        dates: list[dt.date] = []
        if len(self.calendar):
            dates += [min(self.calendar["start_date"]), max(self.calendar["end_date"])]
        if len(self.calendar_dates):
            added = self.calendar_dates[self.calendar_dates["exception_type"] == 1]["date"]
            if len(added):
                dates += [min(added), max(added)]
        return (min(dates), max(dates)) if dates else None

    @cached_property
    def trips(self) -> pd.DataFrame:
        """``trips.txt``, restricted to the feed's dates if given."""
        df = self.read("trips")
        if "wheelchair_accessible" not in df.columns:
            df["wheelchair_accessible"] = np.zeros(len(df), dtype=np.int8)
        for col in ("trip_headsign", "trip_short_name", "block_id"):
            if col not in df.columns:
                df[col] = pd.array([None] * len(df), dtype="string")
        _check_unique(self.path, "trips", df, "trip_id")
        routes = self.read("routes")["route_id"]
        unknown = ~df["route_id"].isin(routes)
        if unknown.any():
            row = int(np.flatnonzero(unknown.to_numpy())[0])
            msg = f"unknown route {df['route_id'].iloc[row]!r}"
            raise GtfsError(self.path, msg, where=_where("trips", row, "route_id"))
        if self.dates is not None:
            services: set[str] = set()
            for d in self.dates:
                services |= self.service_ids(d)
            df = df[df["service_id"].isin(services)].reset_index(drop=True)
        return df

    @cached_property
    def stop_times(self) -> pd.DataFrame:
        """``stop_times.txt`` of the kept trips, sorted by trip and stop_sequence.

        Adds ``arrival_s``/``departure_s`` (int32 seconds); missing times
        between timepoints are interpolated.
        """
        raw = _read_csv(self._source, "stop_times")
        # Prune before converting: most rows of a big feed belong to other days.
        if self.dates is not None and "trip_id" in raw.column_names:
            keep = pc.is_in(pc.utf8_trim_whitespace(raw.column("trip_id")),
                            value_set=pa.array(self.trips["trip_id"].to_numpy(str)))
            lines = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
            raw = raw.filter(keep)
        else:
            lines = np.arange(raw.num_rows)
        df = _convert_rows(self._source, "stop_times", raw, lines)
        for col in ("pickup_type", "drop_off_type"):
            if col not in df.columns:
                df[col] = np.zeros(len(df), dtype=np.int8)
        if "stop_headsign" not in df.columns:
            df["stop_headsign"] = pd.array([None] * len(df), dtype="string")
        for col in ("arrival_time", "departure_time"):
            if col not in df.columns:
                df[col] = np.full(len(df), NO_TIME, np.int32)
        unknown_trip = ~df["trip_id"].isin(self.read("trips")["trip_id"]).to_numpy()
        if unknown_trip.any():
            row = int(lines[np.flatnonzero(unknown_trip)[0]])
            msg = f"unknown trip {df['trip_id'].iloc[np.flatnonzero(unknown_trip)[0]]!r}"
            raise GtfsError(self.path, msg, where=_where("stop_times", row, "trip_id"))
        unknown_stop = ~df["stop_id"].isin(self.stops["stop_id"]).to_numpy()
        if unknown_stop.any():
            i = int(np.flatnonzero(unknown_stop)[0])
            msg = f"unknown stop {df['stop_id'].iloc[i]!r}"
            raise GtfsError(self.path, msg, where=_where("stop_times", int(lines[i]), "stop_id"))
        df["_line"] = lines + 2
        df = df.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)
        dup = df.duplicated(["trip_id", "stop_sequence"]).to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            msg = f"stop_sequence {df['stop_sequence'].iloc[i]} repeats in trip"
            where = f"stop_times.txt line {df['_line'].iloc[i]}, field `stop_sequence`"
            raise GtfsError(self.path, msg, where=where)
        arr = df.pop("arrival_time").to_numpy(np.int32)
        dep = df.pop("departure_time").to_numpy(np.int32)
        arr = np.where(arr < 0, dep, arr)
        dep = np.where(dep < 0, arr, dep)
        arr, dep = _interpolate_times(self.path, df, arr, dep)
        df["arrival_s"] = arr
        df["departure_s"] = dep
        return df.drop(columns="_line")

    @cached_property
    def frequencies(self) -> pd.DataFrame:
        """``frequencies.txt`` of the kept trips (empty if absent)."""
        df = self.read("frequencies")
        if len(df):
            df = df.rename(columns={"start_time": "start_s", "end_time": "end_s"})
            df = df[df["trip_id"].isin(self.trips["trip_id"])].reset_index(drop=True)
        else:
            df = pd.DataFrame({"trip_id": pd.Series(dtype="string"),
                               "start_s": pd.Series(dtype=np.int32),
                               "end_s": pd.Series(dtype=np.int32),
                               "headway_secs": pd.Series(dtype=np.int64),
                               "exact_times": pd.Series(dtype=np.int8)})
        return df

    @cached_property
    def transfers(self) -> pd.DataFrame:
        """``transfers.txt`` between known stops (empty if absent)."""
        df = self.read("transfers")
        if len(df) and "from_stop_id" in df.columns:
            self._check_refs("transfers", df, ("from_stop_id", "to_stop_id"))
        return df

    @cached_property
    def pathways(self) -> pd.DataFrame:
        """``pathways.txt`` (empty if absent)."""
        df = self.read("pathways")
        if len(df):
            _check_unique(self.path, "pathways", df, "pathway_id")
            self._check_refs("pathways", df, ("from_stop_id", "to_stop_id"))
            for col in ("traversal_time", "stair_count", "length", "max_slope", "min_width"):
                if col not in df.columns:
                    df[col] = np.nan
        return df

    def _check_refs(self, name: str, df: pd.DataFrame, cols: Sequence[str]) -> None:
        ids = self.stops["stop_id"]
        for col in cols:
            values = df[col].fillna("")
            bad = ((values != "") & ~values.isin(ids)).to_numpy()
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                msg = f"unknown stop {values.iloc[row]!r}"
                raise GtfsError(self.path, msg, where=_where(name, row, col))

    def validate(self) -> list[str]:
        """Read every table and check it; return the warnings' messages.

        Raises
        ------
        GtfsError
            At the first problem that makes the feed unusable.
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", GtfsWarning)
            for name in ("agency", "stops", "routes", "calendar", "calendar_dates", "trips",
                         "stop_times", "frequencies", "transfers", "pathways", "levels",
                         "feed_info"):
                getattr(self, name)
            if self.service_period() is None:
                raise GtfsError(self.path, "the calendars define no service day")
        return [str(w.message) for w in caught if issubclass(w.category, GtfsWarning)]



def read_feed(
    path: str | os.PathLike[str], *, date: dt.date | None = None,
    dates: Iterable[dt.date] | None = None,
) -> Feed:
    """Open a GTFS feed lazily, optionally only for one or more service dates.

    Parameters
    ----------
    path
        GTFS zip file or folder.
    date, dates
        Keep only trips running on ``date`` (or on any of ``dates``).
    """
    chosen = list(dates or []) + ([date] if date else [])
    return Feed(path, dates=chosen or None)


def import_feed(src: str | os.PathLike[str] | Feed, dest: str | os.PathLike[str]) -> list[str]:
    """Validate a feed and, only if it is valid, make ``dest`` a copy of it.

    The copy appears atomically (temporary file, then rename), so a feed that
    fails validation leaves a previously imported ``dest`` untouched. Given a
    :class:`Feed` (of all dates), it keeps the tables validation read, so a caller
    reading them afterwards does not read and check them again.

    Returns
    -------
    list of str
        The validation warnings.
    """
    feed = src if isinstance(src, Feed) else Feed(src)
    if feed.dates is not None:
        msg = "import_feed validates a whole feed, not one restricted to dates"
        raise ValueError(msg)
    problems = feed.validate()
    target = Path(dest)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        if feed.path.is_dir():
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for p in sorted(feed.path.glob("*.txt")):
                    zf.write(p, p.name)
        else:
            shutil.copyfile(feed.path, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return problems
