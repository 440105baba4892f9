"""Close the gap on the sample: the recommendations' predicted shortfall and service level against a re-roster with them.

    python benchmarks/close_gap.py [--time-limit 60] [--effort 60] [--workers 2] [--leave-out K]

Runs the sample's plan (forecast, staffing, roster with the given time limit and
work budget, simulation), the recommendations that close the roster's gap
(:mod:`roster.planning.recommend`), then the roster again with the recommended
agents (recommended_agents.csv's rows, ``--extra-agents``), and prints per
recommendation what it is predicted to remove and cost, then the shortfall
(agent-hours) and the simulated service level per channel: the roster as it
was, predicted after the recommendations, and reached by the re-roster. About
five minutes on a 2-core machine. Figures, not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roster.planning.display import money  # noqa: E402
from roster.planning.inputs import load_inputs  # noqa: E402
from roster.planning.plan import run_plan  # noqa: E402
from roster.planning.settings import PlanSettings  # noqa: E402


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The roster options of the close-the-gap figures (shared with benchmarks/capacity.py)."""
    ap.add_argument("--time-limit", type=float, default=60.0, help="the roster step's time limit, seconds (each roster)")
    ap.add_argument("--effort", type=int, default=None, help="the roster search's work budget (default: the plan's)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--leave-out", type=int, default=0, metavar="K",
                    help="leave every K-th agent of agents.csv out of the team (0: the whole team), for a gap the team cannot cover")


def gap_figures(time_limit_s: float, effort: int | None, workers: int, leave_out: int = 0) -> None:
    """Plan the sample, close the roster's gap, re-roster with the recommended agents, and print predicted vs reached.

    ``leave_out`` = K > 0 plans with the sample's team less every K-th agent (and their time off).
    """
    t0 = time.perf_counter()
    inputs = load_inputs(ROOT / "data" / "samples")
    if leave_out > 0:
        kept = [a for i, a in enumerate(inputs.agents) if (i + 1) % leave_out]
        ids = {a.agent_id for a in kept}
        print(f"the sample's team less every {leave_out}th agent: {len(kept)} of {len(inputs.agents)} agents")
        inputs = dataclasses.replace(inputs, agents=kept, time_off=[t for t in inputs.time_off if t.agent_id in ids])
    settings = PlanSettings(time_limit_s=time_limit_s, workers=workers, **({} if effort is None else {"effort": effort}))
    result = run_plan(inputs, settings, close_gap=True, check_gap=True)
    gap, check = result.gap, result.gap_check
    print(f"sample plan, roster time limit {time_limit_s:g} s, effort {settings.effort}; "
          + ", ".join(f"{k} {v:.0f} s" for k, v in result.timings.items()))
    if gap is None:
        print("the roster is not short: nothing to close")
        return
    cur = inputs.rules.currency
    print(f"roster short {gap.short_agent_h:.1f} agent-h; coverage programme floor {gap.floor_agent_h:.1f} -> "
          f"{gap.floor_after_agent_h:.1f} with the additions")
    print(f"{'#':>2}  {'kind':<15}{'removes h':>10}{'cost':>12}  recommendation")
    for r in gap.recommendations:
        print(f"{r.rank:>2}  {r.kind:<15}{r.removed_agent_h:>10.1f}{money(r.cost, cur):>12}  {r.what}")
    print(f"all: {money(gap.cost, cur)}")
    for n in gap.notes:
        print(f"note: {n}")
    if check is None:
        print("no recommendation, no re-roster")
        return
    channels = sorted(set(gap.sl_before) | set(check.actual_sl))
    print(f"\n{'':<22}{'short agent-h':>14}" + "".join(f"{c + ' SL':>11}" for c in channels))
    for label, short, sl in (("roster as it was", gap.short_agent_h, gap.sl_before),
                             ("predicted", check.predicted_short_agent_h, check.predicted_sl),
                             ("re-rostered", check.actual_short_agent_h, check.actual_sl)):
        print(f"{label:<22}{short:>14.1f}" + "".join(f"{sl.get(c, float('nan')):>11.1%}" for c in channels))
    print(f"(re-roster: {check.roster.kpis.agents_rostered} agents, status {check.roster.kpis.status}, "
          f"programme floor {check.roster.kpis.bound_short_agent_h:.1f}); total {time.perf_counter() - t0:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(ap)
    args = ap.parse_args()
    gap_figures(args.time_limit, args.effort, args.workers, args.leave_out)


if __name__ == "__main__":
    main()
