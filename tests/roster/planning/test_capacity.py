"""roster/planning/capacity.py: the weekly requirement, today's FTE and the hiring plan on synthetic series."""

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.timegrid import TimeGrid
from roster.io import load_rules, load_targets
from roster.planning.capacity import (
    check_settings,
    capacity_settings,
    headcount,
    hire_productivity,
    plan_capacity,
    survival,
    site_shares,
    weekly_requirement,
)
from roster.schema import Agent, CapacitySettings, LabourRules

START = pd.Timestamp("2027-01-04", tz="UTC")


def rules(**capacity) -> LabourRules:
    return LabourRules.model_validate({
        "contracts": {
            "full_time": {"min_week_h": 32, "max_week_h": 40, "max_days_per_week": 5, "shift_lengths_h": [8.5], "hourly_cost": 20.0},
            "part_time": {"min_week_h": 16, "max_week_h": 30, "max_days_per_week": 5, "shift_lengths_h": [6], "hourly_cost": 18.0},
        },
        "capacity": capacity,
    })


def weekly(required: dict[str, list[float]]) -> pd.DataFrame:
    rows = [{"week": w + 1, "week_start": START + pd.Timedelta(days=7 * w), "channel": c, "required_net_fte": r * 0.8, "required_fte": r}
            for c, series in required.items() for w, r in enumerate(series)]
    return pd.DataFrame(rows)


def pools(*entries) -> pd.DataFrame:
    """``(skills, fte)`` pairs at cost 20 an hour."""
    if not entries:
        return pd.DataFrame(columns=["site", "skills", "agents", "fte", "hourly_cost"])
    return pd.DataFrame([{"site": "A", "skills": tuple(s), "agents": int(np.ceil(f)), "fte": float(f), "hourly_cost": 20.0} for s, f in entries])


def test_the_plan_never_leaves_a_negative_gap_on_a_growing_seasonal_series():
    rng = np.random.default_rng(7)
    w = np.arange(26)
    voice = 30 + 0.6 * w + 4 * np.sin(w / 26 * 2 * np.pi) + rng.normal(0, 1, 26)
    chat = 15 + 0.3 * w + rng.normal(0, 1, 26)
    r = rules(attrition_per_month=0.04, hiring_lead_weeks=4, training_weeks=2, ramp_aht_multiplier=[1.5, 1.2], class_size_min=2,
              class_size_max=10, overtime_max_share=0.1, cost_per_hire=1000)
    plan = plan_capacity(weekly({"voice": list(voice), "chat": list(chat)}), pools((["voice"], 30), (["chat"], 14), (["voice", "chat"], 10)), r)
    t = plan.table
    assert plan.optimal and not any("cannot be covered" in n for n in plan.notes)
    assert plan.min_gap_fte >= -1e-6
    assert (t["gap_fte"] >= -1e-6).all()
    assert (t["overtime_fte"] <= 0.1 * t["tenured_fte"] + 1e-3).all()  # (both rounded to 0.001 FTE)
    assert t["hires_start"].sum() > 0
    np.testing.assert_allclose(t["available_fte"], t["tenured_fte"] + t["new_hire_fte"], atol=2e-3)
    np.testing.assert_allclose(t["cost"], t["hire_cost"] + t["overtime_cost"], atol=0.02)
    # hiring costs less than overtime alone on a sustained gap
    assert plan.cost < plan.overtime_only_cost


def test_no_class_starts_within_the_lead_time_and_requisitions_open_that_many_weeks_before():
    r = rules(attrition_per_month=0.0, hiring_lead_weeks=5, training_weeks=1, ramp_aht_multiplier=[], overtime_max_share=1.0)
    plan = plan_capacity(weekly({"voice": [20.0] * 3 + [30.0] * 13}), pools((["voice"], 20)), r)
    t = plan.table
    assert (t.loc[t["week"] <= 5, "hires_start"] == 0).all()
    assert t["hires_start"].sum() > 0
    for row in plan.classes.itertuples():
        assert row.requisition_week == row.start_week - 5
        assert t.loc[t["week"] == row.requisition_week, "requisitions_open"].sum() == row.hires
    assert plan.min_gap_fte >= -1e-6


def test_new_hires_produce_nothing_in_training_then_follow_the_ramp():
    cap = dict(attrition_per_month=0.03, hiring_lead_weeks=0, training_weeks=3, ramp_aht_multiplier=[2.0, 1.25], class_size_min=4,
               class_size_max=4, overtime_max_share=0.0)
    # no agents today, no overtime and a requirement from week 4 on that half a class of 4 covers: it starts in week 1
    plan = plan_capacity(weekly({"voice": [0.0] * 3 + [1.9] + [3.0] * 6}), pools(), rules(**cap))
    t = plan.table.set_index("week")
    assert list(plan.classes["start_week"]) == [1] and list(plan.classes["hires"]) == [4]
    s = survival(np.arange(1, 11), 0.03)
    expected = 4 * np.array([0, 0, 0, 0.5, 0.8, 1, 1, 1, 1, 1]) * s
    np.testing.assert_allclose(t["new_hire_fte"].to_numpy(), expected, atol=1e-3)
    np.testing.assert_allclose(hire_productivity(CapacitySettings(**cap), 6), [0, 0, 0, 0.5, 0.8, 1])
    assert (t["gap_fte"] >= -1e-6).all()


def test_a_short_peak_within_the_overtime_cap_is_covered_by_overtime_not_a_class():
    r = rules(attrition_per_month=0.0, hiring_lead_weeks=1, training_weeks=2, ramp_aht_multiplier=[1.2], overtime_max_share=0.2,
              cost_per_hire=3000)
    plan = plan_capacity(weekly({"voice": [18.0] * 6 + [21.5] + [18.0] * 5}), pools((["voice"], 20)), r)
    assert plan.table["hires_start"].sum() == 0
    assert plan.table.loc[plan.table["week"] == 7, "overtime_fte"].iloc[0] == pytest.approx(1.5, abs=1e-3)
    assert plan.cost == pytest.approx(plan.overtime_only_cost)
    assert plan.overtime_cost == pytest.approx(1.5 * 40 * 20 * 1.5, rel=1e-3)


def test_classes_keep_their_size_limits():
    r = rules(attrition_per_month=0.02, hiring_lead_weeks=2, training_weeks=1, ramp_aht_multiplier=[], class_size_min=5,
              class_size_max=8, overtime_max_share=0.5)
    plan = plan_capacity(weekly({"voice": list(np.linspace(10, 40, 20))}), pools((["voice"], 12)), r)
    assert len(plan.classes) and plan.classes["hires"].between(5, 8).all()
    assert plan.min_gap_fte >= -1e-6


def test_a_week_no_plan_can_cover_is_shown_negative_and_explained():
    r = rules(hiring_lead_weeks=4, training_weeks=2, ramp_aht_multiplier=[], overtime_max_share=0.1)
    plan = plan_capacity(weekly({"voice": [30.0] * 10}), pools((["voice"], 20)), r)
    t = plan.table
    assert (t.loc[t["week"] <= 6, "gap_fte"] < 0).all() and (t.loc[t["week"] > 6, "gap_fte"] >= -1e-6).all()
    assert plan.min_gap_fte < 0 and "voice: weeks 1-6 cannot be covered" in plan.notes[0]


def test_weekly_requirement_sums_interval_staffing_with_overhead_and_shrinkage(tmp_path):
    grid_index = pd.date_range(START, periods=14 * 24, freq="h", tz="UTC")
    req = pd.DataFrame({"ds": grid_index, "channel": "voice", "agents_net_exact": 10.0})
    grid = TimeGrid(interval_min=60, start=START, end=START + pd.Timedelta(days=14), zones=("UTC",))
    (tmp_path / "targets.toml").write_text('[channels.voice]\nmodel = "erlang_c"\ntarget_sl = 0.8\ntarget_s = 20\naht_s = 300\nshrinkage = 0.2\n')
    w = weekly_requirement(req, grid, load_targets(tmp_path / "targets.toml"), rules(scheduling_overhead=0.1), 2)
    assert list(w["week"]) == [1, 2]
    assert w["net_agent_h"].tolist() == [1680.0, 1680.0]
    assert w["required_net_fte"].iloc[0] == pytest.approx(42.0)
    assert w["required_fte"].iloc[0] == pytest.approx(42.0 * 1.1 / 0.8)
    with pytest.raises(InputError, match="--weeks"):
        weekly_requirement(req, grid, load_targets(tmp_path / "targets.toml"), rules(), 3)


def test_headcount_counts_contract_hours_as_fte_per_site_and_skills():
    base = {"site_tz": "Europe/Lisbon"}
    agents = [Agent(agent_id="A1", site="L", contract="full_time", skills=("voice",), **base),
              Agent(agent_id="A2", site="L", contract="part_time", skills=("voice",), **base),
              Agent(agent_id="A3", site="L", contract="part_time", skills=("chat", "voice"), **base)]
    h = {r.skills: r for r in headcount(agents, rules()).itertuples()}
    assert h[("voice",)].fte == pytest.approx(1.75)
    assert h[("voice",)].agents == 2
    assert h[("chat", "voice")].fte == pytest.approx(0.75)
    assert h[("voice",)].hourly_cost == pytest.approx((1 * 20 + 0.75 * 18) / 1.75)


RULES = """
[contracts.ft]
min_week_h = 32
max_week_h = 40
max_days_per_week = 5
shift_lengths_h = [8]
hourly_cost = 20.0

[capacity]
"""


@pytest.mark.parametrize("line, key, words", [
    ("attrition_per_month = -0.05", "capacity.attrition_per_month", "expected 0 to 1, found -0.05"),
    ("attrition_per_month = 1.2", "capacity.attrition_per_month", "expected 0 to 1, found 1.2"),
    ("overtime_rate = 0.8", "capacity.overtime_rate", "below the base rate"),
    ("ramp_aht_multiplier = [1.5, 0.7]", "capacity.ramp_aht_multiplier", "week 2: 0.7"),
    ("overtime_max_share = 1.5", "capacity.overtime_max_share", "expected 0 to 1"),
    ("class_size_min = 9\nclass_size_max = 4", "capacity", "class_size_min = 9 is above class_size_max = 4"),
    ('hire_contract = "temp"', "", "capacity.hire_contract = 'temp' is not a contract"),
    ("trainign_weeks = 2", "capacity.trainign_weeks", "unknown setting"),
])
def test_bad_capacity_settings_name_the_file_and_key(tmp_path, line, key, words):
    path = tmp_path / "rules.toml"
    path.write_text(RULES + line + "\n")
    with pytest.raises(InputError) as exc:
        load_rules(path)
    text = str(exc.value)
    assert "rules.toml" in text and words in text
    if key:
        assert f"key '{key}'" in text


@pytest.mark.parametrize("value", ["-0.1", "1.2"])
def test_bad_shrinkage_names_the_targets_file_and_key(tmp_path, value):
    path = tmp_path / "targets.toml"
    path.write_text(f'[channels.voice]\nmodel = "erlang_c"\ntarget_sl = 0.8\ntarget_s = 20\naht_s = 300\nshrinkage = {value}\n')
    with pytest.raises(InputError, match=r"targets.toml: key 'channels.voice.shrinkage'"):
        load_targets(path)


def test_a_ramp_longer_than_the_horizon_and_a_lead_time_past_it_are_refused():
    cap = CapacitySettings(training_weeks=4, ramp_aht_multiplier=[1.5, 1.2, 1.1], hiring_lead_weeks=8)
    with pytest.raises(InputError) as exc:
        check_settings(cap, 6)
    problems = {p.column: p for p in exc.value.problems}
    assert set(problems) == {"capacity.ramp_aht_multiplier", "capacity.hiring_lead_weeks"}
    assert all(p.file == "rules.toml" for p in problems.values())
    assert "7 weeks, longer than the 6-week horizon" in problems["capacity.ramp_aht_multiplier"].message
    check_settings(cap, 10)  # fits


def test_capacity_settings_changed_in_the_app_are_validated_as_the_file_is():
    r = capacity_settings(rules(), attrition_per_month=0.05)
    assert r.capacity.attrition_per_month == 0.05 and r.contracts == rules().contracts
    with pytest.raises(InputError, match=r"key 'capacity.overtime_rate'.*below the base rate"):
        capacity_settings(rules(), overtime_rate=0.9)


def test_the_hiring_plan_pays_overtime_at_the_rules_one_overtime_rate_unless_capacity_sets_its_own():
    base = rules().model_dump()
    one = LabourRules.model_validate({**base, "overtime": {"rate": 2.0}, "capacity": {}})
    assert one.capacity.overtime_rate == 2.0 and one.overtime.rate == 2.0
    own = LabourRules.model_validate({**base, "overtime": {"rate": 2.0}, "capacity": {"overtime_rate": 1.25}})
    assert own.capacity.overtime_rate == 1.25
    # the sample sets the rate once, in [overtime]
    sample = load_rules("data/samples/rules.toml")
    assert sample.capacity.overtime_rate == sample.overtime.rate


# --------------------------------------------------------------------------- #
# Per channel and site
# --------------------------------------------------------------------------- #


def _agent(i, site, tz, skills, contract="full_time", **kw):
    return Agent(agent_id=f"{site[:2]}{i:03d}", site=site, site_tz=tz, contract=contract, skills=tuple(skills), **kw)


def _hourly_requirement(days: int, channels: dict[str, float]) -> tuple[pd.DataFrame, TimeGrid]:
    grid = TimeGrid(interval_min=60, start=START, end=START + pd.Timedelta(days=days), zones=("UTC",))
    ds = pd.date_range(START, periods=24 * days, freq="h", tz="UTC")
    req = pd.concat([pd.DataFrame({"ds": ds, "channel": c, "agents_net_exact": v}) for c, v in channels.items()], ignore_index=True)
    return req, grid


def test_a_site_whose_hours_cover_part_of_the_day_gets_the_requirement_of_those_hours_only():
    import datetime as dt

    # Lisbon's agents start 08:00-08:00 local and work 8.5 h: 08:00-16:30 Lisbon (UTC in January); Charlotte's cover the day
    agents = [_agent(i, "Lisbon", "Europe/Lisbon", ["voice"], earliest_start=dt.time(8), latest_start=dt.time(8)) for i in range(4)]
    agents += [_agent(i, "Charlotte", "America/New_York", ["voice"], earliest_start=dt.time(0), latest_start=dt.time(23, 59))
               for i in range(4)]
    ds = pd.date_range(START, periods=24, freq="h", tz="UTC")
    share = site_shares(ds, ["voice"], agents, rules())["voice"]
    np.testing.assert_allclose(share.sum(axis=1), 1.0)
    lisbon_hours = (ds.hour >= 8) & (ds.hour < 17)  # starts 08:00 .. 16:00 UTC
    np.testing.assert_allclose(share.loc[lisbon_hours, "Lisbon"], 0.5)  # same FTE on both sites then
    np.testing.assert_allclose(share.loc[~lisbon_hours, "Lisbon"], 0.0)
    req, grid = _hourly_requirement(7, {"voice": 2.0})
    w = weekly_requirement(req, grid, _targets(["voice"]), rules(), 1, agents)
    by = w.set_index("site")["net_agent_h"]
    assert by["Lisbon"] == pytest.approx(7 * 9 * 2.0 * 0.5) and by["Charlotte"] == pytest.approx(7 * 24 * 2.0 - by["Lisbon"])


def test_a_site_without_the_skill_gets_none_of_the_channel_and_an_agent_with_two_skills_counts_once():
    agents = [_agent(0, "Lisbon", "Europe/Lisbon", ["chat"]), _agent(1, "Lisbon", "Europe/Lisbon", ["chat", "voice"]),
              _agent(0, "Charlotte", "Europe/Lisbon", ["voice"])]
    ds = pd.date_range(START + pd.Timedelta(hours=10), periods=1, freq="h", tz="UTC")
    shares = site_shares(ds, ["chat", "voice"], agents, rules())
    assert shares["chat"].loc[ds[0], "Charlotte"] == 0.0 and shares["chat"].loc[ds[0], "Lisbon"] == 1.0
    # voice: Lisbon's agent is half on voice (two skills), Charlotte's whole: 1/3 and 2/3
    assert shares["voice"].loc[ds[0], "Lisbon"] == pytest.approx(1 / 3)


def _targets(channels):
    from roster.schema import Targets

    return Targets.model_validate({"channels": {c: {"model": "erlang_c", "target_sl": 0.8, "target_s": 20, "aht_s": 300,
                                                     "shrinkage": 0.0} for c in channels}})


def site_weekly(required: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    rows = [{"week": w + 1, "week_start": START + pd.Timedelta(days=7 * w), "channel": c, "site": s, "required_net_fte": r,
             "required_fte": r} for (c, s), series in required.items() for w, r in enumerate(series)]
    return pd.DataFrame(rows)


def site_pools(*entries) -> pd.DataFrame:
    return pd.DataFrame([{"site": site, "skills": tuple(s), "agents": int(np.ceil(f)), "fte": float(f), "hourly_cost": 20.0}
                         for site, s, f in entries])


def test_hires_are_placed_at_the_site_that_is_short_and_only_at_the_hiring_sites():
    r = rules(attrition_per_month=0.0, hiring_lead_weeks=1, training_weeks=1, ramp_aht_multiplier=[], class_size_min=1,
              class_size_max=20, overtime_max_share=0.0)
    # Lisbon is short from week 4, Charlotte has spare agents but cannot cover Lisbon's hours
    weekly_ = site_weekly({("voice", "Lisbon"): [10.0] * 3 + [14.0] * 7, ("voice", "Charlotte"): [8.0] * 10})
    plan = plan_capacity(weekly_, site_pools(("Lisbon", ["voice"], 10), ("Charlotte", ["voice"], 12)), r)
    t = plan.table
    assert set(t["site"]) == {"Lisbon", "Charlotte", "all"}
    assert len(plan.classes) and set(plan.classes["site"]) == {"Lisbon"} and plan.classes["hires"].sum() == 4
    assert plan.min_gap_fte >= -1e-6
    lis = t[t["site"] == "Lisbon"]
    assert (lis["tenured_fte"] <= 10 + 1e-6).all()  # Charlotte's agents are not counted at Lisbon
    tot = t[t["site"] == "all"].set_index("week")
    per = t[t["site"] != "all"].groupby("week")[["required_fte", "available_fte", "hires_start", "cost"]].sum()
    np.testing.assert_allclose(tot[["required_fte", "available_fte", "hires_start", "cost"]].to_numpy(), per.to_numpy(), atol=0.01)
    assert plan.cost == pytest.approx(float(tot["cost"].sum()), abs=0.1)
    # hires only at Charlotte: Lisbon's weeks cannot be covered, and the note says why
    only = plan_capacity(weekly_, site_pools(("Lisbon", ["voice"], 10), ("Charlotte", ["voice"], 12)),
                         rules(**{**r.capacity.model_dump(), "sites": ["Charlotte"]}))
    assert only.classes.empty and only.min_gap_fte < -1
    assert any("voice at Lisbon" in n and "not placed at Lisbon" in n for n in only.notes)


def test_a_hiring_site_not_in_the_team_names_the_file_and_key():
    from roster.planning.capacity import check_sites

    agents = [_agent(0, "Lisbon", "Europe/Lisbon", ["voice"])]
    check_sites(CapacitySettings(sites=["Lisbon"]), agents)
    with pytest.raises(InputError) as exc:
        check_sites(CapacitySettings(sites=["Lisbon", "Porto"]), agents)
    p = exc.value.problems[0]
    assert p.file == "rules.toml" and p.column == "capacity.sites" and "'Porto' is not a site of agents.csv" in p.message


def test_an_empty_list_of_hiring_sites_is_refused_naming_the_key():
    from roster.planning.capacity import check_settings

    check_settings(CapacitySettings(sites=None), 26)
    with pytest.raises(InputError) as exc:
        check_settings(CapacitySettings(sites=[]), 26)
    p = exc.value.problems[0]
    assert p.file == "rules.toml" and p.column == "capacity.sites" and "no site to hire at" in p.message
