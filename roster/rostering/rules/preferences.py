"""Soft rule: a preferred day off worked.

An agent's ``preferred_days_off`` (weekdays, 0 = Monday, of the site local
date) are a wish: each one worked costs ``preference_weight``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from roster.rostering.rules.base import AgentWeek, Penalty, SearchState
from roster.rostering.variables import SubModel
from roster.schema import Agent


def is_preferred_off(agent: Agent, local_date: dt.date) -> bool:
    """Whether the agent prefers ``local_date`` (site local) off."""
    return local_date.weekday() in agent.preferred_days_off


def count(weeks: Iterable[AgentWeek]) -> int:
    """Preferred days off worked, over agent-weeks."""
    return int(sum(w.preferred_off for w in weeks))


PREFERRED_DAY_OFF = Penalty("preferred day off worked", "agent-days", "preference_weight", count)


def add_preferences(m: SubModel, s: SearchState) -> list:
    """The terms ``(weight, works that day)`` of every free agent-day the agent prefers off."""
    return [(s.config.preference_weight, w) for (a, d), w in m.work.items() if d in s.state[a].pref_days]
