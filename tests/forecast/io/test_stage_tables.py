"""Reading a stage's output table back as the next stage's input (forecast.csv, requirements.csv, coverage.csv).

The CLI's handling of the same files (exit code, message on stderr) is tested in tests/ui/test_cli_stages.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.io.stage_tables import load_output_table

REQ = dict(what="requirements", required=["ds", "channel", "agents_required"], numbers={"agents_required": {"minimum": 0}})


def test_a_stage_table_loads_with_utc_instants_numbers_and_zones(write):
    text = (
        "ds,channel,tz,volume,aht_s\n"
        "2026-11-23T00:00:00Z,Voice,America/New_York,12,300\n"
        "2026-11-23T00:15:00+01:00,chat,Europe/London,3,\n"
    )
    df = load_output_table(
        write("forecast.csv", text), what="a forecast", required=["ds", "channel", "volume"],
        numbers={"volume": {"minimum": 0}}, optional_numbers={"aht_s": {"strictly_positive": True}},
    )
    assert list(df.columns) == ["ds", "channel", "tz", "volume", "aht_s"]
    assert str(df["ds"].dtype) == "datetime64[ns, UTC]"
    assert df["ds"].tolist() == [pd.Timestamp("2026-11-23T00:00Z"), pd.Timestamp("2026-11-22T23:15Z")]
    assert df["channel"].tolist() == ["voice", "chat"]
    assert df["volume"].tolist() == [12.0, 3.0]
    assert df["aht_s"].iloc[0] == 300.0 and pd.isna(df["aht_s"].iloc[1])  # optional: an empty cell is allowed


def test_an_optional_number_column_may_be_absent(write):
    df = load_output_table(write("requirements.csv", "ds,channel,agents_required\n2026-11-23T00:00:00Z,voice,2\n"),
                           optional_numbers={"agents_net": {}}, **REQ)
    assert "agents_net" not in df.columns and df["agents_required"].tolist() == [2.0]


@pytest.mark.parametrize(
    ("text", "expected", "where"),
    [
        ("ds,channel,agents_required\n2026-11-23 00:00,voice,2\n", "expected an ISO 8601 time with Z or an offset", (2, "ds")),
        ("ds,channel,agents_required\n2026-11-23T00:00:00Z,voice,2\n2026-11-23T00:15:00Z,voice,-1\n", "at least 0, found '-1'",
         (3, "agents_required")),
        ("ds,channel,agents_required\n2026-11-23T00:00:00Z,fax,2\n", "unknown channel 'fax'", (2, "channel")),
        ("ds,channel,agents_required\n2026-11-23T00:00:00Z,voice,2\n2026-11-23T00:00:00Z,voice,3\n",
         "duplicate row for the same ds, channel", (3, None)),
        ("ds,channel\n2026-11-23T00:00:00Z,voice\n", "missing column 'agents_required'; requirements needs columns", (None, None)),
    ],
)
def test_bad_stage_tables_name_the_file_line_and_column(write, text, expected, where):
    with pytest.raises(InputError) as info:
        load_output_table(write("requirements.csv", text), **REQ)
    assert str(info.value).startswith("requirements.csv")
    assert expected in str(info.value)
    assert where in [(p.line, p.column) for p in info.value.problems]


def test_the_label_names_the_table_in_errors(write):
    with pytest.raises(InputError, match=r"^plan requirements, line 2, column 'ds'"):
        load_output_table(write("r.csv", "ds,channel,agents_required\n2026-11-23 00:00,voice,2\n"), label="plan requirements", **REQ)
