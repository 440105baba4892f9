"""How figures are written for people: numbers, money and durations (the CLI's summary and the app use these).

Pure functions of plain values, no Streamlit: ``number(12345.678, 1)`` ->
``"12,345.7"``; ``money(1234.5, "EUR")`` -> ``"1,234 EUR"``;
``money(1234.5, None)`` -> ``"1,234 cost units"``; ``duration(5400)`` ->
``"1 h 30 min"``.
"""

from __future__ import annotations

import math

#: Shown after an amount when the labour rules name no currency (``currency`` in rules.toml).
NO_CURRENCY = "cost units"


def number(x: float | None, decimals: int = 0, *, signed: bool = False, na: str = "n/a") -> str:
    """``x`` with thousands separators and ``decimals`` decimals (``-0`` written ``0``); ``na`` for None or NaN."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return na
    x = float(x)
    if round(x, decimals) == 0:
        x = 0.0
    return f"{x:{'+' if signed else ''},.{decimals}f}"


def currency_label(currency: str | None) -> str:
    """The unit written after money: the configured currency, or "cost units" when none is configured."""
    return currency or NO_CURRENCY


def money(amount: float | None, currency: str | None, decimals: int = 0, *, signed: bool = False, na: str = "n/a") -> str:
    """An amount of money with its currency (``"12,345 EUR"``, ``"+1,200 cost units"``)."""
    text = number(amount, decimals, signed=signed, na=na)
    return text if text == na else f"{text} {currency_label(currency)}"


def duration(seconds: float | None, na: str = "n/a") -> str:
    """A duration in the largest units that fit: ``"20 s"``, ``"90 s"`` -> ``"1 min 30 s"``, ``"4 h"``, ``"1 h 30 min"``.

    Seconds are shown only under an hour; an hour or more is rounded to
    the minute. Fractions of a second under a minute keep one decimal (``"2.5 s"``).
    """
    if seconds is None or not math.isfinite(float(seconds)):
        return na
    sign, s = ("-" if seconds < 0 else ""), abs(float(seconds))
    if s < 60:
        return f"{sign}{s:.1f} s".replace(".0 s", " s")
    if s < 3600:
        whole = round(s)
        m, sec = divmod(whole, 60)
        return sign + (f"{m} min" + (f" {sec} s" if sec else ""))
    total_min = round(s / 60)
    h, m = divmod(total_min, 60)
    return sign + f"{h:,} h" + (f" {m} min" if m else "")
