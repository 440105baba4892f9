import numpy as np
import pandas as pd
import pytest

from roster import queueing as q
from roster.schema import ChannelTarget, Targets
from roster.simulate import simulate, simulation_summary


def _demand(channel, volume, aht, n):
    ds = pd.date_range("2026-06-01", periods=n, freq="15min", tz="UTC")
    return pd.DataFrame({"ds": ds, "channel": channel, "volume": volume, "aht_s": aht})


def test_simulation_agrees_with_erlang_c_in_steady_state():
    t = Targets(channels={"voice": ChannelTarget(model="erlang_c", target_sl=0.8, target_s=20, aht_s=180)})
    n = 600
    demand = _demand("voice", 100.0, 180.0, n)  # 20 Erlangs
    agents = int(q.erlang_c_agents(np.array([20.0]), 180, 20, 0.8)[0])
    staffing = demand[["ds", "channel"]].assign(agents=agents)
    sim = simulate(demand, staffing, t, seed=7)
    s = simulation_summary(sim).iloc[0]
    expected = float(q.erlang_c_metrics(agents, 20.0, 180, 20)["sl"])
    assert s["service_level"] == pytest.approx(expected, abs=0.03)
    assert sim["offered"].sum() == pytest.approx(100 * n, rel=0.02)


def test_abandonment_agrees_with_erlang_a():
    t = Targets(channels={"voice": ChannelTarget(model="erlang_a", target_sl=0.8, target_s=20, aht_s=300, patience_s=120)})
    demand = _demand("voice", 45.0, 300.0, 600)
    lam = 45 / 900
    n = 14
    sim = simulate(demand, demand[["ds", "channel"]].assign(agents=n), t, seed=3)
    s = simulation_summary(sim).iloc[0]
    m = q.erlang_a_metrics(n, lam, 300, 120, 20)
    assert s["abandon_rate"] == pytest.approx(float(m["abandon_rate"]), abs=0.02)
    assert s["service_level"] == pytest.approx(float(m["sl"]), abs=0.04)


def test_no_agents_builds_a_backlog_that_is_worked_off_later():
    t = Targets(channels={"email": ChannelTarget(model="deferred", target_sl=0.9, target_s=4 * 3600, aht_s=300)})
    demand = _demand("email", 20.0, 300.0, 96)
    agents = np.where(np.arange(96) < 32, 0, 12)
    sim = simulate(demand, demand[["ds", "channel"]].assign(agents=agents), t, seed=1)
    assert sim["backlog"].iloc[31] > 400
    assert sim["backlog"].iloc[-1] < 20
    assert sim["answered"].sum() > 0.95 * sim["offered"].sum()


def test_chat_simulation_agrees_with_the_chat_model():
    t = Targets(channels={"chat": ChannelTarget(model="chat", target_sl=0.8, target_s=60, aht_s=560, concurrency=2.5, max_concurrency=3,
                                               handle_time_growth=0.25, max_occupancy=1.0)})
    demand = _demand("chat", 40.0, 560.0, 400)
    lam = 40 / 900
    n = int(q.chat_agents(np.array([lam]), 560, 60, 0.8, 2.5, 3, 0.25)[0])
    sim = simulate(demand, demand[["ds", "channel"]].assign(agents=n), t, seed=11)
    s = simulation_summary(sim).iloc[0]
    expected = float(q.chat_metrics(n, lam, 560, 60, 2.5, 3, 0.25)["sl"][0])
    assert s["service_level"] == pytest.approx(expected, abs=0.03)
    # one agent fewer is visibly worse
    worse = simulation_summary(simulate(demand, demand[["ds", "channel"]].assign(agents=n - 1), t, seed=11)).iloc[0]
    assert worse["service_level"] < s["service_level"]
