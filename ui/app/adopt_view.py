"""The What-if page's "Plan for this scenario": start the job, then the event's service level before and after,
the extra agents and cost, the re-rostered roster's files, and whether a saved result is still current."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from forecast import tables
from forecast.io.files import write_table
from forecast.scenario import PlannedEvent
from roster.rostering.export import write_deputy_csv, write_roster_csv, write_shifts_csv
from ui.app import format as fmt
from ui.app import state
from ui.scenarios import CURRENT, STALE, adoption_status

KEEP_CHOICES = {"outside_event": "Keep every shift outside the event's days", False: "Re-roster every day"}


def _stub(name: str) -> str:
    """A scenario's name as the start of a file name: letters, digits and dashes."""
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:40] or "scenario"


def _bytes(write, *args) -> bytes:
    with tempfile.TemporaryDirectory(prefix="shiftcast-whatif-") as tmp:
        path = Path(tmp) / "out"
        write(*args, path)
        return path.read_bytes()


def _files(adopted, agents) -> dict[str, bytes]:
    from roster.planning.adopt import event_sl_table

    r = adopted.roster.roster
    return {
        "roster.csv": _bytes(write_roster_csv, r),
        tables.SHIFTS.name: _bytes(write_shifts_csv, r, agents),
        tables.DEPUTY.name: _bytes(write_deputy_csv, r, agents),
        tables.EVENT_SERVICE_LEVEL.name: _bytes(write_table, event_sl_table(adopted), tables.EVENT_SERVICE_LEVEL),
    }


def start(sid: str, name: str, event_json: dict) -> None:
    """Start planning for a saved scenario (a callback)."""
    try:
        event = PlannedEvent(**event_json)
    except ValidationError as exc:
        st.session_state["wi_message"] = f"The saved event is no longer valid: {exc.errors()[0]['msg']}"
        return
    state.start_adoption(sid, name, event, st.session_state.get("wi_keep", "outside_event"),
                         close_gap=bool(st.session_state.get("wi_close_gap", False)))


def section(store, table: pd.DataFrame, target: str) -> None:
    """The "Plan for this scenario" control for the scenario ``target`` of ``table``, and the last adopted plan."""
    inp = state.inputs()
    st.markdown("**Plan for a saved scenario**: re-forecast with its event, re-staff and re-roster, then compare the event's hours")
    row = table.set_index("id").loc[target]
    if "roster" not in st.session_state:
        st.info("Build a roster (Roster page) for the week of the event first: the scenario is planned for on top of it.")
        return
    c = st.columns([3, 2])
    c[0].radio("Roster", list(KEEP_CHOICES), format_func=KEEP_CHOICES.get, key="wi_keep", horizontal=True,
               help="keep: only the local days whose requirement the event changes (and the day before each) are rostered "
                    "again; every other shift stays as it is. Re-roster every day: the whole roster is solved again.")
    c[0].checkbox("Also work out what closes the adopted roster's gap (overtime, temps, hires; a few minutes more)",
                  key="wi_close_gap")
    status = row.get("planned", "")
    busy = bool(state.running("adopt"))
    label = f"Plan for '{row['name']}'" if status != STALE else f"Plan for '{row['name']}' again (the roster changed)"
    c[1].markdown("&nbsp;")
    try:
        saved = store.get(target)
    except Exception as exc:  # noqa: BLE001 - a store error is shown, the page goes on
        st.error(f"Could not read the scenario: {exc}")
        return
    if saved is None:
        return
    c[1].button(label, type="primary", disabled=busy, on_click=start, args=(target, saved["name"], saved["event"]),
                key="wi_plan_for", width="stretch")
    if status == STALE:
        st.warning(f"'{row['name']}' was planned for on another roster than the current one: its saved figures are stale. "
                   + ("It is being re-planned on the current roster in the background." if state.running("refresh") else
                      "Plan for it again to bring them up to date."))
    state.show_job("adopt")
    _show(inp, state.roster_fingerprint())


def _show(inp, fingerprint: str | None) -> None:
    held = st.session_state.get("adopted")
    if held is None:
        return
    adopted = held["result"]
    if held.get("store_error"):
        st.error(f"The plan's figures could not be kept with the scenario: {held['store_error']}")
    status = adoption_status({"adopted": {"base_fingerprint": adopted.base_fingerprint}}, fingerprint)
    ev, tot = adopted.event, adopted.totals
    tz = state.display_tz()
    currency = inp.rules.currency
    start, end = ev.span_utc()
    st.subheader(f"Planned for '{held['name']}'")
    st.caption(f"Event {state.stamp(start, tz)} to {state.stamp(end, tz)} ({tz}); "
               + ("shifts outside the event's days kept" if adopted.keep_roster else "every day re-rostered")
               + f"; {tot.shifts_kept} shift(s) kept, {tot.shifts_changed} new or moved.")
    if status != CURRENT:
        st.warning("The roster changed since this plan was made: the figures below are for the earlier roster. "
                   "Plan for the scenario again.")
    m = st.columns(4)
    m[0].metric("Extra cost", fmt.money(tot.extra_cost, currency, signed=True),
                help="the adopted roster's paid hours x each contract's hourly cost, minus the current roster's")
    m[1].metric("Extra paid hours", f"{tot.extra_paid_h:+,.1f} h")
    m[2].metric("Extra agent-hours in the event", f"{tot.extra_agent_h_on_channels:+,.1f} h",
                help="agents on the event's channels during the event (breaks excluded), adopted minus current roster")
    m[3].metric("Shifts", f"{tot.extra_shifts:+d}")

    ch = adopted.channels
    long = ch.melt(id_vars=["channel", "target_sl"], value_vars=["sl_before", "sl_after"], var_name="roster", value_name="service level")
    long["roster"] = long["roster"].map({"sl_before": "current roster", "sl_after": "adopted roster"})
    bars = alt.Chart(long).mark_bar().encode(
        x=alt.X("roster:N", title=None, sort=["current roster", "adopted roster"]),
        y=alt.Y("service level:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("roster:N", scale=alt.Scale(domain=["current roster", "adopted roster"], range=["#8c8c8c", "#9467bd"])),
        tooltip=["channel:N", "roster:N", alt.Tooltip("service level:Q", format=".1%"), alt.Tooltip("target_sl:Q", title="target", format=".0%")],
    )
    target = alt.Chart(long).mark_tick(color="#d62728", thickness=2, size=40).encode(x="roster:N", y="target_sl:Q")
    st.markdown("**Service level during the event, per channel: current roster vs adopted roster** (simulated against the event's "
                "demand; the red tick is the target)")
    st.altair_chart(alt.layer(bars, target).properties(width=160, height=220).facet(column=alt.Column("channel:N", title=None)))
    shown = ch.rename(columns={"offered": "contacts", "sl_before": "SL, current roster", "sl_after": "SL, adopted roster",
                               "target_sl": "target SL", "agents_before": "agents, current", "agents_after": "agents, adopted",
                               "required_after": "agents required"})
    st.dataframe(shown.style.format({"contacts": "{:,.0f}", "SL, current roster": "{:.1%}", "SL, adopted roster": "{:.1%}",
                                     "target SL": "{:.0%}", "agents, current": "{:,.1f}", "agents, adopted": "{:,.1f}",
                                     "agents required": "{:,.1f}"}, na_rep="n/a"), hide_index=True, width="stretch")
    if adopted.recommendations is not None and len(adopted.recommendations):
        recs = adopted.recommendations
        st.markdown(f"**What closes the adopted roster's gap**: {len(recs)} recommendation(s), "
                    f"{recs['cost'].sum():,.0f} {recs['currency'].iloc[0] or 'cost units'} in all")
        st.dataframe(recs, hide_index=True, width="stretch")
        if adopted.recommended_agents is not None:
            st.download_button("recommended_agents.csv", _bytes(write_table, adopted.recommended_agents, tables.AGENTS_FILE),
                               file_name="recommended_agents.csv", key="wi_dl_rec_agents")
    elif adopted.recommendations is not None:
        st.caption("The adopted roster has no shortfall the additions could remove: nothing to recommend.")
    for note in adopted.notes[:5]:
        st.caption(note)
    st.markdown("**The adopted roster's files**")
    downloads(inp, "wi_dl")


def downloads(inp, key: str) -> None:
    """The adopted roster's files to download (the What-if and Export pages), if a scenario was planned for."""
    held = st.session_state.get("adopted")
    if held is None:
        return
    files = state.memo("adopted_files", held["adopted_id"], lambda: _files(held["result"], inp.agents))
    c = st.columns(len(files))
    for col, (name, data) in zip(c, files.items()):
        col.download_button(name, data, f"{_stub(held['name'])}-{name}", "text/csv", key=f"{key}_{name}", width="stretch")
