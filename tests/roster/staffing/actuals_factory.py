"""Seeded interval reports drawn from a known queue: the calibration must find the availability and patience back."""

from __future__ import annotations

import numpy as np
import pandas as pd

from roster.staffing import queueing as q

HEADER = ["ds", "channel", "offered", "answered", "abandoned", "answered_in_target", "aht_s", "agents_staffed"]


def make_actuals(
    *, days: int = 14, availability: float = 0.6, patience_s: float = 200.0, aht_s: float = 240.0, target_s: float = 20.0,
    seed: int = 7, start: str = "2026-03-02", waits: bool = True, channel: str = "voice",
) -> pd.DataFrame:
    """An actuals frame (15-minute intervals 08:00-20:00 UTC) whose outcomes are Erlang A draws at ``availability x agents_staffed``.

    Volume follows a daily curve; agents staffed are what a planner would put in for it (with some noise). Answered in
    target and abandoned are binomial draws of the model's probabilities; with ``waits`` the mean waits are those
    that give the model's total waiting time (abandoned / theta, split between answered and abandoned).
    """
    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, periods=days * 96, freq="15min", tz="UTC")
    ds = ds[(ds.hour >= 8) & (ds.hour < 20)]
    hour = ds.hour + ds.minute / 60
    lam_per_15 = 30 + 25 * np.sin((hour - 8) / 12 * np.pi)
    offered = rng.poisson(lam_per_15)
    staffed = np.maximum(1, np.round(lam_per_15 * aht_s / 900 / availability * rng.uniform(0.85, 1.15, len(ds)), 1))
    n = np.round(availability * staffed).astype(np.int64)
    m = q.erlang_a_metrics(np.maximum(n, 1), offered / 900.0, aht_s, patience_s, target_s)
    sl, ab = np.clip(m["sl"], 0, 1), np.clip(m["abandon_rate"], 0, 1)
    abandoned = rng.binomial(offered, ab)
    answered = offered - abandoned
    in_target = np.minimum(rng.binomial(offered, sl), answered)
    frame = pd.DataFrame({
        "ds": ds, "channel": channel, "offered": offered, "answered": answered, "abandoned": abandoned,
        "answered_in_target": in_target, "aht_s": np.where(answered > 0, np.round(rng.normal(aht_s, 20, len(ds)), 1), np.nan),
        "agents_staffed": staffed,
    })
    if waits:
        total_wait = m["asa_s"] * offered  # the model's waiting time of all offered contacts
        share_ab = np.where(offered > 0, abandoned / np.maximum(offered, 1), 0)
        frame["asa_s"] = np.where(answered > 0, total_wait * (1 - share_ab) / np.maximum(answered, 1), np.nan)
        frame["abandon_time_s"] = np.where(abandoned > 0, total_wait * share_ab / np.maximum(abandoned, 1), np.nan)
    return frame


def write_actuals(frame: pd.DataFrame, path) -> str:
    """The frame as an actuals CSV (UTC times with Z)."""
    out = frame.copy()
    out["ds"] = out["ds"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(path, index=False)
    return str(path)
