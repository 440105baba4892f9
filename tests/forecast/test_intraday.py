"""forecast/intraday.py: today's actuals update the rest of the day and the next one."""

import numpy as np
import pandas as pd
import pytest

from forecast import tables
from forecast.errors import InputError
from forecast.intraday import (
    FACTOR_BOUNDS,
    NO_UPDATE,
    IntradayMethod,
    load_actuals,
    parse_now,
    reforecast,
    shrunk_factor,
)
from forecast.timegrid import TimeGrid, local_midnight

NY, LON = "America/New_York", "Europe/London"


def flat_forecast(zones=(NY,), days=4, per_interval=10.0, start="2026-11-23", channels=("voice",)) -> tuple[pd.DataFrame, TimeGrid]:
    t0 = local_midnight(start, NY) - pd.Timedelta(hours=6)
    ds = pd.date_range(t0, t0 + pd.Timedelta(days=days), freq="30min", inclusive="left")
    parts = [pd.DataFrame({"ds": ds, "channel": c, "tz": z, "volume": per_interval, "volume_lo": per_interval * 0.5,
                           "volume_hi": per_interval * 1.5, "aht_s": 300.0, "model": "ets", "event_volume": 0.0, "events": ""})
             for c in channels for z in zones]
    fc = pd.concat(parts, ignore_index=True)
    return fc, TimeGrid(interval_min=30, start=ds[0], end=ds[-1] + pd.Timedelta(minutes=30), zones=tuple(sorted(zones)))


def actuals_like(fc, day_start, now, ratio, zone=NY, with_tz=True, aht_s=None) -> pd.DataFrame:
    a = fc[(fc["ds"] >= day_start) & (fc["ds"] < now) & (fc["tz"] == zone)][["channel", "tz", "ds", "volume"]].copy()
    a["volume"] = a["volume"] * ratio
    a["aht_s"] = np.nan if aht_s is None else aht_s
    return a if with_tz else a.drop(columns="tz")


def test_shrunk_factor_is_the_ratio_with_prior_contacts_added_and_bounded():
    assert shrunk_factor(150.0, 100.0, 0.0) == pytest.approx(1.5)
    assert shrunk_factor(150.0, 100.0, 100.0) == pytest.approx(250 / 200)
    assert shrunk_factor(150.0, 100.0, float("inf")) == pytest.approx(1.0)
    assert shrunk_factor(0.0, 0.0, 0.0) == pytest.approx(1.0)
    assert shrunk_factor(10_000.0, 1.0, 0.0) == pytest.approx(FACTOR_BOUNDS[1])
    # more evidence, more weight: the same ratio moves the factor further with more contacts so far
    assert shrunk_factor(30.0, 20.0, 100.0) < shrunk_factor(300.0, 200.0, 100.0) < 1.5


def test_rest_of_today_and_the_next_day_scaled_by_their_factors():
    fc, grid = flat_forecast()
    day = local_midnight("2026-11-24", NY)
    now = pd.Timestamp("2026-11-24 10:00", tz=NY).tz_convert("UTC")
    method = IntradayMethod(prior_contacts=100.0, next_day_keep=0.5)
    act = actuals_like(fc, day, now, 1.5)
    r = reforecast(fc, act, now, grid=grid, actuals_interval_min=30, method=method)
    A, F = 20 * 15.0, 20 * 10.0  # 10 hours of 30-minute intervals
    f = (A + 100) / (F + 100)
    nxt = 1 + 0.5 * (f - 1)
    row = r.factors.iloc[0]
    assert (row["actual_so_far"], row["forecast_so_far"]) == (A, F)
    assert row["factor"] == pytest.approx(f) and row["factor_next_day"] == pytest.approx(nxt)
    out = r.forecast
    assert list(out.columns) == list(tables.FORECAST.names)
    assert out["ds"].min() == now
    tomorrow, after = local_midnight("2026-11-25", NY), local_midnight("2026-11-26", NY)
    assert out["ds"].max() == after - pd.Timedelta(minutes=30)  # nothing beyond the next local day
    today = out[out["ds"] < tomorrow]
    assert today["volume"].to_numpy() == pytest.approx(10 * f)
    assert today["volume_hi"].to_numpy() == pytest.approx(15 * f)
    assert out.loc[out["ds"] >= tomorrow, "volume"].to_numpy() == pytest.approx(10 * nxt)
    assert (out["model"] == "ets+intraday").all()
    assert row["reforecast_rest_of_day"] == pytest.approx(row["forecast_rest_of_day"] * f)


def test_no_update_leaves_the_forecast_as_it_was():
    fc, grid = flat_forecast()
    now = pd.Timestamp("2026-11-24 12:00", tz=NY)
    r = reforecast(fc, actuals_like(fc, local_midnight("2026-11-24", NY), now, 2.0), now, grid=grid, actuals_interval_min=30,
                   method=NO_UPDATE)
    assert r.forecast["volume"].to_numpy() == pytest.approx(10.0)
    assert (r.forecast["model"] == "ets").all()


def test_a_channel_without_zones_gets_one_factor_for_all_its_zones():
    fc, grid = flat_forecast(zones=(NY, LON))
    day = local_midnight("2026-11-24", NY)
    now = pd.Timestamp("2026-11-24 10:00", tz=NY).tz_convert("UTC")
    act = pd.concat([actuals_like(fc, day, now, 1.5, zone=z, with_tz=False) for z in (NY, LON)])
    act = act.groupby(["channel", "ds"], as_index=False).agg(volume=("volume", "sum"), aht_s=("aht_s", "first"))
    r = reforecast(fc, act, now, grid=grid, actuals_interval_min=30, method=IntradayMethod(prior_contacts=0.0))
    assert len(r.factors) == 2 and r.factors["factor"].to_numpy() == pytest.approx(1.5)
    assert set(r.forecast["tz"]) == {NY, LON}


def test_handle_times_in_the_actuals_scale_the_forecast_handle_time():
    fc, grid = flat_forecast()
    day = local_midnight("2026-11-24", NY)
    now = pd.Timestamp("2026-11-24 10:00", tz=NY).tz_convert("UTC")
    r = reforecast(fc, actuals_like(fc, day, now, 1.0, aht_s=360.0), now, grid=grid, actuals_interval_min=30,
                   method=IntradayMethod(aht_prior_contacts=0.0))
    assert r.factors["aht_factor"].iloc[0] == pytest.approx(1.2)
    assert r.forecast.loc[r.forecast["ds"] < local_midnight("2026-11-25", NY), "aht_s"].to_numpy() == pytest.approx(360.0)


def test_bad_input_names_what_is_wrong():
    fc, grid = flat_forecast()
    day = local_midnight("2026-11-24", NY)
    now = pd.Timestamp("2026-11-24 10:00", tz=NY).tz_convert("UTC")
    act = actuals_like(fc, day, now, 1.0)
    with pytest.raises(InputError, match="channel 'chat' is not in the forecast"):
        reforecast(fc, act.assign(channel="chat"), now, grid=grid, actuals_interval_min=30)
    with pytest.raises(InputError, match="customer zone 'Europe/London'"):
        reforecast(fc, act.assign(tz=LON), now, grid=grid, actuals_interval_min=30)
    with pytest.raises(InputError, match="outside the forecast"):
        reforecast(fc, act, now + pd.Timedelta(days=30), grid=grid, actuals_interval_min=30)
    with pytest.raises(InputError, match="at or after --now"):
        reforecast(fc, act, now - pd.Timedelta(hours=2), grid=grid, actuals_interval_min=30)
    with pytest.raises(InputError, match="no UTC offset"):
        parse_now("2026-11-24 10:00", (NY, LON))
    assert parse_now("2026-11-24 10:00", (NY,)) == now


def test_both_actuals_formats_are_read(tmp_path):
    hist = tmp_path / "today.csv"
    hist.write_text("ds,channel,tz,volume,aht_s\n2026-11-24T14:00:00Z,voice,America/New_York,12,300\n"
                    "2026-11-24T14:30:00Z,voice,America/New_York,8,\n")
    a = load_actuals(hist)
    assert a.kind == "history" and a.interval_min == 30 and a.frame["volume"].sum() == 20 and "tz" in a.frame
    report = tmp_path / "report.csv"
    report.write_text("ds,channel,offered,answered,abandoned,answered_in_target,aht_s,agents_staffed\n"
                      "2026-11-24T14:00:00Z,voice,12,11,1,9,320,4\n2026-11-24T14:15:00Z,voice,9,9,0,9,280,4\n")
    b = load_actuals(report)
    assert b.kind == "interval report" and b.interval_min == 15
    assert list(b.frame["volume"]) == [12.0, 9.0] and list(b.frame["aht_s"]) == [320.0, 280.0] and "tz" not in b.frame


def test_the_sample_readme_lists_the_intraday_files_columns():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "data" / "samples" / "README.md").read_text()
    section = re.search(r"^## Intraday outputs\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M).group(1)
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.fullmatch(r"`[\w.]+\.csv`", cells[0]):
            rows[cells[0].strip("`")] = re.findall(r"`(\w+)`", cells[-1])
    assert list(rows) == [t.name for t in tables.INTRADAY_TABLES]
    for t in tables.INTRADAY_TABLES:
        assert rows[t.name] == list(t.names), t.name
        assert all(c.meaning for c in t.columns)


def test_intervals_without_actuals_are_left_out_and_a_series_without_any_keeps_its_forecast():
    fc, grid = flat_forecast(zones=(NY, LON))
    day = local_midnight("2026-11-24", NY)
    now = pd.Timestamp("2026-11-24 10:00", tz=NY).tz_convert("UTC")
    act = actuals_like(fc, day, now, 2.0)
    act = act[act["ds"] >= pd.Timestamp("2026-11-24 08:00", tz=NY)]  # reported from 08:00 only: 4 intervals
    r = reforecast(fc, act, now, grid=grid, actuals_interval_min=30, method=IntradayMethod(prior_contacts=0.0))
    f = r.factors.set_index("tz")
    assert f.loc[NY, "forecast_so_far"] == 40.0 and f.loc[NY, "factor"] == pytest.approx(2.0)
    assert f.loc[LON, "factor"] == 1.0  # no London actuals: unknown, not zero contacts
    assert (r.forecast.loc[r.forecast["tz"] == LON, "volume"] == 10.0).all()
    assert any("London: no actuals today" in n for n in r.notes)


def test_a_daylight_saving_day_is_its_25_local_hours():
    # 2026-11-01: New York falls back; today has 25 hours, its local midnight boundaries are 5 and 4 h after UTC's
    fc, grid = flat_forecast(start="2026-10-31")
    day = local_midnight("2026-11-01", NY)
    now = pd.Timestamp("2026-11-01 12:00", tz=NY).tz_convert("UTC")
    r = reforecast(fc, actuals_like(fc, day, now, 2.0), now, grid=grid, actuals_interval_min=30,
                   method=IntradayMethod(prior_contacts=0.0, next_day_keep=0.0))
    assert day == pd.Timestamp("2026-11-01 04:00", tz="UTC")
    assert r.factors["forecast_so_far"].iloc[0] == 26 * 10.0  # 13 local hours from midnight to noon
    tomorrow = local_midnight("2026-11-02", NY)
    assert tomorrow == pd.Timestamp("2026-11-02 05:00", tz="UTC")
    out = r.forecast
    assert out.loc[out["ds"] < tomorrow, "volume"].to_numpy() == pytest.approx(20.0)
    assert out.loc[out["ds"] >= tomorrow, "volume"].to_numpy() == pytest.approx(10.0)
    assert out["ds"].max() == local_midnight("2026-11-03", NY) - pd.Timedelta(minutes=30)
