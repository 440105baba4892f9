"""The documented rule that leaves gaps and outliers out of training.

Users mark known outages with events of kind ``outage`` or ``exclude``. On
top of that, three tests find what nobody marked, per series, in its
customers' local time. None of them looks at intervals or days touched by a
holiday or event window (core, ramp or tail): a closed Christmas Day or a
Black Friday peak is what the event effects learn from.

1. **Silent stretch**: a run of consecutive intervals without a single
   contact where at least ``GAP_MIN_EXPECTED`` contacts were expected. Under
   Poisson arrivals the chance of seeing none is below e**-20 (2 in a
   billion): the data is missing (an export that ends early, a dead line).
   This catches parts of days too (a log that stops at 09:25).
2. **Near-zero day**: a whole local day with less than ``LOW_DAY_RATIO`` of
   its expected total (and at least ``GAP_MIN_EXPECTED`` expected): a few
   stray contacts on a day the phones were down.
3. **Unexplained spike**: a whole local day with more than ``HIGH_DAY_RATIO``
   times its expected total: a double-counted export or a one-off storm that
   no event explains. (Real peaks should be events: they are then learned and
   forecast again.)

"Expected" is the median of the same local weekday and time of day (for
intervals) or the same local weekday (for day totals) over the four weeks
before and the four weeks after, left out where those are themselves in an
event window or marked; at least ``MIN_REFERENCES`` values are needed. The
rule looks at the whole history once, so a backtest origin may leave out a
gap that it could only have recognised later: it changes what is dropped from
training, never the days being scored.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.models import LocalFrame

GAP_MIN_EXPECTED = 20.0
LOW_DAY_RATIO = 0.1
HIGH_DAY_RATIO = 4.0
REFERENCE_WEEKS = 4
MIN_REFERENCES = 3


@dataclass
class Exclusion:
    """One stretch left out of training: grid indices ``[lo, hi)`` and why."""

    lo: int
    hi: int
    reason: str  # "no contacts", "near-zero day" or "unexplained spike"
    observed: float
    expected: float


def _weekly_median(x: np.ndarray) -> np.ndarray:
    """Median over the rows 7, 14, ... ``7 * REFERENCE_WEEKS`` before and after each row (NaN-aware).

    ``x`` has one row per local day (and one column per local time of day, or
    a single column); NaN where fewer than ``MIN_REFERENCES`` values exist.
    """
    n = x.shape[0]
    stack = np.full((2 * REFERENCE_WEEKS,) + x.shape, np.nan)
    for i, k in enumerate([7 * j * sign for j in range(1, REFERENCE_WEEKS + 1) for sign in (1, -1)]):
        if abs(k) >= n:
            continue
        if k > 0:
            stack[i, k:] = x[:-k]
        else:
            stack[i, :k] = x[-k:]
    count = (~np.isnan(stack)).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(stack, axis=0)
    return np.where(count >= MIN_REFERENCES, med, np.nan)


def find(y: np.ndarray, frame: LocalFrame, protected: np.ndarray, per_day: int) -> list[Exclusion]:
    """Stretches of one series to leave out of training.

    Parameters
    ----------
    y : ndarray
        Contacts per interval on the UTC grid (NaN where not observed).
    frame : LocalFrame
        Local coordinates (the customers' zone) of ``y``'s intervals.
    protected : ndarray of bool
        Intervals in a holiday or event window, or already marked by the
        user: never flagged, and not used as a reference.
    per_day : int
        Intervals per 24 hours.

    Returns
    -------
    list of Exclusion
        In time order. Silent stretches and near-zero days that touch are
        reported as one stretch (a log that stops at 09:25 and resumes two
        days later is one gap).
    """
    observed = ~np.isnan(y)
    usable = np.where(observed & ~protected, y, np.nan)
    out: list[Exclusion] = []
    d = frame.day - frame.day[0]
    n_days = int(d[-1]) + 1 if len(d) else 0

    # 1. runs of zeros where many contacts were expected: the same local time on the same weekday
    # (a table of local days x local times, so a daylight-saving change does not shift the reference)
    step_min = 1440 // per_day
    col = frame.slot // step_min
    table = np.full((n_days, per_day), np.nan)
    table[d, col] = usable
    expected = _weekly_median(table)[d, col]
    zero = observed & ~protected & (np.nan_to_num(y, nan=1.0) == 0)
    gaps = _runs_expecting(_runs(zero), expected, GAP_MIN_EXPECTED)

    # 2 and 3. whole local days far from their weekday's usual total
    complete = np.bincount(d, weights=observed, minlength=n_days) == np.bincount(d, minlength=n_days)
    complete[0] &= frame.slot[0] == 0  # the grid may start or end in the middle of a local day
    complete[-1] &= frame.slot[-1] + step_min == 1440
    touched = np.bincount(d, weights=protected, minlength=n_days) > 0
    total = np.bincount(d, weights=np.nan_to_num(y), minlength=n_days)
    day_expected = _weekly_median(np.where(complete & ~touched, total, np.nan)[:, None])[:, 0]
    first_idx = np.searchsorted(d, np.arange(n_days), side="left")
    last_idx = np.searchsorted(d, np.arange(n_days), side="right")
    for k in np.flatnonzero(complete & ~touched & ~np.isnan(day_expected)):
        e, t = float(day_expected[k]), float(total[k])
        if e >= GAP_MIN_EXPECTED and t < LOW_DAY_RATIO * e:
            gaps.append((int(first_idx[k]), int(last_idx[k])))
        elif e > 0 and t > HIGH_DAY_RATIO * e:
            out.append(Exclusion(int(first_idx[k]), int(last_idx[k]), "unexplained spike", t, e))

    # silent stretches and near-zero days that touch are one stretch
    for lo, hi in _merge(gaps):
        seen = float(np.nansum(y[lo:hi]))
        out.append(Exclusion(lo, hi, "no contacts" if seen == 0 else "near-zero day", seen, float(np.nansum(expected[lo:hi]))))
    return sorted(out, key=lambda x: x.lo)


def _runs_expecting(runs: list[tuple[int, int]], expected: np.ndarray, least: float) -> list[tuple[int, int]]:
    """The runs whose ``np.nansum(expected[lo:hi])`` is at least ``least``.

    A series has thousands of runs of zeros (every night), nearly all far below ``least``: running sums pick the
    few near or above it, and those are decided by ``np.nansum`` itself, so the answer is that of summing each run.
    """
    if not runs:
        return []
    lo, hi = np.array(runs).T
    running = np.concatenate([[0.0], np.cumsum(np.nan_to_num(expected))])
    tolerance = 1e-9 * (abs(running[-1]) + 1.0)  # far above the running sums' rounding (about len * 1e-16 of the total)
    near = np.flatnonzero(running[hi] - running[lo] >= least - tolerance)
    return [(int(lo[i]), int(hi[i])) for i in near if np.nansum(expected[lo[i] : hi[i]]) >= least]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of ``[lo, hi)`` spans, touching ones joined."""
    out: list[list[int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[lo, hi)`` of each run of True."""
    if not mask.any():
        return []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def describe(ex: list[Exclusion], grid: pd.DatetimeIndex, tz: str, label: str) -> list[str]:
    """One note per stretch, in the series' local time."""
    notes = []
    for e in ex:
        a = grid[e.lo].tz_convert(tz)
        b = grid[e.hi - 1].tz_convert(tz) + (grid[1] - grid[0])
        what = {
            "no contacts": f"no contacts where about {e.expected:,.0f} were expected (missing data?)",
            "near-zero day": f"{e.observed:,.0f} contacts where about {e.expected:,.0f} were expected",
            "unexplained spike": f"{e.observed:,.0f} contacts where about {e.expected:,.0f} were expected and no event explains it",
        }[e.reason]
        notes.append(
            f"{label}: {a:%Y-%m-%d %H:%M} to {b:%Y-%m-%d %H:%M} ({tz}) left out of training: {what}; "
            "add an event if it should be learned instead"
        )
    return notes
