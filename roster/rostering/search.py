"""Weekly agent rosters: the search that turns staffing requirements into shifts.

How a roster is built (every step keeps every hard rule; see
:mod:`roster.rostering.rules` for the rules and the objective):

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
5. **CP-SAT** (:mod:`roster.rostering.model`): when the team is small enough,
   the whole agent-level model is solved by OR-Tools CP-SAT from the best
   roster found, to optimality where time allows (status OPTIMAL or
   FEASIBLE). Past that size the whole model is too big (on the sample's 120
   agents CP-SAT finds nothing better than the local search in minutes), so
   CP-SAT solves each agent's week exactly against everyone else's
   (:mod:`roster.rostering.lns`), in turn with the local search, until
   neither improves the roster (status LNS when CP-SAT changed it).
6. **Channels** (:mod:`roster.rostering.channels`): each agent's channel per interval,
   in blocks of ``min_channel_block_min`` and at most ``max_channel_switches``
   changes a shift (:mod:`roster.rostering.rules.channels`), switching only
   where coverage needs it; the rules' cost in cover is reported.

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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from forecast.errors import InputError, Problem
from forecast.timegrid import TimeGrid
from roster.rostering import model as agent_model
from roster.rostering.bound import CoverageLP, solve_coverage_lp
from roster.rostering.budget import CONVERGED, CP_SAT_DET_S_PER_EFFORT, STEPS_PER_EFFORT, TIME, WORK, Budget
from roster.rostering.channels import channel_block_cost_agent_h, exact_channels
from roster.rostering.config import SolverConfig
from roster.rostering.continuity import EarlierShifts, PreviousRoster, boundary_note, earlier_shifts, roster_pools
from roster.rostering.rules.coverage import coverage_from_roster
from roster.rostering.explain import explain_infeasible, unreachable_agent_h
from roster.rostering.heuristic import construct, fill_minimums, from_counts, local_search
from roster.rostering.instance import make_demand
from roster.rostering.lns import LNS_WEEKS_PER_EFFORT, improve_lns
from roster.rostering.solution import RosterResult, roster_frame, roster_kpis
from roster.rostering.state import RosterState, clear, restore, snapshot
from roster.rostering.validation import score_roster, validate_roster
from roster.rostering.weeks import check_roster_weeks, default_week_start, roster_span
from roster.schema import Agent, LabourRules, TimeOff

Progress = Callable[[str, float, float | None], None]

#: local-search steps between two passes of CP-SAT over the agents' weeks (big teams)
NEIGHBOURHOOD_LS_STEPS = 300
#: CP-SAT deterministic time (about seconds) for the exact placement of one agent the greedy left below its minimum
SHORT_AGENT_DET_S = 1.0
#: seconds the repair of a roster the validator rejected may take at least (past the deadline if need be)
REPAIR_S = 2.0
#: channel assignments the time limit keeps in reserve: the search's last step's, and the result's (less than one)
RESERVE_CHANNELS = 2.0


def _prepare(requirements: pd.DataFrame, agents: list[Agent], grid: TimeGrid, week_start, weeks):
    """The requirements on the roster's grid, the first roster day and the UTC span of the roster weeks."""
    if not agents:
        raise InputError.one("agents", "no agents to roster")
    grid.positions(requirements["ds"], file="requirements")
    site_zones = sorted({a.site_tz for a in agents})
    week_start = week_start or default_week_start(grid.start, site_zones)
    check_roster_weeks(grid, site_zones, week_start, weeks)
    return requirements.copy(), week_start, roster_span(week_start, weeks, site_zones)


def _on_roster_grid(requirements: pd.DataFrame, grid: TimeGrid, roster_grid: TimeGrid) -> pd.DataFrame:
    """The requirements repeated on the roster's finer intervals (each plan interval's agents in every part of it)."""
    k = grid.interval_min // roster_grid.interval_min
    if k == 1:
        return requirements
    step = roster_grid.step
    return pd.concat([requirements.assign(ds=requirements["ds"] + i * step) for i in range(k)], ignore_index=True).sort_values(
        ["ds", "channel"], kind="stable", ignore_index=True)


def _on_plan_grid(coverage: pd.DataFrame, grid: TimeGrid, roster_grid: TimeGrid) -> pd.DataFrame:
    """Coverage on the roster's intervals back on the plan's: the requirement, and the agents scheduled on average."""
    if grid.interval_min == roster_grid.interval_min:
        return coverage
    ds = coverage["ds"].dt.floor(grid.step)
    out = coverage.assign(ds=ds).groupby(["ds", "channel"], as_index=False, sort=False).agg(
        required=("required", "first"), scheduled=("scheduled", "mean"))
    return out.sort_values(["ds", "channel"], kind="stable", ignore_index=True)[list(coverage.columns)]


@dataclass
class _Clock:
    """The roster step's wall clock: its deadline, the time kept in reserve for the result, and progress reports."""

    limit_s: float
    progress: Progress | None
    t_start: float = field(default_factory=time.perf_counter)
    last_report: float = 0.0
    #: seconds the first roster's channel assignment took on this run (:meth:`channels_took`)
    channels_s: float = 0.0

    @property
    def deadline(self) -> float:
        return self.t_start + self.limit_s

    @property
    def reserve(self) -> float:
        """Seconds kept at the end for the search's last step and the result.

        Every step of the search ends with a channel assignment
        (:func:`roster.rostering.channels.exact_channels`), so the one under
        way at the search's deadline ends after it; the result (its table,
        coverage, the validator, the scorer and the KPIs) then takes less than
        one more (about half at 1,000 agents). Both grow with the roster, so
        the reserve is :data:`RESERVE_CHANNELS` times the first roster's
        assignment measured on this run, at least ``min(3 s, 5 %)`` of the
        limit and at most half of it.
        """
        return min(0.5 * self.limit_s, max(min(3.0, 0.05 * self.limit_s), RESERVE_CHANNELS * self.channels_s))

    def channels_took(self, seconds: float) -> float:
        """Record the first roster's channel assignment (``seconds``); returns the search's deadline it leaves."""
        self.channels_s = seconds
        return self.search_until

    @property
    def search_until(self) -> float:
        return self.deadline - self.reserve

    def elapsed(self) -> float:
        return time.perf_counter() - self.t_start

    def report(self, task: str, force: bool = True) -> None:
        now = time.perf_counter()
        if self.progress and (force or now - self.last_report >= 0.5):
            self.last_report = now
            self.progress(task, min(now - self.t_start, self.limit_s), self.limit_s)


def set_up(requirements: pd.DataFrame, agents: list[Agent], rules: LabourRules, time_off: list[TimeOff], grid: TimeGrid,
           week_start: dt.date | None, weeks: int, previous: PreviousRoster | None, config: SolverConfig):
    """What every roster solve starts from: the requirement on the roster's own resolution within the plan's grid,
    the weeks, the previous roster's shifts (``earlier``; those reaching into the horizon ``fixed``), the demand and
    the pools with their shift templates.

    Returns ``(req, week_start, span, plan_grid, grid, earlier, fixed, demand, pools, cal)``: ``plan_grid`` is the
    plan's grid, ``grid`` the roster's (15 minutes unless the rules say otherwise).
    """
    rules.check_grid(grid.interval_min)
    req, week_start, span = _prepare(requirements, agents, grid, week_start, weeks)
    plan_grid, grid = grid, grid.refine(rules.roster_interval_min(grid.interval_min))
    req = _on_roster_grid(req, plan_grid, grid)
    earlier = earlier_shifts(previous, agents, week_start) if previous is not None else None
    fixed = earlier.reaching(span) if earlier is not None else None
    demand = make_demand(req, span, grid.step, config.under_weight, config.peak_weight, fixed=fixed)
    pools, cal = roster_pools(agents, rules, time_off, week_start, weeks, span, demand, config.cost_weight, config.late_start_h, earlier)
    return req, week_start, span, plan_grid, grid, earlier, fixed, demand, pools, cal


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
    previous: PreviousRoster | None = None,
    started: float | None = None,
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
        The requirements' grid. The roster places shifts and breaks on its
        own resolution inside it (``rules.roster_interval_min``, 15 minutes
        by default) and reports coverage back on this grid.
    week_start : date, optional
        First local day of the roster at every site; None = the first Monday
        fully inside the requirements.
    weeks : int
    config : SolverConfig, optional
    progress : callable, optional
        ``progress(task, done_s, limit_s)`` as the search goes.
    previous : PreviousRoster, optional
        The roster published for the days before (:mod:`roster.rostering.continuity`):
        its shifts that reach into the roster count as coverage and its
        shifts feed rest and consecutive days. Without one, the sites' local
        days before ``week_start`` whose shifts reach into the roster are
        rostered too (boundary days).
    started : float, optional
        ``time.perf_counter()`` when the caller's command started: the time
        limit counts from there (default: from this call).

    Raises
    ------
    InputError
        An agent's own rules contradict each other (naming agent and rule),
        or the roster breaks a hard rule the search could not repair (naming
        agent, date and rule): no roster is returned, so none is written.
    """
    config = config or SolverConfig()
    # one deadline for the whole roster step (every sub-solve, the explanation and the bound get what is left of it);
    # a caller that started earlier (the command, loading its inputs) passes its own start
    clock = _Clock(config.time_limit_s, progress, **({"t_start": started} if started is not None else {}))
    # 1. pools and their shift templates on the grid (with the week before's boundary days, or its shifts fixed)
    req, week_start, span, plan_grid, grid, earlier, fixed, demand, pools, cal = set_up(
        requirements, agents, rules, time_off, grid, week_start, weeks, previous, config)

    def new_state() -> RosterState:
        return RosterState(pools, agents, rules, demand, config, cal.weeks, cal.start)

    place_short = lambda s: _place_short_agents(s, agents, rules, time_off, week_start, weeks, span, clock.search_until, earlier)  # noqa: E731
    build_s = clock.elapsed()
    clock.report("roster: shift templates built")

    # 2. the coverage programme, on the other core
    programme = _Programme(pools, agents, rules, demand, cal.weeks, clock.search_until) if config.bound else None
    # the search's budget: a fixed number of steps (reproducible) or the wall clock alone, within the deadline
    budget = Budget(clock.search_until, config.effort * STEPS_PER_EFFORT if config.effort else None)
    # CP-SAT's share, in agents' weeks solved (:mod:`roster.rostering.lns`)
    lns_budget = Budget(clock.search_until, config.effort * LNS_WEEKS_PER_EFFORT if config.effort else None)

    # 3. the first roster
    rng = np.random.default_rng(config.seed)
    best = new_state()
    construct(best)
    place_short(best)
    channels_t0 = time.perf_counter()
    exact_channels(best)
    budget.deadline = lns_budget.deadline = clock.channels_took(time.perf_counter() - channels_t0)  # the reserve this roster needs
    first_s, first_obj = clock.elapsed(), best.objective()
    clock.report("roster: first roster")

    # 4. local search, from the first roster and from the programme's plan
    options = sum(int(p.allowed.sum()) for p in pools)
    small = options <= config.exact_max_options  # small teams: converge, then leave the time to the exact model

    def search(s: RosterState, part: Budget) -> None:
        local_search(s, part, rng, progress=lambda obj: clock.report("roster: local search", force=False), kicks=not small)

    notes: list[str] = earlier.notes(week_start) if earlier is not None else []
    # the local search's first share (the rest goes with the CP-SAT neighbourhoods of step 5 for big teams)
    if small:
        first = budget
    elif budget.by_work:
        first = budget.part(steps=budget.left * 2 // 3)
    else:
        first = budget.part(seconds=(clock.search_until - time.perf_counter()) * 2 / 3)
    best, plan = _improve(best, new_state, place_short, search, programme, clock, first, rng, notes)

    # 5. the exact model, for small teams; for the others, CP-SAT on each agent's week in turn with the local search
    status = "HEURISTIC"
    if small and time.perf_counter() < clock.search_until:
        status = _exact(best, config, clock.search_until, budget)
    elif small:
        budget.time_cut()
    elif time.perf_counter() < clock.search_until:
        status = _neighbourhoods(best, search, lns_budget, budget, rng, clock)
    if budget.ended_by is None:
        budget.ended_by = CONVERGED

    # 6. the roster table, checked and scored from the table alone
    result, violations = _result(best, req, span, grid, agents, rules, time_off, config, week_start, weeks, status=status,
                     programme=plan, clock=clock, notes=notes, ended_by=budget.ended_by, earlier=earlier, fixed=fixed,
                     build_s=build_s, first_s=first_s, first_obj=first_obj, options=options)
    if violations:
        result = _repaired(best, violations, req, span, grid, agents, rules, time_off, config, week_start, weeks, status=status,
                           programme=plan, clock=clock, notes=notes, ended_by=budget.ended_by, earlier=earlier, fixed=fixed,
                           build_s=build_s, first_s=first_s, first_obj=first_obj, options=options)
    result.coverage = _on_plan_grid(result.coverage, plan_grid, grid)
    clock.report("roster: done")
    return result


class _Programme:
    """The coverage programme solved in a background thread (:func:`roster.rostering.bound.solve_coverage_lp`)."""

    def __init__(self, pools, agents, rules, demand, weeks, deadline: float) -> None:
        self._out: dict[str, CoverageLP] = {}

        def solve() -> None:
            self._out["result"] = solve_coverage_lp(pools, agents, rules, demand, weeks,
                                                    time_limit_s=max(0.05, deadline - time.perf_counter()))

        self.thread = threading.Thread(target=solve, name="coverage-programme", daemon=True)
        self.thread.start()

    @property
    def solving(self) -> bool:
        return self.thread.is_alive()

    @property
    def result(self) -> CoverageLP | None:
        return self._out.get("result")


def _improve(best: RosterState, new_state, place_short, search, programme: _Programme | None, clock: _Clock,
             budget: Budget, rng: np.random.Generator, notes: list[str]) -> tuple[RosterState, CoverageLP | None]:
    """Local search on the first roster while the programme solves, then from the programme's plan; the better stands.

    With a work budget, half of it goes to the first roster, then the search
    waits for the programme (up to the deadline), half of what is left goes
    to the programme's plan and the rest to the better roster: the same
    steps whatever the machine's speed. With wall time only, the first
    roster's search runs in 5-second slices until the programme is solved.
    Returns the roster and the programme's result (None when it was not solved in time).
    """
    until = clock.search_until
    if budget.by_work:
        search(best, budget.part(steps=budget.left // 2))
    else:
        while not budget.out():
            before = best.objective()
            search(best, budget.part(seconds=5.0) if programme is not None and programme.solving else budget)
            if programme is None or not programme.solving:
                break
            if best.objective() >= before - 1e-6:
                break
    if programme is not None:
        programme.thread.join(timeout=max(0.0, until - time.perf_counter()))
        if programme.solving:
            budget.time_cut()
            notes.append("the coverage programme was still solving at the time limit, so there is no lower bound; raise --time-limit")
    plan = programme.result if programme is not None else None
    if plan is not None and plan.status != "optimal":
        budget.time_cut()  # the programme stopped at the deadline: its plan (or none) depends on the clock
    if plan is not None and plan.counts is not None and (budget.by_work or time.perf_counter() < until - 1.0) and not budget.out():
        alt = new_state()
        from_counts(alt, plan.counts, rng)
        place_short(alt)
        exact_channels(alt)
        search(alt, budget.part(steps=budget.left // 2) if budget.by_work else budget)
        if alt.objective() < best.objective() and not any(alt.deficit(a) for a in range(len(alt.agents))):
            best = alt
    if not budget.out():
        search(best, budget)
    return best, plan


def _neighbourhoods(best: RosterState, search, lns_budget: Budget, budget: Budget, rng: np.random.Generator, clock: _Clock) -> str:
    """CP-SAT on each agent's week against everyone else's (:func:`roster.rostering.lns.improve_lns`), and the local search, in turn.

    Each improves what the other left (the exact week finds what the greedy
    cannot; the local search's moves of several agents at once and its kicks
    what one agent's week cannot). When neither improves the roster, the
    local search goes on alone for twice as long before CP-SAT tries again,
    until either budget or the deadline ends the search. Returns the status: ``LNS`` when
    CP-SAT changed the roster, else ``HEURISTIC``.
    """
    changed = False
    steps, seconds = NEIGHBOURHOOD_LS_STEPS, 5.0
    solved_at = None  # the objective CP-SAT last found nothing to improve on
    while not (lns_budget.out() or budget.out()):
        if best.objective() != solved_at:
            stats = improve_lns(best, rng, budget=lns_budget, until=clock.search_until,
                                progress=lambda obj: clock.report("roster: CP-SAT on agents' weeks", force=False))
            changed |= stats.improved > 0
            if lns_budget.out() or budget.out():
                break
            if stats.improved == 0:
                solved_at = best.objective()
        before = best.objective()
        search(best, budget.part(steps=steps, seconds=seconds))
        if best.objective() > before - 1e-6:
            # neither improves the roster: the local search alone, twice as long (its kicks), before CP-SAT again
            if (steps >= budget.steps) if budget.by_work else (seconds >= clock.limit_s):
                break  # that part had all the budget left
            steps, seconds = 2 * steps, 2 * seconds
    for b in (lns_budget, budget):
        if b.ended_by == TIME:
            budget.ended_by = TIME
    if budget.ended_by is None and lns_budget.ended_by == WORK:
        budget.ended_by = WORK
    return "LNS" if changed else "HEURISTIC"


def _result(best: RosterState, req: pd.DataFrame, span, grid: TimeGrid, agents, rules, time_off, config: SolverConfig,
            week_start: dt.date, weeks: int, *, status: str, programme: CoverageLP | None, clock: _Clock, notes: list[str],
            ended_by: str, build_s: float, first_s: float, first_obj: float, options: int,
            earlier: EarlierShifts | None = None, fixed: pd.DataFrame | None = None) -> tuple[RosterResult, list]:
    """The roster table of ``best``, its coverage (the previous roster's shifts ``fixed`` too), the scorer's verdict, the KPIs
    and the notes; and the validator's violations."""
    t_finish = time.perf_counter()
    search_obj = best.objective()
    # every step of the search ends with exact_channels, which stores roster.rostering.channels.assign_channels(best)
    chans = {(a, d): st.chan[d][1] for a, st in enumerate(best.state) for d in st.shifts}
    roster = roster_frame(best, chans, agents)
    grid_req = req[(req["ds"] >= span[0]) & (req["ds"] < span[1])][["ds", "channel", "agents_required"]]
    coverage = coverage_from_roster(roster if fixed is None else pd.concat([roster, fixed], ignore_index=True), grid_req, grid.interval_min)

    violations = validate_roster(roster, agents, rules, time_off, interval_min=grid.interval_min, week_start=week_start, weeks=weeks,
                                 earlier=earlier.shifts if earlier is not None else None)
    score = score_roster(roster, grid_req, agents, rules, config, interval_min=grid.interval_min, week_start=week_start, weeks=weeks,
                         fixed=fixed)
    objective = score.objective
    bound = programme.objective if programme is not None and np.isfinite(programme.objective) else float("nan")
    notes = list(notes)
    if programme is not None and programme.status != "optimal":
        notes.append(f"the coverage programme was not solved within the time limit ({programme.status}), so there is no lower bound; raise --time-limit")
    gap = (objective - bound) / max(abs(objective), 1.0) if np.isfinite(bound) else float("nan")
    kpis = roster_kpis(
        roster, coverage, rules, agents, grid.step,
        objective=objective, bound=bound, gap=gap, status=status, search_ended_by=ended_by,
        build_s=build_s, first_solution_s=first_s, first_objective=first_obj,
        search_objective=search_obj,
        solve_s=clock.elapsed(),
        variables=options,
        bound_short_agent_h=programme.short_agent_h if programme is not None else float("nan"),
        bound_at_work_agent_h=programme.at_work_agent_h if programme is not None else float("nan"),
        bound_s=programme.seconds if programme is not None else float("nan"),
        channel_block_cost_agent_h=channel_block_cost_agent_h(best),
        unreachable_agent_h=unreachable_agent_h(best),
        violations=len(violations),
        finish_s=time.perf_counter() - t_finish,
    )
    notes = notes + [f"rule violation: {v}" for v in violations[:20]]
    if earlier is None:
        notes += boundary_note(roster, week_start)
    if kpis.under_agent_intervals:
        notes.append(
            f"the agents cannot cover the requirement everywhere: {kpis.intervals_understaffed} channel-intervals are short "
            f"by {kpis.under_agent_h:,.1f} agent-hours in all (see coverage.csv)"
            + (f"; even the coverage programme's relaxation leaves {programme.short_agent_h:,.1f} agent-hours short"
               if programme is not None and np.isfinite(programme.short_agent_h) else "")
            + (f"; {kpis.unreachable_agent_h:,.1f} agent-hours are required where no agent with the skill can work at all "
               + ("(outside every start window; before the roster's first days only the previous roster's shifts work, and "
                  "these are what they leave short)" if earlier is not None else
                  "(outside every start window and every shift of the week before that reaches into the roster)")
               if kpis.unreachable_agent_h > 0 else "")
        )
    return RosterResult(roster, coverage, kpis, score.penalties, notes), violations


def _repaired(best: RosterState, bad: list, req, span, grid, agents, rules, time_off, config, week_start, weeks,
              **kw) -> RosterResult:
    """A roster the validator rejected (``bad``: its violations), repaired: each agent concerned gets its week again under the hard rules.

    The agent's shifts are taken out and rebuilt greedily (every shift the
    search adds keeps the hard rules; the weekly minimum first), then its
    channels re-chosen. A roster that still breaks a rule is never returned.

    Raises
    ------
    InputError
        Naming each agent, date and rule still broken.
    """
    by_id = {a.agent_id: i for i, a in enumerate(agents)}
    for aid in dict.fromkeys(v.agent_id for v in bad):
        if aid in by_id:
            clear(best, [by_id[aid]])
            best.rebuild(by_id[aid])
    # those the greedy leaves below their minimum: exactly, with a few seconds past the search's deadline if need be
    short = [a for a in range(len(agents)) if best.deficit(a)]
    _place_exactly(best, short, max(kw["clock"].deadline, time.perf_counter() + REPAIR_S))
    exact_channels(best)
    n_agents = len({v.agent_id for v in bad})
    kw["notes"] = [*kw["notes"], f"repaired {n_agents} agent(s) whose roster broke a hard rule ({'; '.join(str(v) for v in bad[:3])})"]
    result, still = _result(best, req, span, grid, agents, rules, time_off, config, week_start, weeks, **kw)
    if still:
        raise InputError([Problem("roster", f"agent {v.agent_id}{' ' + v.where if v.where else ''}: rule '{v.rule}': {v.message}; "
                                  "the solver could not repair it, so no roster was written") for v in still])
    return result


def _place_exactly(s: RosterState, who: list[int], deadline: float) -> list[int]:
    """Each agent of ``who`` gets its week under its hard rules (the weekly minimum one of them), solved exactly.

    Its shifts are valued against everyone else's (:func:`roster.rostering.model.build_placement`); one
    worker and a fixed deterministic time, within what is left before ``deadline``. Returns the agents
    it could not place (they get the greedy's week back).
    """
    still = []
    for a in who:
        left = deadline - time.perf_counter()
        clear(s, [a])
        m = agent_model.build_placement(s, a)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, left)
        solver.parameters.max_deterministic_time = SHORT_AGENT_DET_S
        solver.parameters.num_workers = 1
        if left > 0 and solver.Solve(m.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            agent_model.apply_placement(m, solver, s)
        else:
            s.rebuild(a)
            still.append(a)
    return still


def _place_short_agents(s: RosterState, agents, rules, time_off, week_start, weeks, span, deadline, earlier=None) -> None:
    """Agents the greedy left below their contract minimum: placed exactly, else the contradiction explained.

    Each agent's week is solved under its hard rules (the weekly minimum one of them), its shifts valued
    against everyone else's (:func:`roster.rostering.model.build_placement`), within what is left before
    ``deadline`` (``time.perf_counter()`` seconds) and a fixed deterministic time, so the placement is the
    same on any machine unless the deadline comes first. An agent it cannot place has its own rules
    solved alone to name the agent and rule.
    """
    short = [a for a in range(len(agents)) if s.deficit(a)]
    if not short:
        return
    short = fill_minimums(s)
    if not short:
        return
    still = _place_exactly(s, short, deadline)
    if not still:
        return
    short = still
    problems = explain_infeasible([agents[a] for a in short], rules, time_off, week_start, weeks, span, s.grid.step,
                                  earlier=earlier.shifts if earlier is not None else None, deadline=deadline)
    if problems:
        raise InputError(problems)
    # no contradiction found in time: the validator names the agents still short (nothing is written)


def _exact(s: RosterState, config: SolverConfig, until: float, budget: Budget) -> str:
    """Solve the whole agent-level model with CP-SAT from the roster in ``s``; keep the better one.

    With a work budget, CP-SAT gets ``effort`` x :data:`CP_SAT_DET_S_PER_EFFORT` of deterministic time
    and searches in interleaved mode, deterministic whatever the number of workers; the wall clock
    (``until``) bounds it either way. Records in ``budget`` what ended the search.
    """
    everyone = list(range(len(s.agents)))
    saved = snapshot(s)
    before = s.objective()
    clear(s, everyone)
    m = agent_model.build(s, everyone, set(range(s.days)))
    agent_model.hint(m, s, {a: {d: t for d, (t, _) in days.items()} for a, days in saved.items()},
                     {(a, d): chan for a, days in saved.items() for d, (_, chan) in days.items()})
    solver = cp_model.CpSolver()
    wall_s = max(0.01, until - time.perf_counter())
    solver.parameters.max_time_in_seconds = wall_s
    solver.parameters.num_workers = config.workers or 0
    solver.parameters.random_seed = config.seed
    if config.effort:
        solver.parameters.max_deterministic_time = config.effort * CP_SAT_DET_S_PER_EFFORT
        solver.parameters.interleave_search = True
    status = solver.Solve(m.model)
    if status == cp_model.OPTIMAL:
        budget.ended_by = CONVERGED
    elif solver.WallTime() >= 0.95 * wall_s or not config.effort:
        budget.ended_by = TIME
    else:
        budget.ended_by = WORK
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        agent_model.apply(m, solver, s)
        exact_channels(s)
        if s.objective() <= before + 1e-6:
            return solver.StatusName(status)
    restore(s, saved)
    exact_channels(s)
    return "HEURISTIC"
