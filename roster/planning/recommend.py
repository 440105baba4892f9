"""Close the gap: the cheapest additions to a team that remove a roster's shortfall.

After a roster, the planner asks what to add to cover the week. The coverage
programme (:func:`roster.rostering.bound.solve_coverage_lp`) is solved again
with the possible additions as variables (:class:`roster.rostering.bound.Addition`),
each a pool of shift templates whose number of agents the programme chooses:

* **overtime**: existing agents of a pool on their contract's overtime version
  (``<contract>_overtime``, :meth:`roster.schema.LabourRules.with_additions`):
  up to ``overtime.max_week_h`` more paid hours a week and shifts up to
  ``overtime.max_day_h`` longer, the hours past the contract's maximum paid
  ``overtime.rate`` times its hourly cost;
* **extra day**: existing agents of a pool on their contract's extra-day version
  (``<contract>_extra_day``): up to ``overtime.max_extra_days`` days off a week
  worked, past the weekly day limits but within rest, ``max_consecutive_days``
  and ``overtime.max_week_h`` more paid hours; the week's overtime is the larger
  of the hours past the contract's ``max_week_h`` and the paid hours of the
  shifts past its days a week, paid ``overtime.rate`` times its hourly cost;
* **cross-training**: existing agents of a pool trained on one more channel
  (``additions.training_cost`` each);
* **temps**: temporary or flex agents by site, channel and start window
  (``[temps]``: their hourly cost and week);
* **hires**: new agents by contract, site and skill set (the team's own skill sets).

The programme minimises the roster objective's own units (paid time at each
contract's cost plus the cost of every agent-interval left short), so an
addition is taken where the cover it brings is worth its cost. Its counts are
rounded to whole agents; each rounded recommendation is then applied to the
team in turn (new agents' rows, existing agents' rows changed) and the programme
solved again on the real team, which gives the shortfall each removes and the
coverage after it; the expected service level per channel after each one is
simulated (:func:`roster.staffing.simulate.simulate_roster`) on the roster's
coverage plus the cover it adds. :func:`verify_gap` re-rosters with the
recommended agents and reports what the roster actually reaches.

Figures are agent-hours on channels over the roster's weeks; costs are in the
rules' currency for the roster's weeks (a hire's or temp's paid hours at its
rate, overtime at the overtime rate, a training once).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.timegrid import TimeGrid
from roster.io import agents_file_frame
from roster.roster_io import PreviousRoster
from roster.rostering.bound import Addition, CoverageLP, solve_coverage_lp
from roster.rostering.config import SolverConfig
from roster.rostering.continuity import earlier_shifts, roster_pools
from roster.rostering.instance import Demand, Pool, make_demand, make_pools
from roster.rostering.search import _on_roster_grid, _prepare
from roster.rostering.solution import RosterResult
from roster.rostering.rules.weekly import max_days_per_week
from roster.schema import EXTRA_DAY_SUFFIX, OVERTIME_SUFFIX, TEMP_CONTRACT, Agent, LabourRules, Targets, TimeOff

#: local start windows (site time) temporary agents are offered in
TEMP_WINDOWS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(6, 0), dt.time(9, 30)), (dt.time(10, 0), dt.time(13, 30)), (dt.time(14, 0), dt.time(17, 30)),
    (dt.time(18, 0), dt.time(21, 30)))
#: an addition the programme takes at least this share of an agent for becomes one whole agent
ROUND_UP_FROM = 0.25
#: a rounded recommendation that removes less shortfall than this (agent-hours) is left out
MIN_REMOVED_AGENT_H = 0.25
#: agents trained on another channel come from pools of at least this many (a pool of one is an agent's own week)
CROSS_TRAINING_MIN_AGENTS = 2
#: channels agents are offered training on: the ones shortest in the coverage programme, at most this many
CROSS_TRAINING_CHANNELS = 2
#: the programme with the additions as choices is the big one: it may take this many times ``time_limit_s``
ADDITIONS_TIME_FACTOR = 4
#: kinds of recommendation, in the order they are offered when they remove the same
KINDS = ("overtime", "extra_day", "cross_training", "temp", "hire")
#: kinds whose agents are existing ones on an overtime contract, and the suffix of that contract
OVERTIME_KINDS = {"overtime": OVERTIME_SUFFIX, "extra_day": EXTRA_DAY_SUFFIX}


def base_contract(name: str) -> str:
    """The contract an overtime or extra-day contract is made from (``full_time_extra_day`` -> ``full_time``)."""
    for suffix in (OVERTIME_SUFFIX, EXTRA_DAY_SUFFIX):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


@dataclass(frozen=True)
class Option:
    """One addition the programme may choose: its kind, its representative agent and where its agents come from."""

    kind: str
    agent: Agent  # the representative: a new agent's row, or an existing agent's row as it would become
    source: int | None  # the existing pool the agents come from (overtime, cross-training), None for new agents
    most: int
    what: str  # for people: "2 Charlotte full_time agents on overtime"
    channel: str = ""  # the channel trained on (cross-training)


@dataclass
class Recommendation:
    """One recommended addition, and what it does after the ones before it.

    ``short_after_agent_h`` is the roster's shortfall predicted after this and every recommendation before
    it; ``sl_after`` the expected (simulated) service level per channel then (empty without targets).
    """

    rank: int
    kind: str
    what: str
    agents: int
    rows: list[Agent]  # agents.csv rows to add (new agents) or to replace (existing agents, same agent_id)
    removed_agent_h: float
    cost: float  # currency of the rules, over the roster's weeks
    paid_h: float
    overtime_h: float
    short_after_agent_h: float
    sl_after: dict[str, float] = field(default_factory=dict)


@dataclass
class GapPlan:
    """The recommendations that close a roster's gap, and the figures they are predicted to reach.

    ``short_agent_h`` is the roster's shortfall, ``floor_agent_h`` the coverage programme's (what no roster of
    the team can go below, without the week patterns) before any addition, ``floor_after_agent_h`` after them.
    ``sl_before`` is the simulated service level per channel of the roster as it is.
    """

    recommendations: list[Recommendation]
    short_agent_h: float
    floor_agent_h: float
    floor_after_agent_h: float
    sl_before: dict[str, float]
    currency: str | None
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def predicted_short_agent_h(self) -> float:
        return self.recommendations[-1].short_after_agent_h if self.recommendations else self.short_agent_h

    @property
    def predicted_sl(self) -> dict[str, float]:
        return dict(self.recommendations[-1].sl_after) if self.recommendations else dict(self.sl_before)

    @property
    def cost(self) -> float:
        return float(sum(r.cost for r in self.recommendations))

    def agent_rows(self, accepted: list[int] | None = None) -> list[Agent]:
        """The agents.csv rows of the recommendations ranked in ``accepted`` (all: None), in rank order."""
        keep = None if accepted is None else set(accepted)
        return [a for r in self.recommendations if keep is None or r.rank in keep for a in r.rows]

    def frame(self) -> pd.DataFrame:
        """recommendations.csv: one row per recommendation (:data:`forecast.tables.RECOMMENDATIONS`)."""
        rows = []
        for r in self.recommendations:
            row = {"rank": r.rank, "kind": r.kind, "recommendation": r.what, "agents": r.agents,
                   "agent_ids": "|".join(a.agent_id for a in r.rows), "removed_agent_h": round(r.removed_agent_h, 2),
                   "cost": round(r.cost, 2), "currency": self.currency or "", "paid_h": round(r.paid_h, 2),
                   "overtime_h": round(r.overtime_h, 2), "short_after_agent_h": round(r.short_after_agent_h, 2),
                   "expected_sl_after": "|".join(f"{c}={v:.4f}" for c, v in sorted(r.sl_after.items()))}
            rows.append(row)
        from forecast.tables import RECOMMENDATIONS
        return pd.DataFrame(rows, columns=list(RECOMMENDATIONS.names))

    def agents_frame(self, accepted: list[int] | None = None) -> pd.DataFrame:
        """recommended_agents.csv: the rows to add, in agents.csv's format."""
        return agents_file_frame(self.agent_rows(accepted))


@dataclass
class _Setup:
    """The roster's programme: its demand, pools and calendar, as the search builds them."""

    rules: LabourRules
    demand: Demand
    span: tuple[pd.Timestamp, pd.Timestamp]
    cal: object
    weeks: int
    config: SolverConfig
    plan_grid: TimeGrid
    roster_grid: TimeGrid
    time_off: list
    previous: PreviousRoster | None
    week_start: dt.date

    def pools(self, agents: list[Agent]) -> list[Pool]:
        """The team's pools, one break placement per shift (:func:`_thin`)."""
        earlier = earlier_shifts(self.previous, agents, self.week_start) if self.previous is not None else None
        pools, _ = roster_pools(agents, self.rules, self.time_off, self.week_start, self.weeks, self.span, self.demand,
                                self.config.cost_weight, self.config.late_start_h, earlier)
        return [_thin(p) for p in pools]

    def floor(self, agents: list[Agent], time_limit_s: float) -> CoverageLP:
        return self.solve(agents, time_limit_s)[0]

    def solve(self, agents: list[Agent], time_limit_s: float) -> tuple[CoverageLP, list[Pool]]:
        """The team's programme (without week patterns) and its pools."""
        pools = self.pools(agents)
        return solve_coverage_lp(pools, agents, self.rules, self.demand, self.cal.weeks, time_limit_s=time_limit_s,
                                 patterns=False), pools

    def overtime_h(self, lp: CoverageLP, pools: list[Pool], agents: list[Agent]) -> float:
        """Overtime hours the programme's plan asks of the team's agents on overtime and extra-day contracts.

        Per pool on ``<contract>_overtime`` and week: paid hours past its agents' base ``max_week_h``, plus per
        shift the paid time past the base contract's longest shift (the larger of the two counts). Per pool on
        ``<contract>_extra_day`` and week: the paid hours past the base ``max_week_h``, or the paid hours of the
        shifts past the base days a week (at the week's mean paid hours a shift), the larger.
        """
        if lp.counts is None:
            return 0.0
        total = 0.0
        for p, x in zip(pools, lp.counts):
            extra_day = p.contract.endswith(EXTRA_DAY_SUFFIX)
            if not (p.contract.endswith(OVERTIME_SUFFIX) or extra_day) or not len(p.templates):
                continue
            base = self.rules.contracts[base_contract(p.contract)]
            lengths = np.array([t.length_h for t in p.templates])
            in_base = np.isin(lengths, base.shift_lengths_h)
            longest = int(p.paid_min[in_base].max()) if in_base.any() else int(p.paid_min.max())
            days = max_days_per_week(base, self.rules)
            for w in range(self.cal.first_day // 7, self.cal.weeks):
                on = (p.day // 7) == w
                paid = float(x[on] @ p.paid_min[on])
                weekly = max(paid - len(p.agents) * base.max_week_h * 60, 0.0)
                if extra_day:
                    shifts = float(x[on].sum())
                    daily = max(shifts - len(p.agents) * days, 0.0) * (paid / shifts if shifts > 0 else 0.0)
                else:
                    daily = float(x[on] @ np.maximum(p.paid_min[on] - longest, 0))
                total += max(weekly, daily) / 60.0
        return total


def _setup(requirements, agents, rules, time_off, grid, week_start, weeks, config, previous) -> _Setup:
    rules = rules.with_additions()
    rules.check_grid(grid.interval_min)
    req, week_start, span = _prepare(requirements, agents, grid, week_start, weeks)
    roster_grid = grid.refine(rules.roster_interval_min(grid.interval_min))
    req = _on_roster_grid(req, grid, roster_grid)
    earlier = earlier_shifts(previous, agents, week_start) if previous is not None else None
    fixed = earlier.reaching(span) if earlier is not None else None
    demand = make_demand(req, span, roster_grid.step, config.under_weight, config.peak_weight, fixed=fixed)
    _, cal = roster_pools(agents, rules, time_off, week_start, weeks, span, demand, config.cost_weight, config.late_start_h, earlier)
    return _Setup(rules, demand, span, cal, weeks, config, grid, roster_grid, list(time_off), previous, week_start)


def _thin(p: Pool) -> Pool:
    """A pool with one break placement per shift: a third of the columns, so the programme solves in seconds.

    Every shift is still offered; only the staggering of a team's breaks is left out, so the programme's
    shortfall is a little above the roster search's own programme (the same for the team with and
    without an addition: what an addition removes is measured on the same programme).
    """
    keep = np.array([t.stagger == 0 for t in p.templates], dtype=bool)
    idx = np.flatnonzero(keep)
    p.templates = [p.templates[i] for i in idx]
    p.work = [p.work[i] for i in idx]
    p.cover = p.cover[idx]
    for name in ("day", "start_ns", "end_ns", "paid_min", "cost", "late", "weekend"):
        setattr(p, name, getattr(p, name)[idx])
    p.allowed = p.allowed[:, idx]
    return p


def _options(agents: list[Agent], pools: list[Pool], rules: LabourRules, short_by_channel: dict[str, float]) -> list[Option]:
    """Every addition offered: overtime and cross-training per existing pool, temps and hires per site."""
    short_channels = sorted((c for c, v in short_by_channel.items() if v > 1e-6), key=lambda c: -short_by_channel[c])
    out: list[Option] = []
    ot = rules.overtime
    for p in pools:
        if not p.agents:
            continue
        a = agents[p.agents[0]]
        n = len(p.agents)
        if (ot.max_week_h > 0 or ot.max_day_h > 0) and not a.contract.endswith(OVERTIME_SUFFIX) \
                and a.contract + OVERTIME_SUFFIX in rules.contracts:
            out.append(Option("overtime", a.model_copy(update={"contract": a.contract + OVERTIME_SUFFIX}), p.index, n,
                              f"{a.site} {a.contract} agents ({'|'.join(p.skills)}) on overtime"))
        if ot.max_extra_days > 0 and not a.contract.endswith((OVERTIME_SUFFIX, EXTRA_DAY_SUFFIX)) \
                and a.contract + EXTRA_DAY_SUFFIX in rules.contracts:
            out.append(Option("extra_day", a.model_copy(update={"contract": a.contract + EXTRA_DAY_SUFFIX}), p.index, n,
                              f"{a.site} {a.contract} agents ({'|'.join(p.skills)}) working an extra day"))
        if rules.additions.cross_training and n >= CROSS_TRAINING_MIN_AGENTS:
            for c in short_channels[:CROSS_TRAINING_CHANNELS]:
                if c not in a.skills:
                    out.append(Option("cross_training", a.model_copy(update={"skills": tuple(a.skills) + (c,)}), p.index, n,
                                      f"train {a.site} {a.contract} agents ({'|'.join(p.skills)}) on {c}", channel=c))
    sites = sorted({(a.site, a.site_tz) for a in agents})
    temps = rules.temps
    if temps.max_per_option > 0:
        for site, tz in sites:
            for c in short_channels:
                for lo, hi in TEMP_WINDOWS:
                    rep = Agent(agent_id="TEMP", site=site, site_tz=tz, contract=TEMP_CONTRACT, skills=(c,), earliest_start=lo, latest_start=hi)
                    out.append(Option("temp", rep, None, temps.max_per_option,
                                      f"temporary {site} agents on {c} starting {lo:%H:%M}-{hi:%H:%M}"))
    if rules.additions.max_hires_per_option > 0:
        skill_sets = sorted({tuple(a.skills) for a in agents if any(c in a.skills for c in short_channels)})
        contracts = sorted({a.contract for a in agents if not a.contract.endswith(OVERTIME_SUFFIX) and a.contract != TEMP_CONTRACT})
        for site, tz in sites:
            for contract in contracts:
                for skills in skill_sets:
                    rep = Agent(agent_id="HIRE", site=site, site_tz=tz, contract=contract, skills=skills)
                    out.append(Option("hire", rep, None, rules.additions.max_hires_per_option,
                                      f"new {site} {contract} agents on {'|'.join(skills)}"))
    return out


@dataclass(frozen=True)
class _Chosen:
    """An option the programme took, in whole agents: their cost, paid and overtime hours and cover (agent-hours)."""

    option: Option
    count: int
    cost: float
    paid_h: float
    overtime_h: float
    at_work_h: float


def _group_key(o: Option) -> tuple:
    """Options recommended together: overtime and training by site and contract (and channel), temps by site and
    channel, hires by site, contract and skills."""
    base = base_contract(o.agent.contract)
    if o.kind == "temp":
        return (o.kind, o.agent.site, o.agent.skills)
    if o.kind == "hire":
        return (o.kind, o.agent.site, base, o.agent.skills)
    return (o.kind, o.agent.site, base, o.channel)


def _describe(group: list[_Chosen], n: int) -> str:
    """A recommendation for people, e.g. ``overtime for 13 Charlotte full_time agents``."""
    o = group[0].option
    base = base_contract(o.agent.contract)
    if o.kind == "overtime":
        return f"overtime for {n} {o.agent.site} {base} agent(s)"
    if o.kind == "extra_day":
        return f"an extra day (a day off worked as overtime) for {n} {o.agent.site} {base} agent(s)"
    if o.kind == "cross_training":
        return f"train {n} {o.agent.site} {base} agent(s) on {o.channel}"
    if o.kind == "temp":
        windows = ", ".join(f"{c.count} starting {c.option.agent.earliest_start:%H:%M}-{c.option.agent.latest_start:%H:%M}"
                            for c in group)
        return f"{n} temporary {o.agent.site} agent(s) on {'|'.join(o.agent.skills)} ({windows})"
    return f"hire {n} {o.agent.site} {base} agent(s) on {'|'.join(o.agent.skills)}"


def _short_frame(lp: CoverageLP, s: _Setup) -> pd.DataFrame:
    """The programme's shortfall per channel and interval, on the plan's grid (agents short on average)."""
    d = s.demand
    rows = []
    for ci, c in enumerate(d.channels):
        ds = d.t0 + np.arange(d.n) * d.step
        rows.append(pd.DataFrame({"ds": ds, "channel": c, "short": lp.short[ci]}))
    df = pd.concat(rows, ignore_index=True)
    df["ds"] = df["ds"].dt.floor(s.plan_grid.step)
    return df.groupby(["ds", "channel"], as_index=False)["short"].mean()


def _predicted_coverage(coverage: pd.DataFrame, short0: pd.DataFrame, short1: pd.DataFrame) -> pd.DataFrame:
    """The roster's coverage plus the cover the programme gains between two of its shortfalls, per channel and interval."""
    gain = short0.merge(short1, on=["ds", "channel"], suffixes=("_0", "_1"))
    gain["gain"] = (gain["short_0"] - gain["short_1"]).clip(lower=0)
    out = coverage.merge(gain[["ds", "channel", "gain"]], on=["ds", "channel"], how="left")
    out["scheduled"] = out["scheduled"] + out["gain"].fillna(0.0)
    return out.drop(columns="gain")


def expected_sl(requirements: pd.DataFrame, coverage: pd.DataFrame, targets: Targets | None, grid: TimeGrid, *,
                seed: int = 0, runs: int = 20) -> dict[str, float]:
    """Simulated service level per channel of ``coverage`` against the requirements' demand (empty without targets or volume)."""
    if targets is None or "volume" not in requirements.columns or "aht_s" not in requirements.columns:
        return {}
    from roster.staffing.simulate import simulate_roster, simulation_summary

    req = requirements[requirements["channel"].isin(targets.channels)]
    cov = coverage[coverage["channel"].isin(targets.channels)]
    if not len(req) or not len(cov):
        return {}
    sim = simulate_roster(req, cov, targets, grid=grid, seed=seed, runs=runs)
    return {r.channel: float(r.service_level) for r in simulation_summary(sim).itertuples(index=False)}


def _new_id(prefix: str, taken: set[str]) -> str:
    k = 1
    while f"{prefix}-{k:03d}" in taken:
        k += 1
    taken.add(f"{prefix}-{k:03d}")
    return f"{prefix}-{k:03d}"


def _realise(opt: Option, count: int, team: list[Agent], pools: list[Pool], agents: list[Agent], taken: set[str],
             moved: set[str]) -> list[Agent]:
    """The agents.csv rows of ``count`` agents of an option: new rows, or existing agents' rows changed."""
    if opt.source is None:
        prefix = "TEMP" if opt.kind == "temp" else "HIRE"
        label = "Temporary agent" if opt.kind == "temp" else "New hire"
        return [opt.agent.model_copy(update={"agent_id": (i := _new_id(prefix, taken)), "name": f"{label} {i}"})
                for _ in range(count)]
    current = {a.agent_id: a for a in team}
    rows = []
    for ai in pools[opt.source].agents:
        a = current[agents[ai].agent_id]
        if a.agent_id in moved:
            continue
        if opt.kind in OVERTIME_KINDS:
            rows.append(a.model_copy(update={"contract": a.contract + OVERTIME_KINDS[opt.kind]}))
        else:
            rows.append(a.model_copy(update={"skills": tuple(a.skills) + (opt.channel,)}))
        if len(rows) == count:
            break
    moved.update(r.agent_id for r in rows)
    return rows


def _apply(team: list[Agent], rows: list[Agent]) -> list[Agent]:
    """The team with ``rows`` in it: an existing agent_id's row replaced, a new one appended."""
    by_id = {r.agent_id: r for r in rows}
    out = [by_id.pop(a.agent_id, a) for a in team]
    return out + list(by_id.values())


def apply_agents(agents: list[Agent], rows: list[Agent]) -> list[Agent]:
    """``agents`` with recommended rows: a row whose ``agent_id`` is in the team replaces that agent, the others are added."""
    return _apply(agents, rows)


def recommend_additions(
    requirements: pd.DataFrame,
    roster: RosterResult,
    agents: list[Agent],
    rules: LabourRules,
    time_off: list[TimeOff] | tuple = (),
    *,
    grid: TimeGrid,
    targets: Targets | None = None,
    week_start: dt.date | None = None,
    weeks: int = 1,
    config: SolverConfig | None = None,
    previous: PreviousRoster | None = None,
    time_limit_s: float = 120.0,
    seed: int = 0,
    runs: int = 20,
) -> GapPlan:
    """The cheapest additions that remove ``roster``'s shortfall, each with what it removes, costs and leaves.

    Parameters
    ----------
    requirements : DataFrame
        The roster's requirements (``ds`` UTC, ``channel``, ``agents_required``; ``volume`` and ``aht_s`` for
        the service level), on ``grid``.
    roster : RosterResult
        The roster the gap is measured on (its coverage and shortfall).
    agents, rules, time_off
        The team and rules the roster was built with.
    targets : Targets, optional
        For the expected service level per channel (none without).
    week_start, weeks, config, previous
        As the roster was built (:func:`roster.rostering.search.solve_roster`).
    time_limit_s : float
        Seconds each programme on the team may take (the one with the additions: :data:`ADDITIONS_TIME_FACTOR` times as many).
    seed, runs : int
        The simulation's seed and runs for the expected service level.
    """
    t0 = time.perf_counter()
    config = config or SolverConfig()
    s = _setup(requirements, agents, rules, time_off, grid, week_start, weeks, config, previous)
    h = s.demand.step / pd.Timedelta(hours=1)
    short = roster.kpis.under_agent_h
    sl0 = expected_sl(requirements, roster.coverage, targets, grid, seed=seed, runs=runs)
    base, base_pools = s.solve(agents, time_limit_s)
    notes: list[str] = []
    if base.short is None:
        return GapPlan([], short, float("nan"), float("nan"), sl0, rules.currency, time.perf_counter() - t0,
                       ["the coverage programme was not solved within the time limit; no recommendations"])
    if short <= 1e-6 and base.short_agent_h <= 1e-6:
        return GapPlan([], short, base.short_agent_h, base.short_agent_h, sl0, rules.currency, time.perf_counter() - t0)
    pools = s.pools(agents)
    short_by_channel = {c: float(base.short[ci].sum() * h) for ci, c in enumerate(s.demand.channels)}
    # the channels the roster leaves short count too (the search's own gap)
    roster_short = (roster.coverage["required"] - roster.coverage["scheduled"]).clip(lower=0)
    for c, v in roster_short.groupby(roster.coverage["channel"]).sum().items():
        short_by_channel[c] = short_by_channel.get(c, 0.0) + float(v)
    options = _options(agents, pools, s.rules, short_by_channel)
    # --- the programme with the additions as variables
    all_agents = list(agents)
    add_pools, additions, daily_ot = [], [], []
    rules_ = s.rules
    cw = config.cost_weight
    for opt in options:
        rep_index = len(all_agents)
        all_agents.append(opt.agent.model_copy(update={"agent_id": f"OPTION-{len(add_pools):04d}"}))
        made = make_pools([all_agents[rep_index]], rules_, [], s.cal.start, 7 * s.cal.weeks, s.span, s.demand, cw,
                          config.late_start_h, first_day=s.cal.first_day)
        if not made or not made[0].templates:
            all_agents.pop()
            continue
        p = _thin(made[0])
        p.index = len(pools) + len(add_pools)
        p.agents = [rep_index]
        contract = rules_.contracts[opt.agent.contract]
        ot_over = ot_cost = None
        daily_ot_min = np.zeros(len(p.templates))
        days_over, day_min = None, 0.0
        if opt.kind in OVERTIME_KINDS:
            base_c = rules_.contracts[base_contract(opt.agent.contract)]
            ot_over = int(round(base_c.max_week_h * 60))
            ot_cost = (rules_.overtime.rate - 1.0) * contract.hourly_cost * cw / 60.0
            lengths = np.array([t.length_h for t in p.templates])
            in_base = np.isin(lengths, base_c.shift_lengths_h)
            longest_paid = int(p.paid_min[in_base].max()) if in_base.any() else int(p.paid_min.max())
            if opt.kind == "overtime":
                # a shift longer than the contract's longest is overtime for the minutes past that one's paid time
                daily_ot_min = np.maximum(p.paid_min - longest_paid, 0).astype(float)
                p.cost = p.cost + np.round(daily_ot_min * ot_cost).astype(p.cost.dtype)
            else:
                # an extra day: each shift past the base contract's days a week is overtime, counted at its longest paid shift
                days_over, day_min = max_days_per_week(base_c, rules_), float(longest_paid)
        daily_ot.append(daily_ot_min)
        fixed = rules_.additions.training_cost * cw if opt.kind == "cross_training" else 0.0
        additions.append(Addition(pool=p.index, most=float(opt.most), cost=fixed, source=opt.source,
                                  overtime_over_min=ot_over, overtime_cost_per_min=ot_cost or 0.0,
                                  overtime_days_over=days_over, overtime_day_min=day_min))
        add_pools.append((opt, p))
    lp = solve_coverage_lp(pools + [p for _, p in add_pools], all_agents, rules_, s.demand, s.cal.weeks,
                           time_limit_s=ADDITIONS_TIME_FACTOR * time_limit_s, additions=additions)
    if lp.additions is None:
        return GapPlan([], short, base.short_agent_h, base.short_agent_h, sl0, rules.currency, time.perf_counter() - t0,
                       [f"the coverage programme with the additions was not solved ({lp.status}); raise the time limit"])
    # --- whole agents, the most useful first (the programme's cover per unit of cost)
    chosen = []
    for k, (opt, p) in enumerate(add_pools):
        n = float(lp.additions[k])
        count = int(math.floor(n + 0.5)) if n >= 1 else (1 if n >= ROUND_UP_FROM else 0)
        count = min(count, opt.most)
        if count <= 0:
            continue
        paid_h = float(lp.counts[p.index] @ p.paid_min) / 60.0
        at_work_h = float(lp.counts[p.index] @ np.asarray(p.cover.sum(axis=1)).ravel()) * h
        hourly = rules_.contracts[opt.agent.contract].hourly_cost
        per_agent_paid = paid_h / n if n > 0 else 0.0
        per_agent_ot = (float(lp.overtime_h[k]) + float(lp.counts[p.index] @ daily_ot[k]) / 60.0) / n if n > 0 else 0.0
        if opt.kind in OVERTIME_KINDS:
            cost = count * per_agent_ot * hourly * rules_.overtime.rate
        elif opt.kind == "cross_training":
            cost = count * rules_.additions.training_cost
        else:
            cost = count * per_agent_paid * hourly
        chosen.append(_Chosen(opt, count, cost, count * per_agent_paid if opt.source is None else 0.0, count * per_agent_ot,
                              at_work_h * count / n))
    # --- alike choices grouped into one recommendation, the most cover per unit of cost first
    groups: dict[tuple, list[_Chosen]] = {}
    for c in chosen:
        groups.setdefault(_group_key(c.option), []).append(c)
    order = sorted(groups.values(), key=lambda g: (-sum(c.at_work_h for c in g) / max(sum(c.cost for c in g), 1e-9),
                                                  KINDS.index(g[0].option.kind)))
    # --- each recommendation applied in turn to the real team, the programme solved on it
    team = list(agents)
    taken = {a.agent_id for a in agents}
    moved: set[str] = set()
    recs: list[Recommendation] = []
    floor = base.short_agent_h
    short0 = _short_frame(base, s)
    ot_before = s.overtime_h(base, base_pools, agents)
    for group in order:
        rows, parts = [], []
        for c in group:
            got = _realise(c.option, c.count, team, pools, agents, taken, moved)
            rows += got
            parts.append((c, len(got) / c.count))
        if not rows:
            continue
        trial = _apply(team, rows)
        lp_k, trial_pools = s.solve(trial, time_limit_s)
        if lp_k.short is None:
            notes.append(f"the programme after '{_describe(group, len(rows))}' was not solved in time; left out")
            moved.difference_update(r.agent_id for r in rows)
            continue
        removed = floor - lp_k.short_agent_h
        if removed < MIN_REMOVED_AGENT_H:
            moved.difference_update(r.agent_id for r in rows)
            continue
        team, floor = trial, lp_k.short_agent_h
        cost = sum(c.cost * f for c, f in parts)
        ot_after = s.overtime_h(lp_k, trial_pools, trial)
        ot_h = 0.0
        if group[0].option.kind in OVERTIME_KINDS:
            # the overtime the team's plan asks once these agents may work it, at the overtime rate
            ot_h = max(ot_after - ot_before, 0.0)
            hourly = s.rules.contracts[group[0].option.agent.contract].hourly_cost
            cost = ot_h * hourly * s.rules.overtime.rate
        ot_before = ot_after
        rec = Recommendation(len(recs) + 1, group[0].option.kind, _describe(group, len(rows)), len(rows), rows, removed,
                             cost, sum(c.paid_h * f for c, f in parts), ot_h, max(short - (base.short_agent_h - floor), 0.0))
        cov = _predicted_coverage(roster.coverage, short0, _short_frame(lp_k, s))
        rec.sl_after = expected_sl(requirements, cov, targets, grid, seed=seed, runs=runs)
        recs.append(rec)
        if floor <= 1e-6:
            break
    if not recs and base.short_agent_h <= 1e-6 and short > 0:
        notes.append(f"this team can cover the requirement (the coverage programme's floor is 0): the {short:,.1f} agent-h "
                     "short are the roster search's own, so adding people is not needed; a longer --time-limit or a higher "
                     "--effort may close them")
    elif not recs:
        notes.append("no addition offered removes any of the shortfall (the rules' overtime, temps and hires; see rules.toml)")
    return GapPlan(recs, short, base.short_agent_h, floor, sl0, rules.currency, time.perf_counter() - t0, notes)


@dataclass(frozen=True)
class GapCheck:
    """A gap plan's prediction against the roster re-built with its agents."""

    predicted_short_agent_h: float
    actual_short_agent_h: float
    predicted_sl: dict[str, float]
    actual_sl: dict[str, float]
    roster: RosterResult


def verify_gap(plan: GapPlan, requirements: pd.DataFrame, agents: list[Agent], rules: LabourRules, time_off, *, grid: TimeGrid,
               targets: Targets | None, solve, accepted: list[int] | None = None, seed: int = 0, runs: int = 20) -> GapCheck:
    """Re-roster with the recommended agents (``accepted`` ranks, all: None) and compare with the prediction.

    ``solve(agents, rules)`` builds the roster (the caller's roster step with its settings). The prediction
    for a subset of the recommendations is the last accepted one's (in rank order, as they were applied).
    """
    rows = plan.agent_rows(accepted)
    team = apply_agents(agents, rows)
    result = solve(team, rules.with_additions())
    recs = [r for r in plan.recommendations if accepted is None or r.rank in set(accepted)]
    predicted_short = plan.short_agent_h - sum(r.removed_agent_h for r in recs)
    predicted_sl = dict(recs[-1].sl_after) if recs else dict(plan.sl_before)
    actual_sl = expected_sl(requirements, result.coverage, targets, grid, seed=seed, runs=runs)
    return GapCheck(max(predicted_short, 0.0), result.kpis.under_agent_h, predicted_sl, actual_sl, result)


def _sl_text(sl: dict[str, float]) -> str:
    return ", ".join(f"{c} {v:.1%}" for c, v in sorted(sl.items())) if sl else "n/a (no targets or volume to simulate)"


def gap_lines(plan: GapPlan, check: GapCheck | None = None) -> list[str]:
    """The plan summary's section "How to close the gap": each recommendation, and the re-roster's figures if run."""
    from roster.planning.display import money

    lines = ["How to close the gap"]
    lines.append(f"  the roster is {plan.short_agent_h:,.1f} agent-h short; no roster of this team can go below "
                 f"{plan.floor_agent_h:,.1f} (the coverage programme); expected service level now: {_sl_text(plan.sl_before)}")
    if not plan.recommendations:
        lines += [f"  {n}" for n in plan.notes] or ["  nothing to add"]
        return lines
    for r in plan.recommendations:
        lines.append(f"  {r.rank}. {r.what}: removes {r.removed_agent_h:,.1f} agent-h, costs {money(r.cost, plan.currency)}"
                     + (f" ({r.overtime_h:,.0f} overtime h)" if r.overtime_h > 0 else "")
                     + f"; then {r.short_after_agent_h:,.1f} agent-h short, SL {_sl_text(r.sl_after)}")
    lines.append(f"  all of them: {money(plan.cost, plan.currency)}; predicted {plan.predicted_short_agent_h:,.1f} agent-h short "
                 f"(the programme's floor {plan.floor_after_agent_h:,.1f}; the rest is the roster search's own gap)")
    if check is not None:
        lines.append(f"  re-rostered with them: {check.actual_short_agent_h:,.1f} agent-h short (predicted "
                     f"{check.predicted_short_agent_h:,.1f}); SL {_sl_text(check.actual_sl)} (predicted {_sl_text(check.predicted_sl)})")
    else:
        lines.append("  re-roster with them: shiftcast roster ... --extra-agents recommended_agents.csv")
    lines += [f"  {n}" for n in plan.notes]
    return lines


__all__ = ["gap_lines", "GapPlan", "Recommendation", "GapCheck", "recommend_additions", "verify_gap", "apply_agents", "expected_sl"]
