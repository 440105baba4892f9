"""staffing_summary: the per-channel figures ``shiftcast staff`` prints, from the requirements alone."""

import math

import pandas as pd
import pytest

from roster.staffing.summary import staffing_summary


def _req():
    ds = pd.date_range("2026-06-01", periods=4, freq="30min", tz="UTC")
    return pd.concat([
        pd.DataFrame({"ds": ds, "channel": "voice", "volume": [10.0, 30.0, 0.0, 0.0], "agents_required": [2, 5, 1, 0],
                      "predicted_sl": [0.9, 0.7, 1.0, 1.0], "target_sl": 0.8}),
        pd.DataFrame({"ds": ds, "channel": "email", "volume": 0.0, "agents_required": 0, "predicted_sl": float("nan"), "target_sl": 0.9}),
    ], ignore_index=True)


def test_figures_per_channel():
    s = staffing_summary(_req(), interval_h=0.5)
    assert [c.channel for c in s.channels] == ["email", "voice"]
    voice = s.channels[1]
    assert voice.contacts == 40.0
    assert voice.agent_h == pytest.approx(8 * 0.5)
    assert voice.peak_agents == 5
    assert voice.predicted_sl == pytest.approx((10 * 0.9 + 30 * 0.7) / 40)  # weighted by contacts, not by interval
    assert voice.target_sl == 0.8
    email = s.channels[0]
    assert email.contacts == 0 and math.isnan(email.predicted_sl) and email.target_sl == 0.9
