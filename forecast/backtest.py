"""Rolling-origin backtest: scores, the automatic choice of model and calibrated bands.

Every candidate model forecasts each series from many past origins, trained
only on what came before. Origins (all at the same time of day as the end of
the history):

* ``DAILY_ORIGINS`` daily origins over the last weeks, each forecasting
  ``DAILY_DAYS`` days (or up to the end of the history): they score the
  day-ahead and week-ahead leads on many days;
* ``WEEKLY_ORIGINS`` weekly origins before the end of the history minus
  ``WEEKLY_DAYS``, each forecasting ``WEEKLY_DAYS`` days: they score the
  month-ahead leads.

Errors are grouped by horizon bucket (lead time in days from the origin):
day-ahead ``[0, 1)``, week-ahead ``[1, 7)``, month-ahead ``[7, ...)``.

**Out of sample.** Whatever is learned from the backtest (which model to use,
how wide the band must be) is checked on forecasts it was not learned from:
a trial's bucket is scored with what was learned from the trials whose whole
forecast window does not overlap that bucket's days. (With daily origins a
day-ahead day is judged by the other days' forecasts; a month-ahead window by
origins at least three weeks away.)

**Automatic choice** (``auto``): per series and horizon bucket, the model with
the lowest WAPE over the backtest. The ``auto`` rows of the accuracy table are
that procedure's own out-of-sample score: in each trial and bucket, the model
chosen without that trial's days.

**Calibrated bands.** The raw 10%/90% band of a model is scaled per series,
model and bucket by the factor that puts 80% of the backtest's errors inside;
``coverage_80_calibrated`` is the coverage of the scaled band, out of sample.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.predict import Z80, OriginPredictions, Series, SeriesPredictions, band
from forecast.schema import SERIES_COLUMNS

BUCKETS = (("day-ahead", 0, 1), ("week-ahead", 1, 7), ("month-ahead", 7, 10_000))
DAILY_ORIGINS = 28
DAILY_DAYS = 7
WEEKLY_ORIGINS = 8
WEEKLY_DAYS = 28
#: Days of history an origin needs before it (for the earliest series).
MIN_TRAIN_DAYS = 14
BAND_FACTOR_BOUNDS = (0.3, 5.0)
AUTO = "auto"
#: Sort order of the accuracy table's horizons.
HORIZON_ORDER = {b[0]: i for i, b in enumerate(BUCKETS)} | {"all": len(BUCKETS)}


def schedule(n_hist: int, per_day: int, horizon_days: int, first: int) -> dict[int, int]:
    """Backtest origins (grid indices) and the number of intervals each forecasts.

    Parameters
    ----------
    n_hist : int
        Grid index of the end of the history (the forecast origin).
    per_day : int
        Intervals per 24 hours.
    horizon_days : int
        Forecast horizon asked for, in days; no trial looks further ahead.
    first : int
        Grid index of the first observed interval of the earliest series.
    """
    out: dict[int, int] = {}
    short = min(horizon_days, DAILY_DAYS)
    for k in range(1, DAILY_ORIGINS + 1):
        o = n_hist - k * per_day
        out[o] = max(out.get(o, 0), min(short * per_day, n_hist - o))
    long = min(horizon_days, WEEKLY_DAYS)
    if long > DAILY_DAYS:
        for k in range(WEEKLY_ORIGINS):
            o = n_hist - long * per_day - 7 * k * per_day
            out[o] = max(out.get(o, 0), long * per_day)
    return {o: n for o, n in sorted(out.items()) if o - first >= MIN_TRAIN_DAYS * per_day}


@dataclass
class Trial:
    """One model's forecast of one series from one origin, beside the actuals."""

    key: tuple[str, str]
    model: str
    origin: int  # grid index
    y: np.ndarray  # actual contacts
    mu: np.ndarray
    sd: np.ndarray  # raw standard deviation per interval
    scale: float  # MASE scale: mean absolute weekly difference before the origin
    seconds: float = 0.0  # time the model took to fit and predict

    def window(self, lo_d: float, hi_d: float, per_day: int) -> tuple[int, int]:
        """Grid indices ``[a, b)`` of the bucket's intervals in this trial (empty if a >= b)."""
        a = self.origin + int(lo_d * per_day)
        b = self.origin + min(int(hi_d * per_day), len(self.y))
        return a, b


@dataclass
class BacktestResult:
    """Backtest outcome used by the final forecast.

    Attributes
    ----------
    accuracy : DataFrame
        Scores per series, model (and ``auto``) and horizon bucket (and
        ``all``): ``wape``, ``mase``, ``bias`` (mean error / mean actual),
        ``coverage_80`` (raw band), ``coverage_80_calibrated`` (out of
        sample), ``band_factor``, ``origins``, ``n`` (intervals scored),
        ``actual`` (contacts), ``chosen`` (the model the final forecast uses
        for that series and bucket) and ``fit_predict_s`` (seconds the model
        took over every origin for that series).
    choice : dict
        ``(channel, queue, tz, bucket) -> model`` chosen for the final forecast (a series' key,
        :data:`forecast.schema.SERIES_COLUMNS`, then the bucket).
    band_factor : dict
        ``(channel, queue, tz, model, bucket) -> factor`` for the raw band.
    """

    accuracy: pd.DataFrame
    choice: dict[tuple[str, ...], str] = field(default_factory=dict)
    band_factor: dict[tuple[str, ...], float] = field(default_factory=dict)


Predictor = Callable[[int, int], OriginPredictions]


def run_trials(series: list[Series], predict: Predictor, origins: dict[int, int], per_day: int,
               progress: Callable[[str, float, float | None], None] | None = None) -> list[Trial]:
    """Forecast from every origin (in time order) and keep each model's forecast beside the actuals."""
    trials: list[Trial] = []
    for i, (origin, n) in enumerate(origins.items()):
        if progress:
            progress("forecast backtest", i, len(origins))
        preds = predict(origin, origin + n)
        for s in series:
            trials += series_trials(s, preds.by_series[s.key], origin, n, per_day)
    if progress:
        progress("forecast backtest", len(origins), len(origins))
    return trials


def series_trials(s: Series, preds: SeriesPredictions, origin: int, n: int, per_day: int) -> list[Trial]:
    """One series' trials from one origin (``n`` intervals forecast): each model's forecast beside the actuals."""
    if origin - s.first < MIN_TRAIN_DAYS * per_day:  # a series that starts late joins when it has the history
        return []
    y = s.y[origin : origin + n]
    scale = _mase_scale(s.y[:origin], 7 * per_day)
    return [Trial(s.key, name, origin, y, p.mu, p.sd, scale, p.seconds)
            for name, p in preds.models.items() if name != "zero"]  # zero: no contacts before the origin


def _mase_scale(y: np.ndarray, week: int) -> float:
    d = np.abs(y[week:] - y[:-week])
    d = d[~np.isnan(d)]
    return float(d.mean()) if len(d) else float("nan")


def _bucket_parts(trials: list[Trial], per_day: int) -> tuple[pd.DataFrame, dict[tuple[int, str], np.ndarray]]:
    """Error sums per trial and bucket (one row each), and the standardised absolute errors.

    The errors, keyed by ``(trial index, bucket)``, are ``|y - mu| / sd`` per
    scored interval; an error where the band had no width counts as far outside.
    """
    rows = []
    zs: dict[tuple[int, str], np.ndarray] = {}
    for t_i, t in enumerate(trials):
        lead = np.arange(len(t.y)) / per_day
        for bucket, lo_d, hi_d in BUCKETS:
            sel = (lead >= lo_d) & (lead < hi_d) & ~np.isnan(t.y)
            if not sel.any():
                continue
            y, mu, sd = t.y[sel], t.mu[sel], t.sd[sel]
            a, b = t.window(lo_d, hi_d, per_day)
            lo, hi = band(mu, sd)
            abs_err = np.abs(y - mu)
            rows.append({
                "trial": t_i, **dict(zip(SERIES_COLUMNS, t.key)), "model": t.model, "horizon": bucket, "origin": t.origin,
                "win_lo": a, "win_hi": b, "abs_err": float(abs_err.sum()), "err": float((mu - y).sum()),
                "actual": float(y.sum()), "n": int(sel.sum()), "scale": t.scale,
                "inside": int(((y >= lo) & (y <= hi)).sum()),
            })
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.where(sd > 0, abs_err / sd, np.where(abs_err > 0, np.inf, 0.0))
            zs[(t_i, bucket)] = np.minimum(z, 1e6)
    return pd.DataFrame(rows), zs


def band_factor(z: np.ndarray) -> float:
    """Factor on the raw band so that 80% of the standardised errors ``z`` fall inside."""
    z = z[~np.isnan(z)]
    return float(np.clip(np.quantile(z, 0.8) / Z80, *BAND_FACTOR_BOUNDS)) if len(z) else 1.0


def score(trials: list[Trial], per_day: int) -> BacktestResult:
    """Scores, the automatic choice (checked out of sample) and calibrated bands."""
    parts, z_of = _bucket_parts(trials, per_day)
    if parts.empty:
        return BacktestResult(pd.DataFrame())
    spans = {t.origin: (t.origin, t.origin + len(t.y)) for t in trials}
    choice: dict[tuple[str, ...], str] = {}
    factors: dict[tuple[str, ...], float] = {}
    auto_rows, cal_rows = [], []
    records = parts.to_dict("records")
    all_origins, all_models = parts["origin"].to_numpy(), parts["model"].to_numpy()
    groups = parts.groupby([*SERIES_COLUMNS, "horizon"], sort=False).indices
    for (*key, bucket), rows_i in sorted(groups.items(), key=lambda kv: kv[1][0]):  # in order of appearance
        key = tuple(key)
        origins = np.unique(all_origins[rows_i])  # (sorted)
        pos = {int(o): i for i, o in enumerate(origins)}
        models = sorted(set(all_models[rows_i]))
        col = {m: j for j, m in enumerate(models)}
        first_row = {}  # origin -> its first row (the window and the actuals are the origin's, whatever the model)
        e = np.full((len(origins), len(models)), np.nan)
        for r in rows_i:
            rec = records[r]
            i = pos[int(rec["origin"])]
            first_row.setdefault(i, rec)
            e[i, col[rec["model"]]] = rec["abs_err"]
        win = np.array([[first_row[i]["win_lo"], first_row[i]["win_hi"]] for i in range(len(origins))])
        actual = np.array([first_row[i]["actual"] for i in range(len(origins))], dtype=float)
        s_lo = np.array([spans[o][0] for o in origins])
        s_hi = np.array([spans[o][1] for o in origins])
        # apart[i, j]: origin j's whole forecast window misses the days of origin i's bucket
        apart = (s_hi[None, :] <= win[:, :1]) | (s_lo[None, :] >= win[:, 1:])
        have = ~np.isnan(e)
        # the choice for the final forecast: lowest WAPE over every origin
        choice[key + (bucket,)] = models[_argmin_wape(np.nansum(e, axis=0), (have * actual[:, None]).sum(axis=0))]
        # the same choice made for each origin without its days: auto's out-of-sample score
        err_sum = np.where(have, e, 0.0).T @ apart.T.astype(float)  # model x origin
        act_sum = (have * actual[:, None]).T @ apart.T.astype(float)
        picked = {}
        for i, o in enumerate(origins):
            if apart[i].any():
                m = models[_argmin_wape(err_sum[:, i], act_sum[:, i])]
                if have[i, models.index(m)]:
                    picked[o] = m
        # band factors per model, and every band checked without its own days
        zs: dict[str, dict] = {m: {} for m in models}
        row_of = {}
        for r in rows_i:
            rec = records[r]
            zs[rec["model"]][rec["origin"]] = z_of[(rec["trial"], bucket)]
            row_of[(rec["origin"], rec["model"])] = rec
        for m in models:
            factors[key + (m, bucket)] = band_factor(np.concatenate(list(zs[m].values())))
        # (model, origin) -> band factor learned without that origin's days (auto reuses its pick's)
        oos: dict[tuple[str, int], float] = {}
        for m in models:
            for i, o in enumerate(origins):
                if o not in zs[m]:
                    continue
                others = [zs[m][p] for j, p in enumerate(origins) if apart[i, j] and p in zs[m]]
                if others:
                    oos[(m, o)] = band_factor(np.concatenate(others))
        for m in models + [AUTO]:
            inside = n = 0
            for o in origins:
                used = picked.get(o) if m == AUTO else m
                f = oos.get((used, o))
                if f is None:
                    continue
                inside += int((zs[used][o] <= Z80 * f).sum())
                n += len(zs[used][o])
            cal_rows.append({**dict(zip(SERIES_COLUMNS, key)), "model": m, "horizon": bucket, "cal_inside": inside, "cal_n": n})
        for o, m in picked.items():
            r = {k: v for k, v in row_of[(o, m)].items() if k not in ("origin", "model")}
            auto_rows.append(r | {"origin": o, "model": AUTO})
    auto = pd.DataFrame(auto_rows)
    allp = pd.concat([parts, auto], ignore_index=True) if len(auto) else parts
    seconds: dict[tuple[str, ...], float] = {}
    for t in trials:  # auto costs what all its candidates cost
        for m in (t.model, AUTO):
            seconds[t.key + (m,)] = seconds.get(t.key + (m,), 0.0) + t.seconds
    table = _table(allp, pd.DataFrame(cal_rows), choice, factors)
    table["fit_predict_s"] = [seconds.get(tuple(k), np.nan) for k in table[[*SERIES_COLUMNS, "model"]].itertuples(index=False)]
    return BacktestResult(table, choice, factors)


def _argmin_wape(abs_err: np.ndarray, actual: np.ndarray) -> int:
    with np.errstate(divide="ignore", invalid="ignore"):
        wape = np.where(actual > 0, abs_err / actual, np.inf)
    return int(np.argmin(wape))


def _table(parts: pd.DataFrame, cal: pd.DataFrame, choice: dict, factors: dict) -> pd.DataFrame:
    """Accuracy per series, model and bucket, plus ``all`` over the buckets."""
    everything = parts.assign(horizon="all")
    p = pd.concat([parts, everything], ignore_index=True)
    s_cols = list(SERIES_COLUMNS)
    g = p.groupby([*s_cols, "model", "horizon"], as_index=False).agg(
        abs_err=("abs_err", "sum"), err=("err", "sum"), actual=("actual", "sum"), n=("n", "sum"),
        scale=("scale", "mean"), inside=("inside", "sum"), origins=("origin", "nunique"),
    )
    c_all = cal.assign(horizon="all").groupby([*s_cols, "model", "horizon"], as_index=False)[["cal_inside", "cal_n"]].sum()
    cal = pd.concat([cal, c_all], ignore_index=True)
    g = g.merge(cal, on=[*s_cols, "model", "horizon"], how="left")
    g["wape"] = g["abs_err"] / g["actual"].where(g["actual"] > 0)
    g["mase"] = (g["abs_err"] / g["n"]) / g["scale"].where(g["scale"] > 0)
    g["bias"] = g["err"] / g["actual"].where(g["actual"] > 0)
    g["coverage_80"] = g["inside"] / g["n"]
    g["coverage_80_calibrated"] = g["cal_inside"] / g["cal_n"].where(g["cal_n"] > 0)
    keys = [tuple(k) for k in g[s_cols].itertuples(index=False)]
    g["band_factor"] = [factors.get(k + (m, h), np.nan) for k, m, h in zip(keys, g["model"], g["horizon"])]
    g["chosen"] = [choice.get(k + (h,)) == m for k, m, h in zip(keys, g["model"], g["horizon"])]
    g = g.sort_values([*s_cols, "horizon", "model"], key=lambda s: s.map(HORIZON_ORDER) if s.name == "horizon" else s)
    cols = [*s_cols, "model", "horizon", "wape", "mase", "bias", "coverage_80", "coverage_80_calibrated",
            "band_factor", "origins", "n", "actual", "chosen"]
    return g[cols].reset_index(drop=True)
