import datetime as dt

import pandas as pd
import pytest

from forecast import tables
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


# --------------------------------------------------------------------------- #
# shifts.csv and roster_deputy.csv
# --------------------------------------------------------------------------- #

DEPUTY_TEMPLATE = [
    "First Name", "Last Name", "Email", "Start Date", "Start Time", "End Date", "End Time", "Location", "Area",
    "Meal Break (Mins)", "Meal Break Start Date", "Meal Break Start Time", "Meal Break End Date", "Meal Break End Time",
    "Rest Break Start Date", "Rest Break Start Time", "Rest Break End Date", "Rest Break End Time", "Comment", "Published", "Open",
]


@pytest.fixture(scope="module")
def solved():
    """A small two-channel week solved: agents with names and emails, some serving both channels."""
    from tests.roster.rostering import factory as f

    lr = f.rules()
    agents = [f.agent(i, skills=("voice", "chat") if i % 2 else ("voice",), name=f"Ana Maria Silva{i}", email=f"a{i}@example.com")
              for i in range(4)]
    req = f.requirements(level=1, channels=("voice", "chat"))
    return f.solve(req, agents, lr, config=f.CFG), agents


def test_shifts_partition_the_roster_and_add_up_to_its_kpis(solved):
    from roster.rostering.export import shifts_table

    res, agents = solved
    roster = res.roster
    shifts = shifts_table(roster, agents)
    assert list(shifts.columns) == list(tables.SHIFTS.names)
    # one row per shift: every roster row belongs to exactly one of them
    assert sorted(shifts["shift_id"]) == sorted(roster["shift_id"].unique())
    assert len(shifts) == res.kpis.shifts
    assert shifts["paid_h"].sum() == pytest.approx(res.kpis.paid_h)
    assert shifts["channel_switches"].sum() == res.kpis.channel_switches
    for s in shifts.itertuples(index=False):
        rows = roster[roster["shift_id"] == s.shift_id]
        work = rows[rows["activity"] == "shift"]
        assert s.start_utc == f"{work['start_utc'].min():%Y-%m-%dT%H:%M:%SZ}" and s.end_utc == f"{work['end_utc'].max():%Y-%m-%dT%H:%M:%SZ}"
        assert s.paid_h == pytest.approx(work["paid_h"].sum())
        assert set(s.channels.split("|")) == set(work["channel"])
        assert s.breaks_local.count("-") == (rows["activity"] == "break").sum()
        assert s.lunch_local.count("-") == (rows["activity"] == "lunch").sum()
        assert (s.name, s.site, s.local_date) == ("Ana Maria Silva" + s.agent_id[-1], "S", rows["local_date"].iloc[0])


def test_deputy_file_has_the_template_columns_one_row_per_shift(solved):
    from roster.rostering.export import deputy_table, shifts_table

    res, agents = solved
    dep = deputy_table(res.roster, agents)
    assert list(dep.columns) == DEPUTY_TEMPLATE
    shifts = shifts_table(res.roster, agents)
    assert len(dep) == len(shifts)
    first = dep.iloc[0]
    s = shifts.iloc[0]
    assert (first["First Name"], first["Last Name"], first["Email"]) == ("Ana Maria", "Silva0", "a0@example.com")
    assert (first["Start Date"], first["Start Time"]) == (s.start_local[:10], s.start_local[11:19])
    assert (first["End Date"], first["End Time"]) == (s.end_local[:10], s.end_local[11:19])
    assert first["Location"] == "S" and first["Area"] in s.channels.split("|")
    assert first["Meal Break (Mins)"] == 30
    assert f"{first['Meal Break Start Time'][:5]}-{first['Meal Break End Time'][:5]}" == s.lunch_local
    assert f"{first['Rest Break Start Time'][:5]}-{first['Rest Break End Time'][:5]}" == s.breaks_local.split("; ")[0]
    assert first["Comment"].startswith("agent A00; channels ") and s.breaks_local.split("; ")[-1] in first["Comment"]
    assert (first["Published"], first["Open"]) == ("No", "No")


def test_a_night_shift_across_the_end_of_summer_time_keeps_its_site_times():
    """New York leaves summer time at 02:00 on 1 November 2026: a shift from 22:00 to 05:30 local lasts 8.5 hours."""
    from roster.rostering.export import deputy_table, shifts_table
    from tests.roster.rostering import factory as f

    lr = f.rules()
    a = f.agent(1, name="Night Owl")
    rows = f.shift_rows(a, dt.date(2026, 10, 31), "22:00", lr)
    roster = pd.DataFrame(rows).assign(shift_id="A01-2026-10-31")
    s = shifts_table(roster, [a]).iloc[0]
    assert (s.start_local, s.end_local) == ("2026-10-31T22:00:00-04:00", "2026-11-01T05:30:00-05:00")
    assert (s.start_utc, s.end_utc) == ("2026-11-01T02:00:00Z", "2026-11-01T10:30:00Z")
    assert s.local_date == "2026-10-31" and s.paid_h == 8.0
    pauses = roster[roster["activity"] != "shift"]
    want = "; ".join(f"{p.start_utc.tz_convert(f.NY):%H:%M}-{p.end_utc.tz_convert(f.NY):%H:%M}"
                     for p in pauses[pauses["activity"] == "break"].sort_values("start_utc").itertuples())
    assert s.breaks_local == want and any(p.start_utc.tz_convert(f.NY).utcoffset() == pd.Timedelta(hours=-5) for p in pauses.itertuples())
    d = deputy_table(roster, [a]).iloc[0]
    assert (d["Start Date"], d["Start Time"], d["End Date"], d["End Time"]) == ("2026-10-31", "22:00:00", "2026-11-01", "05:30:00")
    assert (d["First Name"], d["Last Name"], d["Email"]) == ("Night", "Owl", "")


def test_names_and_sites_are_formula_safe_in_both_files(tmp_path):
    from roster.rostering.export import write_deputy_csv, write_shifts_csv
    from tests.roster.rostering import factory as f

    lr = f.rules()
    a = f.agent(1, name="=HYPERLINK(\"http://x\") Evil").model_copy(update={"site": "+cmd|' /C calc'!A0"})
    roster = pd.DataFrame(f.shift_rows(a, dt.date(2026, 6, 1), "08:00", lr)).assign(shift_id="A01-2026-06-01")
    shifts = pd.read_csv(write_shifts_csv(roster, [a], tmp_path / "shifts.csv"), keep_default_na=False)
    assert shifts["name"].iloc[0] == "'=HYPERLINK(\"http://x\") Evil" and shifts["site"].iloc[0].startswith("'+cmd")
    dep = pd.read_csv(write_deputy_csv(roster, [a], tmp_path / "roster_deputy.csv"), keep_default_na=False)
    assert list(dep.columns) == DEPUTY_TEMPLATE
    assert dep["First Name"].iloc[0] == "'=HYPERLINK(\"http://x\")" and dep["Location"].iloc[0].startswith("'+cmd")
    assert dep["Start Time"].iloc[0] == "08:00:00"
