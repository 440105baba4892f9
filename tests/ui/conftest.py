import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="session")
def small_app_data(tmp_path_factory) -> Path:
    """Eight weeks of history scaled down and 24 agents: the sample's shape, small enough for app tests.

    The team can cover most of the scaled requirement, as a real one would (16 agents could not
    even staff each channel around the clock), so the roster pages show a plausible plan.
    """
    d = tmp_path_factory.mktemp("app_data")
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
    for name in ("targets.toml", "rules.toml", "events.csv"):
        shutil.copy(SAMPLES / name, d / name)
    return d
