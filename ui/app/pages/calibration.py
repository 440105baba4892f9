import io

import altair as alt
import pandas as pd
import streamlit as st

from forecast.errors import InputError
from forecast.io.files import formula_safe, with_iso
from forecast.tables import STAFFING_BACKTEST
from roster.staffing.calibration import calibration_toml, scores_frame
from ui.app import state

st.title("Calibration")
inp = state.page_setup()
if inp is None:
    st.stop()
tz = state.display_tz()

st.markdown(
    "Check the staffing model against what happened. Upload an **actuals file**, the interval report a contact-centre "
    "platform exports: `ds, channel, offered, answered, abandoned, answered_in_target, aht_s, agents_staffed` "
    "(optionally `asa_s`, `abandon_time_s`, `tz`); `answered_in_target` counts against each channel's `target_s` in the "
    "targets. Per call and chat channel the app fits the **patience** and the **share of the agents staffed really "
    "available** (per time of day where the data allow), and shows the predicted service level against the observed one, "
    "before and after. A per-contact log converts to it with `shiftcast actuals-from-log`."
)

with st.form("calibration_form"):
    c = st.columns(2)
    actuals = c[0].file_uploader("Actuals (CSV)", type=["csv", "gz"], key="cal_actuals", max_upload_size=state.upload_widget_mb())
    given = c[1].file_uploader("Calibration to score (optional: calibration.toml, not refitted)", type=["toml"], key="cal_apply",
                               max_upload_size=state.upload_widget_mb())
    c = st.columns(3)
    zones = state.zone_choices()
    band_tz = c[0].selectbox("Time-of-day bands in", zones, index=zones.index(tz), key="cal_band_tz",
                             help="the zone of the bands' local hours (00-06, 06-12, 12-18, 18-24)")
    bands = c[1].toggle("Fit by time of day", value=True, key="cal_bands",
                        help="a band with enough intervals gets its own availability; the others use the channel's")
    patience = c[2].selectbox("Patience from", ["waits", "fit"], key="cal_patience",
                              format_func=lambda v: {"waits": "the waits (abandoned / total waiting time)",
                                                     "fit": "a fit to service level and abandonment"}[v])
    go = st.form_submit_button("Score the calibration" if given is not None else "Fit and score", type="primary")
if go:
    if actuals is None:
        st.warning("Choose an actuals file first.")
    else:
        try:
            with st.spinner("Fitting the staffing model to the actuals..."):
                state.calibrate(actuals, given, band_tz=band_tz, bands=bands, patience=patience)
            st.session_state.pop("calibration_error", None)
        except InputError as exc:
            st.session_state["calibration_error"] = exc
if "calibration_error" in st.session_state:
    state.show_input_error(st.session_state["calibration_error"], " in the actuals", keeps="the earlier calibration stays")

in_use = state.calibration_in_use()
if in_use is not None:
    st.info(f"The staffing uses the calibration fitted on {in_use.source} ({in_use.fitted_from} to {in_use.fitted_until}).")
    if st.button("Stop using the calibration"):
        state.use_calibration(None)
        st.rerun()

result = st.session_state.get("calibration_result")
if result is None or st.session_state.get("calibration_result_data") != state.data_id():
    st.stop()
cal = result.calibration
for n in result.notes:
    st.caption(f"note: {n}")

st.subheader("Fitted figures" if result.fitted else f"Calibration scored (fitted on {cal.source}, not refitted)")
rows = []
for channel, c in cal.channels.items():
    t = inp.targets.channels.get(channel)
    rows.append({
        "channel": channel, "availability": c.availability, "shrinkage it means": max(0.0, 1 - c.availability * (1 - c.absence_share)),
        "targets' shrinkage": t.shrinkage if t else None, "patience (s)": c.patience_s, "patience from": c.patience_from,
        "targets' patience (s)": t.patience_s if t else None, "intervals fitted": c.intervals, "fitted": c.fitted,
        "by time of day": ", ".join(f"{b.start_hour:02d}-{b.end_hour:02d}: {b.availability:.2f}" for b in c.bands if b.fitted) or "-",
    })
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
    "availability": st.column_config.NumberColumn(format="%.2f", help="share of agents_staffed available for the queue"),
    "shrinkage it means": st.column_config.NumberColumn(format="percent"),
    "targets' shrinkage": st.column_config.NumberColumn(format="percent"),
    "patience (s)": st.column_config.NumberColumn(format="%.0f"),
    "targets' patience (s)": st.column_config.NumberColumn(format="%.0f"),
})
st.caption(f"Time-of-day bands in {cal.band_tz}. Staffing with this calibration schedules agents_net / availability "
           "(the availability replaces 1 - shrinkage).")

sc = scores_frame(result)
st.subheader("Predicted vs observed")
st.dataframe(sc, hide_index=True, width="stretch", column_config={
    "sl_mae": st.column_config.NumberColumn("SL MAE", format="%.3f", help="mean absolute error of the service level"),
    "sl_bias": st.column_config.NumberColumn("SL bias", format="%+.3f", help="mean of predicted - observed (+: the model promises more)"),
    "abandon_mae": st.column_config.NumberColumn("abandonment MAE", format="%.3f"),
    "abandon_bias": st.column_config.NumberColumn("abandonment bias", format="%+.3f"),
    "noise_sl_mae": st.column_config.NumberColumn("SL MAE from sampling alone", format="%.3f",
                                                  help="the error a model that is exactly right would still show, from the intervals' sizes"),
})

bt = result.backtest
channel = st.selectbox("Channel", sorted(bt["channel"].unique()), key="cal_channel")
g = bt[bt["channel"] == channel].copy()
g["time"] = state.wall(g["ds"], tz)
g["hour"] = g["time"].dt.hour
by_hour = g.groupby("hour", as_index=False).apply(
    lambda d: pd.Series({
        "observed": (d["observed_sl"] * d["offered"]).sum() / d["offered"].sum(),
        "default model": (d["predicted_sl_default"] * d["offered"]).sum() / d["offered"].sum(),
        "calibrated": (d["predicted_sl_calibrated"] * d["offered"]).sum() / d["offered"].sum(),
    }), include_groups=False,
)
long = by_hour.melt(id_vars="hour", var_name="series", value_name="service level")
colors = alt.Scale(domain=["observed", "default model", "calibrated"], range=["#333333", "#d62728", "#2ca02c"])
c = st.columns(2)
c[0].markdown(f"**Service level by hour of day** ({tz}; weighted by contacts offered)")
c[0].altair_chart(alt.Chart(long).mark_line(point=True).encode(
    x=alt.X("hour:O", title=f"hour ({tz})"), y=alt.Y("service level:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
    color=alt.Color("series:N", scale=colors, title=None),
    tooltip=["hour:O", "series:N", alt.Tooltip("service level:Q", format=".1%")],
).properties(height=280), width="stretch")
pts = g.melt(id_vars=["observed_sl", "offered"], value_vars=["predicted_sl_default", "predicted_sl_calibrated"],
             var_name="series", value_name="predicted")
pts["series"] = pts["series"].map({"predicted_sl_default": "default model", "predicted_sl_calibrated": "calibrated"})
diag = alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]})).mark_line(color="#999999", strokeDash=[4, 3]).encode(x="x:Q", y="y:Q")
c[1].markdown("**Each interval: predicted vs observed service level** (on the dashed line: exact)")
c[1].altair_chart(alt.layer(alt.Chart(pts).mark_circle(opacity=0.35).encode(
    x=alt.X("observed_sl:Q", title="observed", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
    y=alt.Y("predicted:Q", title="predicted", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
    color=alt.Color("series:N", scale=colors, title=None), size=alt.Size("offered:Q", title="offered", legend=None),
    tooltip=[alt.Tooltip("observed_sl:Q", format=".1%"), alt.Tooltip("predicted:Q", format=".1%"), "series:N", "offered:Q"],
), diag).properties(height=280), width="stretch")

c = st.columns(3)
buf = io.StringIO()
formula_safe(with_iso(STAFFING_BACKTEST.order(bt))).to_csv(buf, index=False)
c[0].download_button("staffing_backtest.csv", buf.getvalue(), "staffing_backtest.csv", "text/csv", key="dl_cal_backtest", width="stretch")
c[1].download_button("calibration.toml", calibration_toml(cal), "calibration.toml", "application/toml", key="dl_cal_toml", width="stretch")
if c[2].button("Use this calibration for staffing", type="primary", width="stretch", disabled=in_use is cal):
    state.use_calibration(cal)
    st.rerun()
