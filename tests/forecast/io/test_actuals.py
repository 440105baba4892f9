"""forecast/io/actuals.py: the interval report of what happened, validated and put on its grid."""

import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.io.actuals import read_actuals
from forecast.tables import ACTUALS

HEADER = "ds,channel,offered,answered,abandoned,answered_in_target,aht_s,agents_staffed"


def _write(tmp_path, *rows, header=HEADER, name="actuals.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_reads_the_columns_in_order_on_the_files_own_grid(tmp_path):
    path = _write(tmp_path, "2026-01-05T09:15:00Z,voice,42,40,2,33,290,12", "2026-01-05T09:00:00Z,Voice,40,35,5,30,300,12.5",
                  "2026-01-05T09:30:00Z,chat,0,0,0,0,,3")
    frame, grid = read_actuals(path)
    assert list(frame.columns) == list(ACTUALS.names)
    assert str(frame["ds"].dt.tz) == "UTC"
    assert list(frame["channel"]) == ["chat", "voice", "voice"]
    assert frame.loc[1, "ds"] == pd.Timestamp("2026-01-05 09:00", tz="UTC")
    assert grid.interval_min == 15 and grid.start == pd.Timestamp("2026-01-05 09:00", tz="UTC")
    assert grid.end == pd.Timestamp("2026-01-05 09:45", tz="UTC")
    assert pd.isna(frame.loc[0, "aht_s"])


def test_naive_times_are_local_in_the_tz_column_and_a_coarser_grid_sums(tmp_path):
    path = _write(tmp_path, "2026-01-05 09:00,voice,40,35,5,30,300,12,America/New_York",
                  "2026-01-05 09:15,voice,20,20,0,20,200,14,America/New_York", header=HEADER + ",tz")
    notes = []
    frame, grid = read_actuals(path, interval_min=30, notes=notes)
    assert grid.zones == ("America/New_York",) and grid.interval_min == 30
    row = frame.iloc[0]
    assert row["ds"] == pd.Timestamp("2026-01-05 14:00", tz="UTC")
    assert (row["offered"], row["answered"], row["answered_in_target"]) == (60, 55, 50)
    assert row["aht_s"] == pytest.approx((35 * 300 + 20 * 200) / 55)
    assert row["agents_staffed"] == 13
    assert any("summed to 30-minute" in n for n in notes)


@pytest.mark.parametrize(
    "row, line, column, words",
    [
        ("2026-01-05T09:00:00Z,voice,40,45,0,30,300,12", 2, "answered", "more than offered"),
        ("2026-01-05T09:00:00Z,voice,40,35,-1,30,300,12", 2, "abandoned", "at least 0"),
        ("2026-01-05T09:00:00Z,voice,40,35,5,36,300,12", 2, "answered_in_target", "more than answered"),
        ("2026-01-05T09:00:00Z,voice,40,35,5,30,300,", 2, "agents_staffed", "empty cell"),
        ("2026-01-05T09:00:00Z,phone,40,35,5,30,300,12", 2, "channel", "unknown channel"),
    ],
)
def test_bad_cells_name_file_line_and_column(tmp_path, row, line, column, words):
    path = _write(tmp_path, "2026-01-05T08:45:00Z,voice,10,10,0,10,300,4", row)
    with pytest.raises(InputError) as err:
        read_actuals(path)
    p = err.value.problems[0]
    assert (p.file, p.line, p.column) == ("actuals.csv", line + 1, column)
    assert words in p.message


def test_intervals_off_the_grid_and_duplicates_are_refused(tmp_path):
    off = _write(tmp_path, "2026-01-05T09:00:00Z,voice,40,35,5,30,300,12", "2026-01-05T09:07:00Z,voice,40,35,5,30,300,12")
    with pytest.raises(InputError, match=r"line 3, column 'ds': .*09:07:00Z is not the start of a 15, 30 or 60-minute"):
        read_actuals(off)
    dup = _write(tmp_path, "2026-01-05T09:00:00Z,voice,40,35,5,30,300,12", "2026-01-05T04:00:00-05:00,voice,40,35,5,30,300,12")
    with pytest.raises(InputError, match=r"line 3, column 'ds': duplicate interval voice 2026-01-05 09:00Z \(first given on line 2\)"):
        read_actuals(dup)


def test_missing_column_and_empty_file(tmp_path):
    with pytest.raises(InputError, match="missing column 'agents_staffed'"):
        read_actuals(_write(tmp_path, "2026-01-05T09:00:00Z,voice,40,35,5,30,300", header=HEADER.rsplit(",", 1)[0]))
    with pytest.raises(InputError, match="no data rows"):
        read_actuals(_write(tmp_path))


def test_answered_and_abandoned_above_offered_is_kept_with_a_note(tmp_path):
    notes = []
    frame, _ = read_actuals(_write(tmp_path, "2026-01-05T09:00:00Z,voice,40,38,5,30,300,12"), notes=notes)
    assert len(frame) == 1 and any("answered + abandoned above offered" in n for n in notes)
