"""Weekly agent rosters: the search that turns staffing requirements into shifts.

How a roster is built (every step keeps every hard rule; see
:mod:`roster.rostering.heuristic` for the rules and the objective):

1. **Pools and templates** (:mod:`roster.rostering.instance`): agents alike in site,
   contract, start window and skills share their shift templates (local day,
   start, length, break placement) on the roster's UTC grid.
2. **Coverage programme** (:mod:`roster.rostering.bound`), in a background thread: the
   relaxed coverage model solved with HiGHS gives a lower bound on any
   roster's objective and a fractional plan of shifts per pool.
3. **First roster** (:func:`roster.rostering.heuristic.construct`): greedy, in seconds
   for hundreds of agents.
4. **Local search** (:func:`roster.rostering.heuristic.local_search`): single-shift
   moves and ruin-and-recreate of a few agents' weeks, while the programme
   solves; then again from the programme's plan placed on agents
   (:func:`roster.rostering.heuristic.from_counts`); the better roster stands.
5. **Exact CP-SAT** (:mod:`roster.rostering.model`): when the team is small enough,
   the whole agent-level model is solved by OR-Tools CP-SAT from the best
   roster found, to optimality where time allows.
6. **Channels** (:mod:`roster.rostering.channels`): each agent's channel per interval,
   exactly, switching only where coverage needs it.

Every roster is checked by :func:`roster.rostering.validation.validate_roster`, which
recomputes every hard rule from the roster alone. The result reports the
objective, the programme's bound and the gap, the first-roster time, the
named penalties and, if the agents cannot cover the requirement, the
shortfall per channel and interval (never a bare "infeasible"). If an
agent's own rules contradict each other, the error names the agent and rule.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from forecast.errors import InputError
from forecast.timegrid import TimeGrid
from roster.rostering import model as agent_model
from roster.rostering.bound import CoverageLP, solve_coverage_lp
from roster.rostering.channels import exact_channels
from roster.rostering.config import SolverConfig
from roster.rostering.rules.coverage import coverage_from_roster
from roster.rostering.explain import explain_infeasible, unreachable_agent_h
from roster.rostering.heuristic import construct, fill_minimums, from_counts, local_search
from roster.rostering.instance import make_demand, make_pools
from roster.rostering.solution import RosterResult, roster_frame, roster_kpis
from roster.rostering.state import RosterState, clear, restore, snapshot
from roster.rostering.validation import score_roster, validate_roster
from roster.rostering.weeks import default_week_start, roster_span
from roster.schema import Agent, LabourRules, TimeOff

Progress = Callable[[str, float, float | None], None]










def _prepare(requirements: pd.DataFrame, agents: list[Agent], grid: TimeGrid, week_start, weeks):
    """The requirements on the roster's grid, the first roster day and the UTC span of the roster weeks."""
    if not agents:
        raise InputError.one("agents", "no agents to roster")
    grid.positions(requirements["ds"], file="requirements")
    site_zones = sorted({a.site_tz for a in agents})
    week_start = week_start or default_week_start(grid.start, site_zones)
    span = roster_span(week_start, weeks, site_zones)
    if grid.start > span[0] or grid.end < span[1]:
        raise InputError.one(
            "requirements",
            f"the requirements ({grid.start:%Y-%m-%d %H:%M}Z to {grid.end:%Y-%m-%d %H:%M}Z) do not cover the "
            f"roster weeks from {week_start} ({span[0]:%Y-%m-%d %H:%M}Z to {span[1]:%Y-%m-%d %H:%M}Z)",
        )
    return requirements.copy(), week_start, span


def solve_roster(
    requirements: pd.DataFrame,
    agents: list[Agent],
    rules: LabourRules,
    time_off: list[TimeOff] | tuple = (),
    *,
    grid: TimeGrid,
    week_start: dt.date | None = None,
    weeks: int = 1,
    config: SolverConfig | None = None,
    progress: Progress | None = None,
) -> RosterResult:
    """Roster ``agents`` for ``weeks`` local weeks from ``week_start`` (Monday by default).

    Parameters
    ----------
    requirements : DataFrame
        ``ds`` (UTC interval start), ``channel``, ``agents_required``.
    agents : list of Agent
    rules : LabourRules
    time_off : list of TimeOff
        Periods (UTC) agents cannot work.
    grid : TimeGrid
        The requirements' grid; the roster runs on it (shift starts, breaks
        and coverage on its intervals).
    week_start : date, optional
        First local day of the roster at every site; None = the first Monday
        fully inside the requirements.
    weeks : int
    config : SolverConfig, optional
    progress : callable, optional
        ``progress(task, done_s, limit_s)`` as the search goes.
    """
    config = config or SolverConfig()
    t_start = time.perf_counter()
    deadline = t_start + config.time_limit_s
    rules.check_grid(grid.interval_min)
    req, week_start, span = _prepare(requirements, agents, grid, week_start, weeks)
    step = grid.step
    notes: list[str] = []

    last_report = [0.0]

    def report(task: str, force: bool = True) -> None:
        now = time.perf_counter()
        if progress and (force or now - last_report[0] >= 0.5):
            last_report[0] = now
            progress(task, min(now - t_start, config.time_limit_s), config.time_limit_s)

    demand = make_demand(req, span, step, config.under_weight, config.peak_weight)
    pools = make_pools(agents, rules, time_off, week_start, 7 * weeks, span, demand, config.cost_weight, config.late_start_h)
    new_state = lambda: RosterState(pools, agents, rules, demand, config, weeks, week_start)  # noqa: E731
    build_s = time.perf_counter() - t_start
    report("roster: shift templates built")

    lp: dict[str, CoverageLP] = {}
    thread = None
    if config.bound:
        def _solve() -> None:
            lp["result"] = solve_coverage_lp(pools, agents, rules, demand, weeks, time_limit_s=max(1.0, 0.85 * (deadline - time.perf_counter())))

        thread = threading.Thread(target=_solve, name="coverage-programme", daemon=True)
        thread.start()

    rng = np.random.default_rng(config.seed)
    best = new_state()
    construct(best)
    _place_short_agents(best, agents, rules, time_off, week_start, weeks, span, deadline)
    exact_channels(best)
    first_s = time.perf_counter() - t_start
    first_obj = best.objective()
    report("roster: first roster")
    reserve = min(3.0, 0.05 * config.time_limit_s)

    options = sum(int(p.allowed.sum()) for p in pools)
    small = options <= config.exact_max_options  # small teams: converge, then leave the time to the exact model

    def search(s: RosterState, until: float) -> None:
        local_search(s, until, rng, progress=lambda obj: report("roster: local search", force=False), kicks=not small)

    # improve the first roster while the programme solves on the other core
    while time.perf_counter() < deadline - reserve:
        before = best.objective()
        search(best, deadline - reserve if thread is None or not thread.is_alive() else min(deadline - reserve, time.perf_counter() + 5.0))
        if thread is None or not thread.is_alive():
            break
        if best.objective() >= before - 1e-6:
            thread.join(timeout=max(0.0, deadline - reserve - time.perf_counter()))
            break
    if thread is not None:
        thread.join(timeout=max(0.0, deadline - reserve - time.perf_counter()))
    programme = lp.get("result")
    if thread is not None and thread.is_alive():
        notes.append("the coverage programme was still solving at the time limit, so there is no lower bound; raise --time-limit")
    if programme is not None and programme.counts is not None and time.perf_counter() < deadline - reserve - 1.0:
        alt = new_state()
        from_counts(alt, programme.counts, rng)
        _place_short_agents(alt, agents, rules, time_off, week_start, weeks, span, deadline)
        exact_channels(alt)
        search(alt, deadline - reserve)
        if alt.objective() < best.objective() and not any(alt.deficit(a) for a in range(len(agents))):
            best = alt
    if time.perf_counter() < deadline - reserve:
        search(best, deadline - reserve)
    status = "HEURISTIC"
    if small and time.perf_counter() < deadline - reserve:
        status = _exact(best, config, deadline - reserve)
    t_finish = time.perf_counter()
    search_obj = best.objective()
    # every step above ends with exact_channels, which stores roster.rostering.channels.assign_channels(best) for the final shifts
    chans = {(a, d): st.chan[d][1] for a, st in enumerate(best.state) for d in st.shifts}
    roster = roster_frame(best, chans, agents)
    grid_req = req[(req["ds"] >= span[0]) & (req["ds"] < span[1])][["ds", "channel", "agents_required"]]
    coverage = coverage_from_roster(roster, grid_req, grid.interval_min)

    violations = validate_roster(roster, agents, rules, time_off, interval_min=grid.interval_min, week_start=week_start, weeks=weeks)
    score = score_roster(roster, grid_req, agents, rules, config, interval_min=grid.interval_min, week_start=week_start, weeks=weeks)
    objective = score.objective
    bound = programme.objective if programme is not None and np.isfinite(programme.objective) else float("nan")
    if programme is not None and programme.status != "optimal":
        notes.append(f"the coverage programme was not solved within the time limit ({programme.status}), so there is no lower bound; raise --time-limit")
    gap = (objective - bound) / max(abs(objective), 1.0) if np.isfinite(bound) else float("nan")
    kpis = roster_kpis(
        roster, coverage, rules, agents, step,
        objective=objective, bound=bound, gap=gap, status=status,
        build_s=build_s, first_solution_s=first_s, first_objective=first_obj,
        search_objective=search_obj,
        solve_s=time.perf_counter() - t_start,
        variables=options,
        bound_short_agent_h=programme.short_agent_h if programme is not None else float("nan"),
        bound_at_work_agent_h=programme.at_work_agent_h if programme is not None else float("nan"),
        bound_s=programme.seconds if programme is not None else float("nan"),
        channel_switches=int(sum(int((np.diff(c) != 0).sum()) for c in chans.values())),
        unreachable_agent_h=unreachable_agent_h(best),
        violations=len(violations),
        finish_s=time.perf_counter() - t_finish,
    )
    notes += [f"rule violation: {v}" for v in violations[:20]]
    if kpis.under_agent_intervals:
        notes.append(
            f"the agents cannot cover the requirement everywhere: {kpis.intervals_understaffed} channel-intervals are short "
            f"by {kpis.under_agent_h:,.1f} agent-hours in all (see coverage.csv)"
            + (f"; even the coverage programme's relaxation leaves {programme.short_agent_h:,.1f} agent-hours short"
               if programme is not None and np.isfinite(programme.short_agent_h) else "")
            + (f"; {kpis.unreachable_agent_h:,.1f} agent-hours are required where no agent with the skill can work at all "
               "(outside every start window, or before a site's roster week begins: the previous week's roster covers those)"
               if kpis.unreachable_agent_h > 0 else "")
        )
    report("roster: done")
    return RosterResult(roster, coverage, kpis, score.penalties, notes)




def _place_short_agents(s: RosterState, agents, rules, time_off, week_start, weeks, span, deadline) -> None:
    """Agents the greedy left below their contract minimum: explain a contradiction, or place them exactly."""
    short = [a for a in range(len(agents)) if s.deficit(a)]
    if not short:
        return
    short = fill_minimums(s)
    if not short:
        return
    problems = explain_infeasible([agents[a] for a in short], rules, time_off, week_start, weeks, span, s.grid.step)
    if problems:
        raise InputError(problems)
    for a in short:  # the agent's rules allow its minimum: solve its week exactly against everyone else's
        clear(s, [a])
        m = agent_model.build(s, [a], set(range(s.days)))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(1.0, min(10.0, deadline - time.perf_counter()))
        solver.parameters.num_workers = 1
        if solver.Solve(m.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            agent_model.apply(m, solver, s)


def _exact(s: RosterState, config: SolverConfig, until: float) -> str:
    """Solve the whole agent-level model with CP-SAT from the roster in ``s``; keep the better one."""
    everyone = list(range(len(s.agents)))
    saved = snapshot(s)
    before = s.objective()
    clear(s, everyone)
    m = agent_model.build(s, everyone, set(range(s.days)))
    agent_model.hint(m, s, {a: {d: t for d, (t, _) in days.items()} for a, days in saved.items()})
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, until - time.perf_counter())
    solver.parameters.num_workers = config.workers or 0
    solver.parameters.random_seed = config.seed
    status = solver.Solve(m.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        agent_model.apply(m, solver, s)
        exact_channels(s)
        if s.objective() <= before + 1e-6:
            return solver.StatusName(status)
    restore(s, saved)
    exact_channels(s)
    return "HEURISTIC"


# --------------------------------------------------------------------------- #
# Output
# --------------------------------------------------------------------------- #






