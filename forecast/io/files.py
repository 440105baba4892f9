"""Reading and writing CSV tables safely: size and encoding checks, typed columns, atomic writes, ISO timestamps."""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import InputError, Problem, file_label
from forecast.schema import CHANNELS, is_valid_tz
from forecast.tables import Table


#: Largest input file accepted, in bytes (uncompressed size is checked too).
MAX_FILE_BYTES = 512 * 1024 * 1024


def _raw_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError.one(path, f"is not a readable gzip file ({exc})") from None
    return data


def read_table(path: str | Path, *, label: str | None = None) -> pd.DataFrame:
    """Read a CSV (optionally ``.gz``) into a dataframe of strings.

    Column names are stripped and lower-cased. A ``_line`` column holds each
    row's line number in the file (header = 1) for error messages.

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
        raise InputError.one(name, f"the file is {size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB")
    data = _raw_bytes(path)
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
            )
    except pd.errors.ParserWarning:
        raise _field_count_error(text, name) from None
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


def _field_count_error(text: str, name: str) -> InputError:
    rows = csv.reader(io.StringIO(text, newline=""))  # newline="": any line ending, as pandas reads them
    header = next(rows)
    problems = [
        Problem(name, f"is not a well-formed CSV: expected {len(header)} fields as in the header, saw {len(row)}", rows.line_num)
        for row in rows
        if row and len(row) != len(header)
    ]
    return InputError(problems or [Problem(name, "is not a well-formed CSV: rows and header differ in length")])


def require_columns(df: pd.DataFrame, required: list[str], file: str, what: str) -> None:
    """Raise InputError naming every missing column and what the file should hold."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = ", ".join(c for c in df.columns if c != "_line") or "none"
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
    what: str = "a number",
) -> pd.Series:
    """Parse a string column to float, reporting each bad cell by line."""
    raw = df[column].str.strip()
    empty = raw == ""
    values = pd.to_numeric(raw.where(~empty), errors="coerce").astype(float)
    problems: list[Problem] = []
    bad_text = values.isna() & ~empty
    if not allow_empty:
        bad_text |= empty
    for line, cell in zip(df.loc[bad_text, "_line"], raw[bad_text]):
        problems.append(Problem(file, f"expected {what}, found {cell!r}" if cell else f"expected {what}, found an empty cell", int(line), column))
    finite = values.notna()
    inf = finite & ~np.isfinite(values.fillna(0.0))
    for line, cell in zip(df.loc[inf, "_line"], raw[inf]):
        problems.append(Problem(file, f"expected a finite number, found {cell!r}", int(line), column))
    ok = finite & ~inf
    if strictly_positive:
        low = ok & (values <= 0)
        for line, cell in zip(df.loc[low, "_line"], raw[low]):
            problems.append(Problem(file, f"expected a number greater than 0, found {cell!r}", int(line), column))
    elif minimum is not None:
        low = ok & (values < minimum)
        for line, cell in zip(df.loc[low, "_line"], raw[low]):
            problems.append(Problem(file, f"expected a number of at least {minimum:g}, found {cell!r}", int(line), column))
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line or 0))
    return values


def normalise_channels(df: pd.DataFrame, file: str, column: str = "channel") -> pd.Series:
    """Lower-case channel names and check them against :data:`CHANNELS`."""
    channel = df[column].str.strip().str.lower()
    bad = ~channel.isin(CHANNELS)
    if bad.any():
        raise InputError(
            [
                Problem(file, f"unknown channel {cell!r}; expected one of {', '.join(CHANNELS)}", int(line), column)
                for line, cell in zip(df.loc[bad, "_line"], df.loc[bad, column])
            ]
        )
    return channel


def check_zones(values: pd.Series, lines: pd.Series, file: str, column: str) -> pd.Series:
    """Strip zone names and check each is an IANA time zone."""
    zones = values.str.strip()
    valid = {z: is_valid_tz(z) for z in zones.unique()}
    bad = ~zones.map(valid).astype(bool)
    if bad.any():
        raise InputError(
            [
                Problem(
                    file,
                    f"unknown time zone {cell!r}; expected an IANA name such as America/New_York",
                    int(line),
                    column,
                )
                for line, cell in zip(lines[bad], values[bad])
            ]
        )
    return zones


def write_csv_atomic(df: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    """Write a CSV to a temporary file and rename it into place.

    A crash or an error half-way never leaves a half-written output file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        df.to_csv(tmp, index=False, **kwargs)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


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
