"""Day-of-month and pay-day effects: learned where the history shows them, kept only where the backtest says they help."""

import numpy as np
import pandas as pd
import pytest

from forecast import calendar as fcal
from forecast.pipeline import run_forecast
from forecast.timegrid import TimeGrid

TZ = "Etc/UTC"  # no public holidays: the calendar alone


def daily_log(month_start=0.2, start="2025-01-01", days=300, seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.date_range(start, periods=days, freq="D")
    weekly = np.where(idx.day_of_week >= 5, np.log(0.6), 0.0)
    lift = np.where(idx.day <= 3, np.log1p(month_start), 0.0)
    y = np.log(500) + weekly + lift + rng.normal(0, 0.05, days)
    return pd.Series(y, index=idx.as_unit("ns").asi8 // (86_400 * 10**9))


def test_a_month_start_cycle_is_learned_from_the_daily_levels():
    s = daily_log(0.2)
    cal = fcal.learn(s, np.ones(len(s), bool))
    assert cal is not None
    days = s.index.to_numpy()
    m = np.expm1(cal.log_multiplier(days))
    dom = pd.to_datetime(days, unit="D").day
    assert m[dom == 2].mean() == pytest.approx(0.2, abs=0.07)
    assert abs(m[(dom >= 8) & (dom <= 25)].mean()) < 0.04


def test_no_calendar_effect_is_learned_from_a_series_without_one():
    s = daily_log(0.0)
    assert fcal.learn(s, np.ones(len(s), bool)) is None


def test_pay_days_parse_and_move_off_the_weekend():
    assert fcal.parse_pay_days("1, 15, last") == (1, 15, -1)
    assert fcal.parse_pay_days("") == ()
    with pytest.raises(ValueError, match="days of the month"):
        fcal.parse_pay_days("32")
    days = pd.date_range("2026-02-13", "2026-02-16").as_unit("ns").asi8 // (86_400 * 10**9)
    # 15 February 2026 is a Sunday: paid on Friday the 13th
    assert list(fcal.pay_dates(days, (15,))) == [True, False, False, False]


def hourly(cycle_until=None, start="2025-05-01", end="2026-03-01", lift=0.3, seed=3):
    """Hourly calls with +``lift`` on the first three days of each month (until ``cycle_until``)."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(f"{start}T00:00Z", f"{end}T00:00Z", freq="60min", inclusive="left").as_unit("ns")
    local = ds.tz_convert(TZ)
    shape = np.exp(-0.5 * ((local.hour.to_numpy() - 12) / 3.0) ** 2) + 0.05
    weekly = np.where(local.day_of_week >= 5, 0.6, 1.0)
    on = local.day <= 3
    if cycle_until is not None:
        on &= ds < pd.Timestamp(cycle_until, tz="UTC")
    lam = 40.0 * shape * weekly * np.where(on, 1 + lift, 1.0)
    return pd.DataFrame({"channel": "voice", "tz": TZ, "ds": ds, "volume": rng.poisson(lam).astype(float), "aht_s": 300.0})


def day_ahead(res, model):
    a = res.accuracy
    row = a[(a["model"] == model) & (a["horizon"] == "day-ahead")]
    return float(row["wape"].iloc[0]) if len(row) else np.nan


def test_the_backtest_keeps_the_calendar_where_it_helps_and_rejects_it_where_it_does_not():
    h = hourly()
    res = run_forecast(h, grid=TimeGrid.from_frame(h, file="history"), horizon_days=28)
    assert day_ahead(res, "ets_calendar") < day_ahead(res, "ets")
    assert res.accuracy.query("model == 'ets_calendar' and horizon == 'day-ahead'")["chosen"].iloc[0]
    f = res.forecast.assign(local=res.forecast["ds"].dt.tz_convert(TZ))
    daily = f.groupby(f["local"].dt.date)["volume"].sum()
    assert daily[pd.Timestamp("2026-03-02").date()] > 1.15 * daily[pd.Timestamp("2026-03-09").date()]  # Mondays
    # the cycle stopped four months ago: the history still shows it, the backtest says it no longer helps
    gone = hourly(cycle_until="2025-11-01")
    res = run_forecast(gone, grid=TimeGrid.from_frame(gone, file="history"), horizon_days=28)
    assert day_ahead(res, "ets_calendar") > day_ahead(res, "ets")
    assert not res.accuracy.query("model == 'ets_calendar' and horizon == 'day-ahead'")["chosen"].iloc[0]
    # off by the setting: not a candidate
    off = run_forecast(h, grid=TimeGrid.from_frame(h, file="history"), horizon_days=28, calendar=False)
    assert "ets_calendar" not in set(off.accuracy["model"])


def test_the_backtest_learns_the_calendar_again_on_the_holt_winters_schedule():
    from forecast.predict import ETS_REFIT_DAYS, EtsCache

    cache, learned = EtsCache(), []
    s = daily_log(0.2)

    def learn(day):
        learned.append(day)
        return fcal.learn(s[s.index <= day], np.ones(int((s.index <= day).sum()), bool))

    key = ("chat", "chat", TZ)
    first = int(s.index[200])
    for day in range(first, first + 2 * ETS_REFIT_DAYS + 1):  # daily origins, in time order
        cal = cache.calendar(key, day, lambda d=day: learn(d))
        assert cal is not None
    # learned on the first day, then again once the last one is ETS_REFIT_DAYS old: never from days after the origin
    assert learned == [first, first + ETS_REFIT_DAYS, first + 2 * ETS_REFIT_DAYS]
    assert cache.calendar(("chat", "chat", "Europe/Paris"), first, lambda: learn(first)) is not None  # per series
    assert learned[-1] == first


def test_a_forecast_learns_the_calendar_once_a_week_of_origins_and_at_the_end(monkeypatch):
    from forecast import backtest as bk

    calls = []
    real = fcal.learn
    monkeypatch.setattr(fcal, "learn", lambda *a, **k: calls.append(1) or real(*a, **k))
    from forecast.predict import ETS_REFIT_DAYS

    h = hourly()
    grid = TimeGrid.from_frame(h, file="history")
    run_forecast(h, grid=grid, horizon_days=28)
    # learned at an origin when the last learning is ETS_REFIT_DAYS old (the weekly origins: each; the 28 daily
    # ones: every 7th), and once more for the final forecast
    per_day = 24 * 60 // grid.interval_min
    origins = bk.schedule(grid.n, per_day, 28, 0)
    expected, last = 1, None
    for o in origins:
        if last is None or o // per_day - last >= ETS_REFIT_DAYS:
            expected, last = expected + 1, o // per_day
    assert len(origins) == 35 and expected == 12
    assert len(calls) == expected
