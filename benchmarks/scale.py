"""Forecast a big operation serially, on a local Dask cluster and on a separately started one; print the figures.

For each size (``--queues``, default 100 300 1000) the script writes the operation with
``benchmarks/generate_operation.py`` (``--weeks``, default 104 = two years of 15-minute intervals, one Parquet
file per series, kept in ``--work`` for the next run), then forecasts it with the backtest:

``serial``
    ``--workers 1``: in one process, one series after the other.
``local``
    a ``distributed.LocalCluster`` of ``--workers`` (default 2) processes.
``cluster``
    a ``dask scheduler`` and ``--workers`` ``dask worker --nthreads 1`` processes started by this script on
    127.0.0.1 (and stopped at the end), the forecast sent with ``--scheduler``.

Each run is its own process; a monitor samples every process of the run (the driver, its workers, the scheduler)
twice a second. Printed per run: wall time, CPU time (all processes, and the driver's: with a local cluster the
driver holds the scheduler too), peak memory (RSS) of the driver and of the
largest worker, series per second, the speed-up on the serial run and the largest absolute difference of any
forecast figure (volume, bounds, handle time) from the serial run's. Then, unless ``--no-staffing``, the staffing
stage (``shiftcast plan``'s, with the sample's targets.toml: requirements per queue, then per channel) on the
first run's forecast, each series made a queue of its own (so that 1,000 queues are staffed), in a process of its
own: wall time, peak memory and the rows it gives.

Targets on a 2-core machine: speed-up >= 1.7 with 2 workers; 1,000 queues with the backtest in <= 10 minutes
and <= 6 GB per process.

    python benchmarks/scale.py --queues 100 300 --weeks 104
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _child(mode: str, source: str, out: str, workers: int, scheduler: str | None, backtest: bool) -> None:
    """One forecast run (this process is the driver)."""
    from forecast.fanout import forecast_history
    from forecast.pipeline import forecast_options

    t = time.perf_counter()
    run = forecast_history(source, options=forecast_options(backtest=backtest), workers=1 if mode == "serial" else workers,
                           scheduler=scheduler)
    wall = time.perf_counter() - t
    with open(out, "wb") as f:
        pickle.dump({"forecast": run.result.forecast, "grid": run.result.grid, "wall": wall, "where": str(run.where), "series": len(run.keys),
                     "failures": [f.label for f in run.result.failures]}, f)


def _child_staffing(forecast_pkl: str, out: str) -> None:
    """The plan's staffing stage on a run's forecast (this process's peak memory is the stage's)."""
    import resource

    from roster.io import load_targets
    from roster.planning.plan import staffing_stage
    from roster.planning.settings import PlanSettings

    with open(forecast_pkl, "rb") as f:
        run = pickle.load(f)
    forecast, grid = run["forecast"], run["grid"]
    # staffed as a thousand queues: each series (a channel in a customer zone) its own queue of its channel
    series = forecast.groupby(["channel", "tz"], sort=True).ngroup()
    forecast = forecast.assign(queue=[f"{c}_q{i:04d}" for c, i in zip(forecast["channel"], series)])
    targets = load_targets(ROOT / "data" / "samples" / "targets.toml")
    t = time.perf_counter()
    st = staffing_stage(forecast, grid, targets, PlanSettings())
    wall = time.perf_counter() - t
    with open(out, "w") as f:
        json.dump({"wall_s": wall, "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
                   "queue_rows": len(st.by_queue), "channel_rows": len(st.requirements),
                   "queues": int(st.by_queue["queue"].nunique())}, f)


def _staffing(pkl: Path, work: Path) -> dict:
    out = work / "staffing.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, __file__, "--child-staffing", str(pkl), str(out)], env=env, check=True)
    return json.loads(out.read_text())


class Monitor(threading.Thread):
    """Peak RSS and last CPU time of a set of processes and their descendants."""

    def __init__(self, roots: list[int], period_s: float = 0.5):
        super().__init__(daemon=True)
        self.roots, self.period_s = roots, period_s
        self.peak: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self.names: dict[int, str] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.is_set():
            for root in list(self.roots):
                try:
                    procs = [psutil.Process(root)] + psutil.Process(root).children(recursive=True)
                except psutil.Error:
                    continue
                for p in procs:
                    try:
                        with p.oneshot():
                            rss = p.memory_info().rss
                            c = p.cpu_times()
                            self.peak[p.pid] = max(self.peak.get(p.pid, 0), rss)
                            self.cpu[p.pid] = c.user + c.system
                            self.names.setdefault(p.pid, " ".join(p.cmdline()[1:4]))
                    except psutil.Error:
                        pass
            time.sleep(self.period_s)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: the environment README's "Big operations" gives `dask worker` (see forecast.fanout.local_cluster)
WORKER_ENV = {"MALLOC_TRIM_THRESHOLD_": str(128 * 2**20), "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}


def _start_cluster(workers: int, env: dict) -> tuple[str, list[subprocess.Popen]]:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [subprocess.Popen(dask + ["--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    for _ in range(workers):
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                       "--no-dashboard", "--host", "127.0.0.1"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from distributed import Client

    client = Client(address, timeout="30s")
    client.wait_for_workers(workers, timeout=60)
    client.close()
    return address, procs


def _run(mode: str, source: Path, work: Path, workers: int, backtest: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = work / f"result-{mode}.pkl"
    cluster: list[subprocess.Popen] = []
    address = None
    if mode == "cluster":
        # as README's "Big operations" starts workers: glibc's own trim threshold, no stack sampler
        address, cluster = _start_cluster(workers, env | WORKER_ENV)
    cmd = [sys.executable, __file__, "--child", mode, str(source), str(out), "--workers", str(workers)]
    if address:
        cmd += ["--scheduler", address]
    if not backtest:
        cmd += ["--no-backtest"]
    child = subprocess.Popen(cmd, env=env)
    mon = Monitor([child.pid] + [p.pid for p in cluster])
    mon.start()
    rc = child.wait()
    time.sleep(mon.period_s)
    mon.stop.set()
    mon.join()
    for p in reversed(cluster):
        p.terminate()
    for p in cluster:
        p.wait(timeout=30)
    if rc:
        raise SystemExit(f"{mode} run failed (exit {rc})")
    with open(out, "rb") as f:
        res = pickle.load(f)
    driver = mon.peak.get(child.pid, 0)
    others = [v for pid, v in mon.peak.items() if pid != child.pid and "scheduler" not in mon.names.get(pid, "")
              and "resource_tracker" not in mon.names.get(pid, "")]
    res.update(cpu=sum(mon.cpu.values()), driver_cpu=mon.cpu.get(child.pid, 0.0), driver_rss=driver,
               worker_rss=max(others) if others else 0)
    return res


def _max_diff(a, b) -> float:
    import numpy as np

    cols = ["volume", "volume_lo", "volume_hi", "aht_s"]
    if len(a) != len(b):
        return float("inf")
    x, y = a[cols].to_numpy(dtype=float), b[cols].to_numpy(dtype=float)
    both = ~(np.isnan(x) & np.isnan(y))
    return float(np.nanmax(np.abs(x - y)[both])) if both.any() else 0.0


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--queues", type=int, nargs="+", default=[100, 300, 1000])
    p.add_argument("--weeks", type=int, default=104)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--modes", nargs="+", default=["serial", "local", "cluster"], choices=("serial", "local", "cluster"))
    p.add_argument("--partition", choices=("series", "month"), default="series")
    p.add_argument("--work", type=Path, default=Path("/tmp/shiftcast-scale"))
    p.add_argument("--no-backtest", action="store_true")
    p.add_argument("--no-staffing", action="store_true")
    p.add_argument("--child", nargs=3, metavar=("MODE", "SOURCE", "OUT"), help=argparse.SUPPRESS)
    p.add_argument("--child-staffing", nargs=2, metavar=("FORECAST", "OUT"), help=argparse.SUPPRESS)
    p.add_argument("--scheduler", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        _child(*a.child, a.workers, a.scheduler, not a.no_backtest)
        return
    if a.child_staffing:
        _child_staffing(*a.child_staffing)
        return
    from benchmarks.generate_operation import write_operation

    print(f"{'queues':>6} {'weeks':>5} {'run':<8} {'wall s':>8} {'CPU s':>8} {'driver CPU':>10} {'driver GB':>9} {'worker GB':>9} "
          f"{'series/s':>8} {'speed-up':>8} {'max |diff|':>10}", flush=True)
    for n in a.queues:
        folder = a.work / f"op-{n}x{a.weeks}-{a.partition}"
        if not (folder / "history").is_dir() or not any((folder / "history").glob("*.parquet")):
            t = time.perf_counter()
            _, rows = write_operation(folder, queues=n, weeks=a.weeks, partition=a.partition)
            print(f"# wrote {rows:,} rows ({n} queues x {a.weeks} weeks) in {time.perf_counter() - t:.0f} s", flush=True)
        serial = None
        for mode in a.modes:
            r = _run(mode, folder / "history", folder, a.workers, not a.no_backtest)
            if mode == "serial":
                serial = r
            speed = serial["wall"] / r["wall"] if serial else float("nan")
            diff = _max_diff(serial["forecast"], r["forecast"]) if serial else float("nan")
            print(f"{n:>6} {a.weeks:>5} {mode:<8} {r['wall']:>8.1f} {r['cpu']:>8.1f} {r['driver_cpu']:>10.1f} {r['driver_rss'] / 1e9:>9.2f} "
                  f"{r['worker_rss'] / 1e9:>9.2f} {r['series'] / r['wall']:>8.2f} {speed:>8.2f} {diff:>10.2g}"
                  + (f"  FAILED: {', '.join(r['failures'])}" if r["failures"] else ""), flush=True)
            print("# " + json.dumps({"queues": n, "mode": mode, "where": r["where"], "wall_s": round(r["wall"], 1)}), flush=True)
        if not a.no_staffing:
            st = _staffing(folder / f"result-{a.modes[0]}.pkl", folder)
            print(f"# staffing ({n} queues, the {a.modes[0]} run's forecast): {st['wall_s']:.1f} s, peak {st['peak_gb']:.2f} GB, "
                  f"{st['queue_rows']:,} rows per queue ({st['queues']} queues), {st['channel_rows']:,} per channel", flush=True)


if __name__ == "__main__":
    main()
