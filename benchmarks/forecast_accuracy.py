"""Forecast accuracy and speed: the bundled sample and a real contact centre's calls.

    python benchmarks/forecast_accuracy.py [--skip-ottawa] [--skip-prophet] [--short-horizon] [--choice]

Prints, per model and horizon bucket, WAPE, MASE, bias, the coverage of the
10-90% band (raw, and calibrated as checked out of sample), the number of
backtest origins and the seconds the model took to fit and predict over all
of them, from the rolling-origin backtest the pipeline runs (28 daily origins
for day- and week-ahead leads, 8 weekly ones for month-ahead; see
forecast/backtest.py). ``auto`` is what ships: per series and horizon bucket,
the model chosen from backtest windows that do not overlap the days it is
scored on. Then the wall and CPU seconds of the whole backtest plus forecast,
and whether the targets hold.

The real data is the City of Ottawa 311 contact centre's 2014 call log in
../shared/data/ottawa311_2014 (read in place, never copied), counted per hour
(at 15 minutes its ~530 calls a day are mostly Poisson noise). Prophet with
default settings is fitted on the same hourly history (without the stretches
the pipeline leaves out of training) at the same origins; so is the
pipeline's own Prophet model (cleaned daily totals x intraday profile).

``--short-horizon`` adds the study of models meant to win the first days
(ETS with an AR(1) on its residuals, seasonal ARIMA on the daily totals,
hourly Holt-Winters and seasonal ARIMA, a 4-week seasonal mean), at the
daily origins. ``--choice`` compares, out of sample, choosing the model per
series and horizon (what ships) with choosing it over all horizons and with
weighted combinations.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecast import backtest as bk  # noqa: E402
from forecast import effects as fx  # noqa: E402
from forecast import models as fm  # noqa: E402
from forecast.io.events import load_events  # noqa: E402
from forecast.io.history import History, read_history  # noqa: E402
from forecast.pipeline import BUCKETS, prepare, run_forecast  # noqa: E402
from forecast.predict import EtsCache, clean_daily_totals, predict_origin  # noqa: E402

OTTAWA = ROOT.parent / "shared" / "data" / "ottawa311_2014"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug"]
NOMINAL, COVERAGE_TOLERANCE = 0.80, 0.05
DAY_AHEAD_GAIN_TARGET = 0.25
SAMPLE_SECONDS_TARGET = 60.0


def pooled(acc: pd.DataFrame) -> pd.DataFrame:
    """Scores over every series, per model and horizon (WAPE and coverage weighted by volume and intervals)."""
    a = acc.assign(
        abs_err=acc["wape"] * acc["actual"], err=acc["bias"] * acc["actual"], inside=acc["coverage_80"] * acc["n"],
        inside_cal=acc["coverage_80_calibrated"] * acc["n"], n_cal=acc["n"].where(acc["coverage_80_calibrated"].notna()),
    )
    g = a.groupby(["model", "horizon"]).agg(
        abs_err=("abs_err", "sum"), err=("err", "sum"), actual=("actual", "sum"), inside=("inside", "sum"),
        inside_cal=("inside_cal", "sum"), n=("n", "sum"), n_cal=("n_cal", "sum"), mase=("mase", "mean"),
        origins=("origins", "max"), seconds=("fit_predict_s", "sum"),
    )
    g["wape"] = g["abs_err"] / g["actual"]
    g["bias"] = g["err"] / g["actual"]
    g["coverage_80"] = g["inside"] / g["n"]
    g["coverage_80_cal"] = g["inside_cal"] / g["n_cal"]
    g = g.reset_index()
    return g[["model", "horizon", "wape", "mase", "bias", "coverage_80", "coverage_80_cal", "origins", "seconds"]]


def show(title: str, table: pd.DataFrame, wall: float, cpu: float) -> None:
    print(f"\n== {title}")
    print(f"   backtest + forecast (default models): {wall:.1f} s wall, {cpu:.1f} s CPU")
    t = table.sort_values(["horizon", "model"], key=lambda s: s.map(bk.HORIZON_ORDER) if s.name == "horizon" else s)
    print("   seconds = fit + predict of that model over every origin and series (for auto: all its candidates)")
    print(t.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-"))


def timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def load_sample() -> tuple[History, pd.DataFrame]:
    h = read_history(ROOT / "data" / "samples" / "history.csv.gz")
    ev = load_events(ROOT / "data" / "samples" / "events.csv", zones=list(h.grid.zones), channels=sorted(h.frame["channel"].unique()))
    return h, ev


def ottawa_log(tmp: Path) -> Path:
    """The 8 monthly files as one per-contact log (local times, America/Toronto)."""
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


def load_ottawa(notes: list[str] | None = None) -> History:
    with tempfile.TemporaryDirectory() as tmp:
        return read_history(ottawa_log(Path(tmp)), interval_min=60, notes=notes)


def prophet_default(h: History, tz: str) -> pd.DataFrame:
    """Prophet with default settings on the hourly series, at the backtest's origins, scored like the pipeline."""
    from prophet import Prophet

    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("prophet").disabled = True
    prep = prepare(h.frame, None, grid=h.grid, horizon_days=28)
    s, grid, per_day = prep.series[0], prep.grid, prep.per_day
    y = s.y
    train_y = np.where(s.ev.excluded, np.nan, y)  # the same stretches left out as for our models
    local = grid.tz_convert(tz).tz_localize(None)
    rows, seconds = [], 0.0
    for origin, n in bk.schedule(prep.n_hist, per_day, 28, s.first).items():
        t = time.perf_counter()
        ok = ~np.isnan(train_y[:origin])
        ok[: s.first] = False
        m = Prophet()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.fit(pd.DataFrame({"ds": local[:origin][ok], "y": train_y[:origin][ok]}))
            fc = m.predict(pd.DataFrame({"ds": local[origin : origin + n]}))
        seconds += time.perf_counter() - t
        actual = y[origin : origin + n]
        mu = np.maximum(fc["yhat"].to_numpy(), 0.0)
        lo, hi = fc["yhat_lower"].to_numpy(), fc["yhat_upper"].to_numpy()
        scale = bk._mase_scale(y[:origin], 7 * per_day)
        lead = np.arange(n) / per_day
        for bucket, lo_d, hi_d in BUCKETS:
            sel = (lead >= lo_d) & (lead < hi_d) & ~np.isnan(actual)
            if sel.any():
                rows.append({"horizon": bucket, "abs": np.abs(mu[sel] - actual[sel]).sum(), "err": (mu[sel] - actual[sel]).sum(),
                             "act": actual[sel].sum(), "n": int(sel.sum()), "scale": scale, "origin": origin,
                             "inside": int(((actual[sel] >= lo[sel]) & (actual[sel] <= hi[sel])).sum())})
    r = pd.DataFrame(rows)
    r = pd.concat([r, r.assign(horizon="all")])
    g = r.groupby("horizon").agg(abs=("abs", "sum"), err=("err", "sum"), act=("act", "sum"), n=("n", "sum"),
                                 scale=("scale", "mean"), inside=("inside", "sum"), origins=("origin", "nunique"))
    return pd.DataFrame({
        "model": "prophet (default)", "horizon": g.index, "wape": g["abs"] / g["act"], "mase": g["abs"] / g["n"] / g["scale"],
        "bias": g["err"] / g["act"], "coverage_80": g["inside"] / g["n"], "coverage_80_cal": np.nan, "origins": g["origins"],
        "seconds": seconds,
    }).reset_index(drop=True)


def figure(t: pd.DataFrame, model: str, horizon: str, col: str = "wape") -> float:
    v = t[(t["model"] == model) & (t["horizon"] == horizon)][col]
    return float(v.iloc[0]) if len(v) else float("nan")


def check(ok: bool, text: str) -> None:
    print(f"  [{'PASS' if ok else 'FAIL'}] {text}")


def targets(sample: tuple | None, ottawa: tuple | None) -> None:
    print("\n== targets")
    if ottawa is not None:
        t = ottawa[0]
        auto, base = figure(t, "auto", "day-ahead"), figure(t, "snaive", "day-ahead")
        gain = 1 - auto / base
        check(gain >= DAY_AHEAD_GAIN_TARGET, f"Ottawa (hourly) day-ahead WAPE: auto {auto:.3f} vs seasonal naive {base:.3f}, "
              f"{gain:.1%} better (target: at least {DAY_AHEAD_GAIN_TARGET:.0%})")
        p = figure(t, "prophet (default)", "day-ahead")
        if not np.isnan(p):
            check(auto < p, f"Ottawa (hourly) day-ahead WAPE: auto {auto:.3f} vs Prophet with default settings {p:.3f}")
        else:
            print("  [ -- ] Prophet with default settings not run (--skip-prophet)")
    for name, res in (("sample", sample), ("Ottawa", ottawa)):
        if res is None:
            continue
        t = res[0]
        cov = {b: figure(t, "auto", b, "coverage_80_cal") for b, _, _ in BUCKETS}
        ok = all(abs(c - NOMINAL) <= COVERAGE_TOLERANCE for c in cov.values())
        check(ok, f"{name}: coverage of the calibrated 10-90% band (auto, out of sample) within {COVERAGE_TOLERANCE * 100:.0f} points "
              f"of {NOMINAL:.0%}: " + ", ".join(f"{b} {c:.3f}" for b, c in cov.items()))
    if sample is not None:
        wall, cpu = sample[1], sample[2]
        check(wall < SAMPLE_SECONDS_TARGET, f"the whole sample (12 series, two years, 15-minute) backtested and forecast in "
              f"{wall:.1f} s wall ({cpu:.1f} s CPU) on this machine (target: under {SAMPLE_SECONDS_TARGET:.0f} s on 2 cores)")


def run_sample(h: History, ev: pd.DataFrame) -> tuple:
    res, wall, cpu = timed(run_forecast, h.frame, ev, grid=h.grid, horizon_days=28)
    t = pooled(res.accuracy)
    show(f"sample: {h.frame.groupby(['channel', 'tz']).ngroups} series, {h.grid.n:,} {h.grid.interval_min}-minute intervals", t, wall, cpu)
    for n in res.notes:
        print("   note:", n)
    return t, wall, cpu


def run_ottawa(h: History, notes: list[str], with_prophet: bool) -> tuple:
    """``notes``: what loading the calls said (printed with the forecast's)."""
    res, wall, cpu = timed(run_forecast, h.frame, None, grid=h.grid, horizon_days=28)
    t = pooled(res.accuracy)
    if with_prophet:
        ours = run_forecast(h.frame, None, grid=h.grid, horizon_days=28, model="prophet", candidates=("prophet",))
        p = pooled(ours.accuracy)
        t = pd.concat([t, p[p["model"] == "prophet"], prophet_default(h, "America/Toronto")], ignore_index=True)
    show(f"Ottawa 311 calls, hourly, {h.frame['ds'].min():%Y-%m-%d} to {h.frame['ds'].max():%Y-%m-%d}", t, wall, cpu)
    for n in notes + res.notes:
        print("   note:", n)
    return t, wall, cpu


# --------------------------------------------------------------------------- #
# Short-horizon candidates
# --------------------------------------------------------------------------- #


def _ar1(y: np.ndarray, fit: fm.EtsFit) -> tuple[float, float]:
    """Lag-1 autocorrelation of the Holt-Winters one-step residuals (last 120 days) and the last residual."""
    fitted, *_ = fm.hw_filter(y, fit.params)
    r = (y - fitted)[7:][-120:]
    rho = float(np.corrcoef(r[:-1], r[1:])[0, 1]) if len(r) > 10 else 0.0
    return max(rho, 0.0), float(r[-1])


def short_horizon(which: str, h: History, ev: pd.DataFrame | None, hourly: bool) -> None:
    """Day-ahead WAPE at the daily origins: ets, and the short-horizon candidates, on the same days.

    Daily candidates replace ets's daily total and keep its profile and event
    multipliers (the interval forecast is ets's, scaled by the ratio of the
    daily totals); hourly candidates model the hourly series directly.
    """
    prep = prepare(h.frame, ev, grid=h.grid, horizon_days=28)
    per_day = prep.per_day
    origins = sorted(o for o, n in bk.schedule(prep.n_hist, per_day, 28, min(s.first for s in prep.series)).items()
                     if o > prep.n_hist - bk.DAILY_ORIGINS * per_day - 1)
    names = ["ets", "ets + AR(1) on residuals", "SARIMA(1,0,1)(0,1,1)7 on daily totals"]
    if hourly:
        names += ["hourly Holt-Winters (season 168)", "hourly SARIMAX(1,0,1)(1,1,1,24)", "seasonal mean of 4 weeks"]
    err = {k: 0.0 for k in names}
    secs = {k: 0.0 for k in names}
    cache, sarima, sarimax = EtsCache(), {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of the ARIMA fits
        for o in origins:
            _short_horizon_origin(o, prep, per_day, names, err, secs, cache, sarima, sarimax, hourly)
    actual = sum(float(np.nansum(s.y[o : o + per_day])) for o in origins for s in prep.series)
    print(f"\n== short-horizon candidates, {which}: day-ahead WAPE over {len(origins)} daily origins x {len(prep.series)} series")
    for k in names:
        print(f"   {k:<42}{err[k] / actual:8.3f}   {secs[k]:7.1f} s")


def _short_horizon_origin(o, prep, per_day, names, err, secs, cache, sarima, sarimax, hourly) -> None:
    """Add one origin's day-ahead errors and seconds per candidate (see :func:`short_horizon`)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    stop = o + per_day
    t = time.perf_counter()
    preds = predict_origin(prep.series, prep.frames, o, stop, per_day, ("ets",), cache)
    secs["ets"] += time.perf_counter() - t
    effects = preds.effects  # learned before o, as the ets forecast above used them
    for s in prep.series:
        frame = prep.frames[s.tz]
        mu = preds.by_series[s.key].models["ets"].mu
        y = s.y[o:stop]
        err["ets"] += np.nansum(np.abs(y - mu))
        mult, _ = fx.multiplier(s.ev, effects, len(s.y))
        log_daily = np.log1p(np.maximum(fm.fill_weekly(clean_daily_totals(s, frame, o, mult)), 0.0))
        days = frame.day[o:stop]
        steps = int(days[-1] - days[0]) + 1 + int(days[0] - log_daily.index[-1] - 1)
        fit = cache.fits[s.key][1]
        train = log_daily[log_daily.index >= fit.start_day].to_numpy()
        fc_ets, *_ = fm.ets_daily(log_daily, steps, fit)
        future = np.arange(log_daily.index[-1] + 1, log_daily.index[-1] + 1 + steps)

        def rescaled(fc: np.ndarray) -> np.ndarray:
            ratio = pd.Series(np.expm1(fc) / np.maximum(np.expm1(fc_ets), 1e-9), index=future)
            return mu * ratio.reindex(days).to_numpy()

        t = time.perf_counter()
        rho, last = _ar1(train, fit)
        fc_ar = fc_ets + last * rho ** np.arange(1, steps + 1)
        secs[names[1]] += time.perf_counter() - t
        err[names[1]] += np.nansum(np.abs(y - rescaled(fc_ar)))
        t = time.perf_counter()
        x = log_daily.to_numpy()[-365:]
        key = s.key
        if key not in sarima or o - sarima[key][0] >= 7 * per_day:  # re-estimated weekly, like ets
            sarima[key] = (o, SARIMAX(x, order=(1, 0, 1), seasonal_order=(0, 1, 1, 7)).fit(disp=False, method="powell"))
        res = sarima[key][1].apply(x)
        fc_sar = np.asarray(res.forecast(steps))
        secs[names[2]] += time.perf_counter() - t
        err[names[2]] += np.nansum(np.abs(y - rescaled(fc_sar)))
        if hourly:
            week = 7 * per_day
            yf = s.y[:o].copy()
            bad = np.flatnonzero(s.ev.excluded[:o])
            yf[bad] = yf[bad - week]  # stretches left out of training: the same hour a week before
            t = time.perf_counter()
            hw = ExponentialSmoothing(yf[-8 * week :], seasonal="add", seasonal_periods=week, initialization_method="heuristic").fit()
            err[names[3]] += np.nansum(np.abs(y - np.maximum(hw.forecast(per_day), 0.0)))
            secs[names[3]] += time.perf_counter() - t
            t = time.perf_counter()
            if key not in sarimax:  # estimated once (about 10 s), then only run forward
                sarimax[key] = SARIMAX(yf[-6 * week :], order=(1, 0, 1), seasonal_order=(1, 1, 1, 24)).fit(disp=False)
            f = sarimax[key].apply(yf[-6 * week :]).forecast(per_day)
            err[names[4]] += np.nansum(np.abs(y - np.maximum(f, 0.0)))
            secs[names[4]] += time.perf_counter() - t
            t = time.perf_counter()
            f = np.mean([yf[len(yf) - k * week : len(yf) - k * week + per_day] for k in range(1, 5)], axis=0)
            err[names[5]] += np.nansum(np.abs(y - f))
            secs[names[5]] += time.perf_counter() - t


# --------------------------------------------------------------------------- #
# Choosing per horizon, or combining
# --------------------------------------------------------------------------- #


def choice_study(which: str, h: History, ev: pd.DataFrame | None, candidates: tuple[str, ...]) -> None:
    """Out-of-sample WAPE of ways to use the candidates, per horizon bucket.

    Each backtest window is forecast by a rule that only sees the windows
    whose days do not overlap it (as the pipeline scores ``auto``): always
    ets; the best model per series over all horizons; the best per series and
    horizon bucket (what ships); and combinations weighted by inverse WAPE
    squared, by inverse squared error, equally, and by inverse WAPE squared
    among the models within 10% of the best.
    """
    prep = prepare(h.frame, ev, grid=h.grid, horizon_days=28)
    per_day = prep.per_day
    origins = bk.schedule(prep.n_hist, per_day, 28, min(s.first for s in prep.series))
    cache = EtsCache()
    trials = bk.run_trials(prep.series, lambda o, e: predict_origin(prep.series, prep.frames, o, e, per_day, candidates, cache),
                           origins, per_day)
    by = {(t.key, t.model, t.origin): t for t in trials}
    models = sorted({t.model for t in trials})
    spans = {t.origin: (t.origin, t.origin + len(t.y)) for t in trials}
    rules = ["ets", "best over all horizons", "best per horizon (auto)", "weights 1/WAPE^2", "weights 1/MSE", "equal weights",
             "1/WAPE^2, within 10% of best"]
    err = {(r, b): 0.0 for r in rules for b, _, _ in BUCKETS}
    act = {b: 0.0 for b, _, _ in BUCKETS}
    for key in sorted({t.key for t in trials}):
        os_ = sorted({t.origin for t in trials if t.key == key})
        sums = {}  # (model, origin, bucket or "all") -> (abs error, actual, squared error)
        for o in os_:
            for m in models:
                t = by.get((key, m, o))
                if t is None:
                    continue
                lead = np.arange(len(t.y)) / per_day
                for b2, l2, h2 in BUCKETS + (("all", 0, 10_000),):
                    sel = (lead >= l2) & (lead < h2) & ~np.isnan(t.y)
                    if sel.any():
                        e = t.y[sel] - t.mu[sel]
                        sums[(m, o, b2)] = (np.abs(e).sum(), t.y[sel].sum(), (e**2).sum())
        for bucket, lo_d, hi_d in BUCKETS:
            for o in os_:
                t0 = by.get((key, "ets", o)) or next(by[(key, m, o)] for m in models if (key, m, o) in by)
                a, b = t0.window(lo_d, hi_d, per_day)
                if a >= b or (models[0], o, bucket) not in sums and ("ets", o, bucket) not in sums:
                    continue
                others = [p for p in os_ if spans[p][1] <= a or spans[p][0] >= b]
                if not others:
                    continue

                def total(m, b2, k):
                    return sum(sums[(m, p, b2)][k] for p in others if (m, p, b2) in sums)

                wape = {m: total(m, bucket, 0) / max(total(m, bucket, 1), 1e-9) for m in models}
                wape_all = {m: total(m, "all", 0) / max(total(m, "all", 1), 1e-9) for m in models}
                mse = {m: total(m, bucket, 2) for m in models}
                lead = np.arange(len(t0.y)) / per_day
                sel = (lead >= lo_d) & (lead < hi_d) & ~np.isnan(t0.y)
                y = t0.y[sel]
                mu = {m: by[(key, m, o)].mu[sel] for m in models if (key, m, o) in by}
                act[bucket] += y.sum()

                def add(rule, weights):
                    w = {m: v for m, v in weights.items() if m in mu}
                    f = sum(v * mu[m] for m, v in w.items()) / sum(w.values())
                    err[(rule, bucket)] += np.abs(y - f).sum()

                add("ets", {"ets": 1.0} if "ets" in mu else {m: 1.0 for m in mu})
                add("best over all horizons", {min(mu, key=lambda m: wape_all[m]): 1.0})
                add("best per horizon (auto)", {min(mu, key=lambda m: wape[m]): 1.0})
                add("weights 1/WAPE^2", {m: 1 / max(wape[m], 1e-9) ** 2 for m in mu})
                add("weights 1/MSE", {m: 1 / max(mse[m], 1e-9) for m in mu})
                add("equal weights", {m: 1.0 for m in mu})
                best = min(wape[m] for m in mu)
                add("1/WAPE^2, within 10% of best", {m: 1 / max(wape[m], 1e-9) ** 2 for m in mu if wape[m] <= 1.1 * best})
    print(f"\n== choosing or combining {', '.join(models)}, {which}: WAPE out of sample per horizon")
    print(f"   {'rule':<28}" + "".join(f"{b:>13}" for b, _, _ in BUCKETS))
    for r in rules:
        print(f"   {r:<28}" + "".join(f"{err[(r, b)] / act[b]:13.3f}" for b, _, _ in BUCKETS))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-ottawa", action="store_true", help="only the sample")
    ap.add_argument("--skip-prophet", action="store_true", help="no Prophet rows (they take a minute or two)")
    ap.add_argument("--short-horizon", action="store_true", help="also the study of short-horizon models (a few minutes)")
    ap.add_argument("--choice", action="store_true", help="also compare choosing per horizon with combining the models")
    a = ap.parse_args()
    sample = load_sample()  # each data set is read once and shared by every study below
    s = run_sample(*sample)
    ottawa, o = None, None
    if not a.skip_ottawa:
        if OTTAWA.exists():
            load_notes: list[str] = []
            ottawa = load_ottawa(load_notes)
            o = run_ottawa(ottawa, load_notes, not a.skip_prophet)
        else:
            print(f"\n(skipping the Ottawa benchmark: {OTTAWA} not found)")
    targets(s, o)
    if a.choice:
        if ottawa is not None:
            choice_study("Ottawa hourly", ottawa, None, ("snaive", "ets") if a.skip_prophet else ("snaive", "ets", "prophet"))
        choice_study("sample", *sample, ("snaive", "ets"))
    if a.short_horizon:
        if ottawa is not None:
            short_horizon("Ottawa hourly", ottawa, None, hourly=True)
        short_horizon("sample", *sample, hourly=False)
