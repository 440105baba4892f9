import pandas as pd
import pytest

from forecast.errors import InputError
from tests.roster.rostering.factory import CFG, WEEK, agent, requirements, rules, solve, valid


def test_feasible_rest_holds_when_demand_pulls_shifts_late_then_early():
    lr = rules(contract_kw={"latest_start": "15:30"})
    agents = [agent(i) for i in range(3)]
    res = solve(requirements(level=2, hours=(6, 24)), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr).sort_values(["agent_id", "start_utc"])
    for _, g in shifts.groupby("agent_id"):
        gaps = (g["start_utc"].iloc[1:].to_numpy() - g["end_utc"].iloc[:-1].to_numpy()) / pd.Timedelta(hours=1)
        assert (gaps >= 11).all()


def test_infeasible_rest_names_the_agent_and_the_rule():
    lr = rules(min_rest_h=40, contract_kw={"min_week_h": 40, "max_week_h": 40})
    with pytest.raises(InputError, match=r"agent A00: contract 'ft' needs at least 40.0 paid hours a week; with min_rest_h = 40"):
        solve(requirements(), [agent(0)], lr, week_start=WEEK, config=CFG)
