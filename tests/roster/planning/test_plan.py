"""The plan on 30- and 60-minute histories end to end, and the labour rules checked against the plan's grid."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.io.outputs import OutputError
from roster.planning.inputs import load_inputs
from roster.planning.plan import OUTPUT_FILES, PlanSettings, channel_switches_line, run_plan, solver_config, write_plan
from roster.rostering.validation import validate_roster
from tests.conftest import SAMPLES

SETTINGS = PlanSettings(horizon_days=9, backtest=False, time_limit_s=6, workers=2, simulation_runs=2)


def small_folder(folder: Path, minutes: int, rules: str | None = None) -> Path:
    """Five weeks of the sample's voice and email history summed to ``minutes`` and scaled to 8 agents."""
    folder.mkdir(parents=True, exist_ok=True)
    h = pd.read_csv(SAMPLES / "history.csv.gz")
    h = h[(h["ds"] >= "2026-10-18T00:00:00Z") & h["channel"].isin(["voice", "email"])].copy()
    h["ds"] = pd.to_datetime(h["ds"], utc=True).dt.floor(f"{minutes}min")
    h["work"] = h["volume"] * h["aht_s"].fillna(0.0)
    h = h.groupby(["ds", "channel", "tz"], as_index=False)[["volume", "work"]].sum()
    h["aht_s"] = h["work"] / h["volume"].where(h["volume"] > 0)
    h["volume"] = np.round(h["volume"] * 0.05)
    h.loc[h["volume"] == 0, "aht_s"] = np.nan
    h["ds"] = h["ds"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    h.drop(columns="work").to_csv(folder / "history.csv", index=False)
    agents = pd.read_csv(SAMPLES / "agents.csv", keep_default_na=False)
    agents = agents[agents["site"] == "Charlotte"].head(8).assign(skills="voice|email")
    agents.to_csv(folder / "agents.csv", index=False)
    shutil.copy(SAMPLES / "targets.toml", folder / "targets.toml")
    text = (SAMPLES / "rules.toml").read_text()
    (folder / "rules.toml").write_text(rules(text) if rules else text)
    return folder


def hourly_starts(text: str) -> str:
    return text.replace("shift_start_step_min = 30", "shift_start_step_min = 60")


@pytest.mark.parametrize(("minutes", "rules"), [(30, None), (60, None), (60, hourly_starts)])
def test_plan_runs_on_the_historys_own_grid(tmp_path, minutes, rules):
    inputs = load_inputs(small_folder(tmp_path / "data", minutes, rules))
    assert inputs.grid.interval_min == minutes
    result = run_plan(inputs, SETTINGS)
    step = pd.Timedelta(minutes=minutes)
    assert result.grid == result.forecast.grid and result.grid.interval_min == minutes
    fc, req, cov = result.forecast.forecast, result.requirements, result.roster.coverage
    for frame in (fc, req, cov, result.simulation):
        assert (frame["ds"] == frame["ds"].dt.floor(step)).all()
        assert (np.diff(np.sort(frame["ds"].unique())) == step.to_timedelta64()).all()
    assert len(fc) == 9 * 24 * 60 // minutes * fc.groupby(["channel", "tz"]).ngroups
    assert fc["ds"].min() == inputs.grid.end and result.grid.end == inputs.grid.end + pd.Timedelta(days=9)
    # the roster places shifts on the rules' start grid and breaks on its 15-minute resolution, whatever the plan's grid
    roster = result.roster.roster
    starts = roster.loc[roster["activity"] == "shift"].groupby("shift_id")["start_utc"].min()
    assert (starts == starts.dt.floor(f"{inputs.rules.shift_start_step_min}min")).all()
    pauses = roster[roster["activity"] != "shift"]
    assert ((pauses["end_utc"] - pauses["start_utc"]).isin([pd.Timedelta(minutes=15), pd.Timedelta(minutes=30)])).all()
    assert (roster["start_utc"] == roster["start_utc"].dt.floor("15min")).all()
    if minutes == 60 and rules is None:  # half-hour starts and quarter-hour breaks on an hourly plan, as the rules say
        assert (starts.dt.minute == 30).any() and (pauses["start_utc"].dt.minute % 30 == 15).any()
    assert validate_roster(roster, inputs.agents, inputs.rules, inputs.time_off, interval_min=15,
                           week_start=result.week_start) == []
    assert result.roster.kpis.violations == 0
    # agent-hours are counted on the grid's interval, and coverage on the plan's grid keeps the roster's agent-hours
    assert result.summary().required_agent_h == pytest.approx(cov["required"].sum() * minutes / 60)
    assert cov["scheduled"].sum() * minutes / 60 == pytest.approx(result.roster.kpis.scheduled_agent_h)


def test_a_rules_files_interval_is_the_rosters_resolution(tmp_path):
    folder = small_folder(tmp_path, 30, lambda t: "interval_min = 30\n" + t)
    inputs = load_inputs(folder)
    result = run_plan(inputs, SETTINGS)
    roster = result.roster.roster
    assert (roster["start_utc"] == roster["start_utc"].dt.floor("30min")).all()  # breaks on the half hour
    assert validate_roster(roster, inputs.agents, inputs.rules, inputs.time_off, interval_min=30, week_start=result.week_start) == []


@pytest.mark.parametrize(
    ("minutes", "rules", "key", "message"),
    [
        (15, lambda t: "interval_min = 30\n" + t, "interval_min",
         "interval_min = 30 (the roster's resolution) does not divide the plan's 15-minute grid"),
        (60, lambda t: "interval_min = 60\n" + t, "shift_start_step_min",
         "shift_start_step_min = 30 is not a multiple of the roster's 60-minute resolution"),
        (30, lambda t: "interval_min = 30\n" + t.replace("min_channel_block_min = 60", "min_channel_block_min = 45"),
         "min_channel_block_min", "min_channel_block_min = 45 is not a multiple of the roster's 30-minute resolution"),
    ],
)
def test_rules_that_do_not_fit_the_plans_grid_are_refused(tmp_path, minutes, rules, key, message):
    folder = small_folder(tmp_path, minutes, rules)
    with pytest.raises(InputError) as e:
        load_inputs(folder)
    p = e.value.problems[0]
    assert (p.file, p.column) == ("rules.toml", key) and message in p.message
    # the same rules file with a history its resolution divides fits
    if minutes == 15:
        assert load_inputs(small_folder(tmp_path / "coarse", 30, rules)).grid.interval_min == 30


@pytest.fixture(scope="module")
def hourly_plan(tmp_path_factory):
    """A plan with its simulation and the same plan without (the roster and the rest are the same)."""
    inputs = load_inputs(small_folder(tmp_path_factory.mktemp("data"), 60))
    result = run_plan(inputs, SETTINGS)
    return result, dataclasses.replace(result, simulation=None)


def test_a_plan_without_simulation_leaves_no_simulation_of_an_earlier_run(hourly_plan, tmp_path):
    simulated, not_simulated = hourly_plan
    out = tmp_path / "out"
    write_plan(simulated, out)
    (out / "notes.txt").write_text("mine")
    assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUT_FILES, "notes.txt"])
    write_plan(not_simulated, out)
    assert sorted(p.name for p in out.iterdir()) == sorted([*(n for n in OUTPUT_FILES if n != "simulation.csv"), "notes.txt"])
    assert (out / "notes.txt").read_text() == "mine"


def test_a_plan_whose_calendar_path_is_a_folder_writes_nothing(hourly_plan, tmp_path):
    simulated, not_simulated = hourly_plan
    out = tmp_path / "out"
    write_plan(not_simulated, out)
    (out / "roster.ics").unlink()
    (out / "roster.ics").mkdir()
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with pytest.raises(OutputError, match="is a folder") as e:
        write_plan(simulated, out)
    assert e.value.path == str(out / "roster.ics")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before and (out / "roster.ics").is_dir()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_the_staffing_stage_notes_contacts_staffed_with_the_default_handle_time():
    from forecast.timegrid import TimeGrid
    from roster.io import load_targets
    from roster.planning.plan import staffing_stage

    ds = pd.date_range("2026-06-01", periods=8, freq="15min", tz="UTC")
    fc = pd.DataFrame({"ds": ds, "channel": "voice", "tz": "America/New_York", "volume": 10.0, "aht_s": np.nan})
    staffing = staffing_stage(fc, TimeGrid.from_frame(fc, file="forecast"), load_targets(SAMPLES / "targets.toml"), SETTINGS)
    assert staffing.notes == [
        "voice: 8 interval(s) with contacts (100%) have no handle time in the forecast; staffed with the targets' aht_s = 330 s there"
    ]


def test_the_channel_switches_line_says_switches_limits_and_the_rules_cost():
    from types import SimpleNamespace

    from roster.io import load_rules

    k = SimpleNamespace(switches_per_shift_mean=1.234, switches_per_shift_max=3, shifts_over_max_switches=0,
                        channel_block_cost_agent_h=11.24)
    rules = load_rules(SAMPLES / "rules.toml")
    line = channel_switches_line(k, rules)
    assert line.startswith("channel switches per shift: 1.23 on average, 3 at most (rules: at most 3, stretches of at least 60 min)")
    assert "the channel rules cost 11.2 agent-hours of cover" in line and "above the limit" not in line
    over = channel_switches_line(SimpleNamespace(**{**vars(k), "shifts_over_max_switches": 2, "channel_block_cost_agent_h": float("nan")}))
    assert "2 shift(s) above the limit" in over and "cost" not in over and "rules:" not in over


def test_the_plan_summary_says_what_ended_the_roster_search(hourly_plan):
    result, _ = hourly_plan
    s = result.summary()
    assert s.search_ended_by in ("work budget", "time limit", "converged")
    assert "search ended by: " in result.summary_text()
    assert result.settings.effort == 60 and solver_config(result.settings).effort == 60


def test_a_plan_with_a_calibration_staffs_and_simulates_with_it(tmp_path):
    from roster.staffing.calibration import Calibration

    inputs = load_inputs(small_folder(tmp_path / "data", 60, hourly_starts))
    cal = Calibration.model_validate({
        "source": "a.csv", "fitted_from": "2026-01-01T00:00:00Z", "fitted_until": "2026-01-15T00:00:00Z", "interval_min": 15,
        "channels": {"voice": {"availability": 0.6, "patience_s": 240.0, "patience_from": "waits", "intervals": 300, "fitted": True}},
    })
    settings = SETTINGS.model_copy(update={"simulation_runs": 1, "time_limit_s": 3})
    result = run_plan(dataclasses.replace(inputs, calibration=cal), settings)
    req = result.requirements
    assert np.allclose(req.loc[req["channel"] == "voice", "shrinkage"], 0.4)
    assert np.allclose(req.loc[req["channel"] == "email", "shrinkage"], inputs.targets.channels["email"].shrinkage)
    assert result.inputs.targets.channels["voice"].shrinkage == 0.4 and result.inputs.targets.channels["voice"].patience_s == 240
    assert any("calibration: voice: shrinkage 15% -> 40%" in n for n in result.notes)
    written = write_plan(result, tmp_path / "out")
    assert "shrinkage = 0.4" in (tmp_path / "out" / "targets.toml").read_text() and written


def test_a_plan_written_with_parquet_has_each_table_typed_beside_its_csv(hourly_plan, tmp_path):
    from roster.planning.plan import PARQUET_TABLES, parquet_name

    simulated, _ = hourly_plan
    out = tmp_path / "out"
    write_plan(simulated, out, parquet=True)
    for table in PARQUET_TABLES:
        frame = pd.read_parquet(out / parquet_name(table))
        assert list(frame.columns) == list(table.names)
        assert len(frame) == len(pd.read_csv(out / table.name))
    assert str(pd.read_parquet(out / "forecast.parquet")["ds"].dtype).startswith("datetime64") and \
        str(pd.read_parquet(out / "forecast.parquet")["ds"].dt.tz) == "UTC"
    write_plan(simulated, out)  # a plan without --parquet leaves no Parquet file of an earlier run
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)


@pytest.mark.parametrize("layout", ["file", "folder"])
def test_a_data_folder_may_hold_the_history_as_parquet(tmp_path, layout):
    csv_folder = small_folder(tmp_path / "csv", 60)
    pq_folder = small_folder(tmp_path / "pq", 60)
    history = pd.read_csv(pq_folder / "history.csv")
    (pq_folder / "history.csv").unlink()
    if layout == "file":
        history.to_parquet(pq_folder / "history.parquet", index=False)
    else:
        (pq_folder / "history").mkdir()
        for channel, part in history.groupby("channel"):
            part.to_parquet(pq_folder / "history" / f"{channel}.parquet", index=False)
    got, want = load_inputs(pq_folder), load_inputs(csv_folder)
    pd.testing.assert_frame_equal(got.history, want.history)
    assert got.grid == want.grid
