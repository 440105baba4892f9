"""Columnar history inputs: a Parquet file, a folder of Parquet files, a DuckDB table or query.

A big operation's history (a thousand queues, years of 15-minute intervals) is tens of millions of rows: as a CSV
it is read cell by cell as text, in columnar form it is read typed, only the columns the history needs. The
history loader (:func:`forecast.io.history.read_history`) takes any of these sources as it takes a CSV, with the
same validation and the same messages; where a CSV's message names a line, a columnar input's names the file
and the row (1-based, the first data row is row 1), e.g. ``history/2025-03.parquet, row 1,204, column
'volume'``.

Sources (:func:`parse_source` reads the text the CLI's ``--history`` gives):

``history.parquet``
    One Parquet file.
``history/``
    A folder of Parquet files (``*.parquet`` in it and its sub-folders, read in name order), e.g. one a month
    or one a series. Every file must hold the same history columns.
``duckdb:shop.duckdb::history`` / ``duckdb:shop.duckdb::main.history``
    A table (or view) of a DuckDB database file, opened read-only (several readers may share the file; a writer
    holding it makes the read fail with DuckDB's message).
``duckdb:shop.duckdb::SELECT ds, channel, tz, volume FROM calls WHERE ...``
    A query (``SELECT`` or ``WITH``) on that database, rows in the order the query gives them.

Column types: ``ds`` / ``created_at`` a timestamp (with a zone: an instant; without: the wall-clock time of the
row's customer zone ``tz``, as a naive CSV timestamp is) or ISO 8601 text; ``channel``, ``queue`` (optional) and
``tz`` text; ``volume``, ``aht_s`` and ``handle_time_s`` numbers (integer or floating point) or text holding them. A
column of another type is refused, naming the file and the column. Other columns are not read (messages that list
the columns found name them, as for a CSV: the frame's ``attrs["columns"]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import InputError, Problem, Problems, file_label
from forecast.schema import SERIES_COLUMNS, series_label

#: The columns a history may hold (interval counts or a per-contact log); the rest are not read.
HISTORY_INPUT_COLUMNS = ("ds", "created_at", "channel", "queue", "tz", "volume", "aht_s", "handle_time_s")
_TIME_COLUMNS = {"ds", "created_at"}
_TEXT_COLUMNS = {"channel", "queue", "tz"}
_NUMBER_COLUMNS = {"volume", "aht_s", "handle_time_s"}
#: Scheme of a DuckDB source, and the separator of the database file and the table or query.
DUCKDB_PREFIX = "duckdb:"
DUCKDB_SEPARATOR = "::"
#: File suffixes taken for a DuckDB database when given without a table.
DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")


@dataclass(frozen=True)
class DuckDBSource:
    """A DuckDB database file and a table (or view) in it, or a query on it."""

    path: Path
    table: str | None = None
    query: str | None = None

    @property
    def label(self) -> str:
        """The source's name in messages: ``shop.duckdb::history`` or ``shop.duckdb query``."""
        return f"{self.path.name}{DUCKDB_SEPARATOR}{self.table}" if self.table else f"{self.path.name} query"


def parse_source(text: str | Path) -> Path | DuckDBSource:
    """The history source a ``--history`` value names: a path (CSV, Parquet file or folder) or a :class:`DuckDBSource`.

    Raises
    ------
    InputError
        A ``duckdb:`` value without ``::TABLE`` or a query, or a database file given without a table.
    """
    if isinstance(text, Path):
        text = str(text)
    if not text.startswith(DUCKDB_PREFIX):
        path = Path(text)
        if path.suffix.lower() in DUCKDB_SUFFIXES:
            raise InputError.one(path.name, f"a DuckDB database needs a table or a query: --history duckdb:{text}::TABLE "
                                            f"or duckdb:{text}::SELECT ...")
        return path
    rest = text[len(DUCKDB_PREFIX):]
    if DUCKDB_SEPARATOR not in rest:
        raise InputError.one(text, "expected duckdb:PATH::TABLE or duckdb:PATH::SELECT ... (the database file, '::', then a "
                                   "table or a query)")
    path, what = rest.split(DUCKDB_SEPARATOR, 1)
    what = what.strip()
    if not path or not what:
        raise InputError.one(text, "expected duckdb:PATH::TABLE or duckdb:PATH::SELECT ...; the path or the table is empty")
    if re.match(r"(?is)^\s*(select|with|from)\b", what):
        return DuckDBSource(Path(path), query=what)
    return DuckDBSource(Path(path), table=what)


def is_columnar(source: str | Path | DuckDBSource) -> bool:
    """Whether a history source is read by this module (Parquet file or folder, DuckDB), not as a CSV."""
    if isinstance(source, DuckDBSource):
        return True
    path = Path(source)
    return path.suffix.lower() == ".parquet" or path.is_dir()


@dataclass(frozen=True)
class Part:
    """One file (or table) of a columnar source: its name in messages and its rows in the whole frame."""

    label: str
    first: int  # the whole frame's 1-based row number of this part's first row
    rows: int


@dataclass(frozen=True)
class RowMap:
    """Where each row of a columnar frame came from; turns the frame's row numbers into file and row in messages.

    The frame's ``_line`` column holds its 1-based row number across every part; :meth:`locate` gives the part
    and the row in it.
    """

    source: str
    parts: tuple[Part, ...]

    def locate(self, row: int) -> tuple[str, int]:
        """The part's label and its own 1-based row of the frame's row ``row``."""
        starts = [p.first for p in self.parts]
        i = max(0, int(np.searchsorted(starts, row, side="right")) - 1)
        part = self.parts[i]
        return part.label, row - part.first + 1

    def _where(self, row: int) -> str:
        label, r = self.locate(row)
        return f"row {r:,} of {label}"

    def text(self, message: str) -> str:
        """A message (or note) with every ``line N`` it names as the part's row."""
        return re.sub(r"\bon line (\d+)", lambda m: "in " + self._where(int(m.group(1))), message)

    def problem(self, p: Problem) -> Problem:
        """``p`` (named by the frame's row) named by part and row instead."""
        if p.file != self.source:
            return p
        message = re.sub(r"\(first given on line (\d+)\)", lambda m: f"(first given in {self._where(int(m.group(1)))})", p.message)
        message = self.text(message)
        if p.line is None:
            return Problem(p.file, message, None, p.column)
        label, row = self.locate(p.line)
        return Problem(label, message, row, p.column, unit="row")

    def error(self, exc: InputError) -> InputError:
        """``exc`` with every problem named by part and row."""
        return InputError([self.problem(p) for p in exc.problems], total=exc.total)


# --------------------------------------------------------------------------- #
# Arrow tables into the loader's frame
# --------------------------------------------------------------------------- #


def _kind(t) -> str:
    """The kind of an Arrow type, as the checks see it: time, text, number, null or other."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_timestamp(t):
        return "time"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "text"
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_null(t):
        return "null"
    return "other"


_EXPECTED = {
    "time": "a timestamp (with or without a time zone) or ISO 8601 text",
    "text": "text",
    "number": "numbers (integer or floating point) or text holding them",
}


def _expected_kinds(column: str) -> tuple[str, set[str]]:
    if column in _TIME_COLUMNS:
        return _EXPECTED["time"], {"time", "text", "null"}
    if column in _TEXT_COLUMNS:
        return _EXPECTED["text"], {"text", "null"}
    return _EXPECTED["number"], {"number", "text", "null"}


def _check_schema(schema, label: str, found: Problems) -> dict[str, str]:
    """The history columns of one part (lower-cased name -> the part's own name); wrong types added to ``found``."""
    names: dict[str, str] = {}
    for field in schema:
        name = field.name.strip().lower()
        if name not in HISTORY_INPUT_COLUMNS:
            continue
        if name in names:
            found.add(Problem(label, f"two columns are named {name!r} (column names are read without case)", column=name))
            continue
        expected, kinds = _expected_kinds(name)
        if _kind(field.type) not in kinds:
            found.add(Problem(label, f"the column is of type {field.type}; expected {expected}", column=name))
        names[name] = field.name
    return names


def _frame(table, names: dict[str, str]) -> pd.DataFrame:
    """An Arrow table's history columns as the loader's frame: text as strings (null as empty), numbers and times typed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = {}
    for name, own in names.items():
        col = table.column(own)
        kind = _kind(col.type)
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        if kind == "text" or (kind == "null" and name in _TEXT_COLUMNS):  # read as a CSV's cells are: null is empty
            out[name] = pc.fill_null(col.cast(pa.string()), "").to_pandas().astype("str")
        elif kind == "null":
            out[name] = pd.Series(np.nan if name in _NUMBER_COLUMNS else pd.NaT, index=range(len(col)))
        elif kind == "time":
            series = col.to_pandas()
            out[name] = series.astype("datetime64[ns, UTC]") if isinstance(series.dtype, pd.DatetimeTZDtype) else series.astype("datetime64[ns]")
        else:  # numbers: integers stay integers, decimals become floats
            out[name] = (col.cast(pa.float64()) if pa.types.is_decimal(col.type) else col).to_pandas()
    return pd.DataFrame(out)


def _concat(frames: list[pd.DataFrame], labels: list[str], source: str) -> tuple[pd.DataFrame, RowMap]:
    parts, first = [], 1
    for frame, label in zip(frames, labels):
        parts.append(Part(label, first, len(frame)))
        first += len(frame)
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    df["_line"] = np.arange(1, len(df) + 1, dtype=np.int64)
    return df, RowMap(source, tuple(parts))


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.parquet") if p.is_file() and not any(s.startswith((".", "_")) for s in p.relative_to(folder).parts))


def open_parquet(path: Path, name: str):
    """Every Parquet file of ``path`` (a file, or a folder's ``*.parquet``), opened, with its history columns checked.

    Returns ``(files, columns, labels)``: per file ``(path, label, ParquetFile)``, the history columns it holds
    (:func:`_check_schema`) and the labels that name the files in messages (``name``, or ``name/relative path``).

    Raises
    ------
    InputError
        Missing file or folder, a folder without Parquet files, a file that is not Parquet, a column of the wrong
        type: each named by its file (and column).
    """
    import pyarrow.parquet as pq

    if not path.exists():
        raise InputError.one(name, f"file not found: {path}")
    if path.is_dir():
        files = _parquet_files(path)
        if not files:
            raise InputError.one(name, f"the folder holds no Parquet file (*.parquet): {path}")
        labels = [f"{name}/{f.relative_to(path).as_posix()}" for f in files]
    else:
        files, labels = [path], [name]
    found = Problems()
    opened, columns = [], []
    for f, lab in zip(files, labels):
        try:
            meta = pq.ParquetFile(f)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for a file that is not Parquet
            found.add(Problem(lab, f"is not a readable Parquet file ({str(exc).splitlines()[0]})"))
            continue
        opened.append((f, lab, meta))
        columns.append(_check_schema(meta.schema_arrow, lab, found))
    found.raise_if_any()
    return opened, columns, labels


def read_parquet(path: str | Path, *, label: str | None = None) -> tuple[pd.DataFrame, RowMap]:
    """A Parquet file, or a folder of them, as the history loader's frame and where its rows came from.

    Returns
    -------
    (DataFrame, RowMap)
        The history columns found (see the module's docstring for their types) and ``_line``, the 1-based row
        across the files; the :class:`RowMap` names a row by file and row.

    Raises
    ------
    InputError
        Missing file or folder, a folder without Parquet files, a file that is not Parquet, a column of the wrong
        type, files of one folder with different history columns: each named by its file (and column).
    """
    path = Path(path)
    name = label or file_label(path)
    schemas, columns, labels = open_parquet(path, name)
    found = Problems()
    first_names = set(columns[0])
    for (f, lab, _), names in zip(schemas[1:], columns[1:]):
        missing, extra = sorted(first_names - set(names)), sorted(set(names) - first_names)
        if missing or extra:
            found.add(Problem(lab, f"holds other history columns than {labels[0]}: "
                                   + "; ".join(([f"no {', '.join(missing)}"] if missing else []) + ([f"also {', '.join(extra)}"] if extra else []))))
    found.raise_if_any()
    frames = []
    for (f, lab, meta), names in zip(schemas, columns):
        if not names:
            frames.append(pd.DataFrame(index=range(meta.metadata.num_rows)))
            continue
        try:
            table = meta.read(columns=list(names.values()))
        except Exception as exc:
            raise InputError.one(lab, f"is not a readable Parquet file ({str(exc).splitlines()[0]})") from None
        frames.append(_frame(table, names))
    df, rows = _concat(frames, labels, name)
    df.attrs["columns"] = [f.name.strip().lower() for f in schemas[0][2].schema_arrow]
    if len(df) == 0:
        raise InputError.one(name, "has columns but no data rows")
    return df, rows


def _quoted(table: str) -> str:
    """A table name (``name`` or ``schema.name``) quoted as DuckDB identifiers."""
    return ".".join('"' + part.strip().strip('"').replace('"', '""') + '"' for part in table.split("."))


def read_duckdb(source: DuckDBSource) -> tuple[pd.DataFrame, RowMap]:
    """A DuckDB table or query as the history loader's frame (see :func:`read_parquet`); the database opened read-only.

    Raises
    ------
    InputError
        Missing database file, a file that is not a DuckDB database (or one a writer holds), no such table
        (naming the tables there), a query DuckDB refuses (its message), a column of the wrong type.
    """
    import duckdb

    label = source.label
    if not source.path.is_file():
        raise InputError.one(source.path.name, f"database file not found: {source.path}")
    try:
        con = duckdb.connect(str(source.path), read_only=True)
    except duckdb.Error as exc:
        raise InputError.one(source.path.name, f"cannot open the DuckDB database read-only: {str(exc).splitlines()[0]}") from None
    try:
        if source.table is not None:
            try:
                relation = con.sql(f"SELECT * FROM {_quoted(source.table)}")
            except duckdb.CatalogException:
                tables = sorted(r[0] for r in con.sql(
                    "SELECT CASE WHEN table_schema = 'main' THEN table_name ELSE table_schema || '.' || table_name END "
                    "FROM information_schema.tables").fetchall())
                raise InputError.one(label, f"no table {source.table!r} in {source.path.name}; "
                                            f"its tables: {', '.join(tables) if tables else 'none'}") from None
            except duckdb.Error as exc:
                raise InputError.one(label, f"cannot read the table: {str(exc).splitlines()[0]}") from None
        else:
            try:
                relation = con.sql(source.query)
            except duckdb.Error as exc:
                raise InputError.one(label, f"the query failed: {str(exc).splitlines()[0]}") from None
            if relation is None:
                raise InputError.one(label, "the query returns no rows (expected a SELECT)")
        try:
            table = relation.to_arrow_table()
        except duckdb.Error as exc:
            raise InputError.one(label, f"the query failed: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    found = Problems()
    names = _check_schema(table.schema, label, found)
    found.raise_if_any()
    if table.num_rows == 0:
        raise InputError.one(label, "has columns but no data rows")
    frame = _frame(table.select(list(names.values())), names) if names else pd.DataFrame(index=range(table.num_rows))
    df, rows = _concat([frame], [label], label)
    df.attrs["columns"] = [f.name.strip().lower() for f in table.schema]
    return df, rows


def read_columnar(source: str | Path | DuckDBSource, *, label: str | None = None) -> tuple[pd.DataFrame, RowMap]:
    """A columnar history source (see the module's docstring) as the history loader's frame and its :class:`RowMap`."""
    if isinstance(source, DuckDBSource):
        return read_duckdb(source)
    return read_parquet(source, label=label)


def check_series_partitions(frame: pd.DataFrame, rows: RowMap) -> None:
    """Refuse rows of one series in a file that holds another series, when a folder is partitioned by series.

    A folder is taken as partitioned by series when each of its files holds mostly (more than half its rows) one
    series, no two files the same one, and the files' time spans overlap (one file a series over the same
    weeks, not one file a month). Then every row in a file whose series is another file's is named by file and
    row, with the file its series belongs in.

    ``frame`` is the checked history (the series columns, :data:`forecast.schema.SERIES_COLUMNS`, and ``_line``
    with the frame's rows), before the grid is completed.
    """
    if len(rows.parts) < 2:
        return
    bounds = np.array([p.first for p in rows.parts] + [rows.parts[-1].first + rows.parts[-1].rows])
    part = np.searchsorted(bounds, frame["_line"].to_numpy(), side="right") - 1
    grouped = frame.groupby(list(SERIES_COLUMNS), sort=False)
    codes = grouped.ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]  # each series' first row, in code order
    uniques = [series_label(*key) for key in frame[list(SERIES_COLUMNS)].iloc[first].itertuples(index=False)]
    table = pd.DataFrame({"part": part, "series": codes, "ds": frame["ds"].astype("int64").to_numpy()})
    counts = table.groupby(["part", "series"]).size()
    dominant = counts.groupby(level="part").idxmax().map(lambda t: t[1])
    share = counts.groupby(level="part").max() / counts.groupby(level="part").sum()
    if len(dominant) < 2 or (share <= 0.5).any() or dominant.duplicated().any():
        return
    spans = table.groupby("part")["ds"].agg(["min", "max"])
    if not spans["min"].max() < spans["max"].min():
        return  # the files follow each other in time (by month, ...): not a partition by series
    home = {int(s): int(p) for p, s in dominant.items()}
    own = dominant.reindex(range(len(rows.parts))).to_numpy()
    mixed = (table["series"].to_numpy() != own[part]) & np.isin(table["series"].to_numpy(), list(home))
    if not mixed.any():
        return
    where = np.flatnonzero(mixed)
    raise InputError.cells(
        (
            Problem(rows.source,
                    f"a row of series {uniques[table['series'].iat[i]]} in the file of series {uniques[own[part[i]]]}; "
                    f"the folder is partitioned by series and {uniques[table['series'].iat[i]]}'s rows are in "
                    f"{rows.parts[home[int(table['series'].iat[i])]].label}",
                    int(frame["_line"].iat[i]), "channel")
            for i in where
        ),
        len(where),
    )
