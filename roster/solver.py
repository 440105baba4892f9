"""Weekly agent rosters: the search that turns staffing requirements into shifts.

How a roster is built (every step keeps every hard rule; see
:mod:`roster.heuristic` for the rules and the objective):

1. **Pools and templates** (:mod:`roster.pools`): agents alike in site,
   contract, start window and skills share their shift templates (local day,
   start, length, break placement) on the roster's UTC grid.
2. **Coverage programme** (:mod:`roster.bound`), in a background thread: the
   relaxed coverage model solved with HiGHS gives a lower bound on any
   roster's objective and a fractional plan of shifts per pool.
3. **First roster** (:func:`roster.heuristic.construct`): greedy, in seconds
   for hundreds of agents.
4. **Local search** (:func:`roster.heuristic.local_search`): single-shift
   moves and ruin-and-recreate of a few agents' weeks, while the programme
   solves; then again from the programme's plan placed on agents
   (:func:`roster.heuristic.from_counts`); the better roster stands.
5. **Exact CP-SAT** (:mod:`roster.model`): when the team is small enough,
   the whole agent-level model is solved by OR-Tools CP-SAT from the best
   roster found, to optimality where time allows.
6. **Channels** (:mod:`roster.channels`): each agent's channel per interval,
   exactly, switching only where coverage needs it.

Every roster is checked by :func:`roster.validation.validate_roster`, which
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
from pydantic import BaseModel, ConfigDict, Field

from forecast.errors import InputError, Problem
from forecast.timegrid import local_midnight
from roster import model as agent_model
from roster.bound import CoverageLP, solve_coverage_lp
from roster.coverage import coverage_from_roster
from roster.heuristic import RosterState, clear, construct, exact_channels, fill_minimums, from_counts, local_search, restore, snapshot
from roster.pools import make_grid, make_pools
from roster.schema import Agent, LabourRules, TimeOff

Progress = Callable[[str, float, float | None], None]
ROSTER_COLUMNS = ["agent_id", "site_tz", "local_date", "activity", "channel", "start_utc", "end_utc", "start_local", "end_local"]


class SolverConfig(BaseModel):
    """Solver settings and objective weights (objective units).

    A missing agent for one interval costs ``under_weight`` plus up to
    ``peak_weight`` at the channel's peak (scaled by requirement / peak):
    under-staffing comes first, and most where it hurts most customers. Paid
    time costs ``cost_weight`` per currency unit of the contract's hourly
    cost (24/h at weight 10: 60 per agent-quarter-hour, so an agent short
    for a quarter hour outweighs four paid hours). Soft rules come last.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_limit_s: float = Field(default=60.0, gt=0, description="wall-clock limit for the whole roster step, in seconds")
    workers: int = Field(default=0, ge=0, description="CP-SAT search threads; 0 = all cores")
    seed: int = Field(default=0, description="random seed of the search")
    under_weight: int = Field(default=1000, ge=0, description="cost of one missing agent for one interval")
    peak_weight: int = Field(default=1000, ge=0, description="extra cost of a missing agent at the channel's peak (scaled by requirement / peak)")
    cost_weight: int = Field(default=10, ge=0, description="objective units per currency unit of paid time")
    preference_weight: int = Field(default=300, ge=0, description="cost of working on a preferred day off")
    weekend_weight: int = Field(default=200, ge=0, description="fairness: cost of each weekend day an agent works beyond one a week")
    late_weight: int = Field(default=100, ge=0, description="fairness: cost of each late shift an agent works beyond two a week")
    late_start_h: float = Field(default=14.0, ge=0, lt=24, description="a shift starting at or after this local hour is a late shift")
    split_off_weight: int = Field(default=150, ge=0, description="cost of a week whose days off are all apart (two days off in a row preferred)")
    bound: bool = Field(default=True, description="solve the coverage programme (lower bound and a start for the search)")
    exact_max_options: int = Field(default=12_000, ge=0, description="solve the whole agent-level CP-SAT model when the team has at most this many shift options")


@dataclass
class RosterResult:
    """A roster and how good it is."""

    roster: pd.DataFrame
    coverage: pd.DataFrame
    kpis: dict
    penalties: pd.DataFrame
    bound: float
    gap: float
    status: str
    notes: list[str] = field(default_factory=list)


def default_week_start(first: pd.Timestamp, site_zones: list[str]) -> dt.date:
    """The first Monday whose local midnight, at every site, is at or after ``first`` (UTC)."""
    day = (first - pd.Timedelta(days=1)).date()
    while True:
        day += dt.timedelta(days=1)
        if day.weekday() == 0 and all(local_midnight(day, tz) >= first for tz in site_zones):
            return day


def roster_span(week_start: dt.date, weeks: int, site_zones: list[str]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC span covering ``weeks`` local weeks from ``week_start`` at every site."""
    end_day = week_start + dt.timedelta(days=7 * weeks)
    return min(local_midnight(week_start, tz) for tz in site_zones), max(local_midnight(end_day, tz) for tz in site_zones)


def _prepare(requirements: pd.DataFrame, agents: list[Agent], rules: LabourRules, week_start, weeks):
    if not agents:
        raise InputError.one("agents", "no agents to roster")
    req = requirements.copy()
    step = pd.Timedelta(minutes=rules.interval_min)
    u = np.sort(req["ds"].unique())
    req_step = pd.Timedelta(np.min(np.diff(u))) if len(u) > 1 else step
    if req_step < step or req_step % step:
        raise InputError.one(
            "requirements", f"the requirements' grid ({req_step.total_seconds() / 60:.0f} min) does not fit the roster grid of {rules.interval_min} min"
        )
    if req_step > step:  # repeat each coarse interval on the finer roster grid
        k = int(req_step / step)
        req = pd.concat([req.assign(ds=req["ds"] + i * step) for i in range(k)], ignore_index=True)
    site_zones = sorted({a.site_tz for a in agents})
    week_start = week_start or default_week_start(req["ds"].min(), site_zones)
    span = roster_span(week_start, weeks, site_zones)
    if req["ds"].min() > span[0] or req["ds"].max() + step < span[1]:
        raise InputError.one(
            "requirements",
            f"the requirements ({req['ds'].min():%Y-%m-%d %H:%M}Z to {req['ds'].max() + step:%Y-%m-%d %H:%M}Z) do not cover the "
            f"roster weeks from {week_start} ({span[0]:%Y-%m-%d %H:%M}Z to {span[1]:%Y-%m-%d %H:%M}Z)",
        )
    return req, step, week_start, span


def solve_roster(
    requirements: pd.DataFrame,
    agents: list[Agent],
    rules: LabourRules,
    time_off: list[TimeOff] | tuple = (),
    *,
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
    req, step, week_start, span = _prepare(requirements, agents, rules, week_start, weeks)
    notes: list[str] = []

    last_report = [0.0]

    def report(task: str, force: bool = True) -> None:
        now = time.perf_counter()
        if progress and (force or now - last_report[0] >= 0.5):
            last_report[0] = now
            progress(task, min(now - t_start, config.time_limit_s), config.time_limit_s)

    grid = make_grid(req, span, step, config.under_weight, config.peak_weight)
    pools = make_pools(agents, rules, time_off, week_start, 7 * weeks, span, grid, config.cost_weight, config.late_start_h)
    new_state = lambda: RosterState(pools, agents, rules, grid, config, weeks, week_start)  # noqa: E731
    build_s = time.perf_counter() - t_start
    report("roster: shift templates built")

    lp: dict[str, CoverageLP] = {}
    thread = None
    if config.bound:
        def _solve() -> None:
            lp["result"] = solve_coverage_lp(pools, agents, rules, grid, weeks, time_limit_s=max(1.0, 0.85 * (deadline - time.perf_counter())))

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
    # every step above ends with exact_channels, which stores roster.channels.assign_channels(best) for the final shifts
    chans = {(a, d): st.chan[d][1] for a, st in enumerate(best.state) for d in st.shifts}
    roster = roster_frame(best, chans, agents)
    grid_req = req[(req["ds"] >= span[0]) & (req["ds"] < span[1])][["ds", "channel", "agents_required"]]
    coverage = coverage_from_roster(roster, grid_req, rules.interval_min)

    from roster.validation import score_roster, validate_roster

    violations = validate_roster(roster, agents, rules, time_off, week_start=week_start, weeks=weeks)
    score = score_roster(roster, grid_req, agents, rules, config, week_start=week_start, weeks=weeks)
    objective = score.objective
    bound = programme.objective if programme is not None and np.isfinite(programme.objective) else float("nan")
    if programme is not None and programme.status != "optimal":
        notes.append(f"the coverage programme was not solved within the time limit ({programme.status}), so there is no lower bound; raise --time-limit")
    gap = (objective - bound) / max(abs(objective), 1.0) if np.isfinite(bound) else float("nan")
    kpis = _kpis(roster, coverage, rules, agents, step)
    kpis.update({
        "objective": objective, "bound": bound, "gap": gap, "status": status,
        "build_s": build_s, "first_solution_s": first_s, "first_objective": first_obj,
        "search_objective": search_obj,
        "solve_s": time.perf_counter() - t_start,
        "variables": options,
        "bound_short_agent_h": programme.short_agent_h if programme is not None else float("nan"),
        "bound_at_work_agent_h": programme.at_work_agent_h if programme is not None else float("nan"),
        "bound_s": programme.seconds if programme is not None else float("nan"),
        "channel_switches": int(sum(int((np.diff(c) != 0).sum()) for c in chans.values())),
        "unreachable_agent_h": _unreachable_agent_h(best),
        "violations": len(violations),
        "finish_s": time.perf_counter() - t_finish,
    })
    notes += [f"rule violation: {v}" for v in violations[:20]]
    if kpis["under_agent_intervals"]:
        notes.append(
            f"the agents cannot cover the requirement everywhere: {kpis['intervals_understaffed']} channel-intervals are short "
            f"by {kpis['under_agent_h']:,.1f} agent-hours in all (see coverage.csv)"
            + (f"; even the coverage programme's relaxation leaves {programme.short_agent_h:,.1f} agent-hours short"
               if programme is not None and np.isfinite(programme.short_agent_h) else "")
            + (f"; {kpis['unreachable_agent_h']:,.1f} agent-hours are required where no agent with the skill can work at all "
               "(outside every start window, or before a site's roster week begins: the previous week's roster covers those)"
               if kpis["unreachable_agent_h"] > 0 else "")
        )
    report("roster: done")
    return RosterResult(roster, coverage, kpis, score.penalties, bound, gap, status, notes)


def _unreachable_agent_h(s: RosterState) -> float:
    """Agent-hours required where no agent with the channel's skill has any shift that keeps it at work."""
    from roster.heuristic import reach

    can = reach(s)
    skill = np.zeros((len(s.agents), s.req.shape[0]), dtype=bool)
    for a, st in enumerate(s.state):
        skill[a, s.skill_idx[st.pool]] = True
    reachable = (skill.T.astype(np.int64) @ can.astype(np.int64)) > 0
    return float(s.req[~reachable].sum() * (s.grid.step / pd.Timedelta(hours=1)))


def _place_short_agents(s: RosterState, agents, rules, time_off, week_start, weeks, span, deadline) -> None:
    """Agents the greedy left below their contract minimum: explain a contradiction, or place them exactly."""
    short = [a for a in range(len(agents)) if s.deficit(a)]
    if not short:
        return
    short = fill_minimums(s)
    if not short:
        return
    problems = explain_infeasible([agents[a] for a in short], rules, time_off, week_start, weeks, span)
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


def roster_frame(s: RosterState, chans: dict[tuple[int, int], np.ndarray], agents: list[Agent]) -> pd.DataFrame:
    """The roster as one row per activity.

    A shift is written as consecutive ``shift`` rows, one per stretch on one
    channel, that together span it (``shift_id`` groups them); each pause is
    a ``break`` or ``lunch`` row inside the stretch it interrupts, with that
    stretch's channel. ``paid_h`` is each row's paid time.
    """
    rows = []
    for a, st in enumerate(s.state):
        agent = agents[a]
        p = s.pools[st.pool]
        for d, t in sorted(st.shifts.items()):
            tpl = p.templates[t]
            idx = p.work[t]
            chan = chans.get((a, d), np.full(len(idx), -1))
            starts = s.grid.t0 + idx * s.grid.step
            # channel changes happen at the start of a work interval; the shift's first stretch starts at its start
            cuts = [tpl.start]
            names = []
            current = None
            for ts, c in zip(starts, chan):
                name = s.grid.channels[c] if c >= 0 else (p.skills[0] if p.skills else "")
                if current is None:
                    current = name
                elif name != current:
                    cuts.append(ts)
                    names.append(current)
                    current = name
            names.append(current if current is not None else (p.skills[0] if p.skills else ""))
            cuts.append(tpl.end)
            shift_id = f"{agent.agent_id}-{tpl.local_date.isoformat()}"
            base = {"agent_id": agent.agent_id, "site_tz": agent.site_tz, "local_date": tpl.local_date.isoformat(), "shift_id": shift_id}
            for (a0, b0), name in zip(zip(cuts, cuts[1:]), names):
                unpaid = sum(((min(q.end, b0) - max(q.start, a0)).total_seconds() / 3600 for q in tpl.pauses
                              if q.kind == "lunch" and not s.rules.breaks.lunch_paid and q.start < b0 and q.end > a0))
                rows.append({**base, "activity": "shift", "channel": name, "start_utc": a0, "end_utc": b0,
                             "paid_h": (b0 - a0).total_seconds() / 3600 - unpaid})
            for q in tpl.pauses:
                k = max(j for j in range(len(cuts) - 1) if cuts[j] <= q.start)
                rows.append({**base, "activity": q.kind, "channel": names[k], "start_utc": q.start, "end_utc": q.end, "paid_h": np.nan})
    cols = ROSTER_COLUMNS + ["paid_h", "shift_id"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    df["start_local"] = [ts.tz_convert(tz).isoformat() for ts, tz in zip(df["start_utc"], df["site_tz"])]
    df["end_local"] = [ts.tz_convert(tz).isoformat() for ts, tz in zip(df["end_utc"], df["site_tz"])]
    order = {"shift": 0, "break": 1, "lunch": 1}
    df = df.assign(_o=df["activity"].map(order)).sort_values(["agent_id", "start_utc", "_o"]).drop(columns="_o")
    return df[cols].reset_index(drop=True)


def _kpis(roster: pd.DataFrame, coverage: pd.DataFrame, rules: LabourRules, agents: list[Agent], step: pd.Timedelta) -> dict:
    h = step.total_seconds() / 3600
    shifts = roster[roster["activity"] == "shift"]
    short = (coverage["required"] - coverage["scheduled"]).clip(lower=0)
    over = (coverage["scheduled"] - coverage["required"]).clip(lower=0)
    cost_of = {a.agent_id: rules.contracts[a.contract].hourly_cost for a in agents}
    return {
        "paid_h": float(shifts["paid_h"].sum()),
        "cost": float((shifts["paid_h"] * shifts["agent_id"].map(cost_of)).sum()),
        "shifts": int(shifts["shift_id"].nunique()) if "shift_id" in shifts else int(len(shifts)),
        "agents_rostered": int(shifts["agent_id"].nunique()),
        "required_agent_h": float(coverage["required"].sum() * h),
        "scheduled_agent_h": float(coverage["scheduled"].sum() * h),
        "under_agent_intervals": int(short.sum()),
        "under_agent_h": float(short.sum() * h),
        "over_agent_h": float(over.sum() * h),
        "intervals_understaffed": int((short > 0).sum()),
    }


def explain_infeasible(agents, rules, time_off, week_start, weeks, span) -> list:
    """Which agents' own hard rules contradict each other: each agent's rules solved alone (CP-SAT).

    Returns one problem per agent whose contract minimum cannot be reached
    within its days, shift lengths, rest, consecutive-day rule and
    availability, naming the agent and the rule (empty if every agent's
    rules allow its minimum).
    """
    problems = []
    for agent in agents:
        contract = rules.contracts[agent.contract]
        limit = min(contract.max_days_per_week, rules.max_days_per_week, 7 - rules.min_days_off_per_week)
        req = pd.DataFrame({"ds": [span[0]], "channel": [agent.skills[0]], "agents_required": [0]})
        step = pd.Timedelta(minutes=rules.interval_min)
        grid = make_grid(req, span, step, 0, 0)
        pools = make_pools([agent], rules, time_off, week_start, 7 * weeks, span, grid, 0, 24.0 - 1e-9)
        s = RosterState(pools, [agent], rules, grid, SolverConfig(), weeks, week_start)
        m = agent_model.build(s, [0], set(range(7 * weeks)))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = 5.0
        solver.parameters.num_workers = 1
        if solver.Solve(m.model) != cp_model.INFEASIBLE:
            continue
        temps = pools[0].templates
        allowed = pools[0].allowed[0]
        # the minimum as enforced (s.min_q: prorated by the days available, in quarter hours); the first week that
        # days, shift lengths and availability alone cannot reach, else week 1 (rest or consecutive days are to blame)
        why = None
        for w in range(weeks):
            need = s.min_q[0, w] / 4
            longest: dict[int, float] = {}  # available day -> its longest paid shift
            for t, ok in zip(temps, allowed):
                if ok and 7 * w <= t.day_index < 7 * w + 7:
                    longest[t.day_index] = max(longest.get(t.day_index, 0.0), t.paid_h)
            best = sum(sorted(longest.values(), reverse=True)[:limit])
            if best + 1e-9 < need:
                why = (f"at most {limit} days a week, shifts of {contract.shift_lengths_h} h and the agent's availability "
                       f"allow at most {best:.1f} paid hours" + (f" in week {w + 1}" if weeks > 1 else ""))
                break
        if why is None:
            need = s.min_q[0, 0] / 4
            why = (f"with min_rest_h = {rules.min_rest_h:g}, max_consecutive_days = {rules.max_consecutive_days}, at most {limit} days a week "
                   f"and shifts of {contract.shift_lengths_h} h it cannot be reached")
        problems.append(Problem("rules", f"agent {agent.agent_id}: contract '{agent.contract}' needs at least {need:.1f} paid hours a week; {why}"))
    return problems
