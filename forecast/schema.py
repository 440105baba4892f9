"""The data contract shared by every stage.

Tidy long dataframes, one row per (series, interval). Timestamps are
timezone-aware UTC at the *start* of the interval. Units are in column names.

history / forecast
    ``channel, tz, ds, volume, aht_s``; a forecast adds ``volume_lo, volume_hi, model``.
events
    ``event, kind, channel, tz, start, end, lower_window, upper_window, uplift``
    (one row per event occurrence and scope cell; ``start``/``end`` UTC).
requirements
    ``ds, channel, agents_required`` plus the target and predicted service level.
roster
    ``agent_id, site_tz, local_date, activity, channel, start_utc, end_utc, start_local, end_local``.

Every table's columns in order, with units and meanings: :mod:`forecast.tables`.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from forecast import tables

#: Channels the engine knows, in display order. Voice and chat are queues
#: answered in seconds; email and social are deferred work answered in hours.
CHANNELS: tuple[str, ...] = ("voice", "chat", "email", "social")

#: Interval lengths the time grid supports, in minutes.
INTERVAL_CHOICES_MIN: tuple[int, ...] = (15, 30, 60)

# the columns of each table are named once, in forecast/tables.py
HISTORY_COLUMNS = list(tables.HISTORY.names)
#: the event table's columns before ``source``, which the event builders add last
EVENT_COLUMNS = [c for c in tables.EVENTS.names if c != "source"]


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_tz(name: str) -> bool:
    """True when ``name`` is an IANA time zone name (e.g. ``Europe/London``)."""
    if not isinstance(name, str) or not name:
        return False
    if name in _zones():
        return True
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return False
    return True
