"""The UTC grid and local days across daylight-saving changes."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.timegrid import local_day_grid, local_dates, local_midnight, make_grid, parse_timestamps


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
