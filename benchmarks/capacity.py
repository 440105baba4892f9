"""Capacity and close the gap on the sample: the recommendations' predicted vs re-rostered shortfall and service level,
then the 26-week hiring plan's weekly gap and its cost against overtime alone.

First the close-the-gap figures of benchmarks/close_gap.py (its code, imported): the sample's roster, the
recommendations, and the roster again with the recommended agents, predicted against reached (``--skip-gap`` leaves
them out; several minutes). The sample's whole team can cover its week (the coverage programme's floor is 0, so
nothing is recommended), so by default the team is the sample's less every 6th agent (``--leave-out 6``; 0: the
whole team), whose week has a gap the additions must close.

Then three capacity cases on the sample's forecast, planned per channel and site: the sample's own 120 agents and
rules.toml's [capacity] settings (3% attrition a month); the same team losing 10% a month (``--attrition``); and that
attrition with the requirement growing linearly to ``--growth`` more by the horizon's end (a growing business), which
overtime within its cap cannot follow, so the plan hires classes. For each: the smallest weekly gap of a channel at a
site after the plan (must be >= 0), the hiring classes (channel, site, week), the plan's cost (hires' wages and
recruiting + overtime) against covering the same requirement with overtime alone (no hires, overtime uncapped), and the
programme's time. Also the time of the forecast and of the interval staffing on the native 15-minute grid against an
hourly grid, with the weekly FTE of both.

    PYTHONPATH=$PWD python benchmarks/capacity.py [--weeks 26] [--attrition 0.10] [--growth 0.25] [--skip-gap] [--leave-out 6]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.close_gap import add_arguments, gap_figures  # noqa: E402
from roster.planning.capacity import (  # noqa: E402
    capacity_settings,
    channel_totals,
    full_time_week_h,
    headcount,
    plan_capacity,
    weekly_requirement,
)
from roster.planning.display import money  # noqa: E402
from roster.planning.inputs import load_inputs  # noqa: E402
from roster.planning.plan import forecast_stage, staffing_stage  # noqa: E402
from roster.planning.settings import PlanSettings  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def report(label: str, weekly, agents, rules) -> None:
    pools = headcount(agents, rules)
    t = time.perf_counter()
    plan = plan_capacity(weekly, pools, rules)
    s = time.perf_counter() - t
    cur = rules.currency
    print(f"\n{label}: {len(agents)} agents, {pools['fte'].sum():.1f} FTE today")
    print(f"  smallest weekly gap after the plan: {plan.min_gap_fte:+.3f} FTE ({'OK' if plan.min_gap_fte >= 0 else 'NEGATIVE'})")
    print(f"  hiring classes: {len(plan.classes)}, {int(plan.classes['hires'].sum()) if len(plan.classes) else 0} hires"
          + ("".join(f"\n    week {r.start_week:>2}: {r.hires:>2} {r.channel} at {r.site} (requisition week {r.requisition_week})"
                     for r in plan.classes.itertuples(index=False))))
    tot = channel_totals(plan.table)
    print(f"  plan cost: {money(plan.cost, cur)} (hires {money(plan.hire_cost, cur)}, overtime {money(plan.overtime_cost, cur)}, "
          f"{tot['overtime_h'].sum():,.0f} h)")
    print(f"  overtime only: {money(plan.overtime_only_cost, cur)} ({tot['overtime_only_fte'].sum() * full_time_week_h(rules):,.0f} h; "
          f"up to {plan.overtime_only_peak_share:.0%} more hours in a week); within the "
          f"{rules.capacity.overtime_max_share:.0%} cap it leaves {plan.overtime_only_capped_short_fte_weeks:,.1f} FTE-weeks uncovered")
    diff = plan.cost - plan.overtime_only_cost
    if plan.overtime_only_cost > 0:
        print(f"  the plan costs {money(abs(diff), cur)} ({abs(diff) / plan.overtime_only_cost:.1%}) {'more' if diff > 0 else 'less'} "
              "than overtime alone, uncapped")
    else:
        print("  no overtime needed either way")
    print(f"  programme: {s:.2f} s, within {plan.optimality_gap:.2%} of its bound")
    for n in plan.notes:
        print(f"  note: {n}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weeks", type=int, default=26)
    ap.add_argument("--attrition", type=float, default=0.10, help="monthly attrition of the second and third cases")
    ap.add_argument("--growth", type=float, default=0.25, help="the third case's requirement growth by the horizon's end (0.25 = +25%%)")
    ap.add_argument("--skip-gap", action="store_true", help="leave out the close-the-gap figures (about five minutes)")
    add_arguments(ap)
    ap.set_defaults(leave_out=6)  # the whole sample team covers its week (the programme's floor is 0): nothing to recommend
    args = ap.parse_args()
    if not args.skip_gap:
        print("== close the gap on the sample (benchmarks/close_gap.py)")
        gap_figures(args.time_limit, args.effort, args.workers, args.leave_out)
        print(f"\n== capacity plan, {args.weeks} weeks")
    t = time.perf_counter()
    inputs = load_inputs(SAMPLES)
    print(f"load: {time.perf_counter() - t:.1f} s; history {inputs.grid.start:%Y-%m-%d} to {inputs.grid.end:%Y-%m-%d}, "
          f"{inputs.grid.interval_min}-minute grid")
    settings = PlanSettings(horizon_days=7 * args.weeks)
    t = time.perf_counter()
    fc = forecast_stage(inputs.history, inputs.grid, inputs.events, settings)
    print(f"forecast of {args.weeks} weeks with the backtest: {time.perf_counter() - t:.1f} s, {len(fc.forecast):,} rows")
    weekly = {}
    for interval in (None, 60):
        t = time.perf_counter()
        st = staffing_stage(fc.forecast, fc.grid, inputs.targets, settings.model_copy(update={"interval_min": interval}))
        w = weekly_requirement(st.requirements, st.grid, inputs.targets, inputs.rules, args.weeks, inputs.agents)
        weekly[interval] = w
        print(f"staffing on the {st.grid.interval_min}-minute grid: {time.perf_counter() - t:.1f} s, {len(st.requirements):,} rows; "
              f"required FTE per week {w.groupby('week')['required_fte'].sum().mean():.2f} on average, "
              f"{w.groupby('week')['required_fte'].sum().max():.2f} at the peak")
    report(f"the sample's team, {inputs.rules.capacity.attrition_per_month:.0%} attrition a month", weekly[None], inputs.agents, inputs.rules)
    report(f"the sample's team, {args.attrition:.0%} attrition a month", weekly[None], inputs.agents,
           capacity_settings(inputs.rules, attrition_per_month=args.attrition))
    grown = weekly[None].copy()
    factor = 1.0 + args.growth * (grown["week"] - 1) / max(args.weeks - 1, 1)
    grown[["required_net_fte", "required_fte"]] = grown[["required_net_fte", "required_fte"]].mul(factor, axis=0)
    report(f"the sample's team, {args.attrition:.0%} attrition a month and the requirement growing to +{args.growth:.0%} by week "
           f"{args.weeks}", grown, inputs.agents, capacity_settings(inputs.rules, attrition_per_month=args.attrition))


if __name__ == "__main__":
    main()
