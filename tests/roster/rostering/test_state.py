"""The search state's soft penalties are the rule modules' counts: on whole rosters and, vectorised, for candidate shifts."""

import numpy as np
import pytest

from roster.rostering import SolverConfig, roster_frame, score_roster
from roster.rostering.rules import SOFT_PENALTIES
from roster.rostering.validation import agent_weeks
from tests.roster.rostering.factory import WEEK, random_instance, state


def _random_roster(seed: int):
    agents, lr, req, span = random_instance(seed)
    rng = np.random.default_rng(seed)
    agents = [a.model_copy(update={"preferred_days_off": tuple(int(d) for d in rng.choice(7, size=2, replace=False))}) for a in agents]
    cfg = SolverConfig(late_start_h=12.0)  # about half the starts are late
    s = state(agents, lr, req, cfg)
    for a in rng.permutation(len(agents)):  # random shifts the hard rules allow
        st = s.state[int(a)]
        for _ in range(int(rng.integers(1, 7))):
            cand = np.flatnonzero(s.masks[st.pool][st.k])
            if not len(cand):
                break
            s.add(int(a), int(rng.choice(cand)))
    return s, agents, lr, req, cfg, rng


@pytest.mark.parametrize("seed", range(4))
def test_agent_soft_is_the_rules_counts_of_the_roster_table(seed):
    s, agents, lr, req, cfg, _ = _random_roster(seed)
    roster = roster_frame(s, {(a, d): st.chan[d][1] for a, st in enumerate(s.state) for d in st.shifts}, agents)
    weeks = agent_weeks(roster, agents, WEEK, cfg.late_start_h)
    for ai, a in enumerate(agents):
        mine = [w for (aid, _), w in weeks.items() if aid == a.agent_id]
        assert s.agent_soft(ai) == sum(getattr(cfg, p.weight) * p.count(mine) for p in SOFT_PENALTIES)
        assert {w for w in s.agent_weeks(ai) if w.days} == set(mine)  # both sides build the same agent-weeks
    pen = score_roster(roster, req, agents, lr, cfg, week_start=WEEK, interval_min=15).penalties.set_index("penalty")
    assert s.soft_total == pytest.approx(sum(pen.loc[p.name, "cost"] for p in SOFT_PENALTIES))
    assert sum(pen.loc[p.name, "count"] for p in SOFT_PENALTIES) > 0  # the test sees the rules at work


@pytest.mark.parametrize("seed", range(4))
def test_vectorised_candidate_penalties_equal_the_change_in_the_counts(seed):
    s, agents, lr, req, cfg, rng = _random_roster(seed)
    for ai in range(len(agents)):
        st = s.state[ai]
        p = s.pools[st.pool]
        free = np.flatnonzero(p.allowed[st.k] & ~np.isin(p.day, list(st.shifts)))
        cand = rng.choice(free, size=min(40, len(free)), replace=False)
        fast = s.soft_penalties(ai, cand)
        before = s.agent_soft(ai)
        for t, f in zip(cand.tolist(), fast):
            s.add(ai, t)
            assert f == pytest.approx(s.agent_soft(ai) - before), (ai, t)
            s.remove(ai, int(p.day[t]))
        assert np.any(fast > 0)


@pytest.mark.parametrize("seed", range(3))
def test_the_kept_soft_total_follows_adds_and_removes(seed):
    # add and remove recount only the changed week; the running total must stay the whole recount
    s, agents, lr, req, cfg, rng = _random_roster(seed)
    for _ in range(200):
        ai = int(rng.integers(len(agents)))
        st = s.state[ai]
        cand = np.flatnonzero(s.masks[st.pool][st.k])
        if st.shifts and (rng.random() < 0.5 or not len(cand)):
            s.remove(ai, int(rng.choice(list(st.shifts))))
        elif len(cand):
            s.add(ai, int(rng.choice(cand)))
        assert s.week_soft[ai].sum() == s.agent_soft(ai)
    assert s.soft_total == pytest.approx(sum(s.agent_soft(a) for a in range(len(agents))))
