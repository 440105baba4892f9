"""What the rule modules share: a violation, a named penalty, and the views of a roster they read.

The rule functions read small records that both sides build cheaply: the
validator from a roster table (:mod:`roster.rostering.validation`), the
search from its templates (:mod:`roster.rostering.state`).

* :class:`ShiftRecord` - one shift of one agent (UTC span, local date, paid
  minutes, channels, pauses), for the hard rules;
* :class:`AgentWeek` - one agent's worked days in one local week, for the
  soft rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd


def minutes(hours: float) -> int:
    """Hours as whole minutes (rounded to the nearest minute)."""
    return int(round(hours * 60))


@dataclass(frozen=True)
class Violation:
    """One broken hard rule.

    Attributes
    ----------
    rule : str
        The rule's user-facing name (see :mod:`roster.rostering.rules`).
    agent_id : str
        The agent concerned.
    where : str
        Where in the agent's roster: a local date (``2026-06-01``), a week
        (``week 1``), or empty for the whole roster.
    message : str
        What is wrong, with the figures.
    """

    rule: str
    agent_id: str
    where: str
    message: str

    def __str__(self) -> str:
        where = f"{self.agent_id} {self.where}".strip()
        return f"{self.rule}: {where}: {self.message}"


@dataclass(frozen=True)
class Pause:
    """A break or lunch inside a shift."""

    kind: str  # "break" | "lunch"
    start: pd.Timestamp  # UTC
    end: pd.Timestamp  # UTC


@dataclass(frozen=True)
class ShiftRecord:
    """One shift of one agent as the hard rules check it.

    Attributes
    ----------
    local_date : date
        The local day (site time) the shift belongs to.
    start, end : Timestamp
        Its span, UTC (tz-aware).
    paid_min : int or None
        Paid time in minutes; None when the roster does not say.
    channels : frozenset of str
        Channels it serves.
    pauses : tuple of Pause
        Its breaks and lunch, in start order.
    pieces : int
        Separate stretches its rows form (1 for a proper shift; more means two
        shifts or a gap on one local day).
    """

    local_date: dt.date
    start: pd.Timestamp
    end: pd.Timestamp
    paid_min: int | None
    channels: frozenset[str]
    pauses: tuple[Pause, ...] = ()
    pieces: int = 1

    @property
    def length_h(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class AgentWeek:
    """One agent's worked days in one local week, as the soft rules read them.

    Attributes
    ----------
    days : frozenset of int
        Worked days, 0-6 from the week's first local day.
    weekend : int
        How many of them fall on a Saturday or Sunday (site local date).
    late : int
        How many of them are late shifts (see :mod:`roster.rostering.rules.fairness`).
    preferred_off : int
        How many of them are days the agent prefers off.
    """

    days: frozenset[int]
    weekend: int = 0
    late: int = 0
    preferred_off: int = 0


@dataclass(frozen=True)
class Penalty:
    """A named part of the objective: how to count it on a roster and which weight prices a unit.

    Attributes
    ----------
    name : str
        User-facing name, as in the penalties table and the CP-SAT model's terms.
    unit : str
        What one counted unit is.
    weight : str
        The :class:`roster.rostering.config.SolverConfig` field that prices one unit.
    count : callable
        ``count(weeks)`` over an iterable of :class:`AgentWeek` (soft rules only).
    """

    name: str
    unit: str
    weight: str
    count: Callable[[Iterable[AgentWeek]], int] | None = None
