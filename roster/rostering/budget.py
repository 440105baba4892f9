"""How long the roster search may go on: a work budget, bounded by a wall-clock deadline.

A :class:`Budget` counts the search's *steps* (one move tried: a
ruin-and-recreate of a few agents' weeks, or one shift taken out and the
agent's best put back) and stops at a fixed number of them, so that the same
inputs and seed give the same roster on any machine and under any load; or,
with no step budget, at the deadline alone (wall time). The wall-clock
deadline bounds both: whichever comes first ends the search, and
:attr:`Budget.ended_by` says which (:data:`WORK` or :data:`TIME`; :data:`CONVERGED`
when the search stopped on its own first).

The plan's ``effort`` (:class:`roster.rostering.config.SolverConfig`) sets the
work: :data:`STEPS_PER_EFFORT` heuristic steps and :data:`CP_SAT_DET_S_PER_EFFORT`
seconds of CP-SAT's deterministic time per unit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

#: heuristic steps (moves tried) per unit of effort
STEPS_PER_EFFORT = 50
#: CP-SAT deterministic time (its own unit, close to a second) per unit of effort, for the exact model
CP_SAT_DET_S_PER_EFFORT = 0.5
#: what ended a search
WORK = "work budget"
TIME = "time limit"
CONVERGED = "converged"  # the search stopped on its own (nothing more to improve, or the exact model proved optimality)


@dataclass
class Budget:
    """A search's budget: a wall-clock ``deadline`` (``time.perf_counter()`` seconds) and optionally ``steps``.

    With ``steps`` None the search runs to the deadline (wall time only).
    Parts of a budget (:meth:`part`) spend their parent's steps.
    """

    deadline: float
    steps: int | None = None
    used: int = 0
    ended_by: str | None = None
    parent: Budget | None = None

    @property
    def by_work(self) -> bool:
        """Whether this budget counts steps (the search is then reproducible unless the deadline comes first)."""
        return self.steps is not None

    @property
    def left(self) -> int | None:
        """Steps left (None without a step budget)."""
        return None if self.steps is None else max(0, self.steps - self.used)

    def seconds_left(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())

    def _mark(self, why: str) -> None:
        """Record what ended this budget; the deadline also ends every enclosing budget whose own deadline has passed."""
        if self.ended_by is None:
            self.ended_by = why
        if why == TIME:
            now = time.perf_counter()
            b = self.parent
            while b is not None:
                if b.ended_by is None and (now >= b.deadline or b.by_work):
                    b.ended_by = TIME  # a work budget whose search the clock cut short
                b = b.parent

    def out(self) -> bool:
        """Whether the budget is spent (the steps, or the deadline passed); records which."""
        if self.steps is not None and self.used >= self.steps:
            self._mark(WORK)
            return True
        if time.perf_counter() >= self.deadline:
            self._mark(TIME)
            return True
        return False

    def nearly_out(self, seconds: float, steps: int) -> bool:
        """Fewer than ``steps`` steps left (work budget), or fewer than ``seconds`` before the deadline."""
        if self.steps is not None and self.left < steps:
            return True
        if self.deadline - time.perf_counter() < seconds:
            if self.steps is not None:
                self._mark(TIME)  # the wall clock, not the work, cut the search short
            return True
        return False

    def spend(self, n: int = 1) -> None:
        b: Budget | None = self
        while b is not None:
            b.used += n
            b = b.parent

    def time_cut(self) -> None:
        """Record that the wall clock cut a step short (e.g. a sub-solve that hit the deadline)."""
        self._mark(TIME)

    def part(self, *, seconds: float | None = None, steps: int | None = None) -> Budget:
        """A part of this budget: ``steps`` of its steps (work budget) or ``seconds`` of its time (wall time only).

        Either way the part ends at this budget's deadline at the latest. A
        work budget ignores ``seconds`` (so the search does not depend on
        the clock); a wall-time budget ignores ``steps``.
        """
        if self.steps is not None:
            n = self.left if steps is None else min(steps, self.left)
            return Budget(self.deadline, n, parent=self)
        deadline = self.deadline if seconds is None else min(self.deadline, time.perf_counter() + seconds)
        return Budget(deadline, None, parent=self)


def as_budget(limit: float | Budget) -> Budget:
    """A budget from a wall-clock deadline (``time.perf_counter()`` seconds) or a budget itself."""
    return limit if isinstance(limit, Budget) else Budget(float(limit))
