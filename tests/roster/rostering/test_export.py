import pandas as pd

from roster.rostering.export import roster_calendar, safe_cell, write_roster_csv


def _roster():
    t = pd.Timestamp("2026-11-23T14:00Z")
    return pd.DataFrame(
        {
            "agent_id": ["=HYPERLINK(1)", "A2"], "site_tz": ["America/New_York"] * 2, "local_date": ["2026-11-23"] * 2,
            "activity": ["shift", "break"], "channel": ["voice", "voice"],
            "start_utc": [t, t + pd.Timedelta(hours=2)], "end_utc": [t + pd.Timedelta(hours=8), t + pd.Timedelta(hours=2, minutes=15)],
            "start_local": ["2026-11-23T09:00:00-05:00"] * 2, "end_local": ["2026-11-23T17:00:00-05:00"] * 2,
            "paid_h": [7.5, float("nan")], "shift_id": ["=HYPERLINK(1)-2026-11-23", "A2-2026-11-23"],
        }
    )


def test_formula_cells_are_neutralised(tmp_path):
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("+x") == "'+x" and safe_cell("@a") == "'@a" and safe_cell("A1") == "A1"
    path = write_roster_csv(_roster(), tmp_path / "roster.csv")
    back = pd.read_csv(path)
    assert back["agent_id"].iloc[0] == "'=HYPERLINK(1)"
    assert back["start_utc"].iloc[0] == "2026-11-23T14:00:00Z"
    assert back["start_local"].iloc[0].startswith("2026-11-23T09:00:00-05:00")
    assert not list(tmp_path.glob(".*tmp"))


def test_calendar_has_one_event_per_activity():
    from icalendar import Calendar

    cal = Calendar.from_ical(roster_calendar(_roster()))
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 2
    assert "Shift: voice" in str(events[0]["summary"])
