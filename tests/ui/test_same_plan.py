"""The app and the CLI plan through the same stage functions with the same settings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import roster.planning.plan as plan
from ui.cli import main

APP = str(Path(__file__).resolve().parents[2] / "ui" / "app" / "main.py")
STAGES = ("forecast_stage", "staffing_stage", "roster_stage", "simulation_stage")


@pytest.fixture()
def calls(monkeypatch):
    """Every stage call: the stage's name, the settings it was given and what it returned."""
    seen: list[tuple[str, plan.PlanSettings, object]] = []
    for name in STAGES:
        real = getattr(plan, name)

        def record(*args, _real=real, _name=name, **kw):
            out = _real(*args, **kw)
            settings = next(a for a in list(args) + list(kw.values()) if isinstance(a, plan.PlanSettings))
            seen.append((_name, settings, out))
            return out

        monkeypatch.setattr(plan, name, record)
    return seen


def _app_plan(small_app_data, tmp_path, monkeypatch, limit_s: int):
    monkeypatch.setenv("SHIFTCAST_APP_DATA", str(small_app_data))
    monkeypatch.setenv("SHIFTCAST_DATA_DIR", str(tmp_path / "store"))
    from tests.ui.test_app import forecast, roster

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    forecast(at, days=14, backtest=False)
    roster(at, limit_s=limit_s)
    return at


def test_app_and_cli_reach_the_same_stages_with_the_same_settings(small_app_data, tmp_path, monkeypatch, calls):
    at = _app_plan(small_app_data, tmp_path, monkeypatch, limit_s=5)
    app_calls = list(calls)
    calls.clear()
    code = main(["plan", "--data", str(small_app_data), "--out", str(tmp_path / "out"), "--horizon-days", "14", "--no-backtest",
                 "--time-limit", "5"])
    assert code == 0
    cli_calls = list(calls)
    assert [c[0] for c in app_calls] == [c[0] for c in cli_calls] == list(STAGES)
    app_settings = {name: s for name, s, _ in app_calls}
    cli_settings = {name: s for name, s, _ in cli_calls}
    # the roster and its simulation: the very same settings (seed, workers, simulation runs, week, time limit)
    assert app_settings["roster_stage"] == cli_settings["roster_stage"]
    assert app_settings["simulation_stage"] == cli_settings["simulation_stage"]
    assert cli_settings["roster_stage"].seed == 0 and cli_settings["simulation_stage"].simulation_runs == 20
    # the forecast and the staffing: the same settings wherever they matter there
    forecast_fields = ("horizon_days", "interval_min", "model", "backtest", "peak_correction", "volume_quantile")
    for stage in ("forecast_stage", "staffing_stage"):
        assert [getattr(app_settings[stage], f) for f in forecast_fields] == [getattr(cli_settings[stage], f) for f in forecast_fields]
    # hence the same requirements, on the same grid
    app_staffing, cli_staffing = app_calls[1][2], cli_calls[1][2]
    assert app_staffing.grid == cli_staffing.grid
    pd.testing.assert_frame_equal(app_staffing.requirements, cli_staffing.requirements)
    pd.testing.assert_frame_equal(at.session_state["requirements"], cli_staffing.requirements)
