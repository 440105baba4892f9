"""Continuity across roster weeks: the boundary days without a previous roster, and a previous roster's shifts with one."""

import datetime as dt

import pandas as pd
import pytest

from forecast.errors import InputError
from roster.roster_io import PreviousRoster, load_roster
from roster.rostering import roster_span
from roster.rostering.continuity import earlier_shifts
from roster.rostering.export import write_roster_csv
from roster.rostering.rules.coverage import coverage_from_roster
from roster.rostering.rules.shifts import MIN_REST
from roster.rostering.rules.weekly import CONSECUTIVE_DAYS
from roster.rostering.validation import shift_records, validate_roster
from tests.roster.rostering.factory import (
    CFG,
    LISBON,
    NY,
    WEEK,
    agent,
    previous_roster,
    roster_of,
    rules,
    shift_rows,
    solve,
)

#: NY is UTC-4 in June and Lisbon UTC+1: the roster's span starts at Lisbon's midnight, Sunday 23:00 UTC,
#: five hours before New York's first roster day begins (Monday 04:00 UTC)
SPAN = roster_span(WEEK, 1, [NY, LISBON])
SUNDAY = WEEK - dt.timedelta(days=1)
FAST = CFG.model_copy(update={"time_limit_s": 5})


def team():
    """A New York voice agent and a Lisbon chat agent (no voice): only New York can take Monday's first UTC hours' calls."""
    return [agent(0, tz=NY, skills=("voice",)), agent(1, tz=LISBON, skills=("chat",))]


def monday_morning(until="2026-06-01 02:00", level=1, extra=None) -> pd.DataFrame:
    """One voice agent required from the span's start (Sunday 23:00 UTC) to ``until`` UTC, nothing else (plus ``extra``)."""
    ds = pd.date_range(SPAN[0], SPAN[1], freq="15min", inclusive="left")
    req = pd.concat([pd.DataFrame({"ds": ds, "channel": c, "agents_required": 0}) for c in ("voice", "chat")], ignore_index=True)
    req.loc[(req["channel"] == "voice") & (req["ds"] < pd.Timestamp(until, tz="UTC")), "agents_required"] = level
    if extra is not None:
        req.loc[extra(req), "agents_required"] = level
    return req


def read_back(path, agents=None, lr=None):
    """A roster.csv read as a previous roster is (:func:`roster.roster_io.load_roster`, with each row's line)."""
    return load_roster(path, agents or team(), lr or rules(), interval_min=15, with_lines=True)


def published(rows: list[dict], path, agents=None) -> PreviousRoster:
    """Rows written as roster.csv (as a published roster is) and read back."""
    return previous_roster(rows, path, agents or team(), rules())


def sunday_evening(lr, start="13:30"):
    """New York's Sunday shift of the week before, 13:30-22:00 local (17:30 Sunday - 02:00 Monday UTC)."""
    return shift_rows(team()[0], SUNDAY, start, lr)


# --------------------------------------------------------------------------- #
# without a previous roster: boundary days
# --------------------------------------------------------------------------- #
def test_monday_morning_before_a_western_site_s_week_is_coverable_without_a_previous_roster():
    lr = rules(contract_kw={"min_week_h": 0})
    res = solve(monday_morning(), team(), lr, config=FAST)
    assert res.kpis.unreachable_agent_h == 0  # New York's Sunday evening reaches it
    assert res.kpis.search_objective == pytest.approx(res.kpis.objective)  # the boundary day scored as the search counts it
    assert res.kpis.under_agent_h <= 0.25  # at most a break inside the three hours
    shifts = res.roster[res.roster["activity"] == "shift"]
    assert set(shifts["local_date"]) == {SUNDAY.isoformat()}
    assert validate_roster(res.roster, team(), lr, interval_min=15, week_start=WEEK) == []
    assert any("reach into the roster" in n for n in res.notes)


def test_boundary_day_has_no_weekly_minimum_and_keeps_rest_into_the_week():
    # min 24 h: the week's own days carry it; the Sunday of the week before adds no minimum but keeps 11 h rest to Monday
    lr = rules()
    monday_8 = lambda r: (r["channel"] == "voice") & (r["ds"] >= pd.Timestamp("2026-06-01 12:00", tz="UTC")) & (r["ds"] < pd.Timestamp("2026-06-01 20:00", tz="UTC"))
    res = solve(monday_morning(extra=monday_8), team(), lr, config=FAST)
    assert validate_roster(res.roster, team(), lr, interval_min=15, week_start=WEEK) == []
    a0 = res.roster[(res.roster["activity"] == "shift") & (res.roster["agent_id"] == "A00")].groupby("local_date")["start_utc"].min()
    assert SUNDAY.isoformat() in a0.index


def test_the_coverage_programme_keeps_the_own_week_s_rules_beside_the_boundary_days():
    # two voice agents needed all Monday afternoon, one New York agent with the skill: one is missing, even in the relaxation
    lr = rules(contract_kw={"min_week_h": 0})
    monday = lambda r: (r["channel"] == "voice") & (r["ds"] >= pd.Timestamp("2026-06-01 14:00", tz="UTC")) & (r["ds"] < pd.Timestamp("2026-06-01 20:00", tz="UTC"))
    res = solve(monday_morning(level=2, extra=monday), team(), lr, config=FAST)
    assert res.kpis.bound_short_agent_h >= 6 + 2.0  # one agent short for Monday's six hours, and the night's one of two for two


# --------------------------------------------------------------------------- #
# with a previous roster
# --------------------------------------------------------------------------- #
def test_previous_shifts_reaching_in_count_as_coverage(tmp_path):
    # one site: New York's Sunday shift of the week before, 18:00-02:30 local, covers Monday's first hours (A02 could
    # start at midnight): the search counts it as the scorer does, and coverage.csv shows it
    lr = rules(contract_kw={"min_week_h": 0, "latest_start": "18:00"})
    agents = [agent(0, tz=NY), agent(2, tz=NY, earliest_start=dt.time(0))]
    span = roster_span(WEEK, 1, [NY])
    ds = pd.date_range(span[0], span[1], freq="15min", inclusive="left")
    night = ds < span[0] + pd.Timedelta(hours=2, minutes=30)
    req = pd.DataFrame({"ds": ds, "channel": "voice", "agents_required": night.astype(int)})
    prev = published(shift_rows(agents[0], SUNDAY, "18:00", lr), tmp_path / "roster.csv", agents)
    res = solve(req, agents, lr, config=FAST, previous=prev)
    assert res.kpis.search_objective == pytest.approx(res.kpis.objective)
    assert res.kpis.under_agent_h == 0
    assert (res.roster.loc[res.roster["activity"] == "shift", "local_date"] >= WEEK.isoformat()).all()  # the Sunday stands as published
    held = roster_span(WEEK, 1, [NY])[0] + pd.Timedelta(hours=2, minutes=30)
    previous_only = coverage_from_roster(prev.rows.drop(columns="line"), req, 15)
    assert (previous_only.loc[previous_only["ds"] < held, "scheduled"] >= 1).mean() > 0.8  # on shift but for its break


def test_rest_after_a_previous_shift_is_kept_across_the_boundary(tmp_path):
    # the Sunday shift ends 02:00 UTC Monday; a Monday shift from 06:00 New York (10:00 UTC) would leave 8 h rest
    lr = rules(contract_kw={"min_week_h": 0, "latest_start": "06:00"})
    prev = published(shift_rows(team()[0], SUNDAY, pd.Timestamp("2026-05-31 17:30", tz="UTC"), lr), tmp_path / "roster.csv")
    monday = lambda r: (r["channel"] == "voice") & (r["ds"] >= pd.Timestamp("2026-06-01 10:00", tz="UTC")) & (r["ds"] < pd.Timestamp("2026-06-01 18:00", tz="UTC"))
    res = solve(monday_morning(until="2026-05-31 23:00", extra=monday), team(), lr, config=FAST, previous=prev)
    mondays = res.roster[(res.roster["activity"] == "shift") & (res.roster["local_date"] == WEEK.isoformat())]
    assert mondays.empty
    earlier = earlier_shifts(prev, team(), WEEK).shifts
    assert validate_roster(res.roster, team(), lr, interval_min=15, week_start=WEEK, earlier=earlier) == []
    # the validator names the rule on a roster that works Monday 06:00
    hand = roster_of(shift_rows(team()[0], WEEK, "06:00", lr))
    found = validate_roster(hand, team(), lr, interval_min=15, week_start=WEEK, earlier=earlier)
    assert [v.rule for v in found] == [MIN_REST] and "previous roster" in found[0].message


def test_consecutive_days_count_the_previous_roster_s(tmp_path):
    lr = rules(contract_kw={"min_week_h": 0}, max_consecutive_days=3)
    rows = [r for d in (3, 2, 1) for r in shift_rows(team()[0], WEEK - dt.timedelta(days=d), "08:00", lr)]
    prev = published(rows, tmp_path / "roster.csv")  # Friday, Saturday, Sunday worked
    monday = lambda r: (r["channel"] == "voice") & (r["ds"] >= pd.Timestamp("2026-06-01 12:00", tz="UTC")) & (r["ds"] < pd.Timestamp("2026-06-01 20:00", tz="UTC"))
    res = solve(monday_morning(until="2026-05-31 23:00", extra=monday), team(), lr, config=FAST, previous=prev)
    assert res.roster[(res.roster["activity"] == "shift") & (res.roster["local_date"] == WEEK.isoformat())].empty
    earlier = earlier_shifts(prev, team(), WEEK).shifts
    hand = roster_of(shift_rows(team()[0], WEEK, "08:00", lr))
    assert [v.rule for v in validate_roster(hand, team(), lr, interval_min=15, week_start=WEEK, earlier=earlier)] == [CONSECUTIVE_DAYS]


def test_roster_csv_reads_back_as_written(tmp_path):
    lr = rules(contract_kw={"min_week_h": 0})
    res = solve(monday_morning(), team(), lr, config=FAST)
    write_roster_csv(res.roster, tmp_path / "roster.csv")
    back = read_back(tmp_path / "roster.csv", lr=lr)
    assert shift_records(back.drop(columns="line")) == shift_records(res.roster)
    assert (back["line"] >= 2).all()


# --------------------------------------------------------------------------- #
# bad previous rosters: file, line, agent and rule; nothing built
# --------------------------------------------------------------------------- #
def test_previous_roster_for_other_agents_is_refused(tmp_path):
    rows = [dict(r, agent_id="Z99") for r in sunday_evening(rules())]
    df = roster_of(rows).assign(start_local="", end_local="", shift_id="")
    write_roster_csv(df, tmp_path / "roster.csv")
    with pytest.raises(InputError) as e:
        read_back(tmp_path / "roster.csv")
    p = e.value.problems[0]
    assert (p.file, p.line, p.column) == ("roster.csv", 2, "agent_id") and "Z99" in p.message and "agents file" in p.message


def test_previous_roster_overlapping_the_new_weeks_is_refused(tmp_path):
    lr = rules()
    prev = published(sunday_evening(lr) + shift_rows(team()[0], WEEK, "08:00", lr), tmp_path / "roster.csv")
    with pytest.raises(InputError) as e:
        solve(monday_morning(), team(), lr, config=FAST, previous=prev)
    p = e.value.problems[0]
    assert p.file == "roster.csv" and p.line == 2 + len(sunday_evening(lr))
    assert "A00" in p.message and str(WEEK) in p.message and "previous roster ends before the new one" in p.message


def test_previous_shift_reaching_beyond_the_first_day_is_refused(tmp_path):
    lr = rules()
    rows = sunday_evening(lr)
    rows[0] = dict(rows[0], end_utc=rows[0]["end_utc"] + pd.Timedelta(hours=30))  # a "shift" of a day and a half
    prev = published(rows, tmp_path / "roster.csv")
    with pytest.raises(InputError) as e:
        earlier_shifts(prev, team(), WEEK)
    p = e.value.problems[0]
    assert (p.line, p.column) == (2, "end_utc") and "A00" in p.message and "first day" in p.message


@pytest.mark.parametrize("edit, column, words", [
    (lambda df: df.drop(columns="start_utc"), None, "start_utc"),
    (lambda df: df.assign(start_utc=["soon"] + list(df["start_utc"][1:])), "start_utc", "expected an ISO 8601 time with Z or an offset"),
    (lambda df: df.assign(activity=["nap"] + list(df["activity"][1:])), "activity", "nap"),
    (lambda df: df.assign(local_date=["2026-06-02"] + list(df["local_date"][1:])), "local_date", "starts on"),
    # read as any roster.csv: the agent's skills and the roster's grid hold for a previous roster too
    (lambda df: df.assign(channel=["chat"] + list(df["channel"][1:])), "channel", "no skill for"),
    (lambda df: df.assign(start_utc=["2026-05-31T17:35:00Z"] + list(df["start_utc"][1:])), "start_utc", "15-minute grid"),
])
def test_rows_not_in_roster_csv_format_are_refused(tmp_path, edit, column, words):
    lr = rules()
    published(sunday_evening(lr), tmp_path / "roster.csv")
    df = pd.read_csv(tmp_path / "roster.csv", dtype=str, keep_default_na=False)
    edit(df).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError) as e:
        read_back(tmp_path / "bad.csv")
    p = e.value.problems[0]
    assert p.file == "bad.csv" and p.column == column and words in str(e.value)
    if column is not None:
        assert p.line == 2
