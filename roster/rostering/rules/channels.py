"""Hard rules of the channels inside a shift: workable blocks, few switches.

* **channel block** - every stretch of a shift on one channel lasts at least
  ``min_channel_block_min`` minutes (rules.toml; 60 by default, 0 for no
  minimum). A shift served on one channel throughout keeps the rule whatever
  its length.
* **channel switches** - at most ``max_channel_switches`` changes of channel
  in one shift (3 by default).

What a stretch is: it runs on the clock from its first interval on the
channel to the start of the next stretch, or to the shift's end. Breaks and
lunch inside it, or between it and the next stretch, belong to it, exactly as
roster.csv writes a shift (one ``shift`` row per stretch, each pause carrying
the channel of the stretch it falls in). A break between two stretches on the
same channel is not a switch: they are one stretch (two such rows in a
hand-edited roster are read as one). Channels change only at the start of an
interval at work, never during a pause.

Both rules are hard: a planner expects a roster to keep them, so no roster
that breaks them is written. They cost coverage only where an agent's
skills are needed on two channels in turn more often than blocks allow; the
roster reports that cost (:class:`roster.rostering.solution.RosterKpis`
``channel_block_cost_agent_h``: the agent-hours the same shifts would cover
more with channels chosen freely per interval).

Where the rule is kept:

* the heuristic's channel assignment (:mod:`roster.rostering.channels`), one
  shift at a time by :func:`best_sequence` (a dynamic programme over the
  shift's intervals at work);
* the CP-SAT model (:func:`add_channel_blocks`): per agent with more than
  one skill, its channel per interval, its switches and the block windows;
* the validator (:func:`violations`) and the KPIs (:func:`switches_per_shift`,
  also the count the shift-level export reads), on any roster table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from roster.rostering.rules.base import SearchState, Violation
from roster.rostering.variables import SubModel
from roster.schema import LabourRules

CHANNEL_BLOCK = "channel block"
CHANNEL_SWITCHES = "channel switches"

#: the family's rules, as violations name them
RULES = (CHANNEL_BLOCK, CHANNEL_SWITCHES)

#: objective units a switch costs among channel sequences of equal coverage (far below any missing agent)
SWITCH_TIE_BREAK = 1e-3


def span_intervals(start_ns: int, end_ns: int, t0_ns: int, step_ns: int) -> tuple[int, int]:
    """The grid intervals a shift from ``start_ns`` to ``end_ns`` (UTC, ns) spans: ``(first, end)``, end exclusive.

    Interval 0 starts at ``t0_ns``; the span may reach outside the grid.
    """
    return int((start_ns - t0_ns) // step_ns), int(-((t0_ns - end_ns) // step_ns))


def block_intervals(rules: LabourRules, step_min: int) -> int:
    """The shortest stretch on one channel, in intervals of the roster grid of ``step_min`` minutes."""
    return math.ceil(rules.min_channel_block_min / step_min)


# --------------------------------------------------------------------------- #
# on any roster table
# --------------------------------------------------------------------------- #
def stretches(roster: pd.DataFrame) -> pd.DataFrame:
    """Each shift's stretches on one channel: ``agent_id, local_date, channel, start_utc, end_utc, minutes``.

    ``roster`` is a roster table (``agent_id, local_date, activity, channel,
    start_utc, end_utc``; UTC, tz-aware or ISO text as read from roster.csv). A shift is an agent's ``shift`` rows
    of one local date; consecutive rows on the same channel are one stretch
    (a break between them is no switch). ``minutes`` is the stretch's clock
    length, its breaks and lunch included.
    """
    cols = ["agent_id", "local_date", "channel", "start_utc", "end_utc"]
    rows = roster[roster["activity"] == "shift"]
    if rows.empty:
        return pd.DataFrame(columns=[*cols, "minutes"])
    rows = rows.assign(local_date=rows["local_date"].astype(str).str[:10], channel=rows["channel"].fillna("").astype(str),
                       start_utc=pd.to_datetime(rows["start_utc"], utc=True), end_utc=pd.to_datetime(rows["end_utc"], utc=True))
    rows = rows.sort_values(["agent_id", "local_date", "start_utc"], kind="stable")
    shift = rows["agent_id"].ne(rows["agent_id"].shift()) | rows["local_date"].ne(rows["local_date"].shift())
    new = shift | rows["channel"].ne(rows["channel"].shift())
    out = rows.assign(_s=new.cumsum()).groupby("_s", sort=True).agg(
        agent_id=("agent_id", "first"), local_date=("local_date", "first"), channel=("channel", "first"),
        start_utc=("start_utc", "min"), end_utc=("end_utc", "max"))
    out = out.reset_index(drop=True)
    return out.assign(minutes=((out["end_utc"] - out["start_utc"]) / pd.Timedelta(minutes=1)).astype(float))


def switches_per_shift(roster: pd.DataFrame) -> pd.DataFrame:
    """Per shift: ``agent_id, local_date, stretches, switches, shortest_stretch_min`` (a pure count on any roster table).

    ``switches`` is the changes of channel inside the shift (stretches - 1,
    see :func:`stretches`: a break between two stretches on the same channel
    is none); ``shortest_stretch_min`` is its shortest stretch in minutes.
    One row per shift, in agent and date order.
    """
    st = stretches(roster)
    if st.empty:
        return pd.DataFrame({"agent_id": pd.Series(dtype=object), "local_date": pd.Series(dtype=object),
                             "stretches": pd.Series(dtype=np.int64), "switches": pd.Series(dtype=np.int64),
                             "shortest_stretch_min": pd.Series(dtype=float)})
    out = st.groupby(["agent_id", "local_date"], as_index=False, sort=True).agg(
        stretches=("channel", "size"), shortest_stretch_min=("minutes", "min"))
    out["switches"] = out["stretches"] - 1
    return out[["agent_id", "local_date", "stretches", "switches", "shortest_stretch_min"]]


def violations(roster: pd.DataFrame, rules: LabourRules, site_tz: Mapping[str, str] | None = None) -> list[Violation]:
    """Every shift with a stretch shorter than ``min_channel_block_min`` or more than ``max_channel_switches`` switches.

    ``site_tz`` maps agent ids to their site zone, to say stretch times in
    site local time (UTC otherwise).
    """
    out: list[Violation] = []
    st = stretches(roster)
    if st.empty:
        return out
    site_tz = site_tz or {}
    n = st.groupby(["agent_id", "local_date"], sort=False)["channel"].transform("size")
    short = st[(n > 1) & (st["minutes"] < rules.min_channel_block_min)]
    for r in short.itertuples(index=False):
        tz = site_tz.get(r.agent_id, "UTC")
        a, b = r.start_utc.tz_convert(tz), r.end_utc.tz_convert(tz)
        out.append(Violation(CHANNEL_BLOCK, r.agent_id, r.local_date,
                             f"{r.channel} from {a:%H:%M} to {b:%H:%M} lasts {r.minutes:.0f} min; "
                             f"a stretch on one channel lasts at least {rules.min_channel_block_min} min (min_channel_block_min)"))
    per = switches_per_shift(roster)
    for r in per[per["switches"] > rules.max_channel_switches].itertuples(index=False):
        out.append(Violation(CHANNEL_SWITCHES, r.agent_id, r.local_date,
                             f"{r.switches} changes of channel in the shift; at most {rules.max_channel_switches} (max_channel_switches)"))
    out.sort(key=lambda v: (v.agent_id, v.where, v.rule))
    return out


class SwitchStats(NamedTuple):
    """Changes of channel over a roster's shifts."""

    total: int
    mean: float  # per shift (0 without shifts)
    most: int  # in one shift
    over_limit: int  # shifts with more than max_channel_switches


def switch_stats(roster: pd.DataFrame, rules: LabourRules) -> SwitchStats:
    """Changes of channel in all, per shift on average and at most, and shifts above ``max_channel_switches``."""
    per = switches_per_shift(roster)
    if per.empty:
        return SwitchStats(0, 0.0, 0, 0)
    sw = per["switches"].to_numpy()
    return SwitchStats(int(sw.sum()), float(sw.mean()), int(sw.max()), int((sw > rules.max_channel_switches).sum()))


# --------------------------------------------------------------------------- #
# on one shift of the search (intervals of the roster grid)
# --------------------------------------------------------------------------- #
def sequence_stretches(chan: np.ndarray, idx: np.ndarray, start_i: int, end_i: int) -> list[tuple[int, int]]:
    """The stretches ``(channel, intervals)`` of one shift of the search.

    ``chan`` is the channel served at each of the shift's intervals at work
    ``idx`` (sorted grid indices); the shift spans intervals ``start_i`` to
    ``end_i`` (exclusive). A stretch starts at the shift's start or where the
    channel changes and lasts until the next stretch or the shift's end, as
    :func:`roster.rostering.solution.roster_frame` writes it.
    """
    if not len(chan):
        return []
    cuts = [0] + [j for j in range(1, len(chan)) if chan[j] != chan[j - 1]]
    starts = [start_i] + [int(idx[j]) for j in cuts[1:]]
    ends = starts[1:] + [end_i]
    return [(int(chan[j]), b - a) for j, a, b in zip(cuts, starts, ends)]


def sequence_ok(chan: np.ndarray, idx: np.ndarray, start_i: int, end_i: int, block: int, max_switches: int) -> bool:
    """Whether one shift's channels keep both rules (``block`` intervals at least per stretch, ``max_switches`` at most)."""
    st = sequence_stretches(chan, idx, start_i, end_i)
    return len(st) <= 1 or (len(st) - 1 <= max_switches and min(n for _, n in st) >= block)


def best_sequence(value: np.ndarray, idx: np.ndarray, start_i: int, end_i: int, block: int, max_switches: int) -> np.ndarray:
    """The channel sequence of one shift worth most under both rules: a row of ``value`` per position at work.

    ``value`` is (candidate channels, intervals at work): what serving each
    candidate is worth at each of the shift's intervals ``idx``; the shift
    spans ``start_i`` to ``end_i`` (exclusive, grid intervals). Returns the
    candidate's row per interval at work. Exact: a dynamic programme over
    the stretches, ``F[q][c, j]`` being the best worth of the positions
    before ``j`` served in ``q + 1`` stretches the last of which is on ``c``;
    the stretches that may precede one starting at ``j`` form a prefix of
    positions (those a block earlier on the clock), so each step is a
    running maximum. Among sequences worth the same, the fewest switches win
    (:data:`SWITCH_TIE_BREAK`).
    """
    n_c, n = value.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n_c == 1:
        return np.zeros(n, dtype=np.int64)
    neg = -np.inf
    L = max(block, 0)
    pre = np.zeros((n_c, n + 1))
    pre[:, 1:] = np.cumsum(value, axis=1)
    # clock time at which a stretch ending before position j ends: the next position's start, or the shift's end
    ends = np.append(np.asarray(idx, dtype=np.int64), end_i)
    jj = np.arange(n + 1)
    first = np.where((ends - start_i >= L) | (jj == n), pre, neg)
    first[:, 0] = neg
    # a stretch from position j (>= 1) to j' needs idx[j] <= ends[j'] - L: j in 1 .. last[j']
    last = np.minimum(np.searchsorted(idx, ends - L, side="right") - 1, jj - 1)
    reach = last >= 1
    at = np.clip(last, 0, n)
    F = [first]
    arg_j, arg_c = [], []
    rows = np.arange(n_c)[:, None]
    for _ in range(max(max_switches, 0)):
        f = F[-1]
        order = np.argsort(-f, axis=0, kind="stable")
        other = np.where(rows == order[0][None, :], order[1][None, :], order[0][None, :])  # best channel but c, per c
        g = np.take_along_axis(f, other, axis=0) - pre
        g[:, 0] = neg
        run = np.maximum.accumulate(g, axis=1)
        where = np.maximum.accumulate(np.where(g == run, jj[None, :], 0), axis=1)
        F.append(np.where(reach[None, :], pre + run[:, at], neg))
        j_from = where[:, at]
        arg_j.append(j_from)
        arg_c.append(np.take_along_axis(other, j_from, axis=1))
    worth = np.stack([f[:, n] - SWITCH_TIE_BREAK * q for q, f in enumerate(F)])  # (switches, channels)
    q, c = np.unravel_index(int(np.argmax(worth)), worth.shape)
    out = np.zeros(n, dtype=np.int64)
    j_end = n
    while q > 0:
        j = int(arg_j[q - 1][c, j_end])
        out[j:j_end] = c
        c, j_end, q = int(arg_c[q - 1][c, j_end]), j, q - 1
    out[:j_end] = c
    return out


# --------------------------------------------------------------------------- #
# CP-SAT
# --------------------------------------------------------------------------- #
def add_channel_blocks(m: SubModel, s: SearchState, free_agents, block: int, max_switches: int) -> None:
    """Per free agent with more than one skill: its channel per interval, under both rules.

    For each of the agent's free days, over the intervals any of its shift
    variables spans: ``y[i, c]`` (the agent holds channel ``c``; exactly one
    while on shift, pauses included), ``sw[i]`` (the channel changes at
    ``i``: only at an interval at work of the chosen shift, with a block of
    the shift before and after it), at most one switch in any ``block``
    intervals, at most ``max_switches`` a shift. ``m.serve[(agent, i, c)]``
    is the agent serving ``c`` at ``i`` (at work, not on a pause), which
    :func:`roster.rostering.rules.coverage.add_coverage` counts instead of
    the pool's channel counts.
    """
    model = m.model
    L = max(block, 1)
    for a in free_agents:
        pi = s.state[a].pool
        skills = [int(c) for c in s.skill_idx[pi]]
        if len(skills) < 2:
            continue
        p = s.pools[pi]
        t0, step = s.grid.t0.value, s.grid.step.value
        n_grid = s.rem.shape[1]
        name = s.agents[a].agent_id
        for _, opts in sorted((d, opts) for (a2, d), opts in m.by_day.items() if a2 == a):
            span: dict[int, list] = {}  # interval -> shift variables on shift then
            work: dict[int, list] = {}  # interval -> shift variables at work then
            fits: dict[int, list] = {}  # interval -> shift variables that allow a switch then
            for t, x in opts:
                a0, b0 = span_intervals(p.start_ns[t], p.end_ns[t], t0, step)
                w = {int(i) for i in p.work[t]}
                for i in range(a0, b0):
                    span.setdefault(i, []).append(x)
                    if i in w:
                        work.setdefault(i, []).append(x)
                        if i - a0 >= L and b0 - i >= L:
                            fits.setdefault(i, []).append(x)
            iv = sorted(span)
            y = {(i, c): model.NewBoolVar(f"y_{name}_{i}_{c}") for i in iv for c in skills}
            on = {}  # the agent is on shift (pauses included)
            for i in iv:
                on[i] = model.NewBoolVar(f"on_{name}_{i}")
                model.Add(on[i] == sum(span[i]))
            sw: dict[int, object] = {}
            for i in iv:
                model.Add(sum(y[(i, c)] for c in skills) == on[i])
                if i - 1 in span:
                    v = model.NewBoolVar(f"sw_{name}_{i}")
                    sw[i] = v
                    for c in skills:  # a change of channel between two intervals on shift is a switch
                        model.Add(v >= y[(i, c)] + on[i - 1] - y[(i - 1, c)] - 1)
                    model.Add(v <= sum(fits.get(i, [])))  # ... at work, a block into the shift and before its end
                if 0 <= i < n_grid:
                    for c in skills:
                        if s.rem[c, i] <= 0:
                            continue
                        if len(work.get(i, [])) == len(span[i]):  # at work in every shift spanning it: serving is holding
                            m.serve[(a, i, c)] = y[(i, c)]
                            continue
                        z = model.NewBoolVar(f"serve_{name}_{i}_{c}")
                        model.Add(z <= y[(i, c)])
                        m.serve[(a, i, c)] = z
                    zs = [m.serve[(a, i, c)] for c in skills if (a, i, c) in m.serve]
                    if zs and len(work.get(i, [])) != len(span[i]):
                        model.Add(sum(zs) <= sum(work.get(i, [])))
            if block > 1:
                keys = sorted(sw)
                for j, i in enumerate(keys):
                    window = [sw[k] for k in keys[j:] if k < i + block]
                    if len(window) > 1:
                        model.AddAtMostOne(window)
            if sw:
                model.Add(sum(sw.values()) <= max_switches)
            m.hold.update({(a, i, c): v for (i, c), v in y.items()})
