"""Large-neighbourhood search with CP-SAT: each agent's week re-solved exactly against everyone else's.

The whole agent-level model (:mod:`roster.rostering.model`) is too big for
CP-SAT past a small team: on the sample's 120 agents it finds nothing better
than the local search in minutes. Its sub-problems are not: one agent's week
with everyone else's shifts fixed is a small model that CP-SAT solves to
optimality in milliseconds (:func:`roster.rostering.model.build_placement`:
every hard rule of the agent - one shift a day, rest between any two shifts,
days, paid minutes and consecutive days a week, start windows, time off -
and each shift valued by the under-staffing it removes given the others'
shifts, less its paid time and soft penalties). The greedy rebuild of the
local search places an agent's shifts one at a time, best first; the exact
model places the whole week at once, which finds weeks the greedy cannot
(two shorter shifts where the greedy took one long one and ran out of hours,
a day off moved to free hours for the peak).

Each round visits every agent once, in an order drawn from the seed, agents
who can work where the roster is short first. An agent's week is taken out,
solved (one worker, a fixed deterministic time, so the same inputs and seed
give the same roster), and kept when the roster's objective falls - the
objective with the channels chosen under the block rules, since the exact
model values each interval at the agent's neediest skill. A round that ends
worse once the channels are re-chosen for the whole roster
(:func:`roster.rostering.channels.exact_channels`) is undone. The search
stops when a round improves nothing, the work budget is spent or the
deadline comes.

Only the agent's ``CANDIDATES_PER_DAY`` best templates of each day (by value
against the current roster) and its current shifts enter the model, which
keeps a model small whatever the number of templates.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from roster.rostering import model as agent_model
from roster.rostering.budget import CONVERGED, Budget
from roster.rostering.channels import exact_channels
from roster.rostering.state import RosterState, clear, reach, restore, snapshot

#: CP-SAT deterministic time (about seconds) for one agent's week at most
AGENT_DET_S = 0.5
#: agents' weeks solved per unit of the plan's effort (the work budget, :mod:`roster.rostering.budget`)
LNS_WEEKS_PER_EFFORT = 20
#: templates of each day offered to the exact model (the best by value), besides the agent's current shifts
CANDIDATES_PER_DAY = 24


@dataclass
class LnsStats:
    """What the search did: agents' weeks solved and kept, rounds, objective before and after, and what ended it."""

    solved: int = 0
    improved: int = 0
    rounds: int = 0
    wall_s: float = 0.0
    start_objective: float = float("nan")
    objective: float = float("nan")
    ended_by: str = ""


def candidates(s: RosterState, agent: int, keep: dict[int, int]) -> np.ndarray:
    """Mask of the agent's pool templates offered to the exact model: each day's best by value, and ``keep`` (day -> template)."""
    st = s.state[agent]
    p = s.pools[st.pool]
    mask = s.masks[st.pool][st.k]
    out = np.zeros(len(p.day), dtype=bool)
    cand = np.flatnonzero(mask)
    if len(cand):
        value = s.gains(st.pool)[cand] - s.soft_penalties(agent, cand)
        day = p.day[cand]
        # per day, the CANDIDATES_PER_DAY best (ties by template order): sort by day, then value
        order = np.lexsort((-value, day))
        day_sorted = day[order]
        first = np.searchsorted(day_sorted, day_sorted, side="left")
        rank = np.arange(len(order)) - first
        out[cand[order[rank < CANDIDATES_PER_DAY]]] = True
    out[list(keep.values())] = True
    return out


def replace_week(s: RosterState, agent: int, seed: int, deadline: float) -> bool:
    """Re-solve one agent's week exactly against everyone else's; keep it if the objective falls. Returns whether kept."""
    before = s.objective()
    saved = snapshot(s, [agent])
    clear(s, [agent])
    keep = {d: t for d, (t, _) in saved[agent].items()}
    m = agent_model.build_placement(s, agent, candidates(s, agent, keep))
    # the current week is a feasible start
    for (a, t), v in m.x.items():
        m.model.AddHint(v, 1 if keep.get(int(s.pools[s.state[a].pool].day[t])) == t else 0)
    return solve_placement(s, m, agent, saved, before, seed, deadline)


def solve_placement(s: RosterState, m, agent: int, saved, before: float, seed: int, deadline: float) -> bool:
    """Solve one agent's placement model ``m`` (one worker, :data:`AGENT_DET_S` of deterministic time, up to the
    ``deadline`` on :func:`time.perf_counter`) and keep its week when the roster's objective falls below ``before``
    with no deficit; otherwise the agent's ``saved`` week is restored. Returns whether the new week was kept."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = AGENT_DET_S
    solver.parameters.max_time_in_seconds = max(0.01, deadline - time.perf_counter())
    if solver.Solve(m.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        agent_model.apply_placement(m, solver, s)
        if s.objective() < before - 1e-6 and not s.deficit(agent):
            return True
    restore(s, saved)
    return False


def visit_order(s: RosterState, rng: np.random.Generator) -> list[int]:
    """Every agent once: those who can work where the roster is short first (by how much), then the rest, ties drawn."""
    short = (np.maximum(s.rem, 0) * s.w).sum(axis=0)
    score = reach(s).astype(float) @ short
    noise = rng.random(len(s.agents))
    return [int(a) for a in np.lexsort((noise, -score))]


def improve_lns(s: RosterState, rng: np.random.Generator, *, budget: Budget, until: float, progress=None) -> LnsStats:
    """Rounds of exact week re-placement (module docstring) on ``s``, in place, until a round improves nothing.

    Each agent's week solved is a step of ``budget`` (a work budget counts
    them; its deadline, or ``until``, ``time.perf_counter()`` seconds,
    whichever comes first, ends the search).
    """
    stats = LnsStats(start_objective=s.objective())
    t0 = time.perf_counter()
    until = min(until, budget.deadline)
    while len(s.agents):
        start_obj, start_snap = s.objective(), snapshot(s)
        kept = 0
        for a in visit_order(s, rng):
            if budget.out():
                stats.ended_by = budget.ended_by or ""
                break
            budget.spend()
            stats.solved += 1
            if replace_week(s, a, int(rng.integers(1 << 30)), until):
                kept += 1
                if progress is not None:
                    progress(s.objective())
        exact_channels(s)
        stats.rounds += 1
        if s.objective() > start_obj - 1e-6:
            restore(s, start_snap)
            exact_channels(s)
            stats.ended_by = stats.ended_by or CONVERGED
        else:
            stats.improved += kept
        if stats.ended_by:
            break
    stats.objective = s.objective()
    stats.wall_s = time.perf_counter() - t0
    return stats
