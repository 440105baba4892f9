"""Holiday and sales-event effects: where each event acts, and how much.

Every event occurrence (one row of the events table: an event for one channel
and customer zone, with UTC ``start``/``end`` and day windows) acts on three
parts of the timeline, each with its own multiplier on normal volume:

* ``core``: the intervals in ``[start, end)``;
* ``pre<j>``: the whole local day ``j`` days before the start (the pre-event
  ramp; ``-lower_window`` days, Prophet's sign: ``lower_window = -2`` is a
  ramp over the two local days before);
* ``post<j>``: the whole local day ``j`` days after the end (the after-sale
  tail, "where is my order"; ``upper_window`` days).

Public holidays act on one more part, the **eve**: the local day before the
holiday (unless that day is a holiday itself), in two halves ``eve_am``
(00:00-12:00 local) and ``eve_pm`` (12:00-24:00), so an afternoon closure
the day before is learned as such instead of being taken for missing data.

Multipliers are learned per channel and effect key from past occurrences:
the ratio of actual volume to a reference (the mean of the same local time on
the same local weekday in the four previous weeks, event-free intervals only:
across a daylight-saving change the reference is still 09:00 local), pooled
over zones. The key is the event kind (``black_friday``, ``flash_sale`` ...),
or the holiday's name for public holidays (Christmas Day is not Labour Day).

**Holidays without enough past.** Each holiday part (core, eve) is learned
by empirical Bayes within its country's pool (``holiday@CA|core``: every
Canadian holiday of the channel): the pool's effect is the mean of its
holidays' log ratios, their spread ``tau`` how much one holiday differs from
the others, and the occurrence-to-occurrence noise ``sigma`` is pooled over
the holidays seen more than once. A holiday never seen takes the pool's
effect, with standard deviation ``tau * sqrt(1 + 1/H)`` (H holidays in the
pool) on the log scale; one seen ``n`` times is shrunk toward the pool with
weight ``n / sigma**2`` against ``1 / tau**2``. A country with no holiday in
the history falls back to every country's holidays (``holiday|core``). The
standard deviations go into the forecast's bands (:func:`effect_sd`).

A planned event with an ``uplift`` uses that multiplier for its core. Kinds
``outage`` and ``exclude`` mark periods to leave out of training instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.events import country_of_zone
from forecast.models import LocalFrame

EXCLUDE_KINDS = ("outage", "exclude")
REFERENCE_WEEKS = 4
MULTIPLIER_BOUNDS = (0.05, 10.0)
#: Most rounds of learning windows net of the others they act together with.
LEARN_ROUNDS = 3
#: Occurrence-to-occurrence noise of a holiday's log ratio assumed before the history shows it (and its weight, in
#: occurrences): a holiday seen once is not known exactly.
PRIOR_SIGMA, PRIOR_SIGMA_WEIGHT = 0.15, 2.0
#: How much one holiday's log effect differs from its pool's when the pool has a single holiday (wide: unknown),
#: and the least spread assumed however alike the pool's holidays are.
PRIOR_TAU, MIN_TAU = 0.5, 0.05
#: Local hour that splits a holiday's eve into its morning and afternoon windows.
EVE_SPLIT_HOUR = 12


@dataclass
class Window:
    """One part of one event occurrence on a grid.

    ``fallback`` is the pool a holiday part is learned within and borrows
    from when it has no past of its own (``holiday@CA|core``); the pool of
    every country's holidays (``holiday|core``) comes after it.
    """

    event: str
    key: str
    fallback: str | None
    index: np.ndarray
    fixed: float | None = None


class Effects(dict):
    """Multipliers per effect key, with the standard deviation of each one's log on the side (``sd``)."""

    def __init__(self, *args, sd: dict[str, float] | None = None, **kw):
        super().__init__(*args, **kw)
        self.sd: dict[str, float] = dict(sd or {})


def fallbacks(fallback: str | None) -> list[str]:
    """The pools a window borrows from, nearest first: its country's holidays, then every country's."""
    if not fallback:
        return []
    out = [fallback]
    if "@" in fallback:
        out.append(fallback.split("@", 1)[0] + "|" + fallback.rsplit("|", 1)[1])
    return out


@dataclass
class SeriesEvents:
    windows: list[Window] = field(default_factory=list)
    excluded: np.ndarray | None = None


def event_key(row) -> tuple[str, str | None]:
    """The effect key of an event row and the pool it is learned within (holidays: their country's)."""
    if row.source == "holiday":
        country = country_of_zone(row.tz)[0] or "?"
        return f"holiday:{row.event}", f"holiday@{country}"
    return str(row.kind), None


def windows_for(events: pd.DataFrame, frame: LocalFrame, *, eves: bool = True) -> SeriesEvents:
    """Event windows of one series' events on its grid.

    ``eves``: public holidays also act on the local day before (see the
    module's docstring).
    """
    out = SeriesEvents(excluded=np.zeros(len(frame.ds), dtype=bool))
    if events is None or events.empty:
        return out
    ds = frame.ds
    tz = None
    holiday_days = {
        _local_day(r.start, r.tz) for r in events.itertuples(index=False) if r.source == "holiday" or r.kind == "holiday"
    }
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
        if eves and row.source == "holiday" and first_day - 1 not in holiday_days:
            on_eve = frame.day == first_day - 1
            for part, half in (("eve_am", frame.slot < 60 * EVE_SPLIT_HOUR), ("eve_pm", frame.slot >= 60 * EVE_SPLIT_HOUR)):
                idx = np.flatnonzero(on_eve & half)
                if len(idx):
                    out.windows.append(Window(f"{row.event} (eve)", f"{key}|{part}", f"{fallback}|{part}", idx))
        # Prophet's sign: lower_window = -2 is the two days before (a positive value is read the same way)
        for j in range(1, abs(int(row.lower_window)) + 1):
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


def reference(y: np.ndarray, affected: np.ndarray, frame: LocalFrame, per_day: int) -> np.ndarray:
    """Mean of the same local time on the same local weekday in the previous weeks, event-free values only.

    Taken on a table of local days x local times of day, so across a
    daylight-saving change the reference of 09:00 local is 09:00 local a week
    before (on the UTC grid it would be 08:00 or 10:00). The repeated hour of
    a fall-back day is averaged; the skipped hour of a spring-forward day has
    no value that week.

    Parameters
    ----------
    y : ndarray
        Contacts per interval on the UTC grid (NaN = not observed).
    affected : ndarray of bool
        Intervals in an event window or left out of training.
    frame : LocalFrame
        Local coordinates of ``y``'s intervals (the series' customer zone).
    per_day : int
        Intervals per 24 hours.
    """
    import warnings

    clean = np.where(affected, np.nan, y)
    if not len(y):
        return np.zeros(0)
    step_min = 1440 // per_day
    d = (frame.day - frame.day[0]).astype(np.int64)
    col = (frame.slot // step_min).astype(np.int64)
    n_days = int(d[-1]) + 1
    ok = ~np.isnan(clean)
    cell = d * per_day + col
    total = np.bincount(cell[ok], weights=clean[ok], minlength=n_days * per_day)
    count = np.bincount(cell[ok], minlength=n_days * per_day)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = np.where(count > 0, total / np.maximum(count, 1), np.nan).reshape(n_days, per_day)
    stack = np.full((REFERENCE_WEEKS, len(y)), np.nan)
    for k in range(1, REFERENCE_WEEKS + 1):
        back = d - 7 * k
        has = back >= 0
        stack[k - 1, has] = table[back[has], col[has]]
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
    #: per key, each occurrence's (contacts, reference) where it acts alone, and the pool it is learned within
    occurrences: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    pool: dict[str, str] = field(default_factory=dict)


def accumulate(evidence: Evidence, y: np.ndarray, ref: np.ndarray, ev: SeriesEvents, end: int) -> None:
    """Add one series' evidence for each effect key, using intervals before ``end`` only."""
    apply_evidence(evidence, series_evidence(y, ref, ev, end))


#: One series' additions to a channel's :class:`Evidence`, in the order they are made: ``("single", key, contacts,
#: reference, fallback)`` for a window acting alone, ``("combo", combo, contacts, reference)`` for the
#: intervals under one combination of several windows, summed in interval order (one op a combination, so that a
#: series' evidence stays small whatever the length of its history). Replayed in series order (:func:`apply_evidence`)
#: they give the pooled evidence bit for bit, wherever each series' part was computed.
EvidenceOps = list[tuple]


def series_evidence(y: np.ndarray, ref: np.ndarray, ev: SeriesEvents, end: int) -> EvidenceOps:
    """One series' evidence for each effect key, using intervals before ``end`` only (see :data:`EvidenceOps`)."""
    return series_evidence_at(y, ref, ev, [end])[end]


def series_evidence_at(y: np.ndarray, ref: np.ndarray, ev: SeriesEvents, ends: list[int]) -> dict[int, EvidenceOps]:
    """:func:`series_evidence` at each of ``ends``.

    What does not depend on the end is found once: the usable intervals of each window (ascending, as windows are
    built), which of them the window has alone, and the intervals under several windows with their combination,
    in the order the sums take them, with running sums. An end then takes a prefix of each. The sums are the ones
    of adding interval after interval (a running sum is that), and a window's intervals alone are summed as one
    array, as before, so the evidence is the same to the last bit whatever the ends.
    """
    count = np.zeros(len(y), dtype=np.int16)
    for w in ev.windows:
        count[w.index] += 1
    usable = ~np.isnan(ref) & ~np.isnan(y) & ~ev.excluded
    alone_parts: list[tuple[int, Window, np.ndarray]] = []
    shared: dict[int, list[int]] = {}  # interval under several windows -> those windows, in the order first seen
    for k, w in enumerate(ev.windows):
        idx = w.index[usable[w.index]]
        if not len(idx):
            continue
        single = count[idx] == 1
        if w.fixed is None:
            alone_parts.append((k, w, idx[single]))
        for i in idx[~single].tolist():
            shared.setdefault(i, []).append(k)
    combo_of: dict[tuple, tuple] = {}
    members: dict[tuple, tuple[list[int], list[int]]] = {}  # combination -> its intervals and their rank in `shared`
    for rank, (i, ks) in enumerate(shared.items()):
        t = tuple(ks)
        combo = combo_of.get(t)
        if combo is None:
            combo = combo_of[t] = tuple(sorted((ev.windows[k].key, ev.windows[k].fallback, ev.windows[k].fixed) for k in ks))
        got = members.setdefault(combo, ([], []))
        got[0].append(i)
        got[1].append(rank)
    combos = []
    for combo, (intervals, ranks) in members.items():
        iv = np.array(intervals)
        combos.append((combo, iv, np.array(ranks), np.cumsum(y[iv]), np.cumsum(ref[iv]), bool(np.all(np.diff(iv) > 0))))
    alone_sums: dict[tuple[int, int], tuple[float, float]] = {}
    out: dict[int, EvidenceOps] = {}
    for end in ends:
        ops: EvidenceOps = []
        for k, w, alone in alone_parts:
            n = int(np.searchsorted(alone, end))
            if n:
                sums = alone_sums.get((k, n))
                if sums is None:
                    sums = alone_sums[(k, n)] = (float(y[alone[:n]].sum()), float(ref[alone[:n]].sum()))
                ops.append(("single", w.key, sums[0], sums[1], w.fallback))
        found = []
        for combo, iv, ranks, run_y, run_ref, ascending in combos:
            if ascending:  # the intervals before the end are a prefix
                n = int(np.searchsorted(iv, end))
                if n:
                    found.append((int(ranks[0]), combo, float(run_y[n - 1]), float(run_ref[n - 1])))
            else:  # (a combination reached from two sets of windows) add the intervals before the end one by one
                before = iv < end
                if before.any():
                    a = r = 0.0
                    for i in iv[before].tolist():
                        a += float(y[i])
                        r += float(ref[i])
                    found.append((int(ranks[np.argmax(before)]), combo, a, r))
        found.sort(key=lambda f: f[0])
        ops.extend(("combo", combo, a, r) for _, combo, a, r in found)
        out[end] = ops
    return out


def apply_evidence(evidence: Evidence, ops: EvidenceOps) -> None:
    """Add one series' evidence (:func:`series_evidence`) to a channel's pooled ``evidence``."""
    for op in ops:
        if op[0] == "single":
            _, key, a, r, fallback = op
            acc = evidence.single.setdefault(key, [0.0, 0.0, 0])
            acc[0] += a
            acc[1] += r
            acc[2] += 1
            if r > 0:
                evidence.occurrences.setdefault(key, []).append((a, r))
            if fallback:
                evidence.pool[key] = fallback
        else:
            _, combo, a, r = op
            acc = evidence.combos.setdefault(combo, [0.0, 0.0])
            acc[0] += a
            acc[1] += r


def _clipped(a: float, r: float) -> float:
    """``a / r`` within :data:`MULTIPLIER_BOUNDS` (plain floats: the driver pools thousands of these per origin)."""
    lo, hi = MULTIPLIER_BOUNDS
    return min(max(a / r, lo), hi)


def _log_ratio(a: float, r: float) -> float:
    return math.log(_clipped(a, r))


def pooled_holidays(evidence: Evidence) -> tuple[dict[str, float], dict[str, float]]:
    """Holiday parts learned within their pools by empirical Bayes: log multipliers and their standard deviations.

    Returns, per key, the log multiplier and its standard deviation for every
    holiday part seen (shrunk toward its pool) and for every pool (what a
    holiday never seen takes): the country pools (``holiday@CA|core``) and
    the pools of every country (``holiday|core``). See the module docstring.
    """
    members: dict[str, list[str]] = {}
    for key, pool in evidence.pool.items():
        if key in evidence.occurrences:
            for p in fallbacks(pool):
                members.setdefault(p, []).append(key)
    # occurrence-to-occurrence noise, from the holidays seen more than once
    ss, dof = PRIOR_SIGMA_WEIGHT * PRIOR_SIGMA**2, PRIOR_SIGMA_WEIGHT
    for key in evidence.pool:
        occ = evidence.occurrences.get(key, [])
        if len(occ) >= 2:
            x = [_log_ratio(a, r) for a, r in occ]
            m = math.fsum(x) / len(x)
            ss += math.fsum((v - m) ** 2 for v in x)
            dof += len(x) - 1
    sigma2 = ss / dof
    mean: dict[str, float] = {}
    sd: dict[str, float] = {}
    own = {}
    for k in evidence.pool:
        occ = evidence.occurrences.get(k)
        if occ:
            own[k] = (_log_ratio(math.fsum(a for a, _ in occ), math.fsum(r for _, r in occ)), len(occ))
    for pool, keys in members.items():
        x = [own[k][0] for k in keys]
        n = [float(own[k][1]) for k in keys]
        mu = math.fsum(x) / len(x)
        if len(x) >= 2:
            var = math.fsum((v - mu) ** 2 for v in x) / (len(x) - 1)
            tau2 = max(var - math.fsum(sigma2 / nk for nk in n) / len(n), MIN_TAU**2)
        else:
            tau2 = PRIOR_TAU**2
        mean[pool] = mu
        sd[pool] = math.sqrt(tau2 * (1.0 + 1.0 / len(x)))
        for k, xk, nk in zip(keys, x, n):  # a holiday's own estimate is shrunk toward its nearest pool only
            if fallbacks(evidence.pool[k])[0] != pool:
                continue
            prec = nk / sigma2 + 1.0 / tau2
            mean[k] = (nk / sigma2 * xk + mu / tau2) / prec
            sd[k] = math.sqrt(1.0 / prec)
    return mean, sd


def learned(evidence: Evidence) -> Effects:
    """Multipliers per effect key from pooled evidence (with their log standard deviations in ``.sd``).

    First from intervals where one window acts alone; holiday parts within
    their pools (:func:`pooled_holidays`: a holiday never seen takes its
    country's pool, ``holiday@CA|core``). Then, for intervals where
    several windows act together and all but one of them have a multiplier
    (their own or their fallback's), the remaining one gets what is left of
    the ratio: the sale on Boxing Day is learned net of the holiday. Repeated
    while that teaches something new (at most ``LEARN_ROUNDS`` times).
    """
    out: dict[str, float] = {}
    for key, (a, r, n) in evidence.single.items():
        if r > 0:
            out[key] = _clipped(a, r)
    log_mean, log_sd = pooled_holidays(evidence)
    for key, v in log_mean.items():
        out[key] = min(max(math.exp(v), MULTIPLIER_BOUNDS[0]), MULTIPLIER_BOUNDS[1])

    def value(key: str, fallback: str | None, fixed: float | None) -> tuple[float | None, bool]:
        """A window's multiplier so far, and whether it is its own (not its fallback's)."""
        if fixed is not None:
            return fixed, True
        if key in out:
            return out[key], True
        for f in fallbacks(fallback):
            if f in out:
                return out[f], False
        return None, False

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
            others = math.prod(v for i, (v, _) in enumerate(values) if i != target[0])
            acc = residual.setdefault(combo[target[0]][0], [0.0, 0.0])
            acc[0] += a
            acc[1] += r * others
        new = {k: _clipped(a, r) for k, (a, r) in residual.items() if r > 0}
        new = {k: v for k, v in new.items() if out.get(k) != v}
        if not new:
            break
        out.update(new)
    return Effects(out, sd=log_sd)


def multiplier(ev: SeriesEvents, effects: dict[str, float], n: int) -> tuple[np.ndarray, list[str]]:
    """Product of the multipliers of every window covering each interval.

    Returns the multiplier per interval and the names of events that have no
    uplift and no past occurrence to learn from (they get no effect).
    """
    mult = np.ones(n)
    unknown: list[str] = []
    for w in ev.windows:
        m = _lookup(w, effects)[0]
        if m is None:
            if w.key.endswith("|core"):
                unknown.append(w.event)
            continue
        mult[w.index] *= m
    return mult, unknown


def _lookup(w: Window, effects: dict[str, float]) -> tuple[float | None, float]:
    """A window's multiplier (own, else its pools', nearest first) and the standard deviation of its log."""
    sd = getattr(effects, "sd", {})
    if w.fixed is not None:
        return w.fixed, 0.0
    for k in [w.key] + fallbacks(w.fallback):
        if k in effects:
            return effects[k], sd.get(k, 0.0)
    return None, 0.0


def effect_sd(ev: SeriesEvents, effects: dict[str, float], n: int) -> np.ndarray:
    """Standard deviation of the log event multiplier per interval (the windows' own, added in quadrature).

    A holiday that borrows its pool's effect is as uncertain as holidays
    differ from each other; one learned from its own occurrences much less.
    """
    var = np.zeros(n)
    for w in ev.windows:
        m, sd = _lookup(w, effects)
        if m is not None and sd > 0:
            var[w.index] += sd**2
    return np.sqrt(var)


def event_names(ev: SeriesEvents, n: int, lo: int) -> np.ndarray:
    """Names of the events acting on each interval from ``lo`` on (';'-joined)."""
    names = [[] for _ in range(n - lo)]
    for w in ev.windows:
        for i in w.index[(w.index >= lo) & (w.index < n)]:
            if w.event not in names[i - lo]:
                names[i - lo].append(w.event)
    return np.array(["; ".join(x) for x in names], dtype=object)
