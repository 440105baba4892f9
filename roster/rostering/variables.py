"""The CP-SAT variables of an agent-level model: what the rule modules write their constraints and terms on.

:func:`roster.rostering.model.build` creates the shift variables, then each
rule family (:mod:`roster.rostering.rules`) reads them and adds its own
(a work variable per agent and day, the channel counts, the penalties), so
this container knows no rule, no search state and no model builder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model


@dataclass
class SubModel:
    """A CP-SAT model of some free agents on some free days, and its variables by meaning.

    Attributes
    ----------
    model : CpModel
        The model the variables belong to.
    x : dict
        ``(agent, template) -> BoolVar``: the agent works that shift template.
    by_day : dict
        ``(agent, local day) -> [(template, BoolVar)]``: the agent's shift variables of that day, in template order.
    work : dict
        ``(agent, local day) -> BoolVar``: the agent works that day.
    z : dict
        ``(pool, interval, channel) -> IntVar``: how many of the pool's free agents at work serve the channel
        (pools whose agents' channels are not modelled one by one).
    hold : dict
        ``(agent, interval, channel) -> BoolVar``: the agent, on shift, holds the channel (pauses included;
        agents with more than one skill, see :func:`roster.rostering.rules.channels.add_channel_blocks`).
    serve : dict
        ``(agent, interval, channel) -> BoolVar``: the agent serves the channel (at work, not on a pause),
        where the channel still needs agents.
    terms : dict
        Penalty name -> list of ``(coefficient, var)``: the objective's named parts.
    """

    model: cp_model.CpModel
    x: dict = field(default_factory=dict)
    by_day: dict = field(default_factory=dict)
    work: dict = field(default_factory=dict)
    z: dict = field(default_factory=dict)
    hold: dict = field(default_factory=dict)
    serve: dict = field(default_factory=dict)
    terms: dict = field(default_factory=dict)
