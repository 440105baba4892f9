"""``shiftcast plan`` / ``check`` / ``staff`` on the queue example (data/samples/queues), and its bad inputs (exit 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from forecast import tables
from ui.cli import main

QUEUES = Path(__file__).resolve().parents[2] / "data" / "samples" / "queues"


@pytest.fixture()
def data(tmp_path) -> Path:
    d = tmp_path / "queues"
    shutil.copytree(QUEUES, d, ignore=shutil.ignore_patterns("generate.py"))
    return d


@pytest.fixture(scope="module")
def plan_out(tmp_path_factory):
    d = tmp_path_factory.mktemp("q") / "data"
    shutil.copytree(QUEUES, d, ignore=shutil.ignore_patterns("generate.py"))
    out = tmp_path_factory.mktemp("q_out")
    code = main(["plan", "--data", str(d), "--out", str(out), "--horizon-days", "14", "--time-limit", "10", "--runs", "3"])
    assert code == 0
    return out


def _read(out: Path, table) -> pd.DataFrame:
    df = pd.read_csv(out / table.name, keep_default_na=False, na_values=[""])
    assert list(df.columns) == list(table.names)
    return df


def test_plan_on_the_queue_example_writes_each_queue_and_the_channels_as_their_sums(plan_out, capsys):
    fc = _read(plan_out, tables.FORECAST)
    assert set(fc.groupby("channel")["queue"].unique().map(frozenset)) == {
        frozenset({"voice", "voice_vip"}), frozenset({"chat", "chat_outlet"}), frozenset({"email"}), frozenset({"social"})}
    by_q = _read(plan_out, tables.REQUIREMENTS_BY_QUEUE)
    req = _read(plan_out, tables.REQUIREMENTS)
    vip = by_q[by_q["queue"] == "voice_vip"]
    assert (vip["target_sl"] == 0.9).all() and (vip["target_s"] == 10).all()
    assert (by_q.loc[by_q["queue"] == "chat_outlet", "target_s"] == 120).all()
    sums = by_q.groupby(["ds", "channel"])[["agents_required", "agents_net"]].sum()
    merged = req.set_index(["ds", "channel"])[["agents_required", "agents_net"]]
    pd.testing.assert_frame_equal(merged.sort_index(), sums.sort_index())
    cov = _read(plan_out, tables.COVERAGE)
    assert set(cov["channel"]) == {"voice", "chat", "email", "social"}  # the roster covers channels
    assert "[queues.voice_vip]" in (plan_out / "targets.toml").read_text()


def test_check_and_staff_print_the_queues(data, tmp_path, capsys):
    assert main(["check", "--data", str(data)]) == 0
    text = capsys.readouterr().out
    assert "queues: chat: chat, chat_outlet; email: email; social: social; voice: voice, voice_vip" in " ".join(text.split())
    assert main(["forecast", "--history", str(data / "history.csv.gz"), "--horizon-days", "7", "--no-backtest",
                 "--out", str(tmp_path / "o")]) == 0
    assert main(["staff", "--forecast", str(tmp_path / "o" / "forecast.csv"), "--targets", str(data / "targets.toml"),
                 "--out", str(tmp_path / "o")]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "voice_vip voice" in text and "90% in 10 s" in text and "requirements_by_queue.csv" in text
    by_q = pd.read_csv(tmp_path / "o" / tables.REQUIREMENTS_BY_QUEUE.name)
    assert set(by_q["queue"]) == {"voice", "voice_vip", "chat", "chat_outlet", "email", "social"}


def _fails_with(args, capsys, *needles) -> None:
    code = main(args)
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2, err
    assert "Traceback" not in err
    for n in needles:
        assert n in err, (n, err)


def test_a_queue_on_two_channels_in_the_history_exits_2_naming_file_line_and_both_channels(data, capsys):
    h = pd.read_csv(data / "history.csv.gz", keep_default_na=False)
    row = h.index[(h["queue"] == "chat_outlet")][5]
    h.loc[row, "channel"] = "email"
    h.to_csv(data / "history.csv.gz", index=False)
    _fails_with(["check", "--data", str(data)], capsys, "history.csv.gz", f"line {row + 2}", "queue 'chat_outlet' is on channel email",
                "on channel chat on line")


def test_a_queue_section_naming_no_known_channel_exits_2_naming_the_file_and_key(data, capsys):
    (data / "targets.toml").write_text((data / "targets.toml").read_text() + '\n[queues.voice_gold]\nchannel = "phone"\n')
    _fails_with(["check", "--data", str(data)], capsys, "targets.toml", "[queues.voice_gold] key 'channel'", "unknown channel 'phone'")


def test_a_skill_naming_an_unknown_queue_exits_2_naming_file_line_and_column(data, capsys, tmp_path):
    agents = pd.read_csv(data / "agents.csv", keep_default_na=False)
    agents.loc[2, "skills"] = "voice|chat_kids"
    agents.to_csv(data / "agents.csv", index=False)
    out = tmp_path / "out"
    _fails_with(["plan", "--data", str(data), "--out", str(out)], capsys, "agents.csv", "line 4", "skills", "unknown skill 'chat_kids'")
    assert not out.exists()  # nothing written


def test_whatif_on_the_queue_example_writes_the_adopted_plan_per_queue(data, tmp_path):
    out = tmp_path / "whatif"
    event = "name=Flash sale; start=2026-11-26T18:00; tz=America/New_York; hours=6; uplift=1.5; channels=voice,chat"
    assert main(["whatif", "--data", str(data), "--event", event, "--out", str(out), "--horizon-days", "14", "--no-backtest",
                 "--time-limit", "10", "--runs", "3"]) == 0
    fc = _read(out, tables.FORECAST)
    hit = fc[fc["events"].fillna("").str.contains("Flash sale")]
    assert set(hit["queue"]) == {"voice", "voice_vip", "chat", "chat_outlet"}
    by_q = _read(out, tables.REQUIREMENTS_BY_QUEUE)
    req = _read(out, tables.REQUIREMENTS)
    sums = by_q.groupby(["ds", "channel"])["agents_required"].sum()
    pd.testing.assert_series_equal(req.set_index(["ds", "channel"])["agents_required"].sort_index(), sums.sort_index())


def test_the_stand_alone_roster_commands_know_the_queues_of_the_requirements_by_queue_beside(plan_out, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(QUEUES, data, ignore=shutil.ignore_patterns("generate.py"))
    agents = data / "agents.csv"
    assert "voice_vip" in agents.read_text()  # skills naming a queue
    args = ["check-roster", "--roster", str(plan_out / "roster.csv"), "--agents", str(agents), "--week-start", "2026-11-23"]
    code = main(args + ["--requirements", str(plan_out / "requirements.csv")])
    assert code == 0, capsys.readouterr().err
    lone = tmp_path / "lone"
    lone.mkdir()
    shutil.copy(plan_out / "requirements.csv", lone / "requirements.csv")  # no requirements_by_queue.csv: no queue known
    _fails_with(args + ["--requirements", str(lone / "requirements.csv")], capsys, "unknown skill 'voice_vip'")
