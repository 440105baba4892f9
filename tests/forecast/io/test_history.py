"""Loading history: interval counts and contact logs, good files and each kind of bad file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.io.history import load_history

GOOD = """ds,channel,tz,volume,aht_s
2025-06-02T12:00:00Z,voice,America/New_York,10,300
2025-06-02T12:15:00Z,voice,America/New_York,12,310
2025-06-02T12:30:00Z,voice,America/New_York,0,
2025-06-02T12:45:00Z,voice,America/New_York,8,290
"""


def problem_lines(exc: InputError) -> list[tuple[int | None, str | None]]:
    return [(p.line, p.column) for p in exc.problems]


def test_interval_counts_load_tidy_utc(write):
    df = load_history(write("h.csv", GOOD))
    assert list(df.columns) == ["channel", "queue", "tz", "ds", "volume", "aht_s"]
    assert (df["queue"] == df["channel"]).all()  # no queue column: one queue per channel, named as it
    assert str(df["ds"].dtype) == "datetime64[ns, UTC]"
    assert df["volume"].tolist() == [10, 12, 0, 8]
    assert np.isnan(df["aht_s"].iloc[2])  # no handle time where nothing was handled


def test_naive_timestamps_are_local_in_the_rows_zone(write):
    text = "ds,channel,tz,volume\n2025-06-02 08:00,chat,America/New_York,5\n2025-06-02 08:00,chat,Europe/London,7\n"
    df = load_history(write("h.csv", text))
    got = dict(zip(df["tz"], df["ds"]))
    assert got["America/New_York"] == pd.Timestamp("2025-06-02T12:00Z")
    assert got["Europe/London"] == pd.Timestamp("2025-06-02T07:00Z")


def test_missing_rows_are_counted_as_zero_and_noted(write):
    text = GOOD.replace("2025-06-02T12:30:00Z,voice,America/New_York,0,\n", "")
    notes: list[str] = []
    df = load_history(write("h.csv", text), notes=notes)
    assert len(df) == 4 and df["volume"].iloc[2] == 0
    assert any("1 interval(s) with no row" in n for n in notes)


def test_aggregates_to_a_coarser_grid_with_volume_weighted_aht(write):
    df = load_history(write("h.csv", GOOD), interval_min=60)
    assert len(df) == 1
    assert df["volume"].iloc[0] == 30
    assert df["aht_s"].iloc[0] == pytest.approx((10 * 300 + 12 * 310 + 8 * 290) / 30)


def test_cannot_split_into_a_finer_grid(write):
    text = "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,10\n2025-06-02T13:00:00Z,voice,UTC,10\n"
    with pytest.raises(InputError, match="60-minute intervals; it cannot be split into 15"):
        load_history(write("h.csv", text), interval_min=15)


def test_contact_log_is_counted_into_intervals(write):
    text = (
        "created_at,channel,tz,handle_time_s\n"
        "2025-06-02T12:01:00Z,email,Europe/London,100\n"
        "2025-06-02T12:14:59Z,email,Europe/London,300\n"
        "2025-06-02T12:15:00Z,email,Europe/London,50\n"
    )
    df = load_history(write("log.csv", text))
    # a log covers whole local days: 96 intervals on a 24-hour London day
    assert len(df) == 96
    first = df.set_index("ds").loc[pd.Timestamp("2025-06-02T12:00Z")]
    assert first["volume"] == 2 and first["aht_s"] == pytest.approx(200)
    assert df["volume"].sum() == 3


def test_sample_contact_log_matches_its_interval_counts(samples):
    log = load_history(samples / "contacts_example.csv")
    assert log["volume"].sum() > 1000
    assert set(log["channel"]) == {"voice", "chat", "email", "social"}


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("content", "expected", "where"),
    [
        ("", "the file is empty", []),
        ("ds,channel,tz,volume\n", "header but no data rows", []),
        ("ds,channel,volume\n2025-06-02T12:00:00Z,voice,3\n", "missing column 'tz'", []),
        ("ds,tz,volume\n2025-06-02T12:00:00Z,UTC,3\n", "missing column 'channel'", []),
        ("when,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,3\n", "expected interval counts", []),
        (
            "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,3\nyesterday,voice,UTC,4\n",
            "found 'yesterday'",
            [(3, "ds")],
        ),
        (
            "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,-3\n",
            "at least 0, found '-3'",
            [(2, "volume")],
        ),
        (
            "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,lots\n",
            "found 'lots'",
            [(2, "volume")],
        ),
        (
            "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,\n",
            "found an empty cell",
            [(2, "volume")],
        ),
        (
            "ds,channel,tz,volume\n2025-06-02T12:00:00Z,fax,UTC,3\n",
            "unknown channel 'fax'",
            [(2, "channel")],
        ),
        (
            "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,Mars/Olympus,3\n",
            "unknown time zone 'Mars/Olympus'",
            [(2, "tz")],
        ),
        (
            "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,3\n2025-06-02T12:00:00Z,voice,UTC,4\n",
            "duplicate interval",
            [(3, "ds")],
        ),
        (
            "ds,channel,tz,volume\n2025-03-09 02:30,voice,America/New_York,3\n",
            "does not exist (clocks go forward)",
            [(2, "ds")],
        ),
        (
            "ds,channel,tz,volume\n2025-11-02 01:30,voice,America/New_York,3\n",
            "is ambiguous (clocks go back",
            [(2, "ds")],
        ),
        (
            "ds,channel,tz,volume\n2025-06-02T12:07:00Z,voice,UTC,3\n",
            "not the start of a 15, 30 or 60-minute interval",
            [(2, "ds")],
        ),
        ('ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,3,9,9\n', "not a well-formed CSV", [(2, None)]),
    ],
)
def test_bad_history_files_name_file_line_and_column(write, content, expected, where):
    path = write("bad_history.csv", content)
    with pytest.raises(InputError) as info:
        load_history(path)
    message = str(info.value)
    assert message.startswith("bad_history.csv")
    assert expected in message
    for line, column in where:
        assert (line, column) in problem_lines(info.value)


def test_every_bad_row_is_reported_not_just_the_first(write):
    rows = "".join(f"2025-06-02T12:{m:02d}:00Z,voice,UTC,-1\n" for m in (0, 15, 30))
    with pytest.raises(InputError) as info:
        load_history(write("h.csv", "ds,channel,tz,volume\n" + rows))
    assert [p.line for p in info.value.problems] == [2, 3, 4]


def test_a_contact_log_with_a_long_silence_gets_a_note(write):
    text = "created_at,channel,tz\n2025-01-05T10:00:00Z,voice,UTC\n2025-01-20T10:00:00Z,voice,UTC\n"
    notes: list[str] = []
    df = load_history(write("log.csv", text), notes=notes)
    assert df["volume"].sum() == 2
    assert any("no contacts at all from 2025-01-06 to 2025-01-19 (14 days)" in n for n in notes)


def _history(volume_rows: dict[int, str], n: int = 8, aht: str = "300") -> str:
    """Eight quarter-hours of voice; ``volume_rows`` overrides the volume of row i (0-based, line i + 2)."""
    ds = pd.date_range("2025-06-02T12:00Z", periods=n, freq="15min")
    rows = [f"{t:%Y-%m-%dT%H:%M:%SZ},voice,America/New_York,{volume_rows.get(i, '10')},{aht}" for i, t in enumerate(ds)]
    return "ds,channel,tz,volume,aht_s\n" + "\n".join(rows) + "\n"


def test_repeated_rows_build_only_the_problems_shown(write):
    from forecast.errors import MAX_PROBLEMS_SHOWN

    one = "2025-06-02T12:00:00Z,voice,America/New_York,10,300\n"
    with pytest.raises(InputError) as info:
        load_history(write("h.csv", "ds,channel,tz,volume,aht_s\n" + one * 3000))
    err = info.value
    assert err.total == 2999 and len(err.problems) == MAX_PROBLEMS_SHOWN
    assert err.problems[0].line == 3 and err.problems[0].column == "ds" and "first given on line 2" in err.problems[0].message
    assert "... and 2,979 more problem(s)" in str(err)


@pytest.mark.parametrize("value", ["3e9", "1e308", "100001"])
def test_volumes_beyond_any_contact_centre_are_refused_with_line_and_column(write, value):
    with pytest.raises(InputError) as info:
        load_history(write("h.csv", _history({3: value})))
    p = info.value.problems[0]
    assert (p.file, p.line, p.column) == ("h.csv", 5, "volume")
    assert "beyond any real contact centre (at most 100,000" in p.message


def test_the_volume_bound_scales_with_the_interval(write):
    ds = pd.date_range("2025-06-02T12:00Z", periods=4, freq="60min")
    rows = [f"{t:%Y-%m-%dT%H:%M:%SZ},voice,UTC,{v}," for t, v in zip(ds, (10, 399_000, 10, 10))]
    assert load_history(write("h.csv", "ds,channel,tz,volume,aht_s\n" + "\n".join(rows) + "\n"))["volume"].max() == 399_000
    rows[1] = rows[1].replace("399000", "400001")
    with pytest.raises(InputError, match="400001 contacts in one 60-minute interval"):
        load_history(write("h.csv", "ds,channel,tz,volume,aht_s\n" + "\n".join(rows) + "\n"))


def test_a_handle_time_over_a_day_is_refused(write):
    with pytest.raises(InputError) as info:
        load_history(write("h.csv", _history({}, aht="300000")))
    p = info.value.problems[0]
    assert (p.line, p.column) == (2, "aht_s") and "at most 86,400 (one day)" in p.message


def test_a_value_far_beyond_its_series_level_gets_a_note(write):
    notes: list[str] = []
    load_history(write("h.csv", _history({5: "50000"})), notes=notes)
    assert any("voice/America/New_York: 1 interval(s) above 1000x the series' median of 10 contacts (largest 50000 on line 7)" in n
               for n in notes)


# ---------------------------------------------------------------- typed CSV read


def test_a_clean_csv_is_read_in_typed_columns_with_the_text_readers_result(samples, monkeypatch):
    from forecast.io import files

    typed = files.read_table(samples / "history.csv.gz", numbers=("volume", "aht_s"))
    assert typed.attrs.get("typed") and typed["volume"].dtype == float
    fast = load_history(samples / "history.csv.gz")
    monkeypatch.setattr(files, "_typed_csv", lambda data, numbers: None)
    pd.testing.assert_frame_equal(fast, load_history(samples / "history.csv.gz"))


@pytest.mark.parametrize(
    "content",
    [
        'ds,channel,tz,volume\n"2025-06-02T12:00:00Z",voice,UTC,3\n',  # quotes
        "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,3\n\n2025-06-02T12:15:00Z,voice,UTC,3\n",  # a blank line
        "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,inf\n",
        "ds,channel,tz,volume\r\n2025-06-02T12:00:00Z,voice,UTC,3\r\n",
    ],
)
def test_a_csv_the_typed_read_cannot_take_as_the_text_reader_would_is_read_as_text(write, content):
    from forecast.io.files import read_table

    assert not read_table(write("h.csv", content), numbers=("volume",)).attrs.get("typed")


def test_a_problem_found_in_a_typed_read_gets_the_text_readers_message(write):
    text = "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,-3.50\n"
    with pytest.raises(InputError) as info:
        load_history(write("h.csv", text))
    assert str(info.value) == "h.csv, line 2, column 'volume': expected a number of at least 0, found '-3.50'"
