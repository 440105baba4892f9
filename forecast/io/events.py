"""Load and validate the events file (promotions, sales, outages) into the event table."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import InputError, Problem, Problems, file_label
from forecast.schema import CHANNELS, EVENT_COLUMNS, is_valid_tz
from forecast.timegrid import parse_timestamps
from forecast.io.files import parse_numbers, read_table, require_columns


_SCOPE_SPLIT = re.compile(r"[|;]")


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _split_scope(cell: str, everything: list[str], *, lower: bool) -> list[str]:
    """Expand a scope cell: empty or ``all`` means everything, else ``a|b``."""
    cell = cell.strip()
    if cell == "" or cell.lower() == "all":
        return list(everything)
    return [c.strip().lower() if lower else c.strip() for c in _SCOPE_SPLIT.split(cell) if c.strip()]


def _parse_times(ex: pd.DataFrame, file: str) -> pd.DataFrame:
    """``start`` and ``end`` parsed once per event row and zone (a naive time is local to its zone), not once per
    channel; a bad value is reported once per line, however many channels and zones the event covers."""
    once = ex.drop_duplicates(["_line", "tz"])[["_line", "tz", "start", "end"]].reset_index(drop=True)
    lines = once["_line"].to_numpy()
    try:
        for col in ("start", "end"):
            once[col] = parse_timestamps(once[col], once["tz"], file=file, column=col, lines=lines)
    except InputError as exc:
        unique = list(dict.fromkeys(exc.problems))  # the same value in several zones: one problem
        raise InputError(unique, total=exc.total - (len(exc.problems) - len(unique))) from None
    return once


def load_events(
    path: str | Path,
    *,
    zones: list[str],
    channels: list[str] | tuple[str, ...] = CHANNELS,
    label: str | None = None,
    queues: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Load the shop's events table (sales, promotions, outages).

    File columns: ``event, kind, start, end`` and optionally ``channels``,
    ``zones`` (``all``, or names separated by ``|``), ``uplift`` (expected
    volume multiplier, e.g. 1.5 for +50%; empty = learn from history), ``queues`` (queues of the
    history separated by ``|``: the event acts on those queues only, on their channels; empty or absent: on
    every queue of the channels),
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
    queues : dict, optional
        The history's queues and their channels: the names a ``queues`` cell may hold.

    Returns
    -------
    pd.DataFrame
        One row per (event, channel or queue, zone) with :data:`EVENT_COLUMNS` plus
        ``source`` (= ``"file"``); ``start``/``end`` UTC, ``end`` exclusive.
    """
    file = label or file_label(path)
    df = read_table(path, label=file)
    require_columns(df, ["event", "kind", "start", "end"], file, "an events table")
    problems = Problems()
    for col in ("event", "kind"):
        empty = df[col].str.strip() == ""
        problems.extend((Problem(file, "expected a name, found an empty cell", int(l), col) for l in df.loc[empty, "_line"]), int(empty.sum()))
    kind_ok = df["kind"].str.strip().str.lower().str.fullmatch(r"[a-z0-9_ -]*")
    problems.extend(
        (
            Problem(file, f"expected a kind made of letters, digits and '_' (e.g. flash_sale), found {k!r}", int(l), "kind")
            for k, l in zip(df.loc[~kind_ok, "kind"], df.loc[~kind_ok, "_line"])
        ),
        int((~kind_ok).sum()),
    )
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
            problems.extend(
                (
                    Problem(file, f"expected a whole number of days {'<= 0' if sign < 0 else '>= 0'}, found {v:g}", int(l), col)
                    for v, l in zip(w[bad], df.loc[bad, "_line"])
                ),
                int(bad.sum()),
            )
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
                problems.add(Problem(file, f"unknown channel {c!r}; expected all or some of {', '.join(channels)}", line, "channels"))
        named = [q.strip().lower() for q in _SCOPE_SPLIT.split(rec.get("queues", "")) if q.strip()]
        scope = [(c, "") for c in ch]
        if named:
            known = queues or {}
            scope = []
            for q in named:
                if q not in known:
                    listed = ", ".join(sorted(known)) if known else "none: the history has no queue column"
                    problems.add(Problem(file, f"unknown queue {q!r}; the history's queues: {listed}", line, "queues"))
                elif known[q] not in ch:
                    problems.add(Problem(file, f"queue {q!r} is on channel {known[q]}, which the event's channels "
                                               f"({', '.join(ch)}) leave out", line, "queues"))
                else:
                    scope.append((known[q], q))
        for z in zs:
            if not is_valid_tz(z):
                problems.add(Problem(file, f"unknown time zone {z!r}; expected all or IANA names separated by |", line, "zones"))
            elif z not in zones:
                problems.add(Problem(file, f"zone {z!r} is not in the history (zones: {', '.join(zones)})", line, "zones"))
        start, end = rec["start"].strip(), rec["end"].strip()
        if _DATE_ONLY.match(end):
            end = (pd.Timestamp(end) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        for c, q in scope:
            for z in zs:
                rows.append((i, line, rec["event"].strip(), rec["kind"].strip().lower().replace(" ", "_"), c, q, z, start, end))
    problems.raise_if_any()

    ex = pd.DataFrame(rows, columns=["_i", "_line", "event", "kind", "channel", "queue", "tz", "start", "end"])
    ex = ex.merge(_parse_times(ex, file), on=["_line", "tz"], suffixes=("_text", ""), validate="many_to_one")
    ex = ex.drop(columns=["start_text", "end_text"])
    bad = ex["end"] <= ex["start"]
    if bad.any():
        bad_lines = pd.unique(ex.loc[bad, "_line"])
        raise InputError.cells((Problem(file, "expected 'end' after 'start'", int(l), "end") for l in bad_lines), len(bad_lines))
    ex["uplift"] = uplift.reindex(ex["_i"]).to_numpy()
    ex["lower_window"] = windows["lower_window"].reindex(ex["_i"]).to_numpy()
    ex["upper_window"] = windows["upper_window"].reindex(ex["_i"]).to_numpy()
    ex["source"] = "file"
    return ex[EVENT_COLUMNS + ["source"]].reset_index(drop=True)
