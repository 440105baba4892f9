"""Shared fixtures: paths to the bundled sample data and a small file writer."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


def write_small_sample(d: Path, *, events: bool = True) -> Path:
    """Eight weeks of the sample's history scaled down (x 0.06) and 24 of its agents (14 in Charlotte, 10 in Lisbon),
    with their time off and the sample's targets and rules (and events, unless ``events=False``), written into ``d``.

    The team can cover most of the scaled requirement, as a real one would (16 agents could not even staff each
    channel around the clock), so rosters and app pages on it show a plausible plan.
    """
    h = pd.read_csv(SAMPLES / "history.csv.gz")
    h = h[h["ds"] >= "2026-09-27T00:00:00Z"].copy()
    h["volume"] = np.round(h["volume"] * 0.06).astype(int)
    h.loc[h["volume"] == 0, "aht_s"] = np.nan
    h.to_csv(d / "history.csv", index=False)
    agents = pd.read_csv(SAMPLES / "agents.csv", keep_default_na=False)
    agents = pd.concat([agents[agents["site"] == "Charlotte"].head(14), agents[agents["site"] == "Lisbon"].head(10)])
    agents.to_csv(d / "agents.csv", index=False)
    off = pd.read_csv(SAMPLES / "time_off.csv")
    off[off["agent_id"].isin(agents["agent_id"])].to_csv(d / "time_off.csv", index=False)
    for name in ("targets.toml", "rules.toml") + (("events.csv",) if events else ()):
        shutil.copy(SAMPLES / name, d / name)
    return d


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def write(tmp_path):
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return _write
