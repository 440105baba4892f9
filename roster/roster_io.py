"""Read a roster.csv back: a published roster, or one a planner edited by hand.

The file has the columns of :data:`forecast.tables.ROSTER` (``site_tz``,
``start_local``, ``end_local``, ``paid_h`` and ``shift_id`` may be left out:
they follow from the others). Every problem is reported through
:class:`forecast.errors.InputError` with the file, the line, the column and the
row's agent and local date: an agent not in the agents file, an activity other
than shift, break or lunch, a channel that is not one or that the agent has no
skill for, times without an offset, an end not after its start, times off the
roster's grid, a local time that disagrees with its UTC time, a site zone that
is not the agent's, a shift whose first row does not start on its
``local_date`` at the site, and two rows of one agent that overlap (two
stretches of work, or two pauses). The labour rules (rest, weekly hours, breaks where the
rules put them, ...) are the validator's to check
(:func:`roster.rostering.validation.validate_roster`), not this reader's.

``paid_h``, ``shift_id`` and the local times are recomputed from the UTC times,
so a planner who moves a shift edits ``start_utc`` and ``end_utc`` (or the local
times, which must then agree with them) and nothing else.

It is the one reader of roster.csv: ``shiftcast check-roster`` and the app's
"check an edited roster" read through it, and so does a previous roster
(``--previous-roster``, :class:`PreviousRoster`), whose dates are then checked
against the new roster's weeks by :func:`roster.rostering.continuity.earlier_shifts`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import tables
from forecast.errors import Problem, Problems, file_label
from forecast.io.files import read_table, require_columns
from forecast.schema import CHANNELS
from forecast.timegrid import parse_timestamps
from roster.schema import Agent, LabourRules

#: The activities of a roster row.
ACTIVITIES = ("shift", "break", "lunch")
_OFFSET = r"(?:Z|[+-]\d\d:?\d\d)$"


@dataclass(frozen=True)
class PreviousRoster:
    """A roster already published, read by :func:`load_roster` with ``with_lines=True``, and its file name, for messages."""

    file: str
    rows: pd.DataFrame


def load_roster(path: str | Path, agents: list[Agent], rules: LabourRules, *, interval_min: int,
                label: str | None = None, with_lines: bool = False) -> pd.DataFrame:
    """Load a roster.csv into the columns of :data:`forecast.tables.ROSTER`, UTC times tz-aware.

    Parameters
    ----------
    path : str or Path
    agents : list of Agent
        The agents the roster may name.
    rules : LabourRules
        For the paid time of a shift row (an unpaid lunch is not paid).
    interval_min : int
        The roster's grid in minutes: every start and end lies on it (UTC).
    label : str, optional
        The file's name in messages.
    with_lines : bool
        Also a ``line`` column: each row's line in the file (header = 1), for
        messages about a roster read back (a previous roster's shifts).

    Raises
    ------
    InputError
        Each bad row with file, line, column, agent and local date.
    """
    file = label or file_label(path)
    df = read_table(path, label=file)
    require_columns(df, tables.ROSTER.pick("agent_id", "local_date", "activity", "channel", "start_utc", "end_utc"), file, "a roster")
    by_id = {a.agent_id: a for a in agents}
    lines = df["_line"].astype(int).to_numpy()
    problems = Problems()

    def bad(i: int, column: str, message: str) -> None:
        problems.add(Problem(file, f"agent {ids[i]!r}, {days[i] or 'no date'}: {message}", int(lines[i]), column))

    ids = df["agent_id"].str.strip().to_numpy()
    days = df["local_date"].str.strip().to_numpy()
    activity = df["activity"].str.strip().str.lower().to_numpy()
    channel = df["channel"].str.strip().str.lower().to_numpy()
    site_tz = df["site_tz"].str.strip().tolist() if "site_tz" in df.columns else None
    ok = np.ones(len(df), dtype=bool)
    for i in range(len(df)):
        if ids[i] not in by_id:
            bad(i, "agent_id", "unknown agent_id (not in the agents file)")
            ok[i] = False
            continue
        try:
            dt.date.fromisoformat(days[i])
        except ValueError:
            bad(i, "local_date", f"expected a local date YYYY-MM-DD, found {days[i]!r}")
            ok[i] = False
        if activity[i] not in ACTIVITIES:
            bad(i, "activity", f"expected an activity of {', '.join(ACTIVITIES)}, found {activity[i]!r}")
            ok[i] = False
        agent = by_id[ids[i]]
        if channel[i] and channel[i] not in CHANNELS:
            bad(i, "channel", f"unknown channel {channel[i]!r}; expected one of {', '.join(CHANNELS)}")
            ok[i] = False
        elif activity[i] == "shift" and not channel[i]:
            bad(i, "channel", "a shift row needs the channel worked")
            ok[i] = False
        elif channel[i] and channel[i] not in agent.skills:
            bad(i, "channel", f"channel {channel[i]}, which the agent has no skill for (skills: {', '.join(agent.skills)})")
            ok[i] = False
        if site_tz is not None:
            tz = site_tz[i]
            if tz and tz != agent.site_tz:
                bad(i, "site_tz", f"site_tz {tz!r} is not the agent's site zone {agent.site_tz!r} (agents file)")
                ok[i] = False
    zones = [by_id[a].site_tz if a in by_id else "UTC" for a in ids]
    times = {}
    for col in ("start_utc", "end_utc"):
        raw = df[col].str.strip()
        naive = ~raw.str.contains(_OFFSET, regex=True)
        for i in np.flatnonzero(naive.to_numpy() & ok):
            bad(i, col, f"expected an ISO 8601 time with Z or an offset, found {raw.iloc[i]!r}")
        ok &= ~naive.to_numpy()
        times[col] = _parse(raw, ok, file, col, lines)
    start_s, end_s = times["start_utc"], times["end_utc"]
    step = pd.Timedelta(minutes=interval_min)
    off_grid = {col: (ts != ts.dt.floor(step)).to_numpy() & ok for col, ts in (("start_utc", start_s), ("end_utc", end_s))}
    local = {col: _local_instants(df[col], zones, ok) for col in ("start_local", "end_local") if col in df.columns}
    start, end = list(start_s), list(end_s)
    for i in np.flatnonzero(ok):
        if end[i] <= start[i]:
            bad(i, "end_utc", "expected end_utc after start_utc")
            ok[i] = False
            continue
        for col, ts in (("start_utc", start[i]), ("end_utc", end[i])):
            if off_grid[col][i]:
                bad(i, col, f"{ts:%Y-%m-%dT%H:%MZ} is not on the roster's {interval_min}-minute grid")
                ok[i] = False
        for col, ts in (("start_local", start[i]), ("end_local", end[i])):
            if col in local and ok[i]:
                text, instant = local[col][0][i], local[col][1][i]
                if text and (instant is None or instant != ts):
                    bad(i, col, f"{text!r} is not the time of {col.replace('local', 'utc')} ({ts.tz_convert(zones[i]).isoformat()} at the site)")
                    ok[i] = False
    _overlaps(ids, activity, start, end, ok, bad, lines)
    _shift_dates(ids, days, activity, start, zones, ok, bad)
    problems.raise_if_any()
    df = _frame(ids, days, activity, channel, start_s, end_s, lines, by_id, rules)
    return df if with_lines else df.drop(columns="line")


def _parse(raw: pd.Series, ok: np.ndarray, file: str, column: str, lines: np.ndarray) -> pd.Series:
    """The UTC times of the rows still ``ok`` (the others NaT): the timestamp parser's own errors name line and column."""
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
    if ok.any():
        parsed = parse_timestamps(raw[ok], "UTC", file=file, column=column, lines=lines[ok])
        out[ok] = pd.to_datetime(parsed, utc=True).to_numpy()
    return out


def _local_instants(values: pd.Series, zones: list[str], ok: np.ndarray) -> tuple[list[str], list[pd.Timestamp | None]]:
    """Each row's local time as written and as a UTC instant (None: empty or unreadable); offsets read at once, naive ones in the site zone."""
    text = values.str.strip()
    has_offset = text.str.contains(_OFFSET, regex=True).to_numpy()
    parsed = pd.to_datetime(text.where(has_offset & ok), utc=True, errors="coerce", format="ISO8601")
    instants: list[pd.Timestamp | None] = [None if ts is pd.NaT else ts for ts in parsed]
    for i in np.flatnonzero(~has_offset & ok & (text != "").to_numpy()):
        instants[i] = _instant(text.iloc[i], zones[i])
    return text.tolist(), instants


def _instant(text: str, tz: str) -> pd.Timestamp | None:
    try:
        ts = pd.Timestamp(text)
    except ValueError:
        return None
    if ts.tzinfo is None:
        try:
            ts = ts.tz_localize(tz, ambiguous="raise", nonexistent="raise")
        except (ValueError, TypeError):
            return None
    return ts.tz_convert("UTC")


def _overlaps(ids, activity, start, end, ok, bad, lines) -> None:
    """Two work rows, or two pauses, of one agent that overlap: each later row is reported with the line it overlaps."""
    for kind in ("work", "pause"):
        rows = [i for i in np.flatnonzero(ok) if (activity[i] == "shift") == (kind == "work")]
        rows.sort(key=lambda i: (ids[i], start[i]))
        last: dict[str, int] = {}
        for i in rows:
            j = last.get(ids[i])
            if j is not None and start[i] < end[j]:
                what = "shift row" if kind == "work" else activity[j]
                bad(i, "start_utc", f"overlaps the {what} on line {int(lines[j])} "
                                    f"({start[j]:%Y-%m-%d %H:%M}Z to {end[j]:%H:%M}Z)")
                ok[i] = False
                if end[i] <= end[j]:
                    continue
            last[ids[i]] = i


def _shift_dates(ids, days, activity, start, zones, ok, bad) -> None:
    """A shift belongs to the local date its first row starts on (site time): the first shift row of each agent and date is checked."""
    first: dict[tuple[str, str], int] = {}
    for i in np.flatnonzero(ok):
        if activity[i] == "shift":
            j = first.get((ids[i], days[i]))
            if j is None or start[i] < start[j]:
                first[(ids[i], days[i])] = i
    for (_, day), i in first.items():
        starts_on = start[i].tz_convert(zones[i]).date().isoformat()
        if starts_on != day:
            bad(i, "local_date", f"the shift of local date {day} starts on {starts_on} at the site ({zones[i]})")
            ok[i] = False


def _frame(ids, days, activity, channel, start, end, lines, by_id, rules: LabourRules) -> pd.DataFrame:
    df = pd.DataFrame({"agent_id": ids, "local_date": days, "activity": activity, "channel": channel,
                       "start_utc": start.to_numpy(), "end_utc": end.to_numpy()})
    df["start_utc"] = pd.to_datetime(df["start_utc"], utc=True)
    df["end_utc"] = pd.to_datetime(df["end_utc"], utc=True)
    df["site_tz"] = [by_id[a].site_tz for a in ids]
    df["start_local"] = [ts.tz_convert(tz).isoformat() for ts, tz in zip(df["start_utc"], df["site_tz"], strict=True)]
    df["end_local"] = [ts.tz_convert(tz).isoformat() for ts, tz in zip(df["end_utc"], df["site_tz"], strict=True)]
    df["shift_id"] = df["agent_id"] + "-" + df["local_date"]
    df["paid_h"] = _paid_h(df, rules)
    df = df.assign(_o=(df["activity"] != "shift").astype(int), line=lines)
    df = df.sort_values(["agent_id", "start_utc", "_o"], kind="stable")
    return tables.ROSTER.order(df.drop(columns=["_o", "line"])).assign(line=df["line"].to_numpy()).reset_index(drop=True)


def _paid_h(df: pd.DataFrame, rules: LabourRules) -> np.ndarray:
    """Each shift row's paid hours (an unpaid lunch inside it excluded), NaN on pauses: as the solver writes them."""
    paid = np.full(len(df), np.nan)
    lunches: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    if not rules.breaks.lunch_paid:
        for r in df[df["activity"] == "lunch"].itertuples(index=False):
            lunches.setdefault(r.agent_id, []).append((r.start_utc, r.end_utc))
    for k, r in enumerate(df.itertuples(index=False)):
        if r.activity != "shift":
            continue
        unpaid = sum(max((min(b, r.end_utc) - max(a, r.start_utc)).total_seconds(), 0.0) for a, b in lunches.get(r.agent_id, ()))
        paid[k] = ((r.end_utc - r.start_utc).total_seconds() - unpaid) / 3600
    return paid
