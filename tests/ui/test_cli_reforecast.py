"""shiftcast reforecast: today's actuals against a forecast, and with --plan against the roster; bad input exits 2."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast import tables
from forecast.timegrid import local_midnight
from ui.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
NY = "America/New_York"
DAY = "2026-11-24"


def iso(ts) -> pd.Series:
    return pd.Series(ts).dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A flat 15-minute voice forecast in New York over three days, its requirements, a hand roster of four agents."""
    d = tmp_path_factory.mktemp("reforecast")
    t0 = local_midnight("2026-11-23", NY)
    ds = pd.date_range(t0, t0 + pd.Timedelta(days=3), freq="15min", inclusive="left")
    hour = ds.tz_convert(NY).hour
    vol = np.where((hour >= 8) & (hour < 18), 12.0, 1.0)
    fc = pd.DataFrame({"ds": iso(ds), "channel": "voice", "tz": NY, "volume": vol, "volume_lo": vol * 0.7, "volume_hi": vol * 1.3,
                       "aht_s": 300.0, "model": "ets", "event_volume": 0.0, "events": ""})
    plan = d / "plan"
    plan.mkdir()
    fc.to_csv(plan / "forecast.csv", index=False)
    assert main(["staff", "--forecast", str(plan / "forecast.csv"), "--targets", str(SAMPLES / "targets.toml"), "--out", str(plan)]) == 0
    agents = pd.DataFrame({"agent_id": ["P1", "P2", "P3", "P4"], "name": ["Ana P", "Ben Q", "Cy R", "Di S"], "email": "",
                           "site": "Charlotte", "site_tz": NY, "contract": "part_time", "skills": "voice",
                           "earliest_start": "", "latest_start": "", "preferred_days_off": ""})
    agents.to_csv(d / "agents.csv", index=False)
    shutil.copy(SAMPLES / "rules.toml", d / "rules.toml")
    rows = []
    for agent, start in (("P1", "08:00"), ("P2", "08:00"), ("P3", "10:00"), ("P4", "12:00")):
        a = pd.Timestamp(f"{DAY} {start}", tz=NY).tz_convert("UTC")
        b = a + pd.Timedelta(hours=5)
        rows.append({"agent_id": agent, "site_tz": NY, "local_date": DAY, "activity": "shift", "channel": "voice",
                     "start_utc": a, "end_utc": b, "paid_h": 5.0, "shift_id": f"{agent}-{DAY}"})
        rows.append({**rows[-1], "activity": "break", "start_utc": a + pd.Timedelta(hours=2), "end_utc": a + pd.Timedelta(hours=2, minutes=15),
                     "paid_h": ""})
    r = pd.DataFrame(rows)
    r["start_utc"], r["end_utc"] = iso(r["start_utc"]), iso(r["end_utc"])
    r.to_csv(plan / "roster.csv", index=False)
    # today's calls to 10:00 New York time, 40% above the forecast
    today = local_midnight(DAY, NY)
    now = pd.Timestamp(f"{DAY} 10:00", tz=NY).tz_convert("UTC")
    f = fc.assign(ds=pd.to_datetime(fc["ds"], utc=True))
    act = f[(f["ds"] >= today) & (f["ds"] < now)][["ds", "channel", "tz", "volume"]].copy()
    act["volume"] = np.round(act["volume"] * 1.4)
    act["ds"] = iso(act["ds"])
    act.to_csv(d / "today.csv", index=False)
    return d


def run(*args) -> int:
    return main(["reforecast", *map(str, args)])


def test_reforecast_alone_writes_the_reforecast_and_its_factors(folder, capsys):
    out = folder / "out_alone"
    assert run("--forecast", folder / "plan" / "forecast.csv", "--actuals", folder / "today.csv", "--out", out) == 0
    ref = pd.read_csv(out / "reforecast.csv")
    assert list(ref.columns) == list(tables.REFORECAST.names)
    f = pd.read_csv(out / "reforecast_factors.csv")
    assert list(f.columns) == list(tables.REFORECAST_FACTORS.names)
    assert 1.0 < f["factor"].iloc[0] < 1.4
    assert ref["ds"].min() == "2026-11-24T15:00:00Z"  # --now: the end of the last interval with calls, 10:00 New York
    assert sorted(p.name for p in out.iterdir()) == ["reforecast.csv", "reforecast_factors.csv"]
    assert "--now not given" in capsys.readouterr().out


def test_reforecast_with_the_plan_compares_the_roster_and_suggests_actions(folder, capsys):
    out = folder / "out_plan"
    assert run("--forecast", folder / "plan" / "forecast.csv", "--actuals", folder / "today.csv", "--now", "2026-11-24T10:00",
               "--plan", folder / "plan", "--agents", folder / "agents.csv", "--out", out) == 0
    i = pd.read_csv(out / "intraday.csv")
    assert list(i.columns) == list(tables.INTRADAY.names)
    assert i["ds"].min() == "2026-11-24T15:00:00Z"
    assert (i["required"] >= i["required_plan"]).all() and (i["required"] > i["required_plan"]).any()
    a = pd.read_csv(out / "intraday_actions.csv")
    assert list(a.columns) == list(tables.INTRADAY_ACTIONS.names)
    assert set(a["action"]) <= {"overtime", "move_break", "go_early"} and len(a)
    assert set(a["agent_id"]) <= {"P1", "P2", "P3", "P4"}
    assert "actions:" in capsys.readouterr().out
    # a run without --plan into the same folder leaves no stale comparison behind
    assert run("--forecast", folder / "plan" / "forecast.csv", "--actuals", folder / "today.csv", "--out", out) == 0
    assert not (out / "intraday.csv").exists()


def test_actuals_for_a_channel_not_in_the_forecast(folder, capsys, tmp_path):
    bad = tmp_path / "today.csv"
    lines = (folder / "today.csv").read_text().splitlines()
    lines[3] = lines[3].replace(",voice,", ",chat,")
    bad.write_text("\n".join(lines) + "\n")
    assert run("--forecast", folder / "plan" / "forecast.csv", "--actuals", bad, "--out", tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert "today.csv, line 4, column 'channel': channel 'chat' is not in the forecast" in err
    assert not (tmp_path / "o").exists()


def test_now_outside_the_forecast(folder, capsys, tmp_path):
    assert run("--forecast", folder / "plan" / "forecast.csv", "--actuals", folder / "today.csv", "--now", "2027-01-05T10:00Z",
               "--out", tmp_path / "o") == 2
    assert "--now: 2027-01-05 10:00Z is outside the forecast" in capsys.readouterr().err


def test_actuals_after_now(folder, capsys, tmp_path):
    assert run("--forecast", folder / "plan" / "forecast.csv", "--actuals", folder / "today.csv", "--now", "2026-11-24T09:00",
               "--out", tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert "today.csv, line" in err and "column 'ds'" in err and "at or after --now 2026-11-24 14:00Z" in err


def test_a_bad_now_and_a_plan_folder_without_its_files(folder, capsys, tmp_path):
    assert run("--forecast", folder / "plan" / "forecast.csv", "--actuals", folder / "today.csv", "--now", "ten o'clock",
               "--out", tmp_path / "o") == 2
    assert "--now: expected a time" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert run("--forecast", folder / "plan" / "forecast.csv", "--actuals", folder / "today.csv", "--plan", tmp_path / "empty",
               "--agents", folder / "agents.csv", "--out", tmp_path / "o") == 2
    assert "missing requirements.csv, roster.csv, targets.toml" in capsys.readouterr().err


def test_an_interval_report_as_actuals_with_its_handle_times(folder, tmp_path):
    a = pd.read_csv(folder / "today.csv")
    report = pd.DataFrame({"ds": a["ds"], "channel": a["channel"], "offered": a["volume"], "answered": a["volume"],
                           "abandoned": 0, "answered_in_target": a["volume"], "aht_s": 390.0, "agents_staffed": 4})
    report.to_csv(tmp_path / "report.csv", index=False)
    assert run("--forecast", folder / "plan" / "forecast.csv", "--actuals", tmp_path / "report.csv", "--out", tmp_path / "o") == 0
    f = pd.read_csv(tmp_path / "o" / "reforecast_factors.csv")
    assert 1.0 < f["factor"].iloc[0] < 1.4 and f["aht_factor"].iloc[0] > 1.0  # 390 s against 300 s forecast
    assert run("--forecast", folder / "plan" / "forecast.csv", "--actuals", folder / "today.csv", "--out", tmp_path / "h") == 0
    history = pd.read_csv(tmp_path / "h" / "reforecast_factors.csv")
    assert f["factor"].iloc[0] == pytest.approx(history["factor"].iloc[0])  # the same contacts, the same factor
    ref = pd.read_csv(tmp_path / "o" / "reforecast.csv")
    assert (ref["aht_s"] > 300.0).all()
