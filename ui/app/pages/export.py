import io
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from forecast import tables
from forecast.io.files import write_table
from roster.rostering.export import (
    agent_calendars,
    calendars_zip,
    roster_calendar,
    write_coverage_csv,
    write_deputy_csv,
    write_roster_csv,
    write_shifts_csv,
)
from ui.app import state

st.title("Export")
inp = state.page_setup()
if inp is None or not state.need("forecast", "Run the forecast (and build a roster) first: this page offers their files."):
    st.stop()


def file_bytes(write, *args) -> bytes:
    """Bytes of a file as the library writes it (the same files as ``shiftcast plan``)."""
    with tempfile.TemporaryDirectory(prefix="shiftcast-export-") as tmp:
        path = Path(tmp) / "out"
        write(*args, path)
        return path.read_bytes()


def forecast_files() -> dict[str, bytes]:
    fc = st.session_state["forecast"]
    return {
        tables.FORECAST.name: file_bytes(write_table, fc.forecast, tables.FORECAST),
        tables.ACCURACY.name: file_bytes(write_table, fc.accuracy, tables.ACCURACY),
        tables.REQUIREMENTS.name: file_bytes(write_table, st.session_state["requirements"], tables.REQUIREMENTS),
        **({tables.REQUIREMENTS_BY_QUEUE.name: file_bytes(write_table, by_queue, tables.REQUIREMENTS_BY_QUEUE)}
           if (by_queue := st.session_state.get("requirements_by_queue")) is not None else {}),
    }


def roster_files() -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The roster's files, and each agent's calendar (its safe file name and bytes, as in calendars.zip) by agent id."""
    res = st.session_state["roster"]
    files = {"roster.csv": file_bytes(write_roster_csv, res.roster),
             tables.SHIFTS.name: file_bytes(write_shifts_csv, res.roster, inp.agents),
             tables.DEPUTY.name: file_bytes(write_deputy_csv, res.roster, inp.agents),
             "coverage.csv": file_bytes(write_coverage_csv, res.coverage),
             "roster.ics": roster_calendar(res.roster)}
    calendars = agent_calendars(res.roster)
    files["calendars.zip"] = calendars_zip(calendars)
    return files, calendars


def size(b: bytes) -> str:
    return f"{len(b) / 1e6:,.1f} MB" if len(b) > 1e6 else f"{len(b) / 1e3:,.0f} kB"


fc = st.session_state["forecast"]
f = fc.forecast
with st.spinner("Preparing the files..."):
    ff = state.memo("export_forecast", st.session_state["requirements_id"], forecast_files)
st.subheader("Forecast and staffing")
st.caption(f"Times in UTC (ISO 8601 with Z); {f['ds'].min():%a %Y-%m-%d %H:%M} to {f['ds'].max():%a %Y-%m-%d %H:%M} UTC.")
rows = [
    ("forecast.csv", "contacts per interval, queue and customer zone, with the 10-90% band, handle time, model and events", len(f)),
    ("accuracy.csv", "backtest scores per queue, zone, model and horizon, and which model was chosen", len(fc.accuracy)),
    ("requirements.csv", "agents per interval and channel (net and to schedule; the sums of the channel's queues), targets and "
                         "predicted service level", len(st.session_state["requirements"])),
]
if tables.REQUIREMENTS_BY_QUEUE.name in ff:
    rows.append((tables.REQUIREMENTS_BY_QUEUE.name, "the same per queue, each staffed on its own with its own target",
                 len(st.session_state["requirements_by_queue"])))
for name, what, n in rows:
    c = st.columns([1, 4])
    c[0].download_button(name, ff[name], name, "text/csv", key=f"dl_{name}", width="stretch")
    c[1].caption(f"{what}. {n:,} rows, {size(ff[name])}.")

if "adopted" in st.session_state:
    from ui.app import adopt_view

    st.subheader(f"What-if scenario planned for: '{st.session_state['adopted']['name']}'")
    st.caption("The roster re-rostered for the scenario's event (What-if page), and the event's service level before and after.")
    adopt_view.downloads(inp, "ex_adopted")

st.subheader("Roster")
if "roster" not in st.session_state:
    st.info("Build a roster (Roster page) to export it and its calendars.")
    st.stop()
res = st.session_state["roster"]
rs = st.session_state["roster_settings"]
with st.spinner("Preparing the roster files and calendars..."):
    rf, calendars = state.memo("export_roster", st.session_state["roster_id"], roster_files)
ros = res.roster
rows = [
    ("roster.csv", "text/csv", "one row per activity: shift stretches (one per channel, grouped by shift_id, paid_h each), breaks and lunches; "
                               "UTC and site local times", len(ros)),
    (tables.SHIFTS.name, "text/csv", ("one row per shift: agent, name, site, local and UTC times, paid hours, breaks and lunch (site time), "
                                      "channels and channel switches"), int(ros["shift_id"].nunique()) if "shift_id" in ros else len(ros)),
    (tables.DEPUTY.name, "text/csv", ("the shifts for Deputy's bulk schedule import (its template's columns, site local times; employees "
                                      "matched on the email in agents.csv; Published = No)"),
     int(ros["shift_id"].nunique()) if "shift_id" in ros else len(ros)),
    ("coverage.csv", "text/csv", "required and scheduled agents per interval and channel, with short and over", len(res.coverage)),
    ("roster.ics", "text/calendar", "the whole roster as a calendar: one event per shift (its channels in the title), break and lunch",
     int(ros["shift_id"].nunique()) if "shift_id" in ros else len(ros)),
    ("calendars.zip", "application/zip", "one .ics per agent, to send to each agent", int(ros["agent_id"].nunique())),
]
st.caption(f"Week(s) from {rs['week_start']:%a %Y-%m-%d} (site local).")
for name, mime, what, n in rows:
    c = st.columns([1, 4])
    c[0].download_button(name, rf[name], name, mime, key=f"dl_{name}", type="primary" if name == "roster.csv" else "secondary", width="stretch")
    unit = "shifts" if name in ("roster.ics", tables.SHIFTS.name, tables.DEPUTY.name) else "agents" if name == "calendars.zip" else "rows"
    c[1].caption(f"{what}. {n:,} {unit}, {size(rf[name])}.")

agents = {a.agent_id: a for a in inp.agents}
c = st.columns([2, 1, 2])
agent = c[0].selectbox("One agent's calendar", sorted(ros["agent_id"].unique()), key="ex_agent",
                       format_func=lambda i: f"{i} {agents[i].name} ({agents[i].site})" if i in agents else i)
c[1].markdown("&nbsp;")
ics_name, ics = calendars[agent]
c[1].download_button(ics_name, ics, ics_name, "text/calendar", key="dl_agent_ics", width="stretch")
mine = ros[ros["agent_id"] == agent]
c[2].caption(f"{mine['shift_id'].nunique() if 'shift_id' in mine else len(mine)} shift(s), "
             f"{mine.loc[mine['activity'] == 'shift', 'paid_h'].sum():.1f} paid hours; calendar apps show the times in their own zone.")

with st.expander("Preview roster.csv"):
    st.dataframe(pd.read_csv(io.BytesIO(rf["roster.csv"]), nrows=200), hide_index=True, width="stretch", height=300)
