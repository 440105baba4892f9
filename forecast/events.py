"""The event table: country holidays and retail events by rule.

Events follow Prophet's holidays shape (``event, ds, lower_window,
upper_window``) extended with a scope and UTC bounds: one row per event
occurrence, channel and customer zone, with ``start``/``end`` at local
midnight in that zone (Black Friday starts at midnight in New York and in
London). The `holidays` package has no retail events, so they are defined here
by rule for any year.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
from collections.abc import Iterable
from functools import lru_cache

import holidays
import pandas as pd

from forecast.schema import CHANNELS, EVENT_COLUMNS
from forecast.timegrid import local_midnight

#: Event kinds Shiftcast knows. Unknown kinds in a user's file are accepted and
#: treated like a promotion of their own kind (see the forecast stage).
RETAIL_KINDS = (
    "black_friday",
    "cyber_monday",
    "christmas_rush",
    "christmas_eve",
    "boxing_day",
    "post_christmas_returns",
)
KNOWN_KINDS = RETAIL_KINDS + ("holiday", "flash_sale", "promotion", "summer_sale", "outage", "exclude")

# Zones whose country holidays differ by region: (country, subdivision).
_SUBDIVISIONS = {
    "Europe/London": ("GB", "ENG"),
    "Europe/Belfast": ("GB", "NIR"),
    "America/Toronto": ("CA", "ON"),
    "America/Vancouver": ("CA", "BC"),
    "America/Montreal": ("CA", "QC"),
    "Australia/Sydney": ("AU", "NSW"),
    "Australia/Melbourne": ("AU", "VIC"),
    "Europe/Berlin": ("DE", None),
}
# Countries where Boxing Day (26 Dec) is a sales day.
_BOXING_DAY_COUNTRIES = {"GB", "IE", "CA", "AU", "NZ"}


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    text = importlib.resources.files("tzdata").joinpath("zoneinfo", "zone1970.tab").read_text()
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        codes, _coords, zone = line.split("\t")[:3]
        out[zone] = codes.split(",")[0]
    text = importlib.resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, _coords, zone = line.split("\t")[:3]
        out[zone] = code  # zone.tab has the single country of each zone
    return out


def country_of_zone(tz: str) -> tuple[str | None, str | None]:
    """ISO country code (and holidays subdivision) for an IANA zone, if known."""
    if tz in _SUBDIVISIONS:
        return _SUBDIVISIONS[tz]
    return _zone_countries().get(tz), None


def thanksgiving_us(year: int) -> dt.date:
    """Fourth Thursday of November."""
    first = dt.date(year, 11, 1)
    first_thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + dt.timedelta(weeks=3)


def retail_dates(year: int) -> dict[str, tuple[dt.date, dt.date]]:
    """Retail events of one year as ``kind -> (first day, last day)`` inclusive.

    - Black Friday: the day after US Thanksgiving (observed worldwide).
    - Cyber Monday: the Monday after Black Friday.
    - Christmas rush: 8-20 December, the run-up to the shipping cut-off.
    - Christmas Eve: 24 December, quiet even where it is not a holiday.
    - Boxing Day: 26 December sales (only in zones of countries that keep it).
    - Post-Christmas returns: 27 December to 6 January, "where is my order" and returns.
    """
    bf = thanksgiving_us(year) + dt.timedelta(days=1)
    return {
        "black_friday": (bf, bf),
        "cyber_monday": (bf + dt.timedelta(days=3), bf + dt.timedelta(days=3)),
        "christmas_rush": (dt.date(year, 12, 8), dt.date(year, 12, 20)),
        "christmas_eve": (dt.date(year, 12, 24), dt.date(year, 12, 24)),
        "boxing_day": (dt.date(year, 12, 26), dt.date(year, 12, 26)),
        "post_christmas_returns": (dt.date(year, 12, 27), dt.date(year + 1, 1, 6)),
    }


_RETAIL_NAMES = {
    "black_friday": "Black Friday",
    "cyber_monday": "Cyber Monday",
    "christmas_rush": "Christmas shipping rush",
    "christmas_eve": "Christmas Eve",
    "boxing_day": "Boxing Day sales",
    "post_christmas_returns": "Post-Christmas returns",
}


def _rows(name: str, kind: str, first: dt.date, last: dt.date, tz: str, channels: Iterable[str], source: str) -> list[dict]:
    start = local_midnight(first, tz)
    end = local_midnight(last + dt.timedelta(days=1), tz)
    return [
        {
            "event": name,
            "kind": kind,
            "channel": c,
            "queue": "",
            "tz": tz,
            "start": start,
            "end": end,
            "lower_window": 0,
            "upper_window": 0,
            "uplift": float("nan"),
            "source": source,
        }
        for c in channels
    ]


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=EVENT_COLUMNS + ["source"])
    for col in ("start", "end"):
        df[col] = pd.to_datetime(df[col], utc=True).astype("datetime64[ns, UTC]")
    df["lower_window"] = df["lower_window"].astype(int)
    df["upper_window"] = df["upper_window"].astype(int)
    df["uplift"] = df["uplift"].astype(float)
    return df


def retail_events(years: Iterable[int], zones: Iterable[str], channels: Iterable[str] = CHANNELS) -> pd.DataFrame:
    """Retail events by rule for the given years, per zone and channel."""
    channels = list(channels)
    rows: list[dict] = []
    for year in years:
        for kind, (first, last) in retail_dates(year).items():
            for tz in zones:
                if kind == "boxing_day" and country_of_zone(tz)[0] not in _BOXING_DAY_COUNTRIES:
                    continue
                rows += _rows(f"{_RETAIL_NAMES[kind]} {year}", kind, first, last, tz, channels, "rule")
    return _frame(rows)


def holiday_events(years: Iterable[int], zones: Iterable[str], channels: Iterable[str] = CHANNELS) -> pd.DataFrame:
    """Public (and, where listed, optional) holidays of each zone's country (kind ``holiday``), per channel.

    Zones whose country the `holidays` package does not cover get none.
    """
    channels = list(channels)
    years = list(years)
    rows: list[dict] = []
    for tz in zones:
        country, subdiv = country_of_zone(tz)
        if country is None:
            continue
        try:
            # widely observed optional days (Ontario's Civic Holiday, Easter Monday in Canada) where the package has them
            cal = holidays.country_holidays(country, subdiv=subdiv, years=years, categories=("public", "optional"))
        except (NotImplementedError, KeyError, ValueError):
            try:
                cal = holidays.country_holidays(country, subdiv=subdiv, years=years)
            except (NotImplementedError, KeyError):
                continue
        for day, name in sorted(cal.items()):
            rows += _rows(name, "holiday", day, day, tz, channels, "holiday")
    return _frame(rows)


def calendar_events(
    start: pd.Timestamp, end: pd.Timestamp, zones: Iterable[str], channels: Iterable[str] = CHANNELS
) -> pd.DataFrame:
    """Holidays and retail events overlapping ``[start, end)`` (UTC)."""
    zones = list(zones)
    years = range(pd.Timestamp(start).year - 1, pd.Timestamp(end).year + 1)
    df = pd.concat([holiday_events(years, zones, channels), retail_events(years, zones, channels)], ignore_index=True)
    keep = (df["end"] > pd.Timestamp(start)) & (df["start"] < pd.Timestamp(end))
    return df[keep].sort_values(["start", "tz", "channel", "event"]).reset_index(drop=True)
