"""A solved roster: its table (one row per activity), its KPIs and the result the search returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from roster.rostering.state import RosterState
from roster.schema import Agent, LabourRules


ROSTER_COLUMNS = ["agent_id", "site_tz", "local_date", "activity", "channel", "start_utc", "end_utc", "start_local", "end_local"]


@dataclass
class RosterResult:
    """A roster and how good it is."""

    roster: pd.DataFrame
    coverage: pd.DataFrame
    kpis: dict
    penalties: pd.DataFrame
    bound: float
    gap: float
    status: str
    notes: list[str] = field(default_factory=list)


def roster_frame(s: RosterState, chans: dict[tuple[int, int], np.ndarray], agents: list[Agent]) -> pd.DataFrame:
    """The roster as one row per activity.

    A shift is written as consecutive ``shift`` rows, one per stretch on one
    channel, that together span it (``shift_id`` groups them); each pause is
    a ``break`` or ``lunch`` row inside the stretch it interrupts, with that
    stretch's channel. ``paid_h`` is each row's paid time.
    """
    rows = []
    for a, st in enumerate(s.state):
        agent = agents[a]
        p = s.pools[st.pool]
        for d, t in sorted(st.shifts.items()):
            tpl = p.templates[t]
            idx = p.work[t]
            chan = chans.get((a, d), np.full(len(idx), -1))
            starts = s.grid.t0 + idx * s.grid.step
            # channel changes happen at the start of a work interval; the shift's first stretch starts at its start
            cuts = [tpl.start]
            names = []
            current = None
            for ts, c in zip(starts, chan):
                name = s.grid.channels[c] if c >= 0 else (p.skills[0] if p.skills else "")
                if current is None:
                    current = name
                elif name != current:
                    cuts.append(ts)
                    names.append(current)
                    current = name
            names.append(current if current is not None else (p.skills[0] if p.skills else ""))
            cuts.append(tpl.end)
            shift_id = f"{agent.agent_id}-{tpl.local_date.isoformat()}"
            base = {"agent_id": agent.agent_id, "site_tz": agent.site_tz, "local_date": tpl.local_date.isoformat(), "shift_id": shift_id}
            for (a0, b0), name in zip(zip(cuts, cuts[1:]), names):
                unpaid = sum(((min(q.end, b0) - max(q.start, a0)).total_seconds() / 3600 for q in tpl.pauses
                              if q.kind == "lunch" and not s.rules.breaks.lunch_paid and q.start < b0 and q.end > a0))
                rows.append({**base, "activity": "shift", "channel": name, "start_utc": a0, "end_utc": b0,
                             "paid_h": (b0 - a0).total_seconds() / 3600 - unpaid})
            for q in tpl.pauses:
                k = max(j for j in range(len(cuts) - 1) if cuts[j] <= q.start)
                rows.append({**base, "activity": q.kind, "channel": names[k], "start_utc": q.start, "end_utc": q.end, "paid_h": np.nan})
    cols = ROSTER_COLUMNS + ["paid_h", "shift_id"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    df["start_local"] = [ts.tz_convert(tz).isoformat() for ts, tz in zip(df["start_utc"], df["site_tz"])]
    df["end_local"] = [ts.tz_convert(tz).isoformat() for ts, tz in zip(df["end_utc"], df["site_tz"])]
    order = {"shift": 0, "break": 1, "lunch": 1}
    df = df.assign(_o=df["activity"].map(order)).sort_values(["agent_id", "start_utc", "_o"]).drop(columns="_o")
    return df[cols].reset_index(drop=True)


def roster_kpis(roster: pd.DataFrame, coverage: pd.DataFrame, rules: LabourRules, agents: list[Agent], step: pd.Timedelta) -> dict:
    h = step.total_seconds() / 3600
    shifts = roster[roster["activity"] == "shift"]
    short = (coverage["required"] - coverage["scheduled"]).clip(lower=0)
    over = (coverage["scheduled"] - coverage["required"]).clip(lower=0)
    cost_of = {a.agent_id: rules.contracts[a.contract].hourly_cost for a in agents}
    return {
        "paid_h": float(shifts["paid_h"].sum()),
        "cost": float((shifts["paid_h"] * shifts["agent_id"].map(cost_of)).sum()),
        "shifts": int(shifts["shift_id"].nunique()) if "shift_id" in shifts else int(len(shifts)),
        "agents_rostered": int(shifts["agent_id"].nunique()),
        "required_agent_h": float(coverage["required"].sum() * h),
        "scheduled_agent_h": float(coverage["scheduled"].sum() * h),
        "under_agent_intervals": int(short.sum()),
        "under_agent_h": float(short.sum() * h),
        "over_agent_h": float(over.sum() * h),
        "intervals_understaffed": int((short > 0).sum()),
    }


