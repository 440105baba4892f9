"""Forecast pipeline: long history in, long forecast and accuracy table out.

``run_forecast`` takes the tidy history from :func:`forecast.io.load_history`
(``channel, tz, ds, volume, aht_s`` on a complete UTC grid) and the user's
events from :func:`forecast.io.load_events`, adds each zone's public holidays
and the retail events (:mod:`forecast.events`), and for every series (channel
x customer zone):

1. learns event and holiday multipliers from the past (:mod:`forecast.effects`);
2. backtests the models (:mod:`forecast.models`) from several rolling origins
   and scores them per horizon bucket (day-, week-, month-ahead): WAPE, MASE,
   bias and the coverage of the 80% prediction interval;
3. forecasts the horizon with the model that scored best on that series
   (or the one asked for), with 10%/90% bounds, the events' contribution and a
   handle-time forecast with its intraday shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast import effects as fx
from forecast import models as fm
from forecast.errors import InputError
from forecast.events import calendar_events
from forecast.timegrid import make_grid

Progress = Callable[[str, float, float | None], None]

Z80 = 1.2815515655446004  # 10% / 90% quantiles of the normal
BACKTEST_ORIGINS = 4
BACKTEST_MAX_DAYS = 28
BUCKETS = (("day-ahead", 0, 1), ("week-ahead", 1, 7), ("month-ahead", 7, 10_000))
MODEL_CHOICES = ("auto",) + fm.MODELS
SPREAD_GROWTH_PER_DAY = 0.08


@dataclass
class ForecastResult:
    """A forecast and how it was made.

    Attributes
    ----------
    forecast : DataFrame
        ``ds`` (UTC interval start), ``channel``, ``tz`` (customer zone),
        ``volume`` (expected contacts), ``volume_lo``/``volume_hi`` (10% and
        90% quantiles), ``aht_s``, ``model``, ``event_volume`` (contacts due to
        events and holidays, included in ``volume``), ``events`` (names).
    accuracy : DataFrame
        Backtest scores per series, model and horizon bucket.
    notes : list of str
        Fallbacks and warnings a planner should read.
    effects : DataFrame
        Learned multipliers per channel and event key.
    """

    forecast: pd.DataFrame
    accuracy: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    effects: pd.DataFrame | None = None
    events: pd.DataFrame | None = None


@dataclass
class _Series:
    channel: str
    tz: str
    y: np.ndarray  # volume on the full grid (NaN outside history)
    aht: np.ndarray
    ev: fx.SeriesEvents
    ref: np.ndarray
    first: int  # first observed index


def _step_min(ds: pd.Series) -> int:
    u = np.sort(ds.unique())
    if len(u) < 2:
        raise InputError.one("history", "the history needs at least two intervals")
    return int(np.min(np.diff(u)) / np.timedelta64(1, "m"))


def regrid(history: pd.DataFrame, interval_min: int | None) -> tuple[pd.DataFrame, int]:
    """History on the requested grid (summing to a coarser one); returns it and the grid in minutes."""
    native = _step_min(history["ds"])
    if interval_min is None or interval_min == native:
        return history, native
    if interval_min < native or interval_min % native:
        raise InputError.one(
            "--interval-min",
            f"cannot forecast on a {interval_min}-minute grid from {native}-minute history; "
            f"choose {native} or a multiple of it",
        )
    h = history.copy()
    h["ds"] = h["ds"].dt.floor(f"{interval_min}min")
    h["work"] = h["volume"] * h["aht_s"]
    g = h.groupby(["channel", "tz", "ds"], as_index=False).agg(volume=("volume", "sum"), work=("work", "sum"))
    g["aht_s"] = np.where(g["volume"] > 0, g["work"] / g["volume"].where(g["volume"] > 0), np.nan)
    return g.drop(columns="work"), interval_min


def run_forecast(
    history: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    horizon_days: int = 28,
    interval_min: int | None = None,
    model: str = "auto",
    backtest: bool = True,
    progress: Progress | None = None,
    candidates: tuple[str, ...] | None = None,
) -> ForecastResult:
    """Forecast every channel and customer zone of ``history``.

    Parameters
    ----------
    history : DataFrame
        ``channel, tz, ds, volume[, aht_s]``; ``ds`` UTC interval starts on a
        complete grid (as :func:`forecast.io.load_history` returns).
    events : DataFrame, optional
        The shop's events (as :func:`forecast.io.load_events` returns). Public
        holidays and retail events are added here.
    horizon_days : int
        Days to forecast from the end of the history (24-hour UTC days).
    interval_min : int, optional
        Output grid in minutes; None keeps the history's grid.
    model : {"auto", "snaive", "ets", "prophet"}
        "auto" chooses per series by backtest WAPE among ``candidates``.
    backtest : bool
        Run the rolling-origin backtest (needed for "auto").
    progress : callable, optional
        ``progress(task, done, total)``.
    candidates : tuple of str, optional
        Models to backtest; default snaive and ets (plus the one asked for).
        Prophet is slower and off the default path.
    """
    candidates = tuple(candidates or fm.DEFAULT_CANDIDATES)
    if model not in ("auto",) + candidates and model in fm.MODELS:
        candidates = candidates + (model,)
    if model not in MODEL_CHOICES:
        raise InputError.one("--model", f"unknown model {model!r}; expected one of {', '.join(MODEL_CHOICES)}")
    if horizon_days < 1:
        raise InputError.one("--horizon-days", "the horizon must be at least one day")
    notes: list[str] = []
    history, step_min = regrid(history, interval_min)
    step = pd.Timedelta(minutes=step_min)
    per_day = int(round(1440 / step_min))
    week = 7 * per_day

    hist_start = history["ds"].min()
    start = history["ds"].max() + step
    end = start + pd.Timedelta(days=horizon_days)
    span_days = (start - hist_start) / pd.Timedelta(days=1)
    if span_days < 7:
        raise InputError.one(
            "history", f"the history covers {span_days:.1f} days; at least 7 days are needed to forecast a week's pattern"
        )
    if horizon_days > span_days:
        notes.append(
            f"the horizon ({horizon_days} days) is longer than the history ({span_days:.0f} days): "
            "the forecast repeats patterns it has seen only once"
        )
    grid = make_grid(hist_start, end + pd.Timedelta(days=2), step_min)
    n_hist = grid.searchsorted(start)
    out_lo, out_hi = n_hist, grid.searchsorted(end)

    zones = sorted(history["tz"].unique())
    channels = sorted(history["channel"].unique())
    cal = calendar_events(hist_start, end + pd.Timedelta(days=2), zones, channels)
    all_events = cal
    if events is not None and len(events):
        user = events[events["tz"].isin(zones) & events["channel"].isin(channels)]
        all_events = pd.concat([cal, user], ignore_index=True)
        unused = sorted(set(events["event"]) - set(user["event"]))
        if unused:
            notes.append(f"events outside the history's channels and zones, ignored: {', '.join(unused)}")

    frames = {tz: fm.LocalFrame.of(grid, tz) for tz in zones}
    series: list[_Series] = []
    for (channel, tz), g in history.groupby(["channel", "tz"], sort=True):
        idx = grid.searchsorted(g["ds"])
        y = np.full(len(grid), np.nan)
        y[idx] = g["volume"].to_numpy(dtype=float)
        aht = np.full(len(grid), np.nan)
        if "aht_s" in g:
            aht[idx] = g["aht_s"].to_numpy(dtype=float)
        ev = fx.windows_for(all_events[(all_events["channel"] == channel) & (all_events["tz"] == tz)], frames[tz])
        ref = fx.reference(y, fx.affected_mask(ev, len(grid)), week)
        series.append(_Series(channel, tz, y, aht, ev, ref, int(idx.min())))

    # ---- backtest --------------------------------------------------------
    accuracy = pd.DataFrame()
    choice: dict[tuple[str, str], str] = {}
    zs: dict[tuple[str, str, str], list] = {}  # standardised errors per series and model, per origin
    spread: dict[tuple[str, str, str], float] = {}
    if backtest:
        h_days = min(horizon_days, BACKTEST_MAX_DAYS)
        origins = [n_hist - h_days * per_day - k * week for k in range(BACKTEST_ORIGINS)]
        origins = [o for o in origins if o - min(s.first for s in series) >= 14 * per_day]
        if not origins:
            notes.append("the history is too short to backtest; models are chosen without it")
        rows = []
        for i, origin in enumerate(sorted(origins)):
            if progress:
                progress("forecast backtest", i, len(origins))
            preds = _predict_all(series, frames, grid, origin, origin + h_days * per_day, per_day, step_min, candidates)
            for s in series:
                y = s.y[origin : origin + h_days * per_day]
                scale = _mase_scale(s.y[:origin], week)
                lead = (np.arange(len(y)) / per_day)
                for name, p in preds[(s.channel, s.tz)].items():
                    sd = (p["hi"] - p["mu"]) / Z80
                    with np.errstate(divide="ignore", invalid="ignore"):
                        z = np.where(sd > 0, np.abs(y - p["mu"]) / sd, np.where(np.abs(y - p["mu"]) > 0, np.inf, 0.0))
                    zs.setdefault((s.channel, s.tz, name), []).append((grid[origin], lead, z))
                    for bucket, lo_d, hi_d in BUCKETS + (("all", 0, 10_000),):
                        sel = (lead >= lo_d) & (lead < hi_d) & ~np.isnan(y)
                        if not sel.any():
                            continue
                        rows.append(
                            {
                                "channel": s.channel, "tz": s.tz, "model": name, "horizon": bucket, "origin": grid[origin],
                                "abs_err": float(np.abs(y[sel] - p["mu"][sel]).sum()), "err": float((p["mu"][sel] - y[sel]).sum()),
                                "actual": float(y[sel].sum()), "n": int(sel.sum()), "scale": scale,
                                "inside": int(((y[sel] >= p["lo"][sel]) & (y[sel] <= p["hi"][sel])).sum()),
                            }
                        )
        if progress:
            progress("forecast backtest", len(origins), len(origins))
        if rows:
            accuracy, choice = _score(pd.DataFrame(rows))
            spread, calibrated = _calibrate(zs)
            accuracy = accuracy.merge(calibrated, on=["channel", "tz", "model", "horizon"], how="left")
    for s in series:
        key = (s.channel, s.tz)
        if model != "auto":
            choice[key] = model
        elif key not in choice:
            choice[key] = "ets"

    # ---- final forecast --------------------------------------------------
    final_models = tuple(sorted(set(choice.values())))
    preds = _predict_all(series, frames, grid, n_hist, out_hi, per_day, step_min, final_models)
    out = []
    effects_rows = []
    unknown_events: dict[str, list[str]] = {}
    for s in series:
        key = (s.channel, s.tz)
        p_all = preds[key]
        name = choice[key] if choice[key] in p_all else next(iter(p_all))
        if name != choice[key]:
            notes.append(f"{s.channel}/{s.tz}: model {choice[key]} not available ({p_all[name].get('why', '')}); using {name}")
        p = dict(p_all[name])
        lead = np.arange(out_hi - out_lo) / per_day
        c = np.ones(len(lead))
        for bucket, lo_d, hi_d in BUCKETS:  # widen or narrow the band so that it covers 80% in the backtest
            c[(lead >= lo_d) & (lead < hi_d)] = spread.get((s.channel, s.tz, name, bucket), 1.0)
        sd = (p["hi"][: len(c)] - p["mu"][: len(c)]) / Z80 * c
        p["lo"], p["hi"] = np.maximum(p["mu"][: len(c)] - Z80 * sd, 0.0), p["mu"][: len(c)] + Z80 * sd
        n = out_hi - out_lo
        aht = _aht_forecast(s, frames[s.tz], n_hist, per_day)[: n]
        out.append(
            pd.DataFrame(
                {
                    "ds": grid[out_lo:out_hi],
                    "channel": s.channel,
                    "tz": s.tz,
                    "volume": p["mu"][:n],
                    "volume_lo": p["lo"][:n],
                    "volume_hi": p["hi"][:n],
                    "aht_s": aht,
                    "model": name,
                    "event_volume": p["contrib"][:n],
                    "events": fx.event_names(s.ev, out_hi, out_lo),
                }
            )
        )
        notes.extend(p.get("notes", []))
        for e in p.get("unknown", []):
            unknown_events.setdefault(e, []).append(f"{s.channel}/{s.tz}")
    for e, where in unknown_events.items():
        scope = "every series" if len(where) == len(series) else ", ".join(where)
        notes.append(f"event '{e}' has no uplift and no past occurrence of its kind to learn from ({scope}); forecast without its effect")
    for channel, eff in preds["_effects"].items():
        for k, m in sorted(eff.items()):
            effects_rows.append({"channel": channel, "key": k, "multiplier": m})
    forecast = pd.concat(out, ignore_index=True).sort_values(["ds", "channel", "tz"], ignore_index=True)
    forecast["ds"] = forecast["ds"].dt.as_unit("ns")
    return ForecastResult(forecast, accuracy, _dedupe(notes), pd.DataFrame(effects_rows), all_events)


def _dedupe(notes: list[str]) -> list[str]:
    return list(dict.fromkeys(notes))


def _mase_scale(y: np.ndarray, week: int) -> float:
    d = np.abs(y[week:] - y[:-week])
    d = d[~np.isnan(d)]
    return float(d.mean()) if len(d) else float("nan")


def _calibrate(zs: dict) -> tuple[dict, pd.DataFrame]:
    """Band widths that cover 80% in the backtest, per series, model and horizon bucket.

    The factor scales the band so that 80% of the backtest errors at that lead
    fall inside. ``coverage_80_calibrated`` is measured honestly: each
    origin's errors are scored with the factors learned from the other
    origins only.
    """

    def factor(z: np.ndarray) -> float:
        z = np.minimum(z[~np.isnan(z)], 1e6)  # an error where the band had no width counts as far outside
        return float(np.clip(np.quantile(z, 0.8) / Z80, 0.3, 5.0)) if len(z) else 1.0

    factors, rows = {}, []
    for key, per_origin in zs.items():
        for bucket, lo_d, hi_d in BUCKETS:
            parts = [z[(lead >= lo_d) & (lead < hi_d)] for _, lead, z in per_origin]
            if not sum(len(p) for p in parts):
                continue
            factors[key + (bucket,)] = factor(np.concatenate(parts))
        inside: dict[str, list[bool]] = {}
        for i, (_, lead, z) in enumerate(per_origin):
            others = [o for j, o in enumerate(per_origin) if j != i]
            if not others:
                continue
            for bucket, lo_d, hi_d in BUCKETS:
                sel = (lead >= lo_d) & (lead < hi_d) & ~np.isnan(z)
                if not sel.any():
                    continue
                c = factor(np.concatenate([oz[(ol >= lo_d) & (ol < hi_d)] for _, ol, oz in others]))
                ok = (z[sel] <= Z80 * c).tolist()
                inside.setdefault(bucket, []).extend(ok)
                inside.setdefault("all", []).extend(ok)
        for bucket, vals in inside.items():
            rows.append({"channel": key[0], "tz": key[1], "model": key[2], "horizon": bucket, "coverage_80_calibrated": float(np.mean(vals)),
                         "band_factor": factors.get(key + (bucket,), np.nan)})
    cols = ["channel", "tz", "model", "horizon", "coverage_80_calibrated", "band_factor"]
    return factors, pd.DataFrame(rows, columns=cols)


def _score(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    g = raw.groupby(["channel", "tz", "model", "horizon"], as_index=False).agg(
        abs_err=("abs_err", "sum"), err=("err", "sum"), actual=("actual", "sum"), n=("n", "sum"),
        scale=("scale", "mean"), inside=("inside", "sum"), origins=("origin", "nunique"),
    )
    g["wape"] = g["abs_err"] / g["actual"].where(g["actual"] > 0)
    g["mase"] = (g["abs_err"] / g["n"]) / g["scale"].where(g["scale"] > 0)
    g["bias"] = g["err"] / g["actual"].where(g["actual"] > 0)
    g["coverage_80"] = g["inside"] / g["n"]
    alls = g[g["horizon"] == "all"]
    choice = {}
    for (c, tz), h in alls.groupby(["channel", "tz"]):
        h = h.dropna(subset=["wape"])
        if len(h):
            choice[(c, tz)] = str(h.loc[h["wape"].idxmin(), "model"])
    g["chosen"] = [choice.get((c, tz)) == m for c, tz, m in zip(g["channel"], g["tz"], g["model"])]
    order = {b[0]: i for i, b in enumerate(BUCKETS + (("all", 0, 0),))}
    g = g.sort_values(["channel", "tz", "horizon", "model"], key=lambda s: s.map(order) if s.name == "horizon" else s)
    cols = ["channel", "tz", "model", "horizon", "wape", "mase", "bias", "coverage_80", "origins", "n", "actual", "chosen"]
    return g[cols].reset_index(drop=True), choice


def _predict_all(series, frames, grid, origin, stop, per_day, step_min, models=fm.DEFAULT_CANDIDATES) -> dict:
    """Every model's prediction for every series on ``grid[origin:stop]``, trained before ``origin``."""
    sums: dict[str, dict[str, list[float]]] = {}
    for s in series:
        fx.accumulate(sums.setdefault(s.channel, {}), s.y, s.ref, s.ev, origin)
    effects = {c: fx.learned(v) for c, v in sums.items()}
    out: dict = {"_effects": effects}
    for s in series:
        out[(s.channel, s.tz)] = _predict_series(s, frames[s.tz], origin, stop, per_day, effects.get(s.channel, {}), models)
    return out


def _predict_series(s: _Series, frame: fm.LocalFrame, origin: int, stop: int, per_day: int, effects: dict, models=fm.DEFAULT_CANDIDATES) -> dict:
    n_full = len(s.y)
    mult, unknown = fx.multiplier(s.ev, effects, n_full)
    notes: list[str] = []
    unknown_future = [e for e in dict.fromkeys(unknown) if any(w.event == e and w.index.max() >= origin for w in s.ev.windows)]
    y = s.y.copy()
    y[origin:] = np.nan
    y[s.ev.excluded] = np.nan
    last_day = int(frame.day[origin]) - 1
    # extend the output to whole local days so intraday shares are normalised over the full day
    d_lo = int(np.searchsorted(frame.day, frame.day[origin], side="left"))
    d_hi = int(np.searchsorted(frame.day, frame.day[min(stop, n_full) - 1], side="right"))
    sub = fm.LocalFrame(frame.ds[d_lo:d_hi], frame.day[d_lo:d_hi], frame.weekday[d_lo:d_hi], frame.slot[d_lo:d_hi])
    cut = slice(origin - d_lo, stop - d_lo)
    preds: dict = {}

    observed = y[s.first : origin]
    if np.nansum(observed) == 0:
        z = np.zeros(stop - origin)
        return {"zero": {"mu": z, "lo": z, "hi": z, "contrib": z, "unknown": [], "notes": [f"{s.channel}/{s.tz}: no contacts in the history; forecast is zero"]}}

    hist_frame = fm.LocalFrame(frame.ds[:origin], frame.day[:origin], frame.weekday[:origin], frame.slot[:origin])
    # seasonal naive: last week as it was, events included
    sn = fm.snaive(hist_frame, np.nan_to_num(s.y[:origin]), last_day, sub)[cut]
    daily_raw = fm.daily_totals(hist_frame, s.y[:origin], last_day)
    ld = np.log1p(daily_raw.dropna())
    sn_sd = float(np.nanstd((ld - ld.shift(7)).to_numpy())) if len(ld) > 14 else 0.15
    preds["snaive"] = _with_bounds(sn, np.zeros_like(sn), sn_sd, origin, frame, cut, d_lo, per_day, notes)
    preds["snaive"]["unknown"] = unknown_future

    clean = y / mult
    daily = fm.daily_totals(hist_frame, clean[:origin], last_day)
    daily = daily[daily.index >= int(frame.day[s.first]) + (0 if frame.slot[s.first] == 0 else 1)]
    n_days = int(daily.notna().sum())
    if n_days < fm.MIN_ETS_DAYS:
        preds["snaive"]["why"] = f"only {n_days} complete days of history"
        notes.append(
            f"{s.channel}/{s.tz}: only {n_days} complete days of history (ets needs {fm.MIN_ETS_DAYS}); using seasonal naive"
        )
        preds["snaive"]["notes"] = notes
        return preds
    daily = fm.fill_weekly(daily)
    log_daily = np.log1p(np.maximum(daily, 0.0))
    future_days = np.arange(last_day + 1, int(sub.day[-1]) + 1)
    fc, sd = fm.ets_daily(log_daily.to_numpy(), len(future_days))
    if len(daily) >= 400:
        fc = fc + fm.yearly_drift(log_daily, last_day, future_days)
    daily_fc = pd.Series(np.expm1(fc).clip(min=0.0), index=future_days)
    profile = fm.intraday_profile(hist_frame, clean[:origin], last_day)
    base = fm.spread_daily(sub, daily_fc, profile)[cut]
    m = mult[origin:stop]
    mu = base * m
    preds["ets"] = _with_bounds(mu, mu - base, sd, origin, frame, cut, d_lo, per_day, notes)
    preds["ets"]["unknown"] = unknown_future
    if "prophet" in models:
        pf, psd = fm.prophet_daily(daily, future_days)
        pbase = fm.spread_daily(sub, pd.Series(pf, index=future_days), profile)[cut]
        preds["prophet"] = _with_bounds(pbase * m, pbase * m - pbase, psd, origin, frame, cut, d_lo, per_day, notes)
        preds["prophet"]["unknown"] = unknown_future
    if "ets" not in models:
        del preds["ets"]
    if "snaive" not in models and len(preds) > 1:
        del preds["snaive"]
    return preds


def _with_bounds(mu, contrib, sd_log_daily, origin, frame, cut, d_lo, per_day, notes) -> dict:
    """10%/90% bounds: Poisson noise per interval plus a daily level error growing with lead time."""
    lead_days = np.arange(len(mu)) / per_day
    sd_rel = sd_log_daily * np.sqrt(1.0 + SPREAD_GROWTH_PER_DAY * lead_days)
    sd = np.sqrt(np.maximum(mu, 0.0) + (sd_rel * mu) ** 2)
    lo = np.maximum(mu - Z80 * sd, 0.0)
    hi = mu + Z80 * sd
    return {"mu": mu, "lo": lo, "hi": hi, "contrib": contrib, "notes": notes}


def _aht_forecast(s: _Series, frame: fm.LocalFrame, origin: int, per_day: int) -> np.ndarray:
    """Volume-weighted handle time per local weekday and time of day over the last weeks."""
    lo = max(0, origin - fm.PROFILE_WEEKS * 7 * per_day)
    vol = np.nan_to_num(s.y[lo:origin])
    aht = s.aht[lo:origin]
    ok = ~np.isnan(aht) & (vol > 0)
    n_out = len(frame.ds) - origin
    if not ok.any():
        return np.full(n_out, np.nan)
    df = pd.DataFrame({"w": frame.weekday[lo:origin][ok], "slot": frame.slot[lo:origin][ok], "work": aht[ok] * vol[ok], "vol": vol[ok]})
    overall = df["work"].sum() / df["vol"].sum()
    by = df.groupby(["w", "slot"])[["work", "vol"]].sum()
    # shrink thin cells towards the slot's and the series' mean
    by_slot = df.groupby("slot")[["work", "vol"]].sum()
    k = 20.0
    slot_mean = (by_slot["work"] + k * overall) / (by_slot["vol"] + k)
    prior = slot_mean.reindex(by.index.get_level_values("slot")).to_numpy()
    est = (by["work"].to_numpy() + k * prior) / (by["vol"].to_numpy() + k)
    table = pd.Series(est, index=by.index)
    key = pd.MultiIndex.from_arrays([frame.weekday[origin:], frame.slot[origin:]])
    out = table.reindex(key).to_numpy(dtype=float)
    fill = slot_mean.reindex(frame.slot[origin:]).to_numpy(dtype=float)
    out = np.where(np.isnan(out), fill, out)
    return np.where(np.isnan(out), overall, out)


def forecast_totals(forecast: pd.DataFrame) -> pd.DataFrame:
    """Sum zones per channel and interval, with a volume-weighted handle time."""
    f = forecast.assign(work=forecast["volume"] * forecast["aht_s"])
    g = f.groupby(["ds", "channel"], as_index=False).agg(volume=("volume", "sum"), work=("work", "sum"))
    g["aht_s"] = g["work"] / g["volume"].where(g["volume"] > 0)
    return g.drop(columns="work")

