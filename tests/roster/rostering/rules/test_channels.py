"""Hard rules of the channels inside a shift: a shortest stretch on one channel, most switches a shift."""

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from forecast.errors import InputError
from roster.rostering.channels import assign_channels, exact_channels, free_channels, keeps_blocks
from roster.rostering.heuristic import construct
from roster.rostering.rules import HARD_RULES, channels
from roster.rostering.solution import roster_frame, roster_kpis
from roster.rostering.validation import validate_roster
from tests.roster.rostering.factory import (NY, STEP_MIN, WEEK, agent, grid_of, roster_of, rules, shift_rows, solve,
                                            solve_model, state)

BOTH = ("chat", "voice")


def _hopping(level=1, hours=(8, 17), days=(0,)):
    """Voice and chat needed in turn every quarter hour (one agent each) on ``days``: an agent would hop every 15 minutes."""
    span_days = pd.date_range(pd.Timestamp(WEEK).tz_localize(NY), periods=8, freq="D").tz_convert("UTC")
    ds = pd.date_range(span_days[0] - pd.Timedelta(hours=12), span_days[-1] + pd.Timedelta(hours=12), freq="15min", inclusive="left")
    local = ds.tz_convert(NY)
    on = (local.hour >= hours[0]) & (local.hour < hours[1]) & np.isin((local.normalize().date - WEEK), [dt.timedelta(days=d) for d in days])
    quarter = (local.minute // 15) % 2 == 0
    return pd.concat([pd.DataFrame({"ds": ds, "channel": "voice", "agents_required": np.where(on & quarter, level, 0)}),
                      pd.DataFrame({"ds": ds, "channel": "chat", "agents_required": np.where(on & ~quarter, level, 0)})],
                     ignore_index=True)


def _one_day_rules(**kw):
    return rules(contract_kw={"min_week_h": 0, "earliest_start": "08:00", "latest_start": "08:30"}, **kw)


def _hand_shift(a, lr, channels_at, start="08:00", length_h=8.5):
    """One shift of ``a`` on WEEK from ``start`` split into stretches: ``[(minutes from the start, channel), ...]``."""
    rows = shift_rows(a, WEEK, start, lr, length_h=length_h)
    shift, pauses = rows[0], rows[1:]
    cuts = [m for m, _ in channels_at] + [int(length_h * 60)]
    out = []
    for (m, c), m_next in zip(channels_at, cuts[1:]):
        a0, b0 = shift["start_utc"] + pd.Timedelta(minutes=m), shift["start_utc"] + pd.Timedelta(minutes=m_next)
        unpaid = sum((min(p["end_utc"], b0) - max(p["start_utc"], a0)).total_seconds() / 3600 for p in pauses
                     if p["activity"] == "lunch" and p["start_utc"] < b0 and p["end_utc"] > a0)
        out.append({**shift, "channel": c, "start_utc": a0, "end_utc": b0, "paid_h": (b0 - a0).total_seconds() / 3600 - unpaid})
    for p in pauses:
        k = max(j for j, (m, _) in enumerate(channels_at) if shift["start_utc"] + pd.Timedelta(minutes=m) <= p["start_utc"])
        out.append({**p, "channel": channels_at[k][1]})
    return roster_of(out)


def _rules_of(violations):
    return sorted({v.rule for v in violations})


# --------------------------------------------------------------------------- #
# the settings
# --------------------------------------------------------------------------- #
def test_defaults_bounds_and_the_roster_grid():
    lr = rules()
    assert lr.min_channel_block_min == 60 and lr.max_channel_switches == 3
    assert HARD_RULES["channels"] == (channels.CHANNEL_BLOCK, channels.CHANNEL_SWITCHES)
    with pytest.raises(ValidationError):
        rules(min_channel_block_min=-15)
    with pytest.raises(ValidationError):
        rules(max_channel_switches=-1)
    with pytest.raises(ValidationError):
        rules(min_channel_block_min=24 * 60)
    with pytest.raises(InputError, match="min_channel_block_min = 50"):
        rules(min_channel_block_min=50).check_grid(15)
    rules(min_channel_block_min=45).check_grid(15)
    with pytest.raises(InputError, match="min_channel_block_min = 45"):
        rules(min_channel_block_min=45, interval_min=30, shift_start_step_min=30).check_grid(30)
    assert channels.block_intervals(rules(), 15) == 4 and channels.block_intervals(rules(min_channel_block_min=0), 15) == 0


# --------------------------------------------------------------------------- #
# the validator and the counts, on roster tables
# --------------------------------------------------------------------------- #
def test_validator_flags_a_15_minute_stretch():
    lr, a = _one_day_rules(), agent(0, skills=BOTH)
    roster = _hand_shift(a, lr, [(0, "voice"), (120, "chat"), (135, "voice")])  # chat 10:00-10:15
    v = validate_roster(roster, [a], lr, interval_min=STEP_MIN)
    assert _rules_of(v) == [channels.CHANNEL_BLOCK]
    assert len(v) == 1 and v[0].agent_id == "A00" and v[0].where == WEEK.isoformat()
    assert "chat from 10:00 to 10:15 lasts 15 min" in str(v[0])  # site local time
    # the same stretch of an hour keeps the rule
    assert validate_roster(_hand_shift(a, lr, [(0, "voice"), (120, "chat"), (180, "voice")]), [a], lr, interval_min=STEP_MIN) == []


def test_validator_flags_a_five_switch_shift():
    lr, a = _one_day_rules(), agent(0, skills=BOTH)
    hops = [(60 * k, ("voice", "chat")[k % 2]) for k in range(6)]  # hourly stretches: five switches
    v = validate_roster(_hand_shift(a, lr, hops), [a], lr, interval_min=STEP_MIN)
    assert _rules_of(v) == [channels.CHANNEL_SWITCHES] and "5 changes of channel" in str(v[0])
    assert validate_roster(_hand_shift(a, lr, hops[:4]), [a], lr, interval_min=STEP_MIN) == []  # three switches
    assert validate_roster(_hand_shift(a, lr, hops), [a], rules(contract_kw={"min_week_h": 0}, max_channel_switches=5),
                           interval_min=STEP_MIN) == []


def test_a_break_between_two_stretches_on_one_channel_is_no_switch():
    lr, a = _one_day_rules(), agent(0, skills=BOTH)
    rows = shift_rows(a, WEEK, "08:00", lr)
    brk = next(r for r in rows if r["activity"] == "break")
    # the shift written as two voice rows, cut at its first break (as a planner may edit it), and a short chat stretch
    # right after a break: the break belongs to the stretch before it, so chat lasts from the break's end
    parts = [(0, "voice"), (int((brk["end_utc"] - rows[0]["start_utc"]).total_seconds() // 60), "voice")]
    per = channels.switches_per_shift(_hand_shift(a, lr, parts))
    assert per[["stretches", "switches"]].values.tolist() == [[1, 0]]
    assert validate_roster(_hand_shift(a, lr, parts), [a], lr, interval_min=STEP_MIN) == []
    st = channels.stretches(_hand_shift(a, lr, parts))
    assert len(st) == 1 and st["minutes"].iloc[0] == 8.5 * 60  # breaks and lunch inside the stretch count on the clock


def test_switches_per_shift_and_the_kpis_count():
    lr, a, b = _one_day_rules(), agent(0, skills=BOTH), agent(1, skills=BOTH)
    five = _hand_shift(a, lr, [(60 * k, ("voice", "chat")[k % 2]) for k in range(6)])
    two = _hand_shift(b, lr, [(0, "chat"), (60, "voice"), (180, "chat")])
    one_day_later = _hand_shift(b, lr, [(0, "voice")]).assign(
        local_date=(WEEK + dt.timedelta(days=1)).isoformat(),
        start_utc=lambda d: d["start_utc"] + pd.Timedelta(days=1), end_utc=lambda d: d["end_utc"] + pd.Timedelta(days=1))
    roster = pd.concat([five, two, one_day_later], ignore_index=True)
    per = channels.switches_per_shift(roster)
    assert per.values.tolist() == [["A00", WEEK.isoformat(), 6, 5, 60.0], ["A01", WEEK.isoformat(), 3, 2, 60.0],
                                   ["A01", (WEEK + dt.timedelta(days=1)).isoformat(), 1, 0, 8.5 * 60]]
    assert channels.switch_stats(roster, lr) == (7, 7 / 3, 5, 1)
    cov = pd.DataFrame({"ds": pd.to_datetime([], utc=True), "channel": [], "required": [], "scheduled": []})
    nan = float("nan")
    k = roster_kpis(roster, cov, lr, [a, b], pd.Timedelta(minutes=15), objective=nan, bound=nan, gap=nan, status="HEURISTIC",
                    build_s=nan, first_solution_s=nan, first_objective=nan, search_objective=nan, solve_s=nan, variables=0,
                    bound_short_agent_h=nan, bound_at_work_agent_h=nan, bound_s=nan, unreachable_agent_h=0.0, violations=0,
                    finish_s=nan)
    assert (k.channel_switches, k.switches_per_shift_max, k.shifts_over_max_switches) == (7, 5, 1)
    assert k.switches_per_shift_mean == pytest.approx(7 / 3)
    assert channels.switches_per_shift(roster.iloc[:0]).empty
    # as read back from roster.csv: timestamps as text
    text = roster.assign(start_utc=roster["start_utc"].map(lambda t: t.isoformat()), end_utc=roster["end_utc"].map(lambda t: t.isoformat()))
    assert channels.switches_per_shift(text).equals(per)


# --------------------------------------------------------------------------- #
# one shift of the search
# --------------------------------------------------------------------------- #
def test_best_sequence_is_the_best_under_the_rules_against_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(150):
        n_c, n = int(rng.integers(2, 4)), int(rng.integers(1, 9))
        idx = np.sort(rng.choice(12, size=n, replace=False))
        start, end = int(idx[0]) - int(rng.integers(0, 2)), int(idx[-1]) + 1 + int(rng.integers(0, 2))
        block, most = int(rng.integers(0, 4)), int(rng.integers(0, 3))
        value = rng.integers(0, 3, size=(n_c, n)).astype(float)
        best = max(value[list(seq), np.arange(n)].sum() for seq in itertools.product(range(n_c), repeat=n)
                   if channels.sequence_ok(np.array(seq), idx, start, end, block, most))
        got = channels.best_sequence(value, idx, start, end, block, most)
        assert channels.sequence_ok(got, idx, start, end, block, most)
        assert value[got, np.arange(n)].sum() == pytest.approx(best)


def test_best_sequence_switches_only_for_a_gain():
    idx = np.arange(8)
    value = np.zeros((2, 8))
    assert channels.best_sequence(value, idx, 0, 8, 2, 3).tolist() == [0] * 8
    value[0, :4], value[1, 4:] = 1.0, 1.0
    assert channels.best_sequence(value, idx, 0, 8, 2, 3).tolist() == [0] * 4 + [1] * 4
    value[0, 4:] = 1.0  # staying gains as much: no switch
    assert channels.best_sequence(value, idx, 0, 8, 2, 3).tolist() == [0] * 8
    value = np.zeros((2, 8))
    value[0, ::2], value[1, 1::2] = 1.0, 1.0  # alternating worth: blocks of 4 allow at most one switch
    got = channels.best_sequence(value, idx, 0, 8, 4, 3)
    assert len(channels.sequence_stretches(got, idx, 0, 8)) <= 2


# --------------------------------------------------------------------------- #
# the heuristic's channels, CP-SAT and the whole search never break the rules
# --------------------------------------------------------------------------- #
def _hops(roster):
    st = channels.stretches(roster)
    n = st.groupby(["agent_id", "local_date"])["channel"].transform("size")
    return st[n > 1]


def test_heuristic_channels_keep_blocks_where_coverage_asks_for_hops():
    lr = _one_day_rules()
    agents = [agent(i, skills=BOTH) for i in range(2)]
    req = _hopping(days=(0, 1, 2))
    s = state(agents, lr, req)
    construct(s)
    assert not keeps_blocks(s, free_channels(s))  # the relaxation hops every quarter hour
    exact_channels(s)
    chans = {(a, d): st.chan[d][1] for a, st in enumerate(s.state) for d in st.shifts}
    assert chans and keeps_blocks(s, chans) and keeps_blocks(s, assign_channels(s))
    roster = roster_frame(s, chans, agents)
    assert validate_roster(roster, agents, lr, interval_min=STEP_MIN) == []
    assert (_hops(roster)["minutes"] >= 60).all()
    assert channels.switches_per_shift(roster)["switches"].max() <= 3


def test_cp_sat_keeps_blocks_and_switches_and_covers_what_it_counts():
    lr = _one_day_rules(max_channel_switches=2)
    agents = [agent(i, skills=BOTH) for i in range(2)]
    req = _hopping(days=(0,))
    s, m, solver, roster = solve_model(agents, lr, req, optimal=False)
    assert validate_roster(roster, agents, lr, interval_min=STEP_MIN) == []
    per = channels.switches_per_shift(roster)
    assert len(per) and per["switches"].max() <= 2 and (_hops(roster)["minutes"] >= 60).all()
    # what the model counts as covered is what the roster covers
    short_model = sum(solver.Value(v) for _, v in m.terms["understaffing"])
    assert short_model == int(np.maximum(s.rem, 0).sum())


def test_solve_roster_never_hops_on_a_small_instance():
    lr = _one_day_rules()
    agents = [agent(i, skills=BOTH) for i in range(3)]
    req = _hopping(days=(0, 2, 4))
    res = solve(req, agents, lr)
    assert validate_roster(res.roster, agents, lr, interval_min=STEP_MIN, week_start=WEEK) == []
    assert (_hops(res.roster)["minutes"] >= 60).all()
    k = res.kpis
    assert k.shifts_over_max_switches == 0 and k.switches_per_shift_max <= 3
    assert k.channel_block_cost_agent_h > 0  # covering quarter-hour hops in hour blocks costs cover, and the roster says so
    assert grid_of(req).interval_min == STEP_MIN
