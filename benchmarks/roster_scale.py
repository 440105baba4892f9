"""Roster solver at scale: the sample team and a generated 200-agent team.

    python benchmarks/roster_scale.py [--time-limit 60] [--workers 2]

Prints, per instance: seconds to build the shift templates, to the first
roster and in all; agent-hours at work on channels and paid vs the sum of the
requirement (over-staffing %), understaffed agent-hours, the lower bound from
the coverage programme and the gap to it, what the relaxation itself leaves
short (under-staffing no roster can avoid), and the validator's verdict.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roster.schema import Agent  # noqa: E402


def sample_requirements():
    from forecast.io.events import load_events
    from forecast.io.history import read_history
    from roster.io import load_targets
    from roster.planning.plan import PlanSettings, forecast_stage, staffing_stage

    h = read_history(ROOT / "data" / "samples" / "history.csv.gz")
    ev = load_events(ROOT / "data" / "samples" / "events.csv", zones=list(h.grid.zones), channels=sorted(h.frame["channel"].unique()))
    settings = PlanSettings(backtest=False)
    fc = forecast_stage(h.frame, h.grid, ev, settings)
    return staffing_stage(fc.forecast, fc.grid, load_targets(ROOT / "data" / "samples" / "targets.toml"), settings)


def run(name, staffing, agents, rules, time_off, week_start, limit, workers):
    from roster.rostering import SolverConfig, solve_roster

    t = time.perf_counter()
    res = solve_roster(staffing.requirements, agents, rules, time_off, grid=staffing.grid, week_start=week_start,
                       config=SolverConfig(time_limit_s=limit, workers=workers, seed=0))
    total = time.perf_counter() - t
    k = res.kpis
    need = k.required_agent_h
    over = (k.scheduled_agent_h - need + k.under_agent_h) / need
    print(f"\n== {name}: {len(agents)} agents, week of {week_start}, {k.variables:,} agent-shift options")
    print(f"templates built {k.build_s:.1f} s; first roster at {k.first_solution_s:.1f} s; total {total:.1f} s ({k.status}; final steps {k.finish_s:.1f} s)")
    print(f"objective: first roster {k.first_objective:,.0f}, final {k.objective:,.0f}; lower bound {k.bound:,.0f} "
          f"(coverage programme, {k.bound_s:.1f} s); gap {k.gap:.1%}")
    print(f"requirement {need:,.0f} agent-h; at work on channels {k.scheduled_agent_h:,.0f}; paid {k.paid_h:,.0f} h; "
          f"{k.channel_switches:,} channel switches in {k.shifts:,} shifts ({k.switches_per_shift_mean:.2f} a shift, "
          f"{k.switches_per_shift_max} at most; the channel rules cost {k.channel_block_cost_agent_h:,.1f} agent-h of cover)")
    print(f"understaffed: {k.under_agent_h:,.1f} agent-h ({k.under_agent_intervals:,} agent-intervals); "
          f"over-staffed: {k.over_agent_h:,.1f} agent-h = {over:.1%} over the requirement (scheduled - covered requirement)")
    if k.bound_at_work_agent_h == k.bound_at_work_agent_h:
        b_over = (k.bound_at_work_agent_h - need + k.bound_short_agent_h) / need
        print(f"the relaxation (fractional shifts, the best any roster could do): {k.bound_short_agent_h:,.1f} agent-h short "
              f"({k.unreachable_agent_h:,.1f} of them where no agent with the skill can work at all, e.g. before a site's week begins), "
              f"{b_over:.1%} over: under-staffing below it is impossible with these agents, rules and shift shapes")
    print(f"validator: {'OK' if k.violations == 0 else str(k.violations) + ' violations'}")


def generated(n_agents, rules, seed=3):
    rng = np.random.default_rng(seed)
    skills = [("voice",), ("voice", "chat"), ("chat", "email"), ("email", "social"), ("voice", "chat", "email", "social")]
    agents = []
    for i in range(n_agents):
        site_tz = "America/New_York" if i % 5 < 3 else "Europe/Lisbon"
        agents.append(Agent(agent_id=f"G{i:03d}", site="NY" if site_tz.startswith("America") else "LIS", site_tz=site_tz,
                            contract="full_time" if rng.random() < 0.75 else "part_time", skills=skills[rng.integers(len(skills))]))
    return agents


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    import dataclasses
    import datetime as dt

    from roster.io import load_agents, load_rules, load_time_off

    rules = load_rules(ROOT / "data" / "samples" / "rules.toml")
    agents = load_agents(ROOT / "data" / "samples" / "agents.csv", rules)
    off = load_time_off(ROOT / "data" / "samples" / "time_off.csv", agents)
    req = sample_requirements()
    for week in (dt.date(2026, 11, 23), dt.date(2026, 12, 7)):
        run("sample team", req, agents, rules, off, week, a.time_limit, a.workers)
    # a 200-agent team (1.67x the sample team) facing the sample demand scaled by 1.6, between its contract minimum and maximum hours
    big = generated(200, rules)
    scaled = req.requirements.assign(agents_required=np.ceil(req.requirements["agents_required"] * 1.6).astype(int))
    run("generated team", dataclasses.replace(req, requirements=scaled), big, rules, [], dt.date(2026, 12, 7), a.time_limit, a.workers)


if __name__ == "__main__":
    main()
