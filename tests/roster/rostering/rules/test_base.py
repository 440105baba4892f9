"""The state the rules read: the SearchState protocol names exactly what the rule modules use of RosterState."""

import sys

import pandas as pd

from roster.rostering import model as agent_model
from roster.rostering.rules.base import AgentShifts, PoolTemplates, SearchState
from tests.roster.rostering.factory import soft_rules_instance, state


def _members(protocol) -> set[str]:
    return {n for n in vars(protocol) if not n.startswith("_")}


class _Reads:
    """Stands in for an object and records the attributes the rule modules read of it."""

    def __init__(self, target, seen: set[str], wrap=None):
        self._target, self._seen, self._wrap = target, seen, wrap or {}

    def __getattr__(self, name):
        if sys._getframe(1).f_globals.get("__name__", "").startswith("roster.rostering.rules"):
            self._seen.add(name)
        value = getattr(self._target, name)
        return self._wrap[name](value) if name in self._wrap else value


def test_roster_state_satisfies_the_protocols():
    agents, lr, req, cfg = soft_rules_instance()
    s = state(agents, lr, req, cfg)
    assert isinstance(s, SearchState)
    assert all(isinstance(st, AgentShifts) for st in s.state)
    assert all(isinstance(p, PoolTemplates) for p in s.pools)


def test_the_protocols_name_exactly_what_the_rules_read():
    agents, lr, req, cfg = soft_rules_instance()
    # a second skill, needed too: the channel rules model the agent's channel per interval
    agents = [agents[0].model_copy(update={"skills": ("chat", "voice")})]
    req = pd.concat([req, req.assign(channel="chat")], ignore_index=True)
    s = state(agents, lr, req, cfg)
    seen: dict[str, set[str]] = {"state": set(), "agent": set(), "pool": set()}
    reads = _Reads(s, seen["state"], {
        "state": lambda xs: [_Reads(x, seen["agent"]) for x in xs],
        "pools": lambda xs: [_Reads(x, seen["pool"]) for x in xs],
    })
    m = agent_model.build(reads, list(range(len(agents))), set(range(s.days)))
    assert m.terms  # every rule family added its part
    assert seen == {"state": _members(SearchState), "agent": _members(AgentShifts), "pool": _members(PoolTemplates)}
