"""The safe CSV reader and the atomic writer every stage uses (read here through load_history)."""

from __future__ import annotations

import gzip
import os
import threading

import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.io.files import write_csv_atomic
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


def test_write_csv_atomic_leaves_no_partial_file(tmp_path):
    class Boom:
        def to_csv(self, path, **kwargs):
            with open(path, "w") as fh:
                fh.write("partial")
            raise RuntimeError("disk full")

    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        write_csv_atomic(Boom(), target)
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
