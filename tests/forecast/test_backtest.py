"""Backtest plumbing with fake, predictable models: origins, choice per horizon, honest scores, bands."""

import warnings

import numpy as np
import pandas as pd
import pytest

from forecast import backtest as bk
from forecast import models as fm
from forecast.effects import SeriesEvents
from forecast.predict import OriginPredictions, Prediction, Series, SeriesPredictions

PER_DAY = 24


def flat_series(days=120, level=10.0, noise_sd=0.0, seed=0):
    rng = np.random.default_rng(seed)
    y = level + noise_sd * rng.standard_normal(days * PER_DAY)
    n = len(y)
    return Series("voice", "UTC", y, np.full(n, np.nan), SeriesEvents(excluded=np.zeros(n, bool)), np.full(n, np.nan), 0)


def fake(series, rule):
    """A predictor whose models are ``rule(origin, lead_days) -> (mu, sd)`` per model name."""

    def predict(origin, stop):
        lead = np.arange(stop - origin) / PER_DAY
        models = {}
        for name, f in rule.items():
            mu, sd = f(origin, lead)
            models[name] = Prediction(np.broadcast_to(mu, lead.shape).astype(float), np.broadcast_to(sd, lead.shape).astype(float), np.zeros(len(lead)))
        return OriginPredictions({series.key: SeriesPredictions(models)}, {})

    return predict


def test_schedule_has_daily_origins_for_short_leads_and_weekly_ones_for_long_leads():
    n_hist = 200 * PER_DAY
    o = bk.schedule(n_hist, PER_DAY, horizon_days=28, first=0)
    daily = [k for k in o if k > n_hist - 28 * PER_DAY]
    assert len(daily) == bk.DAILY_ORIGINS - 1  # the 28th daily origin is also the latest weekly one
    assert all(np.diff(sorted(daily)) == PER_DAY)
    assert o[n_hist - PER_DAY] == PER_DAY  # the last origin forecasts the last day of the history
    assert o[n_hist - 10 * PER_DAY] == bk.DAILY_DAYS * PER_DAY
    weekly = [k for k, n in o.items() if n == 28 * PER_DAY]
    assert len(weekly) == bk.WEEKLY_ORIGINS and all(np.diff(sorted(weekly)) == 7 * PER_DAY)
    assert all(k + n <= n_hist for k, n in o.items())


def test_schedule_follows_a_short_horizon_and_a_short_history():
    n_hist = 200 * PER_DAY
    o = bk.schedule(n_hist, PER_DAY, horizon_days=3, first=0)
    assert len(o) == bk.DAILY_ORIGINS and max(o.values()) == 3 * PER_DAY
    late_start = n_hist - 20 * PER_DAY
    o = bk.schedule(n_hist, PER_DAY, horizon_days=28, first=late_start)
    assert min(o) - late_start >= bk.MIN_TRAIN_DAYS * PER_DAY


def test_the_choice_is_made_per_horizon_bucket():
    s = flat_series()
    predict = fake(s, {"short": lambda o, lead: (np.where(lead < 1, 10.0, 20.0), 1.0), "long": lambda o, lead: (13.0, 1.0)})
    origins = bk.schedule(len(s.y), PER_DAY, 28, 0)
    res = bk.score(bk.run_trials([s], predict, origins, PER_DAY), PER_DAY)
    assert res.choice[("voice", "voice", "UTC", "day-ahead")] == "short"
    assert res.choice[("voice", "voice", "UTC", "week-ahead")] == "long"
    assert res.choice[("voice", "voice", "UTC", "month-ahead")] == "long"
    acc = res.accuracy.set_index(["model", "horizon"])
    assert acc.loc[("auto", "day-ahead"), "wape"] == pytest.approx(0.0)
    assert acc.loc[("auto", "week-ahead"), "wape"] == pytest.approx(0.3)
    assert acc.loc[("short", "day-ahead"), "chosen"] and not acc.loc[("short", "week-ahead"), "chosen"]


def test_auto_is_scored_on_days_its_choice_did_not_see():
    # "lucky" is perfect except on one day, where it is far off; "steady" is always 10% high.
    # In sample, steady wins. Out of sample, the bad day is judged by the other days (lucky looks
    # perfect there), and every other day sees the bad day (so steady is picked).
    s = flat_series()
    origins = bk.schedule(len(s.y), PER_DAY, 1, 0)
    bad = sorted(origins)[10]
    predict = fake(s, {"lucky": lambda o, lead: (60.0 if o == bad else 10.0, 1.0), "steady": lambda o, lead: (11.0, 1.0)})
    res = bk.score(bk.run_trials([s], predict, origins, PER_DAY), PER_DAY)
    assert res.choice[("voice", "voice", "UTC", "day-ahead")] == "steady"
    acc = res.accuracy.set_index(["model", "horizon"])
    n = len(origins)
    assert acc.loc[("steady", "day-ahead"), "wape"] == pytest.approx(0.1)
    assert acc.loc[("auto", "day-ahead"), "wape"] == pytest.approx((50 + (n - 1) * 1) / (n * 10))


def test_bands_are_calibrated_to_cover_80_percent_out_of_sample():
    s = flat_series(level=100.0, noise_sd=5.0)
    predict = fake(s, {"narrow": lambda o, lead: (100.0, 2.5)})  # the raw band is half as wide as it should be
    origins = bk.schedule(len(s.y), PER_DAY, 28, 0)
    res = bk.score(bk.run_trials([s], predict, origins, PER_DAY), PER_DAY)
    acc = res.accuracy.set_index(["model", "horizon"])
    for bucket in ("day-ahead", "week-ahead", "month-ahead"):
        assert res.band_factor[("voice", "voice", "UTC", "narrow", bucket)] == pytest.approx(2.0, rel=0.1)
        assert acc.loc[("narrow", bucket), "coverage_80"] == pytest.approx(0.48, abs=0.05)
        assert acc.loc[("narrow", bucket), "coverage_80_calibrated"] == pytest.approx(0.8, abs=0.04)


def test_holt_winters_filter_matches_statsmodels():
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    rng = np.random.default_rng(1)
    n = 400
    y = 6 + 0.2 * np.sin(np.arange(n) * 2 * np.pi / 7) + np.cumsum(rng.normal(0, 0.02, n)) + rng.normal(0, 0.05, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="add", seasonal_periods=7,
                                   initialization_method="estimated").fit()
    p = {k: res.params[k] for k in ("smoothing_level", "smoothing_trend", "smoothing_seasonal", "damping_trend",
                                     "initial_level", "initial_trend", "initial_seasons")}
    fitted, level, trend, seasons = fm.hw_filter(y, p)
    np.testing.assert_allclose(fitted, res.fittedvalues, rtol=1e-10)
    np.testing.assert_allclose(fm.hw_forecast(level, trend, p["damping_trend"], seasons, 20), res.forecast(20), rtol=1e-10)


def test_ets_reuses_parameters_until_it_is_given_none():
    days = pd.Series(np.log1p(500 + 50 * np.sin(np.arange(300) * 2 * np.pi / 7)), index=np.arange(19000, 19300))
    fc, sd, fit = fm.ets_daily(days, 7)
    fc2, _, fit2 = fm.ets_daily(days, 7, fit)
    assert fit2 is fit and np.allclose(fc, fc2)
    longer = pd.concat([days, pd.Series([days.iloc[-7]], index=[19300])])
    fc3, _, fit3 = fm.ets_daily(longer, 7, fit)
    assert fit3 is fit and fc3[0] == pytest.approx(fc[1], rel=0.01)
