"""Adopting a what-if scenario: the event's days re-rostered, every other shift kept, the event's service level before and after."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.scenario import PlannedEvent
from roster.io import load_scenario, parse_event_option
from roster.planning.adopt import adopt_plan, check_event, roster_fingerprint
from roster.planning.inputs import load_inputs
from roster.planning.plan import PlanSettings, run_plan
from roster.rostering.partial import free_days_of, shift_key
from roster.rostering.validation import validate_roster
from tests.conftest import write_small_sample

SETTINGS = PlanSettings(horizon_days=9, backtest=False, time_limit_s=5, workers=2, simulation_runs=2, interval_min=60)


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    """Eight weeks of the sample's history scaled down, 24 agents of two sites, on the hour: a plan whose team has room."""
    d = write_small_sample(tmp_path_factory.mktemp("adopt_data"), events=False)
    return run_plan(load_inputs(d, interval_min=60), SETTINGS)


def flash(plan, **kw) -> PlannedEvent:
    """A voice flash sale on the roster week's Wednesday afternoon, New York time."""
    values = dict(name="Flash sale", start=dt.datetime.combine(plan.week_start + dt.timedelta(days=2), dt.time(10)),
                  local_tz="America/New_York", duration_h=6, channels=("voice",), uplift=3.0)
    return PlannedEvent(**{**values, **kw})


@pytest.fixture(scope="module")
def adopted(plan):
    return adopt_plan(plan, flash(plan), keep_roster="outside_event")


def test_kept_shifts_outside_the_events_days_are_unchanged(plan, adopted):
    start, end = adopted.event.span_utc()
    changed = adopted.requirements.merge(plan.requirements, on=["ds", "channel"], suffixes=("", "_base"))
    changed = changed.loc[changed["agents_required"] != changed["agents_required_base"], "ds"]
    assert len(changed) and changed.min() >= start and changed.max() < end
    free = {d.isoformat() for d in free_days_of(changed.unique(), {a.site_tz for a in plan.inputs.agents})}
    cols = ["shift_id", "start", "end", "pauses", "channels"]
    base, new = shift_key(plan.roster.roster), shift_key(adopted.roster.roster)
    outside = base[~base["local_date"].isin(free)]
    assert len(outside) > len(base) // 2
    kept = outside[cols].merge(new[cols], on=cols)
    assert len(kept) == len(outside)  # same agent, day, times, breaks and channels
    # and nothing new outside the free days
    assert set(new.loc[~new["local_date"].isin(free), "shift_id"]) == set(outside["shift_id"])
    assert adopted.totals.shifts_kept >= len(outside)


def test_the_adopted_roster_keeps_every_hard_rule(plan, adopted):
    inp = plan.inputs
    assert validate_roster(adopted.roster.roster, inp.agents, inp.rules, inp.time_off, interval_min=15,
                           week_start=plan.week_start, weeks=plan.settings.weeks) == []


def test_the_events_service_level_after_adoption_is_at_least_before(adopted):
    ch = adopted.channels.set_index("channel")
    assert list(ch.index) == ["voice"]
    voice = ch.loc["voice"]
    assert voice["sl_after"] > voice["sl_before"], (voice["sl_before"], voice["sl_after"])
    assert voice["agents_after"] > voice["agents_before"]  # the re-rostered days put more agents on the event
    iv = adopted.event_service_level
    assert len(iv) == 6 and set(iv["channel"]) == {"voice"}  # the event's own six hours
    assert (iv["required_after"] >= iv["required_before"]).all()


def test_the_extra_cost_is_the_paid_hours_at_the_contracts_cost(plan, adopted):
    tot = adopted.totals
    assert tot.extra_cost == pytest.approx(adopted.roster.kpis.cost - plan.roster.kpis.cost)
    assert tot.extra_paid_h == pytest.approx(adopted.roster.kpis.paid_h - plan.roster.kpis.paid_h)
    summary = adopted.summary("USD")
    json.dumps(summary)  # what a saved scenario keeps is JSON as it is
    assert summary["base_fingerprint"] == roster_fingerprint(plan.roster.roster)
    assert adopted.recommendations is None  # filled when a recommender is given


def test_an_event_outside_the_forecast_is_refused_naming_the_field(plan):
    late = flash(plan, start=dt.datetime(2027, 3, 1, 10))
    with pytest.raises(InputError) as err:
        adopt_plan(plan, late, source="flash.toml")
    p = err.value.problems[0]
    assert p.file == "flash.toml" and p.column == "start" and "outside the forecast" in p.message
    long = flash(plan, start=dt.datetime.combine(plan.grid.end.date() - dt.timedelta(days=1), dt.time(10)), duration_h=72)
    with pytest.raises(InputError) as err:
        check_event(long, plan.forecast.forecast, plan.grid, plan.roster.coverage, source="--event")
    assert err.value.problems[0].column == "duration_h"


def test_an_event_outside_the_roster_weeks_or_on_an_unknown_channel_is_refused(plan):
    before = flash(plan, start=dt.datetime.combine(plan.week_start - dt.timedelta(days=1), dt.time(10)))
    with pytest.raises(InputError, match="outside the roster's weeks") as err:
        check_event(before, plan.forecast.forecast, plan.grid, plan.roster.coverage)
    assert err.value.problems[0].column == "start"
    fc = plan.forecast.forecast[plan.forecast.forecast["channel"] != "social"]
    with pytest.raises(InputError, match="social") as err:
        check_event(flash(plan, channels=("social",)), fc, plan.grid, plan.roster.coverage)
    assert err.value.problems[0].column == "channels"


def test_the_fingerprint_ignores_row_order_and_sees_a_moved_shift(plan):
    r = plan.roster.roster
    assert roster_fingerprint(r.sample(frac=1.0, random_state=1)) == roster_fingerprint(r)
    moved = r.copy()
    moved.loc[moved.index[0], "start_utc"] += pd.Timedelta(minutes=15)
    assert roster_fingerprint(moved) != roster_fingerprint(r)


def test_a_scenario_file_in_toml_or_json_and_the_event_option(tmp_path):
    toml = tmp_path / "flash.toml"
    toml.write_text('name = "Flash"\nstart = 2026-11-25T10:00:00\nlocal_tz = "America/New_York"\nduration_h = 6\n'
                    'uplift = 2.5\nchannels = ["voice", "chat"]\n')
    ev = load_scenario(toml)
    assert ev.channels == ("voice", "chat") and ev.span_utc()[0] == pd.Timestamp("2026-11-25 15:00Z")
    js = tmp_path / "saved.json"
    js.write_text(json.dumps({"event": ev.model_dump(mode="json"), "totals": {}}))
    assert load_scenario(js) == ev
    assert parse_event_option("name=Flash; start=2026-11-25T10:00; tz=America/New_York; hours=6; uplift=2.5; channels=voice,chat") == ev
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "Flash"\nstart = 2026-11-25T10:00:00\nduration_h = 0\nuplift = 2.5\ncolour = "red"\n')
    with pytest.raises(InputError) as err:
        load_scenario(bad)
    text = str(err.value)
    assert "bad.toml" in text and "duration_h" in text and "colour" in text
    with pytest.raises(InputError, match="--event.*key=value"):
        parse_event_option("Flash sale tomorrow")


def test_a_kept_shift_the_rules_do_not_offer_is_refused_naming_agent_and_date(plan):
    from roster.planning.plan import solver_config
    from roster.rostering.partial import resolve_days

    r = plan.roster.roster.copy()
    sid = r.loc[r["activity"] == "shift", "shift_id"].iloc[0]
    rows = r["shift_id"] == sid
    r.loc[rows, ["start_utc", "end_utc"]] += pd.Timedelta(minutes=15)  # off the start grid of 30 minutes
    agent, day = r.loc[rows, "agent_id"].iloc[0], r.loc[rows, "local_date"].iloc[0]
    inp = plan.inputs
    with pytest.raises(InputError) as err:
        resolve_days(plan.requirements, r, inp.agents, inp.rules, inp.time_off, grid=plan.grid, free_dates=set(),
                     week_start=plan.week_start, weeks=1, config=solver_config(plan.settings), base_file="base.csv")
    p = err.value.problems[0]
    assert p.file == "base.csv" and p.column == "start_utc" and f"agent {agent}, {day}" in p.message
