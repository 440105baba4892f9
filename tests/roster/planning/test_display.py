"""How figures are written: numbers, money with its currency, durations in h/min; the plan summary's cost."""

import datetime as dt

import pytest

from forecast.errors import InputError
from roster.io import load_rules
from roster.planning.display import NO_CURRENCY, duration, money, number
from roster.planning.plan import PlanSummary, format_summary


@pytest.mark.parametrize("seconds, text", [
    (20, "20 s"), (2.5, "2.5 s"), (0, "0 s"), (60, "1 min"), (90, "1 min 30 s"), (300, "5 min"), (3600, "1 h"),
    (5400, "1 h 30 min"), (14400, "4 h"), (86400, "24 h"), (3629, "1 h"), (3631, "1 h 1 min"), (-90, "-1 min 30 s"),
])
def test_duration_in_the_largest_units(seconds, text):
    assert duration(seconds) == text


def test_duration_without_a_value():
    assert duration(float("nan")) == "n/a" and duration(None) == "n/a"


@pytest.mark.parametrize("x, decimals, signed, text", [
    (1234567.891, 0, False, "1,234,568"), (1234.5678, 2, False, "1,234.57"), (0.04, 1, False, "0.0"),
    (-0.0001, 0, False, "0"), (1500, 0, True, "+1,500"), (-1500.4, 1, True, "-1,500.4"), (0, 0, True, "+0"),
])
def test_number_with_thousands_separators(x, decimals, signed, text):
    assert number(x, decimals, signed=signed) == text


def test_number_without_a_value():
    assert number(float("nan")) == "n/a" and number(None, na="-") == "-"


def test_money_says_its_currency_or_cost_units():
    assert money(12345.6, "EUR") == "12,346 EUR"
    assert money(1200, None, signed=True) == f"+1,200 {NO_CURRENCY}"
    assert money(24.5, "€", 2) == "24.50 €"
    assert money(float("nan"), "EUR") == "n/a"


def test_currency_in_the_labour_rules(tmp_path):
    base = "[contracts.full_time]\nmin_week_h = 32\nmax_week_h = 40\nmax_days_per_week = 5\nshift_lengths_h = [8.5]\nhourly_cost = 24.0\n"
    (tmp_path / "rules.toml").write_text(base)
    assert load_rules(tmp_path / "rules.toml").currency is None
    (tmp_path / "rules.toml").write_text('currency = " EUR "\n' + base)
    assert load_rules(tmp_path / "rules.toml").currency == "EUR"
    (tmp_path / "rules.toml").write_text('currency = "[b]euros and more"\n' + base)
    with pytest.raises(InputError, match="currency"):
        load_rules(tmp_path / "rules.toml")


def _summary(**changes) -> PlanSummary:
    return PlanSummary(**{
        "horizon_start": dt.datetime(2026, 11, 22, tzinfo=dt.UTC), "horizon_end": dt.datetime(2026, 12, 5, 23, 45, tzinfo=dt.UTC),
        "roster_weeks_from": dt.date(2026, 11, 23), "contacts_horizon": 123456.0, "required_agent_h": 3000.0,
        "scheduled_agent_h": 2900.0, "paid_h": 3200.0, "cost": 74321.4, "currency": "USD", "agents_rostered": 110, "shifts": 1450,
        "intervals_understaffed": 12, "channel_intervals": 2688, "gap": 0.05, "under_agent_h": 10.0, "bound_short_agent_h": 2.0,
        "channels": (), "simulation_runs": None, **changes,
    })


def test_plan_summary_prints_the_cost_with_its_currency():
    assert "3,200 paid hours, cost 74,321 USD" in format_summary(_summary(), {})
    assert "cost 74,321 cost units" in format_summary(_summary(currency=None), {})
    assert "1,450 shifts" in format_summary(_summary(), {})
