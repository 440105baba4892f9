"""Forecast the series of a big history in parallel: in-process, on a local Dask cluster, or on a running one.

Where the work runs (:func:`executor_for`):

``--workers 1``
    In this process, one series after the other; with :data:`MIN_SERIES_FOR_CLUSTER` series or more, each
    series waits between the steps in a temporary file, not in memory (:class:`forecast.pipeline.SerialExecutor`).
fewer than :data:`MIN_SERIES_FOR_CLUSTER` series
    In this process too (a cluster costs seconds to start).
otherwise
    A ``distributed.LocalCluster`` of ``--workers`` processes (default: every core), one thread each, on
    127.0.0.1, closed at the end.
``--scheduler ADDRESS`` (or ``$SHIFTCAST_DASK_SCHEDULER``)
    A running Dask cluster (``dask scheduler`` and ``dask worker ADDRESS --nthreads 1`` processes, with Shiftcast
    installed where the workers run). An address that does not answer within ``$SHIFTCAST_DASK_TIMEOUT_S``
    (default 10 s) is an input error naming it.

What each task reads (:func:`forecast_history`): a Parquet file or folder, or a DuckDB table, of interval
counts is never loaded whole: the driver scans the series' keys (:mod:`forecast.io.partitioned`) and each
series' first task reads that series alone and checks it as the loader does (messages name the file and row).
Other sources (CSV, a contact log, a DuckDB query) are loaded here and each series' rows are sent to its task.
Each series is then forecast in two steps (:func:`forecast.pipeline.drive`); its data stays on the worker that
read it, and tasks send back only the evidence on the events' effects, the forecast and the scores.

A task whose worker dies is retried (:data:`RETRIES` times); a series that still fails is a
:class:`forecast.pipeline.Failure` of the result, named with its error, and the other series are kept.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.errors import InputError
from forecast.pipeline import (
    Failure,
    ForecastResult,
    Options,
    Progress,
    SerialExecutor,
    drive,
    split_series,
)
from forecast.schema import series_label
from forecast.timegrid import TimeGrid

SCHEDULER_ENV = "SHIFTCAST_DASK_SCHEDULER"
TIMEOUT_ENV = "SHIFTCAST_DASK_TIMEOUT_S"
DEFAULT_TIMEOUT_S = 10.0
#: Fewer series than this are forecast in-process even when more workers are allowed.
MIN_SERIES_FOR_CLUSTER = 24
#: Times a task is run again when its worker dies.
RETRIES = 2
_BLAS_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
#: (The workers' BLAS is limited to one thread at run time, by :class:`forecast.dask_worker.OneBlasThread`, not by
#: ``OPENBLAS_NUM_THREADS`` in their environment: OpenBLAS started single-threaded takes other code paths, and the
#: Holt-Winters optimiser turns their last-digit differences into forecasts apart by up to 1e-3 of a contact.)


@dataclass(frozen=True)
class Where:
    """Where a fan-out runs: ``kind`` is ``in-process``, ``local cluster`` or ``scheduler``."""

    kind: str
    workers: int
    address: str | None = None

    def __str__(self) -> str:
        if self.kind == "in-process":
            return "in this process"
        if self.kind == "local cluster":
            return f"a local Dask cluster of {self.workers} worker process(es)"
        return f"the Dask cluster at {self.address} ({self.workers} worker(s))"


def scheduler_address(value: str | None = None) -> str | None:
    """The scheduler asked for: ``value`` (``--scheduler``), else ``$SHIFTCAST_DASK_SCHEDULER``, else None."""
    value = value or os.environ.get(SCHEDULER_ENV) or None
    return value.strip() if value else None


def connect_timeout_s() -> float:
    raw = os.environ.get(TIMEOUT_ENV)
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        raise InputError.one(TIMEOUT_ENV, f"expected a number of seconds; found {raw!r}") from None
    if not value > 0:
        raise InputError.one(TIMEOUT_ENV, f"expected a number of seconds above 0; found {raw!r}")
    return value


class DaskExecutor:
    """Maps a step over the series on a Dask cluster (see :class:`forecast.pipeline.Executor`)."""

    def __init__(self, client, retries: int = RETRIES):
        self.client = client
        self.retries = retries

    def map(self, fn, args, *, shared=(), keep=False, summary=None, label="", progress=None):
        from distributed import as_completed

        shared_f = tuple(self.client.scatter([x], broadcast=True, hash=False)[0] if _big(x) else x for x in shared)
        futures, wanted = {}, {}
        for key, a in args.items():
            f = self.client.submit(_call, fn, *a[:1], *shared_f, *a[1:], retries=self.retries, pure=False,
                                   key=f"{getattr(fn, '__name__', 'task')}-{'/'.join(key)}-{os.urandom(4).hex()}")
            futures[key] = f
            wanted[key] = self.client.submit(summary, f, retries=self.retries, pure=False) if summary else f
        owner = {f.key: k for k, f in wanted.items()}
        results: dict = {}
        if progress:
            progress(label, 0, len(args))
        problems: list[InputError] = []
        for i, f in enumerate(as_completed(list(wanted.values()), loop=self.client.loop), start=1):
            key = owner[f.key]
            if f.status == "error":
                exc = f.exception()
                if isinstance(exc, InputError):
                    problems.append(exc)
                else:
                    results[key] = Failure(tuple(key), f"{type(exc).__name__}: {exc}")
            else:
                results[key] = f.result()
            if progress:
                progress(label, i, len(args))
        if problems:
            raise _merged(problems)
        kept = {k: futures[k] for k in args if keep and not isinstance(results.get(k), Failure)}
        return results, kept

    def release(self, kept):
        kept.clear()


def _big(x) -> bool:
    return not isinstance(x, (int, float, str, bool, type(None)))


def _call(fn, *args):
    return fn(*args)


def _merged(errors: list[InputError]) -> InputError:
    problems = [p for e in errors for p in e.problems]
    problems.sort(key=lambda p: (p.file, p.line or 0))
    return InputError(problems, total=sum(e.total for e in errors))


@contextlib.contextmanager
def executor_for(n_series: int, *, workers: int | None = None, scheduler: str | None = None) -> Iterator[tuple[object, Where]]:
    """The executor for ``n_series`` series (see the module's docstring), closed on leaving."""
    address = scheduler_address(scheduler)
    if workers is not None and workers < 0:
        raise InputError.one("--workers", f"expected 0 (every core) or more; found {workers}")
    if address is None and (workers == 1 or n_series < MIN_SERIES_FOR_CLUSTER):
        # a big history in this process: the series wait between the steps on disk, not in memory
        serial = SerialExecutor(catch=True, spill=n_series >= MIN_SERIES_FOR_CLUSTER)
        try:
            yield serial, Where("in-process", 1)
        finally:
            serial.close()
        return
    _quiet()
    from distributed import Client

    from forecast.dask_worker import OneBlasThread

    if address is not None:
        timeout = connect_timeout_s()
        try:
            client = Client(address, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError.one("--scheduler", f"no Dask scheduler answers at {address} within {timeout:g} s "
                                                f"({type(exc).__name__}); start one with `dask scheduler` and workers with "
                                                f"`dask worker {address} --nthreads 1`, or leave --scheduler (and "
                                                f"${SCHEDULER_ENV}) unset to run here") from None
        try:
            client.register_plugin(OneBlasThread())
            n = len(client.scheduler_info(n_workers=-1)["workers"]) if _has_n_workers() else len(client.scheduler_info()["workers"])
            yield DaskExecutor(client), Where("scheduler", n, address)
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    n = max(1, min(n, n_series))
    cluster = local_cluster(n)
    try:
        client = Client(cluster, set_as_default=False)
        try:
            client.register_plugin(OneBlasThread())
            yield DaskExecutor(client), Where("local cluster", n)
        finally:
            client.close()
    finally:
        cluster.close()


def _has_n_workers() -> bool:
    import inspect

    from distributed import Client

    return "n_workers" in inspect.signature(Client.scheduler_info).parameters


def _quiet() -> None:
    for name in ("distributed", "distributed.worker", "distributed.nanny", "distributed.scheduler", "distributed.core",
                 "distributed.comm", "tornado"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


# --------------------------------------------------------------------------- #
# One call: history source in, forecast out
# --------------------------------------------------------------------------- #


@dataclass
class FanoutResult:
    """A fan-out's forecast, the history's grid and series, and where it ran."""

    result: ForecastResult
    grid: TimeGrid
    keys: list[tuple[str, ...]]
    where: Where


def _load_task(pairs, reader, interval_min, default_tz, files):
    from forecast.io.history import read_series_history

    notes: list[str] = []
    history = read_series_history(reader, pairs, files, interval_min=interval_min, default_tz=default_tz, notes=notes)
    # what the first step reads of it (forecast.pipeline.prepare_series), kept on the worker until then: the
    # key and row-number columns would triple a series' size there
    frame = history.frame[[c for c in ("ds", "volume", "aht_s") if c in history.frame.columns]]
    return frame, history.grid, notes


def _load_summary(loaded):
    return loaded[1], loaded[2]


def forecast_history(
    history: str | Path,
    *,
    events: Callable[[list[str], list[str], dict[str, str]], pd.DataFrame | None] | pd.DataFrame | None = None,
    interval_min: int | None = None,
    default_tz: str | None = None,
    horizon_days: int = 28,
    options: Options = Options(),
    holiday_eves: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
    notes: list[str] | None = None,
    progress: Progress | None = None,
) -> FanoutResult:
    """Load (per series where the source allows) and forecast a history on the executor :func:`executor_for` picks.

    ``events`` is the events table, or a function of the history's zones, channels and queues (queue -> its channel) that loads it (the series
    are known only after the scan). ``notes`` gets the loader's notes. A series that fails is in
    ``result.failures``; bad input raises :class:`InputError` (every series' problems together).
    """
    from forecast.io.history import read_history
    from forecast.io.partitioned import scan_series

    scan = scan_series(history, default_tz=default_tz)
    if scan is None:
        h = read_history(history, interval_min=interval_min, default_tz=default_tz, notes=notes)
        return forecast_frame(h.frame, h.grid, events, horizon_days=horizon_days, options=options, holiday_eves=holiday_eves,
                              workers=workers, scheduler=scheduler, progress=progress)

    keys = list(scan.series)
    with executor_for(len(keys), workers=workers, scheduler=scheduler) as (executor, where):
        loaded, kept = executor.map(_load_task, {k: (scan.series[k], scan.files.get(k, ())) for k in keys},
                                    shared=(scan.reader, interval_min, default_tz), keep=True, summary=_load_summary,
                                    label="history: series read", progress=progress)
        grids = {k: r[0] for k, r in loaded.items() if not isinstance(r, Failure)}
        if not grids:
            raise InputError.one(scan.reader.rows.source, "no series could be read: "
                                 + "; ".join(f"{f.label}: {f.message}" for f in loaded.values() if isinstance(f, Failure)))
        steps = {g.interval_min for g in grids.values()}
        if len(steps) > 1:
            by = {}
            for k, g in grids.items():
                by.setdefault(g.interval_min, series_label(*k))
            raise InputError.one(scan.reader.rows.source, "the series are on different intervals ("
                                 + ", ".join(f"{m} minutes: {s}" for m, s in sorted(by.items()))
                                 + "); read them on one with --interval-min")
        for k in keys:
            r = loaded[k]
            if notes is not None and not isinstance(r, Failure):
                notes.extend(r[1])
        if notes is not None:
            notes[:] = list(dict.fromkeys(notes))
        grid = TimeGrid(interval_min=steps.pop(), start=min(g.start for g in grids.values()),
                        end=max(g.end for g in grids.values()), zones=tuple(sorted({k[-1] for k in grids})))
        ok = [k for k in keys if k in grids]
        ev = events(list(grid.zones), sorted({k[0] for k in ok}), {k[1]: k[0] for k in ok}) if callable(events) else events
        # the frames stay where they were read (on a cluster: the first step runs there), and are let go after it
        result = drive({k: kept.pop(k) for k in ok}, ev, grid=grid, executor=executor, horizon_days=horizon_days, options=options,
                       holiday_eves=holiday_eves, progress=progress)
        result.failures = sorted([r for r in loaded.values() if isinstance(r, Failure)] + result.failures, key=lambda f: f.key)
    return FanoutResult(result, grid, keys, where)


def forecast_frame(
    frame: pd.DataFrame,
    grid: TimeGrid,
    events: Callable[[list[str], list[str], dict[str, str]], pd.DataFrame | None] | pd.DataFrame | None = None,
    *,
    horizon_days: int = 28,
    options: Options = Options(),
    holiday_eves: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> FanoutResult:
    """A loaded history (``frame`` on ``grid``, as :func:`forecast.io.history.read_history` gives it) forecast on the
    executor :func:`executor_for` picks; each series' rows are sent to its task."""
    parts = split_series(frame)
    keys = list(parts)
    ev = events(list(grid.zones), sorted({k[0] for k in keys}), {k[1]: k[0] for k in keys}) if callable(events) else events
    with executor_for(len(keys), workers=workers, scheduler=scheduler) as (executor, where):
        if isinstance(executor, DaskExecutor):
            parts = executor.client.scatter(parts, hash=False)  # each series' rows sent to one worker
        result = drive(parts, ev, grid=grid, executor=executor, horizon_days=horizon_days, options=options,
                       holiday_eves=holiday_eves, progress=progress)
    return FanoutResult(result, grid, keys, where)


def local_cluster(n_workers: int):
    """A ``distributed.LocalCluster`` of ``n_workers`` processes, one thread each, on 127.0.0.1.

    The workers start with this process's memory allocator settings and BLAS settings (Dask's default starts them with ``OPENBLAS_NUM_THREADS=1``),
    so that their forecasts equal this process's to the last digit; each is then limited to one BLAS thread at run
    time (:class:`forecast.dask_worker.OneBlasThread`, registered by :func:`executor_for`).
    """
    import dask
    from distributed import LocalCluster

    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()
               if k not in _BLAS_ENV and k != "MALLOC_TRIM_THRESHOLD_"}
    environ |= {k: os.environ[k] for k in _BLAS_ENV if k in os.environ}
    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 for its workers: glibc then hands freed memory back at once,
    # and the models' many large temporary arrays made every task ~20% slower than in this process (measured with
    # benchmarks/scale.py); the stack sampler (every 10 ms, holding the GIL) cost a few % more. Neither is wanted here.
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ, "distributed.worker.profile.enabled": False}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address=None, silence_logs=logging.CRITICAL)
