"""A columnar history read one series at a time: the series' keys scanned first, then each series' rows alone.

For a big operation (a thousand queues, years of 15-minute intervals) no process should hold the whole history.
:func:`scan_series` reads only the key columns (a DuckDB aggregate over the Parquet files or the table): the
series, the files each is in, and the checks that need every series: a folder partitioned by series holds no
other series' rows, and a queue is on one channel only.
:func:`read_series` then reads one series (a DuckDB ``WHERE`` on its keys, only the files that hold it) and runs
the history loader's own validation on it (:func:`forecast.io.history.read_history`), so a message names the file
and row as the whole read's would.

Sources read this way: interval counts (``ds``) in a Parquet file or folder, or in a DuckDB table. A contact log
(``created_at``: its grid spans every series) and a DuckDB query or view are read whole
(:func:`forecast.io.history.read_history`); :func:`scan_series` returns None for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import InputError, Problem, Problems, file_label
from forecast.io.columnar import DuckDBSource, Part, RowMap, _check_schema, _frame, _quoted, open_parquet, parse_source
from forecast.schema import series_label


@dataclass(frozen=True)
class SeriesReader:
    """How to read one series of a columnar source (small: sent to every series' task).

    ``kind`` is ``"parquet"`` or ``"duckdb"``; ``paths`` the Parquet files (in the whole read's order) or the
    database file; ``names`` the history columns (lower-cased name -> the source's own); ``rows`` names the rows
    by file and row; ``first`` each Parquet file's first row in the whole read's numbering.
    """

    kind: str
    paths: tuple[str, ...]
    table: str | None
    names: dict[str, str]
    columns: tuple[str, ...]  # every column of the source (messages that list the columns found)
    rows: RowMap
    first: tuple[int, ...] = ()


@dataclass(frozen=True)
class SeriesScan:
    """A columnar source's series: key ``(channel, queue, tz)`` as the loader will name it (an empty queue cell, or
    a source without queues: queue = channel) -> the raw values of its key columns (:func:`_key_columns`) and files."""

    reader: SeriesReader
    series: dict[tuple[str, ...], tuple[tuple, ...]]  # -> raw (channel[, queue], tz) tuples
    files: dict[tuple[str, ...], tuple[int, ...]]  # -> indices of the Parquet files holding it
    rows: dict[tuple[str, ...], int]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _key_columns(names: dict[str, str]) -> list[tuple[str, str]]:
    """The key columns as ``(alias, SQL expression)``: channel, queue where the source has one, tz (NULL if none)."""
    out = [("channel", _ident(names["channel"]))]
    if "queue" in names:
        out.append(("queue", _ident(names["queue"])))
    out.append(("tz", _ident(names["tz"]) if "tz" in names else "NULL"))
    return out


def _null(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _key(raw: tuple, default_tz: str | None) -> tuple[str, str, str]:
    """The key (:data:`~forecast.schema.SERIES_COLUMNS`) of raw ``(channel[, queue], tz)`` values, as the loader
    names the series (:func:`forecast.io.files.queue_column`): an empty or absent queue is the channel's own."""
    channel, tz = raw[0], raw[-1]
    c = "" if _null(channel) else str(channel).strip().lower()
    q = "" if len(raw) < 3 or _null(raw[1]) else str(raw[1]).strip().lower()
    z = "" if _null(tz) else str(tz).strip()
    return c, (q or c), (z or default_tz or "")


def _raw(row: tuple) -> tuple:
    return tuple(None if _null(v) else v for v in row)


def _sql_list(values) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def scan_series(history: str | Path | DuckDBSource, *, default_tz: str | None = None, label: str | None = None) -> SeriesScan | None:
    """The series of a columnar interval-count history, reading only its key columns; None if it is read whole.

    Raises
    ------
    InputError
        The schema checks of :func:`forecast.io.columnar.read_parquet` / ``read_duckdb`` (wrong types, files with
        other columns), and, in a folder partitioned by series, a row of one series in another series' file
        (named by file and row, as the whole read names it).
    """
    import duckdb

    source = parse_source(history) if isinstance(history, str) else history
    if isinstance(source, DuckDBSource):
        return _scan_duckdb(source, default_tz)
    path = Path(source)
    if not (path.is_dir() or path.suffix.lower() == ".parquet"):
        return None
    name = label or file_label(path)
    opened, columns, labels = open_parquet(path, name)
    files = [f for f, _, _ in opened]
    metas = [meta for _, _, meta in opened]
    if any(set(c) != set(columns[0]) for c in columns[1:]):
        return None  # the whole read names the files with other columns
    names = columns[0]
    if "ds" not in names or "channel" not in names or "created_at" in names:
        return None
    parts, first = [], 1
    for lab, meta in zip(labels, metas):
        parts.append(Part(lab, first, meta.metadata.num_rows))
        first += meta.metadata.num_rows
    if first == 1:
        return None
    rows = RowMap(name, tuple(parts))
    all_columns = tuple(f.name.strip().lower() for f in metas[0].schema_arrow)
    reader = SeriesReader("parquet", tuple(str(f) for f in files), None, names, all_columns, rows, tuple(p.first for p in parts))
    keys = ", ".join(f"{expr} AS {alias}" for alias, expr in _key_columns(names))
    ds = _ident(names["ds"])
    con = duckdb.connect()
    try:
        agg = con.sql(
            f"SELECT filename, {keys}, count(*) AS n, min({ds})::VARCHAR AS lo, max({ds})::VARCHAR AS hi, "
            f"min(file_row_number) AS first_row FROM read_parquet({_sql_list(reader.paths)}, filename=true, file_row_number=true) "
            "GROUP BY ALL"
        ).df()
    finally:
        con.close()
    index = {p: i for i, p in enumerate(reader.paths)}
    agg["file"] = agg["filename"].map(index)
    if agg["file"].isna().any():  # duckdb names the files as they were given; anything else: read whole
        return None
    agg["file"] = agg["file"].astype(int)
    agg["line"] = [reader.first[f] + int(r) for f, r in zip(agg["file"], agg["first_row"])]
    _keyed(agg, names, default_tz)
    _check_partitions(agg, reader)
    _check_queue_channels(agg, reader)
    return _scan_of(reader, agg)


def _keyed(agg: pd.DataFrame, names: dict[str, str], default_tz: str | None) -> None:
    cols = [alias for alias, _ in _key_columns(names)]
    agg["raw"] = [_raw(t) for t in zip(*(agg[c] for c in cols))]
    agg["key"] = [_key(r, default_tz) for r in agg["raw"]]


def _scan_of(reader: SeriesReader, agg: pd.DataFrame) -> SeriesScan:
    series: dict[tuple[str, ...], list] = {}
    files: dict[tuple[str, ...], set] = {}
    counts: dict[tuple[str, ...], int] = {}
    for key, raw, f, n in zip(agg["key"], agg["raw"], agg["file"], agg["n"]):
        pairs = series.setdefault(key, [])
        if raw not in pairs:
            pairs.append(raw)
        files.setdefault(key, set()).add(int(f))
        counts[key] = counts.get(key, 0) + int(n)
    return SeriesScan(reader, {k: tuple(v) for k, v in sorted(series.items())}, {k: tuple(sorted(v)) for k, v in files.items()}, counts)


def _check_partitions(agg: pd.DataFrame, reader: SeriesReader) -> None:
    """A folder partitioned by series (:func:`forecast.io.columnar.check_series_partitions`) from the key scan."""
    if len(reader.paths) < 2:
        return
    per = agg.groupby(["file", "key"], sort=False)["n"].sum()
    total = per.groupby(level="file").sum()
    top = per.groupby(level="file").idxmax().map(lambda t: t[1])
    share = per.groupby(level="file").max() / total
    if len(top) < len(reader.paths) or (share <= 0.5).any() or top.duplicated().any():
        return
    spans = agg.groupby("file").agg(lo=("lo", "min"), hi=("hi", "max"))
    if not spans["lo"].max() < spans["hi"].min():
        return  # one file a month (or a year): not a partition by series
    home = {k: int(f) for f, k in top.items()}
    stray = agg[[home.get(k, -1) not in (-1, f) for k, f in zip(agg["key"], agg["file"])]]
    if stray.empty:
        return
    hit = _rows_of(reader, stray)
    key_of = {(int(f), raw): k for f, raw, k in zip(stray["file"], stray["raw"], stray["key"])}

    def label(k: tuple[str, ...]) -> str:
        return series_label(*k)

    problems = []
    for f, raw, line in zip(hit["file"], hit["raw"], hit["line"]):
        k = key_of[(int(f), raw)]
        own = top[f]
        part_label, row = reader.rows.locate(int(line))
        problems.append(Problem(part_label, f"a row of series {label(k)} in the file of series {label(own)}; the folder is "
                                            f"partitioned by series and {label(k)}'s rows are in {reader.rows.parts[home[k]].label}",
                                row, "channel", unit="row"))
    raise InputError.cells(iter(problems), len(problems))


def _where(names: dict[str, str], raw: tuple) -> str:
    """A SQL condition true on the rows whose key columns hold the ``raw`` values."""
    return "(" + " AND ".join(f"{expr} IS NOT DISTINCT FROM {_lit(v)}" for (_, expr), v in zip(_key_columns(names), raw)) + ")"


def _rows_of(reader: SeriesReader, groups: pd.DataFrame) -> pd.DataFrame:
    """The rows of the scan's ``groups`` (a Parquet file and raw key values each): ``file``, ``raw`` and ``line``
    (numbered as the whole read numbers them), in row order."""
    import duckdb

    names = reader.names
    cols = [alias for alias, _ in _key_columns(names)]
    keys = ", ".join(f"{expr} AS {alias}" for alias, expr in _key_columns(names))
    if reader.kind == "duckdb":
        conds = " OR ".join(_where(names, raw) for raw in groups["raw"])
        con = duckdb.connect(reader.paths[0], read_only=True)
        try:
            hit = con.sql(f"SELECT rowid + 1 AS line, {keys} FROM {_quoted(reader.table)} WHERE {conds}").df()
        finally:
            con.close()
        hit["file"] = 0
    else:
        conds = " OR ".join(f"(filename = {_lit(reader.paths[f])} AND {_where(names, raw)})"
                            for f, raw in zip(groups["file"], groups["raw"]))
        table = _parquet_rows(reader.paths, keys, conds)
        hit = table.select(cols).to_pandas()
        hit["file"], hit["line"] = _parquet_lines(reader, table)
    hit["raw"] = [_raw(t) for t in zip(*(hit[c] for c in cols))]
    return hit.sort_values("line", kind="stable")


def _parquet_rows(paths: list[str], select: str, where: str):
    """``select`` of the rows of the Parquet ``paths`` where ``where`` holds, with their ``_file`` and ``_row``
    (DuckDB's file name and 0-based row in it), as an Arrow table."""
    import duckdb

    con = duckdb.connect()
    try:
        return con.sql(f"SELECT {select}, filename AS _file, file_row_number AS _row FROM "
                       f"read_parquet({_sql_list(paths)}, filename=true, file_row_number=true) WHERE {where}").to_arrow_table()
    finally:
        con.close()


def _parquet_lines(reader: SeriesReader, table) -> tuple[np.ndarray, np.ndarray]:
    """Each row of :func:`_parquet_rows`' table: its file's index in ``reader.paths`` and its row in the whole read."""
    import pyarrow as pa
    import pyarrow.compute as pc

    file_no = pc.index_in(table.column("_file"), value_set=pa.array(list(reader.paths), type=pa.string())).to_numpy(zero_copy_only=False)
    file_no = np.asarray(file_no, dtype=np.int64)
    return file_no, np.array(reader.first)[file_no] + table.column("_row").to_numpy().astype(np.int64)


def _check_queue_channels(agg: pd.DataFrame, reader: SeriesReader) -> None:
    """A queue belongs to one channel (:func:`forecast.io.files.queue_column`), checked from the key scan: each
    row of a queue on another channel than the one of the queue's first row is named, as the whole read names it.

    (A queue named as another channel, and a queue name that is no name, are the series' own read's to report.)
    """
    from forecast.io.files import CHANNELS

    if "queue" not in reader.names or agg.empty:
        return
    g = agg.assign(channel_=[k[0] for k in agg["key"]], queue_=[k[1] for k in agg["key"]])
    g = g[~(g["queue_"].isin(CHANNELS) & (g["queue_"] != g["channel_"]))]
    first = g.sort_values("line", kind="stable").drop_duplicates("queue_")
    home = dict(zip(first["queue_"], first["channel_"]))
    home_line = dict(zip(first["queue_"], first["line"]))
    clash = g[g["channel_"] != g["queue_"].map(home)]
    if clash.empty:
        return
    hit = _rows_of(reader, clash)
    key_of = {(int(f), raw): k for f, raw, k in zip(clash["file"], clash["raw"], clash["key"])}
    problems = []
    for f, raw, line in zip(hit["file"], hit["raw"], hit["line"]):
        channel, queue, _ = key_of[(int(f), raw)]
        # the whole read's message (forecast.io.files.queue_column), named by file and row as it names it
        problems.append(reader.rows.problem(Problem(
            reader.rows.source, f"queue {queue!r} is on channel {channel} here but on channel {home[queue]} on line "
                                f"{int(home_line[queue])}; a queue belongs to exactly one channel", int(line), "queue")))
    raise InputError.cells(iter(problems), len(problems))


def _lit(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "NULL"
    return "'" + str(v).replace("'", "''") + "'"


def _scan_duckdb(source: DuckDBSource, default_tz: str | None) -> SeriesScan | None:
    import duckdb

    if source.table is None or not source.path.is_file():
        return None
    try:
        con = duckdb.connect(str(source.path), read_only=True)
    except duckdb.Error:
        return None  # the whole read gives the message
    label = source.label
    try:
        try:
            schema = con.sql(f"SELECT * FROM {_quoted(source.table)} LIMIT 0").to_arrow_table().schema
            con.sql(f"SELECT rowid FROM {_quoted(source.table)} LIMIT 0")
        except duckdb.Error:
            return None  # no such table, or a view (no rowid): read whole
        found = Problems()
        names = _check_schema(schema, label, found)
        found.raise_if_any()
        if "ds" not in names or "channel" not in names or "created_at" in names:
            return None
        keys = ", ".join(f"{expr} AS {alias}" for alias, expr in _key_columns(names))
        agg = con.sql(f"SELECT 0 AS file, {keys}, count(*) AS n, min(rowid) + 1 AS line FROM {_quoted(source.table)} "
                      "GROUP BY ALL").df()
        n = int(agg["n"].sum())
    finally:
        con.close()
    if n == 0:
        return None
    rows = RowMap(label, (Part(label, 1, n),))
    reader = SeriesReader("duckdb", (str(source.path),), source.table, names,
                          tuple(f.name.strip().lower() for f in schema), rows, (1,))
    _keyed(agg, names, default_tz)
    _check_queue_channels(agg, reader)
    return _scan_of(reader, agg)


def read_series(reader: SeriesReader, pairs: tuple[tuple, ...], files: tuple[int, ...] = ()) -> pd.DataFrame:
    """One series' rows (its raw key values ``pairs``, :class:`SeriesScan`) as the history loader's frame, ``_line`` numbered as the whole read's."""
    import duckdb

    names = reader.names
    cols = ", ".join(_ident(own) for own in names.values())
    where = " OR ".join(_where(names, raw) for raw in pairs)
    if reader.kind == "parquet":
        table = _parquet_rows([reader.paths[i] for i in (files or range(len(reader.paths)))], cols, where)
        _, line = _parquet_lines(reader, table)
    else:
        con = duckdb.connect(reader.paths[0], read_only=True)
        try:
            table = con.sql(f"SELECT {cols}, rowid AS _row FROM {_quoted(reader.table)} WHERE {where}").to_arrow_table()
        finally:
            con.close()
        line = table.column("_row").to_numpy().astype(np.int64) + 1
    df = _frame(table, names)
    df["_line"] = line
    df = df.sort_values("_line", kind="stable").reset_index(drop=True)
    df.attrs["columns"] = list(reader.columns)
    return df
