"""Where the roster's objective is lost against the coverage programme's lower bound, term by term.

    python benchmarks/roster_objective_gap.py --only sample-2026-11-23 [--time-limit S] [--effort N] [--workers 2] [--seed 0]

Instances as :mod:`benchmarks.roster_scale` (``--only`` is required). Solves the
roster at the product's defaults and prints, for the roster the search ends
with and the programme's fractional plan (its solution, whose objective is
the bound):

* the objective split into understaffing, paid time and soft rules (the
  programme has no soft rules), and each one's share of the gap;
* per channel: agent-hours short and their cost, the programme's, and the
  agent-hours above the requirement;
* the understaffing the channel block rules cost on the roster's own shifts
  (its shortfall against the same shifts with channels chosen freely per
  interval: the programme chooses them so);
* the short channel-intervals: how many are one agent short, how many have
  an agent with the skill at work then serving another channel, and how many
  one serving a channel above its requirement (a move the channel block
  rules forbid, or the channel assignment misses);
* per pool of agents (site, contract, skills): paid hours a week of the
  roster and of the plan.

The search's final state and the programme's result are read by wrapping
two of :mod:`roster.rostering.search`'s functions for the one solve.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import roster_scale


def capture() -> dict:
    """Record the next roster search's final state (``state``) and coverage programme result (``lp``)."""
    from roster.rostering import search

    out: dict = {}
    solve_lp, result = search.solve_coverage_lp, search._result

    def recording_lp(*a, **kw):
        out["lp"] = solve_lp(*a, **kw)
        return out["lp"]

    def recording_result(best, *a, **kw):
        out["state"] = best
        return result(best, *a, **kw)

    search.solve_coverage_lp, search._result = recording_lp, recording_result
    return out


def report(s, lp, kpis) -> None:
    from roster.rostering.channels import channel_block_cost_agent_h

    h = s.grid.interval_min / 60
    under, paid, soft = s.under_cost(), s.cost_total, s.soft_total
    lp_paid = sum(float(c @ p.cost) for c, p in zip(lp.counts, s.pools))
    lp_under = float((lp.short * s.w).sum())
    gap = s.objective() - lp.objective
    print(f"objective {s.objective():,.0f} (result {kpis.objective:,.0f}), bound {lp.objective:,.0f}: gap {gap:,.0f} "
          f"= {gap / max(s.objective(), 1):.1%} of the objective")
    for label, mine, theirs in (("understaffing", under, lp_under), ("paid time", paid, lp_paid), ("soft rules", soft, 0.0)):
        print(f"  {label:14s} roster {mine:12,.0f}  programme {theirs:12,.0f}  difference {mine - theirs:+12,.0f} "
              f"({(mine - theirs) / gap:.0%} of the gap)" if gap else "")
    print("per channel (agent-h):")
    for c, ch in enumerate(s.grid.channels):
        short = np.maximum(s.rem[c], 0)
        print(f"  {ch:8s} short {short.sum() * h:6.1f} (cost {(short * s.w[c]).sum():9,.0f}); programme short "
              f"{lp.short[c].sum() * h:6.1f}; above the requirement {np.maximum(-s.rem[c], 0).sum() * h:7.1f}")
    print(f"the channel block rules cost {channel_block_cost_agent_h(s):.1f} agent-h of cover on the roster's shifts "
          f"(of {np.maximum(s.rem, 0).sum() * h:.1f} short)")
    short_ci = np.argwhere(s.rem > 0)
    elsewhere = np.zeros_like(s.rem)  # agents at work with the skill, serving another channel
    spare = np.zeros_like(s.rem)  # ... one that has more agents than it requires then
    for st in s.state:
        for idx, chan in st.chan.values():
            over = (chan >= 0) & (s.rem[np.maximum(chan, 0), idx] < 0)
            for c in s.skill_idx[st.pool]:
                np.add.at(elsewhere[c], idx[chan != c], 1)
                np.add.at(spare[c], idx[(chan != c) & over], 1)
    ones = int((s.rem[s.rem > 0] == 1).sum())
    served_elsewhere = int(sum(elsewhere[c, i] > 0 for c, i in short_ci))
    from_spare = int(sum(spare[c, i] > 0 for c, i in short_ci))
    print(f"{len(short_ci)} channel-intervals short: {ones} by one agent; {served_elsewhere} with an agent of the skill "
          f"at work then on another channel, {from_spare} on a channel above its requirement then (kept there by the "
          f"channel block rules or missed by the channel assignment)")
    print("paid hours per pool (roster / programme's plan):")
    for pi, p in enumerate(s.pools):
        mine = sum(p.paid_min[t] for a in p.agents for t in s.state[a].shifts.values()) / 60
        theirs = float(lp.counts[pi] @ p.paid_min) / 60
        print(f"  {p.site_tz:18s} {p.contract:10s} {'+'.join(p.skills):28s} {len(p.agents):3d} agents "
              f"{mine:7.0f} / {theirs:7.0f} h ({mine - theirs:+6.0f})")


def main() -> None:
    from roster.planning.settings import default
    from roster.rostering import SolverConfig, solve_roster

    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=roster_scale.INSTANCES, required=True)
    ap.add_argument("--time-limit", type=float, default=default("time_limit_s"))
    ap.add_argument("--effort", type=int, default=default("effort"), help="work budget; 0 = the time limit alone")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    label, staffing, _targets, agents, rules, off, week, note = roster_scale.instance(a.only)
    out = capture()
    t = time.perf_counter()
    res = solve_roster(staffing.requirements, agents, rules, off, grid=staffing.grid, week_start=week,
                       config=SolverConfig(time_limit_s=a.time_limit, effort=a.effort or None, workers=a.workers, seed=a.seed))
    print(f"== {label}, week of {week}{note}: solved in {time.perf_counter() - t:.1f} s (effort {a.effort or 'none'}, "
          f"seed {a.seed}, {a.workers} worker(s)); search ended by: {res.kpis.search_ended_by}")
    if out.get("lp") is None or out["lp"].counts is None:
        print("the coverage programme was not solved: no bound to compare with")
        return
    report(out["state"], out["lp"], res.kpis)


if __name__ == "__main__":
    main()
