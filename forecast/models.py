"""Forecast models for one series in its customers' local time.

A series is one channel in one customer time zone on a complete UTC grid.
Customers follow their local clock, so every model here works on local days
and local time-of-day slots, and maps back to UTC intervals at the end. A
local day has 23, 24 or 25 hours; the intraday shares are renormalised over
the slots that exist on each day, so no interval is created or lost and the
daily pattern does not shift by an hour at a daylight-saving change.

Models (all return the expected volume per UTC interval):

``snaive``
    Seasonal naive, the baseline: the same local weekday and time of day in
    the last complete local week, events and all.
``prophet`` (optional: slower, off the default path)
    The same daily-totals-times-profile structure with Prophet (weekly and
    yearly seasonality, linear trend) fitting the cleaned daily totals; the
    events enter through the same learned multipliers.
``ets``
    How workforce tools forecast: daily totals, cleaned of holiday and event
    effects, modelled with damped-trend Holt-Winters (statsmodels
    ``ExponentialSmoothing``, weekly seasonality on log volume) plus the
    year-over-year seasonal drift when there is more than a year of history;
    then spread over the day with an intraday profile per local weekday
    learned from recent weeks; then event and holiday multipliers learned
    from their past occurrences (see :mod:`forecast.effects`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

MODELS = ("snaive", "ets", "prophet")
DEFAULT_CANDIDATES = ("snaive", "ets")
PROFILE_WEEKS = 8
ETS_MAX_DAYS = 730
MIN_ETS_DAYS = 21


@dataclass
class LocalFrame:
    """Local-time coordinates of a UTC grid in one zone."""

    ds: pd.DatetimeIndex
    day: np.ndarray  # local date as integer days since 1970-01-01
    weekday: np.ndarray  # 0 = Monday
    slot: np.ndarray  # minutes since local midnight

    @classmethod
    def of(cls, ds: pd.DatetimeIndex, tz: str) -> "LocalFrame":
        local = ds.tz_convert(tz).tz_localize(None)
        day = (local.normalize().asi8 // (86_400 * 10**9)).astype(np.int64)
        return cls(ds, day, local.day_of_week.to_numpy(), (local.hour * 60 + local.minute).to_numpy())


def daily_totals(frame: LocalFrame, y: np.ndarray, last_complete_day: int) -> pd.Series:
    """Sum per local day over complete days; a day with any missing value is NaN."""
    first_day = frame.day[0] + (0 if frame.slot[0] == 0 else 1)
    sel = (frame.day >= first_day) & (frame.day <= last_complete_day)
    s = pd.Series(y[sel]).groupby(frame.day[sel]).sum(min_count=1)
    has_nan = pd.Series(np.isnan(y[sel])).groupby(frame.day[sel]).any()
    s[has_nan.to_numpy()] = np.nan
    return s


def fill_weekly(s: pd.Series) -> pd.Series:
    """Fill missing days with the same weekday one (or more) weeks before or after."""
    s = s.copy()
    for lag in (7, 14, 21, -7, -14):
        if not s.isna().any():
            break
        s = s.fillna(s.shift(lag))
    return s.interpolate(limit_direction="both")


def intraday_profile(frame: LocalFrame, clean: np.ndarray, train_end_day: int) -> pd.Series:
    """Mean share of the local day per (weekday, slot) over the last weeks of clean data."""
    first = train_end_day - 7 * PROFILE_WEEKS + 1
    sel = (frame.day >= first) & (frame.day <= train_end_day) & ~np.isnan(clean)
    df = pd.DataFrame({"day": frame.day[sel], "weekday": frame.weekday[sel], "slot": frame.slot[sel], "y": clean[sel]})
    total = df.groupby("day")["y"].transform("sum")
    df = df[total > 0]
    df["share"] = df["y"] / total[total > 0]
    prof = df.groupby(["weekday", "slot"])["share"].mean()
    if prof.empty:
        return prof
    # weekdays never seen (short history) borrow the average shape of the others
    full = pd.MultiIndex.from_product([range(7), sorted(df["slot"].unique())], names=["weekday", "slot"])
    by_slot = prof.groupby(level="slot").mean()
    prof = prof.reindex(full)
    fill = by_slot.reindex(prof.index.get_level_values("slot")).to_numpy()
    prof = prof.fillna(pd.Series(fill, index=prof.index))
    return prof.fillna(0.0)


def spread_daily(frame: LocalFrame, daily: pd.Series, profile: pd.Series) -> np.ndarray:
    """Spread local daily totals over the intervals of each local day by the profile."""
    key = pd.MultiIndex.from_arrays([frame.weekday, frame.slot])
    share = profile.reindex(key).to_numpy(dtype=float)
    share = np.nan_to_num(share, nan=0.0)
    day_sum = pd.Series(share).groupby(frame.day).transform("sum").to_numpy()
    # renormalise over the slots that exist that day (23/25-hour days)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(day_sum > 0, share / day_sum, 0.0)
    totals = daily.reindex(frame.day).to_numpy(dtype=float)
    return np.nan_to_num(totals * share, nan=0.0)


def ets_daily(log_daily: np.ndarray, steps: int) -> tuple[np.ndarray, float]:
    """Damped-trend Holt-Winters (weekly) forecast of log daily totals, and the residual sd."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = log_daily[-ETS_MAX_DAYS:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(
            y, trend="add", damped_trend=True, seasonal="add", seasonal_periods=7, initialization_method="estimated"
        ).fit()
    resid = y - fit.fittedvalues
    sd = float(np.nanstd(resid[7:])) if len(resid) > 14 else 0.1
    return np.asarray(fit.forecast(steps)), sd


def yearly_drift(log_daily: pd.Series, last_day: int, future_days: np.ndarray) -> np.ndarray:
    """Year-over-year seasonal change from ``last_day`` to each future day, on the log scale.

    Uses the 28-day centred mean of last year's clean log totals (364 days back,
    so weekdays align); zero when there is not enough history.
    """
    smooth = log_daily.rolling(28, center=True, min_periods=21).mean()
    ref = smooth.get(last_day - 364, np.nan)
    vals = smooth.reindex(future_days - 364).to_numpy()
    out = vals - ref
    return np.nan_to_num(out, nan=0.0)


def snaive(frame_hist: LocalFrame, y: np.ndarray, last_complete_day: int, frame_out: LocalFrame) -> np.ndarray:
    """Same local weekday and slot in the last complete local week."""
    sel = (frame_hist.day > last_complete_day - 7) & (frame_hist.day <= last_complete_day)
    last = pd.Series(y[sel], index=pd.MultiIndex.from_arrays([frame_hist.weekday[sel], frame_hist.slot[sel]]))
    last = last.groupby(level=[0, 1]).mean()
    key = pd.MultiIndex.from_arrays([frame_out.weekday, frame_out.slot])
    out = last.reindex(key).to_numpy(dtype=float)
    if np.isnan(out).any():  # a slot that did not exist last week (DST): neighbouring value
        out = pd.Series(out).ffill().bfill().fillna(0.0).to_numpy()
    return np.maximum(np.nan_to_num(out), 0.0)


def prophet_daily(daily: pd.Series, future_days: np.ndarray) -> tuple[np.ndarray, float]:
    """Prophet forecast of clean daily totals (index: local day numbers), and the relative residual sd."""
    import logging

    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("prophet").disabled = True
    from prophet import Prophet

    y = daily.iloc[-ETS_MAX_DAYS:]
    ds = pd.to_datetime(y.index.to_numpy(), unit="D")
    m = Prophet(weekly_seasonality=True, yearly_seasonality=len(y) >= 400, daily_seasonality=False, uncertainty_samples=0)
    import warnings

    with warnings.catch_warnings():  # Prophet uses a pandas keyword deprecated in pandas 3
        warnings.simplefilter("ignore")
        m.fit(pd.DataFrame({"ds": ds, "y": y.to_numpy()}))
        fit = m.predict(pd.DataFrame({"ds": ds}))["yhat"].to_numpy()
        fut = m.predict(pd.DataFrame({"ds": pd.to_datetime(future_days, unit="D")}))["yhat"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (y.to_numpy() - fit) / np.maximum(fit, 1.0)
    return np.maximum(fut, 0.0), float(np.nanstd(rel[7:])) if len(rel) > 14 else 0.1
