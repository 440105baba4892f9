"""The commands on near-valid inputs: exit 0 with valid outputs, or exit 2 with a message naming a file.

Never a traceback (an exception out of ``ui.cli.main``), another exit status, or a changed output folder after
exit 2. Runs ``check``, ``forecast``, ``staff`` and ``roster`` in process on eight days of two of the sample's series
(a week is the least a forecast takes) and five agents (tests/fuzz/base.py), one input file damaged per example
(tests/fuzz/mutations.py). A message names the damaged file, or for a problem of no one file (a history too short
to forecast) the input's kind or the option concerned.

The options' values are valid ones here: every option's bounds are tested once, command by command, in
tests/ui/test_cli_options.py.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from forecast import tables
from forecast.io.stage_tables import load_output_table
from forecast.timegrid import TimeGrid
from roster.io import load_forecast
from tests.fuzz import base
from tests.fuzz.conftest import examples
from tests.fuzz.mutations import mutated_csv, mutated_toml
from ui.cli import main

DATA_FILES = ("history.csv", "events.csv", "agents.csv", "time_off.csv", "templates.csv", "targets.toml", "rules.toml")


class _Base:
    """The valid inputs' folder, with forecast.csv and requirements.csv made from them; a short repr for failing
    examples."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __repr__(self) -> str:
        return "<valid inputs>"


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> _Base:
    d = base.build(tmp_path_factory.mktemp("fuzz_cli"), days=8)
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        assert main(["forecast", "--history", str(d / "history.csv"), "--horizon-days", "9", "--interval-min", "60",
                     "--out", str(d / "f")]) == 0
        assert main(["staff", "--forecast", str(d / "f" / "forecast.csv"), "--targets", str(d / "targets.toml"),
                     "--out", str(d / "s")]) == 0
    shutil.copy(d / "f" / "forecast.csv", d / "forecast.csv")
    shutil.copy(d / "s" / "requirements.csv", d / "requirements.csv")
    return _Base(d)


def _mutation(name: str, text: str):
    return mutated_toml(text) if name.endswith(".toml") else mutated_csv(text)


def _snapshot(folder: Path) -> dict[str, bytes] | None:
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>" for p in sorted(folder.rglob("*"))}


class _Run:
    def __init__(self, code: int, stdout: str, stderr: str):
        self.code, self.stdout, self.stderr = code, stdout, stderr


def _run(args: list[str], out_dir: Path | None, names: list[str]) -> _Run:
    """Run the command; check the exit status, the message and the output folder after a refusal."""
    before = _snapshot(out_dir) if out_dir is not None else None
    so, se = io.StringIO(), io.StringIO()
    with redirect_stdout(so), redirect_stderr(se):
        code = main(args)  # an exception out of main is the traceback a user would see: the test fails with it
    run = _Run(code, so.getvalue(), se.getvalue())
    event(f"exit {code}")
    assert code in (0, 2), f"exit {code}\n{run.stderr}"
    if code == 2:
        assert "error: bad input" in run.stderr, run.stderr
        # the file, or for a problem of no one file (a history too short to forecast) its kind or the option
        said = names + [Path(n).stem for n in names] + [a.lstrip("-") for a in args if a.startswith("--")]
        assert any(n in run.stderr for n in said), f"no input file named in:\n{run.stderr}"
        if out_dir is not None:
            assert _snapshot(out_dir) == before, "the output folder changed although the command refused its input"
    return run


@st.composite
def _damaged(draw, valid: _Base, choices: tuple[str, ...]) -> tuple[str, bytes]:
    """One of the files ``choices``, damaged: its name and its bytes."""
    name = draw(st.sampled_from(choices))
    return name, draw(_mutation(name, (valid.folder / name).read_text()))


def _workspace(valid: _Base, damaged: tuple[str, bytes], previous_outputs: bool) -> tuple[tempfile.TemporaryDirectory, Path, Path]:
    """A copy of the valid inputs with the damaged file in place, and the --out folder: absent, or holding a
    previous run's files (which a refused run must leave as they were)."""
    tmp = tempfile.TemporaryDirectory()
    d = Path(tmp.name)
    for name in DATA_FILES + ("contacts.csv", "forecast.csv", "requirements.csv"):
        shutil.copy(valid.folder / name, d / name)
    (d / damaged[0]).write_bytes(damaged[1])
    out = d / "out"
    if previous_outputs:
        out.mkdir()
        (out / "forecast.csv").write_text("ds,channel,volume\nprevious run\n")
        (out / "notes.txt").write_text("the user's own file\n")
    return tmp, d, out


@settings(max_examples=examples(1))
@given(draw=st.data(), log=st.booleans())
def test_check(valid, draw, log) -> None:
    name, _ = damaged = draw.draw(_damaged(valid, DATA_FILES + ("contacts.csv",)), label="damaged")
    tmp, d, _ = _workspace(valid, damaged, False)
    with tmp:
        if log or name == "contacts.csv":  # the per-contact log in place of the interval counts
            (d / "history.csv").unlink()
        run = _run(["check", "--data", str(d)], None, list(DATA_FILES) + ["contacts.csv", d.name])
        if run.code == 0:
            assert "history:" in run.stdout and "agents:" in run.stdout


@settings(max_examples=examples(1))
@given(
    draw=st.data(), horizon=st.sampled_from(["1", "2", "9"]), interval=st.sampled_from([None, "30", "60"]),
    model=st.sampled_from(["auto", "snaive"]), with_events=st.booleans(),
)
def test_forecast(valid, draw, horizon, interval, model, with_events) -> None:
    name, _ = damaged = draw.draw(_damaged(valid, ("history.csv", "contacts.csv", "events.csv")), label="damaged")
    tmp, d, out = _workspace(valid, damaged, draw.draw(st.booleans(), label="previous outputs"))
    with tmp:
        history = d / ("contacts.csv" if name == "contacts.csv" else "history.csv")
        args = ["forecast", "--history", str(history), "--horizon-days", horizon, "--model", model, "--out", str(out)]
        if interval is not None:
            args += ["--interval-min", interval]
        if with_events or name == "events.csv":
            args += ["--events", str(d / "events.csv")]
        run = _run(args, out, [history.name, "events.csv"])
        if run.code == 0:
            fc = load_forecast(out / "forecast.csv")
            grid = TimeGrid.from_frame(fc, file="forecast.csv")
            assert grid.end - grid.start == pd.Timedelta(days=int(horizon))
            assert interval is None or grid.interval_min == int(interval)
            assert (out / "accuracy.csv").is_file()


@settings(max_examples=examples(1))
@given(draw=st.data(), quantile=st.sampled_from([None, "0.9", "mean"]), interval=st.sampled_from([None, "60"]))
def test_staff(valid, draw, quantile, interval) -> None:
    damaged = draw.draw(_damaged(valid, ("forecast.csv", "targets.toml")), label="damaged")
    tmp, d, out = _workspace(valid, damaged, draw.draw(st.booleans(), label="previous outputs"))
    with tmp:
        args = ["staff", "--forecast", str(d / "forecast.csv"), "--targets", str(d / "targets.toml"), "--out", str(out)]
        if quantile is not None:
            args += ["--volume-quantile", quantile]
        if interval is not None:
            args += ["--interval-min", interval]
        run = _run(args, out, ["forecast.csv", "targets.toml"])
        if run.code == 0:
            req = load_output_table(
                out / "requirements.csv", what="requirements", required=["ds", "channel", "agents_required"],
                numbers={"agents_required": {"minimum": 0}},
            )
            assert len(req) and set(req["channel"]) <= set(load_forecast(d / "forecast.csv")["channel"])


@settings(max_examples=examples(0.6))
@given(draw=st.data())
def test_roster(valid, draw) -> None:
    choices = ("requirements.csv", "agents.csv", "rules.toml", "time_off.csv", "templates.csv")
    damaged = draw.draw(_damaged(valid, choices), label="damaged")
    tmp, d, out = _workspace(valid, damaged, draw.draw(st.booleans(), label="previous outputs"))
    with tmp:
        args = ["roster", "--requirements", str(d / "requirements.csv"), "--agents", str(d / "agents.csv"),
                "--time-limit", "1", "--workers", "1", "--weeks", "1", "--out", str(out)]
        run = _run(args, out, list(choices))
        if run.code == 0:
            roster = pd.read_csv(out / tables.ROSTER.name)
            assert {"agent_id", "activity", "start_utc", "end_utc"} <= set(roster.columns)
            load_output_table(out / tables.COVERAGE.name, what="coverage", required=["ds", "channel", "scheduled"],
                              numbers={"scheduled": {"minimum": 0}})
            assert (out / "roster.ics").read_text().startswith("BEGIN:VCALENDAR")


def _today_actuals(valid: _Base) -> Path:
    """today.csv: the first six hours of the valid forecast as actuals (history format), made once."""
    path = valid.folder / "today.csv"
    if not path.exists():
        fc = pd.read_csv(valid.folder / "forecast.csv")
        first = sorted(fc["ds"].unique())[:6]
        a = fc[fc["ds"].isin(first)][["ds", "channel", "tz", "volume"]].copy()
        a["volume"] = a["volume"].round()
        a.to_csv(path, index=False)
    return path


@settings(max_examples=examples(1))
@given(draw=st.data(), with_now=st.booleans())
def test_reforecast(valid, draw, with_now) -> None:
    today = _today_actuals(valid)
    name = draw.draw(st.sampled_from(("forecast.csv", "today.csv")), label="file")
    damaged = (name, draw.draw(_mutation(name, (valid.folder / name).read_text()), label="damaged"))
    tmp, d, out = _workspace(valid, ("forecast.csv", (valid.folder / "forecast.csv").read_bytes()),
                             draw.draw(st.booleans(), label="previous outputs"))
    with tmp:
        shutil.copy(today, d / "today.csv")
        (d / damaged[0]).write_bytes(damaged[1])
        args = ["reforecast", "--forecast", str(d / "forecast.csv"), "--actuals", str(d / "today.csv"), "--out", str(out)]
        if with_now:
            last = pd.read_csv(today)["ds"].max()
            args += ["--now", (pd.Timestamp(last) + pd.Timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ")]
        run = _run(args, out, ["forecast.csv", "today.csv", "actuals"])
        if run.code == 0:
            ref = pd.read_csv(out / tables.REFORECAST.name)
            assert list(ref.columns) == list(tables.REFORECAST.names)
            factors = pd.read_csv(out / tables.REFORECAST_FACTORS.name)
            assert factors["factor"].between(0.25, 4.0).all()
