"""The automatic rule that leaves gaps and outliers out of training."""

import numpy as np
import pandas as pd
import pytest

from forecast import effects as fx
from forecast import outliers
from forecast.events import calendar_events
from forecast.io.events import load_events
from forecast.io.history import load_history
from forecast.models import LocalFrame
from forecast.timegrid import make_grid

TZ = "America/New_York"


def hourly(days=84, start="2025-09-01", base=10.0, seed=0, closed_at_night=False):
    """Hourly counts following the local clock (busy 08-20 local), and the grid's local frame."""
    grid = make_grid(pd.Timestamp(f"{start}T05:00Z"), pd.Timestamp(f"{start}T05:00Z") + pd.Timedelta(days=days), 60)
    frame = LocalFrame.of(grid, TZ)
    hour = frame.slot // 60
    lam = np.where((hour >= 8) & (hour < 20), base, 0.0 if closed_at_night else base / 5)
    y = np.random.default_rng(seed).poisson(lam).astype(float)
    return grid, frame, y


def local_day(grid, frame, day):
    d = (pd.Timestamp(day) - pd.Timestamp("1970-01-01")).days
    return np.flatnonzero(frame.day == d)


def test_a_silent_stretch_is_found_even_within_a_day():
    grid, frame, y = hourly()
    idx = local_day(grid, frame, "2025-10-15")
    y[idx[10] : idx[-1] + 1] = 0.0  # the log stops at 10:00 local on the 15th and resumes on the 17th
    y[local_day(grid, frame, "2025-10-16")] = 0.0
    y[local_day(grid, frame, "2025-10-17")[0]] = 1.0  # a contact as the log resumes at midnight
    found = outliers.find(y, frame, np.zeros(len(y), bool), 24)
    assert len(found) == 1 and found[0].reason == "no contacts"
    assert (found[0].lo, found[0].hi) == (idx[10], local_day(grid, frame, "2025-10-16")[-1] + 1)
    note = outliers.describe(found, grid, TZ, "voice/NY")[0]
    assert "2025-10-15 10:00 to 2025-10-17 00:00 (America/New_York)" in note and "left out of training" in note


def test_quiet_nights_holidays_and_a_daylight_saving_change_are_not_gaps():
    # closed every night; New York falls back on 2 November 2025
    grid, frame, y = hourly(closed_at_night=True)
    holiday = local_day(grid, frame, "2025-10-13")
    y[holiday] = 0.0  # closed for a holiday that is in the event table
    protected = np.zeros(len(y), bool)
    protected[holiday] = True
    assert outliers.find(y, frame, protected, 24) == []
    # the same day without its event is a gap
    found = outliers.find(y, frame, np.zeros(len(y), bool), 24)
    assert [f.reason for f in found] == ["no contacts"]


def test_near_zero_days_and_unexplained_spikes_are_whole_local_days():
    grid, frame, y = hourly(base=30.0)
    low, high, peak = (local_day(grid, frame, d) for d in ("2025-10-08", "2025-10-22", "2025-10-29"))
    y[low] = 0.0
    y[low[9]] = 3.0  # three stray contacts
    y[high] *= 5.0
    y[peak] *= 2.0  # a busy day, but within what real peaks do
    found = outliers.find(y, frame, np.zeros(len(y), bool), 24)
    got = {(f.lo, f.hi): f.reason for f in found}
    assert got.get((low[0], low[-1] + 1)) == "near-zero day"
    assert got.get((high[0], high[-1] + 1)) == "unexplained spike"
    assert all(f.lo not in peak for f in found)


def test_the_rule_finds_nothing_in_the_sample_history(samples):
    # the sample has holidays (voice closed on Christmas Day), retail peaks, flash sales and a marked outage
    h = load_history(samples / "history.csv.gz")
    zones, channels = sorted(h["tz"].unique()), sorted(h["channel"].unique())
    ev = load_events(samples / "events.csv", zones=zones, channels=channels)
    grid = make_grid(h["ds"].min(), h["ds"].max() + pd.Timedelta(minutes=15), 15)
    cal = pd.concat([calendar_events(grid[0], grid[-1], zones, channels), ev], ignore_index=True)
    for (channel, tz), g in h.groupby(["channel", "tz"]):
        frame = LocalFrame.of(grid, tz)
        windows = fx.windows_for(cal[(cal["channel"] == channel) & (cal["tz"] == tz)], frame)
        y = g["volume"].to_numpy(dtype=float)
        assert outliers.find(y, frame, fx.affected_mask(windows, len(y)), 96) == [], (channel, tz)


def test_pipeline_leaves_a_gap_out_and_says_so():
    from forecast.pipeline import run_forecast
    from forecast.timegrid import TimeGrid

    grid, frame, y = hourly(days=120, start="2025-11-01")
    clean = pd.DataFrame({"channel": "voice", "tz": TZ, "ds": grid, "volume": y, "aht_s": 300.0})
    hist = clean.copy()
    gap = (hist["ds"] >= "2026-02-10T05:00Z") & (hist["ds"] < "2026-02-12T05:00Z")
    hist.loc[gap, "volume"] = 0.0
    on = TimeGrid.from_frame(clean, file="history")
    res = run_forecast(hist, grid=on, horizon_days=7, backtest=False, model="ets")
    assert any("2026-02-10 00:00 to 2026-02-12 00:00 (America/New_York) left out of training" in n for n in res.notes)
    ref = run_forecast(clean, grid=on, horizon_days=7, backtest=False, model="ets")
    assert res.forecast["volume"].sum() == pytest.approx(ref.forecast["volume"].sum(), rel=0.03)


def test_runs_expecting_decides_as_summing_each_run():
    """The running-sum shortcut picks exactly the runs whose own NaN-aware sum reaches the threshold."""
    from forecast.outliers import _runs, _runs_expecting

    rng = np.random.default_rng(7)
    for _ in range(20):
        n = 5000
        expected = rng.gamma(0.5, 3.0, n)
        expected[rng.random(n) < 0.05] = np.nan
        zero = rng.random(n) < 0.6
        runs = _runs(zero)
        for lo, hi in runs[::7]:  # some runs whose sum sits right at the threshold, a hair either side
            part = expected[lo:hi]
            total = np.nansum(part)
            if total > 0:
                expected[lo:hi] = part * (20.0 / total) * (1 + rng.choice([-1e-15, 0.0, 1e-15]))
        want = [(lo, hi) for lo, hi in runs if np.nansum(expected[lo:hi]) >= 20.0]
        assert _runs_expecting(runs, expected, 20.0) == want
        assert want  # the case is not empty
