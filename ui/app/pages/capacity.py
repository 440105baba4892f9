import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from forecast import tables
from forecast.errors import InputError
from forecast.io.files import write_table
from roster.planning.capacity import TOTAL_SITE, WEEKS_BOUNDS, capacity_settings, channel_totals, check_settings, summary_lines
from roster.schema import CAPACITY_BOUNDS
from ui.app import format as fmt
from ui.app import state

st.title("Capacity and hiring plan")
inp = state.page_setup()
if inp is None:
    st.stop()
st.caption("Weekly FTE required per channel and site from a long forecast (holidays and the season included, staffed interval by "
           "interval), against today's agents after attrition; the hiring classes and the overtime that close the gap at "
           "the least cost. The settings start from rules.toml's [capacity] section.")

cap = inp.rules.capacity


def _lim(name: str) -> tuple[float, float]:
    return CAPACITY_BOUNDS[name]


with st.form("capacity_form"):
    c = st.columns(4)
    weeks = c[0].number_input("Weeks to plan", min_value=WEEKS_BOUNDS[0], max_value=WEEKS_BOUNDS[1], value=26, step=1, key="cap_weeks")
    attrition = c[1].number_input("Attrition per month (%)", min_value=0.0, max_value=100.0, value=cap.attrition_per_month * 100,
                                  step=0.5, key="cap_attrition", help="share of agents, tenured and new, who leave each month")
    lead = c[2].number_input("Hiring lead time (weeks)", min_value=int(_lim("hiring_lead_weeks")[0]), max_value=int(_lim("hiring_lead_weeks")[1]),
                             value=cap.hiring_lead_weeks, step=1, key="cap_lead",
                             help="from opening a requisition to the hire's first day: no class starts earlier")
    training = c[3].number_input("Training (weeks at 0%)", min_value=int(_lim("training_weeks")[0]), max_value=int(_lim("training_weeks")[1]),
                                 value=cap.training_weeks, step=1, key="cap_training")
    c = st.columns(4)
    ramp_text = c[0].text_input("Ramp: handle time vs tenured, per week", value=", ".join(f"{m:g}" for m in cap.ramp_aht_multiplier),
                                key="cap_ramp", help="after training, a new hire's handle time as a multiple of a tenured agent's, "
                                                     "one per week, e.g. 1.6, 1.35, 1.2; productivity = 1 / multiplier")
    class_min = c[1].number_input("Class size, fewest", min_value=1, max_value=500, value=cap.class_size_min, step=1, key="cap_cmin")
    class_max = c[2].number_input("Class size, most", min_value=1, max_value=500, value=cap.class_size_max, step=1, key="cap_cmax")
    per_hire = c[3].number_input(f"Cost per hire ({fmt.currency_label(inp.rules.currency)})",
                                 min_value=0.0, value=float(cap.cost_per_hire), step=100.0, key="cap_per_hire")
    c = st.columns(4)
    ot_share = c[0].number_input("Overtime cap (% of contract hours)", min_value=0.0, max_value=100.0, value=cap.overtime_max_share * 100,
                                 step=1.0, key="cap_ot_share")
    ot_rate = c[1].number_input("Overtime rate (x base)", min_value=0.0, max_value=5.0, value=float(cap.overtime_rate), step=0.05,
                                key="cap_ot_rate", help="pay of an overtime hour as a multiple of the hourly cost; at least 1")
    overhead = c[2].number_input("Scheduling overhead (%)", min_value=0.0, max_value=100.0, value=cap.scheduling_overhead * 100,
                                 step=1.0, key="cap_overhead", help="hours added because shifts cannot follow the interval curve exactly")
    all_sites = sorted({a.site for a in inp.agents})
    hire_sites = c[3].multiselect("Hire at sites", all_sites, default=[s for s in (cap.sites or all_sites) if s in all_sites],
                                  key="cap_sites", help="the sites hiring classes may be placed at (capacity.sites); the "
                                                        "requirement of the others is covered by their agents and overtime")
    run = st.form_submit_button("Make the plan", type="primary", disabled=bool(state.running("capacity")))

if run:
    try:
        try:
            ramp = [float(v) for v in ramp_text.replace(";", ",").split(",") if v.strip()]
        except ValueError:
            raise InputError.one("Ramp", f"expected numbers separated by commas such as 1.6, 1.35, 1.2, found {ramp_text!r}") from None
        rules = capacity_settings(
            inp.rules, attrition_per_month=attrition / 100, hiring_lead_weeks=int(lead), training_weeks=int(training),
            ramp_aht_multiplier=ramp, class_size_min=int(class_min), class_size_max=int(class_max), cost_per_hire=float(per_hire),
            overtime_max_share=ot_share / 100, overtime_rate=float(ot_rate), scheduling_overhead=overhead / 100,
            sites=None if set(hire_sites) == set(all_sites) else list(hire_sites),
        )
        check_settings(rules.capacity, int(weeks))
    except InputError as exc:
        state.show_input_error(exc, " in the capacity settings", keeps="the last plan stays")
    else:
        state.start_capacity(int(weeks), rules)
        st.rerun()

state.show_job("capacity")
if not state.need("capacity", "Set the plan's weeks and settings and press **Make the plan** (about half a minute for 26 weeks)."):
    st.stop()

res = st.session_state["capacity"]
plan = res.plan
cur = inp.rules.currency
t = plan.table.copy()
totals = channel_totals(t)

m = st.columns(3)
m[0].metric("Hires", fmt.number(int(totals["hires_start"].sum())), help=f"in {len(plan.classes)} class(es), each one channel at one site")
m[1].metric("Overtime in the plan", f"{fmt.number(totals['overtime_h'].sum())} h")
m[2].metric("Smallest weekly gap", f"{plan.min_gap_fte:+.2f} FTE",
            help="available + overtime - required of a channel at a site; below 0: a week no plan can cover")
m = st.columns(3)
m[0].metric("Plan cost", fmt.money(plan.cost, cur), help="hires' wages to the horizon's end and recruiting, plus overtime")
m[1].metric("Overtime alone", fmt.money(plan.overtime_only_cost, cur),
            help=f"covering the same weeks without hiring, overtime uncapped (up to {plan.overtime_only_peak_share:.0%} more hours in a week)")
m[2].metric("Uncovered by overtime within the cap", f"{plan.overtime_only_capped_short_fte_weeks:,.1f} FTE-weeks",
            help="what overtime alone leaves uncovered when it keeps the overtime cap")
for line in res.notes:
    st.caption(f"note: {line}")
with st.expander("Summary as the command line prints it"):
    st.code("\n".join(summary_lines(res)), language=None)

channels = sorted(t["channel"].unique())
sites = sorted(set(t["site"]) - {TOTAL_SITE}) + [TOTAL_SITE]
pick = st.columns(2)
channel = pick[0].selectbox("Channel", channels, key="cap_channel")
site = pick[1].selectbox("Site", sites, key="cap_site", format_func=lambda v: "all sites" if v == TOTAL_SITE else v,
                         help="the channel's requirement is split by site where the sites' skills and hours decide (the FTE each "
                              "site's agents can put on the channel at each interval); hires are placed per site")
g = t[(t["channel"] == channel) & (t["site"] == site)].copy()
g["week_of"] = g["week_start"].dt.strftime("%Y-%m-%d")
long = g.melt(id_vars=["week", "week_of"], value_vars=["required_fte", "available_fte", "tenured_fte"], var_name="measure", value_name="fte")
long.loc[long["measure"] == "available_fte", "fte"] = (g["available_fte"] + g["overtime_fte"]).to_numpy()
names = {"required_fte": "required", "available_fte": "available + overtime", "tenured_fte": "today's agents, as assigned"}
long["measure"] = long["measure"].map(names)
lines = alt.Chart(long).mark_line(interpolate="step-after").encode(
    x=alt.X("week:Q", title="week of the horizon", axis=alt.Axis(tickMinStep=1)),
    y=alt.Y("fte:Q", title="FTE"),
    color=alt.Color("measure:N", title=None, scale=alt.Scale(domain=list(names.values()), range=["#d62728", "#1f77b4", "#7f7f7f"])),
    tooltip=["week:Q", alt.Tooltip("week_of:N", title="from (UTC)"), "measure:N", alt.Tooltip("fte:Q", format=".2f")],
)
starts = g[g["hires_start"] > 0]
marks = alt.Chart(starts).mark_rule(color="#2ca02c", strokeDash=[4, 3]).encode(
    x="week:Q", tooltip=["week:Q", alt.Tooltip("week_of:N", title="from (UTC)"), alt.Tooltip("hires_start:Q", title="hires start")])
labels = alt.Chart(starts).mark_text(color="#2ca02c", dy=-6, align="left", dx=3).encode(
    x="week:Q", y=alt.value(10), text=alt.Text("hires_start:Q", format="+d"))
st.markdown(f"**{channel}, {'all sites' if site == TOTAL_SITE else site}: required vs available FTE per week**; green: a hiring "
            "class starts (its size); grey: today's agents after attrition, multi-skilled ones put on this channel week by week "
            "as the plan assigns them (so it can rise)")
st.altair_chart(alt.layer(lines, marks, labels).properties(height=320), width="stretch")

if len(plan.classes):
    st.markdown("**Hiring classes**")
    classes = plan.classes.assign(week_start=plan.classes["week_start"].dt.strftime("%Y-%m-%d"))
    st.dataframe(classes.rename(columns={"week_start": "first day (UTC week)"}), hide_index=True, width="stretch")
else:
    st.info("No hiring class: today's agents and overtime cover the horizon.")

by_site = t[t["site"] != TOTAL_SITE]
if len(by_site):
    st.markdown("**Per site** (over the horizon)")
    st.dataframe(by_site.groupby(["channel", "site"], as_index=False).agg(
        required_fte_avg=("required_fte", "mean"), available_fte_week1=("available_fte", "first"), hires=("hires_start", "sum"),
        overtime_h=("overtime_h", "sum"), min_gap_fte=("gap_fte", "min"), cost=("cost", "sum")).round(2), hide_index=True, width="stretch")
st.markdown("**capacity.csv** (one row per week, channel and site, and the channel's total over the sites: site = all)")
show = t.assign(week_start=t["week_start"].dt.strftime("%Y-%m-%d"))
st.dataframe(show, hide_index=True, width="stretch")


def _csv_bytes(df: pd.DataFrame) -> bytes:
    with tempfile.TemporaryDirectory(prefix="shiftcast-capacity-") as tmp:
        path = Path(tmp) / tables.CAPACITY.name
        write_table(df, tables.CAPACITY, path)
        return path.read_bytes()


data = state.memo("capacity_csv", st.session_state["capacity_id"], lambda: _csv_bytes(plan.table))
st.download_button("Download capacity.csv", data, file_name=tables.CAPACITY.name, mime="text/csv")
st.caption(f"Made in {st.session_state.get('capacity_seconds', 0):.0f} s: " + ", ".join(f"{k} {v:.1f} s" for k, v in res.timings.items()))
