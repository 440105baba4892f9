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
import functools
import itertools
import pickle
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

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
from forecast.predict import EtsCache, Series, band, predict_series
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


@dataclass(frozen=True)
class Failure:
    """A series whose forecast failed (the others are kept): its key and the error's message."""

    key: tuple[str, ...]
    message: str

    @property
    def label(self) -> str:
        return series_label(*self.key)


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
    failures : list of Failure
        Series whose forecast failed (a fan-out keeps the others; see :mod:`forecast.fanout`).
    """

    forecast: pd.DataFrame
    accuracy: pd.DataFrame
    grid: TimeGrid
    notes: list[str] = field(default_factory=list)
    effects: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    failures: list[Failure] = field(default_factory=list)


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


# --------------------------------------------------------------------------- #
# What every series shares: the models' grid and the events (made once, on the driver)
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Setup:
    """The models' common UTC grid and the forecast's options: small, sent to every series' task.

    ``start``/``stop`` (UTC) bound the models' grid (the history's start to two days past the horizon);
    ``n_hist``/``n_out`` are its indices of the end of the history and of the horizon.
    """

    interval_min: int
    start: pd.Timestamp
    stop: pd.Timestamp
    n_hist: int
    n_out: int
    per_day: int
    horizon_days: int
    holiday_eves: bool = True

    @property
    def index(self) -> pd.DatetimeIndex:
        return _models_grid(self.start, self.stop, self.interval_min)

    def frame(self, tz: str) -> fm.LocalFrame:
        return _local_frame(self.start, self.stop, self.interval_min, tz)


@functools.lru_cache(maxsize=4)
def _models_grid(start: pd.Timestamp, stop: pd.Timestamp, interval_min: int) -> pd.DatetimeIndex:
    return make_grid(start, stop, interval_min)


@functools.lru_cache(maxsize=64)
def _local_frame(start: pd.Timestamp, stop: pd.Timestamp, interval_min: int, tz: str) -> fm.LocalFrame:
    return fm.LocalFrame.of(_models_grid(start, stop, interval_min), tz)


def plan_setup(
    keys: list[tuple[str, ...]], events: pd.DataFrame | None, *, grid: TimeGrid, horizon_days: int = 28, holiday_eves: bool = True
) -> tuple[Setup, pd.DataFrame, list[str]]:
    """The models' grid, every event acting on the series ``keys`` (:data:`~forecast.schema.SERIES_COLUMNS`) and the notes on them."""
    notes: list[str] = []
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
    stop = end + pd.Timedelta(days=2)  # the models' grid runs two days past the horizon
    index = _models_grid(hist_start, stop, grid.interval_min)
    n_hist = index.searchsorted(start)
    out_hi = index.searchsorted(end)

    zones = sorted({k[-1] for k in keys})
    channels = sorted({k[0] for k in keys})
    cal = calendar_events(hist_start, stop, zones, channels)
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
    setup = Setup(grid.interval_min, hist_start, stop, int(n_hist), int(out_hi), grid.per_day, horizon_days, holiday_eves)
    return setup, all_events, notes


def events_by_series(all_events: pd.DataFrame, keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], pd.DataFrame]:
    """Each series' own rows of the event table (what its task is sent).

    An event names a channel (it acts on every queue of it: ``queue`` empty) or one of its queues.
    """
    if "queue" not in all_events.columns:
        all_events = all_events.assign(queue="")
    groups = {k: g for k, g in all_events.groupby(["channel", "tz"], sort=False)}
    empty = all_events.iloc[:0]
    out = {}
    for channel, queue, tz in keys:
        g = groups.get((channel, tz), empty)
        out[(channel, queue, tz)] = g[g["queue"].isin(("", queue))]
    return out


# --------------------------------------------------------------------------- #
# Step 1, per series: the series on the models' grid and its evidence on the events' effects
# --------------------------------------------------------------------------- #


@dataclass
class SeriesEvidence:
    """What step 1 sends back from one series: where it starts, its notes, and its evidence per origin."""

    key: tuple[str, ...]
    first: int
    notes: list[str]
    excluded_notes: list[str]
    evidence: dict[int, fx.EvidenceOps]


def prepare_series(history: pd.DataFrame, key: tuple[str, ...], setup: Setup, events: pd.DataFrame) -> tuple[Series, list[str], list[str]]:
    """One series (its rows of the history) on the models' grid with its event windows and exclusions.

    Returns the series, its notes (a late start) and its notes on the stretches left out of training.
    """
    channel, queue, tz = key
    label = series_label(channel, queue, tz)
    index, frame, per_day = setup.index, setup.frame(tz), setup.per_day
    notes: list[str] = []
    idx = index.searchsorted(history["ds"])
    y = np.full(len(index), np.nan)
    y[idx] = history["volume"].to_numpy(dtype=float)
    aht = np.full(len(index), np.nan)
    if "aht_s" in history:
        aht[idx] = history["aht_s"].to_numpy(dtype=float)
    first = _late_start(y, frame, int(idx.min()), per_day, label, tz, notes)
    ev = fx.windows_for(events, frame, eves=setup.holiday_eves)
    affected = fx.affected_mask(ev, len(index))
    found = outliers.find(y, frame, affected, per_day)
    for e in found:
        ev.excluded[e.lo : e.hi] = True
        affected[e.lo : e.hi] = True
    excluded = outliers.describe(found, index, tz, label)
    ref = fx.reference(y, affected, frame, per_day)
    return Series(channel, tz, y, aht, ev, ref, first, queue), notes, excluded


def evidence_origins(setup: Setup, backtest: bool) -> list[int]:
    """Every origin the effects may be learned at: each backtest origin any series could use, and the forecast's."""
    out = list(bk.schedule(setup.n_hist, setup.per_day, setup.horizon_days, -(10**12))) if backtest else []
    return out + [setup.n_hist]


def evidence_step(history: pd.DataFrame, key: tuple[str, ...], setup: Setup, events: pd.DataFrame,
                  backtest: bool = True) -> tuple[Series, SeriesEvidence]:
    """Step 1 of one series: the series (kept for step 2) and its evidence at every origin (sent to the driver)."""
    series, notes, excluded = prepare_series(history, key, setup, events)
    evidence = fx.series_evidence_at(series.y, series.ref, series.ev, evidence_origins(setup, backtest))
    return series, SeriesEvidence(key, series.first, notes, excluded, evidence)


def evidence_of(step1: tuple[Series, SeriesEvidence]) -> SeriesEvidence:
    """The small part of step 1's result the driver gathers (the series stays where it was made)."""
    return step1[1]


def pool_effects(evidence: list[SeriesEvidence], origins: list[int]) -> dict[int, dict[str, fx.Effects]]:
    """Effects per origin and channel, pooled over the channel's series in ``evidence``'s (the series key) order."""
    out: dict[int, dict[str, fx.Effects]] = {}
    for o in origins:
        pooled: dict[str, fx.Evidence] = {}
        for e in evidence:
            fx.apply_evidence(pooled.setdefault(e.key[0], fx.Evidence()), e.evidence[o])
        out[o] = {c: fx.learned(v) for c, v in pooled.items()}
    return out


# --------------------------------------------------------------------------- #
# Step 2, per series: backtest, choice of models and the final forecast
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Options:
    """The forecast's options (see :func:`run_forecast`), as every series' step 2 uses them."""

    model: str = "auto"
    candidates: tuple[str, ...] = fm.DEFAULT_CANDIDATES
    backtest: bool = True
    pay_days: tuple[int, ...] | None = fcal.DEFAULT_PAY_DAYS


@dataclass
class SeriesForecast:
    """What step 2 sends back from one series: its forecast rows, its backtest scores and its notes."""

    key: tuple[str, ...]
    forecast: pd.DataFrame
    accuracy: pd.DataFrame
    scored: bool  # the backtest chose a model for some horizon of this series
    unscored: list[str]  # horizon buckets the backtest could not score
    notes: list[str]
    unknown: list[str]  # events ahead with nothing to learn their effect from


def forecast_series(series: Series | tuple[Series, SeriesEvidence], setup: Setup, options: Options,
                    effects: dict[int, dict[str, float]], origins: dict[int, int]) -> SeriesForecast:
    """Step 2 of one series: backtest from ``origins`` (index -> intervals), choose, forecast the horizon.

    ``effects`` are the series' channel's effects per origin (``origins`` and the end of the history), pooled
    over the channel's series (:func:`pool_effects`). Only the models the final forecast uses are fitted at the
    end of the history.
    """
    s = series[0] if isinstance(series, tuple) else series
    frame, per_day, n_hist, out_hi = setup.frame(s.tz), setup.per_day, setup.n_hist, setup.n_out
    candidates, model = options.candidates, options.model
    bt = BacktestResult(pd.DataFrame())
    if options.backtest and origins:
        cache = EtsCache()
        trials = []
        for origin, n in origins.items():
            sp = predict_series(s, frame, origin, origin + n, per_day, effects[origin], candidates, cache, options.pay_days)
            trials += bk.series_trials(s, sp, origin, n, per_day)
        if trials:
            bt = bk.score(trials, per_day)
    choice, unscored = {}, []
    for bucket, _, _ in BUCKETS:
        if model != "auto":
            choice[bucket] = model
        else:
            choice[bucket] = bt.choice.get(s.key + (bucket,), AUTO_FALLBACK)
            if s.key + (bucket,) not in bt.choice:
                unscored.append(bucket)
    final_models = set(choice.values())
    if "ets_calendar" in final_models:
        final_models.add("ets")  # where the calendar shows nothing at the final origin
    sp = predict_series(s, frame, n_hist, out_hi, per_day, effects[n_hist], tuple(sorted(final_models)), None, options.pay_days)
    notes = list(sp.notes)
    n = out_hi - n_hist
    lead = np.arange(n) / per_day
    mu, sd, contrib = np.zeros(n), np.zeros(n), np.zeros(n)
    names = np.empty(n, dtype=object)
    for bucket, lo_d, hi_d in BUCKETS:  # stitch by lead time: each bucket's model, with its calibrated band
        sel = (lead >= lo_d) & (lead < hi_d)
        if not sel.any():
            continue
        want = choice[bucket]
        name = want if want in sp.models else ("ets" if want == "ets_calendar" and "ets" in sp.models else next(iter(sp.models)))
        if name != want and name != "zero" and want not in sp.why:  # (sp.notes say why)
            notes.append(f"{s.label}: model {want} not available; using {name}")
        p = sp.models[name]
        # widen or narrow the band so that it covers 80% in the backtest
        f = bt.band_factor.get(s.key + (name, bucket), 1.0)
        mu[sel], sd[sel], contrib[sel], names[sel] = p.mu[sel], p.sd[sel] * f, p.contrib[sel], name
    aht = _aht_forecast(s, frame, n_hist, per_day)[:n]
    lo, hi = band(mu, sd)
    out = pd.DataFrame(
        {
            "ds": setup.index[n_hist:out_hi],
            **dict(zip(SERIES_COLUMNS, s.key)),
            "volume": mu,
            "volume_lo": lo,
            "volume_hi": hi,
            "aht_s": aht,
            "model": names,
            "event_volume": contrib,
            "events": fx.event_names(s.ev, out_hi, n_hist),
        }
    )
    return SeriesForecast(s.key, out, bt.accuracy, bool(bt.choice), unscored, notes, list(sp.unknown))


# --------------------------------------------------------------------------- #
# The driver: both steps mapped over the series by an executor
# --------------------------------------------------------------------------- #


class Executor(Protocol):
    """Runs one step over the series (in-process, or on a Dask cluster: :mod:`forecast.fanout`).

    ``map(fn, args, shared=..., keep=..., summary=..., label=..., progress=...)`` calls
    ``fn(*args[key][:1], *shared, *args[key][1:])`` for every key (the first per-key argument is the series'
    data, or what an earlier step kept of it) and returns ``(results, kept)``: per key the result (or
    ``summary(result)``), or a :class:`Failure`; and, with ``keep``, per key a handle on the whole result that
    a later step may take as its first argument (the result itself in-process, a future on a cluster).
    """

    def map(self, fn, args: dict, *, shared: tuple = (), keep: bool = False, summary=None, label: str = "",
            progress: Progress | None = None) -> tuple[dict, dict]: ...

    def release(self, kept: dict) -> None: ...


@dataclass(frozen=True)
class Spilled:
    """What a step kept of one series, in a file of :class:`SerialExecutor`'s spill folder (pickled)."""

    path: Path

    def load(self):
        with open(self.path, "rb") as f:
            return pickle.load(f)


class SerialExecutor:
    """Every series in this process, one after the other (``catch``: a failing series is a :class:`Failure`).

    With ``spill``, what a step keeps for the next (a series' rows, a series on the models' grid) is written to a
    temporary folder and read back by the step that takes it, so that the process holds one series at a time,
    not every series between the steps; :meth:`close` removes the folder.
    """

    def __init__(self, catch: bool = False, spill: bool = False):
        self.catch = catch
        self.spill = spill
        self._folder: Path | None = None
        self._files = itertools.count()

    def _spilled(self, value) -> Spilled:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="shiftcast-series-"))
        path = self._folder / f"{next(self._files)}.pkl"
        with open(path, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        return Spilled(path)

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def map(self, fn, args, *, shared=(), keep=False, summary=None, label="", progress=None):
        results, kept = {}, {}
        for i, (key, a) in enumerate(args.items()):
            if progress:
                progress(label, i, len(args))
            data = a[0].load() if isinstance(a[0], Spilled) else a[0]
            try:
                r = fn(data, *shared, *a[1:])
            except InputError:
                raise
            except Exception as exc:
                if not self.catch:
                    raise
                results[key] = Failure(tuple(key), f"{type(exc).__name__}: {exc}")
                continue
            if keep:
                kept[key] = self._spilled(r) if self.spill else r
            results[key] = summary(r) if summary else r
            del data, r  # (not held while the next series is read)
        if progress:
            progress(label, len(args), len(args))
        return results, kept

    def release(self, kept):
        for v in kept.values():
            if isinstance(v, Spilled):
                v.path.unlink(missing_ok=True)
        kept.clear()


def drive(
    data: dict[tuple[str, ...], object],
    events: pd.DataFrame | None,
    *,
    grid: TimeGrid,
    executor: Executor | None = None,
    horizon_days: int = 28,
    options: Options = Options(),
    holiday_eves: bool = True,
    progress: Progress | None = None,
) -> ForecastResult:
    """Forecast each series in ``data`` (key :data:`~forecast.schema.SERIES_COLUMNS` -> its rows of the history, or a handle on them).

    Step 1 maps :func:`evidence_step` over the series; the driver pools the evidence per channel (in series key
    order) into effects per origin; step 2 maps :func:`forecast_series`. The result equals the serial run's
    whatever the executor. A series that fails (in either step) is a :class:`Failure` in the result; the others
    are kept (its evidence is then missing from its channel's pool).
    """
    executor = executor or SerialExecutor()
    data = dict(data)  # (released after step 1: a caller that passes its dict inline lets the rows go then)
    keys = sorted(data)
    setup, all_events, notes = plan_setup(keys, events, grid=grid, horizon_days=horizon_days, holiday_eves=holiday_eves)
    by_series = events_by_series(all_events, keys)
    failures: dict[tuple, Failure] = {}
    step1, kept = executor.map(
        _evidence_task, {k: (data[k], k, by_series[k]) for k in keys}, shared=(setup, options.backtest), keep=True,
        summary=evidence_of, label="forecast: series prepared", progress=progress)
    executor.release(data)  # the series' rows are no longer needed: step 1 keeps each series on the models' grid
    evidence = []
    for k in keys:
        r = step1[k]
        if isinstance(r, Failure):
            failures[k] = r
        else:
            evidence.append(r)
    excluded_notes: list[str] = []
    for e in evidence:
        notes += e.notes
        excluded_notes += e.excluded_notes
    notes += _capped_exclusions(excluded_notes)
    if not evidence:
        raise _every_series_failed(failures)

    origins: dict[int, int] = {}
    if options.backtest:
        origins = bk.schedule(setup.n_hist, setup.per_day, horizon_days, min(e.first for e in evidence))
        if not origins:
            notes.append("the history is too short to backtest; models are chosen without it and the 10-90% bands are not calibrated")
    else:
        notes.append(
            "no backtest: "
            + (f"auto cannot choose a model per series and horizon, so every series uses {AUTO_FALLBACK}; " if options.model == "auto" else "")
            + "the 10-90% bands are not calibrated, and accuracy.csv has its columns but no rows"
        )
    effects = pool_effects(evidence, list(origins) + [setup.n_hist])
    # every channel's effects are sent once (a cluster scatters them to each worker), each series names its channel
    args = {e.key: (kept[e.key], e.key[0]) for e in evidence}
    step2, _ = executor.map(_forecast_task, args, shared=(setup, options, origins, effects), label="forecast: series done",
                            progress=progress)
    executor.release(kept)
    done: list[SeriesForecast] = []
    for e in evidence:
        r = step2[e.key]
        if isinstance(r, Failure):
            failures[e.key] = r
        else:
            done.append(r)
    if not done:
        raise _every_series_failed(failures)
    if any(r.scored for r in done):  # the backtest ran but could not score these series and horizons
        for r in done:
            if r.unscored:
                notes.append(
                    f"{series_label(*r.key)}: the backtest has no score for horizon {', '.join(r.unscored)} (too little history "
                    f"before its origins); auto uses {AUTO_FALLBACK} there, with uncalibrated bands"
                )
    unknown_events: dict[str, list[str]] = {}
    for r in done:
        notes.extend(r.notes)
        for ev_name in r.unknown:
            unknown_events.setdefault(ev_name, []).append(f"{series_label(*r.key)}")
    final_effects = effects[setup.n_hist]
    for ev_name, where in unknown_events.items():
        scope = "every series" if len(where) == len(done) else ", ".join(where)
        notes.append(
            f"event '{ev_name}' has no uplift and no past occurrence of its kind to learn from ({scope}); forecast without its effect"
            + _kind_hint(ev_name, all_events, final_effects)
        )
    effects_rows = [
        {"channel": channel, "key": k, "multiplier": m} for channel, eff in final_effects.items() for k, m in sorted(eff.items())
    ]
    forecast = pd.concat([r.forecast for r in done], ignore_index=True).sort_values(["ds", *SERIES_COLUMNS], ignore_index=True)
    forecast["ds"] = forecast["ds"].dt.as_unit("ns")
    scored = [r.accuracy for r in done if len(r.accuracy)]
    accuracy = pd.concat(scored, ignore_index=True) if scored else pd.DataFrame()
    return ForecastResult(
        forecast, accuracy, grid.after(horizon_days), notes=_dedupe(notes), effects=pd.DataFrame(effects_rows),
        events=all_events, failures=[failures[k] for k in keys if k in failures],
    )


def _evidence_task(history, setup, backtest, key, events):
    if isinstance(history, tuple):  # (frame, grid, notes) as a per-series read keeps it (forecast.fanout)
        history = history[0]
    return evidence_step(history, key, setup, events, backtest)


def _forecast_task(step1, setup, options, origins, effects, channel):
    return forecast_series(step1, setup, options, {o: by_channel.get(channel, {}) for o, by_channel in effects.items()}, origins)


def split_series(history: pd.DataFrame) -> dict[tuple[str, ...], pd.DataFrame]:
    """The history's rows per series (key :data:`~forecast.schema.SERIES_COLUMNS`), in key order."""
    if "queue" not in history.columns:  # a frame built without the loader: one queue per channel
        history = history.assign(queue=history["channel"])
    return {tuple(k): g for k, g in history.groupby(list(SERIES_COLUMNS), sort=True)}


def prepare(
    history: pd.DataFrame, events: pd.DataFrame | None = None, *, grid: TimeGrid, horizon_days: int = 28, holiday_eves: bool = True
) -> Prepared:
    """Put every series of ``history`` (on ``grid``, the history's) on one UTC grid with its events and exclusions.

    See :func:`run_forecast` (which does the same one series at a time: :func:`prepare_series`).
    """
    grid.positions(history["ds"], file="history")
    parts = split_series(history)
    keys = list(parts)
    setup, all_events, notes = plan_setup(keys, events, grid=grid, horizon_days=horizon_days, holiday_eves=holiday_eves)
    by_series = events_by_series(all_events, keys)
    series: list[Series] = []
    excluded_notes: list[str] = []
    for k in keys:
        s, n, ex = prepare_series(parts[k], k, setup, by_series[k])
        series.append(s)
        notes += n
        excluded_notes += ex
    notes += _capped_exclusions(excluded_notes)
    frames = {tz: setup.frame(tz) for tz in sorted({k[-1] for k in keys})}
    return Prepared(series, frames, setup.index, setup.per_day, setup.n_hist, setup.n_out, all_events, notes)


def forecast_options(model: str = "auto", candidates: tuple[str, ...] | None = None, *, backtest: bool = True,
                     calendar: bool = True, pay_days: tuple[int, ...] = fcal.DEFAULT_PAY_DAYS, horizon_days: int = 28) -> Options:
    """The :class:`Options` of :func:`run_forecast`'s arguments (the candidates completed, the model checked)."""
    candidates = tuple(candidates or fm.DEFAULT_CANDIDATES)
    if calendar and "ets" in candidates and "ets_calendar" not in candidates:
        candidates = candidates + ("ets_calendar",)
    if model not in ("auto",) + candidates and model in fm.MODELS:
        candidates = candidates + (model,)
    if model not in MODEL_CHOICES:
        raise InputError.one("--model", f"unknown model {model!r}; expected one of {', '.join(MODEL_CHOICES)}")
    if horizon_days < 1:
        raise InputError.one("--horizon-days", "the horizon must be at least one day")
    pay = tuple(pay_days) if calendar or model == "ets_calendar" else None
    return Options(model, candidates, backtest, pay)


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
    executor: Executor | None = None,
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
        ``progress(task, done, total)``: series done of the total, per step.
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
    executor : Executor, optional
        Where the series are forecast (default: here, one after the other; a failing series raises).
        :mod:`forecast.fanout` sends them to a Dask cluster.
    """
    options = forecast_options(model, candidates, backtest=backtest, calendar=calendar, pay_days=pay_days, horizon_days=horizon_days)
    grid.positions(history["ds"], file="history")
    return drive(split_series(history), events, grid=grid, executor=executor, horizon_days=horizon_days, options=options,
                 holiday_eves=holiday_eves, progress=progress)


def _capped_exclusions(excluded_notes: list[str]) -> list[str]:
    """The notes on stretches left out of training, at most :data:`MAX_EXCLUSION_NOTES` and a count of the rest."""
    if len(excluded_notes) <= MAX_EXCLUSION_NOTES:
        return excluded_notes
    rest = len(excluded_notes) - MAX_EXCLUSION_NOTES
    return excluded_notes[:MAX_EXCLUSION_NOTES] + [f"... and {rest} more stretch(es) left out of training by the same rule"]


def _every_series_failed(failures: dict[tuple, Failure]) -> InputError:
    return InputError.one("history", "every series failed: " + "; ".join(f"{f.label}: {f.message}" for f in failures.values()))


def _dedupe(notes: list[str]) -> list[str]:
    return list(dict.fromkeys(notes))


def _overlap_notes(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> list[str]:
    """Notes on the user's events that overlap another event inside the horizon ``[start, end)`` (UTC)."""
    ev = events[(events["end"] > start) & (events["start"] < end)]
    mine = ev[ev["source"] == "file"].drop_duplicates(["event", "channel", "tz", "start", "end"])
    pairs: dict[tuple[str, ...], None] = {}
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
