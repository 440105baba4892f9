"""The commands' output folders: replaced whole, stages chained in one folder, OS errors as messages, killed runs.

A run's files replace its ``--out`` folder whole (``forecast/io/outputs.py``): a stage removes the later stages'
files it invalidates and keeps the earlier ones it read; the user's own files stay; an output that cannot be
written is a message naming the path (exit 2) with the previous outputs intact; a run killed at any point leaves
the previous set or the new one, byte for byte.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.io.outputs import recover_folder
from ui.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
TARGETS = SAMPLES / "targets.toml"


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    """Five weeks of the sample's history, scaled down: a fast forecast."""
    path = tmp_path_factory.mktemp("history") / "history.csv"
    h = pd.read_csv(SAMPLES / "history.csv.gz")
    h = h[h["ds"] >= "2026-10-18T00:00:00Z"].copy()
    h["volume"] = np.round(h["volume"] * 0.1).astype(int)
    h.loc[h["volume"] == 0, "aht_s"] = np.nan
    h.to_csv(path, index=False)
    return path


def forecast_args(history: Path, out: Path, days: int = 3) -> list[str]:
    return ["forecast", "--history", str(history), "--no-backtest", "--model", "snaive", "--horizon-days", str(days), "--out", str(out)]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def hidden_beside(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def test_a_stage_removes_the_later_stages_outputs_and_keeps_the_earlier_ones_it_read(history, tmp_path):
    work = tmp_path / "work"
    assert main(forecast_args(history, work)) == 0
    # outputs of later stages from an earlier run, and a file of the user's
    for name in ("roster.csv", "coverage.csv", "roster.ics", "simulation.csv"):
        (work / name).write_text("from another run")
    (work / "notes.txt").write_text("mine")
    forecast_files = {n: (work / n).read_bytes() for n in ("forecast.csv", "accuracy.csv")}
    assert main(["staff", "--forecast", str(work / "forecast.csv"), "--targets", str(TARGETS), "--out", str(work)]) == 0
    assert sorted(os.listdir(work)) == ["accuracy.csv", "forecast.csv", "notes.txt", "requirements.csv", "requirements_by_queue.csv", "targets.toml"]
    assert {n: (work / n).read_bytes() for n in forecast_files} == forecast_files and (work / "notes.txt").read_text() == "mine"
    # a new forecast makes the requirements built from the old one stale
    assert main(forecast_args(history, work, days=4)) == 0
    assert sorted(os.listdir(work)) == ["accuracy.csv", "forecast.csv", "notes.txt"]


def test_a_stage_fed_from_another_folder_removes_the_earlier_outputs_it_did_not_read(history, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(forecast_args(history, a)) == 0
    assert main(forecast_args(history, b, days=4)) == 0
    assert main(["staff", "--forecast", str(a / "forecast.csv"), "--targets", str(TARGETS), "--out", str(b)]) == 0
    assert sorted(os.listdir(b)) == ["requirements.csv", "requirements_by_queue.csv", "targets.toml"]  # b's forecast is not the one these requirements come from


def test_out_being_a_file_is_a_message_and_exit_2(history, tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("a file")
    assert main(forecast_args(history, out)) == 2
    err = capsys.readouterr().err
    assert "error: cannot write the outputs" in err and str(out) in err and "is a file" in err and "Traceback" not in err
    assert out.read_text() == "a file" and hidden_beside(out) == []


def test_an_output_path_that_is_a_folder_is_a_message_and_nothing_is_written(history, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(forecast_args(history, out)) == 0
    assert main(["staff", "--forecast", str(out / "forecast.csv"), "--targets", str(TARGETS), "--out", str(out)]) == 0
    (out / "accuracy.csv").unlink()
    (out / "accuracy.csv").mkdir()
    before = snapshot(out)
    assert main(forecast_args(history, out, days=4)) == 2
    err = capsys.readouterr().err
    assert str(out / "accuracy.csv") in err and "is a folder" in err and "Traceback" not in err
    assert snapshot(out) == before and (out / "accuracy.csv").is_dir() and hidden_beside(out) == []


def test_the_console_script_reports_an_output_error_without_a_traceback(history, tmp_path):
    out = tmp_path / "out"
    out.write_text("a file")
    proc = subprocess.run([sys.executable, "-m", "ui.cli", *forecast_args(history, out)], check=False, capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and str(out) in proc.stderr


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "ui.cli", *args]


#: Run the command line without the atomic exchange of folders (the rename-aside swap of other systems).
WITHOUT_EXCHANGE = ("import sys; import forecast.io.outputs as o; o._renameat2 = None; "
                    "from ui.cli import main; sys.exit(main(sys.argv[1:]))")


def test_two_concurrent_runs_into_one_folder_each_succeed_and_leave_one_complete_set(history, tmp_path):
    out, ref3, ref4 = tmp_path / "out", tmp_path / "ref3", tmp_path / "ref4"
    assert main(forecast_args(history, ref3)) == 0
    assert main(forecast_args(history, ref4, days=4)) == 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen(cli(*forecast_args(history, out, days)), cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for days in (3, 4)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    assert snapshot(out) in (snapshot(ref3), snapshot(ref4))
    assert hidden_beside(out) == [] and not [n for n in os.listdir(out) if n.startswith(".")]


def start(args: list[str], *, exchange: bool) -> subprocess.Popen:
    cmd = cli(*args) if exchange else [sys.executable, "-c", WITHOUT_EXCHANGE, *args]
    return subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for_writing(proc: subprocess.Popen, out: Path) -> float:
    """Wait until a temporary file or folder appears (inside --out or beside it), or the run ends; the time it did."""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if hidden_beside(out) or not out.is_dir() or any(n.startswith(".") for n in os.listdir(out)):
            break
        time.sleep(0.0005)
    return time.monotonic()


def writing_time(args: list[str], out: Path, *, exchange: bool) -> float:
    """Seconds from the first temporary file or folder to the last one gone, in an uninterrupted run (when to kill)."""
    proc = start(args, exchange=exchange)
    seen = wait_for_writing(proc, out)
    while proc.poll() is None and (hidden_beside(out) or not out.is_dir() or any(n.startswith(".") for n in os.listdir(out))):
        time.sleep(0.0005)
    window_s = time.monotonic() - seen
    assert proc.wait(timeout=60) == 0
    return max(1.5 * window_s, 0.05)


def kill_while_writing(args: list[str], out: Path, rng: random.Random, window_s: float, *, exchange: bool) -> int:
    """Start the command and SIGKILL it, mostly at a random point while it writes; its exit code (-9 when killed)."""
    proc = start(args, exchange=exchange)
    if rng.random() < 0.2:
        time.sleep(rng.uniform(0.0, 2.5))  # anywhere in the run
    else:
        wait_for_writing(proc, out)
        time.sleep(rng.uniform(0.0, window_s))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60)


#: Runs killed per swap scheme (each takes a start of the command line, a few seconds).
ROUNDS = 6


@pytest.mark.parametrize(
    "exchange", [True, pytest.param(False, marks=pytest.mark.slow)], ids=["exchange", "rename-aside"],
)  # the rename-aside swap's recovery is also tested without processes (tests/forecast/io/test_outputs.py)
def test_a_run_killed_while_writing_leaves_the_old_or_the_new_outputs_whole(history, tmp_path, exchange):
    rng = random.Random(15 + exchange)
    old, new = tmp_path / "old", tmp_path / "new"
    # the previous set: a 3-day forecast with requirements built on it and a file of the user's
    assert main(forecast_args(history, old)) == 0
    assert main(["staff", "--forecast", str(old / "forecast.csv"), "--targets", str(TARGETS), "--out", str(old)]) == 0
    (old / "notes.txt").write_text("mine")
    # the new set, as an uninterrupted 5-day forecast into a copy of it leaves it
    shutil.copytree(old, new)
    assert main(forecast_args(history, new, days=5)) == 0
    sets = {"old": snapshot(old), "new": snapshot(new)}
    assert sets["old"] != sets["new"] and "requirements.csv" not in sets["new"]
    out = tmp_path / "out"
    shutil.copytree(old, out)
    window_s = writing_time(forecast_args(history, out, days=5), out, exchange=exchange)
    assert snapshot(out) == sets["new"]
    seen = set()
    for _ in range(ROUNDS):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(old, out)
        code = kill_while_writing(forecast_args(history, out, days=5), out, rng, window_s, exchange=exchange)
        recover_folder(out)  # what the next run does first
        now = snapshot(out)
        which = [name for name, files in sets.items() if files == now]
        assert which, f"a mixed folder after exit {code}: {sorted(now)}"
        assert not [n for n in os.listdir(out) if n.startswith(".")] and hidden_beside(out) == []
        seen.add(which[0])
    assert seen  # (which sets were seen depends on timing; either is whole)
