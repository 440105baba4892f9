"""Load and validate an actuals file: what happened, interval by interval, as contact-centre platforms report it.

One row per interval and channel (the interval reports of Genesys, Five9, Amazon Connect, Talkdesk and the like)::

    ds, channel, offered, answered, abandoned, answered_in_target, aht_s, agents_staffed[, asa_s, abandon_time_s][, tz]

``answered_in_target`` counts the answered contacts answered within the channel's ``target_s`` (targets.toml);
``agents_staffed`` is the average number of agents logged in on the channel over the interval; ``aht_s`` may be
empty where nothing was answered. The optional ``asa_s`` (mean wait of the answered) and ``abandon_time_s`` (mean wait of
the abandoned), as platforms export them, give the total waiting time the calibration estimates patience from. Timestamps are interval starts: with a UTC offset (``2025-11-28T14:15:00Z``)
they are instants; naive ones are wall-clock time in the row's ``tz`` (or the default zone given). The grid is
decided as the history reader decides it: the file's own 15, 30 or 60-minute interval, or a coarser one asked for.

An interval with no row is unknown (the platform did not report it), not an interval with nothing offered: it is
left out, never filled with zeros. Every problem is reported with file, line and column through
:class:`forecast.errors.InputError`; nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import InputError, Problem, Problems, file_label
from forecast.io.files import normalise_channels, parse_numbers, read_table, require_columns
from forecast.io.history import _native_interval, _zone_column, target_interval
from forecast.schema import MAX_AHT_S, max_contacts
from forecast.tables import ACTUALS, ACTUALS_WAITS
from forecast.timegrid import TimeGrid, check_interval, floor_to_grid, parse_timestamps

#: Most agents accepted on one channel in one interval: beyond the largest real operations (see forecast.schema).
MAX_AGENTS = 50_000.0

COUNTS = ("offered", "answered", "abandoned", "answered_in_target")


def read_actuals(
    path: str | Path,
    *,
    interval_min: int | None = None,
    default_tz: str | None = None,
    notes: list[str] | None = None,
    label: str | None = None,
    channels: Collection[str] | None = None,
    channels_from: str = "the targets",
) -> tuple[pd.DataFrame, TimeGrid]:
    """Load an actuals file (an interval report) and the grid it is on.

    Parameters
    ----------
    path : str or Path
        A CSV or CSV.gz file with the columns of :data:`forecast.tables.ACTUALS` (and ``tz`` for naive times).
    interval_min : int, optional
        Grid in minutes (15, 30 or 60): the file's own interval by default; a coarser one sums the counts,
        weights ``aht_s`` by the answered contacts and averages ``agents_staffed`` over the intervals reported.
    default_tz : str, optional
        Zone of naive timestamps in a file without a ``tz`` column (or where its cell is empty).
    notes : list of str, optional
        Notes on what was done are appended to it (aggregation, contacts answered or abandoned beyond those offered).
    label : str, optional
        Name of the file in messages (its base name by default).
    channels : collection of str, optional
        The channels the caller knows (those of the targets); a row of another channel is refused by line.
    channels_from : str
        Where ``channels`` come from, for the message.

    Returns
    -------
    frame : DataFrame
        :data:`forecast.tables.ACTUALS` columns (then those of :data:`forecast.tables.ACTUALS_WAITS` the file has), sorted by channel then ``ds`` (tz-aware UTC interval start); counts
        and agents as floats, ``aht_s`` NaN where nothing was answered or it was not given.
    grid : TimeGrid
        The interval decided, from the first interval reported to the end of the last; ``zones`` the file's ``tz``
        values (empty without a ``tz`` column and default zone).

    Raises
    ------
    InputError
        Missing columns, cells that are not numbers, negative counts, answered (or abandoned) above offered,
        answered in target above answered, times off a 15, 30 or 60-minute grid, the same interval twice, an
        empty file; each with file, line and column.
    """
    file = label or file_label(path)
    if interval_min is not None:
        check_interval(interval_min)
    df = read_table(path, label=file)
    require_columns(df, list(ACTUALS.names), file, "an actuals file (an interval report)")
    if df.empty:
        raise InputError.one(file, "the actuals file has no rows")
    zones: tuple[str, ...] = ()
    if "tz" in df.columns or default_tz is not None:
        tz = _zone_column(df, file, default_tz)
        zones = tuple(sorted(tz.unique()))
    else:
        tz = "UTC"
    channel = normalise_channels(df, file)
    if channels is not None:
        unknown = ~channel.isin(list(channels))
        if unknown.any():
            raise InputError.cells(
                (Problem(file, f"channel {c!r} is not in {channels_from} (which define {', '.join(sorted(channels)) or 'none'}); "
                               "add it there or leave its rows out", int(line), "channel")
                 for c, line in zip(channel[unknown], df.loc[unknown, "_line"])),
                int(unknown.sum()),
            )
    found = Problems()
    values: dict[str, pd.Series] = {}
    for name in COUNTS:
        try:
            values[name] = parse_numbers(df, name, file, minimum=0.0, what="a contact count of 0 or more")
        except InputError as err:
            for p in err.problems:
                found.add(p)
    try:
        values["aht_s"] = parse_numbers(df, "aht_s", file, allow_empty=True, strictly_positive=True, maximum=MAX_AHT_S,
                                        what="a handle time in seconds", why_maximum=" (one day)")
    except InputError as err:
        for p in err.problems:
            found.add(p)
    try:
        values["agents_staffed"] = parse_numbers(df, "agents_staffed", file, minimum=0.0, maximum=MAX_AGENTS,
                                                 what="an average number of agents logged in")
    except InputError as err:
        for p in err.problems:
            found.add(p)
    for name in ACTUALS_WAITS.names:
        if name in df.columns:
            try:
                values[name] = parse_numbers(df, name, file, allow_empty=True, minimum=0.0, maximum=MAX_AHT_S,
                                             what="a wait in seconds", why_maximum=" (one day)")
            except InputError as err:
                for p in err.problems:
                    found.add(p)
    found.raise_if_any()
    lines = df["_line"]
    ds = parse_timestamps(df["ds"], tz, file=file, column="ds", lines=lines.to_numpy())
    frame = pd.DataFrame({"ds": ds, "channel": channel, **values, "_line": lines})
    _check_counts(frame, file, notes)
    _check_duplicates(frame, file)

    native = _native_interval(frame["ds"], df, file)
    over = frame["offered"] > max_contacts(native)
    if over.any():
        raise InputError.cells(
            (Problem(file, f"{v:g} contacts offered in one {native}-minute interval is beyond any real contact centre "
                           f"(at most {max_contacts(native):,.0f}); is the column in another unit?", int(line), "offered")
             for v, line in zip(frame.loc[over, "offered"], frame.loc[over, "_line"])),
            int(over.sum()),
        )
    target = target_interval(native, interval_min, file)
    if target > native:
        frame = _aggregate(frame, target)
        if notes is not None:
            notes.append(f"{file}: {native}-minute intervals summed to {target}-minute intervals "
                         "(agents_staffed averaged over the intervals reported)")
    frame = frame.drop(columns="_line", errors="ignore")
    frame.loc[frame["answered"] <= 0, "aht_s"] = np.nan
    waits = [c for c in ACTUALS_WAITS.names if c in frame.columns]
    if "asa_s" in waits:
        frame.loc[frame["answered"] <= 0, "asa_s"] = np.nan
    if "abandon_time_s" in waits:
        frame.loc[frame["abandoned"] <= 0, "abandon_time_s"] = np.nan
    frame = frame[list(ACTUALS.names) + waits].sort_values(["channel", "ds"], kind="stable").reset_index(drop=True)
    frame["ds"] = frame["ds"].astype("datetime64[ns, UTC]")
    step = pd.Timedelta(minutes=target)
    grid = TimeGrid(interval_min=target, start=frame["ds"].min(), end=frame["ds"].max() + step, zones=zones)
    return frame, grid


def _check_counts(frame: pd.DataFrame, file: str, notes: list[str] | None) -> None:
    """Contacts answered, abandoned or answered in target that cannot be part of those offered (or answered)."""
    found = Problems()
    for part, whole in (("answered", "offered"), ("abandoned", "offered"), ("answered_in_target", "answered")):
        bad = frame[part] > frame[whole]
        found.extend(
            (Problem(file, f"{part} ({p:g}) is more than {whole} ({w:g}); {part} counts part of the {whole} contacts", int(line), part)
             for p, w, line in zip(frame.loc[bad, part], frame.loc[bad, whole], frame.loc[bad, "_line"])),
            int(bad.sum()),
        )
    found.raise_if_any()
    both = frame["answered"] + frame["abandoned"] > frame["offered"] + 1e-9
    if both.any() and notes is not None:
        first = int(frame.loc[both, "_line"].min())
        notes.append(
            f"{file}: {int(both.sum())} interval(s) with answered + abandoned above offered (first on line {first}); "
            "the platform may count contacts carried over from the interval before; they are kept as given"
        )


def _check_duplicates(frame: pd.DataFrame, file: str) -> None:
    dup = frame.duplicated(["channel", "ds"], keep=False)
    if not dup.any():
        return
    d = frame[dup]
    first_line = d.groupby(["channel", "ds"])["_line"].transform("min")
    again = d["_line"] != first_line
    d, first_line = d[again], first_line[again]
    raise InputError.cells(
        (Problem(file, f"duplicate interval {channel} {ds:%Y-%m-%d %H:%M}Z (first given on line {first})", int(line), "ds")
         for channel, ds, line, first in zip(d["channel"], d["ds"], d["_line"], first_line)),
        len(d),
    )


def _aggregate(frame: pd.DataFrame, interval_min: int) -> pd.DataFrame:
    """Counts summed, ``aht_s`` weighted by the answered, ``agents_staffed`` averaged, onto a coarser grid."""
    weighted = {"aht_s": "answered", "asa_s": "answered", "abandon_time_s": "abandoned"}
    weighted = {c: w for c, w in weighted.items() if c in frame.columns}
    frame = frame.assign(
        ds=floor_to_grid(frame["ds"], interval_min),
        **{f"_sum_{c}": (frame[w] * frame[c]).fillna(0.0) for c, w in weighted.items()},
        **{f"_n_{c}": frame[w].where(frame[c].notna(), 0.0) for c, w in weighted.items()},
    )
    sums = {f"_sum_{c}": (f"_sum_{c}", "sum") for c in weighted} | {f"_n_{c}": (f"_n_{c}", "sum") for c in weighted}
    out = frame.groupby(["channel", "ds"], as_index=False, sort=True).agg(
        offered=("offered", "sum"), answered=("answered", "sum"), abandoned=("abandoned", "sum"),
        answered_in_target=("answered_in_target", "sum"), agents_staffed=("agents_staffed", "mean"), **sums,
    )
    for c in weighted:
        out[c] = (out[f"_sum_{c}"] / out[f"_n_{c}"].where(out[f"_n_{c}"] > 0)).astype(float)
    return out.drop(columns=list(sums))
