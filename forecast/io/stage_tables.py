"""Read back a stage's output table (forecast.csv, requirements.csv, coverage.csv) as the next stage's input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.errors import InputError, file_label
from forecast.timegrid import parse_timestamps
from forecast.io.files import check_zones, normalise_channels, parse_numbers, queue_column, read_table, require_columns


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
    one of the known channels; ``queue``, when the file has it (forecast.csv), a queue of exactly one channel (an
    empty cell: the channel); each column in ``numbers`` a number (keyword
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
    if "queue" in df.columns:
        out["queue"] = queue_column(df, df["channel"], file).to_numpy()
    if "tz" in df.columns:
        out["tz"] = check_zones(df["tz"], df["_line"], file, "tz").to_numpy()
    for col, kw in (numbers or {}).items():
        out[col] = parse_numbers(df, col, file, **kw).to_numpy()
    for col, kw in (optional_numbers or {}).items():
        if col in df.columns:
            out[col] = parse_numbers(df, col, file, allow_empty=True, **kw).to_numpy()
    key = ["ds", "channel"] + [c for c in ("queue", "tz") if c in out.columns]
    dup = out.duplicated(key, keep="first").to_numpy()
    if dup.any():
        line = int(df["_line"].to_numpy()[dup][0])
        raise InputError.one(file, f"duplicate row for the same {', '.join(key)}", line)
    out["ds"] = out["ds"].dt.as_unit("ns") if hasattr(out["ds"].dt, "as_unit") else out["ds"]
    return out
