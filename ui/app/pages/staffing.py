import altair as alt
import pandas as pd
import streamlit as st

from ui.app import state

st.title("Staffing")
inp = state.ensure_inputs()
if inp is None or not state.need("requirements", "Run the forecast first (Forecast page): staffing is computed with it."):
    st.stop()
req = st.session_state["requirements"]
c = st.columns(3)
channel = c[0].selectbox("Channel", sorted(req["channel"].unique()))
show_tz = c[1].selectbox("Show times in", state.zone_choices(), key="st_tz")
t = inp.targets.channels[channel]
c[2].markdown(
    f"**Target**: {t.target_sl:.0%} within {t.target_s:g} s ({t.model}); shrinkage {t.shrinkage:.0%}; occupancy cap {t.max_occupancy:.0%}"
    + (f"; {t.concurrency:g} chats at once" if t.model == "chat" else "")
)
g = req[req["channel"] == channel].copy()
g["time"] = state.local(g["ds"], show_tz)
g["date"] = g["time"].dt.strftime("%a %Y-%m-%d")
g["time_of_day"] = g["time"].dt.strftime("%H:%M")
heat = alt.Chart(g).mark_rect().encode(
    x=alt.X("time_of_day:O", title=f"time of day ({show_tz})", axis=alt.Axis(values=[f"{h:02d}:00" for h in range(0, 24, 2)])),
    y=alt.Y("date:O", title="date", sort=None),
    color=alt.Color("agents_required:Q", title="agents", scale=alt.Scale(scheme="blues")),
    tooltip=["date:O", "time_of_day:O", "volume:Q", "agents_net:Q", "agents_required:Q", alt.Tooltip("predicted_sl:Q", format=".1%")],
).properties(height=max(240, 14 * g["date"].nunique()), title=f"{channel}: agents to schedule per interval")
st.altair_chart(heat, width="stretch")
long = g.melt(id_vars="time", value_vars=["agents_net", "agents_required"], var_name="measure", value_name="agents")
st.altair_chart(
    alt.Chart(long).mark_line().encode(x=alt.X("time:T", title=f"time ({show_tz})"), y="agents:Q", color="measure:N").properties(height=260),
    width="stretch",
)
st.subheader("Explain one interval")
pick = st.selectbox("Interval", g["time"].dt.strftime("%Y-%m-%d %H:%M").tolist(), index=int(g["agents_required"].to_numpy().argmax()))
row = g[g["time"].dt.strftime("%Y-%m-%d %H:%M") == pick].iloc[0]
step_s = (g["ds"].iloc[1] - g["ds"].iloc[0]).total_seconds() if len(g) > 1 else 900
load = row["volume"] * row["aht_s"] / step_s
st.markdown(
    f"- **{row['volume']:.1f} contacts** in {step_s / 60:.0f} minutes, average handle time **{row['aht_s']:.0f} s**\n"
    f"- offered load = {row['volume']:.1f} x {row['aht_s']:.0f} s / {step_s:.0f} s = **{load:.2f} Erlangs**"
    + (f" = {load:.2f} chat slots / {t.concurrency:g} chats per agent" if t.model == "chat" else "") + "\n"
    f"- model **{row['model']}**, target {row['target_sl']:.0%} within {row['target_s']:g} s -> **{row['agents_net']} agents on the channel**, "
    f"predicted service level {row['predicted_sl']:.1%}, answer time {row['predicted_asa_s']:.0f} s"
    + (f", abandonment {row['predicted_abandon_rate']:.1%}" if row["model"] == "erlang_a" else "") + "\n"
    f"- shrinkage {row['shrinkage']:.0%}: {row['agents_net_exact']:.2f} / (1 - {row['shrinkage']:.2f}) rounded up = **{row['agents_required']} agents to schedule**"
)
