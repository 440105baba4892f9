"""The roster step against its time limit and its work budget, on a small generated team.

    python benchmarks/roster_time_limit.py [--agents 40] [--limits 2 5 10] [--effort 100] [--workers 2]

Prints, per time limit: the wall time of the whole roster step with wall time
only (``effort`` 0) and with the work budget, what ended each search, and
whether two runs with the same inputs and seed gave the same roster.csv bytes.
The rules are the sample's with ``min_rest_h = 30`` (rest reaching beyond the
next day, and agents whose minimum the explanation must look at). Wall times
are noisy on a shared machine: read them as figures, not as a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.roster_scale import SITES, generated  # noqa: E402
from forecast.timegrid import TimeGrid  # noqa: E402

WEEK = dt.date(2026, 12, 7)


def requirements(n_agents: int) -> pd.DataFrame:
    """Four channels, 06:00-22:00 New York, about what ``n_agents`` can cover, on a 15-minute grid over the roster week."""
    ds = pd.date_range("2026-12-06T00:00Z", "2026-12-15T00:00Z", freq="15min", inclusive="left")
    h = ds.tz_convert("America/New_York").hour
    rng = np.random.default_rng(0)
    rows = []
    for c, share in (("voice", 0.35), ("chat", 0.25), ("email", 0.15), ("social", 0.1)):
        level = np.where((h >= 6) & (h < 22), np.round(n_agents * share * (0.6 + 0.4 * rng.random(len(ds)))), 0).astype(int)
        rows.append(pd.DataFrame({"ds": ds, "channel": c, "agents_required": level}))
    return pd.concat(rows, ignore_index=True).sort_values(["ds", "channel"], ignore_index=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=40)
    ap.add_argument("--limits", type=float, nargs="+", default=[2, 5, 10])
    ap.add_argument("--effort", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()

    from roster.io import load_rules
    from roster.rostering import SolverConfig, solve_roster
    from roster.rostering.export import write_roster_csv

    rules = load_rules(ROOT / "data" / "samples" / "rules.toml").model_copy(update={"min_rest_h": 30})
    agents = generated(a.agents, dict(list(SITES.items())[:2]))  # the sample's two sites, 3 in 5 agents at the first
    req = requirements(a.agents)
    grid = TimeGrid.from_frame(req, file="requirements")

    def run(limit: float, effort: int):
        t = time.perf_counter()
        res = solve_roster(req, agents, rules, [], grid=grid, week_start=WEEK,
                           config=SolverConfig(time_limit_s=limit, workers=a.workers, seed=0, effort=effort or None))
        return time.perf_counter() - t, res

    print(f"{a.agents} generated agents, week of {WEEK}, min_rest_h = 30; {a.workers} workers")
    print(f"{'limit s':>8}{'effort':>8}{'wall s':>9}{'over s':>8}  ended by        status      violations  same bytes")
    for limit in a.limits:
        for effort in (0, a.effort):
            wall, res = run(limit, effort)
            same = ""
            if effort:
                _, again = run(limit, effort)
                with tempfile.TemporaryDirectory() as d:
                    same = str(write_roster_csv(res.roster, Path(d) / "a.csv").read_bytes()
                               == write_roster_csv(again.roster, Path(d) / "b.csv").read_bytes())
            k = res.kpis
            print(f"{limit:>8g}{effort:>8}{wall:>9.1f}{wall - limit:>8.1f}  {k.search_ended_by:<15} {k.status:<11} {k.violations:>10}  {same}")


if __name__ == "__main__":
    main()
