"""Chart building blocks shared by the pages (altair): colours, time axes that say their zone, event bands, the zoom control.

Times reach the charts as wall-clock times labelled UTC (``state.wall``) and
every time scale here is a UTC scale, so an axis shows exactly the zone its
title names, in any browser.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ui.app import format as fmt
from ui.app.state import wall

CHANNEL_COLORS = {"voice": "#4c78a8", "chat": "#f58518", "email": "#54a24b", "social": "#b279a2"}
PAUSE_COLORS = {"break": "#d9d9d9", "lunch": "#7f7f7f"}
SHORT_COLOR = "#d62728"
EVENT_COLORS = {"holiday": "#7f7f7f", "event": "#d62728", "what-if": "#9467bd"}


def channel_scale(channels) -> alt.Scale:
    names = [c for c in CHANNEL_COLORS if c in set(channels)] + sorted(set(channels) - set(CHANNEL_COLORS))
    return alt.Scale(domain=names, range=[CHANNEL_COLORS.get(c, "#17becf") for c in names])


def time_axis(start, end) -> alt.Axis:
    """A readable time axis for the span ``[start, end)``: dates for weeks, hours for days (24-hour clock).

    Ticks are placed here (at midnights or whole hours of the wall times),
    not by the chart library, so they fall on the zone's own clock.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    days = (end - start) / pd.Timedelta(days=1)
    if days > 15:
        fmt, step = "%a %d %b", pd.Timedelta(days=2)
    elif days > 3.5:
        fmt, step = "%a %d %b", pd.Timedelta(days=1)
    elif days > 1.5:
        fmt, step = "%a %H:%M", pd.Timedelta(hours=6)
    else:
        fmt, step = "%H:%M", pd.Timedelta(hours=1)
    first = start.ceil("D") if step >= pd.Timedelta(days=1) else start.ceil("h")
    ticks = pd.date_range(first, end, freq=step)
    return alt.Axis(format=fmt, values=[t.isoformat() for t in ticks], labelAngle=0, labelOverlap=True, grid=True)


def x_time(field: str, tz: str, start, end, title: str | None = None) -> alt.X:
    return alt.X(f"{field}:T", title=title or f"time ({tz})", scale=alt.Scale(type="utc"), axis=time_axis(start, end))


def zoom(span_col, from_col, ds: pd.Series, step: pd.Timedelta, tz: str, *, default: str, key: str,
         days_from: pd.Series | None = None) -> tuple[str, pd.Timestamp, pd.Timestamp]:
    """The Zoom control (horizon, week or day) and its From date, drawn in two columns; returns the span and the window.

    ``ds`` are the chart's UTC instants on a grid of ``step``; ``days_from``
    (UTC instants too, ``ds`` by default) give the dates offered: the local
    dates in ``tz`` whose midnight is inside them, so a day or week starts at
    the zone's local midnight. The window ``[lo, hi)`` is returned as wall
    times of ``tz`` (``state.wall``): the whole of ``ds`` with its last
    interval for the horizon, else the local week or day from the date chosen.
    The start of the window is remembered as a UTC instant (``{key}_at``), so
    a change of zone shows the same moment instead of the first date.
    """
    span = span_col.segmented_control("Zoom", ["horizon", "week", "day"], default=default, key=key) or "horizon"
    days = fmt.whole_days(ds if days_from is None else days_from, tz) or sorted(set(pd.DatetimeIndex(ds).tz_convert(tz).date))
    at_key = f"{key}_at"
    chosen = fmt.day_for(st.session_state.get(at_key), days, tz)
    # one widget per zone: a new zone draws it afresh on the remembered instant's date
    first = from_col.selectbox(f"From ({tz})", days, index=days.index(chosen) if chosen in days else 0, format_func=fmt.day,
                               disabled=span == "horizon", key=f"{key}_from_{tz}")

    def w(t: pd.Timestamp) -> pd.Timestamp:
        return wall(pd.Series([t]), tz).iloc[0]

    if span == "horizon" or first is None:
        ds = pd.Series(pd.DatetimeIndex(ds))
        return span, w(ds.min()), w(ds.max()) + step
    lo, hi = fmt.zoom_window(first, 7 if span == "week" else 1, tz)
    st.session_state[at_key] = lo
    return span, w(lo), w(hi)


def event_layers(events: pd.DataFrame) -> list[alt.Chart]:
    """Shaded bands for ``events`` with their names along the top.

    ``events`` has ``label``, ``kind`` (``holiday``, ``what-if`` or any
    event kind), ``start``/``end`` as wall times (``state.wall``) and a
    ``when`` text for the tooltip. Names of nearby events are set on three
    staggered lines so they stay readable.
    """
    if events is None or events.empty:
        return []
    ev = events.sort_values("start").reset_index(drop=True)
    ev["group"] = ev["kind"].map(lambda k: k if k in ("holiday", "what-if") else "event")
    ev["label_y"] = [4 + 14 * (i % 3) for i in range(len(ev))]
    present = [g for g in EVENT_COLORS if g in set(ev["group"])]
    scale = alt.Scale(domain=present, range=[EVENT_COLORS[g] for g in present])
    x = alt.X("start:T", scale=alt.Scale(type="utc"))
    band = alt.Chart(ev).mark_rect(opacity=0.13).encode(
        x=x, x2="end:T", color=alt.Color("group:N", title="marked", scale=scale),
        tooltip=[alt.Tooltip("label:N", title="event"), alt.Tooltip("kind:N"), alt.Tooltip("when:N", title="when")],
    )
    edge = alt.Chart(ev).mark_rule(strokeDash=[4, 3], opacity=0.8).encode(x=x, color=alt.Color("group:N", scale=scale, legend=None))
    text = alt.Chart(ev).mark_text(align="left", baseline="top", dx=3, fontSize=11).encode(
        x=x, y=alt.Y("label_y:Q", scale=None, axis=None), text="label:N", color=alt.Color("group:N", scale=scale, legend=None),
    )
    return [band, edge, text]
