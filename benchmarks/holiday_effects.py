"""Holidays, events and calendar effects: what the forecast makes of days it has (almost) never seen.

    python benchmarks/holiday_effects.py [--before REV] [--skip-calendar] [--skip-sample]

1. **Leave one holiday out** on the Ottawa 311 calls (hourly, America/Toronto,
   Jan-Aug 2014: every Ontario statutory holiday occurs once). Each holiday
   in turn is forecast for its whole local day from an origin at its local
   midnight (ets, trained on what came before), with the event effects
   learned from every other holiday in the history and none of its own
   occurrences: what a holiday never seen gets. Printed per holiday: actual
   and forecast calls of the day, the absolute % error of the day's total and
   the hourly WAPE of the day, then over all holidays; "before" is the same
   computation run by the code at ``--before`` (default c331089, exported to
   a temporary folder with ``git archive``; nothing in the worktree changes).
2. **Prophet's events** (Peyton Manning's daily Wikipedia views with the
   playoff and Super Bowl table of Prophet's documentation, upper_window 1):
   each event occurrence is left out in turn, its effect learned from the
   other occurrences (same-weekday reference of the four weeks before), and
   the event's days forecast as reference x multiplier; the error against
   the reference alone shows what the learned windows add. Run with the
   table's ``lower_window = 0`` and with ``-1`` (a ramp the day before).
3. **Calendar effects**: day-ahead WAPE of the pipeline's backtest (auto, and
   ets against ets_calendar) with and without ``calendar`` on the Ottawa
   calls and the sample.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
# this file's folder comes first on the path, and its name would hide the `holidays` package
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from forecast import effects as fx  # noqa: E402
from forecast import models as fm  # noqa: E402
from forecast.io.history import read_history  # noqa: E402
from forecast.pipeline import prepare, run_forecast  # noqa: E402
from forecast.predict import predict_series  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
if not DATA.exists():  # run from an exported copy of another revision
    DATA = Path(os.environ.get("SHIFTCAST_SHARED_DATA", "/work/shared/data"))
OTTAWA = DATA / "ottawa311_2014"
PROPHET = DATA / "prophet_examples"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug"]
MIN_TRAIN_DAYS = 28


def load_ottawa():
    """The 8 monthly files as one per-contact log (local times, America/Toronto), counted per hour."""
    parts = []
    for i, m in enumerate(MONTHS, start=1):
        df = pd.read_csv(OTTAWA / f"{m}SR-2014.csv", usecols=["creation_date"], dtype=str)
        when = pd.to_datetime(df["creation_date"], format="mixed", errors="coerce")
        parts.append(df[when.dt.month == i])  # the August file carries stray January rows
    log = pd.concat(parts, ignore_index=True).rename(columns={"creation_date": "created_at"})
    log["created_at"] = pd.to_datetime(log["created_at"], format="mixed").dt.strftime("%Y-%m-%d %H:%M:%S")
    log["channel"] = "voice"
    log["tz"] = "America/Toronto"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ottawa_calls.csv"
        log.to_csv(path, index=False)
        return read_history(path, interval_min=60, notes=[])


# --------------------------------------------------------------------------- #
# 1. leave one holiday out
# --------------------------------------------------------------------------- #


def leave_one_holiday_out() -> list[dict]:
    """Each Ottawa holiday forecast from the others (see the module docstring); one row per holiday."""
    h = load_ottawa()
    prep = prepare(h.frame, None, grid=h.grid, horizon_days=28)
    s = prep.series[0]
    frame = prep.frames[s.tz]
    per_day = prep.per_day
    cores = [w for w in s.ev.windows if w.key.startswith("holiday:") and w.key.endswith("|core")]
    rows = []
    for w in cores:
        origin, stop = int(w.index[0]), int(w.index[-1]) + 1
        if origin - s.first < MIN_TRAIN_DAYS * per_day or stop > prep.n_hist:
            continue
        mine = {w.event, f"{w.event} (eve)"}
        others = dataclasses.replace(s, ev=fx.SeriesEvents([v for v in s.ev.windows if v.event not in mine], s.ev.excluded))
        evidence = fx.Evidence()
        fx.accumulate(evidence, others.y, others.ref, others.ev, prep.n_hist)
        effects = fx.learned(evidence)
        pred = predict_series(s, frame, origin, stop, per_day, effects, ("ets",)).models["ets"]
        y = s.y[origin:stop]
        used = [k for k in [w.key] + _pools(w) if k in effects]
        rows.append({
            "holiday": w.event, "date": f"{frame.ds[origin].tz_convert(s.tz):%Y-%m-%d}", "actual": float(np.nansum(y)),
            "forecast": float(pred.mu.sum()), "abs_err_h": float(np.nansum(np.abs(y - pred.mu))),
            "multiplier": float(effects[used[0]]) if used else 1.0, "from": used[0] if used else "-",
            "lo": float(np.maximum(pred.mu - 1.2815515655446004 * pred.sd, 0).sum()),
            "hi": float((pred.mu + 1.2815515655446004 * pred.sd).sum()),
        })
    return rows


def _pools(w) -> list[str]:
    if hasattr(fx, "fallbacks"):
        return fx.fallbacks(w.fallback)
    return [w.fallback] if w.fallback else []


def show_loho(before: list[dict] | None, after: list[dict]) -> None:
    print("\n== 1. leave one holiday out: Ottawa 311 calls, each holiday's day forecast (ets) from the other holidays")
    print("   abs % = |forecast - actual| / actual of the day's calls; hourly WAPE over the day's 24 hours")
    b = {r["holiday"]: r for r in before or []}
    print(f"   {'holiday':<16}{'date':<12}{'actual':>8}  {'before':>8}{'abs %':>8}{'WAPE':>7}  {'after':>8}{'abs %':>8}{'WAPE':>7}"
          f"  {'multiplier (pool)':<30}{'after 10-90% of the day':>24}")
    for r in after:
        o = b.get(r["holiday"])
        old = (f"{o['forecast']:8.0f}{abs(o['forecast'] - o['actual']) / o['actual']:8.0%}{o['abs_err_h'] / o['actual']:7.2f}"
               if o else f"{'-':>8}{'-':>8}{'-':>7}")
        print(f"   {r['holiday']:<16}{r['date']:<12}{r['actual']:8.0f}  {old}  {r['forecast']:8.0f}"
              f"{abs(r['forecast'] - r['actual']) / r['actual']:8.0%}{r['abs_err_h'] / r['actual']:7.2f}"
              f"  {r['multiplier']:5.2f} ({r['from'].split('|')[0]}){'':<4}{r['lo']:>10.0f} - {r['hi']:<10.0f}")

    def total(rows):
        a = sum(r["actual"] for r in rows)
        return sum(abs(r["forecast"] - r["actual"]) for r in rows) / a, sum(r["abs_err_h"] for r in rows) / a

    da, ha = total(after)
    if before:
        db, hb = total([b[r["holiday"]] for r in after if r["holiday"] in b])
        print(f"   over all {len(after)} holidays: day-total error (sum |F-A| / sum A) {db:.1%} -> {da:.1%}; hourly WAPE {hb:.3f} -> {ha:.3f}")
    else:
        print(f"   over all {len(after)} holidays: day-total error {da:.1%}; hourly WAPE {ha:.3f}")


# --------------------------------------------------------------------------- #
# 2. Prophet's events
# --------------------------------------------------------------------------- #


def prophet_events(lower: int) -> dict:
    """Leave-one-occurrence-out error on Peyton Manning's event days (daily views), with ``lower_window = lower``."""
    views = pd.read_csv(PROPHET / "example_wp_peyton_manning.csv")
    table = pd.read_csv(PROPHET / "peyton_manning_events.csv")
    days = pd.to_datetime(views["ds"])
    full = pd.date_range(days.min(), days.max(), freq="D", tz="UTC").as_unit("ns")
    y = pd.Series(views["y"].to_numpy(float), index=days.dt.tz_localize("UTC")).reindex(full).to_numpy()
    frame = fm.LocalFrame.of(full, "UTC")
    ev = pd.DataFrame({
        "event": [f"{k} {d}" for k, d in zip(table["holiday"], table["ds"])], "kind": table["holiday"], "channel": "web", "tz": "UTC",
        "start": pd.to_datetime(table["ds"]).dt.tz_localize("UTC"),
        "end": pd.to_datetime(table["ds"]).dt.tz_localize("UTC") + pd.Timedelta(days=1),
        "lower_window": lower, "upper_window": table["upper_window"], "uplift": np.nan, "source": "file",
    })
    windows = fx.windows_for(ev, frame)
    affected = fx.affected_mask(windows, len(y))
    try:
        ref = fx.reference(y, affected, frame, 1)
    except TypeError:  # the reference of earlier revisions: the same index a week before
        ref = fx.reference(y, affected, 7)
    err_fx = err_ref = act = 0.0
    mults: dict[str, list[float]] = {}
    for date in table["ds"].unique():
        mine = [w for w in windows.windows if w.event.endswith(date)]
        if not mine:  # after the end of the views
            continue
        rest = fx.SeriesEvents([w for w in windows.windows if not w.event.endswith(date)], windows.excluded)
        evidence = fx.Evidence()
        fx.accumulate(evidence, y, ref, rest, len(y))
        eff = fx.learned(evidence)
        one = fx.SeriesEvents(mine, windows.excluded)
        mult, _ = fx.multiplier(one, eff, len(y))
        idx = np.unique(np.concatenate([w.index for w in mine]))
        ok = ~np.isnan(y[idx]) & ~np.isnan(ref[idx])
        idx = idx[ok]
        err_fx += float(np.abs(y[idx] - ref[idx] * mult[idx]).sum())
        err_ref += float(np.abs(y[idx] - ref[idx]).sum())
        act += float(y[idx].sum())
        for k, v in eff.items():
            mults.setdefault(k, []).append(v)
    return {"lower": lower, "wape_effects": err_fx / act, "wape_reference": err_ref / act,
            "multipliers": {k: float(np.median(v)) for k, v in sorted(mults.items())},
            "days": int(sum(len(w.index) for w in windows.windows))}


def show_prophet(before: list[dict] | None, after: list[dict]) -> None:
    print("\n== 2. Prophet's events: Peyton Manning daily views, playoffs and Super Bowls, each date left out in turn")
    print("   WAPE over the event windows' days: reference (same weekday, 4 weeks before) x learned multipliers vs the reference alone")
    b = {r["lower"]: r for r in before or []}
    for r in after:
        o = b.get(r["lower"])
        old = f"before {o['wape_effects']:.3f} ({o['days']} window-days), " if o else ""
        mult = ", ".join(f"{k} {v:.2f}" for k, v in r["multipliers"].items())
        print(f"   lower_window {r['lower']:>2}: reference alone {r['wape_reference']:.3f}; with effects: {old}after {r['wape_effects']:.3f}"
              f" ({r['days']} window-days)\n      multipliers learned (median over the folds): {mult}")


# --------------------------------------------------------------------------- #
# 3. calendar effects
# --------------------------------------------------------------------------- #


def calendar_study(name: str, history, events) -> None:
    out = {}
    for flag in (False, True):
        t = time.perf_counter()
        res = run_forecast(history.frame, events, grid=history.grid, horizon_days=28, calendar=flag)
        wall = time.perf_counter() - t
        acc = res.accuracy
        day = acc[acc["horizon"] == "day-ahead"]
        g = day.assign(abs_err=day["wape"] * day["actual"]).groupby("model")[["abs_err", "actual"]].sum()
        w = (g["abs_err"] / g["actual"]).to_dict()
        cal = day[day["model"] == "ets_calendar"]
        if len(cal):  # ets on the same series (ets_calendar exists only where the history shows a calendar effect)
            same = day[(day["model"] == "ets") & day.set_index(["channel", "tz"]).index.isin(cal.set_index(["channel", "tz"]).index)]
            w["ets (same series)"] = float((same["wape"] * same["actual"]).sum() / same["actual"].sum())
            w["ets_calendar series"] = len(cal)
        out[flag] = (w, wall, res)
    print(f"\n== 3. calendar effects, {name}: day-ahead WAPE of the backtest (28 daily origins, every series pooled)")
    for flag in (False, True):
        w, wall, res = out[flag]
        models = ", ".join(f"{m} {v:.3f}" if isinstance(v, float) else f"{m} {v}" for m, v in sorted(w.items()))
        chosen = res.forecast["model"].value_counts().to_dict()
        print(f"   calendar {'on ' if flag else 'off'}: {models}   ({wall:.0f} s; final forecast's intervals by model: {chosen})")
    a, b = out[False][0].get("auto"), out[True][0].get("auto")
    if a and b:
        print(f"   auto day-ahead WAPE without -> with the calendar effects: {a:.3f} -> {b:.3f}")


def run_before(rev: str) -> dict:
    """This script's studies 1 and 2 run by the code at ``rev`` (exported with git archive to a temporary folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        script = Path(tmp) / "benchmarks" / "holidays_bench.py"
        script.write_text(Path(__file__).read_text())
        env = dict(os.environ, PYTHONPATH=tmp, SHIFTCAST_SHARED_DATA=str(DATA))
        r = subprocess.run([sys.executable, str(script), "--json"], capture_output=True, text=True, env=env, cwd=tmp)
        if r.returncode != 0:
            print(r.stderr[-3000:])
            raise SystemExit(f"the code at {rev} could not run the studies")
        return json.loads(r.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="c331089", help="git revision whose code gives the 'before' figures")
    ap.add_argument("--skip-calendar", action="store_true", help="only the holiday and event studies")
    ap.add_argument("--skip-sample", action="store_true", help="the calendar study on the Ottawa calls only")
    ap.add_argument("--month-cycle-sample", action="store_true",
                    help="also the calendar study on the sample generated without its pay-day cycle (generate.py --no-month-cycle, in a temporary folder)")
    ap.add_argument("--only-calendar", action="store_true", help="only the calendar study")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # studies 1 and 2 as JSON (for --before)
    a = ap.parse_args()
    if a.json:
        print(json.dumps({"loho": leave_one_holiday_out(), "prophet": [prophet_events(0), prophet_events(-1)]}))
        raise SystemExit(0)
    if not a.only_calendar:
        before = run_before(a.before) if a.before else None
        after = {"loho": leave_one_holiday_out(), "prophet": [prophet_events(0), prophet_events(-1)]}
        print(f"before = the code at {a.before}; after = this worktree")
        show_loho(before and before["loho"], after["loho"])
        show_prophet(before and before["prophet"], after["prophet"])
    if not a.skip_calendar:
        calendar_study("Ottawa 311 calls, hourly", load_ottawa(), None)
        if not a.skip_sample:
            from forecast.io.events import load_events

            h = read_history(ROOT / "data" / "samples" / "history.csv.gz")
            ev = load_events(ROOT / "data" / "samples" / "events.csv", zones=list(h.grid.zones),
                             channels=sorted(h.frame["channel"].unique()))
            calendar_study("the sample (12 series, 15 minutes)", h, ev)
        if a.month_cycle_sample:
            from forecast.io.events import load_events

            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run([sys.executable, str(ROOT / "data" / "samples" / "generate.py"), "--no-month-cycle", "--out", tmp],
                               check=True, capture_output=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
                h = read_history(Path(tmp) / "history.csv.gz")
                ev = load_events(Path(tmp) / "events.csv", zones=list(h.grid.zones), channels=sorted(h.frame["channel"].unique()))
                calendar_study("the sample without its pay-day cycle (generate.py --no-month-cycle)", h, ev)
