"""Pools and the agents' weekly limits: the solver counts available days as the validator does."""

import pandas as pd

from roster.rostering.instance import agent_limits
from roster.rostering.rules import weekly
from roster.schema import TimeOff
from tests.roster.rostering.factory import STEP_MIN, NY, WEEK, agent, requirements, rules, state


def _off(agent_id: str, start: str, end: str) -> TimeOff:
    """Time off between two New York local times."""
    utc = [pd.Timestamp(t).tz_localize(NY).tz_convert("UTC").to_pydatetime() for t in (start, end)]
    return TimeOff(agent_id=agent_id, start=utc[0], end=utc[1])


def test_agent_limits_count_available_days_as_the_validator_does():
    # starts 06:00-14:00 New York, 8.5 h: time off from Tuesday 00:00 to Friday 06:00 blocks Tuesday to Thursday (Friday's
    # 06:00 start is free); in week 2 a 10:00-11:00 gap leaves Wednesday (the 14:00 start), 05:00-15:00 blocks Thursday,
    # and the weekend is off
    lr = rules()
    agents = [agent(0), agent(1)]
    time_off = [_off("A00", "2026-06-02 00:00", "2026-06-05 06:00"), _off("A00", "2026-06-10 10:00", "2026-06-10 11:00"),
                _off("A00", "2026-06-11 05:00", "2026-06-11 15:00"), _off("A00", "2026-06-13 00:00", "2026-06-15 00:00")]
    s = state(agents, lr, requirements(weeks=2), weeks=2, time_off=time_off)
    (pool,) = s.pools
    max_days, min_min, _ = agent_limits(pool, agents, lr, 2, STEP_MIN)
    contract = lr.contracts["ft"]
    limit = weekly.max_days_per_week(contract, lr)
    available = {a.agent_id: weekly.available_days(a, lr, WEEK, 14, time_off) for a in agents}
    assert available == {"A00": {0, 4, 5, 6, 7, 8, 9, 11}, "A01": set(range(14))}
    for k, ai in enumerate(pool.agents):
        for w in range(2):
            n = weekly.days_in_week(available[agents[ai].agent_id], w)
            assert max_days[k, w] == min(limit, n), (agents[ai].agent_id, w)
            assert min_min[k, w] == weekly.prorated_minimum_min(contract.min_week_h, n, STEP_MIN), (agents[ai].agent_id, w)
    # the time off bites: four days a week for A00, the contract's five for A01
    assert max_days.tolist() == [[4, 4], [5, 5]]
