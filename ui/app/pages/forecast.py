import altair as alt
import pandas as pd
import streamlit as st

from forecast.pipeline import MODEL_CHOICES
from forecast.summary import forecast_summary
from roster.planning.settings import bounds, default
from ui.app import charts, state
from ui.app import format as fmt

st.title("Forecast")
inp = state.page_setup()
if inp is None:
    st.info("Load data first (Data page).")
    st.stop()

busy = bool(state.running("forecast"))
last = st.session_state.get("forecast_settings", {})
with st.form("forecast_form"):
    c = st.columns([1, 1, 1, 1])
    lo_days, hi_days = bounds("horizon_days")
    horizon = c[0].number_input("Horizon (days)", min_value=lo_days, max_value=hi_days, value=int(last.get("horizon_days", default("horizon_days"))), step=7)
    models = list(MODEL_CHOICES)
    model = c[1].selectbox(
        "Model", models, index=models.index(last.get("model", default("model"))),
        help="auto: for each channel, customer zone and horizon (day-, week-, month-ahead), the model with the lowest backtest WAPE; "
             "or force one model everywhere (prophet is much slower)",
    )
    backtest = c[2].checkbox("Backtest", value=bool(last.get("backtest", default("backtest"))),
                             help="score the models from rolling origins over the last weeks (needed for auto's choice and calibrated bands)")
    run = c[3].form_submit_button("Run forecast", type="primary", disabled=busy)
    c2 = st.columns([1, 1, 2])
    calendar_on = c2[0].checkbox(
        "Calendar effects", value=bool(last.get("calendar_effects", default("calendar_effects"))),
        help="let the backtest consider ets_calendar: ets with the day-of-month and pay-day effects the history shows; "
             "it is used only for the series and horizons where it scores best",
    )
    pay_days = c2[1].text_input(
        "Pay days", value=str(last.get("pay_days", default("pay_days"))),
        help="days of the month salaries are paid: 1-31 or last, separated by commas (a pay day on a weekend is paid the Friday before)",
    )
    with st.expander("Workers and cluster"):
        w = st.columns([1, 2])
        fc_workers = w[0].number_input(
            "Workers", min_value=0, max_value=256, value=int(last.get("forecast_workers", 0)), step=1,
            help="processes forecasting the series: 1 = in the app's process, one series after the other; 0 = every core "
                 "(a history of fewer than 24 series stays in-process); as shiftcast forecast --workers",
        )
        scheduler = w[1].text_input(
            "Dask scheduler", value=str(last.get("scheduler", "")), placeholder="tcp://HOST:8786",
            help="a running Dask cluster to forecast the series on (empty: this machine, or $SHIFTCAST_DASK_SCHEDULER); "
                 "as shiftcast forecast --scheduler; see README, Big operations",
        )
if run:
    from forecast.calendar import parse_pay_days

    try:
        parse_pay_days(pay_days)
    except ValueError as exc:
        st.error(f"Pay days: {exc}")
        st.stop()
    if state.start_forecast(int(horizon), model, bool(backtest), calendar_effects=bool(calendar_on), pay_days=pay_days,
                            workers=int(fc_workers), scheduler=scheduler.strip() or None) is None:
        st.toast("This forecast was already made with these settings: shown from memory.")
    else:
        st.rerun()  # draw the page again with the step running (button disabled, progress in the sidebar)
state.show_job("forecast")
if busy and "forecast" not in st.session_state:
    st.stop()

if not state.need("forecast", "Run the forecast to see it here (about 20 s with the backtest on the sample)."):
    st.stop()
fc = st.session_state["forecast"]
f = fc.forecast
fs = st.session_state["forecast_settings"]
tz = state.display_tz()
st.caption(
    f"Forecast of {fs['horizon_days']} days from {state.stamp(f['ds'].min(), tz)} to {state.stamp(f['ds'].max(), tz)} ({tz}), "
    f"model {fs['model']}, backtest {'on' if fs['backtest'] else 'off'}; made in {fs['seconds']:.1f} s."
)
if fc.notes:
    with st.expander(f"{len(fc.notes)} note(s) on this forecast"):
        for note in fc.notes:
            st.caption(note)

# ---- chart ------------------------------------------------------------------
# a history with queues (a queue column; some queue not named as its channel) gets a queue selection
has_queues = "queue" in f.columns and bool((f["queue"] != f["channel"]).any())
c = st.columns([1, 1, 1, 1, 1] if has_queues else [1, 1, 1, 1])
channels = sorted(f["channel"].unique())
channel = c[0].selectbox("Channel", ["all channels"] + channels, index=1 if channels else 0)
queue = "all queues"
if has_queues:
    in_channel = f if channel == "all channels" else f[f["channel"] == channel]
    queue = c[1].selectbox("Queue", ["all queues"] + sorted(in_channel["queue"].unique()), key="fc_queue",
                           help="the queues of the channel (a history's queue column); all queues: the channel's total")
    c = c[1:]
zone = c[1].selectbox("Customer zone", ["all zones"] + sorted(f["tz"].unique()))

sel = f
if channel != "all channels":
    sel = sel[sel["channel"] == channel]
if queue != "all queues":
    sel = sel[sel["queue"] == queue]
if zone != "all zones":
    sel = sel[sel["tz"] == zone]
g = sel.groupby("ds", as_index=False)[["volume", "volume_lo", "volume_hi", "event_volume"]].sum()
g["time"] = state.wall(g["ds"], tz)
step = fc.grid.step
span, lo_t, hi_t = charts.zoom(c[2], c[3], g["ds"], step, tz, default="horizon", key="fc_zoom", days_from=f["ds"].drop_duplicates())
g = g[(g["time"] >= lo_t) & (g["time"] < hi_t)].copy()
g["when"] = g["time"].dt.strftime("%a %Y-%m-%d %H:%M")

hist = inp.history
if channel != "all channels":
    hist = hist[hist["channel"] == channel]
if queue != "all queues" and "queue" in hist.columns:
    hist = hist[hist["queue"] == queue]
if zone != "all zones":
    hist = hist[hist["tz"] == zone]
recent = pd.DataFrame()
if span == "horizon":
    hist = hist[hist["ds"] >= f["ds"].min() - pd.Timedelta(days=7)]
    recent = hist.groupby("ds", as_index=False)["volume"].sum()
    recent["time"] = state.wall(recent["ds"], tz)
    lo_t = min(lo_t, recent["time"].min()) if len(recent) else lo_t

step_min = int(step / pd.Timedelta(minutes=1))
x = charts.x_time("time", tz, lo_t, hi_t)
y_title = f"contacts per {step_min} min"
band = alt.Chart(g).mark_area(opacity=0.25, color="#4c78a8").encode(x=x, y=alt.Y("volume_lo:Q", title=y_title), y2="volume_hi:Q")
line = alt.Chart(g).mark_line(color="#1f4e79", strokeWidth=1.3).encode(
    x=x, y=alt.Y("volume:Q", title=y_title),
    tooltip=[alt.Tooltip("when:N", title=f"time ({tz})"), alt.Tooltip("volume:Q", title="forecast", format=",.1f"),
             alt.Tooltip("volume_lo:Q", title="10%", format=",.1f"), alt.Tooltip("volume_hi:Q", title="90%", format=",.1f"),
             alt.Tooltip("event_volume:Q", title="from events and holidays", format=",.1f")],
)
layers = [band, line]
if len(recent):
    layers.insert(0, alt.Chart(recent).mark_line(color="#999999", strokeWidth=1).encode(x=x, y="volume:Q"))

ev = fc.events
marks = pd.DataFrame()
if ev is not None and len(ev) and len(g):
    e = ev if channel == "all channels" else ev[ev["channel"] == channel]
    if zone != "all zones":
        e = e[e["tz"] == zone]
    e = e.assign(s=state.wall(e["start"], tz), e=state.wall(e["end"], tz))
    e = e[(e["e"] > g["time"].min()) & (e["s"] <= g["time"].max())]
    e = e.groupby(["event", "kind"], as_index=False).agg(start=("start", "min"), end=("end", "max"), s=("s", "min"), e=("e", "max"))
    e = e.sort_values("start")
    if len(e):
        marks = pd.DataFrame({
            "label": e["event"], "kind": e["kind"], "start": e["s"].clip(lower=g["time"].min()), "end": e["e"].clip(upper=hi_t),
            "when": [f"{state.stamp(a, tz)} to {state.stamp(b, tz)} ({tz})" for a, b in zip(e["start"], e["end"])],
        })
        layers += charts.event_layers(marks)
title = f"{channel}{f', {queue}' if has_queues else ''}, {zone}: forecast (line) with its 10-90% band" + ("; grey: the last week of history" if len(recent) else "")
st.markdown(f"**{title}**")
st.altair_chart(alt.layer(*layers).properties(height=400).resolve_scale(color="independent"), width="stretch")
if len(marks):
    st.caption("Marked: " + "; ".join(f"**{r.label}** ({'public holiday' if r.kind == 'holiday' else r.kind}) {r.when}" for r in marks.itertuples()))
if zone == "all zones" or channel == "all channels" or (has_queues and queue == "all queues"):
    st.caption("Totals add the series' forecasts; their 10-90% bands are added too, so the band shown is wider than the total's own.")

# ---- totals -----------------------------------------------------------------
per_model = f.groupby(["channel", "tz"])["model"].agg(lambda s: " -> ".join(dict.fromkeys(s)))
t = pd.DataFrame([{"channel": c.channel, "contacts": c.contacts, "from_events": c.contacts_from_events, "peak": c.peak_contacts}
                  for c in forecast_summary(fc).channels])
t[["contacts", "from_events"]] = t[["contacts", "from_events"]].round()
t["models (day -> week -> month ahead)"] = t["channel"].map(lambda ch: "; ".join(sorted(set(per_model[ch]))))
st.dataframe(t, hide_index=True, width="stretch", column_config={
    "contacts": st.column_config.NumberColumn("contacts in the horizon", format=fmt.column_format(0)),
    "from_events": st.column_config.NumberColumn("of which from events and holidays", format=fmt.column_format(0)),
    "peak": st.column_config.NumberColumn(f"busiest {step_min}-min interval, all zones", format=fmt.column_format(1)),
})
if has_queues:
    st.markdown("**By queue**")
    by_q = f.groupby(["channel", "queue"], as_index=False).agg(contacts=("volume", "sum"), from_events=("event_volume", "sum"))
    by_q["share of the channel"] = by_q["contacts"] / by_q.groupby("channel")["contacts"].transform("sum")
    st.dataframe(by_q.round({"contacts": 0, "from_events": 0}), hide_index=True, width="stretch", key="fc_by_queue", column_config={
        "contacts": st.column_config.NumberColumn("contacts in the horizon", format=fmt.column_format(0)),
        "from_events": st.column_config.NumberColumn("of which from events and holidays", format=fmt.column_format(0)),
        "share of the channel": st.column_config.NumberColumn(format="percent"),
    })
    st.caption("Each queue is its own series (queue x customer zone): forecast, backtested and staffed on its own.")

# ---- backtest ---------------------------------------------------------------
st.subheader("Backtest accuracy and the model chosen per horizon")
acc = fc.accuracy
if acc is None or acc.empty:
    st.caption("No backtest was run: models are not chosen by accuracy and the bands are not calibrated.")
else:
    buckets = [b for b in ("day-ahead", "week-ahead", "month-ahead") if b in set(acc["horizon"])]
    chosen = acc[acc["chosen"] & acc["horizon"].isin(buckets)]
    table = chosen.assign(cell=chosen["model"] + "  " + chosen["wape"].map(lambda w: f"{w:.1%}" if w == w else "n/a"))
    rows = ["channel", "queue", "tz"] if has_queues and "queue" in acc.columns else ["channel", "tz"]
    pivot = table.pivot_table(index=rows, columns="horizon", values="cell", aggfunc="first")[buckets].reset_index()
    st.dataframe(pivot.rename(columns={"tz": "customer zone"}), hide_index=True, width="stretch")
    st.caption(
        "Each cell: the model the backtest chose for that channel, customer zone and lead time, and its WAPE (sum of absolute errors "
        "over actual contacts, per interval). "
        + ("The forecast uses these choices." if fs["model"] == "auto" else f"You forced **{fs['model']}** for every series; the table shows what auto would choose.")
    )
    with st.expander("Every model's scores"):
        detail = acc if channel == "all channels" else acc[acc["channel"] == channel]
        if queue != "all queues" and "queue" in detail.columns:
            detail = detail[detail["queue"] == queue]
        cols = [c for c in ["channel"] + (["queue"] if has_queues else []) + ["tz", "horizon", "model", "wape", "mase", "bias", "coverage_80", "coverage_80_calibrated", "origins", "chosen"] if c in detail]
        st.dataframe(detail[cols], hide_index=True, width="stretch", height=320, column_config={
            "wape": st.column_config.NumberColumn("WAPE", format="percent"),
            "mase": st.column_config.NumberColumn("MASE", format="%.2f"),
            "bias": st.column_config.NumberColumn("bias", format="percent"),
            "coverage_80": st.column_config.NumberColumn("in 10-90% band (raw)", format="percent"),
            "coverage_80_calibrated": st.column_config.NumberColumn("in band (calibrated)", format="percent"),
        })
        st.caption("MASE below 1: better than last week's same interval. Bias: over (+) or under (-) forecast as a share of actual contacts. "
                   "The band should hold 80% of actuals; 'calibrated' is after the band was widened or narrowed on earlier origins.")
