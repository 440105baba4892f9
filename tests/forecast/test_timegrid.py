"""The UTC grid and local days across daylight-saving changes."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.timegrid import TimeGrid, local_day_grid, local_dates, local_midnight, make_grid, parse_timestamps


@pytest.mark.parametrize(
    ("day", "tz", "intervals"),
    [
        ("2025-03-09", "America/New_York", 92),  # spring forward: 23-hour day
        ("2025-11-02", "America/New_York", 100),  # fall back: 25-hour day
        ("2025-03-30", "Europe/London", 92),
        ("2025-10-26", "Europe/London", 100),
        ("2025-06-02", "Europe/London", 96),
    ],
)
def test_local_days_have_23_24_or_25_hours(day, tz, intervals):
    grid = local_day_grid(day, 1, tz, 15)
    assert len(grid) == intervals
    assert grid[0] == local_midnight(day, tz)
    # contiguous: no interval created or lost
    assert (pd.Series(grid).diff().dropna() == pd.Timedelta(minutes=15)).all()
    assert set(local_dates(pd.Series(grid), tz)) == {pd.Timestamp(day).date()}


def test_a_week_across_the_change_keeps_every_interval():
    grid = local_day_grid("2025-10-20", 14, "Europe/London", 30)
    assert len(grid) == 14 * 48 + 2  # one 25-hour day
    assert grid.tz is not None and str(grid.tz) == "UTC"


def test_make_grid_floors_start_and_excludes_end():
    grid = make_grid(pd.Timestamp("2025-01-01T00:07Z"), pd.Timestamp("2025-01-01T01:00Z"), 15)
    assert list(grid.strftime("%H:%M")) == ["00:00", "00:15", "00:30", "00:45"]


def test_local_clock_pattern_stays_at_the_same_local_hour_across_dst():
    # 09:00 local on either side of the US change lands on different UTC hours
    before = parse_timestamps(pd.Series(["2025-03-08 09:00"]), "America/New_York").iloc[0]
    after = parse_timestamps(pd.Series(["2025-03-10 09:00"]), "America/New_York").iloc[0]
    assert before.hour == 14 and after.hour == 13


def test_day_month_order_that_cannot_be_told_is_refused():
    from forecast.errors import InputError

    with pytest.raises(InputError, match="month/day and as day/month"):
        parse_timestamps(pd.Series(["4/5/2025 10:00", "6/7/2025 11:00"]), "UTC")


def test_unambiguous_slash_dates_and_month_names_parse():
    us = parse_timestamps(pd.Series(["4/15/2014 19:49"]), "America/Toronto").iloc[0]
    assert us == pd.Timestamp("2014-04-15T23:49Z")
    named = parse_timestamps(pd.Series(["2014-Aug-27 10:40:53"]), "America/Toronto").iloc[0]
    assert named == pd.Timestamp("2014-08-27T14:40:53Z")


# ---- the grid object ---------------------------------------------------------


def _frame(times, tz=None) -> pd.DataFrame:
    df = pd.DataFrame({"ds": pd.to_datetime(times, utc=True), "channel": "voice"})
    if tz:
        df["tz"] = tz
    return df


@pytest.mark.parametrize("minutes", [15, 30, 60])
def test_from_frame_reads_15_30_and_60_minute_grids(minutes):
    ds = pd.date_range("2026-06-01", periods=10, freq=f"{minutes}min", tz="UTC")
    df = pd.concat([_frame(ds, "Europe/London"), _frame(ds[3:], "America/New_York")])  # zones and rows repeat
    grid = TimeGrid.from_frame(df, file="forecast.csv")
    assert grid.interval_min == minutes and grid.step == pd.Timedelta(minutes=minutes)
    assert grid.start == ds[0] and grid.end == ds[-1] + grid.step and grid.n == 10
    assert grid.interval_h == minutes / 60 and grid.interval_s == 60 * minutes and grid.per_day == 1440 // minutes
    assert grid.zones == ("America/New_York", "Europe/London")
    assert (grid.index == ds).all()
    assert list(grid.positions(ds[[0, 4, 9]])) == [0, 4, 9]


@pytest.mark.parametrize(
    ("times", "message"),
    [
        (["2026-06-01T10:00Z"], "at least two intervals"),
        (["2026-06-01T10:00Z", "2026-06-01T10:20Z", "2026-06-01T10:40Z"], "20 minutes apart"),
        (["2026-06-01T10:00Z", "2026-06-01T10:07Z"], "7 minutes apart"),
        (["2026-06-01T10:10Z", "2026-06-01T10:25Z"], "10:10:00Z is not the start of a 15-minute interval"),
        (["2026-06-01T10:00:30Z", "2026-06-01T10:15:30Z"], "is not the start of a 15-minute interval"),
    ],
)
def test_from_frame_names_the_file_when_times_are_not_on_one_grid(times, message):
    with pytest.raises(InputError) as e:
        TimeGrid.from_frame(_frame(times), file="requirements.csv")
    problem = e.value.problems[0]
    assert problem.file == "requirements.csv" and problem.column == "ds" and message in problem.message


def test_a_utc_grid_does_not_change_across_daylight_saving():
    # New York springs forward on 8 March 2026 and falls back on 1 November: every UTC day still has 96 intervals
    for start in ("2026-03-07", "2026-10-31"):
        grid = TimeGrid(interval_min=15, start=f"{start}T00:00Z", end=pd.Timestamp(f"{start}T00:00Z") + pd.Timedelta(days=3),
                        zones=("America/New_York",))
        assert grid.n == 3 * 96
        assert (pd.Series(grid.index).diff().dropna() == pd.Timedelta(minutes=15)).all()
        local = grid.index.tz_convert("America/New_York")
        assert set(pd.Series(local.date).value_counts()) >= {92 if start.startswith("2026-03") else 100}


def test_grid_bounds_must_be_utc_interval_starts():
    with pytest.raises(ValueError, match="not the start of a 30-minute interval"):
        TimeGrid(interval_min=30, start="2026-06-01T00:15Z", end="2026-06-02T00:00Z")
    with pytest.raises(ValueError, match="timezone-aware"):
        TimeGrid(interval_min=15, start="2026-06-01T00:00", end="2026-06-02T00:00Z")
    with pytest.raises(ValueError, match="must be one of"):
        TimeGrid(interval_min=20, start="2026-06-01T00:00Z", end="2026-06-02T00:00Z")


def test_positions_refuse_times_off_the_grid_or_outside_it():
    grid = TimeGrid(interval_min=30, start="2026-06-01T00:00Z", end="2026-06-02T00:00Z")
    with pytest.raises(InputError, match="00:15Z is not an interval start of the 30-minute grid"):
        grid.positions(pd.to_datetime(["2026-06-01T00:15Z"]), file="demand")
    with pytest.raises(InputError, match="2026-06-02 00:00Z is not an interval start"):
        grid.positions(pd.to_datetime(["2026-06-02T00:00Z"]), file="demand")


def test_coarsen_between_and_after():
    grid = TimeGrid(interval_min=15, start="2026-06-01T00:00Z", end="2026-06-03T00:00Z", zones=("UTC",))
    hourly = grid.coarsen(60)
    assert (hourly.interval_min, hourly.start, hourly.end, hourly.zones) == (60, grid.start, grid.end, ("UTC",))
    assert grid.coarsen(None) is grid and grid.coarsen(15) is grid
    with pytest.raises(InputError, match="cannot go from a 60-minute grid to a 30-minute one"):
        hourly.coarsen(30)
    part = grid.between(pd.Timestamp("2026-06-01T10:07Z"), pd.Timestamp("2026-06-05T00:00Z"))
    assert (part.start, part.end) == (pd.Timestamp("2026-06-01T10:00Z"), grid.end)
    horizon = grid.after(7)
    assert (horizon.start, horizon.n, horizon.interval_min) == (grid.end, 7 * 96, 15)


def test_bad_timestamps_are_all_counted_and_the_first_shown():
    from forecast.errors import MAX_PROBLEMS_SHOWN

    values = pd.Series(["2025-06-02T12:00:00Z"] * 5000 + ["soon"] * 1000 + ["2025-06-02T12:15:00Z"])
    with pytest.raises(InputError) as info:
        parse_timestamps(values, "UTC", file="h.csv", column="ds")
    err = info.value
    assert err.total == 1000 and len(err.problems) == MAX_PROBLEMS_SHOWN
    assert (err.problems[0].line, err.problems[0].column) == (5002, "ds") and "found 'soon'" in err.problems[0].message
    assert str(err).endswith("... and 980 more problem(s)")


@pytest.mark.parametrize(
    "value, tz, message",
    [
        ("-0", "UTC", "expected a year from 1678 to 2261, found '-0'"),
        ("0001-01-01T00:00:00Z", "UTC", "expected a year from 1678 to 2261, found '0001-01-01T00:00:00Z'"),
        ("2262-04-11 23:00", "America/Los_Angeles", "expected a year from 1678 to 2261"),
        ("nan", "America/New_York", "expected an ISO 8601 timestamp such as 2025-11-28T14:15:00Z, found 'nan'"),
        ("NaT", "UTC", "found 'NaT'"),
    ],
)
def test_times_outside_the_years_a_timestamp_holds_or_read_as_no_time_are_bad_input(value, tz, message):
    with pytest.raises(InputError) as exc:
        parse_timestamps(pd.Series(["2026-11-12T00:00:00Z", value]), tz, file="h.csv", column="ds")
    assert exc.value.problems[0].line == 3 and exc.value.problems[0].column == "ds"
    assert message in str(exc.value)


@pytest.mark.parametrize("value", ["2024-10-18T00:00:00-0", "2024-10-18T00:00+5"])
def test_a_cut_off_utc_offset_is_bad_input(value):
    with pytest.raises(InputError) as exc:
        parse_timestamps(pd.Series([value]), "America/New_York", file="events.csv", column="end", lines=pd.Series([4]).to_numpy())
    assert str(exc.value) == (
        f"events.csv, line 4, column 'end': expected an ISO 8601 timestamp such as 2025-11-28T14:15:00Z "
        f"(an offset is Z, +hh:mm or -hh:mm), found {value!r}"
    )
