"""Closing a roster's gap: the additions recommended, what they are predicted to remove, and a re-roster with them."""

import dataclasses

import pytest

from forecast import tables
from forecast.errors import InputError
from roster.io import load_agents, load_rules
from roster.planning.recommend import apply_agents, gap_lines, recommend_additions, verify_gap
from roster.rostering import solve_roster
from roster.rostering.validation import validate_roster
from roster.schema import EXTRA_DAY_SUFFIX, OVERTIME_SUFFIX, TEMP_CONTRACT, Overtime
from tests.roster.rostering.factory import CFG, WEEK, agent, grid_of, requirements, rules

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples"


@pytest.fixture(scope="module")
def short_week():
    """Three voice agents for a requirement of three agents 8:00-20:00 every day: about half of it short."""
    lr = rules(contract_kw={"shift_lengths_h": [8.5, 10.5], "min_week_h": 32})
    team = [agent(i) for i in range(3)]
    req = requirements(level=3, hours=(8, 20))
    grid = grid_of(req)
    res = solve_roster(req, team, lr, grid=grid, week_start=WEEK, config=CFG)
    gap = recommend_additions(req, res, team, lr, grid=grid, week_start=WEEK, config=CFG, time_limit_s=30)
    return lr, team, req, grid, res, gap


def test_recommendations_remove_the_shortfall_and_rerostering_reaches_it(short_week):
    lr, team, req, grid, res, gap = short_week
    assert res.kpis.under_agent_h > 100
    assert gap.recommendations, gap.notes
    # each removes some shortfall; the shortfall predicted after them all is what they remove from the roster's
    assert all(r.removed_agent_h > 0 for r in gap.recommendations)
    assert gap.floor_after_agent_h < gap.floor_agent_h
    assert gap.predicted_short_agent_h == pytest.approx(
        max(res.kpis.under_agent_h - sum(r.removed_agent_h for r in gap.recommendations), 0.0))
    # every added agent is a new row, every overtime agent an existing one on its overtime contract
    ids = {a.agent_id for a in team}
    for r in gap.recommendations:
        for a in r.rows:
            if r.kind == "overtime":
                assert a.agent_id in ids and a.contract.endswith(OVERTIME_SUFFIX)
            elif r.kind in ("hire", "temp"):
                assert a.agent_id not in ids
                assert (a.contract == TEMP_CONTRACT) == (r.kind == "temp")
        assert r.cost >= 0
    # the re-roster with the recommended agents: far less short, every rule kept
    extended = lr.with_additions()
    bigger = apply_agents(team, gap.agent_rows())
    again = solve_roster(req, bigger, extended, grid=grid, week_start=WEEK, config=CFG)
    assert again.kpis.under_agent_h < res.kpis.under_agent_h - 0.5 * (res.kpis.under_agent_h - gap.predicted_short_agent_h)
    assert not validate_roster(again.roster, bigger, extended, (), interval_min=15, week_start=WEEK, weeks=1)
    assert "How to close the gap" in gap_lines(gap)[0]


def test_recommendation_files_have_their_tables_columns_and_read_back_as_agents(short_week, tmp_path):
    from forecast.io.files import write_table

    lr, team, req, grid, res, gap = short_week
    frame = gap.frame()
    assert list(frame.columns) == list(tables.RECOMMENDATIONS.names) and len(frame) == len(gap.recommendations)
    path = write_table(gap.agents_frame(), tables.AGENTS_FILE, tmp_path / "recommended_agents.csv")
    back = load_agents(path, lr.with_additions())
    assert [a.agent_id for a in back] == [a.agent_id for a in gap.agent_rows()]
    # a subset: only the accepted ones' rows
    first = gap.recommendations[0]
    assert [a.agent_id for a in gap.agent_rows([first.rank])] == [a.agent_id for a in first.rows]


def test_no_shortfall_no_recommendation():
    lr = rules()
    team = [agent(i) for i in range(4)]
    req = requirements(level=1, hours=(9, 13))
    grid = grid_of(req)
    res = solve_roster(req, team, lr, grid=grid, week_start=WEEK, config=CFG)
    assert res.kpis.under_agent_h == 0
    gap = recommend_additions(req, res, team, lr, grid=grid, week_start=WEEK, config=CFG, time_limit_s=20)
    assert gap.recommendations == [] and gap.predicted_short_agent_h == 0


def test_overtime_is_recommended_when_it_is_the_only_addition(short_week):
    lr, team, req, grid, res, _ = short_week
    only_ot = lr.model_copy(update={"temps": lr.temps.model_copy(update={"max_per_option": 0}),
                                    "overtime": lr.overtime.model_copy(update={"max_extra_days": 0}),
                                    "additions": lr.additions.model_copy(update={"max_hires_per_option": 0, "cross_training": False})})
    gap = recommend_additions(req, res, team, only_ot, grid=grid, week_start=WEEK, config=CFG, time_limit_s=30)
    assert gap.recommendations and {r.kind for r in gap.recommendations} == {"overtime"}
    assert sum(r.overtime_h for r in gap.recommendations) > 0
    # paid at the overtime rate: 1.5 x 20 an hour
    assert sum(r.cost for r in gap.recommendations) == pytest.approx(sum(r.overtime_h for r in gap.recommendations) * 30, rel=1e-6)


def test_an_overtime_rate_below_the_base_rate_is_refused_naming_file_and_key(tmp_path):
    text = (SAMPLES / "rules.toml").read_text().replace("rate = 1.5 ", "rate = 0.8 ")
    assert "rate = 0.8" in text
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(InputError) as e:
        load_rules(path)
    msg = str(e.value)
    assert "rules.toml" in msg and "overtime.rate" in msg and "below the base rate" in msg
    with pytest.raises(ValueError):
        Overtime(rate=0.99)
    assert dataclasses.is_dataclass(type(e.value)) or isinstance(e.value, Exception)


def test_a_shortfall_the_team_could_cover_is_said_to_be_the_searchs_not_a_reason_to_hire():
    lr = rules()
    team = [agent(i) for i in range(4)]
    req = requirements(level=2, hours=(9, 13))
    grid = grid_of(req)
    # a roster of one agent, judged against the whole team of four: the team could cover every interval
    res = solve_roster(req, team[:1], lr, grid=grid, week_start=WEEK, config=CFG)
    assert res.kpis.under_agent_h > 0
    gap = recommend_additions(req, res, team, lr, grid=grid, week_start=WEEK, config=CFG, time_limit_s=20)
    assert gap.recommendations == [] and gap.floor_agent_h == 0
    text = " ".join(gap_lines(gap))
    assert "this team can cover the requirement" in text and "the roster search's own" in text
    assert "no addition offered" not in text


def _six_day_week(max_consecutive_days: int):
    """One voice agent (five days a week at most) for one agent 9:00-17:00 Monday to Saturday: Saturday has no one."""
    lr = rules(max_consecutive_days=max_consecutive_days, overtime=Overtime(max_week_h=8, max_day_h=2, rate=1.5, max_extra_days=1),
               temps={"max_per_option": 0}, additions={"max_hires_per_option": 0, "cross_training": False})
    team = [agent(0)]
    req = requirements(level=1, hours=(9, 17))
    sunday = req["ds"].dt.tz_convert("America/New_York").dt.day_of_week == 6
    req.loc[sunday, "agents_required"] = 0
    grid = grid_of(req)
    res = solve_roster(req, team, lr, grid=grid, week_start=WEEK, config=CFG)
    return lr, team, req, grid, res


def test_a_day_no_one_can_work_is_closed_by_an_extra_day_at_the_overtime_rate_and_rerostering_confirms_it():
    lr, team, req, grid, res = _six_day_week(max_consecutive_days=6)
    shifts = res.roster[res.roster["activity"] == "shift"]
    # Saturday's 8 h, and an hour of breaks and lunch in each of the five shifts
    assert shifts["local_date"].nunique() == 5 and res.kpis.under_agent_h == pytest.approx(13.0, abs=0.3)
    gap = recommend_additions(req, res, team, lr, grid=grid, week_start=WEEK, config=CFG, time_limit_s=20)
    # longer shifts and more hours (overtime) cannot reach Saturday: only the extra day does
    assert [r.kind for r in gap.recommendations] == ["extra_day"], (gap.recommendations, gap.notes)
    rec = gap.recommendations[0]
    assert rec.rows[0].agent_id == "A00" and rec.rows[0].contract == "ft" + EXTRA_DAY_SUFFIX
    assert rec.removed_agent_h == pytest.approx(7.0, abs=0.3)  # Saturday's 8 h less the shift's hour of pauses
    # the extra day's paid hours (8, the 30-minute lunch unpaid) at 1.5 x 20 an hour
    assert rec.overtime_h == pytest.approx(8.0, abs=0.3) and rec.cost == pytest.approx(rec.overtime_h * 30, rel=1e-6)
    assert "extra day" in rec.what and gap.frame()["kind"].tolist() == ["extra_day"]
    # re-rostered with the recommended row: six days, nothing short, every rule (rest, consecutive days, hours) kept
    check = verify_gap(gap, req, team, lr, (), grid=grid, targets=None,
                       solve=lambda t, r: solve_roster(req, t, r, grid=grid, week_start=WEEK, config=CFG))
    assert check.predicted_short_agent_h == pytest.approx(6.0, abs=0.3)  # the six shifts' pauses
    assert check.actual_short_agent_h == pytest.approx(check.predicted_short_agent_h, abs=0.3)
    again = check.roster.roster
    assert again[again["activity"] == "shift"]["local_date"].nunique() == 6
    extended = lr.with_additions()
    assert not validate_roster(again, apply_agents(team, gap.agent_rows()), extended, (), interval_min=15, week_start=WEEK, weeks=1)


def test_an_extra_day_that_would_break_the_consecutive_days_rule_is_not_recommended():
    lr, team, req, grid, res = _six_day_week(max_consecutive_days=5)
    assert res.kpis.under_agent_h == pytest.approx(13.0, abs=0.3)
    gap = recommend_additions(req, res, team, lr, grid=grid, week_start=WEEK, config=CFG, time_limit_s=20)
    # Monday to Saturday is six days in a row: the sixth day cannot be worked, whatever the overtime allowance
    assert gap.recommendations == [] and gap.floor_after_agent_h == pytest.approx(gap.floor_agent_h)


def test_the_extra_day_contract_adds_days_past_the_weekly_limits_and_the_overtime_hours():
    from roster.rostering.rules.weekly import max_days_per_week

    lr = rules(overtime=Overtime(max_week_h=8, max_extra_days=1))
    ext = lr.with_additions()
    c = ext.contracts["ft" + EXTRA_DAY_SUFFIX]
    assert c.max_week_h == 48 and c.shift_lengths_h == lr.contracts["ft"].shift_lengths_h
    assert max_days_per_week(c, ext) == max_days_per_week(lr.contracts["ft"], ext) + 1 == 6
    assert "ft" + EXTRA_DAY_SUFFIX not in rules(overtime=Overtime(max_extra_days=0)).with_additions().contracts
