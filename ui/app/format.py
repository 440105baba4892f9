"""What the app writes and which local days it shows: pure functions, no Streamlit (tested in tests/ui/test_format.py).

Numbers, money and durations come from :mod:`roster.planning.display` (the
CLI's summary writes them alike). Dates carry their weekday and are taken in
the display zone; the zoom's days start at that zone's local midnight, and a
zoom is remembered as a UTC instant so that it survives a change of zone.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from forecast.timegrid import local_midnight
from roster.planning.display import NO_CURRENCY, currency_label, duration, money, number

__all__ = [
    "NO_CURRENCY", "column_format", "currency_label", "day", "day_for", "duration", "event_days", "money", "number", "per_hour",
    "stamp", "whole_days", "zoom_window",
]

DAY = "%a %Y-%m-%d"
STAMP = "%a %Y-%m-%d %H:%M"


def per_hour(amount: float, currency: str | None, decimals: int = 2) -> str:
    """An hourly rate with its currency: ``"24.00 USD/h"``."""
    return f"{money(amount, currency, decimals)}/h"


def day(d: dt.date | pd.Timestamp) -> str:
    """A date with its weekday: ``"Mon 2026-11-23"``."""
    return pd.Timestamp(d).strftime(DAY)


def stamp(ts, tz: str, fmt: str = STAMP) -> str:
    """A UTC instant as the wall clock of ``tz``, with its weekday: ``"Fri 2026-11-27 00:00"``."""
    return pd.Timestamp(ts).tz_convert(tz).strftime(fmt)


def whole_days(ds: pd.Series | pd.DatetimeIndex, tz: str) -> list[dt.date]:
    """The local dates in ``tz`` whose midnight lies inside the instants ``ds`` (UTC, interval starts).

    A day or week view starts on one of these, at its local midnight: never
    on a partial first day (a forecast from 00:00 UTC starts at 19:00 the day
    before in New York; that evening is not offered as a day).
    """
    ds = pd.DatetimeIndex(ds)
    if ds.empty:
        return []
    first, last = ds.min(), ds.max()
    local = pd.DatetimeIndex(ds.tz_convert(tz).date).unique().sort_values()
    return [d.date() for d in local if first <= local_midnight(d.date(), tz) <= last]


def zoom_window(first: dt.date, days: int, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The UTC span of ``days`` local days from ``first``'s midnight in ``tz`` (23 or 25 hours on a change of clocks)."""
    return local_midnight(first, tz), local_midnight(first + dt.timedelta(days=days), tz)


def day_for(instant: pd.Timestamp | None, days: list[dt.date], tz: str) -> dt.date | None:
    """The day of ``days`` whose local midnight in ``tz`` is nearest a remembered zoom start (a UTC instant).

    A zoom kept as an instant shows the same stretch of time in any zone:
    the day view from 00:00 UTC on Fri 27 Nov becomes Fri 27 Nov in New
    York (its midnight, 05:00 UTC, is nearer than Thursday's), and a week
    from Monday stays the week from Monday. Without an instant, the first day.
    """
    if not days:
        return None
    if instant is None:
        return days[0]
    at = pd.Timestamp(instant)
    return min(days, key=lambda d: abs(local_midnight(d, tz) - at))


def event_days(events: pd.DataFrame) -> dict[dt.date, list[str]]:
    """Each event's local dates, by date: where it is marked on rows of dates.

    ``events`` has ``event``, ``tz`` (the customer zone the row acts in) and
    ``start``/``end`` (UTC, end exclusive). A date is taken in the event's own
    zone, so Black Friday is marked on Friday whatever the display zone (its
    London row starts at 19:00 on Thursday in New York).
    """
    marks: dict[dt.date, list[str]] = {}
    if events is None or events.empty:
        return marks
    for r in events.drop_duplicates(["event", "tz", "start", "end"]).itertuples(index=False):
        start = pd.Timestamp(r.start).tz_convert(r.tz)
        last = (pd.Timestamp(r.end) - pd.Timedelta(seconds=1)).tz_convert(r.tz)
        for d in pd.date_range(start.date(), max(start.date(), last.date()), freq="D"):
            names = marks.setdefault(d.date(), [])
            if r.event not in names:
                names.append(r.event)
    return dict(sorted(marks.items()))


def column_format(decimals: int = 0, unit: str | None = None) -> str:
    """A table column's number format with thousands separators (and a unit after): ``"%,.1f h"``."""
    return f"%,.{decimals}f" + (f" {unit}" if unit else "")
