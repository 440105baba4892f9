"""A solved roster: its table (one row per activity), its KPIs and the result the search returns.

Float KPIs that a run could not compute (no lower bound within the time limit,
hence no gap; no coverage programme, hence none of its figures) are NaN:
NaN is the one "not available" value, test it with ``math.isnan`` or
``x != x``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from forecast.tables import ROSTER
from roster.rostering.rules.channels import switch_stats
from roster.rostering.state import RosterState
from roster.schema import Agent, LabourRules


class RosterKpis(BaseModel):
    """Every figure the search reports on its roster.

    Agent-hours are agents on a channel x hours, summed over the roster's
    channel-intervals; ``*_s`` figures are wall-clock seconds from the start
    of :func:`roster.rostering.search.solve_roster`. Objective, bound and cost
    are in the objective's units (the contracts' hourly cost plus the
    weighted penalties). A float figure that is not available is NaN.
    """

    model_config = ConfigDict(frozen=True)

    # the roster itself
    paid_h: float = Field(description="paid hours of every shift (unpaid lunches excluded)")
    cost: float = Field(description="paid hours x each agent's contract hourly cost")
    shifts: int = Field(description="shifts rostered (one per agent and local day worked)")
    agents_rostered: int = Field(description="agents with at least one shift")
    channel_switches: int = Field(description="changes of channel inside shifts, all shifts")
    switches_per_shift_mean: float = Field(description="changes of channel per shift, on average (0 without shifts)")
    switches_per_shift_max: int = Field(description="most changes of channel in one shift")
    shifts_over_max_switches: int = Field(description="shifts with more changes of channel than max_channel_switches (0 for a valid roster)")
    channel_block_cost_agent_h: float = Field(
        default=float("nan"),
        description="agent-hours the channel rules (blocks, switches) leave short on these shifts beyond channels chosen "
                    "freely per interval; NaN when not computed")
    violations: int = Field(description="hard-rule violations the validator found (0 for a valid roster)")
    # coverage against the requirement
    required_agent_h: float = Field(description="agent-hours required on the channels")
    scheduled_agent_h: float = Field(description="agent-hours scheduled on the channels (breaks excluded)")
    under_agent_h: float = Field(description="agent-hours short of the requirement")
    over_agent_h: float = Field(description="agent-hours scheduled above the requirement")
    under_agent_intervals: int = Field(description="agents short, summed over the channel-intervals")
    intervals_understaffed: int = Field(description="channel-intervals with fewer agents than required")
    unreachable_agent_h: float = Field(description="agent-hours required where no agent with the skill can work at all")
    # the search
    status: str = Field(description="OPTIMAL or FEASIBLE (the whole CP-SAT model's), LNS (the local search's roster improved by CP-SAT on "
                                     "each agent's week; not proven optimal) or HEURISTIC (the local search's best)")
    search_ended_by: str = Field(default="", description="what ended the search: work budget (reproducible), time limit, or converged")
    objective: float = Field(description="the roster's objective as the validator's scorer recomputes it")
    search_objective: float = Field(description="the search's own objective for the same roster (equals objective)")
    first_objective: float = Field(description="objective of the first, greedy roster")
    bound: float = Field(description="the coverage programme's lower bound on any roster's objective; NaN if not reached")
    gap: float = Field(description="(objective - bound) / max(|objective|, 1); NaN without a bound")
    bound_short_agent_h: float = Field(description="agent-hours short even in the coverage programme's relaxation; NaN without it")
    bound_at_work_agent_h: float = Field(description="agent-hours at work on channels in the relaxation; NaN without it")
    variables: int = Field(description="agent-shift options (allowed agent x template pairs) the search chose from")
    # timings
    build_s: float = Field(description="seconds to build the pools and shift templates")
    first_solution_s: float = Field(description="seconds to the first complete roster")
    bound_s: float = Field(description="seconds the coverage programme took; NaN without it")
    solve_s: float = Field(description="seconds of the whole search, result included")
    finish_s: float = Field(description="seconds from the end of the search to the result (roster table, coverage, checks)")


@dataclass
class RosterResult:
    """A roster and how good it is (``kpis.status``, ``kpis.bound``, ``kpis.gap``: how well it is proven).

    ``coverage`` is on the requirements' grid; where the roster's resolution is
    finer (an hourly plan rostered on quarter hours), ``scheduled`` is the
    agents on the channel on average over the interval. The KPIs are counted
    on the roster's own intervals.
    """

    roster: pd.DataFrame
    coverage: pd.DataFrame
    kpis: RosterKpis
    penalties: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def roster_frame(s: RosterState, chans: dict[tuple[int, int], np.ndarray], agents: list[Agent]) -> pd.DataFrame:
    """The roster as one row per activity (the columns of :data:`forecast.tables.ROSTER`).

    A shift is written as consecutive ``shift`` rows, one per stretch on one
    channel, that together span it (``shift_id`` groups them); each pause is
    a ``break`` or ``lunch`` row inside the stretch it interrupts, with that
    stretch's channel. ``paid_h`` is each row's paid time.
    """
    rows = []
    channels = list(s.grid.channels)
    # local times: one conversion per distinct instant and site (shifts start and end on a few hundred instants)
    local: dict[tuple[pd.Timestamp, str], str] = {}

    def on_clock(ts: pd.Timestamp, tz: str) -> str:
        key = (ts, tz)
        if key not in local:
            local[key] = pd.Timestamp(ts).tz_convert(tz).isoformat()
        return local[key]

    for a, st in enumerate(s.state):
        agent = agents[a]
        p = s.pools[st.pool]
        default = p.skills[0] if p.skills else ""
        # an interval without a channel (-1) counts as the pool's first skill: compare names, not indices
        default_code = channels.index(default) if default in channels else -2
        for d, t in sorted(st.shifts.items()):
            tpl = p.templates[t]
            idx = p.work[t]
            chan = chans.get((a, d), np.full(len(idx), -1))
            code = np.where(np.asarray(chan) >= 0, chan, default_code)
            # channel changes happen at the start of a work interval; the shift's first stretch starts at its start
            change = (np.flatnonzero(code[1:] != code[:-1]) + 1).tolist()
            cuts = [tpl.start, *(s.grid.t0 + int(idx[j]) * s.grid.step for j in change), tpl.end]
            names = [channels[c] if c >= 0 else default for c in (code[[0, *change]].tolist() if len(code) else [-2])]
            shift_id = f"{agent.agent_id}-{tpl.local_date.isoformat()}"
            base = {"agent_id": agent.agent_id, "site_tz": agent.site_tz, "local_date": tpl.local_date.isoformat(), "shift_id": shift_id}
            for (a0, b0), name in zip(zip(cuts, cuts[1:]), names):
                unpaid = sum(((min(q.end, b0) - max(q.start, a0)).total_seconds() / 3600 for q in tpl.pauses
                              if q.kind == "lunch" and not s.rules.breaks.lunch_paid and q.start < b0 and q.end > a0))
                rows.append({**base, "activity": "shift", "channel": name, "start_utc": a0, "end_utc": b0,
                             "start_local": on_clock(a0, agent.site_tz), "end_local": on_clock(b0, agent.site_tz),
                             "paid_h": (b0 - a0).total_seconds() / 3600 - unpaid})
            for q in tpl.pauses:
                k = max(j for j in range(len(cuts) - 1) if cuts[j] <= q.start)
                rows.append({**base, "activity": q.kind, "channel": names[k], "start_utc": q.start, "end_utc": q.end,
                             "start_local": on_clock(q.start, agent.site_tz), "end_local": on_clock(q.end, agent.site_tz), "paid_h": np.nan})
    cols = list(ROSTER.names)
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    order = {"shift": 0, "break": 1, "lunch": 1}
    df = df.assign(_o=df["activity"].map(order)).sort_values(["agent_id", "start_utc", "_o"]).drop(columns="_o")
    return df[cols].reset_index(drop=True)


def roster_kpis(
    roster: pd.DataFrame, coverage: pd.DataFrame, rules: LabourRules, agents: list[Agent], step: pd.Timedelta, **search
) -> RosterKpis:
    """The roster's KPIs: the figures of the roster and its coverage, with ``search``'s own (status, timings, bound, ...).

    Parameters
    ----------
    roster : DataFrame
        As :func:`roster_frame` builds it.
    coverage : DataFrame
        ``ds, channel, required, scheduled`` per channel-interval.
    rules : LabourRules
    agents : list of Agent
    step : Timedelta
        The coverage grid's interval.
    **search
        The remaining :class:`RosterKpis` fields, from the search (the
        channel switches are counted here, by
        :func:`roster.rostering.rules.channels.switches_per_shift`).
    """
    h = step.total_seconds() / 3600
    shifts = roster[roster["activity"] == "shift"]
    short = (coverage["required"] - coverage["scheduled"]).clip(lower=0)
    over = (coverage["scheduled"] - coverage["required"]).clip(lower=0)
    cost_of = {a.agent_id: rules.contracts[a.contract].hourly_cost for a in agents}
    sw = switch_stats(roster, rules)
    return RosterKpis(
        paid_h=float(shifts["paid_h"].sum()),
        cost=float((shifts["paid_h"] * shifts["agent_id"].map(cost_of)).sum()),
        shifts=int(shifts["shift_id"].nunique()) if "shift_id" in shifts else int(len(shifts)),
        channel_switches=sw.total,
        switches_per_shift_mean=sw.mean,
        switches_per_shift_max=sw.most,
        shifts_over_max_switches=sw.over_limit,
        agents_rostered=int(shifts["agent_id"].nunique()),
        required_agent_h=float(coverage["required"].sum() * h),
        scheduled_agent_h=float(coverage["scheduled"].sum() * h),
        under_agent_intervals=int(short.sum()),
        under_agent_h=float(short.sum() * h),
        over_agent_h=float(over.sum() * h),
        intervals_understaffed=int((short > 0).sum()),
        **search,
    )
