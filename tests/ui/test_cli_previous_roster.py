"""``shiftcast roster --previous-roster``: weeks chained through their published roster.csv, and bad previous rosters refused."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from roster.rostering import roster_span
from tests.roster.rostering.factory import SMALL_RULES_TOML
from ui.cli import main

NY, LISBON = "America/New_York", "Europe/Lisbon"
WEEK = dt.date(2026, 6, 1)



@pytest.fixture
def data(tmp_path):
    """Two weeks of requirements: one voice agent from Lisbon's midnight to 02:00 UTC each Monday (New York's Sunday evening)."""
    (tmp_path / "rules.toml").write_text(SMALL_RULES_TOML)
    (tmp_path / "agents.csv").write_text(
        "agent_id,name,site,site_tz,contract,skills\nA00,Ana,Charlotte,America/New_York,ft,voice\nA01,Rui,Lisbon,Europe/Lisbon,ft,chat\n"
    )
    span = roster_span(WEEK, 2, [NY, LISBON])
    ds = pd.date_range(span[0], span[1], freq="15min", inclusive="left")
    monday_night = (ds.tz_convert(LISBON).day_of_week == 0) & (ds.tz_convert(LISBON).hour < 3)
    req = pd.concat([pd.DataFrame({"ds": ds, "channel": "voice", "agents_required": np.where(monday_night, 1, 0)}),
                     pd.DataFrame({"ds": ds, "channel": "chat", "agents_required": 0})], ignore_index=True)
    req["ds"] = req["ds"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    req.to_csv(tmp_path / "requirements.csv", index=False)
    return tmp_path


def roster(data, out, week, *extra):
    return main(["roster", "--requirements", str(data / "requirements.csv"), "--agents", str(data / "agents.csv"),
                 "--week-start", str(week), "--time-limit", "3", "--workers", "1", "--out", str(out), *extra])


def test_week_two_stands_on_week_one_s_published_roster(data, capsys):
    assert roster(data, data / "w1", WEEK) == 0
    w1 = pd.read_csv(data / "w1" / "roster.csv")
    sunday = (WEEK + dt.timedelta(days=6)).isoformat()
    assert sunday in set(w1["local_date"])  # week 1 covers week 2's Monday night from its own Sunday evening
    capsys.readouterr()
    assert roster(data, data / "w2", WEEK + dt.timedelta(days=7), "--previous-roster", str(data / "w1" / "roster.csv")) == 0
    w2 = pd.read_csv(data / "w2" / "roster.csv")
    assert (w2["local_date"] >= (WEEK + dt.timedelta(days=7)).isoformat()).all()  # no boundary day: week 1's Sunday stands
    cov = pd.read_csv(data / "w2" / "coverage.csv")
    night = cov[(cov["channel"] == "voice") & (cov["required"] > 0)]
    assert (night["scheduled"] >= 1).mean() > 0.8  # week 1's Sunday shift, but for its break


def test_a_previous_roster_for_other_agents_exits_2_and_writes_nothing(data, capsys):
    (data / "prev.csv").write_text(
        "agent_id,site_tz,local_date,activity,channel,start_utc,end_utc,start_local,end_local,paid_h,shift_id\n"
        "Z9,America/New_York,2026-05-31,shift,voice,2026-05-31T17:30:00Z,2026-06-01T02:00:00Z,,,8.0,Z9-2026-05-31\n"
    )
    assert roster(data, data / "out", WEEK, "--previous-roster", str(data / "prev.csv")) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "prev.csv, line 2, column 'agent_id'" in err and "'Z9'" in err
    assert not (data / "out").exists()


def test_a_previous_roster_overlapping_the_new_week_exits_2_naming_the_rule(data, capsys):
    (data / "prev.csv").write_text(
        "agent_id,site_tz,local_date,activity,channel,start_utc,end_utc,start_local,end_local,paid_h,shift_id\n"
        "A00,America/New_York,2026-06-01,shift,voice,2026-06-01T12:00:00Z,2026-06-01T20:30:00Z,,,8.0,A00-2026-06-01\n"
    )
    assert roster(data, data / "out", WEEK, "--previous-roster", str(data / "prev.csv")) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "prev.csv, line 2, column 'local_date'" in err and "agent A00" in err and "previous roster ends before the new one" in err
    assert not (data / "out").exists()


def test_a_previous_roster_off_the_roster_s_grid_exits_2_naming_the_row(data, capsys):
    # read as any roster.csv (check-roster's reader): times on the roster's grid, channels the agent has skills for
    (data / "prev.csv").write_text(
        "agent_id,site_tz,local_date,activity,channel,start_utc,end_utc,start_local,end_local,paid_h,shift_id\n"
        "A00,America/New_York,2026-05-31,shift,voice,2026-05-31T17:35:00Z,2026-06-01T02:00:00Z,,,8.0,A00-2026-05-31\n"
    )
    assert roster(data, data / "out", WEEK, "--previous-roster", str(data / "prev.csv")) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "prev.csv, line 2, column 'start_utc'" in err and "15-minute grid" in err
    assert not (data / "out").exists()
