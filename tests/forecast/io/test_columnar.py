"""History from Parquet (a file, a folder of files) and DuckDB (a table, a query): the CSV's frame and the CSV's messages."""

from __future__ import annotations

import io
import re

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from forecast.errors import InputError
from forecast.io.columnar import DuckDBSource, parse_source
from forecast.io.history import read_history

from tests.forecast.io.test_history import GOOD

TWO_SERIES = "ds,channel,tz,volume,aht_s\n" + "".join(
    f"2025-06-0{d} {h:02d}:{m:02d},{c},{z},{(d * 7 + h + m) % 13},{'' if (d * 7 + h + m) % 13 == 0 else 200 + m}\n"
    for c, z in (("voice", "America/New_York"), ("chat", "Europe/London"))
    for d in (2, 3)
    for h in range(8, 12)
    for m in (0, 15, 30, 45)
)


def typed(csv_text: str) -> pd.DataFrame:
    """A CSV as a typed table would hold it: numbers as numbers, empty cells as nulls, text as text."""
    return pd.read_csv(io.StringIO(csv_text))


def as_text(csv_text: str) -> pd.DataFrame:
    """A CSV as text columns (as a Parquet export of strings would hold it)."""
    return pd.read_csv(io.StringIO(csv_text), dtype=str, keep_default_na=False)


def write_parquet(df: pd.DataFrame, path) -> None:
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)


def write_duckdb(df: pd.DataFrame, path, table: str = "history") -> None:
    con = duckdb.connect(str(path))
    con.register("frame", df)
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
    con.close()


def test_parquet_file_folder_duckdb_table_and_query_give_the_csvs_frame(write, tmp_path):
    csv = read_history(write("h.csv", TWO_SERIES))
    df = typed(TWO_SERIES)
    write_parquet(df, tmp_path / "h.parquet")
    folder = tmp_path / "history"
    (folder / "2025").mkdir(parents=True)
    for day, part in df.groupby(df["ds"].str[:10]):  # one file a day, in a sub-folder
        write_parquet(part, folder / "2025" / f"{day}.parquet")
    write_duckdb(df, tmp_path / "shop.duckdb")
    for source in (tmp_path / "h.parquet", folder, f"duckdb:{tmp_path / 'shop.duckdb'}::history",
                   f"duckdb:{tmp_path / 'shop.duckdb'}::SELECT * FROM history ORDER BY channel DESC"):
        got = read_history(source)
        pd.testing.assert_frame_equal(got.frame, csv.frame)
        assert got.grid == csv.grid


def test_typed_timestamps_zone_aware_are_instants_and_naive_ones_local(tmp_path):
    df = pd.DataFrame({
        "ds": pd.to_datetime(["2025-06-02 08:00", "2025-06-02 08:00"]),  # naive: the row's wall time
        "channel": ["chat", "chat"], "tz": ["America/New_York", "Europe/London"], "volume": [5, 7],
    })
    write_parquet(df, tmp_path / "naive.parquet")
    got = dict(zip(read_history(tmp_path / "naive.parquet").frame["tz"], read_history(tmp_path / "naive.parquet").frame["ds"]))
    assert got["America/New_York"] == pd.Timestamp("2025-06-02T12:00Z")
    assert got["Europe/London"] == pd.Timestamp("2025-06-02T07:00Z")
    aware = df.assign(ds=pd.to_datetime(["2025-06-02T08:00Z", "2025-06-02T08:00-04:00"], utc=True).tz_convert("Europe/Berlin"))
    write_parquet(aware, tmp_path / "aware.parquet")
    frame = read_history(tmp_path / "aware.parquet").frame
    assert sorted(frame["ds"]) == [pd.Timestamp("2025-06-02T08:00Z"), pd.Timestamp("2025-06-02T12:00Z")]


def test_other_columns_are_not_read_and_queue_is(tmp_path):
    df = typed(GOOD).assign(queue="returns", note="free text")
    write_parquet(df, tmp_path / "h.parquet")
    frame = read_history(tmp_path / "h.parquet").frame
    assert list(frame.columns) == ["channel", "queue", "tz", "ds", "volume", "aht_s"]
    assert set(frame["queue"]) == {"returns"}


# --------------------------------------------------------------- the CSV's bad-input messages, by file and row

BAD = [  # interval-count files with data rows (those of test_history's table), as CSV text
    "ds,channel,volume\n2025-06-02T12:00:00Z,voice,3\n",
    "ds,tz,volume\n2025-06-02T12:00:00Z,UTC,3\n",
    "when,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,3\n",
    "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,3\nyesterday,voice,UTC,4\n",
    "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,-3\n",
    "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,lots\n",
    "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,3\n2025-06-02T12:15:00Z,voice,UTC,\n",
    "ds,channel,tz,volume\n2025-06-02T12:00:00Z,fax,UTC,3\n",
    "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,Mars/Olympus,3\n",
    "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,3\n2025-06-02T12:00:00Z,voice,UTC,4\n",
    "ds,channel,tz,volume\n2025-03-09 02:30,voice,America/New_York,3\n",
    "ds,channel,tz,volume\n2025-11-02 01:30,voice,America/New_York,3\n",
    "ds,channel,tz,volume\n2025-06-02T12:07:00Z,voice,UTC,3\n",
    "ds,channel,tz,volume,aht_s\n2025-06-02T12:00:00Z,voice,UTC,3,0\n2025-06-02T12:15:00Z,voice,UTC,3,90000\n",
    "ds,channel,tz,volume\n2025-06-02T12:00:00Z,voice,UTC,3e9\n",
]


def csv_problems(write, text: str) -> InputError:
    with pytest.raises(InputError) as info:
        read_history(write("bad.csv", text))
    return info.value


def expected_as_rows(exc: InputError, file: str) -> list[tuple[str, str, int | None, str | None]]:
    """The CSV's problems as a columnar input names them: line N (header = 1) is row N - 1 of the file."""
    out = []
    for p in exc.problems:
        message = re.sub(r"\bline (\d+)", lambda m: f"row {int(m.group(1)) - 1:,} of {file}", p.message)
        message = message.replace("on row", "in row").replace("given row", "given in row")
        out.append((file if p.line is not None else file, message, None if p.line is None else p.line - 1, p.column))
    return out


def got_rows(exc: InputError) -> list[tuple[str, str, int | None, str | None]]:
    return [(p.file, p.message, p.line, p.column) for p in exc.problems]


@pytest.mark.parametrize("text", BAD)
@pytest.mark.parametrize("columns", ["typed", "text"])
def test_a_bad_parquet_file_gets_the_csvs_messages_by_row(write, tmp_path, text, columns):
    expected = expected_as_rows(csv_problems(write, text), "bad.parquet")
    write_parquet(typed(text) if columns == "typed" else as_text(text), tmp_path / "bad.parquet")
    with pytest.raises(InputError) as info:
        read_history(tmp_path / "bad.parquet")
    assert got_rows(info.value) == expected
    assert all(p.unit == "row" for p in info.value.problems if p.line is not None)
    if any(p.line is not None for p in info.value.problems):
        assert ", row " in str(info.value)


@pytest.mark.parametrize("text", BAD)
def test_a_bad_duckdb_table_gets_the_csvs_messages_by_row(write, tmp_path, text):
    label = "shop.duckdb::history"
    expected = [(label, m.replace("of bad.csv", f"of {label}"), line, column)
                for _, m, line, column in expected_as_rows(csv_problems(write, text), label)]
    write_duckdb(typed(text), tmp_path / "shop.duckdb")
    with pytest.raises(InputError) as info:
        read_history(f"duckdb:{tmp_path / 'shop.duckdb'}::history")
    assert got_rows(info.value) == expected


def test_a_bad_row_in_a_folder_is_named_by_its_file_and_row(tmp_path):
    df = typed(TWO_SERIES)
    folder = tmp_path / "history"
    folder.mkdir()
    days = dict(tuple(df.groupby(df["ds"].str[:10])))
    second = days["2025-06-03"].reset_index(drop=True)
    second.loc[5, "volume"] = -4
    write_parquet(days["2025-06-02"], folder / "2025-06-02.parquet")
    write_parquet(second, folder / "2025-06-03.parquet")
    with pytest.raises(InputError) as info:
        read_history(folder)
    (p,) = info.value.problems
    assert (p.file, p.line, p.column) == ("history/2025-06-03.parquet", 6, "volume")
    assert str(p) == "history/2025-06-03.parquet, row 6, column 'volume': expected a number of at least 0, found '-4'"


def test_a_repeated_interval_across_files_names_both(tmp_path):
    df = typed(GOOD)
    folder = tmp_path / "history"
    folder.mkdir()
    write_parquet(df, folder / "a.parquet")
    write_parquet(df.iloc[[1]], folder / "b.parquet")
    with pytest.raises(InputError) as info:
        read_history(folder)
    (p,) = info.value.problems
    assert (p.file, p.line, p.column) == ("history/b.parquet", 1, "ds")
    assert "(first given in row 2 of history/a.parquet)" in p.message


def test_wrong_column_types_are_named_by_file_and_column(tmp_path):
    df = typed(GOOD)
    folder = tmp_path / "history"
    folder.mkdir()
    write_parquet(df, folder / "a.parquet")
    write_parquet(df.assign(volume=pd.to_datetime("2025-06-02"), channel=3), folder / "b.parquet")
    with pytest.raises(InputError) as info:
        read_history(folder)
    got = {(p.file, p.column): p.message for p in info.value.problems}
    assert set(got) == {("history/b.parquet", "volume"), ("history/b.parquet", "channel")}
    assert "expected numbers" in got[("history/b.parquet", "volume")]
    assert got[("history/b.parquet", "channel")].startswith("the column is of type int64; expected text")


def test_files_of_one_folder_with_other_columns_are_named(tmp_path):
    df = typed(GOOD)
    folder = tmp_path / "history"
    folder.mkdir()
    write_parquet(df, folder / "a.parquet")
    write_parquet(df.drop(columns="aht_s"), folder / "b.parquet")
    with pytest.raises(InputError, match=r"history/b.parquet: holds other history columns than history/a.parquet: no aht_s"):
        read_history(folder)


def test_a_series_partition_holding_another_series_rows_is_named_by_file_and_row(tmp_path):
    df = typed(TWO_SERIES)
    folder = tmp_path / "history"
    folder.mkdir()
    voice, chat = df[df["channel"] == "voice"].reset_index(drop=True), df[df["channel"] == "chat"].reset_index(drop=True)
    stray = chat.iloc[[3]].assign(ds="2025-06-04 08:00")  # a chat row (a day no file has) in voice's file
    write_parquet(pd.concat([voice.iloc[:10], stray, voice.iloc[10:]]), folder / "voice--America_New_York.parquet")
    write_parquet(chat, folder / "chat--Europe_London.parquet")
    with pytest.raises(InputError) as info:
        read_history(folder)
    (p,) = info.value.problems
    assert (p.file, p.line) == ("history/voice--America_New_York.parquet", 11)
    assert "a row of series chat/Europe/London in the file of series voice/America/New_York" in p.message
    assert "history/chat--Europe_London.parquet" in p.message


def test_a_folder_by_month_may_hold_every_series_in_each_file(tmp_path):
    df = typed(TWO_SERIES)
    folder = tmp_path / "history"
    folder.mkdir()
    for day, part in df.groupby(df["ds"].str[:10]):
        write_parquet(part, folder / f"{day}.parquet")
    assert read_history(folder).frame["channel"].nunique() == 2


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("missing.parquet", "missing.parquet: file not found"),
        ("empty_folder", "empty_folder: the folder holds no Parquet file"),
        ("not.parquet", "not.parquet: is not a readable Parquet file"),
        ("duckdb:{tmp}/missing.duckdb::history", "missing.duckdb: database file not found"),
        ("duckdb:{tmp}/shop.duckdb::calls", "shop.duckdb::calls: no table 'calls' in shop.duckdb; its tables: history"),
        ("duckdb:{tmp}/shop.duckdb::SELECT volume FROM calls", "shop.duckdb query: the query failed: Catalog Error"),
        ("duckdb:{tmp}/shop.duckdb::SELECT ds, channel, tz FROM history", "missing column 'volume'"),
        ("duckdb:{tmp}/shop.duckdb", "expected duckdb:PATH::TABLE or duckdb:PATH::SELECT"),
        ("{tmp}/shop.duckdb", "a DuckDB database needs a table or a query"),
        ("duckdb:{tmp}/not.parquet::history", "not.parquet: cannot open the DuckDB database read-only"),
    ],
)
def test_missing_files_tables_and_bad_sources_are_named(tmp_path, source, expected):
    (tmp_path / "empty_folder").mkdir()
    (tmp_path / "not.parquet").write_text("ds,channel\n")
    write_duckdb(typed(GOOD), tmp_path / "shop.duckdb")
    source = source.format(tmp=tmp_path)
    if not source.startswith(("duckdb:", str(tmp_path))):
        source = str(tmp_path / source)
    with pytest.raises(InputError) as info:
        read_history(source)
    assert expected in str(info.value)


def test_parse_source_tells_tables_from_queries(tmp_path):
    assert parse_source("duckdb:a.duckdb::main.history") == DuckDBSource(tmp_path.__class__("a.duckdb"), table="main.history")
    assert parse_source("duckdb:a.duckdb:: with x as (select 1) select * from x").query.startswith("with")
    assert parse_source("h.parquet").name == "h.parquet"


def test_the_database_is_opened_read_only(tmp_path):
    write_duckdb(typed(GOOD), tmp_path / "shop.duckdb")
    with pytest.raises(InputError, match="the query failed"):
        read_history(f"duckdb:{tmp_path / 'shop.duckdb'}::SELECT * FROM history; DROP TABLE history")
    con = duckdb.connect(str(tmp_path / "shop.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM history").fetchone()[0] == 4
    con.close()


def test_notes_name_file_and_row(tmp_path):
    df = typed(GOOD).drop(index=2)
    write_parquet(df, tmp_path / "h.parquet")
    notes: list[str] = []
    frame = read_history(tmp_path / "h.parquet", notes=notes).frame
    assert np.isclose(frame["volume"].sum(), 30)
    assert any("h.parquet: voice/America/New_York: 1 interval(s) with no row" in n for n in notes)
