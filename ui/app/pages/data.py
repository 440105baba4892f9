import altair as alt
import pandas as pd
import streamlit as st

from forecast.errors import InputError
from roster.io import agents_frame
from ui.app import charts, state
from ui.app import format as fmt

st.title("Data")
inp = state.page_setup()
if "load_error" in st.session_state:
    state.show_input_error(st.session_state["load_error"], f" in {state.data_dir()}", keeps="load other files below")

with st.expander("Load other data", expanded=inp is None or "upload_error" in st.session_state):
    st.caption(
        f"Upload any of the files (CSV, UTF-8, optionally gzip; the history also as Parquet; TOML for targets and rules; at most {state.max_upload_mb():g} MB each). "
        f"Files you do not upload are taken from {state.data_dir()}. Everything is validated before it replaces the loaded data."
    )
    with st.form("upload_form"):
        cols = st.columns(3)
        types = {"history": ["csv", "gz", "parquet"], "targets": ["toml"], "rules": ["toml"]}  # the others are CSV
        # the widget states the limit and refuses bigger files; state.load_uploads checks the exact figure
        files = {kind: cols[i % 3].file_uploader(label, type=types.get(kind, ["csv"]), key=f"up_{kind}",
                                                 max_upload_size=state.upload_widget_mb())
                 for i, (kind, label) in enumerate(state.UPLOAD_KINDS.items())}
        submitted = st.form_submit_button("Validate and load uploads", type="primary")
    if submitted:
        chosen = {k: v for k, v in files.items() if v is not None}
        if not chosen:
            st.warning("Choose at least one file to upload.")
        else:
            try:
                with st.spinner("Validating the uploads..."):
                    inp = state.load_uploads(chosen)
                st.session_state.pop("upload_error", None)
                st.success("Loaded: " + ", ".join(v.name for v in chosen.values()) + ". Earlier forecasts and rosters were cleared.")
            except InputError as exc:
                st.session_state["upload_error"] = exc
    if "upload_error" in st.session_state:
        state.show_input_error(st.session_state["upload_error"], " in the upload")
    if st.button(f"Reload {state.data_dir().name}"):
        try:
            inp = state.load_folder(state.data_dir(), source=f"folder {state.data_dir()}")
            st.session_state.pop("upload_error", None)
        except InputError as exc:
            state.show_input_error(exc)

if inp is None:
    st.stop()

tz = state.display_tz()
h = inp.history


def summary() -> tuple[int, pd.DataFrame]:
    """The history's interval length in minutes and its contacts per channel and customer zone."""
    step = inp.grid.interval_min
    per = h.pivot_table(index="channel", columns="tz", values="volume", aggfunc="sum", margins=True, margins_name="all")
    return step, per


step_min, per_zone = state.memo("data_summary", state.data_id(), summary)
files = st.session_state.get("source_files", {})
st.caption(f"Source: {st.session_state.get('source', '')}")

m = st.columns(6)
m[0].metric("History", f"{(h['ds'].max() - h['ds'].min()).days + 1:,} days", help=f"{fmt.stamp(h['ds'].min(), tz)} to {fmt.stamp(h['ds'].max(), tz)} ({tz})")
m[1].metric("Contacts", f"{h['volume'].sum():,.0f}")
m[2].metric("Channels", fmt.number(h["channel"].nunique()))
m[3].metric("Customer zones", fmt.number(h["tz"].nunique()))
m[4].metric("Agents", fmt.number(len(inp.agents)))
m[5].metric("Sites", fmt.number(len({a.site for a in inp.agents})))

ev = inp.events
user_events = ev.drop_duplicates("event") if ev is not None else pd.DataFrame(columns=["event", "kind", "start", "end"])
sites = sorted({f"{a.site} ({a.site_tz})" for a in inp.agents})
loaded = pd.DataFrame([
    {"input": "history", "file": files.get("history", ""),
     "what was loaded": f"{len(h):,} rows; {fmt.stamp(h['ds'].min(), tz)} to {fmt.stamp(h['ds'].max(), tz)} ({tz}); {step_min}-minute intervals; "
                        f"channels {', '.join(sorted(h['channel'].unique()))}; customer zones {', '.join(sorted(h['tz'].unique()))}"
                        + (f"; queues {', '.join(sorted(h['queue'].unique()))}" if "queue" in h and (h["queue"] != h["channel"]).any() else "")},
    {"input": "events", "file": files.get("events", "(none)"),
     "what was loaded": f"{len(user_events)} event(s): " + ", ".join(user_events["event"].head(8)) + (" ..." if len(user_events) > 8 else "")
                        + "; public holidays and retail events are added by the forecast"},
    {"input": "agents", "file": files.get("agents", ""), "what was loaded": f"{len(inp.agents)} agents at {', '.join(sites)}"},
    {"input": "time off", "file": files.get("time_off", "(none)"),
     "what was loaded": f"{len(inp.time_off)} period(s) for {len({t.agent_id for t in inp.time_off})} agent(s)"},
    {"input": "targets", "file": files.get("targets", ""), "what was loaded": ", ".join(
        [f"{c} {t.target_sl:.0%} in {fmt.duration(t.target_s)}" for c, t in inp.targets.channels.items()]
        + [f"queue {n} ({q.channel}) {(t := inp.targets.for_queue(n, q.channel)).target_sl:.0%} in {fmt.duration(t.target_s)}"
           for n, q in inp.targets.queues.items()])},
    {"input": "labour rules", "file": files.get("rules", ""), "what was loaded": f"rostered on the plan's {inp.grid.interval_min}-minute grid; contracts "
                        + ", ".join(f"{n} ({c.min_week_h:g}-{c.max_week_h:g} h/week, {fmt.per_hour(c.hourly_cost, inp.rules.currency)})" for n, c in inp.rules.contracts.items())},
    {"input": "shift templates", "file": files.get("templates", "(none)"), "what was loaded": "; ".join(
        f"{n}: " + ", ".join(f"{s.name} {s.start:%H:%M} {s.length_h:g} h" for s in c.shifts)
        for n, c in inp.rules.contracts.items() if c.shifts) or "none: any start in each contract's window, on the shift start grid"},
])
st.table(loaded.set_index("input"))
if inp.notes:
    with st.expander(f"{len(inp.notes)} note(s) from validation"):
        for note in inp.notes:
            st.caption(note)

st.subheader("Contacts per channel and customer zone")
st.dataframe(per_zone.style.format("{:,.0f}"), width="stretch")

c = st.columns([3, 2])
c[0].subheader(f"Contacts over time ({tz})")
grain = c[1].segmented_control("Show", ["per week, whole history", "per day, last 13 weeks"], default="per week, whole history", key="data_grain")
weekly = grain != "per day, last 13 weeks"


def over_time() -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp, int]:
    """Contacts per period and channel, the UTC span of the history shown and the days of the whole history (wall time)."""
    local = state.wall(h["ds"], tz)
    if weekly:  # whole weeks only: a partial first or last week would look like a drop
        period = local.dt.floor("D") - pd.to_timedelta(local.dt.day_of_week, unit="D")
        days = local.dt.floor("D").groupby(period).nunique()
        shown = h.assign(period=period)[period.isin(days[days == 7].index)]
        if shown.empty:
            shown = h.assign(period=period)
    else:
        shown = h[local >= local.max().floor("D") - pd.Timedelta(weeks=13)].assign(period=local.dt.floor("D"))
    per = shown.groupby(["period", "channel"], as_index=False)["volume"].sum()
    per["label"] = per["period"].dt.strftime("week of %a %Y-%m-%d" if weekly else "%a %Y-%m-%d")
    return per, shown["ds"].min(), shown["ds"].max(), (local.max() - local.min()).days


per, shown_from, shown_to, history_days = state.memo("data_over_time", (state.data_id(), tz, weekly), over_time)
lines = alt.Chart(per).mark_line(strokeWidth=1.5, interpolate="step-after" if weekly else "linear").encode(
    x=alt.X("period:T", title=f"{'week (Monday)' if weekly else 'day'} ({tz})", scale=alt.Scale(type="utc"),
            axis=alt.Axis(format="%b %Y" if weekly and history_days > 180 else "%d %b", labelAngle=0)),
    y=alt.Y("volume:Q", title=f"contacts per {'week' if weekly else 'day'}"),
    color=alt.Color("channel:N", scale=charts.channel_scale(per["channel"])),
    tooltip=[alt.Tooltip("label:N", title=tz), "channel:N", alt.Tooltip("volume:Q", title="contacts", format=",.0f")],
)
layers = [lines]
if len(user_events):
    marks = user_events[(user_events["start"] >= shown_from) & (user_events["start"] <= shown_to)]
    if len(marks):
        marks = marks.assign(start=state.wall(marks["start"], tz), when=marks["start"].map(lambda t: state.stamp(t, tz)))
        layers.append(alt.Chart(marks).mark_rule(color=charts.EVENT_COLORS["event"], strokeDash=[3, 3]).encode(
            x=alt.X("start:T", scale=alt.Scale(type="utc")),
            tooltip=[alt.Tooltip("event:N"), alt.Tooltip("kind:N"), alt.Tooltip("when:N", title=f"start ({tz})")]))
st.altair_chart(alt.layer(*layers).properties(height=300), width="stretch")
st.caption("Dashed red lines: the events of the events file (hover for their names); public holidays and retail events are marked on the Forecast page.")

st.subheader("Service targets")
targets = pd.DataFrame([
    {"channel": c, "model": t.model, "target": f"{t.target_sl:.0%} within {fmt.duration(t.target_s)}", "default handle time": fmt.duration(t.aht_s),
     "shrinkage": f"{t.shrinkage:.0%}", "occupancy cap": f"{t.max_occupancy:.0%}",
     "opening hours": (f"{t.open_from:%H:%M}-{t.open_until:%H:%M} {t.open_tz}" if t.open_from and t.open_until else "always open")
     if t.model == "deferred" else "-",
     "staffed for": "mean forecast" if t.volume_quantile is None else f"{t.volume_quantile:.0%} quantile"}
    for c, t in inp.targets.channels.items()
])
st.dataframe(targets, hide_index=True, width="stretch")
if inp.targets.queues:
    st.caption("Queues with targets of their own (every other field is their channel's): " + "; ".join(
        f"**{n}** ({q.channel}): " + ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}"
                                              for k, v in q.model_dump(exclude_none=True, exclude={"channel"}).items())
        for n, q in inp.targets.queues.items()))

st.subheader("Team")
team = agents_frame(inp.agents)
c = st.columns(2)
c[0].dataframe(team.groupby(["site", "site_tz", "contract"], as_index=False).size().rename(columns={"size": "agents"}), hide_index=True, width="stretch")
skills = team.assign(skill=team["skills"].str.split("|")).explode("skill").groupby(["site", "skill"]).size().unstack(fill_value=0)
if any(a.queues for a in inp.agents):
    c[1].caption("Skills by channel; agents naming a queue among their skills: " + ", ".join(
        f"{q} {sum(q in a.queues for a in inp.agents)}" for q in sorted({q for a in inp.agents for q in a.queues})))
c[1].dataframe(skills, width="stretch")
with st.expander(f"All {len(team)} agents and {len(inp.time_off)} time-off periods"):
    st.dataframe(team, hide_index=True, width="stretch", height=300)
    if inp.time_off:
        off = pd.DataFrame([t.model_dump(exclude={"file", "line"}) for t in inp.time_off])
        for col in ("start", "end"):
            off[col] = pd.to_datetime(off[col], utc=True).dt.tz_convert(tz).dt.strftime(fmt.STAMP)
        st.dataframe(off.rename(columns={"start": f"start ({tz})", "end": f"end ({tz})"}), hide_index=True, width="stretch")
