"""Retail events by rule and country holidays per customer zone."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from forecast.events import calendar_events, country_of_zone, holiday_events, retail_dates, retail_events, thanksgiving_us


@pytest.mark.parametrize(
    ("year", "black_friday"),
    [(2024, dt.date(2024, 11, 29)), (2025, dt.date(2025, 11, 28)), (2026, dt.date(2026, 11, 27)), (2030, dt.date(2030, 11, 29))],
)
def test_black_friday_follows_us_thanksgiving(year, black_friday):
    dates = retail_dates(year)
    assert dates["black_friday"] == (black_friday, black_friday)
    assert dates["cyber_monday"][0] == black_friday + dt.timedelta(days=3)
    assert thanksgiving_us(year).weekday() == 3


def test_boxing_day_sales_only_where_the_country_keeps_it():
    ev = retail_events([2025], ["America/New_York", "Europe/London"], ["chat"])
    boxing = ev[ev["kind"] == "boxing_day"]
    assert list(boxing["tz"]) == ["Europe/London"]


def test_events_start_at_local_midnight_in_each_zone():
    ev = retail_events([2025], ["America/Los_Angeles", "Europe/London"], ["voice"])
    bf = ev[ev["kind"] == "black_friday"].set_index("tz")
    assert bf.loc["America/Los_Angeles", "start"] == pd.Timestamp("2025-11-28T08:00Z")
    assert bf.loc["Europe/London", "start"] == pd.Timestamp("2025-11-28T00:00Z")
    assert (bf["end"] - bf["start"]).eq(pd.Timedelta(hours=24)).all()


def test_country_holidays_come_from_each_zones_country():
    assert country_of_zone("America/Los_Angeles") == ("US", None)
    assert country_of_zone("Europe/London") == ("GB", "ENG")
    hol = holiday_events([2025], ["America/New_York", "Europe/London"], ["email"])
    us = set(hol.loc[hol["tz"] == "America/New_York", "event"])
    gb = set(hol.loc[hol["tz"] == "Europe/London", "event"])
    assert "Thanksgiving Day" in us and "Thanksgiving Day" not in gb
    assert "Boxing Day" in gb


def test_calendar_events_cover_the_span_and_a_zone_without_holidays():
    ev = calendar_events(pd.Timestamp("2025-11-20", tz="UTC"), pd.Timestamp("2025-12-05", tz="UTC"), ["Etc/GMT+3"], ["chat"])
    # no country for Etc/ zones: retail events only
    assert set(ev["kind"]) == {"black_friday", "cyber_monday"}
