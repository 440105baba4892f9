"""Fast roster construction and improvement at the agent level.

The moves work on a :class:`roster.rostering.state.RosterState` (each
agent's shift per local day, a template of the agent's pool from
:mod:`roster.rostering.instance`, the channel served per interval at work and
the requirement still uncovered), whose every change keeps the hard rules of
:mod:`roster.rostering.rules`.

The objective is the solver's (:class:`roster.rostering.config.SolverConfig`): each
missing agent per interval costs the channel's under-staffing weight, every
shift its paid time, and the soft rules their penalties (preferred day off,
weekend days beyond one and late shifts beyond two a week).

:func:`construct` builds a first roster greedily: the template with the best
gain (under-staffing it removes, less its cost) across all pools goes to the
pool's agent who most needs hours, until no shift pays for itself; agents
still below their contract minimum then take their best remaining shifts.
All gains of a pool are one sparse product, so a 200-agent week builds in
seconds. :func:`improve` is a ruin-and-recreate local search: a few agents'
weeks are taken out and rebuilt greedily against everyone else's, and the
change is kept if the objective falls.

An agent at work serves one channel per interval here: with one skill, that
skill where it is needed; with several, the sequence worth most under the
channel block rules (:meth:`roster.rostering.state.RosterState.block_channels`).
:mod:`roster.rostering.channels` then re-chooses every interval's channels
(an exact assignment per interval, then the block rules shift by shift),
switching an agent only where coverage needs it.
"""

from __future__ import annotations

import numpy as np

from roster.rostering.budget import Budget, as_budget
from roster.rostering.channels import exact_channels, rebalance_channels
from roster.rostering.state import RosterState, clear, reach, restore, snapshot

MAX_RUIN = 4  # agents ruined together at most in one ruin-and-recreate move
#: ruin-and-recreate moves of one round of the local search (work budget; a wall-time budget gives a round 5 s)
ROUND_STEPS = 200
#: a kick is not worth it with fewer steps (or seconds) left than this
KICK_MIN_STEPS, KICK_MIN_S = 50, 2.0


def construct(s: RosterState, deadline: float | None = None) -> None:
    """Greedy first roster (see the module docstring)."""
    n_pools = len(s.pools)
    gains = [s.gains(pi) for pi in range(n_pools)]
    while True:
        best_val, best = 0.0, None
        for pi in range(n_pools):
            cnt = s.masks[pi].any(axis=0)
            if not cnt.any():
                continue
            g = np.where(cnt, gains[pi], -np.inf)
            t = int(g.argmax())
            if g[t] > best_val:
                best_val, best = g[t], (pi, t)
        if best is None:
            break
        pi, t = best
        ai = _pick_agent(s, pi, t)
        if ai is None:  # no agent can take it without missing a minimum later: drop the template for now
            s.masks[pi][:, t] = False
            continue
        s.add(ai, t)
        changed = set(s.pools[pi].skills)
        for pj in range(n_pools):
            if changed & set(s.pools[pj].skills):
                gains[pj] = s.gains(pj)
    for ai in range(len(s.agents)):  # rebuild masks the template drops above may have cleared
        s._update_mask(ai)
    fill_minimums(s)


def _pick_agent(s: RosterState, pi: int, t: int) -> int | None:
    p = s.pools[pi]
    rows = np.flatnonzero(s.masks[pi][:, t])
    best, best_key = None, None
    for k in rows:
        ai = p.agents[k]
        if not s.min_reachable(ai, t):
            continue
        key = (-s.deficit(ai), s.soft_penalty(ai, t), sum(p.paid_min[x] for x in s.state[ai].shifts.values()), ai)
        if best_key is None or key < best_key:
            best, best_key = ai, key
    return best


def fill_minimums(s: RosterState) -> list[int]:
    """Agents below their contract minimum take their best remaining shifts; returns those still below."""
    short = []
    for ai in range(len(s.agents)):
        if not s.deficit(ai):
            continue
        st = s.state[ai]
        for _ in range(s.days):
            if not s.deficit(ai):
                break
            mask = s.masks[st.pool][st.k]
            cand = np.flatnonzero(mask)
            if not len(cand):
                break
            score, need = s.minimum_first_scores(ai, cand)
            g = np.where(need > 0, score, -np.inf)
            ok = [j for j in np.argsort(-g) if np.isfinite(g[j]) and s.min_reachable(ai, int(cand[j]))]
            if not ok:
                break
            s.add(ai, int(cand[ok[0]]))
        if s.deficit(ai):  # start the agent's week again, minimum first
            for d in list(st.shifts):
                s.remove(ai, d)
            s.rebuild(ai)
            if s.deficit(ai):
                short.append(ai)
    return short


def improve(s: RosterState, deadline: float | Budget, rng: np.random.Generator, progress=None) -> int:
    """Ruin and recreate until ``deadline`` (a wall-clock time or a :class:`roster.rostering.budget.Budget`) or nothing improves for a while; returns accepted moves.

    Half the moves ruin agents around a gap: a channel-interval still short
    is drawn (weighted by its cost), and up to four agents with that skill
    whose site can reach it are taken out; the others ruin a random agent and
    up to three who share a skill with it. The ruined agents' weeks are
    rebuilt greedily in random order; the change is kept if the objective
    falls.
    """
    budget = as_budget(deadline)
    n = len(s.agents)
    if n == 0:
        return 0
    skills_of = [set(s.skill_idx[s.state[a].pool].tolist()) for a in range(n)]
    best = s.objective()
    accepted = 0
    stale = 0
    while stale < 2 * n + 20 and not budget.out():
        budget.spend()
        k = int(rng.integers(1, min(MAX_RUIN, n) + 1))
        short = np.maximum(s.rem, 0) * s.w
        if rng.random() < 0.5 and short.sum() > 0:
            flat = short.ravel() / short.sum()
            c, i = divmod(int(rng.choice(len(flat), p=flat)), s.grid.n)
            can = reach(s)
            near = [a for a in range(n) if c in skills_of[a] and can[a, i]]
            group = list(rng.choice(near, size=min(k, len(near)), replace=False)) if near else [int(rng.integers(n))]
        else:
            first = int(rng.integers(n))
            others = [a for a in range(n) if a != first and skills_of[first] & skills_of[a]]
            group = [first] + (list(rng.choice(others, size=min(k - 1, len(others)), replace=False)) if others and k > 1 else [])
        group = [int(a) for a in group]
        saved = snapshot(s, group)
        clear(s, group)
        for a in rng.permutation(group):
            s.rebuild(int(a))
        obj = s.objective()
        if obj < best - 1e-6 and not any(s.deficit(a) for a in group):
            best = obj
            accepted += 1
            stale = 0
            if progress:
                progress(best)
        else:
            restore(s, saved)
            stale += 1
    return accepted


def reshift(s: RosterState, deadline: float | Budget, rng: np.random.Generator) -> int:
    """Move single shifts: each shift in turn is taken out and the agent's best shift put back.

    The replacement may start at another time, have another length or break
    placement, or fall on another day; the agent may also stay off if the
    shift did not pay for itself (and its minimum hours allow). Kept when
    the objective falls. Repeats until a pass changes nothing or ``deadline``
    (a wall-clock time or a :class:`roster.rostering.budget.Budget`: each shift tried is a step).
    """
    budget = as_budget(deadline)
    moves = 0
    while not budget.out():
        changed = 0
        items = [(a, d) for a in range(len(s.agents)) for d in s.state[a].shifts]
        for j in rng.permutation(len(items)):
            if budget.out():
                break
            budget.spend()
            a, d = items[j]
            st = s.state[a]
            if d not in st.shifts:
                continue
            before = s.objective()
            old_t, old_chan = s.remove(a, d)
            mask = s.masks[st.pool][st.k]
            cand = np.flatnonzero(mask)
            best_t = None
            if len(cand):
                g = s.gains(st.pool)[cand] - s.soft_penalties(a, cand)
                for jj in np.argsort(-g)[:8]:
                    t = int(cand[jj])
                    if s.min_reachable(a, t):
                        best_t = t
                        break
            if best_t is not None and best_t != old_t:
                s.add(a, best_t)
                if s.objective() < before - 1e-6 and not s.deficit(a):
                    changed += 1
                    continue
                s.remove(a, int(s.pools[st.pool].day[best_t]))
            elif best_t is None and not s.deficit(a) and s.objective() < before - 1e-6:
                changed += 1  # dropping the shift is better
                continue
            s.add(a, old_t, old_chan)
        moves += changed
        if not changed:
            break
    return moves


def from_counts(s: RosterState, counts: list[np.ndarray], rng: np.random.Generator) -> None:
    """Place a fractional shift plan (shifts per pool template) on agents, then fill greedily.

    Each template gets the whole part of its count plus one with the
    probability of the fractional part; the largest counts are placed first,
    each on the pool's agent who most needs hours and can take it.
    """
    items = []
    for pi, cnt in enumerate(counts):
        for t in np.flatnonzero(cnt > 1e-6):
            k = int(np.floor(cnt[t] + 1e-9))
            k += int(rng.random() < cnt[t] - k)
            items += [(-cnt[t], pi, int(t))] * k
    items.sort()
    for _, pi, t in items:
        if not s.masks[pi][:, t].any():
            continue
        ai = _pick_agent(s, pi, t)
        if ai is not None:
            s.add(ai, t)
    construct(s)
    rebalance_channels(s)


def local_search(s: RosterState, deadline: float | Budget, rng: np.random.Generator, progress=None, *, kicks: bool = True) -> None:
    """Single-shift moves and ruin-and-recreate in turn until ``deadline`` (a wall-clock time or a :class:`roster.rostering.budget.Budget`).

    When neither improves the roster any more, a kick (iterated local search)
    ruins the agents around the largest remaining gaps, about one in twenty,
    and rebuilds them whatever it costs; the search goes on from there, and
    the best roster seen is the one kept.
    """
    budget = as_budget(deadline)
    best_obj, best = s.objective(), None
    while not budget.out():
        before = s.objective()
        reshift(s, budget, rng)
        exact_channels(s)
        improve(s, budget.part(seconds=5.0, steps=ROUND_STEPS), rng, progress)
        exact_channels(s)
        if s.objective() < best_obj - 1e-6:
            best_obj, best = s.objective(), None
        if progress:
            progress(s.objective())
        if s.objective() > before - 1e-6 * max(1.0, abs(before)):
            if not kicks or budget.nearly_out(KICK_MIN_S, KICK_MIN_STEPS):
                break
            if best is None:
                best = snapshot(s)
            _kick(s, rng)
    if best is not None and s.objective() > best_obj + 1e-6:
        restore(s, best)
        exact_channels(s)


def _kick(s: RosterState, rng: np.random.Generator) -> None:
    """Ruin about one agent in twenty, drawn around the remaining gaps, and rebuild them."""
    n = len(s.agents)
    k = max(2, n // 20)
    short = (np.maximum(s.rem, 0) * s.w).sum(axis=0)
    score = reach(s).astype(float) @ short + 1.0
    group = [int(a) for a in rng.choice(n, size=min(k, n), replace=False, p=score / score.sum())]
    clear(s, group)
    for a in rng.permutation(group):
        s.rebuild(int(a))
    exact_channels(s)
