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

#: Plausibility bound on contacts, per minute of interval: 100,000 contacts in 15 minutes (200,000 in 30,
#: 400,000 in 60). At a five-minute handle time that is over 33,000 agents busy at once, beyond the largest real
#: operations (a few thousand to some 20,000 seats across all their sites), and 9.6 million contacts a day. A value
#: above it is a unit or export mistake (or garbage such as 1e308) that would wreck every figure downstream.
MAX_CONTACTS_PER_MIN = 100_000 / 15

#: Plausibility bound on a handle time, in seconds: one day. One contact's work never outlasts a shift (16 hours at
#: most); a larger value is milliseconds or minutes mistaken for seconds.
MAX_AHT_S = 86_400.0

#: A series' interval this many times above its own median non-zero level (and above ``SCALE_NOTE_MIN`` contacts)
#: gets a note: it may be real (an outage storm), so it is not refused; the outlier rule leaves unexplained spike days
#: out of training.
SCALE_NOTE_RATIO = 1000
SCALE_NOTE_MIN = 1000


def max_contacts(interval_min: int) -> float:
    """The most contacts accepted in one interval of ``interval_min`` minutes (:data:`MAX_CONTACTS_PER_MIN`)."""
    return MAX_CONTACTS_PER_MIN * interval_min


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

#: The columns that identify one series of the history (one forecast each): the groupby of the pipeline, the
#: fan-out's tasks and the per-series reads of a columnar history all use this one tuple.
SERIES_COLUMNS = ("channel", "tz")
