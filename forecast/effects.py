"""Holiday and sales-event effects: where each event acts, and how much.

Every event occurrence (one row of the events table: an event for one channel
and customer zone, with UTC ``start``/``end`` and day windows) acts on three
parts of the timeline, each with its own multiplier on normal volume:

* ``core``: the intervals in ``[start, end)``;
* ``pre<j>``: the whole local day ``j`` days before the start (the pre-event
  ramp; ``lower_window`` days);
* ``post<j>``: the whole local day ``j`` days after the end (the after-sale
  tail, "where is my order"; ``upper_window`` days).

Multipliers are learned per channel and effect key from past occurrences:
the ratio of actual volume to a reference (the mean of the same interval in
the four previous weeks, event-free intervals only), pooled over zones. The
key is the event kind (``black_friday``, ``flash_sale`` ...), or the holiday's
name for public holidays (Christmas Day is not Labour Day), falling back to
the kind when a holiday was never seen. A planned event with an ``uplift``
uses that multiplier for its core. Kinds ``outage`` and ``exclude`` mark
periods to leave out of training instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.models import LocalFrame

EXCLUDE_KINDS = ("outage", "exclude")
REFERENCE_WEEKS = 4
MULTIPLIER_BOUNDS = (0.05, 10.0)
#: Most rounds of learning windows net of the others they act together with.
LEARN_ROUNDS = 3


@dataclass
class Window:
    """One part of one event occurrence on a grid."""

    event: str
    key: str
    fallback: str | None
    index: np.ndarray
    fixed: float | None = None


@dataclass
class SeriesEvents:
    windows: list[Window] = field(default_factory=list)
    excluded: np.ndarray | None = None


def event_key(row) -> tuple[str, str | None]:
    if row.source == "holiday":
        return f"holiday:{row.event}", "holiday"
    return str(row.kind), None


def windows_for(events: pd.DataFrame, frame: LocalFrame) -> SeriesEvents:
    """Event windows of one series' events on its grid."""
    out = SeriesEvents(excluded=np.zeros(len(frame.ds), dtype=bool))
    if events is None or events.empty:
        return out
    ds = frame.ds
    tz = None
    for row in events.itertuples(index=False):
        tz = row.tz
        lo = ds.searchsorted(row.start)
        hi = ds.searchsorted(row.end)
        if row.kind in EXCLUDE_KINDS:
            out.excluded[lo:hi] = True
            continue
        key, fallback = event_key(row)
        if hi > lo:
            fixed = float(row.uplift) if pd.notna(row.uplift) else None
            out.windows.append(Window(row.event, f"{key}|core", f"{fallback}|core" if fallback else None, np.arange(lo, hi), fixed))
        first_day = _local_day(row.start, tz)
        last_day = _local_day(row.end - pd.Timedelta(1, "ns"), tz)
        for j in range(1, int(row.lower_window) + 1):
            idx = np.flatnonzero(frame.day == first_day - j)
            if len(idx):
                out.windows.append(Window(row.event, f"{key}|pre{j}", f"{fallback}|pre{j}" if fallback else None, idx))
        for j in range(1, int(row.upper_window) + 1):
            idx = np.flatnonzero(frame.day == last_day + j)
            if len(idx):
                out.windows.append(Window(row.event, f"{key}|post{j}", f"{fallback}|post{j}" if fallback else None, idx))
    return out


def _local_day(ts: pd.Timestamp, tz: str) -> int:
    local = ts.tz_convert(tz).tz_localize(None).normalize()
    return int(local.value // (86_400 * 10**9))


def reference(y: np.ndarray, affected: np.ndarray, week: int) -> np.ndarray:
    """Mean of the same interval in the previous weeks, event-free values only."""
    clean = np.where(affected, np.nan, y)
    stack = np.full((REFERENCE_WEEKS, len(y)), np.nan)
    for k in range(1, REFERENCE_WEEKS + 1):
        if k * week >= len(y):
            break
        stack[k - 1, k * week :] = clean[: len(y) - k * week]
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(stack, axis=0)


def affected_mask(ev: SeriesEvents, n: int) -> np.ndarray:
    mask = ev.excluded.copy() if ev.excluded is not None else np.zeros(n, dtype=bool)
    for w in ev.windows:
        mask[w.index] = True
    return mask


@dataclass
class Evidence:
    """What past occurrences say about each effect key, pooled over the series of one channel.

    ``single`` holds, per key, the contacts and the reference volume of the
    intervals touched by that key's windows alone (and the number of
    windows). ``combos`` holds the same sums for intervals touched by several
    windows at once, per combination of ``(key, fallback, fixed)``: Boxing
    Day is both a holiday and a sale day, New Year's Day falls inside the
    post-Christmas returns.
    """

    single: dict[str, list[float]] = field(default_factory=dict)
    combos: dict[tuple, list[float]] = field(default_factory=dict)


def accumulate(evidence: Evidence, y: np.ndarray, ref: np.ndarray, ev: SeriesEvents, end: int) -> None:
    """Add one series' evidence for each effect key, using intervals before ``end`` only."""
    count = np.zeros(len(y), dtype=np.int16)
    for w in ev.windows:
        count[w.index] += 1
    usable = ~np.isnan(ref) & ~np.isnan(y) & ~ev.excluded
    usable[end:] = False
    cover: dict[int, list[int]] = {}
    for k, w in enumerate(ev.windows):
        idx = w.index[usable[w.index]]
        if len(idx) == 0:
            continue
        alone = idx[count[idx] == 1]
        if len(alone) and w.fixed is None:
            acc = evidence.single.setdefault(w.key, [0.0, 0.0, 0])
            acc[0] += float(y[alone].sum())
            acc[1] += float(ref[alone].sum())
            acc[2] += 1
        for i in idx[count[idx] > 1].tolist():
            cover.setdefault(i, []).append(k)
    for i, ks in cover.items():
        combo = tuple(sorted((ev.windows[k].key, ev.windows[k].fallback, ev.windows[k].fixed) for k in ks))
        acc = evidence.combos.setdefault(combo, [0.0, 0.0])
        acc[0] += float(y[i])
        acc[1] += float(ref[i])


def learned(evidence: Evidence) -> dict[str, float]:
    """Multipliers per effect key from pooled evidence.

    First from intervals where one window acts alone; generic holiday keys
    (``holiday|core`` ...) pool every holiday. Then, for intervals where
    several windows act together and all but one of them have a multiplier
    (their own or their fallback's), the remaining one gets what is left of
    the ratio: the sale on Boxing Day is learned net of the holiday. Repeated
    while that teaches something new (at most ``LEARN_ROUNDS`` times).
    """
    out: dict[str, float] = {}
    generic: dict[str, list[float]] = {}
    for key, (a, r, n) in evidence.single.items():
        if r > 0:
            out[key] = float(np.clip(a / r, *MULTIPLIER_BOUNDS))
        if key.startswith("holiday:"):
            part = key.rsplit("|", 1)[1]
            g = generic.setdefault(f"holiday|{part}", [0.0, 0.0])
            g[0] += a
            g[1] += r
    for key, (a, r) in generic.items():
        if r > 0:
            out.setdefault(key, float(np.clip(a / r, *MULTIPLIER_BOUNDS)))

    def value(key: str, fallback: str | None, fixed: float | None) -> tuple[float | None, bool]:
        """A window's multiplier so far, and whether it is its own (not its fallback's)."""
        if fixed is not None:
            return fixed, True
        if key in out:
            return out[key], True
        return (out[fallback], False) if fallback in out else (None, False)

    for _ in range(LEARN_ROUNDS):
        residual: dict[str, list[float]] = {}
        for combo, (a, r) in evidence.combos.items():
            values = [value(*w) for w in combo]
            unknown = [i for i, (v, _) in enumerate(values) if v is None]
            borrowed = [i for i, (v, own) in enumerate(values) if v is not None and not own]
            # learn the one window that has nothing, else the one that only borrows its fallback's value
            target = unknown if unknown else borrowed
            if len(target) != 1 or sum(w[0] == combo[target[0]][0] for w in combo) != 1:
                continue
            others = float(np.prod([v for i, (v, _) in enumerate(values) if i != target[0]]))
            acc = residual.setdefault(combo[target[0]][0], [0.0, 0.0])
            acc[0] += a
            acc[1] += r * others
        new = {k: float(np.clip(a / r, *MULTIPLIER_BOUNDS)) for k, (a, r) in residual.items() if r > 0}
        new = {k: v for k, v in new.items() if out.get(k) != v}
        if not new:
            break
        out.update(new)
    return out


def multiplier(ev: SeriesEvents, effects: dict[str, float], n: int) -> tuple[np.ndarray, list[str]]:
    """Product of the multipliers of every window covering each interval.

    Returns the multiplier per interval and the names of events that have no
    uplift and no past occurrence to learn from (they get no effect).
    """
    mult = np.ones(n)
    unknown: list[str] = []
    for w in ev.windows:
        if w.fixed is not None:
            m = w.fixed
        elif w.key in effects:
            m = effects[w.key]
        elif w.fallback and w.fallback in effects:
            m = effects[w.fallback]
        else:
            if w.key.endswith("|core"):
                unknown.append(w.event)
            continue
        mult[w.index] *= m
    return mult, unknown


def event_names(ev: SeriesEvents, n: int, lo: int) -> np.ndarray:
    """Names of the events acting on each interval from ``lo`` on (';'-joined)."""
    names = [[] for _ in range(n - lo)]
    for w in ev.windows:
        for i in w.index[(w.index >= lo) & (w.index < n)]:
            if w.event not in names[i - lo]:
                names[i - lo].append(w.event)
    return np.array(["; ".join(x) for x in names], dtype=object)
