"""Holidays without a past, holiday eves, the ramp before an event and references in local time."""

import numpy as np
import pandas as pd
import pytest

from forecast import effects as fx
from forecast import models as fm
from forecast.pipeline import prepare, run_forecast
from forecast.timegrid import TimeGrid

TZ = "America/Toronto"
# Ontario holidays inside the synthetic history (2025-09-15 .. 2026-03-01), each seen once
SEEN = ["2025-10-13", "2025-11-11", "2025-12-25", "2025-12-26", "2026-01-01", "2026-02-16"]
GOOD_FRIDAY = "2026-04-03"  # in the horizon, never seen


def hourly(start="2025-09-15", end="2026-03-01", tz=TZ, base=60.0, seed=1):
    rng = np.random.default_rng(seed)
    ds = pd.date_range(f"{start}T00:00Z", f"{end}T00:00Z", freq="60min", inclusive="left")
    local = ds.tz_convert(tz)
    hour = local.hour.to_numpy()
    shape = np.exp(-0.5 * ((hour - 12) / 3.0) ** 2) + 0.05
    weekly = np.where(local.day_of_week >= 5, 0.6, 1.0)
    lam = base * shape * weekly
    day = local.strftime("%Y-%m-%d")
    return pd.DataFrame({"channel": "voice", "tz": tz, "ds": ds, "lam": lam, "day": day, "hour": hour, "rng": [rng] * len(ds)})


def draw(df):
    rng = df["rng"].iloc[0]
    return pd.DataFrame({"channel": df["channel"], "tz": df["tz"], "ds": df["ds"], "volume": rng.poisson(df["lam"]).astype(float),
                         "aht_s": 300.0})


def grid_of(h):
    return TimeGrid.from_frame(h, file="history")


def test_a_holiday_never_seen_gets_the_pooled_drop_of_its_countrys_holidays_with_a_wide_band():
    df = hourly()
    df.loc[df["day"].isin(SEEN), "lam"] *= 0.1  # every holiday loses 90% of its calls
    h = draw(df)
    res = run_forecast(h, grid=grid_of(h), horizon_days=40, model="ets", backtest=False, calendar=False)
    f = res.forecast.assign(day=res.forecast["ds"].dt.tz_convert(TZ).dt.strftime("%Y-%m-%d")).groupby("day")
    vol, lo, hi = f["volume"].sum(), f["volume_lo"].sum(), f["volume_hi"].sum()
    friday_before = "2026-03-27"
    assert vol[GOOD_FRIDAY] / vol[friday_before] == pytest.approx(0.1, abs=0.05)
    # the borrowed effect is uncertain: the band is wider, relative to the volume, than on a normal Friday
    assert (hi - lo)[GOOD_FRIDAY] / vol[GOOD_FRIDAY] > 1.3 * (hi - lo)[friday_before] / vol[friday_before]
    eff = res.effects.set_index("key")["multiplier"]
    assert eff["holiday@CA|core"] == pytest.approx(0.1, abs=0.05)
    assert not any("Good Friday" in n and "no past occurrence" in n for n in res.notes)


def _evidence(ratios_by_key, pool="holiday@CA|core"):
    ev = fx.Evidence()
    for key, ratios in ratios_by_key.items():
        for r in ratios:
            acc = ev.single.setdefault(key, [0.0, 0.0, 0])
            acc[0] += 100 * r
            acc[1] += 100.0
            acc[2] += 1
            ev.occurrences.setdefault(key, []).append((100 * r, 100.0))
            ev.pool[key] = pool
    return ev


def test_a_holiday_with_few_occurrences_is_shrunk_toward_its_pool_and_less_with_more():
    others = {"holiday:A|core": [0.1], "holiday:B|core": [0.12], "holiday:C|core": [0.09], "holiday:D|core": [0.3]}
    once = fx.learned(_evidence(others | {"holiday:X|core": [0.6]}))
    thrice = fx.learned(_evidence(others | {"holiday:X|core": [0.6, 0.6, 0.6]}))
    pool = once["holiday@CA|core"]
    assert pool < once["holiday:X|core"] < 0.6
    assert once["holiday:X|core"] < thrice["holiday:X|core"] < 0.6
    # its own occurrences make it surer than a holiday that only has the pool
    assert thrice.sd["holiday:X|core"] < once.sd["holiday:X|core"] < once.sd["holiday@CA|core"]


def test_holiday_eves_with_afternoon_closures_are_learned_not_dropped_as_missing_data():
    df = hourly()
    eves = [(pd.Timestamp(d) - pd.Timedelta(days=1)).strftime("%Y-%m-%d") for d in SEEN]
    eves = [d for d in eves if d not in SEEN]  # 25 Dec is itself a holiday (not the eve of Boxing Day)
    df.loc[df["day"].isin(eves) & (df["hour"] >= 13), "lam"] = 0.0  # closed from 13:00 the day before
    h = draw(df)
    with_eves = prepare(h, grid=grid_of(h), horizon_days=40)
    assert not any("left out of training" in n for n in with_eves.notes)
    without = prepare(h, grid=grid_of(h), horizon_days=40, holiday_eves=False)
    assert any("no contacts" in n for n in without.notes)  # what happened before: taken for missing data
    res = run_forecast(h, grid=grid_of(h), horizon_days=40, model="ets", backtest=False, calendar=False)
    eff = res.effects.set_index("key")["multiplier"]
    assert eff["holiday@CA|eve_pm"] < 0.4 and eff["holiday@CA|eve_am"] > 0.8
    f = res.forecast.assign(local=res.forecast["ds"].dt.tz_convert(TZ))
    eve = f[f["local"].dt.strftime("%Y-%m-%d") == "2026-04-02"]  # the eve of Good Friday, in the horizon
    pm = eve[eve["local"].dt.hour >= 14]["volume"].sum()
    am = eve[eve["local"].dt.hour.between(9, 11)]["volume"].sum()
    assert pm < 0.5 * am
    assert "Good Friday (eve)" in set(eve["events"])


def test_lower_window_ramp_is_applied_on_the_local_days_before():
    ds = pd.date_range("2026-01-01T00:00Z", "2026-03-01T00:00Z", freq="60min", inclusive="left")
    frame = fm.LocalFrame.of(ds, TZ)
    ev = pd.DataFrame([{"event": "Sale", "kind": "summer_sale", "channel": "voice", "tz": TZ,
                        "start": pd.Timestamp("2026-02-10T05:00Z"), "end": pd.Timestamp("2026-02-11T05:00Z"),
                        "lower_window": -2, "upper_window": 1, "uplift": np.nan, "source": "file"}])
    w = {x.key: x for x in fx.windows_for(ev, frame).windows}
    assert set(w) == {"summer_sale|core", "summer_sale|pre1", "summer_sale|pre2", "summer_sale|post1"}
    local = ds.tz_convert(TZ)
    assert set(local[w["summer_sale|pre1"].index].strftime("%Y-%m-%d")) == {"2026-02-09"}
    assert set(local[w["summer_sale|pre2"].index].strftime("%Y-%m-%d")) == {"2026-02-08"}
    assert len(w["summer_sale|pre2"].index) == 24


def test_lower_window_ramp_is_learned_and_forecast():
    df = hourly(end="2026-03-01")
    sales = ["2025-10-15", "2025-11-19", "2026-01-14", "2026-02-11", "2026-03-11"]
    for d in sales[:-1]:
        df.loc[df["day"] == d, "lam"] *= 2.0
        df.loc[df["day"] == (pd.Timestamp(d) - pd.Timedelta(days=1)).strftime("%Y-%m-%d"), "lam"] *= 1.5
    h = draw(df)
    rows = [{"event": f"Sale {d}", "kind": "sale", "channel": "voice", "tz": TZ,
             "start": pd.Timestamp(d).tz_localize(TZ).tz_convert("UTC"),
             "end": (pd.Timestamp(d) + pd.Timedelta(days=1)).tz_localize(TZ).tz_convert("UTC"),
             "lower_window": -1, "upper_window": 0, "uplift": np.nan, "source": "file"} for d in sales]
    res = run_forecast(h, pd.DataFrame(rows), grid=grid_of(h), horizon_days=14, model="ets", backtest=False, calendar=False)
    eff = res.effects.set_index("key")["multiplier"]
    assert eff["sale|pre1"] == pytest.approx(1.5, rel=0.15)
    f = res.forecast.assign(day=res.forecast["ds"].dt.tz_convert(TZ).dt.strftime("%Y-%m-%d")).groupby("day")["event_volume"].sum()
    assert f["2026-03-10"] > 0  # the ramp day in the horizon


def test_event_reference_is_the_same_local_time_a_week_before_across_dst():
    # a spike at 09:00 local every day; New York springs forward on 8 March 2026
    ds = pd.date_range("2026-02-20T00:00Z", "2026-03-20T00:00Z", freq="15min", inclusive="left")
    frame = fm.LocalFrame.of(ds, "America/New_York")
    y = np.where(frame.slot == 9 * 60, 100.0, 1.0)
    ref = fx.reference(y, np.zeros(len(y), bool), frame, 96)
    local = ds.tz_convert("America/New_York")
    after = (local.strftime("%Y-%m-%d") == "2026-03-10") & (frame.slot == 9 * 60)
    assert ref[after] == pytest.approx([100.0])
    assert ref[(local.strftime("%Y-%m-%d") == "2026-03-10") & (frame.slot == 8 * 60)] == pytest.approx([1.0])


def test_a_holiday_ahead_takes_the_intraday_shape_of_past_holidays():
    df = hourly()
    hol = df["day"].isin(SEEN)
    df.loc[hol, "lam"] = 2.0  # the few calls of a holiday come round the clock, not at the weekday's noon peak
    h = draw(df)
    res = run_forecast(h, grid=grid_of(h), horizon_days=40, model="ets", backtest=False, calendar=False)
    f = res.forecast.assign(local=res.forecast["ds"].dt.tz_convert(TZ))
    day = f[f["local"].dt.strftime("%Y-%m-%d") == GOOD_FRIDAY]["volume"].to_numpy()
    normal = f[f["local"].dt.strftime("%Y-%m-%d") == "2026-03-27"]["volume"].to_numpy()
    assert normal.max() / normal.mean() > 2.5
    assert day.max() / day.mean() < 1.8
