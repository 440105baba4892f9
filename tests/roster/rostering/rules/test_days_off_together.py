"""Soft rule: two days off in a row each week, when cover allows; and the score counts weeks without."""

from roster.rostering import SolverConfig
from tests.roster.rostering.factory import WEEK, agent, requirements, rules, solve, valid


def _days_off(shifts):
    import pandas as pd

    out = {}
    for a, g in shifts.groupby("agent_id"):
        worked = {(pd.Timestamp(d).date() - WEEK).days for d in g["local_date"]}
        out[a] = sorted(set(range(7)) - worked)
    return out


def test_feasible_days_off_come_together_when_cover_allows():
    # five 8-hour days each for three agents, two needed every day: days off can always pair up
    # (weekend fairness off here: sharing weekends would otherwise trade against it)
    lr = rules(contract_kw={"min_week_h": 40, "max_week_h": 40})
    agents = [agent(i) for i in range(3)]
    cfg = SolverConfig(time_limit_s=8, workers=2, seed=1, weekend_weight=0)
    res = solve(requirements(level=2, hours=(8, 16)), agents, lr, week_start=WEEK, config=cfg)
    shifts = valid(res, agents, lr)
    for off in _days_off(shifts).values():
        assert any(b == a + 1 for a, b in zip(off, off[1:])), off
    pen = res.penalties.set_index("penalty")
    assert pen.loc["days off apart (none two in a row)", "count"] == 0


def test_the_rule_yields_when_cover_needs_days_apart():
    # one agent, five days a week, demand on Monday, Wednesday and Friday to Sunday only ... and Tuesday and Thursday
    # off is the only way to cover all five demand days: the roster pays the penalty rather than leave a day short
    import numpy as np

    lr = rules(contract_kw={"min_week_h": 0})
    req = requirements(level=1, hours=(9, 17))
    local = req["ds"].dt.tz_convert("America/New_York")
    req.loc[local.dt.day_of_week.isin([1, 3]), "agents_required"] = 0
    res = solve(req, [agent(0)], lr, week_start=WEEK, config=SolverConfig(time_limit_s=8, workers=2, seed=1))
    shifts = valid(res, [agent(0)], lr)
    assert _days_off(shifts)["A00"] == [1, 3]
    pen = res.penalties.set_index("penalty")
    assert pen.loc["days off apart (none two in a row)", "count"] == 1
    # the search's own bookkeeping of the objective (days-off-apart penalty included) agrees with the validator's recount
    assert np.isclose(res.kpis["search_objective"], res.kpis["objective"])
