"""Forecast accuracy and speed: the bundled sample and a real contact centre's calls.

    python benchmarks/forecast_accuracy.py [--skip-ottawa] [--skip-prophet]

Prints, per model and horizon bucket, WAPE, MASE, bias and the coverage of
the 10-90% interval (raw, and after calibration checked leave-one-origin-out)
from the rolling-origin backtest (4 origins a week apart,
28 days ahead), and the seconds for the backtest plus the final forecast.
The real data is the City of Ottawa 311 contact centre's 2014 call log in
../shared/data/ottawa311_2014 (read in place, never copied), counted per hour
(at 15 minutes its ~530 calls a day are mostly Poisson noise). Prophet with
default settings is scored at the same origins for comparison.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecast.io import load_events, load_history  # noqa: E402
from forecast.pipeline import BUCKETS, run_forecast  # noqa: E402

OTTAWA = ROOT.parent / "shared" / "data" / "ottawa311_2014"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug"]


def pooled(acc: pd.DataFrame) -> pd.DataFrame:
    """Volume-weighted scores over series, per model and horizon."""
    acc = acc.assign(abs_err=acc["wape"] * acc["actual"], err=acc["bias"] * acc["actual"], inside=acc["coverage_80"] * acc["n"],
                     inside_cal=acc["coverage_80_calibrated"] * acc["n"])
    g = acc.groupby(["model", "horizon"]).agg(abs_err=("abs_err", "sum"), err=("err", "sum"), actual=("actual", "sum"), inside=("inside", "sum"),
                                              inside_cal=("inside_cal", "sum"), n=("n", "sum"), mase=("mase", "mean"))
    g["wape"] = g["abs_err"] / g["actual"]
    g["bias"] = g["err"] / g["actual"]
    g["coverage_80"] = g["inside"] / g["n"]
    g["coverage_80_cal"] = g["inside_cal"] / g["n"]
    order = {b[0]: i for i, b in enumerate(BUCKETS)} | {"all": 9}
    g = g.reset_index().sort_values(["horizon", "model"], key=lambda s: s.map(order) if s.name == "horizon" else s)
    return g[["model", "horizon", "wape", "mase", "bias", "coverage_80", "coverage_80_cal"]]


def show(title: str, acc: pd.DataFrame, seconds: float, extra: pd.DataFrame | None = None) -> None:
    print(f"\n== {title}  (backtest + forecast: {seconds:.1f} s)")
    t = pooled(acc)
    if extra is not None:
        t = pd.concat([t, extra], ignore_index=True)
    print(t.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    base = t[(t["model"] == "snaive") & (t["horizon"] == "day-ahead")]["wape"]
    best = t[(t["model"] == "ets") & (t["horizon"] == "day-ahead")]["wape"]
    if len(base) and len(best):
        print(f"day-ahead WAPE: ets {best.iloc[0]:.3f} vs seasonal naive {base.iloc[0]:.3f} -> {1 - best.iloc[0] / base.iloc[0]:.1%} better")


def sample() -> None:
    h = load_history(ROOT / "data" / "samples" / "history.csv.gz")
    ev = load_events(ROOT / "data" / "samples" / "events.csv", zones=sorted(h["tz"].unique()), channels=sorted(h["channel"].unique()))
    t = time.perf_counter()
    r = run_forecast(h, ev, horizon_days=28)
    show(f"sample: {h.groupby(['channel', 'tz']).ngroups} series, {h['ds'].nunique():,} 15-minute intervals", r.accuracy, time.perf_counter() - t)


def ottawa_log(tmp: Path) -> Path:
    parts = []
    for i, m in enumerate(MONTHS, start=1):
        df = pd.read_csv(OTTAWA / f"{m}SR-2014.csv", usecols=["creation_date"], dtype=str)
        when = pd.to_datetime(df["creation_date"], format="mixed", errors="coerce")
        parts.append(df[when.dt.month == i])  # the August file carries stray January rows
    log = pd.concat(parts, ignore_index=True).rename(columns={"creation_date": "created_at"})
    when = pd.to_datetime(log["created_at"], format="mixed")
    log["created_at"] = when.dt.strftime("%Y-%m-%d %H:%M:%S")
    log["channel"] = "voice"
    log["tz"] = "America/Toronto"
    path = tmp / "ottawa_calls.csv"
    log.to_csv(path, index=False)
    return path


def prophet_default(h: pd.DataFrame, origins: list[pd.Timestamp], days: int, per_day: int) -> pd.DataFrame:
    from prophet import Prophet

    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("prophet").disabled = True
    s = h.set_index("ds")["volume"]
    rows = []
    for origin in origins:
        train = s[s.index < origin]
        test = s[(s.index >= origin) & (s.index < origin + pd.Timedelta(days=days))]
        m = Prophet()
        m.fit(pd.DataFrame({"ds": train.index.tz_convert("America/Toronto").tz_localize(None), "y": train.to_numpy()}))
        fut = pd.DataFrame({"ds": test.index.tz_convert("America/Toronto").tz_localize(None)})
        yhat = np.maximum(m.predict(fut)["yhat"].to_numpy(), 0)
        lead = np.arange(len(test)) / per_day
        for name, lo, hi in BUCKETS:
            sel = (lead >= lo) & (lead < hi)
            if sel.any():
                rows.append({"horizon": name, "abs": np.abs(yhat[sel] - test.to_numpy()[sel]).sum(), "act": test.to_numpy()[sel].sum()})
    df = pd.DataFrame(rows).groupby("horizon", as_index=False).sum()
    df["wape"] = df["abs"] / df["act"]
    df["model"] = "prophet (default)"
    return df[["model", "horizon", "wape"]]


def ottawa(with_prophet: bool) -> None:
    if not OTTAWA.exists():
        print(f"\n(skipping the Ottawa benchmark: {OTTAWA} not found)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        notes: list[str] = []
        h = load_history(ottawa_log(Path(tmp)), interval_min=60, notes=notes)
    t = time.perf_counter()
    r = run_forecast(h, None, horizon_days=28)
    secs = time.perf_counter() - t
    extra = None
    if with_prophet:
        origins = sorted(r.accuracy.get("origin", pd.Series(dtype=object)).unique()) if "origin" in r.accuracy else []
        if not origins:
            end = h["ds"].max() + pd.Timedelta(hours=1)
            origins = [end - pd.Timedelta(days=28) - pd.Timedelta(days=7 * k) for k in range(4)]
        t2 = time.perf_counter()
        extra = prophet_default(h, origins, 28, 24)
        print(f"(prophet default: {time.perf_counter() - t2:.1f} s for {len(origins)} origins)")
    show(f"Ottawa 311 calls, hourly, {h['ds'].min():%Y-%m-%d} to {h['ds'].max():%Y-%m-%d}", r.accuracy, secs, extra)
    for n in notes:
        print("note:", n)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-ottawa", action="store_true")
    ap.add_argument("--skip-prophet", action="store_true")
    a = ap.parse_args()
    sample()
    if not a.skip_ottawa:
        ottawa(not a.skip_prophet)
