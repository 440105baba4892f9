"""Load and validate contact history and event files.

Two history formats are accepted, told apart by their columns:

interval counts
    ``ds, channel, tz, volume[, aht_s]``: one row per series and interval.
per-contact log
    ``created_at, channel, tz[, handle_time_s]``: one row per contact, as
    helpdesks export it; aggregated here to the interval grid.

Timestamps with a UTC offset (``2025-11-28T14:15:00Z``, ``...-05:00``) are
instants; naive timestamps are wall-clock time in the row's customer zone
``tz``. Every problem found is reported with file, line and column through
:class:`forecast.errors.InputError`; nothing is dropped silently.
"""

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
from forecast.schema import CHANNELS, EVENT_COLUMNS, HISTORY_COLUMNS, INTERVAL_CHOICES_MIN, is_valid_tz
from forecast.timegrid import check_interval, floor_to_grid, local_midnight, make_grid, parse_timestamps

#: Largest input file accepted, in bytes (uncompressed size is checked too).
MAX_FILE_BYTES = 512 * 1024 * 1024

_SCOPE_SPLIT = re.compile(r"[|;]")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --------------------------------------------------------------------------- #
# Reading a CSV table safely
# --------------------------------------------------------------------------- #


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
    rows = csv.reader(io.StringIO(text))
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


def _zone_column(df: pd.DataFrame, file: str, default_tz: str | None) -> pd.Series:
    if "tz" in df.columns:
        empty = df["tz"].str.strip() == ""
        if default_tz is not None and empty.any():
            df.loc[empty, "tz"] = default_tz
        return check_zones(df["tz"], df["_line"], file, "tz")
    if default_tz is None:
        raise InputError.one(
            file, "missing column 'tz' (the customers' IANA time zone, e.g. Europe/London); add it or pass a default zone"
        )
    if not is_valid_tz(default_tz):
        raise InputError.one(file, f"unknown default time zone {default_tz!r}")
    return pd.Series(default_tz, index=df.index)


# --------------------------------------------------------------------------- #
# History
# --------------------------------------------------------------------------- #


def _native_interval(ds: pd.Series, df: pd.DataFrame, file: str) -> int:
    """Infer the file's interval (15, 30 or 60 min) from its timestamps."""
    minutes = (ds.astype("int64") // 60_000_000_000).to_numpy()
    seconds_off = (ds.astype("int64") % 60_000_000_000).to_numpy() != 0
    g = int(np.gcd.reduce(minutes)) if len(minutes) else 60
    if seconds_off.any() or g == 0 or (g % 15 != 0 and g not in INTERVAL_CHOICES_MIN):
        best = 15
        bad = seconds_off | (minutes % best != 0)
        problems = [
            Problem(
                file,
                f"timestamp {ts:%Y-%m-%d %H:%M:%S}Z is not the start of a 15, 30 or 60-minute interval",
                int(line),
                "ds",
            )
            for ts, line in zip(ds[bad], df.loc[bad, "_line"])
        ]
        raise InputError(problems or [Problem(file, "timestamps are not on a 15, 30 or 60-minute grid", None, "ds")])
    return 60 if g % 60 == 0 else (30 if g % 30 == 0 else 15)


def _aggregate(frame: pd.DataFrame, interval_min: int) -> pd.DataFrame:
    """Sum volume and volume-weight AHT onto a coarser grid."""
    frame = frame.assign(
        ds=floor_to_grid(frame["ds"], interval_min),
        _work=frame["volume"] * frame["aht_s"],
        _timed=frame["volume"].where(frame["aht_s"].notna(), 0.0),
    )
    out = frame.groupby(["channel", "tz", "ds"], as_index=False, sort=False).agg(
        volume=("volume", "sum"), _work=("_work", "sum"), _timed=("_timed", "sum")
    )
    out["aht_s"] = np.where(out["_timed"] > 0, out["_work"] / out["_timed"].where(out["_timed"] > 0), np.nan)
    return out.drop(columns=["_work", "_timed"])


def _complete_grid(frame: pd.DataFrame, interval_min: int, spans: dict, notes: list[str] | None, file: str, why: str) -> pd.DataFrame:
    """Reindex every series to a full grid over its span, filling zeros."""
    parts = []
    for (channel, tz), group in frame.groupby(["channel", "tz"], sort=True):
        start, end = spans[(channel, tz)]
        grid = make_grid(start, end, interval_min)
        g = group.set_index("ds").reindex(grid)
        filled = int(g["volume"].isna().sum())
        if filled and notes is not None and why:
            notes.append(f"{file}: {channel}/{tz}: {filled} interval(s) with no row were counted as 0 contacts ({why})")
        g["volume"] = g["volume"].fillna(0.0)
        g["channel"], g["tz"] = channel, tz
        g.index.name = "ds"
        parts.append(g.reset_index())
    return pd.concat(parts, ignore_index=True)


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[HISTORY_COLUMNS].sort_values(["channel", "tz", "ds"], kind="stable").reset_index(drop=True)
    frame["ds"] = frame["ds"].astype("datetime64[ns, UTC]")
    frame["volume"] = frame["volume"].astype(float)
    frame["aht_s"] = frame["aht_s"].astype(float).where(frame["volume"] > 0)
    frame["channel"] = frame["channel"].astype(str)
    frame["tz"] = frame["tz"].astype(str)
    return frame


def load_history(
    path: str | Path,
    *,
    interval_min: int | None = None,
    default_tz: str | None = None,
    notes: list[str] | None = None,
    label: str | None = None,
) -> pd.DataFrame:
    """Load contact history (interval counts or a per-contact log).

    Parameters
    ----------
    path : path to a CSV or CSV.gz file.
    interval_min : int, optional
        Output grid in minutes (15, 30, 60). Interval-count files default to
        their own interval and may be aggregated to a coarser one; contact
        logs default to 15.
    default_tz : str, optional
        Customer zone for files without a ``tz`` column (or empty cells).
    notes : list of str, optional
        If given, human-readable notes on what was done (aggregation, intervals
        with no row counted as zero) are appended to it.
    label : str, optional
        Name to use for the file in messages (defaults to its base name).

    Returns
    -------
    pd.DataFrame
        ``channel, tz, ds, volume, aht_s`` sorted by series then time; ``ds``
        UTC at interval start; ``aht_s`` NaN where unknown or volume is 0.
    """
    file = label or file_label(path)
    if interval_min is not None:
        check_interval(interval_min)
    df = read_table(path, label=file)
    if "created_at" in df.columns:
        return _load_contact_log(df, file, interval_min or 15, default_tz, notes)
    if "ds" in df.columns:
        return _load_interval_counts(df, file, interval_min, default_tz, notes)
    found = ", ".join(c for c in df.columns if c != "_line")
    raise InputError.one(
        file,
        "expected interval counts (columns ds, channel, tz, volume[, aht_s]) or a per-contact log "
        f"(columns created_at, channel, tz[, handle_time_s]); found columns: {found}",
    )


def _load_interval_counts(df, file, interval_min, default_tz, notes) -> pd.DataFrame:
    require_columns(df, ["ds", "channel", "volume"], file, "an interval-count history")
    tz = _zone_column(df, file, default_tz)
    channel = normalise_channels(df, file)
    volume = parse_numbers(df, "volume", file, minimum=0.0, what="a contact count of 0 or more")
    aht = (
        parse_numbers(df, "aht_s", file, allow_empty=True, strictly_positive=True, what="a handle time in seconds")
        if "aht_s" in df.columns
        else pd.Series(np.nan, index=df.index)
    )
    ds = parse_timestamps(df["ds"], tz, file=file, column="ds", lines=df["_line"].to_numpy())
    frame = pd.DataFrame({"channel": channel, "tz": tz, "ds": ds, "volume": volume, "aht_s": aht, "_line": df["_line"]})

    dup = frame.duplicated(["channel", "tz", "ds"], keep=False)
    if dup.any():
        d = frame[dup]
        first_line = d.groupby(["channel", "tz", "ds"])["_line"].transform("min")
        problems = [
            Problem(
                file,
                f"duplicate interval {channel}/{tz} {ds:%Y-%m-%d %H:%M}Z (first given on line {first})",
                int(line),
                "ds",
            )
            for channel, tz, ds, line, first in zip(d["channel"], d["tz"], d["ds"], d["_line"], first_line)
            if line != first
        ]
        raise InputError(problems)

    native = _native_interval(frame["ds"], df, file)
    target = interval_min or native
    if target < native:
        raise InputError.one(
            file,
            f"the file has {native}-minute intervals; it cannot be split into {target}-minute ones "
            f"(use --interval-min {native} or more)",
            column="ds",
        )
    if target > native:
        frame = _aggregate(frame, target)
        if notes is not None:
            notes.append(f"{file}: {native}-minute intervals summed to {target}-minute intervals")
    spans = {
        key: (g["ds"].min(), g["ds"].max() + pd.Timedelta(minutes=target))
        for key, g in frame.groupby(["channel", "tz"], sort=False)
    }
    frame = _complete_grid(frame, target, spans, notes, file, "missing rows")
    return _finish(frame)


def _load_contact_log(df, file, interval_min, default_tz, notes) -> pd.DataFrame:
    require_columns(df, ["created_at", "channel"], file, "a per-contact log")
    tz = _zone_column(df, file, default_tz)
    channel = normalise_channels(df, file)
    handle = (
        parse_numbers(df, "handle_time_s", file, allow_empty=True, strictly_positive=True, what="a handle time in seconds")
        if "handle_time_s" in df.columns
        else pd.Series(np.nan, index=df.index)
    )
    created = parse_timestamps(df["created_at"], tz, file=file, column="created_at", lines=df["_line"].to_numpy())
    frame = pd.DataFrame({"channel": channel, "tz": tz, "ds": created, "volume": 1.0, "aht_s": handle})
    frame = _aggregate(frame, interval_min)
    # A log covers whole local days: span each series from local midnight of the
    # first contact's day to local midnight after the last contact's day.
    first, last = created.min(), created.max()
    spans = {}
    for channel_name, zone in frame[["channel", "tz"]].drop_duplicates().itertuples(index=False):
        start = local_midnight(first.tz_convert(zone).date(), zone)
        end = local_midnight(last.tz_convert(zone).date() + pd.Timedelta(days=1), zone)
        spans[(channel_name, zone)] = (start, end)
    if notes is not None:
        notes.append(f"{file}: {len(df)} contacts counted into {interval_min}-minute intervals")
    frame = _complete_grid(frame, interval_min, spans, None, file, "")
    if notes is not None:
        notes += _silent_stretches(frame, file)
    return _finish(frame)


#: Whole UTC days without a single contact, in a row, that are worth a note.
SILENT_DAYS_NOTE = 2


def _silent_stretches(frame: pd.DataFrame, file: str) -> list[str]:
    """Notes on runs of whole days with no contact on any series (likely missing data)."""
    daily = frame.groupby(frame["ds"].dt.floor("D"))["volume"].sum()
    silent = (daily == 0).to_numpy()
    out, i = [], 0
    while i < len(silent):
        if silent[i]:
            j = i
            while j + 1 < len(silent) and silent[j + 1]:
                j += 1
            if j - i + 1 >= SILENT_DAYS_NOTE:
                out.append(
                    f"{file}: no contacts at all from {daily.index[i]:%Y-%m-%d} to {daily.index[j]:%Y-%m-%d} "
                    f"({j - i + 1} days), counted as zero; is data missing there? "
                    "(the forecast leaves such gaps out of training where contacts were expected; "
                    "an event of kind 'exclude' marks any other period to leave out)"
                )
            i = j + 1
        else:
            i += 1
    return out


# --------------------------------------------------------------------------- #
# Events
# --------------------------------------------------------------------------- #


def _split_scope(cell: str, everything: list[str], *, lower: bool) -> list[str]:
    """Expand a scope cell: empty or ``all`` means everything, else ``a|b``."""
    cell = cell.strip()
    if cell == "" or cell.lower() == "all":
        return list(everything)
    return [c.strip().lower() if lower else c.strip() for c in _SCOPE_SPLIT.split(cell) if c.strip()]


def load_events(
    path: str | Path,
    *,
    zones: list[str],
    channels: list[str] | tuple[str, ...] = CHANNELS,
    label: str | None = None,
) -> pd.DataFrame:
    """Load the shop's events table (sales, promotions, outages).

    File columns: ``event, kind, start, end`` and optionally ``channels``,
    ``zones`` (``all``, or names separated by ``|``), ``uplift`` (expected
    volume multiplier, e.g. 1.5 for +50%; empty = learn from history),
    ``lower_window`` / ``upper_window`` (days of ramp before and tail after,
    ``lower_window`` <= 0).

    A naive ``start``/``end`` is local time in each zone of the event's scope
    (Black Friday starts at local midnight everywhere); one with a UTC offset
    is a single instant (a flash sale at 18:00 New York time). A date-only
    ``end`` includes that whole day.

    Parameters
    ----------
    zones : list of str
        Customer zones of the history; ``all`` expands to these and named zones
        must be among them.
    channels : list of str
        Channels ``all`` expands to.

    Returns
    -------
    pd.DataFrame
        One row per (event, channel, zone) with :data:`EVENT_COLUMNS` plus
        ``source`` (= ``"file"``); ``start``/``end`` UTC, ``end`` exclusive.
    """
    file = label or file_label(path)
    df = read_table(path, label=file)
    require_columns(df, ["event", "kind", "start", "end"], file, "an events table")
    problems: list[Problem] = []
    for col in ("event", "kind"):
        empty = df[col].str.strip() == ""
        problems += [Problem(file, f"expected a name, found an empty cell", int(l), col) for l in df.loc[empty, "_line"]]
    kind_ok = df["kind"].str.strip().str.lower().str.fullmatch(r"[a-z0-9_ -]*")
    problems += [
        Problem(file, f"expected a kind made of letters, digits and '_' (e.g. flash_sale), found {k!r}", int(l), "kind")
        for k, l in zip(df.loc[~kind_ok, "kind"], df.loc[~kind_ok, "_line"])
    ]
    uplift = (
        parse_numbers(df, "uplift", file, allow_empty=True, strictly_positive=True, what="a volume multiplier such as 1.5")
        if "uplift" in df.columns
        else pd.Series(np.nan, index=df.index)
    )
    windows = {}
    for col, sign in (("lower_window", -1), ("upper_window", 1)):
        if col in df.columns:
            w = parse_numbers(df, col, file, allow_empty=True, what="a whole number of days").fillna(0.0)
            bad = (w != np.round(w)) | (w * sign < 0)
            problems += [
                Problem(file, f"expected a whole number of days {'<= 0' if sign < 0 else '>= 0'}, found {v:g}", int(l), col)
                for v, l in zip(w[bad], df.loc[bad, "_line"])
            ]
            windows[col] = w.astype(int)
        else:
            windows[col] = pd.Series(0, index=df.index)

    rows = []
    for i, rec in df.iterrows():
        line = int(rec["_line"])
        ch = _split_scope(rec.get("channels", ""), list(channels), lower=True)
        zs = _split_scope(rec.get("zones", ""), list(zones), lower=False)
        for c in ch:
            if c not in channels:
                problems.append(Problem(file, f"unknown channel {c!r}; expected all or some of {', '.join(channels)}", line, "channels"))
        for z in zs:
            if not is_valid_tz(z):
                problems.append(Problem(file, f"unknown time zone {z!r}; expected all or IANA names separated by |", line, "zones"))
            elif z not in zones:
                problems.append(Problem(file, f"zone {z!r} is not in the history (zones: {', '.join(zones)})", line, "zones"))
        start, end = rec["start"].strip(), rec["end"].strip()
        if _DATE_ONLY.match(end):
            end = (pd.Timestamp(end) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        for c in ch:
            for z in zs:
                rows.append((i, line, rec["event"].strip(), rec["kind"].strip().lower().replace(" ", "_"), c, z, start, end))
    if problems:
        raise InputError(problems)

    ex = pd.DataFrame(rows, columns=["_i", "_line", "event", "kind", "channel", "tz", "start", "end"])
    lines = ex["_line"].to_numpy()
    ex["start"] = parse_timestamps(ex["start"], ex["tz"], file=file, column="start", lines=lines)
    ex["end"] = parse_timestamps(ex["end"], ex["tz"], file=file, column="end", lines=lines)
    bad = ex["end"] <= ex["start"]
    if bad.any():
        raise InputError(
            [
                Problem(file, "expected 'end' after 'start'", int(l), "end")
                for l in pd.unique(ex.loc[bad, "_line"])
            ]
        )
    ex["uplift"] = uplift.reindex(ex["_i"]).to_numpy()
    ex["lower_window"] = windows["lower_window"].reindex(ex["_i"]).to_numpy()
    ex["upper_window"] = windows["upper_window"].reindex(ex["_i"]).to_numpy()
    ex["source"] = "file"
    return ex[EVENT_COLUMNS + ["source"]].reset_index(drop=True)


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


def load_output_table(
    path: str | Path,
    *,
    what: str,
    required: list[str],
    numbers: dict[str, dict] | None = None,
    optional_numbers: dict[str, dict] | None = None,
    label: str | None = None,
) -> pd.DataFrame:
    """Load a table one stage wrote for the next (forecast.csv, requirements.csv, coverage.csv).

    ``ds`` must be an ISO 8601 instant (with ``Z`` or an offset); ``channel``
    one of the known channels; each column in ``numbers`` a number (keyword
    arguments of :func:`parse_numbers`, e.g. ``{"minimum": 0}``). Duplicate
    (ds, channel[, tz]) rows are errors.
    """
    df = read_table(path, label=label)
    file = label or file_label(path)
    require_columns(df, required, file, what)
    df["channel"] = normalise_channels(df, file)
    ds = parse_timestamps(df["ds"].str.strip(), "UTC", file=file, column="ds", lines=df["_line"].to_numpy())
    naive = ~df["ds"].str.strip().str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    if naive.any():
        line = int(df.loc[naive, "_line"].iloc[0])
        raise InputError.one(file, f"expected an ISO 8601 time with Z or an offset, found {df.loc[naive, 'ds'].iloc[0]!r}", line, "ds")
    out = pd.DataFrame({"ds": ds.to_numpy(), "channel": df["channel"].to_numpy()})
    if "tz" in df.columns:
        out["tz"] = check_zones(df["tz"], df["_line"], file, "tz").to_numpy()
    for col, kw in (numbers or {}).items():
        out[col] = parse_numbers(df, col, file, **kw).to_numpy()
    for col, kw in (optional_numbers or {}).items():
        if col in df.columns:
            out[col] = parse_numbers(df, col, file, allow_empty=True, **kw).to_numpy()
    key = ["ds", "channel"] + (["tz"] if "tz" in out.columns else [])
    dup = out.duplicated(key, keep="first").to_numpy()
    if dup.any():
        line = int(df["_line"].to_numpy()[dup][0])
        raise InputError.one(file, f"duplicate row for the same {', '.join(key)}", line)
    out["ds"] = out["ds"].dt.as_unit("ns") if hasattr(out["ds"].dt, "as_unit") else out["ds"]
    return out
