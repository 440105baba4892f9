"""Staffing accuracy and speed, and the sample plan's staffing proven by simulation.

    python benchmarks/staffing.py

Prints: agreement with the published Erlang C example (100 calls per 30
minutes, AHT 180 s, 80% in 20 s -> 14 agents, SL 0.888); seconds for 10,000
intervals of Erlang C and 672 intervals (a week of 15 minutes) of Erlang A
(median of 5 runs); and, for the sample's 4-week forecast, the simulated
service level of the staffing `required_staff` asks for (agents_net on each
channel) against the target, per channel, with the share of intervals that
meet it.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roster import queueing as q  # noqa: E402


def timed(fn, runs=7):
    """Median and best wall time of ``runs`` warm calls (one untimed call first: imports and caches excluded)."""
    fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out), min(out)


def main() -> None:
    a = 100 * 180 / 1800
    n = int(q.erlang_c_agents(np.array([a]), 180, 20, 0.8)[0])
    sl = float(q.erlang_c_metrics(n, a, 180, 20)["sl"])
    print(f"published Erlang C example: {n} agents (expected 14), SL {sl:.3f} (expected 0.888)")

    rng = np.random.default_rng(0)
    loads = rng.uniform(0, 60, 10_000)
    loads[::10] = 0.0
    med, best = timed(lambda: q.erlang_c_agents(loads, 300, 20, 0.8, 0.9))
    print(f"Erlang C, minimal agents for 10,000 intervals (load 0-60 Erlangs, AHT 300 s, 80% in 20 s, occupancy <= 0.9): "
          f"{med:.4f} s median of 7 warm calls, best {best:.4f} s (target < 0.02 s)")
    lam = rng.uniform(0, 0.2, 672)
    med, best = timed(lambda: q.erlang_a_agents(lam, 330, 150, 20, 0.8, None, 0.88))
    print(f"Erlang A, minimal agents for 672 intervals (a week of 15 minutes; 0-0.2 calls/s, AHT 330 s, patience 150 s, "
          f"80% in 20 s, occupancy <= 0.88): {med:.3f} s median of 7 warm calls, best {best:.3f} s (target < 0.1 s)")
    n_a = q.erlang_a_agents(lam, 330, 150, 20, 0.8, None, 0.88)
    busy = n_a > 0
    fewer = q.erlang_a_metrics(np.maximum(n_a - 1, 0), lam, 330, 150, 20)
    minimal = ~((fewer["sl"] >= 0.8) & (fewer["occupancy"] <= 0.88))[busy]
    ref = [q._erlang_a_one(int(n_a[i]), lam[i], 1 / 330, 1 / 150, 20)[0] for i in np.flatnonzero(busy)[:50]]
    err = np.max(np.abs(q.erlang_a_metrics(n_a, lam, 330, 150, 20)["sl"][np.flatnonzero(busy)[:50]] - ref))
    print(f"  minimal: one agent fewer misses the target in {minimal.mean():.0%} of busy intervals; "
          f"largest SL difference from the scalar birth-death reference over 50 intervals: {err:.1e}")

    import pandas as pd

    from forecast.io import load_events, load_history
    from forecast.pipeline import run_forecast
    from roster.io import load_targets
    from roster.simulate import simulate, simulation_summary
    from roster.staffing import required_staff

    h = load_history(ROOT / "data" / "samples" / "history.csv.gz")
    ev = load_events(ROOT / "data" / "samples" / "events.csv", zones=sorted(h["tz"].unique()), channels=sorted(h["channel"].unique()))
    fc = run_forecast(h, ev, horizon_days=28, backtest=False).forecast
    tg = load_targets(ROOT / "data" / "samples" / "targets.toml")
    t = time.perf_counter()
    req = required_staff(fc, tg)
    print(f"required_staff for the sample's 4 weeks (4 channels x 2,688 intervals): {time.perf_counter() - t:.2f} s")
    corrected = required_staff(fc, tg, peak_correction=True)
    diff = corrected["agents_net"].to_numpy() - req["agents_net"].to_numpy()
    print(f"peak correction (modified offered load): changes {np.mean(diff != 0):.1%} of channel-intervals "
          f"(+{(diff > 0).sum()} / -{(diff < 0).sum()}), net {diff.sum() / 4:+,.1f} agent-hours over 4 weeks")
    staffing = req[["ds", "channel"]].assign(agents=req["agents_net"])
    t = time.perf_counter()
    sim = simulate(req[["ds", "channel", "volume", "aht_s"]], staffing, tg, seed=1, runs=3)
    print(f"simulation, 3 replications: {time.perf_counter() - t:.1f} s")
    s = simulation_summary(sim)
    pred = req.groupby("channel").apply(lambda g: (g["predicted_sl"] * g["volume"]).sum() / g["volume"].sum(), include_groups=False)
    s["analytic_sl"] = s["channel"].map(pred)
    print(s[["channel", "offered", "analytic_sl", "service_level", "target_sl", "abandon_rate", "intervals_meeting_target"]].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("(intervals_meeting_target: share of intervals with contacts whose simulated SL meets the target; "
          "small intervals are noisy: a 15-minute interval with 5 calls passes or fails on one call)")
    print("\nWhat meeting the target in 95% of intervals would cost (staffing is for the expected service level):")
    for extra in (1, 2):
        more = req[["ds", "channel"]].assign(agents=req["agents_net"] + np.where(req["volume"] > 0, extra, 0))
        s2 = simulation_summary(simulate(req[["ds", "channel", "volume", "aht_s"]], more, tg, seed=1, runs=1))
        hours = (more["agents"] - req["agents_net"]).sum() / 4
        print(f"  +{extra} agent per busy interval (+{hours:,.0f} agent-hours, +{hours / (req['agents_net'].sum() / 4):.0%}): "
              + ", ".join(f"{r.channel} {r.intervals_meeting_target:.0%}" for r in s2.itertuples()))


if __name__ == "__main__":
    main()
