"""What the rule modules share: a violation, a named penalty, and the views of a roster they read.

The rule functions read small records that both sides build cheaply: the
validator from a roster table (:mod:`roster.rostering.validation`), the
search from its templates (:mod:`roster.rostering.state`).

* :class:`ShiftRecord` - one shift of one agent (UTC span, local date, paid
  minutes, channels, pauses), for the hard rules;
* :class:`AgentWeek` - one agent's worked days in one local week, for the
  soft rules;
* :class:`SearchState` (with :class:`AgentShifts` and :class:`PoolTemplates`)
  - what the CP-SAT terms read of the search's state: a protocol that
  :class:`roster.rostering.state.RosterState` satisfies structurally, so no
  rule module imports the state or the model (the variables they write on
  are a :class:`roster.rostering.variables.SubModel`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from roster.rostering.config import SolverConfig


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


# --------------------------------------------------------------------------- #
# what the CP-SAT terms read of the search's state
# --------------------------------------------------------------------------- #
@runtime_checkable
class PoolTemplates(Protocol):
    """A pool's shift templates as the rules read them (arrays aligned per template, see :class:`roster.rostering.instance.Pool`)."""

    @property
    def work(self) -> Sequence[np.ndarray]:
        """Per template: the grid intervals its agent is at work (on shift, not on a pause)."""

    @property
    def start_ns(self) -> np.ndarray:
        """UTC start, nanoseconds since the epoch."""

    @property
    def end_ns(self) -> np.ndarray:
        """UTC end, nanoseconds since the epoch."""

    @property
    def paid_min(self) -> np.ndarray:
        """Paid minutes."""

    @property
    def cost(self) -> np.ndarray:
        """Objective cost of the paid time (:func:`roster.rostering.rules.paid_time.shift_cost`)."""

    @property
    def late(self) -> np.ndarray:
        """Whether it is a late shift (:func:`roster.rostering.rules.fairness.is_late`)."""

    @property
    def weekend(self) -> np.ndarray:
        """Whether it falls on a Saturday or Sunday (site local date)."""


@runtime_checkable
class AgentShifts(Protocol):
    """One agent's place in the search's state, as the rules read it."""

    @property
    def pool(self) -> int:
        """Index of the agent's pool."""

    @property
    def shifts(self) -> Mapping[int, int]:
        """Local day (0 = the roster's first day) -> template of the agent's pool: the shifts fixed so far."""

    @property
    def pref_days(self) -> frozenset[int]:
        """Local days the agent prefers off."""


@runtime_checkable
class SearchState(Protocol):
    """What the CP-SAT terms of the rule modules read of the search's state (:class:`roster.rostering.state.RosterState`).

    Agents, pools, channels and intervals are indices; days are local days
    from the roster's first day, weeks local weeks (day // 7); paid time is
    in minutes.
    """

    @property
    def config(self) -> SolverConfig:
        """The objective's weights."""

    @property
    def grid(self):
        """The roster's UTC grid: ``t0`` (UTC start of interval 0), ``step``, ``n`` (see :class:`roster.rostering.instance.Demand`)."""

    @property
    def agents(self) -> Sequence:
        """The agents (``agent_id`` each), by agent index."""

    @property
    def weeks(self) -> int:
        """Local weeks in the roster."""

    @property
    def days(self) -> int:
        """Local days in the roster (7 x weeks)."""

    @property
    def pools(self) -> Sequence[PoolTemplates]:
        """The pools' templates, by pool index."""

    @property
    def state(self) -> Sequence[AgentShifts]:
        """Each agent's pool and fixed shifts, by agent index."""

    @property
    def skill_idx(self) -> Sequence[np.ndarray]:
        """Per pool: the channel indices its agents may serve."""

    @property
    def rem(self) -> np.ndarray:
        """(channels, intervals): agents still required after the fixed shifts."""

    @property
    def w(self) -> np.ndarray:
        """(channels, intervals): objective cost of one missing agent."""

    @property
    def rest_ns(self) -> int:
        """The minimum rest between two shifts, in nanoseconds."""

    @property
    def max_consecutive(self) -> int:
        """The longest run of working days allowed."""

    @property
    def run_before(self) -> np.ndarray:
        """(agents,): working days in a row the agent's earlier shifts end with, the day before the first roster day."""

    @property
    def max_days(self) -> np.ndarray:
        """(agents, weeks): most working days."""

    @property
    def min_paid_min(self) -> np.ndarray:
        """(agents, weeks): least paid minutes (the contract's minimum prorated by the days available)."""

    @property
    def max_paid_min(self) -> np.ndarray:
        """(agents, weeks): most paid minutes."""

    def used_min(self, ai: int, w: int) -> int:
        """Agent ``ai``'s paid minutes in week ``w`` from its fixed shifts."""

    def rest_spans(self, ai: int, skip_days=()) -> list[tuple[int, int]]:
        """UTC ``(start_ns, end_ns)`` of agent ``ai``'s shifts in the roster (but those of ``skip_days``); a previous roster's are out of the pools' allowed templates."""
