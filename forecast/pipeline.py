"""Forecast pipeline: long history in, long forecast and accuracy table out.

``run_forecast`` takes the tidy history and its grid from :func:`forecast.io.history.read_history`
(``channel, queue, tz, ds, volume, aht_s`` on a complete UTC grid) and the user's
events from :func:`forecast.io.events.load_events`, adds each zone's public holidays
and the retail events (:mod:`forecast.events`), and for every series (queue
x customer zone, :data:`forecast.schema.SERIES_COLUMNS`; a history without queues has one queue per channel):

1. learns event and holiday multipliers from the past (:mod:`forecast.effects`);
2. backtests the models (:mod:`forecast.models`, assembled per origin by
   :mod:`forecast.predict`) from rolling origins and scores them per horizon
   bucket (day-, week-, month-ahead): WAPE, MASE, bias and the coverage of the
   80% prediction interval (:mod:`forecast.backtest`);
3. forecasts the horizon with, for each horizon bucket, the model that scored
   best on that series and bucket (or the one asked for), stitched by lead
   time, with that model's calibrated 10%/90% bounds, the events'
   contribution and a handle-time forecast with its intraday shape.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast import backtest as bk
from forecast import calendar as fcal
from forecast import effects as fx
from forecast import models as fm
from forecast import outliers
from forecast.backtest import BUCKETS, BacktestResult
from forecast.errors import InputError
from forecast.events import calendar_events
from forecast.predict import EtsCache, OriginPredictions, Series, band, predict_origin
from forecast.schema import SERIES_COLUMNS, series_label
from forecast.timegrid import TimeGrid, make_grid

Progress = Callable[[str, float, float | None], None]

MODEL_CHOICES = ("auto",) + fm.MODELS
#: What ``auto`` uses where the backtest has not chosen (no backtest, or no score for a series and horizon); noted.
AUTO_FALLBACK = "ets"
#: A series whose first contact comes this many days or more after its first row starts at that contact's day.
LATE_START_DAYS = 7
MAX_EXCLUSION_NOTES = 10
#: Weeks of history behind the handle-time forecast.
AHT_WEEKS = 8


@dataclass
class ForecastResult:
    """A forecast and how it was made.

    Attributes
    ----------
    forecast : DataFrame
        ``ds`` (UTC interval start), ``channel``, ``queue``, ``tz`` (customer zone),
        ``volume`` (expected contacts), ``volume_lo``/``volume_hi`` (10% and
        90% quantiles), ``aht_s``, ``model``, ``event_volume`` (contacts due to
        events and holidays, included in ``volume``), ``events`` (names).
    accuracy : DataFrame
        Backtest scores per series, model and horizon bucket.
    grid : TimeGrid
        The forecast's grid: the history's interval, from the end of the
        history to the end of the horizon, with the customer zones.
    notes : list of str
        Fallbacks and warnings a planner should read.
    effects : DataFrame
        Learned multipliers per channel and event key.
    events : DataFrame
        Every event acting on the series.
    """

    forecast: pd.DataFrame
    accuracy: pd.DataFrame
    grid: TimeGrid
    notes: list[str] = field(default_factory=list)
    effects: pd.DataFrame | None = None
    events: pd.DataFrame | None = None


@dataclass
class Prepared:
    """The series of a history on a common grid, ready for the models.

    Attributes
    ----------
    series : list of Series
        One per queue and customer zone, with their event windows and the
        intervals left out of training.
    frames : dict
        Local coordinates of ``grid`` per customer zone.
    grid : DatetimeIndex
        UTC interval starts from the start of the history to two days past the horizon.
    per_day : int
        Intervals per 24 hours.
    n_hist, n_out : int
        Grid indices of the end of the history and of the horizon.
    events : DataFrame
        Every event acting on the series (holidays, retail events, the user's).
    notes : list of str
    """

    series: list[Series]
    frames: dict[str, fm.LocalFrame]
    grid: pd.DatetimeIndex
    per_day: int
    n_hist: int
    n_out: int
    events: pd.DataFrame
    notes: list[str]


def prepare(
    history: pd.DataFrame, events: pd.DataFrame | None = None, *, grid: TimeGrid, horizon_days: int = 28, holiday_eves: bool = True
) -> Prepared:
    """Put every series of ``history`` (on ``grid``, the history's) on one UTC grid with its events and exclusions.

    See :func:`run_forecast`.
    """
    notes: list[str] = []
    grid.positions(history["ds"], file="history")
    step_min = grid.interval_min
    per_day = grid.per_day

    hist_start = grid.start
    start = grid.end
    end = start + pd.Timedelta(days=horizon_days)
    span_days = (start - hist_start) / pd.Timedelta(days=1)
    if span_days < 7:
        raise InputError.one(
            "history", f"the history covers {span_days:.1f} days; at least 7 days are needed to forecast a week's pattern"
        )
    if horizon_days > span_days:
        notes.append(
            f"the horizon ({horizon_days} days) is longer than the history ({span_days:.0f} days): "
            "the forecast repeats patterns it has seen only once"
        )
    index = make_grid(hist_start, end + pd.Timedelta(days=2), step_min)  # the models' grid runs two days past the horizon
    n_hist = index.searchsorted(start)
    out_hi = index.searchsorted(end)

    zones = sorted(history["tz"].unique())
    channels = sorted(history["channel"].unique())
    cal = calendar_events(hist_start, end + pd.Timedelta(days=2), zones, channels)
    all_events = cal
    if events is not None and len(events):
        if "queue" not in events.columns:  # an event table built without the loader: every queue of its channels
            events = events.assign(queue="")
        user = events[events["tz"].isin(zones) & events["channel"].isin(channels)]
        unused = sorted(set(events["event"]) - set(user["event"]))
        if unused:
            notes.append(f"events outside the history's channels and zones, ignored: {', '.join(unused)}")
        repeated = user.duplicated(["event", "kind", "channel", "queue", "tz", "start", "end"])
        if repeated.any():
            names = ", ".join(f"'{e}'" for e in dict.fromkeys(user.loc[repeated, "event"]))
            notes.append(f"events listed more than once with the same kind, times and scope, counted once: {names}")
            user = user[~repeated]
        all_events = pd.concat([cal, user], ignore_index=True)
        notes += _overlap_notes(all_events, start, end)

    frames = {tz: fm.LocalFrame.of(index, tz) for tz in zones}
    series: list[Series] = []
    excluded_notes: list[str] = []
    if "queue" not in history.columns:  # a frame built without the loader: one queue per channel
        history = history.assign(queue=history["channel"])
    for (channel, queue, tz), g in history.groupby(list(SERIES_COLUMNS), sort=True):
        label = series_label(channel, queue, tz)
        idx = index.searchsorted(g["ds"])
        y = np.full(len(index), np.nan)
        y[idx] = g["volume"].to_numpy(dtype=float)
        aht = np.full(len(index), np.nan)
        if "aht_s" in g:
            aht[idx] = g["aht_s"].to_numpy(dtype=float)
        first = _late_start(y, frames[tz], int(idx.min()), per_day, label, tz, notes)
        # an event names a channel (it acts on every queue of it, queue empty) or one of its queues
        mine = (all_events["channel"] == channel) & (all_events["tz"] == tz) & all_events["queue"].isin(("", queue))
        ev = fx.windows_for(all_events[mine], frames[tz], eves=holiday_eves)
        affected = fx.affected_mask(ev, len(index))
        found = outliers.find(y, frames[tz], affected, per_day)
        for e in found:
            ev.excluded[e.lo : e.hi] = True
            affected[e.lo : e.hi] = True
        excluded_notes += outliers.describe(found, index, tz, label)
        ref = fx.reference(y, affected, frames[tz], per_day)
        series.append(Series(channel, tz, y, aht, ev, ref, first, queue))
    if len(excluded_notes) > MAX_EXCLUSION_NOTES:
        rest = len(excluded_notes) - MAX_EXCLUSION_NOTES
        excluded_notes = excluded_notes[:MAX_EXCLUSION_NOTES] + [f"... and {rest} more stretch(es) left out of training by the same rule"]
    notes += excluded_notes
    return Prepared(series, frames, index, per_day, int(n_hist), int(out_hi), all_events, notes)


def run_forecast(
    history: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    grid: TimeGrid,
    horizon_days: int = 28,
    model: str = "auto",
    backtest: bool = True,
    progress: Progress | None = None,
    candidates: tuple[str, ...] | None = None,
    calendar: bool = True,
    pay_days: tuple[int, ...] = fcal.DEFAULT_PAY_DAYS,
    holiday_eves: bool = True,
) -> ForecastResult:
    """Forecast every queue and customer zone of ``history``.

    Parameters
    ----------
    history : DataFrame
        ``channel[, queue], tz, ds, volume[, aht_s]`` (no ``queue``: one queue per channel, named as it); ``ds`` UTC interval starts on a
        complete grid (as :func:`forecast.io.history.read_history` returns).
    grid : TimeGrid
        The history's grid (:attr:`forecast.io.history.History.grid`); the
        forecast is on the same interval.
    events : DataFrame, optional
        The shop's events (as :func:`forecast.io.events.load_events` returns). Public
        holidays and retail events are added here.
    horizon_days : int
        Days to forecast from the end of the history (24-hour UTC days).
    model : {"auto", "snaive", "ets", "prophet"}
        "auto" chooses per series and horizon bucket by backtest WAPE among
        ``candidates`` and stitches the forecast by lead time.
    backtest : bool
        Run the rolling-origin backtest (needed for "auto").
    progress : callable, optional
        ``progress(task, done, total)``.
    candidates : tuple of str, optional
        Models to backtest; default snaive and ets (plus the one asked for,
        and ``ets_calendar`` when ``calendar``). Prophet is slower and off the
        default path.
    calendar : bool
        Let the backtest consider ``ets_calendar``: ets with the day-of-month
        and pay-day effects the history shows (:mod:`forecast.calendar`).
    pay_days : tuple of int
        Days of the month salaries are paid (``-1`` = the last day); default
        the 1st, the 15th and the last.
    holiday_eves : bool
        Learn an effect on the local day before each public holiday.
    """
    candidates = tuple(candidates or fm.DEFAULT_CANDIDATES)
    if calendar and "ets" in candidates and "ets_calendar" not in candidates:
        candidates = candidates + ("ets_calendar",)
    if model not in ("auto",) + candidates and model in fm.MODELS:
        candidates = candidates + (model,)
    if model not in MODEL_CHOICES:
        raise InputError.one("--model", f"unknown model {model!r}; expected one of {', '.join(MODEL_CHOICES)}")
    if horizon_days < 1:
        raise InputError.one("--horizon-days", "the horizon must be at least one day")
    prep = prepare(history, events, grid=grid, horizon_days=horizon_days, holiday_eves=holiday_eves)
    horizon = grid.after(horizon_days)
    pay_days = tuple(pay_days) if calendar or model == "ets_calendar" else None
    series, frames, index, per_day, n_hist = prep.series, prep.frames, prep.grid, prep.per_day, prep.n_hist
    notes = list(prep.notes)
    out_lo, out_hi = n_hist, prep.n_out

    # ---- backtest --------------------------------------------------------
    def predict(origin: int, stop: int, models: tuple[str, ...], cache: EtsCache | None = None) -> OriginPredictions:
        return predict_origin(series, frames, origin, stop, per_day, models, cache, pay_days)

    bt = BacktestResult(pd.DataFrame())
    if backtest:
        origins = bk.schedule(n_hist, per_day, horizon_days, min(s.first for s in series))
        if not origins:
            notes.append("the history is too short to backtest; models are chosen without it and the 10-90% bands are not calibrated")
        cache = EtsCache()
        trials = bk.run_trials(series, lambda o, e: predict(o, e, candidates, cache), origins, per_day, progress)
        if trials:
            bt = bk.score(trials, per_day)
    if not backtest:
        notes.append(
            "no backtest: "
            + (f"auto cannot choose a model per series and horizon, so every series uses {AUTO_FALLBACK}; " if model == "auto" else "")
            + "the 10-90% bands are not calibrated, and accuracy.csv has its columns but no rows"
        )
    choice = {}
    unscored: dict[str, list[str]] = {}
    for s in series:
        for bucket, _, _ in BUCKETS:
            key = s.key + (bucket,)
            if model != "auto":
                choice[key] = model
            else:
                choice[key] = bt.choice.get(key, AUTO_FALLBACK)
                if key not in bt.choice and bt.choice:  # the backtest ran but could not score this series and horizon
                    unscored.setdefault(s.label, []).append(bucket)
    for label, buckets in unscored.items():
        notes.append(
            f"{label}: the backtest has no score for horizon {', '.join(buckets)} (too little history before its origins); "
            f"auto uses {AUTO_FALLBACK} there, with uncalibrated bands"
        )

    # ---- final forecast --------------------------------------------------
    final_models = set(choice.values())
    if "ets_calendar" in final_models:
        final_models.add("ets")  # where the calendar shows nothing at the final origin
    final = predict(n_hist, out_hi, tuple(sorted(final_models)))
    n = out_hi - out_lo
    lead = np.arange(n) / per_day
    out = []
    unknown_events: dict[str, list[str]] = {}
    for s in series:
        sp = final.by_series[s.key]
        notes.extend(sp.notes)
        mu, sd, contrib = np.zeros(n), np.zeros(n), np.zeros(n)
        names = np.empty(n, dtype=object)
        for bucket, lo_d, hi_d in BUCKETS:  # stitch by lead time: each bucket's model, with its calibrated band
            sel = (lead >= lo_d) & (lead < hi_d)
            if not sel.any():
                continue
            want = choice[s.key + (bucket,)]
            name = want if want in sp.models else ("ets" if want == "ets_calendar" and "ets" in sp.models else next(iter(sp.models)))
            if name != want and name != "zero" and want not in sp.why:  # (sp.notes say why)
                notes.append(f"{s.label}: model {want} not available; using {name}")
            p = sp.models[name]
            # widen or narrow the band so that it covers 80% in the backtest
            f = bt.band_factor.get(s.key + (name, bucket), 1.0)
            mu[sel], sd[sel], contrib[sel], names[sel] = p.mu[sel], p.sd[sel] * f, p.contrib[sel], name
        aht = _aht_forecast(s, frames[s.tz], n_hist, per_day)[:n]
        lo, hi = band(mu, sd)
        out.append(
            pd.DataFrame(
                {
                    "ds": index[out_lo:out_hi],
                    **dict(zip(SERIES_COLUMNS, s.key)),
                    "volume": mu,
                    "volume_lo": lo,
                    "volume_hi": hi,
                    "aht_s": aht,
                    "model": names,
                    "event_volume": contrib,
                    "events": fx.event_names(s.ev, out_hi, out_lo),
                }
            )
        )
        for e in sp.unknown:
            unknown_events.setdefault(e, []).append(s.label)
    for e, where in unknown_events.items():
        scope = "every series" if len(where) == len(series) else ", ".join(where)
        notes.append(
            f"event '{e}' has no uplift and no past occurrence of its kind to learn from ({scope}); forecast without its effect"
            + _kind_hint(e, prep.events, final.effects)
        )
    effects_rows = [
        {"channel": channel, "key": k, "multiplier": m} for channel, eff in final.effects.items() for k, m in sorted(eff.items())
    ]
    forecast = pd.concat(out, ignore_index=True).sort_values(["ds", *SERIES_COLUMNS], ignore_index=True)
    forecast["ds"] = forecast["ds"].dt.as_unit("ns")
    return ForecastResult(
        forecast, bt.accuracy, horizon, notes=_dedupe(notes), effects=pd.DataFrame(effects_rows), events=prep.events
    )


def _dedupe(notes: list[str]) -> list[str]:
    return list(dict.fromkeys(notes))


def _overlap_notes(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> list[str]:
    """Notes on the user's events that overlap another event inside the horizon ``[start, end)`` (UTC)."""
    ev = events[(events["end"] > start) & (events["start"] < end)]
    mine = ev[ev["source"] == "file"].drop_duplicates(["event", "channel", "tz", "start", "end"])
    pairs: dict[tuple[str, str], None] = {}
    for (channel, tz), g in ev.groupby(["channel", "tz"]):
        m = mine[(mine["channel"] == channel) & (mine["tz"] == tz)]
        for a in m.itertuples(index=False):
            hit = g[(g["event"] != a.event) & (g["start"] < a.end) & (g["end"] > a.start)]
            for b in hit["event"]:
                pairs[tuple(sorted((a.event, b)))] = None
    return [f"events '{a}' and '{b}' overlap in the horizon; where both act their effects are multiplied" for a, b in pairs]


def _kind_hint(event: str, events: pd.DataFrame, effects: dict[str, dict[str, float]]) -> str:
    """' (did you mean ...?)' when the event's kind is close to a kind the forecast has learned."""
    kinds = events.loc[events["event"] == event, "kind"]
    if kinds.empty:
        return ""
    learned = sorted({k.split("|")[0] for eff in effects.values() for k in eff if not k.startswith("holiday")})
    close = difflib.get_close_matches(str(kinds.iloc[0]), learned, n=2, cutoff=0.75)
    return f" (its kind is '{kinds.iloc[0]}'; did you mean {' or '.join(close)}?)" if close else ""


def _late_start(y: np.ndarray, frame: fm.LocalFrame, first: int, per_day: int, label: str, tz: str, notes: list[str]) -> int:
    """Where a series really starts: the local day of its first contact, if that comes a week or more late.

    A contact log spans every series from the first contact of any, so a
    channel launched later shows weeks of zeros before its first contact;
    those are not history, and ``y`` is set to NaN there (in place). Returns
    the grid index of the series' first interval.
    """
    hit = np.flatnonzero(np.nan_to_num(y[first:]) > 0)
    if not len(hit):
        return first
    start = int(np.searchsorted(frame.day, frame.day[first + hit[0]], side="left"))
    if start - first < LATE_START_DAYS * per_day:
        return first
    y[first:start] = np.nan
    notes.append(
        f"{label}: no contacts before {frame.ds[start].tz_convert(tz):%Y-%m-%d} ({tz}), "
        f"{(start - first) / per_day:.0f} days after the history begins; the series is taken to start then"
    )
    return start


def _aht_forecast(s: Series, frame: fm.LocalFrame, origin: int, per_day: int) -> np.ndarray:
    """Volume-weighted handle time per local weekday and time of day over the last weeks."""
    lo = max(0, origin - AHT_WEEKS * 7 * per_day)
    vol = np.nan_to_num(s.y[lo:origin])
    aht = s.aht[lo:origin]
    ok = ~np.isnan(aht) & (vol > 0)
    n_out = len(frame.ds) - origin
    if not ok.any():
        return np.full(n_out, np.nan)
    df = pd.DataFrame({"w": frame.weekday[lo:origin][ok], "slot": frame.slot[lo:origin][ok], "work": aht[ok] * vol[ok], "vol": vol[ok]})
    overall = df["work"].sum() / df["vol"].sum()
    by = df.groupby(["w", "slot"])[["work", "vol"]].sum()
    # shrink thin cells towards the slot's and the series' mean
    by_slot = df.groupby("slot")[["work", "vol"]].sum()
    k = 20.0
    slot_mean = (by_slot["work"] + k * overall) / (by_slot["vol"] + k)
    prior = slot_mean.reindex(by.index.get_level_values("slot")).to_numpy()
    est = (by["work"].to_numpy() + k * prior) / (by["vol"].to_numpy() + k)
    table = pd.Series(est, index=by.index)
    key = pd.MultiIndex.from_arrays([frame.weekday[origin:], frame.slot[origin:]])
    out = table.reindex(key).to_numpy(dtype=float)
    fill = slot_mean.reindex(frame.slot[origin:]).to_numpy(dtype=float)
    out = np.where(np.isnan(out), fill, out)
    return np.where(np.isnan(out), overall, out)
