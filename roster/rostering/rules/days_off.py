"""Soft rule: two days off in a row each week.

A local week whose days off number two or more with no two of them
following each other (:func:`days_off_apart`) costs ``split_off_weight``.
With fewer than two days off there is nothing to pair and no cost.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from roster.rostering.rules.base import AgentWeek, Penalty, SearchState
from roster.rostering.variables import SubModel

#: days off a week from which two should follow each other
MIN_DAYS_OFF_TO_PAIR = 2


def days_off_apart(worked: set[int] | frozenset[int]) -> int:
    """1 if a week's days off (days 0-6 not in ``worked``) number two or more and no two follow each other, else 0."""
    return _apart(frozenset(worked))


@functools.cache
def _apart(worked: frozenset[int]) -> int:
    off = [j for j in range(7) if j not in worked]
    if len(off) < MIN_DAYS_OFF_TO_PAIR:
        return 0
    return 0 if any(b == a + 1 for a, b in zip(off, off[1:])) else 1


def count(weeks: Iterable[AgentWeek]) -> int:
    """Weeks whose days off are all apart, over agent-weeks."""
    return int(sum(days_off_apart(w.days) for w in weeks))


DAYS_OFF_APART = Penalty("days off apart (none two in a row)", "agent-weeks", "split_off_weight", count)


def add_days_off_together(m: SubModel, s: SearchState, free_agents) -> list:
    """A week whose days off are all apart, per free agent and week (fixed days count).

    Returns the terms ``(split_off_weight, apart)``; none when the weight is 0.
    """
    weight = s.config.split_off_weight
    terms = []
    if not weight:
        return terms
    for a in free_agents:
        fixed = set(s.state[a].shifts)
        for w in range(s.weeks):
            days = range(7 * w, min(7 * w + 7, s.days))
            free = {d: m.work[(a, d)] for d in days if (a, d) in m.work}
            if not free:
                continue
            off = {d: (1 - free[d]) if d in free else (0 if d in fixed else 1) for d in days}
            pairs = []
            for d in days:
                if d + 1 not in off:
                    continue
                x, y = off[d], off[d + 1]
                if isinstance(x, int) and isinstance(y, int):
                    if x and y:
                        pairs = None
                        break
                    continue
                pv = m.model.NewBoolVar(f"off_pair_{a}_{d}")
                for o in (x, y):
                    if isinstance(o, int):
                        if not o:
                            m.model.Add(pv == 0)
                    else:
                        m.model.Add(pv <= o)
                pairs.append(pv)
            if pairs is None:
                continue  # two fixed days off in a row already
            n_off = sum(off.values())
            apart = m.model.NewBoolVar(f"days_off_apart_{a}_{w}")
            # apart: at least two days off and no pair; with fewer than two days off there is nothing to pair
            enough = m.model.NewBoolVar(f"two_off_{a}_{w}")
            m.model.Add(n_off >= MIN_DAYS_OFF_TO_PAIR).OnlyEnforceIf(enough)
            m.model.Add(n_off <= MIN_DAYS_OFF_TO_PAIR - 1).OnlyEnforceIf(enough.Not())
            m.model.Add(apart >= enough - sum(pairs))
            terms.append((weight, apart))
    return terms
