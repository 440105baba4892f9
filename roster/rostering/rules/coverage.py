"""Objective: understaffing - the cost of each agent missing per channel and interval.

A missing agent for one interval costs ``under_weight`` plus up to
``peak_weight`` more at the channel's peak, scaled by requirement / peak
(:func:`under_cost`): a gap at the peak hurts more customers than one in a
quiet hour. The search's grid (:func:`roster.rostering.instance.make_demand`),
the CP-SAT terms (:func:`add_coverage`) and the scorer
(:func:`roster.rostering.validation.score_roster`, from
:func:`coverage_from_roster` and :func:`count`) all price it so.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from roster.rostering.rules.base import Penalty, SearchState
from roster.rostering.variables import SubModel

UNDERSTAFFING = Penalty("understaffing", "agent-intervals short", "under_weight")


def under_cost(required: np.ndarray, under_weight: int, peak_weight: int) -> np.ndarray:
    """Objective cost of one missing agent in each interval of one channel.

    ``required`` is the channel's agents required per interval (its peak is
    its largest value, at least 1).
    """
    required = np.asarray(required)
    peak = max(int(required.max()), 1) if len(required) else 1
    return under_weight + np.round(peak_weight * required / peak).astype(np.int64)


def count(coverage: pd.DataFrame, under_weight: int, peak_weight: int) -> tuple[int, float]:
    """Agent-intervals short and their cost, from ``ds, channel, required, scheduled`` (see :func:`coverage_from_roster`)."""
    short = (coverage["required"] - coverage["scheduled"]).clip(lower=0).to_numpy()
    cost = np.zeros(len(coverage))
    for _, rows in coverage.groupby("channel").indices.items():
        cost[rows] = under_cost(coverage["required"].to_numpy()[rows], under_weight, peak_weight)
    return int(short.sum()), float((short * cost).sum())

def coverage_from_roster(roster: pd.DataFrame, requirements: pd.DataFrame, step_min: int) -> pd.DataFrame:
    """``ds, channel, required, scheduled`` on the requirements' grid.

    ``scheduled`` counts agents on a shift row of that channel in the interval,
    minus those on a break or lunch then. ``requirements`` has ``ds, channel,
    agents_required``.
    """
    step = pd.Timedelta(minutes=step_min)
    grid = requirements[["ds", "channel", "agents_required"]].rename(columns={"agents_required": "required"})
    if roster.empty:
        return grid.assign(scheduled=0)
    t0 = grid["ds"].min()
    n = int((grid["ds"].max() - t0) / step) + 1
    channels = sorted(grid["channel"].unique())
    cidx = {c: i for i, c in enumerate(channels)}
    shifts = roster[roster["activity"] == "shift"]
    pauses = roster[roster["activity"] != "shift"]
    # each row adds (a shift) or takes away (a pause) one agent on its channel from its first to its last interval:
    # +sign at its first interval and -sign past its last, summed down the intervals
    steps = np.zeros((n + 1, len(channels)), dtype=np.int64)
    for rows, sign in ((shifts, 1), (pauses, -1)):
        if rows.empty:
            continue
        channel = rows["channel"].tolist()
        # a pause without a channel (or any row with an empty one) is on the channel of the shift segment it lies in
        for k, c in enumerate(channel):
            if sign == -1 and not isinstance(c, str) or c == "":
                channel[k] = _channel_at(shifts, rows["agent_id"].iloc[k], rows["start_utc"].iloc[k])
        ch = np.array([cidx.get(c, -1) for c in channel], dtype=np.int64)
        a = np.clip(np.ceil(_steps_from(rows["start_utc"], t0, step)), 0, None)
        b = np.clip(np.ceil(_steps_from(rows["end_utc"], t0, step)), None, n)
        keep = (ch >= 0) & (b > a)
        np.add.at(steps, (a[keep].astype(np.int64), ch[keep]), sign)
        np.add.at(steps, (b[keep].astype(np.int64), ch[keep]), -sign)
    counts = np.cumsum(steps[:n], axis=0)
    pos = ((grid["ds"] - t0) / step).astype(int).to_numpy()
    ch = grid["channel"].map(cidx).to_numpy()
    return grid.assign(scheduled=counts[pos, ch]).reset_index(drop=True)


def _steps_from(ts: pd.Series, t0: pd.Timestamp, step: pd.Timedelta) -> np.ndarray:
    """Steps of ``step`` from ``t0`` to each instant of ``ts`` (fractional; a column of Timestamp objects too)."""
    if ts.dtype == object:  # e.g. an empty roster's rows put together with a previous roster's
        ts = pd.to_datetime(ts, utc=t0.tz is not None)
    return ((ts - t0) / step).to_numpy(dtype=float)


def _channel_at(shifts: pd.DataFrame, agent_id: str, ts: pd.Timestamp) -> str | None:
    own = shifts[(shifts["agent_id"] == agent_id) & (shifts["start_utc"] <= ts) & (shifts["end_utc"] > ts)]
    return None if own.empty else own["channel"].iloc[0]


def add_coverage(m: SubModel, s: SearchState, free_agents) -> list:
    """Per channel and interval still short after the fixed shifts: agents serving it + missing >= short.

    The free agents of one pool are interchangeable, so the model counts per
    pool how many of them at work serve each channel (no per-agent choice to
    break symmetry over), except for agents whose channel per interval the
    model holds one by one (``m.serve``, from
    :func:`roster.rostering.rules.channels.add_channel_blocks`): those count
    where they serve. Returns the understaffing terms ``(cost, missing)``.
    """
    one_by_one = {a for a, _, _ in m.hold}
    at_work: dict[tuple[int, int], list] = {}
    for (a, t), v in m.x.items():
        if a in one_by_one:
            continue
        pi = s.state[a].pool
        for i in s.pools[pi].work[t]:
            at_work.setdefault((pi, int(i)), []).append(v)
    short_terms: dict[tuple[int, int], list] = {}
    for (pi, i), vs in at_work.items():
        zs = []
        for c in s.skill_idx[pi]:
            need = int(s.rem[c, i])
            if need <= 0:
                continue
            z = m.model.NewIntVar(0, min(need, len(vs)), f"z_{pi}_{i}_{c}")
            m.z[(pi, i, int(c))] = z
            short_terms.setdefault((int(c), i), []).append(z)
            zs.append(z)
        if zs:
            m.model.Add(sum(zs) <= sum(vs))
    for (a, i, c), z in m.serve.items():
        short_terms.setdefault((c, i), []).append(z)
    terms = []
    for (c, i), zs in short_terms.items():
        need = int(s.rem[c, i])
        u = m.model.NewIntVar(0, need, f"u_{c}_{i}")
        m.model.Add(sum(zs) + u >= need)
        terms.append((int(s.w[c, i]), u))
    return terms
