"""Discrete-event simulation of a staffing plan against a forecast.

How we prove a plan: contacts arrive as a Poisson process at the forecast
rate of each interval, handle times are exponential with the interval's mean
(``aht_s``), callers on ``erlang_a`` channels abandon after an exponential
patience, chats follow the chat model of :func:`roster.queueing.chat_metrics`
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

import numpy as np
import pandas as pd

from forecast.errors import InputError
from roster.schema import ChannelTarget, Targets

SIM_COLUMNS = [
    "ds", "channel", "offered", "answered", "abandoned", "answered_in_target", "service_level", "asa_s",
    "occupancy", "backlog", "agents", "target_sl", "target_s", "model",
]


def _servers(agents: np.ndarray, t: ChannelTarget) -> np.ndarray:
    if t.model == "chat":
        return np.floor(agents * t.concurrency + 1e-9).astype(np.int64)
    return np.floor(agents + 1e-9).astype(np.int64)


def simulate_chat(volume: np.ndarray, aht_s: np.ndarray, agents: np.ndarray, interval_s: float, t: ChannelTarget, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Event-by-event simulation of the chat model: arrivals, completions at the agents' throughput, FIFO first replies."""
    from collections import deque

    from roster.queueing import chat_rate, single_chat_aht

    n = len(volume)
    k_max = t.max_concurrency
    offered = np.zeros(n, dtype=np.int64)
    answered = np.zeros(n)
    in_target = np.zeros(n)
    wait_sum = np.zeros(n)
    busy = np.zeros(n)
    backlog = np.zeros(n)
    queue: deque = deque()  # (arrival time, arrival interval)
    m = 0
    now = 0.0

    def rate(m_: int, agents_: int, aht1: float) -> float:
        if m_ <= 0:
            return 0.0
        nn = max(agents_, -(-m_ // k_max))  # agents finish the chats in hand
        q, r = divmod(m_, nn)
        return float(r * chat_rate(q + 1, aht1, t.handle_time_growth) + (nn - r) * chat_rate(q, aht1, t.handle_time_growth))

    for k in range(n):
        end = (k + 1) * interval_s
        lam = max(float(volume[k]), 0.0) / interval_s
        cap = int(agents[k]) * k_max
        aht1 = float(single_chat_aht(aht_s[k], t.concurrency, t.handle_time_growth))
        while queue and m < cap:  # more agents this interval: answer waiting chats
            arr, ka = queue.popleft()
            answered[ka] += 1
            wait_sum[ka] += now - arr
            in_target[ka] += (now - arr) <= t.target_s
            m += 1
        while True:
            mu = rate(m, int(agents[k]), aht1)
            total = lam + mu
            step = rng.exponential(1.0 / total) if total > 0 else np.inf
            if now + step >= end:
                busy[k] += m * (end - now)
                now = end
                break
            busy[k] += m * step
            now += step
            if rng.random() * total < lam:
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
                    in_target[ka] += (now - arr) <= t.target_s
                    m += 1
        backlog[k] = len(queue)
    capacity = np.asarray(agents, float) * interval_s * t.concurrency
    with np.errstate(divide="ignore", invalid="ignore"):
        sl = np.where(offered > 0, in_target / offered, np.nan)
        asa = np.where(answered > 0, wait_sum / answered, np.nan)
        occ = np.where(capacity > 0, busy / capacity, np.nan)
    return {"offered": offered, "answered": answered.astype(int), "abandoned": np.zeros(n, dtype=int), "answered_in_target": in_target.astype(int),
            "service_level": sl, "asa_s": asa, "occupancy": occ, "backlog": backlog}


def simulate_channel(
    volume: np.ndarray, aht_s: np.ndarray, agents: np.ndarray, interval_s: float, t: ChannelTarget, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Simulate one channel over consecutive intervals; arrays are per interval."""
    n = len(volume)
    servers = _servers(np.asarray(agents, float), t)
    counts = rng.poisson(np.maximum(np.asarray(volume, float), 0.0))
    idx = np.repeat(np.arange(n), counts)
    arrive = (idx + rng.random(len(idx))) * interval_s
    order = np.argsort(arrive, kind="stable")
    arrive, idx = arrive[order], idx[order]
    service = rng.exponential(1.0, len(idx)) * np.asarray(aht_s, float)[idx]
    patience = rng.exponential(t.patience_s, len(idx)) if t.model == "erlang_a" else np.full(len(idx), np.inf)
    horizon_end = n * interval_s

    busy: list[float] = []  # end times of contacts in service
    last_start = 0.0
    start = np.full(len(idx), np.nan)
    abandoned = np.zeros(len(idx), dtype=bool)
    busy_time = np.zeros(n)
    for i in range(len(idx)):
        tt = max(arrive[i], last_start)
        deadline = arrive[i] + patience[i]
        while True:
            while busy and busy[0] <= tt:
                heapq.heappop(busy)
            k = int(tt // interval_s)
            if k >= n:
                tt = np.inf
                break
            if len(busy) < servers[k]:
                break
            nxt_end = busy[0] if busy else np.inf
            nxt_boundary = (k + 1) * interval_s
            tt = min(nxt_end, nxt_boundary)
        if tt > deadline:
            abandoned[i] = True
            continue
        if not np.isfinite(tt):
            continue  # still waiting at the end of the horizon
        start[i] = tt
        last_start = tt
        end = tt + service[i]
        heapq.heappush(busy, end)
        # attribute busy time to intervals
        a, b = tt, min(end, horizon_end)
        ka, kb = int(a // interval_s), int(min(b, horizon_end - 1e-9) // interval_s)
        if ka == kb:
            busy_time[ka] += b - a
        else:
            busy_time[ka] += (ka + 1) * interval_s - a
            busy_time[ka + 1 : kb] += interval_s
            busy_time[kb] += b - kb * interval_s

    wait = start - arrive
    answered = ~np.isnan(start)
    in_target = answered & (wait <= t.target_s)
    offered = np.bincount(idx, minlength=n)
    ans = np.bincount(idx, weights=answered, minlength=n)
    ab = np.bincount(idx, weights=abandoned, minlength=n)
    ok = np.bincount(idx, weights=in_target, minlength=n)
    wsum = np.bincount(idx[answered], weights=wait[answered], minlength=n)
    # backlog at each interval end: arrived, not started and not abandoned by then
    ends = (np.arange(n) + 1) * interval_s
    started_by = np.searchsorted(np.sort(start[answered]), ends, side="right")
    arrived_by = np.searchsorted(arrive, ends, side="right")
    gone_at = np.sort(np.where(abandoned, arrive + patience, np.inf))
    abandoned_by = np.searchsorted(gone_at, ends, side="right")
    backlog = arrived_by - started_by - abandoned_by
    capacity = np.asarray(agents, float) * interval_s * (t.concurrency if t.model == "chat" else 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sl = np.where(offered > 0, ok / offered, np.nan)
        asa = np.where(ans > 0, wsum / ans, np.nan)
        occ = np.where(capacity > 0, busy_time / capacity, np.nan)
    return {
        "offered": offered, "answered": ans.astype(int), "abandoned": ab.astype(int), "answered_in_target": ok.astype(int),
        "service_level": sl, "asa_s": asa, "occupancy": occ, "backlog": np.maximum(backlog, 0),
    }


def simulate(demand: pd.DataFrame, staffing: pd.DataFrame, targets: Targets, *, seed: int = 0, runs: int = 1) -> pd.DataFrame:
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
        Targets and handling parameters per channel.
    seed : int
        Seed of the random arrivals, handle times and patience.
    runs : int
        Independent replications; counts are summed over them.
    """
    from roster.staffing import channel_totals

    if demand.empty:
        raise InputError.one("demand", "nothing to simulate: the demand is empty")
    d = channel_totals(demand, targets, "demand") if "tz" in demand.columns else demand.copy()
    d["aht_s"] = d["aht_s"].fillna(d["channel"].map({c: t.aht_s for c, t in targets.channels.items()}))
    s = staffing[["ds", "channel", "agents"]]
    merged = d.merge(s, on=["ds", "channel"], how="left").fillna({"agents": 0.0})
    u = np.sort(merged["ds"].unique())
    interval_s = float(np.min(np.diff(u)) / np.timedelta64(1, "s")) if len(u) > 1 else 900.0
    rng = np.random.default_rng(seed)
    parts = []
    for channel, g in merged.groupby("channel", sort=True):
        if channel not in targets.channels:
            raise InputError.one("demand", f"no target for channel {channel!r}")
        t = targets.channels[channel]
        g = g.sort_values("ds")
        total = None
        for _ in range(max(1, runs)):
            sim_fn = simulate_chat if t.model == "chat" else simulate_channel
            r = sim_fn(g["volume"].to_numpy(), g["aht_s"].to_numpy(), g["agents"].to_numpy(), interval_s, t, rng)
            if total is None:
                total = {k: np.nan_to_num(v.astype(float)) * (1 if k in ("offered", "answered", "abandoned", "answered_in_target", "backlog") else 0) for k, v in r.items()}
                extra = {k: [r[k]] for k in ("asa_s", "occupancy")}
            else:
                for k in ("offered", "answered", "abandoned", "answered_in_target", "backlog"):
                    total[k] += r[k]
                for k in ("asa_s", "occupancy"):
                    extra[k].append(r[k])
        runs_n = max(1, runs)
        with np.errstate(divide="ignore", invalid="ignore"):
            sl = np.where(total["offered"] > 0, total["answered_in_target"] / total["offered"], np.nan)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            asa = np.nanmean(np.vstack(extra["asa_s"]), axis=0)
            occ = np.nanmean(np.vstack(extra["occupancy"]), axis=0)
        parts.append(
            pd.DataFrame(
                {
                    "ds": g["ds"].to_numpy(), "channel": channel,
                    "offered": total["offered"] / runs_n, "answered": total["answered"] / runs_n,
                    "abandoned": total["abandoned"] / runs_n, "answered_in_target": total["answered_in_target"] / runs_n,
                    "service_level": np.round(sl, 4), "asa_s": np.round(asa, 1), "occupancy": np.round(occ, 4),
                    "backlog": total["backlog"] / runs_n, "agents": g["agents"].to_numpy(),
                    "target_sl": t.target_sl, "target_s": t.target_s, "model": t.model,
                }
            )
        )
    return pd.concat(parts, ignore_index=True).sort_values(["ds", "channel"], ignore_index=True)[SIM_COLUMNS]


def simulation_summary(sim: pd.DataFrame) -> pd.DataFrame:
    """Per channel: offered, simulated service level vs target, abandonment, share of intervals meeting the target."""
    rows = []
    for channel, g in sim.groupby("channel", sort=True):
        off = g["offered"].sum()
        busy = g[g["offered"] > 0]
        rows.append(
            {
                "channel": channel,
                "offered": off,
                "service_level": g["answered_in_target"].sum() / off if off else np.nan,
                "target_sl": g["target_sl"].iloc[0],
                "abandon_rate": g["abandoned"].sum() / off if off else 0.0,
                "asa_s": float((g["asa_s"] * g["answered"]).sum() / g["answered"].sum()) if g["answered"].sum() else np.nan,
                "intervals_meeting_target": float((busy["service_level"] >= busy["target_sl"]).mean()) if len(busy) else np.nan,
            }
        )
    return pd.DataFrame(rows)
