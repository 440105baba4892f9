import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from forecast.errors import InputError
from roster.planning.settings import bounds, default
from roster.roster_io import load_roster
from roster.rostering import check_roster_weeks, default_week_start, roster_weeks
from roster.rostering.check import RosterCheck, check_roster
from ui.app import charts, state
from ui.app import format as fmt

st.title("Roster")
inp = state.page_setup()
if inp is None or not state.need("requirements", "Run the forecast first (Forecast page): the roster covers its requirements."):
    st.stop()
grid = state.requirements_grid()
site_zones = sorted({a.site_tz for a in inp.agents})
first = default_week_start(grid.start, site_zones)
mondays = roster_weeks(grid, site_zones)

busy = bool(state.running("roster"))
last = st.session_state.get("roster_settings", {})
with st.form("roster_form"):
    c = st.columns([2, 1, 1, 1, 1])
    options = mondays or [first]
    week = c[0].selectbox("Week starting (site local Monday)", options, index=options.index(last["week_start"]) if last.get("week_start") in options else 0,
                          format_func=fmt.day)
    most = max(1, min(bounds("weeks")[1], len(mondays)))
    weeks = c[1].number_input("Weeks", min_value=bounds("weeks")[0], max_value=most, value=min(most, int(last.get("weeks", default("weeks")))),
                              help="consecutive weeks rostered together (rest and weekly rules across them)")
    lo_s, hi_s = bounds("time_limit_s")
    limit = c[2].number_input("Solver time limit (s)", min_value=int(lo_s), max_value=int(hi_s), value=int(last.get("time_limit_s", default("time_limit_s"))), step=5,
                              help="the whole search, from the first roster to the exact model: an upper limit to the effort")
    lo_e, hi_e = bounds("effort")
    effort = c[3].number_input("Search effort", min_value=int(lo_e), max_value=int(hi_e), value=int(last.get("effort", default("effort"))), step=10,
                               help="the search's work budget: the same data and seed give the same roster (unless the time limit ends "
                                    "the search first); more usually means fewer shortfalls; 0 = search until the time limit")
    c[4].markdown("&nbsp;")
    go = c[4].form_submit_button("Build roster", type="primary", disabled=busy, width="stretch")
    previous_upload = st.file_uploader(
        "Previous roster (optional): the roster.csv already published for the week before", type=["csv"], key="previous_roster",
        help="Its shifts that reach into this roster (evening and night shifts of the day before) stand and count as coverage; "
             "rest and consecutive days are kept across the boundary. Without one, those shifts of the day before are rostered too.")
if go:
    try:
        check_roster_weeks(grid, site_zones, week, int(weeks))
    except InputError as exc:
        st.error(f"**The roster cannot be built for these weeks**: {exc.problems[0].message}.")
    else:
        try:
            previous = state.load_previous_roster(previous_upload, week) if previous_upload is not None else None
        except InputError as exc:
            state.show_input_error(exc, " in the previous roster", keeps="no roster was built")
        else:
            state.start_roster(week, int(weeks), float(limit), int(effort), previous)
            st.rerun()  # draw the page again with the step running (button disabled, progress in the sidebar)
state.show_job("roster")


def check_upload(up) -> RosterCheck:
    """The uploaded roster (roster.csv's format) read and checked against the loaded agents, rules, time off and requirements."""
    state.check_upload_sizes(up)
    interval_min = inp.rules.roster_interval_min(grid.interval_min)
    with tempfile.TemporaryDirectory(prefix="shiftcast-check-") as tmp:
        path = Path(tmp) / "roster.csv"
        path.write_bytes(up.getvalue())
        table = load_roster(path, inp.agents, inp.rules, interval_min=interval_min, label=up.name)
    return check_roster(table, inp.agents, inp.rules, inp.time_off, interval_min=interval_min,
                        requirements=st.session_state["requirements"], grid=grid)


with st.expander("Check an edited roster", expanded=False):
    st.caption("Upload a roster in roster.csv's format (this page's export, edited by hand in a spreadsheet): every broken labour rule "
               "is listed with its agent and date, and its coverage is compared with the current requirements. Nothing is replaced.")
    up = st.file_uploader("Edited roster (roster.csv)", type=["csv"], key="ro_check_upload", max_upload_size=state.upload_widget_mb())
    if up is not None:
        try:
            checked = check_upload(up)
        except InputError as exc:
            state.show_input_error(exc, f" in {up.name}", keeps="the roster was not checked")
        else:
            if checked.violations:
                st.error(f"**{len(checked.violations)} rule violation(s)** in {up.name} (week(s) from {checked.week_start:%a %Y-%m-%d}).")
                st.dataframe(pd.DataFrame([{"rule": v.rule, "agent": v.agent_id, "date": checked.where(v), "problem": v.message}
                                           for v in checked.violations]), hide_index=True, width="stretch")
            else:
                st.success(f"{up.name} keeps every labour rule (week(s) from {checked.week_start:%a %Y-%m-%d}).")
            st.markdown("**Coverage it gives against the current requirements**")
            st.dataframe(checked.channels, hide_index=True, width="stretch", column_config={
                "required_agent_h": st.column_config.NumberColumn("required agent-h", format="%.1f"),
                "scheduled_agent_h": st.column_config.NumberColumn("scheduled agent-h", format="%.1f"),
                "short_agent_h": st.column_config.NumberColumn("short agent-h", format="%.1f"),
                "intervals_understaffed": st.column_config.NumberColumn("understaffed intervals", format="%d"),
                "intervals": st.column_config.NumberColumn("intervals", format="%d"),
            })

if busy and "roster" not in st.session_state:
    st.stop()

if not state.need("roster", "Build a roster to see it here (the search takes the time limit; the sample's 120 agents need about a minute)."):
    st.stop()
res = st.session_state["roster"]
rs = st.session_state["roster_settings"]
sim = st.session_state.get("simulation")
k = res.kpis
tz = state.display_tz()
if rs.get("requirements_id") != st.session_state.get("requirements_id"):
    st.warning("These requirements changed after the roster was built (Staffing page): the coverage below compares with the old ones. Build it again.")

how = {"OPTIMAL": "proven optimal by the exact model", "FEASIBLE": "the exact model's best within the time limit",
       "LNS": "the search's best, each agent's week re-solved by the exact model against everyone else's (not proven optimal)",
       "HEURISTIC": "the search's best within the time limit (not proven optimal)"}.get(k.status, k.status)
st.caption(f"Roster for the week(s) from {fmt.day(rs['week_start'])} (site local), built in {rs['seconds']:.0f} s: {how}; "
           + (f"after the previous roster {rs['previous_roster']}; " if rs.get("previous_roster") else "")
           + f"first complete roster after {k.first_solution_s:.1f} s; the search was ended by "
           + {"work budget": "its work budget (the same data and seed give the same roster)",
              "time limit": "the time limit (another run may differ: raise the limit or lower the effort to reproduce)",
              "converged": "having nothing left to improve"}.get(k.search_ended_by, k.search_ended_by or "the time limit")
           + ". Hard rules checked by the validator: "
           + ("all kept." if not k.violations else f"**{k.violations} violation(s)** (see the notes)."))
if res.notes:
    with st.expander(f"{len(res.notes)} note(s) from the solver", expanded=bool(k.violations)):
        for note in res.notes:
            st.markdown(f"- {note}")

m = st.columns(5)
m[0].metric("Paid hours", f"{k.paid_h:,.0f} h")
currency = inp.rules.currency
m[1].metric("Cost", fmt.money(k.cost, currency),
            help=f"paid hours x each contract's hourly cost (labour rules), in {fmt.currency_label(currency)}"
                 + ("" if currency else ": set currency in rules.toml to name it"))
m[2].metric("Shifts", f"{k.shifts:,}", help=f"{k.agents_rostered} of {len(inp.agents)} agents rostered")
m[3].metric("Required agent-h", f"{k.required_agent_h:,.0f} h", help="agents to schedule per interval (after shrinkage) x hours, all channels")
m[4].metric("Switches per shift", f"{k.switches_per_shift_mean:.2f}", delta=f"{k.switches_per_shift_max} at most", delta_color="off",
            delta_arrow="off",
            help=f"changes of channel inside a shift, on average ({k.channel_switches:,} in all"
                 + (f", {k.shifts_over_max_switches} shift(s) above the rules' limit" if k.shifts_over_max_switches else "")
                 + "); every stretch on one channel lasts min_channel_block_min and a shift changes channel at most "
                 "max_channel_switches times (rules.toml)"
                 + (f"; these rules cost {k.channel_block_cost_agent_h:,.1f} agent-hours of cover on these shifts, against "
                    "channels chosen freely every interval" if k.channel_block_cost_agent_h == k.channel_block_cost_agent_h else ""))
m = st.columns(5)
unavoidable = k.bound_short_agent_h
m[0].metric("Understaffed (agent-h)", f"{k.under_agent_h:,.0f}",
            delta=f"{unavoidable:,.0f} unavoidable" if unavoidable == unavoidable else None, delta_color="off", delta_arrow="off",
            help="agent-hours short of the requirement; 'unavoidable': short even in the coverage programme's relaxation (shifts as fractions), "
                 "so no roster of these agents, rules and shift shapes can do better")
m[1].metric("Overstaffed (agent-h)", f"{k.over_agent_h:,.0f}", help="agent-hours scheduled above the requirement")
m[2].metric("Short intervals", f"{k.intervals_understaffed:,}", help="channel-intervals with fewer agents than required")
m[3].metric("Gap to lower bound", "n/a" if k.gap != k.gap else f"{k.gap:.1%}",
            help=f"objective {k.objective:,.0f} against the coverage programme's lower bound "
                 + ("(not reached within the time limit: raise it)" if k.bound != k.bound else f"{k.bound:,.0f}")
                 + "; 0% would be proven optimal")
if k.unreachable_agent_h > 0:
    m[4].metric("No agent can work (agent-h)", f"{k.unreachable_agent_h:,.0f}", help="required where no agent with the skill can work at all")

if sim is not None and len(sim):
    st.markdown("**Simulated service level per channel** (this roster, less shrinkage, against the forecast; "
                f"{rs['simulation_runs']} simulated runs)")
    m = st.columns(len(sim))
    for col, r in zip(m, sim.itertuples()):
        if r.service_level != r.service_level:  # no contacts on the channel in this horizon: nothing to measure
            col.metric(f"{r.channel} (target {r.target_sl:.0%})", "no contacts",
                       help="no contacts forecast on this channel in the roster's horizon")
            continue
        col.metric(f"{r.channel} (target {r.target_sl:.0%})", f"{r.service_level:.1%}", delta=f"{(r.service_level - r.target_sl) * 100:+.1f} pts",
                   help=f"{r.intervals_meeting_target:.0%} of intervals with contacts meet the target; average answer {fmt.duration(r.asa_s)}"
                        + (f"; abandonment {r.abandon_rate:.1%}" if r.abandon_rate else ""))

# ---- how to close the gap ---------------------------------------------------------
if k.under_agent_h > 0:
    st.subheader("How to close the gap")
    st.caption("The cheapest additions that remove the shortfall, from the coverage programme re-solved with them as choices: "
               "overtime (rules.toml [overtime]: cap and rate), training agents on another channel, temporary agents by site, "
               "channel and start window ([temps]), new hires by contract, site and skills ([additions]). Each is applied after "
               "the ones above it; accept some and re-roster to see what the roster actually reaches.")
    gap_state = st.session_state.get("gap")
    gap_busy = bool(state.running("gap")) or bool(state.running("gap_check"))
    if gap_state is None or gap_state["roster_id"] != st.session_state.get("roster_id"):
        if st.button("Find what closes the gap", disabled=gap_busy or busy, key="gap_find"):
            state.start_gap()
            st.rerun()
    state.show_job("gap")
    gap_state = st.session_state.get("gap")
    if gap_state is not None and gap_state["roster_id"] == st.session_state.get("roster_id"):
        gap = gap_state["result"]
        st.markdown(f"This roster is **{gap.short_agent_h:,.1f} agent-h** short; no roster of this team can go below "
                    f"{gap.floor_agent_h:,.1f}.")
        for note in gap.notes:
            st.caption(note)
        if gap.recommendations:
            recs = gap.frame()
            recs.insert(0, "accept", True)
            edited = st.data_editor(
                recs.drop(columns=["agent_ids", "currency"]), hide_index=True, width="stretch", key="gap_table",
                disabled=[c for c in recs.columns if c != "accept"],
                column_config={
                    "accept": st.column_config.CheckboxColumn("accept", help="re-roster with this one's agents"),
                    "removed_agent_h": st.column_config.NumberColumn("removes (agent-h)", format="%.1f"),
                    "cost": st.column_config.NumberColumn(f"cost ({fmt.currency_label(currency)})", format="%.0f"),
                    "short_after_agent_h": st.column_config.NumberColumn("short after (agent-h)", format="%.1f"),
                    "expected_sl_after": st.column_config.TextColumn("expected SL after"),
                })
            accepted = [int(r) for r, ok in zip(edited["rank"], edited["accept"]) if ok]
            c = st.columns([2, 2, 3])
            if c[0].button("Re-roster with the accepted ones", type="primary", disabled=gap_busy or busy or not accepted, key="gap_reroster"):
                state.start_gap_check(gap, accepted)
                st.rerun()
            c[1].download_button("recommended_agents.csv (accepted)", gap.agents_frame(accepted).to_csv(index=False).encode(),
                                 file_name="recommended_agents.csv", mime="text/csv", key="gap_download",
                                 help="agents.csv rows: add them to the team, or shiftcast roster ... --extra-agents recommended_agents.csv")
            state.show_job("gap_check")
            check_state = st.session_state.get("gap_check")
            if check_state is not None and check_state["roster_id"] == st.session_state.get("roster_id"):
                chk = check_state["result"]
                rows = [{"figure": "shortfall (agent-h)", "now": gap.short_agent_h, "predicted": chk.predicted_short_agent_h,
                         "re-rostered": chk.actual_short_agent_h}]
                for ch in sorted(set(chk.actual_sl) | set(chk.predicted_sl)):
                    rows.append({"figure": f"{ch} service level", "now": gap.sl_before.get(ch, float("nan")),
                                 "predicted": chk.predicted_sl.get(ch, float("nan")), "re-rostered": chk.actual_sl.get(ch, float("nan"))})
                st.markdown(f"**Re-rostered with recommendation(s) {', '.join(map(str, check_state['accepted']))}**: "
                            "what the roster actually reaches next to the prediction")
                st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                             column_config={c: st.column_config.NumberColumn(format="%.3f") for c in ("now", "predicted", "re-rostered")})

# ---- filters ------------------------------------------------------------------
agents = {a.agent_id: a for a in inp.agents}
ros = res.roster
c = st.columns(3)
site = c[0].multiselect("Site", sorted({a.site for a in inp.agents}), key="ro_site")
skill = c[1].multiselect("Skill", sorted({s for a in inp.agents for s in a.skills}), key="ro_skill")
who = c[2].multiselect("Agent", sorted(ros["agent_id"].unique()), key="ro_agent",
                       format_func=lambda i: f"{i} {agents[i].name}" if i in agents else i)
keep_ids = {i for i, a in agents.items() if (not site or a.site in site) and (not skill or set(skill) & set(a.skills)) and (not who or i in who)}

# ---- coverage -----------------------------------------------------------------
st.subheader("Coverage vs requirement")
cov = res.coverage.copy()
cov["time"] = state.wall(cov["ds"], tz)
cov["when"] = cov["time"].dt.strftime("%a %Y-%m-%d %H:%M")
cov["short"] = (cov["required"] - cov["scheduled"]).clip(lower=0)
cov["short_top"] = cov[["required", "scheduled"]].max(axis=1)
lo_t, hi_t = cov["time"].min(), cov["time"].max() + grid.step
totals = cov.groupby(["channel"], as_index=False)[["required", "scheduled", "short"]].sum()
st.caption(f"Agents per {grid.interval_min}-minute interval ({tz}): filled = scheduled on the channel, black line = required, "
           "red = short. All agents (the filters apply to the chart of shifts below).")
for channel in sorted(cov["channel"].unique()):
    d = cov[cov["channel"] == channel]
    x = charts.x_time("time", tz, lo_t, hi_t, title="")
    tip = [alt.Tooltip("when:N", title=f"time ({tz})"), "required:Q", "scheduled:Q", "short:Q"]
    sched = alt.Chart(d).mark_area(interpolate="step-after", opacity=0.45, color=charts.CHANNEL_COLORS.get(channel, "#4c78a8")).encode(
        x=x, y=alt.Y("scheduled:Q", title="agents"), tooltip=tip)
    short = alt.Chart(d).mark_area(interpolate="step-after", color=charts.SHORT_COLOR, opacity=0.8).encode(x=x, y="scheduled:Q", y2="short_top:Q")
    need_line = alt.Chart(d).mark_line(interpolate="step-after", color="#111111", strokeWidth=1.1).encode(x=x, y="required:Q", tooltip=tip)
    row = totals[totals["channel"] == channel].iloc[0]
    h = grid.interval_h
    title = (f"{channel}: required {row['required'] * h:,.0f} agent-h, scheduled {row['scheduled'] * h:,.0f}, "
             f"short {row['short'] * h:,.0f}")
    st.markdown(f"**{title}**")
    if not (d["required"].any() or d["scheduled"].any()):
        st.caption(f"No {channel} requirement in this horizon and nobody scheduled on it.")
        continue
    st.altair_chart(alt.layer(sched, short, need_line).properties(height=190), width="stretch")

# ---- Gantt ----------------------------------------------------------------------
st.subheader("Shifts")
c = st.columns([1, 2])
view = c[0].segmented_control("Show", ["one day", "whole week"], default="one day", key="ro_view") or "one day"
days = sorted(ros["local_date"].unique())
# open on the roster's first day: shifts dated before it are the week before's (boundary shifts reaching into it)
first_day = next((i for i, d in enumerate(days) if str(d) >= str(rs["week_start"])), 0)
day = c[1].selectbox("Site local date", days, index=first_day, key="ro_day", disabled=view != "one day",
                     format_func=fmt.day)
g = ros[ros["agent_id"].isin(keep_ids)]
if view == "one day":
    g = g[g["local_date"] == day]
g = g.copy()
if g.empty:
    st.caption("No shifts for this selection.")
else:
    g["start"] = state.wall(g["start_utc"], tz)
    g["end"] = state.wall(g["end_utc"], tz)
    g["who"] = g["agent_id"].map(lambda i: f"{i} {agents[i].name} · {agents[i].site}" if i in agents else i)
    g["what"] = g["activity"].where(g["activity"] != "shift", g["channel"])
    g["from_to"] = g["start"].dt.strftime("%a %H:%M") + "-" + g["end"].dt.strftime("%H:%M")
    g["site_time"] = [f"{pd.Timestamp(a).tz_convert(z):%H:%M}-{pd.Timestamp(b).tz_convert(z):%H:%M} {z}" for a, b, z in
                      zip(g["start_utc"], g["end_utc"], g["site_tz"])]
    order = list(dict.fromkeys(g[g["activity"] == "shift"].sort_values(["start", "agent_id"])["who"]))
    # a week starts at the display zone's local midnight (wall times: floor to the day), a day on its first hour
    unit = "h" if view == "one day" else "D"
    lo, hi = g["start"].min().floor(unit), g["end"].max().ceil(unit)
    x = alt.X("start:T", title=f"time ({tz})", scale=alt.Scale(type="utc", domain=[lo.isoformat(), hi.isoformat()]), axis=charts.time_axis(lo, hi))
    y = alt.Y("who:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False, labelFontSize=11))
    domain = list(charts.CHANNEL_COLORS) + list(charts.PAUSE_COLORS)
    color = alt.Color("what:N", title="activity", scale=alt.Scale(domain=domain, range=list(charts.CHANNEL_COLORS.values()) + list(charts.PAUSE_COLORS.values())),
)
    tip = [alt.Tooltip("who:N", title="agent"), "activity:N", "channel:N", alt.Tooltip("from_to:N", title=f"time ({tz})"),
           alt.Tooltip("site_time:N", title="site time"), "shift_id:N"]
    shifts = alt.Chart(g[g["activity"] == "shift"]).mark_bar(height={"band": 0.75}).encode(x=x, x2="end:T", y=y, color=color, tooltip=tip)
    pauses = alt.Chart(g[g["activity"] != "shift"]).mark_bar(height={"band": 0.45}).encode(x=x, x2="end:T", y=y, color=color, tooltip=tip)
    title = (f"shifts of {len(order)} agent(s) starting on {fmt.day(day)} (site local date)" if view == "one day"
             else f"the week's shifts of {len(order)} agent(s)")
    st.markdown(f"**{title}**")
    st.altair_chart(alt.layer(shifts, pauses).properties(height=alt.Step(20)), width="stretch")
    st.caption("Each bar is a shift, coloured by the channel worked in each stretch; thin bars inside are breaks (light) and lunches (dark). "
               "Hover for the site's local time.")

per_agent = ros[(ros["activity"] == "shift") & ros["agent_id"].isin(keep_ids)].groupby("agent_id").agg(
    shifts=("shift_id", "nunique"), paid_h=("paid_h", "sum"), channels=("channel", lambda s: ", ".join(sorted(set(s)))))
table = pd.DataFrame([{"agent": i, "name": a.name, "site": a.site, "contract": a.contract, "skills": ", ".join(a.skills)}
                      for i, a in agents.items() if i in keep_ids]).set_index("agent").join(per_agent).fillna({"shifts": 0, "paid_h": 0, "channels": ""})
with st.expander(f"Hours per agent ({len(table)} agents)"):
    st.dataframe(table, width="stretch", column_config={"paid_h": st.column_config.NumberColumn("paid hours", format=fmt.column_format(1, "h")),
                                                        "shifts": st.column_config.NumberColumn(format="%,d")})

st.subheader("Why it looks like this")
pen = res.penalties.copy()
total = pen["cost"].sum()
pen["share of objective"] = pen["cost"] / total if total else 0.0
st.dataframe(pen, hide_index=True, width="stretch", column_config={
    "count": st.column_config.NumberColumn(format=fmt.column_format(0)),
    "cost": st.column_config.NumberColumn("objective points", format=fmt.column_format(0)),
    "share of objective": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0),
})
st.caption("The solver minimises the sum of these named penalties: understaffing first (heaviest at each channel's peak), then paid time, "
           "then the soft rules (weekends, late shifts, preferred days off, days off together).")
