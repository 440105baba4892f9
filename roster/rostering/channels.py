"""Which channel each agent at work serves in each interval, once the shifts are set.

An agent serves one channel at a time, among its skills, in workable blocks:
every stretch on one channel lasts ``min_channel_block_min`` and a shift
changes channel at most ``max_channel_switches`` times (the hard rules of
:mod:`roster.rostering.rules.channels`, which also say what a stretch is).

Two steps. First, per interval, the agents at work are matched to the
channels' open positions (one per required agent) so that the missing
agents, weighted as in the roster's objective, are as few as possible: an
assignment problem, solved exactly (Hungarian method, SciPy's
``linear_sum_assignment``; :func:`free_channels`). Among the best assignments
the one that keeps most agents on the channel they served in the previous
interval wins; agents beyond the requirement stay on their previous channel
(or their first skill). That is the best coverage the shifts can give with
channels chosen freely per interval, the relaxation the rules' cost is
measured against. Second, the blocks (:func:`block_channels`): each shift
whose channels break a rule gets the sequence worth most under the rules
given everyone else's channels (an exact dynamic programme per shift,
:func:`roster.rostering.rules.channels.best_sequence`); then every shift with
more than one skill near a remaining gap is re-chosen the same way, kept when
it covers more. Each step keeps the rules, so the result always does.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from roster.rostering.rules.channels import best_sequence, block_intervals, sequence_ok, span_intervals
from roster.rostering.state import RosterState

FORBIDDEN = 1e12
STAY_BONUS = 1.0  # far below any under-staffing weight: only breaks ties
#: passes re-choosing shifts near a remaining gap under the block rules (after the one that repairs every break)
IMPROVE_PASSES = 1

Channels = dict[tuple[int, int], np.ndarray]


def assign_channels(s: RosterState) -> Channels:
    """Channel index per interval at work of every shift, under the block rules: ``(agent, day) -> array``.

    Aligned with the template's work intervals (:func:`free_channels`, then :func:`block_channels`).
    A function of the shifts alone, kept for the last few shift sets (:func:`_for_shifts`).
    """
    kept = _for_shifts(s)
    if "assigned" not in kept:
        kept["assigned"] = block_channels(s, free_channels(s))
    return _copy(kept["assigned"])


def free_channels(s: RosterState) -> Channels:
    """Channel index per interval at work of every shift, chosen freely per interval (the block rules aside).

    A function of the shifts alone, kept for the last few shift sets (:func:`_for_shifts`).
    """
    kept = _for_shifts(s)
    if "free" not in kept:
        kept["free"] = _free_channels(s)
    return _copy(kept["free"])


#: shift sets whose channels a roster keeps (the search comes back to a roster it saved, the result asks again)
KEPT_SHIFT_SETS = 4


def _for_shifts(s: RosterState) -> dict:
    """What is kept on ``s`` for its current shifts (the channels depend on nothing else): the last
    :data:`KEPT_SHIFT_SETS` shift sets, so that asking again for the same shifts (a step that changed none,
    a saved roster put back, the result after the search's last :func:`exact_channels`) costs no second assignment."""
    # in the order the shifts were added: the assignment breaks ties in that order
    shifts = tuple(tuple(st.shifts.items()) for st in s.state)
    kept: dict = s.__dict__.setdefault("_channels_kept", {})
    entry = kept.pop(shifts, None)
    kept[shifts] = entry = {} if entry is None else entry  # the most recent last
    while len(kept) > KEPT_SHIFT_SETS:
        del kept[next(iter(kept))]
    return entry


def _copy(chans: Channels) -> Channels:
    return {k: v.copy() for k, v in chans.items()}


def _free_channels(s: RosterState) -> Channels:
    n_chan = s.req.shape[0]
    at: dict[int, list[tuple[int, int, int]]] = {}  # interval -> [(agent, day, position in the shift's work array)]
    out: dict[tuple[int, int], np.ndarray] = {}
    for a, st in enumerate(s.state):
        p = s.pools[st.pool]
        for d, t in st.shifts.items():
            idx = p.work[t]
            out[(a, d)] = np.full(len(idx), -1, dtype=np.int64)
            for j, i in enumerate(idx):
                at.setdefault(int(i), []).append((a, d, j))
    skill_mask = np.zeros((len(s.pools), n_chan), dtype=bool)
    for pi, sk in enumerate(s.skill_idx):
        skill_mask[pi, sk] = True
    first_skill = np.array([int(sk[0]) if len(sk) else -1 for sk in s.skill_idx], dtype=np.int64)
    pool_of = np.array([st.pool for st in s.state], dtype=np.int64)
    prev: dict[tuple[int, int], int] = {}
    for i in sorted(at):
        people = at[i]
        slots = np.repeat(np.arange(n_chan), np.maximum(s.req[:, i], 0))
        agents = np.array([a for a, _, _ in people], dtype=np.int64)
        last = np.array([prev.get((a, d), -1) for a, d, _ in people], dtype=np.int64)
        can = skill_mask[pool_of[agents]][:, slots]
        value = -s.w[slots, i][None, :] - STAY_BONUS * (slots[None, :] == last[:, None])
        cost = np.full((len(people), len(slots) + len(people)), FORBIDDEN)
        cost[:, : len(slots)] = np.where(can, value, FORBIDDEN)
        cost[np.arange(len(people)), len(slots) + np.arange(len(people))] = 0.0  # not needed anywhere: over-staffing
        rows, cols = linear_sum_assignment(cost)
        for r, col in zip(rows, cols):
            a, d, j = people[r]
            if col < len(slots):
                c = int(slots[col])
            else:
                c = int(last[r]) if last[r] >= 0 else int(first_skill[pool_of[a]])
            out[(a, d)][j] = c
            prev[(a, d)] = c
    return out


def shift_span(s: RosterState, a: int, d: int) -> tuple[int, int]:
    """The grid intervals agent ``a``'s shift of day ``d`` spans: ``(start, end)``, end exclusive (may reach outside the grid)."""
    p = s.pools[s.state[a].pool]
    t = s.state[a].shifts[d]
    return span_intervals(p.start_ns[t], p.end_ns[t], s.grid.t0.value, s.grid.step.value)


def keeps_blocks(s: RosterState, chans: Channels) -> bool:
    """Whether every shift's channels (all chosen, none -1) keep the block rules."""
    block, most = block_intervals(s.rules, s.grid.interval_min), s.rules.max_channel_switches
    for (a, d), chan in chans.items():
        if len(chan) and (chan < 0).any():
            return False
        idx = s.pools[s.state[a].pool].work[s.state[a].shifts[d]]
        if not sequence_ok(chan, idx, *shift_span(s, a, d), block, most):
            return False
    return True


def block_channels(s: RosterState, chans: Channels) -> Channels:
    """``chans`` made to keep the block rules, shift by shift, then improved where gaps remain (see the module docstring)."""
    block, most = block_intervals(s.rules, s.grid.interval_min), s.rules.max_channel_switches
    out = {k: v.copy() for k, v in chans.items()}
    rem = s.req.copy()
    for (a, d), chan in out.items():
        idx = s.pools[s.state[a].pool].work[s.state[a].shifts[d]]
        ok = chan >= 0
        np.subtract.at(rem, (chan[ok], idx[ok]), 1)
    order = sorted(out, key=lambda k: (len(s.skill_idx[s.state[k[0]].pool]), k))
    for sweep in range(1 + IMPROVE_PASSES):
        changed = False
        for a, d in order:
            skills = s.skill_idx[s.state[a].pool]
            chan = out[(a, d)]
            idx = s.pools[s.state[a].pool].work[s.state[a].shifts[d]]
            if not len(idx) or not len(skills):
                continue
            start_i, end_i = shift_span(s, a, d)
            ok_now = (chan >= 0).all() and sequence_ok(chan, idx, start_i, end_i, block, most)
            if sweep == 0 and ok_now:
                continue
            ok = chan >= 0
            np.add.at(rem, (chan[ok], idx[ok]), 1)
            need = rem[skills][:, idx] > 0
            if ok_now and not need.any():
                np.subtract.at(rem, (chan[ok], idx[ok]), 1)
                continue
            value = s.w[skills][:, idx] * need
            rows = best_sequence(value, idx, start_i, end_i, block, most)
            new = skills[rows]
            if ok_now:
                pos = np.searchsorted(skills, chan)  # skills are in channel order
                worth_now = value[pos, np.arange(len(idx))].sum()
                if value[rows, np.arange(len(idx))].sum() <= worth_now + 1e-9:
                    new = chan
            if new is not chan:
                changed = True
            out[(a, d)] = new
            np.subtract.at(rem, (new, idx), 1)
        if sweep > 0 and not changed:
            break
    return out


def exact_channels(s: RosterState) -> None:
    """Re-choose every interval's channel under the block rules (:func:`assign_channels`).

    The channels ``s`` holds stay when they keep the rules and cover at
    least as well (a solved CP-SAT model's, say).
    """
    chans = assign_channels(s)
    current = {(a, d): st.chan[d][1] for a, st in enumerate(s.state) for d in st.shifts}
    if keeps_blocks(s, current):
        before = s.under_cost()
        _set(s, chans)
        if s.under_cost() > before + 1e-9:
            _set(s, current)
        return
    _set(s, chans)


def _set(s: RosterState, chans: Channels) -> None:
    """Put ``chans`` in ``s`` and recount the requirement still uncovered."""
    s.rem = s.req.copy()
    for (a, d), chan in chans.items():
        idx = s.state[a].chan[d][0]
        s.state[a].chan[d] = (idx, chan)
        ok = chan >= 0
        np.subtract.at(s.rem, (chan[ok], idx[ok]), 1)


def rebalance_channels(s: RosterState) -> None:
    """Re-choose every interval's channel, the least flexible agents first (keeps shifts)."""
    items = [(len(s.skill_idx[s.state[a].pool]), a, d) for a in range(len(s.agents)) for d in s.state[a].shifts]
    for _, a, d in items:
        idx, chan = s.state[a].chan[d]
        ok = chan >= 0
        np.add.at(s.rem, (chan[ok], idx[ok]), 1)
    for _, a, d in sorted(items):
        st = s.state[a]
        idx, _ = st.chan[d]
        chan = s.best_channels(st.pool, idx)
        ok = chan >= 0
        np.subtract.at(s.rem, (chan[ok], idx[ok]), 1)
        st.chan[d] = (idx, chan)


def channel_block_cost_agent_h(s: RosterState) -> float:
    """Agent-hours the channel rules leave short on ``s``'s shifts beyond channels chosen freely per interval.

    The coverage cost of the rules (:mod:`roster.rostering.rules.channels`) on
    this roster: its shortfall with the channels it holds, less the shortfall
    of the same shifts with the per-interval assignment (:func:`free_channels`,
    the best any channels could do). Never negative.
    """
    rem = s.req.copy()
    for (a, d), chan in free_channels(s).items():
        idx = s.state[a].chan[d][0]
        ok = chan >= 0
        np.subtract.at(rem, (chan[ok], idx[ok]), 1)
    h = s.grid.interval_min / 60
    return max(0.0, float(np.maximum(s.rem, 0).sum() - np.maximum(rem, 0).sum()) * h)
