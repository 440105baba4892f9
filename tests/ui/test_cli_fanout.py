"""shiftcast forecast --workers / --scheduler: the series forecast on a local Dask cluster; a dead address is exit 2."""

from __future__ import annotations

import socket

import pandas as pd
import pytest

from benchmarks.generate_operation import write_operation
from ui.cli import main

pytest.importorskip("distributed")


def test_forecast_with_two_workers_writes_every_series(tmp_path, capsys):
    folder, _ = write_operation(tmp_path, queues=24, weeks=2, partition="series")
    code = main(["forecast", "--history", str(folder), "--horizon-days", "3", "--no-backtest", "--workers", "2",
                 "--out", str(tmp_path / "out")])
    cap = capsys.readouterr()
    text = " ".join((cap.out + cap.err).split())
    assert code in (0, None), text
    assert "24 series forecast a local Dask cluster of 2 worker process(es)" in text
    assert "forecast: series done (24/24)" in text
    fc = pd.read_csv(tmp_path / "out" / "forecast.csv")
    assert len(fc[["channel", "tz"]].drop_duplicates()) == 24


def test_forecast_on_a_scheduler_that_does_not_answer_exits_2(tmp_path, capsys, monkeypatch):
    folder, _ = write_operation(tmp_path, queues=2, weeks=2, partition="series")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SHIFTCAST_DASK_TIMEOUT_S", "1")
    code = main(["forecast", "--history", str(folder), "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(tmp_path / "out")])
    cap = capsys.readouterr()
    text = " ".join((cap.out + cap.err).split())
    assert code == 2
    assert "Traceback" not in text and f"no Dask scheduler answers at tcp://127.0.0.1:{port} within 1 s" in text
    assert not (tmp_path / "out" / "forecast.csv").exists()
