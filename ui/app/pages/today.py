"""Today: upload today's contacts so far; the forecast, the actuals and the reforecast; the roster against it."""

import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from forecast import tables
from forecast.errors import InputError
from forecast.io.files import write_table
from ui.app import state

st.title("Today")
inp = state.page_setup()
if inp is None or not state.need("forecast", "Run the forecast first (Forecast page): today's actuals update it."):
    st.stop()
tz = state.display_tz()

st.caption("Upload today's contacts so far - the history format (ds, channel, tz, volume[, aht_s], or a contact log) or an "
           "interval report (ds, channel, offered, answered, abandoned, answered_in_target, aht_s, agents_staffed). The "
           "ratio of actual to forecast contacts so far, shrunk towards 1 by the volume forecast so far, scales the rest of "
           "the day and, partly, the next day. With a roster built (Roster page), the page re-staffs the reforecast and "
           "suggests overtime, break moves and early finishes.")
c = st.columns([3, 2, 1])
upload = c[0].file_uploader("Today's actuals", type=["csv", "gz"], key="td_actuals", max_upload_size=state.upload_widget_mb())
now_text = c[1].text_input("Now", key="td_now", placeholder="e.g. 2026-11-24T10:00-05:00",
                               help="the time the actuals run to (ISO 8601, with Z or an offset; without one: the forecast's zone "
                                    "when it has one); empty: the end of the last interval with contacts")
go = c[2].button("Reforecast", key="td_go")
if go:
    if upload is None:
        st.warning("Upload today's actuals first.")
    else:
        try:
            with st.spinner("Reforecasting the rest of the day..."):
                state.reforecast_today(upload, now_text or "")
        except InputError as exc:
            state.show_input_error(exc, " in today's actuals", keeps="the forecast is unchanged")

today = st.session_state.get("today")
if today is None or today["forecast_id"] != st.session_state.get("forecast_id"):
    st.info("No reforecast yet for this forecast: upload today's actuals and press Reforecast.")
    st.stop()
ref, result = today["reforecast"], today["result"]
for n in today["notes"]:
    st.caption(f"note: {n}")
st.success(f"Reforecast at {state.stamp(ref.now, tz)} from {today['kind']} {today['file']}.")

f = ref.factors
c = st.columns(4)
c[0].metric("Contacts so far", f"{f['actual_so_far'].sum():,.0f}", delta=f"{f['actual_so_far'].sum() - f['forecast_so_far'].sum():+,.0f} vs forecast")
c[1].metric("Rest of today, reforecast", f"{f['reforecast_rest_of_day'].sum():,.0f}",
            delta=f"{f['reforecast_rest_of_day'].sum() - f['forecast_rest_of_day'].sum():+,.0f} vs forecast")
c[2].metric("Factor (volume-weighted)", f"{(f['reforecast_rest_of_day'].sum() / max(f['forecast_rest_of_day'].sum(), 1e-9)):.3f}")
c[3].metric("Next day's factor (mean)", f"{f['factor_next_day'].mean():.3f}")
st.dataframe(f.drop(columns=["day_start", "now"]), hide_index=True, width="stretch")

channel = st.selectbox("Channel", sorted(f["channel"].unique()), key="td_channel")
fc = st.session_state["forecast"].forecast
day_start = f["day_start"].min()
end = ref.forecast["ds"].max() + pd.Timedelta(minutes=st.session_state["forecast"].grid.interval_min)
g_fc = fc[(fc["channel"] == channel) & (fc["ds"] >= day_start) & (fc["ds"] < end)].groupby("ds", as_index=False)["volume"].sum()
act = today["actuals"]
g_act = act[(act["channel"] == channel) & (act["ds"] >= day_start) & (act["ds"] < ref.now)].groupby("ds", as_index=False)["volume"].sum()
g_ref = ref.forecast[ref.forecast["channel"] == channel].groupby("ds", as_index=False)["volume"].sum()
lines = pd.concat([g_fc.assign(series="forecast"), g_act.assign(series="actual"), g_ref.assign(series="reforecast")], ignore_index=True)
lines["time"] = state.wall(lines["ds"], tz)
chart = alt.Chart(lines).mark_line(interpolate="step-after").encode(
    x=alt.X("time:T", title=f"time ({tz})"), y=alt.Y("volume:Q", title="contacts per interval"),
    color=alt.Color("series:N", scale=alt.Scale(domain=["forecast", "actual", "reforecast"])),
    tooltip=[alt.Tooltip("time:T", format="%a %H:%M"), "series:N", alt.Tooltip("volume:Q", format=",.1f")],
)
now_rule = alt.Chart(pd.DataFrame({"time": state.wall(pd.Series([ref.now]), tz)})).mark_rule(strokeDash=[4, 4]).encode(x="time:T")
st.altair_chart(chart + now_rule, width="stretch")


def file_bytes(df: pd.DataFrame, table) -> bytes:
    with tempfile.TemporaryDirectory(prefix="shiftcast-today-") as tmp:
        path = Path(tmp) / table.name
        write_table(df, table, path)
        return path.read_bytes()


downloads = {tables.REFORECAST.name: file_bytes(ref.forecast, tables.REFORECAST),
             tables.REFORECAST_FACTORS.name: file_bytes(ref.factors, tables.REFORECAST_FACTORS)}

if result is None:
    st.info("Build a roster (Roster page) to compare it with the reforecast and get overtime, break and early-finish suggestions.")
elif today["roster_id"] != st.session_state.get("roster_id"):
    st.warning("The roster changed since this reforecast: press Reforecast again to compare the new one.")
else:
    st.subheader("The roster against the reforecast")
    i = result.intraday
    h = state.requirements_grid().interval_h
    ci = i[i["channel"] == channel]
    c = st.columns(4)
    c[0].metric("Required (agent-h)", f"{ci['required'].sum() * h:,.0f}", delta=f"{(ci['required'] - ci['required_plan']).sum() * h:+,.0f} vs plan",
                delta_color="inverse")
    c[1].metric("Rostered (agent-h)", f"{ci['rostered'].sum() * h:,.0f}")
    c[2].metric("Short (agent-h)", f"{ci['short'].sum() * h:,.1f}")
    below, below_after = int((ci["expected_sl"] < ci["target_sl"]).sum()), int((ci["expected_sl_after"] < ci["target_sl"]).sum())
    c[3].metric("Intervals below target", f"{below} of {len(ci)}", delta=f"{below_after - below:+d} after the actions",
                delta_color="inverse")
    shown = ci.assign(time=state.wall(ci["ds"], tz))
    bars = alt.Chart(shown).mark_area(opacity=0.3, interpolate="step-after").encode(
        x=alt.X("time:T", title=f"time ({tz})"), y=alt.Y("rostered:Q", title="agents"))
    req_line = alt.Chart(shown).mark_line(interpolate="step-after", color="firebrick").encode(x="time:T", y="required:Q")
    after_line = alt.Chart(shown).mark_line(interpolate="step-after", strokeDash=[4, 3]).encode(x="time:T", y="rostered_after:Q")
    st.altair_chart(bars + req_line + after_line, width="stretch")
    st.caption("shaded: agents rostered on the channel (breaks excluded); red: agents required for the reforecast; "
               "dashed: agents once the suggested actions are taken")
    a = result.actions
    st.subheader(f"What to do: {len(a)} suggestion(s)")
    if len(a):
        view = a.assign(start=a["start_local"].str[11:16], end=a["end_local"].str[11:16])
        st.dataframe(view[["action", "agent_id", "name", "channel", "local_date", "start", "end", "minutes", "agent_h", "reason"]],
                     hide_index=True, width="stretch")
    else:
        st.write("The roster covers the reforecast: nothing to change.")
    with st.expander("Per interval"):
        st.dataframe(ci.drop(columns=["channel"]), hide_index=True, width="stretch")
    downloads[tables.INTRADAY.name] = file_bytes(i, tables.INTRADAY)
    downloads[tables.INTRADAY_ACTIONS.name] = file_bytes(a, tables.INTRADAY_ACTIONS)

c = st.columns(len(downloads))
for k, (name, data) in enumerate(downloads.items()):
    c[k].download_button(name, data, file_name=name, mime="text/csv", key=f"td_dl_{name}")
