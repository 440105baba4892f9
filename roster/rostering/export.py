"""Exports for helpdesks, payroll, scheduling tools and calendars: roster.csv, shifts.csv, roster_deputy.csv,
coverage.csv, roster.ics, calendars.zip.

The CSVs hold exactly the columns of their table in :mod:`forecast.tables`
(``ROSTER``, ``SHIFTS``, ``DEPUTY``, ``COVERAGE``), in that order, written by the one CSV writer
(:func:`forecast.io.files.write_csv_atomic`), which makes every text cell
formula-safe. Times are ISO 8601: UTC with ``Z``, local with the site's offset.
Every file is written to a temporary name and renamed into place. Calendar file
names are made of safe characters whatever the agent id holds.

shifts.csv has one row per shift (the roster's rows of one agent and local date
joined) with the agent's name and site; roster_deputy.csv is the same shifts in
the columns of Deputy's "bulk import schedules" template (dates and times in the
site's local time, the employee matched on ``email``).
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from pathlib import Path

import pandas as pd

from forecast.io.files import iso_utc, write_bytes_atomic, write_csv_atomic
from forecast.tables import COVERAGE, DEPUTY, ROSTER, SHIFTS
from roster.schema import Agent

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


def _shift_groups(roster: pd.DataFrame):
    """``(shift_id, shift rows in start order, pause rows in start order)`` per shift, in agent and start order."""
    rows = roster.assign(start_utc=pd.to_datetime(roster["start_utc"], utc=True), end_utc=pd.to_datetime(roster["end_utc"], utc=True))
    key = rows["shift_id"] if "shift_id" in rows else rows["agent_id"] + "-" + rows["local_date"].astype(str)
    rows = rows.assign(_key=key)
    work = rows[rows["activity"] == "shift"].sort_values(["agent_id", "start_utc"], kind="stable")
    pauses = {k: g.sort_values("start_utc", kind="stable") for k, g in rows[rows["activity"] != "shift"].groupby("_key", sort=False)}
    for k, g in work.groupby("_key", sort=False):
        yield k, g, pauses.get(k, rows.iloc[:0])


def _hhmm(ts: pd.Timestamp, tz: str) -> str:
    return f"{ts.tz_convert(tz):%H:%M}"


def _spans(rows: pd.DataFrame, tz: str) -> str:
    return "; ".join(f"{_hhmm(r.start_utc, tz)}-{_hhmm(r.end_utc, tz)}" for r in rows.itertuples(index=False))


def _switches(channels: list[str]) -> int:
    return sum(a != b for a, b in itertools.pairwise(channels))


def shifts_table(roster: pd.DataFrame, agents: list[Agent]) -> pd.DataFrame:
    """One row per shift (:data:`forecast.tables.SHIFTS`): the roster's rows of each shift joined, with name and site.

    ``roster`` has the columns of :data:`forecast.tables.ROSTER` (UTC times tz-aware or ISO strings); every agent in
    it is one of ``agents``. Paid hours are the sum of the shift rows' ``paid_h``; breaks and lunch are given as
    ``HH:MM-HH:MM`` in the site's local time; ``channel_switches`` counts the changes of channel between the shift's
    consecutive stretches.
    """
    by_id = {a.agent_id: a for a in agents}
    out = []
    for key, g, pauses in _shift_groups(roster):
        first = g.iloc[0]
        agent = by_id[first["agent_id"]]
        tz = agent.site_tz
        start, end = g["start_utc"].min(), g["end_utc"].max()
        channels = [str(c) for c in g["channel"].fillna("")]
        out.append({
            "agent_id": agent.agent_id, "name": agent.name, "site": agent.site, "site_tz": tz,
            "local_date": str(first["local_date"])[:10],
            "start_local": start.tz_convert(tz).isoformat(), "end_local": end.tz_convert(tz).isoformat(),
            "start_utc": start, "end_utc": end,
            "paid_h": float(pd.to_numeric(g["paid_h"], errors="coerce").sum()),
            "breaks_local": _spans(pauses[pauses["activity"] == "break"], tz),
            "lunch_local": _spans(pauses[pauses["activity"] == "lunch"], tz),
            "channels": "|".join(dict.fromkeys(c for c in channels if c)),
            "channel_switches": _switches(channels),
            "shift_id": key,
        })
    if not out:
        return pd.DataFrame(columns=list(SHIFTS.names))
    df = pd.DataFrame(out)
    for col in ("start_utc", "end_utc"):
        df[col] = iso_utc(df[col])
    return SHIFTS.order(df)


def _split_name(name: str, agent_id: str) -> tuple[str, str]:
    parts = name.split()
    if not parts:
        return agent_id, ""
    if len(parts) == 1:
        return parts[0], ""
    return " ".join(parts[:-1]), parts[-1]


def _date_time(ts: pd.Timestamp | None, tz: str) -> tuple[str, str]:
    if ts is None:
        return "", ""
    local = ts.tz_convert(tz)
    return f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"


def deputy_table(roster: pd.DataFrame, agents: list[Agent]) -> pd.DataFrame:
    """The shifts as Deputy's "bulk import schedules" template reads them (:data:`forecast.tables.DEPUTY`).

    Dates ``YYYY-MM-DD`` and times ``HH:MM:SS`` in the site's local time (Deputy's locations carry their zone);
    Location is the site, Area the channel the shift works most, Meal Break the lunch, Rest Break the first break
    (the template holds one; Comment lists the channels by stretch and every break). Published is No: the planner
    publishes in Deputy after checking the import.
    """
    by_id = {a.agent_id: a for a in agents}
    out = []
    for _key, g, pauses in _shift_groups(roster):
        agent = by_id[g.iloc[0]["agent_id"]]
        tz = agent.site_tz
        first, last = _split_name(agent.name, agent.agent_id)
        start, end = g["start_utc"].min(), g["end_utc"].max()
        minutes_on = (g["end_utc"] - g["start_utc"]).dt.total_seconds().groupby(g["channel"].fillna("").to_numpy()).sum()
        area = str(minutes_on.sort_values(ascending=False, kind="stable").index[0]) if len(minutes_on) else ""
        lunch = pauses[pauses["activity"] == "lunch"]
        rest = pauses[pauses["activity"] == "break"]
        l0 = lunch.iloc[0] if len(lunch) else None
        r0 = rest.iloc[0] if len(rest) else None
        row = {
            "First Name": first, "Last Name": last, "Email": agent.email,
            "Location": agent.site, "Area": area,
            "Meal Break (Mins)": round(float(((lunch["end_utc"] - lunch["start_utc"]).dt.total_seconds() / 60).sum())),
            "Comment": f"agent {agent.agent_id}; channels {_stretches(g, tz)}"
                       + (f"; rest breaks {_spans(rest, tz)}" if len(rest) else ""),
            "Published": "No", "Open": "No",
        }
        for prefix, ts in (("Start", start), ("End", end),
                           ("Meal Break Start", None if l0 is None else l0["start_utc"]),
                           ("Meal Break End", None if l0 is None else l0["end_utc"]),
                           ("Rest Break Start", None if r0 is None else r0["start_utc"]),
                           ("Rest Break End", None if r0 is None else r0["end_utc"])):
            row[f"{prefix} Date"], row[f"{prefix} Time"] = _date_time(ts, tz)
        out.append(row)
    if not out:
        return pd.DataFrame(columns=list(DEPUTY.names))
    return DEPUTY.order(pd.DataFrame(out))


def _stretches(g: pd.DataFrame, tz: str) -> str:
    """``voice 09:00-11:30, chat 11:30-17:00``: the shift's stretches with their channel, site local time."""
    return ", ".join(f"{r.channel} {_hhmm(r.start_utc, tz)}-{_hhmm(r.end_utc, tz)}" for r in g.itertuples(index=False))


def write_shifts_csv(roster: pd.DataFrame, agents: list[Agent], path: str | Path) -> Path:
    """shifts.csv: one row per shift (:func:`shifts_table`)."""
    return write_csv_atomic(shifts_table(roster, agents), path)


def write_deputy_csv(roster: pd.DataFrame, agents: list[Agent], path: str | Path) -> Path:
    """roster_deputy.csv: the shifts for Deputy's schedule import (:func:`deputy_table`)."""
    return write_csv_atomic(deputy_table(roster, agents), path)


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
