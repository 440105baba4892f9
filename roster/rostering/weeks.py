"""Roster weeks: site-local weeks and the UTC span they cover at every site."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from forecast.timegrid import TimeGrid, local_midnight


def default_week_start(first: pd.Timestamp, site_zones: list[str]) -> dt.date:
    """The first Monday whose local midnight, at every site, is at or after ``first`` (UTC)."""
    day = (first - pd.Timedelta(days=1)).date()
    while True:
        day += dt.timedelta(days=1)
        if day.weekday() == 0 and all(local_midnight(day, tz) >= first for tz in site_zones):
            return day


def roster_span(week_start: dt.date, weeks: int, site_zones: list[str]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC span covering ``weeks`` local weeks from ``week_start`` at every site."""
    end_day = week_start + dt.timedelta(days=7 * weeks)
    return min(local_midnight(week_start, tz) for tz in site_zones), max(local_midnight(end_day, tz) for tz in site_zones)


def roster_weeks(grid: TimeGrid, site_zones: list[str]) -> list[dt.date]:
    """The site-local Mondays whose whole week, at every site, lies inside the requirements' grid ``grid``."""
    end = grid.end
    weeks, day = [], default_week_start(grid.start, site_zones)
    while roster_span(day, 1, site_zones)[1] <= end:
        weeks.append(day)
        day += dt.timedelta(days=7)
    return weeks


