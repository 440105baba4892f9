"""History loading: time and peak memory for CSV (before and after typed reading), a Parquet folder and DuckDB.

    python benchmarks/inputs.py                                   # 48 series x 2 years; 200 series x 2 years (columnar)
    python benchmarks/inputs.py --series 48 --weeks 104 --base /tmp/base
    python benchmarks/inputs.py --series 48 200 1000 --weeks 104  # 1,000 x 2 years: the generator's reference size

For each size it writes the operation with ``benchmarks/generate_operation.py`` (a Parquet file a month), then
the same rows as a CSV (ISO timestamps with Z, as the sample's) and as a DuckDB table, and loads each with
``forecast.io.history.read_history`` in a fresh process, printing the wall time of the load and the process's
peak resident memory (``ru_maxrss``: the interpreter and its imports included, some 150 MB). ``--base DIR`` is
a checkout of the code before (``git worktree add /tmp/base c331089``): its CSV loader is measured too, with
``PYTHONPATH`` pointing there. A CSV over the loader's 512 MB limit (some 9 million rows) is not loaded.
The default sizes take a few minutes on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generate_operation import write_operation  # noqa: E402

CHILD = """
import json, resource, sys, time
from forecast.io.history import read_history
t = time.perf_counter()
h = read_history(sys.argv[1])
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "rows": len(h.frame), "series": int(h.frame.groupby(["channel", "tz"]).ngroups),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(source: str, code_root: Path) -> dict:
    """Load ``source`` in a fresh process with the code of ``code_root``; its figures."""
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    run = subprocess.run([sys.executable, "-c", CHILD, source], env=env, capture_output=True, text=True, cwd=code_root)
    if run.returncode != 0:
        return {"error": (run.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(run.stdout.strip().splitlines()[-1])


def write_copies(folder: Path, out: Path) -> tuple[Path, Path]:
    """The Parquet folder's rows as a CSV and as a DuckDB table (``history``)."""
    import duckdb

    csv, db = out / "history.csv", out / "history.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"CREATE OR REPLACE TABLE history AS SELECT * FROM read_parquet('{folder}/*.parquet') ORDER BY channel, tz, ds")
    con.execute(
        "COPY (SELECT strftime(ds AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS ds, channel, tz, volume, aht_s FROM history) "
        f"TO '{csv}' (HEADER, DELIMITER ',')"
    )
    con.close()
    return csv, db


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--series", type=int, nargs="+", default=[48, 200], help="series (queues) per run")
    p.add_argument("--weeks", type=int, default=104, help="weeks of 15-minute history")
    p.add_argument("--base", type=Path, default=None, help="a checkout of the code before (git worktree add /tmp/base c331089)")
    p.add_argument("--out", type=Path, default=None, help="working folder (default: a temporary one, removed)")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="shiftcast-inputs-") as tmp:
        work = a.out or Path(tmp)
        print(f"{'series':>6} {'rows':>12}  {'input':<24} {'load s':>7} {'peak MB':>8}")
        for n in a.series:
            out = work / f"op{n}"
            folder, rows = write_operation(out, queues=n, weeks=a.weeks)
            csv, db = write_copies(folder, out)
            csv_mb = csv.stat().st_size / 1e6
            runs = []
            if csv_mb < 512 * 1.048576:
                if a.base is not None:
                    runs.append((f"CSV before ({csv_mb:,.0f} MB)", str(csv), a.base))
                runs.append((f"CSV ({csv_mb:,.0f} MB)", str(csv), ROOT))
            else:
                print(f"{n:>6} {rows:>12,}  CSV of {csv_mb:,.0f} MB is over the loader's 512 MB limit: not loaded")
            pq_mb = sum(f.stat().st_size for f in folder.glob("*.parquet")) / 1e6
            runs += [(f"Parquet folder ({pq_mb:,.0f} MB)", str(folder), ROOT), ("DuckDB table", f"duckdb:{db}::history", ROOT)]
            for name, source, code in runs:
                r = measure(source, code)
                if "error" in r:
                    print(f"{n:>6} {rows:>12,}  {name:<24} error: {r['error']}")
                else:
                    print(f"{n:>6} {rows:>12,}  {name:<24} {r['seconds']:>7.1f} {r['peak_mb']:>8,.0f}", flush=True)
            for f in (csv, db):
                f.unlink()


if __name__ == "__main__":
    main()
