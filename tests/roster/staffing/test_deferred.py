"""Deferred work: opening hours on the business clock, the backlog programme and its checks."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from forecast.timegrid import TimeGrid
from roster.staffing import deferred as dfr
from roster.schema import ChannelTarget, Targets
from roster.staffing.simulate import simulate, simulation_summary
from roster.staffing.requirements import required_staff

H = 3600.0


def simulate_on(demand, staffing, targets, **kw):
    """simulate on a demand built here, on the grid it was built on."""
    return simulate(demand, staffing, targets, grid=TimeGrid.from_frame(demand, file="demand"), **kw)


def staff(forecast, targets, **kw):
    """required_staff on a forecast built here, on the grid it was built on."""
    return required_staff(forecast, targets, grid=TimeGrid.from_frame(forecast, file="forecast"), **kw)


def _email(**kw):
    base = dict(model="deferred", target_sl=0.9, target_s=4 * H, aht_s=400, shrinkage=0.0, max_occupancy=0.95)
    return ChannelTarget(**{**base, **kw})


def _forecast(volume, start="2026-06-01", freq="15min", channel="email", aht=400.0):
    ds = pd.date_range(start, periods=len(volume), freq=freq, tz="UTC")
    return pd.DataFrame({"ds": ds, "channel": channel, "tz": "America/New_York", "volume": volume, "aht_s": aht})


def test_opening_hours_follow_local_time_across_daylight_saving():
    # New York springs forward on 2026-03-08: the UTC opening moves an hour earlier, each local day opens 12 hours
    ds = pd.date_range("2026-03-06 00:00", "2026-03-10 23:45", freq="15min", tz="UTC")
    open_s = dfr.open_seconds(ds, 900, dt.time(8), dt.time(20), "America/New_York")
    local = ds.tz_convert("America/New_York")
    per_day = pd.Series(open_s, index=local.date).groupby(level=0).sum()
    assert (per_day.loc[dt.date(2026, 3, 6) : dt.date(2026, 3, 10)] == 12 * H).all()
    first_open = pd.Series(ds[open_s > 0]).groupby(local[open_s > 0].date).min()
    assert first_open[dt.date(2026, 3, 6)].hour == 13  # 08:00 EST = 13:00 UTC
    assert first_open[dt.date(2026, 3, 9)].hour == 12  # 08:00 EDT = 12:00 UTC


def test_partly_open_intervals_and_windows_past_midnight():
    ds = pd.date_range("2026-06-01", periods=24, freq="60min", tz="UTC")
    half = dfr.open_seconds(ds, H, dt.time(8, 30), dt.time(17, 0), "UTC")
    assert half[8] == 1800 and half[9] == H and half[16] == H and half[17] == 0
    night = dfr.open_seconds(ds, H, dt.time(22), dt.time(6), "UTC")
    assert night.sum() == 8 * H and night[23] == H and night[5] == H and night[6] == 0
    assert (dfr.open_seconds(ds, H, None, None) == H).all()


def test_deadlines_count_open_hours_only():
    # hourly grid, open 08:00-20:00 UTC, 4-hour target
    ds = pd.date_range("2026-06-01", periods=48, freq="60min", tz="UTC")
    open_s = dfr.open_seconds(ds, H, dt.time(8), dt.time(20), "UTC")
    due = dfr.deadline_intervals(open_s, 4 * H)
    assert due[9] == 12  # 09:00 -> by the end of 12:00 (13:00)
    assert due[19] == 8 + 24 + 2  # 19:00: one open hour left, three more from 08:00 -> by 11:00 next day
    assert due[2] == 8 + 24 + 3 - 24  # 02:00, closed: due four open hours after 08:00 -> end of 11:00 the same day
    assert due[47] == 48  # beyond the horizon


def test_constant_work_is_staffed_flat_with_no_idle_capacity():
    work = np.full(96, 10 * 400.0)  # ten 400-second emails every 15 minutes
    open_s = np.full(96, 900.0)
    x = dfr.minimal_agents(work, open_s, 900.0, 2 * H, 0.9)
    assert np.ptp(x) < 1e-6 and x[0] <= 4000 / (900 * 0.9) + 1e-6
    fluid = dfr.fifo_backlog(np.full(96, 10.0), np.full(96, 400.0), x, 900.0, 2 * H, 0.9, open_s)
    assert fluid["occupancy"] == pytest.approx(np.full(96, 0.9), rel=1e-6)  # busy to the cap: nothing idle
    assert np.nanmin(fluid["sl_fluid"]) >= 1 - 1e-6


def test_the_programme_meets_every_deadline_and_one_agent_less_would_not():
    rng = np.random.default_rng(3)
    work = rng.gamma(2.0, 2000.0, 4 * 96)
    open_s = np.full(len(work), 900.0)
    x = dfr.minimal_agents(work, open_s, 900.0, 2 * H, 0.9)
    fluid = dfr.fifo_backlog(work / 400, np.full(len(work), 400.0), x, 900.0, 2 * H, 0.9, open_s)
    assert np.nanmin(fluid["sl_fluid"]) >= 1 - 1e-6
    # minimal: taking a tenth of an agent off every interval misses a deadline
    short = dfr.fifo_backlog(work / 400, np.full(len(work), 400.0), np.maximum(x - 0.1, 0), 900.0, 2 * H, 0.9, open_s)
    assert np.nanmin(short["sl_fluid"]) < 1 - 1e-3


def test_deferred_floor_is_kept_and_only_raised_where_needed():
    n = 96
    work = np.where((np.arange(n) > 30) & (np.arange(n) < 50), 1800.0, 200.0)
    open_s = np.full(n, 900.0)
    free = dfr.minimal_agents(work, open_s, 900.0, 4 * 3600.0, 0.9)
    floor = np.full(n, 1.5)
    topped = dfr.minimal_agents(work, open_s, 900.0, 4 * 3600.0, 0.9, floor=floor)
    assert (topped >= floor - 1e-7).all()
    assert topped.sum() >= free.sum() - 1e-6
    # a floor below what the work needs changes nothing
    below = 0.5 * free
    assert (below > 0.1).all()
    assert np.allclose(dfr.minimal_agents(work, open_s, 900.0, 4 * 3600.0, 0.9, floor=below), free)


def test_a_burst_is_spread_over_the_target_window_not_staffed_as_a_spike():
    t = Targets(channels={"email": _email()})
    vol = np.where((np.arange(96 * 7) % 96) // 4 == 10, 200.0, 5.0)  # an hour of 200 emails per 15 minutes each day
    req = staff(_forecast(vol), t)
    spike = 200 * 400 / (900 * 0.95)  # agents to answer each burst interval within its own 15 minutes: 94
    assert req["agents_net"].max() < spike / 3
    # the raised level is held for hours each day, not for a slot
    x = req["agents_net_exact"].to_numpy().reshape(7, 96)
    assert ((x >= 0.9 * x.max(axis=1, keepdims=True)).sum(axis=1) >= 8).all()
    assert req["predicted_sl"].min() >= 0.9
    assert req["backlog"].max() > 100


def test_opening_hours_staff_zero_while_closed_and_answer_overnight_mail_next_morning():
    t = Targets(channels={"email": _email(open_from=dt.time(8), open_until=dt.time(18), open_tz="Europe/London")})
    vol = np.full(96 * 7, 6.0)
    req = staff(_forecast(vol), t)
    local = req["ds"].dt.tz_convert("Europe/London")
    hour = local.dt.hour
    closed = (hour < 8) | (hour >= 18)
    assert (req.loc[closed, "agents_net"] == 0).all()
    assert (req.loc[~closed, "agents_net"] > 0).all()
    # the night's mail waits: the backlog peaks just before opening
    assert req.loc[closed & (hour == 7), "backlog"].min() > 50
    assert req.loc[~closed, "backlog"].min() < req.loc[closed & (hour == 7), "backlog"].min()
    assert req["predicted_sl"].min() >= 0.9
    # a simulation on the business clock agrees
    sim = simulate_on(req[["ds", "channel", "volume", "aht_s"]], req[["ds", "channel"]].assign(agents=req["agents_net"]), t, seed=2, runs=4)
    s = simulation_summary(sim).iloc[0]
    assert s["service_level"] >= 0.9
    assert s["intervals_meeting_target"] >= 0.9
    # nobody answers while closed: through each night the simulated backlog only grows
    night = closed.to_numpy()[1:] & closed.to_numpy()[:-1]
    assert (np.diff(sim["backlog"].to_numpy())[night] >= 0).all()


def test_daylight_saving_does_not_break_opening_hours_staffing():
    t = Targets(channels={"email": _email(target_s=2 * H, open_from=dt.time(9), open_until=dt.time(17), open_tz="America/New_York")})
    vol = np.full(96 * 6, 4.0)
    req = staff(_forecast(vol, start="2026-10-30"), t)  # New York falls back on 2026-11-01
    local = req["ds"].dt.tz_convert("America/New_York")
    staffed = req[req["agents_net"] > 0]
    assert staffed["ds"].dt.tz_convert("America/New_York").dt.hour.between(9, 16).all()
    per_day = req.assign(d=local.dt.date, open_h=(local.dt.hour.between(9, 16)) * 0.25).groupby("d")["open_h"].sum()
    assert (per_day.iloc[1:-1] == 8).all()
    assert req["predicted_sl"].dropna().min() >= 0.9


def test_lower_targets_never_need_more_agent_hours():
    vol = np.where((np.arange(96 * 3) % 96) // 4 == 14, 60.0, 4.0)
    f = _forecast(vol)
    hours = {}
    for sl in (0.7, 0.95):
        for target_s in (H, 4 * H):
            req = staff(f, Targets(channels={"email": _email(target_sl=sl, target_s=target_s)}))
            hours[sl, target_s] = req["agents_net_exact"].sum()
    assert hours[0.7, H] <= hours[0.95, H] + 1e-6
    assert hours[0.95, 4 * H] <= hours[0.95, H] + 1e-6


def test_one_agent_is_not_planned_at_full_occupancy_on_a_short_target():
    # 0.9 Erlangs of social posts with a one-hour target: one agent would be 95% busy and late for many posts
    t = Targets(channels={"social": ChannelTarget(model="deferred", target_sl=0.9, target_s=H, aht_s=260, shrinkage=0.0, max_occupancy=0.95)})
    vol = np.full(96 * 3, 0.9 * 900 / 260)
    req = staff(_forecast(vol, channel="social", aht=260.0), t)
    assert (req["agents_net"] >= 2).all()
    sim = simulate_on(req[["ds", "channel", "volume", "aht_s"]], req[["ds", "channel"]].assign(agents=req["agents_net"]), t, seed=4, runs=3)
    assert simulation_summary(sim).iloc[0]["service_level"] >= 0.9
    one = simulate_on(req[["ds", "channel", "volume", "aht_s"]], req[["ds", "channel"]].assign(agents=1), t, seed=4, runs=3)
    assert simulation_summary(one).iloc[0]["service_level"] < 0.9


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(open_from=dt.time(8)), "give both open_from and open_until"),
        (dict(open_from=dt.time(8), open_until=dt.time(8)), "are equal"),
        (dict(open_from=dt.time(8), open_until=dt.time(18), open_tz="Mars/Olympus"), "unknown time zone"),
        (dict(open_from=dt.time(8, 0, 30), open_until=dt.time(18)), "whole minutes"),
        (dict(model="erlang_c", target_s=20, open_from=dt.time(8), open_until=dt.time(18)), "apply to deferred channels"),
    ],
)
def test_bad_opening_hours_are_rejected_with_the_reason(kw, message):
    with pytest.raises(ValidationError, match=message):
        _email(**kw)
