"""Roster weeks: site-local weeks and the UTC span they cover at every site."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from forecast.errors import InputError
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




def check_roster_weeks(grid: TimeGrid, site_zones: list[str], week_start: dt.date, weeks: int, *, file: str = "requirements") -> None:
    """Refuse roster weeks that run past (or start before) the requirements' grid, saying which weeks fit.

    Raises
    ------
    InputError
        ``weeks`` site-local week(s) from ``week_start`` are not all inside
        ``grid`` at every site; the message names the weeks that are and
        what to change (fewer weeks, another first week or a longer horizon).
    """
    span = roster_span(week_start, weeks, site_zones)
    if grid.start <= span[0] and span[1] <= grid.end:
        return
    fit = roster_weeks(grid, site_zones)
    ends = f"{grid.start:%a %Y-%m-%d %H:%M} to {grid.end:%a %Y-%m-%d %H:%M} UTC"
    asked = f"{weeks} week(s) from {week_start:%a %Y-%m-%d} (site local, {span[0]:%a %Y-%m-%d %H:%M} to {span[1]:%a %Y-%m-%d %H:%M} UTC)"
    if not fit:
        how = "it holds no whole roster week at every site: choose a longer forecast horizon"
    elif week_start in fit:
        n = len(fit) - fit.index(week_start)
        how = f"at most {n} week(s) fit from {week_start:%a %Y-%m-%d}: choose fewer weeks or a longer forecast horizon"
    else:
        how = (f"the whole weeks it holds start on {', '.join(f'{d:%a %Y-%m-%d}' for d in fit)}: "
               "choose one of them or a longer forecast horizon")
    raise InputError.one(file, f"the forecast's requirements ({ends}) do not cover the roster's {asked}; {how}", column="weeks")
