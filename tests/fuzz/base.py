"""Small valid inputs cut from data/samples: a few days of history, a few agents, the sample's settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

#: The series kept: one customer zone in the Americas, one in Europe (two zones, two channel models).
SERIES = (("voice", "America/New_York"), ("email", "Europe/London"))


def build(folder: Path, *, days: int = 3) -> Path:
    """Write a valid data folder into ``folder``: history.csv (``days`` days of two series), events.csv, agents.csv
    (three agents in Charlotte, two in Lisbon), time_off.csv, templates.csv, targets.toml, rules.toml and
    contacts.csv (the same history as a per-contact log). Returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    h = pd.read_csv(SAMPLES / "history.csv.gz")
    start = pd.Timestamp("2026-11-21T00:00:00Z") - pd.Timedelta(days=days - 1)
    keep = pd.Series(False, index=h.index)
    for channel, tz in SERIES:
        keep |= (h["channel"] == channel) & (h["tz"] == tz)
    h = h[keep & (h["ds"] >= start.strftime("%Y-%m-%dT%H:%M:%SZ"))].copy()
    h["volume"] = np.round(h["volume"] * 0.05).astype(int)
    h.loc[h["volume"] == 0, "aht_s"] = np.nan
    h.to_csv(folder / "history.csv", index=False)
    agents = pd.read_csv(SAMPLES / "agents.csv", keep_default_na=False)
    agents = pd.concat([agents[agents["site"] == "Charlotte"].head(3), agents[agents["site"] == "Lisbon"].head(2)])
    agents.to_csv(folder / "agents.csv", index=False)
    ids = list(agents["agent_id"])
    (folder / "time_off.csv").write_text(
        "agent_id,start,end,reason\n"
        f"{ids[0]},2026-11-24,2026-11-25,vacation\n"
        f"{ids[1]},2026-11-26 09:00,2026-11-26 13:00,training\n"
        f"{ids[-1]},2026-11-27T08:00:00Z,2026-11-27T12:00:00Z,medical\n"
    )
    shutil.copy(SAMPLES / "templates_example.csv", folder / "templates.csv")
    for name in ("targets.toml", "rules.toml", "events.csv"):
        shutil.copy(SAMPLES / name, folder / name)
    _contact_log(h).to_csv(folder / "contacts.csv", index=False)
    return folder


def _contact_log(h: pd.DataFrame) -> pd.DataFrame:
    """The history as a per-contact log: one row per contact at a seeded second of its interval."""
    rng = np.random.default_rng(15)
    rows = h.loc[h.index.repeat(h["volume"].astype(int))]
    start = pd.to_datetime(rows["ds"], utc=True) + pd.to_timedelta(rng.integers(0, 15 * 60, len(rows)), unit="s")
    log = pd.DataFrame(
        {"created_at": start.dt.strftime("%Y-%m-%dT%H:%M:%SZ"), "channel": rows["channel"], "tz": rows["tz"],
         "handle_time_s": rng.integers(30, 900, len(rows))}
    )
    return log.sort_values("created_at", kind="stable")
