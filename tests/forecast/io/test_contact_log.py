"""forecast/io/contact_log.py: a per-contact log with queue times turned into an interval report."""

import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.io.contact_log import actuals_from_log

CALLS_HEADER = "vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\tq_start\tq_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver"


def _calls(tmp_path, *rows, name="calls.txt"):
    path = tmp_path / name
    path.write_bytes(("\r\n".join([CALLS_HEADER, *rows]) + "\r\n").encode())
    return path


def _row(entry, q_start, q_time, outcome, ser_start, ser_time, server, date="990105"):
    return "\t".join(["AA0101", "1", "0", "0", "PS", date, entry, entry, "5", q_start, "0:00:00", str(q_time), outcome,
                      ser_start, "0:00:00", str(ser_time), server])


def test_call_records_become_an_interval_report(tmp_path):
    path = _calls(
        tmp_path,
        _row("10:00:00", "10:00:05", 10, "AGENT", "10:00:15", 300, "DANA"),      # answered in 10 s (in target)
        _row("10:01:00", "10:01:05", 40, "AGENT", "10:01:45", 200, "YOSI"),      # answered in 40 s
        _row("10:02:00", "10:02:05", 90, "HANG", "0:00:00", 0, "NO_SERVER"),     # abandoned after 90 s
        _row("10:03:00", "0:00:00", 0, "AGENT", "10:03:05", 100, "DANA"),        # answered from the IVR, no wait
        _row("10:04:00", "0:00:00", 0, "HANG", "0:00:00", 0, "NO_SERVER"),       # hung up in the IVR: not offered
        _row("10:05:00", "10:05:05", 3, "PHANTOM", "0:00:00", 0, "NO_SERVER"),   # left out
    )
    notes = []
    frame, grid = actuals_from_log(path, target_s=20, notes=notes)
    assert grid.zones == ("Asia/Jerusalem",) and grid.interval_min == 15
    first = frame.iloc[0]
    assert first["ds"] == pd.Timestamp("1999-01-05 08:00", tz="UTC")  # 10:00 in Jerusalem (UTC+2)
    assert (first["offered"], first["answered"], first["abandoned"], first["answered_in_target"]) == (4, 3, 1, 2)
    assert first["aht_s"] == pytest.approx(200)
    assert first["asa_s"] == pytest.approx(50 / 3) and first["abandon_time_s"] == 90
    # DANA 10:00:15-10:05:15 (her IVR call at 10:03:05 falls within that stretch), YOSI 10:01:45-10:05:05
    assert first["agents_staffed"] == pytest.approx((300 + 200) / 900, abs=1e-3)
    assert any("1 PHANTOM" in n for n in notes) and any("1 call(s) that hung up in the IVR" in n for n in notes)


def test_a_call_crossing_midnight_and_the_served_estimate(tmp_path):
    path = _calls(tmp_path, _row("23:50:00", "23:59:50", 20, "AGENT", "0:00:10", 1800, "DANA"))
    frame, _ = actuals_from_log(path, agents="served", interval_min=30)
    assert frame["ds"].iloc[0] == pd.Timestamp("1999-01-05 21:30", tz="UTC")
    # queued at 23:59:50 local (21:59:50Z), answered 00:00:10-00:30:10 local on the 6th: DANA serves in the two
    # intervals from 22:00Z; the interval the call arrived in had no agent serving
    assert list(frame["agents_staffed"]) == [0.0, 1.0, 1.0]
    assert list(frame["ds"].dt.strftime("%H:%M")) == ["21:30", "22:00", "22:30"]
    assert frame["offered"].sum() == 1


def test_bad_cells_in_call_records_name_line_and_column(tmp_path):
    path = _calls(tmp_path, _row("10:00:00", "10:00:05", 10, "AGENT", "10:00:15", 300, "DANA"),
                  _row("10:00:00", "10:0x:05", 10, "AGENT", "10:00:15", 300, "DANA"))
    with pytest.raises(InputError, match=r"calls.txt, line 3, column 'q_start': expected a time of day H:MM:SS, found '10:0x:05'"):
        actuals_from_log(path)
    path = _calls(tmp_path, _row("10:00:00", "10:00:05", 10, "SERVED", "10:00:15", 300, "DANA"), name="c2.txt")
    with pytest.raises(InputError, match=r"line 2, column 'outcome'"):
        actuals_from_log(path)


def test_a_contact_log_csv(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "arrived_at,channel,outcome,wait_s,handle_time_s,agent_id\n"
        "2026-01-05T09:00:10Z,voice,answered,5,600,a1\n"
        "2026-01-05T09:01:00Z,voice,abandoned,30,,\n"
        "2026-01-05T09:20:00Z,chat,answered,70,300,a2\n"
    )
    frame, grid = actuals_from_log(path, target_s={"voice": 20, "chat": 60})
    v = frame[frame["channel"] == "voice"].iloc[0]
    assert (v["offered"], v["answered"], v["abandoned"], v["answered_in_target"]) == (2, 1, 1, 1)
    assert v["agents_staffed"] == pytest.approx(600 / 900, abs=1e-3)
    c = frame[frame["channel"] == "chat"].iloc[0]
    assert c["answered_in_target"] == 0 and grid.zones == ()
    bad = tmp_path / "bad.csv"
    bad.write_text("arrived_at,channel,outcome,wait_s,handle_time_s,agent_id\n2026-01-05T09:00:10Z,voice,answered,5,600,\n")
    with pytest.raises(InputError, match=r"bad.csv, line 2, column 'agent_id': an answered contact needs agent_id"):
        actuals_from_log(bad)
    with pytest.raises(InputError, match="no target_s for channel\\(s\\) chat"):
        actuals_from_log(path, target_s={"voice": 20})
