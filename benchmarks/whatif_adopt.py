"""Adopting a what-if event on the bundled sample (120 agents, four channels): time, shifts kept, the event's service level.

    python benchmarks/whatif_adopt.py [--time-limit 20] [--uplift 2.0] [--hours 6]

Makes the base plan (no backtest, 15-minute grid, the given roster time limit), then adopts a flash sale on the roster
week's Wednesday afternoon (New York time, voice and chat) twice: keeping every shift outside the event's days, and
re-rostering the whole week. Prints, for each, the seconds the adoption took, the shifts kept and changed, the extra
paid hours and cost, and per channel the simulated service level during the event before (the base roster) and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from forecast.scenario import PlannedEvent
from roster.planning.adopt import adopt_plan
from roster.planning.inputs import load_inputs
from roster.planning.plan import PlanSettings, run_plan
from ui.cli.common import SAMPLE_DIR, quiet_libraries


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--uplift", type=float, default=2.0)
    ap.add_argument("--hours", type=float, default=6.0)
    args = ap.parse_args()
    quiet_libraries()
    settings = PlanSettings(backtest=False, time_limit_s=args.time_limit, horizon_days=14)
    t = time.perf_counter()
    plan = run_plan(load_inputs(SAMPLE_DIR), settings)
    print(f"base plan: {time.perf_counter() - t:.1f} s; {plan.roster.kpis.shifts} shifts, {plan.roster.kpis.paid_h:,.0f} paid h")
    event = PlannedEvent(name="Flash sale", start=dt.datetime.combine(plan.week_start + dt.timedelta(days=2), dt.time(12)),
                         local_tz="America/New_York", duration_h=args.hours, channels=("voice", "chat"), uplift=args.uplift)
    for keep in ("outside_event", False):
        t = time.perf_counter()
        a = adopt_plan(plan, event, keep_roster=keep)
        tot = a.totals
        print(f"\nkeep_roster={keep!s:<14} {time.perf_counter() - t:6.1f} s  shifts kept {tot.shifts_kept}, new or moved "
              f"{tot.shifts_changed}; extra paid h {tot.extra_paid_h:+,.1f}, extra cost {tot.extra_cost:+,.0f}")
        for r in a.channels.itertuples(index=False):
            print(f"  {r.channel:<6} SL during the event {r.sl_before:6.1%} -> {r.sl_after:6.1%} (target {r.target_sl:.0%}); "
                  f"agents {r.agents_before:5.1f} -> {r.agents_after:5.1f}, required {r.required_after:5.1f}")


if __name__ == "__main__":
    main()
