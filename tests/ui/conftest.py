import shutil
import subprocess
import sys
import textwrap
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


HOLD = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    if sys.argv[2] == "until-stdin":
        sys.stdin.readline()
    else:
        time.sleep(float(sys.argv[2]))
    con.close()
""")


@pytest.fixture()
def hold_file():
    """Start another program that holds DuckDB's own lock on a file (not the scenarios store's lock file).

    ``hold_file(path, "1.5")`` holds it for 1.5 s; ``hold_file(path, "until-stdin")`` until a line is sent
    (``proc.communicate("\\n")``). Returns the process, once it holds the file.
    """
    procs = []

    def start(path, how):
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), how], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "holding"
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
