"""``shiftcast whatif``: a scenario planned for end to end, and a scenario the plan cannot adopt refused with nothing written."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from forecast import tables
from ui.cli import main

OPTIONS = ["--interval-min", "60", "--horizon-days", "9", "--no-backtest", "--time-limit", "5", "--runs", "2", "--workers", "2"]
#: a Wednesday afternoon (New York) of the roster week the plan makes by default (from Monday 2026-11-23)
#: the roster search bounded by its work budget, not the clock: the same inputs give the same roster in every run
REPEATABLE = ["--interval-min", "60", "--horizon-days", "9", "--no-backtest", "--time-limit", "60", "--effort", "4", "--runs", "2",
              "--workers", "2"]
FLASH = 'name = "Flash sale"\nstart = 2026-11-25T10:00:00\nlocal_tz = "America/New_York"\nduration_h = 6\nuplift = 3.0\nchannels = ["voice"]\n'


def test_whatif_writes_the_adopted_plan_and_the_events_service_level(small_app_data, tmp_path, capsys):
    scenario = tmp_path / "flash.toml"
    scenario.write_text(FLASH)
    out = tmp_path / "out"
    assert main(["whatif", "--data", str(small_app_data), "--scenario", str(scenario), "--out", str(out), *OPTIONS]) == 0
    printed = capsys.readouterr().out
    assert "Scenario 'Flash sale'" in printed and "extra cost" in printed and "SL before" in printed
    names = {p.name for p in out.iterdir()}
    assert {"roster.csv", "forecast.csv", "requirements.csv", "event_service_level.csv", "scenario_summary.json"} <= names
    sl = pd.read_csv(out / "event_service_level.csv")
    assert list(sl.columns) == list(tables.EVENT_SERVICE_LEVEL.names)
    assert len(sl) == 6 and set(sl["channel"]) == {"voice"}
    assert sl["ds"].min() == "2026-11-25T15:00:00Z"  # the event's own hours, in UTC
    summary = json.loads((out / "scenario_summary.json").read_text())
    assert summary["keep_roster"] == "outside_event" and summary["event"]["name"] == "Flash sale"
    assert summary["totals"]["extra_cost"] == pytest.approx(summary["totals"]["adopted_cost"] - summary["totals"]["base_cost"])
    # the forecast written is the one with the event
    fc = pd.read_csv(out / "forecast.csv")
    assert fc.loc[fc["ds"] == "2026-11-25T16:00:00Z", "events"].fillna("").str.contains("Flash sale").any()


@pytest.mark.parametrize(("args", "expected"), [
    (["--event", "name=Late; start=2027-03-01T10:00; hours=6; uplift=2"], "--event, column 'start': the event runs 2027-03-01"),
    (["--event", "name=Long; start=2026-11-30T10:00; hours=72; uplift=2"], "--event, column 'duration_h'"),
    (["--event", "name=X; start=2026-11-25T10:00; hours=6"], "give either an uplift or a kind"),
    (["--event", "name=X; start=2026-11-25T10:00; hours=6; uplift=2; channel=voice"], "key 'channel': unknown setting"),
    ([], "give the event either as --event"),
])
def test_a_scenario_the_plan_cannot_adopt_is_refused_and_nothing_is_written(small_app_data, tmp_path, capsys, args, expected):
    out = tmp_path / "out"
    assert main(["whatif", "--data", str(small_app_data), "--out", str(out), *args, *OPTIONS]) == 2
    assert expected in capsys.readouterr().err.replace("\n", " ")
    assert not out.exists()


def test_a_bad_scenario_file_names_the_file_and_key(small_app_data, tmp_path, capsys):
    scenario = tmp_path / "flash.toml"
    scenario.write_text(FLASH.replace("duration_h = 6", "duration_h = -1"))
    assert main(["whatif", "--data", str(small_app_data), "--scenario", str(scenario), "--out", str(tmp_path / "out"), *OPTIONS]) == 2
    err = capsys.readouterr().err
    assert "flash.toml" in err and "duration_h" in err


@pytest.mark.slow
def test_whatif_with_close_gap_writes_what_closes_the_adopted_rosters_gap(small_app_data, tmp_path, capsys):
    scenario = tmp_path / "flash.toml"
    scenario.write_text(FLASH)
    out = tmp_path / "out"
    args = ["whatif", "--data", str(small_app_data), "--scenario", str(scenario), "--out", str(out), *OPTIONS]
    assert main([*args, "--close-gap"]) == 0
    printed = capsys.readouterr().out
    recs = pd.read_csv(out / "recommendations.csv")
    assert list(recs.columns) == list(tables.RECOMMENDATIONS.names)
    # the scaled-down team is short during a 3x flash sale: something is recommended, with its cost
    # (cross-training costs the rules' training_cost, 0 on the sample)
    assert len(recs) >= 1 and (recs["removed_agent_h"] > 0).all() and (recs["cost"] >= 0).all() and recs["cost"].sum() > 0
    assert "what closes the adopted roster's gap" in printed and recs["recommendation"].iloc[0] in printed.replace("\n    ", " ")
    agents = pd.read_csv(out / "recommended_agents.csv", keep_default_na=False)
    assert list(agents.columns) == list(tables.AGENTS_FILE.names) and len(agents) >= 1
    # without --close-gap the same folder loses both files (they were about another run)
    assert main(args) == 0
    assert not (out / "recommendations.csv").exists() and not (out / "recommended_agents.csv").exists()


def _store_with_stale_scenarios(path):
    """A store holding a scenario planned for on an earlier roster, one whose event is now outside the forecast, and one
    never planned for."""
    from ui.scenarios import ScenarioStore

    store = ScenarioStore(path)
    flash = load_scenario_text(FLASH)
    old = {"base_fingerprint": "an-earlier-roster", "keep_roster": "outside_event", "totals": {"extra_cost": 1.0}, "channels": []}
    ids = {"flash": store.save("Flash sale", flash, {"adopted": dict(old)})}
    late = dict(flash, name="Late sale", start="2027-03-01T10:00:00")
    ids["late"] = store.save("Late sale", late, {"adopted": dict(old)})
    ids["never"] = store.save("Never planned", dict(flash, name="Never planned"), {})
    return store, ids


def load_scenario_text(text: str) -> dict:
    import tempfile
    from pathlib import Path

    from roster.io import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "s.toml"
        f.write_text(text)
        return load_scenario(f).model_dump(mode="json")


@pytest.mark.slow
def test_refresh_stale_replans_every_stale_scenario_on_the_current_roster_like_a_fresh_plan(small_app_data, tmp_path, capsys):
    from forecast.scenario import PlannedEvent
    from roster.planning.adopt import adopt_plan, roster_fingerprint
    from roster.planning.inputs import load_inputs
    from roster.planning.plan import run_plan
    from ui.cli.common import plan_settings
    from ui.scenarios import CURRENT, STALE

    path = tmp_path / "store" / "scenarios.duckdb"
    path.parent.mkdir()
    store, ids = _store_with_stale_scenarios(path)
    assert main(["whatif", "--data", str(small_app_data), "--refresh-stale", "--scenarios", str(path), *REPEATABLE]) == 0
    printed = capsys.readouterr().out.replace("\n", " ")
    assert "2 stale scenario(s)" in printed and "refreshed 1: 'Flash sale'" in printed
    assert "not refreshed: 'Late sale'" in printed and "scenario 'Late sale'" in printed and "2027-03-01" in printed
    # a fresh plan of the same settings: its roster is the one refreshed on, and its adoption has the same figures
    settings = plan_settings(interval_min=60, horizon_days=9, backtest=False, time_limit_s=60, effort=4, simulation_runs=2, workers=2)
    inputs = load_inputs(small_app_data, interval_min=60)
    base = run_plan(inputs, settings)
    fp = roster_fingerprint(base.roster.roster)
    fresh = adopt_plan(base, PlannedEvent(**store.get(ids["flash"])["event"]), keep_roster="outside_event").summary(inputs.rules.currency)
    saved = store.get(ids["flash"])["results"]["adopted"]
    assert saved["base_fingerprint"] == fp and saved["adopted_fingerprint"] == fresh["adopted_fingerprint"]
    assert saved["totals"] == pytest.approx(fresh["totals"])
    assert [c["channel"] for c in saved["channels"]] == [c["channel"] for c in fresh["channels"]]
    for s, f in zip(saved["channels"], fresh["channels"]):
        assert s["sl_after"] == pytest.approx(f["sl_after"]) and s["agents_after"] == pytest.approx(f["agents_after"])
    status = store.table(fp).set_index("name")["planned"]
    assert status["Flash sale"] == CURRENT and status["Late sale"] == STALE and status["Never planned"] == ""
    assert store.get(ids["late"])["results"]["adopted"]["base_fingerprint"] == "an-earlier-roster"  # kept as it was


def test_refresh_stale_without_a_store_or_with_an_event_is_refused(small_app_data, tmp_path, capsys):
    missing = tmp_path / "none" / "scenarios.duckdb"
    assert main(["whatif", "--data", str(small_app_data), "--refresh-stale", "--scenarios", str(missing), *OPTIONS]) == 2
    assert "--scenarios" in capsys.readouterr().err and not missing.exists()
    assert main(["whatif", "--data", str(small_app_data), "--refresh-stale", "--event", "name=X; start=2026-11-25T10:00; hours=6; "
                 "uplift=2", *OPTIONS]) == 2
    assert "give no --event or --scenario" in capsys.readouterr().err.replace("\n", " ")


def test_a_scenario_file_whose_event_lies_outside_the_forecast_names_the_file_and_key_and_writes_nothing(small_app_data, tmp_path,
                                                                                                       capsys):
    scenario = tmp_path / "late.toml"
    scenario.write_text(FLASH.replace("start = 2026-11-25T10:00:00", "start = 2027-03-01T10:00:00"))
    out = tmp_path / "out"
    assert main(["whatif", "--data", str(small_app_data), "--scenario", str(scenario), "--out", str(out), *OPTIONS]) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert "late.toml" in err and "'start'" in err and "2027-03-01" in err, err
    assert not out.exists()
