"""The app's pure display helpers: local days of the display zone, the zoom kept as a UTC instant, event dates, formats."""

import datetime as dt

import pandas as pd
import pytest

from ui.app import format as fmt

NY = "America/New_York"


def utc(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def horizon(start="2026-11-22T00:00", days=14) -> pd.DatetimeIndex:
    """A forecast's interval starts: ``days`` UTC days of 15 minutes from ``start``."""
    return pd.date_range(utc(start), periods=days * 96, freq="15min")


def test_whole_days_start_at_the_display_zones_midnight():
    ds = horizon()
    # UTC: every day from the first
    assert fmt.whole_days(ds, "UTC")[0] == dt.date(2026, 11, 22)
    # New York: 00:00 UTC is 19:00 the day before; that evening is not a day to start a view on
    days = fmt.whole_days(ds, NY)
    assert days[0] == dt.date(2026, 11, 22) and dt.date(2026, 11, 21) not in days
    assert days[-1] == dt.date(2026, 12, 5)  # its midnight (05:00 UTC) is inside the horizon
    assert fmt.whole_days(pd.DatetimeIndex([], tz="UTC"), NY) == []


def test_zoom_window_is_local_days_across_a_change_of_clocks():
    lo, hi = fmt.zoom_window(dt.date(2026, 11, 27), 1, NY)
    assert (lo, hi) == (utc("2026-11-27T05:00"), utc("2026-11-28T05:00"))
    lo, hi = fmt.zoom_window(dt.date(2026, 10, 26), 7, "Europe/Lisbon")  # the week after the clocks went back
    assert lo == utc("2026-10-26T00:00") and hi == utc("2026-11-02T00:00")
    lo, hi = fmt.zoom_window(dt.date(2026, 10, 25), 1, "Europe/Lisbon")  # clocks go back: a 25-hour day
    assert hi - lo == pd.Timedelta(hours=25)


def test_a_zoom_kept_as_an_instant_lands_on_the_same_day_in_another_zone():
    days = fmt.whole_days(horizon(), NY)
    # the day view of Fri 27 Nov in UTC, shown in New York: Fri 27 Nov, not Thursday evening (a 5-hour stub)
    assert fmt.day_for(utc("2026-11-27T00:00"), days, NY) == dt.date(2026, 11, 27)
    # and back: New York's Friday (from 05:00 UTC) in UTC and in Lisbon
    assert fmt.day_for(utc("2026-11-27T05:00"), fmt.whole_days(horizon(), "UTC"), "UTC") == dt.date(2026, 11, 27)
    assert fmt.day_for(utc("2026-11-27T05:00"), fmt.whole_days(horizon(), "Europe/Lisbon"), "Europe/Lisbon") == dt.date(2026, 11, 27)
    # a week from Monday stays the week from Monday
    assert fmt.day_for(utc("2026-11-23T05:00"), fmt.whole_days(horizon(), "Europe/London"), "Europe/London") == dt.date(2026, 11, 23)
    # nothing remembered: the first day; an instant past the horizon: the nearest day offered
    assert fmt.day_for(None, days, NY) == days[0]
    assert fmt.day_for(utc("2027-01-01T00:00"), days, NY) == days[-1]
    assert fmt.day_for(utc("2026-11-27T00:00"), [], NY) is None


def test_events_are_marked_on_their_own_local_date():
    # Black Friday as the forecast's event table has it: one row per customer zone, each from its local midnight
    ev = pd.DataFrame({
        "event": ["Black Friday 2026"] * 3 + ["Thanksgiving"],
        "tz": ["Europe/London", NY, "America/Los_Angeles", NY],
        "start": [utc("2026-11-27T00:00"), utc("2026-11-27T05:00"), utc("2026-11-27T08:00"), utc("2026-11-26T05:00")],
        "end": [utc("2026-11-28T00:00"), utc("2026-11-28T05:00"), utc("2026-11-28T08:00"), utc("2026-11-27T05:00")],
    })
    marks = fmt.event_days(ev)
    assert marks == {dt.date(2026, 11, 26): ["Thanksgiving"], dt.date(2026, 11, 27): ["Black Friday 2026"]}
    assert fmt.day(dt.date(2026, 11, 27)) == "Fri 2026-11-27"
    # a flash sale at 18:00-24:00 New York time is on its New York date
    sale = pd.DataFrame({"event": ["Flash"], "tz": [NY], "start": [utc("2026-11-30T23:00")], "end": [utc("2026-12-01T05:00")]})
    assert list(fmt.event_days(sale)) == [dt.date(2026, 11, 30)]
    assert fmt.event_days(ev.iloc[:0]) == {}


def test_stamps_say_their_weekday_in_the_zone():
    assert fmt.stamp(utc("2026-11-27T03:00"), NY) == "Thu 2026-11-26 22:00"
    assert fmt.stamp(utc("2026-11-27T03:00"), "UTC", fmt.DAY) == "Fri 2026-11-27"


@pytest.mark.parametrize("decimals, unit, pattern", [(0, None, "%,.0f"), (1, "h", "%,.1f h"), (0, "EUR", "%,.0f EUR")])
def test_column_formats_have_thousands_separators(decimals, unit, pattern):
    assert fmt.column_format(decimals, unit) == pattern


def test_hourly_rates_and_money_say_their_currency():
    assert fmt.per_hour(24, "USD") == "24.00 USD/h"
    assert fmt.per_hour(22.5, None) == "22.50 cost units/h"
    assert fmt.money(-1234.4, "€", signed=True) == "-1,234 €"
    assert fmt.duration(14400) == "4 h"
