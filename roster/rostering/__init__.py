"""Rostering: from staffing requirements to agent shifts, breaks and channels.

The public entry points; see docs/ARCHITECTURE.md for the modules behind them
and :mod:`roster.rostering.rules` for where each rule lives.
"""

from roster.rostering.config import SolverConfig
from roster.rostering.rules import Violation
from roster.rostering.search import solve_roster
from roster.rostering.solution import RosterKpis, RosterResult, roster_frame
from roster.rostering.validation import score_roster, validate_roster
from roster.rostering.weeks import check_roster_weeks, default_week_start, roster_span, roster_weeks

__all__ = [
    "RosterKpis", "RosterResult", "SolverConfig", "Violation", "check_roster_weeks", "default_week_start", "roster_frame", "roster_span",
    "roster_weeks",
    "score_roster", "solve_roster", "validate_roster",
]
