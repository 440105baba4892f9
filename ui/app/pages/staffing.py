import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from forecast.errors import InputError
from roster.staffing import queueing as q
from roster.staffing.requirements import queue_metrics
from ui.app import charts, state
from ui.app import format as fmt

st.title("Staffing")
inp = state.page_setup()
if inp is None or not state.need("requirements", "Run the forecast first (Forecast page): staffing is computed with it."):
    st.stop()
tz = state.display_tz()
current = state.staffing_settings()

with st.form("staffing_form"):
    c = st.columns([2, 2, 1])
    # keyed: without a key a widget whose default changed (after "Recompute staffing") is a new widget on the next
    # run, and the next change submitted in the form would be dropped for the new default
    peak = c[0].toggle("Peak correction", value=current["peak_correction"], key="st_peak",
                       help="staff calls and chats for the load actually in the system when volume changes fast (modified offered load): "
                            "staffing stays up while a peak's contacts are still being handled")
    quantiles = {"each channel's target setting": None, "the mean forecast": "mean", "the 90% quantile (volume_hi)": 0.9}
    labels = list(quantiles)
    now = current["volume_quantile"]
    choice = c[1].selectbox("Staff every channel for", labels, index=[quantiles[k] for k in labels].index(now) if now in quantiles.values() else 0,
                            key="st_staff_for",
                            help="the mean forecast, or its 90% quantile so that busier-than-expected intervals are covered too")
    apply = c[2].form_submit_button("Recompute staffing")
if apply:
    wanted = quantiles[choice]
    try:
        with st.spinner("Staffing every channel and interval..."):
            state.restaff(peak, wanted)
    except InputError as exc:
        state.show_input_error(exc, " in the staffing", keeps="the earlier requirements stay")
req = st.session_state["requirements"]
used = st.session_state.get("requirements_settings", current)
if st.session_state.get("roster_settings", {}).get("requirements_id", st.session_state["requirements_id"]) != st.session_state["requirements_id"]:
    st.warning("The roster on the Roster page was built for earlier staffing settings; build it again to follow these requirements.")

c = st.columns([1, 3])
channel = c[0].selectbox("Channel", sorted(req["channel"].unique()))
t = inp.targets.channels[channel]
cal = state.calibration_in_use()
if cal is not None:  # the requirements were staffed for the calibrated targets: show and explain those
    from roster.staffing.calibration import calibrated_targets

    t = calibrated_targets(inp.targets, cal)[0].channels[channel]
facts = [f"**{t.model}**", f"target **{t.target_sl:.0%} within {fmt.duration(t.target_s)}**" + (" of open time" if t.model == "deferred" else ""),
         f"shrinkage **{t.shrinkage:.0%}**", f"occupancy cap **{t.max_occupancy:.0%}**"]
if t.model == "chat":
    facts.append(f"{t.concurrency:g} chats at once on average (at most {t.max_concurrency}), +{t.handle_time_growth:.0%} handle time per extra chat")
if t.model == "erlang_a":
    facts.append(f"customers wait {fmt.duration(t.patience_s)} on average before hanging up" + (f", abandonment at most {t.max_abandon_rate:.0%}" if t.max_abandon_rate else ""))
if t.model == "deferred":
    facts.append(f"open **{t.open_from:%H:%M}-{t.open_until:%H:%M} {t.open_tz}**" if t.open_from and t.open_until else "open around the clock")
else:
    facts.append("peak correction **on**" if used["peak_correction"] else "peak correction off")
q_used = {None: t.volume_quantile, "mean": None}.get(used["volume_quantile"], used["volume_quantile"])
facts.append(f"staffed for the **{q_used:.0%} quantile** of volume" if q_used else "staffed for the mean forecast")
c[1].markdown("  \n".join([" · ".join(facts[:4]), " · ".join(facts[4:])]))
if cal is not None and channel in cal.channels and cal.channels[channel].fitted:
    cc = cal.channels[channel]
    c[1].caption(f"Calibrated on {cal.source} (Calibration page): {cc.availability:.0%} of the agents staffed available"
                 + (", by time of day" if any(b.fitted for b in cc.bands) else "")
                 + (f", patience {fmt.duration(cc.patience_s)}" if cc.patience_s else "")
                 + "; the shrinkage and patience shown are the calibrated ones, not the targets'.")

g = req[req["channel"] == channel].sort_values("ds").copy()
g["time"] = state.wall(g["ds"], tz)
g["date"] = g["time"].dt.strftime("%a %Y-%m-%d")
g["time_of_day"] = g["time"].dt.strftime("%H:%M")
g["when"] = g["time"].dt.strftime("%a %Y-%m-%d %H:%M")
step_s = state.requirements_grid().interval_s

# marks for the heatmap's rows: holidays and events by local date
fc = st.session_state["forecast"]
day_marks: dict[str, list[str]] = {}
if fc.events is not None and len(fc.events):
    ev = fc.events[(fc.events["channel"] == channel) & (fc.events["end"] > g["ds"].min()) & (fc.events["start"] <= g["ds"].max())]
    # each event on its own local date(s): Black Friday on Friday's row whatever the zone shown
    day_marks = {fmt.day(d): names for d, names in fmt.event_days(ev).items()}
g["row"] = g["date"].map(lambda d: d + ("  \u25cf " + ", ".join(day_marks[d]) if d in day_marks else ""))

st.subheader(f"{channel}: agents to schedule per interval")
heat = alt.Chart(g).mark_rect().encode(
    x=alt.X("time_of_day:O", title=f"time of day ({tz})", axis=alt.Axis(values=[f"{h:02d}:00" for h in range(0, 24, 2)], labelAngle=0)),
    y=alt.Y("row:O", title=None, sort=None, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
    color=alt.Color("agents_required:Q", title="agents", scale=alt.Scale(scheme="blues")),
    tooltip=[alt.Tooltip("when:N", title=f"time ({tz})"), alt.Tooltip("volume:Q", title="contacts", format=",.1f"),
             alt.Tooltip("agents_net:Q", title="agents on the channel"), alt.Tooltip("agents_required:Q", title="agents to schedule"),
             alt.Tooltip("predicted_sl:Q", title="predicted service level", format=".1%")],
).properties(height=alt.Step(16))
st.altair_chart(heat, width="stretch")
st.caption("Rows are dates in the zone shown; \u25cf marks holidays and events on that date. Hover for the figures.")

c = st.columns([1, 1, 2])
_, lo_t, hi_t = charts.zoom(c[0], c[1], g["ds"], pd.Timedelta(seconds=step_s), tz, default="week", key="st_zoom")
view = g[(g["time"] >= lo_t) & (g["time"] < hi_t)]
x = charts.x_time("time", tz, lo_t, hi_t)
long = view.melt(id_vars=["time", "when"], value_vars=["agents_net", "agents_required"], var_name="measure", value_name="agents")
long["measure"] = long["measure"].map({"agents_net": "on the channel", "agents_required": "to schedule"})
agents = alt.Chart(long).mark_line(interpolate="step-after").encode(
    x=x, y=alt.Y("agents:Q", title="agents"),
    color=alt.Color("measure:N", title=None, scale=alt.Scale(range=[charts.CHANNEL_COLORS.get(channel, "#4c78a8"), "#333333"]),
),
    tooltip=[alt.Tooltip("when:N", title=f"time ({tz})"), "measure:N", "agents:Q"],
).properties(height=260)
sl = alt.Chart(view).mark_line(interpolate="step-after", color="#2ca02c").encode(
    x=x, y=alt.Y("predicted_sl:Q", title="predicted service level", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
    tooltip=[alt.Tooltip("when:N", title=f"time ({tz})"), alt.Tooltip("predicted_sl:Q", format=".1%")],
)
target = alt.Chart(pd.DataFrame({"target": [t.target_sl]})).mark_rule(color=charts.SHORT_COLOR, strokeDash=[5, 4]).encode(y="target:Q")
vol = alt.Chart(view).mark_area(opacity=0.3, color="#7f7f7f", interpolate="step-after").encode(
    x=x, y=alt.Y("volume:Q", title=f"contacts per {step_s / 60:.0f} min"),
    tooltip=[alt.Tooltip("when:N", title=f"time ({tz})"), alt.Tooltip("volume:Q", format=",.1f"), alt.Tooltip("volume_staffed:Q", title="staffed for", format=",.1f")],
)
staffed_line = alt.Chart(view).mark_line(interpolate="step-after", color="#333333", strokeDash=[3, 2], strokeWidth=1).encode(x=x, y="volume_staffed:Q")
st.markdown(f"**{channel}: agents per interval**")
st.altair_chart(agents, width="stretch")
c = st.columns(2)
c[0].markdown("**Contacts** (grey) and the volume staffed for (dashed)")
c[0].altair_chart(alt.layer(vol, staffed_line).properties(height=230), width="stretch")
c[1].markdown(f"**Predicted service level**; red: the {t.target_sl:.0%} target")
c[1].altair_chart(alt.layer(sl, target).properties(height=230), width="stretch")

# ---- by queue -----------------------------------------------------------------
by_queue = st.session_state.get("requirements_by_queue")
if by_queue is not None and (by_queue["queue"] != by_queue["channel"]).any():
    qg = by_queue[by_queue["channel"] == channel]
    st.subheader(f"{channel}: requirements by queue")
    rows = []
    for queue, qq in qg.groupby("queue", sort=True):
        rows.append({"queue": queue, "target": f"{qq['target_sl'].iloc[0]:.0%} within {fmt.duration(qq['target_s'].iloc[0])}",
                     "contacts": qq["volume"].sum(), "handle time (s)": (qq["volume"] * qq["aht_s"]).sum() / max(qq["volume"].sum(), 1e-9),
                     "agent-hours to schedule": qq["agents_required"].sum() * step_s / 3600, "peak agents": int(qq["agents_required"].max())})
    st.dataframe(pd.DataFrame(rows).round({"contacts": 0, "handle time (s)": 0, "agent-hours to schedule": 0}), hide_index=True,
                 width="stretch", key="st_by_queue")
    qv = qg.assign(time=state.wall(qg["ds"], tz))
    qv = qv[(qv["time"] >= lo_t) & (qv["time"] < hi_t)]
    st.altair_chart(alt.Chart(qv).mark_area(interpolate="step-after").encode(
        x=x, y=alt.Y("agents_required:Q", title="agents to schedule", stack=True), color=alt.Color("queue:N", title="queue"),
        tooltip=["queue:N", alt.Tooltip("agents_required:Q", title="agents to schedule")],
    ).properties(height=220), width="stretch")
    st.caption("Each queue is staffed on its own (its own target and handle time, agents dedicated to it while they serve it); "
               "the channel's requirement above, which the roster covers, is the sum of its queues' (no pooling between queues).")

# ---- explain one interval ---------------------------------------------------
st.subheader("Explain one interval")
options = list(range(len(g)))
pick = st.selectbox(f"Interval ({tz})", options, index=int(g["agents_required"].to_numpy().argmax()),
                    format_func=lambda i: g["when"].iloc[i] + f"  ({g['agents_required'].iloc[i]} agents)", key="st_pick")
row = g.iloc[pick]
n = int(row["agents_net"])
lam_series = g["volume_staffed"].to_numpy(float) / step_s
aht_series = g["aht_s"].to_numpy(float)
load_mean = row["volume"] * row["aht_s"] / step_s
load_staffed = row["volume_staffed"] * row["aht_s"] / step_s
lines = [f"**{row['volume']:.1f} contacts** forecast in {step_s / 60:.0f} minutes from {row['when']} ({tz}), average handle time **{row['aht_s']:.0f} s**"]
if abs(row["volume_staffed"] - row["volume"]) > 1e-6:
    lines.append(f"staffed for **{row['volume_staffed']:.1f} contacts**, the forecast's {q_used:.0%} quantile")
lines.append(f"offered load = {row['volume_staffed']:.1f} x {row['aht_s']:.0f} s / {step_s:.0f} s = **{load_staffed:.2f} Erlangs** (agents busy all the time)")
if t.model != "deferred":
    if used["peak_correction"]:
        modified = q.modified_offered_load(lam_series, aht_series, step_s)[pick]
        lines.append(f"peak correction: the load actually in the system here is **{modified:.2f} Erlangs** "
                     f"({'above' if modified > load_staffed + 0.005 else 'below' if modified < load_staffed - 0.005 else 'equal to'} "
                     "the interval's own, as contacts of the intervals before are still being handled)")
        lam = modified / row["aht_s"]
    else:
        lam = load_staffed / row["aht_s"]
    a = lam * row["aht_s"]
    if t.model == "chat":
        lines.append(f"chat: {a:.2f} chats in progress at once; an agent holds {t.concurrency:g} on average")

    lines.append(f"model **{t.model}**, target {t.target_sl:.0%} within {fmt.duration(t.target_s)}, occupancy at most {t.max_occupancy:.0%} "
                 f"-> **{n} agents on the channel**: predicted service level {row['predicted_sl']:.1%}, occupancy {row['predicted_occupancy']:.0%}, "
                 f"average answer {fmt.duration(row['predicted_asa_s'])}" + (f", abandonment {row['predicted_abandon_rate']:.1%}" if t.model == "erlang_a" else ""))
    if n > 0:
        fewer = queue_metrics(t, np.array([n - 1]), np.array([lam]), np.array([row["aht_s"]]))
        why = []
        if float(fewer["sl"][0]) < t.target_sl:
            why.append(f"service level {float(fewer['sl'][0]):.1%} below the target")
        if float(fewer["occupancy"][0]) > t.max_occupancy + 1e-9:
            why.append(f"occupancy {float(fewer['occupancy'][0]):.0%} above the cap")
        if t.model == "erlang_a" and t.max_abandon_rate and float(fewer["abandon_rate"][0]) > t.max_abandon_rate:
            why.append(f"abandonment {float(fewer['abandon_rate'][0]):.1%} above the cap")
        lines.append(f"with {n - 1} agents: " + ("; ".join(why) if why else
                     f"service level {float(fewer['sl'][0]):.1%}, occupancy {float(fewer['occupancy'][0]):.0%}"))
else:
    lines.append(
        f"deferred work: contacts wait in a first-in-first-out backlog ({row['backlog']:.1f} waiting at the end of this interval); "
        f"the fewest agent-hours over the whole horizon that answer {t.target_sl:.0%} of each interval's contacts within {fmt.duration(t.target_s)} of open time "
        f"put **{row['agents_net_exact']:.2f} agents** here (a linear programme over the horizon, not this interval alone) -> **{n} on the channel**"
    )
    if t.open_from and t.open_until:
        lines.append(f"open {t.open_from:%H:%M}-{t.open_until:%H:%M} {t.open_tz}: no agents while closed; contacts then wait for the opening")
base = float(row["agents_net_exact"]) if t.model == "deferred" else float(n)
lines.append(f"shrinkage {row['shrinkage']:.0%}: {base:.2f} / (1 - {row['shrinkage']:.2f}) = {base / (1 - row['shrinkage']):.2f}, "
             f"rounded up = **{row['agents_required']} agents to schedule**")
st.markdown("\n".join(f"{i + 1}. {line}" for i, line in enumerate(lines)))
st.caption(f"Mean load {load_mean:.2f} Erlangs; figures as the staffing computed them (requirements.csv on the Export page).")
