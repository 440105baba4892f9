"""Deferred work (email, social): a backlog answered within hours, not a queue in seconds.

A target like "90% answered within 4 hours" is met when the work that arrives
in each interval is done within the next ``d = target_s / interval`` intervals.
Spreading each interval's work evenly over its next ``d`` intervals does that
for every contact, so the staffing it implies (the trailing moving average of
the workload over ``d`` intervals) lets a first-in-first-out backlog meet the
target for 100% of contacts; FIFO minimises the worst lateness, so it cannot
do worse than that allocation. We staff to that level (the stricter reading of
the target) and report the share actually answered in time by a FIFO backlog
run with the staffing given, and the backlog curve.
"""

from __future__ import annotations

import numpy as np


def window_intervals(target_s: float, interval_s: float) -> int:
    return max(1, int(np.floor(target_s / interval_s)))


def deferred_agents(work_s: np.ndarray, interval_s: float, target_s: float, max_occupancy: float, warmup_s: np.ndarray | None = None) -> np.ndarray:
    """Agents (fractional) per interval so that FIFO meets the response target.

    Parameters
    ----------
    work_s : array
        Handle-time seconds arriving per interval.
    interval_s : float
        Interval length in seconds.
    target_s : float
        Response-time target in seconds.
    max_occupancy : float
        Share of an agent's available time spent on the work.
    warmup_s : array, optional
        Work arriving in the intervals just before the first one (oldest
        first), which the first intervals must still finish.
    """
    d = window_intervals(target_s, interval_s)
    w = np.asarray(work_s, dtype=float)
    pad = np.zeros(d - 1) if warmup_s is None else np.asarray(warmup_s, float)[-(d - 1):] if d > 1 else np.zeros(0)
    if len(pad) < d - 1:
        pad = np.concatenate([np.zeros(d - 1 - len(pad)), pad])
    full = np.concatenate([pad, w])
    c = np.concatenate([[0.0], np.cumsum(full)])
    moving = (c[d:] - c[:-d]) / d
    return moving / (interval_s * max_occupancy)


def fifo_backlog(volume: np.ndarray, aht_s: np.ndarray, agents: np.ndarray, interval_s: float, target_s: float, max_occupancy: float) -> dict[str, np.ndarray]:
    """Run a fluid FIFO backlog and score each interval's arrivals against the target.

    Returns per interval: ``sl`` (share of that interval's contacts answered
    within ``target_s``), ``backlog`` (contacts waiting at the interval's end),
    ``occupancy`` (share of agent capacity used) and ``asa_s`` (mean time to answer).
    """
    vol = np.asarray(volume, float)
    work = vol * np.asarray(aht_s, float)
    cap = np.asarray(agents, float) * interval_s * max_occupancy
    n = len(vol)
    done_work = np.zeros(n)
    backlog_work = 0.0
    for t in range(n):
        avail = backlog_work + work[t]
        done_work[t] = min(avail, cap[t])
        backlog_work = avail - done_work[t]
    cum_arr = np.cumsum(work)
    cum_done = np.cumsum(done_work)
    d = window_intervals(target_s, interval_s)
    # work of interval t is finished once cumulative done reaches cum_arr[t]
    finish_idx = np.searchsorted(cum_done, cum_arr - 1e-9)
    late_by = finish_idx - np.arange(n)
    # fraction of interval t's work done by the end of interval t + d - 1 (its deadline)
    deadline = np.minimum(np.arange(n) + d - 1, n - 1)
    prev = np.concatenate([[0.0], cum_arr[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip((cum_done[deadline] - prev) / work, 0.0, 1.0)
    frac = np.where(work > 0, frac, 1.0)
    # beyond the horizon we cannot tell: treat unfinished work near the end as on time if the deadline is past the end
    frac = np.where((np.arange(n) + d - 1 >= n) & (finish_idx >= n), np.nan, frac)
    with np.errstate(divide="ignore", invalid="ignore"):
        aht_mean = np.where(vol > 0, work / vol, np.nan)
        backlog = np.concatenate([np.maximum(cum_arr - cum_done, 0.0)]) / np.nanmean(aht_mean) if np.isfinite(np.nanmean(aht_mean)) else np.zeros(n)
        occ = np.where(cap > 0, done_work / (np.asarray(agents, float) * interval_s), 0.0)
    asa = np.maximum(late_by, 0) * interval_s + interval_s / 2
    asa = np.where(finish_idx >= n, np.nan, asa)
    return {"sl": frac, "backlog": backlog, "occupancy": occ, "asa_s": asa}
