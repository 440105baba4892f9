"""What-if comparison: scenario minus baseline, staffed as a top-up when the event only adds contacts."""

import numpy as np
import pandas as pd
import pytest

from forecast.timegrid import TimeGrid
from roster.io import load_targets
from roster.planning.whatif import compare
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def targets():
    return load_targets(SAMPLES / "targets.toml")


@pytest.fixture(scope="module")
def baseline(targets):
    """Four days of a smooth daily pattern on every channel, one customer zone."""
    ds = pd.date_range("2026-11-26", periods=4 * 96, freq="15min", tz="UTC")
    hour = ds.hour + ds.minute / 60
    parts = []
    for channel, level in (("email", 6.0), ("voice", 20.0), ("chat", 15.0), ("social", 3.0)):
        volume = level * (0.3 + np.clip(np.sin((hour - 6) / 24 * 2 * np.pi), 0, None))
        parts.append(pd.DataFrame({"ds": ds, "channel": channel, "tz": "UTC", "volume": volume, "aht_s": targets.channels[channel].aht_s}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def grid():
    return TimeGrid(interval_min=15, start="2026-11-26T00:00Z", end="2026-11-30T00:00Z", zones=("UTC",))


def with_event(baseline, factor):
    s = baseline.copy()
    during = (s["ds"] >= pd.Timestamp("2026-11-27 23:00Z")) & (s["ds"] < pd.Timestamp("2026-11-28 05:00Z"))
    s.loc[during, "volume"] *= factor
    return s


def test_an_event_that_adds_contacts_never_needs_fewer_agents(baseline, targets, grid):
    # solved afresh, the email programme moves work and shows an agent fewer before this event
    c = compare(baseline, with_event(baseline, 2.5), targets, grid=grid, hourly_cost=20.0)
    assert (c.intervals["extra_agents"] >= 0).all()
    s = c.summary.set_index("channel")
    assert s.loc["voice", "extra_contacts"] > 0 and s.loc["voice", "peak_extra_agents"] > 0
    assert s.loc["email", "extra_agent_h"] > 0
    assert c.totals.extra_cost == pytest.approx(c.totals.extra_agent_h * 20.0)


def test_an_event_that_removes_contacts_frees_agents(baseline, targets, grid):
    c = compare(baseline, with_event(baseline, 0.4), targets, grid=grid, hourly_cost=20.0)
    assert c.summary.set_index("channel").loc["voice", "extra_agent_h"] < 0
    voice = c.intervals[c.intervals["channel"] == "voice"]
    assert voice["extra_agents"].min() < 0  # no floor: fewer contacts show as agents freed


def test_no_change_no_extra(baseline, targets, grid):
    c = compare(baseline, baseline.copy(), targets, grid=grid, hourly_cost=20.0)
    assert (c.intervals["extra_agents"] == 0).all()
    assert c.totals.extra_agent_h == 0


def test_simulated_service_level_leaves_out_contacts_not_yet_late_at_the_window_end(baseline, targets, grid):
    # plenty of agents, but none on email in the window's last three hours: the email arriving then is still
    # waiting at the end, within its 4-hour target (censored), neither on time nor late
    c0 = compare(baseline, with_event(baseline, 2.5), targets, grid=grid, hourly_cost=20.0)
    lo, hi = c0.totals.window
    cov = c0.intervals[["ds", "channel"]].assign(scheduled=30)
    cov.loc[(cov["channel"] == "email") & (cov["ds"] >= hi - pd.Timedelta(hours=3)), "scheduled"] = 0
    c = compare(baseline, with_event(baseline, 2.5), targets, grid=grid, hourly_cost=20.0, coverage=cov, seed=1)
    assert c.totals.simulated
    email = c.summary.set_index("channel").loc["email"]
    # every email answered is answered in minutes: the service level is not diluted by the censored ones
    assert email["sl_baseline"] == pytest.approx(1.0) and email["sl_scenario"] == pytest.approx(1.0)


def test_the_baseline_is_staffed_with_the_plans_staffing_settings(baseline, targets, grid):
    # the what-if's baseline is the requirement the planner sees: here staffed without the peak correction
    from roster.staffing.requirements import required_staff

    scenario = with_event(baseline, 2.5)
    plain = compare(baseline, scenario, targets, grid=grid, hourly_cost=20.0)
    mine = compare(baseline, scenario, targets, grid=grid, hourly_cost=20.0, peak_correction=False)
    lo, hi = mine.totals.window
    window = baseline[(baseline["ds"] >= lo) & (baseline["ds"] < hi)]
    want = required_staff(window, targets, grid=grid.between(lo, hi), peak_correction=False)
    got = mine.intervals.merge(want[["ds", "channel", "agents_required"]], on=["ds", "channel"])
    assert len(got) == len(mine.intervals) and (got["agents_required_baseline"] == got["agents_required"]).all()
    assert (plain.intervals["agents_required_baseline"] != mine.intervals["agents_required_baseline"]).any()
