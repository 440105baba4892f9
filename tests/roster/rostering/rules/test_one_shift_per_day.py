import pandas as pd

from roster.rostering.validation import validate_roster
from tests.roster.rostering.factory import CFG, WEEK, agent, requirements, rules, solve, valid


def test_feasible_never_two_shifts_on_a_local_day():
    lr = rules()
    agents = [agent(0)]
    res = solve(requirements(level=1, hours=(0, 24)), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr)
    assert shifts.groupby("local_date").size().max() == 1
    assert res.kpis["under_agent_intervals"] > 0  # one agent cannot cover 24 hours: reported, not infeasible


def test_validator_flags_two_shifts_on_one_day():
    lr = rules()
    t = pd.Timestamp("2026-06-01T10:00Z")
    bad = pd.DataFrame({"agent_id": ["A00"] * 2, "site_tz": ["America/New_York"] * 2, "local_date": ["2026-06-01"] * 2, "activity": ["shift"] * 2,
                        "channel": ["voice"] * 2, "start_utc": [t, t + pd.Timedelta(hours=9)], "end_utc": [t + pd.Timedelta(hours=8.5), t + pd.Timedelta(hours=17.5)], "paid_h": [8.0, 8.0]})
    assert any("shift of 17.5 h" in p for p in validate_roster(bad, [agent(0)], lr, interval_min=15))
