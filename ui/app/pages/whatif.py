import dataclasses
import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from forecast.errors import InputError
from forecast.scenario import PlannedEvent, apply_event, kinds_available
from roster.planning.whatif import compare, team_hourly_cost
from ui.app import charts, state
from ui.app import adopt_view as plan_for
from ui.app import format as fmt
from ui.scenarios import ScenarioError, ScenarioNameError, ScenarioStore

st.title("What-if: a sales event")
inp = state.page_setup()
if inp is None or not state.need("forecast", "Run the forecast first (Forecast page): a what-if event is laid over it."):
    st.stop()
fc = st.session_state["forecast"]
f = fc.forecast
zones = sorted(f["tz"].unique())
channels = sorted(f["channel"].unique())
kinds = kinds_available(fc.effects)
tz = state.display_tz()
hourly = team_hourly_cost(inp.agents, inp.rules)
currency = inp.rules.currency
money_unit = fmt.currency_label(currency)
first_day, last_day = f["ds"].min().date(), f["ds"].max().date()

# the form's starting values: a plain dict (not widget state), replaced when a saved scenario is opened
form = st.session_state.setdefault("wi_form", {
    "name": "Flash sale", "day": first_day + dt.timedelta(days=5), "time": dt.time(18, 0),
    "tz": "America/New_York" if "America/New_York" in zones else zones[0], "duration": 6.0, "mode": "uplift",
    "uplift": 1.4, "like": kinds[0] if kinds else None, "channels": channels, "zones": zones,
})
v = st.session_state.get("wi_form_version", 0)  # a new version draws the form afresh from `form`
tz_options = zones + [z for z in state.zone_choices() if z not in zones]
like_options = kinds or ["(none learned)"]
with st.form("whatif_form"):
    c = st.columns(3)
    name = c[0].text_input("Event name", value=form["name"], key=f"wi_name_{v}")
    day = c[1].date_input("Date", value=min(max(form["day"], first_day), last_day), min_value=first_day, max_value=last_day, key=f"wi_day_{v}")
    at = c[2].time_input("Start time", value=form["time"], step=dt.timedelta(minutes=15), key=f"wi_time_{v}")
    c = st.columns(3)
    tz_start = c[0].selectbox("Time zone of the start", tz_options, index=tz_options.index(form["tz"]) if form["tz"] in tz_options else 0,
                              key=f"wi_tz_{v}")
    duration = c[1].number_input("Duration (hours)", min_value=0.25, max_value=72.0, value=float(form["duration"]), step=0.5, key=f"wi_duration_{v}")
    mode = c[2].radio("Effect", ["uplift", "like a past event"], index=0 if form["mode"] == "uplift" else 1, horizontal=True, key=f"wi_mode_{v}",
                      help="uplift: the forecast times this factor during the event; like a past event: the multipliers the forecast learned "
                           "from past events of that kind (e.g. last Black Friday), with their after-event days")
    c = st.columns(3)
    uplift = c[0].number_input("Expected uplift (x normal volume)", min_value=1.0, max_value=10.0, value=float(form["uplift"]), step=0.1,
                               key=f"wi_uplift_{v}")
    like = c[1].selectbox("Like past events of kind", like_options, index=like_options.index(form["like"]) if form["like"] in like_options else 0,
                          disabled=not kinds, key=f"wi_like_{v}")
    c = st.columns(2)
    ev_channels = c[0].multiselect("Channels", channels, default=[x for x in form["channels"] if x in channels], key=f"wi_channels_{v}")
    ev_zones = c[1].multiselect("Customer zones", zones, default=[z for z in form["zones"] if z in zones], key=f"wi_zones_{v}")
    go = st.form_submit_button("Simulate the event", type="primary")

if go:
    try:
        if not ev_zones:
            raise ValueError("choose at least one customer zone")
        event = PlannedEvent(
            name=name, start=dt.datetime.combine(day, at), local_tz=tz_start, duration_h=duration, channels=tuple(ev_channels),
            zones=tuple(ev_zones), uplift=uplift if mode == "uplift" else None, like_kind=like if mode != "uplift" else None,
        )
        st.session_state["whatif_event"] = event
        # a new simulation is a new, unsaved scenario: its name is the event's, and no saved scenario is open
        st.session_state["wi_save_name"] = event.name
        for k in ("wi_open", "wi_confirm"):
            st.session_state.pop(k, None)
        # what was entered stays in the form when the planner comes back to this page
        st.session_state["wi_form"] = {"name": name, "day": day, "time": at, "tz": tz_start, "duration": duration, "mode": mode,
                                       "uplift": uplift, "like": like if kinds else None, "channels": ev_channels, "zones": ev_zones}
    except ValidationError as exc:
        st.error("The event is not valid: " + "; ".join(f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in exc.errors()))
    except ValueError as exc:
        st.error(f"The event is not valid: {exc}")


def comparison(event: PlannedEvent):
    roster = st.session_state.get("roster")
    settings = state.plan_settings()
    key = (st.session_state["forecast_id"], event.model_dump_json(), st.session_state.get("roster_id"), settings)

    def run():
        scenario = apply_event(f, event, fc.effects)
        return compare(f, scenario, inp.targets, grid=fc.grid, hourly_cost=hourly, coverage=roster.coverage if roster is not None else None,
                       seed=settings.seed, runs=settings.simulation_runs, peak_correction=settings.peak_correction,
                       volume_quantile=settings.volume_quantile)

    with st.spinner("Staffing the scenario and simulating the current roster against it..."):
        return state.memo("whatif", key, run)


def save_scenario(name: str, event_json: dict, results: dict, replace_id: str | None) -> None:
    """Save under ``name``: a new name adds a scenario; the open scenario's name (or a confirmed one) replaces it;
    any other existing name asks the planner first (a callback: runs before the page is drawn)."""
    st.session_state.pop("wi_confirm", None)
    try:
        sid = ScenarioStore().save(name, event_json, results, replace_id=replace_id)
    except ScenarioNameError as exc:
        if exc.existing_id is None:
            st.session_state["wi_save_error"] = f"Could not save the scenario: {exc}"
        else:
            st.session_state["wi_confirm"] = {"name": name.strip(), "id": exc.existing_id, "event": event_json, "results": results}
        return
    except ScenarioError as exc:
        st.session_state["wi_save_error"] = f"Could not save the scenario: {exc}"
        return
    st.session_state["wi_open"] = {"id": sid, "name": name.strip()}
    st.session_state["wi_saved"] = f"{'Replaced' if sid == replace_id else 'Saved'} '{name.strip()}'."


def save_clicked(event_json: dict, results: dict) -> None:
    name = st.session_state.get("wi_save_name", "")
    opened = st.session_state.get("wi_open")
    save_scenario(name, event_json, results, opened["id"] if opened and opened["name"] == name.strip() else None)


def save_row(event_json: dict, results: dict, default_name: str) -> None:
    """The "Save as" field and button, and the question when the name is another scenario's."""
    st.session_state.setdefault("wi_save_name", (st.session_state.get("wi_open") or {}).get("name", default_name))
    c = st.columns([3, 1])
    c[0].text_input("Save as", key="wi_save_name", on_change=lambda: st.session_state.pop("wi_confirm", None),
                    help="a new name adds a scenario; the name of the scenario you opened or saved last replaces it; "
                         "any other saved scenario's name asks first")
    c[1].markdown("&nbsp;")
    c[1].button("Save scenario", width="stretch", on_click=save_clicked, args=(event_json, results))
    confirm = st.session_state.get("wi_confirm")
    if confirm:
        st.warning(f"A saved scenario is already named '{confirm['name']}'. Replace it with this one, or choose another name above.")
        c = st.columns([1, 1, 3])
        c[0].button(f"Replace '{confirm['name']}'", on_click=save_scenario,
                    args=(confirm["name"], confirm["event"], confirm["results"], confirm["id"]))
        c[1].button("Cancel", on_click=lambda: st.session_state.pop("wi_confirm", None))
    if "wi_saved" in st.session_state:
        st.success(st.session_state.pop("wi_saved"))
    if "wi_save_error" in st.session_state:
        st.error(st.session_state.pop("wi_save_error"))


event = st.session_state.get("whatif_event")
if event is not None:
    try:
        cmp = comparison(event)
    except InputError as exc:
        state.show_input_error(exc, " in the what-if event", keeps="the forecast is unchanged")
        cmp = None
    if cmp is not None:
        tot = cmp.totals
        start, end = event.span_utc()
        st.subheader(f"{event.name}: scenario vs baseline")
        st.caption(f"Event {state.stamp(start, tz)} to {state.stamp(end, tz)} ({tz}); compared over "
                   f"{state.stamp(tot.window[0], tz, '%a %Y-%m-%d')} to {state.stamp(tot.window[1], tz, '%a %Y-%m-%d')} ({tz}).")
        m = st.columns(4)
        m[0].metric("Extra contacts", f"{tot.extra_contacts:+,.0f}")
        m[1].metric("Extra agent-hours", f"{tot.extra_agent_h:+,.1f} h", help="agents to schedule (after shrinkage) x hours, scenario minus baseline; an event that only adds contacts "
                    "is staffed on top of the baseline (no interval loses agents)")
        m[2].metric("Extra cost", fmt.money(tot.extra_cost, currency, signed=True),
                    help=f"extra agent-hours x the team's average hourly cost ({fmt.per_hour(hourly, currency)} per paid hour, "
                         "from the contracts in the labour rules)")
        m[3].metric("Peak extra agents", f"{tot.peak_extra_agents:+d}", help="the most extra agents needed in one interval, all channels")

        s = cmp.summary
        if tot.simulated:
            st.markdown("**Service level if the roster is not changed** (simulated, the current roster against both forecasts)")
            m = st.columns(len(s))
            for col, r in zip(m, s.itertuples()):
                col.metric(f"{r.channel} (target {r.target_sl:.0%})", f"{r.sl_scenario:.1%}" if r.sl_scenario == r.sl_scenario else "n/a",
                           delta=f"{(r.sl_scenario - r.sl_baseline) * 100:+.1f} pts vs baseline" if r.sl_baseline == r.sl_baseline else None)
        else:
            roster = st.session_state.get("roster_settings")
            st.info("Build a roster (Roster page) for the week of the event to see the service level if the roster is not changed."
                    if roster is None else f"The roster (week of {fmt.day(roster['week_start'])}) does not cover the event's days: "
                    "build one for that week to see the service level if the roster is not changed.")
        table = s.rename(columns={"contacts_baseline": "contacts, baseline", "contacts_scenario": "contacts, scenario",
                                  "extra_contacts": "extra contacts", "agent_h_baseline": "agent-h, baseline",
                                  "agent_h_scenario": "agent-h, scenario", "extra_agent_h": "extra agent-h", "extra_cost": f"extra cost ({money_unit})",
                                  "peak_extra_agents": "peak extra agents", "sl_baseline": "SL if unchanged, baseline",
                                  "sl_scenario": "SL if unchanged, scenario", "target_sl": "target SL"})
        first = ["channel", "extra contacts", "extra agent-h", f"extra cost ({money_unit})", "peak extra agents", "SL if unchanged, scenario",
                 "SL if unchanged, baseline", "target SL"]
        table = table[[c for c in first if c in table.columns] + [c for c in table.columns if c not in first]]
        styles = {c: "{:,.0f}" for c in table.columns if c.startswith(("contacts", "extra contacts", "extra cost", "peak"))}
        styles.update({c: "{:,.1f}" for c in table.columns if "agent-h" in c})
        styles.update({c: "{:.1%}" for c in table.columns if "SL" in c})
        for col in [c for c in table.columns if "SL" in c]:
            table[col] = pd.to_numeric(table[col], errors="coerce")
        st.dataframe(table.style.format(styles, na_rep="n/a"), hide_index=True, width="stretch")

        iv = cmp.intervals.copy()
        iv["time"] = state.wall(iv["ds"], tz)
        lo_t, hi_t = iv["time"].min(), iv["time"].max() + fc.grid.step
        x = charts.x_time("time", tz, lo_t, hi_t)
        mark = pd.DataFrame({"label": [event.name], "kind": ["what-if"], "start": state.wall(pd.Series([start]), tz),
                             "end": state.wall(pd.Series([end]), tz), "when": [f"{state.stamp(start, tz)} to {state.stamp(end, tz)} ({tz})"]})
        tot_iv = iv.groupby("time", as_index=False)[["agents_required_baseline", "agents_required_scenario"]].sum()
        long = tot_iv.melt(id_vars="time", var_name="plan", value_name="agents")
        long["plan"] = long["plan"].str.replace("agents_required_", "")
        long["when"] = long["time"].dt.strftime("%a %Y-%m-%d %H:%M")
        lines = alt.Chart(long).mark_line(interpolate="step-after").encode(
            x=x, y=alt.Y("agents:Q", title="agents to schedule, all channels"),
            color=alt.Color("plan:N", scale=alt.Scale(domain=["baseline", "scenario"], range=["#8c8c8c", "#9467bd"]), ),
            strokeWidth=alt.condition(alt.datum.plan == "scenario", alt.value(2), alt.value(1.2)),
            tooltip=[alt.Tooltip("when:N", title=f"time ({tz})"), "plan:N", "agents:Q"],
        )
        st.markdown("**Agents to schedule, all channels: baseline and scenario**")
        st.altair_chart(alt.layer(*charts.event_layers(mark), lines).properties(height=300)
                        .resolve_scale(color="independent"), width="stretch")
        extra = iv[iv["extra_agents"] != 0].copy()
        if len(extra):
            extra["when"] = extra["time"].dt.strftime("%a %Y-%m-%d %H:%M")
            bars = alt.Chart(extra).mark_bar(width={"band": 0.9}).encode(
                x=alt.X("time:T", title=f"time ({tz})", scale=alt.Scale(type="utc", domain=[lo_t.isoformat(), hi_t.isoformat()]),
                        axis=charts.time_axis(lo_t, hi_t)),
                y=alt.Y("sum(extra_agents):Q", title="extra agents per interval"),
                color=alt.Color("channel:N", scale=charts.channel_scale(iv["channel"])),
                tooltip=[alt.Tooltip("when:N", title=f"time ({tz})"), "channel:N", alt.Tooltip("extra_agents:Q", title="extra agents")],
            )
            st.markdown("**Extra agents needed per interval, by channel**")
            st.altair_chart(bars.properties(height=240), width="stretch")

        results = {k: v for k, v in dataclasses.asdict(tot).items() if k != "window"}
        results["channels"] = s.astype(object).where(s.notna(), None).to_dict("records")
        save_row(event.model_dump(mode="json"), results, event.name)

st.subheader("Saved scenarios")
if "wi_message" in st.session_state:  # what a rename, delete or open could not do
    st.error(st.session_state.pop("wi_message"))
try:
    store = ScenarioStore()
    table = store.table(state.roster_fingerprint())
except ScenarioError as exc:
    st.error(f"The saved scenarios cannot be shown: {exc}")
    st.stop()
st.session_state.setdefault("wi_store_notes", []).extend(store.notes)  # e.g. duplicates removed when an old store was upgraded
for note in st.session_state["wi_store_notes"]:
    st.warning(note)
st.caption(f"Kept in {store.path} (one transaction per change, shared safely by every user and app process); "
           "they stay after the app restarts.")
state.show_job("refresh")
refreshed = st.session_state.get("refreshed")
if refreshed and refreshed["roster_id"] == st.session_state.get("roster_id"):
    ok = [d.name for d in refreshed["done"] if d.refreshed]
    if ok:
        st.success("Re-planned on the current roster (the roster changed): " + ", ".join(f"'{n}'" for n in ok)
                   + "; their figures are current.")
    for d in refreshed["done"]:
        if not d.refreshed:
            st.warning(f"'{d.name}' could not be re-planned on the current roster: {d.message}")
if table.empty:
    st.caption("No saved scenarios yet.")
else:
    st.dataframe(table.drop(columns="id"), hide_index=True, width="stretch", column_config={
        "duration_h": st.column_config.NumberColumn("hours", format="%.1f"),
        "extra_contacts": st.column_config.NumberColumn("extra contacts", format=fmt.column_format(0)),
        "extra_agent_h": st.column_config.NumberColumn("extra agent-h", format=fmt.column_format(1, "h")),
        "extra_cost": st.column_config.NumberColumn(f"extra cost ({money_unit})", format=fmt.column_format(0, money_unit)),
        "peak_extra_agents": st.column_config.NumberColumn("peak extra agents", format="%d"),
        "lowest_sl_if_unchanged": st.column_config.NumberColumn("lowest SL if roster unchanged", format="percent"),
        "planned": st.column_config.TextColumn("planned for", help="current: planned for on the current roster; stale: planned for "
                                                                  "on another roster (plan for it again)"),
        "adopted_extra_cost": st.column_config.NumberColumn(f"planned extra cost ({money_unit})", format=fmt.column_format(0, money_unit)),
    })
    pick = st.multiselect("Compare in the chart", table["id"], format_func=lambda i: table.set_index("id").loc[i, "name"],
                          key="wi_compare", placeholder="all saved scenarios")
    shown = table[table["id"].isin(pick)] if pick else table
    if len(shown) > 1:
        long = shown.melt(id_vars="name", value_vars=["extra_agent_h", "extra_cost"], var_name="measure", value_name="value")
        long["measure"] = long["measure"].map({"extra_agent_h": "extra agent-hours", "extra_cost": f"extra cost ({money_unit})"})
        st.altair_chart(alt.Chart(long).mark_bar().encode(
            y=alt.Y("name:N", title=None), x=alt.X("value:Q", title=None), color=alt.Color("name:N", legend=None),
            column=alt.Column("measure:N", title=None), tooltip=["name:N", "measure:N", alt.Tooltip("value:Q", format=",.1f")],
        ).properties(width=380, height=max(60, 24 * len(shown))).resolve_scale(x="independent"))
    c = st.columns([2, 2, 1, 1])
    target = c[0].selectbox("Scenario", table["id"], format_func=lambda i: table.set_index("id").loc[i, "name"], key="wi_target")
    new_name = c[1].text_input("New name", key="wi_new_name")
    c[2].markdown("&nbsp;")
    c[3].markdown("&nbsp;")

    def open_scenario(sid: str) -> None:
        """Put a saved event in the form and compare it with the current forecast (a callback: runs before the form is drawn)."""
        try:
            saved = store.get(sid)
        except ScenarioError as exc:
            st.session_state["wi_message"] = f"Could not open the scenario: {exc}"
            return
        if saved is None:
            st.session_state["wi_message"] = "That scenario no longer exists (deleted meanwhile?)."
            return
        ev = saved["event"]
        start = dt.datetime.fromisoformat(ev["start"])
        values = {"name": ev["name"], "day": start.date(), "time": start.time(), "tz": ev["local_tz"], "duration": float(ev["duration_h"]),
                  "mode": "uplift" if ev.get("uplift") else "like a past event", "uplift": float(ev.get("uplift") or 1.4),
                  "like": ev.get("like_kind") or (kinds[0] if kinds else None), "channels": list(ev["channels"]),
                  "zones": list(ev["zones"] or zones)}
        st.session_state["wi_form"] = values
        st.session_state["wi_form_version"] = st.session_state.get("wi_form_version", 0) + 1
        # the opened scenario is the one a save under its name replaces
        st.session_state["wi_open"] = {"id": sid, "name": saved["name"]}
        st.session_state["wi_save_name"] = saved["name"]
        st.session_state.pop("wi_confirm", None)
        try:
            st.session_state["whatif_event"] = PlannedEvent(**ev)
        except ValidationError as exc:
            st.session_state["wi_message"] = f"The saved event is no longer valid: {exc.errors()[0]['msg']}"

    def rename_scenario(sid: str) -> None:
        new = st.session_state["wi_new_name"].strip()
        try:
            store.rename(sid, new)
        except ScenarioError as exc:
            st.session_state["wi_message"] = f"Could not rename the scenario: {exc}"
            return
        st.session_state["wi_new_name"] = ""
        if (st.session_state.get("wi_open") or {}).get("id") == sid:
            st.session_state["wi_open"] = {"id": sid, "name": new}

    def delete_scenario(sid: str) -> None:
        try:
            store.delete(sid)
        except ScenarioError as exc:
            st.session_state["wi_message"] = f"Could not delete the scenario: {exc}"
            return
        if (st.session_state.get("wi_open") or {}).get("id") == sid:
            st.session_state.pop("wi_open")

    c[2].button("Open", on_click=open_scenario, args=(target,), width="stretch",
                help="put this scenario's event in the form above and compare it with the current forecast")
    c[3].button("Delete", on_click=delete_scenario, args=(target,), width="stretch")
    if new_name.strip():
        st.button(f"Rename to '{new_name.strip()}'", on_click=rename_scenario, args=(target,))

    plan_for.section(store, table, target)
