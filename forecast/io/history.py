"""Load and validate the contact history.

Two history formats are accepted, told apart by their columns:

interval counts
    ``ds, channel[, queue], tz, volume[, aht_s]``: one row per series and interval.
per-contact log
    ``created_at, channel[, queue], tz[, handle_time_s]``: one row per contact, as
    helpdesks export it; aggregated here to the interval grid.

A series is one queue in one customer zone (:data:`forecast.schema.SERIES_COLUMNS`). The optional ``queue``
column names a queue (brand, language, tier, ...) of the row's channel; without it, or in an empty cell, the
queue is the channel (one queue per channel, named as it). A queue belongs to exactly one channel: a queue seen
with two channels is refused, naming the row and both channels, and so is a queue named as another channel.

Timestamps with a UTC offset (``2025-11-28T14:15:00Z``, ``...-05:00``) are
instants; naive timestamps are wall-clock time in the row's customer zone
``tz``. Every problem found is reported with file, line and column through
:class:`forecast.errors.InputError`; nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import InputError, Problem, file_label
from forecast.schema import (
    HISTORY_COLUMNS,
    INTERVAL_CHOICES_MIN,
    MAX_AHT_S,
    MAX_CONTACTS_PER_MIN,
    SCALE_NOTE_MIN,
    SCALE_NOTE_RATIO,
    SERIES_COLUMNS,
    is_valid_tz,
    max_contacts,
    series_label,
)
from forecast.timegrid import TimeGrid, check_interval, floor_to_grid, local_midnight, make_grid, parse_timestamps
from forecast.io.columnar import DuckDBSource, RowMap, check_series_partitions, is_columnar, parse_source, read_columnar
from forecast.io.files import check_zones, normalise_channels, queue_column, parse_numbers, read_table, require_columns, source_columns


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


def target_interval(native: int, interval_min: int | None, file: str) -> int:
    """The interval a file's counts are put on: ``interval_min`` (a multiple of the file's ``native`` one, summed up
    to it) or the native one; a finer one than the file has is refused, naming the file and its ``ds`` column."""
    target = interval_min or native
    if target < native:
        raise InputError.one(
            file,
            f"the file has {native}-minute intervals; it cannot be split into {target}-minute ones "
            f"(use --interval-min {native} or more)",
            column="ds",
        )
    return target


def _native_interval(ds: pd.Series, df: pd.DataFrame, file: str) -> int:
    """Infer the file's interval (15, 30 or 60 min) from its timestamps."""
    minutes = (ds.astype("int64") // 60_000_000_000).to_numpy()
    seconds_off = (ds.astype("int64") % 60_000_000_000).to_numpy() != 0
    g = int(np.gcd.reduce(minutes)) if len(minutes) else 60
    if seconds_off.any() or g == 0 or (g % 15 != 0 and g not in INTERVAL_CHOICES_MIN):
        best = 15
        bad = seconds_off | (minutes % best != 0)
        if not bad.any():
            raise InputError.one(file, "timestamps are not on a 15, 30 or 60-minute grid", column="ds")
        raise InputError.cells(
            (
                Problem(file, f"timestamp {ts:%Y-%m-%d %H:%M:%S}Z is not the start of a 15, 30 or 60-minute interval", int(line), "ds")
                for ts, line in zip(ds[bad], df.loc[bad, "_line"])
            ),
            int(bad.sum()),
        )
    return 60 if g % 60 == 0 else (30 if g % 30 == 0 else 15)


def _aggregate(frame: pd.DataFrame, interval_min: int) -> pd.DataFrame:
    """Sum volume and volume-weight AHT onto a coarser grid."""
    frame = frame.assign(
        ds=floor_to_grid(frame["ds"], interval_min),
        _work=frame["volume"] * frame["aht_s"],
        _timed=frame["volume"].where(frame["aht_s"].notna(), 0.0),
    )
    out = frame.groupby([*SERIES_COLUMNS, "ds"], as_index=False, sort=False).agg(
        volume=("volume", "sum"), _work=("_work", "sum"), _timed=("_timed", "sum")
    )
    out["aht_s"] = np.where(out["_timed"] > 0, out["_work"] / out["_timed"].where(out["_timed"] > 0), np.nan)
    return out.drop(columns=["_work", "_timed"])


def _complete_grid(frame: pd.DataFrame, interval_min: int, spans: dict, notes: list[str] | None, file: str, why: str) -> pd.DataFrame:
    """Reindex every series to a full grid over its span, filling zeros."""
    parts = []
    for key, group in frame.groupby(list(SERIES_COLUMNS), sort=True):
        start, end = spans[key]
        grid = make_grid(start, end, interval_min)
        g = group.set_index("ds").reindex(grid)
        filled = int(g["volume"].isna().sum())
        if filled and notes is not None and why:
            notes.append(f"{file}: {series_label(*key)}: {filled} interval(s) with no row were counted as 0 contacts ({why})")
        g["volume"] = g["volume"].fillna(0.0)
        for col, value in zip(SERIES_COLUMNS, key):
            g[col] = value
        g.index.name = "ds"
        parts.append(g.reset_index())
    return pd.concat(parts, ignore_index=True)


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[HISTORY_COLUMNS].sort_values([*SERIES_COLUMNS, "ds"], kind="stable").reset_index(drop=True)
    frame["ds"] = frame["ds"].astype("datetime64[ns, UTC]")
    frame["volume"] = frame["volume"].astype(float)
    frame["aht_s"] = frame["aht_s"].astype(float).where(frame["volume"] > 0)
    for col in SERIES_COLUMNS:
        frame[col] = frame[col].astype(str)
    return frame


@dataclass(frozen=True)
class History:
    """A loaded history and the grid it is on.

    Attributes
    ----------
    frame : DataFrame
        ``channel, queue, tz, ds, volume, aht_s`` sorted by series then time; ``ds``
        UTC at interval start; ``aht_s`` NaN where unknown or volume is 0.
    grid : TimeGrid
        The history's grid: the interval the loader decided (the file's own,
        or the coarser one asked for), from the first series' start to the
        last one's end, with the customer zones.
    """

    frame: pd.DataFrame
    grid: TimeGrid


def read_history(
    path: str | Path | DuckDBSource,
    *,
    interval_min: int | None = None,
    default_tz: str | None = None,
    notes: list[str] | None = None,
    label: str | None = None,
) -> History:
    """Load contact history (interval counts or a per-contact log) and the grid it is on.

    Parameters
    ----------
    path : str, Path or DuckDBSource
        A CSV or CSV.gz file; a Parquet file or a folder of Parquet files; a DuckDB table or query
        (``duckdb:PATH::TABLE``, ``duckdb:PATH::SELECT ...`` as text, or a
        :class:`forecast.io.columnar.DuckDBSource`). See :mod:`forecast.io.columnar`: the same checks, and
        messages naming the file and row where a CSV's name the line.
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
    History
        The tidy frame and its :class:`forecast.timegrid.TimeGrid`.
    """
    if interval_min is not None:
        check_interval(interval_min)
    source = parse_source(path) if isinstance(path, str) else path
    if is_columnar(source):
        df, rows = read_columnar(source, label=label)
        file = rows.source
        found: list[str] = []
        try:
            history = _read_frame(df, file, interval_min, default_tz, found if notes is not None else None, rows)
        except InputError as exc:
            raise rows.error(exc) from None
        if notes is not None:
            notes += [rows.text(n) for n in found]
        return history
    file = label or file_label(source)
    df = read_table(source, label=file, numbers=("volume", "aht_s", "handle_time_s"))
    if not df.attrs.get("typed"):
        return _read_frame(df, file, interval_min, default_tz, notes, None)
    # Read in typed columns: any problem is found again reading the file as text, so that every message is the
    # text reader's (the cell as written, its line).
    found: list[str] = []
    try:
        history = _read_frame(df, file, interval_min, default_tz, found if notes is not None else None, None)
    except InputError:
        del df
        return _read_frame(read_table(source, label=file), file, interval_min, default_tz, notes, None)
    if notes is not None:
        notes += found
    return history


def read_series_history(reader, pairs: tuple, files: tuple[int, ...] = (), *, interval_min: int | None = None,
                        default_tz: str | None = None, notes: list[str] | None = None) -> History:
    """One series of a columnar history (:func:`forecast.io.partitioned.read_series`), checked as :func:`read_history` checks it.

    Messages and notes name the file and row as the whole read's do; ``History.grid`` is this series' own.
    """
    from forecast.io.partitioned import read_series

    if interval_min is not None:
        check_interval(interval_min)
    rows = reader.rows
    df = read_series(reader, pairs, files)
    found: list[str] = []
    try:
        history = _read_frame(df, rows.source, interval_min, default_tz, found if notes is not None else None, rows)
    except InputError as exc:
        raise rows.error(exc) from None
    if notes is not None:
        notes += [rows.text(n) for n in found]
    return history


def _read_frame(df: pd.DataFrame, file: str, interval_min, default_tz, notes, rows: RowMap | None) -> History:
    """The history of a frame read from a file (strings from a CSV, typed columns from a columnar source)."""
    if "created_at" in df.columns:
        frame, target = _load_contact_log(df, file, interval_min or 15, default_tz, notes, rows), interval_min or 15
    elif "ds" in df.columns:
        frame, target = _load_interval_counts(df, file, interval_min, default_tz, notes, rows)
    else:
        found = ", ".join(source_columns(df))
        raise InputError.one(
            file,
            "expected interval counts (columns ds, channel[, queue], tz, volume[, aht_s]) or a per-contact log "
            f"(columns created_at, channel[, queue], tz[, handle_time_s]); found columns: {found}",
        )
    if frame.empty:
        raise InputError.one(file, "the history has no rows")
    step = pd.Timedelta(minutes=target)
    grid = TimeGrid(
        interval_min=target, start=frame["ds"].min(), end=frame["ds"].max() + step, zones=tuple(sorted(frame["tz"].unique()))
    )
    return History(frame, grid)


def load_history(
    path: str | Path,
    *,
    interval_min: int | None = None,
    default_tz: str | None = None,
    notes: list[str] | None = None,
    label: str | None = None,
) -> pd.DataFrame:
    """The tidy frame of :func:`read_history` (for callers that do not go on to forecast)."""
    return read_history(path, interval_min=interval_min, default_tz=default_tz, notes=notes, label=label).frame


def _load_interval_counts(df, file, interval_min, default_tz, notes, rows=None) -> tuple[pd.DataFrame, int]:
    require_columns(df, ["ds", "channel", "volume"], file, "an interval-count history")
    tz = _zone_column(df, file, default_tz)
    channel = normalise_channels(df, file)
    queue = queue_column(df, channel, file)
    volume = parse_numbers(df, "volume", file, minimum=0.0, what="a contact count of 0 or more")
    aht = (
        parse_numbers(df, "aht_s", file, allow_empty=True, strictly_positive=True, maximum=MAX_AHT_S,
                      what="a handle time in seconds", why_maximum=" (one day)")
        if "aht_s" in df.columns
        else pd.Series(np.nan, index=df.index)
    )
    ds = parse_timestamps(df["ds"], tz, file=file, column="ds", lines=df["_line"].to_numpy())
    frame = pd.DataFrame({"channel": channel, "queue": queue, "tz": tz, "ds": ds, "volume": volume, "aht_s": aht, "_line": df["_line"]})
    if rows is not None:
        check_series_partitions(frame, rows)

    dup = frame.duplicated([*SERIES_COLUMNS, "ds"], keep=False)
    if dup.any():
        d = frame[dup]
        first_line = d.groupby([*SERIES_COLUMNS, "ds"])["_line"].transform("min")
        again = d["_line"] != first_line
        d, first_line = d[again], first_line[again]
        raise InputError.cells(
            (
                Problem(file, f"duplicate interval {series_label(channel, queue, tz)} {ds:%Y-%m-%d %H:%M}Z (first given on line {first})",
                        int(line), "ds")
                for channel, queue, tz, ds, line, first in zip(d["channel"], d["queue"], d["tz"], d["ds"], d["_line"], first_line)
            ),
            len(d),
        )

    native = _native_interval(frame["ds"], df, file)
    _check_scale(frame, native, file, notes)
    target = target_interval(native, interval_min, file)
    if target > native:
        frame = _aggregate(frame, target)
        if notes is not None:
            notes.append(f"{file}: {native}-minute intervals summed to {target}-minute intervals")
    spans = {
        key: (g["ds"].min(), g["ds"].max() + pd.Timedelta(minutes=target))
        for key, g in frame.groupby(list(SERIES_COLUMNS), sort=False)
    }
    frame = _complete_grid(frame, target, spans, notes, file, "missing rows")
    return _finish(frame), target


def _check_scale(frame: pd.DataFrame, interval_min: int, file: str, notes: list[str] | None) -> None:
    """Refuse volumes beyond any real contact centre; note those far beyond their own series' level.

    The bound is :func:`forecast.schema.max_contacts` of the file's own interval; the note is for values more than
    :data:`SCALE_NOTE_RATIO` times the series' median non-zero volume (and at least :data:`SCALE_NOTE_MIN`).
    """
    limit = max_contacts(interval_min)
    over = frame["volume"] > limit
    if over.any():
        raise InputError.cells(
            (
                Problem(file, f"{v:g} contacts in one {interval_min}-minute interval is beyond any real contact centre "
                              f"(at most {limit:,.0f}, i.e. {MAX_CONTACTS_PER_MIN * 15:,.0f} per 15 minutes); is the column in "
                              "another unit?", int(line), "volume")
                for v, line in zip(frame.loc[over, "volume"], frame.loc[over, "_line"])
            ),
            int(over.sum()),
        )
    if notes is None:
        return
    for key, g in frame.groupby(list(SERIES_COLUMNS), sort=True):
        level = g.loc[g["volume"] > 0, "volume"].median()
        if not level > 0:
            continue
        far = g[(g["volume"] > SCALE_NOTE_RATIO * level) & (g["volume"] >= SCALE_NOTE_MIN)]
        if len(far):
            top = far.loc[far["volume"].idxmax()]
            notes.append(
                f"{file}: {series_label(*key)}: {len(far)} interval(s) above {SCALE_NOTE_RATIO}x the series' median of "
                f"{level:g} contacts (largest {top['volume']:g} on line {int(top['_line'])}); check them "
                "(unexplained spike days are left out of training)"
            )


def _load_contact_log(df, file, interval_min, default_tz, notes, rows=None) -> pd.DataFrame:
    require_columns(df, ["created_at", "channel"], file, "a per-contact log")
    tz = _zone_column(df, file, default_tz)
    channel = normalise_channels(df, file)
    queue = queue_column(df, channel, file)
    handle = (
        parse_numbers(df, "handle_time_s", file, allow_empty=True, strictly_positive=True, maximum=MAX_AHT_S,
                      what="a handle time in seconds", why_maximum=" (one day)")
        if "handle_time_s" in df.columns
        else pd.Series(np.nan, index=df.index)
    )
    created = parse_timestamps(df["created_at"], tz, file=file, column="created_at", lines=df["_line"].to_numpy())
    if rows is not None:
        check_series_partitions(pd.DataFrame({"channel": channel, "queue": queue, "tz": tz, "ds": created, "_line": df["_line"]}), rows)
    frame = pd.DataFrame({"channel": channel, "queue": queue, "tz": tz, "ds": created, "volume": 1.0, "aht_s": handle})
    frame = _aggregate(frame, interval_min)
    over = frame[frame["volume"] > max_contacts(interval_min)]
    if len(over):
        top = over.loc[over["volume"].idxmax()]
        raise InputError.one(
            file,
            f"{top['volume']:,.0f} {top['channel']} contacts created in the {interval_min}-minute interval from "
            f"{top['ds']:%Y-%m-%d %H:%M}Z is beyond any real contact centre (at most {max_contacts(interval_min):,.0f}); "
            "are rows repeated?",
            column="created_at",
        )
    # A log covers whole local days: span each series from local midnight of the
    # first contact's day to local midnight after the last contact's day.
    first, last = created.min(), created.max()
    spans = {}
    for key in frame[list(SERIES_COLUMNS)].drop_duplicates().itertuples(index=False):
        zone = key[SERIES_COLUMNS.index("tz")]
        start = local_midnight(first.tz_convert(zone).date(), zone)
        end = local_midnight(last.tz_convert(zone).date() + pd.Timedelta(days=1), zone)
        spans[tuple(key)] = (start, end)
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
