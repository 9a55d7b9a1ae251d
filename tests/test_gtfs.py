"""GTFS ingest on real feeds: lazy tables, date filter, validation, times past 24:00."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stufenlos.errors import InputFileError, StufenlosError
from stufenlos.ingest.gtfs import (
    Feed,
    GtfsError,
    GtfsWarning,
    format_gtfs_time,
    import_feed,
    parse_gtfs_time,
    read_feed,
)
from tests._feeds import CALTRAIN, VRN, WMATA, needs_shared


def unpack(src: Path, folder: Path) -> Path:
    with zipfile.ZipFile(src) as zf:
        zf.extractall(folder)
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> None:
    p = folder / f"{name}.txt"
    text = p.read_text(encoding="utf-8-sig")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- real feeds -------------------------------------------------------------------


def test_vrn_counts_match_the_published_figures():
    feed = read_feed(VRN)
    assert len(feed.stops) == 392
    assert (feed.stops["location_type"] == 1).sum() == 38
    assert len(feed.routes) == 7
    assert len(feed.trips) == 1480
    assert len(feed.stop_times) == 46269
    # The VRN cut has no accessibility fields: every value is "no information".
    assert (feed.stops["wheelchair_boarding"] == 0).all()
    assert (feed.trips["wheelchair_accessible"] == 0).all()
    assert not feed.has("pathways")
    assert feed.pathways.empty
    assert feed.service_period() == (dt.date(2022, 6, 12), dt.date(2022, 12, 10))


def test_filtering_by_date_prunes_trips_and_stop_times():
    day = dt.date(2022, 9, 1)
    feed = read_feed(VRN, date=day)
    full = read_feed(VRN)
    assert 0 < len(feed.trips) < len(full.trips)
    assert set(feed.stop_times["trip_id"]) == set(feed.trips["trip_id"])
    assert set(feed.trips["service_id"]) <= full.service_ids(day)
    # Sunday and Thursday timetables differ.
    sunday = read_feed(VRN, date=dt.date(2022, 9, 4))
    assert set(sunday.trips["trip_id"]) != set(feed.trips["trip_id"])
    # Outside the service period nothing runs.
    assert read_feed(VRN, date=dt.date(2030, 1, 1)).stop_times.empty


def test_stop_times_are_sorted_seconds():
    st_ = read_feed(VRN, date=dt.date(2022, 9, 1)).stop_times
    assert st_["arrival_s"].dtype == np.int32
    assert (st_["departure_s"] >= st_["arrival_s"]).all()
    same = st_["trip_id"].to_numpy()[1:] == st_["trip_id"].to_numpy()[:-1]
    assert (st_["arrival_s"].to_numpy()[1:][same] >= st_["departure_s"].to_numpy()[:-1][same]).all()


def test_folder_and_zip_give_the_same_tables(tmp_path):
    folder = unpack(VRN, tmp_path / "vrn")
    a, b = read_feed(VRN), read_feed(folder)
    assert a.stops.equals(b.stops)
    assert len(a.stop_times) == len(b.stop_times)


@needs_shared
def test_caltrain_accessibility_columns():
    feed = read_feed(CALTRAIN)
    assert feed.stops["wheelchair_boarding"].value_counts().to_dict() == {1: 54, 2: 10}
    assert feed.trips["wheelchair_accessible"].value_counts().to_dict() == {1: 163, 0: 22}
    assert feed.validate() == []


@needs_shared
@pytest.mark.slow
def test_wmata_pathways_and_levels():
    feed = read_feed(WMATA, date=dt.date(2026, 5, 4))
    pw = feed.pathways
    assert len(pw) == 2963
    assert pw["pathway_mode"].value_counts().to_dict() == {1: 1768, 4: 566, 5: 212, 6: 143,
                                                           7: 143, 2: 131}
    assert pw.loc[pw["pathway_mode"] == 5, "traversal_time"].median() == 180
    assert len(feed.levels) == 277
    assert len(feed.stops) == 2175
    assert feed.calendar.empty  # only calendar_dates
    assert len(feed.trips) > 0


# -- validation -------------------------------------------------------------------


@needs_shared
def test_bad_time_names_file_line_and_field(tmp_path):
    folder = unpack(CALTRAIN, tmp_path / "f")
    edit(folder, "stop_times", "101,04:33:00", "101,4h33")
    with pytest.raises(GtfsError) as err:
        _ = read_feed(folder).stop_times
    assert "stop_times.txt line 3, field `arrival_time`" in str(err.value)
    assert "4h33" in str(err.value)
    assert isinstance(err.value, InputFileError)
    assert isinstance(err.value, StufenlosError)


@needs_shared
def test_bad_time_line_is_the_original_line_when_filtered(tmp_path):
    folder = unpack(CALTRAIN, tmp_path / "f")
    lines = (folder / "stop_times.txt").read_text().splitlines()
    # Break a weekday trip's row far down the file.
    idx = next(i for i, line in enumerate(lines) if line.startswith("198,"))
    lines[idx] = lines[idx].replace(":", "x", 1)
    (folder / "stop_times.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(GtfsError, match=f"line {idx + 1}, field `arrival_time`"):
        _ = read_feed(folder, date=dt.date(2018, 6, 20)).stop_times


@needs_shared
@pytest.mark.parametrize(
    ("name", "old", "new", "where"),
    [
        ("stop_times", "101,04:33:00,04:33:00,70241", "101,04:33:00,04:33:00,nowhere",
         "stop_times.txt line 3, field `stop_id`"),
        ("trips", "Lo-130,mtwtf,101", "Xx-999,mtwtf,101", "trips.txt line 2, field `route_id`"),
        ("stops", "37.77639,-122.394992", "97.77639,-122.394992",
         "stops.txt line 2, field `stop_lat`"),
        ("stops", "70012,70012", "70011,70012", "stops.txt line 3, field `stop_id`"),
        ("calendar", "20171002", "2017-10-02", "calendar.txt line 2, field `start_date`"),
    ],
)
def test_invalid_values_raise(tmp_path, name, old, new, where):
    folder = unpack(CALTRAIN, tmp_path / "f")
    edit(folder, name, old, new)
    with pytest.raises(GtfsError, match=where):
        read_feed(folder).validate()


def test_missing_file_and_column(tmp_path):
    folder = unpack(VRN, tmp_path / "f")
    (folder / "routes.txt").unlink()
    with pytest.raises(GtfsError, match=r"required file routes\.txt is missing"):
        read_feed(folder)
    folder = unpack(VRN, tmp_path / "g")
    edit(folder, "stop_times", "trip_id,stop_id", "trip,stop_id")
    with pytest.raises(GtfsError, match=r"stop_times.txt\): required column `trip_id`"):
        _ = read_feed(folder).stop_times
    with pytest.raises(GtfsError, match="no such GTFS"):
        read_feed(tmp_path / "nothing.zip")
    (tmp_path / "junk.zip").write_text("not a zip")
    with pytest.raises(GtfsError, match="not a zip"):
        read_feed(tmp_path / "junk.zip")


@needs_shared
def test_unknown_enum_value_warns_and_falls_back(tmp_path):
    folder = unpack(CALTRAIN, tmp_path / "f")
    edit(folder, "stops", "-122.394992,1,,0,,,1", "-122.394992,1,,0,,,7")
    with pytest.warns(GtfsWarning, match=r"stops.txt line 2, field `wheelchair_boarding`"):
        stops = read_feed(folder).stops
    assert stops["wheelchair_boarding"].iloc[0] == 0


@needs_shared
def test_missing_times_between_timepoints_are_interpolated(tmp_path):
    folder = unpack(CALTRAIN, tmp_path / "f")
    edit(folder, "stop_times", "101,04:33:00,04:33:00", "101,,")
    st_ = read_feed(folder).stop_times
    row = st_[(st_["trip_id"] == "101") & (st_["stop_sequence"] == 2)].iloc[0]
    assert 4 * 3600 + 28 * 60 < row["arrival_s"] < 4 * 3600 + 39 * 60


def test_import_keeps_the_old_copy_when_the_new_feed_is_broken(tmp_path):
    dest = tmp_path / "city" / "gtfs.zip"
    assert import_feed(VRN, dest) == []
    before = dest.read_bytes()
    broken = unpack(VRN, tmp_path / "broken")
    edit(broken, "stop_times", "08:52:00", "08:52")
    with pytest.raises(GtfsError, match=r"stop_times\.txt line 3"):
        import_feed(broken, dest)
    assert dest.read_bytes() == before
    assert [p.name for p in dest.parent.iterdir()] == ["gtfs.zip"]
    # A folder is imported as a zip.
    good = unpack(VRN, tmp_path / "good")
    import_feed(good, tmp_path / "other.zip")
    assert len(Feed(tmp_path / "other.zip").stops) == 392


# -- times ------------------------------------------------------------------------


def test_parse_times():
    assert parse_gtfs_time(["0:00:00", " 7:05:09", "24:00:00", "47:59:59", ""]).tolist() == [
        0, 25509, 86400, 172799, -1]
    with pytest.raises(ValueError, match="position 1"):
        parse_gtfs_time(["08:00:00", "8:61:00"])


@given(st.lists(st.integers(min_value=0, max_value=999 * 3600 - 1), max_size=50))
def test_times_past_24h_round_trip(seconds):
    text = format_gtfs_time(seconds)
    assert parse_gtfs_time(text).tolist() == seconds
    assert all(len(t.split(":")) == 3 for t in text)
