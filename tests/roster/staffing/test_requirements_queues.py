"""Staffing per queue (each with its own target and handle time) and per channel (the sum of its queues')."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.timegrid import TimeGrid
from roster.schema import ChannelTarget, Targets
from roster.staffing import queueing as q
from roster.staffing.requirements import channel_requirements, required_staff

VOICE = ChannelTarget(model="erlang_c", target_sl=0.8, target_s=20, aht_s=300, shrinkage=0.2, max_occupancy=0.95)
EMAIL = ChannelTarget(model="deferred", target_sl=0.9, target_s=4 * 3600, aht_s=400, shrinkage=0.1, max_occupancy=0.9)


def _forecast(rows: list[tuple[str, str, float, float]], n: int = 96) -> pd.DataFrame:
    ds = pd.date_range("2026-06-01", periods=n, freq="15min", tz="UTC")
    return pd.concat([pd.DataFrame({"ds": ds, "channel": c, "queue": qn, "tz": "America/New_York", "volume": v, "aht_s": a})
                      for c, qn, v, a in rows], ignore_index=True)


def staff(forecast, targets, **kw):
    return required_staff(forecast, targets, grid=TimeGrid.from_frame(forecast, file="forecast"), **kw)


def with_vip(**vip) -> Targets:
    return Targets(channels={"voice": VOICE, "email": EMAIL}, queues={"voice_vip": {"channel": "voice", **vip}})


def test_each_queue_is_staffed_with_its_own_target_and_handle_time():
    f = _forecast([("voice", "voice", 40.0, 300.0), ("voice", "voice_vip", 8.0, 420.0)])
    t = with_vip(target_sl=0.9, target_s=10)
    req = staff(f, t, by_queue=True, peak_correction=False)
    vip = req[req["queue"] == "voice_vip"]
    assert (vip["target_sl"] == 0.9).all() and (vip["target_s"] == 10).all() and (vip["aht_s"] == 420.0).all()
    # the VIP queue alone, at its own target: Erlang C's fewest agents
    a = np.array([8.0 * 420 / 900])
    assert (vip["agents_net"] == q.erlang_c_agents(a, np.array([420.0]), 10, 0.9, 0.95)[0]).all()
    assert (vip["predicted_sl"] >= 0.9).all()
    main = req[req["queue"] == "voice"]
    assert (main["target_sl"] == 0.8).all() and (main["shrinkage"] == 0.2).all()  # inherited from the channel


def test_a_channels_requirement_is_the_sum_of_its_queues():
    f = _forecast([("voice", "voice", 40.0, 300.0), ("voice", "voice_vip", 8.0, 420.0), ("email", "email", 30.0, 400.0)])
    t = with_vip(target_sl=0.9, target_s=10)
    by_q = staff(f, t, by_queue=True)
    per_channel = staff(f, t)
    pd.testing.assert_frame_equal(per_channel, channel_requirements(by_q, t))
    voice = per_channel[per_channel["channel"] == "voice"].set_index("ds")
    sums = by_q[by_q["channel"] == "voice"].groupby("ds")[["agents_net", "agents_required", "volume"]].sum()
    assert (voice["agents_net"] == sums["agents_net"]).all() and (voice["agents_required"] == sums["agents_required"]).all()
    assert (voice["volume"] == 48.0).all()
    assert voice["aht_s"].iloc[0] == pytest.approx((40 * 300 + 8 * 420) / 48)
    assert (voice["target_sl"] == 0.8).all()  # the channel's own target
    # dedicated queues: no pooling, so at least what one pooled queue of the same contacts would need
    pooled = staff(f.assign(queue=f["channel"]), t).set_index("ds")
    assert (voice["agents_net"] >= pooled.loc[pooled["channel"] == "voice", "agents_net"]).all()
    # a channel of one queue is that queue's rows
    email = per_channel[per_channel["channel"] == "email"].reset_index(drop=True)
    pd.testing.assert_frame_equal(email, by_q[by_q["queue"] == "email"].drop(columns="queue").reset_index(drop=True))


def test_a_forecast_without_queues_is_staffed_as_one_with_each_queue_named_as_its_channel():
    f = _forecast([("voice", "voice", 25.0, 300.0), ("email", "email", 30.0, 400.0)])
    t = Targets(channels={"voice": VOICE, "email": EMAIL})
    pd.testing.assert_frame_equal(staff(f.drop(columns="queue"), t), staff(f, t))
    by_q = staff(f.drop(columns="queue"), t, by_queue=True)
    assert (by_q["queue"] == by_q["channel"]).all()


def test_a_queue_whose_targets_name_another_channel_than_the_forecast_is_refused():
    f = _forecast([("email", "voice_vip", 5.0, 400.0)])
    with pytest.raises(InputError, match=r"queue 'voice_vip' is on channel email here, but the targets' \[queues.voice_vip\] says channel voice"):
        staff(f, with_vip(target_sl=0.9))


def test_a_floor_per_queue_tops_each_queue_up():
    f = _forecast([("voice", "voice", 20.0, 300.0), ("voice", "voice_vip", 4.0, 420.0)])
    t = with_vip(target_sl=0.9, target_s=10)
    base = staff(f, t, by_queue=True)
    floor = base.assign(agents_net_exact=base["agents_net_exact"] + np.where(base["queue"] == "voice_vip", 3, 0))
    topped = staff(f, t, by_queue=True, floor=floor)
    vip = topped["queue"] == "voice_vip"
    assert (topped.loc[vip, "agents_net"].to_numpy() == base.loc[vip, "agents_net"].to_numpy() + 3).all()
    assert (topped.loc[~vip, "agents_net"].to_numpy() == base.loc[~vip, "agents_net"].to_numpy()).all()
