import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from forecast.errors import InputError
from forecast.scenario import PlannedEvent, apply_event, kinds_available
from roster.whatif import compare, team_hourly_cost
from ui.app import state
from ui.scenarios import ScenarioStore

st.title("What-if: a sales event")
inp = state.ensure_inputs()
if inp is None or not state.need("forecast", "Run the forecast first (Forecast page)."):
    st.stop()
fc = st.session_state["forecast"]
f = fc.forecast
zones = sorted(f["tz"].unique())
kinds = kinds_available(fc.effects)

with st.form("whatif_form"):
    c = st.columns(3)
    name = c[0].text_input("Event name", value="Flash sale")
    day = c[1].date_input("Date", value=(f["ds"].min() + pd.Timedelta(days=5)).date(), min_value=f["ds"].min().date(), max_value=f["ds"].max().date())
    at = c[2].time_input("Start time", value=dt.time(18, 0))
    c = st.columns(3)
    tz = c[0].selectbox("Time zone of the start", zones, index=zones.index("America/New_York") if "America/New_York" in zones else 0)
    duration = c[1].number_input("Duration (hours)", min_value=0.5, max_value=72.0, value=6.0, step=0.5)
    mode = c[2].radio("Effect", ["uplift", "like a past event"], horizontal=True)
    c = st.columns(3)
    uplift = c[0].number_input("Expected uplift (x normal volume)", min_value=1.0, max_value=10.0, value=1.4, step=0.1)
    like = c[1].selectbox("Like past events of kind", kinds or ["(none learned)"])
    channels = c[2].multiselect("Channels", sorted(f["channel"].unique()), default=sorted(f["channel"].unique()))
    ev_zones = st.multiselect("Customer zones", zones, default=zones)
    go = st.form_submit_button("Simulate the event", type="primary")

if go:
    try:
        event = PlannedEvent(
            name=name, start=dt.datetime.combine(day, at), local_tz=tz, duration_h=duration, channels=tuple(channels), zones=tuple(ev_zones),
            uplift=uplift if mode == "uplift" else None, like_kind=like if mode != "uplift" else None,
        )
        with st.spinner("Computing staffing and simulating..."):
            scenario = apply_event(f, event, fc.effects)
            roster = st.session_state.get("roster")
            cmp = compare(f, scenario, inp.targets, hourly_cost=team_hourly_cost(inp.agents, inp.rules), coverage=roster.coverage if roster else None)
        st.session_state["whatif"] = (event, cmp)
    except ValidationError as exc:
        st.error("; ".join(e["msg"] for e in exc.errors()))
    except InputError as exc:
        state.show_input_error(exc)

if "whatif" in st.session_state:
    event, cmp = st.session_state["whatif"]
    tot = cmp.totals
    st.subheader(f"{event.name}: scenario vs baseline")
    m = st.columns(4)
    m[0].metric("Extra contacts", f"{tot['extra_contacts']:+,.0f}")
    m[1].metric("Extra agent-hours", f"{tot['extra_agent_h']:+,.1f}")
    m[2].metric("Extra cost", f"{tot['extra_cost']:+,.0f}")
    m[3].metric("Peak extra agents", f"{tot['peak_extra_agents']:+d}")
    fmt = {c: "{:,.0f}" for c in cmp.summary.columns if c.startswith(("contacts", "agent_h", "extra"))}
    fmt.update({c: "{:.1%}" for c in cmp.summary.columns if c.startswith(("sl_", "target"))})
    st.dataframe(cmp.summary.style.format(fmt), width="stretch")
    if not tot["simulated"]:
        st.caption("Build a roster (Roster page) covering these days to see the service level if the roster is not changed.")
    else:
        st.caption("sl_baseline / sl_scenario: simulated share answered within target with the current roster, without and with the event.")
    show_tz = st.selectbox("Show times in", state.zone_choices(), key="wi_tz")
    iv = cmp.intervals.groupby("ds", as_index=False)[["volume_baseline", "volume_scenario", "agents_required_baseline", "agents_required_scenario"]].sum()
    iv["time"] = state.local(iv["ds"], show_tz)
    long = iv.melt(id_vars="time", value_vars=["agents_required_baseline", "agents_required_scenario"], var_name="plan", value_name="agents")
    long["plan"] = long["plan"].str.replace("agents_required_", "")
    st.altair_chart(
        alt.Chart(long).mark_line().encode(x=alt.X("time:T", title=f"time ({show_tz})"), y=alt.Y("agents:Q", title="agents required, all channels"), color="plan:N")
        .properties(height=300), width="stretch",
    )
    c = st.columns([3, 1])
    save_name = c[0].text_input("Save as", value=event.name)
    if c[1].button("Save scenario"):
        ScenarioStore().save(save_name, event.model_dump(mode="json"), {k: v for k, v in tot.items() if k != "window"})
        st.success(f"Saved '{save_name}'.")

st.subheader("Saved scenarios")
store = ScenarioStore()
table = store.table()
if table.empty:
    st.caption("No saved scenarios yet.")
else:
    st.dataframe(table.drop(columns="id"), width="stretch")
    c = st.columns([3, 1])
    victim = c[0].selectbox("Scenario", table["id"], format_func=lambda i: table.set_index("id").loc[i, "name"])
    if c[1].button("Delete"):
        store.delete(victim)
        st.rerun()
