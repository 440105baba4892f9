"""Each stage's command on a small slice of the sample data, chained as a user would."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast import tables
from roster.io import load_targets
from ui.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    d = tmp_path_factory.mktemp("stages")
    h = pd.read_csv(SAMPLES / "history.csv.gz")
    h = h[h["ds"] >= "2026-10-04T00:00:00Z"].copy()
    h["volume"] = np.round(h["volume"] * 0.1).astype(int)
    h.loc[h["volume"] == 0, "aht_s"] = np.nan
    h.to_csv(d / "history.csv", index=False)
    agents = pd.read_csv(SAMPLES / "agents.csv", keep_default_na=False)
    pd.concat([agents[agents["site"] == "Charlotte"].head(8), agents[agents["site"] == "Lisbon"].head(6)]).to_csv(d / "agents.csv", index=False)
    assert main(["forecast", "--history", str(d / "history.csv"), "--events", str(SAMPLES / "events.csv"), "--horizon-days", "9", "--out", str(d / "f")]) == 0
    assert main(["staff", "--forecast", str(d / "f" / "forecast.csv"), "--targets", str(SAMPLES / "targets.toml"), "--out", str(d / "s")]) == 0
    assert main(["roster", "--requirements", str(d / "s" / "requirements.csv"), "--agents", str(d / "agents.csv"), "--rules", str(SAMPLES / "rules.toml"),
                 "--time-limit", "10", "--workers", "2", "--out", str(d / "r")]) == 0
    for name in ("requirements.csv",):
        (d / "r" / name).write_bytes((d / "s" / name).read_bytes())
    assert main(["simulate", "--plan", str(d / "r"), "--targets", str(SAMPLES / "targets.toml")]) == 0
    return d


def test_forecast_command_writes_forecast_and_accuracy(chain):
    f = pd.read_csv(chain / "f" / "forecast.csv")
    assert {"ds", "channel", "tz", "volume", "volume_lo", "volume_hi", "aht_s", "model"} <= set(f.columns)
    assert f["ds"].str.endswith("Z").all() and len(f) == 9 * 96 * 12
    acc = pd.read_csv(chain / "f" / "accuracy.csv")
    assert {"wape", "mase", "bias", "coverage_80", "horizon", "model"} <= set(acc.columns)


def test_staff_command_writes_requirements(chain):
    r = pd.read_csv(chain / "s" / "requirements.csv")
    assert {"ds", "channel", "agents_required", "target_sl", "predicted_sl", "agents_net"} <= set(r.columns)
    assert len(r) == 9 * 96 * 4


def test_roster_and_simulate_commands_write_their_files(chain):
    roster = pd.read_csv(chain / "r" / "roster.csv")
    assert {"agent_id", "site_tz", "local_date", "activity", "channel", "start_utc", "end_utc", "start_local", "end_local"} <= set(roster.columns)
    assert (chain / "r" / "roster.ics").read_text().startswith("BEGIN:VCALENDAR")
    # beside roster.csv: one row per shift, and the same shifts for Deputy's import (the agents' names and sites)
    shifts = pd.read_csv(chain / "r" / "shifts.csv", keep_default_na=False)
    assert list(shifts.columns) == list(tables.SHIFTS.names)
    assert sorted(shifts["shift_id"]) == sorted(roster["shift_id"].unique())
    assert shifts["paid_h"].sum() == pytest.approx(roster.loc[roster["activity"] == "shift", "paid_h"].sum())
    agents = pd.read_csv(chain / "agents.csv", keep_default_na=False).set_index("agent_id")
    assert (shifts["name"] == shifts["agent_id"].map(agents["name"])).all() and (shifts["site"] == shifts["agent_id"].map(agents["site"])).all()
    deputy = pd.read_csv(chain / "r" / "roster_deputy.csv", keep_default_na=False)
    assert list(deputy.columns) == list(tables.DEPUTY.names) and len(deputy) == len(shifts)
    assert set(deputy["Email"]) <= set(agents["email"]) and set(deputy["Location"]) <= {"Charlotte", "Lisbon"}
    cov = pd.read_csv(chain / "r" / "coverage.csv")
    assert {"ds", "channel", "required", "scheduled"} <= set(cov.columns)
    sim = pd.read_csv(chain / "r" / "simulation.csv")
    assert {"offered", "answered", "abandoned", "service_level", "asa_s", "occupancy", "backlog", "target_sl"} <= set(sim.columns)


def test_bad_forecast_file_names_file_line_and_column(tmp_path, capsys):
    bad = tmp_path / "forecast.csv"
    bad.write_text("ds,channel,volume\n2026-11-23T00:00:00Z,voice,12\n2026-11-23T00:15:00Z,voice,-3\n")
    code = main(["staff", "--forecast", str(bad), "--targets", str(SAMPLES / "targets.toml"), "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert "forecast.csv, line 3, column 'volume'" in err and "-3" in err
    assert not (tmp_path / "o").exists()


def test_naive_timestamps_in_a_stage_file_are_rejected(tmp_path, capsys):
    bad = tmp_path / "requirements.csv"
    bad.write_text("ds,channel,agents_required\n2026-11-23 00:00,voice,2\n")
    code = main(["roster", "--requirements", str(bad), "--agents", str(SAMPLES / "agents.csv"), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "Z or an offset" in capsys.readouterr().err


def test_staff_on_a_coarser_grid_and_rules_that_do_not_fit_it(chain, tmp_path, capsys):
    code = main(["staff", "--forecast", str(chain / "f" / "forecast.csv"), "--targets", str(SAMPLES / "targets.toml"),
                 "--interval-min", "30", "--out", str(tmp_path / "s")])
    assert code == 0
    r = pd.read_csv(tmp_path / "s" / "requirements.csv", parse_dates=["ds"])
    assert len(r) == 9 * 48 * 4 and (r["ds"].dt.minute % 30 == 0).all()
    voice = r[r["channel"] == "voice"]
    printed = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("voice"))
    assert f"{voice['agents_required'].sum() * 0.5:,.0f}" in printed.split()  # agent-hours on the 30-minute grid
    # a roster resolution the plan's grid cannot hold: refused, naming the file and the key
    (tmp_path / "rules.toml").write_text("interval_min = 60\n" + (SAMPLES / "rules.toml").read_text())
    code = main(["roster", "--requirements", str(tmp_path / "s" / "requirements.csv"), "--agents", str(chain / "agents.csv"),
                 "--rules", str(tmp_path / "rules.toml"), "--time-limit", "5", "--out", str(tmp_path / "r")])
    assert code == 2
    err = capsys.readouterr().err
    assert "rules.toml, column 'interval_min'" in err and "does not divide the plan's 30-minute grid" in err
    assert not (tmp_path / "r").exists()


def test_a_stage_file_not_on_one_grid_is_refused(tmp_path, capsys):
    bad = tmp_path / "requirements.csv"
    bad.write_text("ds,channel,agents_required\n2026-11-23T00:00:00Z,voice,2\n2026-11-23T00:20:00Z,voice,2\n")
    code = main(["roster", "--requirements", str(bad), "--agents", str(SAMPLES / "agents.csv"), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "requirements.csv, column 'ds'" in capsys.readouterr().err


def test_simulate_measures_a_plan_against_the_targets_it_was_staffed_for(chain, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("history.csv", "agents.csv"):
        shutil.copy(chain / name, data / name)
    shutil.copy(SAMPLES / "rules.toml", data / "rules.toml")
    (data / "targets.toml").write_text((SAMPLES / "targets.toml").read_text().replace("target_s = 20", "target_s = 45"))
    out = tmp_path / "plan"
    assert main(["plan", "--data", str(data), "--out", str(out), "--horizon-days", "9", "--no-backtest", "--model", "snaive",
                 "--no-simulate", "--time-limit", "2", "--workers", "1"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "(models: snaive; no backtest: models not chosen by accuracy, 10-90% bands not calibrated)" in printed
    assert load_targets(out / "targets.toml") == load_targets(data / "targets.toml")
    assert main(["simulate", "--plan", str(out), "--runs", "1"]) == 0
    sim = pd.read_csv(out / "simulation.csv")
    assert set(sim.loc[sim["channel"] == "voice", "target_s"]) == {45}  # not the bundled sample's 20
    capsys.readouterr()
    # other targets than the plan's are used when asked for, and said to differ
    assert main(["simulate", "--plan", str(out), "--runs", "1", "--targets", str(SAMPLES / "targets.toml")]) == 0
    assert "voice: the requirements were staffed for target_s = 45 s, the targets given say 20 s" in " ".join(capsys.readouterr().out.split())
    # a folder without its targets is refused, not simulated against the sample's
    (out / "targets.toml").unlink()
    assert main(["simulate", "--plan", str(out), "--runs", "1"]) == 2
    assert "targets.toml: not found" in capsys.readouterr().err


def test_staff_writes_the_targets_beside_the_requirements(chain):
    assert load_targets(chain / "s" / "targets.toml") == load_targets(SAMPLES / "targets.toml")


def test_forecast_without_a_backtest_says_so_and_writes_an_empty_accuracy_table(chain, tmp_path, capsys):
    from forecast.tables import ACCURACY

    assert main(["forecast", "--history", str(chain / "history.csv"), "--horizon-days", "2", "--no-backtest", "--out", str(tmp_path)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "note: no backtest: auto cannot choose a model per series and horizon, so every series uses ets" in printed
    assert "no backtest: models not chosen by accuracy, 10-90% bands not calibrated, accuracy.csv without rows" in printed
    acc = pd.read_csv(tmp_path / "accuracy.csv")
    assert list(acc.columns) == list(ACCURACY.names) and acc.empty


def test_check_roster_passes_the_roster_the_roster_command_wrote(chain, capsys):
    code = main(["check-roster", "--roster", str(chain / "r" / "roster.csv"), "--agents", str(chain / "agents.csv"),
                 "--rules", str(SAMPLES / "rules.toml"), "--requirements", str(chain / "s" / "requirements.csv")])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "no rule broken" in text
    cov = pd.read_csv(chain / "r" / "coverage.csv")
    h = 0.25
    for channel, g in cov.groupby("channel"):
        line = next(x for x in text.splitlines() if x.strip().startswith(channel + " "))
        required, scheduled = (float(v.replace(",", "")) for v in line.split()[1:3])
        assert required == pytest.approx(g["required"].sum() * h, abs=0.051) and scheduled == pytest.approx(g["scheduled"].sum() * h, abs=0.051)


def test_a_roster_that_breaks_a_hard_rule_is_never_written(chain, tmp_path, capsys, monkeypatch):
    # a search whose roster the validator rejects even after the repair: exit 2 naming agent, date and rule, no folder
    from roster.rostering import search
    from roster.rostering.rules import Violation

    monkeypatch.setattr(search, "validate_roster", lambda roster, agents, *a, **k: [Violation("minimum rest", agents[0].agent_id, "2026-11-24", "7.5 h rest, rules need 30 h")])
    code = main(["roster", "--requirements", str(chain / "s" / "requirements.csv"), "--agents", str(chain / "agents.csv"),
                 "--rules", str(SAMPLES / "rules.toml"), "--time-limit", "5", "--effort", "2", "--out", str(tmp_path / "r")])
    assert code == 2
    err = capsys.readouterr().err
    assert "2026-11-24: rule 'minimum rest': 7.5 h rest, rules need 30 h; the solver could not repair it, so no roster was written" in err
    assert not (tmp_path / "r").exists()


def test_the_roster_command_says_what_ended_the_search(chain, tmp_path, capsys):
    code = main(["roster", "--requirements", str(chain / "s" / "requirements.csv"), "--agents", str(chain / "agents.csv"),
                 "--rules", str(SAMPLES / "rules.toml"), "--time-limit", "60", "--effort", "2", "--out", str(tmp_path / "r")])
    assert code == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "search ended by the work budget (--effort; the same inputs and seed give the same roster)" in printed, printed
    assert main(["roster", "--requirements", str(chain / "s" / "requirements.csv"), "--agents", str(chain / "agents.csv"),
                 "--effort", "-1", "--out", str(tmp_path / "r2")]) == 2
    assert "--effort: expected 0 to 100000, found -1" in capsys.readouterr().err
