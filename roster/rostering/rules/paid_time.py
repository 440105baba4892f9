"""Objective: paid time, at each contract's hourly cost.

A shift of ``paid_min`` paid minutes on a contract costing ``hourly_cost``
an hour adds ``cost_weight`` objective units per currency unit, rounded to
a whole unit per shift (:func:`shift_cost`): the shift templates
(:func:`roster.rostering.instance.make_pools`), the CP-SAT terms
(:func:`terms`) and the scorer (:func:`count`) price it the same way.
"""

from __future__ import annotations


import numpy as np

from roster.rostering.rules.base import Penalty, SearchState
from roster.rostering.variables import SubModel

PAID_HOURS = Penalty("paid hours", "hours", "cost_weight")


def shift_cost(paid_min, hourly_cost, cost_weight: int):
    """Objective cost of shifts' paid time (works on arrays): paid hours x hourly cost x weight, rounded per shift."""
    return np.round(np.asarray(paid_min) / 60 * np.asarray(hourly_cost) * cost_weight)


def count(paid_min, hourly_cost, cost_weight: int) -> tuple[float, float]:
    """Paid hours and their cost over shifts (arrays aligned per shift)."""
    paid_min = np.asarray(paid_min, dtype=float)
    return float(paid_min.sum() / 60), float(shift_cost(paid_min, hourly_cost, cost_weight).sum())


def terms(m: SubModel, s: SearchState) -> list:
    """The paid-time terms ``(cost, x)`` of every shift variable."""
    return [(int(s.pools[s.state[a].pool].cost[t]), v) for (a, t), v in m.x.items()]
