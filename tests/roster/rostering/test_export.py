import pandas as pd

from forecast.io.files import safe_cell
from roster.rostering.export import roster_calendar, write_roster_csv


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


def test_calendar_member_names_are_safe_whatever_the_agent_id():
    import io
    import zipfile

    from roster.rostering.export import (
        agent_calendars,
        calendar_file_name,
        calendars_zip,
    )

    assert calendar_file_name("../../home/user/x") == "_.._home_user_x.ics"
    assert calendar_file_name("..") == "agent.ics" and calendar_file_name("C:\\x") == "C__x.ics"
    roster = _roster()
    roster["agent_id"] = ["../../home/user/x", "..\\..\\x"]
    roster["shift_id"] = ["s1", "s2"]
    roster["activity"] = ["shift", "shift"]
    calendars = agent_calendars(roster)
    names = zipfile.ZipFile(io.BytesIO(calendars_zip(calendars))).namelist()
    assert sorted(names) == sorted(name for name, _ in calendars.values()) and len(set(names)) == 2
    for name in names:
        assert "/" not in name and "\\" not in name and not name.startswith(".") and name.endswith(".ics")


def test_two_ids_that_clean_to_one_name_get_two_files():
    from roster.rostering.export import agent_calendars

    roster = _roster()
    roster["agent_id"] = ["a/b", "a\\b"]
    roster["shift_id"] = ["s1", "s2"]
    assert sorted(name for name, _ in agent_calendars(roster).values()) == ["a_b-2.ics", "a_b.ics"]
