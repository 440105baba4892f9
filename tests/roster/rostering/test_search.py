"""Roster solver on small instances; every roster is checked by the validator."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError
from roster.schema import Agent, BreakRules, Contract, LabourRules, TimeOff
from roster.rostering import SolverConfig, roster_span
from roster.rostering.validation import validate_roster
from tests.roster.rostering.factory import solve

CFG = SolverConfig(time_limit_s=10, workers=2, seed=1)


def rules(**kw):
    contracts = {
        "ft": Contract(min_week_h=24, max_week_h=40, max_days_per_week=5, shift_lengths_h=[8.5], earliest_start=dt.time(6), latest_start=dt.time(14), hourly_cost=20),
        "pt": Contract(min_week_h=0, max_week_h=24, max_days_per_week=5, shift_lengths_h=[4, 6], earliest_start=dt.time(8), latest_start=dt.time(18), hourly_cost=18),
    }
    base = dict(shift_start_step_min=30, min_rest_h=11, max_days_per_week=5, max_consecutive_days=6, min_days_off_per_week=2,
                breaks=BreakRules(break_min=15, break_every_h=2.5, lunch_min=30, lunch_from_shift_h=6, earliest_break_after_h=1.5, latest_break_before_end_h=1.0),
                contracts=contracts)
    base.update(kw)
    return LabourRules(**base)


def agent(i, tz="America/New_York", contract="ft", skills=("voice",), **kw):
    return Agent(agent_id=f"A{i:02d}", site="S", site_tz=tz, contract=contract, skills=skills, **kw)


def requirements(week_start, zones, level=None, channels=("voice",), open_h=(9, 17), local_tz="America/New_York"):
    span = roster_span(week_start, 1, zones)
    ds = pd.date_range(span[0], span[1], freq="15min", inclusive="left")
    local_h = ds.tz_convert(local_tz).hour
    rows = []
    for c in channels:
        req = np.where((local_h >= open_h[0]) & (local_h < open_h[1]), level or 2, 0)
        rows.append(pd.DataFrame({"ds": ds, "channel": c, "agents_required": req}))
    return pd.concat(rows, ignore_index=True)


def check(result, agents, lr, time_off=(), week_start=None):
    assert validate_roster(result.roster, agents, lr, time_off, week_start=week_start, interval_min=15) == []
    assert result.kpis.violations == 0
    # the search's own objective bookkeeping agrees with the validator's recount from the roster table
    assert result.kpis.search_objective == pytest.approx(result.kpis.objective)


def test_small_instance_is_covered_and_valid():
    lr = rules()
    ws = dt.date(2026, 6, 1)
    agents = [agent(i) for i in range(6)]
    req = requirements(ws, ["America/New_York"], level=2)
    res = solve(req, agents, lr, week_start=ws, config=CFG)
    check(res, agents, lr, week_start=ws)
    assert res.kpis.under_agent_intervals <= req["agents_required"].sum() * 0.1
    assert set(res.roster["activity"]) == {"shift", "break", "lunch"}
    assert res.kpis.gap >= 0 and res.kpis.status in ("OPTIMAL", "FEASIBLE")


def test_skills_and_time_off_are_respected():
    lr = rules()
    ws = dt.date(2026, 6, 1)
    agents = [agent(0, skills=("voice",)), agent(1, skills=("chat",)), agent(2, skills=("voice", "chat"))]
    off = [TimeOff(agent_id="A02", start=pd.Timestamp("2026-06-01T00:00Z").to_pydatetime(), end=pd.Timestamp("2026-06-04T00:00Z").to_pydatetime())]
    req = requirements(ws, ["America/New_York"], level=1, channels=("voice", "chat"))
    res = solve(req, agents, lr, off, week_start=ws, config=CFG)
    check(res, agents, lr, off, week_start=ws)
    a2 = res.roster[(res.roster["agent_id"] == "A02") & (res.roster["activity"] == "shift")]
    assert (a2["start_utc"] >= pd.Timestamp("2026-06-04T00:00Z")).all()


def test_not_enough_agents_still_gives_a_roster_and_reports_the_shortfall():
    lr = rules()
    ws = dt.date(2026, 6, 1)
    agents = [agent(0)]
    req = requirements(ws, ["America/New_York"], level=3)
    res = solve(req, agents, lr, week_start=ws, config=CFG)
    check(res, agents, lr, week_start=ws)
    assert res.kpis.under_agent_intervals > 0
    assert (res.coverage["required"] > res.coverage["scheduled"]).any()
    assert any("cannot cover" in n for n in res.notes)


def _ft(**kw) -> Contract:
    base = dict(min_week_h=24, max_week_h=40, max_days_per_week=5, shift_lengths_h=[8.5], earliest_start=dt.time(6), latest_start=dt.time(14), hourly_cost=20)
    return Contract(**{**base, **kw})


def test_contradicting_rules_name_the_agent_and_the_rule():
    # 3 days of 8.5 h spans could hold 25 h, so the rules file passes; but the unpaid lunch leaves 3 x 8 = 24 paid hours
    lr = rules(max_days_per_week=3, contracts={"ft": _ft(min_week_h=25)})
    ws = dt.date(2026, 6, 1)
    agents = [agent(0)]
    with pytest.raises(InputError, match="agent A00: contract 'ft' needs at least 25.0 paid hours"):
        solve(requirements(ws, ["America/New_York"]), agents, lr, week_start=ws, config=CFG)


def test_rules_that_cannot_hold_a_contract_minimum_are_refused_before_any_solve():
    with pytest.raises(ValueError, match=r"contract 'ft' needs min_week_h = 24 h a week, but at most 2 working day\(s\) a week"):
        rules(max_days_per_week=2)


def test_the_contradiction_quotes_the_minimum_as_enforced():
    # 30 h rest after 8.5 h shifts starting 06:00-14:00: a shift every other day; with Monday off, three (24 paid hours)
    lr = rules(min_rest_h=30, contracts={"ft": _ft(min_week_h=35)})
    ws = dt.date(2026, 6, 1)
    agents = [agent(0)]
    off = [TimeOff(agent_id="A00", start=pd.Timestamp("2026-06-01T04:00Z").to_pydatetime(), end=pd.Timestamp("2026-06-02T04:00Z").to_pydatetime())]
    # Monday off: 35 h x 6 / 7 = 30 h, the minimum enforced (and checked by the validator)
    with pytest.raises(InputError, match="agent A00: contract 'ft' needs at least 30.0 paid hours"):
        solve(requirements(ws, ["America/New_York"]), agents, lr, off, week_start=ws, config=CFG)


def test_rest_and_days_off_hold_with_a_247_requirement_across_two_sites():
    lr = rules()
    ws = dt.date(2026, 6, 1)
    zones = ["America/New_York", "Europe/Lisbon"]
    agents = [agent(i, tz=zones[i % 2], contract="ft" if i % 3 else "pt", skills=("voice", "chat")) for i in range(12)]
    req = requirements(ws, zones, level=2, channels=("voice", "chat"), open_h=(0, 24))
    res = solve(req, agents, lr, week_start=ws, config=CFG)
    check(res, agents, lr, week_start=ws)
    shifts = res.roster[res.roster["activity"] == "shift"]
    assert set(shifts["site_tz"]) == set(zones)
    own = shifts[shifts["local_date"] >= ws.isoformat()]  # the days before are the week before's boundary shifts
    assert own.groupby("agent_id")["local_date"].nunique().max() <= 5


def test_a_dst_week_keeps_true_shift_lengths_and_local_start_windows():
    lr = rules()
    ws = dt.date(2026, 3, 2)  # New York springs forward on Sunday 8 March 2026
    agents = [agent(i) for i in range(5)]
    req = requirements(ws, ["America/New_York"], level=2, open_h=(7, 20))
    res = solve(req, agents, lr, week_start=ws, config=CFG)
    check(res, agents, lr, week_start=ws)
    shifts = res.roster[res.roster["activity"] == "shift"]
    lengths = (shifts["end_utc"] - shifts["start_utc"]).dt.total_seconds() / 3600
    assert (lengths == 8.5).all()
    starts = shifts["start_utc"].dt.tz_convert("America/New_York")
    assert ((starts.dt.hour >= 6) & (starts.dt.hour <= 14)).all()


def test_validator_catches_broken_rules():
    lr = rules()
    agents = [agent(0)]
    t = pd.Timestamp("2026-06-01T10:00Z")  # 06:00 New York
    bad = pd.DataFrame(
        {
            "agent_id": ["A00", "A00"], "site_tz": ["America/New_York"] * 2, "local_date": ["2026-06-01", "2026-06-02"],
            "activity": ["shift", "shift"], "channel": ["chat", "voice"],
            "start_utc": [t, t + pd.Timedelta(hours=13)], "end_utc": [t + pd.Timedelta(hours=7), t + pd.Timedelta(hours=21.5)],
            "paid_h": [7.0, 8.0],
        }
    )
    problems = validate_roster(bad, agents, lr, interval_min=15)
    text = "\n".join(map(str, problems))
    assert "without the skill" in text
    assert "shift of 7 h" in text
    assert "h rest" in text


def test_weekends_are_shared_when_cover_allows():
    lr = rules()
    ws = dt.date(2026, 6, 1)
    agents = [agent(i) for i in range(8)]
    req = requirements(ws, ["America/New_York"], level=2)
    res = solve(req, agents, lr, week_start=ws, config=CFG)
    check(res, agents, lr, week_start=ws)
    shifts = res.roster[res.roster["activity"] == "shift"]
    weekend = shifts[pd.to_datetime(shifts["local_date"]).dt.day_of_week >= 5]
    assert weekend.groupby("agent_id")["local_date"].nunique().max() <= 1
    pen = res.penalties.set_index("penalty")
    assert pen.loc["weekend days beyond one a week", "count"] == 0


def _roster_bytes(result, path) -> bytes:
    from roster.rostering.export import write_roster_csv

    return write_roster_csv(result.roster, path).read_bytes()


@pytest.mark.parametrize(("exact", "effort"), [(False, 6), (True, 20)], ids=["heuristic", "cp-sat"])
def test_the_same_inputs_and_seed_give_the_same_roster_csv(tmp_path, exact, effort):
    # a work budget, with every core as the plan uses (workers=0), the coverage programme in its thread: twice the same bytes
    from tests.roster.rostering.factory import random_instance

    agents, lr, req, _ = random_instance(4)
    # (with the channel block rules in the model, CP-SAT needs some deterministic time to beat the heuristic's roster)
    cfg = SolverConfig(time_limit_s=120, workers=0, seed=7, effort=effort, exact_max_options=10**6 if exact else 0)
    runs = [solve(req, agents, lr, week_start=dt.date(2026, 6, 1), config=cfg) for _ in range(2)]
    assert _roster_bytes(runs[0], tmp_path / "a.csv") == _roster_bytes(runs[1], tmp_path / "b.csv")
    assert {r.kpis.search_ended_by for r in runs} <= {"work budget", "converged"}
    assert runs[0].kpis.status == runs[1].kpis.status and (runs[0].kpis.status in ("OPTIMAL", "FEASIBLE")) == exact


def test_a_roster_the_validator_rejects_is_never_returned(monkeypatch):
    # whatever the search built, a roster that still breaks a hard rule after the repair names agent, date and rule
    from roster.rostering import search
    from roster.rostering.rules import Violation

    monkeypatch.setattr(search, "validate_roster", lambda roster, agents, *a, **k: [Violation("minimum rest", agents[0].agent_id, "2026-06-02", "7.5 h rest, rules need 11 h")])
    ws = dt.date(2026, 6, 1)
    with pytest.raises(InputError, match=r"roster: agent A00 2026-06-02: rule 'minimum rest': 7.5 h rest, rules need 11 h; "
                                         r"the solver could not repair it, so no roster was written"):
        solve(requirements(ws, ["America/New_York"]), [agent(0), agent(1)], rules(), week_start=ws, config=CFG.model_copy(update={"bound": False}))


def test_a_broken_rule_is_repaired_by_rebuilding_the_agents_week(monkeypatch):
    # the first check finds a violation (as a search that broke a rule would); the agent's week is rebuilt and checked again
    from roster.rostering import search
    from roster.rostering.rules import Violation

    real, calls = search.validate_roster, []

    def first_bad(roster, agents, *a, **k):
        calls.append(1)
        found = real(roster, agents, *a, **k)
        return found + [Violation("minimum rest", "A01", "2026-06-02", "made up")] if len(calls) == 1 else found

    monkeypatch.setattr(search, "validate_roster", first_bad)
    ws = dt.date(2026, 6, 1)
    agents = [agent(0), agent(1)]
    res = solve(requirements(ws, ["America/New_York"]), agents, rules(), week_start=ws, config=CFG.model_copy(update={"bound": False}))
    check(res, agents, rules(), week_start=ws)
    assert any("repaired 1 agent(s)" in n for n in res.notes)


def test_an_agent_whose_contract_cannot_fit_its_time_off_is_named_with_the_time_off_file_and_lines(tmp_path):
    # off from noon every day: only a 4 h shift from 06:00-08:00 fits, 5 days x 4 h = 20 paid hours, below the 24 h minimum
    from roster.io import load_time_off

    lr = rules(contracts={"ft": _ft(shift_lengths_h=[4, 8.5])})
    agents = [agent(0), agent(1)]
    days = pd.date_range("2026-06-01T16:00Z", periods=7, freq="D")
    (tmp_path / "time_off.csv").write_text("agent_id,start,end\n" + "".join(f"A00,{d:%Y-%m-%dT%H:%M}Z,{d + pd.Timedelta(hours=12):%Y-%m-%dT%H:%M}Z\n" for d in days))
    off = load_time_off(tmp_path / "time_off.csv", agents)
    ws = dt.date(2026, 6, 1)
    with pytest.raises(InputError) as info:
        solve(requirements(ws, ["America/New_York"]), agents, lr, off, week_start=ws, config=CFG)
    p = info.value.problems[0]
    assert (p.file, p.line) == ("time_off.csv", 2)
    assert p.message.startswith("agent A00: contract 'ft' needs at least 24.0 paid hours a week; at most 5 days a week, shifts of [4.0, 8.5] h "
                                "and the agent's availability allow at most 20.0 paid hours")
    assert p.message.endswith("(its time off in these weeks: time_off.csv line(s) 2, 3, 4, 5, 6, 7, 8)")
