"""Exports for helpdesks, payroll and calendars: roster.csv, coverage.csv, roster.ics, calendars.zip.

The CSVs hold exactly the columns of :data:`forecast.tables.ROSTER` and
:data:`forecast.tables.COVERAGE`, in that order, written by the one CSV writer
(:func:`forecast.io.files.write_csv_atomic`), which makes every text cell
formula-safe. Times are ISO 8601: UTC with ``Z``, local with the site's offset.
Every file is written to a temporary name and renamed into place. Calendar file
names are made of safe characters whatever the agent id holds.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from forecast.io.files import iso_utc, write_bytes_atomic, write_csv_atomic
from forecast.tables import COVERAGE, ROSTER

#: Characters kept in a calendar's file name; any other becomes ``_``.
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def roster_table(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster as exported (:data:`forecast.tables.ROSTER`): UTC times as ISO strings with Z."""
    df = ROSTER.order(roster).copy()
    for col in ("start_utc", "end_utc"):
        if isinstance(df[col].dtype, pd.DatetimeTZDtype):
            df[col] = iso_utc(df[col])
    df["channel"] = df["channel"].fillna("")
    return df


def write_roster_csv(roster: pd.DataFrame, path: str | Path) -> Path:
    """One row per activity, the columns of :data:`forecast.tables.ROSTER`."""
    return write_csv_atomic(roster_table(roster), path)


def write_coverage_csv(coverage: pd.DataFrame, path: str | Path) -> Path:
    """The coverage (``ds, channel, required, scheduled``) with ``short`` and ``over``: :data:`forecast.tables.COVERAGE`."""
    df = coverage.assign(
        short=(coverage["required"] - coverage["scheduled"]).clip(lower=0),
        over=(coverage["scheduled"] - coverage["required"]).clip(lower=0),
    )
    df = COVERAGE.order(df).copy()
    df["ds"] = iso_utc(df["ds"])
    return write_csv_atomic(df, path)


def roster_calendar(roster: pd.DataFrame, agent_id: str | None = None) -> bytes:
    """An iCalendar file with one event per shift (its channels in the title) and one per break and lunch (all agents, or one)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Shiftcast//roster//EN")
    cal.add("version", "2.0")
    rows = roster if agent_id is None else roster[roster["agent_id"] == agent_id]
    shifts = rows[rows["activity"] == "shift"]
    key = shifts["shift_id"] if "shift_id" in shifts else shifts["agent_id"] + "-" + shifts["local_date"].astype(str)
    for _, g in shifts.groupby(key, sort=False):
        g = g.sort_values("start_utc")
        first = g.iloc[0]
        channels = list(dict.fromkeys(g["channel"].fillna("")))
        plan = "; ".join(f"{r.channel} {pd.Timestamp(r.start_utc).tz_convert(r.site_tz):%H:%M}-{pd.Timestamp(r.end_utc).tz_convert(r.site_tz):%H:%M}"
                         for r in g.itertuples(index=False))
        _event(cal, Event, first.agent_id, f"Shift: {', '.join(channels)}", g["start_utc"].min(), g["end_utc"].max(), "shift",
               f"agent {first.agent_id}, site time zone {first.site_tz}, local date {first.local_date}; channels (site time): {plan}", agent_id)
    for r in rows[rows["activity"] != "shift"].itertuples(index=False):
        _event(cal, Event, r.agent_id, {"break": "Break", "lunch": "Lunch"}.get(r.activity, r.activity), r.start_utc, r.end_utc, r.activity,
               f"agent {r.agent_id}, site time zone {r.site_tz}, local date {r.local_date}", agent_id)
    return cal.to_ical()


def _event(cal, Event, who, label, start, end, kind, description, agent_id) -> None:
    ev = Event()
    ev.add("summary", label if agent_id else f"{who} {label}")
    ev.add("dtstart", pd.Timestamp(start).to_pydatetime())
    ev.add("dtend", pd.Timestamp(end).to_pydatetime())
    ev.add("uid", f"{who}-{pd.Timestamp(start):%Y%m%dT%H%M%SZ}-{kind}@shiftcast")
    ev.add("description", description)
    cal.add_component(ev)


def write_ics(roster: pd.DataFrame, path: str | Path, agent_id: str | None = None) -> Path:
    """Write the roster (or one agent's) as an .ics file that calendar apps can import."""
    return write_bytes_atomic(roster_calendar(roster, agent_id), path)


def calendar_file_name(agent_id: str) -> str:
    """``<agent_id>.ics`` made safe as a file or zip member name: one component, no separator, no leading dot.

    The agents loader already restricts ids to safe characters; this holds for any roster all the same.
    """
    stem = _UNSAFE_NAME.sub("_", str(agent_id)).lstrip(".")[:64] or "agent"
    return f"{stem}.ics"


def agent_calendars(roster: pd.DataFrame) -> dict[str, tuple[str, bytes]]:
    """Each agent's calendar by agent id: its safe file name (unique within the roster) and its bytes."""
    out: dict[str, tuple[str, bytes]] = {}
    used: set[str] = set()
    for agent in sorted(roster["agent_id"].unique()):
        name = calendar_file_name(agent)
        stem, n = name.removesuffix(".ics"), 1
        while name.lower() in used:
            n += 1
            name = f"{stem}-{n}.ics"
        used.add(name.lower())
        out[agent] = (name, roster_calendar(roster, agent))
    return out


def calendars_zip(calendars: dict[str, tuple[str, bytes]]) -> bytes:
    """calendars.zip: one ``.ics`` per agent (from :func:`agent_calendars`), at the top of the archive."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, ics in calendars.values():
            z.writestr(name, ics)
    return buf.getvalue()
