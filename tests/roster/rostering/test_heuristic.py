"""Greedy construction and local search: every move keeps the hard rules; the search only improves."""


import numpy as np
import pandas as pd
import pytest

from roster.rostering.channels import exact_channels
from roster.rostering.heuristic import construct, local_search
from roster.rostering.state import RosterState
from roster.rostering.instance import make_demand, make_pools
from roster.rostering import SolverConfig, roster_frame, roster_span
from roster.rostering.validation import validate_roster
from tests.roster.rostering.factory import NY, WEEK, agent, random_instance, rules


def _state(agents, lr, req, span, config=SolverConfig()):
    grid = make_demand(req, span, pd.Timedelta(minutes=15), config.under_weight, config.peak_weight)
    pools = make_pools(agents, lr, [], WEEK, 7, span, grid, config.cost_weight, config.late_start_h)
    return RosterState(pools, agents, lr, grid, config, 1, WEEK)


@pytest.mark.parametrize("seed", range(6))
def test_random_instances_stay_valid_through_construction_and_search(seed):
    agents, lr, req, span = random_instance(seed)
    s = _state(agents, lr, req, span)
    construct(s)
    exact_channels(s)
    first = s.objective()
    assert validate_roster(roster_frame(s, {k: v[1] for k, v in _chans(s).items()}, agents), agents, lr, interval_min=15, week_start=WEEK) == []
    local_search(s, __import__("time").perf_counter() + 2.0, np.random.default_rng(seed))
    exact_channels(s)
    assert s.objective() <= first + 1e-6
    roster = roster_frame(s, {k: v[1] for k, v in _chans(s).items()}, agents)
    assert validate_roster(roster, agents, lr, interval_min=15, week_start=WEEK) == []


def _chans(s):
    return {(a, d): st.chan[d] for a, st in enumerate(s.state) for d in st.shifts}


def test_bookkeeping_matches_a_recount():
    agents, lr, req, span = random_instance(11)
    s = _state(agents, lr, req, span)
    construct(s)
    covered = np.zeros_like(s.req)
    for st in s.state:
        for d in st.shifts:
            idx, chan = st.chan[d]
            ok = chan >= 0
            np.add.at(covered, (chan[ok], idx[ok]), 1)
    assert (s.rem == s.req - covered).all()


def test_removing_and_adding_back_restores_the_objective():
    agents, lr, req, span = random_instance(3)
    s = _state(agents, lr, req, span)
    construct(s)
    before = s.objective()
    a = next(i for i, st in enumerate(s.state) if st.shifts)
    d = next(iter(s.state[a].shifts))
    t, chan = s.remove(a, d)
    assert s.objective() != before
    s.add(a, t, chan)
    assert s.objective() == pytest.approx(before)


def test_masks_forbid_what_the_rules_forbid():
    lr = rules(min_rest_h=11, contract_kw={"min_week_h": 0, "latest_start": "15:30"})
    span = roster_span(WEEK, 1, [NY])
    ds = pd.date_range(span[0], span[1], freq="15min", inclusive="left")
    req = pd.DataFrame({"ds": ds, "channel": "voice", "agents_required": 1})
    s = _state([agent(0)], lr, req, span)
    p = s.pools[0]
    late_monday = int(np.flatnonzero((p.day == 0) & (p.start_ns == p.start_ns[p.day == 0].max()))[0])
    s.add(0, late_monday)
    mask = s.masks[0][0]
    assert not mask[p.day == 0].any()  # one shift per local day
    tuesday = p.day == 1
    clash = tuesday & (p.start_ns < p.end_ns[late_monday] + s.rest_ns)
    assert clash.any() and not mask[clash].any()  # rest
    assert mask[tuesday & ~clash].any()
    for d in (2, 3, 4, 5):
        s.add(0, int(np.flatnonzero(s.masks[0][0] & (p.day == d))[0]))
    assert not s.masks[0][0].any()  # five days a week at most

