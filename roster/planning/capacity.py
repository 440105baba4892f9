"""The capacity and hiring plan: weekly FTE required vs available over weeks to months, and the hires that close the gap.

The requirement comes from the interval staffing of a long-horizon forecast (holidays and retail events included),
summed per week: paid FTE required per channel and week is (Koole & Schild 2021, section 4; Koole 2013, ch. 11)::

    required_net_fte = sum over the week's intervals of agents_net_exact x interval_h / full_time_week_h
    required_fte     = required_net_fte x (1 + scheduling_overhead) / (1 - shrinkage)

Where skills and sites decide, the requirement is planned per channel **and site**: each interval's agent-hours on a
channel are allocated to the sites in proportion to the FTE each site can put on the channel at that time of day::

    cover[s, c, i]   = sum over site s's agents with skill c whose start window covers interval i (local time of the site)
                       of  fte(agent) / number of the agent's skills
    share[s, c, i]   = cover[s, c, i] / sum_s' cover[s', c, i]
    required[s, c, w] = sum over the week's intervals i of  net_agent_h[c, i] x share[s, c, i]    (then to FTE as above)

An agent's start window covers the local times from its earliest start (the agent's, else its contract's) to its
latest start plus the contract's longest shift (wrapping past midnight, at most a whole day). A site with no agent on
the channel gets none of its requirement; an interval no site covers is shared equally among the hiring sites
(``capacity.sites``, by default every site of agents.csv). An agent with several skills is counted once: its FTE is split
over its skills for the shares only, and in the plan its pool's FTE is shared among its channels by the programme below
(each pool covers its own site's channels only). Hires are decided per channel and site (a class is one channel and
one site), at the hiring sites only; capacity.csv has one row per week, channel and site plus a total per week and
channel (``site = all``).

Today's agents (agents.csv) count as FTE = their contract's ``max_week_h`` / ``full_time_week_h``, grouped in pools of
the same site and skills; a multi-skilled pool's FTE is shared between its channels week by week (the programme
decides how). Attrition removes a share ``a`` a month, compounded: after ``t`` weeks ``(1 - a) ** (12 t / 52)`` of a
pool (and of a hiring class) is left. A hire started in week ``s`` is paid from that week, productive
``0`` during ``training_weeks``, then ``1 / ramp_aht_multiplier[k]`` in the k-th week after training (a new hire's
handle time falls toward the tenured one's), then 1. No class starts before week ``hiring_lead_weeks + 1``: its
requisition opens ``hiring_lead_weeks`` before (week 1 is the first week of the horizon, "now").

The hiring decision is a small mixed-integer programme (HiGHS through :func:`scipy.optimize.milp`), the staffing
model of Koole & Schild's section 5 with the hiring pipeline of Gans, Koole and Mandelbaum (2003, section 7)::

    minimise  sum_{c,s} h[c,s] (cost_per_hire + wages of the hire from s to the horizon's end, after attrition)
            + sum_{c,w} o[c,w] x full_time_week_h x hourly_cost[c] x overtime_rate
            + M sum_{c,w} u[c,w]                                   (cover that no plan can give, kept in sight)
    s.t.      sum_g x[g,c,w] + sum_{s<=w} h[c,s] e(w-s) + o[c,w] + u[c,w] >= required_fte[c,w]
              sum_c x[g,c,w] <= fte[g] (1-a)^(12 w / 52)           (pool g's FTE shared among its skills)
              o[c,w] <= overtime_max_share x sum_g x[g,c,w]
              class_size_min y[c,s] <= h[c,s] <= class_size_max y[c,s],  h integer, y binary,  h[c,s] = 0 for s <= lead

with ``c`` a channel at a site (a pool ``g`` covers its own site's channels only; ``h[c, s] = 0`` too at a site hires are not
placed at) and ``e(k)`` a hire's productive FTE in its (k+1)-th week. Its optimum is exact (HiGHS proves it), unlike a greedy that
hires for the first gap it meets and cannot weigh a class against a few weeks of overtime. The same programme without
hires and without the overtime cap gives the overtime-only alternative it is compared to. Today's agents' wages are the
same under every plan and are left out of the costs; hires' wages count up to the horizon's end only.

References
----------
G. Koole and A. Schild, "A practice-oriented overview of call center workforce planning", 2021 (arXiv:2101.10122).
N. Gans, G. Koole and A. Mandelbaum, "Telephone call centers: tutorial, review, and research prospects",
Manufacturing & Service Operations Management 5(2), 2003.
G. Koole, "Call Center Optimization", MG Books, 2013.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix

from forecast import tables
from forecast.errors import InputError, Problem
from forecast.io.files import write_table
from forecast.io.outputs import check_folder, write_folder
from forecast.timegrid import TimeGrid
from roster.planning.inputs import Inputs, check_sites  # noqa: F401 - check_sites is this module's too
from roster.planning.settings import PlanSettings
from roster.schema import Agent, CapacitySettings, LabourRules, Targets

Progress = Callable[[str, float, float | None], None]

#: Weeks in a month, for the monthly attrition rate.
WEEKS_PER_MONTH = 52 / 12
#: The fewest and most weeks a capacity plan covers (the forecast's horizon is at most 366 days).
WEEKS_BOUNDS = (2, 52)
#: The chart of required vs available FTE written beside capacity.csv.
CHART_FILE = "capacity.png"
#: Every file ``shiftcast capacity`` writes into its output folder.
CAPACITY_FILES: tuple[str, ...] = (tables.CAPACITY.name, CHART_FILE)
#: Where a capacity setting lives, for messages.
RULES_FILE = "rules.toml"
#: The hiring programme's relative optimality gap and time limit: a plan whose cost HiGHS proves within 0.5% of the
#: best one. Closing the gap further is slow (weeks of near-equal choices: a class a week earlier or later, a few
#: hours of overtime): on a synthetic 26-week, 2-channel series HiGHS reaches 0.5% in about a second and is still at
#: 0.46% after 30 s (tests/roster/planning/test_capacity.py's first series).
MIP_REL_GAP = 5e-3
MIP_TIME_LIMIT_S = 20.0
#: capacity.csv's ``site`` of the rows that total a week and channel over the sites (and of a plan made without sites).
TOTAL_SITE = "all"
#: Cost of one FTE-week of cover that no plan can give, relative to the dearest cover the plan can buy.
SHORTFALL_PENALTY = 1000.0


def survival(weeks: np.ndarray | float, attrition_per_month: float) -> np.ndarray:
    """Share of a group still employed after ``weeks`` weeks, at ``attrition_per_month`` compounded monthly."""
    return np.power(1.0 - attrition_per_month, np.asarray(weeks, dtype=float) / WEEKS_PER_MONTH)


def hire_productivity(settings: CapacitySettings, weeks: int) -> np.ndarray:
    """Productivity of a hire in tenure weeks ``0 .. weeks - 1`` (0 = its first week), before attrition.

    0 during training, ``1 / ramp_aht_multiplier[k]`` in the k-th week after it, then 1.
    """
    p = np.ones(weeks)
    t = settings.training_weeks
    p[: min(t, weeks)] = 0.0
    for k, m in enumerate(settings.ramp_aht_multiplier):
        if t + k < weeks:
            p[t + k] = 1.0 / m
    return p


def full_time_week_h(rules: LabourRules) -> float:
    """Paid hours of one FTE a week: ``capacity.full_time_week_h``, else the most weekly hours of any contract."""
    return rules.capacity.full_time_week_h or max(c.max_week_h for c in rules.contracts.values())


def hire_contract(rules: LabourRules) -> str:
    """The contract new hires work: ``capacity.hire_contract``, else the one with the most weekly hours."""
    return rules.capacity.hire_contract or max(rules.contracts, key=lambda n: (rules.contracts[n].max_week_h, n))


def hiring_sites(settings: CapacitySettings, agents: list[Agent]) -> list[str]:
    """The sites hires may be placed at: ``capacity.sites``, else every site of agents.csv."""
    return list(settings.sites) if settings.sites is not None else sorted({a.site for a in agents})


def check_settings(settings: CapacitySettings, weeks: int, file: str = RULES_FILE) -> None:
    """Refuse settings that cannot make a plan over ``weeks`` weeks, naming the file and key.

    Raises
    ------
    InputError
        A training and ramp longer than the horizon, a lead time that lets no class start within it, or no site to
        hire at.
    """
    problems = []
    if settings.ramp_weeks > weeks:
        problems.append(Problem(
            file, f"training_weeks = {settings.training_weeks} and a ramp of {len(settings.ramp_aht_multiplier)} week(s) take "
            f"{settings.ramp_weeks} weeks, longer than the {weeks}-week horizon: no hire would reach full productivity in the plan; "
            "plan more weeks or shorten the ramp", column="capacity.ramp_aht_multiplier"))
    if settings.hiring_lead_weeks >= weeks:
        problems.append(Problem(
            file, f"hiring_lead_weeks = {settings.hiring_lead_weeks}: no class could start within the {weeks}-week horizon; "
            "plan more weeks or shorten the lead time", column="capacity.hiring_lead_weeks"))
    if settings.sites is not None and not settings.sites:
        problems.append(Problem(file, "sites = []: no site to hire at; name at least one site of agents.csv, or leave "
                                      "sites out to hire at every site", column="capacity.sites"))
    if problems:
        raise InputError(problems)


# --------------------------------------------------------------------------- #
# Inputs of the plan: the weekly requirement and today's headcount
# --------------------------------------------------------------------------- #


def _minute_of_day(ds: pd.DatetimeIndex, tz: str) -> np.ndarray:
    local = ds.tz_convert(tz)
    return np.asarray(local.hour * 60 + local.minute, dtype=int)


def site_shares(ds: pd.DatetimeIndex, channels: list[str], agents: list[Agent], rules: LabourRules,
                sites: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Each site's share of each channel's requirement at each interval start ``ds`` (UTC), by the rule of the module's docstring.

    Returns
    -------
    dict
        Channel -> DataFrame indexed by ``ds`` with one column per site of ``agents`` (shares summing to 1 in each row).
    """
    ft = full_time_week_h(rules)
    all_sites = sorted({a.site for a in agents})
    hire = [s for s in (sites or all_sites) if s in all_sites] or all_sites
    groups: dict[tuple, float] = {}
    for a in agents:
        c = rules.contracts[a.contract]
        lo = a.earliest_start or c.earliest_start
        hi = a.latest_start or c.latest_start
        lo_min, hi_min = lo.hour * 60 + lo.minute, hi.hour * 60 + hi.minute
        span = min((hi_min - lo_min) % 1440 + int(round(max(c.shift_lengths_h) * 60)), 1440)
        for ch in a.skills:
            key = (a.site, a.site_tz, ch, lo_min, span)
            groups[key] = groups.get(key, 0.0) + c.max_week_h / ft / len(a.skills)
    minutes = {tz: _minute_of_day(ds, tz) for tz in {a.site_tz for a in agents}}
    out = {}
    for ch in channels:
        cover = pd.DataFrame(0.0, index=ds, columns=all_sites)
        for (site, tz, c, lo_min, span), fte in groups.items():
            if c == ch:
                cover[site] += fte * (((minutes[tz] - lo_min) % 1440) < span)
        total = cover.sum(axis=1)
        share = cover.div(total.where(total > 0), axis=0)
        nobody = total <= 0
        if nobody.any():
            share.loc[nobody, :] = 0.0
            share.loc[nobody, hire] = 1.0 / len(hire)
        out[ch] = share
    return out


def weekly_requirement(
    requirements: pd.DataFrame, grid: TimeGrid, targets: Targets, rules: LabourRules, weeks: int,
    agents: list[Agent] | None = None,
) -> pd.DataFrame:
    """Paid FTE required per week and channel (and site, given ``agents``) from interval requirements.

    Parameters
    ----------
    requirements : DataFrame
        ``ds`` (UTC interval start), ``channel``, ``agents_net_exact`` (agents on the channel) on ``grid``, as
        :func:`roster.staffing.requirements.required_staff` returns them.
    grid : TimeGrid
        The requirements' grid; week 1 starts at ``grid.start`` (UTC) and each week is 7 x 24 hours.
    targets, rules
        Each channel's shrinkage; the full-time weekly hours and the scheduling overhead (``rules.capacity``).
    weeks : int
        Weeks to cover: the requirements must reach ``grid.start + weeks x 7 days``.
    agents : list of Agent, optional
        Today's team: the requirement is then split by site (:func:`site_shares`, hiring sites ``rules.capacity.sites``)
        and the result has a ``site`` column.

    Returns
    -------
    DataFrame
        ``week`` (1..weeks), ``week_start`` (UTC), ``channel``, [``site``], ``net_agent_h``, ``required_net_fte``, ``required_fte``.
    """
    start = grid.start
    end = start + pd.Timedelta(days=7 * weeks)
    if requirements["ds"].max() + grid.step < end:
        raise InputError.one("--weeks", f"the requirements end at {requirements['ds'].max() + grid.step:%Y-%m-%d %H:%M}Z, "
                             f"before the {weeks} weeks from {start:%Y-%m-%d %H:%M}Z; forecast a longer horizon")
    r = requirements[(requirements["ds"] >= start) & (requirements["ds"] < end)]
    week = ((r["ds"] - start) // pd.Timedelta(days=7)).astype(int) + 1
    hours = r["agents_net_exact"].astype(float) * grid.interval_h
    channels = sorted(r["channel"].unique())
    if agents:
        ds = pd.DatetimeIndex(sorted(r["ds"].unique()))
        shares = site_shares(ds, channels, agents, rules, hiring_sites(rules.capacity, agents))
        parts = []
        for ch, share in shares.items():
            on = (r["channel"] == ch).to_numpy()
            sh = share.reindex(pd.DatetimeIndex(r.loc[on, "ds"])).to_numpy()
            part = pd.DataFrame(sh * hours[on].to_numpy()[:, None], columns=share.columns)
            part["week"] = week[on].to_numpy()
            part = part.melt(id_vars="week", var_name="site", value_name="net_agent_h")
            part["channel"] = ch
            parts.append(part)
        g = pd.concat(parts).groupby(["week", "channel", "site"])["net_agent_h"].sum().reset_index()
        sites = sorted({a.site for a in agents})
        full = pd.MultiIndex.from_product([range(1, weeks + 1), channels, sites], names=["week", "channel", "site"])
        keys = ["week", "channel", "site"]
    else:
        g = hours.groupby([week.rename("week"), r["channel"]]).sum().rename("net_agent_h").reset_index()
        full = pd.MultiIndex.from_product([range(1, weeks + 1), channels], names=["week", "channel"])
        keys = ["week", "channel"]
    g = g.set_index(keys).reindex(full, fill_value=0.0).reset_index()
    ft = full_time_week_h(rules)
    shrink = g["channel"].map({c: t.shrinkage for c, t in targets.channels.items()}).astype(float)
    g["week_start"] = start + pd.to_timedelta((g["week"] - 1) * 7, unit="D")
    g["required_net_fte"] = g["net_agent_h"] / ft
    g["required_fte"] = g["required_net_fte"] * (1.0 + rules.capacity.scheduling_overhead) / (1.0 - shrink)
    return g[["week", "week_start", "channel"] + (["site"] if agents else []) + ["net_agent_h", "required_net_fte", "required_fte"]]


def headcount(agents: list[Agent], rules: LabourRules) -> pd.DataFrame:
    """Today's agents in pools of one site and one set of skills, with their FTE and hourly cost.

    FTE of an agent = its contract's ``max_week_h`` / :func:`full_time_week_h`.

    Returns
    -------
    DataFrame
        ``site``, ``skills`` (tuple of channels), ``agents``, ``fte``, ``hourly_cost`` (FTE-weighted mean).
    """
    ft = full_time_week_h(rules)
    rows = []
    for a in agents:
        c = rules.contracts[a.contract]
        rows.append({"site": a.site, "skills": tuple(sorted(a.skills)), "fte": c.max_week_h / ft, "cost_w": c.max_week_h / ft * c.hourly_cost})
    if not rows:
        return pd.DataFrame(columns=["site", "skills", "agents", "fte", "hourly_cost"])
    df = pd.DataFrame(rows)
    g = df.groupby(["site", "skills"], sort=True).agg(agents=("fte", "size"), fte=("fte", "sum"), cost_w=("cost_w", "sum")).reset_index()
    g["hourly_cost"] = g["cost_w"] / g["fte"]
    return g.drop(columns="cost_w")


# --------------------------------------------------------------------------- #
# The plan
# --------------------------------------------------------------------------- #


@dataclass
class CapacityPlan:
    """A hiring and overtime plan over the horizon.

    Attributes
    ----------
    table : DataFrame
        :data:`forecast.tables.CAPACITY`, one row per week, channel and site and one per week and channel totalling the
        sites (``site`` = :data:`TOTAL_SITE`; a plan without sites: one row per week and channel, its ``site`` that one).
    classes : DataFrame
        ``channel``, ``site``, ``start_week``, ``week_start`` (UTC), ``requisition_week``, ``hires``: one row per hiring class.
    hire_cost, overtime_cost, cost : float
        The plan's costs over the horizon, in the rules' currency.
    overtime_only_cost : float
        Covering the same requirement with overtime alone (no hires, no cap).
    overtime_only_peak_share : float
        The most overtime that needs in one week, as a share of the channel's tenured hours.
    overtime_only_capped_short_fte_weeks : float
        What overtime alone within ``overtime_max_share`` leaves uncovered, in FTE-weeks summed over weeks and channels.
    min_gap_fte : float
        The smallest weekly gap of a channel at a site after the plan (negative: a week no plan can cover, see ``notes``).
    optimal : bool
        HiGHS proved the plan's cost within :data:`MIP_REL_GAP` of the best plan's.
    optimality_gap : float
        The gap HiGHS proved: the plan costs at most this share more than the best plan.
    notes : list of str
    """

    table: pd.DataFrame
    classes: pd.DataFrame
    hire_cost: float
    overtime_cost: float
    cost: float
    overtime_only_cost: float
    overtime_only_peak_share: float
    overtime_only_capped_short_fte_weeks: float
    min_gap_fte: float
    optimal: bool
    optimality_gap: float
    solve_s: float
    notes: list[str] = field(default_factory=list)


def _weekly_cost(rules: LabourRules) -> tuple[float, float]:
    """A hire's FTE and weekly wage."""
    c = rules.contracts[hire_contract(rules)]
    ft = full_time_week_h(rules)
    return c.max_week_h / ft, c.max_week_h * c.hourly_cost


def plan_capacity(weekly: pd.DataFrame, pools: pd.DataFrame, rules: LabourRules, *, currency_file: str = RULES_FILE) -> CapacityPlan:
    """The cheapest plan of hiring classes and overtime that covers ``weekly``'s required FTE every week.

    Parameters
    ----------
    weekly : DataFrame
        ``week`` (1..W), ``week_start`` (UTC), ``channel``, [``site``], ``required_net_fte``, ``required_fte``
        (:func:`weekly_requirement`). With a ``site`` column the plan is per channel and site: a pool covers its own
        site's channels, hires are placed at the hiring sites (``rules.capacity.sites``, by default every site), and the
        table adds each week's and channel's total (``site`` = :data:`TOTAL_SITE`); without it, per channel.
    pools : DataFrame
        ``site``, ``skills`` (tuple of channels), ``fte``, ``hourly_cost`` (:func:`headcount`).
    rules : LabourRules
        Contracts (the hires' and their cost) and ``rules.capacity``.

    Returns
    -------
    CapacityPlan
        The plan; see the module's docstring for the programme.
    """
    t0 = time.perf_counter()
    cap = rules.capacity
    by_site = "site" in weekly.columns
    if not by_site:
        weekly = weekly.assign(site=TOTAL_SITE)
        pools = pools.assign(site=TOTAL_SITE) if len(pools) else pools.assign(site=pd.Series(dtype=object))
    cells = sorted({(r.channel, r.site) for r in weekly[["channel", "site"]].itertuples(index=False)})
    W = int(weekly["week"].max())
    check_settings(cap, W)
    C = len(cells)
    ci = {k: i for i, k in enumerate(cells)}
    R = np.zeros((C, W))
    for r in weekly.itertuples(index=False):
        R[ci[(r.channel, r.site)], int(r.week) - 1] = float(r.required_fte)
    req_net = {(r.channel, r.site, int(r.week)): float(r.required_net_fte) for r in weekly.itertuples(index=False)}
    week_start = {int(r.week): r.week_start for r in weekly.itertuples(index=False)}
    hire_ok = np.array([not by_site or cap.sites is None or site in cap.sites for _, site in cells])
    ft = full_time_week_h(rules)
    hire_fte, hire_wage = _weekly_cost(rules)
    surv_end = survival(np.arange(1, W + 1), cap.attrition_per_month)  # at the end of week w (1-based), of a group there at week 1's start
    prod = hire_productivity(cap, W)
    eff = hire_fte * prod * surv_end  # a hire's productive FTE in tenure week k (0-based)
    # wages of a hire started in week s (1-based) to the horizon's end, paid while employed (start-of-week survival)
    wage_left = np.array([hire_wage * survival(np.arange(W - s + 1), cap.attrition_per_month).sum() for s in range(1, W + 1)])

    # pools' edges (pool, cell) for the cells planned here: a pool covers its skills at its own site
    edges = [(gi, ci[(c, site)]) for gi, (site, sk) in enumerate(zip(pools["site"], pools["skills"])) for c in sk
             if (c, site) in ci]
    pool_fte = pools["fte"].to_numpy(dtype=float) if len(pools) else np.zeros(0)
    # overtime's base rate per cell: the FTE-weighted hourly cost of the site's agents who have the skill (else the hires')
    base = np.full(C, rules.contracts[hire_contract(rules)].hourly_cost)
    for k, (c, site) in enumerate(cells):
        sel = [gi for gi, (ps, sk) in enumerate(zip(pools["site"], pools["skills"])) if c in sk and ps == site]
        if sel and pool_fte[sel].sum() > 0:
            base[k] = float((pools["hourly_cost"].to_numpy()[sel] * pool_fte[sel]).sum() / pool_fte[sel].sum())
    ot_cost = ft * base * cap.overtime_rate  # one FTE-week of overtime
    penalty = SHORTFALL_PENALTY * max(float(ot_cost.max()), hire_wage + cap.cost_per_hire)

    solve = partial(_solve, R, edges, pool_fte, surv_end, eff, wage_left + cap.cost_per_hire, ot_cost, penalty, cap, hire_ok=hire_ok)
    plan = solve(hires=True)
    alone = solve(hires=False, capped=False)
    within_cap = solve(hires=False)

    h, o, u, x = plan["h"], plan["o"], plan["u"], plan["x"]
    new_fte = np.zeros((C, W))
    for s in range(W):
        new_fte[:, s:] += h[:, s : s + 1] * eff[None, : W - s]
    employed = np.zeros((C, W))
    for s in range(W):
        employed[:, s:] += h[:, s : s + 1] * survival(np.arange(W - s), cap.attrition_per_month)[None, :]
    tenured = np.zeros((C, W))
    for e, (gi, c) in enumerate(edges):
        tenured[c] += x[e]
    wages = employed * hire_wage
    starts_cost = h * cap.cost_per_hire
    rows = []
    lead = cap.hiring_lead_weeks
    for c, (name, site) in enumerate(cells):
        for w in range(W):
            rows.append({
                "week": w + 1, "week_start": week_start[w + 1], "channel": name, "site": site,
                "required_net_fte": req_net[(name, site, w + 1)], "required_fte": R[c, w],
                "tenured_fte": tenured[c, w], "new_hire_fte": new_fte[c, w], "available_fte": tenured[c, w] + new_fte[c, w],
                "overtime_fte": o[c, w], "overtime_h": o[c, w] * ft,
                "gap_fte": tenured[c, w] + new_fte[c, w] + o[c, w] - R[c, w],
                "hires_start": int(round(h[c, w])),
                "requisitions_open": int(round(h[c, w + lead])) if w + lead < W else 0,
                "new_hires": employed[c, w],
                "hire_cost": wages[c, w] + starts_cost[c, w], "overtime_cost": o[c, w] * ot_cost[c],
                "overtime_only_fte": alone["o"][c, w], "overtime_only_cost": alone["o"][c, w] * ot_cost[c],
            })
    table = pd.DataFrame(rows)
    table.loc[table["gap_fte"].abs() < 1e-5, "gap_fte"] = 0.0  # the solvers' tolerance, not a shortfall
    table["cost"] = table["hire_cost"] + table["overtime_cost"]
    min_gap = float(table["gap_fte"].min())
    if by_site:
        total = table.drop(columns="site").groupby(["week", "week_start", "channel"], as_index=False).sum(numeric_only=True)
        table = pd.concat([table, total.assign(site=TOTAL_SITE)], ignore_index=True)
    site_order = table["site"].map(lambda v: (v == TOTAL_SITE, v))
    table = table.assign(_s=site_order).sort_values(["week", "channel", "_s"], ignore_index=True).drop(columns="_s")
    fte_cols = ["required_net_fte", "required_fte", "tenured_fte", "new_hire_fte", "available_fte", "overtime_fte", "gap_fte",
                "new_hires", "overtime_only_fte"]
    table[fte_cols] = table[fte_cols].round(3)
    money_cols = ["hire_cost", "overtime_cost", "cost", "overtime_only_cost"]
    table[money_cols + ["overtime_h"]] = table[money_cols + ["overtime_h"]].round(2)
    table = tables.CAPACITY.order(table)

    cells_t = table[table["site"] != TOTAL_SITE] if by_site else table
    classes = cells_t[cells_t["hires_start"] > 0][["channel", "site", "week", "week_start", "hires_start"]].rename(
        columns={"week": "start_week", "hires_start": "hires"})
    classes.insert(3, "requisition_week", classes["start_week"] - lead)
    classes = classes.sort_values(["start_week", "channel", "site"], ignore_index=True)

    notes = []
    short = u > 1e-6
    if short.any():
        for c, (name, site) in enumerate(cells):
            wk = np.flatnonzero(short[c]) + 1
            if len(wk):
                where = name if not by_site else f"{name} at {site}"
                why = (f"hires are not placed at {site} (capacity.sites = {list(cap.sites)})" if not hire_ok[c] else
                       f"no class can be productive by then (hiring_lead_weeks = {lead}, training_weeks = {cap.training_weeks})")
                notes.append(
                    f"{where}: weeks {_weeks_text(wk)} cannot be covered ({u[c].max():.1f} FTE short at most): {why} and overtime is "
                    f"capped at overtime_max_share = {cap.overtime_max_share:g}; raise the cap or start from more agents")
    # the overtime alone needs per channel (its sites together) and week, as a share of the channel's tenured FTE
    names = sorted({c for c, _ in cells})
    of_channel = np.array([names.index(c) for c, _ in cells])
    ten_alone = np.zeros((len(names), W))
    ot_alone = np.zeros((len(names), W))
    for e, (gi, c) in enumerate(edges):
        ten_alone[of_channel[c]] += alone["x"][e]
    for c in range(C):
        ot_alone[of_channel[c]] += alone["o"][c]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(ten_alone > 1e-3, ot_alone / ten_alone, np.where(ot_alone > 1e-6, np.inf, 0.0))
    peak_share = float(share.max()) if share.size else 0.0
    if peak_share > cap.overtime_max_share + 1e-9:
        notes.append(f"overtime alone would need up to {peak_share:.0%} more hours in a week (overtime_max_share = "
                     f"{cap.overtime_max_share:.0%}): its cost is a lower bound of what it would take")
    if not plan["optimal"]:
        notes.append(f"the hiring programme stopped at its {MIP_TIME_LIMIT_S:g} s limit {plan['gap']:.1%} from its bound; "
                     "the plan covers the weeks but may cost up to that share more than the best one")
    tot = table[table["site"] == TOTAL_SITE]
    return CapacityPlan(
        table=table, classes=classes, hire_cost=float(tot["hire_cost"].sum()), overtime_cost=float(tot["overtime_cost"].sum()),
        cost=float(tot["cost"].sum()), overtime_only_cost=float(tot["overtime_only_cost"].sum()),
        overtime_only_peak_share=peak_share, overtime_only_capped_short_fte_weeks=float(within_cap["u"].sum()), min_gap_fte=min_gap,
        optimal=plan["optimal"], optimality_gap=plan["gap"], solve_s=time.perf_counter() - t0, notes=notes,
    )


def channel_totals(table: pd.DataFrame) -> pd.DataFrame:
    """capacity.csv's rows that total each week and channel over the sites (``site`` = :data:`TOTAL_SITE`)."""
    return table[table["site"] == TOTAL_SITE].reset_index(drop=True)


def site_rows(table: pd.DataFrame) -> pd.DataFrame:
    """capacity.csv's rows per week, channel and site (a plan without sites: its rows per week and channel)."""
    rows = table[table["site"] != TOTAL_SITE]
    return (rows if len(rows) else table).reset_index(drop=True)


def _weeks_text(weeks: np.ndarray) -> str:
    """``[3, 4, 5, 9]`` -> ``3-5, 9``."""
    parts, start, prev = [], None, None
    for w in list(weeks) + [None]:
        if start is None:
            start = prev = w
        elif w is not None and w == prev + 1:
            prev = w
        else:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = w
    return ", ".join(parts)


def _solve(R, edges, pool_fte, surv_end, eff, hire_cost, ot_cost, penalty, cap: CapacitySettings, *, hires: bool,
           capped: bool = True, hire_ok: np.ndarray | None = None) -> dict:
    """The programme of the module's docstring over cells ``c`` (a channel, or a channel at a site; ``hire_ok[c]``: hires
    may be placed there) (``hires=False``: no hires; ``capped=False``: overtime uncapped); its solution."""
    C, W = R.shape
    E = len(edges)
    n_cw = C * W
    # variable blocks: h[c,w], y[c,w], o[c,w], u[c,w], x[e,w]
    H, Y, O, U, X = 0, n_cw, 2 * n_cw, 3 * n_cw, 4 * n_cw
    n = X + E * W
    cw = lambda c, w: c * W + w  # noqa: E731
    cost = np.zeros(n)
    lo, hi = np.zeros(n), np.full(n, np.inf)
    integrality = np.zeros(n)
    for c in range(C):
        for w in range(W):
            cost[H + cw(c, w)] = hire_cost[w]
            cost[O + cw(c, w)] = ot_cost[c]
            cost[U + cw(c, w)] = penalty
            integrality[H + cw(c, w)] = 1
            integrality[Y + cw(c, w)] = 1
            hi[Y + cw(c, w)] = 1
            if not hires or w < cap.hiring_lead_weeks or (hire_ok is not None and not hire_ok[c]):
                hi[H + cw(c, w)] = 0
                hi[Y + cw(c, w)] = 0
    rows, cols, vals, lb, ub = [], [], [], [], []
    r = 0

    def add(entries, low, high):
        nonlocal r
        for j, v in entries:
            rows.append(r)
            cols.append(j)
            vals.append(v)
        lb.append(low)
        ub.append(high)
        r += 1

    by_channel: dict[int, list[int]] = {}
    for e, (_, c) in enumerate(edges):
        by_channel.setdefault(c, []).append(e)
    for c in range(C):
        for w in range(W):
            cover = [(X + e * W + w, 1.0) for e in by_channel.get(c, [])]
            cover += [(H + cw(c, s), float(eff[w - s])) for s in range(w + 1) if eff[w - s] > 0]
            cover += [(O + cw(c, w), 1.0), (U + cw(c, w), 1.0)]
            add(cover, R[c, w], np.inf)
            if capped:
                add([(O + cw(c, w), 1.0)] + [(X + e * W + w, -cap.overtime_max_share) for e in by_channel.get(c, [])], -np.inf, 0.0)
            if hires:
                add([(H + cw(c, w), 1.0), (Y + cw(c, w), -float(cap.class_size_max))], -np.inf, 0.0)
                add([(H + cw(c, w), 1.0), (Y + cw(c, w), -float(cap.class_size_min))], 0.0, np.inf)
    pools = sorted({g for g, _ in edges})
    for g in pools:
        es = [e for e, (gg, _) in enumerate(edges) if gg == g]
        for w in range(W):
            add([(X + e * W + w, 1.0) for e in es], -np.inf, float(pool_fte[g] * surv_end[w]))
    A = coo_matrix((vals, (rows, cols)), shape=(r, n)).tocsr()
    res = milp(cost, constraints=LinearConstraint(A, lb, ub), integrality=integrality, bounds=Bounds(lo, hi),
               options={"time_limit": MIP_TIME_LIMIT_S, "mip_rel_gap": MIP_REL_GAP})
    if res.x is None:
        raise RuntimeError(f"the capacity programme found no plan ({res.message})")  # cannot happen: u covers any week
    z = res.x
    h = np.round(z[H : H + n_cw]).reshape(C, W)
    o = z[O : O + n_cw].reshape(C, W)
    u = z[U : U + n_cw].reshape(C, W)
    x = z[X:].reshape(E, W) if E else np.zeros((0, W))
    x = _share_out(R, edges, pool_fte, surv_end, eff, h, o, u, x, cap, capped=capped)
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    return {"h": h, "o": np.clip(o, 0, None), "u": np.clip(u, 0, None), "x": x, "optimal": res.status == 0, "gap": gap}


def _share_out(R, edges, pool_fte, surv_end, eff, h, o, u, x, cap: CapacitySettings, *, capped: bool) -> np.ndarray:
    """Multi-skilled pools' FTE shared out as close as the cover allows to each pool's FTE split over its channels in
    proportion to their requirement that week (the programme's costs do not depend on the split, so its own is arbitrary).

    For each week, a linear programme: minimise ``sum_e |x[e] - target[e]|`` with every channel still covered (hires,
    overtime and shortfall as the programme chose them, overtime within its cap) and no pool over its FTE.
    """
    C, W = R.shape
    E = len(edges)
    if E == 0:
        return x
    new = np.zeros((C, W))
    for s in range(W):
        new[:, s:] += h[:, s : s + 1] * eff[None, : W - s]
    out = x.copy()
    pools = sorted({g for g, _ in edges})
    member = np.zeros((C, E))
    for e, (_, c) in enumerate(edges):
        member[c, e] = 1.0
    pool_of = np.array([g for g, _ in edges])
    for w in range(W):
        avail = np.array([pool_fte[g] * surv_end[w] for g, _ in edges])
        weight = np.array([R[c, w] for _, c in edges]) + 1e-9
        total = np.array([weight[pool_of == g].sum() for g in pool_of])
        target = avail * weight / total
        # variables: x[e] (E), d[e] >= |x[e] - target[e]| (E)
        c_obj = np.concatenate([np.zeros(E), np.ones(E)])
        A, b = [], []
        for c in range(C):
            if not member[c].any():
                continue
            A.append(np.concatenate([-member[c], np.zeros(E)]))  # cover: sum x >= R - new - o - u
            b.append(new[c, w] + o[c, w] + u[c, w] - R[c, w] + 1e-7)
            if capped and o[c, w] > 1e-9:  # overtime cap: share x sum x >= o
                A.append(np.concatenate([-cap.overtime_max_share * member[c], np.zeros(E)]))
                b.append(-o[c, w] + 1e-7)
        for g in pools:
            A.append(np.concatenate([(pool_of == g).astype(float), np.zeros(E)]))
            b.append(float(pool_fte[g] * surv_end[w]))
        eye = np.eye(E)
        for sign in (1.0, -1.0):  # sign (x - target) <= d
            for e in range(E):
                A.append(np.concatenate([sign * eye[e], -eye[e]]))
                b.append(sign * target[e])
        res = linprog(c_obj, A_ub=np.array(A), b_ub=np.array(b), bounds=[(0, None)] * (2 * E), method="highs")
        if res.status == 0:
            out[:, w] = res.x[:E]
    return out


# --------------------------------------------------------------------------- #
# The whole step: forecast, staffing, weekly requirement, plan
# --------------------------------------------------------------------------- #


@dataclass
class CapacityResult:
    """A capacity plan and what it was made from: the long forecast's requirements, its weekly sum, the pools."""

    plan: CapacityPlan
    weekly: pd.DataFrame
    pools: pd.DataFrame
    requirements: pd.DataFrame
    grid: TimeGrid
    weeks: int
    settings: CapacitySettings
    currency: str | None
    full_time_week_h: float
    hire_contract: str
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def capacity_settings(rules: LabourRules, file: str = RULES_FILE, **changes) -> LabourRules:
    """``rules`` with some capacity settings changed (the app's inputs), validated as rules.toml's ``[capacity]`` is.

    Raises :class:`InputError` naming ``file`` and ``capacity.<key>``.
    """
    from pydantic import ValidationError

    from roster.io import _pydantic_problems

    try:
        cap = CapacitySettings.model_validate({**rules.capacity.model_dump(), **changes})
        return LabourRules.model_validate({**rules.model_dump(exclude={"capacity"}), "capacity": cap.model_dump()})
    except ValidationError as exc:
        raise InputError(_pydantic_problems(exc, file, prefix="capacity.")) from None


def run_capacity(inputs: Inputs, weeks: int, settings: PlanSettings | None = None, *, rules: LabourRules | None = None,
                 progress: Progress | None = None) -> CapacityResult:
    """Forecast ``weeks`` weeks, staff every interval, sum per week and plan hires and overtime.

    ``settings`` are the plan's forecast and staffing settings (its ``horizon_days`` is replaced by ``7 x weeks``);
    ``rules`` replace the inputs' labour rules (the app's edited capacity settings).
    """
    from roster.planning.plan import forecast_stage, staffing_stage

    lo, hi = WEEKS_BOUNDS
    if not lo <= weeks <= hi:
        raise InputError.one("--weeks", f"expected {lo} to {hi} weeks, found {weeks}")
    rules = rules or inputs.rules
    check_settings(rules.capacity, weeks)
    check_sites(rules.capacity, inputs.agents)
    settings = (settings or PlanSettings()).model_copy(update={"horizon_days": 7 * weeks})
    timings: dict[str, float] = {}
    t = time.perf_counter()
    fc = forecast_stage(inputs.history, inputs.grid, inputs.events, settings, progress=progress)
    timings["forecast"] = time.perf_counter() - t
    t = time.perf_counter()
    if progress:
        progress("staffing every interval of the horizon", 0, None)
    staffing = staffing_stage(fc.forecast, fc.grid, inputs.targets, settings)
    timings["staffing"] = time.perf_counter() - t
    t = time.perf_counter()
    if progress:
        progress("planning hires and overtime", 0, None)
    weekly = weekly_requirement(staffing.requirements, staffing.grid, inputs.targets, rules, weeks, inputs.agents)
    pools = headcount(inputs.agents, rules)
    plan = plan_capacity(weekly, pools, rules)
    timings["plan"] = time.perf_counter() - t
    notes = list(fc.notes) + list(staffing.notes) + plan.notes
    unskilled = sorted(set(weekly["channel"]) - {c for sk in pools["skills"] for c in sk})
    if unskilled:
        notes.append(f"no agent today has the skill for {', '.join(unskilled)}: its cover comes from hires and overtime only")
    per_site = weekly.groupby(["channel", "site"])["required_fte"].sum().unstack("site", fill_value=0.0)
    share = per_site.div(per_site.sum(axis=1).where(lambda v: v > 0), axis=0).fillna(0.0)
    notes.append("requirement split by site (the FTE each site's agents can put on the channel at each interval): " + "; ".join(
        f"{c} " + ", ".join(f"{s} {share.loc[c, s]:.0%}" for s in share.columns) for c in share.index))
    return CapacityResult(plan, weekly, pools, staffing.requirements, staffing.grid, weeks, rules.capacity, rules.currency,
                          full_time_week_h(rules), hire_contract(rules), notes, timings)


# --------------------------------------------------------------------------- #
# Summary, chart and files
# --------------------------------------------------------------------------- #


def summary_lines(result: CapacityResult) -> list[str]:
    """What ``shiftcast capacity`` prints: the horizon, the classes, the costs against overtime alone."""
    from roster.planning.display import money

    p, cap, cur = result.plan, result.settings, result.currency
    t = channel_totals(p.table)
    first = t["week_start"].min()
    lines = [
        f"capacity plan: {result.weeks} weeks from {first:%Y-%m-%d %H:%M}Z; 1 FTE = {result.full_time_week_h:g} paid h a week; "
        f"hires on contract {result.hire_contract}",
        f"  today: {result.pools['agents'].sum():,.0f} agents, {result.pools['fte'].sum():,.1f} FTE; attrition "
        f"{cap.attrition_per_month:.1%} a month, lead time {cap.hiring_lead_weeks} wk, training {cap.training_weeks} wk, "
        f"ramp {len(cap.ramp_aht_multiplier)} wk",
    ]
    by = t.groupby("channel")
    lines.append(f"  {'channel':<8}{'req FTE avg':>12}{'req peak':>10}{'avail wk1':>10}{'hires':>7}{'OT h':>9}{'min gap':>9}")
    for c, g in by:
        lines.append(f"  {c:<8}{g['required_fte'].mean():>12,.1f}{g['required_fte'].max():>10,.1f}{g['available_fte'].iloc[0]:>10,.1f}"
                     f"{g['hires_start'].sum():>7,d}{g['overtime_h'].sum():>9,.0f}{g['gap_fte'].min():>9,.2f}")
    sites = site_rows(p.table)
    if sites["site"].nunique() > 1 or sites["site"].iloc[0] != TOTAL_SITE:
        lines.append(f"  {'channel':<8}{'site':<12}{'req FTE avg':>12}{'avail wk1':>10}{'hires':>7}{'OT h':>9}{'min gap':>9}")
        for (c, site), g in sites.groupby(["channel", "site"]):
            lines.append(f"  {c:<8}{site:<12}{g['required_fte'].mean():>12,.1f}{g['available_fte'].iloc[0]:>10,.1f}"
                         f"{g['hires_start'].sum():>7,d}{g['overtime_h'].sum():>9,.0f}{g['gap_fte'].min():>9,.2f}")
    if len(p.classes):
        lines.append("  hiring classes: " + "; ".join(
            f"{r.hires} {r.channel}" + (f" at {r.site}" if r.site != TOTAL_SITE else "")
            + f" in week {r.start_week} ({r.week_start:%Y-%m-%d}; requisition in week {r.requisition_week})"
            for r in p.classes.itertuples(index=False)))
    else:
        lines.append("  hiring classes: none (today's agents and overtime cover the horizon)")
    lines.append(f"  cost: hires {money(p.hire_cost, cur)} + overtime {money(p.overtime_cost, cur)} = {money(p.cost, cur)}; "
                 f"overtime alone: {money(p.overtime_only_cost, cur)}"
                 + (f" (up to {p.overtime_only_peak_share:.0%} more hours in a week)" if math.isfinite(p.overtime_only_peak_share)
                    else " (a channel without agents: overtime alone cannot cover it)"))
    if p.overtime_only_capped_short_fte_weeks > 1e-6:
        lines.append(f"  overtime alone within the {cap.overtime_max_share:.0%} cap leaves {p.overtime_only_capped_short_fte_weeks:,.1f} "
                     "FTE-weeks uncovered")
    lines.append(f"  smallest weekly gap after the plan (a channel at a site): {p.min_gap_fte:+.2f} FTE; the plan's cost is within {p.optimality_gap:.2%} "
                 "of the best plan's (the programme's bound)")
    return lines


def write_chart(result: CapacityResult, path: str | Path) -> Path:
    """A PNG of required vs available FTE per week, with the hiring classes marked: one row of panels per channel, one
    column per site and one for the channel's total over the sites."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    t = result.plan.table
    channels = sorted(t["channel"].unique())
    sites = sorted(set(t["site"]) - {TOTAL_SITE}) + [TOTAL_SITE]
    fig, axes = plt.subplots(len(channels), len(sites), figsize=(5 * len(sites) + 1, 2.6 * len(channels) + 0.6), sharex=True,
                             squeeze=False)
    for i, c in enumerate(channels):
        for j, site in enumerate(sites):
            ax = axes[i, j]
            g = t[(t["channel"] == c) & (t["site"] == site)]
            wk = g["week"].to_numpy()
            ax.plot(wk, g["required_fte"], color="#d62728", lw=2, label="required FTE")
            ax.step(wk, g["available_fte"], where="mid", color="#1f77b4", lw=2, label="available FTE (tenured + hires)")
            ax.step(wk, g["available_fte"] + g["overtime_fte"], where="mid", color="#1f77b4", lw=1, ls="--", label="available + overtime")
            ax.step(wk, g["tenured_fte"], where="mid", color="#7f7f7f", lw=1, ls=":", label="today's agents after attrition, as assigned")
            for r in g[g["hires_start"] > 0].itertuples(index=False):
                ax.axvline(r.week, color="#2ca02c", lw=1, alpha=0.6)
                ax.annotate(f"+{r.hires_start}", (r.week, ax.get_ylim()[1]), xytext=(2, -12), textcoords="offset points",
                            color="#2ca02c", fontsize=8)
            if i == 0:
                ax.set_title("all sites" if site == TOTAL_SITE else site, fontsize=10)
            if j == 0:
                ax.set_ylabel(f"{c}\nFTE")
            ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left", fontsize=7, ncol=2)
    fig.suptitle(f"Required vs available FTE per week from {t['week_start'].min():%Y-%m-%d} (UTC), per site; green: hiring classes start",
                 fontsize=10)
    for ax in axes[-1, :]:
        ax.set_xlabel("week of the horizon")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def check_capacity_folder(out_dir: str | Path) -> None:
    """Check, before the work, that capacity.csv and capacity.png can be written into ``out_dir`` (:class:`OutputError`)."""
    check_folder(out_dir, CAPACITY_FILES)


def write_capacity(result: CapacityResult, out_dir: str | Path) -> list[Path]:
    """capacity.csv and capacity.png, swapped into ``out_dir`` as one set (every other file there stays)."""
    return write_folder(out_dir, {
        tables.CAPACITY.name: partial(write_table, result.plan.table, tables.CAPACITY),
        CHART_FILE: partial(write_chart, result),
    }, known=CAPACITY_FILES)
