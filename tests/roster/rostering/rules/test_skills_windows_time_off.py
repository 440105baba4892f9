import datetime as dt

import pandas as pd

from roster.schema import TimeOff
from tests.roster.rostering.factory import CFG, WEEK, agent, requirements, rules, solve, valid


def test_feasible_each_channel_is_served_by_agents_with_the_skill():
    lr = rules()
    agents = [agent(0, skills=("voice",)), agent(1, skills=("email",)), agent(2, skills=("voice", "email"))]
    res = solve(requirements(level=1, channels=("voice", "email")), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr)
    assert set(shifts.loc[shifts["agent_id"] == "A00", "channel"]) <= {"voice"}
    assert set(shifts.loc[shifts["agent_id"] == "A01", "channel"]) <= {"email"}


def test_a_channel_nobody_can_serve_is_reported_short_not_infeasible():
    lr = rules()
    agents = [agent(0, skills=("voice",))]
    res = solve(requirements(level=1, channels=("voice", "social")), agents, lr, week_start=WEEK, config=CFG)
    valid(res, agents, lr)
    short = res.coverage[(res.coverage["channel"] == "social") & (res.coverage["required"] > 0)]
    assert (short["scheduled"] == 0).all() and len(short) > 0


def test_start_windows_follow_the_agent_override_in_local_time():
    lr = rules()
    agents = [agent(0, earliest_start=dt.time(12), latest_start=dt.time(13))]
    res = solve(requirements(level=1, hours=(8, 23)), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr)
    local = shifts["start_utc"].dt.tz_convert("America/New_York")
    assert (local.dt.hour >= 12).all() and (local.dt.hour <= 13).all()


def test_a_week_of_time_off_means_no_shifts_and_no_minimum():
    lr = rules()
    off = [TimeOff(agent_id="A00", start=pd.Timestamp("2026-05-31T00:00Z").to_pydatetime(), end=pd.Timestamp("2026-06-09T00:00Z").to_pydatetime())]
    agents = [agent(0), agent(1)]
    res = solve(requirements(level=1), agents, lr, off, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr, off)
    assert "A00" not in set(shifts["agent_id"])
    assert len(shifts[shifts["agent_id"] == "A01"]) > 0
