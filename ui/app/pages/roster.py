import altair as alt
import pandas as pd
import streamlit as st

from forecast.errors import InputError
from roster.solver import default_week_start, roster_span
from ui.app import state

st.title("Roster")
inp = state.ensure_inputs()
if inp is None or not state.need("requirements", "Run the forecast first (Forecast page)."):
    st.stop()
req = st.session_state["requirements"]
sites = sorted({a.site_tz for a in inp.agents})
first = default_week_start(req["ds"].min(), sites)
mondays = []
day = first
while True:
    span = roster_span(day, 1, sites)
    if span[1] > req["ds"].max() + pd.Timedelta(minutes=15):
        break
    mondays.append(day)
    day += pd.Timedelta(days=7).to_pytimedelta()

with st.form("roster_form"):
    c = st.columns(3)
    week = c[0].selectbox("Week starting (site local Monday)", mondays or [first])
    limit = c[1].number_input("Solver time limit (s)", min_value=5, max_value=600, value=60, step=5)
    go = c[2].form_submit_button("Build roster", type="primary")
if go:
    import threading

    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    bar = st.progress(0.0, text="Building the roster...")
    ctx = get_script_run_ctx()

    def report(task, done, total=None):
        # the solver reports from its own thread: attach it to this session
        add_script_run_ctx(threading.current_thread(), ctx)
        bar.progress(min(1.0, done / total) if total else 0.0, text=f"{task}: {done:.0f} of {total:.0f} s")

    try:
        res = state.run_roster(week, 1, float(limit), progress=report)
        bar.progress(1.0, text=f"Done: {res.status}")
    except InputError as exc:
        state.show_input_error(exc)

if not state.need("roster", "Build a roster to see it here."):
    st.stop()
res = st.session_state["roster"]
k = res.kpis
for note in res.notes:
    st.warning(note)
m = st.columns(6)
m[0].metric("Paid hours", f"{k['paid_h']:,.0f}")
m[1].metric("Shifts", f"{k['shifts']}")
m[2].metric("Required agent-h", f"{k['required_agent_h']:,.0f}")
m[3].metric("Short agent-h", f"{k['under_agent_h']:,.0f}")
m[4].metric("Over agent-h", f"{k['over_agent_h']:,.0f}")
m[5].metric("Gap to bound", "n/a" if k["gap"] != k["gap"] else f"{k['gap']:.1%}",
            help=f"objective {k['objective']:,.0f} against the lower bound {k['bound']:,.0f} from the coverage programme "
                 "(shifts as fractions: no roster can do better); n/a when the programme did not finish in the time limit")
if k.get("bound_short_agent_h") == k.get("bound_short_agent_h") and k.get("bound_short_agent_h", 0) > 0:
    st.caption(f"Even with shifts as fractions, {k['bound_short_agent_h']:,.0f} agent-hours cannot be covered by these agents, "
               f"rules and shift shapes; this roster leaves {k['under_agent_h']:,.0f} short. "
               f"First roster after {k['first_solution_s']:.1f} s; {k['channel_switches']:,} channel switches in {k['shifts']:,} shifts.")

show_tz = st.selectbox("Show times in", state.zone_choices(), key="ro_tz")
cov = res.coverage.copy()
cov["time"] = state.local(cov["ds"], show_tz)
long = cov.melt(id_vars=["time", "channel"], value_vars=["required", "scheduled"], var_name="measure", value_name="agents")
st.altair_chart(
    alt.Chart(long).mark_line(interpolate="step-after").encode(
        x=alt.X("time:T", title=f"time ({show_tz})"), y="agents:Q", color="measure:N", row=alt.Row("channel:N", title=None)
    ).properties(height=130, width=900), width="content",
)

if st.session_state.get("whatif") is None:
    pass
st.subheader("Simulated service level")
if st.button("Simulate this roster"):
    from roster.plan import available_agents
    from roster.simulate import simulate, simulation_summary

    d = req[req["ds"].isin(cov["ds"].unique())][["ds", "channel", "volume", "aht_s"]]
    with st.spinner("Simulating..."):
        st.session_state["simulation"] = simulation_summary(simulate(d, available_agents(res.coverage, inp.targets), inp.targets, runs=3))
if "simulation" in st.session_state:
    st.dataframe(st.session_state["simulation"].style.format({"offered": "{:,.0f}", "service_level": "{:.1%}", "target_sl": "{:.0%}", "abandon_rate": "{:.1%}", "asa_s": "{:.0f}", "intervals_meeting_target": "{:.0%}"}), width="stretch")

st.subheader("Agents")
ros = res.roster.copy()
agents = {a.agent_id: a for a in inp.agents}
c = st.columns(4)
site = c[0].multiselect("Site", sorted({a.site for a in inp.agents}))
skill = c[1].multiselect("Skill", sorted({s for a in inp.agents for s in a.skills}))
days = sorted(ros["local_date"].unique())
day = c[2].selectbox("Local date", days)
who = c[3].multiselect("Agent", sorted(ros["agent_id"].unique()))
keep = ros["agent_id"].map(lambda i: (not site or agents[i].site in site) and (not skill or set(skill) & set(agents[i].skills)) and (not who or i in who))
g = ros[keep & (ros["local_date"] == day)].copy()
g["start"] = state.local(g["start_utc"], show_tz)
g["end"] = state.local(g["end_utc"], show_tz)
g["what"] = g.apply(lambda r: r["channel"] if r["activity"] == "shift" else r["activity"], axis=1)
if g.empty:
    st.caption("No shifts for this selection.")
else:
    order = list(dict.fromkeys(g[g["activity"] == "shift"].sort_values("start")["agent_id"]))
    gantt = alt.Chart(g).mark_bar().encode(
        x=alt.X("start:T", title=f"time ({show_tz})"), x2="end:T",
        y=alt.Y("agent_id:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False, labelFontSize=11)),
        color=alt.Color("what:N", title="activity", scale=alt.Scale(domain=["voice", "chat", "email", "social", "break", "lunch"], range=["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#bab0ac", "#79706e"])),
        tooltip=["agent_id", "activity", "channel", alt.Tooltip("start:T", format="%H:%M"), alt.Tooltip("end:T", format="%H:%M"), "site_tz"],
    ).properties(height=max(200, 22 * len(order)), title=f"shifts starting on {day} (site local date)")
    st.altair_chart(gantt, width="stretch")
st.subheader("Why it looks like this")
st.dataframe(res.penalties, width="stretch")
