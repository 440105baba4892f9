"""`shiftcast actuals-from-log`, `shiftcast calibrate [--apply]` and `--calibration` on staff: outputs, figures, bad input."""

from pathlib import Path

import pandas as pd
import pytest

from forecast.tables import STAFFING_BACKTEST
from tests.roster.staffing.actuals_factory import make_actuals, write_actuals
from ui.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
TARGETS = str(SAMPLES / "targets.toml")


@pytest.fixture(scope="module")
def actuals(tmp_path_factory):
    d = tmp_path_factory.mktemp("calibrate")
    return Path(write_actuals(make_actuals(days=28, availability=0.65, patience_s=180, seed=11), d / "actuals.csv"))


def test_fit_on_one_period_score_on_another(actuals, tmp_path, capsys):
    fit = tmp_path / "fit"
    assert main(["calibrate", "--actuals", str(actuals), "--targets", TARGETS, "--out", str(fit), "--until", "2026-03-16"]) == 0
    printed = capsys.readouterr().out
    assert "voice: availability 0.6" in printed and "patience" in printed
    assert "default" in printed and "calibrated" in printed and "SL MAE" in printed
    assert sorted(p.name for p in fit.iterdir()) == ["calibration.toml", "staffing_backtest.csv"]
    bt = pd.read_csv(fit / "staffing_backtest.csv")
    assert list(bt.columns) == list(STAFFING_BACKTEST.names) and bt["ds"].max() < "2026-03-16"
    scored = tmp_path / "scored"
    assert main(["calibrate", "--actuals", str(actuals), "--targets", TARGETS, "--out", str(scored), "--from", "2026-03-16",
                 "--apply", str(fit / "calibration.toml")]) == 0
    printed = capsys.readouterr().out
    assert "scored calibration.toml (not refitted)" in printed
    assert [p.name for p in scored.iterdir()] == ["staffing_backtest.csv"]
    bt = pd.read_csv(scored / "staffing_backtest.csv")
    assert bt["ds"].min() >= "2026-03-16"
    mae = lambda col: (bt[col] - bt["observed_sl"]).abs().mean()  # noqa: E731
    assert mae("predicted_sl_calibrated") < 0.5 * mae("predicted_sl_default")


def test_staff_with_a_calibration_writes_the_calibrated_targets(actuals, tmp_path, capsys):
    fit = tmp_path / "fit"
    assert main(["calibrate", "--actuals", str(actuals), "--targets", TARGETS, "--out", str(fit), "--bands", "none"]) == 0
    ds = pd.date_range("2026-11-23", periods=96, freq="15min", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    fc = tmp_path / "forecast.csv"
    pd.DataFrame({"ds": ds, "channel": "voice", "tz": "UTC", "volume": 30.0, "volume_lo": 20.0, "volume_hi": 40.0, "aht_s": 240.0}).to_csv(fc, index=False)
    capsys.readouterr()
    assert main(["staff", "--forecast", str(fc), "--targets", TARGETS, "--out", str(tmp_path / "st"),
                 "--calibration", str(fit / "calibration.toml")]) == 0
    assert "calibration: voice: shrinkage 15% ->" in capsys.readouterr().out
    written = (tmp_path / "st" / "targets.toml").read_text()
    assert "shrinkage = 0.3" in written  # 1 - 0.65 = 0.35 (0.3x)
    req = pd.read_csv(tmp_path / "st" / "requirements.csv")
    assert req["shrinkage"].between(0.3, 0.4).all()


def test_actuals_from_log_then_calibrate(tmp_path, capsys):
    rows = ["arrived_at,channel,outcome,wait_s,handle_time_s,agent_id"]
    t0 = pd.Timestamp("2026-01-05T08:00:00Z")
    for i in range(400):
        t = t0 + pd.Timedelta(seconds=37 * i)
        wait = (i * 7) % 60
        rows.append(f"{t:%Y-%m-%dT%H:%M:%SZ},voice,{'abandoned' if i % 9 == 0 else 'answered'},{wait},"
                    + ("," if i % 9 == 0 else f"{150 + i % 40},a{i % 4}"))
    log = tmp_path / "log.csv"
    log.write_text("\n".join(rows) + "\n")
    out_file = tmp_path / "actuals.csv"
    assert main(["actuals-from-log", "--log", str(log), "--out", str(out_file), "--target-s", "20"]) == 0
    assert "400 offered" in capsys.readouterr().out
    frame = pd.read_csv(out_file)
    assert list(frame.columns[:8]) == ["ds", "channel", "offered", "answered", "abandoned", "answered_in_target", "aht_s", "agents_staffed"]
    assert frame["offered"].sum() == 400
    assert main(["calibrate", "--actuals", str(out_file), "--targets", TARGETS, "--out", str(tmp_path / "c")]) == 0


HEADER = "ds,channel,offered,answered,abandoned,answered_in_target,aht_s,agents_staffed"
GOOD = "2026-01-05T09:00:00Z,voice,40,35,5,30,300,12"


@pytest.mark.parametrize("row, where", [
    ("2026-01-05T09:15:00Z,voice,40,45,0,30,300,12", "line 3, column 'answered': answered (45) is more than offered (40)"),
    ("2026-01-05T09:15:00Z,voice,40,35,-5,30,300,12", "line 3, column 'abandoned': expected a number of at least 0"),
    ("2026-01-05T09:10:00Z,voice,40,35,5,30,300,12", "line 3, column 'ds': timestamp 2026-01-05 09:10:00Z is not the start"),
])
def test_bad_actuals_exit_2_with_file_line_and_column(tmp_path, capsys, row, where):
    path = tmp_path / "actuals.csv"
    path.write_text("\n".join([HEADER, GOOD, row]) + "\n")
    assert main(["calibrate", "--actuals", str(path), "--targets", TARGETS, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"actuals.csv, {where}" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_channel_missing_from_the_targets(tmp_path, capsys):
    targets = tmp_path / "targets.toml"
    text = (SAMPLES / "targets.toml").read_text()
    targets.write_text(text[: text.index("[channels.chat]")])  # voice only
    path = tmp_path / "actuals.csv"
    path.write_text("\n".join([HEADER, GOOD, "2026-01-05T09:00:00Z,chat,40,35,5,30,300,12"]) + "\n")
    assert main(["calibrate", "--actuals", str(path), "--targets", str(targets), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "actuals.csv, line 3, column 'channel': channel 'chat' is not in the targets (targets.toml)" in err


def test_no_interval_with_waiting_contacts_falls_back_with_a_note(tmp_path, capsys):
    rows = [HEADER] + [f"2026-01-05T{8 + i // 4:02d}:{15 * (i % 4):02d}:00Z,voice,20,20,0,20,200,8" for i in range(40)]
    path = tmp_path / "actuals.csv"
    path.write_text("\n".join(rows) + "\n")
    assert main(["calibrate", "--actuals", str(path), "--targets", TARGETS, "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "nothing to fit" in out and "the defaults are kept" in out and "(not fitted: defaults)" in out
    assert "fitted = false" in (tmp_path / "o" / "calibration.toml").read_text()


def test_a_bad_calibration_file_is_named(actuals, tmp_path, capsys):
    bad = tmp_path / "calibration.toml"
    bad.write_text('source = "x"\n')
    assert main(["calibrate", "--actuals", str(actuals), "--targets", TARGETS, "--out", str(tmp_path / "o"), "--apply", str(bad)]) == 2
    assert "calibration.toml" in capsys.readouterr().err
