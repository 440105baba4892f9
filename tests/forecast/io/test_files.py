"""The safe CSV reader and the atomic writer every stage uses (read here through load_history)."""

from __future__ import annotations

import gzip

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


def test_a_row_with_too_many_fields_in_a_file_with_carriage_return_line_ends_is_reported(write):
    path = write("time_off.csv", b"agent_id,start,end\rA001,2026-11-24,2026-11-25,x\rA002,2026-11-26,2026-11-27\r")
    with pytest.raises(InputError) as exc:
        read_table(path)
    assert "time_off.csv, line 2: is not a well-formed CSV: expected 3 fields as in the header, saw 4" in str(exc.value)
