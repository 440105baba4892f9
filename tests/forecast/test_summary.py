"""forecast_summary: the per-channel figures and backtest WAPE the CLI and the app print."""

import pandas as pd
import pytest

from forecast.pipeline import ForecastResult
from forecast.summary import forecast_summary
from forecast.timegrid import TimeGrid


def _result(accuracy=None):
    ds = pd.date_range("2026-06-01", periods=2, freq="15min", tz="UTC")
    rows = []
    for tz, vol, model in (("America/New_York", [4.0, 6.0], "ets"), ("Europe/London", [5.0, 1.0], "snaive")):
        rows.append(pd.DataFrame({"ds": ds, "channel": "chat", "tz": tz, "volume": vol, "event_volume": [1.0, 0.0], "model": model}))
    grid = TimeGrid(interval_min=15, start=ds[0], end=ds[-1] + pd.Timedelta(minutes=15), zones=("America/New_York", "Europe/London"))
    return ForecastResult(pd.concat(rows, ignore_index=True), accuracy if accuracy is not None else pd.DataFrame(), grid)


def test_channel_totals_peak_and_models():
    s = forecast_summary(_result())
    assert s.start == pd.Timestamp("2026-06-01T00:00Z") and s.end == pd.Timestamp("2026-06-01T00:15Z")
    (chat,) = s.channels
    assert chat.contacts == 16.0 and s.contacts == 16.0
    assert chat.contacts_from_events == 2.0
    assert chat.peak_contacts == 9.0  # the busiest interval with the zones summed (4 + 5), not one zone's peak (6)
    assert chat.models == ("ets", "snaive")
    assert s.backtest_wape == {}


def test_backtest_wape_is_weighted_by_actual_contacts_over_all_horizons():
    acc = pd.DataFrame({
        "model": ["ets", "ets", "ets"], "horizon": ["all", "all", "day-ahead"],
        "wape": [0.1, 0.4, 0.9], "actual": [300.0, 100.0, 50.0],
    })
    assert forecast_summary(_result(acc)).backtest_wape == {"ets": pytest.approx((0.1 * 300 + 0.4 * 100) / 400)}
