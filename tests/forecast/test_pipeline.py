"""Forecast pipeline on seeded synthetic series with a known shape."""

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.pipeline import run_forecast
from forecast.timegrid import TimeGrid

TZ = "America/New_York"


def forecast_of(history, *args, **kw):
    """run_forecast on a history built here, with the grid its loader would have decided."""
    return run_forecast(history, *args, grid=TimeGrid.from_frame(history, file="history"), **kw)


def synthetic(start="2025-09-01", end="2026-03-01", tz=TZ, channel="voice", base=40.0, seed=0, peak_hour=11):
    """15-minute counts whose daily shape follows the local clock: peak at ``peak_hour`` local."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(f"{start}T00:00Z", f"{end}T00:00Z", freq="15min", inclusive="left")
    local = ds.tz_convert(tz)
    hour = local.hour + local.minute / 60
    shape = np.exp(-0.5 * ((hour - peak_hour) / 2.5) ** 2) + 0.05
    weekly = np.where(local.day_of_week >= 5, 0.6, 1.0)
    lam = base * shape * weekly
    return pd.DataFrame({"channel": channel, "tz": tz, "ds": ds, "volume": rng.poisson(lam).astype(float), "aht_s": 300.0})


def events(rows):
    df = pd.DataFrame(rows, columns=["event", "kind", "channel", "tz", "start", "end", "lower_window", "upper_window", "uplift"])
    df["start"] = pd.to_datetime(df["start"], utc=True)
    df["end"] = pd.to_datetime(df["end"], utc=True)
    df["source"] = "file"
    return df


@pytest.fixture(scope="module")
def dst_result():
    # history ends 2026-03-01; the horizon crosses New York's spring-forward on 8 March
    return forecast_of(synthetic(), horizon_days=14)


def test_grid_is_complete_across_dst_and_starts_where_history_ends(dst_result):
    f = dst_result.forecast
    assert f["ds"].min() == pd.Timestamp("2026-03-01T00:00Z")
    assert len(f) == 14 * 96
    assert f["ds"].is_unique and (f["ds"].diff().dropna() == pd.Timedelta("15min")).all()
    assert {"volume", "volume_lo", "volume_hi", "aht_s", "model", "event_volume", "events"} <= set(f.columns)
    assert (f["volume_lo"] <= f["volume"]).all() and (f["volume"] <= f["volume_hi"]).all()


def test_daily_peak_stays_at_the_same_local_hour_across_dst(dst_result):
    f = dst_result.forecast.set_index("ds")["volume"]
    local = f.index.tz_convert(TZ)
    for day in ["2026-03-04", "2026-03-11"]:  # before and after the change
        sel = local.strftime("%Y-%m-%d") == day
        peak = local[sel][np.argmax(f[sel].to_numpy())]
        assert 10 <= peak.hour <= 12, (day, peak)


def test_backtest_scores_models_per_horizon_and_chooses(dst_result):
    acc = dst_result.accuracy
    assert {"snaive", "ets"} <= set(acc["model"])
    assert {"day-ahead", "week-ahead", "all"} <= set(acc["horizon"])
    assert acc["wape"].between(0, 2).all()
    assert acc["coverage_80"].between(0, 1).all()
    buckets = acc[acc["horizon"] != "all"]
    assert (buckets.groupby("horizon")["chosen"].sum() == 1).all()  # one model per series and horizon
    assert not acc.loc[acc["model"] == "auto", "chosen"].any()
    day = acc[(acc["horizon"] == "day-ahead")].set_index("model")
    assert day.loc["snaive", "origins"] >= 28  # daily origins score the day-ahead leads


def test_final_forecast_is_stitched_by_lead_time_with_each_models_band(monkeypatch):
    from forecast import backtest as bk

    real = bk.score

    def chosen_by_hand(trials, per_day):
        res = real(trials, per_day)
        for bucket, _, _ in bk.BUCKETS:
            res.choice[("voice", "voice", TZ, bucket)] = "snaive" if bucket == "day-ahead" else "ets"
            res.band_factor[("voice", "voice", TZ, "ets", bucket)] = 2.0 if bucket == "week-ahead" else 1.0
            res.band_factor[("voice", "voice", TZ, "snaive", bucket)] = 1.0
        return res

    monkeypatch.setattr(bk, "score", chosen_by_hand)
    res = forecast_of(synthetic(start="2025-12-01"), horizon_days=9)
    plain = forecast_of(synthetic(start="2025-12-01"), horizon_days=9, model="ets", backtest=False)
    f = res.forecast.set_index("ds")
    lead_h = (f.index - f.index[0]) / pd.Timedelta(hours=1)
    assert (f.loc[lead_h < 24, "model"] == "snaive").all()
    assert (f.loc[lead_h >= 24, "model"] == "ets").all()
    p = plain.forecast.set_index("ds")
    week = (lead_h >= 24) & (lead_h < 7 * 24)
    month = lead_h >= 7 * 24
    np.testing.assert_allclose(f.loc[week, "volume"], p.loc[week, "volume"])
    np.testing.assert_allclose((f["volume_hi"] - f["volume"])[week], 2 * (p["volume_hi"] - p["volume"])[week])
    np.testing.assert_allclose((f["volume_hi"] - f["volume"])[month], (p["volume_hi"] - p["volume"])[month])


def test_short_history_falls_back_to_seasonal_naive_with_a_note():
    res = forecast_of(synthetic(start="2026-02-15"), horizon_days=7)
    assert (res.forecast["model"] == "snaive").all()
    assert any("seasonal naive" in n for n in res.notes)


def test_too_little_history_is_a_clear_error():
    with pytest.raises(InputError, match="at least 7 days"):
        forecast_of(synthetic(start="2026-02-25"), horizon_days=7)


def test_planned_event_with_uplift_shows_its_contribution():
    ev = events([["Flash", "flash_sale", "voice", TZ, "2026-03-05T15:00Z", "2026-03-05T18:00Z", 0, 0, 2.0]])
    res = forecast_of(synthetic(), ev, horizon_days=14, backtest=False)
    f = res.forecast.set_index("ds")
    inside = f.loc["2026-03-05 15:00Z":"2026-03-05 17:45Z"]
    assert (inside["events"] == "Flash").all()
    assert inside["event_volume"].sum() == pytest.approx(inside["volume"].sum() / 2, rel=1e-6)
    assert f.loc["2026-03-06", "event_volume"].sum() == 0


def test_event_effect_is_learned_from_past_occurrences():
    hist = synthetic()
    past = ["2025-10-09", "2025-11-13", "2025-12-11", "2026-01-15", "2026-02-12"]
    for day in past:  # a monthly sale doubling volume from 14:00 to 20:00 UTC
        sel = (hist["ds"] >= f"{day}T14:00Z") & (hist["ds"] < f"{day}T20:00Z")
        hist.loc[sel, "volume"] *= 2
    rows = [[f"Sale {d}", "monthly_sale", "voice", TZ, f"{d}T14:00Z", f"{d}T20:00Z", 0, 0, np.nan] for d in past + ["2026-03-12"]]
    res = forecast_of(hist, events(rows), horizon_days=14, backtest=False)
    eff = res.effects.set_index("key")["multiplier"]
    assert eff["monthly_sale|core"] == pytest.approx(2.0, rel=0.15)
    f = res.forecast.set_index("ds")
    assert f.loc["2026-03-12 14:00Z":"2026-03-12 19:45Z", "event_volume"].sum() > 0


def test_outage_days_are_left_out_of_training():
    hist = synthetic()
    sel = (hist["ds"] >= "2026-02-24T00:00Z") & (hist["ds"] < "2026-02-25T00:00Z")
    hist.loc[sel, "volume"] = 0.0
    ev = events([["Outage", "outage", "voice", TZ, "2026-02-24T00:00Z", "2026-02-25T00:00Z", 0, 0, np.nan]])
    with_rule = forecast_of(hist, ev, horizon_days=7, backtest=False, model="ets")
    clean = forecast_of(synthetic(), horizon_days=7, backtest=False, model="ets")
    assert with_rule.forecast["volume"].sum() == pytest.approx(clean.forecast["volume"].sum(), rel=0.05)


def test_zero_series_forecasts_zero_with_a_note():
    hist = synthetic()
    zero = hist.assign(channel="social", volume=0.0)
    res = forecast_of(pd.concat([hist, zero]), horizon_days=7, backtest=False)
    assert res.forecast.loc[res.forecast["channel"] == "social", "volume"].sum() == 0
    assert any("no contacts" in n for n in res.notes)


def test_unknown_model_is_rejected():
    with pytest.raises(InputError, match="unknown model"):
        forecast_of(synthetic(start="2026-02-01"), model="magic")


def test_prophet_is_an_optional_model_scored_beside_the_others():
    res = forecast_of(synthetic(start="2025-12-01"), horizon_days=7, model="prophet")
    assert (res.forecast["model"] == "prophet").all()
    assert {"prophet", "ets", "snaive"} <= set(res.accuracy["model"])
    assert res.forecast["volume"].sum() > 0


def test_series_that_starts_late_is_trained_from_its_first_contact():
    hist = synthetic(start="2025-11-01")
    chat = synthetic(start="2025-11-01", channel="chat", seed=1)
    chat.loc[chat["ds"] < "2026-01-15T05:00Z", "volume"] = 0.0  # launched mid-January; the log spans it from November
    res = forecast_of(pd.concat([hist, chat]), horizon_days=7)
    assert any(n.startswith("chat/America/New_York: no contacts before 2026-01-15") for n in res.notes)
    f = res.forecast
    ratio = f.loc[f["channel"] == "chat", "volume"].sum() / f.loc[f["channel"] == "voice", "volume"].sum()
    assert ratio == pytest.approx(1.0, rel=0.1)  # same underlying volume once it runs
    assert not any("left out of training" in n for n in res.notes)


def test_auto_without_a_backtest_says_it_fell_back():
    res = forecast_of(synthetic(start="2026-01-01"), horizon_days=7, backtest=False)
    assert set(res.forecast["model"]) == {"ets"} and res.accuracy.empty
    assert any("no backtest: auto cannot choose" in n and "uses ets" in n and "not calibrated" in n for n in res.notes)
    forced = forecast_of(synthetic(start="2026-01-01"), horizon_days=7, model="snaive", backtest=False)
    assert [n for n in forced.notes if n.startswith("no backtest")] == [
        "no backtest: the 10-90% bands are not calibrated, and accuracy.csv has its columns but no rows"
    ]


def test_a_horizon_the_backtest_could_not_score_is_noted():
    # five weeks of history: the weekly origins of the month-ahead bucket need more, so auto takes its fallback there
    res = forecast_of(synthetic(start="2026-01-25"), horizon_days=30)
    assert any(n.startswith("voice/America/New_York: the backtest has no score for horizon month-ahead") for n in res.notes)
    month = res.forecast["ds"] >= res.forecast["ds"].min() + pd.Timedelta(days=7)
    assert set(res.forecast.loc[month, "model"]) == {"ets"}
