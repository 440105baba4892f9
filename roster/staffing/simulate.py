"""Discrete-event simulation of a staffing plan against a forecast.

How we prove a plan: contacts arrive as a Poisson process at the forecast
rate of each interval, handle times are exponential with the interval's mean
(``aht_s``), callers on ``erlang_a`` channels abandon after an exponential
patience, chats follow the chat model of :func:`roster.staffing.queueing.chat_metrics`
(agents hold up to ``max_concurrency`` chats, a chat's handle time grows with
the number held; simulated as the birth-death process itself), and email
and social are a backlog worked first-in-first-out by the agents on them,
carried across intervals. Service is first-come-first-served and
non-preemptive; when staffing drops at an interval boundary, agents finish
the contact in hand.

Per interval (of arrival) and channel the result has ``offered``,
``answered``, ``abandoned``, ``answered_in_target``, ``service_level`` (share
of offered answered within ``target_s``, abandons count as misses),
``asa_s`` (mean wait of answered contacts), ``occupancy`` (busy share of the
scheduled capacity) and ``backlog`` (contacts waiting at the interval's end),
with ``target_sl`` beside.
"""

from __future__ import annotations

import heapq
import warnings
from collections import deque

import numpy as np
import pandas as pd

from forecast import tables
from forecast.errors import InputError
from forecast.timegrid import TimeGrid
from roster.schema import ChannelTarget, Targets
from roster.staffing.deferred import open_seconds
from roster.staffing.queueing import single_chat_aht
from roster.staffing.requirements import channel_totals

SIM_COLUMNS = list(tables.SIMULATION.names)  # named in forecast/tables.py


def _servers(agents: np.ndarray, t: ChannelTarget) -> np.ndarray:
    if t.model == "chat":
        return np.floor(agents * t.concurrency + 1e-9).astype(np.int64)
    return np.floor(agents + 1e-9).astype(np.int64)


class _Draws:
    """Standard exponential and uniform random numbers drawn in blocks (an event loop takes them one by one)."""

    def __init__(self, rng: np.random.Generator, block: int = 65_536):
        self._rng, self._block = rng, block
        self._exp: list[float] = []
        self._uni: list[float] = []

    def exponential(self) -> float:
        if not self._exp:
            self._exp = self._rng.standard_exponential(self._block).tolist()
        return self._exp.pop()

    def uniform(self) -> float:
        if not self._uni:
            self._uni = self._rng.random(self._block).tolist()
        return self._uni.pop()


def simulate_chat(volume: np.ndarray, aht_s: np.ndarray, agents: np.ndarray, interval_s: float, t: ChannelTarget, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Event-by-event simulation of the chat model: arrivals, completions at the agents' throughput, FIFO first replies."""

    n = len(volume)
    k_max = t.max_concurrency
    # per-interval tallies as Python lists: the event loop updates them one at a time
    offered = [0] * n
    answered = [0] * n
    in_target = [0] * n
    wait_sum = [0.0] * n
    busy = [0.0] * n
    backlog = [0] * n
    queue: deque = deque()  # (arrival time, arrival interval)
    m = 0
    now = 0.0
    growth = t.handle_time_growth
    # throughput of one agent holding j chats, in units of 1 / (single-chat handle time)
    phi = [j / (1.0 + growth * max(j - 1, 0)) for j in range(k_max + 2)]
    target_s = t.target_s
    draws = _Draws(rng)

    def rate(m_: int, agents_: int, aht1: float) -> float:
        if m_ <= 0:
            return 0.0
        nn = max(agents_, -(-m_ // k_max))  # agents finish the chats in hand
        q, r = divmod(m_, nn)
        return (r * phi[q + 1] + (nn - r) * phi[q]) / aht1

    vol = np.maximum(np.asarray(volume, float), 0.0).tolist()
    staff = [int(v) for v in agents]
    aht1s = np.asarray(single_chat_aht(np.asarray(aht_s, float), t.concurrency, growth), float).tolist()
    for k in range(n):
        end = (k + 1) * interval_s
        lam = vol[k] / interval_s
        n_k = staff[k]
        cap = n_k * k_max
        aht1 = aht1s[k]
        while queue and m < cap:  # more agents this interval: answer waiting chats
            arr, ka = queue.popleft()
            answered[ka] += 1
            wait_sum[ka] += now - arr
            in_target[ka] += (now - arr) <= target_s
            m += 1
        while True:
            mu = rate(m, n_k, aht1)
            total = lam + mu
            if total <= 0:
                now = end
                break
            step = draws.exponential() / total
            if now + step >= end:
                busy[k] += m * (end - now)
                now = end
                break
            busy[k] += m * step
            now += step
            if draws.uniform() * total < lam:
                offered[k] += 1
                if m < cap:
                    answered[k] += 1
                    in_target[k] += 1
                    m += 1
                else:
                    queue.append((now, k))
            else:
                m -= 1
                if queue and m < cap:
                    arr, ka = queue.popleft()
                    answered[ka] += 1
                    wait_sum[ka] += now - arr
                    in_target[ka] += (now - arr) <= target_s
                    m += 1
        backlog[k] = len(queue)
    censored = [0] * n  # still waiting at the end, not yet past the target: outcome unknown
    for arr, ka in queue:
        censored[ka] += (now - arr) <= target_s
    offered, answered, in_target = np.array(offered), np.array(answered, float), np.array(in_target, float)
    wait_sum, busy, backlog, censored = np.array(wait_sum), np.array(busy), np.array(backlog, float), np.array(censored)
    capacity = np.asarray(agents, float) * interval_s * t.concurrency
    with np.errstate(divide="ignore", invalid="ignore"):
        sl = np.where(offered > censored, in_target / (offered - censored), np.nan)
        asa = np.where(answered > 0, wait_sum / answered, np.nan)
        occ = np.where(capacity > 0, busy / capacity, np.nan)
    return {"offered": offered, "answered": answered.astype(int), "abandoned": np.zeros(n, dtype=int), "answered_in_target": in_target.astype(int),
            "censored": censored, "service_level": sl, "asa_s": asa, "occupancy": occ, "backlog": backlog}


def _busy_per_interval(start: np.ndarray, end: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Seconds of service inside each interval ``[bounds[k], bounds[k+1])``, summed over contacts served over ``[start, end)``."""

    def integral(x: np.ndarray, times: np.ndarray) -> np.ndarray:  # sum over contacts of max(0, x - time)
        times = np.sort(times)
        before = np.searchsorted(times, x, side="left")
        csum = np.concatenate([[0.0], np.cumsum(times)])
        return before * x - csum[before]

    total = integral(bounds, start) - integral(bounds, end)
    return np.diff(total)


def simulate_channel(
    volume: np.ndarray,
    aht_s: np.ndarray,
    agents: np.ndarray,
    interval_s: float,
    t: ChannelTarget,
    rng: np.random.Generator,
    open_s: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Simulate one call or deferred channel over consecutive intervals; arrays are per interval.

    Multi-server first-come-first-served queue with Poisson arrivals (uniform
    within each interval), exponential handle times and, on ``erlang_a``
    channels, exponential patience. ``open_s`` (seconds open per interval,
    :func:`roster.staffing.deferred.open_seconds`) makes it run on the business clock:
    contacts arriving while closed wait for the opening, agents work only
    while open and waits count open seconds. Calls count as answered in
    target when their wait is within ``target_s``; deferred contacts when
    their reply is sent (handling finished) within ``target_s``, and their
    ``asa_s`` is the time to that reply. Contacts still waiting at the end
    whose target time is not yet up are ``censored``: counted as offered, left
    out of the service level.
    """
    n = len(volume)
    open_s = np.full(n, float(interval_s)) if open_s is None else np.asarray(open_s, float)
    bounds = np.concatenate([[0.0], np.cumsum(open_s)])  # business clock at interval starts (and the end)
    servers = np.where(open_s > 0, _servers(np.asarray(agents, float), t), 0)
    counts = rng.poisson(np.maximum(np.asarray(volume, float), 0.0))
    idx = np.repeat(np.arange(n), counts)
    arrive = bounds[idx] + rng.random(len(idx)) * open_s[idx]
    order = np.argsort(arrive, kind="stable")
    arrive, idx = arrive[order], idx[order]
    service = rng.exponential(1.0, len(idx)) * np.asarray(aht_s, float)[idx]
    patience = rng.exponential(t.patience_s, len(idx)) if t.model == "erlang_a" else np.full(len(idx), np.inf)
    horizon_end = float(bounds[-1])

    # The heap and the interval index k are the system's state at the clock time
    # the callers have been followed to; it only moves forward. A caller waits
    # from max(arrival, previous start) (first come, first served) and the
    # clock steps to the next completion or interval edge only while that event
    # comes before the caller's deadline: a caller who gives up first leaves
    # the later completions and intervals to the callers behind.
    busy: list[float] = []  # end times of contacts in service
    last_start = 0.0
    k = 0
    edges, staff = bounds.tolist(), servers.tolist()
    start = [np.nan] * len(idx)
    for i, (arr, pat) in enumerate(zip(arrive.tolist(), patience.tolist())):
        tt = arr if arr > last_start else last_start
        deadline = arr + pat
        if tt > deadline:
            continue  # the caller ahead started only after this one had given up
        while True:
            while busy and busy[0] <= tt:
                heapq.heappop(busy)
            while k < n and edges[k + 1] <= tt:
                k += 1
            if k >= n or len(busy) < staff[k]:
                break
            nxt = busy[0] if busy and busy[0] < edges[k + 1] else edges[k + 1]
            if nxt > deadline:
                break  # gives up before the next completion or staffing change
            tt = nxt
        if k >= n or len(busy) >= staff[k]:
            continue  # gave up, or still waiting at the end of the horizon
        start[i] = tt
        last_start = tt
        heapq.heappush(busy, tt + service[i])

    start = np.array(start)
    answered = ~np.isnan(start)
    abandoned = ~answered & (arrive + patience <= horizon_end)  # not answered, patience up within the horizon
    deferred = t.model == "deferred"
    reply = np.where(answered, start + (service if deferred else 0.0), np.inf)
    in_target = answered & (reply - arrive <= t.target_s)
    censored = ~answered & ~abandoned & (arrive + t.target_s > horizon_end)
    offered = np.bincount(idx, minlength=n)
    ans = np.bincount(idx, weights=answered, minlength=n)
    ab = np.bincount(idx, weights=abandoned, minlength=n)
    ok = np.bincount(idx, weights=in_target, minlength=n)
    cen = np.bincount(idx, weights=censored, minlength=n)
    wsum = np.bincount(idx[answered], weights=(reply - arrive)[answered], minlength=n)
    # backlog at each interval end: arrived, not started and not abandoned by then
    arrived_by = np.cumsum(offered)
    started_by = np.searchsorted(np.sort(start[answered]), bounds[1:], side="left")
    gone_by = np.searchsorted(np.sort(np.where(abandoned, arrive + patience, np.inf)), bounds[1:], side="right")
    backlog = arrived_by - started_by - gone_by
    ends = np.minimum(start[answered] + service[answered], horizon_end)
    busy_time = _busy_per_interval(np.minimum(start[answered], horizon_end), ends, bounds)
    capacity = np.asarray(agents, float) * open_s
    with np.errstate(divide="ignore", invalid="ignore"):
        sl = np.where(offered > cen, ok / (offered - cen), np.nan)
        asa = np.where(ans > 0, wsum / ans, np.nan)
        occ = np.where(capacity > 0, busy_time / capacity, np.nan)
    return {
        "offered": offered, "answered": ans.astype(int), "abandoned": ab.astype(int), "answered_in_target": ok.astype(int),
        "censored": cen.astype(int), "service_level": sl, "asa_s": asa, "occupancy": occ, "backlog": np.maximum(backlog, 0),
    }


_SUMMED = ("offered", "answered", "abandoned", "answered_in_target", "censored", "backlog")


def simulate(
    demand: pd.DataFrame, staffing: pd.DataFrame, targets: Targets, *, grid: TimeGrid, seed: int = 0, runs: int = 1
) -> pd.DataFrame:
    """Simulate the staffing against the demand, per interval and channel.

    Parameters
    ----------
    demand : DataFrame
        ``ds`` (UTC interval start), ``channel``, ``volume`` (expected
        contacts), ``aht_s`` (seconds). Zones are summed if a ``tz`` column is
        present.
    staffing : DataFrame
        ``ds``, ``channel``, ``agents`` (agents working the channel; a
        roster's coverage ``scheduled``). Missing intervals have no agents.
    targets : Targets
        Targets and handling parameters per channel (opening hours of
        deferred channels included).
    grid : TimeGrid
        The demand's grid (every ``ds`` one of its interval starts).
    seed : int
        Seed of the random arrivals, handle times and patience.
    runs : int
        Independent replications of the whole horizon. Counts are averaged
        over them; ``service_level`` is the interval's total answered in
        target over its total offered (less censored), an estimate of its
        expected service level, and ``service_level_se`` its Monte Carlo
        standard error (ratio estimator over the runs; NaN with one run).

    Returns
    -------
    DataFrame
        :data:`SIM_COLUMNS`, one row per channel and interval.
    """

    if demand.empty:
        raise InputError.one("demand", "nothing to simulate: the demand is empty")
    d = channel_totals(demand, targets, "demand") if "tz" in demand.columns else demand.copy()
    d["aht_s"] = d["aht_s"].fillna(d["channel"].map({c: t.aht_s for c, t in targets.channels.items()}))
    s = staffing[["ds", "channel", "agents"]]
    merged = d.merge(s, on=["ds", "channel"], how="left").fillna({"agents": 0.0})
    grid.positions(merged["ds"], file="demand")
    interval_s = grid.interval_s
    rng = np.random.default_rng(seed)
    runs_n = max(1, runs)
    parts = []
    for channel, g in merged.groupby("channel", sort=True):
        if channel not in targets.channels:
            raise InputError.one("demand", f"no target for channel {channel!r}")
        t = targets.channels[channel]
        g = g.sort_values("ds")
        open_s = open_seconds(g["ds"], interval_s, t.open_from, t.open_until, t.open_tz) if t.model == "deferred" else None
        per_run = []
        for _ in range(runs_n):
            args = (g["volume"].to_numpy(), g["aht_s"].to_numpy(), g["agents"].to_numpy(), interval_s, t, rng)
            per_run.append(simulate_chat(*args) if t.model == "chat" else simulate_channel(*args, open_s=open_s))
        total = {k: np.sum([np.asarray(r[k], float) for r in per_run], axis=0) for k in _SUMMED}
        ok = np.array([r["answered_in_target"] for r in per_run], float)
        known = np.array([r["offered"] - r["censored"] for r in per_run], float)
        with np.errstate(divide="ignore", invalid="ignore"):
            sl = np.where(known.sum(axis=0) > 0, ok.sum(axis=0) / known.sum(axis=0), np.nan)
            if runs_n > 1:
                resid = ((ok - sl * known) ** 2).sum(axis=0) / (runs_n * (runs_n - 1))
                se = np.sqrt(resid) / known.mean(axis=0)
            else:
                se = np.full(len(g), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            asa = np.nanmean(np.vstack([r["asa_s"] for r in per_run]), axis=0)
            occ = np.nanmean(np.vstack([r["occupancy"] for r in per_run]), axis=0)
        parts.append(
            pd.DataFrame(
                {
                    "ds": g["ds"].to_numpy(), "channel": channel,
                    "offered": total["offered"] / runs_n, "answered": total["answered"] / runs_n,
                    "abandoned": total["abandoned"] / runs_n, "answered_in_target": total["answered_in_target"] / runs_n,
                    "service_level": np.round(sl, 4), "asa_s": np.round(asa, 1), "occupancy": np.round(occ, 4),
                    "backlog": total["backlog"] / runs_n, "agents": g["agents"].to_numpy(),
                    "target_sl": t.target_sl, "target_s": t.target_s, "model": t.model,
                    "censored": total["censored"] / runs_n, "service_level_se": np.round(se, 4),
                }
            )
        )
    return pd.concat(parts, ignore_index=True).sort_values(["ds", "channel"], ignore_index=True)[SIM_COLUMNS]


def simulation_summary(sim: pd.DataFrame) -> pd.DataFrame:
    """Per channel: offered, simulated service level vs target, abandonment and the intervals meeting the target.

    ``service_level`` is answered in target over offered (less censored) for
    the whole channel. Over the intervals with contacts,
    ``intervals_meeting_target`` is the share whose simulated service level
    is at least the target (with one run, one day's luck; with many, the
    interval's expected service level), and ``intervals_not_below_target``
    the share not significantly below it: service level plus twice its
    standard error at least the target (NaN without a standard error, i.e.
    one run).
    """
    rows = []
    for channel, g in sim.groupby("channel", sort=True):
        off = g["offered"].sum()
        cen = g["censored"].sum() if "censored" in g else 0.0
        busy = g[(g["offered"] > 0) & g["service_level"].notna()]
        se = busy["service_level_se"] if "service_level_se" in busy else pd.Series(np.nan, index=busy.index)
        rows.append(
            {
                "channel": channel,
                "offered": off,
                "service_level": g["answered_in_target"].sum() / (off - cen) if off > cen else np.nan,
                "target_sl": g["target_sl"].iloc[0],
                "abandon_rate": g["abandoned"].sum() / off if off else 0.0,
                "asa_s": float((g["asa_s"] * g["answered"]).sum() / g["answered"].sum()) if g["answered"].sum() else np.nan,
                "intervals_meeting_target": float((busy["service_level"] >= busy["target_sl"]).mean()) if len(busy) else np.nan,
                "intervals_not_below_target": float((busy["service_level"] + 2 * se >= busy["target_sl"]).mean())
                if len(busy) and se.notna().all() else np.nan,
                "intervals": int(len(busy)),
            }
        )
    return pd.DataFrame(rows)


def available_agents(coverage: pd.DataFrame, targets) -> pd.DataFrame:
    """Agents expected at work on each channel: scheduled less the channel's shrinkage, rounded.

    Shrinkage (absence, training, meetings) is why requirements are grossed up;
    the simulation takes it back off so it tests the service customers get.
    """
    shrink = coverage["channel"].map({c: t.shrinkage for c, t in targets.channels.items()}).fillna(0.0)
    agents = np.round(coverage["scheduled"] * (1.0 - shrink) + 1e-9)
    return pd.DataFrame({"ds": coverage["ds"], "channel": coverage["channel"], "agents": agents})


#: Replications when a roster is checked: each interval's service level is then
#: its expected one, not one day's luck (20 runs of the sample's week: ~1.5 s).
ROSTER_RUNS = 20


def simulate_roster(
    requirements: pd.DataFrame, coverage: pd.DataFrame, targets: Targets, *, grid: TimeGrid, seed: int = 0, runs: int = ROSTER_RUNS
) -> pd.DataFrame:
    """Simulate the forecast demand of ``requirements`` against the agents a roster's ``coverage`` puts on each channel.

    The demand is the requirements' mean ``volume`` and ``aht_s`` over the
    intervals ``coverage`` covers; the agents are :func:`available_agents`.
    ``grid`` is the requirements' (and the roster's) grid. Returns
    :func:`simulate`'s frame (per channel and interval).
    """
    demand = requirements.loc[requirements["ds"].isin(coverage["ds"].unique()), ["ds", "channel", "volume", "aht_s"]]
    return simulate(demand, available_agents(coverage, targets), targets, grid=grid, seed=seed, runs=runs)
