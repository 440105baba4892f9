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
    learned from the last year, recent weeks weighing most; then event and
    holiday multipliers learned from their past occurrences (see
    :mod:`forecast.effects`).
``ets_calendar``
    ``ets`` with day-of-month and pay-day effects (:mod:`forecast.calendar`),
    where the history shows them; the backtest keeps it only where it helps.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

MODELS = ("snaive", "ets", "ets_calendar", "prophet")
DEFAULT_CANDIDATES = ("snaive", "ets")
PROFILE_WEEKS = 52
PROFILE_HALF_LIFE_WEEKS = 16
ETS_MAX_DAYS = 730
MIN_ETS_DAYS = 21


@dataclass
class LocalFrame:
    """Local-time coordinates of a UTC grid in one zone.

    Attributes
    ----------
    ds : DatetimeIndex
        UTC interval starts.
    day : ndarray of int
        Local date of each interval, as whole days since 1970-01-01.
    weekday : ndarray of int
        Local weekday, 0 = Monday.
    slot : ndarray of int
        Local time of day in minutes since local midnight (0-1439).
    """

    ds: pd.DatetimeIndex
    day: np.ndarray
    weekday: np.ndarray
    slot: np.ndarray

    @classmethod
    def of(cls, ds: pd.DatetimeIndex, tz: str) -> "LocalFrame":
        local = ds.tz_convert(tz).tz_localize(None)
        day = (local.normalize().as_unit("ns").asi8 // (86_400 * 10**9)).astype(np.int64)  # any unit the index has
        return cls(ds, day, local.day_of_week.to_numpy(), (local.hour * 60 + local.minute).to_numpy())

    def part(self, lo: int, hi: int) -> "LocalFrame":
        """The intervals ``lo:hi`` of this frame."""
        return LocalFrame(self.ds[lo:hi], self.day[lo:hi], self.weekday[lo:hi], self.slot[lo:hi])


def _week_table(weekday: np.ndarray, slot: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` per local (weekday, minute of day) as a 7 x 1440 table; NaN where never seen."""
    key = weekday.astype(np.int64) * 1440 + slot
    total = np.bincount(key, weights=values, minlength=7 * 1440)
    count = np.bincount(key, minlength=7 * 1440)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan).reshape(7, 1440)


def _day_span(day: np.ndarray, first: int, last: int) -> tuple[int, int]:
    """``lo, hi`` such that ``day[lo:hi]`` are the intervals of local days ``first`` to ``last`` (``day`` never decreases)."""
    return int(np.searchsorted(day, first, side="left")), int(np.searchsorted(day, last, side="right"))


def daily_totals(frame: LocalFrame, y: np.ndarray, last_complete_day: int) -> pd.Series:
    """Contacts per local day over complete days; a day with any missing value is NaN.

    Parameters
    ----------
    frame : LocalFrame
        Local coordinates of ``y``'s intervals.
    y : ndarray
        Contacts per interval (NaN = unknown or excluded).
    last_complete_day : int
        Last local day to total (days since 1970-01-01).

    Returns
    -------
    Series
        Totals indexed by local day number, from the first whole local day.
    """
    first_day = int(frame.day[0]) + (0 if frame.slot[0] == 0 else 1)
    lo, hi = _day_span(frame.day, first_day, last_complete_day)
    n = int(last_complete_day) - first_day + 1
    if n <= 0 or hi <= lo:
        return pd.Series(dtype=float)
    d = frame.day[lo:hi] - first_day
    v = y[lo:hi]
    missing = np.isnan(v)
    total = np.bincount(d, weights=np.where(missing, 0.0, v), minlength=n)
    bad = np.bincount(d, weights=missing, minlength=n) > 0
    present = np.bincount(d, minlength=n) > 0
    total[bad] = np.nan
    return pd.Series(total[present], index=np.arange(first_day, first_day + n)[present])


def fill_weekly(s: pd.Series) -> pd.Series:
    """Fill missing days with the same weekday one (or more) weeks before or after."""
    s = s.copy()
    for lag in (7, 14, 21, -7, -14):
        if not s.isna().any():
            break
        s = s.fillna(s.shift(lag))
    return s.interpolate(limit_direction="both")


def intraday_profile(frame: LocalFrame, clean: np.ndarray, train_end_day: int) -> np.ndarray:
    """Share of the local day per (weekday, minute of day), recent weeks weighing most.

    Each complete local day (no missing or excluded interval) of the last
    ``PROFILE_WEEKS`` weeks up to ``train_end_day`` gives its intervals'
    shares of the day's total; the profile is their weighted mean per local
    weekday and time of day, a day's weight halving every
    ``PROFILE_HALF_LIFE_WEEKS`` weeks of age (so a shape that drifts with the
    seasons is followed, while the noise of single days averages out).

    Returns a 7 x 1440 table (weekday 0 = Monday, local minute of day); times
    never seen are 0. Weekdays never seen (short history) borrow the average
    shape of the others.
    """
    first = train_end_day - 7 * PROFILE_WEEKS + 1
    lo, hi = _day_span(frame.day, first, train_end_day)
    sel = slice(lo, hi)
    day, y = frame.day[sel] - first, clean[sel]
    n = 7 * PROFILE_WEEKS
    missing = np.bincount(day, weights=np.isnan(y), minlength=n) > 0
    total = np.bincount(day, weights=np.nan_to_num(y), minlength=n)
    ok = ~missing[day] & (total[day] > 0)
    if not ok.any():
        return np.zeros((7, 1440))
    day_weight = 0.5 ** (((n - 1 - np.arange(n)) / 7.0) / PROFILE_HALF_LIFE_WEEKS)  # by age in weeks, per day
    weight = day_weight[day[ok]]
    key = frame.weekday[sel][ok].astype(np.int64) * 1440 + frame.slot[sel][ok]
    num = np.bincount(key, weights=weight * y[ok] / total[day[ok]], minlength=7 * 1440)
    den = np.bincount(key, weights=weight, minlength=7 * 1440)
    with np.errstate(invalid="ignore", divide="ignore"):
        prof = np.where(den > 0, num / den, np.nan).reshape(7, 1440)
    seen = ~np.isnan(prof)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_slot = np.nansum(prof, axis=0) / seen.sum(axis=0)
    prof = np.where(seen, prof, by_slot[None, :])
    return np.nan_to_num(prof, nan=0.0)


def spread_daily(frame: LocalFrame, daily: pd.Series, profile: np.ndarray) -> np.ndarray:
    """Spread local daily totals over the intervals of each local day by the profile.

    The profile's shares are renormalised over the slots that exist on each
    local day (23- and 25-hour days), so each day's total is kept exactly.
    """
    share = profile[frame.weekday, frame.slot]
    d = frame.day - frame.day[0]
    day_sum = np.bincount(d, weights=share)[d]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(day_sum > 0, share / day_sum, 0.0)
    totals = daily.reindex(frame.day).to_numpy(dtype=float)
    return np.nan_to_num(totals * share, nan=0.0)


@dataclass
class EtsFit:
    """Estimated Holt-Winters parameters and the first local day of the data they were fitted on."""

    params: dict
    start_day: int


def hw_filter(y: np.ndarray, p: dict) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Run additive damped-trend Holt-Winters with known parameters over ``y``.

    The recursions of statsmodels' ``ExponentialSmoothing(trend="add",
    damped_trend=True, seasonal="add")``, written as a plain loop (statsmodels
    runs the same loop with array operations, ten times slower on 700 days).

    Parameters
    ----------
    y : ndarray
        The series (here log daily totals).
    p : dict
        ``smoothing_level``, ``smoothing_trend``, ``smoothing_seasonal``,
        ``damping_trend``, ``initial_level``, ``initial_trend`` and
        ``initial_seasons`` (one per season, the first for ``y[0]``).

    Returns
    -------
    fitted : ndarray
        One-step-ahead predictions of ``y``.
    level, trend : float
        Final states.
    seasons : ndarray
        Seasonal states for the next ``len(initial_seasons)`` steps.
    """
    alpha, beta, gamma, phi = p["smoothing_level"], p["smoothing_trend"], p["smoothing_seasonal"], p["damping_trend"]
    m, n = len(p["initial_seasons"]), len(y)
    seasons = list(p["initial_seasons"]) + [0.0] * n
    level, trend = float(p["initial_level"]), float(p["initial_trend"])
    fitted = np.empty(n)
    for t, obs in enumerate(y.tolist()):
        base = level + phi * trend
        st = seasons[t]
        fitted[t] = base + st
        new_level = alpha * (obs - st) + (1 - alpha) * base
        trend = beta * (new_level - level) + (1 - beta) * phi * trend
        seasons[t + m] = gamma * (obs - base) + (1 - gamma) * st
        level = new_level
    return fitted, level, trend, np.array(seasons[n:])


def hw_forecast(level: float, trend: float, phi: float, seasons: np.ndarray, steps: int) -> np.ndarray:
    """Holt-Winters forecast ``steps`` ahead from the final states of :func:`hw_filter`."""
    h = np.arange(1, steps + 1)
    return level + np.cumsum(phi**h) * trend + seasons[(h - 1) % len(seasons)]


HW_KEYS = ("smoothing_level", "smoothing_trend", "smoothing_seasonal", "damping_trend", "initial_level", "initial_trend", "initial_seasons")


def hw_estimate(y: np.ndarray) -> dict:
    """Estimate additive damped-trend weekly Holt-Winters on ``y``, as statsmodels does.

    The parameters of ``ExponentialSmoothing(y, trend="add", damped_trend=True,
    seasonal="add", seasonal_periods=7, initialization_method="estimated")
    .fit(method="SLSQP", use_brute=False)``, bit for bit, in a third of its
    time (:func:`_hw_estimate_fast`); statsmodels' own fit where its internals
    are not the ones this was written against.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _hw_estimate_fast(y)
        except _HwInternalsChanged:
            pass
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        res = ExponentialSmoothing(
            y, trend="add", damped_trend=True, seasonal="add", seasonal_periods=7, initialization_method="estimated"
        ).fit(method="SLSQP", use_brute=False)
        return {k: res.params[k] for k in HW_KEYS}


class _HwInternalsChanged(Exception):
    """The installed statsmodels does not have the internals :func:`_hw_estimate_fast` uses."""


_SQRT_EPS = float(np.sqrt(np.finfo(float).eps))


def _hw_estimate_fast(y: np.ndarray) -> dict:
    """statsmodels' Holt-Winters fit without its two costly wrappers.

    Two thirds of a fit's time is not the model: SciPy's finite-difference
    gradient calls the sum of squared errors through several layers of Python
    per evaluation (about 400 evaluations a fit), and statsmodels then builds a
    results object (fitted values, AIC, ...) in a Python loop over the data.
    Here the optimiser gets the gradient SciPy would compute (its default for
    SLSQP: forward differences with an absolute step of sqrt(machine epsilon),
    turned back where a step would leave the bounds) from a plain loop over
    statsmodels' compiled recursion, and the fit stops at the parameters.
    The result equals statsmodels' fit exactly (tests/forecast/test_models.py
    checks it on many series).
    """
    try:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing
        from statsmodels.tsa.holtwinters.model import SMOOTHERS

        sse_terms = SMOOTHERS[("add", "add")]
    except (ImportError, KeyError) as exc:  # pragma: no cover - another statsmodels
        raise _HwInternalsChanged from exc

    class ParamsOnly(ExponentialSmoothing):
        def _predict(self, h=None, **estimated):  # fit()'s last step: keep the parameters, skip the results
            self.estimated = estimated
            return SimpleNamespace(_results=SimpleNamespace())

    model = ParamsOnly(y, trend="add", damped_trend=True, seasonal="add", seasonal_periods=7, initialization_method="estimated")
    if not hasattr(model, "_construct_bounds"):  # pragma: no cover - another statsmodels
        raise _HwInternalsChanged
    # The optimiser's bounds: smoothing parameters in [0, 1] (statsmodels maps them internally), then the rest.
    bounds = [(0.0, 1.0)] * 3 + list(model._construct_bounds()[3:])
    if len(bounds) != 6 + 7:  # pragma: no cover - another statsmodels
        raise _HwInternalsChanged
    lb = np.array([b[0] for b in bounds], dtype=float)
    ub = np.array([b[1] for b in bounds], dtype=float)
    lb[np.isnan(lb)], ub[np.isnan(ub)] = -np.inf, np.inf

    def gradient(x: np.ndarray, args) -> np.ndarray:
        e = sse_terms(x, args)
        f0 = e @ e
        h = np.full(x.shape, _SQRT_EPS)
        sign = (x >= 0) * 2.0 - 1.0
        h = np.where((x + h) - x == 0, _SQRT_EPS * sign * np.maximum(1.0, np.abs(x)), h)
        lower, upper = x - lb, ub - x
        outside = ((x + h) < lb) | ((x + h) > ub)
        fits = np.abs(h) <= np.maximum(lower, upper)
        h[outside & fits] *= -1
        h = np.where(~fits & (upper >= lower), upper, h)
        h = np.where(~fits & (upper < lower), -lower, h)
        g = np.empty(x.size)
        for i in range(x.size):
            x1 = x.copy()
            x1[i] = x[i] + h[i]
            e = sse_terms(x1, args)
            g[i] = (e @ e - f0) / ((x[i] + h[i]) - x[i])
        return g

    model.fit(method="SLSQP", use_brute=False, minimize_kwargs={"jac": gradient})
    est = model.estimated
    phi = est["damping_trend"]
    return {
        "smoothing_level": est["smoothing_level"],
        "smoothing_trend": est["smoothing_trend"],
        "smoothing_seasonal": est["smoothing_seasonal"],
        "damping_trend": phi,
        "initial_level": est["initial_level"],
        # statsmodels reports the initial trend after damping it once and undoing that (phi > 0 by its bounds)
        "initial_trend": (est["initial_trend"] * phi) / phi,
        "initial_seasons": np.array(est["initial_seasons"], dtype=float),
    }


def ets_daily(log_daily: pd.Series, steps: int, fit: EtsFit | None = None) -> tuple[np.ndarray, float, EtsFit]:
    """Damped-trend Holt-Winters (weekly) forecast of log daily totals.

    Parameters
    ----------
    log_daily : Series
        Log daily totals on consecutive local days (index: day numbers).
    steps : int
        Days to forecast after the last one.
    fit : EtsFit, optional
        Parameters estimated earlier (on data starting at ``fit.start_day``):
        the model is then only run forward over the current data, which is
        how the backtest updates the model between re-estimations.

    Returns
    -------
    forecast : ndarray
        Log daily totals for the next ``steps`` days.
    sd : float
        Standard deviation of the one-step residuals (log scale).
    fit : EtsFit
        The parameters used.
    """
    if fit is not None and fit.start_day in log_daily.index:
        y = log_daily[log_daily.index >= fit.start_day].to_numpy()
    else:
        y = log_daily.to_numpy()[-ETS_MAX_DAYS:]
        fit = EtsFit(hw_estimate(y), int(log_daily.index[-len(y)]))
    fitted, level, trend, seasons = hw_filter(y, fit.params)
    resid = y - fitted
    sd = float(np.nanstd(resid[7:])) if len(resid) > 14 else 0.1
    return hw_forecast(level, trend, fit.params["damping_trend"], seasons, steps), sd, fit


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
    sel = slice(*_day_span(frame_hist.day, last_complete_day - 6, last_complete_day))
    table = _week_table(frame_hist.weekday[sel], frame_hist.slot[sel], y[sel])
    out = table[frame_out.weekday, frame_out.slot]
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
