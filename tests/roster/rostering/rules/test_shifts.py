"""Hard rules of single shifts: start windows and the site clock, lengths and types, skills, time off, one a day, rest."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError
from roster.schema import TimeOff
from roster.rostering.continuity import earlier_shifts
from roster.rostering.rules import shifts
from roster.rostering.validation import validate_roster
from tests.roster.rostering.factory import (
    CFG, NY, WEEK, agent, previous_roster, requirements, roster_of, rules, shift_rows, solve, solve_model, valid,
)


def test_feasible_each_channel_is_served_by_agents_with_the_skill():
    lr = rules()
    agents = [agent(0, skills=("voice",)), agent(1, skills=("email",)), agent(2, skills=("voice", "email"))]
    res = solve(requirements(level=1, channels=("voice", "email")), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr)
    assert set(shifts.loc[shifts["agent_id"] == "A00", "channel"]) <= {"voice"}
    assert set(shifts.loc[shifts["agent_id"] == "A01", "channel"]) <= {"email"}


def test_a_channel_nobody_can_serve_is_reported_short_not_infeasible():
    lr = rules()
    agents = [agent(0, skills=("voice",))]
    res = solve(requirements(level=1, channels=("voice", "social")), agents, lr, week_start=WEEK, config=CFG)
    valid(res, agents, lr)
    short = res.coverage[(res.coverage["channel"] == "social") & (res.coverage["required"] > 0)]
    assert (short["scheduled"] == 0).all() and len(short) > 0


def test_start_windows_follow_the_agent_override_in_local_time():
    lr = rules()
    agents = [agent(0, earliest_start=dt.time(12), latest_start=dt.time(13))]
    res = solve(requirements(level=1, hours=(8, 23)), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr)
    local = shifts["start_utc"].dt.tz_convert("America/New_York")
    assert (local.dt.hour >= 12).all() and (local.dt.hour <= 13).all()


def test_a_week_of_time_off_means_no_shifts_and_no_minimum():
    lr = rules()
    off = [TimeOff(agent_id="A00", start=pd.Timestamp("2026-05-31T00:00Z").to_pydatetime(), end=pd.Timestamp("2026-06-09T00:00Z").to_pydatetime())]
    agents = [agent(0), agent(1)]
    res = solve(requirements(level=1), agents, lr, off, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr, off)
    assert "A00" not in set(shifts["agent_id"])
    assert len(shifts[shifts["agent_id"] == "A01"]) > 0


def test_feasible_never_two_shifts_on_a_local_day():
    lr = rules()
    agents = [agent(0)]
    res = solve(requirements(level=1, hours=(0, 24)), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr)
    assert shifts.groupby("local_date").size().max() == 1
    assert res.kpis.under_agent_intervals > 0  # one agent cannot cover 24 hours: reported, not infeasible


def test_validator_flags_two_shifts_on_one_day():
    lr = rules()
    t = pd.Timestamp("2026-06-01T10:00Z")
    bad = pd.DataFrame({"agent_id": ["A00"] * 2, "site_tz": ["America/New_York"] * 2, "local_date": ["2026-06-01"] * 2, "activity": ["shift"] * 2,
                        "channel": ["voice"] * 2, "start_utc": [t, t + pd.Timedelta(hours=9)], "end_utc": [t + pd.Timedelta(hours=8.5), t + pd.Timedelta(hours=17.5)], "paid_h": [8.0, 8.0]})
    assert any("shift of 17.5 h" in str(p) for p in validate_roster(bad, [agent(0)], lr, interval_min=15))


def test_feasible_rest_holds_when_demand_pulls_shifts_late_then_early():
    lr = rules(contract_kw={"latest_start": "15:30"})
    agents = [agent(i) for i in range(3)]
    res = solve(requirements(level=2, hours=(6, 24)), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr).sort_values(["agent_id", "start_utc"])
    for _, g in shifts.groupby("agent_id"):
        gaps = (g["start_utc"].iloc[1:].to_numpy() - g["end_utc"].iloc[:-1].to_numpy()) / pd.Timedelta(hours=1)
        assert (gaps >= 11).all()


def test_infeasible_rest_names_the_agent_and_the_rule():
    # 30 h rest after 8.5 h shifts that start 06:00-14:00: a shift every other day, four a week, 32 paid hours
    lr = rules(min_rest_h=30, contract_kw={"min_week_h": 40, "max_week_h": 40})
    with pytest.raises(InputError, match=r"agent A00: contract 'ft' needs at least 40.0 paid hours a week; with min_rest_h = 30"):
        solve(requirements(), [agent(0)], lr, week_start=WEEK, config=CFG)


def test_rules_whose_rest_leaves_no_room_for_the_weekly_minimum_are_refused():
    # 40 h rest after shifts of 8.5 h: whatever the start window, at most 4 shifts fit in a week (34 h), fewer than 40
    with pytest.raises(ValueError, match=r"contract 'ft' needs min_week_h = 40 h a week, but with min_rest_h = 40 h after shifts of "
                                         r"at least 8.5 h at most 4 shift\(s\) fit in a week, 34 h at most"):
        rules(min_rest_h=40, contract_kw={"min_week_h": 40, "max_week_h": 40})


# the validator rejects each broken rule, by its name (a roster that keeps every other rule)
def test_validator_rejects_a_shift_in_time_off():
    lr = rules(contract_kw={"min_week_h": 0})
    roster = roster_of(shift_rows(agent(0), WEEK, "08:00", lr))  # 12:00Z to 20:30Z
    off = [TimeOff(agent_id="A00", start=pd.Timestamp("2026-06-01T20:00Z").to_pydatetime(), end=pd.Timestamp("2026-06-02T04:00Z").to_pydatetime())]
    problems = validate_roster(roster, [agent(0)], lr, off, week_start=WEEK, interval_min=15)
    assert [p.rule for p in problems] == [shifts.TIME_OFF]
    assert str(problems[0]).startswith("time off: A00 2026-06-01: shift overlaps time off 2026-06-01 20:00Z")
    assert validate_roster(roster, [agent(0)], lr, [TimeOff(agent_id="A01", start=off[0].start, end=off[0].end)], week_start=WEEK, interval_min=15) == []


def test_validator_rejects_too_little_rest():
    lr = rules(contract_kw={"min_week_h": 0})
    roster = roster_of(shift_rows(agent(0), WEEK, "14:00", lr) + shift_rows(agent(0), WEEK + dt.timedelta(days=1), "06:00", lr))
    problems = validate_roster(roster, [agent(0)], lr, week_start=WEEK, interval_min=15)
    assert [p.rule for p in problems] == [shifts.MIN_REST]
    assert "7.5 h rest, rules need 11 h" in str(problems[0])


def test_validator_rejects_starts_outside_the_window_or_off_the_start_grid():
    lr = rules(contract_kw={"min_week_h": 0})
    for start in ("05:30", "08:15"):  # before 06:00; not on the 30-minute grid
        problems = validate_roster(roster_of(shift_rows(agent(0), WEEK, start, lr)), [agent(0)], lr, week_start=WEEK, interval_min=15)
        assert [p.rule for p in problems] == [shifts.START_WINDOW], start


# daylight-saving changes: a start that does not exist or is ambiguous is never offered, and the validator rejects it
def _local_starts(day: dt.date, earliest: str, latest: str) -> list[str]:
    starts = shifts.shift_starts(NY, dt.time.fromisoformat(earliest), dt.time.fromisoformat(latest), 30, day, 1)
    return [f"{s.tz_convert(NY):%H:%M}" for _, _, s in starts]


def test_no_start_in_the_skipped_hour_of_spring_forward():
    # 2026-03-08 02:00-03:00 does not exist in New York
    assert _local_starts(dt.date(2026, 3, 8), "00:30", "04:00") == ["00:30", "01:00", "01:30", "03:00", "03:30", "04:00"]
    assert shifts.local_start_utc(dt.date(2026, 3, 8), 150, NY) is None
    assert shifts.local_start_utc(dt.date(2026, 3, 8), 180, NY) == pd.Timestamp("2026-03-08T07:00Z")


def test_no_start_in_the_repeated_hour_of_fall_back():
    # 2026-11-01 01:00-02:00 happens twice in New York
    assert _local_starts(dt.date(2026, 11, 1), "00:00", "02:30") == ["00:00", "00:30", "02:00", "02:30"]
    assert shifts.local_start_utc(dt.date(2026, 11, 1), 90, NY) is None
    assert shifts.local_start_utc(dt.date(2026, 11, 1), 120, NY) == pd.Timestamp("2026-11-01T07:00Z")


def test_validator_rejects_a_start_in_the_repeated_hour():
    lr = rules(contract_kw={"min_week_h": 0, "earliest_start": "00:00"})
    day = dt.date(2026, 11, 1)
    for start in (pd.Timestamp("2026-11-01T05:30Z"), pd.Timestamp("2026-11-01T06:30Z")):  # 01:30 EDT, then 01:30 EST
        problems = validate_roster(roster_of(shift_rows(agent(0), day, start, lr)), [agent(0)], lr, interval_min=15)
        assert [p.rule for p in problems] == [shifts.START_WINDOW]
        assert "repeated hour" in str(problems[0])
    assert validate_roster(roster_of(shift_rows(agent(0), day, pd.Timestamp("2026-11-01T07:00Z"), lr)), [agent(0)], lr, interval_min=15) == []


def test_solved_model_keeps_one_shift_a_day_and_rest():
    # a late shift one day and an early one the next would clash: rest decides
    lr = rules(contract_kw={"min_week_h": 24, "earliest_start": "06:00", "latest_start": "14:00"}, shift_start_step_min=120)
    agents = [agent(0), agent(1)]
    req = requirements(level=1, hours=(6, 23))
    s, m, solver, roster = solve_model(agents, lr, req, time_limit_s=5, optimal=False)
    assert validate_roster(roster, agents, lr, week_start=WEEK, interval_min=15) == []
    for a in range(len(agents)):
        model_days = {d for (ai, d), w in m.work.items() if ai == a and solver.Value(w)}
        assert model_days == set(s.state[a].shifts)
        assert len(roster[(roster["agent_id"] == agents[a].agent_id) & (roster["activity"] == "shift")]["local_date"].unique()) == len(model_days)


# rest between ANY two shifts of an agent, not only those of adjacent days
def _two_days_apart():
    """One agent, a 36 h rest: a Monday late shift (14:00-22:30) and a Wednesday early one (06:00) are 31.5 h apart.

    The requirement asks for exactly those two shifts (nothing on Tuesday), so a search that checks rest only
    between adjacent days works both.
    """
    lr = rules(min_rest_h=36, contract_kw={"min_week_h": 0})
    req = requirements(level=1, hours=(6, 23))
    local = req["ds"].dt.tz_convert(NY)
    hour, day = local.dt.hour + local.dt.minute / 60, (local.dt.normalize().dt.date - WEEK).map(lambda d: d.days)
    want = ((day == 0) & (hour >= 14) & (hour < 22.5)) | ((day == 2) & (hour >= 6) & (hour < 14.5))
    req["agents_required"] = want.astype(int)
    return [agent(0)], lr, req


def _rested_36h(shift_rows_):
    spans = shift_rows_.groupby("local_date").agg(start=("start_utc", "min"), end=("end_utc", "max")).sort_values("start")
    assert len(spans) >= 1
    for (_, a), (_, b) in zip(spans.iterrows(), spans.iloc[1:].iterrows()):
        assert b["start"] - a["end"] >= pd.Timedelta(hours=36)


def test_heuristic_keeps_rest_with_a_shift_two_days_before():
    agents, lr, req = _two_days_apart()
    res = solve(req, agents, lr, week_start=WEEK, config=CFG.model_copy(update={"exact_max_options": 0, "bound": False}))
    _rested_36h(valid(res, agents, lr))


def test_cp_sat_keeps_rest_with_a_shift_two_days_before():
    agents, lr, req = _two_days_apart()
    *_, roster = solve_model(agents, lr, req, time_limit_s=10)
    assert validate_roster(roster, agents, lr, week_start=WEEK, interval_min=15) == []
    _rested_36h(roster[roster["activity"] == "shift"])


def test_rest_mask_keeps_rest_with_every_shift_given_also_one_outside_the_roster():
    hour = pd.Timedelta(hours=1).value
    starts = np.array([0, 20, 40]) * hour
    ends = starts + 8 * hour
    # a shift fixed outside the roster (a previous roster's, say) from -12 h to -4 h: 11 h rest needs a start from 7 h
    previous = [(-12 * hour, -4 * hour)]
    assert shifts.rest_mask(starts, ends, previous, 11 * hour).tolist() == [False, True, True]
    # and shifts on both sides of a candidate: 20-28 h is 12 h after 0-8 h and 12 h before 40-48 h
    assert shifts.rest_mask(starts, ends, [(0, 8 * hour), (40 * hour, 48 * hour)], 12 * hour).tolist() == [False, True, False]


def test_validator_finds_too_little_rest_after_a_long_shift_two_shifts_back():
    # Monday 14:00 to Tuesday 06:00 (16 h), Tuesday 00:00-04:00 inside it, Wednesday 00:00: Wednesday's shift is 20 h after
    # the one just before it but only 18 h after Monday's, which ends later; with 19 h rest both Tuesday and Wednesday clash
    lr = rules(min_rest_h=19, contract_kw={"min_week_h": 0, "shift_lengths_h": [4, 16], "earliest_start": "00:00", "latest_start": "14:00"})
    a = agent(0)
    roster = roster_of(shift_rows(a, WEEK, "14:00", lr, length_h=16) + shift_rows(a, WEEK + dt.timedelta(days=1), "00:00", lr, length_h=4)
                       + shift_rows(a, WEEK + dt.timedelta(days=2), "00:00", lr, length_h=4))
    problems = [p for p in validate_roster(roster, [a], lr, week_start=WEEK, interval_min=15) if p.rule == shifts.MIN_REST]
    assert [p.where for p in problems] == ["2026-06-02", "2026-06-03"]
    assert "18.0 h rest, rules need 19 h (after the shift of 2026-06-01)" in str(problems[1])


@pytest.mark.parametrize("exact", [False, True], ids=["heuristic", "cp-sat"])
def test_rest_is_kept_with_a_previous_roster_s_shift(exact, tmp_path):
    # a previous roster's Sunday 14:00-22:30 shift and 36 h rest: nothing before Tuesday 10:30 local
    lr = rules(min_rest_h=36, contract_kw={"min_week_h": 0})
    sunday = shift_rows(agent(0), WEEK - dt.timedelta(days=1), "14:00", lr)
    assert sunday[0]["end_utc"] == pd.Timestamp("2026-05-31 22:30", tz=NY)
    previous = previous_roster(sunday, tmp_path / "roster.csv", [agent(0)], lr)
    cfg = CFG.model_copy(update={"bound": False, **({} if exact else {"exact_max_options": 0})})
    res = solve(requirements(level=1, hours=(6, 15)), [agent(0)], lr, week_start=WEEK, config=cfg, previous=previous)
    rows = valid(res, [agent(0)], lr)
    assert len(rows) and rows["start_utc"].min() >= sunday[0]["end_utc"] + pd.Timedelta(hours=36)
    earlier = earlier_shifts(previous, [agent(0)], WEEK).shifts
    assert validate_roster(res.roster, [agent(0)], lr, week_start=WEEK, interval_min=15, earlier=earlier) == []
    assert (res.kpis.status in ("OPTIMAL", "FEASIBLE")) == exact
