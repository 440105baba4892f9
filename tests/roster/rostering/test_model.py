"""The placement model (one agent's week under its hard rules) with its own values per template."""

import numpy as np
from ortools.sat.python import cp_model

from roster.rostering.model import build_placement
from tests.roster.rostering.factory import agent, requirements, rules, state


def _solve(m):
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.Solve(m.model) == cp_model.OPTIMAL
    return sorted(t for (_, t), v in m.x.items() if solver.BooleanValue(v)), solver.ObjectiveValue()


def test_given_values_choose_the_week_and_are_rounded_up():
    lr = rules(contract_kw={"min_week_h": 0})
    s = state([agent(0)], lr, requirements(level=1, hours=(8, 17)))
    p = s.pools[0]
    allowed = np.flatnonzero(s.masks[0][0])
    value = np.full(len(p.templates), -5.0)
    wanted = [int(allowed[p.day[allowed] == d][0]) for d in (1, 3)]
    value[wanted] = 99.2
    chosen, objective = _solve(build_placement(s, 0, value=value))
    assert chosen == wanted
    assert objective == 2 * 100  # each rounded up: the worth is never under-counted


def test_without_values_the_week_is_valued_by_its_gains():
    lr = rules(contract_kw={"min_week_h": 0})
    s = state([agent(0)], lr, requirements(level=1, hours=(8, 17)))
    p = s.pools[0]
    allowed = np.flatnonzero(s.masks[0][0])
    gains = np.round(s.gains(0) - s.soft_penalties(0, np.arange(len(p.templates))))
    chosen, objective = _solve(build_placement(s, 0))
    _, with_values = _solve(build_placement(s, 0, value=gains))
    assert objective == with_values > 0
    assert set(chosen) <= set(allowed.tolist())
