"""Staffing requirements per queue and per channel and interval from a forecast and the targets.

Each queue is staffed on its own, with its own target (``[queues.NAME]`` in targets.toml, inheriting every field
it does not set from its channel's) and its own handle time; a history without queues has one queue per channel,
named as it, staffed with the channel's target. A channel's requirement, what the roster covers, is the **sum of
its queues'** (:func:`channel_requirements`): each queue is taken to be answered by agents dedicated to it while
they serve it, so no pooling across queues is assumed. That is the conservative rule: exact for dedicated agents
(the usual case where queues are languages, brands or a VIP line with its own service level), an upper bound for
agents fully cross-skilled over the channel's queues (pooling them would need fewer, by the square-root staffing
effect); it never asks fewer agents than the queues need. A channel with one queue is staffed exactly as before.

Each queue is staffed as its target means:

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
    state-dependent throughput (:func:`roster.staffing.queueing.chat_metrics`, after
    Tezcan and Zhang 2014); fewest agents whose first-reply service level
    meets the target.
``deferred``
    Email and social: a first-in-first-out backlog of which ``target_sl`` of
    each arrival interval's contacts are answered within ``target_s`` of open
    time, with optional opening hours; the fewest agent-hours on a curve a
    roster can follow, from a linear programme (:mod:`roster.staffing.deferred`).

Calls and chats are staffed by default for the modified offered load
(:func:`roster.staffing.queueing.modified_offered_load`): the load actually in the
system when volume changes from one interval to the next, so the staffing
stays up while a peak's contacts are still being handled. Simulated on the
sample (100 replications of 4 weeks), stationary staffing
(``peak_correction=False``) left 6% of voice intervals with an expected
service level below target, mostly just after a peak; the correction, 2%,
for 3.5% more voice agent-hours.

A channel with ``volume_quantile = 0.9`` in the targets (or every channel,
with ``volume_quantile=0.9`` here) is staffed for the forecast's 90% quantile
of volume (``volume_hi``) instead of its mean (``volume_quantile="mean"``
here staffs every channel for the mean, whatever the targets say); customer
zones' quantiles are summed, which is at least the quantile of the sum.

``agents_net`` is agents needed on the channel; ``agents_required`` is what the
roster must schedule on it: ``agents_net / (1 - shrinkage)`` rounded up
(shrinkage covers absence, training and meetings; breaks are scheduled in the
roster and not counted as working time there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast import tables
from forecast.errors import InputError
from forecast.timegrid import TimeGrid
from roster.staffing import deferred as dfr
from roster.staffing import queueing as q
from roster.schema import VOLUME_QUANTILES, ChannelTarget, Targets

REQUIREMENT_COLUMNS = list(tables.REQUIREMENTS.names)  # named in forecast/tables.py
QUEUE_REQUIREMENT_COLUMNS = list(tables.REQUIREMENTS_BY_QUEUE.names)

#: intervals listed in one error message before the rest are counted
_SHOWN = 5


def _when(ds) -> str:
    return f"{pd.Timestamp(ds):%Y-%m-%d %H:%M}Z"


def _listed(stamps) -> str:
    stamps = list(stamps)
    more = f" and {len(stamps) - _SHOWN} more" if len(stamps) > _SHOWN else ""
    return ", ".join(_when(s) for s in stamps[:_SHOWN]) + more


#: ``volume_quantile`` that staffs every channel for the mean forecast, overriding the targets' settings.
MEAN = "mean"


def queue_targets(forecast: pd.DataFrame, targets: Targets, file: str = "forecast") -> dict[str, tuple[str, ChannelTarget]]:
    """Each queue of ``forecast`` (``queue`` column; without it one queue per channel) -> its channel and target.

    Raises
    ------
    InputError
        A channel without a target, or a queue whose ``[queues.NAME]`` section names another channel than the
        forecast's (naming the file and both channels).
    """
    unknown = sorted(set(forecast["channel"]) - set(targets.channels))
    if unknown:
        raise InputError.one(
            file, f"no target for channel(s) {', '.join(unknown)}; the targets file covers {', '.join(targets.channels)}"
        )
    queues = forecast["queue"] if "queue" in forecast.columns else forecast["channel"]
    pairs = pd.DataFrame({"queue": queues.to_numpy(), "channel": forecast["channel"].to_numpy()}).drop_duplicates()
    out: dict[str, tuple[str, ChannelTarget]] = {}
    for queue, channel in pairs.itertuples(index=False):
        own = targets.queues.get(queue)
        if own is not None and own.channel != channel:
            raise InputError.one(
                file, f"queue {queue!r} is on channel {channel} here, but the targets' [queues.{queue}] says channel {own.channel}"
            )
        out[queue] = (channel, targets.for_queue(queue, channel))
    return out


def channel_totals(
    forecast: pd.DataFrame, targets: Targets, file: str = "forecast", volume_quantile: float | str | None = None,
    *, by_queue: bool = False, per_queue: dict[str, tuple[str, ChannelTarget]] | None = None,
) -> pd.DataFrame:
    """Sum customer zones (and, unless ``by_queue``, queues) per channel and interval.

    Handle time is weighted by volume; a missing ``aht_s`` takes the queue's
    target's default. ``volume_staffed`` is the volume each queue is staffed for: the
    mean ``volume``, or the quantile column its target's ``volume_quantile`` names
    (``volume_quantile`` here, when given, applies to every queue;
    ``"mean"`` staffs every queue for the mean). ``by_queue`` keeps a row per queue (a ``queue`` column).
    ``per_queue`` is :func:`queue_targets` of the same forecast, when the caller has it already.
    """
    if per_queue is None:
        per_queue = queue_targets(forecast, targets, file)
    f = forecast.copy()
    if "queue" not in f.columns:
        f["queue"] = f["channel"]
    f["volume"] = pd.to_numeric(f["volume"], errors="coerce").astype(float)
    default = f["queue"].map({q: t.aht_s for q, (_, t) in per_queue.items()})
    aht = pd.to_numeric(f["aht_s"], errors="coerce").astype(float) if "aht_s" in f else pd.Series(np.nan, index=f.index)
    bad = aht.notna() & ~(aht > 0)
    if bad.any():
        first = f.loc[bad].iloc[0]
        raise InputError.one(
            file, f"channel {first['channel']}: aht_s (handle time) must be above 0 seconds, found {aht[bad].iloc[0]:g} "
            f"at {_when(first['ds'])} ({int(bad.sum())} row(s))"
        )
    f["aht_s"] = aht.where(aht > 0, default)
    f["volume_staffed"] = f["volume"]
    for queue, (channel, t) in per_queue.items():
        quantile = None if volume_quantile == MEAN else volume_quantile if volume_quantile is not None else t.volume_quantile
        rows = f["queue"] == queue
        if quantile is None or not rows.any():
            continue
        if quantile not in VOLUME_QUANTILES:
            raise InputError.one("--volume-quantile", f"expected 0.1 or 0.9 (the forecast's volume_lo, volume_hi) or mean, found {quantile:g}")
        col = VOLUME_QUANTILES[quantile]
        if col not in f.columns:
            raise InputError.one(
                file, f"channel {channel} is to be staffed for the {quantile:.0%} quantile of volume, but there is no column '{col}'"
            )
        f.loc[rows, "volume_staffed"] = pd.to_numeric(f.loc[rows, col], errors="coerce").astype(float)
    for col in ("volume", "volume_staffed"):
        bad = ~(f[col] >= 0) | ~np.isfinite(f[col])
        if bad.any():
            first = f.loc[bad].iloc[0]
            raise InputError.one(
                file, f"channel {first['channel']}: {'volume' if col == 'volume' else 'the staffed volume quantile'} missing, "
                f"negative or infinite ({first[col] if col in first else 'NaN'}) at {_listed(f.loc[bad, 'ds'])}"
            )
    f["work"] = f["volume"] * f["aht_s"]
    key = "queue" if by_queue else "channel"
    g = f.groupby(["ds", "channel", "queue"] if by_queue else ["ds", "channel"], as_index=False).agg(
        volume=("volume", "sum"), work=("work", "sum"), volume_staffed=("volume_staffed", "sum")
    )
    g["aht_s"] = np.where(g["volume"] > 0, g["work"] / g["volume"].where(g["volume"] > 0), g[key].map(default.groupby(f[key]).first()))
    return g.drop(columns="work")


def default_aht_notes(forecast: pd.DataFrame, targets: Targets) -> list[str]:
    """Notes on the channels whose forecast has contacts without a handle time, staffed with the targets' ``aht_s``.

    :func:`channel_totals` fills them with the channel's default; the planner should know the
    staffing rests on that default there, not on the history's handle time.
    """
    vol = pd.to_numeric(forecast["volume"], errors="coerce")
    aht = pd.to_numeric(forecast["aht_s"], errors="coerce") if "aht_s" in forecast else pd.Series(np.nan, index=forecast.index)
    filled = (vol > 0) & aht.isna()
    notes = []
    for channel, rows in forecast.loc[filled].groupby("channel", sort=True):
        if channel in targets.channels:
            share = len(rows) / int(((forecast["channel"] == channel) & (vol > 0)).sum())
            notes.append(
                f"{channel}: {len(rows)} interval(s) with contacts ({share:.0%}) have no handle time in the forecast; "
                f"staffed with the targets' aht_s = {targets.channels[channel].aht_s:g} s there"
            )
    return notes


def _check_load(a: np.ndarray, g: pd.DataFrame, t: ChannelTarget, channel: str, file: str) -> None:
    """Report intervals whose load no staffing within ``MAX_AGENTS`` can carry under the occupancy cap."""
    per_agent = t.max_occupancy * (t.max_concurrency if t.model == "chat" else 1.0)
    with np.errstate(invalid="ignore", over="ignore"):
        least = a / per_agent + 10 * np.sqrt(np.maximum(a, 0.0)) + 20
    bad = ~np.isfinite(a) | (least > q.MAX_AGENTS)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError.one(
            file,
            f"channel {channel}: no staffing can carry the load at {_listed(g['ds'].to_numpy()[bad])} "
            f"(first: {g['volume_staffed'].iloc[i]:,.6g} contacts of {g['aht_s'].iloc[i]:,.6g} s, a load of {a[i]:,.6g} Erlangs, "
            f"needing more than {q.MAX_AGENTS:,} agents at occupancy <= {t.max_occupancy:g}); check the volume and aht_s",
        )


def queue_metrics(t: ChannelTarget, agents: np.ndarray, lam: np.ndarray, aht_s: np.ndarray) -> dict[str, np.ndarray]:
    """Service level, answer time, abandonment and occupancy of a call or chat channel at ``agents``.

    ``lam`` is the arrival rate per second the channel is staffed for (after
    any peak correction) and ``aht_s`` the handle time, per interval; the
    channel's model (``erlang_c``, ``erlang_a`` or ``chat``) decides how.
    """
    if t.model == "erlang_c":
        return q.erlang_c_metrics(agents, lam * aht_s, aht_s, t.target_s)
    if t.model == "erlang_a":
        return q.erlang_a_metrics(agents, lam, aht_s, t.patience_s, t.target_s)
    if t.model == "chat":
        return q.chat_metrics(agents, lam, aht_s, t.target_s, t.concurrency, t.max_concurrency, t.handle_time_growth)
    raise ValueError(f"no queue metrics for a {t.model} channel (its work is a backlog)")


def staff_channel(
    g: pd.DataFrame, t: ChannelTarget, interval_s: float, channel: str, peak_correction: bool = True, file: str = "forecast"
) -> pd.DataFrame:
    """Requirements for one channel's consecutive intervals (sorted by ``ds``).

    ``g`` has ``ds`` (UTC), ``volume``, ``aht_s`` (seconds), ``volume_staffed``
    (the volume to staff for) as :func:`channel_totals` returns them, checked,
    and optionally ``agents_floor`` (agents on the channel to keep at least,
    e.g. the baseline's when a scenario tops it up).
    ``predicted_*`` figures are for the staffed volume.
    """
    vol = g["volume"].to_numpy(dtype=float)
    staffed = g["volume_staffed"].to_numpy(dtype=float)
    aht = g["aht_s"].to_numpy(dtype=float)
    lam = staffed / interval_s
    if peak_correction and t.model != "deferred":
        # staff for the load actually in the system when arrivals change fast (modified offered load)
        lam = q.modified_offered_load(lam, aht, interval_s) / aht
    a = lam * aht
    out = pd.DataFrame({"ds": g["ds"].to_numpy(), "channel": channel, "volume": vol, "aht_s": aht})
    backlog = np.full(len(vol), np.nan)
    _check_load(a, g, t, channel, file)
    floor = g["agents_floor"].fillna(0.0).to_numpy(dtype=float) if "agents_floor" in g else None
    try:
        if t.model != "deferred":
            if t.model == "erlang_c":
                n = q.erlang_c_agents(a, aht, t.target_s, t.target_sl, t.max_occupancy)
            elif t.model == "erlang_a":
                n = q.erlang_a_agents(lam, aht, t.patience_s, t.target_s, t.target_sl, t.max_abandon_rate, t.max_occupancy)
            else:
                n = q.chat_agents(lam, aht, t.target_s, t.target_sl, t.concurrency, t.max_concurrency, t.handle_time_growth, t.max_occupancy)
            if floor is not None:
                n = np.maximum(n, np.ceil(floor - 1e-6).astype(np.int64))
            m = queue_metrics(t, n, lam, aht)
            exact = n.astype(float)
        else:
            steps = np.diff(g["ds"].to_numpy()) / np.timedelta64(1, "s")
            if len(steps) and (steps != interval_s).any():
                gap = g["ds"].iloc[int(np.flatnonzero(steps != interval_s)[0])]
                raise InputError.one(file, f"channel {channel}: intervals missing after {_when(gap)}; a backlog needs every interval")
            res = dfr.deferred_staffing(
                g["ds"], staffed, aht, interval_s, target_s=t.target_s, target_sl=t.target_sl, max_occupancy=t.max_occupancy,
                open_from=t.open_from, open_until=t.open_until, open_tz=t.open_tz, floor_agents=floor,
            )
            exact = res["agents"]
            n = np.ceil(exact - 1e-6).astype(np.int64)
            m = {"sl": res["sl"], "asa_s": res["asa_s"], "occupancy": res["occupancy"], "abandon_rate": np.zeros(len(vol))}
            backlog = res["backlog"]
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError.one(file, f"channel {channel}: {exc}") from None
    out["agents_net"] = n.astype(np.int64)
    out["agents_net_exact"] = np.round(exact, 4)
    base = exact if t.model == "deferred" else n.astype(float)
    out["agents_required"] = np.ceil(base / (1.0 - t.shrinkage) - 1e-6).astype(np.int64)
    out["target_sl"] = t.target_sl
    out["target_s"] = t.target_s
    out["predicted_sl"] = np.round(m["sl"], 4)
    out["predicted_asa_s"] = np.round(m["asa_s"], 2)
    out["predicted_abandon_rate"] = np.round(m["abandon_rate"], 4)
    out["predicted_occupancy"] = np.round(m["occupancy"], 4)
    out["backlog"] = np.round(backlog, 2)
    out["shrinkage"] = t.shrinkage
    out["model"] = t.model
    out["volume_staffed"] = staffed
    return out


def required_staff(
    forecast: pd.DataFrame,
    targets: Targets,
    *,
    grid: TimeGrid,
    interval_min: int | None = None,
    file: str = "forecast",
    peak_correction: bool = True,
    volume_quantile: float | str | None = None,
    floor: pd.DataFrame | None = None,
    by_queue: bool = False,
) -> pd.DataFrame:
    """Staffing requirements per channel (or, with ``by_queue``, per queue) and interval.

    Parameters
    ----------
    forecast : DataFrame
        ``ds`` (UTC interval start), ``channel``, optional ``queue`` (without it: one queue per channel),
        ``volume``, optional ``tz``
        (customer zones are summed), ``aht_s`` (seconds; missing values use
        the target's default) and ``volume_lo`` / ``volume_hi`` (the 10% and
        90% quantiles, needed only to staff for them).
    targets : Targets
        Service targets per channel, and per queue where one has its own.
    grid : TimeGrid
        The forecast's grid (every ``ds`` is one of its interval starts).
    interval_min : int, optional
        Staffing grid in minutes; None keeps the forecast's grid. A coarser
        grid (a multiple of it, see :meth:`TimeGrid.coarsen`) sums the volume.
    file : str
        Name of the forecast in error messages.
    peak_correction : bool
        Staff calls and chats for the modified offered load
        (:func:`roster.staffing.queueing.modified_offered_load`, the default) instead of
        the stationary one: it matters where volume changes sharply from one
        interval to the next relative to the handle time (a flash sale's
        start, the end of the evening peak).
    volume_quantile : {None, 0.1, 0.9, "mean"}
        Staff every queue for this quantile of the forecast volume
        (``volume_lo`` / ``volume_hi``) or for its mean; None follows each
        queue's ``volume_quantile`` in the targets (default: the mean).
    floor : DataFrame, optional
        ``ds``, ``channel``, optional ``queue``, ``agents_net_exact``: agents to
        keep at least in each interval (on the staffing grid), so that a
        scenario which only adds contacts is staffed as a top-up of the
        baseline (a deferred channel's programme could otherwise move work
        between intervals and show fewer agents somewhere). Without ``queue`` the rows are per channel: they are
        applied to the channels of one queue only (pass the baseline's per-queue requirements for the others).
    by_queue : bool
        Return the requirements per queue (:data:`QUEUE_REQUIREMENT_COLUMNS`, requirements_by_queue.csv) instead
        of per channel (their sums, :func:`channel_requirements`).

    Returns
    -------
    DataFrame
        :data:`REQUIREMENT_COLUMNS`, one row per channel and interval (or :data:`QUEUE_REQUIREMENT_COLUMNS`, one
        per queue and interval); ``volume`` is the mean forecast (the demand a simulation replays),
        ``volume_staffed`` the volume the staffing was computed for.
    """
    if forecast.empty:
        raise InputError.one(file, "the forecast is empty")
    grid.positions(forecast["ds"], file=file)
    per_queue = queue_targets(forecast, targets, file)
    totals = channel_totals(forecast, targets, file, volume_quantile, by_queue=True, per_queue=per_queue)
    staffing_grid = grid.coarsen(interval_min)
    if staffing_grid != grid:
        totals = totals.assign(work=totals["volume"] * totals["aht_s"], ds=totals["ds"].dt.floor(staffing_grid.step))
        totals = totals.groupby(["ds", "channel", "queue"], as_index=False).agg(
            volume=("volume", "sum"), work=("work", "sum"), volume_staffed=("volume_staffed", "sum")
        )
        totals["aht_s"] = totals["work"] / totals["volume"].where(totals["volume"] > 0)
        totals["aht_s"] = totals["aht_s"].fillna(totals["queue"].map({q: t.aht_s for q, (_, t) in per_queue.items()}))
        totals = totals.drop(columns="work")
    if floor is not None:
        if "queue" in floor.columns:
            fl = floor[["ds", "channel", "queue", "agents_net_exact"]].rename(columns={"agents_net_exact": "agents_floor"})
            totals = totals.merge(fl, on=["ds", "channel", "queue"], how="left")
        else:
            single = totals.groupby("channel")["queue"].nunique()
            fl = floor[floor["channel"].isin(single.index[single == 1])]
            fl = fl[["ds", "channel", "agents_net_exact"]].rename(columns={"agents_net_exact": "agents_floor"})
            totals = totals.merge(fl, on=["ds", "channel"], how="left")
    interval_s = staffing_grid.interval_s
    parts = []
    for (channel, queue), g in totals.groupby(["channel", "queue"], sort=True):
        g = g.sort_values("ds")
        part = staff_channel(g, per_queue[queue][1], interval_s, channel, peak_correction, file)
        part.insert(2, "queue", queue)
        parts.append(part)
    req = pd.concat(parts, ignore_index=True).sort_values(["ds", "channel", "queue"], ignore_index=True)[QUEUE_REQUIREMENT_COLUMNS]
    return req if by_queue else channel_requirements(req, targets)


def channel_requirements(by_queue: pd.DataFrame, targets: Targets) -> pd.DataFrame:
    """Each channel's requirement per interval: the sum of its queues' (see the module's docstring).

    A channel with one queue keeps that queue's rows as they are. For several, the agents (``agents_net``,
    ``agents_net_exact``, ``agents_required``), the contacts (``volume``, ``volume_staffed``) and the ``backlog``
    are summed; ``aht_s`` is weighted by contacts; ``predicted_sl``, ``predicted_asa_s`` and
    ``predicted_abandon_rate`` by the staffed contacts (what share of the channel's contacts), and
    ``predicted_occupancy`` by the agents; ``target_sl``, ``target_s``, ``shrinkage`` and ``model`` are the
    channel's own target's.

    Parameters
    ----------
    by_queue : DataFrame
        :data:`QUEUE_REQUIREMENT_COLUMNS`, as ``required_staff(..., by_queue=True)`` returns them.
    """
    parts = []
    for channel, g in by_queue.groupby("channel", sort=True):
        if g["queue"].nunique() == 1:
            parts.append(g.drop(columns="queue"))
            continue
        t = targets.for_channel(channel)
        w = g.assign(
            _work=g["volume"] * g["aht_s"],
            _sl=g["predicted_sl"] * g["volume_staffed"],
            _asa=g["predicted_asa_s"] * g["volume_staffed"],
            _ab=g["predicted_abandon_rate"] * g["volume_staffed"],
            _occ=g["predicted_occupancy"] * g["agents_net_exact"],
        )
        s = w.groupby("ds", sort=True).agg(
            volume=("volume", "sum"), _work=("_work", "sum"), agents_net=("agents_net", "sum"),
            agents_net_exact=("agents_net_exact", "sum"), agents_required=("agents_required", "sum"),
            _sl=("_sl", "sum"), _asa=("_asa", "sum"), _ab=("_ab", "sum"), _occ=("_occ", "sum"),
            backlog=("backlog", lambda b: b.sum(min_count=1)), volume_staffed=("volume_staffed", "sum"),
            _sl_mean=("predicted_sl", "mean"), _asa_mean=("predicted_asa_s", "mean"),
            _ab_mean=("predicted_abandon_rate", "mean"), _occ_mean=("predicted_occupancy", "mean"),
        ).reset_index()
        staffed = s["volume_staffed"].where(s["volume_staffed"] > 0)
        agents = s["agents_net_exact"].where(s["agents_net_exact"] > 0)
        out = pd.DataFrame({
            "ds": s["ds"], "channel": channel, "volume": s["volume"],
            "aht_s": (s["_work"] / s["volume"].where(s["volume"] > 0)).fillna(t.aht_s),
            "agents_net": s["agents_net"].astype(np.int64), "agents_net_exact": np.round(s["agents_net_exact"], 4),
            "agents_required": s["agents_required"].astype(np.int64), "target_sl": t.target_sl, "target_s": t.target_s,
            "predicted_sl": np.round((s["_sl"] / staffed).fillna(s["_sl_mean"]), 4),
            "predicted_asa_s": np.round((s["_asa"] / staffed).fillna(s["_asa_mean"]), 2),
            "predicted_abandon_rate": np.round((s["_ab"] / staffed).fillna(s["_ab_mean"]), 4),
            "predicted_occupancy": np.round((s["_occ"] / agents).fillna(s["_occ_mean"]), 4),
            "backlog": np.round(s["backlog"], 2), "shrinkage": t.shrinkage, "model": t.model,
            "volume_staffed": s["volume_staffed"],
        })
        parts.append(out)
    return pd.concat(parts, ignore_index=True).sort_values(["ds", "channel"], ignore_index=True)[REQUIREMENT_COLUMNS]
