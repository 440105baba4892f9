"""Reading and writing CSV tables safely: size and encoding checks, typed columns and plausibility bounds, the one atomic and formula-safe writer, ISO timestamps."""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import MAX_PROBLEMS_SHOWN, InputError, Problem, Problems, file_label
from forecast.schema import CHANNELS, QUEUE_NAME_RE, is_valid_tz
from forecast.tables import Table


#: Largest input accepted, in bytes: a plain file's size, and what a ``.gz`` file unpacks to (read in chunks and
#: stopped there, so a small archive of zeros cannot fill the memory). 512 MB is some 10 million interval rows or
#: contacts, years of a large centre's history.
MAX_FILE_BYTES = 512 * 1024 * 1024
_CHUNK_BYTES = 1024 * 1024


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.0f} MB" if n >= 10e6 else f"{n / 1e6:.3g} MB"


def _raw_bytes(path: Path, name: str) -> bytes:
    if path.suffix != ".gz":
        return path.read_bytes()
    data = bytearray()
    try:
        with gzip.open(path, "rb") as f:
            while chunk := f.read(_CHUNK_BYTES):
                data += chunk
                if len(data) > MAX_FILE_BYTES:
                    limit = _megabytes(MAX_FILE_BYTES)
                    raise InputError.one(name, f"unpacks to more than {limit}; the limit is {limit} of uncompressed data per file")
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError.one(name, f"is not a readable gzip file ({exc})") from None
    return bytes(data)


def _typed_csv(data: bytes, numbers: tuple[str, ...]) -> pd.DataFrame | None:
    """The CSV read in columns by Arrow, the ``numbers`` columns as floats and the rest as text; None where that is not safe.

    Safe means the text reader would read the same cells on the same lines: no quote (no cell across lines), no
    blank or whitespace-only line, every row with the header's fields, every number finite or empty. Anything else
    (and any Arrow error: a cell that is not a number, bytes that are not UTF-8) returns None, and the caller reads
    the file as text, which finds and names the problem.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if b'"' in body or b"\r" in body or not body.strip() or re.search(rb"\n[ \t]*\n", body.rstrip(b" \t\n")) or body[:1].isspace():
        return None
    header = body.split(b"\n", 1)[0].decode("utf-8", errors="replace").split(",")
    wanted = {name: pa.float64() for name in header if name.strip().lower() in numbers}
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={**{name: pa.string() for name in header if name not in wanted}, **wanted},
                null_values=[""], strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, UnicodeDecodeError):
        return None
    if table.num_rows == 0 or table.num_columns != len(header):
        return None
    df = table.to_pandas()
    for name in wanted:
        values = df[name].to_numpy()
        if np.isinf(values).any():
            return None
    df.columns = [str(c).strip().lower() for c in df.columns]
    if len(set(df.columns)) != len(df.columns):
        return None
    df["_line"] = np.arange(2, len(df) + 2, dtype=np.int64)
    df.attrs["typed"] = True
    return df


def read_table(
    path: str | Path, *, label: str | None = None, numbers: tuple[str, ...] = (), sep: str = ","
) -> pd.DataFrame:
    """Read a CSV (optionally ``.gz``; ``sep="\\t"`` for a tab-separated file) into a dataframe of strings (or typed
    columns where safe).

    Column names are stripped and lower-cased. A ``_line`` column holds each
    row's line number in the file (header = 1) for error messages.

    ``numbers`` (lower-case column names) asks for a typed read: where it is safe (see :func:`_typed_csv`) the
    file is read in columns by Arrow, those columns as floats (empty cells NaN) and the rest as text, and
    ``df.attrs["typed"]`` is True; a caller whose checks then find a problem reads the file again as text
    (``numbers=()``) to name it exactly as before. Otherwise every cell is a string.

    Raises
    ------
    InputError
        Missing file, empty file, not UTF-8 text, malformed CSV, or no data rows.
    """
    path = Path(path)
    name = label or file_label(path)
    if not path.exists():
        raise InputError.one(name, f"file not found: {path}")
    if path.is_dir():
        raise InputError.one(name, f"expected a file, found a folder: {path}")
    size = path.stat().st_size
    if size == 0:
        raise InputError.one(name, "the file is empty; expected a CSV with a header row")
    if size > MAX_FILE_BYTES:
        raise InputError.one(name, f"the file is {_megabytes(size)}; the limit is {_megabytes(MAX_FILE_BYTES)}")
    data = _raw_bytes(path, name)
    if numbers and sep == ",":
        typed = _typed_csv(data, numbers)
        if typed is not None:
            return typed
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError.one(
            name,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be read); save it as UTF-8 CSV",
            line=line,
        ) from None
    if not text.strip():
        raise InputError.one(name, "the file is empty; expected a CSV with a header row")
    try:
        with warnings.catch_warnings():
            # pandas warns (and drops data) when rows have more fields than the header
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=True,
                index_col=False,
                engine="c",
                sep=sep,
            )
    except pd.errors.ParserWarning:
        raise _field_count_error(text, name, sep) from None
    except pd.errors.ParserError as exc:
        msg = str(exc)
        m = re.search(r"line (\d+)", msg)
        raise InputError.one(
            name,
            f"is not a well-formed CSV: {msg.split(':', 1)[-1].strip()}",
            line=int(m.group(1)) if m else None,
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError.one(name, "the file is empty; expected a CSV with a header row") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    if len(df) == 0:
        raise InputError.one(name, "has a header but no data rows")
    # Line numbers: blank lines are skipped by the reader, so count them back in.
    lines = np.array(
        [i + 1 for i, raw in enumerate(text.splitlines()) if raw.strip()][1 : len(df) + 1], dtype=np.int64
    )
    if len(lines) != len(df):  # quoted multi-line cells: fall back to row order
        lines = np.arange(2, len(df) + 2)
    df["_line"] = lines
    return df


def _field_count_error(text: str, name: str, sep: str = ",") -> InputError:
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)  # newline="": any line ending, as pandas reads them
    header = next(rows)
    found = Problems()
    for row in rows:
        if row and len(row) != len(header):
            found.add(Problem(name, f"is not a well-formed CSV: expected {len(header)} fields as in the header, saw {len(row)}", rows.line_num))
    return found.error() if found else InputError([Problem(name, "is not a well-formed CSV: rows and header differ in length")])


def source_columns(df: pd.DataFrame) -> list[str]:
    """The columns of the file ``df`` was read from: a CSV's all; a columnar source's (``attrs["columns"]``), read or not."""
    return list(df.attrs.get("columns") or [c for c in df.columns if c != "_line"])


def require_columns(df: pd.DataFrame, required: list[str], file: str, what: str) -> None:
    """Raise InputError naming every missing column and what the file should hold."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = ", ".join(source_columns(df)) or "none"
        raise InputError(
            [
                Problem(
                    file,
                    f"missing column '{c}'; {what} needs columns {', '.join(required)} (found: {found})",
                )
                for c in missing
            ]
        )


def parse_numbers(
    df: pd.DataFrame,
    column: str,
    file: str,
    *,
    allow_empty: bool = False,
    minimum: float | None = None,
    strictly_positive: bool = False,
    maximum: float | None = None,
    what: str = "a number",
    why_maximum: str = "",
) -> pd.Series:
    """Parse a string column to float, reporting each bad cell by line (the first of each kind built, all counted).

    ``maximum`` (inclusive) rejects values beyond it; ``why_maximum`` says why in the message.
    """
    col = df[column]
    if pd.api.types.is_bool_dtype(col.dtype) or not (pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)):
        raise InputError.one(file, f"the column holds {col.dtype} values; expected {what} in each row", column=column)
    if pd.api.types.is_numeric_dtype(col.dtype):  # a typed column (Parquet, DuckDB, a typed CSV read): no text to parse
        values = col.astype(float)
        empty = values.isna()
        raw = None
    else:
        raw = col.str.strip()
        empty = raw == ""
        values = pd.to_numeric(raw.where(~empty), errors="coerce").astype(float)
    found = Problems()
    lines = df["_line"]

    def text(mask: pd.Series) -> pd.Series:
        """The first cells of ``mask`` as the user wrote them (a typed number as its shortest text)."""
        if raw is not None:
            return raw[mask].head(MAX_PROBLEMS_SHOWN)
        return values[mask].head(MAX_PROBLEMS_SHOWN).map(lambda v: "" if v != v else (f"{v:.0f}" if float(v).is_integer() else repr(float(v))))

    def cells(mask: pd.Series, message) -> None:
        found.extend((Problem(file, message(cell), int(line), column) for line, cell in zip(lines[mask], text(mask))), int(mask.sum()))

    bad_text = values.isna() & ~empty
    if not allow_empty:
        bad_text |= empty
    cells(bad_text, lambda cell: f"expected {what}, found {cell!r}" if cell else f"expected {what}, found an empty cell")
    finite = values.notna()
    inf = finite & ~np.isfinite(values.fillna(0.0))
    cells(inf, lambda cell: f"expected a finite number, found {cell!r}")
    ok = finite & ~inf
    if strictly_positive:
        cells(ok & (values <= 0), lambda cell: f"expected a number greater than 0, found {cell!r}")
    elif minimum is not None:
        cells(ok & (values < minimum), lambda cell: f"expected a number of at least {minimum:g}, found {cell!r}")
    if maximum is not None:
        cells(ok & (values > maximum), lambda cell: f"expected {what} of at most {maximum:,.0f}{why_maximum}, found {cell!r}")
    found.raise_if_any()
    return values


def normalise_channels(df: pd.DataFrame, file: str, column: str = "channel") -> pd.Series:
    """Lower-case channel names and check them against :data:`CHANNELS`."""
    channel = df[column].str.strip().str.lower()
    bad = ~channel.isin(CHANNELS)
    if bad.any():
        raise InputError.cells(
            (
                Problem(file, f"unknown channel {cell!r}; expected one of {', '.join(CHANNELS)}", int(line), column)
                for line, cell in zip(df.loc[bad, "_line"], df.loc[bad, column])
            ),
            int(bad.sum()),
        )
    return channel


def queue_column(df: pd.DataFrame, channel: pd.Series, file: str) -> pd.Series:
    """The rows' queues: the ``queue`` column lower-cased, the channel where it is absent or empty.

    Raises
    ------
    InputError
        A queue name that is not letters, digits, ``_``, ``-`` or ``.``; a queue named as another channel than
        its row's (``chat`` on a voice row); a queue seen with two channels (naming the line it was first seen on
        with the other one). Every such row is named by line and column ``queue``.
    """
    if "queue" not in df.columns:
        return channel.copy()
    queue = df["queue"].astype(str).str.strip().str.lower()
    queue = queue.where(queue != "", channel)
    lines = df["_line"]
    wrong = [q for q in queue.unique() if not QUEUE_NAME_RE.fullmatch(q)]  # each name checked once, not each row
    bad = queue.isin(wrong)
    if bad.any():
        raise InputError.cells(
            (Problem(file, f"expected a queue name of letters, digits, '_', '-' or '.', found {cell!r}", int(line), "queue")
             for cell, line in zip(df.loc[bad, "queue"], lines[bad])),
            int(bad.sum()),
        )
    other = queue.isin(CHANNELS) & (queue != channel)
    if other.any():
        raise InputError.cells(
            (Problem(file, f"queue {q!r} is named as the channel {q}, but the row's channel is {c}; a queue named as a "
                           "channel must be that channel's (rename the queue, e.g. " + f"{c}_{q})", int(line), "queue")
             for q, c, line in zip(queue[other], channel[other], lines[other])),
            int(other.sum()),
        )
    pairs = pd.DataFrame({"queue": queue.to_numpy(), "channel": channel.to_numpy(), "_line": lines.to_numpy()})
    first = pairs.drop_duplicates("queue")
    home = dict(zip(first["queue"], first["channel"]))
    home_line = dict(zip(first["queue"], first["_line"]))
    clash = pairs["channel"].to_numpy() != pairs["queue"].map(home).to_numpy()
    if clash.any():
        c = pairs[clash]
        raise InputError.cells(
            (Problem(file, f"queue {q!r} is on channel {ch} here but on channel {home[q]} on line {int(home_line[q])}; "
                           "a queue belongs to exactly one channel", int(line), "queue")
             for q, ch, line in zip(c["queue"], c["channel"], c["_line"])),
            int(clash.sum()),
        )
    return pd.Series(queue.to_numpy(), index=df.index)


def check_zones(values: pd.Series, lines: pd.Series, file: str, column: str) -> pd.Series:
    """Strip zone names and check each is an IANA time zone."""
    zones = values.str.strip()
    bad = ~zones.isin([z for z in zones.unique() if is_valid_tz(z)])
    if bad.any():
        raise InputError.cells(
            (
                Problem(file, f"unknown time zone {cell!r}; expected an IANA name such as America/New_York", int(line), column)
                for line, cell in zip(lines[bad], values[bad])
            ),
            int(bad.sum()),
        )
    return zones


def current_umask() -> int:
    """The process's file mode creation mask (read without changing it where the system tells it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_atomic(path: str | Path, write) -> Path:
    """Call ``write(tmp)`` on a temporary file of a unique name beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o666 & ~current_umask())  # as an ordinary new file, not the private temporary's 0600
        write(tmp)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


#: A text cell starting with one of these is run as a formula by spreadsheets (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A cell that is only a number (``-3``, ``+1.5e3``) is data, not a formula, even as text.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value):
    """A text cell a spreadsheet would run as a formula, prefixed with a single quote; anything else as it is.

    A carriage return inside the text becomes a line feed: the CSV writer quotes a cell holding a line feed, but not
    one holding a bare carriage return, which readers take for the end of a row.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def formula_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell made safe by :func:`safe_cell`; numeric columns untouched (``-3.5`` stays a number)."""
    text = [
        c for c in df.columns
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]) or isinstance(df[c].dtype, pd.CategoricalDtype)
    ]
    if not text:
        return df
    return df.assign(**{c: df[c].astype(object).map(safe_cell) for c in text})


def write_csv_atomic(df: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    """Write a CSV to a temporary file (a unique name beside it) and rename it into place: the one CSV writer of every output.

    A crash or an error half-way never leaves a half-written output file, and two
    writers of one path never share a temporary file. Every text cell is made
    formula-safe (:func:`formula_safe`), whoever wrote the text (an event name, a
    site, an agent id). A set of files that belong together is written with
    :func:`forecast.io.outputs.write_folder`.
    """
    return _write_atomic(path, lambda tmp: formula_safe(df).to_csv(tmp, index=False, **kwargs))


def write_bytes_atomic(data: bytes, path: str | Path) -> Path:
    """Write bytes to ``path`` as :func:`write_csv_atomic` writes a CSV."""
    return _write_atomic(path, lambda tmp: tmp.write_bytes(data))


def iso_utc(ds: pd.Series) -> pd.Series:
    """Format UTC timestamps as ISO 8601 with a ``Z`` suffix."""
    return ds.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def with_iso(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every timezone-aware column formatted by :func:`iso_utc`, ready for a CSV."""
    return df.assign(**{c: iso_utc(df[c]) for c in df.columns if isinstance(df[c].dtype, pd.DatetimeTZDtype)})


def write_table(df: pd.DataFrame, table: Table, path: str | Path) -> Path:
    """Write ``df`` as ``table`` (:mod:`forecast.tables`): its columns in the table's order, UTC times as ISO 8601, atomically.

    Raises ValueError when the frame's columns are not exactly the table's (see :meth:`forecast.tables.Table.order`).
    """
    return write_csv_atomic(with_iso(table.order(df)), path)


def write_table_parquet(df: pd.DataFrame, table: Table, path: str | Path) -> Path:
    """Write ``df`` as ``table`` to a Parquet file, atomically (as :func:`write_csv_atomic`): for big runs.

    The columns are the table's, in order (:meth:`forecast.tables.Table.order`), typed: timestamps stay
    timezone-aware UTC, numbers stay numbers. A Parquet file is not opened by spreadsheets, so text is written as it is.
    """
    ordered = table.order(df)
    return _write_atomic(path, lambda tmp: ordered.to_parquet(tmp, index=False, engine="pyarrow"))
