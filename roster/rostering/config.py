"""Solver settings and objective weights, shared by the search, the model, the heuristic and the scorer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SolverConfig(BaseModel):
    """Solver settings and objective weights (objective units).

    A missing agent for one interval costs ``under_weight`` plus up to
    ``peak_weight`` at the channel's peak (scaled by requirement / peak):
    under-staffing comes first, and most where it hurts most customers. Paid
    time costs ``cost_weight`` per currency unit of the contract's hourly
    cost (24/h at weight 10: 60 per agent-quarter-hour, so an agent short
    for a quarter hour outweighs four paid hours). Soft rules come last.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_limit_s: float = Field(default=60.0, gt=0, description="wall-clock limit for the whole roster step, in seconds")
    effort: int | None = Field(
        default=None, ge=1,
        description="work budget of the search (reproducible: the same inputs and seed give the same roster), in units of "
                    "roster.rostering.budget.STEPS_PER_EFFORT heuristic steps and CP_SAT_DET_S_PER_EFFORT s of CP-SAT "
                    "deterministic time; time_limit_s stays the upper limit. None = wall time only",
    )
    workers: int = Field(default=0, ge=0, description="CP-SAT search threads; 0 = all cores")
    seed: int = Field(default=0, description="random seed of the search")
    under_weight: int = Field(default=1000, ge=0, description="cost of one missing agent for one interval")
    peak_weight: int = Field(default=1000, ge=0, description="extra cost of a missing agent at the channel's peak (scaled by requirement / peak)")
    cost_weight: int = Field(default=10, ge=0, description="objective units per currency unit of paid time")
    preference_weight: int = Field(default=300, ge=0, description="cost of working on a preferred day off")
    weekend_weight: int = Field(default=200, ge=0, description="fairness: cost of each weekend day an agent works beyond one a week")
    late_weight: int = Field(default=100, ge=0, description="fairness: cost of each late shift an agent works beyond two a week")
    late_start_h: float = Field(default=14.0, ge=0, lt=24, description="a shift starting at or after this local hour is a late shift")
    split_off_weight: int = Field(default=150, ge=0, description="cost of a week whose days off are all apart (two days off in a row preferred)")
    bound: bool = Field(default=True, description="solve the coverage programme (lower bound and a start for the search)")
    exact_max_options: int = Field(default=12_000, ge=0, description="solve the whole agent-level CP-SAT model when the team has at most this many shift options")


