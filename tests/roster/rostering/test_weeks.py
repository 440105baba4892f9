"""Plan helpers: which roster weeks the requirements cover."""

import datetime as dt

import pandas as pd
import pytest

from forecast.timegrid import TimeGrid
from roster.rostering import roster_weeks

SITES = ["America/New_York", "Europe/Lisbon"]


def requirements(start: str, end: str, freq: str) -> TimeGrid:
    """The grid of requirements from ``start`` to ``end`` (UTC days)."""
    return TimeGrid(interval_min=int(pd.Timedelta(freq) / pd.Timedelta(minutes=1)), start=f"{start}T00:00Z", end=f"{end}T00:00Z")


@pytest.mark.parametrize("freq", ["15min", "60min"])
def test_weeks_whose_every_site_week_fits_inside_the_requirements(freq):
    req = requirements("2026-11-22", "2026-12-20", freq)  # Sunday to Sunday, 4 weeks
    # the week of Dec 14 would end at New York's midnight of Dec 21 (05:00 UTC), after the requirements
    assert roster_weeks(req, SITES) == [dt.date(2026, 11, 23), dt.date(2026, 11, 30), dt.date(2026, 12, 7)]
    # Lisbon alone: its week of Dec 14 ends at 00:00 UTC on Dec 21, still outside; one more day makes it fit
    longer = requirements("2026-11-22", "2026-12-21", freq)
    assert roster_weeks(longer, ["Europe/Lisbon"])[-1] == dt.date(2026, 12, 14)
    assert roster_weeks(longer, SITES)[-1] == dt.date(2026, 12, 7)


def test_no_whole_week_no_roster_weeks():
    assert roster_weeks(requirements("2026-11-23", "2026-11-27", "15min"), SITES) == []


def test_weeks_past_the_requirements_are_refused_naming_the_weeks_that_fit():
    from forecast.errors import InputError
    from roster.rostering import check_roster_weeks

    req = requirements("2026-11-22", "2026-12-20", "15min")  # three whole weeks at both sites
    check_roster_weeks(req, SITES, dt.date(2026, 11, 30), 2)  # fits: no error
    with pytest.raises(InputError, match=r"at most 2 week\(s\) fit from Mon 2026-11-30: choose fewer weeks") as err:
        check_roster_weeks(req, SITES, dt.date(2026, 11, 30), 3)
    assert err.value.problems[0].column == "weeks"
    with pytest.raises(InputError, match="start on Mon 2026-11-23, Mon 2026-11-30, Mon 2026-12-07: choose one of them"):
        check_roster_weeks(req, SITES, dt.date(2026, 12, 14), 1)
    with pytest.raises(InputError, match="no whole roster week at every site: choose a longer forecast horizon"):
        check_roster_weeks(requirements("2026-11-23", "2026-11-27", "15min"), SITES, dt.date(2026, 11, 23), 1)
