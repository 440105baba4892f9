"""roster/roster_io.py: a roster.csv read back, every bad row named with file, line, column, agent and date."""

import datetime as dt

import pandas as pd
import pytest

from forecast.errors import InputError
from roster.roster_io import load_roster
from roster.rostering.export import write_roster_csv
from roster.rostering.validation import validate_roster
from tests.roster.rostering import factory as f

LR = f.rules()
AGENTS = [f.agent(1), f.agent(2, skills=("voice", "chat"))]


def _roster() -> pd.DataFrame:
    rows = []
    for d in range(3):
        rows += f.shift_rows(AGENTS[0], f.WEEK + dt.timedelta(days=d), "08:00", LR)
    rows += f.shift_rows(AGENTS[1], f.WEEK, "09:00", LR, channel="chat")
    df = pd.DataFrame(rows)
    df["start_local"] = [t.tz_convert(z).isoformat() for t, z in zip(df["start_utc"], df["site_tz"], strict=True)]
    df["end_local"] = [t.tz_convert(z).isoformat() for t, z in zip(df["end_utc"], df["site_tz"], strict=True)]
    df["shift_id"] = df["agent_id"] + "-" + df["local_date"]
    return df


def _load(tmp_path, edit=None):
    path = write_roster_csv(_roster(), tmp_path / "roster.csv")
    if edit:
        lines = path.read_text().splitlines()
        edit(lines)
        path.write_text("\n".join(lines) + "\n")
    return load_roster(path, AGENTS, LR, interval_min=15)


def test_a_written_roster_reads_back_as_it_was(tmp_path):
    original = _roster()
    back = _load(tmp_path)
    assert len(back) == len(original)
    assert back["start_utc"].dt.tz is not None
    key = ["agent_id", "start_utc", "activity"]
    a = original.sort_values(key).reset_index(drop=True)
    b = back.sort_values(key).reset_index(drop=True)
    for col in ("agent_id", "local_date", "activity", "channel", "start_utc", "end_utc", "start_local", "shift_id"):
        assert list(a[col]) == list(b[col]), col
    assert b["paid_h"].fillna(-1).tolist() == pytest.approx(a["paid_h"].fillna(-1).tolist())
    assert validate_roster(back, AGENTS, LR, interval_min=15) == []


def _replace(old, new, line=1):
    def edit(lines):
        assert old in lines[line], (old, lines[line])
        lines[line] = lines[line].replace(old, new, 1)
    return edit


@pytest.mark.parametrize("edit, column, message", [
    (_replace("A01,", "A07,"), "agent_id", "agent 'A07', 2026-06-01: unknown agent_id"),
    (_replace(",shift,", ",meeting,"), "activity", "expected an activity of shift, break, lunch"),
    (_replace(",voice,", ",fax,"), "channel", "unknown channel 'fax'"),
    (_replace(",voice,", ",chat,"), "channel", "channel chat, which the agent has no skill for (skills: voice)"),
    (_replace("America/New_York", "Europe/Lisbon"), "site_tz", "is not the agent's site zone"),
    (_replace("T12:00:00Z", "T12:00:00"), "start_utc", "expected an ISO 8601 time with Z or an offset"),
    (_replace("T12:00:00Z", "T12:10:00Z"), "start_utc", "is not on the roster's 15-minute grid"),
    (_replace("T20:30:00Z", "T11:00:00Z"), "end_utc", "expected end_utc after start_utc"),
    (_replace("T08:00:00-04:00", "T09:00:00-04:00"), "start_local", "is not the time of start_utc"),
    (_replace(",2026-06-01,", ",2026-06-04,"), "local_date", "the shift of local date 2026-06-04 starts on 2026-06-01 at the site"),
])
def test_a_bad_row_is_named_by_file_line_column_agent_and_date(tmp_path, edit, column, message):
    with pytest.raises(InputError) as exc:
        _load(tmp_path, edit)
    p = exc.value.problems[0]
    assert p.file.endswith("roster.csv") and p.line == 2 and p.column == column
    assert message in p.message, p.message
    assert "2026-06-01" in p.message and "agent '" in p.message


def test_overlapping_rows_of_one_agent_name_both_lines(tmp_path):
    def overlap(lines):
        lines.append(lines[1].replace("T12:00:00Z", "T13:00:00Z").replace("T20:30:00Z", "T21:30:00Z")
                     .replace("T08:00:00-04:00", "T09:00:00-04:00").replace("T16:30:00-04:00", "T17:30:00-04:00"))
    with pytest.raises(InputError, match=r"line \d+.*agent 'A01', 2026-06-01: overlaps the shift row on line 2"):
        _load(tmp_path, overlap)


def test_paid_hours_follow_the_edited_times(tmp_path):
    # the planner moves the end of Monday's shift by an hour, empties end_local and leaves paid_h as it was
    def edit(lines):
        _replace("T20:30:00Z", "T21:30:00Z")(lines)
        _replace("2026-06-01T16:30:00-04:00", "")(lines)
    back = _load(tmp_path, edit)
    first = back[(back["activity"] == "shift")].iloc[0]
    assert first["paid_h"] == 9.0 and first["end_local"] == "2026-06-01T17:30:00-04:00"


def test_with_lines_each_row_keeps_its_line_in_the_file(tmp_path):
    path = write_roster_csv(_roster(), tmp_path / "roster.csv")
    back = load_roster(path, AGENTS, LR, interval_min=15, with_lines=True)
    assert "line" not in load_roster(path, AGENTS, LR, interval_min=15).columns
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    for r in back.itertuples(index=False):
        row = raw.iloc[r.line - 2]  # header = line 1
        assert (row["agent_id"], row["activity"], pd.Timestamp(row["start_utc"])) == (r.agent_id, r.activity, r.start_utc)
