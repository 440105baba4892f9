"""Which channel each agent at work serves in each interval, once the shifts are set.

An agent serves one channel at a time, among its skills; between intervals
it may switch, as blended routing does. Per interval, the agents at work are
matched to the channels' open positions (one per required agent) so that the
missing agents, weighted as in the roster's objective, are as few as
possible: an assignment problem, solved exactly (Hungarian method, SciPy's
``linear_sum_assignment``). Among the best assignments the one that keeps
most agents on the channel they served in the previous interval wins, so
agents switch only where coverage needs it; agents beyond the requirement
stay on their previous channel (or their first skill).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from roster.rostering.state import RosterState

FORBIDDEN = 1e12
STAY_BONUS = 1.0  # far below any under-staffing weight: only breaks ties


def assign_channels(s: RosterState) -> dict[tuple[int, int], np.ndarray]:
    """Channel index per interval at work of every shift: ``(agent, day) -> array`` aligned with the template's work intervals."""
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


def exact_channels(s: RosterState) -> None:
    """Re-choose every interval's channel by the exact per-interval assignment (:func:`assign_channels`)."""
    chans = assign_channels(s)
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


