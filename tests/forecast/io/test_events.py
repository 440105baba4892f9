"""Loading the events file: expansion per channel and zone, local dates, and bad rows."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.io.events import load_events

EVENTS = """event,kind,start,end,channels,zones,uplift,lower_window,upper_window
Flash,flash_sale,2026-12-04T18:00:00-05:00,2026-12-05T00:00:00-05:00,chat|voice,all,2.5,0,2
Summer,summer_sale,2026-07-09,2026-07-12,all,Europe/London,,-1,3
"""
ZONES = ["America/New_York", "Europe/London"]


def problem_lines(exc: InputError) -> list[tuple[int | None, str | None]]:
    return [(p.line, p.column) for p in exc.problems]


def test_events_expand_per_channel_and_zone(write):
    ev = load_events(write("events.csv", EVENTS), zones=ZONES)
    flash = ev[ev["event"] == "Flash"]
    assert len(flash) == 4  # 2 channels x 2 zones
    # an instant with an offset is the same moment everywhere
    assert set(flash["start"]) == {pd.Timestamp("2026-12-04T23:00Z")}
    assert flash["uplift"].eq(2.5).all()
    summer = ev[ev["event"] == "Summer"]
    assert len(summer) == 4 and set(summer["tz"]) == {"Europe/London"}
    # naive dates are local; a date-only end includes that whole day
    assert summer["start"].iloc[0] == pd.Timestamp("2026-07-08T23:00Z")
    assert summer["end"].iloc[0] == pd.Timestamp("2026-07-12T23:00Z")
    assert summer["lower_window"].iloc[0] == -1 and summer["upper_window"].iloc[0] == 3


@pytest.mark.parametrize(
    ("row", "expected", "column"),
    [
        ("X,flash_sale,2026-12-04,2026-12-03,all,all,,0,0", "expected 'end' after 'start'", "end"),
        ("X,flash_sale,2026-12-04,2026-12-05,fax,all,,0,0", "unknown channel 'fax'", "channels"),
        ("X,flash_sale,2026-12-04,2026-12-05,all,Europe/Paris,,0,0", "not in the history", "zones"),
        ("X,flash_sale,2026-12-04,2026-12-05,all,all,-2,0,0", "greater than 0", "uplift"),
        ("X,flash_sale,2026-12-04,2026-12-05,all,all,,2,0", "<= 0", "lower_window"),
        ("X,flash sale!,2026-12-04,2026-12-05,all,all,,0,0", "expected a kind", "kind"),
        ("X,flash_sale,soon,2026-12-05,all,all,,0,0", "found 'soon'", "start"),
    ],
)
def test_bad_event_rows(write, row, expected, column):
    header = EVENTS.splitlines()[0]
    with pytest.raises(InputError) as info:
        load_events(write("events.csv", f"{header}\n{row}\n"), zones=ZONES)
    assert expected in str(info.value)
    assert (2, column) in problem_lines(info.value)


def test_sample_events_load(samples):
    ev = load_events(samples / "events.csv", zones=["America/Los_Angeles", "America/New_York", "Europe/London"])
    assert {"flash_sale", "summer_sale", "outage"} <= set(ev["kind"])
    assert (ev["end"] > ev["start"]).all()


def test_a_bad_time_is_reported_once_per_line_whatever_the_channels_and_zones(write):
    rows = "".join(f"Sale {i},flash_sale,2026-13-45T00:00:00Z,2026-12-05,all,all,,0,0\n" for i in range(3))
    with pytest.raises(InputError) as info:
        load_events(write("events.csv", EVENTS.splitlines()[0] + "\n" + rows), zones=ZONES)
    assert problem_lines(info.value) == [(2, "start"), (3, "start"), (4, "start")] and info.value.total == 3
