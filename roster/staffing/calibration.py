"""Staffing checked against what happened: the queueing model calibrated on a contact centre's interval report.

Erlang A is exact for its assumptions, but its prediction on real interval data hangs on how many of the agents
logged in were really taking contacts of the queue (agents on other queues, in after-call work, on unscheduled
breaks, idle but unavailable). Two figures per channel are fitted from an actuals file
(:func:`forecast.io.actuals.read_actuals`):

patience
    The mean time a caller waits before hanging up (exponential patience, as in Erlang A). With the waits in the
    report (``asa_s``, ``abandon_time_s``) it is the standard estimator: the abandoned contacts over the total time
    every offered contact waited, ``theta = sum(abandoned) / sum(answered * asa_s + abandoned * abandon_time_s)``,
    the maximum-likelihood rate of exponential patience censored by the answer (Brown et al. 2005, "Statistical
    analysis of a telephone call center", JASA 100:36-50; Garnett, Mandelbaum and Reiman 2002). Without them it is
    fitted with the availability to the service level and abandonment observed (the least sum of both mean absolute
    errors over a grid of patience values).
availability
    The share of ``agents_staffed`` available for the queue: the factor on the agents that brings the model's
    service level closest to the one observed (least mean absolute error over the intervals), per channel and,
    where a band of the day has at least :data:`MIN_BAND_INTERVALS` intervals with contacts, per time-of-day band
    (local hours in the calibration's ``band_tz``).

A fractional number of agents is evaluated as the linear interpolation of the model at the integers either side.
The observed service level of an interval is ``answered_in_target / offered`` (abandons count as misses, as in the
model's); its abandonment ``abandoned / offered``. Intervals with contacts offered are scored; those with no agent
staffed count too (the model then answers nobody) but are not fitted on.

In staffing (:func:`calibrated_targets`) the availability replaces ``1 - shrinkage``: agents to schedule are
``agents_net / (availability x (1 - absence_share))``, where ``absence_share`` (0 unless set in calibration.toml) is
the share of scheduled agents who never log in at all, which ``agents_staffed`` cannot see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from scipy import stats

from forecast.errors import InputError, file_label
from forecast.io.files import write_bytes_atomic
from forecast.schema import is_valid_tz
from forecast.tables import STAFFING_BACKTEST
from forecast.timegrid import TimeGrid
from roster.schema import PATIENCE_S, ChannelTarget, Targets
from roster.staffing import queueing as q

#: Availability factors searched (share of agents_staffed available): a centre where fewer than 5% of the agents
#: logged in take calls, or the model needs more than 1.5 times the agents present, is not one the model describes.
AVAILABILITY_RANGE = (0.05, 1.5)
#: Patience values searched (s) when the report has no waits: within targets.toml's bounds for patience_s.
PATIENCE_GRID_S = tuple(float(v) for v in np.geomspace(10.0, 3600.0, 19))
#: Intervals with contacts and agents a channel needs before its figures are fitted (fewer: the defaults, noted).
MIN_FIT_INTERVALS = 20
#: Intervals with contacts and agents a time-of-day band needs before it gets its own availability.
MIN_BAND_INTERVALS = 120
#: Default time-of-day bands: local start hours (00-06, 06-12, 12-18, 18-24).
DEFAULT_BAND_STARTS = (0, 6, 12, 18)
QUEUE_MODELS = ("erlang_c", "erlang_a", "chat")


class BandCalibration(BaseModel):
    """One time-of-day band's availability (local hours ``start_hour`` to ``end_hour`` in the calibration's band_tz)."""

    model_config = ConfigDict(extra="forbid")

    start_hour: int = Field(ge=0, le=23, description="first local hour of the band")
    end_hour: int = Field(ge=1, le=24, description="local hour the band ends (exclusive)")
    availability: float = Field(gt=0, le=AVAILABILITY_RANGE[1], description="share of agents_staffed available in the band")
    intervals: int = Field(ge=0, description="intervals the figure was fitted on")
    fitted: bool = Field(description="False: too few intervals; the channel's figure is used")

    @model_validator(mode="after")
    def _order(self) -> "BandCalibration":
        if self.end_hour <= self.start_hour:
            raise ValueError(f"end_hour {self.end_hour} must be after start_hour {self.start_hour}")
        return self


class ChannelCalibration(BaseModel):
    """One channel's fitted figures."""

    model_config = ConfigDict(extra="forbid")

    availability: float = Field(gt=0, le=AVAILABILITY_RANGE[1], description="share of agents_staffed available for the queue")
    patience_s: float | None = Field(default=None, gt=0, description="mean patience in seconds (calls); None: the targets'")
    patience_from: Literal["waits", "fit", "targets", "none"] = Field(
        description="waits: abandoned over total waiting time; fit: fitted with the availability; targets: the targets' "
                    "patience_s (nothing to estimate it from); none: not a call channel"
    )
    absence_share: float = Field(default=0.0, ge=0, lt=1, description="share of scheduled agents never logged in (set by hand; 0 by default)")
    intervals: int = Field(ge=0, description="intervals with contacts and agents the figures were fitted on")
    fitted: bool = Field(description="False: nothing to fit; the defaults (availability 1, the targets' patience)")
    bands: list[BandCalibration] = Field(default_factory=list)

    @field_validator("patience_s")
    @classmethod
    def _patience(cls, v: float | None) -> float | None:
        if v is not None and not PATIENCE_S[0] <= v <= PATIENCE_S[1]:
            raise ValueError(f"patience_s {v:g} s is outside {PATIENCE_S[0]:g}..{PATIENCE_S[1]:g} s")
        return v

    @model_validator(mode="after")
    def _bands(self) -> "ChannelCalibration":
        last = 0
        for b in self.bands:
            if b.start_hour < last:
                raise ValueError("bands must be in order and not overlap")
            last = b.end_hour
        return self


class Calibration(BaseModel):
    """calibration.toml: per channel, the share of staffed agents available and the patience, fitted on actuals."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="the actuals file fitted on")
    fitted_from: str = Field(description="first interval fitted on (UTC, ISO 8601)")
    fitted_until: str = Field(description="end of the last interval fitted on (UTC, ISO 8601)")
    interval_min: int = Field(description="the actuals' interval, minutes")
    band_tz: str = Field(default="UTC", description="IANA zone of the bands' local hours")
    channels: dict[str, ChannelCalibration]

    @field_validator("band_tz")
    @classmethod
    def _tz(cls, v: str) -> str:
        if not is_valid_tz(v):
            raise ValueError(f"unknown time zone {v!r}")
        return v

    def availability_at(self, channel: str, ds: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        """The availability used at each UTC interval start ``ds`` on ``channel``: its band's where fitted, else the channel's."""
        c = self.channels[channel]
        out = np.full(len(ds), c.availability, dtype=float)
        if c.bands:
            hour = pd.DatetimeIndex(ds).tz_convert(self.band_tz).hour.to_numpy()
            for b in c.bands:
                if b.fitted:
                    out[(hour >= b.start_hour) & (hour < b.end_hour)] = b.availability
        return out

    def band_names(self, channel: str, ds) -> np.ndarray:
        """The band (``HH-HH`` local, or ``all``) whose availability :meth:`availability_at` uses at each ``ds``."""
        c = self.channels[channel]
        out = np.full(len(ds), "all", dtype=object)
        if c.bands:
            hour = pd.DatetimeIndex(ds).tz_convert(self.band_tz).hour.to_numpy()
            for b in c.bands:
                if b.fitted:
                    out[(hour >= b.start_hour) & (hour < b.end_hour)] = f"{b.start_hour:02d}-{b.end_hour:02d}"
        return out


@dataclass(frozen=True)
class Scores:
    """Predicted vs observed over the intervals with contacts (shares; bias = mean of predicted - observed)."""

    intervals: int
    sl_mae: float
    sl_bias: float
    abandon_mae: float
    abandon_bias: float
    noise_sl_mae: float  # the MAE sampling noise alone gives if the (calibrated) prediction were the truth


@dataclass(frozen=True)
class ChannelScores:
    channel: str
    default: Scores
    calibrated: Scores


@dataclass
class CalibrationResult:
    """A calibration (fitted here, or given) and how it scores on the actuals.

    Attributes
    ----------
    calibration : Calibration
    backtest : DataFrame
        :data:`forecast.tables.STAFFING_BACKTEST`, one row per queue channel and interval with contacts.
    scores : list of ChannelScores
        Per channel, before (the targets' model with every agent staffed available) and after calibration.
    notes : list of str
    fitted : bool
        True when fitted on these actuals (in sample); False when a given calibration was scored (out of sample).
    """

    calibration: Calibration
    backtest: pd.DataFrame
    scores: list[ChannelScores]
    notes: list[str] = field(default_factory=list)
    fitted: bool = True


# --------------------------------------------------------------------------- #
# the model at fractional agents
# --------------------------------------------------------------------------- #


class _Channel:
    """A channel's intervals and the model's figures at integer agents, cached."""

    def __init__(self, t: ChannelTarget, frame: pd.DataFrame, interval_s: float):
        self.t = t
        self.lam = frame["offered"].to_numpy(float) / interval_s
        aht = frame["aht_s"].to_numpy(float)
        self.aht = np.where(np.isfinite(aht) & (aht > 0), aht, t.aht_s)
        self.staffed = frame["agents_staffed"].to_numpy(float)
        self._cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def _at(self, n: np.ndarray, idx: np.ndarray, model: str, patience_s: float | None) -> tuple[np.ndarray, np.ndarray]:
        lam, aht = self.lam[idx], self.aht[idx]
        if model == "erlang_a":
            m = q.erlang_a_metrics(n, lam, aht, patience_s, self.t.target_s)
        elif model == "erlang_c":
            m = q.erlang_c_metrics(n, lam * aht, aht, self.t.target_s)
            m["abandon_rate"] = np.zeros(len(n))
            m["sl"] = np.where(n > 0, m["sl"], 0.0)
        else:
            t = self.t
            m = q.chat_metrics(n, lam, aht, t.target_s, t.concurrency, t.max_concurrency, t.handle_time_growth)
            m["sl"] = np.where(n > 0, m["sl"], 0.0)
        return np.asarray(m["sl"], float), np.asarray(m["abandon_rate"], float)

    def predict(self, factor: np.ndarray | float, idx: np.ndarray, model: str, patience_s: float | None) -> tuple[np.ndarray, np.ndarray]:
        """Service level and abandonment at ``factor x agents_staffed`` (interpolated between integers) for intervals ``idx``."""
        n = np.broadcast_to(np.asarray(factor, float), idx.shape) * self.staffed[idx]
        lo = np.floor(n + 1e-9).astype(np.int64)
        w = np.clip(n - lo, 0.0, 1.0)
        need = np.concatenate([lo, lo + 1])
        both = np.concatenate([idx, idx])
        key = (model, patience_s)
        cache_sl, cache_ab = self._cache.get(key, (None, None))
        width = int(max(2, math.ceil(AVAILABILITY_RANGE[1] * (self.staffed.max() if len(self.staffed) else 1)) + 2))
        if cache_sl is None:
            cache_sl = np.full((len(self.lam), width), np.nan)
            cache_ab = np.full((len(self.lam), width), np.nan)
            self._cache[key] = (cache_sl, cache_ab)
        miss = np.isnan(cache_sl[both, need])
        if miss.any():
            pairs = np.unique(np.stack([both[miss], need[miss]], axis=1), axis=0)
            sl, ab = self._at(pairs[:, 1], pairs[:, 0], model, patience_s)
            cache_sl[pairs[:, 0], pairs[:, 1]] = sl
            cache_ab[pairs[:, 0], pairs[:, 1]] = ab
        k = len(idx)
        sl_all, ab_all = cache_sl[both, need], cache_ab[both, need]
        return (1 - w) * sl_all[:k] + w * sl_all[k:], (1 - w) * ab_all[:k] + w * ab_all[k:]


def _best_factor(ch: _Channel, idx: np.ndarray, obs_sl: np.ndarray, obs_ab: np.ndarray, model: str, patience_s, with_abandon=False):
    """The availability with the least MAE of service level (plus abandonment's, when fitting patience too): a grid, refined."""
    def loss(f: float) -> float:
        sl, ab = ch.predict(f, idx, model, patience_s)
        out = float(np.mean(np.abs(sl - obs_sl)))
        return out + float(np.mean(np.abs(ab - obs_ab))) if with_abandon else out

    lo, hi = AVAILABILITY_RANGE
    grid = np.round(np.arange(lo, hi + 1e-9, 0.05), 4)
    losses = [loss(f) for f in grid]
    best = float(grid[int(np.argmin(losses))])
    fine = np.round(np.arange(max(lo, best - 0.05), min(hi, best + 0.05) + 1e-9, 0.005), 4)
    losses_fine = [loss(f) for f in fine]
    i = int(np.argmin(losses_fine))
    return float(fine[i]), float(losses_fine[i])


def _observed(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    off = frame["offered"].to_numpy(float)
    return frame["answered_in_target"].to_numpy(float) / off, frame["abandoned"].to_numpy(float) / off


def _patience_from_waits(g: pd.DataFrame) -> float | None:
    """Mean patience (s) = total waiting time of every offered contact / contacts abandoned; None when not in the report."""
    if "asa_s" not in g or "abandon_time_s" not in g:
        return None
    wait_ans = (g["answered"] * g["asa_s"]).where(g["answered"] > 0, 0.0)
    wait_ab = (g["abandoned"] * g["abandon_time_s"]).where(g["abandoned"] > 0, 0.0)
    if wait_ans.isna().any() or wait_ab.isna().any():
        return None
    abandoned, waited = float(g["abandoned"].sum()), float(wait_ans.sum() + wait_ab.sum())
    if abandoned <= 0 or waited <= 0:
        return None
    return waited / abandoned


def _score(obs_sl, obs_ab, sl, ab, offered) -> Scores:
    if not len(obs_sl):
        return Scores(0, math.nan, math.nan, math.nan, math.nan, math.nan)
    return Scores(
        intervals=len(obs_sl),
        sl_mae=float(np.mean(np.abs(sl - obs_sl))),
        sl_bias=float(np.mean(sl - obs_sl)),
        abandon_mae=float(np.mean(np.abs(ab - obs_ab))),
        abandon_bias=float(np.mean(ab - obs_ab)),
        noise_sl_mae=_noise_mae(sl, offered),
    )


def _noise_mae(p: np.ndarray, offered: np.ndarray) -> float:
    """E|X/N - p| for X ~ Binomial(N, p), averaged over the intervals: the MAE of a model that is exactly right."""
    n = np.rint(offered).astype(np.int64)
    p = np.clip(p, 0.0, 1.0)
    out = np.zeros(len(n))
    for size in np.unique(n):
        sel = n == size
        if size <= 0:
            continue
        k = np.arange(size + 1)
        pmf = stats.binom.pmf(k[None, :], size, p[sel, None])
        out[sel] = (pmf * np.abs(k[None, :] / size - p[sel, None])).sum(axis=1)
    return float(out.mean())


# --------------------------------------------------------------------------- #
# fit and score
# --------------------------------------------------------------------------- #


def _check_band_starts(band_starts) -> tuple[int, ...]:
    starts = tuple(sorted(set(int(h) for h in band_starts)))
    if not starts or any(not 0 <= h <= 23 for h in starts):
        raise InputError.one("--bands", f"expected local start hours 0..23 such as 0,6,12,18; found {band_starts}")
    return starts


def _queue_channels(actuals: pd.DataFrame, targets: Targets, notes: list[str]) -> list[str]:
    out = []
    for channel in sorted(actuals["channel"].unique()):
        t = targets.channels[channel]
        if t.model not in QUEUE_MODELS:
            notes.append(f"{channel}: a {t.model} channel (a backlog answered within hours) is not calibrated; its rows are left out")
            continue
        out.append(channel)
    return out


def fit_calibration(
    actuals: pd.DataFrame,
    grid: TimeGrid,
    targets: Targets,
    *,
    band_tz: str = "UTC",
    band_starts: tuple[int, ...] = DEFAULT_BAND_STARTS,
    source: str = "actuals",
    patience: Literal["waits", "fit"] = "waits",
) -> CalibrationResult:
    """Fit each queue channel's patience and availability (and per time-of-day band, where the data allow) on actuals.

    Parameters
    ----------
    actuals : DataFrame
        :func:`forecast.io.actuals.read_actuals`'s frame (``ds`` UTC interval start); every channel in ``targets``.
    grid : TimeGrid
        Its grid (the interval length decides the arrival rate).
    targets : Targets
        The channels' models, ``target_s`` (what ``answered_in_target`` counts against), ``aht_s`` (where an interval
        has none) and ``patience_s`` (the uncalibrated model's, and the fallback).
    band_tz : str
        IANA zone of the bands' local hours.
    band_starts : tuple of int
        Local start hours of the time-of-day bands (a single ``(0,)``: no bands).
    source : str
        The actuals' name, kept in the calibration.
    patience : {"waits", "fit"}
        ``waits``: the estimator from the waits where the report has them (else fitted); ``fit``: always fitted with
        the availability to the service level and abandonment observed.

    Returns
    -------
    CalibrationResult
        The calibration, the backtest table and the scores before and after, in sample; notes say where a channel or
        band kept the defaults.
    """
    if patience not in ("waits", "fit"):
        raise InputError.one("--patience", f"expected waits or fit, found {patience!r}")
    if not is_valid_tz(band_tz):
        raise InputError.one("--band-tz", f"unknown time zone {band_tz!r}; expected an IANA name such as Europe/London")
    starts = _check_band_starts(band_starts)
    notes: list[str] = []
    channels = {}
    for channel in _queue_channels(actuals, targets, notes):
        channels[channel] = _fit_channel(channel, actuals[actuals["channel"] == channel], grid, targets.channels[channel],
                                         band_tz, starts, notes, patience)
    if not channels:
        raise InputError.one(source, "no call or chat channel in the actuals; only those are calibrated", column="channel")
    first, last = actuals["ds"].min(), actuals["ds"].max() + grid.step
    cal = Calibration(
        source=source, fitted_from=f"{first:%Y-%m-%dT%H:%M:%SZ}", fitted_until=f"{last:%Y-%m-%dT%H:%M:%SZ}",
        interval_min=grid.interval_min, band_tz=band_tz, channels=channels,
    )
    result = score_calibration(actuals, grid, targets, cal)
    result.notes[:0] = notes
    result.fitted = True
    return result


def _fit_channel(channel, g, grid, t: ChannelTarget, band_tz, starts, notes, patience_how="waits") -> ChannelCalibration:
    g = g[g["offered"] > 0].reset_index(drop=True)
    ch = _Channel(t, g, grid.interval_s)
    usable = np.flatnonzero(ch.staffed > 0)
    obs_sl, obs_ab = _observed(g)
    call = t.model != "chat"
    no_agents = int((ch.staffed <= 0).sum())
    if no_agents:
        notes.append(f"{channel}: {no_agents} interval(s) with contacts but no agent staffed are scored, not fitted on")
    waiting = usable[(obs_sl[usable] < 1.0 - 1e-9) | (obs_ab[usable] > 0)]
    if len(usable) < MIN_FIT_INTERVALS or not len(waiting):
        why = (f"only {len(usable)} interval(s) with contacts and agents (at least {MIN_FIT_INTERVALS} needed)"
               if len(usable) < MIN_FIT_INTERVALS else
               f"no interval where a contact waited beyond target_s = {t.target_s:g} s or abandoned (every contact answered in target)")
        notes.append(f"{channel}: nothing to fit: {why}; the defaults are kept (availability 1, the targets' patience)")
        return ChannelCalibration(availability=1.0, patience_s=t.patience_s if call else None,
                                  patience_from="targets" if call else "none", intervals=len(usable), fitted=False)
    patience, how = (None, "none")
    model = "chat"
    if call:
        model = "erlang_a"
        patience = _patience_from_waits(g.iloc[usable]) if patience_how == "waits" else None
        how = "waits"
        if patience is None and float(g["abandoned"].sum()) > 0:
            # no waits in the report: patience fitted with the availability (service level and abandonment)
            best = min((_best_factor(ch, usable, obs_sl[usable], obs_ab[usable], model, p, with_abandon=True) + (p,)
                        for p in PATIENCE_GRID_S), key=lambda r: r[1])
            patience, how = best[2], "fit"
        elif patience is None:
            if t.patience_s is None:
                model, how = "erlang_c", "none"
                notes.append(f"{channel}: no contact abandoned and no patience_s in the targets: fitted without abandonment (Erlang C)")
            else:
                patience, how = t.patience_s, "targets"
                notes.append(f"{channel}: no contact abandoned: patience kept at the targets' {t.patience_s:g} s")
        if patience is not None:
            clipped = float(np.clip(patience, *PATIENCE_S))
            if clipped != patience:
                notes.append(f"{channel}: the patience estimated, {patience:,.0f} s, is outside {PATIENCE_S[0]:g}..{PATIENCE_S[1]:g} s; "
                             f"{clipped:g} s is used")
            patience = round(clipped, 1)
    factor, _ = _best_factor(ch, usable, obs_sl[usable], obs_ab[usable], model, patience)
    if factor in AVAILABILITY_RANGE:
        notes.append(f"{channel}: the availability fitted is at the end of the range searched ({factor:g}); "
                     "check agents_staffed (its unit, or which agents it counts)")
    bands = []
    if len(starts) > 1:
        hour = pd.DatetimeIndex(g["ds"]).tz_convert(band_tz).hour.to_numpy()
        edges = list(starts) + [24]
        for lo, hi in zip(edges[:-1], edges[1:]):
            sel = usable[(hour[usable] >= lo) & (hour[usable] < hi)]
            enough = len(sel) >= MIN_BAND_INTERVALS and bool(((obs_sl[sel] < 1 - 1e-9) | (obs_ab[sel] > 0)).any())
            f = _best_factor(ch, sel, obs_sl[sel], obs_ab[sel], model, patience)[0] if enough else factor
            bands.append(BandCalibration(start_hour=lo, end_hour=hi, availability=f, intervals=len(sel), fitted=enough))
        thin = [f"{b.start_hour:02d}-{b.end_hour:02d}" for b in bands if not b.fitted and b.intervals]
        if thin:
            notes.append(f"{channel}: band(s) {', '.join(thin)} ({band_tz}) have fewer than {MIN_BAND_INTERVALS} intervals with "
                         "contacts (or none waited); the channel's availability is used there")
    return ChannelCalibration(availability=factor, patience_s=patience, patience_from=how, intervals=len(usable), fitted=True,
                              bands=bands)


def score_calibration(actuals: pd.DataFrame, grid: TimeGrid, targets: Targets, calibration: Calibration) -> CalibrationResult:
    """Score a calibration on actuals without refitting: the backtest table and the scores before and after.

    A channel of the actuals the calibration does not hold is scored with the defaults (noted). The uncalibrated
    prediction is the targets' model with every agent staffed available and the targets' patience; the calibrated
    one Erlang A (calls with a patience) or the chat model at ``availability x agents_staffed``.
    """
    notes: list[str] = []
    rows, scores = [], []
    for channel in _queue_channels(actuals, targets, notes):
        t = targets.channels[channel]
        g = actuals[(actuals["channel"] == channel) & (actuals["offered"] > 0)].reset_index(drop=True)
        if g.empty:
            notes.append(f"{channel}: no interval with contacts offered; nothing to score")
            continue
        c = calibration.channels.get(channel)
        if c is None:
            notes.append(f"{channel}: not in the calibration; scored with the defaults")
            c = ChannelCalibration(availability=1.0, patience_s=t.patience_s, patience_from="targets", intervals=0, fitted=False)
        ch = _Channel(t, g, grid.interval_s)
        idx = np.arange(len(g))
        default_model = t.model
        sl0, ab0 = ch.predict(1.0, idx, default_model, t.patience_s)
        model = "chat" if t.model == "chat" else ("erlang_a" if c.patience_s is not None else "erlang_c")
        factor = calibration.availability_at(channel, g["ds"]) if channel in calibration.channels else np.ones(len(g))
        sl1, ab1 = ch.predict(factor, idx, model, c.patience_s)
        obs_sl, obs_ab = _observed(g)
        offered = g["offered"].to_numpy(float)
        scores.append(ChannelScores(channel, _score(obs_sl, obs_ab, sl0, ab0, offered), _score(obs_sl, obs_ab, sl1, ab1, offered)))
        band = calibration.band_names(channel, g["ds"]) if channel in calibration.channels else np.full(len(g), "all", dtype=object)
        rows.append(pd.DataFrame({
            "ds": g["ds"], "channel": channel, "offered": offered, "agents_staffed": g["agents_staffed"].to_numpy(float),
            "observed_sl": obs_sl.round(4), "predicted_sl_default": sl0.round(4), "predicted_sl_calibrated": sl1.round(4),
            "observed_abandon_rate": obs_ab.round(4), "predicted_abandon_rate_default": ab0.round(4),
            "predicted_abandon_rate_calibrated": ab1.round(4), "band": band,
        }))
    if not rows:
        raise InputError.one(calibration.source, "no call or chat interval with contacts offered to score")
    backtest = STAFFING_BACKTEST.order(pd.concat(rows, ignore_index=True)).sort_values(["ds", "channel"], ignore_index=True)
    return CalibrationResult(calibration, backtest, scores, notes, fitted=False)


# --------------------------------------------------------------------------- #
# staffing with a calibration
# --------------------------------------------------------------------------- #


def calibrated_targets(targets: Targets, calibration: Calibration) -> tuple[Targets, list[str]]:
    """The targets with each calibrated channel's patience and, for its shrinkage, ``1 - availability x (1 - absence_share)``.

    A call channel with a fitted patience is staffed by Erlang A with it (an ``erlang_c`` channel becomes ``erlang_a``).
    An availability above 1 (the model needs fewer agents than were present) gives no negative shrinkage: 0 is used.
    Time-of-day bands are applied per interval by :func:`apply_bands`. Channels the calibration does not hold, and
    those not fitted, keep their targets (noted).
    """
    notes: list[str] = []
    channels = dict(targets.channels)
    for channel, t in targets.channels.items():
        c = calibration.channels.get(channel)
        if c is None:
            if t.model in QUEUE_MODELS:
                notes.append(f"calibration: {channel} is not in the calibration; its targets' shrinkage {t.shrinkage:.0%} is used")
            continue
        if not c.fitted:
            notes.append(f"calibration: {channel} was not fitted (nothing to fit); its targets are used")
            continue
        shrink = max(0.0, 1.0 - c.availability * (1.0 - c.absence_share))
        update: dict = {"shrinkage": round(shrink, 4)}
        if c.patience_s is not None and t.model in ("erlang_c", "erlang_a"):
            update |= {"model": "erlang_a", "patience_s": c.patience_s}
        channels[channel] = ChannelTarget.model_validate(t.model_dump() | update)
        notes.append(
            f"calibration: {channel}: shrinkage {t.shrinkage:.0%} -> {shrink:.0%} (availability {c.availability:.2f} of the agents "
            f"logged in" + (f", absence {c.absence_share:.0%}" if c.absence_share else "") + ")"
            + (f", patience {c.patience_s:g} s" if "patience_s" in update else "")
        )
    return Targets(channels=channels, queues=targets.queues), notes


def apply_bands(requirements: pd.DataFrame, calibration: Calibration) -> pd.DataFrame:
    """Requirements whose ``agents_required`` and ``shrinkage`` follow each interval's time-of-day band availability.

    Only channels with fitted bands change: ``shrinkage = 1 - band availability x (1 - absence_share)`` and
    ``agents_required = ceil(agents_net / (1 - shrinkage))`` at each interval.
    """
    out = requirements.copy()
    for channel, c in calibration.channels.items():
        if not c.fitted or not any(b.fitted for b in c.bands):
            continue
        sel = (out["channel"] == channel).to_numpy()
        if not sel.any():
            continue
        avail = calibration.availability_at(channel, out.loc[sel, "ds"])
        shrink = np.maximum(0.0, 1.0 - avail * (1.0 - c.absence_share))
        base = np.where(out.loc[sel, "model"] == "deferred", out.loc[sel, "agents_net_exact"], out.loc[sel, "agents_net"]).astype(float)
        out.loc[sel, "shrinkage"] = np.round(shrink, 4)
        out.loc[sel, "agents_required"] = np.ceil(base / (1.0 - shrink) - 1e-6).astype(np.int64)
    return out


# --------------------------------------------------------------------------- #
# calibration.toml
# --------------------------------------------------------------------------- #


def calibration_toml(cal: Calibration) -> str:
    """The calibration as TOML text that :func:`load_calibration` reads back to the same calibration."""
    lines = [
        "# Calibration of the staffing model on actuals (shiftcast calibrate). availability: share of the agents logged in",
        "# (agents_staffed) available for the queue; patience_s: mean patience (s). absence_share: share of scheduled agents",
        "# who never log in (not seen in actuals; set it by hand). Staffing uses shrinkage = 1 - availability x (1 - absence_share).",
        f"source = {_toml(cal.source)}",
        f"fitted_from = {_toml(cal.fitted_from)}",
        f"fitted_until = {_toml(cal.fitted_until)}",
        f"interval_min = {cal.interval_min}",
        f"band_tz = {_toml(cal.band_tz)}",
    ]
    for channel, c in cal.channels.items():
        lines += ["", f"[channels.{channel}]"]
        lines += [f"{k} = {_toml(v)}" for k, v in c.model_dump(exclude={"bands"}, exclude_none=True).items()]
        for b in c.bands:
            lines += ["", f"[[channels.{channel}.bands]]"]
            lines += [f"{k} = {_toml(v)}" for k, v in b.model_dump().items()]
    return "\n".join(lines) + "\n"


def _toml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(round(v, 6))
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_calibration(cal: Calibration, path: str | Path) -> Path:
    """Write calibration.toml (whole, atomically)."""
    return write_bytes_atomic(calibration_toml(cal).encode("utf-8"), path)


def load_calibration(path: str | Path, *, label: str | None = None, targets: Targets | None = None) -> Calibration:
    """Read a calibration.toml; problems name the file and key. With ``targets``, a channel they lack is refused."""
    from roster.io import _read_toml, _validate

    file = label or file_label(path)
    cal = _validate(Calibration, _read_toml(path, file), file)
    if targets is not None:
        unknown = [c for c in cal.channels if c not in targets.channels]
        if unknown:
            raise InputError.one(file, f"channel(s) {', '.join(unknown)} are not in the targets "
                                       f"(which define {', '.join(targets.channels)})", column="channels")
    return cal


def scores_frame(result: CalibrationResult) -> pd.DataFrame:
    """The scores as a table: one row per channel and model (default, calibrated)."""
    rows = []
    for s in result.scores:
        for name, sc in (("default", s.default), ("calibrated", s.calibrated)):
            rows.append({"channel": s.channel, "model": name, "intervals": sc.intervals, "sl_mae": sc.sl_mae, "sl_bias": sc.sl_bias,
                         "abandon_mae": sc.abandon_mae, "abandon_bias": sc.abandon_bias, "noise_sl_mae": sc.noise_sl_mae})
    return pd.DataFrame(rows)
