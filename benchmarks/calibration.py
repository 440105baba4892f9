"""Staffing predictions against what happened: the Anonymous Bank call centre, uncalibrated vs calibrated.

    python benchmarks/calibration.py [--agents sessions|served] [--session-gap-min 60] [--bands none|0,6,12,18]

Builds the interval report (15 minutes) from the call-by-call log of January 1999 in
../shared/data/anonbank_calls_1999 (read in place, never copied; ``shiftcast actuals-from-log`` does the same), fits
the calibration on the first half of the month (local days 1-15) and scores it on the second (16-31), then the other
way round. For each: the MAE and bias (predicted - observed) of the service level within 20 s and of the abandonment
rate, over the intervals with calls, for the uncalibrated model (Erlang A with every agent staffed available and the
sample targets' patience of 150 s) and the calibrated one (the fitted availability, per time-of-day band where fitted,
and the patience from the waits), in sample and out of sample; the MAE sampling noise alone would give; the figures
fitted and the seconds taken.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecast.io.contact_log import actuals_from_log  # noqa: E402
from roster.io import load_targets  # noqa: E402
from roster.staffing.calibration import fit_calibration, score_calibration  # noqa: E402

LOG = ROOT.parent / "shared" / "data" / "anonbank_calls_1999" / "january.txt"
ZONE = "Asia/Jerusalem"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", default="sessions", choices=["sessions", "served"])
    ap.add_argument("--session-gap-min", type=float, default=60.0)
    ap.add_argument("--bands", default="0,6,12,18")
    ap.add_argument("--patience", default="waits", choices=["waits", "fit"])
    args = ap.parse_args()
    if not LOG.is_file():
        print(f"not found: {LOG}")
        return 1
    bands = (0,) if args.bands == "none" else tuple(int(v) for v in args.bands.split(","))
    targets = load_targets(ROOT / "data" / "samples" / "targets.toml")  # voice: erlang_a, 20 s, patience 150 s
    t0 = time.perf_counter()
    frame, grid = actuals_from_log(LOG, target_s=targets.channels["voice"].target_s, tz=ZONE, agents=args.agents,
                                   session_gap_min=args.session_gap_min)
    t_build = time.perf_counter() - t0
    cut = pd.Timestamp("1999-01-16", tz=ZONE).tz_convert("UTC")
    halves = {"Jan 1-15": frame[frame["ds"] < cut], "Jan 16-31": frame[frame["ds"] >= cut]}
    print(f"interval report: {len(frame):,} intervals of 15 min, {frame['offered'].sum():,.0f} calls offered, "
          f"{frame['abandoned'].sum() / frame['offered'].sum():.1%} abandoned, "
          f"{frame['answered_in_target'].sum() / frame['offered'].sum():.1%} answered within 20 s "
          f"(agents_staffed: {args.agents}; {t_build:.1f} s)")
    print(f"{'fit on':<11}{'scored on':<11}{'':<9}{'model':<12}{'n':>5}{'SL MAE':>8}{'SL bias':>9}{'ab MAE':>8}{'ab bias':>9}{'noise':>7}")
    for fit_on, score_on in (("Jan 1-15", "Jan 16-31"), ("Jan 16-31", "Jan 1-15")):
        t = time.perf_counter()
        fitted = fit_calibration(halves[fit_on], grid, targets, band_tz=ZONE, band_starts=bands, source=fit_on, patience=args.patience)
        t_fit = time.perf_counter() - t
        c = fitted.calibration.channels["voice"]
        for label, result in (("in", fitted), ("out", score_calibration(halves[score_on], grid, targets, fitted.calibration))):
            s = result.scores[0]
            for name, sc in (("default", s.default), ("calibrated", s.calibrated)):
                print(f"{fit_on:<11}{(fit_on if label == 'in' else score_on):<11}{label + ' smpl':<9}{name:<12}{sc.intervals:>5}"
                      f"{sc.sl_mae:>8.3f}{sc.sl_bias:>+9.3f}{sc.abandon_mae:>8.3f}{sc.abandon_bias:>+9.3f}"
                      f"{(s.calibrated.noise_sl_mae if name == 'calibrated' else float('nan')):>7.3f}")
        bands_text = ", ".join(f"{b.start_hour:02d}-{b.end_hour:02d} {b.availability:.2f}" for b in c.bands if b.fitted) or "none"
        print(f"  fitted on {fit_on}: availability {c.availability:.3f}, patience {c.patience_s:.0f} s ({c.patience_from}), "
              f"bands: {bands_text}; {t_fit:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
