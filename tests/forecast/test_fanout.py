"""The forecast fanned out over the series: a Dask cluster equals the serial run; input errors, dead workers,
failing series and an unreachable scheduler are reported as the serial path reports them."""

from __future__ import annotations

import os
import socket
import time

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks.generate_operation import write_operation
from forecast import fanout
from forecast.errors import InputError
from forecast.io.history import read_history
from forecast.io.partitioned import scan_series
from forecast.pipeline import (
    Failure,
    SerialExecutor,
    Spilled,
    drive,
    forecast_options,
    run_forecast,
    split_series,
)
from forecast.schema import SERIES_COLUMNS

distributed = pytest.importorskip("distributed")

TZ = "America/New_York"


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, one thread each, shared by the module's tests (a start costs seconds)."""
    c = fanout.local_cluster(2)
    client = distributed.Client(c, set_as_default=False)
    yield c, client
    client.close()
    c.close()


@pytest.fixture(scope="module")
def operation(tmp_path_factory):
    """Six queues, five weeks of 15-minute counts, one Parquet file per series."""
    out = tmp_path_factory.mktemp("op")
    folder, _ = write_operation(out, queues=6, weeks=5, partition="series")
    return folder


def _max_diff(a: pd.DataFrame, b: pd.DataFrame) -> float:
    cols = ["volume", "volume_lo", "volume_hi"]
    return float(np.nanmax(np.abs(a[cols].to_numpy(float) - b[cols].to_numpy(float))))


def test_a_local_cluster_of_two_processes_equals_the_serial_run(cluster, operation):
    _, client = cluster
    h = read_history(operation)
    serial = run_forecast(h.frame, None, grid=h.grid, horizon_days=14)
    parts = split_series(h.frame)
    futures = client.scatter(parts, hash=False)
    fanned = drive({k: futures[k] for k in parts}, None, grid=h.grid, executor=fanout.DaskExecutor(client), horizon_days=14,
                   options=forecast_options())
    assert not fanned.failures
    pd.testing.assert_frame_equal(serial.forecast, fanned.forecast, rtol=1e-4, atol=1e-3)
    keep = [c for c in serial.accuracy.columns if c != "fit_predict_s"]
    pd.testing.assert_frame_equal(serial.accuracy[keep], fanned.accuracy[keep], rtol=1e-4, atol=1e-3)
    assert serial.notes == fanned.notes


def test_a_parquet_folder_read_per_series_on_a_running_scheduler_equals_the_serial_run(cluster, operation):
    c, _ = cluster
    h = read_history(operation)
    serial = run_forecast(h.frame, None, grid=h.grid, horizon_days=14, backtest=False)
    run = fanout.forecast_history(operation, horizon_days=14, options=forecast_options(backtest=False), scheduler=c.scheduler_address)
    assert run.where.kind == "scheduler"
    assert run.grid == h.grid
    # the same rows and models; figures equal up to the Holt-Winters optimiser's noise when the workers' BLAS was
    # started otherwise than this process's (seen under pytest-xdist: up to 0.0011 contacts)
    a, b = serial.forecast, run.result.forecast
    same = ["ds", "channel", "tz", "model", "events"]
    pd.testing.assert_frame_equal(a[same], b[same])
    assert float(np.nanmax(np.abs(a["event_volume"].to_numpy() - b["event_volume"].to_numpy()))) < 0.01
    assert _max_diff(a, b) < 0.01


def _fanout_error(source, **kw) -> str:
    with pytest.raises(InputError) as e:
        fanout.forecast_history(source, horizon_days=7, options=forecast_options(backtest=False), workers=1, **kw)
    return str(e.value)


def _serial_error(source) -> str:
    with pytest.raises(InputError) as e:
        read_history(source)
    return str(e.value)


def _counts(channel: str, days: int = 10, tz: str = TZ) -> pd.DataFrame:
    ds = pd.date_range("2026-01-05", periods=days * 24, freq="60min", tz="UTC")
    vol = np.random.default_rng(len(channel)).poisson(10, len(ds)).astype(float)
    return pd.DataFrame({"ds": ds, "channel": channel, "tz": tz, "volume": vol})


def test_parquet_of_the_wrong_type_gives_the_loaders_message(tmp_path):
    df = _counts("voice").assign(volume=True)
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp_path / "h.parquet")
    message = _fanout_error(tmp_path / "h.parquet")
    assert message == _serial_error(tmp_path / "h.parquet")
    assert "h.parquet" in message and "volume" in message and "bool" in message


def test_a_partition_with_another_series_row_is_named_by_file_and_row(tmp_path):
    folder = tmp_path / "history"
    folder.mkdir()
    voice, chat = _counts("voice"), _counts("chat")
    stray = chat.iloc[[5]]
    voice = pd.concat([voice.iloc[:40], stray, voice.iloc[40:]], ignore_index=True)
    pq.write_table(pa.Table.from_pandas(voice, preserve_index=False), folder / "voice.parquet")
    pq.write_table(pa.Table.from_pandas(chat.drop(index=5), preserve_index=False), folder / "chat.parquet")
    message = _fanout_error(folder)
    assert message == _serial_error(folder)
    assert "history/voice.parquet, row 41" in message and "chat/America/New_York" in message


def _duckdb_table(tmp_path, df: pd.DataFrame) -> str:
    """``df`` as the table ``history`` of a new DuckDB file; the source that names it."""
    db = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(db))
    con.register("frame", df)
    con.execute("CREATE TABLE history AS SELECT * FROM frame")
    con.close()
    return f"duckdb:{db}::history"


def test_a_duckdb_table_with_a_bad_cell_gives_the_loaders_message(tmp_path):
    df = pd.concat([_counts("voice"), _counts("chat")], ignore_index=True)
    df.loc[300, "volume"] = -3.0
    source = _duckdb_table(tmp_path, df)
    message = _fanout_error(source)
    assert message == _serial_error(source)
    assert "row 301" in message and "volume" in message


def _kill_once(x, marker):
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)  # the worker process dies in the middle of the task
    return x * 2


def test_a_worker_killed_during_a_run_is_replaced_and_its_task_retried(cluster, tmp_path):
    _, client = cluster
    marker = str(tmp_path / "killed")
    results, _ = fanout.DaskExecutor(client).map(_kill_once, {("a", "x"): (1,), ("b", "y"): (2,)}, shared=(marker,))
    assert os.path.exists(marker)
    assert results == {("a", "x"): 2, ("b", "y"): 4}


def _fails_on_b(x):
    if x == "b":
        raise RuntimeError("the model blew up")
    return x.upper()


def test_a_failing_series_is_named_and_the_others_kept(cluster, operation):
    _, client = cluster
    results, _ = fanout.DaskExecutor(client).map(_fails_on_b, {("a",): ("a",), ("b",): ("b",)})
    assert results[("a",)] == "A"
    assert results[("b",)] == Failure(("b",), "RuntimeError: the model blew up")
    # through the whole forecast: one series' rows broken, the others forecast
    h = read_history(operation)
    parts = split_series(h.frame)
    keys = set(parts)
    broken = sorted(parts)[1]
    parts[broken] = parts[broken].drop(columns=["volume"])
    res = drive(parts, None, grid=h.grid, executor=SerialExecutor(catch=True), horizon_days=7, options=forecast_options(backtest=False))
    assert [f.key for f in res.failures] == [broken] and "volume" in res.failures[0].message
    assert set(map(tuple, res.forecast[list(SERIES_COLUMNS)].drop_duplicates().to_numpy())) == keys - {broken}


def test_a_scheduler_that_does_not_answer_is_a_clear_error_within_the_timeout(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    monkeypatch.setenv(fanout.TIMEOUT_ENV, "2")
    t = time.perf_counter()
    with pytest.raises(InputError) as e:
        with fanout.executor_for(100, scheduler=f"tcp://127.0.0.1:{port}"):
            pass
    assert time.perf_counter() - t < 10
    assert f"no Dask scheduler answers at tcp://127.0.0.1:{port} within 2 s" in str(e.value)
    assert "--scheduler" in str(e.value)


def test_the_scheduler_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(fanout.SCHEDULER_ENV, " tcp://10.0.0.1:8786 ")
    assert fanout.scheduler_address(None) == "tcp://10.0.0.1:8786"
    assert fanout.scheduler_address("tcp://h:1") == "tcp://h:1"


def test_small_inputs_and_one_worker_stay_in_process():
    with fanout.executor_for(fanout.MIN_SERIES_FOR_CLUSTER - 1) as (ex, where):
        assert isinstance(ex, SerialExecutor) and where.kind == "in-process"
    with fanout.executor_for(1000, workers=1) as (ex, where):
        assert where.kind == "in-process"


def _raise_once(x, marker):
    if not os.path.exists(marker):
        open(marker, "w").close()
        raise OSError("the disk hiccupped")
    return x + 1


def test_a_task_that_raises_once_is_retried(cluster, tmp_path):
    _, client = cluster
    marker = str(tmp_path / "raised")
    results, _ = fanout.DaskExecutor(client).map(_raise_once, {("a", "x"): (1,)}, shared=(marker,))
    assert results == {("a", "x"): 2}


def test_the_plans_forecast_stage_fans_out_on_request(operation, monkeypatch):
    from roster.planning.plan import forecast_stage
    from roster.planning.settings import PlanSettings

    h = read_history(operation)
    settings = PlanSettings(horizon_days=7, backtest=False)
    here = forecast_stage(h.frame, h.grid, None, settings)
    calls = []
    monkeypatch.setattr(fanout, "drive", lambda *a, **kw: calls.append(kw["executor"]) or drive(*a, **kw))
    fanned = forecast_stage(h.frame, h.grid, None, settings, forecast_workers=1)
    assert len(calls) == 1 and isinstance(calls[0], SerialExecutor)
    pd.testing.assert_frame_equal(here.forecast, fanned.forecast)


def _queue_counts(channel: str, queue, days: int = 10, tz: str = TZ) -> pd.DataFrame:
    return _counts(channel + str(queue), days, tz).assign(channel=channel, queue=queue)[["ds", "channel", "queue", "tz", "volume"]]


def test_a_parquet_folder_with_queues_is_read_one_series_at_a_time_as_the_whole_read_reads_it(tmp_path, monkeypatch):
    folder = tmp_path / "history"
    folder.mkdir()
    voice = pd.concat([_queue_counts("voice", "brand_a"), _queue_counts("voice", " Brand_B ")], ignore_index=True)
    chat = _queue_counts("chat", "brand_c")
    chat.loc[3, "queue"] = None  # an empty cell: the channel's own queue
    pq.write_table(pa.Table.from_pandas(voice, preserve_index=False), folder / "voice.parquet")
    pq.write_table(pa.Table.from_pandas(chat, preserve_index=False), folder / "chat.parquet")
    scan = scan_series(folder)
    assert scan is not None
    assert sorted(scan.series) == sorted({("chat", "brand_c", TZ), ("chat", "chat", TZ), ("voice", "brand_a", TZ), ("voice", "brand_b", TZ)})
    read = []
    real = fanout._load_task

    def spy(pairs, *a):  # each task reads one series
        out = real(pairs, *a)
        read.append(len(out[0]))
        return out

    monkeypatch.setattr(fanout, "_load_task", spy)
    h = read_history(folder)
    serial = run_forecast(h.frame, None, grid=h.grid, horizon_days=7, backtest=False)
    run = fanout.forecast_history(folder, horizon_days=7, options=forecast_options(backtest=False), workers=1)
    assert sorted(read) == sorted(h.frame.groupby(list(SERIES_COLUMNS)).size().tolist())  # one series each, not all
    pd.testing.assert_frame_equal(serial.forecast, run.result.forecast)


@pytest.mark.parametrize("kind", ["parquet", "duckdb"])
def test_a_queue_on_two_channels_is_named_by_file_and_row_as_the_whole_read_names_it(tmp_path, kind):
    voice = _queue_counts("voice", "brand_a")
    chat = _queue_counts("chat", "brand_c")
    chat.loc[[7, 9], "queue"] = "BRAND_A "
    if kind == "parquet":
        source = tmp_path / "history"
        source.mkdir()
        pq.write_table(pa.Table.from_pandas(voice, preserve_index=False), source / "voice.parquet")
        pq.write_table(pa.Table.from_pandas(chat, preserve_index=False), source / "chat.parquet")
    else:
        source = _duckdb_table(tmp_path, pd.concat([voice, chat], ignore_index=True))
    message = _fanout_error(source)
    assert message == _serial_error(source)
    if kind == "parquet":  # chat.parquet is read first: brand_a's first row is chat's
        assert "history/voice.parquet, row 1, column 'queue'" in message
        assert "on channel chat in row 8 of history/chat.parquet" in message
    else:
        assert "row 248, column 'queue'" in message and "on channel voice" in message


def test_in_process_a_big_history_waits_between_the_steps_on_disk_with_the_same_forecast(operation, monkeypatch):
    h = read_history(operation)
    plain = drive(split_series(h.frame), None, grid=h.grid, executor=SerialExecutor(), horizon_days=7)
    spilling = SerialExecutor(spill=True)
    kept_between: list = []
    real_map = spilling.map

    def watch(fn, args, **kw):  # what the first step keeps for the second
        results, kept = real_map(fn, args, **kw)
        kept_between.extend(kept.values())
        return results, kept

    monkeypatch.setattr(spilling, "map", watch)
    spilled = drive(split_series(h.frame), None, grid=h.grid, executor=spilling, horizon_days=7)
    assert len(kept_between) == 6 and all(isinstance(k, Spilled) for k in kept_between)
    assert not any(k.path.exists() for k in kept_between)  # released after the second step
    folder = kept_between[0].path.parent
    assert folder.is_dir()
    spilling.close()
    assert not folder.exists()
    pd.testing.assert_frame_equal(plain.forecast, spilled.forecast)
    with fanout.executor_for(fanout.MIN_SERIES_FOR_CLUSTER, workers=1) as (executor, _):
        assert executor.spill
    with fanout.executor_for(fanout.MIN_SERIES_FOR_CLUSTER - 1, workers=1) as (executor, _):
        assert not executor.spill
