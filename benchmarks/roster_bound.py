"""How far can a lower bound rise? The per-agent relaxation of a roster instance, by column generation.

    python benchmarks/roster_bound.py [--only NAME] [--rounds 60] [--time-limit 60] [--effort 60]

The roster's gap is measured against the coverage programme
(:mod:`roster.rostering.bound`), a relaxation over pools of alike agents. A
tighter relaxation keeps each agent whole: every agent works one of its own
feasible weeks (every hard rule of the agent, each multi-skill shift's
channels under the channel block rules), and only the mix of weeks across
agents is fractional (Dantzig-Wolfe). This script solves that relaxation by
column generation, on the instances of ``roster_scale.py``:

* the *restricted master* (HiGHS, through SciPy): per class of identical
  agents (same pool, time off and limits), a convex mix of the weeks found so
  far; each channel-interval's missing agents cost the roster's own
  understaffing weight. Its value can only fall as weeks are added, and it
  is never below the per-agent relaxation's optimum: it is a *ceiling* on
  any bound this relaxation can give;
* the *pricing*: per class, its best week under the master's dual prices,
  solved exactly by the placement model (:func:`roster.rostering.model.build_placement`
  with each template worth what its coverage earns at those prices less its
  pay; a multi-skill shift's worth is its best channel sequence under the
  block rules, :func:`roster.rostering.rules.channels.best_sequence`). The
  prices then give a valid lower bound (Lagrangian): prices x requirement
  less each agent's best week's reduced worth (CP-SAT's proven bound on it);
* prices are smoothed toward the best so far (Wentges), starting from the
  coverage programme's own duals.

Soft rules are left out (they only add to a roster's objective), so every
bound printed is a valid lower bound on the roster objective.

Prints per instance: the roster's objective (``solve_roster`` with the given
limits), the coverage programme's bound and the roster's gap to it, the best
Lagrangian bound, and the restricted master's value after the last round:
the gap to that ceiling is the least gap any bound from the per-agent
relaxation could show for this roster.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model
from scipy.optimize import linprog

sys.path.insert(0, str(Path(__file__).resolve().parent))

from roster_scale import INSTANCES, instance  # noqa: E402

from roster.rostering import SolverConfig, solve_roster  # noqa: E402
from roster.rostering.bound import solve_coverage_lp  # noqa: E402
from roster.rostering.model import build_placement  # noqa: E402
from roster.rostering.rules.channels import SWITCH_TIE_BREAK, best_sequence, span_intervals  # noqa: E402
from roster.rostering.search import set_up  # noqa: E402
from roster.rostering.state import RosterState  # noqa: E402


def classes(s: RosterState) -> list[list[int]]:
    """Agents who can work exactly the same weeks: same pool, allowed templates, weekly limits and days worked before."""
    out: dict[tuple, list[int]] = {}
    for ai in range(len(s.agents)):
        a = s.state[ai]
        p = s.pools[a.pool]
        key = (a.pool, p.allowed[a.k].tobytes(), s.max_days[ai].tobytes(), s.min_paid_min[ai].tobytes(),
               s.max_paid_min[ai].tobytes(), int(s.run_before[ai]))
        out.setdefault(key, []).append(ai)
    return list(out.values())


def template_worth(s: RosterState, pi: int, price: np.ndarray) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """Per template of pool ``pi``: what its coverage earns at ``price`` less its pay (an upper bound), and its channels."""
    p = s.pools[pi]
    skills = s.skill_idx[pi]
    if not len(skills):
        return -p.cost.astype(float), None
    if len(skills) == 1:
        return p.cover @ price[skills[0]] - p.cost, None
    worth = np.empty(len(p.templates))
    seqs = []
    slack = SWITCH_TIE_BREAK * (s.rules.max_channel_switches + 1)  # the tie-break may give up this much worth
    for t, idx in enumerate(p.work):
        val = price[skills][:, idx]
        first, end = span_intervals(p.start_ns[t], p.end_ns[t], s.grid.t0.value, s.grid.step.value)
        seq = best_sequence(val, idx, first, end, s.block, s.rules.max_channel_switches)
        worth[t] = val[seq, np.arange(len(idx))].sum() + slack - p.cost[t]
        seqs.append(seq)
    return worth, seqs


def price_out(s: RosterState, price: np.ndarray, groups: list[list[int]]):
    """The Lagrangian bound at ``price`` and each class's best week (its coverage, flattened, and pay)."""
    price = np.clip(price, 0, s.w)
    worth = [template_worth(s, pi, price) for pi in range(len(s.pools))]
    bound = float((price * s.req).sum())
    weeks = []
    for members in groups:
        ai = members[0]
        a = s.state[ai]
        p = s.pools[a.pool]
        skills = s.skill_idx[a.pool]
        m = build_placement(s, ai, value=worth[a.pool][0])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 10
        status = solver.Solve(m.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise SystemExit(f"agent {s.agents[ai].agent_id}: no week under the hard rules ({solver.StatusName(status)})")
        bound -= solver.BestObjectiveBound() * len(members)  # proven: no week of theirs is worth more
        cover = np.zeros_like(s.w)
        pay = 0.0
        for (_, t), v in m.x.items():
            if solver.BooleanValue(v):
                pay += float(p.cost[t])
                if len(skills) == 1:
                    cover[skills[0], p.work[t]] += 1
                elif len(skills) > 1:
                    cover[skills[worth[a.pool][1][t]], p.work[t]] += 1
        weeks.append((cover.ravel(), pay))
    return bound, weeks


def master(s: RosterState, groups: list[list[int]], columns: list[list[tuple[np.ndarray, float]]]):
    """The restricted master: its value and the dual prices of the coverage rows."""
    n_ci = s.w.size
    rows, cols, vals, conv, pay = [], [], [], [], []
    j = 0
    for k, weeks in enumerate(columns):
        for cover, cost in weeks:
            nz = np.flatnonzero(cover)
            rows.append(nz)
            cols.append(np.full(len(nz), j))
            vals.append(-cover[nz])
            conv.append(k)
            pay.append(cost)
            j += 1
    rows.append(np.arange(n_ci))
    cols.append(j + np.arange(n_ci))
    vals.append(-np.ones(n_ci))
    a_ub = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_ci, j + n_ci))
    a_eq = sp.csr_matrix((np.ones(j), (conv, np.arange(j))), shape=(len(groups), j + n_ci))
    res = linprog(np.concatenate([pay, s.w.ravel()]), A_ub=a_ub, b_ub=-s.req.ravel().astype(float), A_eq=a_eq,
                  b_eq=np.array([len(g) for g in groups], dtype=float), bounds=(0, None), method="highs")
    if res.status != 0:
        raise SystemExit(f"restricted master: {res.message}")
    return float(res.fun), (-res.ineqlin.marginals).reshape(s.w.shape)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=INSTANCES, default="sample-2026-11-23")
    ap.add_argument("--rounds", type=int, default=60, help="column generation rounds")
    ap.add_argument("--time-limit", type=float, default=60)
    ap.add_argument("--effort", type=int, default=60)
    ap.add_argument("--smoothing", type=float, default=0.7, help="weight of the best prices so far in the next pricing")
    a = ap.parse_args()
    label, staffing, _targets, agents, rules, off, week, _note = instance(a.only)
    config = SolverConfig(time_limit_s=a.time_limit, effort=a.effort or None, workers=2, seed=0)
    res = solve_roster(staffing.requirements, agents, rules, off, grid=staffing.grid, week_start=week, config=config)
    objective = res.kpis.objective
    *_, demand, pools, cal = set_up(staffing.requirements, agents, rules, off, staffing.grid, week, 1, None, config)
    s = RosterState(pools, agents, rules, demand, config, cal.weeks, cal.start)
    lp = solve_coverage_lp(pools, agents, rules, demand, cal.weeks, time_limit_s=600)
    groups = classes(s)
    print(f"== {label}, week of {week}: {len(agents)} agents in {len(groups)} classes of identical agents")
    print(f"roster objective {objective:,.0f} (status {res.kpis.status}); coverage programme's bound {lp.objective:,.0f}, "
          f"gap {(objective - lp.objective) / objective:.1%}", flush=True)
    t0 = time.perf_counter()
    centre = np.clip(lp.prices, 0, s.w)
    best, weeks = price_out(s, centre, groups)
    columns = [[w] for w in weeks]
    value = math.inf
    for r in range(1, a.rounds + 1):
        value, duals = master(s, groups, columns)
        trial = a.smoothing * centre + (1 - a.smoothing) * duals
        bound, weeks = price_out(s, trial, groups)
        if bound > best:
            best, centre = bound, np.clip(trial, 0, s.w)
        else:  # no progress at the smoothed prices: price at the master's own too
            bound2, weeks2 = price_out(s, duals, groups)
            if bound2 > best:
                best, centre = bound2, np.clip(duals, 0, s.w)
            for k, w in enumerate(weeks2):
                columns[k].append(w)
        for k, w in enumerate(weeks):
            columns[k].append(w)
        if r % 10 == 0 or r == a.rounds:
            print(f"round {r}: master {value:,.0f}, best Lagrangian bound {best:,.0f} ({time.perf_counter() - t0:.0f} s)", flush=True)
        if value - best <= 1e-4 * value:
            print(f"converged at round {r}")
            break
    print(f"coverage programme's bound {lp.objective:,.0f}; per-agent relaxation: valid bound {max(best, lp.objective):,.0f}, "
          f"ceiling {value:,.0f} ({(value - lp.objective) / lp.objective:+.1%} over the programme's bound)")
    print(f"roster's gap: {(objective - max(best, lp.objective)) / objective:.1%} to the best valid bound; at least "
          f"{(objective - value) / objective:.1%} to any bound of the per-agent relaxation")


if __name__ == "__main__":
    main()
