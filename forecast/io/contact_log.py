"""A per-contact log with queue times, turned into the interval report an actuals file holds.

Two logs are read, told apart by their columns:

call-by-call records (tab-separated)
    The format of the Technion "Anonymous Bank" call-centre data (Brown et al. 2005): ``vru+line, call_id, ...,
    date (YYMMDD), vru_entry, vru_exit, q_start, q_time, outcome (AGENT / HANG / PHANTOM), ser_start, ser_time,
    server``, times ``H:MM:SS`` local (``0:00:00`` = not applicable).
a contact log (CSV)
    ``arrived_at, channel, outcome, wait_s, handle_time_s, agent_id[, tz]``: one row per contact that reached the
    queue; ``outcome`` ``answered`` or ``abandoned``; ``wait_s`` its time in the queue (until answer or hang-up);
    ``handle_time_s`` and ``agent_id`` for the answered ones. ``arrived_at`` with an offset is an instant, naive it is
    local in ``tz`` (the column, or the zone given).

What a contact counts for (its interval is the one it joined the queue in):

* offered: every contact that reached the agents' queue. A call answered straight from the IVR (no queue time) is
  offered and answered with no wait; a call that hung up in the IVR before reaching the queue is not offered (it
  never asked for an agent); PHANTOM records (the data's own "ignore") are left out. Both are counted in a note.
* answered / abandoned, answered_in_target (answered with a wait of at most ``target_s``), ``aht_s`` (mean handle
  time of the answered; the log's talk time, without after-call work where the log has none), ``asa_s`` and
  ``abandon_time_s`` (mean waits: the calibration's patience estimate).
* agents_staffed: the log does not record agents logged in but idle, so it is estimated from the calls each agent
  served. ``sessions`` (the default): an agent counts as logged in from the start of a call to the end of the last
  call before a gap of more than ``session_gap_min`` without one (a day's work, split at long breaks); the interval's
  figure is the average over the interval of the agents so logged in (an agent there for half of it counts 0.5).
  ``served``: the agents who served any part of a call in the interval. Both are upper bounds on the agents really
  available for these calls (agents serve other queues, take breaks between calls); that share is what
  ``shiftcast calibrate`` fits.

Rows with a time that cannot be read are reported with file, line and column (never dropped silently).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from forecast.errors import InputError, Problem, Problems, file_label
from forecast.io.files import normalise_channels, parse_numbers, read_table, require_columns
from forecast.io.history import _zone_column
from forecast.schema import MAX_AHT_S, is_valid_tz
from forecast.tables import ACTUALS, ACTUALS_WAITS
from forecast.timegrid import TimeGrid, check_interval, parse_timestamps

#: Zone of the call-by-call records of the Anonymous Bank data (an Israeli bank).
CALL_RECORDS_TZ = "Asia/Jerusalem"
#: Columns that tell the call-by-call records apart.
CALL_RECORD_COLUMNS = ("date", "vru_entry", "vru_exit", "q_start", "q_time", "outcome", "ser_start", "ser_time", "server")
CONTACT_LOG_COLUMNS = ("arrived_at", "channel", "outcome", "wait_s")

AgentsEstimate = Literal["sessions", "served"]


@dataclass(frozen=True)
class Contacts:
    """A log's contacts that reached the queue, normalised.

    Attributes
    ----------
    frame : DataFrame
        ``channel, arrived (UTC), answered (bool), wait_s, handle_s (NaN unless answered), agent ("" unless answered),
        served_from, served_until (UTC; NaT unless answered)``.
    notes : list of str
        What was left out and why.
    """

    frame: pd.DataFrame
    notes: list[str]
    zones: tuple[str, ...] = ()


def _clock_seconds(values: pd.Series, lines: pd.Series, file: str, column: str, found: Problems) -> np.ndarray:
    """``H:MM:SS`` (or ``HH:MM:SS``) to seconds after midnight; bad cells added to ``found``."""
    parts = values.str.strip().str.extract(r"^(\d{1,2}):(\d{2}):(\d{2})$")
    bad = parts[0].isna()
    h, m, s = (pd.to_numeric(parts[i], errors="coerce") for i in range(3))
    bad |= (h > 47) | (m > 59) | (s > 59)
    found.extend(
        (Problem(file, f"expected a time of day H:MM:SS, found {v!r}", int(line), column) for v, line in zip(values[bad], lines[bad])),
        int(bad.sum()),
    )
    return (h * 3600 + m * 60 + s).fillna(0).to_numpy(dtype=np.int64)


def _read_call_records(df: pd.DataFrame, file: str, tz: str) -> Contacts:
    require_columns(df, list(CALL_RECORD_COLUMNS), file, "call-by-call records")
    found = Problems()
    lines = df["_line"]
    date = pd.to_datetime(df["date"].str.strip(), format="%y%m%d", errors="coerce")
    bad = date.isna()
    found.extend((Problem(file, f"expected a date YYMMDD, found {v!r}", int(line), "date") for v, line in zip(df.loc[bad, "date"], lines[bad])),
                 int(bad.sum()))
    sec = {c: _clock_seconds(df[c], lines, file, c, found) for c in ("vru_entry", "vru_exit", "q_start", "ser_start")}
    num = {}
    for c in ("q_time", "ser_time"):
        try:
            num[c] = parse_numbers(df, c, file, minimum=0.0, maximum=MAX_AHT_S, what="seconds", why_maximum=" (one day)").to_numpy()
        except InputError as err:
            for p in err.problems:
                found.add(p)
    outcome = df["outcome"].str.strip().str.upper()
    odd = ~outcome.isin(["AGENT", "HANG", "PHANTOM"])
    found.extend((Problem(file, f"expected an outcome AGENT, HANG or PHANTOM, found {v!r}", int(line), "outcome")
                  for v, line in zip(df.loc[odd, "outcome"], lines[odd])), int(odd.sum()))
    found.raise_if_any()

    entry = sec["vru_entry"]

    def after_entry(s: np.ndarray) -> np.ndarray:
        # a time of day before the IVR entry is on the next day (the call crossed midnight)
        return np.where(s < entry, s + 86_400, s)

    queued = sec["q_start"] > 0
    answered = (outcome == "AGENT").to_numpy()
    phantom = (outcome == "PHANTOM").to_numpy()
    ivr_hang = ~queued & ~answered & ~phantom
    keep = ~phantom & ~ivr_hang
    arrive_s = np.where(queued, after_entry(sec["q_start"]), after_entry(sec["vru_exit"]))
    wait = np.where(queued, num["q_time"], 0.0)
    start_s = after_entry(sec["ser_start"])
    local_day = date.to_numpy(dtype="datetime64[ns]")
    to_local = lambda s: pd.Series(local_day + s.astype("timedelta64[s]").astype("timedelta64[ns]"))  # noqa: E731
    arrived = _localise(to_local(arrive_s), tz, lines, file, "q_start")
    served_from = _localise(to_local(start_s), tz, lines, file, "ser_start")
    handle = num["ser_time"].astype(float)
    frame = pd.DataFrame({
        "channel": "voice",
        "arrived": arrived.to_numpy(),
        "answered": answered,
        "wait_s": wait.astype(float),
        "handle_s": np.where(answered, handle, np.nan),
        "agent": np.where(answered, df["server"].str.strip().to_numpy(), ""),
        "served_from": served_from.where(answered).to_numpy(),
    })
    frame["served_until"] = frame["served_from"] + pd.to_timedelta(frame["handle_s"], unit="s")
    notes = []
    if phantom.any():
        notes.append(f"{file}: {int(phantom.sum()):,} PHANTOM record(s) left out (the data's own 'ignore')")
    if ivr_hang.any():
        notes.append(f"{file}: {int(ivr_hang.sum()):,} call(s) that hung up in the IVR before reaching the queue left out "
                     "(not offered to agents)")
    return Contacts(frame[keep].reset_index(drop=True), notes, (tz,))


def _localise(local: pd.Series, tz: str, lines: pd.Series, file: str, column: str) -> pd.Series:
    """Local wall-clock times in ``tz`` to UTC; a time that does not exist or happens twice is reported by line."""
    utc = local.dt.tz_localize(tz, nonexistent="NaT", ambiguous="NaT")
    bad = (utc.isna() & local.notna()).to_numpy()
    if bad.any():
        raise InputError.cells(
            (Problem(file, f"local time {v:%Y-%m-%d %H:%M:%S} does not exist or is ambiguous in {tz} (a clock change)", int(line), column)
             for v, line in zip(local[bad], lines[bad])),
            int(bad.sum()),
        )
    return utc.dt.tz_convert("UTC")


def _read_contact_log(df: pd.DataFrame, file: str, default_tz: str | None) -> Contacts:
    require_columns(df, list(CONTACT_LOG_COLUMNS), file, "a contact log with queue times")
    found = Problems()
    lines = df["_line"]
    outcome = df["outcome"].str.strip().str.lower()
    odd = ~outcome.isin(["answered", "abandoned"])
    found.extend((Problem(file, f"expected an outcome answered or abandoned, found {v!r}", int(line), "outcome")
                  for v, line in zip(df.loc[odd, "outcome"], lines[odd])), int(odd.sum()))
    answered = (outcome == "answered").to_numpy()
    values = {}
    for c, what in (("wait_s", "a wait in seconds"), ("handle_time_s", "a handle time in seconds")):
        if c not in df.columns:
            continue
        try:
            values[c] = parse_numbers(df, c, file, allow_empty=c == "handle_time_s", minimum=0.0, maximum=MAX_AHT_S,
                                      what=what, why_maximum=" (one day)")
        except InputError as err:
            for p in err.problems:
                found.add(p)
    for c in ("handle_time_s", "agent_id"):
        if c not in df.columns:
            found.add(Problem(file, f"missing column '{c}'; the agents staffed are estimated from who handled each answered "
                                    "contact and for how long"))
            continue
        empty = answered & (df[c].str.strip() == "").to_numpy()
        found.extend((Problem(file, f"an answered contact needs {c}; found an empty cell", int(line), c) for line in lines[empty]),
                     int(empty.sum()))
    found.raise_if_any()
    channel = normalise_channels(df, file)
    if "tz" in df.columns or default_tz is not None:
        tz = _zone_column(df, file, default_tz)
        zones = tuple(sorted(tz.unique()))
    else:
        tz, zones = "UTC", ()
    arrived = parse_timestamps(df["arrived_at"], tz, file=file, column="arrived_at", lines=lines.to_numpy())
    wait = values["wait_s"].to_numpy()
    handle = np.where(answered, values["handle_time_s"].to_numpy(), np.nan)
    frame = pd.DataFrame({
        "channel": channel.to_numpy(), "arrived": arrived.to_numpy(), "answered": answered, "wait_s": wait, "handle_s": handle,
        "agent": np.where(answered, df["agent_id"].str.strip().to_numpy(), ""),
    })
    frame["served_from"] = (frame["arrived"] + pd.to_timedelta(frame["wait_s"], unit="s")).where(frame["answered"])
    frame["served_until"] = frame["served_from"] + pd.to_timedelta(frame["handle_s"], unit="s")
    return Contacts(frame, [], zones)


def read_contacts(path: str | Path, *, tz: str | None = None, label: str | None = None) -> Contacts:
    """The contacts of a call-by-call record file or a contact log that reached the queue (see the module's docstring).

    ``tz`` is the zone of naive times: the call records' default is :data:`CALL_RECORDS_TZ`; a contact log without a
    ``tz`` column and without it is read as UTC.
    """
    file = label or file_label(path)
    if tz is not None and not is_valid_tz(tz):
        raise InputError.one("--tz", f"unknown time zone {tz!r}; expected an IANA name such as Asia/Jerusalem")
    head = Path(path).open("rb").readline() if Path(path).is_file() and Path(path).suffix != ".gz" else b""
    sep = "\t" if b"\t" in head else ","
    df = read_table(path, label=file, sep=sep)
    if all(c in df.columns for c in ("q_start", "outcome", "server")):
        return _read_call_records(df, file, tz or CALL_RECORDS_TZ)
    if "arrived_at" in df.columns:
        return _read_contact_log(df, file, tz)
    found = ", ".join(c for c in df.columns if c != "_line")
    raise InputError.one(
        file,
        "expected call-by-call records (tab-separated, columns date, vru_entry, q_start, q_time, outcome, ser_start, ser_time, "
        f"server) or a contact log (columns {', '.join(CONTACT_LOG_COLUMNS)}, handle_time_s, agent_id[, tz]); found columns: {found}",
    )


def _sessions(served: pd.DataFrame, gap: pd.Timedelta) -> pd.DataFrame:
    """Each agent's stretches of work: calls joined while the next one starts within ``gap`` of the last one's end."""
    s = served.sort_values(["channel", "agent", "served_from"], kind="stable")
    end = s.groupby(["channel", "agent"])["served_until"].cummax()
    prev_end = end.groupby([s["channel"], s["agent"]]).shift()
    new = prev_end.isna() | (s["served_from"] - prev_end > gap)
    sid = new.cumsum()
    return s.assign(_sid=sid.to_numpy(), _end=end.to_numpy()).groupby("_sid").agg(
        channel=("channel", "first"), start=("served_from", "min"), end=("_end", "max")
    )


def _time_on(spans: pd.DataFrame, grid: TimeGrid) -> pd.DataFrame:
    """Per channel and interval, the sum over ``spans`` (``channel, start, end``) of their share of the interval."""
    step_ns = grid.step.value
    t0 = grid.start.value
    start = (pd.DatetimeIndex(spans["start"]).as_unit("ns").asi8 - t0).astype(np.int64)
    end = (pd.DatetimeIndex(spans["end"]).as_unit("ns").asi8 - t0).astype(np.int64)
    out = []
    for channel in sorted(spans["channel"].unique()):
        sel = (spans["channel"] == channel).to_numpy()
        s, e = start[sel], np.maximum(end[sel], start[sel])
        # time covered up to each interval boundary: sum over spans of clip(boundary - s, 0, e - s)
        bounds = np.arange(grid.n + 1, dtype=np.int64) * step_ns
        order_s, order_e = np.sort(s), np.sort(e)
        cs, ce = np.concatenate([[0], np.cumsum(order_s)]), np.concatenate([[0], np.cumsum(order_e)])
        ks = np.searchsorted(order_s, bounds, side="right")
        ke = np.searchsorted(order_e, bounds, side="right")
        covered = (ks * bounds - cs[ks]) - (ke * bounds - ce[ke])
        per = np.diff(covered.astype(float)) / step_ns
        out.append(pd.DataFrame({"ds": grid.index, "channel": channel, "agents_staffed": per}))
    return pd.concat(out, ignore_index=True)


def actuals_from_log(
    path: str | Path,
    *,
    target_s: float | dict[str, float] = 20.0,
    interval_min: int = 15,
    tz: str | None = None,
    agents: AgentsEstimate = "sessions",
    session_gap_min: float = 60.0,
    notes: list[str] | None = None,
    label: str | None = None,
) -> tuple[pd.DataFrame, TimeGrid]:
    """The interval report (an actuals file's rows) of a per-contact log.

    Parameters
    ----------
    path : str or Path
        Call-by-call records or a contact log (see the module's docstring).
    target_s : float or dict of channel to float
        The answer time, in seconds, that ``answered_in_target`` counts against (one for all channels or per channel,
        as targets.toml's ``target_s``).
    interval_min : int
        Interval length in minutes (15, 30 or 60), on the UTC grid.
    tz : str, optional
        Zone of the log's naive times (call records: Asia/Jerusalem by default; a contact log: its ``tz`` column, else UTC).
    agents : {"sessions", "served"}
        How ``agents_staffed`` is estimated (see the module's docstring).
    session_gap_min : float
        ``sessions``: a gap between an agent's calls longer than this, in minutes, ends the agent's stretch of work.
    notes : list of str, optional
        What was left out and how the agents were estimated are appended to it.

    Returns
    -------
    frame : DataFrame
        :data:`forecast.tables.ACTUALS` and :data:`forecast.tables.ACTUALS_WAITS` columns, one row per channel and
        interval with contacts offered or agents staffed, sorted by channel and ``ds`` (UTC interval start).
    grid : TimeGrid
        The grid, from the first such interval to the end of the last.
    """
    file = label or file_label(path)
    check_interval(interval_min)
    if agents not in ("sessions", "served"):
        raise InputError.one("--agents", f"expected sessions or served, found {agents!r}")
    if not session_gap_min > 0:
        raise InputError.one("--session-gap-min", f"expected a number of minutes above 0, found {session_gap_min:g}")
    contacts = read_contacts(path, tz=tz, label=file)
    c = contacts.frame
    if c.empty:
        raise InputError.one(file, "no contact reached the queue; there is nothing to report")
    targets = target_s if isinstance(target_s, dict) else {ch: float(target_s) for ch in c["channel"].unique()}
    missing = sorted(set(c["channel"]) - set(targets))
    if missing:
        raise InputError.one(file, f"no target_s for channel(s) {', '.join(missing)} (add them to the targets)", column="channel")
    step = pd.Timedelta(minutes=interval_min)
    c = c.assign(ds=c["arrived"].dt.floor(step))
    in_target = c["answered"] & (c["wait_s"] <= c["channel"].map(targets))
    c = c.assign(
        _ans=c["answered"].astype(float), _ab=(~c["answered"]).astype(float), _in=in_target.astype(float),
        _handle=c["handle_s"].where(c["answered"] & (c["handle_s"] > 0)), _timed=(c["answered"] & (c["handle_s"] > 0)).astype(float),
        _wait_ans=c["wait_s"].where(c["answered"], 0.0), _wait_ab=c["wait_s"].where(~c["answered"], 0.0),
    )
    rep = c.groupby(["channel", "ds"], as_index=False).agg(
        offered=("answered", "size"), answered=("_ans", "sum"), abandoned=("_ab", "sum"), answered_in_target=("_in", "sum"),
        _work=("_handle", "sum"), _timed=("_timed", "sum"), _wait_ans=("_wait_ans", "sum"), _wait_ab=("_wait_ab", "sum"),
    )
    rep["offered"] = rep["offered"].astype(float)
    rep["aht_s"] = rep["_work"] / rep["_timed"].where(rep["_timed"] > 0)
    rep["asa_s"] = rep["_wait_ans"] / rep["answered"].where(rep["answered"] > 0)
    rep["abandon_time_s"] = rep["_wait_ab"] / rep["abandoned"].where(rep["abandoned"] > 0)

    served = c[c["answered"] & c["served_from"].notna()]
    first = min(c["ds"].min(), served["served_from"].min().floor(step) if len(served) else c["ds"].min())
    last = max(c["ds"].max(), served["served_until"].max().floor(step) if len(served) else c["ds"].max())
    grid = TimeGrid(interval_min=interval_min, start=first, end=last + step, zones=contacts.zones)
    if agents == "sessions":
        staffed = _time_on(_sessions(served, pd.Timedelta(minutes=session_gap_min)), grid)
        how = (f"agents_staffed: agents logged in on average over each interval, estimated as each agent's stretch of calls "
               f"(a gap of more than {session_gap_min:g} min without a call ends it); an upper bound on those available")
    else:
        staffed = _distinct_agents(served, grid)
        how = "agents_staffed: distinct agents who served part of a call in each interval; an upper bound on those available"
    rep = rep.merge(staffed, on=["channel", "ds"], how="outer")
    rep = rep[(rep["offered"].fillna(0) > 0) | (rep["agents_staffed"].fillna(0) > 0.005)]
    for col in ("offered", "answered", "abandoned", "answered_in_target"):
        rep[col] = rep[col].fillna(0.0)
    rep["agents_staffed"] = rep["agents_staffed"].fillna(0.0).round(3)
    frame = rep[list(ACTUALS.names) + list(ACTUALS_WAITS.names)].sort_values(["channel", "ds"], kind="stable").reset_index(drop=True)
    frame["ds"] = frame["ds"].astype("datetime64[ns, UTC]")
    if notes is not None:
        notes += contacts.notes
        notes.append(f"{file}: {len(c):,} contacts offered to the queue counted into {interval_min}-minute intervals "
                     f"({len(frame):,} channel-intervals)")
        notes.append(how)
    grid = TimeGrid(interval_min=interval_min, start=frame["ds"].min(), end=frame["ds"].max() + step, zones=grid.zones)
    return frame, grid


def _distinct_agents(served: pd.DataFrame, grid: TimeGrid) -> pd.DataFrame:
    """Per channel and interval, the agents who served any part of a call in it."""
    step = grid.step
    rows = []
    for ch, a, s, e in zip(served["channel"], served["agent"], served["served_from"], served["served_until"]):
        k = s.floor(step)
        while True:
            rows.append((ch, k, a))
            k = k + step
            if k >= e:
                break
    df = pd.DataFrame(rows, columns=["channel", "ds", "agent"]).drop_duplicates()
    out = df.groupby(["channel", "ds"], as_index=False).agg(agents_staffed=("agent", "size"))
    out["agents_staffed"] = out["agents_staffed"].astype(float)
    out["ds"] = out["ds"].astype("datetime64[ns, UTC]")
    return out
