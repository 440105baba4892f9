import altair as alt
import pandas as pd
import streamlit as st

from forecast.errors import InputError
from ui.app import state

st.title("Forecast")
inp = state.ensure_inputs()
if inp is None:
    st.stop()

with st.form("forecast_form"):
    c = st.columns(4)
    horizon = c[0].number_input("Horizon (days)", min_value=7, max_value=92, value=28, step=7)
    model = c[1].selectbox("Model", ["auto", "ets", "snaive", "prophet"], help="auto: the best of ets and seasonal naive per series in the backtest; prophet is slower")
    backtest = c[2].checkbox("Backtest", value=True, help="score the models on the last weeks")
    run = c[3].form_submit_button("Run forecast", type="primary")
if run:
    bar = st.progress(0.0, text="Forecasting...")

    def report(task, done, total=None):
        bar.progress(min(1.0, done / total) if total else 0.0, text=task)

    try:
        state.run_forecast_and_staffing(int(horizon), model, backtest, progress=report)
        bar.progress(1.0, text=f"Done in {st.session_state['forecast_s']:.1f} s")
    except InputError as exc:
        state.show_input_error(exc)

if not state.need("forecast", "Run the forecast to see it here."):
    st.stop()
fc = st.session_state["forecast"]
f = fc.forecast
if fc.notes:
    with st.expander(f"{len(fc.notes)} note(s) on this forecast"):
        for note in fc.notes:
            st.caption(note)

c = st.columns(4)
channel = c[0].selectbox("Channel", sorted(f["channel"].unique()))
zone = c[1].selectbox("Customer zone", ["all zones"] + sorted(f["tz"].unique()))
show_tz = c[2].selectbox("Show times in", state.zone_choices(), key="fc_tz")
days = pd.Series(state.local(f["ds"], show_tz).dt.date.unique())
span = c[3].selectbox("Zoom", ["whole horizon", "one week", "one day"])
first = st.select_slider("From", options=list(days), value=days.iloc[0]) if span != "whole horizon" else days.iloc[0]

sel = f[f["channel"] == channel] if zone == "all zones" else f[(f["channel"] == channel) & (f["tz"] == zone)]
g = sel.groupby("ds", as_index=False)[["volume", "volume_lo", "volume_hi", "event_volume"]].sum()
g["time"] = state.local(g["ds"], show_tz)
if span != "whole horizon":
    start = pd.Timestamp(first)
    g = g[(g["time"] >= start) & (g["time"] < start + pd.Timedelta(days=7 if span == "one week" else 1))]
title = f"time ({show_tz})"
band = alt.Chart(g).mark_area(opacity=0.25).encode(x=alt.X("time:T", title=title), y="volume_lo:Q", y2="volume_hi:Q")
line = alt.Chart(g).mark_line().encode(
    x=alt.X("time:T", title=title), y=alt.Y("volume:Q", title="contacts per interval"),
    tooltip=[alt.Tooltip("time:T", title=title, format="%Y-%m-%d %H:%M"), alt.Tooltip("volume:Q", format=",.1f"), alt.Tooltip("event_volume:Q", title="from events", format=",.1f")],
)
layers = [band, line]
ev = fc.events
if ev is not None and len(ev):
    e = ev[(ev["channel"] == channel) & (ev["end"] > f["ds"].min()) & (ev["start"] <= f["ds"].max())]
    if zone != "all zones":
        e = e[e["tz"] == zone]
    e = e.drop_duplicates("event").assign(time=lambda d: state.local(d["start"], show_tz))
    if len(g):
        e = e[(e["time"] >= g["time"].min()) & (e["time"] <= g["time"].max())]
    if len(e):
        layers.append(alt.Chart(e).mark_rule(color="firebrick", strokeDash=[4, 3]).encode(x="time:T", tooltip=["event:N", "kind:N", alt.Tooltip("time:T", format="%Y-%m-%d %H:%M")]))
st.altair_chart(alt.layer(*layers).properties(height=360, title=f"{channel}, {zone}: forecast with 10-90% band; red lines = holidays and events"), width="stretch")

t = f.groupby("channel", as_index=False).agg(contacts=("volume", "sum"), from_events=("event_volume", "sum"), model=("model", lambda s: ", ".join(sorted(s.unique()))))
st.dataframe(t.style.format({"contacts": "{:,.0f}", "from_events": "{:,.0f}"}), width="stretch")
st.subheader("Backtest accuracy")
if len(fc.accuracy):
    acc = fc.accuracy[fc.accuracy["horizon"] != "all"]
    st.dataframe(
        acc[["channel", "tz", "model", "horizon", "wape", "mase", "bias", "coverage_80", "chosen"]].style.format(
            {"wape": "{:.1%}", "mase": "{:.2f}", "bias": "{:+.1%}", "coverage_80": "{:.0%}"}
        ),
        width="stretch", height=300,
    )
    st.caption("WAPE: sum of absolute errors / actual contacts, per 15-minute interval. coverage_80: share of actuals inside the 10-90% band (nominal 80%).")
else:
    st.caption("No backtest was run.")
