"""Small valid inputs cut from data/samples: a few days of history, a few agents, the sample's settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

#: The series kept: one customer zone in the Americas, one in Europe (two zones, two channel models).
SERIES = (("voice", "America/New_York"), ("email", "Europe/London"))


#: The history's last day (UTC) by default: a Saturday, so the days forecast after it cross both daylight-saving
#: changes of 2026 (London and Lisbon on 25 October, New York on 1 November) and the first roster week (Monday
#: 26 October) ends on New York's.
LAST_DAY = "2026-10-24"


def build(folder: Path, *, days: int = 3, last_day: str = LAST_DAY) -> Path:
    """Write a valid data folder into ``folder``: history.csv (``days`` days of two series up to ``last_day``),
    events.csv, agents.csv (three agents in Charlotte, two in Lisbon), time_off.csv (in the first roster week, one
    period across New York's change), templates.csv, targets.toml, rules.toml and contacts.csv (the same history
    as a per-contact log). Returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    h = pd.read_csv(SAMPLES / "history.csv.gz")
    last = pd.Timestamp(last_day, tz="UTC")
    start = last - pd.Timedelta(days=days - 1)
    keep = pd.Series(False, index=h.index)
    for channel, tz in SERIES:
        keep |= (h["channel"] == channel) & (h["tz"] == tz)
    ds = pd.to_datetime(h["ds"], utc=True)
    h = h[keep & (ds >= start) & (ds < last + pd.Timedelta(days=1))].copy()
    h["volume"] = np.round(h["volume"] * 0.05).astype(int)
    h.loc[h["volume"] == 0, "aht_s"] = np.nan
    h.to_csv(folder / "history.csv", index=False)
    agents = pd.read_csv(SAMPLES / "agents.csv", keep_default_na=False)
    agents = pd.concat([agents[agents["site"] == "Charlotte"].head(3), agents[agents["site"] == "Lisbon"].head(2)])
    agents.to_csv(folder / "agents.csv", index=False)
    ids = list(agents["agent_id"])
    day = [(last + pd.Timedelta(days=k)).strftime("%Y-%m-%d") for k in range(9)]
    (folder / "time_off.csv").write_text(
        "agent_id,start,end,reason\n"
        f"{ids[0]},{day[3]},{day[4]},vacation\n"
        f"{ids[1]},{day[5]} 09:00,{day[5]} 13:00,training\n"
        f"{ids[2]},{day[8]}T00:00:00-04:00,{day[8]}T12:00:00-05:00,medical\n"
        f"{ids[-1]},{day[6]}T08:00:00Z,{day[6]}T12:00:00Z,medical\n"
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
