"""Why a roster falls short: agents whose own rules contradict each other, and requirement no agent can reach."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from forecast.errors import Problem
from roster.rostering import model as agent_model
from roster.rostering.config import SolverConfig
from roster.rostering.instance import make_demand, make_pools
from roster.rostering.rules.weekly import max_days_per_week
from roster.rostering.state import RosterState, reach

#: seconds (wall, and deterministic) to decide whether one agent's own rules allow its contract minimum
AGENT_S = 5.0


def unreachable_agent_h(s: RosterState) -> float:
    """Agent-hours required where no agent with the channel's skill has any shift that keeps it at work."""
    can = reach(s)
    skill = np.zeros((len(s.agents), s.req.shape[0]), dtype=bool)
    for a, st in enumerate(s.state):
        skill[a, s.skill_idx[st.pool]] = True
    reachable = (skill.T.astype(np.int64) @ can.astype(np.int64)) > 0
    return float(s.req[~reachable].sum() * (s.grid.step / pd.Timedelta(hours=1)))


def explain_infeasible(agents, rules, time_off, week_start, weeks, span, step: pd.Timedelta, earlier=None, *,
                       deadline: float | None = None) -> list:
    """Which agents' own hard rules contradict each other: each agent's rules solved alone (CP-SAT).

    Returns one problem per agent whose contract minimum cannot be reached
    within its days, shift lengths, rest, consecutive-day rule and
    availability, naming the agent and the rule (empty if every agent's
    rules allow its minimum). ``step`` is the roster grid's interval. Each
    agent's solve gets at most :data:`AGENT_S` (wall and deterministic
    time) and what is left before ``deadline`` (``time.perf_counter()``
    seconds); agents not reached by then are not explained.
    """
    problems = []
    for agent in agents:
        left = AGENT_S if deadline is None else deadline - time.perf_counter()
        if left <= 0:
            break
        contract = rules.contracts[agent.contract]
        limit = max_days_per_week(contract, rules)
        req = pd.DataFrame({"ds": [span[0]], "channel": [agent.skills[0]], "agents_required": [0]})
        grid = make_demand(req, span, step, 0, 0)
        pools = make_pools([agent], rules, time_off, week_start, 7 * weeks, span, grid, 0, 24.0 - 1e-9, earlier=earlier)
        s = RosterState(pools, [agent], rules, grid, SolverConfig(), weeks, week_start)
        m = agent_model.build(s, [0], set(range(7 * weeks)))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, min(AGENT_S, left))
        solver.parameters.max_deterministic_time = AGENT_S
        solver.parameters.num_workers = 1
        if solver.Solve(m.model) != cp_model.INFEASIBLE:
            continue
        temps = pools[0].templates
        allowed = pools[0].allowed[0]
        # the minimum as enforced (s.min_paid_min: prorated by the days available); the first week that
        # days, shift lengths and availability alone cannot reach, else week 1 (rest or consecutive days are to blame)
        why = None
        for w in range(weeks):
            need = s.min_paid_min[0, w] / 60
            longest: dict[int, float] = {}  # available day -> its longest paid shift
            for t, ok in zip(temps, allowed):
                if ok and 7 * w <= t.day_index < 7 * w + 7:
                    longest[t.day_index] = max(longest.get(t.day_index, 0.0), t.paid_min / 60)
            best = sum(sorted(longest.values(), reverse=True)[:limit])
            if best + 1e-9 < need:
                why = (f"at most {limit} days a week, shifts of {contract.shift_lengths_h} h and the agent's availability "
                       f"allow at most {best:.1f} paid hours" + (f" in week {w + 1}" if weeks > 1 else ""))
                break
        if why is None:
            need = s.min_paid_min[0, 0] / 60
            why = (f"with min_rest_h = {rules.min_rest_h:g}, max_consecutive_days = {rules.max_consecutive_days}, at most {limit} days a week "
                   f"and shifts of {contract.shift_lengths_h} h it cannot be reached")
        # the agent's time off in the roster weeks, where it was read: the file and line to look at first
        off = [t for t in time_off if t.agent_id == agent.agent_id and pd.Timestamp(t.start) < span[1] and pd.Timestamp(t.end) > span[0]]
        read = [t for t in off if t.file and t.line is not None]
        file, line = (read[0].file, read[0].line) if read else ("rules", None)
        if off:
            where = f"{read[0].file} line(s) {', '.join(str(t.line) for t in read)}" if read else "the time off"
            why += f" (its time off in these weeks: {where})"
        problems.append(Problem(file, f"agent {agent.agent_id}: contract '{agent.contract}' needs at least {need:.1f} paid hours a week; {why}", line))
    return problems


