"""The coverage programme: a valid lower bound, and what no roster can cover."""

import numpy as np
import pandas as pd

from roster.rostering.bound import solve_coverage_lp
from roster.rostering.instance import make_demand, make_pools
from roster.rostering import SolverConfig, roster_span
from roster.schema import TimeOff
from tests.roster.rostering.factory import CFG, NY, WEEK, agent, requirements, rules, solve, solve_model


def _lp(agents, lr, req, time_off=(), patterns=True):
    cfg = SolverConfig()
    span = roster_span(WEEK, 1, sorted({a.site_tz for a in agents}))
    grid = make_demand(req, span, pd.Timedelta(minutes=15), cfg.under_weight, cfg.peak_weight)
    pools = make_pools(agents, lr, list(time_off), WEEK, 7, span, grid, cfg.cost_weight, cfg.late_start_h)
    return solve_coverage_lp(pools, agents, lr, grid, 1, time_limit_s=30, patterns=patterns)


def test_bound_is_below_every_roster_and_the_solver_reports_it():
    lr = rules()
    agents = [agent(i, skills=("voice", "chat")) for i in range(4)]
    req = requirements(level=1, channels=("voice", "chat"), hours=(8, 20))
    res = solve(req, agents, lr, week_start=WEEK, config=CFG)
    assert np.isfinite(res.kpis.bound)
    assert res.kpis.bound <= res.kpis.objective + 1e-6
    assert 0 <= res.kpis.gap < 1
    assert res.kpis.bound == _lp(agents, lr, req).objective


def test_hours_nobody_can_reach_are_short_in_the_relaxation_too():
    lr = rules(contract_kw={"latest_start": "09:00", "min_week_h": 0})  # shifts end by 17:30 New York time
    req = requirements(level=2, hours=(18, 22))
    lp = _lp([agent(0), agent(1)], lr, req)
    assert lp.status == "optimal"
    # 4 hours a day, 7 days, 2 agents: all of it out of reach
    assert lp.short_agent_h == 4 * 7 * 2


def test_one_shift_a_day_is_enough_when_it_fits_exactly():
    lr = rules(contract_kw={"min_week_h": 0, "earliest_start": "09:00", "latest_start": "09:00"})
    span = roster_span(WEEK, 1, [NY])
    ds = pd.date_range(span[0], span[1], freq="15min", inclusive="left")
    local = ds.tz_convert(NY)
    on_day = local.day_of_week < 5
    # an 8.5 h shift from 09:00 keeps its agent at work except for its pauses: require just that, Monday to Friday
    req = pd.DataFrame({"ds": ds, "channel": "voice", "agents_required": ((local.hour >= 9) & ((local.hour < 17) | ((local.hour == 17) & (local.minute < 30))) & on_day).astype(int)})
    lp = _lp([agent(0)], lr, req)
    assert abs(lp.short_agent_h - 5 * 1.0) < 1e-6  # exactly the pauses (15 + 30 + 15 min a day) are left short


def test_weekly_minimum_in_whole_shifts_per_agent_is_below_the_best_roster():
    # 10-hour paid shifts and a 32-hour minimum: four shifts a week, not 3.2; the agent with
    # three days off has a minimum of 32 x 4 / 7 = 18.25 hours: two shifts, not 1.825
    lr = rules(contract_kw={"shift_lengths_h": [10.5], "min_week_h": 32})
    agents = [agent(0), agent(1)]
    off = [TimeOff(agent_id="A01", start=pd.Timestamp("2026-06-01T04:00Z").to_pydatetime(), end=pd.Timestamp("2026-06-04T04:00Z").to_pydatetime())]
    req = requirements(level=0)  # nothing to cover: the minimum hours are the whole cost
    s, _, _, _ = solve_model(agents, lr, req, time_off=off)
    bound, pooled = _lp(agents, lr, req, off), _lp(agents, lr, req, off, patterns=False)
    assert bound.status == pooled.status == "optimal"
    assert bound.objective <= s.objective() + 1e-6
    assert bound.objective > pooled.objective + 1  # the pool's sums alone let agents work fractions of shifts
    assert np.isclose(bound.objective, 6 * float(s.pools[0].cost[0]))  # exactly the best roster's six shifts
