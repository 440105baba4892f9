"""Time grid and time-zone handling.

All timestamps inside Shiftcast are timezone-aware UTC at interval start. The
grid is aligned in UTC (interval starts are whole multiples of the interval
since the Unix epoch), so series from different customer zones sum directly.
Local time appears only at the edges: parsing user files, per-day labour rules
and display. A local day is 23, 24 or 25 hours long; nothing here assumes 24.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from forecast.errors import InputError, Problem, Problems, file_label
from forecast.schema import INTERVAL_CHOICES_MIN

# An offset counts only after a clock time, so a date such as 2025-06-01 is naive.
_OFFSET_RE = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|z|[+-]\d{2}(?::?\d{2})?)$"
_ISO_NAIVE_FORMATS = ("ISO8601",)
# Explicit non-ISO formats seen in helpdesk exports. Slash dates are tried both
# month-first and day-first; when both read every row the file is ambiguous.
_OTHER_FORMATS = (
    "%Y-%b-%d %H:%M:%S",
    "%Y-%b-%d %H:%M",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y %H:%M",
)
_SLASH_FORMATS = (
    ("%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S"),
    ("%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M"),
    ("%m/%d/%Y", "%d/%m/%Y"),
)


def check_interval(interval_min: int) -> int:
    """Return ``interval_min`` if the grid supports it, else raise ValueError."""
    if interval_min not in INTERVAL_CHOICES_MIN:
        raise ValueError(
            f"interval_min must be one of {', '.join(map(str, INTERVAL_CHOICES_MIN))} minutes, "
            f"got {interval_min!r}"
        )
    return interval_min


def _try_format(values: pd.Series, fmt: str) -> pd.Series | None:
    try:
        return pd.to_datetime(values, format=fmt)
    except (ValueError, TypeError, OverflowError):
        return None


def _parse_naive(values: pd.Series) -> pd.Series | None:
    """Parse naive timestamp strings with one format for the whole column, or None."""
    for fmt in _ISO_NAIVE_FORMATS + _OTHER_FORMATS:
        parsed = _try_format(values, fmt)
        if parsed is not None:
            return parsed
    for month_first, day_first in _SLASH_FORMATS:
        a = _try_format(values, month_first)
        b = _try_format(values, day_first)
        if a is not None and b is not None and not a.equals(b):
            raise _AmbiguousDayMonth()
        if a is not None:
            return a
        if b is not None:
            return b
    return None


class _AmbiguousDayMonth(Exception):
    pass


def _first_bad_rows(values: pd.Series, lines: np.ndarray, file: str, column: str, expected: str) -> InputError:
    """Find which values parse in no accepted format (only on the error path): one vectorised pass per format,
    so a single bad cell among millions costs a few passes, not millions of calls; every bad cell is counted and
    the first ones are reported."""
    ok = np.zeros(len(values), dtype=bool)
    for fmt in ("ISO8601", *_OTHER_FORMATS, *(f for pair in _SLASH_FORMATS for f in pair)):
        todo = np.flatnonzero(~ok)
        if not len(todo):
            break
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pd.to_datetime(values.iloc[todo], format=fmt, errors="coerce", utc=True)
        except (ValueError, TypeError, OverflowError):
            continue
        ok[todo[parsed.notna().to_numpy()]] = True
    bad = np.flatnonzero(~ok)
    if not len(bad):
        return InputError([Problem(file, f"expected {expected} in one consistent format for the whole column", None, column)])
    return InputError.cells(
        (Problem(file, f"expected {expected}, found {values.iloc[i]!r}", int(lines[i]), column) for i in bad), len(bad)
    )


#: The years a timestamp may fall in: pandas' nanosecond timestamps (1677-09-21 to 2262-04-11), less a day's margin
#: for moving a local time to UTC.
_YEARS = (1678, 2261)


def _unusable(parsed: pd.Series, raw: pd.Series, lines: np.ndarray, file: str, column: str, expected: str) -> InputError | None:
    """Values that parsed to no time (``nan``, ``NaT``) or to one outside :data:`_YEARS`, as an error, or None."""
    year = parsed.dt.year
    missing = parsed.isna().to_numpy()
    outside = ~missing & ~year.between(*_YEARS).to_numpy()
    if not (missing.any() or outside.any()):
        return None
    problems = [
        Problem(
            file,
            f"expected {expected}, found {value!r}" if gone else f"expected a year from {_YEARS[0]} to {_YEARS[1]}, found {value!r}",
            int(line),
            column,
        )
        for value, line, gone, bad in zip(raw.tolist(), lines.tolist(), missing, missing | outside)
        if bad
    ]
    return InputError(problems)


def _short_offsets(values: pd.Series, lines: np.ndarray, file: str, column: str, expected: str) -> InputError:
    """The values pandas reads with an offset that is not one (``-0``, ``+5``: a cut-off ``-05:00``), as an error."""

    def aware(value: str) -> bool:
        try:
            return pd.Timestamp(value).tzinfo is not None
        except (ValueError, TypeError, OverflowError):
            return False

    problems = [
        Problem(file, f"expected {expected} (an offset is Z, +hh:mm or -hh:mm), found {value!r}", int(line), column)
        for value, line in zip(values.tolist(), lines.tolist())
        if aware(value)
    ]
    return InputError(problems or [Problem(file, f"expected {expected} with a whole offset (Z, +hh:mm or -hh:mm)", None, column)])


def parse_timestamps(
    values: pd.Series,
    tz: pd.Series | str,
    *,
    file: str = "<data>",
    column: str = "ds",
    lines: np.ndarray | None = None,
) -> pd.Series:
    """Parse timestamp strings to timezone-aware UTC.

    Values with a UTC offset or ``Z`` are taken as they are. Naive values are
    local wall-clock time in ``tz`` (one IANA zone, or one per row).

    Parameters
    ----------
    values : pd.Series of str
        The raw column.
    tz : str or pd.Series of str
        Zone for naive values: one name, or a series aligned with ``values``.
    file, column : str
        Used in error messages.
    lines : np.ndarray of int, optional
        File line of each value (header = line 1) for error messages.

    Returns
    -------
    pd.Series
        ``datetime64[ns, UTC]`` aligned with ``values``.

    Raises
    ------
    InputError
        Unparseable values, local times that do not exist (spring forward) or
        are ambiguous (fall back) in their zone, and day/month ambiguity.
    """
    file = file_label(file)
    n = len(values)
    if lines is None:
        lines = np.arange(2, n + 2)
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values.dtype):
        return _typed_timestamps(values, tz, file, column, lines)
    strings = values.astype("string").str.strip()
    missing = strings.isna() | (strings == "")
    if missing.any():
        bad = np.flatnonzero(missing.to_numpy())
        raise InputError.cells((Problem(file, "expected a timestamp, found an empty cell", int(lines[i]), column) for i in bad), len(bad))
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    has_offset = _has_offset(strings)
    expected = "an ISO 8601 timestamp such as 2025-11-28T14:15:00Z"

    if has_offset.any():
        aware = strings[has_offset]
        try:
            parsed = pd.to_datetime(aware, format="ISO8601", utc=True)
        except (ValueError, TypeError, OverflowError):
            raise _first_bad_rows(aware, lines[has_offset], file, column, expected) from None
        unusable = _unusable(parsed, aware, lines[has_offset], file, column, expected)
        if unusable is not None:
            raise unusable
        out[has_offset] = parsed.astype("datetime64[ns, UTC]")

    naive_pos = np.flatnonzero(~has_offset)
    if len(naive_pos):
        naive = strings.iloc[naive_pos]
        try:
            parsed = _parse_naive(naive)
        except _AmbiguousDayMonth:
            raise InputError.one(
                file,
                "dates read both as month/day and as day/month; use ISO 8601 (YYYY-MM-DD hh:mm)",
                column=column,
            ) from None
        if parsed is None:
            raise _first_bad_rows(naive, lines[naive_pos], file, column, expected)
        if parsed.dt.tz is not None:
            raise _short_offsets(naive, lines[naive_pos], file, column, expected)
        unusable = _unusable(parsed, naive, lines[naive_pos], file, column, expected)
        if unusable is not None:
            raise unusable
        local_all = parsed.astype("datetime64[ns]").reset_index(drop=True)
        zones = np.full(n, tz, dtype=object) if isinstance(tz, str) else tz.to_numpy(dtype=object)
        out.iloc[naive_pos] = _localize(local_all, zones[naive_pos], lines[naive_pos], file, column)
    return out


def _has_offset(strings: pd.Series) -> np.ndarray:
    """Which stripped timestamp strings end in a UTC offset (one vectorised regular-expression pass in Arrow)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return strings.str.contains(_OFFSET_RE, regex=True).to_numpy()
    # RE2's ``$`` is the end of the text; the strings are stripped, so Python's reading of it is the same
    try:  # an Arrow-backed string column passes its buffers as they are
        arrow = pa.array(strings.astype("string[pyarrow]").array, type=pa.large_string())
    except (TypeError, ValueError, pa.ArrowException):
        arrow = pa.array(strings.to_numpy(dtype=object), type=pa.large_string())
    found = pc.match_substring_regex(arrow, _OFFSET_RE)
    return found.to_numpy(zero_copy_only=False).astype(bool)


def _typed_timestamps(values: pd.Series, tz: pd.Series | str, file: str, column: str, lines: np.ndarray) -> pd.Series:
    """Timestamps already typed (a Parquet or DuckDB column): zone-aware ones are instants; naive ones the row's wall time."""
    missing = values.isna().to_numpy()
    if missing.any():
        bad = np.flatnonzero(missing)
        raise InputError.cells((Problem(file, "expected a timestamp, found an empty cell", int(lines[i]), column) for i in bad), len(bad))
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    local_all = values.astype("datetime64[ns]").reset_index(drop=True)
    zones = np.full(len(values), tz, dtype=object) if isinstance(tz, str) else tz.to_numpy(dtype=object)
    return pd.Series(_localize(local_all, zones, np.asarray(lines), file, column), index=values.index)


def _localize(local_all: pd.Series, zones: np.ndarray, lines: np.ndarray, file: str, column: str) -> pd.DatetimeIndex:
    """Local wall-clock times (naive, one zone per value) to UTC; every time that does not exist or happens twice named by line."""
    utc_all = np.empty(len(local_all), dtype="datetime64[ns]")
    found = Problems()
    for zone in pd.unique(zones):
        sel = np.flatnonzero(zones == zone)
        local = local_all.iloc[sel]
        utc = local.dt.tz_localize(zone, nonexistent="NaT", ambiguous="NaT")
        bad = utc.isna().to_numpy()
        if bad.any():
            # A time that fails with ambiguous=True too does not exist at all.
            gap = local[bad].dt.tz_localize(zone, nonexistent="NaT", ambiguous=np.ones(bad.sum(), bool)).isna()
            found.extend(
                (
                    Problem(
                        file,
                        f"local time {value:%Y-%m-%d %H:%M} "
                        f"{'does not exist (clocks go forward)' if is_gap else 'is ambiguous (clocks go back, it happens twice)'} "
                        f"in {zone}; give the UTC offset, e.g. 2025-11-02T01:30:00-05:00",
                        int(line),
                        column,
                    )
                    for value, line, is_gap in zip(local[bad], lines[sel[bad]], gap)
                ),
                int(bad.sum()),
            )
        utc_all[sel] = utc.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    found.raise_if_any()
    return pd.to_datetime(utc_all).tz_localize("UTC")


def floor_to_grid(ds: pd.Series, interval_min: int) -> pd.Series:
    """Floor UTC timestamps to the start of their grid interval."""
    return ds.dt.floor(f"{check_interval(interval_min)}min")


def make_grid(start: pd.Timestamp, end: pd.Timestamp, interval_min: int) -> pd.DatetimeIndex:
    """Interval starts from ``start`` (inclusive) to ``end`` (exclusive), UTC.

    ``start`` is floored to the grid; ``end`` is exclusive.
    """
    start = pd.Timestamp(start).tz_convert("UTC").floor(f"{check_interval(interval_min)}min")
    end = pd.Timestamp(end).tz_convert("UTC")
    grid = pd.date_range(start, end, freq=f"{interval_min}min", inclusive="left")
    return grid.as_unit("ns")


def local_midnight(day: pd.Timestamp | str, tz: str) -> pd.Timestamp:
    """UTC instant of 00:00 local time on ``day`` in ``tz``.

    Midnight exists in every IANA zone we support; where a zone skips it the
    first existing instant of the day is returned.
    """
    naive = pd.Timestamp(day).tz_localize(None).normalize() if pd.Timestamp(day).tzinfo else pd.Timestamp(day).normalize()
    return naive.tz_localize(tz, nonexistent="shift_forward", ambiguous=True).tz_convert("UTC")


def local_day_grid(first_day: str | pd.Timestamp, days: int, tz: str, interval_min: int) -> pd.DatetimeIndex:
    """UTC interval starts covering ``days`` whole local days in ``tz``.

    Across a daylight-saving change a local day has 23 or 25 hours, so the
    number of intervals varies; no interval is created or lost.
    """
    start = local_midnight(first_day, tz)
    end = local_midnight(pd.Timestamp(first_day) + pd.Timedelta(days=days), tz)
    return make_grid(start, end, interval_min)


def local_dates(ds: pd.Series | pd.DatetimeIndex, tz: str | pd.Series) -> pd.Series:
    """Local calendar date of each UTC timestamp (as ``datetime.date`` objects)."""
    if isinstance(tz, str):
        s = pd.Series(ds)
        return s.dt.tz_convert(tz).dt.date
    s = pd.Series(ds, index=tz.index)
    out = pd.Series(index=s.index, dtype=object)
    for zone, idx in tz.groupby(tz, sort=False).groups.items():
        out.loc[idx] = s.loc[idx].dt.tz_convert(zone).dt.date
    return out


class TimeGrid(BaseModel):
    """The interval grid a plan works on, decided once where the data is loaded and carried by every stage.

    Interval starts are UTC and aligned to the epoch (so a UTC grid never
    changes at a daylight-saving change); ``start`` is the first interval's
    start, ``end`` the end of the last one (exclusive).

    Attributes
    ----------
    interval_min : int
        Interval length in minutes (15, 30 or 60).
    start, end : pd.Timestamp
        UTC bounds of the horizon, ``end`` exclusive; both on the grid.
    zones : tuple of str
        The customer zones (IANA names) of the series on the grid.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    interval_min: int
    start: pd.Timestamp
    end: pd.Timestamp
    zones: tuple[str, ...] = ()

    @field_validator("interval_min")
    @classmethod
    def _interval(cls, v: int) -> int:
        return check_interval(v)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _utc(cls, v) -> pd.Timestamp:
        ts = pd.Timestamp(v)
        if ts.tzinfo is None:
            raise ValueError(f"expected a timezone-aware UTC time, found {ts}")
        return ts.tz_convert("UTC").as_unit("ns")

    @model_validator(mode="after")
    def _aligned(self) -> "TimeGrid":
        for name in ("start", "end"):
            ts = getattr(self, name)
            if ts != ts.floor(self.step):
                raise ValueError(f"{name} {ts} is not the start of a {self.interval_min}-minute interval")
        if self.end <= self.start:
            raise ValueError(f"the grid's end {self.end} is not after its start {self.start}")
        return self

    # ---- figures --------------------------------------------------------
    @property
    def step(self) -> pd.Timedelta:
        """Interval length."""
        return pd.Timedelta(minutes=self.interval_min)

    @property
    def interval_s(self) -> float:
        """Interval length in seconds."""
        return 60.0 * self.interval_min

    @property
    def interval_h(self) -> float:
        """Interval length in hours."""
        return self.interval_min / 60.0

    @property
    def per_day(self) -> int:
        """Intervals per 24 hours."""
        return 1440 // self.interval_min

    @property
    def n(self) -> int:
        """Number of intervals."""
        return int((self.end - self.start) // self.step)

    @property
    def index(self) -> pd.DatetimeIndex:
        """Every interval start, UTC."""
        return make_grid(self.start, self.end, self.interval_min)

    # ---- positions ------------------------------------------------------
    def contains(self, ds) -> np.ndarray:
        """Boolean mask of the times that are interval starts of this grid."""
        t = pd.DatetimeIndex(ds).as_unit("ns")
        off = (t - self.start) % self.step
        return np.asarray((t >= self.start) & (t < self.end) & (off == pd.Timedelta(0)))

    def positions(self, ds, *, file: str = "<data>", column: str = "ds") -> np.ndarray:
        """Index on the grid of each time in ``ds``; an InputError names the first one off the grid."""
        t = pd.DatetimeIndex(ds).as_unit("ns")
        ok = self.contains(t)
        if not ok.all():
            bad = t[~ok][0]
            raise InputError.one(
                file,
                f"{bad:%Y-%m-%d %H:%M}Z is not an interval start of the {self.interval_min}-minute grid from "
                f"{self.start:%Y-%m-%d %H:%M}Z to {self.end:%Y-%m-%d %H:%M}Z",
                column=column,
            )
        return np.asarray((t - self.start) // self.step, dtype=np.int64)

    # ---- derived grids --------------------------------------------------
    def between(self, lo: pd.Timestamp, hi: pd.Timestamp) -> "TimeGrid":
        """The part of the grid from ``lo`` to ``hi`` (UTC; widened to whole intervals, clipped to the grid)."""
        lo = max(pd.Timestamp(lo).tz_convert("UTC").floor(self.step), self.start)
        hi = min(pd.Timestamp(hi).tz_convert("UTC").ceil(self.step), self.end)
        return self.model_copy(update={"start": lo, "end": hi})

    def after(self, days: int) -> "TimeGrid":
        """The grid of ``days`` 24-hour days from this grid's end (a forecast horizon after a history)."""
        return self.model_copy(update={"start": self.end, "end": self.end + pd.Timedelta(days=days)})

    def coarsen(self, interval_min: int | None, *, what: str = "--interval-min") -> "TimeGrid":
        """The same horizon on a coarser grid (a multiple of this one); None keeps this grid."""
        if interval_min is None or interval_min == self.interval_min:
            return self
        if interval_min < self.interval_min or interval_min % self.interval_min or interval_min not in INTERVAL_CHOICES_MIN:
            raise InputError.one(
                what,
                f"cannot go from a {self.interval_min}-minute grid to a {interval_min}-minute one; "
                f"choose {self.interval_min} or a multiple of it (15, 30 or 60)",
            )
        step = pd.Timedelta(minutes=interval_min)
        return TimeGrid(interval_min=interval_min, start=self.start.floor(step), end=self.end.ceil(step), zones=self.zones)

    def refine(self, interval_min: int) -> "TimeGrid":
        """The same horizon on a finer grid (a divisor of this one's interval), e.g. for the roster's shifts and breaks."""
        if interval_min == self.interval_min:
            return self
        if interval_min > self.interval_min or self.interval_min % interval_min or interval_min not in INTERVAL_CHOICES_MIN:
            raise ValueError(f"cannot refine a {self.interval_min}-minute grid to {interval_min} minutes")
        return TimeGrid(interval_min=interval_min, start=self.start, end=self.end, zones=self.zones)

    # ---- reading a stage's output back -----------------------------------
    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, file: str, column: str = "ds") -> "TimeGrid":
        """The grid of a table a stage wrote (forecast.csv, requirements.csv, coverage.csv), read back from disk.

        The interval is the shortest gap between distinct times, which must
        be 15, 30 or 60 minutes, and every time must be an interval start on
        that UTC grid. The grid runs from the first time to one interval past
        the last; ``zones`` are the table's ``tz`` values, if any.

        Raises
        ------
        InputError
            Fewer than two distinct times, or times not on one 15, 30 or
            60-minute grid (naming ``file`` and ``column``).
        """
        file = file_label(file)
        t = pd.DatetimeIndex(df[column].drop_duplicates()).sort_values().as_unit("ns")
        if len(t) < 2:
            raise InputError.one(file, "needs at least two intervals to tell its 15, 30 or 60-minute grid", column=column)
        gap = pd.Timedelta(np.min(np.diff(t.asi8)), unit="ns")
        minutes = gap / pd.Timedelta(minutes=1)
        if minutes not in INTERVAL_CHOICES_MIN:
            raise InputError.one(
                file, f"the times are not on one 15, 30 or 60-minute grid (two of them are {minutes:g} minutes apart)", column=column
            )
        step = pd.Timedelta(minutes=int(minutes))
        off = t[t != t.floor(step)]
        if len(off):
            raise InputError.one(
                file, f"{off[0]:%Y-%m-%d %H:%M:%S}Z is not the start of a {int(minutes)}-minute interval (UTC)", column=column
            )
        zones = tuple(sorted(df["tz"].unique())) if "tz" in df.columns else ()
        return cls(interval_min=int(minutes), start=t[0], end=t[-1] + step, zones=zones)
