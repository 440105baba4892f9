"""Channel per interval: the exact assignment chosen freely per interval, no switching where coverage does not need it."""

import itertools

import numpy as np
import pandas as pd

from roster.rostering.channels import assign_channels, free_channels
from tests.roster.rostering.test_heuristic import _state, random_instance
from roster.rostering.heuristic import construct
from roster.rostering import roster_span
from tests.roster.rostering.factory import NY, WEEK, agent, rules


def _weighted_short(s, chans):
    cov = np.zeros_like(s.req)
    for (a, d), arr in chans.items():
        idx = s.state[a].chan[d][0]
        ok = arr >= 0
        np.add.at(cov, (arr[ok], idx[ok]), 1)
    return float((s.w * np.maximum(s.req - cov, 0)).sum())


def test_assignment_is_optimal_per_interval_against_brute_force():
    agents, lr, req, span = random_instance(5)
    s = _state(agents, lr, req, span)
    construct(s)
    chans = free_channels(s)  # the relaxation the channel rules' cost is measured against
    at = {}
    for (a, d), arr in chans.items():
        for j, i in enumerate(s.state[a].chan[d][0]):
            at.setdefault(int(i), []).append((a, arr[j]))
    checked = 0
    for i, people in sorted(at.items()):
        if len(people) > 6 or s.req[:, i].sum() == 0:
            continue
        options = [s.skill_idx[s.state[a].pool] for a, _ in people]
        best = max(
            sum(s.w[c, i] * min(int(s.req[c, i]), sum(1 for x in combo if x == c)) for c in range(s.req.shape[0]))
            for combo in itertools.product(*options)
        )
        got = sum(s.w[c, i] * min(int(s.req[c, i]), sum(1 for _, x in people if x == c)) for c in range(s.req.shape[0]))
        assert got == best
        checked += 1
    assert checked > 20


def test_an_agent_keeps_its_channel_when_switching_gains_nothing():
    # voice is needed 06:00-20:00 and chat, equally, from 12:00; shifts start by 09:00 and last 8.5 h, so each starts
    # where only voice is needed and reaches 12:00, from where serving chat instead gains nothing: the agent stays on
    # voice throughout (chat, the first skill alphabetically, is the fallback, so staying on voice is the rule at work)
    lr = rules(contract_kw={"min_week_h": 0, "latest_start": "09:00"})
    span = roster_span(WEEK, 1, [NY])
    ds = pd.date_range(span[0], span[1], freq="15min", inclusive="left")
    req = pd.concat([pd.DataFrame({"ds": ds, "channel": c, "agents_required": 0}) for c in ("voice", "chat")], ignore_index=True)
    hour = req["ds"].dt.tz_convert(NY).dt.hour
    req.loc[(req["channel"] == "voice") & (hour >= 6) & (hour < 20), "agents_required"] = 1
    req.loc[(req["channel"] == "chat") & (hour >= 12) & (hour < 20), "agents_required"] = 1
    s = _state([agent(0, skills=("voice", "chat"))], lr, req, span)
    construct(s)
    voice, chat = s.grid.channels.index("voice"), s.grid.channels.index("chat")
    assert s.skill_idx[s.state[0].pool][0] == chat  # the fallback is chat
    chans = assign_channels(s)
    assert len(chans) >= 3
    for (a, d), arr in chans.items():
        idx = s.state[a].chan[d][0]
        assert s.req[chat, idx[0]] == 0 and s.req[chat, idx].any()  # starts before chat is needed, and reaches the tie
        assert set(arr.tolist()) == {voice}  # never switches to chat, which would gain nothing
