import altair as alt
import streamlit as st

from forecast.errors import InputError
from ui.app import state

st.title("Data")
inp = state.ensure_inputs()
if "load_error" in st.session_state:
    state.show_input_error(st.session_state["load_error"], f" in {state.data_dir()}")

with st.expander("Load other data", expanded=inp is None):
    st.caption(f"Upload any of the files (CSV, optionally gzip; at most {state.MAX_UPLOAD_MB} MB each); files you do not upload are taken from {state.data_dir()}.")
    cols = st.columns(3)
    files = {
        "history": cols[0].file_uploader("History (interval counts or contact log)", type=["csv", "gz"], key="up_history"),
        "events": cols[1].file_uploader("Events", type=["csv"], key="up_events"),
        "agents": cols[2].file_uploader("Agents", type=["csv"], key="up_agents"),
        "time_off": cols[0].file_uploader("Time off", type=["csv"], key="up_time_off"),
        "targets": cols[1].file_uploader("Targets (TOML)", type=["toml"], key="up_targets"),
        "rules": cols[2].file_uploader("Labour rules (TOML)", type=["toml"], key="up_rules"),
    }
    c1, c2 = st.columns(2)
    if c1.button("Validate and load uploads", type="primary", disabled=not any(files.values())):
        try:
            inp = state.load_uploads({k: v for k, v in files.items() if v is not None})
            st.success("Loaded the uploaded files.")
        except InputError as exc:
            state.show_input_error(exc)
    if c2.button("Reload the bundled sample"):
        try:
            inp = state.load_folder(state.data_dir(), source=f"folder {state.data_dir()}")
        except InputError as exc:
            state.show_input_error(exc)

if inp is None:
    st.stop()

h = inp.history
st.caption(f"Source: {st.session_state.get('source', '')}")
m = st.columns(4)
m[0].metric("History", f"{h['ds'].min():%Y-%m-%d} to {h['ds'].max():%Y-%m-%d}")
m[1].metric("Contacts", f"{h['volume'].sum():,.0f}")
m[2].metric("Agents", f"{len(inp.agents)}")
m[3].metric("Sites", ", ".join(sorted({a.site for a in inp.agents})))
st.subheader("Contacts per channel and customer zone")
per = h.groupby(["channel", "tz"], as_index=False)["volume"].sum().pivot(index="channel", columns="tz", values="volume")
st.dataframe(per.style.format("{:,.0f}"), width="stretch")
daily = h.assign(day=h["ds"].dt.floor("D")).groupby(["day", "channel"], as_index=False)["volume"].sum()
chart = alt.Chart(daily).mark_line().encode(
    x=alt.X("day:T", title="day (UTC)"), y=alt.Y("volume:Q", title="contacts per day"), color="channel:N",
    tooltip=["day:T", "channel:N", alt.Tooltip("volume:Q", format=",.0f")],
).properties(height=300)
st.altair_chart(chart, width="stretch")
st.subheader("Team")
from roster.io import agents_frame  # noqa: E402

st.dataframe(agents_frame(inp.agents), width="stretch", height=240)
for note in inp.notes:
    st.caption(f"note: {note}")
