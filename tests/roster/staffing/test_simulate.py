import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecast.timegrid import TimeGrid
from roster.staffing import queueing as q
from roster.schema import ChannelTarget, Targets
from roster.staffing.simulate import available_agents, simulate, simulate_roster, simulation_summary


def simulate_on(demand, staffing, targets, **kw):
    """simulate on a demand built here, on the grid it was built on."""
    return simulate(demand, staffing, targets, grid=TimeGrid.from_frame(demand, file="demand"), **kw)


def _demand(channel, volume, aht, n):
    ds = pd.date_range("2026-06-01", periods=n, freq="15min", tz="UTC")
    return pd.DataFrame({"ds": ds, "channel": channel, "volume": volume, "aht_s": aht})


def test_simulation_agrees_with_erlang_c_in_steady_state():
    t = Targets(channels={"voice": ChannelTarget(model="erlang_c", target_sl=0.8, target_s=20, aht_s=180)})
    n = 600
    demand = _demand("voice", 100.0, 180.0, n)  # 20 Erlangs
    agents = int(q.erlang_c_agents(np.array([20.0]), 180, 20, 0.8)[0])
    staffing = demand[["ds", "channel"]].assign(agents=agents)
    sim = simulate_on(demand, staffing, t, seed=7)
    s = simulation_summary(sim).iloc[0]
    expected = float(q.erlang_c_metrics(agents, 20.0, 180, 20)["sl"])
    assert s["service_level"] == pytest.approx(expected, abs=0.03)
    assert sim["offered"].sum() == pytest.approx(100 * n, rel=0.02)


def test_abandonment_agrees_with_erlang_a():
    t = Targets(channels={"voice": ChannelTarget(model="erlang_a", target_sl=0.8, target_s=20, aht_s=300, patience_s=120)})
    demand = _demand("voice", 45.0, 300.0, 600)
    lam = 45 / 900
    n = 14
    sim = simulate_on(demand, demand[["ds", "channel"]].assign(agents=n), t, seed=3)
    s = simulation_summary(sim).iloc[0]
    m = q.erlang_a_metrics(n, lam, 300, 120, 20)
    assert s["abandon_rate"] == pytest.approx(float(m["abandon_rate"]), abs=0.02)
    assert s["service_level"] == pytest.approx(float(m["sl"]), abs=0.04)


def test_heavy_abandonment_agrees_with_erlang_a():
    # a caller who gives up must not move the queue's clock past their own deadline:
    # completions and staffing after it belong to the callers behind (else they wait too little)
    t = Targets(channels={"voice": ChannelTarget(model="erlang_a", target_sl=0.8, target_s=20, aht_s=300, patience_s=30)})
    demand = _demand("voice", 60.0, 300.0, 400)
    sim = simulate_on(demand, demand[["ds", "channel"]].assign(agents=18), t, seed=1, runs=4)
    s = simulation_summary(sim).iloc[0]
    m = q.erlang_a_metrics(18, 60 / 900, 300, 30, 20)  # abandonment 19.4%, service level 74.6%
    assert s["abandon_rate"] == pytest.approx(float(m["abandon_rate"]), abs=0.008)
    assert s["service_level"] == pytest.approx(float(m["sl"]), abs=0.012)


def test_no_agents_builds_a_backlog_that_is_worked_off_later():
    t = Targets(channels={"email": ChannelTarget(model="deferred", target_sl=0.9, target_s=4 * 3600, aht_s=300)})
    demand = _demand("email", 20.0, 300.0, 96)
    agents = np.where(np.arange(96) < 32, 0, 12)
    sim = simulate_on(demand, demand[["ds", "channel"]].assign(agents=agents), t, seed=1)
    assert sim["backlog"].iloc[31] > 400
    assert sim["backlog"].iloc[-1] < 20
    assert sim["answered"].sum() > 0.95 * sim["offered"].sum()


def test_chat_simulation_agrees_with_the_chat_model():
    t = Targets(channels={"chat": ChannelTarget(model="chat", target_sl=0.8, target_s=60, aht_s=560, concurrency=2.5, max_concurrency=3,
                                               handle_time_growth=0.25, max_occupancy=1.0)})
    demand = _demand("chat", 40.0, 560.0, 400)
    lam = 40 / 900
    n = int(q.chat_agents(np.array([lam]), 560, 60, 0.8, 2.5, 3, 0.25)[0])
    sim = simulate_on(demand, demand[["ds", "channel"]].assign(agents=n), t, seed=11)
    s = simulation_summary(sim).iloc[0]
    expected = float(q.chat_metrics(n, lam, 560, 60, 2.5, 3, 0.25)["sl"][0])
    assert s["service_level"] == pytest.approx(expected, abs=0.03)
    # one agent fewer is visibly worse
    worse = simulation_summary(simulate_on(demand, demand[["ds", "channel"]].assign(agents=n - 1), t, seed=11)).iloc[0]
    assert worse["service_level"] < s["service_level"]


def test_replications_give_the_expected_service_level_and_its_standard_error():
    t = Targets(channels={"voice": ChannelTarget(model="erlang_c", target_sl=0.8, target_s=20, aht_s=180)})
    demand = _demand("voice", 30.0, 180.0, 40)
    agents = demand[["ds", "channel"]].assign(agents=7)
    one = simulate_on(demand, agents, t, seed=5, runs=1)
    few = simulate_on(demand, agents, t, seed=5, runs=10)
    many = simulate_on(demand, agents, t, seed=5, runs=40)
    assert one["service_level_se"].isna().all()
    assert (many["service_level_se"] > 0).all()
    # four times the replications, half the standard error
    assert few["service_level_se"].mean() / many["service_level_se"].mean() == pytest.approx(2.0, rel=0.3)
    # every interval's estimate is near the steady-state value (the first starts empty, so it is better)
    expected = float(q.erlang_c_metrics(7, 30 * 180 / 900, 180, 20)["sl"])
    assert (np.abs(many["service_level"].iloc[2:] - expected) < 4 * many["service_level_se"].iloc[2:] + 0.01).mean() >= 0.95
    s = simulation_summary(many).iloc[0]
    assert s["intervals_not_below_target"] >= s["intervals_meeting_target"]
    assert np.isnan(simulation_summary(one).iloc[0]["intervals_not_below_target"])


def test_deferred_replies_count_at_the_end_of_handling_and_late_unknowns_are_censored():
    # plenty of agents: nobody waits, so the reply comes one handle time after arrival
    t = Targets(channels={"email": ChannelTarget(model="deferred", target_sl=0.9, target_s=600, aht_s=600)})
    demand = _demand("email", 10.0, 600.0, 16)
    sim = simulate_on(demand, demand[["ds", "channel"]].assign(agents=50), t, seed=3, runs=4)
    s = simulation_summary(sim).iloc[0]
    assert 0.5 < s["service_level"] < 0.75  # P(exponential handle time <= its mean) = 63%
    assert (sim["asa_s"].dropna() > 300).all()  # time to reply, not time to start
    # nobody at work: nothing answered, and the contacts of the last ten minutes are not yet late
    none = simulate_on(demand, demand[["ds", "channel"]].assign(agents=0), t, seed=3)
    assert none["answered"].sum() == 0 and none["censored"].iloc[-1] > 0 and none["censored"].iloc[:-1].sum() == 0
    assert (none["service_level"].iloc[:-1] == 0).all()


# --------------------------------------------------------------------------- #
# A roster's agents less shrinkage
# --------------------------------------------------------------------------- #


def test_available_agents_are_the_scheduled_less_the_channels_shrinkage_rounded():
    t = Targets(channels={
        "voice": ChannelTarget(model="erlang_c", target_sl=0.8, target_s=20, aht_s=180, shrinkage=0.3),
        "email": ChannelTarget(model="deferred", target_sl=0.9, target_s=3600, aht_s=300, shrinkage=0.0),
    })
    ds = pd.date_range("2026-06-01", periods=4, freq="15min", tz="UTC")
    coverage = pd.concat([
        pd.DataFrame({"ds": ds, "channel": "voice", "scheduled": [10, 7, 12, 0]}),
        pd.DataFrame({"ds": ds, "channel": "email", "scheduled": [3, 0, 5, 1]}),
    ], ignore_index=True)
    got = available_agents(coverage, t)
    assert list(got.columns) == ["ds", "channel", "agents"]
    assert got["agents"].tolist() == [7, 5, 8, 0, 3, 0, 5, 1]  # 4.9 rounds to 5, 8.4 to 8
    assert (got["ds"] == coverage["ds"]).all() and (got["channel"] == coverage["channel"]).all()


def test_a_roster_is_simulated_with_its_agents_less_shrinkage():
    # 34 agents rostered on 20 Erlangs with 30% shrinkage serve like 24 at work: 81% within 20 s (Erlang C),
    # not like 34 (99%) nor 23 (70%)
    def voice(shrinkage):
        return Targets(channels={"voice": ChannelTarget(model="erlang_c", target_sl=0.8, target_s=20, aht_s=180, shrinkage=shrinkage)})

    demand = _demand("voice", 100.0, 180.0, 300)
    coverage = demand[["ds", "channel"]].assign(scheduled=34)
    sim = simulate_roster(demand, coverage, voice(0.3), grid=TimeGrid.from_frame(demand, file="demand"), seed=4, runs=2)
    assert (sim["agents"] == 24).all()
    same = simulate_on(demand, demand[["ds", "channel"]].assign(agents=24.0), voice(0.0), seed=4, runs=2)
    pd.testing.assert_frame_equal(sim, same)  # the same draws: exactly a shrinkage-free team of 24
    s = simulation_summary(sim).iloc[0]
    assert s["service_level"] == pytest.approx(float(q.erlang_c_metrics(24, 20.0, 180, 20)["sl"]), abs=0.03)
    # the demand simulated is the requirements' over the intervals the roster covers
    half = simulate_roster(demand, coverage.iloc[:100], voice(0.3), grid=TimeGrid.from_frame(demand, file="demand"), seed=4, runs=1)
    assert len(half) == 100 and (half["ds"] == demand["ds"].iloc[:100].to_numpy()).all()


# --------------------------------------------------------------------------- #
# Inputs the simulator reads and the summary's figures
# --------------------------------------------------------------------------- #


def test_customer_zones_are_summed_and_a_missing_handle_time_takes_the_targets():
    t = Targets(channels={"voice": ChannelTarget(model="erlang_c", target_sl=0.8, target_s=20, aht_s=180)})
    demand = _demand("voice", 30.0, 180.0, 40)
    staffing = demand[["ds", "channel"]].assign(agents=7)
    whole = simulate_on(demand, staffing, t, seed=6, runs=2)
    zones = pd.concat([demand.assign(tz="America/New_York", volume=10.0), demand.assign(tz="Europe/London", volume=20.0)])
    pd.testing.assert_frame_equal(simulate_on(zones, staffing, t, seed=6, runs=2), whole)
    pd.testing.assert_frame_equal(simulate_on(demand.assign(aht_s=np.nan), staffing, t, seed=6, runs=2), whole)


def test_agents_are_whole_people_a_fractional_staffing_serves_as_its_whole_part():
    t = Targets(channels={"voice": ChannelTarget(model="erlang_c", target_sl=0.8, target_s=20, aht_s=180)})
    demand = _demand("voice", 30.0, 180.0, 40)
    part = simulate_on(demand, demand[["ds", "channel"]].assign(agents=7.6), t, seed=2)
    whole = simulate_on(demand, demand[["ds", "channel"]].assign(agents=7.0), t, seed=2)
    cols = ["offered", "answered", "answered_in_target", "service_level", "asa_s", "backlog"]
    pd.testing.assert_frame_equal(part[cols], whole[cols])


def test_waiting_chats_are_answered_as_soon_as_agents_arrive_before_new_ones():
    t = Targets(channels={"chat": ChannelTarget(model="chat", target_sl=0.8, target_s=60, aht_s=560, concurrency=2.5, max_concurrency=3,
                                               handle_time_growth=0.25, max_occupancy=1.0)})
    demand = _demand("chat", 40.0, 560.0, 12)
    agents = np.where(np.arange(12) < 4, 0, 80)  # nobody for an hour, then room for 240 chats
    sim = simulate_on(demand, demand[["ds", "channel"]].assign(agents=agents), t, seed=8)
    assert sim["backlog"].iloc[3] > 100 and (sim["backlog"].iloc[4:] == 0).all()
    assert sim["answered"].iloc[:4].sum() == sim["offered"].iloc[:4].sum()
    # the first hour's chats are answered at 01:00 sharp: each waited from its arrival to then
    first = sim.iloc[0]
    assert 2700 < first["asa_s"] < 3600 and first["answered_in_target"] == 0


def test_occupancy_of_a_partly_open_interval_counts_its_open_time_only():
    # hourly grid, open from 08:30: the 08:00 interval has 30 open minutes, worked flat out on the night's mail
    t = Targets(channels={"email": ChannelTarget(model="deferred", target_sl=0.9, target_s=4 * 3600, aht_s=300,
                                                open_from=dt.time(8, 30), open_until=dt.time(17), open_tz="UTC")})
    ds = pd.date_range("2026-06-01", periods=24, freq="60min", tz="UTC")
    demand = pd.DataFrame({"ds": ds, "channel": "email", "volume": 20.0, "aht_s": 300.0})
    sim = simulate_on(demand, demand[["ds", "channel"]].assign(agents=2), t, seed=5, runs=3)
    assert sim["occupancy"].iloc[8] > 0.9
    assert sim["answered"].iloc[:8].sum() > 0 and sim["backlog"].iloc[7] > 100


def test_the_summary_leaves_censored_contacts_out_and_allows_two_standard_errors():
    ds = pd.date_range("2026-06-01", periods=3, freq="15min", tz="UTC")
    sim = pd.DataFrame({
        "ds": ds, "channel": "voice", "offered": [10.0, 10.0, 10.0], "answered": [10.0, 10.0, 6.0], "abandoned": 0.0,
        "answered_in_target": [7.8, 7.0, 6.0], "censored": [0.0, 0.0, 2.0], "service_level": [0.78, 0.70, 0.75],
        "service_level_se": [0.02, 0.02, 0.01], "asa_s": 10.0, "target_sl": 0.8,
    })
    s = simulation_summary(sim).iloc[0]
    assert s["service_level"] == pytest.approx(20.8 / 28)
    assert s["intervals_meeting_target"] == 0.0
    assert s["intervals_not_below_target"] == pytest.approx(1 / 3)  # 0.78 + 2 x 0.02 reaches 0.8
