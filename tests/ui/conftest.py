import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import write_small_sample

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="session")
def small_app_data(tmp_path_factory) -> Path:
    """Eight weeks of history scaled down and 24 agents: the sample's shape, small enough for app tests.

    The team can cover most of the scaled requirement, as a real one would (16 agents could not
    even staff each channel around the clock), so the roster pages show a plausible plan.
    """
    return write_small_sample(tmp_path_factory.mktemp("app_data"))


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
