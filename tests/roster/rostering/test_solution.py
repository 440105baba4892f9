"""RosterKpis: every figure the search reports, recomputed here from the roster and coverage tables alone."""

import math

import pytest
from pydantic import ValidationError

from forecast.tables import ROSTER
from roster.rostering import SolverConfig, roster_span
from roster.rostering.solution import RosterKpis
from tests.roster.rostering.factory import solve, WEEK, agent, requirements, rules, valid

INTERVAL_H = 0.25  # the factory's 15-minute grid


@pytest.fixture(scope="module")
def short_roster():
    """Three agents for two agents 08:00-18:00 every day: short somewhere, whatever the search does."""
    lr = rules()
    agents = [agent(i) for i in range(3)]
    req = requirements(level=2)
    res = solve(req, agents, lr, week_start=WEEK, config=SolverConfig(time_limit_s=4, workers=2, seed=1))
    return res, agents, lr, req


def test_kpis_are_the_roster_and_coverage_recounted(short_roster):
    res, agents, lr, req = short_roster
    k, ros, cov = res.kpis, res.roster, res.coverage
    shifts = valid(res, agents, lr)
    assert list(ros.columns) == list(ROSTER.names)

    short = (cov["required"] - cov["scheduled"]).clip(lower=0)
    assert k.under_agent_h > 0
    assert k.under_agent_h == pytest.approx(short.sum() * INTERVAL_H)
    assert k.under_agent_intervals == short.sum()
    assert k.intervals_understaffed == (short > 0).sum()
    assert k.over_agent_h == pytest.approx((cov["scheduled"] - cov["required"]).clip(lower=0).sum() * INTERVAL_H)

    span = roster_span(WEEK, 1, ["America/New_York"])
    in_span = req[(req["ds"] >= span[0]) & (req["ds"] < span[1])]
    assert k.required_agent_h == pytest.approx(in_span["agents_required"].sum() * INTERVAL_H)
    # agents at work on the channel from the roster's own rows: shift stretches less breaks and lunches
    hours = (ros["end_utc"] - ros["start_utc"]).dt.total_seconds() / 3600
    at_work_h = hours[ros["activity"] == "shift"].sum() - hours[ros["activity"] != "shift"].sum()
    assert k.scheduled_agent_h == pytest.approx(at_work_h)

    assert k.paid_h == pytest.approx(shifts["paid_h"].sum())
    assert k.cost == pytest.approx(k.paid_h * lr.contracts["ft"].hourly_cost)
    assert k.shifts == len(shifts[["agent_id", "local_date"]].drop_duplicates())
    assert k.agents_rostered == shifts["agent_id"].nunique()
    assert k.violations == 0 and k.channel_switches == 0  # one channel
    assert 0 < k.build_s <= k.first_solution_s <= k.solve_s


def test_gap_is_the_objective_against_the_bound(short_roster):
    k = short_roster[0].kpis
    assert k.objective == pytest.approx(k.search_objective)
    assert math.isfinite(k.bound) and k.bound <= k.objective + 1e-6
    assert k.gap == pytest.approx((k.objective - k.bound) / max(abs(k.objective), 1.0))
    assert k.bound_short_agent_h <= k.under_agent_h + 1e-6


def test_kpis_are_frozen_and_complete(short_roster):
    k = short_roster[0].kpis
    with pytest.raises(ValidationError):
        k.paid_h = 0.0
    with pytest.raises(ValidationError):  # no figure may be left out
        RosterKpis(**k.model_dump(exclude={"gap"}))
    assert all(f.description for f in RosterKpis.model_fields.values())


def test_no_bound_is_nan():
    lr = rules()
    agents = [agent(i) for i in range(3)]
    res = solve(requirements(level=1), agents, lr, week_start=WEEK,
                       config=SolverConfig(time_limit_s=2, workers=1, seed=1, bound=False))
    k = res.kpis
    assert math.isnan(k.bound) and math.isnan(k.gap) and math.isnan(k.bound_short_agent_h) and math.isnan(k.bound_s)
    assert math.isfinite(k.objective)
