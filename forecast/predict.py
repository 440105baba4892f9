"""Every model's prediction of every series from one forecast origin.

The pipeline and the backtest both call :func:`predict_origin`: train on the
intervals before ``origin`` only (event effects included), predict the
intervals ``origin:stop``. A series is one queue (of one channel) in one customer zone on
the common UTC grid; the models in :mod:`forecast.models` work in the zone's
local days and times.

Each prediction carries its expected volume per interval ``mu``, a raw
standard deviation ``sd`` (Poisson noise plus a daily level error growing with
the lead time; the 10%/90% bounds are ``mu -/+ Z80 * sd`` before calibration)
and ``contrib``, the part of ``mu`` due to events and holidays.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast import calendar as fcal
from forecast import effects as fx
from forecast import models as fm
from forecast.schema import series_label

Z80 = 1.2815515655446004  # 10% / 90% quantiles of the normal
SPREAD_GROWTH_PER_DAY = 0.08
#: Days between re-estimations of the Holt-Winters parameters and of the
#: calendar effects in the backtest (in between, the model is only run forward
#: over the new days, with the calendar effects last learned); the final
#: forecast always re-estimates both.
ETS_REFIT_DAYS = 7


@dataclass
class Series:
    """One queue of a channel in one customer zone on the common UTC grid.

    Attributes
    ----------
    y : ndarray
        Contacts per interval on the whole grid (NaN after the history).
    aht : ndarray
        Handle time per interval in seconds (NaN where unknown).
    ev : SeriesEvents
        Event windows and the intervals excluded from training.
    ref : ndarray
        Event-free reference per interval (for learning event effects).
    first : int
        Grid index of the first observed interval.
    queue : str, optional
        The queue (None: the channel's one queue, named as the channel).
    """

    channel: str
    tz: str
    y: np.ndarray
    aht: np.ndarray
    ev: fx.SeriesEvents
    ref: np.ndarray
    first: int
    queue: str | None = None
    #: contacts per complete local day over the whole history, found once (:meth:`raw_daily`)
    _raw_daily: tuple | None = field(default=None, repr=False, compare=False)

    def raw_daily(self, frame: fm.LocalFrame, last_day: int) -> pd.Series:
        """``fm.daily_totals(frame.part(0, origin), self.y[:origin], last_day)`` for any origin (``last_day`` its day before).

        A day's total depends only on its own intervals, all before the origin, so the totals over the whole series
        are found once and cut at ``last_day``.
        """
        on = (len(frame.day), int(frame.day[0]), int(frame.slot[0]))  # the frame the totals were found on
        if self._raw_daily is None or self._raw_daily[0] != on:
            self._raw_daily = (on, fm.daily_totals(frame, self.y[: len(frame.day)], int(frame.day[-1])))
        totals = self._raw_daily[1]
        return totals.iloc[: int(np.searchsorted(totals.index, last_day, side="right"))]

    @property
    def key(self) -> tuple[str, str, str]:
        """The series' values of :data:`forecast.schema.SERIES_COLUMNS`: ``(channel, queue, tz)``."""
        return (self.channel, self.queue or self.channel, self.tz)

    @property
    def label(self) -> str:
        """The series in messages (:func:`forecast.schema.series_label`)."""
        return series_label(*self.key)


@dataclass
class Prediction:
    """One model's prediction of one series over ``origin:stop``."""

    mu: np.ndarray  # expected contacts per interval
    sd: np.ndarray  # raw standard deviation per interval (before calibration)
    contrib: np.ndarray  # contacts due to events and holidays (part of mu)
    seconds: float = 0.0  # time to fit the model and predict


def band(mu: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 10%/90% bounds ``mu -/+ Z80 * sd``, the lower one clipped at zero."""
    return np.maximum(mu - Z80 * sd, 0.0), mu + Z80 * sd


@dataclass
class SeriesPredictions:
    """Every model's prediction of one series from one origin."""

    models: dict[str, Prediction]
    notes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # future events with nothing to learn from
    why: dict[str, str] = field(default_factory=dict)  # model -> why it is missing


@dataclass
class OriginPredictions:
    by_series: dict[tuple[str, str], SeriesPredictions]
    effects: dict[str, dict[str, float]]  # channel -> effect key -> multiplier


@dataclass
class EtsCache:
    """Holt-Winters parameters and calendar effects per series, re-estimated every ``ETS_REFIT_DAYS``.

    Origins must be visited in increasing order, so parameters are always
    estimated on data before the origin that uses them.
    """

    fits: dict[tuple[str, str], tuple[int, fm.EtsFit]] = field(default_factory=dict)
    #: calendar effects (or None: the history showed none) per series, learned on the same schedule
    calendars: dict[tuple[str, str], tuple[int, fcal.CalendarEffects | None]] = field(default_factory=dict)

    @staticmethod
    def _fresh(hit: tuple[int, object] | None, last_day: int) -> bool:
        """Whether an estimate made at ``hit[0]`` still serves an origin whose last day is ``last_day``."""
        return hit is not None and 0 <= last_day - hit[0] < ETS_REFIT_DAYS

    def get(self, key: tuple[str, str], last_day: int) -> fm.EtsFit | None:
        hit = self.fits.get(key)
        return hit[1] if self._fresh(hit, last_day) else None

    def put(self, key: tuple[str, str], last_day: int, fit: fm.EtsFit) -> None:
        hit = self.fits.get(key)
        if hit is None or hit[1] is not fit:
            self.fits[key] = (last_day, fit)

    def calendar(self, key: tuple[str, str], last_day: int, learn: Callable[[], fcal.CalendarEffects | None]) -> fcal.CalendarEffects | None:
        """The series' calendar effects: learned again (``learn()``) every ``ETS_REFIT_DAYS``, like the parameters."""
        hit = self.calendars.get(key)
        if not self._fresh(hit, last_day):
            hit = (last_day, learn())
            self.calendars[key] = hit
        return hit[1]


def predict_origin(
    series: list[Series],
    frames: dict[str, fm.LocalFrame],
    origin: int,
    stop: int,
    per_day: int,
    models: tuple[str, ...] = fm.DEFAULT_CANDIDATES,
    ets_cache: EtsCache | None = None,
    pay_days: tuple[int, ...] = fcal.DEFAULT_PAY_DAYS,
) -> OriginPredictions:
    """Every model's prediction of every series on ``grid[origin:stop]``, trained before ``origin``.

    Event effects are learned per channel, pooled over zones, from the
    intervals before ``origin``; calendar effects (``ets_calendar``) per
    series with ``pay_days``.
    """
    effects = learn_effects(series, origin)
    out = {
        s.key: predict_series(s, frames[s.tz], origin, stop, per_day, effects.get(s.channel, {}), models, ets_cache, pay_days)
        for s in series
    }
    return OriginPredictions(out, effects)


def learn_effects(series: list[Series], origin: int) -> dict[str, dict[str, float]]:
    """Event and holiday multipliers per channel (pooled over zones) from the intervals before ``origin``."""
    evidence: dict[str, fx.Evidence] = {}
    for s in series:
        fx.accumulate(evidence.setdefault(s.channel, fx.Evidence()), s.y, s.ref, s.ev, origin)
    return {c: fx.learned(v) for c, v in evidence.items()}


def clean_daily_totals(s: Series, frame: fm.LocalFrame, origin: int, mult: np.ndarray) -> pd.Series:
    """Contacts per complete local day before ``origin``, divided by the event and holiday multipliers.

    Days with an interval left out of training are NaN. Index: local day
    numbers (days since 1970-01-01), from the series' first whole local day.
    """
    y = s.y[:origin].copy()
    y[s.ev.excluded[:origin]] = np.nan
    daily = fm.daily_totals(frame.part(0, origin), y / mult[:origin], int(frame.day[origin]) - 1)
    return daily[daily.index >= int(frame.day[s.first]) + (0 if frame.slot[s.first] == 0 else 1)]


def predict_series(
    s: Series,
    frame: fm.LocalFrame,
    origin: int,
    stop: int,
    per_day: int,
    effects: dict[str, float],
    models: tuple[str, ...] = fm.DEFAULT_CANDIDATES,
    ets_cache: EtsCache | None = None,
    pay_days: tuple[int, ...] = fcal.DEFAULT_PAY_DAYS,
) -> SeriesPredictions:
    """The requested models' predictions of one series on ``origin:stop`` (grid indices).

    Seasonal naive is always made (it is the fallback); each prediction
    records the seconds its model took, shared preparation included. The
    bands of the models that use event effects include the effects'
    uncertainty (:func:`forecast.effects.effect_sd`: a holiday that borrows
    its country's pooled effect has a wide one). ``ets_calendar`` is
    ``ets`` with the calendar effects of :mod:`forecast.calendar`; where the
    history shows none it is missing (``why``) and ``ets`` is made instead.
    """
    clock = time.perf_counter()
    n_full = len(s.y)
    mult, unknown = fx.multiplier(s.ev, effects, n_full)
    esd = fx.effect_sd(s.ev, effects, n_full)[origin:stop]
    unknown_future = [e for e in dict.fromkeys(unknown) if any(w.event == e and w.index.max() >= origin for w in s.ev.windows)]
    y = s.y.copy()
    y[origin:] = np.nan
    y[s.ev.excluded] = np.nan
    last_day = int(frame.day[origin]) - 1
    # extend the output to whole local days so intraday shares are normalised over the full day
    d_lo = int(np.searchsorted(frame.day, frame.day[origin], side="left"))
    d_hi = int(np.searchsorted(frame.day, frame.day[min(stop, n_full) - 1], side="right"))
    sub = frame.part(d_lo, d_hi)
    cut = slice(origin - d_lo, stop - d_lo)
    lead_days = np.arange(stop - origin) / per_day
    out = SeriesPredictions({}, unknown=unknown_future)

    observed = y[s.first : origin]
    if np.nansum(observed) == 0:
        z = np.zeros(stop - origin)
        out.models["zero"] = Prediction(z, z, z)
        out.notes.append(f"{s.label}: no contacts in the history; forecast is zero")
        return out
    shared_s, clock = _lap(clock)

    hist = frame.part(0, origin)
    # seasonal naive: last week as it was, events included
    sn = fm.snaive(hist, np.nan_to_num(s.y[:origin]), last_day, sub)[cut]
    daily_raw = s.raw_daily(frame, last_day)
    ld = np.log1p(daily_raw.dropna())
    sn_sd = float(np.nanstd((ld - ld.shift(7)).to_numpy())) if len(ld) > 14 else 0.15
    seconds, clock = _lap(clock)
    out.models["snaive"] = Prediction(sn, band_sd(sn, sn_sd, lead_days), np.zeros_like(sn), shared_s + seconds)
    if not set(models) & {"ets", "prophet", "ets_calendar"}:
        return out

    # daily totals cleaned of events, and the intraday profile (ets and prophet)
    clean = y / mult
    daily = clean_daily_totals(s, frame, origin, mult)
    n_days = int(daily.notna().sum())
    if n_days < fm.MIN_ETS_DAYS:
        why = f"only {n_days} complete days of history"
        for m in models:
            if m != "snaive":
                out.why[m] = why
        out.notes.append(f"{s.label}: {why} (ets needs {fm.MIN_ETS_DAYS}); using seasonal naive")
        return out
    seen = daily.notna().to_numpy()
    daily = fm.fill_weekly(daily)
    log_daily = np.log1p(np.maximum(daily, 0.0))
    future_days = np.arange(last_day + 1, int(sub.day[-1]) + 1)
    profile = fm.intraday_profile(hist, clean[:origin], last_day)
    m = mult[origin:stop]
    shape = holiday_shape(s, frame, clean, origin, profile)

    def spread(daily_fc: pd.Series) -> np.ndarray:
        full = fm.spread_daily(sub, daily_fc, profile)
        if shape is not None:  # public holidays ahead take the shape of the day past holidays had
            for w in s.ev.windows:
                if w.key.startswith("holiday:") and w.key.endswith("|core") and w.index.min() >= d_lo and w.index.max() < d_hi:
                    j = w.index - d_lo
                    share = shape[sub.weekday[j], sub.slot[j]]
                    if share.sum() > 0:
                        full[j] = full[j].sum() * share / share.sum()
        return full[cut]

    seconds, clock = _lap(clock)
    shared_s += seconds

    cal = None
    if "ets_calendar" in models:
        if pay_days is not None:
            def learn() -> fcal.CalendarEffects | None:
                return fcal.learn(log_daily, seen, pay_days)

            cal = ets_cache.calendar(s.key, last_day, learn) if ets_cache is not None else learn()
        if cal is not None and cal.largest(np.concatenate([log_daily.index.to_numpy(), future_days])) < fcal.MIN_EFFECT:
            cal = None
        if cal is None:
            out.why["ets_calendar"] = "no day-of-month or pay-day effect in the history"
    fit = None
    if "ets" in models or ("ets_calendar" in models and cal is None):
        cached = ets_cache.get(s.key, last_day) if ets_cache is not None else None
        fc, sd, fit = fm.ets_daily(log_daily, len(future_days), cached)
        if ets_cache is not None:
            ets_cache.put(s.key, last_day, fit)
        if len(daily) >= 400:
            fc = fc + fm.yearly_drift(log_daily, last_day, future_days)
        daily_fc = pd.Series(np.expm1(fc).clip(min=0.0), index=future_days)
        base = spread(daily_fc)
        mu = base * m
        seconds, clock = _lap(clock)
        out.models["ets"] = Prediction(mu, _with_effects(band_sd(mu, sd, lead_days), mu, esd), mu - base, shared_s + seconds)
    if cal is not None:
        # the same Holt-Winters parameters (estimated without the calendar when ets ran), run over the days less the calendar
        cached = fit if fit is not None else (ets_cache.get(s.key, last_day) if ets_cache is not None else None)
        lc_hist = cal.log_multiplier(log_daily.index.to_numpy())
        fc, sd, _ = fm.ets_daily(log_daily - lc_hist, len(future_days), cached)
        if len(daily) >= 400:
            fc = fc + fm.yearly_drift(log_daily - lc_hist, last_day, future_days)
        fc = fc + cal.log_multiplier(future_days)
        daily_fc = pd.Series(np.expm1(fc).clip(min=0.0), index=future_days)
        base = spread(daily_fc)
        mu = base * m
        seconds, clock = _lap(clock)
        out.models["ets_calendar"] = Prediction(mu, _with_effects(band_sd(mu, sd, lead_days), mu, esd), mu - base, shared_s + seconds)
    if "prophet" in models:
        pf, psd = fm.prophet_daily(daily, future_days)
        pbase = spread(pd.Series(pf, index=future_days))
        seconds, clock = _lap(clock)
        pmu = pbase * m
        out.models["prophet"] = Prediction(pmu, _with_effects(band_sd(pmu, psd, lead_days), pmu, esd), pmu - pbase, shared_s + seconds)
    if "ets" not in models and "ets_calendar" in out.models:
        out.models.pop("ets", None)
    if "snaive" not in models:
        del out.models["snaive"]
    return out


#: Weight, in holidays, of the weekday's own intraday shape against past holidays' shape on a holiday ahead.
HOLIDAY_SHAPE_PRIOR = 1.0


def holiday_shape(s: Series, frame: fm.LocalFrame, clean: np.ndarray, origin: int, profile: np.ndarray) -> np.ndarray | None:
    """The intraday shape of a public holiday: past holidays' shares of their day, blended with the weekday's.

    Closed or nearly closed, a holiday keeps only some hours (a 311 line's
    emergencies at night, a shop's chat in the evening): the weekday's
    profile would put the few calls at the weekday's peak. Each complete
    past holiday (whole local day, before ``origin``, none of it left out)
    gives its intervals' shares of the day per local minute of day; their
    mean is blended with the weekday profile, ``n`` holidays against
    :data:`HOLIDAY_SHAPE_PRIOR`. Returns a 7 x 1440 table like ``profile``,
    or None without a past holiday.
    """
    num = np.zeros(1440)
    n = 0
    for w in s.ev.windows:
        if not (w.key.startswith("holiday:") and w.key.endswith("|core")) or w.index.max() >= origin or w.index.min() < s.first:
            continue
        y = clean[w.index]
        if np.isnan(y).any() or y.sum() <= 0 or frame.slot[w.index[0]] != 0:
            continue
        day_share = np.zeros(1440)
        np.add.at(day_share, frame.slot[w.index], y / y.sum())
        num += day_share
        n += 1
    if n == 0:
        return None
    seen = num / n
    # blend per weekday: n holidays' shape against the weekday's own
    prof = profile / np.maximum(profile.sum(axis=1, keepdims=True), 1e-12)
    return (n * seen[None, :] + HOLIDAY_SHAPE_PRIOR * prof) / (n + HOLIDAY_SHAPE_PRIOR)


def _with_effects(sd: np.ndarray, mu: np.ndarray, effect_log_sd: np.ndarray) -> np.ndarray:
    """``sd`` with the event effects' uncertainty added (their log standard deviation times the volume)."""
    return np.sqrt(sd**2 + (mu * effect_log_sd) ** 2)


def _lap(clock: float) -> tuple[float, float]:
    """Seconds since ``clock``, and the new clock."""
    now = time.perf_counter()
    return now - clock, now


def band_sd(mu: np.ndarray, sd_log_daily: float, lead_days: np.ndarray) -> np.ndarray:
    """Raw standard deviation per interval: Poisson noise plus a daily level error.

    Parameters
    ----------
    mu : ndarray
        Expected contacts per interval.
    sd_log_daily : float
        Standard deviation of the daily level error on the log scale (one day ahead).
    lead_days : ndarray
        Lead time of each interval in days; the level error grows with it.
    """
    sd_rel = sd_log_daily * np.sqrt(1.0 + SPREAD_GROWTH_PER_DAY * lead_days)
    return np.sqrt(np.maximum(mu, 0.0) + (sd_rel * mu) ** 2)
