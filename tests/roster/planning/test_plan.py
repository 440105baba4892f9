"""The plan on 30- and 60-minute histories end to end, and the labour rules checked against the plan's grid."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError
from roster.planning.inputs import load_inputs
from roster.planning.plan import PlanSettings, run_plan
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


@pytest.mark.parametrize(("minutes", "rules"), [(30, None), (60, hourly_starts)])
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
    # the roster runs on the plan's grid: shifts and pauses start on it, and the validator agrees at that interval
    roster = result.roster.roster
    assert (roster["start_utc"] == roster["start_utc"].dt.floor(step)).all()
    assert validate_roster(roster, inputs.agents, inputs.rules, inputs.time_off, interval_min=minutes,
                           week_start=result.week_start) == []
    assert result.roster.kpis.violations == 0
    # agent-hours are counted on the grid's interval
    assert result.summary().required_agent_h == pytest.approx(cov["required"].sum() * minutes / 60)


def test_an_old_rules_file_with_the_grids_interval_is_accepted_with_a_note(tmp_path):
    folder = small_folder(tmp_path, 30, lambda t: "interval_min = 30\n" + t)
    inputs = load_inputs(folder)
    assert any("rules.toml: interval_min is no longer needed" in n for n in inputs.notes)


@pytest.mark.parametrize(
    ("minutes", "rules", "key", "message"),
    [
        (30, lambda t: "interval_min = 15\n" + t, "interval_min",
         "interval_min = 15 does not match the plan's 30-minute grid; the roster runs on the plan's grid, which comes from "
         "the history (or --interval-min): remove interval_min from the rules file"),
        (60, None, "shift_start_step_min", "shift_start_step_min = 30 is not a multiple of the plan's 60-minute grid"),
    ],
)
def test_rules_that_do_not_fit_the_plans_grid_are_refused(tmp_path, minutes, rules, key, message):
    folder = small_folder(tmp_path, minutes, rules)
    with pytest.raises(InputError) as e:
        load_inputs(folder)
    p = e.value.problems[0]
    assert (p.file, p.column) == ("rules.toml", key) and message in p.message
    # the same rules file with a 15-minute history fits
    if minutes == 30:
        assert load_inputs(small_folder(tmp_path / "fine", 15, rules)).grid.interval_min == 15
