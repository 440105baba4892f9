"""roster/rostering/check.py: a roster checked outside the search gives the search's own coverage and verdict."""

import datetime as dt

import pandas as pd

from roster.rostering.check import check_roster, roster_weeks_of
from roster.rostering.rules import Violation
from tests.roster.rostering import factory as f


def test_a_solved_roster_checks_clean_with_the_searchs_coverage():
    lr = f.rules()
    agents = [f.agent(i) for i in range(3)]
    req = f.requirements(level=1)
    res = f.solve(req, agents, lr, config=f.CFG)
    got = check_roster(res.roster, agents, lr, interval_min=15, requirements=req, grid=f.grid_of(req), week_start=f.WEEK)
    assert got.violations == []
    cov = got.coverage.merge(res.coverage, on=["ds", "channel"], suffixes=("", "_search"))
    assert len(cov) == len(res.coverage)
    assert (cov["required"] == cov["required_search"]).all() and (cov["scheduled"] == cov["scheduled_search"]).all()
    voice = got.channels.iloc[0]
    assert voice["scheduled_agent_h"] == res.kpis.scheduled_agent_h and voice["short_agent_h"] == res.kpis.under_agent_h


def test_weeks_start_on_the_monday_before_the_first_shift_and_name_their_dates():
    roster = pd.DataFrame({"local_date": ["2026-06-03", "2026-06-12"]})
    assert roster_weeks_of(roster) == (dt.date(2026, 6, 1), 2)
    check = check_roster(pd.DataFrame(columns=["agent_id", "local_date", "activity", "channel", "start_utc", "end_utc"]),
                         [], f.rules(), interval_min=15, week_start=dt.date(2026, 6, 1))
    assert check.where(Violation("weekly hours", "A01", "week 2", "")) == "week 2 (2026-06-08 to 2026-06-14)"
    assert check.where(Violation("minimum rest", "A01", "2026-06-02", "")) == "2026-06-02"
