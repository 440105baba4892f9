"""The roster's rules, one module per family: where each rule lives.

Each family's module holds the rules' user-facing names (as violations and
the penalties table name them), their thresholds, the CP-SAT constraints or
terms they add to :func:`roster.rostering.model.build`, and one pure function
that checks or counts them on any roster. The search's state
(:mod:`roster.rostering.state`), the validator and scorer
(:mod:`roster.rostering.validation`) and the explanation
(:mod:`roster.rostering.explain`) all use these.

Hard rules (a roster that breaks one is invalid; ``violations()`` in each):

=============================  ===============================================================
module                         rules
=============================  ===============================================================
:mod:`.shifts`                 start window, shift length, shift type, skills, time off,
                               one shift per local day, minimum rest, known agent
:mod:`.breaks`                 breaks and lunch
:mod:`.weekly`                 days per week, weekly hours, consecutive days
:mod:`.channels`               channel block (shortest stretch on one channel), channel switches
                               (most changes of channel a shift)
=============================  ===============================================================

Objective (minimised: the sum of weight x penalty, each penalty named):

=============================  ===============================================================
module                         penalty (weight in :class:`roster.rostering.config.SolverConfig`)
=============================  ===============================================================
:mod:`.coverage`               understaffing (``under_weight``, ``peak_weight``)
:mod:`.paid_time`              paid hours (``cost_weight``)
:mod:`.fairness`               weekend days beyond one a week (``weekend_weight``),
                               late shifts beyond two a week (``late_weight``)
:mod:`.preferences`            preferred day off worked (``preference_weight``)
:mod:`.days_off`               days off apart (none two in a row) (``split_off_weight``)
=============================  ===============================================================
"""

from roster.rostering.rules import breaks, channels, coverage, days_off, fairness, paid_time, preferences, shifts, weekly
from roster.rostering.rules.base import AgentWeek, Pause, Penalty, ShiftRecord, Violation

#: hard rule families and the rules each checks, by user-facing name
HARD_RULES: dict[str, tuple[str, ...]] = {
    "shifts": shifts.RULES,
    "breaks": breaks.RULES,
    "weekly": weekly.RULES,
    "channels": channels.RULES,
}

#: the soft rules' penalties, counted per agent-week (in the penalties table's order)
SOFT_PENALTIES: tuple[Penalty, ...] = (fairness.WEEKEND, fairness.LATE, preferences.PREFERRED_DAY_OFF, days_off.DAYS_OFF_APART)

#: every named part of the objective, in the penalties table's order
OBJECTIVE: tuple[Penalty, ...] = (coverage.UNDERSTAFFING, paid_time.PAID_HOURS, *SOFT_PENALTIES)

__all__ = [
    "AgentWeek", "HARD_RULES", "OBJECTIVE", "Pause", "Penalty", "SOFT_PENALTIES", "ShiftRecord", "Violation",
    "breaks", "channels", "coverage", "days_off", "fairness", "paid_time", "preferences", "shifts", "weekly",
]
