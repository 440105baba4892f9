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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
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


@dataclass
class _Shift:
    """One shift's rows as plain values (UTC timestamps): its stretches of work and its pauses, each in start order."""

    key: str
    agent_id: str
    local_date: str
    work: list[tuple[str, pd.Timestamp, pd.Timestamp, float]] = field(default_factory=list)  # channel, start, end, paid_h
    breaks: list[tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=list)
    lunches: list[tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=list)

    @property
    def start(self) -> pd.Timestamp:
        return self.work[0][1]

    @property
    def end(self) -> pd.Timestamp:
        return max(e for _, _, e, _ in self.work)


def _shifts(roster: pd.DataFrame) -> list[_Shift]:
    """The roster's shifts (rows grouped by ``shift_id``), in agent and start order; rows read once, no per-shift frames."""
    start = pd.to_datetime(roster["start_utc"], utc=True).dt.tz_localize(None)  # naive UTC: plain datetime64 values
    end = pd.to_datetime(roster["end_utc"], utc=True).dt.tz_localize(None)
    key = roster["shift_id"] if "shift_id" in roster else roster["agent_id"] + "-" + roster["local_date"].astype(str)
    paid = pd.to_numeric(roster["paid_h"], errors="coerce") if "paid_h" in roster else pd.Series(float("nan"), index=roster.index)
    order = np.lexsort((start.to_numpy(), key.to_numpy().astype(str)))
    cols = [key.to_numpy(), roster["agent_id"].to_numpy(), roster["local_date"].astype(str).to_numpy(), roster["activity"].to_numpy(),
            roster["channel"].fillna("").astype(str).to_numpy(), start.to_numpy(), end.to_numpy(), paid.to_numpy()]
    shifts: dict[str, _Shift] = {}
    for i in order:
        k, agent, day, activity, channel, a, b, h = (c[i] for c in cols)
        sh = shifts.get(k) or shifts.setdefault(k, _Shift(str(k), str(agent), day[:10]))
        a, b = pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC")
        if activity == "shift":
            sh.work.append((channel, a, b, float(h)))
        elif activity == "lunch":
            sh.lunches.append((a, b))
        else:
            sh.breaks.append((a, b))
    return sorted((sh for sh in shifts.values() if sh.work), key=lambda sh: (sh.agent_id, sh.start))


def _hhmm(ts: pd.Timestamp, tz: str) -> str:
    return f"{ts.tz_convert(tz):%H:%M}"


def _spans(spans: list[tuple[pd.Timestamp, pd.Timestamp]], tz: str) -> str:
    return "; ".join(f"{_hhmm(a, tz)}-{_hhmm(b, tz)}" for a, b in spans)


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
    for sh in _shifts(roster):
        agent = by_id[sh.agent_id]
        tz = agent.site_tz
        channels = [c for c, *_ in sh.work]
        out.append({
            "agent_id": agent.agent_id, "name": agent.name, "site": agent.site, "site_tz": tz, "local_date": sh.local_date,
            "start_local": sh.start.tz_convert(tz).isoformat(), "end_local": sh.end.tz_convert(tz).isoformat(),
            "start_utc": f"{sh.start:%Y-%m-%dT%H:%M:%SZ}", "end_utc": f"{sh.end:%Y-%m-%dT%H:%M:%SZ}",
            "paid_h": float(np.nansum([h for *_, h in sh.work])),
            "breaks_local": _spans(sh.breaks, tz), "lunch_local": _spans(sh.lunches, tz),
            "channels": "|".join(dict.fromkeys(c for c in channels if c)),
            "channel_switches": _switches(channels),
            "shift_id": sh.key,
        })
    return SHIFTS.order(pd.DataFrame(out)) if out else pd.DataFrame(columns=list(SHIFTS.names))


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
    for sh in _shifts(roster):
        agent = by_id[sh.agent_id]
        tz = agent.site_tz
        first, last = _split_name(agent.name, agent.agent_id)
        seconds: dict[str, float] = {}
        for c, a, b, _ in sh.work:
            seconds[c] = seconds.get(c, 0.0) + (b - a).total_seconds()
        area = max(seconds, key=lambda c: seconds[c])  # the first channel worked wins a tie
        lunch = sh.lunches[0] if sh.lunches else (None, None)
        rest = sh.breaks[0] if sh.breaks else (None, None)
        stretches = ", ".join(f"{c} {_hhmm(a, tz)}-{_hhmm(b, tz)}" for c, a, b, _ in sh.work)
        row = {
            "First Name": first, "Last Name": last, "Email": agent.email,
            "Location": agent.site, "Area": area,
            "Meal Break (Mins)": round(sum((b - a).total_seconds() for a, b in sh.lunches) / 60),
            "Comment": f"agent {agent.agent_id}; channels {stretches}" + (f"; rest breaks {_spans(sh.breaks, tz)}" if sh.breaks else ""),
            "Published": "No", "Open": "No",
        }
        for prefix, ts in (("Start", sh.start), ("End", sh.end), ("Meal Break Start", lunch[0]), ("Meal Break End", lunch[1]),
                           ("Rest Break Start", rest[0]), ("Rest Break End", rest[1])):
            row[f"{prefix} Date"], row[f"{prefix} Time"] = _date_time(ts, tz)
        out.append(row)
    return DEPUTY.order(pd.DataFrame(out)) if out else pd.DataFrame(columns=list(DEPUTY.names))


def write_shifts_csv(roster: pd.DataFrame, agents: list[Agent], path: str | Path) -> Path:
    """shifts.csv: one row per shift (:func:`shifts_table`)."""
    return write_csv_atomic(shifts_table(roster, agents), path)


def write_deputy_csv(roster: pd.DataFrame, agents: list[Agent], path: str | Path) -> Path:
    """roster_deputy.csv: the shifts for Deputy's schedule import (:func:`deputy_table`)."""
    return write_csv_atomic(deputy_table(roster, agents), path)


def coverage_table(coverage: pd.DataFrame) -> pd.DataFrame:
    """The coverage (``ds, channel, required, scheduled``) with ``short`` and ``over``: :data:`forecast.tables.COVERAGE` (``ds`` UTC)."""
    df = coverage.assign(
        short=(coverage["required"] - coverage["scheduled"]).clip(lower=0),
        over=(coverage["scheduled"] - coverage["required"]).clip(lower=0),
    )
    return COVERAGE.order(df)


def write_coverage_csv(coverage: pd.DataFrame, path: str | Path) -> Path:
    """coverage.csv: :func:`coverage_table` with ISO UTC times."""
    df = coverage_table(coverage).copy()
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
