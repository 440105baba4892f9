"""roster/planning/intraday.py: today's roster against new requirements, and the actions it suggests."""

from pathlib import Path

import pandas as pd
import pytest

from forecast.timegrid import TimeGrid
from roster.io import load_rules, load_targets
from roster.planning.intraday import IntradaySettings, PlanFolder, compare_roster
from roster.schema import Agent, TimeOff

SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples"
TZ = "America/New_York"
DAY = "2026-11-24"


def local(day: str, hhmm: str) -> pd.Timestamp:
    return pd.Timestamp(f"{day} {hhmm}", tz=TZ).tz_convert("UTC")


def shift_rows(agent_id: str, day: str, start: str, end: str, paid_h: float, pauses=()) -> list[dict]:
    rows = [{"agent_id": agent_id, "site_tz": TZ, "local_date": day, "activity": "shift", "channel": "voice",
             "start_utc": local(day, start), "end_utc": local(day, end), "paid_h": paid_h, "shift_id": f"{agent_id}-{day}"}]
    for kind, a, b in pauses:
        rows.append({**rows[0], "activity": kind, "start_utc": local(day, a), "end_utc": local(day, b), "paid_h": float("nan")})
    return rows


def requirement(levels: list[tuple[str, str, int]]) -> pd.DataFrame:
    """voice agents_required per 15 minutes from 08:00 to 18:00 local: ``levels`` (from, to, agents); 0 elsewhere."""
    ds = pd.date_range(local(DAY, "08:00"), local(DAY, "18:00"), freq="15min", inclusive="left")
    req = pd.DataFrame({"ds": ds, "channel": "voice", "agents_required": 0, "volume": 4.0, "aht_s": 300.0, "target_sl": 0.8})
    for a, b, n in levels:
        req.loc[(req["ds"] >= local(DAY, a)) & (req["ds"] < local(DAY, b)), "agents_required"] = n
    return req


@pytest.fixture()
def team():
    rules = load_rules(SAMPLES / "rules.toml")
    agents = [
        Agent(agent_id="P1", name="Pat One", site="Charlotte", site_tz=TZ, contract="part_time", skills=("voice",)),
        Agent(agent_id="F2", name="Fran Two", site="Charlotte", site_tz=TZ, contract="full_time", skills=("voice",)),
        Agent(agent_id="P3", name="Pia Three", site="Charlotte", site_tz=TZ, contract="part_time", skills=("voice",)),
    ]
    rows = shift_rows("P1", DAY, "09:00", "13:00", 4.0, [("break", "11:00", "11:15")])
    rows += shift_rows("F2", DAY, "04:30", "13:00", 8.0)
    for d in ("2026-11-23", "2026-11-25", "2026-11-26", "2026-11-27"):  # F2's week is at the contract's 40 hours
        rows += shift_rows("F2", d, "04:30", "13:00", 8.0)
    rows += shift_rows("P3", DAY, "12:00", "17:00", 5.0)
    for d in ("2026-11-23", "2026-11-25", "2026-11-26"):
        rows += shift_rows("P3", d, "12:00", "17:00", 5.0)
    return rules, agents, rows


def plan_of(team, req, extra_rows=(), time_off=()):
    rules, agents, rows = team
    roster = pd.DataFrame(rows + list(extra_rows))
    grid = TimeGrid(interval_min=15, start=req["ds"].min(), end=req["ds"].max() + pd.Timedelta(minutes=15))
    return PlanFolder(req, roster, load_targets(SAMPLES / "targets.toml"), grid, agents, rules, list(time_off))


NOW = local(DAY, "09:30")
NEEDED = [("09:00", "10:30", 2), ("10:30", "11:00", 1), ("11:00", "15:00", 2)]


def test_break_moved_out_of_a_short_interval_overtime_where_rules_allow_and_early_finish_where_over(team):
    req = requirement(NEEDED)
    res = compare_roster(req[req["ds"] >= NOW], plan_of(team, req), NOW)
    a = res.actions
    moves = a[a["action"] == "move_break"]
    assert list(moves["agent_id"]) == ["P1"]
    assert moves["start_utc"].iloc[0] == local(DAY, "10:45")  # where one agent is enough, nearest its rostered time
    assert moves["from_utc"].iloc[0] == local(DAY, "11:00")
    ot = a[a["action"] == "overtime"]
    # F2's week is at its contract's 40 hours: only P1 (part time, 4 of 30 hours) is offered overtime
    assert list(ot["agent_id"]) == ["P1"]
    assert (ot["start_utc"].iloc[0], ot["end_utc"].iloc[0]) == (local(DAY, "13:00"), local(DAY, "15:00"))
    assert ot["minutes"].iloc[0] == 120 and ot["name"].iloc[0] == "Pat One"
    early = a[a["action"] == "go_early"].set_index("agent_id")
    # F2 is the third agent from 12:00 (P3 starts then), P3 the only one after 15:00 where none is needed
    assert sorted(early.index) == ["F2", "P3"]
    assert (early.loc["F2", "start_utc"], early.loc["F2", "end_utc"]) == (local(DAY, "12:00"), local(DAY, "13:00"))
    assert (early.loc["P3", "start_utc"], early.loc["P3", "end_utc"]) == (local(DAY, "15:00"), local(DAY, "17:00"))
    # the interval table: before the actions, short after 13:00 and over after 15:00
    i = res.intraday.set_index("ds")
    assert i.loc[local(DAY, "13:30"), "short"] == 1 and i.loc[local(DAY, "15:30"), "over"] == 1
    assert i.loc[local(DAY, "11:00"), "rostered"] == 1 and "move_break P1" in i.loc[local(DAY, "11:00"), "actions"]
    assert i["expected_sl"].between(0, 1).all()
    # once the actions are taken: P1's overtime with P3 covers 13:00-15:00, nobody is left where nobody is needed
    assert i.loc[local(DAY, "13:30"), "rostered_after"] == 2 and i.loc[local(DAY, "15:30"), "rostered_after"] == 0
    assert i.loc[local(DAY, "11:00"), "rostered_after"] == 2


def test_overtime_keeps_the_minimum_rest_to_the_next_shift(team):
    req = requirement(NEEDED)
    tomorrow = shift_rows("P1", "2026-11-25", "01:00", "05:00", 4.0)  # 11 h rest: the shift may run to 14:00 only
    res = compare_roster(req[req["ds"] >= NOW], plan_of(team, req, tomorrow), NOW)
    ot = res.actions[res.actions["action"] == "overtime"]
    assert list(ot["agent_id"]) == ["P1"] and ot["end_utc"].iloc[0] == local(DAY, "14:00")


def test_no_overtime_across_time_off_and_no_early_finish_below_the_weekly_minimum(team):
    req = requirement(NEEDED)
    off = [TimeOff(agent_id="P1", start=local(DAY, "13:00").to_pydatetime(), end=local(DAY, "20:00").to_pydatetime())]
    rules, agents, rows = team
    rows = [r for r in rows if not (r["agent_id"] == "P3" and r["local_date"] != DAY)]  # P3's week: 5 of 16 hours
    res = compare_roster(req[req["ds"] >= NOW], plan_of((rules, agents, rows), req, time_off=off), NOW)
    assert not (res.actions["action"] == "overtime").any()
    early = res.actions[res.actions["action"] == "go_early"]
    assert "P3" not in set(early["agent_id"])  # 5 hours this week, under the contract's 16


def test_nothing_changes_before_the_notice(team):
    req = requirement(NEEDED)
    now = local(DAY, "10:50")  # P1's break at 11:00 is within the 30 minutes' notice
    res = compare_roster(req[req["ds"] >= now.ceil("15min")], plan_of(team, req), now, settings=IntradaySettings(notice_min=30))
    assert not (res.actions["action"] == "move_break").any()


def test_a_break_is_not_moved_outside_the_break_rules_window(team):
    # one agent is enough only from 09:00 to 09:30, before the earliest break (1.5 h into P1's 09:00 shift)
    req = requirement([("09:00", "09:30", 1), ("09:30", "15:00", 2)])
    now = local(DAY, "08:00")
    res = compare_roster(req[req["ds"] >= now], plan_of(team, req), now)
    assert not (res.actions["action"] == "move_break").any()


def test_an_early_finish_leaves_the_start_of_the_shift(team):
    # nobody needed after 13:00: P3 (12:00-17:00) may go at 14:00 at the earliest, F2 (to 13:00) at 12:00 is not over
    req = requirement([("09:00", "13:00", 2)])
    res = compare_roster(req[req["ds"] >= NOW], plan_of(team, req), NOW)
    early = res.actions[res.actions["action"] == "go_early"].set_index("agent_id")
    assert early.loc["P3", "start_utc"] == local(DAY, "14:00")


def test_the_comparison_stops_where_a_customer_zone_is_no_longer_reforecast(team):
    from forecast.intraday import Reforecast

    req = requirement(NEEDED)
    ds = req.loc[req["ds"] >= NOW, "ds"]
    rows = [pd.DataFrame({"ds": ds, "channel": "voice", "tz": TZ, "volume": 4.0, "aht_s": 300.0}),
            pd.DataFrame({"ds": ds[ds < local(DAY, "14:00")], "channel": "voice", "tz": "Europe/London", "volume": 2.0, "aht_s": 300.0})]
    fc = pd.concat(rows, ignore_index=True)
    fc = fc.assign(volume_lo=fc["volume"], volume_hi=fc["volume"], model="ets", event_volume=0.0, events="")
    from roster.planning.intraday import intraday_plan

    res = intraday_plan(Reforecast(fc, pd.DataFrame(), NOW), plan_of(team, req))
    assert res.intraday["ds"].min() == NOW and res.intraday["ds"].max() == local(DAY, "13:45")
    assert (res.intraday["volume"] == 6.0).all()  # both zones in every interval compared
