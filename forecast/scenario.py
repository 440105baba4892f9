"""What-if: a planned sales event applied to a forecast, without refitting.

A manager describes an event (when, how long, which channels and customer
zones) and either gives the expected uplift or picks a kind of past event to
behave like ("like last Black Friday"). The scenario forecast is the baseline
multiplied, in the event's window, by that uplift, plus, for a kind learned
from history, the kind's after-event tail on the following local days. The
extra contacts are added to ``event_volume`` and the event's name to
``events``, so the scenario's contribution stays visible.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from forecast.errors import InputError
from forecast.schema import CHANNELS


class PlannedEvent(BaseModel):
    """A sales event to simulate.

    ``start`` is an instant (timezone-aware) or a naive local time in ``local_tz``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    start: dt.datetime
    local_tz: str = "UTC"
    duration_h: float = Field(gt=0, le=24 * 14, description="length of the event in hours")
    channels: tuple[str, ...] = Field(default=CHANNELS, min_length=1)
    zones: tuple[str, ...] = Field(default=(), description="customer zones affected; empty = all")
    uplift: float | None = Field(default=None, gt=0, le=20, description="volume multiplier during the event (2.5 = 2.5x)")
    like_kind: str | None = Field(default=None, description="behave like past events of this kind (e.g. black_friday)")

    @model_validator(mode="after")
    def _one_effect(self) -> "PlannedEvent":
        if (self.uplift is None) == (self.like_kind is None):
            raise ValueError("give either an uplift or a kind of past event to behave like, not both or neither")
        bad = [c for c in self.channels if c not in CHANNELS]
        if bad:
            raise ValueError(f"unknown channel(s) {', '.join(bad)}")
        return self

    def span_utc(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        start = pd.Timestamp(self.start)
        if start.tzinfo is None:
            start = start.tz_localize(self.local_tz, nonexistent="shift_forward", ambiguous=True)
        start = start.tz_convert("UTC")
        return start, start + pd.Timedelta(hours=self.duration_h)


def kinds_available(effects: pd.DataFrame | None) -> list[str]:
    """Event kinds whose effect the forecast learned (choices for ``like_kind``)."""
    if effects is None or effects.empty:
        return []
    keys = effects["key"].str.rsplit("|", n=1).str[0]
    core = effects["key"].str.endswith("|core") & ~keys.str.startswith("holiday")
    return sorted(keys[core].unique())


def apply_event(forecast: pd.DataFrame, event: PlannedEvent, effects: pd.DataFrame | None = None) -> pd.DataFrame:
    """The forecast with ``event`` added (see the module docstring)."""
    start, end = event.span_utc()
    f = forecast.copy()
    zones = set(event.zones) if event.zones else set(f["tz"].unique())
    scope = f["channel"].isin(event.channels) & f["tz"].isin(zones)
    mult = pd.Series(1.0, index=f.index)
    if event.uplift is not None:
        core = pd.Series(event.uplift, index=f.index)
        tails: dict[str, dict[int, float]] = {}
    else:
        eff = effects.set_index(["channel", "key"])["multiplier"] if effects is not None and len(effects) else pd.Series(dtype=float)
        core_map = {c: eff.get((c, f"{event.like_kind}|core"), np.nan) for c in event.channels}
        missing = [c for c, v in core_map.items() if np.isnan(v)]
        if len(missing) == len(core_map):
            raise InputError.one("what-if", f"no past '{event.like_kind}' event in the history to learn from; give an uplift instead")
        core = f["channel"].map(core_map).fillna(1.0)
        tails = {}
        for c in event.channels:
            j = 1
            while (c, f"{event.like_kind}|post{j}") in eff.index:
                tails.setdefault(c, {})[j] = float(eff[(c, f"{event.like_kind}|post{j}")])
                j += 1
    in_core = scope & (f["ds"] >= start) & (f["ds"] < end)
    mult[in_core] = core[in_core]
    for channel, by_day in tails.items():
        for tz in zones:
            sel = scope & (f["channel"] == channel) & (f["tz"] == tz)
            local_day = f.loc[sel, "ds"].dt.tz_convert(tz).dt.date
            last = (end - pd.Timedelta(1, "ns")).tz_convert(tz).date()
            for j, m in by_day.items():
                hit = local_day == last + dt.timedelta(days=j)
                mult[hit[hit].index] *= m
    changed = mult != 1.0
    extra = f["volume"] * (mult - 1.0)
    for col in ("volume", "volume_lo", "volume_hi"):
        if col in f:
            f[col] = f[col] * mult
    if "event_volume" in f:
        f["event_volume"] = f["event_volume"] + extra
    if "events" in f:
        f.loc[changed, "events"] = [f"{e}; {event.name}" if e else event.name for e in f.loc[changed, "events"].fillna("")]
    return f
