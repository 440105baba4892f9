"""Generate the queue example: Northwind Goods' sample scaled down, with voice and chat split into queues.

Seeded and deterministic (running it again writes byte-identical files), and built from the main sample's files in
the folder above, so run ``python data/samples/generate.py`` first if you changed them:

    python data/samples/queues/generate.py            # writes into data/samples/queues/
    python data/samples/queues/generate.py --out DIR

What it holds: the last six weeks of the sample's history (to 22 November 2026) on 30-minute intervals, volumes
scaled by 0.06, with a ``queue`` column:
- voice: ``voice`` (the general line) and ``voice_vip`` (about 15% of calls, 20% longer), the VIP line with its
  own target (90% within 10 s, ``[queues.voice_vip]`` in targets.toml);
- chat: ``chat`` (Northwind) and ``chat_outlet`` (the outlet brand, about 30% of chats; 2 minutes to answer);
- email and social: no queue cell, so one queue each, named as the channel.

Its 24 agents are the small team of the app's tests; some name a queue among their skills (``voice_vip``,
``chat_outlet``), which the roster counts as that queue's channel.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent
SEED = 16
#: (channel, queue, share of the channel's contacts, handle-time multiplier)
SPLITS = (("voice", "voice_vip", 0.15, 1.2), ("chat", "chat_outlet", 0.30, 0.9))
SCALE = 0.06
WEEKS = 6
INTERVAL_MIN = 30

QUEUE_TARGETS = '''
# Queues with targets of their own: every field not set here is the channel's (above).
[queues.voice_vip]
channel = "voice"
target_sl = 0.90
target_s = 10
aht_s = 400

[queues.chat_outlet]
channel = "chat"
target_s = 120
'''


def queue_history(rng: np.random.Generator) -> pd.DataFrame:
    """The sample's last weeks, scaled down, on 30-minute intervals, with voice and chat split into queues."""
    h = pd.read_csv(SAMPLES / "history.csv.gz")
    ds = pd.to_datetime(h["ds"], utc=True)
    end = ds.max() + pd.Timedelta(minutes=15)
    h = h[ds >= end - pd.Timedelta(weeks=WEEKS)].copy()
    h["ds"] = pd.to_datetime(h["ds"], utc=True).dt.floor(f"{INTERVAL_MIN}min")
    h["work"] = h["volume"] * h["aht_s"].fillna(0.0)
    h = h.groupby(["ds", "channel", "tz"], as_index=False, sort=False)[["volume", "work"]].sum()
    h["aht_s"] = h["work"] / h["volume"].where(h["volume"] > 0)
    volume = rng.poisson(h["volume"].to_numpy() * SCALE)
    h["queue"] = ""
    parts = []
    for channel, queue, share, aht_mult in SPLITS:
        on = (h["channel"] == channel).to_numpy()
        split = np.zeros(len(h), dtype=np.int64)
        split[on] = rng.binomial(volume[on], share)
        q = h[on].copy()
        q["queue"], q["volume"], q["aht_s"] = queue, split[on], q["aht_s"] * aht_mult
        parts.append(q)
        volume = volume - split
        h.loc[on, "queue"] = channel
    h["volume"] = volume
    out = pd.concat([h, *parts], ignore_index=True)
    out["aht_s"] = out["aht_s"].where(out["volume"] > 0).round(1)
    out = out.sort_values(["ds", "channel", "queue", "tz"], kind="stable")
    out["ds"] = out["ds"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out[["ds", "channel", "queue", "tz", "volume", "aht_s"]]


def queue_agents() -> pd.DataFrame:
    """The small team (14 in Charlotte, 10 in Lisbon); every third voice agent names voice_vip, every third chat agent
    chat_outlet, as a skill."""
    agents = pd.read_csv(SAMPLES / "agents.csv", keep_default_na=False)
    agents = pd.concat([agents[agents["site"] == "Charlotte"].head(14), agents[agents["site"] == "Lisbon"].head(10)])
    skills = []
    for i, cell in enumerate(agents["skills"]):
        named = cell.split("|")
        if i % 3 == 0:
            named = ["voice_vip" if s == "voice" else "chat_outlet" if s == "chat" else s for s in named]
        skills.append("|".join(named))
    return agents.assign(skills=skills)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    out: Path = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    history = queue_history(rng)
    with gzip.GzipFile(out / "history.csv.gz", "wb", compresslevel=9, mtime=0) as fh:
        fh.write(history.to_csv(index=False).encode())
    agents = queue_agents()
    agents.to_csv(out / "agents.csv", index=False)
    off = pd.read_csv(SAMPLES / "time_off.csv")
    off[off["agent_id"].isin(agents["agent_id"])].to_csv(out / "time_off.csv", index=False)
    shutil.copy(SAMPLES / "rules.toml", out / "rules.toml")
    shutil.copy(SAMPLES / "events.csv", out / "events.csv")
    (out / "targets.toml").write_text((SAMPLES / "targets.toml").read_text() + QUEUE_TARGETS)
    print(f"wrote the queue example to {out} ({len(history):,} history rows, {history['queue'].nunique()} queues, "
          f"{len(agents)} agents)")


if __name__ == "__main__":
    main()
