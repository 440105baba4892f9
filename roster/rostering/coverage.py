"""Coverage: agents working each channel per interval, recounted from a roster alone."""

from __future__ import annotations

import numpy as np
import pandas as pd


def coverage_from_roster(roster: pd.DataFrame, requirements: pd.DataFrame, step_min: int) -> pd.DataFrame:
    """``ds, channel, required, scheduled`` on the requirements' grid.

    ``scheduled`` counts agents on a shift row of that channel in the interval,
    minus those on a break or lunch then. ``requirements`` has ``ds, channel,
    agents_required``.
    """
    step = pd.Timedelta(minutes=step_min)
    grid = requirements[["ds", "channel", "agents_required"]].rename(columns={"agents_required": "required"})
    if roster.empty:
        return grid.assign(scheduled=0)
    t0 = grid["ds"].min()
    n = int((grid["ds"].max() - t0) / step) + 1
    channels = sorted(grid["channel"].unique())
    cidx = {c: i for i, c in enumerate(channels)}
    counts = np.zeros((n, len(channels)), dtype=np.int64)
    shifts = roster[roster["activity"] == "shift"]
    pauses = roster[roster["activity"] != "shift"]
    # channel of each agent at each pause: the shift segment the pause lies in
    for rows, sign in ((shifts, 1), (pauses, -1)):
        for r in rows.itertuples(index=False):
            channel = r.channel
            if sign == -1 and not isinstance(channel, str) or channel == "":
                channel = _channel_at(shifts, r.agent_id, r.start_utc)
            if channel not in cidx:
                continue
            a = int(np.ceil((r.start_utc - t0) / step))
            b = int(np.ceil((r.end_utc - t0) / step))
            a, b = max(a, 0), min(b, n)
            if b > a:
                counts[a:b, cidx[channel]] += sign
    pos = ((grid["ds"] - t0) / step).astype(int).to_numpy()
    ch = grid["channel"].map(cidx).to_numpy()
    return grid.assign(scheduled=counts[pos, ch]).reset_index(drop=True)


def _channel_at(shifts: pd.DataFrame, agent_id: str, ts: pd.Timestamp) -> str | None:
    own = shifts[(shifts["agent_id"] == agent_id) & (shifts["start_utc"] <= ts) & (shifts["end_utc"] > ts)]
    return None if own.empty else own["channel"].iloc[0]
