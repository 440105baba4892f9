"""Roster solver at scale: the sample team's two weeks, generated 200- and 1,000-agent teams.

    python benchmarks/roster_scale.py [--only NAME] [--time-limit S] [--effort N] [--workers 2]

Instances (``--only`` runs one):

* ``sample-2026-11-23``, ``sample-2026-12-07``: the sample team (120 agents),
  the sample's requirements (forecast and staffing stages, backtest off).
* ``generated-200``: 200 agents on 2 sites (Charlotte, Lisbon), week of 2026-12-07.
* ``generated-1000``: 1,000 agents on 5 sites (Charlotte, Lisbon, Manila,
  Mexico City, Kraków) and the 4 channels, week of 2026-12-07.

A generated team's requirements are the sample's: its forecast volume scaled
by one factor (found by bisection) so that the week's required agent-hours
are 0.96 x the team's size over the sample team's (1.6 x the sample for 200
agents, 8 x for 1,000), then staffed by the staffing stage; the simulated
service level is then measured against the same scaled demand.

``--time-limit`` and ``--effort`` go to SolverConfig; their defaults are the
product's (roster.planning.settings). Without ``--only`` every instance runs
in its own process, so that each one's peak memory is its own.

Prints, per instance: seconds to the first roster and in all; understaffed
agent-hours against the relaxation's floor (the agent-hours even the
coverage programme's fractional roster leaves short) as a ratio, and how many
of the floor's agent-hours no agent with the skill can work at all;
over-staffing; the gap to the lower bound; channel switches per shift; the
share of voice intervals with calls whose expected service level (over the
simulator's replications, with the rostered agents less shrinkage) meets the
target, as the plan's summary counts it ("ivl ok"), over all of them and over
those the relaxation's floor leaves coverable (no agent short in the coverage
programme's solution); the process's peak
resident memory (getrusage ru_maxrss: the whole process, native solver
memory included); the validator's verdict and what ended the search.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roster.schema import Agent

SAMPLE = ROOT / "data" / "samples"
SAMPLE_TEAM = 120
#: a generated team faces 0.96 x its share of the sample's load (200 agents: 1.6 x the sample's requirement)
LOAD_PER_AGENT = 0.96
SITES = {
    "Charlotte": "America/New_York",
    "Lisbon": "Europe/Lisbon",
    "Manila": "Asia/Manila",
    "Mexico City": "America/Mexico_City",
    "Kraków": "Europe/Warsaw",
}
INSTANCES = ("sample-2026-11-23", "sample-2026-12-07", "generated-200", "generated-1000")


def sample_inputs():
    """The sample's forecast, its grid, the targets, the plan settings and the staffing stage's requirements."""
    from forecast.io.events import load_events
    from forecast.io.history import read_history
    from roster.io import load_targets
    from roster.planning.plan import PlanSettings, forecast_stage, staffing_stage

    h = read_history(SAMPLE / "history.csv.gz")
    ev = load_events(SAMPLE / "events.csv", zones=list(h.grid.zones), channels=sorted(h.frame["channel"].unique()))
    # the history ends 2026-11-21: the default 28-day horizon holds the local weeks of 2026-11-23 and 2026-12-07
    settings = PlanSettings(backtest=False)
    assert h.frame["ds"].max() + dt.timedelta(days=settings.horizon_days) > dt.datetime(2026, 12, 15, tzinfo=dt.UTC)
    fc = forecast_stage(h.frame, h.grid, ev, settings)
    targets = load_targets(SAMPLE / "targets.toml")
    return fc, targets, settings, staffing_stage(fc.forecast, fc.grid, targets, settings)


def week_agent_h(staffing, week_start: dt.date) -> float:
    r = staffing.requirements
    t0 = dt.datetime.combine(week_start, dt.time(), tzinfo=dt.UTC)
    sel = (r["ds"] >= t0) & (r["ds"] < t0 + dt.timedelta(days=7))
    return float(r.loc[sel, "agents_required"].sum() * staffing.grid.interval_h)


def scaled_staffing(fc, targets, settings, base, load: float, week_start: dt.date):
    """Requirements of the sample's forecast volume scaled so that the week needs ``load`` x the sample's agent-hours."""
    from roster.planning.plan import staffing_stage

    want = load * week_agent_h(base, week_start)
    cols = [c for c in ("volume", "volume_lo", "volume_hi") if c in fc.forecast.columns]

    def staff(f):
        return staffing_stage(fc.forecast.assign(**{c: fc.forecast[c] * f for c in cols}), fc.grid, targets, settings)

    lo, hi = 1.0, load * 1.5
    for _ in range(20):
        mid = (lo + hi) / 2
        s = staff(mid)
        if week_agent_h(s, week_start) < want:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-3 * lo:
            break
    s = staff(hi)
    return s, hi, week_agent_h(s, week_start) / week_agent_h(base, week_start)


def generated(n_agents, sites: dict[str, str], seed=3):
    rng = np.random.default_rng(seed)
    skills = [("voice",), ("voice", "chat"), ("chat", "email"), ("email", "social"), ("voice", "chat", "email", "social")]
    names = list(sites)
    # the first two sites carry 3 and 2 in 5 of the agents when there are two (as the sample); otherwise evenly
    pick = (lambda i: 0 if i % 5 < 3 else 1) if len(names) == 2 else (lambda i: i % len(names))
    agents = []
    for i in range(n_agents):
        site = names[pick(i)]
        agents.append(Agent(agent_id=f"G{i:04d}", site=site, site_tz=sites[site],
                            contract="full_time" if rng.random() < 0.75 else "part_time", skills=skills[rng.integers(len(skills))]))
    return agents


def voice_at_target(staffing, coverage, targets, grid, seed: int, floor=None) -> tuple[float, int, float, int]:
    """Share of voice intervals with calls whose expected service level meets the target, as the plan's summary counts
    it; and the same share over the intervals the relaxation's floor leaves coverable (``floor``: ds, channel, short)."""
    from roster.staffing.simulate import ROSTER_RUNS, simulate_roster

    req = staffing.requirements
    sim = simulate_roster(req[req["channel"] == "voice"], coverage[coverage["channel"] == "voice"], targets,
                          grid=grid, seed=seed, runs=ROSTER_RUNS)
    busy = sim[(sim["channel"] == "voice") & (sim["offered"] > 0) & sim["service_level"].notna()]
    ok = busy["service_level"] >= busy["target_sl"]
    if floor is None:
        return float(ok.mean()), len(busy), float("nan"), 0
    short = floor[(floor["channel"] == "voice") & (floor["short"] > 1e-6)]["ds"]
    coverable = ~busy["ds"].isin(set(short))
    return float(ok.mean()), len(busy), float(ok[coverable].mean()), int(coverable.sum())


def capture_floor():
    """Record the coverage programme's per-interval shortfall (the relaxation's floor) of the next roster search.

    Returns a dict filled with ``floor``: ds (the plan's grid), channel, short (agents the relaxation leaves short).
    """
    import pandas as pd

    from roster.rostering import search

    out = {}
    solve = search.solve_coverage_lp

    def recording(pools, agents, rules, grid, weeks, **kw):
        lp = solve(pools, agents, rules, grid, weeks, **kw)
        if lp.short is not None:
            ds = grid.t0 + np.arange(grid.n) * grid.step
            out["floor"] = pd.concat([pd.DataFrame({"ds": ds, "channel": c, "short": lp.short[i]}) for i, c in enumerate(grid.channels)])
        return lp

    search.solve_coverage_lp = recording
    return out


def run(name, staffing, targets, agents, rules, time_off, week_start, limit, effort, workers, note=""):
    from roster.rostering import SolverConfig, solve_roster

    captured = capture_floor()
    t = time.perf_counter()
    res = solve_roster(staffing.requirements, agents, rules, time_off, grid=staffing.grid, week_start=week_start,
                       config=SolverConfig(time_limit_s=limit, effort=effort or None, workers=workers, seed=0))
    total = time.perf_counter() - t
    k = res.kpis
    need = k.required_agent_h
    over = (k.scheduled_agent_h - need + k.under_agent_h) / need
    floor = k.bound_short_agent_h
    floor_frame = captured.get("floor")
    if floor_frame is not None:  # on the plan's grid: an interval is short if any of its roster intervals is
        floor_frame = floor_frame.assign(ds=floor_frame["ds"].dt.floor(staffing.grid.step)).groupby(["ds", "channel"], as_index=False)["short"].max()
    sl, n_voice, sl_ok, n_ok = voice_at_target(staffing, res.coverage, targets, staffing.grid, seed=0, floor=floor_frame)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    n_sites = len({a.site for a in agents})
    print(f"\n== {name}: {len(agents):,} agents on {n_sites} site(s), week of {week_start}, {k.variables:,} agent-shift options"
          f"{note}; time limit {limit:g} s, effort {effort or 'none'}, {workers} worker(s)")
    print(f"first roster at {k.first_solution_s:.1f} s; total {total:.1f} s (templates {k.build_s:.1f} s, bound {k.bound_s:.1f} s, "
          f"final steps {k.finish_s:.1f} s; status {k.status}; search ended by: {k.search_ended_by or '-'})")
    ratio = f"{k.under_agent_h / floor:.2f}x" if floor and not math.isnan(floor) else "n/a"
    print(f"understaffed: {k.under_agent_h:,.1f} agent-h vs the relaxation's floor {floor:,.1f} agent-h = {ratio}, {k.under_agent_h - floor:+,.1f} agent-h "
          f"(of the floor, {k.unreachable_agent_h:,.1f} agent-h where no agent with the skill can work); "
          f"{k.intervals_understaffed:,} channel-intervals short")
    print(f"over-staffed: {over:.1%} over the requirement ({k.over_agent_h:,.1f} agent-h above it; requirement {need:,.0f} agent-h, "
          f"at work on channels {k.scheduled_agent_h:,.0f})")
    print(f"gap to the lower bound: {k.gap:.1%} (objective {k.objective:,.0f}, first roster {k.first_objective:,.0f}, bound {k.bound:,.0f})")
    print(f"channel switches per shift: {k.switches_per_shift_mean:.2f} mean, {k.switches_per_shift_max} max "
          f"({k.channel_switches:,} in {k.shifts:,} shifts; {k.shifts_over_max_switches} over the limit)")
    print(f"voice intervals at target: {sl:.1%} of {n_voice:,} intervals with calls (expected service level over the simulator's "
          f"replications, rostered agents less shrinkage); {sl_ok:.1%} of the {n_ok:,} the relaxation's floor leaves coverable")
    print(f"peak memory (ru_maxrss, whole process): {peak_gb:.2f} GB")
    print(f"validator: {'OK' if k.violations == 0 else str(k.violations) + ' violations'}", flush=True)


def instance(name: str):
    """One of :data:`INSTANCES`: ``(label, staffing, targets, agents, rules, time_off, week_start, note)``."""
    from roster.io import load_agents, load_rules, load_time_off

    rules = load_rules(SAMPLE / "rules.toml")
    fc, targets, settings, base = sample_inputs()
    if name.startswith("sample-"):
        agents = load_agents(SAMPLE / "agents.csv", rules)
        off = load_time_off(SAMPLE / "time_off.csv", agents)
        return "sample team", base, targets, agents, rules, off, dt.date.fromisoformat(name.removeprefix("sample-")), ""
    n = int(name.removeprefix("generated-"))
    week = dt.date(2026, 12, 7)
    sites = dict(list(SITES.items())[:2]) if n <= 200 else SITES
    staffing, f, load = scaled_staffing(fc, targets, settings, base, LOAD_PER_AGENT * n / SAMPLE_TEAM, week)
    return (f"generated team ({n})", staffing, targets, generated(n, sites), rules, [], week,
            f"; demand = sample volume x {f:.2f} ({load:.2f}x the sample's agent-h)")


def run_one(name: str, a) -> None:
    label, staffing, targets, agents, rules, off, week, note = instance(name)
    run(label, staffing, targets, agents, rules, off, week, a.time_limit, a.effort, a.workers, note=note)


def main() -> None:
    from roster.planning.settings import default

    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=INSTANCES, help="run one instance (in this process)")
    ap.add_argument("--time-limit", type=float, default=default("time_limit_s"))
    ap.add_argument("--effort", type=int, default=default("effort"), help="work budget; 0 = the time limit alone")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    if a.only:
        run_one(a.only, a)
        return
    for name in INSTANCES:
        subprocess.run([sys.executable, __file__, "--only", name, "--time-limit", str(a.time_limit), "--effort", str(a.effort),
                        "--workers", str(a.workers)], check=True)


if __name__ == "__main__":
    main()
