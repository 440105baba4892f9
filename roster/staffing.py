"""Staffing requirements per channel and interval from a forecast and the targets.

Each channel is staffed as its target means:

``erlang_c``
    Calls without abandonment: fewest agents with Erlang C service level
    within ``target_s`` at least ``target_sl`` and occupancy at most
    ``max_occupancy``.
``erlang_a``
    Calls with abandonment (exponential patience ``patience_s``): exact
    M/M/n+M, service level counting abandons as misses, optional cap on the
    abandonment rate.
``chat``
    Agents hold up to ``max_concurrency`` chats, and a chat's handle time
    grows with the number held (``handle_time_growth`` per extra chat;
    ``aht_s`` is the handle time measured at ``concurrency`` chats on
    average). The number of chats is a birth-death process with the agents'
    state-dependent throughput (:func:`roster.queueing.chat_metrics`, after
    Tezcan and Zhang 2014); fewest agents whose first-reply service level
    meets the target.
``deferred``
    Email and social: a backlog answered within ``target_s``
    (:mod:`roster.deferred`).

``agents_net`` is agents needed on the channel; ``agents_required`` is what the
roster must schedule on it: ``agents_net / (1 - shrinkage)`` rounded up
(shrinkage covers absence, training and meetings; breaks are scheduled in the
roster and not counted as working time there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.errors import InputError
from roster import deferred as dfr
from roster import queueing as q
from roster.schema import ChannelTarget, Targets

REQUIREMENT_COLUMNS = [
    "ds", "channel", "volume", "aht_s", "agents_net", "agents_net_exact", "agents_required",
    "target_sl", "target_s", "predicted_sl", "predicted_asa_s", "predicted_abandon_rate",
    "predicted_occupancy", "backlog", "shrinkage", "model",
]


def channel_totals(forecast: pd.DataFrame, targets: Targets, file: str = "forecast") -> pd.DataFrame:
    """Sum customer zones per channel and interval; handle time weighted by volume, defaulting to the target's."""
    unknown = sorted(set(forecast["channel"]) - set(targets.channels))
    if unknown:
        raise InputError.one(
            file, f"no target for channel(s) {', '.join(unknown)}; the targets file covers {', '.join(targets.channels)}"
        )
    f = forecast.copy()
    default = f["channel"].map({c: t.aht_s for c, t in targets.channels.items()})
    aht = f["aht_s"] if "aht_s" in f else pd.Series(np.nan, index=f.index)
    f["aht_s"] = aht.where(aht > 0, default)
    f["work"] = f["volume"] * f["aht_s"]
    g = f.groupby(["ds", "channel"], as_index=False).agg(volume=("volume", "sum"), work=("work", "sum"))
    g["aht_s"] = np.where(g["volume"] > 0, g["work"] / g["volume"].where(g["volume"] > 0), g["channel"].map(default.groupby(f["channel"]).first()))
    return g.drop(columns="work")


def _interval_s(ds: pd.Series) -> float:
    u = np.sort(ds.unique())
    return float(np.min(np.diff(u)) / np.timedelta64(1, "s")) if len(u) > 1 else 900.0


def staff_channel(g: pd.DataFrame, t: ChannelTarget, interval_s: float, channel: str, peak_correction: bool = False) -> pd.DataFrame:
    """Requirements for one channel's intervals (sorted by ``ds``)."""
    vol = g["volume"].to_numpy(dtype=float)
    aht = g["aht_s"].to_numpy(dtype=float)
    if np.isnan(vol).any() or (vol < 0).any():
        bad = g.loc[np.isnan(vol) | (vol < 0), "ds"].iloc[0]
        raise InputError.one("forecast", f"channel {channel}: volume missing or negative at {bad:%Y-%m-%d %H:%M}Z")
    lam = vol / interval_s
    if peak_correction and t.model != "deferred":
        # staff for the load actually in the system when arrivals change fast (modified offered load)
        lam = q.modified_offered_load(lam, aht, interval_s) / aht
    a = lam * aht
    out = pd.DataFrame({"ds": g["ds"].to_numpy(), "channel": channel, "volume": vol, "aht_s": aht})
    backlog = np.full(len(vol), np.nan)
    if t.model == "erlang_c":
        n = q.erlang_c_agents(a, aht, t.target_s, t.target_sl, t.max_occupancy)
        m = q.erlang_c_metrics(n, a, aht, t.target_s)
        exact = n.astype(float)
    elif t.model == "erlang_a":
        n = q.erlang_a_agents(lam, aht, t.patience_s, t.target_s, t.target_sl, t.max_abandon_rate, t.max_occupancy)
        m = q.erlang_a_metrics(n, lam, aht, t.patience_s, t.target_s)
        exact = n.astype(float)
    elif t.model == "chat":
        n = q.chat_agents(lam, aht, t.target_s, t.target_sl, t.concurrency, t.max_concurrency, t.handle_time_growth, t.max_occupancy)
        m = q.chat_metrics(n, lam, aht, t.target_s, t.concurrency, t.max_concurrency, t.handle_time_growth)
        exact = n.astype(float)
    else:
        if t.open_from is not None:
            raise InputError.one(
                "targets", f"channels.{channel}: opening hours (open_from/open_until) are not supported for deferred work yet; remove them"
            )
        work = vol * aht
        exact = dfr.deferred_agents(work, interval_s, t.target_s, t.max_occupancy, warmup_s=_warmup(work, interval_s, t.target_s))
        n = np.ceil(exact - 1e-9).astype(np.int64)
        m = dfr.fifo_backlog(vol, aht, exact, interval_s, t.target_s, t.max_occupancy)
        m["abandon_rate"] = np.zeros(len(vol))
        backlog = m["backlog"]
    out["agents_net"] = n.astype(np.int64)
    out["agents_net_exact"] = np.round(exact, 4)
    base = exact if t.model == "deferred" else n.astype(float)
    out["agents_required"] = np.ceil(base / (1.0 - t.shrinkage) - 1e-9).astype(np.int64)
    out["target_sl"] = t.target_sl
    out["target_s"] = t.target_s
    out["predicted_sl"] = np.round(m["sl"], 4)
    out["predicted_asa_s"] = np.round(m["asa_s"], 2)
    out["predicted_abandon_rate"] = np.round(m["abandon_rate"], 4)
    out["predicted_occupancy"] = np.round(m["occupancy"], 4)
    out["backlog"] = np.round(backlog, 2)
    out["shrinkage"] = t.shrinkage
    out["model"] = t.model
    return out


def _warmup(work: np.ndarray, interval_s: float, target_s: float) -> np.ndarray:
    """Work assumed to arrive just before the horizon: the same hours one week later (or the first ones)."""
    d = dfr.window_intervals(target_s, interval_s)
    week = int(round(7 * 86400 / interval_s))
    if d <= 1:
        return np.zeros(0)
    if len(work) >= week + d:
        return work[week - (d - 1) : week]
    return np.resize(work[: d - 1], d - 1)


def required_staff(
    forecast: pd.DataFrame, targets: Targets, *, interval_min: int | None = None, file: str = "forecast", peak_correction: bool = False
) -> pd.DataFrame:
    """Staffing requirements per channel and interval.

    Parameters
    ----------
    forecast : DataFrame
        ``ds`` (UTC interval start), ``channel``, ``volume``, optional ``tz``
        (customer zones are summed) and ``aht_s`` (seconds; missing values use
        the target's default).
    targets : Targets
        Service targets per channel.
    interval_min : int, optional
        Staffing grid in minutes; None keeps the forecast's grid. A coarser
        grid sums the volume.
    peak_correction : bool
        Staff calls and chats for the modified offered load
        (:func:`roster.queueing.modified_offered_load`) instead of the
        stationary one: it matters where volume changes sharply from one
        interval to the next relative to the handle time (a flash sale's
        start, the evening chat peak).
    """
    if forecast.empty:
        raise InputError.one(file, "the forecast is empty")
    totals = channel_totals(forecast, targets, file)
    if interval_min is not None:
        native = _interval_s(totals["ds"]) / 60
        if interval_min != native:
            if interval_min < native or interval_min % native:
                raise InputError.one("--interval-min", f"cannot staff a {interval_min}-minute grid from a {native:.0f}-minute forecast")
            totals = totals.assign(work=totals["volume"] * totals["aht_s"], ds=totals["ds"].dt.floor(f"{interval_min}min"))
            totals = totals.groupby(["ds", "channel"], as_index=False).agg(volume=("volume", "sum"), work=("work", "sum"))
            totals["aht_s"] = totals["work"] / totals["volume"].where(totals["volume"] > 0)
            totals["aht_s"] = totals["aht_s"].fillna(totals["channel"].map({c: t.aht_s for c, t in targets.channels.items()}))
            totals = totals.drop(columns="work")
    interval_s = _interval_s(totals["ds"])
    parts = []
    for channel, g in totals.groupby("channel", sort=True):
        g = g.sort_values("ds")
        try:
            parts.append(staff_channel(g, targets.channels[channel], interval_s, channel, peak_correction))
        except ValueError as exc:
            raise InputError.one("targets", f"channels.{channel}: {exc}") from None
    req = pd.concat(parts, ignore_index=True).sort_values(["ds", "channel"], ignore_index=True)
    return req[REQUIREMENT_COLUMNS]
