"""shiftcast check-roster: a roster edited by hand, checked against the rules (exit 2 naming rule, agent and date)."""

import datetime as dt
import textwrap

import pandas as pd
import pytest

from roster.io import load_agents, load_rules
from roster.rostering.export import write_roster_csv
from tests.roster.rostering.factory import SMALL_RULES_TOML, shift_rows
from ui.cli import main

AGENTS = textwrap.dedent("""\
    agent_id,name,email,site,site_tz,contract,skills
    A01,Ana Silva,ana@example.com,Charlotte,America/New_York,ft,voice
    A02,Bo Chen,,Charlotte,America/New_York,ft,voice|chat
""")
MON = dt.date(2026, 6, 1)


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "rules.toml").write_text(SMALL_RULES_TOML)
    (tmp_path / "agents.csv").write_text(AGENTS)
    return tmp_path


def _rows(files, a01_monday="08:00"):
    lr = load_rules(files / "rules.toml")
    a01, a02 = load_agents(files / "agents.csv", lr)
    rows = shift_rows(a01, MON, a01_monday, lr)
    for d in (1, 2):
        rows += shift_rows(a01, MON + dt.timedelta(days=d), "08:00", lr)
    for d in (0, 1):
        rows += shift_rows(a02, MON + dt.timedelta(days=d), "09:00", lr, channel="chat")
    return rows


def _write(files, rows, name="roster.csv"):
    df = pd.DataFrame(rows)
    df["start_local"] = [t.tz_convert(z).isoformat() for t, z in zip(df["start_utc"], df["site_tz"], strict=True)]
    df["end_local"] = [t.tz_convert(z).isoformat() for t, z in zip(df["end_utc"], df["site_tz"], strict=True)]
    df["shift_id"] = df["agent_id"] + "-" + df["local_date"]
    return write_roster_csv(df, files / name)


def _check(files, roster, *extra):
    return main(["check-roster", "--roster", str(roster), "--agents", str(files / "agents.csv"), *extra])


def _requirements(files):
    ds = pd.date_range("2026-06-01T04:00Z", "2026-06-08T04:00Z", freq="15min", inclusive="left")
    hour = ds.tz_convert("America/New_York").hour
    req = pd.concat([pd.DataFrame({"ds": ds.strftime("%Y-%m-%dT%H:%M:%SZ"), "channel": c,
                                   "agents_required": ((hour >= 9) & (hour < 12)).astype(int)}) for c in ("chat", "voice")])
    req.to_csv(files / "requirements.csv", index=False)
    return files / "requirements.csv"


def test_a_valid_roster_exits_0_with_its_coverage(files, capsys):
    roster = _write(files, _rows(files))
    assert _check(files, roster, "--requirements", str(_requirements(files))) == 0
    text = capsys.readouterr().out
    assert "no rule broken" in text and "5 shifts of 2 agents" in text
    # 3 hours a day on each channel for 7 days required; voice covered Mon-Wed, chat Mon-Tue (less the breaks)
    chat = next(line for line in text.splitlines() if line.strip().startswith("chat"))
    assert chat.split()[1] == "21.0" and "of 672" in chat


def test_a_rest_violation_exits_2_naming_rule_agent_and_date(files, capsys):
    roster = _write(files, _rows(files, a01_monday="14:00"))  # ends 22:30, the next starts 08:00: 9.5 h of rest
    assert _check(files, roster) == 2
    text = capsys.readouterr().out
    assert "minimum rest: agent A01, 2026-06-02" in text, text


def test_overlapping_rows_exit_2_naming_file_line_agent_and_date(files, capsys):
    rows = _rows(files)
    extra = dict(rows[0])
    extra["start_utc"] += pd.Timedelta(hours=1)
    extra["end_utc"] += pd.Timedelta(hours=1)
    roster = _write(files, [*rows, extra])
    assert _check(files, roster) == 2
    err = capsys.readouterr().err
    assert "roster.csv" in err and "agent 'A01', 2026-06-01" in err and "overlaps the shift row on line" in err, err


def test_an_unknown_agent_exits_2_naming_file_line_and_agent(files, capsys):
    rows = [{**r, "agent_id": "A99"} if r["agent_id"] == "A02" else r for r in _rows(files)]
    roster = _write(files, rows)
    assert _check(files, roster) == 2
    err = capsys.readouterr().err
    assert "agent 'A99', 2026-06-01: unknown agent_id" in err and "line" in err, err


def test_a_channel_without_the_skill_and_times_off_the_grid_are_named(files, capsys):
    rows = _rows(files)
    rows[0] = {**rows[0], "channel": "chat"}  # A01 has only voice
    path = _write(files, rows)
    text = path.read_text().replace("T13:00:00Z", "T13:07:00Z", 1)  # A02 on Monday
    path.write_text(text)
    assert _check(files, path) == 2
    err = capsys.readouterr().err
    assert "channel chat, which the agent has no skill for" in err
    assert "not on the roster's 15-minute grid" in err
